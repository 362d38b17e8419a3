/*
 * tomo-slice: cut slices out of a volume (any axis, a range, a crop, after
 * binning) and write them as images for people (PNG, PGM, 8/16-bit TIFF,
 * through one intensity window) or as a stream of floats (NRRD, raw, float
 * TIFF, HDF5); with no selection it converts the whole input. Reading is
 * lib/slice.c, windows lib/percentile.c and lib/image.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tomo/image.h"
#include "tomo/percentile.h"
#include "tomo/slice.h"
#include "tomo/stats.h"
#include "tomo/tomo.h"
#include "tomo/tool.h"

/* Black pixels between the pictures of --ortho and --montage. */
#define GAP 4

/* -q: no warnings either (tomo_warn itself prints regardless). */

enum {
	OPT_AXIS = 256,
	OPT_INDEX,
	OPT_RANGE,
	OPT_CROP,
	OPT_BIN,
	OPT_BITS,
	OPT_WINDOW,
	OPT_PERCENTILE,
	OPT_ORTHO,
	OPT_MONTAGE,
};

static const struct tomo_opt opts[] = {
	{"axis", 0, "x|y|z", "cut slices normal to this axis (default z)", OPT_AXIS},
	{"index", 0, "I", "the slice at index I", OPT_INDEX},
	{"range", 0, "A:B[:STEP]", "slices A, A+STEP, ... up to B-1", OPT_RANGE},
	{"crop", 0, "X0:X1,Y0:Y1", "keep image columns X0..X1-1 and rows Y0..Y1-1", OPT_CROP},
	{"bin", 0, "N", "average N x N x N blocks of the volume first", OPT_BIN},
	{"bits", 0, "8|16",
         "grey levels of .png/.pgm (default 8); with .tif: windowed integers, not float32",
         OPT_BITS},
	{"window", 0, "MIN:MAX", "intensity window: MIN black, MAX white", OPT_WINDOW},
	{"percentile", 0, "LO:HI",
         "window from these percentiles of the selection (default 0.1:99.9)", OPT_PERCENTILE},
	{"ortho", 0, NULL, "the three central slices (z, y, x) side by side in one image",
         OPT_ORTHO},
	{"montage", 0, "COLSxROWS", "tile the selected slices into one image", OPT_MONTAGE},
	{NULL, 0, NULL, NULL, 0},
};

static const struct tomo_tool tool = {
	"tomo-slice",
	"[options] [INPUT]",
	"Cut slices out of a volume as images or streams, or convert a whole input.",
	TOMO_COMMON_OUTPUT | TOMO_COMMON_MEMORY | TOMO_COMMON_THREADS | TOMO_COMMON_PROGRESS |
		TOMO_COMMON_SHAPE | TOMO_COMMON_PART,
	opts,
	1,
};

struct args {
	int axis; /* -1: not given */
	int has_index, has_range, crop, window, percentile, ortho, montage;
	int64_t index, ra, rb, rstep;
	int64_t col0, col1, row0, row1;
	int64_t bin;
	int bits; /* 0: not given */
	double wlo, whi, plo, phi;
	int64_t mcols, mrows;
	const char *crop_arg;
};

/* "X0:X1,Y0:Y1" with integers. */
static int
parse_crop(const char *s, struct args *a)
{
	long long v[4];
	int n = 0;

	if (sscanf(s, "%lld:%lld,%lld:%lld%n", &v[0], &v[1], &v[2], &v[3], &n) != 4 || s[n])
		return -1;
	a->col0 = v[0], a->col1 = v[1], a->row0 = v[2], a->row1 = v[3];
	return 0;
}

