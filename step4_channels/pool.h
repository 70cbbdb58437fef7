/*
 * pool.h: step 3's pool in miniature: a fixed pool of worker threads
 * taking tasks from one queue. It is here so that main.c can run the same
 * channel program on it as on a thread per goroutine, and show it stall.
 *
 * The names are step 3's, the shapes smaller. What differs from step 3:
 *   - one FIFO under one lock (step 3's QUEUE_GLOBAL); no rings, no
 *     stealing: pool_start(workers), not pool_start(kind, workers);
 *   - pool_stop(void), not pool_stop(&stats): it lets the workers run
 *     what is queued, joins them, and counts nothing;
 *   - tasks are queued by pool_spawn, not go(): here go() starts a
 *     thread, and main.c runs one program both ways. So the first task
 *     does not start the pool: pool_start must come first;
 *   - pool_counts, for the stall report, is new.
 * One pool per process, as in step 3 (a teaching shortcut, so that
 * pool_spawn has the shape of go_spawn and the two can be swapped).
 */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>

/* Start `workers` threads. */
void pool_start(int workers);

/* Queue fn(copy of arg), go_spawn's contract: a task, not a thread. */
void pool_spawn(void (*fn)(void *), const void *arg, size_t size);

/* Tasks running on a worker now, and tasks waiting for one. */
void pool_counts(int *running, int *queued);

/* Let the workers finish every queued task, then join them. */
void pool_stop(void);

#endif
