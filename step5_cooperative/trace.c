/*
 * trace.c: GOTRACE=name records what the scheduler does, event by event,
 * and at exit writes name.json, in the Trace Event Format that Perfetto
 * (ui.perfetto.dev) and chrome://tracing open, and name.svg, a timeline
 * a browser shows (trace_svg.c). Go: runtime/trace.go, and `go tool
 * trace` to look at what it wrote.
 *
 * Recording. Each M appends to a buffer of its own: a list of chunks that
 * never move, so no lock and no cache line shared with another M. A
 * chunk's count is stored (release) after its event is written; a reader
 * that loads it (acquire) sees whole events only, even while the Ms go
 * on running, as they do while exit's handlers run.
 *
 * Where we differ from Go, on purpose:
 * - Go's trace is started and stopped by the program (runtime/trace's
 *   Start and Stop, or `go test -trace=out`) and streamed to a writer in
 *   a compact binary form. Ours is on for the whole run when GOTRACE
 *   names a file, like GODEBUG, so that every program records without a
 *   change; it is kept in memory (32 bytes an event, MAX_CHUNKS at most)
 *   and written once, at exit.
 * - Go records system calls, the collector, network waits and the
 *   program's own regions; ours only the scheduler: goroutines made,
 *   run, stopped and readied, steals, timers, Ms asleep.
 * - A process that does not end by exit (a fatal error, Go's deadlock
 *   report, a signal) writes nothing: its two files stay empty.
 */
#include "trace.h"

#include "common.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    CHUNK_EVENTS = 1024,       /* 32 KiB a chunk */
    JSON_MAX_EVENTS = 200000,  /* about 25 MB: a browser opens it in
                                  seconds; the SVG shows the whole run */
    COST_SAMPLE = 100000,      /* events recorded to time one */
    MAX_CHUNKS = 8192,         /* 8,388,608 events, 256 MiB: then the
                                  recording stops (./step5 sieve, traced,
                                  passed it after 2 s of 5.7, measured) */
};

struct trace_chunk {
    _Atomic(struct trace_chunk *) next;
    atomic_size_t n;           /* ev[0..n) are written */
    struct trace_event ev[CHUNK_EVENTS];
};

/* One M's events (m->trace). Only that M writes them. */
struct trace_buf {
    struct trace_chunk *head, *tail;
    struct trace_buf *link;    /* next in state.bufs */
    bool counted;              /* its chunks count against MAX_CHUNKS */
    bool full;                 /* it got no more: records nothing */
};

struct trace_flag trace;

static struct {
    pthread_mutex_t lock;      /* guards bufs */
    struct trace_buf *bufs;    /* every M's buffer */
    int64_t start;             /* now_ns() at runtime start */
    pid_t pid;                 /* who records: a fork()ed child does not
                                  write its parent's trace */
    char *json_path, *svg_path;
    FILE *json, *svg;
    atomic_int chunks;         /* chunks given to Ms' buffers so far */
    _Atomic int64_t full_at;   /* when the first M got none (0: never) */
} state = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- Recording ------------------------------------------------------- */

/* Not calloc: the events need no zeroing (a chunk is 32 KiB). */
static struct trace_chunk *chunk_new(void)
{
    struct trace_chunk *c = malloc(sizeof *c);
    if (!c)
        fatal("out of memory (GOTRACE)");
    atomic_init(&c->next, NULL);
    atomic_init(&c->n, 0);
    return c;
}

static struct trace_buf *buf_new(void)
{
    struct trace_buf *b = calloc(1, sizeof *b);
    if (!b)
        fatal("out of memory (GOTRACE)");
    b->head = b->tail = chunk_new(); /* not counted: one per M at most */
    b->counted = true;
    pthread_mutex_lock(&state.lock);
    b->link = state.bufs;
    state.bufs = b;
    pthread_mutex_unlock(&state.lock);
    return b;
}

/* Append e, recorded by m (NULL: not an M) at `when`, to b. Only one
   thread appends to a given b. */
