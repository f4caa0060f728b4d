"""Linear algebra and tensor-making ops of the `lamina` dialect: matmul (batched, with batch
dimensions broadcast), fill and range."""

from __future__ import annotations

import math

import numpy as np

from ...ir import types as T
from ...ir.attributes import DenseElementsAttr, UnitAttr
from ...ir.constraints import Index, Unit
from ...ir.core import IRError
from ...ir.opdef import operand, opt_prop, result, var_operand
from .base import RankedTensor, broadcast_shapes
from .elementwise import (FOLD_LIMIT, InvalidArgument, LaminaOp, check_element_type, example,
                          fold_by_reference, kernel, no_gradient)


def _dims(shape):
    return "[" + ",".join("?" if d == T.DYNAMIC else str(d) for d in shape) + "]"


class MatMulOp(LaminaOp):
    """Matrix product of the last two dimensions (after transposing them where asked), over
    the leading (batch) dimensions broadcast as NumPy does.
    `lamina.matmul %a, %b transpose_b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>`"""

    name = "lamina.matmul"
    a = operand(RankedTensor)
    b = operand(RankedTensor)
    output = result(RankedTensor)
    transpose_a = opt_prop(Unit())
    transpose_b = opt_prop(Unit())
    assembly_format = ("$a `,` $b (`transpose_a` $transpose_a^)? (`transpose_b` $transpose_b^)? "
                       "attr-dict `:` functional-type(operands, results)")
    examples = (
        example(["tensor<2x3xf32>", "tensor<3x4xf32>"], "lamina.matmul %arg0, %arg1 : "
                "(tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>", "tensor<2x4xf32>"),
        example(["tensor<5x1x3x2xi32>", "tensor<7x4x3xi32>"], "lamina.matmul %arg0, %arg1 "
                "transpose_a transpose_b : (tensor<5x1x3x2xi32>, tensor<7x4x3xi32>) -> "
                "tensor<5x7x2x4xi32>", "tensor<5x7x2x4xi32>"),
        example(["tensor<?x2x?xf64>", "tensor<?x5xf64>"], "lamina.matmul %arg0, %arg1 : "
                "(tensor<?x2x?xf64>, tensor<?x5xf64>) -> tensor<?x2x5xf64>",
                "tensor<?x2x5xf64>"))

    @classmethod
    def build(cls, a, b, transpose_a=False, transpose_b=False, loc=None):
        return cls(a, b, transpose_a=UnitAttr() if transpose_a else None,
                   transpose_b=UnitAttr() if transpose_b else None, loc=loc)

    @staticmethod
    def _matrix(shape, transposed):
        """(rows, columns) of the (transposed) matrices of `shape`."""
        r, c = shape[-2:]
        return (c, r) if transposed else (r, c)

    @classmethod
    def infer_types(cls, operand_types, props):
        a, b = operand_types
        if a.element_type != b.element_type:
            raise IRError(f"operands have different element types: {a.element_type} and "
                          f"{b.element_type}")
        check_element_type(a.element_type, "number")
        if a.rank < 2 or b.rank < 2:
            raise IRError(f"operands must have rank 2 or more, but have shapes "
                          f"{_dims(a.shape)} and {_dims(b.shape)}")
        m, k = cls._matrix(a.shape, "transpose_a" in props)
        k2, n = cls._matrix(b.shape, "transpose_b" in props)
        if T.DYNAMIC not in (k, k2) and k != k2:
            raise IRError(f"Matrix size-incompatible: In[0]: {_dims(a.shape)}, In[1]: "
                          f"{_dims(b.shape)}")
        batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        if batch is None:
            raise IRError(f"batch dimensions {_dims(a.shape[:-2])} and {_dims(b.shape[:-2])} "
                          f"are not broadcast-compatible")
        return [T.RankedTensorType(batch + (m, n), a.element_type)]

    @kernel
    def reference(a, b, transpose_a=False, transpose_b=False):
        if transpose_a:
            a = np.swapaxes(a, -1, -2)
        if transpose_b:
            b = np.swapaxes(b, -1, -2)
        if a.shape[-1] != b.shape[-2]:
            raise InvalidArgument(f"Matrix size-incompatible: In[0]: {_dims(a.shape)}, In[1]: "
                                  f"{_dims(b.shape)}")
        return np.matmul(a, b)

    def reference_attrs(self):
        return {"transpose_a": "transpose_a" in self.properties,
                "transpose_b": "transpose_b" in self.properties}

    def vjp(self, b, g):
        from .elementwise import emit, unbroadcast
        a, bb = self.a, self.b
        ta, tb = "transpose_a" in self.properties, "transpose_b" in self.properties
        mm = MatMulOp.build
        # C = op(A) op(B): dop(A) = g op(B)^T and dop(B) = op(A)^T g, then undo the op
        if not ta and not tb:
            da, db = mm(g, bb, transpose_b=True), mm(a, g, transpose_a=True)
        elif not ta:
            da, db = mm(g, bb), mm(g, a, transpose_a=True)
        elif not tb:
            da, db = mm(bb, g, transpose_b=True), mm(a, g)
        else:
            da, db = mm(bb, g, True, True), mm(g, a, True, True)
        return [unbroadcast(b, emit(b, da), a), unbroadcast(b, emit(b, db), bb)]

    def lower(self, b):
        from ...lowering import structured_builders as sb
        from ...dialects.arith import CmpIOp
        from ...ir.affine import AffineDim, AffineMap
        at, bt, rt = self.a.type, self.b.type, self.output.type
        et = at.element_type
        ta, tb = "transpose_a" in self.properties, "transpose_b" in self.properties
        x, y = b.remap(self.a), b.remap(self.b)
        nb = rt.rank - 2
        (x, y), exprs, sizes = sb.broadcast(b, [x, y], [at.shape[:-2], bt.shape[:-2]], rt.shape[:-2])
        dm, dn, dk = AffineDim(nb), AffineDim(nb + 1), AffineDim(nb + 2)
        ka, kb = at.rank - (2 if ta else 1), bt.rank - (1 if tb else 2)
        if at.shape[ka] == T.DYNAMIC or bt.shape[kb] == T.DYNAMIC:
            same = b.insert(CmpIOp.build("eq", sb.dim(b, x, ka), sb.dim(b, y, kb))).results[0]
            sb.assert_(b, same, f"Matrix size-incompatible: In[0]: {_dims(at.shape)}, In[1]: "
                                f"{_dims(bt.shape)}")
        if rt.shape[nb] == T.DYNAMIC:
            sizes.append(sb.dim(b, x, at.rank - (1 if ta else 2)))
        if rt.shape[nb + 1] == T.DYNAMIC:
            sizes.append(sb.dim(b, y, bt.rank - (2 if tb else 1)))
        init = sb.fill(b, sb.signless(rt), 0, sizes)
        n = nb + 3
        maps = [AffineMap(n, 0, exprs[0] + ([dk, dm] if ta else [dm, dk])),
                AffineMap(n, 0, exprs[1] + ([dn, dk] if tb else [dk, dn])),
                AffineMap(n, 0, [AffineDim(i) for i in range(nb + 2)])]

        def body(bb, args):
            p = sb.binary_scalar_op(bb, "multiply", args[0], args[1], et)
            return [sb.binary_scalar_op(bb, "add", args[2], p, et)]
        return sb.generic(b, [x, y], [init], maps, ["parallel"] * (nb + 2) + ["reduction"],
                          body)


