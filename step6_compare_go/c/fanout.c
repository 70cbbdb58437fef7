/* fanout: CPU-bound work cut in 64 goroutines; see ../go/fanout. */
#include "chan.h"
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
    long from, to;
    chan *out;
    waitgroup *done;
};

static void count(void *arg)
{
    struct piece *p = arg;
    long c = 0;
    for (long k = p->from; k < p->to; k++)
        c += is_prime(k);
    chan_send(p->out, &c);
    wg_done(p->done);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 3000000);
    chan *out = make_chan(long, 0);
    waitgroup done;
    wg_init(&done);
    wg_add(&done, PIECES);
    for (long p = 0; p < PIECES; p++) {
        long from = n * p / PIECES, to = n * (p + 1) / PIECES;
        go(count, (struct piece){from, to, out, &done});
    }
    long total = 0, c;
    for (long p = 0; p < PIECES; p++) {
        chan_recv(out, &c);
        total += c;
    }
    wg_wait(&done); /* no garbage collector: free once no one can use it */
    chan_free(out);
    printf("%ld primes below %ld\n", total, n);
}
