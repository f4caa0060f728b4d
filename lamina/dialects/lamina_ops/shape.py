"""Shape manipulation ops of the `lamina` dialect: reshape, transpose, concat, stack,
strided_slice (Python's basic slicing), broadcast_to and shape.

Shapes come from the ops' types: a `?` dimension is known at run time only. Where a result
shape needs values rather than types (broadcast_to a computed shape), the op takes the shape
as a 1-D integer tensor operand, as TensorFlow's ops do.
"""

from __future__ import annotations

import math

import numpy as np

from ...ir import types as T
from ...ir.attributes import DenseArrayAttr, DenseElementsAttr, IntegerAttr
from ...ir.constraints import DenseArrayOf, IntAttr, TypeConstraint
from ...ir.core import IRError
from ...ir.format import custom_directive
from ...ir.opdef import Pure, operand, opt_operand, prop, result, var_operand
from .base import RankedTensor, TensorOp
from .elementwise import InvalidArgument, check_element_type, fold_by_reference, kernel, \
    no_gradient, np_dtype

DYNAMIC = T.DYNAMIC


def _dims(shape):
    return "[" + ",".join("?" if d == DYNAMIC else str(d) for d in shape) + "]"


IntVector = TypeConstraint(lambda t: t.__class__ is T.RankedTensorType and t.rank == 1 and
                           t.element_type.__class__ is T.IntegerType,
                           "1-D tensor of integers")
IntScalar = TypeConstraint(lambda t: t.__class__ is T.RankedTensorType and t.rank == 0 and
                           t.element_type.__class__ is T.IntegerType,
                           "0-D tensor of integers")
_ARROW = "$input attr-dict `:` type($input) `->` type($output)"


class ExplicitResultOp(TensorOp):
    """An op whose result type the builder gives (it holds information the operand types do
    not); `check(in_types, out_type)` raises IRError when they do not fit."""

    def verify_(self):
        try:
            self.check([v.type for v in self.operands], self.results[0].type)
        except IRError as e:
            raise self.error(e.message)

    def infer_result_types(self, operands, properties):
        raise TypeError(f"{self.opdef.name}: pass result_types=")


class SizedResultOp(ExplicitResultOp):
    """An op whose result shape a 1-D integer operand holds at run time (TensorFlow's
    input_sizes, filter_sizes, shape), the result type its static dimensions. The reference
    kernel gets the type's shape as `result_shape` (-1 for `?`) and checks the operand against
    it, as the compiled code does."""

    def reference_attrs(self):
        return {**super().reference_attrs(), "result_shape": [
            -1 if d == DYNAMIC else d for d in self.results[0].type.shape]}

    @staticmethod
    def sized_type(sizes, element_type, result_shape=None, known=None):
        """The result type: `result_shape` (-1 for `?`) where given, else what the producer of
        the `sizes` value tells (see shape_type); its `?` dimensions then taken from `known` (a
        shape) where it knows them."""
        t = shape_type(sizes, element_type) if result_shape is None else T.RankedTensorType(
            [DYNAMIC if d == -1 else d for d in result_shape], element_type)
        if known is not None:
            t = t.clone(shape=[k if d == DYNAMIC else d for d, k in zip(t.shape, known)])
        return t


def checked_sizes(sizes, result_shape, name, rank=None):
    """The value of a sizes operand as ints, checked against the result type's shape (see
    SizedResultOp), or else against `rank`."""
    out = [int(d) for d in sizes]
    rank = len(result_shape) if result_shape is not None else rank
    if rank is not None and len(out) != rank:
        raise InvalidArgument(f"{name}: the sizes operand has {len(out)} elements for a result "
                              f"of rank {rank}")
    if result_shape is not None and any(r not in (-1, d) for r, d in zip(result_shape, out)):
        raise InvalidArgument(f"{name}: the sizes operand does not match the result: "
                              f"{_dims(out)} vs {_dims(result_shape)}")
    return out


# -- reshape -----------------------------------------------------------------------------------

class ReshapeOp(ExplicitResultOp):
    """The same elements in row-major order, in another shape. At most one result dimension
    may be `?`: it is the input's number of elements divided by the other dimensions (TF's
    `-1`)."""

    name = "lamina.reshape"
    input = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = _ARROW
    examples = (
        "func.func @f(%arg0: tensor<2x3xf32>, %arg1: tensor<?x28x28xf32>) -> "
        "(tensor<6xf32>, tensor<?x784xf32>) {\n"
        "  %0 = lamina.reshape %arg0 : tensor<2x3xf32> -> tensor<6xf32>\n"
        "  %1 = lamina.reshape %arg1 : tensor<?x28x28xf32> -> tensor<?x784xf32>\n"
        "  return %0, %1 : tensor<6xf32>, tensor<?x784xf32>\n}",)

    @classmethod
    def build(cls, input, shape, loc=None):
        """`shape`: TF's, with at most one -1, resolved here where the input size is static."""
        shape = list(shape)
        n = input.type.num_elements
        known = math.prod(d for d in shape if d != -1)
        if -1 in shape and n is not None and known and n % known == 0:
            shape[shape.index(-1)] = n // known
        return cls(input, result_types=[input.type.clone(shape=shape)], loc=loc)

    @staticmethod
    def check(in_types, out):
        a = in_types[0]
        if a.element_type != out.element_type:
            raise IRError(f"element type {out.element_type} differs from the input's "
                          f"{a.element_type}")
        if out.num_dynamic_dims > 1:
            raise IRError(f"can infer at most one dimension of the shape {_dims(out.shape)}")
        n = a.num_elements
        if n is None:
            return
        known = math.prod(d for d in out.shape if d != DYNAMIC)
        if out.num_dynamic_dims == 0 and known != n:
            raise IRError(f"Input to reshape is a tensor with {n} values, but the requested "
                          f"shape has {known}")
        if out.num_dynamic_dims and (known == 0 or n % known):
            raise IRError(f"Input to reshape is a tensor with {n} values, but the requested "
                          f"shape requires a multiple of {known}")

    def fold(self, consts):
        if self.input.type == self.output.type:
            return [self.input]
        return fold_by_reference(self, consts)

    @kernel
    def reference(x, shape):
        """`shape`: the target shape, one dimension -1 at most."""
        return x.reshape(shape)

    def reference_attrs(self):
        return {"shape": [-1 if d == DYNAMIC else d for d in self.output.type.shape]}

    def vjp(self, b, g):
        from .elementwise import emit
        return [emit(b, ReshapeOp(g, result_types=[self.input.type]))]

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        return [sb.reshape(b, b.remap(self.input), self.output.type)]


