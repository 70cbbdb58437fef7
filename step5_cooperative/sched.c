/*
 * sched.c: the M:N scheduler (Go: runtime/proc.go).
 *
 * GOMAXPROCS Ps, each with a run queue; Ms (threads) that hold a P run
 * its goroutines; idle Ms sleep. A goroutine that stops (gopark, gosched,
 * its end) switches straight to the next G of its P: one ctx_switch.
 * Go switches to the M's g0 first (mcall) and then to the next G, two
 * switches; we go to g0 only when the P has nothing left to run.
 *
 * Where we differ from Go, on purpose:
 * - The local run queue is a ring under a spin lock, taken by its owner
 *   LIFO (newest first) and by thieves FIFO (oldest half). Go's ring is
 *   lock-free and FIFO for its owner too. LIFO keeps a tree of goroutines
 *   (skynet) depth-first: few of them alive at once, a hot cache. Every
 *   61st pick is FIFO (one G from the global queue, else the oldest local
 *   G), so that no runnable G waits for ever. With GOMAXPROCS=1 there is
 *   no thief, and no lock (runq_lock).
 * - A goroutine that ends gives its stack to the next new one before it
 *   leaves it (goexit); Go frees it on g0 (goexit0), after a switch.
 * - A G is allocated at go() but gets its stack only when it first runs,
 *   from its P's cache of warm stacks (Go gives it one at go()).
 * - No preemption (Go: sysmon + signals since 1.14): a goroutine runs
 *   until it blocks, yields or ends. No hand-off of the P while a
 *   goroutine sits in a blocking system call (Go: entersyscall).
 * - Because of that, a goroutine that fills its P's ring with go()
 *   lets the newest run before it goes on (go_spawn); in Go it would be
 *   preempted sooner or later, and its Gs would run meanwhile.
 * - gosched with nothing else to run on the P (nor in the global queue,
 *   nor a timer due) returns at once; Go queues the G globally and
 *   finds it again.
 * - One timer heap for all Ps (Go: one per P).
 */
#include "runtime.h"

#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum {
    MAX_PROCS = 256,
    EXTRA_MS = 4,            /* Ms beyond GOMAXPROCS (see startm) */
    GLOBAL_CHECK_TICKS = 61, /* as Go's schedule() */
    STEAL_ROUNDS = 4,        /* as Go's stealWork */
    GFREE_LOCAL_MAX = 64,    /* dead Gs kept per P before sharing */
    G_SLAB_BYTES = 1 << 20,  /* Gs are allocated this many bytes at once */
    GOID_BATCH = 16,         /* goroutine ids a P takes at once (as Go) */
    ARG_MAX_BYTES = 1024,    /* largest go() argument we copy */
};

/* The place at the top of a new stack for go()'s argument, if it waited
   inside the G (see gstart): as large as that buffer, whose size depends
   on the architecture's struct context, and 16-byte aligned. */
#define ARGBUF_SIZE sizeof(((G *)0)->unstarted.argbuf)
enum { ARG_AREA = (ARGBUF_SIZE + 15) / 16 * 16 };
static_assert(ARG_AREA >= ARGBUF_SIZE && ARG_AREA % 16 == 0,
              "ARG_AREA holds unstarted.argbuf and keeps the top aligned");

/* Go: runtime.sched (schedt). lock guards the fields without _Atomic. */
static struct {
    pthread_mutex_t lock;
    G **runq;                /* the global run queue: a ring of runqcap */
    size_t runqcap, runqhead; /* (a power of two) Gs; runq[runqhead &
                                 (runqcap - 1)] is the oldest */
    atomic_int runqsize;
    P *pidle;                /* idle Ps */
    atomic_int npidle;
    M *midle;                /* idle Ms, asleep on their note */
    atomic_int nmspinning;   /* Ms holding a P, looking for work */
    int mcount, maxm;        /* Ms started; at most */
    M *timer_m;              /* the idle M sleeping until the next timer */
    pthread_mutex_t gflock;  /* guards gfree, gslabs, gslabtail */
    G *gfree;                /* dead Gs shared by all Ps */
    struct gslab *gslabs, *gslabtail; /* every G ever made (allgs) */
    atomic_llong goidgen;
    atomic_ullong steals;
    int nprocs;
    P *allp;
} sched = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .gflock = PTHREAD_MUTEX_INITIALIZER,
};

