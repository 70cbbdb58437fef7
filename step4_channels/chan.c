/*
 * chan.c: Go's channels and select, with the structure and the names of
 * Go's runtime/chan.go and runtime/select.go (hchan, sudog, waitq,
 * chansend, chanrecv, closechan, selectgo), so that they can be read
 * next to it. The API is chan.h.
 *
 * This file does not know what a goroutine is. A goroutine that must
 * wait puts a sudog ("this G waits here, for this value") in the
 * channel's sendq or recvq and calls gopark; the goroutine that does the
 * other half of its operation takes the sudog off, copies the value and
 * calls goready (runtime.h). Steps 4 and 5 share this file. In step 4,
 * gopark puts the goroutine's thread to sleep; in step 5 it switches the
 * thread to another goroutine.
 *
 * Three players, as chan.go says: the sender, the receiver and the
 * channel. Invariants, as chan.go states them:
 *   at least one of sendq and recvq is empty (a waiting sender and a
 *   waiting receiver would have met), unless one select waits to send
 *   and to receive on the same channel;
 *   a buffered channel has waiting senders only when its buffer is full,
 *   waiting receivers only when it is empty.
 *
 * Where we differ from Go, on purpose:
 * - C has no garbage collector: chan_free drops a reference, and a
 *   pending timer and each sudog of a waiting select hold one, as their
 *   pointers keep a channel alive in Go.
 * - len(c) takes the lock: Go reads qcount without it, a data race in C.
 * - A sudog lives on the waiting goroutine's stack, which stays where it
 *   is while it waits (Go takes one from a per-P cache, acquireSudog).
 * - chan_try_send and chan_try_recv take the lock at once: Go first
 *   looks, without it, whether the operation would block.
 */
#include "chan.h"
#include "runtime.h"

#include "common.h"

#include <stdlib.h>
#include <string.h>

/* Go: sudog. One goroutine waiting on one channel, for a plain send or
   receive or for one case of a select. */
typedef struct sudog {
    G *g;
    struct sudog *next, *prev; /* in the channel's sendq or recvq */
    chan *c;
    void *elem;     /* send: the value; recv: where it goes (or NULL) */
    bool is_select; /* part of a select: claim g->selectdone first */
    bool success;   /* true: a peer completed us; false: closed */
    int index;      /* select: the case it stands for */
} sudog;

typedef struct waitq { /* Go: waitq */
    sudog *first, *last;
} waitq;

struct chan { /* Go: hchan */
    spinlock lock;   /* guards everything below but refs */
    size_t qcount;   /* values in the buffer */
    size_t dataqsiz; /* its capacity, in values */
    size_t elemsize; /* 0 is fine (chan struct{}) */
    size_t sendx;    /* next slot to send into */
    size_t recvx;    /* next slot to receive from */
    bool closed;
    waitq recvq;     /* waiting receivers */
    waitq sendq;     /* waiting senders */
    atomic_int refs; /* chan_free's, a pending timer's, a select's */
    /* Go: buf, dataqsiz slots of elemsize bytes, allocated with the
       header (as Go does when the elements hold no pointers). */
    _Alignas(max_align_t) char buf[];
};

chan *chan_make(size_t elem_size, size_t cap)
{
    if (elem_size && cap > (SIZE_MAX - sizeof(chan)) / elem_size)
        gopanic("makechan: size out of range");
    chan *c = calloc(1, sizeof *c + cap * elem_size);
    if (!c)
        fatal("out of memory (chan_make)");
    c->dataqsiz = cap;
    c->elemsize = elem_size;
    atomic_init(&c->refs, 1);
    return c;
}

