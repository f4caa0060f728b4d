"""Bad input to lamina-opt never ends in a Python traceback: every error is
`FILE:LINE:COL: error: MESSAGE`, the source line and a caret under the column, exit code 1, as
mlir-opt reports it. The hand-written cases live in tests/lit/errors/; these are the ones a test
generates (huge, deep, random or binary inputs) or checks in bulk."""

from __future__ import annotations

import contextlib
import io
import random
import re
import subprocess
import sys

import pytest

from conftest import tool_env
from lamina.tools.opt import main

# a clean error takes well under a second; this bounds a pathological slowdown
TIMEOUT_S = 60


def lamina_opt(tmp_path, text, *flags, name="input.mlir", isolated=False):
    """Run lamina-opt on `text` as file `name`: in this process (its parser tables are loaded
    once), or `isolated` in a child process with a time limit, for inputs that could hang or
    exhaust the stack."""
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    if not isolated:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main([str(path), *flags])
        return path, rc, out.getvalue(), err.getvalue()
    env = tool_env()
    env.pop("LAMINA_TRACEBACK", None)
    try:
        p = subprocess.run([sys.executable, "-m", "lamina.tools.opt", str(path), *flags],
                           capture_output=True, env=env, cwd=tmp_path, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"lamina-opt took more than {TIMEOUT_S} s")
    return path, p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def assert_clean(stderr):
    assert "Traceback" not in stderr, stderr
    assert "internal compiler error" not in stderr, stderr
    assert "RecursionError" not in stderr, stderr


def assert_error(path, rc, stdout, stderr, message=None, line=None, col=None):
    """One diagnostic in MLIR's format, at LINE:COL when given, exit code 1."""
    assert_clean(stderr)
    assert rc == 1, f"exit code {rc}\n{stderr}"
    lines = stderr.split("\n")
    m = re.match(r"^(.*?):(\d+):(\d+): error: (.*)$", lines[0])
    assert m, f"not FILE:LINE:COL: error: MESSAGE:\n{stderr}"
    assert m.group(1) == str(path), stderr
    ln, cl = int(m.group(2)), int(m.group(3))
    if line is not None:
        assert (ln, cl) == (line, col if col is not None else cl), stderr
    if message is not None:
        assert message in m.group(4), stderr
    source = path.read_bytes().decode("utf-8", "replace").split("\n")
    assert len(lines) >= 3, f"no source line and caret:\n{stderr}"
    assert lines[1] == source[ln - 1], stderr
    assert lines[2] == " " * (cl - 1) + "^", stderr


