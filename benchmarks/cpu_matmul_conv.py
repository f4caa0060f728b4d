"""Matmul and conv2d on the CPU (issue 8's Measure section): GFLOP/s of lamina's tiled
contractions (`structured-tile`: packed panels, an AVX-512 register-blocked micro-kernel),
through `lamina.function`, beside numpy (OpenBLAS) and, when importable, TensorFlow, JAX and
PyTorch, against the machine's theoretical peak.

    python benchmarks/cpu_matmul_conv.py            # matmul 512, 1024, 2048; the seed's convs
    python benchmarks/cpu_matmul_conv.py --quick    # fewer repeats, matmul up to 1024
    python benchmarks/cpu_matmul_conv.py --before   # also lamina without structured-tile

What is measured (float32, best of `--repeat` calls after a warm-up; the machine is shared
and noisy, and noise only ever adds time). lamina's column is by the wall clock; `per cpu-s`
is the same work per second of the process's CPU time (all threads added up), the steadier
figure on a loaded machine: what one core does.
  matmul   n x n times n x n, 2 n^3 flops.
  conv2d   the seed CNN's layers, batch 32, NHWC, 5x5 filters, SAME padding, stride 1:
           conv1 28x28x1 -> 32 and conv2 14x14x32 -> 64; forward (2 N H W KH KW C O flops),
           and the gradients for the filter and for the input (the same flops each).
  peak     cores x 2 FMA pipes x 16 f32 lanes x 2 flops x the clock of /proc/cpuinfo (the
           nominal clock: boost makes the real one higher). Zen 4 (AMD family 0x19) splits a
           512-bit FMA over its two 256-bit pipes, so its peak is half of that formula; both
           are printed, and `% peak` is lamina's wall-clock figure against the second.
`--before` compiles the same lamina functions with the pass removed from the pipeline (and
its own cache), the figures before tiling; it skips the sizes that would take minutes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

CONVS = (("conv1", (32, 28, 28, 1), (5, 5, 1, 32)), ("conv2", (32, 14, 14, 32), (5, 5, 32, 64)))


def peak():
    """(GFLOP/s of the formula, GFLOP/s the core really issues, clock GHz, cores, note)."""
    mhz, family = None, None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "cpu MHz" and mhz is None:
                    mhz = float(value)
                elif key == "cpu family" and family is None:
                    family = int(value)
    except OSError:
        pass
    cores = os.cpu_count() or 1
    ghz = (mhz or 0) / 1000
    formula = cores * 2 * 16 * 2 * ghz
    zen4 = family == 0x19
    return formula, formula / 2 if zen4 else formula, ghz, cores, zen4


# OpenBLAS's threads spin for about 0.1 s after each numpy matmul (and other pools for a
# while), on the core lamina's (or a peer's) second thread needs; each measurement starts
# after they have parked
SETTLE_S = 0.25


def best_time(f, args, repeat, cpu=None):
    """The best wall time of `repeat` calls; with a list `cpu`, the best CPU time of the
    process (all its threads) is appended to it."""
    f(*args)
    time.sleep(SETTLE_S)
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        f(*args)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    if cpu is not None:
        cpu.append(best_cpu)
    return best


def _peer_conv_gradients(name, xs, ws):
    """(d/dfilter(x, dy), d/dinput(w, dy)) of the SAME stride-1 conv2d in peer `name`."""
    if name == "tensorflow":
        tf = importlib.import_module("tensorflow")
        df = tf.function(lambda x, dy: tf.raw_ops.Conv2DBackpropFilter(
            input=x, filter_sizes=list(ws), out_backprop=dy, strides=[1, 1, 1, 1],
            padding="SAME"), jit_compile=True)
        di = tf.function(lambda w, dy: tf.raw_ops.Conv2DBackpropInput(
            input_sizes=list(xs), filter=w, out_backprop=dy, strides=[1, 1, 1, 1],
            padding="SAME"), jit_compile=True)
        return (lambda x, dy: df(x, dy).numpy(), lambda w, dy: di(w, dy).numpy())
    if name == "jax":
        jax = importlib.import_module("jax")

        def conv(x, w):
            return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                                dimension_numbers=("NHWC", "HWIO", "NHWC"))
        w0, x0 = np.zeros(ws, np.float32), np.zeros(xs, np.float32)
        df = jax.jit(lambda x, dy: jax.vjp(lambda w: conv(x, w), w0)[1](dy)[0])
        di = jax.jit(lambda w, dy: jax.vjp(lambda x: conv(x, w), x0)[1](dy)[0])
        return (lambda x, dy: df(x, dy).block_until_ready(),
                lambda w, dy: di(w, dy).block_until_ready())
    if name == "torch":
        torch = importlib.import_module("torch")
        nchw = (xs[0], xs[3], xs[1], xs[2])
        oihw = (ws[3], ws[2], ws[0], ws[1])

        def df(x, dy):
            return torch.nn.grad.conv2d_weight(torch.from_numpy(x).permute(0, 3, 1, 2), oihw,
                                               torch.from_numpy(dy).permute(0, 3, 1, 2),
                                               padding=ws[0] // 2)

        def di(w, dy):
            return torch.nn.grad.conv2d_input(nchw, torch.from_numpy(w).permute(3, 2, 0, 1),
                                              torch.from_numpy(dy).permute(0, 3, 1, 2),
                                              padding=ws[0] // 2)
        return df, di
    return None


def _peers():
    """name -> (matmul fn, conv fn) of the peer frameworks that import."""
    out = {}
    try:
        tf = importlib.import_module("tensorflow")
        mm = tf.function(lambda a, b: tf.matmul(a, b), jit_compile=True)
        cv = tf.function(lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"), jit_compile=True)
        # (defaults bind this framework's mm and cv: the names are reassigned below)
        out["tensorflow"] = (lambda a, b, mm=mm: mm(a, b).numpy(),
                             lambda x, w, cv=cv: cv(x, w).numpy())
    except Exception:  # noqa: BLE001  (not installed, or broken: not measured)
        pass
    try:
        jax = importlib.import_module("jax")
        mm = jax.jit(lambda a, b: a @ b)
        cv = jax.jit(lambda x, w: jax.lax.conv_general_dilated(
            x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")))
        out["jax"] = (lambda a, b, mm=mm: mm(a, b).block_until_ready(),
                      lambda x, w, cv=cv: cv(x, w).block_until_ready())
    except Exception:  # noqa: BLE001
        pass
    try:
        torch = importlib.import_module("torch")

        def tcv(x, w):
            return torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1),
                                              padding="same")
        out["torch"] = (lambda a, b: torch.matmul(torch.from_numpy(a), torch.from_numpy(b)),
                        lambda x, w: tcv(torch.from_numpy(x), torch.from_numpy(w)))
    except Exception:  # noqa: BLE001
        pass
    return out


def lamina_functions(tf):
    mm = tf.function(lambda a, b: tf.matmul(a, b))
    conv = tf.function(lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"))
    return mm, conv


def conv_gradients(xs, ws):
    """Compiled entries (filter gradient, input gradient) of the conv of shapes xs, ws, or
    None where lamina has no such ops."""
    from lamina import ir
    from lamina.driver import compile_module
    from lamina.ir.registry import OPS
    if "lamina.conv2d_backprop_filter" not in OPS:
        return None
    t = [f"tensor<{'x'.join(map(str, s))}xf32>" for s in (xs, ws, xs[:3] + ws[3:])]
    a = "strides = [1, 1] padding = SAME"
    sizes = [f"dense<[{', '.join(map(str, s))}]> : tensor<4xi64>" for s in (ws, xs)]
    text = (f"func.func @dw(%x: {t[0]}, %dy: {t[2]}) -> {t[1]} {{\n"
            f"  %s = lamina.constant {sizes[0]}\n"
            f"  %0 = lamina.conv2d_backprop_filter %x, %s, %dy {a} : "
            f"({t[0]}, tensor<4xi64>, {t[2]}) -> {t[1]}\n  return %0 : {t[1]}\n}}\n"
            f"func.func @dx(%w: {t[1]}, %dy: {t[2]}) -> {t[0]} {{\n"
            f"  %s = lamina.constant {sizes[1]}\n"
            f"  %0 = lamina.conv2d_backprop_input %s, %w, %dy {a} : "
            f"(tensor<4xi64>, {t[1]}, {t[2]}) -> {t[0]}\n  return %0 : {t[0]}\n}}")
    e = compile_module(ir.parse(text)).entries
    return e["dw"], e["dx"]


def without_tiling():
    """Lamina's pipeline with structured-tile removed, and a cache of its own."""
    from lamina.lowering import pipeline
    pipeline.STAGES = tuple((s, ",".join(p for p in text.split(",") if p != "structured-tile"))
                            for s, text in pipeline.STAGES)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--before", action="store_true",
                    help="also measure lamina without structured-tile (in a subprocess)")
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--untiled", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 7)
    sizes = (512, 1024) if args.quick else (512, 1024, 2048)
    if args.untiled:
        without_tiling()
        sizes = (512,)
    import lamina as tf
    rng = np.random.default_rng(0)
    formula, real, ghz, cores, zen4 = peak()
    rows = []
    peers = {} if args.untiled else _peers()
    mm, conv = lamina_functions(tf)
    for n in sizes:
        a = rng.standard_normal((n, n)).astype(np.float32)
        b = rng.standard_normal((n, n)).astype(np.float32)
        want = a.astype(np.float64) @ b
        got = np.asarray(mm(a, b))
        err = float(np.max(np.abs(got - want)) / np.max(np.abs(want)))
        flops = 2.0 * n ** 3
        cpu = []
        row = {"workload": f"matmul {n}", "lamina": flops / best_time(mm, (a, b), repeat, cpu),
               "check": err < 1e-5}
        row["per cpu-s"] = flops / cpu[0]
        if not args.untiled:
            row["numpy"] = flops / best_time(np.matmul, (a, b), repeat)
            for name, (pm, _) in peers.items():
                row[name] = flops / best_time(pm, (a, b), repeat)
        rows.append(row)
    for name, xs, ws in CONVS:
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal(ws).astype(np.float32)
        flops = 2.0 * xs[0] * xs[1] * xs[2] * ws[0] * ws[1] * ws[2] * ws[3]
        cpu = []
        row = {"workload": f"{name} fwd", "lamina": flops / best_time(conv, (x, w), repeat, cpu)}
        row["per cpu-s"] = flops / cpu[0]
        for pname, (_, pc) in peers.items():
            row[pname] = flops / best_time(pc, (x, w), repeat)
        rows.append(row)
        grads = conv_gradients(xs, ws)
        if grads is not None:
            dy = rng.standard_normal(xs[:3] + ws[3:]).astype(np.float32)
            pgrads = {pname: g for pname in peers
                      for g in [_peer_conv_gradients(pname, xs, ws)] if g is not None}
            for k, (what, f, fargs) in enumerate((("d/dfilter", grads[0], (x, dy)),
                                                  ("d/dinput", grads[1], (w, dy)))):
                cpu = []
                row = {"workload": f"{name} {what}",
                       "lamina": flops / best_time(f, fargs, repeat, cpu),
                       "per cpu-s": flops / cpu[0]}
                for pname, pg in pgrads.items():
                    row[pname] = flops / best_time(pg[k], fargs, repeat)
                rows.append(row)
    if args.untiled:
        for r in rows:
            print(f"UNTILED {r['workload']} {r['lamina'] / 1e9:.2f}")
        return 0
    before = {}
    if args.before:
        import subprocess
        env = dict(os.environ, LAMINA_CACHE_DIR=tempfile.mkdtemp(prefix="lamina-untiled-"))
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--untiled",
                              "--repeat", "2"], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            if line.startswith("UNTILED "):
                *name, value = line.split()[1:]
                before[" ".join(name)] = float(value)
    cols = ["lamina", "per cpu-s"] + (["before"] if before else []) + ["numpy"] + list(peers)
    print(f"peak: {cores} cores x 2 FMA x 16 f32 lanes x 2 flops x {ghz:.2f} GHz = "
          f"{formula:.0f} GFLOP/s" + (f"; Zen 4 issues one 512-bit FMA per cycle: "
                                      f"{real:.0f} GFLOP/s" if zen4 else ""))
    print(f"{'GFLOP/s':<18}" + "".join(f"{c:>12}" for c in cols) + f"{'% peak':>9}"
          f"{'lamina/numpy':>14}")
    print(f"{'':<18}{'(wall)':>12}{'(1 core)':>12}")
    for r in rows:
        cells = []
        for c in cols:
            v = before.get(r["workload"]) if c == "before" else r.get(c)
            cells.append(f"{v / 1e9 if c != 'before' else v:>12.1f}" if v is not None
                         else f"{'-':>12}")
        ratio = f"{r['lamina'] / r['numpy']:>14.2f}" if "numpy" in r else f"{'-':>14}"
        mark = "" if r.get("check", True) else "  WRONG RESULT"
        print(f"{r['workload']:<18}" + "".join(cells) + f"{100 * r['lamina'] / 1e9 / real:>8.0f}%"
              + ratio + mark)
    missing = [p for p in ("tensorflow", "jax", "torch") if p not in peers]
    if missing:
        print(f"not installed (no column): {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
