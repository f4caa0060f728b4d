"""The table of derivatives: every differentiable lamina op's `vjp`, through the autodiff pass
and compiled code, against central finite differences in float64 computed with the ops' NumPy
reference kernels, on several shapes with broadcasting; second derivatives of compositions
(the pass applied to its own output, so the rules' own ops are differentiated in turn); and
the table's completeness: every lamina op has a rule, says it passes no gradient, or is one
the pass or the tape handle themselves.

Each case is a function L(args) = sum(op(args) * W), W fixed random weights, marked for the
pass. The gradient functions of a group of cases are compiled as one module, at LLVM's -O0:
what is under test is the rules, not LLVM's optimizations (test_compiled_ops tests those), and
compiling dominates the time these tests take."""

from __future__ import annotations

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
from lamina import ir
from lamina.dialects.lamina_ops.elementwise import no_gradient
from lamina.driver import compile_module
from lamina.ir.registry import OPS
from lamina.passes import run_pipeline

PIPELINE = "autodiff,canonicalize,cse"


def tt(shape, et="f64"):
    return "tensor<" + "".join(("?" if d is None else str(d)) + "x" for d in shape) + et + ">"


def dense(a):
    """The text of a dense attribute of float array `a`."""
    def text(x):
        return "[" + ", ".join(text(y) for y in x) + "]" if isinstance(x, list) else repr(x)
    return f"dense<{text(np.asarray(a, np.float64).tolist())}>"


class Case:
    """@d_<name>(args) = sum(r * W): `lines` compute %r (of `out`) from %a0, %a1...; `inputs`
    draws the arguments: "normal", "positive" (in [0.5, 2)), "zeros" (normal with zeros,
    some reductions holding one, others two) or "ints" (small integers)."""

    def __init__(self, name, args, lines, out, inputs="normal"):
        self.name = "d_" + name
        self.group = GROUP[0]
        self.args = args
        self.out = out
        self.inputs = inputs
        rng = np.random.default_rng(len(CASES))
        weights = np.round(rng.standard_normal(out), 3)
        params = ", ".join(f"%a{i}: {tt(s)}" for i, s in enumerate(args))
        body = "\n".join("  " + ln for ln in lines)
        axes = ", ".join(map(str, range(len(out))))
        self.text = (
            f"func.func @{self.name}({params}) -> tensor<f64> attributes {{lamina.grad}} {{\n"
            f"{body}\n"
            f"  %w = lamina.constant {dense(weights)} : {tt(out)}\n"
            f"  %p = lamina.multiply %r, %w : ({tt(out)}, {tt(out)}) -> {tt(out)}\n"
            f"  %l = lamina.reduce_sum %p axes = [{axes}] : {tt(out)} -> tensor<f64>\n"
            f"  return %l : tensor<f64>\n}}")
        CASES.append(self)

    def draw(self):
        rng = np.random.default_rng(len(self.name))
        out = []
        for s in self.args:
            if self.inputs == "positive":
                x = rng.uniform(0.5, 2.0, s)
            elif self.inputs == "ints":
                x = rng.integers(-3, 4, s).astype(np.float64) + rng.uniform(0.1, 0.9, s)
            else:
                x = rng.standard_normal(s)
            if self.inputs == "zeros":
                flat = x.reshape(-1)
                flat[::3] = 0.0
                flat[1] = 0.0
            out.append(x)
        return out


CASES = []
GROUP = ["elementwise"]  # the group of the cases being declared


def unary(op, shape=(2, 3), inputs="normal"):
    Case(f"{op}_{len(shape)}", [shape], [f"%r = lamina.{op} %a0 : {tt(shape)}"], shape, inputs)


def binary(op, a, b, out, inputs="normal"):
    Case(f"{op}_{'x'.join(map(str, a))}_{'x'.join(map(str, b))}", [a, b],
         [f"%r = lamina.{op} %a0, %a1 : ({tt(a)}, {tt(b)}) -> {tt(out)}"], out, inputs)


