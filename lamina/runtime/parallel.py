"""`__lamina_parallel_for(fn, ctx, begin, end, cost)`: runs `fn(ctx, lo, hi)` over chunks that
cover `begin..end` exactly, on the calling thread and a pool of worker threads (one per other
core). Compiled parallel loops call it (lamina.lowering.parallel_outline). `cost` is the work
of one iteration (in ops): a loop whose whole work, `(end - begin) * cost`, is below MIN_WORK
per extra thread runs on the caller's thread alone, in one call.

Written as LLVM IR that lamina compiles and loads once per process (a NativeLibrary, as the
runner utilities), calling the C library's pthread_create, sched_yield and syscall (futex).

The pool. Its workers are started on the first call that splits and stay: starting a thread
per call cost tens of µs each (a training step's dozen loops spent a quarter of their time in
the kernel). A call publishes a job, wakes the workers, and claims chunks itself; a worker
claims chunks until none is left. The chunks are handed out one at a time from one atomic
word, `state` = generation << 32 | chunks << 16 | next, which is why whoever is fastest does
more: a core that another process (another library's spinning thread pool, say) holds for a
while costs its share of chunks, not a whole static half. A claim is a compare-and-swap of
the whole word, so it succeeds only for a chunk of the job that is current, whose fields
(`job`) are therefore intact: the caller does not return, nor publish the next job, before
every chunk has run (`remaining` reaches 0). It never waits for a worker that claimed nothing,
so a worker that is late, was never started or does not exist (after a fork) only leaves
more to the caller.

One job at a time: a call that finds the pool busy (another thread's call, or a parallel loop
inside a chunk) runs its loop on its own thread. An idle worker spins for SPIN_US on the
generation (back-to-back loops, as a training step's, find it awake), then sleeps on a futex;
a caller makes the wake-up system call only when a worker sleeps. After a fork the child's
pool is reset (os.register_at_fork), so that it starts workers of its own.
"""

from __future__ import annotations

import ctypes
import os
import platform

from . import jit

SYMBOL = "__lamina_parallel_for"
RESET = "__lamina_parallel_reset"
# ops of work a thread must get to pay for waking it and sharing the loop (~100 µs of one
# core; a quarter of that measured no better, and column sums a little worse)
MIN_WORK = 1 << 18
# a chunk is at least this much work (one claim, a contended atomic, per chunk), and a thread
# gets at most CHUNKS of them: enough to even out a core that is slow or late
CHUNK_WORK = 1 << 15
CHUNKS = 8
MAX_CHUNKS = (1 << 16) - 1  # the chunk count and index are 16-bit fields of `state`
# how long an idle worker watches for the next job before it sleeps: a training step's loops
# follow each other closely, and waking a sleeping worker costs tens of µs here (a VM)
SPIN_US = 100
CYCLES_PER_US = 2500
SYS_FUTEX = {"x86_64": 202, "aarch64": 98}
FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE = 128, 129


def threads():
    try:
        return max(1, min(64, len(os.sched_getaffinity(0))))
    except (AttributeError, OSError):
        return max(1, min(64, os.cpu_count() or 1))


