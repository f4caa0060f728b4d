"""Reverse-mode automatic differentiation as a transformation of the `lamina` dialect.

For each function marked with the attribute `lamina.grad` (or named by the `functions`
option), the pass emits `@<name>_grad`: same arguments, one result per differentiated
argument, the gradient of the function's single scalar floating-point result. The
differentiated arguments are those `lamina.grad = array<i64: ...>` (or the `wrt` option) names,
by default every argument of floating-point tensor type or of a variable of one; a variable's
gradient is that of its reads (summed, as TF's tape does, whatever assignments come between).
The gradient function is the forward body followed by the backward ops: the ops are walked
backwards from the result, seeded with 1, each op's `vjp` (its derivative rule, written in
lamina ops) gives its operands' cotangent contributions, summed with lamina.add.
canonicalize/cse then drop what the gradient does not use. A gradient function with one
scalar result is marked `lamina.grad` in turn (same arguments), so applying the pass to its
output gives the next derivative.

An op with several results gets the list of its results' cotangents, zeros where no gradient
reached a result. Zeros are lamina ops, so they have the value's type also where it is
dynamic: a constant where the shape is static, else `broadcast_to(0, shape(v))`.

Control flow and calls are differentiated here, not by rules on the ops, because their
derivatives are built from the derivatives of their regions (the reverse walk of this pass):

- `lamina.cond`: the gradient is a cond on the same predicate whose branches recompute the
  forward branch and walk it backwards, yielding the cotangents of the values the branches
  use from above (zeros where a branch does not use one).
- `lamina.while`, of a trip count known only at run time: the values carried into each
  iteration are saved as the forward pass runs (TF's stacks), and the body is recomputed
  from them in the backward loop. As lamina tensors are values, a stack is a tensor of shape
  [n, ...] written row by row with `lamina.set_row` (in place once bufferized) and read with
  `lamina.strided_slice %stack [%k]`; its size n is known only once the loop has run, so the
  gradient runs a loop counting the iterations (canonicalize keeps of it only what the
  condition needs, lamina.while's DropUnusedCarried), then a loop writing the stacks, then
  the backward loop for k = n-1 ... 0, which recomputes the body on row k, walks it
  backwards, carries the cotangents of the carried values and accumulates those of the
  values the body uses from above. Time and memory are linear in the trip count, and the
  stacks of values the backward body does not read are dropped by canonicalize. Chosen over
  recomputing each iteration's values from the start (n(n-1)/2 body evaluations, quadratic)
  for the loops of training steps; recomputation remains for a loop whose carried values may
  change shape from one iteration to the next (a type less static than its initial value's,
  e.g. a growing tensor), which a stack of rows cannot hold. Both gradients are made of
  lamina.while, set_row, strided_slice and the body's own ops, all differentiable, so the
  pass applies to its output (second derivatives through loops).
- `func.call`: the callee's vector-Jacobian-product function `@<callee>_vjp` (its arguments,
  then one cotangent per differentiable result; one result per differentiable argument) is
  emitted once and called, rather than inlining the callee first: code stays linear in the
  call graph (a function called in many places is differentiated once) and the vjp function,
  itself a plain function, is differentiated again like any other. A recursive function gets
  a recursive vjp function.

Regions and callees are recomputed, so they must be free of side effects other than reads
(no assignments, prints, random draws): the pass reports one instead of changing what a
program does. The variables a cond's or loop's regions read are read once before the op, and
the recomputation uses those values, so an assignment after the op does not change the
gradient; a callee reads through its variable argument, so a variable passed to a call and
assigned after it is reported.
"""

from __future__ import annotations

import numpy as np

from ..dialects.func import CallOp, ReturnOp
from ..dialects.lamina_ops.control import CondOp, WhileOp, YieldOp
from ..dialects.lamina_ops.elementwise import (AddOp, ConstantOp, GreaterOp, LessOp, SubtractOp,
                                              element_kind, emit, np_dtype, scalar_const)
from ..dialects.lamina_ops.indexing import SetRowOp
from ..dialects.lamina_ops.indexing import zeros_like as tensor_zeros_like
from ..dialects.lamina_ops.shape import (DYNAMIC_INDEX, BroadcastToOp, ConcatOp, ReshapeOp,
                                         ShapeOp, SliceSpec, StridedSliceOp)
