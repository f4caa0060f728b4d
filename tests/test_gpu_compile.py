"""The GPU path without a GPU: lamina programs lower to kernels, PTX (llvmlite's NVPTX) and
cubins (nvJitLink) for sm_80 and sm_90; what NVPTX cannot compile is refused with an error
before LLVM sees it; the machine degrades cleanly. Device runs are in test_gpu_device.py."""

from __future__ import annotations

import functools
import subprocess
import sys

import numpy as np
import pytest

import lamina as tf
from lamina import ir
from lamina.ir import IRError
from lamina.lowering.gpu_to_ptx import assemble, ptx, validate
from lamina.lowering.pipeline import lower_for_gpu

SMS = (80, 90)


def _ops_program(x, w, img, k):
    """One function touching every class of lamina op (batched: one compile for all)."""
    e = [tf.add(x, 1.0), tf.subtract(x, tf.reduce_sum(w, axis=1)), tf.multiply(x, x),
         tf.divide(x, 3.0),
         tf.maximum(x, 0.5), tf.minimum(x, 0.5), tf.exp(x), tf.math.log(tf.abs(x) + 1.0),
         tf.tanh(x), tf.sigmoid(x), tf.sqrt(tf.abs(x)), tf.square(x), tf.abs(x),
         tf.where(tf.greater(x, 0.0), x, -x), tf.cast(tf.equal(x, x), tf.float32),
         tf.cast(tf.less(x, 0.0), tf.float32), tf.nn.relu(x), tf.nn.softmax(x)]
    r = [tf.reduce_sum(x), tf.reduce_mean(x, axis=0), tf.reduce_max(x, axis=1),
         tf.cast(tf.argmax(x, axis=1), tf.float32)]
    m = [tf.matmul(x, w)]
    s = [tf.reshape(x, [-1]), tf.transpose(x), tf.concat([x, x], 0), tf.stack([x, x]),
         tf.broadcast_to(tf.reduce_sum(x, axis=0), [4, 3]), x[1:3]]
    n = [tf.nn.conv2d(img, k, strides=1, padding="SAME"),
         tf.nn.max_pool2d(img, 2, 2, "VALID"), tf.nn.avg_pool(img, 2, 2, "VALID")]
    return e + r + m + s + n


@functools.lru_cache(maxsize=None)
def _program_module():
    f = tf.function(_ops_program)
    args = (tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3) - 5.0),
            tf.constant(np.ones((3, 2), np.float32)),
            tf.constant(np.ones((1, 4, 4, 2), np.float32)),
            tf.constant(np.ones((3, 3, 2, 2), np.float32)))
    cf = f.get_concrete_function(*args)
    m = ir.parse(cf.ir("lamina"))
    lower_for_gpu(m)
    return m, cf


@functools.lru_cache(maxsize=None)
def _program_ptx(sm):
    return ptx(_program_module()[0], sm)


def test_every_op_class_lowers_to_kernels():
    m, _ = _program_module()
    text = str(m)
    fn = [o for o in m.regions[0].blocks[0] if o.name == "func.func"][0]
    # the host function keeps no loops: all data access happens in kernels
    assert not [o for o in fn.walk() if o.name in ("scf.for", "scf.parallel", "memref.load",
                                                  "memref.store")]
    assert "gpu.launch_func" in text and "gpu.module" in text
    assert "gpu.shuffle xor" in text and "gpu.barrier" in text  # a block reduction


@pytest.mark.parametrize("sm", SMS)
def test_program_ptx_assembles(sm):
    kernels = _program_ptx(sm)
    assert len(kernels) > 20
    for name, text in kernels.items():
        assert f".target sm_{sm}" in text and ".version 7.8" in text
        assert f".entry {name}" in text
        assert len(assemble(text, sm)) > 0


@pytest.mark.parametrize("sm", SMS)
def test_staged_function_ptx(sm):
    @tf.function
    def step(x, w, b):
        h = tf.nn.relu(tf.matmul(x, w) + b)
        return tf.reduce_mean(tf.square(h - 1.0)), tf.nn.softmax(h)
    cf = step.get_concrete_function(tf.TensorSpec([None, 5], tf.float32),
                                    tf.TensorSpec([5, 3], tf.float32),
                                    tf.TensorSpec([3], tf.float32))
    text = cf.ir("ptx") if sm == 80 else None
    if text is None:
        m = ir.parse(cf.ir("lamina"))
        lower_for_gpu(m)
        kernels = ptx(m, sm)
    else:
        kernels = dict(part.split("\n", 1) for part in text.split("// gpu.module @")[1:])
    assert kernels
    for t in kernels.values():
        assemble(t, sm)
    assert "gpu.launch_func" in cf.ir("gpu")


def test_float64_and_int_kernels_assemble():
    @tf.function
    def f(x, i):
        return tf.reduce_sum(tf.exp(x) * x, axis=1), tf.reduce_max(i * 3, axis=0)
    cf = f.get_concrete_function(tf.constant(np.ones((2, 300))),
                                 tf.constant(np.ones((300, 2), np.int64)))
    m = ir.parse(cf.ir("lamina"))
    lower_for_gpu(m)
    for sm in SMS:
        for t in ptx(m, sm).values():
            assemble(t, sm)


def _llvm_kernel(body):
    return ir.parse("builtin.module {\n" + body + "\n}")


