"""pytest's side of the IR tests: every `.mlir` file under tests/ with `// RUN:` lines is one
test, run as LLVM's lit runs it (each RUN line in bash with pipefail, `%s %S %t %T %p %%`
substituted, tests/tools first on PATH so that `lamina-opt`, `FileCheck` and `not` are this
checkout's). tests/lit/lit.cfg.py gives `lit tests/lit` the same setup."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
TOOLS = TESTS / "tools"
# one RUN command may take this long before the test fails (a hang is a failure, not a stall)
RUN_TIMEOUT_S = 120

# every pass's output is verified in tests, not only each pipeline's (lamina.lowering.pipeline)
os.environ.setdefault("LAMINA_VERIFY_EACH", "1")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def tool_env():
    """The environment RUN lines (and tests that start lamina-opt) run in."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(TOOLS), os.path.dirname(sys.executable),
                                   env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["LAMINA_PYTHON"] = sys.executable
    env.setdefault("LAMINA_TRACEBACK", "1")
    return env


_SUBST = re.compile(r"%(%|s|S|t|T|p)")


def run_lines(text):
    """The commands of a test file's `RUN:` lines, with `\\`-continued lines joined, as
    (line number, command) pairs."""
    out = []
    pending = None
    for n, line in enumerate(text.splitlines(), 1):
        i = line.find("RUN:")
        if i < 0:
            continue
        cmd = line[i + 4:].strip()
        if pending is not None:
            pending = (pending[0], pending[1] + " " + cmd)
        else:
            pending = (n, cmd)
        if pending[1].endswith("\\"):
            pending = (pending[0], pending[1][:-1].rstrip())
            continue
        out.append(pending)
        pending = None
    if pending is not None:
        out.append(pending)
    return out


def substitute(cmd, path, tmp):
    values = {"%": "%", "s": str(path), "S": str(path.parent), "p": str(path.parent),
              "t": str(tmp / (path.name + ".tmp")), "T": str(tmp)}
    return _SUBST.sub(lambda m: values[m.group(1)], cmd)


class RunLineFailure(Exception):
    """A RUN line exited non-zero; the message is the whole report."""


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".mlir" and "Inputs" not in file_path.parts:
        if "RUN:" in file_path.read_text(encoding="utf-8", errors="replace"):
            return MlirFile.from_parent(parent, path=file_path)
    return None


class MlirFile(pytest.File):
    def collect(self):
        yield MlirTest.from_parent(self, name=self.path.name)


class MlirTest(pytest.Item):
    def runtest(self):
        text = self.path.read_text(encoding="utf-8", errors="replace")
        lines = run_lines(text)
        if not lines:
            raise RunLineFailure(f"{self.path}: no RUN lines")
        with tempfile.TemporaryDirectory(prefix="lamina-lit-") as tmp:
            self._run(lines, Path(tmp))

    def _run(self, lines, tmp):
        env = tool_env()
        for n, cmd in lines:
            cmd = substitute(cmd, self.path, tmp)
            # a session of its own, so that a timeout ends the whole pipeline, not just bash
            with subprocess.Popen(["bash", "-c", "set -o pipefail\n" + cmd], cwd=tmp, env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, start_new_session=True) as p:
                try:
                    stdout, stderr = p.communicate(timeout=RUN_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    stdout, stderr = p.communicate()
                    raise RunLineFailure(self._report(
                        n, cmd, f"timed out after {RUN_TIMEOUT_S} s", stdout, stderr)) from None
            if p.returncode != 0:
                raise RunLineFailure(self._report(n, cmd, f"exit code {p.returncode}",
                                                  stdout, stderr))

    def _report(self, n, cmd, what, stdout, stderr):
        def text(b):
            return (b or b"").decode("utf-8", "replace").rstrip() or "(empty)"
        return (f"{self.path.relative_to(ROOT)}:{n}: RUN line failed ({what}):\n  {cmd}\n"
                f"--- stdout ---\n{text(stdout)}\n--- stderr ---\n{text(stderr)}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, RunLineFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"lit: {self.path.relative_to(ROOT)}"
