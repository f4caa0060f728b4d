"""The upstream `tensor` dialect: creating, reading, slicing and reshaping value-semantic
tensors (bufferization turns them into memref operations).

Mixed static/dynamic lists (`[%i, 4]`) are stored as memref's are, with the same custom
directive: operands for the dynamic entries, a DenseArrayAttr with `KDYNAMIC` in their places.
"""

from __future__ import annotations

import numpy as np

from ..ir import types as T
from ..ir.attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from ..ir.constraints import (AnyRankedTensor, AnyTensor, DenseArrayOf, IntAttr, TypeConstraint,
                              Unit)
from ..ir.core import IRError
from ..ir.opdef import (HasParent, Op, Pure, RecursiveMemoryEffects, SingleBlock, Terminator,
                        operand, opt_prop, prop, region, result, var_operand)
from .cf import parse_error
from .memref import (KDYNAMIC, Reassociation, _OffsetsSizesStridesOp, mixed_values,
                     rank_reduction_mask, reassociation_attr, reassociation_groups, split_mixed,
                     type_dim, verify_in_bounds, verify_offsets_sizes_strides)

DYN = T.DYNAMIC

Index = TypeConstraint(lambda t: t.__class__ is T.IndexType, "index", buildable=T.index)
RankedTensor = TypeConstraint(AnyRankedTensor.pred, "ranked tensor of any type values")
StaticShapeTensor = TypeConstraint(lambda t: t.__class__ is T.RankedTensorType
                                   and t.has_static_shape,
                                   "statically shaped tensor of any type values")
ShapeTensor = TypeConstraint(lambda t: t.__class__ is T.RankedTensorType and t.rank == 1 and (
    t.element_type.__class__ is T.IndexType or (t.element_type.__class__ is T.IntegerType
                                                and t.element_type.signedness == "")),
    "1D tensor of signless integer or index values")


def q(t):
    return f"'{t}'"


def _verify_dynamic_sizes(op, result_type, sizes):
    if len(sizes) != result_type.num_dynamic_dims:
        raise op.error(f"incorrect number of dynamic sizes, has {len(sizes)}, expected "
                       f"{result_type.num_dynamic_dims}")


def mixed_sizes(t, dynamic_sizes):
    """Every dimension of `t`: an int, or the Value that gives a dynamic one."""
    it = iter(dynamic_sizes)
    return [next(it) if d == DYN else d for d in t.shape]


def _cast_compatible(a, b):
    """MLIR's tensor.cast compatibility: same element type, and shapes that agree wherever
    both are static (an unranked side is compatible with any rank)."""
    if a.element_type != b.element_type:
        return False
    if a.__class__ is not T.RankedTensorType or b.__class__ is not T.RankedTensorType:
        return True
    return a.rank == b.rank and all(x == y or DYN in (x, y) for x, y in zip(a.shape, b.shape))


def _constant(v):
    """The attribute of an arith.constant defining `v` (matched by name: dialects at the same
    level do not import each other's ops)."""
    op = getattr(v, "owner", None)
    if getattr(op, "name", None) != "arith.constant":
        return None
    return op.properties.get("value")


def _element_attr(value, et):
    return FloatAttr(value, et) if et.__class__ is T.FloatType else IntegerAttr(value, et)


# -- creation -------------------------------------------------------------------------------

class EmptyOp(Op):
    """A tensor of the given shape whose contents are unspecified (only its shape matters)."""

    name = "tensor.empty"
    dynamicSizes = var_operand(Index)
    result = result(RankedTensor)
    traits = (Pure,)
    assembly_format = "`(` $dynamicSizes `)` attr-dict `:` type($result)"
    examples = ("func.func @f(%arg0: index) -> (tensor<?x4xf32>, tensor<2xi8>) {\n"
                "  %0 = tensor.empty(%arg0) : tensor<?x4xf32>\n"
                "  %1 = tensor.empty() : tensor<2xi8>\n"
                "  return %0, %1 : tensor<?x4xf32>, tensor<2xi8>\n}",)

    @classmethod
    def build(cls, tensor_type, dynamic_sizes=(), loc=None):
        return cls(list(dynamic_sizes), result_types=[tensor_type], loc=loc)

    def mixed_sizes(self):
        return mixed_sizes(self.result.type, self.dynamicSizes)

    def verify_(self):
        _verify_dynamic_sizes(self, self.result.type, self.dynamicSizes)


