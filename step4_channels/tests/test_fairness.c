/*
 * Fairness: among the ready cases, select picks one uniformly at random
 * (Go: runtime/chan_test.go TestSelectFairness, with its bound).
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "test.h"

enum { TRIALS = 10000, SQRT_TRIALS = 100 }; /* no libm needed */

struct fair {
    chan *c1, *c2, *c3, *c4, *out, *done;
    waitgroup *wg;
};

/* Forward one byte from whichever case runs, until done is closed. */
static void choose(void *arg)
{
    struct fair *f = arg;
    for (;;) {
        char b = 0;
        select_case in[] = {RECV_CASE(f->c3, &b), RECV_CASE(f->c4, &b),
                            RECV_CASE(f->c1, &b), RECV_CASE(f->c2, &b)};
        chan_select(in, 4, false);
        select_case out[] = {SEND_CASE(f->out, &b), RECV_CASE(f->done, NULL)};
        if (chan_select(out, 2, false) == 1)
            break;
    }
    wg_done(f->wg);
}

/*
 * c1 and c2 are always ready, c3 and c4 never: each of c1, c2 must win
 * about half the time. 4.891676 standard deviations: a fair select
 * fails this once in a million runs (Go's own bound).
 */
TEST(select_chooses_uniformly_among_ready_cases)
{
    waitgroup wg;
    wg_init(&wg);
    struct fair f = {
        make_chan(char, TRIALS + 1), make_chan(char, TRIALS + 1),
        make_chan(char, 0), make_chan(char, 0),
        make_chan(char, 0), make_chan(char, 0), &wg,
    };
    for (int i = 0; i < TRIALS + 1; i++) {
        chan_send(f.c1, &(char){1});
        chan_send(f.c2, &(char){2});
    }
    wg_add(&wg, 1);
    go(choose, f);
    int count[3] = {0};
    for (int i = 0; i < TRIALS; i++) {
        char b;
        chan_recv(f.out, &b);
        count[(int)b]++;
    }
    chan_close(f.done);
    wg_wait(&wg);
    chan *all[] = {f.c1, f.c2, f.c3, f.c4, f.out, f.done};
    for (int k = 0; k < 6; k++)
        chan_free(all[k]);
    double share = (double)count[1] / TRIALS;
    double bound = 4.891676 / (2 * SQRT_TRIALS);
    if (share - 0.5 > bound || 0.5 - share > bound)
        test_fail(__FILE__, __LINE__, "c1 chosen %d times, c2 %d: share "
                  "%.4f, more than %.4f away from 0.5", count[1], count[2],
                  share, bound);
    EXPECT_EQ(count[1] + count[2], TRIALS);
}

/* The same for a select that can only send: 3 ready cases of 3. */
TEST(select_spreads_sends_evenly)
{
    enum { K = 3 };
    int trials = (int)test_scaled(9000);
    chan *c[K];
    for (int k = 0; k < K; k++)
        c[k] = make_chan(int, (size_t)trials);
    int count[K] = {0};
    for (int i = 0; i < trials; i++) {
        select_case cases[K];
        for (int k = 0; k < K; k++)
            cases[k] = SEND_CASE(c[k], &i);
        count[chan_select(cases, K, false)]++;
    }
    /* Each count is binomial(trials, 1/3): within 5 sigma of its mean. */
    double variance = trials * (1.0 / 3) * (2.0 / 3);
    for (int k = 0; k < K; k++) {
        double off = count[k] - trials / 3.0;
        EXPECT(off * off < 25 * variance);
        EXPECT_EQ(chan_len(c[k]), count[k]);
        chan_free(c[k]);
    }
}