# -- transpose ---------------------------------------------------------------------------------

class TransposeOp(TensorOp):
    """Permutes the dimensions: result dimension i is input dimension perm[i]."""

    name = "lamina.transpose"
    input = operand(RankedTensor)
    perm = prop(DenseArrayOf(T.i64))
    output = result(RankedTensor)
    assembly_format = "$input `perm` `=` $perm attr-dict `:` type($input) `->` type($output)"
    examples = (
        "func.func @f(%arg0: tensor<2x?x4xf32>) -> tensor<4x2x?xf32> {\n"
        "  %0 = lamina.transpose %arg0 perm = [2, 0, 1] : tensor<2x?x4xf32> -> tensor<4x2x?xf32>\n"
        "  return %0 : tensor<4x2x?xf32>\n}",)

    @classmethod
    def build(cls, input, perm, loc=None):
        return cls(input, perm=DenseArrayAttr(T.i64, perm), loc=loc)

    @classmethod
    def infer_types(cls, operand_types, props):
        a = operand_types[0]
        perm = list(props["perm"].value)
        if sorted(perm) != list(range(a.rank)):
            raise IRError(f"perm {perm} is not a permutation of the {a.rank} dimensions")
        return [a.clone(shape=[a.shape[p] for p in perm])]

    def fold(self, consts):
        perm = list(self.perm.value)
        if perm == sorted(perm):
            return [self.input]
        return fold_by_reference(self, consts)

    @kernel
    def reference(x, perm):
        return np.ascontiguousarray(x.transpose(perm))

    def reference_attrs(self):
        return {"perm": list(self.perm.value)}

    def vjp(self, b, g):
        from .elementwise import emit
        perm = list(self.perm.value)
        inverse = [perm.index(i) for i in range(len(perm))]
        return [emit(b, TransposeOp.build(g, inverse))]

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        return [sb.transpose(b, b.remap(self.input), list(self.perm.value), self.output.type)]


# -- concat and stack ----------------------------------------------------------------------------

def _join_shapes(shapes, skip, what):
    """The common shape of `shapes` (`?` resolved by any static one) except dimension `skip`."""
    out = list(shapes[0])
    for s in shapes[1:]:
        for k, d in enumerate(s):
            if k == skip:
                continue
            if out[k] == DYNAMIC:
                out[k] = d
            elif d != DYNAMIC and d != out[k]:
                raise IRError(f"{what}: dimension {k} of the inputs differ: "
                              f"{', '.join(_dims(x) for x in shapes)}")
    return out


def _same_element_type(types):
    et = types[0].element_type
    for t in types[1:]:
        if t.element_type != et:
            raise IRError(f"inputs have different element types: {et} and {t.element_type}")
    return et


class _JoinOp(TensorOp):
    """Ops joining several tensors of one element type and rank along `axis`."""

    inputs = var_operand(RankedTensor)
    axis = prop(IntAttr(T.i64))
    output = result(RankedTensor)
    assembly_format = "$inputs `axis` `=` $axis attr-dict `:` functional-type(operands, results)"

    @classmethod
    def build(cls, inputs, axis, loc=None):
        return cls(list(inputs), axis=IntegerAttr(axis, T.i64), loc=loc)

    @classmethod
    def _checked(cls, operand_types, props, extra_axis):
        """(element type, rank, axis) after the checks both joins share; `extra_axis`: the
        axis may be one past the inputs' rank (a new dimension)."""
        if not operand_types:
            raise IRError("expects at least one input")
        et = _same_element_type(operand_types)
        rank = operand_types[0].rank
        axis = props["axis"].value
        if any(t.rank != rank for t in operand_types):
            raise IRError("inputs have different ranks")
        if not 0 <= axis < rank + extra_axis:
            what = f"a result of rank {rank + 1}" if extra_axis else f"rank {rank}"
            raise IRError(f"axis {axis} is out of range for {what}")
        return et, rank, axis

    def reference_attrs(self):
        return {"axis": self.axis.value}

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        join = sb.concat if self.name == "lamina.concat" else sb.stack
        return [join(b, [b.remap(v) for v in self.inputs], self.axis.value, self.output.type)]


