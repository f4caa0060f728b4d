"""Writes at a run-time index of the `lamina` dialect: `lamina.set_row`, a tensor with one row
replaced (the read is `lamina.strided_slice %t [%i]`).

It is what the derivative of `lamina.while` keeps the values of each iteration in (a stack of
shape [n, ...], as TensorFlow's TensorList): lowered to tensor.insert_slice, which bufferize
writes in place when the tensor dies there, as a loop-carried stack does, so filling a stack
row by row costs one row per iteration, not a copy.
"""

from __future__ import annotations

import numpy as np

from ...ir import types as T
from ...ir.core import IRError
from ...ir.opdef import operand, result
from .base import RankedTensor
from .elementwise import (ConstantOp, InvalidArgument, LaminaOp, emit, example, kernel, np_dtype,
                          scalar_const)
from .shape import (DYNAMIC_INDEX, BroadcastToOp, IntScalar, ShapeOp, SliceSpec, StridedSliceOp,
                    index_error)

DYNAMIC = T.DYNAMIC
_ROW_MISMATCH = "Cannot set a row"


def _dims(shape):
    return "[" + ",".join("?" if d == DYNAMIC else str(d) for d in shape) + "]"


def zeros_like(b, v):
    """Zeros of the type of tensor `v`, dynamic dimensions included (their sizes v's): a
    constant where the shape is static, else broadcast_to(0, shape(v))."""
    t = v.type
    if t.has_static_shape:
        return emit(b, ConstantOp.build(np.zeros(t.shape, np_dtype(t.element_type) or
                                                 np.float32), t))
    zero = scalar_const(b, 0, t.element_type)
    return emit(b, BroadcastToOp(zero, emit(b, ShapeOp.build(v)), result_types=[t]))


class SetRowOp(LaminaOp):
    """`input` with row `index` (along its first dimension; negative counts from the end) set
    to `value`, which has the shape of a row. An index out of range is an error, as for
    strided_slice's single index."""

    name = "lamina.set_row"
    input = operand(RankedTensor)
    index = operand(IntScalar)
    value = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = ("$input `[` $index `]` `,` $value attr-dict `:` "
                       "functional-type(operands, results)")
    examples = (example(["tensor<?x3xf32>", "tensor<i32>", "tensor<3xf32>"],
                        "lamina.set_row %arg0[%arg1], %arg2 : (tensor<?x3xf32>, tensor<i32>, "
                        "tensor<3xf32>) -> tensor<?x3xf32>", "tensor<?x3xf32>"),
                example(["tensor<4xi64>", "tensor<i64>", "tensor<i64>"],
                        "lamina.set_row %arg0[%arg1], %arg2 : (tensor<4xi64>, tensor<i64>, "
                        "tensor<i64>) -> tensor<4xi64>", "tensor<4xi64>"))

    @classmethod
    def infer_types(cls, operand_types, props):
        x, _, v = operand_types
        if x.rank == 0:
            raise IRError("input must have at least one dimension, but is 0-d")
        if v.element_type != x.element_type:
            raise IRError(f"value element type {v.element_type} differs from the input's "
                          f"{x.element_type}")
        row = x.shape[1:]
        if len(v.shape) != len(row) or any(DYNAMIC not in (a, b) and a != b
                                           for a, b in zip(v.shape, row)):
            raise IRError(f"value shape {_dims(v.shape)} is not the shape {_dims(row)} of a "
                          f"row of the input")
        return [x]

    @kernel
    def reference(x, index, value):
        i, n = int(index), x.shape[0]
        if not -n <= i < n:
            raise InvalidArgument(index_error(i, 0))
        if value.shape != x.shape[1:]:
            raise InvalidArgument(f"{_ROW_MISMATCH}: value shape {_dims(value.shape)} differs "
                                  f"from the row shape {_dims(x.shape[1:])}")
        out = x.copy()
        out[i] = value
        return out

    def vjp(self, b, g):
        # the row written takes the cotangent of the value; the rest that of the input
        v = self.value
        g_input = emit(b, SetRowOp(g, self.index, zeros_like(b, v)))
        g_value = emit(b, StridedSliceOp.build(g, SliceSpec([DYNAMIC_INDEX], [0], [1],
                                                             shrink_mask=1), [self.index]))
        if g_value.type != v.type:
            g_value = emit(b, BroadcastToOp(g_value, emit(b, ShapeOp.build(g_value)),
                                            result_types=[v.type]))
        return [g_input, None, g_value]

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        x, v = b.remap(self.input), b.remap(self.value)
        ix = sb.Ix(b)
        n = sb.size(b, x, 0)
        i = sb.extract_index(b, b.remap(self.index))
        i = ix.select(ix.cmp("slt", i, 0), ix.add(i, n), i)
        sb.check(b, ix.and_(ix.cmp("sge", i, 0), ix.cmp("slt", i, n)), index_error(None, 0))
        row = sb.sizes_of(b, x)[1:]
        for k, d in enumerate(row):
            if v.type.shape[k] == DYNAMIC or not isinstance(d, int):
                sb.check(b, ix.cmp("eq", sb.size(b, v, k), d),
                         f"{_ROW_MISMATCH}: the value's shape differs from the row's")
        src = sb.cast(b, v, sb.mixed_type(row, x.type.element_type))
        # clamped, so that nothing is written out of bounds where the check failed
        at = ix.max(ix.min(i, ix.sub(n, 1)), 0)
        return [sb.insert_slice(b, src, x, [at] + [0] * len(row), [1] + row)]


__all__ = ["SetRowOp", "zeros_like"]
