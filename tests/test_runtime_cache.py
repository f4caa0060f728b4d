"""The compile cache (lamina/runtime/cache.py): object code in memory and on disk under
LAMINA_CACHE_DIR. A fresh process hits the disk cache without compiling; a corrupt entry is
recompiled, never trusted; concurrent writers (threads or processes) leave a valid entry; the
key changes with the IR, the target, the versions and lamina's own sources; a cache
directory that cannot be written only costs recompilation.

Every test uses its own temporary cache directory, never the user's.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
from lamina import driver, ir
from lamina.lowering import pipeline
from lamina.driver import compile_module
from lamina.runtime import cache as C
from lamina.runtime import jit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ADD3 = """func.func @f(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = lamina.add %x, %x : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %1 = lamina.add %0, %x : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}"""
X = np.arange(4, dtype=np.float32).reshape(2, 2)


def run_add3(cache):
    ex = compile_module(ir.parse(ADD3), cache=cache)
    (r,) = ex.entries["f"](X)
    np.testing.assert_array_equal(r, 3 * X)


class Compiles:
    """Counts LLVM compilations (jit.compile_ir calls)."""

    def __init__(self, monkeypatch):
        self.count = 0
        real = jit.compile_ir

        def counting(*args, **kwargs):
            self.count += 1
            return real(*args, **kwargs)
        monkeypatch.setattr(jit, "compile_ir", counting)


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    """LAMINA_CACHE_DIR for this test: a fresh directory, seeded with this process's parser
    tables so that subprocesses need not rebuild them (copied, read only)."""
    from lamina.ir.cachedir import cache_dir
    grammar = cache_dir("grammar")
    root = tmp_path / "cache"
    os.makedirs(root / "grammar")
    for f in glob.glob(os.path.join(grammar or "", "*.tables")):
        shutil.copy(f, root / "grammar")
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(root))
    return root


def entries(root):
    return sorted(glob.glob(os.path.join(root, "objects", "*", "*.obj")))


def leftovers(root):
    return glob.glob(os.path.join(root, "objects", "*", ".tmp-*"))


def is_valid(path):
    with open(path, "rb") as f:
        return C._decode(f.read()) is not None


def subprocess_env(root):
    env = dict(os.environ)
    env["LAMINA_CACHE_DIR"] = str(root)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    return env


# -- memory and disk -----------------------------------------------------------------------

def test_disk_entry_serves_a_cache_without_memory(cache_root, monkeypatch):
    compiles = Compiles(monkeypatch)
    run_add3(C.ObjectCache())
    assert compiles.count == 1
    (path,) = entries(cache_root)
    assert is_valid(path) and not leftovers(cache_root)

    def no_lowering(*args, **kwargs):
        raise AssertionError("a cache hit must not lower")
    monkeypatch.setattr(pipeline, "lower", no_lowering)
    run_add3(C.ObjectCache())  # empty memory: from disk
    assert compiles.count == 1


def test_memory_level_is_a_bounded_lru(tmp_path):
    c = C.ObjectCache(directory=str(tmp_path), max_entries=3)
    for i in range(10):
        c.put(f"k{i}", b"obj", {})
        if i >= 1:
            assert c.get("k1") is not None  # kept recent: never evicted
    assert len(c.memory) == 3
    assert list(c.memory) == ["k8", "k9", "k1"]  # least recently used first
    assert "k0" not in c.memory and c.get("k0") is not None  # still on disk


def test_fresh_process_hits_the_disk_cache(cache_root):
    script = f"""
import sys, numpy as np
import lamina
from lamina import driver, ir
from lamina.runtime import jit
text = {ADD3!r}
if sys.argv[1] == "hit":
    def fail(*a, **k):
        raise SystemExit("compiled: " + sys.argv[1])
    jit.compile_ir = fail
    from lamina.lowering import pipeline
    pipeline.lower = fail
