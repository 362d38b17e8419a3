/* Unit tests of the angle lists of --angles (lib/header.c): the file's
 * numeric lines, selections as Python slices, and the messages when the
 * count is not the projections'. */
#include "tomo/err.h"
#include "tomo/header.h"
#include "unit.h"

/* A file of the test directory with the given text; its path. */
static const char *
file(const char *name, const char *text)
{
	const char *path = unit_path(name);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
	return path;
}

/* Read spec ("%s" for the path of the file "a.txt" of 0, 1, ... 10 with
 * a comment and a blank line) into deg. */
static int
read_sel(const char *fmt, double **deg, int64_t *n, int64_t *total)
{
	char spec[600];
	const char *path = file("a.txt", "# angles\n0\n1\n  2\n\n3 \n4\r\n5\n6\n7\n8\n9\n10\n");
	snprintf(spec, sizeof spec, fmt, path);
	return tomo_angles_read(spec, deg, n, total);
}

/* The selection fmt gives want[0..n). */
static void
check_sel(const char *fmt, const double *want, int64_t n)
{
	double *deg;
	int64_t got, total;
	int rc = read_sel(fmt, &deg, &got, &total);
	CHECK(rc == TOMO_OK, "%s: %s", fmt, tomo_errmsg());
	if (rc)
		return;
	CHECK(total == 11, "%s: total %lld", fmt, (long long)total);
	CHECK(got == n, "%s: %lld angles, not %lld", fmt, (long long)got, (long long)n);
	for (int64_t i = 0; i < got && i < n; i++)
		CHECK(deg[i] == want[i], "%s: angle %lld is %g, not %g", fmt, (long long)i, deg[i],
		      want[i]);
	free(deg);
}