static void put(struct trace_buf *b, M *m, int64_t when,
                struct trace_event e)
{
    e.when = when;
    e.m = (int16_t)(m ? m->id : -1);
    e.p = (int16_t)(m && m->p ? m->p->id : -1);
    struct trace_chunk *c = b->tail;
    size_t n = atomic_load_explicit(&c->n, memory_order_relaxed);
    if (n == CHUNK_EVENTS) {
        if (b->full)
            return;
        if (b->counted && atomic_fetch_add(&state.chunks, 1) >= MAX_CHUNKS) {
            int64_t never = 0; /* the trace ends here, for every M */
            atomic_compare_exchange_strong(&state.full_at, &never, when);
            b->full = true;
            return;
        }
        struct trace_chunk *next = chunk_new();
        atomic_store_explicit(&c->next, next, memory_order_release);
        b->tail = c = next;
        n = 0;
    }
    c->ev[n] = e;
    atomic_store_explicit(&c->n, n + 1, memory_order_release);
}

/* Into the running M's buffer. A thread that is not an M records
   nothing: none of them readies a goroutine today. */
static void record(int64_t when, struct trace_event e)
{
    M *m = getm();
    if (!m)
        return;
    if (!m->trace)
        m->trace = buf_new();
    put(m->trace, m, when, e);
}

static int64_t goid(G *g)
{
    return g ? atomic_load_explicit(&g->id, memory_order_relaxed) : 0;
}

void trace_go_create(G *newg)
{
    record(now_ns(), (struct trace_event){.kind = TRACE_GO_CREATE,
                                          .g = goid(newg),
                                          .arg.g = goid(getg())});
}

/* One clock reading for both: from's run ends where to's begins. */
void trace_go_switch(G *from, G *to)
{
    int64_t now = now_ns();
    if (goid(from)) { /* 0: an M's g0 */
        struct trace_event e = {.kind = TRACE_GO_SCHED, .g = goid(from)};
        switch (atomic_load_explicit(&from->status, memory_order_relaxed)) {
        case G_WAITING:
            e.kind = TRACE_GO_PARK;
            e.arg.reason = atomic_load_explicit(&from->waitreason,
                                                memory_order_relaxed);
            break;
        case G_DEAD:
            e.kind = TRACE_GO_END;
            break;
        }
        record(now, e);
    }
    if (goid(to))
        record(now, (struct trace_event){.kind = TRACE_GO_START,
                                         .g = goid(to)});
}

void trace_go_ready(G *g)
{
    record(now_ns(), (struct trace_event){.kind = TRACE_GO_READY,
                                          .g = goid(g),
                                          .arg.g = goid(getg())});
}

void trace_steal(P *victim, G *g, int n)
{
    record(now_ns(), (struct trace_event){.kind = TRACE_STEAL,
                                          .g = goid(g),
                                          .arg.steal = {victim->id, n}});
}

void trace_timer(void)
{
    record(now_ns(), (struct trace_event){.kind = TRACE_TIMER});
}

void trace_m_park(void)
{
    record(now_ns(), (struct trace_event){.kind = TRACE_M_PARK});
}

void trace_m_wake(void)
{
    record(now_ns(), (struct trace_event){.kind = TRACE_M_WAKE});
}

/* ---- Reading --------------------------------------------------------- */

/* a before b? By time; one M's events with the same time stay in the
   order it recorded them (a run's end and the next one's start). */
static bool before(const struct trace_event *a, const struct trace_event *b)
{
    return a->when < b->when || (a->when == b->when && a->m < b->m);
}

/* ev[bounds[i] .. bounds[i + 1]) is sorted for each i < nruns (one M's
   events): merge the runs two by two until one is left. Stable. */
static void merge_runs(struct trace_event *ev, size_t n, size_t *bounds,
                       size_t nruns)
{
    struct trace_event *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        fatal("out of memory (GOTRACE)");
    while (nruns > 1) {
        size_t out = 0;
        for (size_t r = 0; r < nruns; r += 2) {
            size_t lo = bounds[r], mid = bounds[r + 1];
            size_t hi = r + 2 <= nruns ? bounds[r + 2] : mid;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = before(&ev[j], &ev[i]) ? ev[j++] : ev[i++];
            while (i < mid)
                tmp[k++] = ev[i++];
            while (j < hi)
                tmp[k++] = ev[j++];
            bounds[out++] = lo;
        }
        bounds[out] = n;
        nruns = out;
        memcpy(ev, tmp, n * sizeof *tmp);
    }
    free(tmp);
}

