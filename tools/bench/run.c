/*
 * run: the run of tomo-bench (bench.h): the stages' names, the report's
 * rows, the machine's description, the ceilings' rows, and the order in
 * which the stages run. The timers are in timer.c, the kernels that
 * measure the ceilings in ceil.c (which call the timers, never this file),
 * the stages in stages.c, fourier.c and move.c, the printers in print.c.
 */
#include <omp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench_gpu.h"
#include "internal.h"
#include "tomo/dev.h"
#include "tomo/err.h"
#include "tomo/tool.h"

const char *const tomo_bench_stage_names[TOMO_BENCH_NSTAGES + 1] = {
	"memory",   "lerp",      "flat", "paganin", "filter", "backproject", "fourier",
	"pipeline", "processes", "pipe", "mmap",    "copy",   "overlap",     NULL,
};

int
tomo_bench_parse_stages(const char *list, unsigned *mask)
{
	const char *p = list;

	*mask = 0;
	if (!strcmp(list, "all")) {
		*mask = (1u << TOMO_BENCH_NSTAGES) - 1;
		return TOMO_OK;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		int k;
		for (k = 0; k < TOMO_BENCH_NSTAGES; k++)
			if (strlen(tomo_bench_stage_names[k]) == n &&
			    !strncmp(p, tomo_bench_stage_names[k], n))
				break;
		if (k == TOMO_BENCH_NSTAGES)
			return tomo_error(TOMO_EUSAGE,
			                  "unknown stage '%.*s' (one of: all, %s, ...)", (int)n, p,
			                  tomo_bench_stage_names[0]);
		*mask |= 1u << k;
		p += n;
		if (*p == ',' && *++p == '\0')
			break;
	}
	if (!*mask)
		return tomo_error(TOMO_EUSAGE, "no stage named in '%s'", list);
	return TOMO_OK;
}

/* The "model name" of /proc/cpuinfo (x86), else its "Processor" or
 * "cpu model" line, else the machine name from uname. */
static void
cpu_model(char *out, size_t n)
{
	static const char *const keys[] = {"model name", "Processor", "cpu model", "uarch"};
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	out[0] = '\0';
	while (f && fgets(line, sizeof line, f) && !out[0]) {
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
			size_t kl = strlen(keys[k]);
			char *colon = strchr(line, ':');
			if (strncmp(line, keys[k], kl) || !colon)
				continue;
			colon += 1 + strspn(colon + 1, " \t");
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(out, n, "%s", colon);
			break;
		}
	}
	if (f)
		fclose(f);
	if (!out[0]) {
		struct utsname u;
		snprintf(out, n, "%s", uname(&u) == 0 ? u.machine : "unknown");
	}
}

void
tomo_bench_machine_info(struct tomo_bench_machine *m, int device)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	memset(m, 0, sizeof *m);
	cpu_model(m->cpu, sizeof m->cpu);
	m->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	m->threads = omp_get_max_threads();
	m->cuda_built = tomo_built_with_cuda();
	m->gpu_usable = tomo_gpu_usable(device, m->gpu_reason, sizeof m->gpu_reason);
	snprintf(m->gpu, sizeof m->gpu, "%s", tomo_gpu_name());
	gmtime_r(&now, &tm);
	strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (getloadavg(m->load, 3) != 3)
		m->load[0] = m->load[1] = m->load[2] = NAN;
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release, u.machine);
}

struct tomo_bench_row *
bench_row(struct bench *b, enum tomo_bench_stage g, const char *stage, int gpu)
{
	static struct tomo_bench_row lost; /* where rows go without memory */
	struct tomo_bench_report *r = b->r;
	struct tomo_bench_row *row = &lost;

	if (r->nrows == r->cap) {
		int cap = r->cap ? 2 * r->cap : 32;
		struct tomo_bench_row *n = realloc(r->rows, sizeof *n * (size_t)cap);
		if (n) {
			r->rows = n;
			r->cap = cap;
		}
	}
	if (r->nrows < r->cap)
		row = &r->rows[r->nrows++];
	else
		b->lost++;
	memset(row, 0, sizeof *row);
	row->group = g;
	snprintf(row->stage, sizeof row->stage, "%s", stage);
	snprintf(row->device, sizeof row->device, "%s", gpu ? "gpu" : "cpu");
	row->median = row->value = row->ceiling = row->fraction = NAN;
	row->unit = "";
	row->ceiling_name = "";
	return row;
}

