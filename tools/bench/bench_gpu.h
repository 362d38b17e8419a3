/*
 * bench_gpu: the GPU measurements of tomo-bench (tools/bench/bench.cu;
 * bench_stub.c in builds without CUDA, where every call returns
 * TOMO_ENODEV). Each function times its work with CUDA events, checks
 * every CUDA and cuFFT call, and frees what it allocated before
 * returning, on GPU device (CUDA's index, --device gpu:N). Times are
 * seconds, one per timed run, after warmup untimed runs; t holds repeat
 * values.
 */
#ifndef TOMO_TOOLS_BENCH_GPU_H
#define TOMO_TOOLS_BENCH_GPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Host memory a copy starts or ends in. */
enum tomo_bench_host_mem {
	TOMO_BENCH_PAGEABLE = 0, /* malloc: the driver stages it through pinned buffers */
	TOMO_BENCH_PINNED,       /* cudaHostAlloc: DMA straight from or to it */
	TOMO_BENCH_MAPPED,       /* cudaHostAllocMapped: a kernel reads or writes it over
	                            the bus (zero-copy), no cudaMemcpy */
};

/* bytes from host memory of kind mem to the device (to_device) or back. */
int tomo_bench_gpu_copy(int device, int mem, int to_device, size_t bytes, int warmup, int repeat,
                        double *t);

/* cudaMemcpy of bytes from one device buffer to another. */
int tomo_bench_gpu_d2d(int device, size_t bytes, int warmup, int repeat, double *t);

/* Parts of the stream pipeline below. */
enum {
	TOMO_BENCH_GPU_IN = 1,     /* pinned host to device */
	TOMO_BENCH_GPU_KERNEL = 2, /* flops_per_float multiply-adds per float */
	TOMO_BENCH_GPU_OUT = 4,    /* device to pinned host */
};

/* bytes of pinned host memory in 16 chunks, chunk k on stream k % nstreams
 * (1 or 2): copy in, kernel, copy out, as what says. With 2 streams the
 * copies of one chunk overlap the kernel and copies of the other. */
int tomo_bench_gpu_streams(int device, size_t bytes, int nstreams, unsigned what,
                           int flops_per_float, int warmup, int repeat, double *t);

/* cuFFT alone on device memory: batch real-to-complex and back transforms
 * of nx (rank 1) or nx by ny (rank 2, x fastest) floats. */
int tomo_bench_gpu_fft(int device, int rank, int64_t nx, int64_t ny, int64_t batch, int warmup,
                       int repeat, double *t);

/* The back-projection's arithmetic peak on the GPU: kernels/fbp.cu's
 * bp_kernel loop (4 pixels x 4 slices per thread, float4 loads of 16-slice
 * lines) with its lines in L1 and detector columns from integer arithmetic;
 * *updates gets the pixel x angle x slice updates of one run. */
int tomo_bench_gpu_lerp_peak(int device, int warmup, int repeat, double *t, double *updates);

#ifdef __cplusplus
}
#endif

#endif
