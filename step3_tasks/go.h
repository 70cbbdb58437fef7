/*
 * go.h: the API of chapter 3, spelled as in chapter 2 (go(), WaitGroup,
 * gosched, time_sleep), so programs written for chapter 2 compile
 * unchanged. Underneath, go() no longer starts a thread: it queues a task
 * that one of a fixed pool of worker threads runs to completion.
 *
 * At the end, the pool's own controls, which a Go program never sees: Go's
 * runtime starts its Ps before main and never stops them. Here the first
 * go() starts the pool with the defaults, or pool_start() chooses.
 */
#ifndef GO_H
#define GO_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/*
 * go(fn, arg): Go's `go fn(arg)`. fn is `void fn(void *arg)`. The argument
 * is evaluated AND copied at the go statement, as Go does: fn receives a
 * pointer to its own copy, valid until fn returns. go(hello, "hi") copies
 * the string; go(work, i) copies the int; go(work, &i) copies the pointer
 * (the loop-variable pitfall); go(work, (struct job){1, ch}) copies a
 * struct. Go: runtime.newproc.
 */
void go_spawn(void (*fn)(void *), const void *arg, size_t size);
#define go(fn, ...)                                                  \
    do {                                                             \
        __typeof__(__VA_ARGS__) go_arg_ = __VA_ARGS__;               \
        go_spawn((fn), &go_arg_, sizeof go_arg_);                    \
    } while (0)

/*
 * Go: sync.WaitGroup. wg_wait inside a task holds that task's worker
 * until the count reaches zero: see the stall demo in main.c.
 */
typedef struct waitgroup {
    pthread_mutex_t lock;
    pthread_cond_t zero; /* broadcast when count drops to 0 */
    long count;
} waitgroup;

void wg_init(waitgroup *wg);
/* count < 0: "panic: sync: negative WaitGroup counter", exit 2, as Go. */
void wg_add(waitgroup *wg, int delta);
void wg_done(waitgroup *wg);
void wg_wait(waitgroup *wg);

/*
 * Go: runtime.Gosched. Here only sched_yield: a task cannot hand its
 * worker to another task without returning (see the yield demo).
 */
void gosched(void);
void time_sleep(int64_t ns); /* Go: time.Sleep; holds the worker */

/*
 * Go: runtime.gopanic, for the misuses Go reports in its own words:
 * prints "panic: <msg>" to stderr and ends the process with status 2,
 * as Go does for a panic nobody recovers.
 */
_Noreturn void gopanic(const char *msg);

/* ---- The pool ---- */

typedef enum {
    QUEUE_GLOBAL, /* one queue under one lock (Go before 1.1) */
    QUEUE_STEAL,  /* a queue per worker, and stealing (Go since 1.1) */
} queue_kind;

enum { MAX_WORKERS = 1024 }; /* Go: _MaxGomaxprocs */

/*
 * The default number of workers: $GOMAXPROCS when set and not empty, else
 * the CPUs this process may run on (Go: getproccount). A bad $GOMAXPROCS
 * exits 2 with one line naming it; Go would ignore it silently.
 */
int gomaxprocs(void);

/*
 * Start the pool: `workers` threads sharing queues of the given kind.
 * Not while it runs.
 */
void pool_start(queue_kind kind, int workers);

/* What the workers did, counted by each and added up at pool_stop. */
struct pool_stats {
    int workers;
    long spawned;     /* go() calls */
    long ran;         /* tasks run to completion */
    long steals;      /* times a worker stole (Go: runqsteal) */
    long stolen;      /* tasks those steals moved */
    long overflows;   /* a full ring moved half to the global queue */
    long global_gets; /* times a worker took from the global queue */
    long parks;       /* times a worker went to sleep for lack of work */
};

/*
 * Wait until every queued task, and every task those spawn, has run; then
 * stop and join the workers and free everything. Fills *stats if not NULL.
 * Not from inside a task (it would wait for itself), and no go() from
 * outside the pool while it stops.
 */
void pool_stop(struct pool_stats *stats);

#endif
