/*
 * tomo-fbp: filtered back-projection of parallel-beam projections or
 * sinograms into a volume of slices, on the GPU or the CPU. This file is
 * glue: options, the angle list, the output header; the work is
 * tomo_fbp_run (lib/fbp.c).
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/fbp.h"
#include "tomo/tomo.h"
#include "tomo/tool.h"

enum {
	OPT_CENTER = 256,
	OPT_ANGLES,
	OPT_RANGE,
	OPT_FILTER,
	OPT_CUTOFF,
	OPT_PAD,
	OPT_SIZE,
	OPT_SLICES,
	OPT_SINOGRAMS,
	OPT_PIXEL_SIZE,
	OPT_METHOD,
	OPT_OVERSAMPLE,
	OPT_KERNEL_WIDTH,
};

static const struct tomo_opt opts[] = {
	{"method", 0, "fbp|fourier",
         "direct back-projection or gridding in Fourier space (default fbp)", OPT_METHOD},
	{"oversample", 0, "F",
         "--method fourier: Fourier grid size over the slice size, 1.25 to 4 (default 2)",
         OPT_OVERSAMPLE},
	{"kernel-width", 0, "W",
         "--method fourier: gridding kernel width in grid cells, 3 to 8 (default 4)",
         OPT_KERNEL_WIDTH},
	{"center", 0, "X",
         "rotation axis in detector columns from the left edge of column 0 (TomoPy's convention; default the stream's, else the middle)",
         OPT_CENTER},
	{"angles", 0, "FILE[:FIRST:END[:STEP]]",
         "projection angles in degrees, one per line, or lines FIRST to END-1 of them (default the stream's, else 0:180)",
         OPT_ANGLES},
	{"range", 0, "START:STOP", "angles evenly spaced from START to STOP degrees, STOP excluded",
         OPT_RANGE},
	{"filter", 0, "ramp|shepp-logan|cosine|hamming|hann|parzen", "filter window (default ramp)",
         OPT_FILTER},
	{"cutoff", 0, "F", "filter cutoff as a fraction of Nyquist, 0 < F <= 1 (default 1)",
         OPT_CUTOFF},
	{"pad", 0, "edge|zero",
         "pad detector rows by repeating the edge columns or with zeros (default edge)", OPT_PAD},
	{"size", 0, "N", "output slices are N x N pixels (default the detector width)", OPT_SIZE},
	{"slices", 0, "A:B", "reconstruct detector rows A to B-1 (default all)", OPT_SLICES},
	{"sinograms", 0, NULL,
         "the input holds sinograms (column, angle, row) when the stream does not say",
         OPT_SINOGRAMS},
	{"pixel-size", 0, "M", "detector pixel size in metres: output in 1/m instead of 1/pixel",
         OPT_PIXEL_SIZE},
	{NULL, 0, NULL, NULL, 0},
};

static const struct tomo_tool tool = {
	"tomo-fbp",
	"[options] [INPUT]",
	"Reconstruct slices from parallel-beam projections by filtered back-projection.",
	TOMO_COMMON_ALL,
	opts,
	1,
};

struct args {
	double center; /* NAN: not given */
	const char *angles;
	int have_range;
	double range[2];
	int filter;
	double cutoff;
	int pad;
	int64_t size; /* 0: not given */
	int have_slices;
	int64_t slices[2];
	int sinograms;
	double pixel_size; /* NAN: not given */
	int method;
	double oversample;
	int kernel_width;
};

static const char *const pad_names[] = {"edge", "zero", NULL};

