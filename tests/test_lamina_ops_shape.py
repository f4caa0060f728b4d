"""The lamina dialect's shape ops (reshape, transpose, concat, stack, strided_slice,
broadcast_to, shape): type inference, verifier errors with TensorFlow's messages, the slice
syntax, the NumPy reference kernels, folding, and convert-lamina-to-structured. (The compiled
code is checked against the kernels in test_lamina_ops_compiled.py.)"""

from __future__ import annotations

import re

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
import lamina.lowering  # noqa: F401  (registers convert-lamina-to-structured)
from lamina import ir
from lamina.dialects.lamina_ops import shape as S
from lamina.dialects.lamina_ops.elementwise import InvalidArgument
from lamina.ir import IRError
from lamina.ir import types as T
from lamina.ir.attributes import DenseArrayAttr, IntegerAttr
from lamina.passes import run_pipeline

DYN = T.DYNAMIC


def tt(shape, et=T.f32):
    return T.RankedTensorType(shape, et)


def ttext(shape, et="f32"):
    return "tensor<" + "".join(("?" if d == DYN else str(d)) + "x" for d in shape) + et + ">"


def func(args, body, results):
    """A module with @f(args) -> results whose body is `body` (a list of lines, the last
    defining %0... returned)."""
    params = ", ".join(f"%a{i}: {t}" for i, t in enumerate(args))
    rets = ", ".join(f"%{i}" for i in range(len(results)))
    lines = "\n".join("  " + line for line in body)
    return (f"func.func @f({params}) -> ({', '.join(results)}) {{\n{lines}\n"
            f"  return {rets} : {', '.join(results)}\n}}")


def verify_error(text):
    with pytest.raises(IRError) as e:
        ir.verify(ir.parse(text))
    return e.value.message


def lower(text):
    m = ir.parse(text)
    ir.verify(m)
    run_pipeline(m, "builtin.module(convert-lamina-to-structured)")
    ir.verify(m)
    printed = str(m)
    assert str(ir.parse(printed)) == printed
    assert "lamina." not in printed
    return printed


def canonicalize(text):
    m = ir.parse(text)
    run_pipeline(m, "builtin.module(canonicalize)")
    ir.verify(m)
    return str(m)


# -- reshape ------------------------------------------------------------------------------------

@pytest.mark.parametrize("src,dst,message", [
    ((2, 3), (4,), "Input to reshape is a tensor with 6 values, but the requested shape has 4"),
    ((5,), (DYN, 2), "Input to reshape is a tensor with 5 values, but the requested shape "
                     "requires a multiple of 2"),
    ((2, 3), (DYN, DYN), "can infer at most one dimension of the shape [?,?]"),
])
def test_reshape_errors(src, dst, message):
    text = func([ttext(src)], [f"%0 = lamina.reshape %a0 : {ttext(src)} -> {ttext(dst)}"],
                [ttext(dst)])
    assert verify_error(text) == f"'lamina.reshape' op {message}"


def test_reshape_accepts_dynamic_sizes_and_folds():
    for src, dst in (((DYN, 28, 28), (DYN, 784)), ((DYN, 3), (2, 3)), ((6,), (DYN, 3)),
                     ((), (1, 1)), ((1, 1), ())):
        ir.verify(ir.parse(func([ttext(src)], [f"%0 = lamina.reshape %a0 : {ttext(src)} -> "
                                                f"{ttext(dst)}"], [ttext(dst)])))
    out = canonicalize(func([], ["%c = lamina.constant dense<[1, 2, 3, 4]> : tensor<4xi32>",
                                 "%0 = lamina.reshape %c : tensor<4xi32> -> tensor<2x2xi32>"],
                            ["tensor<2x2xi32>"]))
    assert "lamina.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>" in out
    same = canonicalize(func(["tensor<4xf32>"], ["%0 = lamina.reshape %a0 : tensor<4xf32> -> "
                                                 "tensor<4xf32>"], ["tensor<4xf32>"]))
    assert "lamina.reshape" not in same
    np.testing.assert_array_equal(S.ReshapeOp.reference(np.arange(6), shape=[-1, 2]),
                                  np.arange(6).reshape(3, 2))


