"""The upstream `bufferization` dialect: the seams between tensors and the buffers that hold
them (`to_tensor`, `to_buffer`, formerly `to_memref`), and allocation of tensors that must get
a buffer of their own. The `bufferize` pass (lamina/lowering/bufferize.py) removes them."""

from __future__ import annotations

from ..ir import types as T
from ..ir.constraints import AnyAttr, AnyTensor, TypeConstraint, Unit
from ..ir.core import IRError
from ..ir.opdef import (Alloc, Free, Op, Read, Write, operand, opt_operand, opt_prop,
                        opt_result, result, var_operand)

Index = TypeConstraint(lambda t: t.__class__ is T.IndexType, "index", buildable=T.index)
RankedTensor = TypeConstraint(lambda t: t.__class__ is T.RankedTensorType,
                              "ranked tensor of any type values")
AnyMemRef = TypeConstraint(lambda t: t.__class__ in (T.MemRefType, T.UnrankedMemRefType),
                           "ranked or unranked memref of any type values")
TensorOrMemRef = AnyTensor | AnyMemRef


def _check_tensor_and_buffer(op, tensor_type, buffer_type):
    """MLIR's check that a buffer type is one a tensor type bufferizes to (any layout)."""
    ranked = tensor_type.__class__ is T.RankedTensorType
    if ranked != (buffer_type.__class__ is T.MemRefType) or (
            ranked and tensor_type.shape != buffer_type.shape):
        raise IRError("shapes do not match", op.loc)
    if tensor_type.element_type != buffer_type.element_type:
        raise IRError("element types do not match", op.loc)


class ToTensorOp(Op):
    """The tensor a buffer holds. `restrict`: no other way reaches this buffer; `writable`:
    the buffer may be written in place of the tensor."""

    name = "bufferization.to_tensor"
    buffer = operand(AnyMemRef)
    restrict = opt_prop(Unit())
    writable = opt_prop(Unit())
    result = result(AnyTensor)
    effects = ()
    assembly_format = ("$buffer (`restrict` $restrict^)? (`writable` $writable^)? attr-dict `:` "
                       "type($buffer) `to` type($result)")
    examples = ("func.func @f(%arg0: memref<4x?xf32>) -> tensor<4x?xf32> {\n"
                "  %0 = bufferization.to_tensor %arg0 restrict writable : memref<4x?xf32> to "
                "tensor<4x?xf32>\n  return %0 : tensor<4x?xf32>\n}",
                "func.func @f(%arg0: memref<4xf32, strided<[2]>>) -> tensor<4xf32> {\n"
                "  %0 = bufferization.to_tensor %arg0 : memref<4xf32, strided<[2]>> to "
                "tensor<4xf32>\n  return %0 : tensor<4xf32>\n}")

    def verify_(self):
        _check_tensor_and_buffer(self, self.result.type, self.buffer.type)


class ToBufferOp(Op):
    """The buffer that holds a tensor. `read_only`: it is never written through."""

    name = "bufferization.to_buffer"
    tensor = operand(AnyTensor)
    read_only = opt_prop(Unit())
    buffer = result(AnyMemRef)
    effects = ()
    assembly_format = ("$tensor (`read_only` $read_only^)? attr-dict `:` type($tensor) `to` "
                       "type($buffer)")
    examples = ("func.func @f(%arg0: tensor<4xf32>) -> memref<4xf32> {\n"
                "  %0 = bufferization.to_buffer %arg0 read_only : tensor<4xf32> to memref<4xf32>\n"
                "  return %0 : memref<4xf32>\n}",)

    def verify_(self):
        _check_tensor_and_buffer(self, self.tensor.type, self.buffer.type)


