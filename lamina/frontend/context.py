"""Per-thread execution state of the frontend: who runs ops (eager execution, or an
interceptor such as the tracer of `function` or a recording tape), and the device scope."""

from __future__ import annotations

import threading


class _Context(threading.local):
    # None: ops run eagerly on numpy (the fast path). Otherwise an object whose
    # `run_op(op, inputs, attrs)` runs every op instead (see execute.run_op).
    executor = None
    # the innermost `device(...)` scope's canonical device name, or None
    device = None


ctx = _Context()


def executing_eagerly():
    """Whether ops run now compute values (False while a function is traced: its executor
    says `executing_eagerly = False`)."""
    ex = ctx.executor
    return ex is None or getattr(ex, "executing_eagerly", True)


class executor_scope:
    """`with executor_scope(x):` routes every op of this thread to `x.run_op` (nestable; the
    previous executor comes back on exit)."""

    __slots__ = ("executor", "_saved")

    def __init__(self, executor):
        self.executor = executor

    def __enter__(self):
        self._saved = ctx.executor
        ctx.executor = self.executor
        return self.executor

    def __exit__(self, *exc):
        ctx.executor = self._saved


__all__ = ["ctx", "executing_eagerly", "executor_scope"]
