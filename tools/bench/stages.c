/*
 * stages: the toolkit's stages timed by tomo-bench on generated data
 * in memory (the 3D Shepp-Logan phantom's exact projections), through the
 * library calls the tools make: tomo_phase_create/apply, FBP's filter and
 * back-projection (lib/fbp_impl.h, kernels/fbp_gpu.h), the three in one
 * process, and the tools themselves joined by pipes. No stage reads or
 * writes a file while it is timed, except the processes stage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_gpu.h"
#include "fbp_gpu.h"
#include "fbp_impl.h"
#include "flat_gpu.h"
#include "internal.h"
#include "tomo/err.h"
#include "tomo/fbp.h"
#include "tomo/flat.h"
#include "tomo/io.h"
#include "tomo/phantom.h"
#include "tomo/phase.h"
#include "tomo/tool.h"

/* The physics of the Paganin stage: a soft-tissue-like delta/beta at a
 * short distance, as a user would set them (they do not change the cost). */
#define ENERGY     20.0 /* keV */
#define DISTANCE   0.1  /* m */
#define PIXEL      1e-6 /* m */
#define DELTA_BETA 100.0

/* The simulated counts: photons per pixel at the beam's peak, dark level
 * and frames, as tomo-phantom's scan defaults. */
#define PHOTONS     10000.0
#define DARK_LEVEL  100.0
#define FLAT_FRAMES 10
#define DARK_FRAMES 10

static struct tomo_phase_opts
phase_opts(const struct tomo_bench_config *c, int gpu)
{
	return (struct tomo_phase_opts){
		.method = TOMO_PHASE_PAGANIN,
		.energy = ENERGY,
		.distance = DISTANCE,
		.pixel_size = PIXEL,
		.delta_beta = DELTA_BETA,
		.pad = TOMO_PHASE_PAD_AUTO,
		.pad_mode = TOMO_PAD_EDGE,
		.use_gpu = gpu,
		.device = c->device,
		.memory = (int64_t)1 << 30,
	};
}

double *
bench_even_angles(int64_t n)
{
	double *deg = malloc(sizeof *deg * (size_t)n);
	for (int64_t a = 0; deg && a < n; a++)
		deg[a] = 180.0 * (double)a / (double)n;
	return deg;
}

/* Line integrals of the Shepp-Logan head for A angles over 180 degrees,
 * [nangles][rows][ncols], into a new buffer. */
static int
project(int64_t ncols, int64_t rows, int64_t nangles, float **out)
{
	struct tomo_phantom *ph = NULL;
	struct tomo_detector det = {ncols, rows, 0.5 * (double)ncols};
	double *deg = bench_even_angles(nangles);
	float *buf = malloc(sizeof *buf * (size_t)(ncols * rows * nangles));
	int rc;

	*out = NULL;
	if (!deg || !buf)
		rc = tomo_error(TOMO_ERR, "out of memory for %lld x %lld x %lld projections",
		                (long long)ncols, (long long)rows, (long long)nangles);
	else if (!(rc = tomo_phantom_shepp_logan(ncols, rows, &ph)))
		rc = tomo_phantom_project(ph, &det, deg, nangles, buf);
	tomo_phantom_free(ph);
	free(deg);
	if (rc)
		free(buf);
	else
		*out = buf;
	return rc;
}

/* Transmission exp(-mu L) with the scan simulation's default mu. */
static void
to_transmission(const float *lint, float *t, int64_t n, int64_t ncols)
{
	const float mu = (float)tomo_phantom_default_mu(ncols);
#pragma omp parallel for schedule(static)
	for (int64_t i = 0; i < n; i++)
		t[i] = expf(-mu * lint[i]);
}

int
bench_line_integrals(struct bench *b)
{
	const struct tomo_bench_config *c = b->c;

	if (b->lint)
		return TOMO_OK;
	bench_say(b, "projecting the phantom: %lld columns x %lld rows x %lld angles",
	          (long long)c->size, (long long)c->rows, (long long)c->angles);
	return project(c->size, c->rows, c->angles, &b->lint);
}

static void
size_text(struct tomo_bench_row *r, int64_t x, int64_t y, int64_t z)
{
	snprintf(r->size, sizeof r->size, "%lldx%lldx%lld", (long long)x, (long long)y,
	         (long long)z);
}

/* Seconds per pair of FFTW transforms (kind as tomo_bench_fft), measured
 * once per length; 0 when it failed. */