class FromElementsOp(Op):
    """A statically shaped tensor from its elements in row-major order."""

    name = "tensor.from_elements"
    elements = var_operand()
    result = result(StaticShapeTensor)
    traits = (Pure,)
    assembly_format = "$elements attr-dict `:` type($result)"
    examples = ("func.func @f(%arg0: f32, %arg1: f32) -> (tensor<2xf32>, tensor<f32>) {\n"
                "  %0 = tensor.from_elements %arg0, %arg1 : tensor<2xf32>\n"
                "  %1 = tensor.from_elements %arg0 : tensor<f32>\n"
                "  return %0, %1 : tensor<2xf32>, tensor<f32>\n}",)

    @classmethod
    def infer_parsed_types(cls, parts):
        t = parts.result_types[0][0]
        if t.__class__ is not T.RankedTensorType or not t.has_static_shape:
            return
        n = len(parts.operands[0] or [])
        if n != t.num_elements:
            raise parse_error(parts, f"number of operands and types do not match: got {n} "
                                     f"operands and {t.num_elements} types")
        parts.operand_types[0] = [t.element_type] * n

    def verify_(self):
        t = self.result.type
        if len(self.elements) != t.num_elements:
            raise self.error(f"has {len(self.elements)} elements, but the result type {q(t)} "
                             f"needs {t.num_elements}")
        for v in self.elements:
            if v.type != t.element_type:
                raise self.error("failed to verify that operand types match result element type")

    def fold(self, consts):
        if not consts or any(c is None for c in consts):
            return None
        t = self.result.type
        if t.element_type.__class__ not in (T.IntegerType, T.IndexType, T.FloatType):
            return None
        return [DenseElementsAttr(t, np.array([c.value for c in consts]).reshape(t.shape))]


class SplatOp(Op):
    """A tensor with every element equal to one scalar; dynamic sizes give its `?` dims."""

    name = "tensor.splat"
    input = operand()
    dynamicSizes = var_operand(Index)
    aggregate = result(RankedTensor)
    traits = (Pure,)
    assembly_format = "$input (`[` $dynamicSizes^ `]`)? attr-dict `:` type($aggregate)"
    examples = ("func.func @f(%arg0: f32, %arg1: index) -> (tensor<4xf32>, tensor<?x2xf32>) {\n"
                "  %0 = tensor.splat %arg0 : tensor<4xf32>\n"
                "  %1 = tensor.splat %arg0[%arg1] : tensor<?x2xf32>\n"
                "  return %0, %1 : tensor<4xf32>, tensor<?x2xf32>\n}",)

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.operand_types[0] = [parts.result_types[0][0].element_type]

    def mixed_sizes(self):
        return mixed_sizes(self.aggregate.type, self.dynamicSizes)

    def verify_(self):
        t = self.aggregate.type
        if self.input.type != t.element_type:
            raise self.error("failed to verify that operand type matches element type of result")
        _verify_dynamic_sizes(self, t, self.dynamicSizes)

    def fold(self, consts):
        c = consts[0]
        t = self.aggregate.type
        if c is None or not t.has_static_shape or c.__class__ not in (IntegerAttr, FloatAttr):
            return None
        return [DenseElementsAttr(t, c.value)]


def _verify_index_body(op, block, rank, what):
    """The body of tensor.generate/pad: one index argument per dimension."""
    if len(block.args) != rank:
        raise op.error("must have one body argument per input dimension" if what == "generate"
                       else f"expected the block to have {rank} arguments")
    for i, a in enumerate(block.args):
        if a.type != T.index:
            raise op.error("all body arguments must be index" if what == "generate"
                           else f"expected block argument {i + 1} to be an index")


class GenerateOp(Op):
    """A tensor whose elements the body computes from their indices (one index argument per
    dimension, yielding the element)."""

    name = "tensor.generate"
    dynamicExtents = var_operand(Index)
    result = result(RankedTensor)
    body = region(single_block=True)
    traits = (RecursiveMemoryEffects, SingleBlock)
    assembly_format = "$dynamicExtents $body attr-dict `:` type($result)"
    examples = ("func.func @f(%arg0: index, %arg1: f32) -> tensor<?x3xf32> {\n"
                "  %0 = tensor.generate %arg0 {\n"
                "  ^bb0(%arg2: index, %arg3: index):\n"
                "    tensor.yield %arg1 : f32\n"
                "  } : tensor<?x3xf32>\n"
                "  return %0 : tensor<?x3xf32>\n}",)

    @property
    def block(self):
        return self.regions[0].blocks[0]

    def mixed_sizes(self):
        return mixed_sizes(self.result.type, self.dynamicExtents)

    def verify_(self):
        t = self.result.type
        _verify_dynamic_sizes(self, t, self.dynamicExtents)
        if not self.regions[0].blocks:
            raise self.error("requires a body block")
        _verify_index_body(self, self.block, t.rank, "generate")
        y = self.block.last
        if y is None or y.name != "tensor.yield" or y.operands[0].type != t.element_type:
            raise self.error("body must be terminated with a `yield` operation of the tensor "
                             "element type")


