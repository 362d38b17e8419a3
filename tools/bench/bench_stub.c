/*
 * bench_stub: tomo-bench's GPU measurements in a build without CUDA (make
 * CUDA=0): each says there is no device, and tomo-bench reports that
 * reason in its GPU rows.
 */
#include "bench_gpu.h"
#include "tomo/err.h"

static int
nodev(void)
{
	return tomo_error(TOMO_ENODEV, "this build has no CUDA support");
}

int
tomo_bench_gpu_copy(int device, int mem, int to_device, size_t bytes, int warmup, int repeat,
                    double *t)
{
	return nodev();
}

int
tomo_bench_gpu_d2d(int device, size_t bytes, int warmup, int repeat, double *t)
{
	return nodev();
}

int
tomo_bench_gpu_streams(int device, size_t bytes, int nstreams, unsigned what, int flops_per_float,
                       int warmup, int repeat, double *t)
{
	return nodev();
}

int
tomo_bench_gpu_fft(int device, int rank, int64_t nx, int64_t ny, int64_t batch, int warmup,
                   int repeat, double *t)
{
	return nodev();
}

int
tomo_bench_gpu_lerp_peak(int device, int warmup, int repeat, double *t, double *updates)
{
	return nodev();
}
