/*
 * sysmon.c: a thread that watches the scheduler and says what it sees
 * (Go: runtime.sysmon and runtime.schedtrace, in runtime/proc.go).
 *
 * GODEBUG=schedtrace=N prints, every N ms, to stderr, the line Go 1.19
 * prints, field for field:
 *
 *   SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0
 *   idlethreads=1 runqueue=0 [3 0]
 *
 * (one line; cut here to fit). scheddetail=1 adds a line per P, per M
 * and per G. Go's sysmon runs in every program and does much more: it
 * retakes Ps from system calls, preempts long-running goroutines, polls
 * the network. Ours is started only when schedtrace asks for it and only
 * prints; chapter 6 builds Go's loop (step6_compare_go/goadds/sysmon.c),
 * which, when it is linked in, prints the trace from its own rounds, as
 * Go's does, and this thread is not started: one monitor, not two.
 *
 * Where we differ from Go, on purpose:
 * - No GODEBUG, no thread: a program that does not ask pays nothing, and
 *   an idle one stays idle. Go starts sysmon in every program; it naps
 *   20 us to 10 ms between rounds, and sleeps on a note while all Ps
 *   are idle (but not while schedtrace is on).
 * - A bad value (schedtrace=abc) ends the program with one line and
 *   exit status 2; Go ignores it silently, as if it were not there.
 *   Keys we do not know are skipped, as Go skips them.
 * - Each P's number in brackets counts runnext with the ring (Go's
 *   counts the ring only): our count of both is the one we can read
 *   without the P's lock (p->nrunq), so at most 1 more per P.
 * - The detailed lines print "-" for what ours does not have (no
 *   collector, no LockOSThread, no system-call ticks, one timer heap for
 *   all Ps) and for what ours has but cannot read without a data race
 *   (an M's curg and spinning, a P's free Gs: plain fields that their
 *   own M writes on its fast paths). Go reads those racily and says so;
 *   we read only atomics and fields under the lock that guards them, so
 *   that ThreadSanitizer stays quiet.
 */
#include "runtime.h"

#include "common.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Go: runtime.debug, the GODEBUG settings (runtime1.go). */
struct godebug godebug;

static int64_t starttime; /* now_ns() at runtime start */
static note sysmon_note;  /* sysmon sleeps here between lines */

/* ---- GODEBUG (Go: parsedebugvars) ------------------------------------ */

/* The value of key=value, a whole number from 0 to INT_MAX (Go's
   int32), or one line and exit 2 (Go would ignore it). */
static int debug_value(const char *key, const char *value, size_t len)
{
    char text[16] = "";
    char *end = text;
    long n = -1;
    if (len < sizeof text) {
        memcpy(text, value, len);
        text[len] = '\0';
        if (text[0] >= '0' && text[0] <= '9')
            n = strtol(text, &end, 10);
    }
    if (n < 0 || n > INT_MAX || *end != '\0')
        usage_error("GODEBUG: %s must be a whole number from 0 to %d, "
                    "got '%.*s'", key, INT_MAX, (int)len, value);
    return (int)n;
}

/* GODEBUG is key=value pairs separated by commas; a pair without '='
   and a key we do not know are skipped, as Go does. */
static void parse_godebug(void)
{
    const char *field = getenv("GODEBUG");
    while (field && *field) {
        size_t len = strcspn(field, ",");
        const char *eq = memchr(field, '=', len);
        if (eq) {
            size_t keylen = (size_t)(eq - field);
            size_t vlen = len - keylen - 1;
            if (keylen == 10 && !strncmp(field, "schedtrace", 10))
                godebug.schedtrace = debug_value("schedtrace", eq + 1, vlen);
            if (keylen == 11 && !strncmp(field, "scheddetail", 11))
                godebug.scheddetail = debug_value("scheddetail", eq + 1,
                                                vlen);
        }
        field += len + (field[len] == ',');
    }
}

/* ---- The trace (Go: schedtrace) -------------------------------------- */

/*
 * The trace is built in memory while sched.lock is held, and written
 * after, with write(2) to stderr, as Go's print writes: no stdio buffer
 * to hold it back at exit or to share with the program's own output, and
 * no Ms kept waiting for sched.lock while a slow stderr drains. (Go
 * prints under the lock.)
 */
struct tracebuf {
    char *text;
    size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void
trace_put(struct tracebuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = 2 * (b->len + (size_t)n + 1);
        b->text = realloc(b->text, b->cap);
        if (!b->text)
            fatal("out of memory (schedtrace)");
    }
    va_start(ap, fmt);
    vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void trace_write(struct tracebuf *b)
{
    size_t done = 0;
    while (done < b->len) {
        ssize_t n = write(STDERR_FILENO, b->text + done, b->len - done);
        if (n <= 0)
            break; /* stderr closed: the trace is lost, not the program */
        done += (size_t)n;
    }
    free(b->text);
}

/* Is p on sched.pidle? sched.lock held. */
static bool p_idle(P *p)
{
    for (P *q = sched.pidle; q; q = q->link)
        if (q == p)
            return true;
    return false;
}

/* The id of the M holding p, or -1. sched.lock held (m->p is written
   under it: runtime.h). */
static int p_holder(P *p)
{
    for (M *m = sched.allm; m; m = m->alllink)
        if (m->p == p)
            return m->id;
    return -1;
}

/* Go's numbers for a G's status (runtime2.go: _Grunnable is 1, _Grunning
   2, _Gwaiting 4, _Gdead 6), so that the lines read as Go's do. */
static int go_gstatus(int status)
{
    switch (status) {
    case G_RUNNABLE: return 1;
    case G_RUNNING: return 2;
    case G_WAITING: return 4;
    case G_DEAD: return 6;
    }
    return 0; /* _Gidle: just made */
}

/* A G as the trace saw it: read once, then sorted. */
struct gseen {
    int64_t id;
    int status;
    const char *reason;
};

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const struct gseen *)a)->id;
    int64_t y = ((const struct gseen *)b)->id;
    return (x > y) - (x < y);
}

