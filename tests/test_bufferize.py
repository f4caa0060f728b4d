"""The `bufferize` pass, checked three ways on hand-written tensor-level functions:

- it verifies;
- ownership, statically: in every block each buffer the block owns (an allocation, a memref
  result of a call or of an scf op, an owned loop argument) is freed exactly once in that block
  or handed to its terminator exactly once, and nothing else is ever freed;
- semantics and memory safety, by running both levels in a small numpy interpreter on inputs
  that take every path: the buffer level must compute what the tensor level computes, never
  read or write freed memory, never write an argument or a constant, never free twice, leak
  nothing and return only buffers it allocated. Fresh allocations hold NaN (or a sentinel), so
  reading memory that was never written shows up as a wrong result.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import lamina  # noqa: F401  (registers the dialects)
import lamina.lowering  # noqa: F401  (registers the passes)
from lamina import ir
from lamina.ir import types as T
from lamina.ir.attributes import Attribute, DenseElementsAttr, scalar_attr
from lamina.ir.opdef import Terminator
from lamina.passes import run_pipeline
from lamina.dialects.memref import rank_reduction_mask, type_dim

DYN = T.DYNAMIC


# -- a numpy interpreter for both levels ------------------------------------------------------

class Violation(Exception):
    """The bufferized code misused memory."""


def np_dtype(et):
    if et.__class__ is T.FloatType:
        return {"f16": np.float16, "f32": np.float32, "f64": np.float64}[et.name]
    if et.__class__ is T.IndexType:
        return np.int64
    if et.width == 1:
        return np.bool_
    return {8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}[et.width]


class Alloc:
    def __init__(self, kind, base):
        self.kind = kind  # "heap" | "arg" | "global" | "var"
        self.base = base
        self.freed = False


class Buffer:
    """A memref value: a numpy view into one allocation."""

    def __init__(self, arr, alloc):
        self.arr = arr
        self.alloc = alloc


class Var:
    """A variable at the tensor level."""

    def __init__(self, arr):
        self.arr = arr


def _scalar(x):
    return x.item() if hasattr(x, "item") else x


class Interp:
    def __init__(self, module):
        self.module = module
        self.funcs = {}
        self.globals = {}
        for op in module.regions[0].blocks[0]:
            if op.name == "func.func":
                self.funcs[op.properties["sym_name"].value] = op
            elif op.name == "memref.global":
                arr = op.properties["initial_value"].array.copy()
                arr.flags.writeable = "constant" not in op.properties
                self.globals[op.properties["sym_name"].value] = Buffer(arr, Alloc("global", arr))
        self.heap = []
        self.loop_index = []

    # -- calls ----------------------------------------------------------------------------
    def call(self, name, args):
        fn = self.funcs[name]
        if not fn.regions[0].blocks:
            raise NotImplementedError(f"interpreter: external function @{name}")
        start = len(self.heap)
        env = dict(zip(fn.regions[0].blocks[0].args, args))
        term, results = self.block(fn.regions[0].blocks[0], env)
        mine = self.heap[start:]
        for r in results:
            if isinstance(r, Buffer):
                if r.alloc.kind != "heap" or r.alloc not in mine or r.arr is not r.alloc.base:
                    raise Violation(f"@{name} returns a buffer it did not allocate "
                                    f"({r.alloc.kind})")
                if r.alloc.freed:
                    raise Violation(f"@{name} returns a freed buffer")
        returned = {id(r.alloc) for r in results if isinstance(r, Buffer)}
        if len(returned) != sum(isinstance(r, Buffer) for r in results):
            raise Violation(f"@{name} returns one buffer twice")
        for a in mine:
            if not a.freed and id(a) not in returned:
                raise Violation(f"@{name} leaks a buffer of shape {a.base.shape}")
        del self.heap[start:]
        # the caller owns what is returned
        self.heap.extend(r.alloc for r in results if isinstance(r, Buffer))
        return results

    def block(self, block, env):
        for op in block:
            if op is block.last and op.has_trait(Terminator):
                return op, [env[v] for v in op.operands]
            self.op(op, env)
        return None, []

    # -- memory -----------------------------------------------------------------------------
    def live(self, b):
        if b.alloc.freed:
            raise Violation("use of a freed buffer")
        return b.arr

    def write(self, b, index, value):
        arr = self.live(b)
        if not arr.flags.writeable:
            raise Violation(f"write into a read-only buffer ({b.alloc.kind})")
        arr[index] = value

    def new_buffer(self, t, sizes):
        dtype = np_dtype(t.element_type)
        fill = np.nan if np.issubdtype(dtype, np.floating) else 123
        arr = np.full(sizes, fill, dtype=dtype)
        a = Alloc("heap", arr)
        self.heap.append(a)
        return Buffer(arr, a)

    # -- ops ----------------------------------------------------------------------------------
    def op(self, op, env):
        name = op.name
        h = getattr(self, "op_" + name.replace(".", "_"), None)
        if h is not None:
            h(op, env)
            return
        consts = [scalar_attr(env[v], v.type) for v in op.operands]
        res = op.fold(consts)
        if res is None:
            raise NotImplementedError(f"interpreter: {name}")
        for r, x in zip(op.results, res):
            env[r] = x.value if isinstance(x, Attribute) else env[x]

    def op_arith_constant(self, op, env):
        a = op.properties["value"]
        env[op.results[0]] = a.array.copy() if isinstance(a, DenseElementsAttr) else a.value

    def op_cf_assert(self, op, env):
        pass  # both levels check the same condition

    def op_func_call(self, op, env):
        res = self.call(op.properties["callee"].root, [env[v] for v in op.operands])
        env.update(zip(op.results, res))

    def op_scf_for(self, op, env):
        lb, ub, step = (env[v] for v in op.operands[:3])
        vals = [env[v] for v in op.operands[3:]]
        body = op.regions[0].blocks[0]
        for i in range(lb, ub, step):
            env.update(zip(body.args, [i] + vals))
            _, vals = self.block(body, env)
        env.update(zip(op.results, vals))

    def op_scf_if(self, op, env):
        r = op.regions[0] if env[op.operands[0]] else op.regions[1]
        if r.blocks:
            _, vals = self.block(r.blocks[0], env)
            env.update(zip(op.results, vals))

    def op_scf_while(self, op, env):
        vals = [env[v] for v in op.operands]
        before, after = (r.blocks[0] for r in op.regions)
        while True:
            env.update(zip(before.args, vals))
            term, out = self.block(before, env)
            if not out[0]:
                env.update(zip(op.results, out[1:]))
                return
            env.update(zip(after.args, out[1:]))
            _, vals = self.block(after, env)

    def op_structured_index(self, op, env):
        env[op.results[0]] = self.loop_index[-1][op.properties["dim"].value]

    def op_structured_generic(self, op, env):
        d = op.opdef
        s, n_in = d.operand_range(op, 0)
        operands = op.operands
        maps = op.maps
        tensors = bool(op.results)
        arrays = []
        for k, v in enumerate(operands):
            x = env[v]
            if isinstance(x, Buffer):
                arrays.append(x)
            elif isinstance(x, np.ndarray):
                arrays.append(Buffer(x.copy() if k >= n_in else x, Alloc("value", x)))
            else:
                arrays.append(x)
        bounds = [None] * op.num_loops
        for x, m in zip(arrays, maps):
            if isinstance(x, Buffer):
                for p, e in enumerate(m.results):
                    if e.__class__.__name__ == "AffineDim" and bounds[e.position] is None:
                        bounds[e.position] = x.arr.shape[p]
        block = op.regions[0].blocks[0]
        for idx in itertools.product(*(range(b) for b in bounds)):
            args = [_scalar(self.live(x)[m.evaluate(idx, ())]) if isinstance(x, Buffer) else x
                    for x, m in zip(arrays, maps)]
            env.update(zip(block.args, args))
            self.loop_index.append(idx)
            _, ys = self.block(block, env)
            self.loop_index.pop()
            for x, m, y in zip(arrays[n_in:], maps[n_in:], ys):
                self.write(x, m.evaluate(idx, ()), y)
        if tensors:
            env.update(zip(op.results, (x.arr for x in arrays[n_in:])))

    # tensor level
    def op_tensor_empty(self, op, env):
        t = op.results[0].type
        it = iter(env[v] for v in op.operands)
        sizes = [next(it) if d == DYN else d for d in t.shape]
        env[op.results[0]] = np.full(sizes, np.nan if t.element_type.__class__ is T.FloatType
                                     else 123, dtype=np_dtype(t.element_type))

    op_bufferization_alloc_tensor = op_tensor_empty

    def op_tensor_dim(self, op, env):
        x = env[op.operands[0]]
        env[op.results[0]] = (x.arr if isinstance(x, Buffer) else x).shape[env[op.operands[1]]]

    op_memref_dim = op_tensor_dim

    def op_tensor_extract(self, op, env):
        env[op.results[0]] = _scalar(env[op.operands[0]][tuple(env[v] for v in op.operands[1:])])

    def op_tensor_insert(self, op, env):
        x = env[op.operands[1]].copy()
        x[tuple(env[v] for v in op.operands[2:])] = env[op.operands[0]]
        env[op.results[0]] = x

    def op_tensor_cast(self, op, env):
        env[op.results[0]] = env[op.operands[0]]

    def op_tensor_from_elements(self, op, env):
        t = op.results[0].type
        env[op.results[0]] = np.array([env[v] for v in op.operands],
                                      dtype=np_dtype(t.element_type)).reshape(t.shape)

    def op_tensor_splat(self, op, env):
        t = op.results[0].type
        it = iter(env[v] for v in op.operands[1:])
        sizes = [next(it) if d == DYN else d for d in t.shape]
        env[op.results[0]] = np.full(sizes, env[op.operands[0]], dtype=np_dtype(t.element_type))

    def _from_body(self, block, sizes, dtype, env):
        out = np.empty(sizes, dtype=dtype)
        for idx in itertools.product(*(range(s) for s in sizes)):
            env.update(zip(block.args, idx))
            _, (y,) = self.block(block, env)
            out[idx] = y
        return out

    def op_tensor_generate(self, op, env):
        t = op.results[0].type
        it = iter(env[v] for v in op.operands)
        sizes = [next(it) if d == DYN else d for d in t.shape]
        env[op.results[0]] = self._from_body(op.regions[0].blocks[0], sizes,
                                             np_dtype(t.element_type), env)

    def op_tensor_pad(self, op, env):
        src = env[op.operands[0]]
        low = [env[x] if not isinstance(x, int) else x for x in op.mixed_low()]
        high = [env[x] if not isinstance(x, int) else x for x in op.mixed_high()]
        sizes = [s + a + b for s, a, b in zip(src.shape, low, high)]
        out = self._from_body(op.regions[0].blocks[0], sizes, src.dtype, env)
        out[tuple(slice(a, a + s) for a, s in zip(low, src.shape))] = src
        env[op.results[0]] = out

    def op_tensor_concat(self, op, env):
        env[op.results[0]] = np.concatenate([env[v] for v in op.operands], op.axis)

    def _slices(self, op, env, full_rank_shape):
        vals = [[env[x] if not isinstance(x, int) else x for x in f()]
                for f in (op.mixed_offsets, op.mixed_sizes, op.mixed_strides)]
        static_sizes = [type_dim(x) for x in op.static_sizes.value]
        dropped = rank_reduction_mask(static_sizes, full_rank_shape) or set()
        return tuple(o if i in dropped else slice(o, o + (n - 1) * s + 1 if n else o, s)
                     for i, (o, n, s) in enumerate(zip(*vals)))

    def op_tensor_extract_slice(self, op, env):
        env[op.results[0]] = env[op.operands[0]][
            self._slices(op, env, op.results[0].type.shape)].copy()

    def op_tensor_insert_slice(self, op, env):
        x = env[op.operands[1]].copy()
        x[self._slices(op, env, op.operands[0].type.shape)] = env[op.operands[0]]
        env[op.results[0]] = x

    def op_tensor_collapse_shape(self, op, env):
        x = env[op.operands[0]]
        env[op.results[0]] = x.reshape([int(np.prod([x.shape[d] for d in g], dtype=np.int64))
                                        for g in op.groups])

    def op_tensor_expand_shape(self, op, env):
        shape = [env[x] if not isinstance(x, int) else x for x in op.mixed_output_shape()]
        env[op.results[0]] = env[op.operands[0]].reshape(shape)

    def op_tensor_reshape(self, op, env):
        env[op.results[0]] = env[op.operands[0]].reshape([int(s) for s in env[op.operands[1]]])

    def op_lamina_read_variable(self, op, env):
        env[op.results[0]] = env[op.operands[0]].arr.copy()

    def op_lamina_assign_variable(self, op, env):
        env[op.operands[0]].arr = env[op.operands[1]].copy()

    # buffer level
    def op_memref_alloc(self, op, env):
        t = op.results[0].type
        it = iter(env[v] for v in op.operands)
        env[op.results[0]] = self.new_buffer(t, [next(it) if d == DYN else d for d in t.shape])

    def op_memref_dealloc(self, op, env):
        b = env[op.operands[0]]
        if b.alloc.kind != "heap":
            raise Violation(f"dealloc of a buffer not allocated on the heap ({b.alloc.kind})")
        if b.alloc.freed:
            raise Violation("double free")
        if b.arr is not b.alloc.base:
            raise Violation("dealloc of a view")
        b.alloc.freed = True

    def op_memref_copy(self, op, env):
        src, dst = (env[v] for v in op.operands)
        s = self.live(src)
        if s.shape != self.live(dst).shape:
            raise Violation(f"copy between shapes {s.shape} and {dst.arr.shape}")
        self.write(dst, Ellipsis, s.copy())

    def op_memref_load(self, op, env):
        b = env[op.operands[0]]
        env[op.results[0]] = _scalar(self.live(b)[tuple(env[v] for v in op.operands[1:])])

    def op_memref_store(self, op, env):
        self.write(env[op.operands[1]], tuple(env[v] for v in op.operands[2:]),
                   env[op.operands[0]])

    def op_memref_get_global(self, op, env):
        env[op.results[0]] = self.globals[op.properties["name"].root]

    def op_memref_cast(self, op, env):
        env[op.results[0]] = env[op.operands[0]]

    def _view(self, op, env, arr):
        b = env[op.operands[0]]
        env[op.results[0]] = Buffer(arr, b.alloc)

    def op_memref_subview(self, op, env):
        b = env[op.operands[0]]
        self._view(op, env, self.live(b)[self._slices(op, env, op.results[0].type.shape)])

    def _reshaped(self, arr, shape):
        v = arr.view()
        try:
            v.shape = shape
        except AttributeError:
            raise Violation(f"reshape of a non-contiguous view {arr.strides} to {shape}")
        return v

    def op_memref_collapse_shape(self, op, env):
        x = self.live(env[op.operands[0]])
        self._view(op, env, self._reshaped(
            x, [int(np.prod([x.shape[d] for d in g], dtype=np.int64)) for g in op.groups]))

    def op_memref_expand_shape(self, op, env):
        shape = [env[x] if not isinstance(x, int) else x for x in op.mixed_output_shape()]
        self._view(op, env, self._reshaped(self.live(env[op.operands[0]]), shape))

    def op_memref_reinterpret_cast(self, op, env):
        x = self.live(env[op.operands[0]])
        offset, sizes, strides = ([env[v] if not isinstance(v, int) else v for v in f()]
                                  for f in (op.mixed_offsets, op.mixed_sizes, op.mixed_strides))
        if not x.flags.c_contiguous:
            raise Violation("reinterpret_cast of a non-contiguous view")
        flat = self._reshaped(x, [-1])[offset[0]:]
        self._view(op, env, np.lib.stride_tricks.as_strided(
            flat, shape=sizes, strides=[s * x.itemsize for s in strides]))


def run_tensor_level(module, name, args):
    """Results of @name at the tensor level; variables (Var) are updated in place."""
    return Interp(module).call(name, args)


def run_buffer_level(module, name, args):
    """Results of @name after bufferization, as numpy arrays and scalars; the final values of
    variables are returned too."""
    interp = Interp(module)
    converted = []
    for a in args:
        if isinstance(a, Var):
            arr = a.arr.copy()
            converted.append(Buffer(arr, Alloc("var", arr)))
        elif isinstance(a, np.ndarray):
            arr = a.copy()
            arr.flags.writeable = False
            converted.append(Buffer(arr, Alloc("arg", arr)))
        else:
            converted.append(a)
    results = interp.call(name, converted)
    for r in results:
        if isinstance(r, Buffer):
            r.alloc.freed = True  # the caller frees them
    values = [r.arr if isinstance(r, Buffer) else r for r in results]
    return values, [c.arr for a, c in zip(args, converted) if isinstance(a, Var)]


# -- static ownership check ---------------------------------------------------------------------

_OWNING_RESULTS = ("memref.alloc", "func.call", "scf.for", "scf.if", "scf.while",
                   "scf.index_switch", "scf.execute_region")
_YIELDING = ("scf.if", "scf.index_switch", "scf.execute_region")


def check_ownership(module):
    """Each buffer a block owns is freed exactly once in that block or handed over exactly once:
    to its terminator, as a loop's init, or to an scf.if that yields it (each of whose regions
    then owns it); every dealloc frees a buffer its block owns."""
    for fn in module.walk():
        if fn.name == "func.func" and fn.regions[0].blocks:
            _check_block(fn.regions[0].blocks[0], [], module)


def _check_block(b, inherited, module):
    owned = list(inherited)
    parent = b.parent.parent
    if parent.name in ("scf.for", "scf.while"):
        first = 1 if parent.name == "scf.for" else 0
        owned += [a for a in b.args[first:] if a.type.__class__ is T.MemRefType]
    for inner in b:
        if inner.name in _OWNING_RESULTS:
            owned += [x for x in inner.results if x.type.__class__ is T.MemRefType]
    term = b.last if b.last is not None and b.last.has_trait(Terminator) else None
    handed = [x for x in (term.operands if term is not None else ())]
    consumed = {}
    for inner in b:
        if inner.name in ("scf.for", "scf.while"):
            handed += inner.operands[3 if inner.name == "scf.for" else 0:]
        if inner.name in _YIELDING:
            for r in inner.regions:
                for x in (r.blocks[0].last.operands if r.blocks else ()):
                    if any(x is v for v in owned) and x not in consumed:
                        consumed[x] = inner
                        handed.append(x)
    for v in owned:
        freed = sum(1 for inner in b if inner.name == "memref.dealloc" and inner.operands[0] is v)
        passed = sum(1 for x in handed if x is v)
        assert freed + passed == 1, (
            f"a buffer owned by a block in '{parent.name}' is freed {freed} times and handed "
            f"over {passed} times:\n{module}")
    for inner in b:
        if inner.name == "memref.dealloc":
            assert any(inner.operands[0] is v for v in owned), (
                f"a dealloc frees a buffer its block does not own:\n{module}")
    if term is not None and term.name in ("func.return", "scf.yield", "scf.condition"):
        for x in term.operands:
            if x.type.__class__ is T.MemRefType:
                assert any(x is v for v in owned), (
                    f"'{term.name}' hands over a buffer its block does not own:\n{module}")
    for inner in b:
        for r in inner.regions:
            for blk in r.blocks:
                _check_block(blk, [v for v, op in consumed.items() if op is inner], module)


def bufferize(text):
    m = ir.parse(text)
    ir.verify(m)
    run_pipeline(m, "builtin.module(bufferize)")
    ir.verify(m)
    # the printed form parses back to the same thing
    again = ir.parse(str(m))
    assert str(again) == str(m)
    return m


def count(module, name):
    return sum(1 for op in module.walk() if op.name == name)


# -- the functions under test -------------------------------------------------------------------

ID1 = "affine_map<(d0) -> (d0)>"
ID2 = "affine_map<(d0, d1) -> (d0, d1)>"
TR2 = "affine_map<(d0, d1) -> (d1, d0)>"
ROW = "affine_map<(d0, d1) -> (d0)>"


def ew(out, ins, op="arith.addf", maps=None, rank=1, t="tensor<?xf32>", name="%r"):
    """An elementwise structured.generic: `op` over the inputs' elements."""
    idm = ID1 if rank == 1 else ID2
    maps = maps or [idm] * (len(ins) + 1)
    its = ", ".join(['"parallel"'] * rank)
    args = ", ".join(f"%x{i}: f32" for i in range(len(ins))) + ", %o: f32"
    body = f"{op} %x0, %x1 : f32" if len(ins) > 1 else f"{op} %x0 : f32"
    return (f"{name} = structured.generic {{indexing_maps = [{', '.join(maps)}], "
            f"iterator_types = [{its}]}} ins({', '.join(ins)} : {', '.join([t] * len(ins))}) "
            f"outs({out} : {t}) {{\n  ^bb0({args}):\n    %s = {body}\n"
            f"    structured.yield %s : f32\n  }} -> {t}")