static void
handle(void *ctx, int key, const char *arg)
{
	static const char *const axes[] = {"x", "y", "z", NULL};
	struct args *a = ctx;

	switch (key) {
	case OPT_AXIS: a->axis = tomo_arg_choice("--axis", arg, axes); break;
	case OPT_INDEX:
		a->has_index = 1;
		a->index = tomo_arg_int("--index", arg, 0, INT64_MAX / 2);
		break;
	case OPT_RANGE:
		a->has_range = 1;
		tomo_arg_int_range("--range", arg, &a->ra, &a->rb, &a->rstep);
		break;
	case OPT_CROP:
		a->crop = 1;
		a->crop_arg = arg;
		if (parse_crop(arg, a))
			tomo_usage_error("--crop: '%s' is not X0:X1,Y0:Y1 with integers", arg);
		else if (a->col0 < 0 || a->row0 < 0 || a->col1 <= a->col0 || a->row1 <= a->row0)
			tomo_usage_error("--crop: '%s' needs 0 <= X0 < X1 and 0 <= Y0 < Y1", arg);
		break;
	case OPT_BIN: a->bin = tomo_arg_int("--bin", arg, 1, 1 << 20); break;
	case OPT_BITS: {
		static const char *const bits[] = {"8", "16", NULL};
		int b = tomo_arg_choice("--bits", arg, bits);
		a->bits = b < 0 ? 8 : b == 0 ? 8 : 16;
		break;
	}
	case OPT_WINDOW:
		a->window = 1;
		if (!tomo_arg_real_range("--window", arg, &a->wlo, &a->whi) && a->wlo >= a->whi)
			tomo_usage_error("--window: '%s' needs MIN < MAX", arg);
		break;
	case OPT_PERCENTILE:
		a->percentile = 1;
		if (!tomo_arg_real_range("--percentile", arg, &a->plo, &a->phi) &&
		    !(a->plo >= 0 && a->plo < a->phi && a->phi <= 100))
			tomo_usage_error("--percentile: '%s' needs 0 <= LO < HI <= 100", arg);
		break;
	case OPT_ORTHO: a->ortho = 1; break;
	case OPT_MONTAGE: {
		int64_t s[3];
		a->montage = 1;
		if (strchr(arg, 'x') != strrchr(arg, 'x') || tomo_parse_shape(arg, s))
			tomo_usage_error("--montage: '%s' is not COLSxROWS with positive "
			                 "integers",
			                 arg);
		a->mcols = s[0];
		a->mrows = s[1];
		break;
	}
	}
}

/* Where the slices go: a stream (floats) or images (windowed). */
struct outspec {
	const char *spec; /* -o, or NULL for stdout */
	int image;        /* else a stream */
	enum tomo_image_format format;
	int bits;
	/* a printf pattern: prefix, number, suffix ("%%" already made "%") */
	int pattern;
	char *pre, *post;
	int width, zero;
};

/* Find one "%[0][WIDTH]d" in s. 0: none (a literal name); 1: found;
 * -1: a '%' that is neither that nor "%%", or a second conversion. */
static int
parse_pattern(const char *s, struct outspec *o)
{
	size_t n = strlen(s);
	char *pre = calloc(n + 1, 1), *post = calloc(n + 1, 1), *d = pre;
	int found = 0;

	if (!pre || !post)
		tomo_die(TOMO_ERR, "out of memory");
	for (const char *p = s; *p; p++) {
		if (*p != '%') {
			*d++ = *p;
			continue;
		}
		if (p[1] == '%') {
			*d++ = '%';
			p++;
			continue;
		}
		const char *q = p + 1;
		int zero = *q == '0';
		q += zero;
		int width = 0;
		while (*q >= '0' && *q <= '9' && width < 100)
			width = width * 10 + (*q++ - '0');
		if (*q != 'd' || found) {
			free(pre);
			free(post);
			return -1;
		}
		found = 1;
		o->zero = zero;
		o->width = width;
		d = post;
		p = q;
	}
	if (!found) {
		free(pre);
		free(post);
		return 0;
	}
	o->pre = pre;
	o->post = post;
	return 1;
}

