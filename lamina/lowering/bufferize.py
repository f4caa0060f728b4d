"""`bufferize`: value-semantic tensors become buffers (memrefs) that are allocated, written in
place where that is safe, copied where it is not, and freed.

Ownership, the rule every decision follows:

- Each tensor SSA value gets a buffer: a memref value that is the whole of an allocation (its
  "root") or a view of one (a subview, cast or reshape). The values sharing an allocation are
  its members; `_Buf` is that allocation.
- An allocation is owned by one block, which frees it (`memref.dealloc`) right after the last
  use of any member, uses nested in regions counting at the op of the block holding them.
  Borrowed buffers are owned by nobody here and never written: function arguments (the caller's
  arrays), constants (`memref.global`), variables read without a copy, `to_tensor` operands.
- Ownership moves, never shared: a function returns buffers it allocated (the caller frees
  them); `scf.yield`/`scf.condition` hand buffers to the results of their op or to the next
  iteration, whose block arguments own what they receive; loop inits are handed to the loop.
  Whatever cannot be handed over (a view, a borrowed buffer, a buffer still used afterwards,
  the same buffer twice) is copied into a fresh allocation first.
- An op that updates a tensor (`structured.generic` outs, `tensor.insert`, `insert_slice`)
  writes into its operand's buffer in place when this block owns that buffer and nothing uses
  any of its members afterwards (nor reads them in another way in the same op); otherwise it
  writes a fresh copy. `tensor.empty` allocates lazily, so an output that ends up written into
  a dead input of the same type (identity maps only) costs no allocation at all.
- An scf.if consumes a buffer of its block that dies there and that a branch yields: each
  branch then owns it, to yield (no copy) or to free.

The pass works block by block in program order, inserting the buffer ops before each tensor op
and keeping the tensor ops (and their use lists, which liveness reads) until the whole function
is done; block arguments change type in place.
"""

from __future__ import annotations

import numpy as np

from ..ir import IRError
from ..ir import types as T
from ..ir.affine import AffineDim, AffineMap
from ..ir.attributes import IntegerAttr, StridedLayoutAttr, TypeAttr
from ..ir.opdef import Terminator
from ..ir.rewrite import PatternRewriter
from ..dialects import arith, memref, structured
from ..dialects.lamina_ops.state import VariableType
from ..passes import Pass, register_pass

DYN = T.DYNAMIC
ALIGNMENT = 64  # bytes, as upstream one-shot-bufferize aligns its allocations
SMALL = 64      # bytes: static buffers below this take no alignment (see alignment_of)


def alignment_of(mtype):
    """The alignment of a new buffer: a cache line, except for small static buffers (a 0-d
    loop counter, a 2x2 matrix) that no vector loop sweeps, which then come from malloc --
    several times faster than aligned_alloc, and they are made once per loop iteration."""
    if mtype.has_static_shape:
        n = (getattr(mtype.element_type, "width", 64) + 7) // 8
        for d in mtype.shape:
            n *= d
        if n < SMALL:
            return None
    return ALIGNMENT


def is_tensor(t):
    return t.__class__ in (T.RankedTensorType, T.UnrankedTensorType)


def memref_type(t):
    """The identity-layout buffer type of a tensor type, a variable type, or (for the block
    arguments this pass retypes) a memref type of that shape."""
    if t.__class__ is VariableType:
        t = t.tensor_type
    if t.__class__ in (T.UnrankedTensorType, T.UnrankedMemRefType):
        return T.UnrankedMemRefType(t.element_type)
    return T.MemRefType(t.shape, t.element_type)


def _convert(t):
    return memref_type(t) if is_tensor(t) or t.__class__ is VariableType else t


def _has_tensors(op):
    return any(is_tensor(v.type) for v in op.operands) or \
        any(is_tensor(r.type) for r in op.results)


def _identity_layout(t):
    return t.__class__ is T.MemRefType and (t.layout is None or
                                            getattr(t.layout, "is_identity", False))


class _Buf:
    """One allocation (or one borrowed buffer) and the tensor values living in it.

    `owner`: the block that frees it (None: borrowed). `root`: the memref of the whole
    allocation (None while a tensor.empty has not needed it yet; `pending` then holds
    (empty op, memref type, dynamic sizes)). `anchor`: the original op at which it comes into
    being (None for block arguments); it counts as a use. `extra_users`: original ops that use
    it through a memref (users of a `to_buffer`)."""

    __slots__ = ("root", "owner", "members", "anchor", "pending", "transferred", "extra_users")

    def __init__(self, root, owner, anchor=None, pending=None):
        self.root = root
        self.owner = owner
        self.anchor = anchor
        self.pending = pending
        self.members = []
        self.transferred = False
        self.extra_users = []


