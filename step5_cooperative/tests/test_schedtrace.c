/* GODEBUG=schedtrace=N (sysmon.c): lines in Go 1.19's format, the same
   pattern as Go's own; unknown keys ignored; a bad value is one line and
   exit 2; with schedtrace off, no thread and no CPU while idle. */
#include "go.h"
#include "runtime.h"
#include "common.h"
#include "test.h"

#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One line of Go 1.19's schedtrace (proc.go), whole: one number in the
   brackets per P. */
#define SCHED_LINE                                                        \
    "^SCHED [0-9]+ms: gomaxprocs=([0-9]+) idleprocs=[0-9]+ threads=[0-9]+" \
    " spinningthreads=[0-9]+ idlethreads=[0-9]+ runqueue=[0-9]+"          \
    " \\[[0-9]+( [0-9]+)*\\]$"

/* How many lines of text start with "SCHED"; *bad gets those that do not
   match SCHED_LINE or whose bracket does not hold gomaxprocs numbers. */
static int sched_lines(const char *text, int *bad)
{
    regex_t re;
    EXPECT_EQ(regcomp(&re, SCHED_LINE, REG_EXTENDED), 0);
    int n = 0;
    *bad = 0;
    char *copy = strdup(text), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "SCHED", 5) != 0)
            continue;
        n++;
        regmatch_t m[2];
        if (regexec(&re, line, 2, m, 0) != 0) {
            printf("    not Go's format: %s\n", line);
            (*bad)++;
            continue;
        }
        long procs = strtol(line + m[1].rm_so, NULL, 10), queues = 1;
        for (const char *c = strchr(line, '['); *c; c++)
            queues += *c == ' ';
        if (queues != procs) {
            printf("    %ld run queues for %ld Ps: %s\n", queues, procs, line);
            (*bad)++;
        }
    }
    free(copy);
    regfree(&re);
    return n;
}

/* ---- Our side: a goroutine per P spins, the trace every 20 ms --------- */

enum { SPINNERS = 8, SPIN_MS = 60, TRACE_MS = 20 };
static waitgroup wg;

static void spin(void *arg)
{
    (void)arg;
    int64_t end = now_ns() + SPIN_MS * 1000000LL;
    while (now_ns() < end)
        ;
    wg_done(&wg);
}

static void traced_program(void *godebug)
{
    setenv("GODEBUG", godebug, 1);
    wg_init(&wg);
    wg_add(&wg, SPINNERS);
    for (int i = 0; i < SPINNERS; i++)
        go(spin, 0);
    wg_wait(&wg);
    printf("done\n");
}

TEST(schedtrace_prints_gos_line_every_n_ms)
{
    struct run_result r;
    run_child(traced_program, "schedtrace=20", 60, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "done\n");
    int bad, n = sched_lines(r.err, &bad);
    EXPECT(n >= 2); /* at start, and at least once more while they spin */
    EXPECT_EQ(bad, 0);
    EXPECT_CONTAINS(r.err, "SCHED ");
    run_result_free(&r);
}

TEST(scheddetail_adds_p_m_and_g_lines)
{
    struct run_result r;
    run_child(traced_program, "scheddetail=1,schedtrace=20", 60, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.err, " runqueue=0 gcwaiting=- nmidlelocked=- "
                           "stopwait=- sysmonwait=-\n  P0: status=");
    EXPECT_CONTAINS(r.err, "\n  M0: p=");
    EXPECT_CONTAINS(r.err, "\n  G1: status=");
    EXPECT(!strstr(r.err, "] ")); /* no brackets: the P lines say it */
    run_result_free(&r);
}

/* ---- Go's side: the same pattern ------------------------------------ */

static const char go_program[] =
    "package main\n"
    "\n"
    "import (\n\t\"fmt\"\n\t\"sync\"\n\t\"time\"\n)\n"
    "\n"
    "func main() {\n"
    "\tvar wg sync.WaitGroup\n"
    "\tfor i := 0; i < 8; i++ {\n"
    "\t\twg.Add(1)\n"
    "\t\tgo func() {\n"
    "\t\t\tfor end := time.Now().Add(300 * time.Millisecond); "
    "time.Now().Before(end); {\n\t\t\t}\n"
    "\t\t\twg.Done()\n"
    "\t\t}()\n"
    "\t}\n"
    "\twg.Wait()\n"
    "\tfmt.Println(\"done\")\n"
    "}\n";

