/*
 * fourier: tomo-bench's fourier stage, tomo-fbp --method fourier on
 * the configured slab (the phantom's line integrals, in memory): on the
 * CPU the whole method (fbp_fourier_cpu_slab), on the GPU a submission on
 * data already on the device (pre-process, line FFTs, gridding, grid FFTs,
 * deapodisation; nothing copied). Giga-updates per second as direct
 * back-projection counts them (A x N^2 x R per run), so that the two
 * methods compare on one scale; the ceiling is the method's transforms
 * alone at the device's FFT rate.
 */
#include <stdlib.h>
#include <string.h>

#include "fbp_gpu.h"
#include "fbp_impl.h"
#include "internal.h"
#include "tomo/err.h"

struct fourier_job {
	struct fbp_geom g;
	int have_geom;
	double *deg;
	const float *raw; /* [A][R][N] */
	struct fourier_cpu *cpu;
	float *slices; /* CPU: [R][N][N] */
	void *gpu;     /* tomo_fbp_gpu_fourier's */
	int64_t rows;
	unsigned parts;
};

static void
fourier_job_free(struct fourier_job *j)
{
	fbp_fourier_cpu_destroy(j->cpu);
	if (j->gpu)
		tomo_fbp_gpu_fourier.destroy(j->gpu);
	free(j->slices);
	free(j->deg);
	if (j->have_geom)
		fbp_geom_free(&j->g);
}

/* Tables, and the CPU's plans and buffers or the GPU's slot 0 holding the
 * raw slab. */
static int
fourier_job_init(struct fourier_job *j, const struct tomo_bench_config *c, const float *raw,
                 int gpu)
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
	p.method = TOMO_FBP_FOURIER;
	if ((rc = fbp_geom_init(&j->g, N, &p)))
		return rc;
	j->have_geom = 1;
	if ((rc = fbp_fourier_init(&j->g, &p)))
		return rc;
	if (!gpu) {
		if ((rc = fbp_fourier_cpu_create(&j->g, &j->cpu)))
			return rc;
		if (!(j->slices = fbp_alloc_floats(R * N * N)))
			return tomo_error(TOMO_ERR, "out of memory for %lld slices", (long long)R);
		return TOMO_OK;
	}
	struct tomo_fbp_gpu_desc d;
	fbp_gpu_desc(&d, &j->g, &p, R);
	if ((rc = tomo_fbp_gpu_fourier.create(&d, &j->gpu)))
		return rc;
	if ((rc = bench_gpu_slab_fits(tomo_fbp_gpu_fourier.slab_rows(j->gpu), R)))
		return rc;
	memcpy(tomo_fbp_gpu_fourier.input(j->gpu, 0), raw, sizeof(float) * (size_t)(A * R * N));
	return TOMO_OK;
}

static int
fourier_cpu_run(void *ctx)
{
	struct fourier_job *j = ctx;
	const int64_t N = j->g.N;

	fbp_fourier_cpu_slab(j->cpu, j->raw, N, j->rows * N, j->rows, j->slices, NULL);
	return TOMO_OK;
}

static int
fourier_gpu_run(void *ctx)
{
	struct fourier_job *j = ctx;
	int64_t clamped = 0;
	int rc = tomo_fbp_gpu_fourier.submit_parts(j->gpu, 0, j->rows, j->parts);
	int rc2 = tomo_fbp_gpu_fourier.wait(j->gpu, 0, &clamped);
	return rc ? rc : rc2;
}

/* Seconds per run of the method's transforms alone: per pair of rows, a
 * complex line of P points per angle, and the grid's inverse (on the CPU
 * its M rows and the N columns kept, complex lines of M points; on the GPU
 * one complex 2D transform of M x M). A complex transform is half of
 * FFTW's complex forward-and-back pair, and about one of cuFFT's real
 * forward-and-back pairs of the same length (tomo_bench_gpu_fft). */
static double
transforms_s(struct bench *b, const struct fbp_geom *g, int64_t pairs, int gpu)
{
	const int64_t A = g->A, P = g->P, M = g->M, N = g->N;
	double line, grid;

	if (gpu) {
		line = bench_cufft_pair(b, 1, P, 1, A * pairs < 65536 ? A * pairs : 65536);
		grid = bench_cufft_pair(b, 2, M, M, pairs < 8 ? pairs : 8);
	} else {
		line = 0.5 * bench_fft_pair(b, 1, P);
		grid = 0.5 * (double)(M + N) * bench_fft_pair(b, 1, M);
	}
	return line > 0 && grid > 0 ? (double)pairs * ((double)A * line + grid) : 0;
}

void
bench_fourier(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	const int64_t N = c->size, A = c->angles, R = c->rows;
	struct tomo_bench_row *r = bench_row(b, TOMO_BENCH_FOURIER, "fourier", gpu);
	const double updates = (double)A * (double)(N * N) * (double)R;
	double t[TOMO_BENCH_MAX_REPEAT];
	struct fourier_job j;
	int rc;

	memset(&j, 0, sizeof j);
	snprintf(r->size, sizeof r->size, "%lld ang x %lld^2 x %lld", (long long)A, (long long)N,
	         (long long)R);
	if ((rc = bench_line_integrals(b)) || (rc = fourier_job_init(&j, c, b->lint, gpu)))
		goto done;
	bench_say(b, "%s (%s)", r->stage, r->device);
	if (gpu) {
		/* The raw slab on the device first: a run is the computation. */
		j.parts = TOMO_FBP_GPU_COPY_IN;
		if ((rc = fourier_gpu_run(&j)))
			goto done;
		j.parts = TOMO_FBP_GPU_FILTER | TOMO_FBP_GPU_BACKPROJECT;
		rc = tomo_bench_time(fourier_gpu_run, NULL, &j, c->warmup, c->repeat, t);
	} else {
		rc = tomo_bench_time(fourier_cpu_run, NULL, &j, c->warmup, c->repeat, t);
	}
	if (rc)
		goto done;
	bench_param(r, "angles", (double)A);
	bench_param(r, "columns", (double)N);
	bench_param(r, "rows", (double)R);
	bench_param(r, "padded", (double)j.g.P);
	bench_param(r, "grid", (double)j.g.M);
	bench_param(r, "kernel_width", (double)j.g.W);
	bench_done(r, t, c->repeat, updates * 1e-9, "GUPS");
	const double s = transforms_s(b, &j.g, (R + 1) / 2, gpu);
	bench_ceiling(r, gpu ? "cufft-only" : "fftw-only", s > 0 ? updates * 1e-9 / s : NAN);
done:
	if (rc)
		bench_fail(r, rc);
	fourier_job_free(&j);
}
