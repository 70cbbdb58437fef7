/*
 * chan.h: Go's channels and select, each call next to its Go spelling.
 *
 * The same header, and the same chan.c under it, in steps 4 and 5: step
 * 4 runs it on OS threads, step 5 on goroutines of its own, so a program
 * written against go.h and chan.h runs unchanged on either.
 *
 *     Go                            C
 *     ch := make(chan int, 8)       chan *ch = make_chan(int, 8);
 *     ch <- v                       chan_send(ch, &v);
 *     v := <-ch                     chan_recv(ch, &v);
 *     v, ok := <-ch                 bool ok = chan_recv(ch, &v);
 *     len(ch), cap(ch)              chan_len(ch), chan_cap(ch)
 *     close(ch)                     chan_close(ch);
 *     var ch chan int  (nil)        chan *ch = NULL;
 *     (garbage collector)           chan_free(ch);
 *     select { ... }                chan_select(cases, n, has_default)
 *     time.After(d)                 time_after(ns)
 */
#ifndef CHAN_H
#define CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Go: hchan. NULL is Go's nil channel. */
typedef struct chan chan;

/* make(chan T, cap). A cap of 0 makes an unbuffered channel. */
chan *chan_make(size_t elem_size, size_t cap);
#define make_chan(T, cap) chan_make(sizeof(T), (cap))

/*
 * c <- *elem. Blocks until a receiver has the value (unbuffered) or it is
 * in the buffer. Closed channel: "panic: send on closed channel", exit 2.
 * nil channel: blocks forever.
 */
void chan_send(chan *c, const void *elem);

/*
 * *elem, ok = <-c. Blocks until a value comes. Closed and drained:
 * returns false at once with *elem set to zero bytes. elem may be NULL
 * (the value is dropped). nil channel: blocks forever.
 */
bool chan_recv(chan *c, void *elem);

/* select { case c <- *elem: return true; default: return false } */
bool chan_try_send(chan *c, const void *elem);

/*
 * select { case *elem, *ok = <-c: return true; default: return false }
 * ok may be NULL.
 */
bool chan_try_recv(chan *c, void *elem, bool *ok);

/*
 * close(c). Wakes every blocked receiver (they get zero, ok = false) and
 * every blocked sender (they panic). Panics: "close of nil channel",
 * "close of closed channel".
 */
void chan_close(chan *c);

size_t chan_len(chan *c); /* len(c): values in the buffer; nil -> 0 */
size_t chan_cap(chan *c); /* cap(c); nil -> 0 */

/*
 * C has no garbage collector: drop the creator's reference once no
 * goroutine will use c again. Channels are reference counted so that a
 * timer that has not fired yet (time_after) keeps its channel alive.
 * chan_free(NULL) does nothing.
 */
void chan_free(chan *c);

typedef enum { SELECT_SEND, SELECT_RECV } select_dir;

/* One case of a select. */
typedef struct {
    select_dir dir;
    chan *c;    /* NULL: never chosen (nil channel) */
    void *elem; /* send: the value; recv: where to store it (may be NULL) */
    bool ok;    /* recv: false if the channel was closed (v, ok := <-c) */
} select_case;

#define SEND_CASE(ch, ptr) \
    ((select_case){SELECT_SEND, (ch), (void *)(ptr), false})
#define RECV_CASE(ch, ptr) ((select_case){SELECT_RECV, (ch), (ptr), false})

/*
 * Go's select: runs exactly one ready case, chosen uniformly at random
 * among the ready ones, and returns its index. Blocks until a case is
 * ready, unless has_default: then returns -1 at once when none is.
 * chan_select(NULL, 0, false) is `select {}`: it blocks forever.
 * A send case on a closed channel panics, as a send does.
 */
int chan_select(select_case *cases, int n, bool has_default);

/*
 * Go: time.After. A channel of int64_t, cap 1, that receives now_ns()
 * once, ns nanoseconds from now. chan_free it when done with it, fired
 * or not.
 */
chan *time_after(int64_t ns);

#endif
