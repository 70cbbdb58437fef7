/*
 * stack.c: goroutine stacks.
 *
 * Size. Go starts a goroutine at 2 KiB and grows it by copying, which
 * needs a compiler that knows every pointer into the stack; C code can
 * hold such pointers anywhere, so our stacks cannot move or grow. We
 * reserve 64 KiB of address space per goroutine (settable with the
 * environment variable GOROUTINE_STACK_KIB) and let the kernel commit
 * pages only when touched: a goroutine that uses 2 KiB costs one 4 KiB
 * page. 64 KiB because glibc's printf alone needs about 11 KiB.
 *
 * The mapping limit. One mmap per stack plus an mprotect'ed guard page
 * costs two kernel mappings, and Linux allows 65,530 per process: about
 * 32,700 goroutines. So stacks are carved from slabs of 256, one mapping
 * each, and the guard page below each stack is made with
 * madvise(MADV_GUARD_INSTALL) (Linux 6.13+), which adds no mapping. On an
 * older kernel we guard the first MPROTECT_GUARDS_MAX stacks with mprotect
 * and put a canary page below the others (see "The canary page"). The
 * program says which it uses (stack_guard). GOROUTINE_STACK_GUARD=mprotect
 * does as an older kernel would; =canary puts a canary below every stack:
 * for tests, and to see for yourself.
 *
 * Guard pages need the compiler's help. The CPU faults only where memory
 * is touched. A function whose frame is larger than the guard page and
 * which writes only part of it (a local buffer, filled in part: common
 * C) can step over the guard and write into the stack below, another
 * goroutine's: nothing faults, that goroutine's locals change, and the
 * program goes on. -fstack-clash-protection makes the compiler touch
 * every page of a large frame as it makes room for it ("probes"), so
 * that the first page touched below the stack is the guard. Step 5 and
 * every program linked with it are built so (step.mk); Debian's gcc does
 * not do it by default. If you write code that runs on goroutine stacks
 * (ours or any other C library's), build it so too. Go needs none of
 * this: each function compares the stack pointer with the stack's bound
 * before it touches its frame.
 *
 * The canary page. Without a guard page, the 4 KiB below the stack hold
 * a pattern, checked, with the stack pointer, at every switch away from
 * the goroutine and at its end (stack_check); at a fault, the SIGSEGV
 * handler checks the stack pointer too. That catches, late (after the
 * damage, which may have crashed the program first):
 *  - an overflow still under way at a switch or at a fault (the stack
 *    pointer is below the stack), however large its frames;
 *  - any write that changed the canary page: every overflow that wrote
 *    something and reached no further than the page, and a deeper one
 *    that wrote at least once every 4 KiB on its way down (a call writes
 *    its return address; the probes write zeros on AArch64 and with
 *    clang, but gcc's `or $0` on x86-64 leaves memory as it was).
 * It misses a frame larger than 4 KiB that steps over the page, writes
 * below it, and returns before the goroutine's next switch: only a guard
 * page catches that.
 *
 * Every overflow found ends the program as Go's does: "fatal error: stack
 * overflow", exit status 2 (report_overflow).
 *
 * Stacks are never unmapped: when a goroutine ends, its stack goes to its
 * P's cache of free stacks (a shared list beyond STACK_CACHE_MAX), for the
 * next goroutine that starts (Go: stackcache, stackfree).
 */
#include "runtime.h"

#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif

enum {
    DEFAULT_STACK_KIB = 64,
    SLAB_STACKS = 256,           /* stacks per mapping */
    MPROTECT_GUARDS_MAX = 16384, /* 2 mappings each: half of the limit */
    CANARY_BYTES = 4096,         /* the canary page, below the stack */
    MAIN_STACK_GAP_PAGES = 256,  /* the kernel's stack_guard_gap */
    SIGNAL_STACK_BYTES = 64 * 1024,
    STACK_CACHE_MAX = 64,        /* free stacks kept per P */
};

/* A free stack, described at its own top (its memory is ours), in a
   place of its own above the stack proper [stack_lo, stack_hi), where no
   frame nor go() argument ever lies. */
struct free_stack {
    struct free_stack *next;
    char *lo;
    bool guarded;
};
enum { STACK_TOP_RESERVE = 32 }; /* >= sizeof(struct free_stack), and
                                    keeps stack_hi 16-byte aligned */