class _FunctionBufferizer:
    def __init__(self, module_state, func):
        self.module = module_state
        self.func = func
        self.rw = PatternRewriter()
        self.bufs = {}        # tensor value -> (memref value or None while pending, _Buf)
        self.owned = {}       # block -> [_Buf it frees]
        self.pos = {}         # original op -> index in its block
        self.new2old = {}     # op rebuilt with an original op's regions -> that original op
        self.new_term = {}    # block -> the terminator that replaced its original one
        self.replaced = []    # original ops, in processing order (erased at the end)
        self.var_writers = {}

    # -- driver -------------------------------------------------------------------------
    def run(self):
        fn = self.func
        entry = fn.entry
        for a in entry.args:
            if a.uses and a.type.__class__ is VariableType:
                self.var_writers[a] = [u.owner for u in a.uses
                                       if u.owner.name != "lamina.read_variable"]
        for a in entry.args:
            t = a.type
            if is_tensor(t):
                a.type = memref_type(t)
                self._bind(a, a, _Buf(a, None))
            elif t.__class__ is VariableType:
                a.type = memref_type(t)
        self._region(fn.regions[0])
        for op in reversed(self.replaced):
            op.regions = []
            if any(r.uses for r in op.results):
                raise IRError(f"internal error: '{op.name}' still has uses", op.loc)
            op.erase()

    def _region(self, region):
        if len(region.blocks) > 1 and (
                any(is_tensor(a.type) for b in region.blocks for a in b.args) or
                any(_has_tensors(o) for o in region.walk())):
            raise IRError("tensors in a region of several blocks are not supported "
                          "(bufferize before lowering scf to cf)", region.parent.loc)
        for b in region.blocks:
            self._block(b)

    def _block(self, block):
        ops = list(block)
        for i, op in enumerate(ops):
            self.pos[op] = i
        self.owned.setdefault(block, [])
        for op in ops:
            self._op(op)
        self._free(block)

    def _is_tensor(self, v):
        """Whether `v` is a tensor value (block arguments already carry their buffer type)."""
        return v in self.bufs or is_tensor(v.type)

    def _op(self, op):
        if not (any(self._is_tensor(v) for v in op.operands) or
                any(is_tensor(r.type) for r in op.results)):
            for r in op.regions:
                self._region(r)
            return
        handler = _HANDLERS.get(op.name)
        if handler is None:
            if op.name.split(".", 1)[0] in ("arith", "math"):
                raise IRError(f"'{op.name}' on tensors is not supported: lower "
                              f"elementwise tensor ops to structured.generic first", op.loc)
            raise IRError(f"cannot bufferize '{op.name}' with tensor operands or "
                          f"results", op.loc)
        self.rw.set_insertion_point_before(op)
        handler(self, op)
        self.replaced.append(op)

    # -- building -------------------------------------------------------------------------
    def _insert(self, op):
        return self.rw.insert(op)

    def _v(self, op):
        return self._insert(op).results[0]

    def _index(self, n):
        return self._v(arith.ConstantOp(value=IntegerAttr(n, T.index)))

    def _value(self, x):
        """An index Value for an int or a Value."""
        return self._index(x) if isinstance(x, int) else x

    def _add(self, a, b):
        if isinstance(a, int) and isinstance(b, int):
            return a + b
        if a == 0 or b == 0:
            return b if a == 0 else a
        return self._v(arith.AddIOp(self._value(a), self._value(b)))

    def _mul(self, a, b):
        if isinstance(a, int) and isinstance(b, int):
            return a * b
        if a == 1 or b == 1:
            return b if a == 1 else a
        return self._v(arith.MulIOp(self._value(a), self._value(b)))

    def _alloc(self, mtype, sizes):
        """A new allocation of `mtype`; `sizes` gives every dimension (int or Value)."""
        dyn = [self._value(s) for s, d in zip(sizes, mtype.shape) if d == DYN]
        return self._v(memref.AllocOp.build(mtype, dyn, alignment=alignment_of(mtype)))

    def _rebuild(self, op, operands, result_types):
        """`op` again with new operands and result types, taking over its regions."""
        regions = op.regions
        op.regions = []
        new = type(op).create(operands, result_types, dict(op.properties),
                              dict(op.attributes), regions, loc=op.loc)
        self._insert(new)
        self.new2old[new] = op
        return new

    # -- buffers of tensor values ---------------------------------------------------------
    def _bind(self, v, mem, buf):
        self.bufs[v] = (mem, buf)
        buf.members.append(v)

    def _new_owned(self, v, mem, op):
        """`mem`, just allocated while rewriting `op`, becomes the buffer of `v`."""
        buf = _Buf(mem, op.parent, anchor=op)
        self.owned[op.parent].append(buf)
        self._bind(v, mem, buf)
        return buf

    def buffer(self, v):
        mem, buf = self.bufs[v]
        if mem is None:
            empty, mtype, sizes = buf.pending
            alloc = memref.AllocOp.build(mtype, list(sizes), alignment=alignment_of(mtype))
            empty.parent.insert_after(empty, alloc)
            mem = buf.root = alloc.results[0]
            buf.pending = None
            self.bufs[v] = (mem, buf)
        return mem

    def sizes(self, v):
        """Every dimension of tensor `v`: an int, or an index Value."""
        mem, buf = self.bufs[v]
        if mem is None:
            it = iter(buf.pending[2])
            return [next(it) if d == DYN else d for d in v.type.shape]
        return [d if d != DYN else self._v(memref.DimOp(mem, self._index(i)))
                for i, d in enumerate(v.type.shape)]

    def _fresh(self, v, copy):
        """A new identity-layout allocation shaped as `v`, holding its contents if `copy`."""
        mem = self._alloc(memref_type(v.type), self.sizes(v))
        if copy:
            self._insert(memref.CopyOp(self.buffer(v), mem))
        return mem

    # -- liveness ---------------------------------------------------------------------------
    def _anchor(self, op, block):
        """The original op of `block` that is or contains `op` (None for ops this pass made,
        which only stand in for original ops already counted)."""
        while op is not None and op.parent is not block:
            op = op.parent_op
        if op is None:
            return None
        op = self.new2old.get(op, op)
        return op if op in self.pos else None

    def _used_after(self, buf, op, allowed_direct=()):
        """Whether a member of `buf` is used after `op` in op's block, or by `op` other than as
        its own operands numbered in `allowed_direct` (a region of `op` using it counts)."""
        block = op.parent
        p = self.pos[op]
        for v in buf.members:
            for u in v.uses:
                a = self._anchor(u.owner, block)
                if a is None:
                    continue
                q = self.pos[a]
                if q > p or (q == p and not (u.owner is op and u.index in allowed_direct)):
                    return True
        for user in buf.extra_users:
            a = self._anchor(user, block)
            if a is not None and self.pos[a] >= p:
                return True
        return False

    def _last_use(self, buf, block):
        last = buf.anchor if buf.anchor is not None and buf.anchor.parent is block else None
        best = self.pos[last] if last is not None else -1
        users = [u.owner for v in buf.members for u in v.uses] + buf.extra_users
        for user in users:
            a = self._anchor(user, block)
            if a is not None and self.pos[a] > best:
                last, best = a, self.pos[a]
        return last

    def _free(self, block):
        for buf in self.owned[block]:
            if buf.transferred or buf.root is None:
                continue
            d = memref.DeallocOp(buf.root)
            last = self._last_use(buf, block)
            if last is None:
                block.prepend(d)
            elif last.has_trait(Terminator):
                block.insert_before(self.new_term.get(block, last), d)
            else:
                block.insert_after(last, d)

    def _writable(self, buf, op, allowed):
        """Whether `op` may overwrite `buf` in place: this block owns it and no member is used
        after `op`, nor by `op` except as its operands numbered in `allowed`."""
        return buf.owner is op.parent and not buf.transferred and \
            not self._used_after(buf, op, allowed)

    def _updated(self, v, op, operand_index):
        """(buffer, _Buf) that `op` writes its updated `v` into: v's own if that is safe, else
        a fresh copy owned by op's block."""
        buf = self.bufs[v][1]
        if self._writable(buf, op, {operand_index}):
            return self.buffer(v), buf
        return self._scratch(self._fresh(v, copy=True), op)

    def _scratch(self, mem, op):
        """A _Buf for `mem`, allocated while rewriting `op` and owned by op's block."""
        buf = _Buf(mem, op.parent, anchor=op)
        self.owned[op.parent].append(buf)
        return mem, buf

    def _hand_over(self, v, user):
        """A buffer of v's identity type for `user` (a terminator or a loop) to own: v's own
        when this block owns it and nothing needs it after `user`, else a copy."""
        mem = self.buffer(v)
        buf = self.bufs[v][1]
        if buf.owner is user.parent and not buf.transferred and mem is buf.root and \
                mem.type == memref_type(v.type) and \
                not self._used_after(buf, user, range(len(user.operands))):
            buf.transferred = True
            return mem
        return self._fresh(v, copy=True)

    def _own_args(self, block):
        """Block arguments carrying tensors become buffers the block owns."""
        for a in block.args:
            if is_tensor(a.type):
                a.type = memref_type(a.type)
                buf = _Buf(a, block)
                self.owned.setdefault(block, []).append(buf)
                self._bind(a, a, buf)

    def _results(self, op, new):
        """Bind `op`'s results to `new`'s: tensors as buffers owned by op's block."""
        for r, n in zip(op.results, new.results):
            if is_tensor(r.type):
                self._new_owned(r, n, op)
            else:
                r.replace_all_uses_with(n)

    # -- function boundary ------------------------------------------------------------------
    def _terminator(self, op):
        """scf.yield, scf.condition, func.return: tensors are handed over."""
        vals = [self._hand_over(v, op) if self._is_tensor(v) else v for v in op.operands]
        self.new_term[op.parent] = self._rebuild(op, vals, [])

    def _call(self, op):
        args = []
        for v in op.operands:
            if not self._is_tensor(v):
                args.append(v)
                continue
            mem = self.buffer(v)
            if mem.type != memref_type(v.type):
                mem = self._scratch(self._fresh(v, copy=True), op)[0]
            args.append(mem)
        new = self._rebuild(op, args, [_convert(r.type) for r in op.results])
        self._results(op, new)

    # -- variables --------------------------------------------------------------------------
    def _read_variable(self, op):
        var, res = op.operands[0], op.results[0]
        if self._variable_unchanged_while_live(op, var):
            self._bind(res, var, _Buf(var, None))
            return
        mem = self._alloc(var.type, [
            d if d != DYN else self._v(memref.DimOp(var, self._index(i)))
            for i, d in enumerate(var.type.shape)])
        self._insert(memref.CopyOp(var, mem))
        self._new_owned(res, mem, op)

    def _variable_unchanged_while_live(self, read, var):
        """No write to the variable can happen while the value read (or a view of it) is
        still used. Only writers inside the read's block matter: the value lives within one
        execution of that block."""
        writers = self.var_writers.get(var)
        if writers is None:  # not an argument of the function: who writes it is unknown
            return False
        block = read.parent
        p = self.pos[read]
        live = _view_closure(read.results[0])
        for w in writers:
            a = self._anchor(w, block)
            if a is None or self.pos[a] <= p:
                continue
            for v in live:
                for u in v.uses:
                    b = self._anchor(u.owner, block)
                    if b is None:
                        continue
                    q = self.pos[b]
                    if q > self.pos[a] or (q == self.pos[a] and not (
                            u.owner is w and w is a and w.name == "lamina.assign_variable")):
                        return False
        return True

    def _assign_variable(self, op):
        var, v = op.operands
        src = self.buffer(v)
        if src is not var:
            self._insert(memref.CopyOp(src, var))

    # -- constants and seams ----------------------------------------------------------------
    def _constant(self, op):
        r = op.results[0]
        mtype = memref_type(r.type)
        name = self.module.global_for(op.properties["value"], mtype)
        mem = self._v(memref.GetGlobalOp(name, mtype))
        self._bind(r, mem, _Buf(mem, None))

    def _to_tensor(self, op):
        mem = op.operands[0]
        self._bind(op.results[0], mem, _Buf(mem, None))

    def _to_buffer(self, op):
        v, r = op.operands[0], op.results[0]
        mem = self.buffer(v)
        self.bufs[v][1].extra_users.extend(u.owner for u in r.uses)
        if mem.type != r.type:
            mem = self._v(memref.CastOp(mem, result_types=[r.type]))
        r.replace_all_uses_with(mem)

    def _materialize_in_destination(self, op):
        src, dest = op.operands
        if not self._is_tensor(dest):
            self._insert(memref.CopyOp(self.buffer(src), dest))
            return
        mem, buf = self._updated(dest, op, 1)
        self._insert(memref.CopyOp(self.buffer(src), mem))
        self._bind(op.results[0], mem, buf)

    def _dealloc_tensor(self, op):
        """Freeing is this pass's business: the buffer goes when its last use is done."""

    # -- tensor ops -----------------------------------------------------------------------
    def _empty(self, op):
        r = op.results[0]
        src = getattr(op, "copy", None)  # bufferization.alloc_tensor's
        if src is not None:
            self._new_owned(r, self._fresh(src, copy=True), op)
            return
        sizes = list(op.operands[:r.type.num_dynamic_dims])
        buf = _Buf(None, op.parent, anchor=op, pending=(op, memref_type(r.type), sizes))
        self.owned[op.parent].append(buf)
        self._bind(r, None, buf)

    def _dim(self, op):
        v, i = op.operands
        c = arith.constant_of(i)
        mem, buf = self.bufs[v]
        if c is not None and 0 <= c.value < v.type.rank and (
                v.type.shape[c.value] != DYN or mem is None):
            res = self._value(self.sizes(v)[c.value])
        else:
            res = self._v(memref.DimOp(self.buffer(v), i))
        op.results[0].replace_all_uses_with(res)

    def _rank(self, op):
        op.results[0].replace_all_uses_with(self._index(op.operands[0].type.rank))

    def _extract(self, op):
        v = op.operands[0]
        res = self._v(memref.LoadOp(self.buffer(v), op.operands[1:]))
        op.results[0].replace_all_uses_with(res)

    def _insert_element(self, op):
        scalar, dest = op.operands[:2]
        mem, buf = self._updated(dest, op, 1)
        self._insert(memref.StoreOp(scalar, mem, op.operands[2:]))
        self._bind(op.results[0], mem, buf)

    def _from_elements(self, op):
        r = op.results[0]
        shape = r.type.shape
        mem = self._alloc(memref_type(r.type), list(shape))
        for k, el in enumerate(op.operands):
            idx = np.unravel_index(k, shape) if shape else ()
            self._insert(memref.StoreOp(el, mem, [self._index(int(i)) for i in idx]))
        self._new_owned(r, mem, op)

    def _splat(self, op):
        r = op.results[0]
        mem = self._alloc(memref_type(r.type), op.mixed_sizes())
        scalar = op.operands[0]
        rank = r.type.rank
        self._insert(structured.GenericOp.build(
            [], [mem], [AffineMap.identity(rank)], [structured.PARALLEL] * rank,
            lambda block: block.append(structured.YieldOp([scalar]))))
        self._new_owned(r, mem, op)

    def _generate(self, op):
        r = op.results[0]
        mem = self._alloc(memref_type(r.type), op.mixed_sizes())
        self._fill_from_indices(op, mem)
        self._new_owned(r, mem, op)

    def _fill_from_indices(self, op, mem):
        """A structured.generic writing every element of `mem` with what `op`'s body (index
        arguments, ending in tensor.yield) yields at its index; the body moves over."""
        old = op.regions[0].blocks[0]
        rank = mem.type.rank
        g = structured.GenericOp.build([], [mem], [AffineMap.identity(rank)],
                                       [structured.PARALLEL] * rank)
        body = g.block
        for d, a in enumerate(old.args):
            if a.uses:
                idx = body.append(structured.IndexOp(dim=IntegerAttr(d),
                                                     result_types=[T.index]))
                a.replace_all_uses_with(idx.results[0])
        y = old.last
        for inner in list(old):
            if inner is not y:
                body.append(inner)
        body.append(structured.YieldOp(list(y.operands)))
        y.erase()
        op.regions = []
        self._insert(g)
        self.new2old[g] = op
        self._region(g.regions[0])
        self.rw.set_insertion_point_before(op)

    def _pad(self, op):
        src, r = op.operands[0], op.results[0]
        low, high = op.mixed_low(), op.mixed_high()
        src_sizes = self.sizes(src)
        sizes = [d if d != DYN else self._add(self._add(s, lo), hi)
                 for d, s, lo, hi in zip(r.type.shape, src_sizes, low, high)]
        mem = self._alloc(memref_type(r.type), sizes)
        self._fill_from_indices(op, mem)
        sub = self._v(memref.SubViewOp.build(mem, low, src_sizes, [1] * len(sizes)))
        self._insert(memref.CopyOp(self.buffer(src), sub))
        self._new_owned(r, mem, op)

    def _concat(self, op):
        r = op.results[0]
        dim = op.axis
        ins = list(op.operands)
        in_sizes = [self.sizes(v) for v in ins]
        sizes = []
        for i, d in enumerate(r.type.shape):
            if d != DYN:
                sizes.append(d)
            elif i == dim:
                total = 0
                for s in in_sizes:
                    total = self._add(total, s[i])
                sizes.append(total)
            else:
                sizes.append(in_sizes[0][i])
        mem = self._alloc(memref_type(r.type), sizes)
        offset = 0
        for k, (v, s) in enumerate(zip(ins, in_sizes)):
            offsets = [offset if i == dim else 0 for i in range(len(sizes))]
            sub = self._v(memref.SubViewOp.build(mem, offsets, s, [1] * len(sizes)))
            self._insert(memref.CopyOp(self.buffer(v), sub))
            if k + 1 < len(ins):
                offset = self._add(offset, s[dim])
        self._new_owned(r, mem, op)

    def _cast(self, op):
        v, r = op.operands[0], op.results[0]
        mem = self.buffer(v)
        t = r.type
        if t.__class__ is T.UnrankedTensorType:
            target = T.UnrankedMemRefType(t.element_type)
        elif mem.type.__class__ is T.UnrankedMemRefType:
            target = memref_type(t)
        else:
            target = T.MemRefType(t.shape, t.element_type, mem.type.layout)
        if target != mem.type:
            mem = self._v(memref.CastOp(mem, result_types=[target]))
        self._bind(r, mem, self.bufs[v][1])

    def _subview(self, mem, op, slice_type):
        """The subview of `mem` at `op`'s offsets, sizes and strides, rank-reduced to the
        shape of tensor type `slice_type`."""
        static = [op.properties[n].value for n in ("static_offsets", "static_sizes",
                                                   "static_strides")]
        full = memref.infer_subview_type(mem.type, *static)
        dropped = memref.rank_reduction_mask(full.shape, slice_type.shape)
        layout = full.layout
        if dropped:
            layout = StridedLayoutAttr([s for i, s in enumerate(layout.strides)
                                        if i not in dropped], layout.offset)
        target = T.MemRefType(slice_type.shape, full.element_type, layout, full.memory_space)
        return self._v(memref.SubViewOp.build(mem, op.mixed_offsets(), op.mixed_sizes(),
                                              op.mixed_strides(), target))

    def _extract_slice(self, op):
        v, r = op.operands[0], op.results[0]
        self._bind(r, self._subview(self.buffer(v), op, r.type), self.bufs[v][1])

    def _insert_slice(self, op):
        src, dest = op.operands[:2]
        if self.bufs[src][1] is self.bufs[dest][1]:
            # the source lives in the destination's buffer: update a copy
            mem, buf = self._scratch(self._fresh(dest, copy=True), op)
        else:
            mem, buf = self._updated(dest, op, 1)
        sub = self._subview(mem, op, src.type)
        self._insert(memref.CopyOp(self.buffer(src), sub))
        self._bind(op.results[0], mem, buf)

    def _contiguous(self, v, op):
        """The buffer of `v` if its layout is the identity, else a fresh copy of it, and the
        _Buf that a view of it belongs to."""
        mem = self.buffer(v)
        if _identity_layout(mem.type):
            return mem, self.bufs[v][1]
        return self._scratch(self._fresh(v, copy=True), op)

    def _collapse_shape(self, op):
        v, r = op.operands[0], op.results[0]
        groups = op.groups
        mem, buf = self.buffer(v), self.bufs[v][1]
        if not _identity_layout(mem.type) and memref.collapsed_layout(mem.type, groups) is None:
            mem, buf = self._contiguous(v, op)
        self._bind(r, self._v(memref.CollapseShapeOp.build(mem, groups)), buf)

    def _expand_shape(self, op):
        v, r = op.operands[0], op.results[0]
        groups = op.groups
        mem, buf = self.buffer(v), self.bufs[v][1]
        t = memref.expanded_type(mem.type, r.type.shape, groups)
        if t is None:
            mem, buf = self._contiguous(v, op)
            t = memref.expanded_type(mem.type, r.type.shape, groups)
        self._bind(r, self._v(memref.ExpandShapeOp.build(t, mem, groups,
                                                         op.mixed_output_shape())), buf)

    def _reshape(self, op):
        v, shape, r = op.operands[0], op.operands[1], op.results[0]
        if r.type.__class__ is not T.RankedTensorType:
            raise IRError("tensor.reshape to an unranked tensor is not supported",
                          op.loc)
        mem, buf = self._contiguous(v, op)
        shape_mem = self.buffer(shape)
        sizes = []
        for i, d in enumerate(r.type.shape):
            if d != DYN:
                sizes.append(d)
                continue
            s = self._v(memref.LoadOp(shape_mem, [self._index(i)]))
            if s.type != T.index:
                s = self._v(arith.IndexCastOp(s, result_types=[T.index]))
            sizes.append(s)
        strides, acc = [1] * len(sizes), 1
        for i in range(len(sizes) - 1, 0, -1):
            acc = strides[i - 1] = self._mul(acc, sizes[i])
        target = memref_type(r.type)
        self._bind(r, self._v(memref.ReinterpretCastOp.build(mem, 0, sizes, strides, target)),
                   buf)

    # -- structured.generic ---------------------------------------------------------------
    def _generic(self, op):
        d = op.opdef
        s, n_in = d.operand_range(op, 0)
        ins = op.operands[s:s + n_in]
        outs = op.operands[s + n_in:]
        maps = op.maps
        parallel = all(it == structured.PARALLEL for it in op.iterators)
        in_mems = [self.buffer(v) if self._is_tensor(v) else v for v in ins]
        out_mems, taken = [], set()
        results = iter(op.results)
        for j, o in enumerate(outs):
            k = n_in + j
            if not self._is_tensor(o):
                out_mems.append(o)
                continue
            mem, buf = self._generic_out(op, o, k, ins, maps, parallel, taken)
            taken.add(id(buf))
            out_mems.append(mem)
            self._bind(next(results), mem, buf)
        new = self._rebuild(op, in_mems + out_mems, [])
        self._region(new.regions[0])
        self.rw.set_insertion_point_before(op)

    def _generic_out(self, op, o, k, ins, maps, parallel, taken):
        """The buffer output `o` (operand `k`) is written into, and its _Buf."""
        mem, buf = self.bufs[o]
        identity = maps[k].is_identity
        # the same value read elementwise as an input does not stop an in-place update
        same = {i for i, v in enumerate(ins) if v is o and identity and maps[i].is_identity}
        in_place = id(buf) not in taken and self._writable(buf, op, {k, *same})
        if in_place and mem is not None:
            return mem, buf
        needs_init = _reads_output(op, k)
        if not needs_init and parallel and identity:
            for i, v in enumerate(ins):
                if not self._is_tensor(v) or memref_type(v.type) != memref_type(o.type) or \
                        not maps[i].is_identity:
                    continue
                vmem, vbuf = self.bufs[v]
                if id(vbuf) in taken or vmem is None or vmem is not vbuf.root:
                    continue
                reads = {x for x, w in enumerate(ins) if w is v and maps[x].is_identity}
                if self._writable(vbuf, op, reads):
                    return vmem, vbuf
        if in_place:
            return self.buffer(o), buf
        return self._scratch(self._fresh(o, copy=needs_init), op)

    # -- scf ------------------------------------------------------------------------------
    def _for(self, op):
        operands = list(op.operands)
        for k in range(3, len(operands)):
            if self._is_tensor(operands[k]):
                operands[k] = self._hand_over(operands[k], op)
        new = self._rebuild(op, operands, [_convert(r.type) for r in op.results])
        self._own_args(new.regions[0].blocks[0])
        self._region(new.regions[0])
        self._results(op, new)

    def _while(self, op):
        inits = [self._hand_over(v, op) if self._is_tensor(v) else v for v in op.operands]
        new = self._rebuild(op, inits, [_convert(r.type) for r in op.results])
        for r in new.regions:
            self._own_args(r.blocks[0])
            self._region(r)
        self._results(op, new)

    def _yielding(self, op):
        """scf.if / scf.index_switch / scf.execute_region: each region yields the results.

        A buffer of the enclosing block that a region yields and that nothing needs after
        the op is consumed by it: each region owns it, to yield it without a copy or to free
        it, so `scf.if %c {yield %t} else {yield %u}` copies nothing when both die there."""
        new = self._rebuild(op, list(op.operands), [_convert(r.type) for r in op.results])
        consumed = []
        for r in new.regions:
            for v in r.blocks[0].last.operands if r.blocks else ():
                buf = self.bufs[v][1] if v in self.bufs else None
                if buf is not None and buf.owner is op.parent and not buf.transferred and \
                        self.bufs[v][0] is buf.root and buf not in consumed:
                    last = self._last_use(buf, op.parent)
                    if last is None or self.pos[last] <= self.pos[op]:
                        consumed.append(buf)
        for r in new.regions:
            block = r.blocks[0] if r.blocks else None
            saved = {}
            for buf in consumed if block is not None else ():
                local = _Buf(buf.root, block)
                local.members = buf.members
                self.owned.setdefault(block, []).append(local)
                for v in buf.members:
                    saved[v] = self.bufs[v]
                    self.bufs[v] = (saved[v][0], local)
            self._region(r)
            self.bufs.update(saved)
        for buf in consumed:
            buf.transferred = True
        self._results(op, new)


