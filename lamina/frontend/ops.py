"""The public ops on tensors (`lamina.add`, `lamina.reshape`, ...) and the Python operators of
tensors and Variables. Each converts its arguments as TensorFlow does, checks what TensorFlow
checks (with its messages), and runs one `lamina` dialect op through execute.run_op; the few
ops the dialect does not have are compositions of those that it has.

The operators of eager tensors have a fast path: two eager tensors of one dtype, or an eager
tensor and a Python number, go straight to the op's numpy kernel (no executor, no
conversion), everything else through the general path.
"""

from __future__ import annotations

import builtins
import math as _math
import sys

import numpy as np

from .. import errors
from ..dialects.lamina_ops import elementwise as E
from ..dialects.lamina_ops import linalg as L
from ..dialects.lamina_ops import reduction as R
from ..dialects.lamina_ops import shape as S
from ..dialects.lamina_ops.elementwise import InvalidArgument
from ..dialects.lamina_ops.gradient import StopGradientOp
from ..dialects.lamina_ops.io import PrintOp
from ..ir import types as T
from ..ir.attributes import IntegerAttr, StringAttr
from . import dtypes as D
from .context import ctx
from .execute import (NO_ATTRS, OPS, call_kernel, check_dtype, convert_same_dtype,
                      convert_to_tensor, dtype_mismatch, is_tensor_like, kernel_error, quiet,
                      register, run_data_movement, run_op, scalar_array, to_array)
from .tensor import EagerTensor, Operators, Tensor, wrap
from .tensor_shape import TensorShape

_ndarray = np.ndarray
_FROM_NUMPY = D.FROM_NUMPY


def _dims(shape):
    """A shape as TensorFlow's messages write it: [2,3]."""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _static_int(v, what):
    """A Python int from an int, a numpy integer or an eager 0-d integer tensor."""
    if isinstance(v, (int, np.integer)):
        return int(v)
    if v.__class__ is EagerTensor and v._array.ndim == 0 and v._array.dtype.kind in "iu":
        return int(v._array)
    if isinstance(v, Tensor):
        raise TypeError(f"{what} must be known when the op is built, not computed by the "
                        f"function being traced: got {v!r}")
    raise TypeError(f"{what} must be an integer, got {v!r}")


def shape_tuple(shape, what="shape"):
    """A shape argument (list of ints, TensorShape, 1-D integer tensor or array, or an int)
    as a tuple of Python ints."""
    c = shape.__class__
    if (c is list or c is tuple) and all(d.__class__ is int for d in shape):
        return tuple(shape)
    if c is TensorShape:
        if not shape.is_fully_defined():
            raise ValueError(f"{what} {shape} is not fully defined")
        return tuple(shape.as_list())
    if is_tensor_like(shape) and not isinstance(shape, Tensor):
        shape = convert_to_tensor(shape)
    if shape.__class__ is EagerTensor or isinstance(shape, np.ndarray):
        a = np.asarray(shape)
        if a.dtype.kind not in "iu" or a.ndim > 1:
            raise TypeError(f"{what} must be a 1-D integer tensor, got {shape!r}")
        return tuple(int(d) for d in a.reshape(-1))
    if isinstance(shape, (list, tuple)):
        return tuple(_static_int(d, what) for d in shape)
    return (_static_int(shape, what),)


def _broadcast_explain(arrays, attrs):
    return f"Incompatible shapes: {_dims(arrays[0].shape)} vs. {_dims(arrays[1].shape)}"


# -- elementwise binary ops and their operators -------------------------------------------------

def _binary_slow(e, x, y):
    x, y = convert_same_dtype(e.name, (x, y))
    check_dtype(e, x.dtype)
    return run_op(e.op, [x, y])


def _binary(e, slow=_binary_slow):
    """The function running binary entry `e` on (x, y): the fast path, else `slow(e, x, y)`."""
    fn, ok = e.fn, e.accepted_np

    def run(x, y):
        if ctx.executor is None:
            cx, cy = x.__class__, y.__class__
            if cx is EagerTensor:
                a = x._array
                if cy is EagerTensor:
                    b = y._array
                    if b.dtype is not a.dtype:
                        return slow(e, x, y)
                elif cy is float or cy is int:
                    try:
                        b = scalar_array(y, _FROM_NUMPY[a.dtype])
                    except TypeError:  # the general path says what TF says
                        return slow(e, x, y)
                else:
                    return slow(e, x, y)
            elif cy is EagerTensor and (cx is float or cx is int):
                b = y._array
                try:
                    a = scalar_array(x, _FROM_NUMPY[b.dtype])
                except TypeError:
                    return slow(e, x, y)
            else:
                return slow(e, x, y)
            if a.dtype in ok:
                try:
                    r = quiet.run(fn, a, b)
                except (InvalidArgument, ValueError, IndexError) as err:
                    raise kernel_error(e, err, (a, b), NO_ATTRS) from None
                except RuntimeError:
                    r = call_kernel(fn, (a, b), NO_ATTRS)
                return wrap(r if r.__class__ is _ndarray else np.asarray(r))
        return slow(e, x, y)
    return run


def _api2(run, doc):
    def f(x, y, name=None):
        return run(x, y)
    f.__doc__ = doc
    return f