# (name, input, message, line, col): lamina's message contains `message`, as mlir-opt's does
CASES = [
    ("syntax", "func.func @f( {\n  return\n}\n", "", 1, None),
    ("undefined_value", "func.func @f() {\n  return %0 : i32\n}\n",
     "use of undeclared SSA value name", 2, 10),
    ("redefined_value",
     "func.func @f(%a: i32) {\n"
     "  %0 = builtin.unrealized_conversion_cast %a : i32 to i64\n"
     "  %0 = builtin.unrealized_conversion_cast %a : i32 to i64\n"
     "  return\n}\n", "redefinition of SSA value '%0'", 3, 3),
    ("use_type_mismatch",
     "func.func @f(%a: i32) -> f32 {\n"
     "  %0 = builtin.unrealized_conversion_cast %a : f32 to f32\n"
     "  return %0 : f32\n}\n",
     "use of value '%a' expects different type than prior uses: 'f32' vs 'i32'", 2, 43),
    ("dominance",
     "func.func @f(%a: i32) -> i64 {\n"
     "  %1 = builtin.unrealized_conversion_cast %0 : i64 to i32\n"
     "  %0 = builtin.unrealized_conversion_cast %a : i32 to i64\n"
     "  return %0 : i64\n}\n", "operand #0 does not dominate this use", 2, None),
    ("missing_terminator", "func.func @f() {\n  %0 = func.constant @f : () -> ()\n}\n",
     "block with no terminator", 2, None),
    ("terminator_not_last",
     "func.func @f() {\n  \"func.return\"() : () -> ()\n  \"func.return\"() : () -> ()\n}\n",
     "must be the last operation in the parent block", 2, 3),
    ("unregistered_dialect", "func.func @f() {\n  \"foo.bar\"() : () -> ()\n  return\n}\n",
     "unregistered dialect", 2, None),
    ("unknown_custom_op", "func.func @f() {\n  func.frobnicate\n  return\n}\n", "", 2, 3),
    ("bad_dense_attribute",
     "func.func @f() attributes {a = dense<[1, 2> : tensor<2xi32>} {\n  return\n}\n", "",
     1, 43),
    ("duplicate_attribute_key",
     "func.func @f() attributes {a = 1 : i32, a = 2 : i32} {\n  return\n}\n",
     "duplicate key 'a' in dictionary attribute", 1, 41),
    ("bad_type", "func.func @f(%a: tensor<2x?xf32) {\n  return\n}\n", "", 1, 32),
    ("unterminated_region", "func.func @f() {\n  return\n", "", 2, None),
    ("extra_brace", "func.func @f() {\n  return\n}\n}\n", "", 4, None),
    ("unterminated_string", "func.func @f() {\n  \"no end\n  return\n}\n", "", 2, None),
    ("result_count", "func.func @f(%a: i32) {\n"
     "  %1:2 = builtin.unrealized_conversion_cast %a : i32 to i64\n  return\n}\n",
     "operation defines 1 results but was provided 2 to bind", 2, 3),
    ("undefined_symbol", "func.func @f() {\n  func.call @nope() : () -> ()\n  return\n}\n",
     "'nope' does not reference a valid function", 2, 3),
    ("redefined_symbol", "func.func @f() {\n  return\n}\nfunc.func @f() {\n  return\n}\n",
     "redefinition of symbol named 'f'", 4, 1),
    ("verifier_return_count", "func.func @f() -> i32 {\n  return\n}\n",
     "'func.return' op has 0 operands, but enclosing function (@f) returns 1", 2, 3),
    ("verifier_generic_form",
     '"func.func"() <{function_type = () -> i32, sym_name = "f"}> ({\n'
     '  "func.return"() : () -> ()\n}) : () -> ()\n',
     "has 0 operands, but enclosing function (@f) returns 1", 2, 3),
    ("generic_operand_count", '"func.func"() <{function_type = () -> (), sym_name = "f"}> ({\n'
     '  "func.return"() : (i32) -> ()\n}) : () -> ()\n', "", 2, None),
    ("non_utf8", b"func.func @f() {\n  return\n}\n\xff\xfe\n", "UTF-8", 4, 1),
    ("nul_byte", b"func.func @f() {\n  return\x00\n}\n", "", 2, None),
]


@pytest.mark.parametrize("name,text,message,line,col", CASES, ids=[c[0] for c in CASES])
def test_error_is_reported_as_mlir_does(tmp_path, name, text, message, line, col):
    assert_error(*lamina_opt(tmp_path, text), message=message, line=line, col=col)


def test_unknown_op_is_kept_opaque_when_allowed(tmp_path):
    text = ('func.func @f() {\n  %0 = "foo.bar"(%0) ({\n  ^bb0(%x: i32):\n'
            '    "foo.yield"(%x) : (i32) -> ()\n  }) {attr = 1 : i32} : (i32) -> i32\n'
            '  return\n}\n')
    _, rc, out, err = lamina_opt(tmp_path, text.replace("(%0)", "()").replace(
        ": (i32) -> i32", ": () -> i32"), "--allow-unregistered-dialect")
    assert_clean(err)
    assert rc == 0, err
    assert '%0 = "foo.bar"() ({' in out
    assert '"foo.yield"(%arg0) : (i32) -> ()' in out
    assert "}) {attr = 1 : i32} : () -> i32" in out


