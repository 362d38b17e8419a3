/*
 * phase_stub: the phase-retrieval launchers of a build without CUDA
 * (make CUDA=0). tomo_device_select never picks the GPU there, so these
 * only answer if called anyway.
 */
#include "phase_gpu.h"
#include "tomo/err.h"

int
tomo_phase_gpu_create(const struct tomo_phase_geom *g, const float *filter,
                      int64_t max_batch, struct tomo_phase_gpu **ctx)
{
	*ctx = NULL;
	return tomo_error(TOMO_ENODEV, "this build has no CUDA support");
}

int
tomo_phase_gpu_apply(struct tomo_phase_gpu *ctx, float *planes, int64_t n,
                     int64_t *clamped_in, int64_t *clamped_out)
{
	return tomo_error(TOMO_ENODEV, "this build has no CUDA support");
}

void
tomo_phase_gpu_destroy(struct tomo_phase_gpu *ctx)
{
}

void *
tomo_phase_gpu_host_alloc(size_t bytes)
{
	tomo_error(TOMO_ENODEV, "this build has no CUDA support");
	return NULL;
}

void
tomo_phase_gpu_host_free(void *p)
{
}
