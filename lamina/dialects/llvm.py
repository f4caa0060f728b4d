"""The upstream `llvm` dialect: LLVM IR's types, attributes and instructions as MLIR ops, in MLIR
22's syntax. It is what the CPU lowering produces (a memref descriptor is
`!llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>`) and what the translation to
LLVM IR text consumes.

Properties are stored as upstream stores them (`predicate = 2 : i64`, `overflowFlags = 1 : i32`,
`linkage = #llvm.linkage<internal>`), so each tool reads the other's generic form. Properties at
their default value are left out, as in the custom form.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from ..ir import registry
from ..ir import types as T
from ..ir.attributes import (ArrayAttr, BoolAttr, DenseArrayAttr, DenseElementsAttr,
                             DictionaryAttr, EnumAttribute, FloatAttr, IntegerAttr, OpaqueAttr,
                             StringAttr, SymbolRefAttr, TypeAttr, UnitAttr, print_attr_dict,
                             print_symbol, quote_string, scalar_attr)
from ..ir.constraints import (AnyAttr, ArrayOf, AttrConstraint, DenseArrayOf, EnumOf,
                              FlatSymbolRef, IntAttr, StrAttr, SymbolName, TypeAttrOf,
                              TypeConstraint, Unit)
from ..ir.core import Block, IRError, Type
from ..ir.format import custom_directive
from ..ir.lexer import symbol_name, unquote
from ..ir.opdef import (Alloc, AutomaticAllocationScope, BranchLike, Commutative, ConstantLike,
                        FunctionLike, IsolatedFromAbove, Op, Pure, Read, ReturnLike,
                        SameOperandsAndResultType, SameTypeOperands, Symbol, Terminator, Write,
                        operand, opt_operand, opt_prop, opt_result, prop, region, result,
                        successor, var_operand, var_successor)

_IMPORTED = set(globals())


# == types ====================================================================================

class LLVMType(Type):
    """Base of the llvm dialect's types. Inside another llvm type's body they print without the
    `!llvm.` prefix (`!llvm.struct<(ptr, array<2 x i64>)>`), which `body()` gives."""

    __slots__ = ()

    def body(self):
        raise NotImplementedError

    def __str__(self):
        return "!llvm." + self.body()


def _nested(t):
    return t.body() if isinstance(t, LLVMType) else str(t)


class LLVMPointerType(LLVMType):
    """`!llvm.ptr`, `!llvm.ptr<1>`: an opaque pointer into an address space."""

    __slots__ = ("address_space",)

    def __init__(self, address_space=0):
        self.address_space = address_space

    def _key(self):
        return self.address_space

    def body(self):
        return f"ptr<{self.address_space}>" if self.address_space else "ptr"


class LLVMArrayType(LLVMType):
    """`!llvm.array<4 x f32>`."""

    __slots__ = ("element_type", "num_elements")

    def __init__(self, element_type, num_elements):
        self.element_type = element_type
        self.num_elements = num_elements

    def _key(self):
        return (self.element_type, self.num_elements)

    def body(self):
        return f"array<{self.num_elements} x {_nested(self.element_type)}>"


class LLVMStructType(LLVMType):
    """`!llvm.struct<(i32, ptr)>`, `<packed (...)>`, identified `<"name", (...)>` or
    `<"name", opaque>`."""

    __slots__ = ("body_types", "packed", "name", "opaque")

    def __init__(self, body_types=(), packed=False, name=None, opaque=False):
        self.body_types = tuple(body_types)
        self.packed = packed
        self.name = name
        self.opaque = opaque

    def _key(self):
        return (self.body_types, self.packed, self.name, self.opaque)

    def body(self):
        head = quote_string(self.name) + ", " if self.name is not None else ""
        if self.opaque:
            return f"struct<{head}opaque>"
        packed = "packed " if self.packed else ""
        return f"struct<{head}{packed}({', '.join(map(_nested, self.body_types))})>"


class LLVMFunctionType(LLVMType):
    """`!llvm.func<i32 (ptr, ...)>`: one result (`void` for none), parameters, varargs."""

    __slots__ = ("result", "params", "vararg")

    def __init__(self, result, params=(), vararg=False):
        self.result = result
        self.params = tuple(params)
        self.vararg = vararg

    def _key(self):
        return (self.result, self.params, self.vararg)

    def body(self):
        params = [_nested(t) for t in self.params] + (["..."] if self.vararg else [])
        return f"func<{_nested(self.result)} ({', '.join(params)})>"

    @property
    def results(self):
        """The result types as a builtin function type lists them (none for `void`)."""
        return () if self.result == void else (self.result,)


class LLVMPrimitiveType(LLVMType):
    """The llvm types named by a keyword alone: `void`, `token`, `label`, `metadata`,
    `ppc_fp128`, `x86_amx`."""

    __slots__ = ("keyword",)

    def __init__(self, keyword):
        self.keyword = keyword

    def _key(self):
        return self.keyword

    def body(self):
        return self.keyword


_PRIMITIVES = ("void", "token", "label", "metadata", "ppc_fp128", "x86_amx")
_NOT_IN_MEMORY = frozenset(("void", "token", "label", "metadata"))


def _is_any(t, keywords):
    return t.__class__ is LLVMPrimitiveType and t.keyword in keywords


def _check(t, ok, what):
    """`t`, if it may stand where `what` says (LLVM's isValid...Type checks)."""
    if not ok:
        raise IRError(f"invalid {what} type: '{t}'")
    return t
ptr = LLVMPointerType()
void = LLVMPrimitiveType("void")


def struct(*body_types, packed=False):
    """A literal struct type: `struct(ptr, ptr, T.i64)`."""
    return LLVMStructType(body_types, packed)


def memref_descriptor(rank, address_space=0):
    """The struct a ranked memref lowers to: allocated and aligned pointers, offset, sizes and
    strides (MLIR's MemRefDescriptor)."""
    p = LLVMPointerType(address_space)
    if rank == 0:
        return LLVMStructType((p, p, T.i64))
    dims = LLVMArrayType(T.i64, rank)
    return LLVMStructType((p, p, T.i64, dims, dims))


# -- parsing type bodies ---------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")
_INT = re.compile(r"[0-9]+")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_INT_TYPE = re.compile(r"([su]?)i([1-9][0-9]*)\Z")


class _TypeReader:
    """Recursive descent over an llvm type body. Builtin types nested in it are read here when
    they are scalars and handed to lamina's parser otherwise (`vector<4xf32>`, other
    dialects' types)."""

    def __init__(self, text):
        self.s = text
        self.i = 0

    def skip(self):
        s, i = self.s, self.i
        while i < len(s) and s[i].isspace():
            i += 1
        self.i = i

    def accept(self, lit):
        self.skip()
        if self.s.startswith(lit, self.i):
            self.i += len(lit)
            return True
        return False

    def expect(self, lit):
        if not self.accept(lit):
            raise IRError(f"expected '{lit}'")

    def match(self, regex, what):
        self.skip()
        m = regex.match(self.s, self.i)
        if m is None:
            raise IRError(f"expected {what}")
        self.i = m.end()
        return m.group()

    def peek_ident(self):
        self.skip()
        m = _IDENT.match(self.s, self.i)
        return m.group() if m else None

    def balanced_end(self):
        """Offset just past the `<...>` group starting here."""
        s, i, depth = self.s, self.i, 0
        while i < len(s):
            c = s[i]
            if c == '"':
                i = _STRING.match(s, i).end()
                continue
            if c == "-" and s.startswith("->", i):
                i += 2
                continue
            depth += (c == "<") - (c == ">")
            i += 1
            if depth == 0:
                return i
        raise IRError("unbalanced '<' in type")

    def type(self):
        self.skip()
        start = self.i
        if self.accept("!"):
            name = self.match(_IDENT, "type name")
            if name.startswith("llvm."):
                return self.llvm(name[5:])
        else:
            name = self.match(_IDENT, "type")
            if name in _LLVM_MNEMONICS:
                return self.llvm(name)
            m = _INT_TYPE.match(name)
            if m is not None:
                return T.IntegerType(int(m.group(2)), m.group(1))
            if name in T.FloatType.WIDTHS:
                return T.FloatType(name)
            if name == "index":
                return T.index
        self.skip()
        if self.s.startswith("<", self.i):
            self.i = self.balanced_end()
        return _parse_builtin(self.s[start:self.i])

    def llvm(self, mnemonic):
        if mnemonic in _PRIMITIVES:
            return LLVMPrimitiveType(mnemonic)
        if mnemonic == "ptr":
            space = 0
            if self.accept("<"):
                space = int(self.match(_INT, "address space"))
                self.expect(">")
            return LLVMPointerType(space)
        self.expect("<")
        if mnemonic == "array":
            n = int(self.match(_INT, "array size"))
            if self.peek_ident() != "x":
                raise IRError("expected 'x'")
            self.match(_IDENT, "'x'")
            elt = self.type()
            t = LLVMArrayType(_check(elt, elt.__class__ is not LLVMFunctionType
                                     and not _is_any(elt, _NOT_IN_MEMORY), "array element"), n)
        elif mnemonic == "func":
            res = self.type()
            _check(res, res.__class__ is not LLVMFunctionType
                   and not _is_any(res, ("label", "metadata")), "function result")
            self.expect("(")
            params, vararg = [], False
            if not self.accept(")"):
                while True:
                    if self.accept("..."):
                        vararg = True
                        self.expect(")")
                        break
                    p = self.type()
                    params.append(_check(p, p.__class__ is not LLVMFunctionType
                                         and not _is_any(p, ("void",)), "function argument"))
                    if self.accept(")"):
                        break
                    self.expect(",")
            t = LLVMFunctionType(res, params, vararg)
        elif mnemonic == "struct":
            t = self.struct_body()
        else:
            raise IRError(f"unknown LLVM type: {mnemonic}")
        self.expect(">")
        return t

    def struct_body(self):
        name = None
        self.skip()
        if self.s.startswith('"', self.i):
            name = unquote(self.match(_STRING, "struct name"))
            self.skip()
            if self.s.startswith(">", self.i):
                raise IRError("struct without a body only allowed in a recursive struct")
            self.expect(",")
            if self.peek_ident() == "opaque":
                self.match(_IDENT, "'opaque'")
                return LLVMStructType((), False, name, True)
        packed = self.peek_ident() == "packed"
        if packed:
            self.match(_IDENT, "'packed'")
        self.expect("(")
        body = []
        while not self.accept(")"):
            if body:
                self.expect(",")
            t = self.type()
            body.append(_check(t, t.__class__ is not LLVMFunctionType
                               and not _is_any(t, _NOT_IN_MEMORY), "LLVM structure element"))
        return LLVMStructType(body, packed, name)

    def end(self):
        self.skip()
        if self.i != len(self.s):
            raise IRError(f"unexpected '{self.s[self.i:]}' after LLVM type")


_LLVM_MNEMONICS = frozenset(("ptr", "array", "func", "struct") + _PRIMITIVES)


@lru_cache(maxsize=None)
def _parse_builtin(text):
    from ..ir.parser import parse
    module = parse('"builtin.module"() ({\n}) {t = ' + text + '} : () -> ()')
    return module.attributes["t"].value


@lru_cache(maxsize=None)
def parse_llvm_type(mnemonic, body):
    """The type `!llvm.<mnemonic><body>`."""
    r = _TypeReader(body)
    t = r.llvm(mnemonic)
    r.end()
    return t


for _m in _LLVM_MNEMONICS:
    registry.register_type("llvm." + _m, lambda body, _m=_m: parse_llvm_type(_m, body))


def is_compatible_type(t):
    """Whether `t` has an LLVM IR counterpart (MLIR's LLVM::isCompatibleType)."""
    c = t.__class__
    if c is T.IntegerType:
        return t.signedness == ""
    if c is T.FloatType or isinstance(t, LLVMType):
        return True
    if c is T.VectorType:
        e = t.element_type
        return (e.__class__ is T.IntegerType and e.signedness == "") or \
            e.__class__ is T.FloatType or e.__class__ is LLVMPointerType
    return False


def _scalar(t):
    return t.element_type if t.__class__ is T.VectorType else t


def _same_shape(t, element):
    """`element`, or a vector of it shaped as `t` if `t` is a vector."""
    if t.__class__ is T.VectorType:
        return T.VectorType(t.shape, element, t.scalable)
    return element


# == attributes ================================================================================

class _LLVMEnum(EnumAttribute):
    """An llvm enum attribute; upstream also reads its cases quoted (`#llvm.linkage<"weak">`)."""

    __slots__ = ()
    dialect = "llvm"
    separator = ","

    @classmethod
    def parse_body(cls, body):
        body = body.strip()
        if not (body.startswith("<") and body.endswith(">")):
            raise IRError(f"expected '<' case '>' after #llvm.{cls.mnemonic}")
        return cls([c.strip().strip('"') for c in body[1:-1].split(",") if c.strip()])

    def body(self):
        return self.separator.join(self.cases) if self.cases else self.none_case


class LinkageAttr(_LLVMEnum):
    __slots__ = ()
    mnemonic = "linkage"
    allowed = ("private", "internal", "available_externally", "linkonce", "weak", "common",
               "appending", "extern_weak", "linkonce_odr", "weak_odr", "external")


class CConvAttr(_LLVMEnum):
    __slots__ = ()
    mnemonic = "cconv"
    allowed = ("ccc", "fastcc", "coldcc", "cc_10", "cc_11", "anyregcc", "preserve_mostcc",
               "preserve_allcc", "swiftcc", "cxx_fast_tlscc", "tailcc", "cfguard_checkcc",
               "swifttailcc", "x86_stdcallcc", "x86_fastcallcc", "arm_apcscc", "arm_aapcscc",
               "arm_aapcs_vfpcc", "msp430_intrcc", "x86_thiscallcc", "ptx_kernelcc",
               "ptx_devicecc", "spir_funccc", "spir_kernelcc", "intel_ocl_bicc",
               "x86_64_sysvcc", "win64cc", "x86_vectorcallcc", "hhvmcc", "hhvm_ccc",
               "x86_intrcc", "avr_intrcc", "avr_builtincc", "amdgpu_vscc", "amdgpu_gscc",
               "amdgpu_cscc", "amdgpu_kernelcc", "x86_regcallcc", "amdgpu_hscc",
               "msp430_builtincc", "amdgpu_lscc", "amdgpu_escc", "aarch64_vectorcallcc",
               "aarch64_sve_vectorcallcc", "wasm_emscripten_invokecc", "amdgpu_gfxcc",
               "m68k_intrcc")


class TailCallKindAttr(_LLVMEnum):
    __slots__ = ()
    mnemonic = "tailcallkind"
    allowed = ("none", "notail", "musttail", "tail")


class _LLVMBitEnum(_LLVMEnum):
    __slots__ = ()
    bit_enum = True
    none_case = "none"
    separator = ", "


class FastmathFlagsAttr(_LLVMBitEnum):
    """`#llvm.fastmath<nnan, ninf>`; all seven flags read and print as `fast`."""

    __slots__ = ()
    mnemonic = "fastmath"
    allowed = ("nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc")

    def __init__(self, cases=()):
        if isinstance(cases, str):
            cases = cases.split(",")
        cases = [c.strip() for c in cases if c.strip()]
        super().__init__([f for c in cases for f in (self.allowed if c == "fast" else (c,))])

    def body(self):
        return "fast" if len(self.cases) == len(self.allowed) else super().body()


class IntegerOverflowFlagsAttr(_LLVMBitEnum):
    """`#llvm.overflow<nsw, nuw>`: the attribute form of the `overflowFlags` property."""

    __slots__ = ()
    mnemonic = "overflow"
    allowed = ("nsw", "nuw")


for _a in (LinkageAttr, CConvAttr, TailCallKindAttr, FastmathFlagsAttr,
           IntegerOverflowFlagsAttr):
    registry.register_attr("llvm." + _a.mnemonic, _a)


class _PassThroughAttr:
    """llvm attributes lamina carries without modelling them: kept as written."""

    def __init__(self, mnemonic):
        self.mnemonic = mnemonic

    def parse_body(self, body):
        return OpaqueAttr("llvm", self.mnemonic + body)


for _m in ("memory_effects", "framePointerKind", "target_features", "loop_annotation",
           "dereferenceable", "vscale_range", "access_group", "alias_scope",
           "alias_scope_domain", "tbaa_root", "tbaa_type_desc", "tbaa_tag", "comdat"):
    registry.register_attr("llvm." + _m, _PassThroughAttr(_m))


# -- property constraints ------------------------------------------------------------------

class IntCase(AttrConstraint):
    """An enum stored as an integer (ODS's I64EnumAttr: `predicate = 2 : i64`) and written as its
    keyword, quoted where upstream quotes it (`llvm.icmp "slt"`). `cases`: names in value order,
    or a dict name -> value."""

    def __init__(self, desc, prop, cases, default=None, quoted=False, type=T.i64):
        self.prop = prop  # the property's name, for messages
        self.values = dict(cases) if isinstance(cases, dict) else \
            {c: i for i, c in enumerate(cases)}
        self.names = {v: k for k, v in self.values.items()}
        self.desc = desc
        self.quoted = quoted
        self.type = type
        self.grammar = "STRING" if quoted else "bare_id"
        self.default = self.attr(default) if default is not None else None

    def check(self, a):
        return a.__class__ is IntegerAttr and a.type == self.type and a.value in self.names

    def build(self, tok):
        v = unquote(tok.value) if self.quoted else tok.value
        if v not in self.values:
            if self.quoted:
                raise IRError(f"'{v}' is an incorrect value of the '{self.prop}' attribute")
            raise IRError("expected string or keyword containing one of the following enum "
                          f"values for attribute '{self.prop}' [{', '.join(self.values)}]")
        return self.attr(v)

    def print(self, a):
        name = self.names[a.value]
        return f'"{name}"' if self.quoted else name

    def attr(self, case):
        return IntegerAttr(self.values[case], self.type)

    def case(self, a):
        return self.names[(a if a is not None else self.default).value]


class BitFlags(AttrConstraint):
    """A bit set stored as an i32 (ODS's I32BitEnum property: `overflowFlags = 3 : i32`).
    `groups` name combinations printed in place of their bits (`inbounds` = 0b011)."""

    def __init__(self, desc, bits, groups=(), separator=", "):
        self.desc = desc
        self.bits = dict(bits)
        self.groups = dict(groups)
        self.separator = separator
        self.default = IntegerAttr(0, T.i32)

    def check(self, a):
        return a.__class__ is IntegerAttr and a.type == T.i32

    def value(self, names):
        v = 0
        for n in names:
            bit = self.groups.get(n, self.bits.get(n))
            if bit is None:
                raise IRError(f"expected one of [{', '.join(['none', *self.bits, *self.groups])}]"
                              f" for {self.desc}, got: {n}")
            v |= bit
        return IntegerAttr(v, T.i32)

    def names(self, a):
        v = a.value
        out = []
        for n, g in self.groups.items():
            if v & g == g:
                out.append(n)
                v &= ~g
        return out + [n for n, b in self.bits.items() if v & b]

    def print(self, a):
        return self.separator.join(self.names(a))


class OverflowFlags(BitFlags):
    """nsw/nuw, written `overflow<nsw, nuw>` after the operands."""

    grammar = '"overflow" enum_body'

    def __init__(self):
        super().__init__("LLVM integer overflow flags", {"nsw": 1, "nuw": 2})

    def build(self, names):
        return self.value(names)

    def print(self, a):
        return f"overflow<{super().print(a)}>"


def _fastmath():
    return opt_prop(EnumOf(FastmathFlagsAttr, default="none"))


ICMP = IntCase("llvm.icmp comparison predicate", "predicate",
               ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"), quoted=True)
FCMP = IntCase("llvm.fcmp comparison predicate", "predicate",
               ("_false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge",
                "ult", "ule", "une", "uno", "_true"), quoted=True)
ORDERING = IntCase("Atomic ordering for LLVM's memory model", "ordering",
                   {"not_atomic": 0, "unordered": 1, "monotonic": 2, "acquire": 4,
                    "release": 5, "acq_rel": 6, "seq_cst": 7}, default="not_atomic")
VISIBILITY = IntCase("LLVM GlobalValue Visibility", "visibility_",
                     {"": 0, "hidden": 1, "protected": 2}, default="")
UNNAMED_ADDR = IntCase("LLVM GlobalValue UnnamedAddr", "unnamed_addr",
                       {"": 0, "local_unnamed_addr": 1, "unnamed_addr": 2}, default="")
OVERFLOW_FLAGS = OverflowFlags()
GEP_FLAGS = BitFlags("::mlir::LLVM::GEPNoWrapFlags", {"inbounds_flag": 1, "nusw": 2, "nuw": 4},
                     {"inbounds": 3}, separator="|")
K_DYNAMIC_INDEX = -2147483648  # a GEP index taken from `dynamicIndices` (GEPOp::kDynamicIndex)


# -- type constraints (worded as upstream's ODS) ------------------------------------------

def _scalar_or_vector(pred, desc):
    return TypeConstraint(
        lambda t: pred(t) or (t.__class__ is T.VectorType and pred(t.element_type)),
        f"{desc} or LLVM dialect-compatible vector of {desc}")


AnyLLVM = TypeConstraint(is_compatible_type, "LLVM dialect-compatible type")
IntLike = _scalar_or_vector(lambda t: t.__class__ is T.IntegerType and t.signedness == "",
                            "signless integer")
FloatLike = _scalar_or_vector(lambda t: t.__class__ is T.FloatType, "floating point LLVM type")
PtrLike = _scalar_or_vector(lambda t: t.__class__ is LLVMPointerType, "LLVM pointer type")
Ptr = TypeConstraint(lambda t: t.__class__ is LLVMPointerType, "LLVM pointer type")
I1 = TypeConstraint(lambda t: t == T.i1, "1-bit signless integer", buildable=T.i1)
I1Like = _scalar_or_vector(lambda t: t == T.i1, "1-bit signless integer")
Aggregate = TypeConstraint(lambda t: t.__class__ in (LLVMStructType, LLVMArrayType),
                           "LLVM aggregate type")
Vector = TypeConstraint(lambda t: t.__class__ is T.VectorType,
                        "LLVM dialect-compatible vector type")
FuncTypeC = TypeConstraint(lambda t: t.__class__ is LLVMFunctionType, "LLVM function type")


# == syntax shared by llvm.func, llvm.mlir.global and llvm.call ==================================

def _typed(a):
    """An attribute as MLIR writes it standalone: scalars keep their type even when it is
    i64 or f64 (`llvm.mlir.constant(1 : i64)`, `@g(0 : i64)`)."""
    if a.__class__ in (IntegerAttr, FloatAttr) and a.type in (T.i64, T.f64):
        return f"{a.str_without_type()} : {a.type}"
    return str(a)


_UNIT_WORDS = {"thread_local_": "thread_local"}
_WORD_TABLES = {}


def _word_table(f):
    """keyword -> attribute for a property written as a keyword (`internal`, `fastcc`,
    `hidden`, `thread_local`)."""
    table = _WORD_TABLES.get(f)
    if table is None:
        c = f.constraint
        if isinstance(c, Unit):
            table = {_UNIT_WORDS.get(f.name, f.name): UnitAttr()}
        elif isinstance(c, EnumOf):
            table = {w: c.attr_class(w) for w in c.attr_class.allowed}
        else:
            table = {w: c.attr(w) for w in c.values if w}
        _WORD_TABLES[f] = table
    return table


def _read_words(tokens, fields, what):
    """The properties named by the keywords before a symbol (`internal hidden fastcc @f`)."""
    props = {}
    for tok in tokens:
        for f in fields:
            a = _word_table(f).get(tok.value)
            if a is not None and f.name not in props:
                props[f.name] = a
                break
        else:
            raise IRError(f"unexpected keyword '{tok.value}' in {what}")
    return props


def _print_words(op, fields, always=()):
    """The keywords of `fields`' properties, leaving out absent and default ones except those
    named in `always`."""
    out = []
    for f in fields:
        a = op.properties.get(f.name)
        if a is None or f.constraint.is_default(a):
            if f.name not in always:
                continue
            a = f.constraint.default
        out.extend(w for w, x in _word_table(f).items() if x == a)
    return out


# -- llvm.func: `internal @f(%arg0: i64 {llvm.noalias}, ...) -> (i32 {llvm.zeroext})` --------

def _func_header_build(child, parts, args):
    words, sym, params, result = child
    *keyword_fields, name_f, type_f, arg_attrs_f, res_attrs_f = args
    parts.props.update(_read_words(words, keyword_fields, "llvm.func"))
    parts.props[name_f.name] = StringAttr(symbol_name(sym.value))
    params, vararg = params if params is not None else ([], False)
    res_type, res_attrs = result if result is not None else (void, None)
    named = [x for x in params if x[0] is not None]
    if named and len(named) != len(params):
        raise IRError("expected SSA identifier for every argument, or none")
    parts.props[type_f.name] = TypeAttr(LLVMFunctionType(res_type, [x[1] for x in params],
                                                         vararg))
    if any(x[2] for x in params):
        parts.props[arg_attrs_f.name] = ArrayAttr([DictionaryAttr(x[2] or {}) for x in params])
    if res_attrs:
        parts.props[res_attrs_f.name] = ArrayAttr([DictionaryAttr(res_attrs)])
    if named:
        parts.extra = [(0, [(x[0], x[1]) for x in params])]


def _func_header_print(op, p, args):
    *keyword_fields, name_f, type_f, arg_attrs_f, res_attrs_f = args
    props = op.properties
    ft = props[type_f.name].value
    arg_attrs = props.get(arg_attrs_f.name)
    res_attrs = props.get(res_attrs_f.name)
    r = op.regions[0]
    entry = r.blocks[0] if r.blocks else None
    params = []
    for i, t in enumerate(ft.params):
        s = f"{p.name(entry.args[i])}: {t}" if entry is not None else str(t)
        if arg_attrs is not None and arg_attrs[i].value:
            s += " " + print_attr_dict(arg_attrs[i].value)
        params.append(s)
    if ft.vararg:
        params.append("...")
    head = _print_words(op, keyword_fields)
    text = " ".join(head + [f"{print_symbol(props[name_f.name].value)}({', '.join(params)})"])
    if ft.result != void:
        ra = res_attrs[0].value if res_attrs is not None and len(res_attrs) else None
        text += f" -> ({ft.result} {print_attr_dict(ra)})" if ra else f" -> {ft.result}"
    p.element(text)


custom_directive(
    "LLVMFuncHeader", "llvm_func_header",
    r'''
llvm_func_header: bare_id* SYMBOL "(" [llvm_func_params] ")" ["->" llvm_func_result]
llvm_func_params: llvm_func_param ("," llvm_func_param)* ["," llvm_vararg]
                | llvm_vararg
llvm_vararg: "..."
llvm_func_param: VALUE_ID ":" type [attr_dict] [trailing_loc]  -> llvm_named_param
               | type [attr_dict]                              -> llvm_anon_param
llvm_func_result: non_function_type                            -> llvm_result_plain
                | "(" type [attr_dict] ")"                     -> llvm_result_paren
''',
    _func_header_build, _func_header_print,
    callbacks={
        "llvm_func_header": lambda c: (c[:-3], c[-3], c[-2], c[-1]),
        "llvm_func_params": lambda c: ([x for x in c if isinstance(x, tuple)], c[-1] is True),
        "llvm_vararg": lambda c: True,
        "llvm_named_param": lambda c: (c[0], c[1], c[2]),
        "llvm_anon_param": lambda c: (None, c[0], c[1]),
        "llvm_result_plain": lambda c: (c[0], None),
        "llvm_result_paren": lambda c: (c[0], c[1]),
    })


# -- llvm.mlir.global: `internal constant @g(value) {attrs} : type {initializer}` ------------

def _global_header_build(child, parts, args):
    words, sym, value = child
    *keyword_fields, name_f, value_f = args
    parts.props.update(_read_words(words, keyword_fields, "llvm.mlir.global"))
    parts.props[name_f.name] = StringAttr(symbol_name(sym.value))
    if value is not None:
        parts.props[value_f.name] = value
    # upstream's parser always sets the address space, so its printer always shows it
    parts.props["addr_space"] = IntegerAttr(0, T.i32)


def _global_header_print(op, p, args):
    *keyword_fields, name_f, value_f = args
    v = op.properties.get(value_f.name)
    sym = f"{print_symbol(op.properties[name_f.name].value)}({_typed(v) if v is not None else ''})"
    p.element(" ".join(_print_words(op, keyword_fields, always=("linkage",)) + [sym]))


def _global_type_build(child, parts, args):
    t, init = child
    type_f, init_f = args
    if t is None:
        v = parts.props.get("value")
        if v.__class__ is not StringAttr:
            raise IRError("type can only be omitted for string globals")
        t = LLVMArrayType(T.i8, len(v.value.encode("utf-8")))
    parts.props[type_f.name] = TypeAttr(t)
    if init is not None:
        parts.regions[init_f.index] = [init]


def _global_type_print(op, p, args):
    type_f, init_f = args
    if op.properties.get("value").__class__ is StringAttr:
        return  # a string global's type is implied by its value
    p.literal(":")
    p.element(str(op.properties[type_f.name].value))
    r = op.regions[init_f.index]
    if r.blocks:
        p.element(p.region(r))


custom_directive(
    "LLVMGlobalHeader", "llvm_global_header",
    'llvm_global_header: bare_id* SYMBOL "(" [attribute] ")"',
    _global_header_build, _global_header_print,
    callbacks={"llvm_global_header": lambda c: (c[:-2], c[-2], c[-1])})

custom_directive(
    "LLVMGlobalType", "llvm_global_type",
    'llvm_global_type: [":" type [region]]',
    _global_type_build, _global_type_print,
    callbacks={"llvm_global_type": lambda c: (c[0], c[1])})


# -- llvm.call: `fastcc tail @f(%a)` / `%fp(%a)`, then `: !llvm.ptr, (i64) -> i32` -----------

def _callee_build(child, parts, args):
    words, callee, argv = child
    cconv_f, tail_f, callee_f, operands_f, bundle_sizes_f = args
    parts.props.update(_read_words(words, (cconv_f, tail_f), "llvm.call"))
    parts.props[bundle_sizes_f.name] = DenseArrayAttr(T.i32, [])  # required upstream
    if callee.type == "SYMBOL":
        parts.props[callee_f.name] = SymbolRefAttr(symbol_name(callee.value))
        parts.operands[operands_f.index] = argv
    else:
        parts.operands[operands_f.index] = [callee] + argv


def _callee_print(op, p, args):
    cconv_f, tail_f, callee_f, operands_f, _ = args
    callee = op.properties.get(callee_f.name)
    argv = list(operands_f.__get__(op))
    head = str(callee) if callee is not None else p.name(argv.pop(0))
    p.element(" ".join(_print_words(op, (cconv_f, tail_f))
                       + [f"{head}({', '.join(p.name(v) for v in argv)})"]))


def _call_type_build(child, parts, args):
    callee_type, params, results = child
    operands_f, res_f, arg_attrs_f, res_attrs_f = args
    params = params or []
    parts.operand_types[operands_f.index] = \
        ([callee_type] if callee_type is not None else []) + [t for t, _ in params]
    parts.result_types[res_f.index] = [t for t, _ in results]
    for f, typed in ((arg_attrs_f, params), (res_attrs_f, results)):
        if any(a for _, a in typed):
            parts.props[f.name] = ArrayAttr([DictionaryAttr(a or {}) for _, a in typed])


def _call_type_print(op, p, args):
    operands_f, res_f, arg_attrs_f, res_attrs_f = args
    argv = list(operands_f.__get__(op))
    direct = "callee" in op.properties

    def typed(values, attrs_f):
        attrs = op.properties.get(attrs_f.name)
        return [str(v.type) + (f" {print_attr_dict(attrs[i].value)}"
                               if attrs is not None and attrs[i].value else "")
                for i, v in enumerate(values)]

    params = typed(argv[0 if direct else 1:], arg_attrs_f)
    results = typed(op.results, res_attrs_f)
    bare = len(results) == 1 and results[0] == str(op.results[0].type)
    res = results[0] if bare else f"({', '.join(results)})"
    sig = f"({', '.join(params)}) -> {res}"
    p.element(sig if direct else f"{argv[0].type}, {sig}")


custom_directive(
    "LLVMCallee", "llvm_callee",
    'llvm_callee: bare_id* (SYMBOL | VALUE_ID) "(" [value_use_list] ")"',
    _callee_build, _callee_print,
    callbacks={"llvm_callee": lambda c: (c[:-2], c[-2], c[-1] or [])})

custom_directive(
    "LLVMCallType", "llvm_call_type",
    r'''
llvm_call_type: [non_function_type ","] "(" [llvm_typed_list] ")" "->" llvm_call_results
llvm_typed_list: llvm_typed ("," llvm_typed)*
llvm_typed: type [attr_dict]
llvm_call_results: non_function_type                  -> llvm_call_result
                 | "(" [llvm_typed_list] ")"          -> llvm_call_result_list
''',
    _call_type_build, _call_type_print,
    callbacks={
        "llvm_call_type": lambda c: (c[0], c[1], c[2]),
        "llvm_typed_list": lambda c: c,
        "llvm_typed": lambda c: (c[0], c[1]),
        "llvm_call_result": lambda c: [(c[0], None)],
        "llvm_call_result_list": lambda c: c[0] or [],
    })


# -- llvm.getelementptr: `inbounds|nuw %p[%i, 0, 1]` -------------------------------------------

def _gep_flags_build(child, parts, args):
    if child:
        parts.props[args[0].name] = GEP_FLAGS.value([t.value for t in child])


def _gep_flags_print(op, p, args):
    a = op.properties.get(args[0].name)
    if a is not None and a.value:
        p.element(GEP_FLAGS.print(a))


def _gep_indices_build(child, parts, args):
    dynamic_f, raw_f = args
    dynamic, raw = [], []
    for tok in child:
        if tok.type == "INT":
            raw.append(int(tok.value))
        else:
            raw.append(K_DYNAMIC_INDEX)
            dynamic.append(tok)
    parts.operands[dynamic_f.index] = dynamic
    parts.props[raw_f.name] = DenseArrayAttr(T.i32, raw)


def _gep_indices_print(op, p, args):
    p.element(", ".join(str(i) if isinstance(i, int) else p.name(i) for i in op.indices))


custom_directive(
    "LLVMGEPFlags", "llvm_gep_flags",
    'llvm_gep_flags: (bare_id ("|" bare_id)*)?',
    _gep_flags_build, _gep_flags_print,
    callbacks={"llvm_gep_flags": lambda c: c})

custom_directive(
    "LLVMGEPIndices", "llvm_gep_indices",
    r'''
llvm_gep_indices: llvm_gep_index ("," llvm_gep_index)*
?llvm_gep_index: VALUE_ID | INT
''',
    _gep_indices_build, _gep_indices_print,
    callbacks={"llvm_gep_indices": lambda c: c})


# -- llvm.switch: `[\n  1: ^bb1(%a : i64),\n  2: ^bb2\n]` --------------------------------------

def _switch_build(child, parts, args):
    value_f, operands_f, values_f, segments_f, dests_f = args
    t = parts.operand_types[value_f.index][0]
    cases = child
    parts.successors[dests_f.index] = [c[1][0] for c in cases]
    parts.operands[operands_f.index] = [v for c in cases for v in c[1][1]]
    parts.operand_types[operands_f.index] = [x for c in cases for x in c[1][2]]
    parts.props[segments_f.name] = DenseArrayAttr(T.i32, [len(c[1][1]) for c in cases])
    if cases:
        if t.__class__ is not T.IntegerType:
            raise IRError(f"expected integer value type, got '{t}'")
        parts.props[values_f.name] = DenseElementsAttr(T.VectorType([len(cases)], t),
                                                       np.array([c[0] for c in cases]))


def _switch_print(op, p, args):
    nl = "\n" + p.indent
    cases = []
    for value, dest, values in op.cases:
        s = f"{value}: {p.block_name(dest)}"
        if values:
            s += (f"({', '.join(p.name(v) for v in values)} : "
                  f"{', '.join(str(v.type) for v in values)})")
        cases.append(nl + "  " + s)
    p.element("[" + ",".join(cases) + nl + "]")


custom_directive(
    "LLVMSwitchCases", "llvm_switch_cases",
    r'''
llvm_switch_cases: "[" (llvm_switch_case ("," llvm_switch_case)*)? "]"
llvm_switch_case: INT ":" llvm_successor
llvm_successor: BLOCK_ID ["(" value_use_list ":" type_list ")"]
''',
    _switch_build, _switch_print,
    callbacks={
        "llvm_switch_cases": lambda c: c,
        "llvm_switch_case": lambda c: (int(c[0].value), c[1]),
        "llvm_successor": lambda c: (c[0], c[1] or [], c[2] or []),
    })


# == module-level ops ===========================================================================

def _fn(sig, body="", ret="llvm.return", result=""):
    """An example module: one llvm.func around `body` (lines of ops and block labels)."""
    lines = "".join(f"{'' if line.startswith('^') else '  '}{line}\n"
                    for line in body.split("\n") if line)
    return f"llvm.func @f({sig}){result} {{\n{lines}  {ret}\n}}"


class LLVMFuncOp(FunctionLike):
    """An LLVM function: a symbol with an `!llvm.func` signature, linkage, calling convention and
    (unless it is a declaration) a body."""

    name = "llvm.func"
    sym_name = prop(SymbolName())
    sym_visibility = opt_prop(StrAttr())
    function_type = prop(TypeAttrOf(FuncTypeC))
    linkage = opt_prop(EnumOf(LinkageAttr, default="external"))
    visibility_ = opt_prop(VISIBILITY)
    unnamed_addr = opt_prop(UNNAMED_ADDR)
    CConv = opt_prop(EnumOf(CConvAttr, default="ccc"))
    dso_local = opt_prop(Unit())
    arg_attrs = opt_prop(ArrayOf())
    res_attrs = opt_prop(ArrayOf())
    passthrough = opt_prop(ArrayOf())
    personality = opt_prop(FlatSymbolRef())
    garbageCollector = opt_prop(StrAttr())
    section = opt_prop(StrAttr())
    alignment = opt_prop(IntAttr())
    function_entry_count = opt_prop(IntAttr())
    memory_effects = opt_prop(AnyAttr())
    frame_pointer = opt_prop(AnyAttr())
    target_cpu = opt_prop(StrAttr())
    tune_cpu = opt_prop(StrAttr())
    target_features = opt_prop(AnyAttr())
    vscale_range = opt_prop(AnyAttr())
    no_inline = opt_prop(Unit())
    always_inline = opt_prop(Unit())
    inline_hint = opt_prop(Unit())
    no_unwind = opt_prop(Unit())
    will_return = opt_prop(Unit())
    optimize_none = opt_prop(Unit())
    convergent = opt_prop(Unit())
    body = region(implicit_args=True)
    traits = (IsolatedFromAbove, Symbol, AutomaticAllocationScope)
    effects = ()
    assembly_format = ("custom<LLVMFuncHeader>($linkage, $visibility_, $unnamed_addr, $CConv, "
                       "$sym_name, $function_type, $arg_attrs, $res_attrs) "
                       "attr-dict-with-keyword ($body^)?")
    examples = (
        "llvm.func @malloc(i64) -> !llvm.ptr",
        "llvm.func @printf(!llvm.ptr, ...) -> i32",
        "llvm.func internal @f(%arg0: i64, %arg1: !llvm.ptr {llvm.noalias}) -> !llvm.ptr "
        "attributes {passthrough = [\"noinline\"]} {\n  llvm.return %arg1 : !llvm.ptr\n}",
        "llvm.func private hidden local_unnamed_addr fastcc @g(%arg0: i32 {llvm.signext}) -> "
        "(i32 {llvm.zeroext}) {\n  llvm.return %arg0 : i32\n}",
        "llvm.func @v(%arg0: i32, ...) {\n  llvm.return\n}",
    )

    @classmethod
    def build(cls, name, function_type, linkage=None, declaration=False, cconv=None,
              visibility=None, loc=None):
        """`function_type`: an LLVMFunctionType, or a builtin FunctionType (one result at most).
        The entry block's arguments are the parameters, unless it is a `declaration`."""
        if function_type.__class__ is T.FunctionType:
            function_type = LLVMFunctionType(
                function_type.results[0] if function_type.results else void,
                function_type.inputs)
        op = cls(sym_name=StringAttr(name), function_type=TypeAttr(function_type),
                 linkage=LinkageAttr(linkage) if linkage else None,
                 CConv=CConvAttr(cconv) if cconv else None,
                 visibility_=VISIBILITY.attr(visibility) if visibility else None, loc=loc)
        if not declaration:
            op.regions[0].add_block(Block(function_type.params))
        return op

    def verify_(self):
        ft = self.type
        if self.is_declaration:
            if self.linkage.case not in ("external", "extern_weak"):
                raise self.error("external functions must have 'external' or 'extern_weak' "
                                 "linkage")
            return
        for i, (a, t) in enumerate(zip(self.entry.args, ft.params)):
            if a.type != t:
                raise self.error(f"type of entry block argument #{i}('{a.type}') must match the "
                                 "type of the corresponding argument in function "
                                 f"signature('{t}')")
        if len(self.entry.args) != len(ft.params):
            raise self.error(f"entry block must have {len(ft.params)} arguments to match "
                             "function signature")


class GlobalOp(Op):
    """A global variable, initialized by an attribute or by a region that returns its value."""

    name = "llvm.mlir.global"
    global_type = prop(TypeAttrOf())
    constant = opt_prop(Unit())
    sym_name = prop(SymbolName())
    linkage = opt_prop(EnumOf(LinkageAttr, default="external"))
    dso_local = opt_prop(Unit())
    thread_local_ = opt_prop(Unit())
    externally_initialized = opt_prop(Unit())
    value = opt_prop(AnyAttr())
    alignment = opt_prop(IntAttr())
    addr_space = opt_prop(IntAttr(T.i32))
    unnamed_addr = opt_prop(UNNAMED_ADDR)
    section = opt_prop(StrAttr())
    visibility_ = opt_prop(VISIBILITY)
    comdat = opt_prop(AnyAttr())
    initializer = region(single_block=True)
    traits = (IsolatedFromAbove, Symbol)
    effects = ()
    assembly_format = ("custom<LLVMGlobalHeader>($linkage, $visibility_, $thread_local_, "
                       "$unnamed_addr, $constant, $sym_name, $value) attr-dict "
                       "custom<LLVMGlobalType>($global_type, $initializer)")
    examples = (
        'llvm.mlir.global internal constant @str("hello\\0A\\00") {addr_space = 0 : i32}',
        "llvm.mlir.global external @g(0 : i64) {addr_space = 0 : i32, alignment = 8 : i64} "
        ": i64",
        "llvm.mlir.global private unnamed_addr constant @a(dense<[1.000000e+00, "
        "2.000000e+00]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>",
        "llvm.mlir.global weak hidden thread_local @t() {addr_space = 1 : i32} : i32",
        "llvm.mlir.global internal @d() {addr_space = 0 : i32} : "
        "!llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> {\n"
        "  %0 = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>\n"
        "  llvm.return %0 : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>\n}",
    )

    @classmethod
    def build(cls, name, type=None, value=None, linkage="internal", constant=False,
              alignment=None, addr_space=0, unnamed_addr=None, loc=None):
        """A global of `type` initialized to the attribute `value`; a str `value` is a byte string
        (its type, `!llvm.array<N x i8>`, may be left out)."""
        if isinstance(value, str):
            value = StringAttr(value)
        if type is None:
            type = LLVMArrayType(T.i8, len(value.value.encode("utf-8")))
        return cls(addr_space=IntegerAttr(addr_space, T.i32),
                   alignment=IntegerAttr(alignment) if alignment else None,
                   constant=UnitAttr() if constant else None, global_type=TypeAttr(type),
                   linkage=LinkageAttr(linkage), sym_name=StringAttr(name),
                   unnamed_addr=UNNAMED_ADDR.attr(unnamed_addr) if unnamed_addr else None,
                   value=value, loc=loc)

    @property
    def sym(self):
        return self.properties["sym_name"].value

    @property
    def type(self):
        return self.properties["global_type"].value

    def verify_(self):
        t = self.type
        if _is_any(t, _NOT_IN_MEMORY):
            raise self.error("expects type to be a valid element type for an LLVM global")
        v = self.properties.get("value")
        if v.__class__ is StringAttr and (
                t.__class__ is not LLVMArrayType or t.element_type != T.i8
                or t.num_elements != len(v.value.encode("utf-8"))):
            raise self.error("requires an i8 array type of the length equal to that of the "
                             "string attribute")
        if v is not None and self.regions[0].blocks:
            raise self.error("cannot have both initializer value and region")


class AddressOfOp(Op):
    """The address of a global or function."""

    name = "llvm.mlir.addressof"
    global_name = prop(FlatSymbolRef())
    res = result(Ptr)
    traits = (Pure, ConstantLike)
    assembly_format = "$global_name attr-dict `:` type($res)"
    examples = ("llvm.mlir.global external @g(0 : i32) {addr_space = 0 : i32} : i32\n"
                + _fn("", "%0 = llvm.mlir.addressof @g : !llvm.ptr"),)

    @classmethod
    def build(cls, target, type=ptr, loc=None):
        """`target`: a GlobalOp, LLVMFuncOp or symbol name."""
        name = target if isinstance(target, str) else target.sym
        return cls(global_name=SymbolRefAttr(name), result_types=[type], loc=loc)

    def verify_symbol_uses(self, symbols):
        name = self.properties["global_name"].root
        target = symbols.lookup(self, name)
        if target is None or target.name not in ("llvm.mlir.global", "llvm.func"):
            raise self.error("must reference a global defined by 'llvm.mlir.global', "
                             "'llvm.mlir.alias' or 'llvm.func' or 'llvm.mlir.ifunc'")
        if target.name == "llvm.mlir.global":
            space = target.properties.get("addr_space")
            if (space.value if space is not None else 0) != self.results[0].type.address_space:
                raise self.error("pointer address space must match address space of the "
                                 "referenced global")


# == constants =================================================================================

class _ValueConstraint(AttrConstraint):
    """llvm.mlir.constant's value, written with its type (`1 : i64`)."""

    def print(self, a):
        return _typed(a)


class ConstantOp(Op):
    """A constant of an LLVM-compatible type: integer, float, dense vector or array, string."""

    name = "llvm.mlir.constant"
    value = prop(_ValueConstraint())
    res = result(AnyLLVM)
    traits = (Pure, ConstantLike)
    assembly_format = "`(` $value `)` attr-dict `:` type($res)"
    examples = (_fn("", "%0 = llvm.mlir.constant(42 : i64) : i64\n"
                        "%1 = llvm.mlir.constant(1.500000e+00 : f32) : f32\n"
                        "%2 = llvm.mlir.constant(true) : i1\n"
                        "%3 = llvm.mlir.constant(dense<1.000000e+00> : vector<4xf32>) : "
                        "vector<4xf32>\n"
                        "%4 = llvm.mlir.constant(dense<[1, 2]> : tensor<2xi32>) : "
                        "!llvm.array<2 x i32>\n"
                        '%5 = llvm.mlir.constant("ab\\00") : !llvm.array<3 x i8>\n'
                        "%6 = llvm.mlir.constant(1 : index) : i64"),)

    @classmethod
    def build(cls, value, type=None, loc=None):
        """`value`: an Attribute, or a Python number of `type`."""
        if not hasattr(value, "_key"):
            value = scalar_attr(value, type)
        return cls(value=value, result_types=[type if type is not None else value.type],
                   loc=loc)

    def fold(self, constant_operands):
        return [self.properties["value"]]

    def verify_(self):
        v = self.properties["value"]
        t = self.results[0].type
        if v.__class__ is StringAttr and (
                t.__class__ is not LLVMArrayType or t.element_type != T.i8
                or t.num_elements != len(v.value.encode("utf-8"))):
            raise self.error(f"expected array type of {len(v.value.encode('utf-8'))} i8 "
                             "elements for the string constant")


def _materialize(attr, type, loc):
    if attr.__class__ in (IntegerAttr, FloatAttr, DenseElementsAttr, StringAttr) and \
            is_compatible_type(type):
        return ConstantOp(value=attr, result_types=[type], loc=loc)
    return None


registry.register_constant_materializer("llvm", _materialize)


class _TypedValueOp(Op):
    """A value of its result type with no operands (`llvm.mlir.undef : i64`)."""

    res = result(AnyLLVM)
    traits = (Pure,)
    assembly_format = "attr-dict `:` type($res)"

    @classmethod
    def build(cls, type, loc=None):
        return cls(result_types=[type], loc=loc)


class UndefOp(_TypedValueOp):
    """An undefined value of any LLVM type."""

    name = "llvm.mlir.undef"
    examples = (_fn("", "%0 = llvm.mlir.undef : !llvm.struct<(ptr, i64)>"),)


class PoisonOp(_TypedValueOp):
    """A poison value of any LLVM type."""

    name = "llvm.mlir.poison"
    examples = (_fn("", "%0 = llvm.mlir.poison : vector<4xf32>"),)


class ZeroOp(_TypedValueOp):
    """The all-zero value of any LLVM type (null for pointers)."""

    name = "llvm.mlir.zero"
    examples = (_fn("", "%0 = llvm.mlir.zero : !llvm.ptr\n"
                        "%1 = llvm.mlir.zero : !llvm.struct<(i32, f32)>"),)


# == memory ====================================================================================

class LoadOp(Op):
    """Reads a value of the result type from a pointer."""

    name = "llvm.load"
    addr = operand(Ptr)
    res = result(AnyLLVM)
    alignment = opt_prop(IntAttr())
    volatile_ = opt_prop(Unit())
    nontemporal = opt_prop(Unit())
    invariant = opt_prop(Unit())
    ordering = opt_prop(ORDERING)
    syncscope = opt_prop(StrAttr())
    effects = (Read("addr"),)
    assembly_format = ("(`volatile` $volatile_^)? $addr "
                       "(`atomic` (`syncscope` `(` $syncscope^ `)`)? $ordering^)? "
                       "(`invariant` $invariant^)? attr-dict `:` type($addr) `->` type($res)")
    examples = (_fn("%arg0: !llvm.ptr", "%0 = llvm.load %arg0 {alignment = 4 : i64} : "
                                        "!llvm.ptr -> f32\n"
                                        "%1 = llvm.load volatile %arg0 : !llvm.ptr -> i64\n"
                                        '%2 = llvm.load %arg0 atomic syncscope("agent") '
                                        "monotonic {alignment = 8 : i64} : !llvm.ptr -> i64"),)

    @classmethod
    def build(cls, type, addr, alignment=None, volatile=False, nontemporal=False, loc=None):
        return cls(addr, result_types=[type],
                   alignment=IntegerAttr(alignment) if alignment else None,
                   volatile_=UnitAttr() if volatile else None,
                   nontemporal=UnitAttr() if nontemporal else None, loc=loc)


class StoreOp(Op):
    """Writes a value through a pointer."""

    name = "llvm.store"
    value = operand(AnyLLVM)
    addr = operand(Ptr)
    alignment = opt_prop(IntAttr())
    volatile_ = opt_prop(Unit())
    nontemporal = opt_prop(Unit())
    ordering = opt_prop(ORDERING)
    syncscope = opt_prop(StrAttr())
    effects = (Write("addr"),)
    assembly_format = ("(`volatile` $volatile_^)? $value `,` $addr "
                       "(`atomic` (`syncscope` `(` $syncscope^ `)`)? $ordering^)? "
                       "attr-dict `:` type($value) `,` type($addr)")
    examples = (_fn("%arg0: f32, %arg1: !llvm.ptr",
                    "llvm.store %arg0, %arg1 {alignment = 4 : i64} : f32, !llvm.ptr\n"
                    "llvm.store volatile %arg0, %arg1 atomic release {alignment = 4 : i64} : "
                    "f32, !llvm.ptr"),)

    @classmethod
    def build(cls, value, addr, alignment=None, volatile=False, nontemporal=False, loc=None):
        return cls(value, addr, alignment=IntegerAttr(alignment) if alignment else None,
                   volatile_=UnitAttr() if volatile else None,
                   nontemporal=UnitAttr() if nontemporal else None, loc=loc)


class AllocaOp(Op):
    """Stack memory for `arraySize` elements of `elem_type`, freed when the function returns."""

    name = "llvm.alloca"
    arraySize = operand(IntLike)
    res = result(Ptr)
    alignment = opt_prop(IntAttr())
    elem_type = prop(TypeAttrOf())
    inalloca = opt_prop(Unit())
    effects = (Alloc(),)
    assembly_format = ("(`inalloca` $inalloca^)? $arraySize `x` $elem_type attr-dict `:` "
                       "functional-type(operands, results)")
    examples = (_fn("%arg0: i64", "%0 = llvm.alloca %arg0 x f32 : (i64) -> !llvm.ptr\n"
                                  "%1 = llvm.alloca %arg0 x !llvm.struct<(ptr, i64)> "
                                  "{alignment = 16 : i64} : (i64) -> !llvm.ptr"),)

    @classmethod
    def build(cls, array_size, elem_type, alignment=None, type=ptr, loc=None):
        return cls(array_size, result_types=[type], elem_type=TypeAttr(elem_type),
                   alignment=IntegerAttr(alignment) if alignment else None, loc=loc)


class GEPOp(Op):
    """Address arithmetic: `base` indexed into `elem_type` by constant and dynamic indices."""

    name = "llvm.getelementptr"
    base = operand(PtrLike)
    dynamicIndices = var_operand(IntLike)
    res = result(PtrLike)
    rawConstantIndices = prop(DenseArrayOf(T.i32))
    elem_type = prop(TypeAttrOf())
    noWrapFlags = opt_prop(GEP_FLAGS)
    traits = (Pure,)
    assembly_format = ("custom<LLVMGEPFlags>($noWrapFlags) $base `[` "
                       "custom<LLVMGEPIndices>($dynamicIndices, $rawConstantIndices) `]` "
                       "attr-dict `:` functional-type(operands, results) `,` $elem_type")
    examples = (_fn("%arg0: !llvm.ptr, %arg1: i64",
                    "%0 = llvm.getelementptr inbounds %arg0[%arg1] : (!llvm.ptr, i64) -> "
                    "!llvm.ptr, f32\n"
                    "%1 = llvm.getelementptr %arg0[0, 1] : (!llvm.ptr) -> !llvm.ptr, "
                    "!llvm.struct<(ptr, i64)>\n"
                    "%2 = llvm.getelementptr nusw|nuw %arg0[%arg1, 3, 1, %arg1] : "
                    "(!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<4 x struct<(f32, "
                    "array<8 x f32>)>>"),)

    @classmethod
    def build(cls, base, indices, elem_type, inbounds=False, type=None, loc=None):
        """`indices`: ints (constant) and Values (dynamic), in order."""
        dynamic = [i for i in indices if not isinstance(i, int)]
        raw = [i if isinstance(i, int) else K_DYNAMIC_INDEX for i in indices]
        return cls(base, dynamic, result_types=[type if type is not None else base.type],
                   rawConstantIndices=DenseArrayAttr(T.i32, raw), elem_type=TypeAttr(elem_type),
                   noWrapFlags=GEP_FLAGS.value(["inbounds"]) if inbounds else None, loc=loc)

    @property
    def indices(self):
        """The indices in order: ints for constants, Values for dynamic ones."""
        dynamic = iter(self.dynamicIndices)
        return [next(dynamic) if i == K_DYNAMIC_INDEX else i
                for i in self.properties["rawConstantIndices"].value]

    def verify_(self):
        flags = self.properties.get("noWrapFlags")
        if flags is not None and flags.value & 1 and not flags.value & 2:
            raise self.error("'inbounds_flag' cannot be used directly.")
        t = self.properties["elem_type"].value
        for pos, i in enumerate(self.indices[1:], 1):
            if t.__class__ is LLVMStructType:
                if not isinstance(i, int):
                    raise self.error(f"expected index {pos} indexing a struct to be constant")
                if not 0 <= i < len(t.body_types):
                    raise self.error(f"index {pos} indexing a struct is out of bounds")
                t = t.body_types[i]
            elif t.__class__ in (LLVMArrayType, T.VectorType):
                t = t.element_type
            else:
                break


# == aggregates and vectors ====================================================================

def _element_at(t, position):
    """The type at `position` inside the struct/array type `t`."""
    for i in position:
        if t.__class__ is LLVMStructType:
            n, inner = len(t.body_types), (t.body_types[i] if 0 <= i < len(t.body_types) else None)
        elif t.__class__ is LLVMArrayType:
            n, inner = t.num_elements, t.element_type
        else:
            raise IRError(f"expected LLVM IR structure/array type, got: '{t}'")
        if not 0 <= i < n:
            raise IRError(f"position out of bounds: {i}")
        t = inner
    return t


def _position(position):
    return DenseArrayAttr(T.i64, [position] if isinstance(position, int) else position)


class ExtractValueOp(Op):
    """A member of a struct or array value."""

    name = "llvm.extractvalue"
    container = operand(Aggregate)
    res = result(AnyLLVM)
    position = prop(DenseArrayOf(T.i64))
    traits = (Pure,)
    # upstream's printer leaves a space after the type, where its element-type directive
    # prints nothing
    assembly_format = "$container `` $position attr-dict `:` type($container) ` `"
    examples = (_fn("%arg0: !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>",
                    "%0 = llvm.extractvalue %arg0[3, 1] : "
                    "!llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> \n"
                    "%1 = llvm.extractvalue %arg0[0] : "
                    "!llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> "),)

    @classmethod
    def build(cls, container, position, loc=None):
        pos = _position(position)
        return cls(container, position=pos,
                   result_types=[_element_at(container.type, pos.value)], loc=loc)

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.set_type("res", [_element_at(parts.type_of("container")[0],
                                           parts.props["position"].value)])

    def verify_(self):
        t = self.container.type
        want = _element_at(t, self.properties["position"].value)
        if want != self.res.type:
            raise self.error(f"Type mismatch: extracting from '{t}' should produce '{want}' but "
                             f"this op returns '{self.res.type}'")

    def fold(self, constant_operands):
        # look through the chain of insertvalues that built the container
        pos = self.properties["position"].value
        c = self.container
        while getattr(c, "owner", None).__class__ is InsertValueOp:
            ins = c.owner
            ipos = ins.properties["position"].value
            if ipos == pos:
                return [ins.value]
            if ipos[:len(pos)] == pos or pos[:len(ipos)] == ipos:
                return None  # overlapping positions: a part of the member was replaced
            c = ins.container
        if c is not self.container:
            self.set_operand(0, c)
            return [self.res]
        return None


class InsertValueOp(Op):
    """A struct or array value with one member replaced."""

    name = "llvm.insertvalue"
    container = operand(Aggregate)
    value = operand(AnyLLVM)
    res = result(Aggregate)
    position = prop(DenseArrayOf(T.i64))
    traits = (Pure,)
    assembly_format = "$value `,` $container `` $position attr-dict `:` type($container) ` `"
    examples = (_fn("%arg0: !llvm.ptr, %arg1: i64",
                    "%0 = llvm.mlir.undef : !llvm.struct<(ptr, i64, array<2 x i64>)>\n"
                    "%1 = llvm.insertvalue %arg0, %0[0] : !llvm.struct<(ptr, i64, "
                    "array<2 x i64>)> \n"
                    "%2 = llvm.insertvalue %arg1, %1[2, 1] : !llvm.struct<(ptr, i64, "
                    "array<2 x i64>)> "),)

    @classmethod
    def build(cls, container, value, position, loc=None):
        return cls(container, value, position=_position(position),
                   result_types=[container.type], loc=loc)

    @classmethod
    def infer_parsed_types(cls, parts):
        t = parts.type_of("container")[0]
        parts.set_type("value", [_element_at(t, parts.props["position"].value)])
        parts.set_type("res", [t])

    def verify_(self):
        t = self.container.type
        if _element_at(t, self.properties["position"].value) != self.value.type:
            raise self.error(f"Type mismatch: cannot insert '{self.value.type}' into '{t}'")
        if self.res.type != t:
            raise self.error("result type must match the container type")


class ExtractElementOp(Op):
    """One element of a vector, at a dynamic position."""

    name = "llvm.extractelement"
    vector = operand(Vector)
    position = operand(IntLike)
    res = result(AnyLLVM)
    traits = (Pure,)
    assembly_format = ("$vector `[` $position `:` type($position) `]` attr-dict `:` "
                       "type($vector)")
    examples = (_fn("%arg0: vector<4xf32>, %arg1: i32",
                    "%0 = llvm.extractelement %arg0[%arg1 : i32] : vector<4xf32>"),)

    @classmethod
    def build(cls, vector, position, loc=None):
        return cls(vector, position, result_types=[vector.type.element_type], loc=loc)

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.set_type("res", [parts.type_of("vector")[0].element_type])


class InsertElementOp(Op):
    """A vector with one element replaced, at a dynamic position."""

    name = "llvm.insertelement"
    vector = operand(Vector)
    value = operand(AnyLLVM)
    position = operand(IntLike)
    res = result(Vector)
    traits = (Pure,)
    assembly_format = ("$value `,` $vector `[` $position `:` type($position) `]` attr-dict `:` "
                       "type($vector)")
    examples = (_fn("%arg0: vector<4xf32>, %arg1: f32, %arg2: i64",
                    "%0 = llvm.insertelement %arg1, %arg0[%arg2 : i64] : vector<4xf32>"),)

    @classmethod
    def build(cls, vector, value, position, loc=None):
        return cls(vector, value, position, result_types=[vector.type], loc=loc)

    @classmethod
    def infer_parsed_types(cls, parts):
        t = parts.type_of("vector")[0]
        parts.set_type("value", [t.element_type])
        parts.set_type("res", [t])


class ShuffleVectorOp(Op):
    """A vector of elements picked from two vectors by a constant mask (-1: poison)."""

    name = "llvm.shufflevector"
    v1 = operand(Vector)
    v2 = operand(Vector)
    res = result(Vector)
    mask = prop(DenseArrayOf(T.i32))
    traits = (Pure,)
    assembly_format = "$v1 `,` $v2 $mask attr-dict `:` type($v1) ` `"
    examples = (_fn("%arg0: vector<4xf32>",
                    "%0 = llvm.shufflevector %arg0, %arg0 [0, 5, -1, 3, 7, 2] : "
                    "vector<4xf32> "),)

    @staticmethod
    def _result_type(t, mask):
        return T.VectorType([len(mask)], t.element_type, t.scalable)

    @classmethod
    def build(cls, v1, v2, mask, loc=None):
        return cls(v1, v2, mask=DenseArrayAttr(T.i32, mask),
                   result_types=[cls._result_type(v1.type, mask)], loc=loc)

    @classmethod
    def infer_parsed_types(cls, parts):
        t = parts.type_of("v1")[0]
        parts.set_type("v2", [t])
        parts.set_type("res", [cls._result_type(t, parts.props["mask"].value)])


# == arithmetic, comparisons, casts ============================================================

class _Templated(Op):
    """Ops that differ only by name and constraints: `example` holds example modules with
    NAME standing for the op name."""

    example = ()

    def __init_subclass__(cls, **kw):
        name = cls.__dict__.get("name")
        if isinstance(name, str) and "examples" not in cls.__dict__:
            cls.examples = tuple(e.replace("NAME", name) for e in cls.example)
        super().__init_subclass__(**kw)


def _define(base, cls_name, mnemonic, doc, **fields):
    """A leaf op class of `base` named `cls_name`, made available at module level."""
    cls = type(cls_name, (base,), {"__doc__": doc, "__module__": __name__,
                                   "name": mnemonic, **fields})
    globals()[cls_name] = cls
    return cls


class _IntBinaryOp(_Templated):
    lhs = operand(IntLike)
    rhs = operand(IntLike)
    res = result(IntLike)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($res)"
    example = (_fn("%arg0: i64, %arg1: i64", "%0 = NAME %arg0, %arg1 : i64"),
               _fn("%arg0: vector<4xi32>, %arg1: vector<4xi32>",
                   "%0 = NAME %arg0, %arg1 : vector<4xi32>"))


class _OverflowOp(_IntBinaryOp):
    overflowFlags = opt_prop(OVERFLOW_FLAGS)
    assembly_format = "$lhs `,` $rhs ($overflowFlags^)? attr-dict `:` type($res)"
    example = _IntBinaryOp.example + (
        _fn("%arg0: i64, %arg1: i64", "%0 = NAME %arg0, %arg1 overflow<nsw, nuw> : i64"),)


class _ExactOp(_IntBinaryOp):
    isExact = opt_prop(Unit())
    assembly_format = "(`exact` $isExact^)? $lhs `,` $rhs attr-dict `:` type($res)"
    example = _IntBinaryOp.example + (_fn("%arg0: i64, %arg1: i64",
                                          "%0 = NAME exact %arg0, %arg1 : i64"),)


class _DisjointOp(_IntBinaryOp):
    isDisjoint = opt_prop(Unit())
    assembly_format = "(`disjoint` $isDisjoint^)? $lhs `,` $rhs attr-dict `:` type($res)"
    example = _IntBinaryOp.example + (_fn("%arg0: i64, %arg1: i64",
                                          "%0 = NAME disjoint %arg0, %arg1 : i64"),)


for _cls, _base, _m, _doc, _commutative in (
        ("AddOp", _OverflowOp, "add", "Integer addition.", True),
        ("SubOp", _OverflowOp, "sub", "Integer subtraction.", False),
        ("MulOp", _OverflowOp, "mul", "Integer multiplication.", True),
        ("ShlOp", _OverflowOp, "shl", "Shift left.", False),
        ("UDivOp", _ExactOp, "udiv", "Unsigned integer division.", False),
        ("SDivOp", _ExactOp, "sdiv", "Signed integer division.", False),
        ("LShrOp", _ExactOp, "lshr", "Logical shift right.", False),
        ("AShrOp", _ExactOp, "ashr", "Arithmetic shift right.", False),
        ("URemOp", _IntBinaryOp, "urem", "Unsigned integer remainder.", False),
        ("SRemOp", _IntBinaryOp, "srem", "Signed integer remainder.", False),
        ("AndOp", _IntBinaryOp, "and", "Bitwise and.", True),
        ("OrOp", _DisjointOp, "or", "Bitwise or.", True),
        ("XOrOp", _IntBinaryOp, "xor", "Bitwise exclusive or.", True)):
    _define(_base, _cls, "llvm." + _m, _doc,
            traits=_base.traits + ((Commutative,) if _commutative else ()))


class _FloatBinaryOp(_Templated):
    lhs = operand(FloatLike)
    rhs = operand(FloatLike)
    res = result(FloatLike)
    fastmathFlags = _fastmath()
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($res)"
    example = (_fn("%arg0: f32, %arg1: f32", "%0 = NAME %arg0, %arg1 : f32\n"
                   "%1 = NAME %arg0, %arg1 {fastmathFlags = #llvm.fastmath<nnan, ninf>} : f32"),
               _fn("%arg0: vector<4xf64>", "%0 = NAME %arg0, %arg0 {fastmathFlags = "
                   "#llvm.fastmath<fast>} : vector<4xf64>"))


for _cls, _m, _doc in (("FAddOp", "fadd", "Floating-point addition."),
                       ("FSubOp", "fsub", "Floating-point subtraction."),
                       ("FMulOp", "fmul", "Floating-point multiplication."),
                       ("FDivOp", "fdiv", "Floating-point division."),
                       ("FRemOp", "frem", "Floating-point remainder.")):
    _define(_FloatBinaryOp, _cls, "llvm." + _m, _doc)


class FNegOp(Op):
    """Floating-point negation."""

    name = "llvm.fneg"
    operand = operand(FloatLike)
    res = result(FloatLike)
    fastmathFlags = _fastmath()
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$operand attr-dict `:` type($res)"
    examples = (_fn("%arg0: f32", "%0 = llvm.fneg %arg0 : f32\n"
                    "%1 = llvm.fneg %arg0 {fastmathFlags = #llvm.fastmath<nsz>} : f32"),)


class ICmpOp(Op):
    """Integer or pointer comparison; i1 (or a vector of i1) result."""

    name = "llvm.icmp"
    predicate = prop(ICMP)
    lhs = operand(IntLike | PtrLike)
    rhs = operand(IntLike | PtrLike)
    res = result(I1Like)
    traits = (Pure, SameTypeOperands)
    assembly_format = "$predicate $lhs `,` $rhs attr-dict `:` type($lhs)"
    examples = (_fn("%arg0: i64, %arg1: !llvm.ptr, %arg2: vector<4xi32>",
                    '%0 = llvm.icmp "slt" %arg0, %arg0 : i64\n'
                    '%1 = llvm.icmp "eq" %arg1, %arg1 : !llvm.ptr\n'
                    '%2 = llvm.icmp "uge" %arg2, %arg2 : vector<4xi32>'),)

    @classmethod
    def build(cls, predicate, lhs, rhs, loc=None):
        return cls(lhs, rhs, predicate=ICMP.attr(predicate),
                   result_types=[_same_shape(lhs.type, T.i1)], loc=loc)

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.set_type("res", [_same_shape(parts.type_of("lhs")[0], T.i1)])


class FCmpOp(Op):
    """Floating-point comparison; i1 (or a vector of i1) result."""

    name = "llvm.fcmp"
    predicate = prop(FCMP)
    lhs = operand(FloatLike)
    rhs = operand(FloatLike)
    res = result(I1Like)
    fastmathFlags = _fastmath()
    traits = (Pure, SameTypeOperands)
    assembly_format = "$predicate $lhs `,` $rhs attr-dict `:` type($lhs)"
    examples = (_fn("%arg0: f32, %arg1: vector<2xf64>",
                    '%0 = llvm.fcmp "olt" %arg0, %arg0 : f32\n'
                    '%1 = llvm.fcmp "_true" %arg1, %arg1 {fastmathFlags = '
                    '#llvm.fastmath<nnan>} : vector<2xf64>'),)

    @classmethod
    def build(cls, predicate, lhs, rhs, loc=None):
        return cls(lhs, rhs, predicate=FCMP.attr(predicate),
                   result_types=[_same_shape(lhs.type, T.i1)], loc=loc)

    infer_parsed_types = ICmpOp.infer_parsed_types


class SelectOp(Op):
    """One of two values, chosen by an i1 (elementwise for a vector of i1)."""

    name = "llvm.select"
    condition = operand(I1Like)
    trueValue = operand(AnyLLVM)
    falseValue = operand(AnyLLVM)
    res = result(AnyLLVM)
    fastmathFlags = _fastmath()
    traits = (Pure,)
    assembly_format = ("$condition `,` $trueValue `,` $falseValue attr-dict `:` "
                       "type($condition) `,` type($res)")
    examples = (_fn("%arg0: i1, %arg1: f32, %arg2: vector<2xi1>, %arg3: vector<2xi64>",
                    "%0 = llvm.select %arg0, %arg1, %arg1 : i1, f32\n"
                    "%1 = llvm.select %arg2, %arg3, %arg3 : vector<2xi1>, vector<2xi64>"),)

    def infer_result_types(self, operands, properties):
        return [operands[1].type]

    @classmethod
    def infer_parsed_types(cls, parts):
        t = parts.type_of("res")
        parts.set_type("trueValue", t)
        parts.set_type("falseValue", t)

    def verify_(self):
        if not self.trueValue.type == self.falseValue.type == self.res.type:
            raise self.error("failed to verify that all of {trueValue, falseValue, res} have "
                             "same type")


class FreezeOp(Op):
    """Stops poison and undef from propagating: an arbitrary but fixed value instead."""

    name = "llvm.freeze"
    val = operand(AnyLLVM)
    res = result(AnyLLVM)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "$val attr-dict `:` type($val)"
    examples = (_fn("%arg0: f32", "%0 = llvm.freeze %arg0 : f32"),)


class _CastOp(Op):
    traits = (Pure,)
    assembly_format = "$arg attr-dict `:` type($arg) `to` type($res)"
    extends = False  # whether the result must be a wider integer

    @classmethod
    def build(cls, arg, type, loc=None):
        return cls(arg, result_types=[type], loc=loc)

    def verify_(self):
        a, r = _scalar(self.arg.type), _scalar(self.res.type)
        if self.extends and a.__class__ is T.IntegerType and r.__class__ is T.IntegerType \
                and r.width <= a.width:
            raise IRError("integer width of the output type is smaller or equal to the integer "
                          "width of the input type", self.loc)

    def fold(self, constant_operands):
        # only bitcast and addrspacecast may cast to the same type; either is then the identity
        return [self.arg] if self.arg.type == self.res.type else None


class _NonNegCastOp(_CastOp):
    nonNeg = opt_prop(Unit())
    assembly_format = "(`nneg` $nonNeg^)? $arg attr-dict `:` type($arg) `to` type($res)"


class _TruncOp(_CastOp):
    overflowFlags = opt_prop(OVERFLOW_FLAGS)
    assembly_format = "$arg ($overflowFlags^)? attr-dict `:` type($arg) `to` type($res)"


for _cls, _base, _m, _src, _dst, _ex, _doc in (
        ("BitcastOp", _CastOp, "bitcast", AnyLLVM, AnyLLVM, ("i64", "f64"),
         "Reinterprets the bits of a value as another type of the same size."),
        ("AddrSpaceCastOp", _CastOp, "addrspacecast", PtrLike, PtrLike,
         ("!llvm.ptr<1>", "!llvm.ptr"), "A pointer moved to another address space."),
        ("IntToPtrOp", _CastOp, "inttoptr", IntLike, PtrLike, ("i64", "!llvm.ptr"),
         "An integer used as a pointer."),
        ("PtrToIntOp", _CastOp, "ptrtoint", PtrLike, IntLike, ("!llvm.ptr", "i64"),
         "The address a pointer holds, as an integer."),
        ("SExtOp", _CastOp, "sext", IntLike, IntLike, ("i32", "i64"), "Sign extension."),
        ("ZExtOp", _NonNegCastOp, "zext", IntLike, IntLike, ("i32", "i64"), "Zero extension."),
        ("TruncOp", _TruncOp, "trunc", IntLike, IntLike, ("i64", "i32"),
         "Integer truncation."),
        ("SIToFPOp", _CastOp, "sitofp", IntLike, FloatLike, ("i32", "f32"),
         "Signed integer to floating point."),
        ("UIToFPOp", _NonNegCastOp, "uitofp", IntLike, FloatLike, ("i32", "f32"),
         "Unsigned integer to floating point."),
        ("FPToSIOp", _CastOp, "fptosi", FloatLike, IntLike, ("f32", "i32"),
         "Floating point to signed integer, rounding toward zero."),
        ("FPToUIOp", _CastOp, "fptoui", FloatLike, IntLike, ("f32", "i32"),
         "Floating point to unsigned integer, rounding toward zero."),
        ("FPExtOp", _CastOp, "fpext", FloatLike, FloatLike, ("f32", "f64"),
         "Floating-point extension."),
        ("FPTruncOp", _CastOp, "fptrunc", FloatLike, FloatLike, ("f64", "f32"),
         "Floating-point truncation.")):
    _s, _d = _ex
    _examples = [_fn(f"%arg0: {_s}", f"%0 = llvm.{_m} %arg0 : {_s} to {_d}")]
    if _base is _NonNegCastOp:
        _examples.append(_fn(f"%arg0: {_s}", f"%0 = llvm.{_m} nneg %arg0 : {_s} to {_d}"))
    if _base is _TruncOp:
        _examples.append(_fn(f"%arg0: {_s}", f"%0 = llvm.{_m} %arg0 overflow<nuw> : "
                                             f"{_s} to {_d}"))
    _define(_base, _cls, "llvm." + _m, _doc, arg=operand(_src), res=result(_dst),
            examples=tuple(_examples), extends=_m in ("sext", "zext"))


# == control flow and calls ====================================================================

class ReturnOp(Op):
    """Returns from an llvm.func (or yields a global's initial value), with the value if the
    function returns one."""

    name = "llvm.return"
    arg = opt_operand(AnyLLVM)
    traits = (Pure, Terminator, ReturnLike)
    assembly_format = "attr-dict ($arg^ `:` type($arg))?"
    examples = (_fn("%arg0: i64", ret="llvm.return %arg0 : i64", result=" -> i64"), _fn(""))

    @classmethod
    def build(cls, value=None, loc=None):
        return cls(value, loc=loc)

    def verify_(self):
        fn = self.parent_op
        if fn is None or fn.name != "llvm.func":
            return
        res = fn.type.result
        if res == void:
            if self.operands:
                raise self.error("expected no operands")
        elif not self.operands:
            raise self.error("expected 1 operand")
        elif self.operands[0].type != res:
            raise self.error("mismatching result types")


class _BranchOp(BranchLike):
    traits = (Pure, Terminator)


class BrOp(_BranchOp):
    """Jumps to a block, passing it values for its arguments."""

    name = "llvm.br"
    destOperands = var_operand(AnyLLVM)
    loop_annotation = opt_prop(AnyAttr())
    dest = successor()
    assembly_format = "$dest (`(` $destOperands^ `:` type($destOperands) `)`)? attr-dict"
    examples = (_fn("%arg0: i64", "llvm.br ^bb1(%arg0, %arg0 : i64, i64)\n"
                    "^bb1(%0: i64, %1: i64):"),)

    @classmethod
    def build(cls, dest, operands=(), loc=None):
        return cls(list(operands), successors=[dest], loc=loc)

    def successor_operands(self, index):
        return list(self.operands)


class CondBrOp(_BranchOp):
    """Jumps to one of two blocks depending on an i1."""

    name = "llvm.cond_br"
    condition = operand(I1)
    trueDestOperands = var_operand(AnyLLVM)
    falseDestOperands = var_operand(AnyLLVM)
    branch_weights = opt_prop(DenseArrayOf(T.i32))
    loop_annotation = opt_prop(AnyAttr())
    trueDest = successor()
    falseDest = successor()
    assembly_format = (
        "$condition (`weights` `(` $branch_weights^ `)`)? `,` "
        "$trueDest (`(` $trueDestOperands^ `:` type($trueDestOperands) `)`)? `,` "
        "$falseDest (`(` $falseDestOperands^ `:` type($falseDestOperands) `)`)? attr-dict")
    examples = (_fn("%arg0: i1, %arg1: i64",
                    "llvm.cond_br %arg0 weights([1, 2]), ^bb1(%arg1 : i64), ^bb2\n"
                    "^bb1(%0: i64):\nllvm.br ^bb2\n^bb2:"),)

    @classmethod
    def build(cls, condition, true_dest, false_dest, true_operands=(), false_operands=(),
              loc=None):
        return cls(condition, list(true_operands), list(false_operands),
                   successors=[true_dest, false_dest], loc=loc)

    def successor_operands(self, index):
        return list(self.falseDestOperands if index else self.trueDestOperands)

    def verify_(self):
        w = self.properties.get("branch_weights")
        if w is not None and len(w) != 2:
            raise IRError("expects number of branch weights to match number of successors: "
                          f"{len(w)} vs 2", self.loc)
        super().verify_()


class SwitchOp(_BranchOp):
    """Jumps to the block of the case equal to an integer value, or to the default block."""

    name = "llvm.switch"
    value = operand(IntLike)
    defaultOperands = var_operand(AnyLLVM)
    caseOperands = var_operand(AnyLLVM)
    case_values = opt_prop(AnyAttr())
    case_operand_segments = prop(DenseArrayOf(T.i32))
    branch_weights = opt_prop(DenseArrayOf(T.i32))
    defaultDestination = successor()
    caseDestinations = var_successor()
    assembly_format = (
        "$value `:` type($value) `,` $defaultDestination "
        "(`(` $defaultOperands^ `:` type($defaultOperands) `)`)? "
        "custom<LLVMSwitchCases>($value, $caseOperands, $case_values, $case_operand_segments, "
        "$caseDestinations) attr-dict")
    examples = (_fn("%arg0: i32, %arg1: i64",
                    "llvm.switch %arg0 : i32, ^bb1(%arg1 : i64) [\n"
                    "  1: ^bb1(%arg1 : i64),\n  -7: ^bb2\n]\n"
                    "^bb1(%0: i64):\nllvm.br ^bb2\n^bb2:"),
                _fn("%arg0: i64", "llvm.switch %arg0 : i64, ^bb1 [\n]\n^bb1:"))

    @classmethod
    def build(cls, value, default_dest, default_operands=(), cases=(), loc=None):
        """`cases`: (value, block, operands) triples."""
        props = {"case_operand_segments": DenseArrayAttr(T.i32, [len(c[2]) for c in cases])}
        if cases:
            props["case_values"] = DenseElementsAttr(T.VectorType([len(cases)], value.type),
                                                     [c[0] for c in cases])
        return cls(value, list(default_operands), [v for c in cases for v in c[2]],
                   successors=[default_dest] + [c[1] for c in cases], loc=loc, **props)

    @property
    def cases(self):
        """(value, block, operands) per case, in order."""
        values = self.properties.get("case_values")
        if values is None:
            return []
        seg = self.properties["case_operand_segments"].value
        operands = list(self.caseOperands)
        out, k = [], 0
        for i, v in enumerate(values.array.reshape(-1).tolist()):
            out.append((int(v), self.successors[i + 1], operands[k:k + seg[i]]))
            k += seg[i]
        return out

    def successor_operands(self, index):
        if index == 0:
            return list(self.defaultOperands)
        return self.cases[index - 1][2]

    def verify_(self):
        values = self.properties.get("case_values")
        n = values.type.num_elements if values is not None else 0
        dests = len(self.successors) - 1
        if n != dests:
            raise self.error(f"expects number of case values to match number of case "
                             f"destinations: {n} vs {dests}")
        if len(self.properties["case_operand_segments"].value) != dests:
            raise self.error("expects number of case operand segments to match number of case "
                             "destinations")
        super().verify_()


class UnreachableOp(Op):
    """Marks a point control never reaches."""

    name = "llvm.unreachable"
    traits = (Terminator,)
    assembly_format = "attr-dict"
    examples = (_fn("", ret="llvm.unreachable"),)


class CallOp(Op):
    """A direct (`@f`) or indirect (through a pointer) call, with zero or one result. A call of a
    variadic function carries the callee's type in `var_callee_type`."""

    name = "llvm.call"
    callee_operands = var_operand(AnyLLVM)
    op_bundle_operands = var_operand(AnyLLVM)
    res = opt_result(AnyLLVM)
    var_callee_type = opt_prop(TypeAttrOf(FuncTypeC))
    callee = opt_prop(FlatSymbolRef())
    fastmathFlags = _fastmath()
    CConv = opt_prop(EnumOf(CConvAttr, default="ccc"))
    TailCallKind = opt_prop(EnumOf(TailCallKindAttr, default="none"))
    memory_effects = opt_prop(AnyAttr())
    convergent = opt_prop(Unit())
    no_unwind = opt_prop(Unit())
    will_return = opt_prop(Unit())
    no_inline = opt_prop(Unit())
    always_inline = opt_prop(Unit())
    inline_hint = opt_prop(Unit())
    op_bundle_sizes = prop(DenseArrayOf(T.i32))
    op_bundle_tags = opt_prop(ArrayOf())
    arg_attrs = opt_prop(ArrayOf())
    res_attrs = opt_prop(ArrayOf())
    assembly_format = ("custom<LLVMCallee>($CConv, $TailCallKind, $callee, $callee_operands, "
                       "$op_bundle_sizes) "
                       "(`vararg` `(` $var_callee_type^ `)`)? attr-dict `:` "
                       "custom<LLVMCallType>($callee_operands, $res, $arg_attrs, $res_attrs)")
    examples = (
        "llvm.func @malloc(i64) -> !llvm.ptr\nllvm.func @free(!llvm.ptr)\n"
        + _fn("%arg0: i64", "%0 = llvm.call @malloc(%arg0) : (i64) -> !llvm.ptr\n"
                            "llvm.call @free(%0) : (!llvm.ptr) -> ()\n"
                            "%1 = llvm.call fastcc tail @malloc(%arg0) {no_unwind} : "
                            "(i64 {llvm.noundef}) -> (!llvm.ptr {llvm.noalias})"),
        "llvm.func @printf(!llvm.ptr, ...) -> i32\n"
        'llvm.mlir.global internal constant @fmt("%d\\0A\\00") {addr_space = 0 : i32}\n'
        + _fn("%arg0: i32", "%0 = llvm.mlir.addressof @fmt : !llvm.ptr\n"
                            "%1 = llvm.call @printf(%0, %arg0) vararg(!llvm.func<i32 (ptr, ...)>)"
                            " : (!llvm.ptr, i32) -> i32"),
        _fn("%arg0: !llvm.ptr, %arg1: f32",
            "%0 = llvm.call %arg0(%arg1) {fastmathFlags = #llvm.fastmath<fast>} : "
            "!llvm.ptr, (f32) -> f32"),
    )

    @classmethod
    def build(cls, callee, args=(), result_type=None, loc=None):
        """`callee`: an LLVMFuncOp, a symbol name (the result type then given), or a pointer
        value (an indirect call)."""
        props = {}
        operands = list(args)
        if isinstance(callee, LLVMFuncOp):
            ft = callee.type
            result_type = ft.result
            if ft.vararg:
                props["var_callee_type"] = TypeAttr(ft)
            callee = callee.sym
        if isinstance(callee, str):
            props["callee"] = SymbolRefAttr(callee)
        else:
            operands.insert(0, callee)
        results = [result_type] if result_type is not None and result_type != void else []
        return cls(operands, [], result_types=results, op_bundle_sizes=DenseArrayAttr(T.i32, []),
                   loc=loc, **props)

    def verify_symbol_uses(self, symbols):
        c = self.properties.get("callee")
        if c is None:
            return
        fn = symbols.lookup(self, c.root)
        if fn is None:
            raise self.error(f"'{c.root}' does not reference a symbol in the current scope")
        if fn.name != "llvm.func":
            raise self.error(f"'{c.root}' does not reference a valid LLVM function or IFunc")
        ft = fn.type
        args = list(self.callee_operands)
        if len(args) != len(ft.params) and not (ft.vararg and len(args) > len(ft.params)):
            raise self.error(f"incorrect number of operands ({len(args)}) for callee "
                             f"(expecting: {len(ft.params)})")
        for i, (v, t) in enumerate(zip(args, ft.params)):
            if v.type != t:
                raise self.error(f"operand type mismatch for operand {i}: '{v.type}' != '{t}'")
        if ft.vararg and "var_callee_type" not in self.properties:
            raise self.error("missing var_callee_type attribute for vararg call")
        if ft.result == void:
            if self.results:
                raise self.error("expected function call to produce no value")
        elif not self.results:
            raise self.error("expected function call to produce a value")
        elif self.results[0].type != ft.result:
            raise self.error(f"result type mismatch: '{self.results[0].type}' != "
                             f"'{ft.result}'")


# == intrinsics ================================================================================

_CALL_FORM = "attr-dict `:` functional-type(operands, results)"


class _FloatUnaryIntr(_Templated):
    in_ = operand(FloatLike)
    res = result(FloatLike)
    fastmathFlags = _fastmath()
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "`(` $in_ `)` " + _CALL_FORM
    example = (_fn("%arg0: f32, %arg1: vector<4xf64>",
                   "%0 = NAME(%arg0) : (f32) -> f32\n"
                   "%1 = NAME(%arg1) {fastmathFlags = #llvm.fastmath<afn>} : "
                   "(vector<4xf64>) -> vector<4xf64>"),)


class _FloatBinaryIntr(_Templated):
    a = operand(FloatLike)
    b = operand(FloatLike)
    res = result(FloatLike)
    fastmathFlags = _fastmath()
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "`(` $a `,` $b `)` " + _CALL_FORM
    example = (_fn("%arg0: f32, %arg1: vector<4xf64>",
                   "%0 = NAME(%arg0, %arg0) : (f32, f32) -> f32\n"
                   "%1 = NAME(%arg1, %arg1) {fastmathFlags = #llvm.fastmath<fast>} : "
                   "(vector<4xf64>, vector<4xf64>) -> vector<4xf64>"),)


class _FloatTernaryIntr(_Templated):
    a = operand(FloatLike)
    b = operand(FloatLike)
    c = operand(FloatLike)
    res = result(FloatLike)
    fastmathFlags = _fastmath()
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "`(` $a `,` $b `,` $c `)` " + _CALL_FORM
    example = (_fn("%arg0: f32, %arg1: vector<4xf64>",
                   "%0 = NAME(%arg0, %arg0, %arg0) : (f32, f32, f32) -> f32\n"
                   "%1 = NAME(%arg1, %arg1, %arg1) : "
                   "(vector<4xf64>, vector<4xf64>, vector<4xf64>) -> vector<4xf64>"),)


class _IntUnaryIntr(_Templated):
    in_ = operand(IntLike)
    res = result(IntLike)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "`(` $in_ `)` " + _CALL_FORM
    example = (_fn("%arg0: i32, %arg1: vector<4xi64>",
                   "%0 = NAME(%arg0) : (i32) -> i32\n"
                   "%1 = NAME(%arg1) : (vector<4xi64>) -> vector<4xi64>"),)


class _IntBinaryIntr(_Templated):
    a = operand(IntLike)
    b = operand(IntLike)
    res = result(IntLike)
    traits = (Pure, SameOperandsAndResultType)
    assembly_format = "`(` $a `,` $b `)` " + _CALL_FORM
    example = (_fn("%arg0: i32, %arg1: vector<4xi64>",
                   "%0 = NAME(%arg0, %arg0) : (i32, i32) -> i32\n"
                   "%1 = NAME(%arg1, %arg1) : (vector<4xi64>, vector<4xi64>) -> "
                   "vector<4xi64>"),)


class _Reduction(_Templated):
    """The element type of the reduced vector is the result type."""

    traits = (Pure,)

    def infer_result_types(self, operands, properties):
        return [operands[-1].type.element_type]

    def verify_(self):
        if self.operands[-1].type.element_type != self.results[0].type:
            raise self.error("result type must match the vector's element type")


class _FloatReduction(_Reduction):
    in_ = operand(Vector)
    res = result(FloatLike)
    fastmathFlags = _fastmath()
    assembly_format = "`(` $in_ `)` " + _CALL_FORM
    example = (_fn("%arg0: vector<4xf32>", "%0 = NAME(%arg0) : (vector<4xf32>) -> f32\n"
                   "%1 = NAME(%arg0) {fastmathFlags = #llvm.fastmath<nnan>} : "
                   "(vector<4xf32>) -> f32"),)


class _IntReduction(_Reduction):
    # upstream gives these no custom form
    in_ = operand(Vector)
    res = result(IntLike)
    example = (_fn("%arg0: vector<4xi32>",
                   '%0 = "NAME"(%arg0) : (vector<4xi32>) -> i32'),)


class _OrderedReduction(_Reduction):
    # a start value and the vector, folded in order unless `reassoc` allows otherwise
    start_value = operand(FloatLike)
    input = operand(Vector)
    res = result(FloatLike)
    fastmathFlags = _fastmath()
    example = (_fn("%arg0: f32, %arg1: vector<4xf32>",
                   '%0 = "NAME"(%arg0, %arg1) <{fastmathFlags = #llvm.fastmath<none>}> : '
                   "(f32, vector<4xf32>) -> f32\n"
                   '%1 = "NAME"(%arg0, %arg1) <{fastmathFlags = #llvm.fastmath<reassoc>}> : '
                   "(f32, vector<4xf32>) -> f32"),)


_INTRINSICS = (
    (_FloatUnaryIntr, (
        ("SqrtOp", "sqrt"), ("ExpOp", "exp"), ("Exp2Op", "exp2"), ("Exp10Op", "exp10"),
        ("LogOp", "log"), ("Log2Op", "log2"), ("Log10Op", "log10"), ("FAbsOp", "fabs"),
        ("FloorOp", "floor"), ("FCeilOp", "ceil"), ("RoundOp", "round"),
        ("RoundEvenOp", "roundeven"), ("FTruncOp", "trunc"), ("RintOp", "rint"),
        ("NearbyintOp", "nearbyint"), ("SinOp", "sin"), ("CosOp", "cos"), ("TanOp", "tan"),
        ("ASinOp", "asin"), ("ACosOp", "acos"), ("ATanOp", "atan"), ("SinhOp", "sinh"),
        ("CoshOp", "cosh"), ("TanhOp", "tanh"))),
    (_FloatBinaryIntr, (
        ("PowOp", "pow"), ("CopySignOp", "copysign"), ("MaxNumOp", "maxnum"),
        ("MinNumOp", "minnum"), ("MaximumOp", "maximum"), ("MinimumOp", "minimum"),
        ("ATan2Op", "atan2"))),
    (_FloatTernaryIntr, (("FMAOp", "fma"), ("FMulAddOp", "fmuladd"))),
    (_IntUnaryIntr, (("CtPopOp", "ctpop"), ("BitReverseOp", "bitreverse"),
                     ("ByteSwapOp", "bswap"))),
    (_IntBinaryIntr, (("SMaxOp", "smax"), ("SMinOp", "smin"), ("UMaxOp", "umax"),
                      ("UMinOp", "umin"))),
    (_FloatReduction, (
        ("VectorReduceFMaxOp", "vector.reduce.fmax"), ("VectorReduceFMinOp", "vector.reduce.fmin"),
        ("VectorReduceFMaximumOp", "vector.reduce.fmaximum"),
        ("VectorReduceFMinimumOp", "vector.reduce.fminimum"))),
    (_IntReduction, tuple((f"VectorReduce{k.capitalize()}Op", f"vector.reduce.{k}")
                          for k in ("add", "mul", "and", "or", "xor", "smax", "smin", "umax",
                                    "umin"))),
    (_OrderedReduction, (("VectorReduceFAddOp", "vector.reduce.fadd"),
                         ("VectorReduceFMulOp", "vector.reduce.fmul"))),
)
for _base, _ops in _INTRINSICS:
    for _cls, _m in _ops:
        _define(_base, _cls, "llvm.intr." + _m, f"LLVM's `llvm.{_m}` intrinsic.")


class PowIOp(Op):
    """A floating-point value raised to an integer power (`llvm.powi`)."""

    name = "llvm.intr.powi"
    val = operand(FloatLike)
    power = operand(IntLike)
    res = result(FloatLike)
    fastmathFlags = _fastmath()
    traits = (Pure,)
    assembly_format = "`(` $val `,` $power `)` " + _CALL_FORM
    examples = (_fn("%arg0: f64, %arg1: i32",
                    "%0 = llvm.intr.powi(%arg0, %arg1) : (f64, i32) -> f64"),)

    def infer_result_types(self, operands, properties):
        return [operands[0].type]


class _BitIntr(_Templated):
    # upstream gives these no custom form; the i1 flag says whether the special input
    # (INT_MIN, zero) makes the result poison
    in_ = operand(IntLike)
    res = result(IntLike)
    traits = (Pure, SameOperandsAndResultType)


class AbsOp(_BitIntr):
    """Integer absolute value (`llvm.abs`)."""

    name = "llvm.intr.abs"
    is_int_min_poison = prop(IntAttr(T.i1))
    example = (_fn("%arg0: i32",
                   '%0 = "NAME"(%arg0) <{is_int_min_poison = false}> : (i32) -> i32'),)


class _CountIntr(_BitIntr):
    is_zero_poison = prop(IntAttr(T.i1))
    example = (_fn("%arg0: i32", '%0 = "NAME"(%arg0) <{is_zero_poison = true}> : (i32) -> i32'),)


_define(_CountIntr, "CountLeadingZerosOp", "llvm.intr.ctlz", "Leading zero bits (`llvm.ctlz`).")
_define(_CountIntr, "CountTrailingZerosOp", "llvm.intr.cttz",
        "Trailing zero bits (`llvm.cttz`).")


class _MemTransferIntr(_Templated):
    # upstream gives these no custom form
    dst = operand(Ptr)
    src = operand(Ptr)
    len = operand(IntLike)
    isVolatile = prop(IntAttr(T.i1))
    effects = (Write("dst"), Read("src"))
    example = (_fn("%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: i64",
                   '"NAME"(%arg0, %arg1, %arg2) <{isVolatile = false}> : '
                   "(!llvm.ptr, !llvm.ptr, i64) -> ()"),)

    @classmethod
    def build(cls, dst, src, len, volatile=False, loc=None):
        return cls(dst, src, len, isVolatile=BoolAttr(volatile), loc=loc)


_define(_MemTransferIntr, "MemcpyOp", "llvm.intr.memcpy",
        "Copies bytes between non-overlapping buffers (`llvm.memcpy`).")
_define(_MemTransferIntr, "MemmoveOp", "llvm.intr.memmove",
        "Copies bytes between possibly overlapping buffers (`llvm.memmove`).")


class MemsetOp(Op):
    """Fills bytes with a value (`llvm.memset`)."""

    name = "llvm.intr.memset"
    dst = operand(Ptr)
    val = operand(IntLike)
    len = operand(IntLike)
    isVolatile = prop(IntAttr(T.i1))
    effects = (Write("dst"),)
    examples = (_fn("%arg0: !llvm.ptr, %arg1: i8, %arg2: i64",
                    '"llvm.intr.memset"(%arg0, %arg1, %arg2) <{isVolatile = false}> : '
                    "(!llvm.ptr, i8, i64) -> ()"),)

    @classmethod
    def build(cls, dst, val, len, volatile=False, loc=None):
        return cls(dst, val, len, isVolatile=BoolAttr(volatile), loc=loc)


class StackSaveOp(Op):
    """The current stack position, for a later llvm.intr.stackrestore."""

    name = "llvm.intr.stacksave"
    res = result(Ptr)
    assembly_format = "attr-dict `:` type($res)"
    examples = (_fn("", "%0 = llvm.intr.stacksave : !llvm.ptr\n"
                        "llvm.intr.stackrestore %0 : !llvm.ptr"),)


class StackRestoreOp(Op):
    """Frees the stack allocated since the matching llvm.intr.stacksave."""

    name = "llvm.intr.stackrestore"
    ptr = operand(Ptr)
    assembly_format = "$ptr attr-dict `:` type($ptr)"
    examples = StackSaveOp.examples


class MaskedLoadOp(Op):
    """Loads the vector lanes whose mask bit is set; the others come from `pass_thru` (or are
    poison)."""

    name = "llvm.intr.masked.load"
    data = operand(Ptr)
    mask = operand(Vector)
    pass_thru = var_operand(Vector)
    res = result(Vector)
    alignment = prop(IntAttr(T.i32))
    nontemporal = opt_prop(Unit())
    effects = (Read("data"),)
    assembly_format = "$data `,` $mask (`,` $pass_thru^)? " + _CALL_FORM
    examples = (_fn("%arg0: !llvm.ptr, %arg1: vector<4xi1>, %arg2: vector<4xf32>",
                    "%0 = llvm.intr.masked.load %arg0, %arg1, %arg2 {alignment = 4 : i32} : "
                    "(!llvm.ptr, vector<4xi1>, vector<4xf32>) -> vector<4xf32>\n"
                    "%1 = llvm.intr.masked.load %arg0, %arg1 {alignment = 4 : i32} : "
                    "(!llvm.ptr, vector<4xi1>) -> vector<4xf32>"),)


class MaskedStoreOp(Op):
    """Stores the vector lanes whose mask bit is set."""

    name = "llvm.intr.masked.store"
    value = operand(Vector)
    data = operand(Ptr)
    mask = operand(Vector)
    alignment = prop(IntAttr(T.i32))
    effects = (Write("data"),)
    assembly_format = ("$value `,` $data `,` $mask attr-dict `:` type($value) `,` type($mask) "
                       "`into` type($data)")
    examples = (_fn("%arg0: !llvm.ptr, %arg1: vector<4xi1>, %arg2: vector<4xf32>",
                    "llvm.intr.masked.store %arg2, %arg0, %arg1 {alignment = 4 : i32} : "
                    "vector<4xf32>, vector<4xi1> into !llvm.ptr"),)


__all__ = [n for n in list(globals()) if not n.startswith("_") and n not in _IMPORTED]
