"""Calibrated synthetic Medicaid-like claims with a complex-care program and a known true effect.

Examples
--------
>>> import tempfile
>>> from valuecase.synth import SynthConfig, generate
>>> result = generate(SynthConfig(members=200, months=24), tempfile.mkdtemp())
>>> result.truth_path.name
'truth.json'
"""

from .config import SynthConfig, SynthResult
from .generate import generate

__all__ = ["SynthConfig", "SynthResult", "generate"]
