/*
 * ./step6 itself: its flags, and a quick run in which every pair builds,
 * runs and agrees. Verdicts never depend on the figures, only on what
 * the programs printed.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(bad_flags_exit_2_with_one_line)
{
    static const char tail[] = " (usage: ./step6 [--quick] [--runs=N] "
                               "[--only=NAME,...] [--out=DIR])\n";
    const char *cases[][2] = {
        {"--bogus", "step6: unknown argument '--bogus'"},
        {"--quick=yes", "step6: unknown argument '--quick=yes'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[] = {step_binary(), cases[i][0], NULL};
        struct run_result r;
        run_program(argv, NULL, 10, &r);
        EXPECT_EQ(r.status, 2);
        char want[256];
        snprintf(want, sizeof want, "%s%s", cases[i][1], tail);
        EXPECT_STR_EQ(r.err, want);
        EXPECT_STR_EQ(r.out, "");
        run_result_free(&r);
    }
}

TEST(bad_values_exit_2_with_one_line)
{
    const char *cases[][2] = {
        {"--runs=0", "step6: --runs must be a whole number from 1 to 100, "
                     "got '0'\n"},
        {"--only=spawn,nosuch", "step6: --only: no program 'nosuch' (hello,"
                                " spawn, gosched, pingpong, buffered, sieve,"
                                " skynet, blocked, fanout, preempt, "
                                "handoff, deepstack, echo)\n"},
        {"--only=,", "step6: --only: an empty name in ','\n"},
        {"--only=spawn,", "step6: --only: an empty name in 'spawn,'\n"},
        {"--runs", "step6: --runs needs a value, as --runs=N\n"},
        {"--only", "step6: --only needs a value, as --only=NAME,...\n"},
        {"--only=", "step6: --only needs a value, as --only=NAME,...\n"},
        {"--out", "step6: --out needs a value, as --out=DIR\n"},
        {"--out=", "step6: --out needs a value, as --out=DIR\n"},
        {"--out=/dev/null", "step6: --out: cannot write results in "
                            "'/dev/null': Not a directory\n"},
        {"--out=/proc/step6", "step6: --out: cannot write results in "
                              "'/proc/step6': No such file or directory\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[] = {step_binary(), cases[i][0], NULL};
        struct run_result r;
        run_program(argv, NULL, 10, &r);
        EXPECT_EQ(r.status, 2);
        EXPECT_STR_EQ(r.err, cases[i][1]);
        EXPECT_STR_EQ(r.out, ""); /* refused before anything ran */
        run_result_free(&r);
    }
}

TEST(help_prints_usage)
{
    const char *argv[] = {step_binary(), "--help", NULL};
    struct run_result r;
    run_program(argv, NULL, 10, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "usage: ./step6 [--quick] [--runs=N] "
                         "[--only=NAME,...] [--out=DIR]\n");
    run_result_free(&r);
}

static bool go_installed(void)
{
    const char *argv[] = {"/bin/sh", "-c", "command -v go", NULL};
    struct run_result r;
    run_program(argv, NULL, 10, &r);
    bool found = r.status == 0;
    run_result_free(&r);
    return found;
}

/* The contents of dir/name, or "" (the caller frees). */
static char *slurp(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    char *text = calloc(1, 1 << 20);
    if (f) {
        fread(text, 1, (1 << 20) - 1, f);
        fclose(f);
    }
    return text;
}

static const char *const names[] = {
    "hello",  "spawn",   "gosched", "pingpong", "buffered", "sieve",
    "skynet", "blocked", "fanout",  "preempt",  "handoff", "deepstack",
    "echo"};
enum { NNAMES = sizeof names / sizeof names[0] };

/* Run `./step6 --quick` once, writing its files to a fresh folder. */
static void run_quick(char dir[static 32],
                      struct run_result *r)
{
    strcpy(dir, "/tmp/step6_quick_XXXXXX");
    EXPECT(mkdtemp(dir) != NULL);
    char out[64];
    snprintf(out, sizeof out, "--out=%s", dir);
    const char *argv[] = {step_binary(), "--quick", out, NULL};
    run_program(argv, NULL, 600, r);
}

TEST(quick_run_builds_runs_and_agrees_on_every_pair)
{
    if (getenv("TEST_RUNNER") && *getenv("TEST_RUNNER"))
        SKIP("under qemu-user ./step6 cannot start the aarch64 programs "
             "it built; run it natively");
    if (!go_installed())
        SKIP("go is not installed (apt-get install golang-go): the "
             "comparison needs it");
    test_set_timeout(600);
    char dir[32];
    struct run_result r;
    run_quick(dir, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.out, "\nresults: every run agreed with Go\n");
    EXPECT(!strstr(r.out, "error:"));
    for (int i = 0; i < NNAMES; i++)
        EXPECT_CONTAINS(r.out, names[i]);
    EXPECT_CONTAINS(r.out, "\nHow tiny is ours, in lines:\n");

    char *md = slurp(dir, "comparison.md"), *svg = slurp(dir, "ratios.svg");
    EXPECT_CONTAINS(md, "| workload (lower is better) | P | threads |");
    EXPECT_CONTAINS(md, "\n## How tiny is ours\n");
    EXPECT_CONTAINS(md, "\n## The echo race\n");
    EXPECT_CONTAINS(r.out, "\necho   100 conns: requests/s threads ");
    EXPECT_CONTAINS(svg, "1.0 = as fast as Go");
    free(md);
    free(svg);
    run_result_free(&r);
}

TEST(without_go_says_how_to_install_it_and_runs_the_c_side)
{
    if (getenv("TEST_RUNNER") && *getenv("TEST_RUNNER"))
        SKIP("under qemu-user the runner itself is found through PATH");
    const char *env[] = {"PATH=/nonexistent", NULL};
    char dir[] = "/tmp/step6_nogo_XXXXXX", out[64];
    EXPECT(mkdtemp(dir) != NULL);
    snprintf(out, sizeof out, "--out=%s", dir);
    const char *argv[] = {step_binary(), "--quick", "--only=spawn", out,
                          NULL};
    struct run_result r;
    run_program(argv, env, 300, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.out, "\ngo: not found in PATH: install it to compare "
                           "(Debian and Ubuntu: apt-get install golang-go;"
                           " elsewhere: https://go.dev/dl/); running the C "
                           "side only\n");
    EXPECT_CONTAINS(r.out, "results: our side only; nothing compared "
                           "(no Go)\n");
    /* spawn on threads (step 2) ran: its row has a figure, Go's has none */
    EXPECT(!strstr(r.out, "\nspawn 10000: ns/goroutine           1  -"));
    run_result_free(&r);
}
