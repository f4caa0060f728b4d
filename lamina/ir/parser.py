"""Parsing MLIR's textual format: the lark LALR tables of `grammar.py`, driven by our own
loop over `lexer.tokenize`'s tokens, with callbacks that build IR objects directly (no parse
tree). SSA names resolve in a second, top-down pass, because LALR reduces an op's regions
before the op itself (and so before the op names the entry block's arguments).
"""

from __future__ import annotations

import re

import lark
from lark.exceptions import GrammarError
from lark.parsers.lalr_analysis import Shift

from . import registry
from . import types as T
from .affine import (AffineBinary, AffineConst, AffineDim, AffineMap, AffineMapAttr,
                     AffineSymbol)
from .attributes import (ArrayAttr, CallSiteLoc, DenseArrayAttr, DenseElementsAttr,
                         DictionaryAttr, FileLineColLoc, FloatAttr, FusedLoc, IntegerAttr,
                         NameLoc, OpaqueAttr, StridedLayoutAttr, StringAttr,
                         SymbolRefAttr, TypeAttr, UNKNOWN_LOC, UnitAttr, from_float_bits)
from .core import Block, IRError, Operation, OpResult, Region, Use, gc_paused
from .opdef import IsolatedFromAbove
from .diagnostics import Diagnostic
from .format import ParsedParts, finish_parts
from .grammar import FLOAT_TYPES, GrammarBuilder
from .lexer import Source, Token, symbol_name, tokenize, unquote

_KEYWORD = re.compile(r'"([A-Za-z_][A-Za-z0-9_.$]*)"')


# -- the tables ------------------------------------------------------------------------------

class _Tables:
    """The LALR tables and terminal names for the op set registered at build time.

    lark analyses the grammar (a second or more for hundreds of ops); what the parser needs
    from that analysis -- the action table, each rule's shape and the terminal names -- is
    plain data, cached on disk under the grammar's hash and loaded with `marshal`, so a new
    process starts parsing in milliseconds."""

    def __init__(self):
        g = GrammarBuilder()
        op_terminals = {}
        self.op_rule_class = {}
        terminal_defs = []
        for i, (name, cls) in enumerate(sorted(registry.OPS.items())):
            fmt = cls.opdef.format
            if fmt is None:
                continue
            term = f"OPNAME_{i}"
            rule = f"op_{i}"
            for spelled in (name,) + cls.opdef.aliases:
                op_terminals[spelled] = term
            terminal_defs.append(f'{term}: "{name}"')
            g.op_rules.append(rule)
            g.extra_rules.append(fmt.rule(g, rule, term))
            self.op_rule_class[rule] = cls
        base = g.text(())
        words = set(_KEYWORD.findall(base)) - set(FLOAT_TYPES)
        text = g.text(words) + "\n" + "\n".join(terminal_defs)
        data = _load_or_analyse(text, op_terminals)
        self.keywords = data["keywords"]
        # a word that is both an op alias and a keyword of some syntax (`constant`: func.constant
        # and memref.global's flag) lexes as the op; the parser falls back to the keyword
        self.shadowed_keywords = data["shadowed"]
        self.punct = data["punct"]
        self.names = dict(data["names"], OPNAME="an operation name")
        self.start_state = data["start"]
        # `OPNAME` stands for every op-name terminal in rows where they all act alike
        self.op_class = {t: "OPNAME" for t in set(op_terminals.values())}
        callbacks = _callback_class(self.op_rule_class)()
        self.rules = [(spec[0], spec[1], _rule_callback(spec, callbacks))
                      for spec in data["rules"]]
        # rows: terminal or nonterminal -> int; >= 0 shift/goto to that state, < 0 reduce by
        # rule ~n
        self.states = data["states"]


def _load_or_analyse(text, op_terminals):
    """The parser data for grammar `text`: from the disk cache, or from lark's analysis
    (then cached: written to a private file and renamed into place, so that concurrent
    processes never read a partial file; an unreadable entry is rebuilt)."""
    import hashlib
    import marshal
    import os
    from .cachedir import cache_dir
    d = cache_dir("grammar")
    key = hashlib.sha256((text + lark.__version__ + "/3").encode()).hexdigest()[:32]
    path = os.path.join(d, f"{key}.tables") if d is not None else None
    if path is not None:
        try:
            with open(path, "rb") as f:
                return marshal.load(f)
        except (OSError, EOFError, ValueError, TypeError):
            pass
    data = _analyse(text, op_terminals)
    if path is not None:
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as f:
                marshal.dump(data, f)
            os.replace(tmp, path)
        except OSError:
            pass
    return data


