"""structured-fuse: chains of elementwise ops, broadcasts and elementwise producers of a
reduction become one structured.generic (checked on the IR), and the fused code computes what
the eager (numpy) reference computes: compiled vs eager on shapes with vector remainders,
sizes 0 and 1, broadcasting, dynamic dimensions and non-contiguous arguments."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as tf
from lamina.lowering.structured_fuse import compose, inverse_permutation
from lamina.ir.affine import AffineConst, AffineDim, AffineMap

SIZES = (0, 1, 15, 16, 17, 63, 64, 65, 200)


def generics(body, *args):
    """structured.generic ops of `body` traced on `args` (static shapes: a dynamic dimension
    that may be 1 and broadcast is expanded at run time by a copy of its own, which no
    elementwise fusion crosses)."""
    return tf.function(body).get_concrete_function(*args).ir("structured").count(
        "structured.generic")


class _eager:
    def __enter__(self):
        tf.config.run_functions_eagerly(True)

    def __exit__(self, *exc):
        tf.config.run_functions_eagerly(False)


def eager(fn, *args):
    """`fn` run op by op (each op's numpy reference kernel)."""
    with _eager():
        return fn(*[tf.constant(a) for a in args]).numpy()


def test_maps_compose_and_invert():
    m = AffineMap(2, 0, [AffineDim(1), AffineDim(0)])
    assert inverse_permutation(m) == m
    assert inverse_permutation(AffineMap(2, 0, [AffineDim(0), AffineConst(0)])) is None
    assert inverse_permutation(AffineMap(2, 0, [AffineDim(0)])) is None
    bcast = AffineMap(2, 0, [AffineDim(1)])
    assert compose(bcast, m) == AffineMap(2, 0, [AffineDim(0)])
    assert compose(m, m).is_identity
    # a 3-cycle is not its own inverse: the swap above would pass an identity function
    c3 = AffineMap(3, 0, [AffineDim(1), AffineDim(2), AffineDim(0)])
    assert inverse_permutation(c3) == AffineMap(3, 0, [AffineDim(2), AffineDim(0), AffineDim(1)])
    assert compose(c3, inverse_permutation(c3)).is_identity and not compose(c3, c3).is_identity


def test_chain_is_one_loop_nest_and_matches_eager():
    def body(a, b, c):
        return tf.nn.relu(a * b + c) * 0.5 - a
    spec = tf.TensorSpec([None], tf.float32)
    f = tf.function(body, input_signature=[spec] * 3)
    assert generics(body, *[np.zeros(37, np.float32)] * 3) == 1
    rng = np.random.default_rng(0)
    for n in SIZES:
        a, b, c = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
        np.testing.assert_allclose(f(a, b, c).numpy(), eager(body, a, b, c), rtol=1e-6)
    # non-contiguous arguments: a strided view and a reversed one
    big = rng.standard_normal(400).astype(np.float32)
    a, b, c = big[::2], big[::-2], big[1::2]
    np.testing.assert_allclose(f(a, b, c).numpy(), eager(body, a, b, c), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_chain_other_types(dtype):
    def body(a, b):
        return tf.maximum(a * b - a, b) + b * 3
    f = tf.function(body)
    rng = np.random.default_rng(1)
    a = (rng.standard_normal((5, 37)) * 10).astype(dtype)
    b = (rng.standard_normal((5, 37)) * 10).astype(dtype)
    assert generics(body, a, b) == 1
    np.testing.assert_allclose(f(a, b).numpy(), eager(body, a, b), rtol=1e-12)


def test_broadcasts_fold_into_indexing():
    def body(x, row, col):
        return tf.exp(x * row) + col
    f = tf.function(body, input_signature=[tf.TensorSpec([None, None], tf.float32),
                                           tf.TensorSpec([None], tf.float32),
                                           tf.TensorSpec([None, 1], tf.float32)])
    assert generics(body, np.zeros((3, 17), np.float32), np.zeros(17, np.float32),
                    np.zeros((3, 1), np.float32)) == 1
    rng = np.random.default_rng(2)
    for m, n in ((0, 3), (1, 1), (3, 17), (4, 33), (1, 40)):
        x = rng.standard_normal((m, n)).astype(np.float32)
        row = rng.standard_normal(n).astype(np.float32)
        col = rng.standard_normal((m, 1)).astype(np.float32)
        np.testing.assert_allclose(f(x, row, col).numpy(), eager(body, x, row, col),
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduce,axis", [(tf.reduce_sum, 1), (tf.reduce_sum, 0),
                                         (tf.reduce_max, -1), (tf.reduce_mean, None)])
def test_producers_fuse_into_reductions(reduce, axis):
    def body(x, y):
        return reduce(tf.exp(x) * y - 1.0, axis=axis)
    spec = tf.TensorSpec([None, None], tf.float32)
    f = tf.function(body, input_signature=[spec, spec])
    text = tf.function(body).get_concrete_function(
        *[np.zeros((6, 70), np.float32)] * 2).ir("structured")
    assert "math.exp" in text
    # the elementwise part lives in the reduction's body: only the init fill (and the mean's
    # division) remain besides it
    reduction_ops = [g for g in text.split("structured.generic")[1:] if '"reduction"' in g]
    assert len(reduction_ops) == 1 and "math.exp" in reduction_ops[0]
    rng = np.random.default_rng(3)
    for shape in ((0, 5), (1, 1), (3, 17), (5, 64), (2, 130), (7, 3)):
        if reduce is tf.reduce_max and 0 in shape and axis in (-1, None):
            continue  # max over nothing is an error, in both
        x = rng.standard_normal(shape).astype(np.float32)
        y = rng.standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(f(x, y).numpy(), eager(body, x, y), rtol=2e-5, atol=2e-5)


def test_shared_producer_stays_correct():
    def body(a, b):
        t = tf.exp(a) * b + a
        return t + 1.0, t * t
    f = tf.function(body)
    rng = np.random.default_rng(4)
    a, b = (rng.standard_normal(37).astype(np.float32) for _ in range(2))
    got = f(a, b)
    with _eager():
        want = body(tf.constant(a), tf.constant(b))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-5, atol=1e-6)


