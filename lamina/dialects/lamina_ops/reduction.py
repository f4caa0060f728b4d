"""Reductions of the `lamina` dialect: reduce_sum, reduce_mean, reduce_max, reduce_min,
reduce_prod, reduce_any, reduce_all over a set of axes, and argmax/argmin along one axis.

`axes` are sorted, non-negative and distinct (the builder normalizes TF's negative axes; an
empty set reduces nothing, as TF's `axis=[]`; the API turns `axis=None` into all axes).
"""

from __future__ import annotations

import numpy as np

from ...ir import types as T
from ...ir.attributes import DenseArrayAttr, IntegerAttr, UnitAttr
from ...ir.constraints import DenseArrayOf, IntAttr, Unit
from ...ir.core import IRError
from ...ir.opdef import operand, opt_prop, prop, result
from .base import RankedTensor
from .elementwise import InvalidArgument, LaminaOp, check_element_type, example, kernel, \
    no_gradient, np_dtype


def normalize_axes(axes, rank):
    """TF's axes (negative ones count from the end) as sorted distinct non-negative axes."""
    out = set()
    for a in axes:
        if not -rank <= a < rank:
            raise IRError(f"axis {a} is out of range for a tensor of rank {rank}")
        out.add(a % rank)
    return sorted(out)


class ReduceOp(LaminaOp):
    """Reduction of `input` over `axes`: reduced dimensions are dropped, or kept as size 1 with
    `keepdims`. Subclasses give the accepted element types, the initial value and the scalar
    `combine` kind (a binary_scalar_op kind).
    `lamina.reduce_sum %0 axes = [1] keepdims : tensor<2x3xf32> -> tensor<2x1xf32>`"""

    input = operand(RankedTensor)
    output = result(RankedTensor)
    axes = prop(DenseArrayOf(T.i64))
    keepdims = opt_prop(Unit())
    accepts = "number"
    combine = None
    assembly_format = ("$input `axes` `=` $axes (`keepdims` $keepdims^)? attr-dict `:` "
                       "type($input) `->` type($output)")

    @classmethod
    def build(cls, input, axes, keepdims=False, loc=None):
        axes = normalize_axes(axes, input.type.rank)
        return cls(input, axes=DenseArrayAttr(T.i64, axes),
                   keepdims=UnitAttr() if keepdims else None, loc=loc)

    @classmethod
    def infer_types(cls, operand_types, props):
        t = operand_types[0]
        check_element_type(t.element_type, cls.accepts)
        axes = list(props["axes"].value)
        if any(not 0 <= a < t.rank for a in axes) or sorted(set(axes)) != axes:
            raise IRError(f"axes {axes} must be distinct, sorted, and in [0, {t.rank})")
        keep = "keepdims" in props
        shape = [1 if i in axes else d for i, d in enumerate(t.shape)
                 if keep or i not in axes]
        return [T.RankedTensorType(shape, t.element_type)]

    @staticmethod
    def init(et):
        """The identity of `combine` for element type `et`."""
        raise NotImplementedError

    def reference_attrs(self):
        return {"axes": tuple(self.properties["axes"].value),
                "keepdims": "keepdims" in self.properties}

    def spread(self, b, g):
        """`g` (of the result's type) broadcast back to the input's shape."""
        from .elementwise import emit
        from .shape import BroadcastToOp, ReshapeOp, ShapeOp
        x = self.input.type
        if "keepdims" not in self.properties:
            axes = self.properties["axes"].value
            kept = x.clone(shape=[1 if i in axes else d for i, d in enumerate(x.shape)])
            if kept.num_dynamic_dims > 1:
                raise IRError(f"{self.name}: the derivative of a reduction of {x} to a result "
                              f"with more than one dynamic dimension is not supported yet")
            g = emit(b, ReshapeOp(g, result_types=[kept]))
        if x.has_static_shape:
            return emit(b, BroadcastToOp(g, None, result_types=[x]))
        return emit(b, BroadcastToOp(g, emit(b, ShapeOp.build(self.input)), result_types=[x]))

    def lower(self, b):
        from ...lowering.structured_builders import binary_scalar_op, reduction
        et, kind = self.input.type.element_type, self.combine
        return reduction(b, self.input, self.properties["axes"].value,
                         "keepdims" in self.properties, [self.init(et)],
                         lambda bb, x, accs: [binary_scalar_op(bb, kind, accs[0], x, et)],
                         [self.output.type])


