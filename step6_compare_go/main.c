/*
 * step6_compare_go: ours against Go, side by side, on this machine.
 *
 * This step adds no runtime. It runs the same programs written twice: in
 * Go (go/) and in C against go.h and chan.h (c/), the C ones linked with
 * step 5's goroutines and, for spawn and ping-pong, with step 4's thread
 * per goroutine. Each pair runs interleaved, several times, at
 * GOMAXPROCS=1 and at all CPUs; both sides must print the same result.
 * What Go does on top (runtime.gcStart, runtime.newstack growing a stack,
 * runtime.preemptone from sysmon, runtime.netpoll) is what the ratios
 * pay for, and what the demos at the end show: a loop Go preempts and
 * ours does not, a system call Go hands the P away from and ours holds
 * it through, and a recursion Go's stacks grow for and ours overflow.
 * The first two also run on step 5 + goadds/ (sysmon, preemption, the
 * hand-off, built), where they pass as on Go. Last, the echo race: a TCP
 * echo server on each side (ours on the network poller of goadds/, Go's
 * on net, a thread per connection on step 2), and one load generator
 * (c/echo/loadgen.c) against each.
 */
#include "loc.h"
#include "report.h"

#include "common.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef STEP6_BUILD /* the build folder, from step.mk */
#define STEP6_BUILD "build/step6"
#endif
#ifdef __clang__
#define C_COMPILER "clang " __clang_version__
#else
#define C_COMPILER "gcc " __VERSION__
#endif
#define GO_SOURCES "step6_compare_go/go"
#define GO_PROGRAMS "step6_bin/go" /* built here, whatever the C compiler */
#define RUNTIME_DIR "step5_cooperative"
#define GOADDS_DIR "step6_compare_go/goadds" /* what Go adds, built */

/*
 * The programs. Each figure is the run's wall time divided by size * per
 * (ns per operation), or, with per == 0, the whole run in ms; MEMORY
 * figures are peak RSS divided by size. threads: the size on step 4's
 * thread per goroutine, 0 if that version is not run (a thread costs too
 * much for the full size; figures per operation stay comparable).
 */
enum kind { TIMED, MEMORY, DEMO };
struct workload {
    const char *name;  /* go/<name>/ and c/<name>.c */
    const char *label; /* "%ld" is the size */
    enum kind kind;
    long size, quick_size, threads, quick_threads;
    double per;
};

static const struct workload workloads[] = {
    {"hello", "hello, sleep %ld ms: ms", TIMED, 100, 10, 0, 0, 0},
    {"spawn", "spawn %ld: ns/goroutine", TIMED, 1000000, 10000, 20000, 1000,
     1},
    {"gosched", "gosched 2x%ld: ns/yield", TIMED, 5000000, 10000, 0, 0, 2},
    {"pingpong", "pingpong %ld: ns/round trip", TIMED, 1000000, 10000,
     50000, 1000, 1},
    {"buffered", "buffered %ld: ns/value", TIMED, 10000000, 100000, 0, 0, 1},
    {"sieve", "sieve %ld primes: ms", TIMED, 5000, 200, 0, 0, 0},
    {"skynet", "skynet %ld: ms", TIMED, 1000000, 10000, 0, 0, 0},
    {"blocked", "blocked %ld: bytes/goroutine", MEMORY, 100000, 1000, 0, 0,
     0},
    {"fanout", "fanout below %ld: ms", TIMED, 3000000, 100000, 0, 0, 0},
    {"preempt", "preempt", DEMO, 10, 10, 0, 0, 0},
    {"handoff", "handoff", DEMO, 100, 100, 0, 0, 0},
    {"deepstack", "deepstack", DEMO, 100000, 100000, 0, 0, 0},
};
enum { NWORK = sizeof workloads / sizeof workloads[0] };

/*
 * The echo race (c/echo/, go/echo/): an echo server on each side, the
 * same load generator against each: `conns` connections at once, each
 * sending `messages` messages of 64 bytes, one at a time. --quick runs
 * the sizes with quick_messages > 0.
 */
static const struct echo_size {
    int conns, messages, quick_messages;
} echo_sizes[] = {{1, 20000, 1000}, {100, 500, 20}, {10000, 5, 0}};
enum { NECHO = sizeof echo_sizes / sizeof echo_sizes[0] };
enum { ECHO_ROWS = 3 }; /* per size: ns/request, p50, p99 */

enum {
    MAX_ROWS = 2 * NWORK + ECHO_ROWS * NECHO,
    CHILD_TIMEOUT_S = 120,
    OUTPUT_MAX = 8192,
};

static struct {
    int runs;
    bool quick;
    bool only[NWORK]; /* all false: every workload */
    bool only_echo;   /* --only named echo */
    const char *out;  /* folder for the Markdown and SVG files */
} opt = {5, false, {false}, false, NULL};

#define USAGE "[--quick] [--runs=N] [--only=NAME,...] [--out=DIR]"

/* Ends a usage error: "step6: what was wrong (usage: ./step6 ...)". */
#define USAGE_TAIL " (usage: ./%s " USAGE ")"

