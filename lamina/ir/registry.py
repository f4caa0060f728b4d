"""Which ops, dialect attributes and dialect types exist, by name."""

from __future__ import annotations

OPS = {}             # "arith.addi" -> op class
OP_ALIASES = {}      # bare keyword under a default dialect ("return") -> op class
DIALECT_ATTRS = {}   # "arith.fastmath" -> class with parse_body(text) -> Attribute
DIALECT_TYPES = {}   # "llvm.ptr" -> function(body text or "") -> Type
DIALECTS = {}        # "arith" -> description
generation = [0]     # bumped on every registration, so parsers rebuild their grammar


def register_op(cls):
    OPS[cls.opdef.name] = cls
    for alias in cls.opdef.aliases:
        OP_ALIASES[alias] = cls
    DIALECTS.setdefault(cls.opdef.name.split(".", 1)[0], "")
    generation[0] += 1
    return cls


def register_attr(name, cls):
    DIALECT_ATTRS[name] = cls
    return cls


def register_type(name, parse):
    DIALECT_TYPES[name] = parse
    return parse


def lookup(name):
    return OPS.get(name)


MATERIALIZERS = {}   # dialect -> function(attr, type, loc) -> constant op, or None


def register_constant_materializer(dialect, fn):
    """How folding turns a constant Attribute back into an op of `dialect` (MLIR's
    Dialect::materializeConstant)."""
    MATERIALIZERS[dialect] = fn
    return fn