class YieldOp(Op):
    """Ends the body of tensor.generate or tensor.pad with one element."""

    name = "tensor.yield"
    value = operand()
    traits = (Pure, Terminator, HasParent("tensor.generate", "tensor.pad"))
    assembly_format = "$value attr-dict `:` type($value)"
    examples = GenerateOp.examples


# -- queries ----------------------------------------------------------------------------------

class DimOp(Op):
    """The size of one dimension of a tensor."""

    name = "tensor.dim"
    source = operand(AnyTensor)
    index = operand(Index)
    result = result(Index)
    traits = (Pure,)
    assembly_format = "attr-dict $source `,` $index `:` type($source)"
    examples = ("func.func @f(%arg0: tensor<?x4xf32>, %arg1: index) -> index {\n"
                "  %0 = tensor.dim %arg0, %arg1 : tensor<?x4xf32>\n  return %0 : index\n}",)

    def fold(self, consts):
        index = consts[1]
        t = self.source.type
        if index is None or t.__class__ is not T.RankedTensorType or \
                not 0 <= index.value < t.rank:
            return None
        i = index.value
        if t.shape[i] != DYN:
            return [IntegerAttr(t.shape[i], T.index)]
        owner = getattr(self.source, "owner", None)
        if isinstance(owner, (EmptyOp, SplatOp, GenerateOp)):
            return [owner.mixed_sizes()[i]]
        return None


class RankOp(Op):
    """The rank of a tensor."""

    name = "tensor.rank"
    tensor = operand(AnyTensor)
    result = result(Index)
    traits = (Pure,)
    assembly_format = "$tensor attr-dict `:` type($tensor)"
    examples = ("func.func @f(%arg0: tensor<*xf32>) -> index {\n"
                "  %0 = tensor.rank %arg0 : tensor<*xf32>\n  return %0 : index\n}",)

    def fold(self, consts):
        t = self.tensor.type
        return [IntegerAttr(t.rank, T.index)] if t.__class__ is T.RankedTensorType else None


# -- elements ---------------------------------------------------------------------------------

class ExtractOp(Op):
    """The element at the given indices (one per dimension)."""

    name = "tensor.extract"
    tensor = operand(RankedTensor)
    indices = var_operand(Index)
    result = result()
    traits = (Pure,)
    assembly_format = "$tensor `[` $indices `]` attr-dict `:` type($tensor)"
    examples = ("func.func @f(%arg0: tensor<?x4xf32>, %arg1: index) -> f32 {\n"
                "  %0 = tensor.extract %arg0[%arg1, %arg1] : tensor<?x4xf32>\n"
                "  return %0 : f32\n}",
                "func.func @f(%arg0: tensor<i32>) -> i32 {\n"
                "  %0 = tensor.extract %arg0[] : tensor<i32>\n  return %0 : i32\n}")

    def __init__(self, tensor, indices=(), **kw):
        super().__init__(tensor, list(indices), **kw)

    def infer_result_types(self, operands, properties):
        return [operands[0].type.element_type]

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = [parts.operand_types[0][0].element_type]

    def verify_(self):
        t = self.tensor.type
        if self.result.type != t.element_type:
            raise self.error("failed to verify that result type matches element type of tensor")
        if len(self.indices) != t.rank:
            raise self.error("incorrect number of indices for extract_element")

    def fold(self, consts):
        src = consts[0]
        if src.__class__ is DenseElementsAttr and src.is_splat:
            return [_element_attr(src.splat_value(), src.element_type)]
        idx = consts[1:]
        if any(c is None for c in idx):
            return None
        idx = tuple(c.value for c in idx)
        owner = getattr(self.tensor, "owner", None)
        if src.__class__ is DenseElementsAttr:
            if all(0 <= i < d for i, d in zip(idx, src.type.shape)):
                return [_element_attr(src.array[idx].item(), src.element_type)]
        elif isinstance(owner, FromElementsOp):
            shape = owner.result.type.shape
            if all(0 <= i < d for i, d in zip(idx, shape)):
                return [owner.elements[int(np.ravel_multi_index(idx, shape)) if shape else 0]]
        return None


