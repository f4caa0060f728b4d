"""`structured-tile`: a contraction (a structured.generic on memrefs whose body is `acc + x * y`
over floats: matmul, batched and transposed matmul, conv2d and its gradients) becomes a loop
nest tiled for the caches around a register-blocked vector micro-kernel (matmul_microkernel),
in the manner of BLIS.

The loops of the op fall into four classes: N, the loop that indexes C's innermost (unit-stride)
dimension; batch, the other parallel loops indexing B; M, the remaining parallel loops; K, the
reduction loops. The input without N is A, the other B. Every indexing map must
be linear in the loop indices (a sum of multiples of them plus a constant: `oh + kh` is), so
the flat position of an element is a sum of per-loop strides, and M, K and N each collapse into
one linear index whose offsets into A, B and C come from small tables computed once per call.
That is what lets one kernel serve every contraction: conv2d is an implicit GEMM (rows
(n, oh, ow), reduction (kh, kw, ic)) whose A the kernel reads straight from the input.

    for batch b:                                  (linearized batch loops)
      for jc in N step NC:                        (B block in L3)
        pack B[:, jc:+NC], per KC rows, as [NC/NR][KC][NR] panels, zero-padded  (parallel)
        for ic in M step MC:                      (parallel: one A block per core, in L2)
          for pc in K step KC:
            pack A[ic:+MC, pc:+KC] as [MC/MR][KC][MR] panels (a matmul's; a
                                          convolution's A is read in place)
            for jr in NC step NR:  for ir in MC step MR:
              C[ir:+MR, jr:+NR] += micro-kernel      (masked at the edges)

The accumulation order differs from the loop nest's (blocks of KC), as any tiling's does.
Where C was just filled with zeros (a matmul's or convolution's initial value), the block at
pc = 0 stores its sums instead of adding them to C, and the fill runs only for an empty
reduction (`_zero_fill`).
"""

from __future__ import annotations

import math

from ..dialects import memref, vector
from ..ir import types as T
from ..ir.affine import AffineBinary, AffineConst, AffineDim
from ..ir.attributes import IntegerAttr
from ..ir.rewrite import PatternRewriter
from ..passes import Pass, register_pass
from ..runtime.parallel import threads
from .matmul_microkernel import (MR, NV, VECTOR_BYTES, Emitter, add_into_c, lanes,
                                 micro_kernel)
from .structured_to_loops import PARALLEL, loop_bounds

SMALL_WORK = 1 << 15  # multiply-adds (32x32x32) below which a contraction is left as loops
CORES = threads()  # the threads the runtime's pool runs the blocks on
# cache blocking (elements): KC x NR of B stays in L1 while A's MC x KC block streams from L2;
# B's packed column block, K x NC, at most B_BLOCK (8 MB, in L3)
BLOCKS = {32: dict(KC=256, MC=144, NC=4096, B_BLOCK=1 << 21),
          64: dict(KC=128, MC=144, NC=2048, B_BLOCK=1 << 20)}


def _linear(expr):
    """({loop: coefficient}, constant) of an affine expression linear in the loop indices, or
    None."""
    c = expr.__class__
    if c is AffineDim:
        return {expr.position: 1}, 0
    if c is AffineConst:
        return {}, expr.value
    if c is not AffineBinary or expr.kind not in ("+", "*"):
        return None
    lhs, rhs = _linear(expr.lhs), _linear(expr.rhs)
    if lhs is None or rhs is None:
        return None
    if expr.kind == "+":
        coeffs = dict(lhs[0])
        for d, k in rhs[0].items():
            coeffs[d] = coeffs.get(d, 0) + k
        return coeffs, lhs[1] + rhs[1]
    if lhs[0] and rhs[0]:
        return None
    (coeffs, k), scale = (lhs, rhs[1]) if not rhs[0] else (rhs, lhs[1])
    return {d: x * scale for d, x in coeffs.items()}, k * scale


class Contraction:
    """What `match` learned of a structured.generic: its A, B and C operands, the loop classes,
    and each operand's indexing maps as linear forms."""

    def __init__(self, op, a, b, c, forms, batch, m, n, k, b_unit_columns):
        self.op, self.a, self.b, self.c = op, a, b, c
        # A's, B's and C's [({loop: coeff}, const) per dimension]: by position, as one buffer
        # may be both A and B (x @ x)
        self.forms = forms
        self.batch, self.m, self.n, self.k = batch, m, n, k
        self.b_unit_columns = b_unit_columns  # B's N loop steps by one element
        self.et = c.type.element_type


