"""Both cores: the runtime's __lamina_parallel_for splits [begin, end) into chunks that cover it
exactly, run by the caller and a persistent pool of workers, only where the work pays for a
second thread; one loop at a time (a nested or concurrent one runs whole on its thread); the
pool starts afresh in a forked child. Compiled functions whose loops go through it compute
what the eager reference computes, on sizes above and below the threshold, dynamic dimensions,
non-contiguous arguments, and from several Python threads at once."""

from __future__ import annotations

import ctypes
import os
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


def expected_chunk(n, cost):
    """The chunk length the runtime's docstring promises, or None where the loop runs whole
    on the calling thread."""
    cost = max(cost, 1)
    parts = max(1, min(parallel.threads(), n, n // max(1, parallel.MIN_WORK // cost)))
    if parts <= 1:
        return None
    return max(1, parallel.CHUNK_WORK // cost, -(-n // (parallel.CHUNKS * parts)),
               -(-n // parallel.MAX_CHUNKS))


@pytest.mark.parametrize("begin,end,cost", [
    (0, 0, 10**6), (0, 1, 10**6), (5, 6, 1), (0, 100, 1), (3, 1000, 10**4), (0, 7, 10**6),
    (-50, 10**6, 1), (0, 10**9, 10**9), (0, 10**6, 1 << 20), (1, 4, 1 << 24)])
def test_chunks_cover_the_range_exactly(begin, end, cost):
    calls = run_parallel_for(begin, end, cost)
    n = end - begin
    chunk = expected_chunk(n, cost)
    if chunk is None:  # not worth a second thread: one call on the caller's
        assert [(lo, hi) for lo, hi, _ in calls] == [(begin, end)]
        assert calls[0][2] == threading.get_ident()
        return
    assert calls[0][0] == begin and calls[-1][1] == end
    for (_, hi, _), (lo, _, _) in zip(calls, calls[1:]):
        assert hi == lo
    assert [hi - lo for lo, hi, _ in calls[:-1]] == [chunk] * (len(calls) - 1)
    assert 0 < calls[-1][1] - calls[-1][0] <= chunk
    assert len({t for _, _, t in calls}) <= parallel.threads()


def test_a_parallel_loop_inside_a_chunk_runs_on_its_thread():
    """The pool runs one loop at a time: a loop inside a chunk (or on another thread while
    the pool is busy) is not split, and still runs whole."""
    outer, inner = [], []
    lock = threading.Lock()
    address = parallel.NATIVE.load().address(parallel.SYMBOL)

    def inner_body(ctx, lo, hi):
        with lock:
            inner.append((lo, hi, threading.get_ident()))
    inner_fn = BODY(inner_body)

    def outer_body(ctx, lo, hi):
        with lock:
            outer.append((lo, hi, threading.get_ident()))
        PARALLEL_FOR(address)(inner_fn, None, 100 * lo, 100 * hi, 1 << 20)
    outer_fn = BODY(outer_body)
    PARALLEL_FOR(address)(outer_fn, None, 0, 8, 1 << 24)
    assert sorted((lo, hi) for lo, hi, _ in outer) == [(k, k + 1) for k in range(8)]
    # each outer chunk's inner loop: one call of its whole range, on the same thread
    by_range = {(lo, hi): t for lo, hi, t in inner}
    assert len(inner) == len(outer)
    for lo, hi, t in outer:
        assert by_range[(100 * lo, 100 * hi)] == t


def test_the_workers_persist():
    """Workers are started once: repeated loops add no threads."""
    run_parallel_for(0, 64, 1 << 24)
    before = len(os.listdir("/proc/self/task"))
    assert before >= parallel.threads()  # the caller and its workers
    for _ in range(20):
        run_parallel_for(0, 64, 1 << 24)
    assert len(os.listdir("/proc/self/task")) == before


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


def test_calls_from_several_threads_at_once():
    """Python threads calling compiled functions concurrently (calls release the GIL): one
    gets the pool, the others run their loops on their own threads; every result is right."""
    mm = tf.function(lambda a, b: tf.matmul(a, b))
    ew = tf.function(lambda a, b: tf.nn.relu(a * b + 1.0) - a)
    rng = np.random.default_rng(2)
    cases = [(rng.standard_normal((97, 300)).astype(np.float32),
              rng.standard_normal((300, 250)).astype(np.float32),
              rng.standard_normal(1 << 19).astype(np.float32),
              rng.standard_normal(1 << 19).astype(np.float32)) for _ in range(4)]
    mm(*cases[0][:2]), ew(*cases[0][2:])  # compiled before the threads race
    errors = []

    def work(a, b, x, y):
        try:
            for _ in range(5):
                np.testing.assert_allclose(mm(a, b).numpy(), a @ b, rtol=1e-4, atol=1e-3)
                np.testing.assert_array_equal(ew(x, y).numpy(),
                                              np.maximum(x * y + np.float32(1), 0) - x)
        except Exception as e:  # noqa: BLE001  (reported by the main thread)
            errors.append(e)
    ts = [threading.Thread(target=work, args=c) for c in cases]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors[0]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_gets_a_pool_of_its_own():
    run_parallel_for(0, 64, 1 << 24)  # the parent's pool is running
    mm = tf.function(lambda a, b: tf.matmul(a, b))
    rng = np.random.default_rng(3)
    a = rng.standard_normal((200, 300)).astype(np.float32)
    b = rng.standard_normal((300, 64)).astype(np.float32)
    want = mm(a, b).numpy()
    pid = os.fork()
    if pid == 0:  # the child: only os._exit leaves it, with 0 for success
        code = 1
        try:
            calls = run_parallel_for(0, 64, 1 << 24)
            chunk = expected_chunk(64, 1 << 24)
            ok = [(lo, hi) for lo, hi, _ in calls] == [(k, k + chunk) for k in range(0, 64, chunk)]
            ok = ok and np.array_equal(mm(a, b).numpy(), want)
            # its own workers, started on its first split loop
            ok = ok and len(os.listdir("/proc/self/task")) == parallel.threads()
            code = 0 if ok else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