/* The file name for slice index idx (malloc'd). */
static char *
name_for(const struct outspec *o, int64_t idx)
{
	char *s;

	if (!o->pattern)
		return strdup(o->spec);
	if (asprintf(&s, o->zero ? "%s%0*lld%s" : "%s%*lld%s", o->pre, o->width, (long long)idx,
	             o->post) < 0)
		return NULL;
	return s;
}

/* Exit 2 unless n images fit the output: a pattern, a montage or a TIFF. */
static void
several_images(const struct outspec *o, const struct args *a, int64_t n)
{
	if (o->image && o->format != TOMO_IMAGE_TIFF && !o->pattern && !a->montage && n > 1)
		tomo_die(TOMO_EUSAGE,
		         "%lld slices cannot go into one image '%s': "
		         "name numbered files with a pattern (like slice_%%04d.png), "
		         "use --montage, or write a .tif",
		         (long long)n, o->spec);
}

/* Cross-option checks (beat 2): everything that needs no input. */
static void
check_args(struct args *a, const struct tomo_common *c, struct outspec *o)
{
	memset(o, 0, sizeof *o);
	o->spec = c->output && strcmp(c->output, "-") ? c->output : NULL;
	if (o->spec) {
		int p = parse_pattern(o->spec, o);
		if (p < 0)
			tomo_usage_error("-o: '%s' is not a file name with at most one "
			                 "%%d-style number (like slice_%%04d.png; %%%% for "
			                 "a '%%')",
			                 o->spec);
		o->pattern = p > 0;
		o->format = tomo_image_format_of(o->spec);
		if (o->format == TOMO_IMAGE_REFUSED)
			tomo_usage_error("-o: '%s': that format is not written; use .png, "
			                 ".pgm or .tif",
			                 o->spec);
	}
	/* .tif is float32 (a stream) unless --bits asks for grey levels. */
	o->image = o->format == TOMO_IMAGE_PNG || o->format == TOMO_IMAGE_PGM ||
	           (o->format == TOMO_IMAGE_TIFF && a->bits);
	o->bits = a->bits ? a->bits : 8;
	if (!o->image && a->bits)
		tomo_usage_error("--bits: the output '%s' holds float32 samples; "
		                 "--bits applies to .png, .pgm and .tif",
		                 o->spec ? o->spec : "<stdout>");
	if (!o->image && (a->window || a->percentile))
		tomo_usage_error("--%s: the output '%s' holds float32 samples, which "
		                 "are written unchanged (no window)",
		                 a->window ? "window" : "percentile",
		                 o->spec ? o->spec : "<stdout>");
	if (a->window && a->percentile)
		tomo_usage_error("--window and --percentile exclude each other");
	if (!a->percentile)
		a->plo = 0.1, a->phi = 99.9;
	if (a->has_index && a->has_range)
		tomo_usage_error("--index and --range exclude each other");
	if (a->ortho && (a->axis >= 0 || a->has_index || a->has_range || a->crop || a->montage))
		tomo_usage_error("--ortho takes the central slice of each axis: no "
		                 "--axis, --index, --range, --crop or --montage");
	if ((a->ortho || a->montage) && (!o->image || o->pattern))
		tomo_usage_error("--%s makes one image: -o must name a .png, a .pgm "
		                 "or (with --bits) a .tif, without a %%d pattern",
		                 a->ortho ? "ortho" : "montage");
	if (c->nparts > 1 && (a->ortho || a->montage || (o->image && !o->pattern)))
		tomo_usage_error("--part: one image cannot be cut into parts; write one "
		                 "image per slice (a %%d pattern) or float32 slices");
	if (c->nparts > 1 && o->image && !a->window)
		tomo_usage_error("--part with images needs --window MIN:MAX: each part would "
		                 "otherwise take the percentiles of its own slices");
	if (a->axis < 0)
		a->axis = TOMO_AXIS_Z;
	if (a->bin < 1)
		a->bin = 1;
	tomo_usage_done();
	if (a->has_range)
		several_images(o, a, (a->rb - a->ra + a->rstep - 1) / a->rstep);
	/* Everything about -o that can fail, before the input is read: the
	 * first file's name (a pattern's later ones share its directory). */
	char *first = o->spec ? name_for(o, a->has_index ? a->index : a->has_range ? a->ra : 0)
	                      : NULL;
	if (o->spec && !first)
		tomo_die(TOMO_ERR, "out of memory");
	int rc = tomo_output_check(first, TOMO_OUTPUT_IMAGES);
	free(first);
	if (rc)
		tomo_die_lib(rc);
}

