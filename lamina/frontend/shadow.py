"""run_functions_eagerly("compare"): each call runs compiled and eagerly, from the same
Variable and random state, and the two runs are compared step by step; the first step whose
results differ is reported with its Python line and its IR, and, for a control-flow construct
or a gradient, the op inside it that differs.

The steps are those of the compiled function's entry block (a trace made with shadow=True
returns every step's results too, see `Steps`): each op, except that a control-flow construct
(lamina.cond / lamina.while, with the ops traced for it into the entry block) is one step, and
so is a gradient, whose ops eager execution computes otherwise (`Unit`s, noted by
control_flow.staged and one_step). The eager run's executor, `Recorder`, keeps the results of
the same steps: each op run at the top level, and each construct, which control flow runs
as Python (as eager execution does) through `Recorder.construct`, as one step whose results
are its outputs, in the order of the compiled op's results.

When a construct or a gradient differs, `locate` goes inside: it runs the function's IR with
the eager kernels (the eager run's own, vjp_programs.entry), from the state the call began
with, up to the construct; then runs the construct region by region (the branch taken, each
evaluation of a loop's condition and body), each region also outlined into a function of its
own (its block arguments and the values it uses from outside become arguments; it returns the
results of all its ops) and compiled, on the same inputs. The first op whose compiled result
differs from the eager kernel's is the one reported; a construct in the region that differs
is entered in turn. A gradient's ops are compared the same way, outlined together.
"""

from __future__ import annotations

import collections
import weakref

import numpy as np

from .. import errors
from ..dialects.func import FuncOp, ReturnOp
from ..dialects.lamina_ops.control import CondOp, WhileOp, YieldOp
from ..dialects.lamina_ops.elementwise import ConstantOp
from ..dialects.lamina_ops.io import PrintOp
from ..dialects.lamina_ops.state import AssignVariableOp, ReadVariableOp
from ..ir import types as T
from ..ir.builtin import ModuleOp
from ..ir.core import values_used_from_outside
from ..ir.printer import Printer, print_op
from . import random_state
from .function import _DTYPE_OF_IR, SHADOWING, _where
from .tensor import Tensor, wrap
from .variables import Variable
from .vjp_programs import entry

__all__ = ["Unit", "Steps", "Recorder", "report"]


# -- the steps of the compiled function ---------------------------------------------------------

class Unit:
    """Steps `start` to `end` (excluded) of a trace, in its entry block, that compare mode
    takes as one step: a control-flow construct (`op`: its lamina.cond / lamina.while; its
    other ops, such as a loop counter's start, have no eager counterpart) or a gradient
    (`op` None: eagerly computed by other ops). `results`: its results (SymbolicTensors),
    each at `paths[k]` of the Python outputs of the construct or gradient (None: not among
    them; an int k: the value after it of the Variable that is the function's argument #k),
    named `labels[k]` (the variable's, or None); `loc`: where it is."""

    __slots__ = ("start", "end", "op", "results", "paths", "loc", "labels")

    def __init__(self, start, end, op, results, paths, loc, labels):
        self.start, self.end, self.op = start, end, op
        self.results, self.paths, self.loc, self.labels = results, paths, loc, labels


class Steps:
    """The steps of a trace (a _Trace whose function is traced), in order: per step,
    `ops[i]` its op (a construct's; None: a gradient's ops), `spans[i]` the positions
    (first, end) of its ops in the entry block, `paths[i]` where a unit's results are in its
    Python outputs (None: an op) and `labels[i]` their names (autograph's variables'),
    `types[i]` its results' IR types, `where[i]` its file:line and, once `printed`,
    `text[i]` its IR. `results`: each step's results (SymbolicTensors), for the trace to
    return."""

    def __init__(self, trace):
        entry_block = trace.func.entry
        ends = collections.defaultdict(list)
        inside = set()
        for u in trace.units:
            ends[u.end].append(u)
            inside.update(range(u.start, u.end))
        steps = []   # (op, results, unit or None)
        for i in range(len(trace.steps) + 1):
            steps.extend((u.op, u.results, u) for u in ends.get(i, ()))
            if i < len(trace.steps) and i not in inside and \
                    trace.steps[i][0].parent is entry_block:
                steps.append((*trace.steps[i], None))
        position = {op: k for k, op in enumerate(entry_block)}
        self.ops = [op for op, _, _ in steps]
        self.results = [results for _, results, _ in steps]
        self.spans = [_span(op, u, trace, position) for op, _, u in steps]
        self.paths = [None if u is None else u.paths for _, _, u in steps]
        self.labels = [None if u is None else u.labels for _, _, u in steps]
        self.types = [[x.value.type for x in results] for _, results, _ in steps]
        self.where = [f"{loc.file}:{loc.line}" for loc in
                      (op.loc if u is None else u.loc for op, _, u in steps)]
        self._sizes = [None if op is not None else u.end - u.start for op, _, u in steps]
        self._block = entry_block
        self.text = None

    def printed(self, text):
        """The function (its entry block) is printed as `text`: take each step's IR from
        it."""
        of = _op_texts(self._block, text)
        self.text = [of[op] if op is not None else f"(a gradient: {n} ops)"
                     for op, n in zip(self.ops, self._sizes)]
        self._block = None


