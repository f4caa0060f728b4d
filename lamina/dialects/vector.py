"""The upstream `vector` dialect (the part lowering and vectorization use): element access and
shuffles, broadcasts, casts, masks, reductions, loads and stores, and vector.print.

Positions (`%v[1, %i]`) are mixed static/dynamic lists stored as memref's are (`memref.KDYNAMIC`
marks the entries given by operands); `-1` in a static position or shuffle mask is poison.
"""

from __future__ import annotations

from ..ir import types as T
from ..ir.attributes import EnumAttribute, StringAttr
from ..ir.constraints import DenseArrayOf, EnumOf, StrAttr, TypeConstraint
from ..ir.core import IRError
from ..ir.opdef import (Op, Pure, Read, Write, operand, opt_operand, opt_prop, prop, result,
                        var_operand)
from ..ir.registry import register_attr
from .arith import FASTMATH
from .memref import (Alignment, BoolFlag, KDYNAMIC, MemRef, VarIndex, expect_parsed,
                     mixed_values, q, split_mixed, strides_and_offset)

POISON = -1  # a static position or shuffle mask entry whose result is poison


# -- attributes ---------------------------------------------------------------------------

class CombiningKindAttr(EnumAttribute):
    """`#vector.kind<add>`: how vector.reduction (and contractions) combine elements."""

    __slots__ = ()
    dialect = "vector"
    mnemonic = "kind"
    allowed = ("add", "mul", "minui", "minsi", "minnumf", "maxui", "maxsi", "maxnumf", "and",
               "or", "xor", "maximumf", "minimumf")


class PrintPunctuationAttr(EnumAttribute):
    """`#vector.punctuation<comma>`: what vector.print prints after its value."""

    __slots__ = ()
    dialect = "vector"
    mnemonic = "punctuation"
    allowed = ("no_punctuation", "newline", "comma", "open", "close")


register_attr("vector.kind", CombiningKindAttr)
register_attr("vector.punctuation", PrintPunctuationAttr)

_INT_KINDS = ("minui", "minsi", "maxui", "maxsi", "and", "or", "xor")
_FLOAT_KINDS = ("minnumf", "maxnumf", "minimumf", "maximumf")


def supports_kind(kind, t):
    """MLIR's isSupportedCombiningKind."""
    is_int = t.__class__ in (T.IntegerType, T.IndexType)
    if kind in _INT_KINDS:
        return is_int
    if kind in _FLOAT_KINDS:
        return t.__class__ is T.FloatType
    return is_int or t.__class__ is T.FloatType


# -- type constraints ---------------------------------------------------------------------

def _is_vector(t):
    return t.__class__ is T.VectorType


def _is_fixed(t):
    return _is_vector(t) and t.scalable is None


AnyVector = TypeConstraint(_is_vector, "vector of any type values")
NonZeroRankVector = TypeConstraint(lambda t: _is_vector(t) and t.rank > 0,
                                   "vector of any type values")
FixedVector = TypeConstraint(_is_fixed, "fixed-length vector of any type values")
MaskVector = TypeConstraint(lambda t: _is_vector(t) and t.element_type == T.i1,
                            "vector of 1-bit signless integer values")
NonZeroRankMaskVector = TypeConstraint(lambda t: MaskVector(t) and t.rank > 0, MaskVector.desc)
FloatVector = TypeConstraint(lambda t: _is_vector(t) and t.element_type.__class__ is T.FloatType,
                             "vector of floating-point values")
IndexVector1D = TypeConstraint(lambda t: _is_vector(t) and t.rank == 1
                               and t.element_type == T.index,
                               "vector of index values of ranks 1")
# upstream's description of vector.print's operand is empty
Printable = TypeConstraint(lambda t: _is_vector(t) or t.__class__ in (T.IntegerType, T.IndexType,
                                                                      T.FloatType), "")


def bitwidth(t):
    return 64 if t.__class__ is T.IndexType else t.width


def _same_element_type(op, a, b, what):
    if T.element_type(a) != T.element_type(b):
        raise op.error(f"failed to verify that {what} have same element type")


# -- element access -----------------------------------------------------------------------

