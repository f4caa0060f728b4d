"""The `llvm` dialect as LLVM IR text: what `mlir-translate --mlir-to-llvmir` does, written for
llvmlite's `parse_assembly`.

Values are named `%vN` and blocks `bbN`, numbered in order. As upstream does, the constant ops
(`llvm.mlir.constant`, `zero`, `undef`, `poison`, `addressof`) become LLVM constants written
into their uses, and a block's arguments become phis fed by its predecessors. LLVM wants one phi
entry per incoming edge, so a terminator that reaches the same block with arguments twice (a
cond_br to ^bb1(%a) and ^bb1(%b)) goes there the second time through a block of its own.
Blocks that cannot be reached from the entry are left out: a phi must have an entry, and
nothing reachable can use their values.

Some IR makes LLVM end the process rather than report an error: scalable vectors, ppc_fp128,
garbage collectors and some calling conventions on the host, thread-local storage in the JIT,
`powi` with an exponent that is not C's int. Those are refused here, with an IRError at the op,
before any text can reach LLVM; so is every op this module does not know. What LLVM reports as
an error (a verifier complaint) is left to it. Hints that change no semantics are dropped, and so
are target CPU and feature attributes, which could let LLVM use instructions the host lacks.
"""

from __future__ import annotations

import re

import numpy as np

from ..dialects import llvm as L
from ..ir import IRError
from ..ir import types as T
from ..ir.attributes import (ArrayAttr, DenseElementsAttr, FloatAttr, IntegerAttr, StringAttr,
                             TypeAttr, round_bf16_bits)
from ..ir.core import gc_paused


def translate(module):
    """LLVM IR text for a `builtin.module` of llvm dialect ops."""
    with gc_paused():
        return _Module(module).run()


# == names and strings =========================================================================

_PLAIN_NAME = re.compile(r"[-a-zA-Z$._][-a-zA-Z$._0-9]*\Z")


def _escape(s):
    """The body of an LLVM quoted string: bytes outside printable ASCII, `"` and `\\` as `\\XX`."""
    data = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return "".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else f"\\{b:02X}"
                   for b in data)


def _name(sigil, name):
    """`@name`, or `@"name"` when the name needs quotes (a leading digit would make it a
    numbered value)."""
    return sigil + (name if _PLAIN_NAME.match(name) else f'"{_escape(name)}"')


def _err(op, message):
    return IRError(f"'{op.name}' op {message}", op.loc)


# == constants =================================================================================

def _int_text(v, width):
    if width == 1:
        return "true" if v & 1 else "false"
    v &= (1 << width) - 1
    return str(v - (1 << width) if v >> (width - 1) else v)


def _f32_as_f64_bits(b):
    """The bits of the double with the value of the f32 `b`, NaN payloads included (LLVM reads
    float constants written as doubles)."""
    b = np.asarray(b, dtype=np.uint32)
    wide = b.view(np.float32).astype(np.float64).view(np.uint64)
    nan = ((b >> 23) & 0xFF) == 0xFF
    exact = ((b.astype(np.uint64) >> 31) << 63) | np.uint64(0x7FF << 52) | \
        ((b.astype(np.uint64) & 0x7FFFFF) << 29)
    return np.where(nan, exact, wide)


def _wide_float_bits(d, exp_bits, man_bits, explicit_int):
    """The bits of the double whose bits are `d` in a wider binary format (every double fits)."""
    sign, e, m = d >> 63, (d >> 52) & 0x7FF, d & ((1 << 52) - 1)
    bias = (1 << (exp_bits - 1)) - 1
    int_bit = 1 << man_bits if explicit_int else 0
    if e == 0x7FF:
        e2, m2 = (1 << exp_bits) - 1, int_bit | (m << (man_bits - 52))
    elif e == 0 and m == 0:
        e2, m2 = 0, 0
    elif e == 0:  # a subnormal double is normal in the wider format
        n = m.bit_length()
        e2 = n - 1 - 1074 + bias
        m2 = int_bit | ((m << (man_bits + 1 - n)) & ((1 << man_bits) - 1))
    else:
        e2, m2 = e - 1023 + bias, int_bit | (m << (man_bits - 52))
    return (sign << (exp_bits + man_bits + (1 if explicit_int else 0))) | \
        (e2 << (man_bits + (1 if explicit_int else 0))) | m2


def _float_texts(values, ftype):
    """LLVM's exact hexadecimal spelling of each value (a numpy array of the float type's
    values) as a constant of `ftype`."""
    name = ftype.name
    if name == "f64":
        bits = np.asarray(values, np.float64).view(np.uint64)
        return [f"0x{b:016X}" for b in bits.tolist()]
    if name == "f32":
        bits = _f32_as_f64_bits(np.asarray(values, np.float32).view(np.uint32))
        return [f"0x{b:016X}" for b in bits.tolist()]
    if name == "f16":
        return [f"0xH{b:04X}" for b in np.asarray(values, np.float16).view(np.uint16).tolist()]
    if name == "bf16":
        return [f"0xR{round_bf16_bits(v):04X}" for v in np.asarray(values, np.float64).tolist()]
    d = np.asarray(values, np.float64).view(np.uint64).tolist()
    if name == "f80":
        return [f"0xK{_wide_float_bits(b, 15, 63, True):020X}" for b in d]
    # fp128 is written low 64 bits first
    out = []
    for b in d:
        q = _wide_float_bits(b, 15, 112, False)
        out.append(f"0xL{q & ((1 << 64) - 1):016X}{q >> 64:016X}")
    return out


def _float_text(value, ftype):
    return _float_texts(np.array([value]), ftype)[0]


def _c_string(data):
    return f'c"{_escape(data)}"'


def _aggregate(t, parts):
    """The constant of array or struct type `t` with the members `parts` (typed texts)."""
    if t.__class__ is L.LLVMArrayType:
        return "[" + ", ".join(parts) + "]"
    body = "{ " + ", ".join(parts) + " }" if parts else "{}"
    return f"<{body}>" if t.packed else body


