"""Constants and elementwise ops of the `lamina` dialect: arithmetic and comparisons with NumPy
broadcasting, unary math, `where` and `cast`.

Every op carries its NumPy reference semantics as `reference(*arrays, **attrs)`: the eager
kernel (the eager frontend runs it), the constant folder (folding runs it), and the oracle of the
compiled code's tests, in one place. A kernel's run-time error (integer division by zero...)
raises `InvalidArgument` with TensorFlow's message, which compiled code reports through the
`cf.assert` of the op's lowering.

Element types at this level: f16, bf16, f32, f64, i8..i64 (signed), ui8..ui64 and i1 (bool).
"""

from __future__ import annotations

import math

import numpy as np

from ...ir import registry
from ...ir import types as T
from ...ir.attributes import DenseElementsAttr
from ...ir.constraints import AnyTensor, DenseElements
from ...ir.core import IRError
from ...ir.opdef import Commutative, ConstantLike, Op, Pure, operand, prop, result
from .base import ElementwiseBinaryOp, RankedTensor, TensorOp, broadcast_shapes

# a fold whose result has more elements than this is not cheap: it is left to run time
FOLD_LIMIT = 1 << 16


class InvalidArgument(ValueError):
    """A run-time error of an op's kernel, with TensorFlow's message (the eager frontend raises
    it as errors.InvalidArgumentError). Folding declines where the kernel raises it."""


# -- element types ----------------------------------------------------------------------------

_FLOATS = ("f16", "bf16", "f32", "f64")
_WIDTHS = (8, 16, 32, 64)
_KIND_DESC = {"number": "an integer or floating-point type", "float": "a floating-point type",
              "bool": "i1", "any": "a supported element type",
              "signed": "a signed integer or floating-point type"}


def element_kind(et):
    """"float", "int" (signed), "uint", "bool", or None for types the dialect does not use."""
    c = et.__class__
    if c is T.FloatType:
        return "float" if et.name in _FLOATS else None
    if c is T.IntegerType:
        if et.width == 1:
            return "bool" if et.signedness == "" else None
        if et.width in _WIDTHS:
            return {"": "int", "u": "uint"}.get(et.signedness)
    return None


_ACCEPTS = {"number": ("float", "int", "uint"), "float": ("float",), "bool": ("bool",),
            "any": ("float", "int", "uint", "bool"), "signed": ("float", "int")}


def check_element_type(et, accepted, what="operand"):
    """Raise IRError unless `et` is of the `accepted` kind (a key of _KIND_DESC)."""
    if element_kind(et) not in _ACCEPTS[accepted]:
        raise IRError(f"{what} element type must be {_KIND_DESC[accepted]}, but got {et}")


def np_dtype(et):
    """The NumPy dtype of lamina element type `et` (None for bf16, which NumPy lacks)."""
    k = element_kind(et)
    if k == "float":
        return None if et.name == "bf16" else np.dtype("float" + str(et.width))
    if k == "bool":
        return np.dtype(np.bool_)
    if k in ("int", "uint"):
        return np.dtype(("uint" if k == "uint" else "int") + str(et.width))
    return None


def kernel(fn):
    """A reference kernel: quiet about IEEE exceptions (inf and NaN are results, as in compiled
    code), and returning arrays, also for 0-d results."""
    def run(*args, **kw):
        with np.errstate(all="ignore"):
            return np.asarray(fn(*args, **kw))
    run.__name__ = getattr(fn, "__name__", "kernel")
    run.__doc__ = fn.__doc__
    return staticmethod(run)


def fold_by_reference(op, consts):
    """Fold `op` (one result) by running its reference kernel on constant operands, where the
    operands are dense constants of NumPy-representable types and the result is small."""
    if not consts or any(c.__class__ is not DenseElementsAttr for c in consts):
        return None
    rt = op.results[0].type
    n = rt.num_elements if rt.__class__ is T.RankedTensorType else None
    if n is None or n > FOLD_LIMIT or np_dtype(rt.element_type) is None or any(
            np_dtype(c.type.element_type) is None for c in consts):
        return None
    try:
        out = op.reference(*(c.array for c in consts), **op.reference_attrs())
    except InvalidArgument:
        return None
    return [DenseElementsAttr(rt, out)]