_add = _binary(register(E.AddOp, "AddV2", explain=_broadcast_explain))
_subtract = _binary(register(E.SubtractOp, "Sub", explain=_broadcast_explain))
_multiply = _binary(register(E.MultiplyOp, "Mul", explain=_broadcast_explain))
_realdiv = _binary(register(E.DivideOp, "RealDiv", explain=_broadcast_explain))
_floordiv = _binary(register(E.FloorDivOp, "FloorDiv", explain=_broadcast_explain))
_floormod = _binary(register(E.FloorModOp, "FloorMod", explain=_broadcast_explain))
_maximum = _binary(register(E.MaximumOp, "Maximum", explain=_broadcast_explain))
_minimum = _binary(register(E.MinimumOp, "Minimum", explain=_broadcast_explain))
_pow = _binary(register(E.PowOp, "Pow", explain=_broadcast_explain))
_logical_and = _binary(register(E.LogicalAndOp, "LogicalAnd", explain=_broadcast_explain))
_logical_or = _binary(register(E.LogicalOrOp, "LogicalOr", explain=_broadcast_explain))
_equal = _binary(register(E.EqualOp, "Equal", explain=_broadcast_explain))
_not_equal = _binary(register(E.NotEqualOp, "NotEqual", explain=_broadcast_explain))
_greater = _binary(register(E.GreaterOp, "Greater", explain=_broadcast_explain))
_greater_equal = _binary(register(E.GreaterEqualOp, "GreaterEqual",
                                  explain=_broadcast_explain))
_less = _binary(register(E.LessOp, "Less", explain=_broadcast_explain))
_less_equal = _binary(register(E.LessEqualOp, "LessEqual", explain=_broadcast_explain))

add = _api2(_add, "x + y elementwise, broadcast as numpy.")
subtract = _api2(_subtract, "x - y elementwise.")
multiply = _api2(_multiply, "x * y elementwise.")
realdiv = _api2(_realdiv, "x / y for floats.")
floordiv = _api2(_floordiv, "x // y: rounds down; integer division by zero is an error.")
floormod = _api2(_floormod, "x % y, with the sign of y.")
mod = floormod
maximum = _api2(_maximum, "The larger of x and y, elementwise.")
minimum = _api2(_minimum, "The smaller of x and y, elementwise.")
pow = _api2(_pow, "x ** y elementwise.")  # noqa: A001
equal = _api2(_equal, "x == y elementwise (bool).")
not_equal = _api2(_not_equal, "x != y elementwise (bool).")
greater = _api2(_greater, "x > y elementwise (bool).")
greater_equal = _api2(_greater_equal, "x >= y elementwise (bool).")
less = _api2(_less, "x < y elementwise (bool).")
less_equal = _api2(_less_equal, "x <= y elementwise (bool).")
logical_and = _api2(_logical_and, "x and y elementwise, for bools.")
logical_or = _api2(_logical_or, "x or y elementwise, for bools.")


def logical_xor(x, y, name=None):
    x, y = convert_same_dtype("LogicalXor", (x, y), D.bool)
    return _not_equal(x, y)


# integers divide as floats: the float type TensorFlow's truediv picks for each
_TRUEDIV = {D.uint8: D.float32, D.int8: D.float32, D.uint16: D.float32, D.int16: D.float32,
            D.uint32: D.float64, D.int32: D.float64, D.uint64: D.float64, D.int64: D.float64,
            D.float16: D.float16, D.bfloat16: D.bfloat16, D.float32: D.float32,
            D.float64: D.float64}


def _truediv_slow(e, x, y):
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype_hint=x.dtype)
    if x.dtype != y.dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != "
                        f"{y.dtype!r}.")
    to = _TRUEDIV.get(x.dtype)
    if to is None:
        raise TypeError(f"Invalid dtype {x.dtype!r} in __truediv__")
    if to is not x.dtype:
        x, y = cast(x, to), cast(y, to)
    return run_op(e.op, [x, y])


_truediv = _binary(OPS[E.DivideOp], _truediv_slow)
truediv = _api2(_truediv, "x / y; integers are divided as floats (float32 for 8 and 16 bits, "
                          "float64 for wider).")
divide = truediv


# -- elementwise unary ops ------------------------------------------------------------------------

def _unary_slow(e, x):
    x = convert_to_tensor(x)
    check_dtype(e, x.dtype)
    return run_op(e.op, [x])


def _unary(op, name):
    e = register(op, name)
    fn, ok = e.fn, e.accepted_np

    def run(x, name=None):
        if ctx.executor is None and x.__class__ is EagerTensor:
            a = x._array
            if a.dtype in ok:
                try:
                    r = quiet.run(fn, a)
                except (InvalidArgument, ValueError) as err:
                    raise kernel_error(e, err, (a,), NO_ATTRS) from None
                except RuntimeError:
                    r = call_kernel(fn, (a,), NO_ATTRS)
                return wrap(r if r.__class__ is _ndarray else np.asarray(r))
        return _unary_slow(e, x)
    run.__name__ = op.opdef.name[len("lamina."):]
    run.__doc__ = op.__doc__
    return run


