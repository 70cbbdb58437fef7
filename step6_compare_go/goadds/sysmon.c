/*
 * sysmon.c: Go's system monitor (runtime.sysmon, retake, preemptone in
 * runtime/proc.go), on step 5's runtime.
 *
 * A thread of its own, with no P, that never runs goroutines. Each round
 * it looks at every P (retake):
 *   - a P whose schedtick has not moved for 10 ms has run one G that
 *     long (and its thread had the CPU for 10 ms of them): ask it to
 *     stop (g->preempt, then a signal: preempt.c);
 *   - a P in a system call (P_SYSCALL) for a round, 20 us or more, is
 *     taken from its M and handed to another (handoffp), so that its
 *     other goroutines run while the call blocks (syscall.c).
 * With GODEBUG=schedtrace=N, it also prints step 5's trace every N ms
 * (schedtrace, in step 5's sysmon.c, whose own thread then stays off).
 * Between rounds it sleeps 20 us, doubling after 50 quiet rounds up to
 * 1 ms; while every P is idle it sleeps until pidleget wakes it, so an
 * idle program stays idle (unless schedtrace is on: Go's too). It holds
 * no lock while it sleeps.
 *
 * Where we differ from Go, on purpose:
 * - No network poll, no forced GC, no scavenger: we have neither.
 * - Its naps grow to 1 ms, not 10: sysmon sees a P's tick move only at
 *   its rounds, so with 10 ms naps a "10 ms" slice lasts 10 to 30 ms (in
 *   Go too), and a ticker waits that long; with 1 ms, 10 to 12 ms. The
 *   price: up to 1,000 short wake-ups a second while goroutines run
 *   (none while all is idle).
 * - Go keeps a P's status and its M on the P (p.status, p.m); step 5
 *   keeps who holds a P on the M (m->p), so we look the M up in
 *   sched.allm under sched.lock (Go takes allpLock).
 */
#include "internal.h"

#include "common.h"

#include <stdlib.h>
#include <time.h>

enum {
    FORCE_PREEMPT_NS = 10 * 1000 * 1000, /* Go: forcePreemptNS */
    DELAY_MIN_US = 20,
    DELAY_MAX_US = 1000, /* Go: 10 ms; see the header */
    QUIET_ROUNDS = 50, /* before the delay starts doubling, as Go */
};

struct goadds_counters goadds_counters;

/* What sysmon saw of a P at its last round (Go: sysmontick). */
struct sysmontick {
    unsigned schedtick;
    int64_t schedwhen;   /* now_ns() when it saw schedtick change */
    int64_t schedcpu;    /* the CPU time of p's M then (not Go's) */
};
static struct sysmontick *ticks; /* one per P */
static note sleep_note;          /* sysmon's naps: nothing wakes it */