static const uint64_t STACK_CANARY = 0x6f766572666c6f77; /* "overflow" */

static struct {
    pthread_mutex_t lock; /* guards slab, used, guards */
    size_t page;
    size_t slot;          /* bytes per stack, its guard page included */
    bool madv_guard;      /* MADV_GUARD_INSTALL works here */
    size_t guards_max;    /* mprotect guards we may make */
    char *slab;           /* the slab stacks are being carved from */
    size_t used;          /* its stacks handed out */
    size_t guards;        /* mprotect guards made */
    struct free_stack *_Atomic free; /* shared free stacks (atomic:
                                        stack_get peeks unlocked) */
    struct sigaction old_segv;
    char guard_words[128]; /* what stack_guard says */
} stacks = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The stack this thread was born with, when a G runs on it (goroutine 1
   on the main thread, an M's g0 on its own): a fault within gap bytes of
   its lowest address is its overflow (see stack_adopt_thread). */
static _Thread_local struct {
    const G *g;
    size_t gap;
} thread_stack;

_Noreturn static void out_of_memory(const char *what)
{
    fprintf(stderr, "fatal error: out of memory: %s: %s\n", what,
            strerror(errno));
    exit(2);
}

/* Does MADV_GUARD_INSTALL make a page fault? It returns 0 under
   qemu-user, which ignores advice it does not know: so check that the
   kernel refuses to read the page (EFAULT), without touching it. */
static bool madv_guard_works(size_t page)
{
    char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return false;
    bool works = false;
    int fds[2];
    if (madvise(p, page, MADV_GUARD_INSTALL) == 0 && pipe(fds) == 0) {
        works = write(fds[1], p, 1) < 0 && errno == EFAULT;
        close(fds[0]);
        close(fds[1]);
    }
    munmap(p, page);
    return works;
}

const char *stack_guard(void)
{
    return stacks.guard_words;
}

size_t stack_size(void)
{
    return stacks.slot - stacks.page - STACK_TOP_RESERVE;
}

/* Append s, or n in decimal, at p: no snprintf, which is not safe in a
   signal handler. */
static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *put_dec(char *p, unsigned long long n)
{
    char digits[20];
    int i = 0;
    do
        digits[i++] = (char)('0' + n % 10);
    while (n /= 10);
    while (i > 0)
        *p++ = digits[--i];
    return p;
}

/*
 * g's stack overflowed: say so in Go's words, then which goroutine and
 * how large its stack is, and end the program with Go's exit status for
 * a fatal error. late: how it was found when not by a guard page, or
 * NULL. May run in the SIGSEGV handler, on the signal stack: write()
 * and _exit() only.
 */
_Noreturn static void report_overflow(const G *g, const char *late)
{
    char buf[256], *p = buf;
    p = put_str(p, "fatal error: stack overflow\ngoroutine ");
    p = put_dec(p, (unsigned long long)g->id);
    p = put_str(p, ": stack is ");
    p = put_dec(p, (unsigned long long)(g->stack_hi - g->stack_lo));
    p = put_str(p, " bytes\n");
    if (late) {
        p = put_str(p, "found late: ");
        p = put_str(p, late);
        p = put_str(p, "\n");
    }
    ssize_t unused = write(STDERR_FILENO, buf, (size_t)(p - buf));
    (void)unused; /* we exit either way */
    _exit(2);
}

/* The canary page of an unguarded stack whose lowest byte is lo. */
static uint64_t *canary_page(char *lo)
{
    return (uint64_t *)(lo - CANARY_BYTES);
}

static uint64_t canary_pattern[CANARY_BYTES / sizeof(uint64_t)];

static bool canary_intact(char *lo)
{
    return memcmp(canary_page(lo), canary_pattern, CANARY_BYTES) == 0;
}

/* Called on g's own stack, by execute (sched.c) as g leaves it, the
   last time too: our frame's address is then as low as g's stack goes. */
void stack_check(G *g)
{
    if ((uintptr_t)__builtin_frame_address(0) < (uintptr_t)g->stack_lo)
        report_overflow(g, "the stack pointer was below the stack "
                           "at a switch");
    if (!canary_intact(g->stack_lo))
        report_overflow(g, "the canary below the stack was overwritten");
}

/* Is a fault at addr an overflow of g's stack? */
static bool in_guard(const G *g, uintptr_t addr)
{
    uintptr_t lo = (uintptr_t)g->stack_lo;
    if (g == thread_stack.g)
        return addr >= lo - thread_stack.gap && addr < lo + thread_stack.gap;
    return addr >= lo - stacks.page && addr < lo;
}

/*
 * SIGSEGV, on the thread's alternate signal stack (the goroutine's own
 * stack is the one that just overflowed). A fault in the guard page of
 * the running goroutine's stack is an overflow, and so is any fault while
 * its stack pointer is below its stack (one that stepped over the guard
 * or the canary, and went on until it hit memory that faults). Anything
 * else is none of our business: put back the handler that was there
 * before and return, so that the instruction faults again and is handled
 * as if we were not here (the default kills the process; a sanitizer
 * prints its report).
 */
static void on_sigsegv(int sig, siginfo_t *info, void *ucontext)
{
    (void)sig;
    G *g = getg();
    if (g && g->stack_lo) {
        if (g->stack_guarded && in_guard(g, (uintptr_t)info->si_addr))
            report_overflow(g, NULL);
        if (ctx_signal_sp(ucontext) < (uintptr_t)g->stack_lo)
            report_overflow(g, "the stack pointer was below the stack "
                               "at a fault");
    }
    sigaction(SIGSEGV, &stacks.old_segv, NULL);
}

/*
 * g runs on the stack this thread was born with: goroutine 1 on the
 * main thread's, an M's g0 on the one pthread_create made. The kernel or
 * glibc guards it; learn its bounds, so that a fault there is reported
 * as g's overflow and not as a bare "Segmentation fault".
 *
 * A thread's stack has a guard page (or more) below it. The main
 * thread's grows as it is used, down to RLIMIT_STACK, its lowest address
 * as glibc reports it; the kernel keeps stack_guard_gap (256 pages by
 * default) free below it, so a large frame may fault anywhere in there.
 * And where another mapping lies closer than RLIMIT_STACK, glibc reports
 * that mapping's end, and the kernel stops the stack 256 pages above it:
 * so a fault that near, above or below, counts.
 */
void stack_adopt_thread(G *g)
{
    g->stack_guarded = true;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return; /* then faults there stay plain crashes */
    void *lo;
    size_t size, guard;
    pthread_attr_getstack(&attr, &lo, &size);
    pthread_attr_getguardsize(&attr, &guard);
    pthread_attr_destroy(&attr);
    g->stack_lo = lo;
    g->stack_hi = (char *)lo + size;
    thread_stack.g = g;
    thread_stack.gap = getpid() == gettid()
                           ? MAIN_STACK_GAP_PAGES * stacks.page
                           : guard > stacks.page ? guard : stacks.page;
}

/* Every M: a stack for the SIGSEGV handler (unless one is set already,
   as sanitizers do). Never freed: Ms live as long as the process. */
void signal_stack_init(void)
{
    stack_t old;
    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE))
        return;
    size_t size = SIGNAL_STACK_BYTES;
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        out_of_memory("signal stack");
    stack_t ss = {.ss_sp = mem, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        die("sigaltstack");
}

