"""`convert-structured-to-loops`: each structured.generic on memrefs becomes its loop nest.

Parallel dimensions become one scf.parallel (so the GPU path can map them to threads), the
reduction dimensions scf.for loops inside it. Each iteration loads the input elements through
the indexing maps, runs the body, and stores the yielded values through the output maps. Loop
bounds come from an operand dimension that a map indexes by the bare loop index.
"""

from __future__ import annotations

from ..ir import IRError
from ..ir import registry
from ..ir import types as T
from ..ir.affine import AffineConst, AffineDim, AffineSymbol
from ..ir.attributes import IntegerAttr
from ..passes import Pass, register_pass
from ..ir.rewrite import PatternRewriter

PARALLEL = "parallel"


def _op(name):
    return registry.OPS[name]


def index_const(rw, value):
    return rw.insert(_op("arith.constant")(value=IntegerAttr(value, T.index))).results[0]


def emit_affine(rw, expr, dims, cache):
    """Arith ops computing `expr` from the loop indices `dims` (constants shared via `cache`)."""
    c = expr.__class__
    if c is AffineDim:
        return dims[expr.position]
    if c is AffineConst:
        v = cache.get(expr.value)
        if v is None:
            v = cache[expr.value] = index_const(rw, expr.value)
        return v
    if c is AffineSymbol:
        raise IRError("affine symbols are not supported in structured indexing maps")
    a = emit_affine(rw, expr.lhs, dims, cache)
    b = emit_affine(rw, expr.rhs, dims, cache)
    kind = expr.kind
    if kind == "+":
        return rw.insert(_op("arith.addi")(a, b)).results[0]
    if kind == "*":
        return rw.insert(_op("arith.muli")(a, b)).results[0]
    if kind == "floordiv":
        return rw.insert(_op("arith.floordivsi")(a, b)).results[0]
    if kind == "ceildiv":
        return rw.insert(_op("arith.ceildivsi")(a, b)).results[0]
    # affine `mod` is never negative for a positive divisor
    r = rw.insert(_op("arith.remsi")(a, b)).results[0]
    zero = emit_affine(rw, AffineConst(0), dims, cache)
    neg = rw.insert(_op("arith.cmpi").build("slt", r, zero)).results[0]
    fixed = rw.insert(_op("arith.addi")(r, b)).results[0]
    return rw.insert(_op("arith.select")(neg, fixed, r)).results[0]


def loop_bounds(rw, op):
    """One index value per loop: the size of an operand dimension indexed by that loop."""
    operands = list(op.inputs) + list(op.outputs)
    bounds = [None] * op.num_loops
    for v, m in zip(operands, op.maps):
        if not isinstance(v.type, T.MemRefType):
            continue
        for k, e in enumerate(m.results):
            if e.__class__ is AffineDim and bounds[e.position] is None:
                d = v.type.shape[k]
                if d != T.DYNAMIC:
                    bounds[e.position] = index_const(rw, d)
                else:
                    bounds[e.position] = rw.insert(
                        _op("memref.dim")(v, index_const(rw, k))).results[0]
    for i, b in enumerate(bounds):
        if b is None:
            raise IRError(f"loop {i} of the structured.generic is not the bare index of any "
                          f"operand dimension, so its trip count is unknown", op.loc)
    return bounds


def lower_generic(rw, op):
    if op.results:
        raise IRError("structured.generic must be bufferized (memref operands, no results) "
                      "before convert-structured-to-loops", op.loc)
    rw.set_insertion_point_before(op)
    ivs = loop_nest(rw, op, loop_bounds(rw, op))
    emit_body(rw, op, ivs)
    op.erase()


def loop_nest(rw, op, bounds, skip=None):
    """The loops of `op` but loop `skip` (whose index is left None): an scf.parallel over the
    parallel ones, scf.for loops over the reductions inside it. Returns the loop indices and
    leaves `rw` inserting in the innermost body."""
    its = op.iterators
    par = [d for d, it in enumerate(its) if it == PARALLEL and d != skip]
    red = [d for d, it in enumerate(its) if it != PARALLEL and d != skip]
    zero = index_const(rw, 0)
    one = index_const(rw, 1)
    ivs = [None] * len(its)
    if par:
        p = rw.insert(_op("scf.parallel").build([zero] * len(par), [bounds[d] for d in par],
                                               [one] * len(par), loc=op.loc))
        for d, iv in zip(par, p.induction_vars):
            ivs[d] = iv
        rw.set_insertion_point_before(p.body.last)
    for d in red:
        f = rw.insert(_op("scf.for").build(zero, bounds[d], one, loc=op.loc))
        ivs[d] = f.induction_var
        rw.set_insertion_point_before(f.body.last)
    return ivs


def emit_body(rw, op, ivs):
    """One iteration of generic `op` at loop indices `ivs`: load the elements its body reads,
    clone the body, store what it yields."""
    block = op.block
    ins = list(op.inputs)
    outs = list(op.outputs)
    maps = op.maps
    cache = {}
    mapping = {}
    indices = []
    for v, m in zip(ins + outs, maps):
        indices.append([emit_affine(rw, e, ivs, cache) for e in m.results]
                       if isinstance(v.type, T.MemRefType) else None)
    for i, (v, arg) in enumerate(zip(ins + outs, block.args)):
        if not arg.uses:
            continue
        if indices[i] is None:
            mapping[arg] = v  # a scalar input
        else:
            mapping[arg] = rw.insert(_op("memref.load")(v, indices[i])).results[0]
    for inner in block:
        if inner is block.last:
            break
        if inner.name == "structured.index":
            mapping[inner.results[0]] = ivs[inner.properties["dim"].value]
            continue
        rw.insert(inner.clone(mapping))
    for k, (v, val) in enumerate(zip(outs, block.last.operands)):
        rw.insert(_op("memref.store")(mapping.get(val, val), v, indices[len(ins) + k]))


def _identity_layout(t):
    return t.layout is None or getattr(t.layout, "is_identity", False)


def lower_strided_copy(rw, op):
    """A memref.copy with a non-identity layout on either side, as a loop nest of loads and
    stores (an identity copy stays: it becomes one memcpy)."""
    src, dst = op.operands
    rw.set_insertion_point_before(op)
    t = src.type
    sizes = [index_const(rw, d) if d != T.DYNAMIC else
             rw.insert(_op("memref.dim")(src, index_const(rw, i))).results[0]
             for i, d in enumerate(t.shape)]
    if t.rank:
        zero, one = index_const(rw, 0), index_const(rw, 1)
        p = rw.insert(_op("scf.parallel").build([zero] * t.rank, sizes, [one] * t.rank,
                                               loc=op.loc))
        rw.set_insertion_point_before(p.body.last)
        ivs = list(p.induction_vars)
    else:
        ivs = []
    v = rw.insert(_op("memref.load")(src, ivs)).results[0]
    rw.insert(_op("memref.store")(v, dst, ivs))
    op.erase()


@register_pass
class ConvertStructuredToLoops(Pass):
    argument = "convert-structured-to-loops"
    title = "ConvertStructuredToLoops"
    summary = "Expand structured.generic on memrefs into scf.parallel/scf.for loop nests"

    def run(self, op):
        rw = PatternRewriter()
        for g in [o for o in op.walk() if o.name == "structured.generic"]:
            lower_generic(rw, g)
        for c in [o for o in op.walk() if o.name == "memref.copy"]:
            if not (_identity_layout(c.operands[0].type) and _identity_layout(c.operands[1].type)):
                lower_strided_copy(rw, c)
