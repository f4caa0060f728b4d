"""Every op of an upstream dialect round-trips through upstream `mlir-opt`: lamina prints its
examples, mlir-opt parses both of lamina's forms, lamina parses both of mlir-opt's forms, and
the prints agree. One test per op; the mlir-opt work for all examples is done in a few batched
calls (`--split-input-file`) and shared by the tests.

Also here, without mlir-opt: lamina's own print -> parse -> print fixed point of every example
of every registered op, in both forms."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile

import pytest

import lamina  # noqa: F401  (registers every dialect)
from lamina import ir
from lamina.ir import registry

MLIR_OPT = "/usr/lib/llvm-22/bin/mlir-opt"
# dialects that lamina spells as upstream MLIR does; their ops must be understood by mlir-opt
UPSTREAM = {"builtin", "func", "arith", "math", "scf", "cf", "memref", "vector", "llvm", "gpu",
            "nvvm", "index", "affine", "tensor", "complex", "ub", "linalg", "bufferization"}
SPLIT = "// -----"

needs_mlir_opt = pytest.mark.skipif(
    not os.access(MLIR_OPT, os.X_OK),
    reason=f"upstream mlir-opt not found at {MLIR_OPT} (Debian package mlir-22-tools; "
           f".ci/run installs it)")


def _examples(cls):
    return tuple(getattr(cls.opdef, "examples", None) or getattr(cls, "examples", ()) or ())


def _all_ops():
    return sorted(registry.OPS)


def _upstream_ops():
    return [n for n in _all_ops() if n.split(".", 1)[0] in UPSTREAM]


def _lamina_print(text, generic=False):
    m = ir.parse(text)
    ir.verify(m)
    return ir.print_op(m, generic=generic)


def _mlir_opt_batch(chunks, *flags):
    """Run mlir-opt once over all `chunks` with --split-input-file. Returns, per chunk, (output
    text, None) or (None, error text)."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        starts = []
        line = 1
        for c in chunks:
            starts.append(line)
            body = c.rstrip("\n") + "\n"
            f.write(body + SPLIT + "\n")
            line += body.count("\n") + 1
        path = f.name
    try:
        p = subprocess.run([MLIR_OPT, "--split-input-file", *flags, path],
                           capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(path)
    errors = [[] for _ in chunks]
    block = None
    for ln in p.stderr.splitlines():
        m = re.match(re.escape(path) + r":(\d+):\d+: error: ", ln)
        if m:
            n = int(m.group(1))
            block = max(i for i, s in enumerate(starts) if s <= n)
            ln = f"{ln}  [line {n - starts[block] + 1} of the example]"
        if block is not None:
            errors[block].append(ln.replace(path, "<example>"))
    outs = re.split(r"^// -----\n", p.stdout, flags=re.M)
    result = []
    for i in range(len(chunks)):
        if errors[i]:
            result.append((None, "\n".join(errors[i])))
        elif i < len(outs) and outs[i].strip():
            result.append((outs[i].strip() + "\n", None))
        elif p.returncode != 0 and not any(errors):
            result.append((None, f"mlir-opt failed (exit {p.returncode}): {p.stderr[-2000:]}"))
        else:
            result.append((None, "mlir-opt printed nothing for this example"))
    return result


@functools.lru_cache(maxsize=None)
def _upstream_results():
    """For each (op, example index): what each step gave, or the first failure."""
    cases = []
    for name in _upstream_ops():
        for i, ex in enumerate(_examples(registry.OPS[name])):
            case = {"op": name, "i": i, "text": ex}
            try:
                case["custom"] = _lamina_print(ex)
                case["generic"] = _lamina_print(ex, generic=True)
            except Exception as e:  # a failure of lamina itself: reported by the test
                case["error"] = f"lamina could not parse/verify/print its own example: " \
                                f"{type(e).__name__}: {e}"
            cases.append(case)
    ok = [c for c in cases if "error" not in c]
    steps = (("up_custom", "custom", ()),
             ("up_generic", "custom", ("--mlir-print-op-generic",)),
             ("up_from_generic", "generic", ()))
    for key, source, flags in steps:
        for c, (out, err) in zip(ok, _mlir_opt_batch([c[source] for c in ok], *flags)):
            c[key] = out
            c.setdefault("mlir_errors", {})[key] = err
    return {(c["op"], c["i"]): c for c in cases}


def _show(label, text):
    return f"--- {label} ---\n{text.rstrip()}\n"


@needs_mlir_opt
@pytest.mark.parametrize("op_name", _upstream_ops())
def test_op_roundtrips_through_mlir_opt(op_name):
    examples = _examples(registry.OPS[op_name])
    assert examples, (f"{op_name} has no `examples`: every op of an upstream dialect needs at "
                      f"least one self-contained module text that mlir-opt accepts")
    results = _upstream_results()
    for i, ex in enumerate(examples):
        c = results[(op_name, i)]
        where = f"{op_name} example {i}:\n" + _show("example", ex)
        assert "error" not in c, where + c["error"]
        errs = c["mlir_errors"]
        for key, what in (("up_custom", "mlir-opt rejects lamina's custom form"),
                          ("up_generic", "mlir-opt --mlir-print-op-generic rejects lamina's "
                                         "custom form"),
                          ("up_from_generic", "mlir-opt rejects lamina's generic form")):
            assert errs[key] is None, (where + _show("lamina's print", c["custom" if key !=
                                                   "up_from_generic" else "generic"])
                                       + f"{what}:\n{errs[key]}")
        assert c["up_from_generic"] == c["up_custom"], (
            where + "lamina's generic and custom forms are different ops to mlir-opt:\n"
            + _show("mlir-opt of lamina's custom form", c["up_custom"])
            + _show("mlir-opt of lamina's generic form", c["up_from_generic"]))
        for key, form in (("up_custom", "custom"), ("up_generic", "generic")):
            try:
                again = _lamina_print(c[key])
            except Exception as e:
                pytest.fail(where + _show(f"mlir-opt's {form} form", c[key])
                            + f"lamina cannot parse mlir-opt's {form} form: "
                              f"{type(e).__name__}: {e}")
            assert again == c["custom"], (
                where + f"lamina's print of mlir-opt's {form} form differs from lamina's print "
                        f"of the example:\n" + _show("lamina, from the example", c["custom"])
                + _show(f"mlir-opt's {form} form", c[key])
                + _show(f"lamina, from mlir-opt's {form} form", again))


@pytest.mark.parametrize("op_name", _all_ops())
def test_op_examples_print_parse_fixed_point(op_name):
    for i, ex in enumerate(_examples(registry.OPS[op_name])):
        where = f"{op_name} example {i}:\n" + _show("example", ex)
        try:
            custom = _lamina_print(ex)
            generic = _lamina_print(ex, generic=True)
        except Exception as e:
            pytest.fail(where + f"lamina could not parse/verify/print it: "
                                f"{type(e).__name__}: {e}")
        for form, text in (("custom", custom), ("generic", generic)):
            try:
                again_custom = _lamina_print(text)
                again_generic = _lamina_print(text, generic=True)
            except Exception as e:
                pytest.fail(where + _show(f"lamina's {form} print", text)
                            + f"lamina cannot parse its own {form} print: "
                              f"{type(e).__name__}: {e}")
            assert again_custom == custom, (where + _show(f"lamina's {form} print", text)
                                            + _show("printed again (custom)", again_custom))
            assert again_generic == generic, (where + _show(f"lamina's {form} print", text)
                                              + _show("printed again (generic)",
                                                      again_generic))


def test_every_assembly_format_compiles():
    """Formats are compiled when first used (lamina.ir.opdef.OpDef.format), so one that does
    not compile would only show when its op is printed: each is compiled here."""
    compiled = [registry.OPS[name].opdef.format for name in _all_ops()]
    assert sum(f is not None for f in compiled) > 100
