"""The upstream `math` dialect: elementwise mathematical functions on scalars, vectors and
tensors, in MLIR 22's syntax, folded for constant operands.

Folds compute in double precision (numpy's and Python's libm) and round once to the result
type, so f32, f16 and bf16 results are as good as the double functions; `fma` is exact.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..ir import types as T
from ..ir.constraints import BoolLike, FloatLike, SignlessIntegerLike
from ..ir.opdef import Op, Pure, SameOperandsAndResultType, operand, prop, result
from .arith import (FASTMATH, FloatBinaryOp, FloatOp, FloatUnaryOp, binary_examples, example,
                    fold_elementwise, i1_like, ieee_nan, round_exact, signed, ternary_examples,
                    unary_examples, unsigned, width)

_FLOAT_TYPES = ("f32", "vector<4xf16>", "tensor<?xf64>")
_INT_TYPES = ("i32", "vector<4xi8>", "tensor<?xindex>")


# -- float unary ops -------------------------------------------------------------------------

class _UnaryMathOp(FloatUnaryOp):
    """A float function of one operand; `calc` computes an element in double precision.
    Each op's examples follow one pattern, so they are made here from its name."""

    def __init_subclass__(cls, **kw):
        cls.examples = unary_examples(cls.name, _FLOAT_TYPES, "fastmath<fast>")
        super().__init_subclass__(**kw)


def _round_half_away(x):
    if not math.isfinite(x):
        return x
    r = math.trunc(x)
    if abs(x - r) >= 0.5:
        r += 1 if x > 0 else -1
    return math.copysign(float(r), x)


def _rsqrt(x):
    return 1 / np.sqrt(x)


class AbsFOp(_UnaryMathOp):
    """Absolute value."""

    name = "math.absf"
    calc = staticmethod(np.abs)


class AcosOp(_UnaryMathOp):
    """Arcus cosine."""

    name = "math.acos"
    calc = staticmethod(np.arccos)


class AcoshOp(_UnaryMathOp):
    """Inverse hyperbolic cosine."""

    name = "math.acosh"
    calc = staticmethod(np.arccosh)


class AsinOp(_UnaryMathOp):
    """Arcus sine."""

    name = "math.asin"
    calc = staticmethod(np.arcsin)


class AsinhOp(_UnaryMathOp):
    """Inverse hyperbolic sine."""

    name = "math.asinh"
    calc = staticmethod(np.arcsinh)


class AtanOp(_UnaryMathOp):
    """Arcus tangent."""

    name = "math.atan"
    calc = staticmethod(np.arctan)


class AtanhOp(_UnaryMathOp):
    """Inverse hyperbolic tangent."""

    name = "math.atanh"
    calc = staticmethod(np.arctanh)


class CbrtOp(_UnaryMathOp):
    """Cube root."""

    name = "math.cbrt"
    calc = staticmethod(np.cbrt)


class CeilOp(_UnaryMathOp):
    """Rounding toward positive infinity."""

    name = "math.ceil"
    calc = staticmethod(np.ceil)


class CosOp(_UnaryMathOp):
    """Cosine."""

    name = "math.cos"
    calc = staticmethod(np.cos)


class CoshOp(_UnaryMathOp):
    """Hyperbolic cosine."""

    name = "math.cosh"
    calc = staticmethod(np.cosh)


class ErfOp(_UnaryMathOp):
    """The error function."""

    name = "math.erf"
    calc = staticmethod(math.erf)


class ErfcOp(_UnaryMathOp):
    """The complementary error function, 1 - erf(x)."""

    name = "math.erfc"
    calc = staticmethod(math.erfc)


class ExpOp(_UnaryMathOp):
    """Base-e exponential."""

    name = "math.exp"
    calc = staticmethod(np.exp)


class Exp2Op(_UnaryMathOp):
    """Base-2 exponential."""

    name = "math.exp2"
    calc = staticmethod(np.exp2)


class ExpM1Op(_UnaryMathOp):
    """exp(x) - 1, accurate near zero."""

    name = "math.expm1"
    calc = staticmethod(np.expm1)


class FloorOp(_UnaryMathOp):
    """Rounding toward negative infinity."""

    name = "math.floor"
    calc = staticmethod(np.floor)