void
bench_param(struct tomo_bench_row *r, const char *key, double value)
{
	if (r->nparam < TOMO_BENCH_MAX_PARAMS)
		r->param[r->nparam++] = (struct tomo_bench_param){key, value};
}

void
bench_done(struct tomo_bench_row *r, const double *t, int n, double work, const char *unit)
{
	r->nt = n;
	memcpy(r->t, t, sizeof *t * (size_t)n);
	r->median = tomo_bench_median(t, n);
	r->value = r->median > 0 ? work / r->median : NAN;
	r->unit = unit;
	r->status = TOMO_BENCH_OK;
}

void
bench_ceiling(struct tomo_bench_row *r, const char *name, double ceiling)
{
	if (!(ceiling > 0) || r->status != TOMO_BENCH_OK)
		return;
	r->ceiling = ceiling;
	r->ceiling_name = name;
	r->fraction = r->value / ceiling;
}

void
bench_fail(struct tomo_bench_row *r, int rc)
{
	r->status = rc == TOMO_ENODEV ? TOMO_BENCH_UNAVAILABLE : TOMO_BENCH_FAILED;
	snprintf(r->reason, sizeof r->reason, "%s",
	         tomo_errmsg()[0] ? tomo_errmsg() : "failed (no message)");
}

void
bench_unavailable(struct tomo_bench_row *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	r->status = TOMO_BENCH_UNAVAILABLE;
}

