"""Declarative assembly formats: one format string gives an op its grammar rule (for the lark
parser), its builder (from what that rule read) and its printer, so the two directions cannot
drift apart.

The format language is ODS's: `$name`, `` `literal` ``, `type($x)`, `type(operands)`,
`functional-type(operands, results)`, `attr-dict`, `attr-dict-with-keyword`, optional groups
`( ... $anchor^ ... )?`, `` ` ` `` / ``` `` ``` for spacing, and `custom<Name>($a, ...)` for
syntax registered with `custom_directive`.
"""

from __future__ import annotations

import re

from .attributes import UnitAttr, DenseArrayAttr, print_attr_dict
from .core import IRError, Region
from . import types as T
from .opdef import SameOperandsAndResultType, SameTypeOperands

CUSTOM = {}  # name -> CustomDirective
CUSTOM_CALLBACKS = {}  # grammar rule -> callback, for the rules custom directives add


class CustomDirective:
    """Hand-written syntax for a piece of a format. `rules` is lark grammar text defining the
    rule `rule`; `build(child, parts, args)` stores what the rule produced; `print(op, p, args)`
    writes it; `present(op, args)` tells an optional group whether to print."""

    def __init__(self, name, rule, rules, build, print, present=None):
        self.name = name
        self.rule = rule
        self.rules = rules
        self.build = build
        self.print = print
        self.present = present


def custom_directive(name, rule, rules, build, print, present=None, callbacks=None):
    CUSTOM[name] = CustomDirective(name, rule, rules, build, print, present)
    CUSTOM_CALLBACKS.update(callbacks or {})
    return CUSTOM[name]


# -- elements ----------------------------------------------------------------------------

class Lit:
    nslots = 0

    def __init__(self, text):
        self.text = text

    def grammar(self, g):
        return g.literal(self.text) if self.text.strip() else ""

    def build(self, it, parts):
        pass

    def print(self, op, p):
        p.literal(self.text)

    def present(self, op):
        return False


class OperandVar:
    nslots = 1

    def __init__(self, d):
        self.d = d

    def grammar(self, g):
        return {"single": "value_use", "optional": "[value_use]",
                "variadic": "[value_use_list]"}[self.d.kind]

    def build(self, it, parts):
        v = next(it)
        parts.operands[self.d.index] = [] if v is None else (v if isinstance(v, list) else [v])

    def print(self, op, p):
        v = self.d.__get__(op)
        if self.d.kind == "variadic":
            p.element(", ".join(p.name(x) for x in v))
        elif v is not None:
            p.element(p.name(v))

    def present(self, op):
        v = self.d.__get__(op)
        return bool(v) if self.d.kind == "variadic" else v is not None


class PropVar:
    nslots = 1

    def __init__(self, d):
        self.d = d

    def grammar(self, g):
        return self.d.constraint.grammar

    def build(self, it, parts):
        v = next(it)
        if v is not None:
            parts.props[self.d.name] = self.d.constraint.build(v)

    def print(self, op, p):
        a = op.properties.get(self.d.name)
        if a is not None:
            p.element(self.d.constraint.print(a))

    def present(self, op):
        a = op.properties.get(self.d.name)
        return a is not None and not self.d.constraint.is_default(a)


class UnitVar:
    """A unit property anchoring an optional group: present iff the group's keywords are."""

    nslots = 1

    def __init__(self, d):
        self.d = d

    def grammar(self, g):
        return "present"

    def build(self, it, parts):
        if next(it) is not None:
            parts.props[self.d.name] = UnitAttr()

    def print(self, op, p):
        pass

    def present(self, op):
        return self.d.name in op.properties


class RegionVar:
    nslots = 1

    def __init__(self, d):
        self.d = d

    def grammar(self, g):
        return "region" if self.d.kind == "single" else "[region_commalist]"

    def build(self, it, parts):
        v = next(it)
        parts.regions[self.d.index] = [] if v is None else (v if isinstance(v, list) else [v])

    def print(self, op, p):
        rs = self.d.__get__(op)
        rs = [rs] if self.d.kind == "single" else rs
        for i, r in enumerate(rs):
            if i:
                p.literal(",")
            p.region_element(r, not self.d.implicit_args, self.d.implicit_terminator)

    def present(self, op):
        rs = self.d.__get__(op)
        return bool(rs.blocks) if self.d.kind == "single" else bool(rs)