@pytest.mark.parametrize("text", ["", "\n\n", "// only a comment\n"],
                         ids=["empty", "blank", "comment"])
def test_empty_input_prints_an_empty_module(tmp_path, text):
    _, rc, out, err = lamina_opt(tmp_path, text)
    assert_clean(err)
    assert rc == 0 and err == ""
    assert re.fullmatch(r"(builtin\.)?module \{\n\}\n", out), out


def test_region_nesting_5000_deep(tmp_path):
    n = 5000
    text = ("func.func @f() {\n" + '"test.op"() ({\n' * n + "}) : () -> ()\n" * n
            + "  return\n}\n")
    path, rc, out, err = lamina_opt(tmp_path, text, "--allow-unregistered-dialect",
                                    isolated=True)
    if rc == 0:
        assert_clean(err)
        assert out.count('"test.op"()') == n
    else:
        assert_error(path, rc, out, err)


def test_operand_list_of_20000_values(tmp_path):
    n = 20000
    text = ("func.func @f(%a: i32) {\n" + f'  "test.op"({", ".join(["%a"] * n)}) : '
            f'({", ".join(["i32"] * n)}) -> ()\n  return\n}}\n')
    _, rc, out, err = lamina_opt(tmp_path, text, "--allow-unregistered-dialect", isolated=True)
    assert_clean(err)
    assert rc == 0, err


@pytest.mark.parametrize("seed", [0, 1])
def test_a_megabyte_of_random_bytes(tmp_path, seed):
    data = random.Random(seed).randbytes(1 << 20)
    assert_error(*lamina_opt(tmp_path, data))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_megabyte_of_random_tokens(tmp_path, seed):
    # printable garbage made of MLIR's own punctuation and words reaches the parser proper
    rng = random.Random(seed)
    words = ["func.func", "@f", "%0", "%arg0", "^bb0", "(", ")", "{", "}", "<", ">", "[", "]",
             ":", ",", "=", "->", "i32", "f32", "index", "tensor", "memref", "dense", '"s"',
             "1", "0x1F", "1.5e3", "#map", "!t", "loc", "return", "\n", " ", "//", "'", "`",
             "\\", "$", "\t", "affine_map", "?", "x", "-"]
    parts = []
    size = 0
    while size < (1 << 20):
        w = rng.choice(words)
        parts.append(w)
        size += len(w) + 1
    assert_error(*lamina_opt(tmp_path, " ".join(parts)))


def test_truncations_of_a_valid_file_fail_cleanly(tmp_path):
    # every prefix of a valid file is either valid or a clean error
    text = ("func.func private @g(i32) -> i32\n"
            "func.func @f(%arg0: i32 {foo.a}) -> (i32, f32) attributes {x = [1, \"s\"]} {\n"
            "  %0 = func.call @g(%arg0) : (i32) -> i32 loc(\"a.py\":1:2)\n"
            '  %1 = "func.constant"() <{value = @g}> : () -> ((i32) -> i32)\n'
            "  %2 = builtin.unrealized_conversion_cast %0 : i32 to f32\n"
            "  return %0, %2 : i32, f32\n}\n")
    cuts = sorted(set(range(0, len(text), 7)) | {len(text) - 1})
    bad = []
    for cut in cuts:
        _, rc, _, err = lamina_opt(tmp_path, text[:cut], name="cut.mlir")
        assert_clean(err)
        if not ((rc == 0 and not err) or (rc == 1 and err.startswith(str(tmp_path)))):
            bad.append(f"cut at {cut}: exit {rc}\n{text[:cut]!r}\n{err}")
    assert not bad, "\n".join(bad)


def test_missing_input_file(tmp_path, capsys):
    rc = main([str(tmp_path / "nope.mlir")])
    err = capsys.readouterr().err
    assert_clean(err)
    assert rc == 1
    assert "nope.mlir" in err
