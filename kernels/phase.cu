/*
 * phase.cu: phase retrieval on the GPU. A slab of projections goes through
 * in chunks over three streams ("lanes"), so that one chunk's upload, another's
 * FFTs and a third's download overlap: upload, pad, batched R2C, multiply
 * by the filter (uploaded once), batched C2R, crop with clamp and log,
 * download. The per-sample arithmetic is kernels/phase_math.h.
 */
#include <cuda_runtime.h>
#include <cufft.h>
#include <stdio.h>
#include <stdlib.h>

#include "phase_gpu.h"
#include "tomo/err.h"

#define NLANES 3
/* Most projections per cuFFT batch: larger batches gain little. */
#define MAX_BATCH 8

struct lane {
	cudaStream_t stream;
	cufftHandle fwd, inv;
	int have_fwd, have_inv;
	float *raw;          /* batch * ny * nx: input, then output */
	float *pad;          /* batch * py * px: padded real */
	cufftComplex *spec;  /* batch * py * (px/2+1) */
	void *work;          /* cuFFT work area shared by fwd and inv */
};

struct tomo_phase_gpu_state {
	int device;
	struct tomo_phase_geom g;
	int64_t hx, batch;
	float *filter;                   /* py * hx */
	unsigned long long *counts;      /* [0] input, [1] output clamps */
	struct lane lane[NLANES];
	int nlanes;
};

static const char *
cufft_name(cufftResult r)
{
	switch (r) {
	case CUFFT_SUCCESS: return "success";
	case CUFFT_INVALID_PLAN: return "invalid plan";
	case CUFFT_ALLOC_FAILED: return "allocation failed";
	case CUFFT_INVALID_VALUE: return "invalid value";
	case CUFFT_INTERNAL_ERROR: return "internal error";
	case CUFFT_EXEC_FAILED: return "execution failed";
	case CUFFT_SETUP_FAILED: return "setup failed";
	case CUFFT_INVALID_SIZE: return "invalid size";
	default: return "error";
	}
}

/* Every CUDA and cuFFT call is checked; the first failure is the message. */
#define CUDA_CHECK(call)                                                      \
	do {                                                                  \
		cudaError_t e_ = (call);                                      \
		if (e_ != cudaSuccess)                                        \
			return tomo_error(TOMO_ERR, "CUDA: %s: %s", #call,    \
			                  cudaGetErrorString(e_));            \
	} while (0)
