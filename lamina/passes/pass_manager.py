"""Passes, their registry, MLIR's textual pipelines and the pass manager with mlir-opt's
instrumentation (IR printing before/after passes, per-pass timing, verification after each)."""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time

from ..ir import IRError, verify
from ..ir.core import gc_paused
from ..ir.printer import print_op

PASSES = {}  # argument ("cse") -> Pass subclass


class PassFailure(IRError):
    """A pass failed, or left invalid IR behind."""


class Pass:
    """Subclasses set `argument` (the registered name), `title` (the name mlir-opt prints in
    dumps, e.g. "CSE"), `summary`, `options` ({name: (type, default, help)}) and implement
    `run(op)`. `op_name` restricts the op the pass may be anchored on (None: any)."""

    argument = None
    title = None
    summary = ""
    options = {}
    op_name = None

    def __init__(self, **opts):
        self.opts = {}
        for k, (typ, default, _help) in self.options.items():
            self.opts[k] = default
        for k, v in opts.items():
            k2 = k.replace("_", "-")
            if k2 not in self.options:
                raise PassFailure(f"pass '{self.argument}' has no option '{k2}'")
            typ = self.options[k2][0]
            try:
                self.opts[k2] = _convert(typ, v)
            except ValueError:
                raise PassFailure(f"invalid value '{v}' for option '{k2}' of pass "
                                  f"'{self.argument}'") from None

    def run(self, op):
        raise NotImplementedError

    def describe(self):
        opts = ""
        if self.options:
            opts = "{" + " ".join(f"{k}={_fmt(v)}" for k, v in self.opts.items()) + "}"
        return f"{self.argument}{opts}"


def _convert(typ, v):
    if typ is bool:
        if isinstance(v, bool):
            return v
        if str(v).lower() in ("1", "true", ""):
            return True
        if str(v).lower() in ("0", "false"):
            return False
        raise ValueError(v)
    return typ(v)


def _fmt(v):
    return str(v).lower() if isinstance(v, bool) else str(v)


def register_pass(cls):
    """Class decorator: make the pass reachable by its argument from pipelines and the CLI."""
    PASSES[cls.argument] = cls
    return cls


# -- pipelines --------------------------------------------------------------------------------

class OpPassManager:
    """Passes anchored on one op name (or "any"), run on each such op nested one level below
    the op the parent manager runs on, as MLIR's nested pass managers do."""

    def __init__(self, op_name="builtin.module"):
        self.op_name = op_name
        self.items = []  # Pass or OpPassManager

    def add(self, item):
        self.items.append(item)
        return item

    def nest(self, op_name):
        return self.add(OpPassManager(op_name))

    def describe(self):
        return f"{self.op_name}(" + ",".join(i.describe() for i in self.items) + ")"


_PIPE_TOKEN = re.compile(r"\s*([A-Za-z_][\w.\-]*|\(|\)|,|\{[^}]*\})")


def parse_pipeline(text, root="builtin.module"):
    """Parse `builtin.module(func.func(cse,canonicalize{max-iterations=3}))`, or a bare list
    `cse,canonicalize` (anchored on `root`), into an OpPassManager."""
    text = text.strip()
    toks = []
    pos = 0
    while pos < len(text):
        m = _PIPE_TOKEN.match(text, pos)
        if m is None:
            raise PassFailure(f"invalid pass pipeline at: '{text[pos:]}'")
        toks.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    i = 0

    def parse_list(pm, closing):
        nonlocal i
        while i < len(toks):
            name = toks[i]
            if name == closing:
                return
            if name == ",":
                i += 1
                continue
            i += 1
            if i < len(toks) and toks[i] == "(":
                i += 1
                sub = pm.nest(name)
                parse_list(sub, ")")
                if i >= len(toks) or toks[i] != ")":
                    raise PassFailure(f"missing ')' after nested pipeline '{name}'")
                i += 1
                continue
            opts = {}
            if i < len(toks) and toks[i].startswith("{"):
                opts = parse_options(toks[i][1:-1])
                i += 1
            cls = PASSES.get(name)
            if cls is None:
                raise PassFailure(f"'{name}' does not refer to a registered pass or pass "
                                  f"pipeline")
            pm.add(cls(**opts))
        if closing is not None:
            raise PassFailure("unbalanced parentheses in pass pipeline")

    if len(toks) >= 2 and toks[1] == "(" and toks[0] not in PASSES:
        top = OpPassManager(toks[0])
        i = 2
        parse_list(top, ")")
        if i >= len(toks) or toks[i] != ")":
            raise PassFailure("unbalanced parentheses in pass pipeline")
        i += 1
        if i != len(toks):
            raise PassFailure(f"unexpected '{toks[i]}' after pass pipeline")
        return top
    top = OpPassManager(root)
    parse_list(top, None)
    return top


def parse_options(text):
    opts = {}
    for part in re.findall(r"[^\s=]+(?:=(?:\"[^\"]*\"|\S+))?", text):
        if "=" in part:
            k, v = part.split("=", 1)
            opts[k] = v.strip('"')
        else:
            opts[part] = True
    return opts


# -- running ----------------------------------------------------------------------------------

