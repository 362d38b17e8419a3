/*
 * tomo-phase: single-distance phase retrieval. Flat-field corrected
 * transmission projections in, line integrals for tomo-fbp out, through
 * Paganin's filter, its generalised form or TomoPy's variant (lib/phase.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/phase.h"
#include "tomo/tomo.h"
#include "tomo/tool.h"

enum {
	OPT_METHOD = 256, OPT_ENERGY, OPT_DISTANCE, OPT_PIXEL, OPT_DELTA_BETA,
	OPT_ALPHA, OPT_PAD, OPT_PAD_MODE, OPT_NO_LOG, OPT_FROM_LOG,
};

static const struct tomo_opt opts[] = {
	{"method", 0, "paganin|gpaganin", "filter: Paganin 2002 (default) or its generalised form (2020)", OPT_METHOD},
	{"energy", 0, "KEV", "X-ray energy in keV (default the stream's tomo_energy)", OPT_ENERGY},
	{"distance", 0, "M", "sample to detector distance in metres (default tomo_distance)", OPT_DISTANCE},
	{"pixel-size", 0, "M", "detector pixel size in metres (default tomo_pixel_size)", OPT_PIXEL},
	{"delta-beta", 0, "R", "ratio delta/beta of the material (required unless --alpha)", OPT_DELTA_BETA},
	{"alpha", 0, "A", "TomoPy's retrieve_phase filter, grid and padding with regularisation A", OPT_ALPHA},
	{"pad", 0, "N|auto", "pad each side by at least N pixels, or auto: to twice the size (default)", OPT_PAD},
	{"pad-mode", 0, "edge|mirror|zero", "how the padding is filled (default edge)", OPT_PAD_MODE},
	{"no-log", 0, NULL, "write the filtered transmission instead of its -ln", OPT_NO_LOG},
	{"from-log", 0, NULL, "the input holds line integrals -ln T: take exp first", OPT_FROM_LOG},
	{NULL, 0, NULL, NULL, 0},
};

static const struct tomo_tool tool = {
	"tomo-phase", "[options] [INPUT]",
	"Phase retrieval (Paganin) of transmission projections into line integrals.",
	TOMO_COMMON_ALL, opts, 1,
};

struct args {
	struct tomo_phase_opts o;
	int method_set, energy_set, distance_set, pixel_set, db_set, alpha_set,
	    pad_set;
};

static const char *const method_choices[] = {"paganin", "gpaganin", NULL};
static const char *const pad_mode_choices[] = {"edge", "mirror", "zero", NULL};

static void
handle(void *ctx, int key, const char *arg)
{
	struct args *a = ctx;
	int i;

	switch (key) {
	case OPT_METHOD:
		if ((i = tomo_arg_choice("--method", arg, method_choices)) >= 0)
			a->o.method = i;
		a->method_set = 1;
		break;
	case OPT_ENERGY:
		a->o.energy = tomo_arg_positive("--energy", arg, 0);
		a->energy_set = 1;
		break;
	case OPT_DISTANCE:
		a->o.distance = tomo_arg_positive("--distance", arg, 0);
		a->distance_set = 1;
		break;
	case OPT_PIXEL:
		a->o.pixel_size = tomo_arg_positive("--pixel-size", arg, 0);
		a->pixel_set = 1;
		break;
	case OPT_DELTA_BETA:
		a->o.delta_beta = tomo_arg_positive("--delta-beta", arg, 0);
		a->db_set = 1;
		break;
	case OPT_ALPHA:
		a->o.alpha = tomo_arg_positive("--alpha", arg, 0);
		a->alpha_set = 1;
		break;
	case OPT_PAD:
		a->o.pad = !strcmp(arg, "auto") ? TOMO_PHASE_PAD_AUTO
		                                : tomo_arg_int("--pad", arg, 0, 1 << 19);
		a->pad_set = 1;
		break;
	case OPT_PAD_MODE:
		if ((i = tomo_arg_choice("--pad-mode", arg, pad_mode_choices)) >= 0)
			a->o.pad_mode = i;
		break;
	case OPT_NO_LOG: a->o.no_log = 1; break;
	case OPT_FROM_LOG: a->o.from_log = 1; break;
	}
}

/* A physical parameter from its option, else from the stream's key. */
static void
resolve(double *v, int set, double stream, const char *opt, const char *metavar,
        const char *key)
{
	if (set)
		return;
	if (isnan(stream))
		tomo_usage_error("%s %s is required: the input has no %s", opt, metavar,
		                 key);
	else if (!(stream > 0) || !isfinite(stream))
		tomo_usage_error("the input's %s is %g, not a positive number: give %s",
		                 key, stream, opt);
	else
		*v = stream;
}

/* Refuse what is not transmission projections (or line integrals with
 * --from-log); unknown kinds and quantities are taken as such. */
static void
check_input(const struct tomo_input *in, const struct args *a)
{
	const struct tomo_header *h = tomo_input_header(in);
	const char *name = tomo_input_name(in);

	int rc = tomo_stream_accept(h, name, "tomo-phase", TOMO_KINDS(TOMO_KIND_PROJECTIONS),
	                            TOMO_QUANTITIES(TOMO_QUANTITY_TRANSMISSION) |
	                                    TOMO_QUANTITIES(TOMO_QUANTITY_LINE_INTEGRAL));
	if (rc)
		tomo_die_lib(rc);
	switch (h->quantity) {
	case TOMO_QUANTITY_LINE_INTEGRAL:
		if (!a->o.from_log)
			tomo_die(TOMO_ERR, "%s: holds line integrals (tomo_quantity "
			         "line-integral), not transmission; add --from-log to "
			         "filter exp(-value)", name);
		break;
	case TOMO_QUANTITY_TRANSMISSION:
		if (a->o.from_log)
			tomo_die(TOMO_ERR, "%s: holds transmission, but --from-log "
			         "expects line integrals", name);
		break;
	default:
		break;
	}
}

