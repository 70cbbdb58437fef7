/*
 * twin.h: what the C twins of the Go programs in ../go/ share.
 *
 * Each twin is written against go.h and chan.h only, the API that steps 4
 * and 5 both offer, so the same file links against step 5's goroutines
 * and against step 4's threads. Each takes the same size argument as its
 * Go program and prints the same result line.
 */
#ifndef TWIN_H
#define TWIN_H

#include "common.h"

#include <limits.h>

/* argv[1] as a whole number from 1 to INT_MAX, or fallback if absent. */
static inline long size_arg(int argc, char **argv, long fallback)
{
    set_program_name(argv[0]);
    return argc < 2 ? fallback : parse_count(argv[1], "size", INT_MAX);
}

#endif
