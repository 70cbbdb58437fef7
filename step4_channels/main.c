/*
 * step4_channels: channels on OS threads.
 *
 * What this step adds over step 3: Go's way for goroutines to talk.
 * Channels, with send, receive, close, select and time.After (chan.c),
 * on step 2's go() again, one thread per goroutine (go.c): a goroutine
 * blocked in a channel operation is a thread asleep (gopark, park.c).
 * The demos end with the price of that: a thread per waiting
 * goroutine, and step 3's pool, whose threads all end up waiting, so
 * nothing moves: that stall is on purpose, detected with a timeout,
 * explained and released. Step 5 removes the wall.
 *
 * What Go does: the same books and calls (hchan, sudog; runtime.chansend,
 * chanrecv, closechan, selectgo, gopark, goready), but its gopark runs
 * another goroutine on the thread (runtime.schedule) instead of putting
 * the thread to sleep.
 *
 * Usage: ./step4 [--bench] [--primes=N] [--workers=N]
 * (--bench runs the benchmarks instead of the demos)
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "pool.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE "[--bench] [--primes=N] [--workers=N]"

enum {
    MAX_PRIMES = 5000,     /* one thread each: stay well below pid_max / 4 */
    MAX_POOL_WORKERS = 64, /* threads of demo 8's pool */
    STALL_MS = 1000,       /* on the pool, no prime for this long: stuck */
    GUARD_MS = 10000,      /* on threads it never sticks: only a guard */
};

static const int64_t ms = 1000000; /* nanoseconds */

/* Milliseconds since start, a reading of now_ns(). */
static double ms_since(int64_t start)
{
    return (double)(now_ns() - start) / (double)ms;
}

/*
 * select { case *v = <-c: return true; case <-time.After(timeout): }
 * Go's idiom for "wait, but not forever".
 */
static bool recv_timeout(chan *c, void *v, int64_t timeout_ns)
{
    chan *timeout = time_after(timeout_ns);
    select_case cases[] = {RECV_CASE(c, v), RECV_CASE(timeout, NULL)};
    int chosen = chan_select(cases, 2, false);
    chan_free(timeout);
    return chosen == 0;
}

/* ---- 1. ping-pong: one ball, two players, a channel to each ---- */

struct ball {
    int hits;
};

/*
 * A player receives the ball on in and hits it back on out. One channel
 * for both players (Go talks often show it so) works as well, but then
 * which of the two waiting players gets the serve is up to the
 * scheduler; a channel to each makes the order certain: ping serves.
 */
struct player {
    const char *name;
    chan *in, *out; /* of struct ball *: whoever receives it holds it */
    chan *done;     /* the ball goes here after the last hit */
    waitgroup *wg;
};

enum { LAST_HIT = 6 };

static void player(void *arg)
{
    struct player *p = arg;
    struct ball *ball;
    while (chan_recv(p->in, &ball)) { /* until main closes in */
        ball->hits++;
        printf("   %s %d\n", p->name, ball->hits);
        chan_send(ball->hits == LAST_HIT ? p->done : p->out, &ball);
    }
    wg_done(p->wg);
}

static void demo_ping_pong(void)
{
    printf("1. ping-pong: two goroutines pass a ball over unbuffered "
           "channels\n");
    chan *to_ping = make_chan(struct ball *, 0);
    chan *to_pong = make_chan(struct ball *, 0);
    chan *done = make_chan(struct ball *, 0);
    waitgroup wg;
    wg_init(&wg);
    wg_add(&wg, 2);
    go(player, (struct player){"ping", to_ping, to_pong, done, &wg});
    go(player, (struct player){"pong", to_pong, to_ping, done, &wg});
    struct ball ball = {0}, *p = &ball;
    chan_send(to_ping, &p); /* the serve */
    chan_recv(done, &p);
    chan_close(to_ping); /* both players' receives return false */
    chan_close(to_pong);
    wg_wait(&wg);
    printf("   game over: main has the ball back after %d hits\n", p->hits);
    chan_free(to_ping);
    chan_free(to_pong);
    chan_free(done);
}

/* ---- 2. a buffered channel: sends do not wait until it is full ---- */

struct range {
    chan *out;
    int from, to;
};

/* Send from..to on out, then close it. */
static void produce(void *arg)
{
    struct range *r = arg;
    for (int i = r->from; i <= r->to; i++)
        chan_send(r->out, &i);
    chan_close(r->out);
}

