"""The runtime of converted code (`ag__` there): each operator decides, when the function runs,
between Python and staged control flow. A condition that is a tensor of the function being
traced stages `lamina.cond` / `lamina.while` (control_flow.py); anything else is Python, so
Python control flow on Python values stays Python (loops unrolled, conditions specialised).

Statements pass their variables as `get_state()` / `set_state(values)` over the `names` they
assign. In a staged loop, a variable with a tensor or number value before the loop is carried
(as are nested structures of them); one with no value before the loop is the body's own (and
has none after it); any other Python value must be left as it is.

In run_functions_eagerly("compare")'s eager run, what the trace stages runs as Python, each
construct as one step of the run (control_flow.shadow / staged).
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import ops
from ..context import ctx
from ..control_flow import (Undefined, bool_scalar, describe, flatten, is_number, is_symbolic,
                            is_undefined, pack, placeholder, same_python, shadow, staged,
                            stages, tensor_of, trace_cond, trace_while, tracing)
from ..function import SymbolicTensor, _ir_tensor_type, _where
from ..tensor import Tensor
from ..variables import Variable
from .conversion import converted

__all__ = ["UndefinedReturnValue", "ld", "ret", "retval", "if_stmt", "while_stmt", "for_stmt",
           "and_", "or_", "not_", "if_exp", "py_test", "assert_stmt", "converted_call"]


class UndefinedReturnValue(Undefined):
    """`retval_` before a `return` ran: where it is undefined it is never read (`do_return`
    says so), so a placeholder may stand in for it."""

    __slots__ = ()
    placeholder_ok = True

    def __init__(self):
        super().__init__("retval_")


def ld(frame_locals, name):
    """The value of local `name`, or an Undefined if it has none yet."""
    if name in frame_locals:
        return frame_locals[name]
    return Undefined(name, f"cannot access local variable '{name}' where it is not "
                           f"associated with a value")


def ret(value):
    """A returned value, which must be defined."""
    leaves = []
    flatten(value, "", leaves, [])
    for x in leaves:
        if is_undefined(x):
            raise x.error()
    return value


def retval(value, do_return, falls_off):
    """The function's result after its `return`s became `do_return`/`retval_` flags."""
    if is_symbolic(do_return) and falls_off:
        raise ValueError(f"{_where()}this function returns a value on some paths and None on "
                         f"others, depending on a tensor: a traced function must return the "
                         f"same structure on every path (add a return at the end)")
    if isinstance(value, UndefinedReturnValue):
        return None
    return ret(value)


def _where_text():
    return _where()[:-2] or "its line"


def _no_try(in_try, what):
    if in_try:
        raise NotImplementedError(
            f"{_where()}{what} on a tensor inside try/except/finally cannot be converted: "
            f"exceptions happen while the function is traced, not when it runs. Move the "
            f"statement out of the try block")


# -- if -------------------------------------------------------------------------------------------

def if_stmt(cond, body, orelse, get_state, set_state, names, in_try=False):
    trace = tracing()
    if trace is None or not is_symbolic(cond):
        recorder = shadow(cond)
        if recorder is None:
            body() if cond else orelse()
        else:
            set_state(recorder.construct(lambda: _run_if(cond, body, orelse, get_state)))
        return
    _no_try(in_try, "an `if`")
    pred = bool_scalar(trace, cond, "if")
    init = get_state()

    def branch(fn):
        def run():
            set_state(init)
            fn()
            return get_state()
        return run

    set_state(staged(trace, lambda: trace_cond(trace, pred, (branch(body), branch(orelse)),
                                               "if", names), names))


def _run_if(cond, body, orelse, get_state):
    body() if cond else orelse()
    return get_state()


def _conditional(trace, cond, true_fn, false_fn, what):
    """true_fn() if `cond` else false_fn(), an expression: staged on a tensor of the
    trace."""
    if trace is None or not is_symbolic(cond):
        recorder = shadow(cond)
        if recorder is not None:
            return recorder.construct(lambda: true_fn() if cond else false_fn())
        return true_fn() if cond else false_fn()
    return staged(trace, lambda: trace_cond(trace, bool_scalar(trace, cond, what),
                                            (true_fn, false_fn), what))


def if_exp(cond, true_fn, false_fn):
    return _conditional(tracing(), cond, true_fn, false_fn, "a conditional expression")


def and_(a_fn, b_fn):
    a = a_fn()
    return _conditional(tracing(), a, b_fn, lambda: a, "`and`")


def or_(a_fn, b_fn):
    a = a_fn()
    return _conditional(tracing(), a, lambda: a, b_fn, "`or`")


def not_(a):
    if stages(a):
        return ops.logical_not(tensor_of(a))
    return not a


