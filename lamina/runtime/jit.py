"""Native code for the host CPU through llvmlite: LLVM IR text -> optimized object code ->
a library loaded into an ORC JIT. A loaded library lives as long as its `Library` object;
dropping it unloads the code (the JIT's resource tracker).

Unloading frees a library's code but not its JITDylib: llvmlite creates one per library and
LLVM keeps it until the JIT itself is destroyed (about 10 KB each, measured). So libraries go
into a JIT that takes `LIBRARIES_PER_JIT` of them and is then retired; a retired JIT is
destroyed, dylibs and all, when the last of its libraries is dropped.

Compiling leaks too, inside llvmlite (see lamina.runtime.llvm_compiler): the first
`IN_PROCESS_COMPILES` modules compile in this process, later ones in a compiler process that
is replaced after `COMPILES_PER_PROCESS` modules, so that memory stays flat however many
distinct functions a program compiles."""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import itertools
import os
import subprocess
import sys
import tempfile
import threading

import llvmlite
import llvmlite.binding as llvm
from llvmlite.binding import orcjit

from ..ir import IRError
from . import llvm_compiler

_lock = threading.Lock()
_state = {}
_names = itertools.count()


def _load_compiler_builtins():
    """LLVM lowers some conversions (f64 -> f16, f32 -> f16 without F16C, f32 -> bf16) to
    calls of the compiler runtime's builtins (`__truncdfhf2`...); GCC's runtime library has
    them: loaded globally, the JIT resolves them in the process. By its soname first:
    find_library runs ldconfig, which costs milliseconds."""
    for name in ("libgcc_s.so.1", None):
        name = name or ctypes.util.find_library("gcc_s")
        if name:
            try:
                ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
                return
            except OSError:
                pass


LIBRARIES_PER_JIT = 64  # a new JIT costs about 1 ms; its dylibs' memory is bounded by this
IN_PROCESS_COMPILES = 32  # about 2 MB of llvmlite's leak; a compiler process starts in 0.3 s
COMPILES_PER_PROCESS = 500  # what the compiler process may leak: about 30 MB


def _init():
    if not _state:
        _load_compiler_builtins()
        triple, cpu, features = llvm_compiler.host()
        compiler = llvm_compiler.Compiler(triple, cpu, features)
        _state.update(triple=triple, cpu=cpu, features=features, tm=compiler.tm,
                      compiler=compiler, compiled=0, process=None, jit=None, linked=0)
    return _state


def _jit_for_next_library(s):
    """The JIT the next library goes into (under `_lock`)."""
    if s["jit"] is None or s["linked"] >= LIBRARIES_PER_JIT:
        s["jit"] = llvm.create_lljit_compiler(s["tm"])
        s["linked"] = 0
    s["linked"] += 1
    return s["jit"]


def target_description():
    """What compiled code depends on besides its IR (part of every cache key)."""
    s = _init()
    return f"{s['triple']}|{s['cpu']}|{s['features']}|llvmlite {llvmlite.__version__}|" \
           f"llvm {'.'.join(map(str, llvm.llvm_version_info))}"


def compile_ir(llvm_ir, opt_level=3):
    """Optimized object code for LLVM IR text. The IR must already be valid for the host:
    lowering validates what it emits, because LLVM's fatal errors end the process (here;
    in a compiler process, they become an IRError)."""
    s = _init()
    with _lock:
        s["compiled"] += 1
        try:
            if s["compiled"] <= IN_PROCESS_COMPILES:
                if s["compiled"] == IN_PROCESS_COMPILES:
                    _compiler_process(s)  # it starts while this module compiles
                return s["compiler"].compile(llvm_ir, opt_level)
            return _compiler_process(s).compile(llvm_ir, opt_level)
        except llvm_compiler.Rejected as e:
            raise IRError(f"LLVM rejected the generated IR: {e}") from None


def optimized_ir(llvm_ir, opt_level=3):
    """The IR after LLVM's optimization pipeline (for dumps)."""
    s = _init()
    with _lock:
        return s["compiler"].optimized_ir(llvm_ir, opt_level)


