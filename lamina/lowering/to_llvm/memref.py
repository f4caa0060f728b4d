"""`finalize-memref-to-llvm`: memrefs become descriptors (upstream's MemRefToLLVM).

Buffers come from `aligned_alloc` with the op's alignment, or `malloc` where no more than
malloc's own alignment is asked (either way allocated and aligned pointers are equal and `free`
releases them), globals from `llvm.mlir.global` arrays. Copies between contiguous
buffers are one `memcpy`; other layouts are copied element by element.
"""

from __future__ import annotations

from ...dialects import llvm as L
from ...ir import IRError
from ...ir import types as T
from ...ir.attributes import DenseElementsAttr
from .cf import module_of
from .common import TYPES, Descriptor, byte_width, const, ins, llvm_element, lowers, make_pass

MALLOC_ALIGNMENT = 16  # what glibc's malloc guarantees on x86-64 and aarch64


def _declare(module, name, ret, params):
    body = module.regions[0].blocks[0]
    for o in body:
        sym = o.properties.get("sym_name")
        if sym is not None and sym.value == name:
            return o
    f = L.LLVMFuncOp.build(name, L.LLVMFunctionType(ret, params), declaration=True)
    body.prepend(f)
    return f


def _num_elements(rw, sizes):
    n = None
    for s in sizes:
        n = s if n is None else ins(rw, L.MulOp(n, s))
    return n if n is not None else const(rw, 1)


def _identity_strides(rw, mtype, sizes):
    strides = [None] * mtype.rank
    acc = None
    static = 1
    for i in range(mtype.rank - 1, -1, -1):
        if acc is None:
            strides[i] = const(rw, static)
        else:
            strides[i] = acc
        d = mtype.shape[i]
        if acc is None and d != T.DYNAMIC:
            static *= d
        else:
            cur = acc if acc is not None else const(rw, static)
            acc = ins(rw, L.MulOp(cur, sizes[i]))
    return strides


def _sizes(rw, mtype, dynamic):
    it = iter(dynamic)
    return [next(it) if d == T.DYNAMIC else const(rw, d) for d in mtype.shape]


@lowers("memref.alloc", "memref.alloca")
def _alloc(op, operands, rw):
    mtype = op.results[0].type
    if not mtype.has_static_shape and len(operands) < mtype.num_dynamic_dims:
        raise IRError("missing dynamic sizes", op.loc)
    sizes = _sizes(rw, mtype, operands[:mtype.num_dynamic_dims])
    count = _num_elements(rw, sizes)
    es = byte_width(mtype.element_type)
    align = op.properties.get("alignment")
    align = align.value if align is not None else None
    if op.name == "memref.alloca":
        p = ins(rw, L.AllocaOp.build(count, llvm_element(mtype.element_type),
                                     alignment=max(es, align or 0)))
    elif align is None or align <= MALLOC_ALIGNMENT:
        # malloc is several times faster than aligned_alloc; a zero size may give NULL
        nbytes = ins(rw, L.MulOp(count, const(rw, es)))
        fn = _declare(module_of(op), "malloc", L.ptr, [T.i64])
        p = ins(rw, L.CallOp.build(fn, [ins(rw, L.OrOp(nbytes, const(rw, 1)))]))
    else:
        nbytes = ins(rw, L.MulOp(count, const(rw, es)))
        # aligned_alloc wants a multiple of the alignment, and a non-zero size
        padded = ins(rw, L.AndOp(ins(rw, L.AddOp(nbytes, const(rw, align))),
                                 const(rw, -align)))
        fn = _declare(module_of(op), "aligned_alloc", L.ptr, [T.i64, T.i64])
        p = ins(rw, L.CallOp.build(fn, [const(rw, align), padded]))
    strides = _identity_strides(rw, mtype, sizes)
    d = Descriptor.build(rw, mtype, p, p, 0, sizes, strides)
    rw.replace_op(op, [d.value])


@lowers("memref.dealloc")
def _dealloc(op, operands, rw):
    fn = _declare(module_of(op), "free", L.void, [L.ptr])
    d = Descriptor(operands[0], op.operands[0].type)
    rw.insert(L.CallOp.build(fn, [d.alloc_ptr(rw)]))
    op.erase()


@lowers("memref.load")
def _load(op, operands, rw):
    d = Descriptor(operands[0], op.operands[0].type)
    addr = d.element_address(rw, operands[1:])
    t = TYPES.convert(op.results[0].type)
    rw.replace_op(op, [ins(rw, L.LoadOp.build(t, addr, alignment=byte_width(t)))])


@lowers("memref.store")
def _store(op, operands, rw):
    d = Descriptor(operands[1], op.operands[1].type)
    addr = d.element_address(rw, operands[2:])
    rw.insert(L.StoreOp.build(operands[0], addr, alignment=byte_width(operands[0].type)))
    op.erase()


