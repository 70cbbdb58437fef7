/*
 * nil channels (NULL): a send or receive blocks forever, a select never
 * chooses their cases, len and cap are 0, and `select {}` blocks forever.
 * Go uses this to switch a select's case off: set its channel to nil.
 */
#include "chan.h"
#include "common.h"
#include "go.h"
#include "helpers.h"
#include "test.h"

#include <stdatomic.h>

TEST(nil_channel_len_cap_and_non_blocking_forms)
{
    EXPECT_EQ(chan_len(NULL), 0);
    EXPECT_EQ(chan_cap(NULL), 0);
    int v = 1;
    bool ok = true;
    EXPECT(!chan_try_send(NULL, &v));
    EXPECT(!chan_try_recv(NULL, &v, &ok));
    EXPECT(!ok);
    chan_free(NULL);
}

TEST(select_with_only_nil_cases_takes_default)
{
    int v = 0;
    select_case cases[] = {SEND_CASE(NULL, &v), RECV_CASE(NULL, &v)};
    EXPECT_EQ(chan_select(cases, 2, true), -1);
    EXPECT_EQ(chan_select(NULL, 0, true), -1); /* select { default: } */
}

TEST(select_never_chooses_a_nil_case)
{
    chan *c = make_chan(int, 1);
    for (int i = 0; i < 1000; i++) {
        int v = i, got = -1;
        select_case cases[] = {SEND_CASE(NULL, &v), RECV_CASE(NULL, &got),
                               SEND_CASE(c, &v), RECV_CASE(NULL, &got)};
        EXPECT_EQ(chan_select(cases, 4, false), 2);
        select_case recv[] = {RECV_CASE(NULL, &got), RECV_CASE(c, &got)};
        EXPECT_EQ(chan_select(recv, 2, false), 1);
        EXPECT_EQ(got, i);
    }
    chan_free(c);
}

static atomic_int returned;

static void send_nil(void *arg)
{
    (void)arg;
    chan_send(NULL, &(int){1});
    atomic_fetch_add(&returned, 1);
}

static void recv_nil(void *arg)
{
    (void)arg;
    chan_recv(NULL, NULL);
    atomic_fetch_add(&returned, 1);
}

static void select_nothing(void *arg)
{
    (void)arg;
    chan_select(NULL, 0, false); /* select {} */
    atomic_fetch_add(&returned, 1);
}

static void select_nil_cases(void *arg)
{
    (void)arg;
    select_case cases[] = {RECV_CASE(NULL, NULL), SEND_CASE(NULL, &arg)};
    chan_select(cases, 2, false);
    atomic_fetch_add(&returned, 1);
}

/*
 * Forever cannot be tested; a while can. These goroutines are still
 * blocked when the test ends, as they would be in Go.
 */
TEST(nil_channels_and_empty_select_block_forever)
{
    go(send_nil, 0);
    go(recv_nil, 0);
    go(select_nothing, 0);
    go(select_nil_cases, 0);
    time_sleep(50 * ms);
    EXPECT_EQ(atomic_load(&returned), 0);
}
