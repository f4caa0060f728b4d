"""The compiled code of the nn, shape, random and control-flow ops of the lamina dialect computes
what their NumPy reference kernels compute.

Each case is a function of constants; lamina lowers them all, in one module, to the loops level
(convert-lamina-to-structured, bufferize, convert-structured-to-loops), where only upstream
dialects remain, and upstream `mlir-opt` and `mlir-runner` compile and run it, printing every
result with the runner-utils printers. This checks the lowerings (and the passes below them)
independently of lamina's own LLVM path.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
import lamina.lowering  # noqa: F401  (registers the passes)
from lamina import ir
from lamina.dialects.lamina_ops import nn as N, random as R
from lamina.passes import run_pipeline

BIN = "/usr/lib/llvm-22/bin"
LIB = "/usr/lib/llvm-22/lib"
RUNNER_LIBS = [f"{LIB}/libmlir_runner_utils.so.22.1", f"{LIB}/libmlir_c_runner_utils.so.22.1"]
TO_LOOPS = ("builtin.module(convert-lamina-to-structured,cse,bufferize,"
            "convert-structured-to-loops,canonicalize,cse)")
UPSTREAM = ["--expand-strided-metadata", "--lower-affine", "--convert-scf-to-cf",
            "--convert-cf-to-llvm", "--convert-math-to-llvm", "--convert-arith-to-llvm",
            "--finalize-memref-to-llvm", "--convert-arith-to-llvm", "--convert-func-to-llvm",
            "--convert-cf-to-llvm", "--reconcile-unrealized-casts"]
PRINTERS = {"f32": "printMemrefF32", "f64": "printMemrefF64", "i32": "printMemrefI32",
            "i64": "printMemrefI64"}

pytestmark = pytest.mark.skipif(
    not all(os.access(p, os.R_OK) for p in [f"{BIN}/mlir-opt", f"{BIN}/mlir-runner"] +
            RUNNER_LIBS),
    reason="upstream mlir-opt, mlir-runner and the runner-utils libraries are needed")


def ttext(shape, et="f32"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + et + ">"


def const(name, a, et="f32"):
    values = np.asarray(a).tolist()
    return f"%{name} = lamina.constant dense<{values}> : {ttext(np.shape(a), et)}"


CASES = {}  # name -> (function text, expected array)


def case(name, lines, expected, et="f32"):
    t = ttext(expected.shape, et)
    body = "\n".join("  " + line for line in lines)
    CASES[name] = (f"func.func @{name}() -> {t} {{\n{body}\n  return %0 : {t}\n}}",
                   np.asarray(expected), et)


# -- nn -------------------------------------------------------------------------------------------

_rng = np.random.default_rng(7)
for i, (xs, ws, strides, padding, dilations) in enumerate([
        ((1, 5, 5, 2), (3, 3, 2, 3), (1, 1), "SAME", (1, 1)),
        ((2, 7, 6, 3), (3, 2, 3, 4), (2, 2), "SAME", (1, 1)),
        ((1, 9, 9, 2), (3, 3, 2, 2), (2, 1), "VALID", (2, 2)),
        ((1, 6, 6, 1), (2, 2, 1, 1), (3, 3), "SAME", (1, 1))]):
    x = _rng.standard_normal(xs).astype(np.float32)
    w = _rng.standard_normal(ws).astype(np.float32)
    want = N.Conv2DOp.reference(x, w, strides, padding, dilations)
    dil = f" dilations = [{dilations[0]}, {dilations[1]}]" if dilations != (1, 1) else ""
    case(f"conv{i}", [const("x", x), const("w", w),
                      f"%0 = lamina.conv2d %x, %w strides = [{strides[0]}, {strides[1]}] padding = "
                      f"{padding}{dil} : ({ttext(xs)}, {ttext(ws)}) -> {ttext(want.shape)}"], want)
    for cls in (N.MaxPool2DOp, N.AvgPool2DOp):
        k = ws[:2]
        want = cls.reference(x, k, strides, padding)
        case(f"{cls.kind}pool{i}", [const("x", x), f"%0 = {cls.opdef.name} %x ksize = [{k[0]}, "
                                   f"{k[1]}] strides = [{strides[0]}, {strides[1]}] padding = "
                                   f"{padding} : {ttext(xs)} -> {ttext(want.shape)}"], want)

xi = _rng.integers(-4, 5, (1, 4, 4, 2)).astype(np.int32)
wi = _rng.integers(-4, 5, (2, 2, 2, 3)).astype(np.int32)
case("conv_i32", [const("x", xi, "i32"), const("w", wi, "i32"),
                  f"%0 = lamina.conv2d %x, %w strides = [1, 1] padding = SAME : "
                  f"({ttext(xi.shape, 'i32')}, {ttext(wi.shape, 'i32')}) -> "
                  f"{ttext((1, 4, 4, 3), 'i32')}"],
     N.Conv2DOp.reference(xi, wi, (1, 1), "SAME"), "i32")
case("maxpool_i32", [const("x", xi, "i32"),
                     f"%0 = lamina.max_pool2d %x ksize = [3, 3] strides = [2, 2] padding = SAME : "
                     f"{ttext(xi.shape, 'i32')} -> {ttext((1, 2, 2, 2), 'i32')}"],
     N.MaxPool2DOp.reference(xi, (3, 3), (2, 2), "SAME"), "i32")
# a dynamic batch and height: the padding is computed at run time
x = _rng.standard_normal((2, 5, 4, 1)).astype(np.float32)
case("avgpool_dynamic", [const("c", x), "%x = lamina.reshape %c : tensor<2x5x4x1xf32> -> "
                         "tensor<?x5x4x1xf32>",
                         "%p = lamina.avg_pool2d %x ksize = [2, 3] strides = [2, 2] padding = "
                         "SAME : tensor<?x5x4x1xf32> -> tensor<?x3x2x1xf32>",
                         "%0 = lamina.reshape %p : tensor<?x3x2x1xf32> -> tensor<2x3x2x1xf32>"],
     N.AvgPool2DOp.reference(x, (2, 3), (2, 2), "SAME"))

# -- shape ----------------------------------------------------------------------------------------

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
XC = const("x", X)
XD = "%d = lamina.reshape %x : tensor<2x3x4xf32> -> tensor<?x3x4xf32>"
case("reshape", [XC, "%0 = lamina.reshape %x : tensor<2x3x4xf32> -> tensor<4x6xf32>"],
     X.reshape(4, 6))
case("reshape_dynamic", [XC, "%r = lamina.reshape %x : tensor<2x3x4xf32> -> tensor<?x4xf32>",
                         "%0 = lamina.reshape %r : tensor<?x4xf32> -> tensor<3x8xf32>"],
     X.reshape(3, 8))
case("transpose", [XC, "%0 = lamina.transpose %x perm = [2, 0, 1] : tensor<2x3x4xf32> -> "
                       "tensor<4x2x3xf32>"], X.transpose(2, 0, 1))
case("concat", [XC, XD, "%0 = lamina.concat %d, %x, %d axis = 0 : (tensor<?x3x4xf32>, "
                        "tensor<2x3x4xf32>, tensor<?x3x4xf32>) -> tensor<6x3x4xf32>"],
     np.concatenate([X, X, X]))
case("stack", [XC, XD, "%0 = lamina.stack %x, %d axis = 3 : (tensor<2x3x4xf32>, "
                       "tensor<?x3x4xf32>) -> tensor<2x3x4x2xf32>"], np.stack([X, X], 3))
case("broadcast", [XC, "%s = lamina.strided_slice %x [0, :, 1:2] : (tensor<2x3x4xf32>) -> "
                       "tensor<3x1xf32>",
                   "%0 = lamina.broadcast_to %s : (tensor<3x1xf32>) -> tensor<2x3x5xf32>"],
     np.broadcast_to(X[0, :, 1:2], (2, 3, 5)))
case("broadcast_shape", [XC, "%n = lamina.constant dense<[2, 4]> : tensor<2xi64>",
                         "%s = lamina.strided_slice %x [1, 2] : (tensor<2x3x4xf32>) -> "
                         "tensor<4xf32>",
                         "%b = lamina.broadcast_to %s, %n : (tensor<4xf32>, tensor<2xi64>) -> "
                         "tensor<?x4xf32>",
                         "%0 = lamina.reshape %b : tensor<?x4xf32> -> tensor<2x4xf32>"],
     np.broadcast_to(X[1, 2], (2, 4)))
case("shape", [XC, XD, "%0 = lamina.shape %d : tensor<?x3x4xf32> -> tensor<3xi32>"],
     np.array([2, 3, 4], np.int32), "i32")
SLICES = {"slice0": "[1:3, ::2, 0]", "slice1": "[::-1, 2:0:-1, -1]", "slice2": "[-1, 1:, ::3]",
          "slice3": "[:, -100:100:2]", "slice4": "[1, -1::-2]", "slice5": "[0:5:7, 1]"}
for name, spec in SLICES.items():
    index = eval(f"np.s_{spec}")  # the same text is a Python index
    want = X[index]
    case(name, [XC, f"%0 = lamina.strided_slice %x {spec} : (tensor<2x3x4xf32>) -> "
                    f"{ttext(want.shape)}"], want)
case("slice_dynamic", [XC, XD, "%i = lamina.constant dense<-1> : tensor<i32>",
                       "%j = lamina.constant dense<3> : tensor<i64>",
                       "%s = lamina.strided_slice %d [%i, :, %j] : (tensor<?x3x4xf32>, "
                       "tensor<i32>, tensor<i64>) -> tensor<3xf32>",
                       "%0 = lamina.reshape %s : tensor<3xf32> -> tensor<3xf32>"], X[-1, :, 3])
case("slice_dynamic_backwards", [XC, XD, "%i = lamina.constant dense<2> : tensor<i32>",
                                 "%j = lamina.constant dense<0> : tensor<i64>",
                                 "%s = lamina.strided_slice %d [:, %i:%j:-1] : "
                                 "(tensor<?x3x4xf32>, tensor<i32>, tensor<i64>) -> "
                                 "tensor<?x?x4xf32>",
                                 "%0 = lamina.reshape %s : tensor<?x?x4xf32> -> tensor<2x2x4xf32>"],
     X[:, 2:0:-1])

# -- random: the uniform draws bit for bit (as integers: u * 2^23), the others to print precision.
# The cases share the module's generator state, seed 0: each draw starts where the last ended.

case("uniform_bits", ["%a = lamina.random_uniform : tensor<2x2xf32>",
                      "%u = lamina.random_uniform : tensor<3x5xf32>",
                      "%s = lamina.constant dense<8388608.0> : tensor<f32>",
                      "%m = lamina.multiply %u, %s : (tensor<3x5xf32>, tensor<f32>) -> "
                      "tensor<3x5xf32>",
                      "%0 = lamina.cast %m : tensor<3x5xf32> to tensor<3x5xi32>"],
     (R.uniform_reference((3, 5), np.float32, seed=0, counter=4) * 2 ** 23).astype(np.int32),
     "i32")
case("uniform_f64", ["%0 = lamina.random_uniform {maxval = 2.5, minval = -3.0} : "
                     "tensor<4x5xf64>"],
     R.uniform_reference((4, 5), np.float64, seed=0, counter=19, minval=-3.0, maxval=2.5),
     "f64")
case("normal", ["%n = lamina.constant dense<[50, 4]> : tensor<2xi32>",
                "%r = lamina.random_normal %n {mean = 1.0, stddev = 2.0} : tensor<2xi32> -> "
                "tensor<?x?xf32>",
                "%0 = lamina.reshape %r : tensor<?x?xf32> -> tensor<50x4xf32>"],
     R.normal_reference((50, 4), np.float32, seed=0, counter=39, mean=1.0, stddev=2.0))

# -- control flow ---------------------------------------------------------------------------------

case("while_cond", ["%x = lamina.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>",
                    "%z = lamina.constant dense<0> : tensor<i32>",
                    "%one = lamina.constant dense<1> : tensor<i32>",
                    "%n = lamina.constant dense<5> : tensor<i32>",
                    "%r:2 = lamina.while (%i = %z, %acc = %x) : (tensor<i32>, tensor<3xf32>) -> "
                    "(tensor<i32>, tensor<?xf32>) {",
                    "  %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>",
                    "  lamina.yield %c : tensor<i1>",
                    "} do {",
                    "^bb0(%i2: tensor<i32>, %a2: tensor<?xf32>):",
                    "  %i3 = lamina.add %i2, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>",
                    "  %a3 = lamina.add %a2, %a2 : (tensor<?xf32>, tensor<?xf32>) -> "
                    "tensor<?xf32>",
                    "  lamina.yield %i3, %a3 : tensor<i32>, tensor<?xf32>",
                    "}",
                    "%p = lamina.less %n, %z : (tensor<i32>, tensor<i32>) -> tensor<i1>",
                    "%c = lamina.cond %p -> (tensor<?xf32>) {",
                    "  lamina.yield %x : tensor<3xf32>",
                    "} else {",
                    "  lamina.yield %r#1 : tensor<?xf32>",
                    "}",
                    "%0 = lamina.reshape %c : tensor<?xf32> -> tensor<3xf32>"],
     np.array([32.0, 64.0, 96.0], np.float32))


@functools.lru_cache(maxsize=None)
def compiled_results():
    """Every case compiled in one module and run once: name -> printed array."""
    module = ir.parse("\n".join(text for text, _, _ in CASES.values()))
    ir.verify(module)
    run_pipeline(module, TO_LOOPS)
    lines, decls = [], set()
    for name, (_, want, et) in CASES.items():
        mt = "memref<" + "".join(f"{d}x" for d in want.shape) + et + ">"
        decls.add(f"func.func private @{PRINTERS[et]}(memref<*x{et}>)")
        lines += [f"  %{name} = func.call @{name}() : () -> {mt}",
                  f"  %{name}_u = memref.cast %{name} : {mt} to memref<*x{et}>",
                  f"  func.call @{PRINTERS[et]}(%{name}_u) : (memref<*x{et}>) -> ()"]
    text = str(module).rstrip()
    main = "\n".join(sorted(decls)) + "\nfunc.func @main() {\n" + "\n".join(lines) + \
        "\n  return\n}\n"
    with tempfile.TemporaryDirectory(prefix="lamina-compiled-") as tmp:
        path = os.path.join(tmp, "cases.mlir")
        with open(path, "w") as f:
            f.write(text[:-1] + main + "}\n")
        opt = subprocess.run([f"{BIN}/mlir-opt", *UPSTREAM, path], capture_output=True,
                             text=True, timeout=300)
        assert opt.returncode == 0, opt.stderr[-4000:]
        run = subprocess.run([f"{BIN}/mlir-runner", "-e", "main", "-entry-point-result=void",
                              "-shared-libs=" + ",".join(RUNNER_LIBS)], input=opt.stdout,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-4000:]
    outputs = run.stdout.split("Unranked Memref")[1:]
    assert len(outputs) == len(CASES)
    results = {}
    for name, out in zip(CASES, outputs):
        want = CASES[name][1]
        data = out[out.index("data =") + len("data ="):]
        nums = re.findall(r"-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)", data)
        results[name] = np.array([float(v) for v in nums]).reshape(want.shape) \
            if want.size else np.zeros(want.shape)
    return results


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_matches_reference(name):
    _, want, et = CASES[name]
    got = compiled_results()[name]
    if et.startswith("i"):
        np.testing.assert_array_equal(got, want)
    else:  # the runner prints 6 significant digits
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)
