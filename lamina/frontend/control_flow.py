"""`cond` and `while_loop` (TensorFlow 2's tf.cond and tf.while_loop), and the machinery that
autograph's `if`/`while`/`for` share with them.

Eagerly (and whenever the predicate is not a tensor of the function being traced), they are
Python: `cond` calls one branch, `while_loop` loops. While `function` traces, a predicate that
is a tensor of the trace stages a `lamina.cond` / `lamina.while`: each branch, the loop's
condition and its body are Python traced into the op's region blocks (the tracer's
`_Trace.region`), using the values of the enclosing blocks directly.

Outputs are nested structures (lists, tuples, namedtuples, dicts) of tensors; Python numbers
among them become tensors (of the dtype of the tensor they meet on the other side, if any). A
value both branches leave as it was (the same object) passes through as it is. Results of
different static shapes become dynamic dims (a region may yield a more static type than its
op's result); a loop whose carried values change shape from one iteration to the next is
traced again with those dims dynamic. Loop variables keep their dtype (a Python number takes
the dtype the body gives it).

For run_functions_eagerly("compare"), whose eager run takes each staged construct as one step
of the function: the trace notes each construct it stages (`staged`), and the eager run's
recorder runs, as one step, the Python control flow that the trace would have staged (`shadow`
says when).
"""

from __future__ import annotations

import numpy as np

from ..dialects.lamina_ops.control import CondOp, WhileOp, YieldOp
from ..dialects.lamina_ops.elementwise import ConstantOp
from ..dialects.lamina_ops.state import AssignVariableOp, ReadVariableOp
from ..ir import types as T
from ..ir.core import Block, Region
from . import dtypes as D
from .context import ctx
from .execute import convert_to_tensor
from .function import (SHADOWING, SymbolicTensor, _Trace, _ir_tensor_type, _is_namedtuple,
                       _user_location, _where)
from .ops import logical_and
from .shadow import Unit
from .tensor import EagerTensor, Tensor
from .tensor_shape import TensorShape
from .variables import Variable

__all__ = ["cond", "while_loop", "Undefined", "is_undefined", "tracing", "is_symbolic",
           "trace_cond", "trace_while", "flatten", "pack", "tensor_of", "is_number",
           "bool_scalar", "same_python", "describe", "placeholder", "staged", "one_step",
           "shadow", "stages"]


# -- undefined values -----------------------------------------------------------------------------

class Undefined:
    """The value of a variable that has none here (autograph: undefined before a statement, or
    defined on one path only). Any use is an error that says why."""

    __slots__ = ("name", "why")

    # a placeholder value (zeros of the type the other side has) may stand in for it: the
    # value is never read where it is undefined (autograph's return value)
    placeholder_ok = False

    def __init__(self, name, why=None):
        self.name = name
        self.why = why

    def error(self):
        why = self.why or f"'{self.name}' is used before it is assigned a value"
        return NameError(f"{_where()}{why}")

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise self.error()

    def __tf_tensor__(self, dtype=None, name=None):
        raise self.error()

    def __bool__(self):
        raise self.error()

    def __iter__(self):
        raise self.error()

    def __call__(self, *args, **kwargs):
        raise self.error()

    def __repr__(self):
        return f"<undefined {self.name}>"


def _undefined_operator(*args):
    for a in args:
        if isinstance(a, Undefined):
            raise a.error()
    return NotImplemented


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
            "xor", "lt", "le", "gt", "ge", "getitem", "neg", "pos", "abs", "invert", "len",
            "index", "int", "float"):
    setattr(Undefined, f"__{_op}__", _undefined_operator)
    if _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
               "xor"):
        setattr(Undefined, f"__r{_op}__", _undefined_operator)
del _op


def is_undefined(x):
    return isinstance(x, Undefined)


# -- what is staged -------------------------------------------------------------------------------

def tracing():
    """The trace of the function being traced on this thread, or None."""
    ex = ctx.executor
    return ex if isinstance(ex, _Trace) else None