def _body_is_multiply_add(op):
    ops = list(op.block)
    if len(ops) != 3 or [o.name for o in ops] != ["arith.mulf", "arith.addf", "structured.yield"]:
        return False
    mul, add, y = ops
    x, w, acc = op.block.args
    if {id(v) for v in mul.operands} != {id(x), id(w)} or len(mul.operands) != 2 or x is w:
        return False
    if {id(v) for v in add.operands} != {id(acc), id(mul.results[0])}:
        return False
    return list(y.operands) == [add.results[0]]


def _static_work(op, operands):
    """The product of the op's trip counts where operand shapes give them all statically
    (a loop that is a bare index of a static dimension), else infinity."""
    trips = [None] * op.num_loops
    for v, m in zip(operands, op.maps):
        for k, e in enumerate(m.results):
            if e.__class__ is AffineDim and v.type.shape[k] != T.DYNAMIC:
                trips[e.position] = v.type.shape[k]
    work = 1
    for t in trips:
        if t is None:
            return float("inf")
        work *= t
    return work


def match(op):
    """A Contraction, or None where the op is not one this pass tiles."""
    if op.results or len(op.inputs) != 2 or len(op.outputs) != 1:
        return None
    operands = list(op.inputs) + list(op.outputs)
    if not all(isinstance(v.type, T.MemRefType) for v in operands) or \
            any(v is op.outputs[0] for v in op.inputs):
        # an input that is the output would change under the packed reads
        return None
    if _static_work(op, operands) < SMALL_WORK:
        return None  # packing and the blocked loops cost more than a tiny product's loops
    et = op.outputs[0].type.element_type
    if not (et.__class__ is T.FloatType and et.width in BLOCKS) or \
            any(v.type.element_type != et for v in operands) or not _body_is_multiply_add(op):
        return None
    forms = []
    for m in op.maps:
        f = [_linear(e) for e in m.results]
        if any(x is None for x in f):
            return None
        forms.append(f)
    its = op.iterators
    c_form = forms[2]
    if not c_form:
        return None
    strides = memref.strides_and_offset(op.outputs[0].type)
    last, _ = c_form[-1]
    if strides is None or strides[0][-1] != 1 or list(last.values()) != [1]:
        return None
    n = next(iter(last))
    if its[n] != PARALLEL or any(n in f for f, _ in c_form[:-1]):
        return None
    in_c = {d for f, _ in c_form for d in f}
    if any((its[d] == PARALLEL) != (d in in_c) for d in range(len(its))):
        return None
    uses = [{d for f, _ in forms[i] for d in f if f[d]} for i in (0, 1)]
    if n in uses[0] and n in uses[1]:
        return None
    ia = 1 if n in uses[0] else 0
    a, b = op.inputs[ia], op.inputs[1 - ia]
    # a parallel loop indexing B (other than N) varies B's panel: it is a batch loop
    batch = [d for d in range(len(its)) if its[d] == PARALLEL and d != n and d in uses[1 - ia]]
    m = [d for d in range(len(its)) if its[d] == PARALLEL and d != n and d not in batch]
    k = [d for d in range(len(its)) if its[d] != PARALLEL]
    # B's columns adjacent in memory: N indexes one dimension of B, of static unit stride
    b_strides = memref.strides_and_offset(b.type)
    at = [r for r, (f, _) in enumerate(forms[1 - ia]) if f.get(n)]
    unit = b_strides is not None and len(at) == 1 and forms[1 - ia][at[0]][0][n] == 1 and \
        b_strides[0][at[0]] == 1
    return Contraction(op, a, b, op.outputs[0], (forms[ia], forms[1 - ia], c_form), batch, m,
                       [n], k, unit)


