/* spawn: n goroutines started and joined; see ../go/spawn. */
#include "go.h"
#include "twin.h"

#include <stdio.h>

static void work(void *arg)
{
    waitgroup *wg = *(waitgroup **)arg;
    wg_done(wg);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 1000000);
    waitgroup wg;
    wg_init(&wg);
    wg_add(&wg, (int)n);
    for (long i = 0; i < n; i++)
        go(work, &wg);
    wg_wait(&wg);
    printf("%ld goroutines spawned and joined\n", n);
}
