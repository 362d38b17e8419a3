/*
 * tomo-info: say what a stream or file holds: format, kind, sizes, type,
 * metadata, an angle summary, and with --stats the value statistics; for a
 * scan file (DXchange, NXtomo), what the scan reader finds in it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/tomo.h"
#include "tomo/scan.h"
#include "tomo/stats.h"
#include "tomo/tool.h"

enum { OPT_STATS = 256, OPT_JSON };

static const struct tomo_opt opts[] = {
	{"stats", 's', NULL, "also read every sample: min, max, mean, std, NaN and Inf counts", 's'},
	{"json", 0, NULL, "print one JSON object per input instead of text", OPT_JSON},
	{NULL, 0, NULL, NULL, 0},
};

static const struct tomo_tool tool = {
	"tomo-info", "[options] [INPUT...]",
	"Describe tomography streams and files: format, sizes, metadata, statistics.",
	TOMO_COMMON_SHAPE | TOMO_COMMON_MEMORY | TOMO_COMMON_THREADS |
		TOMO_COMMON_PROGRESS,
	opts, 4096,
};

struct args {
	int stats, json;
};

static void
handle(void *ctx, int key, const char *arg)
{
	struct args *a = ctx;
	(void)arg;
	if (key == 's')
		a->stats = 1;
	else if (key == OPT_JSON)
		a->json = 1;
}

static const char *const axis_names[][3] = {
	[TOMO_KIND_UNKNOWN] = {"x", "y", "z"},
	[TOMO_KIND_PROJECTIONS] = {"column", "row", "angle"},
	[TOMO_KIND_SINOGRAMS] = {"column", "angle", "row"},
	[TOMO_KIND_VOLUME] = {"x", "y", "slice"},
};

/* Evenly spaced angles: the step, or NAN when they are not. */
static double
angle_step(const double *a, int64_t n)
{
	if (n < 2)
		return NAN;
	double step = (a[n - 1] - a[0]) / (double)(n - 1);
	for (int64_t i = 1; i < n; i++)
		if (fabs(a[i] - a[i - 1] - step) > 1e-6 * fmax(1, fabs(step)))
			return NAN;
	return step;
}

static void
json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void
json_real(const char *key, double v, int comma)
{
	printf("%s\"%s\": ", comma ? ", " : "", key);
	if (isfinite(v))
		printf("%.17g", v);
	else
		printf("null");
}

static int
compute_stats(struct tomo_input *in, const struct tomo_common *c,
              struct tomo_stats *st)
{
	const struct tomo_header *h = tomo_input_header(in);
	int64_t plane = h->size[0] * h->size[1];
	int64_t slab = tomo_slab_planes(plane * 4, c->memory / 4 < (256 << 20)
	                                                  ? c->memory / 4
	                                                  : (256 << 20),
	                                h->size[2]);
	float *buf = malloc((size_t)(slab * plane) * sizeof *buf);
	struct tomo_progress pr;

	if (!buf)
		return tomo_error(TOMO_ERR, "out of memory for a slab of %lld planes",
		                  (long long)slab);
	tomo_stats_init(st);
	tomo_progress_start(&pr, c, "statistics", "planes", h->size[2]);
	for (int64_t z = 0; z < h->size[2]; z += slab) {
		int64_t n = z + slab > h->size[2] ? h->size[2] - z : slab;
		if (tomo_input_read_planes(in, z, n, buf)) {
			free(buf);
			return TOMO_ERR;
		}
		tomo_stats_add(st, buf, (size_t)(n * plane));
		tomo_progress_add(&pr, n);
	}
	tomo_progress_end(&pr);
	free(buf);
	return TOMO_OK;
}

/* A scan file's projections: what the scan reader (tomo-flat's) finds in
 * it, or NULL for other inputs and for a scan's dataset named in the path
 * (tomo_input_scan_info alone describes those). */
