/*
 * ceil: the CPU ceilings of tomo-bench. A STREAM-like memory
 * bandwidth measurement (copy, triad, read over arrays much larger than
 * the caches, every OpenMP thread), and the back-projection's arithmetic
 * peak: lib/fbp_cpu.c's inner loop with its lines in L1 cache and its
 * detector indices taken from a table rather than computed; and FFTW
 * alone. Timed by timer.c; nothing here calls the run (run.c) back.
 */
#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fbp_math.h"
#include "simd.h"
#include "tomo/err.h"
#include "tomo/fbp.h"
#include "tomo/fft.h"

/* lib/fbp_cpu.c's vectors (lanes over slices in its grouped kernel). */
#define L TOMO_VLEN

typedef tomo_vf v16f;

/* Results go here so that no kernel's work can be optimised away. */
static volatile float sink;

float
bench_sum(const void *p, int64_t bytes)
{
	const v16f *v = p;
	const int64_t n = bytes / (int64_t)sizeof(v16f);
	float total = 0;

#pragma omp parallel reduction(+ : total)
	{
		/* Four sums in flight per thread, in registers: the adds keep
		 * up with the loads. */
		v16f s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
#pragma omp for schedule(static)
		for (int64_t i = 0; i < n / 4; i++) {
			s0 += v[4 * i];
			s1 += v[4 * i + 1];
			s2 += v[4 * i + 2];
			s3 += v[4 * i + 3];
		}
		s0 += s1 + s2 + s3;
		for (int l = 0; l < L; l++)
			total += s0[l];
	}
	return total;
}

struct stream {
	v16f *a, *b, *c;
	int64_t n; /* vectors per array */
	int kind;  /* 0 copy, 1 triad, 2 read */
};

static int
stream_run(void *ctx)
{
	struct stream *s = ctx;
	v16f *restrict a = s->a, *restrict b = s->b, *restrict c = s->c;
	const int64_t n = s->n;

	if (s->kind == 0) {
#pragma omp parallel for schedule(static)
		for (int64_t i = 0; i < n; i++)
			c[i] = a[i];
	} else if (s->kind == 1) {
		const float q = 3.0f;
#pragma omp parallel for schedule(static)
		for (int64_t i = 0; i < n; i++)
			a[i] = b[i] + q * c[i];
	} else {
		sink = bench_sum(a, n * (int64_t)sizeof(v16f));
	}
	return TOMO_OK;
}

int
tomo_bench_stream(int64_t bytes, int warmup, int repeat, double *copy, double *triad, double *read)
{
	struct stream s = {.n = bytes / (int64_t)sizeof(v16f) / 4 * 4};
	size_t size = (size_t)s.n * sizeof(v16f);
	double *out[3] = {copy, triad, read};
	int rc = TOMO_OK;

	if (s.n < 1)
		return tomo_error(TOMO_ERR, "STREAM arrays of %lld bytes are too small",
		                  (long long)bytes);
	s.a = aligned_alloc(64, size);
	s.b = aligned_alloc(64, size);
	s.c = aligned_alloc(64, size);
	if (!s.a || !s.b || !s.c) {
		rc = tomo_error(TOMO_ERR, "out of memory for 3 arrays of %lld bytes",
		                (long long)bytes);
		goto done;
	}
	/* First touch by the threads that will use each page. */
#pragma omp parallel for schedule(static)
	for (int64_t i = 0; i < s.n; i++) {
		for (int l = 0; l < L; l++) {
			s.a[i][l] = 1.0f;
			s.b[i][l] = 2.0f;
			s.c[i][l] = 0.5f;
		}
	}
	for (s.kind = 0; s.kind < 3 && !rc; s.kind++)
		rc = tomo_bench_time(stream_run, NULL, &s, warmup, repeat, out[s.kind]);
done:
	free(s.a);
	free(s.b);
	free(s.c);
	return rc;
}

/*
 * The lerp peak. Each thread owns a few L-slice filtered lines of COLS
 * stored columns (16 KiB: L1), and for each of ANGLES steps does what
 * bp_group does for a block of JB pixels: per pixel, two vector loads at
 * its column and one FBP_LERP added to its accumulator; the columns and
 * fractions come from a small table instead of fbp_u.
 */
