"""`GradientTape`: reverse-mode differentiation of what runs while it records, with the
derivative rules of the autodiff pass (each lamina op's `vjp`); one table of derivatives.

Eagerly, a tape is an executor (see execute.py): while it is active every op reaches its
`run_op`, which runs the op through whatever ran ops before (the eager kernels or an enclosing
tape) and records it when one of its inputs is watched or was computed from a watched value.
Integer and boolean results are not recorded: they carry no gradient. `gradient` walks the
record backwards and runs each op's derivative rule as a cached "vjp program"
(vjp_programs.py) through `run_op`, so an enclosing tape records the backward ops: nested
tapes give second and higher derivatives.

Inside `function`, a tape watches the trace (the tracer stays the executor, so control flow
is staged as without a tape): it records the IR ops the trace emits in the block where the
tape was entered (lamina.cond and lamina.while as whole ops), and `gradient` emits the
backward ops into the function with the autodiff pass's own walk
(passes.autodiff.backpropagate), as ops of the trace that enclosing tapes record in turn. A
staged training step is then one compiled function.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import inspect
import warnings

import numpy as np

from ..dialects.lamina_ops.elementwise import AddOp, ConstantOp, np_dtype
from ..dialects.lamina_ops.gradient import StopGradientOp
from ..dialects.lamina_ops.shape import BroadcastToOp, ShapeOp
from ..dialects.lamina_ops.state import ReadVariableOp
from ..ir.rewrite import PatternRewriter
from ..passes.autodiff import backpropagate
from ..passes.pass_manager import PassFailure
from .context import ctx
from .control_flow import one_step
from .execute import OPS, convert_to_tensor, run_op
from .tensor import EagerTensor, Tensor, wrap
from .variables import Variable
from .vjp_programs import NoGradientError, entry, is_float_value, program

__all__ = ["GradientTape", "UnconnectedGradients", "custom_gradient", "NoneGradientWarning",
           "NoGradientError"]

_READ, _CUSTOM = "read", "custom"


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on."""
    NONE = "none"
    ZERO = "zero"


class NoneGradientWarning(UserWarning):
    """`gradient(..., explain=True)`: why a gradient is None."""


# -- nested structures ---------------------------------------------------------------------

def _leaves(obj, out):
    c = obj.__class__
    if c is list or c is tuple or (isinstance(obj, tuple) and hasattr(c, "_fields")):
        for x in obj:
            _leaves(x, out)
    elif isinstance(obj, dict):
        for k in sorted(obj, key=repr):
            _leaves(obj[k], out)
    else:
        out.append(obj)
    return out


def _pack(obj, it):
    c = obj.__class__
    if c is list:
        return [_pack(x, it) for x in obj]
    if c is tuple:
        return tuple(_pack(x, it) for x in obj)
    if isinstance(obj, tuple) and hasattr(c, "_fields"):
        return c(*[_pack(x, it) for x in obj])
    if isinstance(obj, dict):
        packed = {k: _pack(obj[k], it) for k in sorted(obj, key=repr)}
        return {k: packed[k] for k in obj}
    return next(it)


_ONES = {}


def _ones(a):
    """An eager tensor of ones like array `a` (shared if small: tensors are immutable)."""
    key = (a.dtype, a.shape)
    t = _ONES.get(key)
    if t is None:
        t = wrap(np.ones(a.shape, a.dtype))
        if a.size <= 64:
            _ONES[key] = t
    return t


def _active_tapes():
    """The tapes recording now: the eager ones routing ops, innermost first, or the ones
    watching the function being traced."""
    out = []
    ex = ctx.executor
    while isinstance(ex, GradientTape):
        out.append(ex)
        ex = ex._outer
    if ex is not None and not getattr(ex, "executing_eagerly", True):
        out.extend(getattr(ex, "watchers", ()))
    return out


class _Appender(PatternRewriter):
    """Emits the backward ops where the function being traced is (as its ops: tapes watching
    it record them)."""

    def __init__(self, trace):
        super().__init__()
        self.trace = trace

    def insert(self, new_op):
        self.trace.emit(new_op)
        return new_op


