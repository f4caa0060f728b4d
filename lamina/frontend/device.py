"""Devices: `device(...)` scopes, `config.list_physical_devices`, `test.is_gpu_available`.

Eager tensors live on the CPU unless a `device("gpu:N")` scope names a GPU that is present.
As TensorFlow 2 with soft placement, a scope naming a device that is absent (`gpu:0` on a
machine without one) runs ops on the CPU. `gpus()` are the CUDA runtime's devices.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple

from .context import ctx

CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = namedtuple("LogicalDevice", ["name", "device_type"])

_SPEC = re.compile(
    r"^(?:/job:(?P<job>[^/]+))?(?:/replica:(?P<replica>\d+))?(?:/task:(?P<task>\d+))?"
    r"(?:/?(?:device:)?(?P<type>cpu|gpu|CPU|GPU)(?::(?P<index>\d+|\*))?)?$")


def gpus():
    """Indices of the GPUs lamina can run on (CUDA devices of sm_80 or newer)."""
    from ..runtime import cuda
    return [i for i, _ in cuda.devices()]


def gpu_unavailable_reason():
    """Why `gpus()` is empty (no driver, no device, unsupported architecture), or None."""
    from ..runtime import cuda
    return cuda.unavailable_reason()


def place_on_default_gpu():
    """As TensorFlow: where a GPU is present, ops run on gpu:0 unless a device scope says
    otherwise (`LAMINA_DEFAULT_DEVICE=cpu` keeps them on the CPU). Called once, when lamina
    is imported; on a machine without the NVIDIA driver it costs a stat, not a driver load."""
    if os.environ.get("LAMINA_DEFAULT_DEVICE", "").lower().startswith("cpu"):
        return
    if not any(os.path.exists(p) for p in ("/proc/driver/nvidia", "/dev/dxg")):
        return
    found = gpus()
    if found:
        from .gpu_eager import executor_for
        type(ctx).executor = executor_for(found[0])


def canonical_name(name):
    """A device string (`cpu:0`, `/device:GPU:1`, `/job:localhost/replica:0/task:0/device:CPU:0`,
    `GPU`) in TensorFlow's canonical form; ValueError if it is not one."""
    m = _SPEC.match(name.strip())
    if m is None or not name.strip():
        raise ValueError(f"Failed parsing device name: '{name}'")
    kind = (m["type"] or "CPU").upper()
    index = m["index"] if m["index"] not in (None, "*") else "0"
    return (f"/job:{m['job'] or 'localhost'}/replica:{m['replica'] or 0}/task:"
            f"{m['task'] or 0}/device:{kind}:{index}")


class device:
    """`with device("gpu:0"):` places the ops of the block on that device where it exists
    (eager ops then run as GPU kernels on tensors in GPU memory: frontend.gpu_eager),
    otherwise on the CPU; `device(None)` clears the scope."""

    __slots__ = ("name", "_saved", "_saved_executor")

    def __init__(self, device_name):
        if device_name is not None and not isinstance(device_name, str):
            raise ValueError(f"Expecting a string device name. Got {type(device_name)}"
                             f"({device_name!r})")
        self.name = canonical_name(device_name) if device_name else None

    def __enter__(self):
        self._saved = ctx.device
        self._saved_executor = ctx.executor
        ctx.device = self.name
        gpu = _gpu_index(self.name)
        if gpu is not None and (ctx.executor is None or _is_gpu_executor(ctx.executor)):
            from .gpu_eager import executor_for
            ctx.executor = executor_for(gpu)
        elif self.name is not None and _is_gpu_executor(ctx.executor):
            ctx.executor = None  # a CPU scope inside a GPU one
        return self

    def __exit__(self, *exc):
        ctx.device = self._saved
        ctx.executor = self._saved_executor


def _gpu_index(name):
    """The index of the present GPU that canonical device `name` names, or None."""
    if name is None or ":GPU:" not in name:
        return None
    index = int(name.rsplit(":", 1)[1])
    return index if index in gpus() else None


def _is_gpu_executor(ex):
    from .gpu_eager import GPUExecutor
    return isinstance(ex, GPUExecutor)


def list_physical_devices(device_type=None):
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")] + [
        PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in gpus()]
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == device_type.upper()]


def list_logical_devices(device_type=None):
    return [LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in list_physical_devices(device_type)]


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    return bool(gpus())


__all__ = ["CPU_DEVICE", "PhysicalDevice", "LogicalDevice", "gpus", "gpu_unavailable_reason",
           "place_on_default_gpu",
           "canonical_name", "device",
           "list_physical_devices", "list_logical_devices", "is_gpu_available"]
