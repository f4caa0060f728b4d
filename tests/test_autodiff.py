"""The autodiff pass and the derivative rules (`vjp`) of the lamina ops: each rule's gradient,
computed by compiling the `_grad` function the pass emits, against central finite differences
in float64 on shapes with broadcasting; second derivatives from applying the pass to its own
output; gradients through lamina.cond, lamina.while (stacks, and recomputation where carried
shapes may change), calls (recursive ones too) and variable reads, against the same programs
run unrolled in Python and against finite differences, first and second derivatives;
reduce_to_shape, the op broadcasting's derivatives need; and the pass's errors."""

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
                                          "(tensor<4x2x3xf64>) -> tensor<2x1xf64>"], (2, 1)),
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


def test_call_of_a_declaration_is_an_error():
    text = """func.func private @h(tensor<f64>) -> tensor<f64>
func.func @f(%x: tensor<f64>) -> tensor<f64> attributes {lamina.grad} {
  %0 = func.call @h(%x) : (tensor<f64>) -> tensor<f64>
  return %0 : tensor<f64>
}"""
    with pytest.raises(PassFailure, match="cannot differentiate the call of @h, a declaration"):
        run_pipeline(ir.parse(text), "autodiff")


def test_op_without_a_rule_is_named(monkeypatch):
    from lamina.dialects.lamina_ops.elementwise import TanhOp
    monkeypatch.setattr(TanhOp, "vjp", None)
    text = """func.func @f(%x: tensor<f64>) -> tensor<f64> attributes {lamina.grad} {
  %0 = lamina.tanh %x : tensor<f64>
  return %0 : tensor<f64>
}"""
    with pytest.raises(PassFailure, match="'lamina.tanh' has no derivative rule"):
        run_pipeline(ir.parse(text), "autodiff")


def test_non_scalar_result_is_an_error():
    m = ir.parse("func.func @f(%x: tensor<2xf64>) -> tensor<2xf64> attributes {lamina.grad} {\n"
                 "  return %x : tensor<2xf64>\n}")
    with pytest.raises(PassFailure, match="one result, a 0-d tensor"):
        run_pipeline(m, "autodiff")


def test_reduce_to_shape_compiled_matches_reference():
    from lamina.dialects.lamina_ops.shape import ReduceToShapeOp
    text = """func.func @f(%a: tensor<4x2x3xf32>, %b: tensor<?x3xf64>, %c: tensor<2x?xf32>)
    -> (tensor<2x1xf32>, tensor<3xf64>, tensor<1x?xf32>) {
  %0 = lamina.reduce_to_shape %a : (tensor<4x2x3xf32>) -> tensor<2x1xf32>
  %1 = lamina.reduce_to_shape %b : (tensor<?x3xf64>) -> tensor<3xf64>
  %2 = lamina.reduce_to_shape %c : (tensor<2x?xf32>) -> tensor<1x?xf32>
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
                 f"  %0 = lamina.reduce_to_shape %a : ({src}) -> {dst}\n"
                 f"  return %0 : {dst}\n}}")
    with pytest.raises(ir.IRError):
        ir.verify(m)


# -- control flow, calls, variables, dynamic shapes ----------------------------------------------
# One module, differentiated twice (the functions marked with one scalar argument get a second
# derivative), compiled once; each case is checked against Python running the same program
# unrolled, and the gradients against central finite differences of the compiled function.

CONTROL = """
func.func @cond_f(%p: tensor<i1>, %x: tensor<3xf64>, %y: tensor<f64>) -> tensor<f64>
    attributes {lamina.grad} {
  %0 = lamina.cond %p -> (tensor<?xf64>) {
    %1 = lamina.multiply %x, %y : (tensor<3xf64>, tensor<f64>) -> tensor<3xf64>
    %2 = lamina.tanh %1 : tensor<3xf64>
    lamina.yield %2 : tensor<3xf64>
  } else {
    %1 = lamina.multiply %x, %x : (tensor<3xf64>, tensor<3xf64>) -> tensor<3xf64>
    lamina.yield %1 : tensor<3xf64>
  }
  %3 = lamina.reduce_sum %0 axes = [0] : tensor<?xf64> -> tensor<f64>
  return %3 : tensor<f64>
}

