"""The upstream `cf` dialect: unstructured control flow between the blocks of a region."""

from __future__ import annotations

import numpy as np

from ..ir import types as T
from ..ir.attributes import DenseArrayAttr, DenseElementsAttr, IntegerAttr
from ..ir.constraints import AnyInteger, AttrConstraint, DenseArrayOf, StrAttr, TypeConstraint
from ..ir.core import IRError
from ..ir.format import custom_directive
from ..ir.opdef import (BranchLike, Op, Pure, Terminator, Write, operand, opt_prop, prop,
                        successor, var_operand, var_successor)
from ..ir.rewrite import RewritePattern

# ODS's I1, worded as MLIR words it
Bool = TypeConstraint(lambda t: t == T.i1, "1-bit signless integer", buildable=T.i1)


def constant_int(v):
    """The integer `v` holds if an `arith.constant` defines it, else None. Matched by name:
    dialects at the same level do not import each other."""
    op = getattr(v, "owner", None)
    if getattr(op, "name", None) != "arith.constant":
        return None
    a = op.properties.get("value")
    return a.value if a.__class__ is IntegerAttr else None


def parse_error(parts, message):
    """An error of a hand-written syntax piece, worded as MLIR's custom op parsers."""
    return IRError(f"custom op '{parts.opdef.name}' {message}")


def as_unsigned(value, t):
    """`value` read as an unsigned integer of type `t` (index is 64 bits wide)."""
    width = t.width if t.__class__ is T.IntegerType else 64
    return value & ((1 << width) - 1)


def as_signed(value, t):
    """`value` read as a two's complement integer of type `t`."""
    width = t.width if t.__class__ is T.IntegerType else 64
    value = as_unsigned(value, t)
    return value - (1 << width) if value >> (width - 1) else value


class BranchOp(BranchLike):
    """Jumps to a block, passing it values for its arguments."""

    name = "cf.br"
    dest_operands = var_operand()
    dest = successor()
    traits = (Pure, Terminator)
    assembly_format = "$dest (`(` $dest_operands^ `:` type($dest_operands) `)`)? attr-dict"
    examples = ("func.func @f(%arg0: i32) -> i32 {\n  cf.br ^bb1(%arg0 : i32)\n"
                "^bb1(%0: i32):\n  return %0 : i32\n}",
                "func.func @g() {\n  cf.br ^bb1\n^bb1:\n  return\n}")

    @classmethod
    def build(cls, dest, operands=(), loc=None):
        return cls(list(operands), successors=[dest], loc=loc)

    def successor_operands(self, index):
        return list(self.operands)


class CondBranchOp(BranchLike):
    """Jumps to one of two blocks depending on an i1."""

    name = "cf.cond_br"
    condition = operand(Bool)
    true_dest_operands = var_operand()
    false_dest_operands = var_operand()
    branch_weights = opt_prop(DenseArrayOf(T.i32))
    true_dest = successor()
    false_dest = successor()
    traits = (Pure, Terminator)
    assembly_format = (
        "$condition (`weights` `(` $branch_weights^ `)`)? `,` "
        "$true_dest (`(` $true_dest_operands^ `:` type($true_dest_operands) `)`)? `,` "
        "$false_dest (`(` $false_dest_operands^ `:` type($false_dest_operands) `)`)? attr-dict")
    examples = ("func.func @f(%arg0: i1, %arg1: i32, %arg2: f32) -> i32 {\n"
                "  cf.cond_br %arg0, ^bb1(%arg1 : i32), ^bb2(%arg1, %arg2 : i32, f32)\n"
                "^bb1(%0: i32):\n  return %0 : i32\n"
                "^bb2(%1: i32, %2: f32):\n  return %1 : i32\n}",
                "func.func @g(%arg0: i1) {\n  cf.cond_br %arg0 weights([3, 5]), ^bb1, ^bb1\n"
                "^bb1:\n  return\n}")

    @classmethod
    def build(cls, condition, true_dest, false_dest, true_operands=(), false_operands=(),
              loc=None):
        return cls(condition, list(true_operands), list(false_operands),
                   successors=[true_dest, false_dest], loc=loc)

    def successor_operands(self, index):
        return list(self.false_dest_operands if index else self.true_dest_operands)

    def verify_(self):
        w = self.properties.get("branch_weights")
        if w is not None and len(w):
            if len(w) != 2:
                raise IRError("expects number of branch weights to match number of "
                              f"successors: {len(w)} vs 2", self.loc)
            if not any(w.value):
                raise IRError("branch weights cannot all be zero", self.loc)
        super().verify_()

    class ConstantCondition(RewritePattern):
        """cf.cond_br on a constant -> cf.br to the taken successor."""

        op_name = "cf.cond_br"

        def match_and_rewrite(self, op, rewriter):
            c = constant_int(op.condition)
            if c is None:
                return False
            taken = 0 if c else 1
            rewriter.replace_op_with_new(
                op, BranchOp.build(op.successors[taken], op.successor_operands(taken), op.loc))
            return True

    canonicalization_patterns = (ConstantCondition(),)


