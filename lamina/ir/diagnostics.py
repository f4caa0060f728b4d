"""Diagnostics rendered as MLIR renders them: `FILE:LINE:COL: error: MESSAGE`, the source line,
and a caret under the column."""

from __future__ import annotations

from .attributes import FileLineColLoc, file_line_col
from .core import IRError


class Diagnostic(IRError):
    """An error with a resolved position, ready to print."""

    def __init__(self, message, loc=None, source_line=None, notes=(), severity="error"):
        super().__init__(message, loc, notes)
        self.source_line = source_line
        self.severity = severity

    @classmethod
    def at(cls, source, pos, message):
        line, col = source.line_col(pos)
        return cls(message, FileLineColLoc(source.name, line, col), source.line_text(line))

    def render(self, sources=None):
        return render(self.message, self.loc, self.severity, self.source_line, self.notes,
                      sources)

    def __str__(self):
        return self.render()


def render(message, loc, severity="error", source_line=None, notes=(), sources=None):
    """Text of a diagnostic; `sources` maps file names to `Source` objects for the caret line."""
    flc = file_line_col(loc) if loc is not None else None
    if flc is None:
        head = f"{'loc(unknown)' if loc is None else loc}: {severity}: {message}"
        lines = [head]
    else:
        lines = [f"{flc.file}:{flc.line}:{flc.col}: {severity}: {message}"]
        if source_line is None and sources is not None and flc.file in sources:
            source_line = sources[flc.file].line_text(flc.line)
        if source_line is not None:
            lines.append(source_line)
            lines.append(" " * (flc.col - 1) + "^")
    for note in notes:
        if isinstance(note, tuple):
            nloc, ntext = note
            lines.append(render(ntext, nloc, "note", sources=sources))
        else:
            lines.append(f"note: {note}")
    return "\n".join(lines)


def diagnostic_from(err, sources=None):
    """Render any IRError (or Diagnostic) with source context when we have it."""
    if isinstance(err, Diagnostic):
        return err.render(sources)
    return render(err.message, err.loc, "error", None, err.notes, sources)
