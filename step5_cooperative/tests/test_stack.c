/*
 * Stacks: an overflow ends the program as Go's does ("fatal error: stack
 * overflow", exit status 2), whatever the size of the frames that
 * overflow, with guard pages of either kind, in goroutine 1 on the main
 * thread's stack too. Where there is no guard page, the canary catches
 * what it claims (stack.c). Any other crash stays a crash.
 *
 * Each overflow runs in a child process (run_child), as goroutine 1 of a
 * runtime of its own, started there; GOROUTINE_STACK_GUARD, set in the
 * child before that, picks the kind of guard.
 */
#include "go.h"
#include "runtime.h"
#include "test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static waitgroup wg;

static int recurse(volatile char *prev, int depth)
{
    volatile char frame[512];
    frame[0] = prev ? prev[0] + 1 : 0;
    return depth ? recurse(frame, depth - 1) + frame[0] : frame[0];
}

static void deep(void *arg)
{
    (void)arg;
    recurse(NULL, 1 << 20);
    wg_done(&wg);
}

static void overflow(void *arg)
{
    (void)arg;
    wg_init(&wg);
    wg_add(&wg, 1);
    go(deep, 0);
    wg_wait(&wg);
}

/*
 * The child ended as an overflow must end: exit status 2, and on stderr
 *     fatal error: stack overflow
 *     goroutine N: stack is S bytes
 * main: N is 1, goroutine 1 on the main thread; else N > 1 (which one
 * depends on the P that ran go(): each P takes ids 16 at a time).
 */
static void expect_overflow(const struct run_result *r, const char *what,
                            bool main)
{
    const char *line = strstr(r->err, "fatal error: stack overflow\n");
    long long id = 0;
    size_t size = 0;
    if (line)
        sscanf(line, "fatal error: stack overflow\ngoroutine %lld: stack "
                     "is %zu bytes\n", &id, &size);
    if (r->status != 2 || size == 0 || (main ? id != 1 : id <= 1))
        test_fail(__FILE__, __LINE__,
                  "%s: exit status %d, want 2 with \"fatal error: stack "
                  "overflow\" and \"goroutine %s: stack is S bytes\"; "
                  "stderr:\n%s",
                  what, r->status, main ? "1" : "N", r->err);
}

TEST(stack_overflow_is_reported)
{
    struct run_result r;
    run_child(overflow, NULL, 60, &r);
    expect_overflow(&r, "512-byte frames", false);
    run_result_free(&r);
}

/* ---- Overflows beside a neighbour ------------------------------------- */

enum { WRITTEN = 256 }; /* bytes of each frame written: its lowest */

static void (*at_bottom)(void); /* called by the deepest frame, if set */

/*
 * descend_PAD(until): recurse, with frames of WRITTEN + PAD bytes of
 * which only the lowest WRITTEN are written (a local buffer used in
 * part: common C), down to the first frame that lies below `until`.
 * The CPU faults only where something is read or written: with PAD over
 * a page, a frame can step over a guard or canary page without touching
 * it.
 */
#define DESCEND(pad)                                                      \
    __attribute__((noinline)) static long descend_##pad(uintptr_t until)  \
    {                                                                     \
        volatile char frame[WRITTEN + (pad)];                             \
        for (int i = 0; i < WRITTEN; i++)                                 \
            frame[i] = (char)i;                                           \
        if ((uintptr_t)frame >= until)                                    \
            return descend_##pad(until) + frame[1];                       \
        if (at_bottom)                                                    \
            at_bottom();                                                  \
        return frame[1];                                                  \
    }
DESCEND(1000)
DESCEND(5000)
DESCEND(8000)
DESCEND(16000)

/* What one child does: which guard, which frames, how deep, and what
   the overflowing goroutine does at the bottom and after. */
struct plan {
    const char *guard;        /* GOROUTINE_STACK_GUARD, or NULL */
    long (*descend)(uintptr_t until);
    size_t below;             /* how far below its stack's bottom */
    size_t shift;             /* bytes left unused above the frames */
    void (*at_bottom)(void);
    bool yield_after;         /* switch away once back at the top */
    bool one_p;               /* GOMAXPROCS=1 */
};

enum { NEIGHBOUR_LOCALS = 750 };
static waitgroup neighbour_ready, overflow_done;

/* A goroutine whose stack lies right below the overflowing one's: it
   says so if its locals changed while it was parked. */
