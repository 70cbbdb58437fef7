/* select under stress, after Go's TestSelectStress (runtime/chan_test.go):
   four channels of capacities 0, 0, 2 and 3; on each, a plain sender and
   a plain receiver; one goroutine that sends on all four in one select,
   one that receives from all four in one select. Step 4's version of this
   test counts the values; this one tells them apart: each is received
   exactly once, on the channel it was sent on, in its sender's order. */
#include "chan.h"
#include "go.h"
#include "common.h"
#include "test.h"

#include <stdlib.h>

enum { NCHANS = 4, SOURCES = 2 * NCHANS };

static chan *chans[NCHANS];
static long per_source;     /* values each of the 8 sources sends */
static atomic_uchar *seen;  /* seen[v]: times value v was received */
static atomic_long wrong_chan, out_of_order, not_ok;
static waitgroup wg;

/* Source s sends s * per_source + i, i = 0, 1, ...; sources 2k (plain)
   and 2k + 1 (the select) send on channel k. */
static long value(int source, long i)
{
    return source * per_source + i;
}

/* What one receiver saw: last[s] is the last value from source s. */
struct receiver {
    long last[SOURCES];
};

static void got(struct receiver *r, int k, long v)
{
    if (v < 0 || v >= SOURCES * per_source) {
        atomic_fetch_add(&wrong_chan, 1);
        return;
    }
    int source = (int)(v / per_source);
    if (source / 2 != k)
        atomic_fetch_add(&wrong_chan, 1);
    if (v <= r->last[source]) /* FIFO per sender, as Go guarantees */
        atomic_fetch_add(&out_of_order, 1);
    r->last[source] = v;
    atomic_fetch_add(&seen[v], 1);
}

static void receiver_init(struct receiver *r)
{
    for (int s = 0; s < SOURCES; s++)
        r->last[s] = -1;
}

static void plain_sender(void *arg)
{
    int k = *(int *)arg;
    for (long i = 0; i < per_source; i++)
        chan_send(chans[k], &(long){value(2 * k, i)});
    wg_done(&wg);
}

static void plain_receiver(void *arg)
{
    int k = *(int *)arg;
    struct receiver r;
    receiver_init(&r);
    for (long i = 0; i < per_source; i++) {
        long v = -1;
        if (!chan_recv(chans[k], &v))
            atomic_fetch_add(&not_ok, 1);
        got(&r, k, v);
    }
    wg_done(&wg);
}

/* Sends per_source values on each channel, all through one select; a
   channel that has had its share becomes nil, as Go's test does. */
static void select_sender(void *arg)
{
    (void)arg;
    long sent[NCHANS] = {0}, v[NCHANS];
    select_case cases[NCHANS];
    for (int k = 0; k < NCHANS; k++) {
        v[k] = value(2 * k + 1, 0);
        cases[k] = SEND_CASE(chans[k], &v[k]);
    }
    for (long i = 0; i < NCHANS * per_source; i++) {
        int k = chan_select(cases, NCHANS, false);
        if (++sent[k] == per_source)
            cases[k].c = NULL;
        v[k] = value(2 * k + 1, sent[k]);
    }
    wg_done(&wg);
}

static void select_receiver(void *arg)
{
    (void)arg;
    long received[NCHANS] = {0}, v[NCHANS];
    select_case cases[NCHANS];
    struct receiver r;
    receiver_init(&r);
    for (int k = 0; k < NCHANS; k++)
        cases[k] = RECV_CASE(chans[k], &v[k]);
    for (long i = 0; i < NCHANS * per_source; i++) {
        int k = chan_select(cases, NCHANS, false);
        if (!cases[k].ok)
            atomic_fetch_add(&not_ok, 1);
        got(&r, k, v[k]);
        if (++received[k] == per_source)
            cases[k].c = NULL;
    }
    wg_done(&wg);
}

TEST(select_stress_every_value_once)
{
    test_set_timeout(60); /* the watchdog: a lost wake-up fails, not hangs */
    static const size_t caps[NCHANS] = {0, 0, 2, 3};
    /* 100,000 sends in all (and as many receives), by 8 sources. */
    per_source = test_scaled(100000) / SOURCES;
    long total = SOURCES * per_source;
    seen = calloc((size_t)total, sizeof *seen);
    EXPECT(seen != NULL);
    test_stop_if_failed();
    for (int k = 0; k < NCHANS; k++)
        chans[k] = make_chan(long, caps[k]);

    wg_init(&wg);
    wg_add(&wg, 2 * NCHANS + 2);
    for (int k = 0; k < NCHANS; k++) {
        go(plain_sender, k);
        go(plain_receiver, k);
    }
    go(select_sender, 0);
    go(select_receiver, 0);
    wg_wait(&wg);

    long once = 0;
    for (long v = 0; v < total; v++)
        once += atomic_load(&seen[v]) == 1;
    EXPECT_EQ(once, total);
    EXPECT_EQ(atomic_load(&wrong_chan), 0);
    EXPECT_EQ(atomic_load(&out_of_order), 0);
    EXPECT_EQ(atomic_load(&not_ok), 0);
    for (int k = 0; k < NCHANS; k++) {
        EXPECT_EQ(chan_len(chans[k]), 0); /* nothing left behind */
        chan_free(chans[k]);
    }
    free(seen);
}