def _span(op, unit, trace, position):
    """The positions (first, end) in the entry block of the ops of a step."""
    if op is not None:
        return position[op], position[op] + 1
    at = [position[o] for o, _ in trace.steps[unit.start:unit.end] if o in position]
    return (min(at), max(at) + 1) if at else (0, 0)


def _op_texts(block, text, most=6):
    """Each op of `block` (a function's entry block, printed in `text`) -> its lines of
    `text`, the first `most` of them."""
    lines = text.splitlines()
    at = 2  # the module's line and the function's
    out = {}
    for op in block:
        n = print_op(op).count("\n") + 1
        own = [line.strip() if k == 0 else line[4:] for k, line in
               enumerate(lines[at:at + min(n, most)])]
        if n > most:
            own.append("  ...")
        out[op] = "\n  ".join(own)
        at += n
    return out


# -- the eager run --------------------------------------------------------------------------------

class Recorder:
    """The executor of compare mode's eager run of `cf` (a ConcreteFunction traced with
    shadow=True) on input leaves `inputs`: runs ops eagerly and keeps the results of each
    step (cf.shadow_steps): each op run at the top level, and each control-flow construct
    the trace staged (autograph's if/while/for, cond, while_loop, `and`/`or` on tensors) or
    gradient, run by `construct(run)` (its own ops run eagerly, as Python control flow, and
    are no steps).

    So that both runs take the same paths, it mirrors the trace's notion of a staged value:
    the inputs, the results of ops and constructs, and Variables are tensors "of the trace";
    a construct's outputs that the staged op returns become tensors of its result dtypes (a
    Python number the construct left becomes a tensor, as in the trace). Active as the
    executor and, for the control-flow code, as `SHADOWING.recorder` (`with recorder:`)."""

    def __init__(self, cf, inputs):
        self._cf = cf
        self._steps = cf.shadow_steps
        self._arguments = list(inputs) + cf.captured_inputs  # the function's, in order
        self.results = []         # per step: the eager results (None: not compared)
        self._depth = 0           # constructs being run
        self._staged = weakref.WeakValueDictionary()  # id -> the tensors of the trace
        self._dims = {}           # id -> the dims the trace gives one of them (None: dynamic)
        for x, spec in zip(inputs, cf.input_specs):
            if isinstance(x, Tensor):
                self._staged[id(x)] = x
                self._dims[id(x)] = spec.shape.as_list()
        self._saved = None

    def __enter__(self):
        self._saved = SHADOWING.recorder
        SHADOWING.recorder = self
        return self

    def __exit__(self, *exc):
        SHADOWING.recorder = self._saved

    def stages(self, x):
        """Whether the trace would stage control flow on `x` (a tensor of the trace)."""
        return isinstance(x, Variable) or self._staged.get(id(x)) is x

    def traced_dims(self, x):
        """The dims the trace gives tensor `x` (None: dynamic), if known (a tensor of the
        top level)."""
        return self._dims.get(id(x)) if self._staged.get(id(x)) is x else None

    def _stage(self, x, type=None):
        """`x` is a tensor of the trace (of IR `type` there, if known)."""
        self._staged[id(x)] = x
        if type is None:
            self._dims.pop(id(x), None)
        else:
            self._dims[id(x)] = [None if d == T.DYNAMIC else d for d in type.shape]

    def run_op(self, op, inputs, attrs):
        e = entry(op)
        out = e.eager(e, inputs, attrs)
        results = [] if out is None else list(out) if isinstance(out, tuple) else [out]
        if self._depth:
            for r in results:
                self._stage(r)
            return out
        i = len(self.results)
        steps = self._steps
        if i >= len(steps.ops) or steps.paths[i] is not None or \
                steps.ops[i].__class__ is not op:
            raise self._misaligned(f"{_where()}{op.opdef.name}")
        for r, t in zip(results, steps.types[i]):
            self._stage(r, t)
        self.results.append(results)
        return out

    def construct(self, run):
        """run() -> the Python outputs of a construct the trace staged or of a gradient
        (nested lists, tuples, dicts), running it eagerly: those outputs, as the trace has
        them."""
        self._depth += 1
        try:
            out = run()
            if self._depth == 1:
                out = self._step(out)
        finally:
            self._depth -= 1
        return out

    def _step(self, out):
        """Record the step of a construct or gradient with outputs `out` (at the top level);
        `out` with the unit's results as tensors of the trace."""
        from .control_flow import flatten, is_undefined, pack, tensor_of
        i = len(self.results)
        paths = self._steps.paths[i] if i < len(self._steps.paths) else None
        if paths is None:
            raise self._misaligned(f"{_where()}a control-flow construct or gradient")
        leaves, where = [], []
        tree = flatten(out, "", leaves, where)
        position = {p: k for k, p in enumerate(where)}
        results = []
        for p, type in zip(paths, self._steps.types[i]):
            if p.__class__ is int:  # the value of the function's argument #p, a Variable
                results.append(wrap(self._arguments[p]._array.copy()))
                continue
            k = position.get(p)
            t = None if k is None or is_undefined(leaves[k]) else tensor_of(
                leaves[k], _DTYPE_OF_IR[type.element_type])
            if t is None:
                results.append(None)
                continue
            self._stage(t, type)
            leaves[k] = t
            results.append(t)
        self.results.append(results)
        return pack(tree, iter(leaves))

    def _misaligned(self, what):
        """The internal error of an eager run that does not take the steps of the trace."""
        i = len(self.results)
        steps = self._steps
        if i < len(steps.ops):
            want = ("a control-flow construct or gradient" if steps.ops[i] is None else
                    steps.ops[i].name) + f" at {steps.where[i]}"
        else:
            want = f"nothing (the compiled function has {len(steps.ops)} steps)"
        return errors.InternalError(
            None, None, f"run_functions_eagerly('compare') cannot match the eager run of "
                        f"{self._cf.name} with its compiled function: step #{i} is {what} "
                        f"eagerly, {want} in the trace (does the Python function do other "
                        f"things when traced, e.g. on tf.executing_eagerly()?)")

    def difference(self, compiled):
        """(step, result, what differs) for the first step whose `compiled` results differ
        from the eager ones, or None."""
        if len(self.results) != len(compiled):
            raise self._misaligned("the end of the function")
        for i, (got, eager) in enumerate(zip(compiled, self.results)):
            for k, (g, e) in enumerate(zip(got, eager)):
                problem = None if e is None else difference(g, e)
                if problem:
                    return i, k, problem
        return None


