"""Calling compiled functions from Python through their packed-argument entry.

A function's arguments and results are builtin types at the `func` level: memrefs (numpy arrays
pass without a copy as descriptors: allocated and aligned pointer, offset, sizes and strides in
elements) and scalars. The packed entry takes an array of pointers, one per descriptor field
and scalar, then one to the result storage. Everything that does not depend on the values is
planned once per signature, so that a call of a function of static-shaped, contiguous arrays
only stores one address per array and reads the results back:

- the pointer array points the allocated and aligned fields straight at the array object's
  own data pointer (`id(a) + _DATA`: NumPy's C ABI puts it first after the object header),
  and the offset, size and stride fields at slots that hold their static values;
- a result of static shape is an out param (buffer-results-to-out-params): the call passes a
  new numpy array, which the function fills; a result the function allocated (dynamic shapes)
  becomes an ndarray over the native buffer whose base is a ctypes block that frees the
  buffer when it dies.

Anything else (other layouts, dynamic shapes, conversions, variables) takes the general path,
which checks the argument fully and writes its sizes and strides for that call. Each concurrent
call uses its own set of these buffers (a pool), so threads never share one.
"""

from __future__ import annotations

import ctypes
import struct

import numpy as np

from .. import errors
from ..ir import types as T

_libc = ctypes.CDLL(None)
_free = _libc.free
_free.argtypes = [ctypes.c_void_p]
_free.restype = None
_ENTRY = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_ndarray = np.ndarray
_empty = np.empty

# In CPython id() is the object's address; an ndarray's data pointer is the first field after
# the object header (PyArrayObject_fields.data, which every extension's PyArray_DATA reads)
_DATA = object.__basicsize__
_probe = np.arange(3.0)
if ctypes.c_void_p.from_address(id(_probe) + _DATA).value != \
        _probe.__array_interface__["data"][0]:
    raise ImportError("lamina: this numpy's arrays do not keep their data pointer where "
                      "NumPy's C ABI puts it")
del _probe

_NP = {("f", 16): np.float16, ("f", 32): np.float32, ("f", 64): np.float64,
       ("i", 1): np.bool_, ("i", 8): np.int8, ("i", 16): np.int16, ("i", 32): np.int32,
       ("i", 64): np.int64, ("u", 8): np.uint8, ("u", 16): np.uint16, ("u", 32): np.uint32,
       ("u", 64): np.uint64}


def numpy_dtype(t):
    """The numpy dtype of a builtin element type (`ui8` -> uint8, `index` -> int64)."""
    if t.__class__ is T.IndexType:
        return np.dtype(np.int64)
    if t.__class__ is T.FloatType:
        key = ("f", t.width)
    elif t.__class__ is T.IntegerType:
        key = ("u" if t.signedness == "u" else "i", t.width)
    else:
        key = None
    dt = _NP.get(key)
    if dt is None:
        raise errors.UnimplementedError(None, None, f"no numpy dtype for element type '{t}'")
    return np.dtype(dt)


_SCALAR_FMT = {np.dtype(np.float16): "e", np.dtype(np.float32): "f", np.dtype(np.float64): "d",
               np.dtype(np.bool_): "?", np.dtype(np.int8): "b", np.dtype(np.int16): "h",
               np.dtype(np.int32): "i", np.dtype(np.int64): "q", np.dtype(np.uint8): "B",
               np.dtype(np.uint16): "H", np.dtype(np.uint32): "I", np.dtype(np.uint64): "Q"}


class _Owner:
    """Frees a buffer the compiled code allocated once nothing references its data."""

    __slots__ = ("ptr",)

    def __init__(self, ptr):
        self.ptr = ptr

    def __del__(self):
        _free(self.ptr)


def _free_block(block):
    _free(ctypes.addressof(block))


_BLOCKS = {}