def is_symbolic(x):
    """Whether `x` is a tensor of the function being traced (a Variable there reads as one)."""
    if x.__class__ is SymbolicTensor:
        return True
    return isinstance(x, Variable) and tracing() is not None


def shadow(x):
    """run_functions_eagerly("compare")'s eager run (its recorder: shadow.Recorder)
    when the trace stages control flow on `x`, else None: it runs the construct as Python
    through `recorder.construct(run)`, as one step."""
    recorder = SHADOWING.recorder
    return recorder if recorder is not None and recorder.stages(x) else None


def stages(x):
    """Whether the function being traced stages what is done with `x` (`x` is a tensor of
    the trace, or compare mode's eager run would have it so)."""
    return is_symbolic(x) or shadow(x) is not None


def staged(trace, stage, names=None):
    """stage() stages one control-flow construct (its lamina.cond / lamina.while the last op
    it puts where the trace is) and returns the construct's Python outputs (nested lists,
    tuples, dicts; a tuple of the values of the variables `names`, for a statement), which
    this returns. The trace notes where each result of the op is among them: compare mode
    runs the construct eagerly as one step with those outputs."""
    if not trace.shadow:
        return stage()
    start = len(trace.steps)
    out = stage()
    op = next(op for op, _ in reversed(trace.steps) if op.parent is trace.block)
    variables = []
    if trace.block is trace.func.entry:
        # a construct may change Variables only: compare mode compares their values after it
        written = {o.operands[0]: None for o in op.walk() if o.__class__ is AssignVariableOp}
        for v in written:
            (r,) = trace.emit(ReadVariableOp(v))
            variables.append((r.value, v.index))
    _unit(trace, start, out, op.results, op, op.loc, variables, names)
    return out


def one_step(run):
    """run() -> Python outputs (nested lists, tuples, dicts) that a traced function computes
    by other ops than eager execution does (a gradient): compare mode takes them as one step,
    whose results are the tensors among them."""
    trace = tracing()
    if trace is not None:
        if not trace.shadow:
            return run()
        start = len(trace.steps)
        loc = _user_location()
        out = run()
        leaves = []
        flatten(out, "", leaves, [])
        values = {x.value: None for x in leaves
                  if x.__class__ is SymbolicTensor and x._trace is trace}
        _unit(trace, start, out, list(values), None, loc)
        return out
    recorder = SHADOWING.recorder
    return run() if recorder is None else recorder.construct(run)


def _unit(trace, start, out, values, op, loc, variables=(), names=None):
    """Note steps `start`.. of `trace`, at its entry block, as one for compare mode: its
    results `values`, found among the Python outputs `out` (of the variables `names`, if
    given), then the values read of `variables` ((value, the index of the Variable's
    function argument) pairs)."""
    if trace.block is not trace.func.entry:
        return
    leaves, paths = [], []
    flatten(out, "", leaves, paths)
    where = {}
    for x, p in zip(leaves, paths):
        if x.__class__ is SymbolicTensor:
            where.setdefault(x.value, p)
    paths = [where.get(v) for v in values]
    labels = [None if p is None or names is None else _label(names, p) for p in paths]
    trace.units.append(Unit(start, len(trace.steps), op,
                            [SymbolicTensor(v, trace) for v in list(values) +
                             [v for v, _ in variables]],
                            paths + [k for _, k in variables], loc,
                            labels + [None] * len(variables)))


def flatten(x, path, leaves, paths):
    """The structure of `x` (lists, tuples, namedtuples, dicts; anything else is a leaf),
    appending its leaves and their names (`path`, `path[0]`, `path['k']`)."""
    c = x.__class__
    if c is list or c is tuple or _is_namedtuple(x):
        return (c, tuple(flatten(y, f"{path}[{i}]", leaves, paths) for i, y in enumerate(x)))
    if isinstance(x, dict):
        return (c, tuple(x), tuple(flatten(x[k], f"{path}[{k!r}]", leaves, paths) for k in x))
    leaves.append(x)
    paths.append(path)
    return None


