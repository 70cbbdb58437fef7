/*
 * step5_cooperative: goroutines with stacks of their own, on an M:N scheduler.
 *
 * Step 3 ran tasks to completion on a pool of threads: a task that blocked
 * blocked its thread. Step 4 gave every goroutine an OS thread, so it could
 * block, at a thread's price. Here a goroutine is a small stack plus saved
 * registers (sched.c, stack.c); a dozen assembly instructions switch
 * between two (switch_x86_64.S, switch_aarch64.S); GOMAXPROCS threads (Ms)
 * holding Ps run any number of them. A goroutine that blocks parks: its
 * thread runs another. This is what Go's runtime does: runtime.newproc
 * (go), runtime.schedule / findRunnable, runtime.gopark / goready, gogo.
 * What we leave out: preemption (the "starve" demo shows the cost), stacks
 * that grow, a P handed off during a blocking system call.
 *
 *   ./step5               every demo, each in a process of its own
 *   ./step5 NAME...       only those (names: ./step5 --list)
 *   ./step5 --primes=N    the sieve's size (default 5000)
 *   ./step5 --parked=N    goroutines parked at once by "million"
 *   ./step5 --deadlock    Go's "all goroutines are asleep" (exit 2)
 *   ./step5 --bench       switch, gosched, skynet, spawn, ping-pong,
 *                         buffered
 *   GOMAXPROCS=N ./step5  the number of Ps (default: the CPUs)
 *   GOTRACE=name ./step5 ms   a timeline: name.svg and name.json
 */
#include "chan.h"
#include "go.h"
#include "runtime.h"

#include "common.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MS = 1000000 };

/* The sizes the flags set (a global: a concession to the demo table). */
static struct {
    long primes; /* --primes: the sieve's */
    long parked; /* --parked: goroutines alive at once in "million" */
} flags = {5000, 100000};

static double ms_since(int64_t start)
{
    return (double)(now_ns() - start) / 1e6;
}

static void print_peak_rss(const char *what)
{
    char buf[32];
    printf("%s: peak RSS %s\n", what,
           format_bytes((double)rss_peak_bytes(), buf));
}

/* ---- hello: the seed's example, as written ----------------------------- */

static void hello(void *arg)
{
    printf("%s (on M%d)\n", (char *)arg, getm()->id);
}

static void demo_hello(void)
{
    go(hello, "hello from goroutine 1");
    go(hello, "hello from goroutine 2");
    if (gomaxprocs() == 1) { /* libc's sleep would hold our only thread */
        printf("GOMAXPROCS=1: using time_sleep, not sleep (see README)\n");
        time_sleep(1000 * (int64_t)MS);
    } else {
        sleep(1);
    }
}

/* ---- ms: many goroutines on few threads -------------------------------- */

enum { HOPS = 8 };
static waitgroup wg;

/* Work a little, sleep 1 to 3 ms, HOPS times: each sleep parks the
   goroutine, and whichever M runs its timer runs it next. */
static void hop(void *arg)
{
    int id = *(int *)arg;
    char line[128];
    int len = snprintf(line, sizeof line, "goroutine %2d ran on", id);
    for (int i = 0; i < HOPS; i++) {
        len += snprintf(line + len, sizeof line - (size_t)len, " M%d",
                        getm()->id);
        for (volatile int spin = 0; spin < 20000; spin++)
            ;
        time_sleep((1 + id % 3) * MS);
    }
    printf("%s\n", line);
    wg_done(&wg);
}

static void demo_ms(void)
{
    enum { N = 12 };
    wg_init(&wg);
    wg_add(&wg, N);
    for (int i = 0; i < N; i++)
        go(hop, i);
    wg_wait(&wg);
    struct sched_stats s;
    sched_stats(&s);
    printf("%d goroutines, %d Ms (threads), GOMAXPROCS=%d: a goroutine "
           "that slept\nresumes on whichever M runs its timer, not on the "
           "one it left\n", N, s.ms, s.nprocs);
}

/* ---- million: a million goroutines, then many alive at once ------------ */

static void nothing(void *arg)
{
    (void)arg;
    wg_done(&wg);
}

enum { MILLION = 1000000 };

/* Nanoseconds per goroutine to start a million and wait for them all. */
static double spawn_million_ns(void)
{
    wg_init(&wg);
    wg_add(&wg, MILLION);
    int64_t start = now_ns();
    for (int i = 0; i < MILLION; i++)
        go(nothing, 0);
    wg_wait(&wg);
    return (double)(now_ns() - start) / MILLION;
}

static waitgroup gate;

static void wait_at_gate(void *arg)
{
    (void)arg;
    wg_done(&wg);
    wg_wait(&gate);
    wg_done(&wg);
}

