"""Builders of structured-level IR shared by the `lower` hooks of the lamina ops.

Conventions. `b` is the rewriter of convert-lamina-to-structured: `b.insert(op)` puts an op
before the lamina op being lowered, and `b.remap(v)` gives a lamina value with its
structured-level type (unsigned integers become signless: `tensor<4xui8>` -> `tensor<4xi8>`).
Builders take the lamina values themselves, so that their types (`ui8`, `i1`...) say which
arith ops implement the semantics, and remap them. The scalar helpers (`binary_scalar_op`...)
take any object with `insert(op)` (a rewriter, or a `BodyBuilder` filling a generic's body),
scalar values of signless types, and the lamina element type `et` that gives them meaning.

Run-time errors (integer division by zero, mismatched dynamic shapes...) are `cf.assert`s whose
message is the one TensorFlow gives; the computation goes on with a safe value, so nothing traps.
"""

from __future__ import annotations

from ..dialects import arith, cf, math as m, scf, tensor
from ..dialects.structured import GenericOp, IndexOp, PARALLEL, REDUCTION, YieldOp
from ..ir import types as T
from ..ir.affine import AffineConst, AffineDim, AffineMap
from ..ir.attributes import IntegerAttr, StringAttr


# -- types ------------------------------------------------------------------------------------

def signless(t):
    """`t` at the structured level: unsigned integers (also as tensor elements) become
    signless integers of the same width."""
    if t.__class__ is T.IntegerType and t.signedness:
        return T.IntegerType(t.width)
    if t.__class__ is T.RankedTensorType:
        et = signless(t.element_type)
        return t if et is t.element_type else T.RankedTensorType(t.shape, et, t.encoding)
    return t


def is_float(et):
    return et.__class__ is T.FloatType


def is_unsigned(et):
    """Unsigned for arith's purposes: `uiN`, and i1 (false < true, zero-extended)."""
    return et.__class__ is T.IntegerType and (et.signedness == "u" or et.width == 1)


def lowest(et):
    """The identity of maximum: -inf, or the smallest integer of `et`."""
    if is_float(et):
        return float("-inf")
    return 0 if is_unsigned(et) else -(1 << (et.width - 1))


def highest(et):
    if is_float(et):
        return float("inf")
    return (1 << et.width) - 1 if is_unsigned(et) else (1 << (et.width - 1)) - 1


def shape_str(shape):
    """A shape as TensorFlow writes it in messages: `[2,?,3]`."""
    return "[" + ",".join("?" if d == T.DYNAMIC else str(d) for d in shape) + "]"


# -- emitting ops -----------------------------------------------------------------------------

class BodyBuilder:
    """Appends ops to a block (the body of a structured.generic being built)."""

    __slots__ = ("block",)

    def __init__(self, block):
        self.block = block

    def insert(self, op):
        return self.block.append(op)


def _v(b, op):
    return b.insert(op).results[0]


def const(b, value, et):
    """A scalar arith.constant of lamina element type `et` (built with its signless type)."""
    t = signless(et)
    if is_float(t):
        return _v(b, arith.ConstantOp.build(float(value), t))
    return _v(b, arith.ConstantOp.build(int(value), t))


def index_const(b, n):
    return _v(b, arith.ConstantOp(value=IntegerAttr(n, T.index)))


def dim(b, v, i):
    """The size of dimension `i` of tensor `v` (a structured-level value) as an index value."""
    n = v.type.shape[i]
    if n != T.DYNAMIC:
        return index_const(b, n)
    return _v(b, tensor.DimOp(v, index_const(b, i)))


def scalar(b, v):
    """The element of a (structured-level) 0-d tensor."""
    return _v(b, tensor.ExtractOp(v))


def assert_(b, cond, message):
    b.insert(cf.AssertOp(cond, msg=StringAttr(message)))


def empty(b, type, dynamic_sizes):
    """tensor.empty of (structured-level) `type`, one index value per `?` dimension."""
    return _v(b, tensor.EmptyOp.build(type, dynamic_sizes))


