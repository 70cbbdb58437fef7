/*
 * Many senders, many receivers: every value is received exactly once
 * (Go: runtime/chan_test.go TestChan "Send 1000 integers in 4
 * goroutines", and TestMultiConsumer's exact sum).
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "test.h"

#include <stdlib.h>

enum { P = 4, L = 1000 };

struct sender_args {
    chan *c;
    int p; /* sender p sends p*L .. p*L + L-1 */
};

static void send_range(void *arg)
{
    struct sender_args *a = arg;
    for (int i = 0; i < L; i++) {
        int v = a->p * L + i;
        chan_send(a->c, &v);
    }
}

struct receiver_args {
    chan *c, *done; /* done: each receiver sends its counts */
};

static void recv_count(void *arg)
{
    struct receiver_args *a = arg;
    int *counts = calloc(P * L, sizeof *counts);
    for (int i = 0; i < L; i++) {
        int v;
        chan_recv(a->c, &v);
        counts[v]++;
    }
    chan_send(a->done, &counts);
}

TEST(four_senders_four_receivers_every_value_exactly_once)
{
    size_t caps[] = {0, 1, 10, 100};
    for (int k = 0; k < 4; k++) {
        chan *c = chan_make(sizeof(int), caps[k]);
        chan *done = make_chan(int *, 0);
        for (int p = 0; p < P; p++) {
            go(send_range, (struct sender_args){c, p});
            go(recv_count, (struct receiver_args){c, done});
        }
        int total[P * L] = {0};
        for (int p = 0; p < P; p++) {
            int *counts;
            chan_recv(done, &counts);
            for (int v = 0; v < P * L; v++)
                total[v] += counts[v];
            free(counts);
        }
        int wrong = 0;
        for (int v = 0; v < P * L; v++)
            wrong += total[v] != 1;
        EXPECT_EQ(wrong, 0);
        chan_free(c);
        chan_free(done);
    }
}

/* ---- Go: TestMultiConsumer ---- */

enum { NWORK = 23 };
static const int pn[] = {2, 3, 7, 11, 13, 17, 19, 23, 27, 31};
enum { NPN = sizeof pn / sizeof pn[0] };

struct consumer {
    chan *q, *r;
    int w;
    waitgroup *wg;
};

static void consume(void *arg)
{
    struct consumer *a = arg;
    int v;
    while (chan_recv(a->q, &v)) {
        if (pn[a->w % NPN] == v) /* mess with the FIFO-ish order */
            gosched();
        chan_send(a->r, &v);
    }
    wg_done(a->wg);
}

struct feeder {
    chan *q, *r;
    int niter;
    waitgroup *wg;
};

static void feed(void *arg)
{
    struct feeder *a = arg;
    for (int i = 0; i < a->niter; i++)
        chan_send(a->q, &pn[i % NPN]);
    chan_close(a->q); /* no more work */
    wg_wait(a->wg);   /* workers done */
    chan_close(a->r); /* so there can be no more results */
}

TEST(multi_consumer_exact_sum)
{
    int niter = (int)test_scaled(100000);
    chan *q = make_chan(int, NWORK * 3), *r = make_chan(int, NWORK * 3);
    waitgroup wg;
    wg_init(&wg);
    for (int w = 0; w < NWORK; w++) {
        wg_add(&wg, 1);
        go(consume, (struct consumer){q, r, w, &wg});
    }
    long expect = 0;
    for (int i = 0; i < niter; i++)
        expect += pn[i % NPN];
    go(feed, (struct feeder){q, r, niter, &wg});
    long n = 0, sum = 0;
    int v;
    while (chan_recv(r, &v)) {
        n++;
        sum += v;
    }
    EXPECT_EQ(n, niter);
    EXPECT_EQ(sum, expect);
    chan_free(q);
    chan_free(r);
}
