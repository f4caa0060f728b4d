"""Both cores for parallel loops, in two passes around convert-loops-to-llvm.

`outline-parallel-loops` (loops level): each outermost scf.parallel moves into a private
function of its own, `@<f>__parallel<k>(%begin, %end, captured values...)`, that runs the
iterations `begin..end` of the loop's first dimension (counted in steps from its lower bound;
the other dimensions whole), and the loop becomes a call of it over all iterations. The
function carries `lamina.parallel_body = <cost>`: the ops one iteration of that dimension
runs, estimated from the body's size and the static trip counts of what it nests. Called
directly, it is the loop itself.

`convert-parallel-calls` (llvm level): each call of such a function becomes a call of the
runtime's `__lamina_parallel_for(thunk, context, begin, end, cost)` (lamina.runtime.parallel),
the captured values packed into a struct on the caller's stack and `thunk` unpacking them.
The runtime splits `begin..end` into chunks run by the calling thread and its pool of workers
when `(end - begin) * cost` pays for sharing the loop, and otherwise calls the thunk once on
the calling thread.
"""

from __future__ import annotations

from ..dialects import arith, func, llvm as L
from ..ir import types as T
from ..ir.attributes import IntegerAttr, SymbolRefAttr
from ..ir.core import values_used_from_outside
from ..passes import Pass, register_pass
from ..runtime.parallel import MIN_WORK, SYMBOL as RUNTIME

BODY = "lamina.parallel_body"
UNKNOWN_TRIPS = 64  # a loop of dynamic trip count is taken to run this often
MAX_COST = 1 << 24  # cost saturates (the runtime multiplies it by an iteration count)


