/*
 * helpers.h: what more than one test file of step 5 needs, written once.
 */
#ifndef HELPERS_H
#define HELPERS_H

#include "san.h"
#include "test.h"

/*
 * How many goroutines a stress test starts: n natively, test_scaled(n)
 * under ASan or qemu, and at most TSAN_GOROUTINES_MAX under
 * ThreadSanitizer. TSan gives each goroutine that starts a fiber of its
 * own (san.h), and a fiber is a thread to it: making one costs about half
 * a millisecond, and the live ones count against its limit of 8,128
 * threads ("Thread limit exceeded", and the process dies).
 */
enum { TSAN_GOROUTINES_MAX = 4000 };

static inline long goroutines_scaled(long n)
{
    n = test_scaled(n);
#ifdef SAN_TSAN
    if (n > TSAN_GOROUTINES_MAX)
        n = TSAN_GOROUTINES_MAX;
#endif
    return n;
}

#endif
