"""The lamina dialect's nn ops (conv2d, max_pool2d, avg_pool2d, and their derivatives'
conv2d_backprop_input/filter, max_pool2d_grad(_grad), avg_pool2d_grad): type inference as
TensorFlow computes SAME/VALID output sizes, verifier errors, the NumPy reference kernels against
direct loops (the derivatives': as the adjoints of the ops), and convert-lamina-to-structured.
(The compiled code is checked against the kernels in test_lamina_ops_compiled.py and
test_compiled_ops.py.)"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
import lamina.lowering  # noqa: F401  (registers convert-lamina-to-structured)
from lamina import ir
from lamina.dialects.lamina_ops.nn import (AvgPool2DGradOp, AvgPool2DOp, Conv2DBackpropFilterOp,
                                           Conv2DBackpropInputOp, Conv2DOp, MaxPool2DGradGradOp,
                                           MaxPool2DGradOp, MaxPool2DOp)
from lamina.ir import IRError
from lamina.ir import types as T
from lamina.passes import run_pipeline

DYN = T.DYNAMIC


def tt(shape, et=T.f32):
    return T.RankedTensorType(shape, et)


def props(**kw):
    from lamina.ir.attributes import DenseArrayAttr, StringAttr
    return {k: StringAttr(v) if isinstance(v, str) else DenseArrayAttr(T.i64, v)
            for k, v in kw.items()}


# -- type inference ---------------------------------------------------------------------------

@pytest.mark.parametrize("x,w,strides,padding,dilations,out", [
    ((1, 28, 28, 1), (5, 5, 1, 32), (1, 1), "SAME", None, (1, 28, 28, 32)),
    ((8, 28, 28, 1), (5, 5, 1, 32), (2, 2), "SAME", None, (8, 14, 14, 32)),
    ((1, 7, 6, 3), (3, 2, 3, 4), (2, 2), "SAME", None, (1, 4, 3, 4)),
    ((1, 28, 28, 1), (5, 5, 1, 32), (1, 1), "VALID", None, (1, 24, 24, 32)),
    ((1, 9, 9, 2), (3, 3, 2, 4), (2, 2), "VALID", (2, 2), (1, 3, 3, 4)),
    ((1, 10, 10, 2), (3, 3, 2, 4), (3, 1), "VALID", None, (1, 3, 8, 4)),
    ((DYN, 28, DYN, 1), (5, 5, 1, 32), (1, 1), "SAME", None, (DYN, 28, DYN, 32)),
])
def test_conv2d_inference(x, w, strides, padding, dilations, out):
    p = props(strides=strides, padding=padding)
    if dilations:
        p.update(props(dilations=dilations))
    assert Conv2DOp.infer_types([tt(x), tt(w)], p) == [tt(out)]


@pytest.mark.parametrize("x,k,s,padding,out", [
    ((1, 28, 28, 32), (2, 2), (2, 2), "SAME", (1, 14, 14, 32)),
    ((1, 5, 5, 3), (2, 2), (2, 2), "SAME", (1, 3, 3, 3)),
    ((1, 5, 5, 3), (2, 2), (2, 2), "VALID", (1, 2, 2, 3)),
    ((1, 5, 7, 3), (3, 1), (1, 3), "VALID", (1, 3, 3, 3)),
    ((DYN, 28, 28, 32), (2, 2), (2, 2), "SAME", (DYN, 14, 14, 32)),
])
def test_pool_inference(x, k, s, padding, out):
    for cls in (MaxPool2DOp, AvgPool2DOp):
        assert cls.infer_types([tt(x)], props(ksize=k, strides=s, padding=padding)) == [tt(out)]


@pytest.mark.parametrize("cls,types,p,message", [
    (Conv2DOp, [tt((1, 5, 5, 3)), tt((3, 3, 2, 4))], dict(strides=(1, 1), padding="SAME"),
     "input depth 3 must equal filter depth 2"),
    (Conv2DOp, [tt((1, 5, 5, 3)), tt((3, 3, 3, 4), T.f64)], dict(strides=(1, 1), padding="SAME"),
     "input and filter have different element types: f32 and f64"),
    (Conv2DOp, [tt((1, 3, 3, 1)), tt((5, 5, 1, 4))], dict(strides=(1, 1), padding="VALID"),
     "Negative dimension size caused by subtracting 5 from 3 for 'Conv2D'"),
    (Conv2DOp, [tt((5, 5, 3)), tt((3, 3, 3, 4))], dict(strides=(1, 1), padding="SAME"),
     "input must be 4-D (NHWC), got tensor<5x5x3xf32>"),
    (Conv2DOp, [tt((1, 5, 5, 3)), tt((DYN, 3, 3, 4))], dict(strides=(1, 1), padding="SAME"),
     "filter height and width must be static, got tensor<?x3x3x4xf32>"),
    (Conv2DOp, [tt((1, 5, 5, 1), T.i1), tt((3, 3, 1, 1), T.i1)],
     dict(strides=(1, 1), padding="SAME"),
     "input element type must be an integer or floating-point type, but got i1"),
    (AvgPool2DOp, [tt((1, 4, 4, 1), T.i32)], dict(ksize=(2, 2), strides=(2, 2), padding="SAME"),
     "input element type must be a floating-point type, but got i32"),
    (MaxPool2DOp, [tt((1, 1, 4, 1))], dict(ksize=(2, 2), strides=(1, 1), padding="VALID"),
     "Negative dimension size caused by subtracting 2 from 1 for 'MaxPool'"),
])
def test_inference_errors(cls, types, p, message):
    with pytest.raises(IRError) as e:
        cls.infer_types(types, props(**p))
    assert e.value.message == message


def _verify_error(text):
    with pytest.raises(IRError) as e:
        ir.verify(ir.parse(text))
    return e.value.message


def test_verifier_errors():
    msg = _verify_error(
        "func.func @f(%a: tensor<1x4x4x1xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x4x4x1xf32> {\n"
        "  %0 = lamina.conv2d %a, %w strides = [2, 2] padding = SAME : (tensor<1x4x4x1xf32>, "
        "tensor<2x2x1x1xf32>) -> tensor<1x4x4x1xf32>\n  return %0 : tensor<1x4x4x1xf32>\n}")
    assert msg == ("'lamina.conv2d' op inferred type(s) tensor<1x2x2x1xf32> are incompatible "
                   "with return type(s) tensor<1x4x4x1xf32>")
    msg = _verify_error(
        "func.func @f(%a: tensor<1x4x4x1xf32>) -> tensor<1x2x2x1xf32> {\n"
        "  %0 = \"lamina.max_pool2d\"(%a) <{ksize = array<i64: 2, 0>, padding = \"SAME\", "
        "strides = array<i64: 2, 2>}> : (tensor<1x4x4x1xf32>) -> tensor<1x2x2x1xf32>\n"
        "  return %0 : tensor<1x2x2x1xf32>\n}")
    assert "attribute 'ksize' failed to satisfy constraint" in msg
    with pytest.raises(IRError) as e:
        ir.parse("func.func @f(%a: tensor<1x4x4x1xf32>) -> tensor<1x2x2x1xf32> {\n"
                 "  %0 = lamina.max_pool2d %a ksize = [2, 2] strides = [2, 2] padding = FULL : "
                 "tensor<1x4x4x1xf32> -> tensor<1x2x2x1xf32>\n"
                 "  return %0 : tensor<1x2x2x1xf32>\n}")
    assert "expected padding SAME or VALID, got 'FULL'" in str(e.value)


def test_default_dilations_are_not_printed():
    text = ("func.func @f(%a: tensor<1x4x4x1xf32>, %w: tensor<2x2x1x1xf32>) -> "
            "tensor<1x4x4x1xf32> {\n  %0 = lamina.conv2d %a, %w strides = [1, 1] padding = SAME "
            "dilations = [1, 1] : (tensor<1x4x4x1xf32>, tensor<2x2x1x1xf32>) -> "
            "tensor<1x4x4x1xf32>\n  return %0 : tensor<1x4x4x1xf32>\n}")
    printed = str(ir.parse(text))
    assert "dilations" not in printed
    assert "padding = SAME : (" in printed


# -- reference kernels against direct loops ------------------------------------------------------

def _same_pads(size, window, stride, dilation):
    eff = (window - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return out, total // 2


def naive_conv(x, w, strides, padding, dilations):
    n, h, wd, c = x.shape
    kh, kw, _, o = w.shape
    geo = []
    for size, k, s, d in ((h, kh, strides[0], dilations[0]), (wd, kw, strides[1], dilations[1])):
        if padding == "SAME":
            geo.append(_same_pads(size, k, s, d))
        else:
            geo.append((-(-(size - (k - 1) * d) // s), 0))
    (oh, top), (ow, left) = geo
    out = np.zeros((n, oh, ow, o), np.float64)
    for b, i, j, m in itertools.product(range(n), range(oh), range(ow), range(o)):
        acc = 0.0
        for p, q, ch in itertools.product(range(kh), range(kw), range(c)):
            r = i * strides[0] + p * dilations[0] - top
            s = j * strides[1] + q * dilations[1] - left
            if 0 <= r < h and 0 <= s < wd:
                acc += float(x[b, r, s, ch]) * float(w[p, q, ch, m])
        out[b, i, j, m] = acc
    return out


def naive_pool(x, k, strides, padding, kind):
    n, h, wd, c = x.shape
    if padding == "SAME":
        (oh, top), (ow, left) = _same_pads(h, k[0], strides[0], 1), \
            _same_pads(wd, k[1], strides[1], 1)
    else:
        oh, ow, top, left = (h - k[0]) // strides[0] + 1, (wd - k[1]) // strides[1] + 1, 0, 0
    out = np.zeros((n, oh, ow, c), np.float64)
    for b, i, j, ch in itertools.product(range(n), range(oh), range(ow), range(c)):
        vals = [float(x[b, r, s, ch])
                for r in range(i * strides[0] - top, i * strides[0] - top + k[0])
                for s in range(j * strides[1] - left, j * strides[1] - left + k[1])
                if 0 <= r < h and 0 <= s < wd]
        out[b, i, j, ch] = max(vals) if kind == "max" else sum(vals) / len(vals)
    return out


CONV_CASES = [((1, 5, 5, 2), (3, 3, 2, 3), (1, 1), "SAME", (1, 1)),
              ((2, 7, 6, 3), (3, 2, 3, 4), (2, 2), "SAME", (1, 1)),
              ((1, 9, 9, 2), (3, 3, 2, 2), (2, 1), "VALID", (2, 2)),
              ((1, 6, 6, 1), (2, 2, 1, 1), (3, 3), "SAME", (1, 1)),
              ((1, 8, 5, 2), (3, 3, 2, 1), (1, 2), "SAME", (2, 1))]


@pytest.mark.parametrize("xs,ws,strides,padding,dilations", CONV_CASES)
def test_conv2d_reference(xs, ws, strides, padding, dilations):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    got = Conv2DOp.reference(x, w, strides, padding, dilations)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, naive_conv(x, w, strides, padding, dilations), rtol=1e-5,
                               atol=1e-5)
    xi = rng.integers(-5, 5, xs).astype(np.int32)
    wi = rng.integers(-5, 5, ws).astype(np.int32)
    got = Conv2DOp.reference(xi, wi, strides, padding, dilations)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, naive_conv(xi, wi, strides, padding, dilations))


@pytest.mark.parametrize("xs,k,strides,padding", [
    ((1, 5, 5, 2), (3, 3), (1, 1), "SAME"), ((2, 7, 6, 3), (3, 2), (2, 2), "SAME"),
    ((1, 9, 9, 2), (3, 3), (2, 1), "VALID"), ((1, 6, 6, 1), (2, 2), (3, 3), "SAME"),
    ((1, 4, 4, 1), (4, 4), (1, 1), "SAME")])
def test_pool_references(xs, k, strides, padding):
    x = np.random.default_rng(2).standard_normal(xs).astype(np.float32)
    for cls, kind in ((MaxPool2DOp, "max"), (AvgPool2DOp, "avg")):
        got = cls.reference(x, k, strides, padding)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, naive_pool(x, k, strides, padding, kind), rtol=1e-6,
                                   atol=1e-6)


def test_pool_tensorflow_values():
    # tf.nn.avg_pool2d(ones, 2, 2, "SAME") on 3x3: the padded border is not counted
    ones = np.ones((1, 3, 3, 1), np.float32)
    np.testing.assert_array_equal(AvgPool2DOp.reference(ones, (2, 2), (2, 2), "SAME"),
                                  np.ones((1, 2, 2, 1), np.float32))
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(MaxPool2DOp.reference(x, (2, 2), (2, 2), "VALID")[0, :, :, 0],
                                  [[5, 7], [13, 15]])
    np.testing.assert_array_equal(AvgPool2DOp.reference(x, (2, 2), (2, 2), "VALID")[0, :, :, 0],
                                  [[2.5, 4.5], [10.5, 12.5]])
    u = (np.arange(8, dtype=np.uint8) * 30).reshape(1, 2, 4, 1)
    np.testing.assert_array_equal(MaxPool2DOp.reference(u, (2, 2), (2, 2), "SAME")[0, :, :, 0],
                                  [[150, 210]])


# -- lowering ---------------------------------------------------------------------------------

def _lower(text):
    m = ir.parse(text)
    ir.verify(m)
    run_pipeline(m, "builtin.module(convert-lamina-to-structured)")
    ir.verify(m)
    printed = str(m)
    assert str(ir.parse(printed)) == printed
    return printed


@pytest.mark.parametrize("cls", [Conv2DOp, MaxPool2DOp, AvgPool2DOp])
def test_examples_lower(cls):
    for text in cls.opdef.examples:
        assert "lamina." not in _lower(text)


def test_conv2d_lowering_is_one_loop_nest_over_the_padded_input():
    out = _lower(Conv2DOp.opdef.examples[0])
    # SAME with a 5x5 window pads 2 rows and columns on each side
    assert "tensor.insert_slice %arg0 into %3[0, 2, 2, 0] [%1, 28, 28, 1] [1, 1, 1, 1] : " \
           "tensor<?x28x28x1xf32> into tensor<?x32x32x1xf32>" in out
    assert ("affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 + d4, d2 + d5, d6)>, "
            "affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>") in out
    assert 'iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", ' \
           '"reduction", "reduction"]' in out
    strided = _lower(Conv2DOp.opdef.examples[1])
    assert "(d0, d1 * 2 + d4 * 2, d2 * 2 + d5 * 2, d6)" in strided
    assert "arith.muli" in strided and "tensor.insert_slice" not in strided


def test_max_pool_of_unsigned_and_dynamic_input_lowers():
    out = _lower("func.func @f(%a: tensor<?x?x5x2xui8>) -> tensor<?x?x3x2xui8> {\n"
                 "  %0 = lamina.max_pool2d %a ksize = [2, 2] strides = [2, 2] padding = SAME : "
                 "tensor<?x?x5x2xui8> -> tensor<?x?x3x2xui8>\n"
                 "  return %0 : tensor<?x?x3x2xui8>\n}")
    assert "arith.maxui" in out and "ui8" not in out
    # the padding of a dynamic dimension is computed at run time: ceil(h / 2) ...
    assert "arith.ceildivsi" in out


def test_avg_pool_same_counts_the_elements_inside():
    out = _lower(AvgPool2DOp.opdef.examples[1])
    assert "structured.index 1" in out and "arith.minsi" in out and "arith.sitofp" in out
    valid = _lower(AvgPool2DOp.opdef.examples[0])
    assert "structured.index" not in valid and "arith.constant 9.000000e+00 : f32" in valid


# -- the derivatives' ops -----------------------------------------------------------------------

GRAD_OPS = [Conv2DBackpropInputOp, Conv2DBackpropFilterOp, MaxPool2DGradOp, MaxPool2DGradGradOp,
            AvgPool2DGradOp]


@pytest.mark.parametrize("cls", GRAD_OPS)
def test_derivative_examples_round_trip_and_lower(cls):
    for text in cls.opdef.examples:
        m = ir.parse(text)
        ir.verify(m)
        assert str(ir.parse(str(m))) == str(m)
        assert "lamina." not in _lower(text)


def _dot(a, b):
    return float(np.sum(a.astype(np.float64) * b))


@pytest.mark.parametrize("xs,ws,strides,padding,dilations", CONV_CASES)
def test_conv2d_backprops_are_the_adjoints_of_conv2d(xs, ws, strides, padding, dilations):
    """<conv2d(x, w), dy> = <x, backprop_input(dy)> = <w, backprop_filter(x, dy)>."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    y = Conv2DOp.reference(x, w, strides, padding, dilations)
    dy = rng.standard_normal(y.shape)
    dx = Conv2DBackpropInputOp.reference(np.array(xs), w, dy, strides, padding, dilations)
    dw = Conv2DBackpropFilterOp.reference(x, np.array(ws), dy, strides, padding, dilations)
    assert dx.shape == x.shape and dw.shape == w.shape
    assert _dot(y, dy) == pytest.approx(_dot(x, dx)) == pytest.approx(_dot(w, dw))