/* --only=NAME,...: each name must be a workload's, none empty. */
static void parse_only(const char *list)
{
    for (const char *name = list;; name++) {
        size_t len = strcspn(name, ",");
        if (len == 0)
            usage_error("--only: an empty name in '%s'", list);
        int i = 0;
        while (i < NWORK && (strncmp(workloads[i].name, name, len) != 0 ||
                             workloads[i].name[len] != '\0'))
            i++;
        bool echo = len == 4 && strncmp(name, "echo", 4) == 0;
        if (i == NWORK && !echo)
            usage_error("--only: no program '%.*s' (hello, spawn, gosched, "
                        "pingpong, buffered, sieve, skynet, blocked, fanout,"
                        " preempt, handoff, deepstack, echo)", (int)len,
                        name);
        if (echo)
            opt.only_echo = true;
        else
            opt.only[i] = true;
        name += len;
        if (*name == '\0')
            return;
    }
}

static void parse_flags(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--quick") == 0)
            opt.quick = true;
        else if ((v = flag_value(a, "--runs", "N")))
            opt.runs = (int)parse_count(v, "--runs", MAX_RUNS);
        else if ((v = flag_value(a, "--only", "NAME,...")))
            parse_only(v);
        else if ((v = flag_value(a, "--out", "DIR")))
            opt.out = v;
        else if (strcmp(a, "--help") == 0) {
            printf("usage: ./%s %s\n", program_name(), USAGE);
            exit(0);
        } else
            usage_error("unknown argument '%s'" USAGE_TAIL, a,
                        program_name());
    }
    if (opt.quick && !opt.out)
        opt.out = "step6_compare_go/results/quick";
    if (!opt.out)
        opt.out = "step6_compare_go/results";
}

/* ---- Running one program ---------------------------------------------- */

/* What one run of a program did. */
struct outcome {
    int status;      /* exit status, or 128 + the signal that killed it */
    bool timed_out;  /* killed by our watchdog */
    double wall_ns;  /* fork to wait4, so start-up counts, on both sides */
    double peak_rss; /* bytes: wait4's ru_maxrss */
    char out[OUTPUT_MAX];
    char err_last[256]; /* the last line it wrote to stderr */
};

static volatile sig_atomic_t child_pid, child_killed;

static void on_alarm(int sig)
{
    (void)sig;
    if (child_pid > 0) {
        kill(child_pid, SIGKILL);
        child_killed = true;
    }
}

/* The whole of fd (a temporary file) into buf, NUL-terminated. */
static void read_back(int fd, char *buf, size_t size)
{
    ssize_t got = pread(fd, buf, size - 1, 0);
    buf[got > 0 ? got : 0] = '\0';
    close(fd);
}

static int temp_fd(void)
{
    FILE *f = tmpfile();
    if (!f)
        die("tmpfile");
    int fd = dup(fileno(f));
    fclose(f);
    if (fd < 0)
        die("dup");
    return fd;
}

/* Keep the child on the first `cpus` CPUs it may use. */
static void pin_to_cpus(int cpus)
{
    cpu_set_t all, some;
    CPU_ZERO(&some);
    if (sched_getaffinity(0, sizeof all, &all) != 0)
        die("sched_getaffinity");
    for (int c = 0; c < CPU_SETSIZE && CPU_COUNT(&some) < cpus; c++)
        if (CPU_ISSET(c, &all))
            CPU_SET(c, &some);
    if (sched_setaffinity(0, sizeof some, &some) != 0)
        die("sched_setaffinity");
}

/*
 * Run argv in folder dir (NULL: here) with the assignments env added to
 * the environment, on at most pin_cpus CPUs (0: any), killed after
 * CHILD_TIMEOUT_S. Wall time and peak RSS come from wait4.
 */
static void run(const char *const argv[], const char *dir,
                const char *const env[], int pin_cpus, struct outcome *o)
{
    int out = temp_fd(), err = temp_fd();
    fflush(stdout);
    int64_t start = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        for (int i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        if (pin_cpus)
            pin_to_cpus(pin_cpus);
        if (dir && chdir(dir) != 0)
            die(dir);
        execv(argv[0], (char *const *)argv);
        die(argv[0]);
    }
    child_killed = false;
    child_pid = pid;
    alarm(CHILD_TIMEOUT_S);
    int status;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0)
        if (errno != EINTR)
            die("wait4");
    alarm(0);
    child_pid = 0;
    o->timed_out = child_killed;
    o->wall_ns = (double)(now_ns() - start);
    o->peak_rss = (double)usage.ru_maxrss * 1024;
    o->status = WIFEXITED(status) ? WEXITSTATUS(status)
                                  : 128 + WTERMSIG(status);
    read_back(out, o->out, sizeof o->out);
    char text[OUTPUT_MAX];
    read_back(err, text, sizeof text);
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    char *last = strrchr(text, '\n');
    snprintf(o->err_last, sizeof o->err_last, "%.*s",
             (int)sizeof o->err_last - 1, last ? last + 1 : text);
}

/* How a run ended, in words: "exit status 2", "killed by SIGABRT". */
static char *describe_end(const struct outcome *o, char buf[static 64])
{
    if (o->timed_out)
        snprintf(buf, 64, "no answer in %d s, killed", CHILD_TIMEOUT_S);
    else if (o->status > 128)
        snprintf(buf, 64, "killed by SIG%s", sigabbrev_np(o->status - 128));
    else
        snprintf(buf, 64, "exit status %d", o->status);
    return buf;
}

