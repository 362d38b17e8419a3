/*
 * fbp_impl: what lib/fbp.c (the driver: tables, slabs, I/O) shares with
 * lib/fbp_cpu.c (the CPU filter and back-projection). Not installed.
 */
#ifndef TOMO_FBP_IMPL_H
#define TOMO_FBP_IMPL_H

#include <stdint.h>

#include "tomo/fbp.h"

/* The geometry and the host tables of one reconstruction. */
struct fbp_geom {
	int64_t C, A, N;    /* detector columns, angles, output size */
	int64_t P, nbins;   /* padded length, P/2 + 1 */
	int64_t cs;         /* stored columns per line: C + FBP_GUARD_COLS */
	float off, hi;      /* fbp_u's offset, fbp_clamp_u's limit */
	float *filter;      /* nbins gains, 1/P and the scale included */
	float *cosv, *sinv; /* A each */
	float *weight;      /* A quadrature weights (radians) */
	int transmission, pad_zero;
};

/* The tables for ncols detector columns and p (angles, centre, filter,
 * cutoff, padding, size, scale, transmission); fbp_geom_free releases
 * them. TOMO_ERR on a bad angle or no memory. */
int fbp_geom_init(struct fbp_geom *g, int64_t ncols, const struct tomo_fbp_params *p);
void fbp_geom_free(struct fbp_geom *g);

/* Filtered lines of a slab, interleaved for the back-projection: group g
 * of TOMO_FBP_LANES rows, angle a, stored column q, lane l at
 * ((g * A + a) * cs + q) * TOMO_FBP_LANES + l. */
static inline int64_t
fbp_slab_floats(const struct fbp_geom *g, int64_t rows)
{
	int64_t groups = (rows + TOMO_FBP_LANES - 1) / TOMO_FBP_LANES;
	return groups * g->A * g->cs * TOMO_FBP_LANES;
}

struct fbp_cpu;

/* FFTW plans and per-thread buffers for the OpenMP threads. */
int fbp_cpu_create(const struct fbp_geom *g, struct fbp_cpu **c);
void fbp_cpu_destroy(struct fbp_cpu *c);

/* Filter angles a0..a0+na-1 of rows 0..rows-1 of a raw chunk (the line of
 * row r, angle a0 + k at raw + r*rs + k*as) into the interleaved slab F.
 * Returns the number of clamped transmission samples. */
int64_t fbp_cpu_filter(struct fbp_cpu *c, const float *raw, int64_t rs, int64_t as, int64_t rows,
                       int64_t a0, int64_t na, float *F);

/* Back-project the interleaved slab F of rows rows into out
 * ([rows][N][N] floats). */
void fbp_cpu_backproject(const struct fbp_geom *g, const float *F, int64_t rows, float *out);

#endif
