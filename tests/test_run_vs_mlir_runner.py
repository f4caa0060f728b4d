"""lamina-run prints what mlir-runner prints.

Every file of tests/lit/run/ is run both ways, with the flags of each of its
`lamina-run %s ...` RUN lines: by lamina-run, and by upstream mlir-opt (lowering to the llvm
dialect) and mlir-runner with the runner-utils libraries. Both must succeed, and standard output
must be the same, byte for byte, once the buffers' addresses (`base@ = 0x...`) are masked (and
up to where mlir-runner's own buffering puts a non-void entry's result, see `_result_last`). A file
that upstream cannot run says why on a `// NO-MLIR-RUNNER: reason` line and is skipped.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import TOOLS, run_lines, tool_env

CORPUS = Path(__file__).resolve().parent / "lit" / "run"
BIN = "/usr/lib/llvm-22/bin"
LIB = "/usr/lib/llvm-22/lib"
RUNNER_LIBS = [f"{LIB}/libmlir_runner_utils.so.22.1", f"{LIB}/libmlir_c_runner_utils.so.22.1"]
UPSTREAM = ["--convert-vector-to-scf", "--expand-strided-metadata", "--lower-affine",
            "--convert-scf-to-cf", "--convert-math-to-llvm", "--convert-math-to-libm",
            "--convert-vector-to-llvm", "--convert-to-llvm", "--reconcile-unrealized-casts"]
TIMEOUT_S = 120

pytestmark = pytest.mark.skipif(
    not all(os.access(p, os.R_OK) for p in [f"{BIN}/mlir-opt", f"{BIN}/mlir-runner"] +
            RUNNER_LIBS),
    reason="upstream mlir-opt, mlir-runner and the runner-utils libraries (mlir-22-tools) "
           "are needed")

_ADDRESS = re.compile(r"base@ = (?:0x[0-9a-f]+|0)\b")


def _masked(text):
    return _ADDRESS.sub("base@ = ADDRESS", text)


def _runs(path):
    """The flags of each `lamina-run %s FLAGS | ...` RUN line."""
    out = []
    for _, cmd in run_lines(path.read_text()):
        words = shlex.split(cmd.split("|")[0])
        if words[:2] == ["lamina-run", "%s"]:
            out.append(words[2:])
    return out


def _upstream_flags(flags):
    """mlir-runner's spelling of lamina-run's flags; the libraries are the installed ones."""
    out = []
    it = iter(flags)
    for f in it:
        if f.lstrip("-").startswith("shared-libs"):
            if "=" not in f:
                next(it)
        elif f == "-O":
            out.append("-O" + next(it))
        else:
            out.append(f)
    return out + ["-shared-libs=" + ",".join(RUNNER_LIBS)]


def _skip_reason(path):
    m = re.search(r"^// NO-MLIR-RUNNER: (.*)$", path.read_text(), re.M)
    return m.group(1) if m else None


FILES = sorted(CORPUS.glob("*.mlir"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_same_output_as_mlir_runner(path):
    reason = _skip_reason(path)
    if reason:
        pytest.skip(reason)
    runs = _runs(path)
    assert runs, f"{path.name}: no `lamina-run %s` RUN line"
    lowered = subprocess.run([f"{BIN}/mlir-opt", *UPSTREAM, str(path)], capture_output=True,
                             text=True, timeout=TIMEOUT_S)
    assert lowered.returncode == 0, lowered.stderr[-4000:]
    for flags in runs:
        non_void = any(f.lstrip("-").startswith("entry-point-result") and not f.endswith("void")
                       for f in flags)
        theirs = subprocess.run([f"{BIN}/mlir-runner", *_upstream_flags(flags)],
                                input=lowered.stdout, capture_output=True, text=True,
                                timeout=TIMEOUT_S)
        assert theirs.returncode == 0, f"mlir-runner {flags}: {theirs.stderr[-4000:]}"
        ours = subprocess.run([str(TOOLS / "lamina-run"), str(path), *flags],
                              capture_output=True, text=True, timeout=TIMEOUT_S,
                              env=tool_env())
        assert ours.returncode == 0, f"lamina-run {flags}: {ours.stderr[-4000:]}"
        got = _masked(ours.stdout)
        want = _masked(theirs.stdout)
        if non_void:
            want = _result_last(want, got.splitlines(keepends=True)[-1])
        assert got == want, f"flags: {flags}"


def _result_last(out, result_line):
    """mlir-runner's output with a non-void entry's result last, where lamina-run prints it.
    mlir-runner writes the result with llvm::outs(), which reaches a pipe before what C's
    stdout still buffers (flushed at exit): the result line can come first."""
    if out.startswith(result_line) and not out.endswith(result_line):
        return out[len(result_line):] + result_line
    return out