static void demo_buffered(void)
{
    printf("\n2. a buffered channel, make(chan int, 3)\n");
    chan *c = make_chan(int, 3);
    for (int i = 1; i <= 3; i++)
        chan_send(c, &i);
    printf("   main sent 1, 2, 3 with nobody receiving: len %zu, cap %zu\n",
           chan_len(c), chan_cap(c));
    int four = 4;
    if (!chan_try_send(c, &four))
        printf("   a fourth send would block: the buffer is full\n");
    go(produce, (struct range){c, 4, 10});
    printf("   a producer sends 4 to 10, then closes; main receives:");
    int v;
    while (chan_recv(c, &v)) /* Go: for v := range c */
        printf(" %d", v);
    bool ok = chan_recv(c, &v);
    printf("\n   closed and drained: v = %d, ok = %s\n", v,
           ok ? "true" : "false");
    chan_free(c);
}

/* ---- 3. a pipeline: each stage owns and closes its output ---- */

struct stage {
    chan *in, *out;
};

static void square(void *arg)
{
    struct stage *s = arg;
    long v;
    while (chan_recv(s->in, &v)) {
        v *= v;
        chan_send(s->out, &v);
    }
    chan_close(s->out);
}

static void count_up(void *arg)
{
    struct stage *s = arg; /* in unused */
    for (long i = 1; i <= 100; i++)
        chan_send(s->out, &i);
    chan_close(s->out);
}

static void demo_pipeline(void)
{
    printf("\n3. a pipeline: count -> square -> sum, one goroutine per "
           "stage\n");
    chan *numbers = make_chan(long, 0);
    chan *squares = make_chan(long, 0);
    go(count_up, (struct stage){NULL, numbers});
    go(square, (struct stage){numbers, squares});
    long sum = 0, v;
    while (chan_recv(squares, &v))
        sum += v;
    printf("   1*1 + 2*2 + ... + 100*100 = %ld\n", sum);
    chan_free(numbers);
    chan_free(squares);
}

/* ---- 4. a worker pool: jobs in, results out ---- */

enum { WORKERS = 3, JOBS = 9, JOB_MS = 10 };

struct worker_args {
    int id;
    chan *jobs, *results;
    waitgroup *wg;
};

struct result {
    int job, worker, value;
};

static void job_worker(void *arg)
{
    struct worker_args *w = arg;
    int job;
    while (chan_recv(w->jobs, &job)) {
        time_sleep(JOB_MS * ms); /* the work */
        struct result r = {job, w->id, job * 2};
        chan_send(w->results, &r);
    }
    wg_done(w->wg);
}

/* Close results once every worker has returned. */
static void close_when_done(void *arg)
{
    struct worker_args *w = arg;
    wg_wait(w->wg);
    chan_close(w->results);
}

static void demo_worker_pool(void)
{
    printf("\n4. a worker pool: %d goroutines take %d jobs from one "
           "channel\n", WORKERS, JOBS);
    chan *jobs = make_chan(int, JOBS);
    chan *results = make_chan(struct result, 0);
    waitgroup wg;
    wg_init(&wg);
    int64_t start = now_ns();
    for (int id = 1; id <= WORKERS; id++) {
        wg_add(&wg, 1);
        go(job_worker, (struct worker_args){id, jobs, results, &wg});
    }
    for (int j = 1; j <= JOBS; j++)
        chan_send(jobs, &j);
    chan_close(jobs); /* the workers' loops end once it is drained */
    go(close_when_done, (struct worker_args){0, jobs, results, &wg});
    int done_by[WORKERS + 1] = {0}, sum = 0;
    struct result r;
    while (chan_recv(results, &r)) {
        done_by[r.worker]++;
        sum += r.value;
    }
    printf("   results add up to %d (2 * (1 + ... + %d)), in %.0f ms for "
           "%d ms of work\n", sum, JOBS, ms_since(start), JOBS * JOB_MS);
    for (int id = 1; id <= WORKERS; id++)
        printf("   worker %d did %d jobs\n", id, done_by[id]);
    chan_free(jobs);
    chan_free(results);
}

/* ---- 5. select with a timeout ---- */

struct reply {
    chan *out;
    int64_t delay;
};

static void reply_later(void *arg)
{
    struct reply *r = arg;
    time_sleep(r->delay);
    int answer = 42;
    chan_send(r->out, &answer);
}

