/*
 * bench: tomo-bench's measurements, part of the tool (not of libtomo, not
 * installed). Timers that keep every repeat and take their median
 * (timer.c); ceilings measured in the same run (ceil.c: a STREAM-like
 * memory bandwidth kernel and the back-projection's arithmetic peak on the
 * CPU; bench.cu: copy bandwidths and peaks on the GPU); each stage of the
 * toolkit run on generated data in memory through the library calls the
 * tools make (run.c, stages.c, fourier.c, move.c); and the table and JSON
 * printers (print.c). Nothing here asserts a time.
 */
#ifndef TOMO_TOOLS_BENCH_H
#define TOMO_TOOLS_BENCH_H

#include <stdint.h>
#include <stdio.h>

#define TOMO_BENCH_MAX_REPEAT 64
#define TOMO_BENCH_MAX_PARAMS 10

/* The stages, as --stages names them (tomo_bench_stage_names, same order). */
enum tomo_bench_stage {
	TOMO_BENCH_MEMORY = 0,  /* ceiling: STREAM copy, triad, read (CPU) */
	TOMO_BENCH_LERP,        /* ceiling: back-projection arithmetic peak */
	TOMO_BENCH_FLAT,        /* flat-field correction */
	TOMO_BENCH_PAGANIN,     /* phase retrieval */
	TOMO_BENCH_FILTER,      /* FBP's ramp filtering alone */
	TOMO_BENCH_BACKPROJECT, /* FBP's back-projection alone */
	TOMO_BENCH_FOURIER,     /* FBP by the Fourier method (gridding) */
	TOMO_BENCH_PIPELINE,    /* flat, phase, fbp in one process */
	TOMO_BENCH_PROCESSES,   /* the same as tools joined by pipes */
	TOMO_BENCH_PIPE,        /* a pipe between two processes */
	TOMO_BENCH_MMAP,        /* reading a memory-mapped file */
	TOMO_BENCH_COPY,        /* GPU: host<->device, device<->device copies */
	TOMO_BENCH_OVERLAP,     /* GPU: copies and a kernel on streams */
	TOMO_BENCH_NSTAGES,
};
extern const char *const tomo_bench_stage_names[TOMO_BENCH_NSTAGES + 1];

/* Parse "flat,paganin,..." (or "all") into a mask of 1 << stage. Returns
 * TOMO_EUSAGE with a message naming an unknown stage. */
int tomo_bench_parse_stages(const char *list, unsigned *mask);

struct tomo_bench_config {
	int64_t size;         /* N: detector columns, slice width */
	int64_t angles;       /* A: projections */
	int64_t rows;         /* R: detector rows, slices */
	int64_t projections;  /* Paganin: projections of N x N per run */
	int64_t move_bytes;   /* bytes per run of pipe, mmap and GPU copies */
	int64_t stream_bytes; /* bytes of each STREAM array */
	int warmup, repeat;   /* untimed runs, then timed runs (<= MAX_REPEAT) */
	int cpu, gpu;         /* devices asked for (without a usable GPU, the
	                         report lists the GPU stages as skipped) */
	int device;           /* the GPU's index (--device gpu:N) */
	unsigned stages;      /* mask of 1 << enum tomo_bench_stage */
	const char *tmpdir;   /* scratch files (mmap, processes) */
	const char *bindir;   /* the tools for TOMO_BENCH_PROCESSES */
	int verbose;          /* say each stage on stderr as it starts */
};

enum tomo_bench_status {
	TOMO_BENCH_OK = 0,
	TOMO_BENCH_UNAVAILABLE, /* not run: reason says why (a tool not built) */
	TOMO_BENCH_FAILED,      /* ran and failed: reason holds the error */
};

struct tomo_bench_param {
	const char *key;
	double value;
};

/* One line of the table. Throughput is work / median in unit; ceiling is
 * NAN when there is none; fraction = throughput / ceiling. */
struct tomo_bench_row {
	enum tomo_bench_stage group;
	char stage[40]; /* "flat-field", "copy-h2d-pinned", ... */
	char device[4]; /* "cpu" or "gpu" */
	char size[64];  /* what was processed, e.g. "1024x16x1024" */
	struct tomo_bench_param param[TOMO_BENCH_MAX_PARAMS];
	int nparam;
	enum tomo_bench_status status;
	char reason[256];
	double t[TOMO_BENCH_MAX_REPEAT]; /* seconds of each timed run */
	int nt;
	double median;            /* seconds */
	double value;             /* throughput */
	const char *unit;         /* "GB/s", "projections/s", "GUPS", "Mlines/s" */
	double ceiling;           /* in unit, or NAN */
	const char *ceiling_name; /* what the ceiling is ("memory-copy", ...) */
	double fraction;          /* value / ceiling, or NAN */
};

