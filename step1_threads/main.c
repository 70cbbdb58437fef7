/*
 * step1_threads: one goroutine = one OS thread.
 *
 * The most direct way to run a function concurrently in C is to give it
 * an operating-system thread of its own with pthread_create. This step
 * does exactly that, then measures what it costs on this machine: the
 * time to create and join a thread, the memory of many threads alive at
 * once, and the limits that cap how many threads a machine can hold.
 *
 * What Go does instead: `go f()` creates no thread. runtime.newproc
 * allocates a G (a small goroutine record with a 2 KiB stack) and puts it
 * on a run queue; a few threads (Ms, about one per CPU) run all the Gs.
 * Steps 3 to 5 build that; step 6 holds the numbers printed here against
 * Go's on the same machine.
 *
 * Usage: ./step1 [threads-to-create [threads-alive-at-once]]
 */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum {
    DEFAULT_CREATE = 10000,  /* threads created and joined one by one */
    DEFAULT_ALIVE = 1000,    /* threads alive at the same time */
    MAX_ALIVE = 20000,       /* never more, whatever the limits allow */
    SMALL_STACK = 64 * 1024, /* the "small" stack size we try */
    KERNEL_COST = 64 * 1024, /* memory per thread we budget, generously */
    UNKNOWN = -1,            /* a limit we could not read */
    UNLIMITED = -2           /* a limit that is not set */
};

static void join(pthread_t thread)
{
    int err = pthread_join(thread, NULL);
    if (err)
        die_err(err, "pthread_join");
}

/* The seed example, with a thread per "goroutine". */
static void *hello(void *arg)
{
    const char *greeting = arg;
    printf("%s (kernel thread %d)\n", greeting, (int)gettid());
    return NULL;
}

static void say_hello(void)
{
    pthread_t t1, t2;
    int err;
    printf("main runs on kernel thread %d\n", (int)gettid());
    if ((err = pthread_create(&t1, NULL, hello, "hello from thread 1")) ||
        (err = pthread_create(&t2, NULL, hello, "hello from thread 2")))
        die_err(err, "pthread_create");
    join(t1);
    join(t2);
}

static void *do_nothing(void *arg)
{
    return arg;
}

/* Nanoseconds per thread to create n threads and join each one. */
static double create_join_ns(long n)
{
    int64_t start = now_ns();
    for (long i = 0; i < n; i++) {
        pthread_t t;
        int err = pthread_create(&t, NULL, do_nothing, NULL);
        if (err)
            die_err(err, "pthread_create");
        join(t);
    }
    return (double)(now_ns() - start) / (double)n;
}

/*
 * Threads alive at once: each one checks in, then waits until main has
 * taken its measurements and lets them all go.
 */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    long arrived;
    int released;
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void *wait_at_gate(void *arg)
{
    pthread_mutex_lock(&gate.lock);
    gate.arrived++;
    pthread_cond_broadcast(&gate.changed);
    while (!gate.released)
        pthread_cond_wait(&gate.changed, &gate.lock);
    pthread_mutex_unlock(&gate.lock);
    return arg;
}

struct alive_cost {
    long started;      /* threads that were really created */
    size_t stack_size; /* the stack size each one got */
    double virtual_per_thread;
    double resident_per_thread;
};

/*
 * Start n threads with the given stack size (0: the default), measure
 * the process's memory while all are alive, then release and join them.
 * If creation fails, say where and why, and measure what did start.
 */
static struct alive_cost measure_alive(long n, size_t stack_size)
{
    struct alive_cost cost = {0, stack_size, 0, 0};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    int err = stack_size ? pthread_attr_setstacksize(&attr, stack_size) : 0;
    if (err)
        die_err(err, "pthread_attr_setstacksize");
    pthread_attr_getstacksize(&attr, &cost.stack_size);

    pthread_t *threads = malloc((size_t)n * sizeof *threads);
    if (!threads)
        die("malloc");
    gate.arrived = 0;
    gate.released = 0;
    double vm_before = (double)vm_size_bytes();
    double rss_before = (double)rss_current_bytes();

    for (; cost.started < n; cost.started++) {
        err = pthread_create(&threads[cost.started], &attr, wait_at_gate,
                             NULL);
        if (err) {
            printf("  pthread_create failed after %ld threads: %s\n",
                   cost.started, strerror(err));
            break;
        }
    }
    pthread_mutex_lock(&gate.lock);
    while (gate.arrived < cost.started)
        pthread_cond_wait(&gate.changed, &gate.lock);
    pthread_mutex_unlock(&gate.lock);

    if (cost.started > 0) {
        double k = (double)cost.started;
        cost.virtual_per_thread = ((double)vm_size_bytes() - vm_before) / k;
        cost.resident_per_thread =
            ((double)rss_current_bytes() - rss_before) / k;
    }

    pthread_mutex_lock(&gate.lock);
    gate.released = 1;
    pthread_cond_broadcast(&gate.changed);
    pthread_mutex_unlock(&gate.lock);
    for (long i = 0; i < cost.started; i++)
        join(threads[i]);
    free(threads);
    pthread_attr_destroy(&attr);
    return cost;
}

/* A number read from a one-line file under /proc/sys, or UNKNOWN. */
static long read_proc_long(const char *path)
{
    FILE *f = fopen(path, "r");
    long value = UNKNOWN;
    if (f) {
        if (fscanf(f, "%ld", &value) != 1)
            value = UNKNOWN;
        fclose(f);
    }
    return value;
}

