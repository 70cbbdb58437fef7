/*
 * helpers.h: what more than one test file of step 3 needs, written once.
 */
#ifndef HELPERS_H
#define HELPERS_H

#include "test.h"

#include <stdint.h>

static const int64_t ms = 1000000; /* nanoseconds */

/*
 * Run ./step3 (the program under test, $STEP_BIN) with the arguments in
 * args, which ends with NULL, and the environment plus env ("NAME=value",
 * or NULL). A watchdog kills it after 100 s.
 */
void run_step3(const char *const args[], const char *env,
               struct run_result *r);

#endif
