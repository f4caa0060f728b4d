"""run_functions_eagerly("compare") past and inside control flow: each construct is one step
of the compared run, and a construct that differs is searched, region by region, for the op
that differs (frontend/shadow.py)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import lamina as tf
from lamina import errors
from lamina.dialects.lamina_ops import elementwise as E
from lamina.frontend.execute import OPS
from lamina.frontend.function import ShadowMismatchError


@pytest.fixture(autouse=True)
def compare_mode():
    tf.config.run_functions_eagerly("compare")
    yield
    tf.config.run_functions_eagerly(False)


def lineno(f, text):
    """`file:line` of the line of `f`'s source that contains `text`."""
    f = getattr(f, "python_function", f)
    lines, first = inspect.getsourcelines(f)
    return f"{__file__}:{first + next(i for i, line in enumerate(lines) if text in line)}"


@pytest.fixture
def bad_exp(monkeypatch):
    """Make eager and compiled exp differ (as a miscompile would): eager exp is off by 1%."""
    def install():
        exp = OPS[E.ExpOp].fn
        monkeypatch.setattr(OPS[E.ExpOp], "fn", lambda a: exp(a) * 1.01)
    return install


def mismatch(f, *args):
    with pytest.raises(ShadowMismatchError) as info:
        f(*args)
    return str(info.value)


def inner_lines(msg):
    """The report's lines about the ops inside the construct, outermost first."""
    head, _, inside = msg.partition("\ninside it:\n")
    return [line for line in inside.splitlines() if not line.startswith("  ")]


def test_miscompile_in_a_for_range_body(bad_exp):
    @tf.function
    def f(x, n):
        y = x * 2.
        for i in tf.range(n):
            y = y + tf.exp(x)
        return y + 1.

    x, n = tf.constant([0.5, 1.]), tf.constant(3)
    f(x, n)   # agreeing runs pass
    bad_exp()
    msg = mismatch(f, x, n)
    assert msg.startswith(f"{lineno(f, 'for i in')}: in f, op #")
    assert "lamina.while" in msg.split("\ninside it")[0]
    (inner,) = inner_lines(msg)
    assert inner.startswith(f"{lineno(f, 'tf.exp(x)')}: in its body, iteration 0: lamina.exp "
                            f"(result #0) differs")
    assert "= lamina.exp" in msg.split("\ninside it")[1]


def test_miscompile_in_a_branch_of_an_if_on_a_tensor(bad_exp):
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            x = tf.exp(x) - 1.
        else:
            x = x * 3.
        return x

    assert np.allclose(f(tf.constant([-1., -2.])).numpy(), [-3., -6.])
    bad_exp()
    f(tf.constant([-1., -2.]))   # the branch not taken does not matter
    msg = mismatch(f, tf.constant([1., 2.]))
    assert msg.startswith(f"{lineno(f, 'if tf.reduce_sum')}: in f, op #2 (result #0, 'x')")
    assert "lamina.cond" in msg
    (inner,) = inner_lines(msg)
    assert inner.startswith(f"{lineno(f, 'tf.exp(x)')}: in its true branch: lamina.exp")


def test_miscompile_in_a_while_loop_with_break(bad_exp):
    @tf.function
    def f(x):
        i = tf.constant(0)
        while i < 10:
            if tf.reduce_max(x) > 4.:
                break
            x = x + 0.5
            x = tf.exp(x * 0.25)
            i += 1
        return x, i

    f(tf.constant([1., 2.]))
    bad_exp()
    msg = mismatch(f, tf.constant([1., 2.]))
    assert msg.startswith(f"{lineno(f, 'while i < 10')}: in f, op #")
    # after a `break`, the rest of the body is a conditional on the break not taken
    cond, exp = inner_lines(msg)
    assert cond.startswith(f"{lineno(f, 'x = x + 0.5')}: in its body, iteration 0: "
                           f"lamina.cond (result #0) differs")
    assert exp.startswith(f"{lineno(f, 'tf.exp(x * 0.25)')}: in its true branch: lamina.exp "
                          f"(result #0) differs")