from ..dialects.lamina_ops.state import ReadVariableOp, VariableType
from ..ir import types as T
from ..ir.attributes import DenseArrayAttr, StringAttr, SymbolRefAttr, TypeAttr, UnitAttr
from ..ir.core import Block, IRError, OpResult, Region
from ..ir.opdef import RecursiveMemoryEffects
from ..ir.rewrite import PatternRewriter
from .effects import effects_of
from .pass_manager import Pass, PassFailure, register_pass

GRAD_ATTR = "lamina.grad"
I32 = T.RankedTensorType((), T.i32)


def cotangent_type(t):
    """The type of a cotangent of a value of type `t`, or None where no gradient flows
    (integers, booleans, anything but float tensors and variables holding them)."""
    if t.__class__ is VariableType:
        t = t.tensor_type
    if t.__class__ is T.RankedTensorType and element_kind(t.element_type) == "float":
        return t
    return None


def zeros_like(b, v):
    """A zero cotangent for `v`, of its cotangent type, dynamic dimensions included."""
    if v.type.__class__ is VariableType:
        v = emit(b, ReadVariableOp(v))  # for its shape (canonicalize drops it where static)
    return tensor_zeros_like(b, v)


def as_type(b, v, t):
    """`v` as type `t`, which differs from v's at most in dimensions one of them has as `?`
    (a region's yield is more static than its op's result)."""
    if v.type == t:
        return v
    shape = None
    if any(d == T.DYNAMIC and x == 1 for d, x in zip(t.shape, v.type.shape)):
        shape = emit(b, ShapeOp.build(v))
    return emit(b, BroadcastToOp(v, shape, result_types=[t]))


def _accumulate(b, cot, v, g):
    g = as_type(b, g, cotangent_type(v.type))
    cot[v] = g if v not in cot else emit(b, AddOp(cot[v], g))


def _grad_indices(func, wrt):
    """The differentiated argument indices: `wrt` (a list, or None for every argument that
    has a gradient)."""
    args = func.entry.args
    if wrt is None:
        return [i for i, a in enumerate(args) if cotangent_type(a.type)]
    for i in wrt:
        if not 0 <= i < len(args):
            raise PassFailure(f"autodiff of @{func.sym}: no argument #{i} to differentiate "
                              f"(the function has {len(args)})")
        if cotangent_type(args[i].type) is None:
            raise PassFailure(f"autodiff of @{func.sym}: argument #{i} of type {args[i].type} "
                              f"has no gradient (not a floating-point tensor or variable)")
    return list(wrt)


def _copy_function(func, name, where):
    """A copy of `func` named `name`, put after it, the single block of its body, and a
    rewriter before its return."""
    if func.is_declaration:
        raise PassFailure(f"{where}: the function has no body")
    if len(func.regions[0].blocks) != 1:
        raise PassFailure(f"{where}: control flow between blocks is not supported; use "
                          f"lamina.cond and lamina.while")
    new = func.clone()
    for k in (GRAD_ATTR, "arg_attrs", "res_attrs"):
        new.attributes.pop(k, None)
        new.properties.pop(k, None)
    new.properties["sym_name"] = StringAttr(name)
    if func.parent is not None:  # where a call in the body finds its callee
        func.parent.insert_after(func, new)
    block = new.regions[0].blocks[0]
    b = PatternRewriter()
    b.set_insertion_point_before(block.last)
    return new, block, b


def _finish(new, block, results):
    ret = block.last
    ret.parent.insert_before(ret, ReturnOp(results))
    ret.erase()
    new.properties["function_type"] = TypeAttr(T.FunctionType(
        [a.type for a in block.args], [v.type for v in results]))


def differentiate(func, name, wrt=None):
    """A new func.func `name`, put after `func`, computing the gradient of `func` (see the
    module's doc) with respect to the arguments `wrt` (indices; None: all that have one)."""
    ft = func.type
    where = f"autodiff of @{func.sym}"
    if len(ft.results) != 1 or cotangent_type(ft.results[0]) is None or \
            ft.results[0].__class__ is VariableType or ft.results[0].rank != 0:
        raise PassFailure(f"{where}: the function must have one result, a 0-d tensor of "
                          f"floating-point type, but returns ({', '.join(map(str, ft.results))})")
    indices = _grad_indices(func, wrt)
    grad, block, b = _copy_function(func, name, where)
    y = block.last.operands[0]
    seed = emit(b, ConstantOp.build(np.ones((), np_dtype(y.type.element_type) or np.float32),
                                    y.type))
    cot = {y: seed}
    backpropagate(b, _backwards_from(block.last.prev), cot, where)
    args = [block.args[i] for i in indices]
    _finish(grad, block, [cot[a] if a in cot else zeros_like(b, a) for a in args])
    _drop_seed_products(seed)
    if len(args) == 1 and cotangent_type(args[0].type).rank == 0:
        grad.attributes[GRAD_ATTR] = UnitAttr() if wrt is None else DenseArrayAttr(T.i64,
                                                                                  indices)
    return grad


