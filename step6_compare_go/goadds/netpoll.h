/*
 * netpoll.h: the network poller as net.c sees it (Go: the
 * runtime_poll* functions that internal/poll calls, netpoll.go).
 *
 * A poll_desc stands for one socket: registered once with epoll, it
 * records which goroutine waits to read and which to write. The socket
 * must be non-blocking: a read or write that gets EAGAIN calls
 * netpoll_wait, which parks the goroutine until epoll reports the socket
 * ready, a deadline passes or the socket is closed.
 */
#ifndef NETPOLL_H
#define NETPOLL_H

#include "runtime.h"

/* Go: runtime.pollDesc. Never freed, only reused (Go: pollCache):
   an epoll event or a deadline's timer may still point at it. */
struct poll_desc {
    spinlock lock;    /* guards the fields below, but fd */
    int fd;
    G *rg, *wg;       /* NULL, PD_READY, or the G parked to read, write */
    bool closing;     /* net_close has begun: every call fails */
    int refs;         /* calls under way; the last one closes fd */
    int64_t rd, wd;   /* deadlines: 0 none, -1 passed, or when */
    uint32_t rseq, wseq; /* a new deadline or a reuse changes them: a
                            timer set for an older one does nothing */
    struct poll_desc *link; /* next free one */
};

enum { POLL_READ = 'r', POLL_WRITE = 'w' }; /* as Go's modes */

/* Go: poll_runtime_pollOpen. Register fd (non-blocking) with epoll. */
struct poll_desc *netpoll_open(int fd);

/* Take and give back a reference for a call on pd (Go: fdMutex.rwlock):
   false once pd is closing. The last reference out closes the fd. */
bool netpoll_acquire(struct poll_desc *pd);
void netpoll_release(struct poll_desc *pd);

/* Go: netpollblock. The last call on pd got EAGAIN: park until pd is
   ready for mode. 0: try again; NET_CLOSED or NET_TIMEOUT: give up. */
long netpoll_wait(struct poll_desc *pd, int mode);

/* 0, or the error a call in mode must return now (Go: netpollcheckerr). */
long netpoll_check(struct poll_desc *pd, int mode);

/* Go: poll_runtime_pollSetDeadline, on the timer heap (timer.c). */
void netpoll_deadline(struct poll_desc *pd, int mode, int64_t when);

/* Go: poll_runtime_pollUnblock + pollClose: wake every waiter with
   NET_CLOSED; the fd is closed when the last call returns. */
long netpoll_close(struct poll_desc *pd);

#endif
