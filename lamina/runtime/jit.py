"""Native code for the host CPU through llvmlite: LLVM IR text -> optimized object code ->
a library loaded into one process-wide ORC JIT. A loaded library lives as long as its
`Library` object; dropping it unloads the code (the JIT's resource tracker)."""

from __future__ import annotations

import itertools
import threading

import llvmlite
import llvmlite.binding as llvm
from llvmlite.binding import orcjit

from ..ir import IRError

_lock = threading.Lock()
_state = {}
_names = itertools.count()


def _init():
    if not _state:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        triple = llvm.get_process_triple()
        cpu = llvm.get_host_cpu_name()
        features = llvm.get_host_cpu_features().flatten()
        target = llvm.Target.from_triple(triple)
        tm = target.create_target_machine(cpu=cpu, features=features, opt=3, reloc="pic",
                                          codemodel="jitdefault")
        _state.update(triple=triple, cpu=cpu, features=features, tm=tm,
                      jit=llvm.create_lljit_compiler(tm))
    return _state


def target_description():
    """What compiled code depends on besides its IR (part of every cache key)."""
    s = _init()
    return f"{s['triple']}|{s['cpu']}|{s['features']}|llvmlite {llvmlite.__version__}|" \
           f"llvm {'.'.join(map(str, llvm.llvm_version_info))}"


def compile_ir(llvm_ir, opt_level=3):
    """Optimized object code for LLVM IR text. The IR must already be valid for the host:
    lowering validates what it emits, because LLVM's fatal errors end the process."""
    s = _init()
    with _lock:
        try:
            module = llvm.parse_assembly(llvm_ir)
            module.verify()
        except RuntimeError as e:
            raise IRError(f"LLVM rejected the generated IR: {str(e).strip()}") from None
        module.triple = s["triple"]
        if opt_level > 0:
            pto = llvm.create_pipeline_tuning_options(speed_level=min(opt_level, 3))
            pto.loop_vectorization = opt_level >= 2
            pto.slp_vectorization = opt_level >= 2
            pb = llvm.create_pass_builder(s["tm"], pto)
            pb.getModulePassManager().run(module, pb)
        return s["tm"].emit_object(module)


def optimized_ir(llvm_ir, opt_level=3):
    """The IR after LLVM's optimization pipeline (for dumps)."""
    s = _init()
    with _lock:
        module = llvm.parse_assembly(llvm_ir)
        module.triple = s["triple"]
        pto = llvm.create_pipeline_tuning_options(speed_level=min(opt_level, 3))
        pb = llvm.create_pass_builder(s["tm"], pto)
        pb.getModulePassManager().run(module, pb)
        return str(module)


class Library:
    """Object code linked into the process; `address(name)` of each exported symbol."""

    def __init__(self, obj, exports):
        s = _init()
        builder = orcjit.JITLibraryBuilder().add_object_img(obj).add_current_process()
        for name in exports:
            builder.export_symbol(name)
        with _lock:
            self._tracker = builder.link(s["jit"], f"lamina{next(_names)}")
        self.addresses = {name: self._tracker[name] for name in exports}

    def address(self, name):
        return self.addresses[name]