def vec(*xs):
    return np.array(xs, dtype=np.float32)


RNG = np.random.default_rng(0)


def mat(*shape):
    return RNG.integers(-5, 5, shape).astype(np.float32)


CASES = {}


def case(name, text, *inputs, entry=None):
    CASES[name] = (text, inputs, entry or name)


case("chain", f"""
func.func @chain(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {{
  %c0 = arith.constant 0 : index
  %d = tensor.dim %a, %c0 : tensor<?xf32>
  %e = tensor.empty(%d) : tensor<?xf32>
  {ew("%e", ["%a", "%b"], name="%r1")}
  %e2 = tensor.empty(%d) : tensor<?xf32>
  {ew("%e2", ["%r1", "%b"], "arith.mulf", name="%r2")}
  %e3 = tensor.empty(%d) : tensor<?xf32>
  {ew("%e3", ["%r2", "%r1"], "arith.subf", name="%r3")}
  return %r3 : tensor<?xf32>
}}""", [vec(1, 2, 3), vec(4, 5, 6)])

# the output is also read transposed: writing it in place would read overwritten elements
case("transpose_into_dead_input", f"""
func.func @transpose_into_dead_input(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {{
  %e = tensor.empty() : tensor<3x3xf32>
  {ew("%e", ["%a", "%a"], "arith.addf", rank=2, t="tensor<3x3xf32>", name="%c")}
  {ew("%c", ["%c", "%c"], "arith.subf", maps=[TR2, ID2, ID2], rank=2, t="tensor<3x3xf32>")}
  return %r : tensor<3x3xf32>
}}""", [mat(3, 3)])

