"""Type and attribute constraints used by declarative op definitions.

An attribute constraint also says how the attribute reads and prints where an assembly format
names it (`grammar` is a rule of the lark grammar; `build` turns what that rule produced into
the attribute; `print` writes its custom form).
"""

from __future__ import annotations

from . import types as T
from .attributes import (ArrayAttr, DenseArrayAttr, DenseElementsAttr, DictionaryAttr,
                         FloatAttr, IntegerAttr, StringAttr, SymbolRefAttr, TypeAttr, UnitAttr,
                         print_symbol)
from .affine import AffineMapAttr
from .core import IRError
from .lexer import symbol_name, unquote


class TypeConstraint:
    __slots__ = ("pred", "desc", "buildable")

    def __init__(self, pred, desc, buildable=None):
        self.pred = pred
        self.desc = desc
        self.buildable = buildable  # the one type this constraint admits, if any

    def __call__(self, t):
        return self.pred(t)

    def __or__(self, other):
        return TypeConstraint(lambda t: self.pred(t) or other.pred(t),
                              f"{self.desc} or {other.desc}")


def _is_vec_or_tensor_of(pred):
    def p(t):
        if pred(t):
            return True
        c = t.__class__
        return (c is T.VectorType or c is T.RankedTensorType or c is T.UnrankedTensorType) \
            and pred(t.element_type)
    return p


def Exactly(t):
    return TypeConstraint(lambda x: x == t, f"'{t}'", buildable=t)


AnyType = TypeConstraint(lambda t: True, "any type")
Index = Exactly(T.index)
I1 = Exactly(T.i1)
SignlessInteger = TypeConstraint(lambda t: t.__class__ is T.IntegerType and t.signedness == "",
                                 "signless integer")
AnyInteger = TypeConstraint(lambda t: t.__class__ is T.IntegerType, "integer")
Float = TypeConstraint(lambda t: t.__class__ is T.FloatType, "floating-point")
IntOrIndex = TypeConstraint(lambda t: t.__class__ is T.IndexType or (
    t.__class__ is T.IntegerType and t.signedness == ""), "signless integer or index")
SignlessIntegerLike = TypeConstraint(_is_vec_or_tensor_of(IntOrIndex.pred),
                                     "signless-integer-like")
BoolLike = TypeConstraint(_is_vec_or_tensor_of(lambda t: t == T.i1), "bool-like")
FloatLike = TypeConstraint(_is_vec_or_tensor_of(Float.pred), "floating-point-like")
IntOrFloatLike = SignlessIntegerLike | FloatLike
AnyMemRef = TypeConstraint(lambda t: t.__class__ is T.MemRefType, "memref")
AnyUnrankedMemRef = TypeConstraint(lambda t: t.__class__ is T.UnrankedMemRefType,
                                   "unranked memref")
RankedOrUnrankedMemRef = AnyMemRef | AnyUnrankedMemRef
AnyTensor = TypeConstraint(lambda t: t.__class__ in (T.RankedTensorType, T.UnrankedTensorType),
                           "tensor")
AnyRankedTensor = TypeConstraint(lambda t: t.__class__ is T.RankedTensorType, "ranked tensor")
AnyVector = TypeConstraint(lambda t: t.__class__ is T.VectorType, "vector")
AnyShaped = TypeConstraint(lambda t: isinstance(t, T.ShapedType) or t.__class__ in (
    T.UnrankedTensorType, T.UnrankedMemRefType), "shaped")


class AttrConstraint:
    """`grammar`: the grammar rule that reads the attribute's custom form."""

    grammar = "attribute"
    desc = "attribute"
    default = None

    def check(self, a):
        return True

    def build(self, value):
        return value

    def print(self, a):
        return str(a)

    def is_default(self, a):
        return self.default is not None and a == self.default


class AnyAttr(AttrConstraint):
    pass


class TypedAttr(AttrConstraint):
    desc = "typed attribute"

    def check(self, a):
        return hasattr(a, "type")


class IntAttr(AttrConstraint):
    """An integer of a fixed type, written bare in custom forms (`alignment = 16` -> `16`)."""

    grammar = "INT"

    def __init__(self, type=T.i64, default=None):
        self.type = type
        self.desc = f"{type} integer attribute"
        self.default = IntegerAttr(default, type) if default is not None else None

    def check(self, a):
        return a.__class__ is IntegerAttr and a.type == self.type

    def build(self, tok):
        return IntegerAttr(int(tok.value), self.type)

    def print(self, a):
        return str(a.value)


