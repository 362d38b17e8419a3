/*
 * fourier.cu: the Fourier (gridding) method on the GPU, a whole slab of
 * rows per launch: copy the raw rows in (pinned buffer, the slot's
 * stream), make two rows one padded complex line per angle, one batched
 * cuFFT over every line of the slab, weigh every radial sample (filter,
 * angle weight and centre phase), grid them by gathering (each point of a
 * pair's oversampled grid sums the samples that reach it; or, with
 * TOMO_FOURIER_SPREAD=scatter, spreading each sample with atomic
 * additions), one batched 2D inverse cuFFT, deapodise and split the pairs
 * into slices, copy them out. Two slots (streams) overlap one slab's
 * copies with the other's work. The arithmetic is kernels/fbp_math.h's
 * and kernels/fourier_math.h's; the tables come from the host
 * (lib/fbp_fourier.c, and the sorted angles from gather_tables).
 */
#include <cuda_runtime.h>
#include <cufft.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <vector>

#include "cuda_check.h"
#include "gpu_slab.h"
#include "fbp_gpu.h"
#include "fbp_math.h"
#include "fourier_math.h"
#include "tomo/err.h"

/* Kernel launches go through one macro, so that the unit tests can run
 * this file's kernels as loops on the CPU (tests/unit/cuda_emu/). */
#ifndef FBP_LAUNCH
#define FBP_LAUNCH(kernel, grid, block, stream) kernel<<<(grid), (block), 0, (stream)>>>
#endif

#define NSLOT 2

/* LAUNCH(W) for the kernel width w, 3 to 8, a template argument. */
#define BY_WIDTH(w, LAUNCH)               \
	do {                              \
		switch (w) {              \
		case 3: LAUNCH(3); break; \
		case 4: LAUNCH(4); break; \
		case 5: LAUNCH(5); break; \
		case 6: LAUNCH(6); break; \
		case 7: LAUNCH(7); break; \
		default: LAUNCH(8); break; \
		}                         \
	} while (0)

struct fslot {
	struct gpu_slab io;
	cufftComplex *d_line, *d_grid;
	float2 *d_samples; /* the gather's sample values, PAIRS_PER_THREAD side by side */
	cufftHandle line_fwd, grid_inv;
	int have_line, have_grid;
};

struct fourier_gpu {
	struct tomo_fbp_gpu_desc d;
	int64_t R, pairs; /* rows per slab, pairs per slab */
	float *d_filter, *d_weight, *d_cos, *d_sin, *d_coef, *d_deap_x, *d_deap_y;
	double *d_shift;
	/* The gather's tables, angles sorted by their line's angle modulo pi:
	 * that angle, the angle's index, r sin, r cos and their reciprocals
	 * (fourier_inv). */
	float *d_theta, *d_rs, *d_rc, *d_inv_s, *d_inv_c;
	int *d_order;
	int scatter; /* TOMO_FOURIER_SPREAD=scatter: the spreading kernel instead */
	struct fslot s[NSLOT];
};

static int64_t
cdiv(int64_t a, int64_t b)
{
	return (a + b - 1) / b;
}

/* Line (pair blockIdx.z, angle blockIdx.y): rows 2 pair and 2 pair + 1 of
 * the slab as the real and imaginary parts, pre-processed and padded. */
__global__ void
fprep_kernel(const float *__restrict__ in, int64_t rs, int64_t as, int64_t rows, int64_t A,
             int64_t C, int64_t P, int transmission, int pad_zero, cufftComplex *__restrict__ line,
             unsigned long long *clamped)
{
	const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	const int64_t a = blockIdx.y, pair = blockIdx.z, n = pair * A + a;
	if (k >= P)
		return;
	const int64_t x = k < C ? k : pad_zero ? -1 : fbp_pad_source(k, C, P);
	float v[2] = {0.0f, 0.0f};
	for (int h = 0; h < 2; h++) {
		const int64_t r = 2 * pair + h;
		if (x >= 0 && r < rows) {
			int cl = 0;
			v[h] = fbp_preprocess(in[r * rs + a * as + x], transmission, &cl);
			if (cl && k < C)
				atomicAdd(clamped, 1ULL);
		}
	}
	cufftComplex z;
	z.x = v[0];
	z.y = v[1];
	line[n * P + k] = z;
}

