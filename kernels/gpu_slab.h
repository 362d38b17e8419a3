/*
 * gpu_slab: what the two GPU back-ends of tomo-fbp (kernels/fbp.cu and
 * kernels/fourier.cu) keep alike in each of their slots: a stream, the
 * pinned host buffers of a slab's raw rows and of its slices, their device
 * copies, the count of clamped samples, and the one slab in flight; and
 * the calls of their struct tomo_fbp_gpu_ops that are alike. For .cu files
 * only, after cuda_check.h.
 */
#ifndef TOMO_KERNELS_GPU_SLAB_H
#define TOMO_KERNELS_GPU_SLAB_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fbp_gpu.h"

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

/*
 * The calls of a back-end (fbp_gpu.h) that are alike in both, for its
 * state G: the description d, R rows per slab, slots s[k] each with its
 * gpu_slab io. create makes G with init (destroy on failure), which alone
 * reads the host tables of d; G keeps none of them.
 */
template <class G, int (*init)(G *), void (*destroy)(void *)>
static int
gpu_slab_create(const struct tomo_fbp_gpu_desc *d, void **out)
{
	G *g = (G *)calloc(1, sizeof *g);
	int rc;

	*out = NULL;
	if (!g)
		return tomo_error(TOMO_ERR, "out of memory");
	g->d = *d;
	if ((rc = init(g))) {
		destroy(g);
		return rc;
	}
	g->d.filter = g->d.cosv = g->d.sinv = g->d.weight = g->d.coef = NULL;
	g->d.deap_x = g->d.deap_y = NULL;
	g->d.shift = NULL;
	*out = g;
	return TOMO_OK;
}

template <class G>
static int64_t
gpu_slab_rows(const void *h)
{
	return ((const G *)h)->R;
}

template <class G>
static float *
gpu_slab_input(void *h, int k)
{
	return ((G *)h)->s[k].io.h_in;
}

template <class G>
static const float *
gpu_slab_output(void *h, int k)
{
	return ((G *)h)->s[k].io.h_out;
}

template <int (*submit_parts)(void *, int, int64_t, unsigned)>
static int
gpu_slab_submit(void *h, int k, int64_t rows)
{
	return submit_parts(h, k, rows, TOMO_FBP_GPU_ALL);
}

template <class G>
static int
gpu_slab_wait_slot(void *h, int k, int64_t *clamped)
{
	return gpu_slab_wait(&((G *)h)->s[k].io, clamped);
}

#endif