class FillOp(LaminaOp):
    """A tensor with `value` (a 0-d tensor) in every element; its `?` dimensions are the index
    operands, in order.
    `lamina.fill %v[%n] : tensor<f32> -> tensor<?x3xf32>`"""

    name = "lamina.fill"
    value = operand(RankedTensor)
    dims = var_operand(Index)
    output = result(RankedTensor)
    assembly_format = ("$value (`[` $dims^ `]`)? attr-dict `:` type($value) `->` "
                       "type($output)")
    examples = (example(["tensor<f32>", "index"], "lamina.fill %arg0 [%arg1] : tensor<f32> -> "
                        "tensor<?x3xf32>", "tensor<?x3xf32>"),
                example(["tensor<i1>"], "lamina.fill %arg0 : tensor<i1> -> tensor<2x2xi1>",
                        "tensor<2x2xi1>"))

    @classmethod
    def build(cls, value, shape, dims=(), loc=None):
        """`shape` with DYNAMIC for each of `dims`."""
        t = T.RankedTensorType(shape, value.type.element_type)
        return cls(value, list(dims), result_types=[t], loc=loc)

    def verify_(self):
        v, r = self.value.type, self.output.type
        if v.rank != 0:
            raise self.error(f"value must be a 0-d tensor, but has type {v}")
        if r.element_type != v.element_type:
            raise self.error(f"result element type {r.element_type} must be the value's, "
                             f"{v.element_type}")
        try:
            check_element_type(v.element_type, "any")
        except IRError as e:
            raise self.error(e.message)
        if len(self.dims) != r.num_dynamic_dims:
            raise self.error(f"expected {r.num_dynamic_dims} dimension operands for {r}, but "
                             f"got {len(self.dims)}")

    @staticmethod
    def reference(value, shape):
        return np.full(shape, value, dtype=value.dtype)

    def reference_attrs(self):
        """The static shape; a `?` dimension's size is an operand, known only at run time."""
        return {"shape": tuple(self.output.type.shape)}

    def vjp(self, b, g):
        from .elementwise import emit
        from .reduction import ReduceSumOp
        return [emit(b, ReduceSumOp.build(g, range(g.type.rank)))] + [None] * len(self.dims)

    def fold(self, consts):
        c, rt = consts[0], self.output.type
        if c.__class__ is not DenseElementsAttr or not rt.has_static_shape or \
                rt.num_elements > FOLD_LIMIT:
            return None
        return [DenseElementsAttr(rt, c.array)]

    def lower(self, b):
        from ...lowering import structured_builders as sb
        from ...ir.affine import AffineMap
        rt = self.output.type
        init = sb.empty(b, sb.signless(rt), list(self.dims))
        return sb.generic(b, [b.remap(self.value)], [init],
                          [AffineMap(rt.rank, 0, []), AffineMap.identity(rt.rank)],
                          ["parallel"] * rt.rank, lambda bb, args: [args[0]])


