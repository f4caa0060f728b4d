"""The autodiff pass and the derivative rules (`vjp`) of the lamina ops: each rule's gradient,
computed by compiling the `_grad` function the pass emits, against central finite differences
in float64 on shapes with broadcasting; second derivatives from applying the pass to its own
output; reduce_to_shape, the op broadcasting's derivatives need; and the pass's errors."""

from __future__ import annotations

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
from lamina import ir
from lamina.driver import compile_module
from lamina.passes import PassFailure, run_pipeline


def tt(shape, et="f64"):
    return "tensor<" + "".join(("?" if d is None else str(d)) + "x" for d in shape) + et + ">"


def case(name, args, lines, out_shape, positive=False):
    """A function @d_<name>(args) = sum(r * r), r the value of the last line (of `out_shape`).
    (The prefix keeps it from shadowing the C library's symbols: a function @pow would be
    what the JIT links llvm.intr.pow to.)"""
    name = "d_" + name
    params = ", ".join(f"%a{i}: {tt(s)}" for i, s in enumerate(args))
    rank = len(out_shape)
    axes = ", ".join(map(str, range(rank)))
    body = "\n".join("  " + ln for ln in lines)
    text = (f"func.func @{name}({params}) -> tensor<f64> attributes {{lamina.grad}} {{\n{body}\n"
            f"  %sq = lamina.multiply %r, %r : ({tt(out_shape)}, {tt(out_shape)}) -> "
            f"{tt(out_shape)}\n"
            f"  %s = lamina.reduce_sum %sq axes = [{axes}] : {tt(out_shape)} -> tensor<f64>\n"
            f"  return %s : tensor<f64>\n}}")
    return name, args, text, positive


def binary(op, a, b, out, positive=False, tag=""):
    return case(f"{op}{tag}", [a, b], [f"%r = lamina.{op} %a0, %a1 : ({tt(a)}, {tt(b)}) -> "
                                       f"{tt(out)}"], out, positive)


def unary(op, shape, positive=False):
    return case(op, [shape], [f"%r = lamina.{op} %a0 : {tt(shape)}"], shape, positive)


def matmul(tag, a, b, out, flags=""):
    return case(f"matmul{tag}", [a, b], [f"%r = lamina.matmul %a0, %a1 {flags}: ({tt(a)}, "
                                         f"{tt(b)}) -> {tt(out)}"], out)


CASES = [
    *(binary(op, (2, 3), (3,), (2, 3)) for op in ("add", "subtract", "multiply", "maximum",
                                                  "minimum")),
    *(binary(op, (4, 1), (1, 3), (4, 3), tag="_outer") for op in ("add", "multiply",
                                                                   "maximum")),
    binary("subtract", (), (2, 2), (2, 2), tag="_scalar"),
    binary("divide", (2, 3), (2, 1), (2, 3), positive=True),
    binary("divide", (3,), (2, 3), (2, 3), positive=True, tag="_lhs_broadcast"),
    binary("pow", (2, 3), (3,), (2, 3), positive=True),
    *(unary(op, (2, 3)) for op in ("negative", "exp", "tanh", "sigmoid", "relu", "square")),
    *(unary(op, (3, 2), positive=True) for op in ("log", "sqrt")),
    case("where", [(2, 3), (3,), (2, 1)],
         ["%z = lamina.constant dense<0.0> : tensor<f64>",
          "%c = lamina.greater %a0, %z : (tensor<2x3xf64>, tensor<f64>) -> tensor<2x3xi1>",
          "%r = lamina.where %c, %a1, %a2 : (tensor<2x3xi1>, tensor<3xf64>, tensor<2x1xf64>) "
          "-> tensor<2x3xf64>"], (2, 3)),
    case("cast", [(2, 3)], ["%c = lamina.cast %a0 : tensor<2x3xf64> to tensor<2x3xf32>",
                            "%e = lamina.exp %c : tensor<2x3xf32>",
                            "%r = lamina.cast %e : tensor<2x3xf32> to tensor<2x3xf64>"],
         (2, 3)),
    case("reduce_sum", [(2, 3, 4)], ["%r = lamina.reduce_sum %a0 axes = [0, 2] : "
                                     "tensor<2x3x4xf64> -> tensor<3xf64>"], (3,)),
    case("reduce_sum_keepdims", [(2, 3, 4)], ["%r = lamina.reduce_sum %a0 axes = [1] keepdims "
                                              ": tensor<2x3x4xf64> -> tensor<2x1x4xf64>"],
         (2, 1, 4)),
    case("reduce_mean", [(2, 3, 4)], ["%r = lamina.reduce_mean %a0 axes = [1, 2] : "
                                      "tensor<2x3x4xf64> -> tensor<2xf64>"], (2,)),
    case("reduce_max", [(2, 3, 4)], ["%r = lamina.reduce_max %a0 axes = [2] : "
                                     "tensor<2x3x4xf64> -> tensor<2x3xf64>"], (2, 3)),
    case("reduce_min_keepdims", [(2, 3, 4)], ["%r = lamina.reduce_min %a0 axes = [0, 2] keepdims "
                                              ": tensor<2x3x4xf64> -> tensor<1x3x1xf64>"],
         (1, 3, 1)),
    matmul("", (2, 3), (3, 4), (2, 4)),
    matmul("_ta", (3, 2), (3, 4), (2, 4), "transpose_a "),
    matmul("_tb", (2, 3), (4, 3), (2, 4), "transpose_b "),
    matmul("_tab", (3, 2), (4, 3), (2, 4), "transpose_a transpose_b "),
    matmul("_batch", (5, 2, 3), (3, 4), (5, 2, 4)),
    matmul("_batch_broadcast", (2, 1, 2, 3), (3, 4, 3), (2, 3, 2, 4), "transpose_b "),
    case("reshape", [(2, 3, 4)], ["%r = lamina.reshape %a0 : tensor<2x3x4xf64> -> "
                                  "tensor<6x4xf64>"], (6, 4)),
    case("transpose", [(2, 3, 4)], ["%r = lamina.transpose %a0 perm = [2, 0, 1] : "
                                    "tensor<2x3x4xf64> -> tensor<4x2x3xf64>"], (4, 2, 3)),
    case("broadcast_to", [(3, 1)], ["%r = lamina.broadcast_to %a0 : (tensor<3x1xf64>) -> "
                                    "tensor<2x3x5xf64>"], (2, 3, 5)),
    case("reduce_to_shape", [(4, 2, 3)], ["%r = lamina.reduce_to_shape %a0 : "
                                          "tensor<4x2x3xf64> -> tensor<2x1xf64>"], (2, 1)),
    case("composition", [(2, 3), (3,)],
         ["%m = lamina.multiply %a0, %a1 : (tensor<2x3xf64>, tensor<3xf64>) -> tensor<2x3xf64>",
          "%t = lamina.tanh %m : tensor<2x3xf64>",
          "%r = lamina.add %t, %a0 : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x3xf64>"],
         (2, 3)),
]


