/*
 * phase: single-distance phase retrieval (tomo/phase.h). The filter table
 * and the padding geometry are computed here once; slabs of projections
 * go to the CPU path (lib/phase_cpu.c, FFTW on OpenMP threads) or the GPU
 * path (kernels/phase.cu). tomo_phase_run overlaps reading, filtering and
 * writing.
 */
#include <fftw3.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phase_gpu.h"
#include "phase_impl.h"
#include "phase_math.h"
#include "tomo/err.h"
#include "tomo/fft.h"
#include "tomo/phase.h"
#include "tomo/pipeline.h"

struct tomo_phase {
	struct tomo_phase_opts o;
	struct tomo_phase_geom g;
	int64_t hx;       /* px/2 + 1 complex columns */
	float *filter;    /* py * hx, scaled by 1/(px py) */
	struct phase_cpu *cpu;
	struct tomo_phase_gpu_state *gpu;
	int64_t clamped_in, clamped_out;
};

static const char *const method_names[] = {"paganin", "gpaganin", "tomopy"};

int
tomo_phase_check(const struct tomo_phase_opts *o)
{
	if ((unsigned)o->method > TOMO_PHASE_TOMOPY)
		return tomo_error(TOMO_EUSAGE, "unknown phase retrieval method %d",
		                  (int)o->method);
	if ((unsigned)o->pad_mode > TOMO_PAD_ZERO)
		return tomo_error(TOMO_EUSAGE, "unknown pad mode %d", (int)o->pad_mode);
	if (!(o->energy > 0) || !isfinite(o->energy))
		return tomo_error(TOMO_EUSAGE, "energy %g keV is not positive", o->energy);
	if (!(o->distance > 0) || !isfinite(o->distance))
		return tomo_error(TOMO_EUSAGE, "distance %g m is not positive",
		                  o->distance);
	if (!(o->pixel_size > 0) || !isfinite(o->pixel_size))
		return tomo_error(TOMO_EUSAGE, "pixel size %g m is not positive",
		                  o->pixel_size);
	if (o->method == TOMO_PHASE_TOMOPY) {
		if (!(o->alpha > 0) || !isfinite(o->alpha))
			return tomo_error(TOMO_EUSAGE, "alpha %g is not positive", o->alpha);
	} else if (!(o->delta_beta > 0) || !isfinite(o->delta_beta)) {
		return tomo_error(TOMO_EUSAGE, "delta/beta %g is not positive",
		                  o->delta_beta);
	}
	if (o->pad < TOMO_PHASE_PAD_TOMOPY)
		return tomo_error(TOMO_EUSAGE, "padding %lld is negative",
		                  (long long)o->pad);
	return TOMO_OK;
}

/* The FFT lengths must stay within FFTW's and cuFFT's int sizes, and the
 * half spectrum within memory; 1 << 20 is far beyond any detector. */
#define MAX_FFT (1L << 20)

int
tomo_phase_padding(const struct tomo_phase_opts *o, int64_t n, int64_t *padded,
                   int64_t *left)
{
	int64_t p, l;

	if (n < 1 || n > MAX_FFT / 2)
		return tomo_error(TOMO_ERR, "projection size %lld is out of range",
		                  (long long)n);
	if (o->pad == TOMO_PHASE_PAD_TOMOPY) {
		double lambda = tomo_phase_wavelength(o->energy);
		double pix = ceil(M_PI * lambda * o->distance /
		                  (o->pixel_size * o->pixel_size));
		if (!(pix < (double)MAX_FFT))
			return tomo_error(TOMO_ERR, "TomoPy's padding rule asks for %g "
			                  "pixels, more than %ld", pix, MAX_FFT);
		int64_t q = 1;
		while (q < n + (int64_t)pix)
			q *= 2;
		l = (q - n) / 2;
		p = n + 2 * l;
	} else {
		int64_t want = o->pad == TOMO_PHASE_PAD_AUTO ? 2 * n : n + 2 * o->pad;
		if (o->pad > MAX_FFT || want > MAX_FFT)
			return tomo_error(TOMO_ERR, "padding %lld makes an FFT longer "
			                  "than %ld", (long long)o->pad, MAX_FFT);
		p = tomo_fft_good_size((long)want);
		l = (p - n) / 2;
	}
	*padded = p;
	*left = l;
	return TOMO_OK;
}

