"""Eager execution on a GPU: inside `with device("gpu:N")` (on a machine with that GPU), every
op runs as a GPU kernel, compiled once per op, input shapes, dtypes and attributes (cached),
on tensors that live in device memory (`GPUTensor`). An op's inputs and outputs stay on the
device: data reaches the host only when a program asks for it (`numpy()`, printing, `if`).

Ops the GPU path cannot compile (random ops, variables, printing) run on the CPU, on host
copies of their inputs, and their results go back to the device.
"""

from __future__ import annotations

import numpy as np

from ..dialects.func import FuncOp, ReturnOp
from ..ir import IRError
from ..ir import types as T
from ..ir.builtin import ModuleOp
from .dtypes import FROM_NUMPY
from .vjp_programs import entry, freeze
from .tensor import EagerTensor, wrap
from .tensor_shape import TensorShape


# op modules (lamina/dialects/lamina_ops/) whose ops compile shape-generically
_GENERIC_MODULES = ("elementwise", "reduction")


def gpu_device_name(index):
    return f"/job:localhost/replica:0/task:0/device:GPU:{index}"


class GPUTensor(EagerTensor):
    """An eager tensor in GPU memory; its host value (`_array`) is copied out on first use."""

    __slots__ = ("_value", "_gpu", "_host")

    @property
    def _array(self):
        h = self._host
        if h is None:
            h = self._host = self._value.numpy(self._gpu.device)
        return h

    @property
    def shape(self):
        return TensorShape._of(self._value.shape)

    @property
    def dtype(self):
        return FROM_NUMPY[self._value.dtype]

    @property
    def ndim(self):
        return len(self._value.shape)

    @property
    def device(self):
        return gpu_device_name(self._gpu.index)

    backing_device = device

    def __reduce__(self):
        return wrap, (self._array,)


def _gpu_tensor(value, gpu):
    t = object.__new__(GPUTensor)
    t._value, t._gpu, t._host = value, gpu, None
    return t


class GPUExecutor:
    """Runs ops on GPU `index` of `device` (a runtime.cuda.Device, or a stand-in with its
    interface)."""

    executing_eagerly = True

    def __init__(self, device, index=0):
        self.device = device
        self.index = index
        self.cache = {}  # (op, input signature, attrs) -> GPUFunction, or None: CPU only

    @staticmethod
    def _shape_generic(op, inputs):
        """Whether `op` gets one kernel for all shapes of its inputs' ranks: elementwise ops
        and reductions whose inputs all have one shape (so no broadcasting hides in it)."""
        return op.__module__.rsplit(".", 1)[-1] in _GENERIC_MODULES and \
            len({tuple(x.shape.as_list()) for x in inputs}) == 1

    def _signature(self, op, inputs):
        if self._shape_generic(op, inputs):
            return ("generic",) + tuple((x.ndim, x.dtype.name) for x in inputs)
        return tuple((tuple(x.shape.as_list()), x.dtype.name) for x in inputs)

    def _compile(self, op, inputs, attrs):
        from ..runtime.cuda_launch import GPUFunction
        generic = self._shape_generic(op, inputs)
        types = [T.RankedTensorType([T.DYNAMIC] * x.ndim if generic else x.shape.as_list(),
                                    x.dtype.ir_type) for x in inputs]
        f = FuncOp.build("op", T.FunctionType(types, []))
        e = entry(op)
        if e.build is None:
            raise NotImplementedError(f"{op.opdef.name} runs on the CPU")
        irop = e.build(list(f.entry.args), attrs)
        f.entry.append(irop)
        f.entry.append(ReturnOp(list(irop.results)))
        f.properties["function_type"].value = T.FunctionType(
            types, [r.type for r in irop.results])
        return GPUFunction(str(ModuleOp([f])), "op", self.device)

    def compiled(self, op, inputs, attrs):
        """The GPUFunction running `op` on inputs like these (None: the op runs on the CPU)."""
        key = (op, self._signature(op, inputs), freeze(attrs))
        if key not in self.cache:
            try:
                self.cache[key] = self._compile(op, inputs, attrs)
            except (IRError, NotImplementedError, TypeError):
                self.cache[key] = None
        return self.cache[key]

    def _on_device(self, x):
        from ..runtime.cuda_launch import to_device
        if x.__class__ is GPUTensor and x._gpu is self:
            return x._value
        return to_device(self.device, np.asarray(x._array))

    def run_op(self, op, inputs, attrs):
        e = entry(op)  # derivative rules' own ops (reduce_to_shape...) included
        if not all(isinstance(x, EagerTensor) for x in inputs):
            return e.eager(e, inputs, attrs)
        fn = self.compiled(op, inputs, attrs)
        if fn is None:
            out = e.eager(e, inputs, attrs)
            if isinstance(out, EagerTensor):
                from ..runtime.cuda_launch import to_device
                return _gpu_tensor(to_device(self.device, out._array), self)
            return out
        results = fn.run(*[self._on_device(x) for x in inputs])
        out = [_gpu_tensor(r, self) for r in results]
        if not out:
            return None
        return out[0] if len(out) == 1 else tuple(out)


_EXECUTORS = {}


def executor_for(index):
    """The GPUExecutor of GPU `index` (one per GPU, sharing its compile cache)."""
    ex = _EXECUTORS.get(index)
    if ex is None:
        from ..runtime import cuda
        ex = _EXECUTORS[index] = GPUExecutor(cuda.device(index), index)
    return ex


def gpu_call(concrete, leaves):
    """Results (GPUTensors) of concrete function `concrete` run on the GPU where one of its
    input `leaves` lives; None when none does, or when the function cannot be compiled for
    the GPU (then it runs on the CPU, as TensorFlow's soft placement would)."""
    for x in leaves:
        if x.__class__ is GPUTensor:
            gpu = x._gpu
            break
    else:
        return None
    key = ("function", concrete._text, concrete.name)
    if key not in gpu.cache:
        from ..runtime.cuda_launch import GPUFunction
        try:
            gpu.cache[key] = GPUFunction(concrete._text, concrete.name, gpu.device)
        except (IRError, NotImplementedError, TypeError):
            gpu.cache[key] = None
    fn = gpu.cache[key]
    inputs = list(leaves) + list(concrete.captured_inputs or ())
    if fn is None or not all(isinstance(x, EagerTensor) for x in inputs):
        return None
    return [_gpu_tensor(r, gpu) for r in fn.run(*[gpu._on_device(x) for x in inputs])]


__all__ = ["GPUTensor", "GPUExecutor", "executor_for", "gpu_device_name", "gpu_call"]
