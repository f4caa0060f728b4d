"""The upstream `memref` dialect: buffers, their allocation, element access and views.

Mixed static/dynamic lists (`%m[%i, 4]`) are stored as upstream stores them: the SSA values as
operands and every entry in a `DenseArrayAttr` of i64, where `KDYNAMIC` marks the entries that
come from operands. Layout arithmetic works on `MemRefType.strides_and_offset()` values, where
`types.DYNAMIC` stands for `?`.
"""

from __future__ import annotations

from ..ir import types as T
from ..ir.affine import (AffineBinary, AffineConst, AffineDim, AffineMap, AffineMapAttr,
                         AffineSymbol)
from ..ir.attributes import (ArrayAttr, DenseArrayAttr, DenseElementsAttr, IntegerAttr,
                             StridedLayoutAttr, StringAttr, SymbolRefAttr, TypeAttr, UnitAttr)
from ..ir.constraints import (AttrConstraint, DenseArrayOf, FlatSymbolRef, IntAttr, StrAttr,
                              SymbolName, TypeAttrOf, TypeConstraint, Unit)
from ..ir.core import IRError
from ..ir.format import custom_directive
from ..ir.opdef import (Alloc, AutomaticAllocationScope, Free, Op, Pure, Read, Symbol, Write,
                        operand, opt_prop, prop, result, var_operand, var_result)

KDYNAMIC = -(1 << 63)  # ShapedType::kDynamic, the marker of operand entries in static_* arrays
DYN = T.DYNAMIC


def q(t):
    """A type as MLIR's diagnostics quote it."""
    return f"'{t}'"


def expect_parsed(t, cls, mnemonic):
    """`t`, a type the custom syntax wrote where only a `cls` type may stand (the parse error
    otherwise is upstream's)."""
    if t.__class__ is not cls:
        raise IRError(f"invalid kind of type specified: expected builtin.{mnemonic}, but found "
                      f"{q(t)}")
    return t


# -- strided layouts ----------------------------------------------------------------------

def strides_and_offset(t):
    """(strides, offset) of a ranked memref type, DYNAMIC for `?`; None if its layout is not
    strided (MLIR's getStridesAndOffset)."""
    layout = t.layout
    if isinstance(layout, AffineMapAttr):
        return _affine_strides(layout.value, t.rank)
    try:
        return t.strides_and_offset()
    except ValueError:
        return None


def _affine_strides(amap, rank):
    if len(amap.results) != 1 or amap.num_dims != rank:
        return None
    strides, offset = [0] * rank, 0
    for term in _sum_terms(amap.results[0]):
        t = _product(term)
        if t is None:
            return None
        dim, coeff = t
        if dim is None:
            offset = add_sat(offset, coeff)
        else:
            strides[dim] = add_sat(strides[dim], coeff)
    return tuple(strides), offset


def _sum_terms(e):
    if isinstance(e, AffineBinary) and e.kind == "+":
        return _sum_terms(e.lhs) + _sum_terms(e.rhs)
    return [e]


def _product(e):
    """(dim position or None, coefficient) of a product of at most one dim with constants and
    symbols (a symbol makes the coefficient dynamic); None for anything else."""
    if isinstance(e, AffineDim):
        return e.position, 1
    if isinstance(e, AffineConst):
        return None, e.value
    if isinstance(e, AffineSymbol):
        return None, DYN
    if isinstance(e, AffineBinary) and e.kind == "*":
        a, b = _product(e.lhs), _product(e.rhs)
        if a is None or b is None or (a[0] is not None and b[0] is not None):
            return None
        return (a[0] if a[0] is not None else b[0]), mul_sat(a[1], b[1])
    return None


def mul_sat(a, b):
    """MLIR's SaturatedInteger product: 0 wins, then `?`."""
    if a == 0 or b == 0:
        return 0
    return DYN if DYN in (a, b) else a * b


def add_sat(a, b):
    return DYN if DYN in (a, b) else a + b


def is_strided(t):
    return t.__class__ is T.MemRefType and strides_and_offset(t) is not None


def has_identity_layout(t):
    """MLIR's `getLayout().isIdentity()`: no layout, or a strided one whose map is `(d0) -> (d0)`."""
    layout = t.layout
    return layout is None or (isinstance(layout, StridedLayoutAttr) and layout.offset == 0
                              and layout.strides == (1,))


def layout_symbol_count(t):
    """The number of symbols of the layout's affine map (one per `?` of a strided layout)."""
    layout = t.layout
    if layout is None:
        return 0
    if isinstance(layout, AffineMapAttr):
        return layout.value.num_symbols
    return sum(1 for x in layout.strides + (layout.offset,) if x == DYN)


# -- type and attribute constraints (described in MLIR's words) ------------------------------

def _is_memref(t):
    return t.__class__ is T.MemRefType


def _is_unranked(t):
    return t.__class__ is T.UnrankedMemRefType


MemRef = TypeConstraint(_is_memref, "memref of any type values")
RankedOrUnrankedMemRef = TypeConstraint(lambda t: _is_memref(t) or _is_unranked(t),
                                        "ranked or unranked memref of any type values")
NonZeroRankedOrUnrankedMemRef = TypeConstraint(
    lambda t: _is_unranked(t) or (_is_memref(t) and t.rank > 0),
    "unranked.memref of any type values or non-0-ranked.memref of any type values")
StridedMemRef = TypeConstraint(is_strided, "strided memref of any type values")
StaticShapeMemRef = TypeConstraint(lambda t: _is_memref(t) and t.has_static_shape,
                                   "statically shaped memref of any type values")
ByteMemRef1D = TypeConstraint(lambda t: _is_memref(t) and t.rank == 1 and t.element_type == T.i8,
                              "1D memref of 8-bit signless integer values")
Index = TypeConstraint(lambda t: t.__class__ is T.IndexType, "index", buildable=T.index)
VarIndex = TypeConstraint(Index.pred, "variadic of index", buildable=T.index)


class BoolFlag(AttrConstraint):
    """A BoolAttr defaulting to false (`nontemporal`)."""

    desc = "bool attribute"
    default = IntegerAttr(0, T.i1)

    def check(self, a):
        return a.__class__ is IntegerAttr and a.type == T.i1


class Alignment(IntAttr):
    """An i64 alignment in bytes: a positive power of two."""

    def __init__(self):
        super().__init__(T.i64)
        self.desc = ("64-bit signless integer attribute whose value is positive and whose value "
                     "is a power of two")

    def check(self, a):
        return super().check(a) and a.value > 0 and a.value & (a.value - 1) == 0


