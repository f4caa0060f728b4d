"""Eager GPU execution without a GPU: the GPU executor runs ops through their launch plans
on a recording stand-in device (test_gpu_launch.RecordingDevice). What it checks: results
are device tensors of the right shape and dtype, chained ops never copy data to or from the
host, each op compiles once per signature, ops with no GPU lowering fall back to the CPU,
and `device("gpu:0")` without a GPU leaves execution on the CPU."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as tf
from lamina.frontend.context import ctx, executor_scope
from lamina.frontend.gpu_eager import GPUExecutor, GPUTensor

from test_gpu_launch import RecordingDevice


@pytest.fixture
def gpu():
    ex = GPUExecutor(RecordingDevice(80))
    with executor_scope(ex):
        yield ex


def test_chained_ops_stay_on_the_device(gpu):
    a = tf.constant(np.ones((4, 3), np.float32))
    b = tf.add(a, a)
    c = tf.reduce_sum(tf.exp(b), axis=1)
    assert isinstance(b, GPUTensor) and isinstance(c, GPUTensor)
    assert c.shape == (4,) and c.dtype == tf.float32
    assert c.device.endswith("device:GPU:0")
    dev = gpu.device
    assert dev.copies["out"] == 0
    assert dev.copies["in"] == 2      # the host constant, once per use; never b or c
    assert len(dev.launches) >= 3


def test_each_op_compiles_once_per_signature(gpu):
    a = tf.constant(np.ones((2, 5), np.float32))
    tf.multiply(a, a)
    n = len(gpu.cache)
    tf.multiply(tf.multiply(a, a), a)
    assert len(gpu.cache) == n
    # elementwise ops are shape-generic: another shape of the same rank reuses the kernel
    b = tf.constant(np.ones((3, 7), np.float32))
    assert tf.multiply(b, b).shape == (3, 7)
    assert len(gpu.cache) == n
    # broadcasting is not: its shapes pick the kernel
    tf.multiply(a, tf.constant(np.ones((1, 5), np.float32)))
    assert len(gpu.cache) == n + 1
    tf.matmul(a, tf.constant(np.ones((5, 2), np.float32)))
    assert len(gpu.cache) == n + 2


def test_host_value_is_copied_out_on_demand(gpu):
    c = tf.square(tf.constant(np.arange(6, dtype=np.float32)))
    assert gpu.device.copies["out"] == 0
    c.numpy()
    c.numpy()
    assert gpu.device.copies["out"] == 1


def test_ops_without_gpu_lowering_fall_back(gpu):
    tf.random.set_seed(1)
    r = tf.random.uniform([3])
    assert isinstance(r, GPUTensor) and r.shape == (3,)


def test_gpu_scope_without_gpu_stays_on_cpu():
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    with tf.device("gpu:0"):
        assert ctx.executor is None
        x = tf.constant([1.0, 2.0]) * 2.0
    assert not isinstance(x, GPUTensor) and x.numpy().tolist() == [2.0, 4.0]


def test_function_runs_where_its_inputs_live(gpu):
    @tf.function
    def f(x, y):
        return tf.matmul(x, y) + 1.0, tf.reduce_max(x)
    x = tf.constant(np.ones((3, 4), np.float32))
    y = tf.constant(np.ones((4, 2), np.float32))
    xd, yd = x * 1.0, y * 1.0  # computed in the GPU scope: device tensors
    assert isinstance(xd, GPUTensor) and isinstance(yd, GPUTensor)
    launches = len(gpu.device.launches)
    out = f(xd, yd)  # inside the GPU scope: staged and compiled all the same
    assert f.experimental_get_tracing_count() == 1
    assert all(isinstance(o, GPUTensor) for o in out)
    assert out[0].shape == (3, 2) and out[1].shape == ()
    assert len(gpu.device.launches) > launches
    assert gpu.device.copies["out"] == 0


def test_gradients_of_broadcasts_run_under_the_gpu_executor(gpu):
    # the gradient sums the broadcast back with lamina.reduce_to_shape, an op only derivative
    # rules emit (not in the public op table); the stand-in device computes nothing, so the
    # values are not checked here (test_gpu_device.py does, on a GPU)
    x = tf.constant(np.ones((3, 1), np.float32))
    y = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    with tf.GradientTape() as t:
        t.watch(x)
        z = tf.reduce_sum(x * y)
    g = t.gradient(z, x)
    assert g.shape == (3, 1) and g.dtype == tf.float32


def test_kernels_are_cached_by_attribute_values(gpu, monkeypatch):
    from lamina.frontend import ops
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    x[1:3]
    n = len(gpu.cache)
    monkeypatch.setattr(ops, "_SLICES", {})  # so that the index is parsed anew
    x[1:3]  # an equal slice spec, another object: the kernel compiled for it serves
    assert len(gpu.cache) == n
