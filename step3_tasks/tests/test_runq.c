/*
 * The ring of one worker (runq.c), on its own: FIFO order, its bound,
 * stealing the older half, counters that wrap, and an owner racing
 * thieves with every task taken exactly once.
 */
#include "runq.h"
#include "test.h"

#include "common.h"

#include <pthread.h>
#include <stdlib.h>

/* The ring holds pointers it never follows: number them 1, 2, 3, ... */
static struct task *item(uintptr_t i)
{
    return (struct task *)i;
}

static uintptr_t number(struct task *t)
{
    return (uintptr_t)t;
}

TEST(runq_is_fifo)
{
    static struct runq q;
    EXPECT(runq_empty(&q));
    EXPECT(runq_get(&q) == NULL);
    for (uintptr_t i = 1; i <= 10; i++)
        EXPECT(runq_put(&q, item(i)));
    EXPECT(!runq_empty(&q));
    for (uintptr_t i = 1; i <= 10; i++)
        EXPECT_EQ(number(runq_get(&q)), i);
    EXPECT(runq_get(&q) == NULL);
}

TEST(runq_holds_256_tasks_as_go)
{
    static struct runq q;
    for (uintptr_t i = 1; i <= RUNQ_SIZE; i++)
        EXPECT(runq_put(&q, item(i)));
    EXPECT(!runq_put(&q, item(RUNQ_SIZE + 1)));
    EXPECT_EQ(number(runq_get(&q)), 1);
    EXPECT(runq_put(&q, item(RUNQ_SIZE + 1))); /* room again */
}

TEST(runq_grab_takes_the_older_half_rounded_up)
{
    static struct runq q;
    struct task *batch[RUNQ_SIZE / 2];
    EXPECT_EQ(runq_grab(&q, batch), 0);
    for (uintptr_t i = 1; i <= 200; i++)
        runq_put(&q, item(i));
    EXPECT_EQ(runq_grab(&q, batch), 100);
    EXPECT_EQ(number(batch[0]), 1);
    EXPECT_EQ(number(batch[99]), 100);
    EXPECT_EQ(number(runq_get(&q)), 101);
    EXPECT_EQ(runq_grab(&q, batch), 50); /* 99 left: takes 50 */
    EXPECT_EQ(number(batch[0]), 102);
    while (runq_get(&q))
        ;
    runq_put(&q, item(7));
    EXPECT_EQ(runq_grab(&q, batch), 1); /* one left: the thief takes it */
    EXPECT_EQ(number(batch[0]), 7);
    for (uintptr_t i = 1; i <= RUNQ_SIZE; i++)
        runq_put(&q, item(i));
    EXPECT_EQ(runq_grab(&q, batch), RUNQ_SIZE / 2); /* full: the most */
}

TEST(runq_counters_wrap_around)
{
    static struct runq q;
    q.head = q.tail = UINT32_MAX - 5;
    for (uintptr_t round = 0; round < 3; round++) {
        for (uintptr_t i = 1; i <= RUNQ_SIZE; i++)
            EXPECT(runq_put(&q, item(i)));
        EXPECT(!runq_put(&q, item(0)));
        for (uintptr_t i = 1; i <= RUNQ_SIZE; i++)
            EXPECT_EQ(number(runq_get(&q)), i);
        EXPECT(runq_empty(&q));
    }
}

/* ---- The owner against three thieves ---- */

enum { THIEVES = 3 };
static struct runq shared;
static _Atomic unsigned char *taken; /* times each item was taken */
static atomic_bool owner_done;

static void take(struct task *t)
{
    atomic_fetch_add_explicit(&taken[number(t)], 1, memory_order_relaxed);
}

/* Puts items 1..n, taking from its own head whenever the ring is full. */
static void *owner(void *arg)
{
    long n = *(long *)arg;
    for (long i = 1; i <= n; i++)
        while (!runq_put(&shared, item((uintptr_t)i))) {
            struct task *t = runq_get(&shared);
            if (t)
                take(t);
        }
    for (struct task *t; (t = runq_get(&shared));)
        take(t);
    atomic_store(&owner_done, true);
    return NULL;
}

static void *thief(void *arg)
{
    (void)arg;
    struct task *batch[RUNQ_SIZE / 2];
    while (!atomic_load(&owner_done)) {
        uint32_t n = runq_grab(&shared, batch);
        for (uint32_t i = 0; i < n; i++)
            take(batch[i]);
    }
    return NULL;
}

TEST(runq_owner_and_thieves_take_every_task_once)
{
    long n = test_scaled(2000000);
    taken = calloc((size_t)n + 1, 1);
    pthread_t threads[THIEVES + 1];
    for (int i = 0; i < THIEVES; i++)
        pthread_create(&threads[i], NULL, thief, NULL);
    pthread_create(&threads[THIEVES], NULL, owner, &n);
    for (int i = 0; i <= THIEVES; i++)
        pthread_join(threads[i], NULL);
    long wrong = 0;
    for (long i = 1; i <= n; i++)
        wrong += taken[i] != 1;
    EXPECT_EQ(wrong, 0);
    free(taken);
}