class InsertOp(Op):
    """The tensor `dest` with the element at the given indices replaced by `scalar`."""

    name = "tensor.insert"
    scalar = operand()
    dest = operand(RankedTensor)
    indices = var_operand(Index)
    result = result(RankedTensor)
    traits = (Pure,)
    assembly_format = "$scalar `into` $dest `[` $indices `]` attr-dict `:` type($dest)"
    examples = ("func.func @f(%arg0: tensor<?x4xf32>, %arg1: f32, %arg2: index) -> "
                "tensor<?x4xf32> {\n"
                "  %0 = tensor.insert %arg1 into %arg0[%arg2, %arg2] : tensor<?x4xf32>\n"
                "  return %0 : tensor<?x4xf32>\n}",)

    def __init__(self, scalar, dest, indices=(), **kw):
        super().__init__(scalar, dest, list(indices), **kw)

    def infer_result_types(self, operands, properties):
        return [operands[1].type]

    @classmethod
    def infer_parsed_types(cls, parts):
        t = parts.operand_types[1][0]
        parts.operand_types[0] = [t.element_type]
        parts.result_types[0] = [t]

    def verify_(self):
        t = self.dest.type
        if self.result.type != t:
            raise self.error("failed to verify that all of {dest, result} have same type")
        if self.scalar.type != t.element_type:
            raise self.error("failed to verify that scalar type matches element type of dest")
        if len(self.indices) != t.rank:
            raise self.error("incorrect number of indices")


# -- casts ------------------------------------------------------------------------------------

class CastOp(Op):
    """A tensor of a compatible type: static <-> dynamic sizes, ranked <-> unranked."""

    name = "tensor.cast"
    source = operand(AnyTensor)
    dest = result(AnyTensor)
    traits = (Pure,)
    assembly_format = "$source attr-dict `:` type($source) `to` type($dest)"
    examples = ("func.func @f(%arg0: tensor<?x4xf32>) -> tensor<*xf32> {\n"
                "  %0 = tensor.cast %arg0 : tensor<?x4xf32> to tensor<3x4xf32>\n"
                "  %1 = tensor.cast %0 : tensor<3x4xf32> to tensor<*xf32>\n"
                "  return %1 : tensor<*xf32>\n}",)

    def verify_(self):
        a, b = self.source.type, self.dest.type
        if not _cast_compatible(a, b):
            raise self.error(f"operand type {q(a)} and result type {q(b)} are cast incompatible")

    def fold(self, consts):
        if self.source.type == self.dest.type:
            return [self.source]
        inner = getattr(self.source, "owner", None)
        if isinstance(inner, CastOp) and inner.source.type == self.dest.type:
            return [inner.source]
        return None


class BitcastOp(Op):
    """The same bits viewed as another element type of the same width."""

    name = "tensor.bitcast"
    source = operand(AnyTensor)
    dest = result(AnyTensor)
    traits = (Pure,)
    assembly_format = "$source attr-dict `:` type($source) `to` type($dest)"
    examples = ("func.func @f(%arg0: tensor<4xf32>) -> tensor<4xi32> {\n"
                "  %0 = tensor.bitcast %arg0 : tensor<4xf32> to tensor<4xi32>\n"
                "  return %0 : tensor<4xi32>\n}",)

    def verify_(self):
        a, b = self.source.type, self.dest.type
        same_shape = (a.__class__ is not T.RankedTensorType or b.__class__ is not
                      T.RankedTensorType or a.shape == b.shape)
        wa, wb = (getattr(x.element_type, "width", 64) for x in (a, b))
        if not same_shape or wa != wb:
            raise self.error(f"operand type {q(a)} and result type {q(b)} are cast incompatible")


# -- slices -----------------------------------------------------------------------------------

def slice_type(source_type, static_sizes):
    """The (not rank-reduced) tensor type of a slice with the given sizes."""
    return T.RankedTensorType([type_dim(s) for s in static_sizes], source_type.element_type)


def _verify_slice_type(op, expected, actual):
    """MLIR's produceSliceErrorMsg over a (possibly rank-reduced) slice type."""
    if actual.rank > expected.rank:
        raise IRError("expected rank to be smaller or equal to the other rank. ", op.loc)
    if rank_reduction_mask(expected.shape, actual.shape) is None:
        raise IRError(f"expected type to be {q(expected)} or a rank-reduced version. (size "
                      f"mismatch) ", op.loc)
    if actual.element_type != expected.element_type:
        raise IRError(f"expected element type to be {q(expected.element_type)}", op.loc)