#define JB     TOMO_VLEN
#define COLS   64
#define LINES  4
#define STEPS  64 /* distinct (column, fraction) rows of the table */
#define ANGLES (1 << 17)
#define BLOCKS 16

static void
lerp_block(const float *restrict lines, const int *restrict qtab, const float *restrict ftab,
           v16f *restrict res)
{
	v16f acc[JB];

	for (int p = 0; p < JB; p++)
		acc[p] = (v16f){0};
	for (int64_t a = 0; a < ANGLES; a++) {
		const float *Fa = lines + (a % LINES) * COLS * L;
		const int *q = qtab + (a % STEPS) * JB;
		const float *f = ftab + (a % STEPS) * JB;
		for (int p = 0; p < JB; p++) {
			const v16f *s = (const v16f *)(Fa + q[p]);
			acc[p] = FBP_ADD(acc[p], FBP_LERP(s[0], s[1], f[p]));
		}
	}
	for (int p = 0; p < JB; p++)
		res[p] = acc[p];
}

struct lerp {
	int threads;
	float *lines[256];
	int qtab[STEPS * JB];
	float ftab[STEPS * JB];
};

static int
lerp_run(void *ctx)
{
	struct lerp *s = ctx;
	float total = 0;

#pragma omp parallel num_threads(s->threads) reduction(+ : total)
	{
		v16f res[JB];
		const float *lines = s->lines[omp_get_thread_num()];
		for (int k = 0; k < BLOCKS; k++) {
			lerp_block(lines, s->qtab, s->ftab, res);
			total += res[k % JB][k % L];
		}
	}
	sink = total;
	return TOMO_OK;
}

int
tomo_bench_lerp_peak(int warmup, int repeat, double *t, double *updates)
{
	struct lerp s;
	int rc = TOMO_OK;

	memset(&s, 0, sizeof s);
	s.threads = omp_get_max_threads();
	if (s.threads > 256)
		s.threads = 256;
	/* Neighbouring pixels read neighbouring columns, as in a slice. */
	for (int st = 0; st < STEPS; st++)
		for (int p = 0; p < JB; p++) {
			s.qtab[st * JB + p] = ((st * 7 + p) % (COLS - 1)) * L;
			s.ftab[st * JB + p] = (float)((st * 13 + p * 5) % 32) / 32.0f;
		}
	for (int k = 0; k < s.threads; k++) {
		s.lines[k] = aligned_alloc(64, sizeof(float) * LINES * COLS * L);
		if (!s.lines[k]) {
			rc = tomo_error(TOMO_ERR, "out of memory");
			goto done;
		}
		for (int i = 0; i < LINES * COLS * L; i++)
			s.lines[k][i] = (float)(i % 97) * 0.01f;
	}
	*updates = (double)s.threads * BLOCKS * ANGLES * JB * L;
	rc = tomo_bench_time(lerp_run, NULL, &s, warmup, repeat, t);
done:
	for (int k = 0; k < s.threads; k++)
		free(s.lines[k]);
	return rc;
}

/*
 * FFTW alone. Each thread has its own buffers and plans (planning is
 * serialised, execution is not): a batch of B transforms of n, in and
 * out of place, about 256 KiB in all so that it stays in the thread's L2.
 */
struct fft {
	int kind;
	int64_t n, batch, reps;
	int threads;
	fftwf_plan fwd[256], bwd[256];
	float *in[256], *mid[256], *out[256];
};

static int
fft_run(void *ctx)
{
	struct fft *s = ctx;

#pragma omp parallel num_threads(s->threads)
	{
		int id = omp_get_thread_num();
		for (int64_t r = 0; r < s->reps; r++) {
			if (s->kind == 0) {
				fftwf_execute_dft_r2c(s->fwd[id], s->in[id],
				                      (fftwf_complex *)s->mid[id]);
				fftwf_execute_dft_c2r(s->bwd[id], (fftwf_complex *)s->mid[id],
				                      s->out[id]);
			} else {
				fftwf_execute_dft(s->fwd[id], (fftwf_complex *)s->in[id],
				                  (fftwf_complex *)s->mid[id]);
				fftwf_execute_dft(s->bwd[id], (fftwf_complex *)s->mid[id],
				                  (fftwf_complex *)s->out[id]);
			}
		}
	}
	sink = s->out[0][0];
	return TOMO_OK;
}

