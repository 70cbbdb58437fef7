/*
 * step2_go_macro: a go(...) macro, and why sleep is not a join.
 *
 * What this step adds over step 1: the spelling. go(f, x) hides the
 * pthread_create, copies its argument the way Go's go statement does,
 * and a WaitGroup replaces the sleep that the seed example waits with.
 * Under the spelling, each goroutine is still one OS thread.
 *
 * What Go does: `go f(x)` is runtime.newproc: it evaluates f and x, copies
 * x onto a new goroutine's stack and queues it, without a system call.
 * When main returns, the program exits, whatever goroutines still run:
 * only a WaitGroup (or a channel) makes main wait for them.
 *
 * Usage: ./step2 [goroutines-to-spawn]   the five demos
 *        ./step2 seed                    the seed example alone: main
 *                                        returns right after its sleep
 */
#include "common.h"
#include "go.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { DEFAULT_SPAWNS = 20000, BATCH = 1000, LOOP = 5 };

static const int64_t ms = 1000000; /* nanoseconds */

static void hello(void *arg)
{
    const char *greeting = arg;
    printf("%s\n", greeting);
}

/* 1. The seed example, as written in Go, now in C. */
static void seed_example(void)
{
    printf("1. The seed example:\n");
    go(hello, "hello from goroutine 1");
    go(hello, "hello from goroutine 2");
    sleep(1);
}

static atomic_bool slow_started;

static void slow(void *arg)
{
    int64_t work = *(int64_t *)arg;
    printf("slow goroutine: started\n");
    fflush(stdout);
    atomic_store(&slow_started, true);
    time_sleep(work);
    printf("slow goroutine: finished\n");
}

/*
 * 2. A child process runs the seed example's pattern with a goroutine
 * that needs 100 ms and a main that sleeps 10 ms, then exits as main's
 * return does. We show what the child printed.
 */
static void sleep_is_not_a_join(void)
{
    printf("\n2. Sleep is not a join: a goroutine needs 100 ms, "
           "main sleeps 10 ms and returns.\n");
    int fds[2];
    if (pipe(fds) == -1)
        die("pipe");
    fflush(stdout);
    pid_t child = fork();
    if (child == -1)
        die("fork");
    if (child == 0) {
        dup2(fds[1], STDOUT_FILENO);
        go(slow, 100 * ms);
        /* Only so that the demo shows the goroutine cut off mid-work
           even on a busy machine, where its thread may start late. */
        while (!atomic_load(&slow_started))
            sched_yield();
        time_sleep(10 * ms);
        printf("main: done sleeping, returning\n");
        exit(0); /* what returning from main does */
    }
    close(fds[1]);
    char out[512];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fds[0], out + len, sizeof out - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(fds[0]);
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        printf("   (the child did not exit cleanly: status %#x)\n", status);

    bool finished = strstr(out, "slow goroutine: finished") != NULL;
    printf("   The child printed:\n");
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        printf("   | %s\n", line);
    if (!finished)
        printf("   The slow goroutine never finished: when main returns, "
               "the process\n   exits and every goroutine dies with it, "
               "as in Go.\n");
    else
        printf("   This time the goroutine won the race: a sleep "
               "guarantees nothing\n   either way.\n");
}

struct job {
    int id;
    waitgroup *wg;
};

static void worker(void *arg)
{
    struct job *job = arg;
    time_sleep(job->id * 20 * ms);
    printf("   worker %d done\n", job->id);
    wg_done(job->wg);
}

/* 3. The fix: count the goroutines in, and wait for them to count out. */
static void wait_group(void)
{
    printf("\n3. A WaitGroup waits exactly as long as needed:\n");
    waitgroup wg;
    wg_init(&wg);
    for (int i = 1; i <= 3; i++) {
        wg_add(&wg, 1);
        go(worker, (struct job){i, &wg});
    }
    wg_wait(&wg);
    printf("   main: all 3 workers done\n");
}

/*
 * 4. The loop-variable pitfall, on purpose: the goroutines get the
 * address of the one loop variable, and read it after the loop has moved
 * on. i is _Atomic so that the bug is a logic bug only, not also a data
 * race that ThreadSanitizer would (rightly) stop.
 */
static int seen[LOOP];
static atomic_int nseen;
static waitgroup loop_wg;

static void record(int value)
{
    time_sleep(1 * ms); /* let the loop move on first */
    seen[atomic_fetch_add(&nseen, 1)] = value;
    wg_done(&loop_wg);
}

static void by_pointer(void *arg)
{
    _Atomic int *i = *(_Atomic int **)arg;
    record(*i);
}

static void by_value(void *arg)
{
    record(*(int *)arg);
}

static void print_seen(const char *label)
{
    printf("   %-24s", label);
    for (int k = 0; k < LOOP; k++)
        printf(" %d", seen[k]);
    printf("\n");
    atomic_store(&nseen, 0);
}

static void loop_variable(void)
{
    printf("\n4. The loop-variable pitfall "
           "(Go before 1.22: for i := ...; go f(&i)):\n");
    wg_init(&loop_wg);
    _Atomic int i;
    wg_add(&loop_wg, LOOP);
    for (i = 0; i < LOOP; i++)
        go(by_pointer, &i); /* shares i */
    wg_wait(&loop_wg);
    print_seen("go(f, &i), i shared:");

    wg_add(&loop_wg, LOOP);
    for (int j = 0; j < LOOP; j++)
        go(by_value, j); /* copies j now */
    wg_wait(&loop_wg);
    print_seen("go(f, j), j copied:");
    printf("   The copies hold 0 to %d in some order; the shared variable "
           "shows\n   whatever the loop held when each goroutine looked.\n",
           LOOP - 1);
}

static void count_out(void *arg)
{
    wg_done(*(waitgroup **)arg);
}

/*
 * 5. How fast can go() start goroutines? In batches of BATCH, so that
 * never more than BATCH threads (and pids) are alive at once.
 */
static void spawn_rate(long n)
{
    waitgroup wg;
    wg_init(&wg);
    waitgroup *wgp = &wg;
    int64_t start = now_ns();
    for (long done = 0; done < n; done += BATCH) {
        long batch = n - done < BATCH ? n - done : BATCH;
        wg_add(&wg, (int)batch);
        for (long k = 0; k < batch; k++)
            go(count_out, wgp);
        wg_wait(&wg);
    }
    double per = (double)(now_ns() - start) / (double)n;
    printf("\n5. go() + wg_done + wg_wait, %ld goroutines in batches of "
           "%d:\n   %.1f us per goroutine, %.0f goroutines per second.\n"
           "   Each one is a thread: created by the kernel, "
           "then torn down.\n   Step 6 runs the same loop in Go.\n",
           n, BATCH, per / 1000, 1e9 / per);
}

#define USAGE "./step2 [seed | goroutines-to-spawn]"

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: " USAGE "\n");
        return 0;
    }
    if (argc > 2)
        usage_error("expected at most 1 argument, got %d (usage: " USAGE
                    ")", argc - 1);
    bool seed_only = argc > 1 && strcmp(argv[1], "seed") == 0;
    long spawns = argc > 1 && !seed_only
                      ? parse_count(argv[1], "goroutines-to-spawn", 10000000)
                      : DEFAULT_SPAWNS;
    setvbuf(stdout, NULL, _IOLBF, 0);
    seed_example();
    if (seed_only)
        return 0; /* as Go's main: the process ends, goroutines and all */
    sleep_is_not_a_join();
    wait_group();
    loop_variable();
    spawn_rate(spawns);
    return 0;
}