def _zero_fill(con):
    """The structured.generic right before the contraction that sets every element of its C
    to +0.0 (a matmul's or convolution's initial value), or None. The tiled loops then store
    the first reduction block's sums where they would have added them to the zeros: no pass
    over C to clear it, and none to read the zeros back. Sums start from +0.0 accumulators, so
    they are never -0.0 and adding them to +0.0 changes nothing."""
    fill = con.op.prev
    if fill is None or fill.name != "structured.generic" or fill.results or \
            len(fill.inputs) != 1 or len(fill.outputs) != 1 or fill.outputs[0] is not con.c:
        return None
    x = fill.inputs[0]
    d = x.defining_op
    if x.type != con.et or d is None or d.name != "arith.constant":
        return None
    value = d.properties["value"].value
    if value != 0.0 or math.copysign(1.0, value) < 0:
        return None
    body = list(fill.block)
    if len(body) != 1 or list(body[0].operands) != [fill.block.args[0]]:
        return None
    rank = len(con.c.type.shape)
    dims = [r.position if r.__class__ is AffineDim else None for r in fill.maps[1].results]
    if fill.maps[0].results or dims != list(range(rank)) or fill.num_loops != rank or \
            any(it != PARALLEL for it in fill.iterators):
        return None
    # the contraction writes all of C: each dimension a loop of its own, indexed bare
    loops = [next(iter(f)) if len(f) == 1 and list(f.values()) == [1] and not k else None
             for f, k in con.forms[2]]
    if None in loops or len(set(loops)) != rank:
        return None
    return fill


class _Flat:
    """An operand as a flat buffer: `base` plus, per loop, the distance between elements."""

    def __init__(self, e, value, form, nloops):
        t = value.type
        md = e.op(memref.ExtractStridedMetadataOp(
            value, result_types=memref.ExtractStridedMetadataOp.result_types_for(t))).owner
        res = list(md.results)
        base_buffer, offset = res[0], res[1]
        sizes, strides = res[2:2 + t.rank], res[2 + t.rank:]
        # the extent that the view must cover: offset + sum((size - 1) * stride) + 1
        extent = e.add(offset, 1)
        for s, st in zip(sizes, strides):
            extent = e.add(extent, e.mul(e.sub(s, 1), st))
        flat_t = T.MemRefType((T.DYNAMIC,), t.element_type)
        self.buf = e.op(memref.ReinterpretCastOp.build(base_buffer, 0, [extent], [1], flat_t))
        self.base = offset
        self.step = [None] * nloops
        for st, (coeffs, const) in zip(strides, form):
            if const:
                self.base = e.add(self.base, e.mul(st, const))
            for d, k in coeffs.items():
                if k:
                    term = st if k == 1 else e.mul(st, k)
                    self.step[d] = term if self.step[d] is None else e.add(self.step[d], term)

    def offset(self, e, ivs, dims):
        """The offset the loops `dims` at indices `ivs` (a dict) contribute."""
        out = None
        for d in dims:
            if self.step[d] is not None:
                t = e.mul(ivs[d], self.step[d])
                out = t if out is None else e.add(out, t)
        return out if out is not None else e.c(0)


def _delinearize(e, t, dims, bounds):
    """The loop indices of linear index `t` over `dims` (row-major, the last fastest)."""
    ivs = {}
    for i, d in enumerate(reversed(dims)):
        if i == len(dims) - 1:
            ivs[d] = t
        else:
            ivs[d] = e.remu(t, bounds[d])
            t = e.divu(t, bounds[d])
    return ivs


def _extent(e, dims, bounds):
    out = e.c(1)
    for d in dims:
        out = e.mul(out, bounds[d])
    return out


def _table(e, flats, dims, bounds, size):
    """Per operand in `flats`, the offsets of the linear index over `dims` (an index buffer)."""
    tabs = [e.alloc(T.index, size, align=None) for _ in flats]
    with e.loop(0, size) as t:
        ivs = _delinearize(e, t, dims, bounds)
        for tab, f in zip(tabs, flats):
            e.store(f.offset(e, ivs, dims), tab, t)
    return tabs


def _round_up(e, x, n):
    return e.mul(e.divu(e.add(x, n - 1), n), n)


