"""`--verify-diagnostics`: check the input's `// expected-error {{...}}` annotations against
what lamina reports, as mlir-opt does (`@+N`, `@-N`, `@above`, `@below` pick the line)."""

from __future__ import annotations

import re
import sys

from .cli import chunks

_EXPECT = re.compile(r"expected-(error|note|warning|remark)\s*(@[+-]?\d+|@above|@below)?\s*"
                     r"\{\{(.*?)\}\}")
_REPORTED = re.compile(r"^(.*?):(\d+):(\d+): (error|note|warning|remark): (.*)$")


def _expectations(text, offset):
    out = []
    lines = text.split("\n")
    for i, ln in enumerate(lines):
        for m in _EXPECT.finditer(ln):
            kind, where, msg = m.groups()
            line = i + 1
            if where == "@above":
                line -= 1
            elif where == "@below":
                line += 1
            elif where:
                line += int(where[1:])
            out.append([kind, line + offset, msg, False])
    return out


def run_verify_diagnostics(text, name, o, process):
    failed = False
    outputs = []
    for chunk, offset in chunks(text, o["split"]):
        expected = _expectations(chunk, offset)
        err = process(chunk, name, offset, o, outputs)
        reported = []
        if err is not None:
            for ln in err.split("\n"):
                m = _REPORTED.match(ln)
                if m:
                    reported.append((m.group(4), int(m.group(2)), m.group(5)))
        for kind, line, msg in reported:
            match = next((e for e in expected if not e[3] and e[0] == kind and e[1] == line
                          and e[2] in msg), None)
            if match is not None:
                match[3] = True
            elif kind == "error":
                sys.stderr.write(f"{name}:{line}: error: unexpected error: {msg}\n")
                failed = True
        for kind, line, msg, seen in expected:
            if not seen:
                sys.stderr.write(f"{name}:{line}: error: expected {kind} \"{msg}\" was not "
                                 f"produced\n")
                failed = True
    if outputs:
        sys.stdout.write("\n// -----\n".join(outputs) + "\n")
    return 1 if failed else 0
