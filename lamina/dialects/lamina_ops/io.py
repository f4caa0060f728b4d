"""Printing from compiled code: `lamina.print`, what tf.print stages. It writes to stderr at
every call, in tf.print's format (`[1 2 3]`, summarized to the first and last `summarize`
elements of each dimension, floats with 6 significant digits unless more are needed to read
them back exactly).

The lowering calls the runtime's native printers, one per element type, which take the tensor
as an unranked memref (as MLIR's runner-utils printers do): `laminaPrintTensorF32(tensor<*xf32>,
i64 summarize)` ..., and `laminaPrintString(tensor<*xi8>)` for the text around the tensors.
"""

from __future__ import annotations

import numpy as np

from ...ir import types as T
from ...ir.constraints import IntAttr, StrAttr
from ...ir.opdef import Op, Write, prop, var_operand
from .base import RankedTensor

PLACEHOLDER = "{}"


def format_element(v):
    """One element as TensorFlow's StrCat writes it."""
    if isinstance(v, (np.floating, float)):
        if np.isnan(v):
            return "-nan" if np.signbit(v) else "nan"
        digits = (15, 17) if isinstance(v, np.float64) or type(v) is float else (6, 9)
        s = "%.*g" % (digits[0], v)
        if type(v)(float(s)) != v:
            s = "%.*g" % (digits[1], v)
        return s
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    return str(int(v))


def format_tensor(x, summarize=3):
    """tf.print's text of an array (TensorFlow's Tensor::SummarizeValue with print_v2)."""
    x = np.asarray(x)
    if x.dtype == np.float16:
        x = x.astype(np.float32)
    n = x.size
    limit = n if summarize < 0 else min(summarize, n)
    flat = x.reshape(-1)
    if x.ndim == 0:
        return " ".join(format_element(flat[i]) for i in range(limit)) + (
            "..." if n > limit else "")
    shape = x.shape
    rank = len(shape)
    out = []

    def spacing(d):
        out.append(" " if d == rank - 1 else "\n" * (rank - d - 1) + " " * (d + 1))

    def dim(d, base):
        if d == rank:
            out.append(format_element(flat[base]))
            return
        out.append("[")
        count = shape[d]
        stride = int(np.prod(shape[d + 1:], dtype=np.int64))
        for i in range(min(limit, count)):
            if i:
                spacing(d)
            dim(d + 1, base + stride * i)
        if count > 2 * limit:
            spacing(d)
            out.append("...")
        for i in range(max(limit, count - limit), count):
            spacing(d)
            dim(d + 1, base + stride * i)
        out.append("]")
    dim(0, 0)
    return "".join(out)


class PrintOp(Op):
    """Prints `template` to stderr with each `{}` replaced by the next input's text."""

    name = "lamina.print"
    template = prop(StrAttr())
    inputs = var_operand(RankedTensor)
    summarize = prop(IntAttr(T.i64, default=3))
    effects = (Write(),)  # the output stream
    assembly_format = "$template ($inputs^ `:` type($inputs))? attr-dict"
    examples = (
        "func.func @f(%arg0: tensor<2x3xf32>, %arg1: tensor<ui8>) {\n"
        '  lamina.print "x: {} and {}\\0A" %arg0, %arg1 : tensor<2x3xf32>, tensor<ui8>\n'
        '  lamina.print "{}\\0A" %arg0 : tensor<2x3xf32> {summarize = -1 : i64}\n'
        '  lamina.print "done\\0A"\n'
        "  return\n}",)

    def verify_(self):
        n = self.template.value.count(PLACEHOLDER)
        if n != len(self.inputs):
            raise self.error(f"template has {n} placeholders for {len(self.inputs)} inputs")

    @staticmethod
    def reference(*xs, template, summarize=3):
        """The text printed (the eager kernel writes it to sys.stderr)."""
        pieces = template.split(PLACEHOLDER)
        out = [pieces[0]]
        for x, piece in zip(xs, pieces[1:]):
            out.append(format_tensor(x, summarize))
            out.append(piece)
        return "".join(out)

    def reference_attrs(self):
        return {"template": self.template.value, "summarize": self.summarize.value}

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        pieces = self.template.value.split(PLACEHOLDER)
        summarize = self.summarize.value
        for i, piece in enumerate(pieces):
            if piece:
                sb.print_string(b, self, piece)
            if i < len(self.inputs):
                x = self.inputs[i]
                sb.print_tensor(b, self, b.remap(x), x.type.element_type, summarize)
        return []


__all__ = ["PrintOp", "format_tensor", "format_element"]
