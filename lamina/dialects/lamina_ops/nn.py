"""Neural-network ops of the `lamina` dialect: 2-D convolution and pooling over NHWC tensors,
with TensorFlow's SAME/VALID padding."""

from __future__ import annotations

import numpy as np

from ...ir import types as T
from ...ir.attributes import DenseArrayAttr, StringAttr
from ...ir.constraints import AttrConstraint, DenseArrayOf
from ...ir.core import IRError
from ...ir.opdef import operand, prop, result
from .base import RankedTensor, TensorOp
from .elementwise import InvalidArgument, check_element_type, emit, kernel
from .shape import SizedResultOp, checked_sizes, shape_of

DYNAMIC = T.DYNAMIC
PADDINGS = ("SAME", "VALID")


class Padding(AttrConstraint):
    """TensorFlow's padding scheme, a string attribute written bare: `padding = SAME`."""

    grammar = "bare_id"
    desc = "padding (SAME or VALID)"

    def check(self, a):
        return a.__class__ is StringAttr and a.value in PADDINGS

    def build(self, tok):
        v = tok.value
        if v not in PADDINGS:
            raise IRError(f"expected padding SAME or VALID, got '{v}'")
        return StringAttr(v)

    def print(self, a):
        return a.value


class Pair(DenseArrayOf):
    """Two i64 (height, width), written `[2, 2]`."""

    def __init__(self, default=None):
        super().__init__(T.i64)
        self.desc = "two i64 (height, width)"
        self.default = DenseArrayAttr(T.i64, default) if default is not None else None

    def check(self, a):
        return super().check(a) and len(a.value) == 2 and all(v > 0 for v in a.value)


