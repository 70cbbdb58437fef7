/*
 * chan.c: Go's channels and select on goroutines (Go: runtime/chan.go,
 * runtime/select.go), with step 4's API.
 *
 * Step 4 blocked a thread on a condition variable. Here a goroutine that
 * must wait puts a sudog (a "G waiting on this channel") in the channel's
 * sendq or recvq and parks; its thread runs other goroutines. Three
 * players, as in Go: the sender, the receiver and the channel.
 *
 * Invariants (as runtime/chan.go states them):
 *   at least one of sendq and recvq is empty (a waiting sender and a
 *   waiting receiver would have met);
 *   a buffered channel has waiting senders only when its buffer is full,
 *   waiting receivers only when it is empty.
 *
 * A send to a parked receiver copies the value straight into the
 * receiver's variable and readies it (Go: send + goready): no trip
 * through the buffer, one switch later the receiver runs with its value.
 */
#include "chan.h"
#include "runtime.h"

#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Go: sudog. Lives on the waiting goroutine's stack, which stays put
   while it is parked. */
typedef struct sudog {
    G *g;
    struct sudog *next, *prev; /* in the channel's sendq or recvq */
    chan *c;
    void *elem;       /* send: the value; recv: where it goes (or NULL) */
    bool is_select;   /* part of a select: claim g->selectdone first */
    bool success;     /* true: a peer completed us; false: closed */
    int index;        /* select: the case it stands for */
} sudog;

typedef struct waitq { /* Go: waitq */
    sudog *first, *last;
} waitq;

struct chan { /* Go: hchan */
    spinlock lock;    /* guards everything below */
    size_t qcount;    /* values in the buffer */
    size_t dataqsiz;  /* its capacity */
    size_t elemsize;
    char *buf;        /* dataqsiz slots of elemsize bytes */
    size_t sendx;     /* next slot to send into */
    size_t recvx;     /* next slot to receive from */
    bool closed;
    waitq recvq;      /* parked receivers */
    waitq sendq;      /* parked senders */
    atomic_int refs;  /* chan_free's reference + a pending timer's */
};

chan *chan_make(size_t elem_size, size_t cap)
{
    chan *c = calloc(1, sizeof *c);
    if (!c || (elem_size && cap && !(c->buf = calloc(cap, elem_size)))) {
        fprintf(stderr, "fatal error: out of memory (chan_make)\n");
        exit(2);
    }
    c->dataqsiz = cap;
    c->elemsize = elem_size;
    atomic_init(&c->refs, 1);
    return c;
}

void chan_free(chan *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1) {
        free(c->buf);
        free(c);
    }
}

/*
 * Copy one element (from NULL: zero it). A memcpy whose size the compiler
 * knows is one move; with a size known only at run time it is a call into
 * libc's general copy, and that call was half the time of a buffered send
 * + receive of a long here (15 -> 8 ns per value, measured). So 8 bytes
 * (long, double, a pointer) has a line of its own.
 */
static void copy_elem(chan *c, void *to, const void *from)
{
    if (c->elemsize == 0 || !to)
        return;
    if (!from)
        memset(to, 0, c->elemsize);
    else if (c->elemsize == 8)
        memcpy(to, from, 8);
    else
        memcpy(to, from, c->elemsize);
}

static char *slot(chan *c, size_t i)
{
    /* buf is NULL for zero-size elements, and NULL + 0 is undefined */
    return c->elemsize ? c->buf + i * c->elemsize : c->buf;
}

static void enqueue(waitq *q, sudog *s)
{
    s->next = NULL;
    s->prev = q->last;
    if (q->last)
        q->last->next = s;
    else
        q->first = s;
    q->last = s;
}

/* Take s out of q; nothing if it was taken out already (Go:
   dequeueSudoG). A sudog out of its queue has next = prev = NULL. */
static void unlink_sudog(waitq *q, sudog *s)
{
    if (!s->prev && q->first != s)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        q->first = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        q->last = s->prev;
    s->next = s->prev = NULL;
}

/* Go: waitq.dequeue. The first sudog we may complete: a select's sudog
   only if we are first to claim its G (it waits on other channels too,
   and exactly one of them may fire). c->lock held. */
