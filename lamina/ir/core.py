"""The in-memory IR: values with use-lists, operations in intrusive block lists, regions.

Objects carry `__slots__` and blocks link their operations directly (prev/next) so that a
100k-op module stays cheap to build, walk and rewrite: insertion and erasure are O(1).
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def gc_paused():
    """Parsing, verifying and printing walk millions of live IR objects and create many more;
    the cyclic collector would rescan the live ones again and again (quadratic in the module
    size), while these phases create no garbage cycles worth collecting mid-way."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class IRError(Exception):
    """An error about a piece of IR; `loc` points at it when known."""

    def __init__(self, message, loc=None, notes=()):
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.notes = list(notes)


class _Structural:
    """Immutable values compared by content (`_key`), with the hash computed once."""

    __slots__ = ("_hash",)

    def _key(self):
        raise NotImplementedError

    def __eq__(self, other):
        return self is other or (type(self) is type(other) and self._key() == other._key())

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        try:
            return self._hash
        except AttributeError:
            h = self._hash = hash((type(self).__name__, self._key()))
            return h


class Type(_Structural):
    """Base of all types."""

    __slots__ = ()

    def __repr__(self):
        return f"<type {self}>"


class Attribute(_Structural):
    """Base of all attributes."""

    __slots__ = ()

    def __repr__(self):
        return f"<attr {self}>"


class Use:
    __slots__ = ("owner", "index")

    def __init__(self, owner, index):
        self.owner = owner
        self.index = index


def _remove_use(value, use):
    try:
        value.uses.remove(use)  # Use has no __eq__: found by identity
    except ValueError:
        pass  # dropped already, with all the value's uses (a dead block's values)


class Value:
    __slots__ = ("type", "uses")

    def __init__(self, type):
        self.type = type
        self.uses = []

    @property
    def has_uses(self):
        return bool(self.uses)

    def users(self):
        return [u.owner for u in self.uses]

    def replace_all_uses_with(self, new):
        if new is self:
            return
        for use in self.uses:
            use.owner.operands[use.index] = new
            new.uses.append(use)
        self.uses = []


class OpResult(Value):
    __slots__ = ("owner", "index")

    def __init__(self, type, owner, index):
        self.type = type
        self.uses = []
        self.owner = owner
        self.index = index

    @property
    def defining_op(self):
        return self.owner

    def __repr__(self):
        return f"<result #{self.index} of {self.owner.name}: {self.type}>"


class BlockArgument(Value):
    __slots__ = ("block", "index")

    def __init__(self, type, block, index):
        self.type = type
        self.uses = []
        self.block = block
        self.index = index

    @property
    def defining_op(self):
        return None

    @property
    def owner(self):
        return self.block

    def __repr__(self):
        return f"<block argument #{self.index}: {self.type}>"