def _reduce(cls_name, name, combine, init, reference, doc, accepts="number"):
    t, r = ("tensor<2x?x4xi1>", "tensor<?xi1>") if accepts == "bool" else \
        ("tensor<2x?x4xf32>", "tensor<?xf32>")
    return type(cls_name, (ReduceOp,), {
        "__doc__": doc, "__module__": __name__, "name": name, "combine": combine,
        "init": staticmethod(init), "accepts": accepts, "reference": kernel(reference),
        "examples": (
            example([t], f"{name} %arg0 axes = [0, 2] : {t} -> {r}", r),
            example([t], f"{name} %arg0 axes = [1] keepdims : {t} -> {t.replace('?', '1')}",
                    t.replace("?", "1")))})


def _lowest(et):
    from ...lowering.structured_builders import lowest
    return lowest(et)


def _highest(et):
    from ...lowering.structured_builders import highest
    return highest(et)


def _extreme(fn, pick):
    """np.maximum / np.minimum's reduction with TF's identity for empty reductions (-inf, the
    smallest int...). The ufuncs' own reductions, here and above, not np.max or np.sum: their
    Python wrappers cost more than a small reduction."""
    def run(x, axes, keepdims):
        if x.dtype.kind == "f":
            init = pick(-np.inf, np.inf)
        else:
            info = np.iinfo(x.dtype)
            init = pick(info.min, info.max)
        return fn(x, axis=axes, keepdims=keepdims, initial=init)
    return run


ReduceSumOp = _reduce("ReduceSumOp", "lamina.reduce_sum", "add", lambda et: 0,
                      lambda x, axes, keepdims: np.add.reduce(x, axes, x.dtype,
                                                             keepdims=keepdims),
                      "Sum over axes (0 where empty).")


def _vjp_sum(self, b, g):
    return [self.spread(b, g)]


def _vjp_max(self, b, g):
    """The gradient is shared equally among the elements equal to the extreme (as TF)."""
    from .elementwise import CastOp, DivideOp, EqualOp, MultiplyOp, emit
    et = g.type.element_type
    hit = emit(b, CastOp.build(emit(b, EqualOp(self.input, self.spread(b, self.output))), et))
    count = emit(b, ReduceSumOp.build(hit, self.properties["axes"].value,
                                      "keepdims" in self.properties))
    share = emit(b, DivideOp(g, count))
    return [emit(b, MultiplyOp(hit, self.spread(b, share)))]


ReduceSumOp.vjp = _vjp_sum
ReduceProdOp = _reduce("ReduceProdOp", "lamina.reduce_prod", "multiply", lambda et: 1,
                       lambda x, axes, keepdims: np.multiply.reduce(x, axes, x.dtype,
                                                                  keepdims=keepdims),
                       "Product over axes (1 where empty).")


def _vjp_prod(self, b, g):
    """g times the product of the other elements, without dividing by zero: where the
    reduced elements hold no zero, prod / x; where one zero, the product of the others at the
    zero and 0 elsewhere; where more, 0."""
    from .elementwise import (CastOp, DivideOp, EqualOp, MultiplyOp, NotEqualOp, WhereOp,
                              emit, scalar_const)
    x, et = self.input, g.type.element_type
    axes, keep = self.properties["axes"].value, "keepdims" in self.properties
    zero, one = scalar_const(b, 0, et), scalar_const(b, 1, et)
    nonzero = emit(b, NotEqualOp(x, zero))
    safe = emit(b, WhereOp(nonzero, x, one))
    prod = self.spread(b, emit(b, ReduceProdOp.build(safe, axes, keep)))
    zeros = self.spread(b, emit(b, ReduceSumOp.build(
        emit(b, CastOp.build(emit(b, EqualOp(x, zero)), et)), axes, keep)))
    others = emit(b, WhereOp(nonzero,
                             emit(b, WhereOp(emit(b, EqualOp(zeros, zero)),
                                             emit(b, DivideOp(prod, safe)), zero)),
                             emit(b, WhereOp(emit(b, EqualOp(zeros, one)), prod, zero))))
    return [emit(b, MultiplyOp(self.spread(b, g), others))]


ReduceProdOp.vjp = _vjp_prod
ReduceMaxOp = _reduce("ReduceMaxOp", "lamina.reduce_max", "maximum", _lowest,
                      _extreme(np.maximum.reduce, lambda lo, hi: lo),
                      "Maximum over axes (NaN if any is NaN; -inf or the smallest integer "
                      "where empty).")