static sudog *dequeue_first(waitq *q)
{
    for (sudog *s = q->first; s; s = q->first) {
        unlink_sudog(q, s);
        if (s->is_select) {
            int zero = 0;
            if (!atomic_compare_exchange_strong(&s->g->selectdone, &zero, 1))
                continue; /* that select was won elsewhere */
            s->g->param = s;
        }
        return s;
    }
    return NULL;
}

/* Most calls find the queue empty: that much is inlined (with copy_elem's
   8-byte line, ping-pong went from 79 to 69 ns per round trip, measured). */
static inline sudog *dequeue(waitq *q)
{
    return q->first ? dequeue_first(q) : NULL;
}

static void unlock_chan(G *g, void *c)
{
    (void)g;
    spin_unlock(&((chan *)c)->lock);
}

static void no_unlock(G *g, void *arg)
{
    (void)g, (void)arg;
}

/* Park for ever: a nil channel, select {}. Only a deadlock report (or
   the end of main) ends it. */
_Noreturn static void block_forever(const char *reason)
{
    for (;;)
        gopark(no_unlock, NULL, reason);
}

/* Go: chansend. block: false for chan_try_send. */
static bool chansend(chan *c, const void *elem, bool block)
{
    if (!c) {
        if (!block)
            return false;
        block_forever("chan send (nil chan)");
    }
    spin_lock(&c->lock);
    if (c->closed) {
        spin_unlock(&c->lock);
        gopanic("send on closed channel");
    }
    sudog *r = dequeue(&c->recvq);
    if (r) { /* a receiver waits: hand the value over (Go: send) */
        copy_elem(c, r->elem, elem);
        r->success = true;
        spin_unlock(&c->lock);
        goready(r->g);
        return true;
    }
    if (c->qcount < c->dataqsiz) {
        copy_elem(c, slot(c, c->sendx), elem);
        c->sendx = (c->sendx + 1) % c->dataqsiz;
        c->qcount++;
        spin_unlock(&c->lock);
        return true;
    }
    if (!block) {
        spin_unlock(&c->lock);
        return false;
    }
    runtime_start();
    sudog s = {.g = getg(), .c = c, .elem = (void *)elem};
    enqueue(&c->sendq, &s);
    gopark(unlock_chan, c, "chan send");
    if (!s.success)
        gopanic("send on closed channel");
    return true;
}

/* Receive from a parked sender s (Go: recv). c->lock held. Unbuffered:
   take s's value. Buffered (so full): take the oldest value, and put s's
   at the tail, where the freed slot now is. */
static void recv_from(chan *c, sudog *s, void *elem)
{
    if (c->dataqsiz == 0) {
        copy_elem(c, elem, s->elem);
    } else {
        copy_elem(c, elem, slot(c, c->recvx));
        copy_elem(c, slot(c, c->recvx), s->elem);
        c->recvx = (c->recvx + 1) % c->dataqsiz;
        c->sendx = c->recvx;
    }
    s->success = true;
}

/* Go: chanrecv. Returns whether a value was received (*ok: not closed).
   block: false for chan_try_recv. */
static bool chanrecv(chan *c, void *elem, bool *ok, bool block)
{
    if (!c) {
        if (!block)
            return false;
        block_forever("chan receive (nil chan)");
    }
    spin_lock(&c->lock);
    sudog *s;
    if (c->closed && c->qcount == 0) {
        spin_unlock(&c->lock);
        copy_elem(c, elem, NULL);
        *ok = false;
        return true;
    }
    if ((s = dequeue(&c->sendq))) {
        recv_from(c, s, elem);
        spin_unlock(&c->lock);
        goready(s->g);
        *ok = true;
        return true;
    }
    if (c->qcount > 0) {
        copy_elem(c, elem, slot(c, c->recvx));
        c->recvx = (c->recvx + 1) % c->dataqsiz;
        c->qcount--;
        spin_unlock(&c->lock);
        *ok = true;
        return true;
    }
    if (!block) {
        spin_unlock(&c->lock);
        return false;
    }
    runtime_start();
    sudog w = {.g = getg(), .c = c, .elem = elem};
    enqueue(&c->recvq, &w);
    gopark(unlock_chan, c, "chan receive");
    *ok = w.success; /* closed: close() zeroed *elem */
    return true;
}