def pack(tree, it):
    if tree is None:
        return next(it)
    c = tree[0]
    if isinstance(c, type) and issubclass(c, dict):
        return c((k, pack(t, it)) for k, t in zip(tree[1], tree[2]))
    items = [pack(t, it) for t in tree[1]]
    return c(*items) if c is not list and c is not tuple else c(items)


def is_number(x):
    return x.__class__ in (bool, int, float) or isinstance(x, (np.generic, np.ndarray))


def tensor_of(x, dtype=None):
    """`x` as a tensor, or None if it is no tensor and no number."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Variable):
        return x.read_value()
    if is_number(x):
        return convert_to_tensor(x, dtype)
    return None


def bool_scalar(trace, pred, what):
    """The IR value of a scalar bool predicate."""
    t = tensor_of(pred)
    if t is None:
        raise TypeError(f"{_where()}{what}: the predicate must be a bool tensor, got {pred!r}")
    if t.dtype != D.bool or t.shape.rank != 0:
        raise TypeError(f"{_where()}{what}: the predicate must be a scalar bool tensor, got "
                        f"{t!r} (reduce it, e.g. with lamina.reduce_any, or compare it)")
    return trace.value_of(t)


def _join(a, b, what):
    """The IR type of a result that is `a` on one side and `b` on the other (tensor types)."""
    if a.element_type != b.element_type:
        raise TypeError(f"{_where()}{what}")
    if len(a.shape) != len(b.shape):
        raise TypeError(f"{_where()}{what}")
    if a.shape == b.shape:
        return a
    return T.RankedTensorType([p if p == q else T.DYNAMIC for p, q in zip(a.shape, b.shape)],
                              a.element_type)


def _type_text(t):
    """`a float32 (2, None) tensor` for tensor type `t`."""
    dims = [None if d == T.DYNAMIC else d for d in t.shape]
    name = _DTYPE_NAME[t.element_type]
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name} {TensorShape(dims)} tensor"


_DTYPE_NAME = {d.ir_type: d.name for d in D.ALL}


def placeholder(trace, t):
    """A constant that refines tensor type `t` (dynamic dims empty), as a value of the
    trace."""
    shape = [0 if d == T.DYNAMIC else d for d in t.shape]
    static = T.RankedTensorType(shape, t.element_type)
    dtype = [d for d in D.ALL if d.ir_type == t.element_type][0]
    op = ConstantOp.build(np.zeros(shape, dtype.as_numpy_dtype), static)
    return trace.emit(op)[0]


# -- conditionals ---------------------------------------------------------------------------------

def trace_cond(trace, pred, branches, what="cond", names=None):
    """Stage `lamina.cond` on IR value `pred`: trace each of the two `branches` (callables
    returning a structure) into a region, and return the merged structure. `names`: the
    names of the top-level items of the outputs (autograph's variables), for messages."""
    blocks, outs = [], []
    for fn in branches:
        block = Block()
        with trace.region(block):
            outs.append(fn())
        blocks.append(block)
    flat = []
    for out in outs:
        leaves, paths = [], []
        tree = flatten(out, "", leaves, paths)
        flat.append((tree, leaves, paths))
    (t0, l0, paths), (t1, l1, _) = flat
    if t0 != t1:
        if names is not None:
            for i, name in enumerate(names):
                if flatten(outs[0][i], "", [], []) != flatten(outs[1][i], "", [], []):
                    raise TypeError(
                        f"{_where()}'{name}' has a different structure in the two branches of "
                        f"this `if` ({describe(outs[0][i])} and {describe(outs[1][i])}): "
                        f"give it the same nesting of lists, tuples and dicts in both")
        raise TypeError(f"{_where()}true_fn and false_fn arguments to {what} must have the "
                        f"same number, type, and overall structure of return values "
                        f"({describe(outs[0])} and {describe(outs[1])})")
    if names is not None:
        paths = [_label(names, p) for p in paths]
    else:
        paths = [f"output{p}" if p else "the output" for p in paths]
    merged = [None] * len(l0)
    pending = []              # (leaf index, value on each side)
    for i, (a, b) in enumerate(zip(l0, l1)):
        if a is b:
            merged[i] = a
            continue
        ua, ub = is_undefined(a), is_undefined(b)
        if ua and ub:
            merged[i] = a
            continue
        if (ua or ub) and not (a if ua else b).placeholder_ok:
            side = "true" if ub else "false"
            merged[i] = Undefined(paths[i], f"'{paths[i]}' is defined only in the {side} "
                                            f"branch of the conditional at {_where()[:-2]} "
                                            f"(it must have a value after it in both cases: "
                                            f"assign it in both branches, or before the `if`)")
            continue
        dtype = None
        for x in (a, b):
            if isinstance(x, (Tensor, Variable)):
                dtype = x.dtype
        if not (ua or ub) and (tensor_of(a, dtype) is None or tensor_of(b, dtype) is None):
            if same_python(a, b):
                merged[i] = a
                continue
            raise TypeError(f"{_where()}'{paths[i]}' is {describe(a)} in one branch and "
                            f"{describe(b)} in the other of a conditional on a tensor: the "
                            f"branches may only differ in tensors (and numbers)")
        pending.append((i, a, b, dtype))
    results = [[], []]
    types = []
    for k, block in enumerate(blocks):
        with trace.region(block):
            for i, a, b, dtype in pending:
                x = (a, b)[k]
                results[k].append(None if is_undefined(x) else tensor_of(x, dtype))
    for j, (i, *_rest) in enumerate(pending):
        ta, tb = (None if r[j] is None else _ir_tensor_type(r[j].shape.as_list(), r[j].dtype)
                  for r in results)
        t = ta if tb is None else tb if ta is None else _join(
            ta, tb, f"'{paths[i]}' is {_type_text(ta)} in one branch and "
                    f"{_type_text(tb)} in the other of a conditional: the branches must "
                    f"agree on dtype and rank")
        types.append(t)
    for k, block in enumerate(blocks):
        with trace.region(block):
            values = []
            for j, t in enumerate(types):
                x = results[k][j]
                values.append(placeholder(trace, t).value if x is None else trace.value_of(x))
            block.append(YieldOp(values))
    op = CondOp(pred, result_types=types, regions=[Region([blocks[0]]), Region([blocks[1]])])
    for (i, *_rest), r in zip(pending, trace.emit(op)):
        merged[i] = r
    return pack(t0, iter(merged))


def same_python(a, b):
    if a.__class__ is not b.__class__:
        return False
    if a.__class__ in (str, bytes, type(None)):
        return a == b
    return a is b


def describe(x):
    if is_undefined(x):
        return "undefined"
    if x is None:
        return "None"
    if isinstance(x, Tensor):
        name = x.dtype.name
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name} tensor of shape {x.shape}"
    return f"{type(x).__name__} {x!r}" if x.__class__ in (int, float, bool, str) else \
        f"a {type(x).__name__}"


