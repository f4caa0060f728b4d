"""The upstream `scf` dialect: structured control flow, loops and conditionals whose bodies are
regions (lowered to `cf` branches between blocks further down)."""

from __future__ import annotations

from ..ir import types as T
from ..ir.attributes import DenseArrayAttr, UnitAttr, print_attr_dict
from ..ir.constraints import DenseArrayOf, IntOrIndex, TypeConstraint, Unit
from ..ir.core import Block
from ..ir.format import custom_directive
from ..ir.opdef import (HasParent, Op, Pure, RecursiveMemoryEffects, ReturnLike, Terminator,
                        opt_prop, operand, prop, region, var_operand, var_region, var_result)
from ..ir.rewrite import RewritePattern
from ..ir.types import print_result_types
from .cf import Bool, as_signed, as_unsigned, constant_int, parse_error

IndexType = TypeConstraint(lambda t: t.__class__ is T.IndexType, "index", buildable=T.index)


def _names(p, values):
    return ", ".join(p.name(v) for v in values)


def _types(values):
    return ", ".join(str(v.type) for v in values)


def _assignments(p, args, values):
    return ", ".join(f"{p.name(a)} = {p.name(v)}" for a, v in zip(args, values))


def _terminator(block, name):
    """The block's last op if it is a `name`; None otherwise (the verifier's block checks
    report a missing terminator)."""
    last = block.last
    return last if last is not None and last.name == name else None


def _check_sized(op, index, ods_name):
    """ODS's SizedRegion<1>."""
    if len(op.regions[index].blocks) != 1:
        raise op.error(f"region #{index} ('{ods_name}') failed to verify constraint: region "
                       f"with 1 blocks")


def _check_edge(op, source, target, operands, inputs):
    """MLIR's RegionBranchOpInterface check of one control-flow edge: the values passed
    along it match the values it defines, in number and type."""
    where = f"along control flow edge from {source} to {target}"
    if len(operands) != len(inputs):
        raise op.error(f"{where}: region branch point has {len(operands)} operands, but "
                       f"region successor needs {len(inputs)} inputs")
    for i, (v, x) in enumerate(zip(operands, inputs)):
        if v.type != x.type:
            raise op.error(f"{where}: successor operand type #{i} '{v.type}' should match "
                           f"successor input type #{i} '{x.type}'")


def _replace_with_block(rewriter, op, block):
    """Move `block`'s ops before `op` and replace op's results with what its terminator
    yields (MLIR's replaceOpWithRegion)."""
    term = block.last
    values = list(term.operands)
    rewriter.inline_block_before(block, op)
    rewriter.replace_op(op, values)
    rewriter.erase_op(term)


# -- `-> types`: scf.if always parenthesizes, the others as printOptionalArrowTypeList ------

_ARROW_RULES = r'''
scf_opt_arrow: ["->" scf_types]
scf_types: non_function_type -> scf_one_type
         | "(" [type_list] ")" -> scf_type_list
'''
_ARROW_CALLBACKS = {
    "scf_opt_arrow": lambda c: c[0] or [],
    "scf_one_type": lambda c: [c[0]],
    "scf_type_list": lambda c: c[0] or [],
}


def _arrow_build(child, parts, args):
    parts.all_result_types = child


def _arrow_print_parens(op, p, args):
    if op.results:
        p.element(f"-> ({_types(op.results)})")


def _arrow_print(op, p, args):
    if op.results:
        p.element("-> " + print_result_types([r.type for r in op.results]))


custom_directive("ScfIfResults", "scf_opt_arrow", _ARROW_RULES, _arrow_build,
                 _arrow_print_parens, callbacks=_ARROW_CALLBACKS)
custom_directive("ScfResults", "scf_opt_arrow", _ARROW_RULES, _arrow_build, _arrow_print,
                 callbacks=_ARROW_CALLBACKS)


# -- scf.for: `%iv = %lb to %ub step %s iter_args(%a = %init) -> (f32) : i32` ------------
# (`scf_types` is defined with the arrow rules above)

def _for_build(child, parts, args):
    iv, lb, ub, step, iters, iv_type = child
    lb_f, ub_f, step_f, inits_f, body_f = args
    t = iv_type if iv_type is not None else T.index
    assigns, types = iters if iters is not None else ([], [])
    if len(assigns) != len(types):
        raise parse_error(parts, "mismatch in number of loop-carried values and defined values")
    for f, tok in ((lb_f, lb), (ub_f, ub), (step_f, step)):
        parts.operands[f.index] = [tok]
        parts.operand_types[f.index] = [t]
    parts.operands[inits_f.index] = [v for _, v in assigns]
    parts.operand_types[inits_f.index] = list(types)
    parts.all_result_types = list(types)
    parts.extra = [(body_f.index, [(iv, t)] + [(a, ty) for (a, _), ty in zip(assigns, types)])]


