/*
 * opt: one declarative option table per tool -> getopt_long, --help,
 * --version, --list-options, the common options and their environment
 * variables, and checked parsing of option values (tomo/tool.h).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tomo/err.h"
#include "tomo/io.h"
#include "tomo/pipeline.h"
#include "tomo/tool.h"

#ifndef TOMO_VERSION
#define TOMO_VERSION "unknown"
#endif

void tomo_tool_set_verbosity(int verbose, int quiet);

enum {
	K_HELP = 'h', K_VERSION = 'V', K_VERBOSE = 'v', K_QUIET = 'q',
	K_OUTPUT = 'o',
	K_LIST = 0x10000, K_DEVICE, K_THREADS, K_MEMORY, K_PROGRESS, K_NOPROGRESS,
	K_SHAPE, K_PART,
};

static const struct tomo_opt common_opts[] = {
	{"output", 'o', "PATH", "write to PATH (.nrrd, .raw, .tif, .npy, .h5:/dataset; default stdout)", K_OUTPUT},
	{"device", 0, "auto|cpu|gpu", "where the heavy step runs; gpu:N the GPU numbered N from 0 (default auto, or TOMO_DEVICE)", K_DEVICE},
	{"threads", 0, "N", "CPU threads (default all cores, or TOMO_THREADS)", K_THREADS},
	{"memory", 0, "SIZE", "memory to use for buffers, e.g. 512M, 4G (default a quarter of RAM, or TOMO_MEMORY)", K_MEMORY},
	{"progress", 0, NULL, "draw a progress bar on stderr (default when stderr is a terminal)", K_PROGRESS},
	{"no-progress", 0, NULL, "never draw a progress bar", K_NOPROGRESS},
	{"shape", 0, "XxYxZ", "sizes of a .raw input or raw float32 on stdin", K_SHAPE},
	{"part", 0, "I/N", "make part I (0 to N-1) of N of the output, written at its place in it (or TOMO_PART)", K_PART},
	{"verbose", 'v', NULL, "say what is being done", K_VERBOSE},
	{"quiet", 'q', NULL, "print nothing but errors", K_QUIET},
	{"help", 'h', NULL, "show this help and exit", K_HELP},
	{"version", 'V', NULL, "show the version and exit", K_VERSION},
	{"list-options", 0, NULL, "list the long options (for completions) and exit", K_LIST},
	{NULL, 0, NULL, NULL, 0},
};

/* Which common options a tool has. */
static int
common_enabled(const struct tomo_tool *t, int key)
{
	switch (key) {
	case K_OUTPUT: return !!(t->common & TOMO_COMMON_OUTPUT);
	case K_DEVICE: return !!(t->common & TOMO_COMMON_DEVICE);
	case K_THREADS: return !!(t->common & TOMO_COMMON_THREADS);
	case K_MEMORY: return !!(t->common & TOMO_COMMON_MEMORY);
	case K_PROGRESS:
	case K_NOPROGRESS: return !!(t->common & TOMO_COMMON_PROGRESS);
	case K_PART: return !!(t->common & TOMO_COMMON_PART);
	case K_SHAPE: return !!(t->common & TOMO_COMMON_SHAPE);
	default: return 1;
	}
}

static int usage_errors;

void
tomo_usage_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: error: %s\n", tomo_progname(), buf);
	usage_errors++;
}

void
tomo_usage_done(void)
{
	if (usage_errors) {
		fprintf(stderr, "Try '%s --help' for more information.\n",
		        tomo_progname());
		exit(TOMO_EUSAGE);
	}
}

static void
print_opt(FILE *f, const struct tomo_opt *o)
{
	char left[64];

	if (o->short_name)
		snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name,
		         o->arg ? "=" : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? "=" : "",
		         o->arg ? o->arg : "");
	if (strlen(left) > 26)
		fprintf(f, "  %s\n  %28s%s\n", left, "", o->help);
	else
		fprintf(f, "  %-28s%s\n", left, o->help);
}

static void
help(const struct tomo_tool *t)
{
	printf("Usage: %s %s\n%s\n", t->name, t->usage, t->summary);
	if (t->opts && t->opts[0].name) {
		printf("\nOptions:\n");
		for (const struct tomo_opt *o = t->opts; o->name; o++)
			print_opt(stdout, o);
	}
	printf("\nCommon options:\n");
	for (const struct tomo_opt *o = common_opts; o->name; o++)
		if (common_enabled(t, o->key))
			print_opt(stdout, o);
	printf("\nExit status: 0 success, 1 runtime error, 2 usage error, 3 GPU "
	       "demanded but unusable.\nSee %s(1) and tomo(7).\n", t->name);
}

static void
list_options(const struct tomo_tool *t)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct tomo_opt *o = pass ? common_opts : t->opts;
		for (; o && o->name; o++)
			if (pass == 0 || common_enabled(t, o->key))
				printf("--%s\t%s\t%s\n", o->name, o->arg ? o->arg : "",
				       o->help);
	}
}

