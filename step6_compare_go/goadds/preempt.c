/*
 * preempt.c: asynchronous preemption, as Go 1.14 (runtime/preempt.go,
 * signal_unix.go: preemptM, doSigPreempt, wantAsyncPreempt,
 * isAsyncSafePoint).
 *
 * sysmon (sysmon.c) sets g->preempt on a G that has run 10 ms and sends
 * its M a SIGURG. The handler, on that M, looks at where the G was
 * stopped. If it is a safe point, it makes the G "call" asyncPreempt
 * (preempt_*.S) the moment the handler returns; asyncPreempt saves every
 * register, calls asyncPreempt2, which yields (gopreempt), and when the
 * G runs again, on whichever M, restores them all. If not, it does
 * nothing: g->preempt stays set and sysmon signals again next round.
 *
 * A safe point is one where switching away cannot hurt:
 *   - the program's own code: inside the executable's text (from its
 *     ".text" section to etext), but not in the runtime's (step 5's and
 *     goadds' objects, whose code sections the Makefile renames to
 *     "goruntime", so that the linker brackets them with
 *     __start_goruntime and __stop_goruntime). Not libc, not the vDSO,
 *     not a sanitizer's library: they may hold locks, or state of their
 *     thread, and none of it expects to wake on another thread. Not the
 *     PLT either, the stubs before .text through which the runtime calls
 *     libc too (program_text_start says more). The runtime takes its locks only in its own code, so this also
 *     keeps a G that holds one (a channel's, sched.lock) running. (On
 *     AArch64 gcc would take them in libgcc's atomic helpers, linked
 *     into the program's text: the Makefile says -mno-outline-atomics,
 *     which a test caught: a goroutine preempted inside the helper,
 *     holding the timer heap's lock, and the next one spun on it.);
 *   - m->locks == 0 (acquirem): Go's count of runtime locks held;
 *   - room on the G's stack for asyncPreempt and the switch;
 *   - the P is running the G (not in a system call).
 *
 * Where we differ from Go, on purpose:
 * - Go also needs the PC to have stack maps for its collector; we have
 *   no collector, so any instruction of the program's code will do.
 * - Off under ThreadSanitizer: TSan holds a signal back until its next
 *   interceptor (a call into libc) and then runs the handler with a copy
 *   of the registers, so a loop that calls nothing is never interrupted
 *   and changing the copy would change nothing. Go's race detector has
 *   no such problem: Go's own code delivers its signals.
 * - GODEBUG=asyncpreemptoff=1 turns it off, as in Go; then only the
 *   check at function entry (instrument.c) can preempt.
 */
#include "internal.h"

#include "common.h"
#include "sigctxt.h"

#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bounds that the linker defines (preempt.c's header says which). */
extern const char __executable_start[], etext[];
extern const char __start_goruntime[], __stop_goruntime[];
static uintptr_t text_start; /* the program's ".text", in memory */

/* asyncPreempt, in preempt_*.S: not a C function (see there). */
void asyncPreempt(void);
void asyncPreempt2(void);

enum {
    SIGPREEMPT = SIGURG, /* as Go: unused by most programs, harmless if
                            sent where nobody expects it (ignored) */
    /* Stack the G needs below the interrupted sp: the red zone,
       asyncPreempt's frame (under 1 KiB) and the switch, with room for
       the sanitizers' bigger frames. */
    PREEMPT_STACK_NEED = 16 * 1024,
};

static bool async_enabled;

#ifdef SAN_TSAN
static const bool under_tsan = true; /* no preemption by signal: above */
#else
static const bool under_tsan = false;
#endif

bool async_preempt_enabled(void)
{
    return async_enabled;
}

/* GODEBUG=...,asyncpreemptoff=1,...: as Go reads it. */
static bool asyncpreemptoff(void)
{
    const char *field = getenv("GODEBUG");
    while (field && *field) {
        size_t len = strcspn(field, ",");
        if (len == 17 && !strncmp(field, "asyncpreemptoff=1", 17))
            return true;
        field += len + (field[len] == ',');
    }
    return false;
}

/* Go: wantAsyncPreempt. May the G on this M, asked to stop, stop now? */
static bool want_async_preempt(M *m)
{
    return m->locks == 0 && m->p &&
           atomic_load(&m->p->status) == P_RUNNING;
}

/* Go: isAsyncSafePoint. May g stop at pc, with stack pointer sp? */
static bool is_async_safe_point(G *g, uintptr_t pc, uintptr_t sp)
{
    bool in_program = pc >= text_start && pc < (uintptr_t)etext;
    bool in_runtime = pc >= (uintptr_t)__start_goruntime &&
                      pc < (uintptr_t)__stop_goruntime;
    uintptr_t lo = (uintptr_t)g->stack_lo, hi = (uintptr_t)g->stack_hi;
    bool room = sp <= hi && sp - RED_ZONE >= lo + PREEMPT_STACK_NEED;
    return in_program && !in_runtime && room;
}

