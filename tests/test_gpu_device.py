"""GPU runs (skipped, with the reason, on machines without a usable GPU): compiled functions
on the device give the CPU's results within tolerance; device memory and copies behave."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as tf
from lamina.runtime import cuda

pytestmark = pytest.mark.skipif(not cuda.devices(),
                                reason=f"no usable GPU: {cuda.unavailable_reason()}")


def _gpu_function(f, *args):
    from lamina.runtime.cuda_launch import GPUFunction
    cf = f.get_concrete_function(*args)
    return cf, GPUFunction(cf.ir("lamina"), cf.name, cuda.device(0))


def _compare(f, *arrays, rtol=1e-4, atol=1e-5):
    tensors = [tf.constant(a) for a in arrays]
    cf, g = _gpu_function(f, *tensors)
    want = cf(*tensors)
    want = [w.numpy() for w in (want if isinstance(want, (list, tuple)) else [want])]
    got = g(*arrays)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


RNG = np.random.default_rng(0)


def test_elementwise_and_math():
    @tf.function
    def f(x, y):
        return (x * y + 1.0, tf.exp(x), tf.math.log(tf.abs(y) + 1.0), tf.tanh(x),
                tf.sigmoid(y), tf.maximum(x, y), tf.where(x > y, x, y))
    _compare(f, RNG.standard_normal((33, 70)).astype(np.float32),
             RNG.standard_normal((33, 70)).astype(np.float32))


@pytest.mark.parametrize("shape", [(1,), (1000,), (3, 257), (70000,)])
def test_reductions(shape):
    @tf.function
    def f(x):
        return (tf.reduce_sum(x), tf.reduce_max(x), tf.reduce_mean(x, axis=-1),
                tf.argmax(tf.reshape(x, [-1])))
    _compare(f, RNG.standard_normal(shape).astype(np.float32), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("n,k,m", [(1, 1, 1), (17, 33, 9), (128, 300, 64)])
def test_matmul(n, k, m):
    @tf.function
    def f(a, b):
        return tf.matmul(a, b)
    _compare(f, RNG.standard_normal((n, k)).astype(np.float32),
             RNG.standard_normal((k, m)).astype(np.float32), rtol=1e-3, atol=1e-3)


def test_nn_layers():
    @tf.function
    def f(img, k, w):
        c = tf.nn.relu(tf.nn.conv2d(img, k, strides=1, padding="SAME"))
        p = tf.nn.max_pool2d(c, 2, 2, "VALID")
        return tf.nn.softmax(tf.matmul(tf.reshape(p, [2, -1]), w))
    _compare(f, RNG.standard_normal((2, 8, 8, 3)).astype(np.float32),
             RNG.standard_normal((3, 3, 3, 4)).astype(np.float32),
             RNG.standard_normal((64, 10)).astype(np.float32), rtol=1e-3, atol=1e-4)


def test_float64_and_int():
    @tf.function
    def f(x, i):
        return tf.reduce_sum(tf.exp(x), axis=0), i * 3 + 1
    _compare(f, RNG.standard_normal((50, 4)), np.arange(12, dtype=np.int32).reshape(3, 4))


def test_data_stays_on_device():
    from lamina.runtime.cuda_launch import to_device

    @tf.function
    def f(x):
        return tf.reduce_sum(tf.exp(x) * 2.0, axis=1)
    x = RNG.standard_normal((64, 64)).astype(np.float32)
    _, g = _gpu_function(f, tf.constant(x))
    dev = cuda.device(0)
    dx = to_device(dev, x)
    before = dict(cuda.COPIES)
    out = g.run(dx)
    dev.synchronize()
    assert cuda.COPIES["host_to_device"] == before["host_to_device"]
    assert cuda.COPIES["device_to_host"] == before["device_to_host"]
    np.testing.assert_allclose(out[0].numpy(dev), (np.exp(x) * 2).sum(1), rtol=1e-4)


def test_device_listed():
    assert tf.config.list_physical_devices("GPU")
    assert tf.test.is_gpu_available()