# a transposed read of a dead input must not make it the output either
case("transpose_input_reuse", f"""
func.func @transpose_input_reuse(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {{
  %e = tensor.empty() : tensor<3x3xf32>
  {ew("%e", ["%a", "%a"], "arith.mulf", rank=2, t="tensor<3x3xf32>", name="%c")}
  %e2 = tensor.empty() : tensor<3x3xf32>
  {ew("%e2", ["%c", "%c"], "arith.subf", maps=[ID2, TR2, ID2], rank=2, t="tensor<3x3xf32>")}
  return %r : tensor<3x3xf32>
}}""", [mat(3, 3)])

# the body gathers from the very tensor being updated
case("gather_from_output", """
func.func @gather_from_output(%a: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %c = structured.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]} ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    structured.yield %y : f32
  } -> tensor<4xf32>
  %r = structured.generic {indexing_maps = [affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]} ins() outs(%c : tensor<4xf32>) {
  ^bb0(%o: f32):
    %i = structured.index 0 : index
    %c3 = arith.constant 3 : index
    %j = arith.subi %c3, %i : index
    %g = tensor.extract %c[%j] : tensor<4xf32>
    %s = arith.addf %o, %g : f32
    structured.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}""", [vec(1, 2, 3, 4)])

case("reduction", """
func.func @reduction(%a: tensor<?x3xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %d = tensor.dim %a, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%d) : tensor<?xf32>
  %f = structured.generic {indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]} ins(%zero : f32) outs(%e : tensor<?xf32>) {
  ^bb0(%z: f32, %o: f32):
    structured.yield %z : f32
  } -> tensor<?xf32>
  %r = structured.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
      affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%a : tensor<?x3xf32>) outs(%f : tensor<?xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    structured.yield %s : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}""", [mat(2, 3)], [mat(5, 3)])

