"""`convert-lamina-to-structured`: lamina ops become structured.generic loop nests on tensors
(with tensor.empty/tensor.dim, arith and math in the bodies, cf.assert for run-time errors).

Each lamina op lowers itself: its `lower(self, b)` hook builds the replacement before the op
through `b` (see structured_builders for the conventions) and returns the replacement values.
Ops that bufferization handles (`lowered_by_bufferize`, as the variable ops) stay.

Unsigned integers exist only at the lamina level: `ui8` becomes signless `i8` here, in every
type of the module (function signatures, block arguments, results of the ops that stay), the
arith ops of the lowered bodies carrying the unsignedness (divui, extui, cmpi ult...). Ops are
visited in program order; a value whose type changes keeps, for its users not yet visited, an
unrealized_conversion_cast back to its lamina type, so each `lower` still sees lamina types
on its operands (and `b.remap(v)` gives the converted value). The casts are gone at the end.
"""

from __future__ import annotations

from ..ir import IRError
from ..ir import types as T
from ..ir.attributes import TypeAttr
from ..ir.builtin import UnrealizedConversionCastOp
from ..passes import Pass, register_pass
from ..passes.conversion import CAST, ConversionRewriter, TypeConverter, reconcile_casts
from .structured_builders import signless


def _convert(t):
    c = t.__class__
    if c is T.IntegerType or c is T.RankedTensorType:
        s = signless(t)
        return s if s is not t else None
    if c is T.FunctionType:
        ins, outs = [converter.convert(x) for x in t.inputs], [converter.convert(x)
                                                              for x in t.results]
        if ins != list(t.inputs) or outs != list(t.results):
            return T.FunctionType(ins, outs)
        return None
    inner = getattr(t, "tensor_type", None)  # !lamina.variable<tensor<...>>
    if inner is not None:
        s = signless(inner)
        return c(s) if s is not inner else None
    return None


converter = TypeConverter()
converter.add(_convert)


def lower_lamina_ops(root):
    """Lower every lamina op nested in `root`; raise IRError at an op with no lowering."""
    rw = ConversionRewriter(converter)
    _visit([o for o in root.walk() if o is not root], rw)
    reconcile_casts(root)


def _visit(ops, rw):
    for op in ops:
        if op.parent is None or op.name == CAST:
            continue
        if op.name.startswith("lamina.") and not getattr(op, "lowered_by_bufferize", False):
            _lower(op, rw)
        else:
            _retype(op, rw)


def _lower(op, rw):
    lower = getattr(op, "lower", None)
    if lower is None:
        raise IRError(f"no lowering for '{op.name}'", op.loc)
    rw.set_insertion_point_before(op)
    before, after = op.prev, op.next
    values = lower(rw)
    block = op.parent
    rw.replace_op(op, values)
    new = []
    o = before.next if before is not None else block.first
    while o is not after:
        new.append(o)
        o = o.next
    for n in new:
        for inner in n.walk():
            if inner.loc is None:
                inner.loc = op.loc
    # what the lowering built may hold lamina ops (a composite op, or regions moved from the
    # op) and lamina types (results of ops built with the op's types): both are converted
    _visit([i for n in new for i in n.walk()], rw)


def _retype(op, rw):
    """Give a non-lamina op converted operand, result, block argument and type-attribute
    types."""
    rw.set_insertion_point_before(op)
    for i, v in enumerate(op.operands):
        nv = rw.remap(v)
        if nv is not v:
            op.set_operand(i, nv)
    for k, a in list(op.properties.items()):
        if a.__class__ is TypeAttr:
            t = converter.convert(a.value)
            if t != a.value:
                op.properties[k] = TypeAttr(t)
    for r in op.regions:
        for b in r.blocks:
            rw.convert_block_signature(b)
    for r in op.results:
        t = converter.convert(r.type)
        if t == r.type:
            continue
        old, r.type = r.type, t
        if r.uses:
            uses = list(r.uses)
            c = UnrealizedConversionCastOp([r], result_types=[old])
            op.parent.insert_after(op, c)
            res = c.results[0]
            for u in uses:
                u.owner.operands[u.index] = res
                res.uses.append(u)
            r.uses = [u for u in r.uses if u.owner is c]


@register_pass
class ConvertLaminaToStructured(Pass):
    argument = "convert-lamina-to-structured"
    title = "ConvertLaminaToStructured"
    summary = "Lower lamina ops to structured.generic on tensors (unsigned types to signless)"

    def run(self, op):
        lower_lamina_ops(op)
