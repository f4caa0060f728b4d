"""Control flow of the `lamina` dialect: `lamina.cond` and `lamina.while` (what tf.cond and
tf.while_loop stage, and what autograph turns tensor-dependent `if`/`while`/`for` into), ended
by `lamina.yield`.

A region may yield a value more static than the op's result (`tensor<3xf32>` for a
`tensor<?xf32>` result), so branches of different shapes, and loop-carried values whose shape
changes from one iteration to the next, need no cast op at this level.

The lowerings move the regions into scf.if / scf.while as they are, lamina types and ops
included: convert-lamina-to-structured goes on to convert what was moved.
"""

from __future__ import annotations

from ...ir import types as T
from ...ir.constraints import TypeConstraint
from ...ir.core import Block, BlockArgument, IRError, OpResult, Region
from ...ir.format import custom_directive
from ...ir.opdef import (HasParent, Op, Pure, RecursiveMemoryEffects, ReturnLike, Terminator,
                         operand, region, var_operand, var_result)
from ...ir.rewrite import RewritePattern
from .. import scf  # lamina.cond reuses scf.if's ScfIfResults directive, and lowers to scf
from .base import RankedTensor, _compatible

BOOL_SCALAR = T.RankedTensorType((), T.i1)
BoolScalar = TypeConstraint(lambda t: t == BOOL_SCALAR, "tensor<i1>", buildable=BOOL_SCALAR)


def _check_yield(op, block, what, types):
    """The block's lamina.yield passes values that refine `types`, one each."""
    y = block.last
    if y is None or y.name != "lamina.yield":
        raise op.error(f"expects the {what} to end with 'lamina.yield'")
    got = [v.type for v in y.operands]
    if len(got) != len(types) or not all(_compatible(t, g) for t, g in zip(types, got)):
        raise op.error(f"{what} yields ({', '.join(map(str, got))}), which does not match "
                       f"({', '.join(map(str, types))})")


def _constant_bool(v):
    owner = getattr(v, "owner", None)
    if getattr(owner, "name", None) != "lamina.constant":
        return None
    return bool(owner.properties["value"].array.reshape(-1)[0])


class CondOp(Op):
    """Runs one of two regions, as the scalar boolean tensor says; the region run yields the
    results."""

    name = "lamina.cond"
    pred = operand(BoolScalar)
    results_ = var_result(RankedTensor)
    then_region = region(single_block=True)
    else_region = region(single_block=True)
    traits = (RecursiveMemoryEffects,)
    assembly_format = ("$pred custom<ScfIfResults>($results_) $then_region `else` $else_region "
                       "attr-dict")
    examples = (
        "func.func @f(%arg0: tensor<i1>, %arg1: tensor<3xf32>) -> tensor<?xf32> {\n"
        "  %0 = lamina.cond %arg0 -> (tensor<?xf32>) {\n"
        "    lamina.yield %arg1 : tensor<3xf32>\n  } else {\n"
        "    %1 = lamina.add %arg1, %arg1 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>\n"
        "    lamina.yield %1 : tensor<3xf32>\n  }\n  return %0 : tensor<?xf32>\n}",
        "func.func @g(%arg0: tensor<i1>) {\n"
        "  lamina.cond %arg0 {\n    lamina.yield\n  } else {\n    lamina.yield\n  }\n"
        "  return\n}",
    )

    @classmethod
    def build(cls, pred, result_types=(), loc=None):
        """With an empty block in each region, for the caller to fill (yields included)."""
        return cls(pred, result_types=list(result_types), loc=loc,
                   regions=[Region([Block()]), Region([Block()])])

    @property
    def then_block(self):
        return self.regions[0].blocks[0]

    @property
    def else_block(self):
        return self.regions[1].blocks[0]

    def verify_(self):
        types = [r.type for r in self.results]
        for i, what in enumerate(("then region", "else region")):
            r = self.regions[i]
            if len(r.blocks) != 1:
                raise self.error(f"expects the {what} to have one block")
            if r.blocks[0].args:
                raise self.error(f"expects the {what} to have no arguments")
            _check_yield(self, r.blocks[0], what, types)

    class ConstantPredicate(RewritePattern):
        """A cond on a constant is the region it takes."""

        op_name = "lamina.cond"

        def match_and_rewrite(self, op, rewriter):
            c = _constant_bool(op.pred)
            if c is None:
                return False
            block = op.then_block if c else op.else_block
            y = block.last
            if any(v.type != r.type for v, r in zip(y.operands, op.results)):
                return False
            values = list(y.operands)
            rewriter.inline_block_before(block, op)
            rewriter.replace_op(op, values)
            rewriter.erase_op(y)
            return True

    canonicalization_patterns = (ConstantPredicate(),)

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        c = sb.extract(b, b.remap(self.pred), [])
        types = [r.type for r in self.results]
        regions = []
        for r in self.regions:
            block = r.blocks[0]
            r.remove_block(block)
            sb.replace_yield(block, scf.YieldOp, types)
            regions.append(Region([block]))
        new = b.insert(scf.IfOp(c, result_types=types, regions=regions, loc=self.loc))
        return list(new.results)