def vjp_function(func, name):
    """A new func.func `name`, put after `func`: `func`'s arguments, then a cotangent for
    each of its results that has one; returns the cotangent of each argument that has one."""
    where = f"autodiff of @{func.sym}"
    new, block, b = _copy_function(func, name, where)
    ys = list(block.last.operands)
    cot = {}
    for y in ys:
        t = cotangent_type(y.type)
        if t is not None:
            _accumulate(b, cot, y, block.add_argument(t))
    backpropagate(b, _backwards_from(block.last.prev), cot, where)
    args = [a for a in block.args[:len(func.type.inputs)] if cotangent_type(a.type)]
    _finish(new, block, [cot[a] if a in cot else zeros_like(b, a) for a in args])
    return new


def _drop_seed_products(seed):
    """`v * 1` -> `v` for the seed (the dialect does not fold multiplications by one, whose
    result could differ in type): the gradient of x * x is then x + x, not a chain from 1."""
    for use in list(seed.uses):
        op = use.owner
        if op.name != "lamina.multiply" or op.parent is None:  # erased through its other use
            continue
        other = op.operands[1 - use.index]
        if other.type == op.results[0].type:
            op.results[0].replace_all_uses_with(other)
            op.erase()
    if not seed.uses:
        seed.owner.erase()


def _backwards_from(op):
    while op is not None:
        prev = op.prev
        yield op
        op = prev


def backpropagate(b, ops, cot, where):
    """Reverse accumulation over `ops` (in reverse program order): `cot` maps values to their
    cotangents, seeded by the caller, and gains the cotangent of every value a seeded value
    depends on through differentiable ops (lamina.cond, lamina.while and func.call included;
    a call's callee must be in a module, which gains its vjp function); the backward ops are
    inserted at `b`'s insertion point. The autodiff pass and a GradientTape traced inside
    `function` share this walk, so both take their derivatives from the ops' `vjp` rules.
    `where` heads error messages."""
    for op in ops:
        gs = [cot.get(r) for r in op.results]
        if any(g is not None for g in gs):
            _backward(op, gs, cot, b, where)


def _backward(op, gs, cot, b, where):
    region_rule = _REGION_RULES.get(op.name)
    if region_rule is not None:
        region_rule(op, gs, cot, b, where)
        return
    # a region's ops may use any value above it, whatever the op's operands are
    if op.regions or op.name == "func.call_indirect":
        raise PassFailure(f"{where}: differentiating through '{op.name}' is not supported",
                          op.loc)
    if not any(cotangent_type(v.type) for v in op.operands):
        return
    rule = getattr(op, "vjp", None)
    if rule is None:
        raise PassFailure(f"{where}: '{op.name}' has no derivative rule (vjp)", op.loc)
    try:
        if len(gs) == 1:
            contributions = rule(b, gs[0])
        else:
            contributions = rule(b, [g if g is not None else zeros_like(b, r)
                                     for g, r in zip(gs, op.results)])
    except IRError as e:  # a case a rule does not support yet; its message names the op
        raise PassFailure(f"{where}: {e.message}", op.loc) from None
    for v, g in zip(op.operands, contributions):
        if g is not None and cotangent_type(v.type):
            _accumulate(b, cot, v, g)


# -- regions ------------------------------------------------------------------------------------

def _check_recomputable(op, where):
    bad = _side_effect(op, set())
    if bad is not None:
        raise PassFailure(f"{where}: differentiating through '{op.name}' recomputes its "
                          f"{'body' if op.name == 'func.func' else 'regions'}, but "
                          f"'{bad.name}' in them has side effects", bad.loc)


def _side_effect(op, seen):
    """An op nested in `op` (callees included) with effects other than reads, or None;
    `seen`: the callees looked at already."""
    for inner in op.walk():
        if inner is op:
            continue
        if inner.name == "func.call":
            bad = _call_side_effect(inner, seen)
        else:
            # nested ops are walked on their own (a call's effects are its callee's)
            e = (inner.opdef.effects or ()) if inner.has_trait(RecursiveMemoryEffects) else \
                effects_of(inner)
            bad = inner if e is None or any(x.kind not in ("read", "alloc") for x in e) else None
        if bad is not None:
            return bad
    return None


