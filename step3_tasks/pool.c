/*
 * pool.c: go() queues a task; a fixed pool of worker threads runs the
 * tasks, each to completion. Two designs for the queues, chosen at
 * pool_start():
 *
 * QUEUE_GLOBAL: one FIFO under one mutex; an idle worker sleeps until a
 * go() wakes it. Go's scheduler worked like this until Go 1.1 (one list
 * of runnable Gs in the global sched, under its lock): simple and fair,
 * but every go statement and every task taken contend for the same lock
 * and cache line.
 *
 * QUEUE_STEAL: Go's design since 1.1 (runtime/proc.go). Each worker (Go:
 * an M holding a P) owns a ring of 256 tasks (runq.c; Go: p.runq), and a
 * go() inside a task appends to its own worker's ring without a lock
 * (Go: runqput). A worker whose ring is empty takes a share of the global
 * queue (Go: globrunqget), else steals the older half of another worker's
 * ring, trying every worker once, starting at a random one (Go:
 * runqsteal; stealWork makes up to four passes over the Ps, each in a
 * random order). The choices:
 *   - A bounded ring, as Go's, rather than a Chase-Lev deque (a growable
 *     array, owner works LIFO at the bottom, thieves take the top). The
 *     ring needs no allocation, keeps FIFO order, so a task that keeps
 *     spawning cannot starve the tasks queued before its children, and
 *     its only cost is what to do when full: go() then moves the older
 *     half and the new task to the global queue in one locked step (Go:
 *     runqputslow), so the lock is paid once per 129 tasks.
 *   - A go() from outside the pool (from main) goes to the global queue:
 *     that thread has no ring. In Go, main is itself a goroutine on a P.
 *   - A teaching shortcut: go() always appends to the tail. Go puts the
 *     new G in p.runnext, to run next, which keeps a producer and its
 *     consumer on one CPU; it also looks at the global queue every 61st
 *     schedule so that it cannot starve. README.md lists what else is
 *     missing.
 *
 * Sleeping, for both kinds: a worker with nothing to do parks on its own
 * condition variable (Go: notesleep(&m.park)) instead of spinning. Adding
 * tasks wakes a parked worker (Go: wakep). No wake-up is lost:
 *   - The global queue and the list of parked workers share pool.lock, so
 *     a worker cannot go to sleep between a go() adding to the global
 *     queue and that go() looking for a sleeper.
 *   - A ring is written without the lock, so it is a handshake in two
 *     halves (Go: the re-check at the end of findrunnable): the appender
 *     stores the ring's tail, then reads pool.nidle; a worker going to
 *     sleep adds itself to nidle, then reads every ring's tail. All four
 *     accesses are seq_cst, so at least one side sees the other: either
 *     the appender sees a sleeper and wakes it, or the sleeper sees the
 *     task and does not sleep.
 *   - A worker that moves tasks into its own ring (a batch from the
 *     global queue, the half it stole) wakes a sleeper too, which can
 *     steal from it.
 */
#include "go.h"

#include "common.h"
#include "runq.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A queued go statement: fn and its own copy of the argument (Go: a g). */
struct task {
    void (*fn)(void *);
    struct task *next; /* in the global queue */
    max_align_t arg[]; /* the copy; max_align_t aligns it for any type */
};

/*
 * A worker: one thread (Go: an M) with its run queue (Go: a P). Go keeps
 * the two apart so that a P can move on to another M while its M is
 * blocked in a system call. Here they are one: a task that blocks holds
 * its queue too, and that is the limit shown by the stall demo.
 */
struct worker {
    struct runq runq;        /* QUEUE_STEAL only */
    struct pool_stats stats; /* written by this worker only */
    pthread_t thread;
    uint32_t rand;            /* for choosing victims (Go: fastrand) */
    pthread_cond_t wake;      /* where it sleeps (Go: m.park) */
    bool parked;              /* pool.lock: on the idle list */
    struct worker *next_idle; /* pool.lock */
};

/*
 * The pool: one per process, as Go's `sched` (go() takes no pool
 * argument, so there can only be one at a time).
 */
static struct {
    pthread_mutex_t lock;     /* Go: sched.lock; guards up to drained */
    struct task *global_head; /* FIFO; Go: sched.runq */
    struct task *global_tail;
    _Atomic long global_len;      /* also read without the lock, as a hint */
    struct worker *idle;          /* parked workers (Go: sched.midle) */
    _Atomic int nidle;            /* how many (Go: sched.npidle) */
    bool stopping;                /* pool_stop: workers, leave */
    pthread_cond_t drained;       /* every worker parked, nothing queued */
    _Atomic long spawned_outside; /* go() from threads that are no worker */
    /* Written by pool_start before the workers start; read-only then. */
    queue_kind kind;
    int nworkers;
    struct worker *workers;
    _Atomic bool running;
} pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .drained = PTHREAD_COND_INITIALIZER,
};

