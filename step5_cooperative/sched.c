/*
 * sched.c: the M:N scheduler (Go: runtime/proc.go), in the order of the
 * story:
 *
 *   go(fn, arg)  newproc: a G with a stack of its own, in its P's queue
 *                (runqput, runq.c), and wakep: an idle P gets an M;
 *   every M      schedule: findrunnable (the P's own queue, the global
 *                queue, due timers, stealing) -> execute (switch to it);
 *   a goroutine  stops: gopark until goready, gosched, or goexit at the
 *                end of its function.
 *
 * Its machinery lives next door: run queues in runq.c, G allocation in
 * galloc.c, spin locks and the futex an idle M sleeps on in lock.c,
 * stacks in stack.c, timers in timer.c, GODEBUG=schedtrace in sysmon.c,
 * GOTRACE's record of every event in trace.c. G, M and P are in
 * runtime.h. A G's states (runnable, running, waiting, dead) and the
 * calls that move it between them are drawn in README.md, chapter 5,
 * "A goroutine's life: the map".
 *
 * Where we differ from Go, on purpose:
 * - A goroutine that stops (gopark, gosched, its end) switches straight
 *   to the next G of its P: one ctx_switch. Go switches to the M's g0
 *   first (mcall) and then to the next G, two switches; we go to g0 only
 *   when the P has nothing left to run, or to run due timers.
 * - The local run queue is taken LIFO by its owner (runq.c says why).
 * - No preemption (Go: sysmon + signals since 1.14): a goroutine runs
 *   until it blocks, yields or ends. No hand-off of the P while a
 *   goroutine sits in a blocking system call (Go: entersyscall).
 *   Chapter 6 builds both (step6_compare_go/goadds/), attached through
 *   the seams that runtime.h lists and that end this file.
 * - Because of that, a goroutine that fills its P's ring with go() lets
 *   the newest run before it goes on (newproc); in Go it would be
 *   preempted sooner or later, and its Gs would run meanwhile.
 * - gosched with nothing else to run on the P (nor in the global queue,
 *   nor a timer due) returns at once; Go queues the G globally and
 *   finds it again.
 * - One timer heap for all Ps (Go: one per P).
 * - Goroutine 1 runs on the main thread's own stack (stack_adopt_thread),
 *   so that C's main needs no entry point of ours; M0's g0 gets a stack
 *   of ours instead. In Go, m0's g0 owns the main thread's stack and main
 *   runs on a goroutine stack like any other (rt0_go: newproc for
 *   runtime.main, then mstart).
 */
#include "runtime.h"
#include "trace.h"

#include "common.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    MAX_PROCS = 256,
    EXTRA_MS = 4,            /* Ms beyond GOMAXPROCS (see startm) */
    GLOBAL_CHECK_TICKS = 61, /* as Go's schedule() */
    STEAL_ROUNDS = 4,        /* as Go's stealWork */
    GOID_BATCH = 16,         /* goroutine ids a P takes at once (as Go) */
    ARG_MAX_BYTES = 1024,    /* largest go() argument: it is copied to
                                the top of the new goroutine's stack */
};

struct schedt sched = {.lock = PTHREAD_MUTEX_INITIALIZER};
const struct netpoller *_Atomic netpoller; /* runtime.h */

static atomic_bool started;
static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static __thread M *current_m;

static void wakep(void);
static void switch_to_next(G *cur, void (*after)(G *, void *), void *arg);
static void goroutine_entry(void);

/* ---- The running M and G ---------------------------------------------- */

/*
 * Not inline, and opaque to the optimizer: if the compiler inlined this
 * and kept the thread-local address in a register across ctx_switch, a
 * goroutine that went to sleep on thread A and woke on thread B would go
 * on using A's M (QEMU's coroutines hit exactly this on Arm).
 */
__attribute__((noinline)) M *getm(void)
{
    __asm__ volatile("" ::: "memory");
    return current_m;
}

/* The G running on m: read by m itself (relaxed), or by sysmon. */
static G *curg(M *m)
{
    return atomic_load_explicit(&m->curg, memory_order_relaxed);
}

G *getg(void)
{
    M *m = getm();
    return m ? curg(m) : NULL;
}

static M *must_m(const char *what)
{
    M *m = getm();
    if (!m)
        fatal("%s called from a thread that does not run goroutines", what);
    return m;
}

/* ---- go: newproc ------------------------------------------------------ */

