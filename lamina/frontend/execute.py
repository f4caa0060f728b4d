"""The op layer: every public op is a `lamina` dialect op run through `run_op(op, inputs,
attrs)`, with `op` the dialect op class, `inputs` tensors (or Variables, for the state ops) and
`attrs` the keyword arguments of the op's numpy `reference` kernel (the same values its
`reference_attrs()` gives once the op is built).

Eagerly, `run_op` runs the op's reference kernel -- the one definition of what the op computes
-- on the inputs' numpy arrays. When an executor is installed (context.executor_scope), every
op goes to `executor.run_op(op, inputs, attrs)` instead: that is how the tracer of `function`
builds IR from the very same calls (`OPS[op].build(values, attrs)` makes the IR op), and how a
tape records what runs. The public functions convert their arguments and check dtypes before
`run_op` (TensorFlow's rules, TensorFlow's messages), so an executor sees well-typed inputs.

Kernels run with numpy's floating-point warnings off (inf and NaN are results, as in TF and in
compiled code); the per-call np.errstate costs more than a small op, so the switch is a
per-thread context entered once per op.
"""

from __future__ import annotations

import contextvars
import operator
import threading

import numpy as np

from .. import errors
from ..dialects.lamina_ops.elementwise import InvalidArgument, check_element_type, kernel
from ..ir.core import IRError
from . import dtypes as D
from .context import ctx
from .tensor import EagerTensor, Tensor, wrap
from .tensor_shape import TensorShape

NO_ATTRS = {}  # shared: never written
_ndarray = np.ndarray
_array_of = operator.attrgetter("_array")


# -- calling numpy kernels ------------------------------------------------------------------------

def _quiet_context():
    """A context in which numpy ignores floating-point errors (None on numpy 1, which keeps
    the error state elsewhere)."""
    try:
        from numpy._core.umath import _extobj_contextvar, _make_extobj
    except ImportError:
        return None
    c = contextvars.copy_context()
    c.run(_extobj_contextvar.set, _make_extobj(all="ignore"))
    return c


class _Quiet(threading.local):
    """Per thread (a context cannot be entered by two threads at once)."""

    def __init__(self):
        c = _quiet_context()
        self.run = c.run if c is not None else _errstate_call


def _errstate_call(fn, *args, **kw):
    with np.errstate(all="ignore"):
        return fn(*args, **kw)


quiet = _Quiet()


def call_kernel(fn, arrays, attrs):
    """fn(*arrays, **attrs) with floating-point warnings off."""
    try:
        return quiet.run(fn, *arrays, **attrs)
    except RuntimeError as e:
        if not str(e).startswith("cannot enter context"):
            raise
        # re-entered from inside a kernel (a finalizer running an op): the slow way
        return _errstate_call(fn, *arrays, **attrs)


_KERNEL_CODE = kernel(lambda: None).__func__.__code__


def raw_kernel(reference):
    """The numpy function inside a reference kernel wrapped by lamina_ops' `kernel` (whose
    np.errstate and np.asarray the eager runner does itself, cheaper); other kernels as they
    are."""
    inner = getattr(reference, "__wrapped__", None)
    if inner is not None:
        return inner
    code = getattr(reference, "__code__", None)
    if code is _KERNEL_CODE:
        return reference.__closure__[code.co_freevars.index("fn")].cell_contents
    return reference


# -- the table: what runs each op ---------------------------------------------------------------

_ACCEPTED = {}


def accepted_dtypes(kind):
    """The DTypes a dialect op of element kind `kind` ("number", "float", "any"...) takes."""
    s = _ACCEPTED.get(kind)
    if s is None:
        ok = []
        for d in D.ALL:
            try:
                check_element_type(d.ir_type, kind)
                ok.append(d)
            except IRError:
                pass
        s = _ACCEPTED[kind] = frozenset(ok)
    return s


class OpEntry:
    """How the frontend runs one dialect op.

    op        the dialect op class
    name      TensorFlow's name of the op (error messages end with `[Op:AddV2]`)
    fn        the numpy kernel (op.reference, unwrapped: see raw_kernel)
    accepted  the DTypes its (first) input may have, None: checked by the caller
    accepted_np  the same as numpy dtypes, for the operators' fast path
    eager     (entry, inputs, attrs) -> result tensor: how it runs eagerly
    build     (values, attrs) -> the IR op, for the tracer: values are IR values (inputs, in
              order) and attrs what run_op got
    explain   (arrays, attrs) -> TensorFlow's message for a numpy error of the kernel
    """

    __slots__ = ("op", "name", "fn", "accepted", "accepted_np", "eager", "build", "explain")

    def __init__(self, op, name, accepts, eager, build, explain):
        self.op = op
        self.name = name
        self.fn = raw_kernel(op.reference)
        kind = accepts if accepts is not None else getattr(op, "accepts", None)
        self.accepted = None if kind is None else accepted_dtypes(kind)
        self.accepted_np = None if kind is None else frozenset(
            d._np for d in self.accepted if d._np is not None)
        self.eager = eager
        self.build = build
        self.explain = explain


