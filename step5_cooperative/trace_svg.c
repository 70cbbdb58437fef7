/*
 * trace_svg.c: GOTRACE's picture (trace.c records), an SVG file that any
 * browser shows. Go's counterpart is the timeline of `go tool trace`,
 * a web page its own program serves; ours is one file, no dependency.
 *
 *   one lane per M, labelled with the Ps it held; time across
 *   a goroutine's run   a box in the goroutine's own colour, its id inside
 *                       when it fits; a mark where it stopped, by reason
 *   an arrow            from where a goroutine was readied to the start
 *                       of its next run (grey), or from the M that held
 *                       the P robbed to the thief (red, dashed: a steal)
 *   a thin grey line    the M asleep (stopm)
 *
 * Up to WHOLE_MAX_RUNS runs, the whole run is drawn so. Beyond, a box per
 * run would be thinner than a pixel and the file grow with the program:
 * the whole run is drawn as shades instead (how much of each column of
 * time each M spent running goroutines), followed by DETAIL_RUNS runs
 * drawn in full (detail_window says which). The picture says which it shows.
 * Its size is then bounded by lanes x columns, whatever the program did:
 * under a few MB even at GOMAXPROCS=256 with a million goroutines.
 */
#include "trace.h"

#include "common.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
    WIDTH = 1200,          /* pixels */
    PLOT_X = 110,          /* time 0 is drawn here (lane names left) */
    PLOT_W = 1070,         /* and the end of the window here + PLOT_W */
    COLUMNS = PLOT_W / 2,  /* shades: 2 pixels of time each */
    SHADES = 4,            /* levels of busy (0 is not drawn) */
    WHOLE_MAX_RUNS = 2000, /* more: shades, and a detail */
    DETAIL_RUNS = 150,
    MIN_RUN_PX = 2,        /* a run of a microsecond is drawn this wide */
    MAX_REASONS = 8,       /* wait reasons with a colour of their own */
};

/* Marks for the wait reasons, in order of first appearance. */
static const char *const reason_colour[MAX_REASONS] = {
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
};

struct svg {
    FILE *f;
    const struct trace_events *t;
    int nm;              /* Ms: 0 .. nm - 1 */
    int *row;            /* M -> its lane (-1: recorded nothing) */
    int nlanes;
    int lane_h;          /* pixels */
    int64_t a, b;        /* the window drawn: [a, b] */
    int top;             /* the current panel's first lane */
    const char *reasons[MAX_REASONS]; /* wait reasons seen */
    int nreasons;
    int holder[256 + 1]; /* P -> the M that ran its last G (steals) */
    /* shades: busy[lane * COLUMNS + column], ns; steals likewise */
    int64_t *busy;
    int *steals;
};

/* ---- Coordinates and words ------------------------------------------- */

static double x_of(const struct svg *s, int64_t t)
{
    if (t < s->a)
        t = s->a;
    if (t > s->b)
        t = s->b;
    return PLOT_X + (double)(t - s->a) * PLOT_W / (double)(s->b - s->a);
}

static int y_of(const struct svg *s, int m)
{
    return s->top + s->row[m] * s->lane_h;
}

/* t nanoseconds as "12.5 ms": in the largest unit not above unit, with
   as many decimals as a difference of step needs. */
static void put_time(FILE *f, int64_t t, int64_t unit, int64_t step)
{
    static const struct {
        int64_t ns;
        const char *name;
    } units[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "µs"}, {1, "ns"}};
    int u = 0;
    while (units[u].ns > unit && units[u].ns > 1)
        u++;
    int decimals = 0;
    for (int64_t d = units[u].ns; d > step && decimals < 6; d /= 10)
        decimals++;
    fprintf(f, "%.*f %s", decimals, (double)t / (double)units[u].ns,
            units[u].name);
}

/* A tick spacing of 1, 2 or 5 times a power of ten: about 8 ticks. */
static int64_t tick_step(int64_t span)
{
    int64_t step = 1;
    while (step * 10 <= span / 8)
        step *= 10;
    if (step * 5 <= span / 8)
        return step * 5;
    if (step * 2 <= span / 8)
        return step * 2;
    return step;
}

static void put_xml(FILE *f, const char *text)
{
    for (; *text; text++)
        switch (*text) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*text, f);
        }
}

/* A goroutine's colour: hues spread by the golden angle, so that
   goroutines with neighbouring ids differ. */