def example(arg_types, op_text, result_type):
    """A module using one op: a function of `arg_types` returning the op's result."""
    args = ", ".join(f"%arg{i}: {t}" for i, t in enumerate(arg_types))
    return (f"func.func @f({args}) -> {result_type} {{\n  %0 = {op_text}\n"
            f"  return %0 : {result_type}\n}}")


class LaminaOp(TensorOp):
    """Base of the ops defined here: reference kernel, its attributes, folding through it."""

    @staticmethod
    def reference(*arrays, **attrs):
        raise NotImplementedError

    def reference_attrs(self):
        """The keyword arguments `reference` takes for this op's properties."""
        return {}

    def fold(self, consts):
        return fold_by_reference(self, consts)


def no_gradient(self, b, g):
    """The derivative rule of an op through which no gradient flows (rounding, comparisons,
    indices, random draws): the op is differentiable, with zero derivative (as TensorFlow's
    None gradients), so the autodiff pass treats it as giving no contribution, not as lacking
    a rule."""
    return [None] * len(self.operands)


# -- constant -----------------------------------------------------------------------------------

class ConstantOp(Op):
    """A tensor constant: `%0 = lamina.constant dense<1.0> : tensor<2xf32>`."""

    name = "lamina.constant"
    value = prop(DenseElements())
    output = result(AnyTensor)
    traits = (Pure, ConstantLike)
    assembly_format = "attr-dict $value"
    examples = ("func.func @f() -> tensor<2xf32> {\n"
                "  %0 = lamina.constant dense<[1.0, 2.0]> : tensor<2xf32>\n"
                "  return %0 : tensor<2xf32>\n}",
                "func.func @f() -> tensor<2x2xui8> {\n"
                "  %0 = lamina.constant dense<[[1, 255], [0, 7]]> : tensor<2x2xui8>\n"
                "  return %0 : tensor<2x2xui8>\n}")

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = [parts.props["value"].type]

    @classmethod
    def build(cls, array, type, loc=None):
        return cls(value=DenseElementsAttr(type, array), result_types=[type], loc=loc)

    def verify_(self):
        if self.properties["value"].type != self.results[0].type:
            raise self.error("value type must match the result type")

    def lower(self, b):
        from ...lowering.structured_builders import signless
        from ..arith import ConstantOp as ArithConstant
        v = self.properties["value"]
        t = signless(v.type)
        attr = v if t == v.type else DenseElementsAttr(t, v.array)
        return [b.insert(ArithConstant(value=attr)).results[0]]


def _materialize(attr, type, loc):
    if isinstance(attr, DenseElementsAttr) and attr.type == type:
        return ConstantOp(value=attr, result_types=[type], loc=loc)
    return None


registry.register_constant_materializer("lamina", _materialize)


# -- binary ops ---------------------------------------------------------------------------------

class BinaryOp(LaminaOp, ElementwiseBinaryOp):
    """Elementwise `kind` of two tensors of one element type, broadcast as NumPy does.
    `accepts`: the element types it takes (a key of _KIND_DESC)."""

    accepts = "number"

    @classmethod
    def infer_types(cls, operand_types, props):
        types = super().infer_types(operand_types, props)
        check_element_type(operand_types[0].element_type, cls.accepts)
        return types

    @property
    def kind(self):
        return self.name[len("lamina."):]

    def lower(self, b):
        from ...lowering.structured_builders import binary_scalar_op, elementwise
        et, kind = self.lhs.type.element_type, self.kind
        return [elementwise(b, self.operands, self.output.type,
                            lambda bb, xs: binary_scalar_op(bb, kind, xs[0], xs[1], et))]


class CompareOp(BinaryOp):
    """An elementwise comparison giving i1."""

    accepts = "any"
    vjp = no_gradient

    @staticmethod
    def result_element_type(et):
        return T.i1


def _is_int(a):
    return a.dtype.kind in "iu"


def _check_divisor(b):
    if (b == 0).any():
        raise InvalidArgument("Integer division by zero")


def _floordiv(a, b):
    """Rounds down: floor(a / b) for floats, as TF's FloorDiv."""
    if _is_int(a):
        _check_divisor(b)
        return np.floor_divide(a, b)
    return np.floor(a / b)