class ConcatOp(_JoinOp):
    """Joins tensors along an existing dimension."""

    name = "lamina.concat"
    examples = (
        "func.func @f(%arg0: tensor<2x3xf32>, %arg1: tensor<?x3xf32>) -> tensor<?x3xf32> {\n"
        "  %0 = lamina.concat %arg0, %arg1 axis = 0 : (tensor<2x3xf32>, tensor<?x3xf32>) -> "
        "tensor<?x3xf32>\n  return %0 : tensor<?x3xf32>\n}",)

    @classmethod
    def infer_types(cls, operand_types, props):
        et, rank, axis = cls._checked(operand_types, props, extra_axis=False)
        shapes = [t.shape for t in operand_types]
        out = _join_shapes(shapes, axis, "ConcatOp")
        out[axis] = DYNAMIC if any(s[axis] == DYNAMIC for s in shapes) else \
            sum(s[axis] for s in shapes)
        return [T.RankedTensorType(out, et)]

    def fold(self, consts):
        if len(self.inputs) == 1 and self.inputs[0].type == self.output.type:
            return [self.inputs[0]]
        return fold_by_reference(self, consts)

    @kernel
    def reference(*xs, axis):
        return np.concatenate(xs, axis)

    def vjp(self, b, g):
        """Each input's part of `g`: the range of `axis` where it was put."""
        from .elementwise import emit
        axis = self.axis.value
        out, start = [], 0
        for v in self.inputs:
            stop = _add_sizes(b, start, _size(b, v, axis))
            dynamic = [e for e in (start, stop) if not isinstance(e, int)]
            spec = SliceSpec([0] * axis + [_spec_bound(start)], [0] * axis + [_spec_bound(stop)],
                             [1] * (axis + 1), (1 << axis) - 1, (1 << axis) - 1)
            out.append(emit(b, StridedSliceOp.build(g, spec, dynamic)))
            start = stop
        return out


class StackOp(_JoinOp):
    """Joins tensors of one shape along a new dimension `axis`."""

    name = "lamina.stack"
    examples = (
        "func.func @f(%arg0: tensor<3xf32>, %arg1: tensor<?xf32>) -> tensor<3x2xf32> {\n"
        "  %0 = lamina.stack %arg0, %arg1 axis = 1 : (tensor<3xf32>, tensor<?xf32>) -> "
        "tensor<3x2xf32>\n  return %0 : tensor<3x2xf32>\n}",)

    @classmethod
    def infer_types(cls, operand_types, props):
        et, rank, axis = cls._checked(operand_types, props, extra_axis=True)
        out = _join_shapes([t.shape for t in operand_types], -1, "StackOp")
        out.insert(axis, len(operand_types))
        return [T.RankedTensorType(out, et)]

    def fold(self, consts):
        return fold_by_reference(self, consts)

    @kernel
    def reference(*xs, axis):
        return np.stack(xs, axis)

    def vjp(self, b, g):
        from .elementwise import emit
        axis = self.axis.value
        whole = (1 << axis) - 1
        return [emit(b, StridedSliceOp.build(g, SliceSpec(
            [0] * axis + [i], [0] * (axis + 1), [1] * (axis + 1), whole, whole, 1 << axis)))
            for i in range(len(self.inputs))]


def _size(b, v, k):
    """Dimension k of `v`: an int, or a 0-d i64 tensor where only run time knows it."""
    from .elementwise import emit
    d = v.type.shape[k]
    if d != DYNAMIC:
        return d
    return emit(b, StridedSliceOp.build(shape_of(b, v), SliceSpec([k], [0], [1],
                                                                   shrink_mask=1)))


def _add_sizes(b, x, y):
    """x + y of two sizes of _size."""
    from .elementwise import AddOp, emit, scalar_const
    if isinstance(x, int) and isinstance(y, int):
        return x + y
    x, y = (scalar_const(b, e, T.i64) if isinstance(e, int) else e for e in (x, y))
    return emit(b, AddOp(x, y))


def _spec_bound(e):
    return e if isinstance(e, int) else DYNAMIC_INDEX


# -- strided_slice: `%x[1:3, ::2, 0, %i, -1:%j:-1]` ---------------------------------------------

DYNAMIC_INDEX = -(1 << 63)  # a begin or end given by an operand (MLIR's kDynamic)


