"""The native printers of `lamina.print` (what tf.print stages): compiled code calls them with
the tensor as an unranked memref (rank, pointer to the ranked descriptor), and they write
tf.print's text to stderr (file descriptor 2, unbuffered), as lamina.dialects.lamina_ops.io's
`format_tensor` writes it for the eager kernel:

    laminaPrintTensor<F16|BF16|F32|F64|I1|I8|I16|I32|I64|U8|U16|U32|U64>(rank, desc, summarize)
    laminaPrintString(rank, desc)          the text of an i8 memref

Written as LLVM IR that lamina compiles once per process (through the object cache), as the
runner utilities are; lamina.driver links compiled code that declares them against them.
"""

from __future__ import annotations


from . import jit

# printer suffix -> (LLVM type, bytes, how an element prints)
_KINDS = {
    "F16": ("half", 2, "float"), "BF16": ("bfloat", 2, "float"), "F32": ("float", 4, "float"),
    "F64": ("double", 8, "double"), "I1": ("i1", 1, "u"), "I8": ("i8", 1, "s"),
    "I16": ("i16", 2, "s"), "I32": ("i32", 4, "s"), "I64": ("i64", 8, "s"),
    "U8": ("i8", 1, "u"), "U16": ("i16", 2, "u"), "U32": ("i32", 4, "u"),
    "U64": ("i64", 8, "u"),
}
MAX_RANK = 64  # newlines a separator may need

