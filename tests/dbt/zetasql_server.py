"""Google's GoogleSQL (ZetaSQL) analyzer and reference engine as a local gRPC server.

The npm package `@fivetrandevelopers/zetasql` ships ZetaSQL's `remote_server` for Linux
x86-64 (`zetasql.local_service.ZetaSqlLocalService`: Analyze, EvaluateQuery, ...) and its
.proto files. `ensure_installed()` fetches the pinned tarball once from the npm registry's
HTTP API, checks its sha256, unpacks the server and the protos into a cache outside the repo
and generates the Python stubs with grpcio-tools; `running_server()` starts the server on a
free loopback port and stops it on exit (one per test process, safe under pytest -n).

    with running_server() as stub:
        stub.Analyze(local_service_pb2.AnalyzeRequest(...))
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from warehouse.emulator import free_port, stop_process

PACKAGE = "@fivetrandevelopers/zetasql"
VERSION = "1.13.0"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/zetasql-{VERSION}.tgz"
TARBALL_SHA256 = "37db9c6dacd1d8f70b82428659fc716785d352705c9ac417ed96c66239a56796"
SERVER_MEMBER = "package/lib/zetasql/remote_server.so"  # the Linux x86-64 build
PROTOS_PREFIX = "package/lib/zetasql/protos/"
READY_TIMEOUT = 30.0


class ZetaSQLUnavailable(RuntimeError):
    """The server could not be installed or started; the message says why and what to do."""


def cache_dir() -> Path:
    """Where the server lives: outside the repo, one folder per pinned version."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cs-ops-pipeline" / f"zetasql-{VERSION}"


def _download(destination: Path) -> None:
    try:
        with urllib.request.urlopen(TARBALL_URL, timeout=120) as response, destination.open("wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as error:
        raise ZetaSQLUnavailable(
            f"could not fetch {TARBALL_URL} ({error}); the GoogleSQL checks need the npm registry once"
        ) from error
    digest = hashlib.sha256(destination.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        raise ZetaSQLUnavailable(f"{TARBALL_URL}: sha256 {digest}, expected {TARBALL_SHA256}; not installed")


def _unpack(tarball: Path, target: Path) -> None:
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if member.name == SERVER_MEMBER:
                member.name = "remote_server.so"
            elif member.name.startswith(PROTOS_PREFIX) and member.name.endswith(".proto"):
                member.name = "protos/" + member.name.removeprefix(PROTOS_PREFIX)
            else:
                continue
            archive.extract(member, target, filter="data")


def _generate_stubs(target: Path) -> None:
    from grpc_tools import protoc  # dev dependency, pinned in constraints.txt

    protos = target / "protos"
    files = sorted(str(path.relative_to(protos)) for path in protos.rglob("*.proto"))
    grpc_include = Path(protoc.__file__).parent / "_proto"  # google/protobuf/*.proto
    stubs = target / "stubs"
    stubs.mkdir()
    args = [
        "protoc",
        f"-I{protos}",
        f"-I{grpc_include}",
        f"--python_out={stubs}",
        f"--grpc_python_out={stubs}",
    ]
    if protoc.main(args + files) != 0:
        raise ZetaSQLUnavailable(f"grpc_tools.protoc failed on the protos under {protos}")


def ensure_installed() -> Path:
    """Install the pinned server, protos and stubs once (a lock keeps parallel tests out)."""
    final = cache_dir()
    if (final / "stubs").is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    with (final.parent / f"{final.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "stubs").is_dir():
            return final
        with tempfile.TemporaryDirectory(dir=final.parent) as work:
            staging = Path(work) / "install"
            staging.mkdir()
            tarball = Path(work) / "zetasql.tgz"
            _download(tarball)
            _unpack(tarball, staging)
            _generate_stubs(staging)
            shutil.rmtree(final, ignore_errors=True)
            staging.rename(final)
    return final


def _allow_deep_messages() -> None:
    """Resolved ASTs nest deeper than protobuf's default decoding limit (100 levels)."""
    from google.protobuf.internal import api_implementation, decoder

    if api_implementation.Type() == "upb":
        from google._upb import _message  # its only switch for the limit (also lifts the size cap)

        _message.SetAllowOversizeProtos(True)
    else:
        decoder.SetRecursionLimit(10_000)


def import_stubs(installed: Path):
    """The generated `local_service_pb2` / `_pb2_grpc` modules (and `zetasql.*` beside them)."""
    _allow_deep_messages()
    if str(installed / "stubs") not in sys.path:
        sys.path.insert(0, str(installed / "stubs"))
    import local_service_pb2
    import local_service_pb2_grpc

    return local_service_pb2, local_service_pb2_grpc


@contextlib.contextmanager
def running_server() -> Iterator[object]:
    """A started server on a free loopback port; yields its ZetaSqlLocalService stub."""
    import grpc

    installed = ensure_installed()
    _, services = import_stubs(installed)
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(installed / "remote_server.so"), "127.0.0.1", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    channel = grpc.insecure_channel(
        f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", 512 * 1024 * 1024),
                                      ("grpc.max_send_message_length", 512 * 1024 * 1024)]
    )  # fmt: skip
    try:
        try:
            grpc.channel_ready_future(channel).result(timeout=READY_TIMEOUT)
        except grpc.FutureTimeoutError as error:
            log.seek(0)
            output = log.read()[-2000:].decode(errors="replace")
            raise ZetaSQLUnavailable(f"the ZetaSQL server did not start on port {port}: {output}") from error
        yield services.ZetaSqlLocalServiceStub(channel)
    finally:
        channel.close()
        stop_process(process)
        log.close()


if __name__ == "__main__":  # `python tests/dbt/zetasql_server.py`: install now (CI's setup step)
    start = time.monotonic()
    print(f"ZetaSQL {VERSION} server ready in {ensure_installed()} ({time.monotonic() - start:.1f} s)")
