/* GOTRACE=name (trace.c, trace_svg.c): the events of a known program are
   exactly those it must make; the JSON parses and the SVG is well-formed
   (with python3 and xmllint when installed: .ci/run installs xmllint),
   one lane per M, every run inside the picture; reading while the Ms
   record is race-free (make test SAN=thread); a million goroutines make a
   picture of a few MB at most. */
#include "chan.h"
#include "go.h"
#include "runtime.h"
#include "trace.h"
#include "common.h"
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void remove_trace(const char *name)
{
    char path[80];
    snprintf(path, sizeof path, "%s.json", name);
    unlink(path);
    snprintf(path, sizeof path, "%s.svg", name);
    unlink(path);
    *strrchr(strcpy(path, name), '/') = '\0';
    rmdir(path);
}

static char dir[] = "/tmp/test_trace_XXXXXX", name[64];
static pid_t owner;

/* At exit, after trace.c has written them (its handler, registered
   later, runs first); not in a child made by run_child. */
static void remove_at_exit(void)
{
    if (getpid() == owner)
        remove_trace(name);
}

/* A fresh folder for this test's files, gone at exit; their name is
   dir/trace. Called once a test, before the runtime starts. */
static const char *trace_name(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(name, sizeof name, "%s/trace", dir);
    owner = getpid();
    atexit(remove_at_exit);
    return name;
}

/* ---- A known program ------------------------------------------------- */

/* WORKERS goroutines: each receives one value (parks until main sends
   it), yields once, and ends. */
enum { WORKERS = 100 };
static waitgroup wg;

static void worker(void *arg)
{
    chan *c = *(chan **)arg;
    int v;
    chan_recv(c, &v);
    gosched();
    wg_done(&wg);
}

static void known_program(void)
{
    chan *c = make_chan(int, 0);
    wg_init(&wg);
    wg_add(&wg, WORKERS);
    for (int i = 0; i < WORKERS; i++)
        go(worker, c);
    for (int i = 0; i < WORKERS; i++)
        chan_send(c, &i);
    wg_wait(&wg);
    chan_free(c);
}

/* What each goroutine did, checked in time order. */
enum { NEW = 1, RUNNING, PARKED, READIED, RUNNABLE, ENDED };

TEST(gotrace_of_a_known_program_has_exactly_its_events)
{
    setenv("GOTRACE", trace_name(), 1);
    known_program();
    struct trace_events t;
    trace_read(&t);
    int count[TRACE_NKINDS] = {0};
    int64_t ng = WORKERS + 64; /* ids come in batches of 16 per P */
    ng += 16LL * gomaxprocs();
    char *state = calloc((size_t)ng, 1);
    state[1] = RUNNABLE; /* main: its first run starts the trace */
    int bad = 0, unmatched_parks = 0;
    for (size_t i = 0; i < t.n; i++) {
        const struct trace_event *e = &t.ev[i];
        count[e->kind]++;
        if (i && e->when < t.ev[i - 1].when)
            bad++;
        if (e->when < t.start || e->when > t.end || e->m < 0 ||
            e->p < -1 || e->p >= t.nprocs || e->g < 0 || e->g >= ng) {
            bad++;
            continue;
        }
        char *s = &state[e->g];
        switch (e->kind) {
        case TRACE_GO_CREATE: bad += *s != 0; *s = NEW; break;
        case TRACE_GO_START:
            unmatched_parks += *s == PARKED;
            bad += *s == 0 || *s == ENDED || *s == RUNNING;
            *s = RUNNING;
            break;
        case TRACE_GO_SCHED: bad += *s != RUNNING; *s = RUNNABLE; break;
        case TRACE_GO_PARK:
            bad += *s != RUNNING || e->arg.reason == NULL;
            *s = PARKED;
            break;
        case TRACE_GO_READY: bad += *s != PARKED; *s = READIED; break;
        case TRACE_GO_END: bad += *s != RUNNING; *s = ENDED; break;
        }
    }
    EXPECT_EQ(bad, 0);
    EXPECT_EQ(count[TRACE_GO_CREATE], WORKERS);
    EXPECT_EQ(count[TRACE_GO_END], WORKERS);
    EXPECT_EQ(unmatched_parks, 0);
    /* Each worker parks once on its receive (unless main's send came
       first), and each park is readied: as many readies as parks. */
    EXPECT_EQ(count[TRACE_GO_READY], count[TRACE_GO_PARK]);
    EXPECT(count[TRACE_GO_PARK] >= 1);
    int ended = 0;
    for (int64_t g = 2; g < ng; g++)
        ended += state[g] == ENDED;
    EXPECT_EQ(ended, WORKERS);
    /* Every M's runs alternate: a start, then a stop. */
    for (size_t i = 0; i < t.n; i++)
        if (t.ev[i].kind == TRACE_GO_START)
            for (size_t j = i + 1; j < t.n; j++)
                if (t.ev[j].m == t.ev[i].m &&
                    t.ev[j].kind >= TRACE_GO_START &&
                    t.ev[j].kind <= TRACE_GO_END) {
                    EXPECT(t.ev[j].kind != TRACE_GO_START &&
                           t.ev[j].g == t.ev[i].g);
                    break;
                }
    free(state);
    free(t.ev);
}