_HEAD = r"""
@.nan = private unnamed_addr constant [4 x i8] c"nan\00"
@.mnan = private unnamed_addr constant [5 x i8] c"-nan\00"
@.g = private unnamed_addr constant [5 x i8] c"%.*g\00"
@.s = private unnamed_addr constant [3 x i8] c"%s\00"
@.lld = private unnamed_addr constant [5 x i8] c"%lld\00"
@.llu = private unnamed_addr constant [5 x i8] c"%llu\00"
@.open = private unnamed_addr constant [2 x i8] c"[\00"
@.close = private unnamed_addr constant [2 x i8] c"]\00"
@.dots = private unnamed_addr constant [4 x i8] c"...\00"
@.space = private unnamed_addr constant [2 x i8] c" \00"
@.sep = private unnamed_addr constant [8 x i8] c"%.*s%*s\00"
@.empty = private unnamed_addr constant [1 x i8] zeroinitializer
@.newlines = private unnamed_addr constant [{n} x i8] c"{newlines}\00"

declare i32 @dprintf(i32, ptr, ...)
declare i32 @snprintf(ptr, i64, ptr, ...)
declare double @strtod(ptr, ptr)
declare i64 @write(i32, ptr, i64)

; a float as TensorFlow's StrCat writes it: %.6g (f64: %.15g), or %.9g (%.17g) where fewer
; digits would not read back as the same value; NaN as nan or -nan
define private void @__lp_float(double %v, i1 %narrow) {
entry:
  %isnan = fcmp uno double %v, %v
  br i1 %isnan, label %nan, label %num
nan:
  %bits = bitcast double %v to i64
  %neg = icmp slt i64 %bits, 0
  %s = select i1 %neg, ptr @.mnan, ptr @.nan
  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr @.s, ptr %s)
  ret void
num:
  %buf = alloca [64 x i8]
  %d0 = select i1 %narrow, i32 6, i32 15
  %d1 = select i1 %narrow, i32 9, i32 17
  call i32 (ptr, i64, ptr, ...) @snprintf(ptr %buf, i64 64, ptr @.g, i32 %d0, double %v)
  %back = call double @strtod(ptr %buf, ptr null)
  %bf = fptrunc double %back to float
  %vf = fptrunc double %v to float
  %eqf = fcmp oeq float %bf, %vf
  %eqd = fcmp oeq double %back, %v
  %eq = select i1 %narrow, i1 %eqf, i1 %eqd
  br i1 %eq, label %out, label %more
more:
  call i32 (ptr, i64, ptr, ...) @snprintf(ptr %buf, i64 64, ptr @.g, i32 %d1, double %v)
  br label %out
out:
  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr @.s, ptr %buf)
  ret void
}

; the separator before an element of dimension d: a space in the last dimension, else
; rank - d - 1 newlines and d + 1 spaces
define private void @__lp_space(i64 %rank, i64 %d) {
entry:
  %last = sub i64 %rank, 1
  %islast = icmp eq i64 %d, %last
  br i1 %islast, label %sp, label %nl
sp:
  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr @.s, ptr @.space)
  ret void
nl:
  %n = sub i64 %last, %d
  %n32 = trunc i64 %n to i32
  %d1 = add i64 %d, 1
  %s32 = trunc i64 %d1 to i32
  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr @.sep, i32 %n32, ptr @.newlines, i32 %s32,
                                     ptr @.empty)
  ret void
}

; dimension d of the tensor at element index `base`: its first and last `limit` entries
define private void @__lp_dim(ptr %desc, i64 %rank, i64 %d, i64 %base, i64 %limit, ptr %elem,
                              i64 %size) {
entry:
  %leaf = icmp eq i64 %d, %rank
  br i1 %leaf, label %element, label %inner
element:
  %alp = getelementptr i8, ptr %desc, i64 8
  %aligned = load ptr, ptr %alp
  %offp = getelementptr i8, ptr %desc, i64 16
  %off = load i64, ptr %offp
  %idx = add i64 %off, %base
  %byte = mul i64 %idx, %size
  %p = getelementptr i8, ptr %aligned, i64 %byte
  call void %elem(ptr %p)
  ret void
inner:
  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr @.s, ptr @.open)
  %szi = add i64 %d, 3
  %szp = getelementptr i64, ptr %desc, i64 %szi
  %count = load i64, ptr %szp
  %sti0 = add i64 %szi, %rank
  %stp = getelementptr i64, ptr %desc, i64 %sti0
  %stride = load i64, ptr %stp
  %next = add i64 %d, 1
  %lt = icmp slt i64 %limit, %count
  %n1 = select i1 %lt, i64 %limit, i64 %count
  br label %loop1
loop1:
  %i = phi i64 [ 0, %inner ], [ %inext, %print1 ]
  %more1 = icmp slt i64 %i, %n1
  br i1 %more1, label %body1, label %mid
body1:
  %first = icmp eq i64 %i, 0
  br i1 %first, label %print1, label %space1
space1:
  call void @__lp_space(i64 %rank, i64 %d)
  br label %print1
print1:
  %o1 = mul i64 %i, %stride
  %b1 = add i64 %base, %o1
  call void @__lp_dim(ptr %desc, i64 %rank, i64 %next, i64 %b1, i64 %limit, ptr %elem,
                      i64 %size)
  %inext = add i64 %i, 1
  br label %loop1
mid:
  %twice = shl i64 %limit, 1
  %elide = icmp sgt i64 %count, %twice
  br i1 %elide, label %dots, label %second
dots:
  call void @__lp_space(i64 %rank, i64 %d)
  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr @.s, ptr @.dots)
  br label %second
second:
  %tail = sub i64 %count, %limit
  %gt = icmp sgt i64 %limit, %tail
  %start = select i1 %gt, i64 %limit, i64 %tail
  br label %loop2
loop2:
  %j = phi i64 [ %start, %second ], [ %jnext, %body2 ]
  %more2 = icmp slt i64 %j, %count
  br i1 %more2, label %body2, label %close
body2:
  call void @__lp_space(i64 %rank, i64 %d)
  %o2 = mul i64 %j, %stride
  %b2 = add i64 %base, %o2
  call void @__lp_dim(ptr %desc, i64 %rank, i64 %next, i64 %b2, i64 %limit, ptr %elem,
                      i64 %size)
  %jnext = add i64 %j, 1
  br label %loop2
close:
  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr @.s, ptr @.close)
  ret void
}

; a tensor, each dimension summarized to its first and last `summarize` entries (all of
; them where summarize < 0)
define private void @__lp_tensor(i64 %rank, ptr %desc, i64 %summarize, ptr %elem,
                                 i64 %size) {
entry:
  br label %count
count:
  %k = phi i64 [ 0, %entry ], [ %knext, %step ]
  %n = phi i64 [ 1, %entry ], [ %nnext, %step ]
  %morek = icmp slt i64 %k, %rank
  br i1 %morek, label %step, label %counted
step:
  %szi = add i64 %k, 3
  %szp = getelementptr i64, ptr %desc, i64 %szi
  %sz = load i64, ptr %szp
  %nnext = mul i64 %n, %sz
  %knext = add i64 %k, 1
  br label %count
counted:
  %all = icmp slt i64 %summarize, 0
  %few = icmp slt i64 %summarize, %n
  %some = select i1 %few, i64 %summarize, i64 %n
  %limit = select i1 %all, i64 %n, i64 %some
  %scalar = icmp eq i64 %rank, 0
  %none = icmp eq i64 %limit, 0
  %dotsonly = and i1 %scalar, %none
  br i1 %dotsonly, label %dots, label %print
dots:
  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr @.s, ptr @.dots)
  ret void
print:
  call void @__lp_dim(ptr %desc, i64 %rank, i64 0, i64 0, i64 %limit, ptr %elem, i64 %size)
  ret void
}

define void @laminaPrintString(i64 %rank, ptr %desc) {
  %alp = getelementptr i8, ptr %desc, i64 8
  %aligned = load ptr, ptr %alp
  %offp = getelementptr i8, ptr %desc, i64 16
  %off = load i64, ptr %offp
  %szp = getelementptr i8, ptr %desc, i64 24
  %n = load i64, ptr %szp
  %p = getelementptr i8, ptr %aligned, i64 %off
  call i64 @write(i32 2, ptr %p, i64 %n)
  ret void
}
"""