ReduceMaxOp.vjp = _vjp_max
ReduceMinOp = _reduce("ReduceMinOp", "lamina.reduce_min", "minimum", _highest,
                      _extreme(np.minimum.reduce, lambda lo, hi: hi),
                      "Minimum over axes (NaN if any is NaN; inf or the largest integer where "
                      "empty).")
ReduceMinOp.vjp = _vjp_max
ReduceAnyOp = _reduce("ReduceAnyOp", "lamina.reduce_any", "logical_or", lambda et: 0,
                      lambda x, axes, keepdims: np.logical_or.reduce(x, axes,
                                                                    keepdims=keepdims),
                      "Whether any element over axes is true.", accepts="bool")
ReduceAllOp = _reduce("ReduceAllOp", "lamina.reduce_all", "logical_and", lambda et: 1,
                      lambda x, axes, keepdims: np.logical_and.reduce(x, axes,
                                                                     keepdims=keepdims),
                      "Whether all elements over axes are true.", accepts="bool")
ReduceAnyOp.vjp = ReduceAllOp.vjp = no_gradient


def _reduced_count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _mean(x, axes, keepdims):
    s = np.sum(x, axes, x.dtype, keepdims=keepdims)
    # the count in the element type, wrapping as the compiled code's (and TF's) does
    c = np.asarray(_reduced_count(x.shape, axes)).astype(x.dtype)
    if x.dtype.kind == "f":
        return s / c
    c = c if c != 0 else x.dtype.type(1)
    if x.dtype.kind == "u":
        return s // c
    return (s - np.fmod(s, c)) // c  # rounding toward zero, as C and TF


class ReduceMeanOp(ReduceOp):
    """Mean over axes. Integers divide the sum rounding toward zero, as TF; an empty float mean
    is NaN, an empty integer mean 0."""

    name = "lamina.reduce_mean"
    combine = "add"  # the sum, divided afterwards
    init = staticmethod(lambda et: 0)
    reference = kernel(_mean)
    examples = (
        example(["tensor<2x?x4xf32>"], "lamina.reduce_mean %arg0 axes = [0, 2] : "
                "tensor<2x?x4xf32> -> tensor<?xf32>", "tensor<?xf32>"),
        example(["tensor<3x4xi32>"], "lamina.reduce_mean %arg0 axes = [1] keepdims : "
                "tensor<3x4xi32> -> tensor<3x1xi32>", "tensor<3x1xi32>"))

    def vjp(self, b, g):
        from .elementwise import DivideOp, emit, scalar_const
        x = self.input.type
        sizes = [x.shape[a] for a in self.properties["axes"].value]
        if T.DYNAMIC in sizes:
            raise IRError(f"{self.name}: the derivative of a mean over dynamic dimensions of {x} "
                          f"is not supported yet")
        n = scalar_const(b, int(np.prod(sizes)), g.type.element_type)
        return [self.spread(b, emit(b, DivideOp(g, n)))]

    def lower(self, b):
        from ...lowering.structured_builders import (binary_scalar_op, const, dim,
                                                     elementwise_values, index_cast, is_float)
        from ...dialects.arith import MulIOp
        et = self.input.type.element_type
        total = super().lower(b)[0]
        x = b.remap(self.input)
        n = None
        for a in self.properties["axes"].value:
            d = dim(b, x, a)
            n = d if n is None else b.insert(MulIOp(n, d)).results[0]
        count = index_cast(b, n, et) if n is not None else const(b, 1, et)
        kind = "divide" if is_float(et) else "truncatediv"
        return [elementwise_values(b, [total, count], [self.output.type.shape, ()],
                                   self.output.type,
                                   lambda bb, xs: binary_scalar_op(bb, kind, *xs, et))]


