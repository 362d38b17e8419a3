/*
 * fbp_fourier: the Fourier (gridding) method of tomo-fbp: its host tables
 * (grid size, Kaiser-Bessel tap polynomials, per-angle shifts,
 * deapodisation), shared with the GPU path, and its CPU path. Two detector
 * rows travel as one complex line: FFT, the direct method's filter and
 * angle weight, a phase ramp for the centre; the radial samples are
 * spread onto an oversampled Cartesian grid in bands of rows that stay in
 * cache, each band's rows transformed as soon as it is done, then the
 * columns; deapodisation gives the two slices. The arithmetic is
 * kernels/fourier_math.h's.
 */
#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fbp_impl.h"
#include "fbp_math.h"
#include "fourier_math.h"
#include "simd.h"
#include "tomo/err.h"
#include "tomo/fft.h"

static const double pi = 3.14159265358979323846;

/* Solve the n x n system a x = b in place (partial pivoting); x in b. */
static void
solve(double *a, double *b, int n)
{
	for (int c = 0; c < n; c++) {
		int piv = c;
		for (int r = c + 1; r < n; r++)
			if (fabs(a[r * n + c]) > fabs(a[piv * n + c]))
				piv = r;
		for (int k = 0; k < n; k++) {
			double t = a[c * n + k];
			a[c * n + k] = a[piv * n + k];
			a[piv * n + k] = t;
		}
		double t = b[c];
		b[c] = b[piv];
		b[piv] = t;
		for (int r = c + 1; r < n; r++) {
			double f = a[r * n + c] / a[c * n + c];
			for (int k = c; k < n; k++)
				a[r * n + k] -= f * a[c * n + k];
			b[r] -= f * b[c];
		}
	}
	for (int c = n - 1; c >= 0; c--) {
		for (int k = c + 1; k < n; k++)
			b[c] -= a[c * n + k] * b[k];
		b[c] /= a[c * n + c];
	}
}

void
fbp_fourier_fit(int W, int deg, double beta, float *coef)
{
	const int n = deg + 1;
	double a[(FOURIER_MAX_DEG + 1) * (FOURIER_MAX_DEG + 1)], b[FOURIER_MAX_DEG + 1];

	/* Interpolation at Chebyshev nodes: near-minimax, and the system in
	 * monomials of z in [-1, 1] is well conditioned at these degrees. */
	for (int t = 0; t < W; t++) {
		for (int k = 0; k < n; k++) {
			double z = cos(pi * (k + 0.5) / n), zp = 1;
			for (int d = 0; d < n; d++, zp *= z)
				a[k * n + d] = zp;
			b[k] = fourier_kb(t - 0.5 * W + 0.5 * (z + 1), W, beta);
		}
		solve(a, b, n);
		for (int d = 0; d < n; d++)
			coef[d * W + t] = (float)b[d];
	}
}

