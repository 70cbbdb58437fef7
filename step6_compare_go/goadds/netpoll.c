/*
 * netpoll.c: the network poller, on step 5's runtime (Go:
 * runtime/netpoll.go and netpoll_epoll.go).
 *
 * What Go adds here over step 5: a goroutine blocked on a socket costs a
 * parked G, not a thread. Each socket is non-blocking and registered
 * once with epoll, edge-triggered, for reading and writing at once; its
 * poll_desc records the G waiting on each side. A read that gets EAGAIN
 * parks its G (netpoll_wait, "IO wait"); when epoll reports the socket,
 * netpoll hands the G back to the scheduler, which runs it again.
 *
 * Who asks epoll (sched.c, through the struct netpoller of runtime.h):
 * an M that runs out of work polls without waiting before it gives up
 * its P (Go: findRunnable's netpoll(0)), and one idle M waits in
 * epoll_wait until the next timer instead of on its futex (Go: the
 * netpoll(delay) of findRunnable). An eventfd wakes it for new work and
 * for an earlier timer (Go: netpollBreak). Until the first socket there
 * is no epoll at all, and a program that never opens one runs exactly as
 * in step 5.
 *
 * Where we differ from Go, on purpose:
 * - A spin lock per poll_desc guards rg and wg; Go moves them with
 *   compare-and-swap (pdReady, pdWait) and locks only for deadlines.
 * - No sysmon poll: Go's sysmon polls if nobody has for 10 ms, so that
 *   Ps busy with goroutines that never block still see the network. Ours
 *   polls only when a P runs dry: a P kept busy forever delays the
 *   sockets of its queue (step 5 has no preemption either).
 * - timer.c cannot delete a timer (Go: deltimer): a deadline that is
 *   moved or no longer needed stays in the heap until its time comes,
 *   and then does nothing (its sequence number is old).
 */
#include "netpoll.h"

#include "net.h"

#include "common.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define PD_READY ((G *)1) /* ready, and nobody waited (Go: pdReady) */

enum { EVENTS = 128 }; /* per epoll_wait, as Go */

static struct {
    pthread_once_t once;
    int epfd;
    int breakfd;          /* an eventfd: written to wake epoll_wait */
    atomic_int waiters;   /* Gs parked on a socket, or readied by the
                             poller and not yet running again: until
                             then the G is counted nowhere else, and
                             checkdead must not call it a deadlock
                             (Go: netpollWaiters) */
    spinlock freelock;    /* guards free */
    struct poll_desc *free; /* Go: pollcache */
} poller = {.once = PTHREAD_ONCE_INIT, .epfd = -1, .breakfd = -1};

/* ---- What the scheduler calls (runtime.h's struct netpoller) ----------- */

/* The G parked on *gpp, taken out of it, or NULL. ioready: the socket is
   ready, so that a G that comes later need not park. pd->lock held.
   Go: netpollunblock. */
static G *unblock(G **gpp, bool ioready)
{
    G *g = *gpp;
    if (g == NULL || g == PD_READY) {
        if (ioready)
            *gpp = PD_READY;
        return NULL;
    }
    *gpp = NULL; /* it will read (write) until EAGAIN again */
    return g;
}

/* Milliseconds until deadline, for epoll_wait: -1 forever, rounded up
   (a timer is run late by up to 1 ms, never early). */
static int timeout_ms(int64_t deadline)
{
    if (deadline == INT64_MAX)
        return -1;
    int64_t ns = deadline - now_ns();
    if (ns <= 0)
        return 0;
    int64_t ms = (ns + 999999) / 1000000;
    return ms < INT_MAX ? (int)ms : INT_MAX;
}

/*
 * Go: netpoll. The Gs whose sockets epoll reports ready, linked by
 * schedlink, waiting for one until deadline (0: not at all). Called on
 * an M's g0 or by an idle M, holding no lock.
 */