_SLICE_LISTS = ("custom<DynamicIndexList>($offsets, $static_offsets) "
                "custom<DynamicIndexList>($sizes, $static_sizes) "
                "custom<DynamicIndexList>($strides, $static_strides)")


class ExtractSliceOp(_OffsetsSizesStridesOp):
    """The part of a tensor at the given offsets, sizes and strides; unit dimensions may be
    dropped from the result."""

    name = "tensor.extract_slice"
    source = operand(RankedTensor)
    offsets = var_operand(Index)
    sizes = var_operand(Index)
    strides = var_operand(Index)
    result = result(RankedTensor)
    assembly_format = (f"$source `` {_SLICE_LISTS} attr-dict `:` type($source) `to` "
                       "type($result)")
    examples = (
        "func.func @f(%arg0: tensor<?x4xf32>, %arg1: index) -> (tensor<2x?xf32>, "
        "tensor<3xf32>) {\n"
        "  %0 = tensor.extract_slice %arg0[%arg1, 1] [2, %arg1] [1, 1] : tensor<?x4xf32> to "
        "tensor<2x?xf32>\n"
        "  %1 = tensor.extract_slice %arg0[%arg1, 1] [1, 3] [1, 1] : tensor<?x4xf32> to "
        "tensor<3xf32>\n"
        "  return %0, %1 : tensor<2x?xf32>, tensor<3xf32>\n}",)

    @classmethod
    def build(cls, source, offsets, sizes, strides, result_type=None, loc=None):
        """`offsets`, `sizes`, `strides`: ints or index Values; the result type is the
        slice's sizes (not rank-reduced) unless given."""
        if result_type is None:
            result_type = slice_type(source.type, split_mixed(sizes)[0].value)
        return cls._build(source, offsets, sizes, strides, result_type, loc)

    def verify_(self):
        src = self.source.type
        verify_offsets_sizes_strides(self, (src.rank,) * 3)
        _verify_slice_type(self, slice_type(src, self.static_sizes.value), self.result.type)
        verify_in_bounds(self, src.shape)

    def fold(self, consts):
        src, res = self.source.type, self.result.type
        if src == res and src.has_static_shape and not self.operands[1:] and \
                all(o == 0 for o in self.static_offsets.value) and \
                all(s == 1 for s in self.static_strides.value) and \
                tuple(self.static_sizes.value) == src.shape:
            return [self.source]
        return None


class InsertSliceOp(_OffsetsSizesStridesOp):
    """The tensor `dest` with the part at the given offsets, sizes and strides replaced by
    `source` (which may lack unit dimensions of that part)."""

    name = "tensor.insert_slice"
    source = operand(RankedTensor)
    dest = operand(RankedTensor)
    offsets = var_operand(Index)
    sizes = var_operand(Index)
    strides = var_operand(Index)
    result = result(RankedTensor)
    assembly_format = (f"$source `into` $dest `` {_SLICE_LISTS} attr-dict `:` type($source) "
                       "`into` type($dest)")
    examples = (
        "func.func @f(%arg0: tensor<2x?xf32>, %arg1: tensor<?x4xf32>, %arg2: index) -> "
        "tensor<?x4xf32> {\n"
        "  %0 = tensor.insert_slice %arg0 into %arg1[%arg2, 1] [2, %arg2] [1, 1] : "
        "tensor<2x?xf32> into tensor<?x4xf32>\n"
        "  return %0 : tensor<?x4xf32>\n}",)

    @classmethod
    def build(cls, source, dest, offsets, sizes, strides, loc=None):
        (so, do), (ss, ds), (st, dt) = (split_mixed(x) for x in (offsets, sizes, strides))
        return cls(source, dest, do, ds, dt, result_types=[dest.type], static_offsets=so,
                   static_sizes=ss, static_strides=st, loc=loc)

    def infer_result_types(self, operands, properties):
        return [operands[1].type]

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = list(parts.operand_types[1])

    def verify_(self):
        dst = self.dest.type
        if self.result.type != dst:
            raise self.error("failed to verify that all of {dest, result} have same type")
        verify_offsets_sizes_strides(self, (dst.rank,) * 3)
        _verify_slice_type(self, slice_type(dst, self.static_sizes.value), self.source.type)
        verify_in_bounds(self, dst.shape)


# -- reshapes ---------------------------------------------------------------------------------

def collapsed_shape(shape, groups):
    out = []
    for g in groups:
        n = 1
        for d in g:
            n = DYN if DYN in (n, shape[d]) else n * shape[d]
        out.append(n)
    return out


