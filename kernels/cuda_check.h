/*
 * cuda_check: how a launcher in kernels/NAME.cu checks its CUDA and cuFFT
 * calls: CK, CKFFT and CKLAUNCH return TOMO_ERR from the enclosing
 * function with tomo_error's message naming the call that failed. For .cu
 * files only (after cuda_runtime.h and cufft.h).
 */
#ifndef TOMO_KERNELS_CUDA_CHECK_H
#define TOMO_KERNELS_CUDA_CHECK_H

#include "tomo/err.h"

static inline int
cuda_fail(cudaError_t e, const char *what)
{
	cudaGetLastError(); /* clear it, so the next check does not see it */
	return tomo_error(TOMO_ERR, "CUDA: %s: %s", what, cudaGetErrorString(e));
}

static inline int
cufft_fail(cufftResult r, const char *what)
{
	return tomo_error(TOMO_ERR, "cuFFT: %s failed (error %d)", what, (int)r);
}

#define CK(call)                                     \
	do {                                         \
		cudaError_t e_ = (call);             \
		if (e_ != cudaSuccess)               \
			return cuda_fail(e_, #call); \
	} while (0)

#define CKFFT(call)                                   \
	do {                                          \
		cufftResult r_ = (call);              \
		if (r_ != CUFFT_SUCCESS)              \
			return cufft_fail(r_, #call); \
	} while (0)

#define CKLAUNCH(what) CK(cudaGetLastError())

#endif