def test_unselectable_intrinsic_is_refused_before_llvm():
    m = _llvm_kernel("llvm.func @k(%arg0: f32) attributes {nvvm.kernel} {\n"
                     "  %0 = llvm.intr.exp(%arg0) : (f32) -> f32\n  llvm.return\n}")
    with pytest.raises(IRError, match="no library to call"):
        validate(m)


def test_call_of_undefined_function_is_refused():
    m = _llvm_kernel("llvm.func @expf(f32) -> f32\n"
                     "llvm.func @k(%arg0: f32) attributes {nvvm.kernel} {\n"
                     "  %0 = llvm.call @expf(%arg0) : (f32) -> f32\n  llvm.return\n}")
    with pytest.raises(IRError, match="can only call functions of its own module"):
        validate(m)


def test_math_without_approximation_is_refused():
    @tf.function
    def f(x):
        return tf.math.log(x)
    m = ir.parse("func.func @f(%a: memref<4xf32>) {\n  %c0 = arith.constant 0 : index\n"
                 "  %x = memref.load %a[%c0] : memref<4xf32>\n  %y = math.atan %x : f32\n"
                 "  memref.store %y, %a[%c0] : memref<4xf32>\n  return\n}")
    with pytest.raises(IRError, match="no approximation"):
        ptx(m, 80)


def test_bad_ptx_is_reported_by_nvjitlink():
    with pytest.raises(IRError, match="nvJitLink"):
        assemble(".version 7.8\n.target sm_80\n.address_size 64\n.visible .entry k() {\n"
                 "  bogus.instruction;\n}\n", 80)


def test_no_gpu_degrades_cleanly():
    from lamina.frontend.device import gpu_unavailable_reason
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        pytest.skip("this machine has a GPU")
    assert gpus == []
    assert not tf.test.is_gpu_available()
    reason = gpu_unavailable_reason()
    assert reason and ("driver" in reason or "device" in reason or "architecture" in reason)
    # a gpu scope falls back to the CPU (soft placement) and the CPU path still works
    with tf.device("gpu:0"):
        assert float(tf.reduce_sum(tf.constant([1.0, 2.0]))) == 3.0


def _cli(tool, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", f"lamina.tools.{tool}", *args],
                          input=stdin, capture_output=True, text=True, timeout=300)


def test_run_target_gpu_without_gpu_is_a_clear_error(tmp_path):
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    p = tmp_path / "m.mlir"
    p.write_text("func.func @main() {\n  return\n}\n")
    r = _cli("run", str(p), "--target=gpu")
    assert r.returncode == 1
    assert "no usable GPU" in r.stderr and "Traceback" not in r.stderr


def test_translate_rejects_unknown_sm(tmp_path):
    p = tmp_path / "m.mlir"
    p.write_text("func.func @main() {\n  return\n}\n")
    r = _cli("translate", str(p), "--mlir-to-ptx", "--sm=35")
    assert r.returncode == 1 and "--sm=35" in r.stderr and "Traceback" not in r.stderr


class _FakeDriver:
    """cuda.bindings.driver's discovery calls, for machines with given devices."""

    class CUresult:
        CUDA_SUCCESS = 0
        CUDA_ERROR_NO_DEVICE = 100

    class CUdevice_attribute:
        CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = "major"
        CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = "minor"

    def __init__(self, sms, init_error=0):
        self.sms, self.init_error = sms, init_error

    def cuInit(self, flags):
        return (self.init_error,)

    def cuGetErrorName(self, err):
        return 0, b"CUDA_ERROR_NO_DEVICE"

    def cuDeviceGetCount(self):
        return 0, len(self.sms)

    def cuDeviceGet(self, i):
        return 0, i

    def cuDeviceGetAttribute(self, attr, dev):
        return 0, self.sms[dev] // 10 if attr == "major" else self.sms[dev] % 10


@pytest.mark.parametrize("sms,found,reason", [
    ([], [], "no CUDA device"),
    ([75, 61], [], "unsupported architecture: GPU 0 is sm_75, GPU 1 is sm_61"),
    ([75, 90], [(1, 90)], None),
    (None, [], "no CUDA driver or no device: cuInit failed: CUDA_ERROR_NO_DEVICE"),
])
def test_discovery_reasons(monkeypatch, sms, found, reason):
    from lamina.runtime import cuda
    fake = _FakeDriver(sms or [], init_error=100 if sms is None else 0)
    monkeypatch.setattr(cuda, "_drv", lambda: fake)
    got, why = cuda._discover()
    assert got == found
    assert (why is None) if reason is None else why.startswith(reason)


def _compiled_ops_groups():
    import test_compiled_ops
    return test_compiled_ops.GROUPS


@pytest.mark.parametrize("name", list(_compiled_ops_groups()))
def test_every_lamina_op_assembles_for_both_architectures(name):
    """The functions of test_compiled_ops (every lamina op, its dtypes and dynamic shapes)
    lowered for the GPU: their PTX assembles with nvJitLink for sm_80 and sm_90 (the groups
    the GPU path does not run yet are test_gpu_emulated's NOT_ON_GPU, with the reason)."""
    from test_gpu_emulated import NOT_ON_GPU
    if name in NOT_ON_GPU:
        pytest.skip(NOT_ON_GPU[name])
    m = ir.parse(_compiled_ops_groups()[name].text())
    lower_for_gpu(m)
    for sm in SMS:
        for text in ptx(m, sm).values():  # (an op that only moves data may need no kernel)
            assemble(text, sm)