/* n goroutines that all park at a gate, then are let through at once. */
static void park_many(long n)
{
    size_t rss0 = rss_current_bytes();
    wg_init(&wg);
    wg_init(&gate);
    wg_add(&gate, 1);
    wg_add(&wg, (int)n);
    int64_t start = now_ns();
    for (long i = 0; i < n; i++)
        go(wait_at_gate, 0);
    wg_wait(&wg);
    double started = ms_since(start);
    size_t rss = rss_current_bytes() - rss0;
    printf("%ld goroutines started and parked at once in %.0f ms\n", n,
           started);
    printf("memory: %zu bytes per parked goroutine (mostly the one page "
           "of stack it touched)\n", rss / (size_t)n);
    printf("stack: %zu KiB of address space each, %s\n",
           stack_size() / 1024, stack_guard());
    start = now_ns();
    wg_add(&wg, (int)n);
    wg_done(&gate);
    wg_wait(&wg);
    printf("all %ld woken and finished in %.0f ms\n", n, ms_since(start));
}

static void demo_million(void)
{
    double ns = spawn_million_ns();
    printf("%d goroutines started and finished in %.0f ms (%.0f ns "
           "each)\n", MILLION, ns * MILLION / 1e6, ns);
    print_peak_rss("million");
    park_many(flags.parked);
    print_peak_rss("parked");
    if (flags.parked < MILLION)
        printf("./step5 million --parked=%d parks a million at once\n",
               MILLION);
}

/* ---- blocking: step 3's stall, gone ------------------------------------ */

enum { READY_GOROUTINES = 10 };
static waitgroup result;    /* count 1 until the producer ran */
static atomic_int blocked;  /* waiters inside wg_wait */
static atomic_int producer_ran, ready_ran;

static void waiter(void *arg)
{
    (void)arg;
    atomic_fetch_add(&blocked, 1);
    wg_wait(&result); /* parks this goroutine, not its thread */
    atomic_fetch_sub(&blocked, 1);
    wg_done(&wg);
}

static void producer(void *arg)
{
    (void)arg;
    atomic_fetch_add(&producer_ran, 1);
    wg_done(&result);
    wg_done(&wg);
}

static void ready(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ready_ran, 1);
    wg_done(&wg);
}

static void nap(void *arg)
{
    time_sleep(*(int64_t *)arg);
    wg_done(&wg);
}

static void demo_blocking(void)
{
    /* Step 3's demo 4: a waiter for every thread, then the producer they
       wait for and ten more goroutines. */
    int waiters = 2 * gomaxprocs();
    wg_init(&result);
    wg_add(&result, 1);
    wg_init(&wg);
    wg_add(&wg, waiters + 1 + READY_GOROUTINES);
    for (int i = 0; i < waiters; i++)
        go(waiter, i);
    while (atomic_load(&blocked) < waiters)
        time_sleep(MS);
    int64_t start = now_ns();
    go(producer, 0);
    for (int i = 0; i < READY_GOROUTINES; i++)
        go(ready, i);
    wg_wait(&wg); /* would hang if the waiters held the threads */
    printf("%d goroutines waited in wg_wait for a producer, GOMAXPROCS=%d;"
           "\nthe producer and %d others then ran (%d of %d) in %.2f ms\n",
           waiters, gomaxprocs(), READY_GOROUTINES,
           atomic_load(&producer_ran) + atomic_load(&ready_ran),
           1 + READY_GOROUTINES, ms_since(start));
    printf("no stall: a goroutine that waits parks and frees its thread "
           "(step 3's tasks\nheld theirs, and its pool stalled here)\n");

    enum { SLEEPERS = 1000 };
    int64_t nap_ns = 100 * (int64_t)MS;
    wg_add(&wg, SLEEPERS);
    start = now_ns();
    for (int i = 0; i < SLEEPERS; i++)
        go(nap, nap_ns);
    wg_wait(&wg);
    printf("%d goroutines slept 100 ms each, GOMAXPROCS=%d: all done in "
           "%.0f ms\n", SLEEPERS, gomaxprocs(), ms_since(start));
    printf("a sleeping goroutine holds no thread (step 3's pool would need "
           "%d s)\n", SLEEPERS / 10 / gomaxprocs());
}

/* ---- starve: cooperative scheduling's weak spot ------------------------ */

static atomic_bool spin_yields;
static atomic_int ticks;

static void spinner(void *arg)
{
    (void)arg;
    for (unsigned long i = 0;; i++)
        if (atomic_load_explicit(&spin_yields, memory_order_relaxed) &&
            i % 1000 == 0)
            gosched(); /* the fix: yield now and then */
}

