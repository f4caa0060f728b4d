"""The builtin types, printed exactly as MLIR prints them."""

from __future__ import annotations

from .core import Type

DYNAMIC = -1  # a `?` dimension (MLIR's ShapedType::kDynamic)


class IntegerType(Type):
    __slots__ = ("width", "signedness")

    def __init__(self, width, signedness=""):
        self.width = width
        self.signedness = signedness  # "" signless, "s" signed, "u" unsigned

    def _key(self):
        return (self.width, self.signedness)

    def __str__(self):
        return f"{self.signedness}i{self.width}"

    @property
    def is_unsigned(self):
        return self.signedness == "u"

    @property
    def is_signless(self):
        return self.signedness == ""


class IndexType(Type):
    __slots__ = ()

    def _key(self):
        return ()

    def __str__(self):
        return "index"


class FloatType(Type):
    __slots__ = ("name", "width")
    WIDTHS = {"f16": 16, "bf16": 16, "f32": 32, "f64": 64, "f80": 80, "f128": 128, "tf32": 19}

    def __init__(self, name):
        self.name = name
        self.width = self.WIDTHS[name]

    def _key(self):
        return self.name

    def __str__(self):
        return self.name


class NoneType(Type):
    __slots__ = ()

    def _key(self):
        return ()

    def __str__(self):
        return "none"


class ComplexType(Type):
    __slots__ = ("element_type",)

    def __init__(self, element_type):
        self.element_type = element_type

    def _key(self):
        return self.element_type

    def __str__(self):
        return f"complex<{self.element_type}>"


class TupleType(Type):
    __slots__ = ("types",)

    def __init__(self, types):
        self.types = tuple(types)

    def _key(self):
        return self.types

    def __str__(self):
        return f"tuple<{', '.join(map(str, self.types))}>"


class FunctionType(Type):
    __slots__ = ("inputs", "results")

    def __init__(self, inputs, results):
        self.inputs = tuple(inputs)
        self.results = tuple(results)

    def _key(self):
        return (self.inputs, self.results)

    def __str__(self):
        ins = ", ".join(map(str, self.inputs))
        return f"({ins}) -> {print_result_types(self.results)}"


def print_result_types(results):
    """MLIR drops the parentheses around a single non-function result type."""
    if len(results) == 1 and not isinstance(results[0], FunctionType):
        return str(results[0])
    return "(" + ", ".join(map(str, results)) + ")"


def _dims(shape):
    return "".join(("?" if d == DYNAMIC else str(d)) + "x" for d in shape)


class ShapedType(Type):
    """Common queries of tensor, memref and vector types."""

    __slots__ = ()
    shape: tuple
    element_type: Type

    @property
    def rank(self):
        return len(self.shape)

    @property
    def has_static_shape(self):
        return DYNAMIC not in self.shape

    @property
    def num_elements(self):
        n = 1
        for d in self.shape:
            if d == DYNAMIC:
                return None
            n *= d
        return n

    def is_dynamic_dim(self, i):
        return self.shape[i] == DYNAMIC

    @property
    def num_dynamic_dims(self):
        return sum(1 for d in self.shape if d == DYNAMIC)


class RankedTensorType(ShapedType):
    __slots__ = ("shape", "element_type", "encoding")

    def __init__(self, shape, element_type, encoding=None):
        self.shape = tuple(shape)
        self.element_type = element_type
        self.encoding = encoding

    def _key(self):
        return (self.shape, self.element_type, self.encoding)

    def __str__(self):
        enc = f", {self.encoding}" if self.encoding is not None else ""
        return f"tensor<{_dims(self.shape)}{self.element_type}{enc}>"

    def clone(self, shape=None, element_type=None):
        return RankedTensorType(self.shape if shape is None else shape,
                                self.element_type if element_type is None else element_type)


class UnrankedTensorType(Type):
    __slots__ = ("element_type",)

    def __init__(self, element_type):
        self.element_type = element_type

    def _key(self):
        return self.element_type

    def __str__(self):
        return f"tensor<*x{self.element_type}>"


class MemRefType(ShapedType):
    """`layout` is None (identity) or an attribute (`StridedLayoutAttr`, `AffineMapAttr`)."""

    __slots__ = ("shape", "element_type", "layout", "memory_space")

    def __init__(self, shape, element_type, layout=None, memory_space=None):
        self.shape = tuple(shape)
        self.element_type = element_type
        self.layout = layout
        self.memory_space = memory_space

    def _key(self):
        return (self.shape, self.element_type, self.layout, self.memory_space)

    def __str__(self):
        s = f"memref<{_dims(self.shape)}{self.element_type}"
        if self.layout is not None:
            s += f", {self.layout}"
        if self.memory_space is not None:
            s += f", {_elided(self.memory_space)}"
        return s + ">"

    def strides_and_offset(self):
        """(strides, offset) with DYNAMIC for unknown ones; identity layout is row-major."""
        layout = self.layout
        if layout is None or getattr(layout, "is_identity", False):
            strides, acc = [], 1
            for d in reversed(self.shape):
                strides.append(acc)
                acc = DYNAMIC if (d == DYNAMIC or acc == DYNAMIC) else acc * d
            return tuple(reversed(strides)), 0
        if hasattr(layout, "strides"):
            return tuple(layout.strides), layout.offset
        raise ValueError(f"layout {layout} has no strided form")


def _elided(attr):
    # a memory space prints as MLIR prints it where the type may be elided: `1`, not `1 : i64`
    f = getattr(attr, "str_elided", None)
    return f() if f is not None else str(attr)


class UnrankedMemRefType(Type):
    __slots__ = ("element_type", "memory_space")

    def __init__(self, element_type, memory_space=None):
        self.element_type = element_type
        self.memory_space = memory_space

    def _key(self):
        return (self.element_type, self.memory_space)

    def __str__(self):
        ms = f", {_elided(self.memory_space)}" if self.memory_space is not None else ""
        return f"memref<*x{self.element_type}{ms}>"


class VectorType(ShapedType):
    __slots__ = ("shape", "element_type", "scalable")

    def __init__(self, shape, element_type, scalable=None):
        self.shape = tuple(shape)
        self.element_type = element_type
        self.scalable = tuple(scalable) if scalable and any(scalable) else None

    def _key(self):
        return (self.shape, self.element_type, self.scalable)

    def __str__(self):
        dims = ""
        for i, d in enumerate(self.shape):
            dims += (f"[{d}]" if self.scalable and self.scalable[i] else str(d)) + "x"
        return f"vector<{dims}{self.element_type}>"


class OpaqueType(Type):
    """A type of an unregistered dialect, kept as its text: `!foo.bar<...>`."""

    __slots__ = ("dialect", "text")

    def __init__(self, dialect, text):
        self.dialect = dialect
        self.text = text

    def _key(self):
        return (self.dialect, self.text)

    def __str__(self):
        return f"!{self.dialect}.{self.text}"


# Frequently used instances; types compare structurally, so these are conveniences only.
i1 = IntegerType(1)
i8 = IntegerType(8)
i16 = IntegerType(16)
i32 = IntegerType(32)
i64 = IntegerType(64)
index = IndexType()
f16 = FloatType("f16")
bf16 = FloatType("bf16")
f32 = FloatType("f32")
f64 = FloatType("f64")
none = NoneType()


def is_int(t):
    return type(t) is IntegerType


def is_float(t):
    return type(t) is FloatType


def is_int_or_index(t):
    return type(t) is IntegerType or type(t) is IndexType


def element_type(t):
    """The element type of a shaped type, or the type itself."""
    return getattr(t, "element_type", t)