static struct tomo_phase_fpar
filter_params(const struct tomo_phase_opts *o, int64_t px, int64_t py)
{
	return (struct tomo_phase_fpar){
		.method = (int)o->method, .px = px, .py = py,
		.lambda = tomo_phase_wavelength(o->energy),
		.distance = o->distance, .pixel = o->pixel_size,
		.delta_beta = o->delta_beta, .alpha = o->alpha,
	};
}

int
tomo_phase_filter(const struct tomo_phase_opts *o, int64_t px, int64_t py,
                  float *h)
{
	const struct tomo_phase_fpar f = filter_params(o, px, py);
	const int64_t hx = px / 2 + 1;
	const double scale = 1.0 / ((double)px * (double)py);

	#pragma omp parallel for
	for (int64_t ky = 0; ky < py; ky++)
		for (int64_t kx = 0; kx < hx; kx++)
			h[ky * hx + kx] = (float)(scale * tomo_phase_filter_value(&f, kx, ky));
	return TOMO_OK;
}

static int phase_create_rows(const struct tomo_phase_opts *o, int64_t nx, int64_t ny_all,
                             int64_t y0, int64_t ny, int64_t max_planes, struct tomo_phase **out);

int
tomo_phase_create(const struct tomo_phase_opts *o, int64_t nx, int64_t ny,
                  int64_t max_planes, struct tomo_phase **out)
{
	return phase_create_rows(o, nx, ny, 0, ny, max_planes, out);
}

/* The filter of projections of ny_all rows, for rows y0..y0+ny of them:
 * the padded grid (and so the filter) is the whole projection's, the rows
 * sit at their place in it and the padding continues from their edges,
 * so a part differs from the whole only by the rows it leaves out. */
static int
phase_create_rows(const struct tomo_phase_opts *o, int64_t nx, int64_t ny_all, int64_t y0,
                  int64_t ny, int64_t max_planes, struct tomo_phase **out)
{
	struct tomo_phase *p;
	int rc;

	*out = NULL;
	if ((rc = tomo_phase_check(o)))
		return rc;
	p = calloc(1, sizeof *p);
	if (!p)
		return tomo_error(TOMO_ERR, "out of memory");
	p->o = *o;
	p->g.nx = nx;
	p->g.ny = ny;
	p->g.mode = (int)o->pad_mode;
	p->g.from_log = o->from_log;
	p->g.no_log = o->no_log;
	if ((rc = tomo_phase_padding(o, nx, &p->g.px, &p->g.lx)) ||
	    (rc = tomo_phase_padding(o, ny_all, &p->g.py, &p->g.ly)))
		goto fail;
	p->g.ly += y0;
	p->hx = p->g.px / 2 + 1;
	p->filter = fftwf_malloc((size_t)(p->g.py * p->hx) * sizeof(float));
	if (!p->filter) {
		rc = tomo_error(TOMO_ERR, "out of memory for a %lld x %lld filter",
		                (long long)p->hx, (long long)p->g.py);
		goto fail;
	}
	tomo_phase_filter(o, p->g.px, p->g.py, p->filter);
	if (o->use_gpu) {
		const struct tomo_phase_gpu_desc gd = {
			.geom = &p->g,
			.filter = p->filter,
			.max_batch = max_planes,
			.device = o->device,
		};
		if ((rc = tomo_phase_gpu.create(&gd, &p->gpu)))
			goto fail;
		*out = p;
		return TOMO_OK;
	}
	if ((rc = phase_cpu_create(&p->g, p->filter, max_planes, &p->cpu)))
		goto fail;
	*out = p;
	return TOMO_OK;
fail:
	tomo_phase_free(p);
	return rc;
}

