/*
 * runtime.h: the insides of step 5's runtime, with Go's names, so that
 * runtime/runtime2.go and runtime/proc.go can be read next to it.
 *
 *   G  a goroutine: a stack, the registers saved while it does not run,
 *      a status and, while it waits, the reason (Go: runtime.g).
 *   M  an OS thread ("machine") that runs goroutines (Go: runtime.m).
 *   P  a processor: the right to run goroutines, with its own queue of
 *      runnable Gs. GOMAXPROCS of them; an M runs Gs only while it holds
 *      a P (Go: runtime.p).
 *
 * Everything a goroutine does to stop running goes through gopark (wait
 * until someone calls goready), gosched (go to the back of the queue) or
 * the end of its function; each of them switches straight to the next G
 * of the P, or to the M's own scheduler stack (g0) when there is none.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include "context.h"
#include "go.h"
#include "san.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct g G;
typedef struct m M;
typedef struct p P;

/* Go: _Grunnable, _Grunning, _Gwaiting, _Gdead. */
enum g_status { G_RUNNABLE = 1, G_RUNNING, G_WAITING, G_DEAD };

enum { G_ARGBUF = 64 }; /* go() arguments up to this size wait in the G */

struct g {
    struct context ctx;  /* registers, while not running; ctx.sp is
                            NULL until the G first runs (execute) */
    G *schedlink;        /* next in a free list or a wait list */
    void (*fn)(void *);  /* what the goroutine runs, with */
    void *arg;           /* its argument's copy: in argbuf or malloc'ed
                            until the first run, then at its stack's top */
    void *param;         /* passed by the waker to the parked G (Go: param) */
    /* Atomic, so that sysmon's trace (sysmon.c) may read them while the
       G's M writes them; a relaxed store is the plain store it was. */
    _Atomic(const char *) waitreason; /* while G_WAITING: "chan receive" */
    atomic_llong id;     /* goroutine number, as Go prints it */
    char *stack_lo;      /* usable stack: [stack_lo, stack_hi) */
    char *stack_hi;
    atomic_int status;   /* enum g_status */
    atomic_int selectdone; /* 1: a case of its select fired (Go: same) */
    atomic_bool preempt; /* seam: sysmon asks it to stop (Go: g.preempt) */
    uint16_t argsize;    /* bytes of go()'s argument */
    bool stack_guarded;  /* a guard page lies below stack_lo; if not,
                            a canary page there is checked */
    struct san_fiber san; /* empty (one byte) without sanitizers */
    unsigned char argbuf[G_ARGBUF];
};

/* Go: runtime.note, a one-shot wake-up an M sleeps on (a futex word). */
typedef struct note {
    atomic_uint key;
} note;

struct m {
    int id;
    M *alllink;     /* next in sched.allm (Go: m.alllink) */
    G *g0;          /* this M's scheduler stack (Go: m.g0) */
    _Atomic(G *) curg; /* the G running on this M (g0 when none);
                          atomic, so that sysmon may read it (a seam) */
    P *p;           /* the P held, or NULL while idle; written by its
                       own M under sched.lock, so sysmon may read it
                       (and clear it, for an M in a system call: goadds) */
    P *nextp;       /* the P handed over by startm, with the wake-up */
    bool spinning;  /* looking for work, holding a P (Go: m.spinning) */
    bool idle;      /* on sched.midle */
    M *schedlink;   /* next on sched.midle */
    note park;      /* sleeps here while idle */
    /* What the G that switched to us asked to be done once its
       registers were saved (see execute in sched.c). */
    G *prev;
    void (*after)(G *prev, void *arg);
    void *after_arg;
    uint64_t rand;  /* this M's random numbers (Go: m.fastrand) */
    struct trace_buf *trace; /* its events, with GOTRACE (trace.c) */
    pthread_t thread; /* seam: the thread, for a signal (Go: m.procid) */
    int locks;      /* seam: > 0, never preempted (Go: m.locks) */
};

enum { RUNQ_SIZE = 256 }; /* as Go's */

/* Go: _Pidle, _Prunning, _Psyscall. Step 5 itself sets only the first
   two (pidleput, pidleget); P_SYSCALL is goadds' (see the seams below). */
enum p_status { P_IDLE, P_RUNNING, P_SYSCALL };

struct p {
    int id;
    spinlock runqlock;   /* guards runq, runqhead, runqtail, runnext
                            (with GOMAXPROCS > 1: see runq_lock) */
    uint32_t runqhead;   /* runq[runqhead % RUNQ_SIZE] is the oldest */
    uint32_t runqtail;   /* runq[(runqtail - 1) % RUNQ_SIZE]: newest */
    atomic_uint nrunq;   /* Gs in runq + runnext, to peek without lock */
    G *runnext;          /* runs next (Go: p.runnext) */
    G *runq[RUNQ_SIZE];
    atomic_uint schedtick; /* switches so far (Go: p.schedtick) */
    atomic_int status;   /* seam: P_IDLE, P_RUNNING, P_SYSCALL */
    G *gfree;            /* dead Gs, for reuse (Go: p.gFree) */
    int ngfree;
    int64_t goidcache;   /* ids for the next goroutines: [goidcache, */
    int64_t goidcacheend; /* goidcacheend) (Go: p.goidcache) */
    struct free_stack *stackcache; /* free stacks (Go: mcache.stackcache) */
    int nstackcache;
    P *link;             /* next on sched.pidle */
};

