"""Tensors: `Tensor`, the public base class (what `isinstance(x, lamina.Tensor)` checks, eager
or symbolic alike), and `EagerTensor`, the eager tensor, an immutable numpy array on the CPU.

Operators (`+`, `@`, `t[1:3]`, ...) live on `Operators`, shared with Variable; ops.py installs
them, as TensorFlow's math_ops does, so that this module depends on nothing of the op layer.
"""

from __future__ import annotations

import numpy as np

from .device import CPU_DEVICE
from .dtypes import FROM_NUMPY
from .tensor_shape import TensorShape
from .context import ctx


class Operators:
    """Python operators of tensor-like classes, filled in by ops.install_operators."""

    __slots__ = ()
    __array_priority__ = 100  # numpy defers `ndarray + tensor` to the tensor's __radd__


class Tensor(Operators):
    """A multidimensional array of one dtype. Subclasses: EagerTensor (a value), and the
    tracer's symbolic tensors (a value of a function being traced)."""

    __slots__ = ("__weakref__",)

    @property
    def shape(self):
        raise NotImplementedError

    @property
    def dtype(self):
        raise NotImplementedError

    @property
    def ndim(self):
        return self.shape.rank

    def get_shape(self):
        return self.shape

    def ref(self):
        """A hashable reference to this tensor (tensors themselves are not hashable)."""
        return Reference(self)

    experimental_ref = ref

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")


class EagerTensor(Tensor):
    """A tensor with a value: the numpy array `_array`, never written after creation (numpy
    views of it may be shared between tensors)."""

    __slots__ = ("_array",)

    @property
    def shape(self):
        return TensorShape._of(self._array.shape)

    @property
    def dtype(self):
        return FROM_NUMPY[self._array.dtype]

    @property
    def ndim(self):
        return self._array.ndim

    @property
    def device(self):
        return CPU_DEVICE

    backing_device = device

    def numpy(self):
        """A copy of the value: an ndarray, or a numpy scalar for a 0-d tensor (as TF)."""
        a = self._array
        return a.copy() if a.ndim else a[()]

    def __array__(self, dtype=None, copy=None):
        a = self._array
        if dtype is not None and np.dtype(dtype) != a.dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def __repr__(self):
        return (f"<lamina.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={numpy_text(self._array, True)}>")

    def __str__(self):
        return (f"lamina.Tensor({numpy_text(self._array, False)}, shape={self.shape}, "
                f"dtype={self.dtype.name})")

    def __format__(self, spec):
        a = self._array
        return format(a[()] if a.ndim == 0 else a, spec)

    def __bool__(self):
        return bool(self._array)

    def __float__(self):
        return float(self._array)

    def __int__(self):
        return int(self._array)

    def __index__(self):
        return self._array.__index__()

    def __len__(self):
        a = self._array
        if not a.ndim:
            raise TypeError("Scalar tensor has no `len()`")
        return a.shape[0]

    def __iter__(self):
        a = self._array
        if not a.ndim:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if ctx.executor is not None:  # let the executor see the slices
            return (self[i] for i in range(a.shape[0]))
        return (wrap(a[i, ...]) for i in range(a.shape[0]))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return wrap, (self._array,)


_new = object.__new__


def wrap(array):
    """An EagerTensor of `array` (an ndarray of a supported dtype; not copied)."""
    t = _new(EagerTensor)
    t._array = array
    return t


def numpy_text(a, is_repr):
    """The value part of TensorFlow's repr and str of a tensor."""
    if a.ndim == 0:
        text = str(a[()])
    else:
        text = repr(a) if is_repr else str(a)
    return "\n" + text if "\n" in text else text


class Reference:
    """What `tensor.ref()` and `variable.ref()` return: hashable, equal only to a reference to
    the same object."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return other.__class__ is Reference and other._obj is self._obj

    def __repr__(self):
        return f"<Reference at {id(self)} with _obj={self._obj!r}>"


__all__ = ["Operators", "Tensor", "EagerTensor", "wrap", "numpy_text", "Reference"]