def single(name, args, op_text, out, inputs="normal"):
    """A case whose op is `op_text` (`%r = ...`)."""
    Case(name, args, [op_text], out, inputs)


# -- elementwise ----------------------------------------------------------------------------------

for _op in ("negative", "abs", "square", "relu", "exp", "expm1", "tanh", "sigmoid", "sin",
            "cos", "erf"):
    unary(_op)
unary("sin", (4,))
unary("abs", (3, 1, 2))
for _op in ("log", "log1p", "sqrt", "rsqrt"):
    unary(_op, inputs="positive")
unary("log1p", (5,), inputs="positive")
# rounding and sign: a zero derivative (away from the jumps, where the inputs stay)
for _op in ("floor", "ceil", "round", "sign"):
    unary(_op, inputs="ints")

GROUP[0] = "binary"
BROADCASTS = [((2, 3), (3,), (2, 3)), ((4, 1), (1, 3), (4, 3)), ((), (2, 2), (2, 2)),
              ((2, 3), (2, 1), (2, 3))]
for _op in ("add", "subtract", "multiply", "maximum", "minimum"):
    for _a, _b, _o in BROADCASTS:
        binary(_op, _a, _b, _o)
for _op in ("divide", "pow"):
    for _a, _b, _o in BROADCASTS:
        binary(_op, _a, _b, _o, inputs="positive")
for _op in ("floormod", "floordiv"):
    binary(_op, (2, 3), (3,), (2, 3), inputs="positive")
    binary(_op, (), (2, 2), (2, 2), inputs="positive")

single("where", [(2, 3), (3,), (2, 1)],
       "%z = lamina.constant dense<0.0> : tensor<f64>\n"
       "  %c = lamina.greater %a0, %z : (tensor<2x3xf64>, tensor<f64>) -> tensor<2x3xi1>\n"
       "  %r = lamina.where %c, %a1, %a2 : (tensor<2x3xi1>, tensor<3xf64>, tensor<2x1xf64>) "
       "-> tensor<2x3xf64>", (2, 3))
single("cast", [(2, 3)],
       "%c = lamina.cast %a0 : tensor<2x3xf64> to tensor<2x3xf32>\n"
       "  %e = lamina.sin %c : tensor<2x3xf32>\n"
       "  %r = lamina.cast %e : tensor<2x3xf32> to tensor<2x3xf64>", (2, 3))

# -- reductions -----------------------------------------------------------------------------------

GROUP[0] = "reduction"


def reduce(op, shape, axes, keep=False, inputs="normal"):
    out = tuple(1 if i in axes else d for i, d in enumerate(shape) if keep or i not in axes)
    k = " keepdims" if keep else ""
    single(f"{op}_{'_'.join(map(str, axes))}{'_keep' if keep else ''}_{inputs}", [shape],
           f"%r = lamina.{op} %a0 axes = {list(axes)}{k} : {tt(shape)} -> {tt(out)}", out,
           inputs)


for _op in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod"):
    reduce(_op, (2, 3, 4), (0, 2))
    reduce(_op, (2, 3, 4), (1,), keep=True)
reduce("reduce_prod", (3, 3), (1,), inputs="zeros")
reduce("reduce_prod", (4, 3), (0,), keep=True, inputs="zeros")
reduce("reduce_sum", (3,), (0,))

# -- linalg ---------------------------------------------------------------------------------------

GROUP[0] = "linalg_shape"


def matmul(tag, a, b, out, flags=""):
    single(f"matmul{tag}", [a, b], f"%r = lamina.matmul %a0, %a1 {flags}: ({tt(a)}, {tt(b)}) -> "
                                   f"{tt(out)}", out)


matmul("", (2, 3), (3, 4), (2, 4))
matmul("_ta_tb", (3, 2), (4, 3), (2, 4), "transpose_a transpose_b ")
matmul("_batch_broadcast", (2, 1, 2, 3), (3, 4, 3), (2, 3, 2, 4), "transpose_b ")
single("fill", [()], "%r = lamina.fill %a0 : tensor<f64> -> tensor<2x3xf64>", (2, 3))