OPS = {}


def build_plain(op, values, attrs):
    return op(*values) if not attrs else op.build(*values, **attrs)


def register(op, name, *, accepts=None, eager=None, build=None, explain=None):
    """Add `op` to the table (see OpEntry); returns its entry."""
    e = OPS[op] = OpEntry(op, name, accepts, eager or run_pure,
                          build or (lambda values, attrs: build_plain(op, values, attrs)),
                          explain)
    return e


def run_op(op, inputs, attrs=NO_ATTRS):
    """Run dialect op class `op` on `inputs` with `attrs`: eagerly, or by the executor."""
    ex = ctx.executor
    if ex is not None:
        return ex.run_op(op, inputs, attrs)
    e = OPS[op]
    return e.eager(e, inputs, attrs)


def eager_run_op(op, inputs, attrs=NO_ATTRS):
    """Run `op` eagerly whatever the executor (for executors that also compute values)."""
    e = OPS[op]
    return e.eager(e, inputs, attrs)


def run_pure(e, inputs, attrs):
    """The eager runner of a pure op: its kernel on the inputs' arrays."""
    try:
        arrays = [*map(_array_of, inputs)]
    except AttributeError:
        raise not_eager(e, inputs) from None
    try:
        r = quiet.run(e.fn, *arrays, **attrs)
    except (InvalidArgument, ValueError, IndexError) as err:
        raise kernel_error(e, err, arrays, attrs) from None
    except RuntimeError:
        r = call_kernel(e.fn, arrays, attrs)
    return wrap(r if r.__class__ is _ndarray else np.asarray(r))


def run_data_movement(e, inputs, attrs):
    """run_pure for ops that only move elements (reshape, slices...): no arithmetic, so no
    floating-point warnings to silence."""
    try:
        arrays = [*map(_array_of, inputs)]
    except AttributeError:
        raise not_eager(e, inputs) from None
    try:
        r = e.fn(*arrays, **attrs)
    except (InvalidArgument, ValueError, IndexError) as err:
        raise kernel_error(e, err, arrays, attrs) from None
    return wrap(r if r.__class__ is _ndarray else np.asarray(r))


def kernel_error(e, err, arrays, attrs):
    """TensorFlow's InvalidArgumentError for a kernel's failure."""
    if isinstance(err, InvalidArgument) or e.explain is None:
        msg = str(err)
    else:
        msg = e.explain(arrays, attrs)
    return errors.InvalidArgumentError(None, e.name, f"{msg} [Op:{e.name}]")


def not_eager(e, inputs):
    for i, x in enumerate(inputs):
        if x.__class__ is not EagerTensor:
            return TypeError(
                f"{e.name}: input #{i} is {x!r}, a tensor of a function being traced: it "
                f"exists only inside that function (return it from the function instead)")
    return TypeError(f"{e.name}: inputs must be eager tensors")


# -- dtype rules --------------------------------------------------------------------------------

def check_dtype(e, dtype):
    """InvalidArgumentError, worded as TensorFlow's, unless `e`'s op takes `dtype`."""
    if e.accepted is not None and dtype not in e.accepted:
        allowed = ", ".join(d._type_name for d in D.ALL if d in e.accepted)
        raise errors.InvalidArgumentError(
            None, e.name, f"Value for attr 'T' of {dtype._type_name} is not in the list of "
                          f"allowed values: {allowed} [Op:{e.name}]")


def dtype_mismatch(name, index, want, got):
    return errors.InvalidArgumentError(
        None, name, f"cannot compute {name} as input #{index}(zero-based) was expected to be a "
                    f"{want._type_name} tensor but is a {got._type_name} tensor [Op:{name}]")


def is_tensor_like(x):
    return isinstance(x, Tensor) or hasattr(type(x), "__tf_tensor__")


def convert_same_dtype(name, values, dtype=None, first_index=0):
    """`values` as tensors of one dtype, as TensorFlow's eager fast path converts the inputs
    of an op whose inputs share a type: Python and numpy values take the dtype of the first
    tensor (or Variable) among them, or `dtype`; two tensors of different dtypes are an
    InvalidArgumentError naming op `name` and the input (`values` are the op's inputs from
    number `first_index` on)."""
    if dtype is None:
        for v in values:
            if is_tensor_like(v):
                dtype = v.dtype
                break
    out = []
    for i, v in enumerate(values):
        t = v if isinstance(v, Tensor) else convert_to_tensor(
            v, None if is_tensor_like(v) else dtype)
        if out and t.dtype != out[0].dtype:
            raise dtype_mismatch(name, first_index + i, out[0].dtype, t.dtype)
        out.append(t)
    return out


# -- conversion -----------------------------------------------------------------------------------