def _ir(n, machine):
    x86 = machine in ("x86_64", "AMD64")
    futex = SYS_FUTEX.get("x86_64" if x86 else machine)
    pause = "call void @llvm.x86.sse2.pause()" if x86 else ""
    intrinsics = ("declare void @llvm.x86.sse2.pause()\n"
                  "declare i64 @llvm.readcyclecounter()\n") if x86 else ""
    futex_call = "call i64 (i64, ...) @syscall(i64 {}, ptr @wake, i64 {}, i64 {}, ptr null)"
    sleep = f"""
  %sx = zext i32 %s to i64
  %fw = {futex_call.format(futex, FUTEX_WAIT_PRIVATE, "%sx")}""" if futex else """
  %yw = call i32 @sched_yield()"""
    wake = f"""
  %fk = {futex_call.format(futex, FUTEX_WAKE_PRIVATE, 2147483647)}""" if futex else ""
    worker = _worker_spinning(sleep) if x86 else _worker_sleeping(sleep)
    return f"""
%job = type {{ ptr, ptr, i64, i64, i64 }}

@state = internal global i64 0, align 64
@remaining = internal global i64 0, align 64
@wake = internal global i32 0, align 64
@sleepers = internal global i32 0, align 64
@lock = internal global i32 0, align 64
@started = internal global i32 0, align 64
@job = internal global %job zeroinitializer, align 64

declare i32 @pthread_create(ptr, ptr, ptr, ptr)
declare i32 @pthread_detach(i64)
declare i32 @sched_yield()
declare i64 @syscall(i64, ...)
{intrinsics}
; claims and runs chunks of the current job until none is left
define internal void @lamina_pool_claim() {{
entry:
  %s0 = load atomic i64, ptr @state monotonic, align 8
  br label %loop

loop:
  %s = phi i64 [ %s0, %entry ], [ %seen, %try ], [ %after, %run ]
  %next = and i64 %s, 65535
  %nsh = lshr i64 %s, 16
  %n = and i64 %nsh, 65535
  %more = icmp ult i64 %next, %n
  br i1 %more, label %try, label %done

try:
  %s1 = add i64 %s, 1
  %r = cmpxchg ptr @state, i64 %s, i64 %s1 acq_rel monotonic
  %seen = extractvalue {{ i64, i1 }} %r, 0
  %ok = extractvalue {{ i64, i1 }} %r, 1
  br i1 %ok, label %run, label %loop

run:
  %fn = load ptr, ptr @job
  %cp = getelementptr %job, ptr @job, i32 0, i32 1
  %ctx = load ptr, ptr %cp
  %bp = getelementptr %job, ptr @job, i32 0, i32 2
  %begin = load i64, ptr %bp
  %ep = getelementptr %job, ptr @job, i32 0, i32 3
  %end = load i64, ptr %ep
  %kp = getelementptr %job, ptr @job, i32 0, i32 4
  %chunk = load i64, ptr %kp
  %off = mul i64 %next, %chunk
  %lo = add i64 %begin, %off
  %hi0 = add i64 %lo, %chunk
  %past = icmp sgt i64 %hi0, %end
  %hi = select i1 %past, i64 %end, i64 %hi0
  call void %fn(ptr %ctx, i64 %lo, i64 %hi)
  %left = atomicrmw sub ptr @remaining, i64 1 release
  %after = load atomic i64, ptr @state monotonic, align 8
  br label %loop

done:
  ret void
}}

{worker}
define void @{RESET}() {{
  store i32 0, ptr @lock
  store i32 0, ptr @started
  store i32 0, ptr @sleepers
  store i64 0, ptr @remaining
  %s = load i64, ptr @state
  %gen = and i64 %s, -4294967296
  store i64 %gen, ptr @state
  ret void
}}

define void @{SYMBOL}(ptr %fn, ptr %ctx, i64 %begin, i64 %end, i64 %cost) {{
entry:
  %n = sub i64 %end, %begin
  %c0 = icmp sle i64 %cost, 0
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
  br i1 %one, label %serial, label %try

serial:
  call void %fn(ptr %ctx, i64 %begin, i64 %end)
  ret void

try:
  %l = cmpxchg ptr @lock, i32 0, i32 1 acquire monotonic
  %got = extractvalue {{ i32, i1 }} %l, 1
  br i1 %got, label %locked, label %serial

locked:
  %st = load i32, ptr @started
  %cold = icmp eq i32 %st, 0
  br i1 %cold, label %start, label %publish

start:
  %tid = alloca i64
  store i32 1, ptr @started
  br label %spawn

spawn:
  %k = phi i32 [ 1, %start ], [ %k1, %spawned_one ]
  %rc = call i32 @pthread_create(ptr %tid, ptr null, ptr @lamina_pool_worker, ptr null)
  %ok = icmp eq i32 %rc, 0
  br i1 %ok, label %detach, label %spawned_one

detach:  ; (a thread that was not created has nothing to detach: no worker, more for the caller)
  %tv = load i64, ptr %tid
  %dt = call i32 @pthread_detach(i64 %tv)
  br label %spawned_one

spawned_one:
  %k1 = add i32 %k, 1
  %spawned = icmp slt i32 %k1, {n}
  br i1 %spawned, label %spawn, label %publish

publish:
  ; chunk = max(1, CHUNK_WORK / cost, ceil(n / (CHUNKS * parts)), ceil(n / MAX_CHUNKS))
  %byc = udiv i64 {CHUNK_WORK}, %c
  %share = mul i64 %parts, {CHUNKS}
  %nsh = add i64 %n, %share
  %nsh1 = sub i64 %nsh, 1
  %few = sdiv i64 %nsh1, %share
  %nm = add i64 %n, {MAX_CHUNKS - 1}
  %cap = sdiv i64 %nm, {MAX_CHUNKS}
  %m1 = icmp sgt i64 %byc, %few
  %ch1 = select i1 %m1, i64 %byc, i64 %few
  %m2 = icmp sgt i64 %ch1, %cap
  %ch2 = select i1 %m2, i64 %ch1, i64 %cap
  %m3 = icmp sgt i64 %ch2, 1
  %chunk = select i1 %m3, i64 %ch2, i64 1
  %nc0 = add i64 %n, %chunk
  %nc1 = sub i64 %nc0, 1
  %chunks = sdiv i64 %nc1, %chunk
  store ptr %fn, ptr @job
  %cp = getelementptr %job, ptr @job, i32 0, i32 1
  store ptr %ctx, ptr %cp
  %bp = getelementptr %job, ptr @job, i32 0, i32 2
  store i64 %begin, ptr %bp
  %ep = getelementptr %job, ptr @job, i32 0, i32 3
  store i64 %end, ptr %ep
  %kp = getelementptr %job, ptr @job, i32 0, i32 4
  store i64 %chunk, ptr %kp
  store atomic i64 %chunks, ptr @remaining monotonic, align 8
  %old = load atomic i64, ptr @state monotonic, align 8
  %gen = and i64 %old, -4294967296
  %gen1 = add i64 %gen, 4294967296
  %csh = shl i64 %chunks, 16
  %new = or i64 %gen1, %csh
  store atomic i64 %new, ptr @state release, align 8
  %wk = atomicrmw add ptr @wake, i32 1 seq_cst
  %sleeping = load atomic i32, ptr @sleepers seq_cst, align 4
  %any = icmp ne i32 %sleeping, 0
  br i1 %any, label %rouse, label %work

rouse:{wake}
  br label %work

work:
  call void @lamina_pool_claim()
  br label %wait

wait:
  %spins = phi i64 [ 0, %work ], [ %spins1, %pause ], [ %spins1, %yield ]
  %rem = load atomic i64, ptr @remaining acquire, align 8
  %finished = icmp eq i64 %rem, 0
  br i1 %finished, label %done, label %pause

pause:
  {pause}
  %spins1 = add i64 %spins, 1
  %long = icmp ugt i64 %spins1, 20000
  br i1 %long, label %yield, label %wait

yield:
  %y = call i32 @sched_yield()
  br label %wait

done:
  store atomic i32 0, ptr @lock release, align 4
  ret void
}}
"""


