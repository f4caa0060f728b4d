"""`structured-fuse`: elementwise producer-consumer fusion of structured.generic on tensors, as
upstream's linalg elementwise fusion does it: a generic whose result feeds another generic is
folded into it by composing indexing maps, so the pair becomes one loop nest and the
intermediate tensor never exists.

A producer qualifies when all its loops are parallel, it has one output, indexed by a
permutation (so each consumer element names one producer iteration), and its body ignores the
output's old value. The consumer reads producer element `m_c(i)` at its iteration `i`; the
producer computes that element at its iteration `p^-1(m_c(i))`, reading its own input `j` at
`m_j(p^-1(m_c(i)))`: those composed maps index the producer's inputs in the fused op, and the
producer's body runs inside the consumer's body in place of the loaded element.

Fusing recomputes the producer per consumer iteration that reads it, which is free when each
element is read once (the consumer's map is a permutation of its loops) and cheap for a small
body; otherwise, or when the producer has other users that cannot fuse it, it stays. A matmul
or a convolution (a consumer reading an operand through fewer loops than it runs) keeps its
operands as they are: recomputing them per reduction step would multiply their cost.
"""

from __future__ import annotations

from ..dialects.structured import GenericOp, PARALLEL
from ..dialects import arith
from ..dialects.memref import is_permutation
from ..ir import types as T
from ..ir.affine import AffineBinary, AffineConst, AffineDim, AffineMap
from ..ir.attributes import DenseElementsAttr, IntegerAttr
from ..passes import Pass, register_pass

# a producer body of at most this many ops (constants not counted) may be recomputed per read
CHEAP_BODY = 4


def substitute(expr, dims):
    """`expr` with each dimension d_k replaced by the expression `dims[k]`."""
    c = expr.__class__
    if c is AffineDim:
        return dims[expr.position]
    if c is AffineBinary:
        return AffineBinary(expr.kind, substitute(expr.lhs, dims), substitute(expr.rhs, dims))
    return expr


def compose(outer, inner):
    """The map `outer(inner(i))`."""
    return AffineMap(inner.num_dims, 0, [substitute(e, inner.results) for e in outer.results])


def inverse_permutation(m):
    """The inverse of a permutation map, or None when `m` is not one."""
    pos = [e.position for e in m.results if e.__class__ is AffineDim]
    if len(pos) != len(m.results) or sorted(pos) != list(range(m.num_dims)):
        return None
    inv = [None] * m.num_dims
    for k, p in enumerate(pos):
        inv[p] = AffineDim(k)
    return AffineMap(len(pos), 0, inv)


def _body_ops(g):
    return [o for o in g.block if o.name not in ("structured.yield", "arith.constant")]


def _producer(v):
    """The generic that `v` is the result of, if it is an elementwise producer that qualifies."""
    p = v.defining_op
    if p is None or p.name != "structured.generic" or len(p.outputs) != 1 or not p.results:
        return None
    if any(it != PARALLEL for it in p.iterators):
        return None
    if inverse_permutation(p.maps[-1]) is None or p.block.args[-1].uses:
        return None
    return p


def _fusable_into(p, consumer, index):
    """Whether producer `p` may be folded into input `index` of `consumer`."""
    m = consumer.maps[index]
    cheap = len(_body_ops(p)) <= CHEAP_BODY
    if all(it == PARALLEL for it in consumer.iterators):
        return is_permutation(m) or cheap
    # a reduction: fuse only where each producer element is read once (not a matmul operand)
    return is_permutation(m)


def _uses_fusable(p, consumer, index):
    """Only `consumer` reads the result, or every use is a consumer input that could take the
    producer (then the producer disappears, recomputed in each of them)."""
    r = p.results[0]
    m = consumer.maps[index]
    if all(u.owner is consumer and u.index < len(consumer.inputs) and
           consumer.maps[u.index] == m for u in r.uses):
        return True  # one consumer, which reads each element once (see `fuse`)
    if len(_body_ops(p)) > CHEAP_BODY:
        return False
    for u in r.uses:
        c = u.owner
        if c.name != "structured.generic" or u.index >= len(c.inputs) or \
                not _fusable_into(p, c, u.index):
            return False
    return True


def _covers_loops(maps, n):
    """Each loop is the bare index of some operand dimension (so its trip count is known)."""
    seen = {e.position for m in maps for e in m.results if e.__class__ is AffineDim}
    return len(seen) == n


