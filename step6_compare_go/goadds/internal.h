/*
 * internal.h: what goadds' files share (not for programs: goadds.h).
 */
#ifndef GOADDS_INTERNAL_H
#define GOADDS_INTERNAL_H

#include "goadds.h"
#include "runtime.h"

/* The counters behind goadds_stats (sysmon.c). */
extern struct goadds_counters {
    atomic_ullong preempt_requests, signals, async_preempts, unsafe_points,
        sync_preempts, handoffs, rounds;
} goadds_counters;

static inline void count(atomic_ullong *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* preempt.c */
void preempt_init(void);   /* reads GODEBUG, installs the SIGURG handler */
void preemptM(M *m);       /* Go: preemptM: signal m's thread */

#endif