def _worker_sleeping(sleep):
    return f"""
define internal ptr @lamina_pool_worker(ptr %arg) {{
entry:
  br label %top

top:
  %s = load atomic i32, ptr @wake acquire, align 4
  call void @lamina_pool_claim()
{_SLEEP.format(sleep=sleep)}
}}
"""


# the worker's sleep on the futex, after it saw generation %s
_SLEEP = """
  %sl = atomicrmw add ptr @sleepers, i32 1 seq_cst
  %w2 = load atomic i32, ptr @wake seq_cst, align 4
  %same = icmp eq i32 %w2, %s
  br i1 %same, label %wait, label %awake

wait:{sleep}
  br label %awake

awake:
  %sl2 = atomicrmw sub ptr @sleepers, i32 1 seq_cst
  br label %top
"""


def _worker_spinning(sleep):
    """x86: the worker spins on the generation for SPIN_US by the time-stamp counter (taken
    as ~2.5 GHz, the nominal clock), then sleeps."""
    return f"""
define internal ptr @lamina_pool_worker(ptr %arg) {{
entry:
  br label %top

top:
  %s = load atomic i32, ptr @wake acquire, align 4
  call void @lamina_pool_claim()
  %t0 = call i64 @llvm.readcyclecounter()
  br label %spin

spin:
  %w = load atomic i32, ptr @wake monotonic, align 4
  %changed = icmp ne i32 %w, %s
  br i1 %changed, label %top, label %idle

idle:
  call void @llvm.x86.sse2.pause()
  %t = call i64 @llvm.readcyclecounter()
  %el = sub i64 %t, %t0
  %long = icmp ugt i64 %el, {SPIN_US * CYCLES_PER_US}
  br i1 %long, label %sleep, label %spin

sleep:
{_SLEEP.format(sleep=sleep)}
}}
"""


IR_TEXT = _ir(threads(), platform.machine())
NATIVE = jit.NativeLibrary("parallel-runtime", IR_TEXT, (SYMBOL, RESET))
SYMBOLS = NATIVE.symbols
addresses = NATIVE.addresses


def _reset_after_fork():
    """The child of a fork has none of the parent's workers (and maybe a pool left busy by a
    thread that does not exist there): it starts afresh."""
    if NATIVE.loaded is not None:
        ctypes.CFUNCTYPE(None)(NATIVE.loaded.address(RESET))()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
