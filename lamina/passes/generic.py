"""The generic passes: canonicalize, cse, dce, inline and symbol-dce."""

from __future__ import annotations

from ..ir import registry
from ..ir.attributes import ArrayAttr, CallSiteLoc, DictionaryAttr, SymbolRefAttr
from ..ir.core import Block
from ..ir.opdef import IsolatedFromAbove, ReturnLike, Symbol, SymbolTable
from ..ir.verifier import dominators
from .effects import is_pure, is_trivially_dead
from .greedy import apply_patterns_greedily
from .pass_manager import Pass, register_pass


def canonicalization_patterns():
    pats = []
    for cls in registry.OPS.values():
        pats.extend(cls.canonicalization_patterns)
    return pats


@register_pass
class Canonicalize(Pass):
    argument = "canonicalize"
    title = "Canonicalizer"
    summary = "Fold ops, apply every op's canonicalization patterns, drop dead code"
    options = {"max-iterations": (int, 10, "fixpoint iterations of the driver"),
               "top-down": (bool, True, "visit ops top-down"),
               "region-simplify": (str, "normal", "accepted for mlir-opt compatibility")}

    def run(self, op):
        apply_patterns_greedily(op, canonicalization_patterns(),
                                max_iterations=self.opts["max-iterations"])
        _drop_unreachable_blocks(op)


@register_pass
class CSE(Pass):
    argument = "cse"
    title = "CSE"
    summary = "Eliminate common sub-expressions among pure ops, scoped by dominance"

    def run(self, op):
        for r in op.regions:
            _cse_region(r, [{}])


def _key(op):
    return (op.name, tuple(map(id, op.operands)), tuple(r.type for r in op.results),
            tuple(sorted(op.properties.items())), tuple(sorted(op.attributes.items())))


def _cse_region(region, scopes):
    blocks = region.blocks
    if not blocks:
        return
    if len(blocks) == 1:
        _cse_block(blocks[0], scopes + [{}])
        return
    idom = dominators(region)
    children = {b: [] for b in blocks}
    for b, d in idom.items():
        if b is not d:
            children[d].append(b)
    stack = [(blocks[0], scopes)]
    while stack:
        b, sc = stack.pop()
        inner = sc + [{}]
        _cse_block(b, inner)
        for c in children[b]:
            stack.append((c, inner))


def _cse_block(block, scopes):
    table = scopes[-1]
    for op in block:
        if op.regions:
            iso = op.opdef is not None and IsolatedFromAbove in op.opdef.traits
            for r in op.regions:
                _cse_region(r, [{}] if iso else scopes)
            continue
        if not op.results or not is_pure(op):
            continue
        k = _key(op)
        for s in reversed(scopes):
            found = s.get(k)
            if found is not None:
                for a, b in zip(op.results, found.results):
                    a.replace_all_uses_with(b)
                op.erase()
                break
        else:
            table[k] = op


@register_pass
class DCE(Pass):
    argument = "dce"
    title = "DCE"
    summary = "Erase ops whose results are unused and that have no side effects, and " \
              "unreachable blocks"

    def run(self, op):
        changed = True
        while changed:
            changed = False
            for o in list(op.walk(pre_order=False)):
                if o is not op and o.parent is not None and is_trivially_dead(o):
                    o.erase()
                    changed = True
            changed |= _drop_unreachable_blocks(op)


def _drop_unreachable_blocks(op):
    changed = False
    for o in list(op.walk()):
        for r in o.regions:
            if len(r.blocks) < 2:
                continue
            reachable = dominators(r)
            dead = [b for b in r.blocks if b not in reachable]
            for b in dead:
                for inner in list(b):
                    inner._drop_all_references()
            for b in dead:
                for inner in list(b):
                    for res in inner.results:
                        res.uses = []
                    inner.detach()
                for a in b.args:
                    a.uses = []
                r.remove_block(b)
                changed = True
    return changed


@register_pass
class SymbolDCE(Pass):
    argument = "symbol-dce"
    title = "SymbolDCE"
    summary = "Erase private symbols that nothing references"

    def run(self, op):
        while True:
            used = referenced_symbols(op)
            dead = []
            for o in op.walk():
                d = o.opdef
                if d is None or Symbol not in d.traits or o is op:
                    continue
                vis = o.properties.get("sym_visibility")
                if vis is None or vis.value != "private":
                    continue
                if o.properties["sym_name"].value not in used:
                    dead.append(o)
            if not dead:
                return
            for o in dead:
                o.erase()


