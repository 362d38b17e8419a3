/*
 * tomo-bench: time every stage of the toolkit on generated data, on every
 * device, next to ceilings measured in the same run, and print a table or
 * one JSON document. The measuring is tools/bench/'s, linked into this
 * program only (libtomo has no bench code); this is the glue. On purpose,
 * unlike the other tools, tools/bench/ also calls internal pieces of
 * libtomo to time them apart (lib/fbp_impl.h: fbp_cpu_filter and
 * fbp_cpu_backproject, fbp_fourier_cpu_slab; kernels/fbp_gpu.h and
 * flat_gpu.h: the GPU back-ends and their submit_parts): it links
 * libtomo.a statically, so they need not be in the shared library's API.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "tomo/tomo.h"
#include "tomo/tool.h"

enum {
	OPT_SIZE = 256,
	OPT_ANGLES,
	OPT_ROWS,
	OPT_PROJECTIONS,
	OPT_BYTES,
	OPT_REPEAT,
	OPT_QUICK,
	OPT_JSON,
	OPT_STAGES,
};

static const struct tomo_opt opts[] = {
	{"size", 0, "N", "detector columns and slice width N (default 1024)", OPT_SIZE},
	{"angles", 0, "A", "projections (default 1024)", OPT_ANGLES},
	{"rows", 0, "R", "detector rows, reconstructed slices (default 16)", OPT_ROWS},
	{"projections", 0, "K", "Paganin: N x N projections per run (default 8)", OPT_PROJECTIONS},
	{"bytes", 0, "SIZE", "pipe, mmap and GPU copies: bytes per run (default 512M)", OPT_BYTES},
	{"repeat", 0, "K",
         "timed runs per stage after one warm-up; the median is shown (default 5)", OPT_REPEAT},
	{"quick", 0, NULL, "small sizes, 3 runs: the whole run in seconds", OPT_QUICK},
	{"json", 0, NULL, "print one JSON document instead of the table", OPT_JSON},
	{"stages", 0, "LIST", "comma-separated stages to run (default all; see tomo-bench(1))",
         OPT_STAGES},
	{NULL, 0, NULL, NULL, 0},
};

static const struct tomo_tool tool = {
	"tomo-bench",
	"[options]",
	"Time each stage on generated data, on every device, against measured ceilings.",
	TOMO_COMMON_DEVICE | TOMO_COMMON_THREADS,
	opts,
	0,
};

/* Values given on the command line; 0 (or NULL) where not given. */
struct args {
	int64_t size, angles, rows, projections, bytes;
	int repeat, quick, json;
	const char *stages;
};

static void
handle(void *ctx, int key, const char *arg)
{
	struct args *a = ctx;

	switch (key) {
	case OPT_SIZE: a->size = tomo_arg_int("--size", arg, 8, 1 << 16); break;
	case OPT_ANGLES: a->angles = tomo_arg_int("--angles", arg, 1, 1 << 20); break;
	case OPT_ROWS: a->rows = tomo_arg_int("--rows", arg, 1, 1 << 16); break;
	case OPT_PROJECTIONS:
		a->projections = tomo_arg_int("--projections", arg, 1, 1 << 16);
		break;
	case OPT_BYTES:
		a->bytes = tomo_arg_bytes("--bytes", arg);
		if (a->bytes && a->bytes < (1 << 20))
			tomo_usage_error("--bytes: '%s' is less than 1 MiB", arg);
		break;
	case OPT_REPEAT:
		a->repeat = (int)tomo_arg_int("--repeat", arg, 1, TOMO_BENCH_MAX_REPEAT);
		break;
	case OPT_QUICK: a->quick = 1; break;
	case OPT_JSON: a->json = 1; break;
	case OPT_STAGES: a->stages = arg; break;
	}
}

/* The directory this program was run from: the other tools are there. */
static void
own_dir(char *dir, size_t n, const char *argv0)
{
	ssize_t len = readlink("/proc/self/exe", dir, n - 1);

	if (len > 0)
		dir[len] = '\0';
	else
		snprintf(dir, n, "%s", argv0);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, n, ".");
}

static int64_t
pick(int64_t given, int64_t normal, int64_t quick, int is_quick)
{
	return given ? given : is_quick ? quick : normal;
}

int
main(int argc, char **argv)
{
	struct tomo_common com;
	struct args a = {0};
	struct tomo_bench_config c = {0};
	struct tomo_bench_report rep;
	char bindir[PATH_MAX];
	const char *tmp = getenv("TMPDIR");

	tomo_tool_init("tomo-bench");
	tomo_opt_parse(&tool, argc, argv, &com, handle, &a);
	c.stages = (1u << TOMO_BENCH_NSTAGES) - 1;
	if (a.stages && tomo_bench_parse_stages(a.stages, &c.stages))
		tomo_usage_error("--stages: %s", tomo_errmsg());
	tomo_usage_done();

	c.size = pick(a.size, 1024, 256, a.quick);
	c.angles = pick(a.angles, 1024, 256, a.quick);
	c.rows = pick(a.rows, 16, 16, a.quick);
	c.projections = pick(a.projections, 8, 4, a.quick);
	c.move_bytes = pick(a.bytes, (int64_t)512 << 20, (int64_t)128 << 20, a.quick);
	c.stream_bytes = a.quick ? (int64_t)64 << 20 : (int64_t)128 << 20;
	c.warmup = 1;
	c.repeat = (int)pick(a.repeat, 5, 3, a.quick);
	c.cpu = com.device != TOMO_DEVICE_GPU;
	c.gpu = com.device != TOMO_DEVICE_CPU;
	c.device = com.device_index;
	if (com.device == TOMO_DEVICE_GPU)
		tomo_tool_use_gpu(&com); /* exits 3 when there is none */
	c.tmpdir = tmp && *tmp ? tmp : "/tmp";
	own_dir(bindir, sizeof bindir, argv[0]);
	c.bindir = bindir;
	c.verbose = com.verbose;

	if (tomo_bench_run(&c, &rep))
		tomo_die_lib(TOMO_ERR);
	if (rep.gpu_skipped)
		tomo_note("no GPU: %s; GPU stages skipped", rep.machine.gpu_reason);
	if (a.json)
		tomo_bench_print_json(stdout, &c, &rep);
	else
		tomo_bench_print_table(stdout, &rep);
	if (fflush(stdout) || ferror(stdout))
		tomo_die(TOMO_ERR, "cannot write to stdout");
	int failed = rep.failed;
	tomo_bench_report_free(&rep);
	if (failed)
		tomo_die(TOMO_ERR, "%d stage%s failed (its row says why)", failed,
		         failed > 1 ? "s" : "");
	return 0;
}
