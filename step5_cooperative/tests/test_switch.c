/* The context switch: what must survive it does, switches happen in the
   order the scheduler promises, and a goroutine's first frame is aligned
   as the ABI requires. */
#include "go.h"
#include "runtime.h"
#include "test.h"

#include <fenv.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

static volatile int64_t seed = 1;
static atomic_int bad;
static waitgroup wg;

/* Many values live across gosched(): at -O2 the compiler keeps them in
   callee-saved registers (rbx, rbp, r12-r15; x19-x28 and d8-d15 on Arm),
   which only ctx_switch preserves, while other goroutines use the same
   registers in between. */
static void juggle(void *arg)
{
    (void)arg;
    int64_t a = seed * 3, b = seed * 5, c = seed * 7, d = seed * 11,
            e = seed * 13, f = seed * 17, h = seed * 19;
    double x = (double)seed * 1.5, y = (double)seed * 2.5,
           z = (double)seed * 3.5, w = (double)seed * 4.5;
    for (int i = 0; i < 1000; i++) {
        gosched();
        a += 1, b += 2, c += 3, d += 4, e += 5, f += 6, h += 7;
        x += 1, y += 2, z += 3, w += 4;
    }
    if (a != 3 + 1000 || b != 5 + 2000 || c != 7 + 3000 ||
        d != 11 + 4000 || e != 13 + 5000 || f != 17 + 6000 ||
        h != 19 + 7000 || x != 1001.5 || y != 2002.5 || z != 3003.5 ||
        w != 4004.5)
        atomic_fetch_add(&bad, 1);
    wg_done(&wg);
}

TEST(callee_saved_registers_survive_switches)
{
    wg_init(&wg);
    for (int i = 0; i < 8; i++) {
        wg_add(&wg, 1);
        go(juggle, i);
    }
    wg_wait(&wg);
    EXPECT_EQ(bad, 0);
}

/* Each goroutine sets its own rounding mode (MXCSR / x87 CW / FPCR);
   the others must not see it, and it must find it again after switches. */
static void rounding(void *arg)
{
    static const int modes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO,
                                FE_TONEAREST};
    int mode = modes[*(int *)arg % 4];
    if (fegetround() != FE_TONEAREST) /* a new goroutine: the default */
        atomic_fetch_add(&bad, 1);
    fesetround(mode);
    for (int i = 0; i < 100; i++) {
        volatile double one = 1.0, three = 3.0;
        volatile double q = one / three; /* sets the inexact flag */
        (void)q;
        gosched();
        if (fegetround() != mode)
            atomic_fetch_add(&bad, 1);
    }
    fesetround(FE_TONEAREST);
    wg_done(&wg);
}

TEST(fp_control_state_is_per_goroutine)
{
    wg_init(&wg);
    for (int i = 0; i < 8; i++) {
        wg_add(&wg, 1);
        go(rounding, i);
    }
    wg_wait(&wg);
    EXPECT_EQ(bad, 0);
}

static void aligned(void *arg)
{
    uintptr_t *out = *(uintptr_t **)arg;
    alignas(16) volatile char probe[16];
    out[0] = (uintptr_t)__builtin_frame_address(0);
    out[1] = (uintptr_t)probe;
    wg_done(&wg);
}

TEST(goroutine_entry_is_aligned)
{
    uintptr_t addr[2] = {1, 1};
    wg_init(&wg);
    wg_add(&wg, 1);
    go(aligned, &addr[0]);
    wg_wait(&wg);
    EXPECT_EQ(addr[0] % 16, 0);
    EXPECT_EQ(addr[1] % 16, 0);
}

/* At GOMAXPROCS=1, goroutines that only gosched() take turns: each one
   runs again only after the others had theirs (every 61st switch the
   scheduler takes the oldest instead, so allow a second turn within any
   2 * PLAYERS switches, never a wait longer than that). */
enum { TURNS = 200, PLAYERS = 5 };
static int order[TURNS * PLAYERS], norder;

static void player(void *arg)
{
    for (int i = 0; i < TURNS; i++) {
        order[norder++] = *(int *)arg;
        gosched();
    }
    wg_done(&wg);
}

TEST(gosched_takes_turns)
{
    setenv("GOMAXPROCS", "1", 1); /* before the runtime starts */
    wg_init(&wg);
    for (int i = 0; i < PLAYERS; i++) {
        wg_add(&wg, 1);
        go(player, i);
    }
    wg_wait(&wg);
    EXPECT_EQ(norder, TURNS * PLAYERS);
    /* Check while all are still playing: up to the first one's last turn. */
    int turns[PLAYERS] = {0}, end = 0;
    while (end < norder && ++turns[order[end]] < TURNS)
        end++;
    int starved = 0;
    for (int i = 0; i + 2 * PLAYERS <= end; i++) {
        int seen = 0;
        for (int j = i; j < i + 2 * PLAYERS; j++)
            seen |= 1 << order[j];
        starved += seen != (1 << PLAYERS) - 1;
    }
    EXPECT_EQ(starved, 0);
}
