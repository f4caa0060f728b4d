"""`convert-vector-to-llvm`: vector ops become LLVM vector instructions and intrinsics.

As upstream: an n-D vector is an LLVM array (nest) of 1-D vectors, a 0-D vector a one-element
vector. Ops on 1-D vectors map to single instructions; the rarer reshaping ops on n-D vectors
(shape_cast, transpose, general broadcasts and shuffles) are unrolled element by element.
vector.print calls the runner utilities (printF32, printI64, printOpen, ... which
lamina/runtime/runner_utils.py provides), unrolled over the elements of a vector, as upstream's
vector-to-scf and vector-to-llvm print lowerings together do.
"""

from __future__ import annotations

import itertools

import numpy as np

from ...dialects import llvm as L
from ...dialects.vector import POISON
from ...ir import IRError
from ...ir import types as T
from ...ir.attributes import DenseElementsAttr, IntegerAttr
from .cf import message_global, module_of
from .common import TYPES, Descriptor, byte_width, const, ins, lowers, make_pass
from .memref import _declare


def _convert_vector(t):
    """n-D vectors become arrays of 1-D vectors, 0-D vectors vectors of one element."""
    if t.__class__ is not T.VectorType or t.rank == 1:
        return None
    e = TYPES.convert(t.element_type)
    if t.rank == 0:
        return T.VectorType((1,), e)
    r = T.VectorType(t.shape[-1:], e, t.scalable[-1:] if t.scalable else None)
    for d in reversed(t.shape[:-1]):
        r = L.LLVMArrayType(r, d)
    return r


# before the index rule, which would otherwise keep an n-D index vector a (non-LLVM) n-D vector
TYPES.rules.insert(0, _convert_vector)


# -- converted vector values ------------------------------------------------------------------

def _shape(vt):
    """The shape a vector type is handled with (a 0-D vector as one element)."""
    return vt.shape or (1,)


def _row_type(vt):
    return T.VectorType(_shape(vt)[-1:], TYPES.convert(vt.element_type))


def _rows(vt):
    """The positions of the 1-D rows of an n-D vector in its LLVM array, in order."""
    return list(itertools.product(*(range(d) for d in _shape(vt)[:-1])))


def _row(rw, v, pos):
    return ins(rw, L.ExtractValueOp.build(v, list(pos))) if pos else v


def _scalars(rw, v, vt):
    """The elements of the converted vector `v` (builtin type `vt`), in row-major order."""
    out = []
    n = _shape(vt)[-1]
    for pos in _rows(vt):
        r = _row(rw, v, pos)
        out.extend(ins(rw, L.ExtractElementOp.build(r, const(rw, j))) for j in range(n))
    return out


def _build_row(rw, rt, elements):
    r = ins(rw, L.PoisonOp.build(rt))
    for j, e in enumerate(elements):
        if e is not None:  # None: a poison lane
            r = ins(rw, L.InsertElementOp.build(r, e, const(rw, j)))
    return r


def _assemble(rw, vt, rows):
    """The converted vector of builtin type `vt` made of its 1-D rows (in order)."""
    if len(_shape(vt)) == 1:
        return rows[0]
    v = ins(rw, L.PoisonOp.build(TYPES.convert(vt)))
    for pos, r in zip(_rows(vt), rows):
        v = ins(rw, L.InsertValueOp.build(v, r, list(pos)))
    return v


def _build(rw, vt, elements):
    """The converted vector of builtin type `vt` holding `elements` (row-major)."""
    rt = _row_type(vt)
    n = _shape(vt)[-1]
    return _assemble(rw, vt, [_build_row(rw, rt, elements[i:i + n])
                              for i in range(0, len(elements), n)])


def _splat_row(rw, rt, scalar):
    r = ins(rw, L.PoisonOp.build(rt))
    r = ins(rw, L.InsertElementOp.build(r, scalar, const(rw, 0)))
    return ins(rw, L.ShuffleVectorOp.build(r, r, [0] * rt.shape[0]))


def _per_row(rw, vt, operands, fn):
    """`fn(*rows)` applied to the rows of converted vectors of type `vt`."""
    rows = [fn(*[_row(rw, v, pos) for v in operands]) for pos in _rows(vt)]
    return _assemble(rw, vt, rows)