@pytest.mark.parametrize("xs,k,strides,padding", [
    ((1, 5, 5, 2), (3, 3), (2, 2), "SAME"), ((2, 6, 7, 1), (2, 2), (2, 2), "VALID"),
    ((1, 4, 5, 3), (3, 2), (1, 1), "SAME")])
def test_pool_derivatives_are_adjoints(xs, k, strides, padding):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(xs)
    y = AvgPool2DOp.reference(x, k, strides, padding)
    g = rng.standard_normal(y.shape)
    dx = AvgPool2DGradOp.reference(np.array(xs), g, k, strides, padding)
    assert _dot(y, g) == pytest.approx(_dot(x, dx))
    # for a fixed input, max_pool2d_grad and max_pool2d_grad_grad are adjoint linear maps
    h = rng.standard_normal(xs)
    mg = MaxPool2DGradOp.reference(x, g, k, strides, padding)
    mgg = MaxPool2DGradGradOp.reference(x, h, k, strides, padding)
    assert _dot(mg, h) == pytest.approx(_dot(g, mgg))
    # each window's gradient lands on its maximum
    np.testing.assert_allclose(MaxPool2DGradGradOp.reference(x, x, k, strides, padding),
                               MaxPool2DOp.reference(x, k, strides, padding))


def test_max_pool_grad_gives_ties_to_the_first_maximum():
    """As TensorFlow: in a window of equal maxima, the first (row-major) gets the gradient;
    padding never does, nor a number where there is a NaN."""
    x = np.array([[1.0, 3.0, 3.0], [3.0, 0.0, np.nan]]).reshape(1, 2, 3, 1)
    g = np.array([10.0, 20.0]).reshape(1, 1, 2, 1)
    dx = MaxPool2DGradOp.reference(x, g, [2, 2], [1, 1], "VALID")
    np.testing.assert_array_equal(dx.reshape(2, 3), [[0, 10, 0], [0, 0, 20]])
    same = MaxPool2DGradOp.reference(np.full((1, 1, 1, 1), -np.inf), np.ones((1, 1, 1, 1)),
                                     [3, 3], [1, 1], "SAME")
    assert same.shape == (1, 1, 1, 1)


