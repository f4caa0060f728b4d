"""lamina.runtime.object_loader: object code that LLVM emits, loaded without LLVM.

Each relocation kind the loader handles is produced here by LLVM from small IR programs (under
several code models and relocation models, as the project's Compiler emits them) and from
module-level assembly, whose relocated fields are checked against the x86-64 ABI's formulas;
the programs call external functions (libm, memcpy, GCC's runtime builtins, imported
callbacks), read constant tables, jump through switch tables and function pointers in data.
Broken objects and unresolved symbols are IRErrors, never a crash; dropped code is unmapped;
a fresh process whose function comes from the disk cache does not load LLVM.
"""

from __future__ import annotations

import ctypes
import gc
import json
import math
import os
import random
import struct
import subprocess
import sys

import numpy as np
import pytest

from lamina.ir import IRError
from lamina.runtime import jit, llvm_compiler
from lamina.runtime import object_loader as ol

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROGRAM = r"""
@table = internal constant [4 x float] [float 1.0, float 2.0, float 4.0, float 8.0]
@counter = internal global i64 0
@ops = internal global [2 x ptr] [ptr @twice, ptr @square]
@src = internal constant [48 x i8] c"0123456789abcdef0123456789abcdef0123456789abcdef"
declare float @expf(float)
declare i64 @callback(i64)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

define internal i64 @twice(i64 %x) {
  %r = mul i64 %x, 2
  ret i64 %r
}
define internal i64 @square(i64 %x) {
  %r = mul i64 %x, %x
  ret i64 %r
}
define float @exp_of_entry(float %x, i64 %i) {
  %p = getelementptr [4 x float], ptr @table, i64 0, i64 %i
  %t = load float, ptr %p
  %y = fadd float %x, %t
  %e = call float @expf(float %y)
  ret float %e
}
define i64 @pick(i64 %k) {
entry:
  switch i64 %k, label %other [ i64 0, label %a
                                i64 1, label %b
                                i64 2, label %c
                                i64 3, label %d
                                i64 4, label %e ]
a:
  ret i64 17
b:
  ret i64 -4
c:
  ret i64 99
d:
  ret i64 1234
e:
  ret i64 5
other:
  ret i64 0
}
define i64 @indirect(i64 %which, i64 %x) {
  %p = getelementptr [2 x ptr], ptr @ops, i64 0, i64 %which
  %f = load ptr, ptr %p
  %r = call i64 %f(i64 %x)
  %c = load i64, ptr @counter
  %c1 = add i64 %c, 1
  store i64 %c1, ptr @counter
  ret i64 %c1
}
define i64 @through_callback(i64 %x) {
  %r = call i64 @callback(i64 %x)
  %s = add i64 %r, 1
  ret i64 %s
}
define void @copy(ptr %dst, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %dst, ptr @src, i64 %n, i1 false)
  ret void
}
define void @to_half(double %x, ptr %out) {
  %h = fptrunc double %x to half
  store half %h, ptr %out
  ret void
}
"""

# (reloc, code model): lamina's own (PIC, the JIT's default: large), and others that use the
# small-model and absolute relocations (the static small and kernel models load below 2 GiB)
MODELS = [("pic", "jitdefault"), ("pic", "small"), ("pic", "medium"), ("static", "small"),
          ("static", "large"), ("static", "kernel")]

# Every field of `relocs` and each function below is one relocation kind; `ext` is imported.
ASSEMBLY = r"""
module asm ".section .data.rel.test,\22aw\22,@progbits"
module asm ".globl relocs"
module asm "relocs:"
module asm "  .quad ext + 8"
module asm "  .quad ext - ."
module asm "  .long target - ."
module asm "  .quad target@GOTOFF"
module asm "  .quad ext@GOT"
module asm "  .long ext@GOTPCREL"
module asm "  .quad ext@PLTOFF"
module asm "  .long ext@PLT"
module asm "  .quad _GLOBAL_OFFSET_TABLE_ - ."
module asm ".text"
module asm ".globl got_pc32, got_pc64, load_gotpcrel, call_gotpcrelx, call_plt"
module asm "got_pc32: leaq _GLOBAL_OFFSET_TABLE_(%rip), %rax"
module asm "  ret"
module asm "got_pc64: leaq got_pc64(%rip), %rcx"
module asm "  movabsq $_GLOBAL_OFFSET_TABLE_-got_pc64, %rax"
module asm "  addq %rcx, %rax"
module asm "  ret"
module asm "load_gotpcrel: movq ext@GOTPCREL(%rip), %rax"
module asm "  ret"
module asm "call_gotpcrelx: jmp *ext@GOTPCREL(%rip)"
module asm "call_plt: jmp ext@PLT"
@target = global i64 0
"""

