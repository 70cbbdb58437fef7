/*
 * Blocking: a send waits for a receiver (unbuffered) or for room (full
 * buffer); a receive waits for a value. Go's runtime/chan_test.go
 * TestChan: "Ensure that receive from empty chan blocks", "Ensure that
 * send to full chan blocks". Whether it waited is looked at once, after
 * a while: that can only ever pass wrongly, never fail wrongly.
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "helpers.h"
#include "test.h"

#include <stdatomic.h>

/* One goroutine doing one operation on c, and whether it has returned. */
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

/* Start fn on a new channel of cap ints, first filled with 1..fill. */
static void side_start(struct side *s, size_t cap, int fill,
                       void (*fn)(void *), int value)
{
    s->c = chan_make(sizeof(int), cap);
    for (int i = 1; i <= fill; i++)
        chan_send(s->c, &i);
    s->value = value;
    atomic_init(&s->done, false);
    wg_init(&s->wg);
    wg_add(&s->wg, 1);
    go(fn, s);
}

static void side_finish(struct side *s)
{
    wg_wait(&s->wg);
    EXPECT(atomic_load(&s->done));
    chan_free(s->c);
}

TEST(unbuffered_send_blocks_until_a_receiver_takes_the_value)
{
    struct side s;
    side_start(&s, 0, 0, send_then_mark, 42);
    time_sleep(20 * ms);
    EXPECT(!atomic_load(&s.done)); /* nobody received yet */
    int v = 0;
    EXPECT(chan_recv(s.c, &v));
    EXPECT_EQ(v, 42);
    side_finish(&s);
}

TEST(send_on_a_full_channel_blocks_until_a_receive)
{
    struct side s;
    side_start(&s, 2, 2, send_then_mark, 3);
    time_sleep(20 * ms);
    EXPECT(!atomic_load(&s.done)); /* still waiting for room */
    EXPECT_EQ(chan_len(s.c), 2);
    /* The blocked sender's value goes in behind 1 and 2. */
    for (int want = 1; want <= 3; want++) {
        int v;
        chan_recv(s.c, &v);
        EXPECT_EQ(v, want);
    }
    side_finish(&s);
}

TEST(receive_blocks_until_a_value_comes)
{
    size_t caps[] = {0, 5};
    for (int k = 0; k < 2; k++) {
        struct side s;
        side_start(&s, caps[k], 0, recv_then_mark, 0);
        time_sleep(20 * ms);
        EXPECT(!atomic_load(&s.done));
        chan_send(s.c, &(int){99});
        side_finish(&s);
        EXPECT_EQ(s.value, 99);
    }
}

TEST(try_recv_takes_from_a_waiting_sender)
{
    struct side s;
    side_start(&s, 0, 0, send_then_mark, 5);
    int v = 0;
    bool ok = false;
    while (!chan_try_recv(s.c, &v, &ok)) /* until the sender is there */
        gosched();
    EXPECT(ok);
    EXPECT_EQ(v, 5);
    side_finish(&s);
}

TEST(try_send_hands_to_a_waiting_receiver)
{
    struct side s;
    side_start(&s, 0, 0, recv_then_mark, 0);
    while (!chan_try_send(s.c, &(int){6}))
        gosched();
    side_finish(&s);
    EXPECT_EQ(s.value, 6);
}