# -- shape ----------------------------------------------------------------------------------------

single("reshape", [(2, 3, 4)], "%r = lamina.reshape %a0 : tensor<2x3x4xf64> -> tensor<6x4xf64>",
       (6, 4))
single("transpose", [(2, 3, 4)], "%r = lamina.transpose %a0 perm = [2, 0, 1] : "
                                 "tensor<2x3x4xf64> -> tensor<4x2x3xf64>", (4, 2, 3))
single("broadcast_to", [(3, 1)], "%r = lamina.broadcast_to %a0 : (tensor<3x1xf64>) -> "
                                 "tensor<2x3x5xf64>", (2, 3, 5))
single("reduce_to_shape", [(4, 2, 3)], "%r = lamina.reduce_to_shape %a0 : (tensor<4x2x3xf64>) -> "
                                       "tensor<2x1xf64>", (2, 1))
single("concat_0", [(2, 3), (1, 3), (3, 3)],
       "%r = lamina.concat %a0, %a1, %a2 axis = 0 : (tensor<2x3xf64>, tensor<1x3xf64>, "
       "tensor<3x3xf64>) -> tensor<6x3xf64>", (6, 3))
single("concat_1", [(2, 1, 2), (2, 3, 2)],
       "%r = lamina.concat %a0, %a1 axis = 1 : (tensor<2x1x2xf64>, tensor<2x3x2xf64>) -> "
       "tensor<2x4x2xf64>", (2, 4, 2))
single("stack_0", [(3,), (3,)], "%r = lamina.stack %a0, %a1 axis = 0 : (tensor<3xf64>, "
                                "tensor<3xf64>) -> tensor<2x3xf64>", (2, 3))
single("stack_2", [(2, 3), (2, 3), (2, 3)],
       "%r = lamina.stack %a0, %a1, %a2 axis = 2 : (tensor<2x3xf64>, tensor<2x3xf64>, "
       "tensor<2x3xf64>) -> tensor<2x3x3xf64>", (2, 3, 3))
for _i, (_spec, _out) in enumerate([("[1:3, ::2, 0]", (2, 3)), ("[::-1, 2:0:-1, -1]", (4, 2)),
                                    ("[-1, 1:, ::3]", (4, 2)), ("[:, -100:100:2]", (4, 3, 6)),
                                    ("[0:4:7, 1]", (1, 6))]):
    single(f"strided_slice_{_i}", [(4, 5, 6)],
           f"%r = lamina.strided_slice %a0 {_spec} : (tensor<4x5x6xf64>) -> {tt(_out)}", _out)
single("strided_slice_dynamic_bound", [(5, 3)],
       "%i = lamina.constant dense<3> : tensor<i32>\n"
       "  %q = lamina.strided_slice %a0 [%i::-2, 1] : (tensor<5x3xf64>, tensor<i32>) -> "
       "tensor<?xf64>\n"
       "  %r = lamina.reshape %q : tensor<?xf64> -> tensor<2xf64>", (2,))
single("set_row", [(4, 3), (3,)],
       "%i = lamina.constant dense<-2> : tensor<i32>\n"
       "  %r = lamina.set_row %a0[%i], %a1 : (tensor<4x3xf64>, tensor<i32>, tensor<3xf64>) -> "
       "tensor<4x3xf64>", (4, 3))
single("strided_slice_grad", [(2, 3)],
       "%s = lamina.constant dense<[4, 5, 6]> : tensor<3xi64>\n"
       "  %r = lamina.strided_slice_grad %a0, %s [1:3, ::-2, 0] : (tensor<2x3xf64>, "
       "tensor<3xi64>) -> tensor<4x5x6xf64>", (4, 5, 6))

# -- nn -------------------------------------------------------------------------------------------

GROUP[0] = "conv"

