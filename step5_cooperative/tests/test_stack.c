/* Stacks: an overflow is reported, any other crash stays a crash. */
#include "go.h"
#include "runtime.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static waitgroup wg;

static int recurse(volatile char *prev, int depth)
{
    volatile char frame[512];
    frame[0] = prev ? prev[0] + 1 : 0;
    return depth ? recurse(frame, depth - 1) + frame[0] : frame[0];
}

static void deep(void *arg)
{
    (void)arg;
    recurse(NULL, 1 << 20);
    wg_done(&wg);
}

static void overflow(void *arg)
{
    (void)arg;
    wg_init(&wg);
    wg_add(&wg, 1);
    go(deep, 0);
    wg_wait(&wg);
}

TEST(stack_overflow_is_reported)
{
    struct run_result r;
    run_child(overflow, NULL, 60, &r);
    EXPECT(r.status != 0);
    EXPECT_CONTAINS(r.err, "goroutine 2: stack overflow (stack is ");
    run_result_free(&r);
}

static void null_write(void *arg)
{
    (void)arg;
    static int *volatile nowhere; /* NULL, and the compiler can't tell */
    *nowhere = 1;
    wg_done(&wg);
}

static void crash(void *arg)
{
    (void)arg;
    wg_init(&wg);
    wg_add(&wg, 1);
    go(null_write, 0);
    wg_wait(&wg);
}

TEST(other_crashes_stay_crashes)
{
    struct run_result r;
    run_child(crash, NULL, 60, &r);
    EXPECT(r.status != 0);
    EXPECT(strstr(r.err, "stack overflow") == NULL);
    run_result_free(&r);
}

static void printf_double(void *arg)
{
    printf("%.3f\n", *(double *)arg); /* needs ~11 KiB of stack */
    wg_done(&wg);
}

TEST(default_stack_runs_printf)
{
    wg_init(&wg);
    wg_add(&wg, 1);
    go(printf_double, 3.25);
    wg_wait(&wg);
    EXPECT(stack_size() >= 16 * 1024);
}