def generic(b, inputs, outputs, maps, iterators, body):
    """A structured.generic; `body(bb, args)` gets a BodyBuilder and the block arguments (input
    elements, then output elements) and returns the values to yield. Returns its results."""
    def fill_body(block):
        bb = BodyBuilder(block)
        block.append(YieldOp(list(body(bb, list(block.args)))))
    return b.insert(GenericOp.build(inputs, outputs, maps, iterators, fill_body)).results


def fill(b, type, scalar, dynamic_sizes):
    """A tensor of structured-level `type` holding `scalar` (a value, or a Python number) in
    every element."""
    if not hasattr(scalar, "type"):
        scalar = const(b, scalar, type.element_type)
    init = empty(b, type, dynamic_sizes)
    rank = len(type.shape)
    return generic(b, [scalar], [init], [AffineMap(rank, 0, []), AffineMap.identity(rank)],
                   [PARALLEL] * rank, lambda bb, args: [args[0]])[0]


def index_cast(b, i, et):
    """Index value `i` as a scalar of integer or float type `et`."""
    t = signless(et)
    if is_float(t):
        return _v(b, arith.SIToFPOp.build(_v(b, arith.IndexCastOp.build(i, T.i64)), t))
    return _v(b, arith.IndexCastOp.build(i, t))


# -- broadcasting ---------------------------------------------------------------------------

def broadcast(b, values, shapes, out_shape):
    """NumPy broadcasting of the leading parts `shapes[i]` of (structured-level) tensors
    `values[i]` to `out_shape`, over loops d0..d(len(out_shape)-1).

    Returns (values, exprs, sizes): the values to read (see below), per operand the affine
    expressions indexing those dimensions (a size-1 dimension that broadcasts reads index 0;
    missing leading dimensions are dropped), and per `?` of `out_shape` the index value of its
    size. A `?` dimension broadcasts too when it is 1 at run time and the others are not, as in
    TensorFlow: its operand is first expanded along it (a copy made only in that case); other
    sizes must agree, which a cf.assert checks at run time ("Incompatible shapes")."""
    rank = len(out_shape)
    values = list(values)
    exprs = []
    for s in shapes:
        lead = rank - len(s)
        exprs.append([AffineConst(0) if d == 1 and out_shape[lead + k] != 1 else
                      AffineDim(lead + k) for k, d in enumerate(s)])
    sizes = []
    for j, n in enumerate(out_shape):
        present = [(i, j - (rank - len(s))) for i, s in enumerate(shapes) if j >= rank - len(s)]
        dyn = [(i, k) for i, k in present if shapes[i][k] == T.DYNAMIC]
        if not dyn:
            continue
        lengths = {(i, k): dim(b, values[i], k) for i, k in dyn}
        if n == T.DYNAMIC:
            size = lengths[dyn[0]]
            for ik in dyn[1:]:
                one = _v(b, arith.CmpIOp.build("eq", size, index_const(b, 1)))
                size = select(b, one, lengths[ik], size)
            sizes.append(size)
        else:
            size = index_const(b, n)
        if sum(shapes[i][k] != 1 for i, k in present) < 2:
            continue  # the only operand with a say in this dimension
        ref = out_shape if n != T.DYNAMIC else shapes[dyn[0][0]]
        for i, k in dyn:
            d = lengths[(i, k)]
            one = _v(b, arith.CmpIOp.build("eq", d, index_const(b, 1)))
            ok = _v(b, arith.OrIOp(_v(b, arith.CmpIOp.build("eq", d, size)), one))
            assert_(b, ok, f"Incompatible shapes: {shape_str(shapes[i])} vs. {shape_str(ref)}")
            values[i] = expand_if_one(b, values[i], k, one, size)
    return values, exprs, sizes


