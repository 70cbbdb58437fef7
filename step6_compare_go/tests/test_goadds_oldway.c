/*
 * Preemption as Go did it before 1.14 (../goadds/instrument.c): this file
 * is compiled with -finstrument-functions (step.mk), so each of its
 * functions starts by looking at g->preempt. With preemption by signal
 * off (GODEBUG=asyncpreemptoff=1, as in Go), a loop that calls one of
 * them is preempted; a loop that calls nothing is not.
 */
#include "goadds.h"
#include "runtime.h"
#include "test.h"

#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static atomic_bool other_ran;

/* now_ns() is inline (common.h): here it would be instrumented too. */
__attribute__((no_instrument_function)) static int64_t clock_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void other(void *arg)
{
    (void)arg;
    atomic_store(&other_ran, true);
}

/* Instrumented: its entry checks g->preempt. */
__attribute__((noinline)) static long step(long x)
{
    return x * 3 + 1;
}

TEST(function_entry_check_preempts_only_loops_that_call)
{
    setenv("GOMAXPROCS", "1", 1);
    setenv("GODEBUG", "asyncpreemptoff=1", 1);
    runtime_start();
    EXPECT(!async_preempt_enabled());
    go(other, 0); /* can run only if this goroutine is preempted */

    /* A loop that calls nothing compiled with the check (libc, and
       clock_ns): sysmon asks, nobody looks. */
    int64_t until = clock_ns() + 100000000LL;
    while (clock_ns() < until)
        ;
    struct goadds_stats st;
    goadds_stats(&st);
    EXPECT(!atomic_load(&other_ran));
    EXPECT(st.preempt_requests >= 1);
    EXPECT_EQ(st.sync_preempts, 0);

    /* A loop that calls step(): stopped at its next call. */
    long x = 0;
    int64_t deadline = clock_ns() + 5000000000LL;
    while (!atomic_load(&other_ran) && clock_ns() < deadline)
        x = step(x);
    goadds_stats(&st);
    printf("preempted at a function's entry %llu times (x=%ld)\n",
           (unsigned long long)st.sync_preempts, x);
    EXPECT(atomic_load(&other_ran));
    EXPECT(st.sync_preempts >= 1);
}