_FLOAT_TYPES = {"f16": "half", "bf16": "bfloat", "f32": "float", "f64": "double",
                "f80": "x86_fp80", "f128": "fp128"}
_MAX_INT_WIDTH = 1 << 23  # LLVM's IntegerType::MAX_INT_BITS
_CONSTANT_OPS = frozenset(("llvm.mlir.constant", "llvm.mlir.zero", "llvm.mlir.undef",
                           "llvm.mlir.poison", "llvm.mlir.addressof"))


def _is_fp(t):
    """Whether fast-math flags may go on a call/select/phi of type `t` (an FPMathOperator)."""
    while t.__class__ in (T.VectorType, L.LLVMArrayType):
        t = t.element_type
    return t.__class__ is T.FloatType


def _leaves(t):
    """How many scalars a (nest of) array or vector type holds."""
    n = 1
    while t.__class__ in (L.LLVMArrayType, T.VectorType):
        n *= t.num_elements if t.__class__ is L.LLVMArrayType else t.shape[0]
        t = t.element_type
    return n, t


def _pow2(op, a, what="alignment"):
    v = a.value
    if v <= 0 or v & (v - 1) or v > 1 << 32:
        raise _err(op, f"{what} {v} is not a power of two no greater than 2^32")
    return v


# == attributes ===============================================================================

_FASTMATH = ("nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc")
_ORDERINGS = {0: None, 1: "unordered", 2: "monotonic", 4: "acquire", 5: "release",
              6: "acq_rel", 7: "seq_cst"}
# the calling conventions the host CPU's code generator implements for any function, as LLVM
# spells them; the others belong to other targets, or end the process on x86 (HiPE's `cc_11`
# and `anyregcc` need a runtime and patchpoints)
_CCONVS = {"ccc": "", "cc_10": "ghccc", **{c: c for c in (
    "fastcc", "coldcc", "preserve_mostcc", "preserve_allcc", "swiftcc", "cxx_fast_tlscc",
    "tailcc", "swifttailcc", "x86_stdcallcc", "x86_fastcallcc", "x86_thiscallcc",
    "x86_vectorcallcc", "x86_regcallcc", "x86_64_sysvcc", "win64cc", "intel_ocl_bicc")}}
# llvm.func / llvm.call unit properties that are LLVM function attributes
_FN_FLAGS = {"no_inline": "noinline", "always_inline": "alwaysinline",
             "inline_hint": "inlinehint", "no_unwind": "nounwind", "will_return": "willreturn",
             "optimize_none": "optnone", "convergent": "convergent"}
# `passthrough` names written as LLVM keywords; any other is a string attribute
_FN_KEYWORDS = frozenset((
    "alwaysinline", "cold", "convergent", "hot", "inlinehint", "minsize", "mustprogress",
    "nocallback", "nofree", "noinline", "nomerge", "norecurse", "noreturn", "nosync",
    "nounwind", "optnone", "optsize", "speculatable", "willreturn", "uwtable", "noduplicate",
    "returns_twice", "nobuiltin", "noimplicitfloat", "noredzone", "ssp", "sspreq",
    "sspstrong", "null_pointer_is_valid"))
# string attributes that would let code use instructions the host may lack
_FN_DROPPED = frozenset(("target-cpu", "target-features", "tune-cpu"))
# parameter attributes (`llvm.<name>` keys of arg_attrs/res_attrs)
_PARAM_FLAGS = frozenset((
    "noalias", "nonnull", "noundef", "readonly", "writeonly", "readnone", "nofree", "nest",
    "returned", "signext", "zeroext", "inreg", "swiftself", "swifterror", "swiftasync",
    "allocalign", "allocptr", "immarg", "dead_on_unwind", "writable"))
_PARAM_INTS = ("align", "alignstack", "dereferenceable", "dereferenceable_or_null")
_PARAM_TYPES = ("byval", "byref", "sret", "inalloca", "preallocated", "elementtype")
# hints about values that change no semantics when left out
_PARAM_HINTS = frozenset(("range", "nofpclass", "initializes", "captures", "dead_on_return"))


# == intrinsics ================================================================================

def _mangle(t):
    """LLVM's type suffix of an overloaded intrinsic (Intrinsic::getName)."""
    c = t.__class__
    if c is T.IntegerType:
        return f"i{t.width}"
    if c is T.FloatType:
        return t.name
    if c is L.LLVMPointerType:
        return f"p{t.address_space}"
    if c is T.VectorType:
        return f"v{t.shape[0]}{_mangle(t.element_type)}"
    raise IRError(f"no intrinsic overload for type '{t}'")


def _operand_type(i):
    return lambda op: op.operands[i].type


def _result_type(op):
    return op.results[0].type


def _immediate(prop):
    """An i1 immediate argument taken from a property."""
    return lambda op: f"i1 {_int_text(op.properties[prop].value, 1)}"


# op name after `llvm.intr.` -> (types in the mangled name, extra immediate arguments)
_SPECIAL_INTRINSICS = {
    "powi": ((_result_type, _operand_type(1)), ()),
    "abs": ((_result_type,), (_immediate("is_int_min_poison"),)),
    "ctlz": ((_result_type,), (_immediate("is_zero_poison"),)),
    "cttz": ((_result_type,), (_immediate("is_zero_poison"),)),
    "memcpy": ((_operand_type(0), _operand_type(1), _operand_type(2)),
               (_immediate("isVolatile"),)),
    "memmove": ((_operand_type(0), _operand_type(1), _operand_type(2)),
                (_immediate("isVolatile"),)),
    "memset": ((_operand_type(0), _operand_type(2)), (_immediate("isVolatile"),)),
    "stacksave": ((_result_type,), ()),
    "stackrestore": ((_operand_type(0),), ()),
}


# == the module ================================================================================

