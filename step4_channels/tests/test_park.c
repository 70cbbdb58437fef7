/*
 * gopark and goready, the interface chan.c and sync.c stand on
 * (runtime.h). The same tests run on step 4, where a parked goroutine is
 * a thread asleep, and on step 5, where it is a goroutine switched out.
 */
#include "go.h"
#include "runtime.h"
#include "test.h"

#include <stdatomic.h>

/* A one-goroutine wait queue: the parked G, under a lock. */
struct slot {
    spinlock lock;
    G *waiter;
    bool done;
};

/* unlockf: what gopark sees when it runs it. */
struct seen {
    struct slot *slot;
    int status;
    const char *reason;
    bool ready_at_once; /* goready from inside unlockf */
};

static void record_and_unlock(G *g, void *arg)
{
    struct seen *s = arg;
    s->status = atomic_load(&g->status);
    s->reason = g->waitreason;
    spin_unlock(&s->slot->lock);
    if (s->ready_at_once)
        goready(g);
}

TEST(gopark_runs_unlockf_once_the_g_is_waiting)
{
    runtime_start();
    struct slot slot = {0};
    struct seen seen = {&slot, 0, NULL, true};
    spin_lock(&slot.lock);
    gopark(record_and_unlock, &seen, "test wait");
    EXPECT_EQ(seen.status, G_WAITING);
    EXPECT_STR_EQ(seen.reason, "test wait");
    EXPECT_EQ(atomic_load(&getg()->status), G_RUNNING);
    EXPECT(!atomic_load(&slot.lock.held)); /* unlockf released it */
}

/*
 * The lost wake-up: goready that comes after unlockf has released the
 * lock but before the parking goroutine has slept. From inside unlockf
 * is the earliest it can come: the waker cannot even find the G sooner.
 * Lost, the test would hang and its watchdog fail it.
 */
TEST(goready_before_the_sleep_is_not_lost)
{
    runtime_start();
    for (int i = 0; i < 1000; i++) {
        struct slot slot = {0};
        struct seen seen = {&slot, 0, NULL, true};
        spin_lock(&slot.lock);
        gopark(record_and_unlock, &seen, "test wait");
    }
}

/* The waker: takes the G off the slot, as a channel's sender would. */
static void waker(void *arg)
{
    struct slot *slot = *(struct slot **)arg;
    for (;;) {
        spin_lock(&slot->lock);
        G *g = slot->waiter;
        slot->waiter = NULL;
        slot->done = g != NULL;
        spin_unlock(&slot->lock);
        if (g) {
            goready(g);
            return;
        }
        gosched();
    }
}

static void unlock_slot(G *g, void *slot)
{
    (void)g;
    spin_unlock(&((struct slot *)slot)->lock);
}

/* The same race, left to the machine: the waker polls for the G and
   readies it as soon as it is there, before or after the sleep. */
TEST(goready_from_another_goroutine_wakes_the_parked_one)
{
    runtime_start();
    long rounds = test_scaled(2000);
    for (long i = 0; i < rounds; i++) {
        struct slot slot = {0};
        go(waker, &slot);
        spin_lock(&slot.lock);
        slot.waiter = getg();
        gopark(unlock_slot, &slot, "test wait");
        spin_lock(&slot.lock); /* the waker's writes are ours to see */
        EXPECT(slot.done);
        spin_unlock(&slot.lock);
    }
}

/* ---- sync.Mutex, on gopark/goready as well ---- */

static mutex mu;
static waitgroup wg;
static long counter; /* guarded by mu */

static void add_many(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++) {
        mutex_lock(&mu);
        long v = counter;
        if (i % 64 == 0)
            gosched(); /* let the others queue up behind us */
        counter = v + 1;
        mutex_unlock(&mu);
    }
    wg_done(&wg);
}

TEST(mutex_excludes_and_wakes_every_waiter)
{
    long n = test_scaled(5000);
    mutex_init(&mu);
    wg_init(&wg);
    for (int i = 0; i < 8; i++) {
        wg_add(&wg, 1);
        go(add_many, n);
    }
    wg_wait(&wg);
    EXPECT_EQ(counter, 8 * n);
}

static void unlock_unlocked(void *arg)
{
    (void)arg;
    mutex m;
    mutex_init(&m);
    mutex_unlock(&m);
}

TEST(unlock_of_unlocked_mutex_is_fatal)
{
    struct run_result r;
    run_child(unlock_unlocked, NULL, 30, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_STR_EQ(r.err, "fatal error: sync: unlock of unlocked mutex\n");
    run_result_free(&r);
}
