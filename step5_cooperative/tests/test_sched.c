/* The scheduler: every goroutine runs once; a million live at once;
   GOMAXPROCS threads really run in parallel; idle Ps steal; the process
   ends when main returns; GOMAXPROCS is checked. */
#include "go.h"
#include "runtime.h"
#include "common.h"
#include "helpers.h"
#include "test.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static waitgroup wg;

static atomic_char *ran;
static void mark(void *arg)
{
    atomic_fetch_add(&ran[*(long *)arg], 1);
    wg_done(&wg);
}

TEST(every_goroutine_runs_exactly_once)
{
    long n = goroutines_scaled(1000000);
    ran = calloc((size_t)n, 1);
    wg_init(&wg);
    wg_add(&wg, (int)n);
    for (long i = 0; i < n; i++)
        go(mark, i);
    wg_wait(&wg);
    long once = 0;
    for (long i = 0; i < n; i++)
        once += ran[i] == 1;
    EXPECT_EQ(once, n);
    free(ran);
}

/* A loop of go() that never yields by itself: its Gs must not pile up
   in the run queues (each waiting G is 144 bytes; Go would preempt the
   loop). Counted from inside: how many had been made, but not yet
   started, when each one started. */
static atomic_long made, started_goroutines, most_waiting;
static void note_start(void *arg)
{
    (void)arg;
    long waiting = atomic_load(&made) - atomic_fetch_add(&started_goroutines, 1);
    long most = atomic_load(&most_waiting);
    while (waiting > most &&
           !atomic_compare_exchange_weak(&most_waiting, &most, waiting))
        ;
    wg_done(&wg);
}

TEST(a_loop_of_go_does_not_pile_up_goroutines)
{
    long n = goroutines_scaled(200000);
    wg_init(&wg);
    wg_add(&wg, (int)n);
    for (long i = 0; i < n; i++) {
        atomic_fetch_add(&made, 1);
        go(note_start, 0);
    }
    wg_wait(&wg);
    long bound = 2L * RUNQ_SIZE * gomaxprocs(); /* a ring each, and some */
    if (atomic_load(&most_waiting) > bound)
        test_fail(__FILE__, __LINE__, "%ld goroutines waited at once, "
                  "want at most %ld", atomic_load(&most_waiting), bound);
}

/* Every goroutine parks on a gate before any returns. */
static waitgroup gate;
static atomic_long alive;
static void wait_at_gate(void *arg)
{
    (void)arg;
    atomic_fetch_add(&alive, 1);
    wg_done(&wg);
    wg_wait(&gate);
}

TEST(a_million_goroutines_alive_at_once)
{
    /* A million at GOMAXPROCS=1; fewer at the others, to keep the tests
       quick: each one touches a fresh page, ~2-7 us on a VM. */
    long n = goroutines_scaled(gomaxprocs() == 1 ? 1000000 : 200000);
    wg_init(&wg);
    wg_init(&gate);
    wg_add(&gate, 1);
    wg_add(&wg, (int)n);
    for (long i = 0; i < n; i++)
        go(wait_at_gate, 0);
    wg_wait(&wg); /* all n have started and are parked or parking */
    EXPECT_EQ(atomic_load(&alive), n);
    wg_add(&wg, (int)n);
    wg_done(&gate);
    for (long i = 0; i < n; i++)
        wg_done(&wg); /* the counter only; they need not have ended */
}

/* Go's TestGoroutineParallelism: GOMAXPROCS goroutines spin until all
   have checked in, which only works if they run at the same time, each
   on an M of its own (none of them ever gives its M back). While it
   waits, each gives its CPU to the other threads (sched_yield, the
   kernel's, not ours): with more Ps than CPUs, the kernel has to
   time-slice them, and a plain spin made GOMAXPROCS=256 on 2 CPUs take
   time growing with the square of the Ps. */
