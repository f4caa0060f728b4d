"""Running a module at the gpu stage: its kernels compiled (PTX -> cubin for the device's
architecture) and loaded, and each public host function executed as a launch plan.

After `convert-parallel-loops-to-gpu` and `gpu-kernel-outlining`, a host function holds no
data access: only allocation, views (casts, reshapes, subviews), shape and scalar
arithmetic, device-to-device copies and kernel launches. The runtime owns all of those, so
the plan runs them itself, op by op, with the driver (`device`: a runtime.cuda.Device, or any
object with its methods); no host code is compiled and no data passes through the host.

Memref values are `DeviceArray`s: a device buffer with an element offset, sizes and strides,
the fields of MLIR's memref descriptor. A kernel's memref argument is passed as those
fields (allocated pointer, aligned pointer, offset, sizes, strides), the order
convert-gpu-to-nvvm gives the kernel's parameters.
"""

from __future__ import annotations

import ctypes
import operator

import numpy as np

from ..ir import IRError
from ..ir import types as T
from ..ir.attributes import DenseElementsAttr, FloatAttr, IntegerAttr

_NUMPY = {"f16": np.float16, "bf16": None, "f32": np.float32, "f64": np.float64}


def numpy_dtype(t):
    """The numpy dtype of builtin element type `t`."""
    if t.__class__ is T.FloatType:
        d = _NUMPY.get(t.name)
        if d is not None:
            return np.dtype(d)
    elif t.__class__ is T.IntegerType:
        if t.width == 1:
            return np.dtype(np.bool_)
        if t.width in (8, 16, 32, 64):
            return np.dtype(f"{'u' if t.signedness == 'u' else 'i'}{t.width // 8}")
    elif t.__class__ is T.IndexType:
        return np.dtype(np.int64)
    raise IRError(f"element type '{t}' has no device buffer layout")


class DeviceArray:
    """A strided view of device memory (a memref descriptor whose pointer is on the GPU)."""

    __slots__ = ("buffer", "offset", "shape", "strides", "dtype")

    def __init__(self, buffer, offset, shape, strides, dtype):
        self.buffer, self.offset = buffer, offset
        self.shape, self.strides = tuple(shape), tuple(strides)
        self.dtype = np.dtype(dtype)

    @staticmethod
    def contiguous_strides(shape):
        strides, acc = [], 1
        for d in reversed(shape):
            strides.append(acc)
            acc *= d
        return tuple(reversed(strides))

    @property
    def is_contiguous(self):
        return all(s == c for s, c, d in zip(self.strides, self.contiguous_strides(self.shape),
                                             self.shape) if d != 1)

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def pointer(self):
        return self.buffer.ptr

    def numpy(self, device):
        """A host copy (one counted device-to-host copy)."""
        if not self.is_contiguous:
            raise IRError("copying a strided device view to the host is not supported")
        view = _Offset(self.buffer, self.offset * self.dtype.itemsize)
        return device.to_host(view, self.shape, self.dtype)


class _Offset:
    """A buffer address `nbytes` into another buffer (for copies of views)."""

    __slots__ = ("ptr", "nbytes")

    def __init__(self, buffer, nbytes):
        self.ptr = buffer.ptr + nbytes
        self.nbytes = getattr(buffer, "nbytes", 0) - nbytes


