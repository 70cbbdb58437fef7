/*
 * goadds' preemption (../goadds/preempt.c): goroutines that never yield
 * are stopped and resumed with every register intact, a ticker keeps
 * ticking, and unsafe points are left alone; sysmon sleeps while all is
 * idle, and prints GODEBUG=schedtrace itself. Each test runs in a process
 * of its own (test.h), so each starts the runtime with its GOMAXPROCS.
 */
#include "chan.h"
#include "goadds.h"
#include "runtime.h"
#include "test.h"

#include "common.h"

#include <dirent.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    WORKERS = 100,
    RUN_MS = 1000,    /* long enough for every worker to be preempted
                         at GOMAXPROCS=2 (100 x 10 ms slices / 2 Ps) */
    TICK_MS = 1,
    MAX_LATE_MS = 30, /* generous: a slice is 10 to 12 ms */
};

#define SKIP_WITHOUT_ASYNC_PREEMPTION()                                  \
    do {                                                                 \
        if (!async_preempt_enabled())                                    \
            SKIP("no preemption by signal: ThreadSanitizer delivers "    \
                 "signals only at its next interceptor, with a copy of " \
                 "the registers (goadds/preempt.c)");                    \
    } while (0)

/* A worker's state: integer and floating-point, all in registers while
   it loops (a register the preemption path clobbered changes a sum). */
struct sums {
    uint64_t a, b;
    double f, g;
    long iters;
};

/*
 * The loop the workers run until *stop, and the check runs for a given
 * number of iterations: the same machine code for both (noinline), so
 * that the sums must agree to the last bit.
 */
__attribute__((noinline)) static void crunch(struct sums *s, int seed,
                                             long limit, atomic_bool *stop)
{
    uint64_t a = (uint64_t)seed + 1, b = 0x9E3779B97F4A7C15ULL;
    double f = 1.0 + seed, g = 0.5;
    long i = 0;
    while (i < limit && !atomic_load_explicit(stop, memory_order_relaxed)) {
        a = a * 6364136223846793005ULL + 1442695040888963407ULL;
        b = (b ^ (a >> 17)) * 0xff51afd7ed558ccdULL;
        f = f * 0.9999999 + (double)(a >> 40) * 1e-9;
        g = g + f * 1e-3 - (double)(b & 0xff) * 1e-6;
        i++;
    }
    *s = (struct sums){a, b, f, g, i};
}

static atomic_bool stop;
static waitgroup done;

struct worker {
    int seed;
    struct sums got;
};

static void worker(void *arg)
{
    struct worker *w = *(struct worker **)arg;
    crunch(&w->got, w->seed, LONG_MAX, &stop);
    wg_done(&done);
}

/*
 * How late is each wake-up? In wall time, which other jobs on the
 * machine stretch (a thread of ours waiting for a CPU), and in the time
 * the Ps had the CPU meanwhile: the process's CPU time per P, which is
 * what preemption shares out (10 ms of it per slice), and which a busy
 * machine does not stretch. Without preemption, the ticker would wait
 * for the whole run; with it, for a slice or two.
 */
static int64_t max_late_ns, max_late_cpu_ns;
static long ticks;

static int64_t cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Sleeps 1 ms at a time. */
static void ticker(void *arg)
{
    (void)arg;
    int procs = gomaxprocs();
    while (!atomic_load(&stop)) {
        int64_t want = now_ns() + TICK_MS * 1000000LL, cpu = cpu_ns();
        time_sleep(TICK_MS * 1000000LL);
        int64_t late = now_ns() - want;
        int64_t late_cpu = (cpu_ns() - cpu) / procs - TICK_MS * 1000000LL;
        if (late > max_late_ns)
            max_late_ns = late;
        if (late_cpu > max_late_cpu_ns)
            max_late_cpu_ns = late_cpu;
        ticks++;
    }
    wg_done(&done);
}