static G *netpoll(int64_t deadline)
{
    struct epoll_event events[EVENTS];
    int n = epoll_wait(poller.epfd, events, EVENTS, timeout_ms(deadline));
    if (n < 0 && errno != EINTR)
        die("epoll_wait");
    G *list = NULL;
    for (int i = 0; i < n; i++) {
        struct poll_desc *pd = events[i].data.ptr;
        uint32_t ev = events[i].events;
        if (!pd) { /* netpoll_wake */
            /* Drained only by a poll that waits: the wake-up is for the
               M waiting in epoll_wait, and a poll without wait on another
               M (findrunnable's) must not take it away. As Go. */
            uint64_t count;
            if (deadline != 0 &&
                read(poller.breakfd, &count, sizeof count) < 0 &&
                errno != EAGAIN)
                die("read (eventfd)");
            continue;
        }
        bool r = ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
        bool w = ev & (EPOLLOUT | EPOLLHUP | EPOLLERR);
        spin_lock(&pd->lock);
        G *rg = r ? unblock(&pd->rg, true) : NULL;
        G *wg = w ? unblock(&pd->wg, true) : NULL;
        spin_unlock(&pd->lock);
        G *ready[] = {rg, wg};
        for (int k = 0; k < 2; k++)
            if (ready[k]) {
                ready[k]->schedlink = list;
                list = ready[k];
            }
    }
    return list;
}

/* Go: netpollBreak. Makes a waiting epoll_wait return (or the next one,
   if none waits yet: the eventfd stays readable until drained). */
static void netpoll_wake(void)
{
    uint64_t one = 1;
    if (write(poller.breakfd, &one, sizeof one) < 0 && errno != EAGAIN)
        die("write (eventfd)");
}

static bool netpoll_waiting(void)
{
    return atomic_load(&poller.waiters) > 0;
}

static const struct netpoller ops = {netpoll, netpoll_wake, netpoll_waiting};

/* Go: netpollinit, at the first socket. Only then does sched.c see us. */
static void netpoll_init(void)
{
    poller.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (poller.epfd < 0)
        die("epoll_create1");
    poller.breakfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (poller.breakfd < 0)
        die("eventfd");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(poller.epfd, EPOLL_CTL_ADD, poller.breakfd, &ev) != 0)
        die("epoll_ctl (eventfd)");
    atomic_store(&netpoller, &ops);
}

/* ---- What net.c calls (netpoll.h) ------------------------------------- */