class Reassociation(AttrConstraint):
    """`[[0, 1], [2]]`: the groups of dimensions that collapse into one."""

    desc = "Array of 64-bit integer array attributes"

    def check(self, a):
        return a.__class__ is ArrayAttr and all(
            g.__class__ is ArrayAttr and all(x.__class__ is IntegerAttr and x.type == T.i64
                                             for x in g) for g in a)


class BareAffineMap(AttrConstraint):
    """An affine map written without `affine_map<...>` (memref.transpose's permutation)."""

    grammar = "affine_map"
    desc = "AffineMap attribute"

    def check(self, a):
        return a.__class__ is AffineMapAttr

    def build(self, amap):
        return AffineMapAttr(amap)

    def print(self, a):
        return str(a.value)


def reassociation_attr(groups):
    return ArrayAttr([ArrayAttr([IntegerAttr(d) for d in g]) for g in groups])


def reassociation_groups(attr):
    return [[x.value for x in g] for g in attr]


# -- mixed static/dynamic lists: `[%a, 4]` -----------------------------------------------------

def mixed_values(static, dynamic):
    """The entries of a static array with its operands in place of KDYNAMIC: [int | Value]."""
    it = iter(dynamic)
    return [next(it) if s == KDYNAMIC else s for s in static]


def split_mixed(values):
    """The (static DenseArrayAttr, dynamic operands) that store a list of ints and Values."""
    static, dynamic = [], []
    for v in values:
        if isinstance(v, int):
            static.append(v)
        else:
            static.append(KDYNAMIC)
            dynamic.append(v)
    return DenseArrayAttr(T.i64, static), dynamic


def type_dim(s):
    """A static-array entry as a type dimension (KDYNAMIC becomes `?`)."""
    return DYN if s == KDYNAMIC else s


def _index_list_build(child, parts, args):
    operands_field, static_field = args
    static, dynamic = [], []
    for tok in child:
        if tok.type == "VALUE_ID":
            dynamic.append(tok)
            static.append(KDYNAMIC)
        else:
            static.append(int(tok.value))
    parts.operands[operands_field.index] = dynamic
    parts.props[static_field.name] = DenseArrayAttr(T.i64, static)


def _index_list_print(op, p, args):
    operands_field, static_field = args
    static = op.properties.get(static_field.name)
    values = mixed_values(static.value if static is not None else (),
                          operands_field.__get__(op))
    p.element("[" + ", ".join(str(v) if isinstance(v, int) else p.name(v) for v in values)
              + "]")


custom_directive(
    "DynamicIndexList", "memref_index_list",
    r'''
memref_index_list: "[" [memref_index_entry ("," memref_index_entry)*] "]"
?memref_index_entry: VALUE_ID | INT
''',
    _index_list_build, _index_list_print,
    callbacks={"memref_index_list": lambda c: [] if c == [None] else c})


def _verify_dynamic_entries(op, static_name, operands, operand_group):
    """The count of KDYNAMIC entries matches the operands that fill them."""
    static = op.properties[static_name].value
    n = sum(1 for s in static if s == KDYNAMIC)
    if n != len(operands):
        raise IRError(f"expected the number of '{operand_group}' to match the number of dynamic "
                      f"entries in '{static_name}' ({len(operands)} vs {n})", op.loc)


# -- memref.global's `: type = initial value` ---------------------------------------------

def _global_build(child, parts, args):
    t, init = child
    if not (_is_memref(t) and t.has_static_shape):
        raise IRError(f"type should be static shaped memref, but got {q(t)}")
    parts.props["type"] = TypeAttr(t)
    if init is None:
        return
    if init[0] == "uninitialized":
        parts.props["initial_value"] = UnitAttr()
    else:
        from ..ir.parser import _dense  # only when parsing: importing lamina doesn't load it
        parts.props["initial_value"] = _dense(init[1], T.RankedTensorType(t.shape,
                                                                          t.element_type))


def _global_print(op, p, args):
    text = str(op.properties["type"].value)
    init = op.properties.get("initial_value")
    if init is not None:
        text += " = " + ("uninitialized" if init.__class__ is UnitAttr else
                         f"dense<{init.values_str()}>" if init.__class__ is DenseElementsAttr
                         else str(init))
    p.element(text)


custom_directive(
    "GlobalMemrefOpTypeAndInitialValue", "memref_global_type",
    r'''
memref_global_type: type ["=" memref_global_init]
memref_global_init: "uninitialized"              -> memref_global_uninitialized
                  | "dense" "<" [dense_value] ">" -> memref_global_dense
''',
    _global_build, _global_print,
    callbacks={
        "memref_global_type": lambda c: (c[0], c[1]),
        "memref_global_uninitialized": lambda c: ("uninitialized",),
        "memref_global_dense": lambda c: ("dense", c[0]),
    })


# -- allocation ---------------------------------------------------------------------------

def sizes_of(memref_type, dynamic_sizes):
    """Every dimension's size: an int, or the Value (of `dynamic_sizes`, in order) giving a
    dynamic one."""
    it = iter(dynamic_sizes)
    return [next(it) if d == DYN else d for d in memref_type.shape]


class _AllocLikeOp(Op):
    dynamic_sizes = var_operand(VarIndex)
    symbol_operands = var_operand(VarIndex)
    alignment = opt_prop(Alignment())
    memref = result(MemRef)
    effects = (Alloc("memref"),)
    assembly_format = ("`(` $dynamic_sizes `)` (`` `[` $symbol_operands^ `]`)? attr-dict `:` "
                       "type($memref)")

    @classmethod
    def build(cls, memref_type, dynamic_sizes=(), symbol_operands=(), alignment=None, loc=None):
        return cls(list(dynamic_sizes), list(symbol_operands), result_types=[memref_type],
                   alignment=IntegerAttr(alignment) if alignment is not None else None, loc=loc)

    def mixed_sizes(self):
        return sizes_of(self.memref.type, self.dynamic_sizes)

    def verify_(self):
        t = self.memref.type
        if len(self.dynamic_sizes) != t.num_dynamic_dims:
            raise self.error(f"incorrect number of dynamic sizes, has {len(self.dynamic_sizes)}, "
                             f"expected {t.num_dynamic_dims}")
        n = layout_symbol_count(t)
        if len(self.symbol_operands) != n:
            raise self.error("symbol operand count does not equal memref symbol count: "
                             f"expected {n}, got {len(self.symbol_operands)}")


class AllocOp(_AllocLikeOp):
    """Allocates a buffer on the heap; dynamic sizes bind the type's `?` dimensions in order."""

    name = "memref.alloc"
    examples = (
        "func.func @f(%arg0: index, %arg1: index) {\n"
        "  %0 = memref.alloc(%arg0)[%arg1] {alignment = 64 : i64} : "
        "memref<?x4xf32, affine_map<(d0, d1)[s0] -> (d0 * s0 + d1)>>\n"
        "  %1 = memref.alloc() : memref<2x3xi32>\n"
        "  memref.dealloc %1 : memref<2x3xi32>\n"
        "  return\n}",
    )