static atomic_int checked_in;
static atomic_int timed_out;
static void check_in(void *arg)
{
    int want = *(int *)arg;
    atomic_fetch_add(&checked_in, 1);
    int64_t deadline = now_ns() + 20 * 1000000000LL;
    while (atomic_load(&checked_in) < want) {
        if (now_ns() > deadline) {
            atomic_store(&timed_out, 1);
            break;
        }
        sched_yield();
    }
    wg_done(&wg);
}

TEST(gomaxprocs_goroutines_run_in_parallel)
{
    int p = gomaxprocs();
    wg_init(&wg);
    wg_add(&wg, p);
    for (int i = 0; i < p; i++)
        go(check_in, p);
    wg_wait(&wg);
    EXPECT_EQ(atomic_load(&timed_out), 0);
    EXPECT_EQ(atomic_load(&checked_in), p);
}

static void busy(void *arg)
{
    (void)arg;
    volatile long x = 0;
    for (long i = 0; i < 100000; i++)
        x += i;
    (void)x; /* clang: set but not used */
    wg_done(&wg);
}

static atomic_int nran;
static void count_run(void *arg)
{
    (void)arg;
    atomic_fetch_add(&nran, 1);
}

/* main spawns a few goroutines (they stay in its P's ring: none goes to
   the global queue) and keeps its P without yielding until all have run:
   only other Ps, by stealing, can run them. */
TEST(idle_ps_steal_work)
{
    if (gomaxprocs() == 1)
        SKIP("one P: nobody to steal");
    enum { N = 100 };
    for (int i = 0; i < N; i++)
        go(count_run, 0);
    int64_t deadline = now_ns() + 20 * 1000000000LL;
    while (atomic_load(&nran) < N && now_ns() < deadline)
        ;
    struct sched_stats s;
    sched_stats(&s);
    EXPECT_EQ(atomic_load(&nran), N);
    EXPECT(s.steals > 0);
    EXPECT(s.ms > 1);
    EXPECT(s.ms <= s.nprocs + 4); /* Ms are bounded */
}

static void forever(void *arg)
{
    (void)arg;
    for (;;)
        gosched();
}

static void main_returns(void *arg)
{
    (void)arg;
    go(forever, 0);
    go(forever, 0);
    gosched();
    printf("main returns\n");
    /* run_child calls exit(0) when we return, as main's return does */
}

TEST(process_ends_when_main_returns)
{
    struct run_result r;
    run_child(main_returns, NULL, 20, &r);
    EXPECT(!r.timed_out);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "main returns\n");
    run_result_free(&r);
}

TEST(bad_gomaxprocs_is_one_line_and_exit_2)
{
    const char *argv[] = {step_binary(), "hello", NULL};
    const char *env[] = {"GOMAXPROCS=abc", NULL};
    struct run_result r;
    run_program(argv, env, 60, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_CONTAINS(r.err, "GOMAXPROCS must be a whole number");
    EXPECT_STR_EQ(strchr(r.err, '\n'), "\n");
    run_result_free(&r);
}

/* GOMAXPROCS set but empty means unset, as in Go. */
TEST(empty_gomaxprocs_is_unset)
{
    const char *argv[] = {step_binary(), "hello", NULL};
    const char *env[] = {"GOMAXPROCS=", NULL};
    struct run_result r;
    run_program(argv, env, 60, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.err, "");
    run_result_free(&r);
}

TEST(idle_program_uses_no_cpu)
{
    wg_init(&wg);
    wg_add(&wg, 100);
    for (int i = 0; i < 100; i++)
        go(busy, 0);
    wg_wait(&wg);
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    time_sleep(300 * 1000000LL); /* every M idle now */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    int64_t cpu = (b.tv_sec - a.tv_sec) * 1000000000LL + b.tv_nsec - a.tv_nsec;
    EXPECT(cpu < 60 * 1000000LL); /* a spinning M would burn ~300 ms */
}