def _call_side_effect(call, seen):
    """What `call` runs with effects other than reads (the call where the callee's body is
    not in the module), or None."""
    callee = _lookup(call, call.properties["callee"].root)
    if callee is None or callee.is_declaration:
        return call
    if callee in seen:
        return None
    seen.add(callee)
    return _side_effect(callee, seen)


# The modules of the cond and while ops whose backward regions are being built: those
# regions are put in place once complete, and a call in them finds its callee here meanwhile.
_MODULES = []


def _module_of(op):
    while op is not None and op.name != "builtin.module":
        op = op.parent_op
    return op


def _lookup(op, name):
    """The func.func `name` of the module holding `op`, or None."""
    module = _module_of(op)
    if module is None and _MODULES:
        module = _MODULES[-1]
    if module is None:
        return None
    return next((o for o in module.regions[0].blocks[0]
                 if o.name == "func.func" and o.sym == name), None)


def _in_module_of(rule):
    """`rule` (of a region op), with the op's module where calls in detached regions look."""
    def run(op, gs, cot, b, where):
        _MODULES.append(_module_of(op) or (_MODULES or [None])[-1])
        try:
            rule(op, gs, cot, b, where)
        finally:
            _MODULES.pop()
    return run


def _defined_inside(v, op):
    if isinstance(v, OpResult):
        return v.owner is not op and op.is_ancestor_of(v.owner)
    return op.is_ancestor_of(v.block.parent_op)


class _Recomputed:
    """Recomputing the regions of `op` (`regions` of them differentiated) after the forward
    pass: the variables they read are read once before `op`, so that an assignment after `op`
    does not change what the recomputation sees; `captured` are the values with a gradient
    the regions use from above, `inside` what the copies use for them (a variable's read)."""

    def __init__(self, op, regions, where):
        _check_recomputable(op, where)
        self.reads = {}
        for inner in op.walk():
            v = inner.operands[0] if inner.name == "lamina.read_variable" else None
            if v is not None and v not in self.reads and not _defined_inside(v, op):
                self.reads[v] = op.parent.insert_before(op, ReadVariableOp(v, loc=op.loc)) \
                    .results[0]
        seen = {}
        for r in regions:
            for inner in r.walk():
                for v in inner.operands:
                    if v not in seen and cotangent_type(v.type) and not _defined_inside(v, op):
                        seen[v] = None
        self.captured = list(seen)
        self.inside = [self.reads.get(v, v) for v in self.captured]

    def copy(self, b, src, args):
        """`src`'s ops but its terminator, copied at `b` with its arguments bound to `args`:
        the copied ops in order, and the values its terminator passes."""
        mapping = dict(zip(src.args, args))
        ops = [b.insert(o.clone(mapping)) for o in src if o is not src.last]
        outs = [mapping.get(v, v) for v in src.last.operands]
        for o in list(ops):
            for inner in list(o.walk()):
                if inner.name == "lamina.read_variable" and inner.operands[0] in self.reads:
                    r = self.reads[inner.operands[0]]
                    inner.results[0].replace_all_uses_with(r)
                    outs = [r if v is inner.results[0] else v for v in outs]
                    if inner is o:
                        ops.remove(o)
                    inner.erase()
        return ops, outs

    def backward(self, b, src, args, seeds, wanted, where):
        """Recompute block `src` at `b` (arguments bound to `args`) and walk it backwards
        from its terminator's values seeded with `seeds` (None: no gradient): the cotangents
        of `wanted` (values the copy uses), None where none reached."""
        ops, outs = self.copy(b, src, args)
        cot = {}
        for y, g in zip(outs, seeds):
            if g is not None and cotangent_type(y.type):
                _accumulate(b, cot, y, g)
        backpropagate(b, reversed(ops), cot, where)
        return [cot.get(v) for v in wanted]


def _open(block, terminator):
    """A rewriter inserting into `block` before `terminator`, appended to it."""
    block.append(terminator)
    b = PatternRewriter()
    b.set_insertion_point_before(terminator)
    return b