def test_reshape_lowering():
    out = lower(func(["tensor<?x28x28xf32>"], ["%0 = lamina.reshape %a0 : tensor<?x28x28xf32> "
                                               "-> tensor<?x784xf32>"], ["tensor<?x784xf32>"]))
    assert "tensor.collapse_shape %arg0 [[0, 1, 2]]" in out
    assert "tensor.expand_shape" in out and "output_shape [%" in out
    assert 'cf.assert' in out
    scalar = lower(func(["tensor<f32>"], ["%0 = lamina.reshape %a0 : tensor<f32> -> "
                                          "tensor<1x1xf32>"], ["tensor<1x1xf32>"]))
    assert "tensor.expand_shape %arg0 [] output_shape [1]" in scalar
    back = lower(func(["tensor<1x1xf32>"], ["%0 = lamina.reshape %a0 : tensor<1x1xf32> -> "
                                            "tensor<f32>"], ["tensor<f32>"]))
    assert "tensor.collapse_shape %0 [] : tensor<1xf32> into tensor<f32>" in back
    static = lower(func(["tensor<2x3xf32>"], ["%0 = lamina.reshape %a0 : tensor<2x3xf32> -> "
                                              "tensor<3x2xf32>"], ["tensor<3x2xf32>"]))
    assert "cf.assert" not in static


# -- transpose, concat, stack ----------------------------------------------------------------------

def test_transpose():
    p = {"perm": DenseArrayAttr(T.i64, [2, 0, 1])}
    assert S.TransposeOp.infer_types([tt((2, DYN, 4))], p) == [tt((4, 2, DYN))]
    with pytest.raises(IRError, match=r"perm \[0, 0\] is not a permutation of the 2 dimensions"):
        S.TransposeOp.infer_types([tt((2, 3))], {"perm": DenseArrayAttr(T.i64, [0, 0])})
    x = np.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(S.TransposeOp.reference(x, perm=[2, 0, 1]),
                                  x.transpose(2, 0, 1))
    identity = canonicalize(func(["tensor<2x3xf32>"], ["%0 = lamina.transpose %a0 perm = [0, 1] "
                                                       ": tensor<2x3xf32> -> tensor<2x3xf32>"],
                                 ["tensor<2x3xf32>"]))
    assert "lamina.transpose" not in identity
    out = lower(S.TransposeOp.opdef.examples[0])
    assert "affine_map<(d0, d1, d2) -> (d1, d2, d0)>" in out


def test_concat_and_stack_inference():
    axis = {"axis": IntegerAttr(0)}
    assert S.ConcatOp.infer_types([tt((2, 3)), tt((DYN, 3)), tt((1, DYN))], axis) == \
        [tt((DYN, 3))]
    assert S.ConcatOp.infer_types([tt((2, 3)), tt((4, 3))], axis) == [tt((6, 3))]
    assert S.StackOp.infer_types([tt((3,)), tt((DYN,))], {"axis": IntegerAttr(1)}) == \
        [tt((3, 2))]
    for cls, types, a, message in (
            (S.ConcatOp, [tt((2, 3)), tt((2, 4))], 0,
             "ConcatOp: dimension 1 of the inputs differ: [2,3], [2,4]"),
            (S.ConcatOp, [tt((2, 3)), tt((2, 3), T.i32)], 0,
             "inputs have different element types: f32 and i32"),
            (S.ConcatOp, [tt((2, 3))], 2, "axis 2 is out of range for rank 2"),
            (S.StackOp, [tt((2,)), tt((3,))], 0,
             "StackOp: dimension 0 of the inputs differ: [2], [3]"),
            (S.StackOp, [tt((2,))], 2, "axis 2 is out of range for a result of rank 2")):
        with pytest.raises(IRError) as e:
            cls.infer_types(types, {"axis": IntegerAttr(a)})
        assert e.value.message == message


def test_concat_and_stack_fold_and_lower():
    out = canonicalize(func([], ["%c = lamina.constant dense<[1, 2]> : tensor<2xi32>",
                                 "%0 = lamina.stack %c, %c axis = 1 : (tensor<2xi32>, "
                                 "tensor<2xi32>) -> tensor<2x2xi32>"], ["tensor<2x2xi32>"]))
    assert "dense<[[1, 1], [2, 2]]> : tensor<2x2xi32>" in out
    x = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(S.ConcatOp.reference(x, x, axis=1),
                                  np.concatenate([x, x], 1))
    out = lower(S.ConcatOp.opdef.examples[0])
    assert "tensor.insert_slice %arg1 into %5[2, 0] [%7, 3] [1, 1]" in out
    out = lower(S.StackOp.opdef.examples[0])
    # the dynamic input must have the static size of the other: checked at run time
    assert 'cf.assert %3, "StackOp : Dimensions of inputs should match"' in out
    assert "tensor<3xf32> into tensor<3x2xf32>" in out


# -- strided_slice ---------------------------------------------------------------------------------