class _Module:
    def __init__(self, module):
        self.module = module
        self.types = {}
        self.structs = {}  # identified struct name -> (type, definition text)
        self.struct_order = []
        self.intrinsics = {}  # name -> declaration
        self.metadata = {}  # node text -> `!N`
        self.symbols = set()

    def run(self):
        m = self.module
        if m.name != "builtin.module":
            raise IRError(f"'{m.name}' op cannot be translated: expected a builtin.module",
                          m.loc)
        body = m.regions[0].blocks[0] if m.regions and m.regions[0].blocks else ()
        ops = list(body)
        for op in ops:
            sym = op.properties.get("sym_name")
            if sym is not None:
                self.symbols.add(sym.value)
        parts = []
        for op in ops:
            if op.name == "llvm.func":
                parts.append(_Function(self, op).run())
            elif op.name == "llvm.mlir.global":
                parts.append(self.global_(op))
            else:
                raise _err(op, "cannot be converted to LLVM IR: lamina translates only "
                               "llvm dialect functions and globals")
        head = ["; ModuleID = 'LLVMDialectModule'", 'source_filename = "LLVMDialectModule"']
        for key, word in (("llvm.data_layout", "datalayout"), ("llvm.target_triple", "triple")):
            a = m.attributes.get(key)
            if isinstance(a, StringAttr):
                head.append(f'target {word} = "{_escape(a.value)}"')
        out = ["\n".join(head), ""]
        if self.struct_order:
            out.append("\n".join(f"{_name('%', n)} = type {self.structs[n][1]}"
                                 for n in self.struct_order) + "\n")
        globals_ = [p for p in parts if p.startswith("@")]
        if globals_:
            out.append("\n".join(globals_) + "\n")
        out.extend(p + "\n" for p in parts if not p.startswith("@"))
        if self.intrinsics:
            out.append("\n".join(self.intrinsics.values()) + "\n")
        if self.metadata:
            out.append("\n".join(f"{n} = {text}" for text, n in self.metadata.items()) + "\n")
        return "\n".join(out)

    # -- types ------------------------------------------------------------------------------
    def type(self, t, loc=None):
        s = self.types.get(t)
        if s is None:
            s = self.types[t] = self._type(t, loc)
        return s

    def _type(self, t, loc):
        c = t.__class__
        if c is T.IntegerType:
            if t.signedness:
                raise IRError(f"type '{t}' has no LLVM IR counterpart: LLVM integers are "
                              "signless", loc)
            if t.width > _MAX_INT_WIDTH:
                raise IRError(f"type '{t}' is wider than LLVM's widest integer "
                              f"(i{_MAX_INT_WIDTH})", loc)
            return f"i{t.width}"
        if c is T.FloatType:
            name = _FLOAT_TYPES.get(t.name)
            if name is None:
                raise IRError(f"type '{t}' has no LLVM IR counterpart", loc)
            return name
        if c is L.LLVMPointerType:
            return f"ptr addrspace({t.address_space})" if t.address_space else "ptr"
        if c is T.VectorType:
            if t.scalable:
                raise IRError(f"scalable vector type '{t}' is not supported: the host CPU's "
                              "code generator cannot lower it", loc)
            if len(t.shape) != 1 or t.shape[0] <= 0:
                raise IRError(f"type '{t}' has no LLVM IR counterpart: LLVM vectors have one "
                              "non-zero dimension", loc)
            return f"<{t.shape[0]} x {self.type(t.element_type, loc)}>"
        if c is L.LLVMArrayType:
            return f"[{t.num_elements} x {self.type(t.element_type, loc)}]"
        if c is L.LLVMStructType:
            if t.name is not None:
                self._identified(t, loc)
                return _name("%", t.name)
            return self._struct_body(t, loc)
        if c is L.LLVMFunctionType:
            params = [self.type(p, loc) for p in t.params] + (["..."] if t.vararg else [])
            return f"{self.type(t.result, loc)} ({', '.join(params)})"
        if c is L.LLVMPrimitiveType:
            if t.keyword in ("ppc_fp128", "x86_amx"):
                raise IRError(f"type '{t}' is not supported: the host CPU's code generator "
                              "cannot lower it", loc)
            return t.keyword
        raise IRError(f"type '{t}' has no LLVM IR counterpart", loc)

    def _struct_body(self, t, loc):
        body = ", ".join(self.type(e, loc) for e in t.body_types)
        text = f"{{ {body} }}" if body else "{}"
        return f"<{text}>" if t.packed else text

    def _identified(self, t, loc):
        known = self.structs.get(t.name)
        if known is not None:
            if known[0] != t:
                raise IRError(f"identified struct \"{t.name}\" has two different bodies: "
                              f"'{known[0]}' and '{t}'", loc)
            return
        self.structs[t.name] = (t, "opaque" if t.opaque else self._struct_body(t, loc))
        self.struct_order.append(t.name)

    # -- constants --------------------------------------------------------------------------
    def md(self, text):
        """The `!N` of a metadata node."""
        n = self.metadata.get(text)
        if n is None:
            n = self.metadata[text] = f"!{len(self.metadata)}"
        return n

    def constant(self, attr, t, op):
        """The LLVM constant (without its type) of attribute `attr` as a value of type `t`."""
        c = attr.__class__
        if t.__class__ is T.VectorType and c in (IntegerAttr, FloatAttr):
            e = self.type(t.element_type, op.loc)
            one = self.constant(attr, t.element_type, op)
            return "<" + ", ".join([f"{e} {one}"] * t.shape[0]) + ">"
        if c is IntegerAttr:
            if t.__class__ is not T.IntegerType:
                raise _err(op, f"integer attribute does not fit type '{t}'")
            return _int_text(attr.value, t.width)
        if c is FloatAttr:
            if t.__class__ is not T.FloatType or attr.type != t:
                raise _err(op, f"floating-point attribute of type '{attr.type}' does not fit "
                               f"type '{t}'")
            self.type(t, op.loc)
            return _float_text(attr.value, t)
        if c is StringAttr:
            data = attr.value.encode("utf-8")
            if t.__class__ is not L.LLVMArrayType or t.element_type != T.i8 or \
                    t.num_elements != len(data):
                raise _err(op, f"string attribute of {len(data)} bytes does not fit type '{t}'")
            return _c_string(data)
        if c is DenseElementsAttr:
            return self._dense(attr, t, op)
        if c is ArrayAttr:
            if t.__class__ is L.LLVMStructType and not t.opaque:
                types = t.body_types
            elif t.__class__ is L.LLVMArrayType:
                types = [t.element_type] * t.num_elements
            else:
                types = None
            if types is None or len(types) != len(attr.value):
                raise _err(op, f"array attribute does not fit type '{t}'")
            return _aggregate(t, [f"{self.type(et, op.loc)} {self.constant(a, et, op)}"
                                  for a, et in zip(attr.value, types)])
        raise _err(op, f"attribute '{attr}' has no LLVM constant counterpart")

    def _dense(self, attr, t, op):
        count, leaf = _leaves(t)
        et = attr.type.element_type
        arr = np.ascontiguousarray(attr.array).reshape(-1)
        if et.__class__ is T.IndexType:
            et = T.i64
        ok = count == arr.size and (
            (leaf.__class__ is T.IntegerType and et.__class__ is T.IntegerType
             and leaf.width == et.width) or (leaf.__class__ is T.FloatType and leaf == et))
        if not ok:
            raise _err(op, f"dense attribute of type '{attr.type}' does not fit type '{t}'")
        lt = self.type(leaf, op.loc)
        self.type(t, op.loc)
        if leaf.__class__ is T.FloatType:
            zero = not (arr.view(np.uint8) if arr.dtype != object else arr).any()
        else:
            zero = not arr.any()
        if zero and arr.size:
            return "zeroinitializer"
        if leaf.__class__ is T.FloatType:
            values = _float_texts(arr, leaf)
        elif leaf.width == 1:
            values = ["true" if x else "false" for x in arr.tolist()]
        elif leaf.width in (8, 16, 32, 64) and arr.dtype != object:
            values = [str(x) for x in arr.astype(f"int{leaf.width}").tolist()]
        else:
            values = [_int_text(int(x), leaf.width) for x in arr.tolist()]
        if leaf == T.i8:
            raw = arr.astype(np.int64).astype(np.uint8).tobytes() if arr.dtype != object \
                else bytes(int(x) & 0xFF for x in arr.tolist())
        else:
            raw = None
        if t is leaf:  # a scalar from a one-element attribute (a rank-0 memref's global)
            return values[0]
        typed = [f"{lt} {v}" for v in values]
        return self._nest(t, typed, raw, 0)

    def _nest(self, t, typed, raw, start):
        """The constant of array/vector type `t` whose scalars start at `start`."""
        et = t.element_type
        if t.__class__ is T.VectorType:
            return "<" + ", ".join(typed[start:start + t.shape[0]]) + ">"
        if et.__class__ not in (L.LLVMArrayType, T.VectorType):
            if raw is not None:
                return _c_string(raw[start:start + t.num_elements])
            return "[" + ", ".join(typed[start:start + t.num_elements]) + "]"
        k = _leaves(et)[0]
        e = self.type(et)
        return "[" + ", ".join(f"{e} {self._nest(et, typed, raw, start + i * k)}"
                               for i in range(t.num_elements)) + "]"

    def constant_op(self, op):
        """The LLVM constant an llvm.mlir.constant/zero/undef/poison/addressof stands for."""
        name = op.name
        t = op.results[0].type
        if name == "llvm.mlir.constant":
            return self.constant(op.properties["value"], t, op)
        if name == "llvm.mlir.addressof":
            sym = op.properties["global_name"].root
            if sym not in self.symbols:
                raise _err(op, f"refers to '{sym}', which is not a global or function of "
                               "the module")
            return _name("@", sym)
        self.type(t, op.loc)
        if name == "llvm.mlir.undef":
            return "undef"
        if name == "llvm.mlir.poison":
            return "poison"
        return "null" if t.__class__ is L.LLVMPointerType else "zeroinitializer"

    # -- globals ----------------------------------------------------------------------------
    def global_(self, op):
        p = op.properties
        t = op.type
        ty = self.type(t, op.loc)
        if "thread_local_" in p:
            raise _err(op, "thread-local globals are not supported: lamina's JIT cannot "
                           "allocate thread-local storage")
        linkage = p["linkage"].case if "linkage" in p else "external"
        value = p.get("value")
        region = op.regions[0]
        if value is not None:
            init = self.constant(value, t, op)
        elif region.blocks:
            init = _GlobalInitializer(self, op).run()
        elif linkage in ("external", "extern_weak"):
            init = None
        else:
            init = "undef"  # LLVM wants an initializer for other linkages; upstream gives undef
        words = [_name("@", p["sym_name"].value), "="]
        if linkage != "external" or init is None:
            words.append(linkage)
        if "dso_local" in p:
            words.append("dso_local")
        words += self.visibility(op)
        words += self.unnamed_addr(op)
        space = p.get("addr_space")
        if space is not None and space.value:
            words.append(f"addrspace({space.value})")
        if "externally_initialized" in p:
            words.append("externally_initialized")
        words.append("constant" if "constant" in p else "global")
        words.append(ty)
        if init is not None:
            words.append(init)
        text = " ".join(words)
        if "section" in p:
            text += f', section "{_escape(p["section"].value)}"'
        if "alignment" in p:
            text += f", align {_pow2(op, p['alignment'])}"
        return text

    def visibility(self, op):
        # a symbol of local linkage has default visibility (LLVM refuses any other), and
        # nothing outside the module sees it anyway
        v = op.properties.get("visibility_")
        linkage = op.properties.get("linkage")
        if v is None or not v.value or (linkage is not None and
                                        linkage.case in ("private", "internal")):
            return []
        return [L.VISIBILITY.case(v)]

    def unnamed_addr(self, op):
        v = op.properties.get("unnamed_addr")
        return [L.UNNAMED_ADDR.case(v)] if v is not None and v.value else []

    # -- attributes -------------------------------------------------------------------------
    def fastmath(self, op, t=None):
        """The fast-math flags of `op`, with a trailing space; for calls and selects only
        when their type `t` is floating point."""
        a = op.properties.get("fastmathFlags")
        if a is None or not a.cases or (t is not None and not _is_fp(t)):
            return ""
        if len(set(a.cases)) == len(_FASTMATH):
            return "fast "
        return " ".join(f for f in _FASTMATH if f in a.cases) + " "

    def cconv(self, op):
        a = op.properties.get("CConv")
        if a is None:
            return ""
        word = _CCONVS.get(a.case)
        if word is None:
            raise _err(op, f"calling convention '{a.case}' is not supported: it is not one "
                           "the host CPU's code generator implements")
        return word + " " if word else ""

    def param_attrs(self, op, attrs):
        """LLVM parameter attributes (with a trailing space) of an arg_attrs/res_attrs entry."""
        if attrs is None:
            return ""
        out = []
        for key, a in attrs.value.items():
            if not key.startswith("llvm."):
                continue
            k = key[5:]
            if k in _PARAM_FLAGS:
                out.append(k)
            elif k == "nocapture":
                out.append("captures(none)")
            elif k in _PARAM_INTS and isinstance(a, IntegerAttr):
                v = _pow2(op, a, k) if k in ("align", "alignstack") else a.value
                out.append(f"align {v}" if k == "align" else f"{k}({v})")
            elif k in _PARAM_TYPES and isinstance(a, TypeAttr):
                out.append(f"{k}({self.type(a.value, op.loc)})")
            elif k not in _PARAM_HINTS:
                raise _err(op, f"parameter attribute '{key}' is not supported by the "
                               "translation")
        return " ".join(out) + " " if out else ""

    def fn_attrs(self, op):
        """Function attributes of an llvm.func or llvm.call, each with a leading space."""
        p = op.properties
        out = [w for k, w in _FN_FLAGS.items() if k in p]
        for entry in p.get("passthrough", ()):
            if isinstance(entry, StringAttr):
                key, value = entry.value, None
            elif isinstance(entry, ArrayAttr) and len(entry.value) == 2 and \
                    all(isinstance(x, StringAttr) for x in entry.value):
                key, value = entry.value[0].value, entry.value[1].value
            else:
                raise _err(op, f"passthrough entry {entry} is neither a string nor a pair of "
                               "strings")
            if key in _FN_DROPPED:
                continue
            if value is None and key in _FN_KEYWORDS:
                out.append(key)
            else:
                out.append(f'"{_escape(key)}"' + (f'="{_escape(value)}"'
                                                  if value is not None else ""))
        return "".join(" " + w for w in dict.fromkeys(out))

    def intrinsic(self, name, ret, params):
        """Declares the intrinsic `name` (once) and returns its `@name`."""
        if name not in self.intrinsics and name not in self.symbols:
            self.intrinsics[name] = f"declare {ret} {_name('@', name)}({', '.join(params)})"
        return _name("@", name)


