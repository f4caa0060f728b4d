"""The upstream `arith` dialect: integer and floating-point arithmetic, comparisons, select and
casts on scalars, vectors and tensors, in MLIR 22's syntax, with folders, a constant
materializer and a few canonicalization patterns.

Folding treats `index` as 64 bits wide (MLIR's IndexType::kInternalStorageBitWidth), keeps
integer constants in their signed two's-complement form (i1 as 0/1), and computes float results
in double precision, rounded once to the result type: for + - * / and fmod of f32, f16 and bf16
operands that is exact (double has more than twice their precision plus two bits).
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction

import numpy as np

from ..ir import types as T
from ..ir.attributes import (DenseElementsAttr, EnumAttribute, FloatAttr, IntegerAttr,
                             from_float_bits, round_bf16_bits, round_to)
from ..ir.constraints import (AnyType, AttrConstraint, BoolLike, EnumOf, FloatLike,
                              IntEnum, IntOrIndex, SignlessIntegerLike, TypeConstraint, Unit)
from ..ir.core import Attribute
from ..ir.format import custom_directive
from ..ir.opdef import (Commutative, ConstantLike, Op, Pure, SameOperandsAndResultType,
                        SameTypeOperands, operand, opt_prop, prop, result)
from ..ir.registry import register_attr, register_constant_materializer
from ..ir.rewrite import RewritePattern


# -- attributes ------------------------------------------------------------------------------

class FastMathAttr(EnumAttribute):
    """`#arith.fastmath<nnan,ninf>`: LLVM's fast-math flags; `fast` stands for all of them."""

    __slots__ = ()
    dialect = "arith"
    mnemonic = "fastmath"
    allowed = ("reassoc", "nnan", "ninf", "nsz", "arcp", "contract", "afn")
    bit_enum = True
    none_case = "none"

    def __init__(self, cases):
        if isinstance(cases, str):
            cases = [c.strip() for c in cases.split(",")]
        super().__init__(self.allowed if "fast" in cases else cases)

    def body(self):
        return "fast" if len(self.cases) == len(self.allowed) else super().body()


class IntegerOverflowAttr(EnumAttribute):
    """`#arith.overflow<nsw, nuw>`: no signed / no unsigned wrap (poison if it happens)."""

    __slots__ = ()
    dialect = "arith"
    mnemonic = "overflow"
    allowed = ("nsw", "nuw")
    bit_enum = True
    none_case = "none"

    def body(self):
        # MLIR separates these flags with ", " (fastmath with a bare ",")
        return ", ".join(self.cases) if self.cases else self.none_case


register_attr("arith.fastmath", FastMathAttr)
register_attr("arith.overflow", IntegerOverflowAttr)