def py_test(value, what):
    """A condition that stays Python (`what` says where): a tensor of the trace is an
    error."""
    if tracing() is not None and is_symbolic(value):
        raise NotImplementedError(
            f"{_where()}{what} depends on a tensor, which autograph cannot convert: compute it "
            f"with tensor ops (lamina.where, lamina.boolean masks) or move it into a loop")
    return value


def assert_stmt(test, message):
    if tracing() is not None and is_symbolic(test):
        raise NotImplementedError(
            f"{_where()}`assert` on a tensor of a traced function cannot be checked when it "
            f"runs (lamina has no graph assertion): check it outside the function, or on "
            f"Python values")
    assert test, message()


# -- loops ----------------------------------------------------------------------------------------

def while_stmt(test, body, get_state, set_state, names, in_try=False):
    c = test()
    while True:
        trace = tracing()
        if trace is not None and is_symbolic(c):
            # the loop goes on in the function being traced (after the iterations, if any,
            # that Python ran while the condition was a Python value)
            _no_try(in_try, "a `while` loop")
            _staged_statement(trace, lambda: _staged_loop(trace, test, body, get_state,
                                                          set_state, names), get_state, names)
            return
        recorder = shadow(c)
        if recorder is not None:
            set_state(recorder.construct(lambda: _run_while(c, test, body, get_state)))
            return
        if not c:
            return
        body()
        c = test()


def _staged_statement(trace, stage, get_state, names):
    """stage() stages a loop statement, whose outputs are its variables `names` (see
    control_flow.staged)."""
    def run():
        stage()
        return get_state()
    staged(trace, run, names)


def _run_while(c, test, body, get_state):
    while c:
        body()
        c = test()
    return get_state()


def for_stmt(iterable, extra_test, body, get_state, set_state, names, in_try=False):
    trace = tracing()
    if trace is not None and is_symbolic(iterable):
        _no_try(in_try, "a `for` loop")
        _staged_statement(trace, lambda: _staged_for(trace, tensor_of(iterable), extra_test,
                                                     body, get_state, set_state, names),
                          get_state, names)
        return
    recorder = shadow(iterable)
    if recorder is not None:
        set_state(recorder.construct(lambda: _run_for(
            iterable, extra_test, body, get_state, set_state, names, in_try)))
        return
    _run_for(iterable, extra_test, body, get_state, set_state, names, in_try)


def _run_for(iterable, extra_test, body, get_state, set_state, names, in_try):
    """The `for` loop as Python; the variables' values after it."""
    for item in iterable:
        if extra_test is not None:
            c = extra_test()
            if stages(c):
                # a `break` or `return` that depends on a tensor: the further iterations
                # (unrolled) each run as the condition says
                if_stmt(c, lambda: body(item), lambda: None, get_state, set_state, names,
                        in_try)
                continue
            if not c:
                break
        body(item)
    return get_state()


def _staged_for(trace, x, extra_test, body, get_state, set_state, names):
    """A `for` over a tensor of the trace as a staged loop: over the values of a
    `lamina.range` without making the range, else over the first dim of `x`."""
    v = x.value
    owner = getattr(v, "owner", None)
    if getattr(owner, "name", None) == "lamina.range":
        start, limit, delta = (SymbolicTensor(o, trace) for o in owner.operands)
        step = _constant(owner.operands[2])
        if step is not None and step > 0:
            def more(i):
                return i < limit
        elif step is not None:
            def more(i):
                return i > limit
        else:
            def more(i):
                return ops.logical_or(ops.logical_and(delta > 0, i < limit),
                                      ops.logical_and(delta < 0, i > limit))
        first, item_of, advance = start, (lambda i: i), (lambda i: i + delta)
    else:
        if x.shape.rank == 0:
            raise TypeError(f"{_where()}cannot iterate over a scalar tensor")
        n = x.shape[0] if x.shape[0] is not None else ops.shape(x)[0]
        first = ops.constant(np.int32(0))

        def more(i):
            return i < n
        item_of, advance = (lambda i: x[i]), (lambda i: i + 1)
    counter = [first]

    def get():
        return get_state() + (counter[0],)

    def set_(values):
        set_state(values[:-1])
        counter[0] = values[-1]

    def test():
        c = more(counter[0])
        if extra_test is not None:
            e = extra_test()
            if is_symbolic(e):
                c = ops.logical_and(c, tensor_of(e))
            elif not e:
                c = ops.logical_and(c, False)
        return c

    def step_body():
        i = counter[0]
        body(item_of(i))
        counter[0] = advance(i)

    _staged_loop(trace, test, step_body, get, set_, tuple(names) + ("the iteration",))