/* yield_to_new's after: on the same M as the switch, so still holding p. */
static void yield_to_new_after(G *g, void *p)
{
    runqput(p, g, true);
}

/* The running G has just put a new G in runnext: run that one now, and
   this one right after it (it takes runnext in turn). */
static void yield_to_new(void)
{
    M *m = getm();
    G *g = curg(m);
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    switch_to_next(g, yield_to_new_after, m->p);
}

/*
 * Go: runtime.newproc. A G (a dead one reused, if any) with go()'s
 * argument copied into it, at the front of this P's queue. Its stack
 * comes when it first runs (gstart): a tree of goroutines (skynet), whose
 * nodes spawn all their children before the first one runs, then uses a
 * few warm stacks in turn instead of one per waiting child (Go gives the
 * stack at go(); ours at go() made skynet 209 -> 341 ms, measured).
 */
void go_spawn(void (*fn)(void *), const void *arg, size_t size)
{
    runtime_start();
    P *p = must_m("go")->p;
    if (size > ARG_MAX_BYTES)
        fatal("newproc: function arguments too large for new goroutine "
              "(%zu bytes, at most %d)", size, ARG_MAX_BYTES);
    G *g = gfget(p);
    if (p->goidcache == p->goidcacheend) { /* Go: p.goidcache */
        p->goidcache = atomic_fetch_add_explicit(&sched.goidgen, GOID_BATCH,
                                                 memory_order_relaxed) + 1;
        p->goidcacheend = p->goidcache + GOID_BATCH;
    }
    atomic_store_explicit(&g->id, p->goidcache++, memory_order_relaxed);
    if (trace.enabled)
        trace_go_create(g);
    g->fn = fn;
    g->argsize = (uint16_t)size;
    g->arg = size <= G_ARGBUF ? g->argbuf : malloc(size);
    if (!g->arg)
        fatal("out of memory (go argument)");
    if (size) /* arg may be NULL then */
        memcpy(g->arg, arg, size);
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    runqput(p, g, true);
    wakep();
    /* A loop of go() in Go is preempted within 10 ms (sysmon), so the Gs
       it makes start running meanwhile. Ours is never preempted: a loop
       of a million go() would pile up a million Gs (150 MB at
       GOMAXPROCS=1; at 2, 22 to 121 MB from run to run, whether or not
       the other P kept up). So a spawner whose ring is full lets the G
       it just made run first. */
    if (atomic_load_explicit(&p->nrunq, memory_order_relaxed) > RUNQ_SIZE)
        yield_to_new();
}

/*
 * The G's first run: a stack (a free one of this P's, if any: warm), the
 * argument moved to its top, and a first frame under it, so that the
 * first switch to the G "returns" into goroutine_entry. One stack slot
 * (stack.c), as it leaves it:
 *
 *   slot end  +-------------------------------+
 *             | free_stack record, while the  |  STACK_TOP_RESERVE
 *             | stack is free (stack.c)       |
 *   stack_hi  +-------------------------------+
 *             | go()'s argument: argsize bytes|  at most ARG_MAX_BYTES
 *   top       +-------------------------------+  rounded down to 16
 *             | first frame: 0, entry         |  ctx_init (context_*.h)
 *             +-------------------------------+  <- ctx.sp
 *             | goroutine_entry, fn, ...      |
 *             |   grow down                   |
 *   stack_lo  +-------------------------------+
 *             | guard page: no access (or a   |  one page
 *             | canary page: stack.c)         |
 *   slot      +-------------------------------+
 */
static void gstart(P *p, G *g)
{
    stack_get(p, g);
    char *top = (char *)((uintptr_t)(g->stack_hi - g->argsize) &
                         ~(uintptr_t)15);
    memcpy(top, g->arg, g->argsize);
    if (g->arg != g->argbuf)
        free(g->arg);
    g->arg = top;
    san_fiber_init(&g->san, g->stack_lo, (size_t)(g->stack_hi - g->stack_lo));
    ctx_init(&g->ctx, top, goroutine_entry);
}

/* ---- Waking an M: wakep, startm, newm --------------------------------- */

/* Idle Ps and Ms (Go: pidleput, pidleget, mput, mget). */
static void pidleput(P *p) /* sched.lock held */
{
    p->link = sched.pidle;
    sched.pidle = p;
    atomic_store_explicit(&p->status, P_IDLE, memory_order_relaxed);
    atomic_fetch_add(&sched.npidle, 1);
}

