/*
 * dev_stub: the answer of a build without CUDA (make CUDA=0).
 */
#include <stdio.h>

#include "gpu.h"

int
tomo_cuda_probe(char *why, size_t nwhy, char *name, size_t nname)
{
	snprintf(why, nwhy, "this build has no CUDA support");
	if (nname)
		name[0] = 0;
	return 0;
}