def _for_print(op, p, args):
    iv = op.induction_var
    text = (f"{p.name(iv)} = {p.name(op.lower_bound)} to {p.name(op.upper_bound)} "
            f"step {p.name(op.step)}")
    if op.init_args:
        text += (f" iter_args({_assignments(p, op.iter_args, op.init_args)}) -> "
                 f"({_types(op.init_args)})")
    if iv.type != T.index:
        text += f"  : {iv.type}"  # mlir-opt prints two spaces here
    p.element(text)


custom_directive(
    "ScfForHeader", "scf_for_header",
    r'''
scf_for_header: VALUE_ID "=" value_use "to" value_use "step" value_use [scf_iter_args] [":" type]
scf_iter_args: "iter_args" "(" [scf_assign ("," scf_assign)*] ")" "->" scf_types
scf_assign: VALUE_ID "=" value_use
''',
    _for_build, _for_print,
    callbacks={
        "scf_for_header": tuple,
        "scf_iter_args": lambda c: ([a for a in c[:-1] if a is not None], c[-1]),
        "scf_assign": tuple,
    })


class ForOp(Op):
    """A counted loop from a lower bound (inclusive) to an upper bound (exclusive) by a
    positive step; values carried between iterations are the body's `iter_args`."""

    name = "scf.for"
    lower_bound = operand(IntOrIndex)
    upper_bound = operand(IntOrIndex)
    step = operand(IntOrIndex)
    init_args = var_operand()
    results_ = var_result()
    unsignedCmp = opt_prop(Unit())
    body_region = region(single_block=True, implicit_args=True, implicit_terminator="scf.yield")
    traits = (RecursiveMemoryEffects,)
    assembly_format = ("(`unsigned` $unsignedCmp^)? custom<ScfForHeader>($lower_bound, "
                       "$upper_bound, $step, $init_args, $body_region) $body_region attr-dict")
    examples = (
        "func.func @sum(%lb: index, %ub: index, %step: index, %init: f32) -> f32 {\n"
        "  %0 = scf.for %i = %lb to %ub step %step iter_args(%acc = %init) -> (f32) {\n"
        "    scf.yield %acc : f32\n  }\n  return %0 : f32\n}",
        "func.func private @use(i32)\n"
        "func.func @f(%lb: i32, %ub: i32, %step: i32) {\n"
        "  scf.for unsigned %i = %lb to %ub step %step : i32 {\n"
        "    func.call @use(%i) : (i32) -> ()\n  }\n  return\n}",
        "func.func @g(%lb: index, %x: i32, %y: f32) -> (i32, f32) {\n"
        "  %0:2 = scf.for %i = %lb to %lb step %lb iter_args(%a = %x, %b = %y) -> (i32, f32) {\n"
        "    scf.yield %a, %b : i32, f32\n  } {foo.bar}\n  return %0#0, %0#1 : i32, f32\n}",
    )

    @classmethod
    def build(cls, lb, ub, step, inits=(), unsigned=False, loc=None):
        """The body block gets the induction variable and one argument per init. Without
        inits it ends in an empty scf.yield; with inits the caller appends the yield."""
        inits = list(inits)
        op = cls(lb, ub, step, inits, result_types=[v.type for v in inits],
                 unsignedCmp=UnitAttr() if unsigned else None, loc=loc)
        body = op.regions[0].add_block(Block([lb.type] + [v.type for v in inits]))
        if not inits:
            body.append(YieldOp([]))
        return op

    @property
    def body(self):
        return self.regions[0].blocks[0]

    @property
    def induction_var(self):
        return self.body.args[0]

    @property
    def iter_args(self):
        """The body's arguments carrying values between iterations (after the iv)."""
        return self.body.args[1:]

    @property
    def yield_op(self):
        return self.body.last

    @property
    def yielded_values(self):
        return list(self.body.last.operands)

    @property
    def is_unsigned(self):
        return "unsignedCmp" in self.properties

    def verify_(self):
        t = self.lower_bound.type
        if self.upper_bound.type != t or self.step.type != t:
            raise self.error("failed to verify that all of {lowerBound, upperBound, step} have "
                             "same type")
        _check_sized(self, 0, "region")
        inits, results = self.init_args, self.results
        if len(inits) != len(results):
            raise self.error("mismatch in number of loop-carried values and defined values")
        body = self.body
        if not body.args or body.args[0].type != t:
            raise self.error("expected induction variable to be same type as bounds and step")
        # LoopLikeOpInterface's checks (an empty yield is left to the edge checks below)
        iter_args = body.args[1:]
        y = _terminator(body, "scf.yield")
        yielded = y.operands if y is not None else []
        if len(inits) != len(iter_args):
            raise self.error(f"different number of inits and region iter_args: {len(inits)} "
                             f"!= {len(iter_args)}")
        if yielded and len(iter_args) != len(yielded):
            raise self.error(f"different number of region iter_args and yielded values: "
                             f"{len(iter_args)} != {len(yielded)}")
        for i, (v, a) in enumerate(zip(inits, iter_args)):
            if v.type != a.type:
                raise self.error(f"{i}-th init and {i}-th region iter_arg have different type: "
                                 f"'{v.type}' != '{a.type}'")
            if yielded and a.type != yielded[i].type:
                raise self.error(f"{i}-th region iter_arg and {i}-th yielded value have "
                                 f"different type: '{a.type}' != '{yielded[i].type}'")
        for i, (a, r) in enumerate(zip(iter_args, results)):
            if a.type != r.type:
                raise self.error(f"{i}-th region iter_arg and {i}-th loop result have "
                                 f"different type: '{a.type}' != '{r.type}'")
        if y is not None:
            _check_edge(self, "Operation scf.yield", "Region #0", y.operands, iter_args)
            _check_edge(self, "Operation scf.yield", "parent", y.operands, results)

    class ZeroTripCount(RewritePattern):
        """A loop whose constant bounds give no iteration yields its inits."""

        op_name = "scf.for"

        def match_and_rewrite(self, op, rewriter):
            if not _empty_range(op.lower_bound, op.upper_bound, op.is_unsigned):
                return False
            rewriter.replace_op(op, list(op.init_args))
            return True

    canonicalization_patterns = (ZeroTripCount(),)


