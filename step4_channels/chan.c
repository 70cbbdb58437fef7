/*
 * chan.c: Go's channels and select on OS threads. See chan.h.
 *
 * The teaching version of Go's runtime/chan.go and select.go, with their
 * shape and their names:
 *
 *   hchan          struct chan: a ring buffer, one lock, two wait queues
 *   sendq, recvq   the goroutines blocked sending / receiving on it
 *   sudog          one blocked operation: who waits, where its value is
 *   gopark         here: a thread sleeps on its own condition variable
 *   goready        here: set that thread's flag and signal its condvar
 *   selectgo       chan_select; a plain send or receive is a one-case
 *                  select here (Go goes the other way: its compiler turns
 *                  a one-case select into a plain chansend)
 *
 * So a channel is a mutex, and each blocked goroutine a condvar of its
 * own. Invariants, as in chan.go, among the sudogs still waiting (a
 * queue may also hold sudogs of selects that have already fired on
 * another channel; they are skipped):
 *   - at least one of sendq and recvq is empty, unless one select waits
 *     to send and to receive on the same channel;
 *   - count > 0 implies recvq is empty; count < cap implies sendq is.
 */
#include "chan.h"

#include "common.h"
#include "go.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct sudog sudog;

/* Go: waitq, a doubly linked list of sudogs; guarded by the chan's lock. */
typedef struct waitq {
    sudog *first;
    sudog *last;
} waitq;

/*
 * Go: g, reduced to what parking needs. Here a goroutine is a thread, so
 * each thread gets one g, the first time it parks (getg below). A parked
 * goroutine is its thread asleep on wake, until a goroutine that did the
 * other half of its operation sets ready.
 */
struct g {
    pthread_mutex_t lock; /* guards ready */
    pthread_cond_t wake;
    bool ready;
    /*
     * Go: g.selectDone and g.param. The sudog whose case ran. Whoever
     * sets it first (compare-and-swap from NULL) owns this goroutine's
     * select; every other case of it is then off.
     */
    _Atomic(sudog *) fired;
    struct g *next_free; /* in the free list, once its thread is gone */
};

/*
 * Go: sudog. One case of one blocked goroutine, queued on one channel.
 * A blocked send holds a pointer to the value it sends, a blocked
 * receive a pointer to where its value must go: whoever completes the
 * operation copies the value directly, from one thread's memory into the
 * other's. Lives on the blocked thread's stack.
 */
struct sudog {
    struct g *g;    /* the goroutine to wake */
    void *elem;     /* send: the value; receive: where it goes, or NULL */
    bool success;   /* true: a value passed; false: woken by close */
    int case_index; /* which case of the select this is */
    chan *c;        /* the channel it waits on */
    waitq *queue;   /* the queue that holds it; NULL once dequeued */
    sudog *prev;
    sudog *next;
};

/* Go: hchan. */
struct chan {
    pthread_mutex_t lock; /* guards every field below but refs */
    size_t elem_size;     /* Go: elemsize; 0 is fine (chan struct{}) */
    size_t cap;           /* Go: dataqsiz, slots in buf */
    size_t count;         /* Go: qcount, values in buf */
    size_t sendx;         /* the slot the next buffered send fills */
    size_t recvx;         /* the slot the next buffered receive empties */
    bool closed;
    waitq recvq; /* goroutines blocked receiving */
    waitq sendq; /* goroutines blocked sending */
    atomic_int refs; /* not in Go, which has a garbage collector */
    /* Go: buf. Allocated with the header, as Go does when it can. */
    _Alignas(max_align_t) unsigned char buf[];
};

chan *chan_make(size_t elem_size, size_t cap)
{
    if (elem_size && cap > (SIZE_MAX - sizeof(chan)) / elem_size)
        gopanic("makechan: size out of range");
    chan *c = malloc(sizeof *c + cap * elem_size);
    if (!c)
        die("malloc");
    pthread_mutex_init(&c->lock, NULL);
    c->elem_size = elem_size;
    c->cap = cap;
    c->count = c->sendx = c->recvx = 0;
    c->closed = false;
    c->recvq = c->sendq = (waitq){NULL, NULL};
    atomic_init(&c->refs, 1);
    return c;
}

void chan_free(chan *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1) {
        pthread_mutex_destroy(&c->lock);
        free(c);
    }
}

