/*
 * unit: a tiny TAP harness for the C unit tests of libtomo. Each test is a
 * function; CHECK records a failure with its location and goes on. main()
 * comes from UNIT_MAIN(list of tests).
 */
#ifndef TOMO_UNIT_H
#define TOMO_UNIT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failed;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("# %s:%d: CHECK(%s) failed: ", __FILE__,      \
			       __LINE__, #cond);                             \
			printf(__VA_ARGS__);                                 \
			printf("\n");                                        \
			unit_failed = 1;                                     \
		}                                                            \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                \
	CHECK(fabs((double)(a) - (double)(b)) <= (tol), "%.9g vs %.9g (tol %g)", \
	      (double)(a), (double)(b), (double)(tol))

struct unit_test {
	const char *name;
	void (*fn)(void);
};

#define UNIT_MAIN(...)                                                       \
	int main(void)                                                       \
	{                                                                    \
		static const struct unit_test tests[] = {__VA_ARGS__};       \
		int n = (int)(sizeof tests / sizeof *tests), bad = 0;        \
		printf("1..%d\n", n);                                        \
		for (int i = 0; i < n; i++) {                                \
			unit_failed = 0;                                     \
			tests[i].fn();                                       \
			printf("%sok %d - %s\n", unit_failed ? "not " : "",  \
			       i + 1, tests[i].name);                        \
			bad += unit_failed;                                  \
		}                                                            \
		return bad ? 1 : 0;                                          \
	}

#define T(fn) {#fn, fn}

/* A temporary directory for the test's files, removed at exit. */
static char unit_dir[256];

static __attribute__((unused)) void
unit_cleanup(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", unit_dir);
	if (system(cmd)) {
	}
}

static __attribute__((unused)) const char *
unit_tmpdir(void)
{
	if (!unit_dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(unit_dir, sizeof unit_dir, "%s/tomo-unit-XXXXXX",
		         t && *t ? t : "/tmp");
		if (!mkdtemp(unit_dir)) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(unit_cleanup);
	}
	return unit_dir;
}

/* dir/name in the test's temporary directory; the last 8 results stay
 * valid. */
static __attribute__((unused)) char *
unit_path(const char *name)
{
	static char p[8][512];
	static int i;
	i = (i + 1) % 8;
	snprintf(p[i], sizeof p[i], "%s/%s", unit_tmpdir(), name);
	return p[i];
}

#endif
