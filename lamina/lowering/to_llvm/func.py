"""`convert-func-to-llvm`: functions, calls and returns, with MLIR's calling convention.

A memref argument expands to its descriptor's fields (allocated pointer, aligned pointer,
offset, sizes, strides); several results return as one struct. Each public definition also
gets `_mlir__<name>(ptr)`, the packed-argument entry the runtime calls (as MLIR's
ExecutionEngine makes them): the pointer is to an array holding one pointer per expanded
argument, then one pointer to the result storage. A declaration carrying
`llvm.emit_c_interface` is called as `_mlir_ciface_<name>` with memrefs passed as pointers
to their descriptors, as upstream does, which is how the runner utilities are reached.
"""

from __future__ import annotations

from ...dialects import llvm as L
from ...ir import types as T
from ...ir.builtin import UnrealizedConversionCastOp
from ...ir.core import Block
from .common import TYPES, AppendBuilder, Descriptor, const, ins, lowers, make_pass

CIFACE = "llvm.emit_c_interface"

# Names LLVM's code generator may call on its own (math intrinsics become libm calls, memory
# intrinsics memcpy/memset). A function of the program with one of these names would capture
# those calls, so its definition gets a private name; the packed entry keeps the original.
_C_NAMES = {base + suffix for base in (
    "pow", "exp", "exp2", "exp10", "log", "log2", "log10", "sqrt", "sin", "cos", "tan", "sinh",
    "cosh", "tanh", "asin", "acos", "atan", "atan2", "fma", "fmod", "floor", "ceil", "round",
    "roundeven", "trunc", "rint", "nearbyint", "erf", "erfc", "cbrt", "expm1", "log1p",
    "copysign", "fmax", "fmin", "ldexp", "frexp", "sincos", "hypot") for suffix in ("", "f", "l")}
_C_NAMES |= {"memcpy", "memmove", "memset", "memcmp", "malloc", "calloc", "realloc", "free",
             "aligned_alloc", "abort", "exit", "printf", "fprintf", "puts", "putchar", "fflush",
             "write"}


def definition_symbol(name):
    """The LLVM name of the program's function `name` (renamed if it is a C library name)."""
    return "__lamina_" + name if name in _C_NAMES else name


def expand(t):
    """The LLVM argument types one value of builtin type `t` passes as."""
    if t.__class__ is T.MemRefType:
        return [L.ptr, L.ptr, T.i64] + [T.i64] * (2 * t.rank)
    if t.__class__ is T.UnrankedMemRefType:
        return [T.i64, L.ptr]
    return [TYPES.convert(t)]


def result_type(results):
    rs = [TYPES.convert(t) for t in results]
    if not rs:
        return L.void
    return rs[0] if len(rs) == 1 else L.struct(*rs)


def pack(b, t, fields):
    """A value of builtin type `t` (converted) from its expanded fields."""
    if t.__class__ is T.MemRefType:
        r = t.rank
        return Descriptor.build(b, t, fields[0], fields[1], fields[2], fields[3:3 + r],
                                fields[3 + r:]).value
    if t.__class__ is T.UnrankedMemRefType:
        v = ins(b, L.UndefOp.build(L.struct(T.i64, L.ptr)))
        v = ins(b, L.InsertValueOp.build(v, fields[0], [0]))
        return ins(b, L.InsertValueOp.build(v, fields[1], [1]))
    return fields[0]


def unpack(b, t, value):
    """The expanded fields of a converted value of builtin type `t`."""
    if t.__class__ is T.MemRefType:
        out = [ins(b, L.ExtractValueOp.build(value, [k])) for k in range(3)]
        out += [ins(b, L.ExtractValueOp.build(value, [3, i])) for i in range(t.rank)]
        out += [ins(b, L.ExtractValueOp.build(value, [4, i])) for i in range(t.rank)]
        return out
    if t.__class__ is T.UnrankedMemRefType:
        return [ins(b, L.ExtractValueOp.build(value, [k])) for k in range(2)]
    return [value]


def struct_of(b, values):
    v = ins(b, L.UndefOp.build(L.struct(*[x.type for x in values])))
    for i, x in enumerate(values):
        v = ins(b, L.InsertValueOp.build(v, x, [i]))
    return v


@lowers("func.func")
def _func(op, operands, rw):
    ft = op.type
    name = op.sym
    ciface = CIFACE in op.attributes
    vis = op.properties.get("sym_visibility")
    private = vis is not None and vis.value == "private"
    if op.is_declaration:
        if ciface:
            params = [L.ptr if t.__class__ in (T.MemRefType, T.UnrankedMemRefType)
                      else TYPES.convert(t) for t in ft.inputs]
            decl = L.LLVMFuncOp.build("_mlir_ciface_" + name,
                                      L.LLVMFunctionType(result_type(ft.results), params),
                                      declaration=True, loc=op.loc)
        else:
            params = [x for t in ft.inputs for x in expand(t)]
            decl = L.LLVMFuncOp.build(name, L.LLVMFunctionType(result_type(ft.results), params),
                                      declaration=True, loc=op.loc)
        rw.insert(decl)
        op.erase()
        return
    params = [x for t in ft.inputs for x in expand(t)]
    lf = L.LLVMFuncOp.build(definition_symbol(name),
                            L.LLVMFunctionType(result_type(ft.results), params),
                            linkage="private" if private else None, declaration=True,
                            loc=op.loc)
    for k, v in op.attributes.items():
        if k != CIFACE:
            lf.attributes[k] = v
    rw.insert(lf)
    _, old_entry, blocks = adopt_body(op, lf, params, ft.inputs)
    merge_entry(lf, old_entry)
    for blk in blocks[1:]:
        rw.convert_block_signature(blk)
    if not private:
        rw.insert(_packed_wrapper(name, params, result_type(ft.results)))
    op.erase()


