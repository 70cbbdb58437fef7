/*
 * go.h: goroutines, as in steps 2 to 4, now on step 5's M:N runtime.
 *
 * The same names and meaning as before, so that programs written for
 * steps 2 to 4 compile and run unchanged. What changed is underneath: a
 * goroutine is no longer an OS thread but a small stack of its own plus a
 * saved set of registers, run by GOMAXPROCS threads (runtime.h).
 *
 * The runtime starts by itself at the first call that needs it, and the
 * code that made that call (normally main) becomes goroutine 1, as in Go.
 * When main returns the process exits, even with goroutines still running.
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
 * pointer to its own copy (on the new goroutine's stack), valid until fn
 * returns. go(hello, "hi") copies the string; go(work, i) copies the int;
 * go(work, &i) copies the pointer (the loop-variable pitfall).
 */
void go_spawn(void (*fn)(void *), const void *arg, size_t size);
#define go(fn, ...)                                                     \
    do {                                                                \
        __typeof__(__VA_ARGS__) go_arg_ = __VA_ARGS__;                  \
        go_spawn((fn), &go_arg_, sizeof go_arg_);                       \
    } while (0)

/* Go: runtime.Gosched. Let other goroutines run; we run again later. */
void gosched(void);

/* Go: time.Sleep. Parks this goroutine only; its thread runs others. */
void time_sleep(int64_t ns);

/* A lock that is only ever held for a few instructions (never across a
   switch, except by gopark's hand-over; see runtime.h). In this header
   because the structs below hold one. */
typedef struct spinlock {
    atomic_int held;
} spinlock;

struct g;

/* Go: sync.WaitGroup. wg_wait parks the goroutine, not its thread. */
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