static int compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The result of a run: its output lines in sorted order, since goroutines
 * may print in any order (hello's two greetings).
 */
static void normalize(const char *out, char *buf, size_t size)
{
    char copy[OUTPUT_MAX], *lines[256];
    int n = 0;
    snprintf(copy, sizeof copy, "%s", out);
    for (char *save, *line = strtok_r(copy, "\n", &save); line && n < 256;
         line = strtok_r(NULL, "\n", &save))
        lines[n++] = line;
    qsort(lines, (size_t)n, sizeof lines[0], compare_lines);
    buf[0] = '\0';
    for (int i = 0; i < n; i++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
                 i ? " | " : "", lines[i]);
}

/*
 * Make folder path and the folders above it that are missing. False, with
 * errno set, if path is not a folder after that.
 */
static bool mkdirs(const char *path)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *p = copy + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(copy, 0777);
            *p = '/';
        }
    struct stat st;
    if ((mkdir(copy, 0777) != 0 && errno != EEXIST) || stat(copy, &st) != 0)
        return false;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return false;
    }
    return true;
}

/*
 * Make folder dir and put its absolute path in buf, 1024 bytes: that
 * leaves room in a PATH_MAX for the name of a program in it.
 */
static void absolute_dir(const char *dir, char buf[static 1024])
{
    if (!mkdirs(dir))
        die(dir);
    char *path = realpath(dir, NULL);
    if (!path || strlen(path) >= 1024)
        die(dir);
    strcpy(buf, path);
    free(path);
}

/* ---- The Go toolchain ------------------------------------------------- */

static char go_path[PATH_MAX];  /* "" when Go is not installed */
static char go_version[64];     /* "go1.19.8" */
static char go_root[PATH_MAX];  /* `go env GOROOT` */
static char build_dir[1024];    /* STEP6_BUILD, made absolute */
static char go_bin[1024];       /* GO_PROGRAMS, made absolute */

static bool find_go(void)
{
    const char *path = getenv("PATH");
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path ? path : "");
    for (char *save, *dir = strtok_r(copy, ":", &save); dir;
         dir = strtok_r(NULL, ":", &save)) {
        snprintf(go_path, sizeof go_path, "%s/go", dir);
        if (access(go_path, X_OK) == 0)
            return true;
    }
    go_path[0] = '\0';
    return false;
}

/* The first line `go args...` prints, or "" if it fails. */
static void go_query(const char *arg1, const char *arg2, char *buf,
                     size_t size)
{
    static struct outcome o;
    const char *argv[] = {go_path, arg1, arg2, NULL};
    run(argv, NULL, NULL, 0, &o);
    buf[0] = '\0';
    if (o.status == 0)
        snprintf(buf, size, "%.*s", (int)strcspn(o.out, "\n"), o.out);
}

/*
 * Build every Go program into GO_PROGRAMS, offline (standard library
 * only), with Go's caches in the build folder. A Go program does not
 * depend on the C compiler, so neither does its place: the README runs
 * them from there, as it runs the C twins that `make step6` puts in
 * step6_bin/c/.
 */
static bool build_go(void)
{
    static char cache[PATH_MAX], gopath[PATH_MAX], bin[PATH_MAX];
    absolute_dir(GO_PROGRAMS, go_bin);
    snprintf(cache, sizeof cache, "GOCACHE=%s/go/cache", build_dir);
    snprintf(gopath, sizeof gopath, "GOPATH=%s/go/path", build_dir);
    snprintf(bin, sizeof bin, "%s/", go_bin);
    const char *env[] = {cache, gopath, "GOPROXY=off", "GOFLAGS=",
                         "GO111MODULE=on", "GOWORK=off", "CGO_ENABLED=0",
                         "GOTOOLCHAIN=local", "GOTELEMETRY=off", NULL};
    const char *argv[] = {go_path, "build", "-o", bin, "./...", NULL};
    static struct outcome o;
    run(argv, GO_SOURCES, env, 0, &o);
    if (o.status != 0) {
        char end[64];
        printf("go build failed (%s): %s\n", describe_end(&o, end),
               o.err_last);
    }
    return o.status == 0;
}

/* ---- Running the workloads ------------------------------------------- */

static int errors;

static bool have_go; /* found, and the Go programs built */

/* The program of workload w on one side: NULL for Go's, without Go. */
static const char *program(const struct workload *w, enum side side,
                           char path[static PATH_MAX])
{
    static const char *suffix[SIDES] = {"-threads", "-goroutines", ""};
    if (side == GO && !have_go)
        return NULL;
    if (side == GO)
        snprintf(path, PATH_MAX, "%s/%s", go_bin, w->name);
    else
        snprintf(path, PATH_MAX, "%s/c/%s%s", build_dir, w->name,
                 suffix[side]);
    return path;
}

static long side_size(const struct workload *w, enum side side)
{
    if (side == THREADS)
        return opt.quick ? w->quick_threads : w->threads;
    return opt.quick ? w->quick_size : w->size;
}

/* Run workload w on one side at `procs` once. */
static void run_side(const struct workload *w, enum side side, int procs,
                     struct outcome *o)
{
    char path[PATH_MAX], size[32], gomaxprocs[32];
    snprintf(size, sizeof size, "%ld", side_size(w, side));
    snprintf(gomaxprocs, sizeof gomaxprocs, "GOMAXPROCS=%d", procs);
    const char *argv[] = {program(w, side, path), size, NULL};
    const char *env[] = {gomaxprocs, NULL};
    run(argv, NULL, env, side == THREADS ? procs : 0, o);
}

/*
 * Check one run against what Go printed at the same size (want == NULL:
 * nothing to check against). A failure is an error, never a figure.
 */
