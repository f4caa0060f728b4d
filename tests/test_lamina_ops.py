"""The lamina dialect's elementwise, reduction and linalg ops: type inference, verifier,
folding, NumPy reference kernels, and convert-lamina-to-structured.

The lowered code is checked against the reference kernels before any of the pipeline below the
structured level exists: a small interpreter runs the structured-level IR (tensor.empty/dim/
extract, structured.generic loop nests, cf.assert) and evaluates every scalar arith/math op
through that op's own folder, on small tensors of every element type.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
import lamina.lowering  # noqa: F401  (registers convert-lamina-to-structured)
from lamina import ir
from lamina.dialects.func import FuncOp, ReturnOp
from lamina.dialects.lamina_ops import elementwise as E, linalg as L, reduction as R
from lamina.dialects.lamina_ops.elementwise import InvalidArgument, np_dtype
from lamina.ir import IRError, registry
from lamina.ir import types as T
from lamina.ir.affine import AffineDim
from lamina.ir.attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from lamina.passes import run_pipeline

DYN = T.DYNAMIC
ui8 = T.IntegerType(8, "u")
ui32 = T.IntegerType(32, "u")
MODULES = ("elementwise", "reduction", "linalg")


def tt(shape, et=T.f32):
    return T.RankedTensorType(shape, et)


def our_ops():
    return sorted(n for n, c in registry.OPS.items()
                  if n.startswith("lamina.") and c.__module__.rsplit(".", 1)[-1] in MODULES)


def module_of(arg_types, build):
    """A module whose function @f takes `arg_types` and returns the results of the op that
    `build(*arguments)` makes (ops it returns as a list go in order; the last is returned)."""
    f = FuncOp.build("f", T.FunctionType(arg_types, []))
    block = f.regions[0].blocks[0]
    ops = build(*block.args)
    ops = ops if isinstance(ops, list) else [ops]
    for op in ops:
        block.append(op)
    results = ops[-1].results
    block.append(ReturnOp(list(results)))
    f.properties["function_type"] = ir.TypeAttr(T.FunctionType(arg_types,
                                                               [r.type for r in results]))
    m = ir.ModuleOp([f])
    ir.verify(m)
    return m


def lower(m):
    run_pipeline(m, "builtin.module(convert-lamina-to-structured)")
    ir.verify(m)
    text = str(m)
    again = ir.parse(text)
    ir.verify(again)
    assert str(again) == text
    return m


# -- an interpreter of the structured level -----------------------------------------------------

class AssertFailed(Exception):
    pass


def _signless_np(et):
    if et.__class__ is T.IndexType:
        return np.dtype(np.int64)
    if et.__class__ is T.IntegerType and et.width > 1:
        return np.dtype(f"int{et.width}")
    return np_dtype(et)


def _to_ir(a, et):
    """A NumPy array of lamina element type `et` as the interpreter holds it: an object array
    of the values attributes hold (signless integers wrapped signed, i1 as 0/1)."""
    a = np.asarray(a)
    if et.__class__ is T.IntegerType:
        a = a.astype(_signless_np(et) if et.width > 1 else np.int64)
    return a.astype(object)


def _from_ir(a, et):
    if et == T.i1:
        return np.asarray(a.astype(np.int64) != 0)
    if et.__class__ is T.IntegerType:
        return np.asarray(a.astype(_signless_np(et)).view(np_dtype(et)))
    return np.asarray(a.astype(np_dtype(et)))


def _attr(v, t):
    if t.__class__ is T.FloatType:
        return FloatAttr(float(v), t)
    return IntegerAttr(int(v), t)


class Interpreter:
    def __init__(self):
        self.env = {}
        self.ivs = None

    def call(self, module, args):
        f = module.regions[0].blocks[0].first
        block = f.regions[0].blocks[0]
        for a, x in zip(block.args, args):
            self.env[a] = x
        for op in block:
            if op.name == "func.return":
                return [self.env[v] for v in op.operands]
            self.eval(op)

    def eval(self, op):
        env, n = self.env, op.name
        if n == "arith.constant":
            a = op.properties["value"]
            env[op.results[0]] = a.array.astype(object) if a.__class__ is DenseElementsAttr \
                else a.value
        elif n == "tensor.empty":
            sizes = iter(env[v] for v in op.operands)
            shape = [next(sizes) if d == DYN else d for d in op.results[0].type.shape]
            env[op.results[0]] = np.zeros(shape, dtype=object)
        elif n == "tensor.dim":
            env[op.results[0]] = env[op.operands[0]].shape[env[op.operands[1]]]
        elif n == "tensor.extract":
            env[op.results[0]] = env[op.operands[0]][tuple(env[v] for v in op.operands[1:])]
        elif n == "cf.assert":
            if not env[op.operands[0]]:
                raise AssertFailed(op.properties["msg"].value)
        elif n == "structured.index":
            env[op.results[0]] = self.ivs[op.properties["dim"].value]
        elif n == "structured.generic":
            self.generic(op)
        elif n == "scf.if":
            for inner in op.regions[0 if env[op.operands[0]] else 1].blocks[0]:
                if inner.name == "scf.yield":
                    for r, v in zip(op.results, inner.operands):
                        env[r] = env[v]
                else:
                    self.eval(inner)
        else:
            consts = [_attr(env[v], v.type) for v in op.operands]
            out = op.fold(consts)
            assert out, f"{n} did not fold for {consts}"
            for r, v in zip(op.results, out):
                env[r] = env[v] if hasattr(v, "uses") else v.value

    def generic(self, op):
        ins = [self.env[v] for v in op.inputs]
        outs = [self.env[v].copy() for v in op.outputs]
        maps = op.maps
        bounds = [None] * op.num_loops
        for x, mp in zip(ins + outs, maps):
            for k, e in enumerate(mp.results):
                if isinstance(x, np.ndarray) and e.__class__ is AffineDim:
                    bounds[e.position] = x.shape[k]
        block = op.block
        body = list(block)
        for ivs in itertools.product(*(range(b) for b in bounds)):
            self.ivs = ivs
            for arg, x, mp in zip(block.args, ins + outs, maps):
                self.env[arg] = x[mp.evaluate(ivs)] if isinstance(x, np.ndarray) else x
            for inner in body[:-1]:
                self.eval(inner)
            for out, v, mp in zip(outs, body[-1].operands, maps[len(ins):]):
                out[mp.evaluate(ivs)] = self.env[v]
        for r, out in zip(op.results, outs):
            self.env[r] = out


def run_lowered(m, *arrays):
    """Lower `m` and run it on NumPy `arrays`; the results as NumPy arrays of the lamina
    result types."""
    f = m.regions[0].blocks[0].first
    ft = f.properties["function_type"].value
    args = [_to_ir(a, t.element_type) if t.__class__ is T.RankedTensorType else a
            for a, t in zip(arrays, ft.inputs)]
    lower(m)
    outs = Interpreter().call(m, args)
    return [_from_ir(o, t.element_type) for o, t in zip(outs, ft.results)]


def check_against_reference(cls, arrays, types, make=None, **attrs):
    """The op's lowering run by the interpreter computes what its reference kernel does."""
    m = module_of(types, make or (lambda *a: cls(*a)))
    op = m.regions[0].blocks[0].first.regions[0].blocks[0].first
    want = cls.reference(*arrays, **op.reference_attrs())
    got = run_lowered(m, *arrays)[0]
    assert got.dtype == want.dtype and got.shape == want.shape, (got, want)
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=1e-6 if want.dtype.itemsize > 2 else 2e-3,
                                   atol=1e-6 if want.dtype.itemsize > 2 else 2e-3)
    else:
        np.testing.assert_array_equal(got, want)
    return got


