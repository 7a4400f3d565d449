"""`ml train` runs the fits that reuse the evaluation's choice side by side: same results."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from ml.side_by_side import side_by_side
from ml.train import train

VARY = ("trained_at", "model_version", "model_sha256")  # the run's time and the file holding it


def test_two_at_a_time_gives_the_evaluation_and_model_of_one_after_the_other(
    trained, synthetic, spec, tmp_path
):
    one, _ = trained  # n_jobs=1
    frame, truth = synthetic
    two = train(frame, spec, "synthetic", tmp_path, truth=truth, backtest_cutoffs=3, n_jobs=2)
    for key in one.evaluation.keys() | two.evaluation.keys():
        if key not in VARY:
            assert two.evaluation.get(key) == one.evaluation.get(key), key
    assert len(two.evaluation["backtest"]) == 3 and two.evaluation["permutation_importance"]
    x = frame[spec.features]
    np.testing.assert_array_equal(two.model.predict_proba(x), one.model.predict_proba(x))


def _openmp_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "openmp"]


def test_each_task_runs_on_one_openmp_thread_and_returns_its_result():
    with threadpool_limits(limits=2, user_api="openmp"), side_by_side(2) as run:
        jobs = [run(_openmp_threads), run(_openmp_threads), run(len, "xy")]
    assert [job.result() for job in jobs] == [[1], [1], 2]