int
fbp_fourier_init(struct fbp_geom *g, const struct tomo_fbp_params *p)
{
	const double sigma = p->oversample > 0 ? p->oversample : TOMO_FBP_OVERSAMPLE;
	const int W = p->kernel_width > 0 ? p->kernel_width : TOMO_FBP_KERNEL_WIDTH;
	const int64_t N = g->N;
	/* Pixel centres lie at integers m + delta from the axis: half-integers
	 * for an even N (fbp_pixel_x). */
	const double delta = N % 2 ? 0.0 : 0.5;

	/* The padded line is periodic: pad it far enough that no pixel of the
	 * slice (up to N/sqrt 2 from the axis, plus the kernel's reach) reads
	 * past the middle of the padding, where the two edges' padding meet,
	 * nor a periodic copy of the detector. Direct FBP's 2C is enough for
	 * slices no wider than the detector with the axis near its middle;
	 * wider slices and axes near an edge take a longer line (the same
	 * filter, sampled finer). */
	const double rho = (double)N / sqrt(2.0) + 2.0;
	const double reach = fmax(rho - (p->center - 0.5), rho + (p->center - 0.5) - (double)g->C);
	const int64_t need = tomo_fbp_even_size(g->C + 2 * (int64_t)ceil(fmax(reach, 0.0)) + 2);
	if (need > g->P) {
		double *resp = malloc(sizeof(double) * (size_t)(need / 2 + 1));
		float *filter = malloc(sizeof(float) * (size_t)(need / 2 + 1));
		if (!resp || !filter) {
			free(resp);
			free(filter);
			return tomo_error(TOMO_ERR, "out of memory");
		}
		tomo_fbp_filter_table(p->filter, p->cutoff, need, p->scale / (double)need, resp);
		for (int64_t k = 0; k <= need / 2; k++)
			filter[k] = (float)resp[k];
		free(resp);
		free(g->filter);
		g->filter = filter;
		g->P = need;
		g->nbins = need / 2 + 1;
	}
	g->W = W;
	g->deg = fourier_degree(W);
	g->M = tomo_fbp_even_size((int64_t)ceil(sigma * (double)N));
	if (g->M < 4 * W)
		g->M = tomo_fbp_even_size(4 * W);
	g->sigma = (double)g->M / (double)N;
	g->beta = fourier_kb_beta(W, g->sigma < 4 ? g->sigma : 4);
	g->r = (float)((double)g->M / (double)g->P);
	g->coef = malloc(sizeof(float) * (size_t)((g->deg + 1) * W));
	g->shift = malloc(sizeof(double) * (size_t)g->A);
	g->deap_x = malloc(sizeof(float) * (size_t)N);
	g->deap_y = malloc(sizeof(float) * (size_t)N);
	if (!g->coef || !g->shift || !g->deap_x || !g->deap_y)
		return tomo_error(TOMO_ERR, "out of memory");
	fbp_fourier_fit(W, g->deg, g->beta, g->coef);
	for (int64_t a = 0; a < g->A; a++) {
		double t = p->angles[a] * pi / 180.0;
		g->shift[a] = p->center - 0.5 + delta * (cos(t) + sin(t));
	}
	/* Output column x is m = x - floor(N/2) cells right of the axis, row i
	 * m = N - 1 - i - floor(N/2) up; the natural-order grid makes the FFT's
	 * output alternate in sign. */
	for (int64_t x = 0; x < N; x++) {
		int64_t m = x - N / 2;
		double s = (m % 2) ? -1.0 : 1.0;
		g->deap_x[x] = (float)(s / fourier_kb_hat((double)m / (double)g->M, W, g->beta));
		g->deap_y[N - 1 - x] = g->deap_x[x];
	}
	return TOMO_OK;
}

/* The CPU path. */

#define CB 8 /* output columns per column-FFT task */

struct fourier_cpu {
	const struct fbp_geom *g;
	int nthreads;
	int64_t J;       /* samples per angle: 2 (P/2) + 1 */
	int64_t B, nb;   /* band rows, bands */
	int64_t OFF, MS; /* band columns: offset of grid column 0, stride */
	fftwf_plan line_fwd, row_bwd, col_bwd;
	fftwf_complex *S; /* A x J: the pair's weighted, filtered, shifted spectra */
	fftwf_complex *T; /* M x N: grid rows after their FFT, kept columns */
	fftwf_complex **line, **band, **row, **col; /* per thread */
};

void
fbp_fourier_cpu_destroy(struct fourier_cpu *c)
{
	if (!c)
		return;
	tomo_fft_lock();
	if (c->line_fwd)
		fftwf_destroy_plan(c->line_fwd);
	if (c->row_bwd)
		fftwf_destroy_plan(c->row_bwd);
	if (c->col_bwd)
		fftwf_destroy_plan(c->col_bwd);
	tomo_fft_unlock();
	for (int t = 0; t < c->nthreads; t++) {
		if (c->line)
			fftwf_free(c->line[t]);
		if (c->band)
			fftwf_free(c->band[t]);
		if (c->row)
			fftwf_free(c->row[t]);
		if (c->col)
			fftwf_free(c->col[t]);
	}
	free(c->line);
	free(c->band);
	free(c->row);
	free(c->col);
	fftwf_free(c->S);
	fftwf_free(c->T);
	free(c);
}

