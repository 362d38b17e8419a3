/*
 * fbp.cu: filtered back-projection on the GPU. Per slab of detector rows:
 * copy the raw rows in (pinned buffer, its slot's stream), pad and -ln
 * them, batched cuFFT R2C, multiply by the filter (uploaded once), C2R,
 * weight and interleave 16 rows per stored column (the CPU path's layout),
 * back-project with an explicit lerp (16 accumulators in registers per
 * thread, cos/sin from constant memory), copy the slices out. Two slots
 * (streams) let one slab's copies overlap the other's computation. The
 * arithmetic is kernels/fbp_math.h's.
 */
#include <cuda_runtime.h>
#include <cufft.h>
#include <stdio.h>
#include <string.h>

#include "cuda_check.h"
#include "gpu_slab.h"
#include "fbp_gpu.h"
#include "fbp_math.h"
#include "tomo/err.h"

/* Kernel launches go through one macro, so that the unit tests can run
 * this file's kernels as loops on the CPU (tests/unit/cuda_emu/). */
#ifndef FBP_LAUNCH
#define FBP_LAUNCH(kernel, grid, block, stream) kernel<<<(grid), (block), 0, (stream)>>>
#endif

#define L     TOMO_FBP_LANES
#define NSLOT 2
/* Angles per constant-memory bank; one bank per slot, so that a slot can
 * load the next chunk while the other slot's kernel reads its own. */
#define TRIG_MAX 2048
/* Angles per FFT batch (TRIG_MAX * L lines at most, bounded memory). */
#define FFT_ANGLES 256

__constant__ float2 c_trig[NSLOT][TRIG_MAX];

struct slot {
	struct gpu_slab io;
	float *d_line, *d_F;
	cufftComplex *d_spec;
	cufftHandle r2c, c2r;
	int have_r2c, have_c2r;
};

struct fbp_gpu {
	struct tomo_fbp_gpu_desc d;
	int64_t R, groups, nbins, fft_angles;
	float *d_filter, *d_weight;
	float2 *h_trig;
	struct slot s[NSLOT];
};

/* Padded, pre-processed lines of one FFT batch: line n = al * L + l holds
 * row grp * L + l at angle a0 + al (zero when past the slab or the angles). */
__global__ void
prep_kernel(const float *__restrict__ in, int64_t rs, int64_t as, int64_t rows, int64_t grp,
            int64_t a0, int64_t nang, int64_t A, int64_t C, int64_t P, int transmission,
            int pad_zero, float *__restrict__ line, unsigned long long *clamped)
{
	const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	const int64_t n = blockIdx.y;
	if (k >= P)
		return;
	const int64_t al = n / L, l = n % L, r = grp * L + l, a = a0 + al;
	float v = 0.0f;
	if (al < nang && a < A && r < rows) {
		int64_t x = k < C ? k : pad_zero ? -1 : fbp_pad_source(k, C, P);
		if (x >= 0) {
			int cl = 0;
			v = fbp_preprocess(in[r * rs + a * as + x], transmission, &cl);
			if (cl && k < C)
				atomicAdd(clamped, 1ULL);
		}
	}
	line[n * P + k] = v;
}

__global__ void
filter_kernel(cufftComplex *__restrict__ spec, int64_t nbins, int64_t lines,
              const float *__restrict__ filter)
{
	const int64_t k = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	const int64_t n = blockIdx.y;
	if (k >= nbins || n >= lines)
		return;
	cufftComplex z = spec[n * nbins + k];
	z.x *= filter[k];
	z.y *= filter[k];
	spec[n * nbins + k] = z;
}

/* Weighted lines into the interleaved layout, guard columns zero. */
__global__ void
scatter_kernel(const float *__restrict__ line, int64_t P, int64_t C, int64_t cs, int64_t grp,
               int64_t a0, int64_t nang, int64_t A, const float *__restrict__ weight,
               float *__restrict__ F)
{
	const int64_t idx = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
	const int64_t al = blockIdx.y;
	if (idx >= cs * L || al >= nang)
		return;
	const int64_t q = idx / L, l = idx % L, a = a0 + al, x = q - FBP_GUARD_LEFT;
	float v = 0.0f;
	if (x >= 0 && x < C)
		v = weight[a] * line[(al * L + l) * P + x];
	F[((grp * A + a) * cs + q) * L + l] = v;
}

