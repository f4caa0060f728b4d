"""`lamina.nn`: activations, 2-D convolution and pooling (NHWC, TensorFlow's SAME/VALID
padding), softmax and dropout."""

from __future__ import annotations

import numbers

from .. import errors
from ..dialects.lamina_ops import nn as N
from ..dialects.lamina_ops import shape as S
from . import random as _random
from .execute import (OPS, check_dtype, convert_same_dtype, convert_to_tensor, register,
                      run_data_movement, run_op)
from .ops import (_dims, _static_int, add, exp, greater_equal, identity, log, maximum, minimum,
                  multiply, reduce_max, reduce_sum, relu, sigmoid, subtract, tanh, truediv,
                  where, zeros_like)

__all__ = ["relu", "relu6", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
           "conv2d", "max_pool", "max_pool2d", "avg_pool", "avg_pool2d", "dropout", "bias_add"]


def relu6(features, name=None):
    return minimum(relu(features), 6)


def leaky_relu(features, alpha=0.2, name=None):
    x = convert_to_tensor(features)
    return maximum(x, multiply(x, alpha)) if alpha <= 1 else minimum(x, multiply(x, alpha))


def _float_input(logits, name):
    x = convert_to_tensor(logits)
    if not x.dtype.is_floating:
        raise errors.InvalidArgumentError(
            None, name, f"Value for attr 'T' of {x.dtype._type_name} is not in the list of "
                        f"allowed values: half, bfloat16, float, double [Op:{name}]")
    if x.ndim == 0:
        raise errors.InvalidArgumentError(
            None, name, f"logits must have >= 1 dimension, got {_dims(x.shape)} [Op:{name}]")
    return x


def softmax(logits, axis=None, name=None):
    """exp(x) / sum(exp(x)) along `axis` (the last by default), computed after subtracting
    the maximum."""
    x = _float_input(logits, "Softmax")
    axis = -1 if axis is None else axis
    e = exp(subtract(x, reduce_max(x, axis, keepdims=True)))
    return truediv(e, reduce_sum(e, axis, keepdims=True))


def log_softmax(logits, axis=None, name=None):
    x = _float_input(logits, "LogSoftmax")
    axis = -1 if axis is None else axis
    shifted = subtract(x, reduce_max(x, axis, keepdims=True))
    return subtract(shifted, log(reduce_sum(exp(shifted), axis, keepdims=True)))


def bias_add(value, bias, data_format=None, name=None):
    """value + bias, bias along the last dimension (NHWC)."""
    if data_format not in (None, "NHWC", "N...C"):
        raise errors.UnimplementedError(None, "BiasAdd", f"data_format {data_format} is not "
                                                         f"supported")
    return add(value, bias)


# -- convolution and pooling ----------------------------------------------------------------------

def _hw(v, what):
    """An int or a list of 1, 2 or 4 ints (NHWC, batch and depth 1) as (height, width)."""
    if isinstance(v, numbers.Integral):
        return [int(v)] * 2
    v = [_static_int(x, what) for x in v]
    if len(v) == 1:
        return v * 2
    if len(v) == 2:
        return v
    if len(v) == 4:
        if v[0] != 1 or v[3] != 1:
            raise errors.UnimplementedError(
                None, None, f"Current implementation does not yet support {what} in the "
                            f"batch and depth dimensions.")
        return v[1:3]
    raise ValueError(f"{what} should be of length 1, 2 or 4, got {len(v)}")


def _padding(padding):
    if not isinstance(padding, str):
        raise errors.UnimplementedError(None, None, "explicit paddings are not supported; use "
                                                    "'SAME' or 'VALID'")
    p = padding.upper()
    if p not in N.PADDINGS:
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return p


def _nhwc(data_format, name):
    if data_format not in (None, "NHWC"):
        raise errors.UnimplementedError(
            None, name, f"The {name} op currently only supports the NHWC tensor format on the "
                        f"CPU. The op was given the format: {data_format} [Op:{name}]")


def _check_rank4(x, what, name):
    if x.ndim != 4:
        raise errors.InvalidArgumentError(
            None, name, f"{what} must be 4-dimensional{_dims(x.shape)} [Op:{name}]")