def _analyse(text, op_terminals):
    parser = lark.Lark(text, parser="lalr", lexer=_NoLexer, maybe_placeholders=True,
                       start="start")
    keywords = dict(op_terminals)
    shadowed, punct, names = {}, {}, {}
    for t in parser.terminals:
        pat = t.pattern
        if type(pat).__name__ == "PatternStr":
            v, tname = str(pat.value), str(t.name)
            names[tname] = f"'{v}'"
            if _KEYWORD.fullmatch(f'"{v}"'):
                keywords.setdefault(v, tname)
                if keywords[v] != tname:
                    shadowed[v] = tname
            else:
                punct[v] = tname
    for ft in FLOAT_TYPES:
        keywords[ft] = "FLOAT_TYPE"
    for spelled, term in op_terminals.items():
        names[term] = f"'{spelled}'"
    # punctuation no rule uses still lexes, to its own name, so it is reported as unexpected
    for p in ("->", "::", "...", "(", ")", "{", "}", "[", "]", "<", ">", ",", ":", "=", "*",
              "?", "+", "-", "|"):
        punct.setdefault(p, "PUNCT_" + p)
    table = parser.parser.parser.parser.parse_table
    rule_index = {}
    rules = []
    states = {}
    op_terms = set(op_terminals.values())
    for state, actions in table.states.items():
        row = {}
        for tok, (action, arg) in actions.items():
            if action is Shift:
                row[str(tok)] = arg
            else:
                i = rule_index.get(arg)
                if i is None:
                    i = rule_index[arg] = len(rules)
                    rules.append(_rule_spec(arg))
                row[str(tok)] = ~i
        # after a complete op every op name reduces alike: one entry stands for them all
        ops = {t: a for t, a in row.items() if t in op_terms}
        if len(ops) > 1 and len(set(ops.values())) == 1:
            for t in ops:
                del row[t]
            row["OPNAME"] = next(iter(ops.values()))
        states[state] = row
    return {"keywords": keywords, "shadowed": shadowed, "punct": punct, "names": names,
            "start": table.start_states["start"], "states": states, "rules": rules}


def _rule_spec(rule):
    """(size, origin, children expression, callback name, inline, expand1): what lark's
    parse-tree builder would do on reducing `rule` (filter anonymous tokens, placeholders for
    absent optionals, splice inlined `_rules`, expand single-child `?rules`), as data."""
    opts = rule.options
    exp = rule.expansion
    empty = opts.empty_indices
    if empty:
        bits = "".join(str(int(b)) for b in empty)
        nones = [len(ones) for ones in bits.split("0")]
    else:
        nones = [0] * (len(exp) + 1)
    parts = []
    pending = 0
    for i, sym in enumerate(exp):
        pending += nones[i]
        if opts.keep_all_tokens or not (sym.is_term and sym.filter_out):
            if pending:
                parts.append(f"[None] * {pending}")
                pending = 0
            if not sym.is_term and sym.name.startswith("_"):
                parts.append(f"s[{i}]")
            else:
                parts.append(f"[s[{i}]]")
    pending += nones[len(exp)]
    if pending:
        parts.append(f"[None] * {pending}")
    body = " + ".join(parts) if parts else "[]"
    name = str(rule.alias or opts.template_source or rule.origin.name)
    origin = str(rule.origin.name)
    return (len(exp), origin, body, name, origin.startswith("_"),
            bool(opts.expand1 and not rule.alias))


_MAKERS = {}


def _extend(lst, more):
    lst.extend(more)
    return lst


def _rule_callback(spec, transformer):
    """One small generated function per rule shape, with inlined rules producing plain lists
    rather than Tree objects: this is most of the parser's run time. A repetition (`x*`) is a
    left-recursive inlined rule; it extends its list in place, so long lists stay linear."""
    _, _, body, name, inline, expand1 = spec
    user = None if inline else getattr(transformer, name, None)
    if user is None and expand1:
        user = list  # a `?rule` whose alternatives each keep one child
    elif user is None and not inline:
        raise GrammarError(f"no callback for grammar rule '{name}'")
    key = (body, inline, expand1)
    make = _MAKERS.get(key)
    if make is None:
        parts = body.split(" + ")
        if inline and len(parts) > 1 and not parts[0].startswith("["):
            src = f"lambda s: _extend({parts[0]}, {' + '.join(parts[1:])})"
        elif inline:
            src = f"lambda s: {body}"
        elif expand1:
            src = f"lambda cb: lambda s: (lambda c: c[0] if len(c) == 1 else cb(c))({body})"
        else:
            src = f"lambda cb: lambda s: cb({body})"
        make = _MAKERS[key] = eval(src, {"_extend": _extend})
    return make if inline else make(user)


