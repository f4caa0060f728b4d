"""Shared machinery of the `lamina` dialect's ops: broadcasting, the TensorOp base whose shape
inference also drives verification, and common op shapes with their assembly formats."""

from __future__ import annotations

from ...ir import types as T
from ...ir.constraints import TypeConstraint
from ...ir.core import IRError
from ...ir.opdef import Op, Pure, operand, result

RankedTensor = TypeConstraint(lambda t: t.__class__ is T.RankedTensorType, "ranked tensor")


def broadcast_shapes(a, b):
    """NumPy broadcasting of two shapes with dynamic (`?`) dims, or None if incompatible.
    A `?` against 1 stays `?`; against n it becomes n (checked at run time)."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == y:
            out.append(x)
        elif x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x == T.DYNAMIC:
            out.append(y)
        elif y == T.DYNAMIC:
            out.append(x)
        else:
            return None
    return tuple(reversed(out))


class TensorOp(Op):
    """Base of the dialect's ops: result types come from `infer_types(operand types, props)`,
    used both by builders and by the verifier, so the two never disagree."""

    traits = (Pure,)

    # The op's derivative rule, declared once, in lamina ops (so a derivative can be
    # differentiated again): `vjp(self, b, cotangent)` gets a rewriter `b` whose insertion
    # point every forward value dominates (the autodiff pass puts it after the op) and the
    # cotangent of the op's result (a Value of the result's type; for an op with several
    # results, the list of their cotangents, zeros where none reached), builds lamina ops with
    # `b.insert(...)`, and returns one entry per operand: the cotangent contribution to that
    # operand (a Value of the operand's type; broadcasting undone with reduce_to_shape), or
    # None where no gradient flows (integer and boolean operands, conditions, shapes). An op
    # without `vjp` is not differentiable: the pass reports it when a gradient reaches it.
    vjp = None

    @classmethod
    def infer_types(cls, operand_types, props):
        raise NotImplementedError

    def infer_result_types(self, operands, properties):
        return self.infer_types([v.type for v in operands], properties)

    def verify_(self):
        try:
            expected = self.infer_types([v.type for v in self.operands], self.properties)
        except IRError as e:
            raise self.error(e.message)
        actual = [r.type for r in self.results]
        if len(expected) != len(actual) or any(
                not _compatible(e, a) for e, a in zip(expected, actual)):
            raise self.error(f"inferred type(s) {', '.join(map(str, expected))} are "
                             f"incompatible with return type(s) {', '.join(map(str, actual))}")


def _compatible(inferred, actual):
    """A result may be more static than inference could tell (a `?` resolved by the user)."""
    if inferred == actual:
        return True
    if inferred.__class__ is not T.RankedTensorType or actual.__class__ is not T.RankedTensorType:
        return False
    return inferred.element_type == actual.element_type and len(inferred.shape) == len(
        actual.shape) and all(i == a or i == T.DYNAMIC for i, a in zip(inferred.shape,
                                                                        actual.shape))


class ElementwiseBinaryOp(TensorOp):
    """`lamina.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>`"""

    lhs = operand(RankedTensor)
    rhs = operand(RankedTensor)
    output = result(RankedTensor)
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    @classmethod
    def infer_types(cls, operand_types, props):
        a, b = operand_types
        if a.element_type != b.element_type:
            raise IRError(f"operands have different element types: {a.element_type} and "
                          f"{b.element_type}")
        shape = broadcast_shapes(a.shape, b.shape)
        if shape is None:
            raise IRError(f"operand shapes {_shape_str(a)} and {_shape_str(b)} are not "
                          f"broadcast-compatible")
        return [T.RankedTensorType(shape, cls.result_element_type(a.element_type))]

    @staticmethod
    def result_element_type(et):
        return et


def _shape_str(t):
    return "(" + ", ".join("?" if d == T.DYNAMIC else str(d) for d in t.shape) + ")"
