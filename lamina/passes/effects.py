"""Memory-effect queries shared by the generic passes (MLIR's MemoryEffectOpInterface and
`isOpTriviallyDead`)."""

from __future__ import annotations

from ..ir.opdef import ConstantLike, RecursiveMemoryEffects, Terminator


def effects_of(op):
    """The op's effects including nested ops for RecursiveMemoryEffects, or None if unknown.
    An op whose effects depend on its operand types defines `memory_effects()`."""
    d = op.opdef
    if d is None:
        return None
    dynamic = getattr(op, "memory_effects", None)
    if dynamic is not None:
        return dynamic()
    if RecursiveMemoryEffects in d.traits:
        out = list(d.effects or ())
        for r in op.regions:
            for b in r.blocks:
                for inner in b:
                    e = effects_of(inner)
                    if e is None:
                        return None
                    out.extend(e)
        return out
    return d.effects


def is_pure(op):
    e = effects_of(op)
    return e is not None and len(e) == 0


def would_be_trivially_dead(op):
    """Unused, it could be dropped: no effects besides reads and allocation of its results."""
    d = op.opdef
    if d is None or Terminator in d.traits or "Symbol" in (t.name for t in d.traits):
        return False
    e = effects_of(op)
    if e is None:
        return False
    return all(x.kind in ("read", "alloc") for x in e)


def is_trivially_dead(op):
    for r in op.results:
        if r.uses:
            return False
    return would_be_trivially_dead(op)


def constant_value(v):
    """The Attribute a value is known to hold (it is defined by a ConstantLike op), or None."""
    owner = getattr(v, "owner", None)
    d = getattr(owner, "opdef", None)
    if d is not None and ConstantLike in d.traits:
        return owner.properties.get("value")
    return None
