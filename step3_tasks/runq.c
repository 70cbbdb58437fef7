/*
 * runq.c: see runq.h. The ring of Go's runtime/proc.go, in C11 atomics.
 *
 * Only the owner writes tail, so appending is a plain store of the slot
 * and then of tail. The owner and thieves all take from head, so taking is
 * read the slots, then claim them with one compare-and-swap on head. A
 * taker that loses the race throws away what it read: that is what makes
 * it safe to read a slot that the owner may be overwriting at that very
 * moment (it can only be overwriting it if someone else moved head on,
 * and then our CAS fails).
 *
 * Orderings: the owner stores tail with release after the slot, so a
 * taker that loads tail with acquire sees the slot and the task it points
 * to. A taker's CAS is a release, so the owner, loading head with acquire,
 * knows the slots behind head are read and free to reuse. The tail store
 * is even seq_cst: pool.c pairs it with its count of sleeping workers so
 * that no wake-up is lost (see pool.c's header).
 */
#include "runq.h"

#include <stddef.h>

bool runq_put(struct runq *q, struct task *t)
{
    uint32_t h = atomic_load_explicit(&q->head, memory_order_acquire);
    uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (tail - h >= RUNQ_SIZE)
        return false;
    atomic_store_explicit(&q->slot[tail % RUNQ_SIZE], t, memory_order_relaxed);
    atomic_store_explicit(&q->tail, tail + 1, memory_order_seq_cst);
    return true;
}

struct task *runq_get(struct runq *q)
{
    uint32_t h = atomic_load_explicit(&q->head, memory_order_acquire);
    for (;;) {
        uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
        if (h == tail)
            return NULL;
        struct task *t =
            atomic_load_explicit(&q->slot[h % RUNQ_SIZE], memory_order_relaxed);
        /* A failed CAS reloads h: a thief took the oldest first. */
        if (atomic_compare_exchange_weak_explicit(&q->head, &h, h + 1,
                                                  memory_order_release,
                                                  memory_order_acquire))
            return t;
    }
}

uint32_t runq_grab(struct runq *q, struct task *batch[RUNQ_SIZE / 2])
{
    for (;;) {
        uint32_t h = atomic_load_explicit(&q->head, memory_order_acquire);
        uint32_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
        uint32_t n = tail - h;
        n = n - n / 2;
        if (n == 0)
            return 0;
        if (n > RUNQ_SIZE / 2)
            continue; /* h is stale: others took, the owner refilled */
        for (uint32_t i = 0; i < n; i++)
            batch[i] = atomic_load_explicit(&q->slot[(h + i) % RUNQ_SIZE],
                                            memory_order_relaxed);
        if (atomic_compare_exchange_strong_explicit(&q->head, &h, h + n,
                                                    memory_order_release,
                                                    memory_order_relaxed))
            return n;
    }
}

bool runq_empty(struct runq *q)
{
    uint32_t h = atomic_load_explicit(&q->head, memory_order_seq_cst);
    uint32_t tail = atomic_load_explicit(&q->tail, memory_order_seq_cst);
    return h == tail;
}