case("loop_accumulate", f"""
func.func @loop_accumulate(%a: tensor<4xf32>, %n: index) -> tensor<4xf32> {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> (tensor<4xf32>) {{
    %e = tensor.empty() : tensor<4xf32>
    {ew("%e", ["%acc", "%a"], t="tensor<4xf32>", name="%n2")}
    scf.yield %n2 : tensor<4xf32>
  }}
  return %r : tensor<4xf32>
}}""", [vec(1, 2, 3, 4), 0], [vec(1, 2, 3, 4), 1], [vec(1, 2, 3, 4), 3])

# iteration values swap places; one is also kept alive past the loop's next write
case("loop_swap", f"""
func.func @loop_swap(%a: tensor<2xf32>, %b: tensor<2xf32>, %n: index)
    -> (tensor<2xf32>, tensor<2xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%x = %a, %y = %b)
      -> (tensor<2xf32>, tensor<2xf32>) {{
    {ew("%x", ["%x", "%y"], t="tensor<2xf32>", name="%s")}
    scf.yield %y, %s : tensor<2xf32>, tensor<2xf32>
  }}
  return %r#0, %r#1 : tensor<2xf32>, tensor<2xf32>
}}""", [vec(1, 2), vec(10, 20), 0], [vec(1, 2), vec(10, 20), 1], [vec(1, 2), vec(10, 20), 4])