void trace_read(struct trace_events *t)
{
    t->start = state.start;
    t->end = now_ns();
    t->full_at = atomic_load(&state.full_at);
    if (t->full_at && t->full_at < t->end)
        t->end = t->full_at; /* after it, some Ms recorded, some not */
    t->nprocs = sched.nprocs;
    t->n = 0;
    size_t cap = CHUNK_EVENTS, nbounds = 0, capbounds = 8;
    t->ev = malloc(cap * sizeof *t->ev);
    size_t *bounds = malloc(capbounds * sizeof *bounds);
    if (!t->ev || !bounds)
        fatal("out of memory (GOTRACE)");
    pthread_mutex_lock(&state.lock);
    for (struct trace_buf *b = state.bufs; b; b = b->link) {
        if (nbounds + 2 > capbounds) {
            capbounds *= 2;
            bounds = realloc(bounds, capbounds * sizeof *bounds);
            if (!bounds)
                fatal("out of memory (GOTRACE)");
        }
        bounds[nbounds++] = t->n;
        for (struct trace_chunk *c = b->head; c;
             c = atomic_load_explicit(&c->next, memory_order_acquire)) {
            size_t n = atomic_load_explicit(&c->n, memory_order_acquire);
            if (t->n + n > cap) {
                cap = 2 * (t->n + n);
                t->ev = realloc(t->ev, cap * sizeof *t->ev);
                if (!t->ev)
                    fatal("out of memory (GOTRACE)");
            }
            for (size_t i = 0; i < n && c->ev[i].when <= t->end; i++)
                t->ev[t->n++] = c->ev[i];
        }
    }
    pthread_mutex_unlock(&state.lock);
    bounds[nbounds] = t->n;
    merge_runs(t->ev, t->n, bounds, nbounds);
    free(bounds);
}

/* ---- Runs, arrows, sleeps: what both pictures draw -------------------- */

void trace_walk(const struct trace_events *t, const struct trace_visitor *v)
{
    int nm = 1;
    int64_t ng = 1;
    for (size_t i = 0; i < t->n; i++) {
        if (t->ev[i].m >= nm)
            nm = t->ev[i].m + 1;
        if (t->ev[i].g >= ng)
            ng = t->ev[i].g + 1;
    }
    struct lane {          /* an M, as we go */
        int64_t g, start;  /* the G it runs (0: none), since */
        int p;
        int64_t asleep;    /* asleep since (0: awake) */
    } *lane = calloc((size_t)nm, sizeof *lane);
    struct readied {       /* a G readied, not yet running */
        int64_t when;      /* 0: not readied */
        int m;
    } *readied = calloc((size_t)ng, sizeof *readied);
    if (!lane || !readied)
        fatal("out of memory (GOTRACE)");
    for (size_t i = 0; i < t->n; i++) {
        const struct trace_event *e = &t->ev[i];
        struct lane *l = &lane[e->m];
        if (v->event)
            v->event(v->ctx, e);
        switch (e->kind) {
        case TRACE_GO_START:
            *l = (struct lane){e->g, e->when, e->p, l->asleep};
            if (readied[e->g].when && v->ready)
                v->ready(v->ctx, e->g, readied[e->g].m, readied[e->g].when,
                         e->m, e->when);
            readied[e->g].when = 0;
            break;
        case TRACE_GO_SCHED:
        case TRACE_GO_PARK:
        case TRACE_GO_END:
            if (l->g == e->g && v->run)
                v->run(v->ctx, e->m, l->p, e->g, l->start, e->when, e->kind,
                       e->kind == TRACE_GO_PARK ? e->arg.reason : NULL);
            l->g = 0;
            break;
        case TRACE_GO_READY:
            if (!readied[e->g].when)
                readied[e->g] = (struct readied){e->when, e->m};
            break;
        case TRACE_M_PARK:
            l->asleep = e->when;
            break;
        case TRACE_M_WAKE:
            if (l->asleep && v->asleep)
                v->asleep(v->ctx, e->m, l->asleep, e->when);
            l->asleep = 0;
            break;
        }
    }
    for (int m = 0; m < nm; m++) { /* what was still going on at the end */
        if (lane[m].g && v->run)
            v->run(v->ctx, m, lane[m].p, lane[m].g, lane[m].start, t->end,
                   TRACE_NKINDS, NULL);
        if (lane[m].asleep && v->asleep)
            v->asleep(v->ctx, m, lane[m].asleep, t->end);
    }
    free(lane);
    free(readied);
}

/* ---- The Trace Event Format ------------------------------------------ */

/*
 * One JSON object per line: {"traceEvents": [...]} with times in
 * microseconds since the start. A goroutine's run is a complete event
 * ("X") on its M's track; go() and steals are instants ("i"); a ready is
 * a flow ("s" where it happened, "f" bound to the run it led to); an M
 * asleep is an "X" named "asleep"; "M" events name the tracks.
 */