def _verify_position_rank(op, vector_type, static, dynamic, what):
    """The checks vector.extract and vector.insert share on their position (`what`: the
    vector it indexes, in the messages)."""
    n = sum(1 for s in static if s == KDYNAMIC)
    if n != len(dynamic):
        raise op.error("mismatch between dynamic and static positions (kDynamic marker but no "
                       "corresponding dynamic position) -- this can only happen due to an "
                       "incorrect fold/rewrite")
    if len(static) > vector_type.rank:
        raise op.error(f"expected position attribute of rank no greater than {what} rank")


def _verify_static_positions(op, vector_type, static, what, poison_note):
    for i, s in enumerate(static):
        if s != KDYNAMIC and s != POISON and not 0 <= s < vector_type.shape[i]:
            raise op.error(f"expected position attribute #{i + 1} to be a non-negative integer "
                           f"smaller than the corresponding {what} dimension{poison_note}")


def extracted_type(vector_type, npos):
    """The type of what `npos` leading positions select from `vector_type`."""
    if npos == vector_type.rank:
        return vector_type.element_type
    scalable = vector_type.scalable[npos:] if vector_type.scalable else None
    return T.VectorType(vector_type.shape[npos:], vector_type.element_type, scalable)


class ExtractOp(Op):
    """The element or sub-vector at a (partly dynamic) position: `%v[1, %i]`."""

    name = "vector.extract"
    vector = operand(AnyVector)
    dynamic_position = var_operand(VarIndex)
    static_position = prop(DenseArrayOf(T.i64))
    result = result()
    traits = (Pure,)
    assembly_format = ("$vector `` custom<DynamicIndexList>($dynamic_position, $static_position) "
                       "attr-dict `:` type($result) `from` type($vector)")
    examples = (
        "func.func @f(%arg0: vector<2x4xf32>, %arg1: index) -> f32 {\n"
        "  %0 = vector.extract %arg0[1] : vector<4xf32> from vector<2x4xf32>\n"
        "  %1 = vector.extract %arg0[1, %arg1] : f32 from vector<2x4xf32>\n"
        "  %2 = vector.extract %0[3] : f32 from vector<4xf32>\n"
        "  return %1 : f32\n}",
    )

    @classmethod
    def build(cls, vector, position, loc=None):
        """`position`: ints (or POISON) and index Values, outermost dimension first."""
        static, dynamic = split_mixed(position)
        return cls(vector, dynamic, static_position=static,
                   result_types=[extracted_type(vector.type, len(static))], loc=loc)

    def mixed_position(self):
        return mixed_values(self.static_position.value, self.dynamic_position)

    def verify_(self):
        vt, rt = self.vector.type, self.result.type
        _same_element_type(self, vt, rt, "operand and result")
        if _is_vector(rt) and rt.rank == 0:
            raise IRError("expected a scalar instead of a 0-d vector as the result type", self.loc)
        static = self.static_position.value
        _verify_position_rank(self, vt, static, self.dynamic_position, "vector")
        _verify_static_positions(self, vt, static, "vector", " or poison (-1)")
        inferred = extracted_type(vt, len(static))
        if inferred != rt and not (_single_element_of(inferred, rt)
                                   or _single_element_of(rt, inferred)):
            raise self.error(f"inferred type(s) {q(inferred)} are incompatible with return "
                             f"type(s) of operation {q(rt)}")

    def fold(self, constant_operands):
        if not self.static_position.value and self.vector.type == self.result.type:
            return [self.vector]
        return None


def _single_element_of(v, t):
    """A vector<1xT> stands for a T where an extract's result is checked."""
    return _is_vector(v) and v.shape == (1,) and v.element_type == t


