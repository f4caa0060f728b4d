"""Autograph: every converted form compiled against the same Python function run eagerly (the
eager run is plain Python on eager tensors), Python control flow on Python values left as
Python, `to_code`, functions without a source file, the seed's example, and the errors of
what it cannot convert (each naming the user's line)."""

from __future__ import annotations

import functools
import inspect
import linecache
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import lamina as tf

ROOT = Path(__file__).resolve().parent.parent


def lineno(f, text):
    """The line of `f`'s source that contains `text`."""
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if text in line)


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [v for y in x for v in _leaves(y)]
    return [x]


def same(fn, *args, signature=None, staged=None):
    """fn staged with autograph agrees with fn run eagerly; returns the staged Function."""
    staged = staged or tf.function(fn, input_signature=signature)
    got, want = staged(*args), fn(*args)
    assert len(_leaves(got)) == len(_leaves(want))
    for g, w in zip(_leaves(got), _leaves(want)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6)
        if isinstance(w, tf.Tensor):
            assert g.dtype == w.dtype and g.shape == w.shape
    return staged


def ir_of(staged, *args):
    return staged.get_concrete_function(*args).ir()


# -- the converted forms, compiled vs eager --------------------------------------------------------

def sign_scale(x):
    if tf.reduce_sum(x) > 0:
        y = x * 2.0
    elif tf.reduce_sum(x) < -5.0:
        if x[0] > 0:
            y = x + 100.0
        else:
            y = -x
    else:
        y = x - 1.0
    return y


def clip_positive(x):
    y = x
    if tf.reduce_max(x) > 1.0:
        y = x / tf.reduce_max(x)
    return y


@pytest.mark.parametrize("x", [[1., 2.], [-3., -4.], [4., -10.], [-1., 0.5]])
def test_if_elif_else_and_if_without_else(x):
    x = tf.constant(x)
    for fn in (sign_scale, clip_positive):
        staged = same(fn, x, staged=STAGED[fn])
        assert staged.experimental_get_tracing_count() == 1
    assert ir_of(STAGED[sign_scale], x).count("lamina.cond") == 3


def newton_sqrt(a):
    x = a
    steps = 0
    while tf.abs(x * x - a) > 1e-4:
        x = (x + a / x) / 2.0
        steps += 1
    return x, steps


@pytest.mark.parametrize("a", [2.0, 9.0, 1e4])
def test_while_on_a_tensor(a):
    staged = same(newton_sqrt, tf.constant(a), staged=STAGED[newton_sqrt])
    assert "lamina.while" in ir_of(staged, tf.constant(a))


def triangle(n):
    total = tf.constant(0)
    for i in range(n):
        total += i
    for i in tf.range(1, n + 1, 2):
        total -= i
    return total


@pytest.mark.parametrize("n", [0, 1, 7])
def test_for_over_range_of_a_tensor_and_lamina_range(n):
    staged = same(triangle, tf.constant(n), staged=STAGED[triangle])
    ir = ir_of(staged, tf.constant(n))
    assert ir.count("lamina.while") == 2


def search(x, target):
    found = -1
    i = 0
    while i < tf.shape(x)[0] and found < 0:
        if x[i] == target:
            found = i
            break
        i += 1
    return found, i


def odd_sum(x):
    s = 0.0
    for e in x:
        if e % 2.0 == 0.0:
            continue
        if e > 8.0:
            break
        s += e
    return s


def first_negative(x):
    for i in tf.range(tf.shape(x)[0]):
        if x[i] < 0:
            return i
    return -1


def bigger(x, y):
    if tf.reduce_sum(x) > tf.reduce_sum(y):
        return x
    else:
        return y


@pytest.mark.parametrize("values", [[1., 2., 3., 4., 5.], [2., 4., 9., 1., -3.],
                                    [-1., 7., 8., 11., 2.]])