void chan_free(chan *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        free(c);
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

/* ---- values: copies of elemsize bytes -------------------------------- */

/*
 * Copy one element; from NULL: zero it; to NULL: drop it. A memcpy whose
 * size the compiler knows is one move; with a size known only at run
 * time it is a call into libc's general copy, and that call was half the
 * time of a buffered send + receive of a long in step 5 (15 -> 8 ns per
 * value, measured: step 6's buffered ratio moves by as much). So 8 bytes
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

static char *chanbuf(chan *c, size_t i) /* Go: chanbuf, slot i */
{
    return c->buf + i * c->elemsize;
}

/* Go: the bufsend and bufrecv of selectgo, the same code in chansend
   and chanrecv. A value into the ring, or out of it. c->lock held. */
static void bufsend(chan *c, const void *elem)
{
    copy_elem(c, chanbuf(c, c->sendx), elem);
    if (++c->sendx == c->dataqsiz)
        c->sendx = 0;
    c->qcount++;
}

static void bufrecv(chan *c, void *elem)
{
    copy_elem(c, elem, chanbuf(c, c->recvx));
    if (++c->recvx == c->dataqsiz)
        c->recvx = 0;
    c->qcount--;
}

/* ---- wait queues: each under the lock of its channel ------------------ */

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

/*
 * Go: waitq.dequeue. Take the first sudog whose G we may complete. A
 * select's G has a sudog on each of its channels, and only one of them
 * may fire: the first peer to claim g->selectdone wins; a sudog whose
 * select was won elsewhere is dropped (its G takes its other sudogs out
 * itself, in pass 3). The G learns which sudog fired from g->param (Go
 * sets it in send, recv and closechan). c->lock held.
 */
static sudog *dequeue_first(waitq *q)
{
    for (sudog *s = q->first; s; s = q->first) {
        unlink_sudog(q, s);
        if (s->is_select) {
            int zero = 0;
            if (!atomic_compare_exchange_strong(&s->g->selectdone, &zero, 1))
                continue; /* that select was won elsewhere */
        }
        s->g->param = s;
        return s;
    }
    return NULL;
}

/* Most calls find the queue empty: that much is inlined (with copy_elem's
   8-byte line, step 5's ping-pong went from 79 to 69 ns per round trip,
   measured: 13 % of step 6's pingpong ratio). */
static inline sudog *dequeue(waitq *q)
{
    return q->first ? dequeue_first(q) : NULL;
}

/* ---- parking ---------------------------------------------------------- */

/* gopark's unlockf for a plain send or receive (Go: chanparkcommit). */
static void unlock_chan(G *g, void *c)
{
    (void)g;
    spin_unlock(&((chan *)c)->lock);
}

static void no_unlock(G *g, void *arg)
{
    (void)g, (void)arg;
}

/* Park for ever: a nil channel, select {}. No goready ever comes. */
_Noreturn static void block_forever(const char *reason)
{
    for (;;)
        gopark(no_unlock, NULL, reason);
}

/* ---- send, receive, close: Go's chansend, chanrecv, closechan --------- */

/* Go: send. Hand elem to the waiting receiver sg: straight into its
   variable, no trip through the buffer. c->lock held; the caller
   readies sg->g once c is unlocked. */
static void send(chan *c, sudog *sg, const void *elem)
{
    copy_elem(c, sg->elem, elem);
    sg->success = true;
}

/* Go: recv. Take a value from the waiting sender sg. Unbuffered: its
   value. Buffered (so full): the oldest value, and sg's goes to the
   tail, into the slot just freed. c->lock held; the caller readies
   sg->g once c is unlocked. */
static void recv(chan *c, sudog *sg, void *elem)
{
    if (c->dataqsiz == 0) {
        copy_elem(c, elem, sg->elem);
    } else {
        copy_elem(c, elem, chanbuf(c, c->recvx));
        copy_elem(c, chanbuf(c, c->recvx), sg->elem);
        if (++c->recvx == c->dataqsiz)
            c->recvx = 0;
        c->sendx = c->recvx;
    }
    sg->success = true;
}

/*
 * Go: chansend. block: false for chan_try_send, which returns false
 * where chan_send would wait. The peer it completes is readied only once
 * c is unlocked, as in Go: it may return at once and chan_free c.
 */
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
    sudog *sg = dequeue(&c->recvq);
    if (sg) { /* a receiver waits */
        G *gp = sg->g;
        send(c, sg, elem);
        spin_unlock(&c->lock);
        goready(gp);
        return true;
    }
    if (c->qcount < c->dataqsiz) { /* room in the buffer */
        bufsend(c, elem);
        spin_unlock(&c->lock);
        return true;
    }
    if (!block) {
        spin_unlock(&c->lock);
        return false;
    }
    /* Wait for a receiver: a sudog on sendq, and park. */
    runtime_start();
    sudog mysg = {.g = getg(), .c = c, .elem = (void *)elem};
    enqueue(&c->sendq, &mysg);
    gopark(unlock_chan, c, "chan send");
    if (!mysg.success) /* woken by chan_close */
        gopanic("send on closed channel");
    return true;
}

