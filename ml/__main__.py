import sys

from warehouse.cli import run_cli


def main() -> int:
    from ml.cli import main as ml_main  # scikit-learn loads after the lock is taken

    return ml_main()


raise SystemExit(run_cli(main, lock=" ".join(["python -m ml", *sys.argv[1:2]])))
