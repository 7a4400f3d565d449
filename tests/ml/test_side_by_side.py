"""`ml train` runs the fits that reuse the evaluation's choice side by side: same results."""

from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from ml.model import candidate_estimator
from ml.side_by_side import fit_all, side_by_side
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


class _MeetsAnother:
    """An estimator whose fit waits (up to 10 s) until another fit has started."""

    def __init__(self, barrier: threading.Barrier):
        self.barrier = barrier

    def fit(self, x, y):
        self.barrier.wait(timeout=10)  # BrokenBarrierError when the fits run one after the other
        self.rows_ = len(x)
        return self


def test_fit_all_fits_two_at_a_time_and_returns_them_by_name():
    barrier = threading.Barrier(2)
    fitted = fit_all({"a": _MeetsAnother(barrier), "b": _MeetsAnother(barrier)}, [[0], [1]], [0, 1], 2)
    assert sorted(fitted) == ["a", "b"] and fitted["a"].rows_ == fitted["b"].rows_ == 2


def test_fit_all_on_one_thread_gives_the_fits_of_one_after_the_other(synthetic, spec):
    frame, _ = synthetic
    x, y = frame[spec.features], frame[spec.label_column].fillna(0).astype(int)
    names = ("gradient_boosting", "logistic_regression")
    one = fit_all({n: candidate_estimator(n, spec) for n in names}, x, y, 1)
    two = fit_all({n: candidate_estimator(n, spec) for n in names}, x, y, 2)
    for name in names:
        np.testing.assert_array_equal(one[name].predict_proba(x), two[name].predict_proba(x))


def test_one_job_runs_each_task_here_and_now_and_keeps_its_error():
    with side_by_side(1) as run:
        here = run(threading.get_ident)
        failed = run(int, "not a number")
        assert here.done() and failed.done()  # finished before the block ends: one after the other
    assert here.result() == threading.get_ident()
    assert isinstance(failed.exception(), ValueError)