class Operation:
    """A generic operation. Registered ops subclass this through `lamina.ir.opdef`.

    `properties` holds the inherent attributes (printed `<{...}>` in generic form, as
    mlir-opt 22 does); `attributes` the discardable ones.
    """

    # operand_uses[i] is the Use of operands[i] in that value's `uses`: dropping a use removes
    # that object by identity (a C-level scan), where searching the uses for (owner, index)
    # in Python made erasing the users of a much-used constant quadratic
    __slots__ = ("name", "operands", "operand_uses", "results", "properties", "attributes",
                 "regions", "successors", "parent", "prev", "next", "loc")

    # Filled in for registered ops by opdef; generic ops have no definition.
    opdef = None

    def __init__(self, name=None, operands=(), result_types=(), properties=None,
                 attributes=None, regions=(), successors=(), loc=None):
        if name is not None:
            self.name = name
        elif self.opdef is not None:
            self.name = self.opdef.name
        else:
            raise ValueError("an unregistered operation needs a name")
        self.operands = ops = list(operands)
        self.operand_uses = uses = []
        for i, v in enumerate(ops):
            u = Use(self, i)
            uses.append(u)
            v.uses.append(u)
        self.results = [OpResult(t, self, i) for i, t in enumerate(result_types)]
        self.properties = properties if properties is not None else {}
        self.attributes = attributes if attributes is not None else {}
        self.regions = []
        for r in regions:
            self.add_region(r)
        self.successors = list(successors)
        self.parent = None
        self.prev = None
        self.next = None
        self.loc = loc

    # -- structure -------------------------------------------------------------------
    def add_region(self, region=None):
        if region is None:
            region = Region()
        region.parent = self
        self.regions.append(region)
        return region

    @property
    def result(self):
        if len(self.results) != 1:
            raise IRError(f"'{self.name}' has {len(self.results)} results, not one", self.loc)
        return self.results[0]

    @property
    def parent_op(self):
        b = self.parent
        if b is None or b.parent is None:
            return None
        return b.parent.parent

    @property
    def parent_region(self):
        return self.parent.parent if self.parent is not None else None

    def ancestors(self):
        op = self.parent_op
        while op is not None:
            yield op
            op = op.parent_op

    def is_ancestor_of(self, other):
        while other is not None:
            if other is self:
                return True
            other = other.parent_op
        return False

    def walk(self, pre_order=True):
        """All ops nested in this one (itself included). Iterative, so deep nesting costs no
        recursion and each op passes through one generator frame; the ops of a block are
        listed when the walk enters it, so erasing the op being visited is safe."""
        stack = [(self, False)]
        while stack:
            op, expanded = stack.pop()
            if expanded:
                yield op
                continue
            if pre_order:
                yield op
            else:
                stack.append((op, True))
            children = []
            for region in op.regions:
                for block in region.blocks:
                    o = block.first
                    while o is not None:
                        children.append(o)
                        o = o.next
            for c in reversed(children):
                stack.append((c, False))

    # -- operands --------------------------------------------------------------------
    def set_operand(self, index, value):
        old = self.operands[index]
        if old is value:
            return
        u = self.operand_uses[index]
        _remove_use(old, u)
        self.operands[index] = value
        value.uses.append(u)

    def set_operands(self, values):
        self.drop_operand_uses()
        self.operands = list(values)
        self.operand_uses = uses = []
        for i, v in enumerate(self.operands):
            u = Use(self, i)
            uses.append(u)
            v.uses.append(u)

    def drop_operand_uses(self):
        for v, u in zip(self.operands, self.operand_uses):
            _remove_use(v, u)

    # -- mutation --------------------------------------------------------------------
    def detach(self):
        b = self.parent
        if b is not None:
            b._unlink(self)
        return self

    def erase(self, drop_uses=True):
        """Remove from the block and drop every operand use, recursively through regions."""
        for r in self.results:
            if r.uses and drop_uses:
                raise IRError(f"erasing '{self.name}' whose result still has uses", self.loc)
        self.detach()
        self._drop_all_references()

    def _drop_all_references(self):
        self.drop_operand_uses()
        self.operands = []
        self.operand_uses = []
        for region in self.regions:
            for block in region.blocks:
                op = block.first
                while op is not None:
                    op._drop_all_references()
                    op = op.next

    def move_before(self, other):
        self.detach()
        other.parent.insert_before(other, self)

    def move_after(self, other):
        self.detach()
        other.parent.insert_after(other, self)

    def clone(self, mapping=None):
        """Deep copy; `mapping` (old value -> new value) is used for operands and filled in."""
        if mapping is None:
            mapping = {}
        new = object.__new__(type(self))
        new.name = self.name
        new.operands = []
        new.operand_uses = []
        new.properties = dict(self.properties)
        new.attributes = dict(self.attributes)
        new.successors = [mapping.get(s, s) for s in self.successors]
        new.parent = new.prev = new.next = None
        new.loc = self.loc
        new.results = [OpResult(r.type, new, i) for i, r in enumerate(self.results)]
        for old, nr in zip(self.results, new.results):
            mapping[old] = nr
        new.regions = []
        for region in self.regions:
            new.add_region(region.clone(mapping))
        new.set_operands([mapping.get(v, v) for v in self.operands])
        return new

    # -- queries ---------------------------------------------------------------------
    def has_trait(self, trait):
        d = self.opdef
        return d is not None and trait in d.traits

    def get_attr(self, name, default=None):
        v = self.properties.get(name)
        if v is None:
            v = self.attributes.get(name, default)
        return v

    def __repr__(self):
        return f"<op {self.name}>"

    def __str__(self):
        from .printer import print_op
        return print_op(self)


