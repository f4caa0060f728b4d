"""Declarative op definitions, in the manner of xDSL's IRDL and MLIR's ODS.

One class defines an op once: operands, results, properties, regions, successors (in order),
traits, memory effects, verifier, folder, canonicalization patterns and assembly format:

    class AddIOp(Op):
        name = "arith.addi"
        lhs = operand(SignlessIntegerLike)
        rhs = operand(SignlessIntegerLike)
        result = result(SignlessIntegerLike)
        traits = (Pure, Commutative, SameOperandsAndResultType)
        assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"
"""

from __future__ import annotations

from .attributes import DenseArrayAttr
from .constraints import AnyType, AttrConstraint, AnyAttr
from .core import IRError, Operation, Region, OpResult
from . import registry
from . import types as T


# -- traits and effects ----------------------------------------------------------------

class Trait:
    __slots__ = ("name", "args")

    def __init__(self, name, *args):
        self.name = name
        self.args = args

    def __eq__(self, other):
        return isinstance(other, Trait) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return self.name


Pure = Trait("Pure")                      # no memory effects, speculatable
Terminator = Trait("Terminator")
ReturnLike = Trait("ReturnLike")
IsolatedFromAbove = Trait("IsolatedFromAbove")
NoTerminator = Trait("NoTerminator")
SingleBlock = Trait("SingleBlock")
SymbolTable = Trait("SymbolTable")
Symbol = Trait("Symbol")
Commutative = Trait("Commutative")
SameOperandsAndResultType = Trait("SameOperandsAndResultType")
SameTypeOperands = Trait("SameTypeOperands")
ConstantLike = Trait("ConstantLike")
RecursiveMemoryEffects = Trait("RecursiveMemoryEffects")
AutomaticAllocationScope = Trait("AutomaticAllocationScope")
GraphRegion = Trait("GraphRegion")        # regions without dominance (module bodies)


def HasParent(*names):
    return Trait("HasParent", *names)


class Effect:
    __slots__ = ("kind", "on")

    def __init__(self, kind, on=None):
        self.kind = kind  # "read" | "write" | "alloc" | "free"
        self.on = on      # operand name the effect is on, or None for unknown resource

    def __repr__(self):
        return f"{self.kind}({self.on})"


def Read(on=None):
    return Effect("read", on)


def Write(on=None):
    return Effect("write", on)


def Alloc(on=None):
    return Effect("alloc", on)


def Free(on=None):
    return Effect("free", on)


# -- fields ----------------------------------------------------------------------------

class _Field:
    name = None

    def __set_name__(self, owner, name):
        self.name = name


class operand(_Field):
    kind = "single"

    def __init__(self, constraint=AnyType):
        self.constraint = constraint

    def __get__(self, op, cls=None):
        if op is None:
            return self
        s, n = op.opdef.operand_range(op, self.index)
        if self.kind == "single":
            return op.operands[s]
        if self.kind == "optional":
            return op.operands[s] if n else None
        return op.operands[s:s + n]


class var_operand(operand):
    kind = "variadic"


class opt_operand(operand):
    kind = "optional"


class result(_Field):
    kind = "single"

    def __init__(self, constraint=AnyType):
        self.constraint = constraint

    def __get__(self, op, cls=None):
        if op is None:
            return self
        s, n = op.opdef.result_range(op, self.index)
        if self.kind == "single":
            return op.results[s]
        if self.kind == "optional":
            return op.results[s] if n else None
        return op.results[s:s + n]


class var_result(result):
    kind = "variadic"


class opt_result(result):
    kind = "optional"


class prop(_Field):
    """An inherent attribute (a property). `key`: its name where that cannot be the Python
    attribute's (a property called `name`, as memref.get_global's)."""

    def __init__(self, constraint=None, optional=False, key=None):
        self.constraint = constraint if constraint is not None else AnyAttr()
        self.optional = optional or self.constraint.default is not None
        self.name = key

    def __set_name__(self, owner, name):
        if self.name is None:
            self.name = name

    def __get__(self, op, cls=None):
        if op is None:
            return self
        v = op.properties.get(self.name)
        return v if v is not None else self.constraint.default


def opt_prop(constraint=None, key=None):
    return prop(constraint, optional=True, key=key)


