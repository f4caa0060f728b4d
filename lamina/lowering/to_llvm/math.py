"""`convert-math-to-llvm`: math ops become LLVM intrinsics where LLVM has one, and calls of
the C library's functions (which the JIT resolves in the process) where it has not. This is
the CPU lowering: the GPU path replaces transcendental functions by polynomials first."""

from __future__ import annotations

from ...dialects import llvm as L
from ...ir import IRError
from ...ir import types as T
from ...ir.attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from .cf import module_of
from .common import ins, lowers, make_pass
from .memref import _declare

_INTRINSIC = {
    "math.absf": L.FAbsOp, "math.ceil": L.FCeilOp, "math.floor": L.FloorOp,
    "math.cos": L.CosOp, "math.sin": L.SinOp, "math.tan": L.TanOp, "math.tanh": L.TanhOp,
    "math.exp": L.ExpOp, "math.exp2": L.Exp2Op, "math.log": L.LogOp, "math.log2": L.Log2Op,
    "math.log10": L.Log10Op, "math.sqrt": L.SqrtOp, "math.round": L.RoundOp,
    "math.roundeven": L.RoundEvenOp, "math.trunc": L.FTruncOp, "math.acos": L.ACosOp,
    "math.asin": L.ASinOp, "math.atan": L.ATanOp, "math.cosh": L.CoshOp,
    "math.sinh": L.SinhOp, "math.powf": L.PowOp, "math.copysign": L.CopySignOp,
    "math.atan2": L.ATan2Op, "math.fma": L.FMAOp,
}

# functions of the C library, by element type
_LIBM = {"math.erf": "erf", "math.erfc": "erfc", "math.cbrt": "cbrt", "math.expm1": "expm1",
         "math.log1p": "log1p", "math.acosh": "acosh", "math.asinh": "asinh",
         "math.atanh": "atanh"}


def _fastmath(op):
    fm = op.properties.get("fastmath")
    if fm is None or not fm.cases:
        return {}
    return {"fastmathFlags": L.FastmathFlagsAttr(fm.cases)}


@lowers(*_INTRINSIC)
def _intrinsic(op, operands, rw):
    cls = _INTRINSIC[op.name]
    props = _fastmath(op) if "fastmathFlags" in cls.opdef.props else {}
    rw.replace_op(op, [ins(rw, cls(*operands, result_types=[operands[0].type], **props))])


@lowers(*_LIBM)
def _libm(op, operands, rw):
    t = operands[0].type
    if t.__class__ is not T.FloatType or t.name not in ("f32", "f64"):
        raise IRError(f"'{op.name}' on '{t}' has no C library function; scalarize or widen "
                      "it first", op.loc)
    name = _LIBM[op.name] + ("f" if t.name == "f32" else "")
    fn = _declare(module_of(op), name, t, [t])
    rw.replace_op(op, [ins(rw, L.CallOp.build(fn, operands))])


@lowers("math.rsqrt")
def _rsqrt(op, operands, rw):
    x = operands[0]
    t = x.type
    one = ins(rw, L.ConstantOp.build(FloatAttr(1.0, t) if t.__class__ is T.FloatType else
                                     _splat(t, 1.0), t))
    s = ins(rw, L.SqrtOp(x, result_types=[t]))
    rw.replace_op(op, [ins(rw, L.FDivOp(one, s, **_fastmath(op)))])


def _splat(t, v):
    return DenseElementsAttr(t, v)


@lowers("math.absi")
def _absi(op, operands, rw):
    x = operands[0]
    rw.replace_op(op, [ins(rw, L.AbsOp(x, result_types=[x.type],
                                       is_int_min_poison=IntegerAttr(0, T.i1)))])


@lowers("math.fpowi")
def _fpowi(op, operands, rw):
    rw.replace_op(op, [ins(rw, L.PowIOp(*operands, result_types=[operands[0].type]))])


make_pass("convert-math-to-llvm", "ConvertMathToLLVMPass",
          "Convert math ops to LLVM intrinsics and C library calls", ("math.",))
