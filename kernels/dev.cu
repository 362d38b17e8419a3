/*
 * dev.cu: find out at run time whether a CUDA GPU is usable. A CUDA build
 * runs on machines without a GPU or driver; this is where it notices.
 */
#include <cuda_runtime.h>
#include <stdio.h>

#include "gpu.h"

extern "C" int
tomo_cuda_probe(int device, char *why, size_t nwhy, char *name, size_t nname)
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
	if (device < 0 || device >= n) {
		snprintf(why, nwhy, "CUDA found %d GPU%s, numbered from 0", n, n == 1 ? "" : "s");
		return 0;
	}
	cudaDeviceProp p;
	e = cudaGetDeviceProperties(&p, device);
	if (e != cudaSuccess) {
		snprintf(why, nwhy, "CUDA: %s", cudaGetErrorString(e));
		return 0;
	}
	if (p.major < 7) {
		snprintf(why, nwhy, "GPU %d, %s, has compute capability %d.%d (need 7.0)", device,
		         p.name, p.major, p.minor);
		return 0;
	}
	e = cudaSetDevice(device);
	if (e == cudaSuccess)
		e = cudaFree(0); /* create the context now, so failures show here */
	if (e != cudaSuccess) {
		snprintf(why, nwhy, "CUDA: %s", cudaGetErrorString(e));
		return 0;
	}
	snprintf(name, nname, "%s", p.name);
	return 1;
}