/*
 * Go: chanrecv. Receive into elem (NULL: drop the value); *ok is false
 * for the zero value of a closed, drained channel. block: false for
 * chan_try_recv, which returns false where chan_recv would wait.
 */
static bool chanrecv(chan *c, void *elem, bool *ok, bool block)
{
    if (!c) {
        if (!block)
            return false;
        block_forever("chan receive (nil chan)");
    }
    spin_lock(&c->lock);
    if (c->closed && c->qcount == 0) { /* closed and drained */
        spin_unlock(&c->lock);
        copy_elem(c, elem, NULL);
        *ok = false;
        return true;
    }
    sudog *sg = dequeue(&c->sendq);
    if (sg) { /* a sender waits */
        G *gp = sg->g;
        recv(c, sg, elem);
        spin_unlock(&c->lock);
        goready(gp);
        *ok = true;
        return true;
    }
    if (c->qcount > 0) { /* a value in the buffer */
        bufrecv(c, elem);
        spin_unlock(&c->lock);
        *ok = true;
        return true;
    }
    if (!block) {
        spin_unlock(&c->lock);
        return false;
    }
    /* Wait for a sender: a sudog on recvq, and park. */
    runtime_start();
    sudog mysg = {.g = getg(), .c = c, .elem = elem};
    enqueue(&c->recvq, &mysg);
    gopark(unlock_chan, c, "chan receive");
    *ok = mysg.success; /* false: closed (chan_close zeroed *elem) */
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

/* Go: closechan. Every waiting receiver gets zero, ok = false; every
   waiting sender wakes to panic. */
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
    G *glist = NULL; /* through schedlink, readied once c is unlocked */
    sudog *sg;
    while ((sg = dequeue(&c->recvq))) {
        copy_elem(c, sg->elem, NULL);
        sg->success = false;
        sg->g->schedlink = glist;
        glist = sg->g;
    }
    while ((sg = dequeue(&c->sendq))) {
        sg->success = false;
        sg->g->schedlink = glist;
        glist = sg->g;
    }
    spin_unlock(&c->lock);
    while (glist) {
        G *gp = glist;
        glist = gp->schedlink; /* before goready: gp may reuse it */
        goready(gp);
    }
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

/* gopark's unlockf for a select: every channel (Go: selparkcommit). */
static void selparkcommit(G *g, void *arg)
{
    (void)g;
    struct selpark *sp = arg;
    selunlock(sp->cases, sp->lockorder, sp->n);
}

/*
 * Pass 1 for one case: complete it now, if it can be. This is the body
 * of selectgo's first loop and the code at its labels (recv, bufrecv,
 * rclose; send, bufsend, sclose). A peer to ready once the channels are
 * unlocked is left in *gp; a send on a closed channel sets *closed (the
 * caller panics once it has unlocked). Every channel locked.
 */
static bool select_try(select_case *cs, G **gp, bool *closed)
{
    chan *c = cs->c;
    sudog *sg;
    if (cs->dir == SELECT_RECV) {
        if ((sg = dequeue(&c->sendq))) { /* recv */
            *gp = sg->g;
            recv(c, sg, cs->elem);
        } else if (c->qcount > 0) { /* bufrecv */
            bufrecv(c, cs->elem);
        } else if (!c->closed) {
            return false;
        } else { /* rclose */
            copy_elem(c, cs->elem, NULL);
            cs->ok = false;
            return true;
        }
        cs->ok = true;
        return true;
    }
    if (c->closed) { /* sclose */
        *closed = true;
    } else if ((sg = dequeue(&c->recvq))) { /* send */
        *gp = sg->g;
        send(c, sg, cs->elem);
    } else if (c->qcount < c->dataqsiz) { /* bufsend */
        bufsend(c, cs->elem);
    } else {
        return false;
    }
    return true;
}

/*
 * Go: selectgo. Run one case of cases[0..n) and return its index; or -1
 * if !block and no case is ready. pollorder, lockorder and sudogs have
 * room for n each.
 */
static int selectgo(select_case *cases, int n, bool block, int *pollorder,
                    int *lockorder, sudog *sudogs)
{
    runtime_start();
    /* pollorder: the cases in a random order, so that each ready case is
       as likely as any other; a nil channel is never ready: left out. */
    int norder = 0;
    for (int i = 0; i < n; i++) {
        if (!cases[i].c)
            continue;
        int j = (int)fastrandn((uint32_t)norder + 1);
        pollorder[norder] = pollorder[j];
        pollorder[j] = i;
        norder++;
    }
    /* lockorder: the same, by channel address (Go: a heap sort). */
    for (int i = 0; i < norder; i++) {
        int k = pollorder[i], j = i;
        for (; j > 0 && (uintptr_t)cases[lockorder[j - 1]].c >
                        (uintptr_t)cases[k].c;
             j--)
            lockorder[j] = lockorder[j - 1];
        lockorder[j] = k;
    }
    if (norder == 0 && block)
        block_forever("select (no cases)");
    sellock(cases, lockorder, norder);

    /* Pass 1: a case ready now, in poll order. */
    for (int i = 0; i < norder; i++) {
        G *gp = NULL;
        bool closed = false;
        if (select_try(&cases[pollorder[i]], &gp, &closed)) {
            selunlock(cases, lockorder, norder);
            if (gp)
                goready(gp);
            if (closed)
                gopanic("send on closed channel");
            return pollorder[i];
        }
    }
    if (!block) {
        selunlock(cases, lockorder, norder);
        return -1;
    }

    /* Pass 2: a sudog on every channel, then park. Each sudog holds a
       reference to its channel until pass 3 is done with it. */
    G *g = getg();
    for (int i = 0; i < norder; i++) {
        select_case *cs = &cases[lockorder[i]];
        sudogs[i] = (sudog){.g = g, .c = cs->c, .elem = cs->elem,
                            .is_select = true, .index = lockorder[i]};
        enqueue(cs->dir == SELECT_RECV ? &cs->c->recvq : &cs->c->sendq,
                &sudogs[i]);
        atomic_fetch_add(&cs->c->refs, 1);
    }
    g->param = NULL;
    struct selpark sp = {cases, lockorder, norder};
    gopark(selparkcommit, &sp, "select");

    /* Pass 3: the peer that woke us took its sudog off its queue (it
       won selectdone); take the others off theirs. */
    sellock(cases, lockorder, norder);
    atomic_store(&g->selectdone, 0); /* no peer can look at it now */
    sudog *won = g->param;
    g->param = NULL;
    for (int i = 0; i < norder; i++) {
        select_case *cs = &cases[lockorder[i]];
        if (&sudogs[i] != won)
            unlink_sudog(cs->dir == SELECT_RECV ? &cs->c->recvq
                                                : &cs->c->sendq,
                         &sudogs[i]);
    }
    selunlock(cases, lockorder, norder);
    for (int i = 0; i < norder; i++)
        chan_free(sudogs[i].c);
    select_case *cs = &cases[won->index];
    if (cs->dir == SELECT_SEND && !won->success) /* woken by close */
        gopanic("send on closed channel");
    cs->ok = won->success;
    return won->index;
}

int chan_select(select_case *cases, int n, bool has_default)
{
    enum { SMALL = 8 }; /* selects up to this size: all on the stack */
    if (n < 0)
        n = 0;
    int small_order[2 * SMALL];
    sudog small_sudogs[SMALL];
    int *order = small_order;
    sudog *sudogs = small_sudogs;
    if (n > SMALL) {
        order = malloc(2 * sizeof(int) * (size_t)n);
        sudogs = malloc(sizeof(sudog) * (size_t)n);
        if (!order || !sudogs)
            fatal("out of memory (select)");
    }
    int chosen = selectgo(cases, n, !has_default, order, order + n, sudogs);
    if (n > SMALL) {
        free(order);
        free(sudogs);
    }
    return chosen;
}

/* ---- time_after (Go: time.After) --------------------------------------- */

/* A timer that sends the time on its channel (Go: sendTime). */
struct after {
    struct timer t;
    chan *c;
};

static void after_fire(void *arg)
{
    struct after *a = arg;
    int64_t now = now_ns();
    chan_try_send(a->c, &now); /* cap 1, sent once: there is room */
    chan_free(a->c);           /* the timer's reference */
    free(a);
}

chan *time_after(int64_t ns)
{
    chan *c = make_chan(int64_t, 1);
    struct after *a = malloc(sizeof *a);
    if (!a)
        fatal("out of memory (time_after)");
    atomic_fetch_add(&c->refs, 1); /* the timer's */
    int64_t now = now_ns();
    *a = (struct after){
        .t = {.when = ns < INT64_MAX - now ? now + ns : INT64_MAX,
              .f = after_fire, .arg = a},
        .c = c};
    timer_add(&a->t);
    return c;
}