def _element_printer(suffix):
    ty, _, how = _KINDS[suffix]
    head = f"define private void @__lp_elem_{suffix}(ptr %p) {{\n  %x = load {ty}, ptr %p\n"
    if how in ("float", "double"):
        conv = "" if ty == "double" else f"  %v = fpext {ty} %x to double\n"
        v = "%x" if ty == "double" else "%v"
        narrow = "true" if how == "float" else "false"
        body = conv + f"  call void @__lp_float(double {v}, i1 {narrow})\n"
    else:
        ext = "" if ty == "i64" else f"  %v = {'sext' if how == 's' else 'zext'} {ty} %x to i64\n"
        v = "%x" if ty == "i64" else "%v"
        fmt = "@.lld" if how == "s" else "@.llu"
        body = ext + f"  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr {fmt}, i64 {v})\n"
    return head + body + "  ret void\n}"


def _tensor_printer(suffix):
    _, size, _ = _KINDS[suffix]
    return (f"define void @laminaPrintTensor{suffix}(i64 %rank, ptr %desc, i64 %summarize) {{\n"
            f"  call void @__lp_tensor(i64 %rank, ptr %desc, i64 %summarize, "
            f"ptr @__lp_elem_{suffix}, i64 {size})\n  ret void\n}}")


def _generate():
    newlines = "\\0A" * MAX_RANK
    parts = [_HEAD.replace("{n}", str(MAX_RANK + 1)).replace("{newlines}", newlines)]
    for suffix in _KINDS:
        parts += [_element_printer(suffix), _tensor_printer(suffix)]
    names = ["laminaPrintString"] + [f"laminaPrintTensor{s}" for s in _KINDS]
    return "\n\n".join(parts) + "\n", tuple(names)


IR_TEXT, _EXPORTS = _generate()
NATIVE = jit.NativeLibrary("print-utils", IR_TEXT, _EXPORTS)
SYMBOLS = NATIVE.symbols
library = NATIVE.load
addresses = NATIVE.addresses


__all__ = ["SYMBOLS", "IR_TEXT", "library", "addresses"]
