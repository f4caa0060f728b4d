"""structured-vectorize: elementwise and reduction loops run 16 lanes at a time with a scalar
remainder; compiled vs eager (numpy reference) on sizes around the vector width and the
4-accumulator step (64), sizes 0 and 1, dynamic dimensions, non-contiguous arguments, every
element type the vector path takes (and one it leaves to the scalar loops)."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as tf
from lamina.lowering.structured_vectorize import ACCUMULATORS, LANES

WIDTHS = (0, 1, LANES - 1, LANES, LANES + 1, LANES * ACCUMULATORS - 1,
          LANES * ACCUMULATORS, LANES * ACCUMULATORS + LANES + 3, 300)


def eager(fn, *args):
    tf.config.run_functions_eagerly(True)
    try:
        return np.asarray(fn(*[tf.constant(a) for a in args]).numpy())
    finally:
        tf.config.run_functions_eagerly(False)


def loops(f, *args):
    return f.get_concrete_function(*args).ir("loops")


def test_elementwise_is_vectorized_with_a_remainder():
    def body(x, y):
        return tf.tanh(x) * y + tf.sqrt(tf.abs(y))
    spec = tf.TensorSpec([None, None], tf.float32)
    f = tf.function(body, input_signature=[spec, spec])
    text = loops(f)
    assert "vector.load" in text and "vector<16xf32>" in text and "vector.store" in text
    rng = np.random.default_rng(0)
    for n in WIDTHS:
        for m in (1, 3):
            x, y = (rng.standard_normal((m, n)).astype(np.float32) for _ in range(2))
            np.testing.assert_allclose(f(x, y).numpy(), eager(body, x, y), rtol=2e-6,
                                       atol=1e-6)
    x = rng.standard_normal((8, 70)).astype(np.float32)
    y = rng.standard_normal((70, 8)).astype(np.float32).T  # transposed: strided rows
    np.testing.assert_allclose(f(x[::2, 1:], y[::2, 1:]).numpy(),
                               eager(body, x[::2, 1:], y[::2, 1:]), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.int8, np.int64])
def test_elementwise_types(dtype):
    def body(x, y):
        return tf.maximum(x * y, y - x) + x
    f = tf.function(body)
    rng = np.random.default_rng(1)
    x, y = ((rng.standard_normal((3, 37)) * 20).astype(dtype) for _ in range(2))
    assert "vector.load" in loops(f, x, y)
    np.testing.assert_array_equal(f(x, y).numpy(), eager(body, x, y))


def test_broadcast_scalar_and_row():
    def body(x, row):
        return x * row + 2.5
    f = tf.function(body, input_signature=[tf.TensorSpec([None, None], tf.float32),
                                           tf.TensorSpec([None], tf.float32)])
    rng = np.random.default_rng(2)
    for n in (1, 17, 64, 65):
        x = rng.standard_normal((4, n)).astype(np.float32)
        row = rng.standard_normal(n).astype(np.float32)
        np.testing.assert_allclose(f(x, row).numpy(), eager(body, x, row), rtol=1e-6)


def test_column_broadcast_reads_a_scalar_per_row():
    def body(x, col):
        return x - col
    f = tf.function(body)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 33)).astype(np.float32)
    col = rng.standard_normal((5, 1)).astype(np.float32)
    assert "vector.broadcast" in loops(f, x, col)
    np.testing.assert_array_equal(f(x, col).numpy(), eager(body, x, col))


@pytest.mark.parametrize("name", ["sum", "max", "min", "prod", "mean"])
def test_row_reductions(name):
    reduce = getattr(tf, "reduce_" + name)

    def body(x):
        return reduce(x, axis=-1)
    f = tf.function(body, input_signature=[tf.TensorSpec([None, None], tf.float32)])
    if name != "mean":
        assert "vector.reduction" in loops(f)
    rng = np.random.default_rng(4)
    for n in WIDTHS:
        if n == 0 and name in ("max", "min"):
            continue  # no identity to return: an error in both
        x = (rng.standard_normal((3, n)) * (0.2 if name == "prod" else 1)).astype(np.float32)
        if name == "prod":
            x += 1
        np.testing.assert_allclose(f(x).numpy(), eager(body, x), rtol=2e-5, atol=1e-5)


def test_column_reduction_and_full_reduction():
    def body(x):
        return tf.reduce_sum(x, axis=0), tf.reduce_max(x)
    f = tf.function(body, input_signature=[tf.TensorSpec([None, None], tf.float32)])
    rng = np.random.default_rng(5)
    for shape in ((1, 1), (7, 3), (5, 16), (3, 100), (64, 65), (3, 2100), (2, 4200)):
        x = rng.standard_normal(shape).astype(np.float32)
        got = f(x)
        tf.config.run_functions_eagerly(True)
        try:
            want = body(tf.constant(x))
        finally:
            tf.config.run_functions_eagerly(False)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=2e-5, atol=1e-5)


def test_max_propagates_nan_in_every_lane_position():
    f = tf.function(lambda x: tf.reduce_max(x, axis=1))
    x = np.zeros((1, 100), np.float32)
    for k in (0, 15, 16, 63, 64, 70, 99):
        x[:] = np.arange(100, dtype=np.float32)
        x[0, k] = np.nan
        assert np.isnan(f(x).numpy()[0]), k


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.int8])
def test_integer_reductions(dtype):
    def body(x):
        return tf.reduce_max(x, axis=1), tf.reduce_min(x, axis=1), tf.reduce_sum(x, axis=1)
    f = tf.function(body)
    rng = np.random.default_rng(6)
    lo, hi = (0, 256) if dtype == np.uint8 else (-100, 100)
    x = rng.integers(lo, hi, (4, 83)).astype(dtype)
    got = f(x)
    tf.config.run_functions_eagerly(True)
    try:
        want = body(tf.constant(x))
    finally:
        tf.config.run_functions_eagerly(False)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_bool_ops_take_the_scalar_path():
    def body(a, b):
        return tf.logical_and(a, tf.logical_not(b))
    f = tf.function(body)
    rng = np.random.default_rng(7)
    a, b = (rng.random(37) < 0.5 for _ in range(2))
    assert "vector.load" not in loops(f, a, b)
    np.testing.assert_array_equal(f(a, b).numpy(), eager(body, a, b))