def test_miscompile_in_nested_control_flow(bad_exp):
    @tf.function
    def f(x):
        for i in tf.range(3):
            if i > 1:
                x = tf.exp(x)
            x = x * 0.5
        return x

    f(tf.constant([1., 2.]))
    bad_exp()
    msg = mismatch(f, tf.constant([1., 2.]))
    assert msg.startswith(f"{lineno(f, 'for i in')}: in f, op #")
    cond, exp = inner_lines(msg)
    # iterations 0 and 1 take the false branch, which agrees
    assert cond.startswith(f"{lineno(f, 'if i > 1')}: in its body, iteration 2: lamina.cond "
                           f"(result #0) differs")
    assert exp.startswith(f"{lineno(f, 'tf.exp(x)')}: in its true branch: lamina.exp")


def test_miscompile_in_a_loop_that_only_assigns_variables(bad_exp):
    v = tf.Variable([1., 2.])

    @tf.function
    def f(x, n):
        v.assign(x)
        for i in tf.range(n):
            v.assign_add(tf.random.uniform([2]))
            if i > 1:
                v.assign(tf.exp(v.read_value() * 0.1))
        return v.read_value() + x

    x, n = tf.constant([1., 2.]), tf.constant(4)
    f(x, n)
    bad_exp()
    msg = mismatch(f, x, n)
    # the loop's step includes the values of the Variables it assigns
    assert msg.startswith(f"{lineno(f, 'for i in')}: in f, op #2 (the value of a Variable it "
                          f"assigns) differs")
    cond, exp = inner_lines(msg)
    assert cond.startswith(f"{lineno(f, 'if i > 1')}: in its body, iteration 2: lamina.cond "
                           f"(the value of a Variable it assigns) differs")
    assert exp.startswith(f"{lineno(f, 'tf.exp(v.read_value()')}: in its true branch: "
                          f"lamina.exp (result #0)")


def test_miscompile_after_a_loop(bad_exp):
    @tf.function
    def f(x, n):
        for i in tf.range(n):
            x = x * 1.5
        y = tf.exp(x)
        return y * 2.

    f(tf.constant([1., 2.]), tf.constant(2))
    bad_exp()
    msg = mismatch(f, tf.constant([1., 2.]), tf.constant(2))
    # the loop is one step: the op after it is the next one
    assert msg.startswith(f"{lineno(f, 'tf.exp(x)')}: in f, op #2 (result #0)")
    assert "lamina.exp" in msg and "inside it" not in msg


def test_miscompile_in_tf_while_loop_and_cond_without_autograph(bad_exp):
    def f(x):
        def body(i, acc):
            acc = tf.cond(x[i] > 0, lambda: acc + tf.exp(x[i]), lambda: acc * 0.5)
            return i + 1, acc
        return tf.while_loop(lambda i, acc: i < 4, body, (tf.constant(0), tf.constant(1.0)))

    g = tf.function(f, autograph=False)
    x = tf.constant([-1., -2., 3., -4.])
    g(x)
    bad_exp()
    msg = mismatch(g, x)
    # op #0: the first evaluation of the condition (of Python loop variables)
    assert msg.startswith(f"{lineno(f, 'return tf.while_loop')}: in f, op #1 (result #1)")
    cond, exp = inner_lines(msg)
    assert cond.startswith(f"{lineno(f, 'acc = tf.cond')}: in its body, iteration 2: "
                           f"lamina.cond (result #0)")
    assert exp.startswith(f"{lineno(f, 'acc = tf.cond')}: in its true branch: lamina.exp")


def test_a_miscompile_of_the_compiled_code_itself(monkeypatch):
    """A wrong lowering (not a wrong eager kernel): compiled sin where exp is meant."""
    from lamina.lowering import structured_builders as SB
    from lamina.runtime.cache import CACHE

    @tf.function
    def f(x):
        for i in tf.range(2):
            x = tf.exp(x) * 0.5
        return x

    monkeypatch.setitem(SB._FLOAT_UNARY, "exp", SB._FLOAT_UNARY["sin"])
    monkeypatch.setattr(CACHE, "get", lambda key: None)
    monkeypatch.setattr(CACHE, "put", lambda key, obj, meta: None)
    msg = mismatch(f, tf.constant([0.5, 1.]))
    assert msg.startswith(f"{lineno(f, 'for i in')}: in f, op #")
    (inner,) = inner_lines(msg)
    assert inner.startswith(f"{lineno(f, 'tf.exp(x)')}: in its body, iteration 0: lamina.exp")