# -- type inference and verification -----------------------------------------------------------

@pytest.mark.parametrize("a,b,out", [
    ((2, 3), (3,), (2, 3)), ((4, 1), (1, 5), (4, 5)), ((DYN, 3), (1,), (DYN, 3)),
    ((DYN,), (4,), (4,)), ((DYN, 1), (1, DYN), (DYN, DYN)), ((), (2, 2), (2, 2)),
])
def test_broadcast_inference(a, b, out):
    assert E.AddOp.infer_types([tt(a), tt(b)], {}) == [tt(out)]
    assert E.LessOp.infer_types([tt(a), tt(b)], {}) == [tt(out, T.i1)]


@pytest.mark.parametrize("cls,types,message", [
    (E.AddOp, [tt((2, 3)), tt((4,))], "operand shapes (2, 3) and (4) are not broadcast"),
    (E.AddOp, [tt((2,)), tt((2,), T.i32)], "different element types: f32 and i32"),
    (E.AddOp, [tt((2,), T.i1), tt((2,), T.i1)],
     "element type must be an integer or floating-point type, but got i1"),
    (E.DivideOp, [tt((2,), T.i32), tt((2,), T.i32)], "must be a floating-point type"),
    (E.LogicalAndOp, [tt((2,)), tt((2,))], "element type must be i1, but got f32"),
    (E.GreaterOp, [tt((2,), T.i1), tt((2,), T.i1)], "integer or floating-point"),
    (E.ExpOp, [tt((2,), T.i32)], "must be a floating-point type, but got i32"),
    (E.AddOp, [tt((2,), T.IntegerType(7)), tt((2,), T.IntegerType(7))], "but got i7"),
    (E.WhereOp, [tt((2,), T.i32), tt((2,)), tt((2,))], "condition element type must be i1"),
    (E.WhereOp, [tt((2,), T.i1), tt((3,)), tt((2,))], "are not broadcast-compatible"),
    (L.MatMulOp, [tt((2, 3)), tt((4, 5))], "Matrix size-incompatible: In[0]: [2,3], In[1]: "
                                            "[4,5]"),
    (L.MatMulOp, [tt((3,)), tt((3, 5))], "rank 2 or more"),
    (L.MatMulOp, [tt((2, 2, 3)), tt((3, 3, 5))], "batch dimensions [2] and [3] are not"),
])
def test_inference_errors(cls, types, message):
    with pytest.raises(IRError) as e:
        cls.infer_types(types, {})
    assert message in e.value.message


