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


_ID_REST = r"[A-Za-z0-9_$.\-]"
_MASTER = re.compile(r"""
 (?P<ws>(?:\s+|//[^\n]*)+)
|(?P<VALUE_ID>%(?:[A-Za-z0-9_$.\-]+)(?:\#[0-9]+)?)
|(?P<BLOCK_ID>\^[A-Za-z0-9_$.\-]+)
|(?P<SYMBOL>@(?:[A-Za-z_$.][A-Za-z0-9_$.\-]*|"(?:[^"\\\n]|\\.)*"))
|(?P<HASH>\#[A-Za-z_][A-Za-z0-9_$.]*)
|(?P<BANG>![A-Za-z_][A-Za-z0-9_$.]*)
|(?P<STRING>"(?:[^"\\\n]|\\.)*")
|(?P<FLOAT>[-+]?[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?)
|(?P<HEX>0x[0-9A-Fa-f]+)
|(?P<INT>-?[0-9]+)
|(?P<ID>[A-Za-z_][A-Za-z0-9_$.]*)
|(?P<PUNCT>->|::|\.\.\.|[(){}\[\]<>,:=*?+\-|])
""", re.VERBOSE)

_DIMS = re.compile(r"(?:(?:[0-9]+|\?|\[[0-9]+\])x)+|\*x")
_INT_TYPE = re.compile(r"[su]?i[1-9][0-9]*\Z")
SHAPED_KEYWORDS = frozenset(("tensor", "memref", "vector"))


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


def _scan_balanced(text, pos):
    """End offset of a `<...>` body starting at `pos` (on the `<`), for dialect types and
    attributes, whose contents belong to their dialect and are kept as text."""
    n = len(text)
    closing = {"<": ">", "(": ")", "[": "]", "{": "}"}
    stack = []
    i = pos
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in closing:
            stack.append(closing[c])
        elif c == "-" and i + 1 < n and text[i + 1] == ">":
            i += 1
        elif c in ">)]}":
            if not stack or stack[-1] != c:
                return -1
            stack.pop()
            if not stack:
                return i + 1
        i += 1
    return -1


def tokenize(source, keywords, punct):
    """Yield tokens of `source`; `keywords` maps bare words and `punct` punctuation to the
    grammar's terminal names."""
    text = source.text
    match = _MASTER.match
    n = len(text)
    pos = 0
    prev_shaped = False
    kw_get = keywords.get
    out = []
    append = out.append
    while pos < n:
        m = match(text, pos)
        if m is None:
            raise lex_error(source, pos, f"unexpected character '{text[pos]}'")
        kind = m.lastgroup
        end = m.end()
        if kind == "ws":
            pos = end
            continue
        value = m.group()
        if kind == "ID":
            t = kw_get(value)
            if t is None:
                t = "INT_TYPE" if _INT_TYPE.match(value) else "BARE_ID"
            append(Token(t, value, pos))
            prev_shaped = value in SHAPED_KEYWORDS
            pos = end
            continue
        if kind == "PUNCT":
            append(Token(punct[value], value, pos))
            pos = end
            if prev_shaped and value == "<":
                d = _DIMS.match(text, pos)
                if d is not None:
                    append(Token("UNRANKED" if d.group() == "*x" else "DIMS", d.group(), pos))
                    pos = d.end()
            prev_shaped = False
            continue
        prev_shaped = False
        if kind == "HASH" or kind == "BANG":
            if end < n and text[end] == "<":
                close = _scan_balanced(text, end)
                if close < 0:
                    raise lex_error(source, end, "unbalanced '<' in dialect "
                                    + ("attribute" if kind == "HASH" else "type"))
                value = text[pos:close]
                end = close
                kind = "DIALECT_ATTR" if kind == "HASH" else "DIALECT_TYPE"
            elif "." in value:
                kind = "DIALECT_ATTR" if kind == "HASH" else "DIALECT_TYPE"
            else:
                kind = "HASH_ID" if kind == "HASH" else "BANG_ID"
        append(Token(kind, value, pos))
        pos = end
    return out


def lex_error(source, pos, message):
    from .diagnostics import Diagnostic
    return Diagnostic.at(source, pos, message)


__all__ = ["Token", "Source", "tokenize", "IRError"]
