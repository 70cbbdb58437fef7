/*
 * echo-threads: the same TCP echo server with a thread per connection,
 * the model of steps 2 and 4: step 2's go() starts an OS thread, and a
 * blocking read holds that thread while its client is quiet. Prints
 * "listening on 127.0.0.1:PORT" and serves until killed.
 */
#include "go.h"

#include "common.h"
#include "fdlimit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static void handle(void *arg)
{
    int fd = *(int *)arg;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t done = 0, put; done < n; done += put)
            if ((put = send(fd, buf + done, (size_t)(n - done),
                            MSG_NOSIGNAL)) < 0)
                goto out;
out:
    close(fd);
}

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    if (argc > 1)
        usage_error("takes no arguments, got '%s'", argv[1]);
    raise_fd_limit();
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(l, SOMAXCONN) != 0 ||
        getsockname(l, (struct sockaddr *)&sa, &len) != 0)
        die("listen");
    printf("listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    for (;;) {
        int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED)
                perror("echo-threads: accept");
            continue;
        }
        int one = 1; /* as Go and ours: small writes go out at once */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        go(handle, fd);
    }
}
