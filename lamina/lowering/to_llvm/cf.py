"""`convert-cf-to-llvm`: branches map one to one. cf.assert does not abort: it records its
message in the module global `@__lamina_status` (first failure wins) and execution goes on
with the safe values the lowering chose, so the runtime can raise a Python error after the
call (see ISSUE3 design: errors.InvalidArgumentError)."""

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
    b.insert(L.BrOp.build(cont))
    op.erase()


make_pass("convert-cf-to-llvm", "ConvertControlFlowToLLVMPass",
          "Convert cf ops to the llvm dialect; cf.assert records a status message", ("cf.",))

