"""Synthetic, dirty, behaviour-driven customer data for a Brazilian B2B SaaS (ERP) vendor.

    from generator import generate
    summary = generate({"customers": 500, "months": 12, "data_dir": "/tmp/data"})

See generator/README.md for the tables, the behaviour model and the dirt kinds.
"""

from generator.options import GeneratorError, GeneratorOptions
from generator.run import generate

__all__ = ["GeneratorError", "GeneratorOptions", "generate"]