def _positions(op, operands, first_dynamic):
    """An extract/insert position with its dynamic entries as converted values."""
    dynamic = iter(operands[first_dynamic:])
    return [p if isinstance(p, int) else next(dynamic) for p in op.mixed_position()]


def _index(rw, p):
    return const(rw, p) if isinstance(p, int) else p


def _static_prefix(op, pos):
    if any(not isinstance(p, int) for p in pos):
        raise IRError(f"'{op.name}' with a dynamic position in a leading dimension is not "
                      "supported", op.loc)
    return list(pos)


# -- element access ---------------------------------------------------------------------------

@lowers("vector.extract")
def _extract(op, operands, rw):
    vt = op.vector.type
    pos = _positions(op, operands, 1)
    rt = TYPES.convert(op.result.type)
    if any(isinstance(p, int) and p == POISON for p in pos):
        rw.replace_op(op, [ins(rw, L.PoisonOp.build(rt))])
    elif len(pos) == vt.rank:  # an element (of a 0-D vector too)
        r = _row(rw, operands[0], _static_prefix(op, pos[:-1]))
        at = _index(rw, pos[-1] if pos else 0)
        rw.replace_op(op, [ins(rw, L.ExtractElementOp.build(r, at))])
    elif not pos:
        rw.replace_op(op, [operands[0]])
    else:
        rw.replace_op(op, [ins(rw, L.ExtractValueOp.build(operands[0],
                                                          _static_prefix(op, pos)))])


@lowers("vector.insert")
def _insert(op, operands, rw):
    vt = op.dest.type
    value, dest = operands[0], operands[1]
    pos = _positions(op, operands, 2)
    if any(isinstance(p, int) and p == POISON for p in pos):
        rw.replace_op(op, [ins(rw, L.PoisonOp.build(dest.type))])
    elif len(pos) == vt.rank:  # an element (of a 0-D vector too)
        lead = _static_prefix(op, pos[:-1])
        at = _index(rw, pos[-1] if pos else 0)
        r = ins(rw, L.InsertElementOp.build(_row(rw, dest, lead), value, at))
        if lead:
            r = ins(rw, L.InsertValueOp.build(dest, r, lead))
        rw.replace_op(op, [r])
    elif not pos:
        rw.replace_op(op, [value])
    else:
        rw.replace_op(op, [ins(rw, L.InsertValueOp.build(dest, value, _static_prefix(op, pos)))])


@lowers("vector.from_elements")
def _from_elements(op, operands, rw):
    rw.replace_op(op, [_build(rw, op.result.type, list(operands))])


@lowers("vector.shuffle")
def _shuffle(op, operands, rw):
    a, b = op.v1.type, op.v2.type
    rt = op.vector.type
    mask = list(op.mask.value)
    v1, v2 = operands
    if rt.rank == 1 and v1.type == v2.type:
        rw.replace_op(op, [ins(rw, L.ShuffleVectorOp.build(v1, v2, mask))])
        return
    n1 = _shape(a)[0]
    if rt.rank == 1:
        picked = _scalars(rw, v1, a) + _scalars(rw, v2, b)
        rw.replace_op(op, [_build(rw, rt, [None if m == POISON else picked[m] for m in mask])])
        return
    # rows (or sub-arrays) of an n-D vector
    r = ins(rw, L.PoisonOp.build(TYPES.convert(rt)))
    for i, m in enumerate(mask):
        if m == POISON:
            continue
        src, k = (v1, m) if m < n1 else (v2, m - n1)
        piece = ins(rw, L.ExtractValueOp.build(src, [k]))
        r = ins(rw, L.InsertValueOp.build(r, piece, [i]))
    rw.replace_op(op, [r])


# -- broadcasts and casts ---------------------------------------------------------------------