def _empty_range(lb, ub, unsigned=False):
    """Whether constant bounds lb..ub hold no iteration (False where either is not constant)."""
    lo, hi = constant_int(lb), constant_int(ub)
    if lo is None or hi is None:
        return False
    conv = as_unsigned if unsigned else as_signed
    return conv(lo, lb.type) >= conv(hi, ub.type)


class IfOp(Op):
    """Runs the then region if an i1 holds, else the (possibly empty) else region; both
    yield the op's results."""

    name = "scf.if"
    condition = operand(Bool)
    results_ = var_result()
    then_region = region(single_block=True, implicit_terminator="scf.yield")
    else_region = region(single_block=True, implicit_terminator="scf.yield")
    traits = (RecursiveMemoryEffects,)
    assembly_format = ("$condition custom<ScfIfResults>($results_) $then_region "
                       "(`else` $else_region^)? attr-dict")
    examples = (
        "func.func @select(%c: i1, %a: f32, %b: f32) -> f32 {\n"
        "  %0 = scf.if %c -> (f32) {\n    scf.yield %a : f32\n  } else {\n"
        "    scf.yield %b : f32\n  }\n  return %0 : f32\n}",
        "func.func private @use(i1)\n"
        "func.func @f(%c: i1) {\n  scf.if %c {\n    func.call @use(%c) : (i1) -> ()\n  }\n"
        "  scf.if %c {\n  } else {\n    func.call @use(%c) : (i1) -> ()\n  }\n  return\n}",
    )

    @classmethod
    def build(cls, condition, result_types=(), with_else=False, loc=None):
        """The then block, and the else block if asked for or if there are results (which
        need one). Without results the blocks end in an empty scf.yield; with results the
        caller appends the yields."""
        result_types = list(result_types)
        op = cls(condition, result_types=result_types, loc=loc)
        blocks = [op.regions[0].add_block(Block())]
        if with_else or result_types:
            blocks.append(op.regions[1].add_block(Block()))
        if not result_types:
            for b in blocks:
                b.append(YieldOp([]))
        return op

    @property
    def then_block(self):
        return self.regions[0].blocks[0]

    @property
    def else_block(self):
        """None when there is no else region."""
        r = self.regions[1]
        return r.blocks[0] if r.blocks else None

    def verify_(self):
        _check_sized(self, 0, "thenRegion")
        if self.results and not self.regions[1].blocks:
            raise self.error("must have an else block if defining values")
        for i, r in enumerate(self.regions):
            if r.blocks and r.blocks[0].args:
                raise self.error(f"region #{i} should have no arguments")
        for r in self.regions:
            y = _terminator(r.blocks[0], "scf.yield") if r.blocks else None
            if y is not None:
                _check_edge(self, "Operation scf.yield", "parent", y.operands, self.results)

    class ConstantCondition(RewritePattern):
        """scf.if on a constant -> the taken region inlined in its place."""

        op_name = "scf.if"

        def match_and_rewrite(self, op, rewriter):
            c = constant_int(op.condition)
            if c is None:
                return False
            block = op.then_block if c else op.else_block
            if block is None:
                if op.results:
                    return False
                rewriter.erase_op(op)
            else:
                _replace_with_block(rewriter, op, block)
            return True

    canonicalization_patterns = (ConstantCondition(),)


