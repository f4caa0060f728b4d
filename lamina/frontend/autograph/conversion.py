"""Converting Python functions: source, AST rewrite (transformer.py), compilation under the
user's file name, and a function that shares the original's globals and closure cells.

The source comes from the code object itself: its file's lines from `linecache` (files, and
what notebooks and IPython register), else the command line of `python -c`, else (a function
typed at Python's own prompt) the prompt's readline history. A `def` starts at the code's first
line and ends after the last line its code spans; a lambda is the one among the lambdas of its
line (in the parse of its whole file) whose body spans all of its code's instructions (their
columns tell lambdas on one line apart); one typed at the prompt must also compile to the same
instructions (an older line of the history may have the same shape). `inspect.findsource`
would find the module of every function by walking `sys.modules`, the most of converting a
small function in a fresh process.

The generated function is compiled inside a factory whose parameters are `ag__` and the
original's free variables, so the code object's free variables can be bound to the original
closure cells themselves (later assignments to them are seen, as by the original).
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import os
import re
import sys
import sysconfig
import types
import warnings
import weakref

from .transformer import AG, ConversionError, convert, convert_lambda

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_LIBRARY_DIRS = tuple(sorted({os.path.abspath(p) + os.sep for k, p in
                              sysconfig.get_paths().items()
                              if k in ("stdlib", "platstdlib", "purelib", "platlib")}))

_by_code = {}                                   # code object -> [generated code, source]
_generated = set()                              # the code objects of generated code
_by_function = weakref.WeakKeyDictionary()      # function -> its converted function
_unconvertible = weakref.WeakSet()              # functions that run as written


class _NoSource(Exception):
    pass


def do_not_convert(func=None):
    """Mark `func` to run as written inside converted code (usable as a decorator)."""
    if func is None:
        return do_not_convert
    func.__ag_do_not_convert__ = True
    return func


def _file_lines(f):
    """The lines of the file `f` was defined in, as `linecache` has them (files, zip imports,
    notebook cells), or `python -c`'s command line; [] where there are none."""
    filename = f.__code__.co_filename
    linecache.checkcache(filename)
    lines = linecache.getlines(filename, f.__globals__)
    if not lines and filename == "<string>" and "-c" in sys.orig_argv[1:]:
        text = sys.orig_argv[sys.orig_argv.index("-c", 1) + 1]
        linecache.cache["<string>"] = (len(text), None, text.splitlines(True), "<string>")
        lines = linecache.cache["<string>"][2]
    return lines


def _last_line(code):
    """The last line any instruction of `code` (or of the code nested in it) spans."""
    last = max((end or line for line, end, _, _ in code.co_positions() if line), default=0)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            last = max(last, _last_line(c))
    return last


def _indent(line):
    return len(line.expandtabs()) - len(line.expandtabs().lstrip())


def _block(lines, code):
    """The lines of the definition starting at `lines[0]` (its decorators, `def`, body): to
    the last line its code spans, and the more indented lines after it. Its code reaches its
    last statement, and any later line indented as deep as the `def` ends it (read from the
    code object: `inspect.getblock` tokenizes, which costs more than the rest of converting a
    small function)."""
    depth = _indent(lines[0])
    k = max(_last_line(code) - code.co_firstlineno + 1, 1)
    while k < len(lines) and (not lines[k].strip() or lines[k].lstrip().startswith("#")
                              or _indent(lines[k]) > depth):
        k += 1
    while k > 1 and (not lines[k - 1].strip() or lines[k - 1].lstrip().startswith("#")):
        k -= 1
    return lines[:k]


_DEF_LINE = re.compile(r"\s*(@|def\s|async\s+def\s)")


def _definitions(f):
    """Candidate (lines, first line number) of function `f`'s definition (of itself: not what
    a decorator's `__wrapped__` points to), the cheapest first."""
    code = f.__code__
    lines = _file_lines(f)
    start = code.co_firstlineno - 1
    if 0 <= start < len(lines) and _DEF_LINE.match(lines[start]):
        block = _block(lines[start:], code)
        yield block, start + 1
        slow = inspect.getblock(lines[start:])
        if slow != block:
            yield slow, start + 1
    elif code.co_filename == "<stdin>":
        found = _typed_lines(code)
        if found is not None:
            yield found


def _history():
    """The lines typed at Python's interactive prompt (its readline history), or []."""
    try:
        import readline
    except ImportError:
        return []
    return [readline.get_history_item(i) or ""
            for i in range(1, readline.get_current_history_length() + 1)]


def _typed_lines(code):
    """(lines, first line number) of a function typed into Python's interactive prompt: its
    latest definition in the prompt's (readline) history."""
    history = _history()
    pattern = re.compile(rf"\s*(async\s+)?def\s+{re.escape(code.co_name)}\s*\(")
    for k in range(len(history) - 1, -1, -1):
        if pattern.match(history[k]):
            decorators = 0
            while k - decorators > 0 and history[k - decorators - 1].lstrip().startswith("@"):
                decorators += 1
            lines = inspect.getblock([line + "\n" for line in history[k:]])
            return lines, code.co_firstlineno + decorators
    return None