/*
 * The value of radial sample jj of angle a is the line's spectrum z at
 * bin jj mod P (sample_bin) times the filter, the angle weight (half each
 * for the two Nyquist samples of an even P) and exp(2 pi i jj shift / P),
 * the centre's phase ramp: sample_factor, the same for every pair of rows.
 */
static __device__ __forceinline__ int64_t
sample_bin(long jj, int64_t P)
{
	return jj < 0 ? jj + P : jj;
}

static __device__ __forceinline__ float2
sample_factor(int64_t P, long jj, float w, const float *__restrict__ filter, double shift)
{
	const int64_t k = jj < 0 ? -jj : jj;
	const float h = w * filter[k] * (2 * k == P ? 0.5f : 1.0f);
	double x = (double)jj * shift / (double)P, sn, cs;
	x -= rint(x);
	sincospi(2.0 * x, &sn, &cs);
	return make_float2(h * (float)cs, h * (float)sn);
}

static __device__ __forceinline__ float2
cmul(cufftComplex z, float2 f)
{
	return make_float2(z.x * f.x - z.y * f.y, z.x * f.y + z.y * f.x);
}

/* Add v to grid cell q. Global memory, not shared: the GPU adds floats
 * to global memory in its L2 cache (RED.ADD.F32, and two at once on
 * sm_90), while a float added to shared memory is a compare-and-swap loop
 * (ATOMS.CAST.SPIN) that spins wherever samples crowd, as every line does
 * near the grid's centre: the tiled shared-memory kernel this replaced
 * spent 37.5 ms per slab of two pairs at 2048^2 on an H100. */
static __device__ __forceinline__ void
grid_add(cufftComplex *q, float x, float y)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
	atomicAdd((float2 *)q, make_float2(x, y));
#else
	atomicAdd(&q->x, x);
	atomicAdd(&q->y, y);
#endif
}

/* The first grid index of a tap run folded into 0 .. M-1: a footprint
 * reaches at most W/2 + 1 cells past either edge of the periodic grid. */
static __device__ __forceinline__ long
grid_wrap(long i, long M)
{
	return i < 0 ? i + M : i >= M ? i - M : i;
}

/*
 * Gridding, one thread per radial sample: sample jj = blockIdx.x *
 * blockDim.x + threadIdx.x - P/2 of angle blockIdx.y of pair blockIdx.z,
 * its value (filter, angle weight and centre phase applied), its W x W
 * weights, and W x W additions to the pair's grid (zeroed before), the
 * grid being periodic. Every thread does the same work, wherever its
 * sample falls; the consecutive samples of a warp lie along one line, so
 * the additions of a tap land on neighbouring cells. The width is a
 * template argument, so that the tap loops unroll.
 */
template <int W>
__global__ void __launch_bounds__(128)
	spread_kernel(const cufftComplex *__restrict__ line, int64_t A, int64_t P, int64_t M,
                      float r, const float *__restrict__ filter,
                      const float *__restrict__ weight, const float *__restrict__ cosv,
                      const float *__restrict__ sinv, const double *__restrict__ shift,
                      const float *__restrict__ coef, cufftComplex *__restrict__ grid)
{
	const int deg = fourier_degree(W);
	const long J2 = (long)(P / 2);
	const long jj = (long)blockIdx.x * blockDim.x + threadIdx.x - J2;
	const int64_t a = blockIdx.y, pair = blockIdx.z;
	if (jj > J2)
		return;
	const float2 c = cmul(line[(pair * A + a) * P + sample_bin(jj, P)],
	                      sample_factor(P, jj, weight[a], filter, shift[a]));
	float zu, zv, wu[W], wv[W];
	const long iu = fourier_first(fourier_pos(jj, r * sinv[a], (long)M), W, &zu);
	const long iv = fourier_first(fourier_pos(jj, r * cosv[a], (long)M), W, &zv);
#pragma unroll
	for (int t = 0; t < W; t++) {
		wu[t] = fourier_weight(coef, W, deg, t, zu);
		wv[t] = fourier_weight(coef, W, deg, t, zv);
	}
	cufftComplex *g = grid + pair * M * M;
#pragma unroll
	for (int tu = 0; tu < W; tu++) {
		cufftComplex *q = g + grid_wrap(iu + tu, (long)M) * M;
		const float xu = wu[tu] * c.x, yu = wu[tu] * c.y;
#pragma unroll
		for (int tv = 0; tv < W; tv++) {
			const long col = grid_wrap(iv + tv, (long)M);
			grid_add(q + col, xu * wv[tv], yu * wv[tv]);
		}
	}
}