/* Which guards: the best this kernel has, unless GOROUTINE_STACK_GUARD
   asks for what an older one has (mprotect) or for none (canary). */
static void choose_guard(void)
{
    const char *env = getenv("GOROUTINE_STACK_GUARD");
    if (env && !*env)
        env = NULL;
    bool mprotect_only = env && strcmp(env, "mprotect") == 0;
    bool canary_only = env && strcmp(env, "canary") == 0;
    if (env && !mprotect_only && !canary_only)
        usage_error("GOROUTINE_STACK_GUARD must be mprotect or canary, "
                    "got '%s'", env);
    stacks.madv_guard = !env && madv_guard_works(stacks.page);
    stacks.guards_max = canary_only ? 0 : MPROTECT_GUARDS_MAX;
    if (stacks.madv_guard)
        snprintf(stacks.guard_words, sizeof stacks.guard_words,
                 "guard pages (MADV_GUARD_INSTALL)");
    else if (stacks.guards_max)
        snprintf(stacks.guard_words, sizeof stacks.guard_words,
                 "mprotect guard pages for the first %zu stacks, "
                 "canary pages for the rest", stacks.guards_max);
    else
        snprintf(stacks.guard_words, sizeof stacks.guard_words,
                 "canary pages, no guard pages");
}

void stack_init(void)
{
    stacks.page = (size_t)sysconf(_SC_PAGESIZE);
    size_t kib = DEFAULT_STACK_KIB;
    const char *env = getenv("GOROUTINE_STACK_KIB");
    if (env)
        kib = (size_t)parse_count(env, "GOROUTINE_STACK_KIB", 1 << 20);
    size_t bytes = (kib * 1024 + stacks.page - 1) / stacks.page * stacks.page;
    if (bytes < 2 * stacks.page) /* one page for the first frame at least */
        bytes = 2 * stacks.page;
    stacks.slot = bytes + stacks.page;
    choose_guard();
    for (size_t i = 0; i < CANARY_BYTES / sizeof(uint64_t); i++)
        canary_pattern[i] = STACK_CANARY;

    struct sigaction sa = {.sa_sigaction = on_sigsegv,
                           .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &stacks.old_segv) != 0)
        die("sigaction");
}