static void ticker(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 3; i++) {
        time_sleep(10 * (int64_t)MS);
        printf("tick %d\n", i);
        fflush(stdout);
        atomic_store(&ticks, i);
    }
}

/* Our sysmon: it watches P 0's switch count, and can only report what Go's
   would preempt (Go: sysmon + preemptone, after 10 ms). */
static void *watchdog(void *arg)
{
    atomic_uint *schedtick = arg;
    unsigned last = atomic_load(schedtick);
    for (int quiet_ms = 0; quiet_ms < 300; quiet_ms += 10) {
        usleep(10000);
        unsigned now = atomic_load(schedtick);
        if (now != last)
            quiet_ms = 0;
        last = now;
    }
    printf("watchdog: no goroutine switch for 300 ms: the spinner never "
           "yields, so the ticker never runs\n");
    exit(0);
}

static void gotrace_child(const char *base, const char *what); /* below */

static void starve_once(bool yields)
{
    setenv("GOMAXPROCS", "1", 1);
    gotrace_child(getenv("GOTRACE"), yields ? "yielding" : "spinning");
    atomic_store(&spin_yields, yields);
    runtime_start();
    pthread_t t;
    int err = pthread_create(&t, NULL, watchdog, &getm()->p->schedtick);
    if (err)
        die_err(err, "pthread_create");
    go(ticker, 0);
    go(spinner, 0);
    while (atomic_load(&ticks) < 3)
        time_sleep(5 * (int64_t)MS);
    printf("the ticker ran: the spinner calls gosched() every 1000 "
           "iterations\n");
}

static void run_forked(void (*fn)(void)); /* below */

static void starve_spinning(void)
{
    starve_once(false);
}

static void starve_yielding(void)
{
    starve_once(true);
}

static void demo_starve(void)
{
    printf("GOMAXPROCS=1, a goroutine in a tight loop, a ticker:\n");
    run_forked(starve_spinning);
    printf("the same loop with gosched() in it:\n");
    run_forked(starve_yielding);
    printf("Go preempts a goroutine that runs 10 ms (since Go 1.14); "
           "step 5 cannot (chapter 6 can)\n");
}


/* ---- pingpong: two goroutines, one unbuffered channel each way --------- */

struct pingpong {
    chan *in, *out;
    long rounds;
};

static void pong(void *arg)
{
    struct pingpong *pp = arg;
    long v;
    for (long i = 0; i < pp->rounds; i++) {
        chan_recv(pp->in, &v);
        v++;
        chan_send(pp->out, &v);
    }
}

/* ns per round trip (two channel operations, two switches each way). */
static double pingpong_ns(long rounds)
{
    chan *ping = make_chan(long, 0), *back = make_chan(long, 0);
    go(pong, (struct pingpong){ping, back, rounds});
    long v = 0;
    int64_t start = now_ns();
    for (long i = 0; i < rounds; i++) {
        chan_send(ping, &v);
        chan_recv(back, &v);
    }
    double ns = (double)(now_ns() - start) / rounds;
    if (v != rounds)
        fatal("ping-pong lost a value");
    chan_free(ping);
    chan_free(back);
    return ns;
}

static void demo_pingpong(void)
{
    printf("1,000,000 round trips: %.0f ns each (GOMAXPROCS=%d)\n",
           pingpong_ns(1000000), gomaxprocs());
}

/* ---- sieve: the Go tour's concurrent prime sieve ----------------------- */

static void generate(void *arg)
{
    chan *out = *(chan **)arg;
    for (long i = 2;; i++)
        chan_send(out, &i);
}

struct filter {
    chan *in, *out;
    long prime;
};

static void filter(void *arg)
{
    struct filter *f = arg;
    long v;
    for (;;) {
        chan_recv(f->in, &v);
        if (v % f->prime != 0)
            chan_send(f->out, &v);
    }
}

static long sieve(int n)
{
    chan *ch = make_chan(long, 0);
    go(generate, ch);
    long prime = 0;
    for (int i = 0; i < n; i++) {
        chan_recv(ch, &prime);
        chan *next = make_chan(long, 0);
        go(filter, (struct filter){ch, next, prime});
        ch = next;
    }
    return prime; /* the goroutines end when main returns */
}

static void demo_sieve(void)
{
    int n = (int)flags.primes;
    int64_t start = now_ns();
    long last = sieve(n);
    printf("prime number %d is %ld: %d goroutines in a chain, %.0f ms\n", n,
           last, n + 1, ms_since(start));
    print_peak_rss("sieve");
    if (n < 10000)
        printf("10,000 primes take longer: ./step5 sieve "
               "--primes=10000\n");
}