negative = _unary(E.NegativeOp, "Neg")
abs = _unary(E.AbsOp, "Abs")  # noqa: A001
square = _unary(E.SquareOp, "Square")
relu = _unary(E.ReluOp, "Relu")
sign = _unary(E.SignOp, "Sign")
exp = _unary(E.ExpOp, "Exp")
log = _unary(E.LogOp, "Log")
log1p = _unary(E.Log1pOp, "Log1p")
expm1 = _unary(E.Expm1Op, "Expm1")
sqrt = _unary(E.SqrtOp, "Sqrt")
rsqrt = _unary(E.RsqrtOp, "Rsqrt")
tanh = _unary(E.TanhOp, "Tanh")
sigmoid = _unary(E.SigmoidOp, "Sigmoid")
sin = _unary(E.SinOp, "Sin")
cos = _unary(E.CosOp, "Cos")
erf = _unary(E.ErfOp, "Erf")
floor = _unary(E.FloorOp, "Floor")
ceil = _unary(E.CeilOp, "Ceil")
round = _unary(E.RoundOp, "Round")  # noqa: A001
logical_not = _unary(E.LogicalNotOp, "LogicalNot")


def reciprocal(x, name=None):
    x = convert_to_tensor(x)
    return _truediv(scalar_array_tensor(1, x.dtype), x)


def squared_difference(x, y, name=None):
    d = _subtract(x, y)
    return _multiply(d, d)


def is_nan(x, name=None):
    x = convert_to_tensor(x)
    _require_float(x, "IsNan")
    return _not_equal(x, x)


def is_inf(x, name=None):
    x = convert_to_tensor(x)
    _require_float(x, "IsInf")
    return _equal(abs(x), np.inf)


def is_finite(x, name=None):
    x = convert_to_tensor(x)
    _require_float(x, "IsFinite")
    return _less(abs(x), np.inf)


def softplus(features, name=None):
    """log(1 + e ** x), computed as max(x, 0) + log1p(e ** -|x|) (no overflow)."""
    x = convert_to_tensor(features)
    _require_float(x, "Softplus")
    return _add(relu(x), log1p(exp(negative(abs(x)))))


def _require_float(x, name):
    if not x.dtype.is_floating:
        raise errors.InvalidArgumentError(
            None, name, f"Value for attr 'T' of {x.dtype._type_name} is not in the list of "
                        f"allowed values: half, float, double [Op:{name}]")


def scalar_array_tensor(v, dtype):
    return wrap(scalar_array(v, dtype))


def add_n(inputs, name=None):
    """The sum of a list of tensors of one shape and dtype."""
    if not inputs:
        raise ValueError("inputs must be an iterable of at least one Tensor/IndexedSlices "
                         "with the same dtype and shape")
    ts = convert_same_dtype("AddN", inputs)
    total = ts[0]
    for t in ts[1:]:
        total = _add(total, t)
    return total


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    t = convert_to_tensor(t)
    return _minimum(_maximum(t, clip_value_min), clip_value_max)


# -- where and cast ------------------------------------------------------------------------------

def _where_explain(arrays, attrs):
    c, x, y = arrays
    return (f"condition {_dims(c.shape)}, then {_dims(x.shape)}, and else {_dims(y.shape)} must "
            f"be broadcastable")


register(E.WhereOp, "SelectV2", explain=_where_explain)


def where(condition, x=None, y=None, name=None):
    """x where condition is true, else y (all three broadcast together)."""
    if x is None and y is None:
        raise errors.UnimplementedError(
            None, "Where", "where(condition) (the coordinates of true elements) is not "
                           "supported: the lamina dialect has no op for it yet")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    c = convert_to_tensor(condition)
    if c.dtype != D.bool:
        raise dtype_mismatch("SelectV2", 0, D.bool, c.dtype)
    x, y = convert_same_dtype("SelectV2", (x, y), first_index=1)
    return run_op(E.WhereOp, [c, x, y])


register(E.CastOp, "Cast", build=lambda values, attrs: E.CastOp.build(
    values[0], D.as_dtype(attrs["dtype"]).ir_type))


def _np_dtype(dtype):
    if dtype._np is None:
        raise errors.UnimplementedError(
            None, None, f"{dtype.name} tensors are not supported eagerly (numpy has no "
                        f"{dtype.name} type)")
    return dtype._np


def cast(x, dtype, name=None):
    """x converted to dtype: floats to integers truncate toward zero, anything to bool is
    x != 0."""
    x = convert_to_tensor(x)
    dtype = D.as_dtype(dtype)
    if x.dtype == dtype:
        return x
    return run_op(E.CastOp, [x], {"dtype": _np_dtype(dtype)})


# -- tensors from values ---------------------------------------------------------------------------

def constant(value, dtype=None, shape=None, name="Const"):
    """A tensor of `value` (a Python scalar or nested list, a numpy array, a tensor): Python
    floats become float32, ints int32 (int64 if they need it), numpy arrays keep their
    dtype. With `shape`, a scalar is broadcast and other values reshaped to it."""
    if is_tensor_like(value):
        t = convert_to_tensor(value)
        if dtype is not None and t.dtype != D.as_dtype(dtype):
            raise TypeError(f"Expected tensor {t!r} with dtype {D.as_dtype(dtype)!r}, but got "
                            f"dtype {t.dtype!r}.")
        if t.__class__ is not EagerTensor:
            return t if shape is None else reshape(t, shape)
        a = t._array
    else:
        a = to_array(value, None if dtype is None else D.as_dtype(dtype))
    if shape is not None:
        shape = shape_tuple(shape)
        n = _math.prod(shape)
        if a.size == 1 and n != 1:
            a = np.full(shape, a.reshape(()), a.dtype)
        elif a.size == n:
            a = a.reshape(shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor "
                            f"{a} (converted from {value}) has {a.size} elements, but got "
                            f"`shape` {shape} with {n} elements).")
    return wrap(a)