class _NoLexer(lark.lexer.Lexer):
    """Tokens come from `lexer.tokenize`; lark only needs to know a lexer exists."""

    def __init__(self, conf):
        pass

    def lex(self, state, parser_state):
        raise NotImplementedError


_tables = [None, -1]


def tables():
    if _tables[1] != registry.generation[0]:
        _tables[0] = _Tables()
        _tables[1] = registry.generation[0]
    return _tables[0]


# -- the parser ------------------------------------------------------------------------------

class _Deferred:
    """A location alias used before its definition (mlir-opt prints them at the end)."""

    __slots__ = ("name", "tok")

    def __init__(self, name, tok):
        self.name = name
        self.tok = tok


class ParseState:
    """Per-parse context visible to the callbacks."""

    def __init__(self, source, allow_unregistered):
        self.source = source
        self.allow_unregistered = allow_unregistered
        self.expected = {}      # op -> operand types its syntax declared
        self.result_names = {}  # op -> [(token, count)]
        self.arg_names = {}     # block -> [token]
        self.labels = {}        # block -> token
        self.attr_aliases = {}
        self.type_aliases = {}
        self.deferred_locs = []
        self.type_cache = {}

    def loc(self, tok):
        line, col = self.source.line_col(tok.start_pos)
        return FileLineColLoc(self.source.name, line, col)

    def error(self, tok, message):
        if tok is None:
            return IRError(message)
        return Diagnostic.at(self.source, tok.start_pos, message)


_state = [None]  # the ParseState of the parse in progress (callbacks are shared objects)


def _tok_of(x):
    while isinstance(x, list) and x:
        x = x[0]
    return x if isinstance(x, Token) else None