static const char *const device_names[] = {"auto", "cpu", "gpu", NULL};

/* --device or TOMO_DEVICE (name): auto, cpu, gpu, or gpu:N for the GPU
 * numbered N from 0 (gpu is gpu:0). */
static void
parse_device(struct tomo_common *c, const char *name, const char *arg)
{
	if (!strncmp(arg, "gpu:", 4)) {
		char *end;
		long n;
		errno = 0;
		n = strtol(arg + 4, &end, 10);
		if (!isdigit((unsigned char)arg[4]) || *end || errno || n > INT_MAX) {
			tomo_usage_error("%s: '%s' is not gpu:N, N the GPU's number from 0", name,
			                 arg);
			return;
		}
		c->device = TOMO_DEVICE_GPU;
		c->device_index = (int)n;
		return;
	}
	for (int i = 0; device_names[i]; i++) {
		if (!strcmp(arg, device_names[i])) {
			c->device = (enum tomo_device)i;
			c->device_index = 0;
			return;
		}
	}
	tomo_usage_error("%s: '%s' is not one of auto, cpu, gpu, gpu:N", name, arg);
}

static int64_t
default_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	int64_t m = pages > 0 && size > 0 ? (int64_t)pages * size / 4 : (1LL << 30);
	return m < (256LL << 20) ? (256LL << 20) : m;
}

static void
parse_part(struct tomo_common *c, const char *name, const char *arg)
{
	if (tomo_part_parse(arg, &c->part, &c->nparts))
		tomo_usage_error("%s: %s", name, tomo_errmsg());
}

static void
apply_env(struct tomo_common *c, const struct tomo_tool *t)
{
	const char *e;

	if ((t->common & TOMO_COMMON_DEVICE) && (e = getenv("TOMO_DEVICE")) && *e)
		parse_device(c, "TOMO_DEVICE", e);
	if ((t->common & TOMO_COMMON_THREADS) && (e = getenv("TOMO_THREADS")) && *e)
		c->threads = (int)tomo_arg_int("TOMO_THREADS", e, 1, 4096);
	if ((t->common & TOMO_COMMON_MEMORY) && (e = getenv("TOMO_MEMORY")) && *e)
		c->memory = tomo_arg_bytes("TOMO_MEMORY", e);
	if ((t->common & TOMO_COMMON_PART) && (e = getenv("TOMO_PART")) && *e)
		parse_part(c, "TOMO_PART", e);
}

void
tomo_opt_parse(const struct tomo_tool *t, int argc, char **argv,
               struct tomo_common *c, tomo_opt_handler handler, void *ctx)
{
	struct option lopts[128];
	char shorts[128] = ":";
	int n = 0, progress = -1;

	memset(c, 0, sizeof *c);
	c->memory = default_memory();
	c->nparts = 1;
	apply_env(c, t);
	for (int pass = 0; pass < 2; pass++) {
		const struct tomo_opt *o = pass ? common_opts : t->opts;
		for (; o && o->name; o++) {
			if (pass && !common_enabled(t, o->key))
				continue;
			lopts[n++] = (struct option){o->name,
			                             o->arg ? required_argument : no_argument,
			                             NULL, o->key};
			if (o->short_name) {
				size_t l = strlen(shorts);
				shorts[l] = (char)o->short_name;
				shorts[l + 1] = 0;
				if (o->arg)
					strcat(shorts, ":");
			}
		}
	}
	lopts[n] = (struct option){0, 0, 0, 0};
	opterr = 0;
	for (;;) {
		int prev = optind;
		int k = getopt_long(argc, argv, shorts, lopts, NULL);
		if (k == -1)
			break;
		switch (k) {
		case '?':
			if (optopt)
				tomo_usage_error("unknown option '-%c'", optopt);
			else
				tomo_usage_error("unknown option '%s'", argv[prev]);
			break;
		case ':':
			if (optopt && optopt < 256)
				tomo_usage_error("option '-%c' needs a value", optopt);
			else
				tomo_usage_error("option '%s' needs a value", argv[prev]);
			break;
		case K_HELP: help(t); exit(0);
		case K_VERSION: printf("%s (tomo) %s\n", t->name, TOMO_VERSION); exit(0);
		case K_LIST: list_options(t); exit(0);
		case K_VERBOSE: c->verbose = 1; c->quiet = 0; break;
		case K_QUIET: c->quiet = 1; c->verbose = 0; break;
		case K_OUTPUT: c->output = optarg; break;
		case K_DEVICE: parse_device(c, "--device", optarg); break;
		case K_THREADS: c->threads = (int)tomo_arg_int("--threads", optarg, 1, 4096); break;
		case K_MEMORY: c->memory = tomo_arg_bytes("--memory", optarg); break;
		case K_PROGRESS: progress = 1; break;
		case K_NOPROGRESS: progress = 0; break;
		case K_PART: parse_part(c, "--part", optarg); break;
		case K_SHAPE: {
			int64_t s[3];
			if (tomo_parse_shape(optarg, s))
				tomo_usage_error("--shape: %s", tomo_errmsg());
			else
				c->shape = optarg;
			break;
		}
		default:
			handler(ctx, k, optarg);
			break;
		}
	}
	c->operands = argv + optind;
	c->noperands = argc - optind;
	if (c->noperands > t->max_operands) {
		tomo_usage_error("unexpected operand '%s'", argv[optind + t->max_operands]);
	}
	c->input = c->noperands > 0 ? c->operands[0] : "-";
	if (c->output && !*c->output)
		tomo_usage_error("--output: empty path");
	c->progress = progress >= 0 ? progress : (!c->quiet && isatty(2));
	if (c->quiet)
		c->progress = progress > 0;
	tomo_tool_set_verbosity(c->verbose, c->quiet);
	if (c->threads > 0)
		omp_set_num_threads(c->threads);
	tomo_usage_done();
}