static bool check(const struct workload *w, enum side side, int procs,
                  const struct outcome *o, const char *want)
{
    char end[64], got[OUTPUT_MAX];
    normalize(o->out, got, sizeof got);
    if (o->status == 0 && !o->timed_out && (!want || !strcmp(got, want)))
        return true;
    errors++;
    if (o->status != 0 || o->timed_out)
        printf("error: %s on %s, P=%d: %s: %s\n", w->name, side_name[side],
               procs, describe_end(o, end), o->err_last);
    else
        printf("error: %s on %s, P=%d printed \"%s\" but Go printed \"%s\"\n",
               w->name, side_name[side], procs, got, want);
    return false;
}

/* What Go prints for w at the size of `side`, run once, untimed. */
static void reference(const struct workload *w, enum side side, int procs,
                      char *want, size_t size)
{
    static struct outcome o;
    char path[PATH_MAX], arg[32];
    snprintf(arg, sizeof arg, "%ld", side_size(w, side));
    const char *argv[] = {program(w, GO, path), arg, NULL};
    run(argv, NULL, NULL, 0, &o);
    if (check(w, GO, procs, &o, NULL))
        normalize(o.out, want, size);
}

/* Add the figure of run o to row r. */
static void record(const struct workload *w, enum side side,
                   const struct outcome *o, struct row *r)
{
    double size = (double)side_size(w, side);
    double value = w->kind == MEMORY ? o->peak_rss / size
                   : w->per          ? o->wall_ns / (size * w->per)
                                     : o->wall_ns / 1e6;
    series_add(&r->value[side], value);
    series_add(&r->rss[side], o->peak_rss);
}

/*
 * Run workload w `opt.runs` times on every side, interleaved, and check
 * each run against what Go printed at the same size.
 */
static void measure(const struct workload *w, int procs, struct row *r)
{
    static struct outcome o[SIDES];
    static char want[SIDES][OUTPUT_MAX]; /* Go's result, at each size */
    bool ok[SIDES];
    for (int s = 0; s < SIDES; s++) {
        char path[PATH_MAX];
        ok[s] = side_size(w, s) > 0 && program(w, s, path);
        want[s][0] = '\0';
    }
    if (ok[THREADS] && ok[GO])
        reference(w, THREADS, procs, want[THREADS], OUTPUT_MAX);
    for (int run = 0; run < opt.runs; run++) {
        for (int s = 0; s < SIDES; s++)
            if (ok[s])
                run_side(w, s, procs, &o[s]);
        for (int s = GO; s >= THREADS; s--) { /* Go's result first */
            const char *target = want[s == THREADS ? THREADS : GO];
            if (!ok[s])
                continue;
            ok[s] = check(w, s, procs, &o[s],
                          s != GO && target[0] ? target : NULL);
            r->failed |= !ok[s] && s != THREADS;
            if (!ok[s])
                continue;
            if (s == GO && !want[GO][0])
                normalize(o[GO].out, want[GO], OUTPUT_MAX);
            record(w, s, &o[s], r);
        }
    }
}

/* A demo: one run a side; the outcome is shown, not timed. */
struct demo {
    const char *name;
    int procs;
    char said[SIDES][300];
    char goadds[300]; /* on step 5 + goadds, "" if not built so */
};

static void show(const struct workload *w, enum side side, int procs,
                 char said[static 300])
{
    static struct outcome o;
    char path[PATH_MAX], end[64];
    if (!program(w, side, path)) {
        snprintf(said, 300, "(Go is not installed)");
        return;
    }
    run_side(w, side, procs, &o);
    if (o.status == 0)
        snprintf(said, 300, "%.*s", (int)strcspn(o.out, "\n"), o.out);
    else
        snprintf(said, 300, "%s (%s)", o.err_last, describe_end(&o, end));
    if (o.timed_out || (side == GO && o.status != 0)) {
        errors++;
        printf("error: %s on %s, P=%d: %s\n", w->name, side_name[side],
               procs, said);
    }
}

/* The twin of demo d built on step 5 + goadds, if there is one: it must
   print what Go printed, except under ThreadSanitizer, which delivers a
   signal only at the next call into libc: no preemption by signal there
   (goadds/preempt.c), so a loop that calls nothing starves, as on step 5
   alone. */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

static void show_goadds(const struct workload *w, struct demo *d)
{
    static struct outcome o;
    char path[PATH_MAX], size[32], gomaxprocs[32], end[64];
    snprintf(path, sizeof path, "%s/c/%s-goadds", build_dir, w->name);
    if (access(path, X_OK) != 0)
        return;
    snprintf(size, sizeof size, "%ld", side_size(w, OURS));
    snprintf(gomaxprocs, sizeof gomaxprocs, "GOMAXPROCS=%d", d->procs);
    const char *argv[] = {path, size, NULL};
    const char *env[] = {gomaxprocs, NULL};
    run(argv, NULL, env, 0, &o);
    char *said = d->goadds;
    if (o.status == 0)
        snprintf(said, 300, "%.*s", (int)strcspn(o.out, "\n"), o.out);
    else
        snprintf(said, 300, "%s (%s)", o.err_last, describe_end(&o, end));
    if (have_go && strcmp(said, d->said[GO]) != 0 && !UNDER_TSAN) {
        errors++;
        printf("error: %s on ours + goadds, P=%d: %s\n", w->name, d->procs,
               said);
    }
}

/* ---- The echo race ---------------------------------------------------- */

