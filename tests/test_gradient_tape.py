"""GradientTape: eager and traced, against central finite differences in float64, and the
seed's section IV."""

import collections
import warnings

import numpy as np
import pytest

import lamina as tf
from lamina.frontend.tape import NoGradientError, NoneGradientWarning


def _fd(fn, x, eps=1e-6):
    """Central finite differences of scalar fn (numpy float64 array -> float) at x."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (fn(x + d) - fn(x - d)) / (2 * eps)
    return g


def _value(f, *arrays):
    return float(np.asarray(f(*[tf.constant(a) for a in arrays])).sum())


# compositions of differentiable ops, float64 with broadcasting
COMPOSITIONS = {
    "poly": (lambda x, y: x * x * y - 3.0 * x / (y * y + 1.0), [(2, 3), (3,)]),
    "exp_log": (lambda x, y: tf.math.log(tf.exp(x) + y * y + 1.0), [(4,), (1,)]),
    "tanh_sigmoid": (lambda x, y: tf.tanh(x) * tf.sigmoid(y) - tf.sqrt(x * x + 1.0),
                     [(2, 2), (2, 1)]),
    "matmul_relu": (lambda x, y: tf.reduce_sum(tf.nn.relu(tf.matmul(x, y)) ** 2),
                    [(2, 3), (3, 4)]),
    "softmax_ce": (lambda x, y: -tf.reduce_mean(tf.reduce_sum(
        y * tf.nn.log_softmax(x), axis=-1)), [(3, 5), (3, 5)]),
    "max_min_where": (lambda x, y: tf.reduce_max(tf.maximum(x, y) * tf.minimum(x, 0.5), axis=0)
                      + tf.where(x > 0.0, x, -2.0 * x), [(3, 2), (2,)]),
    "reshape_transpose": (lambda x, y: tf.reduce_mean(tf.transpose(tf.reshape(x, [3, 2])) * y),
                          [(6,), (2, 3)]),
    "square_pow_neg": (lambda x, y: tf.square(x) - tf.pow(tf.abs(y) + 1.0, 1.5) + -x,
                       [(3,), (3,)]),
    "conv_pool": (lambda x, w: tf.reduce_sum(tf.nn.max_pool2d(tf.sin(tf.nn.conv2d(
        x, w, 1, "SAME")), 2, 2, "VALID") ** 2) + tf.reduce_sum(tf.nn.avg_pool2d(
            tf.nn.conv2d(x, w, 2, "VALID"), 2, 1, "SAME")), [(1, 5, 5, 2), (3, 3, 2, 3)]),
}


def _inputs(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.5, 1.5, s) for s in shapes]


@pytest.mark.parametrize("name", list(COMPOSITIONS))
def test_gradient_matches_finite_differences(name):
    f, shapes = COMPOSITIONS[name]
    arrays = _inputs(shapes, 1)
    xs = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    grads = tape.gradient(y, xs)
    for k, (g, a) in enumerate(zip(grads, arrays)):
        def fk(v, k=k):
            args = list(arrays)
            args[k] = v
            return _value(f, *args)
        np.testing.assert_allclose(g.numpy(), _fd(fk, a), rtol=1e-5, atol=1e-7,
                                   err_msg=f"{name}: input {k}")


@pytest.mark.parametrize("name", ["poly", "exp_log", "tanh_sigmoid", "softmax_ce"])
def test_second_derivative_matches_finite_differences(name):
    """The gradient of (a weighted sum of) the first gradient, by nested tapes, against
    finite differences of the first gradient."""
    f, shapes = COMPOSITIONS[name]
    arrays = _inputs(shapes, 2)
    w = np.random.default_rng(3).uniform(0.5, 1.5, shapes[0])

    def first(x, y):
        with tf.GradientTape() as t:
            t.watch(x)
            out = f(x, y)
        return t.gradient(out, x)

    x, y = tf.constant(arrays[0]), tf.constant(arrays[1])
    with tf.GradientTape() as outer:
        outer.watch(x)
        s = tf.reduce_sum(first(x, y) * w)
    h = outer.gradient(s, x)
    fd = _fd(lambda v: float(np.sum(first(tf.constant(v), y).numpy() * w)), arrays[0])
    np.testing.assert_allclose(h.numpy(), fd, rtol=1e-4, atol=1e-6)


# -- the seed's section IV ---------------------------------------------------------------------

def test_seed_nested_tapes_constant():
    x = tf.constant(3.0)
    with tf.GradientTape() as t1:
        with tf.GradientTape() as t2:
            t1.watch(x)
            t2.watch(x)
            y = x * x
        dy_dx = t2.gradient(y, x)
    d2y_dx2 = t1.gradient(dy_dx, x)
    assert repr(dy_dx) == "<lamina.Tensor: shape=(), dtype=float32, numpy=6.0>"
    assert repr(d2y_dx2) == "<lamina.Tensor: shape=(), dtype=float32, numpy=2.0>"


def test_seed_nested_tapes_variable():
    x = tf.Variable(3.0)
    with tf.GradientTape() as t1:
        with tf.GradientTape() as t2:
            y = x * x
        dy_dx = t2.gradient(y, x)
    d2y_dx2 = t1.gradient(dy_dx, x)
    assert repr(dy_dx) == "<lamina.Tensor: shape=(), dtype=float32, numpy=6.0>"
    assert repr(d2y_dx2) == "<lamina.Tensor: shape=(), dtype=float32, numpy=2.0>"


@pytest.mark.parametrize("v,dtype", [(-1.5, tf.float64), (0.25, tf.float32), (7.0, tf.float16)])
def test_seed_variants_third_derivative(v, dtype):
    x = tf.Variable(v, dtype=dtype)
    with tf.GradientTape() as t0:
        with tf.GradientTape() as t1:
            with tf.GradientTape() as t2:
                y = x * x * x
            d1 = t2.gradient(y, x)
        d2 = t1.gradient(d1, x)
    d3 = t0.gradient(d2, x)
    assert d1.dtype == dtype
    np.testing.assert_allclose([float(d1), float(d2), float(d3)], [3 * v * v, 6 * v, 6],
                               rtol=2e-3)


# -- the API -----------------------------------------------------------------------------------

def test_variables_watched_automatically_unless_not_trainable_or_disabled():
    a, b = tf.Variable(2.0), tf.Variable(5.0, trainable=False)
    with tf.GradientTape() as t:
        y = a * b
    assert t.watched_variables() == (a,)
    ga, gb = t.gradient(y, [a, b])
    assert float(ga) == 5.0 and gb is None
    with tf.GradientTape(watch_accessed_variables=False) as t:
        y = a * b
    assert t.gradient(y, a) is None
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch(b)
        y = a * b
    assert float(t.gradient(y, b)) == 2.0
    assert t.watched_variables() == (b,)


def test_persistent_and_non_persistent():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * x
    np.testing.assert_allclose(t.gradient(y, x).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(t.gradient(z, x).numpy(), [3.0, 12.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    t.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used"):
        t.gradient(y, x)


def test_non_scalar_target_is_summed_and_output_gradients_weight_it():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        s = tf.reduce_sum(y)
    after = tf.reduce_sum(y)   # not recorded: the tape has exited
    np.testing.assert_allclose(t.gradient(y, x).numpy(), 2 * x.numpy())
    w = np.array([[1.0, 0.0], [2.0, -1.0]], np.float32)
    np.testing.assert_allclose(t.gradient(y, x, output_gradients=tf.constant(w)).numpy(),
                               2 * x.numpy() * w)
    # several targets: their gradients add up
    np.testing.assert_allclose(t.gradient([y, s], x).numpy(), 4 * x.numpy())
    assert t.gradient(after, x) is None


def test_nested_structure_of_sources():
    a, b, c = tf.constant(1.0), tf.constant(2.0), tf.Variable(3.0)
    Pair = collections.namedtuple("Pair", "p q")
    with tf.GradientTape() as t:
        t.watch([a, b])
        y = a * b * c
    g = t.gradient(y, {"x": [a, (b,)], "v": Pair(c, a)})
    assert list(g) == ["x", "v"] and isinstance(g["v"], Pair)
    assert [float(g["x"][0]), float(g["x"][1][0]), float(g["v"].p), float(g["v"].q)] == \
        [6.0, 3.0, 2.0, 6.0]


def test_unconnected_gradients():
    x, z = tf.constant([1.0, 2.0]), tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, z])
        y = x * 2.0
    assert t.gradient(y, z) is None
    assert t.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.NONE) is None
    g = t.gradient(y, [x, z], unconnected_gradients="zero")
    np.testing.assert_allclose(g[0].numpy(), [2.0, 2.0])
    assert g[1].dtype == tf.float32 and float(g[1]) == 0.0


def test_stop_recording_and_reset():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        with t.stop_recording():
            z = y * x          # not recorded: z is a constant to the tape
        w = z * y
    assert float(t.gradient(w, x)) == float(z) * 2 * 2.0
    assert t.gradient(z, x) is None
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        t.reset()
        t.watch(x)
        y2 = x * x * x
    assert float(t.gradient(y2, x)) == 12.0
    with pytest.raises(RuntimeError, match="not recording"):
        with t.stop_recording():
            pass


def test_stop_gradient_eager():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * tf.stop_gradient(x * x)
    assert float(t.gradient(y, x)) == 9.0


def test_integer_values_carry_no_gradient():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        i = tf.cast(x, tf.int32)
        y = tf.cast(i * 3, tf.float32) + x
        with pytest.warns(UserWarning, match="must be floating"):
            t.watch(tf.constant(3))
    assert float(t.gradient(y, x)) == 1.0
    assert t.gradient(y, i) is None


def test_jacobian():
    rng = np.random.default_rng(5)
    a = rng.uniform(-1, 1, (2, 3))
    m = rng.uniform(-1, 1, (3, 3))
    x = tf.constant(a)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.tanh(tf.matmul(x, tf.constant(m)))
    j = t.jacobian(y, x)
    assert j.shape == (2, 3, 2, 3)
    want = np.zeros((2, 3, 2, 3))
    for i in np.ndindex(2, 3):
        want[i] = _fd(lambda v: float(np.tanh(v @ m)[i]), a)
    np.testing.assert_allclose(j.numpy(), want, rtol=1e-5, atol=1e-8)
    with pytest.raises(RuntimeError):
        t.jacobian(y, x)


def test_custom_gradient_eager():
    calls = []

    @tf.custom_gradient
    def clipped_square(x):
        def grad(dy):
            calls.append(1)
            return dy * tf.minimum(2.0 * x, 1.0)
        return x * x, grad

    x = tf.constant([0.25, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(clipped_square(x) * 3.0)
    np.testing.assert_allclose(t.gradient(y, x).numpy(), [1.5, 3.0])
    assert calls == [1]
    assert float(clipped_square(tf.constant(2.0))) == 4.0   # no tape: just the value


def test_custom_gradient_second_order():
    @tf.custom_gradient
    def cube(x):
        return x * x * x, lambda dy: dy * 3.0 * x * x

    x = tf.constant(2.0)
    with tf.GradientTape() as t1:
        t1.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            y = cube(x)
        d1 = t2.gradient(y, x)
    assert float(d1) == 12.0 and float(t1.gradient(d1, x)) == 12.0


def test_op_without_derivative_rule_names_it(monkeypatch):
    from lamina.dialects.lamina_ops.elementwise import SinOp
    from lamina.frontend import vjp_programs
    monkeypatch.setattr(SinOp, "vjp", None)   # as an op with no rule
    # and without the eager vjp programs an earlier test may have cached for sin
    monkeypatch.setattr(vjp_programs, "_PROGRAMS", {})
    x = tf.constant([0.5, 1.5])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.sin(x) * x
    with pytest.raises(NoGradientError, match="lamina.sin"):
        t.gradient(y, x)

    @tf.function
    def f(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.sin(x) * x
        return t.gradient(y, x)
    with pytest.raises(NoGradientError, match="lamina.sin"):
        f(x)


def test_errors():
    t = tf.GradientTape()
    with t:
        with pytest.raises(ValueError, match="not tf.Tensor or tf.Variable"):
            t.watch(3.0)
        with pytest.raises(ValueError, match="already-active"):
            t.__enter__()


# -- why a gradient is None ----------------------------------------------------------------------

def _explained(t, y, x):
    with pytest.warns(NoneGradientWarning) as rec:
        assert t.gradient(y, x, explain=True) is None
    return str(rec[0].message)


def test_explain_none_gradients():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        copy = tf.constant(x.numpy())
        stopped = tf.stop_gradient(x)
        y = x * copy * stopped
        unwatched = tf.constant(5.0)
        other = x * 2.0
        i = tf.constant(4)
    assert "not watched" in _explained(t, y, unwatched)
    assert ".numpy()" in _explained(t, y, copy)
    assert "stop_gradient" in _explained(t, y, stopped)
    assert "not connected" in _explained(t, y, other)
    assert "int32" in _explained(t, y, i)
    assert "trainable=False" in _explained(t, y, tf.Variable(1.0, trainable=False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert t.gradient(y, x, explain=True) is not None   # no warning when not None


# -- inside `function` ------------------------------------------------------------------------

def test_traced_nested_tapes_and_stop_gradient():
    @tf.function
    def f(x):
        with tf.GradientTape() as t1:
            with tf.GradientTape() as t2:
                t1.watch(x)
                t2.watch(x)
                y = x * x * tf.stop_gradient(x) + tf.sin(tf.stop_gradient(x))
            d1 = t2.gradient(y, x)
        return d1, t1.gradient(d1, x)

    for v in (3.0, -0.5):
        d1, d2 = f(tf.constant(v))
        # stop_gradient holds for every tape: d/dx (2 x s) = 2 s
        assert (float(d1), float(d2)) == pytest.approx((2 * v * v, 2 * v))
    assert "lamina.stop_gradient" in f.get_concrete_function(tf.constant(1.0)).ir()


def test_traced_custom_gradient_and_unconnected():
    @tf.custom_gradient
    def scaled(x):
        return x * 1.0, lambda dy: dy * 10.0

    @tf.function
    def f(x, z):
        with tf.GradientTape() as t:
            t.watch([x, z])
            y = tf.reduce_sum(scaled(x) * x)
        return t.gradient(y, [x, z], unconnected_gradients="zero")

    x = np.array([1.0, 2.0], np.float32)
    gx, gz = f(tf.constant(x), tf.constant(0.0))
    np.testing.assert_allclose(gx.numpy(), 10.0 * x + x)
    assert float(gz) == 0.0


def _mlp_loss(x, labels, w1, b1, w2, b2):
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.matmul(h, w2) + b2
    return -tf.reduce_mean(tf.reduce_sum(labels * tf.nn.log_softmax(logits), axis=-1))


def test_staged_training_step_matches_eager():
    rng = np.random.default_rng(7)
    init = [rng.normal(0, 0.3, s).astype(np.float32) for s in [(6, 5), (5,), (5, 3), (3,)]]
    x = tf.constant(rng.normal(0, 1, (4, 6)).astype(np.float32))
    labels = tf.constant(np.eye(3, dtype=np.float32)[rng.integers(0, 3, 4)])

    def step(params, x, labels):
        with tf.GradientTape() as tape:
            loss = _mlp_loss(x, labels, *params)
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(0.5 * g)
        return loss

    eager = [tf.Variable(a) for a in init]
    staged = [tf.Variable(a) for a in init]
    staged_step = tf.function(lambda x, labels: step(staged, x, labels))
    for _ in range(3):
        le = step(eager, x, labels)
        ls = staged_step(x, labels)
        np.testing.assert_allclose(float(ls), float(le), rtol=1e-5)
    for e, s in zip(eager, staged):
        np.testing.assert_allclose(s.numpy(), e.numpy(), rtol=1e-4, atol=1e-6)
    assert staged_step.experimental_get_tracing_count() == 1
    text = staged_step.get_concrete_function(x, labels).ir()
    assert text.count("func.func") == 1 and "transpose_a" in text


def _gradients_of(f):
    def grads(x, y):
        with tf.GradientTape() as t:
            t.watch([x, y])
            out = f(x, y)
        return t.gradient(out, [x, y])
    return grads


def test_traced_gradient_equals_eager_for_compositions():
    for name in ("poly", "tanh_sigmoid", "softmax_ce", "reshape_transpose", "conv_pool"):
        f, shapes = COMPOSITIONS[name]
        arrays = _inputs(shapes, 11)

        grads = _gradients_of(f)
        want = grads(*[tf.constant(a) for a in arrays])
        got = tf.function(grads)(*[tf.constant(a) for a in arrays])
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10, err_msg=name)


def _through_control_flow(x, n):
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cond(x > 0.0, lambda: x * x, lambda: -x * 3.0)
        _, z = tf.while_loop(lambda i, z: i < n, lambda i, z: (i + 1, z * x),
                             (tf.constant(0), tf.constant(1.0)))
        s = y + z
    return t.gradient(s, x)


def test_tape_through_cond_and_while_staged_equals_eager():
    staged = tf.function(_through_control_flow)
    for v, n in ((2.0, 3), (-1.5, 4), (0.5, 0)):
        x, k = tf.constant(v), tf.constant(n)
        want = (2 * v if v > 0 else -3.0) + (n * v ** (n - 1) if n else 0.0)
        assert float(_through_control_flow(x, k)) == pytest.approx(want)
        assert float(staged(x, k)) == pytest.approx(want)
    assert staged.experimental_get_tracing_count() == 1


def _scaled_by_variable(v):
    @tf.custom_gradient
    def f(x):
        def grad(dy, variables):
            assert variables == [v]
            return dy * 100.0, [tf.reduce_sum(dy * x) * 1000.0]
        return x * v, grad
    return f


def test_custom_gradient_with_variables_eager_and_staged():
    v = tf.Variable(2.0)
    f = _scaled_by_variable(v)

    def grads(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(f(x))
        return t.gradient(y, [x, v])

    x = tf.constant([1.0, 3.0])
    for gx, gv in (grads(x), tf.function(grads)(x)):
        np.testing.assert_allclose(gx.numpy(), [100.0, 100.0])
        assert float(gv) == 4000.0

    @tf.custom_gradient
    def no_variables_kw(x):
        return x * v, lambda dy: dy
    with tf.GradientTape() as t:
        t.watch(x)
        with pytest.raises(TypeError, match="keyword argument 'variables'"):
            no_variables_kw(x)


def test_persistent_tape_differentiates_its_own_gradients():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x * x
        g = t.gradient(y, x)      # recorded: the tape is still recording
        h = t.gradient(g, x)
    assert [float(g), float(h), float(t.gradient(h, x))] == [27.0, 18.0, 6.0]


def test_traced_gradient_with_dynamic_shapes():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def f(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.tanh(x) * x          # a non-scalar target of unknown shape: seeded with ones
        return t.gradient(y, x)

    for n in (2, 5, 0):
        a = np.random.default_rng(n).normal(size=(n, 3)).astype(np.float32)
        np.testing.assert_allclose(f(tf.constant(a)).numpy(),
                                   np.tanh(a) + a * (1 - np.tanh(a) ** 2), rtol=1e-5, atol=1e-6)
    assert f.experimental_get_tracing_count() == 1


def test_autodiff_pass_stops_at_stop_gradient():
    from lamina.ir import parse
    from lamina.passes import run_pipeline
    m = parse("func.func @f(%x: tensor<f32>) -> tensor<f32> attributes {lamina.grad} {\n"
              "  %s = lamina.stop_gradient %x : tensor<f32>\n"
              "  %y = lamina.multiply %x, %s : (tensor<f32>, tensor<f32>) -> tensor<f32>\n"
              "  return %y : tensor<f32>\n}")
    run_pipeline(m, "builtin.module(autodiff,canonicalize,cse)")
    grad = [o for o in m.regions[0].blocks[0] if o.sym == "f_grad"][0]
    names = [o.name for o in grad.regions[0].blocks[0]]
    assert names == ["lamina.stop_gradient", "func.return"]   # d(x * sg(x))/dx = sg(x)


def test_vjp_programs_are_built_once_per_op_signature():
    from lamina.frontend import vjp_programs
    x = tf.constant(np.arange(12.0).reshape(3, 4))

    def grad():
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(x[1:, ::-2] * 2.0) + tf.reduce_mean(tf.reshape(x, [2, 6]))
        return t.gradient(y, x)

    want = np.full((3, 4), 1 / 12)
    want[1:, 3] += 2
    want[1:, 1] += 2
    np.testing.assert_allclose(grad().numpy(), want)
    n = len(vjp_programs._PROGRAMS)
    for _ in range(3):
        np.testing.assert_allclose(grad().numpy(), want)
    assert len(vjp_programs._PROGRAMS) == n


def test_second_derivative_through_a_rule_that_uses_one_value_twice():
    """tanh's rule emits y * y; an enclosing tape rebuilds that multiply from its template,
    which must keep both operands (a clone mapping values would make both the second)."""
    from lamina.frontend import vjp_programs
    vjp_programs._PROGRAMS.clear()
    vjp_programs._TEMPLATES.clear()
    x0 = np.array([0.3, -0.7])
    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.tanh(x))
        g = inner.gradient(y, x)
    t = np.tanh(x0)
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), -2 * t * (1 - t * t), rtol=1e-12)


def test_staged_gradient_of_a_run_time_broadcast_of_a_dynamic_dimension():
    """A `?` of size 1 at run time broadcasts in compiled code; its cotangent is then summed
    back to size 1 (reduce_to_shape with the operand's run-time shape), as the eager tape's."""
    spec = tf.TensorSpec([None, None], tf.float64)

    def grads(x, y):
        with tf.GradientTape() as t:
            t.watch([x, y])
            z = tf.reduce_sum(tf.sin(x * y + x))
        return t.gradient(z, [x, y])

    staged = tf.function(grads, input_signature=[spec, spec])
    rng = np.random.default_rng(3)
    for sx, sy in [((1, 3), (4, 3)), ((4, 1), (1, 3)), ((4, 3), (4, 3)), ((1, 1), (2, 5))]:
        x = tf.constant(rng.normal(size=sx))
        y = tf.constant(rng.normal(size=sy))
        for got, want in zip(staged(x, y), grads(x, y)):
            assert got.shape == want.shape
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
