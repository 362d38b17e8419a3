/*
 * stats: min/max/mean/std and non-finite counts (tomo/stats.h). Each slab
 * gets two passes (its mean, then squared deviations from it) and is merged
 * with Chan's formula, so large means do not cancel the variance away.
 */
#include <math.h>

#include "tomo/stats.h"

void
tomo_stats_init(struct tomo_stats *s)
{
	s->count = s->nan = s->inf = 0;
	s->min = INFINITY;
	s->max = -INFINITY;
	s->mean = s->m2 = 0;
}

void
tomo_stats_add(struct tomo_stats *s, const float *p, size_t n)
{
	int64_t count = 0, nan = 0, inf = 0;
	double sum = 0, m2 = 0, mn = INFINITY, mx = -INFINITY;

#pragma omp parallel for reduction(+ : count, nan, inf, sum) \
	reduction(min : mn) reduction(max : mx) schedule(static) if (n > 65536)
	for (size_t i = 0; i < n; i++) {
		float v = p[i];
		if (isnan(v)) {
			nan++;
		} else if (isinf(v)) {
			inf++;
		} else {
			count++;
			sum += v;
			mn = v < mn ? v : mn;
			mx = v > mx ? v : mx;
		}
	}
	s->nan += nan;
	s->inf += inf;
	if (!count)
		return;
	double mean = sum / (double)count;
#pragma omp parallel for reduction(+ : m2) schedule(static) if (n > 65536)
	for (size_t i = 0; i < n; i++)
		if (isfinite(p[i]))
			m2 += (p[i] - mean) * (p[i] - mean);
	double na = (double)s->count, nb = (double)count, d = mean - s->mean;
	s->m2 += m2 + d * d * na * nb / (na + nb);
	s->mean += d * nb / (na + nb);
	s->count += count;
	if (mn < s->min)
		s->min = mn;
	if (mx > s->max)
		s->max = mx;
}

double
tomo_stats_mean(const struct tomo_stats *s)
{
	return s->count ? s->mean : NAN;
}

double
tomo_stats_std(const struct tomo_stats *s)
{
	return s->count ? sqrt(s->m2 / (double)s->count) : NAN;
}