def is_tensor(x):
    return is_tensor_like(x)


def _fill_build(values, attrs):
    return L.FillOp.build(values[0], attrs["shape"])


register(L.FillOp, "Fill", accepts="any", eager=run_data_movement, build=_fill_build)


def _fill(shape, value):
    if shape and builtins.min(shape) < 0:
        raise errors.InvalidArgumentError(
            None, "Fill", f"Fill dimensions must be >= 0, got {_dims(shape)} [Op:Fill]")
    return run_op(L.FillOp, [value], {"shape": shape})


def fill(dims, value, name=None):
    """A tensor of shape `dims` with `value` everywhere."""
    value = convert_to_tensor(value)
    if value.ndim != 0:
        raise errors.InvalidArgumentError(
            None, "Fill", f"value must be a scalar, got shape {_dims(value.shape)} [Op:Fill]")
    return _fill(shape_tuple(dims), value)


_SCALARS = {}  # (value, dtype) -> its 0-d tensor: tensors are immutable, so one serves all


def _scalar(value, dtype):
    t = _SCALARS.get((value, dtype))
    if t is None:
        t = _SCALARS[value, dtype] = wrap(np.full((), value, _np_dtype(dtype)))
    return t


def zeros(shape, dtype=D.float32, name=None):
    return _fill(shape_tuple(shape), _scalar(0, D.as_dtype(dtype)))


def ones(shape, dtype=D.float32, name=None):
    return _fill(shape_tuple(shape), _scalar(1, D.as_dtype(dtype)))


def _like(input, dtype):
    x = convert_to_tensor(input)
    return x, (x.dtype if dtype is None else D.as_dtype(dtype))


def zeros_like(input, dtype=None, name=None):
    x, dtype = _like(input, dtype)
    return zeros(x.shape, dtype)


def ones_like(input, dtype=None, name=None):
    x, dtype = _like(input, dtype)
    return ones(x.shape, dtype)


register(L.RangeOp, "Range", accepts="signed",
         build=lambda values, attrs: L.RangeOp.build(*values))
_RANGE_ORDER = (D.int32, D.int64, D.float32, D.float64)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """start, start + delta, ... up to (not including) limit; `range(n)` counts from 0."""
    if limit is None:
        start, limit = 0, start
    if dtype is not None:
        dtype = D.as_dtype(dtype)
        ts = [cast(convert_to_tensor(v, dtype_hint=dtype), dtype) for v in
              (start, limit, delta)]
    else:
        ts = [convert_to_tensor(v) for v in (start, limit, delta)]
        kinds = [t.dtype for t in ts]
        widest = builtins.max(kinds, key=lambda d: _RANGE_ORDER.index(d)
                              if d in _RANGE_ORDER else -1)
        ts = [cast(t, widest) for t in ts]
    for what, t in zip(("start", "limit", "delta"), ts):
        if t.ndim != 0:
            raise errors.InvalidArgumentError(
                None, "Range", f"{what} must be a scalar, not shape {_dims(t.shape)} "
                               f"[Op:Range]")
    check_dtype(OPS[L.RangeOp], ts[0].dtype)
    return run_op(L.RangeOp, ts)


# -- shapes ---------------------------------------------------------------------------------------

def _reshape_explain(arrays, attrs):
    n, shape = arrays[0].size, list(attrs["shape"])
    unknown = [i for i, d in enumerate(shape) if d == -1]
    if len(unknown) > 1:
        return f"Only one input size may be -1, not both {unknown[0]} and {unknown[1]}"
    for i, d in enumerate(shape):
        if d < -1:
            return f"Size {i} must be non-negative, not {d}"
    known = _math.prod(d for d in shape if d != -1)
    if unknown and known == 0:
        return ("Reshape cannot infer the missing input size for an empty tensor unless all "
                "specified input sizes are non-zero")
    if unknown:
        return (f"Input to reshape is a tensor with {n} values, but the requested shape "
                f"requires a multiple of {known}")
    return f"Input to reshape is a tensor with {n} values, but the requested shape has {known}"


register(S.ReshapeOp, "Reshape", eager=run_data_movement, explain=_reshape_explain)


def reshape(tensor, shape, name=None):
    """The same elements in row-major order, in `shape` (one dimension may be -1)."""
    x = convert_to_tensor(tensor)
    shape = list(shape_tuple(shape))
    if -1 in shape and (n := x.shape.num_elements()) is not None:
        # resolved as the IR op resolves it for a static input (the same reference_attrs)
        known = _math.prod(d for d in shape if d != -1)
        if shape.count(-1) == 1 and known > 0 and n % known == 0:
            shape[shape.index(-1)] = n // known
    return run_op(S.ReshapeOp, [x], {"shape": shape})


def _transpose_explain(arrays, attrs):
    rank, perm = arrays[0].ndim, attrs["perm"]
    if len(perm) != rank:
        return (f"transpose expects a vector of size {rank}. But input(1) is a vector of size "
                f"{len(perm)}")
    return f"{perm} is not a valid permutation of the {rank} dimensions"


