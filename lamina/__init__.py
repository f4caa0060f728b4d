"""lamina: a TensorFlow-2-style machine-learning system on an MLIR-style compiler."""

__version__ = "0.1.0"

from . import ir  # noqa: E402
from . import dialects  # noqa: E402,F401  (registers every dialect's ops)
