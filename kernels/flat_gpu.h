/*
 * flat_gpu: the C interface of the flat-field correction's CUDA back-end,
 * one struct of functions (kernels/flat.cu; kernels/gpu_stub.c in builds
 * without CUDA, where every call fails with TOMO_ENODEV). Host buffers in,
 * host buffers out; every CUDA call is checked and a failure returns
 * TOMO_ERR with tomo_error's message set.
 */
#ifndef TOMO_KERNELS_FLAT_GPU_H
#define TOMO_KERNELS_FLAT_GPU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What create uploads: dark and den[0..ngroups) (F - D of each flat
 * group, unclamped), planes of npix floats. */
struct tomo_flat_gpu_desc {
	int64_t npix;
	const float *dark;
	const float *const *den;
	int ngroups;
	int device; /* the CUDA device's index */
};

/* Device copies of the correction's tables and the slab buffers. */
struct tomo_flat_gpu_state;

struct tomo_flat_gpu_ops {
	/* On GPU d->device, which the calls on g then make current. */
	int (*create)(const struct tomo_flat_gpu_desc *d, struct tomo_flat_gpu_state **g);
	/* Correct nz planes of npix samples, raw uint16 (raw_u16) or float,
	 * into out (floats; may be raw when raw is float): plane z uses
	 * lerp(den[ga[z]], den[gb[z]], w[z]) (tomo_flat_lerp), then
	 * tomo_flat_correct. counts[0] and counts[1] grow by the pixels whose
	 * den and transmission were clamped (TOMO_FLAT_CLAMP_DEN, _T). */
	int (*correct)(struct tomo_flat_gpu_state *g, const void *raw, int raw_u16, int64_t nz,
	               const int *ga, const int *gb, const float *w, int take_log, float *out,
	               int64_t counts[2]);
	void (*destroy)(struct tomo_flat_gpu_state *g);
	/* tomo_flat_outliers on GPU device: nz planes of nx x ny from in to
	 * out (distinct), *replaced set to the pixels replaced. */
	int (*outliers)(int device, const float *in, float *out, int64_t nx, int64_t ny, int64_t nz,
	                float t, int64_t *replaced);
};

extern const struct tomo_flat_gpu_ops tomo_flat_gpu;

#ifdef __cplusplus
}
#endif

#endif