class SuccessorVar:
    nslots = 1

    def __init__(self, d):
        self.d = d

    def grammar(self, g):
        return "BLOCK_ID" if self.d.kind == "single" else "[block_id_list]"

    def build(self, it, parts):
        v = next(it)
        parts.successors[self.d.index] = [] if v is None else (v if isinstance(v, list) else [v])

    def print(self, op, p):
        s = self.d.__get__(op)
        p.element(", ".join(p.block_name(b) for b in ([s] if self.d.kind == "single" else s)))

    def present(self, op):
        return bool(self.d.__get__(op))


class TypeOf:
    nslots = 1

    def __init__(self, target, is_result):
        self.target = target  # a field, or None for all operands/results
        self.is_result = is_result

    def grammar(self, g):
        if self.target is None:
            return "[type_list]"
        return {"single": "type", "optional": "[type]", "variadic": "[type_list]"}[
            self.target.kind]

    def build(self, it, parts):
        v = next(it)
        v = [] if v is None else (v if isinstance(v, list) else [v])
        if self.target is None:
            if self.is_result:
                parts.all_result_types = v
            else:
                parts.all_operand_types = v
        elif self.is_result:
            parts.result_types[self.target.index] = v
        else:
            parts.operand_types[self.target.index] = v

    def print(self, op, p):
        if self.target is None:
            vals = op.results if self.is_result else op.operands
        else:
            v = self.target.__get__(op)
            vals = v if self.target.kind == "variadic" else ([] if v is None else [v])
        p.element(", ".join(str(x.type) for x in vals))

    def present(self, op):
        if self.target is None:
            return bool(op.results if self.is_result else op.operands)
        v = self.target.__get__(op)
        return bool(v) if self.target.kind == "variadic" else v is not None


class FuncType:
    nslots = 1

    def grammar(self, g):
        return "function_type"

    def build(self, it, parts):
        ft = next(it)
        parts.all_operand_types = list(ft.inputs)
        parts.all_result_types = list(ft.results)

    def print(self, op, p):
        p.element(str(T.FunctionType([v.type for v in op.operands],
                                     [r.type for r in op.results])))

    def present(self, op):
        return True


class AttrDict:
    nslots = 1

    def __init__(self, with_keyword, elided):
        self.with_keyword = with_keyword
        # property (and attribute) names the format prints elsewhere
        self.elided = elided

    def grammar(self, g):
        return '["attributes" attr_dict]' if self.with_keyword else "[attr_dict]"

    def build(self, it, parts):
        d = next(it)
        if d:
            props = parts.opdef.prop_names
            for k, v in d.items():
                (parts.props if k in props else parts.attrs)[k] = v

    def print(self, op, p):
        d = {}
        defs = op.opdef.props
        for k, v in op.properties.items():
            if k in self.elided or k in ("operandSegmentSizes", "resultSegmentSizes"):
                continue
            f = defs.get(k)
            if f is not None and f.constraint.is_default(v):
                continue
            d[k] = v
        d.update((k, v) for k, v in op.attributes.items() if k not in self.elided)
        if d:
            if self.with_keyword:
                p.literal("attributes")
            p.element(print_attr_dict(d))

    def present(self, op):
        return bool(op.attributes)


class Custom:
    nslots = 1

    def __init__(self, directive, args):
        self.directive = directive
        self.args = args

    def grammar(self, g):
        g.add_rules(self.directive.rules)
        return self.directive.rule

    def build(self, it, parts):
        self.directive.build(next(it), parts, self.args)

    def print(self, op, p):
        self.directive.print(op, p, self.args)

    def present(self, op):
        pr = self.directive.present
        return pr(op, self.args) if pr is not None else True


class Optional:
    def __init__(self, elements, anchor):
        self.elements = elements
        self.anchor = anchor
        self.nslots = sum(e.nslots for e in elements)

    def grammar(self, g):
        inner = " ".join(x for x in (e.grammar(g) for e in self.elements) if x)
        return f"[{inner}]"

    def build(self, it, parts):
        vals = [next(it) for _ in range(self.nslots)]
        if any(v is not None for v in vals):
            sub = iter(vals)
            for e in self.elements:
                e.build(sub, parts)

    def print(self, op, p):
        if self.anchor.present(op):
            for e in self.elements:
                e.print(op, p)

    def present(self, op):
        return self.anchor.present(op)


# -- compiling a format string ---------------------------------------------------------------

_TOK = re.compile(r"\s*(`[^`]*`|\$[A-Za-z_]\w*\^?|custom<\w+>\(|functional-type\(|type\(|"
                  r"attr-dict-with-keyword|attr-dict|operands|results|regions|successors|"
                  r"\)\?|\(|\)|\^|,)")


