/*
 * instrument.c: preemption as Go did it from 1.2 to 1.13, for comparison.
 *
 * Go's compiler starts every function (but the smallest) with a check of
 * the stack pointer against g.stackguard0, for growing the stack. To
 * preempt a G, sysmon set stackguard0 to a value that fails every check
 * (stackPreempt): at its next call, the G went into the runtime, which
 * saw the request and yielded. A loop that calls no function never
 * checks, and was never preempted: what Go 1.14's signals fixed.
 *
 * C has no such check, but gcc and clang can add a call at every
 * function's entry: -finstrument-functions calls __cyg_profile_func_enter
 * (and _exit on the way out). Compile a file with it, link goadds, and
 * each call in that file looks at g->preempt. Only that file: it costs a
 * call per call.
 */
#include "internal.h"

#define NO_INSTRUMENT __attribute__((no_instrument_function))

NO_INSTRUMENT void __cyg_profile_func_enter(void *fn, void *call_site);
NO_INSTRUMENT void __cyg_profile_func_exit(void *fn, void *call_site);

/* Go: the stack check's slow path, morestack -> newstack, which finds
   stackguard0 == stackPreempt and calls gopreempt_m. */
void __cyg_profile_func_enter(void *fn, void *call_site)
{
    (void)fn, (void)call_site;
    M *m = getm();
    if (!m)
        return; /* a thread that runs no goroutines */
    G *g = getg();
    if (g == m->g0 || !atomic_load_explicit(&g->preempt,
                                            memory_order_relaxed) ||
        m->locks > 0 || !m->p || atomic_load(&m->p->status) != P_RUNNING)
        return;
    atomic_store(&g->preempt, false);
    count(&goadds_counters.sync_preempts);
    gopreempt();
}

void __cyg_profile_func_exit(void *fn, void *call_site)
{
    (void)fn, (void)call_site;
}