static P *pidleget(void) /* sched.lock held */
{
    P *p = sched.pidle;
    if (p) {
        sched.pidle = p->link;
        atomic_store_explicit(&p->status, P_RUNNING, memory_order_relaxed);
        atomic_fetch_sub(&sched.npidle, 1);
        if (atomic_load(&sched.sysmonwait)) { /* a seam: see runtime.h */
            atomic_store(&sched.sysmonwait, false);
            note_wakeup(&sched.sysmonnote);
        }
    }
    return p;
}

static void mput(M *m) /* sched.lock held */
{
    m->schedlink = sched.midle;
    sched.midle = m;
    m->idle = true;
}

static M *mget(void) /* sched.lock held */
{
    M *m = sched.midle;
    if (m) {
        sched.midle = m->schedlink;
        m->idle = false;
    }
    return m;
}

static void mremove(M *m) /* sched.lock held; m is on midle */
{
    M **link = &sched.midle;
    while (*link != m)
        link = &(*link)->schedlink;
    *link = m->schedlink;
    m->idle = false;
}

/* Wake idle M m, asleep on its note or waiting in the network poller:
   polling is m == sched.poll_m, read under sched.lock. A wake that comes
   before the poll starts is not lost: the poll then returns at once. */
static void mwakeup(M *m, bool polling)
{
    note_wakeup(&m->park);
    if (polling)
        atomic_load(&netpoller)->wake();
}

static void schedule(void);

static void *mstart(void *arg) /* a new M's thread; Go: mstart */
{
    M *m = arg;
    current_m = m;
    signal_stack_init();
    san_fiber_adopt(&m->g0->san); /* g0 is this thread's own stack */
    stack_adopt_thread(m->g0);    /* which glibc guards: where? */
    m->thread = pthread_self();
    atomic_store_explicit(&m->curg, m->g0, memory_order_relaxed);
    pthread_mutex_lock(&sched.lock); /* m->p: see runtime.h */
    m->p = m->nextp;
    m->nextp = NULL;
    pthread_mutex_unlock(&sched.lock);
    schedule();
    return NULL;
}

/* Start an M for p in a new thread. Go: newm. */
static void newm(P *p, bool spinning, int id)
{
    M *m = calloc(1, sizeof *m);
    if (!m)
        fatal("out of memory (Ms)");
    m->id = id;
    m->g0 = galloc();
    m->nextp = p;
    m->spinning = spinning;
    m->rand = 0x9E3779B97F4A7C15ULL * (uint64_t)(id + 1);
    pthread_mutex_lock(&sched.lock);
    m->alllink = sched.allm;
    sched.allm = m;
    pthread_mutex_unlock(&sched.lock);
    newosproc(mstart, m, "pthread_create (a new M)");
}

/* Go: newosproc. A thread that runs fn(arg) and that nobody joins;
   what names the call in the error if it fails. */
pthread_t newosproc(void *(*fn)(void *), void *arg, const char *what)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int err = pthread_create(&thread, &attr, fn, arg);
    if (err)
        die_err(err, what);
    pthread_attr_destroy(&attr);
    return thread;
}

/*
 * Go: startm. Give an idle P to an idle M (or a new one) and wake it.
 * spinning: the caller has counted the M in nmspinning already.
 * Ms are bounded: every M holds a P, sleeps idle, or is briefly between
 * the two, so GOMAXPROCS plus a few is enough.
 */
static void startm(bool spinning)
{
    pthread_mutex_lock(&sched.lock);
    P *p = pidleget();
    M *m = p ? mget() : NULL;
    /* Ms in a system call hold no P: they do not count (a seam) */
    int maxm = sched.maxm + atomic_load(&sched.nsyscall);
    if (!p || (!m && sched.mcount >= maxm)) {
        if (p)
            pidleput(p);
        pthread_mutex_unlock(&sched.lock);
        if (spinning)
            atomic_fetch_sub(&sched.nmspinning, 1);
        return;
    }
    if (m) {
        m->spinning = spinning;
        m->nextp = p;
        bool polling = m == sched.poll_m;
        pthread_mutex_unlock(&sched.lock);
        mwakeup(m, polling);
        return;
    }
    int id = sched.mcount++;
    pthread_mutex_unlock(&sched.lock);
    newm(p, spinning, id);
}

