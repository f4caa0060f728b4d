"""Constants and elementwise ops of the `lamina` dialect."""

from __future__ import annotations

from ...ir import registry
from ...ir.attributes import DenseElementsAttr
from ...ir.constraints import AnyTensor, DenseElements
from ...ir.opdef import Commutative, ConstantLike, Op, Pure, prop, result
from .base import ElementwiseBinaryOp


class ConstantOp(Op):
    """A tensor constant: `%0 = lamina.constant dense<1.0> : tensor<2xf32>`."""

    name = "lamina.constant"
    value = prop(DenseElements())
    output = result(AnyTensor)
    traits = (Pure, ConstantLike)
    assembly_format = "attr-dict $value"
    examples = ("func.func @f() -> tensor<2xf32> {\n"
                "  %0 = lamina.constant dense<[1.0, 2.0]> : tensor<2xf32>\n"
                "  return %0 : tensor<2xf32>\n}",)

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = [parts.props["value"].type]

    @classmethod
    def build(cls, array, type, loc=None):
        return cls(value=DenseElementsAttr(type, array), result_types=[type], loc=loc)

    def verify_(self):
        if self.properties["value"].type != self.results[0].type:
            raise self.error("value type must match the result type")


class AddOp(ElementwiseBinaryOp):
    """Elementwise sum with NumPy broadcasting."""

    name = "lamina.add"
    traits = (Pure, Commutative)
    examples = ("func.func @f(%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>) -> tensor<2x3xf32> {\n"
                "  %0 = lamina.add %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> "
                "tensor<2x3xf32>\n  return %0 : tensor<2x3xf32>\n}",)


def _materialize(attr, type, loc):
    if isinstance(attr, DenseElementsAttr) and attr.type == type:
        return ConstantOp(value=attr, result_types=[type], loc=loc)
    return None


registry.register_constant_materializer("lamina", _materialize)