static atomic_bool started;
static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static __thread M *current_m;

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

G *getg(void)
{
    M *m = getm();
    return m ? m->curg : NULL;
}

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

/* spin_lock's slow path (see runtime.h): spin, yield after SPIN_TRIES. */
void spin_lock_wait(spinlock *l)
{
    enum { SPIN_TRIES = 100 };
    do {
        for (int i = 0;
             atomic_load_explicit(&l->held, memory_order_relaxed); i++)
            if (i < SPIN_TRIES)
                cpu_relax();
            else
                sched_yield();
    } while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire));
}

/* ---- Notes: an M's sleep and wake-up (Go: runtime.note, futex) -------- */

static long futex(atomic_uint *addr, int op, unsigned val,
                  const struct timespec *ts, unsigned bitset)
{
    return syscall(SYS_futex, addr, op, val, ts, NULL, bitset);
}

static void note_clear(note *n)
{
    atomic_store_explicit(&n->key, 0, memory_order_relaxed);
}

static void note_wakeup(note *n)
{
    atomic_store_explicit(&n->key, 1, memory_order_release);
    futex(&n->key, FUTEX_WAKE_PRIVATE, 1, NULL, 0);
}

/* Sleep until note_wakeup or until now_ns() >= deadline. */
static void note_sleep(note *n, int64_t deadline)
{
    while (!atomic_load_explicit(&n->key, memory_order_acquire)) {
        if (deadline == INT64_MAX) {
            futex(&n->key, FUTEX_WAIT_PRIVATE, 0, NULL, 0);
            continue;
        }
        if (now_ns() >= deadline)
            return;
        struct timespec ts = {deadline / 1000000000, deadline % 1000000000};
        futex(&n->key, FUTEX_WAIT_BITSET_PRIVATE, 0, &ts,
              FUTEX_BITSET_MATCH_ANY); /* absolute, CLOCK_MONOTONIC */
    }
}

/* ---- The switch ------------------------------------------------------- */

static void gstart(P *p, G *g);

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
 * Switch this M from the G running now (from) to `to`. Go: gogo.
 *
 * Before: from's status says why it stops; it is in no queue yet.
 * after(from, arg) runs on `to`, right after the switch, once from's
 * registers are saved: only then may another M find `from` (put it in a
 * run queue, release the lock of the wait queue it sits in, free it).
 * Returns when some M switches back to `from`: maybe another thread.
 */
__attribute__((noinline)) static void gogo(G *from, G *to,
                                           void (*after)(G *, void *),
                                           void *arg)
{
    M *m = getm();
    if (!to->ctx.sp) /* never ran: give it a stack now */
        gstart(m->p, to);
    m->curg = to;
    m->prev = from;
    m->after = after;
    m->after_arg = arg;
    atomic_store_explicit(&to->status, G_RUNNING, memory_order_relaxed);
    if (!from->stack_guarded)
        stack_check(from);
    bool ends = atomic_load_explicit(&from->status, memory_order_relaxed) ==
                G_DEAD;
    san_switch_start(&from->san, &to->san, ends);
    ctx_switch(&from->ctx, &to->ctx);
    after_switch(from);
}

static void goroutine_entry(void);

/*
 * A G gets its stack when it first runs, not at go(): a million goroutines
 * that wait in run queues then cost a G each (144 bytes), and each one
 * that starts after another ended reuses that one's stack. One stack slot
 * (stack.c), as gstart leaves it:
 *
 *   slot end  +-------------------------------+
 *             | free_stack record, while the  |  STACK_TOP_RESERVE
 *             | stack is free (stack.c)       |
 *   stack_hi  +-------------------------------+
 *             | go()'s argument, if it waited |  ARG_AREA: argbuf's size,
 *             | in unstarted.argbuf           |  rounded up to 16
 *   top       +-------------------------------+  16-byte aligned
 *             | first frame: 0, entry         |  ctx_init (context_*.h)
 *             +-------------------------------+  <- ctx.sp
 *             | goroutine_entry, fn, ...      |
 *             |   grow down                   |
 *   stack_lo  +-------------------------------+
 *             | guard page: no access         |  one page
 *   slot      +-------------------------------+
 *
 * The first frame is always at the same place, whatever the argument's
 * size: goexit counts on it. An argument larger than argbuf was
 * malloc'ed by go_spawn and stays there.
 */
