"""`structured-vectorize`: structured.generic on memrefs whose innermost loop can run 16 lanes
at a time becomes its loop nest with a vector loop inside (vector.load, arith/math on
vectors, vector.store; a vector accumulator and one vector.reduction for a reduction), then a
scalar loop for the remainder. Generics it does not take are left to
convert-structured-to-loops.

The innermost loop `d` qualifies when every memref operand either reads along it contiguously
(its last index is `d`, no other index mentions `d`, and its last stride is 1) or not at all
(then its element is loaded once per vector iteration and broadcast), and the body is made of
arith and math ops that have vector forms. A parallel `d` needs its outputs read along it; a
reduction `d` needs outputs that do not depend on it and a body whose only use of each
output element is one combining op (addf, maximumf, ...) whose result is yielded: the vector
loop carries a vector of partial results from the combining op's identity, reduced once at
the end and combined with the output's old value.

16 lanes: one AVX-512 register of f32; wider element types span more registers, which LLVM
legalizes.
"""

from __future__ import annotations

from ..dialects import arith, memref, scf, vector
from ..dialects.structured import PARALLEL
from ..ir import types as T
from ..ir.affine import AffineBinary, AffineDim
from ..ir.rewrite import PatternRewriter
from ..passes import Pass, register_pass
from .structured_to_loops import emit_affine, emit_body, index_const, loop_bounds, loop_nest

LANES = 16
ACCUMULATORS = 4  # a power of two
COLUMN_TILE = 2048  # elements of the vector loop per tile, when reductions run around it:
# long runs of a row stream well (measured: 256 gave a third of the bandwidth of 2048)

# math ops whose llvm lowering is an intrinsic that takes vectors (not a C library call)
_VECTOR_MATH = {"math.absf", "math.ceil", "math.floor", "math.cos", "math.sin", "math.tanh",
                "math.exp", "math.exp2", "math.log", "math.log2", "math.log10", "math.sqrt",
                "math.round", "math.roundeven", "math.trunc", "math.powf", "math.copysign",
                "math.fma", "math.rsqrt", "math.absi"}
_SCALAR_ONLY = {"arith.index_cast", "arith.index_castui"}


def _int_identity(kind, width):
    top = 1 << width
    return {"add": 0, "mul": 1, "maxsi": -(top >> 1), "minsi": (top >> 1) - 1, "maxui": 0,
            "minui": top - 1, "and": top - 1, "or": 0, "xor": 0}[kind]


# combining op -> (vector.reduction kind, identity: float, or a function of the width)
_COMBINING = {
    "arith.addf": ("add", 0.0), "arith.mulf": ("mul", 1.0),
    "arith.maximumf": ("maximumf", float("-inf")), "arith.minimumf": ("minimumf", float("inf")),
    "arith.maxnumf": ("maxnumf", float("-inf")), "arith.minnumf": ("minnumf", float("inf")),
    "arith.addi": ("add", None), "arith.muli": ("mul", None), "arith.maxsi": ("maxsi", None),
    "arith.minsi": ("minsi", None), "arith.maxui": ("maxui", None),
    "arith.minui": ("minui", None), "arith.andi": ("and", None), "arith.ori": ("or", None),
    "arith.xori": ("xor", None),
}


def _mentions(expr, d):
    c = expr.__class__
    if c is AffineDim:
        return expr.position == d
    if c is AffineBinary:
        return _mentions(expr.lhs, d) or _mentions(expr.rhs, d)
    return False


def _unit_last_stride(t):
    if t.layout is None or getattr(t.layout, "is_identity", False):
        return True
    try:
        strides, _ = t.strides_and_offset()
    except ValueError:
        return False
    return strides[-1] == 1


def _access(v, m, d):
    """How operand `v` (indexed by map `m`) is read along loop `d`: "uniform" (not at all),
    "contiguous", or None (any other way: not vectorizable)."""
    if not isinstance(v.type, T.MemRefType):
        return "uniform"
    uses = [_mentions(e, d) for e in m.results]
    if not any(uses):
        return "uniform"
    last = m.results[-1]
    if last.__class__ is AffineDim and last.position == d and not any(uses[:-1]) and \
            _unit_last_stride(v.type):
        return "contiguous"
    return None