def call(entry, *xs):
    """The results of a compiled function, as a list."""
    out = entry(*xs)
    return list(out) if isinstance(out, (list, tuple)) else [out]


def numeric_grad(f, xs, eps=1e-6):
    grads = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x)
        for k in np.ndindex(x.shape):
            up = [y.copy() for y in xs]
            down = [y.copy() for y in xs]
            up[i][k] += eps
            down[i][k] -= eps
            g[k] = (float(call(f, *up)[0]) - float(call(f, *down)[0])) / (2 * eps)
        grads.append(g)
    return grads


@pytest.fixture(scope="module")
def compiled():
    m = ir.parse("\n".join(text for _, _, text, _ in CASES))
    run_pipeline(m, "autodiff,canonicalize,cse")
    ir.verify(m)
    return compile_module(m)


@pytest.mark.parametrize("name,args,positive", [(n, a, p) for n, a, _, p in CASES],
                         ids=[c[0] for c in CASES])
def test_gradient_matches_finite_differences(compiled, name, args, positive):
    rng = np.random.default_rng(len(name))
    xs = [rng.uniform(0.5, 2.0, s) if positive else rng.standard_normal(s) for s in args]
    f, grad = compiled.entries[name], compiled.entries[name + "_grad"]
    got = call(grad, *xs)
    assert len(got) == len(xs)
    # with f32 in the middle, a wider step and tolerance
    eps, rtol = (1e-3, 1e-2) if name == "d_cast" else (1e-6, 1e-5)
    want = numeric_grad(f, xs, eps)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, rtol=rtol, atol=rtol)


CUBE = """func.func @f(%x: tensor<f64>) -> tensor<f64> attributes {lamina.grad} {
  %0 = lamina.multiply %x, %x : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %1 = lamina.multiply %0, %x : (tensor<f64>, tensor<f64>) -> tensor<f64>
  return %1 : tensor<f64>
}"""


def test_second_derivative_of_cube():
    m = ir.parse(CUBE)
    run_pipeline(m, "autodiff,canonicalize,cse")
    run_pipeline(m, "autodiff,canonicalize,cse")
    ir.verify(m)
    ex = compile_module(m)
    for x in (-1.5, 0.0, 2.0):
        assert float(call(ex.entries["f_grad"], np.array(x))[0]) == pytest.approx(3 * x * x)
        assert float(call(ex.entries["f_grad_grad"], np.array(x))[0]) == pytest.approx(6 * x)


def test_second_derivative_through_broadcasting_and_tanh():
    text = """func.func @f(%x: tensor<f64>) -> tensor<f64> attributes {lamina.grad} {
  %c = lamina.constant dense<[0.5, -1.0, 2.0]> : tensor<3xf64>
  %0 = lamina.multiply %x, %c : (tensor<f64>, tensor<3xf64>) -> tensor<3xf64>
  %1 = lamina.tanh %0 : tensor<3xf64>
  %2 = lamina.reduce_sum %1 axes = [0] : tensor<3xf64> -> tensor<f64>
  return %2 : tensor<f64>
}"""
    m = ir.parse(text)
    run_pipeline(m, "autodiff,autodiff,canonicalize,cse")
    ir.verify(m)
    ex = compile_module(m)
    c = np.array([0.5, -1.0, 2.0])
    for x in (-0.7, 0.3):
        t = np.tanh(c * x)
        assert float(call(ex.entries["f_grad"], np.array(x))[0]) == pytest.approx(
            np.sum(c * (1 - t * t)))
        assert float(call(ex.entries["f_grad_grad"], np.array(x))[0]) == pytest.approx(
            np.sum(-2 * c * c * t * (1 - t * t)))


