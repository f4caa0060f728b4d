"""A CPU stand-in for a CUDA device that runs kernels by interpreting their gpu-stage IR, so
that the GPU path's kernels (thread mapping, shared-memory trees, warp shuffles, matmul
tiles) and launch plans are checked against numpy on machines without a GPU.

The threads of a block run in lockstep as numpy lanes: every SSA value is an array with one
entry per thread; `scf.if` and `scf.for` run under a mask of active lanes (a loop runs until
no lane is active), so a barrier is a no-op and `gpu.shuffle` a permutation of lanes within
each warp of 32. Device memory is numpy byte arrays at made-up addresses. It has the
interface of lamina.runtime.cuda.Device that the launch plans use (pool, to_device, to_host,
copy, load, function, launch); what it cannot check is the PTX: that is nvJitLink's job in
test_gpu_compile.py, and a real GPU's in test_gpu_device.py.
"""

from __future__ import annotations

import bisect

import numpy as np

from lamina import errors
from lamina.ir import types as T
from lamina.ir.attributes import DenseElementsAttr, FloatAttr, IntegerAttr
from lamina.runtime.cuda import MemoryPool
from lamina.runtime.cuda_launch import GPUProgram, numpy_dtype

WARP = 32


class _Buffer:
    def __init__(self, ptr, nbytes):
        self.ptr, self.nbytes = ptr, nbytes

    def release(self):
        pass


class _Pool:
    def __init__(self, memory):
        self.memory = memory

    def allocate(self, nbytes):
        return self.memory.allocate(nbytes)


class Memory:
    """Byte arrays at addresses 4 GiB apart."""

    def __init__(self):
        self.bases, self.arrays = [], []

    def allocate(self, nbytes):
        base = (len(self.bases) + 1) << 32
        self.bases.append(base)
        self.arrays.append(np.zeros(MemoryPool.size_class(nbytes), np.uint8))
        return _Buffer(base, nbytes)

    def find(self, ptr):
        i = bisect.bisect_right(self.bases, ptr) - 1
        return self.arrays[i], ptr - self.bases[i]


class EmulatedDevice:
    def __init__(self, sm=80):
        self.sm = sm
        self.memory = Memory()
        self.pool = _Pool(self.memory)
        self.modules = {}
        self.copies = {"in": 0, "out": 0}
        self.launches = 0

    # -- the host side ---------------------------------------------------------------------
    def to_device(self, array):
        buf = self.memory.allocate(array.nbytes)
        data, off = self.memory.find(buf.ptr)
        data[off:off + array.nbytes] = np.frombuffer(np.ascontiguousarray(array).tobytes(),
                                                     np.uint8)
        self.copies["in"] += 1
        return buf

    def to_host(self, buf, shape, dtype):
        out = np.empty(shape, dtype)
        data, off = self.memory.find(buf.ptr)
        out.reshape(-1).view(np.uint8)[:] = data[off:off + out.nbytes]
        self.copies["out"] += 1
        return out

    def copy(self, dst, src, nbytes):
        d, do = self.memory.find(dst.ptr)
        s, so = self.memory.find(src.ptr)
        d[do:do + nbytes] = s[so:so + nbytes]

    def synchronize(self):
        pass

    def read_status(self, module):
        return None  # (checks are raised where they fail)

    def load(self, key, image):
        return key[1]

    def attach(self, module):
        """The gpu-stage module whose kernels `function` finds (a cubin cannot be run here)."""
        for g in module.walk():
            if g.name == "gpu.module":
                self.modules[g.properties["sym_name"].value] = g

    def function(self, module, name):
        return self.modules[module].lookup(name)

    def launch(self, kernel, grid, block, args):
        self.launches += 1
        values = _unpack_arguments(kernel, [a.value for a in args])
        for bz in range(grid[2]):
            for by in range(grid[1]):
                for bx in range(grid[0]):
                    _Block(self, kernel, (bx, by, bz), grid, block).run(values)


class _MemRef:
    """A memref value: the address of its element 0 and its strides (uniform over lanes)."""

    def __init__(self, data, base, shape, strides, t):
        self.data, self.base, self.shape, self.strides = data, base, shape, strides
        self.view = data.view(numpy_dtype(t.element_type))
        self.itemsize = self.view.itemsize