def _reads_output(op, k):
    """Whether the initial contents of output `k` of a structured.generic matter: its element
    is read by the body, or some of its elements may be written zero times or several times."""
    arg = op.regions[0].blocks[0].args[k]
    if arg.uses or any(it != structured.PARALLEL for it in op.iterators):
        return True
    m = op.maps[k]
    dims = [e.position for e in m.results if e.__class__ is AffineDim]
    return len(dims) != len(m.results) or len(set(dims)) != len(dims)


_VIEWS = ("tensor.cast", "tensor.extract_slice", "tensor.collapse_shape", "tensor.expand_shape",
          "tensor.reshape", "bufferization.to_buffer")


def _view_closure(v):
    """`v` and the values that may be views of it."""
    out, stack = [], [v]
    while stack:
        x = stack.pop()
        out.append(x)
        for u in x.uses:
            if u.owner.name in _VIEWS and u.index == 0:
                stack.extend(u.owner.results)
    return out


_F = _FunctionBufferizer
_HANDLERS = {
    "func.return": _F._terminator,
    "func.call": _F._call,
    "scf.yield": _F._terminator,
    "scf.condition": _F._terminator,
    "scf.for": _F._for,
    "scf.while": _F._while,
    "scf.if": _F._yielding,
    "scf.index_switch": _F._yielding,
    "scf.execute_region": _F._yielding,
    "structured.generic": _F._generic,
    "lamina.read_variable": _F._read_variable,
    "lamina.assign_variable": _F._assign_variable,
    "arith.constant": _F._constant,
    "bufferization.to_tensor": _F._to_tensor,
    "bufferization.to_buffer": _F._to_buffer,
    "bufferization.alloc_tensor": _F._empty,
    "bufferization.materialize_in_destination": _F._materialize_in_destination,
    "bufferization.dealloc_tensor": _F._dealloc_tensor,
    "tensor.empty": _F._empty,
    "tensor.dim": _F._dim,
    "tensor.rank": _F._rank,
    "tensor.extract": _F._extract,
    "tensor.insert": _F._insert_element,
    "tensor.from_elements": _F._from_elements,
    "tensor.splat": _F._splat,
    "tensor.generate": _F._generate,
    "tensor.pad": _F._pad,
    "tensor.concat": _F._concat,
    "tensor.cast": _F._cast,
    "tensor.extract_slice": _F._extract_slice,
    "tensor.insert_slice": _F._insert_slice,
    "tensor.collapse_shape": _F._collapse_shape,
    "tensor.expand_shape": _F._expand_shape,
    "tensor.reshape": _F._reshape,
}


