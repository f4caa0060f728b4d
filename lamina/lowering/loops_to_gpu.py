"""`convert-parallel-loops-to-gpu`: the loop nests of each function become `gpu.launch` kernels.

- A reduction nest (an scf.parallel over the outputs, or none, around a perfect scf.for nest
  whose body ends in `out[i] = combine(out[i], x)`) becomes one block per output: each of
  its 256 threads folds a strided share of the reduction space from the combiner's identity,
  the block combines the partials through a shared-memory tree (workgroup memory, barriers)
  down to one warp, and that warp finishes with `gpu.shuffle xor` (butterfly) steps. Used
  where the reduction is long enough to fill a block (or its length is unknown and there are
  few outputs).
- A matmul nest (C[i, j] += A[i, k] * B[k, j]) gets 64x64 output tiles per block of 16x16
  threads, each computing 4x4 outputs from 16-deep slices of A and B staged in shared memory.
- Any other scf.parallel is flattened: one thread per iteration, 256 per block, the linear
  thread id turned back into the loop indices (its reduction loops run in the thread).
- Other ops that touch memory (an scf.for nest outside any parallel loop, a lone store) run
  in a one-thread kernel, consecutive ones in the same kernel, so that the host never
  dereferences device memory. Host code keeps allocation, views, shapes and index arithmetic.
"""

from __future__ import annotations

import math

from ..dialects import arith, gpu, scf
from ..dialects.cf import constant_int
from ..ir import IRError
from ..ir import types as T
from ..ir.attributes import FloatAttr, IntegerAttr
from ..passes import Pass, register_pass

BLOCK = 256          # threads per block
WARP = 32
# reductions at least this long (statically) get a block per output
LONG_REDUCTION = 256
# with more outputs than this (statically), one thread per output keeps the GPU busier
MANY_OUTPUTS = 4096
# a single-output reduction: elements per thread, and the most blocks of partials
PER_THREAD = 16
MAX_BLOCKS = 1024

# ops the host runs itself: allocation, views, shapes and scalar arithmetic, no data access
_HOST_PREFIXES = ("arith.", "index.")
_HOST_OPS = frozenset((
    "memref.alloc", "memref.dealloc", "memref.get_global", "memref.dim", "memref.cast",
    "memref.reinterpret_cast", "memref.extract_strided_metadata", "memref.expand_shape",
    "memref.collapse_shape", "memref.subview", "memref.copy", "func.return", "func.call",
    "gpu.launch", "gpu.launch_func", "memref.global", "cf.assert", "scf.yield",
    "scf.condition"))


class _Builder:
    """Inserts ops before `anchor` (or at the end of `block`); returns the single result."""

    def __init__(self, block, anchor=None):
        self.block = block
        self.anchor = anchor

    def __call__(self, op):
        if self.anchor is not None:
            self.block.insert_before(self.anchor, op)
        else:
            self.block.append(op)
        return op.results[0] if len(op.results) == 1 else op

    def index(self, v):
        return self(arith.ConstantOp(value=IntegerAttr(v, T.index)))


def _trip_count(b, lb, ub, step):
    span = b(arith.SubIOp(ub, lb))
    return b(arith.CeilDivSIOp(span, step)) if constant_int(step) != 1 else span


def _product(b, values):
    out = None
    for v in values:
        out = v if out is None else b(arith.MulIOp(out, v))
    return out if out is not None else b.index(1)


def _delinearize(b, linear, counts, lbs, steps):
    """Loop indices (lb + i * step) of the row-major linear iteration number `linear`."""
    ivs = [None] * len(counts)
    rem = linear
    for i in range(len(counts) - 1, -1, -1):
        if i:
            idx = b(arith.RemUIOp(rem, counts[i]))
            rem = b(arith.DivUIOp(rem, counts[i]))
        else:
            idx = rem
        ivs[i] = b(arith.AddIOp(lbs[i], b(arith.MulIOp(idx, steps[i]))))
    return ivs