TEST(gos_own_schedtrace_matches_the_same_pattern)
{
    if (system("command -v go > /dev/null 2>&1") != 0)
        SKIP("go is not installed (apt-get install golang-go): only our "
             "side's lines are checked");
    test_set_timeout(300); /* go build takes a while */
    char dir[] = "/tmp/schedtrace_go_XXXXXX";
    EXPECT(mkdtemp(dir) != NULL);
    char path[64], cmd[256];
    snprintf(path, sizeof path, "%s/main.go", dir);
    FILE *f = fopen(path, "w");
    EXPECT(f != NULL);
    test_stop_if_failed();
    fputs(go_program, f);
    fclose(f);
    /* Natively, even under qemu-user (go runs on the host); a cache
       folder of its own if no HOME says where Go's is. Built first: the
       go command and its compiler are Go programs too, and would trace
       themselves into the same output. Its "done" goes elsewhere: Go
       writes a trace line in pieces, and stdout could come between. */
    snprintf(cmd, sizeof cmd,
             "cd %s && HOME=${HOME:-%s} go build -o spin main.go && "
             "GOMAXPROCS=2 GODEBUG=schedtrace=50 ./spin 2>&1 >/dev/null; "
             "status=$?; rm -rf %s; exit $status",
             dir, dir, dir);
    FILE *p = popen(cmd, "r");
    EXPECT(p != NULL);
    test_stop_if_failed();
    static char out[1 << 16];
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    EXPECT_EQ(pclose(p), 0);
    /* Go's process may end while sysmon is half-way through a line
       ("SCHED " and nothing more, seen under load): only whole lines. */
    char *last = strrchr(out, '\n');
    if (last)
        last[1] = '\0';
    int bad, n = sched_lines(out, &bad);
    EXPECT(n >= 2);
    EXPECT_EQ(bad, 0);
}

/* ---- GODEBUG's other keys, and bad values --------------------------- */

static void quiet_program(void *godebug)
{
    setenv("GODEBUG", godebug, 1);
    wg_init(&wg);
    wg_add(&wg, 1);
    go(spin, 0);
    wg_wait(&wg);
    printf("done\n");
}

TEST(unknown_godebug_keys_are_ignored_as_in_go)
{
    const char *settings[] = {
        "gctrace=1,foo=bar", "schedtrace", "=5,,", "scheddetail=1",
        "schedtrace=0", "SCHEDTRACE=10",
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        struct run_result r;
        run_child(quiet_program, (void *)settings[i], 60, &r);
        EXPECT_EQ(r.status, 0);
        EXPECT_STR_EQ(r.out, "done\n");
        EXPECT_STR_EQ(r.err, "");
        run_result_free(&r);
    }
}

TEST(bad_godebug_values_exit_2_with_one_line)
{
    const char *bad[][3] = {
        {"schedtrace=abc", "schedtrace", "abc"},
        {"foo=1,schedtrace=", "schedtrace", ""},
        {"schedtrace=-5", "schedtrace", "-5"},
        {"schedtrace=10ms", "schedtrace", "10ms"},
        {"schedtrace=99999999999", "schedtrace", "99999999999"},
        {"schedtrace=10,scheddetail=yes", "scheddetail", "yes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct run_result r;
        run_child(quiet_program, (void *)bad[i][0], 60, &r);
        EXPECT_EQ(r.status, 2);
        EXPECT_STR_EQ(r.out, "");
        char want[256];
        snprintf(want, sizeof want, "%s: GODEBUG: %s must be a whole "
                 "number from 0 to 2147483647, got '%s'\n",
                 program_name(), bad[i][1], bad[i][2]);
        EXPECT_STR_EQ(r.err, want);
        run_result_free(&r);
    }
}

/* ---- Off: no thread, no CPU ----------------------------------------- */

/* Is a thread of this process named name (/proc/self/task/N/comm)? */
static bool thread_named(const char *name)
{
    DIR *d = opendir("/proc/self/task");
    bool found = false;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        char path[300], comm[32] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f) {
            found = fgets(comm, sizeof comm, f) &&
                    strncmp(comm, name, strlen(name)) == 0 &&
                    comm[strlen(name)] == '\n';
            fclose(f);
        }
    }
    if (d)
        closedir(d);
    return found;
}

TEST(sysmon_runs_only_when_asked)
{
    setenv("GODEBUG", "gctrace=1", 1); /* but no schedtrace */
    runtime_start();
    EXPECT(!thread_named("sysmon"));
}

static void sysmon_thread_is_there(void *arg)
{
    (void)arg;
    setenv("GODEBUG", "schedtrace=1000", 1);
    runtime_start();
    printf("%s\n", thread_named("sysmon") ? "sysmon" : "none");
}

TEST(schedtrace_starts_a_thread_named_sysmon)
{
    struct run_result r;
    run_child(sysmon_thread_is_there, NULL, 60, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "sysmon\n");
    run_result_free(&r);
}

TEST(idle_program_with_schedtrace_off_uses_no_cpu)
{
    unsetenv("GODEBUG");
    wg_init(&wg);
    wg_add(&wg, 1);
    go(spin, 0);
    wg_wait(&wg);
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    time_sleep(300 * 1000000LL); /* every M idle now, and nothing else */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    int64_t cpu = (b.tv_sec - a.tv_sec) * 1000000000LL + b.tv_nsec - a.tv_nsec;
    EXPECT(cpu < 60 * 1000000LL);
    EXPECT(!thread_named("sysmon"));
}