static void gstart(P *p, G *g)
{
    stack_get(p, g);
    char *top = g->stack_hi - ARG_AREA;
    if (g->argsize <= ARGBUF_SIZE) {
        memcpy(top, g->unstarted.argbuf, g->argsize);
        g->arg = top;
    }
    san_fiber_init(&g->san, g->stack_lo, (size_t)(g->stack_hi - g->stack_lo));
    ctx_init(&g->ctx, top, goroutine_entry); /* overwrites argbuf */
}

/* ---- Run queues (Go: runqput, runqget, runqsteal, globrunqget) -------- */

static void runq_count(P *p)
{
    atomic_store_explicit(&p->nrunq,
                          p->runqtail - p->runqhead + (p->runnext != NULL),
                          memory_order_relaxed);
}

/*
 * A P's run queue is touched by the M holding the P and by thieves: Ms
 * holding other Ps (runqsteal). With GOMAXPROCS=1 there are no thieves,
 * and the one P goes from M to M only through sched.lock; so the lock is
 * skipped: its atomic exchange, twice per switch, was 2.8 ns of the
 * 16.8 ns of a gosched here (measured; Go's lock-free ring pays a CAS).
 */
static void runq_lock(P *p)
{
    if (sched.nprocs > 1)
        spin_lock(&p->runqlock);
}

static void runq_unlock(P *p)
{
    if (sched.nprocs > 1)
        spin_unlock(&p->runqlock);
}

/*
 * Put n Gs at the global queue's tail (Go: globrunqputbatch).
 *
 * Go links the global queue through the Gs (g.schedlink); ours is a ring
 * of pointers that doubles when full. Moving a batch between it and a P's
 * ring then copies pointers and touches no G, where walking a list of 128
 * Gs that have waited long enough to leave the cache is 128 cache misses
 * in a row (a million go() at GOMAXPROCS=1: 168 -> 157 ns each, measured).
 */
static void globrunqput(G *const *gs, int n)
{
    pthread_mutex_lock(&sched.lock);
    size_t size = (size_t)atomic_load(&sched.runqsize);
    if (size + (size_t)n > sched.runqcap) {
        size_t cap = sched.runqcap ? sched.runqcap : RUNQ_SIZE;
        while (cap < size + (size_t)n)
            cap *= 2;
        G **q = malloc(cap * sizeof *q);
        if (!q)
            fatal("out of memory (global run queue)");
        for (size_t i = 0; i < size; i++)
            q[i] = sched.runq[(sched.runqhead + i) & (sched.runqcap - 1)];
        free(sched.runq);
        sched.runq = q;
        sched.runqcap = cap;
        sched.runqhead = 0;
    }
    for (int i = 0; i < n; i++)
        sched.runq[(sched.runqhead + size + (size_t)i) &
                   (sched.runqcap - 1)] = gs[i];
    atomic_store(&sched.runqsize, (int)size + n);
    pthread_mutex_unlock(&sched.lock);
}

/* The local ring is full: move its older half and g to the global queue.
   Called with p's run queue locked. Go: runqputslow. Not inlined: in
   runqput it made every call save four registers it rarely needs. */
__attribute__((noinline)) static void runqputslow(P *p, G *g)
{
    G *batch[RUNQ_SIZE / 2 + 1];
    for (int i = 0; i < RUNQ_SIZE / 2; i++)
        batch[i] = p->runq[p->runqhead++ % RUNQ_SIZE];
    batch[RUNQ_SIZE / 2] = g;
    globrunqput(batch, RUNQ_SIZE / 2 + 1);
}

/*
 * Go: runqput. next: g runs next on this P (the G it displaces joins the
 * ring), as `go` and goready do; else g joins the ring's newest end.
 * Only the M holding p calls this.
 */
static void runqput(P *p, G *g, bool next)
{
    runq_lock(p);
    if (next) {
        G *old = p->runnext;
        p->runnext = g;
        g = old;
    }
    if (g) {
        if (p->runqtail - p->runqhead < RUNQ_SIZE)
            p->runq[p->runqtail++ % RUNQ_SIZE] = g;
        else
            runqputslow(p, g);
    }
    runq_count(p);
    runq_unlock(p);
}