/* What one run of the load generator against one server measured. */
struct echo_result {
    double rps, p50_us, p99_us, threads, peak_rss;
};

/* The figures of one size: the table's rows and the servers' threads. */
struct echo_rows {
    const struct echo_size *size;
    struct row *rows[ECHO_ROWS];    /* ns/request, p50 us, p99 us */
    struct series rps[SIDES], threads[SIDES];
    bool skip_threads;              /* a thread each: over the limits */
    char why[160];                  /* ... and why */
};

static long read_proc_long(const char *path)
{
    long v = -1;
    FILE *f = fopen(path, "r");
    if (f && fscanf(f, "%ld", &v) != 1)
        v = -1;
    if (f)
        fclose(f);
    return v;
}

/*
 * May the thread-per-connection server start n threads here? Each takes
 * a pid, and pid_max is small on some machines (32768 here) and shared
 * by every program: a server that made the machine run out of pids would
 * break every fork on it. So: only if the tasks running now plus n stay
 * under half of pid_max and of threads-max, and under RLIMIT_NPROC.
 */
static bool threads_fit(long n, char why[static 160])
{
    long pid_max = read_proc_long("/proc/sys/kernel/pid_max");
    long threads_max = read_proc_long("/proc/sys/kernel/threads-max");
    long running = 0, tasks = 0;
    FILE *f = fopen("/proc/loadavg", "r"); /* "0.1 0.2 0.3 2/98 1234" */
    if (!f || fscanf(f, "%*s %*s %*s %ld/%ld", &running, &tasks) != 2)
        tasks = -1;
    if (f)
        fclose(f);
    struct rlimit nproc;
    getrlimit(RLIMIT_NPROC, &nproc);
    if (pid_max < 0 || tasks < 0 || tasks + n > pid_max / 2)
        snprintf(why, 160, "%ld threads with %ld tasks running would pass "
                 "half of pid_max (%ld)", n, tasks, pid_max);
    else if (threads_max >= 0 && tasks + n > threads_max / 2)
        snprintf(why, 160, "over half of threads-max (%ld)", threads_max);
    else if (nproc.rlim_cur != RLIM_INFINITY &&
             (rlim_t)(tasks + n) > nproc.rlim_cur)
        snprintf(why, 160, "over RLIMIT_NPROC (%ld)", (long)nproc.rlim_cur);
    else
        return true;
    return false;
}

/* Start an echo server; its pid, and its port in *port; -1 if it failed
   (the error said). */
static pid_t start_server(const char *path, int *port)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(path, path, (char *)NULL);
        die(path);
    }
    close(fds[1]);
    char line[128] = "";
    FILE *f = fdopen(fds[0], "r");
    child_pid = pid; /* the watchdog, if it never says its port */
    alarm(10);
    bool ok = fgets(line, sizeof line, f) &&
              sscanf(line, "listening on 127.0.0.1:%d", port) == 1;
    alarm(0);
    child_pid = 0;
    fclose(f); /* the server never writes again: no SIGPIPE */
    if (ok)
        return pid;
    printf("error: %s did not say where it listens (\"%.*s\")\n", path,
           (int)strcspn(line, "\n"), line);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    errors++;
    return -1;
}

/* One run of the load generator against the server of `side`. */
static bool echo_run(enum side side, const struct echo_size *size,
                     struct echo_result *res)
{
    static const char *name[SIDES] = {"echo-threads", "echo-goroutines",
                                      "echo"};
    char server[PATH_MAX], loadgen[PATH_MAX];
    if (side == GO)
        snprintf(server, sizeof server, "%s/echo", go_bin);
    else
        snprintf(server, sizeof server, "%s/c/%s", build_dir, name[side]);
    snprintf(loadgen, sizeof loadgen, "%s/c/loadgen", build_dir);
    int port;
    pid_t pid = start_server(server, &port);
    if (pid < 0)
        return false;
    char port_arg[16], conns[16], messages[16], pid_arg[16];
    snprintf(port_arg, sizeof port_arg, "%d", port);
    snprintf(conns, sizeof conns, "%d", size->conns);
    snprintf(messages, sizeof messages, "%d",
             opt.quick ? size->quick_messages : size->messages);
    snprintf(pid_arg, sizeof pid_arg, "%d", (int)pid);
    const char *argv[] = {loadgen, port_arg, conns, messages, pid_arg, NULL};
    static struct outcome o;
    run(argv, NULL, NULL, 0, &o);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    bool ok = o.status == 0 && !o.timed_out &&
              sscanf(o.out, "conns=%*d messages=%*d requests=%*d rps=%lf "
                     "p50_us=%lf p99_us=%lf threads=%lf peak_rss=%lf",
                     &res->rps, &res->p50_us, &res->p99_us, &res->threads,
                     &res->peak_rss) == 5;
    if (!ok) {
        char end[64];
        errors++;
        printf("error: echo %d conns against %s: %s: %s\n", size->conns,
               side_name[side], describe_end(&o, end), o.err_last);
    }
    return ok;
}

/*
 * Race the three servers at each size, the sides interleaved, opt.runs
 * times: three rows of the table a size, and the threads each server
 * had at its peak. The load generator checks every byte of every echo:
 * a server that got one wrong fails the run.
 */
