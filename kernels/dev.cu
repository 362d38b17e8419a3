/*
 * dev.cu: find out at run time whether a CUDA GPU is usable. A CUDA build
 * runs on machines without a GPU or driver; this is where it notices.
 */
#include <cuda_runtime.h>
#include <stdio.h>

#include "gpu.h"

extern "C" int
tomo_cuda_probe(char *why, size_t nwhy, char *name, size_t nname)
{
	int n = 0;
	cudaError_t e = cudaGetDeviceCount(&n);

	if (e != cudaSuccess) {
		snprintf(why, nwhy, "CUDA: %s", cudaGetErrorString(e));
		cudaGetLastError();
		return 0;
	}
	if (n < 1) {
		snprintf(why, nwhy, "CUDA found no GPU");
		return 0;
	}
	cudaDeviceProp p;
	e = cudaGetDeviceProperties(&p, 0);
	if (e != cudaSuccess) {
		snprintf(why, nwhy, "CUDA: %s", cudaGetErrorString(e));
		return 0;
	}
	if (p.major < 7) {
		snprintf(why, nwhy, "GPU %s has compute capability %d.%d (need 7.0)",
		         p.name, p.major, p.minor);
		return 0;
	}
	e = cudaSetDevice(0);
	if (e == cudaSuccess)
		e = cudaFree(0); /* create the context now, so failures show here */
	if (e != cudaSuccess) {
		snprintf(why, nwhy, "CUDA: %s", cudaGetErrorString(e));
		return 0;
	}
	snprintf(name, nname, "%s", p.name);
	return 1;
}