def tile(rw, con):
    op = con.op
    fill = _zero_fill(con)  # (before any op is inserted between the two)
    e = Emitter(rw, op.loc)
    rw.set_insertion_point_before(op)
    bounds = loop_bounds(rw, op)
    et = con.et
    nr = NV * lanes(et)
    blk = BLOCKS[et.width]
    kc_max, mc_max, nc_max = blk["KC"], blk["MC"], blk["NC"]
    nloops = op.num_loops
    fa, fb, fc = (_Flat(e, v, f, nloops) for v, f in zip((con.a, con.b, con.c), con.forms))
    msize, nsize, ksize = (_extent(e, dims, bounds) for dims in (con.m, con.n, con.k))
    bsize = _extent(e, con.batch, bounds)
    row_a, row_c = _table(e, [fa, fc], con.m, bounds, msize)
    col_b, = _table(e, [fb], con.n, bounds, nsize)
    k_a, k_b = _table(e, [fa, fb], con.k, bounds, ksize)
    # B's column block is packed whole (every reduction block of it), so that each core runs
    # the reduction over its rows on its own: two forks per column block, not two per KC
    nc_step = e.max(e.min(e.mul(e.divu(e.divu(blk["B_BLOCK"], e.max(ksize, 1)), nr), nr),
                          nc_max), nr)
    b_pack = e.alloc(et, e.mul(ksize, _round_up(e, e.min(nsize, nc_step), nr)))
    # a convolution's A (its windows: several reduction loops) is read in place, as packing
    # it would cost as much as the products each packed element takes part in (N is small);
    # a matmul's A is packed, for contiguous loads in the kernel
    direct_a = len(con.k) > 1
    a_size = None if direct_a else e.mul(e.min(ksize, kc_max),
                                         _round_up(e, e.min(msize, mc_max), MR))
    zero = e.f(0.0, et)
    if fill is not None:
        with e.when(e.lt(ksize, 1)):  # no reduction block to store C: the zeros stay
            fill.detach()
            e.rw.insert(fill)
    last_n = e.sub(nsize, 1)
    # as many row blocks as it takes to keep each under MC, rounded up to a multiple of the
    # cores, so that each core gets as many, of about the same size
    blocks = e.max(_round_up(e, e.divu(e.add(msize, mc_max - 1), mc_max), CORES), 1)
    mc_step = e.max(_round_up(e, e.divu(e.add(msize, e.sub(blocks, 1)), blocks), MR), MR)
    with e.loop(0, bsize) as bi:
        ivs = _delinearize(e, bi, con.batch, bounds)
        base_a, base_b, base_c = (e.add(f.base, f.offset(e, ivs, con.batch))
                                  for f in (fa, fb, fc))
        with e.loop(0, nsize, nc_step) as jc:
            nc = e.min(nc_step, e.sub(nsize, jc))
            nc_pad = _round_up(e, nc, nr)
            _pack_b(e, con, b_pack, fb.buf, base_b, col_b, k_b, jc, nc, ksize, kc_max, nr,
                    last_n, zero)
            with e.parallel(0, msize, mc_step) as ic:
                mc = e.min(mc_step, e.sub(msize, ic))
                if not direct_a:
                    a_pack = e.alloc(et, a_size)
                with e.loop(0, ksize, kc_max) as pc:
                    kc = e.min(kc_max, e.sub(ksize, pc))
                    fresh = None if fill is None else e.lt(pc, 1)
                    if direct_a:
                        a_column = _direct_a(e, fa.buf, base_a, row_a, k_a, ic, mc, pc)
                    else:
                        _pack_a(e, a_pack, fa.buf, base_a, row_a, k_a, ic, mc, pc, kc, zero)
                        a_column = _packed_a(e, a_pack, kc)
                    with e.loop(0, nc, nr) as jr:
                        nrem = e.sub(nc, jr)
                        b_at = e.add(e.mul(pc, nc_pad), e.mul(e.divu(jr, nr), e.mul(kc, nr)))
                        col_at = e.add(base_c, e.add(jc, jr))
                        with e.loop(0, mc, MR) as ir:
                            mrem = e.sub(mc, ir)
                            acc = micro_kernel(e, et, a_column(ir), b_pack, b_at, kc)
                            first = e.add(ic, ir)
                            add_into_c(e, et, acc, fc.buf,
                                       lambda r: e.load(row_c, e.add(first, r)), col_at,
                                       mrem, nrem, fresh)
                if not direct_a:
                    e.dealloc(a_pack)
    for buf in (b_pack, row_a, row_c, col_b, k_a, k_b):
        e.dealloc(buf)
    op.erase()


