"""`structured-tile`: contractions (matmul, batched and transposed; conv2d and its gradients)
compiled through the tiled, packed vector micro-kernel compute what the eager reference
computes, on sizes that are not multiples of the register block (6 x 32 f32, 6 x 16 f64) or
of the cache blocks, with empty dimensions, dynamic dimensions, batch broadcasting and strided
views; and the pass rewrites exactly the ops it should."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
from lamina import ir
from lamina.dialects.lamina_ops.linalg import MatMulOp
from lamina.dialects.lamina_ops.nn import (Conv2DBackpropFilterOp, Conv2DBackpropInputOp,
                                           Conv2DOp)
from lamina.driver import compile_module
from lamina.lowering.pipeline import lower
from lamina.lowering.structured_tile import BLOCKS, match
from lamina.passes import PassManager, parse_pipeline

NP = {"f32": np.float32, "f64": np.float64}
SIZES = (1, 7, 17, 33, 100, 257)


def close(got, want, k, what):
    """Float results within the error bound of a sum of `k` products of magnitude <= 1."""
    eps = float(np.finfo(want.dtype).eps)
    assert got.dtype == want.dtype and got.shape == want.shape, \
        f"{what}: {got.dtype}{got.shape} != {want.dtype}{want.shape}"
    np.testing.assert_allclose(got, want, rtol=8 * eps, atol=4 * eps * max(k, 1), err_msg=what)


def compiled(text):
    """The module's functions, each returning its one result."""
    entries = compile_module(ir.parse(text)).entries
    return {name: (lambda f: lambda *args: f(*args)[0])(f) for name, f in entries.items()}


def rand(rng, shape, et):
    return rng.uniform(-1, 1, shape).astype(NP[et])


def matmul_module(et, ta, tb, a_shape="?x?", b_shape="?x?", c_shape="?x?"):
    flags = (" transpose_a" if ta else "") + (" transpose_b" if tb else "")
    ts = [f"tensor<{s}x{et}>" for s in (a_shape, b_shape, c_shape)]
    return (f"func.func @mm(%a: {ts[0]}, %b: {ts[1]}) -> {ts[2]} {{\n"
            f"  %0 = lamina.matmul %a, %b{flags} : ({ts[0]}, {ts[1]}) -> {ts[2]}\n"
            f"  return %0 : {ts[2]}\n}}")


@pytest.mark.parametrize("et", ["f32", "f64"])
def test_matmul_edges_dynamic(et):
    """One compiled function per transposition: sizes of SIZES (K past KC, M past MC), N past
    NC, and empty sizes."""
    rng = np.random.default_rng(0)
    for ta, tb in itertools.product((False, True), repeat=2):
        f = compiled(matmul_module(et, ta, tb))["mm"]
        nc = BLOCKS[np.dtype(NP[et]).itemsize * 8]["NC"]
        shapes = [(m, k, n) for m in SIZES for k in (1, 33, 257) for n in SIZES
                  if m * k * n <= 257 * 33 * 100] + [(0, 5, 3), (4, 0, 3), (4, 5, 0),
                                                      (2, 3, nc + 5)]
        for m, k, n in shapes:
            a, b = rand(rng, (m, k), et), rand(rng, (k, n), et)
            got = f(a.T.copy() if ta else a, b.T.copy() if tb else b)
            close(got, a @ b, k, f"{et} {ta=} {tb=} {m}x{k}x{n}")


def test_matmul_crosses_cache_blocks():
    """K beyond KC and M beyond MC (several blocks, each with a remainder), N past NR, and N
    past the columns a packed block of B holds."""
    rng = np.random.default_rng(1)
    f = compiled(matmul_module("f64", False, False))["mm"]
    kc, mc = BLOCKS[64]["KC"], BLOCKS[64]["MC"]
    m, k, n = 2 * mc + 5, 2 * kc + 3, 37
    a, b = rand(rng, (m, k), "f64"), rand(rng, (k, n), "f64")
    close(f(a, b), a @ b, k, "f64 multi-block")
    # a K so long that B's packed column block (K x NC, at most B_BLOCK) holds fewer columns
    m, k = 5, 3000
    n = BLOCKS[64]["B_BLOCK"] // k + 50
    a, b = rand(rng, (m, k), "f64"), rand(rng, (k, n), "f64")
    close(f(a, b), a @ b, k, "f64 column blocks")


def test_batched_broadcast_static():
    """Batch dimensions broadcast (the batch loop linearizes them), static shapes."""
    rng = np.random.default_rng(2)
    f = compiled(matmul_module("f32", False, True, "3x1x7x33", "4x17x33", "3x4x7x17"))["mm"]
    a, b = rand(rng, (3, 1, 7, 33), "f32"), rand(rng, (4, 17, 33), "f32")
    close(f(a, b), MatMulOp.reference(a, b, transpose_b=True), 33, "batched")


