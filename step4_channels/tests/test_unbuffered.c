/*
 * Unbuffered channels: a send and a receive meet (a rendezvous). Go's
 * runtime/chan_test.go TestChan: receive from empty blocks, the
 * non-blocking forms fail at once, values pass in order.
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "test.h"

#include <stdatomic.h>

static const int64_t MS = 1000000;

struct side {
    chan *c;
    int value;
    atomic_bool done;
    waitgroup wg;
};

static void send_then_mark(void *arg)
{
    struct side *s = *(struct side **)arg;
    chan_send(s->c, &s->value);
    atomic_store(&s->done, true);
    wg_done(&s->wg);
}

static void recv_then_mark(void *arg)
{
    struct side *s = *(struct side **)arg;
    chan_recv(s->c, &s->value);
    atomic_store(&s->done, true);
    wg_done(&s->wg);
}

static void side_start(struct side *s, void (*fn)(void *), int value)
{
    s->c = make_chan(int, 0);
    s->value = value;
    atomic_init(&s->done, false);
    wg_init(&s->wg);
    wg_add(&s->wg, 1);
    go(fn, s);
}

TEST(send_blocks_until_a_receiver_takes_the_value)
{
    struct side s;
    side_start(&s, send_then_mark, 42);
    time_sleep(20 * MS);
    EXPECT(!atomic_load(&s.done)); /* nobody received yet */
    int v = 0;
    EXPECT(chan_recv(s.c, &v));
    EXPECT_EQ(v, 42);
    wg_wait(&s.wg);
    EXPECT(atomic_load(&s.done));
    chan_free(s.c);
}

TEST(receive_blocks_until_a_sender_comes)
{
    struct side s;
    side_start(&s, recv_then_mark, 0);
    time_sleep(20 * MS);
    EXPECT(!atomic_load(&s.done));
    int v = 99;
    chan_send(s.c, &v);
    wg_wait(&s.wg);
    EXPECT(atomic_load(&s.done));
    EXPECT_EQ(s.value, 99);
    chan_free(s.c);
}

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

TEST(try_recv_takes_from_a_waiting_sender)
{
    struct side s;
    side_start(&s, send_then_mark, 5);
    int v = 0;
    bool ok = false;
    while (!chan_try_recv(s.c, &v, &ok)) /* until the sender is there */
        gosched();
    EXPECT(ok);
    EXPECT_EQ(v, 5);
    wg_wait(&s.wg);
    chan_free(s.c);
}

TEST(try_send_hands_to_a_waiting_receiver)
{
    struct side s;
    side_start(&s, recv_then_mark, 0);
    int v = 6;
    while (!chan_try_send(s.c, &v))
        gosched();
    wg_wait(&s.wg);
    EXPECT_EQ(s.value, 6);
    chan_free(s.c);
}

struct count_args {
    chan *c;
    int n;
};

static void send_count(void *arg)
{
    struct count_args *a = arg;
    for (int i = 0; i < a->n; i++)
        chan_send(a->c, &i);
}

TEST(values_from_one_sender_arrive_in_order)
{
    int n = (int)test_scaled(10000);
    chan *c = make_chan(int, 0);
    go(send_count, (struct count_args){c, n});
    for (int i = 0; i < n; i++) {
        int v = -1;
        chan_recv(c, &v);
        if (v != i) {
            EXPECT_EQ(v, i);
            break;
        }
    }
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