static int echo_race(struct row *rows, struct echo_rows *sizes, int procs)
{
    static char labels[NECHO][ECHO_ROWS][64];
    static const char *const what[ECHO_ROWS] = {
        "ns/request", "p50 us", "p99 us"};
    struct rlimit files;
    getrlimit(RLIMIT_NOFILE, &files);
    int nsizes = 0, nrows = 0;
    for (int i = 0; i < NECHO; i++) {
        const struct echo_size *size = &echo_sizes[i];
        if (opt.quick && !size->quick_messages)
            continue;
        if (files.rlim_max != RLIM_INFINITY &&
            files.rlim_max < (rlim_t)size->conns + 64) {
            printf("echo %d conns: skipped: the hard limit on open files "
                   "(ulimit -Hn) is %ld, %d needed\n", size->conns,
                   (long)files.rlim_max, size->conns + 64);
            continue;
        }
        struct echo_rows *e = &sizes[nsizes++];
        memset(e, 0, sizeof *e);
        e->size = size;
        e->skip_threads = !threads_fit(size->conns, e->why);
        for (int k = 0; k < ECHO_ROWS; k++) {
            e->rows[k] = &rows[nrows++];
            snprintf(labels[i][k], 64, "echo %d conns: %s", size->conns,
                     what[k]);
            e->rows[k]->label = labels[i][k];
            e->rows[k]->procs = procs;
        }
        for (int run = 0; run < opt.runs; run++)
            for (int s = 0; s < SIDES; s++) {
                struct echo_result r;
                if ((s == THREADS && e->skip_threads) ||
                    (s == GO && !have_go))
                    continue;
                if (!echo_run(s, size, &r)) {
                    for (int k = 0; k < ECHO_ROWS; k++)
                        e->rows[k]->failed |= s != THREADS;
                    continue;
                }
                double value[ECHO_ROWS] = {1e9 / r.rps, r.p50_us, r.p99_us};
                for (int k = 0; k < ECHO_ROWS; k++) {
                    series_add(&e->rows[k]->value[s], value[k]);
                    series_add(&e->rows[k]->rss[s], r.peak_rss);
                }
                series_add(&e->rps[s], r.rps);
                series_add(&e->threads[s], r.threads);
            }
        for (int k = 0; k < ECHO_ROWS; k++)
            write_table_row(stdout, e->rows[k]);
    }
    return nsizes;
}

/* "echo 100 conns: requests/s threads 75300, ours 90800, Go 88000 (ours/Go
   1.03); server threads ..." for the terminal or Markdown. */
static void write_echo_summary(FILE *f, const struct echo_rows *sizes,
                               int n, bool markdown)
{
    if (markdown)
        fprintf(f, "| echo | requests/s threads | ours | Go | ours/Go | "
                   "server threads: threads | ours | Go |\n"
                   "|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for (int i = 0; i < n; i++) {
        const struct echo_rows *e = &sizes[i];
        char rps[SIDES][32], ratio[32] = "-";
        for (int s = 0; s < SIDES; s++) {
            if (e->rps[s].n)
                snprintf(rps[s], 32, "%.0f", series_median(&e->rps[s]));
            else
                snprintf(rps[s], 32, "-");
        }
        if (e->rps[OURS].n && e->rps[GO].n && !e->rows[0]->failed)
            format_figure(series_median(&e->rps[OURS]) /
                          series_median(&e->rps[GO]), ratio);
        double th[SIDES];
        for (int s = 0; s < SIDES; s++)
            th[s] = series_median(&e->threads[s]);
        if (markdown)
            fprintf(f, "| %d conns | %s | %s | %s | %s | %.0f | %.0f | %.0f "
                       "|\n", e->size->conns, rps[THREADS], rps[OURS],
                    rps[GO], ratio, th[THREADS], th[OURS], th[GO]);
        else
            fprintf(f, "echo %5d conns: requests/s threads %s, ours %s, Go "
                       "%s (ours/Go %s); server threads: %.0f, %.0f, %.0f\n",
                    e->size->conns, rps[THREADS], rps[OURS], rps[GO], ratio,
                    th[THREADS], th[OURS], th[GO]);
    }
    for (int i = 0; i < n; i++)
        if (sizes[i].skip_threads)
            fprintf(f, "%sthread per connection at %d conns not run: %s\n",
                    markdown ? "\n" : "", sizes[i].size->conns,
                    sizes[i].why);
}

/* ---- How tiny is ours ------------------------------------------------- */

struct loc_line {
    const char *what;
    struct loc count;
};

static bool is_runtime_source(const char *path)
{
    return (ends_with(path, ".c") || ends_with(path, ".h") ||
            ends_with(path, ".S") || ends_with(path, ".s")) &&
           !ends_with(path, "/main.c");
}

static bool is_go_source(const char *path)
{
    return (ends_with(path, ".go") && !ends_with(path, "_test.go")) ||
           ends_with(path, ".s");
}

/* Go's runtime, and the parts of it that match what we built. */
static const char *const go_parts[][2] = {
    {"proc.go", "  proc.go: the scheduler"},
    {"chan.go select.go", "  chan.go, select.go: channels"},
    {"stack.go", "  stack.go: growable stacks"},
    {"mgc*.go", "  mgc*.go: the garbage collector"},
    {"netpoll*.go", "  netpoll*.go: the network poller"},
};
enum { NPARTS = sizeof go_parts / sizeof go_parts[0] };
static const char *go_part_patterns;

static bool in_go_part(const char *path)
{
    const char *base = strrchr(path, '/') + 1;
    char copy[128];
    snprintf(copy, sizeof copy, "%s", go_part_patterns);
    for (char *save, *p = strtok_r(copy, " ", &save); p;
         p = strtok_r(NULL, " ", &save))
        if (fnmatch(p, base, 0) == 0)
            return true;
    return false;
}

