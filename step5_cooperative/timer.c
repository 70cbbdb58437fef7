/*
 * timer.c: the timer heap, and time_sleep on it (Go: runtime/time.go).
 *
 * One min-heap of timers ordered by when they are due, under one lock.
 * Whoever runs the scheduler looks at the earliest: an M with work every
 * 61 switches and whenever its P runs dry; an idle M sleeps exactly until
 * it (stopm in sched.c). A sleeping goroutine holds no thread: its timer
 * readies it. Go keeps one heap per P; one heap is simpler and enough here.
 */
#include "runtime.h"
#include "trace.h"

#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static struct {
    pthread_mutex_t runlock; /* held while running timers (timers_run) */
    spinlock lock;          /* guards heap, n, cap */
    struct timer **heap;    /* heap[0] is due first */
    size_t n, cap;
    atomic_llong next;      /* heap[0]->when, or INT64_MAX: read unlocked */
    atomic_long pending;    /* in the heap, or being run right now */
} timers = {.runlock = PTHREAD_MUTEX_INITIALIZER, .next = INT64_MAX};

static void swap(size_t i, size_t j)
{
    struct timer *t = timers.heap[i];
    timers.heap[i] = timers.heap[j];
    timers.heap[j] = t;
}

/* Add t; true if it is now the earliest. timers.lock held. */
static bool add_locked(struct timer *t)
{
    if (timers.n == timers.cap) {
        timers.cap = timers.cap ? 2 * timers.cap : 64;
        timers.heap = realloc(timers.heap, timers.cap * sizeof t);
        if (!timers.heap)
            fatal("out of memory (timers)");
    }
    size_t i = timers.n++;
    timers.heap[i] = t;
    while (i > 0 && timers.heap[(i - 1) / 2]->when > t->when) {
        swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    atomic_fetch_add(&timers.pending, 1);
    atomic_store(&timers.next, timers.heap[0]->when);
    return i == 0;
}

/* Remove and return the earliest timer. timers.lock held, n > 0. */
static struct timer *pop_locked(void)
{
    struct timer *first = timers.heap[0];
    timers.heap[0] = timers.heap[--timers.n];
    for (size_t i = 0;;) {
        size_t small = i, l = 2 * i + 1, r = l + 1;
        if (l < timers.n && timers.heap[l]->when < timers.heap[small]->when)
            small = l;
        if (r < timers.n && timers.heap[r]->when < timers.heap[small]->when)
            small = r;
        if (small == i)
            break;
        swap(i, small);
        i = small;
    }
    atomic_store(&timers.next, timers.n ? timers.heap[0]->when : INT64_MAX);
    return first;
}

void timer_add(struct timer *t)
{
    spin_lock(&timers.lock);
    bool earliest = add_locked(t);
    spin_unlock(&timers.lock);
    if (earliest)
        sched_timer_added();
}

int64_t timers_next(void)
{
    return atomic_load_explicit(&timers.next, memory_order_relaxed);
}

bool timers_pending(void)
{
    return atomic_load(&timers.pending) > 0;
}

/* Run the due timers. One M at a time, in deadline order: another M's
   batch of later timers must not fire before ours have (time_after's
   value is the time it fired). Called only where the caller holds no
   lock a timer's f might take: on g0, or by an idle M (sched.c). */
void timers_run(int64_t now)
{
    enum { BATCH = 32 };
    pthread_mutex_lock(&timers.runlock);
    for (;;) {
        struct timer *due[BATCH];
        int n = 0;
        spin_lock(&timers.lock);
        while (n < BATCH && timers.n && timers.heap[0]->when <= now)
            due[n++] = pop_locked();
        spin_unlock(&timers.lock);
        if (n == 0)
            break;
        /* t may be gone once t->f has run (it lives on the stack of the
           goroutine that f readies): read nothing from it after. */
        for (int i = 0; i < n; i++) {
            if (trace.enabled)
                trace_timer();
            due[i]->f(due[i]->arg);
        }
        /* Only now: a deadlock check must see either the pending timer
           or the goroutine it readied. */
        atomic_fetch_sub(&timers.pending, n);
    }
    pthread_mutex_unlock(&timers.runlock);
}

static void ready_sleeper(void *g)
{
    goready(g);
}

/* unlockf of time_sleep: the sleeper's registers are saved now. */
static void sleep_unlock(G *g, void *earliest)
{
    (void)g;
    bool poke = *(bool *)earliest; /* read before the timer can fire */
    spin_unlock(&timers.lock);
    if (poke)
        sched_timer_added();
}

/* Go: time.Sleep. The timer lives on the sleeper's stack. */
void time_sleep(int64_t ns)
{
    if (ns <= 0)
        return;
    runtime_start();
    struct timer t = {now_ns() + ns, ready_sleeper, getg()};
    spin_lock(&timers.lock);
    bool earliest = add_locked(&t);
    gopark(sleep_unlock, &earliest, "sleep");
}