def _verify_reshape(op, collapsed, expanded, groups):
    """MLIR's verifyTensorReshapeOp: contiguous groups covering the expanded dims, and each
    collapsed dim the product of its group (dynamic iff one of the group is)."""
    kind = "collapsed" if op.name.endswith("collapse_shape") else "expanded"
    if expanded.rank < collapsed.rank:
        raise op.error(f"expected the expanded type, {q(expanded)} to have a higher (or same) "
                       f"rank than the collapsed type, {q(collapsed)}.")
    if len(groups) != collapsed.rank:
        raise op.error(f"expected collapsed rank ({collapsed.rank}) to equal the number of "
                       f"reassociation maps ({len(groups)})")
    nxt = 0
    for i, g in enumerate(groups):
        if not g or any(d != nxt + k for k, d in enumerate(g)):
            raise op.error(f"expected reassociation map #{i} to be valid and contiguous")
        nxt += len(g)
    if nxt != expanded.rank and collapsed.rank:
        raise op.error(f"expected reassociation map #{len(groups) - 1} to be valid and "
                       f"contiguous")
    for i, (c, n) in enumerate(zip(collapsed.shape, collapsed_shape(expanded.shape, groups))):
        if n == DYN and c != DYN:
            raise op.error(f"expected dimension {i} of collapsed type to be dynamic since one or"
                           f" more of the corresponding dimensions in the expanded type is "
                           f"dynamic")
        if n != DYN and c != n:
            raise op.error(f"expected dimension {i} of collapsed type to be static value of {n}")
    if collapsed.element_type != expanded.element_type:
        raise op.error(f"expected {kind} type to have the element type of its source")


class _ReshapeOp(Op):
    src = operand(RankedTensor)
    reassociation = prop(Reassociation())
    result = result(RankedTensor)
    traits = (Pure,)

    @property
    def groups(self):
        return reassociation_groups(self.reassociation)


class CollapseShapeOp(_ReshapeOp):
    """A tensor of lower rank: each group of consecutive dimensions becomes one."""

    name = "tensor.collapse_shape"
    assembly_format = "$src $reassociation attr-dict `:` type($src) `into` type($result)"
    examples = ("func.func @f(%arg0: tensor<4x?x8xf32>) -> tensor<?x8xf32> {\n"
                "  %0 = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<4x?x8xf32> into "
                "tensor<?x8xf32>\n  return %0 : tensor<?x8xf32>\n}",)

    @classmethod
    def build(cls, src, groups, loc=None):
        t = src.type
        return cls(src, result_types=[T.RankedTensorType(collapsed_shape(t.shape, groups),
                                                         t.element_type)],
                   reassociation=reassociation_attr(groups), loc=loc)

    def verify_(self):
        _verify_reshape(self, self.result.type, self.src.type, self.groups)

    def fold(self, consts):
        if self.src.type == self.result.type:
            return [self.src]
        inner = getattr(self.src, "owner", None)
        if isinstance(inner, ExpandShapeOp) and inner.src.type == self.result.type and \
                inner.groups == self.groups:
            return [inner.src]
        return None


class ExpandShapeOp(_ReshapeOp):
    """A tensor of higher rank: each dimension splits into a group; `output_shape` gives the
    result sizes (SSA values for its dynamic ones)."""

    name = "tensor.expand_shape"
    output_shape = var_operand(Index)
    static_output_shape = prop(DenseArrayOf(T.i64))
    assembly_format = ("$src $reassociation `output_shape` "
                       "custom<DynamicIndexList>($output_shape, $static_output_shape) attr-dict "
                       "`:` type($src) `into` type($result)")
    examples = ("func.func @f(%arg0: tensor<?x32xf32>, %arg1: index) -> tensor<?x4x8xf32> {\n"
                "  %0 = tensor.expand_shape %arg0 [[0], [1, 2]] output_shape [%arg1, 4, 8] : "
                "tensor<?x32xf32> into tensor<?x4x8xf32>\n  return %0 : tensor<?x4x8xf32>\n}",)

    @classmethod
    def build(cls, result_type, src, groups, output_shape, loc=None):
        """`output_shape`: an int or index Value per result dimension."""
        static, dynamic = split_mixed(output_shape)
        return cls(src, dynamic, result_types=[result_type],
                   reassociation=reassociation_attr(groups), static_output_shape=static, loc=loc)

    def mixed_output_shape(self):
        return mixed_values(self.static_output_shape.value, self.output_shape)

    def verify_(self):
        res = self.result.type
        _verify_reshape(self, self.src.type, res, self.groups)
        static = self.static_output_shape.value
        if len(static) != res.rank:
            raise self.error("expected number of static shape bounds to be equal to the output "
                             f"rank ({res.rank}) but found {len(static)} inputs instead")
        n = sum(1 for s in static if s == KDYNAMIC)
        if n != len(self.output_shape):
            raise self.error("mismatch in dynamic dims in output_shape and static_output_shape: "
                             f"static_output_shape has {n} dynamic dims while output_shape has "
                             f"{len(self.output_shape)} values")
        for pos, (d, s) in enumerate(zip(res.shape, static)):
            if d != DYN and d != s:
                raise self.error(f"invalid output shape provided at pos {pos}")

    def fold(self, consts):
        if self.src.type == self.result.type:
            return [self.src]
        inner = getattr(self.src, "owner", None)
        if isinstance(inner, CollapseShapeOp) and inner.src.type == self.result.type and \
                inner.groups == self.groups:
            return [inner.src]
        return None