/* Bytes of the work buffers for nthreads threads. */
static int64_t
work_bytes(const struct fbp_geom *g, int nthreads, int64_t B, int64_t MS)
{
	return 8 * (g->A * (g->P + 1) + g->M * g->N +
	            (int64_t)nthreads * (g->P + B * MS + g->M + CB * g->M));
}

int
fbp_fourier_cpu_create(const struct fbp_geom *g, struct fourier_cpu **out)
{
	struct fourier_cpu *c = calloc(1, sizeof *c);
	const int M = (int)g->M, P = (int)g->P;

	if (!c)
		return tomo_error(TOMO_ERR, "out of memory");
	c->g = g;
	c->nthreads = omp_get_max_threads();
	c->J = 2 * (g->P / 2) + 1;
	c->OFF = g->W / 2 + 1;
	c->MS = g->M + g->W + 4;
	/* Bands of about 512 KiB: they stay in a core's L2 while their
	 * samples are spread, so the scattered additions hit cache. */
	c->B = ((int64_t)1 << 16) / c->MS;
	if (c->B < g->W + 2)
		c->B = g->W + 2;
	if (c->B > g->M)
		c->B = g->M;
	c->nb = (g->M + c->B - 1) / c->B;
	c->S = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(g->A * c->J));
	c->T = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(g->M * g->N));
	c->line = calloc((size_t)c->nthreads, sizeof *c->line);
	c->band = calloc((size_t)c->nthreads, sizeof *c->band);
	c->row = calloc((size_t)c->nthreads, sizeof *c->row);
	c->col = calloc((size_t)c->nthreads, sizeof *c->col);
	if (!c->S || !c->T || !c->line || !c->band || !c->row || !c->col)
		goto oom;
	for (int t = 0; t < c->nthreads; t++) {
		c->line[t] = fftwf_malloc(sizeof(fftwf_complex) * (size_t)g->P);
		c->band[t] = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(c->B * c->MS));
		c->row[t] = fftwf_malloc(sizeof(fftwf_complex) * (size_t)g->M);
		c->col[t] = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(CB * g->M));
		if (!c->line[t] || !c->band[t] || !c->row[t] || !c->col[t])
			goto oom;
	}
	/* Our threads each run their own transforms: one-thread plans. */
	tomo_fft_init(1);
	tomo_fft_lock();
	c->line_fwd = fftwf_plan_dft_1d(P, c->line[0], c->line[0], FFTW_FORWARD, tomo_fft_flags());
	c->row_bwd = fftwf_plan_dft_1d(M, c->row[0], c->row[0], FFTW_BACKWARD, tomo_fft_flags());
	c->col_bwd = fftwf_plan_many_dft(1, &M, CB, c->col[0], NULL, 1, M, c->col[0], NULL, 1, M,
	                                 FFTW_BACKWARD, tomo_fft_flags());
	tomo_fft_unlock();
	if (!c->line_fwd || !c->row_bwd || !c->col_bwd) {
		fbp_fourier_cpu_destroy(c);
		return tomo_error(TOMO_ERR, "FFTW could not plan transforms of %d and %d points", P,
		                  M);
	}
	*out = c;
	return TOMO_OK;
oom:
	fbp_fourier_cpu_destroy(c);
	return tomo_error(TOMO_ERR, "out of memory for the Fourier method's buffers (%.0f MB)",
	                  (double)work_bytes(g, c->nthreads, c->B, c->MS) / 1e6);
}