class LogOp(_UnaryMathOp):
    """Natural logarithm."""

    name = "math.log"
    calc = staticmethod(np.log)


class Log10Op(_UnaryMathOp):
    """Base-10 logarithm."""

    name = "math.log10"
    calc = staticmethod(np.log10)


class Log1pOp(_UnaryMathOp):
    """log(1 + x), accurate near zero."""

    name = "math.log1p"
    calc = staticmethod(np.log1p)


class Log2Op(_UnaryMathOp):
    """Base-2 logarithm."""

    name = "math.log2"
    calc = staticmethod(np.log2)


class RoundOp(_UnaryMathOp):
    """Rounding to the nearest integer, halfway cases away from zero."""

    name = "math.round"
    calc = staticmethod(_round_half_away)


class RoundEvenOp(_UnaryMathOp):
    """Rounding to the nearest integer, halfway cases to even."""

    name = "math.roundeven"
    calc = staticmethod(np.rint)


class RsqrtOp(_UnaryMathOp):
    """Reciprocal square root."""

    name = "math.rsqrt"
    calc = staticmethod(_rsqrt)


class SinOp(_UnaryMathOp):
    """Sine."""

    name = "math.sin"
    calc = staticmethod(np.sin)


class SinhOp(_UnaryMathOp):
    """Hyperbolic sine."""

    name = "math.sinh"
    calc = staticmethod(np.sinh)


class SqrtOp(_UnaryMathOp):
    """Square root."""

    name = "math.sqrt"
    calc = staticmethod(np.sqrt)


class TanOp(_UnaryMathOp):
    """Tangent."""

    name = "math.tan"
    calc = staticmethod(np.tan)


class TanhOp(_UnaryMathOp):
    """Hyperbolic tangent."""

    name = "math.tanh"
    calc = staticmethod(np.tanh)


class TruncOp(_UnaryMathOp):
    """Rounding toward zero."""

    name = "math.trunc"
    calc = staticmethod(np.trunc)


# -- float binary and ternary ops -------------------------------------------------------------

class _BinaryMathOp(FloatBinaryOp):
    """A float function of two operands; `calc` computes an element in double precision."""

    def __init_subclass__(cls, **kw):
        cls.examples = binary_examples(cls.name, _FLOAT_TYPES, "fastmath<fast>")
        super().__init_subclass__(**kw)


class Atan2Op(_BinaryMathOp):
    """atan2(y, x): the angle of the point (x, y)."""

    name = "math.atan2"
    calc = staticmethod(np.arctan2)


class CopySignOp(_BinaryMathOp):
    """The magnitude of the first operand with the sign of the second."""

    name = "math.copysign"
    calc = staticmethod(np.copysign)


class PowFOp(_BinaryMathOp):
    """Floating-point power."""

    name = "math.powf"
    calc = staticmethod(np.power)


class FmaOp(FloatOp):
    """Fused multiply-add, a * b + c with one rounding."""

    name = "math.fma"
    a = operand(FloatLike)
    b = operand(FloatLike)
    c = operand(FloatLike)
    result = result(FloatLike)
    fastmath = prop(FASTMATH)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = ("$a `,` $b `,` $c (`fastmath` `` $fastmath^)? attr-dict `:` "
                       "type($result)")
    examples = ternary_examples(name, _FLOAT_TYPES, "fastmath<contract>")

    def calc(self, a, b, c):
        if not all(map(math.isfinite, (a, b, c))):
            return a * b + c
        return round_exact(Fraction(a) * Fraction(b) + Fraction(c),
                           T.element_type(self.result.type))