ex = driver.compile_module(ir.parse(text))
(r,) = ex.entries["f"](np.ones((2, 2), np.float32))
assert (r == 3).all(), r
print("ok")
"""
    env = subprocess_env(cache_root)
    for mode in ("populate", "hit"):
        p = subprocess.run([sys.executable, "-c", script, mode], env=env, capture_output=True,
                           text=True, timeout=300)
        assert p.returncode == 0 and p.stdout.strip() == "ok", (mode, p.stdout, p.stderr)
    assert len(entries(cache_root)) == 1


# -- corrupt entries -----------------------------------------------------------------------

def _truncate_half(data):
    return data[:len(data) // 2]


def _flip(at):
    def corrupt(data):
        i = int(len(data) * at)
        return data[:i] + bytes([data[i] ^ 0x40]) + data[i + 1:]
    return corrupt


CORRUPTIONS = {
    "empty": lambda data: b"",
    "truncated to the header": lambda data: data[:len(C.MAGIC) + 10],
    "truncated to half": _truncate_half,
    "flipped byte in the checksum": _flip(0.05),
    "flipped byte in the object code": _flip(0.7),
    "flipped last byte": lambda data: data[:-1] + bytes([data[-1] ^ 1]),
    "garbage": lambda data: np.random.default_rng(0).bytes(len(data)),
    "garbage with the right magic": lambda data: C.MAGIC + b"\0" * 100,
    "appended bytes": lambda data: data + b"\0\0\0\0",
}


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_corrupt_entry_is_recompiled(cache_root, monkeypatch, how):
    run_add3(C.ObjectCache())
    (path,) = entries(cache_root)
    with open(path, "rb") as f:
        good = f.read()
    with open(path, "wb") as f:
        f.write(CORRUPTIONS[how](good))
    compiles = Compiles(monkeypatch)
    run_add3(C.ObjectCache())
    assert compiles.count == 1, "a corrupt entry must be recompiled, not loaded"
    assert entries(cache_root) == [path] and is_valid(path), "and rewritten"
    run_add3(C.ObjectCache())
    assert compiles.count == 1


def test_directory_at_the_entry_path_is_survived(cache_root, monkeypatch):
    run_add3(C.ObjectCache())
    (path,) = entries(cache_root)
    os.remove(path)
    os.makedirs(path)
    compiles = Compiles(monkeypatch)
    run_add3(C.ObjectCache())
    run_add3(C.ObjectCache())
    assert compiles.count == 2 and os.path.isdir(path)


# -- concurrent writers ----------------------------------------------------------------------

def test_concurrent_processes_compile_the_same_module(cache_root):
    """Processes released at the same moment compile the same module into the same, empty
    cache directory: all succeed, and one valid entry remains, no temporary files."""
    go = cache_root / "go"
    script = f"""
import os, sys, time, numpy as np
import lamina
from lamina import driver, ir
m = ir.parse({ADD3!r})
while not os.path.exists({str(go)!r}):
    time.sleep(0.001)