/* Angle a of the pair (rows r1, r2 of raw; r2 NULL for none): its complex
 * line padded, transformed, then each sample jj = -J2..J2 (J2 = P/2,
 * rounded down) weighted, filtered and shifted into S; for an even P the
 * two Nyquist samples share bin P/2, half each. */
static int64_t
spectrum(struct fourier_cpu *c, fftwf_complex *z, const float *r1, const float *r2, int64_t a)
{
	const struct fbp_geom *g = c->g;
	const int64_t C = g->C, P = g->P, J2 = P / 2;
	int64_t clamped = 0;

	for (int64_t k = 0; k < C; k++) {
		int c1 = 0, c2 = 0;
		z[k][0] = fbp_preprocess(r1[k], g->transmission, &c1);
		z[k][1] = r2 ? fbp_preprocess(r2[k], g->transmission, &c2) : 0.0f;
		clamped += c1 + c2;
	}
	for (int64_t k = C; k < P; k++) {
		if (g->pad_zero) {
			z[k][0] = z[k][1] = 0.0f;
		} else {
			int64_t src = fbp_pad_source(k, C, P);
			z[k][0] = z[src][0];
			z[k][1] = z[src][1];
		}
	}
	fftwf_execute_dft(c->line_fwd, z, z);

	/* exp(2 pi i jj t / P) by a recurrence in double from jj = -J2. */
	const double t = g->shift[a], w = g->weight[a];
	double pr = cos(-2 * pi * (double)J2 * t / (double)P);
	double pim = sin(-2 * pi * (double)J2 * t / (double)P);
	const double sr = cos(2 * pi * t / (double)P), si = sin(2 * pi * t / (double)P);
	fftwf_complex *s = c->S + a * c->J + J2;
	for (int64_t jj = -J2; jj <= J2; jj++) {
		const int64_t k = jj < 0 ? -jj : jj, bin = jj < 0 ? jj + P : jj;
		const double h = w * (double)g->filter[k] * (2 * k == P ? 0.5 : 1.0);
		const double zr = z[bin][0], zi = z[bin][1];
		s[jj][0] = (float)(h * (zr * pr - zi * pim));
		s[jj][1] = (float)(h * (zr * pim + zi * pr));
		const double nr = pr * sr - pim * si;
		pim = pr * si + pim * sr;
		pr = nr;
	}
	return clamped;
}

/* Spread the samples that reach grid rows lo..hi-1 (unwrapped) into the
 * band (its row 0 is unwrapped row lo). Inlined for each width, so that
 * the tap loops have constant trip counts. The positions and weights of
 * VS samples at a time are computed lane by lane (gcc vectorises them:
 * Horner's rule is a chain of dependent steps, fast only when many
 * samples run side by side), then each sample is added to its W x W
 * cells. */
#define VS TOMO_VLEN

typedef tomo_vf vsf;
typedef tomo_vi vsi;

/* fourier_first for VS samples: floor by truncation of a positive number
 * (a >= -W/2 - 1 here), so exact integers give z = 1 as floorf does. */
static inline __attribute__((always_inline)) vsi
first_v(vsf a, vsf *z)
{
	vsi i0 = __builtin_convertvector(a + 64.0f, vsi) - 63;
	*z = 2.0f * (__builtin_convertvector(i0, vsf) - a) - 1.0f;
	return i0;
}