size_t chan_len(chan *c)
{
    if (!c)
        return 0;
    pthread_mutex_lock(&c->lock); /* Go reads qcount without it */
    size_t n = c->count;
    pthread_mutex_unlock(&c->lock);
    return n;
}

size_t chan_cap(chan *c)
{
    return c ? c->cap : 0;
}

/* ---- values: copies of elem_size bytes; NULL means "drop it" ---- */

static void *slot(chan *c, size_t i)
{
    return c->buf + i * c->elem_size;
}

static void elem_copy(chan *c, void *dst, const void *src)
{
    if (c->elem_size && dst)
        memcpy(dst, src, c->elem_size);
}

static void elem_clear(chan *c, void *dst)
{
    if (c->elem_size && dst)
        memset(dst, 0, c->elem_size);
}

/* ---- parking: a blocked goroutine is a thread asleep on its condvar ---- */

/*
 * A g is never freed: when its thread ends, it goes on a free list for
 * the next thread (Go keeps every g too, and reuses dead ones: gfput,
 * gfget). That lets goready signal the condvar after unlocking, when the
 * goroutine may have woken up and gone: the signal then finds a g that
 * still exists, and at worst wakes its next owner for nothing.
 */
static struct {
    pthread_once_t once;
    pthread_key_t key; /* at thread exit, gfput gets the thread's g */
    pthread_mutex_t lock;
    struct g *free;
} allgs = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local struct g *current_g;

static void gfput(void *p)
{
    struct g *g = p;
    pthread_mutex_lock(&allgs.lock);
    g->next_free = allgs.free;
    allgs.free = g;
    pthread_mutex_unlock(&allgs.lock);
}

static void allgs_init(void)
{
    int err = pthread_key_create(&allgs.key, gfput);
    if (err)
        die_err(err, "pthread_key_create");
}

/* Go: getg. This thread's g: from the free list, or a new one. */
static struct g *getg(void)
{
    if (current_g)
        return current_g;
    pthread_once(&allgs.once, allgs_init);
    pthread_mutex_lock(&allgs.lock);
    struct g *g = allgs.free;
    if (g)
        allgs.free = g->next_free;
    pthread_mutex_unlock(&allgs.lock);
    if (!g) {
        g = malloc(sizeof *g);
        if (!g)
            die("malloc");
        pthread_mutex_init(&g->lock, NULL);
        pthread_cond_init(&g->wake, NULL);
        g->ready = false;
    }
    pthread_setspecific(allgs.key, g);
    return current_g = g;
}

/* Go: gopark. Sleep until goready; returns the sudog whose case ran. */
static sudog *gopark(struct g *g)
{
    pthread_mutex_lock(&g->lock);
    while (!g->ready)
        pthread_cond_wait(&g->wake, &g->lock);
    g->ready = false; /* for the next park */
    pthread_mutex_unlock(&g->lock);
    return atomic_load(&g->fired);
}

/*
 * Go: goready. Wake the goroutine of sg, whose operation the caller has
 * just completed. Call it with no channel locked, as Go does: the woken
 * goroutine may chan_free the channel at once. sg lives on that
 * goroutine's stack, which may be gone once ready is set.
 */
static void goready(sudog *sg)
{
    struct g *g = sg->g;
    pthread_mutex_lock(&g->lock);
    g->ready = true;
    pthread_mutex_unlock(&g->lock);
    /*
     * After unlocking: signalled under the lock, the woken thread would
     * at once block again on the lock we hold (a context switch more).
     */
    pthread_cond_signal(&g->wake);
}

/* A goroutine that nothing can ever wake (nil channel, select {}). */
static _Noreturn void block_forever(void)
{
    for (;;)
        pause();
}

/* ---- wait queues: all under the lock of the channel that owns them ---- */

static void waitq_push(waitq *q, sudog *sg)
{
    sg->queue = q;
    sg->next = NULL;
    sg->prev = q->last;
    if (q->last)
        q->last->next = sg;
    else
        q->first = sg;
    q->last = sg;
}

static void waitq_remove(sudog *sg)
{
    waitq *q = sg->queue;
    if (sg->prev)
        sg->prev->next = sg->next;
    else
        q->first = sg->next;
    if (sg->next)
        sg->next->prev = sg->prev;
    else
        q->last = sg->prev;
    sg->queue = NULL;
}

