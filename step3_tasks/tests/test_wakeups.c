/*
 * No lost wake-ups. Each round below starts with every worker asleep and
 * then needs one of them woken; a lost wake-up leaves a task queued with
 * no one awake to run it, and the round hangs. Each stress runs in a child
 * with a watchdog, so a hang fails the test instead of blocking CI.
 */
#include "go.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

enum { WATCHDOG_S = 60 };

struct stress {
    queue_kind kind;
    int workers;
    long rounds;
    void (*round)(void *); /* a task given a waitgroup * to finish */
};

/* Run fn(&stress) in a child, for both queues and min_workers to 4. */
static void stress_all(void (*fn)(void *), void (*round)(void *),
                       int min_workers, long rounds, const char *what)
{
    for (queue_kind kind = QUEUE_GLOBAL; kind <= QUEUE_STEAL; kind++)
        for (int workers = min_workers; workers <= 4; workers *= 2) {
            struct stress st = {kind, workers, rounds, round};
            struct run_result r;
            run_child(fn, &st, WATCHDOG_S, &r);
            if (r.timed_out || r.status != 0)
                test_fail(__FILE__, __LINE__,
                          "%s (%s, %d workers): %s, status %d%s%s", what,
                          kind == QUEUE_STEAL ? "steal" : "global", workers,
                          r.timed_out ? "hung: a wake-up was lost" : "failed",
                          r.status, *r.err ? ": " : "", r.err);
            run_result_free(&r);
        }
}

/* main queues one round and waits for it, over and over. */
static void run_rounds(void *arg)
{
    struct stress *st = arg;
    waitgroup wg;
    wg_init(&wg);
    pool_start(st->kind, st->workers);
    for (long i = 0; i < st->rounds; i++) {
        wg_add(&wg, 1);
        go(st->round, &wg);
        wg_wait(&wg);
    }
    pool_stop(NULL);
}

static void done_task(void *arg)
{
    wg_done(*(waitgroup **)arg);
}

TEST(a_go_from_main_always_wakes_a_worker)
{
    stress_all(run_rounds, done_task, 1, test_scaled(5000),
               "main to pool and back");
}

/*
 * A task queues a helper in its own worker's ring, then blocks that
 * worker until the helper has run: only a sleeping worker, woken by the
 * go(), can run it.
 */
static void blocker(void *arg)
{
    waitgroup helped;
    wg_init(&helped);
    wg_add(&helped, 1);
    go(done_task, &helped);
    wg_wait(&helped);
    wg_done(*(waitgroup **)arg);
}

TEST(a_go_from_a_task_wakes_a_sleeping_worker)
{
    stress_all(run_rounds, blocker, 2, test_scaled(5000), "task to sleeper");
}

static void fan_out(void *arg)
{
    int n = *(int *)arg;
    for (int i = 0; i < n; i++)
        go(fan_out, 0);
}

/* Start, spawn a burst, drain and stop, over and over. */
static void start_burst_stop(void *arg)
{
    struct stress *st = arg;
    for (long i = 0; i < st->rounds; i++) {
        pool_start(st->kind, st->workers);
        go(fan_out, (int)(i % 50));
        struct pool_stats s;
        pool_stop(&s);
        if (s.ran != i % 50 + 1) {
            fprintf(stderr, "round %ld: %ld tasks ran, want %ld\n", i, s.ran,
                    i % 50 + 1);
            exit(1);
        }
    }
}

TEST(pool_stop_sees_the_pool_drain)
{
    stress_all(start_burst_stop, NULL, 1, test_scaled(500),
               "start, burst, stop");
}