CONVS = [((1, 5, 5, 2), (3, 3, 2, 3), (1, 1), "SAME", (1, 1)),
         ((2, 7, 6, 2), (3, 2, 2, 2), (2, 2), "SAME", (1, 1)),
         ((1, 7, 7, 1), (2, 2, 1, 2), (2, 1), "VALID", (2, 2)),
         ((1, 6, 5, 1), (3, 3, 1, 1), (3, 2), "VALID", (1, 1))]


def conv_out(x, w, strides, padding, dil, channels):
    from lamina.dialects.lamina_ops.nn import _Ints, window_geometry
    return (x[0],) + tuple(window_geometry(_Ints, x[k + 1], w[k], strides[k], dil[k],
                                           padding)[0] for k in (0, 1)) + (channels,)


def conv_attrs(strides, padding, dil):
    d = f" dilations = [{dil[0]}, {dil[1]}]" if tuple(dil) != (1, 1) else ""
    return f"strides = [{strides[0]}, {strides[1]}] padding = {padding}{d}"


def sizes(shape):
    return f"%s = lamina.constant dense<{list(shape)}> : tensor<4xi64>\n  "


for _i, (_x, _w, _s, _p, _d) in enumerate(CONVS):
    _y = conv_out(_x, _w, _s, _p, _d, _w[3])
    _at = conv_attrs(_s, _p, _d)
    single(f"conv2d_{_i}", [_x, _w], f"%r = lamina.conv2d %a0, %a1 {_at} : ({tt(_x)}, {tt(_w)}) "
                                     f"-> {tt(_y)}", _y)
    if _i not in (1, 2):  # the derivatives' derivatives: SAME and VALID, with strides
        continue
    single(f"conv2d_backprop_input_{_i}", [_w, _y],
           sizes(_x) + f"%r = lamina.conv2d_backprop_input %s, %a0, %a1 {_at} : (tensor<4xi64>, "
                       f"{tt(_w)}, {tt(_y)}) -> {tt(_x)}", _x)
    single(f"conv2d_backprop_filter_{_i}", [_x, _y],
           sizes(_w) + f"%r = lamina.conv2d_backprop_filter %a0, %s, %a1 {_at} : ({tt(_x)}, "
                       f"tensor<4xi64>, {tt(_y)}) -> {tt(_w)}", _w)

GROUP[0] = "pool"
POOLS = [((1, 4, 4, 2), (2, 2), (2, 2), "VALID"), ((2, 5, 5, 1), (3, 3), (2, 2), "SAME"),
         ((1, 5, 4, 2), (3, 2), (1, 2), "SAME"), ((1, 6, 6, 1), (3, 3), (2, 1), "VALID")]
for _i, (_x, _k, _s, _p) in enumerate(POOLS):
    _y = conv_out(_x, _k, _s, _p, (1, 1), _x[3])
    _at = f"ksize = [{_k[0]}, {_k[1]}] strides = [{_s[0]}, {_s[1]}] padding = {_p}"
    for _op in ("max_pool2d", "avg_pool2d"):
        single(f"{_op}_{_i}", [_x], f"%r = lamina.{_op} %a0 {_at} : {tt(_x)} -> {tt(_y)}", _y)
    single(f"max_pool2d_grad_{_i}", [_x, _y],
           f"%r = lamina.max_pool2d_grad %a0, %a1 {_at} : ({tt(_x)}, {tt(_y)}) -> {tt(_x)}", _x)
    single(f"max_pool2d_grad_grad_{_i}", [_x, _x],
           f"%r = lamina.max_pool2d_grad_grad %a0, %a1 {_at} : ({tt(_x)}, {tt(_x)}) -> "
           f"{tt(_y)}", _y)
    single(f"avg_pool2d_grad_{_i}", [_y],
           sizes(_x) + f"%r = lamina.avg_pool2d_grad %s, %a0 {_at} : (tensor<4xi64>, {tt(_y)}) "
                       f"-> {tt(_x)}", _x)


# -- running ---------------------------------------------------------------------------------------

