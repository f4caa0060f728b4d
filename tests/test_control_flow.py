"""`lamina.cond` and `lamina.while_loop`: Python eagerly, `lamina.cond` / `lamina.while` when
traced; compiled results against eager ones, nested structures, shapes that become dynamic,
Variables in regions, captures, and the errors (each naming the user's line)."""

from __future__ import annotations

import collections
import inspect

import numpy as np
import pytest

import lamina as tf


def lineno(f, text):
    """The line of `f`'s source that contains `text`."""
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if text in line)


def check(fn, *args, signature=None):
    """fn staged (through autograph=False: only tf.cond/tf.while_loop stage) agrees with fn
    run eagerly; returns the concrete function's IR."""
    staged = tf.function(fn, input_signature=signature, autograph=False)
    got = staged(*args)
    want = fn(*args)
    assert len(_leaves(got)) == len(_leaves(want))
    for g, w in zip(_leaves(got), _leaves(want)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6)
        if isinstance(w, tf.Tensor):
            assert g.dtype == w.dtype
    return staged


def _leaves(x):
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in _leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for y in x for v in _leaves(y)]
    return [x]


# -- cond -----------------------------------------------------------------------------------------

def piecewise(x, t):
    return tf.cond(t > 0, lambda: {"a": x * 2.0, "b": (t, x)},
                   lambda: {"a": x - 1.0, "b": (t * 3, x + 1.0)})


@pytest.mark.parametrize("t", [2, -1, 0])
def test_cond_nested_structures(t):
    x = tf.constant([1.5, -2.0, 3.0])
    f = check(piecewise, x, tf.constant(t))
    ir = f.get_concrete_function(x, tf.constant(t)).ir()
    assert "lamina.cond" in ir and "lamina.yield" in ir
    assert f.experimental_get_tracing_count() == 1


def test_cond_eager_is_python():
    calls = []
    r = tf.cond(tf.constant(False), lambda: calls.append("t"), lambda: calls.append("f") or 5)
    assert calls == ["f"] and r == 5
    with pytest.raises(TypeError, match="true_fn must be callable"):
        tf.cond(True, 1, lambda: 2)


def test_cond_branches_of_different_shapes_give_dynamic_dims():
    def f(x, t):
        return tf.cond(t, lambda: x, lambda: tf.concat([x, x], 0))
    for t in (True, False):
        check(f, tf.constant([1., 2.]), tf.constant(t))
    ir = tf.function(f, autograph=False).get_concrete_function(
        tf.constant([1., 2.]), tf.constant(True)).ir()
    assert "-> (tensor<?xf32>)" in ir


def test_cond_python_numbers_take_the_other_branch_dtype():
    def f(x):
        return tf.cond(x > 0, lambda: x, lambda: 0)
    for v in (2.5, -1.0):
        check(f, tf.constant(v))


def test_cond_errors_name_the_line():
    def dtypes(x):
        return tf.cond(x > 0, lambda: x, lambda: tf.cast(x, tf.int32))

    def structure(x):
        return tf.cond(x > 0, lambda: (x, x), lambda: x)

    def leak(x):
        inside = []

        def branch():
            inside.append(x * 2.0)
            return x
        y = tf.cond(x > 0, branch, lambda: x)
        return y + inside[0]

    for fn, text, what in ((dtypes, "tf.cond", "a float32 () tensor in one branch and an int32 () tensor"),
                           (structure, "tf.cond", "same number, type, and overall structure"),
                           (leak, "return y + inside", "computed inside a branch")):
        with pytest.raises((TypeError, ValueError)) as e:
            tf.function(fn, autograph=False)(tf.constant(1.0))
        msg = str(e.value)
        assert msg.startswith(f"{__file__}:{lineno(fn, text)}: "), msg
        assert what in msg


def test_variables_in_branches_stay_in_program_order():
    v = tf.Variable(1.0)

    def f(x):
        v.assign(v * 2.0)
        y = tf.cond(x > 0, lambda: v.assign_add(x).read_value() * 10.0,
                    lambda: v.read_value())
        v.assign_sub(1.0)
        return y + v
    staged = tf.function(f, autograph=False)
    for x in (3.0, -1.0, 0.5):
        v.assign(1.5)
        got = staged(tf.constant(x)).numpy()
        after = v.numpy()
        v.assign(1.5)
        want = f(tf.constant(x)).numpy()
        assert got == want and after == v.numpy()


