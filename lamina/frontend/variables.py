"""`Variable`: mutable state, made and initialized directly (no global collections).

A Variable owns one C-contiguous numpy buffer, `_array`, for its whole life: assignments
write into it (eagerly here; compiled functions through its pointer, as a memref argument), so
its identity and address never change. Reading copies (`lamina.read_variable`), so no tensor
ever aliases the buffer.
"""

from __future__ import annotations

import numpy as np

from .. import errors
from ..dialects.lamina_ops.state import AssignVariableOp, ReadVariableOp
from .context import ctx
from .device import CPU_DEVICE
from .dtypes import FROM_NUMPY, as_dtype
from .execute import convert_to_tensor, register, run_op
from .ops import _add, _dims, _subtract
from .tensor import EagerTensor, Operators, Reference, numpy_text, wrap
from .tensor_shape import TensorShape

__all__ = ["Variable"]


def _run_read(e, inputs, attrs):
    return wrap(e.fn(inputs[0]._array))


def _run_assign(e, inputs, attrs):
    var, value = inputs
    if value.__class__ is not EagerTensor:
        raise TypeError(f"{e.name}: {value!r} is a tensor of a function being traced; it "
                        f"cannot be assigned outside of it")
    np.copyto(var._array, value._array)


register(ReadVariableOp, "ReadVariableOp", accepts="any", eager=_run_read,
         build=lambda values, attrs: ReadVariableOp(values[0]))
register(AssignVariableOp, "AssignVariableOp", accepts="any", eager=_run_assign,
         build=lambda values, attrs: AssignVariableOp(values[0], values[1]))


class Variable(Operators):
    """A mutable tensor of fixed dtype and shape. `initial_value`: a tensor or anything
    convertible to one, or a function returning it."""

    __slots__ = ("_array", "_name", "_trainable", "_constraint", "__weakref__")

    def __init__(self, initial_value=None, trainable=None, name=None, dtype=None,
                 constraint=None):
        if initial_value is None:
            raise ValueError("The `initial_value` arg must be specified.")
        if callable(initial_value):
            initial_value = initial_value()
        made = getattr(ctx.executor, "variable_created", None)
        if made is not None:
            made()
        t = convert_to_tensor(initial_value, dtype)
        if t.__class__ is not EagerTensor:
            raise TypeError(f"Variable's initial value must be a value, not {t!r}, a tensor "
                            f"of a function being traced: create Variables outside traced "
                            f"functions, or in their first trace only")
        self._array = np.array(t._array, order="C", copy=True)
        self._name = "Variable:0" if name is None else (name if ":" in name else name + ":0")
        self._trainable = True if trainable is None else bool(trainable)
        self._constraint = constraint

    # -- what it is --------------------------------------------------------------------------
    name = property(lambda self: self._name)
    trainable = property(lambda self: self._trainable)
    constraint = property(lambda self: self._constraint)
    device = property(lambda self: CPU_DEVICE)

    @property
    def dtype(self):
        return FROM_NUMPY[self._array.dtype]

    @property
    def shape(self):
        return TensorShape._of(self._array.shape)

    def get_shape(self):
        return self.shape

    # -- reading --------------------------------------------------------------------------------
    def read_value(self):
        """The current value, as a tensor (a copy: later assignments do not change it)."""
        return run_op(ReadVariableOp, [self])

    value = read_value

    def __tf_tensor__(self, dtype=None, name=None):
        if dtype is not None and as_dtype(dtype) != self.dtype:
            raise ValueError(f"Tensor conversion requested dtype {as_dtype(dtype).name} for "
                             f"variable of dtype {self.dtype.name}: {self!r}")
        return self.read_value()

    def numpy(self):
        a = self._array
        return a.copy() if a.ndim else a[()]

    def __array__(self, dtype=None, copy=None):
        return np.array(self._array, dtype=dtype, copy=True)

    # -- writing --------------------------------------------------------------------------------
    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Replace the value (of the variable's dtype and shape)."""
        v = convert_to_tensor(value, self.dtype)
        if not self.shape.is_compatible_with(v.shape):
            raise ValueError(f"Cannot assign value to variable ' {self._name}': Shape mismatch."
                             f"The variable shape {self.shape}, and the assigned value shape "
                             f"{v.shape} are incompatible.")
        run_op(AssignVariableOp, [self, v])
        return self if read_value else None

    def _update(self, delta, op, tf_name, read_value):
        d = convert_to_tensor(delta, self.dtype)
        if not self.shape.is_compatible_with(d.shape):
            raise errors.InvalidArgumentError(
                None, tf_name, f"Cannot update variable with shape {_dims(self.shape)} using a "
                               f"Tensor with shape {_dims(d.shape)}, shapes must be equal. "
                               f"[Op:{tf_name}]")
        return self.assign(op(self.read_value(), d), read_value=read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._update(delta, _add, "AssignAddVariableOp", read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._update(delta, _subtract, "AssignSubVariableOp", read_value)

    # -- Python protocols -------------------------------------------------------------------------
    def __repr__(self):
        return (f"<lamina.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={numpy_text(self._array, True)}>")

    def __bool__(self):
        return bool(self._array)

    def __float__(self):
        return float(self._array)

    def __int__(self):
        return int(self._array)

    def __index__(self):
        return self._array.__index__()

    def __len__(self):
        return len(self.read_value())

    def __iter__(self):
        return iter(self.read_value())

    def __hash__(self):
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    def ref(self):
        return Reference(self)

    experimental_ref = ref
