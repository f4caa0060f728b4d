"""`__lamina_parallel_for(fn, ctx, begin, end, cost)`: runs `fn(ctx, lo, hi)` over `begin..end`
split into contiguous parts, one per core, the caller's thread taking the first and POSIX
threads the others (joined before it returns). Compiled parallel loops call it
(lamina.lowering.parallel_outline). `cost` is the work of one iteration (in ops): a loop
whose whole work, `(end - begin) * cost`, is below MIN_WORK per extra thread does not pay for
starting one, and runs on fewer threads, or on the caller's alone.

Written as LLVM IR that lamina compiles and loads once per process (a NativeLibrary, as the
runner utilities), calling the C library's pthread_create and pthread_join; a thread that
cannot be started leaves its part to the caller. Threads are started per call (tens of µs
each here): the work threshold keeps that a small share.
"""

from __future__ import annotations

import os

from . import jit

SYMBOL = "__lamina_parallel_for"
# ops of work a thread must get to pay for its start (~100 µs of one core)
MIN_WORK = 1 << 18


def threads():
    try:
        return max(1, min(64, len(os.sched_getaffinity(0))))
    except (AttributeError, OSError):
        return max(1, min(64, os.cpu_count() or 1))


def _ir(n):
    return f"""
%task = type {{ ptr, ptr, i64, i64 }}

declare i32 @pthread_create(ptr, ptr, ptr, ptr)
declare i32 @pthread_join(i64, ptr)

define internal ptr @lamina_parallel_worker(ptr %t) {{
  %fn = load ptr, ptr %t
  %cp = getelementptr %task, ptr %t, i32 0, i32 1
  %ctx = load ptr, ptr %cp
  %lp = getelementptr %task, ptr %t, i32 0, i32 2
  %lo = load i64, ptr %lp
  %hp = getelementptr %task, ptr %t, i32 0, i32 3
  %hi = load i64, ptr %hp
  call void %fn(ptr %ctx, i64 %lo, i64 %hi)
  ret ptr null
}}

define void @{SYMBOL}(ptr %fn, ptr %ctx, i64 %begin, i64 %end, i64 %cost) {{
entry:
  %tasks = alloca [{n} x %task]
  %tids = alloca [{n} x i64]
  %started = alloca [{n} x i1]
  %n = sub i64 %end, %begin
  %c0 = icmp eq i64 %cost, 0
  %c = select i1 %c0, i64 1, i64 %cost
  %per0 = udiv i64 {MIN_WORK}, %c
  %p0 = icmp eq i64 %per0, 0
  %per = select i1 %p0, i64 1, i64 %per0
  %byw = sdiv i64 %n, %per
  %lt = icmp slt i64 %byw, {n}
  %p1 = select i1 %lt, i64 %byw, i64 {n}
  %lt2 = icmp slt i64 %p1, %n
  %parts = select i1 %lt2, i64 %p1, i64 %n
  %one = icmp sle i64 %parts, 1
  br i1 %one, label %serial, label %spawn

serial:
  call void %fn(ptr %ctx, i64 %begin, i64 %end)
  ret void

spawn:
  %k = phi i64 [ 1, %entry ], [ %k1, %spawn ]
  %nk = mul i64 %n, %k
  %lo.off = sdiv i64 %nk, %parts
  %lo = add i64 %begin, %lo.off
  %k1 = add i64 %k, 1
  %nk1 = mul i64 %n, %k1
  %hi.off = sdiv i64 %nk1, %parts
  %hi = add i64 %begin, %hi.off
  %t = getelementptr [{n} x %task], ptr %tasks, i64 0, i64 %k
  store ptr %fn, ptr %t
  %cp = getelementptr %task, ptr %t, i32 0, i32 1
  store ptr %ctx, ptr %cp
  %lp = getelementptr %task, ptr %t, i32 0, i32 2
  store i64 %lo, ptr %lp
  %hp = getelementptr %task, ptr %t, i32 0, i32 3
  store i64 %hi, ptr %hp
  %tid = getelementptr [{n} x i64], ptr %tids, i64 0, i64 %k
  %rc = call i32 @pthread_create(ptr %tid, ptr null, ptr @lamina_parallel_worker, ptr %t)
  %ok = icmp eq i32 %rc, 0
  %sp = getelementptr [{n} x i1], ptr %started, i64 0, i64 %k
  store i1 %ok, ptr %sp
  %more = icmp slt i64 %k1, %parts
  br i1 %more, label %spawn, label %own

own:
  %first.off = sdiv i64 %n, %parts
  %first = add i64 %begin, %first.off
  call void %fn(ptr %ctx, i64 %begin, i64 %first)
  br label %join

join:
  %j = phi i64 [ 1, %own ], [ %j1, %next ]
  %jsp = getelementptr [{n} x i1], ptr %started, i64 0, i64 %j
  %jok = load i1, ptr %jsp
  %jt = getelementptr [{n} x %task], ptr %tasks, i64 0, i64 %j
  br i1 %jok, label %wait, label %inline

wait:
  %jtid = getelementptr [{n} x i64], ptr %tids, i64 0, i64 %j
  %tidv = load i64, ptr %jtid
  %jr = call i32 @pthread_join(i64 %tidv, ptr null)
  br label %next

inline:
  %ir = call ptr @lamina_parallel_worker(ptr %jt)
  br label %next

next:
  %j1 = add i64 %j, 1
  %jmore = icmp slt i64 %j1, %parts
  br i1 %jmore, label %join, label %done

done:
  ret void
}}
"""


IR_TEXT = _ir(threads())
NATIVE = jit.NativeLibrary("parallel-runtime", IR_TEXT, (SYMBOL,))
SYMBOLS = NATIVE.symbols
addresses = NATIVE.addresses