def _floormod(a, b):
    """The remainder of floordiv: it has the sign of the divisor."""
    if _is_int(a):
        _check_divisor(b)
        return np.mod(a, b)
    r = np.fmod(a, b)
    return np.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)


def _pow(a, b):
    if a.dtype.kind == "i" and (b < 0).any():
        raise InvalidArgument("Integers to negative integer powers are not allowed")
    return np.power(a, b)


def _binary(cls_name, name, reference, doc, base=BinaryOp, accepts=None, commutative=False,
            vjp=None):
    """One op class per binary op: its name, kernel, and the element types it accepts."""
    et = "i1" if accepts == "bool" else "f32"
    ret = "i1" if base is CompareOp else et
    a, b, r = f"tensor<2x3x{et}>", f"tensor<3x{et}>", f"tensor<2x3x{ret}>"
    ns = {"__doc__": doc, "__module__": __name__, "name": name, "reference": kernel(reference),
          "examples": (example([a, b], f"{name} %arg0, %arg1 : ({a}, {b}) -> {r}", r),)}
    if accepts is not None:
        ns["accepts"] = accepts
    if commutative:
        ns["traits"] = (Pure, Commutative)
    if vjp is not None:
        ns["vjp"] = vjp
    return type(cls_name, (base,), ns)


# -- derivative rules (vjp; see base.TensorOp.vjp) --------------------------------------------

def emit(b, op):
    """Insert `op` with rewriter `b`; its (first) result."""
    return b.insert(op).results[0]


def scalar_const(b, value, et):
    """A 0-d lamina constant of element type `et` (it broadcasts against any operand)."""
    dt = np_dtype(et) or np.dtype(np.float32)
    return emit(b, ConstantOp.build(np.array(value, dt), T.RankedTensorType((), et)))


def unbroadcast(b, v, target):
    """Cotangent `v` summed back to `target`, an operand broadcast into it (or its type).
    Given the operand, its `?` dimensions are summed where they were 1 at run time (and so
    broadcast: structured_builders.broadcast), which only its run-time shape tells."""
    from .shape import ReduceToShapeOp, ShapeOp
    t = getattr(target, "type", target)
    lead = v.type.rank - t.rank
    if t is target or not any(d == T.DYNAMIC and v.type.shape[k + lead] != 1
                              for k, d in enumerate(t.shape)):
        return v if v.type == t else emit(b, ReduceToShapeOp(v, None, result_types=[t]))
    return emit(b, ReduceToShapeOp(v, emit(b, ShapeOp.build(target)), result_types=[t]))


def _mul(b, x, y):
    return emit(b, MultiplyOp(x, y))


def _div(b, x, y):
    return emit(b, DivideOp(x, y))


def _neg(b, x):
    return emit(b, NegativeOp(x))


def _zero_where(b, cond, g, keep_true):
    """`g` where `cond` (or where not `cond`), 0 elsewhere."""
    zero = scalar_const(b, 0, g.type.element_type)
    return emit(b, WhereOp(cond, g, zero) if keep_true else WhereOp(cond, zero, g))


def _targets(op):
    """What a binary op's operand cotangents are summed back to (see unbroadcast): the
    operands, whose run-time shapes tell what broadcast, or their types where both are one
    value (x * x: nothing broadcast)."""
    if op.lhs is op.rhs:
        return op.lhs.type, op.rhs.type
    return op.lhs, op.rhs


def _vjp_add(self, b, g):
    tx, ty = _targets(self)
    return [unbroadcast(b, g, tx), unbroadcast(b, g, ty)]


def _vjp_subtract(self, b, g):
    tx, ty = _targets(self)
    return [unbroadcast(b, g, tx), unbroadcast(b, _neg(b, g), ty)]


def _vjp_multiply(self, b, g):
    tx, ty = _targets(self)
    return [unbroadcast(b, _mul(b, g, self.rhs), tx), unbroadcast(b, _mul(b, g, self.lhs), ty)]


def _vjp_divide(self, b, g):
    # d(x/y)/dy = -(x/y)/y
    gx = _div(b, g, self.rhs)
    gy = _neg(b, _mul(b, gx, self.output))
    tx, ty = _targets(self)
    return [unbroadcast(b, gx, tx), unbroadcast(b, gy, ty)]


