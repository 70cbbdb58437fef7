/*
 * handoff: one goroutine blocks for a second in read(2) on a pipe while
 * n others compute; did they have to wait for the read? See
 * ../go/handoff. Go's sysmon takes the P of a thread that sits in a
 * system call for 20 us and gives it to another thread (runtime.retake,
 * handoffp). Step 5 alone keeps the P for the whole call: at
 * GOMAXPROCS=1 the others wait the whole second, which this program
 * detects and says. Linked with goadds (step 5+goadds), read goes
 * through SYSCALL (entersyscall/exitsyscall) and sysmon hands the P off.
 */
#include "go.h"
#include "twin.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#ifdef GOADDS
#include "goadds.h"
#else
#define SYSCALL(call) (call) /* step 5 alone: the call keeps its P */
#endif

enum { BLOCK_MS = 1000, WORK = 100000 };

struct shared {
    int fd;
    atomic_bool read_returned;
    atomic_long waited; /* computers that finished after the read */
    waitgroup wg;
};

static void reader(void *arg)
{
    struct shared *s = *(struct shared **)arg;
    char byte;
    if (SYSCALL(read(s->fd, &byte, 1)) != 1)
        die("read");
    atomic_store(&s->read_returned, true);
    wg_done(&s->wg);
}

static void compute(void *arg)
{
    struct shared *s = *(struct shared **)arg;
    unsigned long x = 1;
    for (long i = 0; i < WORK; i++)
        x = x * 6364136223846793005UL + 1442695040888963407UL;
    if (x == 0)
        printf("impossible\n"); /* keeps the loop */
    if (atomic_load(&s->read_returned))
        atomic_fetch_add(&s->waited, 1);
    wg_done(&s->wg);
}

/* The writer is an OS thread outside the runtime, so that step 5 alone,
   whose only P sits in read, still gets its byte a second later. */
static void *writer(void *arg)
{
    int fd = *(int *)arg;
    usleep(BLOCK_MS * 1000);
    if (write(fd, "x", 1) != 1)
        die("write");
    return NULL;
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 100);
    static struct shared s;
    static int fds[2];
    if (pipe(fds) != 0)
        die("pipe");
    s.fd = fds[0];
    wg_init(&s.wg);
    wg_add(&s.wg, (int)n + 1);
    pthread_t t;
    int err = pthread_create(&t, NULL, writer, &fds[1]);
    if (err)
        die_err(err, "pthread_create");
    struct shared *sp = &s;
    go(reader, sp);
    time_sleep(10 * 1000000); /* the reader is in read(2) by now */
    for (long i = 0; i < n; i++)
        go(compute, sp);
    wg_wait(&s.wg);
    pthread_join(t, NULL); /* done: it wrote the byte we read */
    long waited = atomic_load(&s.waited);
    if (waited == 0)
        printf("%ld goroutines computed while one sat in read(2) for %d ms:"
               " none waited for it\n", n, BLOCK_MS);
    else
        printf("starved: %ld of %ld goroutines waited %d ms for a read(2):"
               " its P was held for the whole call (no hand-off)\n",
               waited, n, BLOCK_MS);
}
