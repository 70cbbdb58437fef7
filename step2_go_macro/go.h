/*
 * go.h: Go's `go f(x)` in C, one OS thread per call, and a WaitGroup.
 *
 *     go(hello, "hello from goroutine 1");      // Go: go hello("...")
 *
 * Step 1 spelled out pthread_create every time. Here the spelling hides
 * it, and it stays the same in every later step while what is under it
 * changes: a task queue (step 3), then goroutines with stacks of their
 * own (step 5).
 *
 * Go: `go f(x)` evaluates f and x in the caller, copies x into the new
 * goroutine (runtime.newproc), and returns at once. A WaitGroup
 * (sync.WaitGroup) is how the caller waits for goroutines to finish.
 */
#ifndef GO_H
#define GO_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Start fn(copy) concurrently, where copy is a private copy of the size
 * bytes at arg, made before go_spawn returns. The copy lives until fn
 * returns. Prefer the go() macro, which makes the copy for you.
 */
void go_spawn(void (*fn)(void *), const void *arg, size_t size);

/*
 * go(fn, arg): evaluate arg now, copy its value, run fn(&copy)
 * concurrently. fn has the type void fn(void *). The argument can be a
 * number, a pointer, a struct, or a string literal (copied whole):
 *
 *     go(work, i);                  // fn gets an int * to its own i
 *     go(work, &i);                 // fn gets an int ** : i is shared!
 *     go(work, (struct job){1, 2}); // a struct: Go's several arguments
 *
 * __typeof__ (standard C from C23 on as typeof) declares a variable of
 * the argument's own type; the ... lets the argument hold commas.
 */
#define go(fn, ...)                                                 \
    do {                                                            \
        __typeof__(__VA_ARGS__) go_arg_ = __VA_ARGS__;              \
        go_spawn((fn), &go_arg_, sizeof go_arg_);                   \
    } while (0)

/* Go: sync.WaitGroup. Call wg_init before use (Go's zero value is
   ready; a pthread mutex is not, portably). */
typedef struct waitgroup {
    pthread_mutex_t lock;
    pthread_cond_t zero; /* broadcast when count drops to 0 */
    long count;          /* goroutines still to call wg_done */
} waitgroup;

void wg_init(waitgroup *wg);

/* Add delta (may be negative) to the counter; below zero panics with
   Go's message "sync: negative WaitGroup counter". */
void wg_add(waitgroup *wg, int delta);
void wg_done(waitgroup *wg); /* wg_add(wg, -1) */
void wg_wait(waitgroup *wg); /* block until the counter is 0 */

void gosched(void);          /* Go: runtime.Gosched; here sched_yield */
void time_sleep(int64_t ns); /* Go: time.Sleep */

/* Go: runtime.gopanic. Print "panic: msg" and exit with status 2. */
_Noreturn void gopanic(const char *msg);

#endif
