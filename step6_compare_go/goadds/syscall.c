/*
 * syscall.c: system calls that may block, and the P they would hold
 * (Go: runtime.entersyscall, exitsyscall, exitsyscall0 in proc.go).
 *
 * In step 5 a goroutine blocked in read(2) holds its M, and with it its
 * P: at GOMAXPROCS=1 nothing else runs until the call returns. Here the
 * goroutine marks its P P_SYSCALL first (entersyscall). It keeps the P:
 * most calls are short, and taking the P back is one compare-and-swap.
 * But sysmon (sysmon.c) takes a P that stays P_SYSCALL for a round, 20
 * us or more, and hands it to another M (handoffp): the other goroutines
 * run on, on another thread, while this one waits in the kernel.
 * On return (exitsyscall):
 *   - the P is still ours (P_SYSCALL -> P_RUNNING): go on, the fast path;
 *   - it was handed off: take any idle P (Go: exitsyscallfast_pidle);
 *   - none: the goroutine goes to the global run queue and its M, which
 *     now has nothing to do, sleeps with the idle Ms (Go: exitsyscall0).
 *
 * What stays unsolved: a call that is not wrapped keeps its P (Go wraps
 * every call of its own library; its cgo calls go through entersyscall
 * too, ours through nothing). And each blocked call holds a thread: a
 * thousand goroutines blocked in read(2) are a thousand threads, in Go
 * as here (which is why Go parks network I/O in its poller instead).
 */
#include "internal.h"

/* exitsyscall0's work, on g0, once g's registers are saved: this M has
   no P; g waits for one in the global queue (goready: an M without a P
   queues it there, and wakes an idle P's M if any). g0's schedule then
   finds no P and sleeps (findrunnable, a seam). */
static void exitsyscall0(G *g, void *arg)
{
    (void)arg;
    goready(g);
}

/* The P this thread's G had when it entered its call: the G stays on
   this thread until exitsyscall, and m->p may be cleared by sysmon
   meanwhile (Go: m.oldp). */
static __thread P *oldp;

void entersyscall(void)
{
    runtime_start();
    M *m = getm();
    if (!m)
        fatal("entersyscall called from a thread that does not run "
              "goroutines");
    P *p = m->p;
    oldp = p;
    atomic_fetch_add(&sched.nsyscall, 1);
    /* A new tick: sysmon times the call from here. */
    atomic_fetch_add_explicit(&p->schedtick, 1, memory_order_relaxed);
    atomic_store(&p->status, P_SYSCALL);
}

void exitsyscall(void)
{
    int status = P_SYSCALL;
    bool kept = atomic_compare_exchange_strong(&oldp->status, &status,
                                               P_RUNNING);
    /* If not, sysmon took the P and cleared m->p under sched.lock
       (retake); acquirep_idle takes that lock before it reads m->p. */
    bool got = kept || acquirep_idle(getm());
    atomic_fetch_sub(&sched.nsyscall, 1);
    if (!got) {
        G *g = getg();
        atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
        mcall(exitsyscall0, NULL); /* back with a P, on any M */
    }
    P *p = getm()->p;
    atomic_fetch_add_explicit(&p->schedtick, 1, memory_order_relaxed);
}

/* Set errno on the thread we are on now: not inlined, so that the
   compiler cannot reuse the address of the errno it saw before the
   switch (__errno_location() is a "const" function, so it may). */
__attribute__((noinline)) static void set_errno(int err)
{
    errno = err;
}

void exitsyscall_errno(int err)
{
    exitsyscall();
    set_errno(err);
}
