"""No leaks in the runtime: many calls of compiled functions (each result a fresh native buffer,
freed when its array dies), and many compiled functions created and dropped (their code
unmapped, the in-memory object cache bounded), keep the process's memory flat once warm.
Resident memory comes from /proc/self/statm; the native heap in use from glibc's mallinfo2,
which sees a leaked result buffer that resident memory would hide.
"""

from __future__ import annotations

import ctypes
import gc
import os
import weakref

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
from lamina import ir
from lamina.driver import Executable, compile_module
from lamina.runtime import cache as C
from lamina.runtime import jit

MB = 1 << 20
PAGE = os.sysconf("SC_PAGE_SIZE")

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"),
                                reason="reads resident memory from /proc/self/statm")


def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


_libc = ctypes.CDLL(None)
_mallinfo2 = getattr(_libc, "mallinfo2", None)
if _mallinfo2 is not None:
    _mallinfo2.restype = _MallInfo2


def native_heap():
    """Bytes malloc has handed out and not had back (None where glibc cannot tell)."""
    if _mallinfo2 is None:
        return None
    m = _mallinfo2()
    return m.uordblks + m.hblkhd


def measure(work):
    gc.collect()
    r0, h0 = resident(), native_heap()
    work()
    gc.collect()
    r1, h1 = resident(), native_heap()
    return r1 - r0, None if h0 is None else h1 - h0


CALLS = """
func.func @add3(%x: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %0 = lamina.add %x, %x : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %1 = lamina.add %0, %x : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  return %1 : tensor<16x16xf32>
}
func.func @dynamic(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %0 = lamina.add %x, %x : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}
func.func @two(%x: tensor<16x16xf32>) -> (tensor<16x16xf32>, tensor<16xf32>) {
  %0 = lamina.multiply %x, %x : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %1 = lamina.reduce_sum %x axes = [0] : tensor<16x16xf32> -> tensor<16xf32>
  return %0, %1 : tensor<16x16xf32>, tensor<16xf32>
}
"""


@pytest.fixture
def cache(tmp_path):
    return C.ObjectCache(directory=str(tmp_path))


def test_100k_calls_keep_memory_flat(cache):
    """Every call returns a fresh 1 KB native buffer: a leaked one would be 100 MB here."""
    ex = compile_module(ir.parse(CALLS), cache=cache)
    add3, dynamic, two = (ex.entries[n] for n in ("add3", "dynamic", "two"))
    x = np.arange(256, dtype=np.float32).reshape(16, 16)
    xt = x.T  # not contiguous: the general path (a copy)

    def calls(n):
        for _ in range(n):
            add3(x)
        for _ in range(n // 10):
            dynamic(x)
            two(x)
            add3(xt)
        kept = [add3(x) for _ in range(n // 100)]  # freed together at the end
        np.testing.assert_array_equal(kept[0][0], 3 * x)

    calls(10_000)  # warm
    grew, heap = measure(lambda: calls(100_000))
    assert grew < 30 * MB, f"resident memory grew {grew / MB:.1f} MB over 100,000 calls"
    if heap is not None:
        assert heap < 2 * MB, f"the native heap grew {heap / MB:.1f} MB over 100,000 calls"
    (r,) = add3(x)
    np.testing.assert_array_equal(r, 3 * x)


def test_results_outlive_their_call_and_views_keep_them(cache):
    ex = compile_module(ir.parse(CALLS), cache=cache)
    x = np.arange(256, dtype=np.float32).reshape(16, 16)
    views = []
    for _ in range(50):
        (r,) = ex.entries["add3"](x)
        views.append(r[3:5, ::2])  # the result itself is dropped: the view keeps its buffer
        ex.entries["add3"](x)  # a call that could reuse a freed buffer
    del ex
    gc.collect()
    for v in views:
        np.testing.assert_array_equal(v, 3 * x[3:5, ::2])


def _distinct(i):
    return f"""func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {{
  %c = lamina.constant dense<{i}.0> : tensor<4xf32>
  %0 = lamina.add %x, %c : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}}"""


def test_distinct_compiled_functions_are_released(tmp_path):
    """Functions compiled, called once and dropped: their code is unmapped and the in-memory
    cache stays bounded. (The benchmark, benchmarks/runtime.py, runs 1,000.)"""
    cache = C.ObjectCache(directory=str(tmp_path), max_entries=16)
    x = np.ones(4, np.float32)
    images = []

    def compile_and_drop(first, n):
        for i in range(first, first + n):
            ex = compile_module(ir.parse(_distinct(i)), cache=cache)
            (r,) = ex.entries["f"](x)
            assert r[0] == i + 1
            images.append(weakref.ref(ex.library.image))
            del ex, r

    compile_and_drop(0, 10)  # warm
    grew, _ = measure(lambda: compile_and_drop(10, 30))
    assert grew < 30 * MB, f"resident memory grew {grew / MB:.1f} MB over 30 functions"
    assert len(cache.memory) <= 16
    assert all(t() is None for t in images), "a dropped function's code is still loaded"


def test_loading_and_dropping_libraries_keeps_memory_flat(cache):
    """Each load maps the code and dropping the library unmaps it: 2,000 loads stay flat
    (with llvmlite's ORC JIT, which kept 10 KB per library, they grew 20 MB)."""
    ex = compile_module(ir.parse(_distinct(0)), cache=cache)
    (obj, meta), = cache.memory.values()
    x = np.ones(4, np.float32)

    def loads(n):
        for _ in range(n):
            e = Executable(obj, meta)
            e.entries["f"](x)

    del ex
    loads(200)  # warm
    grew, _ = measure(lambda: loads(2000))
    assert grew < 8 * MB, f"resident memory grew {grew / MB:.1f} MB over 2,000 loads"


def test_compiler_process_compiles_and_is_replaced(tmp_path, monkeypatch):
    """Past the first modules, LLVM runs in a compiler process (llvmlite leaks ~62 KB per
    optimized module), replaced after its share: this process's memory stays flat, the
    code is the same, LLVM's rejections still say why, a killed compiler is replaced."""
    monkeypatch.setattr(jit, "IN_PROCESS_COMPILES", 0)
    monkeypatch.setattr(jit, "COMPILES_PER_PROCESS", 10)
    cache = C.ObjectCache(directory=str(tmp_path), max_entries=4)
    x = np.ones(4, np.float32)
    pids = set()

    def compile_and_drop(first, n):
        for i in range(first, first + n):
            ex = compile_module(ir.parse(_distinct(1000 + i)), cache=cache)
            pids.add(jit._state["process"].proc.pid)
            assert ex.entries["f"](x)[0][0] == 1001 + i

    compile_and_drop(0, 10)  # warm
    grew, heap = measure(lambda: compile_and_drop(10, 40))
    assert len(pids) >= 4, "the compiler process was not replaced"
    assert grew < 8 * MB, f"resident memory grew {grew / MB:.1f} MB over 40 modules"
    if heap is not None:
        assert heap < 1 * MB, f"the native heap grew {heap / MB:.1f} MB over 40 modules"

    with pytest.raises(ir.IRError, match="LLVM rejected the generated IR"):
        jit.compile_ir("define i32 @f() {\n  ret i64 0\n}\n")
    jit._state["process"].proc.kill()
    jit._state["process"].proc.wait()
    compile_and_drop(100, 1)
