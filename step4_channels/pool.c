/*
 * pool.c: step 3's pool in miniature. See pool.h.
 *
 * A task runs on its worker until it returns. A task that blocks (in a
 * channel operation, say) keeps its worker blocked too: nothing else runs
 * there meanwhile. Go's scheduler would park the goroutine and run the
 * next one on that thread (runtime.gopark, runtime.schedule).
 */
#include "pool.h"

#include "common.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct task {
    void (*fn)(void *);
    struct task *next;
    max_align_t arg[]; /* the copy; max_align_t aligns it for any type */
};

static struct {
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t work;  /* a task was queued, or stopping was set */
    struct task *head, *tail;
    int queued;  /* tasks in the queue */
    int running; /* tasks on a worker */
    bool stopping;
    int nworkers;
    pthread_t *workers;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER};

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (!pool.head && !pool.stopping)
            pthread_cond_wait(&pool.work, &pool.lock);
        struct task *t = pool.head;
        if (!t)
            break; /* stopping, and nothing left to run */
        pool.head = t->next;
        if (!pool.head)
            pool.tail = NULL;
        pool.queued--;
        pool.running++;
        pthread_mutex_unlock(&pool.lock);
        t->fn(t->arg);
        free(t);
        pthread_mutex_lock(&pool.lock);
        pool.running--;
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

void pool_start(int workers)
{
    pool.stopping = false;
    pool.nworkers = workers;
    pool.workers = malloc((size_t)workers * sizeof *pool.workers);
    if (!pool.workers)
        die("malloc");
    for (int i = 0; i < workers; i++) {
        int err = pthread_create(&pool.workers[i], NULL, worker, NULL);
        if (err)
            die_err(err, "pthread_create");
    }
}

void pool_spawn(void (*fn)(void *), const void *arg, size_t size)
{
    struct task *t = malloc(sizeof *t + size);
    if (!t)
        die("malloc");
    t->fn = fn;
    t->next = NULL;
    if (size)
        memcpy(t->arg, arg, size);
    pthread_mutex_lock(&pool.lock);
    if (pool.tail)
        pool.tail->next = t;
    else
        pool.head = t;
    pool.tail = t;
    pool.queued++;
    pthread_cond_signal(&pool.work);
    pthread_mutex_unlock(&pool.lock);
}

void pool_counts(int *running, int *queued)
{
    pthread_mutex_lock(&pool.lock);
    *running = pool.running;
    *queued = pool.queued;
    pthread_mutex_unlock(&pool.lock);
}

void pool_stop(void)
{
    pthread_mutex_lock(&pool.lock);
    pool.stopping = true;
    pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.lock);
    for (int i = 0; i < pool.nworkers; i++) {
        int err = pthread_join(pool.workers[i], NULL);
        if (err)
            die_err(err, "pthread_join");
    }
    free(pool.workers);
    pool.workers = NULL;
}
