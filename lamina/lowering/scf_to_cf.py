"""`convert-scf-to-cf`: structured control flow becomes blocks and branches (MLIR's
SCFToControlFlow). scf.parallel first becomes a nest of scf.for (sequential on the CPU; the
thread pool and the GPU path take parallel loops before this pass runs)."""

from __future__ import annotations

from ..ir import IRError
from ..ir import registry
from ..ir import types as T
from ..ir.core import Block
from ..passes import Pass, register_pass


def _op(name):
    return registry.OPS[name]


def split_block_before(op):
    """Move `op` and everything after it into a new block right after `op`'s block."""
    block = op.parent
    region = block.parent
    new = Block()
    region.add_block(new, region.blocks.index(block) + 1)
    o = op
    while o is not None:
        nxt = o.next
        block._unlink(o)
        new.append(o)
        o = nxt
    return new


def _continuation(op):
    """Split after `op`; the continuation's arguments replace `op`'s results."""
    if op.next is None:
        raise IRError(f"'{op.name}' cannot be the last op of its block", op.loc)
    cont = split_block_before(op.next)
    for r in op.results:
        a = cont.add_argument(r.type)
        r.replace_all_uses_with(a)
    return cont


def _inline_region_before(region, anchor_block):
    """Move the region's blocks into the anchor's region, before `anchor_block`."""
    target = anchor_block.parent
    blocks = list(region.blocks)
    pos = target.blocks.index(anchor_block)
    for b in blocks:
        region.blocks.remove(b)
        target.add_block(b, pos)
        pos += 1
    return blocks


def _terminators(blocks, name):
    return [b.last for b in blocks if b.last is not None and b.last.name == name]


def lower_for(op):
    block = op.parent
    cont = _continuation(op)
    body = op.regions[0].blocks[0]
    cond = Block([op.lower_bound.type] + [v.type for v in op.init_args])
    block.parent.add_block(cond, block.parent.blocks.index(cont))
    blocks = _inline_region_before(op.regions[0], cont)
    br, cond_br = _op("cf.br"), _op("cf.cond_br")
    block.append(br([op.lower_bound] + list(op.init_args), successors=[cond], loc=op.loc))
    pred = "ult" if op.is_unsigned else "slt"
    c = cond.append(_op("arith.cmpi").build(pred, cond.args[0], op.upper_bound))
    cond.append(cond_br(c.results[0], list(cond.args), list(cond.args[1:]),
                        successors=[body, cont], loc=op.loc))
    for y in _terminators(blocks, "scf.yield"):
        nxt = _op("arith.addi")(body.args[0], op.step)
        y.parent.insert_before(y, nxt)
        y.parent.insert_before(y, br([nxt.results[0]] + list(y.operands), successors=[cond],
                                     loc=y.loc))
        y.erase()
    op.erase()


def lower_if(op):
    block = op.parent
    cont = _continuation(op)
    br, cond_br = _op("cf.br"), _op("cf.cond_br")
    then_blocks = _inline_region_before(op.regions[0], cont)
    else_blocks = _inline_region_before(op.regions[1], cont) if op.regions[1].blocks else []
    for y in _terminators(then_blocks + else_blocks, "scf.yield"):
        y.parent.insert_before(y, br(list(y.operands), successors=[cont], loc=y.loc))
        y.erase()
    target_else = else_blocks[0] if else_blocks else cont
    block.append(cond_br(op.operands[0], [], [], successors=[then_blocks[0], target_else],
                         loc=op.loc))
    op.erase()


def lower_while(op):
    block = op.parent
    cont = _continuation(op)
    br, cond_br = _op("cf.br"), _op("cf.cond_br")
    before = _inline_region_before(op.regions[0], cont)
    after = _inline_region_before(op.regions[1], cont)
    block.append(br(list(op.operands), successors=[before[0]], loc=op.loc))
    for c in _terminators(before, "scf.condition"):
        args = list(c.operands[1:])
        c.parent.insert_before(c, cond_br(c.operands[0], args, args,
                                          successors=[after[0], cont], loc=c.loc))
        c.erase()
    for y in _terminators(after, "scf.yield"):
        y.parent.insert_before(y, br(list(y.operands), successors=[before[0]], loc=y.loc))
        y.erase()
    op.erase()