CMPI_PREDICATES = IntEnum("arith.cmpi predicate",
                          ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"))
CMPF_PREDICATES = IntEnum("arith.cmpf predicate",
                          ("false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq",
                           "ugt", "uge", "ult", "ule", "une", "uno", "true"))
ROUNDING_MODES = IntEnum("arith.roundingmode", ("to_nearest_even", "downward", "upward",
                                                "toward_zero", "to_nearest_away"), type=T.i32)
FASTMATH = EnumOf(FastMathAttr, default="none")
OVERFLOW = EnumOf(IntegerOverflowAttr, default="none")


# -- type constraints -----------------------------------------------------------------------

def _memref_of(pred):
    return lambda t: t.__class__ is T.MemRefType and pred(t.element_type)


SignlessFixedWidthIntegerLike = TypeConstraint(
    lambda t: SignlessIntegerLike(t) and T.element_type(t).__class__ is T.IntegerType,
    "signless-fixed-width-integer-like")
IndexCastable = TypeConstraint(
    lambda t: SignlessIntegerLike(t) or _memref_of(IntOrIndex)(t),
    "signless-integer-like or memref of signless-integer")
_IntOrFloat = TypeConstraint(
    lambda t: (t.__class__ is T.IntegerType and t.signedness == "") or t.__class__ is T.FloatType,
    "signless integer or float")
Bitcastable = TypeConstraint(
    lambda t: SignlessFixedWidthIntegerLike(t) or FloatLike(t) or _memref_of(_IntOrFloat)(t),
    "signless-integer-or-float-like or memref of signless-integer or float")


def i1_like(t):
    """i1, or a vector/tensor of i1 shaped as `t` (the result type of comparisons)."""
    c = t.__class__
    if c is T.VectorType:
        return T.VectorType(t.shape, T.i1, t.scalable)
    if c is T.RankedTensorType:
        return T.RankedTensorType(t.shape, T.i1, t.encoding)
    if c is T.UnrankedTensorType:
        return T.UnrankedTensorType(T.i1)
    return T.i1


# -- constant folding machinery ----------------------------------------------------------------

_FOLDABLE_FLOATS = frozenset(("f16", "bf16", "f32", "f64"))


def _foldable(et):
    c = et.__class__
    return c is T.IndexType or (c is T.IntegerType and et.signedness == "") or (
        c is T.FloatType and et.name in _FOLDABLE_FLOATS)


def width(t):
    """Bit width of `t`'s elements; index counts as 64 bits."""
    et = T.element_type(t)
    return 64 if et.__class__ is T.IndexType else et.width


def unsigned(v, w):
    return int(v) & ((1 << w) - 1)


def signed(v, w):
    v = unsigned(v, w)
    return v - (1 << w) if v >> (w - 1) else v


def _norm(v, et):
    """An element value as attributes hold it: rounded floats, wrapped signed ints, i1 as 0/1."""
    if et.__class__ is T.FloatType:
        return round_to(float(v), et)
    w = width(et)
    return unsigned(v, 1) if w == 1 else signed(v, w)


def _scalar_attr(v, t):
    return FloatAttr(v, t) if t.__class__ is T.FloatType else IntegerAttr(_norm(v, t), t)


def splat_attr(t, v):
    """An attribute holding `v` in every element of type `t`, or None (dynamic shapes)."""
    et = T.element_type(t)
    if et is t:
        return _scalar_attr(v, t)
    if t.__class__ in (T.VectorType, T.RankedTensorType) and t.has_static_shape:
        return DenseElementsAttr(t, _norm(v, et))
    return None


def splat_value(a):
    """The single value of a scalar attribute or a splat, else None."""
    if a.__class__ in (IntegerAttr, FloatAttr):
        return a.value
    if a.__class__ is DenseElementsAttr and a.is_splat:
        return a.splat_value()
    return None


def _is_int(a, v, w):
    s = splat_value(a)
    return s is not None and unsigned(s, w) == unsigned(v, w)


def _is_float(a, v):
    s = splat_value(a)
    return s is not None and s == v and math.copysign(1, s) == math.copysign(1, v)


def fold_elementwise(consts, result_type, fn):
    """Fold an elementwise op whose operands are all constant: `fn` maps the operands' element
    values (Python ints and floats) to the result element, or None where the result is
    undefined (then nothing folds). Scalars, splats and dense attributes are handled alike."""
    et = T.element_type(result_type)
    if not consts or not _foldable(et):
        return None
    classes = {a.__class__ for a in consts}
    if classes <= {IntegerAttr, FloatAttr}:
        if et is not result_type:
            return None
        with np.errstate(all="ignore"):
            v = fn(*(a.value for a in consts))
        return None if v is None else [_scalar_attr(v, result_type)]
    if classes != {DenseElementsAttr} or result_type.__class__ not in (
            T.VectorType, T.RankedTensorType):
        return None
    with np.errstate(all="ignore"):
        if all(a.is_splat for a in consts):
            v = fn(*(a.splat_value() for a in consts))
            return None if v is None else [DenseElementsAttr(result_type, _norm(v, et))]
        out = []
        for vals in zip(*(a.array.reshape(-1).tolist() for a in consts)):
            v = fn(*vals)
            if v is None:
                return None
            out.append(_norm(v, et))
    return [DenseElementsAttr(result_type,
                              np.array(out, dtype=object).reshape(result_type.shape))]


def round_exact(r, ft):
    """The rational `r` rounded once (to nearest even) to float type `ft`. Rounding to double
    by round-to-odd first keeps the second rounding exact for the narrower types."""
    f = float(r)
    if ft.name == "f64" or Fraction(f) == r:
        return round_to(f, ft)
    t = f if abs(Fraction(f)) < abs(r) else math.nextafter(f, 0.0)
    if not struct.unpack("<q", struct.pack("<d", t))[0] & 1:
        t = math.nextafter(t, math.copysign(math.inf, t))
    return round_to(t, ft)


def ieee_nan(r, inputs):
    """`r`, computed from `inputs`; a NaN made from numbers becomes APFloat's positive quiet
    NaN (x86 and its libm make a negative one)."""
    if isinstance(r, float) and math.isnan(r) and not any(map(math.isnan, inputs)):
        return math.nan
    return r


def _float_bits(v, ft):
    name = ft.name
    if name == "f64":
        return struct.unpack("<Q", struct.pack("<d", v))[0]
    if name == "f32":
        return struct.unpack("<I", struct.pack("<f", v))[0]
    if name == "f16":
        return int(np.array(v, np.float16).view(np.uint16))
    return round_bf16_bits(v)


def constant_of(v):
    """The IntegerAttr, FloatAttr or DenseElementsAttr a value is known to hold, or None."""
    op = v.defining_op
    if op is None or op.opdef is None or ConstantLike not in op.opdef.traits:
        return None
    a = op.properties.get("value")
    return a if a.__class__ in (IntegerAttr, FloatAttr, DenseElementsAttr) else None


def _def(v, name):
    """The op defining `v` if it is a `name` op."""
    op = v.defining_op
    return op if op is not None and op.name == name else None


# -- examples: one func.func each, its arguments in and the op's results out ----------------

def example(arg_types, ops, result_types):
    """A func.func module text: `ops` are the body lines, the last defines %0 (all results)."""
    args = ", ".join(f"%arg{i}: {t}" for i, t in enumerate(arg_types))
    rets = result_types if isinstance(result_types, (list, tuple)) else [result_types]
    vals = ["%0"] if len(rets) == 1 else [f"%0#{i}" for i in range(len(rets))]
    sig = rets[0] if len(rets) == 1 else "(" + ", ".join(rets) + ")"
    body = "".join(f"  {line}\n" for line in ops)
    return (f"func.func @f({args}) -> {sig} {{\n{body}"
            f"  return {', '.join(vals)} : {', '.join(rets)}\n}}")


def _flagged_examples(name, operands, types, attrs):
    """One example per type; the first also carries `attrs` (flags written before the type)."""
    args = ", ".join(f"%arg{i}" for i in range(operands))
    return tuple(example([t] * operands,
                         [f"%0 = {name} {args}{' ' + attrs if attrs and i == 0 else ''} : {t}"], t)
                 for i, t in enumerate(types))


def unary_examples(name, types, attrs=""):
    return _flagged_examples(name, 1, types, attrs)


def binary_examples(name, types, attrs=""):
    return _flagged_examples(name, 2, types, attrs)


def ternary_examples(name, types, attrs=""):
    return _flagged_examples(name, 3, types, attrs)


_INT_TYPES = ("i32", "vector<4xi64>", "tensor<?xindex>")
_FLOAT_TYPES = ("f32", "vector<4xf16>", "tensor<2x?xf64>")


# -- constant ---------------------------------------------------------------------------------

class _ConstantValue(AttrConstraint):
    """The value of arith.constant, written with its type (`1 : i32`, `dense<1> : ...`)."""

    desc = "typed attribute"

    def check(self, a):
        return hasattr(a, "type")

    def print(self, a):
        if a.__class__ in (IntegerAttr, FloatAttr) and a.type != T.i1:
            return f"{a.str_without_type()} : {a.type}"
        return str(a)


class ConstantOp(Op):
    """An integer, float, or elements constant."""

    name = "arith.constant"
    value = prop(_ConstantValue())
    result = result(AnyType)
    traits = (Pure, ConstantLike)
    assembly_format = "attr-dict $value"
    examples = (
        "func.func @f() -> (i32, f32, i1, index) {\n"
        "  %0 = arith.constant 42 : i32\n  %1 = arith.constant -1.500000e+00 : f32\n"
        "  %2 = arith.constant true\n  %3 = arith.constant 7 : index\n"
        "  return %0, %1, %2, %3 : i32, f32, i1, index\n}",
        "func.func @f() -> (tensor<2x2xf32>, vector<4xi8>) {\n"
        "  %0 = arith.constant dense<[[1.000000e+00, 2.000000e+00], [3.000000e+00, "
        "4.000000e+00]]> : tensor<2x2xf32>\n"
        "  %1 = arith.constant {foo.bar} dense<-3> : vector<4xi8>\n"
        "  return %0, %1 : tensor<2x2xf32>, vector<4xi8>\n}",
    )

    @classmethod
    def build(cls, value, type=None, loc=None):
        """`value`: an Attribute, or a Python number (or nested list, for a shaped `type`)."""
        if not isinstance(value, Attribute):
            et = T.element_type(type)
            value = _scalar_attr(value, type) if et is type else DenseElementsAttr(
                type, np.vectorize(lambda v: _norm(v, et), otypes=[object])(value))
        return cls(value=value, loc=loc)

    def infer_result_types(self, operands, properties):
        return [properties["value"].type]

    @classmethod
    def infer_parsed_types(cls, parts):
        v = parts.props.get("value")
        if hasattr(v, "type"):
            parts.result_types[0] = [v.type]

    def verify_(self):
        a = self.value
        t = self.result.type
        if a.__class__ not in (IntegerAttr, FloatAttr, DenseElementsAttr):
            raise self.error("value must be an integer, float, or elements attribute")
        if a.type != t:
            raise self.error("failed to verify that all of {value, result} have same type")
        et = T.element_type(t)
        if et.__class__ is T.IntegerType and et.signedness != "":
            raise self.error("integer return type must be signless")

    def fold(self, consts):
        return [self.value]


def _materialize(attr, type, loc):
    if attr.__class__ in (IntegerAttr, FloatAttr, DenseElementsAttr) and attr.type == type:
        return ConstantOp(value=attr, loc=loc)
    return None


register_constant_materializer("arith", _materialize)


# -- integer binary ops -------------------------------------------------------------------------

class IntBinaryOp(Op):
    """Base of the elementwise integer binary ops: `calc` gives one element of the result from
    two operand elements; `simplify` holds the folds that need only some operands constant."""

    lhs = operand(SignlessIntegerLike)
    rhs = operand(SignlessIntegerLike)
    result = result(SignlessIntegerLike)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"

    @staticmethod
    def calc(a, b, w):
        raise NotImplementedError

    def simplify(self, consts, w):
        return None

    def fold(self, consts):
        w = width(self.result.type)
        folded = self.simplify(consts, w)
        if folded is None and None not in consts:
            folded = fold_elementwise(consts, self.result.type, lambda a, b: self.calc(a, b, w))
        return folded

    def _zero(self):
        z = splat_attr(self.result.type, 0)
        return None if z is None else [z]


class _WithOverflow(IntBinaryOp):
    overflowFlags = prop(OVERFLOW)
    assembly_format = ("$lhs `,` $rhs (`overflow` `` $overflowFlags^)? attr-dict "
                       "`:` type($result)")


class _WithExact(IntBinaryOp):
    isExact = opt_prop(Unit())
    assembly_format = "$lhs `,` $rhs (`exact` $isExact^)? attr-dict `:` type($result)"


_COMMUTATIVE = IntBinaryOp.traits + (Commutative,)


def _trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _signed_in_range(v, w):
    return -(1 << (w - 1)) <= v < (1 << (w - 1))


class _AddIAddConstant(RewritePattern):
    """addi(addi(x, c1), c2) -> addi(x, c1 + c2), so constant offsets gather into one."""

    op_name = "arith.addi"

    def match_and_rewrite(self, op, rewriter):
        inner = _def(op.lhs, "arith.addi")
        c2 = constant_of(op.rhs)
        c1 = constant_of(inner.rhs) if inner is not None else None
        if c1 is None or c2 is None:
            return False
        w = width(op.result.type)
        folded = fold_elementwise([c1, c2], op.result.type, lambda a, b: AddIOp.calc(a, b, w))
        if folded is None:
            return False
        c = rewriter.insert(ConstantOp(value=folded[0], loc=op.loc))
        rewriter.replace_op_with_new(op, AddIOp(inner.lhs, c.result, loc=op.loc))
        return True


class AddIOp(_WithOverflow):
    """Integer addition, modulo 2^n."""

    name = "arith.addi"
    traits = _COMMUTATIVE
    examples = binary_examples(name, _INT_TYPES, "overflow<nsw, nuw>")
    canonicalization_patterns = (_AddIAddConstant(),)

    @staticmethod
    def calc(a, b, w):
        return a + b

    def simplify(self, consts, w):
        if _is_int(consts[1], 0, w):
            return [self.lhs]
        for x, y in ((self.lhs, self.rhs), (self.rhs, self.lhs)):
            sub = _def(x, "arith.subi")
            if sub is not None and sub.operands[1] is y:  # (a - b) + b
                return [sub.operands[0]]
        return None


class SubIOp(_WithOverflow):
    """Integer subtraction, modulo 2^n."""

    name = "arith.subi"
    examples = binary_examples(name, _INT_TYPES, "overflow<nsw>")

    @staticmethod
    def calc(a, b, w):
        return a - b

    def simplify(self, consts, w):
        if self.lhs is self.rhs:
            return self._zero()
        if _is_int(consts[1], 0, w):
            return [self.lhs]
        add = _def(self.lhs, "arith.addi")
        if add is not None:  # (a + b) - b, (a + b) - a
            a, b = add.operands
            if b is self.rhs:
                return [a]
            if a is self.rhs:
                return [b]
        return None


class MulIOp(_WithOverflow):
    """Integer multiplication, modulo 2^n."""

    name = "arith.muli"
    traits = _COMMUTATIVE
    examples = binary_examples(name, _INT_TYPES, "overflow<nuw>")

    @staticmethod
    def calc(a, b, w):
        return a * b

    def simplify(self, consts, w):
        if _is_int(consts[1], 0, w):
            return [consts[1]]
        if _is_int(consts[1], 1, w):
            return [self.lhs]
        return None


class _DivOp(IntBinaryOp):
    """x / 1 -> x for every division.

    Division and remainder have no memory effects but are not Pure (speculatable): hoisted
    above the check that guards a zero divisor, the compiled code would trap."""

    traits = (SameOperandsAndResultType,)
    effects = ()

    def simplify(self, consts, w):
        return [self.lhs] if _is_int(consts[1], 1, w) else None


class DivUIOp(_DivOp, _WithExact):
    """Unsigned integer division, rounding toward zero."""

    name = "arith.divui"
    examples = binary_examples(name, _INT_TYPES, "exact")

    @staticmethod
    def calc(a, b, w):
        a, b = unsigned(a, w), unsigned(b, w)
        return a // b if b else None


class DivSIOp(_DivOp, _WithExact):
    """Signed integer division, rounding toward zero."""

    name = "arith.divsi"
    examples = binary_examples(name, _INT_TYPES, "exact")

    @staticmethod
    def calc(a, b, w):
        a, b = signed(a, w), signed(b, w)
        if not b:
            return None
        q = _trunc_div(a, b)
        return q if _signed_in_range(q, w) else None


class CeilDivUIOp(_DivOp):
    """Unsigned integer division, rounding toward positive infinity."""

    name = "arith.ceildivui"
    examples = binary_examples(name, _INT_TYPES)

    @staticmethod
    def calc(a, b, w):
        a, b = unsigned(a, w), unsigned(b, w)
        return -(-a // b) if b else None


class CeilDivSIOp(_DivOp):
    """Signed integer division, rounding toward positive infinity."""

    name = "arith.ceildivsi"
    examples = binary_examples(name, _INT_TYPES)

    @staticmethod
    def calc(a, b, w):
        a, b = signed(a, w), signed(b, w)
        # as upstream, no folding where its sign-flipping steps would overflow (the
        # expansion into plain divisions does the same steps)
        if not b or a and -(1 << (w - 1)) in (a, b):
            return None
        return -(-a // b)


class FloorDivSIOp(_DivOp):
    """Signed integer division, rounding toward negative infinity."""

    name = "arith.floordivsi"
    examples = binary_examples(name, _INT_TYPES)

    @staticmethod
    def calc(a, b, w):
        a, b = signed(a, w), signed(b, w)
        if not b:
            return None
        q = a // b
        return q if _signed_in_range(q, w) else None


class _RemOp(IntBinaryOp):
    """x % 1 -> 0 for both remainders; not Pure, as the divisions."""

    traits = (SameOperandsAndResultType,)
    effects = ()

    def simplify(self, consts, w):
        return self._zero() if _is_int(consts[1], 1, w) else None


class RemUIOp(_RemOp):
    """Unsigned integer remainder."""

    name = "arith.remui"
    examples = binary_examples(name, _INT_TYPES)

    @staticmethod
    def calc(a, b, w):
        a, b = unsigned(a, w), unsigned(b, w)
        return a % b if b else None


class RemSIOp(_RemOp):
    """Signed integer remainder; the result has the sign of the dividend."""

    name = "arith.remsi"
    examples = binary_examples(name, _INT_TYPES)

    @staticmethod
    def calc(a, b, w):
        a, b = signed(a, w), signed(b, w)
        return a - b * _trunc_div(a, b) if b else None


class AndIOp(IntBinaryOp):
    """Bitwise and."""

    name = "arith.andi"
    traits = _COMMUTATIVE
    examples = binary_examples(name, _INT_TYPES)

    @staticmethod
    def calc(a, b, w):
        return unsigned(a, w) & unsigned(b, w)

    def simplify(self, consts, w):
        if _is_int(consts[1], 0, w):
            return [consts[1]]
        if self.lhs is self.rhs or _is_int(consts[1], -1, w):
            return [self.lhs]
        return None


class OrIOp(IntBinaryOp):
    """Bitwise or."""

    name = "arith.ori"
    traits = _COMMUTATIVE
    examples = binary_examples(name, _INT_TYPES)

    @staticmethod
    def calc(a, b, w):
        return unsigned(a, w) | unsigned(b, w)

    def simplify(self, consts, w):
        if _is_int(consts[1], -1, w):
            return [consts[1]]
        if self.lhs is self.rhs or _is_int(consts[1], 0, w):
            return [self.lhs]
        return None


class XOrIOp(IntBinaryOp):
    """Bitwise exclusive or."""

    name = "arith.xori"
    traits = _COMMUTATIVE
    examples = binary_examples(name, _INT_TYPES)

    @staticmethod
    def calc(a, b, w):
        return unsigned(a, w) ^ unsigned(b, w)

    def simplify(self, consts, w):
        if self.lhs is self.rhs:
            return self._zero()
        return [self.lhs] if _is_int(consts[1], 0, w) else None


class _ShiftOp(IntBinaryOp):
    """x shifted by 0 -> x; shifting by the width or more is poison and is left alone."""

    def simplify(self, consts, w):
        return [self.lhs] if _is_int(consts[1], 0, w) else None


class ShLIOp(_ShiftOp, _WithOverflow):
    """Left shift."""

    name = "arith.shli"
    examples = binary_examples(name, _INT_TYPES, "overflow<nsw, nuw>")

    @staticmethod
    def calc(a, b, w):
        b = unsigned(b, w)
        return unsigned(a, w) << b if b < w else None


class ShRSIOp(_ShiftOp, _WithExact):
    """Arithmetic (sign-filling) right shift."""

    name = "arith.shrsi"
    examples = binary_examples(name, _INT_TYPES, "exact")

    @staticmethod
    def calc(a, b, w):
        b = unsigned(b, w)
        return signed(a, w) >> b if b < w else None


class ShRUIOp(_ShiftOp, _WithExact):
    """Logical (zero-filling) right shift."""

    name = "arith.shrui"
    examples = binary_examples(name, _INT_TYPES, "exact")

    @staticmethod
    def calc(a, b, w):
        b = unsigned(b, w)
        return unsigned(a, w) >> b if b < w else None


class _MinMaxIOp(IntBinaryOp):
    """max(x, x) -> x; `view` reads elements as signed or unsigned, `pick` is min or max."""

    traits = _COMMUTATIVE
    view = staticmethod(signed)
    pick = staticmethod(max)

    def calc(self, a, b, w):
        return self.pick(self.view(a, w), self.view(b, w))

    def simplify(self, consts, w):
        return [self.lhs] if self.lhs is self.rhs else None


class MaxSIOp(_MinMaxIOp):
    """Signed integer maximum."""

    name = "arith.maxsi"
    examples = binary_examples(name, _INT_TYPES)


class MaxUIOp(_MinMaxIOp):
    """Unsigned integer maximum."""

    name = "arith.maxui"
    view = staticmethod(unsigned)
    examples = binary_examples(name, _INT_TYPES)


class MinSIOp(_MinMaxIOp):
    """Signed integer minimum."""

    name = "arith.minsi"
    pick = staticmethod(min)
    examples = binary_examples(name, _INT_TYPES)


class MinUIOp(_MinMaxIOp):
    """Unsigned integer minimum."""

    name = "arith.minui"
    view = staticmethod(unsigned)
    pick = staticmethod(min)
    examples = binary_examples(name, _INT_TYPES)


# -- extended integer arithmetic ------------------------------------------------------------------

class _ExtendedOp(Op):
    """Two-result integer ops: the result pair of two operand elements comes from `calc`."""

    traits = (Pure, Commutative, SameTypeOperands)

    def fold(self, consts):
        if None in consts:
            return None
        w = width(self.lhs.type)
        out = []
        for i, r in enumerate(self.results):
            f = fold_elementwise(consts, r.type, lambda a, b: self.calc(a, b, w)[i])
            if f is None:
                return None
            out += f
        return out


class AddUIExtendedOp(_ExtendedOp):
    """Unsigned addition returning the sum and the carry bit."""

    name = "arith.addui_extended"
    lhs = operand(SignlessIntegerLike)
    rhs = operand(SignlessIntegerLike)
    sum = result(SignlessIntegerLike)
    overflow = result(BoolLike)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($sum) `,` type($overflow)"
    examples = (example(["i32", "i32"], ["%0:2 = arith.addui_extended %arg0, %arg1 : i32, i1"],
                        ["i32", "i1"]),
                example(["vector<4xi8>", "vector<4xi8>"],
                        ["%0:2 = arith.addui_extended %arg0, %arg1 : vector<4xi8>, vector<4xi1>"],
                        ["vector<4xi8>", "vector<4xi1>"]))

    @staticmethod
    def calc(a, b, w):
        s = unsigned(a, w) + unsigned(b, w)
        return s, s >> w

    def infer_result_types(self, operands, properties):
        t = operands[0].type
        return [t, i1_like(t)]

    @classmethod
    def infer_parsed_types(cls, parts):
        t = parts.result_types[0]
        parts.operand_types = [t, t]

    def verify_(self):
        t = self.lhs.type
        if not (self.rhs.type == t == self.sum.type):
            raise self.error("failed to verify that all of {lhs, rhs, sum} have same type")
        if self.overflow.type != i1_like(t):
            raise self.error("failed to verify that overflow type has i1 element type and "
                             "same shape as the sum")

    def fold(self, consts):
        if None in consts and _is_int(consts[1], 0, width(self.lhs.type)):
            zero = splat_attr(self.overflow.type, 0)
            return None if zero is None else [self.lhs, zero]
        return super().fold(consts)


class _MulExtendedOp(_ExtendedOp):
    lhs = operand(SignlessIntegerLike)
    rhs = operand(SignlessIntegerLike)
    low = result(SignlessIntegerLike)
    high = result(SignlessIntegerLike)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($lhs)"
    view = staticmethod(signed)

    def calc(self, a, b, w):
        p = self.view(a, w) * self.view(b, w)
        return p, p >> w

    def infer_result_types(self, operands, properties):
        return [operands[0].type] * 2

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types = [parts.operand_types[0]] * 2

    def verify_(self):
        t = self.lhs.type
        if not (self.rhs.type == t == self.low.type == self.high.type):
            raise self.error("failed to verify that all of {lhs, rhs, low, high} have same "
                             "type")


class MulSIExtendedOp(_MulExtendedOp):
    """Signed multiplication returning the low and high halves of the double-width product."""

    name = "arith.mulsi_extended"
    examples = (example(["i32", "i32"], ["%0:2 = arith.mulsi_extended %arg0, %arg1 : i32"],
                        ["i32", "i32"]),)


class MulUIExtendedOp(_MulExtendedOp):
    """Unsigned multiplication returning the low and high halves of the double-width product."""

    name = "arith.mului_extended"
    view = staticmethod(unsigned)
    examples = (example(["vector<2xi16>", "vector<2xi16>"],
                        ["%0:2 = arith.mului_extended %arg0, %arg1 : vector<2xi16>"],
                        ["vector<2xi16>", "vector<2xi16>"]),)


# -- floating-point ops ------------------------------------------------------------------------

class FloatOp(Op):
    """Base of the elementwise float ops (also math's): `calc` maps operand elements, as
    float64 numpy scalars, to the result element, which is then rounded to the result type;
    `simplify` holds the folds that need only some operands constant."""

    @staticmethod
    def calc(*args):
        raise NotImplementedError

    def simplify(self, consts):
        return None

    def fold(self, consts):
        folded = self.simplify(consts)
        if folded is None and None not in consts:
            folded = fold_elementwise(consts, self.results[0].type, self._calc_ieee)
        return folded

    def _calc_ieee(self, *xs):
        return ieee_nan(self.calc(*map(np.float64, xs)), xs)


class FloatUnaryOp(FloatOp):
    operand = operand(FloatLike)
    result = result(FloatLike)
    fastmath = prop(FASTMATH)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$operand (`fastmath` `` $fastmath^)? attr-dict `:` type($result)"


class FloatBinaryOp(FloatOp):
    lhs = operand(FloatLike)
    rhs = operand(FloatLike)
    result = result(FloatLike)
    fastmath = prop(FASTMATH)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($result)"


_FCOMMUTATIVE = FloatBinaryOp.traits + (Commutative,)


class AddFOp(FloatBinaryOp):
    """Floating-point addition."""

    name = "arith.addf"
    traits = _FCOMMUTATIVE
    examples = binary_examples(name, _FLOAT_TYPES, "fastmath<fast>")
    calc = staticmethod(np.add)

    def simplify(self, consts):
        return [self.lhs] if _is_float(consts[1], -0.0) else None


class SubFOp(FloatBinaryOp):
    """Floating-point subtraction."""

    name = "arith.subf"
    examples = binary_examples(name, _FLOAT_TYPES, "fastmath<nnan,ninf>")
    calc = staticmethod(np.subtract)

    def simplify(self, consts):
        return [self.lhs] if _is_float(consts[1], 0.0) else None


class MulFOp(FloatBinaryOp):
    """Floating-point multiplication."""

    name = "arith.mulf"
    traits = _FCOMMUTATIVE
    examples = binary_examples(name, _FLOAT_TYPES, "fastmath<contract>")
    calc = staticmethod(np.multiply)

    def simplify(self, consts):
        return [self.lhs] if _is_float(consts[1], 1.0) else None


class DivFOp(FloatBinaryOp):
    """Floating-point division."""

    name = "arith.divf"
    examples = binary_examples(name, _FLOAT_TYPES, "fastmath<arcp>")
    calc = staticmethod(np.divide)

    def simplify(self, consts):
        return [self.lhs] if _is_float(consts[1], 1.0) else None


class RemFOp(FloatBinaryOp):
    """Floating-point remainder, with the sign of the dividend (C's fmod)."""

    name = "arith.remf"
    examples = binary_examples(name, _FLOAT_TYPES)
    calc = staticmethod(np.fmod)


def _maximum(a, b):
    if math.isnan(a) or math.isnan(b):
        return a if math.isnan(a) else b
    if a == b == 0:
        return b if math.copysign(1, a) < 0 else a
    return max(a, b)


def _minimum(a, b):
    if math.isnan(a) or math.isnan(b):
        return a if math.isnan(a) else b
    if a == b == 0:
        return a if math.copysign(1, a) < 0 else b
    return min(a, b)


def _maxnum(a, b):
    return b if math.isnan(a) else a if math.isnan(b) else _maximum(a, b)


def _minnum(a, b):
    return b if math.isnan(a) else a if math.isnan(b) else _minimum(a, b)


class _MinMaxFOp(FloatBinaryOp):
    traits = _FCOMMUTATIVE

    def simplify(self, consts):
        return [self.lhs] if self.lhs is self.rhs else None


class MaximumFOp(_MinMaxFOp):
    """Floating-point maximum: NaN if either operand is NaN; -0.0 < +0.0."""

    name = "arith.maximumf"
    examples = binary_examples(name, _FLOAT_TYPES, "fastmath<nsz>")
    calc = staticmethod(_maximum)


class MinimumFOp(_MinMaxFOp):
    """Floating-point minimum: NaN if either operand is NaN; -0.0 < +0.0."""

    name = "arith.minimumf"
    examples = binary_examples(name, _FLOAT_TYPES)
    calc = staticmethod(_minimum)


class MaxNumFOp(_MinMaxFOp):
    """Floating-point maximum that returns the other operand when one is NaN."""

    name = "arith.maxnumf"
    examples = binary_examples(name, _FLOAT_TYPES)
    calc = staticmethod(_maxnum)


class MinNumFOp(_MinMaxFOp):
    """Floating-point minimum that returns the other operand when one is NaN."""

    name = "arith.minnumf"
    examples = binary_examples(name, _FLOAT_TYPES)
    calc = staticmethod(_minnum)


class NegFOp(FloatUnaryOp):
    """Floating-point negation."""

    name = "arith.negf"
    examples = unary_examples(name, _FLOAT_TYPES, "fastmath<fast>")
    calc = staticmethod(np.negative)

    def fold(self, consts):
        inner = _def(self.operand, "arith.negf")
        return [inner.operands[0]] if inner is not None else super().fold(consts)


# -- comparisons -----------------------------------------------------------------------------------

class _CompareOp(Op):
    traits = (Pure, SameTypeOperands)

    def infer_result_types(self, operands, properties):
        return [i1_like(operands[0].type)]

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = [i1_like(parts.operand_types[0][0])]

    def verify_(self):
        if self.result.type != i1_like(self.lhs.type):
            raise self.error("failed to verify that result type has i1 element type and same "
                             "shape as operands")

    @classmethod
    def build(cls, predicate, lhs, rhs, loc=None):
        """`predicate`: its case name (`"slt"`)."""
        return cls(lhs, rhs, predicate=cls.opdef.props["predicate"].constraint.attr(predicate),
                   loc=loc)

    @property
    def predicate_name(self):
        return self.opdef.props["predicate"].constraint.case(self.predicate)


_CMPI = {
    "eq": lambda a, b, s, u: u(a) == u(b), "ne": lambda a, b, s, u: u(a) != u(b),
    "slt": lambda a, b, s, u: s(a) < s(b), "sle": lambda a, b, s, u: s(a) <= s(b),
    "sgt": lambda a, b, s, u: s(a) > s(b), "sge": lambda a, b, s, u: s(a) >= s(b),
    "ult": lambda a, b, s, u: u(a) < u(b), "ule": lambda a, b, s, u: u(a) <= u(b),
    "ugt": lambda a, b, s, u: u(a) > u(b), "uge": lambda a, b, s, u: u(a) >= u(b),
}


class CmpIOp(_CompareOp):
    """Integer comparison; the predicate says which, and how the operands are read."""

    name = "arith.cmpi"
    predicate = prop(CMPI_PREDICATES)
    lhs = operand(SignlessIntegerLike)
    rhs = operand(SignlessIntegerLike)
    result = result(BoolLike)
    assembly_format = "$predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs)"
    examples = (
        example(["i32", "i32"], ["%0 = arith.cmpi slt, %arg0, %arg1 : i32"], "i1"),
        example(["vector<4xindex>", "vector<4xindex>"],
                ["%0 = arith.cmpi uge, %arg0, %arg1 : vector<4xindex>"], "vector<4xi1>"),
    )

    def fold(self, consts):
        pred = self.predicate_name
        if self.lhs is self.rhs:
            v = splat_attr(self.result.type, pred in ("eq", "sle", "sge", "ule", "uge"))
            return None if v is None else [v]
        if None in consts:
            return None
        w = width(self.lhs.type)
        f = _CMPI[pred]
        return fold_elementwise(consts, self.result.type, lambda a, b: f(
            a, b, lambda x: signed(x, w), lambda x: unsigned(x, w)))


def _cmpf(pred, a, b):
    if pred in ("false", "true"):
        return pred == "true"
    unordered = math.isnan(a) or math.isnan(b)
    if pred == "ord":
        return not unordered
    if pred == "uno":
        return unordered
    if unordered:
        return pred[0] == "u"
    rel = pred[1:]
    return {"eq": a == b, "gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b,
            "ne": a != b}[rel]


class CmpFOp(_CompareOp):
    """Floating-point comparison; `o*` predicates are false and `u*` true on NaN operands."""

    name = "arith.cmpf"
    predicate = prop(CMPF_PREDICATES)
    lhs = operand(FloatLike)
    rhs = operand(FloatLike)
    fastmath = prop(FASTMATH)
    result = result(BoolLike)
    assembly_format = ("$predicate `,` $lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict "
                       "`:` type($lhs)")
    examples = (
        example(["f32", "f32"], ["%0 = arith.cmpf olt, %arg0, %arg1 : f32"], "i1"),
        example(["tensor<2xf64>", "tensor<2xf64>"],
                ["%0 = arith.cmpf une, %arg0, %arg1 fastmath<fast> : tensor<2xf64>"],
                "tensor<2xi1>"),
        example(["f16", "f16"], ["%0 = arith.cmpf true, %arg0, %arg1 : f16"], "i1"),
    )

    def fold(self, consts):
        pred = self.predicate_name
        if pred in ("false", "true"):
            v = splat_attr(self.result.type, pred == "true")
            return None if v is None else [v]
        if None in consts:
            return None
        return fold_elementwise(consts, self.result.type, lambda a, b: _cmpf(pred, a, b))


# -- select --------------------------------------------------------------------------------------

def _select_types_build(child, parts, args):
    first, second = child
    cond, res = (T.i1, first) if second is None else (first, second)
    parts.set_type("condition", [cond])
    for name in ("true_value", "false_value", "result"):
        parts.set_type(name, [res])


def _select_types_print(op, p, args):
    cond = op.operands[0].type
    res = str(op.results[0].type)
    # MLIR writes the condition's type only when it is a vector or tensor
    p.element(res if cond == T.i1 else f"{cond}, {res}")


custom_directive("ArithSelectTypes", "arith_select_types",
                 'arith_select_types: type ["," type]',
                 _select_types_build, _select_types_print,
                 callbacks={"arith_select_types": lambda c: (c[0], c[1])})


class SelectOp(Op):
    """Chooses the true or false value by an i1 condition, or elementwise by an i1 vector or
    tensor condition of the values' shape."""

    name = "arith.select"
    condition = operand(BoolLike)
    true_value = operand()
    false_value = operand()
    result = result()
    traits = (Pure,)
    assembly_format = ("$condition `,` $true_value `,` $false_value attr-dict `:` "
                       "custom<ArithSelectTypes>($condition, $result)")
    examples = (
        example(["i1", "i32", "i32"], ["%0 = arith.select %arg0, %arg1, %arg2 : i32"], "i32"),
        example(["vector<4xi1>", "vector<4xf32>", "vector<4xf32>"],
                ["%0 = arith.select %arg0, %arg1, %arg2 : vector<4xi1>, vector<4xf32>"],
                "vector<4xf32>"),
        example(["i1", "tensor<?xf32>", "tensor<?xf32>"],
                ["%0 = arith.select %arg0, %arg1, %arg2 {foo.bar} : tensor<?xf32>"],
                "tensor<?xf32>"),
    )

    @classmethod
    def build(cls, condition, true_value, false_value, loc=None):
        return cls(condition, true_value, false_value, result_types=[true_value.type], loc=loc)

    def infer_result_types(self, operands, properties):
        return [operands[1].type]

    def verify_(self):
        t = self.result.type
        if not (self.true_value.type == self.false_value.type == t):
            raise self.error("failed to verify that all of {true_value, false_value, result} "
                             "have same type")
        c = self.condition.type
        if c == T.i1:
            return
        if T.element_type(t) is t or not isinstance(t, T.ShapedType) or \
                not isinstance(c, T.ShapedType):
            raise self.error("failed to verify that condition is signless i1 or has matching "
                             "shape")
        if c.__class__ is not t.__class__:
            raise self.error("all non-scalar operands/results must have the same shape and "
                             "base type")
        if c.shape != t.shape:
            raise self.error("failed to verify that condition is signless i1 or has matching "
                             "shape")

    def fold(self, consts):
        cond, tv, fv = self.operands
        if tv is fv:
            return [tv]
        c = splat_value(consts[0])
        if c is not None:
            return [tv if c else fv]
        if cond.type == self.result.type and _is_int(consts[1], 1, 1) and \
                _is_int(consts[2], 0, 1):
            return [cond]
        if None in consts:
            return None
        return fold_elementwise(consts, self.result.type, lambda c, a, b: a if c else b)


# -- casts ---------------------------------------------------------------------------------------

def _shape(t):
    if isinstance(t, T.ShapedType):
        return t.shape
    if t.__class__ in (T.UnrankedTensorType, T.UnrankedMemRefType):
        return "*"
    return None


def _shapes_compatible(a, b):
    if a is None or b is None:
        return a is b
    if a == "*" or b == "*":
        return True
    return len(a) == len(b) and all(x == y or T.DYNAMIC in (x, y) for x, y in zip(a, b))


class CastOp(Op):
    """Base of the casts: one operand and one result of the same shape (as scalars, vectors,
    tensors, or memrefs where allowed), whose element types `compatible` accepts; `convert`
    maps one constant element, or returns None where the result would be poison."""

    traits = (Pure,)
    assembly_format = "$in_ attr-dict `:` type($in_) `to` type($out)"

    @staticmethod
    def compatible(a, b):
        return True

    def convert(self, v, a, b):
        return None

    @classmethod
    def build(cls, value, type, loc=None, **props):
        return cls(value, result_types=[type], loc=loc, **props)

    def verify_(self):
        a, b = self.operands[0].type, self.results[0].type
        if not _shapes_compatible(_shape(a), _shape(b)):
            raise self.error("requires the same shape for all operands and results")
        ta = a.shape if a.__class__ is T.RankedTensorType else ()
        tb = b.shape if b.__class__ is T.RankedTensorType else ()
        if ta != tb:
            raise self.error("failed to verify that input and output have the same tensor "
                             "dimensions")
        ea, eb = T.element_type(a), T.element_type(b)
        if a.__class__ is not b.__class__ and ea is not a or not self.compatible(ea, eb):
            raise self.error(f"operand type '{a}' and result type '{b}' are cast incompatible")

    def fold(self, consts):
        a, b = self.operands[0].type, self.results[0].type
        ea, eb = T.element_type(a), T.element_type(b)
        if consts[0] is None or not _foldable(ea):
            return None
        return fold_elementwise(consts, b, lambda v: self.convert(v, ea, eb))


def _wider(a, b):
    return b.width > a.width


def _narrower(a, b):
    return b.width < a.width


class _IToICast(CastOp):
    in_ = operand(SignlessFixedWidthIntegerLike)
    out = result(SignlessFixedWidthIntegerLike)


class _IToFCast(CastOp):
    in_ = operand(SignlessFixedWidthIntegerLike)
    out = result(FloatLike)
    view = staticmethod(signed)

    def convert(self, v, a, b):
        return round_exact(Fraction(self.view(v, a.width)), b)


class _FToICast(CastOp):
    in_ = operand(FloatLike)
    out = result(SignlessFixedWidthIntegerLike)
    signed_result = True

    def convert(self, v, a, b):
        if not math.isfinite(v):
            return None
        t = math.trunc(v)
        w = b.width
        if self.signed_result:
            return t if _signed_in_range(t, w) else None
        return t if 0 <= t < (1 << w) else None


class _FToFCast(CastOp):
    in_ = operand(FloatLike)
    out = result(FloatLike)


class ExtSIOp(_IToICast):
    """Sign extension to a wider integer type."""

    name = "arith.extsi"
    compatible = staticmethod(_wider)
    examples = (example(["i32"], ["%0 = arith.extsi %arg0 : i32 to i64"], "i64"),
                example(["vector<2xi8>"], ["%0 = arith.extsi %arg0 : vector<2xi8> to "
                                           "vector<2xi32>"], "vector<2xi32>"))

    def convert(self, v, a, b):
        return signed(v, a.width)


class ExtUIOp(_IToICast):
    """Zero extension to a wider integer type."""

    name = "arith.extui"
    compatible = staticmethod(_wider)
    examples = (example(["i1"], ["%0 = arith.extui %arg0 : i1 to i32"], "i32"),
                example(["tensor<?x4xi16>"], ["%0 = arith.extui %arg0 : tensor<?x4xi16> to "
                                              "tensor<?x4xi64>"], "tensor<?x4xi64>"))

    def convert(self, v, a, b):
        return unsigned(v, a.width)


class TruncIOp(_IToICast):
    """Truncation to a narrower integer type (the high bits are dropped)."""

    name = "arith.trunci"
    overflowFlags = prop(OVERFLOW)
    compatible = staticmethod(_narrower)
    assembly_format = ("$in_ (`overflow` `` $overflowFlags^)? attr-dict `:` type($in_) `to` "
                       "type($out)")
    examples = (example(["i64"], ["%0 = arith.trunci %arg0 : i64 to i32"], "i32"),
                example(["vector<4xi32>"], ["%0 = arith.trunci %arg0 overflow<nsw, nuw> : "
                                            "vector<4xi32> to vector<4xi8>"], "vector<4xi8>"))

    def convert(self, v, a, b):
        return v

    def fold(self, consts):
        # trunci(ext(x)) -> x when the extension started from the result type
        src = self.in_.defining_op
        if src is not None and src.name in ("arith.extsi", "arith.extui") and \
                src.operands[0].type == self.out.type:
            return [src.operands[0]]
        return super().fold(consts)


class ExtFOp(_FToFCast):
    """Extension to a wider floating-point type (exact)."""

    name = "arith.extf"
    fastmath = opt_prop(EnumOf(FastMathAttr))
    compatible = staticmethod(_wider)
    assembly_format = ("$in_ (`fastmath` `` $fastmath^)? attr-dict `:` type($in_) `to` "
                       "type($out)")
    examples = (example(["f16"], ["%0 = arith.extf %arg0 : f16 to f32"], "f32"),
                example(["vector<2xbf16>"], ["%0 = arith.extf %arg0 fastmath<fast> : "
                                             "vector<2xbf16> to vector<2xf64>"],
                        "vector<2xf64>"))

    def convert(self, v, a, b):
        return v


class TruncFOp(_FToFCast):
    """Truncation to a narrower floating-point type, rounding as `roundingmode` says
    (to nearest even by default)."""

    name = "arith.truncf"
    roundingmode = opt_prop(ROUNDING_MODES)
    fastmath = opt_prop(EnumOf(FastMathAttr))
    compatible = staticmethod(_narrower)
    assembly_format = ("$in_ ($roundingmode^)? (`fastmath` `` $fastmath^)? attr-dict `:` "
                       "type($in_) `to` type($out)")
    examples = (example(["f32"], ["%0 = arith.truncf %arg0 : f32 to f16"], "f16"),
                example(["tensor<3xf64>"], ["%0 = arith.truncf %arg0 toward_zero fastmath<nnan>"
                                            " : tensor<3xf64> to tensor<3xbf16>"],
                        "tensor<3xbf16>"))

    def convert(self, v, a, b):
        # other rounding modes fold only where no rounding happens
        mode = self.properties.get("roundingmode")
        return v if mode is None or mode.value == 0 or math.isnan(v) or round_to(v, b) == v \
            else None

    def fold(self, consts):
        ext = _def(self.in_, "arith.extf")
        if ext is not None and ext.operands[0].type == self.out.type:
            return [ext.operands[0]]
        return super().fold(consts)


class SIToFPOp(_IToFCast):
    """Signed integer to floating point, rounding to nearest even."""

    name = "arith.sitofp"
    examples = (example(["i32"], ["%0 = arith.sitofp %arg0 : i32 to f32"], "f32"),)


class UIToFPOp(_IToFCast):
    """Unsigned integer to floating point, rounding to nearest even."""

    name = "arith.uitofp"
    view = staticmethod(unsigned)
    examples = (example(["vector<4xi64>"], ["%0 = arith.uitofp %arg0 : vector<4xi64> to "
                                            "vector<4xf64>"], "vector<4xf64>"),)


class FPToSIOp(_FToICast):
    """Floating point to signed integer, rounding toward zero."""

    name = "arith.fptosi"
    examples = (example(["f32"], ["%0 = arith.fptosi %arg0 : f32 to i32"], "i32"),)


class FPToUIOp(_FToICast):
    """Floating point to unsigned integer, rounding toward zero."""

    name = "arith.fptoui"
    signed_result = False
    examples = (example(["tensor<2xf64>"], ["%0 = arith.fptoui %arg0 : tensor<2xf64> to "
                                            "tensor<2xi8>"], "tensor<2xi8>"),)


def _index_compatible(a, b):
    return (a.__class__ is T.IndexType) != (b.__class__ is T.IndexType)


class _IndexCastRoundTrip(RewritePattern):
    """cast(cast(x)) -> x when the outer cast returns to x's type."""

    def __init__(self, op_name):
        self.op_name = op_name

    def match_and_rewrite(self, op, rewriter):
        inner = _def(op.operands[0], self.op_name)
        if inner is None or inner.operands[0].type != op.results[0].type:
            return False
        rewriter.replace_op(op, [inner.operands[0]])
        return True


class _IndexCast(CastOp):
    in_ = operand(IndexCastable)
    out = result(IndexCastable)
    compatible = staticmethod(_index_compatible)


class IndexCastOp(_IndexCast):
    """Between index and integer types; sign-extends or truncates."""

    name = "arith.index_cast"
    examples = (example(["i32"], ["%0 = arith.index_cast %arg0 : i32 to index"], "index"),
                example(["memref<4xindex>"], ["%0 = arith.index_cast %arg0 : memref<4xindex> "
                                              "to memref<4xi64>"], "memref<4xi64>"))
    canonicalization_patterns = (_IndexCastRoundTrip("arith.index_cast"),)

    def convert(self, v, a, b):
        return signed(v, width(a))


class IndexCastUIOp(_IndexCast):
    """Between index and integer types; zero-extends or truncates."""

    name = "arith.index_castui"
    examples = (example(["vector<2xindex>"], ["%0 = arith.index_castui %arg0 : vector<2xindex>"
                                              " to vector<2xi8>"], "vector<2xi8>"),)
    canonicalization_patterns = (_IndexCastRoundTrip("arith.index_castui"),)

    def convert(self, v, a, b):
        return unsigned(v, width(a))


class BitcastOp(CastOp):
    """Reinterprets the bits of a value as another type of the same width."""

    name = "arith.bitcast"
    in_ = operand(Bitcastable)
    out = result(Bitcastable)
    examples = (example(["f32"], ["%0 = arith.bitcast %arg0 : f32 to i32"], "i32"),
                example(["memref<2xi16>"], ["%0 = arith.bitcast %arg0 : memref<2xi16> to "
                                            "memref<2xf16>"], "memref<2xf16>"))

    @staticmethod
    def compatible(a, b):
        return a.width == b.width

    def convert(self, v, a, b):
        bits = _float_bits(v, a) if a.__class__ is T.FloatType else unsigned(v, a.width)
        return from_float_bits(bits, b) if b.__class__ is T.FloatType else bits

    def fold(self, consts):
        inner = _def(self.in_, "arith.bitcast")
        if inner is not None and inner.operands[0].type == self.out.type:
            return [inner.operands[0]]
        return super().fold(consts)


__all__ = [
    "FastMathAttr", "IntegerOverflowAttr", "CMPI_PREDICATES", "CMPF_PREDICATES",
    "ROUNDING_MODES", "ConstantOp", "AddIOp", "SubIOp", "MulIOp", "DivUIOp", "DivSIOp",
    "CeilDivUIOp", "CeilDivSIOp", "FloorDivSIOp", "RemUIOp", "RemSIOp", "AndIOp", "OrIOp",
    "XOrIOp", "ShLIOp", "ShRSIOp", "ShRUIOp", "MaxSIOp", "MaxUIOp", "MinSIOp", "MinUIOp",
    "AddUIExtendedOp", "MulSIExtendedOp", "MulUIExtendedOp", "AddFOp", "SubFOp", "MulFOp",
    "DivFOp", "RemFOp", "MaximumFOp", "MinimumFOp", "MaxNumFOp", "MinNumFOp", "NegFOp",
    "CmpIOp", "CmpFOp", "SelectOp", "ExtSIOp", "ExtUIOp", "TruncIOp", "ExtFOp", "TruncFOp",
    "SIToFPOp", "UIToFPOp", "FPToSIOp", "FPToUIOp", "IndexCastOp", "IndexCastUIOp",
    "BitcastOp",
]