def _vjp_extreme(keep):
    """maximum/minimum: the gradient goes to x where x wins (ties to x, as TF)."""
    def vjp(self, b, g):
        mask = emit(b, keep(self.lhs, self.rhs))
        tx, ty = _targets(self)
        return [unbroadcast(b, _zero_where(b, mask, g, True), tx),
                unbroadcast(b, _zero_where(b, mask, g, False), ty)]
    return vjp


def _vjp_pow(self, b, g):
    x, y = self.lhs, self.rhs
    et = x.type.element_type
    if element_kind(et) != "float":
        return [None, None]
    # d/dx = y * x ** (y - 1); d/dy = x ** y * log(x), 0 where x <= 0 (as TF)
    ym1 = emit(b, SubtractOp(y, scalar_const(b, 1, et)))
    gx = _mul(b, g, _mul(b, y, emit(b, PowOp(x, ym1))))
    zero = scalar_const(b, 0, et)
    pos = emit(b, GreaterOp(x, zero))
    safe_x = emit(b, WhereOp(pos, x, scalar_const(b, 1, et)))
    log_x = emit(b, WhereOp(pos, emit(b, LogOp(safe_x)), zero))
    gy = _mul(b, g, _mul(b, self.output, log_x))
    tx, ty = _targets(self)
    return [unbroadcast(b, gx, tx), unbroadcast(b, gy, ty)]


def _vjp_negative(self, b, g):
    return [_neg(b, g)]


def _vjp_square(self, b, g):
    return [_mul(b, g, _mul(b, self.input, scalar_const(b, 2, g.type.element_type)))]


def _vjp_relu(self, b, g):
    pos = emit(b, GreaterOp(self.input, scalar_const(b, 0, g.type.element_type)))
    return [_zero_where(b, pos, g, True)]


def _vjp_exp(self, b, g):
    return [_mul(b, g, self.output)]


def _vjp_log(self, b, g):
    return [_div(b, g, self.input)]


def _vjp_sqrt(self, b, g):
    return [_div(b, g, _mul(b, self.output, scalar_const(b, 2, g.type.element_type)))]


def _vjp_tanh(self, b, g):
    one = scalar_const(b, 1, g.type.element_type)
    return [_mul(b, g, emit(b, SubtractOp(one, _mul(b, self.output, self.output))))]


def _vjp_sigmoid(self, b, g):
    one = scalar_const(b, 1, g.type.element_type)
    return [_mul(b, g, _mul(b, self.output, emit(b, SubtractOp(one, self.output))))]


def _vjp_abs(self, b, g):
    return [_mul(b, g, emit(b, SignOp(self.input)))]


def _vjp_sign(self, b, g):
    """Zeros, as TensorFlow's (where floor, ceil and round give None)."""
    from .indexing import zeros_like
    return [zeros_like(b, self.input)]


def _vjp_sin(self, b, g):
    return [_mul(b, g, emit(b, CosOp(self.input)))]


def _vjp_cos(self, b, g):
    return [_neg(b, _mul(b, g, emit(b, SinOp(self.input))))]


def _vjp_erf(self, b, g):
    # 2 / sqrt(pi) * exp(-x * x)
    et = g.type.element_type
    bell = emit(b, ExpOp(_neg(b, _mul(b, self.input, self.input))))
    return [_mul(b, g, _mul(b, bell, scalar_const(b, 2 / math.sqrt(math.pi), et)))]


def _vjp_expm1(self, b, g):
    return [_mul(b, g, emit(b, ExpOp(self.input)))]


def _vjp_log1p(self, b, g):
    return [_div(b, g, emit(b, AddOp(self.input, scalar_const(b, 1, g.type.element_type))))]


def _vjp_rsqrt(self, b, g):
    # d/dx x ** -1/2 = -1/2 * y ** 3
    y = self.output
    cube = _mul(b, _mul(b, y, y), y)
    return [_mul(b, g, _mul(b, cube, scalar_const(b, -0.5, g.type.element_type)))]


def _vjp_floormod(self, b, g):
    # x - floor(x / y) * y, with floor's derivative 0 (as TF)
    q = emit(b, FloorDivOp(self.lhs, self.rhs))
    tx, ty = _targets(self)
    return [unbroadcast(b, g, tx), unbroadcast(b, _neg(b, _mul(b, g, q)), ty)]