def _callback_class(op_rules):
    """The lark Transformer whose methods build IR; one method per rule alias."""

    def S():
        return _state[0]

    def fail(tok, message):
        raise S().error(tok, message)

    class Callbacks(lark.Transformer):
        def start(self, c):
            return c

        # ---- ops
        def operation(self, c):
            results, op, loc = c
            st = S()
            if results is not None:
                total = sum(n for _, n in results)
                if total != len(op.results):
                    fail(results[0][0], f"operation defines {len(op.results)} results but was "
                                        f"provided {total} to bind")
                st.result_names[op] = results
                op.loc = st.loc(results[0][0])
            if loc is not None:
                if isinstance(loc, _Deferred):
                    st.deferred_locs.append((op, loc))
                else:
                    op.loc = loc
            return op

        def op_result_list(self, c):
            return c

        def op_result(self, c):
            tok, n = c
            return (tok, int(n.value) if n is not None else 1)

        def loc_literal(self, c):
            v = c[0].value
            colon2 = v.rindex(":")
            colon1 = v.rindex(":", 0, colon2)
            return FileLineColLoc(unquote(v[4:colon1]), int(v[colon1 + 1:colon2]),
                                  int(v[colon2 + 1:-1]))

        def generic_op(self, c):
            name_tok, operands, succs, props, regions, attrs, ftype = c
            st = S()
            name = unquote(name_tok.value)
            cls = registry.OPS.get(name)
            operands = operands or []
            if len(ftype.inputs) != len(operands):
                fail(name_tok, f"expected {len(operands)} operand types but had "
                               f"{len(ftype.inputs)}")
            props = props or {}
            attrs = attrs or {}
            if cls is None:
                if not st.allow_unregistered:
                    dialect = name.split(".", 1)[0]
                    fail(name_tok, f"operation being parsed with an unregistered dialect "
                                   f"'{dialect}'; use --allow-unregistered-dialect to accept it"
                         if dialect not in registry.DIALECTS else
                         f"unregistered operation '{name}' found in dialect ('{dialect}') that "
                         f"does not allow unknown operations")
                op = object.__new__(Operation)
                op.name = name
            else:
                op = object.__new__(cls)
                op.name = cls.opdef.name
                pn = cls.opdef.prop_names
                for k in [k for k in attrs if k in pn]:
                    props[k] = attrs.pop(k)
            _init_parsed(op, operands, list(ftype.inputs), list(ftype.results), props, attrs,
                         regions or [], [s for s, _ in succs or []], st.loc(name_tok))
            return op

        def successor_list(self, c):
            return c

        def generic_successor(self, c):
            return (c[0], c[1])

        def properties(self, c):
            return c[0]

        def region_list(self, c):
            return c

        def region_commalist(self, c):
            return c

        def region(self, c):
            entry, *blocks = c
            r = Region()
            if entry is not None:
                b = Block()
                for op in entry:
                    b.append(op)
                r.add_block(b)
            for b in blocks:
                r.add_block(b)
            return r

        def entry_ops(self, c):
            return c

        def block(self, c):
            label, args, *ops = c
            st = S()
            args = args or []
            b = Block([t for _, t in args])
            st.labels[b] = label
            st.arg_names[b] = [tok for tok, _ in args]
            for op in ops:
                b.append(op)
            return b

        def block_arg_list(self, c):
            return c

        def block_arg(self, c):
            return (c[0], c[1])

        def block_id_list(self, c):
            return c

        def present(self, c):
            return True

        def value_use(self, c):
            return c[0]

        def value_use_list(self, c):
            return c

        def typed_value_list(self, c):
            return c

        def typed_value(self, c):
            return (c[0], c[1])

        # ---- attributes
        def attr_dict(self, c):
            d = {}
            for k, v, tok in filter(None, c):  # `{}` has one None child
                if k in d:
                    fail(tok, f"duplicate key '{k}' in dictionary attribute")
                d[k] = v
            return d

        def attr_entry(self, c):
            k, v = c
            key = unquote(k.value) if k.type == "STRING" else k.value
            return (key, UnitAttr() if v is None else v, k)

        def bare_id(self, c):
            return c[0]

        def int_attr(self, c):
            tok, t = c
            if t is None:
                return IntegerAttr(int(tok.value), T.i64)
            if t.__class__ is T.FloatType:
                return FloatAttr(float(tok.value), t)
            return IntegerAttr(int(tok.value), t)

        def hex_attr(self, c):
            tok, t = c
            v = int(tok.value, 16)
            if t is not None and t.__class__ is T.FloatType:
                return FloatAttr(from_float_bits(v, t), t)
            return IntegerAttr(v, t if t is not None else T.i64)

        def float_attr(self, c):
            tok, t = c
            if t is not None and t.__class__ is not T.FloatType:
                fail(tok, f"floating point value not valid for specified type '{t}'")
            return FloatAttr(float(tok.value), t if t is not None else T.f64)

        def true_attr(self, c):
            return IntegerAttr(1, T.i1)

        def false_attr(self, c):
            return IntegerAttr(0, T.i1)

        def string_attr(self, c):
            return StringAttr(unquote(c[0].value))

        def array_attr(self, c):
            return ArrayAttr([] if c == [None] else c)

        def dict_attr(self, c):
            return DictionaryAttr(c[0])

        def type_attr(self, c):
            return TypeAttr(c[0])

        def symbol_ref(self, c):
            names = [symbol_name(t.value) for t in c]
            return SymbolRefAttr(names[0], names[1:])

        def unit_attr(self, c):
            return UnitAttr()

        def dense_attr(self, c):
            value, t = c
            if not isinstance(t, (T.RankedTensorType, T.VectorType)):
                fail(None, f"dense elements attribute expects a ranked tensor or vector type, "
                           f"got '{t}'")
            return _dense(value, t)

        def dense_value(self, c):
            v = c[0]
            if isinstance(v, Token) and v.type == "STRING":
                return ("hex", unquote(v.value))
            return v

        def dense_list(self, c):
            return [] if c == [None] else c

        def dense_complex(self, c):
            return complex(_num(c[0]), _num(c[1]))

        def dense_array_attr(self, c):
            t, vals = c
            vals = vals or []
            if t.__class__ is T.FloatType:
                return DenseArrayAttr(t, [FloatAttr(_num(v), t).value for v in vals])
            return DenseArrayAttr(t, [int(_num(v)) for v in vals])

        def array_values(self, c):
            return c

        def int_list(self, c):
            return [] if c == [None] else [int(t.value) for t in c]

        def enum_body(self, c):
            return [] if c == [None] else [t.value for t in c]

        def affine_map_attr(self, c):
            return AffineMapAttr(c[0])

        def strided_attr(self, c):
            *strides, offset = c
            if strides == [None]:
                strides = []
            return StridedLayoutAttr([_dim(s) for s in strides],
                                     0 if offset is None else _dim(offset))

        def dynamic_dim(self, c):
            return T.DYNAMIC

        def dialect_attr(self, c):
            tok = c[0]
            text = tok.value[1:]
            lt = text.find("<")
            name, body = (text, "") if lt < 0 else (text[:lt], text[lt:])
            cls = registry.DIALECT_ATTRS.get(name)
            if cls is None:
                dialect = name.split(".", 1)[0]
                if not S().allow_unregistered or dialect in registry.DIALECTS:
                    fail(tok, f"unknown attribute '#{name}'" if dialect in registry.DIALECTS
                         else f"dialect '{dialect}' is unknown; use --allow-unregistered-dialect")
                return OpaqueAttr(dialect, text[len(dialect) + 1:])
            try:
                return cls.parse_body(body)
            except IRError as e:
                fail(tok, e.message)

        def attr_alias(self, c):
            tok = c[0]
            a = S().attr_aliases.get(tok.value)
            if a is None:
                fail(tok, f"undefined symbol alias id '{tok.value[1:]}'")
            return a

        def loc_attr(self, c):
            return c[0]

        def attr_alias_def(self, c):
            tok, a = c
            st = S()
            if tok.value in st.attr_aliases:
                fail(tok, f"redefinition of attribute alias id '{tok.value[1:]}'")
            st.attr_aliases[tok.value] = a
            return None

        def type_alias_def(self, c):
            tok, t = c
            st = S()
            if tok.value in st.type_aliases:
                fail(tok, f"redefinition of type alias id '{tok.value[1:]}'")
            st.type_aliases[tok.value] = t
            return None

        # ---- affine
        def affine_map(self, c):
            return _affine_map(c)

        def affine_dims(self, c):
            return [] if c == [None] else c

        def affine_syms(self, c):
            return [] if c == [None] else c

        def affine_id(self, c):
            return ("id", c[0])

        def affine_const(self, c):
            return AffineConst(int(c[0].value))

        def affine_add(self, c):
            return ("bin", "+", c[0], c[1])

        def affine_sub(self, c):
            return ("bin", "-", c[0], c[1])

        def affine_mul(self, c):
            return ("bin", "*", c[0], c[1])

        def affine_floordiv(self, c):
            return ("bin", "floordiv", c[0], c[1])

        def affine_ceildiv(self, c):
            return ("bin", "ceildiv", c[0], c[1])

        def affine_mod(self, c):
            return ("bin", "mod", c[0], c[1])

        def affine_neg(self, c):
            return ("neg", c[0])

        # ---- locations
        def loc_unknown(self, c):
            return UNKNOWN_LOC

        def loc_file(self, c):
            return FileLineColLoc(unquote(c[0].value), int(c[1].value), int(c[2].value))

        def loc_name(self, c):
            return NameLoc(unquote(c[0].value), c[1])

        def loc_fused(self, c):
            md, *locs = c
            return FusedLoc([l for l in locs if l is not None], md)

        def loc_callsite(self, c):
            return CallSiteLoc(c[0], c[1])

        def loc_alias(self, c):
            tok = c[0]
            a = S().attr_aliases.get(tok.value)
            return a if a is not None else _Deferred(tok.value, tok)

        # ---- types
        def function_type(self, c):
            ins, outs = c
            # `-> ()` reaches here as None: the `?result_types` rule inlines its empty list
            return T.FunctionType(ins or [], outs if isinstance(outs, list) else
                                  [] if outs is None else [outs])

        def type_literal(self, c):
            v = c[0].value
            cache = S().type_cache
            t = cache.get(v)
            if t is None:
                t = cache[v] = _simple_shaped_type(v)
            return t

        def single_result(self, c):
            return [c[0]]

        def result_types(self, c):
            return c[0] or []

        def type_list(self, c):
            return c

        def int_type(self, c):
            v = c[0].value
            if v[0] == "i":
                return T.IntegerType(int(v[1:]))
            return T.IntegerType(int(v[2:]), v[0])

        def index_type(self, c):
            return T.index

        def float_type(self, c):
            return T.FloatType(c[0].value)

        def none_type(self, c):
            return T.none

        def tensor_type(self, c):
            dims, et, enc = c
            return T.RankedTensorType(_shape(dims), et, enc)

        def unranked_tensor_type(self, c):
            return T.UnrankedTensorType(c[1])

        def memref_type(self, c):
            dims, et, a1, a2 = c
            layout, space = None, None
            if a2 is not None:
                layout, space = a1, a2
            elif a1 is not None:
                if isinstance(a1, (StridedLayoutAttr, AffineMapAttr)) or \
                        a1.__class__.__name__ in ("OpaqueAttr",) and "map" in str(a1):
                    layout = a1
                else:
                    space = a1
            if isinstance(layout, AffineMapAttr) and layout.value.is_identity:
                layout = None
            return T.MemRefType(_shape(dims), et, layout, space)

        def unranked_memref_type(self, c):
            return T.UnrankedMemRefType(c[1], c[2])

        def vector_type(self, c):
            dims, et = c
            shape, scalable = [], []
            if dims is not None:
                for d in dims.value.split("x")[:-1]:
                    scalable.append(d.startswith("["))
                    shape.append(int(d.strip("[]")))
            return T.VectorType(shape, et, scalable)

        def complex_type(self, c):
            return T.ComplexType(c[0])

        def tuple_type(self, c):
            return T.TupleType(c[0] or [])

        def dialect_type(self, c):
            tok = c[0]
            st = S()
            t = st.type_cache.get(tok.value)
            if t is not None:
                return t
            text = tok.value[1:]
            lt = text.find("<")
            name, body = (text, "") if lt < 0 else (text[:lt], text[lt:])
            parse = registry.DIALECT_TYPES.get(name)
            if parse is None:
                dialect = name.split(".", 1)[0]
                if not st.allow_unregistered or dialect in registry.DIALECTS:
                    fail(tok, f"unknown type '!{name}'" if dialect in registry.DIALECTS else
                         f"dialect '{dialect}' is unknown; use --allow-unregistered-dialect")
                t = T.OpaqueType(dialect, text[len(dialect) + 1:])
            else:
                try:
                    t = parse(body)
                except IRError as e:
                    fail(tok, e.message)
            st.type_cache[tok.value] = t
            return t

        def type_alias(self, c):
            tok = c[0]
            t = S().type_aliases.get(tok.value)
            if t is None:
                fail(tok, f"undefined symbol alias id '{tok.value[1:]}'")
            return t

    def make_op_callback(cls):
        fmt = cls.opdef.format

        def build(self, c):
            tok = c[0]
            parts = ParsedParts(cls.opdef)
            try:
                fmt.build(c[1:], parts)
                operands, otypes, rtypes, props, attrs, regions, succs = finish_parts(parts, tok)
            except IRError as e:
                if isinstance(e, Diagnostic):
                    raise
                fail(tok, e.message)
            op = object.__new__(cls)
            op.name = cls.opdef.name
            st = S()
            _init_parsed(op, operands, otypes, rtypes, props, attrs, regions, succs, st.loc(tok))
            if parts.extra is not None:
                for index, args in parts.extra:
                    r = op.regions[index]
                    if not r.blocks:
                        r.add_block(Block())
                    entry = r.blocks[0]
                    if entry.args:
                        fail(tok, "entry block arguments are named by the op; the region's "
                                  "entry block must not declare them again")
                    for _, t in args:
                        entry.add_argument(t)
                    st.arg_names[entry] = [a for a, _ in args]
            for f in cls.opdef.regions:
                # a region the syntax left out (scf.if's `else`) stays empty
                if f.kind != "single" or not parts.regions[f.index]:
                    continue
                if f.implicit_terminator is not None:
                    _ensure_terminator(op.regions[f.index], f.implicit_terminator)
                elif f.single_block and not op.regions[f.index].blocks:
                    # `module {}` has its one (empty) block, as ODS-generated parsers make it
                    op.regions[f.index].add_block(Block())
            return op
        return build

    for rule, cls in op_rules.items():
        setattr(Callbacks, rule, make_op_callback(cls))
    from .format import CUSTOM_CALLBACKS
    for rule, fn in CUSTOM_CALLBACKS.items():
        setattr(Callbacks, rule, staticmethod(fn))
    return Callbacks


