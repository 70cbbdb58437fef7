/*
 * ./step3 as the reader runs it: exits 0, says nothing on stderr, and
 * shows every demo, including the stall it detects. Smaller sizes under
 * the sanitizers and qemu (test_scaled).
 */
#include "helpers.h"
#include "test.h"

#include <string.h>

/* ./step3 [queue] as the README runs it; smaller when the tests run slowed. */
static void run_as_readme(const char *queue, struct run_result *r)
{
    bool slow = test_scaled(10) < 10;
    if (slow)
        run_step3((const char *[]){"--tasks=100000", "--fib=30", queue, NULL},
                  NULL, r);
    else
        run_step3((const char *[]){queue, NULL}, NULL, r);
}

TEST(step3_runs_every_demo_and_exits_0)
{
    struct run_result r;
    run_as_readme(NULL, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT(!r.timed_out);
    EXPECT_STR_EQ(r.err, "");
    EXPECT_CONTAINS(r.out, "  global queue:");
    EXPECT_CONTAINS(r.out, "  work stealing:");
    EXPECT_CONTAINS(r.out, "A1 B1 C1 A2 B2 C2 A3 B3 C3 A4 B4 C4");
    EXPECT_CONTAINS(r.out, "Stalled: every worker is held by a task");
    EXPECT_CONTAINS(r.out, "Released the waiters by hand");
    run_result_free(&r);
}

TEST(step3_runs_one_queue_when_asked)
{
    struct run_result r;
    run_as_readme("--queue=global", &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.out, "  global queue:");
    EXPECT(!strstr(r.out, "  work stealing:"));
    EXPECT_CONTAINS(r.out, "Stalled: every worker is held by a task");
    run_result_free(&r);
}
