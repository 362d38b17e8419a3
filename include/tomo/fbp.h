/*
 * fbp: filtered back-projection of parallel-beam scans, slab by slab of
 * detector rows, on the CPU (FFTW + OpenMP, lib/fbp_cpu.c) or the GPU
 * (cuFFT + CUDA, kernels/fbp.cu), directly or by gridding in Fourier space
 * (lib/fbp_fourier.c, kernels/fourier.cu). This header holds the one entry
 * point and the host-side tables (filter response, angle weights) it is
 * built on; the per-element arithmetic both devices share is in
 * kernels/fbp_math.h and kernels/fourier_math.h.
 */
#ifndef TOMO_FBP_H
#define TOMO_FBP_H

#include <stdint.h>

#include "tomo/api.h"
#include "tomo/io.h"
#include "tomo/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tomo_fbp_filter {
	TOMO_FBP_RAMP = 0,
	TOMO_FBP_SHEPP_LOGAN,
	TOMO_FBP_COSINE,
	TOMO_FBP_HAMMING,
	TOMO_FBP_HANN,
	TOMO_FBP_PARZEN,
};

enum tomo_fbp_method {
	TOMO_FBP_DIRECT = 0, /* back-projection with linear interpolation */
	TOMO_FBP_FOURIER,    /* gridding: Kaiser-Bessel kernel, 2D inverse FFT */
};

/* Defaults of the Fourier method's grid oversampling and kernel width
 * (cells): chosen by the measurements in BENCHMARKS.md. */
#define TOMO_FBP_OVERSAMPLE   2.0
#define TOMO_FBP_KERNEL_WIDTH 4

enum tomo_fbp_pad {
	TOMO_FBP_PAD_EDGE = 0, /* repeat the first and last columns */
	TOMO_FBP_PAD_ZERO,
};

/* Transmission at or below zero (or NaN) is clamped to this before -ln. */
#define TOMO_FBP_MIN_TRANSMISSION 1e-6f

/* Interleaved slices of the GPU back-projection: it serves this many
 * detector rows per detector-index computation (16 GPU registers). The
 * CPU path chooses its own per instruction set (lib/simd.h). */
#define TOMO_FBP_LANES 16

struct tomo_fbp_params {
	int sinograms;        /* input axes: 1 x column, y angle, z row;
	                         0 x column, y row, z angle (projections) */
	int transmission;     /* 1: input is I/I0, take -ln first */
	const double *angles; /* degrees, one per projection; not owned */
	int64_t nangles;      /* must equal the input's angle axis */
	double center;        /* rotation axis, TomoPy convention (columns) */
	enum tomo_fbp_filter filter;
	double cutoff; /* fraction of Nyquist, (0, 1] */
	enum tomo_fbp_pad pad;
	int64_t size;       /* output width and height N */
	int64_t row0, row1; /* detector rows row0..row1-1 to reconstruct */
	int part;           /* a part (--part): output slices z0..z1-1 of the
	                       row1 - row0 only (tomo_fbp_part_multiple
	                       aligns them); 0: all */
	int64_t z0, z1;
	double scale;       /* multiplies the result (1/pixel size); 1 */
	int use_gpu;        /* 1: CUDA back-end (caller checked it is usable) */
	int device;         /* which GPU: CUDA's index (tomo_device_select's) */
	enum tomo_fbp_method method;
	double oversample; /* Fourier grid / output size, 1.25..4; 0: default */
	int kernel_width;  /* Fourier kernel width, 3..8 cells; 0: default */
	int64_t memory;    /* bytes of host buffers to aim for */
	/* Reports in pixel updates (angles x size^2 per slice) as the work
	 * goes (tomo/progress.h); fn may be NULL. */
	struct tomo_progress_cb progress;
};