TEST(gotrace_unset_records_nothing)
{
    unsetenv("GOTRACE");
    known_program();
    EXPECT(!trace.enabled);
    struct trace_events t;
    trace_read(&t);
    EXPECT_EQ(t.n, 0);
    free(t.ev);
}

/* ---- The files, as exit writes them ----------------------------------- */

static char *read_file(const char *name, const char *suffix, size_t *len)
{
    char path[80];
    snprintf(path, sizeof path, "%s%s", name, suffix);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *text = malloc(*len + 1);
    *len = fread(text, 1, *len, f);
    text[*len] = '\0';
    fclose(f);
    return text;
}

static int occurrences(const char *text, const char *word)
{
    int n = 0;
    for (const char *at = text; (at = strstr(at, word)); at++)
        n++;
    return n;
}

/* Check the JSON with a real parser (python3's) when there is one; then
   its shape, which we know: one event a line, inside {"traceEvents":[. */
static void expect_json_parses(const char *name, const char *json)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "command -v python3 >/dev/null && "
             "{ python3 -m json.tool %s.json >/dev/null || exit 1; }; "
             "exit 0", name);
    EXPECT_EQ(system(cmd), 0);
    EXPECT(strncmp(json, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n",
                   40) == 0);
    EXPECT(strstr(json, "\n],\"otherData\":{") != NULL);
    EXPECT_EQ(occurrences(json, "{"), occurrences(json, "}"));
}

/* xmllint parses the SVG when installed (Debian: libxml2-utils). */
static void expect_svg_well_formed(const char *name, const char *svg)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "command -v xmllint >/dev/null && "
             "{ xmllint --noout %s.svg || exit 1; }; exit 0", name);
    EXPECT_EQ(system(cmd), 0);
    EXPECT(strncmp(svg, "<?xml", 5) == 0);
    EXPECT(strstr(svg, "</svg>\n") != NULL);
    EXPECT_EQ(occurrences(svg, "<text"), occurrences(svg, "</text>"));
}

static void traced_child(void *name)
{
    setenv("GOTRACE", name, 1);
    known_program();
    printf("done\n");
}