# -- cf.switch: `[ default: ^bb1(%a : i32), 42: ^bb2 ]` ---------------------------------

class CaseValues(AttrConstraint):
    desc = "integer elements attribute"

    def check(self, a):
        return a.__class__ is DenseElementsAttr and a.element_type.__class__ is T.IntegerType


def _switch_build(child, parts, args):
    flag, default_ops, case_ops, values_prop, segments_prop, default_dest, case_dests = args
    (dtok, dvals, dtypes), cases = child
    t = parts.operand_types[flag.index][0]
    parts.successors[default_dest.index] = [dtok]
    parts.operands[default_ops.index] = dvals
    parts.operand_types[default_ops.index] = dtypes
    parts.successors[case_dests.index] = [c[1][0] for c in cases]
    parts.operands[case_ops.index] = [v for c in cases for v in c[1][1]]
    parts.operand_types[case_ops.index] = [x for c in cases for x in c[1][2]]
    parts.props[segments_prop.name] = DenseArrayAttr(T.i32, [len(c[1][1]) for c in cases])
    if cases:
        if t.__class__ is not T.IntegerType:
            raise parse_error(parts, f"expected an integer flag type, got '{t}'")
        parts.props[values_prop.name] = DenseElementsAttr(
            T.VectorType([len(cases)], t), np.array([as_signed(v, t) for v, _ in cases],
                                                    dtype=np.int64))


def _switch_print(op, p, args):
    def succ(block, values):
        s = p.block_name(block)
        if values:
            s += (f"({', '.join(p.name(v) for v in values)} : "
                  f"{', '.join(str(v.type) for v in values)})")
        return s

    nl = "\n" + p.indent
    text = f"[{nl}  default: {succ(op.default_destination, op.default_operands)}"
    cases = op.cases
    for value, dest, values in cases:
        text += f",{nl}  {as_unsigned(value, op.flag.type)}: {succ(dest, values)}"
    p.element(text + (nl if cases else "") + "]")


custom_directive(
    "CfSwitchCases", "cf_switch_cases",
    r'''
cf_switch_cases: "[" "default" ":" cf_successor ("," cf_switch_case)* "]"
cf_switch_case: INT ":" cf_successor
cf_successor: BLOCK_ID ["(" value_use_list ":" type_list ")"]
''',
    _switch_build, _switch_print,
    callbacks={
        "cf_switch_cases": lambda c: (c[0], c[1:]),
        "cf_switch_case": lambda c: (int(c[0].value), c[1]),
        "cf_successor": lambda c: (c[0], c[1] or [], c[2] or []),
    })