/*
 * Back-projection of angles a0..a0+na-1 (cos/sin in bank c_trig[bank]) of
 * one group of 16 slices (blockIdx.z). Four threads share a pixel column,
 * each owning four lanes (one float4 of the 64-byte stored column), and a
 * thread does BP_ROWS pixels down the column: 16 accumulators in
 * registers, eight independent float4 loads per angle. A warp covers 8
 * adjacent pixels, so each of its loads reads a few contiguous 128-byte
 * lines. Blocks are 32 x 8 threads: 8 columns x 8 * BP_ROWS rows.
 */
#define BP_ROWS 4
#define BP_COLS 8

__global__ void __launch_bounds__(256)
	bp_kernel(const float *__restrict__ F, int64_t A, int64_t cs, int64_t a0, int na, int bank,
                  float off, float hi, int64_t N, int64_t rows, int accumulate,
                  float *__restrict__ out)
{
	const int quad = threadIdx.x % 4;
	const int64_t j = (int64_t)blockIdx.x * BP_COLS + threadIdx.x / 4;
	const int64_t i0 = ((int64_t)blockIdx.y * blockDim.y + threadIdx.y) * BP_ROWS;
	const int64_t grp = blockIdx.z;
	if (j >= N || i0 >= N)
		return;
	const float x = fbp_pixel_x(j, N);
	float y[BP_ROWS], acc[BP_ROWS][4];
#pragma unroll
	for (int r = 0; r < BP_ROWS; r++) {
		y[r] = fbp_pixel_y(i0 + r, N); /* rows past N: computed, not stored */
		acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = 0.0f;
	}
	const float *Fg = F + (grp * A + a0) * cs * L + 4 * quad;
	for (int t = 0; t < na; t++) {
		const float2 cs_sn = c_trig[bank][t];
		const float *Ft = Fg + (int64_t)t * cs * L;
#pragma unroll
		for (int r = 0; r < BP_ROWS; r++) {
			const float u = fbp_clamp_u(fbp_u(x, y[r], cs_sn.x, cs_sn.y, off), hi);
			const int q = (int)u;
			const float f = FBP_SUB(u, (float)q);
			const float4 a = __ldg((const float4 *)(Ft + (int64_t)q * L));
			const float4 b = __ldg((const float4 *)(Ft + (int64_t)(q + 1) * L));
			acc[r][0] = FBP_ADD(acc[r][0], FBP_LERP(a.x, b.x, f));
			acc[r][1] = FBP_ADD(acc[r][1], FBP_LERP(a.y, b.y, f));
			acc[r][2] = FBP_ADD(acc[r][2], FBP_LERP(a.z, b.z, f));
			acc[r][3] = FBP_ADD(acc[r][3], FBP_LERP(a.w, b.w, f));
		}
	}
	const int64_t plane = N * N;
#pragma unroll
	for (int r = 0; r < BP_ROWS; r++) {
		if (i0 + r >= N)
			break;
#pragma unroll
		for (int k = 0; k < 4; k++) {
			const int64_t slice = grp * L + 4 * quad + k;
			if (slice < rows) {
				float *o = out + slice * plane + (i0 + r) * N + j;
				*o = accumulate ? FBP_ADD(*o, acc[r][k]) : acc[r][k];
			}
		}
	}
}

static int64_t
cdiv(int64_t a, int64_t b)
{
	return (a + b - 1) / b;
}

/* Device bytes of one slot for R rows. */
static size_t
slot_bytes(const struct tomo_fbp_gpu_desc *d, int64_t R, int64_t fft_angles)
{
	int64_t groups = cdiv(R, L), lines = fft_angles * L;
	return 4 * (size_t)(R * d->nangles * d->ncols + /* raw */
	                    groups * L * d->nangles * (d->ncols + FBP_GUARD_COLS) +
	                    R * d->size * d->size +           /* slices */
	                    lines * d->padded +               /* lines */
	                    2 * lines * (d->padded / 2 + 1)); /* spectra */
}