double
bench_fft_pair(struct bench *b, int kind, int64_t n)
{
	double t[TOMO_BENCH_MAX_REPEAT], count = 0;

	for (int i = 0; i < b->nfft; i++)
		if (b->fft[i].kind == kind && b->fft[i].n == n)
			return b->fft[i].s;
	bench_say(b, "FFTW alone: %s pairs of %lld", kind ? "complex" : "real", (long long)n);
	double s = tomo_bench_fft(kind, n, b->c->warmup, b->c->repeat, t, &count)
	                   ? 0
	                   : tomo_bench_median(t, b->c->repeat) / count;
	if (b->nfft < (int)(sizeof b->fft / sizeof *b->fft))
		b->fft[b->nfft++] = (struct bench_fft){kind, n, s};
	return s;
}

/* Seconds per transform pair with cuFFT alone (rank 1 or 2, batched on
 * device memory); 0 when it failed. */
double
bench_cufft_pair(struct bench *b, int rank, int64_t nx, int64_t ny, int64_t batch)
{
	double t[TOMO_BENCH_MAX_REPEAT];

	bench_say(b, "cuFFT alone: %lld x %lld, batch %lld", (long long)nx, (long long)ny,
	          (long long)batch);
	if (tomo_bench_gpu_fft(b->c->device, rank, nx, ny, batch, b->c->warmup, b->c->repeat, t))
		return 0;
	return tomo_bench_median(t, b->c->repeat) / (double)batch;
}

/* A reconstruction's row: its sizes, giga-updates per second (A x N^2 x R
 * per run), the lerp peak of its device as the ceiling. */
static void
recon_done(struct bench *b, struct tomo_bench_row *r, const double *t, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	const double updates = (double)c->angles * (double)(c->size * c->size) * (double)c->rows;

	bench_param(r, "angles", (double)c->angles);
	bench_param(r, "columns", (double)c->size);
	bench_param(r, "rows", (double)c->rows);
	bench_done(r, t, c->repeat, updates * 1e-9, "GUPS");
	bench_lerp(b, gpu);
	bench_ceiling(r, "lerp-peak", gpu ? b->lerp_gpu : b->lerp_cpu);
}

/* ---- flat-field */

/* Counts as a detector gives them (uint16, no noise: it does not change
 * the cost), with the averaged dark and F - D the correction divides by. */
struct counts {
	uint16_t *proj;    /* [A][R][N] */
	float *dark, *den; /* [R][N] */
	int64_t npix, nz;
};

static void
counts_free(struct counts *k)
{
	free(k->proj);
	free(k->dark);
	free(k->den);
}

static int
make_counts(struct bench *b, struct counts *k)
{
	const struct tomo_bench_config *c = b->c;
	const int64_t N = c->size, R = c->rows, A = c->angles;
	const float mu = (float)tomo_phantom_default_mu(N);
	int rc;

	memset(k, 0, sizeof *k);
	k->npix = N * R;
	k->nz = A;
	if ((rc = bench_line_integrals(b)))
		return rc;
	k->proj = malloc(sizeof *k->proj * (size_t)(A * k->npix));
	k->dark = malloc(sizeof *k->dark * (size_t)k->npix);
	k->den = malloc(sizeof *k->den * (size_t)k->npix);
	if (!k->proj || !k->dark || !k->den)
		return tomo_error(TOMO_ERR, "out of memory for %lld projections of %lld x %lld",
		                  (long long)A, (long long)N, (long long)R);
	for (int64_t p = 0; p < k->npix; p++) {
		k->dark[p] = (float)DARK_LEVEL;
		k->den[p] = (float)(PHOTONS * tomo_sim_beam(p % N, p / N, N, R));
	}
#pragma omp parallel for schedule(static)
	for (int64_t i = 0; i < A * k->npix; i++) {
		int64_t p = i % k->npix;
		float v = k->dark[p] + k->den[p] * expf(-mu * b->lint[i]);
		k->proj[i] = (uint16_t)(v < 65535.0f ? v + 0.5f : 65535.0f);
	}
	return TOMO_OK;
}

struct flat_job {
	const struct counts *k;
	float *out;
	struct tomo_flat_gpu_state *gpu;
	int *ga, *gb; /* zeros: one flat group */
	float *w;
};