static inline __attribute__((always_inline)) void
spread(const struct fourier_cpu *c, float *band, int64_t lo, int64_t hi, const int W, const int deg)
{
	const struct fbp_geom *g = c->g;
	const int64_t J2 = g->P / 2, M = g->M, MS = c->MS, OFF = c->OFF;
	const float *coef = g->coef;
	const vsf lane = tomo_vf_iota();
	const float half_m = 0.5f * (float)M, half_w = 0.5f * (float)W;
	vsf wu[FOURIER_MAX_W], wv[FOURIER_MAX_W];
	float cw[2 * FOURIER_MAX_W];

	for (int64_t a = 0; a < g->A; a++) {
		const float rs = g->r * g->sinv[a], rc = g->r * g->cosv[a];
		const fftwf_complex *s = c->S + a * c->J + J2;
		long j0, j1;
		fourier_jrange(rs, (long)M, W, (long)lo, (long)hi, (long)J2, &j0, &j1);
		for (long jb = j0; jb <= j1; jb += VS) {
			const int n = j1 - jb + 1 < VS ? (int)(j1 - jb + 1) : VS;
			const vsf jv = (float)jb + lane;
			vsf zu, zv;
			const vsi iu = first_v(half_m + jv * rs - half_w, &zu);
			const vsi iv = first_v(half_m + jv * rc - half_w, &zv);
			for (int t = 0; t < W; t++) {
				wu[t] = wv[t] = (vsf){0} + coef[deg * W + t];
				for (int d = deg - 1; d >= 0; d--) {
					wu[t] = wu[t] * zu + coef[d * W + t];
					wv[t] = wv[t] * zv + coef[d * W + t];
				}
			}
			for (int k = 0; k < n; k++) {
				const int64_t i0 = iu[k];
				const int t0 = i0 < lo ? (int)(lo - i0) : 0;
				const int t1 = i0 + W > hi ? (int)(hi - i0) : W;
				if (t0 >= t1)
					continue;
				const float re = s[jb + k][0], im = s[jb + k][1];
				for (int t = 0; t < W; t++) {
					cw[2 * t] = wv[t][k] * re;
					cw[2 * t + 1] = wv[t][k] * im;
				}
				for (int t = t0; t < t1; t++) {
					const float w = wu[t][k];
					float *o = band + ((i0 + t - lo) * MS + OFF + iv[k]) * 2;
					for (int e = 0; e < 2 * W; e++)
						o[e] += w * cw[e];
				}
			}
		}
	}
}

static void
spread_any(const struct fourier_cpu *c, float *band, int64_t lo, int64_t hi)
{
	switch (c->g->W) {
	case 3: spread(c, band, lo, hi, 3, fourier_degree(3)); break;
	case 4: spread(c, band, lo, hi, 4, fourier_degree(4)); break;
	case 5: spread(c, band, lo, hi, 5, fourier_degree(5)); break;
	case 6: spread(c, band, lo, hi, 6, fourier_degree(6)); break;
	case 7: spread(c, band, lo, hi, 7, fourier_degree(7)); break;
	default: spread(c, band, lo, hi, 8, fourier_degree(8)); break;
	}
}

/* Band k: spread every sample that reaches its rows (and the periodic
 * images of the first and last bands), fold the columns that spilled past
 * the grid's edges, transform each row along x and keep the N output
 * columns, deapodised in x, in T. */
static void
do_band(struct fourier_cpu *c, int id, int64_t k)
{
	const struct fbp_geom *g = c->g;
	const int64_t M = g->M, N = g->N, MS = c->MS, OFF = c->OFF;
	const int64_t b0 = k * c->B, b1 = b0 + c->B < M ? b0 + c->B : M;
	float *band = (float *)c->band[id];
	fftwf_complex *row = c->row[id];

	memset(band, 0, sizeof(fftwf_complex) * (size_t)((b1 - b0) * MS));
	spread_any(c, band, b0, b1);
	if (b0 == 0)
		spread_any(c, band, b0 + M, b1 + M);
	if (b1 == M)
		spread_any(c, band, b0 - M, b1 - M);
	for (int64_t u = b0; u < b1; u++) {
		const float *q = band + (u - b0) * MS * 2;
		for (int64_t v = 0; v < M; v++) {
			row[v][0] = q[2 * (OFF + v)];
			row[v][1] = q[2 * (OFF + v) + 1];
		}
		for (int64_t v = 0; v < OFF; v++) {
			row[M - OFF + v][0] += q[2 * v];
			row[M - OFF + v][1] += q[2 * v + 1];
		}
		for (int64_t v = OFF + M; v < MS; v++) {
			row[v - OFF - M][0] += q[2 * v];
			row[v - OFF - M][1] += q[2 * v + 1];
		}
		fftwf_execute_dft(c->row_bwd, row, row);
		fftwf_complex *t = c->T + u * N;
		for (int64_t x = 0; x < N; x++) {
			int64_t m = x - N / 2;
			const float *z = row[m < 0 ? m + M : m];
			t[x][0] = z[0] * g->deap_x[x];
			t[x][1] = z[1] * g->deap_x[x];
		}
	}
}

