/* sieve: the Go tour's prime sieve; see ../go/sieve. */
#include "chan.h"
#include "go.h"
#include "twin.h"

#include <stdio.h>

static void generate(void *arg)
{
    chan *ch = *(chan **)arg;
    for (long i = 2;; i++)
        chan_send(ch, &i);
}

struct filter {
    chan *in, *out;
    long prime;
};

static void filter(void *arg)
{
    struct filter *f = arg;
    for (;;) {
        long i;
        chan_recv(f->in, &i);
        if (i % f->prime != 0)
            chan_send(f->out, &i);
    }
}

/*
 * As in the tour, main returns with every filter still blocked and exit
 * ends them. Their channels are never freed, so AddressSanitizer's leak
 * check, which knows nothing of goroutines, would call them leaks.
 */
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 5000);
    chan *ch = make_chan(long, 0);
    go(generate, ch);
    long prime = 0;
    for (long i = 0; i < n; i++) {
        chan_recv(ch, &prime);
        chan *next = make_chan(long, 0);
        go(filter, (struct filter){ch, next, prime});
        ch = next;
    }
    printf("prime number %ld is %ld\n", n, prime);
}
