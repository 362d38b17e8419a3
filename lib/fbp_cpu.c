/*
 * fbp_cpu: the CPU path of filtered back-projection. Filtering: batches of
 * TOMO_FBP_LANES lines through FFTW many-transform plans made once, one
 * batch per OpenMP task. Back-projection: one detector-index computation
 * per (pixel, angle) serves 16 interleaved slices with one vector lerp
 * (gcc vector extensions: one AVX-512 or two AVX2 registers), the
 * accumulators of a block of pixels staying in registers over all angles.
 * The arithmetic is kernels/fbp_math.h's, rounding for rounding.
 */
#include <fftw3.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fbp_impl.h"
#include "fbp_math.h"
#include "tomo/err.h"
#include "tomo/fft.h"

#define L TOMO_FBP_LANES

typedef float v16f __attribute__((vector_size(L * sizeof(float))));

struct fbp_cpu {
	const struct fbp_geom *g;
	fftwf_plan r2c, c2r;
	int nthreads;
	float **line;         /* per thread: L lines of P floats */
	fftwf_complex **spec; /* per thread: L spectra of nbins */
};

void
fbp_cpu_destroy(struct fbp_cpu *c)
{
	if (!c)
		return;
	tomo_fft_lock();
	if (c->r2c)
		fftwf_destroy_plan(c->r2c);
	if (c->c2r)
		fftwf_destroy_plan(c->c2r);
	tomo_fft_unlock();
	for (int t = 0; t < c->nthreads; t++) {
		if (c->line)
			fftwf_free(c->line[t]);
		if (c->spec)
			fftwf_free(c->spec[t]);
	}
	free(c->line);
	free(c->spec);
	free(c);
}

int
fbp_cpu_create(const struct fbp_geom *g, struct fbp_cpu **out)
{
	struct fbp_cpu *c = calloc(1, sizeof *c);
	int n = (int)g->P, nb = (int)g->nbins;

	if (!c)
		return tomo_error(TOMO_ERR, "out of memory");
	c->g = g;
	c->nthreads = omp_get_max_threads();
	c->line = calloc((size_t)c->nthreads, sizeof *c->line);
	c->spec = calloc((size_t)c->nthreads, sizeof *c->spec);
	if (!c->line || !c->spec)
		goto oom;
	for (int t = 0; t < c->nthreads; t++) {
		c->line[t] = fftwf_malloc(sizeof(float) * (size_t)(L * g->P));
		c->spec[t] = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(L * g->nbins));
		if (!c->line[t] || !c->spec[t])
			goto oom;
	}
	/* Our threads each run their own batches: one-thread plans. */
	tomo_fft_init(1);
	tomo_fft_lock();
	c->r2c = fftwf_plan_many_dft_r2c(1, &n, L, c->line[0], NULL, 1, n, c->spec[0], NULL, 1, nb,
	                                 tomo_fft_flags());
	c->c2r = fftwf_plan_many_dft_c2r(1, &n, L, c->spec[0], NULL, 1, nb, c->line[0], NULL, 1, n,
	                                 tomo_fft_flags());
	tomo_fft_unlock();
	if (!c->r2c || !c->c2r) {
		fbp_cpu_destroy(c);
		return tomo_error(TOMO_ERR, "FFTW could not plan transforms of %lld samples",
		                  (long long)g->P);
	}
	*out = c;
	return TOMO_OK;
oom:
	fbp_cpu_destroy(c);
	return tomo_error(TOMO_ERR, "out of memory for FFT buffers");
}

/* Filter group grp's lanes at angle a0 + k into F. */
static int64_t
filter_batch(struct fbp_cpu *c, float *line, fftwf_complex *spec, const float *raw, int64_t rs,
             int64_t as, int64_t rows, int64_t grp, int64_t a0, int64_t k, float *F)
{
	const struct fbp_geom *g = c->g;
	const int64_t C = g->C, P = g->P, nb = g->nbins, a = a0 + k;
	int64_t clamped = 0;

	for (int l = 0; l < L; l++) {
		float *d = line + l * P;
		int64_t r = grp * L + l;
		if (r >= rows) {
			memset(d, 0, sizeof(float) * (size_t)P);
			continue;
		}
		const float *s = raw + r * rs + k * as;
		if (g->transmission) {
			for (int64_t x = 0; x < C; x++) {
				int cl = 0;
				d[x] = fbp_preprocess(s[x], 1, &cl);
				clamped += cl;
			}
		} else {
			memcpy(d, s, sizeof(float) * (size_t)C);
		}
		if (g->pad_zero) {
			memset(d + C, 0, sizeof(float) * (size_t)(P - C));
		} else {
			int64_t mid = C + (P - C) / 2;
			for (int64_t x = C; x < mid; x++)
				d[x] = d[fbp_pad_source(x, C, P)];
			for (int64_t x = mid; x < P; x++)
				d[x] = d[fbp_pad_source(x, C, P)];
		}
	}
	fftwf_execute_dft_r2c(c->r2c, line, spec);
	for (int l = 0; l < L; l++) {
		fftwf_complex *z = spec + l * nb;
		for (int64_t f = 0; f < nb; f++) {
			z[f][0] *= g->filter[f];
			z[f][1] *= g->filter[f];
		}
	}
	fftwf_execute_dft_c2r(c->c2r, spec, line);

	/* Transpose into the interleaved layout, weighted, guards zero. */
	const float w = g->weight[a];
	float *o = F + (grp * g->A + a) * g->cs * L;
	memset(o, 0, sizeof(float) * L * FBP_GUARD_LEFT);
	for (int64_t x = 0; x < C; x++)
		for (int l = 0; l < L; l++)
			o[(x + FBP_GUARD_LEFT) * L + l] = w * line[l * P + x];
	memset(o + (C + FBP_GUARD_LEFT) * L, 0,
	       sizeof(float) * L * (size_t)(g->cs - C - FBP_GUARD_LEFT));
	return clamped;
}

