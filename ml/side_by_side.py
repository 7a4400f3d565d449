"""Independent fits and reports of `ml train` run side by side in threads.

Threads, not processes: they share the frame without copying it, and gradient boosting, the tree
predictions and BLAS release the GIL. Each task has gradient boosting on one OpenMP thread, so two
tasks share two cores. The results are the same as one after the other: every fit has its own
seeded estimators.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from threadpoolctl import threadpool_limits


def _on_one_openmp_thread(task, *args):
    """Run `task` with gradient boosting on one OpenMP thread: two tasks share the two cores."""
    with threadpool_limits(limits=1, user_api="openmp"):
        return task(*args)


def _here_and_now(task, *args) -> Future:
    """Run `task` on this thread at once; its result (or its error) in a finished Future."""
    done: Future = Future()
    try:
        done.set_result(task(*args))
    except Exception as exc:  # noqa: BLE001 - raised again by done.result(), like a pool's Future
        done.set_exception(exc)
    return done


@contextmanager
def side_by_side(n_jobs: int) -> Iterator[Callable[..., Future]]:
    """`run(task, *args)` starts `task(*args)` on one of `n_jobs` threads, in the order given, and
    returns its Future; leaving the block waits for them all. With one job (`--threads 1`) each task
    runs at once on the calling thread: nothing else runs beside it."""
    if n_jobs <= 1:
        yield _here_and_now
        return
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        yield lambda task, *args: pool.submit(_on_one_openmp_thread, task, *args)


def fit_all(estimators: dict, x, y, n_jobs: int) -> dict:
    """Each unfitted estimator fitted on (x, y), `n_jobs` at a time; same names, fitted."""
    with side_by_side(n_jobs) as run:
        jobs = {name: run(estimator.fit, x, y) for name, estimator in estimators.items()}
    return {name: job.result() for name, job in jobs.items()}