# the same value carried twice, and an outer value yielded from the body
case("loop_aliases", f"""
func.func @loop_aliases(%a: tensor<2xf32>, %n: index) -> (tensor<2xf32>, tensor<2xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<2xf32>
  {ew("%e", ["%a", "%a"], t="tensor<2xf32>", name="%t")}
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%x = %t, %y = %t)
      -> (tensor<2xf32>, tensor<2xf32>) {{
    {ew("%x", ["%x", "%y"], "arith.mulf", t="tensor<2xf32>", name="%s")}
    scf.yield %s, %t : tensor<2xf32>, tensor<2xf32>
  }}
  return %r#0, %r#1 : tensor<2xf32>, tensor<2xf32>
}}""", [vec(1, 2), 0], [vec(1, 2), 3])

case("if_yields", f"""
func.func @if_yields(%c: i1, %a: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {{
  %e = tensor.empty() : tensor<3xf32>
  {ew("%e", ["%a", "%a"], t="tensor<3xf32>", name="%t")}
  %r:2 = scf.if %c -> (tensor<3xf32>, tensor<3xf32>) {{
    {ew("%t", ["%t", "%a"], "arith.mulf", t="tensor<3xf32>", name="%u")}
    scf.yield %u, %a : tensor<3xf32>, tensor<3xf32>
  }} else {{
    scf.yield %t, %t : tensor<3xf32>, tensor<3xf32>
  }}
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}}""", [True, vec(1, 2, 3)], [False, vec(1, 2, 3)])

