/*
 * Chapter 4: channels on OS threads.
 *
 * Step 3 ran short tasks on a fixed pool of threads. This step goes back
 * to step 2's go(), one thread per goroutine (go.c), and gives goroutines
 * Go's way to talk: channels, with send, receive, close, select and
 * time.After (chan.c). A goroutine blocked in a channel operation is a
 * thread asleep on a condition variable. Go's runtime keeps the same
 * books (hchan, sudog; runtime.chansend, chanrecv, closechan, selectgo),
 * but parks the goroutine (runtime.gopark) and gives its thread another
 * one to run.
 * The demos end with the price of not doing that: a thread per waiting
 * goroutine, and a pool whose threads all wait, so nothing moves: that
 * stall is on purpose, detected with a timeout, explained and released.
 * Step 5 removes the wall.
 *
 *     ./step4 [--primes N] [--workers N]   the demos
 *     ./step4 --bench                      the benchmarks
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "pool.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    MAX_PRIMES = 5000, /* one thread each: stay well below pid_max / 4 */
    MAX_WORKERS = 64,
    STALL_MS = 1000,  /* on the pool, no prime for this long: stuck */
    GUARD_MS = 10000, /* on threads it never sticks: only a guard */
};

static const int64_t MS = 1000000;

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

/* ---- 1. ping-pong: one ball, two players, one unbuffered channel ---- */

struct ball {
    int hits;
};

struct player {
    const char *name;
    chan *table; /* of struct ball *: whoever receives it holds the ball */
    chan *done;  /* the ball goes here after the last hit */
    waitgroup *wg;
};

enum { LAST_HIT = 6 };

static void player(void *arg)
{
    struct player *p = arg;
    struct ball *ball;
    while (chan_recv(p->table, &ball)) { /* until the table is closed */
        ball->hits++;
        printf("   %s %d\n", p->name, ball->hits);
        chan_send(ball->hits == LAST_HIT ? p->done : p->table, &ball);
    }
    wg_done(p->wg);
}

static void demo_ping_pong(void)
{
    printf("1. ping-pong: two goroutines pass a ball over an unbuffered "
           "channel\n");
    chan *table = make_chan(struct ball *, 0);
    chan *done = make_chan(struct ball *, 0);
    waitgroup wg;
    wg_init(&wg);
    wg_add(&wg, 2);
    go(player, (struct player){"ping", table, done, &wg});
    go(player, (struct player){"pong", table, done, &wg});
    struct ball ball = {0}, *p = &ball;
    chan_send(table, &p); /* toss the ball */
    chan_recv(done, &p);
    chan_close(table); /* both players' receives return false */
    wg_wait(&wg);
    printf("   game over: main has the ball back after %d hits\n", p->hits);
    chan_free(table);
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

enum { WORKERS = 3, JOBS = 9 };

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
        time_sleep(10 * MS); /* the work */
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
           "%d ms of work\n", sum, JOBS,
           (double)(now_ns() - start) / MS, JOBS * 10);
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