# absolute 32-bit addresses: the loader maps such objects below 2 GiB
ABSOLUTE_32 = r"""
module asm ".section .data.rel.test,\22aw\22,@progbits"
module asm ".globl abs32"
module asm "abs32: .long target + 4"
module asm ".text"
module asm ".globl abs32s"
module asm "abs32s: movq $target-8, %rax"
module asm "  ret"
@target = global i64 0
"""

I64 = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)
NO_ARGS = ctypes.CFUNCTYPE(ctypes.c_uint64)


def compiler(reloc="pic", codemodel="jitdefault"):
    s = jit._init()
    return llvm_compiler.Compiler(s["triple"], s["cpu"], s["features"], reloc, codemodel)


@pytest.fixture(scope="module")
def programs():
    """{(reloc, code model): object code of PROGRAM}."""
    return {m: compiler(*m).compile(PROGRAM) for m in MODELS}


@pytest.fixture(scope="module")
def assembled():
    c = compiler()
    return c.compile(ASSEMBLY), c.compile(ABSOLUTE_32)


@pytest.fixture(scope="module")
def callback():
    return I64(lambda x: 3 * x + 1)


def kinds(obj):
    """The relocation kinds in `obj`'s loaded sections (not .eh_frame's)."""
    sections, _, _, relocations = ol._parse(obj)
    return {ol._RELOCATIONS[info & 0xffffffff][0]
            for target, entries in relocations
            if sections[target][1] != ol.SHT_X86_64_UNWIND
            for _, info, _ in entries}


def mapping(address):
    """The permissions of the mapping of this process that holds `address`, or None."""
    with open("/proc/self/maps") as f:
        for line in f:
            span, perms = line.split()[:2]
            lo, hi = (int(x, 16) for x in span.split("-"))
            if lo <= address < hi:
                return perms
    return None


def test_every_handled_relocation_kind_is_exercised(programs, assembled):
    seen = set().union(*(kinds(o) for o in list(programs.values()) + list(assembled)))
    assert seen == {name for name, _, _ in ol._RELOCATIONS.values()}


@pytest.mark.parametrize("model", MODELS, ids="-".join)
def test_programs_run_under_every_code_model(programs, callback, model):
    image = ol.Image(programs[model], {"callback": ctypes.cast(callback, ctypes.c_void_p).value})
    f = ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_float, ctypes.c_int64)(
        image.address("exp_of_entry"))
    for i, t in enumerate([1.0, 2.0, 4.0, 8.0]):
        assert f(0.5, i) == pytest.approx(math.exp(0.5 + t), rel=1e-6)
    pick = I64(image.address("pick"))  # a jump table
    assert [pick(k) for k in range(-1, 7)] == [0, 17, -4, 99, 1234, 5, 0, 0]
    indirect = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)(
        image.address("indirect"))  # function pointers in data, a writable counter
    assert [indirect(0, 21), indirect(1, 12), indirect(0, 1)] == [1, 2, 3]
    assert I64(image.address("through_callback"))(5) == 17
    copy = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int64)(image.address("copy"))
    buf = ctypes.create_string_buffer(48)
    copy(buf, 40)  # memcpy
    assert buf.raw == (b"0123456789abcdef" * 3)[:40] + bytes(8)
    to_half = ctypes.CFUNCTYPE(None, ctypes.c_double, ctypes.c_void_p)(image.address("to_half"))
    out = np.zeros(1, np.float16)
    for x in (1.5, -2.0 ** -20, 65519.0, 1e-8, 3.14159):
        to_half(x, out.ctypes.data)  # __truncdfhf2, from GCC's runtime library
        assert out[0] == np.float16(x)
    if model[0] == "static" and model[1] in ("small", "kernel"):
        assert image.base + image.size <= 1 << 31