static int hue(int64_t g)
{
    return (int)((g * 137) % 360);
}

static int reason_index(struct svg *s, const char *reason)
{
    for (int i = 0; i < s->nreasons; i++)
        if (strcmp(s->reasons[i], reason) == 0)
            return i;
    if (s->nreasons < MAX_REASONS) {
        s->reasons[s->nreasons] = reason;
        return s->nreasons++;
    }
    return MAX_REASONS - 1; /* the rest share the last colour */
}

/* ---- Marks, for runs and for the legend ------------------------------- */

/* The mark of a run's end at (x, y): y is the lane's bottom. */
static void put_stop_mark(struct svg *s, double x, int y, int kind,
                          const char *reason)
{
    switch (kind) {
    case TRACE_GO_SCHED: /* a triangle: back to the queue */
        fprintf(s->f, "<path class=\"gosched\" d=\"M%.1f %dl-3 5h6z\"/>\n",
                x, y - 5);
        break;
    case TRACE_GO_PARK: /* a dot in the colour of its wait reason */
        fprintf(s->f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"2.5\" "
                "fill=\"%s\"/>\n", x, y - 3,
                reason_colour[reason_index(s, reason ? reason : "park")]);
        break;
    case TRACE_GO_END: /* a square: gone */
        fprintf(s->f, "<rect class=\"exit\" x=\"%.1f\" y=\"%d\" width=\"5\""
                " height=\"5\"/>\n", x - 2.5, y - 5);
        break;
    }
}

static void put_timer_mark(FILE *f, double x, int y)
{
    fprintf(f, "<path class=\"timer\" d=\"M%.1f %dl3 3l-3 3l-3 -3z\"/>\n",
            x, y);
}

/* ---- A panel in full: every run, mark and arrow ----------------------- */

static void full_run(void *ctx, int m, int p, int64_t g, int64_t start,
                     int64_t end, int kind, const char *reason)
{
    struct svg *s = ctx;
    if (end < s->a || start > s->b)
        return;
    double x = x_of(s, start), w = x_of(s, end) - x;
    if (w < MIN_RUN_PX) { /* wider than it lasted, but visible */
        w = MIN_RUN_PX;
        if (x + w > PLOT_X + PLOT_W)
            x = PLOT_X + PLOT_W - w;
    }
    int y = y_of(s, m);
    fprintf(s->f, "<rect class=\"run\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
            "height=\"%d\" fill=\"hsl(%d,65%%,72%%)\"><title>G%" PRId64
            " on M%d, P%d: ", x, y + 2, w, s->lane_h - 4, hue(g), g, m, p);
    put_time(s->f, end - start, end - start, (end - start) / 100);
    fputs(kind == TRACE_NKINDS ? ", still running at the end" : ", then ",
          s->f);
    if (kind == TRACE_GO_SCHED)
        fputs("gosched", s->f);
    if (kind == TRACE_GO_END)
        fputs("exit", s->f);
    if (kind == TRACE_GO_PARK)
        put_xml(s->f, reason ? reason : "park");
    fputs("</title></rect>\n", s->f);
    int digits = snprintf(NULL, 0, "%" PRId64, g);
    if (w >= 6.5 * digits + 4 && s->lane_h >= 12)
        fprintf(s->f, "<text class=\"id\" x=\"%.1f\" y=\"%d\">%" PRId64
                "</text>\n", x + w / 2, y + s->lane_h / 2 + 4, g);
    if (end <= s->b)
        put_stop_mark(s, x + w, y + s->lane_h, kind, reason);
}

static void full_asleep(void *ctx, int m, int64_t start, int64_t end)
{
    struct svg *s = ctx;
    if (end < s->a || start > s->b)
        return;
    double x = x_of(s, start);
    fprintf(s->f, "<rect class=\"asleep\" x=\"%.1f\" y=\"%d\" width=\"%.1f\""
            " height=\"2\"/>\n", x, y_of(s, m) + s->lane_h / 2 - 1,
            x_of(s, end) - x);
}

/* An arrow from (x1, y1) to (x2, y2); within one lane, an arc above it. */
static void put_arrow(struct svg *s, const char *class, double x1, int y1,
                      double x2, int y2)
{
    if (y1 == y2)
        fprintf(s->f, "<path class=\"%s\" d=\"M%.1f %dQ%.1f %d %.1f %d\"/>\n",
                class, x1, y1, (x1 + x2) / 2, y1 - s->lane_h, x2, y2);
    else
        fprintf(s->f, "<path class=\"%s\" d=\"M%.1f %dL%.1f %d\"/>\n", class,
                x1, y1, x2, y2);
}