def _block_class(nbytes):
    """A ctypes array type of `nbytes` whose instances, made over a native buffer with
    `from_address`, free it when they die: the base of a result array."""
    cls = _BLOCKS.get(nbytes)
    if cls is None:
        cls = _BLOCKS[nbytes] = type("_Block", (ctypes.c_char * nbytes,),
                                     {"__slots__": (), "__del__": _free_block})
    return cls


def _identity(t):
    return t.layout is None or getattr(t.layout, "is_identity", False)


def _row_major(shape):
    strides = []
    n = 1
    for d in reversed(shape):
        strides.append(n)
        n *= d
    return strides[::-1]


def _result_layout(types):
    """C layout of the result (one value, or a struct of several): (format, [field starts])."""
    fmt = "@"
    starts = []
    for t in types:
        starts.append(len(fmt) - 1)
        if t.__class__ is T.MemRefType:
            fmt += "PP" + "q" * (1 + 2 * t.rank)
        else:
            fmt += _SCALAR_FMT[numpy_dtype(t)]
    return fmt, starts


class _Buffers:
    """One call's native argument and result storage: int64 slots for descriptor fields and
    scalars, the packed pointer array over them, the result storage."""

    __slots__ = ("slots", "ptrs", "address", "results", "scalars")

    def __init__(self, entry):
        self.slots = entry._default_slots.copy()
        self.results = ctypes.create_string_buffer(max(entry._unpack.size, 8))
        base = self.slots.ctypes.data
        self.ptrs = (ctypes.c_void_p * (len(entry._slot_of_field) + 1))(
            *[base + 8 * k for k in entry._slot_of_field], ctypes.addressof(self.results))
        self.address = ctypes.addressof(self.ptrs)
        self.scalars = {k: self.slots[k:k + 1].view(dt) for k, dt in entry._scalar_slots}


