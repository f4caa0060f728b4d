"""`promote-buffers-to-stack` (upstream's pass of that name, in the bufferization dialect's
family): a small buffer of static shape that is freed in the block that allocates it becomes a
`memref.alloca` at the start of the function.

Why: bufferization gives every 0-d tensor (a loop condition, a counter) and every small
intermediate its own heap buffer; inside a loop that is a malloc and a free per iteration,
which costs more than the arithmetic. On the stack, LLVM's SROA turns such buffers into
registers. The alloca goes to the function's entry block, not where the alloc was: an alloca
inside a loop body grows the stack on every iteration. Sharing one slot across iterations is
sound because the buffer dies (its dealloc) before the block ends, so two of its lifetimes
never overlap -- except where iterations run at once: buffers inside an `scf.parallel` stay on
the heap.
"""

from __future__ import annotations

from ..dialects import memref
from .pass_manager import Pass, register_pass


def _bytes(t):
    width = getattr(t.element_type, "width", None)
    if width is None:  # index
        width = 64
    n = (width + 7) // 8
    for d in t.shape:
        n *= d
    return n


def _promotable(alloc, limit):
    t = alloc.results[0].type
    if not t.has_static_shape or _bytes(t) > limit:
        return None
    frees = [u.owner for u in alloc.results[0].uses if u.owner.name == "memref.dealloc"]
    if len(frees) != 1 or frees[0].parent is not alloc.parent:
        return None
    if any(p.name == "scf.parallel" for p in alloc.ancestors()):
        return None
    return frees[0]


@register_pass
class PromoteBuffersToStack(Pass):
    argument = "promote-buffers-to-stack"
    title = "PromoteBuffersToStack"
    summary = ("Small static buffers freed in the block that allocates them become stack "
               "allocations at the function's entry")
    options = {"max-alloc-size-in-bytes": (int, 1024, "the largest buffer promoted")}
    op_name = "func.func"

    def run(self, func):
        if not func.regions or not func.regions[0].blocks:
            return
        entry = func.regions[0].blocks[0]
        limit = self.opts["max-alloc-size-in-bytes"]
        for alloc in [o for o in func.walk() if o.name == "memref.alloc"]:
            free = _promotable(alloc, limit)
            if free is None:
                continue
            align = alloc.properties.get("alignment")
            stack = memref.AllocaOp.build(alloc.results[0].type,
                                          alignment=align.value if align else None,
                                          loc=alloc.loc)
            entry.prepend(stack)
            alloc.results[0].replace_all_uses_with(stack.results[0])
            alloc.erase()
            free.erase()