def _ensure_terminator(region, name):
    term = registry.OPS[name]
    if not region.blocks:
        region.add_block(Block())
    for b in region.blocks:
        if b.last is None or b.last.opdef is None or \
                not any(t.name == "Terminator" for t in b.last.opdef.traits):
            b.append(term.create())


def _init_parsed(op, operand_toks, operand_types, result_types, props, attrs, regions, succs,
                 loc):
    op.operands = operand_toks
    op.operand_uses = []
    _state[0].expected[op] = operand_types
    op.results = [OpResult(t, op, i) for i, t in enumerate(result_types)]
    op.properties = props
    op.attributes = attrs
    op.regions = []
    for r in regions:
        r.parent = op
        op.regions.append(r)
    op.successors = succs
    op.parent = op.prev = op.next = None
    op.loc = loc


_DIMS_THEN_TYPE = re.compile(r"((?:(?:[0-9]+|\?)x)*)(.*)")


def _simple_shaped_type(text):
    """`tensor<4x?xf32>`, `memref<4xi8>`, `vector<8xindex>`: the lexer's TYPE_LIT spellings."""
    lt = text.index("<")
    kind = text[:lt]
    dims, et = _DIMS_THEN_TYPE.match(text, lt + 1, len(text) - 1).groups()
    if et == "index":
        elt = T.index
    elif et[0] == "i":
        elt = T.IntegerType(int(et[1:]))
    elif et[0] in "su":
        elt = T.IntegerType(int(et[2:]), et[0])
    else:
        elt = T.FloatType(et)
    shape = tuple(T.DYNAMIC if d == "?" else int(d) for d in dims.split("x")[:-1])
    if kind == "tensor":
        return T.RankedTensorType(shape, elt)
    if kind == "memref":
        return T.MemRefType(shape, elt)
    return T.VectorType(shape, elt)