static void full_ready(void *ctx, int64_t g, int from_m, int64_t when,
                       int to_m, int64_t start)
{
    struct svg *s = ctx;
    (void)g;
    if (when < s->a || start > s->b)
        return;
    put_arrow(s, "ready", x_of(s, when), y_of(s, from_m) + 3,
              x_of(s, start), y_of(s, to_m) + 3);
}

/* Timers and steals; and who holds which P, for the steals' arrows. */
static void full_event(void *ctx, const struct trace_event *e)
{
    struct svg *s = ctx;
    if (e->kind == TRACE_GO_START && e->p >= 0 && e->p <= 256)
        s->holder[e->p] = e->m;
    if (e->when < s->a || e->when > s->b)
        return;
    double x = x_of(s, e->when);
    if (e->kind == TRACE_TIMER)
        put_timer_mark(s->f, x, y_of(s, e->m) + 1);
    if (e->kind == TRACE_STEAL) {
        int victim = s->holder[e->arg.steal.victim];
        int y = y_of(s, e->m) + s->lane_h / 2;
        if (victim >= 0 && victim != e->m)
            put_arrow(s, "steal", x, y_of(s, victim) + s->lane_h / 2, x, y);
        fprintf(s->f, "<text class=\"steal\" x=\"%.1f\" y=\"%d\">&#8592;P%d"
                "<title>stole G%" PRId64 " and %d more from P%d</title>"
                "</text>\n", x + 2, y_of(s, e->m) + s->lane_h - 2,
                e->arg.steal.victim, e->g, e->arg.steal.n - 1,
                e->arg.steal.victim);
    }
}

static void draw_full(struct svg *s)
{
    for (int p = 0; p <= 256; p++)
        s->holder[p] = -1;
    trace_walk(s->t, &(struct trace_visitor){s, full_run, NULL, full_asleep,
                                             NULL});
    /* Arrows and marks above the boxes: a second walk. */
    for (int p = 0; p <= 256; p++)
        s->holder[p] = -1;
    trace_walk(s->t, &(struct trace_visitor){s, NULL, full_ready, NULL,
                                             full_event});
}

/* ---- A panel in shades: the share of time spent running --------------- */

static int column_of(const struct svg *s, int64_t t)
{
    int c = (int)((t - s->a) * COLUMNS / (s->b - s->a + 1));
    return c < 0 ? 0 : c >= COLUMNS ? COLUMNS - 1 : c;
}

static void shade_run(void *ctx, int m, int p, int64_t g, int64_t start,
                      int64_t end, int kind, const char *reason)
{
    struct svg *s = ctx;
    (void)p, (void)g, (void)kind, (void)reason;
    int64_t width = (s->b - s->a + 1 + COLUMNS - 1) / COLUMNS;
    int64_t *busy = &s->busy[s->row[m] * COLUMNS];
    for (int c = column_of(s, start); c <= column_of(s, end); c++) {
        int64_t lo = s->a + c * width, hi = lo + width;
        int64_t from = start > lo ? start : lo, to = end < hi ? end : hi;
        if (to > from)
            busy[c] += to - from;
    }
}

static void shade_event(void *ctx, const struct trace_event *e)
{
    struct svg *s = ctx;
    if (e->kind == TRACE_STEAL)
        s->steals[s->row[e->m] * COLUMNS + column_of(s, e->when)]++;
}