# -- lamina.while: `(%a = %init, ...) : (init types) -> (carried types)` ---------------------

def _while_build(child, parts, args):
    assigns, ft = child
    inits_f, cond_f = args
    if len(ft.inputs) != len(assigns) or len(ft.results) != len(assigns):
        raise IRError(f"custom op '{parts.opdef.name}' expected {len(assigns)} types on each "
                      f"side of '->', got {len(ft.inputs)} and {len(ft.results)}")
    parts.operands[inits_f.index] = [v for _, v in assigns]
    parts.operand_types[inits_f.index] = list(ft.inputs)
    parts.all_result_types = list(ft.results)
    if assigns:
        parts.extra = [(cond_f.index, [(a, t) for (a, _), t in zip(assigns, ft.results)])]


def _while_print(op, p, args):
    inits = op.inits
    text = ""
    if inits:
        text = "(" + ", ".join(f"{p.name(a)} = {p.name(v)}"
                               for a, v in zip(op.cond_block.args, inits)) + ") "
    p.element(text + ": " + str(T.FunctionType([v.type for v in inits],
                                                [r.type for r in op.results])))


custom_directive(
    "LaminaWhileHeader", "lamina_while_header",
    r'''
lamina_while_header: ["(" lamina_assign ("," lamina_assign)* ")"] ":" function_type
lamina_assign: VALUE_ID "=" value_use
''',
    _while_build, _while_print,
    callbacks={"lamina_while_header": lambda c: ([a for a in c[:-1] if a is not None], c[-1]),
               "lamina_assign": tuple})


