/*
 * report.h: the figures of a comparison and the three ways they are
 * shown: a table on the terminal, the same table in Markdown, and an SVG
 * bar chart of the ratios ours/Go. Pure functions of their input, so the
 * tests can feed them known figures.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stdio.h>

enum { MAX_RUNS = 100 };

/* The runtimes a program runs on, in the order of the table's columns. */
enum side { THREADS, OURS, GO, SIDES };
extern const char *const side_name[SIDES]; /* "threads", "ours", "Go" */

/* The values of one program on one side, one per run; n == 0: not run. */
struct series {
    int n;
    double v[MAX_RUNS];
};

void series_add(struct series *s, double v);
double series_median(const struct series *s);
double series_min(const struct series *s);
double series_max(const struct series *s);

/* One line of the table: one workload at one GOMAXPROCS. */
struct row {
    const char *label; /* "spawn+join, ns per goroutine" */
    int procs;         /* GOMAXPROCS (threads: CPUs they may use) */
    struct series value[SIDES]; /* the figure compared, lower is better */
    struct series rss[SIDES];   /* peak resident memory, bytes */
    bool failed;                /* a run failed or disagreed: no ratio */
};

/* median(ours) / median(Go), or 0 when either is missing. */
double row_ratio(const struct row *r, enum side side);

/* A figure with 3 significant digits: "1240", "98.6", "0.25". */
char *format_figure(double v, char buf[static 32]);

/* The table, aligned for a terminal: a header, then one line a row. */
void write_table(FILE *f, const struct row *rows, int n);
void write_table_header(FILE *f);
void write_table_row(FILE *f, const struct row *r);

/* The same table in Markdown (a GitHub table). */
void write_markdown_table(FILE *f, const struct row *rows, int n);

/*
 * A horizontal bar chart of the ratios threads/Go and ours/Go, on a log
 * scale, with 1.0 (as fast as Go) marked; bars start at 1.0, so a bar to
 * the left means faster than Go. Self-contained SVG: no script, no font
 * file, no library.
 */
void write_svg(FILE *f, const struct row *rows, int n);

/* The chart's horizontal scale: where ratio x lands between lo and hi. */
enum { SVG_LEFT = 290, SVG_PLOT_WIDTH = 520 };
double svg_x(double ratio, double lo, double hi);

/* The chart's range: powers of 10 around every ratio and 1.0. */
void svg_range(const struct row *rows, int n, double *lo, double *hi);

#endif
