/*
 * fbp_gpu: the C interface of the GPU back-ends of filtered back-projection,
 * one struct of functions each (kernels/fbp.cu: direct; kernels/fourier.cu:
 * gridding; kernels/gpu_stub.c in builds without CUDA, where every call
 * reports that there is no device). lib/fbp.c drives either the same way:
 * two slots, each a CUDA stream with pinned host buffers, so that reading
 * slab k+1 and writing slab k-1 overlap the GPU's work on slab k.
 */
#ifndef TOMO_KERNELS_FBP_GPU_H
#define TOMO_KERNELS_FBP_GPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the GPU needs to know, tables computed on the host. */
struct tomo_fbp_gpu_desc {
	int64_t ncols, nangles, size; /* C, A, N */
	int64_t padded;               /* P */
	int64_t slab_rows;            /* R: rows per slab (host buffers) */
	int sinograms;                /* raw slab layout, see below */
	int transmission;
	int pad_zero;
	float off, hi;            /* fbp_u offset and clamp limit */
	const float *filter;      /* P/2 + 1 gains (1/P and scale included) */
	const float *cosv, *sinv; /* A each */
	const float *weight;      /* A quadrature weights */
	int64_t memory;           /* host bytes for pinned buffers */
	int device;               /* the CUDA device's index */
	/* The Fourier method (fbp_impl.h's struct fbp_geom has the meaning). */
	int64_t grid;                 /* M */
	int kernel_width, degree;     /* W, deg */
	float r;                      /* M / P */
	const float *coef;            /* (deg + 1) x W */
	const double *shift;          /* A */
	const float *deap_x, *deap_y; /* N each */
};

/* The steps of a submission, for tomo-bench to time them apart (on data
 * a previous submission left in the slot's device buffers): copy the raw
 * slab in, filter it (direct: pad, -ln, FFT, filter, inverse FFT, weight
 * and interleave; Fourier: pre-process, FFT, filter, weight and phase),
 * back-project it (Fourier: grid, inverse 2D FFT, deapodise), copy the
 * slices out. */
enum {
	TOMO_FBP_GPU_COPY_IN = 1,
	TOMO_FBP_GPU_FILTER = 2,
	TOMO_FBP_GPU_BACKPROJECT = 4,
	TOMO_FBP_GPU_COPY_OUT = 8,
	TOMO_FBP_GPU_ALL = 15,
};

/* A back-end: its calls on the handle create makes (void *: each back-end
 * has its own state). */
struct tomo_fbp_gpu_ops {
	const char *name; /* "direct", "fourier" */
	/* Set up device buffers, plans and tables for d on GPU d->device
	 * (which the calls on g then make current). Slab rows may be
	 * lowered to fit the GPU's memory (the Fourier method: even numbers
	 * of rows travel best, two as one complex line): read the value used
	 * back with slab_rows. */
	int (*create)(const struct tomo_fbp_gpu_desc *d, void **g);
	int64_t (*slab_rows)(const void *g);
	/* The pinned host buffers of slot k (0 or 1): the raw slab to fill
	 * ([A][R][C] floats for projections, [R][A][C] for sinograms, R the
	 * rows of the slab) and the slices it will produce ([R][N][N]). */
	float *(*input)(void *g, int k);
	const float *(*output)(void *g, int k);
	/* Queue the reconstruction of the rows rows in slot k's input buffer
	 * (asynchronous: returns once queued). */
	int (*submit)(void *g, int k, int64_t rows);
	/* submit doing only the steps named (a mask of the above); submit is
	 * submit_parts with TOMO_FBP_GPU_ALL. */
	int (*submit_parts)(void *g, int k, int64_t rows, unsigned parts);
	/* Wait until slot k's work is done (its output buffer then holds the
	 * slices); adds the clamped-sample count of that slab to *clamped. */
	int (*wait)(void *g, int k, int64_t *clamped);
	void (*destroy)(void *g);
};

/* kernels/fbp.cu: direct back-projection; kernels/fourier.cu: the Fourier
 * method. In a build without CUDA (kernels/gpu_stub.c) create says that
 * there is no device. */
extern const struct tomo_fbp_gpu_ops tomo_fbp_gpu_direct, tomo_fbp_gpu_fourier;

#ifdef __cplusplus
}
#endif

#endif
