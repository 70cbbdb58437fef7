/*
 * Zero-size elements: Go's chan struct{}, a channel used only to signal.
 * elem_size 0; the element pointers may be NULL.
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "test.h"

TEST(zero_size_buffered_counts_values)
{
    chan *c = chan_make(0, 10);
    for (int i = 0; i < 10; i++)
        EXPECT(chan_try_send(c, NULL));
    EXPECT(!chan_try_send(c, NULL));
    EXPECT_EQ(chan_len(c), 10);
    EXPECT_EQ(chan_cap(c), 10);
    for (int i = 0; i < 10; i++)
        EXPECT(chan_recv(c, NULL));
    EXPECT(!chan_try_recv(c, NULL, NULL));
    chan_close(c);
    bool ok = true;
    EXPECT(chan_try_recv(c, NULL, &ok));
    EXPECT(!ok);
    chan_free(c);
}

struct signal_args {
    chan *start, *done;
    int *out;
};

static void wait_for_start(void *arg)
{
    struct signal_args *a = arg;
    chan_recv(a->start, NULL); /* Go: <-start */
    *a->out = 1;
    chan_send(a->done, NULL); /* Go: done <- struct{}{} */
}

TEST(zero_size_unbuffered_as_signals_and_close_as_broadcast)
{
    enum { K = 8 };
    chan *start = chan_make(0, 0), *done = chan_make(0, 0);
    int out[K] = {0};
    for (int i = 0; i < K; i++)
        go(wait_for_start, (struct signal_args){start, done, &out[i]});
    chan_close(start); /* one close releases them all */
    for (int i = 0; i < K; i++)
        chan_recv(done, NULL);
    for (int i = 0; i < K; i++)
        EXPECT_EQ(out[i], 1);
    chan_free(start);
    chan_free(done);
}

TEST(zero_size_in_select)
{
    chan *a = chan_make(0, 1), *b = chan_make(0, 0);
    select_case cases[] = {RECV_CASE(b, NULL), SEND_CASE(a, NULL)};
    EXPECT_EQ(chan_select(cases, 2, false), 1);
    select_case back[] = {RECV_CASE(a, NULL), SEND_CASE(b, NULL)};
    EXPECT_EQ(chan_select(back, 2, true), 0);
    EXPECT(back[0].ok);
    chan_free(a);
    chan_free(b);
}