/* Starting and stopping, including the start by the first go(). */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

/* The worker this thread is, or NULL (Go: getg().m.p). */
static _Thread_local struct worker *current;

static _Noreturn void fatal(const char *what)
{
    fprintf(stderr, "fatal error: %s\n", what);
    abort();
}

/* Wake one parked worker, if there is one. Hold pool.lock. Go: wakep. */
static void wake_locked(void)
{
    struct worker *w = pool.idle;
    if (!w)
        return;
    pool.idle = w->next_idle;
    w->parked = false;
    atomic_fetch_sub(&pool.nidle, 1);
    pthread_cond_signal(&w->wake);
}

/*
 * Tasks were just added to this worker's ring: wake a sleeper to share
 * them. The seq_cst load of nidle is the appender's half of the handshake
 * in the header.
 */
static void wake_if_idle(void)
{
    if (atomic_load(&pool.nidle) == 0)
        return;
    pthread_mutex_lock(&pool.lock);
    wake_locked();
    pthread_mutex_unlock(&pool.lock);
}

/* Append the n tasks first..last to the global queue; wake n sleepers. */
static void global_put(struct task *first, struct task *last, long n)
{
    last->next = NULL;
    pthread_mutex_lock(&pool.lock);
    if (pool.global_tail)
        pool.global_tail->next = first;
    else
        pool.global_head = first;
    pool.global_tail = last;
    atomic_store_explicit(&pool.global_len, pool.global_len + n,
                          memory_order_relaxed);
    for (long i = 0; i < n && pool.idle; i++)
        wake_locked();
    pthread_mutex_unlock(&pool.lock);
}

/* Remove and return the global queue's oldest task. Hold pool.lock. */
static struct task *global_pop_locked(void)
{
    struct task *t = pool.global_head;
    pool.global_head = t->next;
    if (!pool.global_head)
        pool.global_tail = NULL;
    atomic_store_explicit(&pool.global_len, pool.global_len - 1,
                          memory_order_relaxed);
    return t;
}

/*
 * A task to run from the global queue, or NULL. With QUEUE_STEAL, also
 * move a fair share of the rest into w's ring, which must be empty, so
 * that the lock is not taken for each task (Go: globrunqget).
 */
static struct task *global_get(struct worker *w)
{
    pthread_mutex_lock(&pool.lock);
    struct task *t = NULL;
    if (pool.global_head) {
        long len = pool.global_len, n = 1;
        if (pool.kind == QUEUE_STEAL) {
            n = len / pool.nworkers + 1;
            n = n < len ? n : len;
            n = n < RUNQ_SIZE / 2 ? n : RUNQ_SIZE / 2;
        }
        t = global_pop_locked();
        for (long i = 1; i < n; i++)
            if (!runq_put(&w->runq, global_pop_locked()))
                fatal("global_get: the worker's ring was not empty");
        w->stats.global_gets++;
        if (n > 1)
            wake_locked();
    }
    pthread_mutex_unlock(&pool.lock);
    return t;
}

/*
 * w's ring is full: move its older half and t to the global queue in one
 * locked step (Go: runqputslow).
 */
static void runq_put_slow(struct worker *w, struct task *t)
{
    struct task *batch[RUNQ_SIZE / 2];
    uint32_t n = runq_grab(&w->runq, batch);
    for (uint32_t i = 0; i < n; i++)
        batch[i]->next = i + 1 < n ? batch[i + 1] : t;
    w->stats.overflows++;
    global_put(n ? batch[0] : t, t, n + 1);
}

static void start_default(void);

/*
 * Go: runtime.newproc. The task goes to the ring of the worker running
 * this go() (QUEUE_STEAL), else to the global queue; either way a
 * sleeping worker is woken to share the work.
 */
void go_spawn(void (*fn)(void *), const void *arg, size_t size)
{
    struct task *t = malloc(sizeof *t + size);
    if (!t)
        die("malloc");
    t->fn = fn;
    if (size) /* go_spawn(fn, NULL, 0) is fine; memcpy(NULL, ...) is not */
        memcpy(t->arg, arg, size);
    if (!atomic_load_explicit(&pool.running, memory_order_acquire))
        start_default();

    struct worker *w = current;
    if (!w)
        atomic_fetch_add_explicit(&pool.spawned_outside, 1,
                                  memory_order_relaxed);
    else
        w->stats.spawned++;
    if (!w || pool.kind == QUEUE_GLOBAL)
        global_put(t, t, 1);
    else if (runq_put(&w->runq, t))
        wake_if_idle();
    else
        runq_put_slow(w, t);
}