/* Progress in thousandths of a slice across the chunks of a run. */
struct progress {
	struct tomo_progress bar;
	int64_t before, chunk, shown; /* slices done before this chunk, in it */
	int64_t origin;               /* the first slice of a part */
};

static void
on_progress(void *ctx, int64_t done, int64_t total)
{
	struct progress *p = ctx;
	int64_t now = 1000 * p->before + (total ? 1000 * p->chunk * done / total : 0);

	tomo_progress_add(&p->bar, now - p->shown);
	p->shown = now;
}

/* Exit with the library's message and its status (2 for a usage
 * problem it found, such as a terminal on stdout). */
static void
check(int rc)
{
	if (rc)
		tomo_die_lib(rc);
}

static void
read_slices(struct tomo_input *in, const struct tomo_slice_sel *s, int64_t k0, int64_t nk,
            float *dst, struct progress *pr)
{
	struct tomo_slice_req r = {s, k0, nk, dst};

	pr->before = k0 - pr->origin;
	pr->chunk = nk;
	check(tomo_slice_read(in, &r, 1, on_progress, pr));
}

static void
warn_nonfinite(int64_t n)
{
	if (n > 0)
		tomo_warn("%" PRId64 " non-finite samples (NaN or Inf) written", n);
}

/* Slices of at most 64 MiB (with their sums when binned) at a time. */
static int64_t
chunk_slices(const struct tomo_slice_sel *s, const struct tomo_common *c)
{
	int64_t budget = c->memory < (64LL << 20) ? c->memory : (64LL << 20);
	int64_t per = 4 * s->width * s->height * (s->bin > 1 ? 3 : 1);
	return tomo_slab_planes(per, budget, s->count);
}

/* Floats out: one stream, or one stream file per slice with a pattern;
 * slices k0..k1-1 of the selection (a part), at their place in it. */
static void
write_stream(struct tomo_input *in, const struct tomo_slice_sel *s, int64_t k0, int64_t k1,
             const struct outspec *o, const struct tomo_common *c, struct progress *pr)
{
	const struct tomo_header *ih = tomo_input_header(in);
	const int64_t n = s->count, area = s->width * s->height;
	/* A stream cut across its planes must be read in one sweep. */
	const int once = tomo_input_sequential(in) && s->axis != TOMO_AXIS_Z;
	const int64_t per = once ? n : chunk_slices(s, c);
	struct tomo_output *out = NULL;
	struct tomo_scratch st;
	struct tomo_header h;
	int64_t nonfinite = 0;

	check(tomo_scratch_alloc(&st, per * area, once ? c->memory : INT64_MAX));
	if (!o->pattern) {
		const struct tomo_box region = {0, s->width, 0, s->height, k0, k1 - k0};
		check(tomo_slice_header(ih, s, 0, n, &h));
		check(tomo_output_open_region(o->spec, &h, &region, &out));
		tomo_header_free(&h);
	}
	pr->origin = k0;
	for (; k0 < k1; k0 += per) {
		const int64_t nk = k1 - k0 < per ? k1 - k0 : per;
		read_slices(in, s, k0, nk, st.data, pr);
		/* Out in blocks, so a spilled stack goes back to its file. */
		const int64_t block = chunk_slices(s, c);
		for (int64_t j = 0; j < nk; j += block) {
			const int64_t m = nk - j < block ? nk - j : block;
			const float *d = st.data + j * area;
			if (o->pattern) {
				for (int64_t i = 0; i < m; i++) {
					const int64_t k = k0 + j + i;
					char *name = name_for(o, s->first + k * s->step);
					struct tomo_output *one;
					if (!name)
						tomo_die(TOMO_ERR, "out of memory");
					check(tomo_slice_header(ih, s, k, 1, &h));
					check(tomo_output_open(name, &h, &one));
					check(tomo_output_write(one, 0, 1, d + i * area));
					nonfinite += tomo_output_nonfinite(one);
					check(tomo_output_close(one));
					tomo_header_free(&h);
					free(name);
				}
			} else {
				check(tomo_output_write(out, k0 + j, m, d));
			}
			tomo_scratch_release(&st, d, (size_t)(m * area));
		}
	}
	if (out) {
		nonfinite = tomo_output_nonfinite(out);
		check(tomo_output_close(out));
	}
	tomo_scratch_free(&st);
	tomo_progress_end(&pr->bar);
	warn_nonfinite(nonfinite);
}

