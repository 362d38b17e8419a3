/*
 * phase_cpu: the CPU path of phase retrieval (lib/phase_impl.h). One
 * projection per OpenMP thread; the 2D FFT is done as row and column
 * passes with FFTW plans made once and shared, so that the padding costs
 * little: the padded rows are copies (or zeros) of projection rows, so only
 * the projection's rows are transformed, their spectra are copied into the
 * padded columns, and after the column pass only the rows that the crop
 * keeps are transformed back.
 */
#include <fftw3.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "phase_impl.h"
#include "phase_math.h"
#include "tomo/err.h"
#include "tomo/fft.h"

/* Columns filtered together: 8 complex floats are one 64-byte cache
 * line of each row, and the column transforms run interleaved. */
#define COLS 8

struct phase_cpu {
	struct tomo_phase_geom g;
	int64_t hx;        /* complex columns of the half spectrum: px/2 + 1 */
	int64_t stride;    /* floats per row of the in-place row transforms: 2 hx */
	const float *filter; /* py * hx, borrowed */
	int64_t *rowsrc;   /* py: the projection row padded row y copies, or -1 */
	fftwf_plan rowf, rowi;           /* ny rows of px, r2c and c2r */
	fftwf_plan colf[2], coli[2];     /* COLS columns, and the remainder */
	int64_t rem;                     /* hx % COLS */
	int nwork;
	float **rows;                    /* per thread: ny * stride floats */
	fftwf_complex **cols;            /* per thread: py * COLS */
};

void
phase_cpu_free(struct phase_cpu *c)
{
	if (!c)
		return;
	tomo_fft_lock();
	fftwf_plan plans[] = {c->rowf, c->rowi, c->colf[0], c->coli[0], c->colf[1],
	                      c->coli[1]};
	for (size_t i = 0; i < sizeof plans / sizeof *plans; i++)
		if (plans[i])
			fftwf_destroy_plan(plans[i]);
	tomo_fft_unlock();
	for (int t = 0; t < c->nwork; t++) {
		if (c->rows)
			fftwf_free(c->rows[t]);
		if (c->cols)
			fftwf_free(c->cols[t]);
	}
	free(c->rows);
	free(c->cols);
	free(c->rowsrc);
	free(c);
}

/* Plans for the threads' buffers (all from fftwf_malloc, so alike in
 * alignment, which the new-array execute functions require). */
static int
make_plans(struct phase_cpu *c)
{
	const unsigned flags = tomo_fft_flags();
	int px = (int)c->g.px, py = (int)c->g.py, ny = (int)c->g.ny;
	float *r = c->rows[0];
	fftwf_complex *s = (fftwf_complex *)r, *t = c->cols[0];

	/* Threads work on whole projections: single-threaded plans. */
	tomo_fft_init(1);
	tomo_fft_lock();
	c->rowf = fftwf_plan_many_dft_r2c(1, &px, ny, r, NULL, 1, (int)c->stride, s,
	                                  NULL, 1, (int)c->hx, flags);
	c->rowi = fftwf_plan_many_dft_c2r(1, &px, ny, s, NULL, 1, (int)c->hx, r, NULL,
	                                  1, (int)c->stride, flags);
	for (int k = 0; k < 2; k++) {
		int w = k == 0 ? COLS : (int)c->rem;
		if (w == 0)
			continue;
		/* w transforms of length py, element y of column q at t[y w + q]. */
		c->colf[k] = fftwf_plan_many_dft(1, &py, w, t, NULL, w, 1, t, NULL, w, 1,
		                                 FFTW_FORWARD, flags);
		c->coli[k] = fftwf_plan_many_dft(1, &py, w, t, NULL, w, 1, t, NULL, w, 1,
		                                 FFTW_BACKWARD, flags);
	}
	tomo_fft_unlock();
	if (!c->rowf || !c->rowi || !c->colf[0] || !c->coli[0] ||
	    (c->rem && (!c->colf[1] || !c->coli[1])))
		return tomo_error(TOMO_ERR, "FFTW cannot plan transforms of %lld x %lld",
		                  (long long)c->g.px, (long long)c->g.py);
	return TOMO_OK;
}

int
phase_cpu_create(const struct tomo_phase_geom *g, const float *filter,
                 int64_t max_planes, struct phase_cpu **out)
{
	struct phase_cpu *c = calloc(1, sizeof *c);

	*out = NULL;
	if (!c)
		return tomo_error(TOMO_ERR, "out of memory");
	c->g = *g;
	c->hx = g->px / 2 + 1;
	c->stride = 2 * c->hx;
	c->rem = c->hx % COLS;
	c->filter = filter;
	c->nwork = omp_get_max_threads();
	if (c->nwork > max_planes)
		c->nwork = max_planes > 0 ? (int)max_planes : 1;
	c->rowsrc = malloc((size_t)g->py * sizeof *c->rowsrc);
	c->rows = calloc((size_t)c->nwork, sizeof *c->rows);
	c->cols = calloc((size_t)c->nwork, sizeof *c->cols);
	if (!c->rowsrc || !c->rows || !c->cols)
		goto oom;
	for (int64_t y = 0; y < g->py; y++)
		c->rowsrc[y] = tomo_phase_pad_src(y, g->ly, g->ny, g->mode);
	for (int t = 0; t < c->nwork; t++) {
		c->rows[t] = fftwf_malloc((size_t)(g->ny * c->stride) * sizeof(float));
		c->cols[t] = fftwf_malloc((size_t)(g->py * COLS) * sizeof(fftwf_complex));
		if (!c->rows[t] || !c->cols[t])
			goto oom;
	}
	if (make_plans(c)) {
		phase_cpu_free(c);
		return TOMO_ERR;
	}
	*out = c;
	return TOMO_OK;
oom:
	phase_cpu_free(c);
	return tomo_error(TOMO_ERR, "out of memory for FFT buffers of %lld x %lld",
	                  (long long)g->px, (long long)g->py);
}