def difference(got, want, rtol=1e-5, atol=1e-6):
    """What differs between a compiled and an eager result ('' if nothing)."""
    g, w = got._array, want._array
    if g.dtype != w.dtype or g.shape != w.shape:
        return f"compiled {g.dtype}{list(g.shape)}, eager {w.dtype}{list(w.shape)}"
    if w.dtype.kind == "f":
        bad = ~np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    else:
        bad = g != w
    if not bad.any():
        return ""
    at = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"{int(bad.sum())} of {w.size} elements, first at {list(at)}: compiled "
            f"{g[at].item()!r}, eager {w[at].item()!r}")


def report(cf, name, found, leaves, variables, saved, rng):
    """The ShadowMismatchError's message for `found` ((step, result, what differs), of
    Recorder.difference) in function `name` traced as `cf`, called on input `leaves`, with
    `variables` and their `saved` values and the random state `rng` the call began with."""
    i, k, problem = found
    steps = cf.shadow_steps
    paths = steps.paths[i]
    label = None if paths is None else steps.labels[i][k]
    what = ("the value of a Variable it assigns" if paths is not None and
            paths[k].__class__ is int else f"result #{k}, '{label}'" if label else
            f"result #{k}")
    message = (f"{steps.where[i]}: in {name}, op #{i} ({what}) differs between compiled and "
               f"eager execution: {problem}\n  {steps.text[i]}")
    if paths is None:
        return message
    try:
        inside = locate(cf, i, leaves + cf.captured_inputs,
                        {id(v): a for v, a in zip(variables, saved)}, rng)
    except Exception as e:  # the report of the step stands without it
        return message + f"\n(the ops inside it could not be compared: {type(e).__name__}: {e})"
    if not inside:
        return message + ("\ninside it, no op differs between its compiled code and the eager "
                          "kernels run on the IR region by region: the construct's own "
                          "compilation differs, or its trace from what the Python code does "
                          "eagerly")
    return message + "\ninside it:\n" + "\n".join(inside)


