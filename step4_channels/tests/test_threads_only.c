/*
 * What holds only because every goroutine here is an OS thread, and the
 * ./step4 program itself. Step 5 compiles the other test files against
 * its own runtime and leaves this one out.
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "test.h"

#include <stdatomic.h>
#include <unistd.h>

struct pipe_reader {
    int fd;
    chan *done;
};

static void read_pipe(void *arg)
{
    struct pipe_reader *r = arg;
    char byte;
    if (read(r->fd, &byte, 1) != 1) /* blocks its thread, not a channel */
        die("read");
    chan_send(r->done, &byte);
}

static void ping_back(void *arg)
{
    chan *c = *(chan **)arg;
    int v;
    chan_recv(c, &v);
    chan_send(c, &v);
}

/*
 * A goroutine blocked in a system call holds only its own thread: the
 * others go on. (On an M:N scheduler this needs Go's handoff of the P
 * during a syscall, runtime.entersyscall.)
 */
TEST(a_goroutine_blocked_in_a_syscall_does_not_stop_the_others)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe");
    chan *done = make_chan(char, 0), *c = make_chan(int, 0);
    go(read_pipe, (struct pipe_reader){fds[0], done});
    go(ping_back, c);
    int v = 3;
    chan_send(c, &v);
    chan_recv(c, &v);
    EXPECT_EQ(v, 3);
    if (write(fds[1], "x", 1) != 1)
        die("write");
    char byte;
    chan_recv(done, &byte);
    EXPECT_EQ(byte, 'x');
    close(fds[0]);
    close(fds[1]);
    chan_free(done);
    chan_free(c);
}

/* ./step4 --primes=N --workers=N (the flags given), which must exit 0. */
static void run_step4(const char *primes, const char *workers,
                      struct run_result *r)
{
    const char *argv[] = {step_binary(), primes, workers, NULL};
    run_program(argv, NULL, 120, r);
    EXPECT_EQ(r->status, 0);
    EXPECT(!r->timed_out);
    EXPECT_STR_EQ(r->err, "");
}

TEST(step4_demos_and_the_stall_on_a_small_wall)
{
    struct run_result r;
    run_step4("--primes=30", "--workers=3", &r);
    EXPECT_CONTAINS(r.out, "   ping 1\n   pong 2\n   ping 3\n   pong 4\n"
                           "   ping 5\n   pong 6\n   game over");
    EXPECT_CONTAINS(r.out, "   2 3 5 7 11 13 17 19 23 29\n");
    EXPECT_CONTAINS(r.out, "30 primes (the last is 113)");
    EXPECT_CONTAINS(r.out, "   2 3 5\n   stalled: no prime came for 1 s "
                           "after 5\n");
    EXPECT_CONTAINS(r.out, "   3 tasks hold the 3 workers,");
    EXPECT_CONTAINS(r.out, "   1 task waits in the queue for a worker (the "
                           "newest: the filter for 5),\n   and the tasks on"
                           " the workers wait for it:");
    EXPECT_CONTAINS(r.out, "released: closed done, every task returned");
    run_result_free(&r);
}

TEST(step4_no_stall_when_the_pool_is_big_enough)
{
    struct run_result r;
    run_step4("--primes=5", "--workers=8", &r);
    EXPECT_CONTAINS(r.out, "no stall: 8 workers were enough for 5 primes");
    run_result_free(&r);
}

/* How step4's own usage errors end (common/'s show the range or form). */
#define USAGE_TAIL " (usage: ./step4 [--bench] [--primes=N] [--workers=N])\n"

TEST(step4_bad_arguments_exit_2_with_one_line)
{
    struct {
        const char *args[3];
        const char *err;
    } bad[] = {
        {{"--primes=0"},
         "step4: --primes must be a whole number from 1 to 5000, got '0'\n"},
        {{"--primes=5001"},
         "step4: --primes must be a whole number from 1 to 5000, got "
         "'5001'\n"},
        {{"--workers=x"},
         "step4: --workers must be a whole number from 1 to 64, got 'x'\n"},
        {{"--primes"}, "step4: --primes needs a value, as --primes=N\n"},
        {{"--primes="}, "step4: --primes needs a value, as --primes=N\n"},
        {{"--workers", "3"},
         "step4: --workers needs a value, as --workers=N\n"},
        {{"--what"}, "step4: unknown argument '--what'" USAGE_TAIL},
        {{"--bench", "--what"}, "step4: unknown argument '--what'"
                                USAGE_TAIL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {step_binary(), bad[i].args[0], bad[i].args[1],
                              NULL};
        struct run_result r;
        run_program(argv, NULL, 30, &r);
        EXPECT_EQ(r.status, 2);
        EXPECT_STR_EQ(r.err, bad[i].err);
        EXPECT_STR_EQ(r.out, "");
        run_result_free(&r);
    }
}

TEST(step4_help_prints_usage)
{
    const char *argv[] = {step_binary(), "--help", NULL};
    struct run_result r;
    run_program(argv, NULL, 10, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out,
                  "usage: ./step4 [--bench] [--primes=N] [--workers=N]\n");
    EXPECT_STR_EQ(r.err, "");
    run_result_free(&r);
}