struct tomo_fbp_stats {
	int64_t clamped;   /* transmission samples clamped before -ln */
	int64_t slab_rows; /* detector rows per slab */
	int64_t slabs;
	double updates;                 /* voxel updates: angles x N^2 x rows */
	int64_t grid;                   /* Fourier method: grid size M (M x M), else 0 */
	double seconds;                 /* inside tomo_fbp_run */
	double read_s, wait_s, write_s; /* of seconds: reading input, waiting for
	                                 * the GPU (GPU path), writing output */
	double setup_s;                 /* of seconds (GPU path): device buffers,
	                                 * page-locked host buffers, plans, tables */
	int64_t padded;                 /* padded detector length of the filter */
};

/* The header of the volume that p makes of the input with header in:
 * sizes (size x size x the rows), kind volume, quantity attenuation, no
 * angles, centre or spacings; pixel_size when it is a number (the output
 * is then in 1/m); in's other keys carried. out must be uninitialised or
 * freed; the caller frees it. */
TOMO_API int tomo_fbp_output_header(const struct tomo_header *in, const struct tomo_fbp_params *p,
                                    double pixel_size, struct tomo_header *out);

/* Parts of a reconstruction start at multiples of this from row0 (the
 * Fourier method reconstructs rows in pairs): tomo_part_range's multiple. */
TOMO_API int64_t tomo_fbp_part_multiple(const struct tomo_fbp_params *p);

/* Reconstruct rows p->row0..row1-1 of in (float32 boxes through
 * tomo_input_read; a sequential input of projections must have been made
 * random-access with tomo_input_buffer) into out, whose planes are the
 * slices 0..row1-row0-1, each size x size: pixel (i, j) is centred at
 * x = j + 0.5 - N/2, y = N/2 - i - 0.5, and sees detector coordinate
 * s = x cos(theta) + y sin(theta) at column s + center - 0.5. Output values
 * are attenuation per pixel length times p->scale. The caller has checked
 * the parameters (tomo_fbp_check). stats may be NULL. Errors set
 * tomo_error's message and return TOMO_ERR (CUDA failures included). */
TOMO_API int tomo_fbp_run(struct tomo_input *in, const struct tomo_fbp_params *p,
                          struct tomo_output *out, struct tomo_fbp_stats *stats);

/* Check p against the input's sizes: angle count, centre inside the
 * detector, rows in range, size, cutoff, the Fourier method's oversampling
 * and kernel width. TOMO_ERR with a message naming the problem. */
TOMO_API int tomo_fbp_check(const struct tomo_input *in, const struct tomo_fbp_params *p);

/* The padded length of the filter for ncols detector columns: an even
 * fast FFT size of at least 2 ncols (and at least 64). */
TOMO_API int64_t tomo_fbp_padded_length(int64_t ncols);

/* The smallest even size of at least n of the form 2^a 3^b 5^c 7^d. */
TOMO_API int64_t tomo_fbp_even_size(int64_t n);

/* Filter response for padded length P at the P/2 + 1 frequency bins
 * k = 0..P/2 (k/P cycles per pixel): the DFT of the discrete Ram-Lak
 * kernel (h[0] = 1/4, h[n] = -1/(pi n)^2 for odd n, 0 for even n, n the
 * circular distance on P samples), times the window at k/P / (cutoff/2),
 * zero past the cutoff, times gain. */
TOMO_API void tomo_fbp_filter_table(enum tomo_fbp_filter f, double cutoff, int64_t P, double gain,
                                    double *resp);

/* Quadrature weights (radians) for angles in degrees: angles are folded
 * modulo 180, sorted, and each distinct direction gets half the gap to
 * its neighbours on the 180-degree circle, shared equally by its
 * duplicates. The weights sum to pi. n >= 1. Returns TOMO_ERR (out of
 * memory or a non-finite angle). */
TOMO_API int tomo_fbp_angle_weights(const double *deg, int64_t n, double *w);

/* "ramp", "shepp-logan", ... NULL-terminated, in enum order. */
TOMO_API extern const char *const tomo_fbp_filter_names[];

/* "fbp", "fourier": NULL-terminated, in enum order. */
TOMO_API extern const char *const tomo_fbp_method_names[];

#ifdef __cplusplus
}
#endif

#endif