class Entry:
    """A compiled function `name` of `library` with builtin argument and result types."""

    def __init__(self, library, name, arg_types, result_types, status_address=None,
                 variables=(), out_params=()):
        """`variables`: the indices of the arguments that are variables, which the function
        updates in place: their arrays are passed as they are, never copied. `out_params`:
        the results (indices into `result_types`, in order) that the compiled function takes
        as trailing arguments (buffer-results-to-out-params): the call allocates them."""
        self.name = name
        self.variables = frozenset(variables)
        self.library = library  # keeps the code loaded
        self.fn = _ENTRY(library.address("_mlir__" + name))
        self.arg_types = list(arg_types)
        self.result_types = list(result_types)
        self.out_params = list(out_params)
        outs = frozenset(self.out_params)
        native_args = self.arg_types + [self.result_types[r] for r in self.out_params]
        native_results = [t for r, t in enumerate(self.result_types) if r not in outs]
        self.status = status_address
        self._status = None if status_address is None else \
            ctypes.c_void_p.from_address(status_address)
        # arguments whose layout is the identity: the compiled code computes row-major
        # strides from the sizes, ignoring the descriptor's
        self.contiguous = frozenset(
            i for i, t in enumerate(native_args)
            if t.__class__ is T.MemRefType and _identity(t))
        # per argument: (k, dtype, static shape, row-major byte strides, index); k is a
        # memref's first field in the pointer array, a scalar's slot; the shape is None
        # where the general path must run (scalars, dynamic shapes, variables)
        plan = []
        slot_of_field = []  # the slot each field of the packed array points at
        default = []
        scalar_slots = []
        for i, t in enumerate(native_args):
            field = len(slot_of_field)
            if t.__class__ is T.MemRefType:
                dt = numpy_dtype(t.element_type)
                static = all(d != T.DYNAMIC for d in t.shape)
                shape = tuple(t.shape) if static and i not in self.variables else None
                elems = _row_major(t.shape) if static else [0] * t.rank
                byte_strides = tuple(s * dt.itemsize for s in elems)
                first = len(default)
                default += [0] + (list(t.shape) if static else [0] * t.rank) + elems
                # allocated and aligned pointer fields are set per call
                slot_of_field += [0, 0] + list(range(first, first + 1 + 2 * t.rank))
                plan.append((field, dt, shape, byte_strides, i))
            elif t.__class__ in (T.IntegerType, T.FloatType, T.IndexType):
                dt = numpy_dtype(t)
                scalar_slots.append((len(default), dt))
                slot_of_field.append(len(default))
                default.append(0)
                plan.append((len(default) - 1, dt, None, None, i))
            else:
                raise errors.UnimplementedError(None, None,
                                                f"cannot pass a '{t}' argument from Python")
        n = len(self.arg_types)
        self._plan = plan[:n]
        self._outs = [(k, dt, shape) for k, dt, shape, _, _ in plan[n:]]
        self._nargs = n
        self._slot_of_field = slot_of_field
        self._default_slots = np.array(default or [0], dtype=np.int64)
        self._scalar_slots = scalar_slots
        fmt, starts = _result_layout(native_results)
        self._unpack = struct.Struct(fmt)
        # per native result: (first field, dtype, is_memref, static shape, block class or None)
        self._results_plan = []
        for t, start in zip(native_results, starts):
            if t.__class__ is not T.MemRefType:
                self._results_plan.append((start, numpy_dtype(t), False, None, None))
                continue
            dt = numpy_dtype(t.element_type)
            static = all(d != T.DYNAMIC for d in t.shape)
            nbytes = dt.itemsize * int(np.prod(t.shape)) if static else 0
            block = _block_class(nbytes) if static and nbytes and _identity(t) else None
            self._results_plan.append((start, dt, True, tuple(t.shape), block))
        # only out params: the results are the arrays the call made
        self._only_outs = not native_results
        # one result array of static shape that the function allocated: (dtype, shape, block)
        self._single = None
        if len(self._results_plan) == 1 and self._results_plan[0][4] is not None and \
                not self._outs:
            _, dt, _, shape, block = self._results_plan[0]
            self._single = (dt, shape, block)
        self._pool = [_Buffers(self)]

    def __call__(self, *args):
        if len(args) != self._nargs:
            raise errors.InvalidArgumentError(
                None, None, f"{self.name} takes {self._nargs} arguments, got {len(args)}")
        pool = self._pool
        buf = pool.pop() if pool else _Buffers(self)
        general = None
        try:
            ptrs = buf.ptrs
            for a, (k, dt, shape, strides, i) in zip(args, self._plan):
                if a.__class__ is _ndarray and a.dtype is dt and a.shape == shape and \
                        a.strides == strides:
                    ptrs[k] = ptrs[k + 1] = id(a) + _DATA
                else:
                    general = self._pass(buf, i, a, general)
            outs = []
            for k, dt, shape in self._outs:
                o = _empty(shape, dt)
                ptrs[k] = ptrs[k + 1] = id(o) + _DATA
                outs.append(o)
            self.fn(buf.address)
            if general is not None:
                for a, passed in general[1]:  # variables passed as contiguous copies
                    a[...] = passed
            raw = self._unpack.unpack_from(buf.results)
        finally:
            if general is not None:
                buf.slots[:] = self._default_slots
            pool.append(buf)
        single = self._single
        if self._only_outs:
            results = tuple(outs)
        elif single is not None and raw[0] == raw[1] and not raw[2]:
            dt, shape, block = single
            results = (_ndarray(shape, dt, block.from_address(raw[0])),)
        else:
            results = self._results(raw)
            if outs:
                results = self._merge(results, outs)
        status = self._status
        if status is not None and status.value:
            msg = ctypes.string_at(status.value).decode("utf-8", "replace")
            status.value = None
            raise errors.InvalidArgumentError(None, None, msg)  # the results are freed
        return results

    def _pass(self, buf, i, a, general):
        """The general path of argument #i: a scalar is written to its slot; an array is
        checked (and copied where its layout needs it), its sizes and strides written for
        this call. `general` collects what lives until the call returns: (arrays kept alive,
        variables to write back)."""
        t = self.arg_types[i]
        k, dt = self._plan[i][:2]
        if t.__class__ is not T.MemRefType:
            try:
                buf.scalars[k][0] = a
            except (TypeError, ValueError, OverflowError) as e:
                raise self._bad(i, f"cannot be converted to {dt}: {e}") from None
            return general
        passed = self._check_array(a, dt, t, i)
        if general is None:
            general = ([], [])
        general[0].append(passed)
        if passed is not a and i in self.variables:
            general[1].append((a, passed))
        buf.ptrs[k] = buf.ptrs[k + 1] = id(passed) + _DATA
        r = t.rank
        if r:
            slots = buf.slots
            first = self._slot_of_field[k + 2]
            slots[first + 1:first + 1 + r] = passed.shape
            slots[first + 1 + r:first + 1 + 2 * r] = [s // dt.itemsize for s in passed.strides]
        return general

    def _check_array(self, a, dt, t, i):
        """Arguments are checked here, before any native code runs."""
        variable = i in self.variables
        if not isinstance(a, np.ndarray):
            if variable:
                raise self._bad(i, f"is a {type(a).__name__}, but a variable is updated in "
                                   f"place: pass a numpy array of {dt}")
            try:
                a = np.asarray(a, dtype=dt)
            except (TypeError, ValueError, OverflowError) as e:
                raise self._bad(i, f"cannot be converted to an array of {dt}: {e}") from None
        if a.dtype != dt:
            raise self._bad(i, f"has dtype {a.dtype}, expected {dt}")
        if a.ndim != t.rank or any(d != T.DYNAMIC and d != s for d, s in zip(t.shape, a.shape)):
            want = ", ".join("?" if d == T.DYNAMIC else str(d) for d in t.shape)
            if t.rank == 1:
                want += ","
            raise self._bad(i, f"has shape {a.shape}, expected ({want})")
        if variable and not a.flags.writeable:
            raise self._bad(i, "is a variable but its array is read-only")
        if i in self.contiguous:
            if not a.flags.c_contiguous:
                a = np.ascontiguousarray(a)
        elif any(s % dt.itemsize or (s == 0 and n > 1) for s, n in zip(a.strides, a.shape)):
            # strides that are not whole elements, or that alias elements
            a = np.ascontiguousarray(a)
        return a

    def _merge(self, native, outs):
        """All results in order, from the native ones and the out params'."""
        native, outs = iter(native), dict(zip(self.out_params, outs))
        return tuple(outs[r] if r in outs else next(native)
                     for r in range(len(self.result_types)))

    def _bad(self, i, what):
        return errors.InvalidArgumentError(None, None, f"{self.name}: argument #{i} {what}")

    def _results(self, raw):
        out = []
        owners = {}
        for start, dt, memref, shape, block in self._results_plan:
            if not memref:
                out.append(dt.type(raw[start]))
                continue
            alloc = raw[start]
            if block is not None and alloc == raw[start + 1] and not raw[start + 2] and \
                    alloc not in owners:
                owner = owners[alloc] = block.from_address(alloc)
                out.append(np.ndarray(shape, dt, owner))
                continue
            r = len(shape)
            out.append(_wrap(alloc, raw[start + 1], raw[start + 2],
                             raw[start + 3:start + 3 + r], raw[start + 3 + r:start + 3 + 2 * r],
                             dt, owners))
        return tuple(out)


def _wrap(alloc, aligned, offset, sizes, strides, dt, owners):
    """A numpy array over native memory that the compiled code allocated; the memory is
    freed when the last array over it dies (results sharing a buffer share the owner)."""
    owner = owners.get(alloc)
    if owner is None and alloc:
        owner = owners[alloc] = _Owner(alloc)
    count = 1
    for s in sizes:
        count *= s
    if count == 0:
        return np.empty(sizes, dt)
    span = 1 + sum((s - 1) * st for s, st in zip(sizes, strides))
    buf = (ctypes.c_char * (span * dt.itemsize)).from_address(aligned + offset * dt.itemsize)
    buf.owner = owner
    return np.ndarray(shape=sizes, dtype=dt, buffer=buf,
                      strides=[st * dt.itemsize for st in strides])