/* ---- skynet: a million goroutines in a tree ---------------------------- */

struct skynet {
    chan *c;
    long num, size;
};

static void skynet(void *arg)
{
    struct skynet *s = arg;
    if (s->size == 1) {
        chan_send(s->c, &s->num);
        return;
    }
    chan *rc = make_chan(long, 0);
    long sum = 0, v, size = s->size / 10;
    for (long i = 0; i < 10; i++)
        go(skynet, (struct skynet){rc, s->num + i * size, size});
    for (int i = 0; i < 10; i++) {
        chan_recv(rc, &v);
        sum += v;
    }
    chan_free(rc);
    chan_send(s->c, &sum);
}

static long skynet_sum(long leaves)
{
    chan *c = make_chan(long, 0);
    long sum;
    go(skynet, (struct skynet){c, 0, leaves});
    chan_recv(c, &sum);
    chan_free(c);
    return sum;
}

static void demo_skynet(void)
{
    int64_t start = now_ns();
    long sum = skynet_sum(1000000);
    printf("skynet: %ld in %.0f ms (1,111,111 goroutines, GOMAXPROCS=%d)\n",
           sum, ms_since(start), gomaxprocs());
    print_peak_rss("skynet");
}

/* ---- select: a receive with a timeout ---------------------------------- */

struct reply {
    chan *c;
    long delay_ms;
};

static void slow_reply(void *arg)
{
    struct reply *r = arg;
    time_sleep(r->delay_ms * MS);
    chan_send(r->c, &r->delay_ms);
}

static void demo_select(void)
{
    for (long delay = 10; delay <= 100; delay += 90) {
        chan *reply = make_chan(long, 1);
        go(slow_reply, (struct reply){reply, delay});
        chan *timeout = time_after(50 * MS);
        long v;
        select_case cases[] = {RECV_CASE(reply, &v), RECV_CASE(timeout, NULL)};
        if (chan_select(cases, 2, false) == 0)
            printf("reply after %ld ms: received before the timeout\n", v);
        else
            printf("no reply within 50 ms: the timeout case ran\n");
        chan_free(timeout); /* reply: its sender may still hold it */
    }
}

/* ---- deadlock: Go's fatal error ---------------------------------------- */

static void demo_deadlock(void)
{
    chan *c = make_chan(int, 0);
    int v;
    printf("main receives from a channel nobody sends on:\n");
    fflush(stdout);
    chan_recv(c, &v);
}

/* ---- bench ------------------------------------------------------------- */

static struct context bench_main, bench_other;

static void bench_switch_back(void)
{
    for (;;)
        ctx_switch(&bench_other, &bench_main);
}

/* ctx_switch alone: two contexts on one thread, no scheduler. */
static double bench_ctx_switch(void)
{
    enum { N = 10000000, STACK = 64 * 1024 };
    char *stack = malloc(STACK);
    if (!stack)
        die("malloc");
    ctx_init(&bench_other, stack + STACK, bench_switch_back);
    int64_t start = now_ns();
    for (int i = 0; i < N; i++)
        ctx_switch(&bench_main, &bench_other);
    double ns = (double)(now_ns() - start) / N / 2; /* 2 per round */
    free(stack);
    return ns;
}

static void yielder(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++)
        gosched();
    wg_done(&wg);
}

static double bench_gosched(void)
{
    long n = 5000000;
    wg_init(&wg);
    wg_add(&wg, 2);
    int64_t start = now_ns();
    go(yielder, n);
    go(yielder, n);
    wg_wait(&wg);
    return (double)(now_ns() - start) / (2.0 * n);
}

struct producer {
    chan *c;
    long n;
};

static void produce(void *arg)
{
    struct producer *p = arg;
    for (long i = 0; i < p->n; i++)
        chan_send(p->c, &i);
}

/* ns per value through a buffered channel, one producer, one consumer. */
static double bench_buffered(long n)
{
    chan *c = make_chan(long, 128);
    go(produce, (struct producer){c, n});
    long v = -1;
    int64_t start = now_ns();
    for (long i = 0; i < n; i++)
        chan_recv(c, &v);
    double ns = (double)(now_ns() - start) / n;
    if (v != n - 1)
        fatal("buffered: lost a value");
    return ns;
}

