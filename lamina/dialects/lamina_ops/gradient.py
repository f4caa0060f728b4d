"""`lamina.stop_gradient`: the identity through which derivatives do not flow.

Its derivative rule is `no_gradient`: no cotangent reaches its input (so the autodiff pass and
tapes stop there); it has no folder (folding it into its input would let a later autodiff
differentiate through it); it lowers to its input.
`%1 = lamina.stop_gradient %0 : tensor<2x3xf32>`"""

from __future__ import annotations

from ...ir.opdef import operand, result
from .base import RankedTensor
from .elementwise import LaminaOp, example, no_gradient


class StopGradientOp(LaminaOp):
    """The input, unchanged; gradients stop here."""

    name = "lamina.stop_gradient"
    input = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = "$input attr-dict `:` type($input)"
    examples = (example(["tensor<2x?xf32>"], "lamina.stop_gradient %arg0 : tensor<2x?xf32>",
                        "tensor<2x?xf32>"),)

    @classmethod
    def infer_types(cls, operand_types, props):
        return [operand_types[0]]

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = parts.operand_types[0]

    @staticmethod
    def reference(x):
        return x

    def fold(self, consts):
        return None

    vjp = no_gradient

    def lower(self, b):
        return [b.remap(self.input)]
