"""The host side of GPU execution without a GPU: a recording stand-in for the CUDA device
(runtime.cuda.Device's interface) runs the launch plans of compiled functions, and every
launch's arguments are checked against the parameters of its kernel in the PTX that
nvJitLink assembled: count and width, in order. Kernels themselves run only on a real GPU
(test_gpu_device.py)."""

from __future__ import annotations

import ctypes
import functools
import re

import numpy as np
import pytest

import lamina as tf
from lamina.ir import IRError
from lamina.runtime.cuda import MemoryPool
from lamina.runtime.cuda_launch import DeviceArray, GPUFunction, to_device


class _Buffer:
    def __init__(self, ptr, nbytes):
        self.ptr, self.nbytes = ptr, nbytes

    def release(self):
        pass


class _Pool:
    def __init__(self):
        self.next = 1 << 32
        self.allocations = []

    def allocate(self, nbytes):
        b = _Buffer(self.next, nbytes)
        self.next += MemoryPool.size_class(nbytes)
        self.allocations.append(b)
        return b


class RecordingDevice:
    """Records what the plan asks of the GPU; computes nothing."""

    def __init__(self, sm):
        self.sm = sm
        self.pool = _Pool()
        self.launches = []
        self.images = {}
        self.copies = {"in": 0, "out": 0, "device": 0}

    def to_device(self, array):
        self.copies["in"] += 1
        return self.pool.allocate(array.nbytes)

    def to_host(self, buf, shape, dtype):
        self.copies["out"] += 1
        return np.zeros(shape, dtype)

    def copy(self, dst, src, nbytes):
        self.copies["device"] += 1

    def read_status(self, module):
        return None  # (checks are not run here)

    def load(self, key, image):
        self.images[key[1]] = image
        return key[1]

    def function(self, module, name):
        return module, name

    def launch(self, function, grid, block, args):
        self.launches.append((function, list(grid), list(block), list(args)))


_WIDTH = re.compile(r"\.[busf](\d+)\b")


def _ptx_params(ptx, name):
    """The bit widths of kernel `name`'s parameters in PTX text."""
    m = re.search(r"\.entry\s+" + re.escape(name) + r"\s*\((.*?)\)", ptx, re.S)
    assert m, f"no .entry {name}"
    return [int(_WIDTH.search(p).group(1)) for p in m.group(1).split(",") if p.strip()]


def _check_launches(dev, fn):
    from lamina.lowering.gpu_to_ptx import ptx
    texts = ptx(fn.program.module, dev.sm)
    assert dev.launches
    for (module, kernel), grid, block, args in dev.launches:
        widths = _ptx_params(texts[module], kernel)
        assert [ctypes.sizeof(a) * 8 for a in args] == widths, kernel
        assert all(g >= 1 for g in grid) and block[0] * block[1] * block[2] in (1, 256)


@functools.lru_cache(maxsize=None)
def _mlp():
    @tf.function
    def mlp(x, w, b):
        h = tf.nn.relu(tf.matmul(x, w) + b)
        return tf.reduce_sum(h, axis=1), tf.reshape(h, [-1]), tf.reduce_mean(h)
    cf = mlp.get_concrete_function(tf.TensorSpec([None, 4], tf.float32),
                                   tf.TensorSpec([4, 3], tf.float32),
                                   tf.TensorSpec([3], tf.float32))
    return cf.ir("lamina")


@pytest.mark.parametrize("sm", [80, 90])
def test_launch_arguments_match_kernel_parameters(sm):
    dev = RecordingDevice(sm)
    fn = GPUFunction(_mlp(), "mlp", dev)
    x = to_device(dev, np.ones((5, 4), np.float32))
    w = to_device(dev, np.ones((4, 3), np.float32))
    b = to_device(dev, np.ones((3,), np.float32))
    outs = fn.run(x, w, b)
    assert [o.shape for o in outs] == [(5,), (15,), ()]
    assert all(isinstance(o, DeviceArray) for o in outs)
    _check_launches(dev, fn)
    # only the arguments crossed to the device, and nothing came back during the run
    assert dev.copies["in"] == 3 and dev.copies["out"] == 0


def test_grid_follows_the_dynamic_shape():
    dev = RecordingDevice(80)
    fn = GPUFunction(_mlp(), "mlp", dev)
    w = to_device(dev, np.ones((4, 3), np.float32))
    b = to_device(dev, np.ones((3,), np.float32))
    grids = []
    for n in (1, 300, 1000):
        dev.launches.clear()
        fn.run(to_device(dev, np.ones((n, 4), np.float32)), w, b)
        grids.append(max(g[0] * g[1] for _, g, blk, _ in dev.launches))
    assert grids[0] < grids[1] < grids[2]
    assert grids[2] >= -(-1000 * 3 // 256)


def test_plan_checks_arguments_at_the_boundary():
    dev = RecordingDevice(80)
    fn = GPUFunction(_mlp(), "mlp", dev)
    w = to_device(dev, np.ones((4, 3), np.float32))
    b = to_device(dev, np.ones((3,), np.float32))
    with pytest.raises(TypeError, match="expected memref<4x3xf32>"):
        fn.run(to_device(dev, np.ones((2, 4), np.float32)), b, b)
    with pytest.raises(TypeError, match="device array"):
        fn.run(np.ones((2, 4), np.float32), w, b)
    assert not dev.launches


def test_memory_pool_reuses_by_size_class():
    assert MemoryPool.size_class(1) == 256 and MemoryPool.size_class(257) == 512
    assert MemoryPool.size_class(4096) == 4096


def test_unsupported_sm_is_an_error():
    with pytest.raises(IRError, match="sm_70"):
        GPUFunction(_mlp(), "mlp", RecordingDevice(70))