/* gosched: g goes to the oldest end of the ring, behind everything. */
static void runqput_yield(P *p, G *g)
{
    runq_lock(p);
    if (p->runqtail - p->runqhead < RUNQ_SIZE)
        p->runq[--p->runqhead % RUNQ_SIZE] = g;
    else
        runqputslow(p, g);
    runq_count(p);
    runq_unlock(p);
}

/* Go: runqget. runnext first, then the newest (LIFO), or, with oldest,
   the oldest of the ring (the fairness pick). Only p's M calls this. */
static G *runqget(P *p, bool oldest)
{
    if (atomic_load_explicit(&p->nrunq, memory_order_relaxed) == 0)
        return NULL;
    runq_lock(p);
    G *g = NULL;
    if (oldest && p->runqtail != p->runqhead)
        g = p->runq[p->runqhead++ % RUNQ_SIZE];
    else if (p->runnext) {
        g = p->runnext;
        p->runnext = NULL;
    } else if (p->runqtail != p->runqhead)
        g = p->runq[--p->runqtail % RUNQ_SIZE];
    runq_count(p);
    runq_unlock(p);
    return g;
}

/* Go: globrunqget. Take a G from the global queue, and up to max - 1
   more into batch[] (*nbatch of them), for the caller to put in its ring
   once sched.lock is released. sched.lock held. */
static G *globrunqget_locked(int max, G **batch, int *nbatch)
{
    int size = atomic_load(&sched.runqsize);
    *nbatch = 0;
    if (size == 0)
        return NULL;
    int n = size / sched.nprocs + 1;
    if (n > size)
        n = size;
    if (n > max)
        n = max;
    size_t mask = sched.runqcap - 1;
    G *g = sched.runq[sched.runqhead & mask];
    for (int i = 1; i < n; i++)
        batch[i - 1] = sched.runq[(sched.runqhead + (size_t)i) & mask];
    sched.runqhead += (size_t)n;
    atomic_store(&sched.runqsize, size - n);
    *nbatch = n - 1;
    return g;
}

/* Put n Gs at the newest end of p's ring, under one lock (they come from
   the global queue or a victim's ring, because p's was empty). */
static void runqput_batch(P *p, G *const *gs, int n)
{
    runq_lock(p);
    for (int i = 0; i < n; i++) {
        if (p->runqtail - p->runqhead < RUNQ_SIZE)
            p->runq[p->runqtail++ % RUNQ_SIZE] = gs[i];
        else
            runqputslow(p, gs[i]);
    }
    runq_count(p);
    runq_unlock(p);
}

/*
 * A batch (up to half a ring) only when p's queue is empty, as Go's
 * findRunnable; one G otherwise, as Go's schedule() does on its 61st
 * tick. A batch poured into a ring that is nearly full spills back to the
 * global queue: skynet moved 4.6 million Gs back and forth so, 129 at a
 * time, and two Ps queued for sched.lock.
 */
static G *globrunqget(P *p)
{
    if (atomic_load_explicit(&sched.runqsize, memory_order_relaxed) == 0)
        return NULL;
    int max = atomic_load_explicit(&p->nrunq, memory_order_relaxed) == 0
                  ? RUNQ_SIZE / 2
                  : 1;
    G *batch[RUNQ_SIZE / 2];
    int nbatch;
    pthread_mutex_lock(&sched.lock);
    G *g = globrunqget_locked(max, batch, &nbatch);
    pthread_mutex_unlock(&sched.lock);
    runqput_batch(p, batch, nbatch);
    return g;
}

/*
 * Go: runqsteal. Take the older half of victim's ring into p's; return
 * one G to run. runnext too (only on the last round, as Go: the victim is
 * likely about to run it).
 */
