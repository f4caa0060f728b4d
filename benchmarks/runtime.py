"""The CPU runtime's costs (issue 3's Measure section): dispatch floor, compile latency, and
resident memory across the leak loops, with ratios against numpy where meaningful.

    python benchmarks/runtime.py            # full: 1,000 distinct functions, 5 fresh processes
    python benchmarks/runtime.py --quick    # a quick look (100 functions, 1 fresh process)
    python benchmarks/runtime.py --profile  # also where the time of a call and a compile goes

What is measured:
  dispatch    `f(x)` of a compiled lamina function `x + x + x` (two lamina.add ops) on a 2x2
              float32 array, µs per call from Python, against numpy's `x + x + x`; the same
              call with a non-contiguous argument (the general path: checked, copied); and
              the floor under both: a bare ctypes call of the packed entry with a prepared
              argument array (the result buffer freed). Rounds interleave the rows, and each
              row reports its best round (the machine's noise only ever adds time).
  compile     the seed's `matmul_many` (100 chained 2x2 matmuls), written at the lamina level
              with `lamina.while` (as autograph turns `for _ in tf.range(100)` into a
              while_loop): compile_module in a fresh process with an empty cache (lowering,
              translation, LLVM), in a warm process (a distinct module each time, nothing
              cached), and in a fresh process hitting the disk cache, with the import time
              and the time from process start to the first result given apart.
  memory      resident memory (/proc/self/statm) and the native heap in use (glibc's
              mallinfo2) across 100,000 calls of a compiled function returning a fresh
              buffer, and across 1,000 distinct functions compiled, called and dropped.

Everything runs against a temporary LAMINA_CACHE_DIR (seeded with the parser tables), never
the user's cache.
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import gc
import glob
import io
import json
import os
import pstats
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

ADD3 = """func.func @f(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = lamina.add %x, %x : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %1 = lamina.add %0, %x : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}"""

MATMUL_MANY = """func.func @matmul_many(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %zero = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %zero, %acc = %x) : (tensor<i32>, tensor<2x2xf32>) ->
      (tensor<i32>, tensor<2x2xf32>) {
    %n = lamina.constant dense<N> : tensor<i32>
    %go = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %go : tensor<i1>
  } do {
  ^bb0(%j: tensor<i32>, %a: tensor<2x2xf32>):
    %one = lamina.constant dense<1> : tensor<i32>
    %next = lamina.add %j, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %m = lamina.matmul %a, %x : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
    lamina.yield %next, %m : tensor<i32>, tensor<2x2xf32>
  }
  return %r#1 : tensor<2x2xf32>
}"""

DISTINCT = """func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = lamina.constant dense<I.0> : tensor<4xf32>
  %0 = lamina.add %x, %c : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}"""

LEAK_CALLS = """func.func @f(%x: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %0 = lamina.add %x, %x : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %1 = lamina.add %0, %x : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return %1 : tensor<16x16xf32>
}"""

MB = 1 << 20


def matmul_many(n=100):
    return MATMUL_MANY.replace("dense<N>", f"dense<{n}>")


# -- measuring ----------------------------------------------------------------------------------

def best_per_call(rows, rounds, number):
    """{name: (best, median) seconds per call} of callables timed in interleaved rounds."""
    times = {name: [] for name in rows}
    for _ in range(rounds):
        for name, fn in rows.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - t0) / number)
    return {name: (min(ts), statistics.median(ts)) for name, ts in times.items()}


def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                "usmblks", "fsmblks", "uordblks", "fordblks",
                                                "keepcost")]


def native_heap():
    f = getattr(ctypes.CDLL(None), "mallinfo2", None)
    if f is None:
        return float("nan")
    f.restype = _MallInfo2
    m = f()
    return m.uordblks + m.hblkhd


def table(title, header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    print(f"\n{title}")
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                     for i, (h, w) in enumerate(zip(header, widths)))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))


# -- a fresh process ----------------------------------------------------------------------------

def child():
    """Run in a fresh process: import, parse and compile matmul_many, call it, print the
    phases' times as one JSON line (flushed as soon as the result is there)."""
    t0 = time.perf_counter()
    import numpy as np
    from lamina import driver, ir
    from lamina.runtime import jit
    t1 = time.perf_counter()
    compiles = []
    real = jit.compile_ir
    jit.compile_ir = lambda *a, **k: compiles.append(1) or real(*a, **k)
    m = ir.parse(matmul_many())
    t2 = time.perf_counter()
    ex = driver.compile_module(m)
    t3 = time.perf_counter()
    (r,) = ex.entries["matmul_many"](np.ones((2, 2), np.float32))
    t4 = time.perf_counter()
    assert np.allclose(r, 2.0 ** 100, rtol=1e-5), r
    print(json.dumps({"import": t1 - t0, "parse": t2 - t1, "compile": t3 - t2,
                      "call": t4 - t3, "llvm compiles": len(compiles)}), flush=True)