def _label(names, path):
    """`x[0]` for path `[0][0]` of autograph's variables `names`."""
    i = int(path[1:path.index("]")])
    return names[i] + path[path.index("]") + 1:]


def cond(pred, true_fn=None, false_fn=None, name=None):
    """true_fn() if `pred` else false_fn(); staged as `lamina.cond` when `pred` is a tensor of
    a function being traced (both branches are traced; they must return the same structure of
    tensors, of the same dtypes)."""
    if not callable(true_fn):
        raise TypeError("true_fn must be callable.")
    if not callable(false_fn):
        raise TypeError("false_fn must be callable.")
    trace = tracing()
    if trace is None or not is_symbolic(pred):
        recorder = shadow(pred)
        if recorder is not None:
            return recorder.construct(lambda: true_fn() if _python_bool(pred) else false_fn())
        return true_fn() if _python_bool(pred) else false_fn()
    return staged(trace, lambda: trace_cond(trace, bool_scalar(trace, pred, "cond"),
                                            (true_fn, false_fn)))


def _python_bool(pred):
    if isinstance(pred, EagerTensor) and (pred.dtype != D.bool or pred.shape.rank != 0):
        raise TypeError(f"{_where()}the predicate must be a scalar bool tensor, got {pred!r}")
    return bool(pred)


