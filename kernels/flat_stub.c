/*
 * flat_stub: the flat-field GPU launchers of a build without CUDA: each
 * says there is no device (TOMO_ENODEV). The tools never call them there,
 * since no GPU is usable; the tests do, to see the error.
 */
#include <stddef.h>

#include "flat_gpu.h"
#include "tomo/err.h"

static int
nodev(void)
{
	return tomo_error(TOMO_ENODEV, "this build has no CUDA support");
}

int
tomo_flat_gpu_create(struct tomo_flat_gpu **g, int64_t npix, const float *dark,
                     const float *const *den, int ngroups)
{
	*g = NULL;
	return nodev();
}

int
tomo_flat_gpu_correct(struct tomo_flat_gpu *g, const void *raw, int raw_u16, int64_t nz,
                      const int *ga, const int *gb, const float *w, int take_log, float *out,
                      int64_t counts[2])
{
	return nodev();
}

void
tomo_flat_gpu_destroy(struct tomo_flat_gpu *g)
{
}

int
tomo_flat_gpu_outliers(const float *in, float *out, int64_t nx, int64_t ny, int64_t nz, float t,
                       int64_t *replaced)
{
	return nodev();
}
