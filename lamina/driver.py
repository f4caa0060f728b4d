"""From a module at any level to callable native code: lower, translate, compile (through the
object cache), load, and wrap each public function in a runtime Entry."""

from __future__ import annotations

import functools
import re

from .dialects.lamina_ops.state import VariableType
from .ir import parse
from .ir import types as T
from .runtime import jit, parallel, print_utils, rng, runner_utils
from .runtime.cache import CACHE, make_key
from .runtime.calling import Entry

STATUS = "__lamina_status"


def _public_functions(module):
    for op in module.regions[0].blocks[0]:
        if op.name != "func.func" or op.is_declaration:
            continue
        vis = op.properties.get("sym_visibility")
        if vis is not None and vis.value == "private":
            continue
        yield op


def _source_signatures(module):
    """Per public function, its argument and result types as the module gives them (before
    any lowering): unsigned element types (`ui8`) and variables exist at this level only."""
    return {op.sym: (list(op.type.inputs), list(op.type.results))
            for op in _public_functions(module)}


def _with_source_element_type(t, source):
    """Buffer type `t` with the element type of the tensor or variable it came from, where
    lowering made it signless (`memref<4xi8>` from `tensor<4xui8>`)."""
    if source is None or t.__class__ is not T.MemRefType:
        return t
    if source.__class__ is VariableType:
        source = source.tensor_type
    et = getattr(source, "element_type", None)
    if et.__class__ is T.IntegerType and et.signedness and \
            t.element_type == T.IntegerType(et.width):
        return T.MemRefType(t.shape, et, t.layout, t.memory_space)
    return t


def _signatures(module, source):
    """Public func.func signatures (after bufferization) by name: argument and result types
    as text (the results in their original order, out params included), element types as the
    source module gave them, the indices of the arguments that are variables (updated in
    place), and the results passed as out params (buffer-results-to-out-params)."""
    from .passes.buffer_results_to_out_params import OUT_PARAMS
    out = {}
    for op in _public_functions(module):
        ft = op.type
        outs = [a.value for a in op.attributes[OUT_PARAMS].value] \
            if OUT_PARAMS in op.attributes else []
        inputs = list(ft.inputs[:len(ft.inputs) - len(outs)])
        passed = dict(zip(outs, ft.inputs[len(inputs):]))
        kept = iter(ft.results)
        results = [passed[r] if r in passed else next(kept)
                   for r in range(len(ft.results) + len(outs))]
        src_in, src_out = source.get(op.sym, ((), ()))
        if len(src_in) != len(inputs) or len(src_out) != len(results):
            src_in, src_out = [None] * len(inputs), [None] * len(results)
        args = [str(_with_source_element_type(t, s)) for t, s in zip(inputs, src_in)]
        results = [str(_with_source_element_type(t, s)) for t, s in zip(results, src_out)]
        variables = [i for i, s in enumerate(src_in) if s.__class__ is VariableType]
        out[op.sym] = (args, results, variables, outs)
    return out


def _types(texts):
    return list(_parse_types(tuple(texts)))


_ELEMENT = re.compile(r"(bf16|f16|f32|f64)|index|([su]?)i(\d+)")
_MEMREF = re.compile(r"memref<((?:(?:\d+|\?)x)*)([a-z0-9]+)>")


def _simple_type(text):
    """The type of `text` where it is a scalar or an identity-layout memref (what function
    boundaries have), without the parser, or None."""
    m = _MEMREF.fullmatch(text)
    shape = None
    if m is not None:
        shape = [T.DYNAMIC if d == "?" else int(d) for d in m.group(1).split("x")[:-1]]
        text = m.group(2)
    e = _ELEMENT.fullmatch(text)
    if e is None:
        return None
    et = T.FloatType(e.group(1)) if e.group(1) else T.index if e.group(3) is None else \
        T.IntegerType(int(e.group(3)), e.group(2) or "")
    return et if shape is None else T.MemRefType(shape, et)