struct tomo_bench_machine {
	char cpu[128];  /* model name */
	int cores;      /* online processors */
	int threads;    /* OpenMP threads used */
	int cuda_built; /* 1 when this build has the CUDA back-end */
	int gpu_usable;
	char gpu[256];        /* the GPU's name, or "" */
	char gpu_reason[256]; /* why no GPU, or "" */
	char date[40];        /* ISO 8601, UTC */
	double load[3];       /* load averages at the start */
	char kernel[200];     /* uname: sysname release machine */
};

struct tomo_bench_report {
	struct tomo_bench_machine machine;
	struct tomo_bench_row *rows;
	int nrows, cap;
	int failed; /* rows with TOMO_BENCH_FAILED */
	/* Stages (1 << stage) whose GPU rows were not run because no GPU is
	 * usable (machine.gpu_reason says why): listed once, not as rows. */
	unsigned gpu_skipped;
};

/* ---- timer.c */

/* The median of t[0..n) (n >= 1; the mean of the middle two when n is
 * even); t is left as it was. */
double tomo_bench_median(const double *t, int n);

/* Call fn(ctx) warmup times, then repeat times timed on a monotonic clock
 * into t[0..repeat). prep(ctx), when not NULL, runs before each call and
 * is not timed (to restore data that fn changes in place). Stops at the
 * first failure and returns its code (the message set by fn or prep). */
int tomo_bench_time(int (*fn)(void *ctx), int (*prep)(void *ctx), void *ctx, int warmup, int repeat,
                    double *t);

/* ---- ceil.c (calls timer.c only) */

/* STREAM-like kernels on three arrays of bytes each, OpenMP over all
 * threads: copy c = a (2 x bytes moved), triad a = b + s c (3 x bytes),
 * read sum(a) (1 x bytes). Seconds of each timed run into copy, triad and
 * read (each repeat long). TOMO_ERR when out of memory. */
int tomo_bench_stream(int64_t bytes, int warmup, int repeat, double *copy, double *triad,
                      double *read);

/* The back-projection's arithmetic peak: the lerp and accumulation of
 * a vector of slices per (pixel, angle), as lib/fbp_cpu.c rounds it,
 * with the filtered lines in L1 cache and no detector index to compute, on
 * every thread. Seconds of each timed run into t; *updates gets the
 * updates (pixel x angle x slice) done in one run. */
int tomo_bench_lerp_peak(int warmup, int repeat, double *t, double *updates);

/* FFTW alone: pairs of transforms of length n, kind 0 real to complex and
 * back, kind 1 complex forward and backward (out of place, so the input
 * stays as it was), in contiguous batches that stay in each thread's
 * cache, on every thread, with the planner flags the stages use. Seconds
 * of each timed run into t; *count gets the pairs done in one run. */
int tomo_bench_fft(int kind, int64_t n, int warmup, int repeat, double *t, double *count);

/* The sum of bytes of floats (a multiple of 256) on every thread, loads
 * kept in flight: the read of STREAM and mmap. */
float bench_sum(const void *p, int64_t bytes);

/* ---- run.c */

/* Who, where and when: CPU model, cores, GPU number device, date, load. */
void tomo_bench_machine_info(struct tomo_bench_machine *m, int device);

/* Run the stages c asks for on the devices it asks for, appending rows to
 * r (initialised here; free with tomo_bench_report_free). A stage that
 * fails becomes a FAILED row and the others still run; without a usable
 * GPU the GPU stages are not run and go into r->gpu_skipped. Only running
 * out of memory for the report itself returns TOMO_ERR. */
int tomo_bench_run(const struct tomo_bench_config *c, struct tomo_bench_report *r);
void tomo_bench_report_free(struct tomo_bench_report *r);

/* ---- print.c */

/* The table (a header line, then one line per row) and the JSON document
 * (machine, configuration, rows; schema in tomo-bench(1)). */
void tomo_bench_print_table(FILE *f, const struct tomo_bench_report *r);
void tomo_bench_print_json(FILE *f, const struct tomo_bench_config *c,
                           const struct tomo_bench_report *r);

#endif
