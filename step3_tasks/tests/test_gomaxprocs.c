/*
 * GOMAXPROCS and the command line: good values set the number of workers;
 * a bad one ends the program at once with one line that names the program
 * and the value, and exit status 2. Flags have Go's shape, --name=value.
 */
#include "go.h"
#include "helpers.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

/* ./step3 with small sizes, arg (or none) and env (or none). */
static void run_small(const char *arg, const char *env, struct run_result *r)
{
    run_step3((const char *[]){"--tasks=1000", "--fib=20", arg, NULL}, env,
              r);
}

static void expect_refused(const char *arg, const char *env,
                           const char *want_err)
{
    struct run_result r;
    run_small(arg, env, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_STR_EQ(r.err, want_err);
    EXPECT_STR_EQ(r.out, "");
    run_result_free(&r);
}

TEST(a_bad_gomaxprocs_is_refused_in_one_line)
{
    const char *bad[] = {"abc", "0", "-3", "1025", "2x", "4.5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char env[32], want[128];
        snprintf(env, sizeof env, "GOMAXPROCS=%s", bad[i]);
        snprintf(want, sizeof want,
                 "step3: GOMAXPROCS must be a whole number from 1 to 1024,"
                 " got '%s'\n",
                 bad[i]);
        expect_refused(NULL, env, want);
    }
}

/* How step3's own usage errors end (common/'s show the range or form). */
#define USAGE_TAIL                                                        \
    " (usage: ./step3 [--queue=global|steal] [--workers=N] [--tasks=N]"   \
    " [--fib=N])\n"

TEST(bad_arguments_are_refused_in_one_line)
{
    expect_refused("--workers=0", NULL,
                   "step3: --workers must be a whole number from 1 to"
                   " 1024, got '0'\n");
    expect_refused("--workers=many", NULL,
                   "step3: --workers must be a whole number from 1 to"
                   " 1024, got 'many'\n");
    expect_refused("--fib=43", NULL,
                   "step3: --fib must be a whole number from 1 to 42,"
                   " got '43'\n");
    expect_refused("--queue=fast", NULL,
                   "step3: --queue must be global or steal, got 'fast'"
                   USAGE_TAIL);
    expect_refused("--workers", NULL,
                   "step3: --workers needs a value, as --workers=N\n");
    expect_refused("--queue", NULL,
                   "step3: --queue needs a value, as --queue=global|steal\n");
    expect_refused("--fib=", NULL,
                   "step3: --fib needs a value, as --fib=N\n");
    expect_refused("--spin", NULL,
                   "step3: unknown argument '--spin'" USAGE_TAIL);
}

TEST(gomaxprocs_and_the_flag_set_the_workers)
{
    struct run_result r;
    run_small(NULL, "GOMAXPROCS=3", &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.out, "3 workers, as GOMAXPROCS=3 says\n");
    run_result_free(&r);

    run_small("--workers=5", "GOMAXPROCS=3", &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.out, "5 workers, as --workers=5 says\n");
    run_result_free(&r);
}

TEST(gomaxprocs_in_process)
{
    setenv("GOMAXPROCS", "7", 1);
    EXPECT_EQ(gomaxprocs(), 7);
    setenv("GOMAXPROCS", "", 1); /* empty counts as unset, as in Go */
    int cpus = gomaxprocs();
    unsetenv("GOMAXPROCS");
    EXPECT_EQ(gomaxprocs(), cpus);
    EXPECT(cpus >= 1 && cpus <= MAX_WORKERS);
}

TEST(help_prints_usage)
{
    struct run_result r;
    run_step3((const char *[]){"--help", NULL}, NULL, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "usage: ./step3 [--queue=global|steal] "
                         "[--workers=N] [--tasks=N] [--fib=N]\n");
    EXPECT_STR_EQ(r.err, "");
    run_result_free(&r);
}