static int
flat_run(void *ctx)
{
	struct flat_job *j = ctx;
	int64_t counts[2] = {0, 0};

	if (j->gpu)
		return tomo_flat_gpu.correct(j->gpu, j->k->proj, 1, j->k->nz, j->ga, j->gb, j->w, 0,
		                             j->out, counts);
	tomo_flat_correct_planes(j->k->proj, 1, j->k->nz, j->k->npix, j->k->dark, j->k->den, 0,
	                         j->out, counts);
	return TOMO_OK;
}

/* With gpu, GPU device's correction context (tables uploaded) and its
 * plane tables. */
static int
flat_job_init(struct flat_job *j, const struct counts *k, int gpu, int device, float *out)
{
	const float *den[1] = {k->den};

	memset(j, 0, sizeof *j);
	j->k = k;
	j->out = out;
	if (!gpu)
		return TOMO_OK;
	j->ga = calloc((size_t)k->nz, sizeof *j->ga);
	j->gb = calloc((size_t)k->nz, sizeof *j->gb);
	j->w = calloc((size_t)k->nz, sizeof *j->w);
	if (!j->ga || !j->gb || !j->w)
		return tomo_error(TOMO_ERR, "out of memory");
	const struct tomo_flat_gpu_desc d = {
		.npix = k->npix, .dark = k->dark, .den = den, .ngroups = 1, .device = device};
	return tomo_flat_gpu.create(&d, &j->gpu);
}

static void
flat_job_free(struct flat_job *j)
{
	tomo_flat_gpu.destroy(j->gpu);
	free(j->ga);
	free(j->gb);
	free(j->w);
}

void
bench_flat(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	struct tomo_bench_row *r = bench_row(b, TOMO_BENCH_FLAT, "flat-field", gpu);
	struct counts k;
	struct flat_job j;
	double t[TOMO_BENCH_MAX_REPEAT];
	float *out = NULL;
	int rc;

	memset(&k, 0, sizeof k);
	memset(&j, 0, sizeof j);
	size_text(r, c->size, c->rows, c->angles);
	if ((rc = make_counts(b, &k)))
		goto done;
	/* Host memory as tomo-flat has it: malloc'd, pageable. */
	if (!(out = malloc(sizeof *out * (size_t)(k.nz * k.npix)))) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto done;
	}
	if ((rc = flat_job_init(&j, &k, gpu, c->device, out)))
		goto done;
	bench_say(b, "flat-field (%s)", r->device);
	if ((rc = tomo_bench_time(flat_run, NULL, &j, c->warmup, c->repeat, t)))
		goto done;
	const double in = 2.0 * (double)(k.nz * k.npix), outb = 4.0 * (double)(k.nz * k.npix);
	bench_param(r, "projections", (double)k.nz);
	bench_param(r, "columns", (double)c->size);
	bench_param(r, "rows", (double)c->rows);
	bench_param(r, "bytes_in", in);
	bench_param(r, "bytes_out", outb);
	bench_done(r, t, c->repeat, bench_bytes_gb(in + outb), "GB/s");
	if (!gpu) {
		bench_memory(b);
		bench_ceiling(r, "memory-copy", b->mem_copy);
	} else {
		/* Every byte crosses the bus once; copies in and out overlapped
		 * at best. */
		bench_pinned(b);
		if (b->h2d_pinned > 0 && b->d2h_pinned > 0)
			bench_ceiling(r, "pinned-copies",
			              bench_bytes_gb(in + outb) /
			                      fmax(bench_bytes_gb(in) / b->h2d_pinned,
			                           bench_bytes_gb(outb) / b->d2h_pinned));
	}
done:
	if (rc)
		bench_fail(r, rc);
	flat_job_free(&j);
	counts_free(&k);
	free(out);
}

/* ---- Paganin */

struct phase_job {
	struct tomo_phase *p;
	float *buf;       /* filtered in place */
	const float *src; /* the transmission, restored before each run */
	int64_t n, bytes;
};

static int
phase_prep(void *ctx)
{
	struct phase_job *j = ctx;
	memcpy(j->buf, j->src, (size_t)j->bytes);
	return TOMO_OK;
}

static int
phase_run(void *ctx)
{
	struct phase_job *j = ctx;
	return tomo_phase_apply(j->p, j->buf, j->n);
}