/* The window: given, or percentiles of the n samples of st, exact when
 * they and a copy fit in --memory, else from a histogram (two passes). */
static void
find_window(const struct args *a, const struct tomo_scratch *st, int64_t n,
            const struct tomo_common *c, double w[2], int *approx)
{
	const double q[2] = {a->plo, a->phi};
	int64_t finite = 0;

	*approx = 0;
	if (a->window) {
		w[0] = a->wlo;
		w[1] = a->whi;
		return;
	}
	if (!st->mapped && n <= c->memory / 8) {
		check(tomo_percentiles(st->data, (size_t)n, q, 2, w, &finite));
	} else {
		const int64_t block = 1 << 24;
		struct tomo_stats sx;
		struct tomo_hist hist;
		tomo_stats_init(&sx);
		for (int64_t i = 0; i < n; i += block) {
			size_t m = (size_t)(n - i < block ? n - i : block);
			tomo_stats_add(&sx, st->data + i, m);
			tomo_scratch_release(st, st->data + i, m);
		}
		finite = sx.count;
		if (finite) {
			check(tomo_hist_init(&hist, sx.min, sx.max, TOMO_HIST_BINS));
			for (int64_t i = 0; i < n; i += block) {
				size_t m = (size_t)(n - i < block ? n - i : block);
				tomo_hist_add(&hist, st->data + i, m);
				tomo_scratch_release(st, st->data + i, m);
			}
			w[0] = tomo_hist_percentile(&hist, q[0]);
			w[1] = tomo_hist_percentile(&hist, q[1]);
			tomo_hist_free(&hist);
			*approx = 1;
			tomo_verbose("percentiles from a histogram of %d bins (the "
			             "selection and a copy exceed --memory)",
			             TOMO_HIST_BINS);
		}
	}
	if (!finite) {
		tomo_warn("no finite sample in the selection: window 0:1");
		w[0] = 0;
		w[1] = 1;
	} else if (!(w[1] > w[0])) {
		/* Flat data: a window around the value, which comes out mid-grey. */
		w[0] -= 0.5;
		w[1] = w[0] + 1;
	}
	tomo_verbose("window %.9g:%.9g", w[0], w[1]);
}

/* The text stored with each image. */
struct text {
	struct tomo_image_text t[8];
	char buf[8][256];
	int n;
};

static void text_add(struct text *t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
text_add(struct text *t, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->buf[t->n], sizeof t->buf[t->n], fmt, ap);
	va_end(ap);
	t->t[t->n].key = key;
	t->t[t->n].value = t->buf[t->n];
	t->n++;
}

