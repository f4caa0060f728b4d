"""Lowering helpers of the `lamina` dialect's shape, nn, random, control and io ops (the
elementwise, reduction and linalg ops use `structured_builders`, whose conventions hold here):
each function builds, through a rewriter `b` (anything with `insert(op) -> op`), the
structured-level ops for one lamina op, from structured-level values (`b.remap(v)` of the lamina
operands) and the lamina result type, and returns the replacement.

Sizes and offsets are "mixed": a Python int where the type knows them, an index Value where
only run time does; `Ix` does index arithmetic on such values and folds what it can, so static
shapes lower to constants and no run-time arithmetic.

Unsigned element types (`ui8`) of the lamina level become signless below it (`signless`); the
ops whose meaning depends on signedness look at the lamina type before it is converted.
"""

from __future__ import annotations

import math

import numpy as np

from ..dialects import arith, cf, func, math as math_d, memref, tensor
from ..dialects.lamina_ops.nn import window_geometry
from ..dialects.lamina_ops.random import MANTISSA_BITS, PHILOX_M, PHILOX_ROUNDS, PHILOX_W
from ..ir import types as T
from ..ir.affine import AffineConst, AffineDim, AffineMap
from ..ir.attributes import DenseElementsAttr, StringAttr, SymbolRefAttr, TypeAttr
from ..ir.rewrite import PatternRewriter
from .structured_builders import (PARALLEL, REDUCTION, compare_scalar_op, const, expand_if_one,
                                  generic, index_cast, index_const, is_float, is_unsigned,
                                  loop_index, lowest, select, shape_str, signless)

DYN = T.DYNAMIC


def before(anchor):
    """A rewriter inserting before `anchor`."""
    rw = PatternRewriter()
    rw.set_insertion_point_before(anchor)
    return rw


def _r(b, new_op):
    return b.insert(new_op).results[0]


def check(b, ok, message):
    """An assertion of compiled code (the runtime raises InvalidArgumentError(message)); `ok`
    an i1 Value or a Python bool known when compiling."""
    if ok is True:
        return
    if ok is False:
        ok = const(b, 0, T.i1)
    b.insert(cf.AssertOp(ok, msg=StringAttr(message)))


