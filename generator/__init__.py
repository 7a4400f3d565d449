"""Synthetic, dirty, behaviour-driven customer data for a Brazilian B2B SaaS (ERP) vendor.

    from generator import generate
    summary = generate({"customers": 500, "months": 12, "data_dir": "/tmp/data"})

See generator/README.md for the tables, the behaviour model and the dirt kinds.
"""

from generator.options import GeneratorError, GeneratorOptions

__all__ = ["GeneratorError", "GeneratorOptions", "generate"]


def __getattr__(name: str):
    # `generate` (numpy, pyarrow, the simulation) is imported on first use, not with the package:
    # `python -m generator` imports this package before its __main__ runs, and __main__ must set
    # the allocator/BLAS environment before numpy and pyarrow load (and --help stays instant).
    if name == "generate":
        from generator.run import generate

        return generate
    raise AttributeError(f"module 'generator' has no attribute {name!r}")