enum { NLINES = 3 + NPARTS };

/* Fill lines[]: ours, what Go adds built on it, Go's whole runtime, then
   its parts. Returns n. */
static int count_lines(struct loc_line lines[static NLINES])
{
    static char go_what[128];
    int n = 0;
    memset(lines, 0, sizeof(struct loc_line) * NLINES);
    lines[n].what = "ours: " RUNTIME_DIR "/ (tests and demo excluded)";
    loc_add_tree(&lines[n++].count, RUNTIME_DIR, false, is_runtime_source);
    lines[n].what = "ours: " GOADDS_DIR "/ (chapter 6's additions)";
    loc_add_tree(&lines[n++].count, GOADDS_DIR, false, is_runtime_source);
    if (!go_root[0])
        return n;
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/src/runtime", go_root);
    snprintf(go_what, sizeof go_what, "Go %s: src/runtime/ (.go, .s, tests "
             "excluded)", go_version);
    lines[n].what = go_what;
    if (!loc_add_tree(&lines[n].count, dir, true, is_go_source))
        return n;
    n++;
    for (int i = 0; i < NPARTS; i++) {
        lines[n].what = go_parts[i][1];
        go_part_patterns = go_parts[i][0];
        loc_add_tree(&lines[n++].count, dir, false, in_go_part);
    }
    return n;
}

static void write_lines(FILE *f, const struct loc_line *lines, int n,
                        bool markdown)
{
    if (markdown)
        fprintf(f, "| runtime | files | lines | code lines |\n"
                   "|---|--:|--:|--:|\n");
    for (int i = 0; i < n; i++) {
        const struct loc *c = &lines[i].count;
        if (markdown)
            fprintf(f, "| %s | %ld | %ld | %ld |\n", lines[i].what, c->files,
                    c->lines, c->code);
        else
            fprintf(f, "%-56s %5ld files %7ld lines %7ld code\n",
                    lines[i].what, c->files, c->lines, c->code);
    }
}

/* ---- Putting it together ---------------------------------------------- */

static int cpu_count(void)
{
    cpu_set_t cpus;
    if (sched_getaffinity(0, sizeof cpus, &cpus) != 0)
        die("sched_getaffinity");
    return CPU_COUNT(&cpus);
}

/* "AMD EPYC, 2 CPUs, Linux 6.1.0", for every table. */
static void describe_machine(char *buf, size_t size)
{
    char model[128] = "unknown CPU", line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "model name : %127[^\n]", model) == 1)
            break;
    if (f)
        fclose(f);
    struct utsname u;
    uname(&u);
    snprintf(buf, size, "%s, %d CPUs, %s %s %s", model, cpu_count(),
             u.sysname, u.release, u.machine);
}