class SliceSpec:
    """One strided_slice's begin/end/strides and masks, as TensorFlow's StridedSlice holds them
    (bit k of a mask: begin k absent, end k absent, dimension k indexed by a single number).
    Dimensions past the spec are taken whole."""

    __slots__ = ("begin", "end", "strides", "begin_mask", "end_mask", "shrink_mask")

    def __init__(self, begin, end, strides, begin_mask=0, end_mask=0, shrink_mask=0):
        self.begin = list(begin)
        self.end = list(end)
        self.strides = list(strides)
        self.begin_mask = begin_mask
        self.end_mask = end_mask
        self.shrink_mask = shrink_mask

    @classmethod
    def of(cls, op):
        p = op.properties
        return cls(p["begin"].value, p["end"].value, p["strides"].value,
                   op.begin_mask.value, op.end_mask.value, op.shrink_axis_mask.value)

    def __len__(self):
        return len(self.begin)

    def shrinks(self, k):
        return bool(self.shrink_mask >> k & 1)

    def has_begin(self, k):
        return not self.begin_mask >> k & 1

    def has_end(self, k):
        return not self.end_mask >> k & 1 and not self.shrinks(k)

    def num_dynamic(self):
        return sum(1 for k in range(len(self)) for v, has in (
            (self.begin[k], self.has_begin(k)), (self.end[k], self.has_end(k)))
            if has and v == DYNAMIC_INDEX)

    def check(self, shape):
        if not (len(self.begin) == len(self.end) == len(self.strides)):
            raise IRError("begin, end and strides must have the same length")
        if len(self) > len(shape):
            raise IRError(f"slices {len(self)} dimensions of a tensor of rank {len(shape)}")
        for k in range(len(self)):
            if self.strides[k] == 0:
                raise IRError(f"strides[{k}] must be non-zero")
            if self.shrinks(k):
                if self.strides[k] != 1:
                    raise IRError(f"dimension {k} is indexed by a single number but has "
                                  f"stride {self.strides[k]}")
                i, n = self.begin[k], shape[k]
                if i != DYNAMIC_INDEX and n != DYNAMIC and not -n <= i < n:
                    raise IRError(index_error(i, k))

    def result_shape(self, shape):
        out = []
        for k, n in enumerate(shape):
            if k >= len(self):
                out.append(n)
            elif self.shrinks(k):
                continue
            elif n == DYNAMIC or self.has_begin(k) and self.begin[k] == DYNAMIC_INDEX or \
                    self.has_end(k) and self.end[k] == DYNAMIC_INDEX:
                out.append(DYNAMIC)
            else:
                out.append(len(range(*self.python_slice(k).indices(n))))
        return out

    def python_slice(self, k, dynamic=None):
        """Dimension k as a Python slice (or int); `dynamic`: an iterator over the values of
        the dynamic bounds, in order."""
        # (eager slicing runs this per dimension: plain bit tests, no helper calls)
        b = None if self.begin_mask >> k & 1 else self.begin[k]
        if b == DYNAMIC_INDEX:
            b = int(next(dynamic))
        if self.shrink_mask >> k & 1:
            return b
        e = None if self.end_mask >> k & 1 else self.end[k]
        if e == DYNAMIC_INDEX:
            e = int(next(dynamic))
        return slice(b, e, self.strides[k])


def index_error(i, k):
    """TensorFlow's message; `i` None where only run time knows it."""
    return f"slice index {'' if i is None else str(i) + ' '}of dimension {k} out of bounds."


def _slice_build(child, parts, args):
    begin, end, strides, bmask, emask, smask, dyn = [], [], [], 0, 0, 0, []

    def bound(v):
        if v is None:
            return 0, False
        if isinstance(v, int):
            return v, True
        dyn.append(v)
        return DYNAMIC_INDEX, True
    for k, item in enumerate(child):
        kind, b, e, s = item
        bv, has_b = bound(b)
        ev, has_e = bound(e)
        if kind == "index":
            smask |= 1 << k
            ev = 0
        else:
            bmask |= (not has_b) << k
            emask |= (not has_e) << k
        begin.append(bv)
        end.append(ev)
        strides.append(1 if s is None else s)
    b_f, e_f, s_f, bm_f, em_f, sm_f, dyn_f = args
    for f, v in ((b_f, begin), (e_f, end), (s_f, strides)):
        parts.props[f.name] = DenseArrayAttr(T.i64, v)
    for f, v in ((bm_f, bmask), (em_f, emask), (sm_f, smask)):
        if v:
            parts.props[f.name] = IntegerAttr(v, T.i64)
    parts.operands[dyn_f.index] = dyn


def _slice_print(op, p, args):
    spec = SliceSpec.of(op)
    dyn = iter(op.dynamic)

    def bound(v):
        return p.name(next(dyn)) if v == DYNAMIC_INDEX else str(v)
    items = []
    for k in range(len(spec)):
        b = bound(spec.begin[k]) if spec.has_begin(k) else ""
        if spec.shrinks(k):
            items.append(b)
            continue
        e = bound(spec.end[k]) if spec.has_end(k) else ""
        s = spec.strides[k]
        items.append(f"{b}:{e}" + (f":{s}" if s != 1 else ""))
    p.element("[" + ", ".join(items) + "]")


custom_directive(
    "LaminaSliceSpec", "lamina_slice_spec",
    r'''
lamina_slice_spec: "[" [lamina_slice_item ("," lamina_slice_item)*] "]"
lamina_slice_item: lamina_slice_bound                                      -> lamina_slice_index
    | [lamina_slice_bound] ":" [lamina_slice_bound] [":" [INT]]            -> lamina_slice_range
    | [lamina_slice_bound] "::" [INT]                                      -> lamina_slice_step
?lamina_slice_bound: INT | value_use
''',
    _slice_build, _slice_print,
    callbacks={
        "lamina_slice_spec": lambda c: [x for x in c if x is not None],
        "lamina_slice_index": lambda c: ("index", _bound(c[0]), None, None),
        "lamina_slice_range": lambda c: ("range", _bound(c[0]), _bound(c[1]),
                                         None if len(c) < 3 or c[2] is None else int(c[2].value)),
        "lamina_slice_step": lambda c: ("range", _bound(c[0]), None,
                                        None if c[1] is None else int(c[1].value)),
    })


def _bound(tok):
    if tok is None:
        return None
    return int(tok.value) if tok.type == "INT" else tok


