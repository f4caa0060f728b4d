"""lamina: a TensorFlow-2-style machine-learning system on an MLIR-style compiler."""

__version__ = "0.1.0"

import sys as _sys  # noqa: E402

from . import ir  # noqa: E402
from . import dialects  # noqa: E402,F401  (registers every dialect's ops)
from . import errors  # noqa: E402

# -- the public API (TensorFlow 2's names) --------------------------------------------------------
from .frontend import dtypes  # noqa: E402
from .frontend.dtypes import (DType, as_dtype, bfloat16, bool, double, float16,  # noqa: E402
                              float32, float64, half, int8, int16, int32, int64, uint8, uint16,
                              uint32, uint64)
from .frontend.tensor import Tensor  # noqa: E402
from .frontend.tensor_shape import TensorShape  # noqa: E402
from .frontend.variables import Variable  # noqa: E402
from .frontend.device import device  # noqa: E402
from .frontend.context import executing_eagerly  # noqa: E402
from .frontend.execute import convert_to_tensor  # noqa: E402
from .frontend.ops import (abs, add, add_n, argmax, argmin, broadcast_to,  # noqa: E402
                           cast, clip_by_value, concat, constant, cos, divide, equal, exp,
                           expand_dims, fill, floor, floordiv, greater, greater_equal, identity,
                           is_tensor, less, less_equal, logical_and, logical_not, logical_or,
                           matmul, maximum, minimum, multiply, negative, not_equal, one_hot,
                           ones, ones_like, pow, print, range, rank, realdiv, reduce_all,
                           reduce_any, reduce_logsumexp, reduce_max, reduce_mean, reduce_min,
                           reduce_prod, reduce_sum, reshape, round, shape, sigmoid, sign, sin,
                           size, sqrt, square, squeeze, stack, stop_gradient, subtract, tanh,
                           transpose, truediv, where, zeros, zeros_like)
from .frontend import config, math, nn, random, test  # noqa: E402
from .frontend.function import RetracingWarning, TensorSpec, function  # noqa: E402
from .frontend.tape import GradientTape, UnconnectedGradients, custom_gradient  # noqa: E402
from .frontend.control_flow import cond, while_loop  # noqa: E402
from .frontend import autograph  # noqa: E402
from . import keras  # noqa: E402
from .keras import losses, optimizers  # noqa: E402  (tf.losses, tf.optimizers)

newaxis = None

# `import lamina.nn`, `from lamina.math import log` work as with TensorFlow's namespaces
for _name in ("dtypes", "config", "math", "nn", "random", "test", "autograph", "optimizers",
              "losses"):
    _sys.modules[f"{__name__}.{_name}"] = globals()[_name]
del _name

frontend.device.place_on_default_gpu()  # gpu:0 is the default device where present
