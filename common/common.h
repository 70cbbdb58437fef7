/*
 * common.h: the plumbing every step needs and none of them is about.
 *
 * A clock, error exits, parsing of counts and flags from the command
 * line, memory readings. Nothing here is part of the story of goroutines;
 * it is kept small so that each step's own files read top to bottom on
 * their own.
 */
#ifndef COMMON_H
#define COMMON_H

#include <stdint.h>
#include <stddef.h>
#include <time.h>

/* Nanoseconds on a clock that never jumps (Go: runtime.nanotime). */
static inline int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Remember argv[0]'s last component for every message below. */
void set_program_name(const char *argv0);
const char *program_name(void);

/* A system call failed: print "prog: what: errno text" and exit 1. */
_Noreturn void die(const char *what);

/* The same for calls that return an error number (pthread_*). */
_Noreturn void die_err(int err, const char *what);

/* The user gave bad input: print "prog: <message>" and exit 2. */
_Noreturn void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Parse a whole number in [1, max] from text, or exit 2 with one line
 * naming the program, what was expected and what was given.
 */
long parse_count(const char *text, const char *what, long max);

/*
 * Go's flag shape, --name=value: the value if arg is flag `name`, NULL if
 * it is another argument. A bare --name, or --name= with nothing after
 * it, exits 2 with one line that shows the form expected:
 * "step4: --primes needs a value, as --primes=N".
 */
const char *flag_value(const char *arg, const char *name, const char *form);

/* Memory of this process, in bytes, read from /proc/self/status. */
size_t rss_current_bytes(void); /* resident now (VmRSS) */
size_t rss_peak_bytes(void);    /* resident at most, so far (VmHWM) */
size_t vm_size_bytes(void);     /* virtual address space now (VmSize) */

/* Human-readable sizes: "12.3 MiB". Returns buf. */
char *format_bytes(double bytes, char buf[static 32]);

#endif