def fresh_process(cache_root):
    """(the child's phases, seconds from starting the process to the printed result)."""
    env = dict(os.environ, LAMINA_CACHE_DIR=cache_root,
               PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    ready = time.perf_counter() - t0
    out, err = p.communicate(timeout=600)
    if p.returncode != 0 or not line:
        raise SystemExit(f"the fresh process failed:\n{line}{out}{err}")
    return json.loads(line), ready


def seeded_cache_root():
    """A temporary LAMINA_CACHE_DIR holding this process's parser tables (copied)."""
    from lamina.ir.cachedir import cache_dir
    root = tempfile.mkdtemp(prefix="lamina-bench-cache-")
    os.makedirs(os.path.join(root, "grammar"))
    for f in glob.glob(os.path.join(cache_dir("grammar") or "", "*.tables")):
        shutil.copy(f, os.path.join(root, "grammar"))
    return root


# -- dispatch ---------------------------------------------------------------------------------

def bare_call(ex, x):
    """A ctypes call of the packed entry `_mlir__f` with an argument array prepared once (the
    descriptor of `x`, a result slot), freeing the result buffer: the floor of a call."""
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free.restype = None
    free = libc.free
    addr = x.__array_interface__["data"][0]
    fields = (ctypes.c_int64 * 7)(addr, addr, 0, 2, 2, 2, 1)
    result = ctypes.create_string_buffer(7 * 8)
    ptrs = (ctypes.c_void_p * 8)(*[ctypes.addressof(fields) + 8 * i for i in range(7)],
                                 ctypes.addressof(result))
    fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(ex.library.address("_mlir__f"))
    packed = ctypes.addressof(ptrs)
    first = struct.Struct("P").unpack_from

    def call():
        fn(packed)
        free(first(result)[0])
    call.keep = (fields, ptrs, result)  # what `packed` points into
    return call


def bench_dispatch(args, cache):
    import numpy as np
    from lamina import ir
    from lamina.driver import compile_module
    ex = compile_module(ir.parse(ADD3), cache=cache)
    f = ex.entries["f"]
    x = np.arange(4, dtype=np.float32).reshape(2, 2)
    xt = np.ascontiguousarray(x.T).T  # the same values' transpose: not C-contiguous
    assert (f(x)[0] == x + x + x).all() and (f(xt)[0] == xt + xt + xt).all()
    rows = {
        "numpy  x + x + x": lambda: x + x + x,
        "lamina f(x)": lambda: f(x),
        "lamina f(x.T)  (general path: a copy)": lambda: f(xt),
        "bare ctypes call, prepared arguments": bare_call(ex, x),
    }
    rounds, number = (60, 300) if args.quick else (300, 300)
    res = best_per_call(rows, rounds, number)
    base = res["numpy  x + x + x"][0]
    table("dispatch floor: x + x + x on a 2x2 float32 array (µs per call, best of "
          f"{rounds} rounds of {number}; median alongside)",
          ["", "µs/call", "median", "vs numpy"],
          [[name, f"{b * 1e6:.2f}", f"{m * 1e6:.2f}", f"{b / base:.2f}x"]
           for name, (b, m) in res.items()])
    print("target: lamina f(x) under 3 µs")
    if args.profile:
        print("\nprofile of 100,000 calls of f(x):")
        pr = cProfile.Profile()
        pr.enable()
        for _ in range(100_000):
            f(x)
        pr.disable()
        pstats.Stats(pr, stream=sys.stdout).sort_stats("tottime").print_stats(8)


# -- compile latency ----------------------------------------------------------------------------

class Phases:
    """Where one compile_module's time goes: each lamina pass (from the pass manager's timing),
    the verification after each pass, translation to LLVM IR, LLVM (optimization and code
    generation), loading (linking, entries)."""

    def __init__(self):
        from lamina.passes.pass_manager import Instrumentation
        self.inst = Instrumentation(timing=True, stream=io.StringIO())
        self.times = {"verification after each pass": 0.0, "translation to LLVM IR": 0.0,
                      "LLVM: optimization + code generation": 0.0,
                      "loading: link + entries": 0.0}

    def timed(self, obj, name, what):
        real = getattr(obj, name)

        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return real(*a, **k)
            finally:
                self.times[what] += time.perf_counter() - t0
        setattr(obj, name, wrapper)
        return real

    def run(self, text, cache):
        from lamina import driver, ir
        from lamina.lowering import llvm_to_llvmir
        from lamina.passes import pass_manager
        from lamina.runtime import jit
        patched = [(pass_manager, "verify", "verification after each pass"),
                   (llvm_to_llvmir, "translate", "translation to LLVM IR"),
                   (jit, "compile_ir", "LLVM: optimization + code generation"),
                   (driver, "Executable", "loading: link + entries")]
        saved = [(obj, name, self.timed(obj, name, what)) for obj, name, what in patched]
        try:
            m = ir.parse(text)
            t0 = time.perf_counter()
            driver.compile_module(m, cache=cache, instrumentation=self.inst)
            total = time.perf_counter() - t0
        finally:
            for obj, name, real in saved:
                setattr(obj, name, real)
        passes = {}
        for _, title, t in self.inst.times:
            passes[title] = passes.get(title, 0.0) + t
        return total, passes


def bench_compile(args):
    from lamina.runtime.cache import ObjectCache
    root = seeded_cache_root()
    try:
        runs = 1 if args.quick else 5
        cold, hits = [], []
        for i in range(runs):
            for d in glob.glob(os.path.join(root, "objects", "*")):
                shutil.rmtree(d)
            cold.append(fresh_process(root))
            hits.append(fresh_process(root))
            if cold[-1][0]["llvm compiles"] != 1 or hits[-1][0]["llvm compiles"] != 0:
                raise SystemExit("the second fresh process did not hit the disk cache (did "
                                 "lamina's sources change during the benchmark?)")

        # a warm process: a distinct module each time (100 + i iterations), nothing cached
        nowhere = os.path.join(root, "not-a-dir")
        open(nowhere, "w").close()
        cache = ObjectCache(directory=os.path.join(nowhere, "x"))  # cannot be created
        Phases().run(matmul_many(99), cache)  # the lowering modules' first imports
        warm = []
        breakdown = None
        for i in range(3 if args.quick else 7):
            p = Phases()
            total, passes = p.run(matmul_many(101 + i), cache)
            warm.append(total)
            if breakdown is None or total < breakdown[0]:
                breakdown = (total, passes, dict(p.times))
        memory_hit = []
        cache = ObjectCache(directory=os.path.join(nowhere, "x"))
        Phases().run(matmul_many(), cache)
        for _ in range(5):
            memory_hit.append(Phases().run(matmul_many(), cache)[0])
    finally:
        shutil.rmtree(root, ignore_errors=True)

    def ms(values):
        return f"{min(values) * 1e3:.1f}", f"{statistics.median(values) * 1e3:.1f}"

    rows = [
        ["fresh process, empty cache: compile_module", *ms([c["compile"] for c, _ in cold])],
        ["warm process, new module: compile_module", *ms(warm)],
        ["fresh process, disk cache hit: compile_module",
         *ms([h["compile"] for h, _ in hits])],
        ["  its import of lamina + driver", *ms([h["import"] for h, _ in hits])],
        ["  its parse of the module text", *ms([h["parse"] for h, _ in hits])],
        ["  its first call", *ms([h["call"] for h, _ in hits])],
        ["  process start to the first result", *ms([r for _, r in hits])],
        ["same process, memory cache hit: compile_module", *ms(memory_hit)],
    ]
    table(f"compile latency: matmul_many, lamina.while over 100 2x2 matmuls (ms; best and "
          f"median of {len(cold)} fresh processes, {len(warm)} warm compiles)",
          ["", "best", "median"], rows)
    print("targets: first compile vs the seed's TensorFlow 159 ms; disk cache hit in a fresh "
          "process under 10 ms")

    total, passes, phases = breakdown
    accounted = sum(passes.values()) + sum(phases.values())
    rows = [[what, f"{t * 1e3:.1f}", f"{100 * t / total:.0f}%"]
            for what, t in sorted(phases.items(), key=lambda kv: -kv[1])]
    rows += [[f"pass {title}", f"{t * 1e3:.1f}", f"{100 * t / total:.0f}%"]
             for title, t in sorted(passes.items(), key=lambda kv: -kv[1])]
    rows.append(["rest: cache key (printing the module), signatures, ...",
                 f"{(total - accounted) * 1e3:.1f}", f"{100 * (total - accounted) / total:.0f}%"])
    table(f"where the warm first compile goes (the fastest of them: {total * 1e3:.1f} ms)",
          ["", "ms", "share"], rows)
    if args.profile:
        print("\nprofile of a warm first compile (top functions by own time):")
        from lamina import ir
        from lamina.driver import compile_module
        m = ir.parse(matmul_many(150))
        pr = cProfile.Profile()
        pr.enable()
        compile_module(m, cache=cache)
        pr.disable()
        pstats.Stats(pr, stream=sys.stdout).sort_stats("tottime").print_stats(15)


# -- memory -------------------------------------------------------------------------------------

def bench_memory(args, cache_dir):
    import numpy as np
    from lamina import ir
    from lamina.driver import compile_module
    from lamina.runtime.cache import ObjectCache
    rows = []
    cache = ObjectCache(directory=cache_dir)
    ex = compile_module(ir.parse(LEAK_CALLS), cache=cache)
    f = ex.entries["f"]
    x = np.ones((16, 16), np.float32)
    for _ in range(10_000):
        f(x)
    gc.collect()
    r0, h0 = resident(), native_heap()
    t0 = time.perf_counter()
    for _ in range(100_000):
        f(x)
    t = time.perf_counter() - t0
    gc.collect()
    r1, h1 = resident(), native_heap()
    rows.append(["100,000 calls, 16x16 float32 result (1 KB) each", f"{r0 / MB:.1f}",
                 f"{r1 / MB:.1f}", f"{(r1 - r0) / MB:+.1f}", f"{(h1 - h0) / MB:+.2f}",
                 f"{t / 100_000 * 1e6:.1f} µs/call"])

    n = 100 if args.quick else 1000
    warm = n // 10
    cache = ObjectCache(directory=cache_dir)
    y = np.ones(4, np.float32)
    r0 = h0 = t0 = None
    for i in range(n):
        if i == warm:
            gc.collect()
            r0, h0, t0 = resident(), native_heap(), time.perf_counter()
        e = compile_module(ir.parse(DISTINCT.replace("I.0", f"{i}.0")), cache=cache)
        (r,) = e.entries["f"](y)
        assert r[0] == i + 1
        del e, r
    t = time.perf_counter() - t0
    gc.collect()
    r1, h1 = resident(), native_heap()
    rows.append([f"{n:,} distinct functions compiled, called, dropped", f"{r0 / MB:.1f}",
                 f"{r1 / MB:.1f}", f"{(r1 - r0) / MB:+.1f}", f"{(h1 - h0) / MB:+.2f}",
                 f"{t / (n - warm) * 1e3:.0f} ms/function"])
    table(f"resident memory across the leak loops (MB; 'warm' after the first 10,000 calls / "
          f"{warm} functions; in-memory object cache: {len(cache.memory)} of at most "
          f"{cache.max_entries} entries)",
          ["", "warm", "end", "growth", "native heap", "speed"], rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds, 100 functions")
    ap.add_argument("--profile", action="store_true",
                    help="also profile a call and a compile (cProfile)")
    ap.add_argument("--only", choices=("dispatch", "compile", "memory"), action="append",
                    help="run only these parts (repeatable)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child()
    parts = args.only or ["dispatch", "compile", "memory"]
    import numpy as np
    import lamina
    from lamina.runtime import jit
    from lamina.runtime.cache import ObjectCache
    s = jit._init()
    print(f"lamina {lamina.__version__}, numpy {np.__version__}, Python "
          f"{sys.version.split()[0]}, {s['cpu']} ({os.cpu_count()} CPUs), load average "
          f"{os.getloadavg()[0]:.1f}")
    scratch = tempfile.mkdtemp(prefix="lamina-bench-objects-")
    try:
        if "dispatch" in parts:
            bench_dispatch(args, ObjectCache(directory=scratch))
        if "compile" in parts:
            bench_compile(args)
        if "memory" in parts:
            bench_memory(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
