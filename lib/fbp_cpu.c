/*
 * fbp_cpu: the CPU path of filtered back-projection. Filtering: batches of
 * FB lines (any rows and angles of the slab) through FFTW many-transform
 * plans made once, one batch per OpenMP task. Back-projection: vectors of
 * consecutive pixels (lib/simd.h's width for the target), a few slices
 * sharing each index computation, the accumulators staying in registers
 * over all angles. The arithmetic is kernels/fbp_math.h's, rounding for
 * rounding; the work is proportional to the slices asked for.
 */
#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fbp_impl.h"
#include "fbp_math.h"
#include "simd.h"
#include "tomo/err.h"
#include "tomo/fft.h"

/* Lines per FFTW batch. */
#define FB 16

struct fbp_cpu {
	const struct fbp_geom *g;
	fftwf_plan r2c, c2r;
	int nthreads;
	float **line;         /* per thread: FB lines of P floats */
	fftwf_complex **spec; /* per thread: FB spectra of nbins */
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
		c->line[t] = fftwf_malloc(sizeof(float) * (size_t)(FB * g->P));
		c->spec[t] = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(FB * g->nbins));
		if (!c->line[t] || !c->spec[t])
			goto oom;
	}
	/* Our threads each run their own batches: one-thread plans. */
	tomo_fft_init(1);
	tomo_fft_lock();
	c->r2c = fftwf_plan_many_dft_r2c(1, &n, FB, c->line[0], NULL, 1, n, c->spec[0], NULL, 1, nb,
	                                 tomo_fft_flags());
	c->c2r = fftwf_plan_many_dft_c2r(1, &n, FB, c->spec[0], NULL, 1, nb, c->line[0], NULL, 1, n,
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

/* Filter FB consecutive lines of the slab (line t = row t / na, angle
 * a0 + t % na) into F; lines past the last are zeros. */
static int64_t
filter_batch(struct fbp_cpu *c, float *line, fftwf_complex *spec, const float *raw, int64_t rs,
             int64_t as, int64_t rows, int64_t batch, int64_t a0, int64_t na, float *F)
{
	const struct fbp_geom *g = c->g;
	const int64_t C = g->C, P = g->P, nb = g->nbins, ls = fbp_cpu_line_floats(g);
	const int64_t t0 = batch * FB, lines = rows * na;
	int64_t clamped = 0;

	for (int l = 0; l < FB; l++) {
		float *d = line + l * P;
		const int64_t t = t0 + l;
		if (t >= lines) {
			memset(d, 0, sizeof(float) * (size_t)P);
			continue;
		}
		const float *s = raw + (t / na) * rs + (t % na) * as;
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
	for (int l = 0; l < FB; l++) {
		fftwf_complex *z = spec + l * nb;
		for (int64_t f = 0; f < nb; f++) {
			z[f][0] *= g->filter[f];
			z[f][1] *= g->filter[f];
		}
	}
	fftwf_execute_dft_c2r(c->c2r, spec, line);

	/* Weighted into the stored lines, guards zero. */
	for (int l = 0; l < FB && t0 + l < lines; l++) {
		const int64_t t = t0 + l, a = a0 + t % na;
		const float w = g->weight[a], *d = line + l * P;
		int64_t step;
		float *o = fbp_cpu_line(g, F, rows, t / na, a, &step);
		const int64_t end = step == 1 ? ls : g->cs;
		for (int64_t q = 0; q < FBP_GUARD_LEFT; q++)
			o[q * step] = 0;
		for (int64_t x = 0; x < C; x++)
			o[(x + FBP_GUARD_LEFT) * step] = w * d[x];
		for (int64_t q = C + FBP_GUARD_LEFT; q < end; q++)
			o[q * step] = 0;
	}
	return clamped;
}

int64_t
fbp_cpu_filter(struct fbp_cpu *c, const float *raw, int64_t rs, int64_t as, int64_t rows,
               int64_t a0, int64_t na, float *F)
{
	const int64_t batches = (rows * na + FB - 1) / FB;
	int64_t clamped = 0;

#pragma omp parallel for schedule(dynamic, 4) reduction(+ : clamped)
	for (int64_t b = 0; b < batches; b++) {
		int id = omp_get_thread_num();
		clamped += filter_batch(c, c->line[id], c->spec[id], raw, rs, as, rows, b, a0, na,
		                        F);
	}
	return clamped;
}

/*
 * Back-projection, by two kernels (the layouts of fbp_impl.h):
 * - groups of V = TOMO_VLEN slices (V = the target's vector width): the
 *   lanes are the slices, interleaved in the filtered lines, so that one
 *   detector-index computation per (pixel, angle) serves V slices with
 *   one vector lerp; a block of V pixels of a row keeps V accumulators in
 *   registers over all angles (bp_group);
 * - the rows left over (fewer than V): the lanes are V consecutive pixels
 *   of a row, whose columns lie within V + 1 of the smallest, so that one
 *   window of the line serves them through permutes; with AVX-512 one
 *   window of 2 V floats serves a block of KV rows (bp_pixels); up to SG
 *   slices share the index computation.
 * So the work is proportional to the slices asked for: one slice costs
 * one slice, not V. A task is a strip of TI rows of one block of V pixel
 * columns (of one group, or of SG leftover slices): successive rows
 * touch nearly the same detector columns, so its working set stays in L2.
 */
#define V  TOMO_VLEN
#define KV 8  /* rows of pixels per pass of bp_pixels */
#define SG 4  /* leftover slices per pass of bp_pixels */
#define TI 32 /* rows per task (a multiple of KV) */

static void
bp_group(const struct fbp_geom *g, const float *restrict Fg, float x0, float y,
         tomo_vf *restrict res)
{
	const int64_t stride = g->cs * V;
	const float *restrict cosv = g->cosv, *restrict sinv = g->sinv;
	const tomo_vf zero = {0}, x = x0 + tomo_vf_iota(), hi = zero + g->hi;
	tomo_vf acc[V];

	for (int p = 0; p < V; p++)
		acc[p] = zero;
	for (int64_t a = 0; a < g->A; a++) {
		const float *Fa = Fg + a * stride;
		const tomo_vf u = tomo_vf_clamp(FBP_ADD(FBP_ADD(FBP_MUL(x, cosv[a]),
		                                                FBP_MUL(y, sinv[a])),
		                                        g->off),
		                                hi);
		tomo_vi q;
		const tomo_vf f = tomo_vf_split(u, &q);
		q *= V;
#pragma GCC unroll 16
		for (int p = 0; p < V; p++) {
			const tomo_vf *s = (const tomo_vf *)(Fa + q[p]);
			acc[p] = FBP_ADD(acc[p], FBP_LERP(s[0], s[1], f[p]));
		}
	}
	for (int p = 0; p < V; p++)
		res[p] = acc[p];
}

static inline __attribute__((always_inline)) void
bp_pixels(const struct fbp_geom *g, const float *restrict F, int64_t ls, const int ns,
          const int kv, const int clamp, float x0, const float *yk, tomo_vf res[KV][SG])
{
	const float *restrict cosv = g->cosv, *restrict sinv = g->sinv;
	const float off = g->off, hi = g->hi;
	const int64_t A = g->A;
	const tomo_vf zero = {0}, x = x0 + tomo_vf_iota(), hiv = zero + hi;
	tomo_vf acc[KV][SG];

	for (int k = 0; k < kv; k++)
		for (int s = 0; s < ns; s++)
			acc[k][s] = zero;
	for (int64_t a = 0; a < A; a++) {
		const float c = cosv[a], sn = sinv[a];
		const tomo_vf xc = FBP_MUL(x, c);
		const float *Fa = F + a * ls;
#if TOMO_VF_SHARED_WINDOW
		/* The block's smallest column, at the corner where x c and y s
		 * are least (u rises or falls monotonically along x and along
		 * y), computed as that lane computes it: one window of each line
		 * serves all kv rows, their columns being within
		 * (V - 1) |c| + (kv - 1) |s| + 1 <= sqrt((V - 1)^2 + (kv - 1)^2)
		 * + 1 of it (17.6 for 16 x 8 pixels), less than the window's
		 * 2 V - 1. */
		const float xs = c >= 0.0f ? x0 : x0 + (float)(V - 1);
		const float ys = sn >= 0.0f ? yk[kv - 1] : yk[0];
		float ue = FBP_ADD(FBP_ADD(FBP_MUL(xs, c), FBP_MUL(ys, sn)), off);
		if (clamp)
			ue = fbp_clamp_u(ue, hi);
		const int qe = (int)ue;
		/* the window at qe for the left samples, at qe + 1 for the
		 * right ones: the same lane index picks both */
		tomo_vf w0[SG], w1[SG], w2[SG], w3[SG];
#pragma GCC unroll 8
		for (int s = 0; s < ns; s++) {
			const float *l = Fa + s * A * ls + qe;
			w0[s] = tomo_vf_load(l);
			w1[s] = tomo_vf_load(l + V);
			w2[s] = tomo_vf_load(l + 1);
			w3[s] = tomo_vf_load(l + 1 + V);
		}
#endif
#pragma GCC unroll 8
		for (int k = 0; k < kv; k++) {
			tomo_vf u = FBP_ADD(FBP_ADD(xc, FBP_MUL(yk[k], sn)), off);
			if (clamp)
				u = tomo_vf_clamp(u, hiv);
			tomo_vi q;
			const tomo_vf f = tomo_vf_split(u, &q);
#if TOMO_VF_SHARED_WINDOW
			const tomo_vi idx = q - qe;
#pragma GCC unroll 8
			for (int s = 0; s < ns; s++) {
				const tomo_vf a0 = tomo_vf_pick_window(w0[s], w1[s], idx);
				const tomo_vf a1 = tomo_vf_pick_window(w2[s], w3[s], idx);
				acc[k][s] = FBP_ADD(acc[k][s], FBP_LERP(a0, a1, f));
			}
#else
			/* u rises or falls monotonically over the lanes */
			const int qk = q[0] < q[V - 1] ? q[0] : q[V - 1];
			const tomo_vi idx = q - qk;
#pragma GCC unroll 8
			for (int s = 0; s < ns; s++) {
				tomo_vf a0, a1;
				tomo_vf_pick2(Fa + s * A * ls + qk, idx, &a0, &a1);
				acc[k][s] = FBP_ADD(acc[k][s], FBP_LERP(a0, a1, f));
			}
#endif
		}
	}
	for (int k = 0; k < kv; k++)
		for (int s = 0; s < ns; s++)
			res[k][s] = acc[k][s];
}

/* Whether every pixel of the rectangle x0..x1, y0..y1 (pixel centres)
 * projects inside the stored columns at every angle with a column to
 * spare, so that fbp_clamp_u changes nothing there: its distance from the
 * axis (the largest at a corner) leaves that margin on both sides. */
static int
bp_inside(const struct fbp_geom *g, float x0, float x1, float y0, float y1)
{
	const double ax = fmax(fabs(x0), fabs(x1)), ay = fmax(fabs(y0), fabs(y1));
	const double r = sqrt(ax * ax + ay * ay) + 1.0;
	return g->off - r >= 1.0 && g->off + r <= g->hi - 1.0;
}

/* Rows i0..i1-1 of the ns (1..SG) leftover slices whose lines start at F,
 * pixel columns j0..j0+V-1 (those inside the slice stored). Passes of KV
 * rows for one or two slices, KV / 2 for more (the accumulators stay in
 * registers). */
static void
bp_pixels_task(const struct fbp_geom *g, const float *F, int ns, int64_t i0, int64_t i1,
               int64_t j0, float *out)
{
	const int64_t N = g->N, plane = N * N, ls = fbp_cpu_line_floats(g);
	const float x0 = fbp_pixel_x(j0, N);
	const int clamp = !bp_inside(g, x0, x0 + (float)(V - 1), fbp_pixel_y(i0, N),
	                             fbp_pixel_y(i1 - 1 + KV, N));
	const int kv = ns <= 2 ? KV : KV / 2;
	tomo_vf res[KV][SG];

	for (int64_t i = i0; i < i1; i += kv) {
		float yk[KV];
		for (int k = 0; k < kv; k++)
			yk[k] = fbp_pixel_y(i + k < N ? i + k : N - 1, N);
		/* constant slice counts, rows and clamping, so each case unrolls */
#define BP_CASES(CL)                                                                   \
	switch (ns) {                                                                  \
	case 1: bp_pixels(g, F, ls, 1, KV, CL, x0, yk, res); break;                    \
	case 2: bp_pixels(g, F, ls, 2, KV, CL, x0, yk, res); break;                    \
	case 3: bp_pixels(g, F, ls, 3, KV / 2, CL, x0, yk, res); break;                \
	default: bp_pixels(g, F, ls, SG, KV / 2, CL, x0, yk, res); break;              \
	}
		if (clamp)
			BP_CASES(1)
		else
			BP_CASES(0)
#undef BP_CASES
		for (int k = 0; k < kv && i + k < i1; k++)
			for (int s = 0; s < ns; s++)
				for (int l = 0; l < V && j0 + l < N; l++)
					out[s * plane + (i + k) * N + j0 + l] = res[k][s][l];
	}
}

/* Rows i0..i1-1 of the V slices of group grp, pixel columns j0..j0+V-1. */
static void
bp_group_task(const struct fbp_geom *g, const float *F, int64_t grp, int64_t i0, int64_t i1,
              int64_t j0, float *out)
{
	const int64_t N = g->N, plane = N * N;
	const float *Fg = F + grp * g->A * g->cs * V;
	tomo_vf res[V];

	for (int64_t i = i0; i < i1; i++) {
		bp_group(g, Fg, fbp_pixel_x(j0, N), fbp_pixel_y(i, N), res);
		for (int p = 0; p < V && j0 + p < N; p++)
			for (int64_t l = 0; l < V; l++)
				out[(grp * V + l) * plane + i * N + j0 + p] = res[p][l];
	}
}

void
fbp_cpu_backproject(const struct fbp_geom *g, const float *F, int64_t rows, float *out,
                    struct fbp_report *rep)
{
	const int64_t N = g->N, plane = N * N, ls = fbp_cpu_line_floats(g);
	const int64_t grouped = fbp_cpu_grouped(rows), left = rows - grouped;
	/* units: the groups of V slices, then the leftover slices by SG */
	const int64_t units = grouped / V + (left + SG - 1) / SG;
	const int64_t nbj = (N + V - 1) / V, nti = (N + TI - 1) / TI;
	const int64_t tasks = units * nbj * nti;
	const float *Fleft = F + grouped * g->A * g->cs;
	int64_t finished = 0; /* pixel updates of the tasks done */

#pragma omp parallel for schedule(dynamic, 1)
	for (int64_t t = 0; t < tasks; t++) {
		const int64_t unit = t / (nbj * nti), rest = t % (nbj * nti);
		const int64_t jb = rest / nti, ti = rest % nti;
		const int64_t i0 = ti * TI, i1 = i0 + TI < N ? i0 + TI : N;
		int64_t ns = V;
		if (unit < grouped / V) {
			bp_group_task(g, F, unit, i0, i1, jb * V, out);
		} else {
			const int64_t r0 = (unit - grouped / V) * SG;
			ns = left - r0 < SG ? left - r0 : SG;
			bp_pixels_task(g, Fleft + r0 * g->A * ls, (int)ns, i0, i1, jb * V,
			               out + (grouped + r0) * plane);
		}
		if (rep) {
			const int64_t cols = N - jb * V < V ? N - jb * V : V;
			int64_t now;
#pragma omp atomic capture
			now = finished += ns * (i1 - i0) * cols * g->A;
			/* reports come from the calling thread only */
			if (omp_get_thread_num() == 0)
				tomo_progress_report(rep->cb, rep->done + now, rep->total);
		}
	}
	if (rep)
		rep->done += finished;
}
