/* Counting lines of code, for "how tiny is ours". */
#include "loc.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    EXPECT(f != NULL);
    fputs(text, f);
    fclose(f);
}

static bool is_c(const char *path)
{
    return ends_with(path, ".c");
}

TEST(lines_and_code_lines)
{
    char dir[] = "/tmp/step6_loc_XXXXXX";
    EXPECT(mkdtemp(dir) != NULL);
    write_file(dir, "a.c", "int x;\n\n// one\n/* two\n * three\n */\n"
                           "int main(void) { return x; }\n");
    struct loc count = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/a.c", dir);
    EXPECT(loc_add_file(&count, path));
    EXPECT_EQ(count.files, 1);
    EXPECT_EQ(count.lines, 7);
    EXPECT_EQ(count.code, 2);
    EXPECT(!loc_add_file(&count, "/nonexistent/file.c"));
}

TEST(trees_skip_testdata_and_other_files)
{
    char dir[] = "/tmp/step6_loc_XXXXXX", sub[64], testdata[64];
    EXPECT(mkdtemp(dir) != NULL);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(testdata, sizeof testdata, "%s/testdata", dir);
    EXPECT(mkdir(sub, 0700) == 0 && mkdir(testdata, 0700) == 0);
    write_file(dir, "a.c", "a\n");
    write_file(dir, "notes.txt", "n\n");
    write_file(sub, "b.c", "b\nb\n");
    write_file(testdata, "c.c", "c\n");

    struct loc flat = {0}, deep = {0};
    EXPECT(loc_add_tree(&flat, dir, false, is_c));
    EXPECT(loc_add_tree(&deep, dir, true, is_c));
    EXPECT_EQ(flat.files, 1);
    EXPECT_EQ(deep.files, 2);
    EXPECT_EQ(deep.lines, 3);
    EXPECT(!loc_add_tree(&flat, "/nonexistent", true, is_c));
}
