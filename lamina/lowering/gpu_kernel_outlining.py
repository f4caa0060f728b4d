"""`gpu-kernel-outlining`: each `gpu.launch` body becomes a kernel `gpu.func` of its own
`gpu.module` (`@<function>_kernel`, `_kernel_0`, ... as upstream names them), launched by
`gpu.launch_func`.

The values the body uses from the host become the kernel's arguments, except constants and
`memref.get_global`s, which are copied into the kernel (with the globals they name copied into
the gpu.module), so the device code is self-contained. The launch's block arguments become
`gpu.block_id`/`thread_id`/`grid_dim`/`block_dim`, its workgroup buffers the kernel's
workgroup attributions.
"""

from __future__ import annotations

from ..dialects import gpu
from ..ir.attributes import UnitAttr
from ..ir.core import values_used_from_outside
from ..passes import Pass, register_pass

_SINK = ("arith.constant", "memref.get_global")


def _captured(launch):
    blocks = [b for r in launch.regions for b in r.blocks]
    return values_used_from_outside([o for b in blocks for o in b],
                                    [a for b in blocks for a in b.args])


def _global(module, name):
    for o in module.regions[0].blocks[0]:
        sym = o.properties.get("sym_name")
        if o.name == "memref.global" and sym is not None and sym.value == name:
            return o
    return None


def _outline(module, launch, name):
    captured = _captured(launch)
    sunk = [v for v in captured if getattr(v.owner, "name", None) in _SINK]
    args = [v for v in captured if v not in sunk]
    wg = launch.workgroup_buffers
    gmod = gpu.GPUModuleOp.build(name, loc=launch.loc)
    kernel = gpu.GPUFuncOp.build(name, [v.type for v in args], [v.type for v in wg],
                                 loc=launch.loc)
    gmod.body.append(kernel)
    entry = kernel.entry
    remap = dict(zip(args, entry.args))
    remap.update(zip(wg, entry.args[len(args):]))
    for v in sunk:
        c = v.owner.clone()
        entry.append(c)
        remap[v] = c.results[0]
    body = launch.body
    ids = []
    for cls in (gpu.BlockIdOp, gpu.ThreadIdOp, gpu.GridDimOp, gpu.BlockDimOp):
        for d in gpu.DIMS:
            op = cls.build(d, loc=launch.loc)
            entry.append(op)
            ids.append(op.results[0])
    remap.update(zip(body.args[:12], ids))
    for o in list(body):
        o.detach()
        if o.name == "gpu.terminator":
            entry.append(gpu.ReturnOp([], loc=o.loc))
            continue
        entry.append(o)
    for o in kernel.walk():
        for i, v in enumerate(o.operands):
            nv = remap.get(v)
            if nv is not None:
                o.set_operand(i, nv)
    for sym in dict.fromkeys(o.properties["name"].root for o in kernel.walk()
                             if o.name == "memref.get_global"):
        g = _global(module, sym)
        if g is not None:
            gmod.body.prepend(g.clone())
    call = gpu.LaunchFuncOp.build(name, name, launch.grid_sizes, launch.block_sizes, args,
                                  loc=launch.loc)
    launch.parent.insert_before(launch, call)
    launch.erase()
    return gmod


@register_pass
class GpuKernelOutlining(Pass):
    argument = "gpu-kernel-outlining"
    title = "GpuKernelOutliningPass"
    summary = "Outline gpu.launch bodies into kernel gpu.funcs launched with gpu.launch_func"

    def run(self, op):
        body = op.regions[0].blocks[0]
        made = []
        for f in [o for o in body if o.name == "func.func"]:
            launches = [o for o in f.walk() if o.name == "gpu.launch"]
            for i, launch in enumerate(launches):
                name = f"{f.sym}_kernel" + (f"_{i - 1}" if i else "")
                made.append(_outline(op, launch, name))
        for g in made:
            body.append(g)
        if made:
            op.attributes["gpu.container_module"] = UnitAttr()


__all__ = ["GpuKernelOutlining"]