def _check_output_sizes(x, window, strides, dilations, padding, name):
    """TensorFlow's error for a VALID window larger than the (padded) input."""
    if padding != "VALID":
        return
    for k in (0, 1):
        size = x.shape[k + 1]
        eff = (window[k] - 1) * dilations[k] + 1
        if size is not None and size < eff:
            raise errors.InvalidArgumentError(
                None, name, f"Computed output size would be negative: "
                            f"{(size - eff) // strides[k] + 1} [input_size: {size}, "
                            f"effective_filter_size: {eff}, stride: {strides[k]}] [Op:{name}]")


register(N.Conv2DOp, "Conv2D", accepts="number")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution (cross-correlation) of an NHWC input with an HWIO filter."""
    _nhwc(data_format, "Conv2D")
    x, w = convert_same_dtype("Conv2D", (input, filters))
    check_dtype(OPS[N.Conv2DOp], x.dtype)
    _check_rank4(x, "input", "Conv2D")
    _check_rank4(w, "filter", "Conv2D")
    cin, fin = x.shape[3], w.shape[2]
    if cin is not None and fin is not None and cin != fin:
        raise errors.InvalidArgumentError(
            None, "Conv2D", f"input depth must be evenly divisible by filter depth: {cin} vs "
                            f"{fin} [Op:Conv2D]" if fin == 0 or cin % fin else
            f"grouped convolutions (input depth {cin}, filter depth {fin}) are not supported "
            f"[Op:Conv2D]")
    strides = _hw(strides, "strides")
    dilations = [1, 1] if dilations is None else _hw(dilations, "dilations")
    padding = _padding(padding)
    _check_output_sizes(x, w.shape[:2], strides, dilations, padding, "Conv2D")
    return run_op(N.Conv2DOp, [x, w], {"strides": strides, "padding": padding,
                                       "dilations": dilations})


def _pool(op, name):
    e = register(op, name)

    def pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
        _nhwc(data_format, e.name)
        x = convert_to_tensor(input)
        check_dtype(e, x.dtype)
        _check_rank4(x, "input", e.name)
        ksize, strides, padding = _hw(ksize, "ksize"), _hw(strides, "strides"), \
            _padding(padding)
        _check_output_sizes(x, ksize, strides, [1, 1], padding, e.name)
        return run_op(op, [x], {"ksize": ksize, "strides": strides, "padding": padding})

    def pool(input, ksize, strides, padding, data_format=None, name=None):
        rank = convert_to_tensor(input).ndim
        if rank != 4:
            raise errors.UnimplementedError(
                None, e.name, f"{e.name} of rank-{rank} inputs is not supported (2-D pooling "
                              f"of NHWC tensors only)")
        return pool2d(input, ksize, strides, padding, data_format or "NHWC")
    pool2d.__doc__ = op.__doc__
    pool.__doc__ = op.__doc__
    return pool2d, pool


max_pool2d, max_pool = _pool(N.MaxPool2DOp, "MaxPool")
avg_pool2d, avg_pool = _pool(N.AvgPool2DOp, "AvgPool")

# the ops derivative rules emit, which a GradientTape runs (and records) like any other
register(N.Conv2DBackpropInputOp, "Conv2DBackpropInput", accepts="number")
register(N.Conv2DBackpropFilterOp, "Conv2DBackpropFilter", accepts="number")
register(N.MaxPool2DGradOp, "MaxPoolGrad")
register(N.MaxPool2DGradGradOp, "MaxPoolGradGrad")
register(N.AvgPool2DGradOp, "AvgPoolGrad")
register(S.StridedSliceGradOp, "StridedSliceGrad", eager=run_data_movement,
         build=lambda values, attrs: S.StridedSliceGradOp.build(
             values[0], values[1], attrs["spec"], values[2:],
             result_shape=attrs.get("result_shape")))


# -- dropout --------------------------------------------------------------------------------------

def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeroes elements with probability `rate` and scales the others by 1 / (1 - rate)."""
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise ValueError(f"x has to be a floating point tensor since it's going to be scaled. "
                         f"Got a {x.dtype.name} tensor instead.")
    if isinstance(rate, numbers.Real):
        if not 0 <= rate < 1:
            raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), "
                             f"got {rate}")
        if rate == 0:
            return identity(x)
        scale = 1 / (1 - rate)
    else:
        rate = convert_to_tensor(rate, x.dtype)
        scale = truediv(1, subtract(1, rate))
    u = _random.uniform(x.shape if noise_shape is None else noise_shape, dtype=x.dtype,
                        seed=seed)
    return where(greater_equal(u, rate), multiply(x, scale), zeros_like(x))

