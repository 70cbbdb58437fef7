/*
 * step3_tasks: tasks on a pool of threads, then work stealing.
 *
 * What this step adds over step 2: go() no longer starts an OS thread. It
 * queues a task, a function and a copy of its argument, and a fixed pool
 * of worker threads, one per CPU (GOMAXPROCS), runs the tasks, each to
 * completion. pool.c has two queue designs, Go's before 1.1 and since;
 * this program measures them, then shows what a task still cannot do that
 * a goroutine can: stop in the middle (yield, or wait) and let its thread
 * run something else. Demo 4 stalls the pool on purpose: it detects the
 * stall with a timeout, says so, and releases the stalled tasks.
 *
 * What Go does: runtime.newproc queues a G on the current P's run queue,
 * and runtime.schedule, on each M, picks the next one
 * (runtime.findrunnable: own queue, global queue, steal from another P).
 *
 * Usage: ./step3 [--queue=global|steal] [--workers=N] [--tasks=N] [--fib=N]
 */
#include "go.h"

#include "common.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE "[--queue=global|steal] [--workers=N] [--tasks=N] [--fib=N]"

static const int64_t ms = 1000000; /* nanoseconds */

static const char *const queue_flag[] = {
    [QUEUE_GLOBAL] = "global",
    [QUEUE_STEAL] = "steal",
};
static const char *const queue_label[] = {
    [QUEUE_GLOBAL] = "global queue:",
    [QUEUE_STEAL] = "work stealing:",
};

/* A demo computed a wrong result: a bug in the pool. */
static _Noreturn void wrong(const char *what, long got, long want)
{
    fprintf(stderr, "fatal error: %s: got %ld, want %ld\n", what, got, want);
    abort();
}

static double ms_since(int64_t start)
{
    return (double)(now_ns() - start) / (double)ms;
}

/* What the workers did, beyond the time. */
static void print_stats(queue_kind kind, const struct pool_stats *s)
{
    if (kind == QUEUE_GLOBAL)
        printf("      global takes: %ld, sleeps: %ld\n", s->global_gets,
               s->parks);
    else
        printf("      steals: %ld (%ld tasks), overflows: %ld, global takes:"
               " %ld, sleeps: %ld\n",
               s->steals, s->stolen, s->overflows, s->global_gets, s->parks);
}

enum { RUNS = 3 }; /* each timing is the best of RUNS runs */

/*
 * Run fn(arg) on a fresh pool until it and every task it spawns are
 * done, RUNS times. Returns the fastest time in milliseconds; *s gets
 * that run's stats.
 */
static double best_run(queue_kind kind, int workers, void (*fn)(void *),
                       long arg, struct pool_stats *s)
{
    double best = 0;
    for (int i = 0; i < RUNS; i++) {
        struct pool_stats run;
        pool_start(kind, workers);
        int64_t start = now_ns();
        go(fn, arg);
        pool_stop(&run);
        double took = ms_since(start);
        if (i == 0 || took < best) {
            best = took;
            *s = run;
        }
    }
    return best;
}

/* ---- 1. Many tiny tasks: the cost of the queue itself ---- */

static void tiny(void *arg)
{
    (void)arg; /* the smallest task there is: all its cost is queueing */
}

/* Like Go's main goroutine: go() from inside the pool. */
static void spawn_tiny(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++)
        go(tiny, i);
}

static void demo_tiny(queue_kind kind, int workers, long ntasks)
{
    struct pool_stats s;
    double took = best_run(kind, workers, spawn_tiny, ntasks, &s);
    if (s.ran != ntasks + 1)
        wrong("tasks run", s.ran, ntasks + 1);
    printf("  %-15s%.1f ms, %.0f ns a task\n", queue_label[kind], took,
           took * (double)ms / (double)ntasks);
    print_stats(kind, &s);
}

/* ---- 2. Divide and conquer: the parallel speed-up ---- */

enum { FIB_ALONE = 22 }; /* below this, a task computes fib by itself */

static long fib_serial(long n)
{
    return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2);
}

static _Atomic long fib_total;

/*
 * fib(n) as a tree of tasks. A task cannot wait for its two children
 * (waiting would hold its worker: see demo 4), so each leaf adds its part
 * to a shared total, and pool_stop, which waits for every task, is the
 * join.
 */
static void fib_task(void *arg)
{
    long n = *(long *)arg;
    if (n < FIB_ALONE) {
        atomic_fetch_add(&fib_total, fib_serial(n));
        return;
    }
    go(fib_task, n - 1);
    go(fib_task, n - 2);
}

