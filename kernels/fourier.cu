/*
 * fourier.cu: the Fourier (gridding) method on the GPU, a whole slab of
 * rows per launch: copy the raw rows in (pinned buffer, the slot's
 * stream), make two rows one padded complex line per angle, one batched
 * cuFFT over every line of the slab, spread every radial sample (filter,
 * angle weight and centre phase applied on the fly) onto its pair's
 * oversampled grid, tile by tile in shared memory, one batched 2D inverse
 * cuFFT, deapodise and split the pairs into slices, copy them out. Two slots
 * (streams) overlap one slab's copies with the other's work. The
 * arithmetic is kernels/fbp_math.h's and kernels/fourier_math.h's; the
 * tables come from the host (lib/fbp_fourier.c).
 */
#include <cuda_runtime.h>
#include <cufft.h>
#include <stdio.h>
#include <string.h>

#include "cuda_check.h"
#include "fbp_gpu.h"
#include "fbp_math.h"
#include "fourier_math.h"
#include "tomo/err.h"

/* Kernel launches go through one macro, so that the unit tests can run
 * this file's kernels as loops on the CPU (tests/unit/cuda_emu/). */
#ifndef FBP_LAUNCH
#define FBP_LAUNCH(kernel, grid, block, stream)      kernel<<<(grid), (block), 0, (stream)>>>
#define FBP_LAUNCH_SYNC(kernel, grid, block, stream) kernel<<<(grid), (block), 0, (stream)>>>
#endif

#define NSLOT 2

struct fslot {
	cudaStream_t stream;
	float *h_in, *h_out; /* pinned */
	float *d_in, *d_out;
	cufftComplex *d_line, *d_grid;
	unsigned long long *d_clamped;
	unsigned long long *h_clamped; /* pinned: an async copy target */
	cufftHandle line_fwd, grid_inv;
	int have_line, have_grid;
	int64_t rows; /* of the slab in flight, 0 if none */
};