# -- scf.while: `(%arg = %init) : (f32) -> f32` (`scf_assign` comes with scf.for's rules) ----

def _while_build(child, parts, args):
    assigns, ft = child
    inits_f, before_f = args
    if len(ft.inputs) != len(assigns):
        raise parse_error(parts, f"expected as many input types as operands (expected "
                                 f"{len(assigns)} got {len(ft.inputs)})")
    parts.operands[inits_f.index] = [v for _, v in assigns]
    parts.operand_types[inits_f.index] = list(ft.inputs)
    parts.all_result_types = list(ft.results)
    if assigns:
        parts.extra = [(before_f.index, [(a, t) for (a, _), t in zip(assigns, ft.inputs)])]


def _while_print(op, p, args):
    inits = op.inits
    text = f"({_assignments(p, op.before_args, inits)}) " if inits else ""
    p.element(text + ": " + str(T.FunctionType([v.type for v in inits],
                                                [r.type for r in op.results])))


custom_directive(
    "ScfWhileHeader", "scf_while_header",
    r'''
scf_while_header: ["(" scf_assign ("," scf_assign)* ")"] ":" function_type
''',
    _while_build, _while_print,
    callbacks={"scf_while_header": lambda c: ([a for a in c[:-1] if a is not None], c[-1])})


class WhileOp(Op):
    """A general loop: the before region computes a condition and the values passed on (to
    the after region while it holds, else to the op's results); the after region yields
    the next iteration's values to the before region."""

    name = "scf.while"
    inits = var_operand()
    results_ = var_result()
    before = region(single_block=True, implicit_args=True)
    after = region(single_block=True)
    traits = (RecursiveMemoryEffects,)
    assembly_format = ("custom<ScfWhileHeader>($inits, $before) $before `do` $after "
                       "attr-dict-with-keyword")
    examples = (
        "func.func private @next(f32) -> (i1, f32)\n"
        "func.func @f(%x: f32) -> f32 {\n"
        "  %0 = scf.while (%a = %x) : (f32) -> f32 {\n"
        "    %c:2 = func.call @next(%a) : (f32) -> (i1, f32)\n"
        "    scf.condition(%c#0) %c#1 : f32\n  } do {\n  ^bb0(%b: f32):\n"
        "    scf.yield %b : f32\n  }\n  return %0 : f32\n}",
        "func.func @g(%c: i1) {\n  scf.while : () -> () {\n    scf.condition(%c)\n"
        "  } do {\n    scf.yield\n  } attributes {foo.bar}\n  return\n}",
    )

    @classmethod
    def build(cls, inits, result_types, loc=None):
        """Entry blocks with arguments (before: the inits' types; after: the result types);
        the caller fills both, terminators included."""
        inits, result_types = list(inits), list(result_types)
        op = cls(inits, result_types=result_types, loc=loc)
        op.regions[0].add_block(Block([v.type for v in inits]))
        op.regions[1].add_block(Block(result_types))
        return op

    @property
    def before_block(self):
        return self.regions[0].blocks[0]

    @property
    def after_block(self):
        return self.regions[1].blocks[0]

    @property
    def before_args(self):
        return self.before_block.args

    @property
    def after_args(self):
        return self.after_block.args

    @property
    def condition_op(self):
        return self.before_block.last

    @property
    def yield_op(self):
        return self.after_block.last

    def verify_(self):
        _check_sized(self, 0, "before")
        _check_sized(self, 1, "after")
        cond = _terminator(self.before_block, "scf.condition")
        if cond is None:
            raise self.error("expects the 'before' region to terminate with 'scf.condition'")
        y = _terminator(self.after_block, "scf.yield")
        if y is None:
            raise self.error("expects the 'after' region to terminate with 'scf.yield'")
        _check_edge(self, "parent", "Region #0", self.inits, self.before_args)
        _check_edge(self, "Operation scf.condition", "parent", cond.args, self.results)
        _check_edge(self, "Operation scf.condition", "Region #1", cond.args, self.after_args)
        _check_edge(self, "Operation scf.yield", "Region #0", y.operands, self.before_args)