/*
 * Go: runtime.sched (schedt), what all Ms share. lock guards the fields
 * that are not _Atomic; the _Atomic ones may be peeked at without it.
 */
struct schedt {
    pthread_mutex_t lock;
    G *runqhead, *runqtail;  /* the global run queue, by schedlink */
    atomic_int runqsize;
    P *pidle;                /* idle Ps */
    atomic_int npidle;
    M *midle;                /* idle Ms, asleep on their note */
    atomic_int nmspinning;   /* Ms holding a P, looking for work */
    int mcount, maxm;        /* Ms started; at most */
    M *allm;                 /* every M, newest first (Go: allm) */
    M *timer_m;              /* the idle M sleeping until the next timer */
    M *poll_m;               /* the idle M blocked in the network poller */
    atomic_llong goidgen;    /* the last goroutine id handed out */
    atomic_ullong steals;    /* Gs taken from another P's queue */
    int nprocs;              /* GOMAXPROCS */
    P *allp;                 /* the Ps: allp[0 .. nprocs) */
    /* Seams for goadds (below): Ms in a system call, which are neither
       running Gs nor dead, and the note sysmon sleeps on while every P
       is idle (Go: sched.sysmonwait, sched.sysmonnote). */
    atomic_int nsyscall;
    atomic_bool sysmonwait;
    note sysmonnote;
};
extern struct schedt sched;

/* Counters for tests and demos. */
struct sched_stats {
    uint64_t steals;  /* Gs taken from another P's queue */
    int ms;           /* Ms (threads) started, the main thread included */
    int nprocs;       /* GOMAXPROCS */
};

/* The M and G running this code (NULL outside the runtime's threads).
   Never cached by the compiler across a switch: a goroutine may go to
   sleep on one thread and wake on another. */
M *getm(void);
G *getg(void);

/* Go: newosproc. A detached thread running fn(arg); what: the call,
   as an error names it. */
pthread_t newosproc(void *(*fn)(void *), void *arg, const char *what);

/* Start the runtime if not yet started; the caller becomes goroutine 1. */
void runtime_start(void);
int gomaxprocs(void);
void sched_stats(struct sched_stats *s);

/*
 * Go: runtime.gopark. Park the running G with a reason until goready.
 * unlockf(g, arg) runs right after the switch, on the next G: the lock
 * that guards the queue this G waits on must be released by it, so that
 * a waker can find the G only once its registers are saved.
 */
void gopark(void (*unlockf)(G *g, void *arg), void *arg, const char *reason);

/* Go: runtime.goready. Make a parked G runnable (runs next on our P). */
void goready(G *g);

/* A parking helper: unlockf that releases the spinlock arg. */
void unlock_after_park(G *g, void *lock);

/* Go's `throw`: the runtime cannot go on (a broken invariant, no
   memory). Prints "fatal error: " and the printf-style message to stderr
   and exits with status 2, as Go does. */