int
tomo_phase_apply(struct tomo_phase *p, float *planes, int64_t n)
{
	int64_t cin = 0, cout = 0;
	int rc = p->gpu ? tomo_phase_gpu.apply(p->gpu, planes, n, &cin, &cout)
	                : phase_cpu_apply(p->cpu, planes, n, &cin, &cout);

	p->clamped_in += cin;
	p->clamped_out += cout;
	return rc;
}

float *
tomo_phase_buffer_alloc(struct tomo_phase *p, int64_t nplanes)
{
	size_t bytes = (size_t)(nplanes * p->g.nx * p->g.ny) * sizeof(float);
	float *b = p->gpu ? tomo_phase_gpu.host_alloc(p->gpu, bytes) : malloc(bytes);

	if (!b && !p->gpu)
		tomo_error(TOMO_ERR, "out of memory for a slab of %lld projections",
		           (long long)nplanes);
	return b;
}

void
tomo_phase_buffer_free(struct tomo_phase *p, float *buf)
{
	if (p->gpu)
		tomo_phase_gpu.host_free(p->gpu, buf);
	else
		free(buf);
}

void
tomo_phase_counts(const struct tomo_phase *p, int64_t *clamped_in,
                  int64_t *clamped_out)
{
	*clamped_in = p->clamped_in;
	*clamped_out = p->clamped_out;
}

void
tomo_phase_free(struct tomo_phase *p)
{
	if (!p)
		return;
	if (p->gpu)
		tomo_phase_gpu.destroy(p->gpu);
	phase_cpu_free(p->cpu);
	fftwf_free(p->filter);
	free(p);
}

int
tomo_phase_margin(const struct tomo_phase_opts *o, int64_t nx, int64_t ny, int64_t *margin)
{
	int64_t px, lx, py, ly;
	int rc;

	if ((rc = tomo_phase_check(o)) || (rc = tomo_phase_padding(o, nx, &px, &lx)) ||
	    (rc = tomo_phase_padding(o, ny, &py, &ly)))
		return rc;
	const int64_t hx = px / 2 + 1;
	float *h = fftwf_malloc(sizeof(float) * (size_t)(py * hx * 2));
	if (!h)
		return tomo_error(TOMO_ERR, "out of memory for a %lld x %lld kernel", (long long)px,
		                  (long long)py);
	/* The half spectrum, real, as complex numbers: its inverse transform
	 * is the kernel, centred on (0, 0), periodic. */
	float *f = malloc(sizeof(float) * (size_t)(py * hx));
	if (!f) {
		fftwf_free(h);
		return tomo_error(TOMO_ERR, "out of memory for a %lld x %lld filter",
		                  (long long)hx, (long long)py);
	}
	tomo_phase_filter(o, px, py, f);
	fftwf_complex *z = (fftwf_complex *)h;
	for (int64_t i = 0; i < py * hx; i++) {
		z[i][0] = f[i];
		z[i][1] = 0;
	}
	free(f);
	tomo_fft_lock();
	fftwf_plan plan = fftwf_plan_dft_c2r_2d((int)py, (int)px, z, h, FFTW_ESTIMATE);
	tomo_fft_unlock();
	if (!plan) {
		fftwf_free(h);
		return tomo_error(TOMO_ERR, "FFTW could not plan a %lld x %lld transform",
		                  (long long)px, (long long)py);
	}
	fftwf_execute(plan);
	tomo_fft_lock();
	fftwf_destroy_plan(plan);
	tomo_fft_unlock();
	/* c2r in place: rows of 2 hx floats, px of them samples */
	double peak = 0;
	for (int64_t y = 0; y < py; y++)
		for (int64_t x = 0; x < px; x++)
			peak = fmax(peak, fabs(h[y * 2 * hx + x]));
	int64_t m = 0;
	for (int64_t y = 0; y < py; y++) {
		const int64_t d = y <= py / 2 ? y : py - y;
		for (int64_t x = 0; x < px && d > m; x++)
			if (fabs(h[y * 2 * hx + x]) >= 1e-6 * peak)
				m = d;
	}
	fftwf_free(h);
	*margin = m < ny ? m : ny;
	return TOMO_OK;
}

