"""`buffer-results-to-out-params` (upstream's pass of that name, with its `hoist-static-allocs`
behaviour): a public function's results of static shape become arguments that the caller
allocates, appended after the inputs.

Why: a function called from Python returned buffers that the compiled code had allocated, and
Python then had to wrap each in a ctypes object that frees it when the array dies; that
wrapping and freeing cost more than a small function's whole computation. The caller (the
runtime's Entry) now passes numpy arrays it made itself, and the function writes its results
straight into them: the allocation that produced a result becomes the argument (no copy),
anything else (a loop's result, a view) is copied into it and released.

Results of dynamic shape stay results. Functions that other functions call keep their
signature (their callers would need rewriting), as do private ones. The discardable
attribute `lamina.out_params` lists, per appended argument, the result it replaced, so the
runtime can put the results back in order.
"""

from __future__ import annotations

from ..dialects import memref
from ..ir import types as T
from ..ir.attributes import ArrayAttr, IntegerAttr, TypeAttr
from .generic import referenced_symbols
from .pass_manager import Pass, register_pass

OUT_PARAMS = "lamina.out_params"

# ops whose result views their first operand's buffer
_VIEWS = frozenset(("memref.subview", "memref.expand_shape", "memref.collapse_shape",
                    "memref.reinterpret_cast", "memref.cast", "memref.transpose"))


def _base(v):
    """The buffer that `v` views (itself where it is not a view)."""
    while v.defining_op is not None and v.defining_op.name in _VIEWS:
        v = v.defining_op.operands[0]
    return v


def _convertible(t):
    return t.__class__ is T.MemRefType and t.has_static_shape and \
        (t.layout is None or getattr(t.layout, "is_identity", False))


def _owned(v):
    """Whether the function owns buffer `v` (a top-level value: an argument or an op's
    result) and so must free it if it does not return it."""
    op = v.defining_op
    return op is not None and op.name != "memref.get_global"


def convert(func):
    """Rewrite `func` in place; returns whether it changed."""
    blocks = func.regions[0].blocks
    if len(blocks) != 1:
        return False
    entry = blocks[0]
    ret = entry.last
    if ret is None or ret.name != "func.return":
        return False
    values = list(ret.operands)
    bases = [_base(v) for v in values]
    kept_bases = {b for v, b in zip(values, bases) if not _convertible(v.type)}
    chosen = [i for i, v in enumerate(values)
              if _convertible(v.type) and bases[i] not in kept_bases]
    if not chosen:
        return False
    released = {}   # buffers the copies leave behind, freed after them (in a fixed order)
    replaced = set()  # buffers that became out params: nothing to free, whatever views them
    for i in chosen:
        v = values[i]
        out = entry.add_argument(v.type)
        alloc = v.defining_op
        if alloc is not None and alloc.name == "memref.alloc" and values.count(v) == 1:
            v.replace_all_uses_with(out)
            alloc.erase()
            replaced.add(v)
            continue
        entry.insert_before(ret, memref.CopyOp(v, out, loc=ret.loc))
        if _owned(bases[i]):
            released[bases[i]] = None
    for b in released:
        if b not in replaced:
            entry.insert_before(ret, memref.DeallocOp(b, loc=ret.loc))
    keep = [v for i, v in enumerate(values) if i not in chosen]
    ret.set_operands(keep)
    ft = func.type
    func.properties["function_type"] = TypeAttr(T.FunctionType(
        list(ft.inputs) + [values[i].type for i in chosen], [v.type for v in keep]))
    func.attributes[OUT_PARAMS] = ArrayAttr([IntegerAttr(i, T.i64) for i in chosen])
    return True


@register_pass
class BufferResultsToOutParams(Pass):
    argument = "buffer-results-to-out-params"
    title = "BufferResultsToOutParams"
    summary = ("Public functions take their static-shape results as caller-allocated "
               "arguments")
    op_name = "builtin.module"

    def run(self, module):
        called = referenced_symbols(module)
        for op in module.regions[0].blocks[0]:
            if op.name != "func.func" or op.is_declaration or op.sym in called:
                continue
            vis = op.properties.get("sym_visibility")
            if vis is not None and vis.value == "private":
                continue
            convert(op)