_Noreturn void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Go: runtime.gopanic, for the misuses Go reports in its own words
   ("send on closed channel"): prints "panic: <msg>" and the goroutine's
   "goroutine N [running]:" line to stderr and exits with status 2, as an
   unrecovered Go panic does (Go then prints the goroutine's stack). */
_Noreturn void gopanic(const char *msg);

/* A pseudo-random number in [0, n) (Go: runtime.fastrandn). */
uint32_t fastrandn(uint32_t n);

/*
 * A spin lock that gives up the CPU after a while: with more threads than
 * CPUs (a busy machine), the holder may have lost its CPU in the middle of
 * its few instructions, and spinning until the kernel gives it back burns
 * a whole time slice. Go's lock2 spins, then yields, then sleeps. Measured
 * here (2 CPUs, other programs running): an unbuffered ping-pong at
 * GOMAXPROCS=2 took 100 to 380 ns per round trip with a plain spin lock,
 * 320 to 440 ns with both Ms pinned to one CPU; 90 ns either way now.
 * The waiting is out of line (sched.c), so that the inlined fast path
 * makes its callers save no more registers.
 */
void spin_lock_wait(spinlock *l);

static inline void spin_lock(spinlock *l)
{
    if (atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
        spin_lock_wait(l);
}

static inline bool spin_trylock(spinlock *l)
{
    return !atomic_load_explicit(&l->held, memory_order_relaxed) &&
           !atomic_exchange_explicit(&l->held, 1, memory_order_acquire);
}

static inline void spin_unlock(spinlock *l)
{
    atomic_store_explicit(&l->held, 0, memory_order_release);
}

/* lock.c: an M's sleep and wake-up (Go: notesleep, notewakeup). */
void note_clear(note *n);
void note_wakeup(note *n);
void note_sleep(note *n, int64_t deadline); /* until woken or deadline
                                               (now_ns(); INT64_MAX) */

/* runq.c: run queues. Only the M holding p calls these for p. */
void runqput(P *p, G *g, bool next); /* next: into runnext, the G there
                                        moves to the ring's newest end */
void runqput_oldest(P *p, G *g);     /* behind everything (gosched) */
G *runqget(P *p, bool oldest);       /* runnext, else the newest; or the
                                        oldest of the ring */
void globrunqput(G *g);              /* the global queue's tail */
G *globrunqget(P *p);                /* one, and a batch into p's ring */
G *runqsteal(P *p, P *victim, bool stealnext); /* half of victim's */

/* galloc.c: Gs (Go: malg, gfget, gfput, allgs). */
G *galloc(void);                  /* a new G, for an M's g0 or goroutine 1 */
G *gfget(P *p);                   /* a G for go(): a dead one if any */
void gfput(P *p, G *g);           /* g's goroutine has ended */
size_t allgs(G ***list);          /* every G ever made: a malloc'ed array */

/* stack.c: goroutine stacks. */
void stack_init(void);            /* once, at runtime start */
void stack_alloc(G *g);           /* give g a new stack (M0's g0) */
void stack_get(P *p, G *g);       /* give g a stack, a reused one if any */
void stack_put(P *p, G *g);       /* g has ended: keep its stack for reuse */
size_t stack_size(void);          /* usable bytes per goroutine stack */
void stack_check(G *g);           /* an unguarded stack's canary intact? */
void stack_adopt_thread(G *g);    /* g runs on this thread's own stack */
const char *stack_guard(void);    /* how overflows are caught, in words */
void signal_stack_init(void);     /* this thread's SIGSEGV stack */

/* sysmon.c: GODEBUG=schedtrace=N prints the scheduler's state every N ms
   from a thread of its own (Go: sysmon, schedtrace); no thread without. */
void sysmon_start(void); /* at runtime start: reads GODEBUG */
extern struct godebug {   /* Go: runtime.debug, from GODEBUG */
    int schedtrace;       /* ms between lines; 0: no trace */
    int scheddetail;      /* > 0: a line per P, M and G as well */
} godebug;
void schedtrace(bool detailed); /* one trace, now (Go: schedtrace) */

/*
 * Seams: where Go's additions (step6_compare_go/goadds/: sysmon,
 * preemption, the system-call hand-off) attach to this cooperative
 * runtime. Step 5 alone never calls them, and starts no thread for them.
 *
 *   p->schedtick, p->status  read by sysmon: a P whose tick has not moved
 *                            for 10 ms runs one G too long; P_SYSCALL for
 *                            20 us, its M sits in a system call (Go:
 *                            retake);
 *   m->curg, m->thread       the G to ask (g->preempt) and the thread to
 *                            signal (Go: preemptone, preemptM);
 *   m->locks                 > 0: the M must not be preempted (Go's count
 *                            of runtime locks held; ours are only taken
 *                            inside the runtime's code, which is never
 *                            preempted, so only goadds' acquirem adds);
 *   sched.nsyscall           Ms in a system call: checkdead and startm
 *                            count them;
 *   sched.sysmonwait         pidleget wakes sysmon from its idle sleep;
 *   godebug, schedtrace()    goadds' sysmon prints the trace from its
 *                            rounds, as Go's does: sysmon_start then
 *                            starts no thread of its own.
 */
void goadds_start(void) __attribute__((weak)); /* at runtime start, if
                                                  goadds is linked in */
void mcall(void (*fn)(G *g, void *arg), void *arg); /* Go: mcall */
void gopreempt(void);            /* Go: gopreempt_m: yield, preempted */
void handoffp(P *p);             /* Go: handoffp: p to an M, or idle */
bool acquirep_idle(M *m);        /* an idle P for m, if any */

/* timer.c: the timer heap (Go: runtime.timer). */
struct timer {
    int64_t when;               /* now_ns() at which f runs */
    void (*f)(void *arg);       /* runs on whichever M finds it due */
    void *arg;
};
void timer_add(struct timer *t); /* caller may hold no lock */
int64_t timers_next(void);       /* earliest when, or INT64_MAX */
void timers_run(int64_t now);    /* run the due ones (holding no lock) */
bool timers_pending(void);       /* any timer not yet run to its end */
void sched_timer_added(void);    /* sched.c: a new earliest timer */

/*
 * The network poller's seam (Go: netpoll, netpollBreak, netpollAnyWaiters).
 * NULL unless the program links step 6's goadds/netpoll.c, which sets it
 * at its first socket: a program without sockets has no epoll and no
 * thread more than before. With it, an M that runs out of work polls
 * without waiting (findrunnable), and one idle M waits in the poller
 * instead of on its note, until the next timer (stopm).
 */
struct netpoller {
    G *(*poll)(int64_t deadline); /* Gs whose socket is ready, linked by
                                     schedlink; waits until deadline
                                     (now_ns(); 0: no wait, INT64_MAX) */
    void (*wake)(void);           /* a poll waiting now returns at once */
    bool (*waiting)(void);        /* any G parked on a socket? */
};
extern const struct netpoller *_Atomic netpoller;

#endif
