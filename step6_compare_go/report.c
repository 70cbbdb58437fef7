/* report.c: see report.h. */
#include "report.h"

#include "common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const side_name[SIDES] = {"threads", "ours", "Go"};

void series_add(struct series *s, double v)
{
    if (s->n < MAX_RUNS)
        s->v[s->n++] = v;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double series_median(const struct series *s)
{
    if (s->n == 0)
        return 0;
    double sorted[MAX_RUNS];
    memcpy(sorted, s->v, sizeof(double) * (size_t)s->n);
    qsort(sorted, (size_t)s->n, sizeof(double), compare_doubles);
    int mid = s->n / 2;
    return s->n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

double series_min(const struct series *s)
{
    double m = s->n ? s->v[0] : 0;
    for (int i = 1; i < s->n; i++)
        m = s->v[i] < m ? s->v[i] : m;
    return m;
}

double series_max(const struct series *s)
{
    double m = s->n ? s->v[0] : 0;
    for (int i = 1; i < s->n; i++)
        m = s->v[i] > m ? s->v[i] : m;
    return m;
}

double row_ratio(const struct row *r, enum side side)
{
    double mine = series_median(&r->value[side]);
    double go = series_median(&r->value[GO]);
    if (r->failed || r->value[side].n == 0 || r->value[GO].n == 0 ||
        go <= 0)
        return 0;
    return mine / go;
}

char *format_figure(double v, char buf[static 32])
{
    const char *fmt = v >= 99.95 ? "%.0f" : v >= 9.995 ? "%.1f" : "%.2f";
    snprintf(buf, 32, fmt, v);
    return buf;
}

/* "median [min-max]" of a series, "-" if it was not run. */
static char *format_cell(const struct row *r, enum side side,
                         char buf[static 100])
{
    const struct series *s = &r->value[side];
    char med[32], lo[32], hi[32];
    if (s->n == 0)
        snprintf(buf, 100, "-");
    else if (s->n == 1)
        snprintf(buf, 100, "%s", format_figure(series_median(s), med));
    else
        snprintf(buf, 100, "%s [%s-%s]", format_figure(series_median(s), med),
                 format_figure(series_min(s), lo),
                 format_figure(series_max(s), hi));
    return buf;
}

static char *format_ratio(const struct row *r, char buf[static 32])
{
    double ratio = row_ratio(r, OURS);
    if (r->failed)
        snprintf(buf, 32, "FAILED");
    else if (ratio > 0)
        format_figure(ratio, buf);
    else
        snprintf(buf, 32, "-");
    return buf;
}

static char *format_rss(const struct row *r, enum side side,
                        char buf[static 32])
{
    if (r->rss[side].n == 0)
        snprintf(buf, 32, "-");
    else
        format_bytes(series_median(&r->rss[side]), buf);
    return buf;
}

/* One row, in the terminal's aligned columns or as Markdown. */
static void write_row(FILE *f, const struct row *r, bool markdown)
{
    const char *fmt =
        markdown ? "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n"
                 : "%-34s %2d  %-22s %-22s %-22s %-7s  %-9s %-9s %s\n";
    char cell[SIDES][100], ratio[32], rss[SIDES][32];
    for (int s = 0; s < SIDES; s++) {
        format_cell(r, s, cell[s]);
        format_rss(r, s, rss[s]);
    }
    fprintf(f, fmt, r->label, r->procs, cell[THREADS], cell[OURS], cell[GO],
            format_ratio(r, ratio), rss[THREADS], rss[OURS], rss[GO]);
}

void write_table_header(FILE *f)
{
    fprintf(f, "%-34s %2s  %-22s %-22s %-22s %-7s  %-9s %-9s %s\n",
            "workload (lower is better)", "P", "threads", "ours", "Go",
            "ours/Go", "RSS thr.", "RSS ours", "RSS Go");
}

void write_table_row(FILE *f, const struct row *r)
{
    write_row(f, r, false);
}

void write_table(FILE *f, const struct row *rows, int n)
{
    write_table_header(f);
    for (int i = 0; i < n; i++)
        write_row(f, &rows[i], false);
}

void write_markdown_table(FILE *f, const struct row *rows, int n)
{
    fprintf(f, "| workload (lower is better) | P | threads | ours | Go "
               "| ours/Go | peak RSS threads | peak RSS ours | peak RSS Go "
               "|\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (int i = 0; i < n; i++)
        write_row(f, &rows[i], true);
}

double svg_x(double ratio, double lo, double hi)
{
    return SVG_LEFT + SVG_PLOT_WIDTH * log10(ratio / lo) / log10(hi / lo);
}

void svg_range(const struct row *rows, int n, double *lo, double *hi)
{
    *lo = 0.1;
    *hi = 10;
    for (int i = 0; i < n; i++)
        for (int s = THREADS; s <= OURS; s++) {
            double ratio = row_ratio(&rows[i], s);
            while (ratio > 0 && ratio < *lo)
                *lo /= 10;
            while (ratio > *hi)
                *hi *= 10;
        }
}

enum { SVG_TOP = 50, SVG_ROW = 34, SVG_BAR = 12 };

/* The grid: a labelled line at 1, 2 and 5 times each power of 10. */
static void svg_grid(FILE *f, double lo, double hi, int bottom)
{
    for (double decade = lo; decade < hi * 1.001; decade *= 10)
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) {
            double tick = decade * m;
            if (tick > hi * 1.001)
                break;
            double x = svg_x(tick, lo, hi);
            fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                       "stroke=\"#ddd\"/>\n", x, SVG_TOP - 8, x, bottom);
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                       "%g</text>\n", x, bottom + 16, tick);
        }
    double one = svg_x(1, lo, hi);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
               "stroke=\"#000\" stroke-width=\"2\"/>\n",
            one, SVG_TOP - 8, one, bottom);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
               "1.0 = as fast as Go</text>\n", one, bottom + 32);
    fprintf(f, "<text x=\"%d\" y=\"%d\">&#8592; faster than Go</text>\n",
            SVG_LEFT, SVG_TOP - 18);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">slower than Go "
               "&#8594;</text>\n", SVG_LEFT + SVG_PLOT_WIDTH, SVG_TOP - 18);
}

