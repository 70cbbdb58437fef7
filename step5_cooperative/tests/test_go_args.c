/* go()'s argument arrives byte for byte, whatever its size: the sizes on
   either side of each place it may live (inside the G until the first
   run, then at the top of the stack, or malloc'ed), on warm stacks that a
   goroutine before it filled with junk; and one byte too many is refused
   with Go's words. */
#include "go.h"
#include "runtime.h"
#include "test.h"


enum { ARG_LARGEST = 1024 }; /* go.h: the largest argument go() copies */

static unsigned char pattern(size_t i, size_t size)
{
    return (unsigned char)(i * 7 + size + 1);
}

static waitgroup wg;
static size_t arg_size; /* of the goroutines running now */
static atomic_long bad_bytes;

static void check_arg(void *arg)
{
    const unsigned char *bytes = arg;
    for (size_t i = 0; i < arg_size; i++)
        if (bytes[i] != pattern(i, arg_size))
            atomic_fetch_add(&bad_bytes, 1);
    wg_done(&wg);
}

/* Leaves junk all over the top of its stack, for the next goroutine. */
static void scribble(void *arg)
{
    (void)arg;
    volatile unsigned char junk[8192];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = 0xA5;
    wg_done(&wg);
}

TEST(go_arguments_of_every_size_arrive_byte_for_byte)
{
    static const size_t sizes[] = {0,   1,   8,   16,  63,  64,  65,
                                   104, 160, 168, 169, 176, 177, 1024};
    static unsigned char arg[ARG_LARGEST];
    atomic_store(&bad_bytes, 0);
    for (int round = 0; round < 50; round++)
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            arg_size = sizes[i];
            for (size_t j = 0; j < arg_size; j++)
                arg[j] = pattern(j, arg_size);
            wg_init(&wg);
            wg_add(&wg, 8);
            for (int j = 0; j < 4; j++)
                go(scribble, 0);
            for (int j = 0; j < 4; j++)
                go_spawn(check_arg, arg, arg_size);
            wg_wait(&wg);
        }
    EXPECT_EQ(atomic_load(&bad_bytes), 0);
}

/* The extremes, with go() itself: nothing at all, and the largest. */
static void check_empty(void *arg)
{
    (void)arg;
    wg_done(&wg);
}

struct largest {
    unsigned char bytes[ARG_LARGEST];
};

static void check_largest(void *arg)
{
    const struct largest *a = arg;
    for (size_t i = 0; i < sizeof a->bytes; i++)
        if (a->bytes[i] != pattern(i, sizeof a->bytes))
            atomic_fetch_add(&bad_bytes, 1);
    wg_done(&wg);
}

TEST(go_takes_no_argument_and_the_largest_one)
{
    static struct largest big;
    for (size_t i = 0; i < sizeof big.bytes; i++)
        big.bytes[i] = pattern(i, sizeof big.bytes);
    atomic_store(&bad_bytes, 0);
    wg_init(&wg);
    wg_add(&wg, 200);
    for (int i = 0; i < 100; i++) {
        go_spawn(check_empty, NULL, 0);
        go(check_largest, big);
    }
    wg_wait(&wg);
    EXPECT_EQ(atomic_load(&bad_bytes), 0);
}

static void spawn_too_large(void *arg)
{
    (void)arg;
    static unsigned char too_large[ARG_LARGEST + 1];
    go_spawn(check_empty, too_large, sizeof too_large);
}

TEST(a_go_argument_one_byte_too_large_is_refused)
{
    struct run_result r;
    run_child(spawn_too_large, NULL, 10, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_CONTAINS(r.err, "fatal error: newproc: function arguments too "
                           "large for new goroutine (1025 bytes, at most "
                           "1024)");
    run_result_free(&r);
}
