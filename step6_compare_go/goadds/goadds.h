/*
 * goadds.h: what Go's runtime adds to step 5's, built: sysmon, the
 * preemption of a goroutine that never yields, and the hand-off of a P
 * whose M sits in a system call. Link goadds/ with step 5's runtime and
 * these start by themselves with it (goadds_start, a seam of runtime.h).
 *
 *   sysmon.c        Go: runtime.sysmon, retake, preemptone (and it
 *                   prints GODEBUG=schedtrace, as Go's does)
 *   preempt.c       Go: preempt.go, signal_unix.go (doSigPreempt)
 *   preempt_*.S     Go: preempt_amd64.s, preempt_arm64.s (asyncPreempt)
 *   syscall.c       Go: entersyscall, exitsyscall, exitsyscall0
 *   instrument.c    Go 1.2 to 1.13: a check at every function's entry
 *
 * Step 5 stays cooperative: its own programs link none of this.
 */
#ifndef GOADDS_H
#define GOADDS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Go: runtime.entersyscall, exitsyscall. Around a call that may block in
 * the kernel: meanwhile sysmon may hand this goroutine's P to another M,
 * so that the other goroutines run; on return the goroutine gets a P
 * back, or waits in the global queue for one.
 */
void entersyscall(void);
void exitsyscall(void);
void exitsyscall_errno(int err); /* exitsyscall, then errno = err */

/*
 * SYSCALL(read(fd, buf, n)): the call between entersyscall and
 * exitsyscall, its value, and its errno. The errno is carried over by
 * hand: the goroutine may come back on another thread, whose errno is
 * another variable. Go wraps every system call of its own library; ours
 * are only those the program wraps: an unwrapped call keeps its P.
 * (A GNU statement expression, which gcc and clang both know.)
 */
#define SYSCALL(call)                                                   \
    ({                                                                  \
        entersyscall();                                                 \
        __typeof__(call) syscall_ret_ = (call);                        \
        exitsyscall_errno(errno);                                       \
        syscall_ret_;                                                   \
    })

/* Go: acquirem, releasem. While held, this goroutine is not preempted,
   as a Go runtime function is not while it holds a lock. */
void acquirem(void);
void releasem(void);

/* What sysmon and the preemption did so far, for tests and demos. */
struct goadds_stats {
    uint64_t preempt_requests; /* a G ran 10 ms: asked to stop */
    uint64_t signals;          /* SIGURGs sent */
    uint64_t async_preempts;   /* handler found a safe point: stopped */
    uint64_t unsafe_points;    /* handler found none: left alone */
    uint64_t sync_preempts;    /* stopped at a function's entry */
    uint64_t handoffs;         /* Ps taken from an M in a system call */
    uint64_t rounds;           /* sysmon's rounds */
};
void goadds_stats(struct goadds_stats *s);

/* Is preemption by signal on? Not under ThreadSanitizer (preempt.c says
   why), nor with GODEBUG=asyncpreemptoff=1, as in Go. */
bool async_preempt_enabled(void);

#endif
