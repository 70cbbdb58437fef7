/*
 * net.h on step 5's runtime and the poller (goadds/): echo, partial reads
 * and writes, EOF, deadlines, close and reset, parked readers that hold
 * no thread, no fd leaks, and no false deadlock while Gs wait on sockets.
 * Loopback only. Each test runs its scenario once per GOMAXPROCS, as
 * step 5's tests run at 1, 2, 4, 8 and 256, each in a fresh process.
 */
#include "net.h"
#include "netpoll.h"

#include "chan.h"
#include "go.h"
#include "runtime.h"
#include "san.h"
#include "test.h"

#include "common.h"

#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Helpers ----------------------------------------------------------- */

static const char *const procs[] = {"1", "2", "4", "8", "256"};

static void scenario_child(void *fn)
{
    ((void (*)(void))fn)();
    test_stop_if_failed(); /* exit 1 if an EXPECT failed in here */
}

/* Run fn in a fresh process at each GOMAXPROCS: the runtime starts in
   the child, so each gets its own. */
static void each_gomaxprocs(void (*fn)(void), unsigned timeout_s)
{
    for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++) {
        setenv("GOMAXPROCS", procs[i], 1);
        struct run_result r;
        run_child(scenario_child, (void *)fn, timeout_s, &r);
        if (r.status != 0 || r.timed_out)
            test_fail(__FILE__, __LINE__, "GOMAXPROCS=%s: exit %d%s: %s%s",
                      procs[i], r.status, r.timed_out ? " (timed out)" : "",
                      r.out, r.err);
        run_result_free(&r);
    }
}

/* A listener on 127.0.0.1, any port; its address in addr. */
static net_conn *listen_loopback(char addr[static 32])
{
    long err;
    net_conn *l = net_listen("127.0.0.1:0", &err);
    EXPECT(l != NULL);
    if (!l)
        fatal("listen: %s", net_strerror(err));
    snprintf(addr, 32, "127.0.0.1:%d", net_port(l));
    return l;
}

/* A connected pair: *client dialled, *server accepted. */
static void connect_pair(net_conn **client, net_conn **server)
{
    char addr[32];
    long err;
    net_conn *l = listen_loopback(addr);
    *client = net_dial(addr, &err);
    EXPECT_EQ(err, 0);
    *server = net_accept(l, &err);
    EXPECT_EQ(err, 0);
    net_close(l);
    if (!*client || !*server)
        fatal("connect_pair failed");
}

/* The i-th byte of a test stream, so that a byte out of place shows. */
static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 7 + i / 251);
}