def functions(module):
    return {op.sym: op for op in module.regions[0].blocks[0] if op.name == "func.func"}


def evaluate(fn, args):
    """The results of lamina function `fn` on `args`, by the ops' reference kernels."""
    block = fn.regions[0].blocks[0]
    env = dict(zip(block.args, args))
    for op in block:
        xs = [env[v] for v in op.operands]
        if op.name == "func.return":
            return xs
        if op.name == "lamina.constant":
            outs = [op.properties["value"].array]
        else:
            outs = [np.asarray(op.reference(*xs, **op.reference_attrs()))]
        env.update(zip(op.results, outs))
    raise AssertionError("no return")


def finite_differences(f, xs, eps):
    """The gradient of scalar f(*xs) by central differences."""
    grads = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x)
        for k in np.ndindex(x.shape):
            up = [y.copy() for y in xs]
            down = [y.copy() for y in xs]
            up[i][k] += eps
            down[i][k] -= eps
            g[k] = (float(f(*up)) - float(f(*down))) / (2 * eps)
        grads.append(g)
    return grads


def differentiated(text, times=1):
    m = ir.parse(text)
    for _ in range(times):
        run_pipeline(m, PIPELINE)
    ir.verify(m)
    return m


def compiled_derivatives(text, times):
    """(the functions of `text` and their derivatives to order `times`, the derivatives
    compiled)."""
    reference = functions(differentiated(text, times))
    m = differentiated(text, times)
    for name, f in functions(m).items():
        if not name.endswith("_grad"):
            f.erase()
    return reference, compile_module(m, opt_level=0)


@pytest.fixture(scope="module")
def compiled():
    """group -> compiled_derivatives of its cases, compiled when first asked for."""
    cache = {}

    def get(group):
        if group not in cache:
            cache[group] = compiled_derivatives(
                "\n".join(c.text for c in CASES if c.group == group), 1)
        return cache[group]
    return get


def results(entry, *xs):
    out = entry(*xs)
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gradient_matches_finite_differences(compiled, case):
    reference, executable = compiled(case.group)
    xs = case.draw()
    got = results(executable.entries[case.name + "_grad"], *xs)
    # through f32 (the cast case), a wider step and tolerance
    eps, tol = (1e-3, 1e-2) if case.name == "d_cast" else (1e-6, 1e-6)
    want = finite_differences(lambda *a: evaluate(reference[case.name], a)[0], xs, eps)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(np.asarray(g), w, rtol=tol, atol=tol,
                                   err_msg=f"{case.name}: gradient of argument {i}")


def test_rounding_ops_pass_zero_gradients(compiled):
    """floor, ceil, round, sign, floordiv: a gradient of zeros, deliberately (as TF's None, and
    its zeros for sign)."""
    for case in CASES:
        if case.name.split("_")[1] in ("floor", "ceil", "round", "sign", "floordiv"):
            _, executable = compiled(case.group)
            for g in results(executable.entries[case.name + "_grad"], *case.draw()):
                assert not np.asarray(g).any(), case.name


# -- shapes known at run time only -----------------------------------------------------------------

def squares(name, args, lines, out):
    """@<name>(args) = sum(r * r), args and r of types with `?` dimensions."""
    params = ", ".join(f"%a{i}: {tt(s)}" for i, s in enumerate(args))
    axes = ", ".join(map(str, range(len(out))))
    body = "\n".join("  " + ln for ln in lines)
    return (f"func.func @{name}({params}) -> tensor<f64> attributes {{lamina.grad}} {{\n{body}\n"
            f"  %q = lamina.multiply %r, %r : ({tt(out)}, {tt(out)}) -> {tt(out)}\n"
            f"  %l = lamina.reduce_sum %q axes = [{axes}] : {tt(out)} -> tensor<f64>\n"
            f"  return %l : tensor<f64>\n}}")