def reduce_if_one(b, v, k, one, combine):
    """`v` reduced with `combine(bb, [element, accumulator])` along its dimension k to size 1
    where `one` holds (the cotangent of `expand_if_one`); else `v`. The result's dimension k
    is `?`."""
    t = v.type
    if t.shape[k] != T.DYNAMIC:
        t = t.clone(shape=[T.DYNAMIC if i == k else d for i, d in enumerate(t.shape)])
        v = _v(b, tensor.CastOp(v, result_types=[t]))
    op = b.insert(scf.IfOp.build(one, [t], with_else=True))
    then = BodyBuilder(op.regions[0].blocks[0])
    rank = len(t.shape)
    sizes = [index_const(then, 1) if i == k else dim(then, v, i)
             for i, d in enumerate(t.shape) if d == T.DYNAMIC]
    init = fill(then, t, 0, sizes)
    out = generic(then, [v], [init],
                  [AffineMap.identity(rank),
                   AffineMap(rank, 0, [AffineConst(0) if i == k else AffineDim(i)
                                       for i in range(rank)])],
                  [REDUCTION if i == k else PARALLEL for i in range(rank)], combine)[0]
    then.insert(scf.YieldOp([out]))
    BodyBuilder(op.regions[1].blocks[0]).insert(scf.YieldOp([v]))
    return op.results[0]


def expand_if_one(b, v, k, one, size):
    """`v` repeated `size` times along its dimension k where that dimension is 1 (`one`) and
    `size` is not; else `v` itself."""
    t = v.type
    expand = _v(b, arith.AndIOp(one, _v(b, arith.CmpIOp.build("ne", size,
                                                              index_const(b, 1)))))
    op = b.insert(scf.IfOp.build(expand, [t], with_else=True))
    then = BodyBuilder(op.regions[0].blocks[0])
    rank = len(t.shape)
    dyn = [size if i == k else dim(then, v, i) for i, d in enumerate(t.shape)
           if d == T.DYNAMIC]
    copy = generic(then, [v], [empty(then, t, dyn)],
                   [AffineMap(rank, 0, [AffineConst(0) if i == k else AffineDim(i)
                                        for i in range(rank)]), AffineMap.identity(rank)],
                   [PARALLEL] * rank, lambda bb, args: [args[0]])[0]
    then.insert(scf.YieldOp([copy]))
    BodyBuilder(op.regions[1].blocks[0]).insert(scf.YieldOp([v]))
    return op.results[0]


def elementwise(b, operands, result_type, body):
    """The structured.generic computing lamina `result_type` elementwise from the lamina values
    `operands` (tensors broadcast against each other as NumPy does); `body(bb, elements)`
    returns the result element. Returns the structured-level result tensor."""
    return elementwise_values(b, [b.remap(v) for v in operands],
                              [v.type.shape for v in operands], result_type, body)


def elementwise_values(b, values, shapes, result_type, body):
    """`elementwise` of structured-level `values` whose lamina shapes are `shapes`; a value
    that is not a tensor (shape `()`) is a scalar given to every element."""
    out_shape = result_type.shape
    values, exprs, sizes = broadcast(b, values, shapes, out_shape)
    rank = len(out_shape)
    init = empty(b, signless(result_type), sizes)
    maps = [AffineMap(rank, 0, e) for e in exprs] + [AffineMap.identity(rank)]
    return generic(b, values, [init], maps, [PARALLEL] * rank,
                   lambda bb, args: [body(bb, args[:len(values)])])[0]


# -- reductions -------------------------------------------------------------------------------

