"""Native code for the host CPU: LLVM IR text -> optimized object code (llvmlite) -> a library
loaded into the process (lamina.runtime.object_loader). A loaded library lives as long as its
`Library` object; dropping it unmaps the code.

Only compiling needs LLVM: it is imported on the first compile, so a process whose code all
comes from the object cache never loads it. The cache key's target description (what
compiled code depends on besides its IR) is remembered in the cache directory under a
fingerprint of the host read without LLVM.

Compiling leaks, inside llvmlite (see lamina.runtime.llvm_compiler): the first
`IN_PROCESS_COMPILES` modules compile in this process, later ones in a compiler process that
is replaced after `COMPILES_PER_PROCESS` modules, so that memory stays flat however many
distinct functions a program compiles."""

from __future__ import annotations

import atexit
import hashlib
import os
import subprocess
import sys
import tempfile
import threading

from ..ir import IRError
from ..ir.cachedir import cache_dir
from . import object_loader

_lock = threading.Lock()
_state = {}
_target = []

IN_PROCESS_COMPILES = 32  # about 2 MB of llvmlite's leak; a compiler process starts in 0.3 s
COMPILES_PER_PROCESS = 500  # what the compiler process may leak: about 30 MB


def _init():
    """The compiler's state, LLVM initialized (on the first compile)."""
    if not _state:
        from . import llvm_compiler
        triple, cpu, features = llvm_compiler.host()
        compiler = llvm_compiler.Compiler(triple, cpu, features)
        _state.update(triple=triple, cpu=cpu, features=features, compiler=compiler,
                      compiled=0, process=None)
    return _state


def _llvm_description():
    import llvmlite
    import llvmlite.binding as llvm
    s = _init()
    return f"{s['triple']}|{s['cpu']}|{s['features']}|llvmlite {llvmlite.__version__}|" \
           f"llvm {'.'.join(map(str, llvm.llvm_version_info))}"


_CPU_FIELDS = (b"vendor_id", b"cpu family", b"model", b"model name", b"stepping", b"flags")


def host_fingerprint():
    """What LLVM's description of the host follows from, read without LLVM: the machine, the
    first CPU as Linux describes it (vendor, family, model, feature flags) and llvmlite's
    build (its version, and its LLVM library's size and time). None where /proc/cpuinfo does
    not say (then LLVM is asked every time)."""
    import llvmlite  # its version only: llvmlite.binding is what loads LLVM
    try:
        with open("/proc/cpuinfo", "rb") as f:
            first = f.read(1 << 16).split(b"\n\n", 1)[0]
        lib = os.stat(os.path.join(os.path.dirname(llvmlite.__file__), "binding",
                                   "libllvmlite.so"))
    except OSError:
        return None
    fields = sorted(line for line in first.splitlines()
                    if line.split(b":", 1)[0].strip() in _CPU_FIELDS)
    if not any(line.startswith(b"flags") for line in fields):
        return None
    return b"\n".join([os.uname().machine.encode(), llvmlite.__version__.encode(),
                       f"{lib.st_size} {lib.st_mtime_ns}".encode()] + fields)


def target_description():
    """What compiled code depends on besides its IR (part of every cache key): LLVM's
    triple, CPU and features, llvmlite's and LLVM's versions. Remembered on disk under the
    host's fingerprint, so that a process whose code is cached does not start LLVM."""
    if _target:
        return _target[0]
    fingerprint = host_fingerprint()
    d = None if fingerprint is None else cache_dir("targets")
    path = None if d is None else os.path.join(d, hashlib.sha256(fingerprint).hexdigest())
    description = None
    if path is not None:
        try:
            with open(path, "rb") as f:
                description = f.read().decode("ascii") or None
        except (OSError, UnicodeDecodeError):
            pass
    if description is None:
        description = _llvm_description()
        if path is not None:
            from .cache import write_atomically
            write_atomically(path, description.encode("ascii"))
    _target.append(description)
    return description


def compile_ir(llvm_ir, opt_level=3):
    """Optimized object code for LLVM IR text. The IR must already be valid for the host:
    lowering validates what it emits, because LLVM's fatal errors end the process (here;
    in a compiler process, they become an IRError)."""
    from . import llvm_compiler
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


class _CompilerProcess:
    """lamina.runtime.llvm_compiler run as a script, compiling what it is sent."""

    def __init__(self, s):
        from . import llvm_compiler
        self.pid = os.getpid()  # a forked child must not talk to its parent's process
        self.compiles = 0
        self.stderr = tempfile.TemporaryFile()
        # -P: the script's directory (lamina/runtime) must not shadow other modules
        self.proc = subprocess.Popen(
            [sys.executable, "-P", llvm_compiler.__file__, s["triple"], s["cpu"],
             s["features"]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)

    def compile(self, llvm_ir, opt_level):
        from . import llvm_compiler
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
    """Object code loaded into the process; `address(name)` of each exported symbol.
    `imports` ({name: address}) resolve symbols ahead of the process's own (how compiled
    code reaches the runner utilities, which are lamina-compiled code themselves)."""

    def __init__(self, obj, exports, imports=None):
        self.image = object_loader.Image(obj, imports)
        self.addresses = {name: self.image.address(name) for name in exports}

    def address(self, name):
        return self.addresses[name]


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

    @property
    def loaded(self):
        """The Library if it has been loaded (None: nothing of it runs yet)."""
        return self._loaded

    def addresses(self, names):
        """{name: address} of this library's symbols among `names` (for Library's imports)."""
        wanted = [n for n in names if n in self.symbols]
        if not wanted:
            return {}
        lib = self.load()
        return {n: lib.address(n) for n in wanted}