def _unpack_arguments(kernel, flat):
    out = []
    it = iter(flat)
    for t in kernel.type.inputs:
        if t.__class__ is T.MemRefType:
            next(it)
            aligned = next(it)
            offset = next(it)
            shape = [next(it) for _ in range(t.rank)]
            strides = [next(it) for _ in range(t.rank)]
            out.append(("memref", t, aligned, offset, shape, strides))
        else:
            out.append(("scalar", t, next(it)))
    return out


def _unsigned(v, t):
    """Integer lanes `v` of type `t` read as unsigned (int64 holds up to 32 bits; 64-bit
    ones as uint64)."""
    w = 64 if t.__class__ is T.IndexType else t.width
    if w >= 64:
        return v.astype(np.uint64)
    return v.astype(np.int64) & ((1 << w) - 1)


def _ipow(b, e):
    """math.ipowi: upstream's results for negative exponents."""
    if e < 0:
        return 1 if b == 1 else (-1 if e % 2 else 1) if b == -1 else 0
    return b ** e


def _ints(t):
    return t.__class__ in (T.IntegerType, T.IndexType)


def _wrap(v, t):
    if t.__class__ is T.IndexType or (t.__class__ is T.IntegerType and t.width == 64):
        return v.astype(np.int64)
    if t.__class__ is T.IntegerType:
        if t.width == 1:
            return v.astype(bool)
        return v.astype(np.int64).astype(f"int{max(8, t.width)}").astype(np.int64)
    return v