# == global initializers =======================================================================

class _GlobalInitializer:
    """The constant a global's initializer region returns. The region may build it from
    constants, zero/undef/poison, addresses of symbols, and insertvalue."""

    def __init__(self, mod, op):
        self.mod = mod
        self.op = op
        self.values = {}

    def run(self):
        block = self.op.regions[0].blocks[0]
        for o in block:
            if o.name in _CONSTANT_OPS:
                kind = {"llvm.mlir.undef": "undef", "llvm.mlir.poison": "poison",
                        "llvm.mlir.zero": "zero"}.get(o.name)
                self.values[o.results[0]] = (kind,) if kind else ("text",
                                                                  self.mod.constant_op(o))
            elif o.name == "llvm.insertvalue":
                agg = self.values[o.operands[0]]
                self.values[o.results[0]] = self.insert(agg, o.operands[0].type,
                                                        list(o.properties["position"].value),
                                                        self.values[o.operands[1]])
            elif o.name == "llvm.return":
                if not o.operands:
                    raise _err(o, "must return the global's initial value")
                return self.render(self.values[o.operands[0]], o.operands[0].type)
            else:
                raise _err(o, "cannot be evaluated in a global's initializer: lamina "
                              "evaluates constants, zero/undef/poison, addressof and "
                              "insertvalue there")
        raise _err(self.op, "initializer region has no llvm.return")

    @staticmethod
    def members(t):
        if t.__class__ is L.LLVMStructType:
            return list(t.body_types)
        return [t.element_type] * t.num_elements

    def insert(self, agg, t, pos, value):
        kinds = self.members(t)
        if agg[0] == "agg":
            items = list(agg[1])
        elif agg[0] in ("undef", "poison", "zero"):
            items = [(agg[0],)] * len(kinds)
        else:
            raise _err(self.op, "insertvalue into a constant aggregate written as a whole is "
                                "not supported in an initializer")
        i = pos[0]
        items[i] = value if len(pos) == 1 else self.insert(items[i], kinds[i], pos[1:], value)
        return ("agg", items)

    def render(self, c, t):
        kind = c[0]
        if kind == "text":
            return c[1]
        if kind in ("undef", "poison"):
            return kind
        if kind == "zero":
            return "null" if t.__class__ is L.LLVMPointerType else "zeroinitializer"
        return _aggregate(t, [f"{self.mod.type(et)} {self.render(x, et)}"
                              for x, et in zip(c[1], self.members(t))])


