"""Devices: `device(...)` scopes, `config.list_physical_devices`, `test.is_gpu_available`.

Eager tensors live on the CPU. As TensorFlow 2 with soft placement, a scope naming a device
that is absent (`gpu:0` on a machine without one) runs ops on the CPU. The GPU issue fills in
`gpus()` (the CUDA runtime's devices); everything else here follows from it.
"""

from __future__ import annotations

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
    """Indices of the GPUs lamina can run on. None yet: the GPU issue adds the CUDA runtime."""
    return []


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
    (otherwise on the CPU); `device(None)` clears the scope."""

    __slots__ = ("name", "_saved")

    def __init__(self, device_name):
        if device_name is not None and not isinstance(device_name, str):
            raise ValueError(f"Expecting a string device name. Got {type(device_name)}"
                             f"({device_name!r})")
        self.name = canonical_name(device_name) if device_name else None

    def __enter__(self):
        self._saved = ctx.device
        ctx.device = self.name
        return self

    def __exit__(self, *exc):
        ctx.device = self._saved


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


__all__ = ["CPU_DEVICE", "PhysicalDevice", "LogicalDevice", "gpus", "canonical_name", "device",
           "list_physical_devices", "list_logical_devices", "is_gpu_available"]