register(S.TransposeOp, "Transpose", eager=run_data_movement, explain=_transpose_explain)


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permutes the dimensions: result dimension i is input dimension perm[i] (reversed
    dimensions by default)."""
    x = convert_to_tensor(a)
    rank = x.ndim
    perm = list(builtins.range(rank))[::-1] if perm is None else list(shape_tuple(perm, "perm"))
    return run_op(S.TransposeOp, [x], {"perm": perm})


def _concat_explain(arrays, attrs):
    axis, first = attrs["axis"], arrays[0].shape
    for i, a in enumerate(arrays[1:], 1):
        if a.ndim != len(first):
            return (f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                    f"{_dims(first)} vs. shape[{i}] = {_dims(a.shape)}")
        for k, (p, q) in enumerate(zip(first, a.shape)):
            if k != axis and p != q:
                return (f"ConcatOp : Dimension {k} in both shapes must be equal: shape[0] = "
                        f"{_dims(first)} vs. shape[{i}] = {_dims(a.shape)}")
    return "ConcatOp : invalid inputs"


register(S.ConcatOp, "ConcatV2", accepts="any", eager=run_data_movement,
         explain=_concat_explain,
         build=lambda values, attrs: S.ConcatOp.build(values, attrs["axis"]))


def concat(values, axis, name="concat"):
    """Joins tensors along dimension `axis`."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if not values:
        raise ValueError("concat needs at least one tensor")
    ts = convert_same_dtype("ConcatV2", values)
    rank = ts[0].ndim
    axis = _static_int(axis, "axis")
    if rank == 0:
        raise errors.InvalidArgumentError(
            None, "ConcatV2", "ConcatOp : Can't concatenate scalars (use tf.stack instead) "
                              "[Op:ConcatV2]")
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None, "ConcatV2", f"ConcatOp : Expected concatenating dimensions in the range "
                              f"[{-rank}, {rank}), but got {axis} [Op:ConcatV2]")
    if len(ts) == 1:
        return identity(ts[0])
    return run_op(S.ConcatOp, ts, {"axis": axis % rank})


def _stack_explain(arrays, attrs):
    for i, a in enumerate(arrays[1:], 1):
        if a.shape != arrays[0].shape:
            return (f"Shapes of all inputs must match: values[0].shape = "
                    f"{_dims(arrays[0].shape)} != values[{i}].shape = {_dims(a.shape)}")
    return "Pack : invalid inputs"


register(S.StackOp, "Pack", accepts="any", eager=run_data_movement,
         explain=_stack_explain,
         build=lambda values, attrs: S.StackOp.build(values, attrs["axis"]))


def stack(values, axis=0, name="stack"):
    """Joins tensors of one shape along a new dimension `axis`."""
    if not values:
        raise ValueError("stack needs at least one tensor")
    ts = convert_same_dtype("Pack", values)
    rank = ts[0].ndim + 1
    axis = _static_int(axis, "axis")
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    return run_op(S.StackOp, ts, {"axis": axis % rank})


def _broadcast_to_build(values, attrs):
    t = values[0].type
    return S.BroadcastToOp(values[0], None, result_types=[t.clone(shape=attrs["shape"])])


register(S.BroadcastToOp, "BroadcastTo", eager=run_data_movement,
         build=_broadcast_to_build)


def broadcast_to(input, shape, name=None):
    x = convert_to_tensor(input)
    return run_op(S.BroadcastToOp, [x], {"shape": shape_tuple(shape)})


register(S.ShapeOp, "Shape", build=lambda values, attrs: S.ShapeOp.build(
    values[0], D.as_dtype(attrs["dtype"]).ir_type))


def shape(input, out_type=D.int32, name=None):
    """The shape of `input` as a 1-D integer tensor."""
    x = convert_to_tensor(input)
    out_type = D.as_dtype(out_type)
    if out_type not in (D.int32, D.int64):
        raise TypeError(f"out_type must be int32 or int64, got {out_type!r}")
    return run_op(S.ShapeOp, [x], {"dtype": out_type._np})


def size(input, out_type=D.int32, name=None):
    """The number of elements of `input`, a scalar."""
    return reduce_prod(shape(input, out_type))


def rank(input, name=None):
    return constant(convert_to_tensor(input).ndim, D.int32)


def expand_dims(input, axis, name=None):
    """`input` with a dimension of size 1 inserted at `axis`."""
    x = convert_to_tensor(input)
    dims = x.shape.as_list()
    axis = _static_int(axis, "axis")
    if not -len(dims) - 1 <= axis <= len(dims):
        raise errors.InvalidArgumentError(
            None, "ExpandDims", f"Tried to expand dim index {axis} for tensor with "
                                f"{len(dims)} dimensions. [Op:ExpandDims]")
    dims.insert(axis % (len(dims) + 1), 1)
    return reshape(x, _reshape_dims(dims))


def squeeze(input, axis=None, name=None):
    """`input` without its dimensions of size 1 (those in `axis`, or all)."""
    x = convert_to_tensor(input)
    dims = x.shape.as_list()
    if axis is None:
        keep = [d for d in dims if d != 1]
    else:
        axes = {_static_int(a, "axis") % builtins.max(len(dims), 1)
                for a in (axis if isinstance(axis, (list, tuple)) else [axis])}
        for a in axes:
            if dims[a] != 1:
                raise errors.InvalidArgumentError(
                    None, "Squeeze", f"Can not squeeze dim[{a}], expected a dimension of 1, "
                                     f"got {dims[a]} [Op:Squeeze]")
        keep = [d for k, d in enumerate(dims) if k not in axes]
    return reshape(x, _reshape_dims(keep))


