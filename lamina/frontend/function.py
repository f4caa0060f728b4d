"""`function`: stages a Python function into compiled code.

Calling a `Function` computes the input signature of the call (dtype and shape of each tensor,
the value of each Python argument, the identity of each Variable, and the nesting of them) and
looks it up in a cache of `ConcreteFunction`s; a miss traces the Python function: it runs once
with `SymbolicTensor`s in place of the tensors, under an executor (context.executor_scope) that
turns every op the public API runs (execute.run_op) into an op of the `lamina` dialect, built by
the op table (`OPS[op].build(values, attrs)`) and located at the user's Python file:line. The
traced `func.func` is compiled through the CPU path (lamina.driver) and called with the inputs'
numpy arrays.

What the Python function closes over is captured when it is used: an eager tensor becomes a
`lamina.constant` (small ones) or an extra argument (large ones, passed by reference at every
call); a Variable becomes a `!lamina.variable` argument, through which the compiled code reads
and writes the Variable's own buffer, in program order (the ops' memory effects keep it).

While another executor runs (a function called inside a traced function, or under a tape), a
`Function` runs its Python function inline, so the outer executor sees every op.

Calls of eager tensors only, passed positionally, take a fast path: their dtypes and shapes
alone find the concrete function. `reduce_retracing=True` traces a second signature that
differs from an earlier one only in dims with those dims dynamic; five traces in the last five
calls warn (RetracingWarning) naming the argument that changed. `LAMINA_DUMP_IR=DIR` writes
the IR after every pass of each new trace; `config.run_functions_eagerly("compare")` checks
compiled against eager execution step by step: each op of the function's entry block is a
step, and so is each control-flow construct and gradient (whose ops eager execution runs
otherwise), searched inside when it differs (shadow.py). With `autograph=True` (the
default) the function traced is its autograph conversion (frontend/autograph):
tensor-dependent `if`/`while`/`for` become lamina.cond / lamina.while.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import inspect
import os
import re
import sys
import threading
import warnings
import weakref

import numpy as np

from ..dialects.func import FuncOp, ReturnOp
from ..dialects.lamina_ops.elementwise import ConstantOp
from ..dialects.lamina_ops.state import VariableType
from ..ir import types as T
from ..ir.attributes import FileLineColLoc
from ..ir.builtin import ModuleOp
from ..ir.core import BlockArgument, IRError
from ..passes.pass_manager import Instrumentation
from . import dtypes as D
from .context import ctx, executor_scope
from .execute import OPS, convert_to_tensor
from .gpu_eager import GPUExecutor, gpu_call
from .tensor import EagerTensor, Tensor, wrap
from .tensor_shape import TensorShape
from .variables import Variable

__all__ = ["function", "Function", "ConcreteFunction", "TensorSpec", "SymbolicTensor",
           "RetracingWarning", "ShadowMismatchError", "run_functions_eagerly",
           "functions_run_eagerly"]

# eager tensors with more elements than this are captured as arguments, not constants
CAPTURE_AS_CONSTANT_MAX = 64

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_DTYPE_OF_IR = {d.ir_type: d for d in D.ALL}

_RUN_EAGERLY = False


class RetracingWarning(UserWarning):
    """A `function` traced on each of its last calls (which is slow): the message says which
    argument changed and how to avoid it."""


def run_functions_eagerly(run_eagerly):
    """With True, `function`s run their Python function op by op, eagerly (for debugging).
    With "compare", every call runs compiled and eagerly from the same state, and the first
    op whose results differ beyond tolerance raises ShadowMismatchError, naming its Python
    line and its IR (a control-flow construct or a gradient is one op there; inside one that
    differs, the op that differs is named too)."""
    global _RUN_EAGERLY
    if run_eagerly == "compare":
        _RUN_EAGERLY = "compare"
    elif isinstance(run_eagerly, str):
        raise ValueError(f"run_functions_eagerly: expected a bool or 'compare', got "
                         f"{run_eagerly!r}")
    else:
        _RUN_EAGERLY = bool(run_eagerly)


def functions_run_eagerly():
    return _RUN_EAGERLY is True


class ShadowMismatchError(AssertionError):
    """run_functions_eagerly("compare"): compiled code computed another value than eager
    execution."""


# -- specs and symbolic tensors -----------------------------------------------------------------

class TensorSpec:
    """The type of a tensor argument: `shape` (None dims are dynamic, `?` in the IR; None: any
    rank is not supported) and `dtype`."""

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype=D.float32, name=None):
        self.shape = TensorShape(shape)
        if self.shape.rank is None:
            raise ValueError("TensorSpec: lamina needs the rank of every tensor argument "
                             "(a shape such as [None, None], not None)")
        self.dtype = D.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, x):
        return x.dtype == self.dtype and self.shape.is_compatible_with(x.shape)

    def _key(self):
        return (tuple(self.shape.as_list()), self.dtype)

    def __eq__(self, other):
        return other.__class__ is TensorSpec and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


def _same(x):
    return x


def _ir_tensor_type(shape, dtype):
    return T.RankedTensorType([T.DYNAMIC if d is None else d for d in shape], dtype.ir_type)


class SymbolicTensor(Tensor):
    """A tensor of a function being traced: an IR value, with no value of its own."""

    __slots__ = ("value", "_trace")

    def __init__(self, value, trace):
        self.value = value
        self._trace = trace

    @property
    def shape(self):
        return TensorShape(tuple(None if d == T.DYNAMIC else d for d in self.value.type.shape))

    @property
    def dtype(self):
        return _DTYPE_OF_IR[self.value.type.element_type]

    @property
    def device(self):
        from .device import CPU_DEVICE
        return CPU_DEVICE

    def _symbolic_error(self, what):
        return TypeError(
            f"{_where()}{what} of {self!r}: a tensor of a function being traced has no value "
            f"until the function runs. Autograph converts `if`, `while`, `for`, `and`, `or` "
            f"and `not` on tensors in the functions it converts (function(autograph=True), "
            f"the default), not here (library code, a function marked "
            f"do_not_convert or without source, or a construct it does not convert): use "
            f"lamina.cond, lamina.while_loop or lamina.where, or a Python value")

    def numpy(self):
        raise self._symbolic_error("numpy()")

    def __array__(self, dtype=None, copy=None):
        raise self._symbolic_error("a numpy array")

    def __bool__(self):
        raise self._symbolic_error("using as a Python bool")

    def __float__(self):
        raise self._symbolic_error("float()")

    def __int__(self):
        raise self._symbolic_error("int()")

    def __index__(self):
        raise self._symbolic_error("using as an index")

    def __len__(self):
        d = self.shape.as_list()
        if not d:
            raise TypeError("Scalar tensor has no `len()`")
        if d[0] is None:
            raise self._symbolic_error("len()")
        return d[0]

    def __iter__(self):
        n = len(self)
        return (self[i] for i in range(n))

    def __repr__(self):
        return (f"<lamina.Tensor '{self._trace.name}' shape={self.shape} "
                f"dtype={self.dtype.name} (symbolic)>")

    __str__ = __repr__


# -- where the user is --------------------------------------------------------------------------

def _user_frame():
    """The innermost frame outside the lamina package (the user's code)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR + os.sep):
        f = f.f_back
    return f


def _user_location():
    f = _user_frame()
    if f is None:
        return FileLineColLoc("<unknown>", 0, 0)
    col = 0
    try:
        pos = list(f.f_code.co_positions())[f.f_lasti // 2]
        if pos[2] is not None:
            col = pos[2] + 1
    except (AttributeError, IndexError):
        pass
    return FileLineColLoc(f.f_code.co_filename, f.f_lineno or 0, col)


def _where():
    """`file:line: ` of the user's code, to head an error raised while tracing."""
    f = _user_frame()
    return "" if f is None else f"{f.f_code.co_filename}:{f.f_lineno}: "


# -- input signatures ---------------------------------------------------------------------------

_TENSOR, _VARIABLE = "T", "V"


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _flatten(obj, leaves, key, paths=None, path=""):
    """Append the tensors and Variables of `obj` (nested lists, tuples, dicts) to `leaves`
    and its signature to `key`; with `paths`, the name of what each key entry describes
    (`x`, `x[0]`, `x['a']`) to `paths`."""
    if paths is not None:
        paths.append(path)
    c = obj.__class__
    if c is EagerTensor or isinstance(obj, Tensor):
        leaves.append(obj)
        key.append((_TENSOR, obj.dtype, obj.shape._dims))
    elif isinstance(obj, np.ndarray):
        t = convert_to_tensor(obj)
        leaves.append(t)
        key.append((_TENSOR, t.dtype, t.shape._dims))
    elif isinstance(obj, Variable):
        leaves.append(obj)
        key.append((_VARIABLE, id(obj), obj.dtype, obj.shape._dims))
    elif c is list or c is tuple or _is_namedtuple(obj):
        key.append((c, len(obj)))
        for i, x in enumerate(obj):
            _flatten(x, leaves, key, paths, f"{path}[{i}]")
    elif isinstance(obj, dict):
        ks = sorted(obj, key=repr)
        key.append((c, tuple(ks)))
        for k in ks:
            _flatten(obj[k], leaves, key, paths, f"{path}[{k!r}]")
    else:
        try:
            hash(obj)
            key.append((c, obj))
        except TypeError:
            key.append((c, "id", id(obj)))


def _map_leaves(fn, obj):
    """`obj` with each tensor, array and Variable `x` replaced by fn(x), in _flatten's order."""
    c = obj.__class__
    if isinstance(obj, (Tensor, np.ndarray, Variable)):
        return fn(obj)
    if c is list:
        return [_map_leaves(fn, x) for x in obj]
    if c is tuple:
        return tuple(_map_leaves(fn, x) for x in obj)
    if _is_namedtuple(obj):
        return c(*[_map_leaves(fn, x) for x in obj])
    if isinstance(obj, dict):
        mapped = {k: _map_leaves(fn, obj[k]) for k in sorted(obj, key=repr)}
        return c((k, mapped[k]) for k in obj) if c is not dict else {k: mapped[k] for k in obj}
    return obj


# -- the tracer -----------------------------------------------------------------------------------

class _Trace:
    """The executor of one trace: builds the func.func of the function being traced.

    Ops go to `block`: the entry block, or inside `region(block)` the block of a
    control-flow op's region being traced (control_flow.py), where the values of the
    enclosing blocks may be used and a value of a region that has ended may not. Captures
    (constants, Variable and large-tensor arguments) always go to the entry block, so a
    capture made inside a region serves the whole function."""

    executing_eagerly = False
    shadow = False    # traced for run_functions_eagerly("compare") (see control_flow.staged)

    def __init__(self, name, first=True):
        self.name = name
        self.first = first        # the function's first trace: the one that may make Variables
        self.func = FuncOp.build(name, T.FunctionType([], []))
        self.block = self.func.entry  # where ops go: the innermost region being traced
        self._open = [self.block]     # the entry block and the region blocks being traced
        self.captures = []        # eager tensors and Variables passed after the inputs
        self.steps = []           # per op emitted, in program order: (IR op, its results as
        #                           SymbolicTensors); ops inside regions too, each control-flow
        #                           op after the ops of its regions
        self._captured = {}       # id(object) -> its value in the function
        self._keep = []           # what the ids above refer to lives as long as the trace
        self.watchers = []        # GradientTapes recording: each sees op_emitted(op) per op
        self.units = []           # shadow.Units: steps of the entry block that compare
        #                           mode takes as one (control_flow.staged and one_step)

    @contextlib.contextmanager
    def region(self, block):
        """Trace into `block`, a block of a control-flow op's region: ops go there, and values
        of the enclosing blocks may be used (captures still go to the entry block)."""
        saved = self.block
        self._open.append(block)
        self.block = block
        try:
            yield block
        finally:
            self._open.pop()
            self.block = saved

    def discard(self, blocks, steps_before):
        """Forget the ops traced into `blocks` (a region traced again with other types), and
        their steps (those after the first `steps_before`)."""
        for block in blocks:
            for op in block:
                op._drop_all_references()
        del self.steps[steps_before:]

    def emit(self, irop):
        """Insert `irop` where the trace is, at the user's line; its results as tensors."""
        irop.loc = _user_location()
        self._insert(irop)
        out = [SymbolicTensor(r, self) for r in irop.results]
        self.steps.append((irop, out))
        for tape in self.watchers:
            tape.op_emitted(irop)
        return out

    def _check_visible(self, x):
        v = x.value
        b = v.block if v.__class__ is BlockArgument else v.owner.parent
        if b is not self.block and b not in self._open:
            raise ValueError(
                f"{_where()}{x!r} was computed inside a branch of a conditional or the body of "
                f"a loop that has ended, and is used outside it: return it from the branch or "
                f"make it a loop variable (with autograph: assign it to a variable defined "
                f"before the `if` or the loop)")

    def add_input(self, x):
        """The function argument of input leaf `x`: a SymbolicTensor for a tensor (a
        TensorSpec or a tensor of that type), the Variable itself for a Variable."""
        if isinstance(x, Variable):
            arg = self.func.entry.add_argument(VariableType(_ir_tensor_type(x.shape, x.dtype)))
            self._captured[id(x)] = arg
            self._keep.append(x)
            return x
        return SymbolicTensor(self.func.entry.add_argument(_ir_tensor_type(x.shape, x.dtype)),
                              self)

    def value_of(self, x):
        """The IR value of an op input."""
        if x.__class__ is SymbolicTensor:
            if x._trace is not self:
                raise TypeError(
                    f"{_where()}{x!r} belongs to another function being traced (return it "
                    f"from that function instead)")
            self._check_visible(x)
            return x.value
        v = self._captured.get(id(x))
        if v is not None:
            return v
        if isinstance(x, Variable):
            v = self.func.entry.add_argument(VariableType(_ir_tensor_type(x.shape, x.dtype)))
            self.captures.append(x)
        elif x.__class__ is EagerTensor:
            a = x._array
            t = _ir_tensor_type(a.shape, x.dtype)
            if a.size <= CAPTURE_AS_CONSTANT_MAX:
                op = ConstantOp.build(a, t)
                op.loc = _user_location()
                # the entry block: the constant serves wherever the tensor is used next
                self.func.entry.append(op)
                v = op.results[0]
            else:
                v = self.func.entry.add_argument(t)
                self.captures.append(x)
        else:
            raise TypeError(f"{_where()}cannot use {x!r} in a traced function")
        self._captured[id(x)] = v
        self._keep.append(x)
        return v

    def _insert(self, op):
        self.block.append(op)

    def run_op(self, op, inputs, attrs):
        values = [self.value_of(x) for x in inputs]
        try:
            irop = OPS[op].build(values, attrs)
        except IRError as e:
            raise ValueError(f"{_where()}{OPS[op].name}: {e}") from None
        out = self.emit(irop)
        if not out:
            return None
        return out[0] if len(out) == 1 else tuple(out)

    def variable_created(self):
        """A Variable is being made while tracing: as in TensorFlow, only on the function's
        first trace (later traces would make a new one on every retrace, silently)."""
        if not self.first:
            raise ValueError(
                f"{_where()}lamina.function only supports Variables created on the first "
                f"call of a function, and {self.name} is being traced again (for new argument "
                f"types) and creates one: create the Variable once, outside the function or "
                f"on its first call only (e.g. `if self.v is None: self.v = tf.Variable(...)`)")

    def finish(self, outputs):
        """Return the symbolic leaves of `outputs` (each distinct value once); the result
        indices of the leaves, None for the others."""
        results, index = [], {}
        where = []
        for x in outputs:
            if x.__class__ is SymbolicTensor and x._trace is self:
                self._check_visible(x)
                k = index.get(x.value)
                if k is None:
                    k = index[x.value] = len(results)
                    results.append(x.value)
                where.append(k)
            else:
                where.append(None)
        self.block.append(ReturnOp(results, loc=_user_location()))
        self.func.properties["function_type"].value = T.FunctionType(
            [a.type for a in self.block.args], [v.type for v in results])
        return where


class _DumpInstrumentation(Instrumentation):
    """Writes the module after every pass to DIRECTORY/<NN>-<pass>.mlir, headed as mlir-opt
    heads its dumps."""

    def __init__(self, directory):
        super().__init__(print_after_all=True, module_scope=True, debuginfo=True)
        self.directory = directory

    def dump(self, when, p, op, root, text=None):
        self.counter += 1
        header = f"// -----// IR Dump {when} {p.title or p.argument} ({p.argument}) //----- //"
        body = text if text is not None else self._text(op, root)
        with open(os.path.join(self.directory, f"{self.counter:02d}-{p.argument}.mlir"),
                  "w") as f:
            f.write(header + "\n" + body + "\n")


def _symbol(name):
    s = re.sub(r"\W", "_", name)
    return s if s and not s[0].isdigit() else "f_" + s


# -- concrete functions -----------------------------------------------------------------------

class ConcreteFunction:
    """One trace of a Python function: its IR and its compiled code, for one input
    signature."""

    def __init__(self, name, python_function, args, kwargs, specs, shadow=False, first=True):
        """Trace `python_function` with `args`/`kwargs` whose tensor leaves are replaced by
        symbolic tensors of `specs` (a TensorSpec or tensor per tensor leaf, in order).
        `shadow`: the outputs are (the function's outputs, the results of each step: each
        op of the entry block, a control-flow construct counting as one step, its op's), for
        run_functions_eagerly("compare"). `first`: whether this is the function's first
        trace, the only one allowed to create Variables."""
        self.name = name
        trace = _Trace(_symbol(name), first)
        trace.shadow = shadow
        it = iter(specs)
        self._input_kinds = []

        def placeholder(x):
            s = next(it)
            self._input_kinds.append(_VARIABLE if isinstance(s, Variable) else _TENSOR)
            return trace.add_input(s)

        targs, tkwargs = _map_leaves(placeholder, (list(args), dict(kwargs)))
        self.input_specs = [TensorSpec(s.shape, s.dtype) if not isinstance(s, Variable) else s
                            for s in specs]
        with executor_scope(trace):
            out = python_function(*targs, **tkwargs)
        if shadow:
            from .shadow import Steps
            steps = Steps(trace)
            out = (out, steps.results)
        leaves = []
        _flatten(out, leaves, [])
        where = trace.finish(leaves)
        self._constant_leaves = [x if k is None else None for x, k in zip(leaves, where)]
        self._result_index = where
        self.structured_outputs = out
        self.captured_inputs = list(trace.captures)
        module = ModuleOp([trace.func])
        try:
            from ..ir import verify
            verify(module)
        except IRError as e:
            raise ValueError(f"the traced function {name} is not valid IR: {e}") from None
        self._text = self._print(module, debuginfo=True)
        self._plain_text = self._print(module, debuginfo=False)
        self.shadow_steps = None  # shadow: the shadow.Steps of the trace
        if shadow:
            steps.printed(self._plain_text)
            self.shadow_steps = steps
        dump_dir = os.environ.get("LAMINA_DUMP_IR")
        if dump_dir:
            self._dump(dump_dir)
        from ..driver import compile_module
        self._executable = compile_module(module, key_text=self._plain_text)
        self._entry = self._executable.entries[trace.func.sym]
        self._single_output = out.__class__ is SymbolicTensor and out._trace is trace

    def _dump(self, root):
        """LAMINA_DUMP_IR: the traced module and the module after each pass of the standard
        pipeline, one file each, in ROOT/<function>/<signature hash>/ (a copy is lowered:
        compilation itself may come from the cache and run no pass)."""
        from ..ir import parse
        from ..lowering import pipeline as P
        from ..lowering.llvm_to_llvmir import translate
        digest = hashlib.sha1(self._plain_text.encode()).hexdigest()[:12]
        directory = os.path.join(root, _symbol(self.name), digest)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "00-lamina.mlir"), "w") as f:
            f.write("// -----// IR Dump of the traced function //----- //\n" + self._text + "\n")
        inst = _DumpInstrumentation(directory)
        module = P.lower(parse(self._text, f"<{self.name}>"), "llvm", start="lamina",
                         instrumentation=inst)
        with open(os.path.join(directory, f"{inst.counter + 1:02d}-mlir-to-llvmir.ll"),
                  "w") as f:
            f.write(translate(module))

    def _accepts(self, leaves):
        """Whether input leaves (of the signature this was traced for, up to dims) fit."""
        return all(isinstance(s, Variable) or s.shape.is_compatible_with(x.shape)
                   for s, x in zip(self.input_specs, leaves))

    @staticmethod
    def _print(module, debuginfo):
        from ..ir import print_op
        return print_op(module, debuginfo=debuginfo)

    # -- calling ----------------------------------------------------------------------------
    def _call_flat(self, leaves):
        """Run on the input leaves (tensors and Variables, in order, already checked): on the
        GPU where one of them lives (gpu_eager.gpu_call), else on the CPU."""
        results = gpu_call(self, leaves)
        if results is None:
            return self._call_cpu(leaves)
        return self._outputs(results, _same)

    def _call_cpu(self, leaves):
        """_call_flat of CPU tensors (Function's fast path goes straight here)."""
        arrays = [x._array for x in leaves]
        if self.captured_inputs:
            arrays += [x._array for x in self.captured_inputs]
        results = self._entry(*arrays)
        if self._single_output:
            return wrap(results[0])
        return self._outputs(results, wrap)

    def _outputs(self, results, box):
        """The structured outputs of the function's results, each made a tensor by `box`."""
        if self._single_output:
            return box(results[0])
        flat = [box(results[k]) if k is not None else c
                for k, c in zip(self._result_index, self._constant_leaves)]
        it = iter(flat)
        return _map_leaves(lambda _: next(it), self.structured_outputs)

    def __call__(self, *args, **kwargs):
        leaves = []
        _flatten((list(args), dict(kwargs)), leaves, [])
        if len(leaves) != len(self.input_specs):
            raise TypeError(f"{self.name}: expected {len(self.input_specs)} tensor and "
                            f"Variable arguments, got {len(leaves)}")
        for i, (x, s) in enumerate(zip(leaves, self.input_specs)):
            if isinstance(s, Variable):
                if not isinstance(x, Variable) or x.dtype != s.dtype or x.shape != s.shape:
                    raise TypeError(f"{self.name}: argument #{i} must be a Variable like {s!r}")
            elif isinstance(x, Variable) or not s.is_compatible_with(x):
                raise TypeError(f"{self.name}: argument #{i} {x!r} is not compatible with "
                                f"{s!r}")
        return self._call_flat(leaves)

    # -- looking at it -----------------------------------------------------------------------
    def ir(self, stage="lamina", debug_info=False):
        """The IR text at `stage` ("lamina", "structured", "loops", "llvm" (the llvm
        dialect), "llvm-ir" (LLVM IR), "gpu" (kernels outlined), "ptx" (their PTX: no GPU
        needed)), or right after the registered pass named `stage` in the standard
        pipeline."""
        from ..ir import parse
        from ..lowering import pipeline as P
        if stage == "lamina":
            return self._text if debug_info else self._plain_text
        module = parse(self._text, f"<{self.name}>")
        if stage in P.GPU_STAGE_NAMES:
            return P.gpu_ir(module, stage, start="lamina")
        if stage in P.STAGE_NAMES:
            P.lower(module, "llvm" if stage == "llvm-ir" else stage, start="lamina")
            if stage == "llvm-ir":
                from ..lowering.llvm_to_llvmir import translate
                return translate(module)
        else:
            from ..passes import PassManager, parse_pipeline
            passes = [p for _, text in P.STAGES for p in text.split(",")]
            if stage not in passes:
                raise ValueError(f"unknown stage or pass {stage!r}: stages are "
                                 f"{', '.join(P.STAGE_NAMES)}; passes "
                                 f"{', '.join(dict.fromkeys(passes))}")
            upto = passes[:passes.index(stage) + 1]
            PassManager(parse_pipeline(",".join(upto)), True).run(module)
        return self._print(module, debuginfo=debug_info)

    def __repr__(self):
        return f"<ConcreteFunction {self.name}({', '.join(map(repr, self.input_specs))})>"


