"""The register-blocked micro-kernel of the tiled contractions (`structured-tile`), in the
`vector` dialect: an MR x NR block of C held in MR * NV vectors of the machine's widest
registers (AVX-512: 16 f32 or 8 f64 lanes; NR = NV lanes-wide vectors), updated over a
reduction of length `kc` by one broadcast of an A element and one FMA per accumulator, B read
from a packed panel (BLIS's layout: [kc][NR], zero-padded, so that the kernel never looks at
an edge), A's column of MR elements from wherever the caller says (a packed [kc][MR] panel,
or the operand itself). The block is then added into C with masked loads and stores:
rows past `mr` are skipped and lanes past `nr` masked off, which is how edge tiles stay exact.

`Emitter` is the small builder both this module and the tiling pass write loops with.
"""

from __future__ import annotations

from contextlib import contextmanager

from ..dialects import arith, memref, scf, vector
from ..ir import types as T
from ..ir.attributes import IntegerAttr

VECTOR_BYTES = 64  # a zmm register
MR = 6  # rows of the register block
NV = 2  # vectors per row: NR = NV * lanes


def lanes(et):
    return VECTOR_BYTES // (et.width // 8)


class Emitter:
    """Inserts ops through a rewriter and names the index arithmetic the tiling needs."""

    def __init__(self, rw, loc):
        self.rw = rw
        self.loc = loc

    def op(self, new_op):
        new_op.loc = self.loc
        r = self.rw.insert(new_op)
        return r.results[0] if r.results else r

    def c(self, n):
        return self.op(arith.ConstantOp(value=IntegerAttr(n, T.index)))

    def f(self, x, et):
        return self.op(arith.ConstantOp.build(float(x), et))

    def _i(self, x):
        return self.c(x) if isinstance(x, int) else x

    def add(self, a, b):
        return self.op(arith.AddIOp(self._i(a), self._i(b)))

    def sub(self, a, b):
        return self.op(arith.SubIOp(self._i(a), self._i(b)))

    def mul(self, a, b):
        return self.op(arith.MulIOp(self._i(a), self._i(b)))

    def min(self, a, b):
        return self.op(arith.MinSIOp(self._i(a), self._i(b)))

    def max(self, a, b):
        return self.op(arith.MaxSIOp(self._i(a), self._i(b)))

    def divu(self, a, b):
        return self.op(arith.DivUIOp(self._i(a), self._i(b)))

    def remu(self, a, b):
        return self.op(arith.RemUIOp(self._i(a), self._i(b)))

    def lt(self, a, b):
        return self.op(arith.CmpIOp.build("slt", self._i(a), self._i(b)))

    def select(self, c, a, b):
        return self.op(arith.SelectOp.build(c, a, b))

    def load(self, m, i):
        return self.op(memref.LoadOp(m, [self._i(i)]))

    def store(self, v, m, i):
        self.op(memref.StoreOp(v, m, [self._i(i)]))

    def alloc(self, et, size, align=VECTOR_BYTES):
        t = T.MemRefType((T.DYNAMIC,), et)
        return self.op(memref.AllocOp.build(t, [self._i(size)], alignment=align))

    def dealloc(self, m):
        self.op(memref.DeallocOp(m))

    @contextmanager
    def loop(self, lb, ub, step=1):
        """An scf.for; the body is built inside the `with`, after it the loop."""
        f = self.op(scf.ForOp.build(self._i(lb), self._i(ub), self._i(step), loc=self.loc))
        self.rw.set_insertion_point_before(f.body.last)
        yield f.induction_var
        self.rw.set_insertion_point_after(f)

    @contextmanager
    def parallel(self, lb, ub, step):
        """A one-dimensional scf.parallel (its iterations may run on separate threads)."""
        p = self.op(scf.ParallelOp.build([self._i(lb)], [self._i(ub)], [self._i(step)],
                                         loc=self.loc))
        self.rw.set_insertion_point_before(p.body.last)
        yield p.induction_vars[0]
        self.rw.set_insertion_point_after(p)

    @contextmanager
    def when(self, cond):
        i = self.op(scf.IfOp.build(cond, loc=self.loc))
        self.rw.set_insertion_point_before(i.regions[0].blocks[0].last)
        yield
        self.rw.set_insertion_point_after(i)


def micro_kernel(e, et, a_column, bp, b_at, kc):
    """The MR x NR block sum_p A[p][r] * B[p][:] over p < kc, as MR lists of NV vectors: B's
    rows from the packed panel starting at `b_at` in `bp`, A's column p (MR scalars) from
    `a_column(p)`, which emits the loads."""
    n = lanes(et)
    vt = T.VectorType((n,), et)
    zero = e.op(vector.BroadcastOp(e.f(0.0, et), result_types=[vt]))
    loop = e.rw.insert(scf.ForOp.build(e.c(0), kc, e.c(1), [zero] * (MR * NV), loc=e.loc))
    p, accs = loop.induction_var, list(loop.iter_args)
    placeholder = loop.body.append(scf.YieldOp(accs))
    e.rw.set_insertion_point_before(placeholder)
    b_row = e.add(b_at, e.mul(p, NV * n))
    bs = [e.op(vector.LoadOp(vt, bp, [e.add(b_row, v * n)],
                             alignment=IntegerAttr(VECTOR_BYTES))) for v in range(NV)]
    new = []
    for r, x in enumerate(a_column(p)):
        a = e.op(vector.BroadcastOp(x, result_types=[vt]))
        for v in range(NV):
            new.append(e.op(vector.FMAOp(a, bs[v], accs[r * NV + v], result_types=[vt])))
    e.op(scf.YieldOp(new))
    placeholder.erase()
    e.rw.set_insertion_point_after(loop)
    res = list(loop.results)
    return [res[r * NV:(r + 1) * NV] for r in range(MR)]


def add_into_c(e, et, acc, c, row_at, col_at, mr, nr, fresh=None):
    """C[row_at(r) + col_at + j] += acc[r][j] for rows r < mr and columns j < nr (`row_at` the
    index of row r's first element); where the i1 `fresh` is true, C's old values count as
    zeros and are not read."""
    n = lanes(et)
    vt = T.VectorType((n,), et)
    mt = T.VectorType((n,), T.i1)
    masks = [e.op(vector.CreateMaskOp([e.sub(nr, v * n)], result_types=[mt]))
             for v in range(NV)]
    reads, old_of_fresh = masks, None
    if fresh is not None:
        # a load under an all-false mask reads no memory and gives its pass-through, zeros
        reads = [e.op(vector.CreateMaskOp([e.select(fresh, e.c(0), e.sub(nr, v * n))],
                                          result_types=[mt])) for v in range(NV)]
        old_of_fresh = e.op(vector.BroadcastOp(e.f(0.0, et), result_types=[vt]))
    for r in range(MR):
        with e.when(e.lt(r, mr)):
            base = e.add(row_at(r), col_at)
            for v in range(NV):
                at = e.add(base, v * n)
                # the pass-through lanes are stored only where fresh (as zeros); elsewhere
                # any vector serves there
                passthru = acc[r][v] if old_of_fresh is None else old_of_fresh
                old = e.op(vector.MaskedLoadOp(c, [at], reads[v], passthru, result_types=[vt]))
                total = e.op(arith.AddFOp(old, acc[r][v]))
                e.op(vector.MaskedStoreOp(c, [at], masks[v], total))
