/*
 * timer: tomo-bench's timers (bench.h). Repeats of a function timed on the
 * library's monotonic clock, and their median. The bottom of the tool:
 * the ceilings and the stages call it, it calls nothing of theirs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "tomo/err.h"
#include "tomo/progress.h"

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

double
tomo_bench_median(const double *t, int n)
{
	double s[TOMO_BENCH_MAX_REPEAT];

	if (n < 1)
		return NAN;
	if (n > TOMO_BENCH_MAX_REPEAT)
		n = TOMO_BENCH_MAX_REPEAT;
	memcpy(s, t, sizeof *s * (size_t)n);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

int
tomo_bench_time(int (*fn)(void *ctx), int (*prep)(void *ctx), void *ctx, int warmup, int repeat,
                double *t)
{
	int rc;

	for (int i = 0; i < warmup + repeat; i++) {
		if (prep && (rc = prep(ctx)))
			return rc;
		double t0 = tomo_now();
		if ((rc = fn(ctx)))
			return rc;
		if (i >= warmup)
			t[i - warmup] = tomo_now() - t0;
	}
	return TOMO_OK;
}