/*
 * Go: wakep. Work was just queued (a P's run queue or the global queue):
 * wake an M to run it, if a P is idle and no M is already spinning
 * (looking for work: that one will find it).
 *
 * Why no wake-up is lost. The M that queues a G does: (1) store it in a
 * queue, and the queue's count (nrunq, runqsize), (2) load nmspinning,
 * here. A spinning M that finds nothing does: (1') pidleput and
 * nmspinning--, (2') load every queue's count again (findrunnable). All
 * four are sequentially consistent atomics: they happen in one order,
 * the same for every M, and each load sees the last store to its
 * variable before it in that order. If our load of nmspinning comes
 * after the decrement, we see no spinning M and the idle P, and wake an
 * M. If it comes before, our store to the queue came earlier still, and
 * the spinning M's second look sees the G and spins on. With weaker
 * loads, each could miss the other's store (x86 may perform a load
 * before an earlier store of its own is visible; Arm reorders more), and
 * the G would wait in a queue while every M sleeps. An M that gives up
 * its P without spinning needs no second look: it checked the global
 * queue under sched.lock, and a local queue belongs to a P that is
 * running. Go's proc.go argues the same ("Worker thread parking/
 * unparking"). (A read-modify-write of nmspinning here, which is also
 * correct, made the prime sieve at GOMAXPROCS=2 2.4 times slower: every
 * goready then wrote a cache line that both CPUs share.)
 */
static void wakep(void)
{
    if (atomic_load(&sched.nmspinning) != 0 ||
        atomic_load(&sched.npidle) == 0)
        return;
    int zero = 0;
    if (!atomic_compare_exchange_strong(&sched.nmspinning, &zero, 1))
        return;
    startm(true);
}

/* A timer earlier than all others was added: the M that sleeps until the
   next timer must look again (or an idle M must take the job). */
void sched_timer_added(void)
{
    pthread_mutex_lock(&sched.lock);
    M *m = sched.timer_m ? sched.timer_m : sched.midle;
    bool polling = m && m == sched.poll_m;
    pthread_mutex_unlock(&sched.lock);
    if (m)
        mwakeup(m, polling); /* Ms are never freed: safe unlocked */
}

/* ---- schedule: what every M's g0 does --------------------------------- */

static bool timers_due(void)
{
    int64_t next = timers_next();
    return next != INT64_MAX && next <= now_ns();
}

static void run_due_timers(void)
{
    if (timers_due())
        timers_run(now_ns());
}

static G *findrunnable(M *m);
static void execute(G *from, G *to, void (*after)(G *, void *), void *arg);

/* Go: schedule, on g0: find a G, run it; again when it stops and
   nothing else on the P could run (see switch_to_next). */
static void schedule(void)
{
    for (;;) {
        M *m = getm();
        G *g = findrunnable(m);
        atomic_fetch_add_explicit(&m->p->schedtick, 1, /* for sysmon */
                                  memory_order_relaxed);
        execute(m->g0, g, NULL, NULL);
    }
}

static G *stealwork(P *p)
{
    int n = sched.nprocs;
    for (int round = 0; round < STEAL_ROUNDS; round++) {
        int start = (int)fastrandn((uint32_t)n);
        for (int i = 0; i < n; i++) {
            P *victim = &sched.allp[(start + i) % n];
            if (victim == p)
                continue;
            G *g = runqsteal(p, victim, round == STEAL_ROUNDS - 1);
            if (g)
                return g;
        }
    }
    return NULL;
}

/* Any G in the global queue or in a P's? (after we stopped spinning) */
static bool any_runq_work(void)
{
    if (atomic_load(&sched.runqsize)) /* seq_cst: see wakep */
        return true;
    for (int i = 0; i < sched.nprocs; i++)
        if (atomic_load(&sched.allp[i].nrunq))
            return true;
    return false;
}

/*
 * Called with sched.lock held by an M going idle. If every P is idle, the
 * global queue is empty and no timer is pending, no goroutine can ever
 * run again: only a running goroutine or a timer readies one. Go also
 * counts Ms in system calls; ours keep their P while in one.
 */
static int by_goid(const void *a, const void *b)
{
    int64_t x = (*(G *const *)a)->id, y = (*(G *const *)b)->id;
    return (x > y) - (x < y);
}