/* Pairs summed by one gather thread: the weights of a sample serve them
 * all, and their values lie side by side (two float4 loads). */
#define PAIRS_PER_THREAD 4

/* Sample j (jj = j - P/2) of the angle sorted k-th (blockIdx.y) of the
 * pairs of chunk blockIdx.z, their values (0 for pairs past the last) to
 * where the gather reads them: chunk by chunk, angle by angle in the
 * sorted order, sample by sample, the chunk's pairs side by side. */
__global__ void
weigh_kernel(const cufftComplex *__restrict__ line, int64_t A, int64_t P, int64_t pairs,
             const int *__restrict__ order, const float *__restrict__ filter,
             const float *__restrict__ weight, const double *__restrict__ shift,
             float4 *__restrict__ samples)
{
	const int64_t J2 = P / 2, J = 2 * J2 + 1;
	const int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	const int64_t k = blockIdx.y, chunk = blockIdx.z, a = order[k];
	if (j >= J)
		return;
	const long jj = (long)(j - J2);
	const float2 f = sample_factor(P, jj, weight[a], filter, shift[a]);
	float v[2 * PAIRS_PER_THREAD];
#pragma unroll
	for (int p = 0; p < PAIRS_PER_THREAD; p++) {
		const int64_t pair = chunk * PAIRS_PER_THREAD + p;
		const float2 c = pair < pairs ? cmul(line[(pair * A + a) * P + sample_bin(jj, P)], f)
		                              : make_float2(0.0f, 0.0f);
		v[2 * p] = c.x;
		v[2 * p + 1] = c.y;
	}
	float4 *o = samples + ((chunk * A + k) * J + j) * (PAIRS_PER_THREAD / 2);
#pragma unroll
	for (int q = 0; q < PAIRS_PER_THREAD / 2; q++)
		o[q] = make_float4(v[4 * q], v[4 * q + 1], v[4 * q + 2], v[4 * q + 3]);
}

/*
 * Gridding as a gather: grid cell (u, v) = (blockIdx.y * blockDim.y +
 * threadIdx.y, blockIdx.x * blockDim.x + threadIdx.x) of the
 * PAIRS_PER_THREAD pairs of chunk blockIdx.z sums the samples whose taps
 * reach it, on the grid or (near its edges) across them, the grid being
 * periodic: the lines in the cell's window of angles, along each the run
 * of samples that can reach it, each sample's exact taps by fourier_first
 * as the spreading kernel finds them. Every cell is written once: no
 * atomic operation, no memset, and one weight serves all the pairs.
 */
