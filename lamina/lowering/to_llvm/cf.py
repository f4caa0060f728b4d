"""`convert-cf-to-llvm`: branches map one to one. cf.assert does not abort the process: it
records its message in the module global `@__lamina_status` and the function returns at
once, with zeroed results (null buffers of no elements), so the runtime raises a Python error
after the call (see ISSUE3 design: errors.InvalidArgumentError). Nothing after a failed
check runs: a check guards what would otherwise read out of bounds (shapes that do not
match) or trap (a division by zero). A call of a function of the module that failed returns
at once too (`propagate_failures`). Buffers the call allocated before the failure are not
freed: an error path's cost."""

from __future__ import annotations

import hashlib

from ...dialects import llvm as L
from ...ir.attributes import StringAttr
from ..scf_to_cf import split_block_before
from .common import AppendBuilder, ins, lowers, make_pass

STATUS = "__lamina_status"


@lowers("cf.br")
def _br(op, operands, rw):
    rw.insert(L.BrOp.build(op.successors[0], operands, loc=op.loc))
    op.erase()


@lowers("cf.cond_br")
def _cond_br(op, operands, rw):
    nt = len(op.true_dest_operands)
    rw.insert(L.CondBrOp.build(operands[0], op.successors[0], op.successors[1],
                               operands[1:1 + nt], operands[1 + nt:], loc=op.loc))
    op.erase()


@lowers("cf.switch")
def _switch(op, operands, rw):
    cases = op.cases
    nd = len(op.default_operands)
    default_ops = operands[1:1 + nd]
    rest = operands[1 + nd:]
    out, k = [], 0
    for value, block, ops in cases:
        n = len(ops)
        out.append((value, block, rest[k:k + n]))
        k += n
    rw.insert(L.SwitchOp.build(operands[0], op.successors[0], default_ops, out, loc=op.loc))
    op.erase()


def module_of(op):
    m = op
    while m.parent_op is not None:
        m = m.parent_op
    return m


def _global(module, name, build):
    body = module.regions[0].blocks[0]
    for o in body:
        sym = o.properties.get("sym_name")
        if sym is not None and sym.value == name:
            return o
    g = build()
    body.prepend(g)
    return g


def status_global(module):
    def build():
        # a definition initialized to null (a global without initializer is a declaration)
        g = L.GlobalOp.build(STATUS, L.ptr, value=None, linkage="external", alignment=8)
        body = g.regions[0].add_block()
        body.append(L.ZeroOp.build(L.ptr))
        body.append(L.ReturnOp.build(body.first.results[0]))
        return g
    return _global(module, STATUS, build)


def message_global(module, text):
    data = text + "\0"
    name = "__lamina_msg_" + hashlib.sha1(data.encode()).hexdigest()[:12]
    return _global(module, name, lambda: L.GlobalOp.build(name, value=StringAttr(data),
                                                          linkage="internal", constant=True))


@lowers("cf.assert")
def _assert(op, operands, rw):
    module = module_of(op)
    status = status_global(module)
    msg = message_global(module, op.properties["msg"].value)
    block = op.parent
    cont = split_block_before(op.next)
    fail = block.parent.add_block(index=block.parent.blocks.index(cont))
    rw.insert(L.CondBrOp.build(operands[0], cont, fail, loc=op.loc))
    b = AppendBuilder(fail)
    sp = ins(b, L.AddressOfOp.build(status.sym))
    mp = ins(b, L.AddressOfOp.build(msg.sym))
    cur = ins(b, L.LoadOp.build(L.ptr, sp))
    null = ins(b, L.ZeroOp.build(L.ptr))
    first = ins(b, L.ICmpOp.build("eq", cur, null))
    b.insert(L.StoreOp.build(ins(b, L.SelectOp(first, mp, cur, result_types=[L.ptr])), sp))
    _return_failed(b, _enclosing_function(op))
    op.erase()


def _enclosing_function(op):
    f = op.parent_op
    while f is not None and f.name not in ("func.func", "llvm.func"):
        f = f.parent_op
    return f


def _return_failed(b, fn):
    """Return from `fn` (a func.func not converted yet, or an llvm.func) with zeroed
    results: the runtime sees the status and reads none of them."""
    if fn.name == "func.func":
        from .func import result_type
        rt = result_type(fn.type.results)
    else:
        rt = fn.properties["function_type"].value.result
    if rt == L.void:
        b.insert(L.ReturnOp.build())
    else:
        b.insert(L.ReturnOp.build(ins(b, L.ZeroOp.build(rt))))


def propagate_failures(module):
    """After each call of a function of the module (which may have failed a check), return
    at once if the status is set. The packed entries (`_mlir__*`) return normally: they
    store the zeroed results where the runtime reads them."""
    body = module.regions[0].blocks[0]
    status = None
    defined = set()
    for o in body:
        sym = o.properties.get("sym_name")
        if sym is not None and sym.value == STATUS:
            status = o
        elif o.name == "llvm.func" and not o.is_declaration:
            defined.add(o.sym)
    if status is None:
        return
    for fn in body:
        if fn.name != "llvm.func" or fn.is_declaration or fn.sym.startswith("_mlir__"):
            continue
        calls = [c for c in fn.walk() if c.name == "llvm.call" and
                 getattr(c.properties.get("callee"), "root", None) in defined]
        for call in calls:
            block = call.parent
            cont = split_block_before(call.next)
            region = block.parent
            fail = region.add_block(index=region.blocks.index(cont))
            b = AppendBuilder(block)
            cur = ins(b, L.LoadOp.build(L.ptr, ins(b, L.AddressOfOp.build(status.sym))))
            failed = ins(b, L.ICmpOp.build("ne", cur, ins(b, L.ZeroOp.build(L.ptr))))
            b.insert(L.CondBrOp.build(failed, fail, cont))
            _return_failed(AppendBuilder(fail), fn)


make_pass("convert-cf-to-llvm", "ConvertControlFlowToLLVMPass",
          "Convert cf ops to the llvm dialect; cf.assert records a status message", ("cf.",))