void chan_send(chan *c, const void *elem)
{
    chansend(c, elem, true);
}

bool chan_recv(chan *c, void *elem)
{
    bool ok;
    chanrecv(c, elem, &ok, true);
    return ok;
}

bool chan_try_send(chan *c, const void *elem)
{
    return chansend(c, elem, false);
}

bool chan_try_recv(chan *c, void *elem, bool *ok)
{
    bool got_ok;
    bool got = chanrecv(c, elem, &got_ok, false);
    if (ok)
        *ok = got && got_ok;
    return got;
}

/* Go: closechan. Every parked receiver gets zero, ok = false; every
   parked sender wakes to panic. */
void chan_close(chan *c)
{
    if (!c)
        gopanic("close of nil channel");
    spin_lock(&c->lock);
    if (c->closed) {
        spin_unlock(&c->lock);
        gopanic("close of closed channel");
    }
    c->closed = true;
    G *ready = NULL; /* a list through schedlink, readied once unlocked */
    for (sudog *s; (s = dequeue(&c->recvq));) {
        copy_elem(c, s->elem, NULL);
        s->success = false;
        s->g->schedlink = ready;
        ready = s->g;
    }
    for (sudog *s; (s = dequeue(&c->sendq));) {
        s->success = false;
        s->g->schedlink = ready;
        ready = s->g;
    }
    spin_unlock(&c->lock);
    while (ready) {
        G *next = ready->schedlink;
        goready(ready);
        ready = next;
    }
}

size_t chan_len(chan *c)
{
    if (!c)
        return 0;
    spin_lock(&c->lock);
    size_t n = c->qcount;
    spin_unlock(&c->lock);
    return n;
}

size_t chan_cap(chan *c)
{
    return c ? c->dataqsiz : 0;
}

/* ---- select (Go: runtime/select.go, selectgo) -------------------------- */

/* The cases' channels, each distinct one locked once, in address order:
   two selects that lock the same two channels cannot each hold one and
   wait for the other (Go: sellock). lockorder is sorted by address. */
static void sellock(select_case *cases, const int *lockorder, int n)
{
    for (int i = 0; i < n; i++)
        if (i == 0 || cases[lockorder[i]].c != cases[lockorder[i - 1]].c)
            spin_lock(&cases[lockorder[i]].c->lock);
}

static void selunlock(select_case *cases, const int *lockorder, int n)
{
    for (int i = n - 1; i >= 0; i--)
        if (i == 0 || cases[lockorder[i]].c != cases[lockorder[i - 1]].c)
            spin_unlock(&cases[lockorder[i]].c->lock);
}

struct selpark {
    select_case *cases;
    int *lockorder;
    int n;
};

static void selparkcommit(G *g, void *arg)
{
    (void)g;
    struct selpark *sp = arg;
    selunlock(sp->cases, sp->lockorder, sp->n);
}

/* Pass 1 for one case: complete it if it can be, now (a send on a closed
   channel "completes": *closed is set, the caller panics). Locks held. */
static bool select_try(select_case *cs, G **ready, bool *closed)
{
    chan *c = cs->c;
    sudog *s;
    if (cs->dir == SELECT_RECV) {
        if ((s = dequeue(&c->sendq))) {
            recv_from(c, s, cs->elem);
            *ready = s->g;
        } else if (c->qcount > 0) {
            copy_elem(c, cs->elem, slot(c, c->recvx));
            c->recvx = (c->recvx + 1) % c->dataqsiz;
            c->qcount--;
        } else if (!c->closed) {
            return false;
        } else {
            copy_elem(c, cs->elem, NULL);
            cs->ok = false;
            return true;
        }
        cs->ok = true;
        return true;
    }
    if (c->closed) {
        *closed = true;
        return true;
    }
    if ((s = dequeue(&c->recvq))) {
        copy_elem(c, s->elem, cs->elem);
        s->success = true;
        *ready = s->g;
    } else if (c->qcount < c->dataqsiz) {
        copy_elem(c, slot(c, c->sendx), cs->elem);
        c->sendx = (c->sendx + 1) % c->dataqsiz;
        c->qcount++;
    } else {
        return false;
    }
    return true;
}