class FPowIOp(Op):
    """A float raised to a signless integer power."""

    name = "math.fpowi"
    lhs = operand(FloatLike)
    rhs = operand(SignlessIntegerLike)
    result = result(FloatLike)
    fastmath = prop(FASTMATH)
    traits = (Pure,)
    assembly_format = ("$lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($lhs) `,` "
                       "type($rhs)")
    examples = (example(["f32", "i32"],
                        ["%0 = math.fpowi %arg0, %arg1 fastmath<fast> : f32, i32"], "f32"),
                example(["vector<2xf64>", "vector<2xi64>"],
                        ["%0 = math.fpowi %arg0, %arg1 : vector<2xf64>, vector<2xi64>"],
                        "vector<2xf64>"))

    def infer_result_types(self, operands, properties):
        return [operands[0].type]

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = parts.operand_types[0]

    def verify_(self):
        if self.result.type != self.lhs.type:
            raise self.error("failed to verify that all of {lhs, result} have same type")
        if getattr(self.rhs.type, "shape", None) != getattr(self.lhs.type, "shape", None):
            raise self.error("requires the same shape for all operands and results")

    def fold(self, consts):
        if None in consts:
            return None
        w = width(self.rhs.type)
        # the exponent stays an int: through float64 a large one could change sign
        return fold_elementwise(consts, self.result.type, lambda x, n: ieee_nan(
            np.power(np.float64(x), float(signed(n, w))), [x]))


class ClampFOp(Op):
    """Clamps a float to [min, max]."""

    name = "math.clampf"
    value = operand(FloatLike)
    min = operand(FloatLike)
    max = operand(FloatLike)
    result = result(FloatLike)
    fastmath = prop(FASTMATH)
    traits = (Pure, SameOperandsAndResultType)
    # MLIR writes a space between `to` and `[`, where ODS's spacing rules would not
    assembly_format = ("$value `to` ` ` `[` $min `,` $max `]` (`fastmath` `` $fastmath^)? "
                       "attr-dict `:` type($result)")
    examples = (example(["f32"] * 3, ["%0 = math.clampf %arg0 to [%arg1, %arg2] : f32"], "f32"),
                example(["vector<4xf16>"] * 3, ["%0 = math.clampf %arg0 to [%arg1, %arg2] "
                                                "fastmath<fast> : vector<4xf16>"],
                        "vector<4xf16>"))


class SinCosOp(Op):
    """The sine and the cosine of a float."""

    name = "math.sincos"
    operand = operand(FloatLike)
    sin = result(FloatLike)
    cos = result(FloatLike)
    fastmath = prop(FASTMATH)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$operand (`fastmath` `` $fastmath^)? attr-dict `:` type($operand)"
    examples = (example(["f32"], ["%0:2 = math.sincos %arg0 : f32"], ["f32", "f32"]),
                example(["vector<2xf64>"], ["%0:2 = math.sincos %arg0 fastmath<afn> : "
                                            "vector<2xf64>"], ["vector<2xf64>"] * 2))

    def fold(self, consts):
        if None in consts:
            return None
        out = []
        for fn, r in ((np.sin, self.results[0]), (np.cos, self.results[1])):
            f = fold_elementwise(consts, r.type, lambda x: ieee_nan(fn(np.float64(x)), [x]))
            if f is None:
                return None
            out += f
        return out


# -- float classification -------------------------------------------------------------------------

_SMALLEST_NORMAL = {"f16": 2.0 ** -14, "bf16": 2.0 ** -126, "f32": 2.0 ** -126,
                    "f64": 2.0 ** -1022}


class _ClassifyOp(Op):
    """A test of a float giving i1 (or i1 vectors and tensors of the operand's shape);
    `test(x, float_type)` answers it for one element."""

    operand = operand(FloatLike)
    result = result(BoolLike)
    fastmath = prop(FASTMATH)
    traits = (Pure,)
    # upstream's format has no `fastmath` keyword here: the flags go in the attribute dict
    assembly_format = "$operand attr-dict `:` type($operand)"

    def __init_subclass__(cls, **kw):
        cls.examples = (
            example(["f32"], [f"%0 = {cls.name} %arg0 : f32"], "i1"),
            example(["vector<4xf16>"], [f"%0 = {cls.name} %arg0 {{fastmath = "
                                        f"#arith.fastmath<fast>}} : vector<4xf16>"],
                    "vector<4xi1>"))
        super().__init_subclass__(**kw)

    def infer_result_types(self, operands, properties):
        return [i1_like(operands[0].type)]

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = [i1_like(parts.operand_types[0][0])]

    def verify_(self):
        if self.result.type != i1_like(self.operand.type):
            raise self.error("failed to verify that result type has i1 element type and same "
                             "shape as operands")

    def fold(self, consts):
        ft = T.element_type(self.operand.type)
        if None in consts or ft.name not in _SMALLEST_NORMAL:
            return None
        return fold_elementwise(consts, self.result.type, lambda x: self.test(x, ft))