class _SlicingOp(TensorOp):
    """The slice spec both strided_slice and its gradient carry (see SliceSpec): the ranges,
    the masks, and in `dynamic` the 0-D integer operands of the DYNAMIC_INDEX bounds."""

    begin = prop(DenseArrayOf(T.i64))
    end = prop(DenseArrayOf(T.i64))
    strides = prop(DenseArrayOf(T.i64))
    begin_mask = prop(IntAttr(T.i64, default=0))
    end_mask = prop(IntAttr(T.i64, default=0))
    shrink_axis_mask = prop(IntAttr(T.i64, default=0))

    @staticmethod
    def spec_props(spec):
        def mask(v):
            return IntegerAttr(v, T.i64) if v else None
        return dict(begin=DenseArrayAttr(T.i64, spec.begin), end=DenseArrayAttr(T.i64, spec.end),
                    strides=DenseArrayAttr(T.i64, spec.strides),
                    begin_mask=mask(spec.begin_mask), end_mask=mask(spec.end_mask),
                    shrink_axis_mask=mask(spec.shrink_mask))

    @staticmethod
    def checked_spec(props, shape, num_dynamic):
        """The SliceSpec of `props`, checked against the sliced `shape` and the number of
        dynamic bound operands."""
        get = lambda k: props[k].value if k in props else 0  # noqa: E731
        spec = SliceSpec(props["begin"].value, props["end"].value, props["strides"].value,
                         get("begin_mask"), get("end_mask"), get("shrink_axis_mask"))
        spec.check(shape)
        if spec.num_dynamic() != num_dynamic:
            raise IRError(f"expects {spec.num_dynamic()} dynamic bounds, got {num_dynamic}")
        return spec

    @staticmethod
    def index(shape, dynamic, spec):
        """The numpy index of the slice of an array of `shape`; `dynamic`: the values of the
        dynamic bounds (0-d arrays), in order."""
        it = iter(dynamic)
        index = []
        shrink = spec.shrink_mask
        for k in range(len(spec.begin)):
            s = spec.python_slice(k, it)
            if shrink >> k & 1 and not -shape[k] <= s < shape[k]:
                raise InvalidArgument(index_error(s, k))
            index.append(s)
        return tuple(index)

    def reference_attrs(self):
        return {"spec": SliceSpec.of(self)}


class StridedSliceOp(_SlicingOp):
    """Python's basic slicing (`t[1:3, ::2, 0]`): per dimension a range start:stop:step with
    negative values counting from the end and out-of-range bounds clamped (as numpy), or a
    single index, which drops the dimension and must be in range. Bounds may be 0-D integer
    tensors (`t[%i]`), given as operands in order."""

    name = "lamina.strided_slice"
    input = operand(RankedTensor)
    dynamic = var_operand(IntScalar)
    output = result(RankedTensor)
    assembly_format = ("$input custom<LaminaSliceSpec>($begin, $end, $strides, $begin_mask, "
                       "$end_mask, $shrink_axis_mask, $dynamic) attr-dict `:` "
                       "functional-type(operands, results)")
    examples = (
        "func.func @f(%arg0: tensor<4x5x6xf32>, %arg1: tensor<i32>, %arg2: tensor<?x3xi64>) -> "
        "(tensor<2x3xf32>, tensor<6xf32>, tensor<?x1xi64>, tensor<?xi64>) {\n"
        "  %0 = lamina.strided_slice %arg0 [1:3, ::2, 0] : (tensor<4x5x6xf32>) -> "
        "tensor<2x3xf32>\n"
        "  %1 = lamina.strided_slice %arg0 [%arg1, -1] : (tensor<4x5x6xf32>, tensor<i32>) -> "
        "tensor<6xf32>\n"
        "  %2 = lamina.strided_slice %arg2 [%arg1::-1, 2:] : (tensor<?x3xi64>, tensor<i32>) -> "
        "tensor<?x1xi64>\n"
        "  %3 = lamina.strided_slice %arg2 [:%arg1, 1] : (tensor<?x3xi64>, tensor<i32>) -> "
        "tensor<?xi64>\n"
        "  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<6xf32>, tensor<?x1xi64>, "
        "tensor<?xi64>\n}",)

    @classmethod
    def build(cls, input, spec, dynamic=(), loc=None):
        """`spec`: a SliceSpec; `dynamic`: the operands of its DYNAMIC_INDEX bounds."""
        return cls(input, list(dynamic), loc=loc, **cls.spec_props(spec))

    @classmethod
    def infer_types(cls, operand_types, props):
        a = operand_types[0]
        spec = cls.checked_spec(props, a.shape, len(operand_types) - 1)
        return [a.clone(shape=spec.result_shape(a.shape))]

    def fold(self, consts):
        return fold_by_reference(self, consts)

    @kernel
    def reference(x, *dynamic, spec):
        """`dynamic`: the values of the dynamic bounds (0-d arrays), in order."""
        return np.array(x[_SlicingOp.index(x.shape, dynamic, spec)])

    def vjp(self, b, g):
        from .elementwise import emit
        x = self.input
        grad = StridedSliceGradOp.build(g, shape_of(b, x), SliceSpec.of(self), self.dynamic,
                                        x.type)
        return [emit(b, grad)] + [None] * len(self.dynamic)

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        return [sb.strided_slice(b, b.remap(self.input), [b.remap(v) for v in self.dynamic],
                                 SliceSpec.of(self), self.output.type)]


