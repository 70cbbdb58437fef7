/* gosched: two goroutines yield to each other; see ../go/gosched. */
#include "go.h"
#include "twin.h"

#include <stdio.h>

struct yielder {
    long n;
    waitgroup *wg;
};

static void yielder(void *arg)
{
    struct yielder *y = arg;
    for (long i = 0; i < y->n; i++)
        gosched();
    wg_done(y->wg);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 5000000);
    waitgroup wg;
    wg_init(&wg);
    wg_add(&wg, 2);
    go(yielder, (struct yielder){n, &wg});
    go(yielder, (struct yielder){n, &wg});
    wg_wait(&wg);
    printf("2 goroutines yielded %ld times each\n", n);
}