# a value yielded by a branch but still needed after the if is not the if's to take
case("if_keeps_value", f"""
func.func @if_keeps_value(%c: i1, %a: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {{
  %e = tensor.empty() : tensor<3xf32>
  {ew("%e", ["%a", "%a"], t="tensor<3xf32>", name="%t")}
  %r = scf.if %c -> (tensor<3xf32>) {{
    {ew("%t", ["%t", "%a"], "arith.mulf", t="tensor<3xf32>", name="%u")}
    scf.yield %u : tensor<3xf32>
  }} else {{
    scf.yield %t : tensor<3xf32>
  }}
  %e2 = tensor.empty() : tensor<3xf32>
  {ew("%e2", ["%r", "%t"], "arith.subf", t="tensor<3xf32>", name="%z")}
  return %z, %t : tensor<3xf32>, tensor<3xf32>
}}""", [True, vec(1, 2, 3)], [False, vec(1, 2, 3)])

# a shape that changes from one iteration to the next
case("while_grow", """
func.func @while_grow(%a: tensor<?xf32>, %n: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %r:2 = scf.while (%x = %a, %k = %c0) : (tensor<?xf32>, index) -> (tensor<?xf32>, index) {
    %go = arith.cmpi slt, %k, %n : index
    scf.condition(%go) %x, %k : tensor<?xf32>, index
  } do {
  ^bb0(%y: tensor<?xf32>, %k2: index):
    %c1 = arith.constant 1 : index
    %z = tensor.concat dim(0) %y, %a : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
    %k3 = arith.addi %k2, %c1 : index
    scf.yield %z, %k3 : tensor<?xf32>, index
  }
  return %r#0 : tensor<?xf32>
}""", [vec(1, 2), 0], [vec(1, 2), 1], [vec(1, 2), 3])

case("variables", f"""
func.func @variables(%v: !lamina.variable<tensor<3xf32>>, %a: tensor<3xf32>)
    -> (tensor<3xf32>, tensor<3xf32>) {{
  %old = lamina.read_variable %v : !lamina.variable<tensor<3xf32>>
  %e = tensor.empty() : tensor<3xf32>
  {ew("%e", ["%old", "%a"], t="tensor<3xf32>", name="%s")}
  lamina.assign_variable %v, %s : !lamina.variable<tensor<3xf32>>
  %new = lamina.read_variable %v : !lamina.variable<tensor<3xf32>>
  %e2 = tensor.empty() : tensor<3xf32>
  {ew("%e2", ["%new", "%old"], "arith.mulf", t="tensor<3xf32>", name="%p")}
  return %p, %old : tensor<3xf32>, tensor<3xf32>
}}""", [Var(vec(1, 2, 3)), vec(10, 20, 30)])

case("variable_in_loop", f"""
func.func @variable_in_loop(%v: !lamina.variable<tensor<2xf32>>, %n: index) -> tensor<2xf32> {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {{
    %x = lamina.read_variable %v : !lamina.variable<tensor<2xf32>>
    %e = tensor.empty() : tensor<2xf32>
    {ew("%e", ["%x", "%x"], t="tensor<2xf32>", name="%s")}
    lamina.assign_variable %v, %s : !lamina.variable<tensor<2xf32>>
  }}
  %r = lamina.read_variable %v : !lamina.variable<tensor<2xf32>>
  return %r : tensor<2xf32>
}}""", [Var(vec(1, 3)), 3])

case("slices", """
func.func private @twice(%t: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %t : tensor<2x3xf32>
}
func.func @slices(%a: tensor<4x3xf32>, %i: index, %f: f32) -> (tensor<2x3xf32>, tensor<12xf32>,
    tensor<3xf32>, tensor<4x3xf32>, tensor<6xf32>) {
  %s = tensor.extract_slice %a[1, 0] [2, 3] [1, 1] : tensor<4x3xf32> to tensor<2x3xf32>
  %c = func.call @twice(%s) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %x = tensor.extract %c[%i, %i] : tensor<2x3xf32>
  %ins = tensor.insert %x into %a[%i, %i] : tensor<4x3xf32>
  %cs = tensor.collapse_shape %ins [[0, 1]] : tensor<4x3xf32> into tensor<12xf32>
  %row = tensor.extract_slice %ins[2, 0] [1, 3] [1, 1] : tensor<4x3xf32> to tensor<3xf32>
  %upd = tensor.insert_slice %row into %ins[0, 0] [1, 3] [1, 1] : tensor<3xf32> into tensor<4x3xf32>
  %col = tensor.extract_slice %upd[0, 1] [3, 2] [1, 1] : tensor<4x3xf32> to tensor<3x2xf32>
  %flat = tensor.collapse_shape %col [[0, 1]] : tensor<3x2xf32> into tensor<6xf32>
  return %s, %cs, %row, %upd, %flat : tensor<2x3xf32>, tensor<12xf32>, tensor<3xf32>,
      tensor<4x3xf32>, tensor<6xf32>
}""", [mat(4, 3), 1, 2.0])

