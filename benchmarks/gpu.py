"""GPU benchmarks (issue 7), for a machine with an NVIDIA GPU; without one it says why and
exits 0.

    python benchmarks/gpu.py [--n 67108864] [--matmul 4096] [--repeat 20]

Rows: the card's device-to-device copy bandwidth (cuMemcpyDtoD, read + write); a fused
elementwise function on N float32 (GB/s moved, and its ratio to the copy bandwidth: target
>= 80%); reduce_sum of N float32 (GB/s read); float32 matmul NxN (TFLOP/s, against PyTorch's
cuBLAS with TF32 off when torch is installed: target >= 50%); kernel launch overhead (µs per
launch of an empty kernel, measured over many launches).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def _timed(dev, fn, repeat):
    fn()
    dev.synchronize()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        dev.synchronize()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=64 * 1024 * 1024)
    ap.add_argument("--matmul", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=20)
    o = ap.parse_args(argv)

    from lamina.runtime import cuda
    if not cuda.devices():
        print(f"no usable GPU: {cuda.unavailable_reason()}; nothing to measure")
        return 0
    import lamina as tf
    from lamina.runtime.cuda_launch import GPUFunction, to_device
    dev = cuda.device(0)
    print(f"GPU 0: sm_{dev.sm}")

    def compile_(f, *specs):
        cf = f.get_concrete_function(*specs)
        return GPUFunction(cf.ir("lamina"), cf.name, dev)

    n = o.n
    x = to_device(dev, np.random.default_rng(0).standard_normal(n).astype(np.float32))
    y = to_device(dev, np.ones(n, np.float32))
    nbytes = n * 4
    dst = dev.pool.allocate(nbytes)
    t = _timed(dev, lambda: dev.copy(dst, x.buffer, nbytes), o.repeat)
    copy_gbs = 2 * nbytes / t / 1e9
    print(f"copy bandwidth (DtoD)       {copy_gbs:8.1f} GB/s")

    @tf.function
    def fused(a, b):
        return a * b + tf.exp(a) * 0.5
    g = compile_(fused, tf.TensorSpec([n], tf.float32), tf.TensorSpec([n], tf.float32))
    t = _timed(dev, lambda: g.run(x, y), o.repeat)
    gbs = 3 * nbytes / t / 1e9
    print(f"fused elementwise {n:>10}  {gbs:8.1f} GB/s  ({100 * gbs / copy_gbs:5.1f}% of copy)")

    @tf.function
    def total(a):
        return tf.reduce_sum(a)
    g = compile_(total, tf.TensorSpec([n], tf.float32))
    t = _timed(dev, lambda: g.run(x), o.repeat)
    print(f"reduce_sum {n:>17}  {nbytes / t / 1e9:8.1f} GB/s")

    m = o.matmul

    @tf.function
    def mm(a, b):
        return tf.matmul(a, b)
    a = to_device(dev, np.random.default_rng(1).standard_normal((m, m)).astype(np.float32))
    g = compile_(mm, tf.TensorSpec([m, m], tf.float32), tf.TensorSpec([m, m], tf.float32))
    t = _timed(dev, lambda: g.run(a, a), max(3, o.repeat // 4))
    tflops = 2 * m ** 3 / t / 1e12
    line = f"matmul f32 {m}x{m}x{m}     {tflops:8.2f} TFLOP/s"
    try:
        import torch
        torch.backends.cuda.matmul.allow_tf32 = False
        ta = torch.randn(m, m, device="cuda")
        torch.cuda.synchronize()
        best = float("inf")
        for _ in range(max(3, o.repeat // 4)):
            s = time.perf_counter()
            ta @ ta
            torch.cuda.synchronize()
            best = min(best, time.perf_counter() - s)
        ref = 2 * m ** 3 / best / 1e12
        line += f"  (cuBLAS {ref:.2f} TFLOP/s, {100 * tflops / ref:.1f}%)"
    except Exception as e:  # torch absent or without CUDA
        line += f"  (no cuBLAS peer: {type(e).__name__})"
    print(line)

    @tf.function
    def tiny(a):
        return a + 1.0
    g = compile_(tiny, tf.TensorSpec([1], tf.float32))
    one = to_device(dev, np.ones(1, np.float32))
    k = 1000
    g.run(one)
    dev.synchronize()
    s = time.perf_counter()
    for _ in range(k):
        g.run(one)
    dev.synchronize()
    print(f"launch overhead (host plan + 1 kernel)  {1e6 * (time.perf_counter() - s) / k:8.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
