/*
 * trace.h: what the scheduler did, event by event, and its pictures
 * (Go: runtime/trace.go, read with `go tool trace`).
 *
 *   GOTRACE=name ./step5 ms    records, and at exit writes name.json
 *                              (Perfetto, chrome://tracing) and
 *                              name.svg (any browser)
 *
 * Each M appends to a buffer of its own, so recording takes no lock.
 * The scheduler calls the hooks below as Go's does, behind one test of a
 * flag that never changes after start: `if (trace.enabled)`.
 */
#ifndef TRACE_H
#define TRACE_H

#include "runtime.h"

#include <stdio.h>

/* Go: trace.enabled. Written once, at runtime start, before any M but
   M0 exists; only read after that, so a plain bool. */
struct trace_flag {
    bool enabled;
};
extern struct trace_flag trace;

/* What happened (Go: traceEvGoCreate, traceEvGoStart, ...). A goroutine
   that stops says why: GO_SCHED, GO_PARK or GO_END. */
enum trace_kind {
    TRACE_GO_CREATE, /* g made by go(); arg.g: the G that called go() */
    TRACE_GO_START,  /* g starts running on this M */
    TRACE_GO_SCHED,  /* g yields, runnable (gosched, or go() with a full
                        ring: newproc) */
    TRACE_GO_PARK,   /* g parks; arg.reason: its wait reason */
    TRACE_GO_END,    /* g's function returned */
    TRACE_GO_READY,  /* g readied by arg.g (0: this M's g0, a timer);
                        Go: traceEvGoUnblock */
    TRACE_STEAL,     /* g and arg.steal.n - 1 more taken from the ring
                        of P arg.steal.victim */
    TRACE_TIMER,     /* a timer fired on this M */
    TRACE_M_PARK,    /* this M goes to sleep (stopm) */
    TRACE_M_WAKE,    /* and wakes */
    TRACE_NKINDS
};

struct trace_event {
    int64_t when; /* now_ns() */
    int64_t g;    /* the goroutine's id; 0: none */
    union {
        int64_t g;          /* CREATE: the creator; READY: the readier */
        const char *reason; /* PARK: "chan receive", "sleep"... */
        struct {
            int32_t victim, n;
        } steal;            /* STEAL */
    } arg;
    int16_t m;    /* the M that recorded it */
    int16_t p;    /* the P that M held; -1: none */
    uint8_t kind; /* enum trace_kind */
};
/* 32 bytes an event: the figure GOTRACE prints at exit. */
_Static_assert(sizeof(struct trace_event) == 32, "trace_event grew");

/* ---- Recording: the hooks (sched.c, runq.c, timer.c) ---------------- */

void trace_start(void);               /* runtime start: reads GOTRACE */
void trace_go_create(G *newg);        /* newproc */
void trace_go_switch(G *from, G *to); /* execute: from stops, to starts
                                         (either may be a g0: skipped) */
void trace_go_ready(G *g);            /* goready */
void trace_steal(P *victim, G *g, int n); /* runqsteal */
void trace_timer(void);               /* timers_run, before each f */
void trace_m_park(void);              /* stopm, around its sleep */
void trace_m_wake(void);

/* ---- Reading ------------------------------------------------------- */

/* Every event recorded so far, by time (an M's own in the order it
   recorded them), from start to end. */
struct trace_events {
    struct trace_event *ev;
    size_t n;
    int64_t start, end; /* now_ns() at trace_start, and at trace_read
                           (or at full_at) */
    int64_t full_at;    /* when the recording stopped, full (0: never) */
    int nprocs;         /* GOMAXPROCS */
};
void trace_read(struct trace_events *t); /* free t->ev after */

/*
 * The events as the pictures draw them: each callback of a visitor that
 * is not NULL is called once per thing, in the order of the events that
 * complete it. A goroutine's run that has not stopped by t->end (main,
 * a spinner) ends there, with kind TRACE_NKINDS.
 */
struct trace_visitor {
    void *ctx;
    void (*run)(void *ctx, int m, int p, int64_t g, int64_t start,
                int64_t end, int kind, const char *reason);
    void (*ready)(void *ctx, int64_t g, int from_m, int64_t when,
                  int to_m, int64_t start); /* arrow: ready -> run */
    void (*asleep)(void *ctx, int m, int64_t start, int64_t end);
    void (*event)(void *ctx, const struct trace_event *e); /* each one */
};
void trace_walk(const struct trace_events *t, const struct trace_visitor *v);

/* The two forms. max_events: the JSON keeps the first that many. */
void trace_write_json(const struct trace_events *t, FILE *f,
                      size_t max_events);
void trace_write_svg(const struct trace_events *t, FILE *f); /* trace_svg.c */

#endif
