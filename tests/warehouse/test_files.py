"""warehouse.files: the one atomic-write helper (generator/, ml/ and warehouse/ write through it)."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from warehouse import files
from warehouse.files import write_atomic, write_bytes_atomic, write_text_atomic


def test_readers_never_see_a_half_written_file(tmp_path):
    path = tmp_path / "evaluation.json"
    payloads = [json.dumps({"n": i, "pad": "x" * 400_000}) for i in range(2)]
    write_text_atomic(path, payloads[0])
    errors: list[Exception] = []
    done = threading.Event()

    def read():
        while not done.is_set():
            try:
                assert json.loads(path.read_text(encoding="utf-8"))["n"] in (0, 1)
            except Exception as exc:  # noqa: BLE001 - any failure counts
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(40):
            write_text_atomic(path, payloads[i % 2], durable=i % 3 == 0)
    finally:
        done.set()
        reader.join()
    assert not errors, errors[:3]
    assert [p.name for p in tmp_path.iterdir()] == ["evaluation.json"]  # no temp files left behind


@pytest.mark.parametrize("durable", [True, False])
def test_a_failed_write_keeps_the_old_file_and_removes_the_temp_file(tmp_path, durable):
    path = tmp_path / "model_card.md"
    write_text_atomic(path, "old")

    def broken(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, broken, durable=durable)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["model_card.md"]


def test_durable_writes_fsync_the_file_and_then_its_folder(tmp_path, monkeypatch):
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:  # the real fsync, with a note of what it flushed
        mode = os.fstat(fd).st_mode
        synced.append(("dir" if stat.S_ISDIR(mode) else "file", os.fstat(fd).st_size))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", recording_fsync)
    target = tmp_path / "deep" / "data.bin"
    write_bytes_atomic(target, b"x" * 1234)
    assert [kind for kind, _ in synced] == ["file", "dir"] and synced[0][1] == 1234
    assert target.read_bytes() == b"x" * 1234
    synced.clear()
    write_bytes_atomic(target, memoryview(b"abc"), durable=False)
    assert synced == [] and target.read_bytes() == b"abc"


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
@pytest.mark.parametrize("durable", [True, False])
def test_new_files_get_the_mode_a_plain_open_gives_them(tmp_path, umask, durable):
    """Readers other than the writer (the app's service user, a backup job) can read what
    the pipeline publishes, as far as the umask allows: nothing is created owner-only."""
    old = os.umask(umask)
    try:
        (tmp_path / "plain.json").write_text("{}")
        write_text_atomic(tmp_path / "CURRENT.json", "{}", durable=durable)
        write_atomic(tmp_path / "release.bin", lambda tmp: tmp.write_bytes(b"x"), durable=durable)
    finally:
        os.umask(old)
    expected = 0o666 & ~umask
    for name in ("plain.json", "CURRENT.json", "release.bin"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected, name
