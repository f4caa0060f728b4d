"""`lamina-run`: mlir-runner's command line over lamina's compiler and JIT."""

from __future__ import annotations

import os
import sys

from .cli import (Arguments, UsageError, decode, entry_point, guarded, internal_error,
                  read_input)

USAGE = """usage: lamina-run FILE [options]

Compiles a textual IR file at any level (lamina, structured, loops or llvm) to native code for
this CPU and runs one function of it, as mlir-runner does.

  -e NAME                      the function to run (default: main); it takes no arguments
  -entry-point-result=TYPE     void, i32, i64, f32 or f64: the entry's result type, checked
                               as mlir-runner checks it (default: whatever the entry returns;
                               mlir-runner's default is f32)
  -shared-libs=LIB[,LIB...]    mlir-runner's runner-utils libraries (libmlir_runner_utils,
                               libmlir_c_runner_utils) are accepted and ignored: lamina has
                               them built in, natively; any other library is an error
  --target=cpu|gpu             where to run (default: cpu)
  -O N, -ON                    LLVM's optimization level, 0 to 3 (default: 3)

Output: what the program prints (vector.print; printF32, printI64, printNewline,
printMemrefF32, ... as MLIR's test files declare them) exactly as mlir-runner prints it, then
the entry's results, in order (always after the program's output: mlir-runner, writing to a
pipe, can put its result first):
  - an integer in decimal and a float as `1.500000e+00`, as mlir-runner prints them;
  - a memref, or a tensor (entries at the lamina and structured levels return tensors), as
    printMemrefF32 and its siblings print an unranked memref ("Unranked Memref base@ = 0x...
    rank = 2 offset = 0 sizes = [2, 3] strides = [3, 1] data = ..."), except that integer
    elements print as numbers (printMemrefI8 prints int8 elements as characters).
Exit status: 0 on success; 1 on any error, a failed cf.assert (`FILE: error: MESSAGE`)
included.
"""

_RESULTS = ("void", "i32", "i64", "f32", "f64")
_RUNNER_UTILS = ("libmlir_runner_utils", "libmlir_c_runner_utils")


class RunError(Exception):
    """A failure to report as `FILE: error: MESSAGE`."""


def _parse_args(argv):
    o = {"file": None, "entry": "main", "result": None, "libs": [], "target": "cpu",
         "opt": 3, "help": False}
    args = Arguments(argv)
    for a, name, eq, value in args:
        def val():
            return args.value(a, eq, value)
        if name in ("h", "help"):
            o["help"] = True
        elif name in ("e", "entry-point"):
            o["entry"] = val()
        elif name == "entry-point-result":
            o["result"] = val()
            if o["result"] not in _RESULTS:
                raise UsageError(f"invalid -entry-point-result '{o['result']}': expected one "
                                 f"of {', '.join(_RESULTS)}")
        elif name == "shared-libs":
            o["libs"].extend(x for x in val().split(",") if x)
        elif name == "target":
            o["target"] = val()
            if o["target"] not in ("cpu", "gpu"):
                raise UsageError(f"invalid --target '{o['target']}': expected cpu or gpu")
        elif name == "O" or (name[:1] == "O" and name[1:].isdigit() and not eq):
            level = val() if name == "O" else name[1:]
            if level not in ("0", "1", "2", "3"):
                raise UsageError(f"invalid optimization level '{level}': expected 0 to 3")
            o["opt"] = int(level)
        else:
            raise UsageError(f"Unknown command line argument '{a}'.  Try: 'lamina-run --help'")
    o["file"] = args.file
    return o


def _check_libraries(libs):
    for lib in libs:
        base = os.path.basename(lib)
        if not base.startswith(_RUNNER_UTILS):
            raise UsageError(f"-shared-libs: cannot load '{lib}': lamina-run runs only code it "
                             "compiled itself; mlir-runner's runner-utils libraries are built "
                             "in, no other library is available")


# -- the entry and its results ----------------------------------------------------------------

def _entry_op(module, name):
    for op in module.regions[0].blocks[0]:
        sym = op.properties.get("sym_name")
        if sym is None or sym.value != name or op.name not in ("func.func", "llvm.func"):
            continue
        if op.is_declaration:
            break
        if op.name == "func.func":
            vis = op.properties.get("sym_visibility")
            if vis is not None and vis.value == "private":
                raise RunError(f"entry point not found: '@{name}' is private")
        elif op.linkage.case in ("private", "internal"):
            raise RunError(f"entry point not found: '@{name}' is {op.linkage.case}")
        return op
    raise RunError(f"entry point not found: no function '@{name}'")


def _signature(op):
    """(argument types, result types) of a func.func or llvm.func."""
    from ..dialects import llvm as L
    t = op.type
    if op.name == "func.func":
        return list(t.inputs), list(t.results)
    return list(t.params), ([] if t.result == L.void else [t.result])


def _check_result(results, want):
    """The check of -entry-point-result, in mlir-runner's words."""
    from ..ir import types as T
    if want is None:
        return
    if want == "void":
        if results:
            raise RunError("expected void function")
        return
    ok = len(results) == 1
    if ok:
        t = results[0]
        if want in ("i32", "i64"):
            ok = (t.__class__ is T.IntegerType and t.width == int(want[1:])) or \
                (want == "i64" and t.__class__ is T.IndexType)
        else:
            ok = t.__class__ is T.FloatType and t.name == want
    if not ok:
        raise RunError(f"only single {want} function result supported")