def _reshape_dims(dims):
    """A static shape with at most one unknown dimension, for reshape."""
    if dims.count(None) > 1:
        raise errors.UnimplementedError(
            None, "Reshape", f"reshaping to {_dims(dims)} needs more than one unknown "
                             f"dimension, which reshape cannot express")
    return [-1 if d is None else d for d in dims]


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot vectors along a new last dimension (or `axis`) of size `depth`."""
    indices = convert_to_tensor(indices)
    dtype = D.as_dtype(dtype) if dtype is not None else D.float32
    hot = _equal(expand_dims(indices, -1), cast(range(_static_int(depth, "depth")),
                                                indices.dtype))
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    out = where(hot, convert_to_tensor(on, dtype), convert_to_tensor(off, dtype))
    if axis is not None and axis != -1:
        rank = out.ndim
        perm = list(builtins.range(rank - 1))
        perm.insert(axis % rank, rank - 1)
        out = transpose(out, perm)
    return out


# -- slicing ------------------------------------------------------------------------------------

def _slice_build(values, attrs):
    return S.StridedSliceOp.build(values[0], attrs["spec"], values[1:])


register(S.StridedSliceOp, "StridedSlice", eager=run_data_movement, build=_slice_build)

_INDEX_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                "tf.int32/tf.int64 tensors are valid indices, got {!r}")


def _bound(v, dynamic, key):
    """A slice bound or index: a Python int, or DYNAMIC_INDEX with the tensor appended to
    `dynamic` (a 0-d integer tensor known only at run time)."""
    if _is_int(v) or isinstance(v, bool):
        return int(v)
    if is_tensor_like(v):
        t = convert_to_tensor(v)
        if t.ndim == 0 and t.dtype in (D.int32, D.int64):
            if t.__class__ is EagerTensor:
                return int(t._array)
            dynamic.append(t)
            return S.DYNAMIC_INDEX
    raise TypeError(_INDEX_ERROR.format(key))


def getitem(tensor, key):
    """Python's basic slicing: ints, slices, `...`, `newaxis` (None) and scalar integer
    tensors, as TensorFlow's Tensor.__getitem__."""
    x = tensor if tensor.__class__ is EagerTensor else convert_to_tensor(tensor)
    rank = x.ndim
    memo = _memo_key(key, rank)
    parsed = _SLICES.get(memo) if memo is not None else None
    if parsed is None:
        parsed = _parse_index(key, rank)
        if memo is not None:  # (an index of Python values has no dynamic bounds)
            if len(_SLICES) >= 4096:
                _SLICES.clear()
            _SLICES[memo] = parsed
    spec, dynamic, new_axes = parsed
    if spec is not None:
        x = run_op(S.StridedSliceOp, [x] + dynamic, {"spec": spec})
    if new_axes:
        dims = x.shape.as_list()
        for p in new_axes:
            dims.insert(p, 1)
        x = reshape(x, _reshape_dims(dims))
    elif spec is None:
        x = identity(x)
    return x


# (index, rank) -> what _parse_index made of it, for indices of Python ints and slices: a loop
# slices alike on every iteration, and parsing was most of an eager slice's cost
_SLICES = {}


def _memo_key(key, rank):
    """A hashable stand-in for `key` if it holds only ints, None, `...` and slices of ints
    (slices are unhashable before Python 3.12), else None."""
    items = key if key.__class__ is tuple else (key,)
    out = [rank]
    for it in items:
        c = it.__class__
        if c is slice:
            a, b, st = it.start, it.stop, it.step
            if not ((a is None or a.__class__ is int) and (b is None or b.__class__ is int) and
                    (st is None or st.__class__ is int)):
                return None
            out.append((a, b, st))
        elif c is int or it is None or it is Ellipsis:
            out.append(it)
        else:
            return None
    return tuple(out)


def _parse_index(key, rank):
    """(SliceSpec or None where nothing is sliced, the dynamic bounds' tensors, the positions
    of new axes) for index `key` of a tensor of rank `rank`."""
    items = key if key.__class__ is tuple else (key,)
    real = ellipses = 0
    for it in items:
        if it is None:
            continue
        if it is Ellipsis:
            ellipses += 1
        elif isinstance(it, (list, np.ndarray, float)):
            raise TypeError(_INDEX_ERROR.format(it))
        else:
            real += 1
    if ellipses > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed")
    begin, end, strides, dynamic, new_axes = [], [], [], [], []
    bmask = emask = smask = 0
    out = 0
    for it in items:
        k = len(begin)
        if it.__class__ is int:
            begin.append(it)
            end.append(0)
            strides.append(1)
            smask |= 1 << k
        elif it.__class__ is slice:
            step = 1 if it.step is None else _static_int(it.step, "slice step")
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if it.start is None:
                bmask |= 1 << k
                begin.append(0)
            else:
                begin.append(_bound(it.start, dynamic, key))
            if it.stop is None:
                emask |= 1 << k
                end.append(0)
            else:
                end.append(_bound(it.stop, dynamic, key))
            strides.append(step)
            out += 1
        elif it is None:
            new_axes.append(out)
            out += 1
        elif it is Ellipsis:
            for _ in builtins.range(builtins.max(rank - real, 0)):
                k = len(begin)
                bmask |= 1 << k
                emask |= 1 << k
                begin.append(0)
                end.append(0)
                strides.append(1)
                out += 1
        else:
            begin.append(_bound(it, dynamic, key))
            end.append(0)
            strides.append(1)
            smask |= 1 << k
    if len(begin) > rank:
        raise errors.InvalidArgumentError(
            None, "StridedSlice", f"Index out of range using input dim {rank}; input has "
                                  f"only {rank} dims [Op:StridedSlice]")
    spec = S.SliceSpec(begin, end, strides, bmask, emask, smask) if begin else None
    return spec, dynamic, new_axes