# -- loops ----------------------------------------------------------------------------------------

def trace_while(trace, inits, cond_fn, body_fn, names):
    """Stage `lamina.while` over the flat list `inits` (tensors, or numbers: those take the
    dtype the body gives them): cond_fn(values) -> a scalar bool tensor, body_fn(values) ->
    the next values (a list as long). `names` name the values in messages. Returns the
    results as tensors."""
    weak = [not isinstance(x, (Tensor, Variable)) for x in inits]
    tensors = [tensor_of(x) for x in inits]
    for n, t, x in zip(names, tensors, inits):
        if t is None:
            raise TypeError(f"{_where()}loop variable '{n}' is {describe(x)}: a loop on a "
                            f"tensor carries tensors (and numbers) only")
    init_values = [trace.value_of(t) for t in tensors]
    types = [v.type for v in init_values]
    speculate = any(weak)
    while True:
        start = len(trace.steps)
        cond_block, body_block = Block(types), Block(types)
        try:
            retype = _trace_loop_regions(trace, cond_block, body_block, cond_fn, body_fn,
                                         names, types, weak, inits, init_values, speculate)
        except BaseException:
            trace.discard((cond_block, body_block), start)
            raise
        if retype is None:
            break
        trace.discard((cond_block, body_block), start)
        types = retype
        speculate = False
    op = WhileOp(init_values, result_types=types,
                 regions=[Region([cond_block]), Region([body_block])])
    return trace.emit(op)


def _trace_loop_regions(trace, cond_block, body_block, cond_fn, body_fn, names, types, weak,
                        inits, init_values, speculate):
    """Trace the condition and the body of a loop carrying `types` into their blocks; None
    if the body keeps the types, else the types to trace them again with (more dynamic
    dims; a number's dtype taken from the body, changing `init_values`). `speculate`: the
    numbers among the initial values enter the body as they are, to learn the dtype the
    body gives them (`total = 0; ...; total += x` carries x's dtype); the types found are
    traced again."""
    with trace.region(cond_block):
        c = cond_fn([SymbolicTensor(a, trace) for a in cond_block.args])
        cond_block.append(YieldOp([bool_scalar(trace, c, "while_loop condition")]))
    with trace.region(body_block):
        args = [SymbolicTensor(a, trace) for a in body_block.args]
        if speculate:
            args = [x if w else a for x, w, a in zip(inits, weak, args)]
        outs = body_fn(args)
        if len(outs) != len(types):
            raise TypeError(f"{_where()}the loop body returned {len(outs)} values for "
                            f"{len(types)} loop variables")
        new_types = []
        retype = False
        for i, (n, t, out) in enumerate(zip(names, types, outs)):
            if is_undefined(out):
                raise out.error()
            dtype = _DTYPE_OF.get(t.element_type)
            o = tensor_of(out, dtype if is_number(out) else None)
            if o is None:
                raise TypeError(f"{_where()}loop variable '{n}' is {describe(out)} after "
                                f"an iteration: a loop on a tensor carries tensors only")
            ot = _ir_tensor_type(o.shape.as_list(), o.dtype)
            if ot.element_type != t.element_type:
                if weak[i]:
                    weak[i] = False
                    init_values[i] = _number_value(trace, inits[i], o.dtype)
                    new_types.append(init_values[i].type)
                    retype = True
                    continue
                raise TypeError(
                    f"{_where()}'{n}' has dtype {_DTYPE_NAME[t.element_type]} before the "
                    f"loop, but dtype {o.dtype.name} after one iteration: a loop "
                    f"variable keeps its dtype (cast it, or give it the loop's dtype "
                    f"before the loop)")
            if len(ot.shape) != len(t.shape):
                raise TypeError(
                    f"{_where()}'{n}' has rank {len(t.shape)} before the loop, but "
                    f"rank {len(ot.shape)} after one iteration: a loop variable keeps "
                    f"its rank")
            joined = _join(t, ot, "")
            retype |= joined != t
            new_types.append(joined)
            outs[i] = o
        if speculate:
            weak[:] = [False] * len(weak)
            return new_types
        if not retype:
            body_block.append(YieldOp([trace.value_of(o) for o in outs]))
    return new_types if retype else None