class StridedSliceGradOp(SizedResultOp, _SlicingOp):
    """The derivative of strided_slice (TensorFlow's StridedSliceGrad): a tensor of `shape`
    (a 1-D integer operand; the result type gives its static dimensions) holding zeros, with
    `input` written into the slice the spec selects.
    `lamina.strided_slice_grad %dy, %shape [1:3, ::2, 0] : (tensor<2x3xf32>, tensor<3xi32>)
    -> tensor<4x5x6xf32>`"""

    name = "lamina.strided_slice_grad"
    input = operand(RankedTensor)
    shape = operand(IntVector)
    dynamic = var_operand(IntScalar)
    output = result(RankedTensor)
    assembly_format = ("$input `,` $shape custom<LaminaSliceSpec>($begin, $end, $strides, "
                       "$begin_mask, $end_mask, $shrink_axis_mask, $dynamic) attr-dict `:` "
                       "functional-type(operands, results)")
    examples = (
        "func.func @f(%arg0: tensor<2x3xf32>, %arg1: tensor<3xi32>, %arg2: tensor<?xi64>, "
        "%arg3: tensor<2xi64>, %arg4: tensor<i32>) -> (tensor<4x5x6xf32>, tensor<?x3xi64>) {\n"
        "  %0 = lamina.strided_slice_grad %arg0, %arg1 [1:3, ::2, 0] : (tensor<2x3xf32>, "
        "tensor<3xi32>) -> tensor<4x5x6xf32>\n"
        "  %1 = lamina.strided_slice_grad %arg2, %arg3 [%arg4::-1, 1] : (tensor<?xi64>, "
        "tensor<2xi64>, tensor<i32>) -> tensor<?x3xi64>\n"
        "  return %0, %1 : tensor<4x5x6xf32>, tensor<?x3xi64>\n}",)

    @classmethod
    def build(cls, input, shape, spec, dynamic=(), result_type=None, result_shape=None,
              loc=None):
        """`result_type`: by default, of shape `result_shape` (see SizedResultOp.sized_type)."""
        if result_type is None:
            result_type = cls.sized_type(shape, input.type.element_type, result_shape)
        return cls(input, shape, list(dynamic), result_types=[result_type], loc=loc,
                   **cls.spec_props(spec))

    def verify_(self):
        out, shape = self.output.type, self.shape.type
        try:
            if out.element_type != self.input.type.element_type:
                raise IRError(f"result element type {out.element_type} differs from the "
                              f"input's {self.input.type.element_type}")
            if shape.shape[0] not in (out.rank, DYNAMIC):
                raise IRError(f"shape operand has {shape.shape[0]} elements for a result of "
                              f"rank {out.rank}")
            spec = self.checked_spec(self.properties, out.shape, len(self.dynamic))
            sliced = spec.result_shape(out.shape)
            have = self.input.type.shape
            if len(sliced) != len(have) or any(
                    DYNAMIC not in (s, h) and s != h for s, h in zip(sliced, have)):
                raise IRError(f"input shape {_dims(have)} is not the shape {_dims(sliced)} "
                              f"of the slice of a tensor of shape {_dims(out.shape)}")
        except IRError as e:
            raise self.error(e.message)

    @kernel
    def reference(dy, shape, *dynamic, spec, result_shape=None):
        out = np.zeros(checked_sizes(shape, result_shape, "StridedSliceGrad"), dy.dtype)
        index = _SlicingOp.index(out.shape, dynamic, spec)
        if out[index].shape != dy.shape:
            raise InvalidArgument(f"shape of dy is not the shape of the slice: "
                                  f"{_dims(dy.shape)} vs {_dims(out[index].shape)}")
        out[index] = dy
        return out

    def vjp(self, b, g):
        from .elementwise import emit
        sliced = emit(b, StridedSliceOp.build(g, SliceSpec.of(self), self.dynamic))
        return [sliced, None] + [None] * len(self.dynamic)

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        return [sb.strided_slice_grad(b, b.remap(self.input), b.remap(self.shape),
                                      [b.remap(v) for v in self.dynamic], SliceSpec.of(self),
                                      self.output.type)]


def shape_of(b, x):
    """The shape of `x` as a 1-D i64 tensor (a constant once folded, where it is static)."""
    from .elementwise import emit
    return emit(b, ShapeOp.build(x, T.i64))


def shape_type(shape, element_type):
    """The tensor type of `element_type` whose shape 1-D tensor `shape` holds, as static as
    its producer tells: a constant, or lamina.shape of a value."""
    owner = getattr(shape, "owner", None)
    name = getattr(owner, "name", None)
    if name == "lamina.shape":
        return owner.input.type.clone(element_type=element_type)
    if name == "lamina.constant":
        return T.RankedTensorType([int(d) for d in owner.properties["value"].array],
                                  element_type)
    return T.RankedTensorType([DYNAMIC] * shape.type.shape[0], element_type)


# -- broadcast_to and shape ----------------------------------------------------------------------