# -- the tape --------------------------------------------------------------------------------

class GradientTape:
    """Records operations for reverse-mode differentiation (TensorFlow's GradientTape)."""

    __slots__ = ("_persistent", "_watch_accessed", "_outer", "_recording", "_entered", "_used",
                 "_trace", "_block", "_ops", "_tracked", "_stopped", "__weakref__")

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._outer = None
        self._recording = False
        self._entered = False
        self._used = False
        self._trace = None        # the function being traced, when the tape is inside one
        self._block = None        # (then) the block of that function the tape records in
        self.reset()

    def reset(self):
        """Forget everything recorded and watched so far."""
        self._ops = []            # eager: (op, inputs, attrs, out, mask); traced: IR ops
        self._tracked = {}        # watched or computed from watched (in that order): key ->
        #                           the tensor, IR value or Variable
        self._stopped = {}        # key of a stop_gradient result -> its input

    # -- recording ---------------------------------------------------------------------------
    def __enter__(self):
        """Eagerly, the tape becomes the executor of ops; inside `function`, it watches the
        trace (which stays the executor) for the ops it emits."""
        if self._entered:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter "
                             "an already-active tape.")
        outer = ctx.executor
        trace = None
        if outer is not None and outer.__class__ is not GradientTape and \
                not getattr(outer, "executing_eagerly", True):
            trace = outer
        if self._ops and trace is not self._trace:
            raise ValueError("a GradientTape cannot record both eagerly and inside a traced "
                             "function (use one tape for each)")
        self._trace = trace
        if trace is None:
            self._outer = outer
            ctx.executor = self
        else:
            self._block = trace.block
            trace.watchers.append(self)
        self._recording = self._entered = True
        return self

    def __exit__(self, *exc):
        if self._trace is None:
            ctx.executor = self._outer
        else:
            self._trace.watchers.remove(self)
        self._recording = self._entered = False

    def run_op(self, op, inputs, attrs):
        outer = self._outer
        if outer is None:
            e = OPS.get(op) or entry(op)
            out = e.eager(e, inputs, attrs)
        else:
            out = outer.run_op(op, inputs, attrs)
        if self._recording and out is not None:
            self._record_eager(op, inputs, attrs, out)
        return out

    def _record_eager(self, op, inputs, attrs, out):
        tracked = self._tracked
        if op is ReadVariableOp:
            v = inputs[0]
            if id(v) not in tracked:
                if not (self._watch_accessed and v.trainable):
                    return
                self._watch_variable(v)
            if out._array.dtype.kind == "f":
                tracked[id(out)] = out
                self._ops.append((_READ, inputs, None, out, None))
            return
        mask = tuple([id(x) in tracked for x in inputs])
        if True not in mask:
            return
        if op is StopGradientOp:
            self._stopped[id(out)] = out
            return
        if out.__class__ is tuple:
            floats = [o for o in out if o._array.dtype.kind == "f"]
        else:
            floats = [out] if out._array.dtype.kind == "f" else ()
        if not floats:
            return
        for o in floats:
            tracked[id(o)] = o
        self._ops.append((op, inputs, attrs, out, mask))

    def op_emitted(self, irop):
        """(inside `function`) The trace emitted `irop`: record it if it computes from what
        the tape watches."""
        if not self._recording or irop.parent is not self._block:
            return
        tracked = self._tracked
        if irop.__class__ is ReadVariableOp:
            v = _variable_of(self._trace, irop.operands[0])
            if id(v) not in tracked:
                if not (self._watch_accessed and v.trainable):
                    return
                self._watch_variable(v)
            r = irop.results[0]
            if is_float_value(r):
                tracked[r] = r
                self._ops.append((_READ, v, r))
            return
        if not any(v in tracked for v in _uses(irop)):
            return
        if irop.__class__ is StopGradientOp:
            self._stopped[irop.results[0]] = irop.operands[0]
            return
        floats = [r for r in irop.results if is_float_value(r)]
        if not floats:
            return
        for r in floats:
            tracked[r] = r
        self._ops.append(irop)

    def _key(self, x):
        """How the record knows tensor or Variable `x`."""
        if isinstance(x, Variable) or self._trace is None:
            return id(x)
        return self._trace.value_of(x)

    def _watch_variable(self, v):
        self._tracked[id(v)] = v

    def watch(self, tensor):
        """Differentiate with respect to `tensor` (a tensor, a Variable, or a nested
        structure of them) later."""
        if tensor.__class__ is EagerTensor and self._trace is None and \
                tensor._array.dtype.kind == "f":
            self._tracked[id(tensor)] = tensor
            return
        for x in _leaves(tensor, []):
            if isinstance(x, Variable):
                if id(x) not in self._tracked:
                    self._watch_variable(x)
                continue
            if not isinstance(x, Tensor):
                raise ValueError(f"Passed in object of type {type(x)}, not tf.Tensor or "
                                 f"tf.Variable")
            k = self._key(x)
            if not x.dtype.is_floating:
                warnings.warn(f"The dtype of the watched tensor must be floating (e.g. "
                              f"tf.float32), got {x.dtype!r}", stacklevel=2)
                continue
            self._tracked[k] = x

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops run inside this context are not recorded by this tape."""
        if not self._recording:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        self._recording = False
        try:
            yield
        finally:
            self._recording = True

    def watched_variables(self):
        """The Variables this tape watches, in the order it began watching them."""
        return tuple(x for x in self._tracked.values() if isinstance(x, Variable))

    def _record_custom(self, inputs, grad_fn, outs, variables):
        keys = [self._key(x) for x in inputs]
        if variables:
            for v in variables:
                if self._watch_accessed and id(v) not in self._tracked:
                    self._watch_variable(v)
            keys += [id(v) for v in variables]
            fn = grad_fn

            def grad_fn(*dys):
                gi, gv = fn(*dys, variables=variables)
                gi = list(gi) if isinstance(gi, (list, tuple)) else [gi]
                return gi + list(gv)
        mask = tuple([k in self._tracked for k in keys])
        if True not in mask:
            return
        okeys = [self._key(o) for o in outs]
        for k, o in zip(okeys, outs):
            if o.dtype.is_floating:
                self._tracked[k] = o
        self._ops.append((_CUSTOM, keys, (grad_fn, okeys), outs, mask))

    # -- differentiating ---------------------------------------------------------------------
    def _start(self):
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")
        if self._recording and not self._persistent:
            self._recording = False   # as TensorFlow: the tape stops recording here
        self._used = True

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE, explain=False):
        """d(sum of `target`)/d(each of `sources`) (nested structures of tensors and
        Variables), weighted by `output_gradients`. A source the target does not depend on
        gets None (or zeros, with unconnected_gradients=ZERO); `explain=True` warns
        (NoneGradientWarning) why each None is None."""
        self._start()
        unconnected = unconnected_gradients if unconnected_gradients.__class__ is \
            UnconnectedGradients else UnconnectedGradients(unconnected_gradients)
        single = isinstance(sources, (Tensor, Variable))
        targets = [target] if isinstance(target, Tensor) else _leaves(target, [])
        srcs = [sources] if single else _leaves(sources, [])
        for s in srcs:
            if not isinstance(s, (Tensor, Variable)):
                raise ValueError(f"GradientTape.gradient: sources must be tensors or Variables, "
                                 f"got {s!r}")
        ogs = None
        if output_gradients is not None:
            ogs = _leaves(output_gradients, [])
            if len(ogs) != len(targets):
                raise ValueError(f"output_gradients has {len(ogs)} entries for "
                                 f"{len(targets)} targets")
        # run_functions_eagerly("compare"): traced and eager gradients take other ops
        grads = one_step(lambda: self._gradients(targets, srcs, ogs))
        for i, g in enumerate(grads):
            if g is None:
                s = srcs[i]
                if explain:
                    warnings.warn(f"gradient of {_name(s)} is None: {self._why_none(s, targets)}",
                                  NoneGradientWarning, stacklevel=2)
                if unconnected is UnconnectedGradients.ZERO:
                    grads[i] = _zeros_like(s)
        return grads[0] if single else _pack(sources, iter(grads))

    def _gradients(self, targets, sources, ogs):
        targets = [t if t.__class__ is EagerTensor else t.read_value()
                   if isinstance(t, Variable) else convert_to_tensor(t) for t in targets]
        if self._trace is None:
            return self._gradients_eager(targets, sources, ogs)
        return self._gradients_traced(targets, sources, ogs)

    def _gradients_eager(self, targets, sources, ogs):
        cot = {}
        tracked = self._tracked
        get = cot.get

        def acc(k, g):
            prev = get(k)
            cot[k] = g if prev is None else run_op(AddOp, [prev, g])

        seeds = set()   # ids of the cotangents that are ones, the seeds
        for i, t in enumerate(targets):
            if id(t) in tracked:
                og = None if ogs is None else ogs[i]
                g = _ones(t._array) if og is None else convert_to_tensor(og, t.dtype)
                if og is None and id(t) not in cot:
                    seeds.add(id(g))
                acc(id(t), g)
        if cot:
            # (reversed() does not visit what the walk itself records, if this tape records)
            for rec in reversed(self._ops):
                op, inputs, attrs, out, mask = rec
                if out.__class__ is tuple or op is _CUSTOM:
                    if op is _CUSTOM:
                        self._backward_custom(rec, cot, acc, lambda k: k)
                    elif any(id(o) in cot for o in out):
                        raise NotImplementedError(f"gradients of '{op.opdef.name}', an op "
                                                  f"with several results, are not supported")
                    continue
                g = get(id(out))
                if g is None:
                    continue
                if op is _READ:
                    acc(id(inputs[0]), g)
                    continue
                p = program(op, inputs, attrs, mask, id(g) in seeds)
                for x, c in zip(inputs, p.run(inputs, g, out)):
                    if c is not None:
                        acc(id(x), c)
        return [get(id(s)) if id(s) in tracked else None for s in sources]

    def _backward_custom(self, rec, cot, acc, tensor_of):
        _, keys, (grad_fn, okeys), outs, mask = rec
        gs = [cot.get(k) for k in okeys]
        if all(g is None for g in gs):
            return
        dys = [_zeros_like(o) if g is None else tensor_of(g) for o, g in zip(outs, gs)]
        res = grad_fn(*dys)
        res = list(res) if isinstance(res, (list, tuple)) else [res]
        if len(res) != len(keys):
            raise ValueError(f"custom_gradient: the gradient function returned {len(res)} "
                             f"gradients for {len(keys)} inputs and variables")
        for k, m, r in zip(keys, mask, res):
            if m and r is not None:
                r = convert_to_tensor(r)
                acc(k, r if self._trace is None else self._trace.value_of(r))

    def _gradients_traced(self, targets, sources, ogs):
        from .function import SymbolicTensor
        trace = self._trace
        tracked = self._tracked
        b = _Appender(trace)
        cot = {}

        def acc(k, g):
            prev = cot.get(k)
            cot[k] = g if prev is None else b.insert(AddOp(prev, g)).results[0]

        for i, t in enumerate(targets):
            v = trace.value_of(t)
            if v in tracked:
                og = None if ogs is None else ogs[i]
                acc(v, _ones_value(b, v) if og is None else
                    trace.value_of(convert_to_tensor(og, t.dtype)))
        where = f"GradientTape.gradient in {trace.name}"
        segment = []

        def flush():
            if segment:
                try:
                    backpropagate(b, segment, cot, where)
                except PassFailure as e:
                    # the op's location is the user's line that made it
                    loc = e.loc
                    msg = (f"{loc.file}:{loc.line}: " if getattr(loc, "file", None) else "") \
                        + e.message
                    raise (NoGradientError if "derivative rule" in msg else
                           NotImplementedError)(msg) from None
                segment.clear()

        if cot:
            for rec in reversed(list(self._ops)):
                if rec.__class__ is not tuple:
                    segment.append(rec)
                    continue
                flush()
                if rec[0] is _READ:
                    g = cot.get(rec[2])
                    if g is not None:
                        acc(id(rec[1]), g)
                else:
                    self._backward_custom(rec, cot, acc, lambda v: SymbolicTensor(v, trace))
            flush()
        out = []
        for s in sources:
            k = self._key(s)
            out.append(SymbolicTensor(cot[k], trace) if k in cot and k in tracked else None)
        return out

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """d(each element of `target`)/d(each of `sources`): per source, a tensor of shape
        target.shape + source.shape."""
        from .ops import reshape, stack, zeros
        self._start()
        unconnected = UnconnectedGradients(unconnected_gradients)
        t = convert_to_tensor(target)
        srcs = _leaves(sources, [])
        shape = t.shape.as_list()
        if None in shape:
            raise ValueError("jacobian: the target's shape must be fully known")
        n = int(np.prod(shape, dtype=np.int64))
        np_dtype = t.dtype.as_numpy_dtype
        rows = []
        for i in range(n):
            seed = np.zeros(n, np_dtype)
            seed[i] = 1
            rows.append(self._gradients([t], srcs, [wrap(seed.reshape(shape))]))
        out = []
        for j, s in enumerate(srcs):
            col = [r[j] for r in rows]
            sshape = s.shape.as_list()
            if n and all(g is not None for g in col):
                out.append(reshape(stack(col), shape + sshape))
            elif n and any(g is not None for g in col):
                out.append(reshape(stack([_zeros_like(s) if g is None else g for g in col]),
                                   shape + sshape))
            elif unconnected is UnconnectedGradients.ZERO or n == 0:
                out.append(zeros(shape + sshape, s.dtype))
            else:
                out.append(None)
        return _pack(sources, iter(out))

    # -- why a gradient is None -------------------------------------------------------------
    def _why_none(self, s, targets):
        if isinstance(s, Variable):
            if id(s) in self._tracked:
                return _NOT_CONNECTED
            if not s.trainable:
                return ("it is a Variable with trainable=False, which tapes do not watch "
                        "automatically: call tape.watch(v)")
            if not self._watch_accessed:
                return ("the tape has watch_accessed_variables=False and this Variable was "
                        "not watched: call tape.watch(v)")
            return "this Variable was not read while the tape was recording"
        if not s.dtype.is_floating:
            return (f"it has dtype {s.dtype.name}: integer and boolean tensors carry no "
                    f"gradient (cast to a float type before the computation)")
        for t in targets:
            if not t.dtype.is_floating:
                return f"the target has dtype {t.dtype.name}, which carries no gradient"
        k = self._key(s)
        if k in self._tracked:
            return _NOT_CONNECTED
        if k in self._stopped:
            return "it is the result of lamina.stop_gradient, through which gradients stop"
        if s.__class__ is EagerTensor:
            a = s._array
            for x in self._tracked.values():
                if x.__class__ is EagerTensor and x._array is not a and \
                        x._array.shape == a.shape and x._array.dtype == a.dtype and \
                        np.array_equal(x._array, a, equal_nan=True):
                    return ("it was not watched, but it holds the value of a tensor the tape "
                            "watches: a tensor made from another's .numpy() (or any numpy "
                            "value) is a new constant, not connected to the computation it "
                            "came from; compute with tensors instead")
        return ("it was not watched: call tape.watch(x) while the tape records, before using "
                "x (Variables are watched when read)")


_NOT_CONNECTED = ("not connected: the target does not depend on it through the differentiable "
                  "floating-point ops this tape recorded (an integer value, or an op run while "
                  "not recording, breaks the chain)")


def _uses(irop):
    """The values `irop` computes from: its operands, and for an op with regions (cond,
    while) also the values of enclosing blocks its regions use."""
    if not irop.regions:
        return irop.operands
    return [v for o in irop.walk() for v in o.operands]


def _variable_of(trace, value):
    """The Variable whose `!lamina.variable` argument of the traced function is `value`."""
    for x in trace._keep:
        if isinstance(x, Variable) and trace._captured.get(id(x)) is value:
            return x
    raise LookupError(f"no Variable is captured as {value}")


def _name(s):
    if isinstance(s, Variable):
        return f"Variable '{s.name}'"
    return f"a source of shape {s.shape} and dtype {s.dtype.name}"


def _zeros_like(s):
    from .ops import zeros
    return zeros(s.shape, s.dtype)


def _ones_value(b, v):
    """A value of ones of `v`'s type, inserted with `b`."""
    t = v.type
    dt = np_dtype(t.element_type)
    if t.has_static_shape:
        return b.insert(ConstantOp.build(np.ones(t.shape, dt), t)).results[0]
    one = b.insert(ConstantOp.build(np.ones((), dt), t.clone(shape=[]))).results[0]
    shape = b.insert(ShapeOp.build(v)).results[0]
    return b.insert(BroadcastToOp(one, shape, result_types=[t])).results[0]