static void checksums_and_ticks(const char *procs)
{
    setenv("GOMAXPROCS", procs, 1);
    runtime_start();
    SKIP_WITHOUT_ASYNC_PREEMPTION();
    test_set_timeout(30);
    static struct worker workers[WORKERS];
    wg_init(&done);
    wg_add(&done, WORKERS + 1);
    for (int i = 0; i < WORKERS; i++) {
        workers[i].seed = i;
        struct worker *w = &workers[i];
        go(worker, w);
    }
    /* Last, so that it runs first: a P runs its newest G first (step 5's
       LIFO ring); Go's runs the oldest. Either way it starts within a
       slice; spawned first, ours would wait for all 100 workers' first
       slices before its first sleep. */
    go(ticker, 0);
    time_sleep(RUN_MS * 1000000LL);
    atomic_store(&stop, true);
    wg_wait(&done);

    static atomic_bool never;
    int wrong = 0, ran = 0;
    for (int i = 0; i < WORKERS; i++) {
        struct sums want, *got = &workers[i].got;
        crunch(&want, i, got->iters, &never);
        ran += got->iters > 0;
        if (memcmp(&want, got, sizeof want) != 0 && wrong++ < 3)
            printf("worker %d: sums differ after %ld iterations\n", i,
                   got->iters);
    }
    struct goadds_stats st;
    goadds_stats(&st);
    printf("GOMAXPROCS=%s: %d workers ran, %llu preemptions, %ld ticks, "
           "the latest %.1f ms late (%.1f ms of CPU time per P)\n", procs,
           ran, (unsigned long long)st.async_preempts, ticks,
           max_late_ns / 1e6, max_late_cpu_ns / 1e6);
    EXPECT_EQ(wrong, 0);
    EXPECT(st.async_preempts >= 10);
    EXPECT(ticks >= 10);
    /* Slowed down, the sanitizer's or the emulator's own work (qemu
       translating code) is CPU time too: twice the bound there. */
    int64_t max_late_ms = test_slow() ? 2 * MAX_LATE_MS : MAX_LATE_MS;
    EXPECT(max_late_cpu_ns <= max_late_ms * 1000000LL);
}

TEST(preempt_keeps_registers_and_ticks_gomaxprocs_1)
{
    checksums_and_ticks("1");
}

TEST(preempt_keeps_registers_and_ticks_gomaxprocs_2)
{
    checksums_and_ticks("2");
}

/* A P for every worker: nothing waits in a queue, and 101 threads share
   this machine's CPUs, as the kernel sees fit. sysmon still stops each G
   after 10 ms of its M's CPU time (Go: after 10 ms, whoever waits). */
TEST(preempt_keeps_registers_and_ticks_gomaxprocs_256)
{
    checksums_and_ticks("256");
}

/* ---- Unsafe points: left alone, preempted right after ---------------- */

static atomic_bool other_ran;

static void other(void *arg)
{
    (void)arg;
    atomic_store(&other_ran, true);
}

/* Spin in our own code until `other` has run: it can only run if we are
   preempted (GOMAXPROCS=1). False after 5 s. */
static bool spin_until_other_ran(void)
{
    int64_t deadline = now_ns() + 5000000000LL;
    while (!atomic_load_explicit(&other_ran, memory_order_relaxed))
        if (now_ns() > deadline)
            return false;
    return true;
}

/*
 * A pattern with back-references makes glibc's regexec backtrack: a
 * call that stays in libc for as long as we like. The string length for
 * one call of at least 100 ms, found before the runtime starts.
 */
static regex_t slow_re;

static int64_t thread_cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* CPU time, not wall time: other jobs on the machine do not count. If
   ran_during, whether `other` ran while we were inside regexec itself: a
   preemption just before the call, in our own code, is a right one (under
   qemu, reaching the call can take a whole slice). */
static int64_t regexec_ns(int n, bool *ran_during)
{
    char text[128];
    memset(text, 'a', (size_t)n);
    text[n] = '\0';
    int64_t start = thread_cpu_ns();
    bool before = atomic_load(&other_ran);
    regexec(&slow_re, text, 0, NULL, 0);
    bool after = atomic_load(&other_ran);
    int64_t took = thread_cpu_ns() - start;
    if (ran_during)
        *ran_during = after && !before;
    return took;
}

TEST(not_preempted_inside_libc)
{
    if (regcomp(&slow_re, "^\\(a*\\)*\\(a*\\)*\\1\\2b$", 0) != 0)
        die("regcomp");
    int n = 20;
    while (n < 120 && regexec_ns(n, NULL) < 100000000)
        n += 2;
    setenv("GOMAXPROCS", "1", 1);
    runtime_start();
    SKIP_WITHOUT_ASYNC_PREEMPTION();
    test_set_timeout(60);
    go(other, 0); /* waits in our P's queue */
    struct goadds_stats before, after;
    goadds_stats(&before);
    bool ran_during;
    int64_t took = regexec_ns(n, &ran_during);
    goadds_stats(&after);
    printf("regexec ran %.0f ms of CPU in libc: sysmon asked %llu times, the "
           "handler refused %llu times\n", took / 1e6,
           (unsigned long long)(after.preempt_requests -
                                before.preempt_requests),
           (unsigned long long)(after.unsafe_points - before.unsafe_points));
    EXPECT(!ran_during);
    EXPECT(after.unsafe_points > before.unsafe_points);
    EXPECT(spin_until_other_ran()); /* and preempted in our own code */
    regfree(&slow_re);
}