static void demo_fib(queue_kind kind, int workers, int n)
{
    struct pool_stats one, all;
    fib_total = 0;
    double ms1 = best_run(kind, 1, fib_task, n, &one);
    double msn = best_run(kind, workers, fib_task, n, &all);
    long want = 0, next = 1; /* fib(n), the quick way */
    for (int i = 0; i < n; i++) {
        long sum = want + next;
        want = next;
        next = sum;
    }
    if (fib_total != 2 * RUNS * want) /* every run adds up fib(n) */
        wrong("fib, times 2 * RUNS", fib_total, 2 * RUNS * want);
    printf("  %-15s1 worker %.1f ms, %d worker%s %.1f ms: %.2f times as"
           " fast\n",
           queue_label[kind], ms1, workers, workers > 1 ? "s" : "", msn,
           ms1 / msn);
    print_stats(kind, &all);
}

/* ---- 3. A task that yields: a state machine written by hand ---- */

/*
 * In Go:  sum := 0
 *         for i := 1; i <= n; i++ {
 *             sum += i
 *             if i%chunk == 0 { runtime.Gosched() }
 *         }
 * A task has no stack to keep i and sum in while it lets others run, so
 * they move into a struct, and the loop becomes a function that does one
 * chunk and queues itself again: a state machine.
 */
struct summer {
    char name;
    int i, n, chunk;
    long sum;
};

enum { SUMMERS = 3, SUMMER_STEPS = 4, SUMMER_CHUNK = 1000 };
static char order[SUMMERS * SUMMER_STEPS * 3 + 1]; /* "A1 B1 ..." */
static long summer_sums[SUMMERS];

static void summer_step(void *arg)
{
    struct summer s = *(struct summer *)arg;
    int stop = s.i + s.chunk < s.n ? s.i + s.chunk : s.n;
    for (; s.i < stop; s.i++)
        s.sum += s.i + 1;
    size_t len = strlen(order);
    snprintf(order + len, sizeof order - len, "%s%c%d", len ? " " : "", s.name,
             s.i / s.chunk);
    if (s.i < s.n)
        go(summer_step, s); /* yield: back of the queue, state and all */
    else
        summer_sums[s.name - 'A'] = s.sum;
}

static void start_summers(void *arg)
{
    (void)arg;
    for (int k = 0; k < SUMMERS; k++)
        go(summer_step, (struct summer){.name = (char)('A' + k),
                                        .n = SUMMER_STEPS * SUMMER_CHUNK,
                                        .chunk = SUMMER_CHUNK});
}

static void demo_yield(queue_kind kind)
{
    order[0] = '\0';
    pool_start(kind, 1);
    go(start_summers, 0); /* from a task, so all three queue at once */
    pool_stop(NULL);
    printf("  the steps, in the order they ran: %s\n", order);
    for (int k = 0; k < SUMMERS; k++)
        printf("  %c: 1 + 2 + ... + %d = %ld\n", 'A' + k,
               SUMMER_STEPS * SUMMER_CHUNK, summer_sums[k]);
    printf("  It works, but every local variable of the loop had to move\n"
           "  into a struct, and the loop had to be cut into a function\n"
           "  that returns to yield. A goroutine just calls Gosched in the\n"
           "  middle of its loop: that needs a stack of its own.\n");
}

/* ---- 4. The limit: a task that blocks holds its worker ---- */

enum {
    READY_TASKS = 10,
    STALL_MS = 200,    /* nothing moved for this long: stalled */
    SETTLE_MS = 10000, /* the longest we wait for the waiters to block */
    POLL_MS = 1,       /* how often main looks meanwhile */
};
static waitgroup result;     /* count 1 until the result exists */
static atomic_bool released; /* result's count went to 0 */
static atomic_int blocked;   /* waiters inside wg_wait */
static atomic_int producer_ran;
static atomic_int ready_ran;

/* Set the result free, once, whoever comes first. */
static void release_result(void)
{
    if (!atomic_exchange(&released, true))
        wg_done(&result);
}

static void waiter(void *arg)
{
    (void)arg;
    atomic_fetch_add(&blocked, 1);
    wg_wait(&result); /* holds this worker until the result exists */
    atomic_fetch_sub(&blocked, 1);
}

static void producer(void *arg)
{
    (void)arg;
    atomic_fetch_add(&producer_ran, 1);
    release_result();
}

static void ready(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ready_ran, 1);
}