def reduction(b, operand, axes, keepdims, inits, combine, result_types):
    """Reduces lamina tensor `operand` over `axes` (sorted, non-negative) into one tensor per
    entry of `result_types` (lamina types; reduced dimensions dropped, or kept as 1 with
    `keepdims`), each starting from its `inits` entry (a Python number). `combine(bb, element,
    accumulators)` returns the new accumulators. Loops follow the operand's dimensions."""
    x = b.remap(operand)
    shape = operand.type.shape
    rank = len(shape)
    axes = set(axes)
    out_exprs = [AffineConst(0) if i in axes else AffineDim(i)
                 for i in range(rank) if keepdims or i not in axes]
    sizes = [dim(b, x, i) for i, d in enumerate(shape) if i not in axes and d == T.DYNAMIC]
    outs = [fill(b, signless(t), v, sizes) for t, v in zip(result_types, inits)]
    maps = [AffineMap.identity(rank)] + [AffineMap(rank, 0, out_exprs)] * len(outs)
    its = [REDUCTION if i in axes else PARALLEL for i in range(rank)]
    return generic(b, [x], outs, maps, its, lambda bb, args: combine(bb, args[0], args[1:]))


def loop_index(bb, d):
    return _v(bb, IndexOp(dim=IntegerAttr(d, T.i64)))


# -- scalar ops -------------------------------------------------------------------------------

_CMPF = {"equal": "oeq", "not_equal": "une", "greater": "ogt", "greater_equal": "oge",
         "less": "olt", "less_equal": "ole"}
_CMPI = {"equal": "eq", "not_equal": "ne", "greater": "gt", "greater_equal": "ge",
         "less": "lt", "less_equal": "le"}


def compare_scalar_op(b, kind, x, y, et):
    """An i1: `kind` (equal, not_equal, greater, greater_equal, less, less_equal) of x and y.
    Floats compare ordered, except not_equal, which is true on NaN (as NumPy and TF)."""
    if is_float(et):
        return _v(b, arith.CmpFOp.build(_CMPF[kind], x, y))
    p = _CMPI[kind]
    if p not in ("eq", "ne"):
        p = ("u" if is_unsigned(et) else "s") + p
    return _v(b, arith.CmpIOp.build(p, x, y))


def select(b, c, x, y):
    return _v(b, arith.SelectOp.build(c, x, y))


_FLOAT_BINARY = {"add": arith.AddFOp, "subtract": arith.SubFOp, "multiply": arith.MulFOp,
                 "divide": arith.DivFOp, "maximum": arith.MaximumFOp,
                 "minimum": arith.MinimumFOp, "pow": m.PowFOp}
_INT_BINARY = {"add": arith.AddIOp, "subtract": arith.SubIOp, "multiply": arith.MulIOp,
               "logical_and": arith.AndIOp, "logical_or": arith.OrIOp}
_INT_MINMAX = {("maximum", False): arith.MaxSIOp, ("maximum", True): arith.MaxUIOp,
               ("minimum", False): arith.MinSIOp, ("minimum", True): arith.MinUIOp}


def binary_scalar_op(b, kind, x, y, et):
    """The element of lamina's binary op `kind` (add, subtract, multiply, divide, floordiv,
    floormod, truncatediv, maximum, minimum, pow, logical_and, logical_or, and the comparisons)
    for scalars x, y of lamina element type `et`."""
    if kind in _CMPF:
        return compare_scalar_op(b, kind, x, y, et)
    if is_float(et):
        if kind == "floordiv":
            return _v(b, m.FloorOp(_v(b, arith.DivFOp(x, y))))
        if kind == "floormod":
            return _float_floormod(b, x, y, et)
        return _v(b, _FLOAT_BINARY[kind](x, y))
    cls = _INT_BINARY.get(kind) or _INT_MINMAX.get((kind, is_unsigned(et)))
    if cls is not None:
        return _v(b, cls(x, y))
    if kind in ("floordiv", "floormod", "truncatediv"):
        return _int_division(b, kind, x, y, et, check=kind != "truncatediv")
    if kind == "pow":
        return _int_pow(b, x, y, et)
    raise ValueError(f"no scalar op '{kind}' for {et}")