# -- reductions ---------------------------------------------------------------------------------

_ALL_AXES = [tuple(builtins.range(r)) for r in builtins.range(9)]


def _axes(name, axis, rank):
    if axis is None:
        return _ALL_AXES[rank] if rank < 9 else tuple(builtins.range(rank))
    if axis.__class__ is int:
        axis = (axis,)
    elif isinstance(axis, (list, tuple)) or is_tensor_like(axis) or isinstance(axis, np.ndarray):
        axis = shape_tuple(axis, "axis")
    else:
        axis = (_static_int(axis, "axis"),)
    for a in axis:
        if not -rank <= a < builtins.max(rank, 1):
            raise errors.InvalidArgumentError(
                None, name, f"Invalid reduction dimension {a} for input with {rank} "
                            f"dimensions. [Op:{name}]")
    return tuple(sorted({a % builtins.max(rank, 1) for a in axis}))


def _reduce(op, name):
    e = register(op, name)

    def run(input_tensor, axis=None, keepdims=False, name=None):
        x = convert_to_tensor(input_tensor)
        check_dtype(e, x.dtype)
        return run_op(op, [x], {"axes": _axes(e.name, axis, x.ndim),
                                "keepdims": bool(keepdims)})
    run.__name__ = op.opdef.name[len("lamina."):]
    run.__doc__ = op.__doc__
    return run


reduce_sum = _reduce(R.ReduceSumOp, "Sum")
reduce_prod = _reduce(R.ReduceProdOp, "Prod")
reduce_max = _reduce(R.ReduceMaxOp, "Max")
reduce_min = _reduce(R.ReduceMinOp, "Min")
reduce_any = _reduce(R.ReduceAnyOp, "Any")
reduce_all = _reduce(R.ReduceAllOp, "All")
reduce_mean = _reduce(R.ReduceMeanOp, "Mean")


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    x = convert_to_tensor(input_tensor)
    m = reduce_max(x, axis, keepdims=True)
    # a max of inf or -inf would give inf - inf: shift by 0 there
    m = where(is_finite(m), m, zeros_like(m))
    out = _add(log(reduce_sum(exp(_subtract(x, m)), axis, keepdims=True)), m)
    return out if keepdims else reshape(out, _reshape_dims(
        reduce_sum(x, axis, keepdims=False).shape.as_list()))


def _arg_build(op):
    return lambda values, attrs: op.build(values[0], attrs["axis"],
                                          D.as_dtype(attrs["output_type"]).ir_type)


def _arg(op, name):
    e = register(op, name, accepts="number", build=_arg_build(op))

    def run(input, axis=None, output_type=D.int64, name=None):
        x = convert_to_tensor(input)
        check_dtype(e, x.dtype)
        rank = x.ndim
        axis = 0 if axis is None else _static_int(axis, "axis")
        if not -rank <= axis < rank:
            raise errors.InvalidArgumentError(
                None, e.name, f"Expected dimension in the range [{-rank}, {rank}), but got "
                              f"{axis} [Op:{e.name}]")
        output_type = D.as_dtype(output_type)
        if output_type not in (D.int32, D.int64):
            raise TypeError(f"output_type must be int32 or int64, got {output_type!r}")
        return run_op(op, [x], {"axis": axis % rank, "output_type": output_type._np})
    run.__name__ = op.opdef.name[len("lamina."):]
    run.__doc__ = op.__doc__
    return run


argmax = _arg(R.ArgMaxOp, "ArgMax")
argmin = _arg(R.ArgMinOp, "ArgMin")


# -- matmul ---------------------------------------------------------------------------------------

_MATMUL = register(L.MatMulOp, "MatMul", accepts="number")


