/*
 * flat: flat- and dark-field correction of a scan (tomo/scan.h) into
 * float32 projections, streamed slab by slab: per frame, outlier removal
 * (3x3 median) and binning; averaged flats (interpolated between groups
 * taken before and after) and darks; transmission (I - D) / (F - D), or
 * its -ln, with non-physical pixels clamped and counted. CPU (OpenMP) or
 * GPU (kernels/flat.cu); both use the arithmetic of kernels/flat_math.h.
 */
#ifndef TOMO_FLAT_H
#define TOMO_FLAT_H

#include <stdint.h>

#include "tomo/api.h"
#include "tomo/header.h"
#include "tomo/io.h"
#include "tomo/scan.h"
#include "tomo/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tomo_flat_average {
	TOMO_FLAT_MEAN = 0,
	TOMO_FLAT_MEDIAN, /* of an even count: the mean of the middle two */
};

struct tomo_flat_opts {
	enum tomo_flat_average flat_average, dark_average;
	int take_log;    /* -ln(transmission) instead of transmission */
	double outliers; /* > 0: threshold T of the outlier rule; 0: off */
	/* The part of the detector and scan to correct, as half-open ranges;
	 * an end of 0 means "to the last". Projections count from 0 among the
	 * projections (flats and darks are not counted); step >= 1. */
	int64_t row0, row1, col0, col1;
	int64_t proj0, proj1, proj_step;
	int64_t bin;    /* N x N binning by mean, N >= 1 */
	/* A part (--part, when part is 1): output rows part_row0..part_row1-1
	 * of the planned output only, written at their place. Only
	 * those rows of the frames are read (and their neighbours for the
	 * outliers' 3x3), flats and darks included. */
	int part;
	int64_t part_row0, part_row1;
	int use_gpu;    /* run the heavy steps on the GPU */
	int device;     /* which GPU: CUDA's index */
	int64_t memory; /* bytes for buffers (slabs use part of it) */
};

/* What the run had to repair, for -v and warnings. */
struct tomo_flat_counts {
	int64_t den_clamped;   /* output pixels whose F - D was below 1e-6 */
	int64_t t_low;         /* output pixels whose transmission was below
	                        * 1e-6 (clamped with take_log) */
	int64_t outliers_proj; /* projection pixels replaced by the median */
	int64_t outliers_side; /* flat and dark pixels replaced */
	int64_t pixels;        /* output pixels written */
	double dark_mean;      /* mean of the averaged dark (0 without darks) */
	double flat_mean[16];  /* mean of each averaged flat group (the
	                        * scan's first 16 groups), for -v */
	char dropped[512];     /* flat groups left out (not above the darks
	                        * anywhere), "" if none */
};

/* Check o against the scan and describe the output: sizes (columns, rows,
 * projections after cropping and binning), kind projections, quantity
 * transmission or line-integral, the chosen projections' angles, the
 * scan's other metadata (centre and pixel size follow cropping and
 * binning). A range outside the scan gives TOMO_EUSAGE with a message.
 * h must be uninitialised or freed; the caller frees it. */
TOMO_API int tomo_flat_plan(const struct tomo_scan_input *s, const struct tomo_flat_opts *o,
                            struct tomo_header *h);

/* Correct the scan into out (opened with tomo_flat_plan's header): flats
 * and darks averaged first, then the projections slab by slab, each slab
 * written as soon as it is done. Reads only the rows, columns and frames
 * o selects (one extra row and column around them with outliers, for the
 * 3x3 neighbourhood). counts may be NULL; progress (may be NULL) is reported
 * in projections. */
TOMO_API int tomo_flat_run(const struct tomo_scan_input *s, const struct tomo_flat_opts *o,
                           struct tomo_output *out, struct tomo_flat_counts *counts,
                           const struct tomo_progress_cb *progress);

/* Pieces, exposed for the tests and tomo-bench. */

/* The correction tomo_flat_run applies to each slab, on frames already in
 * memory (tomo-bench times the stage with it): nz planes of npix samples,
 * uint16 counts (raw_u16) or floats, into out (floats; may be raw when raw
 * is float), with the averaged dark and one flat group's den = F - D
 * (planes of npix floats): tomo_flat_correct per pixel, -ln with take_log.
 * OpenMP threads. counts[0] and counts[1] grow by the pixels whose den and
 * transmission were clamped. The GPU's is tomo_flat_gpu.correct. */
TOMO_API void tomo_flat_correct_planes(const void *raw, int raw_u16, int64_t nz, int64_t npix,
                                       const float *dark, const float *den, int take_log,
                                       float *out, int64_t counts[2]);

/* Outlier removal on nz planes of nx x ny: out = in, except where a pixel
 * differs from the median m of its 3x3 neighbourhood (edges replicated)
 * by more than t |m|: there out = m. in and out must not overlap. Returns
 * the number of pixels replaced. Multi-threaded. */
TOMO_API int64_t tomo_flat_outliers(const float *in, float *out, int64_t nx, int64_t ny, int64_t nz,
                                    float t);

/* N x N binning by mean of an nx x ny plane into floor(nx/N) x floor(ny/N)
 * (the last columns and rows that do not fill a bin are left out). */
TOMO_API void tomo_flat_bin(const float *in, int64_t nx, int64_t ny, int64_t n, float *out);

/* The median of v[0..n) (reordered), n >= 1: the middle value, or the
 * mean of the middle two for even n (NumPy's convention). */
TOMO_API float tomo_flat_median(float *v, int64_t n);

#ifdef __cplusplus
}
#endif

#endif
