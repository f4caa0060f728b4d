"""TensorFlow's DType objects (`tf.float32`, ...): names, NumPy types, and the lamina IR element
type each one is at the dialect level (`ui8` for uint8, `i1` for bool)."""

from __future__ import annotations

import builtins

import numpy as np


class DType:
    """One element type. Compares equal to anything `as_dtype` turns into it (`np.float32`,
    `"float32"`); repr `tf.float32` as TensorFlow's."""

    __slots__ = ("name", "as_numpy_dtype", "as_datatype_enum", "_np", "_kind", "_type_name",
                 "_ir")

    def __init__(self, name, np_type, enum, kind, type_name):
        self.name = name
        # the NumPy scalar type (np.float32...); None for bfloat16, which NumPy lacks
        self.as_numpy_dtype = np_type
        self.as_datatype_enum = enum
        self._np = None if np_type is None else np.dtype(np_type)
        self._kind = kind  # "float", "int", "uint" or "bool"
        self._type_name = type_name  # TensorFlow's DataTypeString, used in its error messages
        self._ir = None

    is_floating = property(lambda self: self._kind == "float")
    is_integer = property(lambda self: self._kind in ("int", "uint"))
    is_unsigned = property(lambda self: self._kind == "uint")
    is_bool = property(lambda self: self._kind == "bool")
    is_complex = property(lambda self: False)
    is_quantized = property(lambda self: False)
    is_numpy_compatible = property(lambda self: self._np is not None)
    base_dtype = property(lambda self: self)
    real_dtype = property(lambda self: self)

    @property
    def size(self):
        """Bytes per element."""
        return 2 if self._np is None else self._np.itemsize

    @property
    def min(self):
        if self._kind == "float":
            return float(np.finfo(self._np).min) if self._np is not None else -3.3895314e38
        if self._kind == "bool":
            raise TypeError(f"Cannot find minimum value of {self!r}.")
        return int(np.iinfo(self._np).min)

    @property
    def max(self):
        if self._kind == "float":
            return float(np.finfo(self._np).max) if self._np is not None else 3.3895314e38
        if self._kind == "bool":
            raise TypeError(f"Cannot find maximum value of {self!r}.")
        return int(np.iinfo(self._np).max)

    @property
    def ir_type(self):
        """The element type at the lamina dialect level: f32, i32, ui8, i1..."""
        if self._ir is None:
            from ..ir import types as T
            if self._kind == "float":
                self._ir = T.FloatType({"float16": "f16", "bfloat16": "bf16", "float32": "f32",
                                        "float64": "f64"}[self.name])
            elif self._kind == "bool":
                self._ir = T.i1
            else:
                self._ir = T.IntegerType(8 * self.size, "u" if self._kind == "uint" else "")
        return self._ir

    def is_compatible_with(self, other):
        return self == other

    def __eq__(self, other):
        if other.__class__ is DType:
            return other is self
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return self.as_datatype_enum

    def __repr__(self):
        return "tf." + self.name

    def __str__(self):
        return f"<dtype: {self.name!r}>"

    def __reduce__(self):
        return as_dtype, (self.name,)


# TensorFlow's DataType enum values (as_datatype_enum)
float16 = DType("float16", np.float16, 19, "float", "half")
bfloat16 = DType("bfloat16", None, 14, "float", "bfloat16")
float32 = DType("float32", np.float32, 1, "float", "float")
float64 = DType("float64", np.float64, 2, "float", "double")
int8 = DType("int8", np.int8, 6, "int", "int8")
int16 = DType("int16", np.int16, 5, "int", "int16")
int32 = DType("int32", np.int32, 3, "int", "int32")
int64 = DType("int64", np.int64, 9, "int", "int64")
uint8 = DType("uint8", np.uint8, 4, "uint", "uint8")
uint16 = DType("uint16", np.uint16, 17, "uint", "uint16")
uint32 = DType("uint32", np.uint32, 22, "uint", "uint32")
uint64 = DType("uint64", np.uint64, 23, "uint", "uint64")
bool = DType("bool", np.bool_, 10, "bool", "bool")  # noqa: A001  (tf.bool)
half = float16
double = float64

# in the order of TensorFlow's lists of allowed types
ALL = (bfloat16, float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32,
       uint64, bool)
# numpy dtype -> DType: the eager tensors' dtype lookup
FROM_NUMPY = {d._np: d for d in ALL if d._np is not None}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"half": float16, "float": float32, "double": float64})
_BY_ENUM = {d.as_datatype_enum: d for d in ALL}
_BY_PYTHON = {builtins.float: float32, builtins.bool: bool, builtins.int: int32}


def as_dtype(value):
    """A DType from a DType, a name (`"float32"`, `"float"`), a NumPy type or dtype, a Python
    type (float: float32, int: int32, bool: bool), a TensorFlow enum value, or a lamina IR
    element type."""
    if value.__class__ is DType:
        return value
    try:
        if isinstance(value, str):
            return _BY_NAME[value]
        if isinstance(value, builtins.int) and not isinstance(value, builtins.bool):
            return _BY_ENUM[value]
        if value.__class__ is type and value in _BY_PYTHON:
            return _BY_PYTHON[value]
        return FROM_NUMPY[np.dtype(value)]
    except (KeyError, TypeError):
        pass
    d = _from_ir(value)
    if d is not None:
        return d
    raise TypeError(f"Cannot convert value {value!r} to a TensorFlow DType.")


def _from_ir(t):
    from ..ir import types as T
    if t.__class__ is T.FloatType:
        return {"f16": float16, "bf16": bfloat16, "f32": float32, "f64": float64}.get(t.name)
    if t.__class__ is T.IntegerType and t.signedness in ("", "u"):
        if t.width == 1:
            return bool if t.signedness == "" else None
        return _BY_NAME.get(("uint" if t.signedness == "u" else "int") + str(t.width))
    return None


__all__ = ["DType", "as_dtype", "FROM_NUMPY", "ALL"] + [d.name for d in ALL] + ["half",
                                                                                  "double"]