def _static_trips(lb, ub, step):
    vals = []
    for v in (lb, ub, step):
        d = v.defining_op
        if d is None or d.name != "arith.constant":
            return None
        vals.append(d.properties["value"].value)
    lo, hi, st = vals
    return max(0, -(-(hi - lo) // st)) if st > 0 else None


def cost_of(ops, unknown=UNKNOWN_TRIPS):
    """Ops run by one pass over `ops` (loops multiply their bodies by their trip counts, a
    dynamic one by `unknown`)."""
    total = 0
    for o in ops:
        if o.name == "arith.constant":
            continue
        if o.name in ("scf.for", "scf.parallel"):
            trips = 1
            if o.name == "scf.for":
                bounds = [(o.operands[0], o.operands[1], o.operands[2])]
            else:
                bounds = list(zip(o.lower_bound, o.upper_bound, o.step))
            for lb, ub, st in bounds:
                t = _static_trips(lb, ub, st)
                trips *= unknown if t is None else t
            total += 1 + trips * cost_of(o.regions[0].blocks[0], unknown)
        elif o.regions:
            total += 1 + sum(cost_of(b, unknown) for r in o.regions for b in r.blocks)
        else:
            total += 1
        if total >= MAX_COST:
            return MAX_COST
    return total


def _is_constant(v):
    d = v.defining_op
    return d is not None and d.name == "arith.constant" and not d.regions


def outline(loop, fn, name):
    """Move scf.parallel `loop` (in function `fn`) into a new function `name` and call it."""
    caps = values_used_from_outside([loop])
    consts = [v for v in caps if _is_constant(v)]
    passed = [v for v in caps if not _is_constant(v)]
    rest = list(zip(loop.lower_bound, loop.upper_bound, loop.step))[1:]
    inner_cost = cost_of(loop.body)
    for lb, ub, st in rest:
        t = _static_trips(lb, ub, st)
        inner_cost = min(MAX_COST, inner_cost * (UNKNOWN_TRIPS if t is None else t))
    ft = T.FunctionType([T.index, T.index] + [v.type for v in passed], [])
    new = func.FuncOp.build(name, ft, visibility="private", loc=loop.loc)
    new.attributes[BODY] = IntegerAttr(max(1, inner_cost), T.i64)
    entry = new.regions[0].blocks[0]
    begin, end = entry.args[0], entry.args[1]
    mapping = dict(zip(passed, entry.args[2:]))

    def add(op):
        entry.append(op)
        return op.results[0] if op.results else None

    for c in consts:
        mapping[c] = add(c.defining_op.clone())
    lb0, ub0, st0 = (mapping.get(v, v) for v in (loop.lower_bound[0], loop.upper_bound[0],
                                                  loop.step[0]))
    lo = add(arith.AddIOp(lb0, add(arith.MulIOp(begin, st0))))
    hi = add(arith.MinSIOp(add(arith.AddIOp(lb0, add(arith.MulIOp(end, st0)))), ub0))
    body = loop.clone(mapping)
    body.set_operand(0, lo)
    body.set_operand(len(loop.lower_bound), hi)
    entry.append(body)
    entry.append(func.ReturnOp([]))
    fn.parent.insert_after(fn, new)

    block = loop.parent

    def at(op):
        block.insert_before(loop, op)
        return op.results[0]

    zero = at(arith.ConstantOp(value=IntegerAttr(0, T.index)))
    span = at(arith.SubIOp(loop.upper_bound[0], loop.lower_bound[0]))
    trips = at(arith.MaxSIOp(at(arith.CeilDivSIOp(span, loop.step[0])), zero))
    block.insert_before(loop, func.CallOp(
        [zero, trips] + passed, callee=SymbolRefAttr(name), result_types=[], loc=loop.loc))
    loop.erase()


def _outermost_parallel_loops(fn):
    out = []

    def visit(op):
        for r in op.regions:
            for b in r.blocks:
                for o in b:
                    if o.name == "scf.parallel" and not o.results:
                        out.append(o)
                    else:
                        visit(o)
    visit(fn)
    return out


@register_pass
class OutlineParallelLoops(Pass):
    argument = "outline-parallel-loops"
    title = "OutlineParallelLoops"
    summary = "Move outermost scf.parallel loops into functions the runtime can split"

    def run(self, op):
        fns = [o for o in op.regions[0].blocks[0] if o.name == "func.func"
               and not o.is_declaration and BODY not in o.attributes]
        for fn in fns:
            # a loop whose whole work is known to be too small to split stays where it is:
            # no call through the runtime (a small function's call costs less than its loops)
            loops = [lp for lp in _outermost_parallel_loops(fn)
                     if cost_of([lp], unknown=MIN_WORK) >= MIN_WORK]
            for k, loop in enumerate(loops):
                outline(loop, fn, f"{fn.sym}__parallel{k}")


# -- llvm level -------------------------------------------------------------------------------

def _declare_runtime(module):
    for o in module.regions[0].blocks[0]:
        if o.name == "llvm.func" and o.sym == RUNTIME:
            return o
    decl = L.LLVMFuncOp.build(RUNTIME, L.LLVMFunctionType(
        L.void, [L.ptr, L.ptr, T.i64, T.i64, T.i64]), declaration=True)
    module.regions[0].blocks[0].append(decl)
    return decl


def _thunk(body, ctx_type, n):
    """`<body>__thunk(ctx, begin, end)`: `body(begin, end, the n fields of *ctx...)`."""
    t = L.LLVMFuncOp.build(body.sym + "__thunk", L.LLVMFunctionType(
        L.void, [L.ptr, T.i64, T.i64]), linkage="private", loc=body.loc)
    entry = t.regions[0].blocks[0]
    ctx, begin, end = entry.args

    def add(op):
        entry.append(op)
        return op.results[0] if op.results else None

    packed = add(L.LoadOp.build(ctx_type, ctx))
    fields = [add(L.ExtractValueOp.build(packed, [k])) for k in range(n)]
    add(L.CallOp.build(body, [begin, end] + fields))
    add(L.ReturnOp.build())
    body.parent.insert_after(body, t)
    return t


def _entry_alloca(op, t):
    """A slot of type `t` allocated in the entry block of `op`'s function (once per call of
    the function, however often `op` runs)."""
    fn = op.parent_op
    while fn.name != "llvm.func":
        fn = fn.parent_op
    entry = fn.regions[0].blocks[0]
    one = L.ConstantOp.build(1, T.i64)
    slot = L.AllocaOp.build(one.results[0], t)
    entry.prepend(slot)
    entry.prepend(one)
    return slot.results[0]


def convert_parallel_calls(module):
    top = module.regions[0].blocks[0]
    bodies = {o.sym: o for o in top if o.name == "llvm.func" and BODY in o.attributes}
    if not bodies:
        return
    runtime = _declare_runtime(module)
    thunks = {}
    for call in [o for o in module.walk() if o.name == "llvm.call"]:
        callee = call.properties.get("callee")
        body = bodies.get(callee.root) if callee is not None else None
        if body is None:
            continue
        begin, end, *caps = call.operands
        ctx_type = L.struct(*[v.type for v in caps])
        if body.sym not in thunks:
            thunks[body.sym] = _thunk(body, ctx_type, len(caps))
        block = call.parent

        def at(op):
            block.insert_before(call, op)
            return op.results[0] if op.results else None

        ctx = _entry_alloca(call, ctx_type)
        packed = at(L.UndefOp.build(ctx_type))
        for k, v in enumerate(caps):
            packed = at(L.InsertValueOp.build(packed, v, [k]))
        at(L.StoreOp.build(packed, ctx))
        fp = at(L.AddressOfOp.build(thunks[body.sym].sym))
        cost = at(L.ConstantOp.build(body.attributes[BODY].value, T.i64))
        at(L.CallOp.build(runtime, [fp, ctx, begin, end, cost]))
        call.erase()


@register_pass
class ConvertParallelCalls(Pass):
    argument = "convert-parallel-calls"
    title = "ConvertParallelCalls"
    summary = "Calls of outlined parallel loops go through the runtime's thread pool"

    def run(self, op):
        convert_parallel_calls(op)


__all__ = ["outline", "cost_of", "convert_parallel_calls", "BODY", "RUNTIME"]
