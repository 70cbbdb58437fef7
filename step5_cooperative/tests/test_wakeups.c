/* Wake-ups that must never be lost, as stress tests under the watchdog:
   a G readied while the Ms that could run it are on their way to sleep
   (sched.c: wakep and findrunnable's last look), and a timer that fires
   on the very channel a goroutine is parking on. A lost wake-up shows as
   a hang (the watchdog fails the test) or as a deadlock report. */
#include "chan.h"
#include "go.h"
#include "runtime.h"
#include "common.h"
#include "helpers.h"
#include "test.h"

static waitgroup wg;

/* One goroutine at a time: every round starts a G on a P whose M has
   just gone idle, so each go() has to wake an M (or find the spinning
   one), and each wg_wait parks main with nothing else to run. */
static void nothing(void *arg)
{
    (void)arg;
    wg_done(&wg);
}

TEST(a_goroutine_started_while_ms_go_idle_runs)
{
    test_set_timeout(60);
    long rounds = test_scaled(20000);
    for (long i = 0; i < rounds; i++) {
        wg_init(&wg);
        wg_add(&wg, 1);
        go(nothing, 0);
        wg_wait(&wg);
    }
    EXPECT(1); /* what is tested: no hang, no deadlock report */
}

/* Goroutines readied by timers: the M that runs a due timer may hold no
   P, so the G goes to the global queue while the other Ms go to sleep. */
static void nap(void *arg)
{
    long rounds = *(long *)arg;
    for (long i = 0; i < rounds; i++)
        time_sleep(1000 * (i % 4)); /* 0 to 3 us */
    wg_done(&wg);
}

TEST(goroutines_readied_by_timers_run)
{
    test_set_timeout(60);
    long rounds = test_scaled(2000);
    wg_init(&wg);
    wg_add(&wg, 8);
    for (int i = 0; i < 8; i++)
        go(nap, rounds);
    wg_wait(&wg);
    EXPECT(1);
}

/* A goroutine parks on a channel whose timer is due at once, while
   others keep every M busy: whichever M runs the timer must not wait for
   the lock the parking goroutine still holds (test_chan_runtime.c has
   the quiet form). */
static atomic_bool stop_spinning;
static waitgroup spinners;
static void spin(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_spinning))
        gosched();
    wg_done(&spinners);
}

static void receive_due(void *arg)
{
    long rounds = *(long *)arg;
    for (long i = 0; i < rounds; i++) {
        chan *t = time_after(0);
        if (i % 2) {
            chan_recv(t, NULL);
        } else {
            select_case cases[] = {RECV_CASE(t, NULL)};
            chan_select(cases, 1, false);
        }
        chan_free(t);
    }
    wg_done(&wg);
}

TEST(due_timers_on_parking_channels_under_load)
{
    test_set_timeout(90);
    long rounds = test_scaled(20000);
    atomic_store(&stop_spinning, false);
    wg_init(&spinners);
    wg_add(&spinners, 2);
    for (int i = 0; i < 2; i++)
        go(spin, 0);
    wg_init(&wg);
    wg_add(&wg, 4);
    for (int i = 0; i < 4; i++)
        go(receive_due, rounds);
    wg_wait(&wg);
    atomic_store(&stop_spinning, true);
    wg_wait(&spinners);
    EXPECT(1);
}
