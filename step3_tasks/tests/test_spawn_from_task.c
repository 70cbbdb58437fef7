/*
 * go() from inside a task: trees and chains of tasks all run; go() copies
 * its argument as Go does; a task that queues itself again (a hand-made
 * yield) takes turns with the others; the first go() starts the pool.
 */
#include "go.h"
#include "test.h"

#include <stdatomic.h>
#include <string.h>

static atomic_long nodes;

/* A binary tree of tasks, depth levels below this one. */
static void tree(void *arg)
{
    int depth = *(int *)arg;
    atomic_fetch_add(&nodes, 1);
    if (depth > 0) {
        go(tree, depth - 1);
        go(tree, depth - 1);
    }
}

TEST(tasks_spawned_by_tasks_run)
{
    int depth = test_scaled(100000) >= 100000 ? 17 : 14;
    for (queue_kind kind = QUEUE_GLOBAL; kind <= QUEUE_STEAL; kind++)
        for (int workers = 1; workers <= 3; workers += 2) {
            nodes = 0;
            pool_start(kind, workers);
            go(tree, depth);
            struct pool_stats s;
            pool_stop(&s);
            EXPECT_EQ(nodes, (2L << depth) - 1);
            EXPECT_EQ(s.ran, (2L << depth) - 1);
        }
}

static atomic_long links;

/* A chain: each task spawns the next; only one is queued at a time. */
static void chain(void *arg)
{
    long left = *(long *)arg;
    atomic_fetch_add(&links, 1);
    if (left > 1)
        go(chain, left - 1);
}

TEST(a_chain_of_tasks_runs_to_its_end)
{
    long n = test_scaled(100000);
    for (queue_kind kind = QUEUE_GLOBAL; kind <= QUEUE_STEAL; kind++) {
        links = 0;
        pool_start(kind, 4);
        go(chain, n);
        pool_stop(NULL);
        EXPECT_EQ(links, n);
    }
}

struct job {
    int id;
    char text[16];
};
static struct job got_job;
static char got_text[8];
static int got_int, *got_pointer;

static void take_job(void *arg)
{
    got_job = *(struct job *)arg;
}

static void take_text(void *arg)
{
    strcpy(got_text, arg);
}

static void take_int(void *arg)
{
    got_int = *(int *)arg;
}

static void take_pointer(void *arg)
{
    got_pointer = *(int **)arg;
}

TEST(go_copies_its_argument_at_the_go_statement)
{
    pool_start(QUEUE_STEAL, 2);
    struct job job = {7, "seven"};
    go(take_job, job);
    job.id = 8; /* too late: the task has its own copy */
    go(take_text, "hi");
    int i = 1;
    go(take_int, i);
    go(take_pointer, &i); /* copies the pointer: Go's loop-variable trap */
    i = 2;
    pool_stop(NULL);
    EXPECT_EQ(got_job.id, 7);
    EXPECT_STR_EQ(got_job.text, "seven");
    EXPECT_STR_EQ(got_text, "hi");
    EXPECT_EQ(got_int, 1);
    EXPECT(got_pointer == &i);
}

/* ---- A hand-made yield: requeue yourself, state in the argument ---- */

static char turns[64];

struct turn {
    char name;
    int left;
};

static void take_turn(void *arg)
{
    struct turn t = *(struct turn *)arg;
    turns[strlen(turns)] = t.name;
    if (--t.left > 0)
        go(take_turn, t);
}

static void start_turns(void *arg)
{
    (void)arg;
    for (char name = 'A'; name <= 'C'; name++)
        go(take_turn, (struct turn){name, 4});
}

TEST(a_task_that_requeues_itself_takes_turns_with_others)
{
    for (queue_kind kind = QUEUE_GLOBAL; kind <= QUEUE_STEAL; kind++) {
        memset(turns, 0, sizeof turns);
        pool_start(kind, 1);
        go(start_turns, 0);
        pool_stop(NULL);
        EXPECT_STR_EQ(turns, "ABCABCABCABC");
    }
}

static atomic_int hello_ran;

static void hello(void *arg)
{
    EXPECT_STR_EQ(arg, "hello");
    atomic_fetch_add(&hello_ran, 1);
}

TEST(the_first_go_starts_the_pool_as_gomaxprocs_says)
{
    go(hello, "hello");
    struct pool_stats s;
    pool_stop(&s);
    EXPECT_EQ(hello_ran, 1);
    EXPECT_EQ(s.workers, gomaxprocs());
    EXPECT_EQ(s.ran, 1);
}