def test_where_and_matmul_inference():
    assert E.WhereOp.infer_types([tt((2, 1), T.i1), tt((3,)), tt(())], {}) == [tt((2, 3))]
    mm = L.MatMulOp.infer_types
    assert mm([tt((5, 1, 3, 2)), tt((7, 4, 3))], {"transpose_a": 1, "transpose_b": 1}) == \
        [tt((5, 7, 2, 4))]
    assert mm([tt((DYN, 2, DYN)), tt((DYN, 5))], {}) == [tt((DYN, 2, 5))]


def test_builders():
    def build(*a):
        r = R.ReduceSumOp.build(a[0], [-1, 0], keepdims=True)
        return [r, R.ArgMaxOp.build(r.results[0], -1, T.i32)]
    m = module_of([tt((2, DYN, 4))], build)
    ops = list(m.regions[0].blocks[0].first.regions[0].blocks[0])
    assert list(ops[0].properties["axes"].value) == [0, 2]
    assert ops[0].results[0].type == tt((1, DYN, 1))
    assert ops[1].results[0].type == tt((1, DYN), T.i32)
    with pytest.raises(IRError, match="axis 3 is out of range"):
        module_of([tt((2, 3))], lambda a: R.ReduceSumOp.build(a, [3]))
    c = [E.ConstantOp.build(v, tt((), T.i32)) for v in (2, 11, 3)]
    m = module_of([], lambda: c + [L.RangeOp.build(*(x.results[0] for x in c))])
    assert "tensor<3xi32>" in str(m)


def _verify_error(text):
    with pytest.raises(IRError) as e:
        ir.verify(ir.parse(text))
    return e.value.message