def _vectorizable_type(t):
    return (t.__class__ is T.FloatType and t.name in ("f32", "f64")) or \
        (t.__class__ is T.IntegerType and t.width in (8, 16, 32, 64))


def _combining(op, out_index):
    """For a reduction along the innermost loop: (combining op, position of the output's
    element among its operands), or None when the body does not have that form."""
    arg = op.block.args[len(op.inputs) + out_index]
    yielded = op.block.last.operands[out_index]
    c = yielded.defining_op
    if c is None or c.name not in _COMBINING or c.parent is not op.block or \
            len(arg.uses) != 1 or arg.uses[0].owner is not c or len(yielded.uses) != 1:
        return None
    return c, arg.uses[0].index


def plan(op):
    """(innermost loop, accesses, combining ops or None) when `op` vectorizes, else None."""
    if op.results or op.num_loops == 0:
        return None
    d = op.num_loops - 1
    operands = list(op.inputs) + list(op.outputs)
    bare = {e.position for v, m in zip(operands, op.maps) if isinstance(v.type, T.MemRefType)
            for e in m.results if e.__class__ is AffineDim}
    if len(bare) != op.num_loops:  # a loop's trip count is not an operand's size: left as is
        return None
    access = [_access(v, m, d) for v, m in zip(operands, op.maps)]
    if None in access:
        return None
    for v in operands:
        if isinstance(v.type, T.MemRefType) and not _vectorizable_type(v.type.element_type):
            return None
    for inner in op.block:
        name = inner.name
        if name == "structured.yield":
            continue
        if not (name.startswith("arith.") and name not in _SCALAR_ONLY or name in _VECTOR_MATH):
            return None
        if any(not _vectorizable_type(getattr(r.type, "element_type", r.type)) and
               r.type != T.i1 for r in inner.results):
            return None
    outs = access[len(op.inputs):]
    if op.iterators[d] == PARALLEL:
        return (d, access, None) if all(a == "contiguous" for a in outs) else None
    if any(a != "uniform" for a in outs):
        return None
    combining = [_combining(op, k) for k in range(len(op.outputs))]
    return None if None in combining else (d, access, combining)


class _VectorBody:
    """Emits one vector iteration of a generic's body at loop index `ivs` (ivs[d] the first
    lane): scalars that do not vary along `d` stay scalars, broadcast where a vector op
    needs them."""

    def __init__(self, rw, op, access, ivs, reduction=False):
        self.rw = rw
        self.op = op
        self.vectors = {}  # value of the body -> vector value
        self.scalars = {}  # value of the body -> scalar value (the same in every lane)
        self.broadcasts = {}
        operands = list(op.inputs) + list(op.outputs)
        cache = {}
        self.indices = [[emit_affine(rw, e, ivs, cache) for e in m.results]
                        if isinstance(v.type, T.MemRefType) else None
                        for v, m in zip(operands, op.maps)]
        for k, (v, a, arg) in enumerate(zip(operands, access, op.block.args)):
            # a reduction's output element is the accumulator, which the loop carries
            if not arg.uses or (reduction and k >= len(op.inputs)):
                continue
            if self.indices[k] is None:
                self.scalars[arg] = v
            elif a == "uniform":
                self.scalars[arg] = self._ins(memref.LoadOp(v, self.indices[k]))
            else:
                vt = T.VectorType((LANES,), v.type.element_type)
                self.vectors[arg] = self._ins(vector.LoadOp(vt, v, self.indices[k]))

    def _ins(self, o):
        return self.rw.insert(o).results[0]

    def vec(self, v):
        """`v` as a vector (broadcast once if it is a scalar)."""
        if v in self.vectors:
            return self.vectors[v]
        s = self.scalars.get(v, v)
        b = self.broadcasts.get(s)
        if b is None:
            b = self.broadcasts[s] = self._ins(vector.BroadcastOp(
                s, result_types=[T.VectorType((LANES,), s.type)]))
        return b

    def emit(self, inner, skip=()):
        """Clone body op `inner`: as a scalar op if none of its operands varies, else on
        vectors."""
        if inner in skip:
            return
        if all(v not in self.vectors for v in inner.operands):
            new = self.rw.insert(inner.clone(dict(self.scalars)))
            for r, n in zip(inner.results, new.results):
                self.scalars[r] = n
            return
        new = inner.clone({v: self.vec(v) for v in inner.operands})
        for r in new.results:
            r.type = T.VectorType((LANES,), r.type)
        self.rw.insert(new)
        for r, n in zip(inner.results, new.results):
            self.vectors[r] = n