class AllocaOp(_AllocLikeOp):
    """Allocates a buffer on the stack of the nearest automatic allocation scope."""

    name = "memref.alloca"
    examples = (
        "func.func @f(%arg0: index) {\n"
        "  %0 = memref.alloca(%arg0) : memref<?xf32>\n"
        "  %1 = memref.alloca() {alignment = 16 : i64} : memref<4x4xf64>\n"
        "  return\n}",
    )

    def verify_(self):
        if not any(AutomaticAllocationScope in p.opdef.traits for p in self.ancestors()
                   if p.opdef is not None):
            raise self.error("requires an ancestor op with AutomaticAllocationScope trait")
        super().verify_()


class DeallocOp(Op):
    """Frees a buffer that memref.alloc allocated."""

    name = "memref.dealloc"
    memref = operand(RankedOrUnrankedMemRef)
    effects = (Free("memref"),)
    assembly_format = "$memref attr-dict `:` type($memref)"
    examples = ("func.func @f(%arg0: memref<?xf32>) {\n"
                "  memref.dealloc %arg0 : memref<?xf32>\n  return\n}",)


# -- element access -----------------------------------------------------------------------

class LoadOp(Op):
    """Reads the element at the given indices (one per dimension)."""

    name = "memref.load"
    memref = operand(MemRef)
    indices = var_operand(VarIndex)
    nontemporal = prop(BoolFlag())
    alignment = opt_prop(Alignment())
    result = result()
    effects = (Read("memref"),)
    assembly_format = "$memref `[` $indices `]` attr-dict `:` type($memref)"
    examples = (
        "func.func @f(%arg0: memref<4x4xf32>, %arg1: index, %arg2: index) -> f32 {\n"
        "  %0 = memref.load %arg0[%arg1, %arg2] : memref<4x4xf32>\n"
        "  %1 = memref.load %arg0[%arg1, %arg2] {nontemporal = true} : memref<4x4xf32>\n"
        "  return %0 : f32\n}",
        "func.func @f(%arg0: memref<f32>) -> f32 {\n"
        "  %0 = memref.load %arg0[] {alignment = 4 : i64} : memref<f32>\n  return %0 : f32\n}",
    )

    def __init__(self, memref, indices=(), **kw):
        super().__init__(memref, list(indices), **kw)

    def infer_result_types(self, operands, properties):
        return [operands[0].type.element_type]

    @classmethod
    def infer_parsed_types(cls, parts):
        t = expect_parsed(parts.operand_types[0][0], T.MemRefType, "memref")
        parts.result_types[0] = [t.element_type]

    def verify_(self):
        t = self.memref.type
        if self.result.type != t.element_type:
            raise self.error("failed to verify that result type matches element type of "
                             "'memref'")
        if len(self.indices) != t.rank:
            raise self.error(f"incorrect number of indices for load, expected {t.rank} but got "
                             f"{len(self.indices)}")

    def fold(self, constant_operands):
        return _fold_memref_cast_operand(self, self.memref)


class StoreOp(Op):
    """Writes a value to the element at the given indices (one per dimension)."""

    name = "memref.store"
    value = operand()
    memref = operand(MemRef)
    indices = var_operand(VarIndex)
    nontemporal = prop(BoolFlag())
    alignment = opt_prop(Alignment())
    effects = (Write("memref"),)
    assembly_format = "$value `,` $memref `[` $indices `]` attr-dict `:` type($memref)"
    examples = (
        "func.func @f(%arg0: memref<4x4xf32>, %arg1: index, %arg2: f32) {\n"
        "  memref.store %arg2, %arg0[%arg1, %arg1] : memref<4x4xf32>\n"
        "  memref.store %arg2, %arg0[%arg1, %arg1] {nontemporal = true} : memref<4x4xf32>\n"
        "  return\n}",
    )

    def __init__(self, value, memref, indices=(), **kw):
        super().__init__(value, memref, list(indices), **kw)

    @classmethod
    def infer_parsed_types(cls, parts):
        t = expect_parsed(parts.operand_types[1][0], T.MemRefType, "memref")
        parts.operand_types[0] = [t.element_type]

    def verify_(self):
        t = self.memref.type
        if self.value.type != t.element_type:
            raise self.error("failed to verify that type of 'value' matches element type of "
                             "'memref'")
        if len(self.indices) != t.rank:
            raise self.error("store index operand count not equal to memref rank")


class CopyOp(Op):
    """Copies every element of one buffer into another of the same shape."""

    name = "memref.copy"
    source = operand(RankedOrUnrankedMemRef)
    target = operand(RankedOrUnrankedMemRef)
    effects = (Read("source"), Write("target"))
    assembly_format = "$source `,` $target attr-dict `:` type($source) `to` type($target)"
    examples = ("func.func @f(%arg0: memref<?xf32>, %arg1: memref<4xf32>) {\n"
                "  memref.copy %arg0, %arg1 : memref<?xf32> to memref<4xf32>\n  return\n}",)

    def verify_(self):
        a, b = self.source.type, self.target.type
        if a.element_type != b.element_type:
            raise self.error("requires the same element type for all operands")
        if _is_memref(a) and _is_memref(b) and not shapes_compatible(a.shape, b.shape):
            raise self.error("requires the same shape for all operands")


def shapes_compatible(a, b):
    return len(a) == len(b) and all(x == y or DYN in (x, y) for x, y in zip(a, b))


# -- queries ------------------------------------------------------------------------------

class DimOp(Op):
    """The size of one dimension of a buffer."""

    name = "memref.dim"
    source = operand(NonZeroRankedOrUnrankedMemRef)
    index = operand(Index)
    result = result(Index)
    traits = (Pure,)
    assembly_format = "attr-dict $source `,` $index `:` type($source)"
    examples = ("func.func @f(%arg0: memref<?x4xf32>, %arg1: index) -> index {\n"
                "  %0 = memref.dim %arg0, %arg1 : memref<?x4xf32>\n  return %0 : index\n}",)

    def fold(self, constant_operands):
        index = constant_operands[1]
        t = self.source.type
        if index is None or not _is_memref(t) or not 0 <= index.value < t.rank:
            return None
        i = index.value
        if t.shape[i] != DYN:
            return [IntegerAttr(t.shape[i], T.index)]
        owner = getattr(self.source, "owner", None)
        if isinstance(owner, (_AllocLikeOp, ViewOp)):
            return [owner.mixed_sizes()[i]]
        return None


