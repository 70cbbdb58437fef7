/*
 * timer.c: timers on one timer goroutine (Go: runtime/time.go).
 *
 * time_after (chan.c) adds a timer whose function sends on a channel.
 * Here one goroutine, a thread like any other, sleeps until the earliest
 * timer is due, runs it, and sleeps again. Go keeps a heap of timers per
 * P and runs them from the scheduler, between goroutines; step 5 keeps
 * one heap and does the same. Here the pending timers are a list sorted
 * by when they are due (a teaching shortcut: adding one costs O(timers
 * pending)).
 */
#include "runtime.h"

#include "common.h"

#include <pthread.h>
#include <time.h>

static struct {
    pthread_once_t once;
    pthread_mutex_t lock;   /* guards first */
    pthread_cond_t changed; /* a new timer is first; CLOCK_MONOTONIC */
    struct timer *first;    /* sorted by when */
} timers = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

/* The timer goroutine: runs each timer when due, for ever. */
static void timer_loop(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&timers.lock);
    for (;;) {
        struct timer *t = timers.first;
        if (!t) {
            pthread_cond_wait(&timers.changed, &timers.lock);
        } else if (t->when > now_ns()) {
            struct timespec until = {t->when / 1000000000,
                                     t->when % 1000000000};
            pthread_cond_timedwait(&timers.changed, &timers.lock, &until);
        } else {
            timers.first = t->next;
            pthread_mutex_unlock(&timers.lock);
            t->f(t->arg); /* may free t; may take any lock but ours */
            pthread_mutex_lock(&timers.lock);
        }
    }
}

static void timers_start(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&timers.changed, &attr);
    pthread_condattr_destroy(&attr);
    go_spawn(timer_loop, NULL, 0);
}

void timer_add(struct timer *t)
{
    pthread_once(&timers.once, timers_start);
    pthread_mutex_lock(&timers.lock);
    struct timer **p = &timers.first;
    while (*p && (*p)->when <= t->when)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    if (timers.first == t) /* the timer goroutine sleeps too long */
        pthread_cond_signal(&timers.changed);
    pthread_mutex_unlock(&timers.lock);
}