TEST(not_preempted_while_holding_m)
{
    setenv("GOMAXPROCS", "1", 1);
    runtime_start();
    SKIP_WITHOUT_ASYNC_PREEMPTION();
    struct goadds_stats before, after;
    goadds_stats(&before);
    acquirem(); /* as a Go runtime function holding a lock */
    go(other, 0); /* runnable from here on: a preemption before acquirem
                     cannot let it run early */
    int64_t until = now_ns() + 100000000LL;
    while (now_ns() < until)
        ;
    bool ran_during = atomic_load(&other_ran);
    releasem();
    goadds_stats(&after);
    EXPECT(!ran_during);
    EXPECT(after.unsafe_points > before.unsafe_points);
    EXPECT(spin_until_other_ran());
}

/*
 * The runtime calls libc through the PLT, stubs in the program's text,
 * also while it holds a lock: a channel's, around the memcpy of a value
 * whose size is known only at run time. Two goroutines that never block,
 * on one P, each sending and receiving on a channel without waiting:
 * a preemption in a stub would leave the other spinning on that lock for
 * good (the watchdog's verdict, then).
 */
struct value24 {
    long a, b, c;
};

static chan *plt_chan;
static atomic_long plt_ops;

static void try_send_recv(void *arg)
{
    (void)arg;
    struct value24 v = {1, 2, 3};
    long ops = 0;
    bool ok;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        ops += chan_try_send(plt_chan, &v);
        ops += chan_try_recv(plt_chan, &v, &ok);
    }
    atomic_fetch_add(&plt_ops, ops);
    wg_done(&done);
}

TEST(not_preempted_in_a_plt_stub_the_runtime_called)
{
    setenv("GOMAXPROCS", "1", 1);
    runtime_start();
    SKIP_WITHOUT_ASYNC_PREEMPTION();
    test_set_timeout(30);
    plt_chan = chan_make(sizeof(struct value24), 4);
    wg_init(&done);
    wg_add(&done, 2);
    go(try_send_recv, 0);
    go(try_send_recv, 0);
    time_sleep(RUN_MS * 1000000LL);
    atomic_store(&stop, true);
    wg_wait(&done);
    struct goadds_stats st;
    goadds_stats(&st);
    printf("%ld sends and receives, %llu preemptions\n",
           atomic_load(&plt_ops), (unsigned long long)st.async_preempts);
    EXPECT(st.async_preempts > 0); /* main woke: one of them gave way */
    chan_free(plt_chan);
}

/* ---- sysmon sleeps while nothing runs -------------------------------- */

static void nothing(void *arg)
{
    (void)arg;
    wg_done(&done);
}

TEST(idle_program_uses_no_cpu)
{
    wg_init(&done);
    wg_add(&done, 1);
    go(nothing, 0);
    wg_wait(&done);
    time_sleep(50000000); /* let sysmon find every P idle */
    int64_t cpu = cpu_ns();
    time_sleep(5 * 1000000000LL); /* the 5 s, under 10 ms */
    cpu = cpu_ns() - cpu;
    printf("idle for 5 s: %.2f ms of CPU\n", cpu / 1e6);
    EXPECT(cpu < 10000000);
}

/* ---- GODEBUG=schedtrace: printed by this sysmon, the only one -------- */

/* How many threads of this process are named name? */
static int threads_named(const char *name)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[300], comm[32] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f) {
            n += fgets(comm, sizeof comm, f) &&
                 strncmp(comm, name, strlen(name)) == 0 &&
                 comm[strlen(name)] == '\n';
            fclose(f);
        }
    }
    if (d)
        closedir(d);
    return n;
}

/* Idle 100 ms, then busy 100 ms, with a trace every 20 ms. */
static void traced_idle_then_busy(void *arg)
{
    (void)arg;
    setenv("GODEBUG", "schedtrace=20", 1);
    runtime_start();
    time_sleep(100000000LL); /* every P idle: sysmon still prints */
    int64_t until = now_ns() + 100000000LL;
    while (now_ns() < until)
        ;
    printf("%d thread named sysmon\n", threads_named("sysmon"));
}

TEST(schedtrace_is_printed_by_the_one_sysmon)
{
    struct run_result r;
    run_child(traced_idle_then_busy, NULL, 60, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "1 thread named sysmon\n");
    int lines = 0;
    for (const char *c = r.err; (c = strstr(c, "SCHED ")); c++)
        lines++;
    printf("%d schedtrace lines in 200 ms, every 20 ms\n", lines);
    EXPECT(lines >= 6); /* 10 on time; sysmon naps 1 ms at most */
    run_result_free(&r);
}
