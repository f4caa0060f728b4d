"""Parse + verify + print of a generated ~100,000-op module: lamina against xDSL and mlir-opt.

    python benchmarks/ir_roundtrip.py [--ops N] [--repeat K] [--seed S] [--file PATH]
                                      [--keep PATH] [--xdsl-repeat K] [--mlir-opt PATH]

The module is generated (seeded, so every run and every tool sees the same text) from the ops
that lamina has registered *and* that upstream MLIR and xDSL also accept: func, arith, math,
scf, cf, memref and vector, in custom and generic forms, with properties, discardable
attributes, trailing locations, dense constants, multi-result calls and multi-block functions.
A statement whose ops lamina does not register yet is left out of the mix.

What is timed, best of K runs each:
  lamina in-process   ir.parse, ir.verify and str(module), each phase on its own
  lamina-opt          `python -m lamina.tools.opt FILE -o /dev/null` (wall time, with startup)
  xdsl in-process     Parser.parse_module, verify, Printer.print_op  (if `xdsl` imports)
  xdsl-opt            `xdsl-opt FILE -o /dev/null` (wall time)       (if installed)
  mlir-opt            `mlir-opt FILE -o /dev/null` (wall time)       (if found)
Each subprocess is also run on an empty module, to show its startup cost (never subtracted).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLIR_OPT_FALLBACK = "/usr/lib/llvm-22/bin/mlir-opt"

# -- the generator ------------------------------------------------------------------------------

INT_BINARY = ("arith.addi", "arith.subi", "arith.muli", "arith.andi", "arith.ori", "arith.xori",
              "arith.maxsi", "arith.minui", "arith.shli")
OVERFLOW_OPS = ("arith.addi", "arith.subi", "arith.muli", "arith.shli")
FLOAT_BINARY = ("arith.addf", "arith.subf", "arith.mulf", "arith.divf", "arith.maximumf")
CMPI = ("eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge")
CMPF = ("false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult",
        "ule", "une", "uno", "true")
CASTS = (("arith.index_cast", "i32", "index"), ("arith.index_cast", "index", "i32"),
         ("arith.index_cast", "i64", "index"), ("arith.sitofp", "i32", "f32"),
         ("arith.sitofp", "i64", "f64"), ("arith.fptosi", "f32", "i32"),
         ("arith.extsi", "i32", "i64"), ("arith.trunci", "i64", "i32"),
         ("arith.extf", "f32", "f64"), ("arith.truncf", "f64", "f32"))
MATH_UNARY = ("math.sqrt", "math.exp", "math.tanh", "math.absf", "math.log", "math.sin")
SCALARS = ("i32", "i64", "f32", "f64", "index")
ARG_TYPES = SCALARS + ("memref<?xf32>",)
VEC = "vector<4xf32>"
BUFFERS = ("memref<16xf32>", "memref<4x8xf32>")
EXTERNALS = ((("f32",), ("f32",)), (("i32", "i32"), ("i32",)), (("index",), ()),
             (("memref<?xf32>", "index"), ("f32",)), (("f64", "i64"), ("f64", "i64")))
FILES = ("model.py", "layers/dense.py", "train.py")

# xDSL 0.74's custom parsers of these ops read no attribute dictionary
NO_ATTR_DICT = frozenset(("arith.cmpf", "arith.cmpi"))

GENERIC_SHARE = 0.12   # ops printed in the generic form
ATTR_SHARE = 0.05      # ops carrying a discardable attribute dictionary
LOC_SHARE = 0.2        # ops with a trailing location
def _results(types):
    """Result types as a function type spells them: `i32`, `()` or `(i32, f32)`."""
    return types[0] if len(types) == 1 else f"({', '.join(types)})"


NO_OVERFLOW = "#arith.overflow<none>"
NO_FASTMATH = "#arith.fastmath<none>"


class ModuleGenerator:
    """Writes one module text. Statements are methods named in `STATEMENTS` with a weight and the
    ops they need; a statement returns False when the values it needs are not in scope, and
    another is drawn. To extend the mix, add a method and a row."""

    STATEMENTS = (
        # weight, method, ops it needs (all of them)
        (10, "constant", ("arith.constant",)),
        (1, "dense_constant", ("arith.constant",)),
        (14, "int_binary", ("arith.addi",)),
        (12, "float_binary", ("arith.addf",)),
        (6, "compare", ("arith.cmpi", "arith.cmpf")),
        (4, "select", ("arith.select",)),
        (6, "cast", ("arith.index_cast", "arith.sitofp")),
        (4, "math_unary", ("math.sqrt",)),
        (4, "memref_arg", ("memref.load", "memref.store")),
        (2, "memref_buffer", ("memref.alloc", "memref.load", "memref.store", "memref.dealloc")),
        (2, "vector", ("vector.broadcast", "vector.reduction")),
        (4, "call", ("func.call",)),
        (4, "scf_for", ("scf.for", "scf.yield")),
        (4, "scf_if", ("scf.if", "scf.yield")),
    )

    def __init__(self, seed, available):
        self.rng = random.Random(seed)
        self.has = set(available)
        self.int_binary_ops = [o for o in INT_BINARY if o in self.has]
        self.float_binary_ops = [o for o in FLOAT_BINARY if o in self.has]
        self.casts = [c for c in CASTS if c[0] in self.has]
        self.math_ops = [o for o in MATH_UNARY if o in self.has]
        rows = [r for r in self.STATEMENTS if all(o in self.has for o in r[2])]
        self.statements = [getattr(self, r[1]) for r in rows]
        self.weights = [r[0] for r in rows]
        self.lines = []
        self.count = 0          # ops, implicit terminators included
        self.indent = "  "
        self.functions = []     # (symbol, input types, result types) callable from later ones
        self.depth = 0          # region nesting of the statement being written
        self.scopes = [{}]      # per open region: type -> SSA names defined there
        self.next_value = 0

    # -- text and values --------------------------------------------------------------
    def fresh(self, prefix=""):
        n = f"%{prefix}{self.next_value}"
        self.next_value += 1
        return n

    def define(self, name, type):
        self.scopes[-1].setdefault(type, []).append(name)

    def pick(self, type):
        """A value of `type` in scope, most often a recent one (as real code uses them)."""
        found = []
        for s in reversed(self.scopes):
            found.extend(reversed(s.get(type, ())))
            if len(found) >= 8:
                break
        if not found:
            return None
        return found[min(int(self.rng.expovariate(0.5)), len(found) - 1)]

    def emit(self, text, trailing=True):
        if trailing:
            text += self.trailing_loc()
        self.lines.append(self.indent + text)

    def trailing_loc(self):
        rng = self.rng
        if rng.random() >= LOC_SHARE:
            return ""
        f = rng.choice(FILES)
        if rng.random() < 0.2:
            return f' loc("{f.split("/")[-1][:-3]}"("{f}":{rng.randint(1, 900)}:' \
                   f'{rng.randint(1, 80)}))'
        return f' loc("{f}":{rng.randint(1, 900)}:{rng.randint(1, 80)})'

    def attr_dict(self):
        rng = self.rng
        if rng.random() >= ATTR_SHARE:
            return ""
        return rng.choice((' {tag = "hot"}', " {unroll = 4 : i64}", " {note = [1, 2, 3]}",
                           " {pinned}", ' {origin = {layer = "dense_1", step = 2 : i32}}'))

    def op(self, name, operands, operand_types, result_types, head, tail, props=""):
        """One op line: custom form `name head {attrs} tail`, or the generic form with
        `props` as its properties; its results join the scope."""
        self.count += 1
        rng = self.rng
        lhs, results = self.result_names(result_types)
        generic = rng.random() < GENERIC_SHARE
        attrs = self.attr_dict() if generic or name not in NO_ATTR_DICT else ""
        if generic:
            text = (f'"{name}"({", ".join(operands)})' + (f" <{{{props}}}>" if props else "")
                    + attrs + f" : ({', '.join(operand_types)}) -> {_results(result_types)}")
        else:
            sep = "" if head[:1] in ("", "(") else " "
            text = name + sep + head + attrs + (" " + tail if tail else "")
        self.emit(lhs + text)
        for r, t in zip(results, result_types):
            self.define(r, t)
        return results

    def result_names(self, types):
        """(`%5 = ` or `%5:2 = ` or nothing, the names of the results: `%5` or `%5#0`...)."""
        if not types:
            return "", []
        base = self.fresh()
        if len(types) == 1:
            return base + " = ", [base]
        return f"{base}:{len(types)} = ", [f"{base}#{i}" for i in range(len(types))]

    # -- statements -------------------------------------------------------------------
    def statement(self):
        """Emit one statement drawn by weight; False when none fits the values in scope."""
        for _ in range(20 if self.statements else 0):
            f = self.rng.choices(self.statements, self.weights)[0]
            if f() is not False:
                return True
        return False

    def constant(self):
        rng = self.rng
        t = rng.choice(SCALARS)
        if t == "index":
            v = str(rng.randint(1, 15))
        elif t[0] == "i":
            v = str(rng.randint(-1000, 1000))
        else:
            v = f"{rng.uniform(-10, 10):.6e}"
        self.op("arith.constant", [], [], [t], "", f"{v} : {t}", f"value = {v} : {t}")

    def dense_constant(self):
        rng = self.rng
        if rng.random() < 0.5:
            vals = ", ".join(f"{rng.uniform(-1, 1):.6e}" for _ in range(4))
            t, body = rng.choice(("tensor<4xf32>", VEC)), f"[{vals}]"
        else:
            t, body = rng.choice(("tensor<8xi32>", "vector<8xi32>")), str(rng.randint(-9, 9))
        self.op("arith.constant", [], [], [t], "", f"dense<{body}> : {t}",
                f"value = dense<{body}> : {t}")

    def int_binary(self):
        rng = self.rng
        t = rng.choice(("i32", "i64", "index"))
        a, b = self.pick(t), self.pick(t)
        if a is None:
            return False
        name = rng.choice(self.int_binary_ops)
        head, props = f"{a}, {b}", ""
        if name in OVERFLOW_OPS:
            props = f"overflowFlags = {NO_OVERFLOW}"
            if rng.random() < 0.15:
                flag = rng.choice(("nsw", "nuw", "nsw, nuw"))
                head += f" overflow<{flag}>"
                props = f"overflowFlags = #arith.overflow<{flag}>"
        self.op(name, [a, b], [t, t], [t], head, f": {t}", props)

    def float_binary(self):
        rng = self.rng
        t = rng.choice(("f32", "f64", "f32", VEC))
        a, b = self.pick(t), self.pick(t)
        if a is None:
            return False
        name = rng.choice(self.float_binary_ops)
        head, props = f"{a}, {b}", f"fastmath = {NO_FASTMATH}"
        if rng.random() < 0.1:
            head += " fastmath<fast>"
            props = "fastmath = #arith.fastmath<fast>"
        self.op(name, [a, b], [t, t], [t], head, f": {t}", props)

    def compare(self):
        rng = self.rng
        t = rng.choice(("i32", "i64", "index", "f32", "f64"))
        a, b = self.pick(t), self.pick(t)
        if a is None:
            return False
        if t[0] == "f":
            name, preds = "arith.cmpf", CMPF
        else:
            name, preds = "arith.cmpi", CMPI
        p = rng.randrange(len(preds))
        self.op(name, [a, b], [t, t], ["i1"], f"{preds[p]}, {a}, {b}", f": {t}",
                f"predicate = {p} : i64")

    def select(self):
        rng = self.rng
        t = rng.choice(SCALARS)
        c, a, b = self.pick("i1"), self.pick(t), self.pick(t)
        if c is None or a is None:
            return False
        self.op("arith.select", [c, a, b], ["i1", t, t], [t], f"{c}, {a}, {b}", f": {t}")

    def cast(self):
        name, src, dst = self.rng.choice(self.casts)
        a = self.pick(src)
        if a is None:
            return False
        self.op(name, [a], [src], [dst], a, f": {src} to {dst}")

    def math_unary(self):
        t = self.rng.choice(("f32", "f64"))
        a = self.pick(t)
        if a is None:
            return False
        self.op(self.rng.choice(self.math_ops), [a], [t], [t], a, f": {t}",
                f"fastmath = {NO_FASTMATH}")

    def memref_arg(self):
        m, i = self.pick("memref<?xf32>"), self.pick("index")
        if m is None or i is None:
            return False
        t = "memref<?xf32>"
        if self.rng.random() < 0.5:
            self.op("memref.load", [m, i], [t, "index"], ["f32"], f"{m}[{i}]", f": {t}")
        else:
            v = self.pick("f32")
            if v is None:
                return False
            self.op("memref.store", [v, m, i], ["f32", t, "index"], [], f"{v}, {m}[{i}]",
                    f": {t}")

    def memref_buffer(self):
        """A local buffer: alloc, a few stores and loads, dealloc (never escaping)."""
        rng = self.rng
        t = rng.choice(BUFFERS)
        rank = t.count("x")
        idx = [self.pick("index") for _ in range(rank)]
        v = self.pick("f32")
        if None in idx or v is None:
            return False
        where = f"[{', '.join(idx)}]"
        (m,) = self.op("memref.alloc", [], [], [t], "()", f": {t}",
                       "operandSegmentSizes = array<i32: 0, 0>")
        for _ in range(rng.randint(1, 3)):
            self.op("memref.store", [v, m] + idx, ["f32", t] + ["index"] * rank, [],
                    f"{v}, {m}{where}", f": {t}")
            (v,) = self.op("memref.load", [m] + idx, [t] + ["index"] * rank, ["f32"],
                           f"{m}{where}", f": {t}")
        self.op("memref.dealloc", [m], [t], [], m, f": {t}")

    def vector(self):
        if self.rng.random() < 0.5:
            a = self.pick("f32")
            if a is None:
                return False
            self.op("vector.broadcast", [a], ["f32"], [VEC], a, f": f32 to {VEC}")
        else:
            v = self.pick(VEC)
            if v is None:
                return False
            self.op("vector.reduction", [v], [VEC], ["f32"], f"<add>, {v}", f": {VEC} into f32",
                    "fastmath = #arith.fastmath<none>, kind = #vector.kind<add>")

    def call(self):
        rng = self.rng
        for _ in range(4):
            sym, ins, outs = rng.choice(self.functions)
            args = [self.pick(t) for t in ins]
            if None not in args:
                break
        else:
            return False
        self.op("func.call", args, list(ins), list(outs), f"@{sym}({', '.join(args)})",
                f": ({', '.join(ins)}) -> {_results(outs)}", f"callee = @{sym}")

    def body(self, statements):
        self.depth += 1
        for _ in range(statements):
            self.statement()
        self.depth -= 1

    def region_budget(self):
        return self.rng.randint(2, 10) if self.depth < 3 else 0

    def scf_for(self):
        rng = self.rng
        lb, ub, step = self.pick("index"), self.pick("index"), self.pick("index")
        if lb is None or self.depth >= 3:
            return False
        carried = [t for t in rng.sample(("f32", "i32", "f64"), rng.randint(0, 2))
                   if self.pick(t) is not None]
        inits = [self.pick(t) for t in carried]
        iv = self.fresh("iv")
        accs = [self.fresh("acc") for _ in carried]
        generic = rng.random() < GENERIC_SHARE
        self.count += 1
        lhs, results = self.result_names(carried)
        if generic:
            self.emit(f'{lhs}"scf.for"({", ".join([lb, ub, step] + inits)}) ({{', False)
            args = ", ".join(f"{n}: {t}" for n, t in zip([iv] + accs, ["index"] + carried))
            self.lines.append(f"{self.indent}^bb0({args}):")
        else:
            head = f"{lhs}scf.for {iv} = {lb} to {ub} step {step}"
            if carried:
                head += (" iter_args(" + ", ".join(f"{a} = {i}" for a, i in zip(accs, inits))
                         + f") -> ({', '.join(carried)})")
            self.emit(head + " {", False)
        self.open_scope()
        self.define(iv, "index")
        for a, t in zip(accs, carried):
            self.define(a, t)
        self.body(self.region_budget())
        self.yield_(carried, generic or bool(carried))
        self.close_scope()
        if generic:
            types = ", ".join(["index"] * 3 + carried)
            self.emit(f"}}) : ({types}) -> {_results(carried)}")
        else:
            self.emit("}")
        for r, t in zip(results, carried):
            self.define(r, t)

    def scf_if(self):
        rng = self.rng
        c = self.pick("i1")
        if c is None or self.depth >= 3:
            return False
        types = [t for t in rng.sample(SCALARS, rng.randint(0, 2)) if self.pick(t) is not None]
        has_else = bool(types) or rng.random() < 0.4
        generic = rng.random() < GENERIC_SHARE
        self.count += 1
        lhs, results = self.result_names(types)
        if generic:
            self.emit(f'{lhs}"scf.if"({c}) ({{', False)
        else:
            self.emit(f"{lhs}scf.if {c}" + (f" -> ({', '.join(types)})" if types else "") + " {",
                      False)
        for branch in range(2 if has_else else 1):
            if branch:
                self.lines.append(self.indent + ("}, {" if generic else "} else {"))
            self.open_scope()
            self.body(self.region_budget())
            self.yield_(types, generic or bool(types))
            self.close_scope()
        if generic:
            if not has_else:
                self.lines.append(self.indent + "}, {")
            self.emit(f"}}) : (i1) -> {_results(types)}")
        else:
            self.emit("}")
        for n, t in zip(results, types):
            self.define(n, t)

    def yield_(self, types, explicit):
        """scf.yield of values of `types`; an empty yield is left implicit unless `explicit`."""
        self.count += 1
        if not explicit:
            return
        vals = [self.pick(t) for t in types]
        if types:
            self.emit(f"scf.yield {', '.join(vals)} : {', '.join(types)}")
        else:
            self.emit('"scf.yield"() : () -> ()' if self.rng.random() < 0.5 else "scf.yield")

    def open_scope(self):
        self.scopes.append({})
        self.indent += "  "

    def close_scope(self):
        self.scopes.pop()
        self.indent = self.indent[:-2]

    # -- functions and the module -----------------------------------------------------
    def function(self, index, budget):
        rng = self.rng
        ins = [rng.choice(ARG_TYPES) for _ in range(rng.randint(1, 5))]
        ins += [t for t in ("index", "f32") if t not in ins]
        scalar_ins = [t for t in ins if t in SCALARS]
        outs = rng.sample(scalar_ins, min(len(scalar_ins), rng.randint(0, 2)))
        sym = f"fn_{index}"
        self.next_value = 0
        self.scopes = [{}]
        args = []
        for i, t in enumerate(ins):
            args.append(f"%arg{i}: {t}")
            self.define(f"%arg{i}", t)
        res = f" -> {_results(outs)}" if outs else ""
        visibility = "private " if rng.random() < 0.05 else ""
        self.count += 1
        self.indent = "  "
        self.lines.append(f"  func.func {visibility}@{sym}({', '.join(args)}){res} {{")
        self.indent = "    "
        if "arith.constant" in self.has:
            for v in (0, 1):
                self.op("arith.constant", [], [], ["index"], "", f"{v + 1} : index",
                        f"value = {v + 1} : index")
        end = self.count + budget
        blocks = {"cf.cond_br", "cf.br", "arith.cmpi"} <= self.has and rng.random() < 0.15
        if blocks:
            self.branches(end)
        else:
            while self.count < end and self.statement():
                pass
        self.ret(outs)
        self.lines.append("  }" + self.trailing_loc())
        self.functions.append((sym, tuple(ins), tuple(outs)))

    def branches(self, end):
        """entry -> cond_br -> ^bb1 | ^bb2(arg) -> ^bb3(arg): a diamond of blocks."""
        rng = self.rng
        quarter = max(1, (end - self.count) // 4)
        for _ in range(quarter):
            self.statement()
        t = rng.choice(("i32", "f32", "index"))
        c = self.pick("i1")
        if c is None:
            a, b = self.pick("index"), self.pick("index")
            (c,) = self.op("arith.cmpi", [a, b], ["index"] * 2, ["i1"], f"ult, {a}, {b}",
                           ": index", "predicate = 6 : i64")
        v = self.pick(t)
        if v is None:
            t, v = "index", self.pick("index")
        self.count += 1
        self.emit(f"cf.cond_br {c}, ^bb1, ^bb2({v} : {t})")
        entry = self.scopes[-1]
        for label, arg, last in (("^bb1", None, False), ("^bb2", t, False), ("^bb3", t, True)):
            self.scopes = [dict((k, list(v)) for k, v in entry.items())]
            head = label
            if arg is not None:
                a = self.fresh("b")
                head += f"({a}: {arg})"
                self.define(a, arg)
            self.lines.append(f"  {head}:")
            for _ in range(quarter):
                self.statement()
            if not last:
                self.count += 1
                self.emit(f"cf.br ^bb3({self.pick(t)} : {t})")

    def ret(self, outs):
        self.count += 1
        vals = [self.pick(t) for t in outs]
        kw = self.rng.choice(("return", "func.return"))
        self.emit(f"{kw} {', '.join(vals)} : {', '.join(outs)}" if outs else kw)

    def module(self, ops):
        self.count = 1
        self.lines.append("module {")
        for i, (ins, outs) in enumerate(EXTERNALS):
            sym = f"ext_{i}"
            res = f" -> {_results(outs)}" if outs else ""
            self.lines.append(f"  func.func private @{sym}({', '.join(ins)}){res}")
            self.count += 1
            self.functions.append((sym, ins, outs))
        index = 0
        while self.count < ops:
            self.function(index, min(ops - self.count, self.rng.randint(30, 400)))
            index += 1
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"


def generate(ops=100_000, seed=0, available=None):
    """The text of a module of about `ops` ops (counting implicit terminators) made only of ops
    in `available` (default: every op lamina registers)."""
    if available is None:
        available = lamina_ops()
    return ModuleGenerator(seed, available).module(ops)


def lamina_ops():
    sys.path.insert(0, ROOT)
    import lamina  # noqa: F401  (registers the dialects)
    from lamina.ir import registry
    return set(registry.OPS)


# -- measuring ----------------------------------------------------------------------------------

def time_phases(repeat, parse, verify, print_):
    """Best wall time of each phase and of a whole run over `repeat` runs, the least CPU time
    of a run, and the last parsed module."""
    best = dict.fromkeys(("parse", "verify", "print", "total", "cpu"), float("inf"))
    module = None
    for _ in range(repeat):
        module = None
        gc.collect()
        c0 = time.process_time()
        t0 = time.perf_counter()
        module = parse()
        t1 = time.perf_counter()
        verify(module)
        t2 = time.perf_counter()
        print_(module)
        t3 = time.perf_counter()
        cpu = time.process_time() - c0
        for k, v in (("parse", t1 - t0), ("verify", t2 - t1), ("print", t3 - t2),
                     ("total", t3 - t0), ("cpu", cpu)):
            best[k] = min(best[k], v)
    return best, module


def count_ops(module):
    n = 0
    stack = [module]
    while stack:
        op = stack.pop()
        n += 1
        for r in op.regions:
            for b in r.blocks:
                o = b.first
                while o is not None:
                    stack.append(o)
                    o = o.next
    return n


def bench_lamina(text, repeat):
    from lamina import ir
    t0 = time.perf_counter()
    ir.verify(ir.parse("func.func @warm() {\n  return\n}\n"))  # builds the grammar tables
    startup = time.perf_counter() - t0
    best, module = time_phases(repeat, lambda: ir.parse(text, "bench.mlir"), ir.verify, str)
    return best, startup, count_ops(module)


def bench_xdsl(text, repeat):
    from io import StringIO
    from xdsl.context import Context
    from xdsl.parser import Parser
    from xdsl.printer import Printer
    from xdsl.universe import Universe
    ctx = Context()
    for name, factory in Universe.get_multiverse().all_dialects.items():
        ctx.register_dialect(name, factory)
    for name in ("builtin", "func", "arith", "math", "scf", "cf", "memref", "vector"):
        ctx.get_optional_dialect(name)  # loaded lazily otherwise, inside the first parse
    best, _ = time_phases(repeat, lambda: Parser(ctx, text, "bench.mlir").parse_module(),
                          lambda m: m.verify(),
                          lambda m: Printer(stream=StringIO()).print_op(m))
    return best


def bench_command(argv, path, empty, repeat):
    """({"total": best wall time, "cpu": least CPU time} on `path`, best wall time on the empty
    module), or (None, error text)."""
    def run(p):
        c0 = os.times()
        t0 = time.perf_counter()
        r = subprocess.run(argv + [p, "-o", os.devnull], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        c1 = os.times()
        if r.returncode:
            lines = r.stderr.strip().splitlines() or [f"exit {r.returncode}"]
            raise RuntimeError(next((l for l in lines if "error" in l.lower()), lines[-1]))
        return wall, c1.children_user + c1.children_system - c0.children_user - \
            c0.children_system

    try:
        run(path)  # also warms the page cache
        runs = [run(path) for _ in range(repeat)]
        startup = min(run(empty)[0] for _ in range(repeat))
    except RuntimeError as e:
        return None, str(e)
    return {"total": min(w for w, _ in runs), "cpu": min(c for _, c in runs)}, startup


def find_mlir_opt(explicit):
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for c in (os.environ.get("MLIR_OPT"), shutil.which("mlir-opt"), MLIR_OPT_FALLBACK):
        if c and os.path.exists(c):
            return c
    return None


def measure(args, text, path, empty):
    """The table's rows (name, times, startup), notes on what was left out, the op count."""
    rows, notes = [], []

    def command(name, argv, repeat):
        t, startup = bench_command(argv, path, empty, repeat)
        if t is None:
            notes.append(f"{name} failed: {startup}")
        else:
            rows.append((f"{name} (subprocess)", t, startup))

    lam, startup, n_ops = bench_lamina(text, args.repeat)
    print(f"module: {n_ops:,} ops, {len(text) / 1e6:.1f} MB, {text.count(chr(10)):,} lines")
    rows.append(("lamina (in-process)", lam, startup))
    env_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = ROOT + (os.pathsep + env_path if env_path else "")
    command("lamina-opt", [sys.executable, "-m", "lamina.tools.opt"], args.repeat)

    if args.no_xdsl:
        notes.append("xDSL skipped (--no-xdsl)")
    else:
        try:
            import xdsl  # noqa: F401
        except ImportError:
            notes.append("xDSL is not installed (pip install xdsl): no xDSL numbers")
        else:
            try:
                rows.append(("xdsl (in-process)", bench_xdsl(text, args.xdsl_repeat), None))
            except Exception as e:  # its parser's own diagnostics, whatever their class
                first = str(e).strip().splitlines()
                notes.append(f"xdsl in-process failed: {type(e).__name__}: "
                             f"{first[0] if first else ''}")
            xdsl_opt = shutil.which("xdsl-opt")
            if xdsl_opt:
                command("xdsl-opt", [xdsl_opt], args.xdsl_repeat)
            else:
                notes.append("xdsl-opt is not on PATH")

    mlir_opt = find_mlir_opt(args.mlir_opt)
    if mlir_opt is None:
        notes.append("mlir-opt not found (--mlir-opt PATH or MLIR_OPT=...): no MLIR numbers")
    else:
        command("mlir-opt", [mlir_opt], args.repeat)
    return rows, notes, n_ops


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", type=int, default=100_000, help="ops in the generated module")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    ap.add_argument("--xdsl-repeat", type=int, default=1,
                    help="runs for xDSL, which is slow (default 1)")
    ap.add_argument("--file", help="benchmark this file instead of generating one")
    ap.add_argument("--keep", help="also write the generated module here")
    ap.add_argument("--mlir-opt", help="path of mlir-opt (default: PATH, then llvm-22's)")
    ap.add_argument("--no-xdsl", action="store_true", help="skip xDSL")
    args = ap.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="lamina-bench-")
    try:
        if args.file:
            path = args.file
            with open(path) as f:
                text = f.read()
        else:
            t0 = time.perf_counter()
            text = generate(args.ops, args.seed)
            gen_time = time.perf_counter() - t0
            path = os.path.join(tmp, "module.mlir")
            with open(path, "w") as f:
                f.write(text)
            if args.keep:
                shutil.copyfile(path, args.keep)
            print(f"generated the module in {gen_time:.2f} s (seed {args.seed})"
                  + (f", kept as {args.keep}" if args.keep else ""))
        empty = os.path.join(tmp, "empty.mlir")
        with open(empty, "w") as f:
            f.write("module {\n}\n")
        rows, notes, n_ops = measure(args, text, path, empty)
        report(rows, n_ops, notes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


RATIOS = (("lamina (in-process)", "xdsl (in-process)"),
          ("lamina-opt (subprocess)", "xdsl-opt (subprocess)"),
          ("lamina (in-process)", "mlir-opt (subprocess)"),
          ("lamina-opt (subprocess)", "mlir-opt (subprocess)"))


def report(rows, n_ops, notes):
    """The table (wall times; ops/s from the total wall time) and the ratios, by wall time and,
    in parentheses, by CPU time (steadier on a busy machine)."""
    def sec(v):
        return f"{v:9.3f}" if v is not None else " " * 9

    print()
    print(f"{'':25}{'parse':>9}{'verify':>9}{'print':>9}{'total':>9}{'cpu':>9}{'ops/s':>10}"
          f"{'startup':>9}")
    rate, cpu_rate = {}, {}
    for name, t, startup in rows:
        rate[name] = n_ops / t["total"]
        cpu_rate[name] = n_ops / t["cpu"]
        print(f"{name:25}" + "".join(sec(t.get(k)) for k in ("parse", "verify", "print",
                                                             "total", "cpu"))
              + f"{rate[name]:10,.0f}" + sec(startup))
    print("(seconds; best of the runs; startup: the same command on an empty module, or for "
          "lamina the first parse after import)")
    print()
    for ours, peer in RATIOS:
        if ours in rate and peer in rate:
            r = rate[ours] / rate[peer]
            print(f"{ours} / {peer}: {r:.2f}x by wall time "
                  f"({cpu_rate[ours] / cpu_rate[peer]:.2f}x by CPU time)"
                  + ("" if r >= 1 else f", {1 / r:.1f}x slower"))
    for n in notes:
        print("note:", n)


if __name__ == "__main__":
    sys.exit(main())