int
main(int argc, char **argv)
{
	struct tomo_common c;
	struct args a = {.o = {.method = TOMO_PHASE_PAGANIN, .pad = TOMO_PHASE_PAD_AUTO}};
	struct tomo_input *in;
	struct tomo_output *out;
	struct tomo_header oh;
	struct tomo_phase_result r;
	struct tomo_progress pr;
	int rc;

	tomo_tool_init("tomo-phase");
	tomo_opt_parse(&tool, argc, argv, &c, handle, &a);
	if (a.alpha_set) {
		if (a.db_set)
			tomo_usage_error("--alpha (TomoPy's filter) and --delta-beta "
			                 "exclude each other");
		if (a.method_set)
			tomo_usage_error("--alpha selects TomoPy's filter; it cannot be "
			                 "combined with --method");
		a.o.method = TOMO_PHASE_TOMOPY;
		if (!a.pad_set)
			a.o.pad = TOMO_PHASE_PAD_TOMOPY;
	}
	tomo_usage_done();
	/* A wrong -o fails now, not after the input has been read. */
	if ((rc = tomo_output_check(c.output, 0)))
		tomo_die_lib(rc);

	if ((rc = tomo_input_open(c.input, &(struct tomo_input_opts){.shape = c.shape},
	                          &in)))
		tomo_die_lib(rc);
	if ((rc = tomo_input_refuse_raw_scan(in, "tomo-phase")))
		tomo_die_lib(rc);
	const struct tomo_header *h = tomo_input_header(in);
	check_input(in, &a);
	resolve(&a.o.energy, a.energy_set, h->energy, "--energy", "KEV", "tomo_energy");
	resolve(&a.o.distance, a.distance_set, h->distance, "--distance", "M",
	        "tomo_distance");
	resolve(&a.o.pixel_size, a.pixel_set, h->pixel_size, "--pixel-size", "M",
	        "tomo_pixel_size");
	if (!a.alpha_set && !a.db_set)
		tomo_usage_error("--delta-beta R is required (or --alpha A for TomoPy's "
		                 "filter)");
	tomo_usage_done();

	a.o.use_gpu = tomo_tool_use_gpu(&c);
	a.o.device = c.device_index;
	a.o.memory = c.memory;
	if ((rc = tomo_phase_check(&a.o)))
		tomo_die_lib(rc);

	if ((rc = tomo_phase_output_header(h, &a.o, &oh)))
		tomo_die_lib(rc);
	/* --part: its rows of every projection (filtered with the margin the
	 * filter needs), written at their place */
	int64_t r0, r1;
	tomo_part_range(h->size[1], 1, c.part, c.nparts, &r0, &r1);
	if (c.nparts > 1) {
		a.o.part = 1;
		a.o.part_row0 = r0;
		a.o.part_row1 = r1;
	}
	const struct tomo_box region = {0, h->size[0], r0, r1 - r0, 0, h->size[2]};
	if ((rc = tomo_output_open_region(c.output, &oh, &region, &out)))
		tomo_die_lib(rc);
	tomo_header_free(&oh);

	if (a.o.method == TOMO_PHASE_TOMOPY)
		tomo_verbose("TomoPy's filter, alpha %g; wavelength %g m", a.o.alpha,
		             1.23984198e-9 / a.o.energy);
	else
		tomo_verbose("%s filter, delta/beta %g; wavelength %g m",
		             tomo_phase_method_name(a.o.method), a.o.delta_beta,
		             1.23984198e-9 / a.o.energy);
	tomo_progress_start(&pr, &c, "phase retrieval", "projections", h->size[2]);
	a.o.progress = tomo_progress_cb_of(&pr);
	double t0 = tomo_now();
	if ((rc = tomo_phase_run(in, out, &a.o, &r)))
		tomo_die_lib(rc);
	tomo_progress_end(&pr);
	if (c.nparts > 1)
		tomo_verbose("part %d of %d: rows %lld:%lld, filtered with a margin of %lld rows",
		             c.part, c.nparts, (long long)r0, (long long)r1, (long long)r.margin);
	double el = tomo_now() - t0;
	tomo_verbose("%lld projections of %lld x %lld on the %s, FFT %lld x %lld, "
	             "%lld per slab: %.3g s (%.4g projections/s), filtering alone "
	             "%.3g s (%.4g projections/s)",
	             (long long)h->size[2], (long long)h->size[0],
	             (long long)h->size[1], r.gpu ? "GPU" : "CPU",
	             (long long)r.padded[0], (long long)r.padded[1],
	             (long long)r.slab, el, (double)h->size[2] / el, r.filter_seconds,
	             (double)h->size[2] / r.filter_seconds);
	if (r.clamped_in + r.clamped_out > 0 && !c.quiet)
		tomo_warn("%lld transmission samples were below %g or not finite and "
		          "were set to %g (%lld in the input, %lld after filtering)",
		          (long long)(r.clamped_in + r.clamped_out), TOMO_PHASE_EPS,
		          TOMO_PHASE_EPS, (long long)r.clamped_in,
		          (long long)r.clamped_out);
	if (tomo_output_nonfinite(out) > 0)
		tomo_warn("%lld output samples are NaN or Inf",
		          (long long)tomo_output_nonfinite(out));
	if ((rc = tomo_output_close(out)))
		tomo_die_lib(rc);
	tomo_input_close(in);
	return 0;
}
