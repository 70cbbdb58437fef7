/*
 * preempt: one goroutine per P spins in a loop that calls nothing, and
 * another sleeps, then tells them to stop; see ../go/preempt. Go's sysmon
 * takes a P back from a goroutine that ran 10 ms (runtime.preemptone,
 * with a signal since Go 1.14). Our runtime is cooperative: a goroutine
 * keeps its P until it blocks or yields, so the sleeper never gets a P
 * back. Broken on purpose: the watchdog detects the starvation and says so.
 */
#include "go.h"
#include "twin.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { WATCHDOG_S = 2 };

struct shared {
    atomic_bool *stop;
    waitgroup *wg;
    long ms;
};

static void spin(void *arg)
{
    struct shared *s = arg;
    while (!atomic_load_explicit(s->stop, memory_order_relaxed))
        ; /* no call, no yield: nothing here gives the P back */
    wg_done(s->wg);
}

static void sleeper(void *arg)
{
    struct shared *s = arg;
    time_sleep(s->ms * 1000000);
    atomic_store(s->stop, true);
    wg_done(s->wg);
}

/* Go's rule: $GOMAXPROCS if it is a number >= 1, else the CPUs we may use. */
static int gomaxprocs(void)
{
    const char *env = getenv("GOMAXPROCS");
    char *end;
    long n = env ? strtol(env, &end, 10) : 0;
    if (env && *env && *end == '\0' && n >= 1)
        return (int)n;
    cpu_set_t cpus;
    if (sched_getaffinity(0, sizeof cpus, &cpus) != 0)
        die("sched_getaffinity");
    return CPU_COUNT(&cpus);
}

/*
 * The watchdog is an OS thread outside the runtime: when spinners hold
 * every P no goroutine runs, but a thread of its own still does.
 */
static void *watchdog(void *arg)
{
    int procs = *(int *)arg;
    sleep(WATCHDOG_S);
    printf("starved: the sleeper never woke up: GOMAXPROCS=%d spinners kept"
           " every P for %d s (no preemption)\n", procs, WATCHDOG_S);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv)
{
    long ms = size_arg(argc, argv, 10); /* how long the sleeper sleeps */
    static int procs;
    procs = gomaxprocs();
    pthread_t t;
    int err = pthread_create(&t, NULL, watchdog, &procs);
    if (err)
        die_err(err, "pthread_create");
    static atomic_bool stop;
    waitgroup wg;
    wg_init(&wg);
    wg_add(&wg, procs + 1);
    for (int i = 0; i < procs; i++)
        go(spin, (struct shared){&stop, &wg, ms});
    go(sleeper, (struct shared){&stop, &wg, ms});
    wg_wait(&wg);
    printf("the sleeper woke up: GOMAXPROCS=%d spinners were preempted\n",
           procs);
}