DYNAMIC_CASES = {
    "concat": (squares("concat", [(None, 3), (2, 3)], [
        "%r = lamina.concat %a0, %a1, %a0 axis = 0 : (tensor<?x3xf64>, tensor<2x3xf64>, "
        "tensor<?x3xf64>) -> tensor<?x3xf64>"], (None, 3)), [(4, 3), (2, 3)]),
    "stack_slice": (squares("stack_slice", [(None, 4)], [
        "%s = lamina.strided_slice %a0 [1:, ::-2] : (tensor<?x4xf64>) -> tensor<?x2xf64>",
        "%r = lamina.stack %s, %s axis = 1 : (tensor<?x2xf64>, tensor<?x2xf64>) -> "
        "tensor<?x2x2xf64>"], (None, 2, 2)), [(3, 4)]),
    "reduce_prod": (squares("reduce_prod", [(None, 3)], [
        "%r = lamina.reduce_prod %a0 axes = [1] : tensor<?x3xf64> -> tensor<?xf64>"],
        (None,)), [(4, 3)]),
    "conv2d": (squares("conv2d", [(None, 5, 5, 2), (3, 3, 2, 3)], [
        "%r = lamina.conv2d %a0, %a1 strides = [2, 2] padding = SAME : (tensor<?x5x5x2xf64>, "
        "tensor<3x3x2x3xf64>) -> tensor<?x3x3x3xf64>"], (None, 3, 3, 3)),
        [(2, 5, 5, 2), (3, 3, 2, 3)]),
    "pools": (squares("pools", [(None, None, None, 2)], [
        "%m = lamina.max_pool2d %a0 ksize = [3, 2] strides = [2, 2] padding = SAME : "
        "tensor<?x?x?x2xf64> -> tensor<?x?x?x2xf64>",
        "%a = lamina.avg_pool2d %a0 ksize = [3, 2] strides = [2, 2] padding = SAME : "
        "tensor<?x?x?x2xf64> -> tensor<?x?x?x2xf64>",
        "%r = lamina.add %m, %a : (tensor<?x?x?x2xf64>, tensor<?x?x?x2xf64>) -> "
        "tensor<?x?x?x2xf64>"], (None, None, None, 2)), [(1, 5, 4, 2)]),
}


@pytest.fixture(scope="module")
def dynamic():
    return compiled_derivatives("\n".join(t for t, _ in DYNAMIC_CASES.values()), 1)


@pytest.mark.parametrize("name", list(DYNAMIC_CASES))
def test_gradient_of_dynamic_shapes(dynamic, name):
    reference, executable = dynamic
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal(s) for s in DYNAMIC_CASES[name][1]]
    got = results(executable.entries[name + "_grad"], *xs)
    want = finite_differences(lambda *a: evaluate(reference[name], a)[0], xs, 1e-6)
    for i, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6, err_msg=f"{name} argument {i}")


# -- second derivatives: the pass applied twice, to functions of a scalar s ------------------------

def composition(name, lines, consts):
    """@<name>(%s: tensor<f64>) with `consts` ({name: array}) as lamina constants %<name>;
    `lines` end by defining %l, a 0-d f64."""
    decl = [f"%{k} = lamina.constant {dense(v)} : {tt(np.shape(v))}" for k, v in consts.items()]
    body = "\n".join("  " + ln for ln in decl + lines)
    return (f"func.func @{name}(%s: tensor<f64>) -> tensor<f64> attributes {{lamina.grad}} {{\n"
            f"{body}\n  return %l : tensor<f64>\n}}")


def scaled(shape, v="x", c="c"):
    """`%x = s * %c` of `shape`."""
    return (f"%{v} = lamina.multiply %s, %{c} : (tensor<f64>, {tt(shape)}) -> {tt(shape)}")


def total(v, shape, out="l"):
    axes = ", ".join(map(str, range(len(shape))))
    return f"%{out} = lamina.reduce_sum %{v} axes = [{axes}] : {tt(shape)} -> tensor<f64>"


def _rng(seed):
    return np.random.default_rng(seed)


