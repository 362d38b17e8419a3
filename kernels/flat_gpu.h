/*
 * flat_gpu: the C interface of the flat-field correction's CUDA back-end
 * (flat.cu; flat_stub.c in builds without CUDA, where every call fails
 * with TOMO_ENODEV). Host buffers in, host buffers out; every CUDA call is
 * checked and a failure returns TOMO_ERR with tomo_error's message set.
 */
#ifndef TOMO_KERNELS_FLAT_GPU_H
#define TOMO_KERNELS_FLAT_GPU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Device copies of the correction's tables and the slab buffers. */
struct tomo_flat_gpu;

/* Upload dark and den[0..ngroups) (F - D of each flat group, unclamped),
 * planes of npix floats. */
int tomo_flat_gpu_create(struct tomo_flat_gpu **g, int64_t npix, const float *dark,
                         const float *const *den, int ngroups);

/* Correct nz planes of npix samples, raw uint16 (raw_u16) or float, into
 * out (floats; may be raw when raw is float): plane z uses
 * lerp(den[ga[z]], den[gb[z]], w[z]) (tomo_flat_lerp), then
 * tomo_flat_correct. counts[0] and counts[1] grow by the pixels whose den
 * and transmission were clamped (TOMO_FLAT_CLAMP_DEN, _T). */
int tomo_flat_gpu_correct(struct tomo_flat_gpu *g, const void *raw, int raw_u16, int64_t nz,
                          const int *ga, const int *gb, const float *w, int take_log, float *out,
                          int64_t counts[2]);

void tomo_flat_gpu_destroy(struct tomo_flat_gpu *g);

/* tomo_flat_outliers on the GPU: nz planes of nx x ny from in to out
 * (distinct), *replaced set to the pixels replaced. */
int tomo_flat_gpu_outliers(const float *in, float *out, int64_t nx, int64_t ny, int64_t nz, float t,
                           int64_t *replaced);

#ifdef __cplusplus
}
#endif

#endif