static void checkdead(void)
{
    const struct netpoller *np = atomic_load(&netpoller);
    if (atomic_load(&sched.npidle) != sched.nprocs ||
        atomic_load(&sched.runqsize) != 0 || timers_pending() ||
        atomic_load(&sched.nsyscall) != 0 || /* it may ready some: a seam */
        (np && np->waiting())) /* a socket may still ready a G */
        return;
    fflush(stdout);
    fprintf(stderr, "fatal error: all goroutines are asleep - deadlock!\n");
    /* Every waiting G, in the order Go lists them: by goroutine id. */
    G **all;
    size_t n = allgs(&all), nwaiting = 0;
    for (size_t i = 0; i < n; i++)
        if (atomic_load(&all[i]->status) == G_WAITING)
            all[nwaiting++] = all[i];
    qsort(all, nwaiting, sizeof *all, by_goid);
    for (size_t i = 0; i < nwaiting; i++)
        fprintf(stderr, "\ngoroutine %lld [%s]:\n", (long long)all[i]->id,
                all[i]->waitreason);
    fflush(stderr);
    _exit(2);
}

/* Go: stopm. Sleep, without a P, until startm hands us one. The first
   idle M sleeps only until the next timer and runs it; with goroutines
   parked on sockets, one idle M waits in the network poller instead
   (Go: the netpoll(delay) of findRunnable) and queues the Gs it readies. */
static void stopm(M *m)
{
    for (;;) {
        note_clear(&m->park);
        pthread_mutex_lock(&sched.lock);
        mput(m);
        checkdead();
        int64_t deadline = INT64_MAX;
        if (!sched.timer_m && timers_pending()) {
            sched.timer_m = m;
            deadline = timers_next();
        }
        const struct netpoller *np = atomic_load(&netpoller);
        bool poll = np && !sched.poll_m && np->waiting();
        if (poll)
            sched.poll_m = m;
        pthread_mutex_unlock(&sched.lock);

        if (trace.enabled)
            trace_m_park();
        G *ready = poll ? np->poll(deadline) : NULL;
        if (!poll)
            note_sleep(&m->park, deadline);
        if (trace.enabled)
            trace_m_wake();
        int nready = 0;
        for (G *g = ready, *next; g; g = next, nready++) {
            next = g->schedlink;
            atomic_store_explicit(&g->status, G_RUNNABLE,
                                  memory_order_relaxed);
            globrunqput(g);
        }

        pthread_mutex_lock(&sched.lock);
        if (m->idle)
            mremove(m); /* woken by a timer, not by startm */
        if (sched.timer_m == m)
            sched.timer_m = NULL;
        if (sched.poll_m == m)
            sched.poll_m = NULL;
        P *p = m->nextp;
        m->nextp = NULL;
        bool due = timers_next() <= now_ns();
        if (!p && (due || atomic_load(&sched.runqsize)))
            p = pidleget();
        bool handoff = p && !sched.timer_m && timers_pending();
        M *other = handoff ? sched.midle : NULL;
        bool other_polls = other && other == sched.poll_m;
        m->p = p;
        pthread_mutex_unlock(&sched.lock);
        if (other) /* someone else must watch the remaining timers */
            mwakeup(other, other_polls);
        if (p && nready > 1)
            wakep(); /* more than we can run: other idle Ps may */
        if (p)
            return;
        if (due) /* no P free: the readied Gs go to the global queue */
            timers_run(now_ns());
    }
}

static void resetspinning(M *m)
{
    m->spinning = false;
    if (atomic_fetch_sub(&sched.nmspinning, 1) == 1)
        wakep(); /* we found work: there may be more */
}

/* Go: the netpoll(0) of findRunnable, before it steals. Gs whose socket
   is ready, if a poller is linked, without waiting: the first to run
   now, the others into p's queue. (Go skips this while an M waits in
   the poller; we ask anyway: two may wait on one epoll, and each event
   goes to one.) */
static G *netpoll_ready(P *p)
{
    const struct netpoller *np = atomic_load(&netpoller);
    G *first = np && np->waiting() ? np->poll(0) : NULL;
    if (!first)
        return NULL;
    for (G *g = first->schedlink, *next; g; g = next) {
        next = g->schedlink;
        atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
        runqput(p, g, false);
    }
    if (first->schedlink)
        wakep();
    atomic_store_explicit(&first->status, G_RUNNABLE, memory_order_relaxed);
    return first;
}

/* Go: findRunnable. On g0, holding a P: find a G to run, or give up the
   P and sleep until there is one. Returns holding a P. */