struct json {
    FILE *f;
    int64_t start;
    size_t written, max, left_out; /* events: written, cap, not */
    long flows;                  /* flow ids handed out */
};

static double us(const struct json *j, int64_t t)
{
    return (double)(t - j->start) / 1e3;
}

/* Begin one event's line, or return false if the cap is reached. */
static bool json_event(struct json *j)
{
    if (j->written == j->max) {
        j->left_out++;
        return false;
    }
    j->written++;
    fputs(",\n", j->f); /* after the track names: never the first */
    return true;
}

/* Why a run ended, in words (Go's wait reasons for a park). */
static const char *stop_reason(int kind, const char *reason)
{
    switch (kind) {
    case TRACE_GO_SCHED: return "gosched";
    case TRACE_GO_PARK: return reason ? reason : "park";
    case TRACE_GO_END: return "exit";
    }
    return "running at the end";
}

static void json_run(void *ctx, int m, int p, int64_t g, int64_t start,
                     int64_t end, int kind, const char *reason)
{
    struct json *j = ctx;
    if (json_event(j))
        fprintf(j->f, "{\"ph\":\"X\",\"name\":\"G%" PRId64 "\",\"cat\":"
                "\"run\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":1,\"tid\":%d,"
                "\"args\":{\"g\":%" PRId64 ",\"p\":%d,\"stop\":\"%s\"}}",
                g, us(j, start), (double)(end - start) / 1e3, m, g, p,
                stop_reason(kind, reason));
}

static void json_ready(void *ctx, int64_t g, int from_m, int64_t when,
                       int to_m, int64_t start)
{
    struct json *j = ctx;
    if (j->written + 2 > j->max) {
        j->left_out += 2;
        return;
    }
    long id = ++j->flows;
    json_event(j);
    fprintf(j->f, "{\"ph\":\"s\",\"name\":\"ready G%" PRId64 "\",\"cat\":"
            "\"ready\",\"id\":%ld,\"ts\":%.3f,\"pid\":1,\"tid\":%d}", g, id,
            us(j, when), from_m);
    json_event(j);
    fprintf(j->f, "{\"ph\":\"f\",\"bp\":\"e\",\"name\":\"ready G%" PRId64
            "\",\"cat\":\"ready\",\"id\":%ld,\"ts\":%.3f,\"pid\":1,"
            "\"tid\":%d}", g, id, us(j, start), to_m);
}

static void json_asleep(void *ctx, int m, int64_t start, int64_t end)
{
    struct json *j = ctx;
    if (json_event(j))
        fprintf(j->f, "{\"ph\":\"X\",\"name\":\"asleep\",\"cat\":\"idle\","
                "\"ts\":%.3f,\"dur\":%.3f,\"pid\":1,\"tid\":%d}",
                us(j, start), (double)(end - start) / 1e3, m);
}

static void json_instant(void *ctx, const struct trace_event *e)
{
    struct json *j = ctx;
    if (e->kind == TRACE_GO_CREATE && json_event(j))
        fprintf(j->f, "{\"ph\":\"i\",\"s\":\"t\",\"name\":\"go G%" PRId64
                "\",\"cat\":\"create\",\"ts\":%.3f,\"pid\":1,\"tid\":%d,"
                "\"args\":{\"g\":%" PRId64 ",\"by\":%" PRId64 "}}", e->g,
                us(j, e->when), e->m, e->g, e->arg.g);
    if (e->kind == TRACE_STEAL && json_event(j))
        fprintf(j->f, "{\"ph\":\"i\",\"s\":\"t\",\"name\":\"steal from P%d"
                "\",\"cat\":\"steal\",\"ts\":%.3f,\"pid\":1,\"tid\":%d,"
                "\"args\":{\"g\":%" PRId64 ",\"n\":%d,\"from\":%d}}",
                e->arg.steal.victim, us(j, e->when), e->m, e->g,
                e->arg.steal.n, e->arg.steal.victim);
    if (e->kind == TRACE_TIMER && json_event(j)) /* a slice: flows bind */
        fprintf(j->f, "{\"ph\":\"X\",\"name\":\"timer fired\",\"cat\":"
                "\"timer\",\"ts\":%.3f,\"dur\":0,\"pid\":1,\"tid\":%d}",
                us(j, e->when), e->m);
}

