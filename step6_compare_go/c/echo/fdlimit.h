/*
 * fdlimit.h: what the echo race's programs share. Each connection is a
 * file descriptor, and the soft limit (often 1024) is far below what
 * 10,000 connections need: raise it to the hard limit, as Go's os
 * package does at start since Go 1.19. Returns the limit now.
 */
#ifndef FDLIMIT_H
#define FDLIMIT_H

#include <sys/resource.h>

static inline rlim_t raise_fd_limit(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0)
        return 0;
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
    return r.rlim_cur;
}

#endif
