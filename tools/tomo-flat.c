/*
 * tomo-flat: flat- and dark-field correction, straight from a DXchange or
 * NXtomo file, or any input with --flats and --darks, to a stream of
 * transmission (or, with --log, line-integral) projections. Glue only: the
 * scan is opened by lib/scan.c and corrected by lib/flat.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/flat.h"
#include "tomo/scan.h"
#include "tomo/tomo.h"
#include "tomo/tool.h"

enum {
	OPT_FLATS = 256,
	OPT_DARKS,
	OPT_FLATS_AFTER,
	OPT_LOG,
	OPT_FLAT_AVERAGE,
	OPT_DARK_AVERAGE,
	OPT_OUTLIERS,
	OPT_ROWS,
	OPT_PROJ,
	OPT_CROP,
	OPT_BIN,
};

/* clang-format off */
static const struct tomo_opt opts[] = {
	{"flats", 0, "PATH", "flat fields (any input; replace the file's), taken before the projections", OPT_FLATS},
	{"flats-after", 0, "PATH", "flat fields taken after the projections (interpolated with --flats)", OPT_FLATS_AFTER},
	{"darks", 0, "PATH", "dark fields (any input; replace the file's)", OPT_DARKS},
	{"log", 0, NULL, "write line integrals -ln(transmission) instead of transmission", OPT_LOG},
	{"flat-average", 0, "mean|median", "how flats are averaged (default mean)", OPT_FLAT_AVERAGE},
	{"dark-average", 0, "mean|median", "how darks are averaged (default mean)", OPT_DARK_AVERAGE},
	{"outliers", 0, "T", "replace pixels off their 3x3 median m by more than T|m| (zingers, hot pixels)", OPT_OUTLIERS},
	{"rows", 0, "A:B", "detector rows A to B-1 only", OPT_ROWS},
	{"proj", 0, "A:B[:STEP]", "projections A to B-1 (every STEP-th) only", OPT_PROJ},
	{"crop", 0, "X0:X1", "detector columns X0 to X1-1 only", OPT_CROP},
	{"bin", 0, "N", "N x N binning by mean, before the correction", OPT_BIN},
	{NULL, 0, NULL, NULL, 0},
};

static const struct tomo_tool tool = {
	"tomo-flat", "[options] [INPUT]",
	"Flat- and dark-field correction of a scan into transmission or line-integral "
	"projections.",
	TOMO_COMMON_ALL,
	opts, 1,
};
/* clang-format on */

struct args {
	struct tomo_scan_opts scan;
	struct tomo_flat_opts flat;
};

static const char *const averages[] = {"mean", "median", NULL};

/* "A:B" without a step. */
static void
range(const char *opt, const char *arg, int64_t *a, int64_t *b)
{
	int64_t step;

	if (tomo_arg_int_range(opt, arg, a, b, &step) == 0 && strchr(strchr(arg, ':') + 1, ':'))
		tomo_usage_error("%s: '%s' takes no step (A:B)", opt, arg);
}

static void
handle(void *ctx, int key, const char *arg)
{
	struct args *a = ctx;
	int i;

	switch (key) {
	case OPT_FLATS: a->scan.flats = arg; break;
	case OPT_FLATS_AFTER: a->scan.flats_after = arg; break;
	case OPT_DARKS: a->scan.darks = arg; break;
	case OPT_LOG: a->flat.take_log = 1; break;
	case OPT_FLAT_AVERAGE:
		if ((i = tomo_arg_choice("--flat-average", arg, averages)) >= 0)
			a->flat.flat_average = (enum tomo_flat_average)i;
		break;
	case OPT_DARK_AVERAGE:
		if ((i = tomo_arg_choice("--dark-average", arg, averages)) >= 0)
			a->flat.dark_average = (enum tomo_flat_average)i;
		break;
	case OPT_OUTLIERS: a->flat.outliers = tomo_arg_positive("--outliers", arg, 0); break;
	case OPT_ROWS: range("--rows", arg, &a->flat.row0, &a->flat.row1); break;
	case OPT_CROP: range("--crop", arg, &a->flat.col0, &a->flat.col1); break;
	case OPT_PROJ:
		tomo_arg_int_range("--proj", arg, &a->flat.proj0, &a->flat.proj1,
		                   &a->flat.proj_step);
		break;
	case OPT_BIN: a->flat.bin = tomo_arg_int("--bin", arg, 1, 1 << 16); break;
	}
}

static int
is_stdin(const char *p)
{
	return !p || !strcmp(p, "-");
}

