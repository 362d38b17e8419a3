/*
 * phase: single-distance phase retrieval of transmission projections
 * (Paganin's TIE-Hom filter, its generalised form, TomoPy's regularised
 * variant), on the CPU (FFTW, OpenMP over projections) or the GPU (batched
 * cuFFT). Projections stream through slab by slab; the filter is computed
 * once on the host. The per-sample arithmetic is in kernels/phase_math.h.
 */
#ifndef TOMO_PHASE_H
#define TOMO_PHASE_H

#include <stdint.h>

#include "tomo/api.h"
#include "tomo/io.h"
#include "tomo/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tomo_phase_method {
	TOMO_PHASE_PAGANIN = 0, /* 1 / (1 + pi lambda z (delta/beta) |u|^2) */
	TOMO_PHASE_GPAGANIN,    /* Paganin et al. 2020, cosines of the pixel grid */
	TOMO_PHASE_TOMOPY,      /* TomoPy's retrieve_phase: alpha, its grid and padding */
};

enum tomo_pad_mode {
	TOMO_PAD_EDGE = 0, /* ... a a | a b c | c c ... (numpy "edge") */
	TOMO_PAD_MIRROR,   /* ... b a | a b c | c b ... (numpy "symmetric") */
	TOMO_PAD_ZERO,     /* ... 0 0 | a b c | 0 0 ... */
};

/* tomo_phase_opts.pad: a count of pixels (>= 0), or one of these. */
#define TOMO_PHASE_PAD_AUTO (-1)   /* good FFT size >= 2 n per dimension */
#define TOMO_PHASE_PAD_TOMOPY (-2) /* TomoPy's rule (the default with alpha) */

/* Transmission below this (or not finite), in the input or after
 * filtering, is replaced by it and counted: -ln of it is 13.8. */
#define TOMO_PHASE_EPS 1e-6f

struct tomo_phase_opts {
	enum tomo_phase_method method;
	double energy;     /* keV, > 0 */
	double distance;   /* metres, sample to detector, > 0 */
	double pixel_size; /* metres, > 0 */
	double delta_beta; /* delta/beta (PAGANIN, GPAGANIN), > 0 */
	double alpha;      /* TomoPy's regularisation (TOMOPY), > 0 */
	int64_t pad;       /* pixels per side (at least), or TOMO_PHASE_PAD_* */
	enum tomo_pad_mode pad_mode;
	int no_log;        /* output the filtered transmission, not -ln of it */
	int from_log;      /* the input holds -ln(transmission): take exp first */
	int use_gpu;       /* run on the GPU (tomo_device_select said it may) */
	int device;        /* which GPU: CUDA's index */
	int64_t memory;    /* bytes of host buffers to use (at least one slab
	                      of one projection is used whatever this says) */
	/* A part (--part, when part is 1): rows part_row0..part_row1-1 of
	 * each projection only, filtered with tomo_phase_margin rows of
	 * context on each side (as far as the detector reaches). */
	int part;
	int64_t part_row0, part_row1;
	/* Reports in projections filtered, from the calling thread after
	 * each slab (tomo/progress.h); fn may be NULL. */
	struct tomo_progress_cb progress;
};

/* What a run did, for messages. */
struct tomo_phase_result {
	int64_t clamped_in;  /* input samples replaced by TOMO_PHASE_EPS */
	int64_t clamped_out; /* filtered samples replaced by TOMO_PHASE_EPS */
	int64_t padded[2];   /* FFT sizes x, y */
	int64_t slab;        /* projections per slab */
	int64_t margin;      /* rows of context on each side of a part */
	int gpu;             /* 1 if the GPU ran it */
	double filter_seconds; /* time spent filtering (not reading or writing) */
};

/* "paganin", "gpaganin", "tomopy". */
TOMO_API const char *tomo_phase_method_name(enum tomo_phase_method m);

/* Check o (positive physical parameters, a known method and pad mode);
 * TOMO_EUSAGE with a message naming the bad value. */