void
bench_paganin(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	const int64_t N = c->size, K = c->projections;
	struct tomo_bench_row *r = bench_row(b, TOMO_BENCH_PAGANIN, "paganin", gpu);
	struct tomo_phase_opts o = phase_opts(c, gpu);
	struct phase_job j = {.n = K, .bytes = (int64_t)sizeof(float) * N * N * K};
	double t[TOMO_BENCH_MAX_REPEAT];
	int64_t px, lx;
	float *lint = NULL, *tr = NULL;
	int rc;

	size_text(r, N, N, K);
	bench_say(b, "paganin (%s): %lld projections of %lld x %lld", r->device, (long long)K,
	          (long long)N, (long long)N);
	if ((rc = tomo_phase_padding(&o, N, &px, &lx)) || (rc = project(N, N, K, &lint)))
		goto done;
	if (!(tr = malloc((size_t)j.bytes))) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto done;
	}
	to_transmission(lint, tr, N * N * K, N);
	j.src = tr;
	if ((rc = tomo_phase_create(&o, N, N, K, &j.p)))
		goto done;
	if (!(j.buf = tomo_phase_buffer_alloc(j.p, K))) {
		rc = TOMO_ERR;
		goto done;
	}
	if ((rc = tomo_bench_time(phase_run, phase_prep, &j, c->warmup, c->repeat, t)))
		goto done;
	bench_param(r, "projections", (double)K);
	bench_param(r, "columns", (double)N);
	bench_param(r, "rows", (double)N);
	bench_param(r, "padded_columns", (double)px);
	bench_param(r, "padded_rows", (double)px);
	bench_param(r, "delta_beta", DELTA_BETA);
	bench_done(r, t, c->repeat, (double)K, "projections/s");
	if (!gpu) {
		/* lib/phase_cpu.c: N rows of px forward and back, px/2+1 columns
		 * of px forward and back, per projection. */
		double s =
			(double)N * bench_fft_pair(b, 0, px) + (double)(px / 2 + 1) * bench_fft_pair(b, 1, px);
		bench_ceiling(r, "fftw-only", s > 0 ? 1.0 / s : NAN);
	} else {
		double fft = bench_cufft_pair(b, 2, px, px, K < 8 ? K : 8);
		double bytes = 4.0 * (double)(N * N);
		bench_pinned(b);
		double copy =
			b->h2d_pinned > 0 && b->d2h_pinned > 0
				? fmax(bytes / (b->h2d_pinned * 1e9), bytes / (b->d2h_pinned * 1e9))
				: 0;
		if (fft > 0 && copy > 0)
			bench_ceiling(r, fft >= copy ? "cufft-only" : "pinned-copies",
			              1.0 / fmax(fft, copy));
	}
done:
	if (rc)
		bench_fail(r, rc);
	if (j.buf)
		tomo_phase_buffer_free(j.p, j.buf);
	tomo_phase_free(j.p);
	free(lint);
	free(tr);
}

/* ---- FBP: filter and back-projection apart */

struct fbp_job {
	struct fbp_geom g;
	int have_geom;
	double *deg;
	struct fbp_cpu *cpu;
	void *gpu; /* tomo_fbp_gpu_direct's */
	float *F, *slices;
	const float *raw; /* [A][R][N] line integrals */
	int64_t rows;
	unsigned parts; /* GPU: what a run does */
};

static void
fbp_job_free(struct fbp_job *j)
{
	fbp_cpu_destroy(j->cpu);
	if (j->gpu)
		tomo_fbp_gpu_direct.destroy(j->gpu);
	free(j->F);
	free(j->slices);
	free(j->deg);
	if (j->have_geom)
		fbp_geom_free(&j->g);
}

static void *
alloc_floats(int64_t n)
{
	size_t bytes = ((size_t)n * sizeof(float) + 63) & ~(size_t)63;
	return aligned_alloc(64, bytes ? bytes : 64);
}

int
bench_gpu_slab_fits(int64_t gpu_rows, int64_t rows)
{
	if (gpu_rows < rows)
		return tomo_error(TOMO_ERR,
		                  "the GPU takes %lld rows at a time, fewer than --rows %lld",
		                  (long long)gpu_rows, (long long)rows);
	return TOMO_OK;
}

struct tomo_fbp_params
bench_fbp_params(const struct tomo_bench_config *c, const double *deg, int gpu)
{
	return (struct tomo_fbp_params){
		.angles = deg,
		.nangles = c->angles,
		.center = 0.5 * (double)c->size,
		.filter = TOMO_FBP_RAMP,
		.cutoff = 1.0,
		.pad = TOMO_FBP_PAD_EDGE,
		.size = c->size,
		.row0 = 0,
		.row1 = c->rows,
		.scale = 1.0,
		.use_gpu = gpu,
		.device = c->device,
		.memory = (int64_t)4 << 30,
	};
}

