/*
 * go.h: Go's `go` statement, sync.WaitGroup, runtime.Gosched and
 * time.Sleep, on one OS thread per goroutine (as in step 2).
 *
 * Step 5 offers the same names on its own scheduler, so a program written
 * against go.h and chan.h runs on either.
 */
#ifndef GO_H
#define GO_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/*
 * go(fn, arg): Go's `go fn(arg)`. fn is `void fn(void *arg)`. The
 * argument is evaluated AND copied at the go statement, as Go does: fn
 * receives a pointer to its own copy, valid until fn returns.
 * go(hello, "hi") copies the string; go(work, i) copies the int;
 * go(work, &i) copies the pointer (the loop-variable pitfall);
 * go(work, (struct job){1, ch}) copies a struct.
 * Go: runtime.newproc. Here: one new detached thread per call.
 */
void go_spawn(void (*fn)(void *), const void *arg, size_t size);
#define go(fn, ...)                                                 \
    do {                                                            \
        __typeof__(__VA_ARGS__) go_arg_ = __VA_ARGS__;              \
        go_spawn((fn), &go_arg_, sizeof go_arg_);                   \
    } while (0)

/* Go: sync.WaitGroup. wg_init before use; no destroy is needed. */
typedef struct waitgroup {
    pthread_mutex_t lock;
    pthread_cond_t zero; /* broadcast when count drops to 0 */
    long count;          /* goroutines still to call wg_done */
} waitgroup;

void wg_init(waitgroup *wg);
/* count < 0: "panic: sync: negative WaitGroup counter", exit 2. */
void wg_add(waitgroup *wg, int delta);
void wg_done(waitgroup *wg);
/* Returns once the count is 0. */
void wg_wait(waitgroup *wg);

void gosched(void);          /* Go: runtime.Gosched (here sched_yield) */
void time_sleep(int64_t ns); /* Go: time.Sleep (here nanosleep) */

/*
 * Go: runtime.gopanic, for the misuses Go reports in its own words:
 * prints "panic: <msg>" and "goroutine N [running]:" to stderr and ends
 * the process with status 2, as Go does for a panic nobody recovers (Go
 * then prints the goroutine's stack). For go.c and chan.c.
 */
_Noreturn void gopanic(const char *msg);

#endif
