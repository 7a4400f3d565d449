import gc
import os
import sys

from warehouse.cli import run_cli

# OpenMP threads waiting at a barrier sleep instead of spinning. On a busy machine a spinning thread
# burns the time slice its partner needs: one gradient-boosting fit on 2 threads took 31-47 s wall
# and 9-16 CPU-s against 3.4-7.7 s / 1.7-2.0 on one thread; with PASSIVE 3.0-6.3 s / 1.5-2.0
# (load 12-18, ml/EXPERIMENTS.md round 11). Read once, when scikit-learn loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main() -> int:
    from ml.cli import main as ml_main  # scikit-learn loads after the lock is taken

    # what the imports made lives until exit: keep it out of the collector's walks, the last one
    # at exit included (0.3 s of `python -c "import sklearn"`'s 1.8 s; gc.freeze is for this)
    gc.freeze()
    return ml_main()


raise SystemExit(run_cli(main, lock=" ".join(["python -m ml", *sys.argv[1:2]])))