/* One bar from 1.0 to ratio, with the ratio written at its end. */
static void svg_bar(FILE *f, double ratio, double lo, double hi, int y,
                    const char *colour, const char *name)
{
    double one = svg_x(1, lo, hi), end = svg_x(ratio, lo, hi);
    double left = end < one ? end : one, width = fabs(end - one);
    char figure[32];
    fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
               "fill=\"%s\"><title>%s/Go %s</title></rect>\n",
            left, y, width < 1 ? 1 : width, SVG_BAR, colour, name,
            format_figure(ratio, figure));
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n",
            end < one ? left - 4 : left + width + 4, y + SVG_BAR - 2,
            end < one ? "end" : "start", figure);
}

void write_svg(FILE *f, const struct row *rows, int n)
{
    static const char *colour[SIDES] = {"#999", "#2a7ab0", ""};
    double lo, hi;
    svg_range(rows, n, &lo, &hi);
    int bottom = SVG_TOP + SVG_ROW * n;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            SVG_LEFT + SVG_PLOT_WIDTH + 60, bottom + 64);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    svg_grid(f, lo, hi, bottom);
    for (int i = 0; i < n; i++) {
        int y = SVG_TOP + SVG_ROW * i;
        fprintf(f, "<text x=\"8\" y=\"%d\">%s, P=%d</text>\n",
                y + SVG_BAR + 3,
                rows[i].label, rows[i].procs);
        for (int s = THREADS; s <= OURS; s++) {
            double ratio = row_ratio(&rows[i], s);
            if (ratio > 0)
                svg_bar(f, ratio, lo, hi, y + (s == OURS) * (SVG_BAR + 2),
                        colour[s], side_name[s]);
        }
    }
    fprintf(f, "<text x=\"8\" y=\"%d\">ratio of medians, log scale: "
               "<tspan fill=\"%s\">ours/Go</tspan>, <tspan fill=\"%s\">"
               "threads/Go</tspan></text>\n</svg>\n",
            bottom + 52, colour[OURS], colour[THREADS]);
}
