"""Converting Python functions: source, AST rewrite (transformer.py), compilation under the
user's file name, and a function that shares the original's globals and closure cells.

The source comes from `inspect` (which reads `linecache`: files, and what notebooks and
IPython register), else from the command line of `python -c`, else (a function typed at
Python's own prompt) from the prompt's readline history. The generated function is
compiled inside a factory whose parameters are `ag__` and the original's free variables, so
the code object's free variables can be bound to the original closure cells themselves (later
assignments to them are seen, as by the original).
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
import textwrap
import types
import warnings
import weakref

from .transformer import AG, ConversionError, convert

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_LIBRARY_DIRS = tuple(sorted({os.path.abspath(p) + os.sep for k, p in
                              sysconfig.get_paths().items()
                              if k in ("stdlib", "platstdlib", "purelib", "platlib")}))

_by_code = {}                                   # code object -> (generated code, source)
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


def _code_lines(code):
    """(lines, first line number) of the definition of code object `code` (of itself: not
    what a decorator's `__wrapped__` points to)."""
    lines, start = inspect.findsource(code)
    return inspect.getblock(lines[start:]), start + 1


def _source_lines(f):
    """(lines, first line number) of function `f`'s definition."""
    code = f.__code__
    try:
        return _code_lines(code)
    except (OSError, TypeError):
        pass
    if code.co_filename == "<string>" and "-c" in sys.orig_argv[1:]:
        # `python -c CODE`: the command line has the source
        text = sys.orig_argv[sys.orig_argv.index("-c", 1) + 1]
        linecache.cache["<string>"] = (len(text), None, text.splitlines(True), "<string>")
        try:
            return _code_lines(code)
        except (OSError, TypeError):
            pass
    if code.co_filename == "<stdin>":
        found = _typed_lines(code)
        if found is not None:
            return found
    raise _NoSource(f"its source code is not available ({code.co_filename} has none: a "
                    f"function typed into an interactive session without source history)")


def _typed_lines(code):
    """(lines, first line number) of a function typed into Python's interactive prompt: its
    latest definition in the prompt's (readline) history."""
    try:
        import readline
    except ImportError:
        return None
    history = [readline.get_history_item(i) or ""
               for i in range(1, readline.get_current_history_length() + 1)]
    pattern = re.compile(rf"\s*(async\s+)?def\s+{re.escape(code.co_name)}\s*\(")
    for k in range(len(history) - 1, -1, -1):
        if pattern.match(history[k]):
            decorators = 0
            while k - decorators > 0 and history[k - decorators - 1].lstrip().startswith("@"):
                decorators += 1
            lines = inspect.getblock([line + "\n" for line in history[k:]])
            return lines, code.co_firstlineno + decorators
    return None


def _parse(f):
    """The FunctionDef of `f`, located in its file."""
    lines, first = _source_lines(f)
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    indent = len(lines[0]) - len(lines[0].lstrip()) if dedented != text else 0
    try:
        tree = ast.parse(dedented)
    except SyntaxError:
        raise _NoSource("its source code could not be parsed on its own") from None
    fn = tree.body[0] if tree.body else None
    if not isinstance(fn, ast.FunctionDef) or fn.name != f.__code__.co_name:
        raise _NoSource("its definition was not found in its source")
    ast.increment_lineno(tree, first - 1)
    for n in ast.walk(tree):
        if indent and getattr(n, "col_offset", None) is not None:
            n.col_offset += indent
            if getattr(n, "end_col_offset", None) is not None:
                n.end_col_offset += indent
    return fn


def _generate(f):
    """(code object of the converted function, its source) for `f`'s code."""
    code = f.__code__
    hit = _by_code.get(code)
    if hit is not None:
        return hit
    fn = _parse(f)
    filename = code.co_filename
    new = convert(fn, filename)
    params = [AG] + list(code.co_freevars)
    factory = ast.FunctionDef(
        name=f"{AG}factory",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
                           kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[new, ast.Return(value=ast.Name(id=new.name, ctx=ast.Load()))],
        decorator_list=[], returns=None, type_comment=None)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.copy_location(factory, new)
    ast.fix_missing_locations(module)
    namespace = {}
    exec(compile(module, filename, "exec", dont_inherit=True), namespace)
    inner = namespace[factory.name](*[None] * len(params))
    hit = _by_code[code] = (inner.__code__, ast.unparse(new))
    return hit


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
    return _user_code(f) and code.co_name != "<lambda>" and not code.co_flags & (
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
    if code.co_name == "<lambda>":
        return f
    try:
        return convert_function(f)
    except _NoSource as e:
        warnings.warn(f"autograph could not convert {f.__name__} ({code.co_filename}:"
                      f"{code.co_firstlineno}): {e}. It is traced as written: Python control "
                      f"flow on its tensors will be an error", stacklevel=4)
        _unconvertible.add(f)
        return f


def to_code(f, recursive=True, experimental_optional_features=None):
    """The source autograph generates for `f` (a function, method or lamina Function; the
    functions it calls are converted when called, so `recursive` changes nothing here)."""
    f = getattr(f, "python_function", f)
    if isinstance(f, types.MethodType):
        f = f.__func__
    if not isinstance(f, types.FunctionType):
        raise TypeError(f"to_code: expected a Python function, got {f!r}")
    try:
        return _generate(f)[1] + "\n"
    except _NoSource as e:
        raise ValueError(f"autograph cannot convert {f.__name__}: {e}") from None
