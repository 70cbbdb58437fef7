/*
 * deepstack: a goroutine recurses n calls deep with a 1 KiB frame each;
 * see ../go/deepstack. Go's stacks start at 2 KiB and grow by copying
 * (runtime.newstack, up to 1 GB); ours have a fixed size with a guard
 * below, so deep enough recursion hits the guard and step 5 ends the
 * program as Go ends one whose stack outgrew its limit: "fatal error:
 * stack overflow", exit status 2. Broken on purpose: it shows what
 * growable stacks buy.
 */
#include "go.h"
#include "twin.h"

#include <stdio.h>

/*
 * Keeps a 1 KiB array alive across the call, so that every level has a
 * frame of its own (volatile: the compiler may not fold the recursion).
 */
__attribute__((noinline)) static long down(long n)
{
    volatile long pad[128];
    pad[n % 128] = n;
    if (n == 0)
        return 0;
    return down(n - 1) + pad[n % 128] - n + 1;
}

struct job {
    long n, *depth;
    waitgroup *done;
};

static void recurse(void *arg)
{
    struct job *j = arg;
    *j->depth = down(j->n);
    wg_done(j->done);
}

int main(int argc, char **argv)
{
    long n = size_arg(argc, argv, 100000);
    long depth;
    waitgroup done;
    wg_init(&done);
    wg_add(&done, 1);
    go(recurse, (struct job){n, &depth, &done});
    wg_wait(&done);
    printf("recursed %ld calls deep in a goroutine\n", depth);
}
