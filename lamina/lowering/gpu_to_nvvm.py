"""`convert-gpu-to-nvvm`: the body of each `gpu.module` becomes llvm dialect code for
`nvptx64-nvidia-cuda` (the gpu.module stays as the container, as upstream's pass leaves it).

Transcendental math is expanded into polynomials first (NVPTX has no math library); then
scf becomes cf, and arith/math/memref/cf/func go through the CPU path's own patterns. A
kernel `gpu.func` becomes an `llvm.func` marked `nvvm.kernel` whose memref arguments are
expanded into their descriptor fields (allocated and aligned pointer, offset, sizes,
strides), the argument order the runtime launches with. Thread/block ids and sizes become
`nvvm.read.ptx.sreg.*` (i32, widened to index), `gpu.barrier` `nvvm.barrier0`, `gpu.shuffle`
`nvvm.shfl.sync` (64-bit values as two 32-bit halves). Workgroup buffers become globals in
NVPTX's shared address space (3), used through generic pointers.
"""

from __future__ import annotations

from ..dialects import llvm as L
from ..dialects import nvvm
from ..ir import IRError
from ..ir import types as T
from ..ir.attributes import StringAttr, UnitAttr
from ..ir.builtin import ModuleOp, UnrealizedConversionCastOp
from ..passes import Pass, register_pass
from ..passes.conversion import apply_conversion, reconcile_casts
from .gpu_math_approximations import expand as expand_math
from .scf_to_cf import ConvertSCFToCF
from .to_llvm import PATTERNS, TYPES
from .to_llvm.cf import module_of
from .to_llvm.common import Descriptor, const, ins, llvm_element
from .to_llvm.func import adopt_body, expand, merge_entry

TRIPLE = "nvptx64-nvidia-cuda"
DATA_LAYOUT = "e-p6:32:32-i64:64-i128:128-i256:256-v16:16-v32:32-n16:32:64"
SHARED = 3
_SREG = {"gpu.thread_id": "tid", "gpu.block_dim": "ntid", "gpu.block_id": "ctaid",
         "gpu.grid_dim": "nctaid"}


class _Pattern:
    def __init__(self, name, fn):
        self.op_name = name
        self.fn = fn

    def convert(self, op, operands, rw):
        return self.fn(op, operands, rw) is not False


def _to_index(rw, v32):
    v = ins(rw, L.SExtOp(v32, result_types=[T.i64]))
    return ins(rw, UnrealizedConversionCastOp([v], result_types=[T.index]))


def _sreg(op, operands, rw):
    cls = nvvm.special_register(_SREG[op.name], op.dim)
    rw.replace_op(op, [_to_index(rw, ins(rw, cls(result_types=[T.i32])))])


def _lane_id(op, operands, rw):
    rw.replace_op(op, [_to_index(rw, ins(rw, nvvm.LaneIdOp(result_types=[T.i32])))])


def _barrier(op, operands, rw):
    rw.insert(nvvm.Barrier0Op())
    op.erase()


_SHFL = {"xor": "bfly", "down": "down", "up": "up", "idx": "idx"}


def _shuffle(op, operands, rw):
    value, offset, width = operands
    kind = _SHFL[op.properties["mode"].case]
    t = value.type
    mask = const(rw, -1, T.i32)
    thirty_two = const(rw, 32, T.i32)
    # PTX's c operand: the clamp (width - 1) for idx/down/bfly, 32 - width for up
    clamp = ins(rw, L.SubOp(thirty_two, width)) if kind == "up" else \
        ins(rw, L.SubOp(width, const(rw, 1, T.i32)))
    if t in (T.i32, T.f32):
        r = ins(rw, nvvm.ShflSyncOp.build(kind, mask, value, offset, clamp))
    else:
        bits = ins(rw, L.BitcastOp(value, result_types=[T.i64])) if t == T.f64 else value
        lo = ins(rw, L.TruncOp(bits, result_types=[T.i32]))
        hi = ins(rw, L.TruncOp(ins(rw, L.LShrOp(bits, const(rw, 32))), result_types=[T.i32]))
        lo = ins(rw, nvvm.ShflSyncOp.build(kind, mask, lo, offset, clamp))
        hi = ins(rw, nvvm.ShflSyncOp.build(kind, mask, hi, offset, clamp))
        wide = ins(rw, L.OrOp(ins(rw, L.ZExtOp(lo, result_types=[T.i64])),
                              ins(rw, L.ShlOp(ins(rw, L.ZExtOp(hi, result_types=[T.i64])),
                                              const(rw, 32)))))
        r = ins(rw, L.BitcastOp(wide, result_types=[T.f64])) if t == T.f64 else wide
    # the lane read is in range when lane (op) offset stays below the width
    valid = ins(rw, L.ConstantOp.build(1, T.i1))
    rw.replace_op(op, [r, valid])


def _return(op, operands, rw):
    if operands:
        raise IRError("gpu.return with values (a non-kernel gpu.func) is not supported yet",
                      op.loc)
    rw.insert(L.ReturnOp.build())
    op.erase()




