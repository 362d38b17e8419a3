/*
 * cuda_emu: just enough of the CUDA runtime to compile a kernels/NAME.cu file
 * with g++ and run it on the CPU, for tests without a GPU. Kernels launched
 * with FBP_LAUNCH run as plain loops over the grid and the block, one
 * thread after the other (so no kernel may share memory within a block or
 * meet at __syncthreads; atomics are real atomics). Streams are
 * synchronous; device memory is host memory. It checks a launcher's index arithmetic and data flow,
 * not CUDA semantics (memory spaces, limits, warps), which only a GPU run
 * can.
 */
#ifndef TOMO_CUDA_EMU_RUNTIME_H
#define TOMO_CUDA_EMU_RUNTIME_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOMO_CUDA_EMULATED 1
#define __global__
#define __constant__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)

struct dim3 {
	unsigned x, y, z;
	dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct uint3 {
	unsigned x, y, z;
};
struct float2 {
	float x, y;
};
struct float4 {
	float x, y, z, w;
};
static inline float2
make_float2(float x, float y)
{
	return float2{x, y};
}
static inline float4
make_float4(float x, float y, float z, float w)
{
	return float4{x, y, z, w};
}

static uint3 blockIdx, threadIdx;
static dim3 blockDim, gridDim;

/* kernel<<<grid, block, 0, stream>>>(args) as loops. */
template <typename K> struct emu_launch {
	dim3 g, b;
	K k;
	template <typename... A>
	void
	operator()(A... a) const
	{
		gridDim = g;
		blockDim = b;
		for (unsigned bz = 0; bz < g.z; bz++)
			for (unsigned by = 0; by < g.y; by++)
				for (unsigned bx = 0; bx < g.x; bx++)
					for (unsigned tz = 0; tz < b.z; tz++)
						for (unsigned ty = 0; ty < b.y; ty++)
							for (unsigned tx = 0; tx < b.x; tx++) {
								blockIdx = uint3{bx, by, bz};
								threadIdx = uint3{tx, ty, tz};
								k(a...);
							}
	}
};
#define FBP_LAUNCH(kernel, grid, block, stream) emu_launch<decltype(&kernel)>{(grid), (block), &kernel}

template <typename T>
static inline T
__ldg(const T *p)
{
	return *p;
}
static inline unsigned long long
atomicAdd(unsigned long long *p, unsigned long long v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
static inline float
atomicAdd(float *p, float v)
{
	float old, sum;
	__atomic_load(p, &old, __ATOMIC_RELAXED);
	do
		sum = old + v;
	while (!__atomic_compare_exchange(p, &old, &sum, false, __ATOMIC_RELAXED,
	                                  __ATOMIC_RELAXED));
	return old;
}
static inline void
sincospi(double x, double *s, double *c)
{
	*s = sin(3.14159265358979323846 * x);
	*c = cos(3.14159265358979323846 * x);
}

typedef enum {
	cudaSuccess = 0,
	cudaErrorMemoryAllocation = 2,
	cudaErrorInvalidDevice = 101,
} cudaError_t;
typedef enum {
	cudaMemcpyHostToDevice = 1,
	cudaMemcpyDeviceToHost = 2,
} cudaMemcpyKind;
typedef struct emu_stream *cudaStream_t;
#define cudaStreamNonBlocking 1
#define cudaHostAllocDefault  0

static inline const char *
cudaGetErrorString(cudaError_t e)
{
	return e == cudaSuccess              ? "no error"
	       : e == cudaErrorInvalidDevice ? "invalid device ordinal"
	                                     : "out of memory";
}
static inline cudaError_t
cudaGetLastError(void)
{
	return cudaSuccess;
}
/* One GPU, number 0. */
static inline cudaError_t
cudaGetDeviceCount(int *n)
{
	*n = 1;
	return cudaSuccess;
}
static inline cudaError_t
cudaSetDevice(int d)
{
	return d == 0 ? cudaSuccess : cudaErrorInvalidDevice;
}
/* A small "GPU", so that the tests also exercise the fitting of slabs. */
extern size_t cuda_emu_free_bytes;
static inline cudaError_t
cudaMemGetInfo(size_t *free_b, size_t *total_b)
{
	*free_b = *total_b = cuda_emu_free_bytes;
	return cudaSuccess;
}
static inline cudaError_t
cudaMalloc(void **p, size_t n)
{
	/* 64-byte aligned like FFTW's buffers; filled with garbage so that a
	 * read before a write shows. */
	*p = aligned_alloc(64, (n + 63) / 64 * 64);
	if (*p)
		memset(*p, 0x7f, n);
	return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
static inline cudaError_t
cudaHostAlloc(void **p, size_t n, unsigned flags)
{
	return cudaMalloc(p, n);
}
static inline cudaError_t
cudaFree(void *p)
{
	free(p);
	return cudaSuccess;
}
static inline cudaError_t
cudaFreeHost(void *p)
{
	free(p);
	return cudaSuccess;
}
static inline cudaError_t
cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags)
{
	*s = (cudaStream_t)malloc(1);
	return cudaSuccess;
}
static inline cudaError_t
cudaStreamSynchronize(cudaStream_t s)
{
	return cudaSuccess;
}
static inline cudaError_t
cudaStreamDestroy(cudaStream_t s)
{
	free(s);
	return cudaSuccess;
}
static inline cudaError_t
cudaMemcpy(void *d, const void *s, size_t n, cudaMemcpyKind k)
{
	memcpy(d, s, n);
	return cudaSuccess;
}
static inline cudaError_t
cudaMemcpyAsync(void *d, const void *s, size_t n, cudaMemcpyKind k, cudaStream_t st)
{
	memcpy(d, s, n);
	return cudaSuccess;
}
static inline cudaError_t
cudaMemsetAsync(void *d, int v, size_t n, cudaStream_t st)
{
	memset(d, v, n);
	return cudaSuccess;
}
template <typename T>
static inline cudaError_t
cudaMemcpyToSymbol(T &sym, const void *s, size_t n, size_t off = 0,
                   cudaMemcpyKind k = cudaMemcpyHostToDevice)
{
	if (off + n > sizeof sym)
		abort();
	memcpy((char *)&sym + off, s, n);
	return cudaSuccess;
}
template <typename T>
static inline cudaError_t
cudaMemcpyToSymbolAsync(T &sym, const void *s, size_t n, size_t off, cudaMemcpyKind k,
                        cudaStream_t st)
{
	return cudaMemcpyToSymbol(sym, s, n, off, k);
}

#endif
