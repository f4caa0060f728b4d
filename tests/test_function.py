"""`lamina.function`: the seed's section VI, compiled-vs-eager differential tests over the op
table, the cache of concrete functions (retracing), input signatures, methods, closures,
Variables and the IR of each stage."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lamina as tf
from lamina.frontend.context import executor_scope
from lamina.frontend.execute import OPS, eager_run_op

ROOT = Path(__file__).resolve().parent.parent


# -- the seed ----------------------------------------------------------------------------------

SEED_OUTPUT = """\
<lamina.Tensor: shape=(2, 2), dtype=float32, numpy=
array([[3., 3.],
       [3., 3.]], dtype=float32)>
<lamina.Tensor: shape=(2, 2), dtype=uint8, numpy=
array([[3, 3],
       [3, 3]], dtype=uint8)>
<lamina.Tensor: shape=(), dtype=float32, numpy=5.0>
<lamina.Variable 'Variable:0' shape=() dtype=float32, numpy=2.0>
<lamina.Variable 'Variable:0' shape=() dtype=float32, numpy=3.0>
"""


def test_function_tour_example_prints_the_seed():
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "function_tour.py")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(SEED_OUTPUT)
    assert "lamina.assign_variable" in out.stdout


def test_seed_add_is_polymorphic():
    @tf.function
    def add(tensor):
        return tensor + tensor + tensor

    r = add(tf.ones([2, 2]))
    assert r.dtype == tf.float32 and r.shape == (2, 2)
    np.testing.assert_array_equal(r.numpy(), np.full((2, 2), 3, np.float32))
    r = add(tf.ones([2, 2], dtype=tf.uint8))
    assert r.dtype == tf.uint8
    np.testing.assert_array_equal(r.numpy(), np.full((2, 2), 3, np.uint8))
    r = add(tf.constant([[1, 2, 3]], tf.int64))
    np.testing.assert_array_equal(r.numpy(), [[3, 6, 9]])
    assert add.experimental_get_tracing_count() == 3
    add(tf.zeros([2, 2]))
    assert add.experimental_get_tracing_count() == 3


@pytest.mark.parametrize("x,y,want,a_after,b_after", [
    (1.0, 2.0, 5.0, 2.0, 3.0),
    (0.5, 3.0, 5.5, 3.0, 2.5),
])
def test_seed_variables_read_and_write_in_program_order(x, y, want, a_after, b_after):
    a = tf.Variable(1.0)
    b = tf.Variable(1.0)

    @tf.function
    def f(x, y):
        a.assign(y * b)
        b.assign_add(x * a)
        return a + b

    r = f(tf.constant(x), tf.constant(y))
    assert r.dtype == tf.float32 and r.shape == ()
    assert r.numpy() == want
    assert a.numpy() == a_after and b.numpy() == b_after
    # the second call reads the state the first left
    f(tf.constant(x), tf.constant(y))
    assert a.numpy() == y * b_after
    assert f.experimental_get_tracing_count() == 1


# -- compiled vs eager, op by op ----------------------------------------------------------------

_rng = np.random.default_rng(0)
X = _rng.uniform(-2, 2, (2, 3)).astype(np.float32)
P = _rng.uniform(0.5, 3, (2, 3)).astype(np.float32)
ROW = _rng.uniform(-1, 1, (3,)).astype(np.float32)
I = np.array([[7, -3, 5], [-8, 9, 4]], np.int32)
J = np.array([[2, 3, -2], [3, -4, 5]], np.int32)
U = np.array([[7, 3, 250], [0, 9, 4]], np.uint8)
B = np.array([[True, False, True], [False, False, True]])
IMG = _rng.uniform(-1, 1, (1, 5, 5, 2)).astype(np.float32)
K = _rng.uniform(-1, 1, (3, 3, 2, 4)).astype(np.float32)

def _nn_gradients(img, k):
    """The derivative ops' path from the frontend: first and second derivatives through
    conv2d, the pools and a slice (the second derivative of max_pool needs MaxPoolGradGrad)."""
    with tf.GradientTape() as outer:
        outer.watch(img)
        with tf.GradientTape(persistent=True) as inner:
            inner.watch([img, k])
            y = tf.nn.conv2d(img, k, 1, "SAME")
            z = tf.nn.max_pool2d(y, 2, 1, "VALID") + tf.nn.avg_pool2d(y, 2, 1, "VALID")
            loss = tf.reduce_sum(tf.tanh(z[:, 1:, ::2]))
        g_img, g_k = inner.gradient(loss, [img, k])
        s = tf.reduce_sum(tf.nn.max_pool2d(g_img, 2, 1, "VALID"))
    return g_img, g_k, outer.gradient(s, img)


# name -> (function of tensors, input arrays)
CASES = {
    "nn_gradients": (_nn_gradients, (IMG, K)),
    "add": (tf.add, (X, P)), "add_broadcast": (lambda x, r: x + r, (X, ROW)),
    "subtract": (tf.subtract, (X, P)), "multiply": (tf.multiply, (X, P)),
    "scalar_operand": (lambda x: 2. * x - 1., (X,)),
    "realdiv": (tf.realdiv, (X, P)), "truediv_int": (lambda i, j: i / j, (I, J)),
    "maximum": (tf.maximum, (X, P)), "minimum": (tf.minimum, (I, J)),
    "pow": (tf.pow, (P, X)), "floordiv": (tf.math.floordiv, (I, J)),
    "floormod": (tf.math.floormod, (I, J)), "floordiv_float": (tf.math.floordiv, (X, P)),
    "floordiv_uint8": (lambda u: u // tf.constant(7, tf.uint8), (U,)),
    "compare": (lambda x, y: (x == y, x != y, x > y, x >= y, x < y, x <= y), (X, P)),
    "compare_int": (lambda i, j: (tf.equal(i, j), tf.greater(i, j), tf.less_equal(i, j)),
                    (I, J)),
    "logical": (lambda b, c: (b & c, b | c, ~b, b ^ c), (B, B[::-1])),
    "unary": (lambda x: (-x, tf.abs(x), tf.square(x), tf.nn.relu(x), tf.sign(x), tf.exp(x),
                         tf.tanh(x), tf.sigmoid(x), tf.sin(x), tf.cos(x), tf.math.erf(x),
                         tf.floor(x), tf.math.ceil(x), tf.round(x), tf.math.expm1(x)), (X,)),
    "unary_positive": (lambda p: (tf.math.log(p), tf.math.log1p(p), tf.sqrt(p),
                                  tf.math.rsqrt(p)), (P,)),
    "unary_int": (lambda i: (-i, tf.abs(i), tf.square(i), tf.sign(i)), (I,)),
    "where": (lambda b, x, y: tf.where(b, x, y), (B, X, P)),
    "cast": (lambda x: (tf.cast(x, tf.int32), tf.cast(tf.abs(x), tf.uint8),
                        tf.cast(x, tf.bool), tf.cast(x, tf.float64)), (X,)),
    "cast_int": (lambda i: (tf.cast(i, tf.float32), tf.cast(i, tf.int64)), (I,)),
    "fill": (lambda x: (tf.zeros([2, 2], tf.int64), tf.ones_like(x), tf.fill([3], 7.) + x[0]),
             (X,)),
    "range": (lambda x: (tf.range(1., 2., 0.25), tf.range(5) * 2), (X,)),
    "reshape": (lambda x: (tf.reshape(x, [3, -1]), tf.reshape(x, [6])), (X,)),
    "transpose": (tf.transpose, (X,)),
    "concat_stack": (lambda x, y: (tf.concat([x, y], 1), tf.stack([x, y], 1),
                                   tf.concat([x, y], 0)), (X, P)),
    "slices": (lambda x: (x[1:, ::-2], x[0, tf.newaxis], x[:, 1], x[-1]), (X,)),
    "broadcast_to": (lambda r: tf.broadcast_to(r, [2, 3]), (ROW,)),
    "stop_gradient": (lambda x, i: (tf.stop_gradient(x) * 2., tf.stop_gradient(i)), (X, I)),
    "shape": (lambda x: (tf.shape(x), tf.shape(x, tf.int64)), (X,)),
    "reductions": (lambda x: tuple(f(x, a, keepdims=k) for f in (
        tf.reduce_sum, tf.reduce_prod, tf.reduce_max, tf.reduce_min, tf.reduce_mean)
        for a, k in ((None, False), (0, False), ([0, -1], True), (1, False))), (X,)),
    "reductions_int": (lambda i: (tf.reduce_sum(i, 1), tf.reduce_max(i), tf.reduce_prod(i, 0)),
                       (I,)),
    "reduce_bool": (lambda b: (tf.reduce_any(b), tf.reduce_all(b, 0), tf.reduce_any(b, 1)),
                    (B,)),
    "argmax": (lambda x: (tf.argmax(x, 1, output_type=tf.int32), tf.math.argmin(x)), (X,)),
    "matmul": (lambda x, y: (tf.matmul(x, y, transpose_b=True), x @ tf.ones([3, 2]),
                             tf.matmul(x, y, transpose_a=True)), (X, P)),
    "conv2d": (lambda img, k: (tf.nn.conv2d(img, k, 2, "VALID"),
                               tf.nn.conv2d(img, k, 1, "SAME", dilations=2)), (IMG, K)),
    "pool": (lambda img: (tf.nn.max_pool(img, 2, 2, "SAME"),
                          tf.nn.avg_pool2d(img, 3, 1, "VALID")), (IMG,)),
    "composite": (lambda x: (tf.nn.softmax(x), tf.reduce_logsumexp(x, 1),
                             tf.clip_by_value(x, -1., 1.), tf.one_hot(tf.argmax(x, 1), 3)),
                  (X,)),
}


class _Recorder:
    def __init__(self):
        self.ops = set()

    def run_op(self, op, inputs, attrs):
        self.ops.add(op)
        return eager_run_op(op, inputs, attrs)


def _eager(fn, arrays):
    return fn(*[tf.constant(a) for a in arrays])


def _leaves(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_matches_eager(name):
    fn, arrays = CASES[name]
    want = _leaves(_eager(fn, arrays))
    got = _leaves(tf.function(fn)(*[tf.constant(a) for a in arrays]))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, tf.Tensor)
        assert g.dtype == w.dtype and g.shape == w.shape, (g, w)
        if w.dtype.is_floating:
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=2e-6, atol=1e-6)
        else:
            np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_random_draws_match_eager():
    def draw():
        return tf.random.normal([2, 3], 1., 2.), tf.random.uniform([4], dtype=tf.float64)
    tf.random.set_seed(7)
    want = draw()
    f = tf.function(draw)
    f.get_concrete_function()  # tracing draws nothing
    tf.random.set_seed(7)
    got = f()
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6)
    again = f()  # every call draws fresh values
    assert not np.array_equal(again[0].numpy(), got[0].numpy())


def test_print_runs_at_every_call_python_print_at_trace_time(capfd):
    @tf.function
    def f(x):
        print("tracing")
        tf.print("x is", x)
        return x + 1

    f(tf.constant([1, 2]))
    f(tf.constant([3, 4]))
    out, err = capfd.readouterr()
    assert out.count("tracing") == 1
    assert "x is [1 2]" in err and "x is [3 4]" in err


def test_cases_cover_the_op_table():
    """Every op of the eager table is exercised by a differential test above (or by the
    random, print and Variable tests)."""
    r = _Recorder()
    with executor_scope(r):
        for fn, arrays in CASES.values():
            _eager(fn, arrays)
        tf.random.normal([2]), tf.random.uniform([2])
        tf.print(tf.constant(1))
        v = tf.Variable(1.)
        v.assign_add(1.)
    assert set(OPS) - r.ops == set()


def test_integer_division_by_zero_raises_compiled_as_eagerly():
    f = tf.function(tf.math.floordiv)
    with pytest.raises(tf.errors.InvalidArgumentError):
        f(tf.constant([1, 2]), tf.constant([1, 0]))


# -- the cache of concrete functions -------------------------------------------------------------

def test_retraces_per_signature():
    @tf.function
    def f(x, n=1, scale=None):
        return x * n if scale is None else x * scale

    f(tf.ones([2]))
    f(tf.zeros([2]))
    assert f.experimental_get_tracing_count() == 1
    f(tf.ones([3]))                       # a new shape
    f(tf.ones([2], tf.int32))             # a new dtype
    assert f.experimental_get_tracing_count() == 3
    np.testing.assert_array_equal(f(tf.ones([2]), 3).numpy(), [3., 3.])  # a Python value
    np.testing.assert_array_equal(f(tf.ones([2]), n=3).numpy(), [3., 3.])
    assert f.experimental_get_tracing_count() == 4
    np.testing.assert_array_equal(f(tf.ones([2]), 4).numpy(), [4., 4.])
    assert f.experimental_get_tracing_count() == 5
    f(tf.ones([2]), scale=tf.constant(2.))
    assert f.experimental_get_tracing_count() == 6


def test_variables_as_arguments_key_by_identity():
    @tf.function
    def bump(v, d):
        v.assign_add(d)
        return v.read_value()

    v, w = tf.Variable([1., 2.]), tf.Variable([10., 20.])
    np.testing.assert_array_equal(bump(v, tf.constant([1., 1.])).numpy(), [2., 3.])
    np.testing.assert_array_equal(bump(w, tf.constant([1., 1.])).numpy(), [11., 21.])
    np.testing.assert_array_equal(v.numpy(), [2., 3.])
    np.testing.assert_array_equal(w.numpy(), [11., 21.])
    assert bump.experimental_get_tracing_count() == 2
    bump(v, tf.constant([0., 0.]))
    assert bump.experimental_get_tracing_count() == 2


def test_input_signature_with_dynamic_dims():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def f(x):
        return tf.reduce_sum(x * 2., 1), tf.matmul(x, tf.ones([3, 2]))

    for n in (1, 4, 7):
        x = _rng.uniform(-1, 1, (n, 3)).astype(np.float32)
        s, m = f(tf.constant(x))
        np.testing.assert_allclose(s.numpy(), (x * 2).sum(1), rtol=1e-6)
        assert m.shape == (n, 2)
    f([[1., 2., 3.]])  # converted to the spec's dtype
    assert f.experimental_get_tracing_count() == 1
    assert "tensor<?x3xf32>" in f.get_concrete_function().ir()
    with pytest.raises(TypeError):
        f(tf.ones([2, 4]))
    with pytest.raises((TypeError, ValueError)):
        f(tf.ones([2, 3], tf.int32))


def test_get_concrete_function_with_specs():
    @tf.function
    def f(x):
        return x + 1

    cf = f.get_concrete_function(tf.TensorSpec([None], tf.int32))
    assert "tensor<?xi32>" in cf.ir()
    np.testing.assert_array_equal(cf(tf.constant([1, 2, 3])).numpy(), [2, 3, 4])
    assert f.experimental_get_tracing_count() == 1


def test_structured_outputs_are_preserved():
    v = tf.Variable(3.)

    @tf.function
    def f(x):
        return {"sum": x + x, "pair": (x, [x * 2, None]), "var": v, "py": 7}

    out = f(tf.constant(1.5))
    assert set(out) == {"sum", "pair", "var", "py"}
    assert out["sum"].numpy() == 3.
    assert out["pair"][0].numpy() == 1.5 and out["pair"][1][0].numpy() == 3.
    assert out["pair"][1][1] is None and out["var"] is v and out["py"] == 7


# -- methods, closures ----------------------------------------------------------------------------

class Scaler:
    def __init__(self, k):
        self.k = k
        self.calls = tf.Variable(0)

    @tf.function
    def __call__(self, x):
        self.calls.assign_add(1)
        return x * self.k


def test_methods_trace_per_instance():
    a, b = Scaler(2.), Scaler(3.)
    x = tf.constant([1., 2.])
    np.testing.assert_array_equal(a(x).numpy(), [2., 4.])
    np.testing.assert_array_equal(b(x).numpy(), [3., 6.])
    a(x)
    assert a.calls.numpy() == 2 and b.calls.numpy() == 1
    assert a.__call__.experimental_get_tracing_count() == 1
    assert b.__call__.experimental_get_tracing_count() == 1
    assert Scaler.__call__.experimental_get_tracing_count() == 0


def test_closure_over_small_and_large_tensors():
    small = tf.constant([1., 2., 3.])
    large = tf.constant(np.arange(1000, dtype=np.float32))

    @tf.function
    def f(x):
        return tf.reduce_sum(x * large) + small

    x = tf.ones([1000])
    np.testing.assert_allclose(f(x).numpy(), 499500. + np.array([1., 2., 3.]))
    text = f.get_concrete_function(x).ir()
    assert "dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]>" in text  # a constant
    assert "tensor<1000xf32>, %arg1: tensor<1000xf32>" in text  # an argument


def test_nested_functions_are_traced_inline():
    @tf.function
    def inner(x):
        return x * 2

    @tf.function
    def outer(x):
        return inner(x) + 1

    np.testing.assert_array_equal(outer(tf.constant([1, 2])).numpy(), [3, 5])
    assert inner.experimental_get_tracing_count() == 0
    assert "lamina.multiply" in outer.get_concrete_function(tf.constant([1, 2])).ir()


def test_run_functions_eagerly():
    calls = []

    @tf.function
    def f(x):
        calls.append(tf.executing_eagerly())
        return x + 1

    tf.config.run_functions_eagerly(True)
    try:
        assert f(tf.constant(1)).numpy() == 2
    finally:
        tf.config.run_functions_eagerly(False)
    assert calls == [True] and f.experimental_get_tracing_count() == 0
    f(tf.constant(1))
    assert calls == [True, False]


def test_tensor_as_python_bool_is_an_error_naming_the_line():
    @tf.function(autograph=False)
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TypeError, match=r"test_function\.py:\d+"):
        f(tf.constant(1.))


# -- IR at every stage ------------------------------------------------------------------------

def test_ir_at_every_stage_and_locations():
    @tf.function
    def f(x):
        return tf.exp(x) + x

    cf = f.get_concrete_function(tf.ones([4]))
    lam = cf.ir("lamina")
    assert "lamina.exp" in lam and "loc(" not in lam
    located = cf.ir("lamina", debug_info=True)
    line = f.python_function.__code__.co_firstlineno + 2
    assert f'loc("{__file__}":{line}:' in located
    assert "structured.generic" in cf.ir("structured")
    loops = cf.ir("loops")
    # no lamina op is left (the function's lamina.out_params attribute is not an op)
    assert "memref" in loops and not re.search(r'^\s*(%\S+ = )?"?lamina\.', loops, re.M)
    assert "llvm.func" in cf.ir("llvm")
    assert "define" in cf.ir("llvm-ir")
    assert "memref.alloc" in cf.ir("bufferize")
    with pytest.raises(ValueError):
        cf.ir("no-such-stage")


# -- retracing you can understand ---------------------------------------------------------------

def test_reduce_retracing_generalises_changing_dims():
    @tf.function(reduce_retracing=True)
    def f(x):
        return tf.reduce_sum(x, 0)

    for n in range(1, 6):
        np.testing.assert_array_equal(f(tf.ones([n, 3])).numpy(), [n, n, n])
    assert f.experimental_get_tracing_count() == 2
    assert "tensor<?x3xf32>" in f.get_concrete_function(tf.ones([9, 3])).ir()
    np.testing.assert_array_equal(f(tf.ones([2, 4])).numpy(), [2, 2, 2, 2])
    assert f.experimental_get_tracing_count() == 3
    assert "tensor<?x?xf32>" in f.get_concrete_function(tf.ones([2, 4])).ir()


def test_retracing_warns_naming_the_argument_and_the_fix():
    @tf.function
    def f(x, n=1):
        return tf.reduce_sum(x) * n

    with pytest.warns(tf.RetracingWarning) as record:
        for k in range(1, 6):
            f(tf.ones([k, 3]))
    msg = str(record[0].message)
    assert "x: shape (4, 3) -> (5, 3)" in msg
    assert "TensorSpec([None, 3]) or reduce_retracing=True" in msg
    assert "test_function.py:" in msg and record[0].filename == __file__
    with pytest.warns(tf.RetracingWarning, match=r"n: Python value 3 -> 4"):
        for k in range(5):
            f(tf.ones([2]), n=k)


def test_no_warning_when_calls_hit_the_cache():
    import warnings

    @tf.function
    def f(x):
        return x * 2

    with warnings.catch_warnings():
        warnings.simplefilter("error", tf.RetracingWarning)
        for k in range(1, 4):
            f(tf.ones([k]))
        for _ in range(10):
            f(tf.ones([1]))


def test_lamina_dump_ir_writes_a_file_after_each_pass(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_DUMP_IR", str(tmp_path))

    @tf.function
    def dumped(x):
        return tf.exp(x) + x

    dumped(tf.ones([3]))
    (sig,) = (tmp_path / "dumped").iterdir()
    names = sorted(p.name for p in sig.iterdir())
    assert names[0] == "00-lamina.mlir" and names[1] == "01-convert-lamina-to-structured.mlir"
    assert any(n.endswith("-bufferize.mlir") for n in names)
    assert names[-1].endswith("-mlir-to-llvmir.ll")
    (bufferized,) = sig.glob("*-bufferize.mlir")
    text = bufferized.read_text()
    assert text.startswith("// -----// IR Dump After ") and "(bufferize) //----- //" in text


# -- shadow-eager checking ------------------------------------------------------------------------

@pytest.fixture
def compare_mode():
    tf.config.run_functions_eagerly("compare")
    yield
    tf.config.run_functions_eagerly(False)


def test_compare_mode_agrees_and_keeps_state(compare_mode):
    v = tf.Variable([1., 2.])

    @tf.function
    def f(x):
        v.assign_add(x)
        return tf.reduce_sum(tf.exp(v) * 2.) + tf.random.normal([2])

    tf.random.set_seed(3)
    r = f(tf.constant([1., 1.]))
    np.testing.assert_array_equal(v.numpy(), [2., 3.])  # updated once, not twice
    tf.config.run_functions_eagerly(False)
    v.assign([1., 2.])
    tf.random.set_seed(3)
    np.testing.assert_allclose(f(tf.constant([1., 1.])).numpy(), r.numpy(), rtol=1e-5)


def test_compare_mode_names_the_first_op_that_differs(compare_mode, monkeypatch):
    from lamina.dialects.lamina_ops import elementwise as E
    from lamina.frontend.function import ShadowMismatchError

    @tf.function
    def f(x):
        y = x * 2.
        return tf.exp(y) + 1.

    exp = OPS[E.ExpOp].fn
    monkeypatch.setattr(OPS[E.ExpOp], "fn", lambda a: exp(a) + 1e-2)  # a "miscompile"
    with pytest.raises(ShadowMismatchError) as info:
        f(tf.constant([1., 2.]))
    msg = str(info.value)
    line = f.python_function.__code__.co_firstlineno + 3
    assert msg.startswith(f"{__file__}:{line}: in f, op #1")
    assert "lamina.exp" in msg


def test_compare_mode_goes_past_and_into_control_flow(compare_mode, monkeypatch):
    """A loop is one step of the compared runs; inside it, the op that differs is found
    (more in test_shadow_compare.py)."""
    from lamina.dialects.lamina_ops import elementwise as E
    from lamina.frontend.function import ShadowMismatchError

    @tf.function
    def f(x):
        i = tf.constant(0)
        while i < 3:
            x = tf.exp(x) * 0.5
            i += 1
        return x

    r = f(tf.constant([0.1, 0.2]))  # agreeing runs pass
    assert r.shape == (2,)
    exp = OPS[E.ExpOp].fn
    monkeypatch.setattr(OPS[E.ExpOp], "fn", lambda a: exp(a) + 1e-2)  # a "miscompile"
    with pytest.raises(ShadowMismatchError) as info:
        f(tf.constant([0.1, 0.2]))
    first = f.python_function.__code__.co_firstlineno
    head, inside = str(info.value).split("\ninside it:\n")
    assert head.startswith(f"{__file__}:{first + 3}: in f, op #1 (result #0, 'x')")
    assert "lamina.while" in head
    assert inside.startswith(f"{__file__}:{first + 4}: in its body, iteration 0: lamina.exp")


# -- odd shapes of functions ----------------------------------------------------------------------

def test_functions_that_only_return_their_arguments_or_nothing():
    small = tf.constant([1., 2.])
    v = tf.Variable([0., 0.])

    @tf.function
    def same(x):
        return x, x, small, None, 3

    x = tf.constant([5., 6.])
    a, b, c, d, e = same(x)
    np.testing.assert_array_equal(a.numpy(), [5., 6.])
    np.testing.assert_array_equal(b.numpy(), [5., 6.])
    assert c is small and d is None and e == 3

    @tf.function
    def store(x):
        v.assign(x)

    assert store(x) is None
    np.testing.assert_array_equal(v.numpy(), [5., 6.])


def test_keywords_lists_and_iteration():
    @tf.function
    def f(x, *, scale=2.0):
        return x * scale

    np.testing.assert_array_equal(f(tf.ones([2]), scale=3.0).numpy(), [3., 3.])
    np.testing.assert_array_equal(f(x=tf.ones([2])).numpy(), [2., 2.])

    @tf.function
    def total(xs):
        return tf.add_n(xs)

    np.testing.assert_array_equal(
        total([tf.ones([2]), tf.ones([2]), np.ones(2, np.float32)]).numpy(), [3., 3.])

    @tf.function
    def rows(m):
        return [r * 2 for r in m]

    out = rows(tf.ones([3, 2]))
    assert isinstance(out, list) and len(out) == 3
    np.testing.assert_array_equal(out[2].numpy(), [2., 2.])


def test_shape_errors_while_tracing_name_the_users_line():
    @tf.function
    def f(x, y):
        return x + y

    line = f.python_function.__code__.co_firstlineno + 2
    with pytest.raises(ValueError, match=rf"^{re.escape(__file__)}:{line}: AddV2: "):
        f(tf.ones([2]), tf.ones([3]))


def test_variables_only_on_the_first_trace():
    @tf.function
    def f(x):
        v = tf.Variable(2.0)  # made on every trace
        return v * x

    assert f(tf.constant(3.0)).numpy() == 6.0
    assert f(tf.constant(4.0)).numpy() == 8.0  # the first trace's function, no new Variable
    with pytest.raises(ValueError, match=rf"{re.escape(__file__)}:\d+: lamina.function only "
                                         r"supports Variables created on the first call"):
        f(tf.constant([1.0, 2.0]))  # a second trace would make another

    class Scale:
        def __init__(self):
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:  # TF's pattern: made once, on the first call
                self.v = tf.Variable(3.0)
            return self.v * x

    s = Scale()
    assert s(tf.constant(1.0)).numpy() == 3.0
    np.testing.assert_array_equal(s(tf.constant([1.0, 2.0])).numpy(), [3.0, 6.0])
    s.v.assign(5.0)
    assert s(tf.constant(1.0)).numpy() == 5.0
