/*
 * helpers.h: what more than one test file of step 4 needs, written once.
 * Only what the tests share: step 5 compiles these files against its own
 * go.h and chan.h, so nothing here may lean on step 4's runtime.
 */
#ifndef HELPERS_H
#define HELPERS_H

#include <stdint.h>

static const int64_t ms = 1000000; /* nanoseconds */

#endif
