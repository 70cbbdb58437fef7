/*
 * runq.h: one worker's run queue, a ring of RUNQ_SIZE tasks that its
 * owner appends to without a lock and that anyone may take from
 * (Go: p.runq, runqhead, runqtail in runtime/runtime2.go).
 */
#ifndef RUNQ_H
#define RUNQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct task;

enum { RUNQ_SIZE = 256 }; /* Go: len(p.runq) */

/*
 * head and tail count up forever (wrapping at 2^32); task number i sits
 * in slot[i % RUNQ_SIZE], and tail - head is the length, never above
 * RUNQ_SIZE. Aligned to a cache line so that two workers' rings do not
 * share one.
 */
struct runq {
    _Alignas(64) _Atomic uint32_t head; /* next to take: owner or thief */
    _Atomic uint32_t tail;              /* next to fill: owner only */
    _Atomic(struct task *) slot[RUNQ_SIZE];
};

/* Owner only. Append t; false when the ring is full. Go: runqput. */
bool runq_put(struct runq *q, struct task *t);

/* Owner only. The oldest task, or NULL. Go: runqget. */
struct task *runq_get(struct runq *q);

/*
 * Anyone. Take the older half (rounded up) of the tasks into batch and
 * return how many (0 if the ring was empty). Go: runqgrab.
 */
uint32_t runq_grab(struct runq *q, struct task *batch[RUNQ_SIZE / 2]);

/* Anyone. Whether the ring looked empty at the moment it was read. */
bool runq_empty(struct runq *q);

#endif