class region(_Field):
    """`implicit_args`: the entry block's arguments are named by the op's own syntax (as
    scf.for's induction variable), so the region prints without its entry block header.
    `implicit_terminator`: the terminator op name elided when it has no operands."""

    kind = "single"

    def __init__(self, single_block=False, implicit_args=False, implicit_terminator=None):
        self.single_block = single_block
        self.implicit_args = implicit_args
        self.implicit_terminator = implicit_terminator

    def __get__(self, op, cls=None):
        if op is None:
            return self
        if self.kind == "single":
            return op.regions[self.index]
        return op.regions[self.index:]


class var_region(region):
    kind = "variadic"


class successor(_Field):
    kind = "single"

    def __get__(self, op, cls=None):
        if op is None:
            return self
        if self.kind == "single":
            return op.successors[self.index]
        return op.successors[self.index:]


class var_successor(successor):
    kind = "variadic"


# -- the definition ----------------------------------------------------------------------

class OpDef:
    def __init__(self, cls, name):
        self.cls = cls
        self.name = name
        self.aliases = tuple(getattr(cls, "aliases", ()))
        self.operands = []
        self.results = []
        self.props = {}
        self.regions = []
        self.successors = []
        self.traits = frozenset(getattr(cls, "traits", ()))
        self.effects = getattr(cls, "effects", None)
        if Pure in self.traits and self.effects is None:
            self.effects = ()
        self._format = None
        self.format_text = getattr(cls, "assembly_format", None)
        self.examples = getattr(cls, "examples", ())
        self.summary = (cls.__doc__ or "").strip().split("\n")[0]

    def _segments(self, defs, count, seg_prop, op):
        nvar = sum(1 for d in defs if d.kind != "single")
        if nvar > 1:
            sizes = op.properties.get(seg_prop)
            if sizes is None or len(sizes.value) != len(defs):
                raise IRError(f"'{self.name}' op requires attribute '{seg_prop}'", op.loc)
            return list(sizes.value)
        fixed = len(defs) - nvar
        return [1 if d.kind == "single" else count - fixed for d in defs]

    def operand_range(self, op, index):
        if not self.has_var_operands:
            return index, 1
        sizes = self._segments(self.operands, len(op.operands), "operandSegmentSizes", op)
        return sum(sizes[:index]), sizes[index]

    def result_range(self, op, index):
        if not self.has_var_results:
            return index, 1
        sizes = self._segments(self.results, len(op.results), "resultSegmentSizes", op)
        return sum(sizes[:index]), sizes[index]

    def finish(self):
        # counts and trait flags the verifier consults for every op, computed once
        self.n_var_operands = sum(1 for d in self.operands if d.kind != "single")
        self.n_var_results = sum(1 for d in self.results if d.kind != "single")
        self.n_var_regions = sum(1 for d in self.regions if d.kind != "single")
        self.n_var_successors = sum(1 for d in self.successors if d.kind != "single")
        t = self.traits
        self.same_operands_and_result_type = SameOperandsAndResultType in t
        self.same_type_operands = SameTypeOperands in t
        self.is_terminator = Terminator in t
        self.single_block = SingleBlock in t
        self.has_parent = [x for x in t if x.name == "HasParent"]
        self.has_var_operands = any(d.kind != "single" for d in self.operands)
        self.has_var_results = any(d.kind != "single" for d in self.results)
        self.needs_operand_segments = sum(1 for d in self.operands if d.kind != "single") > 1
        self.needs_result_segments = sum(1 for d in self.results if d.kind != "single") > 1
        self.prop_names = frozenset(self.props) | (
            {"operandSegmentSizes"} if self.needs_operand_segments else set()) | (
            {"resultSegmentSizes"} if self.needs_result_segments else set())

    @property
    def format(self):
        """The compiled assembly format (None: the op prints generically). Compiled when first
        printed or parsed, not when the op is defined: compiling all of them was an eighth of
        importing lamina (tests/test_upstream_compat.py compiles every one)."""
        if self._format is None and self.format_text is not None:
            from .format import compile_format
            self._format = compile_format(self, self.format_text)
        return self._format

    @property
    def is_pure(self):
        return self.effects == () and RecursiveMemoryEffects not in self.traits