def _parse_lines(lines, first):
    """The first statement of `lines` (which start at line `first` of their file), located
    in the file; None if they do not parse on their own. An indented definition is parsed
    inside an `if`, which keeps its columns (dedenting would not: a string literal's lines
    may be less indented than its function)."""
    text = "".join(lines)
    indented = lines[0][:1].isspace()
    try:
        tree = ast.parse("if 1:\n" + text if indented else text)
    except SyntaxError:
        return None
    ast.increment_lineno(tree, first - 1 - indented)
    return tree.body[0].body[0] if indented else tree.body[0]


def _parse_def(f):
    """The FunctionDef of `f`, located in its file."""
    filename = f.__code__.co_filename
    reason = f"its source code is not available ({filename} has none" + (
        ": a function typed into an interactive session without source history)"
        if filename == "<stdin>" else ")")
    for lines, first in _definitions(f):
        fn = _parse_lines(lines, first)
        if isinstance(fn, ast.FunctionDef) and fn.name == f.__code__.co_name:
            return fn
        reason = "its definition was not found in its source"
    raise _NoSource(reason)


# -- lambdas: found in the parse of their whole file (or of the prompt's history), by the
#    positions of their code

_lambdas_by_file = {}   # file name -> (its lines, {line: the lambdas that start there})