@pytest.mark.parametrize("text,message", [
    ("%0 = lamina.conv2d_backprop_input %s, %w, %dy strides = [1, 1] padding = SAME : "
     "(tensor<4xi64>, tensor<3x3x2x4xf32>, tensor<1x5x5x3xf32>) -> tensor<1x5x5x2xf32>",
     "out_backprop type tensor<1x5x5x3xf32> is not the type tensor<1x5x5x4xf32> of conv2d"),
    ("%0 = lamina.conv2d_backprop_input %s3, %w, %dy strides = [1, 1] padding = SAME : "
     "(tensor<3xi64>, tensor<3x3x2x4xf32>, tensor<1x5x5x3xf32>) -> tensor<1x5x5x2xf32>",
     "the sizes operand must have 4 elements (NHWC)"),
    ("%0 = lamina.conv2d_backprop_filter %x, %s, %dy strides = [2, 2] padding = SAME : "
     "(tensor<1x5x5x2xf32>, tensor<4xi64>, tensor<1x5x5x3xf32>) -> tensor<3x3x2x3xf32>",
     "is not the type tensor<1x3x3x3xf32> of conv2d"),
    ("%0 = lamina.max_pool2d_grad %x, %dy ksize = [2, 2] strides = [2, 2] padding = VALID : "
     "(tensor<1x5x5x2xf32>, tensor<1x5x5x3xf32>) -> tensor<1x5x5x2xf32>",
     "grad type tensor<1x5x5x3xf32> is not the type tensor<1x2x2x2xf32> of the pooling"),
    ("%0 = lamina.avg_pool2d_grad %s, %dy ksize = [1, 1] strides = [1, 1] padding = VALID : "
     "(tensor<4xi64>, tensor<1x5x5x3xf32>) -> tensor<1x5x5x2xf32>",
     "grad type tensor<1x5x5x3xf32> is not the type tensor<1x5x5x2xf32> of the pooling"),
])
def test_derivative_verifier_errors(text, message):
    msg = _verify_error(
        "func.func @f(%s: tensor<4xi64>, %s3: tensor<3xi64>, %w: tensor<3x3x2x4xf32>, "
        "%x: tensor<1x5x5x2xf32>, %dy: tensor<1x5x5x3xf32>) {\n  " + text + "\n  return\n}")
    assert message in msg