class _CompilerProcess:
    """lamina.runtime.llvm_compiler run as a script, compiling what it is sent."""

    def __init__(self, s):
        self.pid = os.getpid()  # a forked child must not talk to its parent's process
        self.compiles = 0
        self.stderr = tempfile.TemporaryFile()
        # -P: the script's directory (lamina/runtime) must not shadow other modules
        self.proc = subprocess.Popen(
            [sys.executable, "-P", llvm_compiler.__file__, s["triple"], s["cpu"],
             s["features"]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)

    def compile(self, llvm_ir, opt_level):
        text = llvm_ir.encode()
        header = llvm_compiler.HEADER
        try:
            self.proc.stdin.write(header.pack(opt_level, len(text)) + text)
            self.proc.stdin.flush()
            ok, n = header.unpack(self._read(header.size))
            data = self._read(n)
        except (OSError, EOFError):
            self.close()
            self.stderr.seek(0)
            why = self.stderr.read().decode("utf-8", "replace").strip()[-2000:]
            raise IRError(f"LLVM's compiler process ended while compiling: {why}") from None
        self.compiles += 1
        if not ok:
            raise llvm_compiler.Rejected(data.decode("utf-8", "replace"))
        return data

    def _read(self, n):
        data = self.proc.stdout.read(n)
        if len(data) != n:
            raise EOFError
        return data

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()


def _compiler_process(s):
    """The compiler process (under `_lock`): started, or replaced when it has compiled its
    share or belongs to the process this one was forked from."""
    p = s["process"]
    if p is not None and (p.pid != os.getpid() or p.compiles >= COMPILES_PER_PROCESS
                          or p.proc.poll() is not None):
        if p.pid == os.getpid():
            p.close()
        p = None
    if p is None:
        p = s["process"] = _CompilerProcess(s)
    return p


@atexit.register
def _close_compiler_process():
    p = _state.get("process")
    if p is not None and p.pid == os.getpid():
        p.close()


class Library:
    """Object code linked into the process; `address(name)` of each exported symbol.
    `imports` ({name: address}) resolve symbols ahead of the process's own (how compiled
    code reaches the runner utilities, which are JIT-compiled code themselves)."""

    def __init__(self, obj, exports, imports=None):
        s = _init()
        builder = orcjit.JITLibraryBuilder().add_object_img(obj).add_current_process()
        for name, address in (imports or {}).items():
            builder.import_symbol(name, address)
        for name in exports:
            builder.export_symbol(name)
        with _lock:
            lljit = _jit_for_next_library(s)
            self._tracker = builder.link(lljit, f"lamina{next(_names)}")
            self._jit = lljit  # outlives the tracker, whose disposal uses it
        self.addresses = {name: self._tracker[name] for name in exports}

    def address(self, name):
        return self.addresses[name]

    def __del__(self):
        # the code goes first, then (when this was its last library) the JIT
        tracker = self.__dict__.get("_tracker")
        if tracker is not None and not sys.is_finalizing():
            tracker.close()


class NativeLibrary:
    """A library lamina generates itself as LLVM IR (the runner utilities, the tensor
    printers): compiled once through the object cache, loaded on first use, shared by every
    module that links against it."""

    def __init__(self, name, ir_text, exports):
        self.name = name
        self.ir_text = ir_text
        self.exports = tuple(exports)
        self.symbols = frozenset(self.exports)
        self._loaded = None
        self._lock = threading.Lock()

    def load(self):
        from .cache import CACHE, make_key
        with self._lock:
            if self._loaded is None:
                key = make_key(self.name, self.ir_text)
                hit = CACHE.get(key)
                if hit is None:
                    obj = compile_ir(self.ir_text)
                    CACHE.put(key, obj, {})
                else:
                    obj = hit[0]
                self._loaded = Library(obj, self.exports)
            return self._loaded

    def addresses(self, names):
        """{name: address} of this library's symbols among `names` (for Library's imports)."""
        wanted = [n for n in names if n in self.symbols]
        if not wanted:
            return {}
        lib = self.load()
        return {n: lib.address(n) for n in wanted}
