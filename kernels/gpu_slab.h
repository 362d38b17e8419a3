/*
 * gpu_slab: what the two GPU back-ends of tomo-fbp (kernels/fbp.cu and
 * kernels/fourier.cu) keep alike in each of their slots: a stream, the
 * pinned host buffers of a slab's raw rows and of its slices, their device
 * copies, the count of clamped samples, and the one slab in flight. For
 * .cu files only, after cuda_check.h.
 */
#ifndef TOMO_KERNELS_GPU_SLAB_H
#define TOMO_KERNELS_GPU_SLAB_H

#include <stdint.h>
#include <string.h>

struct gpu_slab {
	cudaStream_t stream;
	float *h_in, *h_out; /* pinned */
	float *d_in, *d_out;
	unsigned long long *d_clamped;
	unsigned long long *h_clamped; /* pinned: an async copy target */
	int64_t rows;                  /* of the slab in flight, 0 if none */
};

/* A stream and buffers for in raw and out slice samples. */
static inline int
gpu_slab_init(struct gpu_slab *s, int64_t in, int64_t out)
{
	CK(cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking));
	CK(cudaHostAlloc((void **)&s->h_in, 4 * (size_t)in, cudaHostAllocDefault));
	CK(cudaHostAlloc((void **)&s->h_out, 4 * (size_t)out, cudaHostAllocDefault));
	CK(cudaMalloc((void **)&s->d_in, 4 * (size_t)in));
	CK(cudaMalloc((void **)&s->d_out, 4 * (size_t)out));
	CK(cudaMalloc((void **)&s->d_clamped, sizeof *s->d_clamped));
	CK(cudaHostAlloc((void **)&s->h_clamped, sizeof *s->h_clamped, cudaHostAllocDefault));
	return TOMO_OK;
}

/* Wait for the stream's work, so that what it uses can go. */
static inline void
gpu_slab_sync(struct gpu_slab *s)
{
	if (s->stream)
		cudaStreamSynchronize(s->stream);
}

/* Free the buffers and the stream (after gpu_slab_sync and the owner's
 * own buffers and plans). */
static inline void
gpu_slab_free(struct gpu_slab *s)
{
	cudaFreeHost(s->h_in);
	cudaFreeHost(s->h_out);
	cudaFree(s->d_in);
	cudaFree(s->d_out);
	cudaFree(s->d_clamped);
	cudaFreeHost(s->h_clamped);
	if (s->stream)
		cudaStreamDestroy(s->stream);
	memset(s, 0, sizeof *s);
}

/* A slab's start on the stream: the clamped count zeroed, and (if
 * copy_in) its in raw samples copied to the device. */
static inline int
gpu_slab_start(struct gpu_slab *s, int64_t in, int copy_in)
{
	CK(cudaMemsetAsync(s->d_clamped, 0, sizeof *s->d_clamped, s->stream));
	if (copy_in)
		CK(cudaMemcpyAsync(s->d_in, s->h_in, 4 * (size_t)in, cudaMemcpyHostToDevice,
		                   s->stream));
	return TOMO_OK;
}

/* A slab's end on the stream: (if copy_out) its out slice samples and the
 * clamped count copied back; rows is in flight until gpu_slab_wait. */
static inline int
gpu_slab_finish(struct gpu_slab *s, int64_t rows, int64_t out, int copy_out)
{
	if (copy_out)
		CK(cudaMemcpyAsync(s->h_out, s->d_out, 4 * (size_t)out, cudaMemcpyDeviceToHost,
		                   s->stream));
	CK(cudaMemcpyAsync(s->h_clamped, s->d_clamped, sizeof *s->h_clamped,
	                   cudaMemcpyDeviceToHost, s->stream));
	s->rows = rows;
	return TOMO_OK;
}

/* Wait for the slab in flight; add its clamped samples to *clamped. */
static inline int
gpu_slab_wait(struct gpu_slab *s, int64_t *clamped)
{
	CK(cudaStreamSynchronize(s->stream));
	if (s->rows)
		*clamped += (int64_t)*s->h_clamped;
	s->rows = 0;
	return TOMO_OK;
}

#endif