@pytest.mark.parametrize("body,args,message", [
    ("lamina.add %arg0, %arg0 : (tensor<2xf32>, tensor<2xf32>) -> tensor<3xf32>",
     "tensor<2xf32>", "inferred type(s) tensor<2xf32> are incompatible with return type(s) "
                      "tensor<3xf32>"),
    ("lamina.exp %arg0 : tensor<2xi32>", "tensor<2xi32>", "must be a floating-point type"),
    ("lamina.reduce_sum %arg0 axes = [1, 0] : tensor<2x3xf32> -> tensor<f32>",
     "tensor<2x3xf32>", "axes [1, 0] must be distinct, sorted, and in [0, 2)"),
    ("lamina.reduce_any %arg0 axes = [0] : tensor<2xf32> -> tensor<i1>", "tensor<2xf32>",
     "element type must be i1"),
    ("lamina.argmax %arg0 axis = 0 : tensor<2x3xf32> -> tensor<3xf32>", "tensor<2x3xf32>",
     "result element type must be i32 or i64"),
    ("lamina.argmax %arg0 axis = 1 : tensor<2x3xf32> -> tensor<3xi64>", "tensor<2x3xf32>",
     "result shape must be [2]"),
    ("lamina.cast %arg0 : tensor<2xf32> to tensor<3xi32>", "tensor<2xf32>",
     "result shape (3) must be the operand shape (2)"),
    ("lamina.cast %arg0 : tensor<2xf32> to tensor<2xsi32>", "tensor<2xf32>",
     "result element type must be a supported element type"),
    ("lamina.fill %arg0 : tensor<f32> -> tensor<?xf32>", "tensor<f32>",
     "expected 1 dimension operands"),
    ("lamina.fill %arg0 : tensor<2xf32> -> tensor<2xf32>", "tensor<2xf32>",
     "value must be a 0-d tensor"),
    ("lamina.range %arg0, %arg0, %arg0 : tensor<ui8> -> tensor<?xui8>", "tensor<ui8>",
     "must be a signed integer or floating-point type"),
    ("lamina.range %arg0, %arg0, %arg0 : tensor<i32> -> tensor<?xi64>", "tensor<i32>",
     "result must be a 1-d tensor of i32"),
])
def test_verifier_errors(body, args, message):
    rt = body.rsplit("-> ", 1)[1] if "->" in body else body.rsplit(" ", 1)[1]
    rt = body.rsplit(" to ", 1)[1] if " to " in body else rt
    text = f"func.func @f(%arg0: {args}) -> {rt} {{\n  %0 = {body}\n  return %0 : {rt}\n}}"
    assert message in _verify_error(text)


# -- reference kernels ------------------------------------------------------------------------

def test_reference_division():
    a = np.array([7, -7, 7, -7], np.int32)
    b = np.array([2, 2, -2, -2], np.int32)
    assert E.FloorDivOp.reference(a, b).tolist() == [3, -4, -4, 3]
    assert E.FloorModOp.reference(a, b).tolist() == [1, 1, -1, -1]
    f = a.astype(np.float32), b.astype(np.float32)
    assert E.FloorModOp.reference(*f).tolist() == [1, 1, -1, -1]
    assert E.FloorDivOp.reference(*f).tolist() == [3, -4, -4, 3]
    with pytest.raises(InvalidArgument, match="Integer division by zero"):
        E.FloorDivOp.reference(a, np.zeros(4, np.int32))
    with pytest.raises(InvalidArgument, match="Integers to negative integer powers"):
        E.PowOp.reference(a, b)
    assert E.DivideOp.reference(np.float32(1), np.float32(0)) == np.inf


def test_reference_kernels():
    x = np.array([-1.5, 300.0, 2.7, np.nan], np.float32)
    assert E.CastOp.reference(x[:3], np.uint8).tolist() == [255, 44, 2]
    assert E.CastOp.reference(x, np.bool_).tolist() == [True, True, True, True]
    assert E.RoundOp.reference(np.array([0.5, 1.5, -2.5])).tolist() == [0, 2, -2]
    assert R.ArgMaxOp.reference(x, axis=0).tolist() == 3
    assert R.ArgMinOp.reference(x[:3], axis=0, output_type=np.int32).dtype == np.int32
    assert R.ReduceMeanOp.reference(np.array([-3, -4], np.int32), axes=(0,),
                                    keepdims=False) == -3
    assert R.ReduceMaxOp.reference(np.zeros((0, 2), np.float32), axes=(0,),
                                   keepdims=False).tolist() == [-np.inf, -np.inf]
    assert R.ReduceSumOp.reference(np.full(3, 100, np.int8), axes=(0,), keepdims=True
                                   ).tolist() == [44]
    assert np.isnan(R.ReduceMeanOp.reference(np.zeros(0, np.float32), axes=(0,),
                                             keepdims=False))
    with pytest.raises(InvalidArgument, match=r"Reduction axis 1 is empty in shape \[2,0\]"):
        R.ArgMaxOp.reference(np.zeros((2, 0)), axis=1)
    r = L.RangeOp.reference
    assert r(np.int32(1), np.int32(10), np.int32(3)).tolist() == [1, 4, 7]
    assert r(np.float32(1), np.float32(0), np.float32(-0.25)).tolist() == [1, .75, .5, .25]
    with pytest.raises(InvalidArgument, match="Requires delta != 0"):
        r(np.int32(1), np.int32(2), np.int32(0))
    with pytest.raises(InvalidArgument, match="Requires start <= limit when delta > 0: 5/1"):
        r(np.int32(5), np.int32(1), np.int32(1))
    a, b = np.ones((2, 3, 4)), np.ones((1, 5, 4))
    assert L.MatMulOp.reference(a, b, transpose_b=True).shape == (2, 3, 5)


