/*
 * gopark, goready and the runtime's lock on OS threads: what holds only
 * because a goroutine here is a thread (park.c). Step 5 leaves this file
 * out.
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "runtime.h"
#include "test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* Two goroutines pass a baton through gopark/goready alone, many times:
   each goready races its peer's way to sleep (park.c's lost wake-up),
   sometimes before the peer's FUTEX_WAIT, sometimes after. */
struct baton {
    spinlock lock;
    G *waiter;
    bool token;
};

static void unlock_baton(G *g, void *b)
{
    (void)g;
    spin_unlock(&((struct baton *)b)->lock);
}

static void take(struct baton *b)
{
    spin_lock(&b->lock);
    while (!b->token) {
        b->waiter = getg();
        gopark(unlock_baton, b, "baton");
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

static struct baton ping, pong;

static void ponger(void *arg)
{
    long rounds = *(long *)arg; /* go() gave us our G */
    for (long i = 0; i < rounds; i++) {
        take(&ping);
        give(&pong);
    }
}

TEST(threads_passing_a_baton_lose_no_wakeup)
{
    runtime_start(); /* main's G, for take */
    long rounds = test_scaled(20000);
    go(ponger, rounds);
    for (long i = 0; i < rounds; i++) {
        give(&ping);
        take(&pong);
    }
}

/* A thread that go() did not start (a pool's worker, say) becomes a
   goroutine the first time it needs a G, and can wait like any other. */
static void *plain_thread(void *c)
{
    int v = 0;
    chan_recv(c, &v);
    runtime_start(); /* a no-op if chan_recv had to wait */
    EXPECT(getg()->id > 1); /* 1 is main's */
    return (void *)(long)v;
}

TEST(a_thread_not_started_by_go_can_wait)
{
    chan *c = make_chan(int, 0);
    pthread_t t;
    EXPECT_EQ(pthread_create(&t, NULL, plain_thread, c), 0);
    time_sleep(10 * 1000000); /* most often, it waits by then */
    chan_send(c, &(int){42});
    void *v;
    pthread_join(t, &v);
    EXPECT_EQ((long)v, 42);
    runtime_start();
    EXPECT_EQ(getg()->id, 1);
    chan_free(c);
}

/*
 * The runtime's lock sleeps when it must wait (park.c): threads that
 * wait for a holder that keeps it for 50 ms use almost no CPU meanwhile.
 * A lock that only spun would burn 50 ms of CPU per waiter.
 */
static spinlock slow;
static waitgroup waiters;

static void wait_for_slow(void *arg)
{
    (void)arg;
    spin_lock(&slow);
    spin_unlock(&slow);
    wg_done(&waiters);
}

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

TEST(waiters_for_the_lock_sleep)
{
    enum { WAITERS = 4 };
    const int64_t hold = 50 * 1000000;
    wg_init(&waiters);
    wg_add(&waiters, WAITERS);
    spin_lock(&slow);
    for (int i = 0; i < WAITERS; i++)
        go(wait_for_slow, 0);
    while (atomic_load(&slow.held) != 2) /* "someone sleeps on it" */
        time_sleep(1000000);
    int64_t cpu = cpu_ns();
    time_sleep(hold);
    cpu = cpu_ns() - cpu;
    spin_unlock(&slow);
    wg_wait(&waiters);
    EXPECT(cpu < WAITERS * hold / 2);
}
