/*
 * net.c: TCP on the network poller (Go: net/tcpsock.go, net/fd_unix.go,
 * internal/poll/fd_unix.go). See net.h.
 *
 * Every call has the same shape as Go's poll.FD.Read: take a reference
 * on the connection, try the system call, and on EAGAIN park until the
 * poller says the socket is ready (netpoll_wait), then try again. The
 * sockets are non-blocking, so no call ever blocks the thread.
 *
 * Where we differ from Go, on purpose: one struct (poll_desc) stands for
 * Go's net.TCPConn, netFD, poll.FD and pollDesc, which wrap each other.
 */
#include "net.h"

#include "netpoll.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *net_strerror(long err)
{
    switch (err) {
    case 0:
        return "no error";
    case NET_EOF:
        return "EOF";
    case NET_CLOSED:
        return "use of closed network connection";
    case NET_TIMEOUT:
        return "i/o timeout";
    case NET_REFUSED:
        return "connection refused";
    case NET_RESET:
        return "connection reset by peer";
    case NET_BADADDR:
        return "invalid address (want a.b.c.d:port)";
    default:
        return strerror((int)(NET_ERRNO - err));
    }
}

/* A failed system call's errno as an error of ours. */
static long errno_error(int e)
{
    return e == ECONNREFUSED ? NET_REFUSED
           : e == ECONNRESET ? NET_RESET
                             : NET_ERRNO - e;
}

/* "a.b.c.d:port" into sa; false if it is not that. */
static bool parse_addr(const char *addr, struct sockaddr_in *sa)
{
    const char *colon = strrchr(addr, ':');
    char host[INET_ADDRSTRLEN], *end;
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host)
        return false;
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end || port > 65535)
        return false;
    *sa = (struct sockaddr_in){.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)port)};
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

/* A new non-blocking TCP socket, registered with the poller. Go sets
   TCP_NODELAY on every TCP connection: a small write goes out at once. */
static net_conn *open_socket(int fd, long *err)
{
    if (fd < 0) {
        *err = errno_error(errno);
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *err = 0;
    return netpoll_open(fd);
}

/* A new socket for "a.b.c.d:port", which goes to *sa. */
static net_conn *new_socket(const char *addr, struct sockaddr_in *sa,
                            long *err)
{
    if (!parse_addr(addr, sa)) {
        *err = NET_BADADDR;
        return NULL;
    }
    return open_socket(
        socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err);
}

static net_conn *fail(net_conn *c, long err, long *errp)
{
    *errp = err;
    netpoll_close(c);
    return NULL;
}

net_conn *net_listen(const char *addr, long *err)
{
    struct sockaddr_in sa;
    net_conn *l = new_socket(addr, &sa, err);
    if (!l)
        return NULL;
    /* As Go: a restarted server may take its port again at once. */
    int fd = l->fd, one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(fd, SOMAXCONN) != 0)
        return fail(l, errno_error(errno), err);
    return l;
}

int net_port(net_conn *c)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(c->fd, (struct sockaddr *)&sa, &len) != 0)
        return -1;
    return ntohs(sa.sin_port);
}

net_conn *net_accept(net_conn *l, long *err)
{
    if (!netpoll_acquire(l)) {
        *err = NET_CLOSED;
        return NULL;
    }
    net_conn *c = NULL;
    for (;;) {
        if ((*err = netpoll_check(l, POLL_READ)))
            break;
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0 || (errno != EAGAIN && errno != EINTR &&
                        errno != ECONNABORTED)) {
            c = open_socket(fd, err);
            break;
        }
        if (errno == EAGAIN && (*err = netpoll_wait(l, POLL_READ)))
            break;
    }
    netpoll_release(l);
    return c;
}

net_conn *net_dial(const char *addr, long *err)
{
    struct sockaddr_in sa;
    net_conn *c = new_socket(addr, &sa, err);
    if (!c)
        return NULL;
    int fd = c->fd;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
        return c;
    if (errno != EINPROGRESS)
        return fail(c, errno_error(errno), err);
    /* Connecting: writable once done, then SO_ERROR says how it went.
       (Go: netFD.connect.) No reference needed: nobody else has c. */
    for (;;) {
        long werr = netpoll_wait(c, POLL_WRITE);
        if (werr)
            return fail(c, werr, err);
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
            soerr = errno;
        if (soerr == 0)
            return c;
        if (soerr != EINPROGRESS && soerr != EALREADY && soerr != EINTR)
            return fail(c, errno_error(soerr), err);
    }
}

long net_read(net_conn *c, void *buf, size_t len)
{
    if (!netpoll_acquire(c))
        return NET_CLOSED;
    long n;
    for (;;) {
        if ((n = netpoll_check(c, POLL_READ)))
            break;
        ssize_t got = read(c->fd, buf, len);
        if (got > 0 || (got == 0 && len == 0)) {
            n = got;
            break;
        }
        if (got == 0) {
            n = NET_EOF;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            n = errno_error(errno);
            break;
        }
        if ((n = netpoll_wait(c, POLL_READ)))
            break;
    }
    netpoll_release(c);
    return n;
}

long net_write(net_conn *c, const void *buf, size_t len)
{
    if (!netpoll_acquire(c))
        return NET_CLOSED;
    size_t done = 0;
    long err = 0;
    while (done < len && !(err = netpoll_check(c, POLL_WRITE))) {
        /* send, not write: a peer gone must give EPIPE, not SIGPIPE. */
        ssize_t put = send(c->fd, (const char *)buf + done, len - done,
                           MSG_NOSIGNAL);
        if (put >= 0)
            done += (size_t)put;
        else if (errno == EAGAIN)
            err = netpoll_wait(c, POLL_WRITE);
        else if (errno != EINTR)
            err = errno_error(errno);
        if (err)
            break;
    }
    netpoll_release(c);
    return err ? err : (long)len;
}

void net_set_read_deadline(net_conn *c, int64_t when)
{
    netpoll_deadline(c, POLL_READ, when);
}

void net_set_write_deadline(net_conn *c, int64_t when)
{
    netpoll_deadline(c, POLL_WRITE, when);
}

long net_close(net_conn *c)
{
    return netpoll_close(c);
}