def py_slice_text(index):
    """The lamina syntax of a Python basic index tuple."""
    def part(v):
        return "" if v is None else str(v)
    items = []
    for s in index:
        if isinstance(s, slice):
            t = f"{part(s.start)}:{part(s.stop)}"
            if s.step is not None:
                t += f":{s.step}"
            items.append(t)
        else:
            items.append(str(s))
    return "[" + ", ".join(items) + "]"


SLICES = [(1, slice(None), 0), (slice(1, 3), slice(None, None, 2), -1),
          (slice(None, None, -1), slice(2, 0, -1)), (-1, slice(1, None), slice(None, None, 3)),
          (slice(-100, 100, 2),), (1, slice(-1, None, -2)), (slice(0, 5, 7), 1), (slice(1, 1),),
          (slice(3, 0), slice(-2, -1)), (slice(None, -5, -1), 0, slice(None, None, -3)), ()]


@pytest.mark.parametrize("index", SLICES)
def test_slice_syntax_inference_and_reference(index):
    x = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    want = x[index]
    text = func([ttext(x.shape)], [f"%0 = lamina.strided_slice %a0 {py_slice_text(index)} : "
                                   f"({ttext(x.shape)}) -> {ttext(want.shape)}"],
                [ttext(want.shape)])
    m = ir.parse(text)
    ir.verify(m)
    printed = str(m)
    assert str(ir.parse(printed)) == printed
    assert str(ir.parse(ir.print_op(m, generic=True))) == printed
    op = m.regions[0].blocks[0].first.regions[0].blocks[0].first
    np.testing.assert_array_equal(S.StridedSliceOp.reference(x, **op.reference_attrs()), want)
    # the same slice of a tensor whose sizes are dynamic has a dynamic shape of the same rank
    dyn = S.StridedSliceOp.infer_types([tt((DYN, DYN, DYN))], op.properties)[0]
    assert dyn.rank == want.ndim


def test_slice_with_dynamic_bounds():
    text = func(["tensor<4x5xi64>", "tensor<i32>", "tensor<i64>"],
                ["%0 = lamina.strided_slice %a0 [%a1, %a2:] : (tensor<4x5xi64>, tensor<i32>, "
                 "tensor<i64>) -> tensor<?xi64>"], ["tensor<?xi64>"])
    m = ir.parse(text)
    ir.verify(m)
    assert "[%arg1, %arg2:]" in str(m)
    op = m.regions[0].blocks[0].first.regions[0].blocks[0].first
    x = np.arange(20).reshape(4, 5)
    got = S.StridedSliceOp.reference(x, np.array(-1, np.int32), np.array(2),
                                     **op.reference_attrs())
    np.testing.assert_array_equal(got, x[-1, 2:])
    with pytest.raises(InvalidArgument, match="slice index 4 of dimension 0 out of bounds."):
        S.StridedSliceOp.reference(x, np.array(4), np.array(0), **op.reference_attrs())
    out = lower(text)
    assert re.search(r'cf.assert %\d+, "slice index of dimension 0 out of bounds."', out)
    assert re.search(r"tensor.extract_slice %arg0\[%\d+, %\d+\] \[1, %\d+\] \[1, 1\] : "
                     r"tensor<4x5xi64> to tensor<\?xi64>", out)


def test_slice_errors():
    def slice_error(spec, shape=(3, 4), result="tensor<f32>", extra=""):
        return verify_error(func([ttext(shape)], [f"%0 = lamina.strided_slice %a0 {spec} : "
                                                  f"({ttext(shape)}{extra}) -> {result}"],
                                 [result]))
    assert slice_error("[5, 0]") == \
        "'lamina.strided_slice' op slice index 5 of dimension 0 out of bounds."
    assert slice_error("[0, -5]") == \
        "'lamina.strided_slice' op slice index -5 of dimension 1 out of bounds."
    assert slice_error("[::0]", result="tensor<3x4xf32>") == \
        "'lamina.strided_slice' op strides[0] must be non-zero"
    assert slice_error("[0, 0, 0]") == \
        "'lamina.strided_slice' op slices 3 dimensions of a tensor of rank 2"
    # a dynamic dimension is checked at run time
    ir.verify(ir.parse(func(["tensor<?x4xf32>"], [
        "%0 = lamina.strided_slice %a0 [5, 0] : (tensor<?x4xf32>) -> tensor<f32>"],
        ["tensor<f32>"])))
    with pytest.raises(InvalidArgument, match="slice index -4 of dimension 0 out of bounds."):
        S.StridedSliceOp.reference(np.zeros((3, 4)), spec=S.SliceSpec([-4], [0], [1], 0, 0, 1))