def test_break_continue_return(values):
    x = tf.constant(values)
    same(search, x, tf.constant(4.0), staged=STAGED[search])
    same(odd_sum, x, staged=STAGED[odd_sum])
    same(first_negative, x, staged=STAGED[first_negative])
    same(bigger, x, x[::-1] * 0.9, staged=STAGED[bigger])


def test_dynamic_dims_iteration_and_lazy_and():
    # `i < n and x[i] > 0`: x[i] only runs while i < n (compiled code checks indices)
    def prefix_positive(x):
        i = 0
        while i < tf.shape(x)[0] and x[i] > 0:
            i += 1
        return i

    staged = tf.function(prefix_positive, input_signature=[tf.TensorSpec([None])])
    for v in ([1., 2., 3.], [], [1., -1., 2.], [-5.]):
        same(prefix_positive, tf.constant(v, tf.float32), staged=staged)
    assert staged.experimental_get_tracing_count() == 1


def double_until(x, n):
    while tf.shape(x)[0] < n:
        x = tf.concat([x, x * 2.0], 0)
    return x


def test_shapes_that_change_become_dynamic():
    for n in (1, 3, 9):
        same(double_until, tf.constant([1., 2.]), tf.constant(n), staged=STAGED[double_until])
    ir = ir_of(STAGED[double_until], tf.constant([1., 2.]), tf.constant(1))
    assert "(tensor<2xf32>) -> tensor<?xf32>" in ir


def test_python_conditions_stay_python():
    def f(x, times, negate):
        for _ in range(times):
            x = x * 2.0
        if negate:
            x = -x
        k = 0
        while k < 2:
            x = x + 1.0
            k += 1
        return x

    staged = tf.function(f)
    same(f, tf.constant([1., 2.]), 3, True, staged=staged)
    ir = ir_of(staged, tf.constant([1., 2.]), 3, True)
    assert "lamina.while" not in ir and "lamina.cond" not in ir
    assert ir.count("lamina.multiply") == 3 and ir.count("lamina.negative") == 1
    same(f, tf.constant([1., 2.]), 2, False, staged=staged)
    assert "lamina.negative" not in ir_of(staged, tf.constant([1., 2.]), 2, False)


def test_python_numbers_in_loops_take_the_loop_dtype():
    def mean_of_positive(x):
        total, count = 0, 0
        for e in x:
            if e > 0:
                total += e
                count += 1
        return total / tf.cast(tf.maximum(count, 1), tf.float64)

    staged = tf.function(mean_of_positive)
    for v in ([1.5, -2., 3.], [-1., -1., -1.]):
        same(mean_of_positive, tf.constant(v, tf.float64), staged=staged)
    assert "tensor<f64>" in ir_of(staged, tf.constant([1., 2., 3.], tf.float64))


def test_variables_assigned_in_loops_and_branches():
    v = tf.Variable(0.0)

    def f(n):
        for i in tf.range(n):
            v.assign_add(tf.cast(i, tf.float32))
            if v > 5.0:
                v.assign(v * 0.5)
        return v.read_value() + 1.0

    staged = tf.function(f)
    for n in (0, 3, 8):
        v.assign(1.0)
        got = staged(tf.constant(n)).numpy()
        got_v = v.numpy()
        v.assign(1.0)
        assert got == f(tf.constant(n)).numpy() and got_v == v.numpy()


def test_and_or_not_conditional_expressions_helpers_and_callables():
    def helper(x):  # converted on call
        if x > 0:
            return x
        return -x

    class Clip:  # a callable object: its __call__ is converted on call
        def __call__(self, v):
            while v > 3.0:
                v = v - 3.0
            return v

    clip = Clip()

    def f(x, y):
        a = x > 0 and y > 0
        b = not (x > y) or y < -1.0
        c = x if x > y else y
        return a, b, c, helper(x - y), clip(x * y)

    staged = tf.function(f)
    for x, y in ((1., 2.), (-1., 3.), (2., -4.)):
        same(f, tf.constant(x), tf.constant(y), staged=staged)
    assert staged.experimental_get_tracing_count() == 1


