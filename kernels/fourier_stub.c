/*
 * fourier_stub: the GPU back-end of the Fourier method in a build without
 * CUDA (make CUDA=0): every entry point says there is no device.
 */
#include "fbp_gpu.h"
#include "tomo/err.h"

int
tomo_fourier_gpu_create(const struct tomo_fbp_gpu_desc *d, struct tomo_fourier_gpu **g)
{
	*g = NULL;
	return tomo_error(TOMO_ENODEV, "this build has no CUDA support");
}

int64_t
tomo_fourier_gpu_slab_rows(const struct tomo_fourier_gpu *g)
{
	return 0;
}

float *
tomo_fourier_gpu_input(struct tomo_fourier_gpu *g, int k)
{
	return NULL;
}

const float *
tomo_fourier_gpu_output(struct tomo_fourier_gpu *g, int k)
{
	return NULL;
}

int
tomo_fourier_gpu_submit(struct tomo_fourier_gpu *g, int k, int64_t rows)
{
	return tomo_error(TOMO_ENODEV, "this build has no CUDA support");
}

int
tomo_fourier_gpu_submit_parts(struct tomo_fourier_gpu *g, int k, int64_t rows, unsigned parts)
{
	return tomo_error(TOMO_ENODEV, "this build has no CUDA support");
}

int
tomo_fourier_gpu_wait(struct tomo_fourier_gpu *g, int k, int64_t *clamped)
{
	return tomo_error(TOMO_ENODEV, "this build has no CUDA support");
}

void
tomo_fourier_gpu_destroy(struct tomo_fourier_gpu *g)
{
}