class InsertOp(Op):
    """The destination vector with the element or sub-vector at a position replaced."""

    name = "vector.insert"
    value_to_store = operand()
    dest = operand(AnyVector)
    dynamic_position = var_operand(VarIndex)
    static_position = prop(DenseArrayOf(T.i64))
    result = result(AnyVector)
    traits = (Pure,)
    assembly_format = ("$value_to_store `,` $dest custom<DynamicIndexList>($dynamic_position, "
                       "$static_position) attr-dict `:` type($value_to_store) `into` type($dest)")
    examples = (
        "func.func @f(%arg0: vector<2x4xf32>, %arg1: f32, %arg2: vector<4xf32>, %arg3: index) "
        "-> vector<2x4xf32> {\n"
        "  %0 = vector.insert %arg1, %arg0 [1, %arg3] : f32 into vector<2x4xf32>\n"
        "  %1 = vector.insert %arg2, %0 [0] : vector<4xf32> into vector<2x4xf32>\n"
        "  return %1 : vector<2x4xf32>\n}",
    )

    @classmethod
    def build(cls, value, dest, position, loc=None):
        static, dynamic = split_mixed(position)
        return cls(value, dest, dynamic, static_position=static, result_types=[dest.type],
                   loc=loc)

    def mixed_position(self):
        return mixed_values(self.static_position.value, self.dynamic_position)

    def infer_result_types(self, operands, properties):
        return [operands[1].type]

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = parts.operand_types[1]

    def verify_(self):
        st, dt = self.value_to_store.type, self.dest.type
        _same_element_type(self, self.result.type, st, "source operand and result")
        if self.result.type != dt:
            raise self.error("failed to verify that all of {dest, result} have same type")
        if _is_vector(st) and st.rank == 0:
            raise IRError("expected a scalar instead of a 0-d vector as the source operand",
                          self.loc)
        static = self.static_position.value
        _verify_position_rank(self, dt, static, self.dynamic_position, "dest vector")
        if _is_vector(st) and st.rank + len(static) != dt.rank:
            raise self.error("expected position attribute rank + source rank to match dest "
                             "vector rank")
        if not _is_vector(st) and len(static) != dt.rank:
            raise self.error("expected position attribute rank to match the dest vector rank")
        _verify_static_positions(self, dt, static, "dest vector", "")


class FromElementsOp(Op):
    """A vector of the given scalars, in row-major order."""

    name = "vector.from_elements"
    elements = var_operand()
    result = result(FixedVector)
    traits = (Pure,)
    assembly_format = "$elements attr-dict `:` type($result)"
    examples = ("func.func @f(%arg0: f32, %arg1: f32) -> vector<2xf32> {\n"
                "  %0 = vector.from_elements %arg0, %arg1 : vector<2xf32>\n"
                "  return %0 : vector<2xf32>\n}",)

    @classmethod
    def infer_parsed_types(cls, parts):
        t = expect_parsed(parts.result_types[0][0], T.VectorType, "vector")
        n = len(parts.operands[0])
        if n != t.num_elements:
            raise IRError(f"number of operands and types do not match: got {n} operands and "
                          f"{t.num_elements} types")
        parts.operand_types[0] = [t.element_type] * n

    def verify_(self):
        t = self.result.type
        if [v.type for v in self.elements] != [t.element_type] * t.num_elements:
            raise self.error("failed to verify that operand types match result element type")


class ShuffleOp(Op):
    """A vector of rows picked from two vectors by a static mask (over v1's rows, then v2's)."""

    name = "vector.shuffle"
    v1 = operand(FixedVector)
    v2 = operand(FixedVector)
    mask = prop(DenseArrayOf(T.i64))
    vector = result(NonZeroRankVector)
    traits = (Pure,)
    assembly_format = "$v1 `,` $v2 $mask attr-dict `:` type($v1) `,` type($v2)"
    examples = ("func.func @f(%arg0: vector<4xf32>, %arg1: vector<2xf32>) -> vector<3xf32> {\n"
                "  %0 = vector.shuffle %arg0, %arg1 [0, 4, -1] : vector<4xf32>, vector<2xf32>\n"
                "  return %0 : vector<3xf32>\n}",)

    @staticmethod
    def result_type_for(v1_type, mask):
        return T.VectorType((len(mask),) + tuple(v1_type.shape[1:]), v1_type.element_type)

    def infer_result_types(self, operands, properties):
        return [self.result_type_for(operands[0].type, properties["mask"].value)]

    @classmethod
    def infer_parsed_types(cls, parts):
        v1 = expect_parsed(parts.operand_types[0][0], T.VectorType, "vector")
        parts.result_types[0] = [cls.result_type_for(v1, parts.props["mask"].value)]

    def verify_(self):
        a, b, r = self.v1.type, self.v2.type, self.vector.type
        _same_element_type(self, r, a, "first operand v1 and result")
        _same_element_type(self, r, b, "second operand v2 and result")
        if not ((a.rank == 0 and b.rank == 0 and r.rank == 1)
                or (a.rank == r.rank and b.rank == r.rank)):
            raise self.error("rank mismatch")
        for i in range(1, a.rank):
            if not r.shape[i] == a.shape[i] == b.shape[i]:
                raise self.error("dimension mismatch")
        mask = self.mask.value
        if not mask:
            raise self.error("invalid mask length")
        if len(mask) != r.shape[0]:
            raise self.error("mask length mismatch")
        n = (a.shape[0] if a.rank else 1) + (b.shape[0] if b.rank else 1)
        for i, m in enumerate(mask):
            if m != POISON and not 0 <= m < n:
                raise self.error(f"mask index #{i + 1} out of range")
        inferred = self.result_type_for(a, mask)
        if inferred != r:
            raise self.error(f"inferred type(s) {q(inferred)} are incompatible with return "
                             f"type(s) of operation {q(r)}")