def _const_index(v):
    o = getattr(v, "owner", None)
    while getattr(o, "name", None) == "builtin.unrealized_conversion_cast":
        o = getattr(o.operands[0], "owner", None)
    if o is not None and getattr(o, "name", None) in ("arith.constant", "llvm.mlir.constant"):
        return o.properties["value"].value
    return None


@lowers("memref.dim")
def _dim(op, operands, rw):
    t = op.operands[0].type
    i = _const_index(op.operands[1])
    if i is None or t.__class__ is not T.MemRefType:
        raise IRError("memref.dim needs a ranked memref and a constant index", op.loc)
    rw.replace_op(op, [Descriptor(operands[0], t).size(rw, i)])


@lowers("memref.rank")
def _rank(op, operands, rw):
    t = op.operands[0].type
    if t.__class__ is T.MemRefType:
        rw.replace_op(op, [const(rw, t.rank)])
    else:
        rw.replace_op(op, [ins(rw, L.ExtractValueOp.build(operands[0], [0]))])


@lowers("memref.cast")
def _cast(op, operands, rw):
    src, dst = op.operands[0].type, op.results[0].type
    v = operands[0]
    if src.__class__ is T.MemRefType and dst.__class__ is T.MemRefType:
        rw.replace_op(op, [v])
    elif dst.__class__ is T.UnrankedMemRefType:
        # the ranked descriptor goes to a stack slot; the unranked one points at it
        slot = ins(rw, L.AllocaOp.build(const(rw, 1), v.type))
        rw.insert(L.StoreOp.build(v, slot))
        u = ins(rw, L.UndefOp.build(L.struct(T.i64, L.ptr)))
        u = ins(rw, L.InsertValueOp.build(u, const(rw, src.rank), [0]))
        rw.replace_op(op, [ins(rw, L.InsertValueOp.build(u, slot, [1]))])
    else:
        p = ins(rw, L.ExtractValueOp.build(v, [1]))
        rw.replace_op(op, [ins(rw, L.LoadOp.build(TYPES.convert(dst), p))])


@lowers("memref.copy")
def _copy(op, operands, rw):
    st, dt = op.operands[0].type, op.operands[1].type
    if not (_identity(st) and _identity(dt)):
        raise IRError("memref.copy between strided layouts must be expanded to loops first "
                      "(convert-structured-to-loops does)", op.loc)
    s, d = Descriptor(operands[0], st), Descriptor(operands[1], dt)
    es = byte_width(st.element_type)
    n = _num_elements(rw, s.sizes(rw))
    nbytes = ins(rw, L.MulOp(n, const(rw, es)))
    src = s.element_address(rw, [const(rw, 0)] * st.rank)
    dst = d.element_address(rw, [const(rw, 0)] * dt.rank)
    rw.insert(L.MemcpyOp.build(dst, src, nbytes))
    op.erase()


def _identity(t):
    return t.__class__ is T.MemRefType and (t.layout is None or getattr(t.layout, "is_identity",
                                                                         False))


def _array_type(mtype):
    t = llvm_element(mtype.element_type)
    for d in reversed(mtype.shape):
        t = L.LLVMArrayType(t, d)
    return t


@lowers("memref.global")
def _global(op, operands, rw):
    mtype = op.properties["type"].value
    value = op.properties.get("initial_value")
    if value is not None and value.__class__ is not DenseElementsAttr:
        value = None  # `uninitialized`
    if value is not None and mtype.element_type.__class__ is T.IndexType:
        value = DenseElementsAttr(T.RankedTensorType(mtype.shape, T.i64), value.array)
    vis = op.properties.get("sym_visibility")
    linkage = "private" if vis is not None and vis.value == "private" else "external"
    align = op.properties.get("alignment")
    g = L.GlobalOp.build(op.properties["sym_name"].value, _array_type(mtype), value=value,
                         linkage=linkage, constant="constant" in op.properties,
                         alignment=align.value if align is not None else None, loc=op.loc)
    if value is None:
        g.properties.pop("value", None)
        body = g.regions[0].add_block()
        body.append(L.ZeroOp.build(g.type))
        body.append(L.ReturnOp.build(body.first.results[0]))
    rw.insert(g)
    op.erase()


@lowers("memref.get_global")
def _get_global(op, operands, rw):
    mtype = op.results[0].type
    p = ins(rw, L.AddressOfOp.build(op.properties["name"].root))
    sizes = [const(rw, x) for x in mtype.shape]
    d = Descriptor.build(rw, mtype, p, p, 0, sizes, _identity_strides(rw, mtype, sizes))
    rw.replace_op(op, [d.value])


def _mixed(op, values, operands):
    """Static ints and converted dynamic values, from an op's mixed offset/size/stride list."""
    table = {id(o): n for o, n in zip(op.operands, operands)}
    return [v if isinstance(v, int) else table[id(v)] for v in values]