/* Tables, and the CPU's plans and buffers or the GPU's slot 0 holding
 * the raw slab (copied in once). */
static int
fbp_job_init(struct fbp_job *j, const struct tomo_bench_config *c, const float *raw, int gpu)
{
	const int64_t N = c->size, A = c->angles, R = c->rows;
	struct tomo_fbp_params p;
	int rc;

	memset(j, 0, sizeof *j);
	j->raw = raw;
	j->rows = R;
	if (!(j->deg = bench_even_angles(A)))
		return tomo_error(TOMO_ERR, "out of memory");
	p = bench_fbp_params(c, j->deg, gpu);
	if ((rc = fbp_geom_init(&j->g, N, &p)))
		return rc;
	j->have_geom = 1;
	if (!gpu) {
		if ((rc = fbp_cpu_create(&j->g, &j->cpu)))
			return rc;
		j->F = alloc_floats(fbp_slab_floats(&j->g, R));
		j->slices = alloc_floats(R * N * N);
		if (!j->F || !j->slices)
			return tomo_error(TOMO_ERR, "out of memory for a slab of %lld rows",
			                  (long long)R);
		return TOMO_OK;
	}
	struct tomo_fbp_gpu_desc d;
	fbp_gpu_desc(&d, &j->g, &p, R);
	if ((rc = tomo_fbp_gpu_direct.create(&d, &j->gpu)))
		return rc;
	if ((rc = bench_gpu_slab_fits(tomo_fbp_gpu_direct.slab_rows(j->gpu), R)))
		return rc;
	if (raw)
		memcpy(tomo_fbp_gpu_direct.input(j->gpu, 0), raw,
		       sizeof(float) * (size_t)(A * R * N));
	return TOMO_OK;
}

static int
fbp_gpu_run(void *ctx)
{
	struct fbp_job *j = ctx;
	int64_t clamped = 0;
	int rc = tomo_fbp_gpu_direct.submit_parts(j->gpu, 0, j->rows, j->parts);
	int rc2 = tomo_fbp_gpu_direct.wait(j->gpu, 0, &clamped);
	return rc ? rc : rc2;
}

static int
fbp_filter_run(void *ctx)
{
	struct fbp_job *j = ctx;
	const int64_t N = j->g.C;
	fbp_cpu_filter(j->cpu, j->raw, N, j->rows * N, j->rows, 0, j->g.A, j->F);
	return TOMO_OK;
}

static int
fbp_bp_run(void *ctx)
{
	struct fbp_job *j = ctx;
	fbp_cpu_backproject(&j->g, j->F, j->rows, j->slices, NULL);
	return TOMO_OK;
}

static void
fbp_stage(struct bench *b, int gpu, int bp)
{
	const struct tomo_bench_config *c = b->c;
	const int64_t N = c->size, A = c->angles, R = c->rows;
	struct tomo_bench_row *r = bench_row(b, bp ? TOMO_BENCH_BACKPROJECT : TOMO_BENCH_FILTER,
	                                     bp ? "backprojection" : "fbp-filter", gpu);
	double t[TOMO_BENCH_MAX_REPEAT];
	struct fbp_job j;
	int rc;

	memset(&j, 0, sizeof j);
	if (bp)
		snprintf(r->size, sizeof r->size, "%lld ang x %lld^2 x %lld", (long long)A,
		         (long long)N, (long long)R);
	else
		snprintf(r->size, sizeof r->size, "%lld lines of %lld", (long long)(A * R),
		         (long long)N);
	if ((rc = bench_line_integrals(b)) || (rc = fbp_job_init(&j, c, b->lint, gpu)))
		goto done;
	bench_say(b, "%s (%s)", r->stage, r->device);
	if (gpu) {
		/* The data in place on the device first: a run is the step alone. */
		j.parts = TOMO_FBP_GPU_COPY_IN | (bp ? TOMO_FBP_GPU_FILTER : 0);
		if ((rc = fbp_gpu_run(&j)))
			goto done;
		j.parts = bp ? TOMO_FBP_GPU_BACKPROJECT : TOMO_FBP_GPU_FILTER;
		rc = tomo_bench_time(fbp_gpu_run, NULL, &j, c->warmup, c->repeat, t);
	} else {
		if (bp)
			fbp_filter_run(&j);
		rc = tomo_bench_time(bp ? fbp_bp_run : fbp_filter_run, NULL, &j, c->warmup,
		                     c->repeat, t);
	}
	if (rc)
		goto done;
	if (bp) {
		recon_done(b, r, t, gpu);
	} else {
		const int64_t P = j.g.P, lines = A * R;
		bench_param(r, "angles", (double)A);
		bench_param(r, "columns", (double)N);
		bench_param(r, "rows", (double)R);
		bench_param(r, "padded", (double)P);
		bench_done(r, t, c->repeat, (double)lines * 1e-6, "Mlines/s");
		double s = gpu ? bench_cufft_pair(b, 1, P, 1, lines < 65536 ? lines : 65536)
		               : bench_fft_pair(b, 0, P);
		bench_ceiling(r, gpu ? "cufft-only" : "fftw-only", s > 0 ? 1e-6 / s : NAN);
	}
done:
	if (rc)
		bench_fail(r, rc);
	fbp_job_free(&j);
}