static void
text_init(struct text *t, struct tomo_input *in, const struct args *a, const double w[2],
          int approx)
{
	t->n = 0;
	text_add(t, "Source", "%s", tomo_input_name(in));
	text_add(t, "Software", "tomo-slice %s", tomo_version());
	text_add(t, "Window", "%.9g:%.9g", w[0], w[1]);
	if (!a->window)
		text_add(t, "Percentiles", "%g:%g%s", a->plo, a->phi,
		         approx ? " (histogram approximation)" : "");
	if (a->bin > 1)
		text_add(t, "Bin", "%lld", (long long)a->bin);
	if (a->crop)
		text_add(t, "Crop", "%s", a->crop_arg);
}

/* The indices of slices k0..k0+nk-1 as A, or A:B[:STEP] as --range takes
 * them (B past the last, STEP when not 1). */
static void
text_index(struct text *t, const struct tomo_slice_sel *s, int64_t k0, int64_t nk)
{
	const int64_t a = s->first + k0 * s->step;

	text_add(t, "Axis", "%c", "xyz"[s->axis]);
	if (nk == 1)
		text_add(t, "Index", "%lld", (long long)a);
	else if (s->step == 1)
		text_add(t, "Index", "%lld:%lld", (long long)a, (long long)(a + nk));
	else
		text_add(t, "Index", "%lld:%lld:%lld", (long long)a,
		         (long long)(a + (nk - 1) * s->step + 1), (long long)s->step);
}

/* Copy a w x h picture into a canvas of width cw at (x, y). */
static void
paste(unsigned char *canvas, int64_t cw, int64_t x, int64_t y, const unsigned char *pic, int64_t w,
      int64_t h, int bpp)
{
	for (int64_t r = 0; r < h; r++)
		memcpy(canvas + ((y + r) * cw + x) * bpp, pic + r * w * bpp, (size_t)(w * bpp));
}

static void
write_one(const char *name, const struct outspec *o, int64_t w, int64_t h, int64_t pages,
          const struct text *t, const void *pixels)
{
	struct tomo_image_writer *iw;

	check(tomo_image_open(name, o->format, o->bits, w, h, pages, t->t, t->n, &iw));
	check(tomo_image_add(iw, pixels));
	check(tomo_image_close(iw));
}

static void
warn_nan(int64_t nan)
{
	if (nan > 0)
		tomo_warn("%" PRId64 " NaN samples were mapped to 0 (black)", nan);
}

/* Grey levels out: one image per slice (pattern), a multi-page TIFF, one
 * image, or a montage; all through one window. */