class CompiledFormat:
    def __init__(self, opdef, elements):
        self.opdef = opdef
        self.elements = elements

    def rule(self, g, rule_name, opname_terminal):
        body = " ".join(x for x in (e.grammar(g) for e in self.elements) if x)
        return f"{rule_name}: {opname_terminal} {body}"

    def build(self, children, parts):
        it = iter(children)
        for e in self.elements:
            if e.nslots:
                e.build(it, parts)
            else:
                e.build(None, parts)

    def print(self, op, p):
        for e in self.elements:
            e.print(op, p)


def compile_format(opdef, text):
    toks = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOK.match(text, pos)
        if m is None:
            raise IRError(f"bad assembly format for {opdef.name} at: {text[pos:]!r}")
        toks.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    fields = {}
    for group in (opdef.operands, opdef.results, opdef.regions, opdef.successors):
        for f in group:
            fields[f.name] = f
    fields.update(opdef.props)
    used_props = set()

    def var(name):
        f = fields.get(name)
        if f is None:
            raise IRError(f"assembly format of {opdef.name} names unknown '${name}'")
        from .opdef import operand, prop, region, successor
        if isinstance(f, operand):
            return OperandVar(f)
        if isinstance(f, prop):
            used_props.add(name)
            from .constraints import Unit
            return UnitVar(f) if isinstance(f.constraint, Unit) else PropVar(f)
        if isinstance(f, region):
            return RegionVar(f)
        if isinstance(f, successor):
            return SuccessorVar(f)
        raise IRError(f"'${name}' cannot stand alone in the assembly format of {opdef.name}")

    def args_until_close(i):
        args = []
        while toks[i] != ")":
            if toks[i] != ",":
                args.append(toks[i])
            i += 1
        return args, i + 1

    def parse_seq(i, closing):
        elems = []
        anchor = None
        while i < len(toks):
            t = toks[i]
            if t in closing:
                return elems, anchor, i
            if t.startswith("`"):
                elems.append(Lit(t[1:-1]))
                i += 1
            elif t.startswith("$"):
                is_anchor = t.endswith("^")
                e = var(t[1:].rstrip("^"))
                elems.append(e)
                if is_anchor:
                    anchor = e
                i += 1
            elif t == "type(" or t == "functional-type(":
                args, i = args_until_close(i + 1)
                if t == "functional-type(":
                    elems.append(FuncType())
                    continue
                a = args[0]
                if a in ("operands", "results"):
                    elems.append(TypeOf(None, a == "results"))
                else:
                    f = fields[a[1:]]
                    from .opdef import result
                    elems.append(TypeOf(f, isinstance(f, result)))
            elif t.startswith("custom<"):
                name = t[7:-2]
                args, i = args_until_close(i + 1)
                if name not in CUSTOM:
                    raise IRError(f"unknown custom directive '{name}' in {opdef.name}")
                for a in args:
                    if a.startswith("$") and a[1:] in opdef.props:
                        used_props.add(a[1:])
                elems.append(Custom(CUSTOM[name], [fields.get(a[1:], a) if a.startswith("$")
                                                   else a for a in args]))
            elif t in ("attr-dict", "attr-dict-with-keyword"):
                used_props.update(getattr(opdef.cls, "attributes_printed_elsewhere", ()))
                elems.append(AttrDict(t == "attr-dict-with-keyword", used_props))
                i += 1
            elif t == "(":
                inner, anch, i = parse_seq(i + 1, (")?",))
                if anch is None:
                    raise IRError(f"optional group without anchor in {opdef.name}")
                elems.append(Optional(inner, anch))
                i += 1
            elif t == "regions":
                elems.append(RegionVar(opdef.regions[0]))
                i += 1
            elif t == "^" and elems:
                anchor = elems[-1]  # `type($x)^`, `custom<..>(..)^`
                i += 1
            else:
                raise IRError(f"unexpected '{t}' in assembly format of {opdef.name}")
        return elems, anchor, i

    elements, _, _ = parse_seq(0, ())
    return CompiledFormat(opdef, elements)


# -- building an op from parsed parts ------------------------------------------------------

