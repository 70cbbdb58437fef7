/* ./step5's command line: --help prints the usage; a bad flag or value is
   one line naming the program and what was given, and exit status 2,
   as in steps 3 to 6. */
#include "test.h"

#include <stddef.h>

/* How step5's own usage errors end (common/'s show the range or form). */
#define USAGE_TAIL                                                       \
    " (usage: ./step5 [NAME...] [--primes=N] [--parked=N] [--deadlock]" \
    " [--bench] [--list])\n"

TEST(step5_bad_arguments_exit_2_with_one_line)
{
    const char *bad[][2] = {
        {"--primes", "step5: --primes needs a value, as --primes=N\n"},
        {"--primes=", "step5: --primes needs a value, as --primes=N\n"},
        {"--parked", "step5: --parked needs a value, as --parked=N\n"},
        {"--primes=0", "step5: --primes must be a whole number from 1 to "
                       "100000, got '0'\n"},
        {"--parked=lots", "step5: --parked must be a whole number from 1 "
                          "to 2000000, got 'lots'\n"},
        {"--primesx", "step5: unknown flag '--primesx'" USAGE_TAIL},
        {"nosuch", "step5: no demo 'nosuch' (usage: ./step5 [NAME...] "
                   "[--primes=N] [--parked=N] [--deadlock] [--bench] "
                   "[--list]; --list names them)\n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {step_binary(), bad[i][0], NULL};
        struct run_result r;
        run_program(argv, NULL, 30, &r);
        EXPECT_EQ(r.status, 2);
        EXPECT_STR_EQ(r.err, bad[i][1]);
        EXPECT_STR_EQ(r.out, "");
        run_result_free(&r);
    }
}

TEST(step5_help_prints_usage)
{
    const char *argv[] = {step_binary(), "--help", NULL};
    struct run_result r;
    run_program(argv, NULL, 10, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "usage: ./step5 [NAME...] [--primes=N] "
                         "[--parked=N] [--deadlock] [--bench] [--list]\n");
    EXPECT_STR_EQ(r.err, "");
    run_result_free(&r);
}