def test_no_false_positives_with_control_flow_variables_random_and_print(capfd):
    v = tf.Variable([1., 2.])

    @tf.function
    def f(x, n):
        s = tf.zeros([2])
        for i in tf.range(n):
            s += x * tf.cast(i, tf.float32)
            v.assign_add(s)
        if tf.reduce_sum(s) > 0:
            s = s * 2.
        k = 0
        while k < n:
            k += 1
            if k > 2:
                break
            s = s + tf.random.normal([2])
        tf.print("s:", s)
        y = tf.exp(s * 0.1) if tf.reduce_sum(x) > 0 else s
        both = (tf.reduce_sum(x) > 0) and (tf.reduce_sum(s) > 0)
        for row in tf.reshape(x, [2, 1]):
            s = s + row
        return s + v, y, both, k

    x, n = tf.constant([1., 2.]), tf.constant(4)
    tf.random.set_seed(7)
    got = f(x, n)
    after = v.numpy()
    assert "s:" in capfd.readouterr().err
    tf.config.run_functions_eagerly(False)
    v.assign([1., 2.])
    tf.random.set_seed(7)
    want = f(x, n)
    np.testing.assert_allclose(v.numpy(), after, rtol=1e-5)   # assigned once per call
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5)


def test_no_false_positives_with_returns_in_loops_and_python_loops():
    @tf.function
    def f(x):
        for i in tf.range(5):
            if tf.reduce_sum(x) > 10.:
                return x
            x = x * 2.
        return x + 1.

    @tf.function
    def g(x):
        for i in range(3):
            x = x + i
        n = 0
        while n < 3:
            n += 1
        return x, n

    np.testing.assert_allclose(f(tf.constant([1., 2.])).numpy(), [4., 8.])
    np.testing.assert_allclose(f(tf.constant([.1, .2])).numpy(), [3.2 + 1, 6.4 + 1],
                               rtol=1e-5)
    x, n = g(tf.constant([1., 2.]))
    assert n == 3 and np.allclose(x.numpy(), [4., 5.])


def test_no_false_positives_with_dynamic_dims():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        s = tf.zeros([])
        for i in range(len(x)):   # the trace takes the length with ops, as must the eager run
            s += x[i] * tf.cast(i, tf.float32)
        for v in x:
            s += v
        return s

    assert float(f(tf.constant([1., 2., 3.]))) == 8. + 6.


def test_a_gradient_is_one_step(monkeypatch):
    """Traced and eager gradients take other ops: the gradient is compared as a whole, and
    its ops one by one when it differs."""
    @tf.function
    def f(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(tf.cos(x) * x)
        g = t.gradient(y, x)
        return g * 2.

    x = tf.constant([1., 2., 3.])
    a = np.array([1., 2., 3.])
    np.testing.assert_allclose(f(x).numpy(), 2 * (np.cos(a) - np.sin(a) * a), rtol=1e-5)
    sin = OPS[E.SinOp].fn   # only the gradient computes a sine
    monkeypatch.setattr(OPS[E.SinOp], "fn", lambda a: sin(a) * 1.01)
    msg = mismatch(f, x)
    assert msg.startswith(f"{lineno(f, 't.gradient(y, x)')}: in f, op #3 (result #0)")
    assert "(a gradient: " in msg
    (inner,) = inner_lines(msg)
    assert inner.startswith(f"{lineno(f, 't.gradient(y, x)')}: in the gradient: lamina.sin "
                            f"(result #0) differs")


def test_an_eager_run_that_takes_other_steps_is_an_internal_error():
    @tf.function
    def f(x):
        if tf.executing_eagerly():   # Python that differs between the trace and eager runs
            x = x + 1.
        return x * 2.

    with pytest.raises(errors.InternalError) as info:
        f(tf.constant([1., 2.]))
    msg = str(info.value)
    assert "cannot match the eager run of f with its compiled function: step #0 is " \
           f"{lineno(f, 'x = x + 1.')}: lamina.add eagerly, lamina.multiply at " \
           f"{lineno(f, 'return x * 2.')} in the trace" in msg


def test_a_construct_whose_trace_differs_from_the_eager_run():
    @tf.function
    def f(x):
        for i in tf.range(2):
            x = x * (2. if tf.executing_eagerly() else 3.)   # the same ops, other values
        return x

    msg = mismatch(f, tf.constant([1., 2.]))
    assert msg.startswith(f"{lineno(f, 'for i in')}: in f, op #1 (result #0, 'x')")
    assert msg.endswith("inside it, no op differs between its compiled code and the eager "
                        "kernels run on the IR region by region: the construct's own "
                        "compilation differs, or its trace from what the Python code does "
                        "eagerly")