static uint32_t next_rand(struct worker *w) /* xorshift32 */
{
    w->rand ^= w->rand << 13;
    w->rand ^= w->rand >> 17;
    w->rand ^= w->rand << 5;
    return w->rand;
}

/*
 * w's ring and the global queue are empty: steal the older half of the
 * first non-empty ring, looking at every other worker once from a random
 * one. Returns a task to run (the rest go to w's ring) or NULL.
 */
static struct task *steal(struct worker *w)
{
    struct task *batch[RUNQ_SIZE / 2];
    int n = pool.nworkers, start = (int)(next_rand(w) % (uint32_t)n);
    for (int i = 0; i < n; i++) {
        struct worker *victim = &pool.workers[(start + i) % n];
        uint32_t got = victim == w ? 0 : runq_grab(&victim->runq, batch);
        if (got == 0)
            continue;
        for (uint32_t j = 1; j < got; j++)
            if (!runq_put(&w->runq, batch[j]))
                fatal("steal: the thief's ring was not empty");
        w->stats.steals++;
        w->stats.stolen += got;
        if (got > 1)
            wake_if_idle();
        return batch[0];
    }
    return NULL;
}

/* The next task for w, or NULL if it found none (Go: findrunnable). */
static struct task *find_task(struct worker *w)
{
    struct task *t = NULL;
    if (pool.kind == QUEUE_STEAL)
        t = runq_get(&w->runq);
    if (!t && atomic_load_explicit(&pool.global_len, memory_order_relaxed))
        t = global_get(w);
    if (!t && pool.kind == QUEUE_STEAL)
        t = steal(w);
    return t;
}

static bool any_ring_has_work(void)
{
    for (int i = 0; i < pool.nworkers; i++)
        if (!runq_empty(&pool.workers[i].runq))
            return true;
    return false;
}

/* Take w off the idle list. Hold pool.lock. */
static void unpark_locked(struct worker *w)
{
    struct worker **p = &pool.idle;
    while (*p != w)
        p = &(*p)->next_idle;
    *p = w->next_idle;
    w->parked = false;
    atomic_fetch_sub(&pool.nidle, 1);
}

/*
 * w found nothing to run: sleep until woken. Returns false when the pool
 * stops, true when there may be work. The last worker to park tells
 * pool_stop that the pool has drained: with every worker parked, every
 * ring is empty, as only its owner fills a ring and only while awake.
 */
static bool park(struct worker *w)
{
    pthread_mutex_lock(&pool.lock);
    if (pool.global_head || pool.stopping) {
        bool stopping = pool.stopping;
        pthread_mutex_unlock(&pool.lock);
        return !stopping;
    }
    w->parked = true;
    w->next_idle = pool.idle;
    pool.idle = w;
    if (atomic_fetch_add(&pool.nidle, 1) + 1 == pool.nworkers)
        pthread_cond_signal(&pool.drained);
    pthread_mutex_unlock(&pool.lock);

    /* The sleeper's half of the handshake: look at every ring again. */
    bool work = pool.kind == QUEUE_STEAL && any_ring_has_work();

    pthread_mutex_lock(&pool.lock);
    if (work && w->parked)
        unpark_locked(w);
    if (w->parked)
        w->stats.parks++;
    while (w->parked && !pool.stopping)
        pthread_cond_wait(&w->wake, &pool.lock);
    bool stopping = pool.stopping;
    pthread_mutex_unlock(&pool.lock);
    return !stopping;
}

