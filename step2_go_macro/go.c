/*
 * go.c: go_spawn on detached OS threads, and the WaitGroup.
 *
 * Each go() is a pthread_create of a detached thread: nobody joins it,
 * as nobody joins a goroutine. Its argument travels in a heap block
 * that the thread frees when fn returns.
 */
#include "go.h"

#include "common.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the new thread needs: the function and a copy of its argument. */
struct go_start {
    void (*fn)(void *);
    max_align_t arg[]; /* the copy; max_align_t aligns it for any type */
};

static void *go_thread(void *p)
{
    struct go_start *start = p;
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
    if (size) /* memcpy's pointers must be valid even for 0 bytes */
        memcpy(start->arg, arg, size);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int err = pthread_create(&thread, &attr, go_thread, start);
    if (err)
        die_err(err, "pthread_create");
    pthread_attr_destroy(&attr);
}

void gopanic(const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "panic: %s\n", msg);
    _exit(2);
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
    struct timespec left = {ns / 1000000000, ns % 1000000000};
    while (nanosleep(&left, &left) == -1 && errno == EINTR)
        ;
}