def _num(tok):
    if isinstance(tok, IntegerAttr):
        return tok.value
    v = tok.value
    if tok.type == "FLOAT":
        return float(v)
    if tok.type == "HEX":
        return int(v, 16)
    return int(v)


def _dim(tok):
    return tok if isinstance(tok, int) else int(tok.value)


def _shape(dims):
    if dims is None:
        return ()
    return tuple(T.DYNAMIC if d == "?" else int(d) for d in dims.value.split("x")[:-1])


def _dense(value, t):
    et = t.element_type
    if value is None:
        if t.num_elements != 0:
            raise IRError(f"parsed zero elements, but type ('{t}') expected at least 1")
        return DenseElementsAttr(t, [])
    if isinstance(value, tuple) and value[0] == "hex":
        import numpy as np
        data = bytes.fromhex(value[1][2:])
        from .attributes import _np_dtype
        arr = np.frombuffer(data, dtype=_np_dtype(et))
        return DenseElementsAttr(t, arr.reshape(t.shape) if arr.size != 1 else arr[0])

    def conv(v):
        if isinstance(v, list):
            return [conv(x) for x in v]
        if isinstance(v, complex):
            return v
        n = _num(v)
        if et.__class__ is T.FloatType:
            if isinstance(n, int) and v.type == "HEX":
                return from_float_bits(n, et)
            return float(n)
        return int(n)
    vals = conv(value)
    import numpy as np
    arr = np.asarray(vals, dtype=object if et.__class__ is T.ComplexType else None)
    if arr.ndim and arr.shape != tuple(t.shape):
        raise IRError(f"inferred shape of elements literal ([{', '.join(map(str, arr.shape))}])"
                      f" does not match type ([{', '.join(map(str, t.shape))}])")
    return DenseElementsAttr(t, vals)


