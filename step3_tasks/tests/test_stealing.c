/*
 * Stealing happens: one task loads its worker's ring, then blocks that
 * worker until its tasks are done. They can only run if other workers
 * steal them (the ring never overflows to the global queue), so the test
 * finishes only if stealing works, and counts the steals.
 */
#include "go.h"
#include "test.h"

#include <stdatomic.h>

enum { LOAD = 200 }; /* less than a ring: nothing overflows */

static waitgroup load_done;
static atomic_long load_ran;

static void load_task(void *arg)
{
    (void)arg;
    atomic_fetch_add(&load_ran, 1);
    wg_done(&load_done);
}

static void loader(void *arg)
{
    (void)arg;
    for (int i = 0; i < LOAD; i++)
        go(load_task, i);
    wg_wait(&load_done); /* holds this worker: others must steal */
}

static struct pool_stats run_loader(queue_kind kind, int workers)
{
    load_ran = 0;
    wg_init(&load_done);
    wg_add(&load_done, LOAD);
    pool_start(kind, workers);
    go(loader, 0);
    struct pool_stats s;
    pool_stop(&s);
    EXPECT_EQ(load_ran, LOAD);
    return s;
}

TEST(idle_workers_steal_from_a_loaded_one)
{
    test_set_timeout(60);
    for (int workers = 2; workers <= 8; workers *= 2) {
        struct pool_stats s = run_loader(QUEUE_STEAL, workers);
        EXPECT(s.steals >= 1);
        EXPECT(s.stolen >= LOAD); /* a stolen task may be stolen again */
        EXPECT_EQ(s.overflows, 0);
    }
}

TEST(the_global_queue_needs_no_stealing)
{
    test_set_timeout(60);
    struct pool_stats s = run_loader(QUEUE_GLOBAL, 4);
    EXPECT_EQ(s.steals, 0);
    EXPECT(s.global_gets >= LOAD + 1);
}
