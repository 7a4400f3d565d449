"""`python -m warehouse.emulator [--port P]`: run the local BigQuery emulator in the foreground."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from warehouse.emulator import PROJECT, VENV_DIR, EmulatorError, command, ensure_venv, environment, free_port


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=9050, help="REST port on 127.0.0.1 (default 9050)")
    parser.add_argument("--grpc-port", type=int, default=0, help="gRPC port (default: a free one)")
    args = parser.parse_args(argv)
    try:
        ensure_venv(VENV_DIR, quiet=False)
    except EmulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    grpc_port = args.grpc_port or free_port()
    staging = Path(tempfile.mkdtemp(prefix="bqemulator-"))
    print(
        "BigQuery emulator starting; in another terminal:\n"
        f"  export CS_OPS_TARGET=prod GOOGLE_CLOUD_PROJECT={PROJECT} "
        f"BIGQUERY_EMULATOR_HOST=http://127.0.0.1:{args.port}\n"
        "  just prod\n(Ctrl-C stops it; its data is in memory only.)",
        flush=True,
    )
    try:
        return subprocess.call(command(args.port, grpc_port), env=environment(staging))
    except KeyboardInterrupt:
        return 0
    finally:
        shutil.rmtree(staging, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
