/* gopark/goready and what is built on them: WaitGroup, Mutex, sleep. */
#include "go.h"
#include "runtime.h"
#include "common.h"
#include "test.h"

#include <stdlib.h>

static waitgroup wg;

/* Pairs of goroutines wake each other through a parked-flag handshake,
   many times: a lost wake-up hangs, and the watchdog fails the test. */
struct baton {
    spinlock lock;
    G *waiter;
    bool token;
};

static void baton_unlock(G *g, void *b)
{
    (void)g;
    spin_unlock(&((struct baton *)b)->lock);
}

static void take(struct baton *b)
{
    spin_lock(&b->lock);
    while (!b->token) {
        b->waiter = getg();
        gopark(baton_unlock, b, "baton");
        spin_lock(&b->lock);
    }
    b->token = false;
    spin_unlock(&b->lock);
}

static void give(struct baton *b)
{
    spin_lock(&b->lock);
    b->token = true;
    G *w = b->waiter;
    b->waiter = NULL;
    spin_unlock(&b->lock);
    if (w)
        goready(w);
}

struct pair {
    struct baton *mine, *theirs;
    long rounds;
};

static void relay(void *arg)
{
    struct pair *p = arg;
    for (long i = 0; i < p->rounds; i++) {
        take(p->mine);
        give(p->theirs);
    }
    wg_done(&wg);
}

TEST(park_ready_stress_loses_no_wakeup)
{
    test_set_timeout(60);
    enum { PAIRS = 16 };
    static struct baton batons[2 * PAIRS];
    long rounds = test_scaled(20000);
    wg_init(&wg);
    for (int i = 0; i < PAIRS; i++) {
        struct baton *a = &batons[2 * i], *b = &batons[2 * i + 1];
        a->token = true;
        wg_add(&wg, 2);
        go(relay, (struct pair){a, b, rounds});
        go(relay, (struct pair){b, a, rounds});
    }
    wg_wait(&wg);
    EXPECT(1);
}

static mutex mu;
static long counter;
static void add_many(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++) {
        mutex_lock(&mu);
        long c = counter;
        if (i % 16 == 0)
            gosched(); /* hold it across a switch: others must park */
        counter = c + 1;
        mutex_unlock(&mu);
    }
    wg_done(&wg);
}

TEST(mutex_and_waitgroup_under_contention)
{
    long n = test_scaled(20000);
    mutex_init(&mu);
    wg_init(&wg);
    for (int i = 0; i < 16; i++) {
        wg_add(&wg, 1);
        go(add_many, n);
    }
    wg_wait(&wg);
    EXPECT_EQ(counter, 16 * n);
}

static void waiter(void *arg)
{
    waitgroup *start = *(waitgroup **)arg;
    wg_wait(start);
    wg_done(&wg);
}

TEST(many_waiters_on_one_waitgroup)
{
    static waitgroup start;
    wg_init(&start);
    wg_init(&wg);
    wg_add(&start, 1);
    wg_add(&wg, 1000);
    for (int i = 0; i < 1000; i++)
        go(waiter, &start);
    time_sleep(1000000);
    wg_done(&start);
    wg_wait(&wg);
    EXPECT(1);
}

static atomic_int early;
static void sleeper(void *arg)
{
    int64_t ns = *(int64_t *)arg, start = now_ns();
    time_sleep(ns);
    if (now_ns() - start < ns)
        atomic_fetch_add(&early, 1);
    wg_done(&wg);
}

TEST(sleep_wakes_no_earlier_than_asked)
{
    wg_init(&wg);
    for (int i = 0; i < 200; i++) {
        wg_add(&wg, 1);
        go(sleeper, (int64_t)(i % 20) * 1000000);
    }
    int64_t start = now_ns();
    time_sleep(30 * 1000000LL);
    EXPECT(now_ns() - start >= 30 * 1000000LL);
    wg_wait(&wg);
    EXPECT_EQ(atomic_load(&early), 0);
}

static void negative(void *arg)
{
    (void)arg;
    waitgroup w;
    wg_init(&w);
    wg_add(&w, 1);
    wg_done(&w);
    wg_done(&w);
}

TEST(negative_waitgroup_counter_panics)
{
    struct run_result r;
    run_child(negative, NULL, 20, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_CONTAINS(r.err, "panic: sync: negative WaitGroup counter");
    run_result_free(&r);
}