/* What -v says before the work. */
static void
describe(const struct tomo_scan_input *s, const struct tomo_header *h)
{
	tomo_verbose("%s scan: %s", tomo_scan_layout_name(s->layout), s->where);
	tomo_verbose("%s", s->proj.name);
	for (int i = 0; i < s->nflats; i++)
		tomo_verbose("%s", s->flats[i].name);
	for (int i = 0; i < s->ndarks; i++)
		tomo_verbose("%s", s->darks[i].name);
	for (int i = 0; i < s->ninfo; i++)
		tomo_verbose("%s", s->info[i]);
	tomo_verbose("detector %lld x %lld; output %lld x %lld x %lld (%s)", (long long)s->ncols,
	             (long long)s->nrows, (long long)h->size[0], (long long)h->size[1],
	             (long long)h->size[2], tomo_quantity_name(h->quantity));
}

/* What the run repaired: -v always, a warning where data were bad. */
static void
report(const struct tomo_scan_input *s, const struct tomo_flat_counts *n,
       const struct tomo_flat_opts *o)
{
	double all = n->pixels > 0 ? (double)n->pixels : 1;

	if (s->ndarks)
		tomo_verbose("average dark: mean %.6g", n->dark_mean);
	for (int i = 0; i < s->nflats && i < 16; i++)
		tomo_verbose("average of the %s: mean %.6g", s->flats[i].name, n->flat_mean[i]);
	if (n->dropped[0])
		tomo_warn("flats nowhere brighter than the darks, left out: %s", n->dropped);
	tomo_verbose("%lld output pixels: %lld with flat - dark < 1e-6 (taken as 1e-6), "
	             "%lld with transmission < 1e-6%s",
	             (long long)n->pixels, (long long)n->den_clamped, (long long)n->t_low,
	             o->take_log ? " (taken as 1e-6 before -ln)" : " (kept)");
	if (o->outliers > 0)
		tomo_verbose("outliers replaced: %lld in projections, %lld in flats and darks",
		             (long long)n->outliers_proj, (long long)n->outliers_side);
	if (n->den_clamped)
		tomo_warn("%lld output pixels (%.3g%%) had flat - dark < 1e-6: taken as 1e-6",
		          (long long)n->den_clamped, 100.0 * (double)n->den_clamped / all);
	if (o->take_log && n->t_low)
		tomo_warn("%lld output pixels (%.3g%%) had transmission < 1e-6: taken as 1e-6 "
		          "before -ln",
		          (long long)n->t_low, 100.0 * (double)n->t_low / all);
}

int
main(int argc, char **argv)
{
	struct tomo_common c;
	struct args a = {0};
	struct tomo_scan_input *s;
	struct tomo_header h;
	struct tomo_output *out;
	struct tomo_flat_counts n;
	struct tomo_progress pr;
	int rc;

	tomo_tool_init("tomo-flat");
	tomo_opt_parse(&tool, argc, argv, &c, handle, &a);
	if (is_stdin(c.input) &&
	    ((a.scan.flats && is_stdin(a.scan.flats)) || (a.scan.darks && is_stdin(a.scan.darks)) ||
	     (a.scan.flats_after && is_stdin(a.scan.flats_after))))
		tomo_usage_error("the projections and a side input cannot both come from stdin");
	tomo_usage_done();
	/* A wrong -o fails now, not after the input has been read. */
	if ((rc = tomo_output_check(c.output, 0)))
		tomo_die_lib(rc);
	a.scan.shape = c.shape;
	a.flat.memory = c.memory;
	if ((rc = tomo_scan_open(c.input, &a.scan, &s)))
		tomo_die_lib(rc);
	for (int i = 0; i < s->nnotes; i++)
		tomo_warn("%s", s->notes[i]);
	if ((rc = tomo_flat_plan(s, &a.flat, &h)))
		tomo_die_lib(rc);
	describe(s, &h);
	a.flat.use_gpu = tomo_tool_use_gpu(&c);
	a.flat.device = c.device_index;
	/* --part: its rows of every projection, written at their place */
	int64_t r0, r1;
	tomo_part_range(h.size[1], 1, c.part, c.nparts, &r0, &r1);
	if (c.nparts > 1) {
		a.flat.part = 1;
		a.flat.part_row0 = r0;
		a.flat.part_row1 = r1;
	}
	const struct tomo_box region = {0, h.size[0], r0, r1 - r0, 0, h.size[2]};
	if ((rc = tomo_output_open_region(c.output, &h, &region, &out)))
		tomo_die_lib(rc);
	tomo_progress_start(&pr, &c, "flat", "projections", h.size[2]);
	const struct tomo_progress_cb cb = tomo_progress_cb_of(&pr);
	if ((rc = tomo_flat_run(s, &a.flat, out, &n, &cb))) {
		tomo_output_abort(out);
		tomo_die_lib(rc);
	}
	tomo_progress_end(&pr);
	if (tomo_output_nonfinite(out) > 0)
		tomo_warn("%lld samples written are NaN or Inf (they were in the input)",
		          (long long)tomo_output_nonfinite(out));
	if ((rc = tomo_output_close(out)))
		tomo_die_lib(rc);
	report(s, &n, &a.flat);
	tomo_header_free(&h);
	tomo_scan_close(s);
	return 0;
}