# -- folding --------------------------------------------------------------------------------------

def _fold(text):
    m = ir.parse(text)
    ir.verify(m)
    run_pipeline(m, "builtin.module(canonicalize)")
    return str(m)


def test_folding():
    out = _fold("""func.func @f() -> (tensor<2xi32>, tensor<2xi32>, tensor<i1>, tensor<2x2xf32>,
                                    tensor<3xi64>, tensor<2xui8>) {
      %a = lamina.constant dense<[7, -7]> : tensor<2xi32>
      %b = lamina.constant dense<2> : tensor<i32>
      %z = lamina.constant dense<0> : tensor<i32>
      %0 = lamina.floordiv %a, %b : (tensor<2xi32>, tensor<i32>) -> tensor<2xi32>
      %1 = lamina.floordiv %a, %z : (tensor<2xi32>, tensor<i32>) -> tensor<2xi32>
      %s = lamina.reduce_sum %a axes = [0] : tensor<2xi32> -> tensor<i32>
      %2 = lamina.equal %s, %z : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %m = lamina.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
      %3 = lamina.matmul %m, %m transpose_b : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
      %c1 = lamina.constant dense<1> : tensor<i64>
      %c4 = lamina.constant dense<4> : tensor<i64>
      %4 = lamina.range %c1, %c4, %c1 : tensor<i64> -> tensor<3xi64>
      %5 = lamina.cast %a : tensor<2xi32> to tensor<2xui8>
      return %0, %1, %2, %3, %4, %5 : tensor<2xi32>, tensor<2xi32>, tensor<i1>, tensor<2x2xf32>,
                                      tensor<3xi64>, tensor<2xui8>
    }""")
    assert "dense<[3, -4]> : tensor<2xi32>" in out
    assert "lamina.floordiv" in out  # a division by zero stays, for its run-time error
    assert "dense<true> : tensor<i1>" in out
    assert "dense<[[5.000000e+00, 1.100000e+01], [1.100000e+01, 2.500000e+01]]>" in out
    assert "dense<[1, 2, 3]> : tensor<3xi64>" in out
    assert "dense<[7, 249]> : tensor<2xui8>" in out


def test_fold_cast_to_same_type_and_fill():
    out = _fold("""func.func @f(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2x2xf32>) {
      %0 = lamina.cast %x : tensor<2xf32> to tensor<2xf32>
      %v = lamina.constant dense<1.5> : tensor<f32>
      %1 = lamina.fill %v : tensor<f32> -> tensor<2x2xf32>
      return %0, %1 : tensor<2xf32>, tensor<2x2xf32>
    }""")
    assert "lamina.cast" not in out and "lamina.fill" not in out
    assert "dense<1.500000e+00> : tensor<2x2xf32>" in out


# -- lowering -------------------------------------------------------------------------------------

def test_every_op_has_examples_that_lower():
    for name in our_ops():
        cls = registry.OPS[name]
        assert cls.opdef.examples, name
        for text in cls.opdef.examples:
            m = ir.parse(text)
            ir.verify(m)
            out = str(lower(m))
            assert "lamina." not in out, (name, out)


def test_unsigned_types_become_signless():
    m = ir.parse("""func.func @f(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xui8> {
      %0 = lamina.floordiv %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
      %1 = lamina.maximum %0, %x : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
      return %1 : tensor<4xui8>
    }""")
    out = str(lower(m))
    assert "ui8" not in out and "(%arg0: tensor<4xi8>, %arg1: tensor<4xi8>) -> tensor<4xi8>" in out
    assert "arith.divui" in out and "arith.maxui" in out
    assert "unrealized_conversion_cast" not in out


