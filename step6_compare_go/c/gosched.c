/* gosched: two goroutines yield to each other; see ../go/gosched. */
#include "go.h"
#include "twin.h"

#include <stdio.h>

struct yielder {
    long n;
    waitgroup *start, *done;
};

static void yielder(void *arg)
{
    struct yielder *y = arg;
    wg_wait(y->start);
    for (long i = 0; i < y->n; i++)
        gosched();
    wg_done(y->done);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 5000000);
    waitgroup start, done;
    wg_init(&start);
    wg_init(&done);
    wg_add(&start, 1);
    wg_add(&done, 2);
    go(yielder, (struct yielder){n, &start, &done});
    go(yielder, (struct yielder){n, &start, &done});
    wg_done(&start); /* both start at once, wherever they were parked */
    wg_wait(&done);
    printf("2 goroutines yielded %ld times each\n", n);
}