void
bench_filter(struct bench *b, int gpu)
{
	fbp_stage(b, gpu, 0);
}

void
bench_backproject(struct bench *b, int gpu)
{
	fbp_stage(b, gpu, 1);
}

/* ---- the pipeline in one process */

struct pipeline_job {
	struct flat_job flat; /* counts into work */
	struct fbp_job fbp;
	struct tomo_phase *phase;
	float *work; /* [A][R][N]: transmission, then line integrals */
	int gpu;
};

static int
pipeline_run(void *ctx)
{
	struct pipeline_job *j = ctx;
	int rc;

	if ((rc = flat_run(&j->flat)) || (rc = tomo_phase_apply(j->phase, j->work, j->fbp.g.A)))
		return rc;
	if (j->gpu) /* work is the GPU slot's pinned input buffer */
		return fbp_gpu_run(&j->fbp);
	j->fbp.raw = j->work;
	fbp_filter_run(&j->fbp);
	return fbp_bp_run(&j->fbp);
}

void
bench_pipeline(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	const int64_t N = c->size, A = c->angles, R = c->rows;
	struct tomo_bench_row *r = bench_row(b, TOMO_BENCH_PIPELINE, "pipeline", gpu);
	struct tomo_phase_opts o = phase_opts(c, gpu);
	struct pipeline_job j;
	struct counts k;
	double t[TOMO_BENCH_MAX_REPEAT];
	int rc;

	memset(&j, 0, sizeof j);
	memset(&k, 0, sizeof k);
	j.gpu = gpu;
	snprintf(r->size, sizeof r->size, "%lld ang x %lld^2 x %lld", (long long)A, (long long)N,
	         (long long)R);
	if ((rc = make_counts(b, &k)) || (rc = fbp_job_init(&j.fbp, c, NULL, gpu)) ||
	    (rc = tomo_phase_create(&o, N, R, A, &j.phase)))
		goto done;
	j.fbp.parts = TOMO_FBP_GPU_ALL;
	j.work = gpu ? tomo_fbp_gpu_direct.input(j.fbp.gpu, 0) : alloc_floats(A * R * N);
	if (!j.work) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto done;
	}
	if ((rc = flat_job_init(&j.flat, &k, gpu, c->device, j.work)))
		goto done;
	bench_say(b, "pipeline (%s)", r->device);
	if ((rc = tomo_bench_time(pipeline_run, NULL, &j, c->warmup, c->repeat, t)))
		goto done;
	recon_done(b, r, t, gpu);
done:
	if (rc)
		bench_fail(r, rc);
	if (!gpu)
		free(j.work);
	flat_job_free(&j.flat);
	tomo_phase_free(j.phase);
	fbp_job_free(&j.fbp);
	counts_free(&k);
}

/* ---- the tools joined by pipes */

struct procs_job {
	const char *cmd;
	const char *errfile;
};

