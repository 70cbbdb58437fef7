/* hello: the example this tutorial started from; see ../go/hello. */
#include "go.h"
#include "twin.h"

#include <stdio.h>

static void hello(void *msg)
{
    puts(msg);
}

int main(int argc, char **argv)
{
    long ms = size_arg(argc, argv, 1000); /* how long main sleeps */
    go(hello, "hello from goroutine 1");
    go(hello, "hello from goroutine 2");
    time_sleep(ms * 1000000);
}