class ConditionOp(Op):
    """Ends scf.while's before region: continue with the after region if the i1 holds (else
    leave the loop), passing it the other operands."""

    name = "scf.condition"
    condition = operand(Bool)
    args = var_operand()
    traits = (Pure, Terminator, HasParent("scf.while"))
    assembly_format = "`(` $condition `)` attr-dict ($args^ `:` type($args))?"
    examples = WhileOp.examples


class ExecuteRegionOp(Op):
    """Runs its region once, in place; the region may have several blocks (an island of
    unstructured control flow) and yields the op's results."""

    name = "scf.execute_region"
    results_ = var_result()
    no_inline = opt_prop(Unit())
    body_region = region()
    traits = (RecursiveMemoryEffects,)
    assembly_format = ("custom<ScfResults>($results_) (`no_inline` $no_inline^)? $body_region "
                       "attr-dict")
    examples = (
        "func.func @f(%c: i1, %a: i32, %b: i32) -> i32 {\n"
        "  %0 = scf.execute_region -> i32 {\n    cf.cond_br %c, ^bb1, ^bb2\n"
        "  ^bb1:\n    scf.yield %a : i32\n  ^bb2:\n    scf.yield %b : i32\n  }\n"
        "  return %0 : i32\n}",
        "func.func @g(%a: i32, %b: f32) -> (i32, f32) {\n"
        "  %0:2 = scf.execute_region -> (i32, f32) no_inline {\n"
        "    scf.yield %a, %b : i32, f32\n  }\n  return %0#0, %0#1 : i32, f32\n}",
    )

    @classmethod
    def build(cls, result_types=(), loc=None):
        op = cls(result_types=list(result_types), loc=loc)
        op.regions[0].add_block(Block())
        return op

    @property
    def body(self):
        return self.regions[0].blocks[0]

    def verify_(self):
        r = self.regions[0]
        if not r.blocks:
            raise self.error("region needs to have at least one block")
        if r.blocks[0].args:
            raise self.error("region cannot have any arguments")
        for b in r.blocks:
            y = _terminator(b, "scf.yield")
            if y is not None:
                _check_edge(self, "Operation scf.yield", "parent", y.operands, self.results)

    class InlineSingleBlock(RewritePattern):
        """A one-block region needs no op around it."""

        op_name = "scf.execute_region"

        def match_and_rewrite(self, op, rewriter):
            blocks = op.regions[0].blocks
            if len(blocks) != 1 or "no_inline" in op.properties or \
                    _terminator(blocks[0], "scf.yield") is None:
                return False
            _replace_with_block(rewriter, op, blocks[0])
            return True

    canonicalization_patterns = (InlineSingleBlock(),)


class YieldOp(Op):
    """Ends a region of scf.for/if/while/execute_region/index_switch with the values it
    passes on."""

    name = "scf.yield"
    values = var_operand()
    traits = (Pure, Terminator, ReturnLike,
              HasParent("scf.execute_region", "scf.for", "scf.if", "scf.index_switch",
                        "scf.while"))
    assembly_format = "attr-dict ($values^ `:` type($values))?"
    examples = ForOp.examples[:1] + IfOp.examples[:1]


# -- scf.parallel: `(%i, %j) = (%a, %b) to (%c, %d) step (%e, %f) init (%x)` ---------------

def _parallel_build(child, parts, args):
    ivs, lbs, ubs, steps, inits = child
    lb_f, ub_f, step_f, inits_f, body_f = args
    for f, toks in ((lb_f, lbs), (ub_f, ubs), (step_f, steps)):
        if len(toks) != len(ivs):
            raise parse_error(parts, f"expected {len(ivs)} operands")
        parts.operands[f.index] = toks
        parts.operand_types[f.index] = [T.index] * len(toks)
    parts.operands[inits_f.index] = inits
    parts.extra = [(body_f.index, [(iv, T.index) for iv in ivs])]


