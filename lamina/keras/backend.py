"""Keras's global state: the default float type, the per-session counters behind layer
auto-names (`dense`, `dense_1`, ...), and the call context that carries `training=` from a
model to the layers it calls."""

from __future__ import annotations

import collections
import threading

from ..frontend import dtypes as D
from ..frontend.context import executor_scope

_FLOATX = "float32"
_EPSILON = 1e-7
_NAMES = collections.defaultdict(int)   # name -> how many objects took it (zero-based names)
_UIDS = collections.defaultdict(int)    # prefix -> last uid (one-based: input_1, input_2)


def floatx():
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    dtype = D.as_dtype(value)
    if not dtype.is_floating:
        raise ValueError(f"Unknown floatx type: {value!r}")
    _FLOATX = dtype.name


def epsilon():
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def unique_object_name(name):
    """`name` the first time, then `name_1`, `name_2`... (Keras's zero-based names)."""
    n = _NAMES[name]
    _NAMES[name] = n + 1
    return name if n == 0 else f"{name}_{n}"


def get_uid(prefix=""):
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def clear_session():
    """Restart the auto-names (the next Dense is `dense` again)."""
    _NAMES.clear()
    _UIDS.clear()


def init_scope():
    """Run ops eagerly whatever executor is installed (a function being traced, a tape): how
    layers and optimizers create their Variables, lazily, on the first call of a staged step."""
    return executor_scope(None)


class _CallContext(threading.local):
    training = None   # the `training` of the innermost model or layer call that set one


call_context = _CallContext()


class training_scope:
    """Within it, layers called without `training=` take this value."""

    __slots__ = ("value", "_saved")

    def __init__(self, value):
        self.value = value

    def __enter__(self):
        self._saved = call_context.training
        call_context.training = self.value

    def __exit__(self, *exc):
        call_context.training = self._saved
