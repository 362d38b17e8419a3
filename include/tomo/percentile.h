/*
 * percentile: percentiles of float samples, for intensity windows. Exact
 * (numpy.percentile's default "linear" method) by selection on a copy when
 * the samples fit in memory; otherwise approximate from a histogram built
 * in passes over the data, with a stated error bound. NaN and Inf are left
 * out of both, as numpy.nanpercentile leaves out NaN.
 */
#ifndef TOMO_PERCENTILE_H
#define TOMO_PERCENTILE_H

#include <stddef.h>
#include <stdint.h>

#include "tomo/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Percentiles q[0..nq) (each in 0..100) of the finite samples of p[0..n),
 * exactly as numpy.percentile(finite, q) computes them: with the finite
 * samples sorted as x[0] <= ... <= x[m-1] and h = (m - 1) q / 100,
 * x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]). Copies the
 * finite samples (m floats of memory); p is not modified. *nfinite gets m;
 * when m is 0 every out[i] is NAN. Errors: out of memory. */
TOMO_API int tomo_percentiles(const float *p, size_t n, const double *q, int nq, double *out,
                              int64_t *nfinite);

/* Histogram of finite samples over [lo, hi] in nbins equal bins, filled in
 * any number of calls; lo and hi must be the exact minimum and maximum of
 * the finite samples that will be added (a first pass finds them). */
struct tomo_hist {
	double lo, hi;
	int64_t nbins;
	int64_t *count;
	int64_t total; /* finite samples added */
};

/* Bins used by tools for the approximate path: the error bound below is
 * (hi - lo) / 2^20, under 1/4000 of a grey level of an 8-bit image unless
 * outliers stretch hi - lo beyond 4000 times the window. */
#define TOMO_HIST_BINS (1 << 20)

TOMO_API int tomo_hist_init(struct tomo_hist *h, double lo, double hi, int64_t nbins);
TOMO_API void tomo_hist_add(struct tomo_hist *h, const float *p, size_t n);
/* The percentile q (0..100) by the same formula as tomo_percentiles, each
 * order statistic taken as the centre of its share of its bin, x[0] as lo
 * and x[m-1] as hi. It differs from the exact value by at most one bin
 * width, (hi - lo) / nbins. NAN when no sample was added. */
TOMO_API double tomo_hist_percentile(const struct tomo_hist *h, double q);
TOMO_API void tomo_hist_free(struct tomo_hist *h);

#ifdef __cplusplus
}
#endif

#endif