template <int W>
__global__ void __launch_bounds__(128)
	gather_kernel(const float4 *__restrict__ samples, int64_t A, int64_t P, int64_t M,
                      int64_t pairs, float r, const float *__restrict__ theta,
                      const float *__restrict__ rs_t, const float *__restrict__ rc_t,
                      const float *__restrict__ inv_s, const float *__restrict__ inv_c,
                      const float *__restrict__ coef, cufftComplex *__restrict__ grid)
{
	const int deg = fourier_degree(W);
	const long J2 = (long)(P / 2), J = 2 * J2 + 1;
	const long v = (long)blockIdx.x * blockDim.x + threadIdx.x;
	const long u = (long)blockIdx.y * blockDim.y + threadIdx.y;
	const int64_t chunk = blockIdx.z;
	if (u >= M || v >= M)
		return;
	const float rmax = (float)J2 * r, h = fourier_half_reach(W, (long)M);
	float acc[2 * PAIRS_PER_THREAD];
#pragma unroll
	for (int q = 0; q < 2 * PAIRS_PER_THREAD; q++)
		acc[q] = 0.0f;
	for (int su = -1; su <= 1; su++) {
		/* the periodic images a tap can come from: row u + M near
		 * row 0, row u - M near row M */
		if ((su > 0 && u >= W) || (su < 0 && u < M - W))
			continue;
		const long U = u + su * (long)M;
		for (int sv = -1; sv <= 1; sv++) {
			if ((sv > 0 && v >= W) || (sv < 0 && v < M - W))
				continue;
			const long V = v + sv * (long)M;
			const float y = (float)(U - M / 2), x = (float)(V - M / 2);
			long k0, n;
			fourier_cell_window(theta, (long)A, y, x, h, rmax, &k0, &n);
			/* 32-bit loop counters: angles and samples fit (A and
			 * P/2 are below 65536 and 2^31 here) */
			for (int i = 0, k = (int)k0; i < (int)n; i++, k = k + 1 == A ? 0 : k + 1) {
				long ja, jb, jc, jd;
				fourier_cell_jrange(y, inv_s[k], h, J2, &ja, &jb);
				fourier_cell_jrange(x, inv_c[k], h, J2, &jc, &jd);
				const int j1 = (int)(jb < jd ? jb : jd);
				const float rs = rs_t[k], rc = rc_t[k];
				const float4 *sk = samples + ((chunk * A + k) * J + J2) *
				                                     (PAIRS_PER_THREAD / 2);
				for (int jj = (int)(ja > jc ? ja : jc); jj <= j1; jj++) {
					float zu, zv;
					/* 32-bit tap indices, and the tap's column of the
					 * coefficients as the pointer: the loads then take
					 * constant offsets, no 64-bit address arithmetic */
					const int tu = (int)U - (int)fourier_first(
						fourier_pos(jj, rs, (long)M), W, &zu);
					const int tv = (int)V - (int)fourier_first(
						fourier_pos(jj, rc, (long)M), W, &zv);
					if ((unsigned)tu >= (unsigned)W || (unsigned)tv >= (unsigned)W)
						continue;
					const float w = fourier_weight(coef + tu, W, deg, 0, zu) *
					                fourier_weight(coef + tv, W, deg, 0, zv);
					const float4 *sp = sk + jj * (PAIRS_PER_THREAD / 2);
#pragma unroll
					for (int q = 0; q < PAIRS_PER_THREAD / 2; q++) {
						const float4 t = sp[q];
						acc[4 * q] = fmaf(w, t.x, acc[4 * q]);
						acc[4 * q + 1] = fmaf(w, t.y, acc[4 * q + 1]);
						acc[4 * q + 2] = fmaf(w, t.z, acc[4 * q + 2]);
						acc[4 * q + 3] = fmaf(w, t.w, acc[4 * q + 3]);
					}
				}
			}
		}
	}
#pragma unroll
	for (int p = 0; p < PAIRS_PER_THREAD; p++) {
		const int64_t pair = chunk * PAIRS_PER_THREAD + p;
		if (pair < pairs)
			grid[(pair * M + u) * M + v] = make_float2(acc[2 * p], acc[2 * p + 1]);
	}
}

/* Pixel (i, x) of pair blockIdx.z: the transformed grid at the pixel's
 * offsets from the axis, deapodised; real part to row 2 pair, imaginary
 * part to row 2 pair + 1. */
__global__ void
extract_kernel(const cufftComplex *__restrict__ grid, int64_t M, int64_t N, int64_t rows,
               const float *__restrict__ deap_x, const float *__restrict__ deap_y,
               float *__restrict__ out)
{
	const int64_t x = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	const int64_t i = blockIdx.y, pair = blockIdx.z;
	if (x >= N)
		return;
	int64_t mx = x - N / 2, my = N - 1 - i - N / 2;
	mx = mx < 0 ? mx + M : mx;
	my = my < 0 ? my + M : my;
	const cufftComplex z = grid[(pair * M + my) * M + mx];
	const float d = deap_x[x] * deap_y[i];
	out[(2 * pair * N + i) * N + x] = z.x * d;
	if (2 * pair + 1 < rows)
		out[((2 * pair + 1) * N + i) * N + x] = z.y * d;
}

/* The gather's sample values for a slab of the given pairs: whole chunks. */
static int64_t
samples_count(const struct tomo_fbp_gpu_desc *d, int64_t pairs)
{
	return cdiv(pairs, PAIRS_PER_THREAD) * PAIRS_PER_THREAD * d->nangles *
	       (2 * (d->padded / 2) + 1);
}

/* Device bytes of one slot for R rows (cuFFT's work areas excluded). */
static size_t
fslot_bytes(const struct tomo_fbp_gpu_desc *d, int64_t R)
{
	const int64_t pairs = cdiv(R, 2);
	return 4 * (size_t)(R * d->nangles * d->ncols + R * d->size * d->size) +
	       8 * (size_t)(pairs * (d->nangles * d->padded + d->grid * d->grid)) +
	       8 * (size_t)samples_count(d, pairs);
}