# == functions =================================================================================

def _int_flags(p):
    """LLVM's keywords for the integer flags among properties `p`."""
    of = p.get("overflowFlags")
    out = [w for w, bit in (("nuw", 2), ("nsw", 1)) if of is not None and of.value & bit]
    return out + [w for k, w in (("isExact", "exact"), ("isDisjoint", "disjoint"),
                                 ("nonNeg", "nneg")) if k in p]


_INT_BINARY = ("add", "sub", "mul", "shl", "udiv", "sdiv", "lshr", "ashr", "urem", "srem", "and",
               "or", "xor")
_FLOAT_BINARY = ("fadd", "fsub", "fmul", "fdiv", "frem")
_BRANCHES = ("llvm.br", "llvm.cond_br", "llvm.switch")
_CASTS = ("bitcast", "addrspacecast", "inttoptr", "ptrtoint", "sext", "zext", "trunc", "sitofp",
          "uitofp", "fptosi", "fptoui", "fpext", "fptrunc")


class _Function:
    def __init__(self, mod, op):
        self.mod = mod
        self.op = op
        self.names = {}
        self.lines = []

    def type(self, t):
        return self.mod.type(t, self.op.loc)

    def ref(self, v):
        s = self.names.get(v)
        if s is None:
            o = v.owner
            if getattr(o, "name", None) not in _CONSTANT_OPS:
                raise IRError("a value is used where its definition is not translated",
                              getattr(o, "loc", self.op.loc))
            s = self.names[v] = self.mod.constant_op(o)
        return s

    def typed(self, v):
        return f"{self.type(v.type)} {self.ref(v)}"

    # -- the function ----------------------------------------------------------------------
    def run(self):
        op = self.op
        p = op.properties
        ft = op.type
        if "garbageCollector" in p:
            raise _err(op, f"garbage collector \"{p['garbageCollector'].value}\" is not "
                           "supported: the host's code generator knows none")
        linkage = p["linkage"].case if "linkage" in p else "external"
        arg_attrs = p.get("arg_attrs")
        res_attrs = p.get("res_attrs")
        decl = op.is_declaration
        if not decl:
            self._plan()
        params = []
        for i, t in enumerate(ft.params):
            a = self.mod.param_attrs(op, arg_attrs[i] if arg_attrs is not None else None)
            s = f"{self.type(t)} {a}".rstrip()
            if not decl:
                s += " " + self.names[op.entry.args[i]]
            params.append(s)
        if ft.vararg:
            params.append("...")
        words = ["declare" if decl else "define"]
        if linkage != "external":
            words.append(linkage)
        if "dso_local" in p:
            words.append("dso_local")
        words += self.mod.visibility(op)
        head = " ".join(words) + " " + self.mod.cconv(op)
        if "nvvm.kernel" in op.attributes:  # a CUDA kernel (LLVM's NVPTX calling convention)
            head += "ptx_kernel "
        ret = self.mod.param_attrs(op, res_attrs[0] if res_attrs is not None and
                                   len(res_attrs.value) else None)
        head += f"{ret}{self.type(ft.result)} {_name('@', op.sym)}({', '.join(params)})"
        for w in self.mod.unnamed_addr(op):
            head += " " + w
        head += self.mod.fn_attrs(op)
        if "section" in p:
            head += f' section "{_escape(p["section"].value)}"'
        if "alignment" in p:
            head += f" align {_pow2(op, p['alignment'])}"
        if decl:
            return head
        self._body()
        return head + " {\n" + "\n".join(self.lines) + "\n}"

    def _plan(self):
        """Names, reachable blocks, and the phi entries each block receives."""
        entry = self.op.entry
        if entry.predecessors():
            raise _err(self.op, "entry block must not have predecessors (LLVM's entry block "
                                "cannot be branched to)")
        seen = {entry}
        stack = [entry]
        while stack:
            b = stack.pop()
            term = b.terminator
            for s in reversed(term.successors if term is not None else ()):
                if s not in seen:
                    seen.add(s)
                    stack.append(s)
        self.blocks = [b for b in self.op.regions[0].blocks if b in seen]
        self.labels = {b: f"bb{i}" for i, b in enumerate(self.blocks)}
        n = 0
        names = self.names
        for b in self.blocks:
            for a in b.args:
                names[a] = f"%v{n}"
                n += 1
            for o in b:
                if o.name in _CONSTANT_OPS:
                    continue
                for r in o.results:
                    names[r] = f"%v{n}"
                    n += 1
        self.incoming = {b: [] for b in self.blocks}
        self.edges = {}  # (terminator, successor index) -> label its branch names
        self.splits = {}  # block -> [(label of an edge block, target)]
        for b in self.blocks:
            term = b.terminator
            if term is None:
                raise _err(self.op, "has a block without a terminator")
            if term.successors and term.name not in _BRANCHES:
                raise _err(term, "cannot be converted to LLVM IR: the translation does not "
                                 "know this op")
            targets = set()
            for i, s in enumerate(term.successors):
                if not s.args:
                    continue
                pred = self.labels[b]
                if s in targets:
                    pred = f"{pred}.e{i}"
                    self.splits.setdefault(b, []).append((pred, s))
                    self.edges[(term, i)] = pred
                targets.add(s)
                self.incoming[s].append((term.successor_operands(i), pred))

    def _body(self):
        emit = self.lines.append
        entry = self.op.entry
        for b in self.blocks:
            emit(f"{self.labels[b]}:")
            if b is not entry:
                for k, a in enumerate(b.args):
                    ins = ", ".join(f"[ {self.ref(vals[k])}, %{pred} ]"
                                    for vals, pred in self.incoming[b])
                    emit(f"  {self.names[a]} = phi {self.type(a.type)} {ins}")
            for o in b:
                if o.name in _CONSTANT_OPS:
                    continue
                text = self._op(o)
                if o.results:
                    text = f"{self.names[o.results[0]]} = {text}"
                emit("  " + text)
            for label, target in self.splits.get(b, ()):
                emit(f"{label}:")
                emit(f"  br label %{self.labels[target]}")

    # -- ops --------------------------------------------------------------------------------
    def _op(self, o):
        name = o.name
        if len(o.results) > 1:
            raise _err(o, "has more than one result: LLVM instructions have one")
        short = name[5:] if name.startswith("llvm.") else None
        if short in _INT_BINARY:
            return self._int_binary(o, short)
        if short in _FLOAT_BINARY:
            return (f"{short} {self.mod.fastmath(o)}{self.typed(o.operands[0])}, "
                    f"{self.ref(o.operands[1])}")
        if short in _CASTS:
            return self._cast(o, short)
        if short is not None and short.startswith("intr."):
            return self._intrinsic(o, short[5:])
        intrinsic = getattr(o, "llvm_intrinsic", None)
        if intrinsic is not None:  # ops of target dialects (nvvm) name their intrinsic
            return self._named_intrinsic(o, intrinsic)
        handler = _HANDLERS.get(name)
        if handler is None:
            raise _err(o, "cannot be converted to LLVM IR: the translation does not know "
                          "this op")
        return handler(self, o)

    def _named_intrinsic(self, o, name):
        extra = list(getattr(o, "llvm_intrinsic_args", ()))
        args = [self.typed(v) for v in o.operands] + extra
        params = [self.type(v.type) for v in o.operands] + [x.split()[0] for x in extra]
        ret = self.type(o.results[0].type) if o.results else "void"
        return f"call {ret} {self.mod.intrinsic(name, ret, params)}({', '.join(args)})"

    def _int_binary(self, o, opcode):
        head = " ".join([opcode] + _int_flags(o.properties))
        return f"{head} {self.typed(o.operands[0])}, {self.ref(o.operands[1])}"

    def _cast(self, o, opcode):
        head = " ".join([opcode] + _int_flags(o.properties))
        return f"{head} {self.typed(o.operands[0])} to {self.type(o.results[0].type)}"

    def _fneg(self, o):
        return f"fneg {self.mod.fastmath(o)}{self.typed(o.operands[0])}"

    def _icmp(self, o):
        pred = L.ICMP.case(o.properties["predicate"])
        return f"icmp {pred} {self.typed(o.operands[0])}, {self.ref(o.operands[1])}"

    def _fcmp(self, o):
        pred = L.FCMP.case(o.properties["predicate"]).lstrip("_")
        return (f"fcmp {self.mod.fastmath(o)}{pred} {self.typed(o.operands[0])}, "
                f"{self.ref(o.operands[1])}")

    def _select(self, o):
        c, a, b = o.operands
        fm = self.mod.fastmath(o, o.results[0].type)
        return f"select {fm}{self.typed(c)}, {self.typed(a)}, {self.typed(b)}"

    def _freeze(self, o):
        return f"freeze {self.typed(o.operands[0])}"

    def _alignment(self, o):
        a = o.properties.get("alignment")
        return _pow2(o, a) if a is not None else None

    def _memory_md(self, o):
        out = ""
        if "nontemporal" in o.properties:
            out += f", !nontemporal {self.mod.md('!{i32 1}')}"
        if "invariant" in o.properties:
            out += f", !invariant.load {self.mod.md('!{}')}"
        return out

    def _access(self, o):
        """(`atomic `/``, `volatile `/``, the ordering part, the alignment part)."""
        p = o.properties
        order = _ORDERINGS[p["ordering"].value] if "ordering" in p else None
        vol = "volatile " if "volatile_" in p else ""
        align = self._alignment(o)
        if order is None:
            return "", vol, "", f", align {align}" if align else ""
        if align is None:
            raise _err(o, "expected alignment for atomic access")
        scope = f' syncscope("{_escape(p["syncscope"].value)}")' if "syncscope" in p else ""
        return "atomic ", vol, f"{scope} {order}", f", align {align}"

    def _load(self, o):
        t = o.results[0].type
        atomic, vol, order, align = self._access(o)
        return (f"load {atomic}{vol}{self.type(t)}, {self.typed(o.operands[0])}{order}{align}"
                + self._memory_md(o))

    def _store(self, o):
        v, addr = o.operands
        atomic, vol, order, align = self._access(o)
        return (f"store {atomic}{vol}{self.typed(v)}, {self.typed(addr)}{order}{align}"
                + self._memory_md(o))

    def _alloca(self, o):
        p = o.properties
        t = self.type(p["elem_type"].value)
        text = f"alloca {'inalloca ' if 'inalloca' in p else ''}{t}, {self.typed(o.operands[0])}"
        align = self._alignment(o)
        if align:
            text += f", align {align}"
        space = o.results[0].type.address_space
        if space:
            text += f", addrspace({space})"
        return text

    def _gep(self, o):
        p = o.properties
        flags = p.get("noWrapFlags")
        words = ["getelementptr"]
        if flags is not None:
            if flags.value & 1:
                words.append("inbounds")
            elif flags.value & 2:
                words.append("nusw")
            if flags.value & 4:
                words.append("nuw")
        idx = [f"i32 {i}" if isinstance(i, int) else self.typed(i) for i in o.indices]
        return (f"{' '.join(words)} {self.type(p['elem_type'].value)}, "
                f"{', '.join([self.typed(o.operands[0])] + idx)}")

    def _extractvalue(self, o):
        pos = ", ".join(map(str, o.properties["position"].value))
        return f"extractvalue {self.typed(o.operands[0])}, {pos}"

    def _insertvalue(self, o):
        pos = ", ".join(map(str, o.properties["position"].value))
        return f"insertvalue {self.typed(o.operands[0])}, {self.typed(o.operands[1])}, {pos}"

    def _extractelement(self, o):
        return f"extractelement {self.typed(o.operands[0])}, {self.typed(o.operands[1])}"

    def _insertelement(self, o):
        v, x, i = o.operands
        return f"insertelement {self.typed(v)}, {self.typed(x)}, {self.typed(i)}"

    def _shufflevector(self, o):
        mask = o.properties["mask"].value
        if not mask:
            raise _err(o, "has an empty mask: LLVM vectors have at least one element")
        m = ", ".join("i32 poison" if i < 0 else f"i32 {i}" for i in mask)
        return (f"shufflevector {self.typed(o.operands[0])}, {self.typed(o.operands[1])}, "
                f"<{len(mask)} x i32> <{m}>")

    # -- control flow -----------------------------------------------------------------------
    def _dest(self, term, i):
        return "%" + self.edges.get((term, i), self.labels[term.successors[i]])

    def _weights(self, o):
        w = o.properties.get("branch_weights")
        if w is None or not len(w.value):
            return ""
        node = "!{!\"branch_weights\", " + ", ".join(f"i32 {x}" for x in w.value) + "}"
        return f", !prof {self.mod.md(node)}"

    def _return(self, o):
        return f"ret {self.typed(o.operands[0])}" if o.operands else "ret void"

    def _br(self, o):
        return f"br label {self._dest(o, 0)}"

    def _cond_br(self, o):
        return (f"br {self.typed(o.operands[0])}, label {self._dest(o, 0)}, "
                f"label {self._dest(o, 1)}{self._weights(o)}")

    def _switch(self, o):
        v = o.operands[0]
        if v.type.__class__ is not T.IntegerType:
            raise _err(o, f"switches on a value of type '{v.type}': LLVM's switch takes an "
                          "integer")
        t = self.type(v.type)
        cases, seen = "", set()
        for i, (value, _, _) in enumerate(o.cases, 1):
            c = _int_text(value, v.type.width)
            if c in seen:
                raise _err(o, f"has two cases for the value {c}")
            seen.add(c)
            cases += f"\n    {t} {c}, label {self._dest(o, i)}"
        return f"switch {self.typed(v)}, label {self._dest(o, 0)} [{cases}\n  ]{self._weights(o)}"

    def _unreachable(self, o):
        return "unreachable"

    # -- calls ------------------------------------------------------------------------------
    def _call(self, o):
        p = o.properties
        args = list(o.callee_operands)
        callee = p.get("callee")
        if callee is None:
            target = self.ref(args.pop(0))
        else:
            if callee.root not in self.mod.symbols:
                raise _err(o, f"calls '{callee.root}', which is not a function of the module")
            target = _name("@", callee.root)
        ret_t = o.results[0].type if o.results else L.void
        vt = p.get("var_callee_type")
        fnty = self.type(vt.value) if vt is not None else self.type(ret_t)
        arg_attrs = p.get("arg_attrs")
        res_attrs = p.get("res_attrs")
        argv = []
        for i, v in enumerate(args):
            a = self.mod.param_attrs(o, arg_attrs[i] if arg_attrs is not None and
                                     i < len(arg_attrs.value) else None)
            argv.append(f"{self.type(v.type)} {a}{self.ref(v)}")
        kind = p.get("TailCallKind")
        words = "" if kind is None or kind.case == "none" else kind.case + " "
        words += "call " + self.mod.fastmath(o, ret_t) + self.mod.cconv(o)
        words += self.mod.param_attrs(o, res_attrs[0] if res_attrs is not None and
                                      len(res_attrs.value) else None)
        text = f"{words}{fnty} {target}({', '.join(argv)}){self.mod.fn_attrs(o)}"
        sizes = p["op_bundle_sizes"].value if "op_bundle_sizes" in p else ()
        if sizes:
            tags = p.get("op_bundle_tags")
            values = list(o.op_bundle_operands)
            bundles, k = [], 0
            for i, n in enumerate(sizes):
                tag = tags.value[i].value if tags is not None and i < len(tags.value) else ""
                bundles.append(f'"{_escape(tag)}"(' +
                               ", ".join(self.typed(v) for v in values[k:k + n]) + ")")
                k += n
            text += " [ " + ", ".join(bundles) + " ]"
        return text

    def _intrinsic(self, o, short):
        p = o.properties
        operands = list(o.operands)
        args = [self.typed(v) for v in operands]
        params = [self.type(v.type) for v in operands]
        special = _SPECIAL_INTRINSICS.get(short)
        if short in ("masked.load", "masked.store"):
            return self._masked(o, short)
        if special is not None:
            overloads, extras = special
            args += [extra(o) for extra in extras]
            params += ["i1"] * len(extras)
        elif short.startswith("vector.reduce."):
            overloads = (_operand_type(len(operands) - 1),)
        elif o.results and all(v.type == o.results[0].type for v in operands) and \
                set(p) <= {"fastmathFlags"}:
            overloads = (_result_type,)
        else:
            raise _err(o, "cannot be converted to LLVM IR: the translation does not know "
                          "this intrinsic")
        if short == "powi" and operands[1].type != T.i32:
            raise _err(o, "exponent must be i32: LLVM's code generator calls the C library's "
                          "`int` variant")
        name = "llvm." + ".".join([short] + [_mangle(f(o)) for f in overloads])
        ret_t = o.results[0].type if o.results else L.void
        ret = self.type(ret_t)
        fn = self.mod.intrinsic(name, ret, params)
        return f"call {self.mod.fastmath(o, ret_t)}{ret} {fn}({', '.join(args)})"

    def _masked(self, o, short):
        align = _pow2(o, o.properties["alignment"])
        if short == "masked.load":
            t = o.results[0].type
            ptr, mask = o.operands[0], o.operands[1]
            pass_thru = o.operands[2:]
            passed = self.typed(pass_thru[0]) if pass_thru else f"{self.type(t)} poison"
            args = [f"{self.type(ptr.type)} align {align} {self.ref(ptr)}", self.typed(mask),
                    passed]
            params = [self.type(ptr.type), self.type(mask.type), self.type(t)]
            name = f"llvm.masked.load.{_mangle(t)}.{_mangle(ptr.type)}"
            ret = self.type(t)
        else:
            value, ptr, mask = o.operands
            args = [self.typed(value), f"{self.type(ptr.type)} align {align} {self.ref(ptr)}",
                    self.typed(mask)]
            params = [self.type(value.type), self.type(ptr.type), self.type(mask.type)]
            name = f"llvm.masked.store.{_mangle(value.type)}.{_mangle(ptr.type)}"
            ret = "void"
        return f"call {ret} {self.mod.intrinsic(name, ret, params)}({', '.join(args)})"


_HANDLERS = {
    "llvm.fneg": _Function._fneg,
    "llvm.icmp": _Function._icmp,
    "llvm.fcmp": _Function._fcmp,
    "llvm.select": _Function._select,
    "llvm.freeze": _Function._freeze,
    "llvm.load": _Function._load,
    "llvm.store": _Function._store,
    "llvm.alloca": _Function._alloca,
    "llvm.getelementptr": _Function._gep,
    "llvm.extractvalue": _Function._extractvalue,
    "llvm.insertvalue": _Function._insertvalue,
    "llvm.extractelement": _Function._extractelement,
    "llvm.insertelement": _Function._insertelement,
    "llvm.shufflevector": _Function._shufflevector,
    "llvm.return": _Function._return,
    "llvm.br": _Function._br,
    "llvm.cond_br": _Function._cond_br,
    "llvm.switch": _Function._switch,
    "llvm.unreachable": _Function._unreachable,
    "llvm.call": _Function._call,
}