def _parallel_print(op, p, args):
    text = (f"({_names(p, op.induction_vars)}) = ({_names(p, op.lower_bound)}) to "
            f"({_names(p, op.upper_bound)}) step ({_names(p, op.step)})")
    if op.init_vals:
        text += f" init ({_names(p, op.init_vals)})"
    p.element(text)


custom_directive(
    "ScfParallelHeader", "scf_parallel_header",
    r'''
scf_parallel_header: "(" [scf_ids] ")" "=" scf_vals "to" scf_vals "step" scf_vals [scf_init]
scf_ids: VALUE_ID ("," VALUE_ID)*
scf_vals: "(" [value_use_list] ")"
scf_init: "init" scf_vals
''',
    _parallel_build, _parallel_print,
    callbacks={
        "scf_parallel_header": lambda c: [x or [] for x in c],
        "scf_ids": list,
        "scf_vals": lambda c: c[0] or [],
        "scf_init": lambda c: c[0],
    })


class ParallelOp(Op):
    """A loop nest whose iterations may run in any order or at once; results are combined
    from every iteration by the scf.reduce that ends the body."""

    name = "scf.parallel"
    lower_bound = var_operand(IndexType)
    upper_bound = var_operand(IndexType)
    step = var_operand(IndexType)
    init_vals = var_operand()
    results_ = var_result()
    body_region = region(single_block=True, implicit_args=True,
                         implicit_terminator="scf.reduce")
    traits = (RecursiveMemoryEffects,)
    assembly_format = ("custom<ScfParallelHeader>($lower_bound, $upper_bound, $step, $init_vals, "
                       "$body_region) custom<ScfResults>($results_) $body_region attr-dict")
    examples = (
        "func.func private @use(index, index)\n"
        "func.func @f(%lb: index, %ub: index, %s: index) {\n"
        "  scf.parallel (%i, %j) = (%lb, %lb) to (%ub, %ub) step (%s, %s) {\n"
        "    func.call @use(%i, %j) : (index, index) -> ()\n    scf.reduce\n  } {foo.bar}\n"
        "  return\n}",
        "func.func private @val(index) -> f32\n"
        "func.func @sum(%lb: index, %ub: index, %s: index, %init: f32, %n: i32) -> (f32, i32) {\n"
        "  %0:2 = scf.parallel (%i) = (%lb) to (%ub) step (%s) init (%init, %n) -> (f32, i32) {\n"
        "    %v = func.call @val(%i) : (index) -> f32\n"
        "    scf.reduce(%v, %n : f32, i32) {\n    ^bb0(%a: f32, %b: f32):\n"
        "      scf.reduce.return %a : f32\n    }, {\n    ^bb0(%a: i32, %b: i32):\n"
        "      scf.reduce.return %b : i32\n    }\n  }\n  return %0#0, %0#1 : f32, i32\n}",
    )

    @classmethod
    def build(cls, lbs, ubs, steps, inits=(), loc=None):
        """The body block gets one index argument per dimension. Without inits it ends in
        an empty scf.reduce; with inits the caller appends the scf.reduce."""
        inits = list(inits)
        op = cls(list(lbs), list(ubs), list(steps), inits, result_types=[v.type for v in inits],
                 loc=loc)
        body = op.regions[0].add_block(Block([T.index] * len(lbs)))
        if not inits:
            body.append(ReduceOp([], regions=[]))
        return op

    @classmethod
    def infer_parsed_types(cls, parts):
        i = cls.init_vals.index
        n = len(parts.operands[i] or [])
        types = parts.result_types[0]
        if len(types) != n:
            raise parse_error(parts, f"number of operands and types do not match: got {n} "
                                     f"operands and {len(types)} types")
        parts.operand_types[i] = list(types)

    @property
    def body(self):
        return self.regions[0].blocks[0]

    @property
    def induction_vars(self):
        return self.body.args

    @property
    def reduce_op(self):
        return self.body.last

    class ZeroTripCount(RewritePattern):
        """A loop nest with a dimension whose constant bounds hold no iteration yields its
        inits (as upstream's folding of zero-iteration parallel loops; the vectorizer's main
        loop over fewer elements than a vector is one)."""

        op_name = "scf.parallel"

        def match_and_rewrite(self, op, rewriter):
            if not any(_empty_range(lb, ub) for lb, ub in zip(op.lower_bound, op.upper_bound)):
                return False
            rewriter.replace_op(op, list(op.init_vals))
            return True

    canonicalization_patterns = (ZeroTripCount(),)

    def verify_(self):
        n = len(self.step)
        if not n:
            raise self.error("needs at least one tuple element for lowerBound, upperBound and "
                             "step")
        if len(self.lower_bound) != n or len(self.upper_bound) != n:
            raise self.error(f"expects the same number of lower bounds: {len(self.lower_bound)}"
                             f", upper bounds: {len(self.upper_bound)} and steps: {n}")
        for s in self.step:
            c = constant_int(s)
            if c is not None and c <= 0:
                raise self.error("constant step operand must be positive")
        _check_sized(self, 0, "region")
        body = self.body
        if len(body.args) != n:
            raise self.error(f"expects the same number of induction variables: {len(body.args)}"
                             f" as bound and step values: {n}")
        if any(a.type != T.index for a in body.args):
            raise self.error("expects arguments for the induction variable to be of index type")
        red = _terminator(body, "scf.reduce")
        if red is None:
            raise self.error("expects body to terminate with 'scf.reduce'")
        nres, nred, ninit = len(self.results), len(red.regions), len(self.init_vals)
        if nres != nred:
            raise self.error(f"expects number of results: {nres} to be the same as number of "
                             f"reductions: {nred}")
        if nres != ninit:
            raise self.error(f"expects number of results: {nres} to be the same as number of "
                             f"initial values: {ninit}")
        for i, (r, v) in enumerate(zip(self.results, red.operands)):
            if r.type != v.type:
                raise red.error(f"expects type of {i}-th reduction operand: '{v.type}' to be "
                                f"the same as the {i}-th result type: '{r.type}'")