# -- broadcasts and casts -----------------------------------------------------------------

def _scalable_flags(t):
    return t.scalable or (False,) * t.rank


def _dim_str(n, scalable):
    return f"[{n}]" if scalable else str(n)


class BroadcastOp(Op):
    """A scalar or vector repeated along new leading dimensions and stretched along unit ones."""

    name = "vector.broadcast"
    source = operand()
    vector = result(AnyVector)
    traits = (Pure,)
    assembly_format = "$source attr-dict `:` type($source) `to` type($vector)"
    examples = ("func.func @f(%arg0: f32, %arg1: vector<1x4xf32>) -> vector<3x4xf32> {\n"
                "  %0 = vector.broadcast %arg0 : f32 to vector<4xf32>\n"
                "  %1 = vector.broadcast %arg1 : vector<1x4xf32> to vector<3x4xf32>\n"
                "  return %1 : vector<3x4xf32>\n}",)

    def verify_(self):
        s, d = self.source.type, self.vector.type
        _same_element_type(self, d, s, "source operand and result")
        if not _is_vector(s):
            if s.__class__ in (T.IntegerType, T.IndexType, T.FloatType):
                return
            raise self.error("source type is not a vector")
        if s.rank > d.rank:
            raise self.error("source rank higher than destination rank")
        lead = d.rank - s.rank
        ss, ds = _scalable_flags(s), _scalable_flags(d)
        for i, sd in enumerate(s.shape):
            dd, sf, df = d.shape[lead + i], ss[i], ds[lead + i]
            # 1 -> [N] stretches; any other mix of fixed and scalable sizes does not
            if (sd != 1 and sd != dd) or (sd == 1 and sf and dd != 1) or \
                    (sf != df and (sd != 1 or sf)):
                raise self.error(f"dimension mismatch ({_dim_str(sd, sf)} vs. "
                                 f"{_dim_str(dd, df)})")

    def fold(self, constant_operands):
        return [self.source] if self.source.type == self.vector.type else None


class ShapeCastOp(Op):
    """The same elements in a vector of another shape (row-major order)."""

    name = "vector.shape_cast"
    source = operand(AnyVector)
    result = result(AnyVector)
    traits = (Pure,)
    assembly_format = "$source attr-dict `:` type($source) `to` type($result)"
    examples = ("func.func @f(%arg0: vector<2x4xf32>) -> vector<8xf32> {\n"
                "  %0 = vector.shape_cast %arg0 : vector<2x4xf32> to vector<8xf32>\n"
                "  return %0 : vector<8xf32>\n}",)

    def verify_(self):
        s, r = self.source.type, self.result.type
        if s.element_type != r.element_type:
            raise self.error("has different source and result element types")
        if s.num_elements != r.num_elements:
            raise self.error(f"has different number of elements at source ({s.num_elements}) "
                             f"and result ({r.num_elements})")
        ns, nr = (sum(t.scalable or ()) for t in (s, r))
        if ns != nr:
            raise self.error(f"has different number of scalable dims at source ({ns}) and "
                             f"result ({nr})")

    def fold(self, constant_operands):
        src = self.source
        if src.type == self.result.type:
            return [src]
        inner = getattr(src, "owner", None)
        if isinstance(inner, ShapeCastOp) and inner.source.type == self.result.type:
            return [inner.source]
        return None