class ReshapeOp(Op):
    """The elements of a tensor, in row-major order, in the shape a 1-D shape tensor gives."""

    name = "tensor.reshape"
    source = operand(AnyTensor)
    shape = operand(ShapeTensor)
    result = result(AnyTensor)
    traits = (Pure,)
    assembly_format = "$source `(` $shape `)` attr-dict `:` functional-type(operands, results)"
    examples = ("func.func @f(%arg0: tensor<2x3xf32>, %arg1: tensor<2xindex>) -> "
                "tensor<?x?xf32> {\n"
                "  %0 = tensor.reshape %arg0(%arg1) : (tensor<2x3xf32>, tensor<2xindex>) -> "
                "tensor<?x?xf32>\n  return %0 : tensor<?x?xf32>\n}",)

    def verify_(self):
        src, shape, res = self.source.type, self.shape.type, self.result.type
        if src.element_type != res.element_type:
            raise self.error("element types of source and destination tensor types should be "
                             "the same")
        if res.__class__ is T.RankedTensorType and src.__class__ is T.RankedTensorType and \
                src.has_static_shape and res.has_static_shape and \
                src.num_elements != res.num_elements:
            raise self.error("source and destination tensor should have the same number of "
                             "elements")
        if shape.shape[0] == DYN:
            if res.__class__ is T.RankedTensorType:
                raise self.error("cannot use shape operand with dynamic length to reshape to "
                                 "statically-ranked tensor type")
        elif res.__class__ is T.RankedTensorType and shape.shape[0] != res.rank:
            raise self.error("length of shape operand differs from the result's tensor rank")


class ConcatOp(Op):
    """The inputs joined along dimension `dim` (the other dimensions agree)."""

    name = "tensor.concat"
    dim = prop(IntAttr(T.i64))
    inputs = var_operand(RankedTensor)
    result = result(RankedTensor)
    traits = (Pure,)
    assembly_format = "`dim` `(` $dim `)` $inputs attr-dict `:` functional-type(operands, results)"
    examples = ("func.func @f(%arg0: tensor<?x4xf32>, %arg1: tensor<2x4xf32>) -> "
                "tensor<?x4xf32> {\n"
                "  %0 = tensor.concat dim(0) %arg0, %arg1 : (tensor<?x4xf32>, tensor<2x4xf32>) "
                "-> tensor<?x4xf32>\n  return %0 : tensor<?x4xf32>\n}",)

    @staticmethod
    def infer_shape(dim, types):
        """The concatenation's shape: sizes along `dim` add up (any `?` makes it `?`), the
        others are the most static of the inputs'."""
        shape = list(types[0].shape)
        for t in types[1:]:
            for i, d in enumerate(t.shape):
                if i == dim:
                    shape[i] = DYN if DYN in (shape[i], d) else shape[i] + d
                elif shape[i] == DYN:
                    shape[i] = d
        return shape

    @classmethod
    def build(cls, dim, inputs, loc=None):
        types = [v.type for v in inputs]
        return cls(list(inputs), result_types=[T.RankedTensorType(
            cls.infer_shape(dim, types), types[0].element_type)], dim=IntegerAttr(dim), loc=loc)

    @property
    def axis(self):
        return self.dim.value

    def verify_(self):
        ins = [v.type for v in self.inputs]
        res = self.result.type
        if not ins:
            raise self.error("requires at least one input")
        for t in ins:
            if t.rank != res.rank:
                raise self.error("rank of concatenated inputs must match result rank")
            if t.element_type != res.element_type:
                raise self.error("inputs and result element type must match")
        dim = self.axis
        if not 0 <= dim < res.rank:
            raise self.error("concatenation dim must be less than the tensor rank")
        for i in range(res.rank):
            if i == dim:
                continue
            sizes = {t.shape[i] for t in ins if t.shape[i] != DYN}
            if len(sizes) > 1:
                raise self.error(f"static concatenation size mismatch along non-concatenated "
                                 f"dimension {i}")
        inferred = T.RankedTensorType(self.infer_shape(dim, ins), res.element_type)
        if any(a != b and a != DYN and b != DYN for a, b in zip(inferred.shape, res.shape)):
            raise self.error(f"result type {q(res)}does not match inferred shape {q(inferred)} "
                             f"static sizes")


