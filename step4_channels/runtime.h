/*
 * runtime.h: what chan.c and sync.c stand on, with Go's names, so that
 * runtime/chan.go and runtime/proc.go can be read next to them.
 *
 *   G        a goroutine (Go: runtime.g). Here a goroutine is an OS
 *            thread, and its G is that thread's record: its id, its
 *            status, what it waits for, and a wake-up word of its own.
 *   gopark   the running goroutine waits until someone calls goready:
 *            here its thread sleeps on its wake-up word (park.c).
 *   goready  make a parked goroutine run again: here, post its word.
 *
 * Step 5's runtime.h declares the same names with the same contracts,
 * and its chan.c and sync.c are these files. What changes there is what
 * gopark means: it switches the thread to another goroutine instead of
 * putting it to sleep.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include "go.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct g G;

/* Go: _Grunnable, _Grunning, _Gwaiting, _Gdead. */
enum g_status { G_RUNNABLE = 1, G_RUNNING, G_WAITING, G_DEAD };

struct g {
    G *schedlink;        /* next in a wait list (sync.c, chan_close) or,
                            once its thread has ended, in the free list */
    void *param;         /* passed by the waker to the parked G (Go: param) */
    const char *waitreason; /* while G_WAITING: "chan receive", ... */
    int64_t id;          /* goroutine number, as Go prints it */
    atomic_int status;   /* enum g_status */
    atomic_int selectdone; /* 1: a case of its select fired (Go: same) */
    atomic_uint wakeup;  /* 1: goready posted a wake-up that gopark has
                            not taken yet; the futex word (park.c) */
};

/* The G of the calling thread; NULL until runtime_start gave it one. */
G *getg(void);

/*
 * The calling thread becomes a goroutine, if it is not one yet: it gets
 * a G. A thread that go() started has one from the start; the main
 * thread's is goroutine 1, as in Go; any other thread (a worker of
 * pool.c) gets the next number. Step 5's runtime_start starts its
 * scheduler, and the caller becomes goroutine 1.
 */
void runtime_start(void);

/* Go: runtime.gopark. Park the running G with a reason until goready.
   The caller holds the lock that guards the queue where it has put its
   G (or a sudog naming it); unlockf(g, arg) must release it. gopark
   runs it once the G is marked waiting; from then on a waker may find
   the G and goready it at any moment, even before the thread sleeps: no
   such wake-up is lost (park.c). */
void gopark(void (*unlockf)(G *g, void *arg), void *arg, const char *reason);

/* Go: runtime.goready. Make a parked G run again. Exactly one goready
   per gopark, by whoever took the G off its wait queue. */
void goready(G *g);

/* A parking helper: unlockf that releases the spinlock arg. */
void unlock_after_park(G *g, void *lock);

/* Go's `throw`: the runtime cannot go on (a broken invariant, no
   memory). Prints "fatal error: " and the printf-style message to stderr
   and exits with status 2, as Go does. */
_Noreturn void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Go: runtime.gopanic, for the misuses Go reports in its own words
   ("send on closed channel"): prints "panic: <msg>" and the goroutine's
   "goroutine N [running]:" line to stderr and exits with status 2, as an
   unrecovered Go panic does (Go then prints the goroutine's stack). */
_Noreturn void gopanic(const char *msg);

/* A pseudo-random number in [0, n) (Go: runtime.fastrandn). */
uint32_t fastrandn(uint32_t n);

/*
 * The lock of a channel, a WaitGroup or a Mutex, held for a few
 * instructions at a time. It has step 5's name and calls, as chan.c and
 * sync.c take it, but on threads it does what Go's runtime lock does on
 * Linux (lock2, lock_futex.go): spin a little, then sleep on the lock's
 * word until the holder wakes us. With a thread per goroutine there are
 * more threads than CPUs, and the holder may have lost its CPU in the
 * middle of its few instructions: a waiter that only spun would burn its
 * time slice. held: 0 free, 1 held, 2 held and someone may sleep on it.
 * The slow paths are in park.c.
 */
void spin_lock_wait(spinlock *l);
void spin_unlock_wake(spinlock *l);

static inline void spin_lock(spinlock *l)
{
    int free = 0;
    if (!atomic_compare_exchange_strong_explicit(
            &l->held, &free, 1, memory_order_acquire, memory_order_relaxed))
        spin_lock_wait(l);
}

static inline void spin_unlock(spinlock *l)
{
    if (atomic_exchange_explicit(&l->held, 0, memory_order_release) == 2)
        spin_unlock_wake(l);
}

/* timer.c: timers, run by one timer goroutine (Go: runtime.timer). */
struct timer {
    int64_t when;               /* now_ns() at which f runs */
    void (*f)(void *arg);       /* runs on the timer goroutine */
    void *arg;
    struct timer *next;         /* in the list of pending timers */
};
void timer_add(struct timer *t); /* caller may hold no lock */

#endif