class BitCastOp(Op):
    """The same bits as a vector of another element type (the minor dimension resized)."""

    name = "vector.bitcast"
    source = operand(AnyVector)
    result = result(AnyVector)
    traits = (Pure,)
    assembly_format = "$source attr-dict `:` type($source) `to` type($result)"
    examples = ("func.func @f(%arg0: vector<4xf32>) -> vector<8xi16> {\n"
                "  %0 = vector.bitcast %arg0 : vector<4xf32> to vector<8xi16>\n"
                "  return %0 : vector<8xi16>\n}",)

    def verify_(self):
        s, r = self.source.type, self.result.type
        if s.rank != r.rank:
            raise self.error("failed to verify that all of {source, result} have same rank")
        for i in range(s.rank - 1):
            if s.shape[i] != r.shape[i]:
                raise self.error(f"dimension size mismatch at: {i}")
        sb, rb = bitwidth(s.element_type), bitwidth(r.element_type)
        if s.rank == 0:
            if sb != rb:
                raise self.error("source/result bitwidth of the 0-D vector element types must be "
                                 "equal")
        elif sb * s.shape[-1] != rb * r.shape[-1]:
            raise self.error("source/result bitwidth of the minor 1-D vectors must be equal")

    def fold(self, constant_operands):
        return [self.source] if self.source.type == self.result.type else None


class TransposeOp(Op):
    """The vector with its dimensions permuted: result dim i is source dim permutation[i]."""

    name = "vector.transpose"
    vector = operand(AnyVector)
    permutation = prop(DenseArrayOf(T.i64))
    result = result(AnyVector)
    traits = (Pure,)
    assembly_format = "$vector `,` $permutation attr-dict `:` type($vector) `to` type($result)"
    examples = ("func.func @f(%arg0: vector<2x3xf32>) -> vector<3x2xf32> {\n"
                "  %0 = vector.transpose %arg0, [1, 0] : vector<2x3xf32> to vector<3x2xf32>\n"
                "  return %0 : vector<3x2xf32>\n}",)

    def infer_result_types(self, operands, properties):
        t = operands[0].type
        perm = properties["permutation"].value
        scalable = [t.scalable[p] for p in perm] if t.scalable else None
        return [T.VectorType([t.shape[p] for p in perm], t.element_type, scalable)]

    def verify_(self):
        s, r = self.vector.type, self.result.type
        _same_element_type(self, r, s, "operand and result")
        if s.rank != r.rank:
            raise self.error(f"vector result rank mismatch: {r.rank}")
        perm = self.permutation.value
        if len(perm) != r.rank:
            raise self.error(f"transposition length mismatch: {len(perm)}")
        seen = set()
        for i, p in enumerate(perm):
            if not 0 <= p < r.rank:
                raise self.error(f"transposition index out of range: {p}")
            if p in seen:
                raise self.error(f"duplicate position index: {p}")
            seen.add(p)
            if r.shape[i] != s.shape[p]:
                raise self.error(f"dimension size mismatch at: {p}")

    def fold(self, constant_operands):
        if list(self.permutation.value) == list(range(self.vector.type.rank)):
            return [self.vector]
        return None


# -- arithmetic ---------------------------------------------------------------------------

class FMAOp(Op):
    """Fused multiply-add, elementwise: lhs * rhs + acc."""

    name = "vector.fma"
    lhs = operand(FloatVector)
    rhs = operand(FloatVector)
    acc = operand(FloatVector)
    result = result(FloatVector)
    traits = (Pure,)
    assembly_format = "$lhs `,` $rhs `,` $acc attr-dict `:` type($lhs)"
    examples = ("func.func @f(%arg0: vector<8xf32>) -> vector<8xf32> {\n"
                "  %0 = vector.fma %arg0, %arg0, %arg0 : vector<8xf32>\n"
                "  return %0 : vector<8xf32>\n}",)

    def infer_result_types(self, operands, properties):
        return [operands[0].type]

    @classmethod
    def infer_parsed_types(cls, parts):
        t = parts.operand_types[0]
        parts.operand_types[1] = parts.operand_types[2] = parts.result_types[0] = t

    def verify_(self):
        if len({v.type for v in self.operands + self.results}) != 1:
            raise self.error("failed to verify that all of {lhs, rhs, acc, result} have same "
                             "type")