/* One path per lane and shade: adjacent columns of a shade merge. */
static void draw_shades(struct svg *s)
{
    size_t cells = (size_t)s->nlanes * COLUMNS;
    s->busy = calloc(cells, sizeof *s->busy);
    s->steals = calloc(cells, sizeof *s->steals);
    if (!s->busy || !s->steals)
        fatal("out of memory (GOTRACE)");
    trace_walk(s->t, &(struct trace_visitor){s, shade_run, NULL, NULL,
                                             shade_event});
    int64_t width = (s->b - s->a + 1 + COLUMNS - 1) / COLUMNS;
    for (int lane = 0; lane < s->nlanes; lane++) {
        int y = s->top + lane * s->lane_h + 1;
        for (int level = 1; level <= SHADES; level++) {
            fprintf(s->f, "<path class=\"busy\" fill-opacity=\"%.2f\" d=\"",
                    (double)level / SHADES);
            for (int c = 0; c < COLUMNS;) {
                int64_t b = s->busy[lane * COLUMNS + c];
                int at = (int)((b * SHADES + width - 1) / width);
                int n = 1;
                while (at == level && c + n < COLUMNS &&
                       (s->busy[lane * COLUMNS + c + n] * SHADES + width -
                        1) / width == level)
                    n++;
                if (at == level)
                    fprintf(s->f, "M%d %dh%dv%dh-%dz", PLOT_X + 2 * c, y,
                            2 * n, s->lane_h - 2, 2 * n);
                c += n;
            }
            fputs("\"/>\n", s->f);
        }
        fputs("<path class=\"steal-tick\" d=\"", s->f);
        for (int c = 0; c < COLUMNS; c++)
            if (s->steals[lane * COLUMNS + c])
                fprintf(s->f, "M%d %dv%d", PLOT_X + 2 * c + 1, y - 1,
                        s->lane_h < 8 ? s->lane_h : 8);
        fputs("\"/>\n", s->f);
    }
    free(s->busy);
    free(s->steals);
}

/* ---- Lanes, axis, legend ---------------------------------------------- */

/* The lanes' backgrounds and names: M, then the Ps it held. */
static void draw_lanes(struct svg *s, const uint64_t (*held)[4], bool ids)
{
    int every = s->lane_h >= 10 ? 1 : (10 + s->lane_h - 1) / s->lane_h;
    for (int m = 0; m < s->nm; m++) {
        if (s->row[m] < 0)
            continue;
        int y = y_of(s, m);
        fprintf(s->f, "<rect class=\"lane\"%s%d%s x=\"0\" y=\"%d\" "
                "width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
                ids ? " id=\"lane-M" : " data-m=\"", m, "\"", y, WIDTH,
                s->lane_h, s->row[m] % 2 ? "#ffffff" : "#f2f2f2");
        if (s->row[m] % every)
            continue;
        fprintf(s->f, "<text class=\"name\" x=\"4\" y=\"%d\">M%d",
                y + (s->lane_h < 12 ? s->lane_h : s->lane_h / 2 + 4), m);
        int shown = 0;
        for (int p = 0; p < 256; p++)
            if (held[m][p / 64] >> (p % 64) & 1) {
                if (shown++ < 3)
                    fprintf(s->f, " P%d", p);
                else if (shown == 4)
                    fputs(" ...", s->f);
            }
        fputs("</text>\n", s->f);
    }
}

/* The axis under the lanes, in time since the window's start. */
static void draw_axis(struct svg *s, int y)
{
    int64_t step = tick_step(s->b - s->a);
    fprintf(s->f, "<path class=\"axis\" d=\"M%d %dh%d\"/>\n", PLOT_X, y,
            PLOT_W);
    for (int64_t t = 0; s->a + t <= s->b; t += step) {
        double x = x_of(s, s->a + t);
        fprintf(s->f, "<path class=\"axis\" d=\"M%.1f %dv5\"/>"
                "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%s", x, y, x,
                y + 16, t && s->a > s->t->start ? "+" : "");
        put_time(s->f, t, step, step);
        fputs("</text>\n", s->f);
    }
}

/* A line of the legend: a mark drawn by put, then words. */
static int legend_item(struct svg *s, int x, int y, const char *words)
{
    fprintf(s->f, "<text class=\"legend\" x=\"%d\" y=\"%d\">", x + 12, y);
    put_xml(s->f, words);
    fputs("</text>\n", s->f);
    return x + 12 + 7 * (int)strlen(words) + 16;
}