def _clone_ops(b, ops, mapping):
    for o in ops:
        b(o.clone(mapping))


# -- combiners and their identities ---------------------------------------------------------

def _identity(name, t):
    """The neutral element of combiner `name` on type `t`, or None if it has none we know."""
    if t.__class__ is T.FloatType:
        v = {"arith.addf": 0.0, "arith.mulf": 1.0, "arith.maximumf": -math.inf,
             "arith.maxnumf": -math.inf, "arith.minimumf": math.inf,
             "arith.minnumf": math.inf}.get(name)
        return None if v is None else FloatAttr(v, t)
    if t.__class__ is T.IntegerType:
        w = t.width
        v = {"arith.addi": 0, "arith.muli": 1, "arith.ori": 0, "arith.xori": 0,
             "arith.andi": -1, "arith.maxsi": -(1 << (w - 1)), "arith.minsi": (1 << (w - 1)) - 1,
             "arith.maxui": 0, "arith.minui": -1}.get(name)
        return None if v is None else IntegerAttr(v, t)
    return None


class _Reduction:
    """A matched reduction nest: the parallel loop (or None), the scf.for nest, and the
    innermost body's accumulator load, combiner and store."""

    def __init__(self, par, fors, load, combine, store, x):
        self.par, self.fors, self.load, self.combine, self.store, self.x = \
            par, fors, load, combine, store, x


def _match_reduction(op):
    par = op if op.name == "scf.parallel" else None
    if par is not None:
        if par.results:
            return None
        body = [o for o in par.body if o.name != "scf.reduce"]
        pre, first = body[:-1], body[-1] if body else None
        if first is None or first.name != "scf.for" or \
                any(o.regions or not o.opdef or not o.opdef.is_pure for o in pre):
            return None
    else:
        first = op
    fors = []
    f = first
    while f is not None and f.name == "scf.for" and not f.init_args:
        fors.append(f)
        inner = [o for o in f.body if o.name != "scf.yield"]
        f = inner[0] if len(inner) == 1 and inner[0].name == "scf.for" else None
    if not fors:
        return None
    nest = set(fors)
    for k, f in enumerate(fors):
        # bounds fixed across the nest (a rectangular space that can be linearized)
        for v in (f.lower_bound, f.upper_bound, f.step):
            if any(v.owner is g or (getattr(v.owner, "parent_op", None) in nest)
                   for g in fors) or v in [g.induction_var for g in fors]:
                return None
    body = [o for o in fors[-1].body if o.name != "scf.yield"]
    if not body or body[-1].name != "memref.store":
        return None
    store = body[-1]
    r = store.operands[0]
    comb = r.owner
    if getattr(comb, "parent", None) is not fors[-1].body or len(comb.operands) != 2 or \
            _identity(comb.name, r.type) is None or len(r.uses) != 1:
        return None
    out, idx = store.operands[1], list(store.operands[2:])
    for a, x in ((comb.operands[0], comb.operands[1]), (comb.operands[1], comb.operands[0])):
        ld = a.owner
        if getattr(ld, "name", None) == "memref.load" and ld.operands[0] is out and \
                list(ld.operands[1:]) == idx and len(a.uses) == 1:
            break
    else:
        return None
    inside = {o for f in fors for o in f.walk()}
    if any(v.owner in inside or v in [f.induction_var for f in fors] for v in idx):
        return None  # the output element changes within the nest
    for o in body[:-1]:
        if o is ld or o is comb:
            continue
        if o.regions or (o.opdef is not None and not o.opdef.is_pure and
                         o.name != "memref.load"):
            return None
        if o.name == "memref.load" and o.operands[0] is out:
            return None
    return _Reduction(par, fors, ld, comb, store, x)


def _want_block_reduction(red):
    k = _static_product([_static_trip(f) for f in red.fors])
    n_out = 1 if red.par is None else _static_product(
        [_static_trip_p(red.par, i) for i in range(len(red.par.step))])
    if red.par is None:
        return True
    if n_out is not None and n_out > MANY_OUTPUTS:
        return False
    return k is None or k >= LONG_REDUCTION