ex = driver.compile_module(m)
(r,) = ex.entries["f"](np.ones((2, 2), np.float32))
assert (r == 3).all(), r
print("ok")
"""
    env = subprocess_env(cache_root)
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    try:
        time.sleep(2.0)  # they import and parse; then they are released together
        go.touch()
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0 and out.strip() == "ok", (out, err)
    (path,) = entries(cache_root)
    assert is_valid(path) and not leftovers(cache_root)


def test_concurrent_threads_writing_and_reading_one_entry(tmp_path):
    """Writers replace the entry while readers read it: a reader sees the whole entry or
    none, never a part (entries are renamed into place)."""
    key = "ab" + "0" * 62
    obj = np.random.default_rng(1).bytes(200_000)
    writer_cache = C.ObjectCache(directory=str(tmp_path))
    path = writer_cache._path(key)
    stop = threading.Event()
    seen = []
    bad = []

    def write():
        while not stop.is_set():
            writer_cache.put(key, obj, {"n": 1})

    def read():
        while not stop.is_set():
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                continue
            entry = C._decode(data)
            seen.append(1)
            if entry is None or bytes(entry[0]) != obj:
                bad.append(len(data))

    threads = [threading.Thread(target=write) for _ in range(2)] + \
        [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    threading.Event().wait(1.5)
    stop.set()
    for t in threads:
        t.join()
    assert seen and not bad
    assert not glob.glob(os.path.join(tmp_path, "*", ".tmp-*"))


def test_concurrent_threads_compile_the_same_module(cache_root, monkeypatch):
    c = C.ObjectCache()
    errors = []

    def work():
        try:
            for _ in range(3):
                run_add3(c)
        except BaseException as e:  # noqa: BLE001  (reported below)
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    (path,) = entries(cache_root)
    assert is_valid(path)


# -- what the key depends on ------------------------------------------------------------------

def test_key_depends_on_every_input(monkeypatch):
    base = C.make_key("ir text", "-O3")
    assert C.make_key("ir text", "-O3") == base
    assert C.make_key("ir text ", "-O3") != base
    assert C.make_key("ir text", "-O2") != base
    # the parts are length-prefixed: moving a boundary changes the key
    assert C.make_key("ir tex", "t-O3") != base
    host = jit.target_description()
    changed = {
        "target": (jit, "target_description", lambda: host.replace("|", "|+avx512f,", 1)),
        "compiler sources": (C, "_fingerprint", ["another compiler"]),
        "lamina version": (lamina, "__version__", "0.0.0-other"),
    }
    for what, (obj, name, value) in changed.items():
        with monkeypatch.context() as m:
            m.setattr(obj, name, value)
            assert C.make_key("ir text", "-O3") != base, what
    assert C.make_key("ir text", "-O3") == base


def test_target_description_names_the_host():
    d = jit.target_description()
    s = jit._init()
    assert s["triple"] in d and s["cpu"] in d and s["features"] in d
    assert "llvmlite" in d and "llvm" in d


def test_source_digest_follows_the_sources(tmp_path):
    src = tmp_path / "pkg"
    (src / "lowering").mkdir(parents=True)
    (src / "lowering" / "a.py").write_text("X = 1\n")
    (src / "b.py").write_text("Y = 2\n")
    (src / "notes.txt").write_text("not a source")
    d0 = C.source_digest(src)
    assert C.source_digest(src) == d0
    (src / "notes.txt").write_text("still not a source")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "c.py").write_text("")
    assert C.source_digest(src) == d0
    (src / "lowering" / "a.py").write_text("X = 2\n")
    d1 = C.source_digest(src)
    assert d1 != d0
    (src / "lowering" / "a.py").rename(src / "lowering" / "c.py")
    assert C.source_digest(src) not in (d0, d1)
    (src / "lowering" / "c.py").rename(src / "lowering" / "a.py")
    assert C.source_digest(src) == d1
    (src / "lowering" / "new.py").write_text("")
    assert C.source_digest(src) != d1


def test_source_digest_is_remembered_by_stat(tmp_path, monkeypatch):
    """A fresh process finds the digest of unchanged sources without reading them; a source
    that changes (size or modification time) is digested again; a corrupt memo is ignored."""
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "pkg"
    src.mkdir()
    (src / "a.py").write_text("X = 1\n")
    d0 = C.remembered_source_digest(src)
    assert d0 == C.source_digest(src)
    real = C.source_digest
    with monkeypatch.context() as m:
        m.setattr(C, "source_digest", lambda root: pytest.fail("sources read again"))
        assert C.remembered_source_digest(src) == d0
    (src / "a.py").write_text("X = 2\n")
    os.utime(src / "a.py", ns=(1, 1))  # a new modification time, as an edit gives
    assert C.remembered_source_digest(src) == real(src) != d0
    for memo in glob.glob(str(tmp_path / "cache" / "fingerprints" / "*")):
        with open(memo, "w") as f:
            f.write("not a digest")
    assert C.remembered_source_digest(src) == real(src)


def test_changed_compiler_never_hits_a_stale_entry(cache_root, monkeypatch):
    run_add3(C.ObjectCache())
    compiles = Compiles(monkeypatch)
    monkeypatch.setattr(C, "_fingerprint", ["a changed lowering"])
    run_add3(C.ObjectCache())
    assert compiles.count == 1
    assert len(entries(cache_root)) == 2


def test_changed_ir_is_a_different_entry(cache_root, monkeypatch):
    run_add3(C.ObjectCache())
    compiles = Compiles(monkeypatch)
    ex = compile_module(ir.parse(ADD3.replace("%0, %x", "%0, %0")), cache=C.ObjectCache())
    (r,) = ex.entries["f"](X)
    np.testing.assert_array_equal(r, 4 * X)
    assert compiles.count == 1 and len(entries(cache_root)) == 2


# -- a cache directory that cannot be written ------------------------------------------------

def test_cache_dir_that_cannot_be_created(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(blocker / "cache"))
    compiles = Compiles(monkeypatch)
    run_add3(C.ObjectCache())
    run_add3(C.ObjectCache())
    assert compiles.count == 2


def test_cache_dir_that_cannot_be_written(cache_root, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Read-only file system")
    monkeypatch.setattr(C.tempfile, "mkstemp", read_only)
    compiles = Compiles(monkeypatch)
    run_add3(C.ObjectCache())
    run_add3(C.ObjectCache())
    assert compiles.count == 2 and not entries(cache_root)


def test_full_disk_leaves_no_temporary_file(cache_root, monkeypatch):
    real = os.fdopen

    class Full:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[:10])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(C.os, "fdopen", lambda fd, mode: Full(real(fd, mode)))
    run_add3(C.ObjectCache())
    assert not entries(cache_root) and not leftovers(cache_root)


@pytest.mark.parametrize("text", ["memref<2x2xf32>", "memref<?x3xui8>", "memref<i1>", "f32",
                                  "i64", "index", "bf16", "si8", "memref<4x?xindex>",
                                  "memref<2xf16>"])
def test_signature_types_decode_without_the_parser(text):
    """A cache hit decodes its signatures' types directly (no parser tables to load), as the
    parser reads them; other types go through the parser."""
    parsed = ir.parse(f"func.func private @s({text})").regions[0].blocks[0].first.type.inputs
    assert driver._simple_type(text) == parsed[0]
    assert driver._simple_type("memref<2xf32, strided<[2]>>") is None