static int draw_legend(struct svg *s, int y, bool full)
{
    int x = PLOT_X;
    fprintf(s->f, "<text class=\"legend\" x=\"4\" y=\"%d\">run ends:</text>\n",
            y);
    put_stop_mark(s, x + 4, y + 2, TRACE_GO_SCHED, NULL);
    x = legend_item(s, x, y, "gosched");
    put_stop_mark(s, x + 4, y + 2, TRACE_GO_END, NULL);
    x = legend_item(s, x, y, "exit");
    for (int i = 0; i < s->nreasons; i++) {
        if (x > WIDTH - 150) {
            x = PLOT_X;
            y += 18;
        }
        put_stop_mark(s, x + 4, y + 2, TRACE_GO_PARK, s->reasons[i]);
        x = legend_item(s, x, y, i == MAX_REASONS - 1 ? "park (other)"
                                                      : s->reasons[i]);
    }
    y += 20;
    x = PLOT_X;
    put_arrow(s, "ready", x - 10, y - 4, x + 8, y - 4 + 1);
    x = legend_item(s, x, y, "readied by (arrow to its next run)");
    put_arrow(s, "steal", x - 4, y - 12, x - 4, y);
    x = legend_item(s, x, y, "steal, from the P named");
    put_timer_mark(s->f, x + 4, y - 8);
    x = legend_item(s, x, y, "timer fired");
    fprintf(s->f, "<rect class=\"asleep\" x=\"%d\" y=\"%d\" width=\"10\" "
            "height=\"2\"/>\n", x - 2, y - 5);
    legend_item(s, x, y, "M asleep");
    if (!full) {
        y += 20;
        fprintf(s->f, "<rect class=\"busy\" x=\"%d\" y=\"%d\" width=\"10\" "
                "height=\"10\"/>\n", PLOT_X - 2, y - 9);
        legend_item(s, PLOT_X, y, "shade: share of the column's time the M "
                                  "ran goroutines (whole run); red tick: "
                                  "a steal");
    }
    return y + 10;
}

/*
 * The window of the detail: DETAIL_RUNS runs, starting a third of them
 * before the first steal (how work moves to another P: ping-pong), or
 * from the middle of the run if nothing was stolen. True if it shows a
 * steal.
 */
static bool detail_window(struct svg *s, size_t runs)
{
    const struct trace_events *t = s->t;
    size_t k = 0, from = runs / 2;
    bool steal = false;
    for (size_t i = 0; i < t->n && !steal; i++) {
        if (t->ev[i].kind == TRACE_STEAL) {
            from = k > DETAIL_RUNS / 3 ? k - DETAIL_RUNS / 3 : 0;
            steal = true;
        }
        k += t->ev[i].kind == TRACE_GO_START;
    }
    s->b = t->end;
    k = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->ev[i].kind != TRACE_GO_START)
            continue;
        if (k == from)
            s->a = t->ev[i].when;
        if (k == from + DETAIL_RUNS)
            s->b = t->ev[i].when;
        k++;
    }
    if (s->b <= s->a)
        s->b = s->a + 1;
    return steal;
}

/* 1234567 as "1,234,567". Returns buf. */
static char *with_commas(int64_t n, char buf[static 32])
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%" PRId64, n), out = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            buf[out++] = ',';
        buf[out++] = digits[i];
    }
    buf[out] = '\0';
    return buf;
}

/* ---- The file ---------------------------------------------------------- */

static void panel_title(struct svg *s, int y, const char *what)
{
    int64_t from = s->a - s->t->start, to = s->b - s->t->start;
    fprintf(s->f, "<text class=\"panel\" x=\"4\" y=\"%d\">%s ", y, what);
    put_time(s->f, from, to, (to - from) / 100);
    fputs(" to ", s->f);
    put_time(s->f, to, to, (to - from) / 100);
    fputs("</text>\n", s->f);
}