class _Block:
    def __init__(self, dev, kernel, bid, grid, block):
        self.dev, self.kernel = dev, kernel
        n = block[0] * block[1] * block[2]
        lane = np.arange(n)
        self.n = n
        self.tid = (lane % block[0], lane // block[0] % block[1], lane // (block[0] * block[1]))
        self.bid, self.grid, self.block = bid, grid, block

    def full(self, v):
        return np.full(self.n, v)

    def run(self, args):
        env = {}
        entry = self.kernel.entry
        n_in = len(self.kernel.type.inputs)
        for a, arg in zip(entry.args[:n_in], args):
            if arg[0] == "memref":
                _, t, aligned, offset, shape, strides = arg
                data, off = self.dev.memory.find(aligned)
                env[a] = _MemRef(data, off // numpy_dtype(t.element_type).itemsize + offset,
                                 shape, strides, t)
            elif arg[1] == T.f16:  # passed as its 16 bits
                env[a] = self.full(np.uint16(arg[2])).view(np.float16)
            else:
                env[a] = self.full(arg[2])
        for a in entry.args[n_in:]:
            t = a.type
            n = int(np.prod(t.shape))
            data = np.zeros(n * numpy_dtype(t.element_type).itemsize, np.uint8)
            env[a] = _MemRef(data, 0, list(t.shape),
                             list(reversed(np.cumprod([1] + list(reversed(t.shape)))[:-1])), t)
        self.block_ops(entry, env, np.ones(self.n, bool))

    def block_ops(self, block, env, mask):
        for op in block:
            r = self.op(op, env, mask)
            if r is not None:
                return r
        return None

    def op(self, op, env, mask):
        n = op.name
        ins = [env.get(v) for v in op.operands]
        res = op.results
        if n in ("gpu.return", "scf.yield"):
            return ins
        if n == "arith.constant":
            a = op.properties["value"]
            if isinstance(a, IntegerAttr):
                env[res[0]] = _wrap(self.full(a.value), res[0].type)
            elif isinstance(a, FloatAttr):
                env[res[0]] = self.full(a.value).astype(numpy_dtype(res[0].type))
            else:
                raise NotImplementedError(f"constant {a}")
        elif n in _BIN:
            t = res[0].type
            if n.endswith("ui"):
                ins = [_unsigned(x, v.type) for x, v in zip(ins, op.operands)]
            with np.errstate(all="ignore"):
                v = _BIN[n](*ins)
            env[res[0]] = _wrap(v, t) if _ints(t) else v.astype(numpy_dtype(t))
        elif n in _UN:
            t = res[0].type
            with np.errstate(all="ignore"):
                env[res[0]] = _UN[n](ins[0]).astype(numpy_dtype(t))
        elif n == "arith.cmpi" or n == "arith.cmpf":
            pred = op.properties["predicate"]
            name = (op.opdef.props["predicate"].constraint.case(pred))
            a, b = ins
            if name[0] == "u" and n == "arith.cmpi":
                t = op.operands[0].type
                a, b = _unsigned(a, t), _unsigned(b, t)
                name = "s" + name[1:]
            with np.errstate(all="ignore"):
                env[res[0]] = _CMP[name](a, b)
        elif n == "arith.select":
            env[res[0]] = np.where(ins[0], ins[1], ins[2])
        elif n in ("arith.index_cast", "arith.index_castui", "arith.extsi", "arith.trunci"):
            env[res[0]] = _wrap(ins[0].astype(np.int64), res[0].type)
        elif n in ("arith.uitofp", "arith.extui"):
            u = _unsigned(ins[0], op.operands[0].type)
            with np.errstate(over="ignore"):
                env[res[0]] = u.astype(numpy_dtype(res[0].type)) if n == "arith.uitofp" else u
        elif n == "math.ipowi":
            env[res[0]] = _wrap(np.array([_ipow(int(b), int(e)) for b, e in zip(*ins)],
                                         np.int64), res[0].type)
        elif n in ("arith.sitofp", "arith.extf", "arith.truncf", "arith.fptosi",
                   "arith.fptoui"):
            with np.errstate(all="ignore"):
                env[res[0]] = ins[0].astype(numpy_dtype(res[0].type))
        elif n.startswith("gpu.") and n[4:] in ("thread_id", "block_id", "block_dim",
                                                 "grid_dim"):
            d = "xyz".index(op.properties["dimension"].case)
            v = {"thread_id": lambda: self.tid[d], "block_id": lambda: self.bid[d],
                 "block_dim": lambda: self.block[d], "grid_dim": lambda: self.grid[d]}
            env[res[0]] = self.full(0) + v[n[4:]]()
        elif n == "gpu.barrier":
            pass
        elif n == "cf.assert":
            if (mask & ~ins[0].astype(bool)).any():
                raise errors.InvalidArgumentError(None, None, op.properties["msg"].value)
        elif n == "gpu.shuffle":
            v, off, width = ins
            lane = np.arange(self.n)
            partner = {"xor": lane ^ off, "down": lane + off, "up": lane - off,
                       "idx": (lane // WARP) * WARP + off}[op.properties["mode"].case]
            ok = (partner // WARP == lane // WARP) & (partner >= 0) & (partner < self.n)
            partner = np.where(ok, partner, lane)
            env[res[0]] = v[partner]
            env[res[1]] = ok
        elif n == "memref.load":
            m = ins[0]
            idx = self.address(m, ins[1:], mask)
            out = np.zeros(self.n, m.view.dtype)
            out[mask] = m.view[idx[mask]]
            env[res[0]] = out
        elif n == "memref.store":
            m = ins[1]
            idx = self.address(m, ins[2:], mask)
            m.view[idx[mask]] = ins[0][mask]
        elif n == "memref.dim":
            env[res[0]] = self.full(ins[0].shape[int(ins[1][0])])
        elif n == "memref.get_global":
            env[res[0]] = self.global_(op)
        elif n == "scf.if":
            c = ins[0].astype(bool)
            then = self.block_ops(op.regions[0].blocks[0], env, mask & c)
            other = self.block_ops(op.regions[1].blocks[0], env, mask & ~c) \
                if op.regions[1].blocks else []
            for k, r in enumerate(res):
                env[r] = np.where(c, then[k], other[k])
        elif n == "scf.for":
            lb, ub, step, *inits = ins
            body = op.regions[0].blocks[0]
            iv, carried = lb.copy(), list(inits)
            active = mask & (iv < ub)
            while active.any():
                env[body.args[0]] = iv
                for a, v in zip(body.args[1:], carried):
                    env[a] = v
                out = self.block_ops(body, env, active)
                carried = [np.where(active, o, c) for o, c in zip(out, carried)]
                iv = iv + step
                active &= iv < ub
            for r, v in zip(res, carried):
                env[r] = v
        else:
            raise NotImplementedError(f"the emulator does not run '{n}'")
        return None

    def address(self, m, indices, mask):
        lin = np.full(self.n, m.base, np.int64)
        for i, s in zip(indices, m.strides):
            lin = lin + np.where(mask, i, 0) * s
        return lin

    def global_(self, op):
        name = op.properties["name"].root
        g = next(o for o in self.kernel.parent_op.body if o.name == "memref.global" and
                 o.properties["sym_name"].value == name)
        t = g.properties["type"].value
        init = g.properties.get("initial_value")
        arr = np.broadcast_to(np.asarray(init.array, numpy_dtype(t.element_type)), t.shape) \
            if isinstance(init, DenseElementsAttr) else np.zeros(t.shape,
                                                                 numpy_dtype(t.element_type))
        data = np.frombuffer(np.ascontiguousarray(arr).tobytes(), np.uint8).copy()
        strides = list(reversed(np.cumprod([1] + list(reversed(t.shape)))[:-1]))
        return _MemRef(data, 0, list(t.shape), strides, t)


def _div(a, b):
    q = np.abs(a) // np.where(b == 0, 1, np.abs(b))
    return np.where((a >= 0) == (b >= 0), q, -q)


_BIN = {
    "arith.addi": np.add, "arith.subi": np.subtract, "arith.muli": np.multiply,
    "arith.divsi": _div, "arith.remsi": lambda a, b: a - _div(a, b) * b,
    "arith.divui": lambda a, b: (a.astype(np.uint64) // b.astype(np.uint64)).astype(np.int64),
    "arith.remui": lambda a, b: (a.astype(np.uint64) % b.astype(np.uint64)).astype(np.int64),
    "arith.ceildivui": lambda a, b: -(-a // b), "arith.ceildivsi": lambda a, b: -(-a // b),
    "arith.floordivsi": np.floor_divide, "arith.minsi": np.minimum, "arith.maxsi": np.maximum,
    "arith.minui": np.minimum, "arith.maxui": np.maximum, "arith.andi": np.bitwise_and,
    "arith.ori": np.bitwise_or, "arith.xori": np.bitwise_xor, "arith.shli": np.left_shift,
    "arith.shrsi": np.right_shift, "arith.shrui": np.right_shift,
    "arith.addf": np.add, "arith.subf": np.subtract, "arith.mulf": np.multiply,
    "arith.divf": np.divide, "arith.remf": np.fmod, "arith.maximumf": np.maximum,
    "arith.minimumf": np.minimum, "arith.maxnumf": np.fmax, "arith.minnumf": np.fmin,
    "math.powf": np.power, "math.copysign": np.copysign, "math.atan2": np.arctan2,
}
_UN = {"arith.negf": np.negative, "math.exp": np.exp, "math.log": np.log, "math.tanh": np.tanh,
       "math.sqrt": np.sqrt, "math.rsqrt": lambda x: 1 / np.sqrt(x), "math.absf": np.abs,
       "math.sin": np.sin, "math.cos": np.cos, "math.floor": np.floor, "math.ceil": np.ceil,
       "math.expm1": np.expm1, "math.log1p": np.log1p, "math.log2": np.log2,
       "math.exp2": np.exp2, "math.roundeven": np.rint, "math.erf": np.vectorize(
           __import__("math").erf, otypes=[np.float64]), "math.absi": np.abs}
_CMP = {"eq": np.equal, "ne": np.not_equal, "slt": np.less, "sle": np.less_equal,
        "sgt": np.greater, "sge": np.greater_equal, "oeq": np.equal, "one": lambda a, b:
        (a != b) & ~np.isnan(a) & ~np.isnan(b), "olt": np.less, "ole": np.less_equal,
        "ogt": np.greater, "oge": np.greater_equal, "ueq": lambda a, b: (a == b) | np.isnan(a)
        | np.isnan(b), "une": np.not_equal, "ult": lambda a, b: ~(a >= b),
        "ule": lambda a, b: ~(a > b), "ugt": lambda a, b: ~(a <= b), "uge": lambda a, b:
        ~(a < b), "uno": lambda a, b: np.isnan(a) | np.isnan(b), "ord": lambda a, b:
        ~np.isnan(a) & ~np.isnan(b), "true": lambda a, b: np.ones(a.shape, bool),
        "false": lambda a, b: np.zeros(a.shape, bool)}


class EmulatedProgram(GPUProgram):
    """A launch plan whose kernels the emulator interprets (no PTX is compiled for it)."""

    def _load_kernels(self):
        self.device.attach(self.module)
        for g in self.module.walk():
            if g.name == "gpu.module":
                name = g.properties["sym_name"].value
                self.kernels[name] = name