# -- scf.reduce: regions, then the attribute dictionary (which needs a region before it, as
# `{` would otherwise open either) ------------------------------------------------------------

def _reductions_build(child, parts, args):
    regions, attrs = child
    parts.regions[args[0].index] = regions
    parts.attrs.update(attrs)


def _reductions_print(op, p, args):
    p.element(", ".join(p.region(r) for r in op.regions))
    if op.attributes:
        p.element(print_attr_dict(op.attributes))


custom_directive(
    "ScfReductions", "scf_reductions",
    r'''
scf_reductions: [region_commalist [attr_dict]]
''',
    _reductions_build, _reductions_print,
    callbacks={"scf_reductions": lambda c: (c[0] or [], c[1] or {})})


class ReduceOp(Op):
    """Ends scf.parallel's body: each operand is combined into the matching result by its
    reduction region, from two values of its type to one (scf.reduce.return)."""

    name = "scf.reduce"
    operands_ = var_operand()
    reductions = var_region()
    traits = (RecursiveMemoryEffects, Terminator, HasParent("scf.parallel"))
    assembly_format = ("(`(` $operands_^ `:` type($operands_) `)`)? "
                       "custom<ScfReductions>($reductions)")
    examples = ParallelOp.examples

    @classmethod
    def build(cls, operands, loc=None):
        """One reduction region per operand, its block taking two values of that type; the
        caller fills each with ops ending in scf.reduce.return."""
        operands = list(operands)
        op = cls(operands, regions=[], loc=loc)
        for v in operands:
            op.add_region().add_block(Block([v.type, v.type]))
        return op

    def verify_(self):
        if len(self.regions) != len(self.operands):
            raise self.error(f"expects number of reduction regions: {len(self.regions)} to be "
                             f"the same as number of reduction operands: {len(self.operands)}")
        for i, (r, v) in enumerate(zip(self.regions, self.operands)):
            _check_sized(self, i, "reductions")
            b = r.blocks[0]
            if b.last is None:
                continue  # the block checks report it, as MLIR's verifier does first
            if len(b.args) != 2 or any(a.type != v.type for a in b.args):
                raise self.error(f"expected two block arguments with type '{v.type}' in the "
                                 f"{i}-th reduction region")
            if b.last.name != "scf.reduce.return":
                raise self.error("reduction bodies must be terminated with an "
                                 "'scf.reduce.return' op")


class ReduceReturnOp(Op):
    """Ends a reduction region of scf.reduce with the combined value."""

    name = "scf.reduce.return"
    value = operand()
    traits = (Pure, Terminator, HasParent("scf.reduce"))
    assembly_format = "$value attr-dict `:` type($value)"
    examples = ParallelOp.examples[1:]

    def verify_(self):
        b = self.parent
        if b is not None and b.args and b.args[0].type != self.value.type:
            raise self.error(f"must have type '{b.args[0].type}' (the type of the reduction "
                             f"inputs)")