static G *runqsteal(P *p, P *victim, bool stealnext)
{
    if (atomic_load_explicit(&victim->nrunq, memory_order_relaxed) == 0)
        return NULL;
    spin_lock(&victim->runqlock);
    uint32_t n = victim->runqtail - victim->runqhead;
    if (n == 0 && stealnext && victim->runnext) {
        /* Go: runqgrab. victim's runnext was most likely readied by a
           goroutine about to park (a channel hand-off): its M runs it in
           a moment. Taking it moved one of a ping-ponging pair to our
           thread after every wake-up; the wait also keeps us spinning, so
           wakep wakes no one meanwhile. Go's 3 us (Linux: 50 us or more,
           the timer slack) took an unbuffered ping-pong at GOMAXPROCS=2
           from 25,000 futex wake-ups per million round trips to a few
           hundred, and from 170 to 87 ns per round trip (measured). */
        spin_unlock(&victim->runqlock);
        usleep(3);
        spin_lock(&victim->runqlock);
        n = victim->runqtail - victim->runqhead;
    }
    G *batch[RUNQ_SIZE / 2 + 1];
    n -= n / 2;
    for (uint32_t i = 0; i < n; i++)
        batch[i] = victim->runq[victim->runqhead++ % RUNQ_SIZE];
    if (n == 0 && stealnext && victim->runnext) {
        batch[n++] = victim->runnext;
        victim->runnext = NULL;
    }
    runq_count(victim);
    spin_unlock(&victim->runqlock);
    if (n == 0)
        return NULL;
    runqput_batch(p, batch + 1, (int)n - 1);
    atomic_fetch_add_explicit(&sched.steals, n, memory_order_relaxed);
    return batch[0];
}

/* ---- Idle Ps and Ms (Go: pidleput, pidleget, mput, mget) -------------- */

static void pidleput(P *p) /* sched.lock held */
{
    p->link = sched.pidle;
    sched.pidle = p;
    atomic_fetch_add(&sched.npidle, 1);
}