struct poll_desc *netpoll_open(int fd)
{
    runtime_start();
    pthread_once(&poller.once, netpoll_init);
    spin_lock(&poller.freelock);
    struct poll_desc *pd = poller.free;
    if (pd)
        poller.free = pd->link;
    spin_unlock(&poller.freelock);
    if (!pd && !(pd = calloc(1, sizeof *pd)))
        fatal("out of memory (poll descriptors)");
    spin_lock(&pd->lock);
    pd->fd = fd;
    pd->rg = pd->wg = NULL;
    pd->closing = false;
    pd->refs = 0;
    pd->rd = pd->wd = 0;
    pd->rseq++;
    pd->wseq++;
    spin_unlock(&pd->lock);
    /* Once, for both directions, edge-triggered: epoll reports a change
       to ready, once; netpoll_wait remembers it in rg, wg (PD_READY). */
    struct epoll_event ev = {
        .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
        .data.ptr = pd,
    };
    if (epoll_ctl(poller.epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        die("epoll_ctl");
    return pd;
}

/* The last call on a closed pd is out: close the fd, keep pd for reuse.
   An event epoll returned before the EPOLL_CTL_DEL may still reach pd
   (and a later user of it): a spurious PD_READY, which costs one more
   read that gets EAGAIN. */
static void destroy(struct poll_desc *pd)
{
    epoll_ctl(poller.epfd, EPOLL_CTL_DEL, pd->fd, NULL);
    close(pd->fd);
    spin_lock(&poller.freelock);
    pd->link = poller.free;
    poller.free = pd;
    spin_unlock(&poller.freelock);
}

bool netpoll_acquire(struct poll_desc *pd)
{
    spin_lock(&pd->lock);
    bool ok = !pd->closing;
    pd->refs += ok;
    spin_unlock(&pd->lock);
    return ok;
}

void netpoll_release(struct poll_desc *pd)
{
    spin_lock(&pd->lock);
    bool last = --pd->refs == 0 && pd->closing;
    spin_unlock(&pd->lock);
    if (last)
        destroy(pd);
}

/* pd->lock held. */
static long check_locked(struct poll_desc *pd, int mode)
{
    int64_t deadline = mode == POLL_READ ? pd->rd : pd->wd;
    return pd->closing ? NET_CLOSED : deadline < 0 ? NET_TIMEOUT : 0;
}

long netpoll_check(struct poll_desc *pd, int mode)
{
    spin_lock(&pd->lock);
    long err = check_locked(pd, mode);
    spin_unlock(&pd->lock);
    return err;
}

long netpoll_wait(struct poll_desc *pd, int mode)
{
    G **gpp = mode == POLL_READ ? &pd->rg : &pd->wg;
    spin_lock(&pd->lock);
    long err = check_locked(pd, mode);
    if (err || *gpp == PD_READY) { /* ready since our EAGAIN: again */
        if (!err)
            *gpp = NULL;
        spin_unlock(&pd->lock);
        return err;
    }
    if (*gpp)
        fatal("net: two goroutines wait to %s the same connection",
              mode == POLL_READ ? "read" : "write");
    *gpp = getg();
    atomic_fetch_add(&poller.waiters, 1);
    /* pd->lock is released once our registers are saved: only then may
       netpoll, a deadline or net_close take us out of *gpp. */
    gopark(unlock_after_park, &pd->lock, "IO wait");
    atomic_fetch_sub(&poller.waiters, 1);
    return netpoll_check(pd, mode);
}

/* A deadline's timer: its seq, to know if it is still the current one. */
struct deadline {
    struct timer timer;
    struct poll_desc *pd;
    int mode;
    uint32_t seq;
};

/* Runs on whichever M finds the timer due, holding no lock. */
static void deadline_passed(void *arg)
{
    struct deadline *d = arg;
    struct poll_desc *pd = d->pd;
    G *g = NULL;
    spin_lock(&pd->lock);
    if (d->mode == POLL_READ && d->seq == pd->rseq) {
        pd->rd = -1;
        g = unblock(&pd->rg, false);
    } else if (d->mode == POLL_WRITE && d->seq == pd->wseq) {
        pd->wd = -1;
        g = unblock(&pd->wg, false);
    }
    spin_unlock(&pd->lock);
    free(d);
    if (g)
        goready(g);
}

void netpoll_deadline(struct poll_desc *pd, int mode, int64_t when)
{
    bool reading = mode == POLL_READ;
    spin_lock(&pd->lock);
    uint32_t seq = reading ? ++pd->rseq : ++pd->wseq;
    int64_t *deadline = reading ? &pd->rd : &pd->wd;
    bool passed = when != 0 && when <= now_ns();
    *deadline = passed ? -1 : when;
    G *g = passed ? unblock(reading ? &pd->rg : &pd->wg, false) : NULL;
    spin_unlock(&pd->lock);
    if (g)
        goready(g);
    if (when == 0 || passed)
        return;
    struct deadline *d = malloc(sizeof *d);
    if (!d)
        fatal("out of memory (deadlines)");
    *d = (struct deadline){{when, deadline_passed, d}, pd, mode, seq};
    timer_add(&d->timer);
}

long netpoll_close(struct poll_desc *pd)
{
    spin_lock(&pd->lock);
    if (pd->closing) {
        spin_unlock(&pd->lock);
        return NET_CLOSED;
    }
    pd->closing = true;
    pd->rseq++; /* its deadlines' timers are void now */
    pd->wseq++;
    G *rg = unblock(&pd->rg, false), *wg = unblock(&pd->wg, false);
    bool last = pd->refs == 0;
    spin_unlock(&pd->lock);
    if (rg)
        goready(rg);
    if (wg)
        goready(wg);
    if (last)
        destroy(pd);
    return 0;
}