class Instrumentation:
    """What mlir-opt's IR-printing and timing flags ask for."""

    def __init__(self, print_before=(), print_after=(), print_before_all=False,
                 print_after_all=False, print_after_change=False, print_after_failure=False,
                 tree_dir=None, timing=False, module_scope=False, generic=False,
                 debuginfo=False, stream=None):
        self.print_before = set(print_before)
        self.print_after = set(print_after)
        self.print_before_all = print_before_all
        self.print_after_all = print_after_all
        self.print_after_change = print_after_change
        self.print_after_failure = print_after_failure
        self.tree_dir = tree_dir
        self.timing = timing
        self.module_scope = module_scope
        self.generic = generic
        self.debuginfo = debuginfo
        self.stream = stream
        self.times = []  # (indent, title, seconds)
        self.counter = 0

    @property
    def printing(self):
        return bool(self.print_before or self.print_after or self.print_before_all or
                     self.print_after_all or self.print_after_change or self.tree_dir)

    def _text(self, op, root):
        return print_op(root if self.module_scope else op, self.generic, self.debuginfo)

    def dump(self, when, p, op, root, text=None):
        header = f"// -----// IR Dump {when} {p.title or p.argument} ({p.argument}) //----- //"
        body = text if text is not None else self._text(op, root)
        if self.tree_dir:
            self.counter += 1
            d = os.path.join(self.tree_dir, *_tree_path(op))
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, f"{self.counter}_{p.argument}.mlir"), "w") as f:
                f.write(body + "\n")
            return
        s = self.stream or sys.stderr
        s.write(header + "\n" + body + "\n\n")
        s.flush()

    def report(self):
        total = sum(t for _, _, t in self.times) or 1e-12
        lines = ["===" + "-" * 73 + "===",
                 " " * 26 + "... Execution time report ...",
                 "===" + "-" * 73 + "===",
                 f"  Total Execution Time: {total:.4f} seconds", "",
                 "  ----Wall Time----  ----Name----"]
        for indent, title, t in self.times:
            lines.append(f"  {t:8.4f} ({100 * t / total:5.1f}%)  {'  ' * indent}{title}")
        lines.append(f"  {total:8.4f} (100.0%)  Total")
        s = self.stream or sys.stderr
        s.write("\n".join(lines) + "\n")


def _tree_path(op):
    parts = []
    o = op
    while o is not None:
        sym = o.properties.get("sym_name")
        name = o.name.replace(".", "_")
        parts.append(f"{name}_{sym.value}" if sym is not None else f"{name}_no-symbol-name")
        o = o.parent_op
    return list(reversed(parts))


class PassManager:
    """Runs a pipeline on a module. `verify_each` (default on) verifies after every pass and
    turns a verifier error into a PassFailure naming the pass, with the IR written to a file;
    off, the module is verified once, after the whole pipeline."""

    def __init__(self, pipeline="builtin.module()", verify_each=True, instrumentation=None):
        self.root = parse_pipeline(pipeline) if isinstance(pipeline, str) else pipeline
        self.verify_each = verify_each
        self.inst = instrumentation or Instrumentation()

    def run(self, module):
        if module.name != self.root.op_name and self.root.op_name != "any":
            raise PassFailure(f"can't run '{self.root.op_name}' pass manager on "
                              f"'{module.name}' op")
        with gc_paused():  # see gc_paused: the collector rescanned the live IR again and again
            self._run_items(self.root, module, module, 0)
        if not self.verify_each:
            self._verify(module, module, "the pipeline", "pipeline")
        if self.inst.timing:
            self.inst.report()
        return module

    def _run_items(self, pm, op, root, depth):
        for item in pm.items:
            if isinstance(item, OpPassManager):
                t0 = time.perf_counter()
                for target in _nested(op, item.op_name):
                    self._run_items(item, target, root, depth + 1)
                if self.inst.timing:
                    self.inst.times.append((depth, f"'{item.op_name}' Pipeline",
                                            time.perf_counter() - t0))
            else:
                self._run_pass(item, op, root, depth)

    def _run_pass(self, p, op, root, depth):
        inst = self.inst
        if p.op_name is not None and op.name != p.op_name:
            raise PassFailure(f"can't schedule pass '{p.argument}' on a '{op.name}' op; it "
                              f"runs on '{p.op_name}'")
        before = None
        if inst.print_before_all or p.argument in inst.print_before:
            inst.dump("Before", p, op, root)
        if inst.print_after_change:
            before = inst._text(op, root)
        t0 = time.perf_counter()
        try:
            p.run(op)
        except PassFailure:
            raise
        except IRError as e:
            if inst.print_after_failure:
                inst.dump("After Failed", p, op, root)
            raise PassFailure(f"pass '{p.argument}' failed: {e.message}", e.loc, e.notes) \
                from None
        elapsed = time.perf_counter() - t0
        if inst.timing:
            inst.times.append((depth, p.title or p.argument, elapsed))
        if self.verify_each:
            self._verify(op, root, f"pass '{p.argument}'", p.argument)
        if inst.print_after_all or p.argument in inst.print_after:
            inst.dump("After", p, op, root)
        elif inst.print_after_change:
            after = inst._text(op, root)
            if after != before:
                inst.dump("After", p, op, root, after)


    @staticmethod
    def _verify(op, root, what, tag):
        try:
            verify(op)
        except IRError as e:
            path = _write_failure(root, tag)
            raise PassFailure(f"{what} produced invalid IR: {e.message}; the IR it produced "
                              f"is in {path}", e.loc, e.notes) from None


def _nested(op, name):
    """The ops named `name` ("any": all) directly inside `op`'s regions, collected first so a
    pass may add or remove siblings."""
    out = []
    for r in op.regions:
        for b in r.blocks:
            for o in b:
                if name == "any" or o.name == name:
                    out.append(o)
    return out


def _write_failure(root, tag):
    fd, path = tempfile.mkstemp(prefix=f"lamina-{tag.replace(' ', '-')}-", suffix=".mlir")
    with os.fdopen(fd, "w") as f:
        f.write(print_op(root, generic=True) + "\n")
    return path


def run_pipeline(module, pipeline, verify_each=True, **instrumentation):
    """Run a textual pipeline on `module` in place and return it."""
    inst = Instrumentation(**instrumentation) if instrumentation else None
    return PassManager(pipeline, verify_each, inst).run(module)
