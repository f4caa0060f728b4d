"""The builtin attributes and locations, printed exactly as MLIR prints them."""

from __future__ import annotations

import math
import struct

import numpy as np

from .core import Attribute
from .types import (DYNAMIC, FloatType, IndexType, IntegerType, ShapedType, i1, i64, f32, f64)


# -- number formatting shared by scalar and dense attributes ---------------------------

def _to_bits(value, ftype):
    if ftype.name == "f64":
        return struct.unpack("<Q", struct.pack("<d", value))[0], 16
    if ftype.name == "f32":
        return struct.unpack("<I", struct.pack("<f", value))[0], 8
    if ftype.name == "f16":
        return int(np.array(value, np.float16).view(np.uint16)), 4
    if ftype.name == "bf16":
        return round_bf16_bits(value), 4
    return struct.unpack("<Q", struct.pack("<d", value))[0], 16


def round_bf16_bits(value):
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    if math.isnan(value):
        return 0x7FC0
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) & 0xFFFF


def from_float_bits(bits, ftype):
    if ftype.name == "f32":
        return struct.unpack("<f", struct.pack("<I", bits & 0xFFFFFFFF))[0]
    if ftype.name == "f16":
        return float(np.array(bits, np.uint16).view(np.float16))
    if ftype.name == "bf16":
        return struct.unpack("<f", struct.pack("<I", (bits & 0xFFFF) << 16))[0]
    return struct.unpack("<d", struct.pack("<Q", bits & 0xFFFFFFFFFFFFFFFF))[0]


def round_to(value, ftype):
    """`value` rounded to the precision of `ftype`, as a Python float."""
    name = ftype.name
    if name == "f64":
        return float(value)
    if name == "f32":
        return float(np.float32(value))
    if name == "f16":
        return float(np.float16(value))
    if name == "bf16":
        return from_float_bits(round_bf16_bits(float(np.float32(value))), ftype)
    return float(value)


def format_float(value, ftype):
    """MLIR's printFloatValue: `%.6e` when it round-trips, else the shortest form, else hex."""
    if math.isfinite(value):
        s = f"{value:.6e}"
        if round_to(float(s), ftype) == value and math.copysign(1, float(s)) == math.copysign(1, value):
            return s
        name = ftype.name
        s = (repr(value) if name == "f64" else str(np.float32(value)) if name == "f32"
             else str(np.float16(value)) if name == "f16" else "")
        if "." in s and round_to(float(s), ftype) == value:
            return s
    bits, digits = _to_bits(value, ftype)
    return f"0x{bits:0{digits}X}"


# -- scalar attributes -----------------------------------------------------------------

class IntegerAttr(Attribute):
    __slots__ = ("value", "type")

    def __init__(self, value, type=i64):
        self.value = int(value)
        self.type = type

    def _key(self):
        return (self.value, self.type)

    def __str__(self):
        t = self.type
        if type(t) is IntegerType and t.width == 1 and t.signedness == "":
            return "true" if self.value else "false"
        return f"{self.value} : {t}"

    def str_elided(self):
        """As MLIR prints it where the type may be elided (inside arrays): i64 goes bare."""
        t = self.type
        if type(t) is IntegerType and t.width == 64 and t.signedness == "":
            return str(self.value)
        return str(self)

    def str_without_type(self):
        t = self.type
        if type(t) is IntegerType and t.width == 1:
            return "true" if self.value else "false"
        return str(self.value)


def BoolAttr(value):
    return IntegerAttr(1 if value else 0, i1)


class FloatAttr(Attribute):
    __slots__ = ("value", "type")

    def __init__(self, value, type=f64):
        self.value = round_to(float(value), type)
        self.type = type

    def _key(self):
        # NaN payloads and -0.0 must stay distinct keys
        return (_to_bits(self.value, self.type)[0], self.type)

    def __str__(self):
        return f"{format_float(self.value, self.type)} : {self.type}"

    def str_elided(self):
        s = format_float(self.value, self.type)
        return s if self.type == f64 else f"{s} : {self.type}"

    def str_without_type(self):
        return format_float(self.value, self.type)


class StringAttr(Attribute):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def _key(self):
        return self.value

    def __str__(self):
        return quote_string(self.value)