COMPOSITIONS = [
    composition("elementwise", [
        scaled((2, 3)),
        "%a = lamina.sin %x : tensor<2x3xf64>",
        "%b = lamina.erf %x : tensor<2x3xf64>",
        "%e = lamina.expm1 %x : tensor<2x3xf64>",
        "%q = lamina.multiply %x, %x : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x3xf64>",
        "%p = lamina.log1p %q : tensor<2x3xf64>",
        "%o = lamina.cos %p : tensor<2x3xf64>",
        "%r1 = lamina.multiply %a, %b : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x3xf64>",
        "%r2 = lamina.add %r1, %o : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x3xf64>",
        "%y = lamina.add %r2, %e : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x3xf64>",
        total("y", (2, 3))], {"c": _rng(1).standard_normal((2, 3))}),
    composition("rsqrt_abs_floormod", [
        scaled((4,)),
        "%a = lamina.abs %x : tensor<4xf64>",
        "%r = lamina.rsqrt %a : tensor<4xf64>",
        "%two = lamina.constant dense<0.7> : tensor<f64>",
        "%m = lamina.floormod %x, %two : (tensor<4xf64>, tensor<f64>) -> tensor<4xf64>",
        "%q = lamina.multiply %m, %r : (tensor<4xf64>, tensor<4xf64>) -> tensor<4xf64>",
        "%y = lamina.multiply %q, %x : (tensor<4xf64>, tensor<4xf64>) -> tensor<4xf64>",
        total("y", (4,))], {"c": np.array([0.9, -1.3, 1.7, -0.6])}),
    composition("reduce_prod", [
        scaled((2, 3)),
        "%d = lamina.add %x, %c : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x3xf64>",
        "%p = lamina.reduce_prod %d axes = [1] : tensor<2x3xf64> -> tensor<2xf64>",
        total("p", (2,))], {"c": _rng(2).uniform(0.5, 1.5, (2, 3))}),
    composition("slices", [
        scaled((4, 5)),
        "%a = lamina.strided_slice %x [1:, ::-2] : (tensor<4x5xf64>) -> tensor<3x3xf64>",
        "%b = lamina.strided_slice %x [:3, 1:4] : (tensor<4x5xf64>) -> tensor<3x3xf64>",
        "%t = lamina.tanh %b : tensor<3x3xf64>",
        "%k = lamina.concat %a, %t axis = 0 : (tensor<3x3xf64>, tensor<3x3xf64>) -> "
        "tensor<6x3xf64>",
        "%n = lamina.stack %k, %k axis = 1 : (tensor<6x3xf64>, tensor<6x3xf64>) -> "
        "tensor<6x2x3xf64>",
        "%y = lamina.multiply %n, %n : (tensor<6x2x3xf64>, tensor<6x2x3xf64>) -> "
        "tensor<6x2x3xf64>",
        "%z = lamina.multiply %y, %a0w : (tensor<6x2x3xf64>, tensor<6x2x3xf64>) -> "
        "tensor<6x2x3xf64>",
        total("z", (6, 2, 3))], {"c": _rng(3).standard_normal((4, 5)),
                                 "a0w": _rng(4).standard_normal((6, 2, 3))}),
    composition("conv", [
        scaled((1, 5, 4, 2)),
        scaled((3, 2, 2, 2), "f", "w"),
        "%y = lamina.conv2d %x, %f strides = [2, 1] padding = SAME : (tensor<1x5x4x2xf64>, "
        "tensor<3x2x2x2xf64>) -> tensor<1x3x4x2xf64>",
        "%t = lamina.tanh %y : tensor<1x3x4x2xf64>",
        "%z = lamina.multiply %t, %v : (tensor<1x3x4x2xf64>, tensor<1x3x4x2xf64>) -> "
        "tensor<1x3x4x2xf64>",
        total("z", (1, 3, 4, 2))], {"c": _rng(5).standard_normal((1, 5, 4, 2)),
                                    "w": _rng(6).standard_normal((3, 2, 2, 2)),
                                    "v": _rng(7).standard_normal((1, 3, 4, 2))}),
    composition("pools", [
        scaled((1, 5, 5, 2)),
        "%m = lamina.max_pool2d %x ksize = [3, 3] strides = [2, 2] padding = SAME : "
        "tensor<1x5x5x2xf64> -> tensor<1x3x3x2xf64>",
        "%a = lamina.avg_pool2d %x ksize = [2, 3] strides = [1, 2] padding = SAME : "
        "tensor<1x5x5x2xf64> -> tensor<1x5x3x2xf64>",
        "%mm = lamina.multiply %m, %m : (tensor<1x3x3x2xf64>, tensor<1x3x3x2xf64>) -> "
        "tensor<1x3x3x2xf64>",
        "%aa = lamina.sin %a : tensor<1x5x3x2xf64>",
        total("mm", (1, 3, 3, 2), "l1"),
        total("aa", (1, 5, 3, 2), "l2"),
        "%l = lamina.add %l1, %l2 : (tensor<f64>, tensor<f64>) -> tensor<f64>"],
        {"c": _rng(8).standard_normal((1, 5, 5, 2))}),
]


