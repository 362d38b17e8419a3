/*
 * phase_gpu: the C interface of the CUDA phase-retrieval back-end, one
 * struct of functions (kernels/phase.cu; kernels/gpu_stub.c in builds
 * without CUDA, where every call reports that there is no device). Errors
 * return a tomo_status with tomo_error's message set, naming the CUDA or
 * cuFFT call that failed.
 */
#ifndef TOMO_KERNELS_PHASE_GPU_H
#define TOMO_KERNELS_PHASE_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "phase_math.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What create sets up: device buffers, streams with their batched cuFFT
 * plans, and the filter (uploaded once). */
struct tomo_phase_gpu_desc {
	const struct tomo_phase_geom *geom;
	const float *filter; /* geom->py rows of geom->px/2+1 floats */
	int64_t max_batch;   /* the most projections one apply gets (the batch
	                        per stream is chosen from it and the free
	                        device memory) */
	int device;          /* the CUDA device's index */
};

struct tomo_phase_gpu_state;

struct tomo_phase_gpu_ops {
	/* On GPU d->device, which the calls on g then make current. */
	int (*create)(const struct tomo_phase_gpu_desc *d, struct tomo_phase_gpu_state **g);
	/* Filter n projections ([n][ny][nx] floats, preferably from
	 * host_alloc) in place; adds the clamped sample counts. Returns when
	 * they are back. */
	int (*apply)(struct tomo_phase_gpu_state *g, float *planes, int64_t n, int64_t *clamped_in,
	             int64_t *clamped_out);
	void (*destroy)(struct tomo_phase_gpu_state *g);
	/* Page-locked host memory for g's device (NULL on failure, with
	 * tomo_error set). */
	void *(*host_alloc)(struct tomo_phase_gpu_state *g, size_t bytes);
	void (*host_free)(struct tomo_phase_gpu_state *g, void *p);
};

extern const struct tomo_phase_gpu_ops tomo_phase_gpu;

#ifdef __cplusplus
}
#endif

#endif
