/*
 * percentile: exact percentiles by selection on a copy of the finite
 * samples, and approximate ones from a histogram (tomo/percentile.h).
 * Selection is quickselect with a median-of-three pivot, falling back to a
 * sort of the remaining range if the pivots keep going badly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/err.h"
#include "tomo/percentile.h"

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static void
swap(float *a, float *b)
{
	float t = *a;
	*a = *b;
	*b = t;
}

/* Put the k-th smallest of v[0..n) at v[k], smaller ones before it and
 * larger ones after it. */
static void
select_kth(float *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	int budget = 2 * 64;

	while (hi > lo) {
		if (--budget < 0) {
			qsort(v + lo, hi - lo + 1, sizeof *v, cmp_float);
			return;
		}
		size_t mid = lo + (hi - lo) / 2;
		/* Median of three to v[lo]; sorted or constant data stay linear. */
		if (v[mid] < v[lo])
			swap(v + mid, v + lo);
		if (v[hi] < v[lo])
			swap(v + hi, v + lo);
		if (v[hi] < v[mid])
			swap(v + hi, v + mid);
		swap(v + lo, v + mid);
		float pivot = v[lo];
		/* Hoare partition: both sides stop on equal keys, so runs of equal
		 * values split evenly. */
		size_t i = lo, j = hi + 1;
		for (;;) {
			do
				i++;
			while (i <= hi && v[i] < pivot);
			do
				j--;
			while (v[j] > pivot);
			if (i >= j)
				break;
			swap(v + i, v + j);
		}
		swap(v + lo, v + j);
		if (j == k)
			return;
		if (k < j)
			hi = j - 1;
		else
			lo = j + 1;
	}
}

/* numpy's linear method on m sorted order statistics, given the two that
 * bracket rank h = (m - 1) q / 100. */
static void
rank_of(int64_t m, double q, int64_t *lo, double *frac)
{
	double h = (double)(m - 1) * q / 100.0;
	double f = floor(h);

	*lo = (int64_t)f;
	if (*lo > m - 1)
		*lo = m - 1;
	*frac = h - f;
}

int
tomo_percentiles(const float *p, size_t n, const double *q, int nq, double *out, int64_t *nfinite)
{
	float *v = malloc((n ? n : 1) * sizeof *v);
	size_t m = 0;

	if (!v)
		return tomo_error(TOMO_ERR,
		                  "out of memory for a copy of %zu samples "
		                  "(percentiles)",
		                  n);
	for (size_t i = 0; i < n; i++)
		if (isfinite(p[i]))
			v[m++] = p[i];
	*nfinite = (int64_t)m;
	for (int i = 0; i < nq; i++) {
		int64_t k;
		double frac;
		if (!m) {
			out[i] = NAN;
			continue;
		}
		rank_of((int64_t)m, q[i], &k, &frac);
		select_kth(v, m, (size_t)k);
		double a = v[k], b = a;
		if (frac > 0 && (size_t)k + 1 < m) {
			/* The next order statistic: the smallest of what lies above. */
			b = v[k + 1];
			for (size_t j = (size_t)k + 2; j < m; j++)
				if (v[j] < b)
					b = v[j];
		}
		/* numpy's _lerp: exact at both ends. */
		out[i] = frac >= 0.5 ? b - (b - a) * (1 - frac) : a + (b - a) * frac;
	}
	free(v);
	return TOMO_OK;
}

int
tomo_hist_init(struct tomo_hist *h, double lo, double hi, int64_t nbins)
{
	memset(h, 0, sizeof *h);
	h->lo = lo;
	h->hi = hi;
	h->nbins = nbins;
	h->count = calloc((size_t)nbins, sizeof *h->count);
	if (!h->count)
		return tomo_error(TOMO_ERR,
		                  "out of memory for a histogram of %lld "
		                  "bins",
		                  (long long)nbins);
	return TOMO_OK;
}

void
tomo_hist_add(struct tomo_hist *h, const float *p, size_t n)
{
	const double scale = h->hi > h->lo ? (double)h->nbins / (h->hi - h->lo) : 0;
	const int64_t last = h->nbins - 1;
	int64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(p[i]))
			continue;
		int64_t b = (int64_t)(((double)p[i] - h->lo) * scale);
		b = b < 0 ? 0 : b > last ? last : b;
		h->count[b]++;
		total++;
	}
	h->total += total;
}

/* The m-th smallest sample (0-based), estimated from its bin. */
static double
hist_order(const struct tomo_hist *h, int64_t m)
{
	const double width = (h->hi - h->lo) / (double)h->nbins;
	int64_t before = 0;

	if (m <= 0)
		return h->lo;
	if (m >= h->total - 1)
		return h->hi;
	for (int64_t b = 0; b < h->nbins; b++) {
		int64_t c = h->count[b];
		if (m < before + c)
			return h->lo +
			       width * ((double)b + ((double)(m - before) + 0.5) / (double)c);
		before += c;
	}
	return h->hi;
}

double
tomo_hist_percentile(const struct tomo_hist *h, double q)
{
	int64_t k;
	double frac;

	if (!h->total)
		return NAN;
	rank_of(h->total, q, &k, &frac);
	double a = hist_order(h, k);
	double b = frac > 0 ? hist_order(h, k + 1) : a;
	return a + (b - a) * frac;
}

void
tomo_hist_free(struct tomo_hist *h)
{
	free(h->count);
	h->count = NULL;
}