static int
fslot_init(struct fourier_gpu *g, struct fslot *s)
{
	const struct tomo_fbp_gpu_desc *d = &g->d;
	const int64_t R = g->R, pairs = g->pairs;
	int n1 = (int)d->padded, n2[2] = {(int)d->grid, (int)d->grid};

	int rc = gpu_slab_init(&s->io, R * d->nangles * d->ncols, R * d->size * d->size);
	if (rc)
		return rc;
	CK(cudaMalloc((void **)&s->d_line,
	              sizeof(cufftComplex) * (size_t)(pairs * d->nangles * d->padded)));
	CK(cudaMalloc((void **)&s->d_grid,
	              sizeof(cufftComplex) * (size_t)(pairs * d->grid * d->grid)));
	CK(cudaMalloc((void **)&s->d_samples, sizeof(float2) * (size_t)samples_count(d, pairs)));
	CKFFT(cufftPlanMany(&s->line_fwd, 1, &n1, NULL, 1, n1, NULL, 1, n1, CUFFT_C2C,
	                    (int)(pairs * d->nangles)));
	s->have_line = 1;
	CKFFT(cufftPlanMany(&s->grid_inv, 2, n2, NULL, 1, n2[0] * n2[1], NULL, 1, n2[0] * n2[1],
	                    CUFFT_C2C, (int)pairs));
	s->have_grid = 1;
	CKFFT(cufftSetStream(s->line_fwd, s->io.stream));
	CKFFT(cufftSetStream(s->grid_inv, s->io.stream));
	return TOMO_OK;
}

static void
fslot_free(struct fslot *s)
{
	gpu_slab_sync(&s->io);
	if (s->have_line)
		cufftDestroy(s->line_fwd);
	if (s->have_grid)
		cufftDestroy(s->grid_inv);
	cudaFree(s->d_line);
	cudaFree(s->d_grid);
	cudaFree(s->d_samples);
	gpu_slab_free(&s->io);
	memset(s, 0, sizeof *s);
}

template <typename T>
static int
upload(T **dst, const T *src, int64_t n)
{
	CK(cudaMalloc((void **)dst, sizeof(T) * (size_t)n));
	CK(cudaMemcpy(*dst, src, sizeof(T) * (size_t)n, cudaMemcpyHostToDevice));
	return TOMO_OK;
}

/* The gather's tables (see struct fourier_gpu), from the host's. */
static int
gather_tables(struct fourier_gpu *g)
{
	const struct tomo_fbp_gpu_desc *d = &g->d;
	const int64_t A = d->nangles;
	const double pi = 3.14159265358979323846;
	std::vector<double> line(A);
	std::vector<int> order(A);
	std::vector<float> theta(A), rs(A), rc(A), inv_s(A), inv_c(A);
	int rc_up;

	for (int64_t a = 0; a < A; a++) {
		double t = fmod(atan2((double)d->sinv[a], (double)d->cosv[a]), pi);
		line[a] = t < 0 ? t + pi : t;
		order[a] = (int)a;
	}
	std::sort(order.begin(), order.end(),
	          [&](int x, int y) { return line[x] < line[y] || (line[x] == line[y] && x < y); });
	for (int64_t k = 0; k < A; k++) {
		const int a = order[k];
		theta[k] = (float)line[a];
		/* the products the spreading makes, in the same precision */
		rs[k] = d->r * d->sinv[a];
		rc[k] = d->r * d->cosv[a];
		inv_s[k] = fourier_inv(rs[k]);
		inv_c[k] = fourier_inv(rc[k]);
	}
	/* theta rounded to float stays ascending, as the bisection needs */
	if ((rc_up = upload(&g->d_theta, theta.data(), A)) ||
	    (rc_up = upload(&g->d_rs, rs.data(), A)) || (rc_up = upload(&g->d_rc, rc.data(), A)) ||
	    (rc_up = upload(&g->d_inv_s, inv_s.data(), A)) ||
	    (rc_up = upload(&g->d_inv_c, inv_c.data(), A)) ||
	    (rc_up = upload(&g->d_order, order.data(), A)))
		return rc_up;
	return TOMO_OK;
}

