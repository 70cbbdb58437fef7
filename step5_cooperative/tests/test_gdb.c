/* A debugger sees goroutines: gdb, stopped in a goroutine of ./step5,
   prints its backtrace down to goroutine_entry, where the first frame
   that ctx_init built ends it (its return address is 0). Checked at a
   goroutine's first instruction and again after it parked and resumed,
   perhaps on another thread. */
#include "common.h"
#include "test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Skip, with the reason, where gdb cannot do this quickly. */
static void need_gdb(void)
{
    const char *slow = getenv("TEST_SLOW");
    if (slow && strcmp(slow, "1") == 0)
        SKIP("TEST_SLOW=1: gdb is not run under a sanitizer or qemu");
    const char *argv[] = {"gdb", "--version", NULL};
    struct run_result r;
    run_program(argv, NULL, 30, &r);
    bool found = r.status == 0;
    run_result_free(&r);
    if (!found)
        SKIP("gdb is not installed");
}

/* Everything between the first "#0" and the line after the last "#N"
   frame line that follows it: one backtrace. */
static char *backtrace_at(const char *out, const char *from)
{
    const char *start = strstr(out, from);
    if (!start)
        return strdup("");
    start = strstr(start, "#0 ");
    if (!start)
        return strdup("");
    const char *end = start;
    while (end[0] == '#') {
        const char *nl = strchr(end, '\n');
        end = nl ? nl + 1 : end + strlen(end);
    }
    return strndup(start, (size_t)(end - start));
}

/* The number of the frame of function fn in backtrace bt, or -1. */
static int frame_of(const char *bt, const char *fn)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, " %s (", fn);
    const char *at = strstr(bt, pattern);
    if (!at)
        return -1;
    while (at > bt && at[-1] != '\n')
        at--;
    return at[0] == '#' ? atoi(at + 1) : -1;
}

/* Does backtrace bt end at goroutine_entry's frame, followed at most by
   the frame of the return address 0 that ctx_init put below it? */
static bool ends_at_goroutine_entry(const char *bt)
{
    const char *rest = strstr(bt, " in goroutine_entry ()");
    if (!rest || !(rest = strchr(rest, '\n')))
        return false;
    rest++; /* the frame line after it, if any */
    if (*rest == '\0')
        return true;
    if (*rest++ != '#')
        return false;
    rest += strspn(rest, "0123456789");
    return strcmp(rest, "  0x0000000000000000 in ?? ()\n") == 0;
}

TEST(gdb_prints_a_goroutine_backtrace)
{
    need_gdb();
    /* slow_reply is a goroutine of `./step5 select`: it sleeps (parks),
       then calls chan_send, on whichever M ran its timer. */
    const char *argv[] = {
        "gdb", "-batch", "-nx", "-iex", "set debuginfod enabled off",
        "-ex", "break slow_reply", "-ex", "run", "-ex", "echo bt1\\n",
        "-ex", "bt", "-ex", "delete", "-ex", "break chan_send",
        "-ex", "continue", "-ex", "echo bt2\\n", "-ex", "bt",
        "--args", step_binary(), "select", NULL};
    struct run_result r;
    run_program(argv, NULL, 60, &r);
    if (strstr(r.err, "ptrace: Operation not permitted"))
        SKIP("gdb may not trace processes here (ptrace refused)");

    char *first = backtrace_at(r.out, "bt1\n");
    EXPECT_EQ(frame_of(first, "slow_reply"), 0);
    EXPECT_EQ(frame_of(first, "goroutine_entry"), 1);

    /* slow_reply ends with chan_send, a tail call when optimised: at -O2
       slow_reply's frame is gone, replaced by chan_send's; at -O0 it is
       there, between them. Both are right, and nothing else is. */
    char *second = backtrace_at(r.out, "bt2\n");
    EXPECT_EQ(frame_of(second, "chan_send"), 0);
    int entry = frame_of(second, "goroutine_entry");
    EXPECT(entry == 1 || (entry == 2 && frame_of(second, "slow_reply") == 1));

    /* The goroutine's stack ends at its first frame: at most the frame
       of the return address 0 below goroutine_entry, nothing of the
       thread's own stack (main, start_thread), no garbage. (gdb may add
       "Backtrace stopped: Cannot access memory at ..." after the 0 frame:
       it reads above the stack's top, where the next stack's guard page
       can lie. Tolerated here; the README, chapter 5, says more.) */
    bool ends_clean = ends_at_goroutine_entry(first) &&
                      ends_at_goroutine_entry(second) &&
                      !strstr(r.out, " in main (") &&
                      !strstr(r.out, "start_thread") &&
                      !strstr(r.out, "corrupt stack") &&
                      !strstr(r.out, "previous frame");
    EXPECT(ends_clean);
    if (!ends_clean || !*first || !*second)
        fprintf(stderr, "gdb printed:\n%s\n%s", r.out, r.err);
    free(first);
    free(second);
    run_result_free(&r);
}
