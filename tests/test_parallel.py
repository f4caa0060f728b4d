"""Both cores: the runtime's __lamina_parallel_for splits [begin, end) into contiguous parts
that cover it exactly, one per thread, only where the work pays for the threads; compiled
functions whose loops go through it compute what the eager reference computes, on sizes above
and below the threshold, dynamic dimensions and non-contiguous arguments."""

from __future__ import annotations

import ctypes
import threading

import numpy as np
import pytest

import lamina as tf
from lamina import ir
from lamina.lowering.parallel_outline import cost_of
from lamina.runtime import parallel

BODY = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)
PARALLEL_FOR = ctypes.CFUNCTYPE(None, BODY, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                                ctypes.c_int64)


def run_parallel_for(begin, end, cost):
    """The (lo, hi, thread) of each call the runtime makes of its body."""
    calls = []
    lock = threading.Lock()

    def body(ctx, lo, hi):
        with lock:
            calls.append((lo, hi, threading.get_ident()))
    fn = BODY(body)
    address = parallel.NATIVE.load().address(parallel.SYMBOL)
    PARALLEL_FOR(address)(fn, None, begin, end, cost)
    return sorted(calls)


@pytest.mark.parametrize("begin,end,cost", [
    (0, 0, 10**6), (0, 1, 10**6), (5, 6, 1), (0, 100, 1), (3, 1000, 10**4), (0, 7, 10**6),
    (-50, 10**6, 1), (0, 10**9, 10**9)])
def test_parts_cover_the_range_exactly(begin, end, cost):
    calls = run_parallel_for(begin, end, cost)
    n = end - begin
    if n <= 0:
        assert len(calls) <= 1 and all(lo == hi or lo >= hi for lo, hi, _ in calls)
        return
    assert calls[0][0] == begin and calls[-1][1] == end
    for (_, hi, _), (lo, _, _) in zip(calls, calls[1:]):
        assert hi == lo
    assert all(lo < hi for lo, hi, _ in calls)
    per_thread = max(1, parallel.MIN_WORK // max(cost, 1))
    expected = max(1, min(parallel.threads(), n, n // per_thread))
    assert len(calls) == expected
    assert len({t for _, _, t in calls}) == expected  # each part on a thread of its own
    assert calls[0][2] == threading.get_ident() or expected > 1


def test_cost_multiplies_nested_trip_counts():
    m = ir.parse("""
func.func @f(%x: memref<8x100xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  scf.for %i = %c0 to %c100 step %c1 {
    %v = memref.load %x[%c0, %i] : memref<8x100xf32>
    memref.store %v, %x[%c1, %i] : memref<8x100xf32>
  }
  scf.for %j = %c0 to %n step %c1 {
    %v = memref.load %x[%c0, %c0] : memref<8x100xf32>
  }
  return
}""")
    fn = m.regions[0].blocks[0].first
    body = list(fn.regions[0].blocks[0])
    loops = [o for o in body if o.name == "scf.for"]
    # 100 iterations of load, store and yield; a dynamic loop counts 64 iterations
    assert cost_of([loops[0]]) == 1 + 100 * 3
    assert cost_of([loops[1]]) == 1 + 64 * 2


def eager(fn, *args):
    tf.config.run_functions_eagerly(True)
    try:
        return fn(*[tf.constant(a) for a in args]).numpy()
    finally:
        tf.config.run_functions_eagerly(False)


def test_elementwise_split_across_cores():
    def body(a, b):
        return tf.nn.relu(a * b + 1.0) - a
    spec = tf.TensorSpec([None], tf.float32)
    f = tf.function(body, input_signature=[spec, spec])
    assert parallel.SYMBOL in f.get_concrete_function().ir("llvm")
    rng = np.random.default_rng(0)
    for n in (0, 1, 17, 1 << 20, (1 << 20) + 13):
        a, b = (rng.standard_normal(n).astype(np.float32) for _ in range(2))
        np.testing.assert_array_equal(f(a, b).numpy(), eager(body, a, b))
    big = rng.standard_normal(1 << 21).astype(np.float32)
    np.testing.assert_array_equal(f(big[::2], big[1::2]).numpy(),
                                  eager(body, big[::2], big[1::2]))


def test_rows_split_across_cores():
    def body(x, y):
        return tf.reduce_sum(x * y, axis=1), tf.exp(x) + y
    spec = tf.TensorSpec([None, None], tf.float32)
    f = tf.function(body, input_signature=[spec, spec])
    rng = np.random.default_rng(1)
    for shape in ((0, 4), (3, 1), (4099, 37), (1000, 300)):
        x, y = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
        got = f(x, y)
        tf.config.run_functions_eagerly(True)
        try:
            want = body(tf.constant(x), tf.constant(y))
        finally:
            tf.config.run_functions_eagerly(False)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=2e-5, atol=2e-5)
