"""tf.keras 2's progress bar, `Progbar`:

    1875/1875 [==============================] - 12s 6ms/step - loss: 0.3417 - accuracy: 0.9495

On a terminal it redraws in place (a carriage return, at most every `interval` seconds, with
the ETA while running); elsewhere (a file, a pipe, a notebook's captured output) it writes one
line when the target is reached. verbose=2 writes only that final line, without the bar."""

from __future__ import annotations

import math
import sys
import time

__all__ = ["Progbar"]


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _format_value(v):
    return f" {v:.4f}" if abs(v) > 1e-3 else f" {v:.4e}"


class Progbar:
    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", stream=None, dynamic_display=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        # any container: ProgbarLogger's says that every metric is stateful
        self.stateful_metrics = set(stateful_metrics) if isinstance(
            stateful_metrics, (list, tuple, set, frozenset)) else stateful_metrics or set()
        self._stream = stream
        self._dynamic = dynamic_display
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_at_first_step = None

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stdout

    @property
    def dynamic_display(self):
        return self._dynamic if self._dynamic is not None else _isatty(self.stream)

    def update(self, current, values=None, finalize=None):
        """Show progress `current` of the target with `values` ([(name, value)]): running
        averages over the samples seen, except stateful metrics, shown as given."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in values or []:
            v = float(v)
            if k not in self._values_order:
                self._values_order.append(k)
            if k in self.stateful_metrics:
                self._values[k] = [v, 1]
            else:
                base = max(current - self._seen_so_far, 1)
                total, count = self._values.get(k, [0.0, 0])
                self._values[k] = [total + v * base, count + base]
        self._seen_so_far = current
        if self._time_at_first_step is None and current:
            self._time_at_first_step = time.time()
        now = time.time()
        if self.verbose == 1:
            dynamic = self.dynamic_display
            if not finalize and (not dynamic or now - self._last_update < self.interval):
                return
            self._write(self._line(current, now, finalize), dynamic, finalize)
        elif self.verbose == 2 and finalize:
            self._write(self._count(current) + self._info(current, now, True), False, True)
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    def _count(self, current):
        digits = int(math.log10(self.target)) + 1 if self.target else 1
        return f"{current:{digits}d}/{self.target}"

    def _bar(self, current):
        if self.target is None:
            return f"{current:7d}/Unknown"
        bar = self._count(current) + " ["
        progress = current / self.target if self.target else 1.0
        filled = int(self.width * progress)
        if filled > 0:
            bar += "=" * (filled - 1) + (">" if current < self.target else "=")
        return bar + "." * (self.width - filled) + "]"

    def _time_per_unit(self, current, now):
        """Seconds per step, not counting the first (which includes tracing and compiling)
        when there were more, as Keras estimates it."""
        if current and current > 1 and self._time_at_first_step is not None:
            return (now - self._time_at_first_step) / (current - 1)
        return (now - self._start) / current if current else 0.0

    def _info(self, current, now, finalize):
        per = self._time_per_unit(current, now)
        if self.target is None or finalize:
            info = f" - {now - self._start:.0f}s"
            if per >= 1 or per == 0:
                info += f" {per:.0f}s/{self.unit_name}"
            elif per >= 1e-3:
                info += f" {per * 1e3:.0f}ms/{self.unit_name}"
            else:
                info += f" {per * 1e6:.0f}us/{self.unit_name}"
        else:
            eta = per * (self.target - current)
            if eta > 3600:
                text = f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                text = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                text = f"{int(eta)}s"
            info = f" - ETA: {text}"
        for k in self._values_order:
            total, count = self._values[k]
            info += f" - {k}:" + _format_value(total / max(1, count))
        return info

    def _line(self, current, now, finalize):
        return self._bar(current) + self._info(current, now, finalize)

    def _write(self, line, dynamic, finalize):
        out = self.stream
        if dynamic:
            pad = max(0, self._total_width - len(line))
            out.write("\r" + line + " " * pad)
            self._total_width = len(line)
            if finalize:
                out.write("\n")
        else:
            out.write(line + "\n")
        out.flush()