AddOp = _binary("AddOp", "lamina.add", np.add, "Elementwise sum.", commutative=True,
                vjp=_vjp_add)
SubtractOp = _binary("SubtractOp", "lamina.subtract", np.subtract, "Elementwise difference.",
                     vjp=_vjp_subtract)
MultiplyOp = _binary("MultiplyOp", "lamina.multiply", np.multiply, "Elementwise product.",
                     commutative=True, vjp=_vjp_multiply)
DivideOp = _binary("DivideOp", "lamina.divide", np.true_divide,
                   "Elementwise true division of floats (the API casts integers first).",
                   accepts="float", vjp=_vjp_divide)
FloorDivOp = _binary("FloorDivOp", "lamina.floordiv", _floordiv,
                     "Elementwise division rounding down (Python's `//`); an integer division "
                     "by zero is an error.", vjp=no_gradient)
FloorModOp = _binary("FloorModOp", "lamina.floormod", _floormod,
                     "Elementwise remainder of floordiv (Python's `%`), with the sign of the "
                     "divisor; an integer division by zero is an error.", vjp=_vjp_floormod)
MaximumOp = _binary("MaximumOp", "lamina.maximum", np.maximum,
                    "Elementwise maximum (NaN if either is NaN).", commutative=True,
                    vjp=_vjp_extreme(lambda x, y: GreaterEqualOp(x, y)))
MinimumOp = _binary("MinimumOp", "lamina.minimum", np.minimum,
                    "Elementwise minimum (NaN if either is NaN).", commutative=True,
                    vjp=_vjp_extreme(lambda x, y: LessEqualOp(x, y)))
PowOp = _binary("PowOp", "lamina.pow", _pow, "Elementwise power; integers to negative integer "
                "powers are an error.", vjp=_vjp_pow)
LogicalAndOp = _binary("LogicalAndOp", "lamina.logical_and", np.logical_and,
                       "Elementwise conjunction of bools.", accepts="bool", commutative=True,
                       vjp=no_gradient)
LogicalOrOp = _binary("LogicalOrOp", "lamina.logical_or", np.logical_or,
                      "Elementwise disjunction of bools.", accepts="bool", commutative=True,
                      vjp=no_gradient)

EqualOp = _binary("EqualOp", "lamina.equal", np.equal, "Elementwise ==.", base=CompareOp,
                  commutative=True)
NotEqualOp = _binary("NotEqualOp", "lamina.not_equal", np.not_equal,
                     "Elementwise != (true where either is NaN).", base=CompareOp,
                     commutative=True)
GreaterOp = _binary("GreaterOp", "lamina.greater", np.greater, "Elementwise >.", base=CompareOp,
                    accepts="number")
GreaterEqualOp = _binary("GreaterEqualOp", "lamina.greater_equal", np.greater_equal,
                         "Elementwise >=.", base=CompareOp, accepts="number")
LessOp = _binary("LessOp", "lamina.less", np.less, "Elementwise <.", base=CompareOp,
                 accepts="number")
LessEqualOp = _binary("LessEqualOp", "lamina.less_equal", np.less_equal, "Elementwise <=.",
                      base=CompareOp, accepts="number")


# -- unary ops -----------------------------------------------------------------------------------

class UnaryOp(LaminaOp):
    """Elementwise `kind` of one tensor; the result has the operand's type.
    `lamina.exp %0 : tensor<2x3xf32>`"""

    input = operand(RankedTensor)
    output = result(RankedTensor)
    accepts = "float"
    assembly_format = "$input attr-dict `:` type($input)"

    @classmethod
    def infer_types(cls, operand_types, props):
        t = operand_types[0]
        check_element_type(t.element_type, cls.accepts)
        return [t]

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = parts.operand_types[0]

    @property
    def kind(self):
        return self.name[len("lamina."):]

    def lower(self, b):
        from ...lowering.structured_builders import elementwise, unary_scalar_op
        et, kind = self.input.type.element_type, self.kind
        return [elementwise(b, self.operands, self.output.type,
                            lambda bb, xs: unary_scalar_op(bb, kind, xs[0], et))]