@lowers("vector.broadcast")
def _broadcast(op, operands, rw):
    st, dt = op.source.type, op.vector.type
    src = operands[0]
    if st == dt:
        rw.replace_op(op, [src])
        return
    if st.__class__ is not T.VectorType:
        row = _splat_row(rw, _row_type(dt), src)
        rw.replace_op(op, [_assemble(rw, dt, [row] * len(_rows(dt)))])
        return
    if st.rank >= 1 and st.shape[-1] == _shape(dt)[-1] and st.rank <= dt.rank:
        # whole rows repeat: pick the source row of each destination row
        lead = dt.rank - st.rank
        rows = []
        for pos in _rows(dt):
            spos = [0 if st.shape[i] == 1 else p for i, p in enumerate(pos[lead:])]
            rows.append(_row(rw, src, spos))
        rw.replace_op(op, [_assemble(rw, dt, rows)])
        return
    elems = _scalars(rw, src, st)
    sshape = _shape(st)
    sstrides = _strides(sshape)
    lead = len(_shape(dt)) - len(sshape)
    out = []
    for pos in itertools.product(*(range(d) for d in _shape(dt))):
        k = sum((0 if sshape[i] == 1 else p) * sstrides[i] for i, p in enumerate(pos[lead:]))
        out.append(elems[k])
    rw.replace_op(op, [_build(rw, dt, out)])


def _strides(shape):
    out, acc = [], 1
    for d in reversed(shape):
        out.append(acc)
        acc *= d
    return out[::-1]


@lowers("vector.shape_cast")
def _shape_cast(op, operands, rw):
    st, rt = op.source.type, op.result.type
    if TYPES.convert(st) == TYPES.convert(rt):
        rw.replace_op(op, [operands[0]])
        return
    rw.replace_op(op, [_build(rw, rt, _scalars(rw, operands[0], st))])


@lowers("vector.transpose")
def _transpose(op, operands, rw):
    st, rt = op.vector.type, op.result.type
    perm = list(op.permutation.value)
    elems = _scalars(rw, operands[0], st)
    strides = _strides(_shape(st))
    out = []
    for pos in itertools.product(*(range(d) for d in _shape(rt))):
        out.append(elems[sum(p * strides[perm[i]] for i, p in enumerate(pos))])
    rw.replace_op(op, [_build(rw, rt, out)])


@lowers("vector.bitcast")
def _bitcast(op, operands, rw):
    st, rt = op.source.type, op.result.type
    row_t = _row_type(rt)
    rw.replace_op(op, [_per_row(rw, st, operands,
                                lambda r: ins(rw, L.BitcastOp.build(r, row_t)))])


# -- arithmetic -------------------------------------------------------------------------------

@lowers("vector.fma")
def _fma(op, operands, rw):
    vt = op.result.type
    rw.replace_op(op, [_per_row(rw, vt, operands, lambda a, b, c: ins(
        rw, L.FMulAddOp(a, b, c, result_types=[a.type])))])


_INT_REDUCE = {"add": L.VectorReduceAddOp, "mul": L.VectorReduceMulOp,
               "and": L.VectorReduceAndOp, "or": L.VectorReduceOrOp,
               "xor": L.VectorReduceXorOp, "minsi": L.VectorReduceSminOp,
               "maxsi": L.VectorReduceSmaxOp, "minui": L.VectorReduceUminOp,
               "maxui": L.VectorReduceUmaxOp}
# how an integer reduction's result combines with the accumulator
_INT_COMBINE = {"add": L.AddOp, "mul": L.MulOp, "and": L.AndOp, "or": L.OrOp, "xor": L.XOrOp,
                "minsi": L.SMinOp, "maxsi": L.SMaxOp, "minui": L.UMinOp, "maxui": L.UMaxOp}
_FLOAT_REDUCE = {"minnumf": (L.VectorReduceFMinOp, L.MinNumOp),
                 "maxnumf": (L.VectorReduceFMaxOp, L.MaxNumOp),
                 "minimumf": (L.VectorReduceFMinimumOp, L.MinimumOp),
                 "maximumf": (L.VectorReduceFMaximumOp, L.MaximumOp)}


def _fastmath(op):
    fm = op.properties.get("fastmath")
    if fm is None or not fm.cases:
        return {}
    return {"fastmathFlags": L.FastmathFlagsAttr(fm.cases)}