static struct tomo_scan_input *
open_scan(const struct tomo_input *in, const char *path)
{
	struct tomo_scan_input *s;
	int rc;

	if (!tomo_input_scan_info(in))
		return NULL;
	if ((rc = tomo_scan_open(path, &(struct tomo_scan_opts){.describe = 1}, &s)))
		tomo_die_lib(rc);
	if (s->layout == TOMO_SCAN_PLAIN) {
		tomo_scan_close(s);
		return NULL;
	}
	return s;
}

/* The header to describe: a scan's carries the beam the file records. */
static const struct tomo_header *
described(const struct tomo_input *in, const struct tomo_scan_input *s)
{
	return s ? &s->hdr : tomo_input_header(in);
}

/* The angles of the projections: the scan's, else the input's. */
static const double *
angles_of(const struct tomo_input *in, const struct tomo_scan_input *s, int64_t *n)
{
	if (s && s->angles) {
		*n = s->proj.n;
		return s->angles;
	}
	*n = tomo_input_header(in)->nangles;
	return tomo_input_header(in)->angles;
}

static void
print_scan(const struct tomo_input *in, const struct tomo_scan_input *s)
{
	const struct tomo_input_scan *sc = tomo_input_scan_info(in);

	printf("scan:        %s, %lld projections, %lld flats, %lld darks in '%s'%s\n",
	       sc->layout, (long long)sc->projections, (long long)sc->flats,
	       (long long)sc->darks, sc->dataset,
	       sc->raw ? " (detector counts: correct them with tomo-flat)" : "");
	if (!s)
		return;
	printf("             %s\n", s->where);
	printf("             %s\n", s->proj.name);
	for (int i = 0; i < s->nflats; i++)
		printf("             %s\n", s->flats[i].name);
	for (int i = 0; i < s->ndarks; i++)
		printf("             %s\n", s->darks[i].name);
}

static void
print_text(struct tomo_input *in, const struct tomo_scan_input *s, const struct args *a,
           const struct tomo_stats *st)
{
	const struct tomo_header *h = described(in, s);
	const char *const *ax = axis_names[h->kind];
	int64_t nangles;
	const double *angles = angles_of(in, s, &nangles);
	char num[64];

	printf("file:        %s\n", tomo_input_name(in));
	printf("format:      %s, %s%s\n", tomo_input_format(in),
	       tomo_dtype_name(tomo_input_dtype(in)),
	       tomo_input_mapped(in) ? ", memory-mapped" : "");
	printf("kind:        %s\n", tomo_kind_name(h->kind));
	printf("quantity:    %s\n", tomo_quantity_name(h->quantity));
	printf("sizes:       %lld x %lld x %lld (%s, %s, %s)\n",
	       (long long)h->size[0], (long long)h->size[1], (long long)h->size[2],
	       ax[0], ax[1], ax[2]);
	printf("samples:     %lld (%.3g GB as float32)\n",
	       (long long)(h->size[0] * h->size[1] * h->size[2]),
	       4e-9 * (double)(h->size[0] * h->size[1] * h->size[2]));
	if (tomo_input_scan_info(in))
		print_scan(in, s);
	if (nangles > 0) {
		double step = angle_step(angles, nangles);
		printf("angles:      %lld, %g to %g degrees", (long long)nangles, angles[0],
		       angles[nangles - 1]);
		if (!isnan(step))
			printf(", evenly spaced by %g", step);
		else if (nangles > 1)
			printf(", unevenly spaced");
		printf("\n");
	}
	if (!isnan(h->pixel_size))
		printf("pixel size:  %g m\n", h->pixel_size);
	if (!isnan(h->energy))
		printf("energy:      %g keV\n", h->energy);
	if (!isnan(h->distance))
		printf("distance:    %g m\n", h->distance);
	if (!isnan(h->center)) {
		tomo_format_double(num, sizeof num, h->center);
		printf("center:      %s\n", num);
	}
	for (int i = 0; i < h->nkv; i++)
		printf("%s:=%s\n", h->kv[i].key, h->kv[i].value);
	if (a->stats) {
		printf("min:         %.9g\n", st->min);
		printf("max:         %.9g\n", st->max);
		printf("mean:        %.9g\n", tomo_stats_mean(st));
		printf("std:         %.9g\n", tomo_stats_std(st));
		printf("nan:         %lld\n", (long long)st->nan);
		printf("inf:         %lld\n", (long long)st->inf);
	}
}