def test_strided_operands():
    """A matmul of strided views (a subview with a non-unit stride feeds the contraction)."""
    rng = np.random.default_rng(3)
    text = ("func.func @mm(%a: tensor<40x70xf32>, %b: tensor<35x19xf32>) -> tensor<20x19xf32> {\n"
            "  %0 = lamina.strided_slice %a [0:40:2, 0:70:2] : (tensor<40x70xf32>) -> "
            "tensor<20x35xf32>\n"
            "  %1 = lamina.matmul %0, %b : (tensor<20x35xf32>, tensor<35x19xf32>) -> "
            "tensor<20x19xf32>\n  return %1 : tensor<20x19xf32>\n}")
    f = compiled(text)["mm"]
    a, b = rand(rng, (40, 70), "f32"), rand(rng, (35, 19), "f32")
    close(f(a, b), a[::2, ::2] @ b, 35, "strided")


CONVS = [  # input NHWC, filter HWIO, strides, padding, dilations
    ((2, 9, 11, 3), (5, 5, 3, 7), (1, 1), "SAME", (1, 1)),
    ((3, 10, 7, 5), (3, 2, 5, 33), (2, 1), "VALID", (1, 1)),
    ((1, 12, 12, 2), (3, 3, 2, 17), (1, 2), "SAME", (2, 2)),
    ((2, 6, 6, 1), (5, 5, 1, 32), (1, 1), "SAME", (1, 1)),
    ((2, 8, 9, 3), (4, 3, 3, 5), (1, 1), "SAME", (2, 1)),  # padding split unevenly
    ((1, 9, 7, 2), (3, 3, 2, 6), (1, 1), "VALID", (1, 1)),
]


def _tensor(shape, et):
    return f"tensor<{'x'.join(map(str, shape))}x{et}>"


def _conv_attrs(strides, padding, dil):
    return (f"strides = [{strides[0]}, {strides[1]}] padding = {padding} "
            f"dilations = [{dil[0]}, {dil[1]}]")


@pytest.mark.parametrize("et", ["f32", "f64"])
def test_conv2d_and_gradients(et):
    """conv2d and its derivatives for the filter and the input (each against its reference;
    f64, which shares every code path but the vector width, on fewer geometries)."""
    rng = np.random.default_rng(4)
    for xs, ws, strides, padding, dil in CONVS if et == "f32" else CONVS[:2]:
        attrs = dict(strides=list(strides), padding=padding, dilations=list(dil))
        ys = Conv2DOp.reference(np.zeros(xs), np.zeros(ws), **attrs).shape
        tx, tw, ty = _tensor(xs, et), _tensor(ws, et), _tensor(ys, et)
        a = _conv_attrs(strides, padding, dil)
        text = (f"func.func @c(%x: {tx}, %w: {tw}, %dy: {ty}) -> ({ty}, {tw}, {tx}) {{\n"
                f"  %y = lamina.conv2d %x, %w {a} : ({tx}, {tw}) -> {ty}\n"
                f"  %ws = lamina.constant dense<[{', '.join(map(str, ws))}]> : tensor<4xi64>\n"
                f"  %xs = lamina.constant dense<[{', '.join(map(str, xs))}]> : tensor<4xi64>\n"
                f"  %dw = lamina.conv2d_backprop_filter %x, %ws, %dy {a} : "
                f"({tx}, tensor<4xi64>, {ty}) -> {tw}\n"
                f"  %dx = lamina.conv2d_backprop_input %xs, %w, %dy {a} : "
                f"(tensor<4xi64>, {tw}, {ty}) -> {tx}\n"
                f"  return %y, %dw, %dx : {ty}, {tw}, {tx}\n}}")
        x, w, dy = rand(rng, xs, et), rand(rng, ws, et), rand(rng, ys, et)
        y, dw, dx = compile_module(ir.parse(text)).entries["c"](x, w, dy)
        what = f"{et} {xs} {ws} {strides} {padding} {dil}"
        close(y, Conv2DOp.reference(x, w, **attrs), ws[0] * ws[1] * ws[2], "conv " + what)
        close(dw, Conv2DBackpropFilterOp.reference(x, np.array(ws), dy, **attrs),
              ys[0] * ys[1] * ys[2], "filter gradient " + what)
        close(dx, Conv2DBackpropInputOp.reference(np.array(xs), w, dy, **attrs),
              ws[0] * ws[1] * ws[3], "input gradient " + what)


def _loops_stage(text, tile=True):
    m = ir.parse(text)
    lower(m, "structured")
    PassManager(parse_pipeline("bufferize,canonicalize" + (",structured-tile" if tile else ""))
                ).run(m)
    return m


def _contractions(m):
    return [o for o in m.walk() if o.name == "structured.generic" and match(o) is not None]


