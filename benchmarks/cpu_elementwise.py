"""Elementwise and reduction throughput on the CPU (issue 8's Measure section), in GB/s of
memory traffic, against the machine's copy bandwidth measured in the same run.

    python benchmarks/cpu_elementwise.py            # 4M float32, best of 10 rounds
    python benchmarks/cpu_elementwise.py --n 1048576 --rounds 5
    python benchmarks/cpu_elementwise.py --without structured-fuse,structured-vectorize,\
        outline-parallel-loops,convert-parallel-calls      # lamina before issue 8's passes

Workloads (each through `lamina.function`, numpy beside it, TensorFlow / JAX / PyTorch when
importable):
  fused      relu(a*b + c) * 0.5 - a on 4M float32: 3 arrays read, 1 written (64 MB)
  sum1/mean1/max1   reduce a 2048x2048 float32 array over its last axis
  sum0       the same over its first axis
Traffic counts each input read and each output written once, as a fused kernel moves them.
Copy bandwidth: numpy copying a 4M array into an existing one (read + write), on 1 thread and
split over 2 threads (numpy releases the GIL while it copies).
Each row reports the best of `--rounds` rounds (noise only ever adds time).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def best(fn, rounds, inner=5):
    fn()
    t = float("inf")
    for _ in range(rounds):
        s = time.perf_counter()
        for _ in range(inner):
            fn()
        t = min(t, (time.perf_counter() - s) / inner)
    return t


def copy_bandwidth(n, rounds, threads):
    src = np.random.rand(n).astype(np.float32)
    dst = np.empty_like(src)
    cuts = np.linspace(0, n, threads + 1).astype(int)
    parts = [slice(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:])]
    with ThreadPoolExecutor(threads) as pool:  # started once: thread start is not copying
        def run():
            list(pool.map(lambda s: np.copyto(dst[s], src[s]), parts))
        return 2 * src.nbytes / best(run, rounds) / 1e9


def fused_numpy(a, b, c):
    return np.maximum(a * b + c, 0) * 0.5 - a


def peers():
    """{name: module-level adapter} for the peers that import."""
    out = {}
    try:
        import tensorflow as real_tf
        out["tensorflow"] = real_tf
    except ImportError:
        pass
    try:
        import jax
        out["jax"] = jax
    except ImportError:
        pass
    try:
        import torch
        out["torch"] = torch
    except ImportError:
        pass
    return out


def peer_fns(name, mod):
    """(fused, {reduction name: fn}) for a peer, each taking numpy arrays already converted."""
    if name == "tensorflow":
        tf = mod
        fused = tf.function(lambda a, b, c: tf.nn.relu(a * b + c) * 0.5 - a, jit_compile=True)
        red = {k: tf.function(f, jit_compile=True) for k, f in {
            "sum1": lambda x: tf.reduce_sum(x, 1), "mean1": lambda x: tf.reduce_mean(x, 1),
            "max1": lambda x: tf.reduce_max(x, 1), "sum0": lambda x: tf.reduce_sum(x, 0)}.items()}
        conv = tf.constant
        sync = lambda r: r.numpy()  # noqa: E731
    elif name == "jax":
        jax, jnp = mod, mod.numpy
        fused = jax.jit(lambda a, b, c: jax.nn.relu(a * b + c) * 0.5 - a)
        red = {k: jax.jit(f) for k, f in {
            "sum1": lambda x: jnp.sum(x, 1), "mean1": lambda x: jnp.mean(x, 1),
            "max1": lambda x: jnp.max(x, 1), "sum0": lambda x: jnp.sum(x, 0)}.items()}
        conv = jnp.asarray
        sync = lambda r: r.block_until_ready()  # noqa: E731
    else:
        torch = mod
        fused = torch.compile(lambda a, b, c: torch.relu(a * b + c) * 0.5 - a)
        red = {k: torch.compile(f) for k, f in {
            "sum1": lambda x: x.sum(1), "mean1": lambda x: x.mean(1),
            "max1": lambda x: x.amax(1), "sum0": lambda x: x.sum(0)}.items()}
        conv = torch.from_numpy
        sync = lambda r: r  # noqa: E731
    return fused, red, conv, sync


def drop_passes(names):
    from lamina.lowering import pipeline
    stages = []
    for stage, text in pipeline.STAGES:
        kept = [p for p in text.split(",") if p not in names]
        stages.append((stage, ",".join(kept)))
    pipeline.STAGES = tuple(stages)
    print(f"pipeline without {', '.join(names)}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1 << 22)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--without", default="", help="comma-separated passes to drop from the "
                   "standard pipeline (compiled into a temporary cache)")
    args = p.parse_args()
    n, rounds = args.n, args.rounds

    if args.without:
        # the compile cache is keyed by the source program: another pipeline needs its own
        os.environ["LAMINA_CACHE_DIR"] = tempfile.mkdtemp(prefix="lamina-bench-")
    import lamina as tf
    if args.without:
        drop_passes(args.without.split(","))

    side = int(round(n ** 0.5))
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(n, dtype=np.float32) for _ in range(3))
    x = rng.standard_normal((side, side), dtype=np.float32)

    copy1 = copy_bandwidth(n, rounds, 1)
    copy2 = copy_bandwidth(n, rounds, 2)

    fused = tf.function(lambda a, b, c: tf.nn.relu(a * b + c) * 0.5 - a)
    reductions = {
        "sum1": (lambda x: tf.reduce_sum(x, 1), lambda x: x.sum(1)),
        "mean1": (lambda x: tf.reduce_mean(x, 1), lambda x: x.mean(1)),
        "max1": (lambda x: tf.reduce_max(x, 1), lambda x: x.max(1)),
        "sum0": (lambda x: tf.reduce_sum(x, 0), lambda x: x.sum(0)),
    }
    rows = []  # (workload, bytes, {column: seconds})
    # lamina tensors, as each peer gets its own (a numpy argument would be copied per call)
    la, lb, lc, lx = (tf.constant(v) for v in (a, b, c, x))
    got = fused(la, lb, lc).numpy()
    np.testing.assert_allclose(got, fused_numpy(a, b, c), rtol=1e-5, atol=1e-6)
    rows.append(("fused", 4 * a.nbytes, {
        "lamina": best(lambda: fused(la, lb, lc), rounds),
        "numpy": best(lambda: fused_numpy(a, b, c), rounds)}))
    for name, (lf, nf) in reductions.items():
        f = tf.function(lf)
        np.testing.assert_allclose(f(lx).numpy(), nf(x), rtol=1e-4, atol=1e-3)
        out_bytes = side * 4
        rows.append((name, x.nbytes + out_bytes, {
            "lamina": best(lambda: f(lx), rounds), "numpy": best(lambda: nf(x), rounds)}))

    columns = ["lamina", "numpy"]
    for pname, mod in peers().items():
        try:
            pf, pred, conv, sync = peer_fns(pname, mod)
            pa, pb, pc, px = (conv(v) for v in (a, b, c, x))
            rows[0][2][pname] = best(lambda: sync(pf(pa, pb, pc)), rounds)
            for workload, _, times in rows[1:]:
                g = pred[workload]
                times[pname] = best(lambda: sync(g(px)), rounds)
            columns.append(pname)
        except Exception as e:  # a peer's own failure is reported, never fatal
            print(f"note: {pname} failed: {type(e).__name__}: {e}")

    print(f"copy bandwidth (numpy copyto, {a.nbytes >> 20} MB, read + write): "
          f"1 thread {copy1:.1f} GB/s, 2 threads {copy2:.1f} GB/s")
    head = f"{'workload':<8} " + " ".join(f"{c + ' GB/s':>16}" for c in columns) + \
        f" {'lamina/copy2':>13} {'lamina/numpy':>13}"
    print(head)
    print("-" * len(head))
    for workload, nbytes, times in rows:
        gbs = {c: nbytes / times[c] / 1e9 for c in columns if c in times}
        print(f"{workload:<8} " + " ".join(f"{gbs.get(c, float('nan')):>16.1f}"
                                           for c in columns) +
              f" {gbs['lamina'] / copy2:>13.2f} {gbs['lamina'] / gbs['numpy']:>13.2f}")
    print(f"(shapes: fused {n} float32; reductions {side}x{side} float32; "
          f"best of {rounds} rounds)")


if __name__ == "__main__":
    main()