def test_relocated_fields_follow_the_abi(assembled, callback):
    ext = ctypes.cast(callback, ctypes.c_void_p).value
    image = ol.Image(assembled[0], {"ext": ext})
    at = image.address("relocs")
    target = image.address("target")
    got = NO_ARGS(image.address("got_pc32"))()
    assert NO_ARGS(image.address("got_pc64"))() == got
    assert image.base <= got < image.base + image.size

    def q(offset):
        return struct.unpack("<q", ctypes.string_at(at + offset, 8))[0]

    def i(offset):
        return struct.unpack("<i", ctypes.string_at(at + offset, 4))[0]

    def word(address):
        return struct.unpack("<Q", ctypes.string_at(address, 8))[0]

    assert q(0) == ext + 8  # R_X86_64_64
    assert at + 8 + q(8) == ext  # PC64
    assert at + 16 + i(16) == target  # PC32
    assert got + q(20) == target  # GOTOFF64
    assert word(got + q(28)) == ext  # GOT64: the GOT entry's offset
    assert word(at + 36 + i(36)) == ext  # GOTPCREL: the GOT entry, PC-relative
    stub = got + q(40)  # PLTOFF64: the stub, from the GOT
    assert at + 48 + i(48) == stub  # PLT32
    assert ctypes.string_at(stub, 14) == b"\xff\x25\0\0\0\0" + struct.pack("<Q", ext)
    assert at + 52 + q(52) == got  # PC64 to _GLOBAL_OFFSET_TABLE_
    assert NO_ARGS(image.address("load_gotpcrel"))() == ext  # REX_GOTPCRELX
    assert I64(image.address("call_gotpcrelx"))(4) == 13  # GOTPCRELX
    assert I64(image.address("call_plt"))(-2) == -5  # PLT32, through the stub
    assert mapping(image.address("got_pc32")) == "r-xp"
    assert mapping(got) == "r--p"  # the GOT, read-only once relocated
    assert mapping(at) == "rw-p"


def test_absolute_32_bit_relocations_load_below_2_gib(assembled):
    image = ol.Image(assembled[1])
    target = image.address("target")
    assert target < 1 << 31
    assert struct.unpack("<I", ctypes.string_at(image.address("abs32"), 4))[0] == target + 4
    assert NO_ARGS(image.address("abs32s"))() == target - 8


def test_imports_come_before_the_process_symbols(programs):
    obj = programs[("pic", "jitdefault")]
    fake = ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_float)(lambda x: -x)
    image = ol.Image(obj, {"expf": ctypes.cast(fake, ctypes.c_void_p).value,
                           "callback": 1})
    f = ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_float, ctypes.c_int64)(
        image.address("exp_of_entry"))
    assert f(0.5, 1) == -2.5


def test_unresolved_symbols_are_named(programs):
    with pytest.raises(IRError, match="undefined symbol 'callback'"):
        ol.Image(programs[("pic", "jitdefault")])
    weak = ol.Image(compiler().compile(
        "@w = extern_weak global i64\ndefine ptr @f() {\n  ret ptr @w\n}\n"))
    assert ctypes.CFUNCTYPE(ctypes.c_void_p)(weak.address("f"))() is None  # weak: null
    with pytest.raises(IRError, match="defines no symbol 'nowhere'"):
        weak.address("nowhere")


def test_what_lamina_does_not_run_is_refused():
    with pytest.raises(IRError, match="thread-local"):
        ol.Image(compiler().compile(
            "@t = thread_local global i64 0\n"
            "define i64 @f() {\n  %v = load i64, ptr @t\n  ret i64 %v\n}\n"))
    with pytest.raises(IRError, match="static constructors"):
        ol.Image(compiler().compile(
            "@llvm.global_ctors = appending global [1 x { i32, ptr, ptr }] "
            "[{ i32, ptr, ptr } { i32 65535, ptr @init, ptr null }]\n"
            "define void @init() {\n  ret void\n}\n", opt_level=0))
    with pytest.raises(IRError, match="'f' is an indirect function"):
        ol.Image(compiler().compile(
            "@f = ifunc i64 (), ptr @pick\n"
            "define internal ptr @pick() {\n  ret ptr @one\n}\n"
            "define internal i64 @one() {\n  ret i64 1\n}\n"))