def lower_execute_region(op):
    block = op.parent
    cont = _continuation(op)
    blocks = _inline_region_before(op.regions[0], cont)
    block.append(_op("cf.br")([], successors=[blocks[0]], loc=op.loc))
    for y in _terminators(blocks, "scf.yield"):
        y.parent.insert_before(y, _op("cf.br")(list(y.operands), successors=[cont], loc=y.loc))
        y.erase()
    op.erase()


def lower_index_switch(op):
    block = op.parent
    cont = _continuation(op)
    entries = []
    for r in op.regions:
        blocks = _inline_region_before(r, cont)
        for y in _terminators(blocks, "scf.yield"):
            y.parent.insert_before(y, _op("cf.br")(list(y.operands), successors=[cont],
                                                   loc=y.loc))
            y.erase()
        entries.append(blocks[0])
    flag = block.append(_op("arith.index_cast")(op.operands[0], result_types=[T.i64]))
    # regions: the default first, then one per case value
    cases = [(v, dest, []) for v, dest in zip(op.case_values, entries[1:])]
    block.append(_op("cf.switch").build(flag.results[0], entries[0], [], cases, loc=op.loc))
    op.erase()


def parallel_to_for(op):
    """scf.parallel -> nested scf.for; reductions become iter_args combined by the reduce
    regions' bodies."""
    inits = list(op.init_vals)
    body = op.body
    reduce = body.last
    block, anchor = op.parent, op  # where the next loop goes: before `anchor`, or appended
    loops = []
    carried = inits
    for lb, ub, st in zip(op.lower_bound, op.upper_bound, op.step):
        f = _op("scf.for").build(lb, ub, st, carried, loc=op.loc)
        if anchor is not None:
            block.insert_before(anchor, f)
        else:
            block.append(f)
        loops.append(f)
        carried = list(f.iter_args)
        block, anchor = f.body, f.body.last  # the empty scf.yield when there are no inits
    if not loops:
        raise IRError("scf.parallel without dimensions", op.loc)
    for iv, f in zip(op.induction_vars, loops):
        iv.replace_all_uses_with(f.induction_var)
    o = body.first
    while o is not reduce:
        nxt = o.next
        body._unlink(o)
        if anchor is not None:
            block.insert_before(anchor, o)
        else:
            block.append(o)
        o = nxt
    if inits:
        combined = []
        for acc, new, r in zip(block.args[1:], reduce.operands, reduce.regions):
            rb = r.blocks[0]
            rb.args[0].replace_all_uses_with(acc)
            rb.args[1].replace_all_uses_with(new)
            for o in list(rb):
                if o.name == "scf.reduce.return":
                    combined.append(o.operands[0])
                    break
                rb._unlink(o)
                block.append(o)
        y = _op("scf.yield")
        block.append(y(combined))
        for outer, inner in zip(loops[:-1], loops[1:]):
            outer.body.append(y(list(inner.results)))
        for r, v in zip(op.results, loops[0].results):
            r.replace_all_uses_with(v)
    reduce.erase(drop_uses=False)
    op.erase()


_LOWER = {"scf.for": lower_for, "scf.if": lower_if, "scf.while": lower_while,
          "scf.execute_region": lower_execute_region, "scf.index_switch": lower_index_switch}


@register_pass
class ConvertSCFToCF(Pass):
    argument = "convert-scf-to-cf"
    title = "SCFToControlFlowPass"
    summary = "Lower scf loops and conditionals to blocks and cf branches"

    def run(self, op):
        for p in [o for o in op.walk(pre_order=False) if o.name == "scf.parallel"]:
            parallel_to_for(p)
        for o in [o for o in op.walk(pre_order=False) if o.name in _LOWER]:
            _LOWER[o.name](o)
