"""What lamina's command-line tools share: reading input, mlir-opt-style arguments, turning
every failure into a message and an exit status (never a traceback), and the entry wrapper."""

from __future__ import annotations

import os
import sys


class UsageError(Exception):
    pass


class Arguments:
    """Single- or double-dash options `-name`, `--name=value` or `--name value`, and at most
    one input file (`-` is standard input)."""

    def __init__(self, argv):
        self.argv = list(argv)
        self.i = 0
        self.file = None

    def __iter__(self):
        """Yield (text, name, has_value, value) per option; positional arguments become the
        input file."""
        while self.i < len(self.argv):
            a = self.argv[self.i]
            self.i += 1
            if a == "-" or not a.startswith("-"):
                if self.file is not None:
                    raise UsageError(f"more than one input file: '{self.file}' and '{a}'")
                self.file = a
                continue
            name, eq, value = a.lstrip("-").partition("=")
            yield a, name, bool(eq), value

    def value(self, text, has_value, value):
        """The option's value: after `=`, else the next argument."""
        if has_value:
            return value
        if self.i >= len(self.argv):
            raise UsageError(f"option '{text}' needs a value")
        self.i += 1
        return self.argv[self.i - 1]


def read_input(path):
    if path is None or path == "-":
        return "<stdin>", sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return path, f.read()


def decode(name, data):
    from ..ir.diagnostics import Diagnostic
    from ..ir.lexer import Source
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        text = data.decode("utf-8", errors="replace")
        raise Diagnostic.at(Source(name, text), len(data[:e.start].decode("utf-8", "replace")),
                            "invalid UTF-8 byte in input (MLIR source must be UTF-8)") from None


def chunks(text, split):
    """(chunk, line offset) pairs: the whole text, or the pieces between `// -----` lines."""
    if not split:
        return [(text, 0)]
    out = []
    current = []
    start = 0
    for line, ln in enumerate(text.split("\n")):
        if ln.strip().startswith("// -----"):
            out.append(("\n".join(current), start))
            current = []
            start = line + 1
        else:
            current.append(ln)
    out.append(("\n".join(current), start))
    return out


def internal_error(name, e):
    """A bug in lamina, said plainly; LAMINA_TRACEBACK=1 shows where."""
    import traceback
    text = f"{name}: error: internal compiler error: {type(e).__name__}: {e}"
    if os.environ.get("LAMINA_TRACEBACK"):
        text += "\n" + "".join(traceback.format_exception(e))
    else:
        text += "\n(set LAMINA_TRACEBACK=1 for the Python traceback, and please report it)"
    return text


def guarded(prog, body):
    """Run `body()` -> exit status, reporting usage, IR and OS errors as messages."""
    from ..ir import IRError
    from ..ir.diagnostics import diagnostic_from
    try:
        return body()
    except UsageError as e:
        sys.stderr.write(f"{prog}: {e}\n")
    except IRError as e:
        sys.stderr.write(diagnostic_from(e) + "\n")
    except OSError as e:
        sys.stderr.write(f"{prog}: {e.strerror}: {e.filename}\n")
    except RecursionError:
        sys.stderr.write(f"{prog}: error: input nests too deeply\n")
    except KeyboardInterrupt:
        return 130
    return 1


def entry_point(main):
    """Run `main()` as a console script: a closed pipe (`... | head`) is not an error, and the
    process ends without tearing down what it built (seconds for a large module)."""
    sys.setrecursionlimit(200000)
    try:
        code = main()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    os._exit(code)
