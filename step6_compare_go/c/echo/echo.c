/*
 * echo: a TCP echo server, a goroutine per connection, on step 5's
 * runtime and the network poller (goadds/net.h); see ../../go/echo.
 *
 * Prints "listening on 127.0.0.1:PORT" and serves until killed. Each
 * connection's goroutine parks in net_read while its client is quiet:
 * ten thousand connections cost ten thousand parked goroutines and
 * GOMAXPROCS threads (plus a few), not ten thousand threads.
 */
#include "go.h"
#include "net.h"

#include "common.h"
#include "fdlimit.h"

#include <stdio.h>

static void handle(void *arg)
{
    net_conn *c = *(net_conn **)arg;
    char buf[4096];
    long n;
    while ((n = net_read(c, buf, sizeof buf)) > 0)
        if (net_write(c, buf, (size_t)n) < 0)
            break;
    net_close(c);
}

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    if (argc > 1)
        usage_error("takes no arguments, got '%s'", argv[1]);
    raise_fd_limit();
    long err;
    net_conn *l = net_listen("127.0.0.1:0", &err);
    if (!l)
        usage_error("listen: %s", net_strerror(err));
    printf("listening on 127.0.0.1:%d\n", net_port(l));
    fflush(stdout);
    for (;;) {
        net_conn *c = net_accept(l, &err);
        if (c)
            go(handle, c);
        else
            fprintf(stderr, "echo: accept: %s\n", net_strerror(err));
    }
}