def quote_string(s):
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'
    out = ['"']
    for b in s.encode("utf-8"):
        c = chr(b)
        if c == '"' or c == "\\" or b < 0x20 or b >= 0x7F:
            out.append(f"\\{b:02X}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


class UnitAttr(Attribute):
    __slots__ = ()

    def _key(self):
        return ()

    def __str__(self):
        return "unit"


class TypeAttr(Attribute):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def _key(self):
        return self.value

    def __str__(self):
        return str(self.value)


class ArrayAttr(Attribute):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = tuple(value)

    def _key(self):
        return self.value

    def __str__(self):
        return "[" + ", ".join(_elided(a) for a in self.value) + "]"

    def __iter__(self):
        return iter(self.value)

    def __len__(self):
        return len(self.value)

    def __getitem__(self, i):
        return self.value[i]


def _elided(a):
    f = getattr(a, "str_elided", None)
    return f() if f is not None else str(a)


def print_attr_dict(d):
    """`{a = 1 : i32, b}` with entries sorted by name, as MLIR's DictionaryAttr keeps them."""
    parts = []
    for k, v in sorted(d.items()):
        key = k if _is_bare_id(k) else quote_string(k)
        parts.append(key if type(v) is UnitAttr else f"{key} = {v}")
    return "{" + ", ".join(parts) + "}"


def _is_bare_id(k):
    if not k or not (k[0].isalpha() or k[0] == "_"):
        return False
    return all(c.isalnum() or c in "_$." for c in k) and k.isascii()


class DictionaryAttr(Attribute):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = dict(sorted(value.items()))

    def _key(self):
        return tuple(self.value.items())

    def __str__(self):
        return print_attr_dict(self.value)


class SymbolRefAttr(Attribute):
    __slots__ = ("root", "nested")

    def __init__(self, root, nested=()):
        self.root = root
        self.nested = tuple(nested)

    def _key(self):
        return (self.root, self.nested)

    def __str__(self):
        return "::".join(print_symbol(n) for n in (self.root,) + self.nested)

    @property
    def leaf(self):
        return self.nested[-1] if self.nested else self.root


def print_symbol(name):
    if name and (name[0].isalpha() or name[0] == "_") and all(
            c.isalnum() or c in "_$." for c in name) and name.isascii():
        return "@" + name
    return "@" + quote_string(name)


# -- aggregates ------------------------------------------------------------------------

def _np_dtype(t):
    if type(t) is FloatType:
        return {"f16": np.float16, "f32": np.float32, "f64": np.float64}.get(t.name, np.float64)
    if type(t) is IndexType:
        return np.int64
    if type(t) is IntegerType:
        if t.width == 1:
            return np.bool_
        for w in (8, 16, 32, 64):
            if t.width <= w:
                return getattr(np, ("uint" if t.signedness == "u" else "int") + str(w))
    return object


def _format_element(v, et):
    if type(et) is FloatType:
        return format_float(float(v), et)
    if type(et) is IntegerType and et.width == 1:
        return "true" if v else "false"
    return str(int(v))


class DenseElementsAttr(Attribute):
    """`dense<...> : tensor<...>`; values kept as a numpy array of the type's shape."""

    __slots__ = ("type", "array", "_splat")

    def __init__(self, type, values):
        self.type = type
        et = type.element_type
        arr = np.asarray(values, dtype=_np_dtype(et)) if et.__class__ is not FloatType or \
            et.name != "bf16" else np.asarray(values, dtype=np.float32)
        shape = tuple(type.shape)
        if arr.shape != shape:
            # `dense<>` of a type with no elements, or a splat
            arr = arr.reshape(shape) if arr.size == 0 and 0 in shape else \
                np.broadcast_to(arr, shape)
        self.array = arr
        self._splat = None

    def _key(self):
        return (self.type, self.array.tobytes())

    @property
    def is_splat(self):
        if self._splat is None:
            a = self.array
            self._splat = a.size > 0 and bool((a.reshape(-1) == a.reshape(-1)[0]).all()) \
                if a.dtype != object else False
        return self._splat

    @property
    def element_type(self):
        return self.type.element_type

    def splat_value(self):
        return self.array.reshape(-1)[0].item()

    def values_str(self):
        et = self.type.element_type
        a = self.array
        if a.size == 0:
            return "[]" if a.ndim else ""
        if self.is_splat:
            return _format_element(a.reshape(-1)[0], et)

        def rec(x):
            if x.ndim == 0:
                return _format_element(x, et)
            return "[" + ", ".join(rec(y) for y in x) + "]"
        return rec(a)

    def __str__(self):
        return f"dense<{self.values_str()}> : {self.type}"


class DenseArrayAttr(Attribute):
    __slots__ = ("element_type", "value")

    def __init__(self, element_type, value):
        self.element_type = element_type
        self.value = tuple(value)

    def _key(self):
        return (self.element_type, self.value)

    def __str__(self):
        if not self.value:
            return f"array<{self.element_type}>"
        vals = ", ".join(_format_element(v, self.element_type) for v in self.value)
        return f"array<{self.element_type}: {vals}>"

    def __iter__(self):
        return iter(self.value)

    def __len__(self):
        return len(self.value)

    def __getitem__(self, i):
        return self.value[i]


class StridedLayoutAttr(Attribute):
    __slots__ = ("strides", "offset")
    is_identity = False

    def __init__(self, strides, offset=0):
        self.strides = tuple(strides)
        self.offset = offset

    def _key(self):
        return (self.strides, self.offset)

    def __str__(self):
        s = ", ".join("?" if x == DYNAMIC else str(x) for x in self.strides)
        off = "" if self.offset == 0 else (", offset: " + ("?" if self.offset == DYNAMIC
                                                            else str(self.offset)))
        return f"strided<[{s}]{off}>"


class OpaqueAttr(Attribute):
    """An attribute of an unregistered dialect, kept as its text: `#foo.bar<...>`."""

    __slots__ = ("dialect", "text")

    def __init__(self, dialect, text):
        self.dialect = dialect
        self.text = text

    def _key(self):
        return (self.dialect, self.text)

    def __str__(self):
        return f"#{self.dialect}.{self.text}"


class EnumAttribute(Attribute):
    """Base of a dialect's enum attributes, `#arith.fastmath<nnan,ninf>`. Subclasses set
    `dialect`, `mnemonic`, `allowed` (case names); a bit enum (`bit_enum`) holds any subset and
    prints `none_case` when empty."""

    __slots__ = ("cases",)
    dialect = mnemonic = ""
    allowed = ()
    bit_enum = False
    none_case = None

    def __init__(self, cases):
        if isinstance(cases, str):
            cases = [c.strip() for c in cases.split(",") if c.strip()]
        cases = tuple(c for c in cases if c != self.none_case or not self.bit_enum)
        for c in cases:
            if c not in self.allowed:
                from .core import IRError
                raise IRError(f"'{c}' is not a case of #{self.dialect}.{self.mnemonic} "
                              f"(expected one of {', '.join(self.allowed)})")
        if not self.bit_enum and len(cases) != 1:
            from .core import IRError
            raise IRError(f"#{self.dialect}.{self.mnemonic} takes exactly one case")
        if self.bit_enum:
            cases = tuple(c for c in self.allowed if c in cases)
        self.cases = cases

    @classmethod
    def from_cases(cls, cases):
        return cls(cases)

    @classmethod
    def parse_body(cls, body):
        body = body.strip()
        if not (body.startswith("<") and body.endswith(">")):
            from .core import IRError
            raise IRError(f"expected '<' case '>' after #{cls.dialect}.{cls.mnemonic}")
        return cls(body[1:-1])

    @property
    def case(self):
        return self.cases[0] if self.cases else self.none_case

    def _key(self):
        return self.cases

    def body(self):
        return ",".join(self.cases) if self.cases else self.none_case

    def __str__(self):
        return f"#{self.dialect}.{self.mnemonic}<{self.body()}>"


# -- locations -------------------------------------------------------------------------

class Location(Attribute):
    __slots__ = ()

    def __str__(self):
        return f"loc({self.body()})"


class UnknownLoc(Location):
    __slots__ = ()

    def _key(self):
        return ()

    def body(self):
        return "unknown"


class FileLineColLoc(Location):
    __slots__ = ("file", "line", "col")

    def __init__(self, file, line, col):
        self.file = file
        self.line = line
        self.col = col

    def _key(self):
        return (self.file, self.line, self.col)

    def body(self):
        return f"{quote_string(self.file)}:{self.line}:{self.col}"


class NameLoc(Location):
    __slots__ = ("name", "child")

    def __init__(self, name, child=None):
        self.name = name
        self.child = child

    def _key(self):
        return (self.name, self.child)

    def body(self):
        c = f"({self.child.body()})" if self.child is not None and \
            type(self.child) is not UnknownLoc else ""
        return quote_string(self.name) + c


class CallSiteLoc(Location):
    __slots__ = ("callee", "caller")

    def __init__(self, callee, caller):
        self.callee = callee
        self.caller = caller

    def _key(self):
        return (self.callee, self.caller)

    def body(self):
        return f"callsite({self.callee.body()} at {self.caller.body()})"


class FusedLoc(Location):
    __slots__ = ("locs", "metadata")

    def __init__(self, locs, metadata=None):
        self.locs = tuple(locs)
        self.metadata = metadata

    def _key(self):
        return (self.locs, self.metadata)

    def body(self):
        md = f"<{self.metadata}>" if self.metadata is not None else ""
        return f"fused{md}[" + ", ".join(l.body() for l in self.locs) + "]"


UNKNOWN_LOC = UnknownLoc()


def file_line_col(loc):
    """The first file:line:col inside a location, for diagnostics."""
    stack = [loc]
    while stack:
        l = stack.pop()
        if type(l) is FileLineColLoc:
            return l
        if type(l) is NameLoc and l.child is not None:
            stack.append(l.child)
        elif type(l) is CallSiteLoc:
            stack.append(l.callee)
        elif type(l) is FusedLoc:
            stack.extend(reversed(l.locs))
    return None


def scalar_attr(value, type):
    """An IntegerAttr or FloatAttr of `type` holding `value`."""
    if type.__class__ is FloatType:
        return FloatAttr(value, type)
    return IntegerAttr(value, type)


__all__ = [n for n in dir() if not n.startswith("_")] + ["ShapedType", "f32", "f64"]
