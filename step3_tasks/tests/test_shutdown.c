/*
 * pool_stop drains and joins; the misuses end as Go would end them
 * (WaitGroup) or as a broken invariant (pool_stop from inside a task).
 * Leaks would fail the run under AddressSanitizer (LeakSanitizer).
 */
#include "go.h"
#include "helpers.h"
#include "test.h"

#include <signal.h>
#include <stdatomic.h>

static atomic_int slept;

static void sleepy(void *arg)
{
    time_sleep(*(int *)arg * ms);
    atomic_fetch_add(&slept, 1);
}

static void spawn_sleepy(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++)
        go(sleepy, i % 5);
}

TEST(pool_stop_waits_for_every_task_even_slow_ones)
{
    for (queue_kind kind = QUEUE_GLOBAL; kind <= QUEUE_STEAL; kind++) {
        slept = 0;
        pool_start(kind, 3);
        go(spawn_sleepy, 0);
        go(sleepy, 20);
        struct pool_stats s;
        pool_stop(&s);
        EXPECT_EQ(slept, 21);
        EXPECT_EQ(s.ran, 22);
    }
}

TEST(an_idle_pool_stops_and_a_stopped_one_restarts)
{
    struct pool_stats s;
    pool_stop(&s); /* not running: nothing to do */
    EXPECT_EQ(s.workers, 0);
    for (int i = 0; i < 20; i++) {
        pool_start(i % 2 ? QUEUE_STEAL : QUEUE_GLOBAL, 1 + i % 4);
        pool_stop(&s);
        EXPECT_EQ(s.workers, 1 + i % 4);
        EXPECT_EQ(s.ran, 0);
    }
}

static void negative_waitgroup(void *arg)
{
    (void)arg;
    waitgroup wg;
    wg_init(&wg);
    wg_add(&wg, 1);
    wg_done(&wg);
    wg_done(&wg);
}

TEST(a_negative_waitgroup_counter_panics_as_in_go)
{
    struct run_result r;
    run_child(negative_waitgroup, NULL, 30, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_STR_EQ(r.err, "panic: sync: negative WaitGroup counter\n");
    run_result_free(&r);
}

static void stop_inside(void *arg)
{
    (void)arg;
    pool_stop(NULL);
}

static void stop_from_a_task(void *arg)
{
    (void)arg;
    pool_start(QUEUE_STEAL, 2);
    go(stop_inside, 0);
    pool_stop(NULL);
}

TEST(pool_stop_inside_a_task_is_a_fatal_error)
{
    struct run_result r;
    run_child(stop_from_a_task, NULL, 30, &r);
    EXPECT_EQ(r.status, 128 + SIGABRT);
    EXPECT_CONTAINS(r.err, "fatal error: pool_stop called from a task");
    run_result_free(&r);
}
