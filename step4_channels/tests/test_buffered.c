/*
 * Buffered channels: a FIFO of cap values (Go's test/chan/fifo.go and
 * runtime/chan_test.go TestChan): sends complete while there is room,
 * receives while there are values.
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "test.h"

TEST(fifo_without_blocking_len_and_cap)
{
    enum { CAP = 100 };
    chan *c = make_chan(int, CAP);
    EXPECT_EQ(chan_cap(c), CAP);
    for (int i = 0; i < CAP; i++) {
        EXPECT(chan_try_send(c, &i));
        EXPECT_EQ(chan_len(c), i + 1);
    }
    int extra = -1;
    EXPECT(!chan_try_send(c, &extra)); /* full: fails at once */
    for (int i = 0; i < CAP; i++) {
        int v = -1;
        bool ok = false;
        EXPECT(chan_try_recv(c, &v, &ok));
        EXPECT(ok);
        EXPECT_EQ(v, i);
    }
    EXPECT_EQ(chan_len(c), 0);
    EXPECT(!chan_try_recv(c, &extra, NULL)); /* empty: fails at once */
    chan_free(c);
}

TEST(fifo_around_the_ring)
{
    chan *c = make_chan(long, 3);
    long next_in = 0, next_out = 0;
    for (int round = 0; round < 100; round++) { /* 1 or 2 in, 1 out */
        for (int k = 0; k <= round % 2 && chan_len(c) < 3; k++)
            chan_send(c, &(long){next_in++});
        long v;
        chan_recv(c, &v);
        EXPECT_EQ(v, next_out++);
    }
    chan_free(c);
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

/* One sender's values arrive in order, whatever the cap, 0 included. */
TEST(fifo_between_goroutines_for_several_caps)
{
    int n = (int)test_scaled(10000);
    size_t caps[] = {0, 1, 2, 10, 128};
    for (int k = 0; k < 5; k++) {
        chan *c = make_chan(int, caps[k]);
        go(send_count, (struct count_args){c, n});
        int bad = 0;
        for (int i = 0; i < n; i++) {
            int v;
            chan_recv(c, &v);
            bad += v != i;
        }
        EXPECT_EQ(bad, 0);
        chan_free(c);
    }
}

struct big {
    char bytes[1000];
    long tail;
};

TEST(elements_of_any_size_are_copied_whole)
{
    chan *c = make_chan(struct big, 4);
    struct big b = {.tail = 12345};
    for (int i = 0; i < 1000; i++)
        b.bytes[i] = (char)i;
    chan_send(c, &b);
    b.tail = 0; /* the channel holds its own copy */
    struct big out;
    chan_recv(c, &out);
    EXPECT_EQ(out.tail, 12345);
    EXPECT_EQ(out.bytes[999], (char)999);
    chan_free(c);
}
