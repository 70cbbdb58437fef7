/*
 * loadgen: the echo race's clients. One thread and epoll drive `conns`
 * connections to an echo server on 127.0.0.1; each sends `messages`
 * messages of SIZE bytes, one at a time, waits for the echo and checks
 * it byte for byte. Bounded: it gives up after TIME_LIMIT_S.
 *
 *   loadgen PORT CONNS MESSAGES SERVER_PID
 *
 * Prints one line: requests per second (all echoes over the time from
 * the first send to the last echo; connecting is not timed), the 50th
 * and 99th percentiles of the time from a send to its whole echo, and
 * the server's peak threads and peak RSS, read from
 * /proc/SERVER_PID/status while every connection is open. Exit status 1
 * if an echo was wrong, a connection failed, or time ran out.
 */
#include "common.h"
#include "fdlimit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { SIZE = 64, TIME_LIMIT_S = 60, MAX_CONNS = 100000 };

struct conn {
    int fd;
    int sent;        /* messages sent so far */
    int got;         /* bytes of the current echo received */
    int64_t sent_at; /* now_ns() of the current message's send */
};

static int64_t *latencies; /* ns, one per request */
static long nlatencies;

/* The byte at position i of message m of connection c. */
static unsigned char pattern(int c, int m, int i)
{
    return (unsigned char)(c * 131 + m * 31 + i * 7 + 1);
}

/* Threads: and VmHWM: (bytes) of process pid; 0 if it is gone. */
static void server_status(int pid, long *threads, double *peak_rss)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kb, n;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "Threads: %ld", &n) == 1 && n > *threads)
            *threads = n;
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            *peak_rss = (double)kb * 1024;
    }
    if (f)
        fclose(f);
}

static void send_message(struct conn *c, int id)
{
    unsigned char msg[SIZE];
    for (int i = 0; i < SIZE; i++)
        msg[i] = pattern(id, c->sent, i);
    c->got = 0;
    c->sent_at = now_ns();
    /* SIZE bytes always fit: the socket's buffer is empty by now. */
    if (send(c->fd, msg, SIZE, MSG_NOSIGNAL) != SIZE)
        die("send");
    c->sent++;
}

/* Read what came on c; true once its current echo is whole. */
static bool receive(struct conn *c, int id)
{
    unsigned char buf[SIZE];
    for (;;) {
        ssize_t n = read(c->fd, buf, (size_t)(SIZE - c->got));
        if (n < 0 && errno == EAGAIN)
            return false;
        if (n <= 0) {
            fprintf(stderr, "loadgen: connection %d: %s after %d echoes\n",
                    id, n == 0 ? "EOF" : strerror(errno), c->sent - 1);
            exit(1);
        }
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(id, c->sent - 1, c->got + (int)i)) {
                fprintf(stderr, "loadgen: connection %d, message %d: byte"
                        " %d is %d, sent %d\n", id, c->sent - 1,
                        c->got + (int)i, buf[i],
                        pattern(id, c->sent - 1, c->got + (int)i));
                exit(1);
            }
        c->got += (int)n;
        if (c->got == SIZE) {
            latencies[nlatencies++] = now_ns() - c->sent_at;
            return true;
        }
    }
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static struct conn *dial_all(int port, int nconns)
{
    struct conn *conns = calloc((size_t)nconns, sizeof *conns);
    if (!conns)
        die("calloc");
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int i = 0; i < nconns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            die("socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            fprintf(stderr, "loadgen: connection %d of %d: connect: %s\n",
                    i, nconns, strerror(errno));
            exit(1);
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[i].fd = fd;
    }
    return conns;
}

int main(int argc, char **argv)
{
    set_program_name(argv[0]);
    if (argc != 5)
        usage_error("usage: loadgen PORT CONNS MESSAGES SERVER_PID");
    int port = (int)parse_count(argv[1], "PORT", 65535);
    int nconns = (int)parse_count(argv[2], "CONNS", MAX_CONNS);
    int messages = (int)parse_count(argv[3], "MESSAGES", 1000000);
    int server = (int)parse_count(argv[4], "SERVER_PID", 1 << 22);
    rlim_t files = raise_fd_limit();
    if (files < (rlim_t)nconns + 16)
        usage_error("%d connections need %d fds, the hard limit is %ld",
                    nconns, nconns + 16, (long)files);
    latencies = malloc(sizeof *latencies * (size_t)nconns * (size_t)messages);
    if (!latencies)
        die("malloc");

    struct conn *conns = dial_all(port, nconns);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < nconns; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) != 0)
            die("epoll");
        if (fcntl(conns[i].fd, F_SETFL, O_NONBLOCK) != 0)
            die("fcntl");
    }
    long threads = 0;
    double peak_rss = 0;
    server_status(server, &threads, &peak_rss);

    int64_t start = now_ns(), give_up = start + TIME_LIMIT_S * 1000000000LL;
    int64_t next_look = start + 100000000; /* the server's threads */
    for (int i = 0; i < nconns; i++)
        send_message(&conns[i], i);
    long left = nconns; /* connections not done yet */
    struct epoll_event events[256];
    while (left > 0) {
        int n = epoll_wait(ep, events, 256, 1000);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int k = 0; k < n; k++) {
            int id = (int)events[k].data.u32;
            struct conn *c = &conns[id];
            if (!receive(c, id))
                continue;
            if (c->sent < messages)
                send_message(c, id);
            else
                left--;
        }
        int64_t now = now_ns();
        if (now >= next_look) {
            server_status(server, &threads, &peak_rss);
            next_look = now + 100000000;
        }
        if (now > give_up) {
            fprintf(stderr, "loadgen: %ld of %d connections not done after "
                    "%d s\n", left, nconns, TIME_LIMIT_S);
            return 1;
        }
    }
    double seconds = (double)(now_ns() - start) / 1e9;
    server_status(server, &threads, &peak_rss); /* every conn still open */
    for (int i = 0; i < nconns; i++)
        close(conns[i].fd);
    close(ep);
    free(conns);
    qsort(latencies, (size_t)nlatencies, sizeof *latencies, compare_int64);
    printf("conns=%d messages=%d requests=%ld rps=%.0f p50_us=%.1f "
           "p99_us=%.1f threads=%ld peak_rss=%.0f\n", nconns, messages,
           nlatencies, (double)nlatencies / seconds,
           (double)latencies[nlatencies / 2] / 1e3,
           (double)latencies[nlatencies * 99 / 100] / 1e3, threads,
           peak_rss);
    free(latencies);
    return 0;
}
