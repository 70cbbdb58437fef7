/*
 * select: exactly one ready case runs; default only when none is ready.
 * Ports of Go's test/chan/doubleselect.go and runtime/chan_test.go
 * (TestNonblockSelectRace, TestSelfSelect, TestSelectDuplicateChannel,
 * TestSelectStress).
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "helpers.h"
#include "test.h"

#include <stdatomic.h>
#include <stdlib.h>

TEST(select_default_only_when_nothing_is_ready)
{
    chan *c = make_chan(int, 1);
    int v = 0;
    select_case recv[] = {RECV_CASE(c, &v)};
    EXPECT_EQ(chan_select(recv, 1, true), -1); /* empty */
    for (int i = 0; i < 1000; i++) {
        select_case send[] = {SEND_CASE(c, &i)};
        EXPECT_EQ(chan_select(send, 1, true), 0); /* room: never default */
        EXPECT_EQ(chan_select(send, 1, true), -1); /* full */
        EXPECT_EQ(chan_select(recv, 1, true), 0);
        EXPECT(recv[0].ok);
        EXPECT_EQ(v, i);
    }
    chan_free(c);
}

TEST(select_send_case_delivers_its_value)
{
    chan *a = make_chan(int, 0), *b = make_chan(int, 1);
    int v = 31;
    select_case cases[] = {SEND_CASE(a, &v), SEND_CASE(b, &v)};
    EXPECT_EQ(chan_select(cases, 2, false), 1); /* no receiver on a */
    v = 0;
    EXPECT(chan_recv(b, &v));
    EXPECT_EQ(v, 31);
    chan_free(a);
    chan_free(b);
}

struct race {
    chan *c1, *c2, *done;
};

/* select { case <-c1: case <-c2: default: done <- false }, and true */
static void select_or_default(void *arg)
{
    struct race *r = arg;
    select_case cases[] = {RECV_CASE(r->c1, NULL), RECV_CASE(r->c2, NULL)};
    bool some_case = chan_select(cases, 2, true) >= 0;
    chan_send(r->done, &some_case);
}

/*
 * Go: TestNonblockSelectRace. c1 holds a value until main may take it
 * back, and c2 gets one before that: at every moment one of them is
 * ready, so the select must never take default.
 */
TEST(select_never_takes_default_when_a_case_is_always_ready)
{
    int n = (int)test_scaled(10000), defaults = 0;
    chan *done = make_chan(bool, 1);
    for (int i = 0; i < n; i++) {
        chan *c1 = make_chan(int, 1), *c2 = make_chan(int, 1);
        chan_send(c1, &i);
        go(select_or_default, (struct race){c1, c2, done});
        chan_send(c2, &i);
        chan_try_recv(c1, NULL, NULL);
        bool some_case;
        chan_recv(done, &some_case);
        defaults += !some_case;
        chan_free(c1);
        chan_free(c2);
    }
    EXPECT_EQ(defaults, 0);
    chan_free(done);
}

struct self {
    chan *c;
    int me, rounds;
    atomic_int *self_receives;
    waitgroup *wg;
};

static void select_self(void *arg)
{
    struct self *s = arg;
    for (int i = 0; i < s->rounds; i++) {
        int v = -1;
        select_case cases[] = {SEND_CASE(s->c, &s->me), RECV_CASE(s->c, &v)};
        if (s->me == 1 && i % 2) { /* the other order too */
            select_case swap = cases[0];
            cases[0] = cases[1];
            cases[1] = swap;
        }
        int chosen = chan_select(cases, 2, false);
        if (cases[chosen].dir == SELECT_RECV && v == s->me &&
            chan_cap(s->c) == 0)
            atomic_fetch_add(s->self_receives, 1);
    }
    wg_done(s->wg);
}

/*
 * Go: TestSelfSelect. A select that may send and receive on the same
 * unbuffered channel must never receive its own send, nor deadlock.
 */
TEST(a_goroutine_never_receives_its_own_send_in_one_select)
{
    size_t caps[] = {0, 10};
    int rounds = (int)test_scaled(1000);
    for (int k = 0; k < 2; k++) {
        chan *c = chan_make(sizeof(int), caps[k]);
        atomic_int self_receives = 0;
        waitgroup wg;
        wg_init(&wg);
        wg_add(&wg, 2);
        for (int p = 0; p < 2; p++)
            go(select_self,
               (struct self){c, p, rounds, &self_receives, &wg});
        wg_wait(&wg);
        EXPECT_EQ(atomic_load(&self_receives), 0);
        chan_free(c);
    }
}

/* ---- Go: test/chan/doubleselect.go ---- */

struct double_args {
    chan *c[4];
    chan *out;
    int n;
    waitgroup *wg;
};

/* Send 0..n-1, each on whichever of the 4 channels is ready; close them. */
static void double_sender(void *arg)
{
    struct double_args *a = arg;
    for (int i = 0; i < a->n; i++) {
        select_case cases[4];
        for (int k = 0; k < 4; k++)
            cases[k] = SEND_CASE(a->c[k], &i);
        chan_select(cases, 4, false);
    }
    for (int k = 0; k < 4; k++)
        chan_close(a->c[k]);
}

/* Forward everything from c[0] to out. */
static void double_mux(void *arg)
{
    struct double_args *a = arg;
    int v;
    while (chan_recv(a->c[0], &v))
        chan_send(a->out, &v);
    wg_done(a->wg);
}

static void close_after_wait(void *arg)
{
    struct double_args *a = arg;
    wg_wait(a->wg);
    chan_close(a->out);
}

/*
 * If one select could fire two of its cases, a value would arrive twice
 * (and another never).
 */