def _constant(value):
    owner = getattr(value, "owner", None)
    if getattr(owner, "name", None) != "lamina.constant":
        return None
    return owner.properties["value"].array.reshape(-1)[0]


class _Promote(Exception):
    """The body gave a value to a variable that had none before the loop, whose value is
    never read where undefined (retval_): carry it, from a placeholder."""

    def __init__(self, index, type):
        self.index, self.type = index, type


def _carryable(x):
    return isinstance(x, (Tensor, Variable)) or is_number(x)


def _staged_loop(trace, test, body, get_state, set_state, names):
    promoted = {}
    where = _where_text()
    state = get_state()
    while True:
        try:
            return _try_staged_loop(trace, test, body, state, set_state, get_state, names,
                                    promoted, where)
        except _Promote as p:
            promoted[p.index] = p.type
            set_state(state)


def _try_staged_loop(trace, test, body, state, set_state, get_state, names, promoted, where):
    carried, local, fixed = [], [], []
    inits, leaf_names = [], []
    for i, (n, v) in enumerate(zip(names, state)):
        if i in promoted:
            carried.append((i, None))
            inits.append(SymbolicTensor(placeholder(trace, promoted[i]).value, trace))
            leaf_names.append(n)
            continue
        if is_undefined(v):
            local.append(i)
            continue
        leaves, paths = [], []
        tree = flatten(v, "", leaves, paths)
        if leaves and all(_carryable(x) for x in leaves):
            carried.append((i, tree))
            inits.extend(leaves)
            leaf_names.extend(n + p for p in paths)
        else:
            fixed.append(i)

    def state_of(values):
        st = list(state)
        it = iter(values)
        for i, tree in carried:
            st[i] = next(it) if tree is None else pack(tree, it)
        for i in local:
            st[i] = state[i]
        return tuple(st)

    def cond_fn(values):
        set_state(state_of(values))
        return test()

    def body_fn(values):
        set_state(state_of(values))
        body()
        after = get_state()
        outs = []
        for i, tree in carried:
            v = after[i]
            if tree is None:
                outs.append(v)
                continue
            leaves = []
            if flatten(v, "", leaves, []) != tree:
                raise TypeError(f"{_where()}'{names[i]}' is {describe(state[i])} before the "
                                f"loop but {describe(v)} after one iteration: a loop variable "
                                f"keeps its structure")
            outs.extend(leaves)
        for i in fixed:
            if not same_python(after[i], state[i]):
                raise TypeError(
                    f"{_where()}'{names[i]}' is {describe(state[i])} before the loop and "
                    f"{describe(after[i])} after an iteration: a loop on a tensor can only "
                    f"change tensors (and numbers); give it a tensor value of its dtype and "
                    f"shape before the loop (e.g. lamina.zeros(...))")
        for i in local:
            v = after[i]
            if state[i].placeholder_ok and not is_undefined(v):
                t = tensor_of(v)
                if t is None:
                    raise TypeError(f"{_where()}a return value inside a loop on a tensor must "
                                    f"be a tensor, got {describe(v)}")
                raise _Promote(i, _ir_tensor_type(t.shape.as_list(), t.dtype))
        return outs

    results = trace_while(trace, inits, cond_fn, body_fn, leaf_names)
    final = list(state_of(results))
    for i in local:
        final[i] = Undefined(names[i], f"'{names[i]}' has no value after the loop at {where}: "
                                       f"it is assigned only inside the loop, which may run "
                                       f"zero times; assign it before the loop")
    set_state(tuple(final))


# -- calls ----------------------------------------------------------------------------------------

def print_(*args, **kwargs):
    """Python's print, or lamina.print (at every run) when given tensors of a trace."""
    if any(stages(a) for a in args) and kwargs.get("file") is None:
        kwargs.pop("flush", None)
        kwargs.pop("file", None)
        return ops.print(*args, **kwargs)
    return builtins.print(*args, **kwargs)


def range_(*args):
    if any(stages(a) for a in args):
        return ops.range(*args)
    return builtins.range(*args)


def len_(x):
    if tracing() is not None and is_symbolic(x) and x.shape.rank and x.shape[0] is None:
        return ops.shape(x)[0]
    recorder = shadow(x)
    if recorder is not None and (recorder.traced_dims(x) or [0])[0] is None:
        return ops.shape(x)[0]   # as the trace did
    return builtins.len(x)


_BUILTINS = {builtins.print: print_, builtins.range: range_, builtins.len: len_}


def converted_call(f):
    """What a call of `f` in converted code calls: `f` converted (a user function), a
    builtin's tensor version, or `f` itself."""
    try:
        b = _BUILTINS.get(f)
    except TypeError:  # unhashable callables
        b = None
    if b is not None:
        return b
    if ctx.executor is None:
        return f
    return converted(f)