class BroadcastToOp(ExplicitResultOp):
    """The input broadcast (numpy's rules) to the result's shape. Result dimensions that are
    `?` come from the optional 1-D integer `shape` operand, or else from the input dimension
    they align with. An input dimension that is `?` broadcasts where it is 1 at run time, as
    in numpy; otherwise it must match (checked at run time)."""

    name = "lamina.broadcast_to"
    input = operand(RankedTensor)
    shape = opt_operand(IntVector)
    output = result(RankedTensor)
    assembly_format = "$input (`,` $shape^)? attr-dict `:` functional-type(operands, results)"
    examples = (
        "func.func @f(%arg0: tensor<3xf32>, %arg1: tensor<?x1xf32>, %arg2: tensor<2xi32>) -> "
        "(tensor<2x3xf32>, tensor<?x4xf32>, tensor<?x?xf32>) {\n"
        "  %0 = lamina.broadcast_to %arg0 : (tensor<3xf32>) -> tensor<2x3xf32>\n"
        "  %1 = lamina.broadcast_to %arg1 : (tensor<?x1xf32>) -> tensor<?x4xf32>\n"
        "  %2 = lamina.broadcast_to %arg0, %arg2 : (tensor<3xf32>, tensor<2xi32>) -> "
        "tensor<?x?xf32>\n"
        "  return %0, %1, %2 : tensor<2x3xf32>, tensor<?x4xf32>, tensor<?x?xf32>\n}",)

    @staticmethod
    def check(in_types, out):
        a = in_types[0]
        if a.element_type != out.element_type:
            raise IRError(f"element type {out.element_type} differs from the input's "
                          f"{a.element_type}")
        if a.rank > out.rank:
            raise IRError(f"cannot broadcast a tensor of rank {a.rank} to rank {out.rank}")
        has_shape = len(in_types) > 1
        if has_shape and in_types[1].shape[0] != out.rank:
            raise IRError(f"shape operand has {in_types[1].shape[0]} elements for a result of "
                          f"rank {out.rank}")
        lead = out.rank - a.rank
        for k, d in enumerate(out.shape):
            x = a.shape[k - lead] if k >= lead else 1
            if d == DYNAMIC:
                if not has_shape and (x == 1 or k < lead):
                    raise IRError(f"result dimension {k} is dynamic, but neither a shape "
                                  f"operand nor the input gives it")
            elif x not in (1, d, DYNAMIC):
                raise IRError(f"Unable to broadcast tensor of shape {_dims(a.shape)} to tensor "
                              f"of shape {_dims(out.shape)}")

    def fold(self, consts):
        # with a shape operand, `?` to `?` may still broadcast (or fail)
        if self.input.type == self.output.type and self.shape is None:
            return [self.input]
        return fold_by_reference(self, consts)

    @kernel
    def reference(x, shape):
        """`shape`: the result's (the shape operand, or the shape of the result type, whose
        `?` dimensions are the input dimensions they align with)."""
        lead = len(shape) - x.ndim
        shape = tuple(x.shape[k - lead] if d == DYNAMIC and k >= lead else int(d)
                      for k, d in enumerate(shape))
        try:
            return np.ascontiguousarray(np.broadcast_to(x, shape))
        except ValueError:
            raise InvalidArgument(f"Unable to broadcast tensor of shape {_dims(x.shape)} to "
                                  f"tensor of shape {_dims(shape)}") from None

    def reference_attrs(self):
        return {} if self.shape is not None else {"shape": self.output.type.shape}

    def vjp(self, b, g):
        from .elementwise import unbroadcast
        return [unbroadcast(b, g, self.input)] + [None] * (len(self.operands) - 1)

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        shape = None if self.shape is None else b.remap(self.shape)
        return [sb.broadcast_to(b, b.remap(self.input), shape, self.output.type)]