/* MemAvailable from /proc/meminfo, in bytes, or 0. */
static size_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    size_t kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %zu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib * 1024;
}

struct limits {
    long nproc;         /* ulimit -u: threads of this user */
    long threads_max;   /* all threads on the machine */
    long pid_max;       /* every thread takes a pid */
    long max_map_count; /* a thread stack takes 2 mappings */
    size_t memory;      /* MemAvailable */
    long lowest;        /* the smallest cap on threads among them, or -1 */
};

static struct limits read_limits(void)
{
    struct limits l;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NPROC, &rl) == -1)
        l.nproc = UNKNOWN;
    else if (rl.rlim_cur == RLIM_INFINITY)
        l.nproc = UNLIMITED;
    else
        l.nproc = (long)rl.rlim_cur;
    l.threads_max = read_proc_long("/proc/sys/kernel/threads-max");
    l.pid_max = read_proc_long("/proc/sys/kernel/pid_max");
    l.max_map_count = read_proc_long("/proc/sys/vm/max_map_count");
    l.memory = mem_available();

    long caps[] = {l.nproc, l.threads_max, l.pid_max, l.max_map_count / 2,
                   (long)(l.memory / KERNEL_COST)};
    l.lowest = -1;
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        if (caps[i] > 0 && (l.lowest < 0 || caps[i] < l.lowest))
            l.lowest = caps[i];
    return l;
}

/* SMALL_STACK, or the least this system allows if that is more (glibc
   on 64-bit Arm: 128 KiB). */
static size_t small_stack_size(void)
{
    long least = sysconf(_SC_THREAD_STACK_MIN);
    return least > SMALL_STACK ? (size_t)least : SMALL_STACK;
}

static void print_alive(const char *label, struct alive_cost c)
{
    char stack[32], virt[32], res[32];
    printf("  %-28s %6ld threads  %10s  %10s  %10s\n", label, c.started,
           format_bytes((double)c.stack_size, stack),
           format_bytes(c.virtual_per_thread, virt),
           format_bytes(c.resident_per_thread, res));
}

static void print_limit(const char *name, long value, const char *meaning)
{
    if (value < 0)
        printf("  %-30s %12s  %s\n", name,
               value == UNLIMITED ? "unlimited" : "unknown", meaning);
    else
        printf("  %-30s %12ld  %s\n", name, value, meaning);
}

#define USAGE "./step1 [threads-to-create [threads-alive]]"

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: " USAGE "\n");
        return 0;
    }
    if (argc > 3)
        usage_error("expected at most 2 arguments, got %d (usage: " USAGE
                    ")", argc - 1);
    long create = argc > 1 ? parse_count(argv[1], "threads-to-create",
                                         10000000)
                           : DEFAULT_CREATE;
    long alive = argc > 2 ? parse_count(argv[2], "threads-alive", 1000000)
                          : DEFAULT_ALIVE;

    printf("Hello, with one OS thread per \"goroutine\":\n");
    say_hello();

    /* Never probe near a limit: every thread takes a pid, and a machine
       out of pids fails every fork, ours and everybody else's. */
    struct limits lim = read_limits();
    long safe = lim.lowest > 0 ? lim.lowest / 4 : MAX_ALIVE;
    if (safe > MAX_ALIVE)
        safe = MAX_ALIVE;
    if (alive > safe) {
        printf("\n(%ld threads alive at once would come too close to this "
               "machine's limit\nof %ld threads: this demo keeps to a "
               "quarter of it, and to %d at most.\nUsing %ld.)\n",
               alive, lim.lowest, MAX_ALIVE, safe);
        alive = safe;
    }

    printf("\nWhat a thread costs on this machine:\n");
    double ns = create_join_ns(create);
    printf("  create + join, one after another:  %.1f us per thread "
           "(%ld threads)\n", ns / 1000, create);
    printf("  -> at most %.0f thread starts per second, each a system call\n"
           "     that builds a kernel task, a stack mapping and TLS.\n",
           1e9 / ns);

    printf("\n  %-28s %14s  %10s  %10s  %10s\n", "alive at once", "",
           "stack", "virtual", "resident");
    struct alive_cost big = measure_alive(alive, 0);
    print_alive("default stack", big);
    print_alive("small stack (setstacksize)",
                measure_alive(alive, small_stack_size()));
    char total[32];
    printf("  (virtual and resident memory are per thread)\n");
    printf("  -> virtual memory is address space reserved for each stack:\n"
           "     %ld threads reserve %s. The kernel gives real pages\n"
           "     (resident) only to those touched, whatever the stack "
           "size.\n", big.started,
           format_bytes(big.virtual_per_thread * (double)big.started, total));

    char mem[32];
    printf("\nWhat caps the number of threads here:\n");
    print_limit("ulimit -u (RLIMIT_NPROC)", lim.nproc,
                "threads of one user");
    print_limit("/proc/sys/kernel/threads-max", lim.threads_max,
                "threads on the machine");
    print_limit("/proc/sys/kernel/pid_max", lim.pid_max,
                "every thread takes a pid");
    print_limit("/proc/sys/vm/max_map_count", lim.max_map_count,
                "a stack and its guard are 2 mappings");
    printf("  %-30s %12s  %s\n", "MemAvailable",
           format_bytes((double)lim.memory, mem),
           "we budget 64 KiB per thread for it");
    printf("So this machine holds at most about %ld threads; the Go "
           "figures\nfor the same measurements come from step 6.\n",
           lim.lowest);
    return 0;
}