def _float_floormod(b, x, y, et):
    # TF's FloorMod: fmod, then moved into the divisor's sign
    r = _v(b, arith.RemFOp(x, y))
    zero = const(b, 0.0, et)
    nonzero = _v(b, arith.CmpFOp.build("one", r, zero))
    signs_differ = _v(b, arith.XOrIOp(_v(b, arith.CmpFOp.build("olt", r, zero)),
                                      _v(b, arith.CmpFOp.build("olt", y, zero))))
    return select(b, _v(b, arith.AndIOp(nonzero, signs_differ)), _v(b, arith.AddFOp(r, y)), r)


def _int_division(b, kind, x, y, et, check):
    """Integer floordiv (rounding down), floormod (sign of the divisor) or truncatediv. A zero
    divisor fails the assert (`check`) and divides by 1; so does MIN / -1, whose quotient wraps
    to MIN (x86's idiv would trap on both)."""
    zero, one = const(b, 0, et), const(b, 1, et)
    is_zero = _v(b, arith.CmpIOp.build("eq", y, zero))
    if check:
        assert_(b, _v(b, arith.XOrIOp(is_zero, const(b, 1, T.i1))), "Integer division by zero")
    if is_unsigned(et):
        safe = select(b, is_zero, one, y)
        return _v(b, (arith.RemUIOp if kind == "floormod" else arith.DivUIOp)(x, safe))
    overflow = _v(b, arith.AndIOp(_v(b, arith.CmpIOp.build("eq", x, const(b, lowest(et), et))),
                                  _v(b, arith.CmpIOp.build("eq", y, const(b, -1, et)))))
    safe = select(b, _v(b, arith.OrIOp(is_zero, overflow)), one, y)
    if kind == "truncatediv":
        return _v(b, arith.DivSIOp(x, safe))
    r = _v(b, arith.RemSIOp(x, safe))
    # the truncated quotient is one too high where the remainder and divisor differ in sign
    fix = _v(b, arith.AndIOp(
        _v(b, arith.CmpIOp.build("ne", r, zero)),
        _v(b, arith.XOrIOp(_v(b, arith.CmpIOp.build("slt", r, zero)),
                           _v(b, arith.CmpIOp.build("slt", safe, zero))))))
    if kind == "floormod":
        return select(b, fix, _v(b, arith.AddIOp(r, safe)), r)
    q = _v(b, arith.DivSIOp(x, safe))
    return select(b, fix, _v(b, arith.SubIOp(q, one)), q)


def _int_pow(b, x, y, et):
    if is_unsigned(et):
        # math.ipowi reads the exponent as signed: compute in i64, where no uiN value is negative
        wide = [_v(b, arith.ExtUIOp.build(v, T.i64)) if et.width < 64 else v for v in (x, y)]
        r = _v(b, m.IPowIOp(*wide))
        return _v(b, arith.TruncIOp.build(r, signless(et))) if et.width < 64 else r
    ok = _v(b, arith.CmpIOp.build("sge", y, const(b, 0, et)))
    assert_(b, ok, "Integers to negative integer powers are not allowed")
    return _v(b, m.IPowIOp(x, y))


_FLOAT_UNARY = {"abs": m.AbsFOp, "exp": m.ExpOp, "log": m.LogOp, "sqrt": m.SqrtOp,
                "rsqrt": m.RsqrtOp, "tanh": m.TanhOp, "floor": m.FloorOp, "ceil": m.CeilOp,
                "round": m.RoundEvenOp, "sin": m.SinOp, "cos": m.CosOp, "log1p": m.Log1pOp,
                "expm1": m.ExpM1Op, "erf": m.ErfOp, "negative": arith.NegFOp}