/* sh -c cmd, stderr into errfile; its first line is the message. */
static int
procs_run(void *ctx)
{
	struct procs_job *j = ctx;
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		return tomo_error_sys(TOMO_ERR, errno, "fork");
	if (pid == 0) {
		int fd = open(j->errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl("/bin/sh", "sh", "-c", j->cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return tomo_error_sys(TOMO_ERR, errno, "waitpid");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return TOMO_OK;
	char line[200] = "";
	FILE *f = fopen(j->errfile, "r");
	if (f) {
		if (fgets(line, sizeof line, f))
			line[strcspn(line, "\n")] = '\0';
		fclose(f);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		return tomo_error(TOMO_ENODEV, "%s", line);
	return tomo_error(TOMO_ERR, "the pipeline failed (%s %d): %s",
	                  WIFEXITED(st) ? "exit" : "signal",
	                  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), line);
}

/* The scan as a detector would record it (tomo-phantom's simulation: a
 * DXchange HDF5 file of uint16 projections, flats and darks). */
static int
write_scan(const char *path, int64_t N, int64_t R, int64_t A)
{
	struct tomo_phantom *ph = NULL;
	struct tomo_detector det = {N, R, 0.5 * (double)N};
	struct tomo_sim_scan sc = {
		.flats = FLAT_FRAMES,
		.darks = DARK_FRAMES,
		.photons = PHOTONS,
		.mu = tomo_phantom_default_mu(N),
		.dark = DARK_LEVEL,
		.seed = 1,
		.phantom = "shepp-logan",
	};
	double *deg = bench_even_angles(A);
	int rc;

	if (!deg)
		return tomo_error(TOMO_ERR, "out of memory");
	if (!(rc = tomo_phantom_shepp_logan(N, R, &ph)))
		rc = tomo_sim_scan_write(ph, &det, deg, A, &sc, path, (int64_t)1 << 30, NULL);
	tomo_phantom_free(ph);
	free(deg);
	return rc;
}

void
bench_processes(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	const int64_t N = c->size, A = c->angles, R = c->rows;
	struct tomo_bench_row *r = bench_row(b, TOMO_BENCH_PROCESSES, "processes", gpu);
	char dir[4096], data[4200], err[4200], cmd[20000], tool[4200], dev[32];
	struct procs_job j = {cmd, err};
	double t[TOMO_BENCH_MAX_REPEAT];
	int rc = TOMO_OK;

	snprintf(r->size, sizeof r->size, "%lld ang x %lld^2 x %lld", (long long)A, (long long)N,
	         (long long)R);
	if (gpu)
		snprintf(dev, sizeof dev, "gpu:%d", c->device);
	else
		snprintf(dev, sizeof dev, "cpu");
	static const char *const tools[] = {"tomo-flat", "tomo-phase", "tomo-fbp"};
	for (size_t k = 0; k < sizeof tools / sizeof *tools; k++) {
		snprintf(tool, sizeof tool, "%s/%s", c->bindir, tools[k]);
		if (access(tool, X_OK)) {
			bench_unavailable(r, "not built: no %s", tool);
			return;
		}
	}
	if (strchr(c->bindir, '\'') || strchr(c->tmpdir, '\'')) {
		bench_unavailable(r, "a quote in %s or %s", c->bindir, c->tmpdir);
		return;
	}
	snprintf(dir, sizeof dir, "%s/tomo-bench.XXXXXX", c->tmpdir);
	if (!mkdtemp(dir)) {
		bench_fail(r, tomo_error_sys(TOMO_ERR, errno, "cannot make a directory in %s",
		                             c->tmpdir));
		return;
	}
	snprintf(data, sizeof data, "%s/scan.h5", dir);
	snprintf(err, sizeof err, "%s/stderr", dir);
	bench_say(b, "processes (%s): writing %s", dev, data);
	if ((rc = write_scan(data, N, R, A)))
		goto done;
	/* Quoted for sh (paths without quotes, checked above). */
	snprintf(cmd, sizeof cmd,
	         "'%s/tomo-flat' -q --no-progress --device %s '%s' | "
	         "'%s/tomo-phase' -q --no-progress --device %s --energy %g --distance %g "
	         "--pixel-size %g --delta-beta %g | "
	         "'%s/tomo-fbp' -q --no-progress --device %s > /dev/null",
	         c->bindir, dev, data, c->bindir, dev, ENERGY, DISTANCE, PIXEL, DELTA_BETA,
	         c->bindir, dev);
	bench_say(b, "processes (%s): %s", dev, cmd);
	if ((rc = tomo_bench_time(procs_run, NULL, &j, c->warmup, c->repeat, t)))
		goto done;
	recon_done(b, r, t, gpu);
done:
	if (rc)
		bench_fail(r, rc);
	unlink(data);
	unlink(err);
	rmdir(dir);
}