static void
handle(void *ctx, int key, const char *arg)
{
	struct args *a = ctx;
	int64_t step;

	switch (key) {
	case OPT_METHOD: a->method = tomo_arg_choice("--method", arg, tomo_fbp_method_names); break;
	case OPT_OVERSAMPLE:
		a->oversample = tomo_arg_double("--oversample", arg);
		if (!(a->oversample >= 1.25 && a->oversample <= 4))
			tomo_usage_error("--oversample: %s is not in [1.25, 4]", arg);
		break;
	case OPT_KERNEL_WIDTH:
		a->kernel_width = (int)tomo_arg_int("--kernel-width", arg, 3, 8);
		break;
	case OPT_CENTER: a->center = tomo_arg_double("--center", arg); break;
	case OPT_ANGLES: a->angles = arg; break;
	case OPT_RANGE:
		if (!tomo_arg_real_range("--range", arg, &a->range[0], &a->range[1]))
			a->have_range = 1;
		if (a->have_range && a->range[0] == a->range[1])
			tomo_usage_error("--range: '%s' is empty", arg);
		break;
	case OPT_FILTER: a->filter = tomo_arg_choice("--filter", arg, tomo_fbp_filter_names); break;
	case OPT_CUTOFF:
		a->cutoff = tomo_arg_positive("--cutoff", arg, 0);
		if (a->cutoff > 1)
			tomo_usage_error("--cutoff: %s is more than 1 (Nyquist)", arg);
		break;
	case OPT_PAD: a->pad = tomo_arg_choice("--pad", arg, pad_names); break;
	case OPT_SIZE: a->size = tomo_arg_int("--size", arg, 1, 1 << 20); break;
	case OPT_SLICES:
		if (!tomo_arg_int_range("--slices", arg, &a->slices[0], &a->slices[1], &step)) {
			a->have_slices = 1;
			if (step != 1)
				tomo_usage_error("--slices: '%s': a step is not supported", arg);
		}
		break;
	case OPT_SINOGRAMS: a->sinograms = 1; break;
	case OPT_PIXEL_SIZE: a->pixel_size = tomo_arg_positive("--pixel-size", arg, 0); break;
	}
}

/* The angles: --angles (read before the input is opened: file, n of
 * total), --range, the stream's, or 0:180; nproj of them. */
