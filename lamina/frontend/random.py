"""`lamina.random`: stateful draws from lamina's one generator (random_state.py), eager and
compiled alike. An op-level `seed=` is accepted for TensorFlow compatibility; the draws come
from the global generator, which `set_seed` makes reproducible."""

from __future__ import annotations

import math
import numbers

from ..dialects.lamina_ops import random as R
from ..ir import types as T
from . import dtypes as D
from . import random_state
from .execute import register, run_op
from .ops import add, cast, convert_to_tensor, floor, multiply, shape_tuple
from .tensor import wrap

__all__ = ["normal", "uniform", "set_seed"]


def set_seed(seed):
    """Make the following draws a function of `seed` (and of the order of the draws)."""
    random_state.set_seed(seed)


def _run_random(e, inputs, attrs):
    seed, counter = random_state.take(math.prod(attrs["shape"]))
    return wrap(e.fn(seed=seed, counter=counter, **attrs))


def _build(op):
    def build(values, attrs):
        params = {k: v for k, v in attrs.items() if k not in ("shape", "dtype")}
        t = T.RankedTensorType(attrs["shape"], D.as_dtype(attrs["dtype"]).ir_type)
        return op.build(t, **params)
    return build


register(R.RandomNormalOp, "RandomStandardNormal", eager=_run_random,
         build=_build(R.RandomNormalOp))
register(R.RandomUniformOp, "RandomUniform", eager=_run_random,
         build=_build(R.RandomUniformOp))


def _float_dtype(dtype, what):
    dtype = D.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Invalid dtype {dtype!r} for {what}: lamina draws floats")
    if dtype.as_numpy_dtype is None:
        raise ValueError(f"Invalid dtype {dtype!r} for {what}: not supported eagerly")
    return dtype


def _number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def normal(shape, mean=0.0, stddev=1.0, dtype=D.float32, seed=None, name=None):
    """Draws from the normal distribution of `mean` and `stddev`."""
    dtype = _float_dtype(dtype, "normal")
    attrs = {"shape": shape_tuple(shape), "dtype": dtype._np}
    if _number(mean) and _number(stddev):
        return run_op(R.RandomNormalOp, [], {**attrs, "mean": float(mean),
                                             "stddev": float(stddev)})
    z = run_op(R.RandomNormalOp, [], {**attrs, "mean": 0.0, "stddev": 1.0})
    return add(multiply(z, convert_to_tensor(stddev, dtype)), convert_to_tensor(mean, dtype))


def uniform(shape, minval=0, maxval=None, dtype=D.float32, seed=None, name=None):
    """Draws uniform in [minval, maxval) (maxval 1 by default for floats; integer dtypes need
    it)."""
    dtype = D.as_dtype(dtype)
    shape = shape_tuple(shape)
    if dtype.is_integer:
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        # floor(u * (maxval - minval)) + minval, u uniform in [0, 1) with 52 bits
        lo, hi = convert_to_tensor(minval, dtype), convert_to_tensor(maxval, dtype)
        u = run_op(R.RandomUniformOp, [], {"shape": shape, "dtype": D.float64._np,
                                           "minval": 0.0, "maxval": 1.0})
        span = cast(hi - lo, D.float64)
        return add(cast(floor(multiply(u, span)), dtype), lo)
    dtype = _float_dtype(dtype, "uniform")
    maxval = 1.0 if maxval is None else maxval
    attrs = {"shape": shape, "dtype": dtype._np}
    if _number(minval) and _number(maxval):
        return run_op(R.RandomUniformOp, [], {**attrs, "minval": float(minval),
                                              "maxval": float(maxval)})
    u = run_op(R.RandomUniformOp, [], {**attrs, "minval": 0.0, "maxval": 1.0})
    lo, hi = convert_to_tensor(minval, dtype), convert_to_tensor(maxval, dtype)
    return add(multiply(u, hi - lo), lo)
