/* ./step2 itself: the seed example's output, and its arguments. */
#include "test.h"

#include <stddef.h>
#include <string.h>

TEST(tour_prints_both_greetings_and_exits_0)
{
    const char *argv[] = {step_binary(), "200", NULL};
    struct run_result r;
    run_program(argv, NULL, 60, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.out, "\nhello from goroutine 1\n");
    EXPECT_CONTAINS(r.out, "\nhello from goroutine 2\n");
    EXPECT_CONTAINS(r.out, "main: all 3 workers done");
    EXPECT_CONTAINS(r.out, "200 goroutines in batches of 1000");
    EXPECT_STR_EQ(r.err, "");
    run_result_free(&r);
}

/* The greetings may come in either order, as in Go; nothing else varies. */
TEST(seed_prints_both_greetings_then_returns)
{
    const char *argv[] = {step_binary(), "seed", NULL};
    struct run_result r;
    run_program(argv, NULL, 10, &r);
    EXPECT_EQ(r.status, 0);
    const char *one_two = "1. The seed example:\n"
                          "hello from goroutine 1\n"
                          "hello from goroutine 2\n";
    const char *two_one = "1. The seed example:\n"
                          "hello from goroutine 2\n"
                          "hello from goroutine 1\n";
    if (strcmp(r.out, two_one) != 0)
        EXPECT_STR_EQ(r.out, one_two);
    EXPECT_STR_EQ(r.err, "");
    run_result_free(&r);
}

TEST(bad_count_exits_2_with_one_line)
{
    const char *bad[] = {"abc", "-1", "0", "1e3", "99999999999999999999",
                         "Seed"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {step_binary(), bad[i], NULL};
        struct run_result r;
        run_program(argv, NULL, 10, &r);
        EXPECT_EQ(r.status, 2);
        EXPECT_CONTAINS(r.err, "step2: goroutines-to-spawn must be a whole "
                               "number from 1 to 10000000, got '");
        EXPECT_CONTAINS(r.err, bad[i]);
        EXPECT_STR_EQ(r.out, "");
        run_result_free(&r);
    }
}

TEST(help_prints_usage)
{
    const char *argv[] = {step_binary(), "--help", NULL};
    struct run_result r;
    run_program(argv, NULL, 10, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "usage: ./step2 [seed | goroutines-to-spawn]\n");
    EXPECT_STR_EQ(r.err, "");
    run_result_free(&r);
}