def test_pass_rewrites_contractions_only():
    """Matmul and conv2d become the micro-kernel (vector.fma, no contraction left); an integer
    matmul, which has no float FMA, and a tiny one (the seed's 2x2 matmul_many, whose loops
    cost less than packing) are left to the loops."""
    conv = ("func.func @c(%x: tensor<1x16x16x8xf32>, %w: tensor<3x3x8x16xf32>) -> "
            "tensor<1x16x16x16xf32> {\n  %0 = lamina.conv2d %x, %w strides = [1, 1] padding = "
            "SAME : (tensor<1x16x16x8xf32>, tensor<3x3x8x16xf32>) -> tensor<1x16x16x16xf32>\n"
            "  return %0 : tensor<1x16x16x16xf32>\n}")
    for text in (matmul_module("f32", True, False), matmul_module("f64", False, True), conv):
        assert len(_contractions(_loops_stage(text, tile=False))) == 1
        m = _loops_stage(text)
        assert not _contractions(m)
        assert any(o.name == "vector.fma" for o in m.walk())
    for text in (matmul_module("i32", False, False), matmul_module("f32", False, False,
                                                                   "2x2", "2x2", "2x2")):
        m = _loops_stage(text)
        assert not any(o.name == "vector.fma" for o in m.walk())
        assert any(o.name == "structured.generic" and len(o.inputs) == 2 for o in m.walk())


def test_input_gradient_dynamic_sizes():
    """The stride-1 input gradient (a conv2d of the padded out_backprop) with every size but
    the filter's window known only at run time."""
    rng = np.random.default_rng(5)
    t4, tw = "tensor<?x?x?x?xf32>", "tensor<3x2x?x?xf32>"
    text = (f"func.func @dx(%s: tensor<4xi64>, %w: {tw}, %dy: {t4}) -> {t4} {{\n"
            f"  %0 = lamina.conv2d_backprop_input %s, %w, %dy strides = [1, 1] padding = SAME "
            f"dilations = [1, 2] : (tensor<4xi64>, {tw}, {t4}) -> {t4}\n"
            f"  return %0 : {t4}\n}}")
    f = compiled(text)["dx"]
    for xs, ws in (((2, 7, 5, 3), (3, 2, 3, 4)), ((1, 4, 6, 2), (3, 2, 2, 33))):
        w, dy = rand(rng, ws, "f32"), rand(rng, xs[:3] + ws[3:], "f32")
        want = Conv2DBackpropInputOp.reference(np.array(xs), w, dy, strides=[1, 1],
                                               padding="SAME", dilations=[1, 2])
        close(f(np.array(xs, np.int64), w, dy), want, ws[0] * ws[1] * ws[3], f"{xs} {ws}")


def test_one_buffer_as_both_inputs():
    """x @ x: the same buffer as A and B, tiled (each operand's indexing is its own)."""
    text = ("func.func @sq(%a: tensor<?x?xf32>) -> tensor<?x?xf32> {\n"
            "  %0 = lamina.matmul %a, %a : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>\n"
            "  return %0 : tensor<?x?xf32>\n}")
    m = _loops_stage(text)
    assert any(o.name == "vector.fma" for o in m.walk()) and not _contractions(m)
    f = compiled(text)["sq"]
    a = rand(np.random.default_rng(9), (70, 70), "f32")
    close(f(a), a @ a, 70, "x @ x")


def test_zero_fill_becomes_the_first_reduction_block():
    """C's zero fill before a contraction is dropped (static shapes) or kept only for an empty
    reduction (dynamic): the first reduction block stores its sums. Batched, transposed and f64
    results with one and several reduction blocks, and with none, on output buffers that held
    other values (each call's outputs reuse the memory of earlier ones)."""
    m = _loops_stage(matmul_module("f32", False, False, "7x300", "300x40", "7x40"))
    PassManager(parse_pipeline("canonicalize")).run(m)  # folds `if 300 < 1`
    assert not [o for o in m.walk() if o.name == "structured.generic"]
    fills = [o for o in _loops_stage(matmul_module("f32", False, False)).walk()
             if o.name == "structured.generic"]
    assert len(fills) == 1 and fills[0].parent_op.name == "scf.if"
    rng = np.random.default_rng(10)
    for et, ta, tb in (("f32", False, False), ("f32", True, True), ("f64", True, False)):
        kc = BLOCKS[np.dtype(NP[et]).itemsize * 8]["KC"]
        f = compiled(matmul_module(et, ta, tb, "?x?x?", "?x?x?", "?x?x?"))["mm"]
        for k in (0, 5, kc, kc + 7, 2 * kc + 1):
            for _ in range(2):
                a, b = rand(rng, (3, 37, k), et), rand(rng, (3, k, 45), et)
                got = f(a.transpose(0, 2, 1).copy() if ta else a,
                        b.transpose(0, 2, 1).copy() if tb else b)
                close(got, a @ b, k, f"{et} {ta=} {tb=} batched k={k}")