# -- polymorphic functions ----------------------------------------------------------------------

class Function:
    """A Python function staged per input signature (see the module's doc)."""

    def __init__(self, python_function, input_signature=None, reduce_retracing=False,
                 jit_compile=True, name=None, autograph=True):
        self.python_function = python_function
        self.input_signature = None if input_signature is None else list(input_signature)
        if self.input_signature is not None:
            for s in self.input_signature:
                if not isinstance(s, TensorSpec):
                    raise TypeError(f"input_signature must be TensorSpecs, got {s!r}")
        self.reduce_retracing = reduce_retracing
        self.jit_compile = jit_compile
        self.autograph = autograph
        self._converted = None    # python_function as autograph converts it
        self._name = name or getattr(python_function, "__name__", "function")
        self._signature = _signature_of(python_function)
        self._cache = {}
        self._tracing_count = 0
        self._bound = weakref.WeakKeyDictionary()
        self._relaxed = {}        # reduce_retracing: signature up to dims -> latest trace
        self._recent = collections.deque(maxlen=5)  # whether each recent call traced
        self._fast = {}           # (dtype, shape, ...) of eager tensor arguments -> trace
        self._shadow = {}         # run_functions_eagerly("compare"): traces returning all
        self._last_key = None
        functools.update_wrapper(self, python_function)

    @property
    def name(self):
        return self._name

    def __get__(self, instance, owner):
        """As a method: one Function per instance, over the bound method."""
        if instance is None:
            return self
        try:
            f = self._bound.get(instance)
        except TypeError:
            f = None
        if f is None:
            f = Function(self.python_function.__get__(instance, owner), self.input_signature,
                         self.reduce_retracing, self.jit_compile, self._name, self.autograph)
            try:
                self._bound[instance] = f
            except TypeError:
                pass
        return f

    def _traced_function(self):
        """The Python function a trace runs: with autograph, its conversion."""
        if not self.autograph:
            return self.python_function
        if self._converted is None:
            from .autograph import ConversionError, convert_entry
            try:
                self._converted = convert_entry(self.python_function)
            except ConversionError as e:
                raise ValueError(str(e)) from None
        return self._converted

    def experimental_get_tracing_count(self):
        return self._tracing_count

    def _bind(self, args, kwargs):
        """(args, kwargs) as the Python function takes them, defaults filled in; with an
        input_signature, the tensor arguments converted to their specs."""
        if self._signature is not None:
            try:
                b = self._signature.bind(*args, **kwargs)
            except TypeError as e:
                raise TypeError(f"{self._name}(): {e}") from None
            b.apply_defaults()
            args, kwargs = b.args, b.kwargs
        if self.input_signature is None:
            return tuple(args), dict(kwargs)
        specs = self.input_signature
        if len(args) != len(specs) or kwargs:
            raise TypeError(f"{self._name}(): with an input_signature of {len(specs)} "
                            f"TensorSpecs, pass exactly {len(specs)} positional arguments")
        out = []
        for i, (x, s) in enumerate(zip(args, specs)):
            t = x if isinstance(x, Tensor) else convert_to_tensor(x, s.dtype)
            if not s.is_compatible_with(t):
                raise TypeError(f"{self._name}(): argument #{i} {t!r} does not match the "
                                f"input_signature's {s!r}")
            out.append(t)
        return tuple(out), {}

    def _lookup(self, args, kwargs):
        """(concrete function, input leaves) for a call."""
        args, kwargs = self._bind(args, kwargs)
        leaves, key = [], []
        if self.input_signature is not None:
            leaves = list(args)
            key = None
        else:
            _flatten((list(args), kwargs), leaves, key)
            key = tuple(key)
        cf = self._cache.get(key)
        if cf is None:
            cf = self._trace(args, kwargs, leaves, key)
            self._cache[key] = cf
        else:
            self._recent.append(False)
        return cf, leaves

    def _remember_fast(self, args, kwargs, cf, leaves):
        """Calls of eager tensors only, positionally, whose leaves are those tensors, find
        their concrete function by dtypes and shapes alone next time (see __call__)."""
        if kwargs or self.input_signature is not None or len(leaves) != len(args):
            return
        fk = []
        for a, x in zip(args, leaves):
            if a is not x or a.__class__ is not EagerTensor:
                return
            fk.append(a._array.dtype)
            fk.append(a._array.shape)
        self._fast[tuple(fk)] = cf

    def _trace(self, args, kwargs, leaves, key):
        """The concrete function for a signature not in the cache: a new trace, or (with
        reduce_retracing) one whose dynamic dims take these shapes."""
        specs = self.input_signature if self.input_signature is not None else leaves
        relaxed = None
        if self.reduce_retracing and key is not None:
            relaxed = tuple((e[0], e[1], len(e[2])) if e[0] is _TENSOR else e for e in key)
            prev = self._relaxed.get(relaxed)
            if prev is not None:
                if prev._accepts(leaves):
                    self._recent.append(False)
                    return prev
                specs = [x if isinstance(x, Variable) else
                         TensorSpec(_generalized(s.shape, x.shape), x.dtype)
                         for s, x in zip(prev.input_specs, leaves)]
        self._tracing_count += 1
        self._recent.append(True)
        if key is not None and len(self._recent) == self._recent.maxlen and all(self._recent):
            self._warn_retracing(args, kwargs, key)
        self._last_key = key
        cf = ConcreteFunction(self._name, self._traced_function(), args, kwargs, specs,
                              first=self._tracing_count == 1)
        if relaxed is not None:
            self._relaxed[relaxed] = cf
        return cf

    def _warn_retracing(self, args, kwargs, key):
        paths = []
        _flatten((list(args), kwargs), [], [], paths)
        what = _what_changed(self._last_key, key, [self._arg_name(p) for p in paths])
        where = _where().rstrip(": ")
        warnings.warn(
            f"{self._name} traced {self._recent.maxlen} times in its last "
            f"{self._recent.maxlen} calls (tracing is slow): {what}"
            f"{' at ' + where if where else ''}", RetracingWarning, stacklevel=5)
        self._recent.clear()

    def _arg_name(self, path):
        """An argument's name for a path of _flatten over (args, kwargs)."""
        m = re.match(r"\[0\]\[(\d+)\](.*)$", path)
        if m:
            i = int(m.group(1))
            names = [] if self._signature is None else [
                p.name for p in self._signature.parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            return (names[i] if i < len(names) else f"args[{i}]") + m.group(2)
        m = re.match(r"\[1\]\[(.*?)\](.*)$", path)
        if m:
            k = m.group(1)
            return (k[1:-1] if k[:1] in "'\"" else k) + m.group(2)
        return "the arguments"

    def get_concrete_function(self, *args, **kwargs):
        """The concrete function for these arguments (TensorSpecs stand for tensors), traced
        if needed."""
        if self.input_signature is not None and not args and not kwargs:
            args = tuple(self.input_signature)
        return self._lookup(*_specs_as_placeholders(args, kwargs))[0]

    def __call__(self, *args, **kwargs):
        ex = ctx.executor
        # the GPU's eager executor (a device scope, or the default where a GPU is) stages the
        # call all the same: _call_flat runs it where its inputs live
        if _RUN_EAGERLY or (ex is not None and ex.__class__ is not GPUExecutor):
            if _RUN_EAGERLY == "compare" and ex is None:
                return self._call_compare(args, kwargs)
            if self.autograph and (isinstance(ctx.executor, _Trace) or
                                   SHADOWING.recorder is not None):
                return self._traced_function()(*args, **kwargs)
            return self.python_function(*args, **kwargs)
        if not kwargs:
            fk = []
            for a in args:
                if a.__class__ is not EagerTensor:
                    break
                arr = a._array
                fk.append(arr.dtype)
                fk.append(arr.shape)
            else:
                cf = self._fast.get(tuple(fk))
                if cf is not None:
                    self._recent.append(False)
                    return cf._call_cpu(args)
        cf, leaves = self._lookup(args, kwargs)
        self._remember_fast(args, kwargs, cf, leaves)
        return cf._call_flat(leaves)

    def _call_compare(self, args, kwargs):
        """run_functions_eagerly("compare"): the compiled call (of a trace that also returns
        the results of each step), then the eager run from the same Variable and random
        state, compared step by step. The eager run's state is what remains."""
        bargs, bkwargs = self._bind(args, kwargs)
        # arrays as tensors: what the trace sees as tensors, the eager run does too
        bargs, bkwargs = _map_leaves(
            lambda x: convert_to_tensor(x) if isinstance(x, np.ndarray) else x,
            (list(bargs), bkwargs))
        leaves, key = [], []
        _flatten((bargs, bkwargs), leaves, key)
        key = tuple(key)
        cf = self._shadow.get(key)
        if cf is None:
            specs = self.input_signature if self.input_signature is not None else leaves
            cf = self._shadow[key] = ConcreteFunction(self._name, self._traced_function(),
                                                      bargs, bkwargs, specs, shadow=True)
        from . import random_state
        variables = [x for x in leaves + cf.captured_inputs if isinstance(x, Variable)]
        saved = [v._array.copy() for v in variables]
        rng = random_state.STATE.copy()
        _, steps = cf._call_flat(leaves)
        for v, a in zip(variables, saved):
            np.copyto(v._array, a)
        random_state.STATE[:] = rng
        from .shadow import Recorder, report
        recorder = Recorder(cf, leaves)
        with executor_scope(recorder), recorder:
            want = self._traced_function()(*bargs, **bkwargs)
        found = recorder.difference(steps)
        if found is not None:
            raise ShadowMismatchError(report(cf, self._name, found, leaves, variables, saved,
                                             rng))
        return want

    def __repr__(self):
        return f"<lamina.Function {self._name}>"


# -- run_functions_eagerly("compare") (shadow.py) ------------------------------------------------

class _Shadowing(threading.local):
    recorder = None   # the shadow.Recorder of compare mode's eager run on this thread


SHADOWING = _Shadowing()


class _SpecTensor(Tensor):
    """A TensorSpec standing for a tensor in get_concrete_function's arguments (only its
    dtype and shape are used)."""

    __slots__ = ("_spec",)

    def __init__(self, spec):
        self._spec = spec

    shape = property(lambda self: self._spec.shape)
    dtype = property(lambda self: self._spec.dtype)


def _specs_as_placeholders(args, kwargs):
    def f(x):
        return _SpecTensor(x) if isinstance(x, TensorSpec) else x

    def walk(obj):
        if isinstance(obj, TensorSpec):
            return f(obj)
        c = obj.__class__
        if c is list or c is tuple:
            return c(walk(x) for x in obj)
        if isinstance(obj, dict):
            return {k: walk(v) for k, v in obj.items()}
        return obj
    return walk(tuple(args)), walk(dict(kwargs))


def _generalized(spec_shape, shape):
    """`spec_shape` with the dims that `shape` does not share made dynamic (None)."""
    return [a if a == b else None for a, b in zip(spec_shape.as_list(), shape.as_list())]


def _shape_text(dims):
    return str(TensorShape(dims))


def _what_changed(old, new, names):
    """Which argument differs between signatures `old` and `new` (key entries, with their
    argument names), and what would avoid the retracing."""
    if old is None or len(old) != len(new):
        return "the structure of the arguments changed"
    for a, b, name in zip(old, new, names):
        if a == b:
            continue
        if a[0] is _TENSOR and b[0] is _TENSOR:
            if a[1] != b[1]:
                return f"{name}: dtype {a[1].name} -> {b[1].name}"
            if len(a[2]) == len(b[2]):
                spec = [p if p == q else None for p, q in zip(a[2], b[2])]
                return (f"{name}: shape {_shape_text(a[2])} -> {_shape_text(b[2])}; use "
                        f"TensorSpec({spec}) or reduce_retracing=True")
            return (f"{name}: shape {_shape_text(a[2])} -> {_shape_text(b[2])} (the rank "
                    f"changed)")
        if a[0] is _VARIABLE and b[0] is _VARIABLE:
            return f"{name}: another Variable (each Variable argument traces anew)"
        if a[0] not in (_TENSOR, _VARIABLE) and len(a) == 2 and a[0] is b[0] and \
                a[0] not in (list, tuple, dict):
            return (f"{name}: Python value {a[1]!r} -> {b[1]!r} (each value traces anew; "
                    f"pass a tensor instead)")
        return f"{name}: the structure or kind of the argument changed"
    return "the arguments changed"


def _signature_of(fn):
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def function(func=None, input_signature=None, reduce_retracing=False, jit_compile=True,
             autograph=True, **kwargs):
    """Stage `func` (see Function); usable as `@function` and `@function(...)`."""
    if func is None:
        return lambda f: Function(f, input_signature, reduce_retracing, jit_compile,
                                  autograph=autograph)
    return Function(func, input_signature, reduce_retracing, jit_compile, autograph=autograph)