static void neighbour(void *arg)
{
    (void)arg;
    volatile long locals[NEIGHBOUR_LOCALS];
    for (int i = 0; i < NEIGHBOUR_LOCALS; i++)
        locals[i] = i;
    wg_done(&neighbour_ready);
    wg_wait(&overflow_done);
    int changed = 0;
    for (int i = 0; i < NEIGHBOUR_LOCALS; i++)
        changed += locals[i] != i;
    if (changed)
        fprintf(stderr, "neighbour: %d of %d locals changed\n", changed,
                NEIGHBOUR_LOCALS);
    wg_done(&wg);
}

/* Where the frames fall on a guard or canary page depends on where the
   first one starts: shift moves them down. */
__attribute__((noinline)) static long descend_shifted(const struct plan *p)
{
    volatile char shift[p->shift + 1];
    shift[0] = 0;
    return p->descend((uintptr_t)getg()->stack_lo - p->below) + shift[0];
}

/* A switch away, for sure (gosched alone on its P just returns). */
static void yield(void)
{
    time_sleep(1000);
}

static void overflower(void *arg)
{
    const struct plan *p = *(const struct plan **)arg;
    at_bottom = p->at_bottom;
    descend_shifted(p);
    if (p->yield_after)
        yield();
    wg_done(&overflow_done);
    wg_done(&wg);
}

/* The neighbour gets the stack below the overflower's: stacks are
   handed out in order. */
static void overflow_beside_neighbour(void *arg)
{
    const struct plan *p = arg;
    if (p->guard)
        setenv("GOROUTINE_STACK_GUARD", p->guard, 1);
    if (p->one_p)
        setenv("GOMAXPROCS", "1", 1);
    wg_init(&wg);
    wg_init(&neighbour_ready);
    wg_init(&overflow_done);
    wg_add(&wg, 2);
    wg_add(&neighbour_ready, 1);
    wg_add(&overflow_done, 1);
    go(neighbour, 0);
    wg_wait(&neighbour_ready);
    go(overflower, p);
    wg_wait(&wg);
}

/* ---- Frames larger than a guard page --------------------------------- */

static const struct big_frames {
    int pad;
    long (*descend)(uintptr_t until);
} big_frames[] = {
    {5000, descend_5000}, {8000, descend_8000}, {16000, descend_16000}};

enum { SHIFT_STEP = 512 };

/*
 * Every size of frame, with the guard page `guard` gives, each shifted
 * by 0, 512, 1024, ... bytes up to a frame's size: one of those shifts
 * puts the guard page between the writes of a frame (a gap of at least
 * pad - 4 KiB, over 800 bytes), so that it is not touched unless the
 * compiler probes it (-fstack-clash-protection).
 */
static void expect_big_frames_caught(const char *guard)
{
    for (size_t i = 0; i < sizeof big_frames / sizeof *big_frames; i++) {
        const struct big_frames *b = &big_frames[i];
        size_t frame = WRITTEN + (size_t)b->pad;
        for (size_t shift = 0; shift < frame; shift += SHIFT_STEP) {
            struct plan p = {.guard = guard, .descend = b->descend,
                             .below = 2 * frame, .shift = shift};
            struct run_result r;
            run_child(overflow_beside_neighbour, &p, 60, &r);
            char what[128];
            snprintf(what, sizeof what,
                     "frames of %zu bytes, %d written, shifted %zu", frame,
                     WRITTEN, shift);
            expect_overflow(&r, what, false);
            run_result_free(&r);
        }
    }
}

TEST(big_frames_cannot_jump_the_guard_page)
{
    expect_big_frames_caught(NULL);
}

/* What an older kernel has, and qemu-user (where the test above gets it
   too): MADV_GUARD_INSTALL does not work there. */
TEST(big_frames_cannot_jump_an_mprotect_guard_page)
{
    expect_big_frames_caught("mprotect");
}

/* ---- Without a guard page: the canary -------------------------------- */

TEST(canary_catches_an_overflow_under_way_at_a_switch)
{
    struct plan p = {.guard = "canary", .descend = descend_16000,
                     .below = 2 * (WRITTEN + 16000), .at_bottom = yield};
    struct run_result r;
    run_child(overflow_beside_neighbour, &p, 60, &r);
    expect_overflow(&r, "a switch below the stack", false);
    EXPECT_CONTAINS(r.err, "the stack pointer was below the stack at a "
                           "switch");
    run_result_free(&r);
}

/* A write that faults, and that UBSan does not stop first as it does a
   write through NULL: to the lowest page, which is never mapped. */