static G *findrunnable(M *m)
{
    for (;;) {
        if (!m->p) /* it lost its P in a system call (a seam) */
            stopm(m);
        P *p = m->p;
        run_due_timers();
        G *g = runqget(p, false);
        if (!g)
            g = globrunqget(p);
        if (!g)
            g = netpoll_ready(p);
        if (!g && (m->spinning ||
                   2 * atomic_load(&sched.nmspinning) <
                       sched.nprocs - atomic_load(&sched.npidle))) {
            if (!m->spinning) {
                m->spinning = true;
                atomic_fetch_add(&sched.nmspinning, 1);
            }
            g = stealwork(p);
        }
        if (g) {
            if (m->spinning)
                resetspinning(m);
            return g;
        }

        /* Nothing: give up the P, unless work came in meanwhile. */
        pthread_mutex_lock(&sched.lock);
        if (atomic_load(&sched.runqsize) || timers_next() <= now_ns()) {
            pthread_mutex_unlock(&sched.lock);
            continue;
        }
        pidleput(p);
        m->p = NULL;
        pthread_mutex_unlock(&sched.lock);
        bool was_spinning = m->spinning;
        if (was_spinning) {
            m->spinning = false;
            atomic_fetch_sub(&sched.nmspinning, 1); /* see wakep */
        }
        /* A G queued just before we dropped spinning found nmspinning > 0
           and woke nobody: look once more (Go does too). */
        if (was_spinning && any_runq_work()) {
            pthread_mutex_lock(&sched.lock);
            p = m->p = pidleget();
            pthread_mutex_unlock(&sched.lock);
            if (p) {
                m->spinning = true;
                atomic_fetch_add(&sched.nmspinning, 1);
                continue;
            }
        }
        stopm(m);
    }
}

/* ---- execute: the switch --------------------------------------------- */

static void after_switch(G *self)
{
    M *m = getm();
    san_switch_finish(&self->san, m->prev ? &m->prev->san : NULL);
    if (m->after) {
        void (*after)(G *, void *) = m->after;
        m->after = NULL;
        after(m->prev, m->after_arg);
    }
}

/*
 * Switch this M from the G running now (from) to `to`, starting `to`
 * first if it never ran. Go: execute + gogo.
 *
 * Before: from's status says why it stops; it is in no queue yet.
 * after(from, arg) runs on `to`, right after the switch, once from's
 * registers are saved: only then may another M find `from` (put it in a
 * run queue, release the lock of the wait queue it sits in, free it).
 * Returns when some M switches back to `from`: maybe another thread.
 */
__attribute__((noinline)) static void execute(G *from, G *to,
                                              void (*after)(G *, void *),
                                              void *arg)
{
    M *m = getm();
    if (!to->ctx.sp) /* its first run */
        gstart(m->p, to);
    atomic_store_explicit(&m->curg, to, memory_order_release); /* sysmon */
    m->prev = from;
    m->after = after;
    m->after_arg = arg;
    atomic_store_explicit(&to->status, G_RUNNING, memory_order_relaxed);
    atomic_store_explicit(&to->preempt, false, /* asked of an earlier */
                          memory_order_relaxed); /* run: void (a seam) */
    if (!from->stack_guarded)
        stack_check(from);
    bool ends = atomic_load_explicit(&from->status, memory_order_relaxed) ==
                G_DEAD;
    san_switch_start(&from->san, &to->san, ends);
    if (trace.enabled)
        trace_go_switch(from, to);
    ctx_switch(&from->ctx, &to->ctx);
    after_switch(from);
}

/* ---- Stopping: gopark, goready, gosched, goexit ----------------------- */

/*
 * The running G `cur` stops (its status is set): switch to the next G of
 * this P, or to the M's g0, whose schedule looks further and sleeps if
 * there is nothing. after(cur, arg) runs once cur's registers are saved.
 * Go: mcall(park_m, gosched_m, goexit0) + schedule, in one step.
 */
static void switch_to_next(G *cur, void (*after)(G *, void *), void *arg)
{
    M *m = getm();
    P *p = m->p;
    uint32_t tick =
        atomic_load_explicit(&p->schedtick, memory_order_relaxed) + 1;
    atomic_store_explicit(&p->schedtick, tick, memory_order_relaxed);
    G *next = NULL;
    if (tick % GLOBAL_CHECK_TICKS == 0) { /* fairness: the oldest first */
        /* Due timers run on g0 (findrunnable), after `after`: cur may
           hold the lock of the very channel a timer sends on. */
        if (timers_due()) {
            execute(cur, m->g0, after, arg);
            return;
        }
        next = globrunqget(p);
        if (!next)
            next = runqget(p, true);
    }
    if (!next)
        next = runqget(p, false);
    execute(cur, next ? next : m->g0, after, arg);
}