def _matmul_slow(e, a, b, transpose_a=False, transpose_b=False):
    a, b = convert_same_dtype("MatMul", (a, b))
    check_dtype(e, a.dtype)
    ra, rb = a.ndim, b.ndim
    if ra < 2 or rb < 2:
        msg = (f"In[0] and In[1] has different ndims: {_dims(a.shape)} vs. {_dims(b.shape)}"
               if ra != rb else f"In[0] is not a matrix. Instead it has shape {_dims(a.shape)}")
        raise errors.InvalidArgumentError(None, "MatMul", f"{msg} [Op:MatMul]")
    attrs = {"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b)}
    return run_op(L.MatMulOp, [a, b], attrs)


def _matmul_fast(x, y):
    """x @ y (no transposes)."""
    if ctx.executor is None and x.__class__ is EagerTensor and y.__class__ is EagerTensor:
        a, b = x._array, y._array
        if a.dtype is b.dtype and a.ndim >= 2 and b.ndim >= 2 and \
                a.dtype in _MATMUL.accepted_np:
            try:
                r = call_kernel(_MATMUL.fn, (a, b), NO_ATTRS)
            except (InvalidArgument, ValueError) as err:
                raise kernel_error(_MATMUL, err, (a, b), NO_ATTRS) from None
            return wrap(r if r.__class__ is _ndarray else np.asarray(r))
    return _matmul_slow(_MATMUL, x, y)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of the last two dimensions, batch dimensions broadcast."""
    ta, tb = transpose_a or adjoint_a, transpose_b or adjoint_b
    if not (ta or tb):
        return _matmul_fast(a, b)
    return _matmul_slow(_MATMUL, a, b, ta, tb)


# -- identity, stop_gradient, print -----------------------------------------------------------

def identity(input, name=None):
    """The same value (a new tensor object when eager)."""
    x = convert_to_tensor(input)
    return wrap(x._array) if x.__class__ is EagerTensor else x


register(StopGradientOp, "StopGradient", accepts="any", eager=run_data_movement)


def stop_gradient(input, name=None):
    """The same value, through which tapes and the autodiff pass do not differentiate (the op
    `lamina.stop_gradient`; with no tape or tracer, just a new tensor object)."""
    x = convert_to_tensor(input)
    if ctx.executor is None:
        return wrap(x._array)
    return run_op(StopGradientOp, [x])


def _run_print(e, inputs, attrs):
    text = e.fn(*[x._array for x in inputs], **attrs)
    sys.stderr.write(text)
    sys.stderr.flush()


register(PrintOp, "PrintV2", accepts="any", eager=_run_print,
         build=lambda values, attrs: PrintOp(list(values), template=StringAttr(
             attrs["template"]), summarize=IntegerAttr(attrs["summarize"], T.i64)))


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):  # noqa: A001
    """Prints the inputs to stderr (tensors as tf.print formats them, summarized to the first
    and last `summarize` elements of each dimension; -1: all), at every run of a traced
    function too (Python's print runs at trace time only)."""
    pieces, tensors = [], []
    for v in inputs:
        if is_tensor_like(v):
            pieces.append("{}")
            tensors.append(convert_to_tensor(v))
        else:
            pieces.append(str(v))
    attrs = {"template": sep.join(pieces) + end,
             "summarize": 3 if summarize is None else int(summarize)}
    if output_stream is None or output_stream is sys.stderr:
        return run_op(PrintOp, tensors, attrs)
    if ctx.executor is not None:
        raise errors.UnimplementedError(
            None, "PrintV2", "inside a traced function, lamina.print writes to stderr only")
    output_stream.write(PrintOp.reference(*[t._array for t in tensors], **attrs))


# -- the operators --------------------------------------------------------------------------------

def _eq_operator(x, y):
    """TensorFlow 2's ==: elementwise, False (a bool scalar) for shapes that do not broadcast,
    False for None."""
    if y is None:
        return False
    try:
        x, y = convert_same_dtype("Equal", (x, y))
    except TypeError:
        return NotImplemented
    return _compare_or_false(_equal, x, y)


def _ne_operator(x, y):
    if y is None:
        return True
    try:
        x, y = convert_same_dtype("NotEqual", (x, y))
    except TypeError:
        return NotImplemented
    return _compare_or_false(_not_equal, x, y, True)


def _compare_or_false(f, x, y, unequal=False):
    if not _broadcastable(x.shape, y.shape):
        return constant(unequal)
    return f(x, y)


def _broadcastable(a, b):
    if a.rank is None or b.rank is None:
        return True
    for p, q in zip(reversed(a.as_list()), reversed(b.as_list())):
        if p is not None and q is not None and p != q and p != 1 and q != 1:
            return False
    return True


def _bool_operator(run, what):
    def op(x, y):
        if _dtype_of(x) not in (D.bool, None) or _dtype_of(y) not in (D.bool, None):
            raise TypeError(f"unsupported operand type(s) for {what}: lamina has logical "
                            f"operators for bool tensors only")
        return run(x, y)
    return op


def _dtype_of(x):
    return x.dtype if is_tensor_like(x) else None


def _invert(x):
    if _dtype_of(x) is not D.bool:
        raise TypeError("bad operand type for unary ~: lamina has ~ for bool tensors only")
    return logical_not(x)


def _reflected(f):
    return lambda x, y: f(y, x)


_OPERATORS = {
    "__add__": _add, "__radd__": _reflected(_add),
    "__sub__": _subtract, "__rsub__": _reflected(_subtract),
    "__mul__": _multiply, "__rmul__": _reflected(_multiply),
    "__truediv__": _truediv, "__rtruediv__": _reflected(_truediv),
    "__floordiv__": _floordiv, "__rfloordiv__": _reflected(_floordiv),
    "__mod__": _floormod, "__rmod__": _reflected(_floormod),
    "__pow__": _pow, "__rpow__": _reflected(_pow),
    "__matmul__": _matmul_fast, "__rmatmul__": _reflected(_matmul_fast),
    "__lt__": _less, "__le__": _less_equal, "__gt__": _greater, "__ge__": _greater_equal,
    "__eq__": _eq_operator, "__ne__": _ne_operator,
    "__and__": _bool_operator(_logical_and, "&"),
    "__rand__": _reflected(_bool_operator(_logical_and, "&")),
    "__or__": _bool_operator(_logical_or, "|"),
    "__ror__": _reflected(_bool_operator(_logical_or, "|")),
    "__xor__": _bool_operator(logical_xor, "^"),
    "__rxor__": _reflected(_bool_operator(logical_xor, "^")),
    "__invert__": _invert, "__neg__": negative, "__abs__": abs,
    "__getitem__": getitem,
}


def install_operators():
    for k, f in _OPERATORS.items():
        setattr(Operators, k, f)


install_operators()