enum { SLOW_MS = 400, FAST_MS = 10, SHORT_MS = 50, LONG_MS = 1000 };

static void demo_timeout(void)
{
    printf("\n5. select with a timeout: time_after, fed by a timer "
           "goroutine\n");
    int answer;
    /* Cap 1: the late reply still has somewhere to go (Go by Example). */
    chan *slow = make_chan(int, 1), *fast = make_chan(int, 1);
    go(reply_later, (struct reply){slow, SLOW_MS * ms});
    printf("   a reply due in %d ms, a timeout of %d ms:\n", SLOW_MS,
           SHORT_MS);
    if (!recv_timeout(slow, &answer, SHORT_MS * ms))
        printf("   timeout: the reply was not there in time\n");
    go(reply_later, (struct reply){fast, FAST_MS * ms});
    printf("   a reply due in %d ms, a timeout of %d ms:\n", FAST_MS,
           LONG_MS);
    if (recv_timeout(fast, &answer, LONG_MS * ms))
        printf("   reply: it came before the timeout\n");
    chan_recv(slow, &answer);
    printf("   the late reply waited in its buffer: no goroutine leaked\n");
    chan_free(slow);
    chan_free(fast);
}

/* ---- 6. the Go tour's concurrent prime sieve ---- */

/* How a goroutine is started: go_spawn, or pool_spawn for the pool. */
typedef void spawn_fn(void (*fn)(void *), const void *arg, size_t size);

struct sieve {
    spawn_fn *spawn;
    int want;   /* how many primes to find */
    int found;  /* primes received so far */
    int last;   /* the last one */
    bool print; /* print each prime */
    chan *done; /* closed to stop every goroutine of the sieve */
    atomic_long sends; /* values handed from one goroutine to the next */
    chan **chans;
    int nchans;
    waitgroup wg; /* goroutines of the sieve still running */
};

/* One stage of the sieve: what goes in and out, and who stops it. */
struct filter_args {
    chan *in, *out;
    int prime; /* 0: the generator */
    struct sieve *s;
};

/* select { case out <- v: return true; case <-s.done: return false } */
static bool send_or_done(struct sieve *s, chan *out, int v)
{
    select_case cases[] = {SEND_CASE(out, &v), RECV_CASE(s->done, NULL)};
    if (chan_select(cases, 2, false) != 0)
        return false;
    atomic_fetch_add_explicit(&s->sends, 1, memory_order_relaxed);
    return true;
}

/* select { case *v = <-in: return true; case <-s.done: return false } */
static bool recv_or_done(struct sieve *s, chan *in, int *v)
{
    select_case cases[] = {RECV_CASE(in, v), RECV_CASE(s->done, NULL)};
    return chan_select(cases, 2, false) == 0;
}

/* The tour's Generate: send 2, 3, 4, ... (until done). */
static void generate(void *arg)
{
    struct filter_args *a = arg;
    for (int i = 2; send_or_done(a->s, a->out, i); i++)
        ;
    wg_done(&a->s->wg);
}

/* The tour's Filter: pass on what prime does not divide (until done). */
static void filter(void *arg)
{
    struct filter_args *a = arg;
    int i;
    while (recv_or_done(a->s, a->in, &i))
        if (i % a->prime != 0 && !send_or_done(a->s, a->out, i))
            break;
    wg_done(&a->s->wg);
}

static chan *sieve_chan(struct sieve *s)
{
    return s->chans[s->nchans++] = make_chan(int, 0);
}

static void sieve_go(struct sieve *s, chan *in, chan *out, int prime)
{
    wg_add(&s->wg, 1);
    s->spawn(prime ? filter : generate,
             &(struct filter_args){in, out, prime, s},
             sizeof(struct filter_args));
}

/*
 * The tour's main: take a prime from the end of the chain, put a filter
 * for it at the end. Stops after s->want primes, or when no prime came
 * for a whole stall_ns (a stall). The goroutines keep running: see
 * sieve_stop.
 *
 * One timer at a time watches for the stall. recv_timeout for each prime
 * would leave a timer pending per prime until it fires, thousands of
 * them (Go's time.After in a loop does the same). Go code would make one
 * time.NewTimer and Reset it after each prime; chan.h has only
 * time.After, so a timer that fires after some progress is replaced by a
 * new one, and a stall is seen after one to two stall_ns.
 */
