/* fanout: CPU-bound work cut in 64 goroutines; see ../go/fanout. */
#include "go.h"
#include "twin.h"

#include <stdbool.h>
#include <stdio.h>

enum { PIECES = 64 };

static bool is_prime(long k)
{
    if (k < 2)
        return false;
    for (long d = 2; d * d <= k; d++)
        if (k % d == 0)
            return false;
    return true;
}

struct piece {
    long from, to, *out;
    waitgroup *wg;
};

static void count(void *arg)
{
    struct piece *p = arg;
    long c = 0;
    for (long k = p->from; k < p->to; k++)
        c += is_prime(k);
    *p->out = c;
    wg_done(p->wg);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 3000000);
    long counts[PIECES];
    waitgroup wg;
    wg_init(&wg);
    wg_add(&wg, PIECES);
    for (long p = 0; p < PIECES; p++) {
        long from = n * p / PIECES, to = n * (p + 1) / PIECES;
        go(count, (struct piece){from, to, &counts[p], &wg});
    }
    wg_wait(&wg);
    long total = 0;
    for (long p = 0; p < PIECES; p++)
        total += counts[p];
    printf("%ld primes below %ld\n", total, n);
}
