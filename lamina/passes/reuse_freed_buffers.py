"""`reuse-freed-buffers`: a buffer freed in a block serves the next allocation of the same
type after it in that block, instead of a free and a malloc.

Why: bufferization gives every intermediate tensor its own allocation and frees it after its
last use; a chain of ops that are not fused (a matmul, then its epilogue, then the next
layer's matmul...) then allocates and frees buffers of the same shapes one after the other.
Liveness is what the deallocations already say: once `memref.dealloc %a` has run, nothing
reads %a any more, so an allocation after it in the same block may take %a's memory (its
contents are undefined either way). The alignment kept is the larger of the two.
"""

from __future__ import annotations

from ..ir.attributes import IntegerAttr
from ..ir import types as T
from .pass_manager import Pass, register_pass


def _alignment(op):
    a = op.properties.get("alignment")
    return a.value if a is not None else 0


def reuse_in_block(block):
    """Rewrite `block` (see the module's doc); returns how many allocations went."""
    freed = {}  # type -> [(dealloc op, its buffer's alloc op)], most recent last
    count = 0
    for op in list(block):
        if op.name == "memref.dealloc":
            a = op.operands[0].defining_op
            if a is not None and a.name == "memref.alloc" and a.parent is block:
                freed.setdefault(op.operands[0].type, []).append((op, a))
        elif op.name == "memref.alloc" and not op.operands:  # static shape
            t = op.results[0].type
            if freed.get(t):
                free, src = freed[t].pop()
                if _alignment(op) > _alignment(src):
                    src.properties["alignment"] = IntegerAttr(_alignment(op), T.i64)
                free.erase()
                op.results[0].replace_all_uses_with(src.results[0])
                op.erase()
                count += 1
    return count


@register_pass
class ReuseFreedBuffers(Pass):
    argument = "reuse-freed-buffers"
    title = "ReuseFreedBuffers"
    summary = ("An allocation takes the memory of a buffer of the same type freed before it "
               "in its block")
    op_name = "func.func"

    def run(self, func):
        for op in [o for o in func.walk() if o.regions]:
            for region in op.regions:
                for block in region.blocks:
                    reuse_in_block(block)
