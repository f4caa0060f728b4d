"""The CUDA runtime through cuda-python's driver bindings: discovery (with the reason when
there is no usable GPU), contexts, modules loaded from cubin or PTX, kernel launches on a
stream, device memory from a pool, and host<->device copies, counted in `COPIES` so that tests
can check an eager GPU op never routes its data through the host.

Nothing here touches a GPU at import time. `devices()` initializes the driver once; on a
machine without a driver or a device it returns [] and `unavailable_reason()` says why.
"""

from __future__ import annotations

import ctypes
import threading

import numpy as np

MIN_SM = 80                      # what lamina compiles for (sm_80 and newer)
# data copies by direction, and reads of the device-side check flag (`status`, 8 bytes)
COPIES = {"host_to_device": 0, "device_to_host": 0, "device_to_device": 0, "status": 0}
STATUS = "__lamina_status"

_lock = threading.Lock()
_state = {}


class CudaError(RuntimeError):
    pass


def _drv():
    from cuda.bindings import driver
    return driver


def _check(result, what):
    """The values of a driver call's (error, *values) tuple; CudaError on failure."""
    err, *values = result if isinstance(result, tuple) else (result,)
    drv = _drv()
    if err != drv.CUresult.CUDA_SUCCESS:
        _, name = drv.cuGetErrorName(err)
        raise CudaError(f"{what} failed: {name.decode() if name else err}")
    return values[0] if len(values) == 1 else values


def _discover():
    try:
        drv = _drv()
    except Exception as e:  # cuda-python missing or broken
        return [], f"no CUDA driver: cuda-python's driver bindings could not be loaded ({e})"
    try:
        _check(drv.cuInit(0), "cuInit")
    except CudaError as e:
        return [], f"no CUDA driver or no device: {e}"
    except Exception as e:  # libcuda.so absent: the bindings raise when they load it
        return [], f"no CUDA driver: {e}"
    try:
        n = _check(drv.cuDeviceGetCount(), "cuDeviceGetCount")
    except CudaError as e:
        return [], f"no CUDA device: {e}"
    found, skipped = [], []
    for i in range(n):
        dev = _check(drv.cuDeviceGet(i), "cuDeviceGet")
        major = _check(drv.cuDeviceGetAttribute(
            drv.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev), "attr")
        minor = _check(drv.cuDeviceGetAttribute(
            drv.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev), "attr")
        sm = major * 10 + minor
        (found if sm >= MIN_SM else skipped).append((i, sm))
    if not n:
        return [], "no CUDA device: the driver reports none"
    if not found:
        return [], ("unsupported architecture: " + ", ".join(f"GPU {i} is sm_{sm}"
                                                            for i, sm in skipped)
                    + f"; lamina compiles for sm_{MIN_SM} and newer")
    return found, None


def devices():
    """[(index, sm)] of the usable GPUs (discovered once)."""
    with _lock:
        if "devices" not in _state:
            _state["devices"], _state["reason"] = _discover()
        return list(_state["devices"])


def unavailable_reason():
    """Why there is no usable GPU (None when there is one)."""
    devices()
    return _state["reason"]


class Buffer:
    """Device memory of `nbytes`, returned to its pool when released."""

    __slots__ = ("ptr", "nbytes", "pool")

    def __init__(self, ptr, nbytes, pool):
        self.ptr, self.nbytes, self.pool = ptr, nbytes, pool

    def release(self):
        if self.pool is not None:
            self.pool.give_back(self)
            self.pool = None


class MemoryPool:
    """Device allocations reused by size class (powers of two from 256 bytes), as a caching
    allocator does: cuMemAlloc is slow and synchronizes."""

    def __init__(self, device):
        self.device = device
        self.free = {}
        self.in_use = 0

    @staticmethod
    def size_class(nbytes):
        return max(256, 1 << (max(nbytes, 1) - 1).bit_length())

    def allocate(self, nbytes):
        size = self.size_class(nbytes)
        bucket = self.free.get(size)
        if bucket:
            ptr = bucket.pop()
        else:
            self.device.make_current()
            ptr = int(_check(_drv().cuMemAlloc(size), "cuMemAlloc"))
        self.in_use += size
        return Buffer(ptr, nbytes, self)

    def give_back(self, buf):
        size = self.size_class(buf.nbytes)
        self.in_use -= size
        self.free.setdefault(size, []).append(buf.ptr)


