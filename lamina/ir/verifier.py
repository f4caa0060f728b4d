"""The verifier: per-op definitions (counts, constraints, traits, custom checks), terminators,
dominance and symbol uses. Raises IRError at the first problem, located at the offending op."""

from __future__ import annotations

import sys

from .core import IRError, OpResult, gc_paused
from . import opdef as D


def _err(op, message, notes=()):
    return IRError(f"'{op.name}' op {message}", op.loc, notes)


def verify_op_definition(op):
    d = op.opdef
    if d is None:
        return
    n = len(op.operands)
    nvar, nfixed = d.n_var_operands, len(d.operands) - d.n_var_operands
    if (nvar == 0 and n != nfixed) or (nvar and n < nfixed):
        raise _err(op, f"expected {'at least ' if nvar else ''}{nfixed} operands, but found {n}")
    if d.needs_operand_segments:
        seg = op.properties.get("operandSegmentSizes")
        if seg is None or len(seg) != len(d.operands) or sum(seg.value) != n:
            raise _err(op, "operand count does not match operandSegmentSizes")
    if nvar == 0:
        for j, (f, v) in enumerate(zip(d.operands, op.operands)):
            if not f.constraint.pred(v.type):
                raise _err(op, f"operand #{j} must be {f.constraint.desc}, but got '{v.type}'")
    else:
        for f in d.operands:
            s, k = d.operand_range(op, f.index)
            if f.kind == "optional" and k > 1:
                raise _err(op, f"optional operand group '{f.name}' has {k} values")
            for j in range(s, s + k):
                t = op.operands[j].type
                if not f.constraint(t):
                    raise _err(op, f"operand #{j} must be {f.constraint.desc}, but got '{t}'")
    rvar, rfixed = d.n_var_results, len(d.results) - d.n_var_results
    if (rvar == 0 and len(op.results) != rfixed) or (rvar and len(op.results) < rfixed):
        raise _err(op, f"requires {rfixed} results, but found {len(op.results)}")
    if rvar == 0:
        for j, (f, r) in enumerate(zip(d.results, op.results)):
            if not f.constraint.pred(r.type):
                raise _err(op, f"result #{j} must be {f.constraint.desc}, but got '{r.type}'")
    else:
        for f in d.results:
            s, k = d.result_range(op, f.index)
            for j in range(s, s + k):
                t = op.results[j].type
                if not f.constraint(t):
                    raise _err(op, f"result #{j} must be {f.constraint.desc}, but got '{t}'")
    props = op.properties
    for name, f in d.props.items():
        a = props.get(name)
        if a is None:
            if not f.optional:
                raise _err(op, f"requires attribute '{name}'")
            continue
        if not f.constraint.check(a):
            raise _err(op, f"attribute '{name}' failed to satisfy constraint: {f.constraint.desc}")
    if d.regions or op.regions:
        rv = d.n_var_regions
        if (rv == 0 and len(op.regions) != len(d.regions)) or \
                len(op.regions) < len(d.regions) - rv:
            raise _err(op, f"requires {len(d.regions)} region"
                           f"{'s' if len(d.regions) != 1 else ''}")
        for f in d.regions:
            if f.single_block and f.kind == "single" and len(op.regions[f.index].blocks) > 1:
                raise _err(op, f"expects region #{f.index} to have 0 or 1 blocks")
    if (d.n_var_successors == 0 and len(op.successors) != len(d.successors)):
        raise _err(op, f"requires {len(d.successors)} successors but found {len(op.successors)}")
    if d.traits:
        _verify_traits(op, d)
    op.verify_()


def _verify_traits(op, d):
    if d.same_operands_and_result_type:
        ts = [v.type for v in op.operands] + [r.type for r in op.results]
        if ts and any(t != ts[0] for t in ts):
            raise _err(op, "requires the same type for all operands and results")
    if d.same_type_operands:
        ts = [v.type for v in op.operands]
        if ts and any(t != ts[0] for t in ts):
            raise _err(op, "requires all operands to have the same type")
    if d.is_terminator:
        b = op.parent
        if b is not None and b.last is not op:
            raise _err(op, "must be the last operation in the parent block")
    if d.single_block:
        for r in op.regions:
            if len(r.blocks) > 1:
                raise _err(op, "expects a single block in each region")
    for t in d.has_parent:
        p = op.parent_op
        if p is None or p.name not in t.args:
            raise _err(op, f"expects parent op {'to be one of ' if len(t.args) > 1 else ''}"
                           f"'{', '.join(t.args)}'")


def _needs_terminator(op):
    d = op.opdef
    return d is not None and D.NoTerminator not in d.traits


def _is_graph(op):
    d = op.opdef
    return d is not None and D.GraphRegion in d.traits


