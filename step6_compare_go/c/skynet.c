/* skynet: 10-ary tree of goroutines summing its leaves; see ../go/skynet. */
#include "chan.h"
#include "go.h"
#include "twin.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * C has no garbage collector. A parent and its 10 children share the
 * channel the children answer on, and a child may still be inside
 * chan_send when its parent has the value, so whoever is last to be done
 * with the channel frees it. (In Go, the collector does this.)
 */
struct shared_chan {
    chan *c;
    atomic_int users;
};

static struct shared_chan *shared_chan_make(int users)
{
    struct shared_chan *s = malloc(sizeof *s);
    if (!s)
        die("malloc");
    s->c = make_chan(long, 0);
    atomic_init(&s->users, users);
    return s;
}

static void shared_chan_release(struct shared_chan *s)
{
    if (atomic_fetch_sub(&s->users, 1) == 1) {
        chan_free(s->c);
        free(s);
    }
}

struct node {
    struct shared_chan *out;
    long num, leaves;
};

static void skynet(void *arg)
{
    struct node *node = arg;
    long sum = node->num;
    if (node->leaves > 1) {
        struct shared_chan *in = shared_chan_make(11);
        long part = node->leaves / 10;
        for (long i = 0; i < 10; i++)
            go(skynet, (struct node){in, node->num + i * part, part});
        sum = 0;
        for (long i = 0; i < 10; i++) {
            long v;
            chan_recv(in->c, &v);
            sum += v;
        }
        shared_chan_release(in);
    }
    chan_send(node->out->c, &sum);
    shared_chan_release(node->out);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 1000000); /* a power of 10 */
    struct shared_chan *out = shared_chan_make(2);
    go(skynet, (struct node){out, 0, n});
    long sum;
    chan_recv(out->c, &sum);
    shared_chan_release(out);
    printf("skynet of %ld leaves: %ld\n", n, sum);
}