def adopt_body(op, lf, params, inputs):
    """Move the body of function-like `op` into llvm.func `lf`, under a new entry block that
    takes the expanded `params`: the old entry's first len(inputs) arguments (of types
    `inputs`) are packed from them. Returns (a builder at the new entry's end, the old entry
    block, the moved blocks); the caller binds any other argument of the old entry, then
    calls merge_entry."""
    region = op.regions[0]
    blocks = list(region.blocks)
    for blk in blocks:
        region.blocks.remove(blk)
        lf.regions[0].add_block(blk)
    old_entry = blocks[0]
    entry = Block(params)
    lf.regions[0].add_block(entry, 0)
    b = AppendBuilder(entry)
    k = 0
    for a, t in zip(list(old_entry.args[:len(inputs)]), inputs):
        n = len(expand(t))
        v = pack(b, t, entry.args[k:k + n])
        k += n
        if v.type != a.type:
            v = ins(b, UnrealizedConversionCastOp([v], result_types=[a.type]))
        a.replace_all_uses_with(v)
    return b, old_entry, blocks


def merge_entry(lf, old_entry):
    """The ops of `old_entry` (whose arguments are all replaced) appended to `lf`'s entry."""
    entry = lf.regions[0].blocks[0]
    o = old_entry.first
    while o is not None:
        nxt = o.next
        old_entry._unlink(o)
        entry.append(o)
        o = nxt
    lf.regions[0].remove_block(old_entry)


def _packed_wrapper(name, params, ret):
    w = L.LLVMFuncOp.build("_mlir__" + name, L.LLVMFunctionType(L.void, [L.ptr]))
    b = AppendBuilder(w.entry)
    packed = w.entry.args[0]
    args = []
    for i, t in enumerate(params):
        slot = ins(b, L.GEPOp.build(packed, [i], L.ptr))
        p = ins(b, L.LoadOp.build(L.ptr, slot))
        args.append(ins(b, L.LoadOp.build(t, p)))
    call = L.CallOp.build(definition_symbol(name), args, ret)
    b.insert(call)
    if ret != L.void:
        slot = ins(b, L.GEPOp.build(packed, [len(params)], L.ptr))
        p = ins(b, L.LoadOp.build(L.ptr, slot))
        b.insert(L.StoreOp.build(call.results[0], p))
    b.insert(L.ReturnOp.build())
    return w


@lowers("func.return")
def _return(op, operands, rw):
    if not operands:
        rw.insert(L.ReturnOp.build())
    elif len(operands) == 1:
        rw.insert(L.ReturnOp.build(operands[0]))
    else:
        rw.insert(L.ReturnOp.build(struct_of(rw, operands)))
    op.erase()


def _calls_definition(call):
    """Whether the callee is a function this module defines (not a C declaration)."""
    m = call
    while m.parent_op is not None:
        m = m.parent_op
    name = call.properties["callee"].root
    for o in m.regions[0].blocks[0]:
        sym = o.properties.get("sym_name")
        if sym is None:
            continue
        if sym.value == name and o.name == "func.func":
            return not o.is_declaration
        if sym.value == definition_symbol(name) != name:
            return True
    return False


def _is_ciface(call):
    m = call
    while m.parent_op is not None:
        m = m.parent_op
    name = call.properties["callee"].root
    for o in m.regions[0].blocks[0]:
        sym = o.properties.get("sym_name")
        if sym is None:
            continue
        if sym.value == name and o.name == "func.func":
            return CIFACE in o.attributes
        if sym.value == "_mlir_ciface_" + name:
            return True
    return False


@lowers("func.call")
def _call(op, operands, rw):
    name = op.properties["callee"].root
    ret = result_type([r.type for r in op.results])
    args = []
    if _is_ciface(op):
        for v, nv in zip(op.operands, operands):
            if v.type.__class__ in (T.MemRefType, T.UnrankedMemRefType):
                slot = ins(rw, L.AllocaOp.build(const(rw, 1), nv.type))
                rw.insert(L.StoreOp.build(nv, slot))
                args.append(slot)
            else:
                args.append(nv)
        name = "_mlir_ciface_" + name
    else:
        for v, nv in zip(op.operands, operands):
            args.extend(unpack(rw, v.type, nv))
        if _calls_definition(op):
            name = definition_symbol(name)
    call = L.CallOp.build(name, args, ret)
    rw.insert(call)
    if len(op.results) > 1:
        values = [ins(rw, L.ExtractValueOp.build(call.results[0], [i]))
                  for i in range(len(op.results))]
    else:
        values = list(call.results)
    rw.replace_op(op, values)


make_pass("convert-func-to-llvm", "ConvertFuncToLLVMPass",
          "Convert func ops to the llvm dialect (MLIR's calling convention, packed entries)",
          ("func.",))