class ReductionOp(Op):
    """Combines the elements of a 0-D or 1-D vector (and an optional accumulator) into a
    scalar."""

    name = "vector.reduction"
    kind = prop(EnumOf(CombiningKindAttr))
    vector = operand(AnyVector)
    acc = opt_operand()
    fastmath = prop(FASTMATH)
    dest = result()
    traits = (Pure,)
    assembly_format = ("$kind `,` $vector (`,` $acc^)? (`fastmath` `` $fastmath^)? attr-dict "
                       "`:` type($vector) `into` type($dest)")
    examples = (
        "func.func @f(%arg0: vector<8xf32>, %arg1: f32, %arg2: vector<4xi32>) -> f32 {\n"
        "  %0 = vector.reduction <add>, %arg0 : vector<8xf32> into f32\n"
        "  %1 = vector.reduction <maxnumf>, %arg0, %0 fastmath<nnan,ninf> : vector<8xf32> "
        "into f32\n"
        "  %2 = vector.reduction <xor>, %arg2 : vector<4xi32> into i32\n"
        "  return %1 : f32\n}",
    )

    def __init__(self, kind, vector, acc=None, **kw):
        if isinstance(kind, str):
            kind = CombiningKindAttr(kind)
        super().__init__(vector, acc, kind=kind, **kw)

    def infer_result_types(self, operands, properties):
        return [operands[0].type.element_type]

    @classmethod
    def infer_parsed_types(cls, parts):
        if parts.operands[1]:
            parts.operand_types[1] = parts.result_types[0]

    def verify_(self):
        vt, dt = self.vector.type, self.dest.type
        _same_element_type(self, dt, vt, "source operand and result")
        if self.acc is not None and self.acc.type != dt:
            raise self.error("failed to verify that dest and acc have the same type")
        if vt.rank > 1:
            raise self.error(f"unsupported reduction rank: {vt.rank}")
        kind = self.kind.case
        if not supports_kind(kind, dt):
            raise self.error(f"unsupported reduction type '{q(dt)}' for kind '{kind}'")


# -- masks and steps ------------------------------------------------------------------------

class ConstantMaskOp(Op):
    """An i1 vector set inside the box [0, size) of each dimension."""

    name = "vector.constant_mask"
    mask_dim_sizes = prop(DenseArrayOf(T.i64))
    result = result(MaskVector)
    traits = (Pure,)
    assembly_format = "$mask_dim_sizes attr-dict `:` type(results)"
    examples = ("func.func @f() -> vector<4x3xi1> {\n"
                "  %0 = vector.constant_mask [3, 2] : vector<4x3xi1>\n"
                "  return %0 : vector<4x3xi1>\n}",)

    def verify_(self):
        t = self.result.type
        sizes = self.mask_dim_sizes.value
        if t.rank == 0:
            if len(sizes) != 1:
                raise IRError("array attr must have length 1 for 0-D vectors", self.loc)
            if sizes[0] not in (0, 1):
                raise IRError("mask dim size must be either 0 or 1 for 0-D vectors", self.loc)
            return
        if len(sizes) != t.rank:
            raise self.error("must specify array attr of size equal vector result rank")
        for n, d, s in zip(sizes, t.shape, _scalable_flags(t)):
            if not 0 <= n <= d:
                raise self.error("array attr of size out of bounds of vector result dimension "
                                 "size")
            if s and n not in (0, d):
                raise self.error("only supports 'none set' or 'all set' scalable dimensions")
        if 0 in sizes and any(sizes):
            raise self.error("expected all mask dim sizes to be zeros, as a result of "
                             "conjunction with zero mask dim")


class CreateMaskOp(Op):
    """An i1 vector set inside the box [0, operand) of each dimension."""

    name = "vector.create_mask"
    operands_ = var_operand(VarIndex)
    result = result(MaskVector)
    traits = (Pure,)
    assembly_format = "$operands_ attr-dict `:` type(results)"
    examples = ("func.func @f(%arg0: index, %arg1: index) -> vector<4x3xi1> {\n"
                "  %0 = vector.create_mask %arg0, %arg1 : vector<4x3xi1>\n"
                "  return %0 : vector<4x3xi1>\n}",)

    def verify_(self):
        t = self.result.type
        if t.rank == 0:
            if len(self.operands) != 1:
                raise self.error("must specify exactly one operand for 0-D create_mask")
        elif len(self.operands) != t.rank:
            raise self.error("must specify an operand for each result vector dimension")


