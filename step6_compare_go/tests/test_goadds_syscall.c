/*
 * goadds' system calls (../goadds/syscall.c): a goroutine blocked in a
 * wrapped read(2) gives its P away, and gets one back when the call
 * returns. No signal is needed: these run under ThreadSanitizer too.
 */
#include "goadds.h"
#include "runtime.h"
#include "test.h"

#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { BLOCK_MS = 300, COMPUTERS = 20 };

static int fds[2];
static atomic_bool read_returned;
static atomic_int waited;
static waitgroup done;

/* Writes a byte to the pipe BLOCK_MS from now: an OS thread outside the
   runtime, so that it does not need a P. */
static void *writer(void *arg)
{
    (void)arg;
    usleep(BLOCK_MS * 1000);
    if (write(fds[1], "x", 1) != 1)
        die("write");
    return NULL;
}

static void start_writer(void)
{
    if (pipe(fds) != 0)
        die("pipe");
    pthread_t t;
    if (pthread_create(&t, NULL, writer, NULL) != 0)
        die("pthread_create");
    pthread_detach(t);
}

static void reader(void *arg)
{
    (void)arg;
    char byte;
    EXPECT_EQ(SYSCALL(read(fds[0], &byte, 1)), 1);
    atomic_store(&read_returned, true);
    wg_done(&done);
}

/* A little work, yielding now and then (no signal needed), then: did the
   read return before we were done? */
static void computer(void *arg)
{
    (void)arg;
    volatile unsigned long x = 1;
    for (int i = 0; i < 100000; i++) {
        x = x * 6364136223846793005UL + 1;
        if (i % 1000 == 0)
            gosched();
    }
    if (atomic_load(&read_returned))
        atomic_fetch_add(&waited, 1);
    wg_done(&done);
}

TEST(syscall_hands_its_p_to_the_others)
{
    setenv("GOMAXPROCS", "1", 1);
    start_writer();
    wg_init(&done);
    wg_add(&done, COMPUTERS + 1);
    go(reader, 0);
    time_sleep(10000000); /* the reader is in read(2) by now */
    for (int i = 0; i < COMPUTERS; i++)
        go(computer, 0);
    wg_wait(&done);
    struct goadds_stats st;
    goadds_stats(&st);
    printf("%d goroutines waited for the read, %llu hand-offs\n",
           atomic_load(&waited), (unsigned long long)st.handoffs);
    EXPECT_EQ(atomic_load(&waited), 0);
    EXPECT(st.handoffs >= 1);
}

/* Keeps the only P busy until the reader is back: the reader finds no
   idle P, queues, and its M sleeps (exitsyscall0). */
static void busy(void *arg)
{
    (void)arg;
    while (!atomic_load(&read_returned))
        gosched();
    wg_done(&done);
}

TEST(syscall_return_without_a_p_waits_in_the_queue)
{
    setenv("GOMAXPROCS", "1", 1);
    start_writer();
    wg_init(&done);
    wg_add(&done, 2);
    go(reader, 0);
    time_sleep(10000000);
    go(busy, 0);
    wg_wait(&done);
    struct sched_stats s;
    sched_stats(&s);
    EXPECT(atomic_load(&read_returned));
    EXPECT(s.ms >= 2); /* the reader's M, and the one that took its P */
}

TEST(syscall_keeps_errno)
{
    runtime_start();
    char byte;
    errno = 0;
    EXPECT_EQ(SYSCALL(read(-1, &byte, 1)), -1);
    EXPECT_EQ(errno, EBADF);
}