@functools.lru_cache(maxsize=1024)
def _parse_types(texts):
    """Types from their text (memoized). The common ones are decoded directly: a fresh
    process's cache hit must not pay for loading the parser's tables."""
    simple = [_simple_type(t) for t in texts]
    if None not in simple:
        return tuple(simple)
    m = parse("func.func private @sig(" + ", ".join(texts) + ")")
    return tuple(m.regions[0].blocks[0].first.type.inputs)


class Executable:
    """The loaded library of one compiled module; `entries[name]` calls a function.
    `exports` names further symbols whose addresses `library.address` gives (the functions
    of a module that came in at the llvm level have no packed entries). Calls of the runner
    utilities and of lamina.print's printers (meta["runtime"]) resolve to lamina's native
    ones; the random ops' generator state is the runtime's one buffer (lamina.runtime.rng)."""

    def __init__(self, obj, meta, exports=()):
        exports = ["_mlir__" + n for n in meta["functions"]] + list(exports)
        if meta.get("status"):
            exports.append(STATUS)
        runtime = meta.get("runtime", ())
        imports = {**runner_utils.addresses(runtime), **print_utils.addresses(runtime),
                   **parallel.addresses(runtime)}
        if meta.get("rng"):
            imports[rng.SYMBOL] = rng.ADDRESS
        self.library = jit.Library(obj, exports, imports)
        self.status_address = self.library.address(STATUS) if meta.get("status") else None
        self.entries = {}
        for name, (args, results, variables, outs) in meta["functions"].items():
            self.entries[name] = Entry(self.library, name, _types(args), _types(results),
                                       self.status_address, variables, outs)


def _bind_rng_state(module):
    """The module's generator state becomes a declaration, which loading binds to the
    runtime's one buffer (lamina.runtime.rng): every module, and eager code, draw from it."""
    for op in module.regions[0].blocks[0]:
        if op.name == "llvm.mlir.global" and op.properties["sym_name"].value == rng.SYMBOL:
            op.properties.pop("value", None)
            op.properties.pop("linkage", None)
            for block in list(op.regions[0].blocks):
                op.regions[0].remove_block(block)


def compile_module(module, key_text=None, cache=CACHE, instrumentation=None, opt_level=3,
                   exports=()):
    """Native code for `module` (consumed: it is lowered in place). `key_text` identifies it
    in the cache (default: its printed form before lowering); `opt_level` is LLVM's."""
    key = make_key(key_text if key_text is not None else str(module), f"-O{opt_level}")
    hit = cache.get(key)
    if hit is not None:
        obj, meta = hit
        return Executable(obj, meta, exports)
    # the compiler is imported on a cache miss only: a fresh process whose code is cached
    # does not load it
    from .lowering.llvm_to_llvmir import translate
    from .lowering.pipeline import lower, stage_of
    source = _source_signatures(module)
    if stage_of(module) != "llvm":
        lower(module, "loops", instrumentation=instrumentation)
    signatures = _signatures(module, source)
    lower(module, "llvm", start="loops", instrumentation=instrumentation)
    symbols = {op.properties["sym_name"].value for op in module.regions[0].blocks[0]
               if op.properties.get("sym_name") is not None}
    runtime = sorted(op.sym for op in module.regions[0].blocks[0]
                     if op.name == "llvm.func" and op.is_declaration
                     and (op.sym in runner_utils.SYMBOLS or op.sym in print_utils.SYMBOLS
                          or op.sym in parallel.SYMBOLS))
    if rng.SYMBOL in symbols:
        _bind_rng_state(module)
    obj = jit.compile_ir(translate(module), opt_level)
    meta = {"functions": signatures, "status": STATUS in symbols, "rng": rng.SYMBOL in symbols,
            "runtime": runtime}
    cache.put(key, obj, meta)
    return Executable(obj, meta, exports)

