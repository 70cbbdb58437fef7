/* WaitGroup: wait blocks until the count is zero, for every waiter. */
#include "go.h"
#include "test.h"

#include <stdatomic.h>
#include <stdbool.h>

static const int64_t ms = 1000000;

struct slow_job {
    waitgroup *wg;
    atomic_bool *finished;
};

static void slow_worker(void *arg)
{
    struct slow_job *job = arg;
    time_sleep(20 * ms);
    atomic_store(job->finished, true);
    wg_done(job->wg);
}

TEST(wait_returns_only_after_the_last_done)
{
    waitgroup wg;
    wg_init(&wg);
    atomic_bool finished[8];
    for (int i = 0; i < 8; i++) {
        atomic_init(&finished[i], false);
        wg_add(&wg, 1);
        go(slow_worker, (struct slow_job){&wg, &finished[i]});
    }
    wg_wait(&wg);
    for (int i = 0; i < 8; i++)
        EXPECT(atomic_load(&finished[i]));
}

TEST(wait_on_zero_returns_at_once)
{
    waitgroup wg;
    wg_init(&wg);
    wg_wait(&wg);
    wg_add(&wg, 3);
    wg_add(&wg, -3);
    wg_wait(&wg);
}

/* Several goroutines wait on one group; each must see the release. */
struct waiter {
    waitgroup *gate, *back;
    atomic_bool *released;
    atomic_int *early;
};

static void waiter(void *arg)
{
    struct waiter *w = arg;
    wg_wait(w->gate);
    if (!atomic_load(w->released))
        atomic_fetch_add(w->early, 1);
    wg_done(w->back);
}

TEST(many_waiters_all_wake_after_the_count_reaches_zero)
{
    waitgroup gate, back;
    wg_init(&gate);
    wg_init(&back);
    atomic_bool released = false;
    atomic_int early = 0;
    wg_add(&gate, 1);
    wg_add(&back, 10);
    for (int i = 0; i < 10; i++)
        go(waiter, (struct waiter){&gate, &back, &released, &early});
    time_sleep(10 * ms); /* give waiters a chance to wait (not needed) */
    atomic_store(&released, true);
    wg_done(&gate);
    wg_wait(&back);
    EXPECT_EQ(atomic_load(&early), 0);
}

static void go_negative(void *arg)
{
    (void)arg;
    waitgroup wg;
    wg_init(&wg);
    wg_add(&wg, 1);
    wg_done(&wg);
    wg_done(&wg);
}

TEST(negative_counter_panics_with_gos_message)
{
    struct run_result r;
    run_child(go_negative, NULL, 10, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_STR_EQ(r.err, "panic: sync: negative WaitGroup counter\n");
    run_result_free(&r);
}