class IsNaNOp(_ClassifyOp):
    """Whether a float is NaN."""

    name = "math.isnan"

    @staticmethod
    def test(x, ft):
        return math.isnan(x)


class IsInfOp(_ClassifyOp):
    """Whether a float is infinite."""

    name = "math.isinf"

    @staticmethod
    def test(x, ft):
        return math.isinf(x)


class IsFiniteOp(_ClassifyOp):
    """Whether a float is neither infinite nor NaN."""

    name = "math.isfinite"

    @staticmethod
    def test(x, ft):
        return math.isfinite(x)


class IsNormalOp(_ClassifyOp):
    """Whether a float is normal: finite, not zero and not subnormal."""

    name = "math.isnormal"

    @staticmethod
    def test(x, ft):
        return math.isfinite(x) and abs(x) >= _SMALLEST_NORMAL[ft.name]


# -- integer ops --------------------------------------------------------------------------------

class _IntUnaryOp(Op):
    """An integer function of one operand; `calc(x, w)` maps an element, read unsigned, of
    width w."""

    operand = operand(SignlessIntegerLike)
    result = result(SignlessIntegerLike)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$operand attr-dict `:` type($result)"

    def __init_subclass__(cls, **kw):
        cls.examples = unary_examples(cls.name, _INT_TYPES)
        super().__init_subclass__(**kw)

    def fold(self, consts):
        if None in consts:
            return None
        w = width(self.result.type)
        return fold_elementwise(consts, self.result.type,
                                lambda x: self.calc(unsigned(x, w), w))


class AbsIOp(_IntUnaryOp):
    """Integer absolute value (the minimum value stays as it is)."""

    name = "math.absi"

    @staticmethod
    def calc(x, w):
        return abs(signed(x, w))


class CountLeadingZerosOp(_IntUnaryOp):
    """Number of leading zero bits."""

    name = "math.ctlz"

    @staticmethod
    def calc(x, w):
        return w - x.bit_length()


class CountTrailingZerosOp(_IntUnaryOp):
    """Number of trailing zero bits."""

    name = "math.cttz"

    @staticmethod
    def calc(x, w):
        return (x & -x).bit_length() - 1 if x else w


class CtPopOp(_IntUnaryOp):
    """Number of set bits."""

    name = "math.ctpop"

    @staticmethod
    def calc(x, w):
        return bin(x).count("1")


def _ipowi(a, b, w):
    a, e = signed(a, w), signed(b, w)
    if e >= 0:
        return pow(a, e, 1 << w)
    # a negative power is 0 in integers unless the base is 1 or -1; 0 ** -n divides by zero
    if a == 0:
        return None
    if a in (1, -1):
        return a ** (e % 2)
    return 0


class IPowIOp(Op):
    """Signed integer power."""

    name = "math.ipowi"
    lhs = operand(SignlessIntegerLike)
    rhs = operand(SignlessIntegerLike)
    result = result(SignlessIntegerLike)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"
    examples = binary_examples(name, _INT_TYPES)

    def fold(self, consts):
        if None in consts:
            return None
        w = width(self.result.type)
        return fold_elementwise(consts, self.result.type, lambda a, b: _ipowi(a, b, w))


__all__ = [
    "AbsFOp", "AcosOp", "AcoshOp", "AsinOp", "AsinhOp", "AtanOp", "AtanhOp", "CbrtOp", "CeilOp",
    "CosOp", "CoshOp", "ErfOp", "ErfcOp", "ExpOp", "Exp2Op", "ExpM1Op", "FloorOp", "LogOp",
    "Log10Op", "Log1pOp", "Log2Op", "RoundOp", "RoundEvenOp", "RsqrtOp", "SinOp", "SinhOp",
    "SqrtOp", "TanOp", "TanhOp", "TruncOp", "Atan2Op", "CopySignOp", "PowFOp", "FmaOp",
    "FPowIOp", "ClampFOp", "SinCosOp", "IsNaNOp", "IsInfOp", "IsFiniteOp", "IsNormalOp",
    "AbsIOp", "CountLeadingZerosOp", "CountTrailingZerosOp", "CtPopOp", "IPowIOp",
]
