"""The `structured` dialect: one generic loop-nest op, in the manner of upstream linalg.generic.

`structured.generic` names a loop nest by its iterator types (parallel or reduction), how each
operand is indexed (one affine map per operand, from loop indices to operand indices), and a
body computing output elements from input elements. It works on tensors (value semantics: the
results are the updated outputs) and, after bufferization, on memrefs (no results). Fusion,
tiling and vectorization are transformations of this op; the loops level is its expansion.

    %r = structured.generic {indexing_maps = [affine_map<(d0) -> (d0)>, ...],
                             iterator_types = ["parallel"]}
         ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%init : tensor<4xf32>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %s = arith.addf %x, %y : f32
      structured.yield %s : f32
    } -> tensor<4xf32>
"""

from __future__ import annotations

from ..ir import types as T
from ..ir.affine import AffineMap, AffineMapAttr
from ..ir.attributes import ArrayAttr, StringAttr
from ..ir.constraints import AnyShaped, AnyType, ArrayOf, Index, IntAttr
from ..ir.core import Block, Region
from ..ir.opdef import (HasParent, Op, Pure, Read, RecursiveMemoryEffects, SingleBlock,
                        Terminator, Write, prop, region, result, var_operand, var_result)

PARALLEL = "parallel"
REDUCTION = "reduction"


class GenericOp(Op):
    """A loop nest over `iterator_types`, reading `inputs` and updating `outputs` elementwise
    through `indexing_maps`; the body yields one value per output."""

    name = "structured.generic"
    inputs = var_operand(AnyShaped | AnyType)
    outputs = var_operand(AnyShaped)
    results_ = var_result(AnyShaped)
    indexing_maps = prop(ArrayOf())
    iterator_types = prop(ArrayOf())
    body = region(single_block=True)
    traits = (SingleBlock, RecursiveMemoryEffects)
    effects = ()
    assembly_format = ("attr-dict `ins` `(` ($inputs^ `:` type($inputs))? `)` "
                       "`outs` `(` $outputs `:` type($outputs) `)` $body (`->` type($results_)^)?")
    examples = (
        "func.func @f(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>) -> tensor<4xf32> {\n"
        "  %0 = structured.generic {indexing_maps = [affine_map<(d0) -> (d0)>, "
        "affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = [\"parallel\"]}"
        " ins(%arg0, %arg0 : tensor<4xf32>, tensor<4xf32>) outs(%arg1 : tensor<4xf32>) {\n"
        "  ^bb0(%arg2: f32, %arg3: f32, %arg4: f32):\n"
        "    %1 = arith.addf %arg2, %arg3 : f32\n"
        "    structured.yield %1 : f32\n"
        "  } -> tensor<4xf32>\n"
        "  return %0 : tensor<4xf32>\n}",)

    @classmethod
    def build(cls, inputs, outputs, maps, iterators, body_builder=None, loc=None):
        """`body_builder(block, rewriter-less)`: called with the new body block (whose arguments
        are the scalar elements of inputs then outputs) to append ops and a yield."""
        result_types = [v.type for v in outputs if isinstance(v.type, T.RankedTensorType)]
        op = cls(list(inputs), list(outputs), result_types=result_types,
                 indexing_maps=ArrayAttr([AffineMapAttr(m) for m in maps]),
                 iterator_types=ArrayAttr([StringAttr(i) for i in iterators]),
                 regions=[Region([Block([_elt(v.type) for v in list(inputs) + list(outputs)])])],
                 loc=loc)
        if body_builder is not None:
            body_builder(op.block)
        return op

    @property
    def block(self):
        return self.regions[0].blocks[0]

    def memory_effects(self):
        """On tensors the op is as pure as its body; on memrefs it reads its inputs and writes
        its outputs (as upstream's linalg.generic declares)."""
        out = []
        for v in self.inputs:
            if isinstance(v.type, T.MemRefType):
                out.append(Read("inputs"))
        for v in self.outputs:
            if isinstance(v.type, T.MemRefType):
                out += [Read("outputs"), Write("outputs")]
        for inner in self.block:
            d = inner.opdef
            if d is None or d.effects is None:
                return None
            out.extend(d.effects)
        return out

    @property
    def maps(self):
        return [a.value for a in self.properties["indexing_maps"]]

    @property
    def iterators(self):
        return [a.value for a in self.properties["iterator_types"]]

    @property
    def num_loops(self):
        return len(self.properties["iterator_types"])

    def verify_(self):
        ins, outs = self.inputs, self.outputs
        maps = self.properties["indexing_maps"].value
        its = self.properties["iterator_types"].value
        if len(maps) != len(ins) + len(outs):
            raise self.error(f"expected {len(ins) + len(outs)} indexing maps, got {len(maps)}")
        for it in its:
            if not isinstance(it, StringAttr) or it.value not in (PARALLEL, REDUCTION):
                raise self.error(f"iterator types must be \"{PARALLEL}\" or \"{REDUCTION}\"")
        for i, (v, m) in enumerate(zip(list(ins) + list(outs), maps)):
            if not isinstance(m, AffineMapAttr):
                raise self.error("indexing_maps must be affine maps")
            m = m.value
            if m.num_dims != len(its):
                raise self.error(f"indexing map #{i} has {m.num_dims} dims, but the op has "
                                 f"{len(its)} loops")
            rank = v.type.rank if isinstance(v.type, T.ShapedType) else 0
            if len(m.results) != rank:
                raise self.error(f"indexing map #{i} has {len(m.results)} results, but operand "
                                 f"#{i} has rank {rank}")
        for v in outs:
            if not isinstance(v.type, (T.RankedTensorType, T.MemRefType)):
                raise self.error("outputs must be ranked tensors or memrefs")
        tensors = [v.type for v in outs if isinstance(v.type, T.RankedTensorType)]
        if [r.type for r in self.results] != tensors:
            raise self.error("results must be the types of the tensor outputs")
        b = self.block if self.regions[0].blocks else None
        if b is None:
            raise self.error("requires a body block")
        expected = [_elt(v.type) for v in list(ins) + list(outs)]
        if [a.type for a in b.args] != expected:
            raise self.error("body block arguments must be the element types of inputs and "
                             f"outputs ({', '.join(map(str, expected))})")
        y = b.last
        if y is None or y.name != "structured.yield":
            raise self.error("body must end with structured.yield")
        if [v.type for v in y.operands] != [_elt(v.type) for v in outs]:
            raise self.error("yielded values must have the element types of the outputs")


