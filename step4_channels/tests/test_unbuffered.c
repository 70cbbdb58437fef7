/*
 * Unbuffered channels: nothing is stored, so the non-blocking forms fail
 * at once unless the other side is already waiting (blocking and
 * hand-offs: test_blocking.c; order: test_buffered.c).
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "test.h"

TEST(non_blocking_forms_fail_at_once_with_nobody_there)
{
    chan *c = make_chan(int, 0);
    int v = 1;
    bool ok = true;
    EXPECT(!chan_try_send(c, &v));
    EXPECT(!chan_try_recv(c, &v, &ok));
    EXPECT(!ok);
    EXPECT(!chan_try_recv(c, NULL, NULL));
    EXPECT_EQ(chan_len(c), 0);
    EXPECT_EQ(chan_cap(c), 0);
    chan_free(c);
}

static void echo_once(void *arg)
{
    chan *c = *(chan **)arg;
    int v;
    chan_recv(c, &v);
    v++;
    chan_send(c, &v);
}

TEST(one_channel_both_ways)
{
    chan *c = make_chan(int, 0);
    go(echo_once, c);
    int v = 1;
    chan_send(c, &v);
    chan_recv(c, &v);
    EXPECT_EQ(v, 2);
    chan_free(c);
}