TEST(one_select_never_fires_two_cases)
{
    int n = (int)test_scaled(20000);
    struct double_args a = {.out = make_chan(int, 0), .n = n};
    waitgroup wg;
    wg_init(&wg);
    a.wg = &wg;
    for (int k = 0; k < 4; k++)
        a.c[k] = make_chan(int, 0);
    go(double_sender, a);
    wg_add(&wg, 4);
    for (int k = 0; k < 4; k++)
        go(double_mux, (struct double_args){{a.c[k]}, a.out, 0, &wg});
    go(close_after_wait, a);
    char *seen = calloc((size_t)n, 1);
    int v, duplicates = 0, count = 0;
    while (chan_recv(a.out, &v)) {
        duplicates += seen[v]++ != 0;
        count++;
    }
    EXPECT_EQ(duplicates, 0);
    EXPECT_EQ(count, n);
    free(seen);
    for (int k = 0; k < 4; k++)
        chan_free(a.c[k]);
    chan_free(a.out);
}

/* ---- Go: TestSelectDuplicateChannel ---- */

struct dup_args {
    chan *c, *d, *e;
};

static void select_c_twice(void *arg)
{
    struct dup_args *a = arg;
    select_case cases[] = {RECV_CASE(a->c, NULL), RECV_CASE(a->c, NULL),
                           RECV_CASE(a->d, NULL)};
    int chosen = chan_select(cases, 3, false);
    chan_send(a->e, &chosen);
}

static void recv_c(void *arg)
{
    struct dup_args *a = arg;
    int v;
    chan_recv(a->c, &v);
    chan_send(a->e, &v);
}

TEST(the_same_channel_twice_in_one_select)
{
    struct dup_args a = {make_chan(int, 0), make_chan(int, 0),
                         make_chan(int, 0)};
    go(select_c_twice, a);
    time_sleep(1 * ms); /* so that it queues on c first (not required) */
    go(recv_c, a);
    time_sleep(1 * ms);
    int v = 7, got = -1;
    chan_send(a.d, &v); /* wakes the select; it leaves c's queue */
    chan_recv(a.e, &got);
    EXPECT_EQ(got, 2);
    v = 8;
    chan_send(a.c, &v); /* must reach recv_c, not the finished select */
    chan_recv(a.e, &got);
    EXPECT_EQ(got, 8);
    chan_free(a.c);
    chan_free(a.d);
    chan_free(a.e);
}

/* ---- Go: TestSelectStress ---- */

struct stress {
    chan *c[4];
    int n;
    atomic_long received;
    waitgroup wg;
};

struct stress_one {
    struct stress *s;
    int k;
};

static void stress_send_one(void *arg)
{
    struct stress_one *a = arg;
    for (int i = 0; i < a->s->n; i++)
        chan_send(a->s->c[a->k], &i);
    wg_done(&a->s->wg);
}

static void stress_recv_one(void *arg)
{
    struct stress_one *a = arg;
    for (int i = 0; i < a->s->n; i++)
        chan_recv(a->s->c[a->k], NULL);
    atomic_fetch_add(&a->s->received, a->s->n);
    wg_done(&a->s->wg);
}

/* n values on each channel in one select; a done channel is set nil. */
static void stress_select(void *arg)
{
    struct stress_one *a = arg; /* k: 0 sends, 1 receives */
    struct stress *s = a->s;
    chan *c[4] = {s->c[0], s->c[1], s->c[2], s->c[3]};
    int count[4] = {0}, v = 0;
    for (int i = 0; i < 4 * s->n; i++) {
        select_case cases[4];
        for (int k = 0; k < 4; k++)
            cases[k] = a->k == 0 ? SEND_CASE(c[k], &v) : RECV_CASE(c[k], &v);
        int chosen = chan_select(cases, 4, false);
        if (++count[chosen] == s->n)
            c[chosen] = NULL; /* Go: c1[k] = nil */
    }
    if (a->k == 1)
        atomic_fetch_add(&s->received, 4 * (long)s->n);
    wg_done(&s->wg);
}

TEST(select_stress_every_value_is_received)
{
    struct stress s = {.n = (int)test_scaled(10000)};
    size_t caps[4] = {0, 0, 2, 3};
    for (int k = 0; k < 4; k++)
        s.c[k] = make_chan(int, caps[k]);
    atomic_init(&s.received, 0);
    wg_init(&s.wg);
    wg_add(&s.wg, 10);
    for (int k = 0; k < 4; k++) {
        go(stress_send_one, (struct stress_one){&s, k});
        go(stress_recv_one, (struct stress_one){&s, k});
    }
    go(stress_select, (struct stress_one){&s, 0});
    go(stress_select, (struct stress_one){&s, 1});
    wg_wait(&s.wg);
    EXPECT_EQ(atomic_load(&s.received), 8 * (long)s.n);
    for (int k = 0; k < 4; k++) {
        EXPECT_EQ(chan_len(s.c[k]), 0);
        chan_free(s.c[k]);
    }
}

/* ---- a select wider than usual ---- */

struct wide {
    chan *c;
    int value;
};

static void send_later(void *arg)
{
    struct wide *w = arg;
    time_sleep(5 * ms);
    chan_send(w->c, &w->value);
}

TEST(a_select_over_many_channels)
{
    enum { K = 40 };
    chan *c[K];
    for (int k = 0; k < K; k++)
        c[k] = make_chan(int, 0);
    for (int round = 0; round < 20; round++) {
        int target = (round * 7) % K, v = -1;
        go(send_later, (struct wide){c[target], 1000 + round});
        select_case cases[K];
        for (int k = 0; k < K; k++)
            cases[k] = RECV_CASE(c[k], &v);
        EXPECT_EQ(chan_select(cases, K, false), target);
        EXPECT_EQ(v, 1000 + round);
    }
    for (int k = 0; k < K; k++)
        chan_free(c[k]);
}