def _identity(kind_and_identity, et):
    kind, ident = kind_and_identity
    if ident is None:
        ident = _int_identity(kind, et.width)
        if ident >= 1 << (et.width - 1):  # as a signed value of the type
            ident -= 1 << et.width
    return arith.ConstantOp.build(ident, et)


def _loop_body(loop, yielded=()):
    """A rewriter inserting into `loop`'s body, before its yield (added if missing)."""
    y = loop.body.last
    if y is None or y.name != "scf.yield":
        y = loop.body.append(scf.YieldOp(list(yielded)))
    rw = PatternRewriter()
    rw.set_insertion_point_before(y)
    return rw, y


def _combine(rw, c, acc_pos, acc, x):
    """Combining op `c` cloned onto `acc` (in its accumulator's position) and `x`."""
    ops = [acc, x] if acc_pos == 0 else [x, acc]
    new = rw.insert(c.clone(dict(zip(c.operands, ops))))
    new.results[0].type = acc.type
    return new.results[0]


def _vector_loop(rw, op, access, ivs, d, lo, hi, copies, combining, accs):
    """An scf.for from `lo` to `hi` running `copies` vector iterations of the body per step
    (each with its own accumulators, `accs` holding `copies` groups of one per output for a
    reduction); returns it."""
    step = index_const(rw, LANES * copies)
    if combining is None:  # its iterations are independent: the cores may share them
        loop = rw.insert(scf.ParallelOp.build([lo], [hi], [step], loc=op.loc))
        inner = PatternRewriter()
        inner.set_insertion_point_before(loop.body.last)
        iv0 = loop.induction_vars[0]
    else:
        loop = rw.insert(scf.ForOp.build(lo, hi, step, accs, loc=op.loc))
        inner, y = _loop_body(loop)
        iv0 = loop.induction_var
    n_in, k = len(op.inputs), len(op.outputs)
    skip = {c for c, _ in combining or ()}
    new_accs = []
    for j in range(copies):
        iv = iv0
        if j:
            iv = inner.insert(arith.AddIOp(iv, index_const(inner, j * LANES))).results[0]
        body = _VectorBody(inner, op, access, ivs[:d] + [iv] + ivs[d + 1:],
                           combining is not None)
        for o in op.block:
            if o is not op.block.last:
                body.emit(o, skip)
        if combining is None:
            for m, (v, val) in enumerate(zip(op.outputs, op.block.last.operands)):
                inner.insert(vector.StoreOp(body.vec(val), v, body.indices[n_in + m]))
            continue
        for m, (c, pos) in enumerate(combining):
            new_accs.append(_combine(inner, c, pos, loop.iter_args[j * k + m],
                                     body.vec(c.operands[1 - pos])))
    if combining is not None:
        y.set_operands(new_accs)
    return loop


def _multiple(rw, lo, hi, m):
    """The end of the longest run from `lo` towards `hi` whose length is a multiple of `m`."""
    span = rw.insert(arith.SubIOp(hi, lo)).results[0]
    rem = rw.insert(arith.RemSIOp(span, index_const(rw, m))).results[0]
    return rw.insert(arith.SubIOp(hi, rem)).results[0]