class Ix:
    """Index arithmetic on mixed values (Python ints, folded, and index Values)."""

    def __init__(self, b):
        self.b = b

    def v(self, x):
        return index_const(self.b, x) if isinstance(x, int) else x

    def _bin(self, x, y, fold, cls):
        if isinstance(x, int) and isinstance(y, int):
            return fold(x, y)
        return _r(self.b, cls(self.v(x), self.v(y)))

    def add(self, x, y):
        if isinstance(y, int) and y == 0:
            return x
        if isinstance(x, int) and x == 0:
            return y
        return self._bin(x, y, lambda p, q: p + q, arith.AddIOp)

    def sub(self, x, y):
        if isinstance(y, int) and y == 0:
            return x
        return self._bin(x, y, lambda p, q: p - q, arith.SubIOp)

    def mul(self, x, y):
        if isinstance(y, int) and y in (0, 1):
            return x if y else 0
        if isinstance(x, int) and x in (0, 1):
            return y if x else 0
        return self._bin(x, y, lambda p, q: p * q, arith.MulIOp)

    def floordiv(self, x, y):
        if isinstance(y, int) and y == 1:
            return x
        return self._bin(x, y, lambda p, q: p // q, arith.FloorDivSIOp)

    def ceildiv(self, x, y):
        if isinstance(y, int) and y == 1:
            return x
        return self._bin(x, y, lambda p, q: -(-p // q), arith.CeilDivSIOp)

    def rem(self, x, y):
        return self._bin(x, y, lambda p, q: p % q, arith.RemSIOp)

    def min(self, x, y):
        return self._bin(x, y, min, arith.MinSIOp)

    def max(self, x, y):
        return self._bin(x, y, max, arith.MaxSIOp)

    def product(self, xs):
        out = 1
        for x in xs:
            out = self.mul(out, x)
        return out

    def cmp(self, pred, x, y):
        """An i1 Value, or a Python bool where both sides are ints."""
        if isinstance(x, int) and isinstance(y, int):
            return {"eq": x == y, "ne": x != y, "slt": x < y, "sle": x <= y, "sgt": x > y,
                    "sge": x >= y}[pred]
        return _r(self.b, arith.CmpIOp.build(pred, self.v(x), self.v(y)))

    def select(self, c, x, y):
        if c is True or c is False:
            return x if c else y
        return _r(self.b, arith.SelectOp.build(c, self.v(x), self.v(y)))

    def and_(self, c, d):
        if c is True or d is False:
            return d
        if d is True or c is False:
            return c
        return _r(self.b, arith.AndIOp(c, d))


# -- tensors ------------------------------------------------------------------------------------

def size(b, v, k):
    """Dimension k of tensor `v`: an int, or a tensor.dim Value."""
    d = v.type.shape[k]
    if d != DYN:
        return d
    return _r(b, tensor.DimOp(v, index_const(b, k)))


def sizes_of(b, v):
    return [size(b, v, k) for k in range(v.type.rank)]


def mixed_type(sizes, et):
    """The tensor type of mixed `sizes`."""
    return T.RankedTensorType([s if isinstance(s, int) else DYN for s in sizes], et)


def empty(b, sizes, et):
    """A tensor.empty of mixed `sizes`."""
    return _r(b, tensor.EmptyOp.build(mixed_type(sizes, et),
                                      [s for s in sizes if not isinstance(s, int)]))


def fill(b, sizes, value, et):
    """A tensor of mixed `sizes` holding the number `value` everywhere."""
    rank = len(sizes)
    return generic(b, [], [empty(b, sizes, et)], [AffineMap.identity(rank)], [PARALLEL] * rank,
                   lambda bb, args: [const(bb, value, et)])[0]


def extract(b, t, indices):
    """The element of tensor `t` at mixed `indices`."""
    ix = Ix(b)
    return _r(b, tensor.ExtractOp(t, [ix.v(i) for i in indices]))


def extract_index(b, t, indices=()):
    """An integer tensor's element as an index (a dynamic bound or size)."""
    e = extract(b, t, indices)
    return _r(b, arith.IndexCastOp.build(e, T.index))


def cast(b, v, t):
    """`v` as the compatible tensor type `t`."""
    return v if v.type == t else _r(b, tensor.CastOp(v, result_types=[t]))


def insert_slice(b, source, dest, offsets, sizes, strides=None):
    strides = strides if strides is not None else [1] * len(offsets)
    return _r(b, tensor.InsertSliceOp.build(source, dest, offsets, sizes, strides))


def _identity_yield(bb, args):
    return [args[0]]


# -- control flow -------------------------------------------------------------------------------

def replace_yield(block, terminator, types):
    """Swap the block's lamina.yield for a `terminator` (an op class), casting the yielded
    values to the `types` they stand for."""
    y = block.last
    rw = before(y)
    values = [cast(rw, v, t) for v, t in zip(y.operands, types)]
    block.insert_before(y, terminator(values))
    y.erase()


# -- shape ops ---------------------------------------------------------------------------------
# These take structured-level values (`b.remap(v)`) and the lamina result type.

def reshape(b, x, out_t):
    """The elements of `x` in row-major order in the shape of `out_t` (at most one `?`: the
    number of elements divided by the other dimensions)."""
    out_t = signless(out_t)
    if x.type == out_t:
        return x
    ix = Ix(b)
    total = ix.product(sizes_of(b, x))
    known = math.prod(d for d in out_t.shape if d != DYN)
    free = out_t.num_dynamic_dims == 1
    ok = ix.cmp("eq", ix.rem(total, known), 0) if free else ix.cmp("eq", total, known)
    check(b, ok, f"Input to reshape is a tensor whose number of values does not fit the "
                 f"requested shape {shape_str(out_t.shape)}")
    et = x.type.element_type
    rank = x.type.rank
    if rank == 0:
        flat = _r(b, tensor.ExpandShapeOp.build(T.RankedTensorType([1], et), x, [], [1]))
    elif rank == 1:
        flat = x
    else:
        flat = _r(b, tensor.CollapseShapeOp.build(x, [list(range(rank))]))
    # the 1-D form is dynamic exactly where the result is
    flat = cast(b, flat, T.RankedTensorType([DYN if free else known], et))
    if out_t.rank == 0:
        return _r(b, tensor.CollapseShapeOp.build(flat, []))
    if out_t.rank == 1:
        return cast(b, flat, out_t)
    shape = [ix.floordiv(total, known) if d == DYN else d for d in out_t.shape]
    return _r(b, tensor.ExpandShapeOp.build(out_t, flat, [list(range(out_t.rank))], shape))


def transpose(b, x, perm, out_t):
    if perm == sorted(perm):
        return cast(b, x, signless(out_t))
    rank = len(perm)
    inv = [0] * rank
    for k, p in enumerate(perm):
        inv[p] = k
    init = empty(b, [size(b, x, p) for p in perm], x.type.element_type)
    maps = [AffineMap(rank, 0, [AffineDim(inv[m]) for m in range(rank)]),
            AffineMap.identity(rank)]
    res = generic(b, [x], [init], maps, [PARALLEL] * rank, _identity_yield)[0]
    return cast(b, res, signless(out_t))


def _joined_sizes(b, xs, skip, what):
    """The common sizes of `xs` outside dimension `skip` (static where any input's is), with a
    run-time check of each dynamic size against them."""
    ix = Ix(b)
    rank = xs[0].type.rank
    sizes = []
    for k in range(rank):
        static = [x.type.shape[k] for x in xs if x.type.shape[k] != DYN]
        sizes.append(None if k == skip else static[0] if static else size(b, xs[0], k))
    for x in xs:
        for k in range(rank):
            if k != skip and x.type.shape[k] == DYN and sizes[k] is not None:
                check(b, ix.cmp("eq", size(b, x, k), sizes[k]),
                      f"{what} : Dimensions of inputs should match")
    return sizes


def concat(b, xs, axis, out_t):
    out_t = signless(out_t)
    if len(xs) == 1:
        return cast(b, xs[0], out_t)
    ix = Ix(b)
    sizes = _joined_sizes(b, xs, axis, "ConcatOp")
    along = [size(b, x, axis) for x in xs]
    sizes[axis] = 0
    for a in along:
        sizes[axis] = ix.add(sizes[axis], a)
    res = empty(b, sizes, out_t.element_type)
    offsets = [0] * len(sizes)
    for i, x in enumerate(xs):
        if i:
            offsets[axis] = ix.add(offsets[axis], along[i - 1])
        res = insert_slice(b, x, res, offsets, sizes_of(b, x))
    return cast(b, res, out_t)


def stack(b, xs, axis, out_t):
    """Each input is a rank-reduced slice (size 1 at `axis`) of the result."""
    out_t = signless(out_t)
    sizes = _joined_sizes(b, xs, -1, "StackOp")
    full = sizes[:axis] + [len(xs)] + sizes[axis:]
    res = empty(b, full, out_t.element_type)
    for i, x in enumerate(xs):
        offsets = [0] * len(full)
        offsets[axis] = i
        part = cast(b, x, mixed_type(sizes, x.type.element_type))
        res = insert_slice(b, part, res, offsets, sizes[:axis] + [1] + sizes[axis:])
    return cast(b, res, out_t)


def _slice_geometry(b, full, dynamic, spec):
    """(offsets, sizes, strides, kept dimensions) of the slice `spec` (see lamina.strided_slice)
    of a tensor of mixed sizes `full`; `dynamic`: the structured-level 0-d tensors of the
    dynamic bounds. A single index is checked against its dimension, at run time where either
    is dynamic."""
    from ..dialects.lamina_ops.shape import DYNAMIC_INDEX, index_error
    ix = Ix(b)
    dyn = iter(dynamic)

    def bound(v):
        return extract_index(b, next(dyn)) if v == DYNAMIC_INDEX else v

    def wrap(i, n):  # negative indices count from the end
        return ix.select(ix.cmp("slt", i, 0), ix.add(i, n), i)

    def clamp(i, lo, hi):
        return ix.min(ix.max(i, lo), hi)

    offsets, sizes, strides, kept = [], [], [], []
    for k, n in enumerate(full):
        if k >= len(spec):
            offsets.append(0), sizes.append(n), strides.append(1), kept.append(k)
            continue
        s = spec.strides[k]
        begin = bound(spec.begin[k]) if spec.has_begin(k) else None
        end = bound(spec.end[k]) if spec.has_end(k) else None
        if spec.shrinks(k):
            i = wrap(begin, n)
            check(b, ix.and_(ix.cmp("sge", i, 0), ix.cmp("slt", i, n)),
                  index_error(begin if isinstance(begin, int) else None, k))
            offsets.append(ix.max(ix.min(i, ix.sub(n, 1)), 0))  # in bounds even if it failed
            sizes.append(1), strides.append(1)
            continue
        lo, hi = (0, n) if s > 0 else (-1, ix.sub(n, 1))
        first, last = (lo, hi) if s > 0 else (hi, lo)
        start = first if begin is None else clamp(wrap(begin, n), lo, hi)
        stop = last if end is None else clamp(wrap(end, n), lo, hi)
        span = ix.sub(stop, start) if s > 0 else ix.sub(start, stop)
        n_out = ix.max(ix.ceildiv(span, abs(s)), 0)
        offsets.append(start), sizes.append(n_out), kept.append(k)
        strides.append(1 if n_out == 1 else s)  # a stride past the end means nothing then
    return offsets, sizes, strides, kept


def strided_slice(b, x, dynamic, spec, out_t):
    """numpy's basic slicing (see lamina.strided_slice) of `x`."""
    out_t = signless(out_t)
    offsets, sizes, strides, kept = _slice_geometry(b, sizes_of(b, x), dynamic, spec)
    et = out_t.element_type
    kept_sizes = [sizes[k] for k in kept]
    if all(s > 0 for s in strides):
        res = _r(b, tensor.ExtractSliceOp.build(x, offsets, sizes, strides,
                                                mixed_type(kept_sizes, et)))
        return cast(b, res, out_t)
    # a negative step reads backwards: a gather, one input element per result element
    rank = len(kept)

    def body(bb, args):
        bix = Ix(bb)
        idx = list(offsets)
        for j, k in enumerate(kept):
            idx[k] = bix.add(offsets[k], bix.mul(loop_index(bb, j), strides[k]))
        return [extract(bb, x, idx)]
    res = generic(b, [], [empty(b, kept_sizes, et)], [AffineMap.identity(rank)],
                  [PARALLEL] * rank, body)[0]
    return cast(b, res, out_t)


def strided_slice_grad(b, dy, shape, dynamic, spec, out_t):
    """Zeros of `out_t` (its `?` sizes from the 1-D tensor `shape`) with `dy` written into the
    slice `spec`: an insert_slice, of `dy` reversed along the dimensions read backwards."""
    out_t = signless(out_t)
    et = out_t.element_type
    ix = Ix(b)
    full = _result_sizes(b, shape, out_t, [None] * out_t.rank, "StridedSliceGrad")
    offsets, sizes, strides, kept = _slice_geometry(b, full, dynamic, spec)
    kept_sizes = [sizes[k] for k in kept]
    for j, k in enumerate(kept):
        if dy.type.shape[j] == DYN or not isinstance(kept_sizes[j], int):
            check(b, ix.cmp("eq", size(b, dy, j), kept_sizes[j]),
                  f"shape of dy is not the shape of the slice: {shape_str(dy.type.shape)}")
    src = cast(b, dy, mixed_type(kept_sizes, et))
    backwards = [j for j, k in enumerate(kept) if strides[k] < 0]
    if backwards:
        rank = len(kept)

        def body(bb, args):
            bix = Ix(bb)
            idx = [loop_index(bb, j) for j in range(rank)]
            for j in backwards:
                idx[j] = bix.sub(bix.sub(kept_sizes[j], 1), idx[j])
            return [extract(bb, src, idx)]
        src = generic(b, [], [empty(b, kept_sizes, et)], [AffineMap.identity(rank)],
                      [PARALLEL] * rank, body)[0]
        for j in backwards:
            k = kept[j]
            # the lowest element written (clamped: an empty range writes nothing)
            offsets[k] = ix.max(ix.add(offsets[k], ix.mul(ix.sub(sizes[k], 1), strides[k])), 0)
            strides[k] = -strides[k]
    res = insert_slice(b, src, fill(b, full, 0, et), offsets, sizes, strides)
    return cast(b, res, out_t)


def broadcast_to(b, x, shape, out_t):
    """numpy broadcasting of `x` to `out_t`, whose `?` sizes come from the 1-D tensor `shape`
    (or else the aligned input dimension). A `?` input dimension broadcasts where it is 1 at
    run time; otherwise it must match, which is checked at run time."""
    out_t = signless(out_t)
    if x.type == out_t and (shape is None or out_t.has_static_shape):
        return x
    ix = Ix(b)
    rank, lead = out_t.rank, out_t.rank - x.type.rank
    sizes = []
    for k, d in enumerate(out_t.shape):
        if d != DYN:
            sizes.append(d)
        elif shape is not None:
            sizes.append(extract_index(b, shape, [k]))
        else:
            sizes.append(size(b, x, k - lead))
    message = (f"Unable to broadcast tensor of shape {shape_str(x.type.shape)} to tensor of "
               f"shape {shape_str(out_t.shape)}")
    exprs = []
    for j, d in enumerate(x.type.shape):
        k = j + lead
        if d == 1 and out_t.shape[k] != 1:
            exprs.append(AffineConst(0))
            continue
        exprs.append(AffineDim(k))
        if (d == DYN or out_t.shape[k] == DYN) and not (out_t.shape[k] == DYN and
                                                         shape is None):
            n = size(b, x, j)
            if d != DYN:
                check(b, ix.cmp("eq", n, sizes[k]), message)
                continue
            # a `?` of size 1 at run time broadcasts, as in TensorFlow
            one = ix.cmp("eq", n, 1)
            check(b, _r(b, arith.OrIOp(ix.cmp("eq", n, sizes[k]), one)), message)
            x = expand_if_one(b, x, j, one, ix.v(sizes[k]))
    maps = [AffineMap(rank, 0, exprs), AffineMap.identity(rank)]
    return generic(b, [x], [empty(b, sizes, out_t.element_type)], maps, [PARALLEL] * rank,
                   _identity_yield)[0]


def shape_of(b, x, out_t):
    et = out_t.element_type
    if x.type.has_static_shape:
        return _r(b, arith.ConstantOp(value=DenseElementsAttr(out_t, np.array(x.type.shape))))
    elements = [index_cast(b, Ix(b).v(d), et) for d in sizes_of(b, x)]
    return _r(b, tensor.FromElementsOp(elements, result_types=[out_t]))


# -- nn ops --------------------------------------------------------------------------------------

def _spatial(b, x, window, strides, dilations, padding):
    """Output sizes and paddings (before, total) of H and W of NHWC `x`, each mixed."""
    return _geometry(b, [size(b, x, 1), size(b, x, 2)], window, strides, dilations, padding)


def _geometry(b, hw, window, strides, dilations, padding):
    """Output sizes and paddings (before, total) of mixed H and W sizes `hw`."""
    outs, pads = [], []
    for k in (0, 1):
        out, first, total = window_geometry(Ix(b), hw[k], window[k], strides[k], dilations[k],
                                            padding)
        outs.append(out)
        pads.append((first, total))
    return outs, pads


def _pad_spatial(b, x, pads, value):
    """NHWC `x` with `pads` [(before, total)] rows and columns of `value` around H and W."""
    if all(p == (0, 0) for p in pads):
        return x
    ix = Ix(b)
    n, h, w, c = sizes_of(b, x)
    padded = fill(b, [n, ix.add(h, pads[0][1]), ix.add(w, pads[1][1]), c], value,
                  x.type.element_type)
    return insert_slice(b, x, padded, [0, pads[0][0], pads[1][0], 0], [n, h, w, c])


def _window_input_map(loops, strides, dilations, channel):
    """The map reading NHWC input under a window: (n, oh*s + kh*d, ow*s + kw*d, channel),
    loops (n, oh, ow, c, kh, kw, ...)."""
    d = [AffineDim(i) for i in range(loops)]

    def scaled(e, c):
        return e if c == 1 else e * c
    return AffineMap(loops, 0, [d[0], scaled(d[1], strides[0]) + scaled(d[4], dilations[0]),
                                scaled(d[2], strides[1]) + scaled(d[5], dilations[1]),
                                d[channel]])


def conv2d(b, x, w, strides, padding, dilations, out_t):
    """NHWC input, HWIO filter; loops (n, oh, ow, oc | kh, kw, ic), accumulating in the
    element type."""
    out_t = signless(out_t)
    et = out_t.element_type
    depth = Ix(b).cmp("eq", size(b, x, 3), size(b, w, 2))
    check(b, depth, f"input and filter must have the same depth: {shape_str(x.type.shape)} vs "
                    f"{shape_str(w.type.shape)}")
    (oh, ow), pads = _spatial(b, x, w.type.shape[:2], strides, dilations, padding)
    xp = _pad_spatial(b, x, pads, 0)
    init = fill(b, [size(b, x, 0), oh, ow, size(b, w, 3)], 0, et)
    d = [AffineDim(i) for i in range(7)]
    maps = [_window_input_map(7, strides, dilations, 6), AffineMap(7, 0, [d[4], d[5], d[6], d[3]]),
            AffineMap(7, 0, d[:4])]
    flt = et.__class__ is T.FloatType
    mul, add = (arith.MulFOp, arith.AddFOp) if flt else (arith.MulIOp, arith.AddIOp)
    res = generic(b, [xp, w], [init], maps, [PARALLEL] * 4 + [REDUCTION] * 3,
                  lambda bb, a: [_r(bb, add(a[2], _r(bb, mul(a[0], a[1]))))])[0]
    return cast(b, res, out_t)


def pool2d(b, x, ksize, strides, padding, kind, lamina_et, out_t):
    """max or avg pooling of NHWC `x` (avg divides by the number of the window's elements
    inside the input, padding excluded, as TensorFlow); `lamina_et` says how to compare."""
    out_t = signless(out_t)
    et = out_t.element_type
    (oh, ow), pads = _spatial(b, x, ksize, strides, [1, 1], padding)
    init_value = lowest(lamina_et) if kind == "max" else 0
    xp = _pad_spatial(b, x, pads, init_value)
    init = fill(b, [size(b, x, 0), oh, ow, size(b, x, 3)], init_value, et)
    window = empty(b, list(ksize), et)  # only its shape is used: the bounds of loops kh, kw
    d = [AffineDim(i) for i in range(6)]
    maps = [_window_input_map(6, strides, [1, 1], 3), AffineMap(6, 0, [d[4], d[5]]),
            AffineMap(6, 0, d[:4])]
    if kind == "max":
        cls = arith.MaximumFOp if et.__class__ is T.FloatType else (
            arith.MaxUIOp if is_unsigned(lamina_et) else arith.MaxSIOp)
    else:
        cls = arith.AddFOp
    res = generic(b, [xp, window], [init], maps, [PARALLEL] * 4 + [REDUCTION] * 2,
                  lambda bb, a: [_r(bb, cls(a[2], a[0]))])[0]
    if kind == "avg":
        res = _divide_by_window_count(b, res, [size(b, x, 1), size(b, x, 2)], ksize, strides,
                                      pads)
    return cast(b, res, out_t)


def _divide_by_window_count(b, sums, hw, ksize, strides, pads):
    """`sums` (pooled NHWC) divided by the number of each window's elements inside an input
    of height and width `hw`."""
    et = sums.type.element_type

    def body(bb, a):
        bix = Ix(bb)
        count = 1
        for k in (0, 1):
            if pads[k][1] == 0:  # no padding: every window is whole
                count = bix.mul(count, ksize[k])
                continue
            start = bix.sub(bix.mul(loop_index(bb, k + 1), strides[k]), pads[k][0])
            stop = bix.min(bix.add(start, ksize[k]), hw[k])
            count = bix.mul(count, bix.sub(stop, bix.max(start, 0)))
        count = const(bb, count, et) if isinstance(count, int) else index_cast(bb, count, et)
        return [_r(bb, arith.DivFOp(a[0], count))]
    ident = AffineMap.identity(4)
    return generic(b, [sums], [empty(b, sizes_of(b, sums), et)], [ident, ident],
                   [PARALLEL] * 4, body)[0]


# -- derivatives of the nn ops -------------------------------------------------------------------
# The scatters of the derivatives (each output element's gradient sent to the input elements
# of its window) are written as gathers: each input element sums over the window offsets
# (kh, kw) the output element whose window meets it there, if any. That output element is
# read with tensor.extract from the output extended by one zero row and column, which the
# index points at where no window meets the element: no branch, and in bounds also where the
# output is empty.

def _add(bb, x, y):
    return _r(bb, (arith.AddFOp if is_float(x.type) else arith.AddIOp)(x, y))


def _mul(bb, x, y):
    return _r(bb, (arith.MulFOp if is_float(x.type) else arith.MulIOp)(x, y))


def _extended(b, v, value):
    """NHWC `v` with one row and one column of `value` appended."""
    ix = Ix(b)
    n, h, w, c = sizes_of(b, v)
    out = fill(b, [n, ix.add(h, 1), ix.add(w, 1), c], value, v.type.element_type)
    return insert_slice(b, v, out, [0, 0, 0, 0], [n, h, w, c])


def _source(bix, i, k, stride, dilation, before, n_out):
    """The output position whose window meets input position `i` at window offset `k`
    (i + before = o * stride + k * dilation), or `n_out` (the appended row) where none does."""
    num = bix.sub(bix.add(i, before), bix.mul(k, dilation))
    o = bix.floordiv(num, stride)
    ok = bix.and_(bix.cmp("sge", num, 0), bix.cmp("slt", o, n_out))
    if stride != 1:
        ok = bix.and_(ok, bix.cmp("eq", bix.rem(num, stride), 0))
    return bix.select(ok, o, n_out)


def _result_sizes(b, sizes_t, out_t, known, what):
    """The mixed sizes of a result of type `out_t` whose sizes the 1-D integer tensor
    `sizes_t` holds: static ones from the type (checked against `sizes_t`), else those of
    `known` (mixed, or None), else elements of `sizes_t`."""
    ix = Ix(b)
    n = size(b, sizes_t, 0)
    check(b, ix.cmp("eq", n, out_t.rank), f"{what}: the sizes operand has {n} elements for "
                                          f"a result of rank {out_t.rank}")
    out = []
    for k, d in enumerate(out_t.shape):
        given = extract_index(b, sizes_t, [k])
        if d != DYN or known[k] is not None:
            have = d if d != DYN else known[k]
            check(b, ix.cmp("eq", given, have), f"{what}: the sizes operand does not match "
                                                f"the result {shape_str(out_t.shape)}")
            out.append(have)
        else:
            out.append(given)
    return out


def _check_sizes(b, have, want, message):
    ix = Ix(b)
    for h, w in zip(have, want):
        check(b, ix.cmp("eq", h, w), message)


def conv2d_backprop_input(b, sizes_t, w, dy, strides, padding, dilations, out_t):
    """Loops (n, h, w, c | kh, kw, o): dx[n, h, w, c] += dy[n, oh, ow, o] * w[kh, kw, c, o]
    where (oh, ow) is the output position whose window meets (h, w) at (kh, kw)."""
    out_t = signless(out_t)
    full = _result_sizes(b, sizes_t, out_t, [size(b, dy, 0), None, None, size(b, w, 2)],
                         "Conv2DBackpropInput")
    outs, pads = _geometry(b, full[1:3], w.type.shape[:2], strides, dilations, padding)
    before = [p[0] for p in pads]
    _check_sizes(b, sizes_of(b, dy) + [size(b, w, 2)],
                 [full[0], outs[0], outs[1], size(b, w, 3), full[3]],
                 f"Conv2DBackpropInput: out_backprop {shape_str(dy.type.shape)} and filter "
                 f"{shape_str(w.type.shape)} do not fit the input shape "
                 f"{shape_str(out_t.shape)}")
    if list(strides) == [1, 1] and DYN not in w.type.shape[:2]:
        return _backprop_input_as_conv(b, full, w, dy, outs, before, dilations, out_t)
    dyp = _extended(b, dy, 0)
    d = [AffineDim(i) for i in range(7)]

    def body(bb, a):
        bix = Ix(bb)
        ih, iw = (_source(bix, loop_index(bb, k + 1), loop_index(bb, k + 4), strides[k],
                          dilations[k], before[k], outs[k]) for k in (0, 1))
        v = extract(bb, dyp, [loop_index(bb, 0), ih, iw, loop_index(bb, 6)])
        return [_add(bb, a[1], _mul(bb, v, a[0]))]
    res = generic(b, [w], [fill(b, full, 0, out_t.element_type)],
                  [AffineMap(7, 0, [d[4], d[5], d[3], d[6]]), AffineMap(7, 0, d[:4])],
                  [PARALLEL] * 4 + [REDUCTION] * 3, body)[0]
    return cast(b, res, out_t)


def _backprop_input_as_conv(b, full, w, dy, outs, before, dilations, out_t):
    """Stride 1: dx is the VALID conv2d of dy, padded by the window's span less the forward
    padding, with the filter flipped in space and its channels swapped; a contraction with
    plain maps, which structured-tile runs on its micro-kernel (the gathering loop nest of
    strided windows is not one)."""
    ix = Ix(b)
    window = w.type.shape[:2]
    pads = []
    for k in (0, 1):
        span = (window[k] - 1) * dilations[k]
        pads.append((ix.sub(span, before[k]), ix.sub(ix.add(full[k + 1], span), outs[k])))
    kh, kw, c, o = sizes_of(b, w)
    d = [AffineDim(i) for i in range(4)]
    flip = AffineMap(4, 0, [AffineConst(window[0] - 1) - d[0], AffineConst(window[1] - 1) - d[1],
                            d[3], d[2]])
    flipped = generic(b, [w], [empty(b, [kh, kw, o, c], w.type.element_type)],
                      [flip, AffineMap.identity(4)], [PARALLEL] * 4, _identity_yield)[0]
    return conv2d(b, _pad_spatial(b, dy, pads, 0), flipped, [1, 1], "VALID", dilations, out_t)


def conv2d_backprop_filter(b, x, sizes_t, dy, strides, padding, dilations, out_t):
    """Loops (kh, kw, i, o | n, oh, ow): dw[kh, kw, i, o] += x_padded[n, oh * s + kh * d,
    ow * s + kw * d, i] * dy[n, oh, ow, o]."""
    out_t = signless(out_t)
    window = out_t.shape[:2]
    (oh, ow), pads = _spatial(b, x, window, strides, dilations, padding)
    full = _result_sizes(b, sizes_t, out_t, [None, None, size(b, x, 3), size(b, dy, 3)],
                         "Conv2DBackpropFilter")
    _check_sizes(b, sizes_of(b, dy) + [size(b, x, 3)],
                 [size(b, x, 0), oh, ow, full[3], full[2]],
                 f"Conv2DBackpropFilter: out_backprop {shape_str(dy.type.shape)} does not fit "
                 f"conv2d of input {shape_str(x.type.shape)} and filter "
                 f"{shape_str(out_t.shape)}")
    xp = _pad_spatial(b, x, pads, 0)
    d = [AffineDim(i) for i in range(7)]

    def scaled(e, c):
        return e if c == 1 else e * c
    x_map = AffineMap(7, 0, [d[4], scaled(d[5], strides[0]) + scaled(d[0], dilations[0]),
                             scaled(d[6], strides[1]) + scaled(d[1], dilations[1]), d[2]])
    res = generic(b, [xp, dy], [fill(b, full, 0, out_t.element_type)],
                  [x_map, AffineMap(7, 0, [d[4], d[5], d[6], d[3]]), AffineMap(7, 0, d[:4])],
                  [PARALLEL] * 4 + [REDUCTION] * 3,
                  lambda bb, a: [_add(bb, a[2], _mul(bb, a[0], a[1]))])[0]
    return cast(b, res, out_t)


def _first_max(b, x, ksize, strides, padding, lamina_et, also=None):
    """For each window of NHWC `x` (as max_pool2d pools it): the offset kh * ksize[1] + kw
    (an i64) of its first largest element (the first NaN if any; see lamina.max_pool2d_grad),
    or with `also` (of x's shape) the element of `also` there; and the output sizes and
    paddings before."""
    et = x.type.element_type
    (oh, ow), pads = _spatial(b, x, ksize, strides, [1, 1], padding)
    low = lowest(lamina_et)
    ins = [_pad_spatial(b, x, pads, low)]
    if also is not None:
        ins.append(_pad_spatial(b, also, pads, 0))
    ins.append(empty(b, list(ksize), et))  # only its shape is used: the bounds of kh, kw
    sizes = [size(b, x, 0), oh, ow, size(b, x, 3)]
    pick_et = T.i64 if also is None else also.type.element_type
    d = [AffineDim(i) for i in range(6)]
    in_map = _window_input_map(6, strides, [1, 1], 3)
    out_map = AffineMap(6, 0, d[:4])
    maps = [in_map] * (len(ins) - 1) + [AffineMap(6, 0, [d[4], d[5]]), out_map, out_map]

    def body(bb, a):
        v, best, pick = a[0], a[-2], a[-1]
        bix = Ix(bb)
        kh, kw = loop_index(bb, 4), loop_index(bb, 5)
        take = compare_scalar_op(bb, "greater", v, best, lamina_et)
        if is_float(et):  # the first NaN wins
            nan = _r(bb, arith.CmpFOp.build("uno", v, v))
            best_num = _r(bb, arith.CmpFOp.build("ord", best, best))
            take = _r(bb, arith.OrIOp(take, _r(bb, arith.AndIOp(nan, best_num))))
        first = bix.and_(bix.cmp("eq", kh, 0), bix.cmp("eq", kw, 0))
        take = _r(bb, arith.OrIOp(take, first))
        new = a[1] if also is not None else \
            index_cast(bb, bix.add(bix.mul(kh, ksize[1]), kw), T.i64)
        return [select(bb, take, v, best), select(bb, take, new, pick)]
    res = generic(b, ins, [fill(b, sizes, low, et), fill(b, sizes, 0, pick_et)], maps,
                  [PARALLEL] * 4 + [REDUCTION] * 2, body)[1]
    return res, (oh, ow), [p[0] for p in pads]


def _pool_gather(b, sizes, et, ksize, strides, before, outs, contribution):
    """The NHWC tensor of mixed `sizes` whose element sums, over the window offsets (kh, kw)
    at which a window meets it, contribution(bb, [n, oh, ow, c] of that window, kh, kw)
    (oh or ow is the appended row or column where no window meets it there)."""
    d = [AffineDim(i) for i in range(6)]

    def body(bb, a):
        bix = Ix(bb)
        kh, kw = loop_index(bb, 4), loop_index(bb, 5)
        ih, iw = (_source(bix, loop_index(bb, k + 1), (kh, kw)[k], strides[k], 1, before[k],
                          outs[k]) for k in (0, 1))
        return [_add(bb, a[1], contribution(bb, [loop_index(bb, 0), ih, iw, loop_index(bb, 3)],
                                            kh, kw))]
    return generic(b, [empty(b, list(ksize), et)], [fill(b, sizes, 0, et)],
                   [AffineMap(6, 0, [d[4], d[5]]), AffineMap(6, 0, d[:4])],
                   [PARALLEL] * 4 + [REDUCTION] * 2, body)[0]


def max_pool2d_grad(b, x, g, ksize, strides, padding, lamina_et, out_t):
    first, outs, before = _first_max(b, x, ksize, strides, padding, lamina_et)
    _check_sizes(b, sizes_of(b, g), sizes_of(b, first),
                 f"MaxPoolGrad: grad {shape_str(g.type.shape)} is not the pooled shape of "
                 f"{shape_str(x.type.shape)}")
    firstp, gp = _extended(b, first, -1), _extended(b, g, 0)
    et = g.type.element_type

    def contribution(bb, at, kh, kw):
        bix = Ix(bb)
        k = index_cast(bb, bix.add(bix.mul(kh, ksize[1]), kw), T.i64)
        hit = _r(bb, arith.CmpIOp.build("eq", extract(bb, firstp, at), k))
        return select(bb, hit, extract(bb, gp, at), const(bb, 0, et))
    res = _pool_gather(b, sizes_of(b, x), et, ksize, strides, before, outs, contribution)
    return cast(b, res, signless(out_t))


def max_pool2d_grad_grad(b, x, gg, ksize, strides, padding, lamina_et, out_t):
    _check_sizes(b, sizes_of(b, gg), sizes_of(b, x),
                 f"MaxPoolGradGrad: grad {shape_str(gg.type.shape)} is not the input's shape "
                 f"{shape_str(x.type.shape)}")
    res = _first_max(b, x, ksize, strides, padding, lamina_et, also=gg)[0]
    return cast(b, res, signless(out_t))


def avg_pool2d_grad(b, sizes_t, g, ksize, strides, padding, lamina_et, out_t):
    out_t = signless(out_t)
    full = _result_sizes(b, sizes_t, out_t, [size(b, g, 0), None, None, size(b, g, 3)],
                         "AvgPoolGrad")
    outs, pads = _geometry(b, full[1:3], ksize, strides, [1, 1], padding)
    _check_sizes(b, sizes_of(b, g), [full[0], outs[0], outs[1], full[3]],
                 f"AvgPoolGrad: grad {shape_str(g.type.shape)} is not the pooled shape of "
                 f"{shape_str(out_t.shape)}")
    share = _extended(b, _divide_by_window_count(b, g, full[1:3], ksize, strides, pads), 0)
    res = _pool_gather(b, full, out_t.element_type, ksize, strides, [p[0] for p in pads], outs,
                       lambda bb, at, kh, kw: extract(bb, share, at))
    return cast(b, res, out_t)


# -- random -----------------------------------------------------------------------------------

RNG_STATE = "__lamina_rng"
RNG_TYPE = T.MemRefType([2], T.i64)


def ensure_symbol(an_op, name, make):
    """The top-level op defining symbol `name`; `make()` builds it, placed first, if absent."""
    module = an_op
    while module.parent_op is not None:
        module = module.parent_op
    body = module.regions[0].blocks[0]
    for o in body:
        s = o.properties.get("sym_name")
        if s is not None and s.value == name:
            return o
    return body.prepend(make())


def _u32(b, v64):
    return _r(b, arith.TruncIOp.build(v64, T.i32))


def _hi32(b, v64, c32):
    return _u32(b, _r(b, arith.ShRUIOp(v64, c32)))


def philox_keys(b, seed, c32):
    """The round keys of Philox-4x32-10 under the 64-bit `seed` (its low and high halves)."""
    k0, k1 = _u32(b, seed), _hi32(b, seed, c32)
    keys = [(k0, k1)]
    w0, w1 = const(b, PHILOX_W[0], T.i32), const(b, PHILOX_W[1], T.i32)
    for _ in range(PHILOX_ROUNDS - 1):
        k0, k1 = _r(b, arith.AddIOp(k0, w0)), _r(b, arith.AddIOp(k1, w1))
        keys.append((k0, k1))
    return keys


def philox(bb, keys, ctr, m, c32):
    """Philox-4x32-10 of four i32 counter words under the round `keys`: four i32 words. `m`:
    the two multipliers and `c32` the shift by 32, as i64 values."""
    m0, m1 = m

    def mulhilo(m, x):
        p = _r(bb, arith.MulIOp(m, _r(bb, arith.ExtUIOp.build(x, T.i64))))
        return _hi32(bb, p, c32), _u32(bb, p)
    c0, c1, c2, c3 = ctr
    for k0, k1 in keys:
        hi0, lo0 = mulhilo(m0, c0)
        hi1, lo1 = mulhilo(m1, c2)
        c0, c1 = _r(bb, arith.XOrIOp(_r(bb, arith.XOrIOp(hi1, c1)), k0)), lo1
        c2, c3 = _r(bb, arith.XOrIOp(_r(bb, arith.XOrIOp(hi0, c3)), k1)), lo0
    return [c0, c1, c2, c3]


def unit_uniform(bb, words, et):
    """A float of type `et` uniform in [0, 1) from the top mantissa bits of the words (as
    lamina.random's `unit_uniform`)."""
    bits = MANTISSA_BITS[et.name]
    if bits > 32:
        hi = _r(bb, arith.ShLIOp(_r(bb, arith.ExtUIOp.build(words[0], T.i64)),
                                 const(bb, bits - 32, T.i64)))
        lo = _r(bb, arith.ShRUIOp(_r(bb, arith.ExtUIOp.build(words[1], T.i64)),
                                  const(bb, 64 - bits, T.i64)))
        m = _r(bb, arith.OrIOp(hi, lo))
    else:
        m = _r(bb, arith.ShRUIOp(words[0], const(bb, 32 - bits, T.i32)))
    f = _r(bb, arith.UIToFPOp.build(m, et))
    return _r(bb, arith.MulFOp(f, const(bb, 2.0 ** -bits, et)))


def random(b, an_op, sizes, et, distribution, p, q):
    """A tensor of mixed `sizes` of draws (see lamina_ops.random), one Philox block per element
    (key: the state's seed; counter words: the state's counter and the element's row-major
    index), advancing the counter by the number of elements. uniform: in [p, q); normal: mean
    p, standard deviation q."""
    ensure_symbol(an_op, RNG_STATE, lambda: memref.GlobalOp.build(
        RNG_STATE, RNG_TYPE, DenseElementsAttr(T.RankedTensorType([2], T.i64), 0),
        visibility="private"))
    state = _r(b, memref.GetGlobalOp(RNG_STATE, RNG_TYPE))
    seed = _r(b, memref.LoadOp(state, [index_const(b, 0)]))
    counter = _r(b, memref.LoadOp(state, [index_const(b, 1)]))
    c32 = const(b, 32, T.i64)
    multipliers = [const(b, m, T.i64) for m in PHILOX_M]
    keys = philox_keys(b, seed, c32)
    ctr = [_u32(b, counter), _hi32(b, counter, c32)]
    rank = len(sizes)
    wide = et if et.name == "f64" else T.f32
    np_t = {"f16": np.float16, "f64": np.float64}.get(et.name, np.float32)

    def body(bb, args):
        bix = Ix(bb)
        linear = 0
        for k in range(rank):
            linear = bix.add(bix.mul(linear, sizes[k]), loop_index(bb, k))
        e = index_cast(bb, bix.v(linear), T.i64)
        words = philox(bb, keys, ctr + [_u32(bb, e), _hi32(bb, e, c32)], multipliers, c32)
        if distribution == "uniform":
            z = unit_uniform(bb, words, et)
            scale, shift = float(np_t(q) - np_t(p)), p
        else:
            half = 2 if wide.name == "f64" else 1
            u1 = unit_uniform(bb, words[:half], wide)
            u2 = unit_uniform(bb, words[half:2 * half], wide)
            log = _r(bb, math_d.LogOp(_r(bb, arith.SubFOp(const(bb, 1.0, wide), u1))))
            radius = _r(bb, math_d.SqrtOp(_r(bb, arith.MulFOp(const(bb, -2.0, wide), log))))
            angle = _r(bb, math_d.CosOp(_r(bb, arith.MulFOp(const(bb, 2 * math.pi, wide), u2))))
            z = _r(bb, arith.MulFOp(radius, angle))
            if wide != et:
                z = _r(bb, arith.TruncFOp.build(z, et))
            scale, shift = q, p
        z = _r(bb, arith.MulFOp(z, const(bb, scale, et)))
        return [_r(bb, arith.AddFOp(z, const(bb, shift, et)))]
    res = generic(b, [], [empty(b, sizes, et)], [AffineMap.identity(rank)], [PARALLEL] * rank,
                  body)[0]
    n = Ix(b).product(sizes)
    count = const(b, n, T.i64) if isinstance(n, int) else index_cast(b, n, T.i64)
    b.insert(memref.StoreOp(_r(b, arith.AddIOp(counter, count)), state, [index_const(b, 1)]))
    return res


# -- print ---------------------------------------------------------------------------------------

PRINT_STRING = "laminaPrintString"


def print_function(lamina_et):
    """The runtime's printer of tensors of lamina element type `lamina_et` (tf.print's format,
    to stderr): `laminaPrintTensorF32(tensor<*xf32>, i64 summarize)`, ...U8, ...I1."""
    if lamina_et.__class__ is T.FloatType:
        return "laminaPrintTensor" + lamina_et.name.upper()
    return "laminaPrintTensor" + ("U" if lamina_et.signedness == "u" else "I") + \
        str(lamina_et.width)


def _declare(an_op, name, inputs):
    ensure_symbol(an_op, name, lambda: func.FuncOp(
        sym_name=StringAttr(name), function_type=TypeAttr(T.FunctionType(inputs, [])),
        sym_visibility=StringAttr("private")))


def _call(b, name, args):
    b.insert(func.CallOp(list(args), callee=SymbolRefAttr(name), result_types=[]))


def print_string(b, an_op, text):
    data = np.frombuffer(text.encode("utf-8"), np.uint8).astype(np.int8)
    s = _r(b, arith.ConstantOp(value=DenseElementsAttr(T.RankedTensorType([len(data)], T.i8),
                                                       data)))
    unranked = T.UnrankedTensorType(T.i8)
    _declare(an_op, PRINT_STRING, [unranked])
    _call(b, PRINT_STRING, [cast(b, s, unranked)])


def print_tensor(b, an_op, x, lamina_et, summarize):
    """Print structured-level tensor `x` whose lamina element type is `lamina_et`."""
    unranked = T.UnrankedTensorType(x.type.element_type)
    name = print_function(lamina_et)
    _declare(an_op, name, [unranked, T.i64])
    _call(b, name, [cast(b, x, unranked), const(b, summarize, T.i64)])