class Device:
    """One GPU: its primary context, a stream, loaded modules and a memory pool."""

    def __init__(self, index, sm):
        drv = _drv()
        self.index, self.sm = index, sm
        self.handle = _check(drv.cuDeviceGet(index), "cuDeviceGet")
        self.context = _check(drv.cuDevicePrimaryCtxRetain(self.handle),
                              "cuDevicePrimaryCtxRetain")
        self.make_current()
        self.stream = _check(drv.cuStreamCreate(0), "cuStreamCreate")
        self.pool = MemoryPool(self)
        self.modules = {}

    def make_current(self):
        _check(_drv().cuCtxSetCurrent(self.context), "cuCtxSetCurrent")

    def load(self, key, image):
        """The module loaded from `image` (cubin bytes or PTX text), once per key."""
        m = self.modules.get(key)
        if m is None:
            self.make_current()
            data = image.encode() + b"\0" if isinstance(image, str) else bytes(image)
            m = self.modules[key] = _check(_drv().cuModuleLoadData(data), "cuModuleLoadData")
        return m

    def function(self, module, name):
        return _check(_drv().cuModuleGetFunction(module, name.encode()),
                      "cuModuleGetFunction")

    def launch(self, function, grid, block, args, shared_bytes=0):
        """Launch with `args`: a list of ctypes scalars (the kernel's expanded parameters)."""
        ptrs = (ctypes.c_void_p * len(args))(*[ctypes.addressof(a) for a in args])
        _check(_drv().cuLaunchKernel(function, *grid, *block, shared_bytes, self.stream,
                                     ctypes.addressof(ptrs), 0), "cuLaunchKernel")

    def read_status(self, module):
        """The message of a failed device-side check (cf.assert) recorded in `module`'s
        `__lamina_status` since the last call, cleared; None if none failed."""
        drv = _drv()
        ptr, size = _check(drv.cuModuleGetGlobal(module, STATUS.encode()), "cuModuleGetGlobal")
        self.synchronize()
        word = np.zeros(1, np.uint64)
        _check(drv.cuMemcpyDtoH(word.ctypes.data, ptr, 8), "cuMemcpyDtoH")
        COPIES["status"] += 1
        if not word[0]:
            return None
        text = np.zeros(512, np.uint8)
        _check(drv.cuMemcpyDtoH(text.ctypes.data, int(word[0]), text.nbytes), "cuMemcpyDtoH")
        _check(drv.cuMemsetD8(ptr, 0, 8), "cuMemsetD8")
        return bytes(text).split(b"\0", 1)[0].decode("utf-8", "replace")

    def synchronize(self):
        _check(_drv().cuStreamSynchronize(self.stream), "cuStreamSynchronize")

    def to_device(self, array):
        array = np.asarray(array, order="C")
        buf = self.pool.allocate(array.nbytes)
        if array.nbytes:
            _check(_drv().cuMemcpyHtoDAsync(buf.ptr, array.ctypes.data, array.nbytes,
                                            self.stream), "cuMemcpyHtoDAsync")
            COPIES["host_to_device"] += 1
        return buf

    def to_host(self, buf, shape, dtype):
        out = np.empty(shape, dtype)
        if out.nbytes:
            _check(_drv().cuMemcpyDtoHAsync(out.ctypes.data, buf.ptr, out.nbytes,
                                            self.stream), "cuMemcpyDtoHAsync")
            COPIES["device_to_host"] += 1
        self.synchronize()
        return out

    def copy(self, dst, src, nbytes):
        if nbytes:
            _check(_drv().cuMemcpyDtoDAsync(dst.ptr, src.ptr, nbytes, self.stream),
                   "cuMemcpyDtoDAsync")
            COPIES["device_to_device"] += 1


def device(index=0):
    """The Device for GPU `index` (created once); CudaError if there is no such GPU."""
    with _lock:
        found = dict(_state.get("devices") or ())
    if not found:
        found = dict(devices())
    if index not in found:
        raise CudaError(f"no GPU {index}: {unavailable_reason() or 'index out of range'}")
    with _lock:
        d = _state.setdefault("open", {}).get(index)
        if d is None:
            d = _state["open"][index] = Device(index, found[index])
        return d


__all__ = ["MIN_SM", "COPIES", "CudaError", "devices", "unavailable_reason", "Buffer",
           "MemoryPool", "Device", "device"]
