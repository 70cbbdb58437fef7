/* pingpong: round trips on two unbuffered channels; see ../go/pingpong. */
#include "chan.h"
#include "go.h"
#include "twin.h"

#include <stdio.h>

struct ponger {
    chan *ping, *pong;
    waitgroup *done;
};

static void ponger(void *arg)
{
    struct ponger *p = arg;
    long v;
    while (chan_recv(p->ping, &v)) {
        v++;
        chan_send(p->pong, &v);
    }
    wg_done(p->done);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 1000000);
    chan *ping = make_chan(long, 0), *pong = make_chan(long, 0);
    waitgroup done;
    wg_init(&done);
    wg_add(&done, 1);
    go(ponger, (struct ponger){ping, pong, &done});
    long v = 0;
    for (long i = 0; i < n; i++) {
        chan_send(ping, &v);
        chan_recv(pong, &v);
    }
    chan_close(ping);
    printf("%ld round trips, last value %ld\n", n, v);
    /* C has no garbage collector: free only once no one can use them. */
    wg_wait(&done);
    chan_free(ping);
    chan_free(pong);
}
