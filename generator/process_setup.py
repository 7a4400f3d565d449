"""Process-level settings of the generator: allocator, BLAS threads, glibc arenas and trimming,
and pyarrow's pandas check. None of it changes a byte of the output; each is here for time or
memory measured on the bench-size run (python -m generator.bench: 6,500 customers x 24 months).

Measured 2026-12-06 with `python -m generator` children, each setting switched off in turn and
interleaved with the full setup (the machine shared, load average 23-27: medians, paired):
- `configure_environment` (not re-measured; figures of 2026-11-29): Arrow's system allocator
  hands freed batch memory back to the OS (peak RSS 360 MiB, against 430 / 365 MiB with the
  mimalloc / jemalloc pools); one OpenBLAS thread, because the forecast's one BLAS call is a tiny
  (7 x 7) @ (7 x customers) product and idle BLAS threads spun ~0.25 CPU s a run. Must run
  before numpy or pyarrow is imported (the `generator` package imports neither).
- `pyarrow_without_pandas`: a tiny run (30 customers x 1 month, 9 pairs) takes 0.47 CPU s and
  105 MiB peak RSS with it, 0.67 CPU s and 136 MiB without (pandas' import): it still pays.
- `limit_malloc_arenas` / `release_free_memory` (glibc through ctypes): on the bench-size run
  (4 pairs) peak RSS 333 MiB median with them, 352 MiB without; CPU 6.36 vs 5.94 s median,
  5.48 vs 5.61 s minimum, i.e. within the noise of that load. Kept for the memory.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys

# after a batch is finalised, glibc's freed pages go back to the OS once RSS is above this
# (rarely reached: trimming every batch would cost page faults on the next month's arrays)
TRIM_ABOVE_MIB = 340.0


def configure_environment() -> None:
    """Allocator and BLAS settings for numpy and pyarrow (a no-op once they are imported)."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def pyarrow_without_pandas() -> None:
    """Spare this process pyarrow's import of pandas.

    The first ``pa.array()`` call imports pandas only to ask whether its input is a pandas
    object; the generator never hands it one. With pandas hidden for that one call, pyarrow's
    lazy shim records "no pandas" and never imports it for ``pa.array`` again. pandas stays
    importable: pyarrow imports it by itself when a pandas conversion is asked for
    (``to_pandas``, ``from_pandas``). Only for the CLI process: a library caller of
    ``generate`` may pass pandas objects to pyarrow elsewhere.
    """
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _NoPandas)
    try:
        # imported here, not at the top: configure_environment must run before pyarrow loads
        import pyarrow as pa

        pa.array([0])
    finally:
        sys.meta_path.remove(_NoPandas)


class _NoPandas:
    """A meta path finder for which pandas is not installed (used for one pa.array call)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"{name} hidden from pyarrow's first pa.array()", name=name)
        return None


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def _rss_mib() -> float:
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") / 2**20)
    except (OSError, ValueError, IndexError):
        return float("inf")


def limit_malloc_arenas() -> None:
    """glibc gives every thread its own malloc arena and keeps their freed pages; two arenas
    for the simulation thread and the pool keep peak RSS lower (no-op elsewhere)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(-8, 2)  # M_ARENA_MAX


def release_free_memory() -> None:
    """Hand the pages glibc keeps after a batch's arrays are freed back to the OS when RSS has
    grown past TRIM_ABOVE_MIB (peak RSS; no-op elsewhere)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim") and _rss_mib() > TRIM_ABOVE_MIB:
        libc.malloc_trim(0)