void trace_write_svg(const struct trace_events *t, FILE *f)
{
    struct svg s = {.f = f, .t = t, .a = t->start, .b = t->end};
    if (s.b <= s.a)
        s.b = s.a + 1;
    /* The lanes: each M that recorded anything; the Ps it held. */
    for (size_t i = 0; i < t->n; i++)
        if (t->ev[i].m >= s.nm)
            s.nm = t->ev[i].m + 1;
    s.row = malloc((size_t)(s.nm ? s.nm : 1) * sizeof *s.row);
    uint64_t(*held)[4] = calloc((size_t)(s.nm ? s.nm : 1), sizeof *held);
    if (!s.row || !held)
        fatal("out of memory (GOTRACE)");
    size_t runs = 0;
    for (int m = 0; m < s.nm; m++)
        s.row[m] = -1;
    for (size_t i = 0; i < t->n; i++) {
        const struct trace_event *e = &t->ev[i];
        s.row[e->m] = 0;
        if (e->p >= 0)
            held[e->m][e->p / 64] |= 1ULL << (e->p % 64);
        runs += e->kind == TRACE_GO_START;
    }
    for (int m = 0; m < s.nm; m++)
        if (s.row[m] == 0)
            s.row[m] = s.nlanes++;
    s.lane_h = s.nlanes <= 12 ? 26 : 312 / s.nlanes < 4 ? 4 : 312 / s.nlanes;
    bool full = runs <= WHOLE_MAX_RUNS;
    int lanes_h = s.nlanes * s.lane_h;
    int height = 60 + lanes_h + 40 + (full ? 0 : 30 + lanes_h + 40) + 140;

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
            "font-size=\"11\">\n", WIDTH, height, WIDTH, height);
    fputs("<style>\n"
          ".run{stroke:#333;stroke-width:0.3}\n"
          ".id{text-anchor:middle;font-size:10px}\n"
          ".name{font-weight:bold}\n"
          ".panel{font-weight:bold;font-size:12px}\n"
          ".gosched,.exit{fill:#000}\n"
          ".timer{fill:#ff8c00;stroke:#000;stroke-width:0.3}\n"
          ".ready{fill:none;stroke:#444;stroke-width:0.6;"
          "stroke-opacity:0.7;marker-end:url(#head)}\n"
          ".steal{fill:none;stroke:#d00;stroke-width:1;"
          "stroke-dasharray:3 2;marker-end:url(#steal-head)}\n"
          "text.steal{fill:#d00;stroke:none;font-size:9px}\n"
          ".steal-tick{stroke:#d00;stroke-width:1}\n"
          ".asleep{fill:#999}\n"
          ".busy{fill:#2a6fb0}\n"
          ".axis{stroke:#000;fill:none}\n"
          ".tick{text-anchor:middle;font-size:10px}\n"
          "</style>\n"
          "<defs><marker id=\"head\" viewBox=\"0 0 6 6\" refX=\"6\" "
          "refY=\"3\" markerWidth=\"5\" markerHeight=\"5\" orient=\"auto\">"
          "<path d=\"M0 0L6 3L0 6z\" fill=\"#444\"/></marker>"
          "<marker id=\"steal-head\" viewBox=\"0 0 6 6\" refX=\"6\" "
          "refY=\"3\" markerWidth=\"6\" markerHeight=\"6\" "
          "orient=\"auto\"><path d=\"M0 0L6 3L0 6z\" fill=\"#d00\"/>"
          "</marker></defs>\n"
          "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n", f);
    fputs("<text class=\"panel\" x=\"4\" y=\"18\">", f);
    put_xml(f, program_name());
    char count[32];
    fprintf(f, ", GOMAXPROCS=%d: %s goroutine runs on %d Ms (GOTRACE, "
            "step5_cooperative/trace.c)%s</text>\n", t->nprocs,
            with_commas((int64_t)runs, count), s.nlanes,
            t->full_at ? "; recording stopped here: more events than "
                         "GOTRACE keeps"
                       : "");

    s.top = 50;
    if (full) {
        panel_title(&s, 40, "the whole run, every goroutine's run:");
        draw_lanes(&s, held, true);
        draw_full(&s);
    } else {
        panel_title(&s, 40, "the whole run, in shades (too many runs to "
                            "draw each):");
        draw_lanes(&s, held, true);
        draw_shades(&s);
    }
    int y = s.top + lanes_h;
    draw_axis(&s, y);
    if (!full) { /* DETAIL_RUNS runs in full: see detail_window */
        bool steal = detail_window(&s, runs);
        /* Where the detail lies, on the whole run's axis. */
        struct svg whole = s;
        whole.a = t->start;
        whole.b = t->end;
        fprintf(f, "<path class=\"axis\" stroke-width=\"3\" "
                "d=\"M%.1f %dH%.1f\"/>\n", x_of(&whole, s.a), y + 1,
                x_of(&whole, s.b) + 1);
        s.top = y + 60;
        char title[128];
        snprintf(title, sizeof title, "detail: %d of the %s runs, %s "
                 "(thick on the axis above),", DETAIL_RUNS,
                 with_commas((int64_t)runs, count),
                 steal ? "from just before the first steal"
                       : "from the middle of the run");
        panel_title(&s, s.top - 10, title);
        draw_lanes(&s, held, false);
        draw_full(&s);
        y = s.top + lanes_h;
        draw_axis(&s, y);
    }
    draw_legend(&s, y + 40, full);
    fputs("</svg>\n", f);
    free(s.row);
    free(held);
}