def test_no_lowering_is_an_error():
    m = ir.parse("""func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
      %0 = "lamina.bogus"(%x) : (tensor<2xf32>) -> tensor<2xf32>
      return %0 : tensor<2xf32>
    }""", allow_unregistered=True)
    with pytest.raises(IRError, match="no lowering for 'lamina.bogus'"):
        run_pipeline(m, "builtin.module(convert-lamina-to-structured)")


# -- lowering against the reference kernels -------------------------------------------------------

rng = np.random.default_rng(0)
FLOAT_TYPES = [T.f32, T.f64, T.f16]
INT_TYPES = [T.i8, T.i32, T.i64, ui8, T.IntegerType(16, "u")]


def sample(shape, et, positive=False):
    dt = np_dtype(et)
    if dt.kind == "f":
        x = rng.uniform(0.1 if positive else -3, 3, shape)
    elif dt.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    else:
        info = np.iinfo(dt)
        lo = 1 if positive else max(info.min, -100)
        x = rng.integers(lo, min(info.max, 100), shape, endpoint=True)
        # the extremes, where wrapping and overflow show
        flat = x.reshape(-1)
        if flat.size >= 2 and not positive:
            flat[0], flat[-1] = info.min, info.max
    return np.asarray(x).astype(dt)


BINARY = [E.AddOp, E.SubtractOp, E.MultiplyOp, E.MaximumOp, E.MinimumOp, E.FloorDivOp,
          E.FloorModOp, E.EqualOp, E.NotEqualOp, E.GreaterOp, E.GreaterEqualOp, E.LessOp,
          E.LessEqualOp]


@pytest.mark.parametrize("et", FLOAT_TYPES + INT_TYPES, ids=str)
def test_binary_ops_lowered(et):
    shapes = [((2, 3), (3,)), ((2, 1), (1, 3))]
    for cls in BINARY + ([E.DivideOp, E.PowOp] if et in FLOAT_TYPES else []):
        for sa, sb in shapes:
            positive = cls in (E.FloorDivOp, E.FloorModOp)
            a, b = sample(sa, et), sample(sb, et, positive=positive)
            if positive and np_dtype(et).kind == "i":
                b = b * np.where(rng.integers(0, 2, b.shape) == 1, 1, -1).astype(b.dtype)
            if cls is E.PowOp:
                a = np.abs(a)
            check_against_reference(cls, [a, b], [tt(sa, et), tt(sb, et)])


def test_integer_pow_and_logical_ops_lowered():
    a, b = np.array([2, -3, 5], np.int32), np.array([3, 2, 0], np.int32)
    check_against_reference(E.PowOp, [a, b], [tt((3,), T.i32)] * 2)
    u = np.array([2, 3, 255], np.uint8), np.array([7, 200, 2], np.uint8)
    check_against_reference(E.PowOp, list(u), [tt((3,), ui8)] * 2)
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    for cls in (E.LogicalAndOp, E.LogicalOrOp, E.EqualOp, E.NotEqualOp):
        check_against_reference(cls, [p, q], [tt((4,), T.i1)] * 2)
    check_against_reference(E.LogicalNotOp, [p], [tt((4,), T.i1)])


@pytest.mark.parametrize("cls,et", [(c, t) for c in (E.FloorDivOp, E.FloorModOp)
                                    for t in (T.i32, ui8)], ids=str)
def test_integer_division_by_zero_asserts(cls, et):
    m = module_of([tt((2,), et)] * 2, lambda a, b: cls(a, b))
    with pytest.raises(AssertFailed, match="Integer division by zero"):
        run_lowered(m, np.array([1, 2]).astype(np_dtype(et)), np.array([1, 0]).astype(
            np_dtype(et)))


def test_signed_division_overflow_wraps():
    a = np.array([-128, -128, 7], np.int8)
    b = np.array([-1, -1, -1], np.int8)
    got = check_against_reference(E.FloorDivOp, [a, b], [tt((3,), T.i8)] * 2)
    assert got.tolist() == [-128, -128, -7]
    check_against_reference(E.FloorModOp, [a, b], [tt((3,), T.i8)] * 2)


