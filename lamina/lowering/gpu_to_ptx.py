"""Device code to PTX (llvmlite's NVPTX target) and PTX to a cubin (nvJitLink).

`ptx(module, sm)` takes a module at any level at or below loops (host functions with
gpu.launch or gpu.launch_func, or already converted gpu.modules) and returns the PTX of
every gpu.module, for `sm_<sm>` (80 and 90 are what lamina tests). The PTX ISA version is
pinned to 7.8, which CUDA 11.8 and every later driver load and which sm_90 needs.

LLVM's NVPTX backend ends the process (a fatal error no Python code can catch) on IR it
cannot select, e.g. `llvm.exp.f32` (no libcall on the GPU) or a call of a function the
module does not define. `validate` refuses those with an IRError before llvmlite sees them.
"""

from __future__ import annotations

import threading

from ..ir import IRError
from .gpu_to_nvvm import TRIPLE, convert_device_module, device_module
from .llvm_to_llvmir import translate

PTX_VERSION = 78           # PTX ISA 7.8
SUPPORTED_SM = (80, 86, 89, 90)
# llvm.intr ops NVPTX selects natively (or expands in place) for the types lamina emits
_SELECTABLE = frozenset(
    "llvm.intr." + n for n in (
        "sqrt", "fabs", "floor", "ceil", "round", "roundeven", "trunc", "rint", "nearbyint",
        "copysign", "maxnum", "minnum", "maximum", "minimum", "fma", "fmuladd", "ctpop",
        "ctlz", "cttz", "bitreverse", "bswap", "smax", "smin", "umax", "umin", "abs",
        "memcpy", "memmove", "memset", "masked.load", "masked.store"))
_LOCK = threading.Lock()


def validate(dev):
    """IRError for anything in llvm dialect module `dev` that NVPTX cannot compile."""
    defined = {o.properties["sym_name"].value for o in dev.regions[0].blocks[0]
               if o.name in ("llvm.func", "llvm.mlir.global") and
               (o.name != "llvm.func" or not o.is_declaration)}
    for o in dev.walk():
        n = o.name
        if n.startswith("llvm.intr.") and n not in _SELECTABLE:
            raise IRError(f"'{n}' cannot be compiled for the GPU: LLVM's NVPTX backend has no "
                          "library to call for it (expand it first: "
                          "math-expand-approximations)", o.loc)
        if n == "llvm.call":
            callee = o.properties.get("callee")
            if callee is None or callee.root not in defined:
                name = callee.root if callee is not None else "an indirect callee"
                raise IRError(f"call of '{name}' cannot be compiled for the GPU: device code "
                              "can only call functions of its own module", o.loc)
        elif not (n.startswith("llvm.") or n.startswith("nvvm.") or n == "builtin.module"):
            raise IRError(f"'{n}' is not lowered to the llvm dialect: run convert-gpu-to-nvvm "
                          "first", o.loc)


def _target_machine(sm):
    import llvmlite.binding as llvm
    if sm not in SUPPORTED_SM:
        raise IRError(f"unsupported GPU architecture sm_{sm}: lamina compiles for "
                      f"{', '.join(f'sm_{s}' for s in SUPPORTED_SM)}")
    llvm.initialize_all_targets()
    llvm.initialize_all_asmprinters()
    target = llvm.Target.from_triple(TRIPLE)
    return target.create_target_machine(cpu=f"sm_{sm}", features=f"+ptx{PTX_VERSION}", opt=3)


def llvm_ir_to_ptx(text, sm=80):
    """PTX for LLVM IR text (already validated), optimized at O3."""
    import llvmlite.binding as llvm
    with _LOCK:
        tm = _target_machine(sm)
        mod = llvm.parse_assembly(text)
        mod.triple = TRIPLE
        mod.data_layout = str(tm.target_data)
        mod.verify()
        pto = llvm.create_pipeline_tuning_options(speed_level=3)
        pb = llvm.create_pass_builder(tm, pto)
        pb.getModulePassManager().run(mod, pb)
        return tm.emit_assembly(mod)


def device_modules(module):
    """The gpu.modules of `module`, lowered to the llvm dialect (lowering a copy of the host
    module first if it still holds gpu.launch ops or unconverted device code)."""
    from ..passes import PassManager, parse_pipeline
    from .pipeline import GPU_OUTLINE
    if any(o.name == "gpu.launch" for o in module.walk()) or not any(
            o.name == "gpu.module" for o in module.walk()):
        module = module.clone()
        PassManager(parse_pipeline(GPU_OUTLINE), True).run(module)
    out = []
    for g in [o for o in module.walk() if o.name == "gpu.module"]:
        if any(o.name.startswith("gpu.") for o in g.walk() if o is not g):
            g = g.clone()
            convert_device_module(g)
        out.append((g.properties["sym_name"].value, device_module(g)))
    return out


def ptx(module, sm=80):
    """{gpu.module name: PTX text} for the device code of `module`."""
    out = {}
    for name, dev in device_modules(module):
        validate(dev)
        out[name] = llvm_ir_to_ptx(translate(dev), sm)
    return out


def assemble(ptx_text, sm=80):
    """A cubin for `sm_<sm>` from PTX text, through nvJitLink (no GPU needed). Raises
    IRError with nvJitLink's log if the PTX does not assemble."""
    from cuda.bindings import nvjitlink
    h = nvjitlink.create(2, [f"-arch=sm_{sm}", "-O3"])
    try:
        data = ptx_text.encode()
        try:
            nvjitlink.add_data(h, nvjitlink.InputType.PTX, data, len(data), "lamina.ptx")
            nvjitlink.complete(h)
        except nvjitlink.nvJitLinkError as e:
            size = nvjitlink.get_error_log_size(h)
            log = bytearray(size)
            nvjitlink.get_error_log(h, log)
            raise IRError(f"nvJitLink could not assemble the PTX for sm_{sm}: {e}: "
                          f"{bytes(log).decode(errors='replace').strip()}") from None
        size = nvjitlink.get_linked_cubin_size(h)
        cubin = bytearray(size)
        nvjitlink.get_linked_cubin(h, cubin)
        return bytes(cubin)
    finally:
        nvjitlink.destroy(h)


__all__ = ["PTX_VERSION", "SUPPORTED_SM", "validate", "llvm_ir_to_ptx", "device_modules", "ptx",
           "assemble"]