def _same_dtype(fn):
    return lambda x: np.asarray(fn(x)).astype(x.dtype, copy=False)


def _relu(x):
    return np.maximum(x, np.zeros((), x.dtype))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _unary(cls_name, name, reference, doc, accepts="float", vjp=None):
    t = {"float": "tensor<2x?xf32>", "number": "tensor<2x?xi32>", "bool": "tensor<2x?xi1>"}[
        accepts]
    ns = {"__doc__": doc, "__module__": __name__, "name": name, "accepts": accepts,
          "reference": kernel(reference), "examples": (example([t], f"{name} %arg0 : {t}", t),)}
    if vjp is not None:
        ns["vjp"] = vjp
    return type(cls_name, (UnaryOp,), ns)


NegativeOp = _unary("NegativeOp", "lamina.negative", np.negative, "Elementwise -x.", "number",
                    vjp=_vjp_negative)
AbsOp = _unary("AbsOp", "lamina.abs", np.abs, "Elementwise |x| (the smallest integer stays as "
               "it is).", "number", vjp=_vjp_abs)
SquareOp = _unary("SquareOp", "lamina.square", np.square, "Elementwise x * x.", "number",
                  vjp=_vjp_square)
ReluOp = _unary("ReluOp", "lamina.relu", _relu, "Elementwise max(x, 0).", "number",
                vjp=_vjp_relu)
SignOp = _unary("SignOp", "lamina.sign", np.sign, "Elementwise -1, 0 or 1 (NaN stays NaN).",
                "number", vjp=_vjp_sign)
ExpOp = _unary("ExpOp", "lamina.exp", np.exp, "Elementwise e ** x.", vjp=_vjp_exp)
LogOp = _unary("LogOp", "lamina.log", np.log, "Elementwise natural logarithm.",
               vjp=_vjp_log)
Log1pOp = _unary("Log1pOp", "lamina.log1p", np.log1p, "Elementwise log(1 + x).",
                 vjp=_vjp_log1p)
Expm1Op = _unary("Expm1Op", "lamina.expm1", np.expm1, "Elementwise e ** x - 1.",
                 vjp=_vjp_expm1)
SqrtOp = _unary("SqrtOp", "lamina.sqrt", np.sqrt, "Elementwise square root.",
                vjp=_vjp_sqrt)
RsqrtOp = _unary("RsqrtOp", "lamina.rsqrt", _same_dtype(lambda x: 1 / np.sqrt(x)),
                 "Elementwise 1 / sqrt(x).", vjp=_vjp_rsqrt)
TanhOp = _unary("TanhOp", "lamina.tanh", np.tanh, "Elementwise hyperbolic tangent.",
                vjp=_vjp_tanh)
SigmoidOp = _unary("SigmoidOp", "lamina.sigmoid", _same_dtype(lambda x: 1 / (1 + np.exp(-x))),
                   "Elementwise logistic function 1 / (1 + e ** -x).", vjp=_vjp_sigmoid)
SinOp = _unary("SinOp", "lamina.sin", np.sin, "Elementwise sine.", vjp=_vjp_sin)
CosOp = _unary("CosOp", "lamina.cos", np.cos, "Elementwise cosine.", vjp=_vjp_cos)
ErfOp = _unary("ErfOp", "lamina.erf", _same_dtype(_erf), "Elementwise error function.",
               vjp=_vjp_erf)
FloorOp = _unary("FloorOp", "lamina.floor", np.floor, "Elementwise rounding down.",
                 vjp=no_gradient)
CeilOp = _unary("CeilOp", "lamina.ceil", np.ceil, "Elementwise rounding up.",
                vjp=no_gradient)
RoundOp = _unary("RoundOp", "lamina.round", np.rint,
                 "Elementwise rounding to nearest, halfway cases to even (as tf.round).",
                 vjp=no_gradient)
LogicalNotOp = _unary("LogicalNotOp", "lamina.logical_not", np.logical_not,
                      "Elementwise negation of bools.", "bool", vjp=no_gradient)


# -- where ---------------------------------------------------------------------------------------