static int
slot_init(struct fbp_gpu *g, struct slot *s)
{
	const struct tomo_fbp_gpu_desc *d = &g->d;
	const int64_t R = g->R, lines = g->fft_angles * L;
	int n = (int)d->padded, nb = (int)g->nbins;

	int rc = gpu_slab_init(&s->io, R * d->nangles * d->ncols, R * d->size * d->size);
	if (rc)
		return rc;
	CK(cudaMalloc((void **)&s->d_F,
	              4 * (size_t)(g->groups * L * d->nangles * (d->ncols + FBP_GUARD_COLS))));
	CK(cudaMalloc((void **)&s->d_line, 4 * (size_t)(lines * d->padded)));
	CK(cudaMalloc((void **)&s->d_spec, sizeof(cufftComplex) * (size_t)(lines * nb)));
	CKFFT(cufftPlanMany(&s->r2c, 1, &n, NULL, 1, n, NULL, 1, nb, CUFFT_R2C, (int)lines));
	s->have_r2c = 1;
	CKFFT(cufftPlanMany(&s->c2r, 1, &n, NULL, 1, nb, NULL, 1, n, CUFFT_C2R, (int)lines));
	s->have_c2r = 1;
	CKFFT(cufftSetStream(s->r2c, s->io.stream));
	CKFFT(cufftSetStream(s->c2r, s->io.stream));
	return TOMO_OK;
}

static void
slot_free(struct slot *s)
{
	gpu_slab_sync(&s->io);
	if (s->have_r2c)
		cufftDestroy(s->r2c);
	if (s->have_c2r)
		cufftDestroy(s->c2r);
	cudaFree(s->d_F);
	cudaFree(s->d_line);
	cudaFree(s->d_spec);
	gpu_slab_free(&s->io);
	memset(s, 0, sizeof *s);
}

static int
fbp_init(struct fbp_gpu *g)
{
	const struct tomo_fbp_gpu_desc *d = &g->d;
	size_t free_b = 0, total_b = 0;

	CK(cudaSetDevice(d->device));
	CK(cudaMemGetInfo(&free_b, &total_b));
	g->nbins = d->padded / 2 + 1;
	g->fft_angles = d->nangles < FFT_ANGLES ? d->nangles : FFT_ANGLES;
	/* Rows per slab: what the host asked for, lowered until two slots
	 * fit in 80% of the free device memory (cuFFT's work area included,
	 * about one batch of spectra). */
	g->R = d->slab_rows;
	while (g->R > 1 && NSLOT * (slot_bytes(d, g->R, g->fft_angles) +
	                            8 * (size_t)(g->fft_angles * L * g->nbins)) >
	                           free_b / 10 * 8)
		g->R = g->R > L ? (g->R / 2 + L - 1) / L * L : g->R / 2;
	g->groups = cdiv(g->R, L);
	if (NSLOT * slot_bytes(d, g->R, g->fft_angles) > free_b)
		return tomo_error(TOMO_ERR,
		                  "the GPU has %.0f MB free, too little for one row of %lld x %lld",
		                  (double)free_b / 1e6, (long long)d->ncols, (long long)d->nangles);

	CK(cudaMalloc((void **)&g->d_filter, 4 * (size_t)g->nbins));
	CK(cudaMemcpy(g->d_filter, d->filter, 4 * (size_t)g->nbins, cudaMemcpyHostToDevice));
	CK(cudaMalloc((void **)&g->d_weight, 4 * (size_t)d->nangles));
	CK(cudaMemcpy(g->d_weight, d->weight, 4 * (size_t)d->nangles, cudaMemcpyHostToDevice));
	CK(cudaHostAlloc((void **)&g->h_trig, sizeof(float2) * (size_t)d->nangles,
	                 cudaHostAllocDefault));
	for (int64_t a = 0; a < d->nangles; a++)
		g->h_trig[a] = make_float2(d->cosv[a], d->sinv[a]);
	/* With few enough angles both banks hold them all, loaded once. */
	if (d->nangles <= TRIG_MAX)
		for (int k = 0; k < NSLOT; k++)
			CK(cudaMemcpyToSymbol(c_trig, g->h_trig,
			                      sizeof(float2) * (size_t)d->nangles,
			                      sizeof(float2) * TRIG_MAX * (size_t)k));
	for (int k = 0; k < NSLOT; k++) {
		int rc = slot_init(g, &g->s[k]);
		if (rc)
			return rc;
	}
	return TOMO_OK;
}