static void demo_stall(queue_kind kind, int workers)
{
    wg_init(&result);
    wg_add(&result, 1);
    pool_start(kind, workers);
    for (int i = 0; i < workers; i++)
        go(waiter, i);
    /* Let every waiter reach a worker first, so that the stall is sure. */
    int64_t settle = now_ns();
    while (atomic_load(&blocked) < workers && ms_since(settle) < SETTLE_MS)
        time_sleep(POLL_MS * ms);
    go(producer, 0);
    for (int i = 0; i < READY_TASKS; i++)
        go(ready, i);
    int64_t start = now_ns();
    while (!atomic_load(&producer_ran) && ms_since(start) < STALL_MS)
        time_sleep(POLL_MS * ms);

    printf("  after %.0f ms, workers waiting in wg_wait: %d of %d; times"
           " the\n  producer ran: %d; ready tasks that ran: %d of %d.\n",
           ms_since(start), atomic_load(&blocked), workers,
           atomic_load(&producer_ran), atomic_load(&ready_ran), READY_TASKS);
    if (!atomic_load(&producer_ran))
        printf("  Stalled: every worker is held by a task that waits for\n"
               "  the producer, and the producer waits in a queue for a\n"
               "  worker. Without a timeout this program would hang here.\n");
    release_result();
    struct pool_stats s;
    pool_stop(&s);
    printf("  Released the waiters by hand: then every task ran (%ld in"
           " all),\n  and pool_stop joined every worker (%d).\n",
           s.ran, s.workers);
    printf("  In Go, wg.Wait parks the goroutine and its P runs the\n"
           "  producer: chapter 5 does that.\n");
}

/* ---- The program ---- */

struct options {
    int queues; /* bit 1 << kind for each queue_kind to run */
    int workers;
    char workers_from[48]; /* what set workers, for the first line */
    long tasks;
    int fib;
};

enum {
    MAX_TASKS = 100000000,
    MAX_FIB = 42, /* a few seconds; each step up costs 1.6 times more */
};

/* Ends a usage error: "step3: what was wrong (usage: ./step3 ...)". */
#define USAGE_TAIL " (usage: ./%s " USAGE ")"

static void parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if ((v = flag_value(a, "--queue", "global|steal"))) {
            if (strcmp(v, queue_flag[QUEUE_GLOBAL]) == 0)
                o->queues = 1 << QUEUE_GLOBAL;
            else if (strcmp(v, queue_flag[QUEUE_STEAL]) == 0)
                o->queues = 1 << QUEUE_STEAL;
            else
                usage_error("--queue must be global or steal, got '%s'"
                            USAGE_TAIL, v, program_name());
        } else if ((v = flag_value(a, "--workers", "N"))) {
            o->workers = (int)parse_count(v, "--workers", MAX_WORKERS);
            snprintf(o->workers_from, sizeof o->workers_from,
                     "as --workers=%d says", o->workers);
        } else if ((v = flag_value(a, "--tasks", "N"))) {
            o->tasks = parse_count(v, "--tasks", MAX_TASKS);
        } else if ((v = flag_value(a, "--fib", "N"))) {
            o->fib = (int)parse_count(v, "--fib", MAX_FIB);
        } else if (strcmp(a, "--help") == 0) {
            printf("usage: ./%s %s\n", program_name(), USAGE);
            exit(0);
        } else {
            usage_error("unknown argument '%s'" USAGE_TAIL, a,
                        program_name());
        }
    }
}

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct options o = {
        .queues = 1 << QUEUE_GLOBAL | 1 << QUEUE_STEAL,
        .workers = gomaxprocs(), /* checks $GOMAXPROCS, even if --workers */
        .workers_from = "one per CPU (GOMAXPROCS is not set)",
        .tasks = 1000000,
        .fib = 38,
    };
    const char *env = getenv("GOMAXPROCS");
    if (env && *env)
        snprintf(o.workers_from, sizeof o.workers_from, "as GOMAXPROCS=%d says",
                 o.workers);
    parse_args(argc, argv, &o);
    printf("%d workers, %s\n", o.workers, o.workers_from);

    printf("\n1. %ld tiny tasks, all spawned by one task (best of %d)\n",
           o.tasks, RUNS);
    for (int k = QUEUE_GLOBAL; k <= QUEUE_STEAL; k++)
        if (o.queues & 1 << k)
            demo_tiny(k, o.workers, o.tasks);

    printf("\n2. fib(%d) as a tree of tasks, on 1 worker and on %d (best of"
           " %d)\n",
           o.fib, o.workers, RUNS);
    for (int k = QUEUE_GLOBAL; k <= QUEUE_STEAL; k++)
        if (o.queues & 1 << k)
            demo_fib(k, o.workers, o.fib);

    queue_kind kind = o.queues & 1 << QUEUE_STEAL ? QUEUE_STEAL : QUEUE_GLOBAL;
    printf("\n3. Three tasks that yield by returning, on 1 worker"
           " (--queue=%s)\n",
           queue_flag[kind]);
    demo_yield(kind);

    printf("\n4. The limit: tasks that wait, one per worker (--queue=%s)\n",
           queue_flag[kind]);
    demo_stall(kind, o.workers);
    return 0;
}