/* The Ms, newest first as Go lists them, and every goroutine that ever
   started, by id (Go: allm, forEachG). sched.lock held. */
static void trace_ms_and_gs(struct tracebuf *b)
{
    for (M *m = sched.allm; m; m = m->alllink) {
        P *p = m->p;
        trace_put(b, "  M%d: p=%d curg=- mallocing=- throwing=- "
                  "preemptoff=- locks=- dying=- spinning=- blocked=%s "
                  "lockedg=-\n", m->id, p ? p->id : -1,
                  m->idle ? "true" : "false");
    }
    G **all;
    size_t n = allgs(&all), nseen = 0;
    struct gseen *seen = malloc((n ? n : 1) * sizeof *seen);
    if (!seen)
        fatal("out of memory (schedtrace)");
    for (size_t i = 0; i < n; i++) {
        struct gseen *s = &seen[nseen];
        s->id = atomic_load_explicit(&all[i]->id, memory_order_relaxed);
        s->status = atomic_load_explicit(&all[i]->status,
                                         memory_order_relaxed);
        s->reason = atomic_load_explicit(&all[i]->waitreason,
                                         memory_order_relaxed);
        if (s->id != 0) /* 0: an M's g0, or a G that go() has not used */
            nseen++;
    }
    qsort(seen, nseen, sizeof *seen, by_id);
    for (size_t i = 0; i < nseen; i++)
        trace_put(b, "  G%" PRId64 ": status=%d(%s) m=- lockedm=-\n",
                  seen[i].id, go_gstatus(seen[i].status),
                  seen[i].status == G_WAITING ? seen[i].reason : "");
    free(seen);
    free(all);
}

/*
 * Go: schedtrace. Like Go's, it stops no one: under sched.lock, what that
 * lock guards is exact (idle Ms, who holds which P) and the counters
 * read with atomic loads may move while we print them.
 */
void schedtrace(bool detailed)
{
    int64_t now = now_ns();
    struct tracebuf b = {NULL, 0, 0};
    pthread_mutex_lock(&sched.lock);
    int idlethreads = 0;
    for (M *m = sched.midle; m; m = m->schedlink)
        idlethreads++;
    /* threads: the Ms, and this thread, as Go counts sysmon's M */
    trace_put(&b, "SCHED %" PRId64 "ms: gomaxprocs=%d idleprocs=%d "
              "threads=%d spinningthreads=%d idlethreads=%d runqueue=%d",
              (now - starttime) / 1000000, sched.nprocs,
              atomic_load(&sched.npidle), sched.mcount + 1,
              atomic_load(&sched.nmspinning), idlethreads,
              atomic_load(&sched.runqsize));
    if (detailed)
        trace_put(&b, " gcwaiting=- nmidlelocked=- stopwait=- "
                  "sysmonwait=-\n");
    for (int i = 0; i < sched.nprocs; i++) {
        P *p = &sched.allp[i];
        unsigned nrunq = atomic_load_explicit(&p->nrunq,
                                              memory_order_relaxed);
        if (!detailed) { /* [len0 len1 ...] */
            trace_put(&b, " %s%u%s", i == 0 ? "[" : "", nrunq,
                      i == sched.nprocs - 1 ? "]\n" : "");
            continue;
        }
        trace_put(&b, "  P%d: status=%d schedtick=%u syscalltick=- m=%d "
                  "runqsize=%u gfreecnt=- timerslen=-\n", i,
                  p_idle(p) ? 0 : 1, /* Go's _Pidle, _Prunning */
                  atomic_load_explicit(&p->schedtick, memory_order_relaxed),
                  p_holder(p), nrunq);
    }
    if (detailed)
        trace_ms_and_gs(&b);
    pthread_mutex_unlock(&sched.lock);
    trace_write(&b);
}

/* ---- The thread ------------------------------------------------------ */

/*
 * Go: sysmon, which checks `lasttrace + schedtrace ms <= now` on each of
 * its rounds (20 us to 10 ms apart). Ours has nothing else to do, so it
 * sleeps the whole interval: a timed wait on a note, which nothing wakes
 * yet (Go's sysmon sleeps on sched.sysmonnote when all is idle). It holds
 * no P and runs no goroutine; when main returns, the process ends it
 * with the Ms, wherever it is.
 */
static void *sysmon(void *arg)
{
    (void)arg;
    bool detailed = godebug.scheddetail > 0;
    int64_t period = (int64_t)godebug.schedtrace * 1000000;
    for (;;) {
        int64_t lasttrace = now_ns();
        schedtrace(detailed);
        note_sleep(&sysmon_note, lasttrace + period);
    }
    return NULL;
}

void sysmon_start(void)
{
    starttime = now_ns();
    parse_godebug();
    if (godebug.schedtrace <= 0)
        return; /* no thread at all: nothing to pay for */
    if (goadds_start)
        return; /* chapter 6's sysmon is linked in: it prints the trace */
    pthread_t thread = newosproc(sysmon, NULL, "pthread_create (sysmon)");
    pthread_setname_np(thread, "sysmon"); /* for gdb, ps and the tests */
}
