/* The go() macro: what it evaluates, when, and what the goroutine gets. */
#include "go.h"
#include "test.h"

#include <stdatomic.h>
#include <string.h>

static waitgroup wg;
static atomic_int got_int;

static void take_int(void *arg)
{
    atomic_store(&got_int, *(int *)arg);
    wg_done(&wg);
}

TEST(argument_is_copied_at_the_go_statement)
{
    wg_init(&wg);
    wg_add(&wg, 1);
    int i = 1;
    go(take_int, i);
    i = 2; /* too late: the goroutine has its own copy */
    wg_wait(&wg);
    EXPECT_EQ(atomic_load(&got_int), 1);
    EXPECT_EQ(i, 2);
}

static int calls;
static int next_value(void)
{
    return ++calls;
}

TEST(argument_is_evaluated_once_before_go_returns)
{
    wg_init(&wg);
    wg_add(&wg, 1);
    go(take_int, next_value());
    EXPECT_EQ(calls, 1); /* evaluated in the caller, already */
    wg_wait(&wg);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(atomic_load(&got_int), 1);
}

static char got_text[64];

static void take_text(void *arg)
{
    strcpy(got_text, arg);
    wg_done(&wg);
}

TEST(string_literal_is_copied_whole)
{
    wg_init(&wg);
    wg_add(&wg, 1);
    go(take_text, "hello from goroutine 1");
    wg_wait(&wg);
    EXPECT_STR_EQ(got_text, "hello from goroutine 1");
}

struct pair {
    int a, b;
};
static atomic_int got_sum;

static void take_pair(void *arg)
{
    struct pair *p = arg;
    atomic_store(&got_sum, p->a * 10 + p->b);
    wg_done(&wg);
}

TEST(struct_literal_with_commas_is_one_argument)
{
    wg_init(&wg);
    wg_add(&wg, 1);
    go(take_pair, (struct pair){4, 2});
    wg_wait(&wg);
    EXPECT_EQ(atomic_load(&got_sum), 42);
}

static void take_pointer(void *arg)
{
    int *shared = *(int **)arg;
    *shared = 7; /* writes the caller's variable */
    wg_done(&wg);
}

TEST(pointer_argument_shares_the_variable)
{
    wg_init(&wg);
    wg_add(&wg, 1);
    int i = 0;
    go(take_pointer, &i);
    wg_wait(&wg); /* the WaitGroup orders the write before this read */
    EXPECT_EQ(i, 7);
}

static void in_loop(void *arg)
{
    atomic_fetch_add(&got_sum, *(int *)arg);
    wg_done(&wg);
}

TEST(each_iteration_gets_its_own_copy)
{
    wg_init(&wg);
    atomic_store(&got_sum, 0);
    for (int i = 1; i <= 100; i++) {
        wg_add(&wg, 1);
        go(in_loop, i);
    }
    wg_wait(&wg);
    EXPECT_EQ(atomic_load(&got_sum), 5050);
}
