/*
 * phase_gpu: the C interface of the CUDA phase-retrieval back-end
 * (kernels/phase.cu; kernels/phase_stub.c in builds without CUDA, where
 * every call reports that there is no device). Errors return a tomo_status
 * with tomo_error's message set, naming the CUDA or cuFFT call that failed.
 */
#ifndef TOMO_KERNELS_PHASE_GPU_H
#define TOMO_KERNELS_PHASE_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "phase_math.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tomo_phase_gpu;

/* Device buffers, two streams with their batched cuFFT plans, and the
 * filter (py rows of px/2+1 floats, uploaded once). max_batch: the most
 * projections one tomo_phase_gpu_apply gets (the batch per stream is
 * chosen from it and the free device memory). */
int tomo_phase_gpu_create(const struct tomo_phase_geom *g, const float *filter,
                          int64_t max_batch, struct tomo_phase_gpu **ctx);

/* Filter n projections ([n][ny][nx] floats, preferably page-locked) in
 * place; adds the clamped sample counts. Returns when they are back. */
int tomo_phase_gpu_apply(struct tomo_phase_gpu *ctx, float *planes, int64_t n,
                         int64_t *clamped_in, int64_t *clamped_out);

void tomo_phase_gpu_destroy(struct tomo_phase_gpu *ctx);

/* Page-locked host memory (NULL on failure, with tomo_error set). */
void *tomo_phase_gpu_host_alloc(size_t bytes);
void tomo_phase_gpu_host_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
