/*
 * internal: what tomo-bench's files share: the run's state with the
 * ceilings measured so far, the row helpers, and the stage functions that
 * run.c calls in turn.
 */
#ifndef TOMO_TOOLS_BENCH_INTERNAL_H
#define TOMO_TOOLS_BENCH_INTERNAL_H

#include <math.h>

#include "bench.h"
#include "tomo/fbp.h"

/* Seconds per FFTW transform pair of one kind and length. */
struct bench_fft {
	int kind;
	int64_t n;
	double s;
};

struct bench {
	const struct tomo_bench_config *c;
	struct tomo_bench_report *r;
	int gpu_ok; /* the GPU is usable (else no GPU stage runs) */
	/* Ceilings measured so far (NAN until measured, 0 when failed). */
	double mem_copy, mem_triad, mem_read; /* GB/s */
	double lerp_cpu, lerp_gpu;            /* GUPS */
	double h2d_pinned, d2h_pinned;        /* GB/s */
	/* Line integrals of the phantom, [A][R][N] floats, made once. */
	float *lint;
	struct bench_fft fft[8]; /* FFTW pairs measured so far */
	int nfft;
	int lost; /* rows that found no memory */
};

/* A new row at the end of the report (without memory, a scratch row that
 * is counted in lost and not reported). */
struct tomo_bench_row *bench_row(struct bench *b, enum tomo_bench_stage g, const char *stage,
                                 int gpu);
void bench_param(struct tomo_bench_row *r, const char *key, double value);
/* Times of n runs: median, and throughput = work / median in unit. */
void bench_done(struct tomo_bench_row *r, const double *t, int n, double work, const char *unit);
/* The ceiling in the row's unit (NAN or <= 0: none); sets the fraction. */
void bench_ceiling(struct tomo_bench_row *r, const char *name, double ceiling);
/* The row failed with the library's last message (rc != 0). */
void bench_fail(struct tomo_bench_row *r, int rc);
void bench_unavailable(struct tomo_bench_row *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Say on stderr with --verbose what runs now. */
void bench_say(const struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ceilings (run.c): measured on first use, rows added when their
 * stage was asked for. */
void bench_memory(struct bench *b);
void bench_lerp(struct bench *b, int gpu);

/* stages.c: the toolkit's stages. gpu selects the device. */
void bench_flat(struct bench *b, int gpu);
void bench_paganin(struct bench *b, int gpu);
void bench_filter(struct bench *b, int gpu);
void bench_backproject(struct bench *b, int gpu);
void bench_pipeline(struct bench *b, int gpu);
void bench_processes(struct bench *b, int gpu);
/* The phantom's line integrals (b->lint), made on first use. */
int bench_line_integrals(struct bench *b);
/* n angles evenly over 180 degrees (NULL: no memory). */
double *bench_even_angles(int64_t n);
/* tomo-fbp's parameters for the configured problem: ramp filter, axis in
 * the middle, slices of the detector's width, angles deg. */
struct tomo_fbp_params bench_fbp_params(const struct tomo_bench_config *c, const double *deg,
                                        int gpu);
/* TOMO_ERR with a message when a GPU back-end takes fewer rows per slab
 * (gpu_rows) than the stage's slab of rows. */
int bench_gpu_slab_fits(int64_t gpu_rows, int64_t rows);
/* Seconds per pair of transforms, forward and back, at the whole
 * machine's rate: FFTW (kind 0 real, 1 complex; measured once per length)
 * or cuFFT alone (rank 1 or 2, batched on device memory); 0 when it
 * failed. */
double bench_fft_pair(struct bench *b, int kind, int64_t n);
double bench_cufft_pair(struct bench *b, int rank, int64_t nx, int64_t ny, int64_t batch);

/* fourier.c: tomo-fbp --method fourier on the slab. */
void bench_fourier(struct bench *b, int gpu);

/* move.c: data movement (gpu: 0 for pipe and mmap, 1 for copy
 * and overlap, the devices they have). */
void bench_pipe(struct bench *b, int gpu);
void bench_mmap(struct bench *b, int gpu);
void bench_copy(struct bench *b, int gpu);
void bench_overlap(struct bench *b, int gpu);
/* Pinned host<->device bandwidths (b->h2d_pinned, d2h_pinned), measured
 * on first use; 0 when they cannot be. */
void bench_pinned(struct bench *b);

static inline double
bench_bytes_gb(double bytes)
{
	return bytes * 1e-9;
}

#endif