def test_captures_inside_branches_go_to_the_entry_block():
    small = tf.constant([1., 2.])
    big = tf.constant(np.arange(100, dtype=np.float32))

    def f(x):
        return tf.cond(x > 0, lambda: small * x + tf.reduce_sum(big),
                       lambda: small - tf.reduce_sum(big))
    staged = check(f, tf.constant(2.0))
    check(f, tf.constant(-2.0))
    cf = staged.get_concrete_function(tf.constant(2.0))
    assert len(cf.captured_inputs) == 1  # the big one, as an argument
    entry = cf.ir().split("lamina.cond")[0]
    assert "dense<[1.000000e+00, 2.000000e+00]>" in entry


# -- while_loop -----------------------------------------------------------------------------------

def collatz(n):
    def cond(n, steps):
        return n > 1

    def body(n, steps):
        return tf.where(n % 2 == 0, n // 2, 3 * n + 1), steps + 1
    return tf.while_loop(cond, body, (n, tf.constant(0)))


@pytest.mark.parametrize("n", [1, 6, 27])
def test_while_loop(n):
    f = check(collatz, tf.constant(n))
    assert f.experimental_get_tracing_count() == 1
    assert "lamina.while" in f.get_concrete_function(tf.constant(n)).ir()


Pair = collections.namedtuple("Pair", "x count")


def test_while_loop_single_value_namedtuple_and_maximum_iterations():
    def single(x):
        return tf.while_loop(lambda x: tf.reduce_sum(x) < 100.0, lambda x: x * 2.0, x)

    def pair(x):
        return tf.while_loop(lambda p: p.count < 10, lambda p: Pair(p.x + 1.0, p.count + 1),
                             [Pair(x, tf.constant(0))], maximum_iterations=4)

    check(single, tf.constant([1., 2.]))
    r = check(pair, tf.constant([1., 2.]))(tf.constant([1., 2.]))
    assert isinstance(r, list) and isinstance(r[0], Pair) and int(r[0].count) == 4


def test_while_loop_shape_changes_become_dynamic():
    def double(x, n):
        return tf.while_loop(lambda x: tf.shape(x)[0] < n, lambda x: tf.concat([x, x], 0), x)
    for n in (1, 5, 9):
        check(double, tf.constant([1., 2., 3.]), tf.constant(n))
    ir = tf.function(double, autograph=False).get_concrete_function(
        tf.constant([1., 2., 3.]), tf.constant(1)).ir()
    assert "(tensor<3xf32>) -> tensor<?xf32>" in ir


def test_while_loop_dynamic_input_and_variable_in_body():
    v = tf.Variable(0.0)

    def f(x):
        def body(i, acc):
            v.assign_add(x[i])
            return i + 1, acc + v.read_value()
        return tf.while_loop(lambda i, acc: i < tf.shape(x)[0], body,
                             (tf.constant(0), tf.constant(0.0)))
    staged = tf.function(f, input_signature=[tf.TensorSpec([None])], autograph=False)
    for n in (0, 1, 4):
        x = tf.constant(np.arange(n, dtype=np.float32) + 0.5)
        v.assign(1.0)
        got = staged(x)
        got_v = v.numpy()
        v.assign(1.0)
        want = f(x)
        assert [int(got[0]), float(got[1])] == [int(want[0]), float(want[1])]
        assert got_v == v.numpy()
    assert staged.experimental_get_tracing_count() == 1


def test_while_loop_keeps_dtypes():
    def f(n):
        return tf.while_loop(lambda i: i < n, lambda i: tf.cast(i, tf.float32) + 1.0,
                             [tf.constant(0)])
    with pytest.raises(TypeError) as e:
        tf.function(f, autograph=False)(tf.constant(3))
    msg = str(e.value)
    assert msg.startswith(f"{__file__}:{lineno(f, 'tf.while_loop')}: ")
    assert "'loop_vars[0]' has dtype int32 before the loop, but dtype float32" in msg


def test_nested_cond_in_while_and_shadow_compare():
    def f(x):
        def body(i, acc):
            acc = tf.cond(x[i] > 0, lambda: acc + x[i], lambda: acc * 0.5)
            return i + 1, acc
        return tf.while_loop(lambda i, acc: i < 4, body, (tf.constant(0), tf.constant(1.0)))
    x = tf.constant([1., -2., 3., -4.])
    check(f, x)
    tf.config.run_functions_eagerly("compare")
    try:
        r = tf.function(f, autograph=False)(x)
    finally:
        tf.config.run_functions_eagerly(False)
    assert float(r[1]) == float(f(x)[1])