class ParsedParts:
    """What a format (or the generic form) read for one op, before its operands resolve."""

    __slots__ = ("opdef", "operands", "operand_types", "result_types", "all_operand_types",
                 "all_result_types", "props", "attrs", "regions", "successors", "extra")

    def __init__(self, opdef):
        self.opdef = opdef
        self.operands = [None] * len(opdef.operands)
        self.operand_types = [None] * len(opdef.operands)
        self.result_types = [None] * len(opdef.results)
        self.all_operand_types = None
        self.all_result_types = None
        self.props = {}
        self.attrs = {}
        self.regions = [None] * len(opdef.regions)
        self.successors = [None] * len(opdef.successors)
        self.extra = None

    def type_of(self, name):
        """The parsed type(s) of operand or result `name` (a list), or None if unknown."""
        for d, types in zip(self.opdef.operands, self.operand_types):
            if d.name == name:
                return types
        for d, types in zip(self.opdef.results, self.result_types):
            if d.name == name:
                return types
        raise KeyError(name)

    def set_type(self, name, types):
        for d in self.opdef.operands:
            if d.name == name:
                self.operand_types[d.index] = list(types)
                return
        for d in self.opdef.results:
            if d.name == name:
                self.result_types[d.index] = list(types)
                return
        raise KeyError(name)


def finish_parts(parts, opname_tok):
    """Turn parts into (flat operand tokens, operand types, result types, props, attrs,
    regions, successor tokens), inferring the types the format leaves implicit."""
    d = parts.opdef
    ops = [x if x is not None else [] for x in parts.operands]
    if parts.all_operand_types is not None:
        flat = [t for x in ops for t in x]
        if len(parts.all_operand_types) != len(flat):
            raise IRError(f"'{d.name}' op {len(flat)} operands present, but expected "
                          f"{len(parts.all_operand_types)}")
        k = 0
        for i, x in enumerate(ops):
            parts.operand_types[i] = parts.all_operand_types[k:k + len(x)]
            k += len(x)
    if parts.all_result_types is not None:
        if d.has_var_results:
            parts.result_types = [parts.all_result_types] if len(d.results) == 1 else \
                _split_results(d, parts.all_result_types)
        else:
            parts.result_types = [[t] for t in parts.all_result_types]
            if len(parts.result_types) != len(d.results):
                raise IRError(f"'{d.name}' op expected {len(d.results)} result types, got "
                              f"{len(parts.all_result_types)}")
    # buildable types
    for f in d.operands:
        if parts.operand_types[f.index] is None and f.constraint.buildable is not None:
            parts.operand_types[f.index] = [f.constraint.buildable] * len(ops[f.index])
    for f in d.results:
        if parts.result_types[f.index] is None and f.constraint.buildable is not None:
            parts.result_types[f.index] = [f.constraint.buildable]
    traits = d.traits
    if SameOperandsAndResultType in traits or SameTypeOperands in traits:
        known = next((ts[0] for ts in parts.operand_types + (
            parts.result_types if SameOperandsAndResultType in traits else []) if ts), None)
        if known is not None:
            for i, x in enumerate(ops):
                if parts.operand_types[i] is None:
                    parts.operand_types[i] = [known] * len(x)
            if SameOperandsAndResultType in traits:
                for f in d.results:
                    if parts.result_types[f.index] is None:
                        parts.result_types[f.index] = [known]
    d.cls.infer_parsed_types(parts)
    for f in d.operands:
        if parts.operand_types[f.index] is None:
            if not ops[f.index]:
                parts.operand_types[f.index] = []
            else:
                raise IRError(f"'{d.name}' op: the type of operand '{f.name}' is not given")
        if len(parts.operand_types[f.index]) != len(ops[f.index]):
            raise IRError(f"'{d.name}' op {len(ops[f.index])} operands present in group "
                          f"'{f.name}', but {len(parts.operand_types[f.index])} types")
    for f in d.results:
        if parts.result_types[f.index] is None:
            if f.kind == "single":
                raise IRError(f"'{d.name}' op: the type of result '{f.name}' is not given")
            parts.result_types[f.index] = []
    if d.needs_operand_segments:
        parts.props["operandSegmentSizes"] = DenseArrayAttr(T.i32, [len(x) for x in ops])
    if d.needs_result_segments:
        parts.props["resultSegmentSizes"] = DenseArrayAttr(
            T.i32, [len(x) for x in parts.result_types])
    regions = []
    for f, r in zip(d.regions, parts.regions):
        if r is None:
            r = [] if f.kind == "variadic" else [Region()]
        regions.extend(r)
    succs = [s for x in parts.successors if x for s in x]
    return ([t for x in ops for t in x], [t for x in parts.operand_types for t in x],
            [t for x in parts.result_types for t in x], parts.props, parts.attrs, regions,
            succs)


def _split_results(d, types):
    fixed = sum(1 for f in d.results if f.kind == "single")
    nvar = len(types) - fixed
    out, k = [], 0
    for f in d.results:
        n = 1 if f.kind == "single" else nvar
        out.append(types[k:k + n])
        k += n
    return out
