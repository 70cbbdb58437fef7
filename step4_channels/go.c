/*
 * go.c: goroutines as OS threads, each with its G. See go.h, runtime.h.
 *
 * Each go() is one pthread_create: the thread is the goroutine. It costs
 * a kernel thread, a pid and a stack of 8 MiB of address space (glibc's
 * default), which is why main.c hits a wall at a few thousand goroutines.
 * Go's runtime.newproc instead allocates a g with a 2 KiB stack and puts
 * it on a run queue; step 5 does that.
 *
 * What chan.c and sync.c know of a goroutine is its G (runtime.h): the
 * thread's own record, which park.c puts to sleep and wakes up. A G is
 * never freed. When its thread ends it goes on a free list, and the next
 * new thread takes it (Go keeps every g too, and reuses dead ones: gfput,
 * gfget): goready may still touch a G after its goroutine has woken up
 * and gone (park.c), and then finds memory that is still a G.
 */
#include "runtime.h"

#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct {
    pthread_once_t once;
    pthread_key_t key;    /* at thread exit, gfput gets the thread's G */
    pthread_mutex_t lock; /* guards free */
    G *free;              /* Gs of threads that have ended (Go: gFree) */
    atomic_llong goidgen; /* the last goroutine id given out */
} allgs = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER,
           .goidgen = 1}; /* 1 is main's */

static _Thread_local G *current_g;

/* A thread's destructor for its G (the key's): the G becomes free. */
static void gfput(void *p)
{
    G *g = p;
    atomic_store_explicit(&g->status, G_DEAD, memory_order_relaxed);
    pthread_mutex_lock(&allgs.lock);
    g->schedlink = allgs.free;
    allgs.free = g;
    pthread_mutex_unlock(&allgs.lock);
}

static void allgs_init(void)
{
    int err = pthread_key_create(&allgs.key, gfput);
    if (err)
        die_err(err, "pthread_key_create");
}

/* A G for a new goroutine numbered id: a free one, or a new one. */
static G *gfget(int64_t id)
{
    pthread_once(&allgs.once, allgs_init);
    pthread_mutex_lock(&allgs.lock);
    G *g = allgs.free;
    if (g)
        allgs.free = g->schedlink;
    pthread_mutex_unlock(&allgs.lock);
    if (!g) {
        g = calloc(1, sizeof *g);
        if (!g)
            fatal("out of memory (G)");
    }
    g->schedlink = NULL;
    g->id = id;
    atomic_store_explicit(&g->status, G_RUNNING, memory_order_relaxed);
    return g;
}

/* The calling thread's G is g from now on, until the thread ends. */
static void setg(G *g)
{
    current_g = g;
    pthread_setspecific(allgs.key, g);
}

G *getg(void)
{
    return current_g;
}

void runtime_start(void)
{
    if (current_g)
        return;
    /* The process's first thread (its id is the pid) runs main. */
    bool is_main = syscall(SYS_gettid) == getpid();
    setg(gfget(is_main ? 1 : atomic_fetch_add(&allgs.goidgen, 1) + 1));
}

/* What a new thread needs: the function, its G, its own copy of arg. */
struct go_start {
    void (*fn)(void *);
    G *g;
    max_align_t arg[]; /* the copy; max_align_t aligns it for any type */
};

static void *go_thread(void *p)
{
    struct go_start *start = p;
    setg(start->g);
    start->fn(start->arg);
    free(start);
    return NULL; /* the thread ends: gfput frees its G */
}

void go_spawn(void (*fn)(void *), const void *arg, size_t size)
{
    struct go_start *start = malloc(sizeof *start + size);
    if (!start)
        fatal("out of memory (go)");
    start->fn = fn;
    start->g = gfget(atomic_fetch_add(&allgs.goidgen, 1) + 1);
    if (size)
        memcpy(start->arg, arg, size);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* Nobody joins a goroutine: its thread frees itself when fn returns. */
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int err = pthread_create(&thread, &attr, go_thread, start);
    pthread_attr_destroy(&attr);
    if (err)
        die_err(err, "pthread_create");
}

void gosched(void)
{
    sched_yield();
}

/* Go: time.Sleep parks the goroutine on a timer; a thread can just
   sleep. */
void time_sleep(int64_t ns)
{
    if (ns <= 0)
        return;
    struct timespec left = {ns / 1000000000, ns % 1000000000};
    while (nanosleep(&left, &left) != 0)
        if (errno != EINTR)
            die("nanosleep");
}

/* Both end the process at once, as Go does: _exit, not exit, as other
   goroutines are still running and Go runs no deferred calls of theirs
   either (exit would also start the leak checker of a sanitizer build on
   a half-finished program). */
void fatal(const char *fmt, ...)
{
    fflush(stdout);
    va_list ap;
    va_start(ap, fmt);
    fputs("fatal error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    _exit(2);
}

void gopanic(const char *msg)
{
    fflush(stdout);
    runtime_start(); /* a thread that never waited has no G yet */
    fprintf(stderr, "panic: %s\n\ngoroutine %lld [running]:\n", msg,
            (long long)getg()->id);
    _exit(2);
}

/*
 * xorshift64* per thread, seeded from the clock and the thread, scaled
 * to n by multiplying instead of by %, which would favour small values.
 */
uint32_t fastrandn(uint32_t n)
{
    static _Thread_local uint64_t state;
    if (state == 0)
        state = ((uint64_t)now_ns() ^ (uintptr_t)&state) | 1;
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    uint32_t r = (uint32_t)((state * 0x2545F4914F6CDD1DULL) >> 32);
    return (uint32_t)(((uint64_t)r * n) >> 32);
}
