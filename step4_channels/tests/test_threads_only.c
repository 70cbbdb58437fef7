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

/* ./step4 --primes primes --workers workers, which must exit 0. */
static void run_step4(const char *primes, const char *workers,
                      struct run_result *r)
{
    const char *argv[] = {step_binary(), "--primes", primes, "--workers",
                          workers, NULL};
    run_program(argv, NULL, 120, r);
    EXPECT_EQ(r->status, 0);
    EXPECT(!r->timed_out);
    EXPECT_STR_EQ(r->err, "");
}

TEST(step4_demos_and_the_stall_on_a_small_wall)
{
    struct run_result r;
    run_step4("30", "3", &r);
    EXPECT_CONTAINS(r.out, "   2 3 5 7 11 13 17 19 23 29\n");
    EXPECT_CONTAINS(r.out, "30 primes (the last is 113)");
    EXPECT_CONTAINS(r.out, "   2 3 5\n   stalled: no prime came for 1 s "
                           "after 5\n");
    EXPECT_CONTAINS(r.out, "1 task (the filter for 5) waits");
    EXPECT_CONTAINS(r.out, "released: closed done, every task returned");
    run_result_free(&r);
}

TEST(step4_no_stall_when_the_pool_is_big_enough)
{
    struct run_result r;
    run_step4("5", "8", &r);
    EXPECT_CONTAINS(r.out, "no stall: 8 workers were enough for 5 primes");
    run_result_free(&r);
}

TEST(step4_bad_arguments_exit_2_with_one_line)
{
    const char *bad[][4] = {
        {"--primes", "0", NULL},
        {"--primes", "5001", NULL},
        {"--workers", "x", NULL},
        {"--primes", NULL},
        {"--what", NULL},
    };
    for (int i = 0; i < 5; i++) {
        const char *argv[4] = {step_binary(), bad[i][0], bad[i][1], NULL};
        struct run_result r;
        run_program(argv, NULL, 30, &r);
        EXPECT_EQ(r.status, 2);
        EXPECT_CONTAINS(r.err, "step4: ");
        EXPECT_STR_EQ(r.out, "");
        int lines = 0;
        for (const char *p = r.err; *p; p++)
            lines += *p == '\n';
        EXPECT_EQ(lines, 1);
        run_result_free(&r);
    }
}