def _elt(t):
    return t.element_type if isinstance(t, T.ShapedType) else t


class YieldOp(Op):
    """Ends a structured.generic body with one element per output."""

    name = "structured.yield"
    values = var_operand()
    traits = (Pure, Terminator, HasParent("structured.generic"))
    assembly_format = "attr-dict ($values^ `:` type($values))?"
    examples = GenericOp.examples


class IndexOp(Op):
    """The current index of loop `dim` inside a structured.generic body."""

    name = "structured.index"
    dim = prop(IntAttr(T.i64))
    result_ = result(Index)
    traits = (Pure,)
    assembly_format = "$dim attr-dict `:` type($result_)"
    examples = (
        "func.func @f(%arg0: tensor<4xindex>) -> tensor<4xindex> {\n"
        "  %0 = structured.generic {indexing_maps = [affine_map<(d0) -> (d0)>], "
        "iterator_types = [\"parallel\"]} ins() outs(%arg0 : tensor<4xindex>) {\n"
        "  ^bb0(%arg1: index):\n"
        "    %1 = structured.index 0 : index\n"
        "    structured.yield %1 : index\n"
        "  } -> tensor<4xindex>\n"
        "  return %0 : tensor<4xindex>\n}",)

    def verify_(self):
        g = self.parent_op
        while g is not None and g.name != "structured.generic":
            g = g.parent_op
        if g is None:
            raise self.error("must be nested in a structured.generic")
        if not 0 <= self.properties["dim"].value < g.num_loops:
            raise self.error(f"dim {self.properties['dim'].value} is out of range for "
                             f"{g.num_loops} loops")


def identity_maps(n_operands, rank):
    return [AffineMap.identity(rank)] * n_operands


__all__ = ["GenericOp", "YieldOp", "IndexOp", "PARALLEL", "REDUCTION", "identity_maps"]