@lowers("vector.reduction")
def _reduction(op, operands, rw):
    kind = op.kind.case
    v = operands[0]
    acc = operands[1] if op.acc is not None else None
    et = TYPES.convert(op.dest.type)
    if et.__class__ is T.FloatType:
        fm = _fastmath(op)
        if kind in ("add", "mul"):
            cls = L.VectorReduceFAddOp if kind == "add" else L.VectorReduceFMulOp
            start = acc if acc is not None else ins(rw, L.ConstantOp.build(
                0.0 if kind == "add" else 1.0, et))
            rw.replace_op(op, [ins(rw, cls(start, v, result_types=[et], **fm))])
            return
        red, comb = _FLOAT_REDUCE[kind]
        r = ins(rw, red(v, result_types=[et], **fm))
        if acc is not None:
            r = ins(rw, comb(acc, r, **fm))
        rw.replace_op(op, [r])
        return
    r = ins(rw, _INT_REDUCE[kind](v, result_types=[et]))
    if acc is not None:
        r = ins(rw, _INT_COMBINE[kind](acc, r))
    rw.replace_op(op, [r])


# -- masks and steps --------------------------------------------------------------------------

def _dense_constant(rw, vt, array, element_type):
    bt = T.VectorType(_shape(vt), element_type)
    t = TYPES.convert(vt)
    return ins(rw, L.ConstantOp.build(DenseElementsAttr(bt, np.asarray(array).reshape(
        _shape(vt))), t))


@lowers("vector.step")
def _step(op, operands, rw):
    vt = op.result.type
    rw.replace_op(op, [_dense_constant(rw, vt, np.arange(vt.shape[0]), T.i64)])


@lowers("vector.constant_mask")
def _constant_mask(op, operands, rw):
    vt = op.result.type
    sizes = list(op.mask_dim_sizes.value)
    if vt.rank == 0:
        mask = np.array([bool(sizes[0])])
    else:
        mask = np.zeros(vt.shape, dtype=bool)
        mask[tuple(slice(0, s) for s in sizes)] = True
    rw.replace_op(op, [_dense_constant(rw, vt, mask, T.i1)])


@lowers("vector.create_mask")
def _create_mask(op, operands, rw):
    vt = op.result.type
    shape = _shape(vt)
    bounds = list(operands)
    n = shape[-1]
    rt = _row_type(vt)
    it = T.VectorType((n,), T.i64)
    step = _dense_constant(rw, it, np.arange(n), T.i64)
    row = ins(rw, L.ICmpOp.build("slt", step, _splat_row(rw, it, bounds[-1])))
    if len(shape) == 1:
        rw.replace_op(op, [row])
        return
    zero = _dense_constant(rw, T.VectorType((n,), T.i1), np.zeros(n, dtype=bool), T.i1)
    rows = []
    for pos in _rows(vt):
        inside = None
        for p, b in zip(pos, bounds):
            c = ins(rw, L.ICmpOp.build("slt", const(rw, p), b))
            inside = c if inside is None else ins(rw, L.AndOp(inside, c))
        rows.append(ins(rw, L.SelectOp(inside, row, zero, result_types=[rt])))
    rw.replace_op(op, [_assemble(rw, vt, rows)])


# -- memory -----------------------------------------------------------------------------------

def _address(op, rw, memref, descriptor, indices, vt):
    if vt.rank > 1:
        raise IRError(f"'{op.name}' of an n-D vector must be unrolled to 1-D first", op.loc)
    return Descriptor(descriptor, memref.type).element_address(rw, list(indices))


def _alignment(op, vt):
    a = op.properties.get("alignment")
    return a.value if a is not None else byte_width(TYPES.convert(vt.element_type))


@lowers("vector.load")
def _load(op, operands, rw):
    vt = op.result.type
    addr = _address(op, rw, op.base, operands[0], operands[1:], vt)
    rw.replace_op(op, [ins(rw, L.LoadOp.build(TYPES.convert(vt), addr,
                                              alignment=_alignment(op, vt),
                                              nontemporal=bool(op.nontemporal.value)))])


@lowers("vector.store")
def _store(op, operands, rw):
    vt = op.value_to_store.type
    addr = _address(op, rw, op.base, operands[1], operands[2:], vt)
    rw.insert(L.StoreOp.build(operands[0], addr, alignment=_alignment(op, vt),
                              nontemporal=bool(op.nontemporal.value)))
    op.erase()