func.func @cond2(%p: tensor<i1>, %x: tensor<f64>) -> tensor<f64>
    attributes {lamina.grad = array<i64: 1>} {
  %0 = lamina.cond %p -> (tensor<f64>) {
    %1 = lamina.multiply %x, %x : (tensor<f64>, tensor<f64>) -> tensor<f64>
    %2 = lamina.multiply %1, %x : (tensor<f64>, tensor<f64>) -> tensor<f64>
    lamina.yield %2 : tensor<f64>
  } else {
    %1 = lamina.exp %x : tensor<f64>
    lamina.yield %1 : tensor<f64>
  }
  return %0 : tensor<f64>
}

// while i < n: v = (sum(v) > 0 ? v * a : tanh(v) + a); i += 1   -> sum(v * v)
func.func @loop_f(%n: tensor<i32>, %x: tensor<2xf64>, %a: tensor<f64>) -> tensor<f64>
    attributes {lamina.grad} {
  %z = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %v = %x) : (tensor<i32>, tensor<2xf64>)
      -> (tensor<i32>, tensor<?xf64>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<?xf64>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %s = lamina.reduce_sum %v axes = [0] : tensor<?xf64> -> tensor<f64>
    %zf = lamina.constant dense<0.0> : tensor<f64>
    %pos = lamina.greater %s, %zf : (tensor<f64>, tensor<f64>) -> tensor<i1>
    %w = lamina.cond %pos -> (tensor<?xf64>) {
      %m = lamina.multiply %v, %a : (tensor<?xf64>, tensor<f64>) -> tensor<?xf64>
      lamina.yield %m : tensor<?xf64>
    } else {
      %t = lamina.tanh %v : tensor<?xf64>
      %u = lamina.add %t, %a : (tensor<?xf64>, tensor<f64>) -> tensor<?xf64>
      lamina.yield %u : tensor<?xf64>
    }
    lamina.yield %i2, %w : tensor<i32>, tensor<?xf64>
  }
  %sq = lamina.multiply %r#1, %r#1 : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %o = lamina.reduce_sum %sq axes = [0] : tensor<?xf64> -> tensor<f64>
  return %o : tensor<f64>
}

// a boolean and a vector carried (kept in stacks): v = (flag ? v * a : tanh(v) + a); flag = !flag
func.func @loop_flag(%n: tensor<i32>, %x: tensor<2xf64>, %a: tensor<f64>) -> tensor<f64>
    attributes {lamina.grad} {
  %z = lamina.constant dense<0> : tensor<i32>
  %t = lamina.constant dense<true> : tensor<i1>
  %r:3 = lamina.while (%i = %z, %f = %t, %v = %x) : (tensor<i32>, tensor<i1>, tensor<2xf64>)
      -> (tensor<i32>, tensor<i1>, tensor<2xf64>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %f: tensor<i1>, %v: tensor<2xf64>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %w = lamina.cond %f -> (tensor<2xf64>) {
      %m = lamina.multiply %v, %a : (tensor<2xf64>, tensor<f64>) -> tensor<2xf64>
      lamina.yield %m : tensor<2xf64>
    } else {
      %h = lamina.tanh %v : tensor<2xf64>
      %u = lamina.add %h, %a : (tensor<2xf64>, tensor<f64>) -> tensor<2xf64>
      lamina.yield %u : tensor<2xf64>
    }
    %g = lamina.logical_not %f : tensor<i1>
    lamina.yield %i2, %g, %w : tensor<i32>, tensor<i1>, tensor<2xf64>
  }
  %sq = lamina.multiply %r#2, %r#2 : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
  %o = lamina.reduce_sum %sq axes = [0] : tensor<2xf64> -> tensor<f64>
  return %o : tensor<f64>
}

