"""Dialect conversion (MLIR's applyPartialConversion, reduced to what lamina needs).

Ops are converted in program order. A pattern sees its operands already converted (the
"adaptor"): a producer that was converted earlier left an `unrealized_conversion_cast` from its
new value back to the old type, and the adaptor looks through it. Replaced results are wired to
their remaining users through such casts too, so the IR stays valid between steps; at the end
cast pairs cancel out and any cast left over means something was not converted.
"""

from __future__ import annotations

from ..ir import IRError
from ..ir.builtin import UnrealizedConversionCastOp
from ..ir.rewrite import PatternRewriter

CAST = "builtin.unrealized_conversion_cast"


class TypeConverter:
    """Rules tried in order, each `type -> Type | None`; a type no rule changes stays as is."""

    def __init__(self):
        self.rules = []

    def add(self, fn):
        self.rules.append(fn)
        return fn

    def convert(self, t):
        for fn in self.rules:
            r = fn(t)
            if r is not None:
                return r
        return t

    def is_legal(self, t):
        return self.convert(t) == t


class ConversionPattern:
    """`op_name`: the op it converts; `convert(op, operands, rewriter)` builds the replacement
    from the converted `operands` and calls `rewriter.replace_op`; returns False to decline."""

    op_name = None

    def convert(self, op, operands, rewriter):
        raise NotImplementedError


class ConversionRewriter(PatternRewriter):
    def __init__(self, converter):
        super().__init__()
        self.converter = converter

    def remap(self, v):
        """`v` with its converted type, looking through casts left by earlier conversions."""
        want = self.converter.convert(v.type)
        owner = getattr(v, "owner", None)
        if owner is not None and getattr(owner, "name", None) == CAST and \
                len(owner.operands) == 1 and owner.operands[0].type == want:
            return owner.operands[0]
        if v.type == want:
            return v
        return self.cast(v, want)

    def cast(self, v, t):
        c = UnrealizedConversionCastOp([v], result_types=[t])
        self.insert(c)
        return c.results[0]

    def replace_op(self, op, values):
        """Replace `op`'s results by `values` (of converted types), keeping users valid."""
        new = []
        for r, v in zip(op.results, values):
            if v.type != r.type and r.uses:
                c = UnrealizedConversionCastOp([v], result_types=[r.type])
                self.set_insertion_point_before(op)
                self.insert(c)
                v = c.results[0]
            new.append(v)
        for r, v in zip(op.results, new):
            r.replace_all_uses_with(v)
        op.erase()

    def convert_block_signature(self, block, types=None):
        """Give `block`'s arguments their converted types (or `types`), with casts back to the
        old types for the uses not yet converted."""
        for i, a in enumerate(block.args):
            t = types[i] if types is not None else self.converter.convert(a.type)
            if t == a.type:
                continue
            old = a.type
            uses = list(a.uses)
            a.type = t
            if uses:
                c = UnrealizedConversionCastOp([a], result_types=[old])
                block.prepend(c)
                res = c.results[0]
                for u in uses:
                    u.owner.operands[u.index] = res
                    res.uses.append(u)
                a.uses = [u for u in a.uses if u.owner is c]


def apply_conversion(root, patterns, converter, is_legal, reconcile=True):
    """Convert every op nested in `root` for which `is_legal(op)` is False. Raises IRError
    naming the first op no pattern could convert. With `reconcile` off the casts stay for a
    later conversion (or reconcile-unrealized-casts) to consume, as between MLIR's
    per-dialect conversions."""
    by_name = {}
    for p in patterns:
        by_name.setdefault(p.op_name, []).append(p)
    rw = ConversionRewriter(converter)
    for op in [o for o in root.walk() if o is not root]:
        if op.parent is None or is_legal(op):
            continue
        for p in by_name.get(op.name, ()):
            rw.set_insertion_point_before(op)
            if p.convert(op, [rw.remap(v) for v in op.operands], rw):
                break
        else:
            raise IRError(f"failed to legalize operation '{op.name}'", op.loc)
    if reconcile:
        reconcile_casts(root)


def reconcile_casts(root):
    """Fold cast chains that return to their source type; a cast still used afterwards is a
    value that crossed a boundary nothing converted."""
    casts = [o for o in root.walk() if o.name == CAST]
    for c in casts:
        if c.parent is None:
            continue
        src = c.operands[0] if len(c.operands) == 1 else None
        res = c.results[0] if len(c.results) == 1 else None
        if src is None or res is None:
            continue
        if src.type == res.type:
            res.replace_all_uses_with(src)
        else:
            for u in list(res.uses):
                user = u.owner
                if user.name == CAST and len(user.results) == 1 and \
                        user.results[0].type == src.type:
                    user.results[0].replace_all_uses_with(src)
    for c in casts:
        if c.parent is not None and not any(r.uses for r in c.results):
            c.erase()
    for c in root.walk():
        if c.name == CAST:
            raise IRError(f"failed to legalize: a value of type '{c.operands[0].type}' is still "
                          f"used as '{c.results[0].type}'", c.loc)
