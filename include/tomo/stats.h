/*
 * stats: summary statistics of float samples, accumulated slab by slab
 * (tomo-info --stats, tests, tomo-bench checks). NaN and Inf are counted,
 * never mixed into min/max/mean.
 */
#ifndef TOMO_STATS_H
#define TOMO_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "tomo/api.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tomo_stats {
	int64_t count;    /* finite samples */
	int64_t nan, inf;
	double min, max;  /* of the finite samples; NAN when count == 0 */
	double mean, m2;  /* running mean and sum of squared deviations */
};

TOMO_API void tomo_stats_init(struct tomo_stats *s);
/* Add n samples (multi-threaded with OpenMP). */
TOMO_API void tomo_stats_add(struct tomo_stats *s, const float *p, size_t n);
TOMO_API double tomo_stats_mean(const struct tomo_stats *s);
/* Population standard deviation. */
TOMO_API double tomo_stats_std(const struct tomo_stats *s);

#ifdef __cplusplus
}
#endif

#endif