int
tomo_bench_fft(int kind, int64_t n, int warmup, int repeat, double *t, double *count)
{
	struct fft *s = calloc(1, sizeof *s);
	const int64_t nb = n / 2 + 1;
	int rc = TOMO_OK;

	if (!s)
		return tomo_error(TOMO_ERR, "out of memory");
	s->kind = kind;
	s->n = n;
	s->threads = omp_get_max_threads() > 256 ? 256 : omp_get_max_threads();
	/* Complex samples per transform: kind 0 n/2+1, kind 1 n. */
	const int64_t cplx = kind == 0 ? nb : n;
	s->batch = (256 << 10) / (int64_t)(3 * 8 * cplx);
	if (s->batch < 1)
		s->batch = 1;
	/* About 30 ms per run at 2 GFLOP/s per thread (5 n log2 n per pair). */
	double flops = 10.0 * (double)n * log2((double)n) * (double)s->batch;
	s->reps = (int64_t)(0.03 * 2e9 / flops);
	if (s->reps < 1)
		s->reps = 1;
	tomo_fft_init(1);
	tomo_fft_lock();
	for (int k = 0; k < s->threads && !rc; k++) {
		int len = (int)n, b = (int)s->batch;
		s->in[k] = fftwf_malloc(sizeof(float) * 2 * (size_t)(cplx * s->batch));
		s->mid[k] = fftwf_malloc(sizeof(float) * 2 * (size_t)(cplx * s->batch));
		s->out[k] = fftwf_malloc(sizeof(float) * 2 * (size_t)(cplx * s->batch));
		if (!s->in[k] || !s->mid[k] || !s->out[k]) {
			rc = tomo_error(TOMO_ERR, "out of memory for FFT buffers");
			break;
		}
		for (int64_t i = 0; i < 2 * cplx * s->batch; i++)
			s->in[k][i] = (float)(i % 17) * 0.1f;
		if (kind == 0) {
			s->fwd[k] = fftwf_plan_many_dft_r2c(1, &len, b, s->in[k], NULL, 1, len,
			                                    (fftwf_complex *)s->mid[k], NULL, 1,
			                                    (int)nb, tomo_fft_flags());
			s->bwd[k] = fftwf_plan_many_dft_c2r(1, &len, b, (fftwf_complex *)s->mid[k],
			                                    NULL, 1, (int)nb, s->out[k], NULL, 1,
			                                    len, tomo_fft_flags());
		} else {
			s->fwd[k] = fftwf_plan_many_dft(1, &len, b, (fftwf_complex *)s->in[k], NULL,
			                                1, len, (fftwf_complex *)s->mid[k], NULL, 1,
			                                len, FFTW_FORWARD, tomo_fft_flags());
			s->bwd[k] =
				fftwf_plan_many_dft(1, &len, b, (fftwf_complex *)s->mid[k], NULL, 1,
			                            len, (fftwf_complex *)s->out[k], NULL, 1, len,
			                            FFTW_BACKWARD, tomo_fft_flags());
		}
		if (!s->fwd[k] || !s->bwd[k])
			rc = tomo_error(TOMO_ERR, "FFTW could not plan transforms of %lld",
			                (long long)n);
	}
	tomo_fft_unlock();
	*count = (double)s->threads * (double)s->batch * (double)s->reps;
	if (!rc)
		rc = tomo_bench_time(fft_run, NULL, s, warmup, repeat, t);
	tomo_fft_lock();
	for (int k = 0; k < s->threads; k++) {
		if (s->fwd[k])
			fftwf_destroy_plan(s->fwd[k]);
		if (s->bwd[k])
			fftwf_destroy_plan(s->bwd[k]);
		fftwf_free(s->in[k]);
		fftwf_free(s->mid[k]);
		fftwf_free(s->out[k]);
	}
	tomo_fft_unlock();
	free(s);
	return rc;
}