static void demo_timeout(void)
{
    printf("\n5. select with a timeout: time_after, fed by a timer "
           "goroutine\n");
    int answer;
    /* Cap 1: the late reply still has somewhere to go (Go by Example). */
    chan *slow = make_chan(int, 1), *fast = make_chan(int, 1);
    go(reply_later, (struct reply){slow, 400 * MS});
    printf("   a reply due in 400 ms, a timeout of 50 ms:\n");
    if (!recv_timeout(slow, &answer, 50 * MS))
        printf("   timeout: the reply was not there in time\n");
    go(reply_later, (struct reply){fast, 10 * MS});
    printf("   a reply due in 10 ms, a timeout of 1000 ms:\n");
    if (recv_timeout(fast, &answer, 1000 * MS))
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

/* select { case out <- v: return true; case <-done: return false } */
static bool send_or_done(chan *out, int v, struct sieve *s)
{
    select_case cases[] = {SEND_CASE(out, &v), RECV_CASE(s->done, NULL)};
    if (chan_select(cases, 2, false) != 0)
        return false;
    atomic_fetch_add_explicit(&s->sends, 1, memory_order_relaxed);
    return true;
}

/* select { case *v = <-in: return true; case <-done: return false } */
static bool recv_or_done(chan *in, int *v, chan *done)
{
    select_case cases[] = {RECV_CASE(in, v), RECV_CASE(done, NULL)};
    return chan_select(cases, 2, false) == 0;
}

/* The tour's Generate: send 2, 3, 4, ... (until done). */
static void generate(void *arg)
{
    struct filter_args *a = arg;
    for (int i = 2; send_or_done(a->out, i, a->s); i++)
        ;
    wg_done(&a->s->wg);
}

/* The tour's Filter: pass on what prime does not divide (until done). */
static void filter(void *arg)
{
    struct filter_args *a = arg;
    int i;
    while (recv_or_done(a->in, &i, a->s->done))
        if (i % a->prime != 0 && !send_or_done(a->out, i, a->s))
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
 * for it at the end. Stops after s->want primes, or when none came for
 * timeout_ns (a stall). The goroutines keep running: see sieve_stop.
 */
static void sieve_run(struct sieve *s, int64_t timeout_ns)
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
    while (s->found < s->want && recv_timeout(ch, &s->last, timeout_ns)) {
        s->found++;
        if (s->print)
            printf(" %d", s->last);
        chan *next = sieve_chan(s);
        sieve_go(s, ch, next, s->last);
        ch = next;
    }
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
    sieve_run(&s, GUARD_MS * MS);
    sieve_stop(&s);
}

/* ---- 7. the wall ---- */

/* This process's threads now, from /proc/self/status. */
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
    sieve_run(&s, GUARD_MS * MS);
    double ms = (double)(now_ns() - start) / MS;
    long threads = threads_now();
    double rss = (double)rss_current_bytes() - (double)rss0;
    double vm = (double)vm_size_bytes() - (double)vm0;
    long sends = atomic_load(&s.sends);
    sieve_stop(&s);

    char b1[32], b2[32], b3[32], b4[32];
    double goroutines = s.found + 1; /* the generator and the filters */
    printf("   %d primes (the last is %d) in %.0f ms\n", s.found, s.last, ms);
    printf("   %ld hand-offs from goroutine to goroutine: %.1f us each\n",
           sends, ms * 1000 / (double)sends);
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
    sieve_run(&s, STALL_MS * MS);
    if (s.found == primes) {
        printf("   no stall: %d workers were enough for %d primes\n",
               workers, primes);
    } else {
        int running, queued;
        pool_counts(&running, &queued);
        printf("   stalled: no prime came for %d s after %d\n",
               STALL_MS / 1000, s.last);
        printf("   %d tasks hold the %d workers, each blocked in a channel "
               "operation;\n", running, workers);
        printf("   %d task (the filter for %d) waits in the queue for a "
               "worker, and\n", queued, s.last);
        printf("   the tasks on the workers wait for it: nothing can "
               "move.\n");
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

static void bench(void)
{
    printf("channels on OS threads, %ld CPUs\n",
           sysconf(_SC_NPROCESSORS_ONLN));
    bench_report("unbuffered ping-pong:", bench_ping_pong, "round trip",
                 PING_PONGS);
    bench_report("buffered (cap 128):", bench_buffered, "item", ITEMS);
}

static _Noreturn void usage(const char *arg)
{
    usage_error("unknown argument '%s' (usage: %s [--bench] [--primes N] "
                "[--workers N])", arg, program_name());
}

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int primes = 1000, workers = 4;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--bench") == 0) {
            bench();
            return 0;
        } else if (strcmp(argv[i], "--primes") == 0 && i + 1 < argc) {
            primes = (int)parse_count(argv[++i], "--primes", MAX_PRIMES);
        } else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
            workers = (int)parse_count(argv[++i], "--workers", MAX_WORKERS);
        } else {
            usage(argv[i]);
        }
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
