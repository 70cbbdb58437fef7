/*
 * sync.c: WaitGroup and Mutex on gopark/goready (Go: sync.WaitGroup,
 * sync.Mutex, both built on runtime semaphores, sema.go).
 *
 * The same file in steps 4 and 5: a goroutine that must wait puts its G
 * on a list and parks; whoever ends the wait readies it. What parking
 * does to the thread is the runtime's business (runtime.h). The wait
 * lists are linked through g->schedlink, free while a G is parked.
 */
#include "runtime.h"

void wg_init(waitgroup *wg)
{
    *wg = (waitgroup){0};
}

void wg_add(waitgroup *wg, int delta)
{
    spin_lock(&wg->lock);
    wg->count += delta;
    if (wg->count < 0) {
        spin_unlock(&wg->lock);
        gopanic("sync: negative WaitGroup counter");
    }
    G *ready = NULL;
    if (wg->count == 0) {
        ready = wg->waiters;
        wg->waiters = NULL;
    }
    spin_unlock(&wg->lock);
    while (ready) {
        G *next = ready->schedlink; /* goready reuses schedlink */
        goready(ready);
        ready = next;
    }
}

void wg_done(waitgroup *wg)
{
    wg_add(wg, -1);
}

void wg_wait(waitgroup *wg)
{
    spin_lock(&wg->lock);
    if (wg->count == 0) {
        spin_unlock(&wg->lock);
        return;
    }
    runtime_start();
    G *g = getg();
    g->schedlink = wg->waiters;
    wg->waiters = g;
    gopark(unlock_after_park, &wg->lock, "sync.WaitGroup.Wait");
}

void mutex_init(mutex *mu)
{
    *mu = (mutex){0};
}

void mutex_lock(mutex *mu)
{
    spin_lock(&mu->lock);
    if (!mu->locked) {
        mu->locked = true;
        spin_unlock(&mu->lock);
        return;
    }
    runtime_start();
    G *g = getg();
    g->schedlink = NULL;
    if (mu->tail)
        mu->tail->schedlink = g;
    else
        mu->head = g;
    mu->tail = g;
    gopark(unlock_after_park, &mu->lock, "sync.Mutex.Lock");
    /* mutex_unlock handed the mutex to us: it is still locked, ours. */
}

void mutex_unlock(mutex *mu)
{
    spin_lock(&mu->lock);
    if (!mu->locked) {
        spin_unlock(&mu->lock);
        fatal("sync: unlock of unlocked mutex");
    }
    G *next = mu->head;
    if (next) {
        mu->head = next->schedlink;
        if (!mu->head)
            mu->tail = NULL;
    } else {
        mu->locked = false;
    }
    spin_unlock(&mu->lock);
    if (next)
        goready(next);
}
