/*
 * gpu_stub: the GPU back-ends of a build without CUDA (make CUDA=0), in
 * place of kernels/NAME.cu: the probe says why there is no GPU, and each
 * back-end's struct of functions (kernels/NAME_gpu.h) fails to create
 * with TOMO_ENODEV. The tools never call them there, since no GPU is
 * usable; the tests do, to see the error.
 *
 * The back-ends are weak definitions, so that a test linking a .cu
 * compiled for the CPU (tests/unit/cuda_emu: test_fbp_gpu) keeps its own
 * when this file comes from libtomo.a for another symbol.
 */
#include <stdio.h>

#include "fbp_gpu.h"
#include "flat_gpu.h"
#include "gpu.h"
#include "phase_gpu.h"
#include "tomo/err.h"

#define STUB __attribute__((weak))

static const char nocuda[] = "this build has no CUDA support";

static int
nodev(void)
{
	return tomo_error(TOMO_ENODEV, "%s", nocuda);
}

int
tomo_cuda_probe(int device, char *why, size_t nwhy, char *name, size_t nname)
{
	snprintf(why, nwhy, "%s", nocuda);
	if (nname)
		name[0] = 0;
	return 0;
}

/* ---- tomo-fbp's back-ends */

static int
fbp_create(const struct tomo_fbp_gpu_desc *d, void **g)
{
	*g = NULL;
	return nodev();
}

static int64_t
fbp_slab_rows(const void *g)
{
	return 0;
}

static float *
fbp_input(void *g, int k)
{
	return NULL;
}

static const float *
fbp_output(void *g, int k)
{
	return NULL;
}

static int
fbp_submit(void *g, int k, int64_t rows)
{
	return nodev();
}

static int
fbp_submit_parts(void *g, int k, int64_t rows, unsigned parts)
{
	return nodev();
}

static int
fbp_wait(void *g, int k, int64_t *clamped)
{
	return nodev();
}

static void
fbp_destroy(void *g)
{
}

STUB const struct tomo_fbp_gpu_ops tomo_fbp_gpu_direct = {
	"direct",   fbp_create,       fbp_slab_rows, fbp_input,   fbp_output,
	fbp_submit, fbp_submit_parts, fbp_wait,      fbp_destroy,
};

STUB const struct tomo_fbp_gpu_ops tomo_fbp_gpu_fourier = {
	"fourier",  fbp_create,       fbp_slab_rows, fbp_input,   fbp_output,
	fbp_submit, fbp_submit_parts, fbp_wait,      fbp_destroy,
};

/* ---- tomo-flat's */

static int
flat_create(const struct tomo_flat_gpu_desc *d, struct tomo_flat_gpu_state **g)
{
	*g = NULL;
	return nodev();
}

static int
flat_correct(struct tomo_flat_gpu_state *g, const void *raw, int raw_u16, int64_t nz, const int *ga,
             const int *gb, const float *w, int take_log, float *out, int64_t counts[2])
{
	return nodev();
}

static void
flat_destroy(struct tomo_flat_gpu_state *g)
{
}

static int
flat_outliers(int device, const float *in, float *out, int64_t nx, int64_t ny, int64_t nz, float t,
              int64_t *replaced)
{
	return nodev();
}

STUB const struct tomo_flat_gpu_ops tomo_flat_gpu = {
	flat_create,
	flat_correct,
	flat_destroy,
	flat_outliers,
};

/* ---- tomo-phase's */

static int
phase_create(const struct tomo_phase_gpu_desc *d, struct tomo_phase_gpu_state **g)
{
	*g = NULL;
	return nodev();
}

static int
phase_apply(struct tomo_phase_gpu_state *g, float *planes, int64_t n, int64_t *clamped_in,
            int64_t *clamped_out)
{
	return nodev();
}

static void
phase_destroy(struct tomo_phase_gpu_state *g)
{
}

static void *
phase_host_alloc(struct tomo_phase_gpu_state *g, size_t bytes)
{
	nodev();
	return NULL;
}

static void
phase_host_free(struct tomo_phase_gpu_state *g, void *p)
{
}

STUB const struct tomo_phase_gpu_ops tomo_phase_gpu = {
	phase_create, phase_apply, phase_destroy, phase_host_alloc, phase_host_free,
};