def _pack_b(e, con, b_pack, b, base, col_b, k_b, jc, nc, ksize, kc_max, nr, last_n, zero):
    """B[:, jc:jc+nc] as, per block of kc_max rows (at pc * nc rounded up to nr), panels of nr
    columns: [jp][p][j], zero past nc. Where B's columns are adjacent in memory, a row of a
    panel is NV masked vector loads; otherwise element by element, each read clamped into B
    so that none is out of bounds."""
    n = lanes(con.et)
    nc_pad = _round_up(e, nc, nr)
    with e.parallel(0, e.divu(nc_pad, nr), 1) as jp:
        first = e.mul(jp, nr)
        if con.b_unit_columns:
            vt = T.VectorType((n,), con.et)
            zeros = e.op(vector.BroadcastOp(zero, result_types=[vt]))
            masks = [e.op(vector.CreateMaskOp([e.sub(nc, e.add(first, v * n))],
                                              result_types=[T.VectorType((n,), T.i1)]))
                     for v in range(NV)]
            start = e.add(base, e.add(jc, first))
        with e.loop(0, ksize, kc_max) as pc:
            kc = e.min(kc_max, e.sub(ksize, pc))
            panel = e.add(e.mul(pc, nc_pad), e.mul(jp, e.mul(kc, nr)))
            with e.loop(0, kc) as p:
                to = e.add(panel, e.mul(p, nr))
                k = e.load(k_b, e.add(pc, p))
                if con.b_unit_columns:
                    row = e.add(start, k)
                    for v in range(NV):
                        x = e.op(vector.MaskedLoadOp(b, [e.add(row, v * n)], masks[v], zeros,
                                                     result_types=[vt]))
                        e.op(vector.StoreOp(x, b_pack, [e.add(to, v * n)],
                                            alignment=IntegerAttr(VECTOR_BYTES)))
                else:
                    row = e.add(base, k)
                    with e.loop(0, nr) as jj:
                        j = e.add(first, jj)
                        v = e.load(b, e.add(row, e.load(col_b, e.min(e.add(jc, j), last_n))))
                        e.store(e.select(e.lt(j, nc), v, zero), b_pack, e.add(to, jj))


def _packed_a(e, a_pack, kc):
    def at_rows(ir):
        start = e.mul(ir, kc)

        def column(p):
            at = e.add(start, e.mul(p, MR))
            return [e.load(a_pack, e.add(at, r)) for r in range(MR)]
        return column
    return at_rows


def _row_offsets(e, base, row_a, first, last):
    """The offsets of A's MR rows from row `first` on, those past `last` reading row `last`
    (so that no read is out of bounds)."""
    return [e.add(base, e.load(row_a, e.min(e.add(first, r), last))) for r in range(MR)]


def _direct_a(e, a, base, row_a, k_a, ic, mc, pc):
    """A's columns read in place: the MR rows' offsets before the kernel's loop (rows past mc
    read the last row, whose products the masked update drops), the reduction's offset from
    its table in the loop."""
    last = e.sub(e.add(ic, mc), 1)

    def at_rows(ir):
        rows = _row_offsets(e, base, row_a, e.add(ic, ir), last)

        def column(p):
            k = e.load(k_a, e.add(pc, p))
            return [e.load(a, e.add(row, k)) for row in rows]
        return column
    return at_rows


def _pack_a(e, a_pack, a, base, row_a, k_a, ic, mc, pc, kc, zero):
    """A[ic:ic+mc, pc:pc+kc] into panels of MR rows: a_pack[ip][p][i], zero past mc."""
    last = e.sub(e.add(ic, mc), 1)
    with e.loop(0, e.divu(e.add(mc, MR - 1), MR)) as ip:
        panel = e.mul(ip, e.mul(kc, MR))
        first = e.mul(ip, MR)
        inside = [e.lt(e.add(first, r), mc) for r in range(MR)]
        rows = _row_offsets(e, base, row_a, e.add(ic, first), last)
        with e.loop(0, kc) as p:
            k = e.load(k_a, e.add(pc, p))
            to = e.add(panel, e.mul(p, MR))
            for r in range(MR):
                v = e.load(a, e.add(rows[r], k))
                e.store(e.select(inside[r], v, zero), a_pack, e.add(to, r))


@register_pass
class StructuredTile(Pass):
    argument = "structured-tile"
    title = "StructuredTile"
    summary = ("Tile contractions (structured.generic computing acc + x * y on memrefs) for the "
               "caches around a packed, register-blocked vector micro-kernel")

    def run(self, op):
        rw = PatternRewriter()
        for g in [o for o in op.walk() if o.name == "structured.generic"]:
            con = match(g)
            if con is not None:
                tile(rw, con)