/*
 * tomo_phase_run as a stage of the pipeline (lib/pipeline.c): slabs of
 * projections, filtered in place (whole projections) or, for a part, its
 * rows with their margin filtered and the part's rows kept; the filter and
 * FFT plans made once the slab size is known, slot buffers pinned for the
 * GPU.
 */
struct phase_stage {
	const struct tomo_phase_opts *o;
	int64_t nx, ny;  /* the projections filtered (a part's rows and margin) */
	int64_t ny_all;  /* the detector's rows */
	int64_t y0;      /* the first row filtered */
	int64_t margin;  /* of a part */
	struct tomo_phase *phase;
	double filter_seconds;
};

static void
phase_input_box(void *impl, const struct tomo_box *out, struct tomo_box *in)
{
	const struct phase_stage *s = impl;
	const int64_t y0 = out->y0 - s->margin, y1 = out->y0 + out->ny + s->margin;

	*in = *out;
	in->y0 = y0 > 0 ? y0 : 0;
	in->ny = (y1 < s->ny_all ? y1 : s->ny_all) - in->y0;
}

static int
phase_prepare(void *impl, int64_t *units)
{
	struct phase_stage *s = impl;
	return phase_create_rows(s->o, s->nx, s->ny_all, s->y0, s->ny, *units, &s->phase);
}

static int
phase_process(void *impl, struct tomo_slab *sl, const struct tomo_progress_cb *cb)
{
	struct phase_stage *s = impl;
	double t0 = tomo_now();
	int rc = tomo_phase_apply(s->phase, sl->in_data, sl->out.nz);

	s->filter_seconds += tomo_now() - t0;
	if (rc || sl->in_data == sl->out_data)
		return rc;
	/* a part: its rows of the filtered rows and margins */
	const int64_t nx = s->nx, skip = sl->out.y0 - sl->in.y0;
	for (int64_t z = 0; z < sl->out.nz; z++)
		memcpy(sl->out_data + z * sl->out.ny * nx,
		       (const float *)sl->in_data + (z * sl->in.ny + skip) * nx,
		       sizeof(float) * (size_t)(sl->out.ny * nx));
	return TOMO_OK;
}

static void *
phase_alloc(void *impl, int64_t bytes)
{
	struct phase_stage *s = impl;
	const int64_t plane = (int64_t)sizeof(float) * s->nx * s->ny;
	return tomo_phase_buffer_alloc(s->phase, (bytes + plane - 1) / plane);
}

static void
phase_release(void *impl, void *p)
{
	struct phase_stage *s = impl;
	tomo_phase_buffer_free(s->phase, p);
}

/* Projections per slab at most: small enough that output starts early:
 * 64 MiB (but at least two projections per thread) on the CPU; 256 MiB on
 * the GPU, where each slab costs a pipeline fill and drain of its streams
 * but larger slabs only add pinned-memory set-up time and leave the
 * reader and writer idle while the GPU works (1 GiB slabs ran 64
 * projections of 2048^2 at 25/s end to end on an H100 with the filter
 * itself at 1700/s). The work buffers: the filter, and per CPU thread the
 * padded rows and a column block. */