def _with_relocation_type(obj, kind):
    """`obj` with its first relocation's type replaced."""
    sections, _, _, _ = ol._parse(obj)
    rela = next(s for s in sections if s[1] == ol.SHT_RELA and s[5])
    info_at = rela[4] + 8
    (info,) = struct.unpack_from("<Q", obj, info_at)
    return obj[:info_at] + struct.pack("<Q", (info >> 32 << 32) | kind) + obj[info_at + 8:]


def test_unhandled_relocations_and_broken_files_are_errors(programs):
    obj = programs[("pic", "jitdefault")]
    imports = {"callback": 1}
    with pytest.raises(IRError, match="relocation type 19 .* not supported"):  # TLSGD
        ol.Image(_with_relocation_type(obj, 19), imports)
    for n in (0, 3, 16, 63, 64, 200, len(obj) // 2, len(obj) - 1):
        with pytest.raises(IRError, match="cannot load the object code"):
            ol.Image(obj[:n], imports)
    for bad in (b"not an object at all" * 10, obj[:18] + b"\x03\x00" + obj[20:]):
        with pytest.raises(IRError, match="cannot load the object code"):
            ol.Image(bad, imports)
    # random corruption: loads (the bytes may be harmless) or an IRError, nothing else
    rng = random.Random(0)
    loaded = refused = 0
    for _ in range(400):
        data = bytearray(obj)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            ol.Image(bytes(data), imports).close()
            loaded += 1
        except IRError:
            refused += 1
    assert refused > 0 and loaded > 0


def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_unloading_unmaps_and_keeps_memory_flat(programs, callback):
    obj = programs[("pic", "jitdefault")]
    imports = {"callback": ctypes.cast(callback, ctypes.c_void_p).value}
    image = ol.Image(obj, imports)
    code, base = image.address("pick"), image.base
    assert mapping(code) == "r-xp"
    del image
    gc.collect()
    assert mapping(base) is None  # dropped: unmapped

    def cycles(n):
        for _ in range(n):
            im = ol.Image(obj, imports)
            assert I64(im.address("pick"))(3) == 1234
            del im

    cycles(200)
    gc.collect()
    r0 = resident()
    cycles(3000)  # each mapping is 3 pages or more: leaked, 36 MB
    gc.collect()
    assert resident() - r0 < 4 << 20


CHILD = r"""
import json, sys
import numpy as np
import lamina as tf

@tf.function
def f(x):
    return tf.exp(x) * 2.0 + tf.reduce_sum(x)

r = f(tf.constant([0.5, -1.5, 2.0])).numpy()
print(json.dumps({"binding": "llvmlite.binding" in sys.modules, "r": r.tolist()}))
"""


def test_a_fresh_process_hitting_the_disk_cache_does_not_load_llvm(tmp_path):
    env = dict(os.environ, LAMINA_CACHE_DIR=str(tmp_path),
               PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                             text=True, timeout=300, cwd=str(tmp_path))
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout.splitlines()[-1]))
    x = np.array([0.5, -1.5, 2.0], np.float32)
    for run in runs:
        np.testing.assert_allclose(run["r"], np.exp(x) * 2 + x.sum(), rtol=1e-6)
    assert runs[0]["binding"], "the first process compiles: it loads LLVM"
    assert not runs[1]["binding"], "a cache hit loaded llvmlite.binding"


def test_the_target_description_is_remembered_by_host_fingerprint(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMINA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(jit, "_target", [])
    llvm = jit._llvm_description()
    assert jit.target_description() == llvm
    (remembered,) = (tmp_path / "targets").iterdir()
    assert remembered.read_text() == llvm
    remembered.write_text("another host's description")  # what a second process reads
    monkeypatch.setattr(jit, "_target", [])
    assert jit.target_description() == "another host's description"
    remembered.write_bytes(b"\xff\xfe")  # unreadable: asked of LLVM, and rewritten
    monkeypatch.setattr(jit, "_target", [])
    assert jit.target_description() == llvm and remembered.read_text() == llvm
    fingerprint = jit.host_fingerprint()
    assert b"flags" in fingerprint
    monkeypatch.setattr(jit, "host_fingerprint", lambda: fingerprint + b" avx512fp16")
    monkeypatch.setattr(jit, "_target", [])
    assert jit.target_description() == llvm
    assert len(list((tmp_path / "targets").iterdir())) == 2  # another host: its own entry