class WhereOp(LaminaOp):
    """Elementwise choice: `x` where `condition` is true, else `y`, all three broadcast together
    (TF 2's `where` with three arguments)."""

    name = "lamina.where"
    condition = operand(RankedTensor)
    x = operand(RankedTensor)
    y = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = "$condition `,` $x `,` $y attr-dict `:` functional-type(operands, results)"
    examples = (example(["tensor<2x3xi1>", "tensor<3xf32>", "tensor<f32>"],
                        "lamina.where %arg0, %arg1, %arg2 : (tensor<2x3xi1>, tensor<3xf32>, "
                        "tensor<f32>) -> tensor<2x3xf32>", "tensor<2x3xf32>"),)
    reference = kernel(np.where)

    @classmethod
    def infer_types(cls, operand_types, props):
        c, x, y = operand_types
        if c.element_type != T.i1:
            raise IRError(f"condition element type must be i1, but got {c.element_type}")
        if x.element_type != y.element_type:
            raise IRError(f"x and y have different element types: {x.element_type} and "
                          f"{y.element_type}")
        check_element_type(x.element_type, "any")
        shape = broadcast_shapes(c.shape, x.shape)
        shape = shape and broadcast_shapes(shape, y.shape)
        if shape is None:
            raise IRError(f"operand shapes {_dims(c)}, {_dims(x)} and {_dims(y)} are not "
                          f"broadcast-compatible")
        return [T.RankedTensorType(shape, x.element_type)]

    def vjp(self, b, g):
        return [None, unbroadcast(b, _zero_where(b, self.condition, g, True), self.x),
                unbroadcast(b, _zero_where(b, self.condition, g, False), self.y)]

    def lower(self, b):
        from ...lowering.structured_builders import elementwise, select
        return [elementwise(b, self.operands, self.output.type,
                            lambda bb, xs: select(bb, *xs))]


def _dims(t):
    return "(" + ", ".join("?" if d == T.DYNAMIC else str(d) for d in t.shape) + ")"


# -- cast ----------------------------------------------------------------------------------------

class CastOp(LaminaOp):
    """Elementwise conversion to another element type, as TF's cast: floats to integers
    truncate toward zero, anything to i1 is `!= 0`.
    `lamina.cast %0 : tensor<2xf32> to tensor<2xi32>`"""

    name = "lamina.cast"
    input = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = "$input attr-dict `:` type($input) `to` type($output)"
    examples = (example(["tensor<2x?xf32>"], "lamina.cast %arg0 : tensor<2x?xf32> to "
                        "tensor<2x?xui8>", "tensor<2x?xui8>"),
                example(["tensor<3xi32>"], "lamina.cast %arg0 : tensor<3xi32> to tensor<3xi1>",
                        "tensor<3xi1>"))

    @classmethod
    def build(cls, input, element_type, loc=None):
        return cls(input, result_types=[input.type.clone(element_type=element_type)], loc=loc)

    def verify_(self):
        a, r = self.input.type, self.output.type
        try:
            check_element_type(a.element_type, "any")
            check_element_type(r.element_type, "any", "result")
        except IRError as e:
            raise self.error(e.message)
        if a.shape != r.shape:
            raise self.error(f"result shape {_dims(r)} must be the operand shape {_dims(a)}")

    @kernel
    def reference(x, dtype):
        """`x` as NumPy `dtype`; floats go to narrow integers through int32 (to ui32 through
        int64), so out-of-range values wrap as the compiled code's do."""
        dtype = np.dtype(dtype)
        if x.dtype.kind == "f" and dtype.kind in "iu" and dtype.itemsize < 8:
            return x.astype(np.int64 if dtype == np.uint32 else np.int32).astype(dtype)
        return x.astype(dtype)

    def reference_attrs(self):
        return {"dtype": np_dtype(self.output.type.element_type)}

    def fold(self, consts):
        if self.input.type == self.output.type:
            return [self.input]
        return fold_by_reference(self, consts)

    def vjp(self, b, g):
        src = self.input.type.element_type
        if element_kind(src) != "float" or element_kind(g.type.element_type) != "float":
            return [None]
        return [emit(b, CastOp.build(g, src))]

    def lower(self, b):
        from ...lowering.structured_builders import cast_scalar_op, elementwise
        src, dst = self.input.type.element_type, self.output.type.element_type
        return [elementwise(b, self.operands, self.output.type,
                            lambda bb, xs: cast_scalar_op(bb, xs[0], src, dst))]