// while i < n: x = tanh(x) * c + x * x * 0.25
func.func @loop2(%n: tensor<i32>, %x: tensor<f64>) -> tensor<f64>
    attributes {lamina.grad = array<i64: 1>} {
  %z = lamina.constant dense<0> : tensor<i32>
  %c = lamina.constant dense<1.5> : tensor<f64>
  %q = lamina.constant dense<0.25> : tensor<f64>
  %r:2 = lamina.while (%i = %z, %v = %x) : (tensor<i32>, tensor<f64>) -> (tensor<i32>, tensor<f64>) {
    %k = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %k : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<f64>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %t = lamina.tanh %v : tensor<f64>
    %tc = lamina.multiply %t, %c : (tensor<f64>, tensor<f64>) -> tensor<f64>
    %vv = lamina.multiply %v, %v : (tensor<f64>, tensor<f64>) -> tensor<f64>
    %vq = lamina.multiply %vv, %q : (tensor<f64>, tensor<f64>) -> tensor<f64>
    %w = lamina.add %tc, %vq : (tensor<f64>, tensor<f64>) -> tensor<f64>
    lamina.yield %i2, %w : tensor<i32>, tensor<f64>
  }
  return %r#1 : tensor<f64>
}

// a callee with an integer result beside the float one, called twice; a variable read in a
// loop body and outside it
func.func @scale(%x: tensor<?xf64>, %k: tensor<i32>) -> (tensor<?xf64>, tensor<i32>) {
  %0 = lamina.multiply %x, %x : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %1 = lamina.exp %0 : tensor<?xf64>
  return %1, %k : tensor<?xf64>, tensor<i32>
}
func.func @call_f(%n: tensor<i32>, %x: tensor<?xf64>, %v: !lamina.variable<tensor<?xf64>>,
                  %unused: tensor<?x2xf64>) -> tensor<f64> attributes {lamina.grad} {
  %s:2 = func.call @scale(%x, %n) : (tensor<?xf64>, tensor<i32>) -> (tensor<?xf64>, tensor<i32>)
  %t:2 = func.call @scale(%s#0, %s#1) : (tensor<?xf64>, tensor<i32>) -> (tensor<?xf64>, tensor<i32>)
  %w = lamina.read_variable %v : !lamina.variable<tensor<?xf64>>
  %z = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %acc = %t#0) : (tensor<i32>, tensor<?xf64>) -> (tensor<i32>, tensor<?xf64>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %acc: tensor<?xf64>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %u = lamina.read_variable %v : !lamina.variable<tensor<?xf64>>
    %m = lamina.multiply %acc, %u : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    lamina.yield %i2, %m : tensor<i32>, tensor<?xf64>
  }
  %p = lamina.multiply %r#1, %w : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
  %o = lamina.reduce_sum %p axes = [0] : tensor<?xf64> -> tensor<f64>
  return %o : tensor<f64>
}

// a variable read in a cond and a loop, then assigned: the gradient is that of the values read
func.func @assign_after(%x: tensor<2xf64>, %v: !lamina.variable<tensor<2xf64>>) -> tensor<f64>
    attributes {lamina.grad} {
  %s = lamina.reduce_sum %x axes = [0] : tensor<2xf64> -> tensor<f64>
  %zf = lamina.constant dense<0.0> : tensor<f64>
  %pos = lamina.greater %s, %zf : (tensor<f64>, tensor<f64>) -> tensor<i1>
  %m = lamina.cond %pos -> (tensor<2xf64>) {
    %w = lamina.read_variable %v : !lamina.variable<tensor<2xf64>>
    %p = lamina.multiply %x, %w : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
    lamina.yield %p : tensor<2xf64>
  } else {
    %w = lamina.read_variable %v : !lamina.variable<tensor<2xf64>>
    %p = lamina.add %x, %w : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
    lamina.yield %p : tensor<2xf64>
  }
  %z = lamina.constant dense<0> : tensor<i32>
  %two = lamina.constant dense<2> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %acc = %m) : (tensor<i32>, tensor<2xf64>) -> (tensor<i32>, tensor<2xf64>) {
    %c = lamina.less %i, %two : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %acc: tensor<2xf64>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %w = lamina.read_variable %v : !lamina.variable<tensor<2xf64>>
    %t = lamina.tanh %acc : tensor<2xf64>
    %p = lamina.multiply %t, %w : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
    lamina.yield %i2, %p : tensor<i32>, tensor<2xf64>
  }
  %w2 = lamina.read_variable %v : !lamina.variable<tensor<2xf64>>
  %big = lamina.multiply %w2, %w2 : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
  %new = lamina.add %big, %big : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
  lamina.assign_variable %v, %new : !lamina.variable<tensor<2xf64>>
  %o = lamina.reduce_sum %r#1 axes = [0] : tensor<2xf64> -> tensor<f64>
  return %o : tensor<f64>
}