@pytest.fixture(scope="module")
def second():
    return compiled_derivatives("\n".join(COMPOSITIONS), 2)


@pytest.mark.parametrize("name", [c.split("@")[1].split("(")[0] for c in COMPOSITIONS])
def test_second_derivative_matches_finite_differences(second, name):
    """f' compiled against finite differences of f, f'' compiled against finite differences
    of f' (the first derivative's IR, run by the reference kernels)."""
    reference, executable = second
    for s in (0.7, -1.1):
        x = np.array(s)
        for fn, deriv in ((name, name + "_grad"), (name + "_grad", name + "_grad_grad")):
            got = results(executable.entries[deriv], x)[0]
            want = finite_differences(lambda a: evaluate(reference[fn], [a])[0], [x], 1e-5)[0]
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6,
                                       err_msg=f"{deriv} at {s}")


# -- the table is complete -------------------------------------------------------------------------

# ops through which no gradient flows, saying so with the `no_gradient` rule
NO_GRADIENT = {"lamina.floor", "lamina.ceil", "lamina.round", "lamina.floordiv",
               "lamina.equal", "lamina.not_equal", "lamina.greater", "lamina.greater_equal",
               "lamina.less", "lamina.less_equal", "lamina.logical_and", "lamina.logical_or",
               "lamina.logical_not", "lamina.reduce_any", "lamina.reduce_all", "lamina.argmax",
               "lamina.argmin", "lamina.range", "lamina.shape", "lamina.random_uniform",
               "lamina.random_normal"}
# ops the autodiff pass and the tape differentiate themselves (regions, state, constants,
# stop_gradient), or without a result a gradient could reach (print)
HANDLED_ELSEWHERE = {"lamina.constant", "lamina.cond", "lamina.while", "lamina.yield",
                     "lamina.read_variable", "lamina.assign_variable", "lamina.print",
                     "lamina.stop_gradient"}


def test_every_op_has_a_rule_or_says_it_has_none():
    lamina_ops = {n: c for n, c in OPS.items() if n.startswith("lamina.")}
    checked = {op.name for c in CASES for op in ir.parse(c.text).walk()}
    for name, cls in sorted(lamina_ops.items()):
        if name in HANDLED_ELSEWHERE:
            continue
        rule = getattr(cls, "vjp", None)
        if name in NO_GRADIENT:
            assert rule is no_gradient, f"{name} should declare no_gradient"
        else:
            assert rule is not None and rule is not no_gradient, \
                f"{name} has no derivative rule (vjp) and is not declared non-differentiable"
            assert name in checked, f"{name}'s derivative has no finite-difference case"
    stale = (NO_GRADIENT | HANDLED_ELSEWHERE) - lamina_ops.keys()
    assert not stale, f"listed ops that do not exist: {sorted(stale)}"