void
bench_say(const struct bench *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->c->verbose)
		return;
	fprintf(stderr, "%s: ", tomo_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
selected(const struct bench *b, enum tomo_bench_stage s)
{
	return (b->c->stages >> s) & 1u;
}

/* The CPU's memory bandwidth, measured once; rows when asked for. */
void
bench_memory(struct bench *b)
{
	const struct tomo_bench_config *c = b->c;
	double t[3][TOMO_BENCH_MAX_REPEAT];
	static const char *const names[3] = {"memory-copy", "memory-triad", "memory-read"};
	const double moved[3] = {2, 3, 1};
	double *dst[3] = {&b->mem_copy, &b->mem_triad, &b->mem_read};
	int rc;

	if (!isnan(b->mem_copy))
		return;
	bench_say(b, "memory bandwidth (3 arrays of %lld bytes)", (long long)c->stream_bytes);
	rc = tomo_bench_stream(c->stream_bytes, c->warmup, c->repeat, t[0], t[1], t[2]);
	for (int k = 0; k < 3; k++) {
		double gb = moved[k] * bench_bytes_gb((double)c->stream_bytes);
		*dst[k] = rc ? 0 : gb / tomo_bench_median(t[k], c->repeat);
		if (!selected(b, TOMO_BENCH_MEMORY))
			continue;
		struct tomo_bench_row *r = bench_row(b, TOMO_BENCH_MEMORY, names[k], 0);
		snprintf(r->size, sizeof r->size, "3 x %.0f MiB",
		         (double)c->stream_bytes / (1 << 20));
		bench_param(r, "array_bytes", (double)c->stream_bytes);
		bench_param(r, "bytes_moved", moved[k] * (double)c->stream_bytes);
		if (rc)
			bench_fail(r, rc);
		else
			bench_done(r, t[k], c->repeat, gb, "GB/s");
	}
}

/* The back-projection's arithmetic peak on the CPU or the GPU. */
void
bench_lerp(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	double *dst = gpu ? &b->lerp_gpu : &b->lerp_cpu;
	double t[TOMO_BENCH_MAX_REPEAT], updates = 0;
	struct tomo_bench_row *r, scratch;
	int rc;

	if (!isnan(*dst))
		return;
	*dst = 0;
	if (selected(b, TOMO_BENCH_LERP)) {
		r = bench_row(b, TOMO_BENCH_LERP, "lerp-peak", gpu);
	} else { /* measured for another stage's ceiling, not shown */
		r = &scratch;
		memset(r, 0, sizeof *r);
	}
	snprintf(r->size, sizeof r->size, "16 slices, L1");
	bench_say(b, "back-projection arithmetic peak (%s)", gpu ? "gpu" : "cpu");
	rc = gpu ? tomo_bench_gpu_lerp_peak(c->device, c->warmup, c->repeat, t, &updates)
	         : tomo_bench_lerp_peak(c->warmup, c->repeat, t, &updates);
	if (rc) {
		bench_fail(r, rc);
		return;
	}
	bench_param(r, "updates", updates);
	bench_done(r, t, c->repeat, updates * 1e-9, "GUPS");
	*dst = r->value;
}

static void
memory_stage(struct bench *b, int gpu)
{
	bench_memory(b);
}

/* Each stage, in the order of the report, and the devices it has. */
static const struct {
	void (*run)(struct bench *b, int gpu);
	int cpu, gpu;
} stages[TOMO_BENCH_NSTAGES] = {
	[TOMO_BENCH_MEMORY] = {memory_stage, 1, 0},
	[TOMO_BENCH_LERP] = {bench_lerp, 1, 1},
	[TOMO_BENCH_FLAT] = {bench_flat, 1, 1},
	[TOMO_BENCH_PAGANIN] = {bench_paganin, 1, 1},
	[TOMO_BENCH_FILTER] = {bench_filter, 1, 1},
	[TOMO_BENCH_BACKPROJECT] = {bench_backproject, 1, 1},
	[TOMO_BENCH_FOURIER] = {bench_fourier, 1, 1},
	[TOMO_BENCH_PIPELINE] = {bench_pipeline, 1, 1},
	[TOMO_BENCH_PROCESSES] = {bench_processes, 1, 1},
	[TOMO_BENCH_PIPE] = {bench_pipe, 1, 0},
	[TOMO_BENCH_MMAP] = {bench_mmap, 1, 0},
	[TOMO_BENCH_COPY] = {bench_copy, 0, 1},
	[TOMO_BENCH_OVERLAP] = {bench_overlap, 0, 1},
};

int
tomo_bench_run(const struct tomo_bench_config *c, struct tomo_bench_report *rep)
{
	struct bench b = {
		.c = c,
		.r = rep,
		.mem_copy = NAN,
		.mem_triad = NAN,
		.mem_read = NAN,
		.lerp_cpu = NAN,
		.lerp_gpu = NAN,
		.h2d_pinned = NAN,
		.d2h_pinned = NAN,
	};
	memset(rep, 0, sizeof *rep);
	tomo_bench_machine_info(&rep->machine, c->device);
	b.gpu_ok = rep->machine.gpu_usable;

	for (int s = 0; s < TOMO_BENCH_NSTAGES; s++) {
		if (!selected(&b, (enum tomo_bench_stage)s))
			continue;
		for (int gpu = 0; gpu < 2; gpu++) {
			if (!(gpu ? c->gpu && stages[s].gpu : c->cpu && stages[s].cpu))
				continue;
			if (gpu && !b.gpu_ok)
				rep->gpu_skipped |= 1u << s; /* said once, not per row */
			else
				stages[s].run(&b, gpu);
		}
	}
	free(b.lint);
	for (int i = 0; i < rep->nrows; i++)
		rep->failed += rep->rows[i].status == TOMO_BENCH_FAILED;
	if (b.lost)
		return tomo_error(TOMO_ERR, "out of memory for the report (%d rows lost)", b.lost);
	return TOMO_OK;
}

void
tomo_bench_report_free(struct tomo_bench_report *r)
{
	free(r->rows);
	r->rows = NULL;
	r->nrows = r->cap = 0;
}