def dominators(region):
    """Immediate dominators of the region's blocks reachable from its entry (CHK algorithm)."""
    blocks = region.blocks
    entry = blocks[0]
    order = []
    seen = {entry}
    stack = [(entry, iter(entry.successors()))]
    while stack:
        b, it = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            order.append(b)
            stack.pop()
        elif nxt not in seen:
            seen.add(nxt)
            stack.append((nxt, iter(nxt.successors())))
    rpo = list(reversed(order))
    index = {b: i for i, b in enumerate(rpo)}
    preds = {b: [] for b in rpo}
    for b in rpo:
        for s in b.successors():
            if s in preds:
                preds[s].append(b)
    idom = {entry: entry}
    changed = True
    while changed:
        changed = False
        for b in rpo[1:]:
            new = None
            for p in preds[b]:
                if p in idom:
                    if new is None:
                        new = p
                    else:
                        a, c = p, new
                        while a is not c:
                            while index[a] > index[c]:
                                a = idom[a]
                            while index[c] > index[a]:
                                c = idom[c]
                        new = a
            if idom.get(b) is not new:
                idom[b] = new
                changed = True
    return idom


def verify(top):
    """Verify `top` and everything nested in it."""
    depth_guard = sys.getrecursionlimit()
    sys.setrecursionlimit(max(depth_guard, 100000))
    try:
        with gc_paused():
            _verify_scope(top, [])
            verify_symbol_uses(top)
    finally:
        sys.setrecursionlimit(depth_guard)


def _check_operands(op, scopes):
    for i, v in enumerate(op.operands):
        for s in reversed(scopes):
            if v in s:
                break
        else:
            notes = []
            if isinstance(v, OpResult) and v.owner.loc is not None:
                notes.append((v.owner.loc, "operand defined here"))
            raise _err(op, f"operand #{i} does not dominate this use", notes)


def _verify_scope(op, scopes):
    """Verify `op` itself (its operands must be in `scopes`), then its regions."""
    verify_op_definition(op)
    if op.operands:
        _check_operands(op, scopes)
    if not op.regions:
        return
    isolated = op.opdef is not None and D.IsolatedFromAbove in op.opdef.traits
    outer = [] if isolated else scopes
    graph = _is_graph(op)
    need_term = _needs_terminator(op)
    for r in op.regions:
        _verify_region(op, r, outer, graph, need_term)


def _verify_block_structure(op, r, b, need_term):
    last = b.last
    if need_term:
        if last is None:
            raise IRError("empty block: expect at least a terminator", op.loc)
        if last.opdef is not None and D.Terminator not in last.opdef.traits:
            raise IRError("block with no terminator, has " + _short(last), last.loc)
    for s in (last.successors if last is not None else ()):
        if s.parent is not r:
            raise _err(last, "reference to block defined in another region")


def _short(op):
    from .printer import print_op
    text = print_op(op)
    return text.split("\n")[0] if "\n" not in text else text.split("\n")[0] + " ..."


def _verify_region(op, r, outer, graph, need_term):
    blocks = r.blocks
    if not blocks:
        return
    for b in blocks:
        _verify_block_structure(op, r, b, need_term)
    if graph or len(blocks) == 1:
        defined = set()
        if graph:
            for b in blocks:
                defined.update(b.args)
                for o in b:
                    defined.update(o.results)
            scopes = outer + [defined]
            for b in blocks:
                for o in b:
                    _verify_scope(o, scopes)
            return
        b = blocks[0]
        defined.update(b.args)
        scopes = outer + [defined]
        o = b.first
        while o is not None:
            _verify_scope(o, scopes)
            defined.update(o.results)
            o = o.next
        return
    idom = dominators(r)
    children = {b: [] for b in blocks}
    for b, d in idom.items():
        if b is not d:
            children[d].append(b)
    unreachable = [b for b in blocks if b not in idom]
    # walk the dominator tree: a block sees its dominators' values
    stack = [(blocks[0], outer)]
    while stack:
        b, scopes = stack.pop()
        defined = set(b.args)
        inner = scopes + [defined]
        o = b.first
        while o is not None:
            _verify_scope(o, inner)
            defined.update(o.results)
            o = o.next
        for c in children[b]:
            stack.append((c, inner))
    if unreachable:
        everything = set()
        for b in blocks:
            everything.update(b.args)
            for o in b:
                everything.update(o.results)
        for b in unreachable:
            for o in b:
                _verify_scope(o, outer + [everything])


# -- symbols ---------------------------------------------------------------------------------

class SymbolTables:
    """Lazily built maps from symbol name to op, one per symbol-table op."""

    def __init__(self):
        self.tables = {}

    def table(self, op):
        t = self.tables.get(op)
        if t is None:
            t = {}
            for r in op.regions:
                for b in r.blocks:
                    for o in b:
                        name = o.properties.get("sym_name")
                        if name is not None and hasattr(name, "value"):
                            if name.value in t:
                                raise _err(o, f"redefinition of symbol named '{name.value}'")
                            t[name.value] = o
            self.tables[op] = t
        return t

    def nearest_table(self, op):
        p = op.parent_op
        while p is not None and not (p.opdef is not None and D.SymbolTable in p.opdef.traits):
            p = p.parent_op
        return p

    def lookup(self, from_op, name):
        p = self.nearest_table(from_op)
        while p is not None:
            found = self.table(p).get(name)
            if found is not None:
                return found
            p = self.nearest_table(p)
        return None


def verify_symbol_uses(top):
    tables = SymbolTables()
    for op in top.walk():
        d = op.opdef
        if d is None:
            continue
        if D.SymbolTable in d.traits:
            tables.table(op)
        check = getattr(op, "verify_symbol_uses", None)
        if check is not None:
            check(tables)