def referenced_symbols(root):
    """The names of the symbols that the ops in `root` refer to (by symbol reference
    attributes, nested references included)."""
    used = set()
    for o in root.walk():
        for a in list(o.properties.values()) + list(o.attributes.values()):
            _collect_refs(a, used)
    return used


def _collect_refs(a, used):
    if isinstance(a, SymbolRefAttr):
        used.add(a.root)
        used.update(a.nested)
    elif isinstance(a, ArrayAttr):
        for x in a.value:
            _collect_refs(x, used)
    elif isinstance(a, DictionaryAttr):
        for x in a.value.values():
            _collect_refs(x, used)


@register_pass
class Inline(Pass):
    argument = "inline"
    title = "Inliner"
    summary = "Inline calls of symbols with a body (func.call of func.func, ...)"
    options = {"max-iterations": (int, 4, "rounds of inlining (nested calls)")}

    def run(self, op):
        for _ in range(self.opts["max-iterations"]):
            if not self._round(op):
                return

    def _round(self, top):
        symbols = {}
        for o in top.walk():
            d = o.opdef
            if d is not None and SymbolTable in d.traits:
                for inner in (o.regions[0].blocks[0] if o.regions and o.regions[0].blocks
                              else ()):
                    n = inner.properties.get("sym_name")
                    if n is not None:
                        symbols[n.value] = inner
        changed = False
        for call in list(top.walk()):
            callee_ref = call.properties.get("callee")
            if not isinstance(callee_ref, SymbolRefAttr) or call.parent is None:
                continue
            callee = symbols.get(callee_ref.root)
            if callee is None or not callee.regions or not callee.regions[0].blocks:
                continue
            if "no_inline" in call.properties or "no_inline" in callee.properties:
                continue
            if callee.is_ancestor_of(call):
                continue  # recursion
            if _inline_call(call, callee):
                changed = True
        return changed


def _inline_call(call, callee):
    body = callee.regions[0]
    if len(body.blocks) != 1:
        if "cf.br" not in registry.OPS:
            return False
        return _inline_multi_block(call, callee)
    mapping = {}
    entry = body.blocks[0]
    for a, v in zip(entry.args, call.operands):
        mapping[a] = v
    term = entry.last
    if term is None or term.opdef is None or ReturnLike not in term.opdef.traits:
        return False
    for o in entry:
        if o is term:
            break
        new = o.clone(mapping)
        new.loc = CallSiteLoc(o.loc, call.loc) if o.loc is not None and call.loc is not None \
            else o.loc
        call.parent.insert_before(call, new)
    results = [mapping.get(v, v) for v in term.operands]
    for r, v in zip(call.results, results):
        r.replace_all_uses_with(v)
    call.erase()
    return True


def _inline_multi_block(call, callee):
    """Split the caller's block at the call; the callee's blocks go between, returns become
    branches to the continuation block, whose arguments are the call's results."""
    br = registry.OPS["cf.br"]
    block = call.parent
    region = block.parent
    cont = Block([r.type for r in call.results])
    region.add_block(cont, region.blocks.index(block) + 1)
    o = call.next
    while o is not None:
        nxt = o.next
        block._unlink(o)
        cont.append(o)
        o = nxt
    for r, a in zip(call.results, cont.args):
        r.replace_all_uses_with(a)
    mapping = {}
    body = callee.regions[0]
    new_blocks = []
    for b in body.blocks:
        nb = b.clone_into(region, mapping)
        region.blocks.remove(nb)
        new_blocks.append((b, nb))
    pos = region.blocks.index(cont)
    for i, (_, nb) in enumerate(new_blocks):
        region.add_block(nb, pos + i)
    for b, nb in new_blocks:
        for o in b:
            if o.opdef is not None and ReturnLike in o.opdef.traits:
                nb.append(br([mapping.get(v, v) for v in o.operands], successors=[cont],
                             loc=o.loc))
            else:
                nb.append(o.clone(mapping))
    entry = new_blocks[0][1]
    block.insert_before(call, br(list(call.operands), successors=[entry], loc=call.loc))
    call.erase(drop_uses=False)
    return True
