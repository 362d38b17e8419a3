/*
 * dev: which device runs the heavy step. The CUDA back-end (kernels/dev.cu)
 * or, in a build without CUDA, its stub answers whether a GPU is usable;
 * a CUDA build on a machine without GPU or driver says why not and the
 * tools fall back to the CPU.
 */
#ifndef TOMO_DEV_H
#define TOMO_DEV_H

#include <stddef.h>

#include "tomo/api.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tomo_device {
	TOMO_DEVICE_AUTO = 0,
	TOMO_DEVICE_CPU,
	TOMO_DEVICE_GPU,
};

/* 1 if CUDA GPU number index (CUDA's numbering from 0, as
 * CUDA_VISIBLE_DEVICES leaves them) is usable, and then the calling
 * thread's current device; else 0, and the reason (e.g. "built without
 * CUDA", "no CUDA driver", "CUDA found 1 GPU, numbered from 0") in why.
 * The answer for the last index asked about is cached. */
TOMO_API int tomo_gpu_usable(int index, char *why, size_t n);

/* The name of the GPU last found usable ("" if none). */
TOMO_API const char *tomo_gpu_name(void);

/* Choose for a request on GPU index (TOMO_DEVICE_GPU with index N is
 * --device gpu:N): *use_gpu set; TOMO_ENODEV with a message when the GPU
 * was demanded and is unusable. */
TOMO_API int tomo_device_select(enum tomo_device req, int index, int *use_gpu);

/* 1 when this build has the CUDA back-end. */
TOMO_API int tomo_built_with_cuda(void);

#ifdef __cplusplus
}
#endif

#endif