/* Read exactly len bytes; false on an error or EOF before that. */
static bool read_full(net_conn *c, unsigned char *buf, size_t len)
{
    for (size_t got = 0; got < len;) {
        long n = net_read(c, buf + got, len - got);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

/* Threads of this process, from /proc/self/task. */
static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    int n = 0;
    if (!d)
        die(path);
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* ---- An echo server: a goroutine per connection ------------------------- */

struct server {
    net_conn *c;      /* the listener; for echo_conn, its connection */
    waitgroup *done;  /* every goroutine of the server has ended */
};

static void echo_conn(void *arg)
{
    struct server *s = arg;
    char buf[512];
    long n;
    while ((n = net_read(s->c, buf, sizeof buf)) > 0)
        if (net_write(s->c, buf, (size_t)n) != n)
            break;
    EXPECT_EQ(n, NET_EOF); /* its client closed */
    net_close(s->c);
    wg_done(s->done);
}

/* Until the listener is closed: then its accept fails. */
static void echo_serve(void *arg)
{
    struct server *s = arg;
    long err;
    for (net_conn *c; (c = net_accept(s->c, &err));) {
        wg_add(s->done, 1);
        go(echo_conn, (struct server){c, s->done});
    }
    EXPECT_EQ(err, NET_CLOSED);
    wg_done(s->done);
}

struct client {
    const char *addr;
    int id, messages;
    waitgroup *done;
    atomic_int *bad;
};

/* Dial, send `messages` messages of different sizes, check each echo. */
static void echo_client(void *arg)
{
    struct client *cl = arg; /* go() passed a copy of the struct */
    long err;
    net_conn *c = net_dial(cl->addr, &err);
    bool ok = c != NULL;
    for (int m = 0; ok && m < cl->messages; m++) {
        unsigned char out[300], in[300];
        size_t len = 1 + (size_t)(cl->id * 31 + m * 17) % sizeof out;
        for (size_t i = 0; i < len; i++)
            out[i] = pattern(i + (size_t)(cl->id + m));
        ok = net_write(c, out, len) == (long)len && read_full(c, in, len) &&
             memcmp(in, out, len) == 0;
    }
    if (c)
        net_close(c);
    if (!ok)
        atomic_fetch_add(cl->bad, 1);
    wg_done(cl->done);
}

static int nclients;

static void echo_many(void)
{
    char addr[32];
    net_conn *l = listen_loopback(addr);
    waitgroup served, done;
    wg_init(&served);
    wg_add(&served, 1);
    go(echo_serve, (struct server){l, &served});
    atomic_int bad = 0;
    wg_init(&done);
    wg_add(&done, nclients);
    for (int i = 0; i < nclients; i++) {
        go(echo_client, (struct client){addr, i, 20, &done, &bad});
    }
    wg_wait(&done);
    EXPECT_EQ(atomic_load(&bad), 0);
    net_close(l);
    wg_wait(&served); /* and so no fd, no goroutine is left behind */
}

TEST(echo_one_connection)
{
    nclients = 1;
    each_gomaxprocs(echo_many, 30);
}

TEST(echo_1000_concurrent_connections)
{
    /* 2,000 goroutines: under TSan each is a fiber, within its limit. */
    test_set_timeout(600);
    nclients = (int)test_scaled(1000);
    each_gomaxprocs(echo_many, 120);
}

/* ---- Partial reads and writes, EOF ------------------------------------ */

enum { BIG = 4 << 20 }; /* far more than a socket's buffers hold */

static void big_writer(void *arg)
{
    net_conn *c = *(net_conn **)arg;
    unsigned char *buf = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        buf[i] = pattern(i);
    EXPECT_EQ(net_write(c, buf, BIG), BIG); /* parks while buffers fill */
    free(buf);
    net_close(c); /* the reader sees EOF after the last byte */
}

static void partial(void)
{
    net_conn *client, *server;
    connect_pair(&client, &server);
    go(big_writer, server);
    unsigned char buf[1000]; /* reads smaller than what was written */
    size_t total = 0, reads = 0, wrong = 0;
    long n;
    while ((n = net_read(client, buf, 1 + reads % sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            wrong += buf[i] != pattern(total + (size_t)i);
        total += (size_t)n;
        reads++;
    }
    EXPECT_EQ(n, NET_EOF);
    EXPECT_STR_EQ(net_strerror(n), "EOF");
    EXPECT_EQ(total, BIG);
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(net_read(client, buf, sizeof buf), NET_EOF); /* stays EOF */
    net_close(client);
}

TEST(partial_reads_and_writes_then_eof)
{
    each_gomaxprocs(partial, 60);
}

/* ---- Deadlines --------------------------------------------------------- */

static void deadline_fires(void)
{
    net_conn *client, *server;
    connect_pair(&client, &server);
    char buf[16];
    int64_t start = now_ns();
    net_set_read_deadline(client, start + 50 * 1000000);
    long n = net_read(client, buf, sizeof buf); /* nothing ever comes */
    int64_t took = now_ns() - start;
    EXPECT_EQ(n, NET_TIMEOUT);
    EXPECT_STR_EQ(net_strerror(n), "i/o timeout");
    EXPECT(took >= 50 * 1000000);
    EXPECT(took < 5000 * 1000000LL); /* generous: did not hang */
    /* Still timed out, until the deadline moves; then it reads. */
    EXPECT_EQ(net_read(client, buf, sizeof buf), NET_TIMEOUT);
    net_set_read_deadline(client, 0);
    EXPECT_EQ(net_write(server, "x", 1), 1);
    EXPECT_EQ(net_read(client, buf, sizeof buf), 1);
    net_close(client);
    net_close(server);
}

TEST(deadline_that_fires_returns_timeout)
{
    each_gomaxprocs(deadline_fires, 30);
}

static void late_writer(void *arg)
{
    net_conn *c = *(net_conn **)arg;
    time_sleep(20 * 1000000);
    EXPECT_EQ(net_write(c, "hello", 5), 5);
}

static void deadline_holds(void)
{
    net_conn *client, *server;
    connect_pair(&client, &server);
    net_set_read_deadline(client, now_ns() + 10 * 1000000000LL);
    go(late_writer, server);
    char buf[16];
    EXPECT_EQ(net_read(client, buf, sizeof buf), 5);
    EXPECT(memcmp(buf, "hello", 5) == 0);
    net_close(client);
    net_close(server);
}

TEST(deadline_that_does_not_fire)
{
    each_gomaxprocs(deadline_holds, 30);
}

/* A deadline set by another goroutine while the reader is parked: the
   M waiting in epoll_wait must wake for the new, earlier timer. */
static void set_deadline_later(void *arg)
{
    net_conn *c = *(net_conn **)arg;
    time_sleep(20 * 1000000);
    net_set_read_deadline(c, now_ns() + 20 * 1000000);
}

static void deadline_from_elsewhere(void)
{
    net_conn *client, *server;
    connect_pair(&client, &server);
    go(set_deadline_later, client);
    char buf[16];
    int64_t start = now_ns();
    EXPECT_EQ(net_read(client, buf, sizeof buf), NET_TIMEOUT);
    EXPECT(now_ns() - start < 5000 * 1000000LL);
    net_close(client);
    net_close(server);
}

TEST(deadline_set_while_parked_wakes_the_reader)
{
    each_gomaxprocs(deadline_from_elsewhere, 30);
}

/* ---- Close and reset --------------------------------------------------- */

struct blocked_read {
    net_conn *c;
    chan *result; /* the read's return value */
};

static void blocked_reader(void *arg)
{
    struct blocked_read *b = arg;
    char buf[16];
    long n = net_read(b->c, buf, sizeof buf);
    chan_send(b->result, &n);
}

static void close_while_reading(void)
{
    net_conn *client, *server;
    connect_pair(&client, &server);
    struct blocked_read b = {client, make_chan(long, 0)};
    go(blocked_reader, b);
    time_sleep(20 * 1000000); /* it has parked by now (or soon will) */
    EXPECT_EQ(net_close(client), 0);
    long n = 0;
    chan_recv(b.result, &n);
    EXPECT_EQ(n, NET_CLOSED);
    EXPECT_STR_EQ(net_strerror(n), "use of closed network connection");
    EXPECT_EQ(net_close(server), 0);
    chan_free(b.result);
}

TEST(close_wakes_a_goroutine_blocked_reading)
{
    each_gomaxprocs(close_while_reading, 30);
}

static void peer_resets(void)
{
    net_conn *client, *server;
    connect_pair(&client, &server);
    struct blocked_read b = {client, make_chan(long, 0)};
    go(blocked_reader, b);
    time_sleep(10 * 1000000);
    /* SO_LINGER with a zero timeout: close sends RST, not FIN. */
    struct linger hard = {.l_onoff = 1, .l_linger = 0};
    EXPECT_EQ(setsockopt(server->fd, SOL_SOCKET, SO_LINGER, &hard,
                         sizeof hard), 0);
    net_close(server);
    long n = 0;
    chan_recv(b.result, &n);
    EXPECT_EQ(n, NET_RESET);
    EXPECT_STR_EQ(net_strerror(n), "connection reset by peer");
    net_close(client);
    chan_free(b.result);
}

TEST(a_peer_that_resets)
{
    each_gomaxprocs(peer_resets, 30);
}

static void errors_in_words(void)
{
    char addr[32];
    net_conn *l = listen_loopback(addr);
    net_close(l); /* nobody listens on that port now */
    long err = 0;
    EXPECT(net_dial(addr, &err) == NULL);
    EXPECT_EQ(err, NET_REFUSED);
    EXPECT_STR_EQ(net_strerror(err), "connection refused");
    const char *bad[] = {"127.0.0.1", "localhost:80", "127.0.0.1:x",
                         ":80", "127.0.0.1:65536"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        EXPECT(net_dial(bad[i], &err) == NULL);
        EXPECT_EQ(err, NET_BADADDR);
    }
    net_conn *client, *server;
    connect_pair(&client, &server);
    EXPECT_EQ(net_close(client), 0);
    EXPECT_EQ(net_close(client), NET_CLOSED); /* before any reuse */
    net_close(server);
}

TEST(errors_refused_bad_address_closed_twice)
{
    each_gomaxprocs(errors_in_words, 30);
}

/* ---- What a parked reader costs; fds; deadlock ------------------------- */

/*
 * The other ends live in a child process, with plain blocking sockets:
 * two ends of 10,000 connections in one process would pass the fd limit.
 * It connects n times, waits for a byte on `go`, then writes one byte
 * to each connection and exits.
 */
static pid_t start_peer(const char *addr, int n, int go_fd)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int port = atoi(strchr(addr, ':') + 1);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    static int fds[10000]; /* no malloc after fork: threads run */
    for (int i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 ||
            connect(fds[i], (struct sockaddr *)&sa, sizeof sa) != 0)
            _exit(3);
    }
    char byte;
    if (read(go_fd, &byte, 1) != 1)
        _exit(4);
    for (int i = 0; i < n; i++)
        if (write(fds[i], "!", 1) != 1)
            _exit(5);
    _exit(0);
}

static void raise_fd_limit(void)
{
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
}

struct parked {
    net_conn *c;
    waitgroup *done;
    atomic_int *ok;
};

static void parked_reader(void *arg)
{
    struct parked *p = arg;
    char byte;
    if (net_read(p->c, &byte, 1) == 1 && byte == '!')
        atomic_fetch_add(p->ok, 1);
    net_close(p->c);
    wg_done(p->done);
}

static int nparked;

static void many_parked(void)
{
    raise_fd_limit();
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        die("pipe");
    char addr[32];
    net_conn *l = listen_loopback(addr);
    pid_t peer = start_peer(addr, nparked, pipe_fds[0]);
    waitgroup done;
    atomic_int ok = 0;
    wg_init(&done);
    wg_add(&done, nparked);
    for (int i = 0; i < nparked; i++) {
        long err;
        net_conn *c = net_accept(l, &err);
        if (!c)
            fatal("accept: %s", net_strerror(err));
        go(parked_reader, (struct parked){c, &done, &ok});
    }
    time_sleep(50 * 1000000); /* every reader has parked by now */
    int threads = count_dir("/proc/self/task");
    /* At most one M per P, a few spare (sched.c), sysmon if asked for. */
    EXPECT(threads <= gomaxprocs() + 6);
    printf("%d goroutines parked reading, %d threads\n", nparked, threads);
    EXPECT_EQ(write(pipe_fds[1], "g", 1), 1);
    wg_wait(&done);
    EXPECT_EQ(atomic_load(&ok), nparked);
    int status;
    EXPECT_EQ(waitpid(peer, &status, 0), peer);
    EXPECT_EQ(status, 0);
    net_close(l);
}

TEST(ten_thousand_parked_readers_cost_no_thread_each)
{
    test_set_timeout(600);
    nparked = (int)test_scaled(10000); /* TSan: 1,000 fibers, its limit */
    each_gomaxprocs(many_parked, 120);
}

static void no_leaks(void)
{
    net_conn *client, *server; /* the poller's epoll and eventfd */
    connect_pair(&client, &server);
    net_close(client);
    net_close(server);
    int before = count_dir("/proc/self/fd");
    for (int round = 0; round < 20; round++) {
        errors_in_words();
        close_while_reading();
        deadline_fires();
        nclients = 10;
        echo_many();
    }
    EXPECT_EQ(count_dir("/proc/self/fd"), before);
}

TEST(no_fd_leaks)
{
    test_set_timeout(600);
    each_gomaxprocs(no_leaks, 120);
}

/*
 * Every goroutine waits on a socket, no timer is pending: not a
 * deadlock, since the peer (another process) writes in 200 ms.
 */
static void network_wait_is_not_deadlock(void)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        die("pipe");
    char addr[32];
    net_conn *l = listen_loopback(addr);
    pid_t peer = start_peer(addr, 1, pipe_fds[0]);
    long err;
    net_conn *c = net_accept(l, &err);
    EXPECT(c != NULL);
    if (fork() == 0) { /* the go-ahead comes from elsewhere, later */
        usleep(200 * 1000);
        _exit(write(pipe_fds[1], "g", 1) == 1 ? 0 : 1);
    }
    char byte = 0;
    EXPECT_EQ(net_read(c, &byte, 1), 1);
    EXPECT_EQ(byte, '!');
    waitpid(peer, NULL, 0);
    net_close(c);
    net_close(l);
}

TEST(no_deadlock_reported_while_goroutines_wait_on_the_network)
{
    each_gomaxprocs(network_wait_is_not_deadlock, 30);
}
