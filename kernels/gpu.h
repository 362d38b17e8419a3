/*
 * gpu: the device probe of the CUDA back-end (kernels/dev.cu; in builds
 * without CUDA kernels/gpu_stub.c, which also has every back-end's
 * struct of functions: kernels/NAME_gpu.h). Launchers check every CUDA
 * call and return a tomo_status with tomo_error's message set.
 */
#ifndef TOMO_KERNELS_GPU_H
#define TOMO_KERNELS_GPU_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dev.cu: 1 if GPU number device (CUDA's numbering, from 0) is usable, and
 * then the current device of the calling thread; else 0 and why. name gets
 * the device name. */
int tomo_cuda_probe(int device, char *why, size_t nwhy, char *name, size_t nname);

#ifdef __cplusplus
}
#endif

#endif