double
tomo_arg_double(const char *opt, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno == ERANGE || !isfinite(v)) {
		tomo_usage_error("%s: '%s' is not a number", opt, arg);
		return 0;
	}
	return v;
}

double
tomo_arg_positive(const char *opt, const char *arg, int allow_zero)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno == ERANGE || !isfinite(v)) {
		tomo_usage_error("%s: '%s' is not a number", opt, arg);
		return 0;
	}
	if (v < 0 || (!allow_zero && v == 0)) {
		tomo_usage_error("%s: %s must be %s", opt, arg,
		                 allow_zero ? "zero or more" : "greater than zero");
		return 0;
	}
	return v;
}

int64_t
tomo_arg_int(const char *opt, const char *arg, int64_t min, int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (end == arg || *end || errno) {
		tomo_usage_error("%s: '%s' is not an integer", opt, arg);
		return min > 0 ? min : 0;
	}
	if (v < min || v > max) {
		tomo_usage_error("%s: %lld is outside %lld..%lld", opt, v,
		                 (long long)min, (long long)max);
		return min > 0 ? min : 0;
	}
	return v;
}

int
tomo_arg_choice(const char *opt, const char *arg, const char *const *choices)
{
	char list[512] = "";

	for (int i = 0; choices[i]; i++) {
		if (!strcmp(arg, choices[i]))
			return i;
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
		         i ? ", " : "", choices[i]);
	}
	tomo_usage_error("%s: '%s' is not one of %s", opt, arg, list);
	return -1;
}

int
tomo_arg_real_range(const char *opt, const char *arg, double *a, double *b)
{
	char *end, *end2;

	errno = 0;
	*a = strtod(arg, &end);
	if (end == arg || *end != ':' || errno || !isfinite(*a))
		goto bad;
	*b = strtod(end + 1, &end2);
	if (end2 == end + 1 || *end2 || errno || !isfinite(*b))
		goto bad;
	return 0;
bad:
	tomo_usage_error("%s: '%s' is not START:STOP", opt, arg);
	return -1;
}

int
tomo_arg_int_range(const char *opt, const char *arg, int64_t *a, int64_t *b,
                   int64_t *step)
{
	char *end, *end2;

	errno = 0;
	*step = 1;
	*a = strtoll(arg, &end, 10);
	if (end == arg || *end != ':' || errno)
		goto bad;
	*b = strtoll(end + 1, &end2, 10);
	if (end2 == end + 1 || errno)
		goto bad;
	if (*end2 == ':') {
		char *end3;
		*step = strtoll(end2 + 1, &end3, 10);
		if (end3 == end2 + 1 || *end3 || errno || *step < 1)
			goto bad;
	} else if (*end2) {
		goto bad;
	}
	if (*a < 0 || *b <= *a) {
		tomo_usage_error("%s: '%s' needs 0 <= A < B", opt, arg);
		return -1;
	}
	return 0;
bad:
	tomo_usage_error("%s: '%s' is not A:B or A:B:STEP with integers", opt, arg);
	return -1;
}

int64_t
tomo_arg_bytes(const char *opt, const char *arg)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{"", 1}, {"B", 1}, {"K", 1024.0}, {"KB", 1024.0}, {"KiB", 1024.0},
		{"M", 1048576.0}, {"MB", 1048576.0}, {"MiB", 1048576.0},
		{"G", 1073741824.0}, {"GB", 1073741824.0}, {"GiB", 1073741824.0},
		{"T", 1099511627776.0}, {"TB", 1099511627776.0},
		{"TiB", 1099511627776.0},
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end != arg && !errno && isfinite(v) && v > 0)
		for (size_t i = 0; i < sizeof units / sizeof *units; i++)
			if (!strcasecmp(end, units[i].suffix) && v * units[i].mult >= 1 &&
			    v * units[i].mult < 9e18)
				return (int64_t)(v * units[i].mult);
	tomo_usage_error("%s: '%s' is not a size like 512M or 4G", opt, arg);
	return 1LL << 30;
}