def test_float_special_values_lowered():
    a = np.array([np.nan, 1.0, -0.0, np.inf, -2.0], np.float32)
    b = np.array([1.0, np.nan, 0.0, 1.0, np.inf], np.float32)
    for cls in (E.MaximumOp, E.MinimumOp, E.NotEqualOp, E.EqualOp, E.FloorModOp, E.LessOp):
        check_against_reference(cls, [a, b], [tt((5,))] * 2)
    for cls in (E.SignOp, E.ReluOp, E.AbsOp):
        check_against_reference(cls, [a], [tt((5,))])


UNARY_FLOAT = [E.NegativeOp, E.AbsOp, E.SquareOp, E.ReluOp, E.SignOp, E.ExpOp, E.LogOp,
               E.Log1pOp, E.Expm1Op, E.SqrtOp, E.RsqrtOp, E.TanhOp, E.SigmoidOp, E.SinOp,
               E.CosOp, E.ErfOp, E.FloorOp, E.CeilOp, E.RoundOp]


@pytest.mark.parametrize("et", FLOAT_TYPES + INT_TYPES, ids=str)
def test_unary_ops_lowered(et):
    is_float = et in FLOAT_TYPES
    for cls in UNARY_FLOAT if is_float else UNARY_FLOAT[:5]:
        positive = cls in (E.LogOp, E.SqrtOp, E.RsqrtOp, E.Log1pOp)
        x = sample((2, 3), et, positive)
        if cls is E.RoundOp:
            x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4]).reshape(2, 3).astype(x.dtype)
        check_against_reference(cls, [x], [tt((2, 3), et)])


ALL_TYPES = [T.f32, T.f64, T.f16, T.i8, T.i16, T.i32, T.i64, ui8, ui32, T.i1]


@pytest.mark.parametrize("src", ALL_TYPES, ids=str)
def test_casts_lowered(src):
    x = sample((6,), src)
    if src in FLOAT_TYPES:
        x = np.array([-1.5, 300.7, 2.7, -0.2, 0.0, 65.0]).astype(x.dtype)
    for dst in ALL_TYPES:
        check_against_reference(E.CastOp, [x], [tt((6,), src)],
                                make=lambda a, d=dst: E.CastOp.build(a, d))


def test_where_lowered():
    c = np.array([[True], [False]])
    x, y = sample((3,), ui8), np.array(7, np.uint8)
    check_against_reference(E.WhereOp, [c, x, y], [tt((2, 1), T.i1), tt((3,), ui8),
                                                   tt((), ui8)])


def test_dynamic_shapes_lowered():
    a, b = sample((2, 3), T.f32), sample((3,), T.f32)
    types = [tt((DYN, DYN)), tt((DYN,))]
    check_against_reference(E.AddOp, [a, b], types)
    m = module_of(types, lambda x, y: E.AddOp(x, y))
    with pytest.raises(AssertFailed, match=r"Incompatible shapes: \[\?\] vs. \[\?,\?\]"):
        run_lowered(m, a, sample((2,), T.f32))
    m = module_of([tt((DYN,)), tt((4,))], lambda x, y: E.SubtractOp(x, y))
    with pytest.raises(AssertFailed, match=r"Incompatible shapes: \[\?\] vs. \[4\]"):
        run_lowered(m, sample((3,), T.f32), sample((4,), T.f32))
    # a size-1 dimension broadcasts also against `?`, and so does a `?` of size 1 at run time
    check_against_reference(E.MultiplyOp, [sample((2, 1), T.i32), sample((2, 5), T.i32)],
                            [tt((DYN, 1), T.i32), tt((DYN, DYN), T.i32)])
    check_against_reference(E.MultiplyOp, [sample((2, 1), T.i32), sample((1, 5), T.i32)],
                            [tt((DYN, DYN), T.i32), tt((DYN, DYN), T.i32)])


REDUCE = [R.ReduceSumOp, R.ReduceProdOp, R.ReduceMaxOp, R.ReduceMinOp, R.ReduceMeanOp]


