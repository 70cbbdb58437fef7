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
    EXPECT_CONTAINS(first, "#0  slow_reply (");
    EXPECT_CONTAINS(first, "#1  ");
    EXPECT_CONTAINS(first, " in goroutine_entry ()");

    /* slow_reply ends with chan_send, a tail call at -O2: its own frame
       may be gone, replaced by chan_send's. */
    char *second = backtrace_at(r.out, "bt2\n");
    EXPECT_CONTAINS(second, "#0  chan_send (");
    EXPECT_CONTAINS(second, " in goroutine_entry ()");

    /* The goroutine's stack ends at its first frame: at most the frame
       of the return address 0 below goroutine_entry, nothing of the
       thread's own stack (main, start_thread), no garbage. (gdb may add
       "Backtrace stopped: Cannot access memory at ..." after the 0 frame:
       it reads above the stack's top, where the next stack's guard page
       can lie. Tolerated here; the README, chapter 5, says more.) */
    bool ends_clean = !strstr(first, "#3 ") && !strstr(second, "#3 ") &&
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