case("makers", """
func.func @makers(%v: f32, %w: f32, %n: index) -> (tensor<5xf32>, tensor<?x2xf32>, tensor<7xf32>,
    tensor<2x3xf32>, tensor<?xf32>) {
  %fe = tensor.from_elements %v, %w : tensor<2xf32>
  %pd = tensor.pad %fe low[1] high[2] {
  ^bb0(%q: index):
    %qi = arith.index_cast %q : index to i32
    %qf = arith.sitofp %qi : i32 to f32
    tensor.yield %qf : f32
  } : tensor<2xf32> to tensor<5xf32>
  %sp = tensor.splat %v[%n] : tensor<?x2xf32>
  %cc = tensor.concat dim(0) %pd, %fe : (tensor<5xf32>, tensor<2xf32>) -> tensor<7xf32>
  %k = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %g = tensor.generate %n {
  ^bb0(%j: index):
    %c1 = arith.constant 1 : index
    %e = tensor.extract %k[%c1, %c1] : tensor<2x3xf32>
    %ji = arith.index_cast %j : index to i32
    %jf = arith.sitofp %ji : i32 to f32
    %s = arith.addf %e, %jf : f32
    tensor.yield %s : f32
  } : tensor<?xf32>
  return %pd, %sp, %cc, %k, %g : tensor<5xf32>, tensor<?x2xf32>, tensor<7xf32>,
      tensor<2x3xf32>, tensor<?xf32>
}""", [1.5, 2.5, 3])

case("reshapes", """
func.func @reshapes(%a: tensor<2x6xf32>, %shape: tensor<2xindex>) -> (tensor<3x4xf32>,
    tensor<2x2x3xf32>, tensor<?x?xf32>) {
  %c = tensor.collapse_shape %a [[0, 1]] : tensor<2x6xf32> into tensor<12xf32>
  %e = tensor.expand_shape %c [[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
  %x = tensor.expand_shape %a [[0], [1, 2]] output_shape [2, 2, 3]
      : tensor<2x6xf32> into tensor<2x2x3xf32>
  %r = tensor.reshape %a(%shape) : (tensor<2x6xf32>, tensor<2xindex>) -> tensor<?x?xf32>
  return %e, %x, %r : tensor<3x4xf32>, tensor<2x2x3xf32>, tensor<?x?xf32>
}""", [mat(2, 6), np.array([4, 3], dtype=np.int64)])

# an outer tensor updated inside a loop must be copied per iteration, not overwritten
case("outer_update_in_loop", """
func.func @outer_update_in_loop(%a: tensor<3xf32>, %n: index) -> tensor<3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %base = tensor.insert %one into %a[%c0] : tensor<3xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %base) -> (tensor<3xf32>) {
    %t = tensor.insert %one into %base[%c1] : tensor<3xf32>
    %v = tensor.extract %t[%c1] : tensor<3xf32>
    %w = tensor.extract %acc[%c0] : tensor<3xf32>
    %s = arith.addf %v, %w : f32
    %u = tensor.insert %s into %acc[%c0] : tensor<3xf32>
    scf.yield %u : tensor<3xf32>
  }
  %c2 = arith.constant 2 : index
  %last = tensor.extract %base[%c2] : tensor<3xf32>
  %out = tensor.insert %last into %r[%c1] : tensor<3xf32>
  return %out : tensor<3xf32>
}""", [vec(5, 6, 7), 0], [vec(5, 6, 7), 2])

case("return_twice_and_arg", """
func.func @return_twice_and_arg(%a: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>,
    tensor<2xf32>) {
  %e = tensor.empty() : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %f = structured.generic {indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]} ins(%zero : f32) outs(%e : tensor<2xf32>) {
  ^bb0(%z: f32, %o: f32):
    structured.yield %z : f32
  } -> tensor<2xf32>
  return %f, %f, %a : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}""", [vec(1, 2)])

case("unused_results", f"""
func.func @unused_results(%a: tensor<2xf32>) -> f32 {{
  %e = tensor.empty() : tensor<2xf32>
  {ew("%e", ["%a", "%a"], t="tensor<2xf32>", name="%dead")}
  %e2 = tensor.empty() : tensor<2xf32>
  {ew("%e2", ["%a", "%a"], "arith.mulf", t="tensor<2xf32>", name="%t")}
  %c0 = arith.constant 0 : index
  %x = tensor.extract %t[%c0] : tensor<2xf32>
  return %x : f32
}}""", [vec(3, 4)])


case("nested_loops", f"""
func.func @nested_loops(%a: tensor<3xf32>, %n: index, %c: i1) -> tensor<3xf32> {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %a) -> (tensor<3xf32>) {{
    %inner = scf.for %j = %c0 to %n step %c1 iter_args(%y = %x) -> (tensor<3xf32>) {{
      %e = tensor.empty() : tensor<3xf32>
      {ew("%e", ["%y", "%a"], t="tensor<3xf32>", name="%s")}
      scf.yield %s : tensor<3xf32>
    }}
    %pick = scf.if %c -> (tensor<3xf32>) {{
      %e = tensor.empty() : tensor<3xf32>
      {ew("%e", ["%inner", "%x"], "arith.mulf", t="tensor<3xf32>", name="%m")}
      scf.yield %m : tensor<3xf32>
    }} else {{
      scf.yield %inner : tensor<3xf32>
    }}
    scf.yield %pick : tensor<3xf32>
  }}
  return %r : tensor<3xf32>
}}""", [vec(1, 2, 3), 0, True], [vec(1, 2, 3), 2, True], [vec(1, 2, 3), 2, False])