static int
fbp_submit_parts(void *h, int k, int64_t rows, unsigned parts)
{
	struct fbp_gpu *g = (struct fbp_gpu *)h;
	const struct tomo_fbp_gpu_desc *d = &g->d;
	struct slot *s = &g->s[k];
	const int64_t A = d->nangles, C = d->ncols, N = d->size, P = d->padded;
	const int64_t cs = C + FBP_GUARD_COLS, nb = g->nbins;
	const int64_t groups = cdiv(rows, L), lines = g->fft_angles * L;
	/* Layout of the raw slab as lib/fbp.c reads it. */
	const int64_t rs = d->sinograms ? A * C : C;
	const int64_t as = d->sinograms ? C : rows * C;
	cudaStream_t st = s->io.stream;
	int rc;

	if (rows < 1 || rows > g->R)
		return tomo_error(TOMO_ERR, "GPU slab of %lld rows (at most %lld)", (long long)rows,
		                  (long long)g->R);
	CK(cudaSetDevice(d->device)); /* of this thread, which need not be create's */
	if ((rc = gpu_slab_start(&s->io, rows * A * C, parts & TOMO_FBP_GPU_COPY_IN)))
		return rc;
	for (int64_t grp = 0; grp < groups && (parts & TOMO_FBP_GPU_FILTER); grp++) {
		for (int64_t a0 = 0; a0 < A; a0 += g->fft_angles) {
			int64_t nang = a0 + g->fft_angles > A ? A - a0 : g->fft_angles;
			dim3 pb(256), pg((unsigned)cdiv(P, 256), (unsigned)lines);
			FBP_LAUNCH(prep_kernel, pg, pb, st)(s->io.d_in, rs, as, rows, grp, a0, nang, A, C,
			                               P, d->transmission, d->pad_zero, s->d_line,
			                               s->io.d_clamped);
			CKLAUNCH("prep_kernel");
			CKFFT(cufftExecR2C(s->r2c, s->d_line, s->d_spec));
			dim3 fg((unsigned)cdiv(nb, 256), (unsigned)lines);
			FBP_LAUNCH(filter_kernel, fg, pb, st)(s->d_spec, nb, lines, g->d_filter);
			CKLAUNCH("filter_kernel");
			CKFFT(cufftExecC2R(s->c2r, s->d_spec, s->d_line));
			dim3 sg((unsigned)cdiv(cs * L, 256), (unsigned)nang);
			FBP_LAUNCH(scatter_kernel, sg, pb, st)(s->d_line, P, C, cs, grp, a0, nang, A,
			                                  g->d_weight, s->d_F);
			CKLAUNCH("scatter_kernel");
		}
	}
	dim3 bb(4 * BP_COLS, 8),
		bg((unsigned)cdiv(N, BP_COLS), (unsigned)cdiv(N, 8 * BP_ROWS), (unsigned)groups);
	for (int64_t a0 = 0; a0 < A && (parts & TOMO_FBP_GPU_BACKPROJECT); a0 += TRIG_MAX) {
		int na = (int)(a0 + TRIG_MAX > A ? A - a0 : TRIG_MAX);
		if (A > TRIG_MAX)
			CK(cudaMemcpyToSymbolAsync(
				c_trig, g->h_trig + a0, sizeof(float2) * (size_t)na,
				sizeof(float2) * TRIG_MAX * (size_t)k, cudaMemcpyHostToDevice, st));
		FBP_LAUNCH(bp_kernel, bg, bb, st)(s->d_F, A, cs, a0, na, k, d->off, d->hi, N, rows,
		                             a0 > 0, s->io.d_out);
		CKLAUNCH("bp_kernel");
	}
	return gpu_slab_finish(&s->io, rows, rows * N * N, parts & TOMO_FBP_GPU_COPY_OUT);
}

static void
fbp_destroy(void *h)
{
	struct fbp_gpu *g = (struct fbp_gpu *)h;

	if (!g)
		return;
	for (int k = 0; k < NSLOT; k++)
		slot_free(&g->s[k]);
	cudaFree(g->d_filter);
	cudaFree(g->d_weight);
	cudaFreeHost(g->h_trig);
	free(g);
}

extern "C" const struct tomo_fbp_gpu_ops tomo_fbp_gpu_direct = {
	"direct",
	gpu_slab_create<fbp_gpu, fbp_init, fbp_destroy>,
	gpu_slab_rows<fbp_gpu>,
	gpu_slab_input<fbp_gpu>,
	gpu_slab_output<fbp_gpu>,
	gpu_slab_submit<fbp_submit_parts>,
	fbp_submit_parts,
	gpu_slab_wait_slot<fbp_gpu>,
	fbp_destroy,
};