TOMO_API int tomo_phase_check(const struct tomo_phase_opts *o);

/* The FFT length and the left (or top) padding for a projection dimension
 * of n samples:
 *   pad = N >= 0:      P = tomo_fft_good_size(n + 2 N);
 *   TOMO_PHASE_PAD_AUTO:  P = tomo_fft_good_size(2 n);
 *   TOMO_PHASE_PAD_TOMOPY: p = ceil(pi lambda z / Delta^2), Q the smallest
 *     power of two >= n + p, left = floor((Q - n) / 2), P = n + 2 left;
 * left = floor((P - n) / 2) in the first two cases; the right padding is
 * P - n - left. */
TOMO_API int tomo_phase_padding(const struct tomo_phase_opts *o, int64_t n,
                                int64_t *padded, int64_t *left);

/* Rows of context a part of nx x ny projections needs on each side: the
 * filter's kernel in real space (the padded grid's inverse transform)
 * stays under 1e-6 of its peak beyond them; ny when it never does.
 * TOMO_ERR (message set) when out of memory. */
TOMO_API int tomo_phase_margin(const struct tomo_phase_opts *o, int64_t nx, int64_t ny,
                               int64_t *margin);

/* The filter on the half spectrum of an FFT of px columns by py rows:
 * h[ky * (px/2+1) + kx], scaled by 1/(px py) so that a forward and an
 * unnormalised inverse FFT with it in between filter with unit gain where
 * the filter is 1. Computed in double precision, stored as float. */
TOMO_API int tomo_phase_filter(const struct tomo_phase_opts *o, int64_t px, int64_t py,
                               float *h);

/* A prepared filter for projections of nx by ny samples: plans, filter,
 * work buffers (CPU) or device buffers (GPU). Not thread-safe. */
struct tomo_phase;

/* max_planes: the most projections one tomo_phase_apply call gets. */
TOMO_API int tomo_phase_create(const struct tomo_phase_opts *o, int64_t nx, int64_t ny,
                               int64_t max_planes, struct tomo_phase **p);

/* Filter n projections ([n][ny][nx] floats) in place: transmission (or
 * line integrals with from_log) in, line integrals (or transmission with
 * no_log) out. Never writes NaN or Inf. */
TOMO_API int tomo_phase_apply(struct tomo_phase *p, float *planes, int64_t n);

/* Buffers for tomo_phase_apply: page-locked when the GPU runs, so copies
 * to it are fast and asynchronous. Free with tomo_phase_buffer_free. */
TOMO_API float *tomo_phase_buffer_alloc(struct tomo_phase *p, int64_t nplanes);
TOMO_API void tomo_phase_buffer_free(struct tomo_phase *p, float *buf);

/* Samples clamped so far (see struct tomo_phase_result). */
TOMO_API void tomo_phase_counts(const struct tomo_phase *p, int64_t *clamped_in,
                                int64_t *clamped_out);
TOMO_API void tomo_phase_free(struct tomo_phase *p);

/* The header of what tomo_phase_run makes of projections with header in:
 * projections of line integrals (transmission with no_log), the beam's
 * energy, distance and pixel size o used; in's other keys carried. out
 * must be uninitialised or freed; the caller frees it. */
TOMO_API int tomo_phase_output_header(const struct tomo_header *in, const struct tomo_phase_opts *o,
                                      struct tomo_header *out);

/* The tools' entry point: filter every projection of in into out (created
 * by the caller with in's sizes), slab by slab: reading the next slab,
 * filtering one and writing the previous one overlap, so the first output
 * projection leaves before the last input arrives and host memory stays
 * within o->memory (three slabs plus the work buffers). The input must be
 * projections of transmission (or line integrals with from_log); the
 * caller checks the header. r may be NULL. */
TOMO_API int tomo_phase_run(struct tomo_input *in, struct tomo_output *out,
                            const struct tomo_phase_opts *o, struct tomo_phase_result *r);

#ifdef __cplusplus
}
#endif

#endif