/* Give g a stack: the next slot of the current slab, guarded. */
void stack_alloc(G *g)
{
    pthread_mutex_lock(&stacks.lock);
    if (!stacks.slab || stacks.used == SLAB_STACKS) {
        void *slab = mmap(NULL, SLAB_STACKS * stacks.slot,
                          PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                              MAP_STACK,
                          -1, 0);
        if (slab == MAP_FAILED)
            out_of_memory("cannot map goroutine stacks");
        stacks.slab = slab;
        stacks.used = 0;
    }
    char *slot = stacks.slab + stacks.used++ * stacks.slot;
    bool guarded;
    if (stacks.madv_guard)
        guarded = madvise(slot, stacks.page, MADV_GUARD_INSTALL) == 0;
    else
        guarded = stacks.guards < stacks.guards_max &&
                  mprotect(slot, stacks.page, PROT_NONE) == 0 &&
                  ++stacks.guards;
    pthread_mutex_unlock(&stacks.lock);

    g->stack_lo = slot + stacks.page;
    g->stack_hi = g->stack_lo + stack_size();
    g->stack_guarded = guarded;
    if (!guarded) /* where the guard would be; once, for good */
        memcpy(canary_page(g->stack_lo), canary_pattern, CANARY_BYTES);
}

void stack_get(P *p, G *g)
{
    if (!p->stackcache && /* a peek; checked again locked */
        atomic_load_explicit(&stacks.free, memory_order_relaxed)) {
        pthread_mutex_lock(&stacks.lock);
        while (stacks.free && p->nstackcache < STACK_CACHE_MAX / 2) {
            struct free_stack *s = stacks.free;
            stacks.free = s->next;
            s->next = p->stackcache;
            p->stackcache = s;
            p->nstackcache++;
        }
        pthread_mutex_unlock(&stacks.lock);
    }
    struct free_stack *s = p->stackcache;
    if (!s) {
        stack_alloc(g);
        return;
    }
    p->stackcache = s->next;
    p->nstackcache--;
    g->stack_lo = s->lo;
    g->stack_hi = s->lo + stack_size();
    g->stack_guarded = s->guarded;
}

/* The stack of g, whose goroutine has ended, goes to the top of p's
   cache (the next go() on p takes it: warm); when the cache is full, its
   older half goes to the shared list. The caller runs on another stack:
   g's was checked as g left it for the last time (execute in sched.c). */
void stack_put(P *p, G *g)
{
    if (p->nstackcache >= STACK_CACHE_MAX) {
        pthread_mutex_lock(&stacks.lock);
        while (p->nstackcache > STACK_CACHE_MAX / 2) {
            struct free_stack *s = p->stackcache;
            p->stackcache = s->next;
            p->nstackcache--;
            s->next = stacks.free;
            stacks.free = s;
        }
        pthread_mutex_unlock(&stacks.lock);
    }
    san_stack_free(g->stack_lo, stack_size());
    struct free_stack *s = (struct free_stack *)g->stack_hi;
    *s = (struct free_stack){p->stackcache, g->stack_lo, g->stack_guarded};
    p->stackcache = s;
    p->nstackcache++;
    g->stack_lo = g->stack_hi = NULL;
}
