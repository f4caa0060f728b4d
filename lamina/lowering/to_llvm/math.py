"""`convert-math-to-llvm`: math ops become LLVM intrinsics where LLVM has one, and calls of
the C library's functions (which the JIT resolves in the process) where it has not. This is
the CPU lowering: the GPU path replaces transcendental functions by polynomials first."""

from __future__ import annotations

from ...dialects import llvm as L
from ...ir import IRError
from ...ir import types as T
from ...ir.attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from .cf import module_of
from ...ir.core import Block
from .common import AppendBuilder, ins, lowers, make_pass
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
    if t.__class__ is not T.FloatType or t.name not in ("f16", "bf16", "f32", "f64"):
        raise IRError(f"'{op.name}' on '{t}' has no C library function; scalarize it first",
                      op.loc)
    # 16-bit floats are computed in f32 (as math-extend-to-supported-types does)
    wide = T.f32 if t.name != "f64" else t
    name = _LIBM[op.name] + ("f" if wide.name == "f32" else "")
    fn = _declare(module_of(op), name, wide, [wide])
    args = [x if wide == t else ins(rw, L.FPExtOp(x, result_types=[wide])) for x in operands]
    r = ins(rw, L.CallOp.build(fn, args))
    rw.replace_op(op, [r if wide == t else ins(rw, L.FPTruncOp(r, result_types=[t]))])


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


@lowers("math.ipowi")
def _ipowi(op, operands, rw):
    t = operands[0].type
    if t.__class__ is not T.IntegerType:
        raise IRError(f"'math.ipowi' on '{t}' is not supported; scalarize it first", op.loc)
    fn = _ipowi_function(module_of(op), t)
    rw.replace_op(op, [ins(rw, L.CallOp.build(fn, operands))])


def _ipowi_function(module, t):
    """`__lamina_ipowi_iN(base, exponent)`: exponentiation by squaring (LLVM has no integer
    power), with upstream's results for negative exponents (convert-math-to-funcs): 1 for
    base 1, +-1 for base -1, 0 otherwise (where upstream divides by zero for base 0)."""
    name = f"__lamina_ipowi_i{t.width}"
    body = module.regions[0].blocks[0]
    for o in body:
        sym = o.properties.get("sym_name")
        if sym is not None and sym.value == name:
            return o
    f = L.LLVMFuncOp.build(name, L.LLVMFunctionType(t, [t, t]), linkage="internal")
    region = f.regions[0]
    entry = f.entry
    loop, step, done = Block([t, t, t]), Block(), Block([t])
    for blk in (loop, step, done):
        region.add_block(blk)
    base, exp = entry.args
    b = AppendBuilder(entry)
    zero, one, minus_one = (ins(b, L.ConstantOp.build(v, t)) for v in (0, 1, -1))
    odd = ins(b, L.ICmpOp.build("ne", ins(b, L.AndOp(exp, one)), zero))
    is_one = ins(b, L.ICmpOp.build("eq", base, one))
    is_minus_one = ins(b, L.ICmpOp.build("eq", base, minus_one))
    negative = ins(b, L.SelectOp(is_one, one, ins(b, L.SelectOp(
        is_minus_one, ins(b, L.SelectOp(odd, minus_one, one)), zero))))
    b.insert(L.CondBrOp.build(ins(b, L.ICmpOp.build("slt", exp, zero)), done, loop,
                              [negative], [one, base, exp]))
    r, x, e = loop.args
    b = AppendBuilder(loop)
    b.insert(L.CondBrOp.build(ins(b, L.ICmpOp.build("eq", e, zero)), done, step, [r]))
    b = AppendBuilder(step)
    bit = ins(b, L.ICmpOp.build("ne", ins(b, L.AndOp(e, one)), zero))
    r2 = ins(b, L.SelectOp(bit, ins(b, L.MulOp(r, x)), r))
    b.insert(L.BrOp.build(loop, [r2, ins(b, L.MulOp(x, x)), ins(b, L.LShrOp(e, one))]))
    AppendBuilder(done).insert(L.ReturnOp.build(done.args[0]))
    body.prepend(f)
    return f


make_pass("convert-math-to-llvm", "ConvertMathToLLVMPass",
          "Convert math ops to LLVM intrinsics and C library calls", ("math.",))