int
main(int argc, char **argv)
{
	struct tomo_common c;
	struct args a = {.center = NAN, .cutoff = 1, .pixel_size = NAN};
	struct tomo_input *in;
	struct tomo_output *out;
	struct tomo_header oh;
	struct tomo_fbp_params p = {0};
	struct tomo_fbp_stats st;
	struct tomo_progress pr;
	int rc;

	tomo_tool_init("tomo-fbp");
	tomo_opt_parse(&tool, argc, argv, &c, handle, &a);
	if (a.angles && a.have_range)
		tomo_usage_error("--angles and --range exclude each other");
	if ((a.oversample || a.kernel_width) && a.method != TOMO_FBP_FOURIER)
		tomo_usage_error("--oversample and --kernel-width need --method fourier");
	tomo_usage_done();
	/* A wrong -o fails now, not after the input has been read. */
	if ((rc = tomo_output_check(c.output, 0)))
		tomo_die_lib(rc);
	/* Whatever can fail without the input fails before it is read. */
	double *file_angles = NULL;
	int64_t nfile = 0, file_total = 0;
	if (a.angles && (rc = tomo_angles_read(a.angles, &file_angles, &nfile, &file_total)))
		tomo_die_lib(rc);

	if ((rc = tomo_input_open(c.input, &(struct tomo_input_opts){.shape = c.shape}, &in)))
		tomo_die_lib(rc);
	if ((rc = tomo_input_refuse_raw_scan(in, "tomo-fbp")))
		tomo_die_lib(rc);
	const struct tomo_header *h = tomo_input_header(in);
	const char *name = tomo_input_name(in);
	if ((rc = tomo_stream_accept(h, name, "tomo-fbp",
	                             TOMO_KINDS(TOMO_KIND_PROJECTIONS) |
	                                     TOMO_KINDS(TOMO_KIND_SINOGRAMS),
	                             TOMO_QUANTITIES(TOMO_QUANTITY_TRANSMISSION) |
	                                     TOMO_QUANTITIES(TOMO_QUANTITY_LINE_INTEGRAL))))
		tomo_die_lib(rc);
	p.sinograms =
		h->kind == TOMO_KIND_SINOGRAMS || (h->kind == TOMO_KIND_UNKNOWN && a.sinograms);
	if (a.sinograms && h->kind == TOMO_KIND_PROJECTIONS)
		tomo_warn("--sinograms ignored: %s says it holds projections", name);
	p.transmission = h->quantity == TOMO_QUANTITY_TRANSMISSION;

	const int64_t C = h->size[0];
	const int64_t nproj = p.sinograms ? h->size[1] : h->size[2];
	const int64_t nrows = p.sinograms ? h->size[2] : h->size[1];
	double *angles;
	const struct tomo_angle_source src = {
		.file = a.angles,
		.file_deg = file_angles,
		.file_n = nfile,
		.file_total = file_total,
		.have_range = a.have_range,
		.range = {a.range[0], a.range[1]},
	};
	if ((rc = tomo_angles_choose(&src, h, name, nproj, &angles)))
		tomo_die_lib(rc);
	p.angles = angles;
	p.nangles = nproj;
	p.center = !isnan(a.center) ? a.center : !isnan(h->center) ? h->center : 0.5 * (double)C;
	p.filter = a.filter;
	p.cutoff = a.cutoff;
	p.pad = a.pad;
	p.size = a.size ? a.size : C;
	p.row0 = a.have_slices ? a.slices[0] : 0;
	p.row1 = a.have_slices ? a.slices[1] : nrows;
	p.scale = isnan(a.pixel_size) ? 1.0 : 1.0 / a.pixel_size;
	p.memory = c.memory;
	p.method = a.method;
	p.oversample = a.oversample;
	p.kernel_width = a.kernel_width;
	if ((rc = tomo_fbp_check(in, &p)))
		tomo_die_lib(rc);
	p.use_gpu = tomo_tool_use_gpu(&c);
	p.device = c.device_index;

	/* Every slab needs every angle: a pipe of projections is buffered
	 * (in memory when it fits in half the budget, else in a file). */
	if (tomo_input_sequential(in) && !p.sinograms) {
		int64_t bytes = 4 * C * nrows * nproj;
		if ((rc = tomo_input_buffer(in, c.memory / 2)))
			tomo_die_lib(rc);
		if (bytes <= c.memory / 2)
			p.memory = c.memory - bytes;
	}

	if ((rc = tomo_fbp_output_header(h, &p, a.pixel_size, &oh)))
		tomo_die_lib(rc);
	/* --part: its slices of the volume, written at their place in it */
	int64_t z0, z1;
	tomo_part_range(p.row1 - p.row0, tomo_fbp_part_multiple(&p), c.part, c.nparts, &z0, &z1);
	if (c.nparts > 1)
		p.part = 1, p.z0 = z0, p.z1 = z1;
	const struct tomo_box region = {0, p.size, 0, p.size, z0, z1 - z0};
	if ((rc = tomo_output_open_region(c.output, &oh, &region, &out)))
		tomo_die_lib(rc);
	tomo_header_free(&oh);

	tomo_verbose(
		"%lld rows of %lld columns x %lld angles (%s) into %lld x %lld slices by %s, center %g, filter %s (cutoff %g), %s padding, on %s",
		(long long)(p.row1 - p.row0), (long long)C, (long long)nproj,
		p.sinograms ? "sinograms" : "projections", (long long)p.size, (long long)p.size,
		p.method == TOMO_FBP_FOURIER ? "gridding (--method fourier)"
					     : "direct back-projection",
		p.center, tomo_fbp_filter_names[p.filter], p.cutoff,
		p.pad == TOMO_FBP_PAD_ZERO ? "zero" : "edge",
		p.use_gpu ? tomo_gpu_name() : "the CPU");
	tomo_progress_start(&pr, &c, "reconstructing", "slices", z1 - z0);
	p.progress = tomo_progress_cb_of(&pr);
	rc = tomo_fbp_run(in, &p, out, &st);
	tomo_progress_end(&pr);
	if (rc)
		tomo_die_lib(rc);
	if (st.grid)
		tomo_verbose("Fourier grid %lld x %lld, kernel width %d", (long long)st.grid,
		             (long long)st.grid,
		             p.kernel_width ? p.kernel_width : TOMO_FBP_KERNEL_WIDTH);
	tomo_verbose("%lld slabs of %lld rows, padded length %lld, %.3g s, %.3g giga-updates/s",
	             (long long)st.slabs, (long long)st.slab_rows, (long long)st.padded, st.seconds,
	             st.updates / st.seconds * 1e-9);
	if (p.use_gpu)
		tomo_verbose("of which %.3g s setting up the GPU, %.3g s reading, %.3g s waiting "
		             "for the GPU, %.3g s writing",
		             st.setup_s, st.read_s, st.wait_s, st.write_s);
	if (st.clamped)
		tomo_warn(
			"%lld transmission values at or below zero (or NaN) were clamped to %g before -ln",
			(long long)st.clamped, (double)TOMO_FBP_MIN_TRANSMISSION);
	if (tomo_output_nonfinite(out) > 0)
		tomo_warn("%lld output values are not finite (NaN or Inf in the input?)",
		          (long long)tomo_output_nonfinite(out));
	if ((rc = tomo_output_close(out)))
		tomo_die_lib(rc);
	tomo_input_close(in);
	free(angles);
	free(file_angles);
	return 0;
}