static void
phase_plan(const struct tomo_phase_opts *o, int64_t nx, int64_t ny, struct tomo_stage *st)
{
	const int64_t plane = nx * ny * (int64_t)sizeof(float);
	const int threads = o->use_gpu ? 1 : omp_get_max_threads();
	int64_t px, lx, py, ly, work = 0, cap;

	if (!tomo_phase_padding(o, nx, &px, &lx) && !tomo_phase_padding(o, ny, &py, &ly)) {
		work = py * (px / 2 + 1) * 4;
		if (!o->use_gpu)
			work += threads * (ny * (px + 2) * 4 + py * 64);
	}
	cap = ((int64_t)(o->use_gpu ? 256 : 64) << 20) / plane;
	if (cap < 2 * threads)
		cap = 2 * threads;
	st->axis = 2;
	st->work_bytes = work;
	st->max_units = cap;
}

int
tomo_phase_run(struct tomo_input *in, struct tomo_output *out,
               const struct tomo_phase_opts *o, struct tomo_phase_result *r)
{
	const struct tomo_header *h = tomo_input_header(in);
	const int64_t ny = h->size[1];
	const int part = o->part;
	const int64_t y0 = part ? o->part_row0 : 0, y1 = part ? o->part_row1 : ny;
	struct phase_stage ps = {.o = o, .nx = h->size[0], .ny = ny, .ny_all = ny};
	struct tomo_stage st = {
		.name = "phase retrieval",
		.impl = &ps,
		.prepare = phase_prepare,
		.process = phase_process,
		.alloc = phase_alloc,
		.release = phase_release,
	};
	struct tomo_pipeline pl = {
		.in = in,
		.out = out,
		.stage = &st,
		.region = {0, h->size[0], y0, y1 > y0 ? y1 - y0 : 0, 0, h->size[2]},
		.memory = o->memory,
		.progress = o->progress,
	};
	int rc;

	if ((rc = tomo_phase_check(o)))
		return rc;
	if (y0 < 0 || y1 > ny || y0 > y1)
		return tomo_error(TOMO_EUSAGE, "rows %lld:%lld are outside the projections' 0:%lld",
		                  (long long)y0, (long long)y1, (long long)ny);
	if (part && (rc = tomo_phase_margin(o, ps.nx, ny, &ps.margin)))
		return rc;
	if (part) {
		/* the rows filtered: the part's and its margins, as far as the
		 * detector reaches (the same for every slab) */
		struct tomo_box ib;
		phase_input_box(&ps, &pl.region, &ib);
		ps.y0 = ib.y0;
		ps.ny = ib.ny;
	}
	phase_plan(o, ps.nx, ps.ny, &st);
	st.in_place = !part;
	st.input_box = part ? phase_input_box : NULL;
	if (y1 > y0)
		rc = tomo_pipeline_run(&pl);
	if (r) {
		memset(r, 0, sizeof *r);
		if (ps.phase) {
			tomo_phase_counts(ps.phase, &r->clamped_in, &r->clamped_out);
			r->padded[0] = ps.phase->g.px;
			r->padded[1] = ps.phase->g.py;
			r->gpu = ps.phase->gpu != NULL;
		}
		r->slab = pl.slab_units;
		r->margin = ps.margin;
		r->filter_seconds = ps.filter_seconds;
	}
	tomo_phase_free(ps.phase);
	return rc;
}

int
tomo_phase_output_header(const struct tomo_header *in, const struct tomo_phase_opts *o,
                         struct tomo_header *out)
{
	int rc;

	if ((rc = tomo_header_copy(out, in)))
		return rc;
	out->kind = TOMO_KIND_PROJECTIONS;
	out->quantity = o->no_log ? TOMO_QUANTITY_TRANSMISSION : TOMO_QUANTITY_LINE_INTEGRAL;
	out->energy = o->energy;
	out->distance = o->distance;
	out->pixel_size = o->pixel_size;
	return TOMO_OK;
}

const char *
tomo_phase_method_name(enum tomo_phase_method m)
{
	return (unsigned)m <= TOMO_PHASE_TOMOPY ? method_names[m] : "unknown";
}