def _workgroup_global(module, kernel, i, t):
    """An internal shared-memory array for workgroup buffer `i` of `kernel`."""
    if not t.has_static_shape:
        raise IRError("workgroup buffers need a static shape", kernel.loc)
    n = 1
    for d in t.shape:
        n *= d
    name = f"__wg_{kernel.sym}_{i}"
    g = L.GlobalOp.build(name, L.LLVMArrayType(llvm_element(t.element_type), n),
                         linkage="internal", addr_space=SHARED, alignment=16)
    module.regions[0].blocks[0].prepend(g)
    return name


def _kernel(op, operands, rw):
    """gpu.func -> llvm.func with expanded arguments, marked as a kernel."""
    module = module_of(op)
    if not op.is_kernel:
        raise IRError("only kernel gpu.funcs can be compiled for the GPU yet", op.loc)
    ft = op.type
    params = [x for t in ft.inputs for x in expand(t)]
    lf = L.LLVMFuncOp.build(op.sym, L.LLVMFunctionType(L.void, params), declaration=True,
                            loc=op.loc)
    lf.attributes["nvvm.kernel"] = UnitAttr()
    n_in = len(ft.inputs)
    b, old_entry, blocks = adopt_body(op, lf, params, ft.inputs)
    for i, a in enumerate(list(old_entry.args[n_in:])):
        t = a.type
        name = _workgroup_global(module, op, i, t)
        p3 = ins(b, L.AddressOfOp.build(name, L.LLVMPointerType(SHARED)))
        p = ins(b, L.AddrSpaceCastOp(p3, result_types=[L.ptr]))
        strides, offset = t.strides_and_offset()
        flat = T.MemRefType(t.shape, t.element_type)
        d = Descriptor.build(b, flat, p, p, offset, list(t.shape), strides)
        a.replace_all_uses_with(ins(b, UnrealizedConversionCastOp([d.value],
                                                                  result_types=[t])))
    merge_entry(lf, old_entry)
    for blk in blocks[1:]:
        rw.convert_block_signature(blk)
    rw.insert(lf)
    op.erase()


_PATTERNS = [_Pattern(n, _sreg) for n in _SREG] + [
    _Pattern("gpu.lane_id", _lane_id), _Pattern("gpu.barrier", _barrier),
    _Pattern("gpu.shuffle", _shuffle), _Pattern("gpu.return", _return),
    _Pattern("gpu.func", _kernel)]


def _memory_space_free(t):
    """The type the CPU patterns know: workgroup memrefs are plain memrefs once their
    buffers are reached through generic pointers."""
    if t.__class__ is T.MemRefType and t.memory_space is not None:
        return T.MemRefType(t.shape, t.element_type, t.layout)
    return None


def convert_device_module(gmod):
    """Lower the body of gpu.module `gmod` in place (in a module of its own meanwhile, so
    that the patterns declare what they need there)."""
    dev = ModuleOp()
    dev.attributes["llvm.target_triple"] = StringAttr(TRIPLE)
    dev.attributes["llvm.data_layout"] = StringAttr(DATA_LAYOUT)
    for o in list(gmod.body):
        o.detach()
        dev.body.append(o)
    expand_math(dev)
    ConvertSCFToCF().run(dev)
    for o in dev.walk():
        for r in o.results:
            nt = _memory_space_free(r.type)
            if nt is not None:
                r.type = nt
    apply_conversion(dev, _PATTERNS, TYPES, lambda op: not op.name.startswith("gpu."),
                     reconcile=False)
    prefixes = tuple(sorted({n.split(".", 1)[0] + "." for n in PATTERNS}))
    pats = [_Pattern(n, f) for n, f in PATTERNS.items() if n.startswith(prefixes)]
    apply_conversion(dev, pats, TYPES, lambda op: not op.name.startswith(prefixes),
                     reconcile=False)
    reconcile_casts(dev)
    for o in list(dev.body):
        o.detach()
        gmod.body.append(o)


@register_pass
class ConvertGpuToNVVM(Pass):
    argument = "convert-gpu-to-nvvm"
    title = "ConvertGpuOpsToNVVMOps"
    summary = "Lower the device code of gpu.modules to the llvm and nvvm dialects (nvptx64)"

    def run(self, op):
        for g in [o for o in op.walk() if o.name == "gpu.module"]:
            convert_device_module(g)


def device_module(gmod):
    """A standalone builtin.module holding a copy of converted gpu.module `gmod`'s body."""
    dev = ModuleOp()
    dev.attributes["llvm.target_triple"] = StringAttr(TRIPLE)
    dev.attributes["llvm.data_layout"] = StringAttr(DATA_LAYOUT)
    mapping = {}
    for o in gmod.body:
        dev.body.append(o.clone(mapping))
    return dev


__all__ = ["ConvertGpuToNVVM", "convert_device_module", "device_module", "TRIPLE",
           "DATA_LAYOUT"]
