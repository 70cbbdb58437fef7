/*
 * loc.h: counting lines of code, for "how tiny is ours": step 5's runtime
 * next to Go's (src/runtime under `go env GOROOT`).
 */
#ifndef LOC_H
#define LOC_H

#include <stdbool.h>

struct loc {
    long files;
    long lines; /* every line */
    long code;  /* lines that are neither blank nor only a comment */
};

/* Add one file's lines to *count; false if it cannot be read. */
bool loc_add_file(struct loc *count, const char *path);

/*
 * Add every file under dir (and its subfolders when recurse) for which
 * want(path) is true. A folder named testdata is skipped: Go keeps test
 * programs there. False if dir cannot be read.
 */
bool loc_add_tree(struct loc *count, const char *dir, bool recurse,
                  bool (*want)(const char *path));

/* path ends with suffix. */
bool ends_with(const char *path, const char *suffix);

#endif
