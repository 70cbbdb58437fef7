/*
 * go.h: Go's `go` statement, runtime.Gosched, time.Sleep, sync.WaitGroup
 * and sync.Mutex, on one OS thread per goroutine (as in step 2).
 *
 * Step 5 offers the same names on its own scheduler, so a program written
 * against go.h and chan.h runs on either.
 */
#ifndef GO_H
#define GO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * go(fn, arg): Go's `go fn(arg)`. fn is `void fn(void *arg)`. The argument
 * is evaluated AND copied at the go statement, as Go does: fn receives a
 * pointer to its own copy, valid until fn returns. go(hello, "hi") copies
 * the string; go(work, i) copies the int; go(work, &i) copies the pointer
 * (the loop-variable pitfall). Go: runtime.newproc. Here: one new
 * detached thread per call.
 */
void go_spawn(void (*fn)(void *), const void *arg, size_t size);
#define go(fn, ...)                                                     \
    do {                                                                \
        __typeof__(__VA_ARGS__) go_arg_ = __VA_ARGS__;                  \
        go_spawn((fn), &go_arg_, sizeof go_arg_);                       \
    } while (0)

/* Go: runtime.Gosched. Let other goroutines run (here: sched_yield). */
void gosched(void);

/* Go: time.Sleep. Here the goroutine's thread sleeps (nanosleep). */
void time_sleep(int64_t ns);

/* A lock that is only ever held for a few instructions (never while its
   holder sleeps: gopark releases it first; see runtime.h). In this
   header because the structs below hold one. */
typedef struct spinlock {
    atomic_int held;
} spinlock;

struct g;

/* Go: sync.WaitGroup. wg_wait parks the goroutine: its thread sleeps. */
typedef struct waitgroup {
    spinlock lock;
    int64_t count;
    struct g *waiters; /* parked in wg_wait, linked by g->schedlink */
} waitgroup;
void wg_init(waitgroup *wg);
void wg_add(waitgroup *wg, int delta); /* < 0 in all: Go's panic, exit 2 */
void wg_done(waitgroup *wg);
void wg_wait(waitgroup *wg);

/* Go: sync.Mutex. A goroutine that waits for it parks. Unlock hands the
   mutex straight to the longest waiter (Go does so in starvation mode). */
typedef struct mutex {
    spinlock lock;
    bool locked;
    struct g *head, *tail; /* parked waiters, FIFO, via g->schedlink */
} mutex;
void mutex_init(mutex *mu);
void mutex_lock(mutex *mu);
void mutex_unlock(mutex *mu); /* unlocked: "fatal error: sync: unlock of
                                 unlocked mutex", as Go */

#endif
