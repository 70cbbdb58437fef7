/*
 * park.c: gopark and goready on OS threads (Go: runtime.gopark and
 * runtime.goready in proc.go; Go's threads, too, sleep on a futex:
 * lock_futex.go).
 *
 * A goroutine is a thread here, so a goroutine that waits is a thread
 * asleep, and goready wakes that thread up. Each G has a word of its
 * own, g->wakeup: goready posts a wake-up there, gopark takes it, and
 * sleeps first if none is there yet. The sleep is Linux's futex:
 * FUTEX_WAIT(&word, v) puts the thread to sleep only if the word still
 * holds v, and the kernel checks that and queues the thread as one step,
 * under a lock of its own; FUTEX_WAKE(&word) wakes a thread queued there.
 *
 * The lost wake-up. gopark must release the lock of the queue where its
 * G waits (unlockf) before it sleeps: a waker holding that lock is what
 * finds the G. So a waker can come between the unlock and the sleep:
 *
 *   parking thread                     waking thread
 *   status = waiting; unlockf
 *                                      finds the G, goready:
 *                                        wakeup = POSTED
 *   sees POSTED: takes it (wakeup = 0)
 *   and runs on, never asleep
 *
 * or, a moment later:
 *
 *   wakeup: 0 -> ASLEEP
 *                                      wakeup = POSTED, it was ASLEEP:
 *                                        FUTEX_WAKE (nobody queued yet)
 *   FUTEX_WAIT(&wakeup, ASLEEP): the
 *     word is POSTED, so it returns
 *     at once; takes it, runs on
 *
 * A plain "sleep until woken" would sleep for ever there: the wake-up
 * came first and nothing remembers it. The word remembers it, and the
 * kernel's check-and-queue leaves no moment in which a FUTEX_WAKE finds
 * nobody while the sleeper is about to sleep. A mutex and a condition
 * variable per G would do the same (a flag read under the mutex), and so
 * would a POSIX semaphore (sem_post counts a post that comes first); on
 * Linux both are made of such a word and these two calls. Step 5's idle
 * threads sleep on the same kind of word (its notes).
 *
 * Go's gopark never puts a thread to sleep for one goroutine: it saves
 * the goroutine's registers and runs another one on the thread. Step 5
 * does that, under the same two names.
 */
#include "runtime.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* g->wakeup: 0, nothing; POSTED by goready; ASLEEP, gopark sleeps (or
   is about to), and goready must FUTEX_WAKE it. */
enum { POSTED = 1, ASLEEP = 2 };

/* Sleep while the 32-bit word at addr holds val (or until woken). */
static void futex_wait(void *addr, unsigned val)
{
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(void *addr) /* one thread asleep on addr */
{
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void gopark(void (*unlockf)(G *g, void *arg), void *arg, const char *reason)
{
    runtime_start();
    G *g = getg();
    g->waitreason = reason;
    atomic_store_explicit(&g->status, G_WAITING, memory_order_relaxed);
    unlockf(g, arg); /* from here on, goready may come at any moment */

    /* No wake-up posted yet: say we sleep, and sleep while that holds
       (FUTEX_WAIT also returns for nothing: a signal, a FUTEX_WAKE
       meant for an earlier park). */
    unsigned nothing = 0;
    if (atomic_compare_exchange_strong(&g->wakeup, &nothing, ASLEEP))
        while (atomic_load(&g->wakeup) == ASLEEP)
            futex_wait(&g->wakeup, ASLEEP);
    /* Take the wake-up. Acquire: what the waker wrote before goready
       (the value it copied into our variable, sudog.success) is ours. */
    atomic_exchange_explicit(&g->wakeup, 0, memory_order_acquire);
    atomic_store_explicit(&g->status, G_RUNNING, memory_order_relaxed);
    g->waitreason = NULL;
}

void goready(G *g)
{
    atomic_store_explicit(&g->status, G_RUNNABLE, memory_order_relaxed);
    if (atomic_exchange_explicit(&g->wakeup, POSTED,
                                 memory_order_release) != ASLEEP)
        return; /* not asleep: gopark will see POSTED, no system call */
    /* g's goroutine may have taken the wake-up, returned and ended by
       now: this wakes its thread for nothing, or nobody. g is never
       freed (go.c), so the address is still a G's word. */
    futex_wake(&g->wakeup);
}

void unlock_after_park(G *g, void *lock)
{
    (void)g;
    spin_unlock(lock);
}

/*
 * The lock's slow paths (runtime.h): Go's lock2 and unlock2 on futexes,
 * which are Ulrich Drepper's mutex ("Futexes Are Tricky", 2011). held is
 * 0 (free), 1 (held) or 2 (held, and someone may sleep on it).
 */
void spin_lock_wait(spinlock *l)
{
    enum { SPIN_TRIES = 100 }; /* the holder may be about to unlock */
    for (int i = 0; i < SPIN_TRIES; i++) {
        int free = 0;
        if (!atomic_load_explicit(&l->held, memory_order_relaxed) &&
            atomic_compare_exchange_weak_explicit(&l->held, &free, 1,
                                                  memory_order_acquire,
                                                  memory_order_relaxed))
            return;
    }
    /* Mark it "someone sleeps", and sleep while it is held. Taken this
       way, it stays marked: our unlock may wake somebody for nothing. */
    while (atomic_exchange_explicit(&l->held, 2, memory_order_acquire))
        futex_wait(&l->held, 2);
}

void spin_unlock_wake(spinlock *l)
{
    futex_wake(&l->held);
}