def test_slice_folds_and_lowers():
    out = canonicalize(func([], ["%c = lamina.constant dense<[1, 2, 3, 4]> : tensor<4xi32>",
                                 "%0 = lamina.strided_slice %c [::-2] : (tensor<4xi32>) -> "
                                 "tensor<2xi32>"], ["tensor<2xi32>"]))
    assert "dense<[4, 2]> : tensor<2xi32>" in out
    out = lower(func(["tensor<3x4x5xf32>"], ["%0 = lamina.strided_slice %a0 [1:3, ::2, 0] : "
                                             "(tensor<3x4x5xf32>) -> tensor<2x2xf32>"],
                     ["tensor<2x2xf32>"]))
    assert "tensor.extract_slice %arg0[1, 0, 0] [2, 2, 1] [1, 2, 1] : tensor<3x4x5xf32> to " \
           "tensor<2x2xf32>" in out
    assert "cf.assert" not in out
    backwards = lower(func(["tensor<?x4xf32>"], ["%0 = lamina.strided_slice %a0 [::-1, 1] : "
                                                 "(tensor<?x4xf32>) -> tensor<?xf32>"],
                           ["tensor<?xf32>"]))
    # a negative step gathers: one tensor.extract per result element
    assert "structured.index 0" in backwards and "tensor.extract %arg0[" in backwards


# -- broadcast_to and shape ------------------------------------------------------------------------

def test_broadcast_to():
    def err(src, dst, extra=()):
        args = [ttext(src)] + list(extra)
        ops = ", ".join(f"%a{i}" for i in range(len(args)))
        return verify_error(func(args, [f"%0 = lamina.broadcast_to {ops} : ({', '.join(args)}) "
                                        f"-> {ttext(dst)}"], [ttext(dst)]))
    assert err((3,), (2, 4)) == "'lamina.broadcast_to' op Unable to broadcast tensor of shape " \
                                "[3] to tensor of shape [2,4]"
    assert err((2, 3), (3,)) == \
        "'lamina.broadcast_to' op cannot broadcast a tensor of rank 2 to rank 1"
    assert err((3,), (DYN, 3)) == "'lamina.broadcast_to' op result dimension 0 is dynamic, " \
                                  "but neither a shape operand nor the input gives it"
    assert err((3,), (DYN, 3), ["tensor<3xi32>"]) == \
        "'lamina.broadcast_to' op shape operand has 3 elements for a result of rank 2"
    x = np.arange(3)
    np.testing.assert_array_equal(S.BroadcastToOp.reference(x, np.array([2, 3])),
                                  np.broadcast_to(x, (2, 3)))
    with pytest.raises(InvalidArgument, match=r"Unable to broadcast tensor of shape \[3\] to "
                                              r"tensor of shape \[2,4\]"):
        S.BroadcastToOp.reference(x, (2, 4))
    out = lower(S.BroadcastToOp.opdef.examples[0])
    assert "affine_map<(d0, d1) -> (d0, 0)>" in out
    assert 'cf.assert %13, "Unable to broadcast tensor of shape [3] to tensor of shape [?,?]"' \
        in out


def test_shape():
    out = canonicalize(func(["tensor<2x3xf32>"], ["%0 = lamina.shape %a0 : tensor<2x3xf32> -> "
                                                  "tensor<2xi64>"], ["tensor<2xi64>"]))
    assert "lamina.constant dense<[2, 3]> : tensor<2xi64>" in out
    assert verify_error(func(["tensor<2x3xf32>"], ["%0 = lamina.shape %a0 : tensor<2x3xf32> -> "
                                                   "tensor<3xi32>"], ["tensor<3xi32>"])) == \
        "'lamina.shape' op result has 3 elements, but the input has rank 2"
    out = lower(S.ShapeOp.opdef.examples[0])
    assert "tensor.from_elements %2, %4 : tensor<2xi32>" in out
    assert S.ShapeOp.reference(np.zeros((2, 0, 3)), dtype=np.int64).tolist() == [2, 0, 3]


@pytest.mark.parametrize("name", ["lamina.reshape", "lamina.transpose", "lamina.concat",
                                  "lamina.stack", "lamina.strided_slice", "lamina.broadcast_to",
                                  "lamina.shape"])
def test_examples_lower(name):
    for text in ir.registry.OPS[name].opdef.examples:
        lower(text)


def test_unsigned_elements_become_signless():
    out = lower(func(["tensor<2x3xui8>"], ["%0 = lamina.transpose %a0 perm = [1, 0] : "
                                           "tensor<2x3xui8> -> tensor<3x2xui8>",
                                           "%1 = lamina.strided_slice %0 [1] : (tensor<3x2xui8>) "
                                           "-> tensor<2xui8>"],
                     ["tensor<3x2xui8>", "tensor<2xui8>"]))
    assert "ui8" not in out
