/*
 * flat.cu: flat-field correction and 3x3-median outlier removal on the
 * GPU. Kernels are index arithmetic, a bounds check and a call into
 * flat_math.h, the CPU path's arithmetic; launchers copy host slabs in and
 * out and check every CUDA call. Device buffers live in struct
 * tomo_flat_gpu_state and grow with the slabs.
 */
#include <cuda_runtime.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>

#include "flat_gpu.h"
#include "flat_math.h"
#include "tomo/err.h"

struct tomo_flat_gpu_state {
	int device;
	int64_t npix;
	int ngroups;
	float *dark, *den;       /* npix, ngroups * npix */
	void *raw;               /* slab in */
	float *out;              /* slab out */
	size_t raw_cap, out_cap; /* bytes */
	int *ga, *gb;            /* per plane */
	float *w;
	int64_t planes_cap;
	unsigned long long *count; /* 2 */
};

static int
check(cudaError_t e, const char *what)
{
	if (e == cudaSuccess)
		return TOMO_OK;
	cudaGetLastError(); /* clear a sticky launch error's record */
	return tomo_error(TOMO_ERR, "CUDA error in %s: %s", what, cudaGetErrorString(e));
}

/* Threads per block and blocks for n items, grid-stride beyond. */
static void
grid_for(int64_t n, int *blocks, int *threads)
{
	int64_t b = (n + 255) / 256;
	*threads = 256;
	*blocks = (int)(b < 65535 ? (b > 0 ? b : 1) : 65535);
}

template <typename T>
__global__ void
correct_kernel(const T *raw, float *out, int64_t nz, int64_t npix, const float *dark,
               const float *den, const int *ga, const int *gb, const float *w, int take_log,
               unsigned long long *count)
{
	unsigned long long nden = 0, nt = 0;
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < nz * npix;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int64_t z = i / npix, j = i - z * npix;
		float d0 = den[ga[z] * npix + j];
		float d = ga[z] == gb[z] ? d0 : tomo_flat_lerp(d0, den[gb[z] * npix + j], w[z]);
		int f;
		out[i] = tomo_flat_correct((float)raw[i], dark[j], d, take_log, &f);
		nden += (f & TOMO_FLAT_CLAMP_DEN) != 0;
		nt += (f & TOMO_FLAT_CLAMP_T) != 0;
	}
	if (nden)
		atomicAdd(&count[0], nden);
	if (nt)
		atomicAdd(&count[1], nt);
}

__global__ void
outlier_kernel(const float *in, float *out, int64_t nx, int64_t ny, int64_t nz, float t,
               unsigned long long *count)
{
	unsigned long long hits = 0;
	for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < nx * ny * nz;
	     i += (int64_t)gridDim.x * blockDim.x) {
		int64_t x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
		const float *row = in + (z * ny + y) * nx;
		const float *up = y > 0 ? row - nx : row, *dn = y + 1 < ny ? row + nx : row;
		float m = tomo_flat_median3x3(up, row, dn, (long)x, (long)nx);
		int hit;
		out[i] = tomo_flat_outlier(row[x], m, t, &hit);
		hits += hit;
	}
	if (hits)
		atomicAdd(count, hits);
}

static void ocache_free(void);

/* Make *p hold at least need bytes. */
static int
ensure(void **p, size_t *cap, size_t need, const char *what)
{
	if (*cap >= need)
		return TOMO_OK;
	if (*p)
		cudaFree(*p);
	*p = NULL;
	*cap = 0;
	if (check(cudaMalloc(p, need), what))
		return TOMO_ERR;
	*cap = need;
	return TOMO_OK;
}

static void
flat_destroy(struct tomo_flat_gpu_state *g)
{
	if (!g)
		return;
	cudaFree(g->dark);
	cudaFree(g->den);
	cudaFree(g->raw);
	cudaFree(g->out);
	cudaFree(g->ga);
	cudaFree(g->gb);
	cudaFree(g->w);
	cudaFree(g->count);
	free(g);
	ocache_free();
}

static int
flat_create(const struct tomo_flat_gpu_desc *d, struct tomo_flat_gpu_state **out)
{
	struct tomo_flat_gpu_state *g = (struct tomo_flat_gpu_state *)calloc(1, sizeof *g);
	const int64_t npix = d->npix;
	const int ngroups = d->ngroups;
	size_t plane = (size_t)npix * sizeof(float);
	int rc;

	*out = NULL;
	if (!g)
		return tomo_error(TOMO_ERR, "out of memory");
	g->device = d->device;
	g->npix = npix;
	g->ngroups = ngroups;
	if ((rc = check(cudaSetDevice(d->device), "choosing the GPU")) ||
	    (rc = check(cudaMalloc((void **)&g->dark, plane), "allocating the dark")) ||
	    (rc = check(cudaMalloc((void **)&g->den, plane * ngroups), "allocating the flats")) ||
	    (rc = check(cudaMalloc((void **)&g->count, 2 * sizeof *g->count),
	                "allocating counters")) ||
	    (rc = check(cudaMemcpy(g->dark, d->dark, plane, cudaMemcpyHostToDevice),
	                "copying the dark")))
		goto fail;
	for (int i = 0; i < ngroups; i++)
		if ((rc = check(cudaMemcpy(g->den + (size_t)i * npix, d->den[i], plane,
		                           cudaMemcpyHostToDevice),
		                "copying the flats")))
			goto fail;
	*out = g;
	return TOMO_OK;
fail:
	flat_destroy(g);
	return rc;
}