def fuse(p, consumer, index):
    """The generic computing `consumer` with its input `index` (a result of `p`) computed in
    place (not yet inserted), or None when the maps do not allow it."""
    to_producer = compose(inverse_permutation(p.maps[-1]), consumer.maps[index])
    ins = list(consumer.inputs)
    c_maps = consumer.maps
    p_ins = list(p.inputs)
    new_ins, new_maps = [], []
    slot = {}  # (value, map) -> position among the new inputs
    c_arg, p_arg = {}, {}  # block argument of the old bodies -> new input position

    def add(v, m, arg, table):
        key = (v, m)
        if key not in slot:
            slot[key] = len(new_ins)
            new_ins.append(v)
            new_maps.append(m)
        table[arg] = slot[key]

    # every read of the producer's result through the same map takes the one fused value
    same = [k for k, v in enumerate(ins) if v is ins[index] and c_maps[k] == c_maps[index]]
    for k, v in enumerate(ins):
        if k == index:
            for j, pv in enumerate(p_ins):
                add(pv, compose(p.maps[j], to_producer), p.block.args[j], p_arg)
        elif k not in same:
            add(v, c_maps[k], consumer.block.args[k], c_arg)
    out_maps = c_maps[len(ins):]
    if not _covers_loops(new_maps + out_maps, consumer.num_loops):
        return None
    index_exprs = to_producer.results
    if any(o.name == "structured.index" and
           index_exprs[o.properties["dim"].value].__class__ not in (AffineDim, AffineConst)
           for o in p.block):
        return None

    outs = list(consumer.outputs)
    fused = GenericOp.build(new_ins, outs, new_maps + out_maps, consumer.iterators,
                            loc=consumer.loc)
    block = fused.block
    args = block.args
    mapping = {a: args[n] for a, n in p_arg.items()}
    for o in p.block:
        if o.name == "structured.yield":
            produced = mapping.get(o.operands[0], o.operands[0])
            break
        if o.name == "structured.index":
            e = index_exprs[o.properties["dim"].value]
            if e.__class__ is AffineDim:
                new = o.clone()
                new.properties["dim"] = IntegerAttr(e.position, T.i64)
            else:
                new = arith.ConstantOp(value=IntegerAttr(e.value, T.index))
            block.append(new)
            mapping[o.results[0]] = new.results[0]
            continue
        block.append(o.clone(mapping))
    mapping = {a: args[n] for a, n in c_arg.items()}
    for k in same:
        mapping[consumer.block.args[k]] = produced
    for k, a in enumerate(consumer.block.args[len(ins):]):
        mapping[a] = args[len(new_ins) + k]
    for o in consumer.block:
        block.append(o.clone(mapping))
    return fused


def _splat_value(v):
    """The scalar of a splat tensor constant `v` (a Python number), or None."""
    c = v.defining_op
    if c is None or c.name != "arith.constant" or not isinstance(v.type, T.RankedTensorType):
        return None
    a = c.properties["value"]
    if a.__class__ is not DenseElementsAttr or not a.is_splat:
        return None
    x = a.array.reshape(-1)[0]
    return float(x) if isinstance(v.type.element_type, T.FloatType) else int(x)


def fold_constant_inputs(g):
    """Splat tensor constants read by `g` become scalar constants in its body (as upstream's
    fusion folds them), so no loop loads them. Returns the new op, or None if none."""
    ins = list(g.inputs)
    maps = g.maps
    splats = {}
    for k, v in enumerate(ins):
        x = _splat_value(v)
        rest = [maps[j] for j in range(len(maps)) if j != k and j not in splats]
        # a loop whose only bare index is into this constant would lose its trip count
        if x is not None and _covers_loops(rest, g.num_loops):
            splats[k] = x
    if not splats:
        return None
    keep = [k for k in range(len(ins)) if k not in splats]
    new = GenericOp.build([ins[k] for k in keep], list(g.outputs),
                          [maps[k] for k in keep] + maps[len(ins):], g.iterators, loc=g.loc)
    args = new.block.args
    mapping = {g.block.args[k]: args[n] for n, k in enumerate(keep)}
    for k, x in splats.items():
        c = arith.ConstantOp.build(x, g.block.args[k].type)
        new.block.append(c)
        mapping[g.block.args[k]] = c.results[0]
    for k, a in enumerate(g.block.args[len(ins):]):
        mapping[a] = args[len(keep) + k]
    for o in g.block:
        new.block.append(o.clone(mapping))
    _replace(g, new)
    return new


def _replace(old, new):
    old.parent.insert_before(old, new)
    for r, n in zip(old.results, new.results):
        r.replace_all_uses_with(n)
    old.erase()


def dims_from_inits(root):
    """`tensor.dim` of a generic's result reads its output's init instead (the same shape,
    as upstream's dim-of-destination canonicalization), so that shape queries do not keep a
    producer alive."""
    for d in [o for o in root.walk() if o.name == "tensor.dim"]:
        g = d.operands[0].defining_op
        if g is not None and g.name == "structured.generic":
            d.set_operand(0, g.outputs[d.operands[0].index])


def fuse_in(root):
    """Fuse producers into consumers nested in `root` until none is left; returns how many
    producers were folded."""
    dims_from_inits(root)
    count = 0
    changed = True
    while changed:
        changed = False
        for c in [o for o in root.walk() if o.name == "structured.generic"]:
            if c.parent is None:
                continue
            for index, v in enumerate(c.inputs):
                p = _producer(v)
                if p is None or not _fusable_into(p, c, index) or \
                        not _uses_fusable(p, c, index):
                    continue
                fused = fuse(p, c, index)
                if fused is None:
                    continue
                _replace(c, fused)
                if not p.results[0].uses:
                    p.erase()
                count += 1
                changed = True
                break
    return count


@register_pass
class StructuredFuse(Pass):
    argument = "structured-fuse"
    title = "StructuredElementwiseFusion"
    summary = "Fuse elementwise structured.generic producers into their consumers"

    def run(self, op):
        fuse_in(op)
        for g in [o for o in op.walk() if o.name == "structured.generic"]:
            fold_constant_inputs(g)


__all__ = ["fuse", "fuse_in", "dims_from_inits", "fold_constant_inputs", "compose",
           "inverse_permutation", "substitute"]
