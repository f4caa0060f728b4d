"""LLVM's optimization pipeline and code generation for the host CPU: LLVM IR text -> object
code. It runs in lamina's process or, run as a script, in a compiler process that answers
requests on its stdin (lamina.runtime.jit decides which).

Why a compiler process: llvmlite leaks on every optimized module. Its pass builder allocates
instrumentation callbacks that nothing frees, and each run registers more into them (about
62 KB per module with llvmlite 0.50, measured, whatever the module's size); reusing one pass
builder is no way out, as the callbacks that earlier runs registered point into their freed
stack. A process that compiles a few modules never notices; one that compiles thousands
hands them to a compiler process, which is replaced now and then.

This module imports nothing of lamina, so that the compiler process starts fast.
"""

from __future__ import annotations

import struct
import sys

import llvmlite.binding as llvm

# request: opt level (u8), text length (u64), LLVM IR; answer: ok (u8), length (u64), object
# code (ok) or an error message
HEADER = struct.Struct("<BQ")


class Rejected(Exception):
    """LLVM rejected the IR (its parser or verifier): the message says why."""


def host():
    """(triple, cpu name, feature string) of this machine."""
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    return (llvm.get_process_triple(), llvm.get_host_cpu_name(),
            llvm.get_host_cpu_features().flatten())


class Compiler:
    """`reloc` and `codemodel` as llvmlite names them; lamina's code is position-independent
    with the JIT's default (large) code model, which lamina.runtime.object_loader loads
    anywhere; tests ask for others to see each kind of relocation loaded."""

    def __init__(self, triple, cpu, features, reloc="pic", codemodel="jitdefault"):
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        llvm.initialize_native_asmparser()  # module-level asm, which LLVM aborts on without it
        self.triple = triple
        self.tm = llvm.Target.from_triple(triple).create_target_machine(
            cpu=cpu, features=features, opt=3, reloc=reloc, codemodel=codemodel)

    def _optimized(self, llvm_ir, opt_level):
        try:
            module = llvm.parse_assembly(llvm_ir)
            module.verify()
        except RuntimeError as e:
            raise Rejected(str(e).strip()) from None
        module.triple = self.triple
        if opt_level > 0:
            pto = llvm.create_pipeline_tuning_options(speed_level=min(opt_level, 3))
            pto.loop_vectorization = opt_level >= 2
            pto.slp_vectorization = opt_level >= 2
            pb = llvm.create_pass_builder(self.tm, pto)
            pb.getModulePassManager().run(module, pb)
        return module

    def compile(self, llvm_ir, opt_level=3):
        """Object code for LLVM IR text (raises Rejected)."""
        return bytes(self.tm.emit_object(self._optimized(llvm_ir, opt_level)))


def _read(stream, n):
    data = stream.read(n)
    if len(data) != n:
        raise EOFError
    return data


def serve(triple, cpu, features):
    """Answer compile requests on stdin until it closes."""
    compiler = Compiler(triple, cpu, features)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            opt_level, n = HEADER.unpack(_read(requests, HEADER.size))
            text = _read(requests, n).decode()
        except EOFError:
            return
        try:
            ok, data = 1, compiler.compile(text, opt_level)
        except Rejected as e:
            ok, data = 0, str(e).encode()
        answers.write(HEADER.pack(ok, len(data)) + data)
        answers.flush()


if __name__ == "__main__":
    serve(*sys.argv[1:4])