class StepOp(Op):
    """The index vector [0, 1, ..., N-1]."""

    name = "vector.step"
    result = result(IndexVector1D)
    traits = (Pure,)
    assembly_format = "attr-dict `:` type($result)"
    examples = ("func.func @f() -> vector<4xindex> {\n"
                "  %0 = vector.step : vector<4xindex>\n  return %0 : vector<4xindex>\n}",)


# -- memory -------------------------------------------------------------------------------

def _verify_unit_minor_stride(op, vector_type, memref_type):
    if vector_type.scalable is None and (vector_type.rank == 0 or vector_type.num_elements == 1):
        return
    so = strides_and_offset(memref_type)
    if so is None or (so[0] and so[0][-1] != 1):
        raise op.error("most minor memref dim must have unit stride")


def _verify_load_store(op, vector_type, memref_type, indices, value_name, rank_message):
    _verify_unit_minor_stride(op, vector_type, memref_type)
    if memref_type.rank < vector_type.rank:
        raise op.error(rank_message)
    et = memref_type.element_type
    if _is_vector(et):
        if et != vector_type:
            raise op.error(f"base memref and {value_name} vector types should match")
        et = et.element_type
    if vector_type.element_type != et:
        raise op.error(f"base and {value_name} element "
                       f"{'types' if value_name == 'result' else 'type'} should match")
    _verify_index_count(op, memref_type, indices)


def _verify_index_count(op, memref_type, indices):
    if len(indices) != memref_type.rank:
        raise op.error(f"requires {memref_type.rank} indices")


class LoadOp(Op):
    """Reads an n-D slice of a buffer starting at the indices (contiguous along the minor
    dimension)."""

    name = "vector.load"
    base = operand(MemRef)
    indices = var_operand(VarIndex)
    nontemporal = prop(BoolFlag())
    alignment = opt_prop(Alignment())
    result = result(AnyVector)
    effects = (Read("base"),)
    assembly_format = "$base `[` $indices `]` attr-dict `:` type($base) `,` type($result)"
    examples = ("func.func @f(%arg0: memref<?x8xf32>, %arg1: index) -> vector<8xf32> {\n"
                "  %0 = vector.load %arg0[%arg1, %arg1] : memref<?x8xf32>, vector<8xf32>\n"
                "  %1 = vector.load %arg0[%arg1, %arg1] {alignment = 32 : i64, nontemporal = "
                "true} : memref<?x8xf32>, vector<2x8xf32>\n"
                "  return %0 : vector<8xf32>\n}",)

    def __init__(self, vector_type, base, indices=(), **kw):
        super().__init__(base, list(indices), result_types=[vector_type], **kw)

    def verify_(self):
        _verify_load_store(self, self.result.type, self.base.type, self.indices, "result",
                           "destination memref has lower rank than the result vector")


class StoreOp(Op):
    """Writes an n-D vector into a buffer starting at the indices."""

    name = "vector.store"
    value_to_store = operand(AnyVector)
    base = operand(MemRef)
    indices = var_operand(VarIndex)
    nontemporal = prop(BoolFlag())
    alignment = opt_prop(Alignment())
    effects = (Write("base"),)
    assembly_format = ("$value_to_store `,` $base `[` $indices `]` attr-dict `:` type($base) `,` "
                       "type($value_to_store)")
    examples = ("func.func @f(%arg0: memref<?x8xf32>, %arg1: index, %arg2: vector<8xf32>) {\n"
                "  vector.store %arg2, %arg0[%arg1, %arg1] : memref<?x8xf32>, vector<8xf32>\n"
                "  return\n}",)

    def __init__(self, value, base, indices=(), **kw):
        super().__init__(value, base, list(indices), **kw)

    def verify_(self):
        _verify_load_store(self, self.value_to_store.type, self.base.type, self.indices,
                           "valueToStore", "source memref has lower rank than the vector to store")