@pytest.mark.parametrize("et", [T.f32, T.f16, T.i32, T.i8, ui8], ids=str)
def test_reductions_lowered(et):
    x = sample((2, 3, 4), et)
    for cls in REDUCE:
        for axes, keep in (([1], False), ([0, 2], True), ([0, 1, 2], False), ([], False)):
            for shape in ((2, 3, 4), (2, DYN, DYN)):
                check_against_reference(cls, [x], [tt(shape, et)],
                                        make=lambda a: cls.build(a, axes, keep))
    for cls in (R.ArgMaxOp, R.ArgMinOp):
        for axis in (0, 2):
            check_against_reference(cls, [x], [tt((2, DYN, 4), et)],
                                    make=lambda a: cls.build(a, axis, T.i32))


def test_reductions_special_cases_lowered():
    b = sample((3, 2), T.i1)
    for cls in (R.ReduceAnyOp, R.ReduceAllOp):
        check_against_reference(cls, [b], [tt((3, 2), T.i1)], make=lambda a: cls.build(a, [0]))
    x = np.array([[1.0, np.nan, 3.0, np.nan], [-np.inf, -np.inf, 2.0, 2.0]], np.float32)
    for cls in (R.ArgMaxOp, R.ArgMinOp):
        check_against_reference(cls, [x], [tt((2, 4))], make=lambda a: cls.build(a, 1))
    for cls in (R.ReduceMaxOp, R.ReduceMinOp, R.ReduceMeanOp):
        check_against_reference(cls, [np.zeros((0, 2), np.float32)], [tt((0, 2))],
                                make=lambda a: cls.build(a, [0]))
    m = module_of([tt((2, DYN))], lambda a: R.ArgMaxOp.build(a, 1))
    with pytest.raises(AssertFailed, match=r"Reduction axis 1 is empty in shape \[2,\?\]"):
        run_lowered(m, np.zeros((2, 0), np.float32))


@pytest.mark.parametrize("et", [T.f32, T.i32, ui8], ids=str)
def test_matmul_lowered(et):
    cases = [((2, 3), (3, 4), False, False), ((3, 2), (4, 3), True, True),
             ((5, 1, 2, 3), (2, 3, 4), False, False), ((2, 2, 3), (4, 3), False, True)]
    for sa, sb, ta, tb in cases:
        a, b = sample(sa, et), sample(sb, et)
        check_against_reference(L.MatMulOp, [a, b], [tt(sa, et), tt(sb, et)],
                                make=lambda x, y: L.MatMulOp.build(x, y, ta, tb))
        dyn = [tt(s[:-2] + (DYN, DYN), et) for s in (sa, sb)]
        check_against_reference(L.MatMulOp, [a, b], dyn,
                                make=lambda x, y: L.MatMulOp.build(x, y, ta, tb))
    m = module_of([tt((2, DYN)), tt((DYN, 2))], lambda x, y: L.MatMulOp(x, y))
    with pytest.raises(AssertFailed, match="Matrix size-incompatible"):
        run_lowered(m, sample((2, 3), T.f32), sample((4, 2), T.f32))


def test_fill_and_range_lowered():
    v = np.array(2.5, np.float32)
    m = module_of([tt(()), T.index], lambda x, n: L.FillOp.build(x, (DYN, 3), [n]))
    got = run_lowered(m, v, 2)[0]
    np.testing.assert_array_equal(got, np.full((2, 3), 2.5, np.float32))
    for et, bounds in ((T.i32, (1, 10, 3)), (T.i64, (10, -3, -4)), (T.f32, (1, 0, -0.25)),
                       (T.f64, (0.5, 2.0, 0.5)), (T.i32, (3, 3, 1))):
        arrays = [np.array(x, np_dtype(et)) for x in bounds]
        check_against_reference(L.RangeOp, arrays, [tt((), et)] * 3,
                                make=lambda s, lim, d, et=et: L.RangeOp(
                                    s, lim, d, result_types=[tt((DYN,), et)]))
    m = module_of([tt((), T.i32)] * 3, lambda s, lim, d: L.RangeOp(
        s, lim, d, result_types=[tt((DYN,), T.i32)]))
    for bounds, msg in (((1, 2, 0), "Requires delta != 0"),
                        ((5, 1, 1), "Requires start <= limit when delta > 0"),
                        ((1, 5, -1), "Requires start >= limit when delta < 0")):
        with pytest.raises(AssertFailed, match=msg):
            run_lowered(m, *(np.array(x, np.int32) for x in bounds))
