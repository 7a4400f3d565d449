"""Fixtures for the ml tests: small synthetic snapshot tables (with a known hazard)
and one real training run shared by the tests that only read its results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from ml.spec import FeatureSpec, load_spec, prepare_frame
from ml.synthetic import make_snapshots
from ml.train import TrainResult, train


@pytest.fixture(scope="session", autouse=True)
def one_openmp_thread():
    """HistGradientBoosting's OpenMP threads crawl when the test machine is busy: use one."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="session")
def spec() -> FeatureSpec:
    return load_spec()


@pytest.fixture(scope="session")
def synthetic(spec) -> tuple[pd.DataFrame, pd.DataFrame]:
    snaps, truth = make_snapshots(customers=1200, months=20, seed=7)
    return prepare_frame(snaps, spec, "synthetic"), truth


@pytest.fixture(scope="session")
def trained(synthetic, spec, tmp_path_factory) -> tuple[TrainResult, Path]:
    frame, truth = synthetic
    out = tmp_path_factory.mktemp("ml-out")
    result = train(frame, spec, "synthetic", out, truth=truth, backtest_cutoffs=3)
    return result, out
