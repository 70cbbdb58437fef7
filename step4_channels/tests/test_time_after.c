/*
 * time_after: Go's time.After, a channel that receives the time once,
 * when the timer fires; and select with a timeout.
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "helpers.h"
#include "test.h"

TEST(time_after_fires_once_no_sooner_than_asked)
{
    int64_t start = now_ns();
    chan *t = time_after(20 * ms);
    EXPECT_EQ(chan_cap(t), 1);
    int64_t fired = 0;
    EXPECT(chan_recv(t, &fired));
    EXPECT(fired >= start + 20 * ms);
    EXPECT(now_ns() >= start + 20 * ms);
    EXPECT(!chan_try_recv(t, NULL, NULL)); /* once */
    chan_free(t);
}

TEST(select_with_a_timeout_on_a_silent_channel)
{
    chan *never = make_chan(int, 0);
    chan *t = time_after(10 * ms);
    select_case cases[] = {RECV_CASE(never, NULL), RECV_CASE(t, NULL)};
    EXPECT_EQ(chan_select(cases, 2, false), 1);
    chan_free(t);
    chan_free(never);
}

/* The pending timer holds its own reference (ASan checks this). */
TEST(free_before_the_timer_fires)
{
    for (int i = 0; i < 20; i++)
        chan_free(time_after((i % 4) * ms));
    chan *last = time_after(10 * ms);
    chan_recv(last, NULL); /* all the others fired before this one */
    chan_free(last);
    time_sleep(5 * ms);
}

/*
 * Timers fire in the order of their deadlines, whatever the order they
 * were made in. A deadline is now_ns() + d at the call, somewhere between
 * the clock read before and after it: only pairs whose deadlines are
 * certainly ordered are compared, so a slow machine cannot fail this.
 */
TEST(timers_fire_in_order_of_their_deadlines)
{
    enum { K = 100 };
    chan *t[K];
    int64_t lo[K], hi[K], fired[K]; /* bounds of each deadline */
    for (int i = 0; i < K; i++) {
        int64_t d = (i % 2 ? K - i : i) * ms / 5; /* up and down */
        lo[i] = now_ns() + d;
        t[i] = time_after(d);
        hi[i] = now_ns() + d;
    }
    for (int i = 0; i < K; i++) {
        chan_recv(t[i], &fired[i]);
        EXPECT(fired[i] >= lo[i]); /* never early */
        chan_free(t[i]);
    }
    int misordered = 0;
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++)
            misordered += hi[i] < lo[j] && fired[i] > fired[j];
    EXPECT_EQ(misordered, 0);
}