def python_then_tensor(x):
    n = 0
    while n < 2 or tf.reduce_sum(x) < 50.0:  # Python for two iterations, then staged
        x = x * 2.0
        n += 1
    return x, n


def unrolled_with_tensor_break(x):
    for _ in range(4):  # unrolled; the iterations after a break run under a condition
        if tf.reduce_sum(x) > 10.0:
            break
        x = x * 3.0
    return x


def twice(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*fn(*args))
    return wrapper


@twice
def decorated(x, k):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v
    for _ in range(2):
        add(x)
    while tf.reduce_sum(x) < 100.0:
        x = x * 3.0
    else:
        x = x + 0.5
    return x, total


@pytest.mark.parametrize("v", [1.0, 5.0, 70.0])
def test_mixed_python_and_staged_control_flow(v):
    x = tf.constant([v])
    for fn in (python_then_tensor, unrolled_with_tensor_break):
        same(fn, x, staged=STAGED[fn])
    same(decorated, x, tf.constant(1.0), staged=STAGED[decorated])


class Base:
    def scale(self, x):
        return x * 2.0


class Counter(Base):
    def __init__(self):
        self.calls = tf.Variable(0)

    @tf.function
    def halve_until_small(self, x):
        x = super().scale(x)
        while tf.reduce_max(x) > 1.0:
            x = x / 2.0
            self.calls.assign_add(1)
        return x


def test_methods():
    c = Counter()
    r = c.halve_until_small(tf.constant([3., 10.]))
    np.testing.assert_allclose(r.numpy(), [6. / 32, 20. / 32])
    assert int(c.calls.numpy()) == 5


def test_print_becomes_lamina_print(capfd):
    @tf.function
    def f(x):
        for i in tf.range(2):
            print("step", i, x)
        return x

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    err = capfd.readouterr().err
    assert err == "step 0 1\nstep 1 1\nstep 0 2\nstep 1 2\n"


def test_source_locations_are_the_users_lines():
    text = STAGED[sign_scale].get_concrete_function(tf.constant([1., 2.])).ir(debug_info=True)
    mul = next(line for line in text.splitlines() if "lamina.multiply" in line)
    # the line and column of `x * 2.0` in this file
    assert mul.endswith(f'loc("{__file__}":{lineno(sign_scale, "y = x * 2.0")}:13)'), mul


STAGED = {f: tf.function(f) for f in (sign_scale, clip_positive, newton_sqrt, triangle, search,
                                      odd_sum, first_negative, bigger, double_until,
                                      python_then_tensor, unrolled_with_tensor_break,
                                      decorated)}


# -- to_code --------------------------------------------------------------------------------------

def test_to_code_shows_the_rewritten_structure():
    code = tf.autograph.to_code(search)
    for piece in ("def search(x, target):", "break_ = False", "ag__.while_stmt(",
                  "ag__.if_stmt(", "ag__.and_(lambda: ag__.not_(break_)", "nonlocal"):
        assert piece in code, code
    code = tf.autograph.to_code(STAGED[first_negative])
    assert "do_return = True" in code and "ag__.for_stmt(" in code
    assert "return ag__.retval(retval_, do_return, False)" in code
    compile(code, "<to_code>", "exec")  # valid Python


# -- the seed -------------------------------------------------------------------------------------

def matmul_many(tensor):
  accum = tensor
  for _ in tf.range(100): # will be converted by autograph
    accum = tf.matmul(accum, tensor)
  return accum