class PadOp(Op):
    """The source tensor with `low`/`high` elements added before/after it along each
    dimension; the body yields the padding value at each index."""

    name = "tensor.pad"
    source = operand(RankedTensor)
    low = var_operand(Index)
    high = var_operand(Index)
    static_low = prop(DenseArrayOf(T.i64))
    static_high = prop(DenseArrayOf(T.i64))
    nofold = opt_prop(Unit())
    result = result(RankedTensor)
    region = region(single_block=True)
    traits = (Pure, SingleBlock)
    assembly_format = ("$source (`nofold` $nofold^)? `low` `` custom<DynamicIndexList>($low, "
                       "$static_low) `high` `` custom<DynamicIndexList>($high, $static_high) "
                       "$region attr-dict `:` type($source) `to` type($result)")
    examples = ("func.func @f(%arg0: tensor<?x4xf32>, %arg1: index, %arg2: f32) -> "
                "tensor<?x6xf32> {\n"
                "  %0 = tensor.pad %arg0 low[1, 2] high[%arg1, 0] {\n"
                "  ^bb0(%arg3: index, %arg4: index):\n"
                "    tensor.yield %arg2 : f32\n"
                "  } : tensor<?x4xf32> to tensor<?x6xf32>\n"
                "  return %0 : tensor<?x6xf32>\n}",
                "func.func @f(%arg0: tensor<4xf32>, %arg1: f32) -> tensor<7xf32> {\n"
                "  %0 = tensor.pad %arg0 nofold low[1] high[2] {\n"
                "  ^bb0(%arg2: index):\n"
                "    tensor.yield %arg1 : f32\n"
                "  } : tensor<4xf32> to tensor<7xf32>\n"
                "  return %0 : tensor<7xf32>\n}")

    @property
    def block(self):
        return self.regions[0].blocks[0]

    def mixed_low(self):
        return mixed_values(self.static_low.value, self.low)

    def mixed_high(self):
        return mixed_values(self.static_high.value, self.high)

    @staticmethod
    def infer_shape(source_shape, static_low, static_high):
        return [DYN if KDYNAMIC in (lo, hi) or d == DYN else d + lo + hi
                for d, lo, hi in zip(source_shape, static_low, static_high)]

    def verify_(self):
        src, res = self.source.type, self.result.type
        lo, hi = self.static_low.value, self.static_high.value
        for name, static, dyn in (("static_low", lo, self.low), ("static_high", hi, self.high)):
            if len(static) != src.rank:
                raise self.error(f"expected {src.rank} entries in '{name}', got {len(static)}")
            if sum(1 for s in static if s == KDYNAMIC) != len(dyn):
                raise self.error(f"expected the number of dynamic entries in '{name}' to match "
                                 f"its operands")
        inferred = T.RankedTensorType(self.infer_shape(src.shape, lo, hi), src.element_type)
        if res.rank != src.rank or res.element_type != src.element_type or any(
                a != b and a != DYN for a, b in zip(inferred.shape, res.shape)):
            raise IRError(f"specified type {q(res)} does not match the inferred type "
                          f"{q(inferred)}", self.loc)
        if not self.regions[0].blocks:
            raise self.error("requires a body block")
        _verify_index_body(self, self.block, src.rank, "pad")
        y = self.block.last
        if y is None or y.name != "tensor.yield" or y.operands[0].type != src.element_type:
            raise self.error("expected yield type to match shape element type")


__all__ = ["EmptyOp", "FromElementsOp", "SplatOp", "GenerateOp", "YieldOp", "DimOp", "RankOp",
           "ExtractOp", "InsertOp", "CastOp", "BitcastOp", "ExtractSliceOp", "InsertSliceOp",
           "CollapseShapeOp", "ExpandShapeOp", "ReshapeOp", "ConcatOp", "PadOp", "mixed_sizes",
           "slice_type", "collapsed_shape"]