def _column_tile(rw, op, n):
    """An scf.parallel over tiles of COLUMN_TILE elements of the innermost loop, left as the
    insertion point; returns the tile's bounds."""
    t = rw.insert(scf.ParallelOp.build(
        [index_const(rw, 0)],
        [rw.insert(arith.CeilDivSIOp(n, index_const(rw, COLUMN_TILE))).results[0]],
        [index_const(rw, 1)], loc=op.loc))
    rw.set_insertion_point_before(t.body.last)
    lo = rw.insert(arith.MulIOp(t.induction_vars[0], index_const(rw, COLUMN_TILE))).results[0]
    end = rw.insert(arith.AddIOp(lo, index_const(rw, COLUMN_TILE))).results[0]
    return lo, rw.insert(arith.MinSIOp(end, n)).results[0]


def vectorize(rw, op, d, access, combining):
    """Replace `op` by its loop nest, loop `d` innermost: vector loops over the multiples of
    LANES, then a scalar loop over the rest. A reduction first runs ACCUMULATORS independent
    vector accumulators (a combining op's latency would otherwise bound the loop), merges
    them, and goes on with one. A parallel `d` inside reductions (a column sum) runs in
    tiles of COLUMN_TILE, the reductions inside each tile (whose outputs stay in cache)."""
    rw.set_insertion_point_before(op)
    bounds = loop_bounds(rw, op)
    n = bounds[d]
    lo, hi = index_const(rw, 0), n
    if combining is None and any(it != PARALLEL for it in op.iterators):
        # the reductions run inside: tiles of the vector loop are what the cores can share
        lo, hi = _column_tile(rw, op, n)
    ivs = loop_nest(rw, op, bounds, skip=d)
    vend = _multiple(rw, lo, hi, LANES)
    if combining is None:
        _vector_loop(rw, op, access, ivs, d, lo, vend, 1, None, [])
    else:
        inits = []
        for c, _ in combining:
            ident = rw.insert(_identity(_COMBINING[c.name], c.results[0].type)).results[0]
            inits.append(rw.insert(vector.BroadcastOp(
                ident, result_types=[T.VectorType((LANES,), ident.type)])).results[0])
        wide_end = _multiple(rw, lo, hi, LANES * ACCUMULATORS)
        wide = _vector_loop(rw, op, access, ivs, d, lo, wide_end, ACCUMULATORS, combining,
                            inits * ACCUMULATORS)
        k = len(combining)
        parts = [list(wide.results[m::k]) for m in range(k)]
        merged = []
        for (c, pos), group in zip(combining, parts):
            while len(group) > 1:
                group = [_combine(rw, c, pos, group[i], group[i + 1])
                         for i in range(0, len(group), 2)]
            merged.append(group[0])
        narrow = _vector_loop(rw, op, access, ivs, d, wide_end, vend, 1, combining, merged)
        cache = {}
        n_in = len(op.inputs)
        for m, ((c, pos), part) in enumerate(zip(combining, narrow.results)):
            s = rw.insert(vector.ReductionOp(_COMBINING[c.name][0], part)).results[0]
            out = op.outputs[m]
            idx = [emit_affine(rw, e, ivs, cache) for e in op.maps[n_in + m].results]
            old = rw.insert(memref.LoadOp(out, idx)).results[0]
            rw.insert(memref.StoreOp(_combine(rw, c, pos, old, s), out, idx))
    tail = rw.insert(scf.ForOp.build(vend, hi, index_const(rw, 1), loc=op.loc))
    tail_rw, _ = _loop_body(tail)
    emit_body(tail_rw, op, ivs[:d] + [tail.induction_var] + ivs[d + 1:])
    op.erase()


def vectorize_in(root):
    """Vectorize every generic nested in `root` that qualifies; returns how many."""
    rw = PatternRewriter()
    count = 0
    for g in [o for o in root.walk() if o.name == "structured.generic"]:
        p = plan(g)
        if p is not None:
            vectorize(rw, g, *p)
            count += 1
    return count


@register_pass
class StructuredVectorize(Pass):
    argument = "structured-vectorize"
    title = "StructuredVectorize"
    summary = "Vectorize the innermost loop of structured.generic on memrefs (16 lanes)"

    def run(self, op):
        vectorize_in(op)


__all__ = ["LANES", "plan", "vectorize", "vectorize_in"]
