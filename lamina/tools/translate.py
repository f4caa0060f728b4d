"""`lamina-translate`: mlir-translate's command line over lamina's translations."""

from __future__ import annotations

import sys

from .cli import (Arguments, UsageError, chunks, decode, entry_point, guarded, internal_error,
                  read_input)

USAGE = """usage: lamina-translate [options] [FILE|-]

Reads MLIR (a file, or standard input) and translates it to another format.

  --mlir-to-llvmir           llvm dialect -> LLVM IR text
  --mlir-to-ptx [--sm=N]     gpu kernels (gpu.launch, gpu.module, or loops) -> PTX for
                             sm_N (80 by default; 80, 86, 89, 90)
  -o FILE                    output file (default: standard output)
  --split-input-file         translate chunks separated by '// -----' on their own
"""

TRANSLATIONS = ("mlir-to-llvmir", "mlir-to-ptx")


def _parse_args(argv):
    o = {"file": None, "out": None, "split": False, "translation": None, "sm": None}
    args = Arguments(argv)
    for a, name, eq, value in args:
        if name in ("h", "help"):
            o["help"] = True
        elif name == "o":
            o["out"] = args.value(a, eq, value)
        elif name == "split-input-file":
            o["split"] = True
        elif name in TRANSLATIONS:
            if o["translation"] not in (None, name):
                raise UsageError(f"only one translation at a time: --{o['translation']} and "
                                 f"--{name}")
            o["translation"] = name
        elif name == "sm" and eq:
            o["sm"] = value
        else:
            raise UsageError(f"Unknown command line argument '{a}'.  "
                             "Try: 'lamina-translate --help'")
    o["file"] = args.file
    return o


def _to_ptx(module, sm):
    """The PTX of every gpu.module of `module` (lowered from any level at or below loops)."""
    from ..ir import IRError
    from ..lowering.gpu_to_ptx import ptx
    from ..lowering.pipeline import stage_of
    if stage_of(module) in ("lamina", "structured"):
        from ..lowering.pipeline import lower_for_gpu
        lower_for_gpu(module)
    kernels = ptx(module, sm)
    if not kernels:
        raise IRError("no GPU code to translate: the module has no gpu.module, gpu.launch or "
                      "loops that touch memory", module.loc)
    return "\n".join(f"// gpu.module @{n}\n{text}" for n, text in kernels.items())


def _translate(text, name, line_offset, translation="mlir-to-llvmir", sm=80):
    """(the translation's text, None), or (None, the rendered error)."""
    from ..ir import IRError, verify
    from ..ir.diagnostics import diagnostic_from
    from ..ir.lexer import Source
    from ..ir.parser import parse_source
    from ..lowering.llvm_to_llvmir import translate
    source = Source(name, text, line_offset)
    try:
        module = parse_source(source)
        verify(module)
        if translation == "mlir-to-ptx":
            return _to_ptx(module, sm), None
        return translate(module), None
    except IRError as e:
        return None, diagnostic_from(e, {name: source})
    except RecursionError:
        return None, f"{name}: error: input nests too deeply"
    except Exception as e:  # a bug in lamina: say so plainly; LAMINA_TRACEBACK=1 shows where
        return None, internal_error(name, e)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv

    def body():
        o = _parse_args(argv)
        if o.get("help"):
            sys.stdout.write(USAGE)
            return 0
        if o["translation"] is None:
            raise UsageError("no translation given: use --mlir-to-llvmir")
        sm = 80
        if o["translation"] == "mlir-to-ptx" and o["sm"] is not None:
            from ..lowering.gpu_to_ptx import SUPPORTED_SM
            if not o["sm"].isdigit() or int(o["sm"]) not in SUPPORTED_SM:
                raise UsageError(f"--sm={o['sm']}: expected one of "
                                 f"{', '.join(map(str, SUPPORTED_SM))}")
            sm = int(o["sm"])
        elif o["sm"] is not None:
            raise UsageError("--sm goes with --mlir-to-ptx")
        name, data = read_input(o["file"])
        text = decode(name, data)
        outputs = []
        failed = False
        for chunk, offset in chunks(text, o["split"]):
            out, err = _translate(chunk, name, offset, o["translation"], sm)
            if err is not None:
                sys.stderr.write(err + "\n")
                failed = True
            else:
                outputs.append(out)
        result = "\n// -----\n".join(outputs)
        if o["out"] and o["out"] != "-":
            with open(o["out"], "w") as f:
                f.write(result)
        else:
            sys.stdout.write(result)
        return 1 if failed else 0
    return guarded("lamina-translate", body)


def entry():
    entry_point(main)


if __name__ == "__main__":
    entry()
