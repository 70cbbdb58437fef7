/*
 * runq.c: run queues (Go: runqput, runqget, runqsteal, globrunqput and
 * globrunqget, in runtime/proc.go).
 *
 * Each P has a ring of RUNQ_SIZE runnable Gs plus a runnext slot; the
 * global queue (sched.runq) takes what a full ring spills and what is
 * readied where there is no P. Who touches them:
 *   a P's ring   the M holding the P (put, get) and thieves, Ms holding
 *                other Ps (runqsteal): under the P's runqlock;
 *   the global   any M, under sched.lock.
 *
 * Where we differ from Go, on purpose: the ring is under a spin lock, and
 * its owner takes it LIFO (newest first), thieves FIFO (oldest half). Go's
 * ring is lock-free and FIFO for its owner too. LIFO keeps a tree of
 * goroutines (skynet) depth-first: few of them alive at once, a hot
 * cache. The scheduler's every 61st pick is FIFO (switch_to_next in sched.c),
 * so that no runnable G waits for ever.
 */
#include "runtime.h"
#include "trace.h"

#include "common.h"

#include <unistd.h>

/* Keep nrunq, the count that others read without the lock, in step.
   order: memory_order_seq_cst where the store is the first half of
   wakep's handshake (sched.c), relaxed elsewhere. */
static void runq_count(P *p, memory_order order)
{
    atomic_store_explicit(&p->nrunq,
                          p->runqtail - p->runqhead + (p->runnext != NULL),
                          order);
}

/*
 * With GOMAXPROCS=1 there are no thieves, and the one P goes from M to M
 * only through sched.lock; so the lock is skipped. Its atomic exchange,
 * twice per switch, made a gosched at GOMAXPROCS=1 16.2 ns instead of
 * 14.7 (best of 7 runs each, interleaved): step 6's gosched ratio at P=1
 * moves by 10 %. Go's lock-free ring pays a CAS instead.
 */
static void runq_lock(P *p)
{
    if (sched.nprocs > 1)
        spin_lock(&p->runqlock);
}

static void runq_unlock(P *p)
{
    if (sched.nprocs > 1)
        spin_unlock(&p->runqlock);
}

/* Put the n Gs linked from head to tail (by schedlink) at the global
   queue's tail. Go: globrunqputbatch. */
static void globrunqputbatch(G *head, G *tail, int n)
{
    tail->schedlink = NULL;
    pthread_mutex_lock(&sched.lock);
    if (sched.runqtail)
        sched.runqtail->schedlink = head;
    else
        sched.runqhead = head;
    sched.runqtail = tail;
    atomic_fetch_add(&sched.runqsize, n);
    pthread_mutex_unlock(&sched.lock);
}

void globrunqput(G *g)
{
    globrunqputbatch(g, g, 1);
}

/* The local ring is full: move its older half and g to the global queue.
   p's run queue locked. Go: runqputslow. */
static void runqputslow(P *p, G *g)
{
    G *head = p->runq[p->runqhead % RUNQ_SIZE], *tail = head;
    p->runqhead++;
    for (int i = 1; i < RUNQ_SIZE / 2; i++) {
        tail->schedlink = p->runq[p->runqhead++ % RUNQ_SIZE];
        tail = tail->schedlink;
    }
    tail->schedlink = g;
    globrunqputbatch(head, g, RUNQ_SIZE / 2 + 1);
}

void runqput(P *p, G *g, bool next)
{
    runq_lock(p);
    if (next) {
        G *old = p->runnext;
        p->runnext = g;
        g = old;
    }
    if (g) {
        if (p->runqtail - p->runqhead < RUNQ_SIZE)
            p->runq[p->runqtail++ % RUNQ_SIZE] = g;
        else
            runqputslow(p, g);
    }
    runq_count(p, memory_order_seq_cst); /* then wakep: see there */
    runq_unlock(p);
}

void runqput_oldest(P *p, G *g)
{
    runq_lock(p);
    if (p->runqtail - p->runqhead < RUNQ_SIZE)
        p->runq[--p->runqhead % RUNQ_SIZE] = g;
    else
        runqputslow(p, g);
    runq_count(p, memory_order_relaxed);
    runq_unlock(p);
}