void gopark(void (*unlockf)(G *g, void *arg), void *arg, const char *reason)
{
    runtime_start();
    G *g = curg(must_m("a blocking call"));
    atomic_store_explicit(&g->waitreason, reason, memory_order_relaxed);
    atomic_store_explicit(&g->status, G_WAITING, memory_order_relaxed);
    switch_to_next(g, unlockf, arg);
}

void unlock_after_park(G *g, void *lock)
{
    (void)g;
    spin_unlock(lock);
}

void goready(G *g)
{
    if (trace.enabled)
        trace_go_ready(g);
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    M *m = getm();
    if (m && m->p)
        runqput(m->p, g, true);
    else
        globrunqput(g); /* a timer run by an M without P */
    wakep();
}

/* gosched's after: on the same M as the switch, so still holding p. */
static void gosched_after(G *g, void *p)
{
    runqput_oldest(p, g);
}

void gosched(void)
{
    runtime_start();
    M *m = must_m("gosched");
    G *g = curg(m);
    /* Nothing else could run on this P now: no G in its queue or in the
       global queue, no timer due. Go queues g and finds it again at once;
       we just go on. Two goroutines alone on two Ps then yield for almost
       nothing: before, each gosched went to g0 and back (17 -> 3 ns a
       yield at GOMAXPROCS=2, measured). */
    if (!atomic_load_explicit(&m->p->nrunq, memory_order_relaxed) &&
        !atomic_load_explicit(&sched.runqsize, memory_order_relaxed) &&
        !timers_due())
        return;
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    switch_to_next(g, gosched_after, m->p);
}

/* goexit's after, on the next G: the dead one's stack and G are free for
   the next go(). Go: goexit0. */
static void gdestroy(G *dead, void *arg)
{
    (void)arg;
    P *p = getm()->p;
    san_fiber_destroy(&dead->san);
    dead->ctx.sp = NULL; /* to be started again, by the next go() */
    stack_put(p, dead);
    gfput(p, dead);
}

/* Go: goexit1. The end of every goroutine's function. */
_Noreturn static void goexit(void)
{
    G *g = getg();
    atomic_store_explicit(&g->status, G_DEAD, memory_order_relaxed);
    switch_to_next(g, gdestroy, NULL);
    fatal("a dead goroutine was resumed");
}

/* Where every goroutine starts: ctx_init puts it in the first frame. */
static void goroutine_entry(void)
{
    G *g = getg();
    after_switch(g);
    g->fn(g->arg);
    goexit();
}

/* ---- Starting the runtime (Go: schedinit, mstart) --------------------- */

/* M0's g0 runs on a stack of ours: the main thread's is goroutine 1's. */
static void g0_main(void *arg)
{
    (void)arg;
    schedule();
}

static int env_gomaxprocs(void)
{
    const char *env = getenv("GOMAXPROCS");
    if (env && *env) /* set but empty: unset, as in Go */
        return (int)parse_count(env, "GOMAXPROCS", MAX_PROCS);
    cpu_set_t set;
    int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                        : 1;
    return n < MAX_PROCS ? n : MAX_PROCS;
}

/* Go: schedinit + the start of runtime.main, done lazily: the thread
   that calls first becomes M0 and what it runs becomes goroutine 1. */
