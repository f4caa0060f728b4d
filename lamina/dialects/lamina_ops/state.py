"""Variables of the `lamina` dialect: the `!lamina.variable<tensor<...>>` type (a mutable
tensor, passed to functions as an argument) and the ops that read and write it.

Reads and writes keep their order through their memory effects on the variable. They stay as
they are through convert-lamina-to-structured: bufferization turns a variable into a memref
argument and these ops into copies (hence `lowered_by_bufferize`).
"""

from __future__ import annotations

from functools import lru_cache

from ...ir import registry
from ...ir import types as T
from ...ir.core import IRError, Type
from ...ir.constraints import TypeConstraint
from ...ir.opdef import Op, Read, Write, operand, result
from .base import RankedTensor


class VariableType(Type):
    """`!lamina.variable<tensor<3x5xf32>>`: a mutable tensor of a fixed type."""

    __slots__ = ("tensor_type",)

    def __init__(self, tensor_type):
        if tensor_type.__class__ is not T.RankedTensorType:
            raise IRError(f"a variable holds a ranked tensor, not '{tensor_type}'")
        self.tensor_type = tensor_type

    def _key(self):
        return self.tensor_type

    def __str__(self):
        return f"!lamina.variable<{self.tensor_type}>"


@lru_cache(maxsize=None)
def _parse_variable(body):
    body = body.strip()
    if not (body.startswith("<") and body.endswith(">")):
        raise IRError("expected '<' tensor type '>' after !lamina.variable")
    from ...ir.parser import parse
    inner = parse('"builtin.module"() ({\n}) {t = ' + body[1:-1] + '} : () -> ()')
    return VariableType(inner.attributes["t"].value)


registry.register_type("lamina.variable", _parse_variable)

Variable = TypeConstraint(lambda t: t.__class__ is VariableType, "variable")


class ReadVariableOp(Op):
    """The current value of a variable."""

    name = "lamina.read_variable"
    variable = operand(Variable)
    output = result(RankedTensor)
    effects = (Read("variable"),)
    lowered_by_bufferize = True
    assembly_format = "$variable attr-dict `:` type($variable)"
    examples = ("func.func @f(%arg0: !lamina.variable<tensor<3x5xf32>>) -> tensor<3x5xf32> {\n"
                "  %0 = lamina.read_variable %arg0 : !lamina.variable<tensor<3x5xf32>>\n"
                "  return %0 : tensor<3x5xf32>\n}",)

    def infer_result_types(self, operands, properties):
        return [operands[0].type.tensor_type]

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.result_types[0] = [parts.operand_types[0][0].tensor_type]

    def verify_(self):
        if self.output.type != self.variable.type.tensor_type:
            raise self.error(f"result type {self.output.type} must be the variable's type "
                             f"{self.variable.type.tensor_type}")

    @staticmethod
    def reference(value):
        return value.copy()

    def vjp(self, b, g):
        """A variable's gradient is that of its value: the cotangent of the read."""
        return [g]


class AssignVariableOp(Op):
    """Replaces the value of a variable."""

    name = "lamina.assign_variable"
    variable = operand(Variable)
    value = operand(RankedTensor)
    effects = (Write("variable"),)
    lowered_by_bufferize = True
    assembly_format = "$variable `,` $value attr-dict `:` type($variable)"
    examples = ("func.func @f(%arg0: !lamina.variable<tensor<3x5xf32>>, "
                "%arg1: tensor<3x5xf32>) {\n"
                "  lamina.assign_variable %arg0, %arg1 : !lamina.variable<tensor<3x5xf32>>\n"
                "  return\n}",)

    @classmethod
    def infer_parsed_types(cls, parts):
        parts.operand_types[1] = [parts.operand_types[0][0].tensor_type]

    def verify_(self):
        if self.value.type != self.variable.type.tensor_type:
            raise self.error(f"value type {self.value.type} must be the variable's type "
                             f"{self.variable.type.tensor_type}")

    @staticmethod
    def reference(value):
        """The variable's new value (a copy: the caller's array may change later)."""
        return value.copy()


__all__ = ["VariableType", "ReadVariableOp", "AssignVariableOp"]