/*
 * Go: waitq.dequeue. Take the first sudog whose goroutine is still
 * waiting, and claim that goroutine. A select waits on several channels
 * at once, and another channel may have won it a moment ago: its sudog
 * here is stale, and is dropped. (Its owner removes the rest of its
 * sudogs itself once it holds the locks again.)
 */
static sudog *waitq_dequeue(waitq *q)
{
    while (q->first) {
        sudog *sg = q->first;
        waitq_remove(sg);
        sudog *none = NULL;
        if (atomic_compare_exchange_strong(&sg->g->fired, &none, sg))
            return sg;
    }
    return NULL;
}

/* ---- the operations, with c locked: Go's chansend and chanrecv ---- */

/*
 * Go: the part of chansend that does not block. Send *elem on c, locked,
 * if that can be done now: straight to a waiting receiver, else into a
 * free slot of the buffer. Returns false if it would have to wait. A
 * receiver that got the value is left in *wake, to goready once c is
 * unlocked (woken earlier, it could free c while we still hold it).
 */
static bool send_locked(chan *c, const void *elem, sudog **wake)
{
    if (c->closed)
        gopanic("send on closed channel");
    sudog *sg = waitq_dequeue(&c->recvq);
    if (sg) { /* a receiver waits: copy into its variable */
        elem_copy(c, sg->elem, elem);
        sg->success = true;
        *wake = sg;
        return true;
    }
    if (c->count < c->cap) { /* room in the buffer */
        elem_copy(c, slot(c, c->sendx), elem);
        c->sendx = (c->sendx + 1) % c->cap;
        c->count++;
        return true;
    }
    return false;
}

/*
 * Go: the part of chanrecv that does not block. Receive from c, locked,
 * into elem (may be NULL) if that can be done now; *ok is false for the
 * zero value of a closed, drained channel. Returns false if it would
 * have to wait. A sender to wake is left in *wake, as by send_locked.
 */
static bool recv_locked(chan *c, void *elem, bool *ok, sudog **wake)
{
    sudog *sg = waitq_dequeue(&c->sendq);
    if (sg) {
        if (c->cap == 0) { /* unbuffered: take the sender's value */
            elem_copy(c, elem, sg->elem);
        } else { /* full: take the head, the sender's value goes last */
            elem_copy(c, elem, slot(c, c->recvx));
            elem_copy(c, slot(c, c->recvx), sg->elem);
            c->recvx = (c->recvx + 1) % c->cap;
            c->sendx = c->recvx;
        }
        sg->success = true;
        *wake = sg;
        *ok = true;
        return true;
    }
    if (c->count > 0) { /* a value in the buffer */
        elem_copy(c, elem, slot(c, c->recvx));
        c->recvx = (c->recvx + 1) % c->cap;
        c->count--;
        *ok = true;
        return true;
    }
    if (c->closed) { /* closed and drained: zero, ok = false */
        elem_clear(c, elem);
        *ok = false;
        return true;
    }
    return false;
}

void chan_close(chan *c)
{
    if (!c)
        gopanic("close of nil channel");
    pthread_mutex_lock(&c->lock);
    if (c->closed)
        gopanic("close of closed channel");
    c->closed = true;
    /*
     * Take every waiter off. As Go does, gather them in a list (through
     * their own next) and wake them once c is unlocked.
     */
    sudog *wake = NULL, *sg;
    while ((sg = waitq_dequeue(&c->recvq))) {
        elem_clear(c, sg->elem); /* receivers get zero, ok = false */
        sg->success = false;
        sg->next = wake;
        wake = sg;
    }
    while ((sg = waitq_dequeue(&c->sendq))) { /* senders will panic */
        sg->success = false;
        sg->next = wake;
        wake = sg;
    }
    pthread_mutex_unlock(&c->lock);
    while (wake) {
        sg = wake;
        wake = sg->next; /* before goready: sg may be gone after it */
        goready(sg);
    }
}

/* ---- select ---- */

/*
 * Go: cheaprandn (fastrandn before Go 1.22). A random number in [0, n):
 * xorshift64* per thread, seeded from the clock and the thread, scaled
 * to n by multiplying instead of by %, which would favour small values.
 */
static uint32_t fastrandn(uint32_t n)
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

static bool chan_before(const chan *a, const chan *b)
{
    return (uintptr_t)a < (uintptr_t)b;
}

/*
 * Go: sellock and selunlock. Lock the channels of cases[lockorder[0..n)]
 * (sorted by address, so two selects never wait for each other's locks)
 * each once, even when it appears in several cases; unlock in reverse.
 */