_FLOATS = ("f16", "bf16", "f32", "f64")


def _printer(t):
    """How a result of builtin type `t` prints: ('scalar', None) or ('memref', element kind)."""
    from ..ir import types as T
    if t.__class__ in (T.IntegerType, T.IndexType) and (t.__class__ is T.IndexType or
                                                        t.width <= 64):
        return "scalar", None
    if t.__class__ is T.FloatType and t.name in _FLOATS:
        return "scalar", None
    if t.__class__ in (T.MemRefType, T.RankedTensorType):
        e = t.element_type
        if e.__class__ is T.FloatType and e.name in _FLOATS:
            return "memref", e.name
        if e.__class__ is T.IndexType:
            return "memref", "u64"  # as printMemrefInd
        if e.__class__ is T.IntegerType and e.width in (1, 8, 16, 32, 64):
            return "memref", ("u" if e.signedness == "u" and e.width > 1 else "i") + \
                str(e.width)
    raise RunError(f"cannot print a result of type '{t}'")


def _scalar_text(x):
    """As mlir-runner prints a result: `llvm::outs() << value`."""
    import math
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "-INF" if x < 0 else "INF"
        return "%e" % x
    return str(int(x))


# -- running ----------------------------------------------------------------------------------

def _flush_c():
    import ctypes
    ctypes.CDLL(None).fflush(None)


def _status_message(address):
    """The message a failed cf.assert left in `@__lamina_status`, if any."""
    import ctypes
    if address is None:
        return None
    p = ctypes.c_void_p.from_address(address)
    return ctypes.string_at(p.value).decode("utf-8", "replace") if p.value else None


def _call_llvm_function(ex, name, result_types):
    """An llvm.func of a module that came in at the llvm level (no packed entry): called with
    its C signature."""
    import ctypes
    restype = None
    if result_types:
        t = result_types[0]
        restype = {"f32": ctypes.c_float, "f64": ctypes.c_double, "i1": ctypes.c_bool,
                   "i8": ctypes.c_int8, "i16": ctypes.c_int16, "i32": ctypes.c_int32,
                   "i64": ctypes.c_int64}.get(str(t))
        if restype is None:
            raise RunError(f"cannot return a '{t}' to the runner from the llvm level")
    fn = ctypes.CFUNCTYPE(restype)(ex.library.address(name))
    r = fn()
    msg = _status_message(ex.status_address)
    if msg is not None:
        raise RunError(msg)
    return () if restype is None else (r,)


def run(text, name, o, out):
    """Compile and run; returns an error message or None. Results' text goes to `out`."""
    from .. import errors
    from ..driver import compile_module
    from ..ir import IRError, verify
    from ..ir.diagnostics import diagnostic_from
    from ..ir.lexer import Source
    from ..ir.parser import parse_source
    from ..runtime import runner_utils
    source = Source(name, text)
    sources = {name: source}
    try:
        module = parse_source(source, False)
        verify(module)
        op = _entry_op(module, o["entry"])
        args, results = _signature(op)
        if args:
            raise RunError("JIT can't invoke a main function expecting arguments")
        _check_result(results, o["result"])
        printers = [_printer(t) for t in results]
        at_llvm = op.name == "llvm.func"
        ex = compile_module(module, opt_level=o["opt"], exports=[o["entry"]] if at_llvm else ())
        sys.stdout.flush()
        try:
            if at_llvm:
                values = _call_llvm_function(ex, o["entry"], results)
            else:
                values = ex.entries[o["entry"]]()
        finally:
            _flush_c()  # what the program printed comes out, even when it failed
        for (how, kind), v in zip(printers, values):
            if how == "memref":
                runner_utils.print_memref(v, kind)
                _flush_c()
            else:
                out.write(_scalar_text(v.item() if hasattr(v, "item") else v) + "\n")
                out.flush()
        return None
    except (RunError, errors.OpError) as e:  # OpError: a failed cf.assert, say
        return f"{name}: error: {e}"
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
        o = _parse_args(argv)
        if o["help"]:
            sys.stdout.write(USAGE)
            return 0
        if o["target"] == "gpu":
            from ..runtime import cuda
            if not cuda.devices():
                sys.stderr.write(f"lamina-run: --target=gpu: no usable GPU: "
                                 f"{cuda.unavailable_reason()}\n")
                return 1
            sys.stderr.write("lamina-run: --target=gpu: running a textual module on the GPU "
                             "is not implemented yet (lamina-translate --mlir-to-ptx compiles "
                             "its kernels; lamina.function runs on the GPU)\n")
            return 1
        _check_libraries(o["libs"])
        name, data = read_input(o["file"])
        err = run(decode(name, data), name, o, sys.stdout)
        if err is not None:
            sys.stdout.flush()
            sys.stderr.write(err + "\n")
            return 1
        return 0
    return guarded("lamina-run", body)


def entry():
    entry_point(main)


if __name__ == "__main__":
    entry()