class Op(Operation):
    """Base class of registered ops; see the module docstring."""

    __slots__ = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        name = cls.__dict__.get("name")
        if not isinstance(name, str):
            return  # an abstract base shared by several ops
        del cls.name
        d = OpDef(cls, name)
        for klass in reversed(cls.__mro__):
            for attr, f in vars(klass).items():
                if isinstance(f, operand):
                    _add(d.operands, f)
                elif isinstance(f, result):
                    _add(d.results, f)
                elif isinstance(f, prop):
                    d.props[f.name] = f
                elif isinstance(f, region):
                    _add(d.regions, f)
                elif isinstance(f, successor):
                    _add(d.successors, f)
        d.finish()
        cls.opdef = d
        registry.register_op(cls)

    def __init__(self, *operands, result_types=None, regions=None, successors=(), loc=None,
                 attributes=None, **props):
        d = self.opdef
        if len(operands) != len(d.operands):
            raise TypeError(f"{d.name} takes {len(d.operands)} operand groups, "
                            f"got {len(operands)}")
        flat, sizes = [], []
        for f, v in zip(d.operands, operands):
            if f.kind == "single":
                flat.append(v)
                sizes.append(1)
            elif f.kind == "optional":
                if v is not None:
                    flat.append(v)
                sizes.append(0 if v is None else 1)
            else:
                flat.extend(v)
                sizes.append(len(v))
        properties = {k: v for k, v in props.items() if v is not None}
        if d.needs_operand_segments:
            properties["operandSegmentSizes"] = DenseArrayAttr(T.i32, sizes)
        if result_types is None:
            result_types = self.infer_result_types(flat, properties)
        if regions is None:
            regions = [Region() for _ in d.regions]
        Operation.__init__(self, None, flat, result_types, properties, attributes, regions,
                           successors, loc)

    @classmethod
    def create(cls, operands=(), result_types=(), properties=None, attributes=None,
               regions=(), successors=(), loc=None):
        """Build from already-flattened parts, without inference (as the generic parser)."""
        op = object.__new__(cls)
        Operation.__init__(op, None, operands, result_types, properties, attributes, regions,
                           successors, loc)
        return op

    def infer_result_types(self, operands, properties):
        d = self.opdef
        if SameOperandsAndResultType in d.traits and operands:
            return [operands[0].type] * len(d.results)
        fixed = [f.constraint.buildable for f in d.results]
        if all(t is not None for t in fixed):
            return fixed
        raise TypeError(f"{d.name}: result types cannot be inferred; pass result_types=")

    # -- hooks a definition may override --------------------------------------------
    def verify_(self):
        """Op-specific checks beyond the declared constraints; raise IRError."""

    def fold(self, constant_operands):
        """Return a list of Attribute-or-Value per result, or None if nothing folds.
        `constant_operands` holds each operand's constant Attribute or None."""
        return None

    canonicalization_patterns = ()

    @classmethod
    def infer_parsed_types(cls, parts):
        """Fill in types the assembly format leaves implicit; `parts` is a ParsedParts."""

    def error(self, message):
        return IRError(f"'{self.name}' op {message}", self.loc)


class BranchLike(Op):
    """Base of terminators whose successors receive operands (MLIR's BranchOpInterface):
    subclasses say which operands go to which successor; the block arguments are checked."""

    __slots__ = ()

    def successor_operands(self, index):
        """The values passed to successor `index`'s block arguments."""
        raise NotImplementedError

    def verify_(self):
        for i, dest in enumerate(self.successors):
            values = self.successor_operands(i)
            if len(values) != len(dest.args):
                raise IRError(f"branch has {len(values)} operands for successor #{i}, but "
                              f"target block has {len(dest.args)}", self.loc)
            for j, (v, a) in enumerate(zip(values, dest.args)):
                if v.type != a.type:
                    raise IRError(f"type mismatch for bb argument #{j} of successor #{i}",
                                  self.loc)


class FunctionLike(Op):
    """Base of function ops (MLIR's FunctionOpInterface): a symbol `sym_name`, a
    `function_type`, and a body region that is empty for a declaration."""

    __slots__ = ()

    @property
    def sym(self):
        return self.properties["sym_name"].value

    @property
    def type(self):
        return self.properties["function_type"].value

    @property
    def is_declaration(self):
        return not self.regions[0].blocks

    @property
    def entry(self):
        return self.regions[0].blocks[0]


def _add(lst, f):
    if f not in lst:
        f.index = len(lst)
        lst.append(f)


def is_registered(op):
    return op.opdef is not None


__all__ = [n for n in dir() if not n.startswith("_")] + ["AttrConstraint", "OpResult"]
