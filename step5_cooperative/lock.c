/*
 * lock.c: the two ways an M waits (Go: runtime/lock_futex.go, and the
 * note of runtime2.go).
 *
 *   spinlock  held for a few instructions (a run queue, a channel, a
 *             WaitGroup): spin, then give the CPU away (spin_lock in
 *             runtime.h; its slow path here).
 *   note      a one-shot wake-up an idle M sleeps on: a futex word that
 *             note_wakeup sets and note_sleep waits for (Go: notesleep,
 *             notewakeup, noteclear).
 *
 * Go's runtime has its own futex-based mutex (lock2/unlock2) for its
 * longer critical sections; ours use pthread_mutex_t for those, which is
 * a futex underneath too.
 */
#include "runtime.h"

#include "common.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* spin_lock's slow path (see runtime.h): spin, yield after SPIN_TRIES.
   Out of line, so that the inlined fast path makes its callers save no
   more registers (gosched 16.9 -> 14.1 ns at GOMAXPROCS=1, measured:
   step 6's gosched ratio by as much). */
void spin_lock_wait(spinlock *l)
{
    enum { SPIN_TRIES = 100 };
    do {
        for (int i = 0;
             atomic_load_explicit(&l->held, memory_order_relaxed); i++)
            if (i < SPIN_TRIES)
                cpu_relax();
            else
                sched_yield();
    } while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire));
}

static long futex(atomic_uint *addr, int op, unsigned val,
                  const struct timespec *ts, unsigned bitset)
{
    return syscall(SYS_futex, addr, op, val, ts, NULL, bitset);
}

void note_clear(note *n)
{
    atomic_store_explicit(&n->key, 0, memory_order_relaxed);
}

void note_wakeup(note *n)
{
    atomic_store_explicit(&n->key, 1, memory_order_release);
    futex(&n->key, FUTEX_WAKE_PRIVATE, 1, NULL, 0);
}

/* Sleep until note_wakeup or until now_ns() >= deadline. The futex
   sleeps only while the word is still 0: a wake-up that came first is
   not lost. */
void note_sleep(note *n, int64_t deadline)
{
    while (!atomic_load_explicit(&n->key, memory_order_acquire)) {
        if (deadline == INT64_MAX) {
            futex(&n->key, FUTEX_WAIT_PRIVATE, 0, NULL, 0);
            continue;
        }
        if (now_ns() >= deadline)
            return;
        struct timespec ts = {deadline / 1000000000, deadline % 1000000000};
        futex(&n->key, FUTEX_WAIT_BITSET_PRIVATE, 0, &ts,
              FUTEX_BITSET_MATCH_ANY); /* absolute, CLOCK_MONOTONIC */
    }
}
