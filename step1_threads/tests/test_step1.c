/* Tests of ./step1: its greeting, its measurements, its arguments. */
#include "test.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Run ./step1 with the given arguments (NULL-terminated). */
static void run_step1(struct run_result *r, const char *arg1,
                      const char *arg2)
{
    const char *argv[] = {step_binary(), arg1, arg2, NULL};
    run_program(argv, NULL, 60, r);
}

TEST(hello_from_two_threads_then_measures)
{
    struct run_result r;
    run_step1(&r, "200", "20");
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.out, "hello from thread 1 (kernel thread ");
    EXPECT_CONTAINS(r.out, "hello from thread 2 (kernel thread ");
    EXPECT_CONTAINS(r.out, "main runs on kernel thread ");
    EXPECT_CONTAINS(r.out, "(200 threads)");
    EXPECT_CONTAINS(r.out, "default stack                    20 threads");
    const char *small = strstr(r.out, "small stack (setstacksize)");
    EXPECT(small && !strstr(small, "8.0 MiB")); /* really smaller */
    EXPECT_CONTAINS(r.out, "/proc/sys/kernel/pid_max");
    EXPECT_STR_EQ(r.err, "");
    run_result_free(&r);
}

TEST(alive_count_is_kept_far_below_the_limits)
{
    const char *slow = getenv("TEST_SLOW");
    if (slow && strcmp(slow, "1") == 0)
        SKIP("thousands of live threads: too slow under an emulator, and "
             "more than ThreadSanitizer tracks (8,128)");
    struct run_result r;
    run_step1(&r, "1", "1000000");
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.out, "would come too close to this machine's limit");
    EXPECT(!strstr(r.out, " 1000000 threads  "));
    run_result_free(&r);
}

/* Each bad argument: exit status 2 and one line naming what was given. */
TEST(bad_arguments_exit_2_with_one_line)
{
    const char *bad[] = {"abc", "-5", "0", "99999999999999999999", "12x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct run_result r;
        run_step1(&r, bad[i], NULL);
        EXPECT_EQ(r.status, 2);
        EXPECT_CONTAINS(r.err, "step1: threads-to-create must be a whole "
                               "number from 1 to 10000000, got '");
        EXPECT_CONTAINS(r.err, bad[i]);
        EXPECT_STR_EQ(strchr(r.err, '\n'), "\n");
        EXPECT_STR_EQ(r.out, "");
        run_result_free(&r);
    }
}

TEST(too_many_arguments_is_a_usage_error)
{
    const char *argv[] = {step_binary(), "1", "2", "3", NULL};
    struct run_result r;
    run_program(argv, NULL, 10, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_STR_EQ(r.err, "step1: expected at most 2 arguments, got 3 "
                         "(usage: ./step1 [threads-to-create "
                         "[threads-alive]])\n");
    run_result_free(&r);
}

TEST(help_prints_usage)
{
    const char *argv[] = {step_binary(), "--help", NULL};
    struct run_result r;
    run_program(argv, NULL, 10, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out,
                  "usage: ./step1 [threads-to-create [threads-alive]]\n");
    EXPECT_STR_EQ(r.err, "");
    run_result_free(&r);
}