class ReduceToShapeOp(ExplicitResultOp):
    """The inverse of broadcast_to for cotangents: sums the input over the dimensions that
    broadcasting the result's shape to the input's would create (the leading ones, and those
    that are 1 in the result but not in the input). A `?` result dimension is summed where
    the optional 1-D `shape` operand (the run-time shape of what was broadcast) says it is 1,
    as broadcasting a `?` of size 1 at run time repeats it; without the operand it is kept.
    `lamina.reduce_to_shape %0 : (tensor<2x3xf32>) -> tensor<1x3xf32>`"""

    name = "lamina.reduce_to_shape"
    input = operand(RankedTensor)
    shape = opt_operand(IntVector)
    output = result(RankedTensor)
    assembly_format = "$input (`,` $shape^)? attr-dict `:` functional-type(operands, results)"
    examples = (
        "func.func @f(%arg0: tensor<4x2x3xf32>, %arg1: tensor<?x3xf64>, %arg2: tensor<2xi64>) "
        "-> (tensor<2x1xf32>, tensor<3xf64>, tensor<?x3xf64>) {\n"
        "  %0 = lamina.reduce_to_shape %arg0 : (tensor<4x2x3xf32>) -> tensor<2x1xf32>\n"
        "  %1 = lamina.reduce_to_shape %arg1 : (tensor<?x3xf64>) -> tensor<3xf64>\n"
        "  %2 = lamina.reduce_to_shape %arg1, %arg2 : (tensor<?x3xf64>, tensor<2xi64>) -> "
        "tensor<?x3xf64>\n"
        "  return %0, %1, %2 : tensor<2x1xf32>, tensor<3xf64>, tensor<?x3xf64>\n}",)

    @staticmethod
    def reduced_axes(in_shape, out_shape):
        lead = len(in_shape) - len(out_shape)
        return list(range(lead)) + [k + lead for k, d in enumerate(out_shape)
                                    if d == 1 and in_shape[k + lead] != 1]

    @staticmethod
    def check(in_types, out):
        a = in_types[0]
        if a.element_type != out.element_type:
            raise IRError(f"element type {out.element_type} differs from the input's "
                          f"{a.element_type}")
        check_element_type(a.element_type, "number")
        if out.rank > a.rank:
            raise IRError(f"cannot reduce a tensor of rank {a.rank} to rank {out.rank}")
        if len(in_types) > 1 and in_types[1].shape[0] not in (out.rank, DYNAMIC):
            raise IRError(f"shape operand has {in_types[1].shape[0]} elements for a result of "
                          f"rank {out.rank}")
        lead = a.rank - out.rank
        for k, d in enumerate(out.shape):
            x = a.shape[k + lead]
            if d not in (1, x, DYNAMIC) and x != DYNAMIC:
                raise IRError(f"Unable to reduce tensor of shape {_dims(a.shape)} to tensor "
                              f"of shape {_dims(out.shape)}")

    def fold(self, consts):
        if self.input.type == self.output.type and self.shape is None:
            return [self.input]
        return fold_by_reference(self, consts)

    def vjp(self, b, g):
        from .elementwise import emit
        x = self.input
        grad = emit(b, BroadcastToOp(g, None if x.type.has_static_shape else
                                     emit(b, ShapeOp.build(x)), result_types=[x.type]))
        return [grad] + [None] * (len(self.operands) - 1)

    @kernel
    def reference(x, shape):
        """`shape`: the shape operand's value, or the result type's shape with -1 for `?`
        (a dimension kept as it is)."""
        lead = x.ndim - len(shape)
        axes = ReduceToShapeOp.reduced_axes(x.shape, [int(d) for d in shape])
        return np.sum(x, tuple(axes), x.dtype, keepdims=True).reshape(
            [1 if k + lead in axes else x.shape[k + lead] for k in range(len(shape))])

    def reference_attrs(self):
        if self.shape is not None:
            return {}
        return {"shape": [-1 if d == DYNAMIC else d for d in self.output.type.shape]}

    def lower(self, b):
        from ...lowering import structured_builders as sb
        from ...lowering import structured_builders_nn as sbn
        from ...ir.affine import AffineConst, AffineDim, AffineMap
        a, rt = self.input.type, self.output.type
        x = b.remap(self.input)
        lead = a.rank - rt.rank
        et = a.element_type

        def add(bb, args):
            return [sb.binary_scalar_op(bb, "add", args[1], args[0], et)]

        if self.shape is not None:
            # a `?` of the result that is 1 at run time: summed first (a copy made only then)
            shape = b.remap(self.shape)
            for k, d in enumerate(rt.shape):
                if d == DYNAMIC and a.shape[k + lead] != 1:
                    one = sb.compare_scalar_op(b, "equal", sbn.extract_index(b, shape, [k]),
                                               sb.index_const(b, 1), T.index)
                    x = sb.reduce_if_one(b, x, k + lead, one, add)
        axes = set(self.reduced_axes(a.shape, rt.shape))
        if not axes:  # nothing more to sum: no copy
            return [sbn.cast(b, x, sb.signless(rt))]
        sizes = [sb.dim(b, x, k + lead) for k, d in enumerate(rt.shape) if d == DYNAMIC]
        init = sb.fill(b, sb.signless(rt), 0, sizes)
        out_map = AffineMap(a.rank, 0, [AffineConst(0) if j in axes else AffineDim(j)
                                        for j in range(lead, a.rank)])
        return sb.generic(b, [x], [init], [AffineMap.identity(a.rank), out_map],
                          [sb.REDUCTION if j in axes else sb.PARALLEL for j in range(a.rank)],
                          add)


ShapeResult = TypeConstraint(lambda t: t.__class__ is T.RankedTensorType and t.rank == 1 and
                             t.element_type in (T.i32, T.i64), "1-D tensor of i32 or i64")


class ShapeOp(TensorOp):
    """The input's shape as a 1-D tensor of i32 or i64."""

    name = "lamina.shape"
    input = operand(RankedTensor)
    output = result(ShapeResult)
    traits = (Pure,)
    assembly_format = _ARROW
    examples = (
        "func.func @f(%arg0: tensor<?x3xf32>) -> tensor<2xi32> {\n"
        "  %0 = lamina.shape %arg0 : tensor<?x3xf32> -> tensor<2xi32>\n"
        "  return %0 : tensor<2xi32>\n}",)

    @classmethod
    def build(cls, input, element_type=T.i32, loc=None):
        return cls(input, result_types=[T.RankedTensorType([input.type.rank], element_type)],
                   loc=loc)

    def verify_(self):
        if self.output.type.shape[0] != self.input.type.rank:
            raise self.error(f"result has {self.output.type.shape[0]} elements, but the input "
                             f"has rank {self.input.type.rank}")

    def fold(self, consts):
        t = self.input.type
        if not t.has_static_shape:
            return None
        return [DenseElementsAttr(self.output.type, np.array(t.shape))]

    vjp = no_gradient

    @kernel
    def reference(x, dtype=np.int32):
        return np.array(x.shape, dtype)

    def reference_attrs(self):
        return {"dtype": np_dtype(self.output.type.element_type)}

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        return [sb.shape_of(b, b.remap(self.input), self.output.type)]


__all__ = ["ReshapeOp", "TransposeOp", "ConcatOp", "StackOp", "StridedSliceOp", "SliceSpec",
           "StridedSliceGradOp", "SizedResultOp", "checked_sizes", "shape_of", "shape_type",
           "BroadcastToOp", "ReduceToShapeOp", "ShapeOp", "DYNAMIC_INDEX", "index_error"]