def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """A tensor of `value` (a tensor, a Variable, a Python scalar or nested sequence, a numpy
    array or scalar), of `dtype` if given (TensorFlow's conversions: Python ints to any
    number type, floats to float types; numpy arrays also between integer types)."""
    if dtype is not None:
        dtype = D.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with "
                             f"dtype {value.dtype.name}: {value!r}")
        return value
    conv = getattr(type(value), "__tf_tensor__", None)
    if conv is not None:
        return conv(value, dtype, name)
    if dtype is None and dtype_hint is not None:
        try:
            return wrap(to_array(value, D.as_dtype(dtype_hint)))
        except (TypeError, ValueError):
            pass
    return wrap(to_array(value, dtype))


_INT32 = np.dtype(np.int32)
_INT64 = np.dtype(np.int64)
_FLOAT32 = np.dtype(np.float32)
_BOOL = np.dtype(np.bool_)


def _cannot(value, dtype):
    return TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")


def _np_of(dtype):
    if dtype._np is None:
        raise errors.UnimplementedError(
            None, None, f"eager tensors of {dtype.name} are not supported (numpy has no "
                        f"{dtype.name} type)")
    return dtype._np


def scalar_array(v, dtype):
    """A 0-d array of Python scalar `v` (float, int or bool), of DType `dtype` or else
    TensorFlow's default (float32, int32 or int64, bool)."""
    c = v.__class__
    if dtype is None:
        if c is float:
            return quiet.run(np.array, v, _FLOAT32)
        if c is bool:
            return np.array(v)
        if -0x80000000 <= v <= 0x7FFFFFFF:
            return np.array(v, _INT32)
        try:
            return np.array(v, _INT64)
        except OverflowError:
            raise ValueError(f"Can't convert Python int {v} to a tensor: it does not fit in "
                             f"int64") from None
    k = dtype._kind
    if c is float and k != "float" or c is int and k == "bool":
        raise _cannot(v, dtype)
    try:
        return quiet.run(np.array, v, _np_of(dtype))
    except OverflowError:
        raise _cannot(v, dtype) from None


def _compatible(want, got):
    """TensorFlow's IsCompatible: which conversions of numpy values a requested dtype allows."""
    return want is got or want.is_integer and got.is_integer or want.is_floating and (
        got.is_floating or got.is_integer)


def _first_leaf(value):
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return value


def to_array(value, dtype=None):
    """The numpy array of `value` (see convert_to_tensor), never sharing memory with it."""
    c = value.__class__
    if c is float or c is int or c is bool:
        return scalar_array(value, dtype)
    if isinstance(value, (np.ndarray, np.generic)):
        return _numpy_value(np.array(value), dtype, value)
    if c is TensorShape:
        if not value.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {value} to a "
                             f"Tensor.")
        value = value.as_list()
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"Cannot convert {value!r} to a lamina tensor: lamina has numeric and "
                        f"bool tensors only")
    try:
        a = np.array(value)
    except ValueError:
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from None
    leaf = _first_leaf(value)
    if not (leaf.__class__ in (float, int, bool) or isinstance(leaf, (list, tuple))):
        return _numpy_value(a, dtype, value)  # numpy values or tensors inside: their dtype
    if a.dtype.kind not in "biuf":
        raise TypeError(f"Cannot convert {value!r} to a lamina tensor: expected numbers or "
                        f"bools, got {a.dtype}")
    if dtype is None:
        if a.dtype.kind == "f":
            return a.astype(_FLOAT32)
        if a.dtype.kind == "i" and (a.size == 0 or -0x80000000 <= a.min() and
                                    a.max() <= 0x7FFFFFFF):
            return a.astype(_INT32)
        if a.dtype == np.float64 and a.size == 0:
            return a.astype(_FLOAT32)
        return _numpy_value(a, None, value)
    k = dtype._kind
    if a.dtype.kind == "f" and a.size and k != "float" or a.dtype.kind in "iu" and k == "bool":
        raise _cannot(value, dtype)
    npd = _np_of(dtype)
    if k in ("int", "uint") and a.size:
        info = np.iinfo(npd)
        if a.min() < info.min or a.max() > info.max:
            raise _cannot(value, dtype)
    return quiet.run(a.astype, npd)


def _numpy_value(a, dtype, value):
    """numpy array `a` (a copy of `value`) in a supported dtype: its own, or `dtype`."""
    dt = a.dtype
    if not dt.isnative:
        a = a.astype(dt.newbyteorder("="))
        dt = a.dtype
    have = D.FROM_NUMPY.get(dt)
    if have is None:
        raise TypeError(f"Cannot convert {value!r} to a lamina tensor: unsupported dtype {dt}")
    if dtype is None or dtype is have:
        return a
    if not _compatible(dtype, have):
        raise _cannot(value, dtype)
    return quiet.run(a.astype, _np_of(dtype))


__all__ = ["NO_ATTRS", "OPS", "OpEntry", "register", "run_op", "eager_run_op", "run_pure",
           "run_data_movement",
           "call_kernel", "raw_kernel", "quiet", "kernel_error", "check_dtype", "dtype_mismatch",
           "convert_same_dtype", "convert_to_tensor", "to_array", "scalar_array",
           "accepted_dtypes", "is_tensor_like"]
