"""Shared pieces of the conversions to the llvm dialect: the type converter (index -> i64,
memref -> descriptor struct), the pattern table every dialect module fills, memref descriptor
access, and the pass that runs a set of those patterns."""

from __future__ import annotations

from ...dialects import llvm as L
from ...ir import IRError
from ...ir import types as T
from ...ir.attributes import IntegerAttr
from ...passes import Pass
from ...passes.conversion import TypeConverter, apply_conversion

PATTERNS = {}  # op name -> function(op, operands, rewriter) -> bool


def lowers(*names):
    """Register the decorated function as the llvm lowering of the named ops."""
    def deco(fn):
        for n in names:
            PATTERNS[n] = fn
        return fn
    return deco


def _convert_memref(t):
    if t.__class__ is T.MemRefType:
        return L.memref_descriptor(t.rank)
    if t.__class__ is T.UnrankedMemRefType:
        return L.struct(T.i64, L.ptr)
    return None


def _convert_index(t):
    if t.__class__ is T.IndexType:
        return T.i64
    if t.__class__ is T.VectorType and t.element_type.__class__ is T.IndexType:
        return T.VectorType(t.shape, T.i64, t.scalable)
    return None


def make_type_converter():
    tc = TypeConverter()
    tc.add(_convert_index)
    tc.add(_convert_memref)
    return tc


TYPES = make_type_converter()


class _Pattern:
    def __init__(self, name, fn):
        self.op_name = name
        self.fn = fn

    def convert(self, op, operands, rw):
        return self.fn(op, operands, rw) is not False


def run_conversion(root, prefixes):
    """Convert the ops whose dialect is in `prefixes` (e.g. ("arith.",))."""
    pats = [_Pattern(n, f) for n, f in PATTERNS.items() if n.startswith(prefixes)]
    apply_conversion(root, pats, TYPES, lambda op: not op.name.startswith(prefixes),
                     reconcile=False)


def make_pass(argument, title, summary, prefixes):
    """A registered pass converting the ops of the dialects in `prefixes` to llvm."""
    from ...passes import register_pass
    cls = type(title, (Pass,), {"argument": argument, "title": title, "summary": summary,
                                "run": lambda self, op: run_conversion(op, prefixes)})
    return register_pass(cls)


# -- building ---------------------------------------------------------------------------------

class AppendBuilder:
    """Inserts at the end of a block (for bodies built from scratch); `ins` accepts it in
    place of a rewriter."""

    def __init__(self, block):
        self.block = block

    def insert(self, op):
        self.block.append(op)
        return op


def ins(rw, op):
    """Insert `op` and return its single result."""
    rw.insert(op)
    return op.results[0] if op.results else None


def const(rw, value, type=T.i64):
    return ins(rw, L.ConstantOp.build(value, type))


def byte_width(t):
    if t.__class__ is T.IntegerType:
        return max(1, (t.width + 7) // 8)
    if t.__class__ is T.FloatType:
        return {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "f80": 16, "f128": 16}[t.name]
    if t.__class__ is T.IndexType:
        return 8
    if t.__class__ is T.VectorType:
        n = 1
        for d in t.shape:
            n *= d
        return n * byte_width(t.element_type)
    if isinstance(t, L.LLVMPointerType):
        return 8
    raise IRError(f"no byte width for element type '{t}'")


def llvm_element(t):
    """The llvm dialect's element type for a memref element type."""
    return TYPES.convert(t)


class Descriptor:
    """A ranked memref descriptor value `{alloc ptr, aligned ptr, offset, sizes[], strides[]}`
    with the memref type it stands for: static sizes, strides and offsets are constants."""

    def __init__(self, value, mtype):
        self.value = value
        self.type = mtype

    @staticmethod
    def build(rw, mtype, alloc, aligned, offset, sizes, strides):
        st = L.memref_descriptor(mtype.rank)
        v = ins(rw, L.UndefOp.build(st))
        v = ins(rw, L.InsertValueOp.build(v, alloc, [0]))
        v = ins(rw, L.InsertValueOp.build(v, aligned, [1]))
        v = ins(rw, L.InsertValueOp.build(v, _val(rw, offset), [2]))
        for i, s in enumerate(sizes):
            v = ins(rw, L.InsertValueOp.build(v, _val(rw, s), [3, i]))
        for i, s in enumerate(strides):
            v = ins(rw, L.InsertValueOp.build(v, _val(rw, s), [4, i]))
        return Descriptor(v, mtype)

    def _extract(self, rw, pos):
        return ins(rw, L.ExtractValueOp.build(self.value, pos))

    def alloc_ptr(self, rw):
        return self._extract(rw, [0])

    def aligned_ptr(self, rw):
        return self._extract(rw, [1])

    def static_strides(self):
        try:
            return self.type.strides_and_offset()
        except ValueError:
            return [T.DYNAMIC] * self.type.rank, T.DYNAMIC

    def offset(self, rw):
        _, off = self.static_strides()
        return const(rw, off) if off != T.DYNAMIC else self._extract(rw, [2])

    def size(self, rw, i):
        d = self.type.shape[i]
        return const(rw, d) if d != T.DYNAMIC else self._extract(rw, [3, i])

    def stride(self, rw, i):
        strides, _ = self.static_strides()
        s = strides[i]
        return const(rw, s) if s != T.DYNAMIC else self._extract(rw, [4, i])

    def sizes(self, rw):
        return [self.size(rw, i) for i in range(self.type.rank)]

    def strides(self, rw):
        return [self.stride(rw, i) for i in range(self.type.rank)]

    def element_address(self, rw, indices):
        """Address of the element at `indices` (i64 values)."""
        strides, off = self.static_strides()
        linear = None
        if off != 0:
            linear = self.offset(rw)
        for i, idx in enumerate(indices):
            s = strides[i]
            term = idx if s == 1 else ins(rw, L.MulOp(idx, self.stride(rw, i)))
            linear = term if linear is None else ins(rw, L.AddOp(linear, term))
        base = self.aligned_ptr(rw)
        if linear is None:
            return base
        return ins(rw, L.GEPOp.build(base, [linear], llvm_element(self.type.element_type)))


def _val(rw, x):
    return const(rw, x) if isinstance(x, int) else x


def i64_attr(v):
    return IntegerAttr(v, T.i64)