def _affine_map(c):
    dims, syms, *exprs = c
    names = {}
    for i, t in enumerate(dims or []):
        names[t.value] = AffineDim(i)
    for i, t in enumerate(syms or []):
        names[t.value] = AffineSymbol(i)

    def conv(e):
        if not isinstance(e, tuple):
            return e
        if e[0] == "id":
            x = names.get(e[1].value)
            if x is None:
                raise _state[0].error(e[1], f"use of undeclared identifier '{e[1].value}'")
            return x
        if e[0] == "neg":
            return AffineBinary("*", conv(e[1]), AffineConst(-1))
        _, kind, a, b = e
        a, b = conv(a), conv(b)
        if kind == "-":
            return AffineBinary("+", a, AffineBinary("*", b, AffineConst(-1)))
        return AffineBinary(kind, a, b)
    return AffineMap(len(dims or []), len(syms or []), [conv(e) for e in exprs if e is not None])


# -- the driver -------------------------------------------------------------------------------

def _describe(tok):
    if tok.type == "$END":
        return "end of input"
    return f"'{tok.value}'"


def _run(tab, toks, st):
    states = tab.states
    rules = tab.rules
    op_class = tab.op_class
    stack = [tab.start_state]
    values = []
    end = Token("$END", "", toks[-1].start_pos + len(toks[-1].value) if toks else 0)
    toks.append(end)
    for tok in toks:
        ttype = tok.type
        while True:
            row = states[stack[-1]]
            act = row.get(ttype)
            if act is None:
                act = row.get(op_class.get(ttype))
                if act is None and tok.value in tab.shadowed_keywords:
                    ttype = tok.type = tab.shadowed_keywords[tok.value]
                    act = row.get(ttype)
                if act is None:
                    expected = sorted({tab.names.get(k, k) for k in row if k.isupper()})
                    exp = ", ".join(expected[:8]) + (", ..." if len(expected) > 8 else "")
                    raise st.error(tok, f"unexpected {_describe(tok)}; expected {exp}")
            if act >= 0:
                stack.append(act)
                values.append(tok)
                break
            size, origin, cb = rules[~act]
            if size:
                s = values[-size:]
                del stack[-size:]
                del values[-size:]
            else:
                s = []
            value = cb(s)
            if ttype == "$END" and origin == "start":
                return value
            stack.append(states[stack[-1]][origin])
            values.append(value)
    raise st.error(end, "unexpected end of input")


def parse_source(source, allow_unregistered=False):
    """Parse a `Source` into its top-level operations (a builtin.module, usually)."""
    with gc_paused():
        return _parse_source(source, allow_unregistered)