class FloatAttrC(AttrConstraint):
    desc = "float attribute"

    def check(self, a):
        return a.__class__ is FloatAttr


class StrAttr(AttrConstraint):
    grammar = "STRING"
    desc = "string attribute"

    def check(self, a):
        return a.__class__ is StringAttr

    def build(self, tok):
        return StringAttr(unquote(tok.value))


class SymbolName(AttrConstraint):
    """The `sym_name` of a symbol: a StringAttr printed as `@name`."""

    grammar = "SYMBOL"
    desc = "symbol name"

    def check(self, a):
        return a.__class__ is StringAttr

    def build(self, tok):
        return StringAttr(symbol_name(tok.value))

    def print(self, a):
        return print_symbol(a.value)


class SymbolRef(AttrConstraint):
    grammar = "symbol_ref"
    desc = "symbol reference attribute"

    def check(self, a):
        return a.__class__ is SymbolRefAttr


class FlatSymbolRef(SymbolRef):
    desc = "flat symbol reference attribute"

    def check(self, a):
        return a.__class__ is SymbolRefAttr and not a.nested


class TypeAttrOf(AttrConstraint):
    grammar = "type"

    def __init__(self, constraint=AnyType):
        self.constraint = constraint
        self.desc = f"type attribute of {constraint.desc}"

    def check(self, a):
        return a.__class__ is TypeAttr and self.constraint(a.value)

    def build(self, t):
        return TypeAttr(t)

    def print(self, a):
        return str(a.value)


class Unit(AttrConstraint):
    grammar = None  # present or absent: written as the keyword of its optional group
    desc = "unit attribute"

    def check(self, a):
        return a.__class__ is UnitAttr


class ArrayOf(AttrConstraint):
    def __init__(self, element=None):
        self.element = element
        self.desc = "array attribute"

    def check(self, a):
        return a.__class__ is ArrayAttr and (
            self.element is None or all(self.element.check(x) for x in a.value))


class DictAttrC(AttrConstraint):
    desc = "dictionary attribute"

    def check(self, a):
        return a.__class__ is DictionaryAttr


class DenseArrayOf(AttrConstraint):
    """`array<i64: 1, 2>`; written `[1, 2]` where a format names it."""

    grammar = "int_list"

    def __init__(self, element_type=T.i64):
        self.element_type = element_type
        self.desc = f"{element_type} dense array attribute"

    def check(self, a):
        return a.__class__ is DenseArrayAttr and a.element_type == self.element_type

    def build(self, values):
        return DenseArrayAttr(self.element_type, values)

    def print(self, a):
        return "[" + ", ".join(str(v) for v in a.value) + "]"


class DenseElements(AttrConstraint):
    desc = "dense elements attribute"

    def check(self, a):
        return a.__class__ is DenseElementsAttr


class AffineMapC(AttrConstraint):
    desc = "affine map attribute"

    def check(self, a):
        return a.__class__ is AffineMapAttr


class IntEnum(AttrConstraint):
    """An enum stored as an IntegerAttr (i64 unless `type` says otherwise, as ODS's
    I32EnumAttr) and written as its case name (`slt`)."""

    grammar = "bare_id"

    def __init__(self, name, cases, default=None, type=T.i64):
        self.name = name
        self.cases = list(cases)
        self.type = type
        self.index = {c: i for i, c in enumerate(self.cases)}
        self.desc = f"{name} enum ({', '.join(self.cases)})"
        self.default = IntegerAttr(self.index[default], type) if default is not None else None

    def check(self, a):
        return a.__class__ is IntegerAttr and a.type == self.type and \
            0 <= a.value < len(self.cases)

    def build(self, tok):
        v = tok.value
        if v not in self.index:
            raise IRError(f"expected {self.desc}, got '{v}'")
        return IntegerAttr(self.index[v], self.type)

    def print(self, a):
        return self.cases[a.value]

    def attr(self, case):
        return IntegerAttr(self.index[case], self.type)

    def case(self, a):
        return self.cases[a.value]


class EnumOf(AttrConstraint):
    """An EnumAttribute subclass; its custom form in a format is `<case>` (stripped of the prefix)."""

    grammar = "enum_body"

    def __init__(self, attr_class, default=None):
        self.attr_class = attr_class
        self.desc = f"#{attr_class.dialect}.{attr_class.mnemonic} attribute"
        self.default = attr_class(default) if default is not None else None

    def check(self, a):
        return a.__class__ is self.attr_class

    def build(self, cases):
        return self.attr_class.from_cases(cases)

    def print(self, a):
        return f"<{a.body()}>"
