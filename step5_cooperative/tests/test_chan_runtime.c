/* Channels on the runtime: what step 4's suite cannot check (deadlock
   reports, a million-goroutine tree, many parked goroutines), and selects
   racing across threads. */
#include "chan.h"
#include "go.h"
#include "runtime.h"
#include "common.h"
#include "helpers.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

static waitgroup wg;

static void deadlock_main(void *arg)
{
    (void)arg;
    chan *c = make_chan(int, 0);
    int v;
    chan_recv(c, &v);
}

TEST(deadlock_is_reported_as_go_does)
{
    struct run_result r;
    run_child(deadlock_main, NULL, 30, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_STR_EQ(r.err, "fatal error: all goroutines are asleep - "
                         "deadlock!\n\ngoroutine 1 [chan receive]:\n");
    run_result_free(&r);
}

static void stuck_sender(void *arg)
{
    chan_send(*(chan **)arg, &(int){1});
}

static void deadlock_four(void *arg)
{
    (void)arg;
    chan *c = make_chan(int, 0), *d = make_chan(int, 0);
    for (int i = 0; i < 3; i++)
        go(stuck_sender, d);
    select_case one[] = {RECV_CASE(c, NULL)};
    chan_select(one, 1, false);
}

/* Every goroutine that waits, in the order Go lists them: by id. */
TEST(deadlock_lists_every_goroutine_in_order)
{
    struct run_result r;
    run_child(deadlock_four, NULL, 30, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_STR_EQ(r.err, "fatal error: all goroutines are asleep - "
                         "deadlock!\n"
                         "\ngoroutine 1 [select]:\n"
                         "\ngoroutine 2 [chan send]:\n"
                         "\ngoroutine 3 [chan send]:\n"
                         "\ngoroutine 4 [chan send]:\n");
    run_result_free(&r);
}

static void timer_then_receive(void *arg)
{
    (void)arg;
    chan *t = time_after(100 * 1000000LL);
    int64_t when;
    chan_recv(t, &when); /* all asleep, but a timer is pending */
    chan *c = make_chan(int, 0);
    printf("timer fired\n");
    chan_recv(c, NULL);  /* now a real deadlock */
}

TEST(a_pending_timer_is_no_deadlock)
{
    struct run_result r;
    run_child(timer_then_receive, NULL, 30, &r);
    EXPECT_STR_EQ(r.out, "timer fired\n");
    EXPECT_EQ(r.status, 2);
    EXPECT_CONTAINS(r.err, "deadlock!");
    run_result_free(&r);
}

struct skynet {
    chan *c;
    long num, size;
};

static void skynet(void *arg)
{
    struct skynet *s = arg;
    if (s->size == 1) {
        chan_send(s->c, &s->num);
        return;
    }
    chan *rc = make_chan(long, 0);
    long sum = 0, v, size = s->size / 10;
    for (long i = 0; i < 10; i++)
        go(skynet, (struct skynet){rc, s->num + i * size, size});
    for (int i = 0; i < 10; i++) {
        chan_recv(rc, &v);
        sum += v;
    }
    chan_free(rc);
    chan_send(s->c, &sum);
}

TEST(skynet_sums_a_million_leaves)
{
    long leaves = 1000000; /* 1,111,111 goroutines in all */
    while (leaves > 1 && leaves + leaves / 9 > goroutines_scaled(1111111))
        leaves /= 10;
    chan *c = make_chan(long, 0);
    long sum = 0;
    go(skynet, (struct skynet){c, 0, leaves});
    chan_recv(c, &sum);
    EXPECT_EQ(sum, leaves * (leaves - 1) / 2);
    chan_free(c);
}

static atomic_long released;
static void block_on(void *arg)
{
    if (!chan_recv(*(chan **)arg, NULL))
        atomic_fetch_add(&released, 1);
    wg_done(&wg);
}

TEST(close_releases_many_parked_goroutines)
{
    long n = goroutines_scaled(100000);
    chan *c = make_chan(int, 0);
    wg_init(&wg);
    wg_add(&wg, (int)n);
    for (long i = 0; i < n; i++)
        go(block_on, c);
    time_sleep(10 * 1000000LL); /* most are parked by now (not required) */
    chan_close(c);
    wg_wait(&wg);
    EXPECT_EQ(atomic_load(&released), n);
    chan_free(c);
}

/* Go's test/chan/doubleselect.go: four senders select over the same
   channels; receivers must see every value exactly once. */
enum { DS_SENDERS = 4 };
static chan *ds[4];
static void ds_sender(void *arg)
{
    long n = *(long *)arg;
    for (long i = 1; i <= n; i++) {
        select_case cases[4];
        for (int k = 0; k < 4; k++)
            cases[k] = SEND_CASE(ds[k], &i);
        chan_select(cases, 4, false);
    }
    wg_done(&wg);
}

static atomic_long ds_sum, ds_count;
static void ds_receiver(void *arg)
{
    chan *c = *(chan **)arg;
    long v;
    while (chan_recv(c, &v)) {
        atomic_fetch_add(&ds_sum, v);
        atomic_fetch_add(&ds_count, 1);
    }
    wg_done(&wg);
}

TEST(doubleselect_no_duplicate_no_loss)
{
    long n = test_scaled(100000) / DS_SENDERS;
    wg_init(&wg);
    for (int k = 0; k < 4; k++)
        ds[k] = make_chan(long, 0);
    wg_add(&wg, DS_SENDERS);
    for (int s = 0; s < DS_SENDERS; s++)
        go(ds_sender, n);
    for (int k = 0; k < 4; k++)
        go(ds_receiver, ds[k]);
    wg_wait(&wg); /* the senders are done */
    wg_add(&wg, 4);
    for (int k = 0; k < 4; k++)
        chan_close(ds[k]);
    wg_wait(&wg);
    EXPECT_EQ(atomic_load(&ds_count), DS_SENDERS * n);
    EXPECT_EQ(atomic_load(&ds_sum), DS_SENDERS * n * (n + 1) / 2);
}

/* A goroutine that parks on a channel holds its lock until it has
   switched away; a due timer on that very channel must not be run by the
   parking goroutine then (it would wait for its own lock). Every 61st
   switch looks at the timers: 200 receives pass that point 3 times. */
static void receive_due_timers(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        chan *t = time_after(0);
        chan_recv(t, NULL);
        chan_free(t);
    }
    printf("done\n");
}

TEST(a_due_timer_on_the_channel_a_goroutine_parks_on)
{
    struct run_result r;
    run_child(receive_due_timers, NULL, 30, &r);
    EXPECT(!r.timed_out);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "done\n");
    run_result_free(&r);
}