static int
fourier_init(struct fourier_gpu *g)
{
	const struct tomo_fbp_gpu_desc *d = &g->d;
	/* A knob for measuring the two gridding kernels against each other
	 * on a GPU (HACKING.md), not an option. */
	const char *spread = getenv("TOMO_FOURIER_SPREAD");
	size_t free_b = 0, total_b = 0;
	int rc;

	g->scatter = spread && !strcmp(spread, "scatter");

	if (d->nangles > 65535 || d->size > 65535)
		return tomo_error(TOMO_ERR, "%lld angles or a size of %lld is more than the GPU "
		                            "path's launches take (65535)",
		                  (long long)d->nangles, (long long)d->size);
	CK(cudaSetDevice(d->device));
	CK(cudaMemGetInfo(&free_b, &total_b));
	/* Rows per slab: what the host asked for, lowered until two slots fit
	 * in 80% of the free device memory, counting cuFFT's work areas as
	 * large as the data they transform. */
	g->R = d->slab_rows;
	if (g->R > 2)
		g->R -= g->R % 2; /* the host's pairs, so that both pair alike */
	while (g->R > 1 && NSLOT * 2 * fslot_bytes(d, g->R) > free_b / 10 * 8)
		g->R = g->R > 2 ? (g->R / 2 + 1) / 2 * 2 : 1;
	g->pairs = cdiv(g->R, 2);
	if (NSLOT * fslot_bytes(d, g->R) > free_b)
		return tomo_error(TOMO_ERR,
		                  "the GPU has %.0f MB free, too little for one row of %lld x %lld "
		                  "on a %lld x %lld grid",
		                  (double)free_b / 1e6, (long long)d->ncols, (long long)d->nangles,
		                  (long long)d->grid, (long long)d->grid);
	if ((rc = upload(&g->d_filter, d->filter, d->padded / 2 + 1)) ||
	    (rc = upload(&g->d_weight, d->weight, d->nangles)) ||
	    (rc = upload(&g->d_cos, d->cosv, d->nangles)) ||
	    (rc = upload(&g->d_sin, d->sinv, d->nangles)) ||
	    (rc = upload(&g->d_shift, d->shift, d->nangles)) ||
	    (rc = upload(&g->d_coef, d->coef, (int64_t)(d->degree + 1) * d->kernel_width)) ||
	    (rc = upload(&g->d_deap_x, d->deap_x, d->size)) ||
	    (rc = upload(&g->d_deap_y, d->deap_y, d->size)) || (rc = gather_tables(g)))
		return rc;
	for (int k = 0; k < NSLOT; k++)
		if ((rc = fslot_init(g, &g->s[k])))
			return rc;
	return TOMO_OK;
}