# the callee writes the variable: a read before the call that is used after it must copy
case("variable_through_call", f"""
func.func private @bump(%v: !lamina.variable<tensor<2xf32>>) {{
  %x = lamina.read_variable %v : !lamina.variable<tensor<2xf32>>
  %e = tensor.empty() : tensor<2xf32>
  {ew("%e", ["%x", "%x"], t="tensor<2xf32>", name="%s")}
  lamina.assign_variable %v, %s : !lamina.variable<tensor<2xf32>>
  return
}}
func.func @variable_through_call(%v: !lamina.variable<tensor<2xf32>>) -> (tensor<2xf32>,
    tensor<2xf32>) {{
  %before = lamina.read_variable %v : !lamina.variable<tensor<2xf32>>
  func.call @bump(%v) : (!lamina.variable<tensor<2xf32>>) -> ()
  %after = lamina.read_variable %v : !lamina.variable<tensor<2xf32>>
  return %before, %after : tensor<2xf32>, tensor<2xf32>
}}""", [Var(vec(1, 5))])


@pytest.mark.parametrize("name", sorted(CASES))
def test_bufferized_matches_tensor_level(name):
    text, inputs, entry = CASES[name]
    reference = ir.parse(text)
    ir.verify(reference)
    m = bufferize(text)
    check_ownership(m)
    for args in inputs:
        ref_args = [Var(a.arr.copy()) if isinstance(a, Var) else a for a in args]
        expected = run_tensor_level(reference, entry, ref_args)
        got, variables = run_buffer_level(m, entry, args)
        assert len(got) == len(expected)
        for i, (e, g) in enumerate(zip(expected, got)):
            assert np.array_equal(np.asarray(e), np.asarray(g)), (
                f"result {i} of @{entry}{tuple(args)}: expected {e}, got {g}\n{m}")
        ref_vars = [a.arr for a in ref_args if isinstance(a, Var)]
        for e, g in zip(ref_vars, variables):
            assert np.array_equal(e, g), f"variable: expected {e}, got {g}\n{m}"


# -- no needless copies -------------------------------------------------------------------------

def test_elementwise_chain_reuses_dead_buffers():
    m = bufferize(CASES["chain"][0])
    # r1 = a + b (new buffer), r2 = r1 * b (new: r1 is read again), r3 = r2 - r1 (into r2)
    assert count(m, "memref.alloc") == 2 and count(m, "memref.copy") == 0
    assert count(m, "memref.dealloc") == 1  # r1's; r3 is the result


def test_loop_updates_its_carried_buffer_in_place():
    m = bufferize(CASES["loop_accumulate"][0])
    loop = next(o for o in m.walk() if o.name == "scf.for")
    assert not any(o.name in ("memref.alloc", "memref.copy") for o in loop.walk())


def test_fill_then_reduce_is_one_allocation():
    m = bufferize(CASES["reduction"][0])
    assert count(m, "memref.alloc") == 1 and count(m, "memref.copy") == 0


def test_transposed_reads_force_a_copy():
    m = bufferize(CASES["transpose_into_dead_input"][0])
    assert count(m, "memref.alloc") == 2


def test_variable_read_aliases_when_nothing_writes_it_later():
    m = bufferize(CASES["variable_in_loop"][0])
    # the read in the loop and the final read before return: no copy for the loop's read
    loop = next(o for o in m.walk() if o.name == "scf.for")
    assert [o.name for o in loop.walk() if o.name == "memref.copy"] == ["memref.copy"]


def test_constants_become_private_globals():
    m = bufferize("""
func.func @f() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xi32>) {
  %a = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %c = arith.constant dense<3> : tensor<2xi32>
  return %a, %b, %c : tensor<2xf32>, tensor<2xf32>, tensor<2xi32>
}""")
    globals_ = [o for o in m.walk() if o.name == "memref.global"]
    assert len(globals_) == 2
    assert all("constant" in g.properties and g.properties["sym_visibility"].value == "private"
               for g in globals_)
    assert count(m, "memref.copy") == 3  # returned constants are copies


# -- errors ---------------------------------------------------------------------------------------

def test_elementwise_tensor_arith_is_rejected():
    m = ir.parse("""
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  %b = arith.addf %a, %a : tensor<2xf32>
  return %b : tensor<2xf32>
}""")
    with pytest.raises(ir.IRError, match="lower elementwise tensor ops to structured.generic"):
        run_pipeline(m, "builtin.module(bufferize)")


# -- everything the lamina dialect lowers to ----------------------------------------------------

def _lamina_examples():
    from lamina.ir import registry
    return [(name, i) for name in sorted(registry.OPS) if name.startswith("lamina.")
            for i in range(len(registry.OPS[name].opdef.examples))]


@pytest.mark.parametrize("name,i", _lamina_examples())
def test_bufferizes_what_lamina_lowers_to(name, i):
    from lamina.ir import registry
    m = ir.parse(registry.OPS[name].opdef.examples[i])
    run_pipeline(m, "builtin.module(convert-lamina-to-structured)")
    check_ownership(bufferize(str(m)))