TEST(gotrace_exit_writes_json_and_svg_that_parse)
{
    const char *name = trace_name();
    struct run_result r;
    run_child(traced_child, (void *)name, 120, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "done\n");
    EXPECT_CONTAINS(r.err, "GOTRACE: ");
    EXPECT_CONTAINS(r.err, " bytes each); recording one took ");
    EXPECT(!strstr(r.err, "Sanitizer"));
    run_result_free(&r);
    size_t len;
    char *json = read_file(name, ".json", &len), *svg;
    EXPECT(json != NULL);
    test_stop_if_failed();
    expect_json_parses(name, json);
    /* The program's own counts, one line each. */
    EXPECT_EQ(occurrences(json, "\"cat\":\"create\""), WORKERS);
    /* Every worker's end, but for those still ending on another M when
       main returned and the trace was written (wg_done comes before a
       goroutine's end; in Go too, an end after the program's is not in
       its trace): at most one a P besides main's. */
    const char *procs = getenv("GOMAXPROCS");
    int others = procs ? atoi(procs) - 1
                       : (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
    int exits = occurrences(json, "\"stop\":\"exit\"");
    EXPECT(exits <= WORKERS && exits >= WORKERS - others);
    EXPECT_EQ(occurrences(json, "\"ph\":\"s\""),
              occurrences(json, "\"ph\":\"f\""));
    EXPECT(occurrences(json, "\"name\":\"thread_name\"") >= 1);
    svg = read_file(name, ".svg", &len);
    EXPECT(svg != NULL);
    test_stop_if_failed();
    expect_svg_well_formed(name, svg);
    free(json);
    free(svg);
}

TEST(gotrace_file_that_cannot_be_created_exits_2)
{
    struct run_result r;
    run_child(traced_child, "/nonexistent/folder/t", 60, &r);
    EXPECT_EQ(r.status, 2);
    EXPECT_STR_EQ(r.out, "");
    char want[200];
    snprintf(want, sizeof want, "%s: GOTRACE: cannot create "
             "'/nonexistent/folder/t.json': No such file or directory\n",
             program_name());
    EXPECT_STR_EQ(r.err, want);
    run_result_free(&r);
}

/* ---- The picture -------------------------------------------------------- */

/* Lanes (one per M that recorded anything) and runs (each inside the
   plot: x from 110 to 110 + 1070, trace_svg.c) of the SVG of t. */
static void expect_svg_of(const struct trace_events *t)
{
    char *svg;
    size_t len;
    FILE *f = open_memstream(&svg, &len);
    trace_write_svg(t, f);
    fclose(f);
    bool seen[512] = {false};
    int ms = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!seen[t->ev[i].m]) {
            seen[t->ev[i].m] = true;
            ms++;
        }
    EXPECT_EQ(occurrences(svg, "id=\"lane-M"), ms);
    for (int m = 0; m < 512; m++)
        if (seen[m]) {
            char lane[32];
            snprintf(lane, sizeof lane, "id=\"lane-M%d\"", m);
            EXPECT_CONTAINS(svg, lane);
        }
    int runs = 0, outside = 0;
    for (const char *at = svg; (at = strstr(at, "class=\"run\" x=\"")); at++) {
        double x, w;
        if (sscanf(at, "class=\"run\" x=\"%lf\" y=\"%*d\" width=\"%lf\"", &x,
                   &w) != 2 ||
            x < 110 || x + w > 110 + 1070 + 0.05)
            outside++;
        runs++;
    }
    EXPECT(runs >= 1);
    EXPECT_EQ(outside, 0);
    EXPECT(len < 4 * 1000 * 1000);
    free(svg);
}

TEST(gotrace_svg_has_a_lane_per_m_and_every_run_inside)
{
    setenv("GOTRACE", trace_name(), 1);
    known_program();
    struct trace_events t;
    trace_read(&t);
    expect_svg_of(&t);
    free(t.ev);
}

/* Too many runs to draw each: shades for the whole run, and a detail. */
TEST(gotrace_svg_of_many_runs_has_shades_and_a_detail)
{
    setenv("GOTRACE", trace_name(), 1);
    for (int i = 0; i < 30; i++)
        known_program(); /* 30 x (3 runs x 100 workers) */
    struct trace_events t;
    trace_read(&t);
    expect_svg_of(&t);
    char *svg;
    size_t len;
    FILE *f = open_memstream(&svg, &len);
    trace_write_svg(&t, f);
    fclose(f);
    EXPECT_CONTAINS(svg, "in shades (too many runs to draw each)");
    EXPECT_CONTAINS(svg, "detail: 150 of ");
    free(svg);
    free(t.ev);
}

/* ---- Reading while recording: ThreadSanitizer's case ------------------- */

static atomic_bool stop;

/* Yields until told to stop, or 100,000 times: the events of many Ps
   yielding as fast as they can would fill the memory in seconds. */
