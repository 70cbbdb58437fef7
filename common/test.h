/*
 * test.h: a test harness small enough to read in one sitting.
 *
 *     TEST(fifo_order) {
 *         EXPECT_EQ(pop(q), 1);
 *     }
 *
 * Each TEST registers itself before main() runs. The harness's main()
 * runs every test in a child process of its own, under a watchdog
 * (alarm), so a crash or a hang fails that test and the others still
 * run. Like Go's t.Errorf, a failed EXPECT reports file:line with both
 * values and the test goes on. The last line printed is the count:
 * "N passed, M failed" (", K skipped" when a test skipped).
 *
 * `./test_binary name` runs only the tests whose name contains "name".
 */
#ifndef TEST_H
#define TEST_H

#include <stdbool.h>
#include <stddef.h>

typedef void test_fn(void);
void test_register(const char *name, test_fn *fn);

#define TEST(name)                                                  \
    static void name(void);                                         \
    __attribute__((constructor)) static void name##_register(void)  \
    {                                                               \
        test_register(#name, name);                                 \
    }                                                               \
    static void name(void)

/* Record a failure; the test continues. */
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define EXPECT(cond)                                                \
    ((cond) ? (void)0                                               \
            : test_fail(__FILE__, __LINE__, "expected %s", #cond))

#define EXPECT_EQ(got, want)                                        \
    do {                                                            \
        long long got_ = (long long)(got), want_ = (long long)(want); \
        if (got_ != want_)                                          \
            test_fail(__FILE__, __LINE__, "%s = %lld, want %lld",   \
                      #got, got_, want_);                           \
    } while (0)

void test_expect_str(const char *file, int line, const char *expr,
                     const char *got, const char *want, bool whole);

/* got equals want / got contains want somewhere. */
#define EXPECT_STR_EQ(got, want) \
    test_expect_str(__FILE__, __LINE__, #got, got, want, true)
#define EXPECT_CONTAINS(got, want) \
    test_expect_str(__FILE__, __LINE__, #got, got, want, false)

/* Stop this test now, counted as skipped, with the reason printed. */
_Noreturn void test_skip(const char *reason);
#define SKIP(reason) test_skip(reason)

/* Stop this test now if it has failed so far (Go: t.FailNow). */
void test_stop_if_failed(void);

/* Give this test more (or less) time than the default watchdog. */
void test_set_timeout(unsigned seconds);

/*
 * What a child process did: its exit status (128 + signal number when
 * killed by a signal), everything it printed, and whether the watchdog
 * had to kill it.
 */
struct run_result {
    int status;
    char *out;
    char *err;
    bool timed_out;
};

/*
 * Run a program (argv[0] is a path) with the environment plus the
 * assignments in env ("NAME=value", NULL-terminated, may be NULL).
 * $TEST_RUNNER (e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu") is put in
 * front when set. Kills it after timeout_s seconds.
 */
void run_program(const char *const argv[], const char *const env[],
                 unsigned timeout_s, struct run_result *r);

/* Run fn(arg) in a forked child, capturing what it prints and its end. */
void run_child(void (*fn)(void *), void *arg, unsigned timeout_s,
               struct run_result *r);

void run_result_free(struct run_result *r);

/* Do the tests run slowed down: under a sanitizer or an emulator (make
   sets TEST_SLOW=1)? */
bool test_slow(void);

/*
 * n, or n / 10 (at least 1) when the tests run slowed down. For sizes of
 * stress tests only; a test's verdict never depends on how long it took.
 */
long test_scaled(long n);

/* Path of the step's own program under test, from $STEP_BIN. */
const char *step_binary(void);

#endif