# -- inside a construct or gradient -------------------------------------------------------------

class _Buffer:
    """A Variable's buffer, as the eager runners of the state ops take a Variable."""

    __slots__ = ("_array",)

    def __init__(self, array):
        self._array = array


def _op_text(op, names, most=6):
    """The first `most` lines of `op` printed with the value `names` of its function's
    printed text."""
    p = Printer()
    p.names = dict(names)
    p.print_op(op, top=False)
    lines = p.result().splitlines()
    return "\n  ".join(lines[:most] + (["  ..."] if len(lines) > most else []))


def _line_of(op):
    loc = op.loc
    return f"{getattr(loc, 'file', '<unknown>')}:{getattr(loc, 'line', 0)}"


class _Found(Exception):
    """The op that differs: the report's lines, innermost last."""

    def __init__(self, lines):
        self.lines = lines


class _Run:
    """Runs IR with the eager kernels: `env` maps each value computed so far to its array
    (a Variable's to its _Buffer), and compares regions with their compiled code."""

    def __init__(self, names):
        self.env = {}
        self.names = names    # each value's name in the function's printed text
        self._compiled = {}   # a block, or a tuple of ops -> what _outline gives

    # -- running with the eager kernels --------------------------------------------------------
    def op(self, op):
        """Run `op` eagerly; its results' arrays (also put into env)."""
        env = self.env
        c = op.__class__
        if c is ConstantOp:
            out = [op.properties["value"].array]
        elif c is CondOp or c is WhileOp:
            return self.control(op, self.block)
        elif c is PrintOp:
            out = []   # printed by the eager run already
        else:
            inputs = [x if isinstance(x, _Buffer) else wrap(x)
                      for x in (env[v] for v in op.operands)]
            attrs = op.reference_attrs() if hasattr(op, "reference_attrs") else {}
            e = entry(c)
            r = e.eager(e, inputs, attrs)
            out = [] if r is None else [x._array for x in (r if isinstance(r, tuple) else [r])]
        for v, a in zip(op.results, out):
            env[v] = a
        return out

    def block(self, block, args, where=None):
        """Run a region's block on its arguments' arrays; what it yields."""
        for a, x in zip(block.args, args):
            self.env[a] = x
        for op in block:
            if op.__class__ is YieldOp:
                return [self.env[v] for v in op.operands]
            self.op(op)
        return []

    def _state(self):
        return ([(b, b._array.copy()) for b in self.env.values() if isinstance(b, _Buffer)],
                random_state.STATE.copy())

    @staticmethod
    def _restore(state):
        buffers, rng = state
        for b, a in buffers:
            np.copyto(b._array, a)
        random_state.STATE[:] = rng

    def control(self, op, run_block):
        """Run control-flow op `op`, each of its regions' blocks as run_block(block, its
        arguments' arrays, which execution of it this is) -> what it yields; its results."""
        env = self.env
        if op.__class__ is CondOp:
            k = 0 if env[op.operands[0]] else 1
            out = run_block(op.regions[k].blocks[0], [],
                            f"in its {('true', 'false')[k]} branch")
        else:
            cond, body = (r.blocks[0] for r in op.regions)
            out = [env[v] for v in op.operands]
            i = 0
            while run_block(cond, out, f"in its condition, iteration {i}")[0]:
                out = run_block(body, out, f"in its body, iteration {i}")
                i += 1
        for v, a in zip(op.results, out):
            env[v] = a
        return out

    # -- comparing -------------------------------------------------------------------------------
    def construct(self, op):
        """Run control-flow op `op` region by region, each region compared with its compiled
        code (raising _Found for the first op that differs); its results."""
        return self.control(op, self.checked)

    def checked(self, ops, args, where):
        """`ops` (a region's block, or ops of the entry block) run on `args` (the block's
        arguments' arrays) with the eager kernels, and by their compiled code on the same
        inputs (with the same Variable and random state): _Found at the first op whose
        results differ (inside it, if it is a construct); else what a block yields."""
        params = list(ops.args) if hasattr(ops, "args") else []
        code, captured, compared = self._outline(ops, params)
        before = self._state()
        for a, x in zip(params, args):
            self.env[a] = x
        inputs = [np.array(x._array if isinstance(x, _Buffer) else x, copy=True)
                  for x in args + [self.env[v] for v in captured]]
        compiled = iter(code(*inputs))
        self._restore(before)
        for op in ops:
            if op.__class__ is YieldOp:
                return [self.env[v] for v in op.operands]
            state = self._state() if op.regions else None
            out = self.op(op)
            written = compared.get(op)
            if written is None:
                continue
            out = out + [self.env[v]._array.copy() for v in written]
            for k, (want, got) in enumerate(zip(out, [next(compiled) for _ in out])):
                problem = difference(wrap(np.asarray(got)), wrap(np.asarray(want)))
                if not problem:
                    continue
                what = (f"result #{k}" if k < len(op.results) else
                        "the value of a Variable it assigns")
                here = (f"{_line_of(op)}: {where}: {op.name} ({what}) differs between "
                        f"compiled and eager execution: {problem}\n  {_op_text(op, self.names)}")
                if op.regions:
                    self._restore(state)
                    try:
                        self.construct(op)
                    except _Found as inner:
                        raise _Found([here] + inner.lines) from None
                raise _Found([here])
        return []

    def _outline(self, ops, params):
        """`ops` as a compiled function of (`params`, the values from outside that they use)
        returning their results (not a yield's operands, nor prints), and after each
        construct the values of the Variables it assigns; the entry point, those outside
        values, and {op with results or a construct: the Variables whose values follow its
        results}."""
        key = ops if hasattr(ops, "args") else tuple(ops)
        hit = self._compiled.get(key)
        if hit is not None:
            return hit
        captured = values_used_from_outside(ops, params)
        func = FuncOp.build("shadow_region", T.FunctionType([], []))
        mapping = {}
        for v in params + captured:
            mapping[v] = func.entry.add_argument(v.type)
        compared, results = {}, []
        for op in ops:
            if op.__class__ in (YieldOp, PrintOp):
                continue
            new = op.clone(mapping)
            func.entry.append(new)
            written = list({o.operands[0]: None for o in op.walk()
                            if o.__class__ is AssignVariableOp} if op.regions else ())
            if op.results or written:
                compared[op] = written
                results.extend(new.results)
                for v in written:
                    read = ReadVariableOp(mapping.get(v, v))
                    func.entry.append(read)
                    results.append(read.results[0])
        func.entry.append(ReturnOp(results))
        func.properties["function_type"].value = T.FunctionType(
            [a.type for a in func.entry.args], [v.type for v in results])
        from ..driver import compile_module
        executable = compile_module(ModuleOp([func]))
        hit = self._compiled[key] = (executable.entries[func.sym], captured, compared)
        return hit