// lamina.set_row's own derivative (the stacks of loops use it): sum(set_row(x, i, v * v)^2)
func.func @set_row_f(%x: tensor<3x?xf64>, %i: tensor<i32>, %v: tensor<2xf64>) -> tensor<f64>
    attributes {lamina.grad} {
  %w = lamina.multiply %v, %v : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
  %r = lamina.set_row %x[%i], %w : (tensor<3x?xf64>, tensor<i32>, tensor<2xf64>) -> tensor<3x?xf64>
  %sq = lamina.multiply %r, %r : (tensor<3x?xf64>, tensor<3x?xf64>) -> tensor<3x?xf64>
  %o = lamina.reduce_sum %sq axes = [0, 1] : tensor<3x?xf64> -> tensor<f64>
  return %o : tensor<f64>
}

// nested loops: the inner trip count and body depend on the outer loop's values
func.func @nested(%n: tensor<i32>, %x: tensor<2xf64>, %a: tensor<f64>) -> tensor<f64> attributes {lamina.grad} {
  %z = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %v = %x) : (tensor<i32>, tensor<2xf64>) -> (tensor<i32>, tensor<2xf64>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<2xf64>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %s:2 = lamina.while (%j = %z, %w = %v) : (tensor<i32>, tensor<2xf64>) -> (tensor<i32>, tensor<2xf64>) {
      %c2 = lamina.less %j, %i2 : (tensor<i32>, tensor<i32>) -> tensor<i1>
      lamina.yield %c2 : tensor<i1>
    } do {
    ^bb0(%j: tensor<i32>, %w: tensor<2xf64>):
      %j2 = lamina.add %j, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
      %m = lamina.multiply %w, %a : (tensor<2xf64>, tensor<f64>) -> tensor<2xf64>
      %t = lamina.tanh %m : tensor<2xf64>
      %u = lamina.add %t, %v : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
      lamina.yield %j2, %u : tensor<i32>, tensor<2xf64>
    }
    lamina.yield %i2, %s#1 : tensor<i32>, tensor<2xf64>
  }
  %sq = lamina.multiply %r#1, %r#1 : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
  %o = lamina.reduce_sum %sq axes = [0] : tensor<2xf64> -> tensor<f64>
  return %o : tensor<f64>
}

// a carried value of one type that changes shape at run time: the stacks cannot hold it
func.func @grow(%n: tensor<i32>, %x: tensor<?xf64>) -> tensor<f64> attributes {lamina.grad} {
  %z = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %v = %x) : (tensor<i32>, tensor<?xf64>) -> (tensor<i32>, tensor<?xf64>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<?xf64>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %w = lamina.concat %v, %v axis = 0 : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
    lamina.yield %i2, %w : tensor<i32>, tensor<?xf64>
  }
  %o = lamina.reduce_sum %r#1 axes = [0] : tensor<?xf64> -> tensor<f64>
  return %o : tensor<f64>
}