@lowers("memref.subview")
def _subview(op, operands, rw):
    src_t, dst_t = op.operands[0].type, op.results[0].type
    s = Descriptor(operands[0], src_t)
    offsets = _mixed(op, op.mixed_offsets(), operands)
    sizes = _mixed(op, op.mixed_sizes(), operands)
    steps = _mixed(op, op.mixed_strides(), operands)
    off = s.offset(rw)
    new_sizes, new_strides = [], []
    for i in range(src_t.rank):
        st = s.stride(rw, i)
        o = offsets[i]
        if not (isinstance(o, int) and o == 0):
            off = ins(rw, L.AddOp(off, ins(rw, L.MulOp(_v(rw, o), st))))
        step = steps[i]
        new_sizes.append(sizes[i])
        new_strides.append(st if isinstance(step, int) and step == 1 else
                           ins(rw, L.MulOp(st, _v(rw, step))))
    if dst_t.rank != src_t.rank:
        keep = [i for i in range(src_t.rank) if not (isinstance(sizes[i], int) and sizes[i] == 1)]
        keep = keep[len(keep) - dst_t.rank:] if len(keep) > dst_t.rank else keep
        new_sizes = [new_sizes[i] for i in keep]
        new_strides = [new_strides[i] for i in keep]
    p = s.alloc_ptr(rw)
    a = s.aligned_ptr(rw)
    d = Descriptor.build(rw, dst_t, p, a, off, [_v(rw, x) for x in new_sizes], new_strides)
    rw.replace_op(op, [d.value])


def _v(rw, x):
    return const(rw, x) if isinstance(x, int) else x


@lowers("memref.reinterpret_cast")
def _reinterpret_cast(op, operands, rw):
    src_t, dst_t = op.operands[0].type, op.results[0].type
    v = operands[0]
    if src_t.__class__ is T.UnrankedMemRefType:
        v = ins(rw, L.LoadOp.build(L.memref_descriptor(dst_t.rank),
                                   ins(rw, L.ExtractValueOp.build(v, [1]))))
    s = Descriptor(v, dst_t)
    off = _mixed(op, op.mixed_offsets(), operands)[0]
    sizes = _mixed(op, op.mixed_sizes(), operands)
    strides = _mixed(op, op.mixed_strides(), operands)
    d = Descriptor.build(rw, dst_t, s.alloc_ptr(rw), s.aligned_ptr(rw), _v(rw, off),
                         [_v(rw, x) for x in sizes], [_v(rw, x) for x in strides])
    rw.replace_op(op, [d.value])


@lowers("memref.collapse_shape")
def _collapse(op, operands, rw):
    src_t, dst_t = op.operands[0].type, op.results[0].type
    s = Descriptor(operands[0], src_t)
    sizes = []
    for group in op.groups:
        sizes.append(_num_elements(rw, [s.size(rw, i) for i in group]))
    strides = [s.stride(rw, group[-1]) if group else const(rw, 1) for group in op.groups]
    d = Descriptor.build(rw, dst_t, s.alloc_ptr(rw), s.aligned_ptr(rw), s.offset(rw), sizes,
                         strides)
    rw.replace_op(op, [d.value])


@lowers("memref.expand_shape")
def _expand(op, operands, rw):
    src_t, dst_t = op.operands[0].type, op.results[0].type
    s = Descriptor(operands[0], src_t)
    shape = _mixed(op, list(op.mixed_output_shape()), operands) if hasattr(
        op, "mixed_output_shape") else list(dst_t.shape)
    sizes = [_v(rw, x) for x in shape]
    # a 0-d source has no groups: its unit dims get stride 1
    strides = [const(rw, 1)] * dst_t.rank if not op.groups else [None] * dst_t.rank
    for k, group in enumerate(op.groups):
        acc = s.stride(rw, k)
        for i in reversed(group):
            strides[i] = acc
            acc = ins(rw, L.MulOp(acc, sizes[i]))
    d = Descriptor.build(rw, dst_t, s.alloc_ptr(rw), s.aligned_ptr(rw), s.offset(rw), sizes,
                         strides)
    rw.replace_op(op, [d.value])


@lowers("memref.extract_aligned_pointer_as_index")
def _aligned_pointer(op, operands, rw):
    d = Descriptor(operands[0], op.operands[0].type)
    rw.replace_op(op, [ins(rw, L.PtrToIntOp.build(d.aligned_ptr(rw), T.i64))])


@lowers("memref.extract_strided_metadata")
def _metadata(op, operands, rw):
    t = op.operands[0].type
    s = Descriptor(operands[0], t)
    base_t = op.results[0].type
    p, a = s.alloc_ptr(rw), s.aligned_ptr(rw)
    base = Descriptor.build(rw, base_t, p, a, 0, [], []).value
    rw.replace_op(op, [base, s.offset(rw)] + s.sizes(rw) + s.strides(rw))


make_pass("finalize-memref-to-llvm", "FinalizeMemRefToLLVMConversionPass",
          "Convert memref ops to the llvm dialect (descriptors, aligned_alloc/free)",
          ("memref.",))