class WhileOp(Op):
    """A loop over carried values: the cond region yields whether to go on (a scalar boolean
    tensor) from the current values, the body region yields the next ones. The results are
    the values when the condition first fails. The carried types may be less static than the
    initial values' types."""

    name = "lamina.while"
    inits = var_operand(RankedTensor)
    results_ = var_result(RankedTensor)
    cond_region = region(single_block=True, implicit_args=True)
    body_region = region(single_block=True)
    traits = (RecursiveMemoryEffects,)
    assembly_format = ("custom<LaminaWhileHeader>($inits, $cond_region) $cond_region `do` "
                       "$body_region attr-dict-with-keyword")
    examples = (
        "func.func @f(%arg0: tensor<i32>, %arg1: tensor<2xf32>) -> tensor<?xf32> {\n"
        "  %0:2 = lamina.while (%arg2 = %arg0, %arg3 = %arg1) : (tensor<i32>, tensor<2xf32>) -> "
        "(tensor<i32>, tensor<?xf32>) {\n"
        "    %1 = lamina.constant dense<true> : tensor<i1>\n"
        "    lamina.yield %1 : tensor<i1>\n"
        "  } do {\n"
        "  ^bb0(%arg2: tensor<i32>, %arg3: tensor<?xf32>):\n"
        "    %1 = lamina.add %arg3, %arg3 : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>\n"
        "    lamina.yield %arg2, %1 : tensor<i32>, tensor<?xf32>\n"
        "  }\n"
        "  return %0#1 : tensor<?xf32>\n}",
    )

    @classmethod
    def build(cls, inits, result_types=None, loc=None):
        """Entry blocks taking the carried values (of `result_types`, by default the inits'
        types); the caller fills both, yields included."""
        inits = list(inits)
        types = [v.type for v in inits] if result_types is None else list(result_types)
        return cls(inits, result_types=types, loc=loc,
                   regions=[Region([Block(types)]), Region([Block(types)])])

    @property
    def cond_block(self):
        return self.regions[0].blocks[0]

    @property
    def body_block(self):
        return self.regions[1].blocks[0]

    def verify_(self):
        types = [r.type for r in self.results]
        if len(self.inits) != len(types):
            raise self.error(f"has {len(self.inits)} initial values but {len(types)} results")
        for i, (v, t) in enumerate(zip(self.inits, types)):
            if not _compatible(t, v.type):
                raise self.error(f"initial value #{i} of type {v.type} does not match the "
                                 f"carried type {t}")
        for i, what in enumerate(("cond region", "body region")):
            r = self.regions[i]
            if len(r.blocks) != 1:
                raise self.error(f"expects the {what} to have one block")
            args = [a.type for a in r.blocks[0].args]
            if args != types:
                raise self.error(f"expects the {what}'s arguments to be the carried values "
                                 f"({', '.join(map(str, types))})")
        _check_yield(self, self.cond_block, "cond region", [BOOL_SCALAR])
        _check_yield(self, self.body_block, "body region", types)

    class DropUnusedCarried(RewritePattern):
        """A carried value that neither the results used, the condition, nor an op with
        effects depends on goes, with the body ops computing it (as MLIR's scf.while
        cleanups): the loop autodiff emits to count a loop's iterations keeps only what the
        condition needs."""

        op_name = "lamina.while"

        def match_and_rewrite(self, op, rewriter):
            cond, body = op.cond_block, op.body_block
            y = body.last
            need, live = set(), set()
            work = [y.operands[j] for j, r in enumerate(op.results)
                    if r.uses or cond.args[j].uses]
            need.update(j for j, r in enumerate(op.results) if r.uses or cond.args[j].uses)
            for o in body:
                if o is not y and not _pure(o):
                    live.add(o)
                    work.extend(_used(o))
            while work:
                v = work.pop()
                if isinstance(v, BlockArgument) and v.block is body:
                    if v.index not in need:
                        need.add(v.index)
                        work.append(y.operands[v.index])
                elif isinstance(v, OpResult) and v.owner.parent is body and v.owner not in live:
                    live.add(v.owner)
                    work.extend(_used(v.owner))
            if len(need) == len(op.results):
                return False
            keep = sorted(need)
            y.set_operands([y.operands[j] for j in keep])
            for o in reversed(list(body)):
                if o is not y and o not in live:
                    rewriter.erase_op(o)
            for j in reversed(range(len(op.results))):
                if j not in need:
                    body.erase_argument(j)
                    cond.erase_argument(j)
            for r in op.regions:
                r.remove_block(r.blocks[0])
            new = WhileOp([op.inits[j] for j in keep],
                          result_types=[op.results[j].type for j in keep], loc=op.loc,
                          regions=[Region([cond]), Region([body])])
            rewriter.set_insertion_point_before(op)
            rewriter.insert(new)
            for j, r in zip(keep, new.results):
                rewriter.replace_all_uses(op.results[j], r)
            rewriter.erase_op(op)
            return True

    canonicalization_patterns = (DropUnusedCarried(),)

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        types = [r.type for r in self.results]
        inits = [sb.cast(b, v, t) for v, t in zip(self.inits, types)]
        cond, body = self.cond_block, self.body_block
        self.regions[0].remove_block(cond)
        self.regions[1].remove_block(body)
        y = cond.last
        c = sb.extract(sb.before(y), y.operands[0], [])
        cond.insert_before(y, scf.ConditionOp(c, list(cond.args)))
        y.erase()
        sb.replace_yield(body, scf.YieldOp, types)
        new = b.insert(scf.WhileOp(inits, result_types=types, loc=self.loc,
                                   regions=[Region([cond]), Region([body])]))
        return list(new.results)


def _pure(op):
    """Without effects, as far as the op's definition tells (conservatively)."""
    if op.has_trait(Pure):
        return True
    return op.has_trait(RecursiveMemoryEffects) and not op.opdef.effects and all(
        _pure(o) for r in op.regions for b in r.blocks for o in b)


def _used(op):
    """The values `op` and the ops nested in it use."""
    return [v for o in op.walk() for v in o.operands]


class YieldOp(Op):
    """Ends a region of lamina.cond or lamina.while with the values it passes on (its parent's
    lowering replaces it)."""

    name = "lamina.yield"
    values = var_operand(RankedTensor)
    traits = (Pure, Terminator, ReturnLike, HasParent("lamina.cond", "lamina.while"))
    assembly_format = "attr-dict ($values^ `:` type($values))?"
    examples = CondOp.examples


__all__ = ["CondOp", "WhileOp", "YieldOp", "BOOL_SCALAR"]