static void runtime_init(void)
{
    sched.nprocs = env_gomaxprocs();
    sched.maxm = sched.nprocs + EXTRA_MS;
    sched.allp = calloc((size_t)sched.nprocs, sizeof(P));
    M *m0 = calloc(1, sizeof(M));
    if (!sched.allp || !m0)
        fatal("out of memory (runtime start)");
    for (int i = sched.nprocs - 1; i >= 0; i--) {
        sched.allp[i].id = i;
        if (i > 0)
            pidleput(&sched.allp[i]);
    }
    stack_init();
    m0->rand = 0x9E3779B97F4A7C15ULL;
    m0->g0 = galloc();
    stack_alloc(m0->g0);
    m0->g0->fn = g0_main;
    san_fiber_init(&m0->g0->san, m0->g0->stack_lo,
                   (size_t)(m0->g0->stack_hi - m0->g0->stack_lo));
    ctx_init(&m0->g0->ctx, m0->g0->stack_hi, goroutine_entry);
    G *g1 = galloc(); /* the main thread's stack is its own */
    g1->id = atomic_fetch_add(&sched.goidgen, 1) + 1;
    stack_adopt_thread(g1);
    san_fiber_adopt(&g1->san);
    atomic_store(&g1->status, G_RUNNING);
    atomic_store(&m0->curg, g1);
    m0->thread = pthread_self();
    m0->p = &sched.allp[0];
    atomic_store(&m0->p->status, P_RUNNING);
    sched.mcount = 1;
    sched.allm = m0;
    current_m = m0;
    signal_stack_init();
    sysmon_start();
    trace_start();
    if (goadds_start) /* linked in: Go's additions (see the seams) */
        goadds_start();
    atomic_store_explicit(&started, true, memory_order_release);
}

void runtime_start(void)
{
    if (!atomic_load_explicit(&started, memory_order_acquire))
        pthread_once(&start_once, runtime_init);
}

/* ---- Odds and ends ---------------------------------------------------- */

/* Both end the process at once, as Go does: no atexit handlers, while
   other Ms may still be running goroutines. */
void fatal(const char *fmt, ...)
{
    fflush(stdout);
    va_list ap;
    va_start(ap, fmt);
    fputs("fatal error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    _exit(2);
}

void gopanic(const char *msg)
{
    fflush(stdout);
    G *g = getg();
    fprintf(stderr, "panic: %s\n\ngoroutine %lld [running]:\n", msg,
            g ? (long long)g->id : 0LL);
    _exit(2);
}

uint32_t fastrandn(uint32_t n)
{
    M *m = getm();
    uint64_t x = m->rand; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    m->rand = x;
    return (uint32_t)(((x * 0x2545F4914F6CDD1DULL) >> 32) * n >> 32);
}

int gomaxprocs(void)
{
    runtime_start();
    return sched.nprocs;
}

void sched_stats(struct sched_stats *s)
{
    runtime_start();
    pthread_mutex_lock(&sched.lock);
    s->ms = sched.mcount;
    pthread_mutex_unlock(&sched.lock);
    s->steals = atomic_load(&sched.steals);
    s->nprocs = sched.nprocs;
}

/* ---- Seams for Go's additions (runtime.h; step6_compare_go/goadds/) --- */

/* Go: mcall. Switch from the running G to this M's g0 and run fn(g, arg)
   there, once g's registers are saved. g's status says why it stops. */
void mcall(void (*fn)(G *g, void *arg), void *arg)
{
    M *m = getm();
    execute(getg(), m->g0, fn, arg);
}

/*
 * Go: gopreempt_m. The running G was preempted (it holds no lock: it
 * was stopped at a safe point). Due timers run first, here, so that the
 * G a timer readies is in runnext; then the global queue first, which
 * holds what Ms without a P readied (timers an idle M ran, system calls
 * that lost their P); then the P's own queue. The preempted G goes behind
 * everything on its P, as with gosched (Go puts it on the global queue:
 * with its FIFO rings, that is the back; ours are LIFO, runq.c).
 */
void gopreempt(void)
{
    M *m = getm();
    G *g = getg();
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->p->schedtick, 1, memory_order_relaxed);
    run_due_timers();
    G *next = NULL;
    if (atomic_load_explicit(&sched.runqsize, memory_order_relaxed))
        next = globrunqget(m->p);
    if (!next)
        next = runqget(m->p, false);
    execute(g, next ? next : m->g0, gosched_after, m->p);
}

/* Go: handoffp. p's M is stuck (in a system call): start an M for p if
   there is work, or leave p idle, where the next wakep finds it. */
void handoffp(P *p)
{
    pthread_mutex_lock(&sched.lock);
    pidleput(p);
    pthread_mutex_unlock(&sched.lock);
    if (atomic_load(&p->nrunq) || atomic_load(&sched.runqsize) ||
        timers_pending())
        startm(false);
}

/* Go: exitsyscallfast_pidle. An idle P for m, if any. */
bool acquirep_idle(M *m)
{
    pthread_mutex_lock(&sched.lock);
    m->p = pidleget();
    pthread_mutex_unlock(&sched.lock);
    return m->p != NULL;
}