class MaskedLoadOp(Op):
    """Reads the elements the mask selects; the others come from the pass-through vector."""

    name = "vector.maskedload"
    base = operand(MemRef)
    indices = var_operand(VarIndex)
    mask = operand(NonZeroRankMaskVector)
    pass_thru = operand(NonZeroRankVector)
    alignment = opt_prop(Alignment())
    result = result(NonZeroRankVector)
    effects = (Read("base"),)
    assembly_format = ("$base `[` $indices `]` `,` $mask `,` $pass_thru attr-dict `:` "
                       "type($base) `,` type($mask) `,` type($pass_thru) `into` type($result)")
    examples = ("func.func @f(%arg0: memref<?xf32>, %arg1: index, %arg2: vector<8xi1>, "
                "%arg3: vector<8xf32>) -> vector<8xf32> {\n"
                "  %0 = vector.maskedload %arg0[%arg1], %arg2, %arg3 : memref<?xf32>, "
                "vector<8xi1>, vector<8xf32> into vector<8xf32>\n"
                "  return %0 : vector<8xf32>\n}",)

    def verify_(self):
        rt, mt = self.result.type, self.base.type
        if rt.element_type != mt.element_type:
            raise self.error("base and result element type should match")
        _verify_index_count(self, mt, self.indices)
        if rt.shape != self.mask.type.shape:
            raise self.error("expected result shape to match mask shape")
        if rt != self.pass_thru.type:
            raise self.error("expected pass_thru of same type as result type")


class MaskedStoreOp(Op):
    """Writes the elements of a vector that the mask selects."""

    name = "vector.maskedstore"
    base = operand(MemRef)
    indices = var_operand(VarIndex)
    mask = operand(NonZeroRankMaskVector)
    value_to_store = operand(NonZeroRankVector)
    alignment = opt_prop(Alignment())
    effects = (Write("base"),)
    assembly_format = ("$base `[` $indices `]` `,` $mask `,` $value_to_store attr-dict `:` "
                       "type($base) `,` type($mask) `,` type($value_to_store)")
    examples = ("func.func @f(%arg0: memref<?xf32>, %arg1: index, %arg2: vector<8xi1>, "
                "%arg3: vector<8xf32>) {\n"
                "  vector.maskedstore %arg0[%arg1], %arg2, %arg3 : memref<?xf32>, vector<8xi1>, "
                "vector<8xf32>\n  return\n}",)

    def verify_(self):
        vt, mt = self.value_to_store.type, self.base.type
        if vt.element_type != mt.element_type:
            raise self.error("base and valueToStore element type should match")
        _verify_index_count(self, mt, self.indices)
        if vt.shape != self.mask.type.shape:
            raise self.error("expected valueToStore shape to match mask shape")


# -- printing -----------------------------------------------------------------------------

class PrintOp(Op):
    """Prints a vector or scalar (then a newline, or the given punctuation), a punctuation
    alone, or a string, to stdout (for tests and debugging)."""

    name = "vector.print"
    source = opt_operand(Printable)
    punctuation = prop(EnumOf(PrintPunctuationAttr, default="newline"))
    stringLiteral = opt_prop(StrAttr())
    effects = (Write(),)
    assembly_format = ("($source^ `:` type($source))? (`str` $stringLiteral^)? "
                       "(`punctuation` $punctuation^)? attr-dict")
    examples = (
        "func.func @f(%arg0: vector<4xf32>, %arg1: i64) {\n"
        "  vector.print %arg0 : vector<4xf32>\n"
        "  vector.print %arg1 : i64 punctuation <comma>\n"
        "  vector.print punctuation <open>\n"
        "  vector.print\n"
        '  vector.print str "hello\\0A"\n'
        "  return\n}",
    )

    def __init__(self, source=None, punctuation=None, string=None, loc=None):
        super().__init__(source, loc=loc,
                         punctuation=PrintPunctuationAttr(punctuation) if punctuation else None,
                         stringLiteral=StringAttr(string) if string is not None else None)

    def verify_(self):
        if "stringLiteral" in self.properties and (
                self.source is not None or self.punctuation.case != "newline"):
            raise self.error("failed to verify that `source` or `punctuation` are not set when "
                             "printing strings")


__all__ = ["CombiningKindAttr", "PrintPunctuationAttr", "ExtractOp", "InsertOp",
           "FromElementsOp", "ShuffleOp", "BroadcastOp", "ShapeCastOp", "BitCastOp",
           "TransposeOp", "FMAOp", "ReductionOp", "ConstantMaskOp", "CreateMaskOp", "StepOp",
           "LoadOp", "StoreOp", "MaskedLoadOp", "MaskedStoreOp", "PrintOp", "POISON"]
