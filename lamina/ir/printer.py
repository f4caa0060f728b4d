"""Printing IR in MLIR's textual format: custom forms from the ops' assembly formats, or the
generic form for every op (`generic=True`, as `--mlir-print-op-generic`)."""

from __future__ import annotations

from .attributes import print_attr_dict
from .core import BlockArgument, gc_paused
from .opdef import IsolatedFromAbove
from .types import FunctionType


class Printer:
    def __init__(self, generic=False, debuginfo=False):
        self.generic = generic
        self.debuginfo = debuginfo
        self.out = []
        self.names = {}
        self.block_names = {}
        self.indent = ""
        self.next_value = 0
        self.next_arg = 0
        # spacing state of the assembly format printer (ODS's rules)
        self.space = True
        self.last_punct = False

    # -- names ------------------------------------------------------------------------
    # Names are given on first sight, in printing order, so no pre-pass is needed: a value
    # seen first at a use (a graph region's forward reference) keeps the name at its definition.
    def name(self, v):
        n = self.names.get(v)
        if n is None:
            if v.__class__ is BlockArgument:
                if v.block.parent is not None and v.block is v.block.parent.blocks[0]:
                    n = f"%arg{self.next_arg}"
                    self.next_arg += 1
                else:
                    n = f"%{self.next_value}"
                    self.next_value += 1
                self.names[v] = n
            else:
                self._number_results(v.owner)
                n = self.names[v]
        return n

    def block_name(self, b):
        n = self.block_names.get(b)
        if n is None:
            r = b.parent
            n = f"^bb{r.blocks.index(b) if r is not None else 0}"
            self.block_names[b] = n
        return n

    def _number_results(self, op):
        base = f"%{self.next_value}"
        self.next_value += 1
        names = self.names
        if len(op.results) == 1:
            names[op.results[0]] = base
        else:
            for i, r in enumerate(op.results):
                names[r] = f"{base}#{i}"

    # -- ops --------------------------------------------------------------------------
    def print_op(self, op, top=True):
        if top or (op.opdef is not None and IsolatedFromAbove in op.opdef.traits):
            if op.results:
                self.name(op.results[0])
            saved = (self.next_value, self.next_arg)
            self.next_value = self.next_arg = 0
            self._emit_op(op)
            self.next_value, self.next_arg = saved
        else:
            self._emit_op(op)

    def _emit_op(self, op):
        out = self.out
        out.append(self.indent)
        res = op.results
        if res:
            n = self.name(res[0])
            if len(res) == 1:
                out.append(n)
            else:
                out.append(f"{n.split('#')[0]}:{len(res)}")
            out.append(" = ")
        fmt = op.opdef.format if op.opdef is not None else None
        if fmt is None or self.generic:
            self._generic(op)
        else:
            out.append(op.name)
            self.space = True
            self.last_punct = False
            fmt.print(op, self)
        if self.debuginfo and op.loc is not None:
            out.append(f" {op.loc}")

    def _generic(self, op):
        out = self.out
        out.append(f'"{op.name}"(')
        out.append(", ".join(self.name(v) for v in op.operands))
        out.append(")")
        if op.successors:
            out.append("[" + ", ".join(self.block_name(b) for b in op.successors) + "]")
        if op.properties:
            out.append(" <" + print_attr_dict(dict(sorted(op.properties.items()))) + ">")
        if op.regions:
            out.append(" (")
            for i, r in enumerate(op.regions):
                if i:
                    out.append(", ")
                self.print_region(r, True, None)
            out.append(")")
        if op.attributes:
            out.append(" " + print_attr_dict(op.attributes))
        out.append(" : ")
        out.append(str(FunctionType([v.type for v in op.operands], [r.type for r in op.results])))

    def region(self, r, print_entry_args=True, implicit_terminator=None):
        """The region's text, for custom directives that assemble a larger piece."""
        saved = self.out
        self.out = []
        self.print_region(r, print_entry_args, implicit_terminator)
        text = "".join(self.out)
        self.out = saved
        return text

    def region_element(self, r, print_entry_args=True, implicit_terminator=None):
        """A region as the next element of an assembly format."""
        if self.space:
            self.out.append(" ")
        self.print_region(r, print_entry_args, implicit_terminator)
        self.space = True
        self.last_punct = False

    def print_region(self, r, print_entry_args=True, implicit_terminator=None):
        """Write the region straight into the output: nested regions are never joined into
        strings of their own, which would copy deep nests over and over."""
        out = self.out
        outer = self.indent
        self.indent = outer + "  "
        out.append("{\n")
        elide = implicit_terminator if not self.generic else None
        for i, b in enumerate(r.blocks):
            # the generic form keeps an empty entry block visible, as MLIR's printEmptyBlock
            header = i > 0 or (b.args and (print_entry_args or self.generic)) or \
                (self.generic and b.first is None)
            if header:
                out.append(outer)
                out.append(self.block_name(b))
                if b.args:
                    out.append("(" + ", ".join(f"{self.name(a)}: {a.type}" for a in b.args) + ")")
                out.append(":\n")
            op = b.first
            while op is not None:
                if (op is b.last and elide is not None and op.name == elide and not op.operands
                        and not op.attributes and len(r.blocks) == 1):
                    break
                self.print_op(op, top=False)
                out.append("\n")
                op = op.next
        out.append(outer + "}")
        self.indent = outer

    # -- the assembly-format printer's primitives --------------------------------------
    def literal(self, text):
        if text == "":
            self.space = False
            return
        if text == " ":
            self.out.append(" ")
            self.space = False
            return
        if self.space and _space_before(text, self.last_punct):
            self.out.append(" ")
        self.out.append(text)
        self.space = len(text) != 1 or text not in "<({["
        self.last_punct = not (text[0] == "_" or text[0].isalpha())

    def element(self, text):
        if text == "":
            return
        if self.space:
            self.out.append(" ")
        self.out.append(text)
        self.space = True
        self.last_punct = False

    def result(self):
        return "".join(self.out)


def _space_before(value, last_punct):
    if len(value) != 1 and value != "->":
        return True
    if last_punct:
        return value[0] not in ">)}],"
    return value[0] not in "<>(){}[],"


def print_op(op, generic=False, debuginfo=False):
    p = Printer(generic, debuginfo)
    with gc_paused():
        p.print_op(op)
    return p.result()