class SwitchOp(BranchLike):
    """Jumps to the block of the case equal to an integer flag, or to the default block."""

    name = "cf.switch"
    flag = operand(AnyInteger)
    default_operands = var_operand()
    case_operands = var_operand()
    case_values = opt_prop(CaseValues())
    case_operand_segments = prop(DenseArrayOf(T.i32))
    default_destination = successor()
    case_destinations = var_successor()
    traits = (Pure, Terminator)
    assembly_format = ("$flag `:` type($flag) `,` custom<CfSwitchCases>($flag, $default_operands, "
                       "$case_operands, $case_values, $case_operand_segments, "
                       "$default_destination, $case_destinations) attr-dict")
    examples = ("func.func @f(%arg0: i32, %arg1: f32) -> f32 {\n"
                "  cf.switch %arg0 : i32, [\n    default: ^bb1(%arg1 : f32),\n"
                "    42: ^bb2,\n    -7: ^bb1(%arg1 : f32)\n  ]\n"
                "^bb1(%0: f32):\n  return %0 : f32\n^bb2:\n  return %arg1 : f32\n}",
                "func.func @g(%arg0: i64) {\n  cf.switch %arg0 : i64, [\n"
                "    default: ^bb1\n  ]\n^bb1:\n  return\n}")

    @classmethod
    def build(cls, flag, default_dest, default_operands=(), cases=(), loc=None):
        """`cases`: (value, block, operands) triples."""
        props = {"case_operand_segments": DenseArrayAttr(T.i32, [len(c[2]) for c in cases])}
        if cases:
            props["case_values"] = DenseElementsAttr(T.VectorType([len(cases)], flag.type),
                                                     [c[0] for c in cases])
        return cls(flag, list(default_operands), [v for c in cases for v in c[2]],
                   successors=[default_dest] + [c[1] for c in cases], loc=loc, **props)

    @property
    def cases(self):
        """(value, block, operands) per case, in order."""
        values = self.properties.get("case_values")
        if values is None:
            return []
        return [(int(v), self.successors[i + 1], self.case_operands_of(i))
                for i, v in enumerate(values.array.reshape(-1).tolist())]

    def case_operands_of(self, index):
        seg = self.properties["case_operand_segments"].value
        start = sum(seg[:index])
        return list(self.case_operands[start:start + seg[index]])

    def successor_operands(self, index):
        return list(self.default_operands) if index == 0 else self.case_operands_of(index - 1)

    def verify_(self):
        values = self.properties.get("case_values")
        dests = len(self.successors) - 1
        if values is not None or dests:
            if values is not None and values.element_type != self.flag.type:
                raise self.error(f"'flag' type ('{self.flag.type}') should match case value "
                                 f"type ('{values.element_type}')")
            n = values.type.num_elements if values is not None else 0
            if n != dests:
                raise self.error(f"number of case values ({n}) should match number of case "
                                 f"destinations ({dests})")
        seg = self.properties["case_operand_segments"].value
        if len(seg) != dests:
            raise self.error(f"number of case operand segments ({len(seg)}) should match "
                             f"number of case destinations ({dests})")
        if sum(seg) != len(self.case_operands):
            raise self.error("case_operand_segments does not match the number of case operands")
        super().verify_()


class AssertOp(Op):
    """Aborts with a message when its i1 operand is false."""

    name = "cf.assert"
    arg = operand(Bool)
    msg = prop(StrAttr())
    effects = (Write(),)
    assembly_format = "$arg `,` $msg attr-dict"
    examples = ('func.func @f(%arg0: i1) {\n  cf.assert %arg0, "it \\22failed\\22"\n'
                '  return\n}',)

    class AlwaysTrue(RewritePattern):
        """An assert of a constant true never fires."""

        op_name = "cf.assert"

        def match_and_rewrite(self, op, rewriter):
            if not constant_int(op.arg):
                return False
            rewriter.erase_op(op)
            return True

    canonicalization_patterns = (AlwaysTrue(),)


__all__ = ["BranchOp", "CondBranchOp", "SwitchOp", "AssertOp", "Bool", "constant_int",
           "as_signed", "as_unsigned", "parse_error"]