def test_seed_matmul_many():
    # the seed's cell, indented as the seed writes it
    code = tf.autograph.to_code(matmul_many)
    assert "ag__.for_stmt(ag__.converted_call(tf.range)(100), None, loop_body" in code
    graph_fn = tf.function(matmul_many)
    for x in (tf.ones([2, 2]), tf.ones([2, 2]) * 0.5, tf.constant([[0.5, 0.1], [0.2, 0.3]])):
        np.testing.assert_allclose(graph_fn(x).numpy(), matmul_many(x).numpy(), rtol=1e-4)
    ir = graph_fn.get_concrete_function(tf.ones([2, 2])).ir()
    assert ir.count("lamina.matmul") == 1 and "lamina.while" in ir  # a loop, not 100 ops
    assert graph_fn.experimental_get_tracing_count() == 1


# -- lambdas ---------------------------------------------------------------------------------------

def loc_column(text, op):
    """The column of op `op`'s location in IR printed with debug info."""
    line = next(line for line in text.splitlines() if op in line)
    return int(line.rsplit(":", 1)[1].rstrip(")"))


def test_lambdas_are_converted_and_call_converted_functions():
    staged = tf.function(lambda x: matmul_many(x))
    x = tf.constant([[0.5, 0.1], [0.2, 0.3]])
    np.testing.assert_allclose(staged(x).numpy(), matmul_many(x).numpy(), rtol=1e-4)
    ir = ir_of(staged, x)
    assert ir.count("lamina.matmul") == 1 and ir.count("lamina.while") == 1, ir
    assert tf.autograph.to_code(lambda x: matmul_many(x)) == \
        "lambda x: ag__.converted_call(matmul_many)(x)\n"


def test_lambdas_on_one_line_are_told_apart():
    k, t = tf.constant(1.0), tf.reduce_sum
    dbl, tpl = (lambda x: x * 2.0 if t(x) > 0 else -x), (lambda x: x * 3.0 if t(x) > 0 else -x)
    twin_a, twin_b = (lambda x: x * k), (lambda x: x * k)
    lines = inspect.getsource(test_lambdas_on_one_line_are_told_apart).splitlines()
    for fn, factor in ((dbl, "2.0"), (tpl, "3.0")):
        assert f"lambda: x * {factor}, lambda: -x)" in tf.autograph.to_code(fn)
        staged = tf.function(fn)
        for v in ([1., 2.], [-1., -3.]):
            same(fn, tf.constant(v), staged=staged)
        assert "lamina.cond" in ir_of(staged, tf.constant([1., 2.]))
    # each lambda is its own node: the multiply of each carries its own column
    twins = next(text for text in lines if "twin_a, twin_b =" in text)
    columns = []
    for fn in (twin_a, twin_b):
        text = tf.function(fn).get_concrete_function(tf.constant(2.0)).ir(debug_info=True)
        columns.append(loc_column(text, "lamina.multiply"))
    first = twins.index("x * k") + 1
    assert columns == [first, twins.index("x * k", first) + 1]


def test_multiline_lambda_with_defaults_closure_and_boolean_operators():
    k = tf.constant(5.0)
    shift = (lambda x,
             scale=2.0, *, bias=0.5: (x * scale + k + bias
                                      if tf.reduce_sum(x) > 0 and not tf.reduce_any(x > 9.0)
                                      else x - k))
    staged = tf.function(shift)
    for v in ([1., 2.], [-1., -3.], [1., 10.]):
        same(shift, tf.constant(v), staged=staged)
        same(lambda x: shift(x, 3.0, bias=1.0), tf.constant(v))
    assert "ag__.and_(lambda: " in tf.autograph.to_code(shift)
    assert staged.experimental_get_tracing_count() == 1

    def outer(x, fn=lambda v: triangle(v) * 2):  # a default lambda, converted where called
        return fn(x), (lambda m: (lambda n: tf.range(n)[-1] if n > 2 else n)(m))(x)

    staged = tf.function(outer)
    for n in (1, 6):
        same(outer, tf.constant(n), staged=staged)
    ir = ir_of(staged, tf.constant(6))
    assert ir.count("lamina.while") == 2 and ir.count("lamina.cond") == 1, ir