static void
test_whole_file(void)
{
	const double all[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	check_sel("%s", all, 11);
	check_sel("%s::", all, 11);
	check_sel("%s:0:11", all, 11);
	check_sel("%s:::1", all, 11);
}

static void
test_slices(void)
{
	check_sel("%s:1:4", (const double[]){1, 2, 3}, 3);
	check_sel("%s:2:-2", (const double[]){2, 3, 4, 5, 6, 7, 8}, 7);
	check_sel("%s:-3:", (const double[]){8, 9, 10}, 3);
	check_sel("%s::2", (const double[]){0, 1}, 2);
	check_sel("%s::-9", (const double[]){0, 1}, 2);
	check_sel("%s:1:10:3", (const double[]){1, 4, 7}, 3);
	check_sel("%s:1:11:5", (const double[]){1, 6}, 2);
	check_sel("%s:::4", (const double[]){0, 4, 8}, 3);
	check_sel("%s:10:11", (const double[]){10}, 1);
}

/* A colon in the file name: only the last two or three fields that are
 * bounds make a selection. */
static void
test_colon_in_name(void)
{
	double *deg;
	int64_t n, total;
	char spec[600];
	const char *path = file("b:1.txt", "5\n6\n7\n");

	CHECK(tomo_angles_read(path, &deg, &n, &total) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(n == 3 && total == 3 && deg[0] == 5, "n %lld", (long long)n);
	free(deg);
	snprintf(spec, sizeof spec, "%s:1:3", path);
	CHECK(tomo_angles_read(spec, &deg, &n, &total) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(n == 2 && deg[0] == 6 && deg[1] == 7, "n %lld", (long long)n);
	free(deg);
}

/* An error: code rc and a message holding part. */
static void
check_error(const char *fmt, int rc, const char *part)
{
	double *deg = (double *)1;
	int64_t n, total;
	int got = read_sel(fmt, &deg, &n, &total);
	CHECK(got == rc, "%s: rc %d, not %d (%s)", fmt, got, rc, tomo_errmsg());
	CHECK(strstr(tomo_errmsg(), part), "%s: '%s' lacks '%s'", fmt, tomo_errmsg(), part);
	CHECK(deg == NULL, "%s: angles left", fmt);
}

static void
test_errors(void)
{
	check_error("%s:1:5:0", TOMO_EUSAGE, "the step must be 1 or more");
	check_error("%s:1:5:-1", TOMO_EUSAGE, "the step must be 1 or more");
	check_error("%s:0:12", TOMO_ERR, "END 12 is out of range");
	check_error("%s:-12:", TOMO_ERR, "FIRST -12 is out of range");
	check_error("%s:12:", TOMO_ERR, "FIRST 12 is out of range");
	check_error("%s:5:5", TOMO_ERR, "selects no angles");
	check_error("%s:6:2", TOMO_ERR, "selects no angles");
	check_error("%s:3", TOMO_ERR, "(a selection of lines is FILE:FIRST:END[:STEP])");
	check_error("%s.missing", TOMO_ERR, "No such file or directory");

	double *deg;
	int64_t n, total;
	const char *bad = file("bad.txt", "1\n2\n# x\n3 degrees\n");
	CHECK(tomo_angles_read(bad, &deg, &n, &total) == TOMO_ERR, "bad line");
	CHECK(strstr(tomo_errmsg(), "bad.txt:4: '3 degrees' is not an angle in degrees"), "%s",
	      tomo_errmsg());
	const char *empty = file("empty.txt", "# nothing\n\n");
	CHECK(tomo_angles_read(empty, &deg, &n, &total) == TOMO_ERR, "empty");
	CHECK(strstr(tomo_errmsg(), "holds no angles"), "%s", tomo_errmsg());
	CHECK(tomo_angles_read(":1:2", &deg, &n, &total) == TOMO_EUSAGE, "no file name");
	/* A line longer than any buffer. */
	char big[5000];
	memset(big, ' ', sizeof big);
	snprintf(big + 4000, 100, "42.5\n7\n");
	const char *wide = file("wide.txt", big);
	CHECK(tomo_angles_read(wide, &deg, &n, &total) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(n == 2 && deg[0] == 42.5 && deg[1] == 7, "n %lld", (long long)n);
	free(deg);
}

static void
test_match(void)
{
	CHECK(tomo_angles_match("a.txt", 9, 9, 9, "p.nrrd") == TOMO_OK, "equal");
	CHECK(tomo_angles_match("a.txt:1:10", 9, 11, 9, "p.nrrd") == TOMO_OK, "selected");
	CHECK(tomo_angles_match("a.txt", 111, 111, 91, "p.nrrd") == TOMO_ERR, "more");
	CHECK(!strcmp(tomo_errmsg(),
	              "a.txt holds 111 angles but p.nrrd has 91 projections; select lines with "
	              "--angles a.txt:FIRST:END (zero-based, END excluded; the middle 91 are "
	              "a.txt:10:101)"),
	      "%s", tomo_errmsg());
	CHECK(tomo_angles_match("a.txt", 12, 12, 9, "p.nrrd") == TOMO_ERR, "odd");
	CHECK(!strcmp(tomo_errmsg(), "a.txt holds 12 angles but p.nrrd has 9 projections; select "
	                             "lines with --angles a.txt:FIRST:END (zero-based, END "
	                             "excluded)"),
	      "%s", tomo_errmsg());
	CHECK(tomo_angles_match("a.txt", 5, 5, 9, "p.nrrd") == TOMO_ERR, "fewer");
	CHECK(!strcmp(tomo_errmsg(), "a.txt holds 5 angles but p.nrrd has 9 projections"), "%s",
	      tomo_errmsg());
	CHECK(tomo_angles_match("a.txt:1:5", 4, 11, 9, "<stdin>") == TOMO_ERR, "selection");
	CHECK(!strcmp(tomo_errmsg(),
	              "a.txt:1:5 selects 4 of its 11 angles but <stdin> has 9 projections"),
	      "%s", tomo_errmsg());
}

UNIT_MAIN(T(test_whole_file), T(test_slices), T(test_colon_in_name), T(test_errors),
          T(test_match))