@lowers("vector.maskedload")
def _maskedload(op, operands, rw):
    vt = op.result.type
    n = len(op.indices)
    addr = _address(op, rw, op.base, operands[0], operands[1:1 + n], vt)
    mask, pass_thru = operands[1 + n], operands[2 + n]
    rw.replace_op(op, [ins(rw, L.MaskedLoadOp(
        addr, mask, [pass_thru], result_types=[TYPES.convert(vt)],
        alignment=IntegerAttr(_alignment(op, vt), T.i32)))])


@lowers("vector.maskedstore")
def _maskedstore(op, operands, rw):
    vt = op.value_to_store.type
    n = len(op.indices)
    addr = _address(op, rw, op.base, operands[0], operands[1:1 + n], vt)
    mask, value = operands[1 + n], operands[2 + n]
    rw.insert(L.MaskedStoreOp(value, addr, mask,
                              alignment=IntegerAttr(_alignment(op, vt), T.i32)))
    op.erase()


# -- printing ---------------------------------------------------------------------------------

_PUNCTUATION = {"newline": "printNewline", "comma": "printComma", "open": "printOpen",
                "close": "printClose"}


def _call(rw, module, name, args=()):
    """A call of a runner utility (declared in the module if it is not yet)."""
    _declare(module, name, L.void, [a.type for a in args])
    rw.insert(L.CallOp.build(name, list(args), L.void))


def _print_scalar(op, rw, module, v, t):
    """Upstream's choice of printer and of extension to 64 bits, per element type."""
    if t.__class__ is T.FloatType:
        if t.name in ("f16", "bf16"):
            # upstream passes the bits to printF16/printBF16, which print what printF32 does
            v, t = ins(rw, L.FPExtOp.build(v, T.f32)), T.f32
        if t.name not in ("f32", "f64"):
            raise IRError(f"'vector.print' of '{t}' is not supported", op.loc)
        _call(rw, module, "printF32" if t.name == "f32" else "printF64", [v])
    elif t.__class__ is T.IndexType:
        _call(rw, module, "printU64", [v])
    elif t.__class__ is T.IntegerType and t.width <= 64:
        unsigned = t.signedness == "u"
        if t.width < 64:
            # booleans print as 1/0, not -1/0
            cls = L.ZExtOp if unsigned or t.width == 1 else L.SExtOp
            v = ins(rw, cls.build(v, T.i64))
        _call(rw, module, "printU64" if unsigned else "printI64", [v])
    else:
        raise IRError(f"'vector.print' of '{t}' is not supported", op.loc)


def _print_vector(op, rw, module, v, vt):
    """`( a, b )`, nested per dimension."""
    elems = _scalars(rw, v, vt)
    shape = _shape(vt)
    strides = _strides(shape)

    def rec(dim, start):
        _call(rw, module, "printOpen")
        for i in range(shape[dim]):
            at = start + i * strides[dim]
            if dim == len(shape) - 1:
                _print_scalar(op, rw, module, elems[at], vt.element_type)
            else:
                rec(dim + 1, at)
            if i + 1 < shape[dim]:
                _call(rw, module, "printComma")
        _call(rw, module, "printClose")
    rec(0, 0)


@lowers("vector.print")
def _print(op, operands, rw):
    module = module_of(op)
    text = op.properties.get("stringLiteral")
    if text is not None:
        g = message_global(module, text.value)
        _call(rw, module, "printString", [ins(rw, L.AddressOfOp.build(g.sym))])
        op.erase()
        return
    if op.source is not None:
        t = op.source.type
        if t.__class__ is T.VectorType:
            if t.scalable is not None:
                raise IRError("'vector.print' of a scalable vector is not supported", op.loc)
            _print_vector(op, rw, module, operands[0], t)
        else:
            _print_scalar(op, rw, module, operands[0], t)
    p = op.properties.get("punctuation")
    p = p.case if p is not None else "newline"
    if p != "no_punctuation":
        _call(rw, module, _PUNCTUATION[p])
    op.erase()


make_pass("convert-vector-to-llvm", "ConvertVectorToLLVMPass",
          "Convert vector ops to LLVM vector instructions, intrinsics and runner-utils calls",
          ("vector.",))