/* Go: selectgo. Poll the cases in a random order (fairness); if none is
   ready, wait on all of them at once: a sudog in every channel's queue,
   the first peer to claim our selectdone wins, the others are removed. */
int chan_select(select_case *cases, int n, bool has_default)
{
    enum { SMALL = 8 };
    int small_order[2 * SMALL];
    sudog small_sudogs[SMALL];
    int *pollorder = n <= SMALL ? small_order : malloc(2 * sizeof(int) * n);
    sudog *sudogs = n <= SMALL ? small_sudogs : malloc(sizeof(sudog) * n);
    if (!pollorder || !sudogs)
        fatal("out of memory (select)");
    int *lockorder = pollorder + (n <= SMALL ? SMALL : n);
    int nn = 0, chosen = -1;
    runtime_start();

    for (int i = 0; i < n; i++) /* nil channels are never chosen */
        if (cases[i].c)
            pollorder[nn++] = i;
    for (int i = nn - 1; i > 0; i--) { /* a random permutation */
        int j = (int)fastrandn((uint32_t)i + 1), t = pollorder[i];
        pollorder[i] = pollorder[j];
        pollorder[j] = t;
    }
    for (int i = 0; i < nn; i++) { /* insertion sort by address */
        int k = pollorder[i], j = i;
        for (; j > 0 && cases[lockorder[j - 1]].c > cases[k].c; j--)
            lockorder[j] = lockorder[j - 1];
        lockorder[j] = k;
    }
    if (nn == 0 && !has_default)
        block_forever("select (no cases)");

    /* Pass 1: is a case ready now? */
    sellock(cases, lockorder, nn);
    G *ready = NULL;
    bool send_closed = false;
    for (int i = 0; i < nn && chosen < 0; i++)
        if (select_try(&cases[pollorder[i]], &ready, &send_closed))
            chosen = pollorder[i];
    if (chosen >= 0 || has_default) {
        selunlock(cases, lockorder, nn);
        if (ready)
            goready(ready);
        goto done;
    }

    /* Pass 2: wait on every channel. */
    G *g = getg();
    atomic_store(&g->selectdone, 0);
    g->param = NULL;
    for (int i = 0; i < nn; i++) {
        select_case *cs = &cases[lockorder[i]];
        sudogs[i] = (sudog){.g = g, .c = cs->c, .elem = cs->elem,
                            .is_select = true, .index = lockorder[i]};
        enqueue(cs->dir == SELECT_RECV ? &cs->c->recvq : &cs->c->sendq,
                &sudogs[i]);
    }
    struct selpark sp = {cases, lockorder, nn};
    gopark(selparkcommit, &sp, "select");

    /* Pass 3: woken by the peer that claimed us; leave the other queues. */
    sudog *won = g->param;
    sellock(cases, lockorder, nn);
    for (int i = 0; i < nn; i++) {
        select_case *cs = &cases[lockorder[i]];
        if (&sudogs[i] != won)
            unlink_sudog(cs->dir == SELECT_RECV ? &cs->c->recvq
                                                : &cs->c->sendq,
                         &sudogs[i]);
    }
    selunlock(cases, lockorder, nn);
    chosen = won->index;
    cases[chosen].ok = won->success;
    send_closed = cases[chosen].dir == SELECT_SEND && !won->success;

done:
    if (n > SMALL) {
        free(pollorder);
        free(sudogs);
    }
    if (send_closed)
        gopanic("send on closed channel");
    return chosen;
}

/* ---- time_after (Go: time.After) --------------------------------------- */

struct after {
    struct timer t;
    chan *c;
};

static void after_fire(void *arg)
{
    struct after *a = arg;
    int64_t now = now_ns();
    chan_try_send(a->c, &now);
    chan_free(a->c); /* the timer's reference */
    free(a);
}

chan *time_after(int64_t ns)
{
    chan *c = make_chan(int64_t, 1);
    struct after *a = malloc(sizeof *a);
    if (!a)
        fatal("out of memory (time_after)");
    atomic_fetch_add(&c->refs, 1);
    *a = (struct after){{now_ns() + ns, after_fire, a}, c};
    timer_add(&a->t);
    return c;
}