def test_matmul_operand_is_not_recomputed():
    """Folding relu into the matmul's operand would run it once per output column: the
    producer stays a loop nest of its own."""
    def body(x, w):
        return tf.matmul(tf.nn.relu(x), w)
    f = tf.function(body)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 8)).astype(np.float32)
    w = rng.standard_normal((8, 3)).astype(np.float32)
    text = f.get_concrete_function(x, w).ir("structured")
    relu = [g for g in text.split("structured.generic")[1:] if "arith.maximumf" in g]
    assert relu and '"reduction"' not in relu[0]
    np.testing.assert_allclose(f(x, w).numpy(), eager(body, x, w), rtol=1e-5)


def test_transposed_and_index_producers():
    """A transpose (a permuted input map) folds into its consumer; so does a range (a body
    reading its loop index, re-expressed in the consumer's loops)."""
    def body(x, y, z):
        return tf.transpose(x) * y, z * tf.cast(tf.range(37), tf.float32)
    f = tf.function(body)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((37, 5)).astype(np.float32)
    y = rng.standard_normal((5, 37)).astype(np.float32)
    z = rng.standard_normal(37).astype(np.float32)
    text = f.get_concrete_function(x, y, z).ir("structured")
    gs = text.split("structured.generic")[1:]
    assert len(gs) == 2 and "structured.index 0" in gs[1]
    got = f(x, y, z)
    tf.config.run_functions_eagerly(True)
    try:
        want = body(*(tf.constant(v) for v in (x, y, z)))
    finally:
        tf.config.run_functions_eagerly(False)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