static P *pidleget(void) /* sched.lock held */
{
    P *p = sched.pidle;
    if (p) {
        sched.pidle = p->link;
        atomic_fetch_sub(&sched.npidle, 1);
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

/* ---- Gs: allocation and reuse (Go: malg, gfget, gfput) ---------------- */

/*
 * Gs are made a slab at a time and never freed: a G whose goroutine ended
 * waits on a free list for the next go() (Go also keeps dead Gs:
 * p.gFree, sched.gFree). One aligned_alloc per G cost about 580
 * instructions in glibc and 320 bytes for a 256-byte G (measured, a
 * million go() at GOMAXPROCS=1: 1,350 instructions and 384 bytes of RSS
 * per goroutine before slabs, 620 and 230 with them). A slab is an mmap:
 * the kernel's fresh pages are zero already, so nothing is memset.
 * The slabs, oldest first, are also Go's allgs: every G, for checkdead.
 */
struct gslab {
    struct gslab *next;
    size_t used, cap;  /* g[0..used) handed out, g[0..cap) fit */
    G g[];
};

/* A never-used G, from the newest slab. sched.gflock held. */
static G *gcarve_locked(void)
{
    struct gslab *s = sched.gslabtail;
    if (!s || s->used == s->cap) {
        s = mmap(NULL, G_SLAB_BYTES, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (s == MAP_FAILED)
            fatal("out of memory (goroutines)");
        s->cap = (G_SLAB_BYTES - sizeof *s) / sizeof(G);
        if (sched.gslabtail)
            sched.gslabtail->next = s;
        else
            sched.gslabs = s;
        sched.gslabtail = s;
    }
    return &s->g[s->used++];
}

/* A G for an M's g0 or goroutine 1; with_stack: give it one too. */
static G *galloc(bool with_stack)
{
    pthread_mutex_lock(&sched.gflock);
    G *g = gcarve_locked();
    pthread_mutex_unlock(&sched.gflock);
    if (with_stack)
        stack_alloc(g);
    return g;
}

/* A G for go(): a dead one of p's, else a batch from the shared list,
   else a batch of new ones; never NULL. */
static G *gfget(P *p)
{
    if (!p->gfree) {
        pthread_mutex_lock(&sched.gflock);
        while (p->ngfree < GFREE_LOCAL_MAX / 2) {
            G *g = sched.gfree;
            if (g)
                sched.gfree = g->schedlink;
            else
                g = gcarve_locked();
            g->schedlink = p->gfree;
            p->gfree = g;
            p->ngfree++;
        }
        pthread_mutex_unlock(&sched.gflock);
    }
    G *g = p->gfree;
    p->gfree = g->schedlink;
    p->ngfree--;
    return g;
}

static void gfput(P *p, G *g)
{
    g->schedlink = p->gfree;
    p->gfree = g;
    if (++p->ngfree < GFREE_LOCAL_MAX)
        return;
    pthread_mutex_lock(&sched.gflock);
    while (p->ngfree > GFREE_LOCAL_MAX / 2) {
        G *old = p->gfree;
        p->gfree = old->schedlink;
        p->ngfree--;
        old->schedlink = sched.gfree;
        sched.gfree = old;
    }
    pthread_mutex_unlock(&sched.gflock);
}

/* ---- Waking Ms (Go: wakep, startm, newm) ------------------------------ */

static void m_loop(void);

static void *mstart(void *arg) /* a new M's thread; Go: mstart */
{
    M *m = arg;
    current_m = m;
    signal_stack_init();
    san_fiber_adopt(&m->g0->san); /* g0 is this thread's own stack */
    stack_adopt_thread(m->g0);    /* which glibc guards: where? */
    m->curg = m->g0;
    m->p = m->nextp;
    m->nextp = NULL;
    m_loop();
    return NULL;
}

/* Start an M for p in a new thread. Go: newm. */
static void newm(P *p, bool spinning, int id)
{
    M *m = calloc(1, sizeof *m);
    if (!m)
        fatal("out of memory (Ms)");
    m->id = id;
    m->g0 = galloc(false);
    m->nextp = p;
    m->spinning = spinning;
    m->rand = 0x9E3779B97F4A7C15ULL * (uint64_t)(id + 1);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int err = pthread_create(&thread, &attr, mstart, m);
    if (err)
        die_err(err, "pthread_create (a new M)");
    pthread_attr_destroy(&attr);
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
    if (!p || (!m && sched.mcount >= sched.maxm)) {
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
        pthread_mutex_unlock(&sched.lock);
        note_wakeup(&m->park);
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
 * queue, (2) read nmspinning with a read-modify-write (adding 0), here.
 * A spinning M that finds nothing does: (1') pidleput, (2') nmspinning--,
 * also a read-modify-write, (3') look at every queue again
 * (findrunnable). Read-modify-writes of one variable happen one after
 * the other, each reading what the one before wrote. If ours came after
 * the decrement, we read 0, see the idle P it put back and wake an M. If
 * it came before, the decrement read what we wrote, so everything we did
 * before it, the G in the queue, is visible to the spinning M's second
 * look, and it spins on. A plain load of nmspinning would not do: x86
 * may perform it before our store to the queue is visible to others, Arm
 * may also reorder the other side, and then each misses the other while
 * the G waits in a queue with every M asleep. An M that gives up its P
 * without spinning needs no second look: it checked the global queue
 * under sched.lock, and a local queue belongs to a P that is running.
 * Go's proc.go argues the same ("Worker thread parking/unparking").
 */
static void wakep(void)
{
    if (atomic_fetch_add(&sched.nmspinning, 0) != 0 ||
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
    pthread_mutex_unlock(&sched.lock);
    if (m)
        note_wakeup(&m->park); /* Ms are never freed: safe unlocked */
}

/* ---- Deadlock (Go: checkdead) ----------------------------------------- */

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
    if (atomic_load(&sched.npidle) != sched.nprocs ||
        atomic_load(&sched.runqsize) != 0 || timers_pending())
        return;
    fflush(stdout);
    fprintf(stderr, "fatal error: all goroutines are asleep - deadlock!\n");
    /* Every waiting G, in the order Go lists them: by goroutine id. */
    pthread_mutex_lock(&sched.gflock);
    size_t n = 0, cap = 0;
    for (struct gslab *s = sched.gslabs; s; s = s->next)
        cap += s->used;
    G **waiting = malloc(cap * sizeof *waiting);
    for (struct gslab *s = sched.gslabs; s && waiting; s = s->next)
        for (G *g = s->g; g < s->g + s->used; g++)
            if (atomic_load(&g->status) == G_WAITING)
                waiting[n++] = g;
    if (waiting)
        qsort(waiting, n, sizeof *waiting, by_goid);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "\ngoroutine %lld [%s]:\n",
                (long long)waiting[i]->id, waiting[i]->waitreason);
    fflush(stderr);
    _exit(2);
}

/* ---- Finding work (Go: findRunnable, stealWork, stopm) ---------------- */

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
    if (atomic_load_explicit(&sched.runqsize, memory_order_relaxed))
        return true;
    for (int i = 0; i < sched.nprocs; i++)
        if (atomic_load_explicit(&sched.allp[i].nrunq, memory_order_relaxed))
            return true;
    return false;
}

/* Go: stopm. Sleep, without a P, until startm hands us one. The first
   idle M sleeps only until the next timer and runs it. */
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
        pthread_mutex_unlock(&sched.lock);

        note_sleep(&m->park, deadline);

        pthread_mutex_lock(&sched.lock);
        if (m->idle)
            mremove(m); /* woken by a timer, not by startm */
        if (sched.timer_m == m)
            sched.timer_m = NULL;
        P *p = m->nextp;
        m->nextp = NULL;
        bool due = timers_next() <= now_ns();
        if (!p && (due || atomic_load(&sched.runqsize)))
            p = pidleget();
        bool handoff = p && !sched.timer_m && timers_pending();
        M *other = handoff ? sched.midle : NULL;
        pthread_mutex_unlock(&sched.lock);
        if (other) /* someone else must watch the remaining timers */
            note_wakeup(&other->park);
        if (p) {
            m->p = p;
            return;
        }
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

/* Go: findRunnable. On g0, holding a P: find a G to run, or give up the
   P and sleep until there is one. Returns holding a P. */
static G *findrunnable(M *m)
{
    for (;;) {
        P *p = m->p;
        run_due_timers();
        G *g = runqget(p, false);
        if (!g)
            g = globrunqget(p);
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
            p = pidleget();
            pthread_mutex_unlock(&sched.lock);
            if (p) {
                m->p = p;
                m->spinning = true;
                atomic_fetch_add(&sched.nmspinning, 1);
                continue;
            }
        }
        stopm(m);
    }
}

/* Go: schedule, on g0: the loop every M runs when it has no G. */
static void m_loop(void)
{
    for (;;) {
        M *m = getm();
        if (m->nextg) /* schedule may leave due timers to us */
            run_due_timers();
        G *g = m->nextg ? m->nextg : findrunnable(m);
        m->nextg = NULL;
        gogo(m->g0, g, NULL, NULL);
    }
}

/*
 * The running G `cur` stops (its status is set): switch to the next G of
 * this P, or to the M's g0, which looks further and sleeps if there is
 * nothing. after(cur, arg) runs once cur's registers are saved.
 */
static void schedule(G *cur, void (*after)(G *, void *), void *arg)
{
    M *m = getm();
    P *p = m->p;
    uint32_t tick =
        atomic_load_explicit(&p->schedtick, memory_order_relaxed) + 1;
    atomic_store_explicit(&p->schedtick, tick, memory_order_relaxed);
    G *next = NULL;
    bool timers = false;
    if (tick % GLOBAL_CHECK_TICKS == 0) { /* fairness: the oldest first */
        next = globrunqget(p);
        if (!next)
            next = runqget(p, true);
        /* Due timers run on g0, after `after`: cur may hold the lock of
           the very channel a timer sends on (it parks on it). */
        timers = timers_due();
    }
    if (!next && !timers)
        next = runqget(p, false);
    /* A G that needs a brand-new stack (an mmap'ed slot, a page fault)
       starts from g0: `after` (often an unlock) must not wait for that. */
    if (next && (timers || (!next->ctx.sp && !p->stackcache))) {
        m->nextg = next;
        next = NULL;
    }
    gogo(cur, next ? next : m->g0, after, arg);
}

/* ---- Goroutines: start, park, ready, yield, end ----------------------- */

static void gfput_after(G *dead, void *arg)
{
    (void)arg;
    san_fiber_destroy(&dead->san);
    dead->ctx.sp = NULL; /* unstarted again */
    if (dead->argsize > ARGBUF_SIZE)
        free(dead->arg);
    gfput(getm()->p, dead);
}

/*
 * Go: goexit1 + goexit0. The end of every goroutine's function.
 *
 * Our stack goes back to the P's cache before we leave it, so that the
 * next G, if it has never run, starts on it at once: a warm stack (its
 * pages already there), and one switch instead of two through g0 (see
 * schedule). When the stack went back only after the switch, a million
 * short goroutines in a row took the detour through g0 every time.
 * Safe: only the M holding p takes stacks from p's cache, in gogo just
 * before it switches. gstart then writes, at the top of this stack, the
 * new G's argument over ours, which we no longer need, and its first
 * frame over ours: the entry address our first switch popped, and the
 * null return address goroutine_entry never returns to. All our live
 * frames lie below those (gogo's at the bottom: we leave from there, and
 * never come back). The free stack's own description lies above the
 * stack proper (stack.c).
 */
_Noreturn static void goexit(void)
{
    G *g = getg();
    atomic_store_explicit(&g->status, G_DEAD, memory_order_relaxed);
    stack_put(getm()->p, g);
    schedule(g, gfput_after, NULL);
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

/* M0's g0 runs on a stack of ours: the main thread's is goroutine 1's. */
static void g0_main(void *arg)
{
    (void)arg;
    m_loop();
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
    m0->g0 = galloc(true);
    m0->g0->fn = g0_main;
    san_fiber_init(&m0->g0->san, m0->g0->stack_lo,
                   (size_t)(m0->g0->stack_hi - m0->g0->stack_lo));
    ctx_init(&m0->g0->ctx, m0->g0->stack_hi, goroutine_entry);
    G *g1 = galloc(false); /* the main thread's stack is its own */
    g1->id = atomic_fetch_add(&sched.goidgen, 1) + 1;
    stack_adopt_thread(g1);
    san_fiber_adopt(&g1->san);
    atomic_store(&g1->status, G_RUNNING);
    m0->curg = g1;
    m0->p = &sched.allp[0];
    sched.mcount = 1;
    current_m = m0;
    signal_stack_init();
    atomic_store_explicit(&started, true, memory_order_release);
}

void runtime_start(void)
{
    if (!atomic_load_explicit(&started, memory_order_acquire))
        pthread_once(&start_once, runtime_init);
}

static M *must_m(const char *what)
{
    M *m = getm();
    if (!m)
        fatal("%s called from a thread that does not run goroutines", what);
    return m;
}

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
    G *g = m->curg;
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    schedule(g, yield_to_new_after, m->p);
}

/* Go: runtime.newproc. */
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
    g->id = p->goidcache++;
    g->fn = fn;
    g->argsize = (uint16_t)size;
    if (size == 0) {
        /* nothing to copy (and arg may be NULL) */
    } else if (size <= ARGBUF_SIZE) {
        memcpy(g->unstarted.argbuf, arg, size); /* gstart moves it */
    } else {
        g->arg = malloc(size);
        if (!g->arg)
            fatal("out of memory (go argument)");
        memcpy(g->arg, arg, size);
    }
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

void gopark(void (*unlockf)(G *g, void *arg), void *arg, const char *reason)
{
    runtime_start();
    G *g = must_m("a blocking call")->curg;
    g->waitreason = reason;
    atomic_store_explicit(&g->status, G_WAITING, memory_order_relaxed);
    schedule(g, unlockf, arg);
}

void unlock_after_park(G *g, void *lock)
{
    (void)g;
    spin_unlock(lock);
}

void goready(G *g)
{
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    M *m = getm();
    if (m && m->p)
        runqput(m->p, g, true);
    else
        globrunqput(&g, 1); /* a timer run by an M without P */
    wakep();
}

/* after runs on the same M as the switch, so still holding p. */
static void yield_after(G *g, void *p)
{
    runqput_yield(p, g);
}

void gosched(void)
{
    runtime_start();
    M *m = must_m("gosched");
    G *g = m->curg;
    /* Nothing else could run on this P now: no G in its queue or in the
       global queue, no timer due. Go queues g and finds it again at once;
       we just go on. So a goroutine alone on its P yields for almost
       nothing (two such at GOMAXPROCS=2: 17 -> 2 ns a yield, measured;
       through g0 and back, it cost more than sharing one P). */
    if (!atomic_load_explicit(&m->p->nrunq, memory_order_relaxed) &&
        !atomic_load_explicit(&sched.runqsize, memory_order_relaxed) &&
        !timers_due())
        return;
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    schedule(g, yield_after, m->p);
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
