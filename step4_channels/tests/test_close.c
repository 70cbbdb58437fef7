/*
 * close: receivers drain what is buffered, then get the zero value with
 * ok = false, forever; every blocked receiver wakes. The misuses panic
 * with Go's words and exit status 2 (checked in a child process).
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "helpers.h"
#include "test.h"

#include <stdatomic.h>
#include <string.h>

TEST(close_drains_the_buffer_then_zero_and_not_ok_forever)
{
    chan *c = make_chan(int, 5);
    for (int i = 1; i <= 3; i++)
        chan_send(c, &i);
    chan_close(c);
    EXPECT_EQ(chan_len(c), 3);
    EXPECT_EQ(chan_cap(c), 5);
    for (int i = 1; i <= 3; i++) {
        int v = 0;
        EXPECT(chan_recv(c, &v));
        EXPECT_EQ(v, i);
    }
    for (int i = 0; i < 10; i++) {
        int v = 99;
        EXPECT(!chan_recv(c, &v));
        EXPECT_EQ(v, 0);
        bool ok = true;
        v = 99;
        EXPECT(chan_try_recv(c, &v, &ok)); /* a closed channel is ready */
        EXPECT(!ok);
        EXPECT_EQ(v, 0);
    }
    chan_free(c);
}

TEST(receive_from_a_closed_unbuffered_channel)
{
    chan *c = make_chan(double, 0);
    chan_close(c);
    double v = 1.5;
    EXPECT(!chan_recv(c, &v));
    EXPECT(v == 0.0);
    EXPECT(!chan_recv(c, NULL));
    chan_free(c);
}

struct receivers {
    chan *c;
    atomic_int woken, not_ok, zero;
    waitgroup wg;
};

static void recv_and_count(void *arg)
{
    struct receivers *r = *(struct receivers **)arg;
    long v = -1;
    bool ok = chan_recv(r->c, &v);
    atomic_fetch_add(&r->woken, 1);
    atomic_fetch_add(&r->not_ok, !ok);
    atomic_fetch_add(&r->zero, v == 0);
    wg_done(&r->wg);
}

TEST(close_wakes_every_blocked_receiver)
{
    enum { K = 10 };
    size_t caps[] = {0, 3};
    for (int k = 0; k < 2; k++) {
        struct receivers r = {.c = chan_make(sizeof(long), caps[k])};
        wg_init(&r.wg);
        wg_add(&r.wg, K);
        for (int i = 0; i < K; i++)
            go(recv_and_count, &r);
        time_sleep(10 * ms); /* most of them are blocked by now */
        EXPECT_EQ(atomic_load(&r.woken), 0);
        chan_close(r.c);
        wg_wait(&r.wg);
        EXPECT_EQ(atomic_load(&r.woken), K);
        EXPECT_EQ(atomic_load(&r.not_ok), K);
        EXPECT_EQ(atomic_load(&r.zero), K);
        chan_free(r.c);
    }
}

static void close_later(void *arg)
{
    chan *c = *(chan **)arg;
    time_sleep(10 * ms);
    chan_close(c);
}

TEST(close_wakes_a_select_waiting_to_receive)
{
    chan *a = make_chan(int, 0), *b = make_chan(int, 0);
    go(close_later, b);
    int v = 5;
    select_case cases[] = {RECV_CASE(a, &v), RECV_CASE(b, &v)};
    EXPECT_EQ(chan_select(cases, 2, false), 1);
    EXPECT(!cases[1].ok);
    EXPECT_EQ(v, 0);
    chan_free(a);
    chan_free(b);
}

/* ---- the panics, each in a child process ---- */

static void send_on_closed(void *arg)
{
    (void)arg;
    chan *c = make_chan(int, 1);
    chan_close(c);
    chan_send(c, &(int){1});
}

static void try_send_on_closed(void *arg)
{
    (void)arg;
    chan *c = make_chan(int, 1);
    chan_close(c);
    chan_try_send(c, &(int){1}); /* Go panics in a select case too */
}

static void close_closed(void *arg)
{
    (void)arg;
    chan *c = make_chan(int, 0);
    chan_close(c);
    chan_close(c);
}

static void close_nil(void *arg)
{
    (void)arg;
    chan_close(NULL);
}

static void send_forever(void *arg)
{
    chan *c = *(chan **)arg;
    chan_send(c, &(int){1});
}

/* A sender blocked when the channel closes panics when it wakes. */
static void close_under_a_blocked_sender(void *arg)
{
    (void)arg;
    chan *c = make_chan(int, 0);
    go(send_forever, c);
    time_sleep(10 * ms);
    chan_close(c);
    time_sleep(10000 * ms); /* the sender's panic ends the process */
}

/* Go's words, then the goroutine that panicked, as Go prints them:
   "panic: <message>\n\ngoroutine N [running]:\n". */
static void expect_panic(void (*fn)(void *), const char *message)
{
    struct run_result r;
    run_child(fn, NULL, 30, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT(strncmp(r.err, message, strlen(message)) == 0);
    EXPECT_CONTAINS(r.err + strlen(message), "\ngoroutine ");
    EXPECT_CONTAINS(r.err + strlen(message), " [running]:\n");
    run_result_free(&r);
}

TEST(send_on_closed_channel_panics)
{
    expect_panic(send_on_closed, "panic: send on closed channel\n");
    expect_panic(try_send_on_closed, "panic: send on closed channel\n");
    expect_panic(close_under_a_blocked_sender,
                 "panic: send on closed channel\n");
}

TEST(close_of_closed_channel_panics)
{
    expect_panic(close_closed, "panic: close of closed channel\n");
}

TEST(close_of_nil_channel_panics)
{
    expect_panic(close_nil, "panic: close of nil channel\n");
}
