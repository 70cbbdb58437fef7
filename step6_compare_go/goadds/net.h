/*
 * net.h: TCP for goroutines, the shape of Go's net package (Go:
 * net.Listen, Listener.Accept, net.Dial, Conn.Read, Conn.Write,
 * Conn.SetReadDeadline, Conn.Close), on step 5's runtime and the network
 * poller of netpoll.c.
 *
 * Every call blocks the goroutine, never its thread: a read with no data
 * parks the goroutine ("IO wait") until epoll says the socket is ready,
 * and the thread runs other goroutines meanwhile. So a server may start
 * a goroutine per connection, as Go servers do:
 *
 *     for (;;) {
 *         net_conn *c = net_accept(l, &err);
 *         go(handle, c);
 *     }
 *
 * Calls return a count (>= 0) or an error (< 0) that net_strerror puts in
 * Go's words: NET_EOF "EOF", NET_CLOSED "use of closed network
 * connection", NET_TIMEOUT "i/o timeout", NET_REFUSED "connection
 * refused", NET_RESET "connection reset by peer".
 *
 * Where we differ from Go, on purpose:
 * - IPv4 "a.b.c.d:port" only, no names to look up; the tests and the
 *   race use 127.0.0.1.
 * - One goroutine reads a connection at a time, and one writes (Go lets
 *   several, one after another: fdMutex); a second one is a fatal error.
 * - A closed net_conn is like a closed file descriptor: once every call on
 *   it has returned, the next connection may reuse it. Go's Conn stays
 *   valid (and closed) as long as someone holds it; the garbage collector
 *   frees it.
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <stdint.h>

typedef struct poll_desc net_conn; /* a connection or a listener */

/* Errors; any other failed system call is NET_ERRNO - errno. */
enum {
    NET_EOF = -1,     /* the peer closed its side (Go: io.EOF) */
    NET_CLOSED = -2,  /* ours was closed (Go: net.ErrClosed) */
    NET_TIMEOUT = -3, /* a deadline passed (Go: os.ErrDeadlineExceeded) */
    NET_REFUSED = -4, /* nobody listens there (ECONNREFUSED) */
    NET_RESET = -5,   /* the peer reset the connection (ECONNRESET) */
    NET_BADADDR = -6, /* not "a.b.c.d:port" */
    NET_ERRNO = -100,
};
const char *net_strerror(long err); /* Go's words for err */

/* Go: net.Listen("tcp", addr). Port 0: any free port (net_port says
   which). NULL and *err on failure. */
net_conn *net_listen(const char *addr, long *err);
int net_port(net_conn *c); /* the local port */

/* Go: Listener.Accept. Parks until a connection comes in. */
net_conn *net_accept(net_conn *listener, long *err);

/* Go: net.Dial("tcp", addr). Parks until connected or refused. */
net_conn *net_dial(const char *addr, long *err);

/* Go: Conn.Read. Parks until some bytes came; returns how many (at most
   len), or NET_EOF once the peer has closed and everything is read. */
long net_read(net_conn *c, void *buf, size_t len);

/* Go: Conn.Write. Parks until all len bytes are written; returns len. */
long net_write(net_conn *c, const void *buf, size_t len);

/* Go: SetReadDeadline, SetWriteDeadline. A call parked now or made later
   fails with NET_TIMEOUT once now_ns() passes `when`; 0: no deadline. */
void net_set_read_deadline(net_conn *c, int64_t when);
void net_set_write_deadline(net_conn *c, int64_t when);

/* Go: Conn.Close. The goroutines parked on c wake up with NET_CLOSED. */
long net_close(net_conn *c);

#endif