def unary_scalar_op(b, kind, x, et):
    """The element of lamina's unary op `kind` for scalar x of lamina element type `et`."""
    if kind == "logical_not":
        return _v(b, arith.XOrIOp(x, const(b, 1, T.i1)))
    if kind == "square":
        return _v(b, (arith.MulFOp if is_float(et) else arith.MulIOp)(x, x))
    if is_float(et):
        cls = _FLOAT_UNARY.get(kind)
        if cls is not None:
            return _v(b, cls(x))
        zero = const(b, 0.0, et)
        if kind == "relu":
            return _v(b, arith.MaximumFOp(x, zero))
        if kind == "sigmoid":
            one = const(b, 1.0, et)
            e = _v(b, m.ExpOp(_v(b, arith.NegFOp(x))))
            return _v(b, arith.DivFOp(one, _v(b, arith.AddFOp(one, e))))
        if kind == "sign":
            # NaN stays NaN; both zeros give +0
            nan_or_zero = select(b, _v(b, arith.CmpFOp.build("uno", x, x)), x, zero)
            neg = select(b, _v(b, arith.CmpFOp.build("olt", x, zero)), const(b, -1.0, et),
                         nan_or_zero)
            return select(b, _v(b, arith.CmpFOp.build("ogt", x, zero)), const(b, 1.0, et), neg)
    else:
        zero = const(b, 0, et)
        if kind == "negative":
            return _v(b, arith.SubIOp(zero, x))
        if kind in ("abs", "relu") and is_unsigned(et):
            return x
        if kind == "abs":
            return _v(b, m.AbsIOp(x))
        if kind == "relu":
            return _v(b, arith.MaxSIOp(x, zero))
        if kind == "sign":
            one = const(b, 1, et)
            if is_unsigned(et):
                return select(b, _v(b, arith.CmpIOp.build("ne", x, zero)), one, zero)
            neg = select(b, _v(b, arith.CmpIOp.build("slt", x, zero)), const(b, -1, et), zero)
            return select(b, _v(b, arith.CmpIOp.build("sgt", x, zero)), one, neg)
    raise ValueError(f"no scalar op '{kind}' for {et}")


def cast_scalar_op(b, x, src, dst):
    """Scalar x of lamina element type `src` converted to `dst` as TF casts: float to integer
    truncates toward zero (through i32, or i64 for ui32, as C and NumPy on x86, so
    out-of-range values wrap instead of being poison); to bool is `!= 0` (NaN is true)."""
    if src == dst:
        return x
    s, d = signless(src), signless(dst)
    if dst == T.i1:
        if is_float(src):
            return _v(b, arith.CmpFOp.build("une", x, const(b, 0.0, src)))
        return _v(b, arith.CmpIOp.build("ne", x, const(b, 0, src)))
    if is_float(src) and is_float(dst):
        if src.width == dst.width:  # f16 <-> bf16
            x = _v(b, arith.ExtFOp.build(x, T.f32))
            return _v(b, arith.TruncFOp.build(x, d))
        cls = arith.ExtFOp if dst.width > src.width else arith.TruncFOp
        return _v(b, cls.build(x, d))
    if is_float(dst):
        return _v(b, (arith.UIToFPOp if is_unsigned(src) else arith.SIToFPOp).build(x, d))
    if is_float(src):
        if dst.width == 64:
            return _v(b, (arith.FPToUIOp if is_unsigned(dst) else arith.FPToSIOp).build(x, d))
        via = T.i64 if dst.width == 32 and is_unsigned(dst) else T.i32
        if via == d:
            return _v(b, arith.FPToSIOp.build(x, d))
        return _v(b, arith.TruncIOp.build(_v(b, arith.FPToSIOp.build(x, via)), d))
    if s == d:  # iN <-> uiN: the same bits
        return x
    if dst.width < src.width:
        return _v(b, arith.TruncIOp.build(x, d))
    return _v(b, (arith.ExtUIOp if is_unsigned(src) else arith.ExtSIOp).build(x, d))


__all__ = ["BodyBuilder", "signless", "is_float", "is_unsigned", "lowest", "highest",
           "shape_str", "const", "index_const", "dim", "scalar", "assert_", "empty", "generic",
           "fill", "index_cast", "broadcast", "elementwise", "elementwise_values", "reduction",
           "loop_index", "compare_scalar_op", "select", "binary_scalar_op", "unary_scalar_op",
           "cast_scalar_op"]