static void
write_images(struct tomo_input *in, const struct tomo_slice_sel *s, const struct outspec *o,
             const struct args *a, const struct tomo_common *c, struct progress *pr)
{
	const int64_t n = s->count, W = s->width, H = s->height, area = W * H;
	const int bpp = o->bits / 8;
	struct tomo_scratch st;
	struct text t;
	double w[2];
	int approx;
	int64_t nan = 0;

	several_images(o, a, n);
	if (a->montage && n > a->mcols * a->mrows)
		tomo_die(TOMO_EUSAGE, "%lld slices do not fit a %lldx%lld montage", (long long)n,
		         (long long)a->mcols, (long long)a->mrows);
	check(tomo_scratch_alloc(&st, n * area, c->memory));
	if (tomo_input_sequential(in) || !st.mapped) {
		read_slices(in, s, 0, n, st.data, pr);
	} else {
		const int64_t per = chunk_slices(s, c);
		for (int64_t k0 = 0; k0 < n; k0 += per) {
			const int64_t nk = n - k0 < per ? n - k0 : per;
			read_slices(in, s, k0, nk, st.data + k0 * area, pr);
			tomo_scratch_release(&st, st.data + k0 * area, (size_t)(nk * area));
		}
	}
	tomo_progress_end(&pr->bar);
	find_window(a, &st, n * area, c, w, &approx);
	text_init(&t, in, a, w, approx);

	unsigned char *pix = malloc((size_t)(area * bpp));
	if (!pix)
		tomo_die(TOMO_ERR, "out of memory for an image of %lld x %lld", (long long)W,
		         (long long)H);
	if (a->montage) {
		const int64_t cw = a->mcols * W + (a->mcols - 1) * GAP;
		const int64_t ch = a->mrows * H + (a->mrows - 1) * GAP;
		unsigned char *canvas = calloc((size_t)(cw * ch), (size_t)bpp);
		if (!canvas)
			tomo_die(TOMO_ERR, "out of memory for a montage of %lld x %lld",
			         (long long)cw, (long long)ch);
		for (int64_t k = 0; k < n; k++) {
			nan += tomo_window_apply(st.data + k * area, (size_t)area, w[0], w[1],
			                         o->bits, pix);
			paste(canvas, cw, (k % a->mcols) * (W + GAP), (k / a->mcols) * (H + GAP),
			      pix, W, H, bpp);
		}
		text_index(&t, s, 0, n);
		text_add(&t, "Montage", "%lldx%lld", (long long)a->mcols, (long long)a->mrows);
		write_one(o->spec, o, cw, ch, 1, &t, canvas);
		free(canvas);
	} else if (o->pattern || n == 1) {
		const int base = t.n;
		for (int64_t k = 0; k < n; k++) {
			char *name = name_for(o, s->first + k * s->step);
			if (!name)
				tomo_die(TOMO_ERR, "out of memory");
			nan += tomo_window_apply(st.data + k * area, (size_t)area, w[0], w[1],
			                         o->bits, pix);
			t.n = base;
			text_index(&t, s, k, 1);
			write_one(name, o, W, H, 1, &t, pix);
			free(name);
		}
	} else {
		struct tomo_image_writer *iw;
		text_index(&t, s, 0, n);
		check(tomo_image_open(o->spec, o->format, o->bits, W, H, n, t.t, t.n, &iw));
		for (int64_t k = 0; k < n; k++) {
			nan += tomo_window_apply(st.data + k * area, (size_t)area, w[0], w[1],
			                         o->bits, pix);
			check(tomo_image_add(iw, pix));
		}
		check(tomo_image_close(iw));
	}
	free(pix);
	tomo_scratch_free(&st);
	warn_nan(nan);
}

/* The central slice of each axis, side by side: z, y, x. One sweep reads
 * all three, so a stream is read once. */
static void
write_ortho(struct tomo_input *in, const struct outspec *o, const struct args *a,
            const struct tomo_common *c, struct progress *pr)
{
	const int bpp = o->bits / 8;
	const int order[3] = {TOMO_AXIS_Z, TOMO_AXIS_Y, TOMO_AXIS_X};
	struct tomo_slice_sel s[3];
	struct tomo_slice_req r[3];
	struct tomo_scratch st;
	int64_t total = 0, cw = 2 * GAP, ch = 0, nan = 0;
	struct text t;
	double w[2];
	int approx;

	for (int i = 0; i < 3; i++) {
		s[i] = (struct tomo_slice_sel){
			.axis = order[i], .bin = a->bin, .step = 1, .count = 1};
		check(tomo_slice_resolve(tomo_input_header(in), &s[i]));
		/* resolve gave the binned sizes: now the centre. */
		s[i].first = s[i].size[order[i]] / 2;
		total += s[i].width * s[i].height;
		cw += s[i].width;
		ch = s[i].height > ch ? s[i].height : ch;
	}
	check(tomo_scratch_alloc(&st, total, c->memory));
	for (int i = 0, off = 0; i < 3; off += (int)(s[i].width * s[i].height), i++)
		r[i] = (struct tomo_slice_req){&s[i], 0, 1, st.data + off};
	pr->before = 0;
	pr->chunk = 1;
	check(tomo_slice_read(in, r, 3, on_progress, pr));
	tomo_progress_end(&pr->bar);
	find_window(a, &st, total, c, w, &approx);
	text_init(&t, in, a, w, approx);
	text_add(&t, "Axis", "z,y,x");
	text_add(&t, "Index", "%lld,%lld,%lld", (long long)s[0].first, (long long)s[1].first,
	         (long long)s[2].first);

	unsigned char *canvas = calloc((size_t)(cw * ch), (size_t)bpp);
	unsigned char *pix = malloc((size_t)(total * bpp));
	if (!canvas || !pix)
		tomo_die(TOMO_ERR, "out of memory for an image of %lld x %lld", (long long)cw,
		         (long long)ch);
	nan = tomo_window_apply(st.data, (size_t)total, w[0], w[1], o->bits, pix);
	for (int64_t i = 0, x = 0, off = 0; i < 3; i++) {
		paste(canvas, cw, x, 0, pix + off * bpp, s[i].width, s[i].height, bpp);
		x += s[i].width + GAP;
		off += s[i].width * s[i].height;
	}
	write_one(o->spec, o, cw, ch, 1, &t, canvas);
	free(canvas);
	free(pix);
	tomo_scratch_free(&st);
	warn_nan(nan);
}