def test_derivative_ops_run_eagerly_through_the_op_table():
    """A tape runs what derivative rules emit through run_op, by the ops' TensorFlow names."""
    from lamina.dialects.lamina_ops.shape import SliceSpec, StridedSliceGradOp
    from lamina.frontend.execute import OPS, run_op
    from lamina.frontend.tensor import wrap
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 5, 5, 2)), rng.standard_normal((3, 3, 2, 4))
    dy = rng.standard_normal((1, 3, 3, 4))
    attrs = {"strides": [2, 2], "padding": "SAME", "dilations": [1, 1]}
    got = run_op(Conv2DBackpropInputOp, [wrap(np.array(x.shape)), wrap(w), wrap(dy)], attrs)
    np.testing.assert_array_equal(got.numpy(), Conv2DBackpropInputOp.reference(
        np.array(x.shape), w, dy, **attrs))
    got = run_op(Conv2DBackpropFilterOp, [wrap(x), wrap(np.array(w.shape)), wrap(dy)], attrs)
    assert got.shape == w.shape
    spec = SliceSpec([1], [0], [1], shrink_mask=1)
    got = run_op(StridedSliceGradOp, [wrap(np.ones(3)), wrap(np.array([2, 3]))], {"spec": spec})
    np.testing.assert_array_equal(got.numpy(), [[0, 0, 0], [1, 1, 1]])
    assert [OPS[c].name for c in GRAD_OPS] == ["Conv2DBackpropInput", "Conv2DBackpropFilter",
                                              "MaxPoolGrad", "MaxPoolGradGrad", "AvgPoolGrad"]


def test_input_gradient_needs_a_static_window():
    """conv2d_backprop_input's lowering gathers over the filter's static window: a dynamic
    height or width is rejected rather than computed wrong."""
    text = ("func.func @f(%s: tensor<4xi64>, %w: tensor<?x?x2x3xf32>, %dy: tensor<1x4x4x3xf32>)"
            " -> tensor<1x4x4x2xf32> {\n"
            "  %0 = lamina.conv2d_backprop_input %s, %w, %dy strides = [1, 1] padding = SAME : "
            "(tensor<4xi64>, tensor<?x?x2x3xf32>, tensor<1x4x4x3xf32>) -> tensor<1x4x4x2xf32>\n"
            "  return %0 : tensor<1x4x4x2xf32>\n}")
    with pytest.raises(ir.IRError, match="height and width must be static"):
        ir.verify(ir.parse(text))
