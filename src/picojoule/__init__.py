"""picojoule: where do the joules go, and which lever moves them?

Layers (imports point down only): workload | arch | tech -> cost -> mapper -> analysis
-> explore / codesign / system -> report / cli. ``compress`` holds the torch code.
"""

from picojoule.errors import PicojouleError, Problem, SpecError

__version__ = "0.1.0"
__all__ = ["PicojouleError", "Problem", "SpecError", "__version__"]