# -- custom gradients ---------------------------------------------------------------------------

def custom_gradient(f=None):
    """Decorator: `f(*args)` returns `(y, grad_fn)`; tapes then differentiate `y` with respect
    to the tensor arguments by `grad_fn(*dy)` (one gradient per tensor argument) instead of
    through the ops of `f`. If `f` reads trainable Variables, `grad_fn(*dy, variables=...)`
    gets them and returns (gradients of the arguments, gradients of the variables)."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        tapes = [t for t in _active_tapes() if t._recording]
        if not tapes:
            y, _ = f(*args, **kwargs)
            return y
        inputs = [x for x in _leaves([list(args), kwargs], []) if isinstance(x, Tensor)]
        reads = _VariableReads()
        with _paused(tapes), reads:
            y, grad_fn = f(*args, **kwargs)
        variables = [v for v in reads.variables.values() if v.trainable]
        if variables and not _takes_variables(grad_fn):
            raise TypeError("If using @custom_gradient with a function that uses variables, "
                            "then grad_fn must accept a keyword argument 'variables'.")
        outs = [convert_to_tensor(o) for o in _leaves(y, [])]
        for t in tapes:
            t._record_custom(inputs, grad_fn, outs, variables)
        return y
    return wrapper


def _takes_variables(fn):
    try:
        ps = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in ps)


@contextlib.contextmanager
def _paused(tapes):
    for t in tapes:
        t._recording = False
    try:
        yield
    finally:
        for t in tapes:
            t._recording = True


class _VariableReads:
    """`with reads:` notes the Variables read meanwhile: eagerly as the executor in front of
    the one before it, inside `function` as a watcher of the trace."""

    def __init__(self):
        self.variables = {}   # id -> Variable, in the order of their first read
        self.outer = None
        self.trace = None

    def __enter__(self):
        ex = ctx.executor
        if ex is not None and not getattr(ex, "executing_eagerly", True):
            self.trace = ex
            ex.watchers.append(self)
        else:
            self.outer = ex
            ctx.executor = self

    def __exit__(self, *exc):
        if self.trace is not None:
            self.trace.watchers.remove(self)
        else:
            ctx.executor = self.outer

    def run_op(self, op, inputs, attrs):
        if op is ReadVariableOp:
            self.variables.setdefault(id(inputs[0]), inputs[0])
        if self.outer is None:
            e = OPS.get(op) or entry(op)
            return e.eager(e, inputs, attrs)
        return self.outer.run_op(op, inputs, attrs)

    def op_emitted(self, irop):
        if irop.__class__ is ReadVariableOp:
            v = _variable_of(self.trace, irop.operands[0])
            self.variables.setdefault(id(v), v)