static void sellock(select_case *cases, const int *lockorder, int n)
{
    for (int i = 0; i < n; i++) {
        chan *c = cases[lockorder[i]].c;
        if (i == 0 || c != cases[lockorder[i - 1]].c)
            pthread_mutex_lock(&c->lock);
    }
}

static void selunlock(select_case *cases, const int *lockorder, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        chan *c = cases[lockorder[i]].c;
        if (i == 0 || c != cases[lockorder[i - 1]].c)
            pthread_mutex_unlock(&c->lock);
    }
}

/*
 * Go: the start of selectgo, before its pass 1. Fill pollorder with the
 * cases to look at, in a random order (a case on a nil channel is never
 * ready, so it is left out), and lockorder with the same cases sorted by
 * channel address (Go: a heap sort). Returns how many cases each holds.
 */
static int select_order(select_case *cases, int n, int *pollorder,
                        int *lockorder)
{
    int norder = 0;
    for (int i = 0; i < n; i++) {
        if (!cases[i].c)
            continue;
        int j = (int)fastrandn((uint32_t)norder + 1);
        pollorder[norder] = pollorder[j];
        pollorder[j] = i;
        norder++;
    }
    for (int i = 0; i < norder; i++) {
        int k = pollorder[i], j = i;
        for (; j > 0 && chan_before(cases[k].c, cases[lockorder[j - 1]].c);
             j--)
            lockorder[j] = lockorder[j - 1];
        lockorder[j] = k;
    }
    return norder;
}

/*
 * Pass 1. With every case's channel locked: run the first case, in poll
 * order, that can run now, and return its index, leaving in *wake the
 * goroutine it completed, if any, to goready once the channels are
 * unlocked. Returns -1 if no case can run. The locks stay held.
 */
static int select_ready(select_case *cases, const int *pollorder,
                        int norder, sudog **wake)
{
    for (int i = 0; i < norder; i++) {
        select_case *sc = &cases[pollorder[i]];
        if (sc->dir == SELECT_SEND
                ? send_locked(sc->c, sc->elem, wake)
                : recv_locked(sc->c, sc->elem, &sc->ok, wake))
            return pollorder[i];
    }
    return -1;
}

/*
 * Passes 2 and 3. With every case's channel locked and no case ready:
 * queue a sudog (from sudogs) on every channel, unlock them all and park
 * until another goroutine completes one of the cases. Then take the
 * sudogs that did not fire off their queues. Returns the one that fired;
 * the channels are unlocked.
 */
static sudog *select_park(select_case *cases, const int *lockorder,
                          int norder, sudog *sudogs)
{
    struct g *g = getg();
    atomic_store(&g->fired, NULL);
    for (int i = 0; i < norder; i++) {
        select_case *sc = &cases[lockorder[i]];
        sudog *sg = &sudogs[i];
        *sg = (sudog){.g = g, .elem = sc->elem, .case_index = lockorder[i],
                      .c = sc->c};
        waitq_push(sc->dir == SELECT_SEND ? &sc->c->sendq : &sc->c->recvq,
                   sg);
        atomic_fetch_add(&sc->c->refs, 1); /* dropped below */
    }
    selunlock(cases, lockorder, norder);
    sudog *fired = gopark(g);

    if (norder > 1) { /* with one case, its waker dequeued it */
        sellock(cases, lockorder, norder);
        for (int i = 0; i < norder; i++)
            if (&sudogs[i] != fired && sudogs[i].queue)
                waitq_remove(&sudogs[i]);
        selunlock(cases, lockorder, norder);
    }
    /*
     * Each queued sudog held a reference to its channel, as a sudog
     * keeps its hchan alive for Go's garbage collector: the goroutine
     * that woke us may have called chan_free already.
     */
    for (int i = 0; i < norder; i++)
        chan_free(sudogs[i].c);
    return fired;
}

/*
 * Go: selectgo. pollorder, lockorder and sudogs have room for n each.
 * Returns the index of the case that ran, or -1 (!block, none ready).
 */
