/* loc.c: see loc.h. */
#include "loc.h"

#include <ftw.h>
#include <stdio.h>
#include <string.h>

bool ends_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    return n >= m && strcmp(path + n - m, suffix) == 0;
}

/* A comment line starts with // or /\* or * (inside a block). */
static bool is_code(const char *line)
{
    line += strspn(line, " \t\r\n");
    return *line && strncmp(line, "//", 2) != 0 &&
           strncmp(line, "/*", 2) != 0 && *line != '*';
}

bool loc_add_file(struct loc *count, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[4096];
    bool line_start = true;
    while (fgets(line, sizeof line, f)) {
        if (line_start) {
            count->lines++;
            count->code += is_code(line);
        }
        line_start = strchr(line, '\n') != NULL; /* else: a long line */
    }
    fclose(f);
    count->files++;
    return true;
}

/* nftw's callback has no argument of its own: these are the walk's. */
static struct loc *walk_count;
static bool (*walk_want)(const char *path);
static bool walk_recurse;

static int visit(const char *path, const struct stat *st, int type,
                 struct FTW *ftw)
{
    (void)st;
    if (type == FTW_D && ftw->level > 0 &&
        (!walk_recurse || strcmp(path + ftw->base, "testdata") == 0))
        return FTW_SKIP_SUBTREE;
    if (type == FTW_F && walk_want(path))
        loc_add_file(walk_count, path);
    return FTW_CONTINUE;
}

bool loc_add_tree(struct loc *count, const char *dir, bool recurse,
                  bool (*want)(const char *path))
{
    walk_count = count;
    walk_want = want;
    walk_recurse = recurse;
    return nftw(dir, visit, 16, FTW_ACTIONRETVAL | FTW_PHYS) == 0;
}
