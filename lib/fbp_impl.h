/*
 * fbp_impl: what lib/fbp.c (the driver: tables, slabs, I/O) shares with
 * lib/fbp_cpu.c (the CPU filter and back-projection) and lib/fbp_fourier.c
 * (the Fourier method's tables and CPU path). Not installed.
 */
#ifndef TOMO_FBP_IMPL_H
#define TOMO_FBP_IMPL_H

#include <stdint.h>

#include "simd.h"
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
	/* The Fourier method (fbp_fourier_init); M = 0 for direct FBP. */
	int64_t M;              /* grid size, even */
	int W, deg;             /* kernel width (cells), polynomial degree */
	double sigma, beta;     /* oversampling, Kaiser-Bessel shape */
	float r;                /* M / P: grid cells per radial sample */
	float *coef;            /* (deg + 1) x W tap polynomials */
	double *shift;          /* A: centre - 0.5 + delta (cos + sin) */
	float *deap_x, *deap_y; /* N each: (-1)^m / kernel transform */
};

/* The tables for ncols detector columns and p (angles, centre, filter,
 * cutoff, padding, size, scale, transmission); fbp_geom_free releases
 * them. TOMO_ERR on a bad angle or no memory. */
int fbp_geom_init(struct fbp_geom *g, int64_t ncols, const struct tomo_fbp_params *p);
void fbp_geom_free(struct fbp_geom *g);

/*
 * The CPU path's filtered slab of rows rows (fbp_slab_floats floats), in
 * the two layouts of its two back-projection kernels (lib/fbp_cpu.c):
 * - the first fbp_cpu_grouped(rows) rows in groups of TOMO_VLEN rows,
 *   interleaved: group k, angle a, stored column q, lane l at
 *   ((k * A + a) * g->cs + q) * TOMO_VLEN + l;
 * - the other rows (fewer than TOMO_VLEN) line by line after them: row r,
 *   angle a, stored column q at ((r - grouped) * A + a) * ls + q, ls =
 *   fbp_cpu_line_floats(g), a line having room after its stored columns
 *   for the window of 32 floats that the back-projection reads from any
 *   column up to g->hi.
 * Guard columns are zero in both.
 */
static inline int64_t
fbp_cpu_grouped(int64_t rows)
{
	return rows / TOMO_VLEN * TOMO_VLEN;
}

static inline int64_t
fbp_cpu_line_floats(const struct fbp_geom *g)
{
	return (g->cs + 32 + 15) / 16 * 16;
}

static inline int64_t
fbp_slab_floats(const struct fbp_geom *g, int64_t rows)
{
	const int64_t grouped = fbp_cpu_grouped(rows);
	return g->A * (grouped * g->cs + (rows - grouped) * fbp_cpu_line_floats(g));
}

/* Where row r, angle a, stored column 0 of the slab lies, and the step
 * between stored columns. */
static inline float *
fbp_cpu_line(const struct fbp_geom *g, float *F, int64_t rows, int64_t r, int64_t a,
             int64_t *step)
{
	const int64_t grouped = fbp_cpu_grouped(rows);
	if (r < grouped) {
		*step = TOMO_VLEN;
		return F + ((r / TOMO_VLEN * g->A + a) * g->cs) * TOMO_VLEN + r % TOMO_VLEN;
	}
	*step = 1;
	return F + grouped * g->A * g->cs + ((r - grouped) * g->A + a) * fbp_cpu_line_floats(g);
}

/* 64-byte aligned floats (free with free); large ones on huge pages
 * where the system allows (lib/fbp_geom.c). */
void *fbp_alloc_floats(int64_t n);

/* The Fourier method's tables in g (already holding the direct tables
 * for p): a longer padded line (P, filter) where the slice reaches past
 * what 2C covers, grid size, kernel fit, per-angle shifts,
 * deapodisation. Freed by fbp_geom_free. TOMO_ERR on no memory. */
int fbp_fourier_init(struct fbp_geom *g, const struct tomo_fbp_params *p);

/* Fit the W tap polynomials of degree deg (z in [-1, 1], see
 * fourier_weights) to the Kaiser-Bessel kernel of shape beta. */
void fbp_fourier_fit(int W, int deg, double beta, float *coef);

/* Progress of a reconstruction in pixel updates: done so far out of total
 * (the kernels add theirs to done as they go, reporting through cb from
 * the calling thread). */
struct fbp_report {
	const struct tomo_progress_cb *cb;
	int64_t done, total;
};

/* The GPU back-ends' description of a problem (kernels/fbp_gpu.h): g's
 * tables (not copied: g must outlive the back-end's creation), p's layout
 * and memory, slab_rows rows per slab. */
struct tomo_fbp_gpu_desc;
void fbp_gpu_desc(struct tomo_fbp_gpu_desc *d, const struct fbp_geom *g,
                  const struct tomo_fbp_params *p, int64_t slab_rows);

/* The Fourier method's CPU work buffers and FFTW plans for g (which must
 * outlive them), for the OpenMP threads; their bytes. */
struct fourier_cpu;
int fbp_fourier_cpu_create(const struct fbp_geom *g, struct fourier_cpu **c);
int64_t fbp_fourier_cpu_bytes(const struct fourier_cpu *c);
void fbp_fourier_cpu_destroy(struct fourier_cpu *c);

/* Rows 0..nr-1 of a raw slab (row r, angle a at raw + r rs + a as) into nr
 * slices of N x N, two rows at a time on all threads, reporting to rep
 * (may be NULL) after each pair. Returns the count of clamped samples. */
int64_t fbp_fourier_cpu_slab(struct fourier_cpu *c, const float *raw, int64_t rs, int64_t as,
                             int64_t nr, float *slices, struct fbp_report *rep);

struct fbp_cpu;

/* FFTW plans and per-thread buffers for the OpenMP threads. */
int fbp_cpu_create(const struct fbp_geom *g, struct fbp_cpu **c);
void fbp_cpu_destroy(struct fbp_cpu *c);

/* Filter angles a0..a0+na-1 of rows 0..rows-1 of a raw chunk (the line of
 * row r, angle a0 + k at raw + r*rs + k*as) into the slab F
 * (fbp_slab_floats).
 * Returns the number of clamped transmission samples. */
int64_t fbp_cpu_filter(struct fbp_cpu *c, const float *raw, int64_t rs, int64_t as, int64_t rows,
                       int64_t a0, int64_t na, float *F);

/* Back-project the filtered slab F of rows rows into out
 * ([rows][N][N] floats), reporting to rep (may be NULL) as blocks of
 * pixels are done. */
void fbp_cpu_backproject(const struct fbp_geom *g, const float *F, int64_t rows, float *out,
                         struct fbp_report *rep);

#endif
