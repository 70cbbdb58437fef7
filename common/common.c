/* common.c: see common.h. */
#include "common.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *name = "prog";

void set_program_name(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    name = slash ? slash + 1 : argv0;
}

const char *program_name(void)
{
    return name;
}

void die(const char *what)
{
    die_err(errno, what);
}

void die_err(int err, const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", name, what, strerror(err));
    exit(1);
}

void usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

long parse_count(const char *text, const char *what, long max)
{
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (!isdigit((unsigned char)text[0]) || errno || *end != '\0' ||
        n < 1 || n > max)
        usage_error("%s must be a whole number from 1 to %ld, got '%s'",
                    what, max, text);
    return n;
}

const char *flag_value(const char *arg, const char *name, const char *form)
{
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0 || (arg[len] && arg[len] != '='))
        return NULL;
    if (arg[len] == '\0' || arg[len + 1] == '\0')
        usage_error("%s needs a value, as %s=%s", name, name, form);
    return arg + len + 1;
}

/* The value of one "Key:   1234 kB" line of /proc/self/status. */
static size_t status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    size_t len = strlen(key), kib = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, len) == 0 && line[len] == ':') {
            kib = strtoul(line + len + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kib * 1024;
}

size_t rss_current_bytes(void) { return status_kib("VmRSS"); }
size_t rss_peak_bytes(void) { return status_kib("VmHWM"); }
size_t vm_size_bytes(void) { return status_kib("VmSize"); }

char *format_bytes(double bytes, char buf[static 32])
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, 32, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
    return buf;
}
