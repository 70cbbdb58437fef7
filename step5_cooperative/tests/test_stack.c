/* Stacks: an overflow ends the program as Go's does ("fatal error: stack
   overflow", exit status 2); any other crash stays a crash. */
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

/*
 * The child ended as an overflow must end: exit status 2, and on stderr
 *     fatal error: stack overflow
 *     goroutine N: stack is S bytes
 * where N > 1, a goroutine of go() (which one depends on the P that ran
 * go(): each P takes ids 16 at a time).
 */
static void expect_overflow(const struct run_result *r, const char *what)
{
    const char *line = strstr(r->err, "fatal error: stack overflow\n");
    long long id = 0;
    size_t size = 0;
    if (line)
        sscanf(line, "fatal error: stack overflow\ngoroutine %lld: stack "
                     "is %zu bytes\n", &id, &size);
    if (r->status != 2 || size == 0 || id <= 1)
        test_fail(__FILE__, __LINE__,
                  "%s: exit status %d, want 2 with \"fatal error: stack "
                  "overflow\" and \"goroutine N: stack is S bytes\"; "
                  "stderr:\n%s",
                  what, r->status, r->err);
}

TEST(stack_overflow_is_reported)
{
    struct run_result r;
    run_child(overflow, NULL, 60, &r);
    expect_overflow(&r, "512-byte frames");
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