int
main(int argc, char **argv)
{
	struct tomo_common c;
	struct args a = {.axis = -1};
	struct outspec o;
	struct tomo_input *in;
	struct progress pr = {0};

	tomo_tool_init("tomo-slice");
	tomo_opt_parse(&tool, argc, argv, &c, handle, &a);
	check_args(&a, &c, &o);

	/* One plain slice (or the three of --ortho) reads each HDF5 chunk once:
	 * no chunk cache beyond HDF5's 1 MiB, so the resident set stays small.
	 * Stacks and bins revisit chunks plane after plane: a cache of up to
	 * half of --memory. */
	const int once = a.bin == 1 && (a.has_index || a.ortho);
	struct tomo_input_opts io = {.shape = c.shape, .chunk_cache = once ? 1 : c.memory / 2};
	check(tomo_input_open(c.input, &io, &in));
	if (a.ortho) {
		tomo_progress_start(&pr.bar, &c, "slicing", NULL, 1000);
		write_ortho(in, &o, &a, &c, &pr);
	} else {
		struct tomo_slice_sel s = {
			.axis = a.axis,
			.bin = a.bin,
			.first = 0,
			.step = 1,
			.count = -1,
			.crop = a.crop,
			.col0 = a.col0,
			.col1 = a.col1,
			.row0 = a.row0,
			.row1 = a.row1,
		};
		if (a.has_index) {
			s.first = a.index;
			s.count = 1;
		} else if (a.has_range) {
			s.first = a.ra;
			s.step = a.rstep;
			s.count = (a.rb - a.ra + a.rstep - 1) / a.rstep;
		}
		check(tomo_slice_resolve(tomo_input_header(in), &s));
		/* --part: its slices of the selection (images are named by their
		 * index; a float32 stack is written at its place) */
		int64_t k0, k1;
		tomo_part_range(s.count, 1, c.part, c.nparts, &k0, &k1);
		if (o.image) {
			s.first += k0 * s.step;
			s.count = k1 - k0;
			k0 = 0, k1 = s.count;
		}
		tomo_verbose("%lld slice(s) along %c of %lld x %lld%s", (long long)s.count,
		             "xyz"[s.axis], (long long)s.width, (long long)s.height,
		             a.bin > 1 ? " after binning" : "");
		tomo_progress_start(&pr.bar, &c, "slicing", NULL, 1000 * (k1 - k0));
		if (o.image)
			write_images(in, &s, &o, &a, &c, &pr);
		else
			write_stream(in, &s, k0, k1, &o, &c, &pr);
	}
	tomo_progress_end(&pr.bar);
	tomo_input_close(in);
	free(o.pre);
	free(o.post);
	return 0;
}
