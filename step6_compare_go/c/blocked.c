/* blocked: n goroutines parked on one channel; see ../go/blocked. */
#include "chan.h"
#include "go.h"
#include "twin.h"

#include <stdio.h>

struct waiter {
    chan *ch;
    waitgroup *started, *done;
};

static void waiter(void *arg)
{
    struct waiter *w = arg;
    wg_done(w->started);
    chan_recv(w->ch, NULL);
    wg_done(w->done);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 100000);
    chan *ch = make_chan(long, 0);
    waitgroup started, done;
    wg_init(&started);
    wg_init(&done);
    wg_add(&started, (int)n);
    wg_add(&done, (int)n);
    for (long i = 0; i < n; i++)
        go(waiter, (struct waiter){ch, &started, &done});
    wg_wait(&started); /* all n are on their way to block in chan_recv */
    chan_close(ch);
    wg_wait(&done);
    chan_free(ch);
    printf("%ld goroutines blocked on one channel, then released\n", n);
}