_DTYPE_OF = {d.ir_type: d for d in D.ALL}


def _number_value(trace, x, dtype):
    """The IR value of number `x` as a tensor of `dtype`."""
    return trace.value_of(convert_to_tensor(x, dtype))


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; staged as
    `lamina.while` when the condition is a tensor of a function being traced. `loop_vars`: a
    (nested) tuple or list of tensors (a single tensor: cond and body take and return it);
    the result has its structure. At most `maximum_iterations` iterations if given.
    `shape_invariants` and TF's other tuning arguments are accepted and not needed: values
    whose shape changes from one iteration to the next get dynamic dims by themselves."""
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    multiple = isinstance(loop_vars, (list, tuple)) and not _is_namedtuple(loop_vars)
    if multiple and not loop_vars:
        raise ValueError("loop_vars must be a non-empty list or tuple")

    def call(fn, values):
        return fn(*values) if multiple else fn(values)

    def next_values(values):
        out = call(body, values)
        if multiple:
            if len(values) == 1 and (out.__class__ not in (list, tuple)):
                out = [out]
            if isinstance(out, (list, tuple)) and not _is_namedtuple(out):
                out = type(loop_vars)(out)
        return out

    trace = tracing()
    flat, paths = [], []
    tree = flatten(loop_vars, "", flat, paths)
    names = [f"loop_vars{p}" if multiple or p else "loop_vars" for p in paths]
    first = None

    def python_loop():
        values, i = loop_vars, 0
        while maximum_iterations is None or i < maximum_iterations:
            c = first if first is not None and i == 0 else call(cond, values)
            if not _python_bool(c):
                break
            values = next_values(values)
            _check_structure(tree, values)
            i += 1
        return values

    if trace is None:
        recorder = SHADOWING.recorder
        if recorder is not None and (any(recorder.stages(x) for x in flat) or
                                     recorder.stages(first := call(cond, loop_vars))):
            return recorder.construct(python_loop)
        return python_loop()
    if not any(is_symbolic(x) for x in flat) and not is_symbolic(
            first := call(cond, loop_vars)):
        # on Python values whose condition is no tensor of the trace
        return python_loop()
    counted = maximum_iterations is not None
    inits = flat + ([convert_to_tensor(0)] if counted else [])
    names = names + (["iteration count"] if counted else [])

    def cond_fn(values):
        c = call(cond, pack(tree, iter(values)))
        if counted:
            c = logical_and(tensor_of(c), values[-1] < maximum_iterations)
        return c

    def body_fn(values):
        out = next_values(pack(tree, iter(values)))
        _check_structure(tree, out)
        leaves = []
        flatten(out, "", leaves, [])
        return leaves + ([values[-1] + 1] if counted else [])

    return staged(trace, lambda: pack(tree, iter(trace_while(trace, inits, cond_fn, body_fn,
                                                             names))))


def _check_structure(tree, values):
    if flatten(values, "", [], []) != tree:
        raise TypeError(f"{_where()}the loop body must return the structure of loop_vars, "
                        f"got {values!r}")