class _Ints:
    """The integer arithmetic `window_geometry` needs, on Python ints (the lowering passes an
    equivalent on index values)."""

    add = staticmethod(lambda x, y: x + y)
    sub = staticmethod(lambda x, y: x - y)
    mul = staticmethod(lambda x, y: x * y)
    max = staticmethod(max)
    floordiv = staticmethod(lambda x, y: x // y)
    ceildiv = staticmethod(lambda x, y: -(-x // y))


def window_geometry(ix, size, window, stride, dilation, padding):
    """(output size, padding before, total padding) of one spatial dimension, as TensorFlow
    computes them: VALID: ceil((size - effective window + 1) / stride), no padding; SAME:
    ceil(size / stride), with the padding split evenly, the odd element after."""
    eff = (window - 1) * dilation + 1
    if padding == "VALID":
        return ix.max(ix.ceildiv(ix.sub(size, eff - 1), stride), 0), 0, 0
    out = ix.ceildiv(size, stride)
    total = ix.max(ix.sub(ix.add(ix.mul(ix.sub(out, 1), stride), eff), size), 0)
    return out, ix.floordiv(total, 2), total


def _spatial_sizes(x, window, strides, dilations, padding, what):
    out = []
    for k in (0, 1):
        size = x.shape[k + 1]
        eff = (window[k] - 1) * dilations[k] + 1
        if size == DYNAMIC:
            out.append(DYNAMIC)
            continue
        if padding == "VALID" and size < eff:
            raise IRError(f"Negative dimension size caused by subtracting {eff} from {size} "
                          f"for '{what}'")
        out.append(window_geometry(_Ints, size, window[k], strides[k], dilations[k],
                                   padding)[0])
    return out


def _check_nhwc(t, what):
    if t.rank != 4:
        raise IRError(f"{what} must be 4-D (NHWC), got {t}")


def _pads(shape, window, strides, dilations, padding):
    """numpy pad widths of the H and W dimensions."""
    widths = [(0, 0)]
    for k in (0, 1):
        _, first, total = window_geometry(_Ints, shape[k + 1], window[k], strides[k],
                                          dilations[k], padding)
        widths.append((first, total - first))
    return widths + [(0, 0)]


def _windows(xp, window, strides, dilations, out_hw):
    """For each window offset (kh, kw): the input elements it meets, strided as the output."""
    for i in range(window[0]):
        for j in range(window[1]):
            h0, w0 = i * dilations[0], j * dilations[1]
            yield i, j, xp[:, h0:h0 + (out_hw[0] - 1) * strides[0] + 1:strides[0],
                           w0:w0 + (out_hw[1] - 1) * strides[1] + 1:strides[1], :]


def _out_hw(shape, window, strides, dilations, padding):
    return [window_geometry(_Ints, shape[k + 1], window[k], strides[k], dilations[k],
                            padding)[0] for k in (0, 1)]


def _pooled(x, ksize, strides, padding, fill):
    """The windows of `x` padded with `fill`: for each window offset, the elements it meets."""
    xp = np.pad(x, _pads(x.shape, ksize, strides, (1, 1), padding), constant_values=fill)
    out_hw = _out_hw(x.shape, ksize, strides, (1, 1), padding)
    return [p for _, _, p in _windows(xp, ksize, strides, (1, 1), out_hw)]


class _ConvOp(TensorOp):
    """The attributes of the convolution and its derivatives: `strides`, `padding`,
    `dilations` (height, width)."""

    strides = prop(Pair())
    padding = prop(Padding())
    dilations = prop(Pair(default=(1, 1)))

    @staticmethod
    def conv_props(strides, padding, dilations):
        return dict(strides=DenseArrayAttr(T.i64, strides), padding=StringAttr(padding),
                    dilations=None if tuple(dilations) == (1, 1) else
                    DenseArrayAttr(T.i64, dilations))

    @staticmethod
    def _attrs(props):
        dil = props.get("dilations")
        return (list(props["strides"].value), props["padding"].value,
                list(dil.value) if dil is not None else [1, 1])

    def conv_attrs(self):
        """strides, padding and dilations as the builders and kernels take them."""
        strides, padding, dilations = self._attrs(self.properties)
        return {"strides": strides, "padding": padding, "dilations": dilations}

    def reference_attrs(self):
        return self.conv_attrs()

    def lower_with(self, b, builder, values):
        """`builder(b, *structured values, strides, padding, dilations, result type)`."""
        from ...lowering import structured_builders_nn as sb
        strides, padding, dilations = self._attrs(self.properties)
        return [getattr(sb, builder)(b, *(b.remap(v) for v in values), strides, padding,
                                     dilations, self.output.type)]


class Conv2DOp(_ConvOp):
    """2-D convolution (cross-correlation, as TensorFlow's): NHWC input, HWIO filter, NHWC
    result with O channels."""

    name = "lamina.conv2d"
    input = operand(RankedTensor)
    filter = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = ("$input `,` $filter `strides` `=` $strides `padding` `=` $padding "
                       "(`dilations` `=` $dilations^)? attr-dict `:` "
                       "functional-type(operands, results)")
    examples = (
        "func.func @f(%arg0: tensor<?x28x28x1xf32>, %arg1: tensor<5x5x1x32xf32>) -> "
        "tensor<?x28x28x32xf32> {\n"
        "  %0 = lamina.conv2d %arg0, %arg1 strides = [1, 1] padding = SAME : "
        "(tensor<?x28x28x1xf32>, tensor<5x5x1x32xf32>) -> tensor<?x28x28x32xf32>\n"
        "  return %0 : tensor<?x28x28x32xf32>\n}",
        "func.func @f(%arg0: tensor<1x9x9x2xi32>, %arg1: tensor<3x3x2x4xi32>) -> "
        "tensor<1x3x3x4xi32> {\n"
        "  %0 = lamina.conv2d %arg0, %arg1 strides = [2, 2] padding = VALID dilations = [2, 2] "
        ": (tensor<1x9x9x2xi32>, tensor<3x3x2x4xi32>) -> tensor<1x3x3x4xi32>\n"
        "  return %0 : tensor<1x3x3x4xi32>\n}",
    )

    @classmethod
    def build(cls, input, filter, strides, padding, dilations=(1, 1), loc=None):
        return cls(input, filter, loc=loc, **cls.conv_props(strides, padding, dilations))

    @classmethod
    def infer_types(cls, operand_types, props):
        x, w = operand_types
        _check_nhwc(x, "input")
        if w.rank != 4:
            raise IRError(f"filter must be 4-D (HWIO), got {w}")
        if DYNAMIC in w.shape[:2]:
            raise IRError(f"filter height and width must be static, got {w}")
        if x.element_type != w.element_type:
            raise IRError(f"input and filter have different element types: {x.element_type} "
                          f"and {w.element_type}")
        check_element_type(x.element_type, "number", "input")
        if DYNAMIC not in (x.shape[3], w.shape[2]) and x.shape[3] != w.shape[2]:
            raise IRError(f"input depth {x.shape[3]} must equal filter depth {w.shape[2]}")
        strides, padding, dilations = cls._attrs(props)
        h, wd = _spatial_sizes(x, w.shape[:2], strides, dilations, padding, "Conv2D")
        return [T.RankedTensorType([x.shape[0], h, wd, w.shape[3]], x.element_type)]

    @kernel
    def reference(x, w, strides, padding, dilations=(1, 1)):
        if x.shape[3] != w.shape[2]:
            raise InvalidArgument(f"input and filter must have the same depth: {x.shape[3]} "
                                  f"vs {w.shape[2]}")
        window = w.shape[:2]
        xp = np.pad(x, _pads(x.shape, window, strides, dilations, padding))
        out_hw = _out_hw(x.shape, window, strides, dilations, padding)
        out = np.zeros((x.shape[0], *out_hw, w.shape[3]), np.result_type(x, w))
        for i, j, part in _windows(xp, window, strides, dilations, out_hw):
            out += np.tensordot(part, w[i, j], axes=([3], [0])).astype(out.dtype)
        return out

    def vjp(self, b, g):
        x, w = self.input, self.filter
        attrs = self.conv_attrs()
        return [emit(b, Conv2DBackpropInputOp.build(shape_of(b, x), w, g, result_type=x.type,
                                                    **attrs)),
                emit(b, Conv2DBackpropFilterOp.build(x, shape_of(b, w), g, result_type=w.type,
                                                     **attrs))]

    def lower(self, b):
        return self.lower_with(b, "conv2d", [self.input, self.filter])


def _fits(expected, actual):
    """`actual` may be `expected` (an inferred type), with dimensions either leaves `?`."""
    return expected.element_type == actual.element_type and expected.rank == actual.rank and \
        all(DYNAMIC in (e, a) or e == a for e, a in zip(expected.shape, actual.shape))


def _check_sizes(t, what):
    if t.shape[0] not in (4, DYNAMIC):
        raise IRError(f"{what} must have 4 elements (NHWC), got {t}")


def _check_backprop(op, x, w, dy, sizes=None):
    """The verifier of conv2d's derivatives: `dy` has the type conv2d of `x` and `w` has."""
    try:
        if sizes is not None:
            _check_sizes(sizes, "the sizes operand")
        expected = Conv2DOp.infer_types([x, w], op.properties)[0]
        if not _fits(expected, dy):
            raise IRError(f"out_backprop type {dy} is not the type {expected} of conv2d of "
                          f"{x} and {w}")
    except IRError as e:
        raise op.error(e.message)


def _check_dy(dy, want, name):
    if tuple(dy.shape) != tuple(want):
        raise InvalidArgument(f"{name}: out_backprop shape [{','.join(map(str, dy.shape))}] "
                              f"does not match the computed output shape "
                              f"[{','.join(map(str, want))}]")


class Conv2DBackpropInputOp(SizedResultOp, _ConvOp):
    """The derivative of conv2d with respect to its input (TensorFlow's Conv2DBackpropInput):
    the NHWC tensor of shape `input_sizes` (a 1-D integer operand; the result type gives its
    static dimensions) to which conv2d with `filter` sends `out_backprop` backwards: each
    output element's gradient spread over the window that made it, times the filter."""

    name = "lamina.conv2d_backprop_input"
    input_sizes = operand(RankedTensor)
    filter = operand(RankedTensor)
    out_backprop = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = ("$input_sizes `,` $filter `,` $out_backprop `strides` `=` $strides "
                       "`padding` `=` $padding (`dilations` `=` $dilations^)? attr-dict `:` "
                       "functional-type(operands, results)")
    examples = (
        "func.func @f(%arg0: tensor<4xi64>, %arg1: tensor<5x5x1x32xf32>, "
        "%arg2: tensor<?x14x14x32xf32>) -> tensor<?x28x28x1xf32> {\n"
        "  %0 = lamina.conv2d_backprop_input %arg0, %arg1, %arg2 strides = [2, 2] padding = "
        "SAME : (tensor<4xi64>, tensor<5x5x1x32xf32>, tensor<?x14x14x32xf32>) -> "
        "tensor<?x28x28x1xf32>\n"
        "  return %0 : tensor<?x28x28x1xf32>\n}",
        "func.func @f(%arg0: tensor<4xi32>, %arg1: tensor<3x3x2x4xf64>, "
        "%arg2: tensor<1x3x3x4xf64>) -> tensor<1x?x?x2xf64> {\n"
        "  %0 = lamina.conv2d_backprop_input %arg0, %arg1, %arg2 strides = [2, 2] padding = "
        "VALID dilations = [2, 2] : (tensor<4xi32>, tensor<3x3x2x4xf64>, tensor<1x3x3x4xf64>) "
        "-> tensor<1x?x?x2xf64>\n"
        "  return %0 : tensor<1x?x?x2xf64>\n}",
    )

    @classmethod
    def build(cls, input_sizes, filter, out_backprop, strides, padding, dilations=(1, 1),
              result_type=None, result_shape=None, loc=None):
        """`result_type`: by default, of shape `result_shape` (see SizedResultOp.sized_type),
        with the batch and depth of `out_backprop` and `filter`."""
        if result_type is None:
            result_type = cls.sized_type(input_sizes, filter.type.element_type, result_shape, [
                out_backprop.type.shape[0], DYNAMIC, DYNAMIC, filter.type.shape[2]])
        return cls(input_sizes, filter, out_backprop, result_types=[result_type], loc=loc,
                   **cls.conv_props(strides, padding, dilations))

    def verify_(self):
        s = self.input_sizes.type
        if s.rank != 1 or s.element_type.__class__ is not T.IntegerType:
            raise self.error(f"input_sizes must be a 1-D tensor of integers, got {s}")
        f = self.filter.type
        if DYNAMIC in f.shape[:2]:
            # the lowering gathers over the window's static extent (a dynamic one gave wrong
            # results)
            raise self.error(f"the filter's height and width must be static, got {f}")
        _check_backprop(self, self.output.type, self.filter.type, self.out_backprop.type, s)

    @kernel
    def reference(input_sizes, w, dy, strides, padding, dilations=(1, 1), result_shape=None):
        shape = checked_sizes(input_sizes, result_shape, "Conv2DBackpropInput", 4)
        window = w.shape[:2]
        out_hw = _out_hw(shape, window, strides, dilations, padding)
        _check_dy(dy, [shape[0], *out_hw, w.shape[3]], "Conv2DBackpropInput")
        if shape[3] != w.shape[2]:
            raise InvalidArgument(f"Conv2DBackpropInput: input depth {shape[3]} must equal "
                                  f"filter depth {w.shape[2]}")
        pads = _pads(shape, window, strides, dilations, padding)
        dxp = np.zeros([s + p + q for s, (p, q) in zip(shape, pads)], np.result_type(w, dy))
        for i, j, part in _windows(dxp, window, strides, dilations, out_hw):
            part += np.tensordot(dy, w[i, j], axes=([3], [1])).astype(dxp.dtype)
        return dxp[:, pads[1][0]:pads[1][0] + shape[1], pads[2][0]:pads[2][0] + shape[2]]

    def vjp(self, b, g):
        w, dy = self.filter, self.out_backprop
        attrs = self.conv_attrs()
        return [None,
                emit(b, Conv2DBackpropFilterOp.build(g, shape_of(b, w), dy, result_type=w.type,
                                                     **attrs)),
                emit(b, Conv2DOp.build(g, w, **attrs))]

    def lower(self, b):
        return self.lower_with(b, "conv2d_backprop_input",
                               [self.input_sizes, self.filter, self.out_backprop])


class Conv2DBackpropFilterOp(SizedResultOp, _ConvOp):
    """The derivative of conv2d with respect to its filter (TensorFlow's
    Conv2DBackpropFilter): the HWIO tensor of shape `filter_sizes` (a 1-D integer operand; the
    result type gives its static dimensions, height and width static) whose element (kh, kw,
    i, o) sums `input` under window offset (kh, kw) times `out_backprop`."""

    name = "lamina.conv2d_backprop_filter"
    input = operand(RankedTensor)
    filter_sizes = operand(RankedTensor)
    out_backprop = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = ("$input `,` $filter_sizes `,` $out_backprop `strides` `=` $strides "
                       "`padding` `=` $padding (`dilations` `=` $dilations^)? attr-dict `:` "
                       "functional-type(operands, results)")
    examples = (
        "func.func @f(%arg0: tensor<?x28x28x1xf32>, %arg1: tensor<4xi64>, "
        "%arg2: tensor<?x14x14x32xf32>) -> tensor<5x5x1x32xf32> {\n"
        "  %0 = lamina.conv2d_backprop_filter %arg0, %arg1, %arg2 strides = [2, 2] padding = "
        "SAME : (tensor<?x28x28x1xf32>, tensor<4xi64>, tensor<?x14x14x32xf32>) -> "
        "tensor<5x5x1x32xf32>\n"
        "  return %0 : tensor<5x5x1x32xf32>\n}",
        "func.func @f(%arg0: tensor<1x9x9x?xf64>, %arg1: tensor<4xi32>, "
        "%arg2: tensor<1x3x3x4xf64>) -> tensor<3x3x?x4xf64> {\n"
        "  %0 = lamina.conv2d_backprop_filter %arg0, %arg1, %arg2 strides = [2, 2] padding = "
        "VALID dilations = [2, 2] : (tensor<1x9x9x?xf64>, tensor<4xi32>, tensor<1x3x3x4xf64>) "
        "-> tensor<3x3x?x4xf64>\n"
        "  return %0 : tensor<3x3x?x4xf64>\n}",
    )

    @classmethod
    def build(cls, input, filter_sizes, out_backprop, strides, padding, dilations=(1, 1),
              result_type=None, result_shape=None, loc=None):
        """`result_type`: by default, of shape `result_shape` (see SizedResultOp.sized_type),
        with the depths of `input` and `out_backprop`."""
        if result_type is None:
            result_type = cls.sized_type(filter_sizes, input.type.element_type, result_shape, [
                DYNAMIC, DYNAMIC, input.type.shape[3], out_backprop.type.shape[3]])
        return cls(input, filter_sizes, out_backprop, result_types=[result_type], loc=loc,
                   **cls.conv_props(strides, padding, dilations))

    def verify_(self):
        s = self.filter_sizes.type
        if s.rank != 1 or s.element_type.__class__ is not T.IntegerType:
            raise self.error(f"filter_sizes must be a 1-D tensor of integers, got {s}")
        _check_backprop(self, self.input.type, self.output.type, self.out_backprop.type, s)

    @kernel
    def reference(x, filter_sizes, dy, strides, padding, dilations=(1, 1), result_shape=None):
        kh, kw, ci, co = checked_sizes(filter_sizes, result_shape, "Conv2DBackpropFilter", 4)
        out_hw = _out_hw(x.shape, (kh, kw), strides, dilations, padding)
        _check_dy(dy, [x.shape[0], *out_hw, co], "Conv2DBackpropFilter")
        if ci != x.shape[3]:
            raise InvalidArgument(f"Conv2DBackpropFilter: input depth {x.shape[3]} must equal "
                                  f"filter depth {ci}")
        xp = np.pad(x, _pads(x.shape, (kh, kw), strides, dilations, padding))
        dw = np.zeros((kh, kw, ci, co), np.result_type(x, dy))
        for i, j, part in _windows(xp, (kh, kw), strides, dilations, out_hw):
            dw[i, j] = np.tensordot(part, dy, axes=([0, 1, 2], [0, 1, 2]))
        return dw

    def vjp(self, b, g):
        x, dy = self.input, self.out_backprop
        attrs = self.conv_attrs()
        return [emit(b, Conv2DBackpropInputOp.build(shape_of(b, x), g, dy, result_type=x.type,
                                                    **attrs)),
                None,
                emit(b, Conv2DOp.build(x, g, **attrs))]

    def lower(self, b):
        return self.lower_with(b, "conv2d_backprop_filter",
                               [self.input, self.filter_sizes, self.out_backprop])


class _PoolOp(TensorOp):
    """The attributes of 2-D pooling over NHWC tensors and of its derivatives: window `ksize`
    moved by `strides`, `padding`."""

    ksize = prop(Pair())
    strides = prop(Pair())
    padding = prop(Padding())
    accepts = "number"

    @staticmethod
    def pool_props(ksize, strides, padding):
        return dict(ksize=DenseArrayAttr(T.i64, ksize), strides=DenseArrayAttr(T.i64, strides),
                    padding=StringAttr(padding))

    @classmethod
    def pooled_type(cls, x, props):
        """The type of the pooling of NHWC `x`."""
        _check_nhwc(x, "input")
        check_element_type(x.element_type, cls.accepts, "input")
        h, w = _spatial_sizes(x, props["ksize"].value, props["strides"].value, [1, 1],
                              props["padding"].value, cls.tf_name)
        return x.clone(shape=[x.shape[0], h, w, x.shape[3]])

    @classmethod
    def check_grad(cls, x, g, props):
        """`g` has the type of the pooling of `x` (whose gradient it is)."""
        expected = cls.pooled_type(x, props)
        if not _fits(expected, g):
            raise IRError(f"grad type {g} is not the type {expected} of the pooling of {x}")

    def pool_attrs(self):
        p = self.properties
        return list(p["ksize"].value), list(p["strides"].value), p["padding"].value

    def pool_attr_dict(self):
        """ksize, strides and padding as the builders and kernels take them."""
        ksize, strides, padding = self.pool_attrs()
        return {"ksize": ksize, "strides": strides, "padding": padding}

    def reference_attrs(self):
        return self.pool_attr_dict()

    def lower_with(self, b, builder, values):
        """`builder(b, *structured values, ksize, strides, padding, lamina element type,
        result type)`."""
        from ...lowering import structured_builders_nn as sb
        return [getattr(sb, builder)(b, *(b.remap(v) for v in values), *self.pool_attrs(),
                                     self.operands[0].type.element_type, self.output.type)]


class _Pool2DOp(_PoolOp):
    """Base of the 2-D pooling ops."""

    input = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = ("$input `ksize` `=` $ksize `strides` `=` $strides `padding` `=` "
                       "$padding attr-dict `:` type($input) `->` type($output)")
    kind = None

    @classmethod
    def build(cls, input, ksize, strides, padding, loc=None):
        return cls(input, loc=loc, **cls.pool_props(ksize, strides, padding))

    @classmethod
    def infer_types(cls, operand_types, props):
        return [cls.pooled_type(operand_types[0], props)]

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        return [sb.pool2d(b, b.remap(self.input), *self.pool_attrs(), self.kind,
                          self.input.type.element_type, self.output.type)]


class MaxPool2DOp(_Pool2DOp):
    """The maximum of each window (padding never wins)."""

    name = "lamina.max_pool2d"
    kind = "max"
    tf_name = "MaxPool"
    examples = (
        "func.func @f(%arg0: tensor<?x28x28x32xf32>) -> tensor<?x14x14x32xf32> {\n"
        "  %0 = lamina.max_pool2d %arg0 ksize = [2, 2] strides = [2, 2] padding = SAME : "
        "tensor<?x28x28x32xf32> -> tensor<?x14x14x32xf32>\n"
        "  return %0 : tensor<?x14x14x32xf32>\n}",)

    @kernel
    def reference(x, ksize, strides, padding):
        return np.maximum.reduce(_pooled(x, ksize, strides, padding, _lowest(x.dtype)))

    def vjp(self, b, g):
        return [emit(b, MaxPool2DGradOp.build(self.input, g, **self.pool_attr_dict()))]


class AvgPool2DOp(_Pool2DOp):
    """The mean of each window's elements inside the input (padding is not counted)."""

    name = "lamina.avg_pool2d"
    kind = "avg"
    tf_name = "AvgPool"
    examples = (
        "func.func @f(%arg0: tensor<1x5x5x3xf32>) -> tensor<1x2x2x3xf32> {\n"
        "  %0 = lamina.avg_pool2d %arg0 ksize = [3, 3] strides = [2, 2] padding = VALID : "
        "tensor<1x5x5x3xf32> -> tensor<1x2x2x3xf32>\n"
        "  return %0 : tensor<1x2x2x3xf32>\n}",
        "func.func @f(%arg0: tensor<1x5x5x3xf16>) -> tensor<1x3x3x3xf16> {\n"
        "  %0 = lamina.avg_pool2d %arg0 ksize = [2, 2] strides = [2, 2] padding = SAME : "
        "tensor<1x5x5x3xf16> -> tensor<1x3x3x3xf16>\n"
        "  return %0 : tensor<1x3x3x3xf16>\n}",
    )

    accepts = "float"

    @kernel
    def reference(x, ksize, strides, padding):
        sums = sum(_pooled(x, ksize, strides, padding, 0))
        return (sums / _window_counts(x.shape, ksize, strides, padding, x.dtype)).astype(
            x.dtype)

    def vjp(self, b, g):
        x = self.input
        return [emit(b, AvgPool2DGradOp.build(shape_of(b, x), g, result_type=x.type,
                                              **self.pool_attr_dict()))]


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _window_counts(shape, ksize, strides, padding, dtype):
    """The number of each window's elements inside an input of `shape` (NHWC)."""
    ones = np.ones((1, *shape[1:3], 1), dtype)
    return sum(_pooled(ones, ksize, strides, padding, 0))


def _first_max(x, ksize, strides, padding):
    """For each window, the offset kh * ksize[1] + kw of its first largest element, the first
    NaN if any (as the maximum is NaN then); padding, of the lowest value, wins only where all
    the window's elements are that value."""
    best, first = None, None
    for k, part in enumerate(_pooled(x, ksize, strides, padding, _lowest(x.dtype))):
        if best is None:
            best, first = part.copy(), np.zeros(part.shape, np.int64)
            continue
        take = part > best
        if x.dtype.kind == "f":
            take |= np.isnan(part) & ~np.isnan(best)
        best = np.where(take, part, best)
        first[take] = k
    return first


def _scattered(shape, ksize, strides, padding, dtype, parts):
    """The NHWC tensor of `shape` to which each window offset k sends `parts(k)` (an array of
    the pooled shape) at the elements it meets, summed, padding dropped."""
    pads = _pads(shape, ksize, strides, (1, 1), padding)
    out_hw = _out_hw(shape, ksize, strides, (1, 1), padding)
    xp = np.zeros([s + p + q for s, (p, q) in zip(shape, pads)], dtype)
    for k, (_, _, view) in enumerate(_windows(xp, ksize, strides, (1, 1), out_hw)):
        view += parts(k)
    return xp[:, pads[1][0]:pads[1][0] + shape[1], pads[2][0]:pads[2][0] + shape[2]]


def _check_grad_shape(g, want, name):
    if tuple(g.shape) != tuple(want):
        raise InvalidArgument(f"{name}: grad shape [{','.join(map(str, g.shape))}] does not "
                              f"match the pooled shape [{','.join(map(str, want))}]")


def _pool_grad_format(first):
    return (f"${first} `,` $grad `ksize` `=` $ksize `strides` `=` $strides `padding` `=` "
            f"$padding attr-dict `:` functional-type(operands, results)")


class _PoolGradOp(_PoolOp):
    """Base of pooling's derivatives: two operands, the first giving the input's shape."""

    output = result(RankedTensor)

    @classmethod
    def build(cls, input, grad, ksize, strides, padding, loc=None):
        return cls(input, grad, loc=loc, **cls.pool_props(ksize, strides, padding))


class MaxPool2DGradOp(_PoolGradOp):
    """The derivative of max_pool2d (TensorFlow's MaxPoolGrad): each window's `grad` goes to
    the first largest element of the window in `input` (ties to the first, as TensorFlow)."""

    name = "lamina.max_pool2d_grad"
    tf_name = "MaxPoolGrad"
    input = operand(RankedTensor)
    grad = operand(RankedTensor)
    assembly_format = _pool_grad_format("input")
    examples = (
        "func.func @f(%arg0: tensor<?x28x28x32xf32>, %arg1: tensor<?x14x14x32xf32>) -> "
        "tensor<?x28x28x32xf32> {\n"
        "  %0 = lamina.max_pool2d_grad %arg0, %arg1 ksize = [2, 2] strides = [2, 2] padding = "
        "SAME : (tensor<?x28x28x32xf32>, tensor<?x14x14x32xf32>) -> tensor<?x28x28x32xf32>\n"
        "  return %0 : tensor<?x28x28x32xf32>\n}",)

    @classmethod
    def infer_types(cls, operand_types, props):
        x, g = operand_types
        cls.check_grad(x, g, props)
        return [x]

    @kernel
    def reference(x, grad, ksize, strides, padding):
        first = _first_max(x, ksize, strides, padding)
        _check_grad_shape(grad, first.shape, "MaxPoolGrad")
        zero = np.zeros((), grad.dtype)
        return _scattered(x.shape, ksize, strides, padding, grad.dtype,
                          lambda k: np.where(first == k, grad, zero))

    def vjp(self, b, g):
        return [None, emit(b, MaxPool2DGradGradOp.build(self.input, g,
                                                        **self.pool_attr_dict()))]

    def lower(self, b):
        return self.lower_with(b, "max_pool2d_grad", [self.input, self.grad])


class MaxPool2DGradGradOp(_PoolGradOp):
    """The derivative of max_pool2d_grad with respect to its grad (TensorFlow's
    MaxPoolGradGrad): for each window, `grad` (of the input's shape) at the window's first
    largest element of `input`."""

    name = "lamina.max_pool2d_grad_grad"
    tf_name = "MaxPoolGradGrad"
    input = operand(RankedTensor)
    grad = operand(RankedTensor)
    assembly_format = _pool_grad_format("input")
    examples = (
        "func.func @f(%arg0: tensor<1x5x5x3xf64>, %arg1: tensor<1x5x5x3xf64>) -> "
        "tensor<1x2x2x3xf64> {\n"
        "  %0 = lamina.max_pool2d_grad_grad %arg0, %arg1 ksize = [3, 3] strides = [2, 2] "
        "padding = VALID : (tensor<1x5x5x3xf64>, tensor<1x5x5x3xf64>) -> tensor<1x2x2x3xf64>\n"
        "  return %0 : tensor<1x2x2x3xf64>\n}",)

    @classmethod
    def infer_types(cls, operand_types, props):
        x, g = operand_types
        if not _fits(x.clone(element_type=g.element_type), g) or \
                x.element_type != g.element_type:
            raise IRError(f"grad type {g} must be the input's, {x}")
        return [cls.pooled_type(x, props)]

    @kernel
    def reference(x, grad, ksize, strides, padding):
        if grad.shape != x.shape:
            raise InvalidArgument(f"MaxPoolGradGrad: grad shape "
                                  f"[{','.join(map(str, grad.shape))}] must be the input's "
                                  f"[{','.join(map(str, x.shape))}]")
        first = _first_max(x, ksize, strides, padding)
        out = np.zeros(first.shape, grad.dtype)
        for k, part in enumerate(_pooled(grad, ksize, strides, padding, 0)):
            out += np.where(first == k, part, out.dtype.type(0))
        return out

    def vjp(self, b, g):
        return [None, emit(b, MaxPool2DGradOp.build(self.input, g, **self.pool_attr_dict()))]

    def lower(self, b):
        return self.lower_with(b, "max_pool2d_grad_grad", [self.input, self.grad])


class AvgPool2DGradOp(SizedResultOp, _PoolGradOp):
    """The derivative of avg_pool2d (TensorFlow's AvgPoolGrad): the NHWC tensor of shape
    `input_sizes` (a 1-D integer operand; the result type gives its static dimensions) to
    whose elements each window sends its `grad` divided by the window's count."""

    name = "lamina.avg_pool2d_grad"
    tf_name = "AvgPoolGrad"
    accepts = "float"
    input_sizes = operand(RankedTensor)
    grad = operand(RankedTensor)
    assembly_format = _pool_grad_format("input_sizes")
    examples = (
        "func.func @f(%arg0: tensor<4xi64>, %arg1: tensor<?x2x2x3xf32>) -> "
        "tensor<?x5x5x3xf32> {\n"
        "  %0 = lamina.avg_pool2d_grad %arg0, %arg1 ksize = [3, 3] strides = [2, 2] padding = "
        "VALID : (tensor<4xi64>, tensor<?x2x2x3xf32>) -> tensor<?x5x5x3xf32>\n"
        "  return %0 : tensor<?x5x5x3xf32>\n}",)

    @classmethod
    def build(cls, input_sizes, grad, ksize, strides, padding, result_type=None,
              result_shape=None, loc=None):
        """`result_type`: by default, of shape `result_shape` (see SizedResultOp.sized_type),
        with the batch and depth of `grad`."""
        if result_type is None:
            g = grad.type.shape
            result_type = cls.sized_type(input_sizes, grad.type.element_type, result_shape,
                                         [g[0], DYNAMIC, DYNAMIC, g[3]])
        return cls(input_sizes, grad, result_types=[result_type], loc=loc,
                   **cls.pool_props(ksize, strides, padding))

    def verify_(self):
        s = self.input_sizes.type
        try:
            if s.rank != 1 or s.element_type.__class__ is not T.IntegerType:
                raise IRError(f"input_sizes must be a 1-D tensor of integers, got {s}")
            _check_sizes(s, "input_sizes")
            self.check_grad(self.output.type, self.grad.type, self.properties)
        except IRError as e:
            raise self.error(e.message)

    @kernel
    def reference(input_sizes, grad, ksize, strides, padding, result_shape=None):
        shape = checked_sizes(input_sizes, result_shape, "AvgPoolGrad", 4)
        counts = _window_counts(shape, ksize, strides, padding, grad.dtype)
        _check_grad_shape(grad, [shape[0], *counts.shape[1:3], shape[3]], "AvgPoolGrad")
        share = (grad / counts).astype(grad.dtype)
        return _scattered(shape, ksize, strides, padding, grad.dtype, lambda k: share)

    def vjp(self, b, g):
        return [None, emit(b, AvgPool2DOp.build(g, **self.pool_attr_dict()))]

    def lower(self, b):
        return self.lower_with(b, "avg_pool2d_grad", [self.input_sizes, self.grad])


__all__ = ["Conv2DOp", "Conv2DBackpropInputOp", "Conv2DBackpropFilterOp", "MaxPool2DOp",
           "MaxPool2DGradOp", "MaxPool2DGradGradOp", "AvgPool2DOp", "AvgPool2DGradOp",
           "window_geometry", "PADDINGS"]