def _parse_source(source, allow_unregistered):
    tab = tables()
    toks = tokenize(source, tab.keywords, tab.punct)
    st = ParseState(source, allow_unregistered)
    prev = _state[0]
    _state[0] = st
    try:
        try:
            items = _run(tab, toks, st)
        except lark.exceptions.VisitError as e:
            raise e.orig_exc
        items = [x for x in items if x is not None]
    finally:
        _state[0] = prev
    module = _wrap_module(items, source)
    _resolve(module, st)
    return module


def _wrap_module(items, source):
    from .builtin import ModuleOp
    if len(items) == 1 and isinstance(items[0], ModuleOp):
        return items[0]
    m = ModuleOp(loc=FileLineColLoc(source.name, 1, 1))
    body = m.body
    for op in items:
        body.append(op)
    return m


def _resolve(module, st):
    """Bind SSA uses and successor labels to definitions, scope by scope."""
    expected = st.expected
    result_names = st.result_names
    arg_names = st.arg_names
    labels_of = st.labels
    error = st.error
    for op, d in st.deferred_locs:
        a = st.attr_aliases.get(d.name)
        if a is None:
            raise error(d.tok, f"undefined symbol alias id '{d.name[1:]}'")
        op.loc = a

    def define(local, tok, values):
        name = tok.value
        if name in local:
            raise error(tok, f"redefinition of SSA value '{name}'")
        local[name] = values

    def region(r, outer):
        local = {}
        labels = {}
        for b in r.blocks:
            lt = labels_of.get(b)
            if lt is not None:
                if lt.value in labels:
                    raise error(lt, f"redefinition of block '{lt.value}'")
                labels[lt.value] = b
            names = arg_names.get(b)
            if names:
                for tok, a in zip(names, b.args):
                    define(local, tok, [a])
            op = b.first
            while op is not None:
                rn = result_names.get(op)
                if rn is not None:
                    k = 0
                    res = op.results
                    for tok, n in rn:
                        define(local, tok, res[k:k + n])
                        k += n
                op = op.next
        scopes = outer + [local]
        for b in r.blocks:
            op = b.first
            while op is not None:
                bind(op, scopes, labels)
                op = op.next

    def lookup(tok, scopes):
        name = tok.value
        idx = 0
        h = name.find("#")
        if h >= 0:
            idx = int(name[h + 1:])
            name = name[:h]
        for s in reversed(scopes):
            vals = s.get(name)
            if vals is not None:
                if idx >= len(vals):
                    raise error(tok, f"result number {idx} of '{name}' is out of range")
                return vals[idx]
        raise error(tok, f"use of undeclared SSA value name '{tok.value}'")

    def bind(op, scopes, labels):
        toks = op.operands
        if toks:
            types = expected.pop(op)
            vals = []
            uses = op.operand_uses
            for i, (tok, t) in enumerate(zip(toks, types)):
                v = lookup(tok, scopes)
                if v.type != t:
                    raise error(tok, f"use of value '{tok.value}' expects different type than "
                                     f"prior uses: '{t}' vs '{v.type}'")
                u = Use(op, i)
                v.uses.append(u)
                uses.append(u)
                vals.append(v)
            op.operands = vals
        if op.successors:
            succ = []
            for tok in op.successors:
                b = labels.get(tok.value)
                if b is None:
                    raise error(tok, "reference to an undefined block")
                succ.append(b)
            op.successors = succ
        if op.regions:
            inner = [] if op.opdef is not None and _isolated(op) else scopes
            for r in op.regions:
                region(r, inner)

    def iterative_module():
        # the top-level module body; recursion depth follows region nesting only
        for r in module.regions:
            region(r, [])

    import sys
    depth = _nesting_depth(module)
    old = sys.getrecursionlimit()
    if depth * 4 + 200 > old:
        sys.setrecursionlimit(depth * 4 + 200)
    try:
        iterative_module()
    finally:
        sys.setrecursionlimit(old)


def _isolated(op):
    return IsolatedFromAbove in op.opdef.traits


def _nesting_depth(module):
    depth = 0
    stack = [(module, 0)]
    while stack:
        op, d = stack.pop()
        if d > depth:
            depth = d
        for r in op.regions:
            for b in r.blocks:
                o = b.first
                while o is not None:
                    if o.regions:
                        stack.append((o, d + 1))
                    o = o.next
    return depth


def parse(text, name="<string>", allow_unregistered=False):
    """Parse MLIR text into a module (top-level ops are wrapped in one if needed)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return parse_source(Source(name, text), allow_unregistered)