class ArgReduceOp(LaminaOp):
    """The index (i64, or i32) of the first largest or smallest element along `axis`; NaN
    counts as larger and smaller than any number, as NumPy's argmax and argmin.
    `lamina.argmax %0 axis = 1 : tensor<2x3xf32> -> tensor<2xi64>`"""

    input = operand(RankedTensor)
    output = result(RankedTensor)
    axis = prop(IntAttr(T.i64))
    assembly_format = "$input `axis` `=` $axis attr-dict `:` type($input) `->` type($output)"
    # "greater" for argmax, "less" for argmin
    better = None
    vjp = no_gradient

    @classmethod
    def build(cls, input, axis, output_type=T.i64, loc=None):
        axis = normalize_axes([axis], input.type.rank)[0]
        t = cls.infer_types([input.type], {"axis": IntegerAttr(axis, T.i64)})[0]
        return cls(input, axis=IntegerAttr(axis, T.i64),
                   result_types=[t.clone(element_type=output_type)], loc=loc)

    @classmethod
    def infer_types(cls, operand_types, props):
        t = operand_types[0]
        check_element_type(t.element_type, "number")
        axis = props["axis"].value
        if not 0 <= axis < t.rank:
            raise IRError(f"axis {axis} must be in [0, {t.rank})")
        return [T.RankedTensorType(t.shape[:axis] + t.shape[axis + 1:], T.i64)]

    def verify_(self):
        try:
            expected = self.infer_types([self.input.type], self.properties)[0]
        except IRError as e:
            raise self.error(e.message)
        r = self.output.type
        if r.element_type not in (T.i32, T.i64):
            raise self.error(f"result element type must be i32 or i64, but got "
                             f"{r.element_type}")
        if r.shape != expected.shape:
            raise self.error(f"result shape must be {list(expected.shape)} (the input's "
                             f"without axis {self.properties['axis'].value}), not "
                             f"{list(r.shape)}")

    def reference_attrs(self):
        return {"axis": self.properties["axis"].value,
                "output_type": np_dtype(self.output.type.element_type)}

    def lower(self, b):
        from ...lowering import structured_builders as sb
        from ...dialects import arith
        et = self.input.type.element_type
        axis = self.properties["axis"].value
        out_et = self.output.type.element_type
        shape = self.input.type.shape
        x = b.remap(self.input)
        if shape[axis] == T.DYNAMIC or shape[axis] == 0:
            nonempty = b.insert(arith.CmpIOp.build("ne", sb.dim(b, x, axis),
                                                   sb.index_const(b, 0))).results[0]
            sb.assert_(b, nonempty, f"Reduction axis {axis} is empty in shape "
                                    f"{sb.shape_str(shape)}")
        start = sb.lowest(et) if self.better == "greater" else sb.highest(et)
        better = self.better

        def combine(bb, v, accs):
            best, idx = accs
            take = sb.compare_scalar_op(bb, better, v, best, et)
            if sb.is_float(et):
                # a NaN wins over any number, the first NaN over later ones
                v_nan = bb.insert(arith.CmpFOp.build("uno", v, v)).results[0]
                best_num = bb.insert(arith.CmpFOp.build("ord", best, best)).results[0]
                first_nan = bb.insert(arith.AndIOp(v_nan, best_num)).results[0]
                take = bb.insert(arith.OrIOp(take, first_nan)).results[0]
            i = sb.index_cast(bb, sb.loop_index(bb, axis), out_et)
            return [sb.select(bb, take, v, best), sb.select(bb, take, i, idx)]
        values_type = self.output.type.clone(element_type=et)
        return [sb.reduction(b, self.input, [axis], False, [start, 0], combine,
                             [values_type, self.output.type])[1]]


def _arg(fn, doc_name):
    def run(x, axis, output_type=np.int64):
        if x.shape[axis] == 0:
            raise InvalidArgument(f"Reduction axis {axis} is empty in shape "
                                  f"[{','.join(map(str, x.shape))}]")
        return fn(x, axis=axis).astype(output_type)
    run.__name__ = doc_name
    return kernel(run)


class ArgMaxOp(ArgReduceOp):
    """Index of the first largest element along an axis."""

    name = "lamina.argmax"
    better = "greater"
    reference = _arg(np.argmax, "argmax")
    examples = (example(["tensor<2x?xf32>"], "lamina.argmax %arg0 axis = 1 : tensor<2x?xf32> "
                        "-> tensor<2xi64>", "tensor<2xi64>"),)


class ArgMinOp(ArgReduceOp):
    """Index of the first smallest element along an axis."""

    name = "lamina.argmin"
    better = "less"
    reference = _arg(np.argmin, "argmin")
    examples = (example(["tensor<2x3xi32>"], "lamina.argmin %arg0 axis = 0 : tensor<2x3xi32> "
                        "-> tensor<3xi32>", "tensor<3xi32>"),)
