/*
 * Every task runs exactly once: a million of them (a tenth under the
 * sanitizers and qemu), for both queues and 1, 2, 4 and 8 workers. Half
 * are spawned by main (they go to the global queue), half by four tasks
 * (their workers' rings, with QUEUE_STEAL).
 */
#include "go.h"
#include "test.h"

#include <stdatomic.h>
#include <stdlib.h>

static _Atomic unsigned char *ran; /* times each task ran */

static void mark(void *arg)
{
    atomic_fetch_add_explicit(&ran[*(long *)arg], 1, memory_order_relaxed);
}

struct range {
    long from, to;
};

static void spawn_range(void *arg)
{
    struct range r = *(struct range *)arg;
    for (long i = r.from; i < r.to; i++)
        go(mark, i);
}

static void check_every_task_once(queue_kind kind, int workers)
{
    enum { SPAWNERS = 4 };
    long n = test_scaled(1000000), half = n / 2;
    ran = calloc((size_t)n, 1);
    pool_start(kind, workers);
    for (long k = 0; k < SPAWNERS; k++)
        go(spawn_range, (struct range){half + k * (n - half) / SPAWNERS,
                                       half + (k + 1) * (n - half) / SPAWNERS});
    for (long i = 0; i < half; i++)
        go(mark, i);
    struct pool_stats s;
    pool_stop(&s);

    long wrong = 0, first = -1;
    for (long i = 0; i < n; i++)
        if (ran[i] != 1 && wrong++ == 0)
            first = i;
    if (wrong)
        test_fail(__FILE__, __LINE__,
                  "%s, %d workers: %ld of %ld tasks did not run once"
                  " (task %ld ran %d times)",
                  kind == QUEUE_STEAL ? "steal" : "global", workers, wrong, n,
                  first, ran[first]);
    EXPECT_EQ(s.spawned, n + SPAWNERS);
    EXPECT_EQ(s.ran, n + SPAWNERS);
    EXPECT_EQ(s.workers, workers);
    free(ran);
}

TEST(global_queue_runs_every_task_exactly_once)
{
    for (int workers = 1; workers <= 8; workers *= 2)
        check_every_task_once(QUEUE_GLOBAL, workers);
}

TEST(steal_queues_run_every_task_exactly_once)
{
    for (int workers = 1; workers <= 8; workers *= 2)
        check_every_task_once(QUEUE_STEAL, workers);
}