# -- scf.index_switch: `-> types` then `case N {...}` lines and a `default {...}` ------------

def _switch_build(child, parts, args):
    types, cases, default = child
    cases_p, default_f, cases_f = args
    parts.all_result_types = types
    parts.props[cases_p.name] = DenseArrayAttr(T.i64, [v for v, _ in cases])
    parts.regions[default_f.index] = [default]
    parts.regions[cases_f.index] = [r for _, r in cases]


def _switch_print(op, p, args):
    nl = "\n" + p.indent
    # mlir-opt leaves a space before the first newline; case regions keep an empty yield
    text = f"-> {_types(op.results)} " if op.results else ""
    for v, r in zip(op.cases, op.regions[1:]):
        text += f"{nl}case {v} {p.region(r, False)}"
    p.element(f"{text}{nl}default {p.region(op.regions[0], False, 'scf.yield')}")


custom_directive(
    "ScfSwitchCases", "scf_switch_body",
    r'''
scf_switch_body: ["->" type_list] scf_switch_case* "default" region
scf_switch_case: "case" INT region
''',
    _switch_build, _switch_print,
    callbacks={
        "scf_switch_body": lambda c: (c[0] or [], c[1:-1], c[-1]),
        "scf_switch_case": lambda c: (int(c[0].value), c[1]),
    })


class IndexSwitchOp(Op):
    """Runs the region of the case equal to an index, or the default region; each yields
    the op's results."""

    name = "scf.index_switch"
    arg = operand(IndexType)
    results_ = var_result()
    cases = prop(DenseArrayOf(T.i64))
    default_region = region(single_block=True, implicit_terminator="scf.yield")
    case_regions = var_region()
    traits = (RecursiveMemoryEffects,)
    assembly_format = ("$arg attr-dict "
                       "custom<ScfSwitchCases>($cases, $default_region, $case_regions)")
    examples = (
        "func.func @f(%i: index, %a: i32, %b: i32) -> i32 {\n"
        "  %0 = scf.index_switch %i -> i32\n  case 2 {\n    scf.yield %a : i32\n  }\n"
        "  case -5 {\n    scf.yield %b : i32\n  }\n  default {\n    scf.yield %a : i32\n  }\n"
        "  return %0 : i32\n}",
        "func.func @g(%i: index) {\n  scf.index_switch %i {foo.bar}\n  case 1 {\n"
        "    scf.yield\n  }\n  default {\n  }\n  return\n}",
    )

    @classmethod
    def build(cls, arg, cases, result_types=(), loc=None):
        """A default block and one block per case value. Without results each ends in an
        empty scf.yield; with results the caller appends the yields."""
        cases, result_types = list(cases), list(result_types)
        op = cls(arg, result_types=result_types, cases=DenseArrayAttr(T.i64, cases),
                 regions=[], loc=loc)
        for _ in range(len(cases) + 1):
            b = op.add_region().add_block(Block())
            if not result_types:
                b.append(YieldOp([]))
        return op

    @property
    def case_values(self):
        return list(self.cases)

    @property
    def default_block(self):
        return self.regions[0].blocks[0]

    def case_block(self, index):
        return self.regions[1 + index].blocks[0]

    def verify_(self):
        cases = self.case_values
        if len(cases) != len(self.regions) - 1:
            raise self.error(f"has {len(self.regions) - 1} case regions but {len(cases)} case "
                             f"values")
        if len(set(cases)) != len(cases):
            dup = next(v for i, v in enumerate(cases) if v in cases[:i])
            raise self.error(f"has duplicate case value: {dup}")
        for i, r in enumerate(self.regions):
            _check_sized(self, i, "defaultRegion" if i == 0 else "caseRegions")
            name = "default region" if i == 0 else f"case region #{i - 1}"
            y = r.blocks[0].last
            if y is None or y.name != "scf.yield":
                got = y.name if y is not None else "nothing"
                raise self.error(f"expected region to end with scf.yield, but got {got}")
            if len(y.operands) != len(self.results):
                raise self.error(f"expected each region to return {len(self.results)} values, "
                                 f"but {name} returns {len(y.operands)}")
            for k, (res, v) in enumerate(zip(self.results, y.operands)):
                if res.type != v.type:
                    raise self.error(f"expected result #{k} of each region to be '{res.type}'")


__all__ = ["ForOp", "IfOp", "WhileOp", "ConditionOp", "ExecuteRegionOp", "YieldOp", "ParallelOp",
           "ReduceOp", "ReduceReturnOp", "IndexSwitchOp"]
