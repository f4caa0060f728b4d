"""`lamina-opt`: mlir-opt's command line over lamina's parser, passes and printer."""

from __future__ import annotations

import sys

from .cli import (Arguments, UsageError, chunks, decode, entry_point, guarded, internal_error,
                  read_input)

USAGE = """usage: lamina-opt [options] [FILE|-]

Reads MLIR (a file, or standard input), runs passes, prints the result.

  --pass-pipeline=PIPELINE   e.g. 'builtin.module(func.func(cse,canonicalize))'
  -p a,b{opt=v}              passes anchored on the module, xdsl-opt style
  --PASS[=opts]              any registered pass as its own flag (see --list-passes)
  -o FILE                    output file (default: standard output)
  --split-input-file         process chunks separated by '// -----' on their own
  --allow-unregistered-dialect
  --mlir-print-op-generic    print every op in the generic form
  --mlir-print-debuginfo     print locations
  --mlir-print-ir-before=P / --mlir-print-ir-after=P / --mlir-print-ir-before-all /
  --mlir-print-ir-after-all / --mlir-print-ir-after-change / --mlir-print-ir-after-failure /
  --mlir-print-ir-tree-dir=DIR / --mlir-print-ir-module-scope
                             IR dumps around passes (also spelled without 'mlir-')
  --verify-each[=false]      verify after every pass (default on)
  --mlir-timing              per-pass execution time report
  --verify-diagnostics       check `expected-error {{...}}` annotations in the input
  --list-passes              list the registered passes
"""


def _parse_args(argv, passes):
    o = {"file": None, "pipeline": [], "out": None, "split": False, "unregistered": False,
         "generic": False, "debuginfo": False, "print_before": [], "print_after": [],
         "print_before_all": False, "print_after_all": False, "print_after_change": False,
         "print_after_failure": False, "tree_dir": None, "module_scope": False,
         "verify_each": True, "timing": False, "verify_diagnostics": False, "list": False}
    args = Arguments(argv)
    for a, name, eq, value in args:
        def val():
            return args.value(a, eq, value)
        key = name[5:] if name.startswith("mlir-") else name
        if name in ("h", "help"):
            o["help"] = True
        elif name == "o":
            o["out"] = val()
        elif name == "pass-pipeline":
            o["pipeline"].append(("pipeline", val()))
        elif name == "p":
            o["pipeline"].append(("list", val()))
        elif name == "split-input-file":
            o["split"] = True
        elif name == "allow-unregistered-dialect":
            o["unregistered"] = True
        elif key == "print-op-generic":
            o["generic"] = True
        elif key == "print-debuginfo":
            o["debuginfo"] = True
        elif key == "print-ir-before":
            o["print_before"].extend(val().split(","))
        elif key == "print-ir-after":
            o["print_after"].extend(val().split(","))
        elif key in ("print-ir-before-all", "print-ir-after-all", "print-ir-after-change",
                     "print-ir-after-failure", "print-ir-module-scope"):
            o["module_scope" if key == "print-ir-module-scope" else
              key.replace("print-ir-", "print_").replace("-", "_")] = True
        elif key == "print-ir-tree-dir":
            o["tree_dir"] = val()
        elif name == "verify-each":
            o["verify_each"] = (value.lower() not in ("0", "false")) if eq else True
        elif name == "mlir-timing" or key == "timing":
            o["timing"] = True
        elif name == "verify-diagnostics":
            o["verify_diagnostics"] = True
        elif name == "list-passes":
            o["list"] = True
        elif name in passes:
            o["pipeline"].append(("list", name + ("{" + value + "}" if eq else "")))
        else:
            raise UsageError(f"Unknown command line argument '{a}'.  Try: 'lamina-opt --help'")
    o["file"] = args.file
    return o


def _build_pipeline(specs):
    from ..passes import OpPassManager, parse_pipeline
    top = OpPassManager("builtin.module")
    for kind, text in specs:
        pm = parse_pipeline(text)
        if kind == "pipeline" and pm.op_name != "builtin.module":
            top.items.append(pm)
        else:
            top.items.extend(pm.items)
    return top


def process(text, name, line_offset, o, out):
    """Parse, run the pipeline, print. Returns an error message or None."""
    from ..ir import IRError, verify
    from ..ir.diagnostics import diagnostic_from
    from ..ir.lexer import Source
    from ..ir.parser import parse_source
    from ..ir.printer import print_op
    from ..passes import Instrumentation, PassManager
    source = Source(name, text, line_offset)
    sources = {name: source}
    try:
        module = parse_source(source, o["unregistered"])
        verify(module)
        inst = Instrumentation(o["print_before"], o["print_after"], o["print_before_all"],
                               o["print_after_all"], o["print_after_change"],
                               o["print_after_failure"], o["tree_dir"], o["timing"],
                               o["module_scope"], o["generic"], o["debuginfo"])
        PassManager(_build_pipeline(o["pipeline"]), o["verify_each"], inst).run(module)
        out.append(print_op(module, o["generic"], o["debuginfo"]))
        return None
    except IRError as e:
        return diagnostic_from(e, sources)
    except RecursionError:
        return f"{name}: error: input nests too deeply"
    except Exception as e:  # a bug in lamina: say so plainly; LAMINA_TRACEBACK=1 shows where
        return internal_error(name, e)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv

    def body():
        from .. import lowering  # noqa: F401  (registers the conversions as passes)
        from ..passes import PASSES
        o = _parse_args(argv, PASSES)
        if o.get("help"):
            sys.stdout.write(USAGE)
            return 0
        if o["list"]:
            for n in sorted(PASSES):
                sys.stdout.write(f"  --{n:30s} {PASSES[n].summary}\n")
            return 0
        _build_pipeline(o["pipeline"])  # report a bad pipeline before reading input
        name, data = read_input(o["file"])
        text = decode(name, data)
        if o["verify_diagnostics"]:
            from .expected_diagnostics import run_verify_diagnostics
            return run_verify_diagnostics(text, name, o, process)
        outputs = []
        failed = False
        for chunk, offset in chunks(text, o["split"]):
            err = process(chunk, name, offset, o, outputs)
            if err is not None:
                sys.stderr.write(err + "\n")
                failed = True
        result = "\n// -----\n".join(outputs) + "\n" if outputs else ""
        if o["out"] and o["out"] != "-":
            with open(o["out"], "w") as f:
                f.write(result)
        else:
            sys.stdout.write(result)
        return 1 if failed else 0
    return guarded("lamina-opt", body)


def entry():
    entry_point(main)


if __name__ == "__main__":
    entry()