/* The CPU time m's thread has used so far, in ns. */
static int64_t thread_cpu_ns(M *m)
{
    clockid_t clock;
    struct timespec t;
    if (pthread_getcpuclockid(m->thread, &clock) != 0 ||
        clock_gettime(clock, &t) != 0)
        return 0;
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The M holding p, or NULL. sched.lock held (m->p is written under it). */
static M *p_holder(P *p)
{
    for (M *m = sched.allm; m; m = m->alllink)
        if (m->p == p)
            return m;
    return NULL;
}

/* A new slice began on p: note its M's CPU time. */
static void slice_start(P *p, struct sysmontick *pd)
{
    pthread_mutex_lock(&sched.lock);
    M *m = p_holder(p);
    pd->schedcpu = m ? thread_cpu_ns(m) : 0;
    pthread_mutex_unlock(&sched.lock);
}

/*
 * Go: preemptone. Ask the G running on p to stop, and signal its M, if
 * p is still at tick t (if it switched meanwhile, the G there now has
 * just started: a switch counts the tick before it changes m->curg,
 * which it stores with release, so seeing the new G we see the new
 * tick), and if its M had the CPU for 10 ms of the slice: on a machine
 * shared with other jobs, a thread the kernel kept waiting has not had
 * its turn (Go looks at the clock only).
 */
static void preemptone(P *p, unsigned t, struct sysmontick *pd)
{
    pthread_mutex_lock(&sched.lock);
    M *m = p_holder(p);
    G *g = m ? atomic_load_explicit(&m->curg, memory_order_acquire) : NULL;
    if (g && g != m->g0 && atomic_load(&p->schedtick) == t &&
        thread_cpu_ns(m) - pd->schedcpu >= FORCE_PREEMPT_NS) {
        atomic_store(&g->preempt, true);
        count(&goadds_counters.preempt_requests);
        preemptM(m);
    }
    pthread_mutex_unlock(&sched.lock);
}

/*
 * Take p from its M, which sits in a system call: under sched.lock, so
 * that exitsyscall, which takes it too when it finds its P gone, sees
 * m->p cleared. False if the call ended first (its CAS won).
 */
static bool retake_syscall(P *p)
{
    pthread_mutex_lock(&sched.lock);
    int status = P_SYSCALL;
    bool taken = atomic_compare_exchange_strong(&p->status, &status, P_IDLE);
    if (taken) {
        M *m = p_holder(p);
        if (m)
            m->p = NULL;
    }
    pthread_mutex_unlock(&sched.lock);
    return taken;
}

/* Go: retake. Returns how many Ps it handed off. */
static int retake(int64_t now)
{
    int n = 0;
    for (int i = 0; i < sched.nprocs; i++) {
        P *p = &sched.allp[i];
        struct sysmontick *pd = &ticks[i];
        int status = atomic_load(&p->status);
        unsigned t = atomic_load_explicit(&p->schedtick,
                                          memory_order_relaxed);
        if (status == P_IDLE || pd->schedtick != t) {
            pd->schedtick = t; /* it switched since: a new time slice */
            pd->schedwhen = now;
            if (status == P_RUNNING)
                slice_start(p, pd);
            continue;
        }
        if (status == P_RUNNING) {
            if (pd->schedwhen + FORCE_PREEMPT_NS <= now)
                preemptone(p, t, pd);
            continue;
        }
        /* P_SYSCALL since at least one round. As Go: leave it while it
           has nothing to run and another P could take the work anyway,
           for 10 ms at most. */
        if (!atomic_load(&p->nrunq) &&
            atomic_load(&sched.nmspinning) + atomic_load(&sched.npidle) > 0 &&
            pd->schedwhen + FORCE_PREEMPT_NS > now)
            continue;
        if (retake_syscall(p)) {
            count(&goadds_counters.handoffs);
            handoffp(p);
            n++;
        }
    }
    return n;
}

/* Every P idle: sleep until pidleget wakes us (Go: sysmonwait). */
static void sleep_while_idle(void)
{
    pthread_mutex_lock(&sched.lock);
    if (atomic_load(&sched.npidle) != sched.nprocs) {
        pthread_mutex_unlock(&sched.lock);
        return;
    }
    note_clear(&sched.sysmonnote);
    atomic_store(&sched.sysmonwait, true);
    pthread_mutex_unlock(&sched.lock);
    note_sleep(&sched.sysmonnote, INT64_MAX);
}

/* Go: sysmon. */
static void *sysmon(void *arg)
{
    (void)arg;
    int64_t delay_us = DELAY_MIN_US, lasttrace = 0;
    int quiet = 0;
    for (;;) {
        if (quiet == 0)
            delay_us = DELAY_MIN_US;
        else if (quiet > QUIET_ROUNDS && delay_us < DELAY_MAX_US)
            delay_us = delay_us * 2 < DELAY_MAX_US ? delay_us * 2
                                                  : DELAY_MAX_US;
        note_clear(&sleep_note);
        note_sleep(&sleep_note, now_ns() + delay_us * 1000);
        if (godebug.schedtrace <= 0 &&
            atomic_load(&sched.npidle) == sched.nprocs) {
            sleep_while_idle();
            quiet = 0; /* woken: work again, watch closely */
            continue;
        }
        count(&goadds_counters.rounds);
        int64_t now = now_ns();
        quiet = retake(now) ? 0 : quiet + 1;
        if (godebug.schedtrace > 0 &&
            lasttrace + godebug.schedtrace * 1000000LL <= now) {
            lasttrace = now;
            schedtrace(godebug.scheddetail > 0);
        }
    }
    return NULL;
}

/* The seam of runtime.h: called once, at runtime start. */
void goadds_start(void)
{
    ticks = calloc((size_t)sched.nprocs, sizeof *ticks);
    if (!ticks)
        fatal("out of memory (sysmon)");
    preempt_init();
    pthread_t thread = newosproc(sysmon, NULL, "pthread_create (sysmon)");
    pthread_setname_np(thread, "sysmon");
}

void goadds_stats(struct goadds_stats *s)
{
    struct goadds_counters *c = &goadds_counters;
    *s = (struct goadds_stats){
        .preempt_requests = atomic_load(&c->preempt_requests),
        .signals = atomic_load(&c->signals),
        .async_preempts = atomic_load(&c->async_preempts),
        .unsafe_points = atomic_load(&c->unsafe_points),
        .sync_preempts = atomic_load(&c->sync_preempts),
        .handoffs = atomic_load(&c->handoffs),
        .rounds = atomic_load(&c->rounds),
    };
}