// x ** n by recursion through a cond
func.func @power(%x: tensor<f64>, %n: tensor<i32>) -> tensor<f64> attributes {lamina.grad} {
  %z = lamina.constant dense<0> : tensor<i32>
  %c = lamina.greater %n, %z : (tensor<i32>, tensor<i32>) -> tensor<i1>
  %r = lamina.cond %c -> (tensor<f64>) {
    %one = lamina.constant dense<1> : tensor<i32>
    %m = lamina.subtract %n, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %q = func.call @power(%x, %m) : (tensor<f64>, tensor<i32>) -> tensor<f64>
    %y = lamina.multiply %q, %x : (tensor<f64>, tensor<f64>) -> tensor<f64>
    lamina.yield %y : tensor<f64>
  } else {
    %o = lamina.constant dense<1.0> : tensor<f64>
    lamina.yield %o : tensor<f64>
  }
  return %r : tensor<f64>
}
"""


@pytest.fixture(scope="module")
def control():
    m = ir.parse(CONTROL)
    run_pipeline(m, "autodiff,canonicalize,cse,autodiff,canonicalize,cse")
    ir.verify(m)
    return compile_module(m).entries


def scalar(v):
    return float(np.ravel(v)[0])


def central(f, x, eps=1e-6):
    """d f / d x, `x` an array (float64), by central differences."""
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += eps
        down[k] -= eps
        g[k] = (f(up) - f(down)) / (2 * eps)
    return g


def check_gradients(f, grads, xs, rtol=1e-6):
    """`grads` (compiled) against central differences of `f(*xs)` in each of `xs`."""
    for i, (g, x) in enumerate(zip(grads, xs)):
        want = central(lambda v: f(*xs[:i], v, *xs[i + 1:]), x)
        np.testing.assert_allclose(np.asarray(g), want, rtol=rtol, atol=rtol)


def py_cond_f(p, x, y):
    return float(np.sum(np.tanh(x * y) if p else x * x))


@pytest.mark.parametrize("p", [True, False])
def test_gradient_through_cond(control, p):
    x, y = np.array([0.3, -1.2, 0.8]), np.array(0.7)
    pred = np.array(p)
    assert scalar(control["cond_f"](pred, x, y)) == pytest.approx(py_cond_f(p, x, y))
    gx, gy = call(control["cond_f_grad"], pred, x, y)
    check_gradients(lambda x, y: py_cond_f(p, x, y), [gx, gy], [x, y])
    check_gradients(lambda x, y: scalar(control["cond_f"](pred, x, y)), [gx, gy], [x, y])


@pytest.mark.parametrize("p", [True, False])
def test_second_derivative_through_cond(control, p):
    for x in (-0.4, 1.1):
        args = (np.array(p), np.array(x))
        d1 = scalar(control["cond2_grad"](*args))
        d2 = scalar(control["cond2_grad_grad"](*args))
        assert d1 == pytest.approx(3 * x * x if p else np.exp(x))
        assert d2 == pytest.approx(6 * x if p else np.exp(x))


def py_loop_f(n, x, a):
    v = x
    for _ in range(n):
        v = v * a if v.sum() > 0 else np.tanh(v) + a
    return float(np.sum(v * v))


@pytest.mark.parametrize("n", [0, 1, 2, 5])
@pytest.mark.parametrize("x", [[0.5, -0.2], [-0.9, 0.3]])
def test_gradient_through_while(control, n, x):
    x, a, trips = np.array(x), np.array(1.3), np.array(n, np.int32)
    assert scalar(control["loop_f"](trips, x, a)) == pytest.approx(py_loop_f(n, x, a))
    gx, ga = call(control["loop_f_grad"], trips, x, a)
    check_gradients(lambda x, a: py_loop_f(n, x, a), [gx, ga], [x, a], rtol=1e-5)


def py_loop_flag(n, x, a):
    v, flag = x, True
    for _ in range(n):
        v = v * a if flag else np.tanh(v) + a
        flag = not flag
    return float(np.sum(v * v))


@pytest.mark.parametrize("n", [0, 1, 4])
def test_gradient_through_while_with_stacks_of_several_types(control, n):
    x, a, trips = np.array([0.5, -0.2]), np.array(1.3), np.array(n, np.int32)
    assert scalar(control["loop_flag"](trips, x, a)) == pytest.approx(py_loop_flag(n, x, a))
    gx, ga = call(control["loop_flag_grad"], trips, x, a)
    check_gradients(lambda x, a: py_loop_flag(n, x, a), [gx, ga], [x, a], rtol=1e-5)


def py_loop2(n, x):
    for _ in range(n):
        x = np.tanh(x) * 1.5 + x * x * 0.25
    return x


@pytest.mark.parametrize("n", [0, 1, 3])
def test_second_derivative_through_while(control, n):
    trips = np.array(n, np.int32)
    for x in (-0.6, 0.4):
        d1 = scalar(control["loop2_grad"](trips, np.array(x)))
        d2 = scalar(control["loop2_grad_grad"](trips, np.array(x)))
        e = 1e-5
        assert d1 == pytest.approx((py_loop2(n, x + e) - py_loop2(n, x - e)) / (2 * e),
                                   rel=1e-6, abs=1e-8)
        fd2 = (scalar(control["loop2_grad"](trips, np.array(x + e))) -
               scalar(control["loop2_grad"](trips, np.array(x - e)))) / (2 * e)
        assert d2 == pytest.approx(fd2, rel=1e-5, abs=1e-7)


def py_call_f(n, x, v):
    t = np.exp(np.exp(x * x) ** 2)
    return float(np.sum(t * v ** n * v))


@pytest.mark.parametrize("n", [0, 2])
def test_gradient_through_calls_and_variable_reads(control, n):
    x, v = np.array([0.3, -0.5, 0.1]), np.array([0.9, 1.1, -0.7])
    unused = np.ones((4, 2))
    trips = np.array(n, np.int32)
    assert scalar(control["call_f"](trips, x, v, unused)) == pytest.approx(py_call_f(n, x, v))
    gx, gv, gu = call(control["call_f_grad"], trips, x, v, unused)
    check_gradients(lambda x, v: py_call_f(n, x, v), [gx, gv], [x, v], rtol=1e-5)
    # a dynamic-shaped argument the result does not depend on: zeros of its run-time shape
    np.testing.assert_array_equal(gu, np.zeros((4, 2)))


def test_recursive_function_gets_a_recursive_vjp(control):
    for n in (0, 1, 4):
        x, k = np.array(1.3), np.array(n, np.int32)
        assert scalar(control["power_grad"](x, k)) == pytest.approx(n * 1.3 ** (n - 1))
        assert scalar(control["power_grad_grad"](x, k)) == pytest.approx(
            n * (n - 1) * 1.3 ** (n - 2))


def py_assign_after(x, v):
    acc = x * v if x.sum() > 0 else x + v
    for _ in range(2):
        acc = np.tanh(acc) * v
    return float(acc.sum())


@pytest.mark.parametrize("x", [[0.4, 0.3], [-0.6, 0.2]])
def test_recomputed_regions_see_the_variable_values_read_before_an_assignment(control, x):
    x, v = np.array(x), np.array([0.8, -1.3])
    var = v.copy()
    assert scalar(control["assign_after"](x, var)) == pytest.approx(py_assign_after(x, v))
    np.testing.assert_allclose(var, 2 * v * v)  # the function assigned it
    var = v.copy()
    gx, gv = call(control["assign_after_grad"], x, var)
    check_gradients(py_assign_after, [gx, gv], [x, v], rtol=1e-5)


def test_call_reading_a_variable_assigned_later_is_an_error():
    text = """func.func @h(%v: !lamina.variable<tensor<f64>>) -> tensor<f64> {
  %0 = lamina.read_variable %v : !lamina.variable<tensor<f64>>
  return %0 : tensor<f64>
}
func.func @f(%x: tensor<f64>, %v: !lamina.variable<tensor<f64>>) -> tensor<f64>
    attributes {lamina.grad} {
  %0 = func.call @h(%v) : (!lamina.variable<tensor<f64>>) -> tensor<f64>
  lamina.assign_variable %v, %x : !lamina.variable<tensor<f64>>
  %1 = lamina.multiply %0, %x : (tensor<f64>, tensor<f64>) -> tensor<f64>
  return %1 : tensor<f64>
}"""
    with pytest.raises(PassFailure, match="the call of @h reads a variable that is assigned "
                                          "later"):
        run_pipeline(ir.parse(text), "autodiff")


def test_wrt_option_and_attribute():
    text = """func.func @f(%x: tensor<f64>, %y: tensor<f64>) -> tensor<f64> {
  %0 = lamina.multiply %x, %x : (tensor<f64>, tensor<f64>) -> tensor<f64>
  %1 = lamina.multiply %0, %y : (tensor<f64>, tensor<f64>) -> tensor<f64>
  return %1 : tensor<f64>
}"""
    m = ir.parse(text)
    run_pipeline(m, "autodiff{functions=f wrt=1},canonicalize,autodiff,canonicalize")
    funcs = {o.sym: o for o in m.regions[0].blocks[0]}
    grad, second = funcs["f_grad"], funcs["f_grad_grad"]
    # d/dy (x*x*y) = x*x, marked to be differentiated with respect to y again: 0
    assert str(grad.attributes["lamina.grad"]) == "array<i64: 1>"
    body = list(grad.entry)
    assert [o.name for o in body] == ["lamina.multiply", "func.return"]
    assert body[0].operands == [grad.entry.args[0]] * 2
    ret = list(second.entry)[-1]
    assert ret.operands[0].owner.name == "lamina.constant"
    assert not ret.operands[0].owner.properties["value"].array.any()


@pytest.mark.parametrize("wrt,message", [("2", "no argument #2"),
                                         ("0,x", "wrt must be comma-separated"),
                                         ("1", "argument #1 of type tensor<i32> has no "
                                               "gradient")])
def test_bad_wrt_is_an_error(wrt, message):
    m = ir.parse("func.func @f(%x: tensor<f64>, %n: tensor<i32>) -> tensor<f64> {\n"
                 "  return %x : tensor<f64>\n}")
    with pytest.raises(PassFailure, match=message):
        run_pipeline(m, f"autodiff{{functions=f wrt={wrt}}}")


def test_an_op_with_several_results_gets_every_cotangent():
    """A rule of an op with several results gets a list, zeros (of the run-time shape) for
    the results no gradient reached."""
    from lamina.dialects.lamina_ops.elementwise import AddOp, emit
    from lamina.ir.core import Operation
    from lamina.ir.rewrite import PatternRewriter
    from lamina.passes.autodiff import backpropagate

    class Twice(Operation):
        got = None

        def vjp(self, b, gs):
            Twice.got = gs
            return [emit(b, AddOp(gs[0], gs[1]))]

    m = ir.parse("func.func @f(%x: tensor<?xf64>) -> tensor<?xf64> {\n"
                 "  return %x : tensor<?xf64>\n}")
    func = next(iter(m.regions[0].blocks[0]))
    x, ret = func.entry.args[0], func.entry.last
    op = func.entry.insert_before(ret, Twice("test.twice", [x], [x.type, x.type]))
    b = PatternRewriter()
    b.set_insertion_point_before(ret)
    cot = {op.results[1]: x}
    backpropagate(b, [op], cot, "test")
    zero, g = Twice.got
    assert g is x
    assert zero.type == x.type and zero.owner.name == "lamina.broadcast_to"
    assert cot[x].owner.name == "lamina.add" and cot[x].owner.operands == [zero, x]


@pytest.mark.parametrize("i", [0, -1])
def test_gradient_of_set_row(control, i):
    x, v, k = np.array([[0.3, -1.0], [2.0, 0.5], [-0.7, 1.1]]), np.array([0.8, -1.2]), \
        np.array(i, np.int32)

    def f(x, v):
        r = x.copy()
        r[i] = v * v
        return float(np.sum(r * r))
    assert scalar(control["set_row_f"](x, k, v)) == pytest.approx(f(x, v))
    gx, gv = call(control["set_row_f_grad"], x, k, v)
    check_gradients(f, [gx, gv], [x, v])


def test_a_loop_value_changing_shape_under_one_type_is_a_run_time_error(control):
    """The stacks have rows of the initial value's shape: a carried value whose type allows
    it to change (tensor<?xf64> from tensor<?xf64>) and that does is reported when the
    gradient runs (where the type shows the change, from tensor<3xf64> to tensor<?xf64>, the
    values are recomputed instead: test_gradient_through_while)."""
    from lamina import errors
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(call(control["grow_grad"], np.array(0, np.int32), x)[0], 1.0)
    with pytest.raises(errors.InvalidArgumentError, match="Cannot set a row"):
        control["grow_grad"](np.array(2, np.int32), x)


def py_nested(n, x, a):
    v = x
    for i in range(n):
        w = v
        for _ in range(i + 1):
            w = np.tanh(w * a) + v
        v = w
    return float(np.sum(v * v))


@pytest.mark.parametrize("n", [0, 1, 3])
def test_gradient_through_nested_loops(control, n):
    x, a, trips = np.array([0.3, -0.4]), np.array(0.8), np.array(n, np.int32)
    assert scalar(control["nested"](trips, x, a)) == pytest.approx(py_nested(n, x, a))
    gx, ga = call(control["nested_grad"], trips, x, a)
    check_gradients(lambda x, a: py_nested(n, x, a), [gx, ga], [x, a], rtol=1e-5)