void trace_write_json(const struct trace_events *t, FILE *f,
                      size_t max_events)
{
    struct json j = {f, t->start, 0, max_events, 0, 0};
    /* The tracks first: the process, and one per M, in order. */
    fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
            "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,"
            "\"args\":{\"name\":\"%s, GOMAXPROCS=%d\"}}", program_name(),
            t->nprocs);
    int nm = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->ev[i].m >= nm)
            nm = t->ev[i].m + 1;
    for (int m = 0; m < nm; m++)
        fprintf(f, ",\n{\"ph\":\"M\",\"name\":\"thread_name\","
                "\"pid\":1,\"tid\":%d,\"args\":{\"name\":\"M%d\"}},\n"
                "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":1,"
                "\"tid\":%d,\"args\":{\"sort_index\":%d}}", m, m, m, m);
    trace_walk(t, &(struct trace_visitor){
                      &j, json_run, json_ready, json_asleep, json_instant});
    fprintf(f, "\n],\"otherData\":{\"duration_us\":\"%.3f\","
            "\"events\":\"%zu\",\"left_out\":\"%zu\"}}\n",
            us(&j, t->end), j.written, j.left_out);
}

/* ---- At exit --------------------------------------------------------- */

/* What one event costs to record, measured now: COST_SAMPLE of them
   through the same path as a hook, into a buffer that is thrown away. */
static double cost_per_event(void)
{
    struct trace_buf scratch = {.head = chunk_new()};
    scratch.tail = scratch.head;
    int64_t start = now_ns();
    for (int i = 0; i < COST_SAMPLE; i++)
        put(&scratch, getm(), now_ns(),
            (struct trace_event){.kind = TRACE_TIMER});
    double ns = (double)(now_ns() - start) / COST_SAMPLE;
    for (struct trace_chunk *c = scratch.head, *next; c; c = next) {
        next = atomic_load(&c->next);
        free(c);
    }
    return ns;
}

static void trace_at_exit(void)
{
    if (getpid() != state.pid)
        return;
    struct trace_events t;
    trace_read(&t);
    double cost = cost_per_event(); /* after the end: not in the picture */
    trace_write_json(&t, state.json, JSON_MAX_EVENTS);
    trace_write_svg(&t, state.svg);
    bool failed = ferror(state.json) || ferror(state.svg);
    failed = fclose(state.json) != 0 || failed;
    failed = fclose(state.svg) != 0 || failed;
    int nm = 0;
    for (size_t i = 0; i < t.n; i++)
        if (t.ev[i].m >= nm)
            nm = t.ev[i].m + 1;
    char size[32];
    if (t.full_at)
        fprintf(stderr, "GOTRACE: more than %d events: recording stopped "
                "%.1f ms after the start\n", MAX_CHUNKS * CHUNK_EVENTS,
                (double)(t.full_at - t.start) / 1e6);
    fprintf(stderr, "GOTRACE: %zu events from %d Ms in %.1f ms, %s "
            "(%zu bytes each); recording one took %.0f ns (measured at "
            "exit); %s %s and %s\n", t.n, nm, (double)(t.end - t.start) / 1e6,
            format_bytes((double)(t.n * sizeof *t.ev), size),
            sizeof *t.ev, cost, failed ? "could not write" : "wrote",
            state.json_path, state.svg_path);
    free(t.ev);
}

/* name + suffix, created now: a bad name fails at once, not at exit. */
static FILE *create_output(const char *name, const char *suffix,
                           char **path)
{
    size_t len = strlen(name) + strlen(suffix) + 1;
    *path = malloc(len);
    if (!*path)
        fatal("out of memory (GOTRACE)");
    snprintf(*path, len, "%s%s", name, suffix);
    FILE *f = fopen(*path, "w");
    if (!f)
        usage_error("GOTRACE: cannot create '%s': %s", *path,
                    strerror(errno));
    return f;
}

void trace_start(void)
{
    const char *name = getenv("GOTRACE");
    if (!name || !*name) /* set but empty: unset, as GOMAXPROCS */
        return;
    state.start = now_ns();
    state.pid = getpid();
    state.json = create_output(name, ".json", &state.json_path);
    state.svg = create_output(name, ".svg", &state.svg_path);
    trace.enabled = true;
    atexit(trace_at_exit);
    /* Goroutine 1 runs already: its first run starts now. */
    record(state.start, (struct trace_event){.kind = TRACE_GO_START,
                                             .g = goid(getg())});
}