/* The projection's rows, as clamped transmission, padded in x into rows
 * of stride floats. Returns the number of samples clamped. */
static int64_t
pad_rows(const struct tomo_phase_geom *g, int64_t stride, const float *proj,
         float *rows)
{
	int64_t clamped = 0;

	for (int64_t y = 0; y < g->ny; y++) {
		const float *src = proj + y * g->nx;
		float *row = rows + y * stride, *mid = row + g->lx;
		for (int64_t x = 0; x < g->nx; x++) {
			int c;
			mid[x] = tomo_phase_input(src[x], g->from_log, &c);
			clamped += c;
		}
		if (g->mode == TOMO_PAD_EDGE) {
			/* The common case, in loops the compiler vectorises. */
			const float a = mid[0], b = mid[g->nx - 1];
			for (int64_t x = 0; x < g->lx; x++)
				row[x] = a;
			for (int64_t x = g->lx + g->nx; x < g->px; x++)
				row[x] = b;
			continue;
		}
		for (int64_t x = 0; x < g->lx; x++) {
			int64_t s = tomo_phase_pad_src(x, g->lx, g->nx, g->mode);
			row[x] = s < 0 ? 0.0f : mid[s];
		}
		for (int64_t x = g->lx + g->nx; x < g->px; x++) {
			int64_t s = tomo_phase_pad_src(x, g->lx, g->nx, g->mode);
			row[x] = s < 0 ? 0.0f : mid[s];
		}
	}
	return clamped;
}

/* Columns j..j+w of the row spectra: gather into the padded column
 * block (padded rows are copies of projection rows, so their spectra are
 * too), transform, filter, transform back, and keep the rows the crop
 * needs. */
static void
filter_columns(const struct phase_cpu *c, fftwf_complex *spec, fftwf_complex *t,
               int64_t j, int64_t w, int k)
{
	const int64_t py = c->g.py, hx = c->hx;
	const size_t bytes = (size_t)w * sizeof *t;

	for (int64_t y = 0; y < py; y++) {
		int64_t s = c->rowsrc[y];
		if (s < 0)
			memset(t + y * w, 0, bytes);
		else
			memcpy(t + y * w, spec + s * hx + j, bytes);
	}
	fftwf_execute_dft(c->colf[k], t, t);
	for (int64_t y = 0; y < py; y++) {
		const float *h = c->filter + y * hx + j;
		float *v = (float *)(t + y * w);
		for (int64_t q = 0; q < w; q++) {
			v[2 * q] *= h[q];
			v[2 * q + 1] *= h[q];
		}
	}
	fftwf_execute_dft(c->coli[k], t, t);
	for (int64_t y = 0; y < c->g.ny; y++)
		memcpy(spec + y * hx + j, t + (y + c->g.ly) * w, bytes);
}

/* The filtered rows, cropped to the projection, clamped and logged. */
static int64_t
crop_rows(const struct tomo_phase_geom *g, int64_t stride, const float *rows,
          float *proj)
{
	int64_t clamped = 0;

	for (int64_t y = 0; y < g->ny; y++) {
		const float *row = rows + y * stride + g->lx;
		float *dst = proj + y * g->nx;
		for (int64_t x = 0; x < g->nx; x++) {
			int c;
			dst[x] = tomo_phase_output(row[x], g->no_log, &c);
			clamped += c;
		}
	}
	return clamped;
}

int
phase_cpu_apply(struct phase_cpu *c, float *planes, int64_t n, int64_t *cin,
                int64_t *cout)
{
	const int64_t plane = c->g.nx * c->g.ny;
	int64_t ci = 0, co = 0;

	#pragma omp parallel for num_threads(c->nwork) schedule(dynamic, 1) \
		reduction(+ : ci, co)
	for (int64_t i = 0; i < n; i++) {
		int th = omp_get_thread_num();
		float *rows = c->rows[th];
		fftwf_complex *spec = (fftwf_complex *)rows, *t = c->cols[th];
		float *proj = planes + i * plane;

		ci += pad_rows(&c->g, c->stride, proj, rows);
		fftwf_execute_dft_r2c(c->rowf, rows, spec);
		for (int64_t j = 0; j < c->hx; j += COLS) {
			int64_t w = c->hx - j < COLS ? c->hx - j : COLS;
			filter_columns(c, spec, t, j, w, w == COLS ? 0 : 1);
		}
		fftwf_execute_dft_c2r(c->rowi, spec, rows);
		co += crop_rows(&c->g, c->stride, rows, proj);
	}
	*cin += ci;
	*cout += co;
	return TOMO_OK;
}