static void yielder(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000 && !atomic_load(&stop); i++)
        gosched();
    wg_done(&wg);
}

TEST(gotrace_read_while_ms_record_is_race_free)
{
    setenv("GOTRACE", trace_name(), 1);
    int n = gomaxprocs() < 4 ? 2 * gomaxprocs() : 8;
    wg_init(&wg);
    wg_add(&wg, n);
    for (int i = 0; i < n; i++)
        go(yielder, 0);
    size_t last = 0;
    for (int i = 0; i < 5; i++) {
        time_sleep(2 * 1000000);
        struct trace_events t;
        trace_read(&t);
        EXPECT(t.n >= last);
        last = t.n;
        for (size_t j = 1; j < t.n; j++)
            if (t.ev[j].when < t.ev[j - 1].when)
                EXPECT(!"events out of order");
        free(t.ev);
    }
    atomic_store(&stop, true);
    wg_wait(&wg);
    EXPECT(last > 0);
}

/* ---- A million goroutines --------------------------------------------- */

static void nothing(void *arg)
{
    (void)arg;
    wg_done(&wg);
}

static void million(void *name)
{
    setenv("GOTRACE", name, 1);
    long n = goroutines_scaled(1000000);
    wg_init(&wg);
    wg_add(&wg, (int)n);
    for (long i = 0; i < n; i++)
        go(nothing, 0);
    wg_wait(&wg);
    printf("%ld\n", n);
}

TEST(gotrace_of_a_million_goroutines_is_a_few_mb)
{
    const char *name = trace_name();
    struct run_result r;
    run_child(million, (void *)name, 120, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_CONTAINS(r.err, "GOTRACE: ");
    run_result_free(&r);
    size_t len;
    char *svg = read_file(name, ".svg", &len);
    EXPECT(svg != NULL);
    test_stop_if_failed();
    EXPECT(len < 4 * 1000 * 1000);
    expect_svg_well_formed(name, svg);
    free(svg);
    struct stat st;
    char path[80];
    snprintf(path, sizeof path, "%s.json", name);
    EXPECT_EQ(stat(path, &st), 0);
    EXPECT(st.st_size < 40 * 1000 * 1000); /* JSON_MAX_EVENTS: trace.c */
}

/* ---- More events than GOTRACE keeps --------------------------------- */

enum { ROUND_TRIPS = 3000000 };

struct echo {
    chan *in, *out;
};

static void echo(void *arg)
{
    struct echo *e = arg;
    long v;
    for (long i = 0; i < ROUND_TRIPS; i++) {
        chan_recv(e->in, &v);
        chan_send(e->out, &v);
    }
}

/* Three million round trips on unbuffered channels: each parks one side
   or the other at least once, readies and starts it (3 events or more),
   wherever the two run: more events than the 8,388,608 trace.c keeps. */
static void many_events(void *name)
{
    setenv("GOTRACE", name, 1);
    chan *ping = make_chan(long, 0), *back = make_chan(long, 0);
    go(echo, (struct echo){ping, back});
    long v = 0;
    for (long i = 0; i < ROUND_TRIPS; i++) {
        chan_send(ping, &i);
        chan_recv(back, &v);
    }
    printf("done\n");
}

TEST(gotrace_stops_recording_when_full_and_says_so)
{
    if (test_scaled(10) < 10)
        SKIP("ten million events take minutes under a sanitizer or qemu");
    const char *name = trace_name();
    struct run_result r;
    run_child(many_events, (void *)name, 120, &r);
    EXPECT_EQ(r.status, 0);
    EXPECT_STR_EQ(r.out, "done\n");
    EXPECT_CONTAINS(r.err, "GOTRACE: more than 8388608 events: recording "
                           "stopped ");
    run_result_free(&r);
    size_t len;
    char *svg = read_file(name, ".svg", &len);
    EXPECT(svg != NULL);
    test_stop_if_failed();
    EXPECT_CONTAINS(svg, "recording stopped here");
    expect_svg_well_formed(name, svg);
    free(svg);
}