/* Each worker's thread. Go: runtime.schedule, in a loop. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    current = w;
    do {
        struct task *t;
        while ((t = find_task(w))) {
            t->fn(t->arg);
            free(t);
            w->stats.ran++;
        }
    } while (park(w));
    return NULL;
}

int gomaxprocs(void)
{
    const char *env = getenv("GOMAXPROCS");
    if (env && *env)
        return (int)parse_count(env, "GOMAXPROCS", MAX_WORKERS);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : n;
}

/* Hold start_lock, with the pool stopped. */
static void start_locked(queue_kind kind, int nworkers)
{
    if (nworkers < 1 || nworkers > MAX_WORKERS)
        fatal("pool_start: number of workers out of range");
    size_t size = (size_t)nworkers * sizeof(struct worker);
    struct worker *workers = aligned_alloc(_Alignof(struct worker), size);
    if (!workers)
        die("aligned_alloc");
    memset(workers, 0, size);
    pool.kind = kind;
    pool.nworkers = nworkers;
    pool.workers = workers;
    pool.stopping = false;
    pool.spawned_outside = 0;
    for (int i = 0; i < nworkers; i++) {
        /*
         * Seeds for xorshift, which must not be 0: Knuth's multiplicative
         * hash constant (2^32 / the golden ratio, odd) spreads 1, 2, 3...
         * over all 32 bits.
         */
        workers[i].rand = 2654435761u * (uint32_t)(i + 1);
        pthread_cond_init(&workers[i].wake, NULL);
    }
    for (int i = 0; i < nworkers; i++) {
        int err =
            pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
        if (err)
            die_err(err, "pthread_create");
    }
    atomic_store_explicit(&pool.running, true, memory_order_release);
}

void pool_start(queue_kind kind, int nworkers)
{
    pthread_mutex_lock(&start_lock);
    if (pool.running)
        fatal("pool_start: the pool is already running");
    start_locked(kind, nworkers);
    pthread_mutex_unlock(&start_lock);
}

/* The first go() of a program that did not call pool_start. */
static void start_default(void)
{
    pthread_mutex_lock(&start_lock);
    if (!pool.running)
        start_locked(QUEUE_STEAL, gomaxprocs());
    pthread_mutex_unlock(&start_lock);
}

static void add_stats(struct pool_stats *sum, const struct pool_stats *w)
{
    sum->spawned += w->spawned;
    sum->ran += w->ran;
    sum->steals += w->steals;
    sum->stolen += w->stolen;
    sum->overflows += w->overflows;
    sum->global_gets += w->global_gets;
    sum->parks += w->parks;
}

void pool_stop(struct pool_stats *stats)
{
    if (current)
        fatal("pool_stop called from a task: it would wait for itself");
    pthread_mutex_lock(&start_lock);
    struct pool_stats sum = {0};
    if (pool.running) {
        pthread_mutex_lock(&pool.lock);
        while (pool.nidle < pool.nworkers || pool.global_head)
            pthread_cond_wait(&pool.drained, &pool.lock);
        pool.stopping = true;
        for (int i = 0; i < pool.nworkers; i++)
            pthread_cond_signal(&pool.workers[i].wake);
        pthread_mutex_unlock(&pool.lock);

        sum.workers = pool.nworkers;
        sum.spawned = pool.spawned_outside;
        for (int i = 0; i < pool.nworkers; i++) {
            int err = pthread_join(pool.workers[i].thread, NULL);
            if (err)
                die_err(err, "pthread_join");
            add_stats(&sum, &pool.workers[i].stats);
            pthread_cond_destroy(&pool.workers[i].wake);
        }
        free(pool.workers);
        pool.workers = NULL;
        pool.idle = NULL;
        pool.nidle = 0;
        atomic_store(&pool.running, false);
    }
    pthread_mutex_unlock(&start_lock);
    if (stats)
        *stats = sum;
}

/* ---- The rest of go.h: WaitGroup, Gosched, Sleep, panic ---- */

void wg_init(waitgroup *wg)
{
    pthread_mutex_init(&wg->lock, NULL);
    pthread_cond_init(&wg->zero, NULL);
    wg->count = 0;
}

void wg_add(waitgroup *wg, int delta)
{
    pthread_mutex_lock(&wg->lock);
    wg->count += delta;
    if (wg->count < 0)
        gopanic("sync: negative WaitGroup counter");
    if (wg->count == 0)
        pthread_cond_broadcast(&wg->zero);
    pthread_mutex_unlock(&wg->lock);
}

void wg_done(waitgroup *wg)
{
    wg_add(wg, -1);
}

void wg_wait(waitgroup *wg)
{
    pthread_mutex_lock(&wg->lock);
    while (wg->count > 0)
        pthread_cond_wait(&wg->zero, &wg->lock);
    pthread_mutex_unlock(&wg->lock);
}

void gosched(void)
{
    sched_yield();
}

void time_sleep(int64_t ns)
{
    if (ns <= 0)
        return;
    struct timespec left = {ns / 1000000000, ns % 1000000000};
    while (nanosleep(&left, &left) != 0)
        if (errno != EINTR)
            die("nanosleep");
}

void gopanic(const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "panic: %s\n", msg);
    /*
     * _exit, not exit: other tasks are still running, and Go runs no
     * deferred calls of theirs either. (exit would also start the leak
     * checker of a sanitizer build on a half-finished program.)
     */
    _exit(2);
}