def values_used_from_outside(ops, defined=()):
    """The values that `ops`, and the ops nested in them, use but neither define nor find in
    `defined`, in the order of their first use: what outlining the ops passes in (MLIR's
    getUsedValuesDefinedAbove)."""
    ops = list(ops)
    inside = set(defined)
    for op in ops:
        for o in op.walk():
            inside.update(o.results)
            for r in o.regions:
                for b in r.blocks:
                    inside.update(b.args)
    used = {}
    for op in ops:
        for o in op.walk():
            for v in o.operands:
                if v not in inside:
                    used[v] = None
    return list(used)


class Block:
    __slots__ = ("args", "first", "last", "parent", "_len")

    def __init__(self, arg_types=()):
        self.args = [BlockArgument(t, self, i) for i, t in enumerate(arg_types)]
        self.first = None
        self.last = None
        self.parent = None
        self._len = 0

    def add_argument(self, type):
        a = BlockArgument(type, self, len(self.args))
        self.args.append(a)
        return a

    def erase_argument(self, index):
        a = self.args[index]
        if a.uses:
            raise IRError("erasing a block argument that still has uses")
        del self.args[index]
        for i, x in enumerate(self.args):
            x.index = i

    @property
    def parent_op(self):
        return self.parent.parent if self.parent is not None else None

    def __iter__(self):
        op = self.first
        while op is not None:
            nxt = op.next
            yield op
            op = nxt

    def __len__(self):
        return self._len

    def __bool__(self):
        return True

    def ops(self):
        return list(self)

    @property
    def terminator(self):
        return self.last

    def append(self, op):
        if op.parent is not None:
            op.detach()
        op.parent = self
        op.prev = self.last
        op.next = None
        if self.last is None:
            self.first = op
        else:
            self.last.next = op
        self.last = op
        self._len += 1
        return op

    def prepend(self, op):
        if self.first is None:
            return self.append(op)
        return self.insert_before(self.first, op)

    def insert_before(self, anchor, op):
        if op.parent is not None:
            op.detach()
        op.parent = self
        op.next = anchor
        op.prev = anchor.prev
        if anchor.prev is None:
            self.first = op
        else:
            anchor.prev.next = op
        anchor.prev = op
        self._len += 1
        return op

    def insert_after(self, anchor, op):
        if anchor.next is None:
            return self.append(op)
        return self.insert_before(anchor.next, op)

    def _unlink(self, op):
        if op.prev is None:
            self.first = op.next
        else:
            op.prev.next = op.next
        if op.next is None:
            self.last = op.prev
        else:
            op.next.prev = op.prev
        op.prev = op.next = op.parent = None
        self._len -= 1

    def successors(self):
        t = self.last
        return list(t.successors) if t is not None else []

    def predecessors(self):
        region = self.parent
        return [b for b in region.blocks if b.last is not None and self in b.last.successors]

    def clone_into(self, region, mapping):
        nb = Block([a.type for a in self.args])
        for a, na in zip(self.args, nb.args):
            mapping[a] = na
        mapping[self] = nb
        region.add_block(nb)
        return nb

    def __repr__(self):
        return f"<block with {self._len} ops>"


class Region:
    __slots__ = ("blocks", "parent")

    def __init__(self, blocks=()):
        self.blocks = []
        self.parent = None
        for b in blocks:
            self.add_block(b)

    def add_block(self, block=None, index=None):
        if block is None:
            block = Block()
        block.parent = self
        if index is None:
            self.blocks.append(block)
        else:
            self.blocks.insert(index, block)
        return block

    def remove_block(self, block):
        self.blocks.remove(block)
        block.parent = None

    @property
    def entry(self):
        return self.blocks[0] if self.blocks else None

    @property
    def parent_op(self):
        return self.parent

    def clone(self, mapping):
        new = Region()
        pairs = [(b, b.clone_into(new, mapping)) for b in self.blocks]
        for old, nb in pairs:
            for op in old:
                nb.append(op.clone(mapping))
        # successors were cloned before their blocks may have existed in the mapping
        for _, nb in pairs:
            for op in nb:
                for region_op in op.walk():
                    region_op.successors = [mapping.get(s, s) for s in region_op.successors]
        return new

    def walk(self):
        for b in self.blocks:
            for op in b:
                yield from op.walk()

    def __repr__(self):
        return f"<region with {len(self.blocks)} blocks>"
