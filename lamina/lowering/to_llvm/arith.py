"""`convert-arith-to-llvm`: arith ops become the llvm dialect's instructions and intrinsics.
Ops LLVM lacks (ceil/floor division) expand into a few instructions, as upstream's
arith-expand does."""

from __future__ import annotations

from ...dialects import llvm as L
from ...ir import IRError
from ...ir import types as T
from ...ir.attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from .common import TYPES, ins, lowers, make_pass

_SAME = {
    "arith.addi": L.AddOp, "arith.subi": L.SubOp, "arith.muli": L.MulOp,
    "arith.divsi": L.SDivOp, "arith.divui": L.UDivOp, "arith.remsi": L.SRemOp,
    "arith.remui": L.URemOp, "arith.andi": L.AndOp, "arith.ori": L.OrOp, "arith.xori": L.XOrOp,
    "arith.shli": L.ShlOp, "arith.shrsi": L.AShrOp, "arith.shrui": L.LShrOp,
    "arith.addf": L.FAddOp, "arith.subf": L.FSubOp, "arith.mulf": L.FMulOp,
    "arith.divf": L.FDivOp, "arith.remf": L.FRemOp,
    "arith.maxsi": L.SMaxOp, "arith.minsi": L.SMinOp, "arith.maxui": L.UMaxOp,
    "arith.minui": L.UMinOp, "arith.maximumf": L.MaximumOp, "arith.minimumf": L.MinimumOp,
    "arith.maxnumf": L.MaxNumOp, "arith.minnumf": L.MinNumOp,
}


def _fastmath(op):
    fm = op.properties.get("fastmath")
    if fm is None or not fm.cases:
        return {}
    return {"fastmathFlags": L.FastmathFlagsAttr(fm.cases)}


@lowers(*_SAME)
def _binary(op, operands, rw):
    cls = _SAME[op.name]
    props = _fastmath(op) if "fastmathFlags" in cls.opdef.props else {}
    rw.replace_op(op, [ins(rw, cls(*operands, **props))])


@lowers("arith.negf")
def _negf(op, operands, rw):
    rw.replace_op(op, [ins(rw, L.FNegOp(operands[0], **_fastmath(op)))])


@lowers("arith.constant")
def _constant(op, operands, rw):
    v = op.properties["value"]
    t = TYPES.convert(op.results[0].type)
    if v.__class__ is IntegerAttr and v.type.__class__ is T.IndexType:
        v = IntegerAttr(v.value, T.i64)
    elif v.__class__ is DenseElementsAttr and v.type.element_type.__class__ is T.IndexType:
        v = DenseElementsAttr(T.VectorType(v.type.shape, T.i64), v.array)
    if v.__class__ is DenseElementsAttr and v.type.__class__ is T.RankedTensorType:
        raise IRError("a tensor constant must be bufferized before lowering to llvm", op.loc)
    rw.replace_op(op, [ins(rw, L.ConstantOp.build(v, t))])


def _i1_like(t):
    return T.VectorType(t.shape, T.i1) if t.__class__ is T.VectorType else T.i1


@lowers("arith.cmpi")
def _cmpi(op, operands, rw):
    c = L.ICmpOp(*operands, predicate=op.properties["predicate"],
                 result_types=[_i1_like(operands[0].type)])
    rw.replace_op(op, [ins(rw, c)])


@lowers("arith.cmpf")
def _cmpf(op, operands, rw):
    c = L.FCmpOp(*operands, predicate=op.properties["predicate"],
                 result_types=[_i1_like(operands[0].type)], **_fastmath(op))
    rw.replace_op(op, [ins(rw, c)])


def select(rw, c, a, b):
    return ins(rw, L.SelectOp(c, a, b, result_types=[a.type]))


@lowers("arith.select")
def _select(op, operands, rw):
    rw.replace_op(op, [select(rw, *operands)])


def _width(t):
    t = getattr(t, "element_type", t)
    return 64 if t.__class__ is T.IndexType else t.width


_CASTS = {
    "arith.extsi": L.SExtOp, "arith.extui": L.ZExtOp, "arith.trunci": L.TruncOp,
    "arith.sitofp": L.SIToFPOp, "arith.uitofp": L.UIToFPOp, "arith.fptosi": L.FPToSIOp,
    "arith.fptoui": L.FPToUIOp, "arith.extf": L.FPExtOp, "arith.truncf": L.FPTruncOp,
    "arith.bitcast": L.BitcastOp,
}


@lowers(*_CASTS)
def _cast(op, operands, rw):
    t = TYPES.convert(op.results[0].type)
    rw.replace_op(op, [ins(rw, _CASTS[op.name].build(operands[0], t))])


@lowers("arith.index_cast", "arith.index_castui")
def _index_cast(op, operands, rw):
    src = operands[0]
    t = TYPES.convert(op.results[0].type)
    a, b = _width(op.operands[0].type), _width(op.results[0].type)
    if a == b:
        rw.replace_op(op, [src])
        return
    if a > b:
        cls = L.TruncOp
    else:
        cls = L.SExtOp if op.name == "arith.index_cast" else L.ZExtOp
    rw.replace_op(op, [ins(rw, cls.build(src, t))])


def _splat_like(rw, t, value):
    if t.__class__ is T.VectorType:
        attr = DenseElementsAttr(t, value)
    elif t.__class__ is T.FloatType:
        attr = FloatAttr(value, t)
    else:
        attr = IntegerAttr(value, t)
    return ins(rw, L.ConstantOp.build(attr, t))


def _rounded_division(op, operands, rw, toward_sign_match):
    """q = a / b truncates; when inexact, floor division steps down where the signs differ
    and ceiling division steps up where they agree."""
    a, b = operands
    zero, one = _splat_like(rw, a.type, 0), _splat_like(rw, a.type, 1)
    q = ins(rw, L.SDivOp(a, b))
    exact = ins(rw, L.ICmpOp.build("eq", ins(rw, L.MulOp(q, b)), a))
    sa = ins(rw, L.ICmpOp.build("slt", a, zero))
    sb = ins(rw, L.ICmpOp.build("slt", b, zero))
    signs = ins(rw, L.ICmpOp.build("eq" if toward_sign_match else "ne", sa, sb))
    inexact = ins(rw, L.XOrOp(exact, _splat_like(rw, exact.type, 1)))
    fix = ins(rw, L.AndOp(signs, inexact))
    step = L.AddOp(q, one) if toward_sign_match else L.SubOp(q, one)
    rw.replace_op(op, [select(rw, fix, ins(rw, step), q)])


@lowers("arith.floordivsi")
def _floordivsi(op, operands, rw):
    _rounded_division(op, operands, rw, toward_sign_match=False)


@lowers("arith.ceildivsi")
def _ceildivsi(op, operands, rw):
    _rounded_division(op, operands, rw, toward_sign_match=True)


@lowers("arith.ceildivui")
def _ceildivui(op, operands, rw):
    a, b = operands
    t = a.type
    zero, one = _splat_like(rw, t, 0), _splat_like(rw, t, 1)
    # a == 0 ? 0 : (a - 1) / b + 1
    q = ins(rw, L.AddOp(ins(rw, L.UDivOp(ins(rw, L.SubOp(a, one)), b)), one))
    is0 = ins(rw, L.ICmpOp.build("eq", a, zero))
    rw.replace_op(op, [select(rw, is0, zero, q)])


make_pass("convert-arith-to-llvm", "ArithToLLVMConversionPass",
          "Convert arith ops to the llvm dialect", ("arith.",))
