/*
 * dev: device choice for the tools (tomo/dev.h). The probe itself lives in
 * the CUDA back-end (kernels/dev.cu) or its stub.
 */
#include <stdio.h>
#include <string.h>

#include "gpu.h"
#include "tomo/dev.h"
#include "tomo/err.h"

static int probed = -1, usable; /* probed: the index last asked about */
static char reason[256], gpu_name[256];

int
tomo_gpu_usable(int index, char *why, size_t n)
{
	if (probed != index) {
		usable = tomo_cuda_probe(index, reason, sizeof reason, gpu_name, sizeof gpu_name);
		probed = index;
	}
	if (why && n)
		snprintf(why, n, "%s", usable ? "" : reason);
	return usable;
}

const char *
tomo_gpu_name(void)
{
	return usable ? gpu_name : "";
}

int
tomo_device_select(enum tomo_device req, int index, int *use_gpu)
{
	char why[256];

	*use_gpu = 0;
	if (req == TOMO_DEVICE_CPU)
		return TOMO_OK;
	if (tomo_gpu_usable(index, why, sizeof why)) {
		*use_gpu = 1;
		return TOMO_OK;
	}
	if (req == TOMO_DEVICE_GPU && index)
		return tomo_error(TOMO_ENODEV, "--device gpu:%d: no usable GPU (%s)", index, why);
	if (req == TOMO_DEVICE_GPU)
		return tomo_error(TOMO_ENODEV, "--device gpu: no usable GPU (%s)", why);
	return TOMO_OK;
}

int
tomo_built_with_cuda(void)
{
#ifdef TOMO_HAVE_CUDA
	return 1;
#else
	return 0;
#endif
}
