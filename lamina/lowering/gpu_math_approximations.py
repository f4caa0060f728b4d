"""`math-expand-approximations`: transcendental `math` ops become arith-only formulas, for
targets without a math library (NVPTX: LLVM has no libcall for `llvm.exp.f32` there and ends
the process). f32 and f64 scalars; f16/bf16 are computed in f32.

Error bounds (checked against numpy in tests/test_gpu_math.py; constants of the range
reductions split from 40-digit values, Cody-Waite):
  exp, expm1            reduction by ln 2, Taylor polynomial: <= 2 ulp (normal results)
  exp2                  2**round(x) * e**((x - round(x)) ln 2): <= 2 ulp
  log, log1p            exponent split, 2*atanh series on [sqrt(1/2), sqrt(2)): <= 3 ulp
  log2, log10           log times a constant: <= 4 ulp
  sin, cos              reduction by pi/2 in three parts, Taylor polynomials: absolute
                        error <= 2 eps for |x| <= 1e4
  tanh                  expm1(2x) / (expm1(2x) + 2): <= 4 ulp
  erf                   Abramowitz & Stegun 7.1.26: absolute error <= 5e-7 (f32 and f64)
  powf                  exp(y log x) with C's special cases: <= (8 + 3 |y log x|) ulp
Inputs outside a formula's range give what C gives (inf, 0, nan, +-1).
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal

from ..dialects import arith
from ..dialects import math as M
from ..ir import IRError
from ..ir import types as T
from ..ir.attributes import FloatAttr, IntegerAttr
from ..passes import Pass, register_pass


class _F:
    """Emits arith ops for one float type `t` before `anchor`."""

    def __init__(self, anchor, t):
        self.anchor = anchor
        self.t = t
        self.bits = 32 if t == T.f32 else 64
        self.it = T.IntegerType(self.bits)
        self.man = 23 if self.bits == 32 else 52
        self.bias = 127 if self.bits == 32 else 1023

    def op(self, o):
        self.anchor.parent.insert_before(self.anchor, o)
        return o.results[0]

    def c(self, v):
        return self.op(arith.ConstantOp(value=FloatAttr(float(v), self.t)))

    def ci(self, v):
        return self.op(arith.ConstantOp(value=IntegerAttr(v, self.it)))

    def add(self, a, b):
        return self.op(arith.AddFOp(a, b))

    def sub(self, a, b):
        return self.op(arith.SubFOp(a, b))

    def mul(self, a, b):
        return self.op(arith.MulFOp(a, b))

    def div(self, a, b):
        return self.op(arith.DivFOp(a, b))

    def fma(self, a, b, c):
        return self.op(M.FmaOp(a, b, c))

    def cmp(self, pred, a, b):
        return self.op(arith.CmpFOp.build(pred, a, b))

    def sel(self, c, a, b):
        return self.op(arith.SelectOp.build(c, a, b))

    def abs(self, a):
        return self.op(M.AbsFOp(a))

    def round(self, a):
        return self.op(M.RoundEvenOp(a))

    def horner(self, x, coeffs):
        """coeffs[0] + coeffs[1] x + ... (highest degree last)."""
        acc = self.c(coeffs[-1])
        for k in reversed(coeffs[:-1]):
            acc = self.fma(acc, x, self.c(k))
        return acc

    def to_int(self, a):
        return self.op(arith.FPToSIOp(a, result_types=[self.it]))

    def to_float(self, i):
        return self.op(arith.SIToFPOp(i, result_types=[self.t]))

    def pow2(self, n):
        """2**n for an integer-valued n in the normal range, from its bits."""
        i = self.op(arith.AddIOp(self.to_int(n), self.ci(self.bias)))
        i = self.op(arith.ShLIOp(i, self.ci(self.man)))
        return self.op(arith.BitcastOp(i, result_types=[self.t]))

    def is_nan(self, a):
        return self.cmp("uno", a, a)

    # -- the functions -----------------------------------------------------------------------
    def exp(self, x):
        hi = 88.8 if self.bits == 32 else 709.9
        lo = -104.0 if self.bits == 32 else -745.2
        xc = self._clamp(x, lo, hi)
        n = self.round(self.mul(xc, self.c(1 / math.log(2))))
        ln2_hi, ln2_lo = _split(_LN2, self.bits)
        r = self.fma(n, self.c(-ln2_hi), xc)
        return self._scaled_exp(x, n, self.fma(n, self.c(-ln2_lo), r))

    def exp2(self, x):
        xc = self._clamp(x, -151.0 if self.bits == 32 else -1076.0,
                         129.0 if self.bits == 32 else 1025.0)
        n = self.round(xc)
        f = self.sub(xc, n)  # exact
        ln2_hi, ln2_lo = _split(_LN2, self.bits)
        return self._scaled_exp(x, n, self.fma(f, self.c(ln2_hi), self.mul(f, self.c(ln2_lo))))

    def _clamp(self, x, lo, hi):
        return self.op(arith.MinimumFOp(self.op(arith.MaximumFOp(x, self.c(lo))), self.c(hi)))

    def _scaled_exp(self, x, n, r):
        """e**r * 2**n for |r| <= ln(2)/2 (x: the input, for its nan)."""
        p = self.horner(r, [1 / math.factorial(k) for k in range(8 if self.bits == 32 else 14)])
        # 2**n in two halves reaches subnormal results and overflows only past the range
        h = self.op(M.FloorOp(self.mul(n, self.c(0.5))))
        y = self.mul(self.mul(p, self.pow2(h)), self.pow2(self.sub(n, h)))
        return self.sel(self.is_nan(x), x, y)

    def expm1(self, x):
        small = self.horner(x, [0.0] + [1 / math.factorial(k) for k in
                                        range(1, 11 if self.bits == 32 else 19)])
        big = self.sub(self.exp(x), self.c(1.0))
        return self.sel(self.cmp("olt", self.abs(x), self.c(0.5)), small, big)

    def log(self, x):
        tiny = self.cmp("olt", x, self.c(2.0 ** (-126 if self.bits == 32 else -1022)))
        scale = 24 if self.bits == 32 else 54
        xs = self.sel(tiny, self.mul(x, self.c(2.0 ** scale)), x)
        bits = self.op(arith.BitcastOp(xs, result_types=[self.it]))
        # m in [sqrt(1/2), sqrt(2)): offset the exponent field by that much before splitting
        off = int.from_bytes(_bits_of(math.sqrt(0.5), self.bits), "little") - \
            (self.bias - 1 << self.man)
        b2 = self.op(arith.SubIOp(bits, self.ci(off)))
        e = self.op(arith.SubIOp(self.op(arith.ShRSIOp(b2, self.ci(self.man))),
                                 self.ci(self.bias - 1)))
        mbits = self.op(arith.SubIOp(bits, self.op(arith.ShLIOp(e, self.ci(self.man)))))
        m = self.op(arith.BitcastOp(mbits, result_types=[self.t]))
        ef = self.sub(self.to_float(e), self.sel(tiny, self.c(scale), self.c(0.0)))
        f = self.sub(m, self.c(1.0))
        s = self.div(f, self.add(f, self.c(2.0)))
        s2 = self.mul(s, s)
        terms = 5 if self.bits == 32 else 10
        p = self.horner(s2, [2.0 / (2 * k + 1) for k in range(terms)])
        ln2_hi, ln2_lo = _split(_LN2, self.bits)
        y = self.fma(ef, self.c(ln2_hi), self.fma(ef, self.c(ln2_lo), self.mul(s, p)))
        y = self.sel(self.cmp("oeq", x, self.c(math.inf)), x, y)
        y = self.sel(self.cmp("oeq", x, self.c(0.0)), self.c(-math.inf), y)
        return self.sel(self.cmp("ult", x, self.c(0.0)), self.c(math.nan), y)

    def log2(self, x):
        return self.mul(self.log(x), self.c(1 / math.log(2)))

    def log10(self, x):
        return self.mul(self.log(x), self.c(1 / math.log(10)))

    def log1p(self, x):
        u = self.add(x, self.c(1.0))
        d = self.sub(u, self.c(1.0))
        # log(u) corrected by the rounding of 1 + x (Goldberg's trick)
        corr = self.div(self.sub(x, d), u)
        y = self.add(self.log(u), corr)
        y = self.sel(self.cmp("oeq", d, self.c(0.0)), x, y)
        return self.sel(self.cmp("oeq", x, self.c(math.inf)), x, y)

    def tanh(self, x):
        a = self.abs(x)
        e = self.expm1(self.mul(a, self.c(2.0)))
        t = self.div(e, self.add(e, self.c(2.0)))
        t = self.sel(self.cmp("ogt", a, self.c(20.0 if self.bits == 32 else 40.0)),
                     self.c(1.0), t)
        return self.op(M.CopySignOp(t, x))

    def _sincos(self, x, want_sin):
        k = self.round(self.mul(x, self.c(2 / math.pi)))
        p1, p2, p3 = _split(_PI_2, self.bits, 3)
        r = self.fma(k, self.c(-p1), x)
        r = self.fma(k, self.c(-p2), r)
        r = self.fma(k, self.c(-p3), r)
        r2 = self.mul(r, r)
        n = 5 if self.bits == 32 else 9
        s = self.mul(r, self.horner(r2, [(-1) ** j / math.factorial(2 * j + 1)
                                         for j in range(n)]))
        c = self.horner(r2, [(-1) ** j / math.factorial(2 * j) for j in range(n + 1)])
        q = self.to_int(k)
        if not want_sin:
            q = self.op(arith.AddIOp(q, self.ci(1)))
        odd = self.op(arith.CmpIOp.build("ne", self.op(arith.AndIOp(q, self.ci(1))),
                                         self.ci(0)))
        neg = self.op(arith.CmpIOp.build("ne", self.op(arith.AndIOp(q, self.ci(2))),
                                         self.ci(0)))
        v = self.sel(odd, c, s)
        v = self.sel(neg, self.op(arith.NegFOp(v)), v)
        bad = self.cmp("uge", self.abs(x), self.c(math.inf))
        return self.sel(bad, self.c(math.nan), v)

    def sin(self, x):
        return self._sincos(x, True)

    def cos(self, x):
        return self._sincos(x, False)

    def erf(self, x):
        a = self.abs(x)
        t = self.div(self.c(1.0), self.fma(a, self.c(0.3275911), self.c(1.0)))
        poly = self.mul(t, self.horner(t, [0.254829592, -0.284496736, 1.421413741,
                                           -1.453152027, 1.061405429]))
        y = self.sub(self.c(1.0), self.mul(poly, self.exp(self.op(arith.NegFOp(
            self.mul(a, a))))))
        return self.op(M.CopySignOp(y, x))

    def powf(self, x, y):
        ax = self.abs(x)
        r = self.exp(self.mul(y, self.log(ax)))
        y_int = self.cmp("oeq", self.op(M.FloorOp(y)), y)
        half = self.mul(y, self.c(0.5))
        y_odd = self.op(arith.AndIOp(y_int, self.cmp("one", self.op(M.FloorOp(half)), half)))
        neg = self.cmp("olt", x, self.c(0.0))
        r = self.sel(self.op(arith.AndIOp(neg, y_odd)), self.op(arith.NegFOp(r)), r)
        not_int = self.op(arith.XOrIOp(y_int, self.op(arith.ConstantOp(
            value=IntegerAttr(1, T.i1)))))
        r = self.sel(self.op(arith.AndIOp(neg, not_int)), self.c(math.nan), r)
        one = self.c(1.0)
        r = self.sel(self.cmp("oeq", x, one), one, r)
        return self.sel(self.cmp("oeq", y, self.c(0.0)), one, r)


def _bits_of(v, bits):
    return struct.pack("<f" if bits == 32 else "<d", v)


def _round_to(v, bits):
    v = float(v)
    return struct.unpack("<f", struct.pack("<f", v))[0] if bits == 32 else v


def _truncate(v, bits):
    """float(v) with its low mantissa bits cleared, so that its products with integers of
    up to 12 (f32) / 27 (f64) bits are exact."""
    if bits == 32:
        return struct.unpack("<f", struct.pack("<I", struct.unpack(
            "<I", struct.pack("<f", float(v)))[0] & 0xFFFFF000))[0]
    return struct.unpack("<d", struct.pack("<Q", struct.unpack(
        "<Q", struct.pack("<d", float(v)))[0] & 0xFFFFFFFFF8000000))[0]


# the constants to 40 digits: the reductions need more than a double holds
_LN2 = Decimal("0.6931471805599453094172321214581765680755")
_PI_2 = Decimal("1.570796326794896619231321691639751442099")


def _split(v, bits, parts=2):
    """v (a Decimal) as a sum of `parts` floats, all but the last truncated (Cody-Waite)."""
    out = []
    rest = v
    for _ in range(parts - 1):
        hi = _truncate(rest, bits)
        out.append(hi)
        rest -= Decimal(hi)
    out.append(_round_to(rest, bits))
    return out


EXPANDED = {"math.exp": "exp", "math.exp2": "exp2", "math.expm1": "expm1", "math.log": "log",
            "math.log2": "log2", "math.log10": "log10", "math.log1p": "log1p",
            "math.tanh": "tanh", "math.sin": "sin", "math.cos": "cos", "math.erf": "erf",
            "math.powf": "powf"}
# math ops whose LLVM lowering would need a math library the target lacks
UNSUPPORTED = ("math.tan", "math.asin", "math.acos", "math.atan", "math.atan2", "math.sinh",
               "math.cosh", "math.erfc", "math.cbrt", "math.acosh", "math.asinh", "math.atanh",
               "math.fpowi")


def expand(root):
    """Replace every transcendental math op under `root` by its formula."""
    for o in list(root.walk()):
        if o.name in UNSUPPORTED:
            raise IRError(f"'{o.name}' has no approximation for targets without a math "
                          "library (the GPU) yet", o.loc)
        fn = EXPANDED.get(o.name)
        if fn is None:
            continue
        t = o.results[0].type
        if t.__class__ is not T.FloatType:
            raise IRError(f"'{o.name}' on '{t}' must be scalarized before it is expanded",
                          o.loc)
        wide = t if t in (T.f32, T.f64) else T.f32
        f = _F(o, wide)
        args = [x if wide == t else f.op(arith.ExtFOp(x, result_types=[wide]))
                for x in o.operands]
        r = getattr(f, fn)(*args)
        if wide != t:
            r = f.op(arith.TruncFOp(r, result_types=[t]))
        o.results[0].replace_all_uses_with(r)
        o.erase()


@register_pass
class MathExpandApproximations(Pass):
    argument = "math-expand-approximations"
    title = "MathExpandApproximations"
    summary = "Transcendental math ops as polynomial approximations (for targets without libm)"

    def run(self, op):
        expand(op)


__all__ = ["expand", "EXPANDED", "UNSUPPORTED", "MathExpandApproximations"]