def test_gradient_options_and_unused_arguments():
    text = """func.func @g(%x: tensor<2xf64>, %n: tensor<2xi32>, %y: tensor<2xf64>) -> tensor<f64> {
  %0 = lamina.exp %x : tensor<2xf64>
  %1 = lamina.reduce_sum %0 axes = [0] : tensor<2xf64> -> tensor<f64>
  return %1 : tensor<f64>
}"""
    m = ir.parse(text)
    run_pipeline(m, "autodiff{functions=g},canonicalize")
    ir.verify(m)
    grad = next(o for o in m.regions[0].blocks[0] if o.properties["sym_name"].value == "g_grad")
    assert [str(t) for t in grad.type.results] == ["tensor<2xf64>", "tensor<2xf64>"]
    ex = compile_module(m)
    x = np.array([0.5, -1.0])
    gx, gy = call(ex.entries["g_grad"], x, np.array([1, 2], np.int32), x)
    np.testing.assert_allclose(gx, np.exp(x))
    np.testing.assert_array_equal(gy, 0)


@pytest.mark.parametrize("body,message", [
    ("%0 = func.call @h(%x) : (tensor<f64>) -> tensor<f64>",
     "differentiating through 'func.call' is not supported yet"),
    ("%0 = lamina.sin %x : tensor<f64>", "'lamina.sin' has no derivative rule"),
])
def test_unsupported_ops_are_named(body, message):
    text = f"""func.func private @h(tensor<f64>) -> tensor<f64>
func.func @f(%x: tensor<f64>) -> tensor<f64> attributes {{lamina.grad}} {{
  {body}
  return %0 : tensor<f64>
}}"""
    m = ir.parse(text)
    with pytest.raises(PassFailure, match=message):
        run_pipeline(m, "autodiff")


def test_non_scalar_result_is_an_error():
    m = ir.parse("func.func @f(%x: tensor<2xf64>) -> tensor<2xf64> attributes {lamina.grad} {\n"
                 "  return %x : tensor<2xf64>\n}")
    with pytest.raises(PassFailure, match="one result, a 0-d tensor"):
        run_pipeline(m, "autodiff")


def test_reduce_to_shape_compiled_matches_reference():
    from lamina.dialects.lamina_ops.shape import ReduceToShapeOp
    text = """func.func @f(%a: tensor<4x2x3xf32>, %b: tensor<?x3xf64>, %c: tensor<2x?xf32>)
    -> (tensor<2x1xf32>, tensor<3xf64>, tensor<1x?xf32>) {
  %0 = lamina.reduce_to_shape %a : tensor<4x2x3xf32> -> tensor<2x1xf32>
  %1 = lamina.reduce_to_shape %b : tensor<?x3xf64> -> tensor<3xf64>
  %2 = lamina.reduce_to_shape %c : tensor<2x?xf32> -> tensor<1x?xf32>
  return %0, %1, %2 : tensor<2x1xf32>, tensor<3xf64>, tensor<1x?xf32>
}"""
    m = ir.parse(text)
    ir.verify(m)
    ex = compile_module(m)
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((4, 2, 3)).astype(np.float32), rng.standard_normal((5, 3)),
               rng.standard_normal((2, 7)).astype(np.float32))
    r0, r1, r2 = ex.entries["f"](a, b, c)
    np.testing.assert_allclose(r0, a.sum((0, 2))[:, None], rtol=1e-5)
    np.testing.assert_allclose(r1, b.sum(0))
    np.testing.assert_allclose(r2, c.sum(0, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(ReduceToShapeOp.reference(a, shape=[2, 1]), r0, rtol=1e-5)
    np.testing.assert_allclose(ReduceToShapeOp.reference(c, shape=[1, -1]), r2, rtol=1e-5)


@pytest.mark.parametrize("src,dst", [("tensor<2x3xf32>", "tensor<2x3x4xf32>"),
                                     ("tensor<2x3xf32>", "tensor<2xf32>"),
                                     ("tensor<2x3xf32>", "tensor<3xf64>"),
                                     ("tensor<2x3xi1>", "tensor<3xi1>")])
def test_reduce_to_shape_rejects_what_broadcasting_cannot_give(src, dst):
    m = ir.parse(f"func.func @f(%a: {src}) -> {dst} {{\n"
                 f"  %0 = lamina.reduce_to_shape %a : {src} -> {dst}\n"
                 f"  return %0 : {dst}\n}}")
    with pytest.raises(ir.IRError):
        ir.verify(m)