/* Go: doSigPreempt. The SIGURG handler, on the M that sysmon signalled
   (its signal stack: SA_ONSTACK). */
static void sigpreempt(int sig, siginfo_t *info, void *context)
{
    (void)sig, (void)info; /* no errno to save: we call nothing */
    ucontext_t *uc = context;
    M *m = getm();
    G *g = m ? getg() : NULL;
    if (!g || g == m->g0 || !atomic_load(&g->preempt))
        return; /* nobody asked this M: not our signal */
    if (want_async_preempt(m) &&
        is_async_safe_point(g, sigctxt_pc(uc), sigctxt_sp(uc))) {
        sigctxt_pushcall(uc, asyncPreempt);
        count(&goadds_counters.async_preempts);
    } else {
        count(&goadds_counters.unsafe_points); /* sysmon asks again */
    }
}

/*
 * Called by asyncPreempt, on the G's stack, with every register of the
 * interrupted code saved: an ordinary C function from here on. Go:
 * asyncPreempt2 -> gopreempt_m.
 */
void asyncPreempt2(void)
{
    atomic_store(&getg()->preempt, false);
    gopreempt();
}

/* Go: preemptM. sched.lock held (m->thread is set before m->p). */
void preemptM(M *m)
{
    if (!async_enabled)
        return;
    count(&goadds_counters.signals);
    pthread_kill(m->thread, SIGPREEMPT);
}

/*
 * Where the program's own code starts: its ".text" section. Between
 * __executable_start and there lie the ELF headers, .init and the PLT,
 * the stubs through which any code of the program calls libc: the
 * runtime too, holding its locks. A goroutine stopped in a stub the
 * runtime called is still in the runtime, but nothing at the stub's
 * address says so. (A test caught it: a G preempted in the stub of the
 * memcpy that a channel operation calls under the channel's lock, and
 * the next G on that M spinning on the lock for good. Under qemu, whose
 * signals often arrive just as a call lands in a stub, it was frequent.)
 * Sections are not loaded into memory, so we read their table from our
 * own file, once, at start. 0 if it cannot be read.
 */
static uintptr_t program_text_start(void)
{
    /* The ELF header is mapped where the executable starts; a PIE's
       addresses in it count from there. */
    const ElfW(Ehdr) *eh = (const void *)__executable_start;
    uintptr_t base = eh->e_type == ET_DYN ? (uintptr_t)eh : 0;
    size_t n = eh->e_shnum, size = n * sizeof(ElfW(Shdr));
    ElfW(Shdr) *sh = malloc(size ? size : 1);
    char *names = NULL;
    uintptr_t start = 0;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || !sh || eh->e_shentsize != sizeof *sh ||
        eh->e_shstrndx >= n ||
        pread(fd, sh, size, (off_t)eh->e_shoff) != (ssize_t)size)
        goto out;
    const ElfW(Shdr) *strtab = &sh[eh->e_shstrndx]; /* sections' names */
    names = calloc(1, strtab->sh_size + 1);
    if (!names || pread(fd, names, strtab->sh_size, (off_t)strtab->sh_offset)
                      != (ssize_t)strtab->sh_size)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (sh[i].sh_name < strtab->sh_size &&
            strcmp(names + sh[i].sh_name, ".text") == 0)
            start = base + sh[i].sh_addr;
out:
    if (fd >= 0)
        close(fd);
    free(names);
    free(sh);
    return start;
}

void preempt_init(void)
{
    async_enabled = !under_tsan && !asyncpreemptoff();
    if (!async_enabled)
        return;
    text_start = program_text_start();
    if (!text_start) { /* no safe point could be told: none */
        async_enabled = false;
        fprintf(stderr, "%s: cannot read the program's sections from "
                "/proc/self/exe: no preemption by signal\n", program_name());
        return;
    }
    /* SA_RESTART: a system call the signal interrupts (a G's read, an
       idle M's futex) starts again instead of failing with EINTR.
       SA_ONSTACK: on the M's signal stack (signal_stack_init), not on a
       goroutine's, which may have little room left. */
    struct sigaction sa = {.sa_sigaction = sigpreempt,
                           .sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGPREEMPT, &sa, NULL) != 0)
        die("sigaction (SIGURG)");
}

/* Go: acquirem, releasem: m.locks++ and --. The G may not move to
   another M meanwhile (it is not preempted, and must not block). */
void acquirem(void)
{
    getm()->locks++;
}

void releasem(void)
{
    M *m = getm();
    if (--m->locks < 0)
        fatal("releasem without acquirem");
}