static void sieve_run(struct sieve *s, int64_t stall_ns)
{
    s->found = 0;
    atomic_init(&s->sends, 0);
    s->done = make_chan(char, 0);
    s->chans = malloc((size_t)(s->want + 1) * sizeof *s->chans);
    if (!s->chans)
        die("malloc");
    s->nchans = 0;
    wg_init(&s->wg);
    chan *ch = sieve_chan(s);
    sieve_go(s, NULL, ch, 0);
    chan *timer = time_after(stall_ns);
    int found_then = 0; /* primes found when the timer was set */
    while (s->found < s->want) {
        select_case cases[] = {RECV_CASE(ch, &s->last),
                               RECV_CASE(timer, NULL)};
        if (chan_select(cases, 2, false) == 1) { /* the timer fired */
            if (s->found == found_then)
                break; /* stalled */
            found_then = s->found;
            chan_free(timer);
            timer = time_after(stall_ns); /* Go: timer.Reset */
            continue;
        }
        s->found++;
        if (s->print)
            printf(" %d", s->last);
        chan *next = sieve_chan(s);
        sieve_go(s, ch, next, s->last);
        ch = next;
    }
    chan_free(timer);
    if (s->print)
        printf("\n");
}

/* Close done: every goroutine's select takes that case and returns. */
static void sieve_stop(struct sieve *s)
{
    chan_close(s->done);
    wg_wait(&s->wg);
    for (int i = 0; i < s->nchans; i++)
        chan_free(s->chans[i]);
    free(s->chans);
    chan_free(s->done);
}

static void demo_sieve(void)
{
    printf("\n6. the Go tour's prime sieve: a chain of filter "
           "goroutines\n  ");
    struct sieve s = {.spawn = go_spawn, .want = 10, .print = true};
    sieve_run(&s, GUARD_MS * ms);
    sieve_stop(&s);
}

/* ---- 7. the wall ---- */

/*
 * This process's threads now, from /proc/self/status (common.h reads
 * only the memory lines of that file).
 */
static long threads_now(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long n = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Threads:", 8) == 0)
            n = strtol(line + 8, NULL, 10);
    if (f)
        fclose(f);
    return n;
}

static void wall_threads(int primes)
{
    printf("\n7. the wall: the same sieve for %d primes, a thread per "
           "goroutine\n", primes);
    size_t rss0 = rss_current_bytes(), vm0 = vm_size_bytes();
    int64_t start = now_ns();
    struct sieve s = {.spawn = go_spawn, .want = primes};
    sieve_run(&s, GUARD_MS * ms);
    double took = ms_since(start);
    long threads = threads_now();
    double rss = (double)rss_current_bytes() - (double)rss0;
    double vm = (double)vm_size_bytes() - (double)vm0;
    long sends = atomic_load(&s.sends);
    sieve_stop(&s);

    char b1[32], b2[32], b3[32], b4[32];
    double goroutines = s.found + 1; /* the generator and the filters */
    printf("   %d primes (the last is %d) in %.0f ms\n", s.found, s.last,
           took);
    printf("   %ld hand-offs from goroutine to goroutine: %.1f us each\n",
           sends, took * 1000 / (double)sends);
    printf("   %.0f goroutines; threads in this process: %ld\n",
           goroutines, threads);
    printf("   resident memory: +%s, %s per goroutine\n",
           format_bytes(rss, b1), format_bytes(rss / goroutines, b2));
    printf("   address space:   +%s, %s per goroutine (mostly stack)\n",
           format_bytes(vm, b3), format_bytes(vm / goroutines, b4));
}

static void wall_pool(int primes, int workers)
{
    printf("\n8. the same program as tasks on a pool of %d threads "
           "(step 3's pool)\n  ", workers);
    pool_start(workers);
    struct sieve s = {.spawn = pool_spawn, .want = primes, .print = true};
    sieve_run(&s, STALL_MS * ms);
    int running, queued;
    pool_counts(&running, &queued);
    if (s.found == primes) {
        printf("   no stall: %d workers were enough for %d primes\n",
               workers, primes);
    } else if (queued == 0) { /* every task has a worker: only slow */
        printf("   no prime came for %d s after %d, but no task waits for "
               "a worker:\n   the machine is slow, not stuck\n",
               STALL_MS / 1000, s.last);
    } else {
        printf("   stalled: no prime came for %d s after %d\n",
               STALL_MS / 1000, s.last);
        printf("   %d tasks hold the %d workers, each blocked in a channel "
               "operation;\n", running, workers);
        printf("   %d task%s in the queue for a worker (the newest: the "
               "filter for %d),\n", queued, queued == 1 ? " waits" :
               "s wait", s.last);
        printf("   and the tasks on the workers wait for %s: nothing can "
               "move.\n", queued == 1 ? "it" : "them");
        printf("   A blocked task keeps its thread. Go parks the goroutine "
               "instead and\n");
        printf("   runs another on that thread: step 5 does that.\n");
    }
    sieve_stop(&s);
    pool_stop();
    printf("   released: closed done, every task returned, the pool "
           "stopped\n");
}