static FILE *create(const char *dir, const char *name, char *path)
{
    snprintf(path, PATH_MAX, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        die(path);
    return f;
}

struct results {
    char machine[512];
    struct row rows[MAX_ROWS];
    int nrows;
    struct demo demos[MAX_ROWS];
    int ndemos;
    char speedup[256];
    struct loc_line lines[NLINES];
    int nlines;
    struct echo_rows echo[NECHO];
    int necho;
};

static void write_demos(FILE *f, const struct results *res, bool markdown)
{
    for (int i = 0; i < res->ndemos; i++) {
        const struct demo *d = &res->demos[i];
        if (markdown)
            fprintf(f, "- **%s, P=%d**: Go: `%s`; ours: `%s`%s%s%s\n",
                    d->name, d->procs, d->said[GO], d->said[OURS],
                    d->goadds[0] ? "; ours + goadds: `" : "", d->goadds,
                    d->goadds[0] ? "`" : "");
        else
            fprintf(f, "%-9s P=%d  Go:   %s\n%-14s ours: %s\n", d->name,
                    d->procs, d->said[GO], "", d->said[OURS]);
        if (!markdown && d->goadds[0])
            fprintf(f, "%-14s ours + goadds: %s\n", "", d->goadds);
    }
}

static void write_results(const struct results *res)
{
    char md_path[PATH_MAX], svg_path[PATH_MAX];
    FILE *md = create(opt.out, "comparison.md", md_path);
    fprintf(md, "# Ours against Go\n\nMeasured by `./step6%s` on %s; "
                "C: %s, Go: %s. Each figure: median [min-max] of %d "
                "run%s, the sides interleaved.\n\n",
            opt.quick ? " --quick" : "", res->machine, C_COMPILER,
            have_go ? go_version : "not installed", opt.runs,
            opt.runs > 1 ? "s" : "");
    write_markdown_table(md, res->rows, res->nrows);
    fprintf(md, "\n%s\n\n![ratios ours/Go](ratios.svg)\n\n"
                "## What Go adds, shown\n\n", res->speedup);
    write_demos(md, res, true);
    if (res->necho) {
        fprintf(md, "\n## The echo race\n\nThe same load generator "
                    "against each echo server; median of %d run%s, "
                    "interleaved. Latency and memory are in the table "
                    "above (echo rows).\n\n", opt.runs,
                opt.runs > 1 ? "s" : "");
        write_echo_summary(md, res->echo, res->necho, true);
    }
    fprintf(md, "\n## How tiny is ours\n\n");
    write_lines(md, res->lines, res->nlines, true);
    fclose(md);
    FILE *svg = create(opt.out, "ratios.svg", svg_path);
    write_svg(svg, res->rows, res->nrows);
    fclose(svg);
    printf("\nwrote %s and %s\n", md_path, svg_path);
}

/* The fan-out's speed-up from 1 CPU to all, on each side. */
static void speedup(struct results *res)
{
    const struct row *one = NULL, *all = NULL;
    for (int i = 0; i < res->nrows; i++)
        if (strncmp(res->rows[i].label, "fanout ", 7) == 0) {
            if (res->rows[i].procs == 1)
                one = &res->rows[i];
            else
                all = &res->rows[i];
        }
    if (!one || !all)
        return;
    int len = snprintf(res->speedup, sizeof res->speedup,
                       "fanout speed-up from 1 to %d CPUs:", all->procs);
    for (int s = OURS; s < SIDES; s++) {
        double a = series_median(&one->value[s]);
        double b = series_median(&all->value[s]);
        if (a > 0 && b > 0)
            len += snprintf(res->speedup + len, sizeof res->speedup -
                            (size_t)len, " %s %.2fx", side_name[s], a / b);
    }
}

static void say_what_runs(const struct results *res)
{
    printf("step6: the same programs on our goroutines (step 5), on a "
           "thread each (steps 2 and 4) and in Go\nmachine: %s\n",
           res->machine);
    if (have_go)
        printf("go: %s (%s), its programs built in " GO_PROGRAMS "/\n",
               go_version, go_path);
    else
        printf("go: not found in PATH: install it to compare (Debian and "
               "Ubuntu: apt-get install golang-go; elsewhere: "
               "https://go.dev/dl/); running the C side only\n");
    printf("each figure: median [min-max] of %d run%s, the sides "
           "interleaved%s\n", opt.runs, opt.runs > 1 ? "s" : "",
           opt.quick ? " (--quick: small sizes, no conclusions)" : "");
    printf("threads run smaller sizes (");
    for (int i = 0, first = 1; i < NWORK; i++)
        if (side_size(&workloads[i], THREADS))
            printf("%s%s %ld", first-- > 0 ? "" : ", ", workloads[i].name,
                   side_size(&workloads[i], THREADS));
    printf("): a thread each costs too much for more; compare per "
           "operation\n\n");
}

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0); /* each row as soon as it is done */
    parse_flags(argc, argv);
    if (opt.quick)
        opt.runs = 1;
    if (access(GO_SOURCES "/go.mod", R_OK) != 0)
        usage_error("run me from the repository's root (no %s/go.mod here)",
                    GO_SOURCES);
    /* Made now: a folder we cannot write to fails at once, not after a
       run of minutes. */
    if (!mkdirs(opt.out) || access(opt.out, W_OK) != 0)
        usage_error("--out: cannot write results in '%s': %s", opt.out,
                    strerror(errno));
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    if (!mkdirs(STEP6_BUILD "/go"))
        die(STEP6_BUILD "/go");
    absolute_dir(STEP6_BUILD, build_dir);

    static struct results res;
    describe_machine(res.machine, sizeof res.machine);
    have_go = find_go();
    if (have_go) {
        char line[128] = "";
        go_query("version", NULL, line, sizeof line);
        sscanf(line, "go version %63s", go_version);
        go_query("env", "GOROOT", go_root, sizeof go_root);
        have_go = build_go();
    }
    say_what_runs(&res);

    int procs[2] = {1, cpu_count()};
    int nprocs = procs[1] > 1 ? 2 : 1;
    write_table_header(stdout);
    bool all = !opt.only_echo;
    for (int j = 0; j < NWORK; j++)
        all &= !opt.only[j];
    for (int i = 0; i < NWORK; i++) {
        const struct workload *w = &workloads[i];
        if (!all && !opt.only[i])
            continue;
        for (int p = 0; p < nprocs; p++) {
            if (w->kind == DEMO) {
                struct demo *d = &res.demos[res.ndemos++];
                d->name = w->name;
                d->procs = procs[p];
                for (int s = OURS; s < SIDES; s++)
                    show(w, s, procs[p], d->said[s]);
                show_goadds(w, d);
                continue;
            }
            static char labels[MAX_ROWS][64];
            struct row *r = &res.rows[res.nrows];
            snprintf(labels[res.nrows], 64, w->label, side_size(w, OURS));
            r->label = labels[res.nrows++];
            r->procs = procs[p];
            measure(w, procs[p], r);
            write_table_row(stdout, r);
        }
    }
    if (all || opt.only_echo) {
        res.necho = echo_race(&res.rows[res.nrows], res.echo, procs[1]);
        res.nrows += ECHO_ROWS * res.necho;
        printf("\n");
        write_echo_summary(stdout, res.echo, res.necho, false);
    }
    speedup(&res);
    if (res.speedup[0])
        printf("\n%s\n", res.speedup);
    if (res.ndemos) {
        printf("\nWhat Go adds, shown (one run each):\n");
        write_demos(stdout, &res, false);
    }
    res.nlines = count_lines(res.lines);
    printf("\nHow tiny is ours, in lines:\n");
    write_lines(stdout, res.lines, res.nlines, false);
    write_results(&res);
    if (errors)
        printf("results: %d error%s (above)\n", errors, errors > 1 ? "s" : "");
    else if (have_go)
        printf("results: every run agreed with Go\n");
    else
        printf("results: our side only; nothing compared (no Go)\n");
    return errors ? 1 : 0;
}