class RangeOp(LaminaOp):
    """The 1-d tensor start, start + delta, ... up to but not including limit (0-d tensors of
    one signed integer or float type), as tf.range; delta 0, or a limit not reached in delta's
    direction, is an error. The size is static where the builder sees constant bounds.
    `lamina.range %start, %limit, %delta : tensor<i32> -> tensor<?xi32>`"""

    name = "lamina.range"
    start = operand(RankedTensor)
    limit = operand(RankedTensor)
    delta = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = ("$start `,` $limit `,` $delta attr-dict `:` type($start) `->` "
                       "type($output)")
    vjp = no_gradient
    examples = (example(["tensor<i32>", "tensor<i32>", "tensor<i32>"],
                        "lamina.range %arg0, %arg1, %arg2 : tensor<i32> -> tensor<?xi32>",
                        "tensor<?xi32>"),)

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.operand_types[1] = parts.operand_types[2] = parts.operand_types[0]

    @classmethod
    def build(cls, start, limit, delta, loc=None):
        size = T.DYNAMIC
        consts = [getattr(v.owner, "properties", {}).get("value")
                  if getattr(v.owner, "name", None) == "lamina.constant" else None
                  for v in (start, limit, delta)]
        if all(c.__class__ is DenseElementsAttr for c in consts):
            size = cls.reference(*(c.array for c in consts)).shape[0]
        t = T.RankedTensorType([size], start.type.element_type)
        return cls(start, limit, delta, result_types=[t], loc=loc)

    def verify_(self):
        s, r = self.start.type, self.output.type
        if s.rank != 0 or self.limit.type != s or self.delta.type != s:
            raise self.error(f"start, limit and delta must be 0-d tensors of one type, but "
                             f"have types {s}, {self.limit.type} and {self.delta.type}")
        try:
            check_element_type(s.element_type, "signed")
        except IRError as e:
            raise self.error(e.message)
        if r.rank != 1 or r.element_type != s.element_type:
            raise self.error(f"result must be a 1-d tensor of {s.element_type}, but is {r}")

    @staticmethod
    def reference(start, limit, delta):
        s, lim, d = start.item(), limit.item(), delta.item()
        if d == 0:
            raise InvalidArgument("Requires delta != 0")
        if d > 0 and s > lim:
            raise InvalidArgument(f"Requires start <= limit when delta > 0: {s}/{lim}")
        if d < 0 and s < lim:
            raise InvalidArgument(f"Requires start >= limit when delta < 0: {s}/{lim}")
        if start.dtype.kind == "f":
            n = math.ceil(abs((lim - s) / d))
        else:
            n = (abs(lim - s) + abs(d) - 1) // abs(d)
        with np.errstate(all="ignore"):
            return np.arange(n).astype(start.dtype) * delta + start

    def fold(self, consts):
        if not self.output.type.has_static_shape:
            return None
        return fold_by_reference(self, consts)

    def lower(self, b):
        from ...lowering import structured_builders as sb
        from ...dialects import arith
        from ...ir.affine import AffineMap
        et = self.start.type.element_type
        s, lim, d = (sb.scalar(b, b.remap(v)) for v in (self.start, self.limit, self.delta))
        zero = sb.const(b, 0, et)
        sb.assert_(b, sb.compare_scalar_op(b, "not_equal", d, zero, et), "Requires delta != 0")
        up = sb.compare_scalar_op(b, "greater", d, zero, et)
        down = b.insert(arith.XOrIOp(up, sb.const(b, 1, T.i1))).results[0]
        for cond, kind, msg in ((down, "less_equal", "start <= limit when delta > 0"),
                                (up, "greater_equal", "start >= limit when delta < 0")):
            ok = sb.compare_scalar_op(b, kind, s, lim, et)
            sb.assert_(b, b.insert(arith.OrIOp(cond, ok)).results[0], f"Requires {msg}")
        rt = self.output.type
        sizes = []
        if rt.shape[0] == T.DYNAMIC:
            sizes.append(self._size(b, s, lim, d, et))
        init = sb.empty(b, sb.signless(rt), sizes)
        scalar = AffineMap(1, 0, [])

        def body(bb, args):
            i = sb.index_cast(bb, sb.loop_index(bb, 0), et)
            p = sb.binary_scalar_op(bb, "multiply", i, args[1], et)
            return [sb.binary_scalar_op(bb, "add", p, args[0], et)]
        return sb.generic(b, [s, d], [init], [scalar, scalar, AffineMap.identity(1)],
                          ["parallel"], body)

    @staticmethod
    def _size(b, s, lim, d, et):
        """max(0, ceil((limit - start) / delta)) as an index (with a safe delta where the
        asserts fail, so nothing traps)."""
        from ...lowering import structured_builders as sb
        from ...dialects import arith
        diff = sb.binary_scalar_op(b, "subtract", lim, s, et)
        if sb.is_float(et):
            q = b.insert(arith.FPToSIOp.build(sb.unary_scalar_op(
                b, "ceil", sb.binary_scalar_op(b, "divide", diff, d, et), et), T.i64)).results[0]
        else:
            one = sb.const(b, 1, et)
            q = sb.binary_scalar_op(b, "truncatediv", diff, d, et)
            r = b.insert(arith.SubIOp(diff, b.insert(arith.MulIOp(q, d)).results[0])).results[0]
            nonzero = sb.compare_scalar_op(b, "not_equal", r, sb.const(b, 0, et), et)
            q = sb.select(b, nonzero, b.insert(arith.AddIOp(q, one)).results[0], q)
            if et.width < 64:
                q = b.insert(arith.ExtSIOp.build(q, T.i64)).results[0]
        q = b.insert(arith.MaxSIOp(q, sb.const(b, 0, T.i64))).results[0]
        return b.insert(arith.IndexCastOp.build(q, T.index)).results[0]