int64_t
fbp_cpu_filter(struct fbp_cpu *c, const float *raw, int64_t rs, int64_t as, int64_t rows,
               int64_t a0, int64_t na, float *F)
{
	const int64_t groups = (rows + L - 1) / L, tasks = groups * na;
	int64_t clamped = 0;

#pragma omp parallel for schedule(dynamic, 4) reduction(+ : clamped)
	for (int64_t t = 0; t < tasks; t++) {
		int id = omp_get_thread_num();
		clamped += filter_batch(c, c->line[id], c->spec[id], raw, rs, as, rows, t / na, a0,
		                        t % na, F);
	}
	return clamped;
}

/*
 * Back-projection. A block is JB = 16 consecutive pixels of one row: their
 * detector coordinates for an angle are one vector computation (fbp_u,
 * fbp_clamp_u on 16 lanes), then each pixel adds one 16-slice vector lerp
 * to its accumulator, which stays in a register over all angles. A task is
 * a strip of one block x TI rows: successive rows touch nearly the same
 * detector columns, so a strip's working set stays in L2.
 */
#define JB 16
#define TI 32

typedef int v16i __attribute__((vector_size(L * sizeof(int))));

static void
bp_block(const struct fbp_geom *g, const float *restrict Fg, float x0, float y, v16f *restrict res)
{
	const int64_t stride = g->cs * L;
	const float *restrict cosv = g->cosv, *restrict sinv = g->sinv;
	const v16f lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	const v16f zero = {0}, x = x0 + lane, hi = zero + g->hi;
	v16f acc[JB];

	for (int p = 0; p < JB; p++)
		acc[p] = zero;
	for (int64_t a = 0; a < g->A; a++) {
		const float *Fa = Fg + a * stride;
		/* fbp_u with y*s hoisted out of the lanes, then fbp_clamp_u as
		 * masks (gcc's vector extension has no ?: in C). */
		v16f u = FBP_ADD(FBP_ADD(FBP_MUL(x, cosv[a]), FBP_MUL(y, sinv[a])), g->off);
		u = (v16f)((v16i)u & (u > zero));
		v16i in = u < hi;
		u = (v16f)(((v16i)u & in) | ((v16i)hi & ~in));
		v16i q = __builtin_convertvector(u, v16i);
		v16f f = FBP_SUB(u, __builtin_convertvector(q, v16f));
		q *= L;
		for (int p = 0; p < JB; p++) {
			const v16f *s = (const v16f *)(Fa + q[p]);
			acc[p] = FBP_ADD(acc[p], FBP_LERP(s[0], s[1], f[p]));
		}
	}
	for (int p = 0; p < JB; p++)
		res[p] = acc[p];
}

void
fbp_cpu_backproject(const struct fbp_geom *g, const float *F, int64_t rows, float *out)
{
	const int64_t N = g->N, plane = N * N;
	const int64_t groups = (rows + L - 1) / L;
	const int64_t nbj = (N + JB - 1) / JB, nti = (N + TI - 1) / TI;
	const int64_t tasks = groups * nti * nbj;

#pragma omp parallel for schedule(dynamic, 1)
	for (int64_t t = 0; t < tasks; t++) {
		const int64_t grp = t / (nti * nbj), rest = t % (nti * nbj);
		const int64_t jb = rest / nti, ti = rest % nti;
		const float *Fg = F + grp * g->A * g->cs * L;
		const int64_t lanes = rows - grp * L < L ? rows - grp * L : L;
		const int64_t j0 = jb * JB;
		v16f res[JB];

		for (int64_t i = ti * TI; i < N && i < (ti + 1) * TI; i++) {
			bp_block(g, Fg, fbp_pixel_x(j0, N), fbp_pixel_y(i, N), res);
			for (int p = 0; p < JB && j0 + p < N; p++)
				for (int64_t l = 0; l < lanes; l++)
					out[(grp * L + l) * plane + i * N + j0 + p] = res[p][l];
		}
	}
}