def _lambdas_by_line(text):
    """{line: the lambdas that start there} of source `text`; None if it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    by_line = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Lambda):
            by_line.setdefault(n.lineno, []).append(n)
    return by_line


def _lambdas_at(f):
    """The Lambda nodes of `f`'s file that start at `f`'s first line."""
    filename = f.__code__.co_filename
    lines = _file_lines(f)
    known = _lambdas_by_file.get(filename)
    if known is None or known[0] is not lines:
        known = _lambdas_by_file[filename] = (lines, _lambdas_by_line("".join(lines)) or {})
    return known[1].get(f.__code__.co_firstlineno, [])


def _parameters(args):
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs +
            [a for a in (args.vararg, args.kwarg) if a is not None]]


def _names(node):
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node)
            if isinstance(n, (ast.Name, ast.Attribute))}


def _match(code, lambdas):
    """The Lambda of `lambdas` (those of a line) that is code object `code`'s, or None: the
    innermost whose body spans every instruction of the code (lambdas on one line differ in
    their columns; a lambda's body holds the lambdas nested in it, whose instructions are
    their own), with its parameters and names."""
    nargs = code.co_argcount + code.co_kwonlyargcount + \
        bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    found = [n for n in lambdas if _parameters(n.args) == list(code.co_varnames[:nargs])
             and set(code.co_names) <= _names(n.body)]
    spans = [((line, col), (end, end_col)) for line, end, col, end_col in code.co_positions()
             if None not in (line, end, col, end_col) and (line, col) != (end, end_col)]
    if spans:
        found = [n for n in found if all(
            (n.body.lineno, n.body.col_offset) <= a and b <= (n.body.end_lineno,
                                                              n.body.end_col_offset)
            for a, b in spans)]
        found = sorted(found, key=lambda n: (n.body.lineno, n.body.col_offset))[-1:]
    if len(found) > 1:
        raise _NoSource(f"{code.co_filename}:{code.co_firstlineno} has several lambdas, and "
                        f"Python runs without column positions (-X no_debug_ranges) to tell "
                        f"them apart")
    return found[0] if found else None


def _compiles_to(node, code):
    """Whether Lambda `node`, compiled on its own, has the instructions and constants of
    `code` (a lambda typed at the prompt: its globals are the prompt's)."""
    module = compile(ast.Expression(body=node), code.co_filename, "eval", dont_inherit=True)
    own = next(c for c in module.co_consts if isinstance(c, types.CodeType))

    def consts(c):
        return [k for k in c.co_consts if not isinstance(k, types.CodeType)]
    return (own.co_code, own.co_names, own.co_varnames, consts(own)) == \
        (code.co_code, code.co_names, code.co_varnames, consts(code))


def _typed_lambda(code):
    """The Lambda node of a lambda typed at Python's interactive prompt: of the statements
    in the prompt's history with a lambda on the code's line, the latest whose lambda
    compiles to the code (an older line may have the same shape)."""
    history = _history()
    line = code.co_firstlineno
    for j in range(len(history) - 1, line - 2, -1):
        if "lambda" not in history[j]:
            continue
        k = j - line + 1  # where the statement starts
        for m in range(j + 1, min(len(history), k + 100) + 1):
            by_line = _lambdas_by_line("\n".join(history[k:m]) + "\n")
            if by_line is not None:
                found = _match(code, by_line.get(line, []))
                if found is not None and _compiles_to(found, code):
                    return found
                break
    return None


def _parse_lambda(f):
    """The Lambda node of lambda `f`, located in its file."""
    code = f.__code__
    if code.co_filename == "<stdin>" and not _file_lines(f):
        found = _typed_lambda(code)
        if found is None:
            raise _NoSource("its source code is not available (<stdin> has none: a lambda "
                            "typed into an interactive session without source history)")
        return found
    found = _match(code, _lambdas_at(f))
    if found is None:
        raise _NoSource("its definition was not found in its source" if _file_lines(f) else
                        f"its source code is not available ({code.co_filename} has none)")
    return found


def _generate(f):
    """[code object of the converted function, its source (or converted AST, until asked
    for)] for `f`'s code."""
    code = f.__code__
    hit = _by_code.get(code)
    if hit is not None:
        return hit
    filename = code.co_filename
    if code.co_name == "<lambda>":
        new = convert_lambda(_parse_lambda(f))
        result = new
    else:
        new = convert(_parse_def(f), filename)
        result = ast.Name(id=new.name, ctx=ast.Load())
    params = [AG] + list(code.co_freevars)
    factory = ast.FunctionDef(
        name=f"{AG}factory",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
                           kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[ast.Return(value=result)] if result is new else [new, ast.Return(value=result)],
        decorator_list=[], returns=None, type_comment=None)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.copy_location(factory, new)
    ast.fix_missing_locations(module)
    namespace = {}
    exec(compile(module, filename, "exec", dont_inherit=True), namespace)
    inner = namespace[factory.name](*[None] * len(params))
    _generated.update(_code_objects(inner.__code__))
    hit = _by_code[code] = [inner.__code__, new]
    return hit


def _code_objects(code):
    yield code
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield from _code_objects(c)


def _rebuild(f, code):
    from . import operators
    cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
    cells[AG] = types.CellType(operators)
    g = types.FunctionType(code, f.__globals__, f.__name__, f.__defaults__,
                           tuple(cells[n] for n in code.co_freevars))
    g.__kwdefaults__ = f.__kwdefaults__
    functools.update_wrapper(g, f, updated=())
    g.__ag_converted__ = True
    return g


def _user_code(f):
    """Whether function `f` is the user's (not lamina's, nor the standard library's or an
    installed package's), and not marked to run as written."""
    if getattr(f, "__ag_do_not_convert__", False) or getattr(f, "__ag_converted__", False):
        return False
    path = os.path.abspath(f.__code__.co_filename)
    return not (path.startswith(_PACKAGE_DIR + os.sep) or path.startswith(_LIBRARY_DIRS))


def _convertible(f):
    code = f.__code__
    return _user_code(f) and code not in _generated and not code.co_flags & (
        inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR)


def convert_function(f):
    """`f` converted, or raise ConversionError / _NoSource."""
    g = _by_function.get(f)
    if g is None:
        g = _by_function[f] = _rebuild(f, _generate(f)[0])
    return g


def converted(f):
    """What converted code calls for `f` (see operators.converted_call): user functions and
    methods converted; others, and functions that cannot be, as they are."""
    if isinstance(f, types.MethodType):
        g = converted(f.__func__)
        return f if g is f.__func__ else types.MethodType(g, f.__self__)
    if not isinstance(f, types.FunctionType):
        call = getattr(type(f), "__call__", None)
        if isinstance(call, types.FunctionType) and not isinstance(f, type):
            g = converted(call)  # a callable object of the user's class
            return f if g is call else types.MethodType(g, f)
        return f
    if not _convertible(f):
        return f
    if f in _unconvertible:
        return f
    try:
        return convert_function(f)
    except (_NoSource, ConversionError):
        _unconvertible.add(f)
        return f


def convert_entry(f):
    """The function a `function` traces: `f` converted. Generators are an error; a function
    with no source runs as written, with a warning."""
    if isinstance(f, types.MethodType):
        g = convert_entry(f.__func__)
        return types.MethodType(g, f.__self__)
    if not isinstance(f, types.FunctionType) or not _user_code(f):
        return f
    code = f.__code__
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR):
        raise ConversionError(
            f"{code.co_filename}:{code.co_firstlineno}: {f.__name__} is a generator, which "
            f"autograph cannot convert: a traced function returns its results (collect them "
            f"in a list, or use lamina.while_loop)")
    if code in _generated:
        return f
    try:
        return convert_function(f)
    except _NoSource as e:
        warnings.warn(f"autograph could not convert {f.__name__} ({code.co_filename}:"
                      f"{code.co_firstlineno}): {e}. It is traced as written: Python control "
                      f"flow on its tensors will be an error", stacklevel=_user_stacklevel())
        _unconvertible.add(f)
        return f


def _user_stacklevel():
    """The `stacklevel` that makes a warning of our caller name the first frame outside
    lamina (the user's call)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def to_code(f, recursive=True, experimental_optional_features=None):
    """The source autograph generates for `f` (a function, method or lamina Function; the
    functions it calls are converted when called, so `recursive` changes nothing here)."""
    f = getattr(f, "python_function", f)
    if isinstance(f, types.MethodType):
        f = f.__func__
    if not isinstance(f, types.FunctionType):
        raise TypeError(f"to_code: expected a Python function, got {f!r}")
    try:
        hit = _generate(f)
    except _NoSource as e:
        raise ValueError(f"autograph cannot convert {f.__name__}: {e}") from None
    if not isinstance(hit[1], str):
        hit[1] = ast.unparse(hit[1])
    return hit[1] + "\n"