static void
json_scan(const struct tomo_input *in, const struct tomo_scan_input *s)
{
	const struct tomo_input_scan *sc = tomo_input_scan_info(in);

	printf(", \"scan\": {\"layout\": \"%s\", \"dataset\": ", sc->layout);
	json_string(sc->dataset);
	printf(", \"frames\": %lld, \"projections\": %lld, \"flats\": %lld, "
	       "\"darks\": %lld, \"raw\": %s",
	       (long long)sc->frames, (long long)sc->projections, (long long)sc->flats,
	       (long long)sc->darks, sc->raw ? "true" : "false");
	if (s) {
		printf(", \"where\": ");
		json_string(s->where);
		printf(", \"flat_groups\": [");
		for (int i = 0; i < s->nflats; i++)
			printf("%s%lld", i ? ", " : "", (long long)s->flats[i].n);
		printf("]");
	}
	printf("}");
}

static void
print_json(struct tomo_input *in, const struct tomo_scan_input *s, const struct args *a,
           const struct tomo_stats *st)
{
	const struct tomo_header *h = described(in, s);
	int64_t nangles;
	const double *angles = angles_of(in, s, &nangles);

	printf("{\"file\": ");
	json_string(tomo_input_name(in));
	printf(", \"format\": \"%s\", \"type\": \"%s\", \"kind\": \"%s\", "
	       "\"quantity\": \"%s\", \"sizes\": [%lld, %lld, %lld]",
	       tomo_input_format(in), tomo_dtype_name(tomo_input_dtype(in)),
	       tomo_kind_name(h->kind), tomo_quantity_name(h->quantity),
	       (long long)h->size[0], (long long)h->size[1], (long long)h->size[2]);
	if (tomo_input_scan_info(in))
		json_scan(in, s);
	if (nangles > 0) {
		printf(", \"angles\": [");
		for (int64_t i = 0; i < nangles; i++)
			printf("%s%.17g", i ? ", " : "", angles[i]);
		printf("]");
	}
	json_real("pixel_size", h->pixel_size, 1);
	json_real("energy", h->energy, 1);
	json_real("distance", h->distance, 1);
	json_real("center", h->center, 1);
	printf(", \"keys\": {");
	for (int i = 0; i < h->nkv; i++) {
		printf("%s", i ? ", " : "");
		json_string(h->kv[i].key);
		printf(": ");
		json_string(h->kv[i].value);
	}
	printf("}");
	if (a->stats) {
		json_real("min", st->min, 1);
		json_real("max", st->max, 1);
		json_real("mean", tomo_stats_mean(st), 1);
		json_real("std", tomo_stats_std(st), 1);
		printf(", \"nan\": %lld, \"inf\": %lld", (long long)st->nan,
		       (long long)st->inf);
	}
	printf("}\n");
}

int
main(int argc, char **argv)
{
	struct tomo_common c;
	struct args a = {0};
	int n;

	tomo_tool_init("tomo-info");
	tomo_opt_parse(&tool, argc, argv, &c, handle, &a);
	n = c.noperands ? c.noperands : 1;
	for (int i = 0; i < n; i++) {
		const char *path = c.noperands ? c.operands[i] : "-";
		struct tomo_input_opts io = {.shape = c.shape};
		struct tomo_input *in;
		struct tomo_stats st;
		int rc;

		if ((rc = tomo_input_open(path, &io, &in)))
			tomo_die_lib(rc);
		struct tomo_scan_input *s = open_scan(in, path);
		if (a.stats && compute_stats(in, &c, &st))
			tomo_die_lib(TOMO_ERR);
		if (i && !a.json)
			printf("\n");
		if (a.json)
			print_json(in, s, &a, &st);
		else
			print_text(in, s, &a, &st);
		tomo_scan_close(s);
		tomo_input_close(in);
	}
	if (fflush(stdout) || ferror(stdout))
		tomo_die(TOMO_ERR, "cannot write to stdout");
	return 0;
}
