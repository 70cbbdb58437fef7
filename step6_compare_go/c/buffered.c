/* buffered: producer and consumer, capacity 128; see ../go/buffered. */
#include "chan.h"
#include "go.h"
#include "twin.h"

#include <stdio.h>

struct producer {
    long n;
    chan *ch;
    waitgroup *done;
};

static void produce(void *arg)
{
    struct producer *p = arg;
    for (long i = 0; i < p->n; i++)
        chan_send(p->ch, &i);
    chan_close(p->ch);
    wg_done(p->done);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 10000000);
    chan *ch = make_chan(long, 128);
    waitgroup done;
    wg_init(&done);
    wg_add(&done, 1);
    go(produce, (struct producer){n, ch, &done});
    long sum = 0, v;
    while (chan_recv(ch, &v))
        sum += v;
    printf("%ld values through a buffered channel, sum %ld\n", n, sum);
    wg_wait(&done); /* no garbage collector: free once no one can use it */
    chan_free(ch);
}
