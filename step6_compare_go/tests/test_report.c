/* The figures and the three writers, fed known inputs. */
#include "report.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static struct series of(int n, const double *v)
{
    struct series s = {0};
    for (int i = 0; i < n; i++)
        series_add(&s, v[i]);
    return s;
}

TEST(median_min_max)
{
    struct series odd = of(3, (double[]){3, 1, 2});
    struct series even = of(4, (double[]){4, 1, 3, 2});
    struct series none = {0};
    EXPECT(series_median(&odd) == 2);
    EXPECT(series_median(&even) == 2.5);
    EXPECT(series_min(&even) == 1 && series_max(&even) == 4);
    EXPECT(series_median(&none) == 0);
}

TEST(figures_keep_three_digits)
{
    char buf[32];
    EXPECT_STR_EQ(format_figure(1236.4, buf), "1236");
    EXPECT_STR_EQ(format_figure(98.64, buf), "98.6");
    EXPECT_STR_EQ(format_figure(0.254, buf), "0.25");
}

/* Two rows: spawn on every side, and one that failed. */
static void known_rows(struct row rows[2])
{
    memset(rows, 0, 2 * sizeof rows[0]);
    rows[0].label = "spawn 1000: ns/goroutine";
    rows[0].procs = 1;
    rows[0].value[THREADS] = of(3, (double[]){30000, 26000, 28000});
    rows[0].value[OURS] = of(3, (double[]){100, 120, 110});
    rows[0].value[GO] = of(3, (double[]){1000, 1200, 1100});
    rows[0].rss[OURS] = of(1, (double[]){1048576});
    rows[0].rss[GO] = of(1, (double[]){3 * 1048576});
    rows[1].label = "skynet 1000: ms";
    rows[1].procs = 2;
    rows[1].value[OURS] = of(1, (double[]){5});
    rows[1].value[GO] = of(1, (double[]){10});
    rows[1].failed = true;
}

/* What writer(f, rows, 2) writes, as a string the caller frees. */
static char *written(void (*writer)(FILE *, const struct row *, int))
{
    struct row rows[2];
    known_rows(rows);
    char *text;
    size_t size;
    FILE *f = open_memstream(&text, &size);
    writer(f, rows, 2);
    fclose(f);
    return text;
}

TEST(ratio_is_ours_over_go)
{
    struct row rows[2];
    known_rows(rows);
    EXPECT(row_ratio(&rows[0], OURS) == 0.1);
    EXPECT(row_ratio(&rows[0], THREADS) == 28000.0 / 1100);
    EXPECT(row_ratio(&rows[1], OURS) == 0); /* failed: no ratio */
}

TEST(table_lines)
{
    char *text = written(write_table);
    EXPECT_CONTAINS(text, "workload (lower is better)          P  threads"
                          "                ours                   Go");
    EXPECT_CONTAINS(text, "\nspawn 1000: ns/goroutine            1  "
                          "28000 [26000-30000]    110 [100-120]          "
                          "1100 [1000-1200]       0.10     -         "
                          "1.0 MiB   3.0 MiB\n");
    EXPECT_CONTAINS(text, "\nskynet 1000: ms                     2  -"
                          "                      5.00                   "
                          "10.0                   FAILED ");
    free(text);
}

TEST(markdown_table)
{
    char *text = written(write_markdown_table);
    EXPECT_CONTAINS(text, "| workload (lower is better) | P | threads | ours"
                          " | Go | ours/Go |");
    EXPECT_CONTAINS(text, "\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    EXPECT_CONTAINS(text, "\n| spawn 1000: ns/goroutine | 1 | 28000 "
                          "[26000-30000] | 110 [100-120] | 1100 [1000-1200] "
                          "| 0.10 | - | 1.0 MiB | 3.0 MiB |\n");
    free(text);
}

TEST(svg_chart)
{
    struct row rows[2];
    known_rows(rows);
    double lo, hi;
    svg_range(rows, 2, &lo, &hi);
    EXPECT(lo == 0.1 && hi == 100); /* ratios 0.1 and 25.5 */
    EXPECT(svg_x(lo, lo, hi) == SVG_LEFT);
    EXPECT(svg_x(hi, lo, hi) == SVG_LEFT + SVG_PLOT_WIDTH);

    char *svg = written(write_svg);
    EXPECT(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) ==
           0);
    EXPECT(strcmp(svg + strlen(svg) - 7, "</svg>\n") == 0);
    /* 1.0 sits a third of the way along 0.1 .. 100, drawn in black */
    EXPECT_CONTAINS(svg, "<line x1=\"463.3\" y1=\"42\" x2=\"463.3\" y2=\"118\" "
                         "stroke=\"#000\" stroke-width=\"2\"/>");
    EXPECT_CONTAINS(svg, ">1.0 = as fast as Go</text>");
    /* ours: a bar from 0.1 (the left edge) to 1.0, with its figure */
    EXPECT_CONTAINS(svg, "<rect x=\"290.0\" y=\"64\" width=\"173.3\" "
                         "height=\"12\" fill=\"#2a7ab0\"><title>ours/Go "
                         "0.10</title></rect>");
    /* threads: to the right of 1.0; the failed row has no bar at all */
    EXPECT_CONTAINS(svg, "<title>threads/Go 25.5</title>");
    int bars = 0;
    for (const char *p = svg; (p = strstr(p, "<rect x=")); p++)
        bars++;
    EXPECT_EQ(bars, 2);
    free(svg);
}
