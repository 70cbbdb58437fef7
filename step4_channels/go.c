/*
 * go.c: goroutines as OS threads. See go.h.
 *
 * Each go() is one pthread_create: the thread is the goroutine. It costs
 * a kernel thread, a pid and a stack of 8 MiB of address space (glibc's
 * default), which is why main.c hits a wall at a few thousand goroutines.
 * Go's runtime.newproc instead allocates a g with a 2 KiB stack and puts
 * it on a run queue; step 5 does that.
 */
#include "go.h"

#include "common.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Goroutine numbers, as Go prints them in a panic: main's is 1. */
static atomic_llong goidgen = 1;
static _Thread_local long long goid = 1;

/* What a new thread needs: the function and its own copy of the arg. */
struct go_start {
    void (*fn)(void *);
    long long goid;
    max_align_t arg[]; /* the copy; max_align_t aligns it for any type */
};

static void *go_thread(void *p)
{
    struct go_start *start = p;
    goid = start->goid;
    start->fn(start->arg);
    free(start);
    return NULL;
}

void go_spawn(void (*fn)(void *), const void *arg, size_t size)
{
    struct go_start *start = malloc(sizeof *start + size);
    if (!start)
        die("malloc");
    start->fn = fn;
    start->goid = atomic_fetch_add(&goidgen, 1) + 1;
    if (size)
        memcpy(start->arg, arg, size);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* Nobody joins a goroutine: its thread frees itself when fn returns. */
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int err = pthread_create(&thread, &attr, go_thread, start);
    pthread_attr_destroy(&attr);
    if (err)
        die_err(err, "pthread_create");
}

void wg_init(waitgroup *wg)
{
    pthread_mutex_init(&wg->lock, NULL);
    pthread_cond_init(&wg->zero, NULL);
    wg->count = 0;
}

void wg_add(waitgroup *wg, int delta)
{
    pthread_mutex_lock(&wg->lock);
    wg->count += delta;
    if (wg->count < 0)
        gopanic("sync: negative WaitGroup counter");
    if (wg->count == 0)
        pthread_cond_broadcast(&wg->zero);
    pthread_mutex_unlock(&wg->lock);
}

void wg_done(waitgroup *wg)
{
    wg_add(wg, -1);
}

void wg_wait(waitgroup *wg)
{
    pthread_mutex_lock(&wg->lock);
    while (wg->count > 0)
        pthread_cond_wait(&wg->zero, &wg->lock);
    pthread_mutex_unlock(&wg->lock);
}

void gosched(void)
{
    sched_yield();
}

void time_sleep(int64_t ns)
{
    if (ns <= 0)
        return;
    struct timespec left = {ns / 1000000000, ns % 1000000000};
    while (nanosleep(&left, &left) != 0)
        if (errno != EINTR)
            die("nanosleep");
}

void gopanic(const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "panic: %s\n\ngoroutine %lld [running]:\n", msg, goid);
    /*
     * _exit, not exit: other goroutines are still running, and Go runs
     * no deferred calls of theirs either. (exit would also start the
     * leak checker of a sanitizer build on a half-finished program.)
     */
    _exit(2);
}
