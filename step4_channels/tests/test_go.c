/*
 * go(), WaitGroup, gosched and time_sleep: the API of go.h, as a Go
 * developer expects it (the go statement copies its argument when it
 * runs; sync.WaitGroup; runtime.Gosched; time.Sleep).
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "helpers.h"
#include "test.h"

#include <stdatomic.h>
#include <string.h>

enum { N = 50 };
static waitgroup wg;
static atomic_int seen[N];

static void record(void *arg)
{
    atomic_fetch_add(&seen[*(int *)arg], 1);
    wg_done(&wg);
}

TEST(go_copies_an_int_argument_at_the_go_statement)
{
    wg_init(&wg);
    for (int i = 0; i < N; i++) {
        wg_add(&wg, 1);
        go(record, i); /* Go: go record(i); i changes right after */
    }
    wg_wait(&wg);
    for (int i = 0; i < N; i++)
        EXPECT_EQ(atomic_load(&seen[i]), 1);
}

static char got_text[16];

static void copy_text(void *arg)
{
    strcpy(got_text, arg);
    wg_done(&wg);
}

TEST(go_copies_a_string_literal)
{
    wg_init(&wg);
    wg_add(&wg, 1);
    go(copy_text, "hello");
    wg_wait(&wg);
    EXPECT_STR_EQ(got_text, "hello");
}

struct job {
    int id;
    chan *out;
};

static void run_job(void *arg)
{
    struct job *j = arg;
    int id = j->id;
    chan_send(j->out, &id);
}

TEST(go_copies_a_struct)
{
    chan *out = make_chan(int, 0);
    struct job j = {7, out};
    go(run_job, j);
    j.id = 8; /* too late to matter: go copied j */
    int id;
    chan_recv(out, &id);
    EXPECT_EQ(id, 7);
    chan_free(out);
}

static int *got_pointer;

static void keep_pointer(void *arg)
{
    got_pointer = *(int **)arg;
    wg_done(&wg);
}

TEST(go_copies_a_pointer_not_what_it_points_to)
{
    int i = 1;
    wg_init(&wg);
    wg_add(&wg, 1);
    go(keep_pointer, &i); /* the loop-variable pitfall: one shared i */
    wg_wait(&wg);
    EXPECT(got_pointer == &i);
}

TEST(waitgroup_wait_at_zero_returns_at_once)
{
    waitgroup w;
    wg_init(&w);
    wg_wait(&w);
    wg_add(&w, 2);
    wg_done(&w);
    wg_done(&w);
    wg_wait(&w); /* and again, after reaching zero */
}

static atomic_int finished;

static void sleep_then_finish(void *arg)
{
    time_sleep(*(int64_t *)arg);
    atomic_fetch_add(&finished, 1);
    wg_done(&wg);
}

TEST(waitgroup_waits_for_every_goroutine)
{
    for (int round = 0; round < 3; round++) { /* a WaitGroup is reusable */
        atomic_store(&finished, 0);
        wg_init(&wg);
        wg_add(&wg, N);
        for (int i = 0; i < N; i++)
            go(sleep_then_finish, (int64_t)(i % 5) * ms);
        wg_wait(&wg);
        EXPECT_EQ(atomic_load(&finished), N);
    }
}

static void go_negative(void *arg)
{
    (void)arg;
    waitgroup w;
    wg_init(&w);
    wg_add(&w, 1);
    wg_done(&w);
    wg_done(&w);
}

TEST(waitgroup_negative_counter_panics)
{
    struct run_result r;
    run_child(go_negative, NULL, 30, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_CONTAINS(r.err, "panic: sync: negative WaitGroup counter\n\n"
                           "goroutine ");
    run_result_free(&r);
}

static atomic_bool flag;

static void set_flag(void *arg)
{
    (void)arg;
    atomic_store(&flag, true);
}

TEST(gosched_lets_another_goroutine_run)
{
    go(set_flag, 0);
    while (!atomic_load(&flag)) /* a polite spin: it yields each time */
        gosched();
}

TEST(time_sleep_sleeps_at_least_that_long)
{
    int64_t start = now_ns();
    time_sleep(20 * ms);
    EXPECT(now_ns() - start >= 20 * ms);
    time_sleep(0);
    time_sleep(-1);
}