G *runqget(P *p, bool oldest)
{
    if (atomic_load_explicit(&p->nrunq, memory_order_relaxed) == 0)
        return NULL;
    runq_lock(p);
    G *g = NULL;
    if (oldest && p->runqtail != p->runqhead)
        g = p->runq[p->runqhead++ % RUNQ_SIZE];
    else if (p->runnext) {
        g = p->runnext;
        p->runnext = NULL;
    } else if (p->runqtail != p->runqhead)
        g = p->runq[--p->runqtail % RUNQ_SIZE];
    runq_count(p, memory_order_relaxed);
    runq_unlock(p);
    return g;
}

/* Put n Gs at the newest end of p's ring, under one lock (they come from
   the global queue or a victim's ring, because p's was empty). */
static void runqput_batch(P *p, G *const *batch, int n)
{
    runq_lock(p);
    for (int i = 0; i < n; i++) {
        if (p->runqtail - p->runqhead < RUNQ_SIZE)
            p->runq[p->runqtail++ % RUNQ_SIZE] = batch[i];
        else
            runqputslow(p, batch[i]);
    }
    runq_count(p, memory_order_relaxed);
    runq_unlock(p);
}

/*
 * A batch (up to half a ring, and a fair share of the queue) only when
 * p's queue is empty, as Go's findRunnable; one G otherwise, as Go's
 * schedule() does on its 61st tick. A batch poured into a ring that is
 * nearly full would spill back to the global queue: skynet once moved
 * 4.6 million Gs back and forth so, and two Ps queued for sched.lock.
 */
G *globrunqget(P *p)
{
    if (atomic_load_explicit(&sched.runqsize, memory_order_relaxed) == 0)
        return NULL;
    int max = atomic_load_explicit(&p->nrunq, memory_order_relaxed) == 0
                  ? RUNQ_SIZE / 2
                  : 1;
    G *batch[RUNQ_SIZE / 2];
    pthread_mutex_lock(&sched.lock);
    int size = atomic_load(&sched.runqsize);
    int n = size / sched.nprocs + 1;
    if (n > size)
        n = size;
    if (n > max)
        n = max;
    for (int i = 0; i < n; i++) {
        batch[i] = sched.runqhead;
        sched.runqhead = sched.runqhead->schedlink;
    }
    if (!sched.runqhead)
        sched.runqtail = NULL;
    atomic_store(&sched.runqsize, size - n);
    pthread_mutex_unlock(&sched.lock);
    if (n == 0)
        return NULL;
    runqput_batch(p, batch + 1, n - 1);
    return batch[0];
}

/*
 * Take the older half of victim's ring into p's; return one G to run.
 * runnext too, only when stealnext (the last round, as Go: the victim is
 * likely about to run it).
 */
G *runqsteal(P *p, P *victim, bool stealnext)
{
    if (atomic_load_explicit(&victim->nrunq, memory_order_relaxed) == 0)
        return NULL;
    spin_lock(&victim->runqlock);
    uint32_t n = victim->runqtail - victim->runqhead;
    if (n == 0 && stealnext && victim->runnext) {
        /* Go: runqgrab. victim's runnext was most likely readied by a
           goroutine about to park (a channel hand-off): its M runs it in
           a moment. Taking it moved one of a ping-ponging pair to our
           thread after every wake-up; the wait also keeps us spinning, so
           wakep wakes no one meanwhile. Go's 3 us (Linux: 50 us or more,
           the timer slack) took an unbuffered ping-pong at GOMAXPROCS=2
           from 25,000 futex wake-ups per million round trips to a few
           hundred, and from 170 to 87 ns per round trip (measured). */
        spin_unlock(&victim->runqlock);
        usleep(3);
        spin_lock(&victim->runqlock);
        n = victim->runqtail - victim->runqhead;
    }
    G *batch[RUNQ_SIZE / 2 + 1];
    n -= n / 2;
    for (uint32_t i = 0; i < n; i++)
        batch[i] = victim->runq[victim->runqhead++ % RUNQ_SIZE];
    if (n == 0 && stealnext && victim->runnext) {
        batch[n++] = victim->runnext;
        victim->runnext = NULL;
    }
    runq_count(victim, memory_order_relaxed);
    spin_unlock(&victim->runqlock);
    if (n == 0)
        return NULL;
    if (trace.enabled)
        trace_steal(victim, batch[0], (int)n);
    runqput_batch(p, batch + 1, (int)n - 1);
    atomic_fetch_add_explicit(&sched.steals, n, memory_order_relaxed);
    return batch[0];
}