def to_device(device, array):
    a = np.asarray(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
    return DeviceArray(device.to_device(a), 0, a.shape, DeviceArray.contiguous_strides(a.shape),
                       a.dtype)


# -- host scalar arithmetic ----------------------------------------------------------------------

def _wrap(v, t):
    """Integer `v` wrapped to the width of `t` (signed view); index is 64-bit."""
    w = 64 if t.__class__ is T.IndexType else t.width
    if w == 1:
        return v & 1
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


def _unsigned(v, t):
    w = 64 if t.__class__ is T.IndexType else t.width
    return v & ((1 << w) - 1)


def _integer(t):
    return t.__class__ in (T.IntegerType, T.IndexType)


def _ceildiv(a, b):
    return -(-a // b)


def _tdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


_INT = {
    "arith.addi": operator.add, "arith.subi": operator.sub, "arith.muli": operator.mul,
    "arith.divsi": _tdiv, "arith.remsi": lambda a, b: a - _tdiv(a, b) * b,
    "arith.floordivsi": operator.floordiv, "arith.ceildivsi": _ceildiv,
    "arith.minsi": min, "arith.maxsi": max, "arith.andi": operator.and_,
    "arith.ori": operator.or_, "arith.xori": operator.xor, "arith.shli": operator.lshift,
}
_UINT = {"arith.divui": operator.floordiv, "arith.remui": operator.mod,
         "arith.ceildivui": _ceildiv, "arith.minui": min, "arith.maxui": max,
         "arith.shrui": operator.rshift}
_FLOAT = {"arith.addf": np.add, "arith.subf": np.subtract, "arith.mulf": np.multiply,
          "arith.divf": np.divide, "arith.maximumf": np.maximum, "arith.minimumf": np.minimum,
          "arith.maxnumf": np.fmax, "arith.minnumf": np.fmin}
# math on host scalars (sizes computed from float bounds, as lamina.range does)
_MATH = {"math.ceil": np.ceil, "math.floor": np.floor, "math.absf": np.abs,
         "math.sqrt": np.sqrt, "math.roundeven": np.rint, "math.trunc": np.trunc}
_CMPI = {"eq": operator.eq, "ne": operator.ne, "slt": operator.lt, "sle": operator.le,
         "sgt": operator.gt, "sge": operator.ge, "ult": operator.lt, "ule": operator.le,
         "ugt": operator.gt, "uge": operator.ge}


def _cmpf(pred, a, b):
    """arith.cmpf on host floats: o* ordered (false with a nan), u* unordered (true)."""
    if pred in ("false", "true"):
        return pred == "true"
    nan = np.isnan(a) or np.isnan(b)
    if pred in ("ord", "uno"):
        return nan == (pred == "uno")
    rel = {"eq": a == b, "ne": a != b, "lt": a < b, "le": a <= b, "gt": a > b,
           "ge": a >= b}[pred[1:]]
    return (nan or rel) if pred[0] == "u" else (not nan and rel)


def _scalar(attr, t):
    if isinstance(attr, IntegerAttr):
        return _wrap(attr.value, t) if t.__class__ is not T.IntegerType or t.width > 1 \
            else attr.value & 1
    if isinstance(attr, FloatAttr):
        return numpy_dtype(t).type(attr.value)
    raise IRError(f"constant '{attr}' cannot be a host scalar")


# -- kernel arguments -----------------------------------------------------------------------------

_CTYPES = {"f32": ctypes.c_float, "f64": ctypes.c_double}


def kernel_arguments(values, types):
    """The ctypes scalars a kernel takes for `values` of builtin `types` (memrefs expanded)."""
    out = []
    for v, t in zip(values, types):
        if t.__class__ is T.MemRefType:
            p = ctypes.c_void_p(v.pointer)
            out += [p, ctypes.c_void_p(v.pointer), ctypes.c_int64(v.offset)]
            out += [ctypes.c_int64(d) for d in v.shape]
            out += [ctypes.c_int64(s) for s in v.strides]
        elif t.__class__ is T.IndexType:
            out.append(ctypes.c_int64(v))
        elif t.__class__ is T.IntegerType:
            w = max(8, t.width)
            out.append({8: ctypes.c_int8, 16: ctypes.c_int16, 32: ctypes.c_int32,
                        64: ctypes.c_int64}[w](int(v)))
        elif t.__class__ is T.FloatType and t.name in _CTYPES:
            out.append(_CTYPES[t.name](float(v)))
        elif t.__class__ is T.FloatType and t.name == "f16":
            out.append(ctypes.c_uint16(int(np.float16(v).view(np.uint16))))
        else:
            raise IRError(f"kernel argument of type '{t}' is not supported")
    return out


# -- the program ----------------------------------------------------------------------------------

class GPUProgram:
    """The kernels and host plans of a gpu-stage module, for one device."""

    def __init__(self, module, device):
        self.device = device
        self.module = module
        self.kernels = {}   # gpu.module name -> the device's loaded module
        self.checked = []   # loaded modules whose kernels have checks (cf.assert)
        self._load_kernels()
        self.functions = {o.sym: o for o in module.regions[0].blocks[0]
                          if o.name == "func.func" and not o.is_declaration}
        self.globals = {}

    def _load_kernels(self):
        """Each gpu.module as PTX, assembled for the device's architecture and loaded."""
        from ..lowering.gpu_to_ptx import assemble, ptx
        sm = self.device.sm
        for name, text in ptx(self.module, sm).items():
            loaded = self.device.load((id(self), name), assemble(text, sm))
            self.kernels[name] = loaded
            if "__lamina_status" in text:
                self.checked.append(loaded)

    def __call__(self, name, *args):
        fn = self.functions.get(name)
        if fn is None:
            raise IRError(f"no function @{name} in the GPU program")
        ft = fn.type
        if len(args) != len(ft.inputs):
            raise TypeError(f"@{name} takes {len(ft.inputs)} arguments, got {len(args)}")
        for i, (a, t) in enumerate(zip(args, ft.inputs)):
            if t.__class__ is T.MemRefType:
                if not isinstance(a, DeviceArray):
                    raise TypeError(f"argument #{i} of @{name} must be a device array")
                want = numpy_dtype(t.element_type)
                # integers are signless at this level: ui8 data in an i8 buffer
                same = a.dtype == want or (a.dtype.kind in "iu" and want.kind in "iu" and
                                           a.dtype.itemsize == want.itemsize)
                if not same or len(a.shape) != t.rank or any(
                        d != T.DYNAMIC and d != s for d, s in zip(t.shape, a.shape)):
                    raise TypeError(f"argument #{i} of @{name}: expected {t}, got "
                                    f"{a.dtype.name} array of shape {a.shape}")
        env = dict(zip(fn.entry.args, args))
        results = self._run_block(fn.entry, env)
        for m in self.checked:
            msg = self.device.read_status(m)
            if msg is not None:
                from .. import errors
                raise errors.InvalidArgumentError(None, None, msg)
        return results

    def _global(self, op):
        name = op.properties["name"].root
        arr = self.globals.get(name)
        if arr is None:
            g = next(o for o in self.module.regions[0].blocks[0]
                     if o.name == "memref.global" and o.properties["sym_name"].value == name)
            t = g.properties["type"].value
            init = g.properties.get("initial_value")
            dt = numpy_dtype(t.element_type)
            data = np.zeros(t.shape, dt) if not isinstance(init, DenseElementsAttr) else \
                np.broadcast_to(np.asarray(init.array, dtype=dt), t.shape)
            arr = self.globals[name] = to_device(self.device, data)
        return arr

    def _run_block(self, block, env):
        dev = self.device
        for op in block:
            n = op.name
            ins = [env.get(v) for v in op.operands]
            res = op.results
            if n in ("func.return", "scf.yield", "scf.condition"):
                return ins
            if n == "arith.constant":
                env[res[0]] = _scalar(op.properties["value"], res[0].type)
            elif n in _INT:
                env[res[0]] = _wrap(_INT[n](*ins), res[0].type)
            elif n in _UINT:
                t = res[0].type
                env[res[0]] = _wrap(_UINT[n](*(_unsigned(x, t) for x in ins)), t)
            elif n in _FLOAT:
                env[res[0]] = _FLOAT[n](*ins)
            elif n == "arith.cmpi":
                pred = op.predicate_name
                t = op.operands[0].type
                a, b = (ins if pred[0] != "u" else [_unsigned(x, t) for x in ins])
                env[res[0]] = int(_CMPI[pred](a, b))
            elif n == "arith.cmpf":
                a, b = (np.float64(x) for x in ins)
                pred = op.opdef.props["predicate"].constraint.case(op.properties["predicate"])
                env[res[0]] = int(_cmpf(pred, a, b))
            elif n in _MATH:
                env[res[0]] = _MATH[n](ins[0])
            elif n == "arith.negf":
                env[res[0]] = -ins[0]
            elif n in ("arith.fptosi", "arith.fptoui"):
                env[res[0]] = _wrap(int(ins[0]), res[0].type)
            elif n == "arith.select":
                env[res[0]] = ins[1] if ins[0] else ins[2]
            elif n in ("arith.index_cast", "arith.index_castui", "arith.extsi", "arith.trunci"):
                env[res[0]] = _wrap(int(ins[0]), res[0].type)
            elif n in ("arith.sitofp", "arith.uitofp", "arith.extf", "arith.truncf"):
                env[res[0]] = numpy_dtype(res[0].type).type(ins[0])
            elif n == "memref.alloc":
                t = res[0].type
                it = iter(ins)
                shape = [next(it) if d == T.DYNAMIC else d for d in t.shape]
                dt = numpy_dtype(t.element_type)
                size = int(np.prod(shape, dtype=np.int64)) if shape else 1
                env[res[0]] = DeviceArray(dev.pool.allocate(size * dt.itemsize), 0, shape,
                                          DeviceArray.contiguous_strides(shape), dt)
            elif n == "memref.dealloc":
                ins[0].buffer.release()
            elif n == "memref.get_global":
                env[res[0]] = self._global(op)
            elif n == "memref.dim":
                env[res[0]] = ins[0].shape[ins[1]]
            elif n == "memref.cast":
                env[res[0]] = ins[0]
            elif n in ("memref.reinterpret_cast", "memref.subview"):
                env[res[0]] = self._view(op, ins[0], env)
            elif n == "memref.extract_strided_metadata":
                a = ins[0]
                env[res[0]] = DeviceArray(a.buffer, 0, (), (), a.dtype)
                vals = [a.offset, *a.shape, *a.strides]
                for r, v in zip(res[1:], vals):
                    env[r] = v
            elif n == "memref.expand_shape":
                env[res[0]] = _expand(op, ins[0], env)
            elif n == "memref.collapse_shape":
                env[res[0]] = _collapse(op, ins[0])
            elif n == "memref.copy":
                src, dst = ins
                if not (src.is_contiguous and dst.is_contiguous):
                    raise IRError("strided device-to-device copies are not supported", op.loc)
                it = src.dtype.itemsize
                dev.copy(_Offset(dst.buffer, dst.offset * it), _Offset(src.buffer,
                                                                      src.offset * it),
                         src.size * it)
            elif n == "gpu.launch_func":
                self._launch(op, env)
            elif n == "func.call":  # a function of the program: its own host plan
                callee = self.functions.get(op.properties["callee"].root)
                if callee is None:
                    raise IRError(f"call of '{op.properties['callee'].root}' cannot run in "
                                  "GPU host code", op.loc)
                env.update(zip(res, self._run_block(callee.entry,
                                                    dict(zip(callee.entry.args, ins)))))
            elif n == "scf.if":
                region = op.regions[0] if ins[0] else op.regions[1]
                out = self._run_block(region.blocks[0], env) if region.blocks else []
                env.update(zip(res, out))
            elif n == "scf.for":
                lb, ub, step, *carried = ins
                body = op.regions[0].blocks[0]
                for i in range(lb, ub, step):
                    env.update(zip(body.args, [i, *carried]))
                    carried = self._run_block(body, env)
                env.update(zip(res, carried))
            elif n == "scf.while":
                values = ins
                before, after = op.regions[0].blocks[0], op.regions[1].blocks[0]
                while True:
                    env.update(zip(before.args, values))
                    go, *values = self._run_block(before, env)
                    if not go:
                        break
                    env.update(zip(after.args, values))
                    values = self._run_block(after, env)
                env.update(zip(res, values))
            elif n == "memref.load":  # a value the host needs (a size, a condition)
                env[res[0]] = self._read(ins[0], ins[1:], res[0].type)
            elif n == "cf.assert":  # a check of shapes: before any kernel could go wrong
                if not ins[0]:
                    from .. import errors
                    raise errors.InvalidArgumentError(None, None, op.properties["msg"].value)
            else:
                raise IRError(f"'{n}' cannot run in GPU host code", op.loc)
        return []

    def _read(self, a, indices, t):
        """One element of device array `a`, copied to the host."""
        lin = a.offset + sum(int(i) * s for i, s in zip(indices, a.strides))
        v = self.device.to_host(_Offset(a.buffer, lin * a.dtype.itemsize), (), a.dtype)[()]
        return _wrap(int(v), t) if _integer(t) else v

    def _view(self, op, src, env):
        def vals(mixed):
            return [v if isinstance(v, int) else env[v] for v in mixed]
        offs, sizes, strides = (vals(op.mixed_offsets()), vals(op.mixed_sizes()),
                                vals(op.mixed_strides()))
        if op.name == "memref.reinterpret_cast":
            return DeviceArray(src.buffer, offs[0], sizes, strides, src.dtype)
        off = src.offset + sum(o * s for o, s in zip(offs, src.strides))
        st = [s * k for s, k in zip(src.strides, strides)]
        rank = op.results[0].type.rank
        if rank < len(sizes):  # rank-reducing: drop unit dims
            keep = [i for i, d in enumerate(sizes) if d != 1][:rank]
            keep += [i for i in range(len(sizes)) if i not in keep][:rank - len(keep)]
            keep.sort()
            sizes, st = [sizes[i] for i in keep], [st[i] for i in keep]
        return DeviceArray(src.buffer, off, sizes, st, src.dtype)

    def _launch(self, op, env):
        mod_name, kname = op.module_name, op.kernel_name
        fn = self.device.function(self.kernels[mod_name], kname)
        operands = [env[v] for v in op.kernelOperands]
        args = kernel_arguments(operands, [v.type for v in op.kernelOperands])
        grid = [int(env[v]) for v in op.grid_sizes]
        block = [int(env[v]) for v in op.block_sizes]
        if 0 in grid:
            return
        self.device.launch(fn, grid, block, args)


def _reassociation(op):
    from ..dialects.memref import reassociation_groups
    return reassociation_groups(op.properties["reassociation"])


def _expand(op, src, env):
    t = op.results[0].type
    it = iter(op.operands[1:])
    shape = [env[next(it)] if d == T.DYNAMIC else d for d in t.shape] if \
        any(d == T.DYNAMIC for d in t.shape) else list(t.shape)
    strides = [0] * len(shape)
    for src_dim, group in enumerate(_reassociation(op)):
        acc = src.strides[src_dim] if src.strides else 1
        for d in reversed(group):
            strides[d] = acc
            acc *= shape[d]
    return DeviceArray(src.buffer, src.offset, shape, strides, src.dtype)


def _collapse(op, src):
    shape, strides = [], []
    for group in _reassociation(op):
        n = 1
        for d in group:
            n *= src.shape[d]
        shape.append(n)
        strides.append(src.strides[group[-1]] if group else 1)
    return DeviceArray(src.buffer, src.offset, shape, strides, src.dtype)




class GPUModule:
    """A lamina-level module (traced functions' IR) compiled for one GPU.
    `program_class`: how the kernels are loaded (tests interpret them instead)."""

    def __init__(self, lamina_text, device, program_class=GPUProgram):
        from ..ir import parse
        from ..lowering.pipeline import lower_for_gpu
        module = parse(lamina_text)
        from ..dialects.lamina_ops.state import VariableType
        funcs = [o for o in module.regions[0].blocks[0] if o.name == "func.func"]
        # result element types as the source gives them (ui8 is signless i8 below it)
        self.result_dtypes = {o.sym: [_source_dtype(t) for t in o.type.results]
                              for o in funcs}
        # arguments that are variables: updated in place
        self.variables = {o.sym: [i for i, t in enumerate(o.type.inputs)
                                  if t.__class__ is VariableType] for o in funcs}
        lower_for_gpu(module)
        self.device = device
        self.program = program_class(module, device)

    def function(self, name):
        return GPUFunction(self, name)


def _source_dtype(t):
    try:
        return numpy_dtype(t.element_type)
    except (AttributeError, IRError):
        return None


class GPUFunction:
    """A function of a GPUModule: called with host arrays, it copies them in, runs its host
    plan and copies the results out; `run` works on DeviceArrays and leaves the results on
    the device. `GPUFunction(text, name, device)` compiles the module for that one function."""

    def __init__(self, module, name, device=None, program_class=GPUProgram):
        if not isinstance(module, GPUModule):
            module = GPUModule(module, device, program_class)
        self.module = module
        self.name = name
        self.device = module.device
        self.program = module.program

    def run(self, *device_arrays):
        outs = self.program(self.name, *device_arrays)
        for o, dt in zip(outs, self.module.result_dtypes.get(self.name, ())):
            if isinstance(o, DeviceArray) and dt is not None and dt != o.dtype and \
                    dt.itemsize == o.dtype.itemsize:
                o.dtype = dt
        return outs

    def __call__(self, *arrays):
        types = self.program.functions[self.name].type.inputs
        ins = [to_device(self.device, np.asarray(a)) if t.__class__ is T.MemRefType else a
               for a, t in zip(arrays, types)]
        outs = self.run(*ins)
        for i in self.module.variables.get(self.name, ()):
            np.copyto(arrays[i], ins[i].numpy(self.device))
        return [o.numpy(self.device) for o in outs]


__all__ = ["numpy_dtype", "DeviceArray", "to_device", "kernel_arguments", "GPUProgram",
           "GPUModule", "GPUFunction"]