static void wild_write(void)
{
    static int *volatile wild = (int *)64;
    *wild = 1;
}

/* A fault while the stack pointer is below the stack, as when an
   overflow goes on until it meets memory that faults (then, though, it
   may have wrecked what the report needs: the stacks below, the heap). */
TEST(canary_catches_a_fault_below_the_stack)
{
    struct plan p = {.guard = "canary", .descend = descend_1000,
                     .below = 2 * (WRITTEN + 1000), .at_bottom = wild_write};
    struct run_result r;
    run_child(overflow_beside_neighbour, &p, 60, &r);
    expect_overflow(&r, "a fault below the stack", false);
    EXPECT_CONTAINS(r.err, "the stack pointer was below the stack at a fault");
    run_result_free(&r);
}

/*
 * Frames of 1,256 bytes, 256 written, down to 2,000 bytes below the
 * stack (the deepest frame then ends within the canary page, even with
 * ASan's larger frames), back up, and then on. Shifted by 0, 256, ...
 * bytes: a canary of one word would be stepped over by most of those.
 * Found at the goroutine's end: with more than one P, main may return
 * (and the process end) between the goroutine's last wg_done and that
 * check; with one, the goroutine's end comes first.
 */
static void expect_canary_catches_writes(bool yield_after, const char *what)
{
    for (size_t shift = 0; shift < WRITTEN + 1000; shift += 256) {
        struct plan p = {.guard = "canary", .descend = descend_1000,
                         .below = 2000, .shift = shift,
                         .yield_after = yield_after, .one_p = !yield_after};
        struct run_result r;
        run_child(overflow_beside_neighbour, &p, 60, &r);
        expect_overflow(&r, what, false);
        EXPECT_CONTAINS(r.err, "the canary below the stack was overwritten");
        run_result_free(&r);
    }
}

TEST(canary_catches_writes_below_the_stack_at_the_next_switch)
{
    expect_canary_catches_writes(true, "a switch after the overflow");
}

TEST(canary_catches_writes_below_the_stack_when_the_goroutine_ends)
{
    expect_canary_catches_writes(false, "the end after the overflow");
}

static void bad_guard(void *arg)
{
    (void)arg;
    setenv("GOROUTINE_STACK_GUARD", "none", 1);
    runtime_start();
}

TEST(stack_guard_env_is_checked)
{
    struct run_result r;
    run_child(bad_guard, NULL, 60, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_CONTAINS(r.err, "GOROUTINE_STACK_GUARD must be ");
    run_result_free(&r);
}

/* ---- Goroutine 1, on the main thread's stack -------------------------- */

static void main_overflow(void *arg)
{
    runtime_start(); /* we are goroutine 1 now */
    (*(long (**)(uintptr_t))arg)(0); /* never below address 0: for ever */
}

TEST(main_goroutine_overflow_is_reported)
{
    long (*descend[])(uintptr_t) = {descend_1000, descend_16000};
    for (size_t i = 0; i < sizeof descend / sizeof *descend; i++) {
        struct run_result r;
        run_child(main_overflow, &descend[i], 60, &r);
        expect_overflow(&r, i ? "16,256-byte frames" : "1,256-byte frames",
                        true);
        run_result_free(&r);
    }
}

/* ---- Not an overflow -------------------------------------------------- */

static void crasher(void *arg)
{
    (void)arg;
    wild_write();
    wg_done(&wg);
}

static void crash(void *arg)
{
    (void)arg;
    wg_init(&wg);
    wg_add(&wg, 1);
    go(crasher, 0);
    wg_wait(&wg);
}

TEST(other_crashes_stay_crashes)
{
    struct run_result r;
    run_child(crash, NULL, 60, &r);
    EXPECT(r.status != 0);
    EXPECT(strstr(r.err, "stack overflow") == NULL);
    run_result_free(&r);
}

/* printf's formatting of a double needs ~11 KiB of stack; snprintf runs
 * the same code, into a buffer rather than into the test's output. */
static char formatted[16];

static void printf_double(void *arg)
{
    snprintf(formatted, sizeof formatted, "%.3f", *(double *)arg);
    wg_done(&wg);
}

TEST(default_stack_runs_printf)
{
    wg_init(&wg);
    wg_add(&wg, 1);
    go(printf_double, 3.25);
    wg_wait(&wg);
    EXPECT(strcmp(formatted, "3.250") == 0);
    EXPECT(stack_size() >= 16 * 1024);
}