def test_lambdas_without_source_run_as_written_with_a_warning():
    # a file name of its own: another test may have put source for "<string>" in linecache
    f = eval(compile("lambda x: x * 2.0", "<lambda-without-source>", "eval"))
    with pytest.warns(UserWarning, match="could not convert <lambda>"):
        staged = tf.function(f)
        assert float(staged(tf.constant(2.0))) == 4.0
    with pytest.raises(ValueError, match="source code is not available"):
        tf.autograph.to_code(f)
    ns = define("halve = lambda x: x / 2.0 if x > 1.0 else x\n", "<ipython-input-9-lam>")
    assert "ag__.if_exp" in tf.autograph.to_code(ns["halve"])
    same(ns["halve"], tf.constant(5.0))


def test_definitions_found_from_their_code(monkeypatch):
    # what only the code's lines tell: a docstring line at column 0 inside a class, a loop's
    # `else: pass` after the last instruction, a string after the return; and without
    # inspect.findsource, whose module search is most of a fresh process's conversion
    def slow(*args):
        raise AssertionError("inspect.findsource/getmodule called")

    monkeypatch.setattr(inspect, "findsource", slow)
    monkeypatch.setattr(inspect, "getmodule", slow)
    ns = define('''
class Scaler:
    def scale(self, x):
        """Doubles x.
Until it is large."""
        while tf.reduce_sum(x) < 10.0:
            x = x * 2.0
        return x

def ends_in_else(x):
    for _ in tf.range(3):
        x = x + 1.0
    else:
        pass
    return x if x > 0 else -x
    # a comment

def trailing_string(x):
    return x + 1.0
    """
not code
"""
''', "<ipython-input-8-defs>")
    assert "ag__.while_stmt" in tf.autograph.to_code(ns["Scaler"].scale)
    assert "ag__.for_stmt" in tf.autograph.to_code(ns["ends_in_else"])
    assert "x + 1.0" in tf.autograph.to_code(ns["trailing_string"])
    same(ns["Scaler"]().scale, tf.constant([1., 2.]))
    same(ns["ends_in_else"], tf.constant(-5.0))


# -- functions without a source file --------------------------------------------------------------

def define(source, filename):
    """Functions of `source`, compiled as a notebook cell is: under a file name that only
    linecache knows."""
    source = textwrap.dedent(source)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"tf": tf}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def test_functions_defined_in_a_notebook_cell():
    ns = define("""
        def relu_sum(x):
            s = 0.0
            for e in x:
                if e > 0:
                    s += e
            return s
    """, "<ipython-input-7-relu>")
    x = tf.constant([1., -2., 3.])
    assert float(tf.function(ns["relu_sum"])(x)) == 4.0
    assert "ag__.for_stmt" in tf.autograph.to_code(ns["relu_sum"])


