/* test.c: see test.h. */
#include "test.h"

#include "common.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <unistd.h>

enum { MAX_TESTS = 256, EXIT_SKIPPED = 77, DEFAULT_TIMEOUT_S = 120 };

static struct {
    const char *name;
    test_fn *fn;
} tests[MAX_TESTS];
static int ntests;
static _Atomic bool failed; /* in the child running one test */

void test_register(const char *name, test_fn *fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "test.c: more than %d tests\n", MAX_TESTS);
        exit(1);
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    failed = true;
}

void test_expect_str(const char *file, int line, const char *expr,
                     const char *got, const char *want, bool whole)
{
    if (!got)
        got = "(null)";
    bool ok = whole ? strcmp(got, want) == 0 : strstr(got, want) != NULL;
    if (!ok)
        test_fail(file, line, "%s = \"%s\", want %s\"%s\"", expr, got,
                  whole ? "" : "it to contain ", want);
}

void test_skip(const char *reason)
{
    printf("    skipped: %s\n", reason);
    fflush(stdout);
    exit(EXIT_SKIPPED);
}

void test_stop_if_failed(void)
{
    if (failed)
        exit(1);
}

void test_set_timeout(unsigned seconds)
{
    alarm(seconds);
}

bool test_slow(void)
{
    const char *slow = getenv("TEST_SLOW");
    return slow && strcmp(slow, "1") == 0;
}

long test_scaled(long n)
{
    if (!test_slow())
        return n;
    return n / 10 > 0 ? n / 10 : 1;
}

const char *step_binary(void)
{
    const char *bin = getenv("STEP_BIN");
    if (!bin) {
        fprintf(stderr, "STEP_BIN is not set: run the tests with make\n");
        exit(1);
    }
    return bin;
}

/* The whole of a file, from its start, as a string. */
static char *slurp(FILE *f)
{
    fflush(f);
    long size = ftell(f);
    char *text = malloc((size_t)size + 1);
    if (!text)
        die("malloc");
    rewind(f);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    return text;
}

/* Wait for pid, killing it after timeout_s; fill status and timed_out. */
static void wait_child(pid_t pid, unsigned timeout_s, struct run_result *r)
{
    int64_t deadline = now_ns() + (int64_t)timeout_s * 1000000000;
    int status;
    pid_t done;
    r->timed_out = false;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 ||
           (done == -1 && errno == EINTR)) {
        if (now_ns() > deadline && !r->timed_out) {
            kill(pid, SIGKILL);
            r->timed_out = true;
        }
        usleep(1000);
    }
    if (done == -1)
        die("waitpid");
    r->status = WIFEXITED(status) ? WEXITSTATUS(status)
                                  : 128 + WTERMSIG(status);
}

/*
 * Fork with stdout and stderr going to temporary files. In the child
 * this returns 0; in the parent, the child's pid.
 */
static pid_t fork_captured(FILE *out, FILE *err)
{
    fflush(stdout);
    fflush(stderr);
#ifdef __linux__
    pid_t parent = getpid();
#endif
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
#ifdef __linux__
        /* A test that dies (its watchdog fired) takes its child with it:
           nothing of a failed run goes on in the background. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127); /* it died before we asked */
#endif
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(err), STDERR_FILENO);
        alarm(0);
    }
    return pid;
}

static void collect(FILE *out, FILE *err, struct run_result *r)
{
    r->out = slurp(out);
    r->err = slurp(err);
    fclose(out);
    fclose(err);
}

void run_program(const char *const argv[], const char *const env[],
                 unsigned timeout_s, struct run_result *r)
{
    const char *full[64];
    int n = 0;
    char *runner = getenv("TEST_RUNNER");
    char *runner_copy = runner ? strdup(runner) : NULL;
    for (char *save, *word = runner_copy ? strtok_r(runner_copy, " ", &save)
                                         : NULL;
         word; word = strtok_r(NULL, " ", &save))
        full[n++] = word;
    for (int i = 0; argv[i] && n < 63; i++)
        full[n++] = argv[i];
    full[n] = NULL;

    FILE *out = tmpfile(), *err = tmpfile();
    if (!out || !err)
        die("tmpfile");
    pid_t pid = fork_captured(out, err);
    if (pid == 0) {
        for (int i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execvp(full[0], (char *const *)full);
        fprintf(stderr, "exec %s: %s\n", full[0], strerror(errno));
        _exit(127);
    }
    free(runner_copy);
    wait_child(pid, timeout_s, r);
    collect(out, err, r);
}

void run_child(void (*fn)(void *), void *arg, unsigned timeout_s,
               struct run_result *r)
{
    FILE *out = tmpfile(), *err = tmpfile();
    if (!out || !err)
        die("tmpfile");
    pid_t pid = fork_captured(out, err);
    if (pid == 0) {
        fn(arg);
        exit(0);
    }
    wait_child(pid, timeout_s, r);
    collect(out, err, r);
}

void run_result_free(struct run_result *r)
{
    free(r->out);
    free(r->err);
}

/* Run one test in a child; 0 passed, 1 failed, 2 skipped. */
static int run_one(int i)
{
    int64_t start = now_ns();
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        alarm(DEFAULT_TIMEOUT_S);
        tests[i].fn();
        fflush(stdout);
        exit(failed ? 1 : 0);
    }
    int status;
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR)
            die("waitpid");
    double ms = (double)(now_ns() - start) / 1e6;
    if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIPPED) {
        printf("skip %s\n", tests[i].name);
        return 2;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("ok   %s (%.0f ms)\n", tests[i].name, ms);
        return 0;
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        printf("FAIL %s: the watchdog fired (a hang?) after %.0f ms\n",
               tests[i].name, ms);
    else if (WIFSIGNALED(status))
        printf("FAIL %s: killed by signal %d (%s)\n", tests[i].name,
               WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        printf("FAIL %s\n", tests[i].name);
    return 1;
}

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int count[3] = {0, 0, 0}; /* passed, failed, skipped */
    for (int i = 0; i < ntests; i++)
        if (argc < 2 || strstr(tests[i].name, argv[1]))
            count[run_one(i)]++;
    printf("%s: %d passed, %d failed", program_name(), count[0], count[1]);
    if (count[2])
        printf(", %d skipped", count[2]);
    printf("\n");
    return count[1] ? 1 : 0;
}