#define CUFFT_CHECK(call)                                                     \
	do {                                                                  \
		cufftResult r_ = (call);                                      \
		if (r_ != CUFFT_SUCCESS)                                      \
			return tomo_error(TOMO_ERR, "cuFFT: %s: %s (%d)",     \
			                  #call, cufft_name(r_), (int)r_);    \
	} while (0)

/* Padded sample (x, y) of projection blockIdx.z, from the raw slab. */
__global__ void
pad_kernel(const float *__restrict__ raw, float *__restrict__ pad,
           tomo_phase_geom g, unsigned long long *counts)
{
	int64_t x = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t y = blockIdx.y;
	int64_t p = blockIdx.z;

	if (x >= g.px)
		return;
	int64_t sx = tomo_phase_pad_src(x, g.lx, g.nx, g.mode);
	int64_t sy = tomo_phase_pad_src(y, g.ly, g.ny, g.mode);
	float v = 0.0f;
	if (sx >= 0 && sy >= 0) {
		int c;
		v = tomo_phase_input(raw[(p * g.ny + sy) * g.nx + sx], g.from_log, &c);
		/* Count each sample once: where it sits, not where it is copied. */
		if (c && x - g.lx == sx && y - g.ly == sy)
			atomicAdd(&counts[0], 1ULL);
	}
	pad[(p * g.py + y) * g.px + x] = v;
}

__global__ void
multiply_kernel(cufftComplex *__restrict__ spec, const float *__restrict__ h,
                int64_t per)
{
	int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;

	if (i >= per)
		return;
	cufftComplex *c = spec + (int64_t)blockIdx.y * per + i;
	float f = h[i];
	c->x *= f;
	c->y *= f;
}

__global__ void
crop_kernel(const float *__restrict__ pad, float *__restrict__ out,
            tomo_phase_geom g, unsigned long long *counts)
{
	int64_t x = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	int64_t y = blockIdx.y;
	int64_t p = blockIdx.z;
	int c;

	if (x >= g.nx)
		return;
	float v = pad[(p * g.py + y + g.ly) * g.px + x + g.lx];
	out[(p * g.ny + y) * g.nx + x] = tomo_phase_output(v, g.no_log, &c);
	if (c)
		atomicAdd(&counts[1], 1ULL);
}

static int
make_plan(cufftHandle *plan, int *have, const tomo_phase_geom *g, int64_t batch,
          cufftType type, size_t *work)
{
	int n[2] = {(int)g->py, (int)g->px};

	CUFFT_CHECK(cufftCreate(plan));
	*have = 1;
	CUFFT_CHECK(cufftSetAutoAllocation(*plan, 0));
	CUFFT_CHECK(cufftMakePlanMany(*plan, 2, n, NULL, 1, 0, NULL, 1, 0, type,
	                              (int)batch, work));
	return TOMO_OK;
}

static int
lane_create(struct lane *l, const tomo_phase_geom *g, int64_t hx, int64_t batch)
{
	size_t wf = 0, wi = 0;

	CUDA_CHECK(cudaStreamCreateWithFlags(&l->stream, cudaStreamNonBlocking));
	CUDA_CHECK(cudaMalloc(&l->raw, (size_t)(batch * g->nx * g->ny) * sizeof(float)));
	CUDA_CHECK(cudaMalloc(&l->pad, (size_t)(batch * g->px * g->py) * sizeof(float)));
	CUDA_CHECK(cudaMalloc(&l->spec, (size_t)(batch * hx * g->py) * sizeof(cufftComplex)));
	if (make_plan(&l->fwd, &l->have_fwd, g, batch, CUFFT_R2C, &wf) ||
	    make_plan(&l->inv, &l->have_inv, g, batch, CUFFT_C2R, &wi))
		return TOMO_ERR;
	/* The two transforms of a lane run one after the other on its stream,
	 * so they can share one work area. */
	size_t ws = wf > wi ? wf : wi;
	CUDA_CHECK(cudaMalloc(&l->work, ws > 256 ? ws : 256));
	CUFFT_CHECK(cufftSetWorkArea(l->fwd, l->work));
	CUFFT_CHECK(cufftSetWorkArea(l->inv, l->work));
	CUFFT_CHECK(cufftSetStream(l->fwd, l->stream));
	CUFFT_CHECK(cufftSetStream(l->inv, l->stream));
	return TOMO_OK;
}

static void
lane_destroy(struct lane *l)
{
	if (l->have_fwd)
		cufftDestroy(l->fwd);
	if (l->have_inv)
		cufftDestroy(l->inv);
	cudaFree(l->work);
	cudaFree(l->spec);
	cudaFree(l->pad);
	cudaFree(l->raw);
	if (l->stream)
		cudaStreamDestroy(l->stream);
}

static void
phase_destroy(struct tomo_phase_gpu_state *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nlanes; i++)
		lane_destroy(&c->lane[i]);
	cudaFree(c->filter);
	cudaFree(c->counts);
	free(c);
}

static int
create(struct tomo_phase_gpu_state *c, const float *filter, int64_t max_batch)
{
	const tomo_phase_geom *g = &c->g;
	size_t free_b = 0, total_b = 0;

	if (g->py > 65535 || g->ny > 65535 || g->px > (1 << 27))
		return tomo_error(TOMO_ERR, "projections of %lld x %lld (padded %lld x "
		                  "%lld) are too large for the GPU path",
		                  (long long)g->nx, (long long)g->ny,
		                  (long long)g->px, (long long)g->py);
	CUDA_CHECK(cudaSetDevice(c->device));
	CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
	/* Per projection: raw, padded real, spectrum, and about as much again
	 * for cuFFT's work area; use at most half of the free memory. */
	double per = 4.0 * (double)(g->nx * g->ny) + 4.0 * (double)(g->px * g->py) +
	             16.0 * (double)(c->hx * g->py);
	int64_t fit = (int64_t)(0.5 * (double)free_b / (NLANES * per));
	int64_t want = (max_batch + NLANES - 1) / NLANES;
	c->batch = want < MAX_BATCH ? want : MAX_BATCH;
	if (c->batch > fit)
		c->batch = fit;
	if (c->batch < 1)
		return tomo_error(TOMO_ERR, "the GPU has %.0f MiB free; one padded "
		                  "projection of %lld x %lld needs %.0f MiB per stream",
		                  (double)free_b / 1048576.0, (long long)g->px,
		                  (long long)g->py, NLANES * per / 1048576.0);
	CUDA_CHECK(cudaMalloc(&c->filter, (size_t)(c->hx * g->py) * sizeof(float)));
	CUDA_CHECK(cudaMemcpy(c->filter, filter, (size_t)(c->hx * g->py) * sizeof(float),
	                      cudaMemcpyHostToDevice));
	CUDA_CHECK(cudaMalloc(&c->counts, 2 * sizeof(unsigned long long)));
	for (int i = 0; i < NLANES; i++) {
		c->nlanes = i + 1;
		if (lane_create(&c->lane[i], g, c->hx, c->batch))
			return TOMO_ERR;
	}
	return TOMO_OK;
}