static int
flat_correct(struct tomo_flat_gpu_state *g, const void *raw, int raw_u16, int64_t nz, const int *ga,
             const int *gb, const float *w, int take_log, float *out, int64_t counts[2])
{
	size_t n = (size_t)(nz * g->npix), in_bytes = n * (raw_u16 ? 2 : 4);
	unsigned long long c[2];
	int blocks, threads, rc;

	if (nz < 1)
		return TOMO_OK;
	if ((rc = check(cudaSetDevice(g->device), "choosing the GPU")))
		return rc;
	if (nz > g->planes_cap) {
		cudaFree(g->ga);
		cudaFree(g->gb);
		cudaFree(g->w);
		g->ga = g->gb = NULL;
		g->w = NULL;
		g->planes_cap = 0;
		if ((rc = check(cudaMalloc((void **)&g->ga, nz * sizeof(int)), "allocating")) ||
		    (rc = check(cudaMalloc((void **)&g->gb, nz * sizeof(int)), "allocating")) ||
		    (rc = check(cudaMalloc((void **)&g->w, nz * sizeof(float)), "allocating")))
			return rc;
		g->planes_cap = nz;
	}
	if ((rc = ensure(&g->raw, &g->raw_cap, in_bytes, "allocating a slab")) ||
	    (rc = ensure((void **)&g->out, &g->out_cap, n * sizeof(float), "allocating a slab")) ||
	    (rc = check(cudaMemcpy(g->raw, raw, in_bytes, cudaMemcpyHostToDevice),
	                "copying a slab in")) ||
	    (rc = check(cudaMemcpy(g->ga, ga, nz * sizeof(int), cudaMemcpyHostToDevice),
	                "copying")) ||
	    (rc = check(cudaMemcpy(g->gb, gb, nz * sizeof(int), cudaMemcpyHostToDevice),
	                "copying")) ||
	    (rc = check(cudaMemcpy(g->w, w, nz * sizeof(float), cudaMemcpyHostToDevice),
	                "copying")) ||
	    (rc = check(cudaMemset(g->count, 0, 2 * sizeof *g->count), "clearing counters")))
		return rc;
	grid_for((int64_t)n, &blocks, &threads);
	if (raw_u16)
		correct_kernel<uint16_t><<<blocks, threads>>>((const uint16_t *)g->raw, g->out, nz,
		                                              g->npix, g->dark, g->den, g->ga,
		                                              g->gb, g->w, take_log, g->count);
	else
		correct_kernel<float><<<blocks, threads>>>((const float *)g->raw, g->out, nz,
		                                           g->npix, g->dark, g->den, g->ga, g->gb,
		                                           g->w, take_log, g->count);
	if ((rc = check(cudaGetLastError(), "the correction kernel")) ||
	    (rc = check(cudaMemcpy(out, g->out, n * sizeof(float), cudaMemcpyDeviceToHost),
	                "copying a slab out")) ||
	    (rc = check(cudaMemcpy(c, g->count, sizeof c, cudaMemcpyDeviceToHost),
	                "copying counters")))
		return rc;
	counts[0] += (int64_t)c[0];
	counts[1] += (int64_t)c[1];
	return TOMO_OK;
}

/* Device buffers of the outlier filter, kept between calls (it runs once
 * per slab, and a cudaMalloc/cudaFree pair per slab cost more than the
 * filter); freed with the last destroy, at exit, or for another device. */
static struct {
	int device;
	float *din, *dout;
	size_t in_cap, out_cap;
	unsigned long long *dc;
} ocache;

static void
ocache_free(void)
{
	cudaFree(ocache.din);
	cudaFree(ocache.dout);
	cudaFree(ocache.dc);
	memset(&ocache, 0, sizeof ocache);
}

static int
flat_outliers(int device, const float *in, float *out, int64_t nx, int64_t ny, int64_t nz, float t,
              int64_t *replaced)
{
	size_t bytes = (size_t)(nx * ny * nz) * sizeof(float);
	unsigned long long c = 0;
	int blocks, threads, rc;

	*replaced = 0;
	if (!bytes)
		return TOMO_OK;
	if ((rc = check(cudaSetDevice(device), "choosing the GPU")))
		return rc;
	if (ocache.device != device)
		ocache_free();
	ocache.device = device;
	if ((rc = ensure((void **)&ocache.din, &ocache.in_cap, bytes, "allocating a slab")) ||
	    (rc = ensure((void **)&ocache.dout, &ocache.out_cap, bytes, "allocating a slab")) ||
	    (!ocache.dc && (rc = check(cudaMalloc((void **)&ocache.dc, sizeof *ocache.dc),
	                               "allocating a counter"))) ||
	    (rc = check(cudaMemcpy(ocache.din, in, bytes, cudaMemcpyHostToDevice),
	                "copying a slab in")) ||
	    (rc = check(cudaMemset(ocache.dc, 0, sizeof *ocache.dc), "clearing a counter")))
		return rc;
	grid_for(nx * ny * nz, &blocks, &threads);
	outlier_kernel<<<blocks, threads>>>(ocache.din, ocache.dout, nx, ny, nz, t, ocache.dc);
	if ((rc = check(cudaGetLastError(), "the outlier kernel")) ||
	    (rc = check(cudaMemcpy(out, ocache.dout, bytes, cudaMemcpyDeviceToHost),
	                "copying a slab out")) ||
	    (rc = check(cudaMemcpy(&c, ocache.dc, sizeof c, cudaMemcpyDeviceToHost),
	                "copying a counter")))
		return rc;
	*replaced = (int64_t)c;
	return TOMO_OK;
}

extern "C" const struct tomo_flat_gpu_ops tomo_flat_gpu = {
	flat_create,
	flat_correct,
	flat_destroy,
	flat_outliers,
};
