"""A one-regex tokenizer for MLIR's textual format, feeding the lark LALR tables.

lark's own lexer is generic and builds heavy token objects; MLIR's lexical rules are few and
fixed, so one master regex and a slotted token class lex several times faster. The token
types are the terminal names of the lark grammar (`grammar.py`).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .core import IRError


class Token:
    __slots__ = ("type", "value", "start_pos")
    line = column = end_line = end_column = end_pos = None

    def __init__(self, type, value, pos):
        self.type = type
        self.value = value
        self.start_pos = pos

    def __repr__(self):
        return f"Token({self.type}, {self.value!r})"


def _balanced(depth):
    """A regex for a `<...>` body nesting up to `depth` levels (`->` does not close it)."""
    inner = r'(?:->|"(?:[^"\\\n]|\\.)*"|[^<>"])*'
    for _ in range(depth):
        inner = r'(?:->|"(?:[^"\\\n]|\\.)*"|[^<>"]|<' + inner + '>)*'
    return "<" + inner + ">"


_SIMPLE_ELT = r"(?:[su]?i[1-9][0-9]*|f16|bf16|f32|f64|index)"
# Tokens are found by one `finditer` over the text. Frequent multi-token spellings that carry no
# SSA names -- simple shaped types and file locations -- are single tokens whose value is
# parsed once per distinct spelling; everything else is MLIR's ordinary lexical grammar.
_MASTER = re.compile(r"""
 (?P<ws>\s+|//[^\n]*)
|(?P<VALUE_ID>%[A-Za-z0-9_$.\-]+(?:\#[0-9]+)?)
|(?P<TYPE_LIT>(?:tensor|memref|vector)<(?:(?:[0-9]+|\?)x)*""" + _SIMPLE_ELT + r""">)
|(?P<LOC_LIT>loc\("(?:[^"\\\n]|\\.)*":[0-9]+:[0-9]+\))
|(?P<SHAPED>(?:tensor|memref|vector)<(?:(?:(?:[0-9]+|\?|\[[0-9]+\])x)+|\*x)?)
|(?P<BLOCK_ID>\^[A-Za-z0-9_$.\-]+)
|(?P<SYMBOL>@(?:[A-Za-z_$.][A-Za-z0-9_$.\-]*|"(?:[^"\\\n]|\\.)*"))
|(?P<DIALECT_ATTR>\#[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z0-9_$.]*(?:""" + _balanced(6) + r""")?|\#[A-Za-z_][A-Za-z0-9_$.]*""" + _balanced(6) + r""")
|(?P<HASH_ID>\#[A-Za-z_][A-Za-z0-9_$.]*)
|(?P<DIALECT_TYPE>![A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z0-9_$.]*(?:""" + _balanced(6) + r""")?|![A-Za-z_][A-Za-z0-9_$.]*""" + _balanced(6) + r""")
|(?P<BANG_ID>![A-Za-z_][A-Za-z0-9_$.]*)
|(?P<STRING>"(?:[^"\\\n]|\\.)*")
|(?P<FLOAT>[-+]?[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?)
|(?P<HEX>0x[0-9A-Fa-f]+)
|(?P<INT>-?[0-9]+)
|(?P<ID>[A-Za-z_][A-Za-z0-9_$.]*)
|(?P<PUNCT>->|::|\.\.\.|[(){}\[\]<>,:=*?+\-|])
|(?P<bad>.)
""", re.VERBOSE | re.DOTALL)

_INT_TYPE = re.compile(r"[su]?i[1-9][0-9]*\Z")


class Source:
    """Text of one buffer and the line table used to turn offsets into line:column."""

    __slots__ = ("name", "text", "_line_starts", "line_offset")

    def __init__(self, name, text, line_offset=0):
        self.name = name
        self.text = text
        self._line_starts = None
        self.line_offset = line_offset  # lines before this buffer (--split-input-file)

    def line_col(self, pos):
        ls = self._line_starts
        if ls is None:
            ls = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                ls.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = ls
        line = bisect_right(ls, pos) - 1
        return line + 1 + self.line_offset, pos - ls[line] + 1

    def line_text(self, line):
        lines = self.text.split("\n")
        i = line - 1 - self.line_offset
        return lines[i] if 0 <= i < len(lines) else ""


def tokenize(source, keywords, punct):
    """The tokens of `source`; `keywords` maps bare words and `punct` punctuation to the
    grammar's terminal names."""
    out = []
    append = out.append
    kw_get = keywords.get
    int_type = _INT_TYPE.match
    lt = punct["<"]
    for m in _MASTER.finditer(source.text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        value = m.group()
        pos = m.start()
        if kind == "ID":
            t = kw_get(value)
            if t is None:
                t = "INT_TYPE" if int_type(value) else "BARE_ID"
            append(Token(t, value, pos))
        elif kind == "PUNCT":
            append(Token(punct[value], value, pos))
        elif kind == "SHAPED":
            i = value.index("<")
            append(Token(keywords[value[:i]], value[:i], pos))
            append(Token(lt, "<", pos + i))
            dims = value[i + 1:]
            if dims:
                append(Token("UNRANKED" if dims == "*x" else "DIMS", dims, pos + i + 1))
        elif kind == "bad":
            c = value
            if c in "#!":
                raise lex_error(source, pos, f"unbalanced '<' or bad name after '{c}'")
            if c == '"':
                raise lex_error(source, pos, "expected '\"' in string literal")
            raise lex_error(source, pos, f"unexpected character '{c}'"
                            if c.isprintable() else f"unexpected character (code {ord(c)})")
        else:
            append(Token(kind, value, pos))
    return out


def unquote(s):
    """The value of an MLIR string literal (with its quotes)."""
    body = s[1:-1]
    if "\\" not in body:
        return body
    out = bytearray()
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n:
            nx = body[i + 1]
            if nx in "nt\"\\":
                out += {"n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\"}[nx]
                i += 2
                continue
            out.append(int(body[i + 1:i + 3], 16))
            i += 3
            continue
        out += c.encode("utf-8")
        i += 1
    return out.decode("utf-8", errors="replace")


def symbol_name(tok_value):
    v = tok_value[1:]
    return unquote(v) if v.startswith('"') else v


def lex_error(source, pos, message):
    from .diagnostics import Diagnostic
    return Diagnostic.at(source, pos, message)


__all__ = ["Token", "Source", "tokenize", "IRError"]