def test_functions_defined_with_python_c():
    script = ("import lamina as tf\n"
              "def f(x):\n"
              "    while tf.reduce_sum(x) < 10.0:\n"
              "        x = x * 2.0\n"
              "    return x\n"
              "print(tf.function(f)(tf.constant([1.0, 2.0])).numpy())\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[4. 8.]"


def test_functions_typed_at_the_interactive_prompt():
    pty = pytest.importorskip("pty")
    import select
    import time
    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-i", "-q"], stdin=slave, stdout=slave, stderr=slave,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "TERM": "dumb"})
    os.close(slave)
    # and lambdas: `g`'s is found past the later line of `h`, of the same shape
    typed = ["import lamina as tf", "def f(x):", "    while tf.reduce_sum(x) < 10.0:",
             "        x = x * 2.0", "    return x", "",
             "print('RESULT', tf.function(f)(tf.constant([1.0, 2.0])).numpy())",
             "g = lambda x: f(x) * 2.0 if tf.reduce_sum(x) > 0 else -x",
             "h = lambda x: f(x) * 3.0 if tf.reduce_sum(x) > 0 else -x",
             "print('LAMBDA', tf.function(g)(tf.constant([1.0, 2.0])).numpy(), "
             "'ag__.if_exp' in tf.autograph.to_code(g))", "exit()"]
    for line in typed:
        os.write(master, (line + "\n").encode())
    out, deadline = b"", time.time() + 120
    while time.time() < deadline and p.poll() is None or select.select([master], [], [], 0)[0]:
        if select.select([master], [], [], 0.5)[0]:
            try:
                out += os.read(master, 4096)
            except OSError:
                break
    p.wait(timeout=10)
    os.close(master)
    assert "RESULT [4. 8.]" in out.decode(), out.decode()
    assert "LAMBDA [ 8. 16.] True" in out.decode(), out.decode()  # h's would be [12. 24.]


# -- what it cannot convert: errors naming the line -----------------------------------------------

ERRORS = """\
def one_branch(x):
    if x > 0:
        y = x
    return y

def after_loop(n):
    i = 0
    while i < n:
        t = i * 2
        i += 1
    return t

def dtype_change(n):
    i = tf.constant(0)
    while i < n:
        i = tf.cast(i, tf.float32) + 1.0
    return i

def in_try(x):
    try:
        if x > 0:
            x = -x
    except ValueError:
        pass
    return x

def comprehension(x):
    return [e for e in [x, x] if e > 0]

def generator(x):
    yield x

def none_before_loop(n):
    best = None
    for i in tf.range(n):
        best = i
    return best

def asserted(x):
    assert x > 0
    return x

def none_on_a_path(x):
    if x > 0:
        return x
"""


@pytest.mark.parametrize("name,at,error,what", [
    ("one_branch", "return y", NameError, "'y' is defined only in the true branch of the "
                                          "conditional at <errors>:2"),
    ("after_loop", "return t", NameError, "'t' has no value after the loop at <errors>:8"),
    ("dtype_change", "while i < n:", TypeError, "'i' has dtype int32 before the loop, but "
                                                "dtype float32"),
    ("in_try", "if x > 0:\n            x = -x", NotImplementedError,
     "inside try/except/finally cannot be converted"),
    ("comprehension", "return [e", NotImplementedError, "a condition of a comprehension "
                                                        "depends on a tensor"),
    ("generator", "def generator", ValueError, "generator, which autograph cannot convert"),
    ("none_before_loop", "for i in", TypeError, "'best' is None before the loop and an int32 "
                                                "tensor of shape () after an iteration"),
    ("asserted", "assert x", NotImplementedError, "`assert` on a tensor"),
    ("none_on_a_path", "if x > 0:\n        return x\n", ValueError,
     "returns a value on some paths and None on others"),
])
def test_errors_name_the_line(name, at, error, what):
    ns = define(ERRORS, "<errors>")
    line = ERRORS[:ERRORS.index(at, ERRORS.index(f"def {name}"))].count("\n") + 1
    with pytest.raises(error) as e:
        tf.function(ns[name])(tf.constant(1))
    msg = str(e.value)
    assert msg.startswith(f"<errors>:{line}: "), msg
    assert what in msg, msg


def test_tensor_as_bool_outside_autograph_names_the_line():
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TypeError) as e:
        tf.function(f, autograph=False)(tf.constant(1.0))
    msg = str(e.value)
    assert msg.startswith(f"{__file__}:{lineno(f, 'if x > 0')}: using as a Python bool")
    assert "lamina.cond" in msg and "autograph" in msg

    @tf.autograph.experimental_do_not_convert
    def g(x):
        return x if x > 0 else -x

    with pytest.raises(TypeError, match=f"{lineno(g, 'return x if')}: using as a Python bool"):
        tf.function(lambda x: g(x))(tf.constant(1.0))