static int
fourier_submit_parts(void *h, int k, int64_t rows, unsigned parts)
{
	struct fourier_gpu *g = (struct fourier_gpu *)h;
	const struct tomo_fbp_gpu_desc *d = &g->d;
	struct fslot *s = &g->s[k];
	const int64_t A = d->nangles, C = d->ncols, N = d->size, P = d->padded, M = d->grid;
	const int64_t pairs = cdiv(rows, 2);
	const unsigned chunks = (unsigned)cdiv(pairs, PAIRS_PER_THREAD);
	/* Layout of the raw slab as lib/fbp.c reads it. */
	const int64_t rs = d->sinograms ? A * C : C;
	const int64_t as = d->sinograms ? C : rows * C;
	const dim3 b256(256), b128(128);
	cudaStream_t st = s->io.stream;
	int rc;

	if (rows < 1 || rows > g->R)
		return tomo_error(TOMO_ERR, "GPU slab of %lld rows (at most %lld)", (long long)rows,
		                  (long long)g->R);
	CK(cudaSetDevice(d->device)); /* of this thread, which need not be create's */
	if ((rc = gpu_slab_start(&s->io, rows * A * C, parts & TOMO_FBP_GPU_COPY_IN)))
		return rc;
	if (parts & TOMO_FBP_GPU_FILTER) {
		FBP_LAUNCH(fprep_kernel, dim3((unsigned)cdiv(P, 256), (unsigned)A, (unsigned)pairs),
		           b256, st)(s->io.d_in, rs, as, rows, A, C, P, d->transmission,
		                     d->pad_zero, s->d_line, s->io.d_clamped);
		CKLAUNCH("fprep_kernel");
		/* A partial last slab transforms (and grids) the pairs it has;
		 * the plans cover g->pairs, so the rest is transformed too,
		 * unused. */
		CKFFT(cufftExecC2C(s->line_fwd, s->d_line, s->d_line, CUFFT_FORWARD));
		if (!g->scatter) {
			FBP_LAUNCH(weigh_kernel,
			           dim3((unsigned)cdiv(2 * (P / 2) + 1, 128), (unsigned)A, chunks),
			           b128, st)(s->d_line, A, P, pairs, g->d_order, g->d_filter,
			                     g->d_weight, g->d_shift, (float4 *)s->d_samples);
			CKLAUNCH("weigh_kernel");
		}
	}
	if ((parts & TOMO_FBP_GPU_BACKPROJECT) && g->scatter) {
		CK(cudaMemsetAsync(s->d_grid, 0, sizeof(cufftComplex) * (size_t)(pairs * M * M),
		                   st));
		const dim3 sg((unsigned)cdiv(2 * (P / 2) + 1, 128), (unsigned)A, (unsigned)pairs);
#define SPREAD(w)                                                                      \
	FBP_LAUNCH(spread_kernel<w>, sg, b128, st)(s->d_line, A, P, M, d->r, g->d_filter, \
	                                          g->d_weight, g->d_cos, g->d_sin,        \
	                                          g->d_shift, g->d_coef, s->d_grid)
		BY_WIDTH(d->kernel_width, SPREAD);
#undef SPREAD
		CKLAUNCH("spread_kernel");
	} else if (parts & TOMO_FBP_GPU_BACKPROJECT) {
		const dim3 gg((unsigned)cdiv(M, 32), (unsigned)cdiv(M, 4), chunks);
#define GATHER(w)                                                                               \
	FBP_LAUNCH(gather_kernel<w>, gg, dim3(32, 4), st)((const float4 *)s->d_samples, A, P, M, \
	                                                  pairs, d->r, g->d_theta, g->d_rs,      \
	                                                  g->d_rc, g->d_inv_s, g->d_inv_c,        \
	                                                  g->d_coef, s->d_grid)
		BY_WIDTH(d->kernel_width, GATHER);
#undef GATHER
		CKLAUNCH("gather_kernel");
	}
	if (parts & TOMO_FBP_GPU_BACKPROJECT) {
		CKFFT(cufftExecC2C(s->grid_inv, s->d_grid, s->d_grid, CUFFT_INVERSE));
		FBP_LAUNCH(extract_kernel, dim3((unsigned)cdiv(N, 256), (unsigned)N, (unsigned)pairs),
		           b256, st)(s->d_grid, M, N, rows, g->d_deap_x, g->d_deap_y, s->io.d_out);
		CKLAUNCH("extract_kernel");
	}
	return gpu_slab_finish(&s->io, rows, rows * N * N, parts & TOMO_FBP_GPU_COPY_OUT);
}

static void
fourier_destroy(void *h)
{
	struct fourier_gpu *g = (struct fourier_gpu *)h;

	if (!g)
		return;
	for (int k = 0; k < NSLOT; k++)
		fslot_free(&g->s[k]);
	cudaFree(g->d_filter);
	cudaFree(g->d_weight);
	cudaFree(g->d_cos);
	cudaFree(g->d_sin);
	cudaFree(g->d_shift);
	cudaFree(g->d_coef);
	cudaFree(g->d_deap_x);
	cudaFree(g->d_deap_y);
	cudaFree(g->d_theta);
	cudaFree(g->d_rs);
	cudaFree(g->d_rc);
	cudaFree(g->d_inv_s);
	cudaFree(g->d_inv_c);
	cudaFree(g->d_order);
	free(g);
}

extern "C" const struct tomo_fbp_gpu_ops tomo_fbp_gpu_fourier = {
	"fourier",
	gpu_slab_create<fourier_gpu, fourier_init, fourier_destroy>,
	gpu_slab_rows<fourier_gpu>,
	gpu_slab_input<fourier_gpu>,
	gpu_slab_output<fourier_gpu>,
	gpu_slab_submit<fourier_submit_parts>,
	fourier_submit_parts,
	gpu_slab_wait_slot<fourier_gpu>,
	fourier_destroy,
};