class RankOp(Op):
    """The rank of a buffer (known statically unless it is unranked)."""

    name = "memref.rank"
    memref = operand(RankedOrUnrankedMemRef)
    result = result(Index)
    traits = (Pure,)
    assembly_format = "$memref attr-dict `:` type($memref)"
    examples = ("func.func @f(%arg0: memref<*xf32>) -> index {\n"
                "  %0 = memref.rank %arg0 : memref<*xf32>\n  return %0 : index\n}",)

    def fold(self, constant_operands):
        t = self.memref.type
        return [IntegerAttr(t.rank, T.index)] if _is_memref(t) else None


class ExtractAlignedPointerAsIndexOp(Op):
    """The aligned pointer of a buffer as an index (for lowering and debugging)."""

    name = "memref.extract_aligned_pointer_as_index"
    source = operand(RankedOrUnrankedMemRef)
    aligned_pointer = result(Index)
    traits = (Pure,)
    assembly_format = "$source `:` type($source) `->` type(results) attr-dict"
    examples = ("func.func @f(%arg0: memref<4x4xf32>) -> index {\n"
                "  %0 = memref.extract_aligned_pointer_as_index %arg0 : memref<4x4xf32> -> index\n"
                "  return %0 : index\n}",)


class ExtractStridedMetadataOp(Op):
    """Splits a strided buffer into its base buffer (rank 0), offset, sizes and strides."""

    name = "memref.extract_strided_metadata"
    source = operand(StridedMemRef)
    base_buffer = result(MemRef)
    offset = result(Index)
    sizes_and_strides = var_result(VarIndex)  # upstream's `sizes` then `strides`, rank each
    traits = (Pure,)
    assembly_format = "$source `:` type($source) `->` type(results) attr-dict"
    examples = (
        "func.func @f(%arg0: memref<?x4xf32, strided<[?, 1], offset: ?>>) -> index {\n"
        "  %base_buffer, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %arg0 : "
        "memref<?x4xf32, strided<[?, 1], offset: ?>> -> memref<f32>, index, index, index, "
        "index, index\n"
        "  return %strides#0 : index\n}",
    )

    @property
    def sizes(self):
        v = self.sizes_and_strides
        return v[:len(v) // 2]

    @property
    def strides(self):
        v = self.sizes_and_strides
        return v[len(v) // 2:]

    @staticmethod
    def result_types_for(source_type):
        base = T.MemRefType((), source_type.element_type, None, source_type.memory_space)
        return [base, T.index] + [T.index] * (2 * source_type.rank)

    def infer_result_types(self, operands, properties):
        return self.result_types_for(operands[0].type)

    def verify_(self):
        expected = self.result_types_for(self.source.type)
        actual = [r.type for r in self.results]
        if expected != actual:
            raise self.error(f"inferred type(s) {', '.join(map(q, expected))} are incompatible "
                             f"with return type(s) of operation {', '.join(map(q, actual))}")


# -- casts and views ----------------------------------------------------------------------

def cast_compatible(a, b):
    """MLIR's memref.cast compatibility of two (ranked or unranked) memref types."""
    if _is_memref(a) and _is_memref(b):
        if a.element_type != b.element_type or a.memory_space != b.memory_space:
            return False
        if a.rank != b.rank:
            return False
        if a.layout != b.layout:
            sa, sb = strides_and_offset(a), strides_and_offset(b)
            if sa is None or sb is None:
                return False
            if any(x != y and DYN not in (x, y) for x, y in zip(sa[0] + (sa[1],),
                                                               sb[0] + (sb[1],))):
                return False
        return shapes_compatible(a.shape, b.shape)
    if _is_unranked(a) and _is_unranked(b):
        return False
    return a.element_type == b.element_type and a.memory_space == b.memory_space


class CastOp(Op):
    """Casts to a compatible type: static <-> dynamic sizes and strides, ranked <-> unranked."""

    name = "memref.cast"
    source = operand(RankedOrUnrankedMemRef)
    dest = result(RankedOrUnrankedMemRef)
    traits = (Pure,)
    assembly_format = "$source attr-dict `:` type($source) `to` type($dest)"
    examples = (
        "func.func @f(%arg0: memref<4xf32>) -> memref<4xf32> {\n"
        "  %0 = memref.cast %arg0 : memref<4xf32> to memref<?xf32>\n"
        "  %1 = memref.cast %0 : memref<?xf32> to memref<*xf32>\n"
        "  %2 = memref.cast %1 : memref<*xf32> to memref<4xf32>\n"
        "  return %2 : memref<4xf32>\n}",
    )

    def verify_(self):
        a, b = self.source.type, self.dest.type
        if not cast_compatible(a, b):
            raise self.error(f"operand type {q(a)} and result type {q(b)} are cast incompatible")

    def fold(self, constant_operands):
        if self.source.type == self.dest.type:
            return [self.source]
        return _fold_memref_cast_operand(self, self.source)


def _fold_memref_cast_operand(op, operand_value):
    """`op(memref.cast(x))` -> `op(x)` in place when x is ranked (MLIR's foldMemRefCast)."""
    inner = getattr(operand_value, "owner", None)
    if isinstance(inner, CastOp) and _is_memref(inner.source.type):
        i = next(i for i, v in enumerate(op.operands) if v is operand_value)
        op.set_operand(i, inner.source)
        return list(op.results)
    return None


def verify_offsets_sizes_strides(op, max_ranks):
    """MLIR's OffsetSizeAndStrideOpInterface checks, shared by subview and reinterpret_cast."""
    props = op.properties
    groups = (("offsets", "static_offsets", op.offsets), ("sizes", "static_sizes", op.sizes),
              ("strides", "static_strides", op.strides))
    for group, static_name, operands in groups:
        _verify_dynamic_entries(op, static_name, operands, group)
    offsets, sizes, strides = (props[s].value for _, s, _ in groups)
    if not (len(offsets) == 1 and max_ranks[0] == 1) and len(offsets) != len(sizes):
        raise IRError(f"expected mixed offsets rank to match mixed sizes rank ({len(offsets)} vs "
                      f"{len(sizes)}) so the rank of the result type is well-formed.", op.loc)
    if len(sizes) != len(strides):
        raise IRError(f"expected mixed sizes rank to match mixed strides rank ({len(sizes)} vs "
                      f"{len(strides)}) so the rank of the result type is well-formed.", op.loc)
    for (group, _, _), values, n in zip(groups, (offsets, sizes, strides), max_ranks):
        if len(values) != n:
            raise IRError(f"expected {n} {group[:-1]} values, got {len(values)}", op.loc)
    for group, values in (("offsets", offsets), ("sizes", sizes)):
        for v in values:
            if v < 0 and v != KDYNAMIC:
                raise IRError(f"expected {group} to be non-negative, but got {v}", op.loc)


class _OffsetsSizesStridesOp(Op):
    """Subclasses declare their operands `source, offsets, sizes, strides` in this order."""

    static_offsets = prop(DenseArrayOf(T.i64))
    static_sizes = prop(DenseArrayOf(T.i64))
    static_strides = prop(DenseArrayOf(T.i64))
    traits = (Pure,)

    def mixed_offsets(self):
        return mixed_values(self.static_offsets.value, self.offsets)

    def mixed_sizes(self):
        return mixed_values(self.static_sizes.value, self.sizes)

    def mixed_strides(self):
        return mixed_values(self.static_strides.value, self.strides)

    @classmethod
    def _build(cls, source, offsets, sizes, strides, result_type, loc):
        (so, do), (ss, ds), (st, dt) = (split_mixed(x) for x in (offsets, sizes, strides))
        return cls(source, do, ds, dt, result_types=[result_type], static_offsets=so,
                   static_sizes=ss, static_strides=st, loc=loc)


def infer_subview_type(source_type, static_offsets, static_sizes, static_strides):
    """The non-rank-reduced result type of a subview (MLIR's SubViewOp::inferResultType)."""
    src_strides, offset = strides_and_offset(source_type)
    for o, s in zip(static_offsets, src_strides):
        offset = add_sat(offset, mul_sat(type_dim(o), s))
    strides = [mul_sat(s, type_dim(x)) for s, x in zip(src_strides, static_strides)]
    return T.MemRefType([type_dim(x) for x in static_sizes], source_type.element_type,
                        StridedLayoutAttr(strides, offset), source_type.memory_space)


def rank_reduction_mask(original_shape, reduced_shape):
    """The dims of `original_shape` dropped (all of size 1) to get `reduced_shape`, or None."""
    unused = set()
    k = 0
    for i, d in enumerate(original_shape):
        if k < len(reduced_shape) and d == reduced_shape[k]:
            k += 1
            continue
        unused.add(i)
        if d != 1:
            return None
    return unused if k == len(reduced_shape) else None


def _memref_rank_reduction_mask(original, reduced, static_sizes):
    """MLIR's computeMemRefRankReductionMask: which unit dims were dropped, told apart by the
    strides that disappeared."""
    unused = set()
    if original.rank == reduced.rank:
        return unused
    unused = {i for i, s in enumerate(static_sizes) if s == 1}
    if len(unused) + reduced.rank == original.rank:
        return unused
    so, sr = strides_and_offset(original), strides_and_offset(reduced)
    if so is None or sr is None:
        return None
    left = _counts(so[0])
    cand = _counts(sr[0])
    for dim in sorted(unused):
        s = so[0][dim]
        if left.get(s, 0) > cand.get(s, 0):
            left[s] -= 1
        elif left.get(s, 0) == cand.get(s, 0):
            unused.discard(dim)
        else:
            return None
    return unused if len(unused) + reduced.rank == original.rank else None


def _counts(values):
    out = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


class SubViewOp(_OffsetsSizesStridesOp):
    """A strided view of a part of a buffer; unit dimensions may be dropped from the result."""

    name = "memref.subview"
    source = operand(MemRef)
    offsets = var_operand(VarIndex)
    sizes = var_operand(VarIndex)
    strides = var_operand(VarIndex)
    result = result(MemRef)
    assembly_format = ("$source `` custom<DynamicIndexList>($offsets, $static_offsets) "
                       "custom<DynamicIndexList>($sizes, $static_sizes) "
                       "custom<DynamicIndexList>($strides, $static_strides) "
                       "attr-dict `:` type($source) `to` type($result)")
    examples = (
        "func.func @f(%arg0: memref<8x8xf32>, %arg1: index, %arg2: index) {\n"
        "  %0 = memref.subview %arg0[%arg1, 1] [2, %arg2] [1, 2] : memref<8x8xf32> to "
        "memref<2x?xf32, strided<[8, 2], offset: ?>>\n"
        "  %1 = memref.subview %arg0[2, 0] [1, 8] [1, 1] : memref<8x8xf32> to "
        "memref<8xf32, strided<[1], offset: 16>>\n"
        "  return\n}",
    )

    @classmethod
    def build(cls, source, offsets, sizes, strides, result_type=None, loc=None):
        """`offsets`, `sizes`, `strides`: ints or index Values; the result type is inferred
        (without rank reduction) unless given."""
        if result_type is None:
            result_type = infer_subview_type(source.type, *(split_mixed(x)[0].value
                                                            for x in (offsets, sizes, strides)))
        return cls._build(source, offsets, sizes, strides, result_type, loc)

    def verify_(self):
        base, sub = self.source.type, self.result.type
        verify_offsets_sizes_strides(self, (base.rank,) * 3)
        if base.memory_space != sub.memory_space:
            raise IRError(f"different memory spaces specified for base memref type {q(base)} and "
                          f"subview memref type {q(sub)}", self.loc)
        if not is_strided(base):
            raise IRError(f"base type {q(base)} is not strided", self.loc)
        offsets, sizes, strides = (self.properties[n].value for n in
                                   ("static_offsets", "static_sizes", "static_strides"))
        expected = infer_subview_type(base, offsets, sizes, strides)

        def mismatch(what):
            return IRError(f"expected result type to be {q(expected)} or a rank-reduced version. "
                           f"(mismatch of result {what}), but got {q(sub)}", self.loc)
        if sub.rank > expected.rank:
            raise IRError("expected result rank to be smaller or equal to the source rank, but "
                          f"got {q(sub)}", self.loc)
        if rank_reduction_mask(expected.shape, sub.shape) is None:
            raise mismatch("sizes")
        if sub.element_type != expected.element_type:
            raise IRError(f"expected result element type to be {q(expected.element_type)}, but "
                          f"got {q(sub)}", self.loc)
        sub_layout = strides_and_offset(sub)
        if sub_layout is None or sub_layout[1] != expected.layout.offset:
            raise mismatch("layout")
        dropped = _memref_rank_reduction_mask(expected, sub, sizes)
        if dropped is None or [s for i, s in enumerate(expected.layout.strides)
                               if i not in dropped] != list(sub_layout[0]):
            raise mismatch("layout")
        verify_in_bounds(self, base.shape)


def verify_in_bounds(op, shape):
    """Static offsets, sizes and strides stay inside the (static) dimensions."""
    offsets, sizes, strides = (op.properties[n].value for n in
                               ("static_offsets", "static_sizes", "static_strides"))
    for i, (dim, o, n, s) in enumerate(zip(shape, offsets, sizes, strides)):
        if dim == DYN or o == KDYNAMIC:
            continue
        if o >= dim:
            raise IRError(f"offset {i} is out-of-bounds: {o} >= {dim}", op.loc)
        if KDYNAMIC in (n, s):
            continue
        last = o + (n - 1) * s
        if last >= dim:
            raise IRError(f"slice along dimension {i} runs out-of-bounds: {last} >= {dim}",
                          op.loc)


class ReinterpretCastOp(_OffsetsSizesStridesOp):
    """A new strided view (offset, sizes, strides) of the base of a buffer."""

    name = "memref.reinterpret_cast"
    source = operand(RankedOrUnrankedMemRef)
    offsets = var_operand(VarIndex)
    sizes = var_operand(VarIndex)
    strides = var_operand(VarIndex)
    result = result(StridedMemRef)
    assembly_format = ("$source `to` `offset` `` `:` custom<DynamicIndexList>($offsets, "
                       "$static_offsets) `` `,` `sizes` `` `:` custom<DynamicIndexList>($sizes, "
                       "$static_sizes) `` `,` `strides` `` `:` custom<DynamicIndexList>($strides, "
                       "$static_strides) attr-dict `:` type($source) `to` type($result)")
    examples = (
        "func.func @f(%arg0: memref<?xf32>, %arg1: index, %arg2: index) {\n"
        "  %0 = memref.reinterpret_cast %arg0 to offset: [0], sizes: [%arg1, 4], strides: "
        "[%arg2, 1] : memref<?xf32> to memref<?x4xf32, strided<[?, 1]>>\n"
        "  %1 = memref.reinterpret_cast %arg0 to offset: [%arg1], sizes: [10], strides: [1] : "
        "memref<?xf32> to memref<10xf32, strided<[1], offset: ?>>\n"
        "  return\n}",
    )

    @classmethod
    def build(cls, source, offset, sizes, strides, result_type, loc=None):
        """`offset`, each size and stride: an int or an index Value."""
        return cls._build(source, [offset], sizes, strides, result_type, loc)

    def verify_(self):
        src, res = self.source.type, self.result.type
        verify_offsets_sizes_strides(self, (1, res.rank, res.rank))

        def err(message):
            return IRError(message, self.loc)
        if src.memory_space != res.memory_space:
            raise err(f"different memory spaces specified for source type {q(src)} and result "
                      f"memref type {q(res)}")
        if src.element_type != res.element_type:
            raise err(f"different element types specified for source type {q(src)} and result "
                      f"memref type {q(res)}")

        def show(v):
            return "dynamic" if v == KDYNAMIC else str(v)
        for i, (actual, expected) in enumerate(zip(res.shape, self.static_sizes.value)):
            if actual != DYN and actual != expected:
                raise err(f"expected result type with size = {show(expected)} instead of "
                          f"{actual} in dim = {i}")
        strides, offset = strides_and_offset(res)
        expected = self.static_offsets.value[0]
        if offset != DYN and offset != expected:
            raise err(f"expected result type with offset = {show(expected)} instead of {offset}")
        for i, (actual, expected) in enumerate(zip(strides, self.static_strides.value)):
            if actual != DYN and actual != expected:
                raise err(f"expected result type with stride = {show(expected)} instead of "
                          f"{actual} in dim = {i}")


class ViewOp(Op):
    """A contiguous buffer of any element type viewed at a byte shift of a flat i8 buffer."""

    name = "memref.view"
    source = operand(ByteMemRef1D)
    byte_shift = operand(Index)
    sizes = var_operand(VarIndex)
    result = result(MemRef)
    traits = (Pure,)
    assembly_format = ("$source `[` $byte_shift `]` `` `[` $sizes `]` attr-dict `:` "
                       "type($source) `to` type(results)")
    examples = (
        "func.func @f(%arg0: memref<2048xi8>, %arg1: index, %arg2: index) {\n"
        "  %0 = memref.view %arg0[%arg1][] : memref<2048xi8> to memref<64x4xf32>\n"
        "  %1 = memref.view %arg0[%arg1][%arg2] : memref<2048xi8> to memref<?x4xf32>\n"
        "  return\n}",
    )

    def mixed_sizes(self):
        return sizes_of(self.result.type, self.sizes)

    def verify_(self):
        base, view = self.source.type, self.result.type
        if not has_identity_layout(base):
            raise IRError(f"unsupported map for base memref type {q(base)}", self.loc)
        if not has_identity_layout(view):
            raise IRError(f"unsupported map for result memref type {q(view)}", self.loc)
        if base.memory_space != view.memory_space:
            raise IRError(f"different memory spaces specified for base memref type {q(base)} and "
                          f"view memref type {q(view)}", self.loc)
        if len(self.sizes) != view.num_dynamic_dims:
            raise self.error(f"incorrect number of dynamic sizes, has {len(self.sizes)}, "
                             f"expected {view.num_dynamic_dims}")


def _permuted_type(t, amap):
    strides, offset = strides_and_offset(t)
    perm = [r.position for r in amap.results]
    return T.MemRefType([t.shape[p] for p in perm], t.element_type,
                        StridedLayoutAttr([strides[p] for p in perm], offset), t.memory_space)


def _canonical_strided_type(t):
    """The type MLIR's canonicalizeStridedLayout gives (for diagnostics): no layout when the
    strides are the contiguous ones, else, for static ones, the layout as an affine map."""
    strides, offset = strides_and_offset(t)
    if (tuple(strides), offset) == T.MemRefType(t.shape, t.element_type).strides_and_offset():
        return T.MemRefType(t.shape, t.element_type, None, t.memory_space)
    if not t.shape or DYN in strides or offset == DYN:
        return t
    expr = None
    for i, s in enumerate(strides):
        term = AffineDim(i) if s == 1 else AffineBinary("*", AffineDim(i), AffineConst(s))
        expr = term if expr is None else AffineBinary("+", expr, term)
    if offset:
        expr = AffineBinary("+", expr, AffineConst(offset))
    return T.MemRefType(t.shape, t.element_type, AffineMapAttr(AffineMap(t.rank, 0, [expr])),
                        t.memory_space)


def is_permutation(amap):
    dims = [r.position for r in amap.results if isinstance(r, AffineDim)]
    return (amap.num_symbols == 0 and len(dims) == len(amap.results) == amap.num_dims
            and len(set(dims)) == len(dims))


class TransposeOp(Op):
    """A strided view whose sizes and strides are permuted (metadata only)."""

    name = "memref.transpose"
    in_ = operand(StridedMemRef)
    permutation = prop(BareAffineMap())
    result = result(StridedMemRef)
    traits = (Pure,)
    assembly_format = "$in_ $permutation attr-dict `:` type($in_) `to` type($result)"
    examples = (
        "func.func @f(%arg0: memref<4x5xf32>) {\n"
        "  %0 = memref.transpose %arg0 (d0, d1) -> (d1, d0) : memref<4x5xf32> to "
        "memref<5x4xf32, strided<[1, 5]>>\n  return\n}",
    )

    def infer_result_types(self, operands, properties):
        return [_permuted_type(operands[0].type, properties["permutation"].value)]

    def verify_(self):
        amap = self.permutation.value
        src, res = self.in_.type, self.result.type
        if not is_permutation(amap):
            raise self.error("expected a permutation map")
        if amap.num_dims != src.rank:
            raise self.error("expected a permutation map of same rank as the input")
        expected = _permuted_type(src, amap)
        same = (res.shape == expected.shape and res.element_type == expected.element_type
                and res.memory_space == expected.memory_space
                and strides_and_offset(res) == strides_and_offset(expected))
        if not same:
            raise self.error(f"result type {q(res)} is not equivalent to the canonical transposed "
                             f"input type {q(_canonical_strided_type(expected))}")


# -- reshapes -----------------------------------------------------------------------------

def verify_collapsed_shape(op, collapsed, expanded, groups):
    """MLIR's verifyCollapsedShape (several dynamic dims per group allowed)."""
    if len(collapsed) != len(groups):
        raise op.error(f"invalid number of reassociation groups: found {len(groups)}, expected "
                       f"{len(collapsed)}")
    nxt = 0
    for i, group in enumerate(groups):
        dynamic = False
        for d in group:
            if d != nxt:
                raise op.error("reassociation indices must be contiguous")
            nxt += 1
            if d >= len(expanded):
                raise op.error(f"reassociation index {d} is out of bounds")
            dynamic = dynamic or expanded[d] == DYN
        if (collapsed[i] == DYN) != dynamic:
            raise op.error(f"collapsed dim ({i}) must be dynamic if and only if reassociation "
                           "group is dynamic")
        if not dynamic:
            size = 1
            for d in group:
                size *= expanded[d]
            if size != collapsed[i]:
                raise op.error(f"collapsed dim size ({collapsed[i]}) must equal reassociation "
                               f"group size ({size})")
    if not collapsed:
        if any(d != 1 for d in expanded):
            raise op.error("rank 0 memrefs can only be extended/collapsed with/from ones")
    elif nxt != len(expanded):
        raise op.error(f"expanded rank ({len(expanded)}) inconsistent with number of "
                       f"reassociation indices ({nxt})")


def expanded_type(src, shape, groups):
    """MLIR's ExpandShapeOp::computeExpandedType, or None if the source is not strided."""
    if has_identity_layout(src):
        return T.MemRefType(shape, src.element_type, None, src.memory_space)
    so = strides_and_offset(src)
    if so is None:
        return None
    strides = [1] * len(shape)
    pos = len(shape) - 1
    for group, stride in zip(reversed(groups), reversed(so[0])):
        for _ in group:
            strides[pos] = stride
            stride = mul_sat(stride, shape[pos])
            pos -= 1
    return T.MemRefType(shape, src.element_type, StridedLayoutAttr(strides, so[1]),
                        src.memory_space)


def collapsed_layout(src, groups):
    """MLIR's computeCollapsedLayoutMap (non-strict): the strided layout of the collapse, or
    None if the source is not strided or a group is provably non-contiguous."""
    so = strides_and_offset(src)
    if so is None:
        return None
    src_strides, offset = so
    shape = src.shape
    strides = []
    for group in groups:
        ref = list(group)
        while shape[ref[-1]] == 1 and len(ref) > 1:
            ref.pop()
        strides.append(src_strides[ref[-1]] if shape[ref[-1]] != DYN or len(ref) == 1 else DYN)
    for group, stride in zip(groups, strides):
        for idx in reversed(group[1:]):
            stride = mul_sat(stride, shape[idx])
            if shape[idx - 1] == 1:
                continue
            src_stride = src_strides[idx - 1]
            if DYN not in (stride, src_stride) and stride != src_stride:
                return None
    return StridedLayoutAttr(strides, offset)


def collapsed_type(src, groups):
    """MLIR's CollapseShapeOp::computeCollapsedType."""
    shape = []
    for group in groups:
        size = 1
        for d in group:
            size = mul_sat(size, src.shape[d])
        shape.append(size)
    layout = None if has_identity_layout(src) else collapsed_layout(src, groups)
    return T.MemRefType(shape, src.element_type, layout, src.memory_space)


class _ReassociativeReshapeOp(Op):
    src = operand(StridedMemRef)
    reassociation = prop(Reassociation())
    result = result(StridedMemRef)
    traits = (Pure,)

    @property
    def groups(self):
        return reassociation_groups(self.reassociation)


class CollapseShapeOp(_ReassociativeReshapeOp):
    """A view of lower rank: each group of contiguous dimensions becomes one."""

    name = "memref.collapse_shape"
    assembly_format = "$src $reassociation attr-dict `:` type($src) `into` type($result)"
    examples = (
        "func.func @f(%arg0: memref<4x?x8xf32>) {\n"
        "  %0 = memref.collapse_shape %arg0 [[0, 1], [2]] : memref<4x?x8xf32> into "
        "memref<?x8xf32>\n  return\n}",
    )

    @classmethod
    def build(cls, src, groups, loc=None):
        return cls(src, result_types=[collapsed_type(src.type, groups)],
                   reassociation=reassociation_attr(groups), loc=loc)

    def verify_(self):
        src, res = self.src.type, self.result.type
        if src.rank < res.rank:
            raise self.error(f"has source rank {src.rank} and result rank {res.rank}. This is "
                             f"not a collapse ({src.rank} < {res.rank}).")
        groups = self.groups
        verify_collapsed_shape(self, res.shape, src.shape, groups)
        layout = None
        if not has_identity_layout(src):
            layout = collapsed_layout(src, groups)
            if layout is None:
                raise self.error("invalid source layout map or collapsing non-contiguous dims")
        expected = T.MemRefType(res.shape, src.element_type, layout, src.memory_space)
        if expected != res:
            raise self.error(f"expected collapsed type to be {q(expected)} but found {q(res)}")


class ExpandShapeOp(_ReassociativeReshapeOp):
    """A view of higher rank: each dimension splits into a group; `output_shape` gives the
    result sizes (SSA values for its dynamic ones)."""

    name = "memref.expand_shape"
    output_shape = var_operand(VarIndex)
    static_output_shape = prop(DenseArrayOf(T.i64))
    assembly_format = ("$src $reassociation `output_shape` "
                       "custom<DynamicIndexList>($output_shape, $static_output_shape) attr-dict "
                       "`:` type($src) `into` type($result)")
    examples = (
        "func.func @f(%arg0: memref<?x32xf32>, %arg1: index, %arg2: index) {\n"
        "  %0 = memref.expand_shape %arg0 [[0, 1], [2]] output_shape [%arg1, %arg2, 32] : "
        "memref<?x32xf32> into memref<?x?x32xf32>\n"
        "  %1 = memref.expand_shape %arg0 [[0], [1, 2]] output_shape [%arg1, 4, 8] : "
        "memref<?x32xf32> into memref<?x4x8xf32>\n  return\n}",
    )

    @classmethod
    def build(cls, result_type, src, groups, output_shape, loc=None):
        """`output_shape`: an int or index Value per result dimension."""
        static, dynamic = split_mixed(output_shape)
        return cls(src, dynamic, result_types=[result_type],
                   reassociation=reassociation_attr(groups), static_output_shape=static, loc=loc)

    def mixed_output_shape(self):
        return mixed_values(self.static_output_shape.value, self.output_shape)

    def verify_(self):
        src, res = self.src.type, self.result.type
        if src.rank > res.rank:
            raise self.error(f"has source rank {src.rank} and result rank {res.rank}. This is "
                             f"not an expansion ({src.rank} > {res.rank}).")
        groups = self.groups
        verify_collapsed_shape(self, src.shape, res.shape, groups)
        expected = expanded_type(src, res.shape, groups)
        if expected is None:
            raise self.error("invalid source layout map")
        if expected != res:
            raise self.error(f"expected expanded type to be {q(expected)} but found {q(res)}")
        static = self.static_output_shape.value
        if len(static) != res.rank:
            raise self.error("expected number of static shape bounds to be equal to the output "
                             f"rank ({res.rank}) but found {len(static)} inputs instead")
        n = sum(1 for s in static if s == KDYNAMIC)
        if n != len(self.output_shape):
            raise self.error("mismatch in dynamic dims in output_shape and static_output_shape: "
                             f"static_output_shape has {n} dynamic dims while output_shape has "
                             f"{len(self.output_shape)} values")
        for pos, (d, s) in enumerate(zip(res.shape, static)):
            if d != DYN and d != s:
                raise self.error(f"invalid output shape provided at pos {pos}")


# -- globals ------------------------------------------------------------------------------

class GlobalOp(Op):
    """A named buffer with static storage: a declaration, uninitialized, or with an initial
    value; `constant` ones are never written."""

    name = "memref.global"
    sym_name = prop(SymbolName())
    sym_visibility = opt_prop(StrAttr())
    type = prop(TypeAttrOf(MemRef))
    initial_value = opt_prop()
    constant = opt_prop(Unit())
    alignment = opt_prop(Alignment())
    traits = (Symbol,)
    assembly_format = ("($sym_visibility^)? (`constant` $constant^)? $sym_name `:` "
                       "custom<GlobalMemrefOpTypeAndInitialValue>($type, $initial_value) "
                       "attr-dict")
    examples = (
        'memref.global "private" constant @c : memref<2xf32> = dense<[1.000000e+00, '
        "2.000000e+00]> {alignment = 64 : i64}\n"
        "memref.global @z : memref<3xf16> = uninitialized\n"
        'memref.global "private" @y : memref<4xi32>\n'
        "memref.global @s : memref<2x2xi32> = dense<7>\n"
        "func.func @f() -> memref<2xf32> {\n"
        "  %0 = memref.get_global @c : memref<2xf32>\n  return %0 : memref<2xf32>\n}",
    )

    @classmethod
    def build(cls, name, memref_type, initial_value=None, constant=False, visibility=None,
              alignment=None, loc=None):
        """`initial_value`: None (a declaration), UnitAttr (uninitialized) or a
        DenseElementsAttr of the memref's shape as a tensor."""
        return cls(sym_name=StringAttr(name), type=TypeAttr(memref_type),
                   initial_value=initial_value, constant=UnitAttr() if constant else None,
                   sym_visibility=StringAttr(visibility) if visibility else None,
                   alignment=IntegerAttr(alignment) if alignment is not None else None, loc=loc)

    @property
    def sym(self):
        return self.properties["sym_name"].value

    @property
    def memref_type(self):
        return self.properties["type"].value

    @property
    def is_external(self):
        return "initial_value" not in self.properties

    def verify_(self):
        t = self.memref_type
        if not t.has_static_shape:
            raise self.error(f"type should be static shaped memref, but got {q(t)}")
        init = self.properties.get("initial_value")
        if init is None or init.__class__ is UnitAttr:
            return
        if init.__class__ is not DenseElementsAttr:
            raise self.error(f"initial value should be a unit or elements attribute, but got "
                             f"{init}")
        if init.element_type != t.element_type:
            raise self.error(f"initial value element expected to be of type {q(t.element_type)}"
                             f", but was of type {q(init.element_type)}")
        if tuple(init.type.shape) != t.shape:
            raise self.error(f"initial value shape expected to be {', '.join(map(str, t.shape))}"
                             f" but was {', '.join(map(str, init.type.shape))}")


class GetGlobalOp(Op):
    """The buffer of a memref.global."""

    name = "memref.get_global"
    global_name = prop(FlatSymbolRef(), key="name")
    result = result(StaticShapeMemRef)
    traits = (Pure,)
    assembly_format = "$name `:` type($result) attr-dict"
    examples = ("memref.global \"private\" @g : memref<4xf32>\n"
                "func.func @f() -> memref<4xf32> {\n"
                "  %0 = memref.get_global @g : memref<4xf32>\n  return %0 : memref<4xf32>\n}",)

    def __init__(self, name, memref_type, loc=None):
        super().__init__(result_types=[memref_type], name=SymbolRefAttr(name), loc=loc)

    def verify_symbol_uses(self, symbols):
        name = self.properties["name"].root
        g = symbols.lookup(self, name)
        if g is None or g.name != "memref.global":
            raise self.error(f"'{name}' does not reference a valid global memref")
        if g.memref_type != self.result.type:
            raise self.error(f"result type {q(self.result.type)} does not match type "
                             f"{q(g.memref_type)} of the global memref @{name}")


__all__ = ["AllocOp", "AllocaOp", "DeallocOp", "LoadOp", "StoreOp", "CopyOp", "DimOp", "RankOp",
           "ExtractAlignedPointerAsIndexOp", "ExtractStridedMetadataOp", "CastOp", "SubViewOp",
           "ReinterpretCastOp", "ViewOp", "TransposeOp", "CollapseShapeOp", "ExpandShapeOp",
           "GlobalOp", "GetGlobalOp", "KDYNAMIC", "mixed_values", "split_mixed",
           "strides_and_offset", "infer_subview_type"]