struct tomo_fourier_gpu {
	struct tomo_fbp_gpu_desc d;
	int64_t R, pairs; /* rows per slab, pairs per slab */
	float *d_filter, *d_weight, *d_cos, *d_sin, *d_coef, *d_deap_x, *d_deap_y;
	double *d_shift;
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
 * The value of radial sample jj of angle a: the line's spectrum z at bin
 * jj mod P times the filter, the angle weight (half each for the two
 * Nyquist samples of an even P) and exp(2 pi i jj shift / P), the
 * centre's phase ramp.
 */
static __device__ __forceinline__ float2
sample_value(const cufftComplex *__restrict__ line, int64_t P, long jj, float w,
             const float *__restrict__ filter, double shift)
{
	const int64_t k = jj < 0 ? -jj : jj, bin = jj < 0 ? jj + P : jj;
	const cufftComplex z = line[bin];
	const float h = w * filter[k] * (2 * k == P ? 0.5f : 1.0f);
	double x = (double)jj * shift / (double)P, sn, cs;
	x -= rint(x);
	sincospi(2.0 * x, &sn, &cs);
	const float pr = (float)cs, pi_ = (float)sn;
	return make_float2(h * (z.x * pr - z.y * pi_), h * (z.x * pi_ + z.y * pr));
}

/*
 * Gridding, one TILE x TILE tile of one pair's grid per block (blockIdx.x,
 * .y the tile's column and row, .z the pair), summed in shared memory and
 * written once: no atomic operation on global memory, no memset. The
 * block's threads share the angles out; for each angle a thread takes the
 * samples whose W x W taps can reach the tile (fourier_jrange on the
 * tile's rows and on its columns; for a tile on the grid's edge also on
 * the periodic images across it, the grid being periodic) and adds their
 * taps that fall inside with shared-memory atomics. The width is a
 * template argument, so that the tap loops unroll.
 */
#define TILE 64

template <int W>
__global__ void __launch_bounds__(256)
	spread_kernel(const cufftComplex *__restrict__ line, int64_t A, int64_t P, int64_t M,
                      float r, const float *__restrict__ filter,
                      const float *__restrict__ weight, const float *__restrict__ cosv,
                      const float *__restrict__ sinv, const double *__restrict__ shift,
                      const float *__restrict__ coef, cufftComplex *__restrict__ grid)
{
	__shared__ float2 tile[TILE * TILE];
	const int deg = fourier_degree(W);
	const long J2 = (long)(P / 2);
	const long v0 = (long)blockIdx.x * TILE, u0 = (long)blockIdx.y * TILE;
	const int64_t pair = blockIdx.z;
	const long th = M - u0 < TILE ? M - u0 : TILE, tw = M - v0 < TILE ? M - v0 : TILE;
	const int nt = blockDim.x;

	for (int i = threadIdx.x; i < TILE * TILE; i += nt)
		tile[i] = make_float2(0.0f, 0.0f);
	__syncthreads();
	for (int64_t a = threadIdx.x; a < A; a += nt) {
		const float rs = r * sinv[a], rc = r * cosv[a], wa = weight[a];
		const double sh = shift[a];
		const cufftComplex *la = line + (pair * A + a) * P;
		for (int su = -1; su <= 1; su++) {
			if ((su > 0 && u0 != 0) || (su < 0 && u0 + th != M))
				continue;
			const long ulo = u0 + su * (long)M;
			long ju0, ju1;
			fourier_jrange(rs, (long)M, W, ulo, ulo + th, J2, &ju0, &ju1);
			for (int sv = -1; sv <= 1; sv++) {
				if ((sv > 0 && v0 != 0) || (sv < 0 && v0 + tw != M))
					continue;
				const long vlo = v0 + sv * (long)M;
				long jv0, jv1;
				fourier_jrange(rc, (long)M, W, vlo, vlo + tw, J2, &jv0, &jv1);
				const long j0 = ju0 > jv0 ? ju0 : jv0, j1 = ju1 < jv1 ? ju1 : jv1;
				for (long jj = j0; jj <= j1; jj++) {
					float zu, zv, wv[W];
					const long iu =
						fourier_first(fourier_pos(jj, rs, (long)M), W, &zu) - ulo;
					const long iv =
						fourier_first(fourier_pos(jj, rc, (long)M), W, &zv) - vlo;
					if (iu + W <= 0 || iu >= th || iv + W <= 0 || iv >= tw)
						continue;
					const float2 c = sample_value(la, P, jj, wa, filter, sh);
#pragma unroll
					for (int t = 0; t < W; t++)
						wv[t] = fourier_weight(coef, W, deg, t, zv);
#pragma unroll
					for (int tu = 0; tu < W; tu++) {
						const long row = iu + tu;
						if (row < 0 || row >= th)
							continue;
						const float wu = fourier_weight(coef, W, deg, tu, zu);
#pragma unroll
						for (int tv = 0; tv < W; tv++) {
							const long col = iv + tv;
							if (col < 0 || col >= tw)
								continue;
							const float w = wu * wv[tv];
							float2 *q = &tile[row * TILE + col];
							atomicAdd(&q->x, w * c.x);
							atomicAdd(&q->y, w * c.y);
						}
					}
				}
			}
		}
	}
	__syncthreads();
	for (int i = threadIdx.x; i < TILE * TILE; i += nt) {
		const long row = i / TILE, col = i % TILE;
		if (row < th && col < tw)
			grid[(pair * M + u0 + row) * M + v0 + col] = tile[i];
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

/* Device bytes of one slot for R rows (cuFFT's work areas excluded). */
static size_t
fslot_bytes(const struct tomo_fbp_gpu_desc *d, int64_t R)
{
	const int64_t pairs = cdiv(R, 2);
	return 4 * (size_t)(R * d->nangles * d->ncols + R * d->size * d->size) +
	       8 * (size_t)(pairs * (d->nangles * d->padded + d->grid * d->grid));
}

static int
fslot_init(struct tomo_fourier_gpu *g, struct fslot *s)
{
	const struct tomo_fbp_gpu_desc *d = &g->d;
	const int64_t R = g->R, pairs = g->pairs;
	int n1 = (int)d->padded, n2[2] = {(int)d->grid, (int)d->grid};

	CK(cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking));
	CK(cudaHostAlloc((void **)&s->h_in, 4 * (size_t)(R * d->nangles * d->ncols),
	                 cudaHostAllocDefault));
	CK(cudaHostAlloc((void **)&s->h_out, 4 * (size_t)(R * d->size * d->size),
	                 cudaHostAllocDefault));
	CK(cudaMalloc((void **)&s->d_in, 4 * (size_t)(R * d->nangles * d->ncols)));
	CK(cudaMalloc((void **)&s->d_out, 4 * (size_t)(R * d->size * d->size)));
	CK(cudaMalloc((void **)&s->d_line,
	              sizeof(cufftComplex) * (size_t)(pairs * d->nangles * d->padded)));
	CK(cudaMalloc((void **)&s->d_grid,
	              sizeof(cufftComplex) * (size_t)(pairs * d->grid * d->grid)));
	CK(cudaMalloc((void **)&s->d_clamped, sizeof *s->d_clamped));
	CK(cudaHostAlloc((void **)&s->h_clamped, sizeof *s->h_clamped, cudaHostAllocDefault));
	CKFFT(cufftPlanMany(&s->line_fwd, 1, &n1, NULL, 1, n1, NULL, 1, n1, CUFFT_C2C,
	                    (int)(pairs * d->nangles)));
	s->have_line = 1;
	CKFFT(cufftPlanMany(&s->grid_inv, 2, n2, NULL, 1, n2[0] * n2[1], NULL, 1, n2[0] * n2[1],
	                    CUFFT_C2C, (int)pairs));
	s->have_grid = 1;
	CKFFT(cufftSetStream(s->line_fwd, s->stream));
	CKFFT(cufftSetStream(s->grid_inv, s->stream));
	return TOMO_OK;
}

static void
fslot_free(struct fslot *s)
{
	if (s->stream)
		cudaStreamSynchronize(s->stream);
	if (s->have_line)
		cufftDestroy(s->line_fwd);
	if (s->have_grid)
		cufftDestroy(s->grid_inv);
	cudaFreeHost(s->h_in);
	cudaFreeHost(s->h_out);
	cudaFree(s->d_in);
	cudaFree(s->d_out);
	cudaFree(s->d_line);
	cudaFree(s->d_grid);
	cudaFree(s->d_clamped);
	cudaFreeHost(s->h_clamped);
	if (s->stream)
		cudaStreamDestroy(s->stream);
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

static int
fcreate(struct tomo_fourier_gpu *g)
{
	const struct tomo_fbp_gpu_desc *d = &g->d;
	size_t free_b = 0, total_b = 0;
	int rc;

	if (d->nangles > 65535 || d->size > 65535)
		return tomo_error(TOMO_ERR, "%lld angles or a size of %lld is more than the GPU "
		                            "path's launches take (65535)",
		                  (long long)d->nangles, (long long)d->size);
	CK(cudaSetDevice(0));
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
	    (rc = upload(&g->d_deap_y, d->deap_y, d->size)))
		return rc;
	for (int k = 0; k < NSLOT; k++)
		if ((rc = fslot_init(g, &g->s[k])))
			return rc;
	return TOMO_OK;
}

extern "C" int
tomo_fourier_gpu_create(const struct tomo_fbp_gpu_desc *d, struct tomo_fourier_gpu **out)
{
	struct tomo_fourier_gpu *g = (struct tomo_fourier_gpu *)calloc(1, sizeof *g);
	int rc;

	*out = NULL;
	if (!g)
		return tomo_error(TOMO_ERR, "out of memory");
	g->d = *d; /* the host tables are read by fcreate only */
	if ((rc = fcreate(g))) {
		tomo_fourier_gpu_destroy(g);
		return rc;
	}
	g->d.filter = g->d.cosv = g->d.sinv = g->d.weight = g->d.coef = NULL;
	g->d.deap_x = g->d.deap_y = NULL;
	g->d.shift = NULL;
	*out = g;
	return TOMO_OK;
}

extern "C" int64_t
tomo_fourier_gpu_slab_rows(const struct tomo_fourier_gpu *g)
{
	return g->R;
}

extern "C" float *
tomo_fourier_gpu_input(struct tomo_fourier_gpu *g, int k)
{
	return g->s[k].h_in;
}

extern "C" const float *
tomo_fourier_gpu_output(struct tomo_fourier_gpu *g, int k)
{
	return g->s[k].h_out;
}

extern "C" int
tomo_fourier_gpu_submit(struct tomo_fourier_gpu *g, int k, int64_t rows)
{
	const struct tomo_fbp_gpu_desc *d = &g->d;
	struct fslot *s = &g->s[k];
	const int64_t A = d->nangles, C = d->ncols, N = d->size, P = d->padded, M = d->grid;
	const int64_t pairs = cdiv(rows, 2);
	/* Layout of the raw slab as lib/fbp.c reads it. */
	const int64_t rs = d->sinograms ? A * C : C;
	const int64_t as = d->sinograms ? C : rows * C;
	cudaStream_t st = s->stream;

	if (rows < 1 || rows > g->R)
		return tomo_error(TOMO_ERR, "GPU slab of %lld rows (at most %lld)", (long long)rows,
		                  (long long)g->R);
	CK(cudaMemsetAsync(s->d_clamped, 0, sizeof *s->d_clamped, st));
	CK(cudaMemcpyAsync(s->d_in, s->h_in, 4 * (size_t)(rows * A * C), cudaMemcpyHostToDevice,
	                   st));
	dim3 b256(256);
	FBP_LAUNCH(fprep_kernel, dim3((unsigned)cdiv(P, 256), (unsigned)A, (unsigned)pairs), b256,
	           st)(s->d_in, rs, as, rows, A, C, P, d->transmission, d->pad_zero, s->d_line,
	               s->d_clamped);
	CKLAUNCH("fprep_kernel");
	/* A partial last slab transforms (and grids) the pairs it has; the
	 * plans cover g->pairs, so the rest is transformed too, unused. */
	CKFFT(cufftExecC2C(s->line_fwd, s->d_line, s->d_line, CUFFT_FORWARD));
	const dim3 sg((unsigned)cdiv(M, TILE), (unsigned)cdiv(M, TILE), (unsigned)pairs);
#define SPREAD(w)                                                                               \
	FBP_LAUNCH_SYNC(spread_kernel<w>, sg, b256, st)(s->d_line, A, P, M, d->r, g->d_filter, \
	                                                g->d_weight, g->d_cos, g->d_sin,        \
	                                                g->d_shift, g->d_coef, s->d_grid)
	switch (d->kernel_width) {
	case 3: SPREAD(3); break;
	case 4: SPREAD(4); break;
	case 5: SPREAD(5); break;
	case 6: SPREAD(6); break;
	case 7: SPREAD(7); break;
	default: SPREAD(8); break;
	}
#undef SPREAD
	CKLAUNCH("spread_kernel");
	CKFFT(cufftExecC2C(s->grid_inv, s->d_grid, s->d_grid, CUFFT_INVERSE));
	FBP_LAUNCH(extract_kernel, dim3((unsigned)cdiv(N, 256), (unsigned)N, (unsigned)pairs),
	           b256, st)(s->d_grid, M, N, rows, g->d_deap_x, g->d_deap_y, s->d_out);
	CKLAUNCH("extract_kernel");
	CK(cudaMemcpyAsync(s->h_out, s->d_out, 4 * (size_t)(rows * N * N), cudaMemcpyDeviceToHost,
	                   st));
	CK(cudaMemcpyAsync(s->h_clamped, s->d_clamped, sizeof *s->h_clamped, cudaMemcpyDeviceToHost,
	                   st));
	s->rows = rows;
	return TOMO_OK;
}

extern "C" int
tomo_fourier_gpu_wait(struct tomo_fourier_gpu *g, int k, int64_t *clamped)
{
	struct fslot *s = &g->s[k];

	CK(cudaStreamSynchronize(s->stream));
	if (s->rows)
		*clamped += (int64_t)*s->h_clamped;
	s->rows = 0;
	return TOMO_OK;
}

extern "C" void
tomo_fourier_gpu_destroy(struct tomo_fourier_gpu *g)
{
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
	free(g);
}