/* ---- benchmarks ---- */

enum { BENCH_RUNS = 5, PING_PONGS = 10000, ITEMS = 1000000, BUFFER = 128 };

struct echo_args {
    chan *ping, *pong;
};

/* Send back every value; once ping is closed, close pong. */
static void echo(void *arg)
{
    struct echo_args *e = arg;
    int v;
    while (chan_recv(e->ping, &v))
        chan_send(e->pong, &v);
    chan_close(e->pong);
}

/* One run: ns per round trip over two unbuffered channels. */
static double bench_ping_pong(void)
{
    chan *ping = make_chan(int, 0), *pong = make_chan(int, 0);
    go(echo, (struct echo_args){ping, pong});
    int64_t start = now_ns();
    for (int i = 0; i < PING_PONGS; i++) {
        chan_send(ping, &i);
        chan_recv(pong, NULL);
    }
    double ns = (double)(now_ns() - start) / PING_PONGS;
    chan_close(ping);
    chan_recv(pong, NULL); /* false once echo is done with both */
    chan_free(ping);
    chan_free(pong);
    return ns;
}

/* One run: ns per item sent through a buffered channel. */
static double bench_buffered(void)
{
    chan *c = make_chan(int, BUFFER);
    int64_t start = now_ns();
    go(produce, (struct range){c, 1, ITEMS});
    while (chan_recv(c, NULL))
        ;
    double ns = (double)(now_ns() - start) / ITEMS;
    chan_free(c);
    return ns;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void bench_report(const char *what, double (*run)(void),
                         const char *unit, int per_run)
{
    double ns[BENCH_RUNS];
    for (int i = 0; i < BENCH_RUNS; i++)
        ns[i] = run();
    qsort(ns, BENCH_RUNS, sizeof ns[0], compare_doubles);
    printf("%-24s %8.0f ns per %s (median of %d runs of %d; min %.0f, "
           "max %.0f)\n", what, ns[BENCH_RUNS / 2], unit, BENCH_RUNS,
           per_run, ns[0], ns[BENCH_RUNS - 1]);
}

/* The CPUs this process may run on, which taskset narrows (Go counts so). */
static int cpus_allowed(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        die("sched_getaffinity");
    return CPU_COUNT(&set);
}

static void bench(void)
{
    int cpus = cpus_allowed();
    printf("channels on OS threads, %d CPU%s\n", cpus, cpus == 1 ? "" : "s");
    bench_report("unbuffered ping-pong:", bench_ping_pong, "round trip",
                 PING_PONGS);
    bench_report("buffered (cap 128):", bench_buffered, "item", ITEMS);
}

/* Ends a usage error: "step4: what was wrong (usage: ./step4 ...)". */
#define USAGE_TAIL " (usage: ./%s " USAGE ")"

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int primes = 1000, workers = 4;
    bool bench_instead = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--bench") == 0)
            bench_instead = true;
        else if ((v = flag_value(a, "--primes", "N")))
            primes = (int)parse_count(v, "--primes", MAX_PRIMES);
        else if ((v = flag_value(a, "--workers", "N")))
            workers = (int)parse_count(v, "--workers", MAX_POOL_WORKERS);
        else if (strcmp(a, "--help") == 0) {
            printf("usage: ./%s %s\n", program_name(), USAGE);
            return 0;
        } else
            usage_error("unknown argument '%s'" USAGE_TAIL, a,
                        program_name());
    }
    if (bench_instead) {
        bench();
        return 0;
    }
    demo_ping_pong();
    demo_buffered();
    demo_pipeline();
    demo_worker_pool();
    demo_timeout();
    demo_sieve();
    wall_threads(primes);
    wall_pool(primes, workers);
    return 0;
}
