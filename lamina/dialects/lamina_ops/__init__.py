"""The `lamina` dialect: value-semantic tensor ops named after the public API (the framework's
own op set, as `tf` is TensorFlow's). Each op is defined once, in the module of its kind: types
and shape inference, verifier, folder, and (from the levels above the IR) its lowering hook and
derivative rule."""

from ...ir import registry
from . import base  # noqa: F401
from . import elementwise  # noqa: F401
from . import reduction  # noqa: F401
from . import linalg  # noqa: F401
from . import shape  # noqa: F401
from . import nn  # noqa: F401
from . import random  # noqa: F401
from . import control  # noqa: F401
from . import state  # noqa: F401
from . import io  # noqa: F401
from . import gradient  # noqa: F401
from . import indexing  # noqa: F401

registry.DIALECTS["lamina"] = "value-semantic tensor ops of the public API"