/* Output columns x0..x0+CB-1 (fewer at the edge): transform T's columns
 * along y and write both slices, deapodised in y. */
static void
do_columns(struct fourier_cpu *c, int id, int64_t x0, float *o1, float *o2)
{
	const struct fbp_geom *g = c->g;
	const int64_t M = g->M, N = g->N;
	const int64_t nx = x0 + CB <= N ? CB : N - x0;
	fftwf_complex *col = c->col[id];

	for (int64_t u = 0; u < M; u++) {
		const fftwf_complex *t = c->T + u * N + x0;
		for (int64_t k = 0; k < CB; k++) {
			col[k * M + u][0] = k < nx ? t[k][0] : 0.0f;
			col[k * M + u][1] = k < nx ? t[k][1] : 0.0f;
		}
	}
	fftwf_execute_dft(c->col_bwd, col, col);
	for (int64_t i = 0; i < N; i++) {
		int64_t m = N - 1 - i - N / 2;
		const float d = g->deap_y[i];
		const fftwf_complex *z = col + (m < 0 ? m + M : m);
		for (int64_t k = 0; k < nx; k++) {
			o1[i * N + x0 + k] = z[k * M][0] * d;
			if (o2)
				o2[i * N + x0 + k] = z[k * M][1] * d;
		}
	}
}

/* Rows r and r + 1 (if two) of a slab into slices o1, o2. */
static int64_t
do_pair(struct fourier_cpu *c, const float *raw, int64_t rs, int64_t as, int64_t r, int two,
        float *o1, float *o2)
{
	const struct fbp_geom *g = c->g;
	int64_t clamped = 0;

#pragma omp parallel reduction(+ : clamped)
	{
		const int id = omp_get_thread_num();
#pragma omp for schedule(dynamic, 8)
		for (int64_t a = 0; a < g->A; a++)
			clamped += spectrum(c, c->line[id], raw + r * rs + a * as,
			                    two ? raw + (r + 1) * rs + a * as : NULL, a);
#pragma omp for schedule(dynamic, 1)
		for (int64_t k = 0; k < c->nb; k++)
			do_band(c, id, k);
#pragma omp for schedule(dynamic, 1)
		for (int64_t x0 = 0; x0 < g->N; x0 += CB)
			do_columns(c, id, x0, o1, two ? o2 : NULL);
	}
	return clamped;
}

int64_t
fbp_fourier_cpu_bytes(const struct fourier_cpu *c)
{
	return work_bytes(c->g, c->nthreads, c->B, c->MS);
}

int64_t
fbp_fourier_cpu_slab(struct fourier_cpu *c, const float *raw, int64_t rs, int64_t as, int64_t nr,
                     float *slices, struct fbp_report *rep)
{
	const int64_t n2 = c->g->N * c->g->N;
	int64_t clamped = 0;

	for (int64_t r = 0; r < nr; r += 2) {
		const int two = r + 1 < nr;
		clamped += do_pair(c, raw, rs, as, r, two, slices + r * n2, slices + (r + 1) * n2);
		if (rep) {
			rep->done += (1 + two) * c->g->A * n2;
			tomo_progress_report(rep->cb, rep->done, rep->total);
		}
	}
	return clamped;
}