def _static_trip(f):
    lb, ub, st = (constant_int(v) for v in (f.lower_bound, f.upper_bound, f.step))
    return None if None in (lb, ub, st) else _Static(max(0, -(-(ub - lb) // st)))


def _static_trip_p(p, i):
    lb, ub, st = (constant_int(v) for v in (p.lower_bound[i], p.upper_bound[i], p.step[i]))
    return None if None in (lb, ub, st) else _Static(max(0, -(-(ub - lb) // st)))


class _Static:
    """A known count, shaped like a constant value for _static_product."""

    def __init__(self, n):
        self.n = n


def _static_value(v):
    return v.n if isinstance(v, _Static) else constant_int(v)


def _static_product(values):
    n = 1
    for v in values:
        c = None if v is None else _static_value(v)
        if c is None:
            return None
        n *= c
    return n


# -- building the kernels ----------------------------------------------------------------------

def _launch(b, grid, block, workgroup=()):
    one = b.index(1)
    op = gpu.LaunchOp.build([grid, one, one], [b.index(block), one, one], workgroup)
    b(op)
    return op


def _map_parallel(op):
    """One thread per iteration of the scf.parallel `op`."""
    b = _Builder(op.parent, op)
    counts = [_trip_count(b, lb, ub, s) for lb, ub, s in
              zip(op.lower_bound, op.upper_bound, op.step)]
    total = _product(b, counts)
    grid = b(arith.CeilDivUIOp(total, b.index(BLOCK)))
    launch = _launch(b, grid, BLOCK)
    kb = _Builder(launch.body)
    a = launch.body.args
    gid = kb(arith.AddIOp(kb(arith.MulIOp(a[0], a[9])), a[3]))
    inside = kb(arith.CmpIOp.build("ult", gid, total))
    if_op = scf.IfOp.build(inside)
    kb(if_op)
    ib = _Builder(if_op.then_block, if_op.then_block.last)
    ivs = _delinearize(ib, gid, counts, list(op.lower_bound), list(op.step))
    mapping = dict(zip(op.induction_vars, ivs))
    _clone_ops(ib, [o for o in op.body if o.name != "scf.reduce"], mapping)
    kb(gpu.TerminatorOp())
    op.erase()


def _combine(b, red, lhs, rhs):
    return b(red.combine.__class__(lhs, rhs, **{
        k: v for k, v in red.combine.properties.items()}))


def _block_combine(kb, red, tid, partial, shared):
    """Combine every thread's `partial` in the block: a shared-memory tree down to one warp,
    then butterfly shuffles. Returns (builder inside `if tid == 0`, the block's value)."""
    kb(_store(shared, partial, tid))
    kb(gpu.BarrierOp())
    s = BLOCK // 2
    while s >= WARP:
        cond = kb(arith.CmpIOp.build("ult", tid, kb.index(s)))
        if_op = scf.IfOp.build(cond)
        kb(if_op)
        ib = _Builder(if_op.then_block, if_op.then_block.last)
        other = ib(arith.AddIOp(tid, ib.index(s)))
        v = _combine(ib, red, ib(_load(shared, tid)), ib(_load(shared, other)))
        ib(_store(shared, v, tid))
        kb(gpu.BarrierOp())
        s //= 2
    first_warp = kb(arith.CmpIOp.build("ult", tid, kb.index(WARP)))
    if_op = scf.IfOp.build(first_warp)
    kb(if_op)
    wb = _Builder(if_op.then_block, if_op.then_block.last)
    v = wb(_load(shared, tid))
    width = wb(arith.ConstantOp(value=IntegerAttr(WARP, T.i32)))
    off = WARP // 2
    while off:
        o = wb(arith.ConstantOp(value=IntegerAttr(off, T.i32)))
        v = _combine(wb, red, v, _shuffle_xor(wb, v, o, width))
        off //= 2
    is_first = wb(arith.CmpIOp.build("eq", tid, wb.index(0)))
    last = scf.IfOp.build(is_first)
    wb(last)
    return _Builder(last.then_block, last.then_block.last), v


def _shuffle_xor(b, v, offset, width):
    """The value of lane `lane ^ offset`; narrow types travel widened to 32 bits (exactly)."""
    t = v.type
    if t in (T.i32, T.i64, T.f32, T.f64):
        return b(gpu.ShuffleOp.build("xor", v, offset, width)).results[0]
    if t.__class__ is T.FloatType:
        wide = b(arith.ExtFOp(v, result_types=[T.f32]))
        r = b(gpu.ShuffleOp.build("xor", wide, offset, width)).results[0]
        return b(arith.TruncFOp(r, result_types=[t]))
    wide = b(arith.ExtUIOp(v, result_types=[T.i32]))
    r = b(gpu.ShuffleOp.build("xor", wide, offset, width)).results[0]
    return b(arith.TruncIOp(r, result_types=[t]))


def _into_output(fb, red, mapping, v):
    """out[i] = combine(out[i], v), as the matched loop body wrote it."""
    old = fb(red.load.clone(dict(mapping)))
    new = _combine(fb, red, old, v) if red.load.results[0] is red.combine.operands[0] \
        else _combine(fb, red, v, old)
    store = red.store.clone(dict(mapping))
    store.set_operand(0, new)
    fb(store)


def _strided_fold(kb, red, first, total, stride, counts, mapping):
    """Each thread's fold, from the combiner's identity, of reduction iterations `first`,
    `first + stride`, ... below `total` (the nest's body cloned per iteration)."""
    t = red.x.type
    ident = kb(arith.ConstantOp(value=_identity(red.combine.name, t)))
    loop = scf.ForOp.build(first, total, stride, [ident])
    kb(loop)
    lb_ = _Builder(loop.body)
    kvs = _delinearize(lb_, loop.induction_var, counts, [f.lower_bound for f in red.fors],
                       [f.step for f in red.fors])
    inner = dict(mapping)
    inner.update(zip([f.induction_var for f in red.fors], kvs))
    body = [o for o in red.fors[-1].body
            if o.name != "scf.yield" and o not in (red.load, red.combine, red.store)]
    _clone_ops(lb_, body, inner)
    lb_(scf.YieldOp([_combine(lb_, red, loop.iter_args[0], inner.get(red.x, red.x))]))
    return loop.results[0]


def _map_block_reduction(red):
    """One block per output (a reduction nest inside scf.parallel), or, for a single
    output, a grid of blocks writing one partial each and a second one-block kernel that
    combines the partials into the output (deterministic: no atomics)."""
    top = red.par if red.par is not None else red.fors[0]
    b = _Builder(top.parent, top)
    if red.par is not None:
        out_counts = [_trip_count(b, lb, ub, s) for lb, ub, s in
                      zip(red.par.lower_bound, red.par.upper_bound, red.par.step)]
        n_out = _product(b, out_counts)
    k_counts = [_trip_count(b, f.lower_bound, f.upper_bound, f.step) for f in red.fors]
    k_total = _product(b, k_counts)
    t = red.x.type
    shared_t = T.MemRefType([BLOCK], t, memory_space=gpu.WORKGROUP)
    if red.par is not None:
        launch = _launch(b, n_out, BLOCK, [shared_t])
        a = launch.body.args
        kb = _Builder(launch.body)
        ivs = _delinearize(kb, a[0], out_counts, list(red.par.lower_bound),
                           list(red.par.step))
        mapping = dict(zip(red.par.induction_vars, ivs))
        _clone_ops(kb, [o for o in red.par.body if o.name not in ("scf.reduce", "scf.for")],
                   mapping)
        partial = _strided_fold(kb, red, a[3], k_total, kb.index(BLOCK), k_counts, mapping)
        fb, v = _block_combine(kb, red, a[3], partial, launch.workgroup_buffers[0])
        _into_output(fb, red, mapping, v)
        kb(gpu.TerminatorOp())
        top.erase()
        return
    from ..dialects import memref
    # enough blocks that each thread folds about PER_THREAD elements, at most MAX_BLOCKS
    per_block = b.index(BLOCK * PER_THREAD)
    blocks = b(arith.MinUIOp(b(arith.CeilDivUIOp(k_total, per_block)), b.index(MAX_BLOCKS)))
    blocks = b(arith.MaxUIOp(blocks, b.index(1)))
    partials = b(memref.AllocOp.build(T.MemRefType([T.DYNAMIC], t), [blocks]))
    launch = _launch(b, blocks, BLOCK, [shared_t])
    a = launch.body.args
    kb = _Builder(launch.body)
    first = kb(arith.AddIOp(kb(arith.MulIOp(a[0], a[9])), a[3]))
    stride = kb(arith.MulIOp(a[6], a[9]))
    partial = _strided_fold(kb, red, first, k_total, stride, k_counts, {})
    fb, v = _block_combine(kb, red, a[3], partial, launch.workgroup_buffers[0])
    fb(_store(partials, v, a[0]))
    kb(gpu.TerminatorOp())
    launch = _launch(b, b.index(1), BLOCK, [shared_t])
    a = launch.body.args
    kb = _Builder(launch.body)
    ident = kb(arith.ConstantOp(value=_identity(red.combine.name, t)))
    loop = scf.ForOp.build(a[3], blocks, kb.index(BLOCK), [ident])
    kb(loop)
    lb_ = _Builder(loop.body)
    lb_(scf.YieldOp([_combine(lb_, red, loop.iter_args[0],
                              lb_(_load(partials, loop.induction_var)))]))
    fb, v = _block_combine(kb, red, a[3], loop.results[0], launch.workgroup_buffers[0])
    _into_output(fb, red, {}, v)
    kb(gpu.TerminatorOp())
    b(memref.DeallocOp(partials))
    top.erase()


# -- matmul: 64x64 output tiles per block of 16x16 threads, 4x4 outputs per thread, the
# operands staged through shared memory 16 along k at a time ------------------------------------

TILE, TILE_K, THREADS_2D, PER = 64, 16, 16, 4


class _Matmul:
    """C[i, j] += A[i, k] * B[k, j] matched on a reduction nest: which load is A, which B."""

    def __init__(self, red, a_load, b_load):
        self.red, self.a, self.b = red, a_load, b_load


def _match_matmul(red):
    par = red.par
    if par is None or len(par.step) != 2 or len(red.fors) != 1 or \
            red.combine.name not in ("arith.addf", "arith.addi"):
        return None
    if any(constant_int(v) != 0 for v in list(par.lower_bound) + [red.fors[0].lower_bound]) or \
            any(constant_int(v) != 1 for v in list(par.step) + [red.fors[0].step]):
        return None
    if [o for o in par.body if o.name not in ("scf.reduce", "scf.for")]:
        return None
    mul = red.x.owner
    if getattr(mul, "name", None) not in ("arith.mulf", "arith.muli") or \
            mul.parent is not red.fors[0].body:
        return None
    i, j = par.induction_vars
    k = red.fors[0].induction_var
    loads = [v.owner for v in mul.operands]
    if any(getattr(o, "name", None) != "memref.load" or len(o.operands) != 3 for o in loads):
        return None
    by_index = {tuple(o.operands[1:]): o for o in loads}
    a, b = by_index.get((i, k)), by_index.get((k, j))
    body = [o for o in red.fors[0].body if o.name != "scf.yield"]
    if a is None or b is None or len(body) != 6 or \
            list(red.store.operands[2:]) != [i, j]:
        return None
    return _Matmul(red, a, b)


def _map_matmul(mm):
    red = mm.red
    par, loop = red.par, red.fors[0]
    b = _Builder(par.parent, par)
    m_, n_, k_ = par.upper_bound[0], par.upper_bound[1], loop.upper_bound
    t = red.x.type
    one = b.index(1)
    grid = [b(arith.CeilDivUIOp(n_, b.index(TILE))), b(arith.CeilDivUIOp(m_, b.index(TILE))),
            one]
    threads = b.index(THREADS_2D)
    tile_t = T.MemRefType([TILE_K, TILE], t, memory_space=gpu.WORKGROUP)
    launch = gpu.LaunchOp.build(grid, [threads, threads, one], [tile_t, tile_t])
    b(launch)
    a = launch.body.args
    a_tile, b_tile = launch.workgroup_buffers
    kb = _Builder(launch.body)
    tx, ty = a[3], a[4]
    row0 = kb(arith.MulIOp(a[1], kb.index(TILE)))
    col0 = kb(arith.MulIOp(a[0], kb.index(TILE)))
    lin = kb(arith.AddIOp(kb(arith.MulIOp(ty, threads)), tx))
    zero = kb(arith.ConstantOp(value=_identity(red.combine.name, t)))
    kt_loop = scf.ForOp.build(kb.index(0), k_, kb.index(TILE_K), [zero] * (PER * PER))
    kb(kt_loop)
    lb_ = _Builder(kt_loop.body)
    kt = kt_loop.induction_var
    n_threads = THREADS_2D * THREADS_2D

    def stage(src, tile, rows_are_k):
        """Copy a TILE x TILE_K (A) or TILE_K x TILE (B) block into `tile` as [k][x], zero
        outside the operand."""
        for q in range(TILE * TILE_K // n_threads):
            e = lb_(arith.AddIOp(lin, lb_.index(q * n_threads)))
            if rows_are_k:  # B: e = kk * TILE + c
                kk = lb_(arith.DivUIOp(e, lb_.index(TILE)))
                x = lb_(arith.RemUIOp(e, lb_.index(TILE)))
                r, c = lb_(arith.AddIOp(kt, kk)), lb_(arith.AddIOp(col0, x))
                limits = (k_, n_)
            else:           # A: e = r * TILE_K + kk
                x = lb_(arith.DivUIOp(e, lb_.index(TILE_K)))
                kk = lb_(arith.RemUIOp(e, lb_.index(TILE_K)))
                r, c = lb_(arith.AddIOp(row0, x)), lb_(arith.AddIOp(kt, kk))
                limits = (m_, k_)
            ok = lb_(arith.AndIOp(lb_(arith.CmpIOp.build("ult", r, limits[0])),
                                  lb_(arith.CmpIOp.build("ult", c, limits[1]))))
            if_op = scf.IfOp.build(ok, [t])
            lb_(if_op)
            then = _Builder(if_op.then_block)
            then(scf.YieldOp([then(_load2(src, r, c))]))
            other = _Builder(if_op.else_block)
            other(scf.YieldOp([zero]))
            lb_(_store2(tile, if_op.results[0], kk, x))

    stage(mm.a.operands[0], a_tile, False)
    stage(mm.b.operands[0], b_tile, True)
    lb_(gpu.BarrierOp())
    inner = scf.ForOp.build(lb_.index(0), lb_.index(TILE_K), lb_.index(1),
                            list(kt_loop.iter_args))
    lb_(inner)
    ib = _Builder(inner.body)
    kk = inner.induction_var
    ty4 = ib(arith.MulIOp(ty, ib.index(PER)))
    tx4 = ib(arith.MulIOp(tx, ib.index(PER)))
    av = [ib(_load2(a_tile, kk, ib(arith.AddIOp(ty4, ib.index(r))))) for r in range(PER)]
    bv = [ib(_load2(b_tile, kk, ib(arith.AddIOp(tx4, ib.index(c))))) for c in range(PER)]
    mul = red.x.owner
    accs = []
    for r in range(PER):
        for c in range(PER):
            prod = ib(mul.__class__(av[r], bv[c], **dict(mul.properties)))
            accs.append(_combine(ib, red, inner.iter_args[r * PER + c], prod))
    ib(scf.YieldOp(accs))
    lb_(gpu.BarrierOp())
    lb_(scf.YieldOp(list(inner.results)))
    i_iv, j_iv = par.induction_vars
    for r in range(PER):
        i = kb(arith.AddIOp(row0, kb(arith.AddIOp(kb(arith.MulIOp(ty, kb.index(PER))),
                                                  kb.index(r)))))
        for c in range(PER):
            j = kb(arith.AddIOp(col0, kb(arith.AddIOp(kb(arith.MulIOp(tx, kb.index(PER))),
                                                      kb.index(c)))))
            ok = kb(arith.AndIOp(kb(arith.CmpIOp.build("ult", i, m_)),
                                 kb(arith.CmpIOp.build("ult", j, n_))))
            if_op = scf.IfOp.build(ok)
            kb(if_op)
            fb = _Builder(if_op.then_block, if_op.then_block.last)
            _into_output(fb, red, {i_iv: i, j_iv: j}, kt_loop.results[r * PER + c])
    kb(gpu.TerminatorOp())
    par.erase()


def _load2(m, i, j):
    from ..dialects import memref
    return memref.LoadOp(m, [i, j], result_types=[m.type.element_type])


def _store2(m, v, i, j):
    from ..dialects import memref
    return memref.StoreOp(v, m, [i, j])


def _load(m, i):
    from ..dialects import memref
    return memref.LoadOp(m, [i], result_types=[m.type.element_type])


def _store(m, v, i):
    from ..dialects import memref
    return memref.StoreOp(v, m, [i])


def _is_host_op(o):
    return o.name.startswith(_HOST_PREFIXES) or o.name in _HOST_OPS


# ops whose presence in a region makes it host control flow (the host allocates, copies and
# launches; a kernel cannot)
_HOST_ONLY = frozenset(("memref.alloc", "memref.dealloc", "memref.copy", "scf.parallel",
                        "func.call", "memref.reinterpret_cast", "memref.expand_shape",
                        "memref.collapse_shape", "memref.subview", "memref.cast"))
_CONTROL = ("scf.if", "scf.for", "scf.while")


def _is_host_control(o):
    """An scf.if/for/while at host level that allocates, copies or holds parallel loops:
    the host runs it, and its regions are converted like a function's body."""
    return o.name in _CONTROL and any(x.name in _HOST_ONLY for x in o.walk() if x is not o)


def _host_reads(ops):
    """Top-level memref.loads whose values the host needs (sizes, conditions, bounds,
    checks): the host plan reads them from device memory, as TensorFlow keeps shape
    arguments in host memory. Found by walking back from the host's own uses through scalar
    arithmetic."""
    ops = set(ops)
    needed, stack = set(), []
    for o in ops:
        if o.name.startswith(_HOST_PREFIXES):
            continue
        if _is_host_op(o) or _is_host_control(o) or o.name == "scf.parallel":
            vals = list(o.operands)
            if o.name == "scf.parallel":  # its bounds size the launch
                vals = list(o.lower_bound) + list(o.upper_bound) + list(o.step)
            elif o.name == "memref.copy":
                vals = []
            stack.extend(v for v in vals if not isinstance(v.type, (T.MemRefType,)))
    reads = set()
    while stack:
        v = stack.pop()
        if v in needed:
            continue
        needed.add(v)
        d = getattr(v, "owner", None)
        if d is None or d not in ops:
            continue
        if d.name == "memref.load":
            reads.add(d)
        elif d.name.startswith(_HOST_PREFIXES + ("math.",)):
            stack.extend(d.operands)
    return reads, needed


def _single_thread(ops):
    """Run `ops` (consecutive, at function level) in a one-thread kernel."""
    first = ops[0]
    b = _Builder(first.parent, first)
    launch = _launch(b, b.index(1), 1)
    for o in ops:
        for r in o.results:
            if any(u.owner.parent is not None and u.owner not in ops and
                   not any(x.is_ancestor_of(u.owner) for x in ops) for u in r.uses):
                raise IRError(f"'{o.name}' computes a value the host needs from device "
                              "memory; this cannot run on the GPU yet", o.loc)
        o.detach()
        launch.body.append(o)
    launch.body.append(gpu.TerminatorOp())


def _writes(ops, buffer):
    """Whether any of `ops` may store into `buffer` (or into any buffer through a view)."""
    for o in ops:
        for x in o.walk():
            if x.name in ("memref.store", "vector.store", "vector.maskedstore") and \
                    buffer in x.operands[1:2] + x.operands[:1]:
                return True
            if x.name == "memref.copy" and x.operands[1] is buffer:
                return True
    return False


def _is_pure_scalar(o):
    """A side-effect-free op computing scalars (not a terminator, not a view)."""
    return bool(o.results) and not o.regions and o.opdef is not None and \
        o.opdef.is_pure and not any(isinstance(r.type, T.MemRefType) for r in o.results)


def _hoistable(o):
    """Host work that needs no kernel to have run: checks, allocation, shapes, and
    side-effect-free ops (scalars and views)."""
    if o.name in ("cf.assert", "memref.alloc", "memref.get_global", "memref.dim"):
        return True
    return bool(o.results) and not o.regions and o.opdef is not None and o.opdef.is_pure


def _produced_by(o, run):
    produced = {r for x in run for y in x.walk() for r in y.results}
    return any(v in produced for v in o.operands)


def _map_loop(o):
    """A parallel loop or a reduction nest, as kernels."""
    red = _match_reduction(o)
    if o.name == "scf.for":
        _map_block_reduction(red)
        return
    mm = _match_matmul(red) if red is not None else None
    if mm is not None:
        _map_matmul(mm)
    elif red is not None and _want_block_reduction(red):
        _map_block_reduction(red)
    else:
        if o.results:
            raise IRError("scf.parallel with reductions (scf.reduce) cannot be mapped to the "
                          "GPU yet", o.loc)
        _map_parallel(o)


def _convert_block(block):
    """Place the ops of a host block: loops become kernels, other data access one-thread
    kernels (consecutive ones together), host control flow is converted inside."""
    ops = list(block)
    reads, needed = _host_reads(ops)
    run = []
    for o in ops + [None]:
        device = False
        if o is not None and run and o in reads and not _writes(run, o.operands[0]):
            o.move_before(run[0])  # the host reads before the kernel, which leaves it be
            continue
        if o is not None and run and o not in reads and _hoistable(o) and \
                not _produced_by(o, run):
            o.move_before(run[0])  # host work that waits for no kernel runs before it
            continue
        if o is not None and run and o not in reads and _is_pure_scalar(o):
            if not any(r in needed for r in o.results):
                run.append(o)  # arithmetic on device data follows it into the kernel
                continue
        if o is not None and o not in reads and not any(r in needed for r in o.results):
            device = not _is_host_op(o) and not _is_host_control(o) and \
                o.name != "scf.parallel" and not (o.name == "scf.for" and
                                                  _match_reduction(o) is not None)
        if device:
            run.append(o)
            continue
        if run:
            _single_thread(run)
            run = []
        if o is None or o in reads:
            continue
        if o.name == "scf.parallel" or o.name == "scf.for" and not _is_host_control(o):
            _map_loop(o)
        elif _is_host_control(o):
            for r in o.regions:
                for b in r.blocks:
                    _convert_block(b)


def _convert_function(f):
    for block in list(f.regions[0].blocks):
        _convert_block(block)


@register_pass
class ConvertParallelLoopsToGPU(Pass):
    argument = "convert-parallel-loops-to-gpu"
    title = "ConvertParallelLoopsToGPU"
    summary = "Map the loop nests of functions to gpu.launch kernels (grids of blocks)"

    def run(self, op):
        for f in [o for o in op.walk() if o.name == "func.func" and not o.is_declaration]:
            _convert_function(f)


__all__ = ["ConvertParallelLoopsToGPU", "BLOCK", "WARP"]
