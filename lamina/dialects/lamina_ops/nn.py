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
from .elementwise import InvalidArgument, check_element_type, kernel

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


class Conv2DOp(TensorOp):
    """2-D convolution (cross-correlation, as TensorFlow's): NHWC input, HWIO filter, NHWC
    result with O channels."""

    name = "lamina.conv2d"
    input = operand(RankedTensor)
    filter = operand(RankedTensor)
    strides = prop(Pair())
    padding = prop(Padding())
    dilations = prop(Pair(default=(1, 1)))
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
        return cls(input, filter, strides=DenseArrayAttr(T.i64, strides),
                   padding=StringAttr(padding),
                   dilations=None if tuple(dilations) == (1, 1) else
                   DenseArrayAttr(T.i64, dilations), loc=loc)

    @staticmethod
    def _attrs(props):
        dil = props.get("dilations")
        return (list(props["strides"].value), props["padding"].value,
                list(dil.value) if dil is not None else [1, 1])

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

    def reference_attrs(self):
        strides, padding, dilations = self._attrs(self.properties)
        return {"strides": strides, "padding": padding, "dilations": dilations}

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        strides, padding, dilations = self._attrs(self.properties)
        return [sb.conv2d(b, b.remap(self.input), b.remap(self.filter), strides, padding,
                          dilations, self.output.type)]


class _Pool2DOp(TensorOp):
    """Base of the 2-D pooling ops over NHWC tensors, window `ksize` moved by `strides`."""

    input = operand(RankedTensor)
    ksize = prop(Pair())
    strides = prop(Pair())
    padding = prop(Padding())
    output = result(RankedTensor)
    assembly_format = ("$input `ksize` `=` $ksize `strides` `=` $strides `padding` `=` "
                       "$padding attr-dict `:` type($input) `->` type($output)")
    kind = None
    accepts = "number"

    @classmethod
    def build(cls, input, ksize, strides, padding, loc=None):
        return cls(input, ksize=DenseArrayAttr(T.i64, ksize),
                   strides=DenseArrayAttr(T.i64, strides), padding=StringAttr(padding), loc=loc)

    @classmethod
    def infer_types(cls, operand_types, props):
        x = operand_types[0]
        _check_nhwc(x, "input")
        check_element_type(x.element_type, cls.accepts, "input")
        h, w = _spatial_sizes(x, props["ksize"].value, props["strides"].value, [1, 1],
                              props["padding"].value, cls.tf_name)
        return [x.clone(shape=[x.shape[0], h, w, x.shape[3]])]

    def reference_attrs(self):
        p = self.properties
        return {"ksize": list(p["ksize"].value), "strides": list(p["strides"].value),
                "padding": p["padding"].value}

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        p = self.properties
        return [sb.pool2d(b, b.remap(self.input), list(p["ksize"].value),
                          list(p["strides"].value), p["padding"].value, self.kind,
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
        low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        return np.maximum.reduce(_pooled(x, ksize, strides, padding, low))


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
        ones = np.ones((1, *x.shape[1:3], 1), x.dtype)
        counts = sum(_pooled(ones, ksize, strides, padding, 0))
        return (sums / counts).astype(x.dtype)


__all__ = ["Conv2DOp", "MaxPool2DOp", "AvgPool2DOp", "window_geometry", "PADDINGS"]