def _cond_backward(op, gs, cot, b, where):
    rc = _Recomputed(op, op.regions, where)
    captured = rc.captured
    types = [cotangent_type(c.type) for c in captured]
    blocks, branches = [], []
    for src in (op.then_block, op.else_block):
        block, y = Block(), YieldOp([])
        bb = _open(block, y)
        blocks.append(block)
        branches.append((bb, y, rc.backward(bb, src, [], gs, rc.inside, where)))
    keep = [i for i in range(len(captured)) if any(r[i] is not None for _, _, r in branches)]
    for bb, y, r in branches:
        y.set_operands([as_type(bb, r[i], types[i]) if r[i] is not None
                        else zeros_like(bb, rc.inside[i]) for i in keep])
    new = b.insert(CondOp(op.pred, result_types=[types[i] for i in keep],
                          regions=[Region([blocks[0]]), Region([blocks[1]])]))
    for i, r in zip(keep, new.results):
        _accumulate(b, cot, captured[i], r)


def _loop(b, inits, types, cond_fn, body_fn):
    """A lamina.while over `inits` (carried `types`): `cond_fn(b, args)` gives the predicate,
    `body_fn(b, args)` the next values."""
    w = WhileOp.build(inits, types)
    cy, by = YieldOp([]), YieldOp([])
    cond_b, body_b = _open(w.cond_block, cy), _open(w.body_block, by)
    cy.set_operands([cond_fn(cond_b, list(w.cond_block.args))])
    by.set_operands(body_fn(body_b, list(w.body_block.args)))
    return list(b.insert(w).results)


def _while_backward(op, gs, cot, b, where):
    rc = _Recomputed(op, [op.regions[1]], where)
    types = [r.type for r in op.results]
    x0 = list(op.inits)
    diff = [i for i, t in enumerate(types) if cotangent_type(t)]
    one, zero = scalar_const(b, 1, T.i32), scalar_const(b, 0, T.i32)

    def step(bb, args):  # one forward iteration
        return rc.copy(bb, op.body_block, args)[1]

    def forward_cond(bb, args):
        return rc.copy(bb, op.cond_block, args[:-1])[1][0]

    # the trip count
    n = _loop(b, x0 + [zero], types + [I32], forward_cond,
              lambda bb, a: step(bb, a[:-1]) + [emit(bb, AddOp(a[-1], one))])[-1]

    if all(v.type == t for v, t in zip(x0, types)):
        # the carried values of each iteration, in stacks of shape [n, ...]
        stack_types = [t.clone(shape=[T.DYNAMIC, *t.shape]) for t in types]
        n_dims = emit(b, ReshapeOp.build(n, [1]))
        stacks0 = [emit(b, BroadcastToOp(
            scalar_const(b, 0, t.element_type),
            emit(b, ConcatOp.build([n_dims, emit(b, ShapeOp.build(v))], 0)) if t.rank else
            n_dims, result_types=[st])) for v, t, st in zip(x0, types, stack_types)]
        stacks = _loop(
            b, [zero] + x0 + stacks0, [I32] + types + stack_types,
            lambda cb, a: emit(cb, LessOp(a[0], n)),
            lambda sb, a: [emit(sb, AddOp(a[0], one))] + step(sb, a[1:1 + len(types)]) + [
                emit(sb, SetRowOp(st, a[0], c))
                for c, st in zip(a[1:1 + len(types)], a[1 + len(types):])])[1 + len(types):]

        def carried_at(bb, k):
            row = SliceSpec([DYNAMIC_INDEX], [0], [1], shrink_mask=1)
            return [emit(bb, StridedSliceOp.build(st, row, [k])) for st in stacks]
    else:
        # carried values may change shape from one iteration to the next (their type is less
        # static than the initial values'), which a stack cannot hold: recomputed instead
        def carried_at(bb, k):
            return _loop(bb, [zero] + x0, [I32] + types,
                         lambda cb, a: emit(cb, LessOp(a[0], k)),
                         lambda sb, a: [emit(sb, AddOp(a[0], one))] + step(sb, a[1:]))[1:]

    def backward_body(bb, args):
        k = emit(bb, SubtractOp(args[0], one))
        g = args[1:1 + len(diff)]
        acc = args[1 + len(diff):]
        xk = carried_at(bb, k)  # the carried values at the start of iteration k
        seeds = [None] * len(types)
        for i, gi in zip(diff, g):
            seeds[i] = gi
        got = rc.backward(bb, op.body_block, xk, seeds, [xk[i] for i in diff] + rc.inside,
                          where)
        new_g = [as_type(bb, c, types[i]) if c is not None else zeros_like(bb, xk[i])
                 for i, c in zip(diff, got)]
        new_acc = [a if c is None else emit(bb, AddOp(a, as_type(bb, c, a.type)))
                   for a, c in zip(acc, got[len(diff):])]
        return [k] + new_g + new_acc

    g0 = [gs[i] if gs[i] is not None else zeros_like(b, op.results[i]) for i in diff]
    acc0 = [zeros_like(b, v) for v in rc.inside]
    acc_types = [cotangent_type(c.type) for c in rc.captured]
    out = _loop(b, [n] + g0 + acc0, [I32] + [types[i] for i in diff] + acc_types,
                lambda cb, a: emit(cb, GreaterOp(a[0], zero)), backward_body)
    for i, g in zip(diff, out[1:1 + len(diff)]):
        if cotangent_type(x0[i].type):
            _accumulate(b, cot, x0[i], g)
    for c, g in zip(rc.captured, out[1 + len(diff):]):
        _accumulate(b, cot, c, g)