class _ModuleState:
    """What the functions of one module share: the globals holding tensor constants."""

    def __init__(self, module):
        self.module = module
        self.globals = {}
        self.names = {o.properties["sym_name"].value for o in module.regions[0].blocks[0]
                      if "sym_name" in o.properties}
        self.last_global = None

    def global_for(self, value, mtype):
        """The name of a private constant memref.global holding `value` (one per value)."""
        key = (value.type, value.array.tobytes())
        name = self.globals.get(key)
        if name is not None:
            return name
        base = "__constant_" + "".join(f"{d}x" for d in mtype.shape) + str(mtype.element_type)
        name, k = base, 0
        while name in self.names:
            name = f"{base}_{k}"
            k += 1
        self.names.add(name)
        self.globals[key] = name
        g = memref.GlobalOp.build(name, mtype, value, constant=True, visibility="private",
                                  alignment=ALIGNMENT)
        body = self.module.regions[0].blocks[0]
        if self.last_global is None:
            body.prepend(g)
        else:
            body.insert_after(self.last_global, g)
        self.last_global = g
        return name


def bufferize_module(module):
    """Bufferize every function of `module` in place."""
    state = _ModuleState(module)
    funcs = [o for o in module.walk() if o.name == "func.func"]
    for f in funcs:
        ft = f.properties["function_type"].value
        f.properties["function_type"] = TypeAttr(T.FunctionType(
            [_convert(t) for t in ft.inputs], [_convert(t) for t in ft.results]))
    for f in funcs:
        if f.regions[0].blocks:
            _FunctionBufferizer(state, f).run()


@register_pass
class Bufferize(Pass):
    argument = "bufferize"
    title = "Bufferize"
    summary = ("Turn tensors into buffers: memref.alloc/dealloc/copy, in-place updates where "
               "safe, memref.global for constants")

    def run(self, op):
        bufferize_module(op)


__all__ = ["Bufferize", "bufferize_module", "memref_type"]