class AllocTensorOp(Op):
    """A tensor with a buffer of its own: of the given dynamic sizes and unspecified contents,
    or a copy of `copy`."""

    name = "bufferization.alloc_tensor"
    dynamic_sizes = var_operand(Index)
    copy = opt_operand(RankedTensor)
    size_hint = opt_operand(Index)
    memory_space = opt_prop(AnyAttr())
    result = result(RankedTensor)
    effects = (Alloc("result"),)
    assembly_format = ("`(` $dynamic_sizes `)` (`copy` `(` $copy^ `)`)? "
                       "(`size_hint` `=` $size_hint^)? attr-dict `:` type($result)")
    examples = ("func.func @f(%arg0: index, %arg1: tensor<4xf32>) -> (tensor<?x4xf32>, "
                "tensor<4xf32>) {\n"
                "  %0 = bufferization.alloc_tensor(%arg0) {memory_space = 1 : i64} : "
                "tensor<?x4xf32>\n"
                "  %1 = bufferization.alloc_tensor() copy(%arg1) size_hint=%arg0 : tensor<4xf32>\n"
                "  return %0, %1 : tensor<?x4xf32>, tensor<4xf32>\n}",)

    @classmethod
    def infer_parsed_types(cls, parts):
        if parts.operands[1]:
            parts.operand_types[1] = list(parts.result_types[0])

    def verify_(self):
        t = self.result.type
        if self.copy is not None:
            if self.dynamic_sizes:
                raise self.error("dynamic sizes not needed when copying a tensor")
            if self.copy.type != t:
                raise self.error("expected that `copy` and return type match")
        elif len(self.dynamic_sizes) != t.num_dynamic_dims:
            raise self.error(f"incorrect number of dynamic sizes, has {len(self.dynamic_sizes)}"
                             f", expected {t.num_dynamic_dims}")


class MaterializeInDestinationOp(Op):
    """`source`'s contents, stored in `dest`: a buffer (written; no result) or a tensor (the
    result is `dest` with `source`'s contents)."""

    name = "bufferization.materialize_in_destination"
    source = operand(AnyTensor)
    dest = operand(TensorOrMemRef)
    restrict = opt_prop(Unit())
    writable = opt_prop(Unit())
    result = opt_result(AnyTensor)
    effects = (Read("source"), Write("dest"))
    assembly_format = ("$source `in` (`restrict` $restrict^)? (`writable` $writable^)? $dest "
                       "attr-dict `:` functional-type(operands, results)")
    examples = ("func.func @f(%arg0: tensor<4xf32>, %arg1: memref<4xf32>, %arg2: tensor<?xf32>)"
                " -> tensor<?xf32> {\n"
                "  bufferization.materialize_in_destination %arg0 in restrict writable %arg1 : "
                "(tensor<4xf32>, memref<4xf32>) -> ()\n"
                "  %0 = tensor.cast %arg0 : tensor<4xf32> to tensor<?xf32>\n"
                "  %1 = bufferization.materialize_in_destination %0 in %arg2 : "
                "(tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>\n"
                "  return %1 : tensor<?xf32>\n}",)

    def verify_(self):
        src, dst = self.source.type, self.dest.type
        to_memory = dst.__class__ in (T.MemRefType, T.UnrankedMemRefType)
        if not to_memory:
            if len(self.results) != 1:
                raise self.error("tensor 'dest' implies exactly one tensor result")
            if self.results[0].type != dst:
                raise self.error("result and 'dest' types must match")
        elif self.results:
            raise self.error("memref 'dest' implies zero results")
        if "restrict" in self.properties and not to_memory:
            raise self.error("'restrict' is valid only for memref destinations")
        if ("writable" in self.properties) != to_memory:
            raise self.error("'writable' must be specified if and only if the destination is "
                             "of memref type")
        ranked = hasattr(src, "shape")
        if ranked != hasattr(dst, "shape"):
            raise self.error("source/destination shapes are incompatible")
        if ranked:
            if src.rank != dst.rank:
                raise self.error("rank mismatch between source and destination shape")
            if any(a != b and T.DYNAMIC not in (a, b) for a, b in zip(src.shape, dst.shape)):
                raise self.error("dimension mismatch between source and destination shape")


class DeallocTensorOp(Op):
    """Frees the buffer of a tensor (after bufferization: a dealloc of that buffer)."""

    name = "bufferization.dealloc_tensor"
    tensor = operand(TensorOrMemRef)
    effects = (Free("tensor"),)
    assembly_format = "$tensor attr-dict `:` type($tensor)"
    examples = ("func.func @f(%arg0: index) {\n"
                "  %0 = bufferization.alloc_tensor(%arg0) : tensor<?xf32>\n"
                "  bufferization.dealloc_tensor %0 : tensor<?xf32>\n  return\n}",)


__all__ = ["ToTensorOp", "ToBufferOp", "AllocTensorOp", "MaterializeInDestinationOp",
           "DeallocTensorOp"]