def _call_backward(op, gs, cot, b, where):
    name = op.properties["callee"].root
    callee = _lookup(op, name)
    if callee is None:
        raise PassFailure(f"{where}: differentiating a call needs the callee @{name} in the "
                          f"module", op.loc)
    if callee.is_declaration:
        raise PassFailure(f"{where}: cannot differentiate the call of @{name}, a declaration "
                          f"(its body is not in the module)", op.loc)
    _check_no_later_assignment(op, where)
    vjp_name = name + "_vjp"
    # put in the module before its body is walked, a recursive call finds it
    if _lookup(callee, vjp_name) is None:
        _check_recomputable(callee, f"autodiff of @{name}")
        vjp_function(callee, vjp_name)
    cots = [g if g is not None else zeros_like(b, r)
            for g, r in zip(gs, op.results) if cotangent_type(r.type)]
    args = [v for v in op.operands if cotangent_type(v.type)]
    call = b.insert(CallOp(list(op.operands) + cots, result_types=[cotangent_type(v.type)
                                                                   for v in args],
                           callee=SymbolRefAttr(vjp_name)))
    for v, g in zip(args, call.results):
        _accumulate(b, cot, v, g)


def _check_no_later_assignment(call, where):
    """The vjp function recomputes the callee when the backward pass runs: a variable passed
    to it must not be assigned in between (regions get their reads hoisted instead; a callee
    cannot, as it reads through its argument)."""
    variables = {v for v in call.operands if v.type.__class__ is VariableType}
    if not variables:
        return
    op = call
    while op is not None and op.name != "func.func":
        nxt = op.next
        while nxt is not None:
            for inner in nxt.walk():
                writes = inner.name == "lamina.assign_variable" or \
                    inner.name == "func.call" and _call_side_effect(inner, set()) is not None
                if writes and variables.intersection(inner.operands):
                    raise PassFailure(f"{where}: the call of @{call.properties['callee'].root} "
                                      f"reads a variable that is assigned later, but its "
                                      f"derivative recomputes it after the assignment; read "
                                      f"the variable before the call and pass the value",
                                      inner.loc)
            nxt = nxt.next
        op = op.parent_op


_REGION_RULES = {"lamina.cond": _in_module_of(_cond_backward),
                 "lamina.while": _in_module_of(_while_backward), "func.call": _call_backward}


def _parse_wrt(text):
    try:
        return [int(s) for s in text.split(",") if s.strip()] or None
    except ValueError:
        raise PassFailure(f"autodiff: wrt must be comma-separated argument indices, not "
                          f"'{text}'") from None


@register_pass
class Autodiff(Pass):
    argument = "autodiff"
    title = "Autodiff"
    summary = ("Emit @<f>_grad, the gradient of each function marked `lamina.grad` (or named "
               "by `functions`)")
    options = {"functions": (str, "", "comma-separated names of further functions to "
                                      "differentiate"),
               "wrt": (str, "", "comma-separated indices of the arguments to differentiate "
                                "the `functions` with respect to (default: all that have a "
                                "gradient)")}
    op_name = "builtin.module"

    def run(self, module):
        top = module.regions[0].blocks[0]
        funcs = {o.sym: o for o in top if o.name == "func.func"}
        named = {n.strip() for n in self.opts["functions"].split(",") if n.strip()}
        missing = named - funcs.keys()
        if missing:
            raise PassFailure(f"autodiff: no function named {', '.join(sorted(missing))}")
        wrt = _parse_wrt(self.opts["wrt"])
        for name, f in list(funcs.items()):
            if name + "_grad" in funcs:
                continue
            if name in named:
                differentiate(f, name + "_grad", wrt)
            elif GRAD_ATTR in f.attributes:
                a = f.attributes[GRAD_ATTR]
                differentiate(f, name + "_grad", list(a) if isinstance(a, DenseArrayAttr)
                              else None)