static void bench(void)
{
    printf("GOMAXPROCS=%d\n", gomaxprocs());
    printf("ctx_switch alone:          %6.1f ns\n", bench_ctx_switch());
    printf("gosched, 2 goroutines:     %6.1f ns per gosched\n",
           bench_gosched());
    /* skynet before spawn: the peak RSS printed is skynet's own. */
    int64_t start = now_ns();
    long sum = skynet_sum(1000000);
    printf("skynet 1,000,000:          %6.0f ms (%ld)\n", ms_since(start), sum);
    print_peak_rss("skynet");
    printf("go + wg_done, 1,000,000:   %6.1f ns per goroutine\n",
           spawn_million_ns());
    printf("ping-pong, unbuffered:     %6.1f ns per round trip\n",
           pingpong_ns(1000000));
    printf("buffered, cap 128:         %6.1f ns per value\n",
           bench_buffered(5000000));
    print_peak_rss("bench");
}

/* ---- the demos, one process each --------------------------------------- */

static const struct demo {
    const char *name;
    void (*run)(void);
    const char *title;
} demos[] = {
    {"hello", demo_hello, "the seed's example: two go calls and a sleep"},
    {"ms", demo_ms, "many goroutines, few threads"},
    {"million", demo_million, "1,000,000 goroutines, then many at once"},
    {"blocking", demo_blocking, "step 3's blocking tasks, now goroutines"},
    {"starve", demo_starve, "a tight loop starves GOMAXPROCS=1"},
    {"pingpong", demo_pingpong, "an unbuffered channel, back and forth"},
    {"sieve", demo_sieve, "the Go tour's prime sieve"},
    {"skynet", demo_skynet, "a tree of a million goroutines"},
    {"select", demo_select, "select with a timeout"},
    {"deadlock", demo_deadlock, "Go's deadlock report (--deadlock)"},
};
enum { NDEMOS = sizeof demos / sizeof demos[0] };

/* Run fn in a child process: its own runtime, time and peak memory; a
   demo that hangs by mistake is killed after a minute. */
static void run_forked(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        alarm(60);
        fn();
        fflush(stdout);
        exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: a demo failed (status %d)\n", program_name(),
                WIFEXITED(status) ? WEXITSTATUS(status)
                                  : 128 + WTERMSIG(status));
        exit(1);
    }
}

/* GOTRACE=name (trace.c) in a child that runs one demo: name-what, so
   that each child writes files of its own (the starve demo's two). */
static void gotrace_child(const char *base, const char *what)
{
    if (!base || !*base)
        return;
    char name[4096];
    snprintf(name, sizeof name, "%s-%s", base, what);
    setenv("GOTRACE", name, 1);
}

/* ---- the command line -------------------------------------------------- */

#define USAGE                                                           \
    "./step5 [NAME...] [--primes=N] [--parked=N] [--deadlock] "          \
    "[--bench] [--list]"

static const struct demo *find_demo(const char *name)
{
    for (int i = 0; i < NDEMOS; i++)
        if (strcmp(demos[i].name, name) == 0)
            return &demos[i];
    usage_error("no demo '%s' (usage: " USAGE "; --list names them)",
                name);
}

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct demo *chosen[NDEMOS * 4];
    int nchosen = 0;
    bool bench_only = false, list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if ((v = flag_value(a, "--primes", "N")))
            flags.primes = parse_count(v, "--primes", 100000);
        else if ((v = flag_value(a, "--parked", "N")))
            flags.parked = parse_count(v, "--parked", 2000000);
        else if (strcmp(a, "--bench") == 0)
            bench_only = true;
        else if (strcmp(a, "--list") == 0)
            list = true;
        else if (strcmp(a, "--help") == 0) {
            printf("usage: " USAGE "\n");
            return 0;
        } else if (a[0] == '-' && strcmp(a, "--deadlock") != 0)
            usage_error("unknown flag '%s' (usage: " USAGE ")", a);
        else if (nchosen == NDEMOS * 4)
            usage_error("too many demo names (usage: " USAGE ")");
        else
            chosen[nchosen++] = find_demo(a[0] == '-' ? a + 2 : a);
    }
    if (list) {
        for (int i = 0; i < NDEMOS; i++)
            printf("%-10s %s\n", demos[i].name, demos[i].title);
        return 0;
    }
    if (bench_only) {
        bench();
        return 0;
    }
    for (int i = 0; i < nchosen; i++) /* named: in this process */
        chosen[i]->run();
    if (nchosen)
        return 0;
    const char *gotrace = getenv("GOTRACE");
    char *trace_base = gotrace ? strdup(gotrace) : NULL;
    for (int i = 0; i < NDEMOS - 1; i++) { /* all but deadlock */
        printf("%s== %s: %s\n", i ? "\n" : "", demos[i].name,
               demos[i].title);
        gotrace_child(trace_base, demos[i].name);
        run_forked(demos[i].run);
    }
    free(trace_base);
    return 0;
}