static int selectgo(select_case *cases, int n, bool block, int *pollorder,
                    int *lockorder, sudog *sudogs)
{
    int norder = select_order(cases, n, pollorder, lockorder);
    if (norder == 0) {
        if (!block)
            return -1;
        block_forever(); /* select {}, or only nil channels */
    }
    sellock(cases, lockorder, norder);
    sudog *wake = NULL;
    int chosen = select_ready(cases, pollorder, norder, &wake);
    if (chosen >= 0 || !block) {
        selunlock(cases, lockorder, norder);
        if (wake)
            goready(wake);
        return chosen;
    }

    sudog *fired = select_park(cases, lockorder, norder, sudogs);
    select_case *sc = &cases[fired->case_index];
    if (sc->dir == SELECT_RECV)
        sc->ok = fired->success;
    else if (!fired->success) /* woken by close */
        gopanic("send on closed channel");
    return fired->case_index;
}

/* Selects up to this size keep their bookkeeping on the stack. */
enum { CASES_ON_STACK = 4 };

int chan_select(select_case *cases, int n, bool has_default)
{
    if (n < 0)
        n = 0;
    int small_order[2 * CASES_ON_STACK];
    sudog small_sudogs[CASES_ON_STACK];
    int *order = small_order;
    sudog *sudogs = small_sudogs;
    if (n > CASES_ON_STACK) {
        order = malloc(2 * (size_t)n * sizeof *order);
        sudogs = malloc((size_t)n * sizeof *sudogs);
        if (!order || !sudogs)
            die("malloc");
    }
    int chosen = selectgo(cases, n, !has_default, order, order + n, sudogs);
    if (n > CASES_ON_STACK) {
        free(order);
        free(sudogs);
    }
    return chosen;
}

/* ---- send and receive: one-case selects ---- */

void chan_send(chan *c, const void *elem)
{
    select_case sc = SEND_CASE(c, elem);
    chan_select(&sc, 1, false);
}

bool chan_recv(chan *c, void *elem)
{
    select_case sc = RECV_CASE(c, elem);
    chan_select(&sc, 1, false);
    return sc.ok;
}

bool chan_try_send(chan *c, const void *elem)
{
    select_case sc = SEND_CASE(c, elem);
    return chan_select(&sc, 1, true) == 0;
}

bool chan_try_recv(chan *c, void *elem, bool *ok)
{
    select_case sc = RECV_CASE(c, elem);
    bool done = chan_select(&sc, 1, true) == 0;
    if (ok)
        *ok = done && sc.ok;
    return done;
}

/* ---- time_after: one timer thread for all pending timers ---- */

/*
 * Go keeps timers in a heap per P, run by the scheduler itself. Here one
 * thread sleeps until the earliest timer is due, on a sorted list (a
 * teaching shortcut: adding a timer is O(timers pending)).
 */
struct timer {
    int64_t when; /* on now_ns()'s clock */
    chan *c;      /* holds a reference until the timer fires */
    struct timer *next;
};

static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a new timer is first; CLOCK_MONOTONIC */
    struct timer *first;    /* sorted by when */
} timers = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

/* The timer goroutine: fires each timer when due, forever. */
static void timer_loop(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&timers.lock);
    for (;;) {
        struct timer *t = timers.first;
        if (!t) {
            pthread_cond_wait(&timers.changed, &timers.lock);
        } else if (t->when > now_ns()) {
            struct timespec until = {t->when / 1000000000,
                                     t->when % 1000000000};
            pthread_cond_timedwait(&timers.changed, &timers.lock, &until);
        } else {
            timers.first = t->next;
            pthread_mutex_unlock(&timers.lock);
            int64_t now = now_ns();
            chan_try_send(t->c, &now); /* cap 1, sent once: room */
            chan_free(t->c);
            free(t);
            pthread_mutex_lock(&timers.lock);
        }
    }
}

static void timers_start(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&timers.changed, &attr);
    pthread_condattr_destroy(&attr);
    go_spawn(timer_loop, NULL, 0);
}

chan *time_after(int64_t ns)
{
    chan *c = chan_make(sizeof(int64_t), 1);
    struct timer *t = malloc(sizeof *t);
    if (!t)
        die("malloc");
    atomic_fetch_add(&c->refs, 1); /* the timer's reference */
    int64_t now = now_ns();
    *t = (struct timer){ns < INT64_MAX - now ? now + ns : INT64_MAX, c, NULL};

    pthread_once(&timers.once, timers_start);
    pthread_mutex_lock(&timers.lock);
    struct timer **p = &timers.first;
    while (*p && (*p)->when <= t->when)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    if (timers.first == t)
        pthread_cond_signal(&timers.changed);
    pthread_mutex_unlock(&timers.lock);
    return c;
}
