/*
 * cuda_emu: cuFFT's batched 1-D real transforms (the basic data layout)
 * on FFTW, for kernels/NAME.cu compiled for the CPU (cuda_runtime.h here).
 */
#ifndef TOMO_CUDA_EMU_CUFFT_H
#define TOMO_CUDA_EMU_CUFFT_H

#include <fftw3.h>

#include "cuda_runtime.h"

typedef float2 cufftComplex;
typedef float cufftReal;
typedef enum { CUFFT_SUCCESS = 0, CUFFT_INVALID_PLAN = 1 } cufftResult;
typedef enum { CUFFT_R2C = 0x2a, CUFFT_C2R = 0x2c } cufftType;
struct emu_fft {
	fftwf_plan p;
};
typedef struct emu_fft *cufftHandle;

static inline cufftResult
cufftPlanMany(cufftHandle *h, int rank, int *n, int *inembed, int istride, int idist,
              int *onembed, int ostride, int odist, cufftType type, int batch)
{
	const int m = n[0], nb = m / 2 + 1;
	float *r = fftwf_alloc_real((size_t)m * batch);
	fftwf_complex *c = fftwf_alloc_complex((size_t)nb * batch);
	*h = new emu_fft;
	if (type == CUFFT_R2C)
		(*h)->p = fftwf_plan_many_dft_r2c(1, n, batch, r, NULL, 1, m, c, NULL, 1, nb,
		                                  FFTW_ESTIMATE);
	else
		(*h)->p = fftwf_plan_many_dft_c2r(1, n, batch, c, NULL, 1, nb, r, NULL, 1, m,
		                                  FFTW_ESTIMATE);
	fftwf_free(r);
	fftwf_free(c);
	return (*h)->p ? CUFFT_SUCCESS : CUFFT_INVALID_PLAN;
}
static inline cufftResult
cufftSetStream(cufftHandle h, cudaStream_t s)
{
	return CUFFT_SUCCESS;
}
static inline cufftResult
cufftExecR2C(cufftHandle h, cufftReal *in, cufftComplex *out)
{
	fftwf_execute_dft_r2c(h->p, in, (fftwf_complex *)out);
	return CUFFT_SUCCESS;
}
static inline cufftResult
cufftExecC2R(cufftHandle h, cufftComplex *in, cufftReal *out)
{
	fftwf_execute_dft_c2r(h->p, (fftwf_complex *)in, out);
	return CUFFT_SUCCESS;
}
static inline cufftResult
cufftDestroy(cufftHandle h)
{
	fftwf_destroy_plan(h->p);
	delete h;
	return CUFFT_SUCCESS;
}

#endif