def locate(cf, step, inputs, variables, rng):
    """The report's lines for step `step` of `cf` (a shadow ConcreteFunction), a control-flow
    construct or gradient whose results differ: where inside it an op differs, innermost
    last ([]: none does when each of its regions is compiled on its own). `inputs`: the
    call's input leaves and captures (the function's arguments, in order); `variables`:
    id(Variable) -> its value when the call began; `rng`: the random state then. The
    Variables and the random state are left as they were."""
    from ..ir import parse
    module = parse(cf._text, f"<{cf.name}>")
    func = next(iter(module.regions[0].blocks[0]))
    ops = list(func.entry)
    first, end = cf.shadow_steps.spans[step]
    printer = Printer()
    printer.print_op(func)
    run = _Run(printer.names)
    for a, x in zip(func.entry.args, inputs):
        run.env[a] = _Buffer(variables[id(x)].copy()) if id(x) in variables else x._array
    saved = random_state.STATE.copy()
    random_state.STATE[:] = rng
    try:
        for op in ops[:first]:
            run.op(op)
        if end - first == 1 and ops[first].regions:
            run.construct(ops[first])
        else:
            run.checked(ops[first:end], [], "in the gradient")
    except _Found as found:
        return found.lines
    finally:
        random_state.STATE[:] = saved
    return []
