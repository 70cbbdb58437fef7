/*
 * pool.h: a fixed pool of worker threads taking tasks from one queue,
 * step 3's pool in miniature. It is here so that main.c can run the same
 * channel program on it as on a thread per goroutine, and show it stall.
 *
 * One pool per process, started by pool_start (a teaching shortcut, so
 * that pool_spawn has the shape of go_spawn and the two can be swapped).
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