static int
phase_create(const struct tomo_phase_gpu_desc *d, struct tomo_phase_gpu_state **out)
{
	struct tomo_phase_gpu_state *c = (struct tomo_phase_gpu_state *)calloc(1, sizeof *c);

	*out = NULL;
	if (!c)
		return tomo_error(TOMO_ERR, "out of memory");
	c->device = d->device;
	c->g = *d->geom;
	c->hx = c->g.px / 2 + 1;
	if (create(c, d->filter, d->max_batch < 1 ? 1 : d->max_batch)) {
		phase_destroy(c);
		return TOMO_ERR;
	}
	*out = c;
	return TOMO_OK;
}

/* Queue chunk [off, off + m) of the slab on lane l. */
static int
chunk(struct tomo_phase_gpu_state *c, struct lane *l, float *planes, int64_t off, int64_t m)
{
	const tomo_phase_geom *g = &c->g;
	const size_t bytes = (size_t)(m * g->nx * g->ny) * sizeof(float);
	const int64_t per = c->hx * g->py;
	float *host = planes + off * g->nx * g->ny;

	CUDA_CHECK(cudaMemcpyAsync(l->raw, host, bytes, cudaMemcpyHostToDevice,
	                           l->stream));
	pad_kernel<<<dim3((unsigned)((g->px + 255) / 256), (unsigned)g->py,
	               (unsigned)m), 256, 0, l->stream>>>(l->raw, l->pad, *g, c->counts);
	CUDA_CHECK(cudaGetLastError());
	/* A partial last chunk still runs the whole batch: the projections
	 * past m are stale and independent, and are never copied back. */
	CUFFT_CHECK(cufftExecR2C(l->fwd, l->pad, l->spec));
	multiply_kernel<<<dim3((unsigned)((per + 255) / 256), (unsigned)m), 256, 0,
	                  l->stream>>>(l->spec, c->filter, per);
	CUDA_CHECK(cudaGetLastError());
	CUFFT_CHECK(cufftExecC2R(l->inv, l->spec, l->pad));
	crop_kernel<<<dim3((unsigned)((g->nx + 255) / 256), (unsigned)g->ny,
	                (unsigned)m), 256, 0, l->stream>>>(l->pad, l->raw, *g, c->counts);
	CUDA_CHECK(cudaGetLastError());
	CUDA_CHECK(cudaMemcpyAsync(host, l->raw, bytes, cudaMemcpyDeviceToHost,
	                           l->stream));
	return TOMO_OK;
}

static int
phase_apply(struct tomo_phase_gpu_state *c, float *planes, int64_t n, int64_t *cin, int64_t *cout)
{
	unsigned long long counts[2];
	int rc = TOMO_OK;

	CUDA_CHECK(cudaSetDevice(c->device));
	/* The lanes' streams do not wait for the legacy stream: clear the
	 * counters on one of them and wait for it. */
	CUDA_CHECK(cudaMemsetAsync(c->counts, 0, sizeof counts, c->lane[0].stream));
	CUDA_CHECK(cudaStreamSynchronize(c->lane[0].stream));
	for (int64_t k = 0; k * c->batch < n && rc == TOMO_OK; k++) {
		int64_t off = k * c->batch;
		int64_t m = off + c->batch > n ? n - off : c->batch;
		rc = chunk(c, &c->lane[k % NLANES], planes, off, m);
	}
	/* Wait for every lane even after a failure, so nothing still writes
	 * into the host slab when we return. */
	for (int i = 0; i < NLANES; i++) {
		cudaError_t e = cudaStreamSynchronize(c->lane[i].stream);
		if (e != cudaSuccess && rc == TOMO_OK)
			rc = tomo_error(TOMO_ERR, "CUDA: filtering a slab: %s",
			                cudaGetErrorString(e));
	}
	if (rc)
		return rc;
	CUDA_CHECK(cudaMemcpy(counts, c->counts, sizeof counts, cudaMemcpyDeviceToHost));
	*cin += (int64_t)counts[0];
	*cout += (int64_t)counts[1];
	return TOMO_OK;
}

static void *
phase_host_alloc(struct tomo_phase_gpu_state *c, size_t bytes)
{
	void *p = NULL;
	cudaError_t e = cudaSetDevice(c->device);

	if (e == cudaSuccess)
		e = cudaHostAlloc(&p, bytes ? bytes : 1, cudaHostAllocPortable);
	if (e != cudaSuccess) {
		tomo_error(TOMO_ERR, "CUDA: cannot allocate %zu bytes of page-locked "
		           "memory: %s", bytes, cudaGetErrorString(e));
		return NULL;
	}
	return p;
}

static void
phase_host_free(struct tomo_phase_gpu_state *c, void *p)
{
	if (p)
		cudaFreeHost(p);
}

extern "C" const struct tomo_phase_gpu_ops tomo_phase_gpu = {
	phase_create, phase_apply, phase_destroy, phase_host_alloc, phase_host_free,
};
