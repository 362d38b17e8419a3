/*
 * output: create any supported output by name (through the table of
 * lib/format.c) and take boxes in: the whole output, or one part of it
 * (tomo_output_open_region) that several processes write side by side.
 * This file owns the checks, the bookkeeping of what was written and the
 * non-finite count; each back-end (output_raw.c, output_npy.c,
 * output_tiff.c, output_hdf5.c) encodes and owns its commit: the rename of
 * its temporary file (output_file.c), or a directory store's metadata.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "io_impl.h"
#include "tomo/err.h"

static const char terminal_msg[] = "refusing to write binary data to a terminal "
                                   "(use -o FILE or a pipe)";

/* The format and file of spec: "out.h5:/group/data" is a file and a
 * dataset (default /data) when the part before ":/" names a format that
 * holds datasets; else spec is the file. A name of a format not written is
 * refused (TOMO_EUSAGE) unless images allows tomo-slice's images (*f is
 * then NULL). No known extension: the default format. */
static int
classify(const char *spec, int images, char **file, char **dataset,
         const struct tomo_format **f)
{
	const char *colon = strstr(spec, ":/");
	char list[256];

	*file = *dataset = NULL;
	if (colon) {
		if (!(*file = strndup(spec, (size_t)(colon - spec))))
			return tomo_error(TOMO_ERR, "out of memory");
		*f = tomo_format_by_ext(*file);
		if (*f && ((*f)->flags & TOMO_FMT_DATASET)) {
			if (!(*dataset = strdup(colon + 1)))
				return tomo_error(TOMO_ERR, "out of memory");
			return TOMO_OK;
		}
		free(*file);
	}
	if (!(*file = strdup(spec)))
		return tomo_error(TOMO_ERR, "out of memory");
	*f = tomo_format_by_ext(*file);
	if (*f && ((*f)->flags & TOMO_FMT_DATASET) && !(*dataset = strdup("/data")))
		return tomo_error(TOMO_ERR, "out of memory");
	if (*f && !(*f)->open_output) {
		if (images && ((*f)->image == TOMO_IMAGE_PNG || (*f)->image == TOMO_IMAGE_PGM)) {
			*f = NULL;
			return TOMO_OK;
		}
		if ((*f)->refusal)
			return tomo_error(TOMO_EUSAGE, "'%s': %s", *file, (*f)->refusal);
		tomo_format_list(list, sizeof list, TOMO_FORMATS_WRITTEN, TOMO_FORMAT_EXT, " or ");
		return tomo_error(TOMO_EUSAGE, "'%s': images are written by tomo-slice; use %s",
		                  *file, list);
	}
	if (!*f)
		*f = tomo_format_with(TOMO_FMT_DEFAULT);
	return TOMO_OK;
}

static void
release(struct tomo_output *o)
{
	tomo_header_free(&o->hdr);
	free(o->path);
	free(o->dataset);
	free(o->rows);
	free(o->partial);
	free(o);
}

/* A new output of h's sizes, the region its whole; the bookkeeping of
 * rows written. */
static int
output_new(const struct tomo_header *h, const struct tomo_box *region, struct tomo_output **out)
{
	struct tomo_output *o = calloc(1, sizeof *o);
	int64_t count, rows;

	if (!o)
		return tomo_error(TOMO_ERR, "out of memory");
	o->fd = -1;
	tomo_header_init(&o->hdr);
	if (tomo_header_copy(&o->hdr, h)) {
		free(o);
		return TOMO_ERR;
	}
	if (tomo_header_count(&o->hdr, &count)) {
		release(o);
		return TOMO_ERR;
	}
	memcpy(o->whole, h->size, sizeof o->whole);
	o->region = region ? *region
	                   : (struct tomo_box){0, h->size[0], 0, h->size[1], 0, h->size[2]};
	o->next_z = o->region.z0;
	rows = o->region.ny * o->region.nz;
	if (!(o->rows = calloc((size_t)(rows + 7) / 8 + 1, 1))) {
		release(o);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	*out = o;
	return TOMO_OK;
}

/* Where spec goes: stdout (a terminal refused), an existing device or
 * FIFO, or a name; its format and file. */
static int
place(struct tomo_output *o, const char *spec)
{
	struct stat st;
	int rc;

	if (!spec || !strcmp(spec, "-")) {
		if (isatty(1))
			return tomo_error(TOMO_EUSAGE, terminal_msg);
		o->target = TOMO_TARGET_STDOUT;
		o->format = tomo_format_with(TOMO_FMT_DEFAULT);
		return TOMO_OK;
	}
	if ((rc = classify(spec, 0, &o->path, &o->dataset, &o->format)))
		return rc;
	o->target = stat(o->path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)
	                    ? TOMO_TARGET_DEVICE
	                    : TOMO_TARGET_FILE;
	return TOMO_OK;
}

int
tomo_output_open(const char *spec, const struct tomo_header *h, struct tomo_output **out)
{
	struct tomo_output *o = NULL;
	int rc;

	if ((rc = output_new(h, NULL, &o)))
		return rc;
	if ((rc = place(o, spec)) || (rc = o->format->open_output(o))) {
		release(o);
		return rc;
	}
	*out = o;
	return TOMO_OK;
}

static int
box_inside(const struct tomo_box *b, const struct tomo_box *in)
{
	return b->nx >= 0 && b->ny >= 0 && b->nz >= 0 && b->x0 >= in->x0 && b->y0 >= in->y0 &&
	       b->z0 >= in->z0 && b->x0 + b->nx <= in->x0 + in->nx &&
	       b->y0 + b->ny <= in->y0 + in->ny && b->z0 + b->nz <= in->z0 + in->nz;
}

static int
box_error(const char *name, const char *what, const struct tomo_box *b, const char *where,
          const struct tomo_box *g)
{
	return tomo_error(TOMO_ERR,
	                  "%s: %s x %lld+%lld y %lld+%lld z %lld+%lld is outside %s x "
	                  "%lld+%lld y %lld+%lld z %lld+%lld",
	                  name, what, (long long)b->x0,
	                  (long long)b->nx, (long long)b->y0, (long long)b->ny, (long long)b->z0,
	                  (long long)b->nz, where, (long long)g->x0, (long long)g->nx,
	                  (long long)g->y0, (long long)g->ny, (long long)g->z0, (long long)g->nz);
}

/* o->hdr as the stream of a part: the region's sizes and its place, the
 * angles of projections (z) or sinograms (y) cut to it. */
static int
part_header(struct tomo_output *o)
{
	const struct tomo_box *r = &o->region;
	struct tomo_header *h = &o->hdr;
	char place[200];
	int rc = TOMO_OK;

	if (h->kind == TOMO_KIND_PROJECTIONS && h->nangles == o->whole[2])
		rc = tomo_header_set_angles(h, h->angles + r->z0, r->nz);
	else if (h->kind == TOMO_KIND_SINOGRAMS && h->nangles == o->whole[1])
		rc = tomo_header_set_angles(h, h->angles + r->y0, r->ny);
	h->size[0] = r->nx;
	h->size[1] = r->ny;
	h->size[2] = r->nz;
	snprintf(place, sizeof place, "%lld %lld %lld %lld %lld %lld", (long long)r->x0,
	         (long long)r->y0, (long long)r->z0, (long long)o->whole[0],
	         (long long)o->whole[1], (long long)o->whole[2]);
	if (rc == TOMO_OK)
		rc = tomo_header_set_kv(h, TOMO_REGION_KEY, place);
	memcpy(o->origin, (int64_t[3]){r->x0, r->y0, r->z0}, sizeof o->origin);
	return rc;
}

int
tomo_output_open_region(const char *spec, const struct tomo_header *h,
                        const struct tomo_box *region, struct tomo_output **out)
{
	const struct tomo_box whole = {0, h->size[0], 0, h->size[1], 0, h->size[2]};
	struct tomo_output *o = NULL;
	char list[256];
	int rc;

	if (!box_inside(region, &whole))
		return box_error(spec && strcmp(spec, "-") ? spec : "<stdout>", "part", region,
		                 "the whole", &whole);
	if (!memcmp(region, &whole, sizeof whole))
		return tomo_output_open(spec, h, out);
	if ((rc = output_new(h, region, &o)) || (rc = place(o, spec)))
		goto fail;
	if (!(o->format->flags & TOMO_FMT_IN_PLACE)) {
		tomo_format_list(list, sizeof list, TOMO_FORMATS_IN_PLACE, TOMO_FORMAT_HINT, " or ");
		rc = tomo_error(TOMO_EUSAGE, "'%s': %s is not written in parts; parts are written into %s",
		                o->path, o->format->label, list);
		goto fail;
	}
	if ((rc = tomo_header_set_kv(&o->hdr, TOMO_REGION_KEY, NULL)))
		goto fail;
	if (o->target == TOMO_TARGET_FILE) {
		o->in_place = 1;
	} else if (!region->nx || !region->ny || !region->nz) {
		rc = tomo_error(TOMO_ERR, "%s: the part x %lld+%lld y %lld+%lld z %lld+%lld holds no "
		                "sample to stream", tomo_output_name(o), (long long)region->x0,
		                (long long)region->nx, (long long)region->y0, (long long)region->ny,
		                (long long)region->z0, (long long)region->nz);
		goto fail;
	} else if ((rc = part_header(o))) {
		goto fail;
	}
	if ((rc = o->format->open_output(o)))
		goto fail;
	*out = o;
	return TOMO_OK;
fail:
	if (o)
		release(o);
	return rc;
}

/* Count NaN and Inf by their exponent bits: vectorises, unlike isfinite. */
static int64_t
count_nonfinite(const float *p, size_t n)
{
	int64_t c = 0;

	/* Threads past a few MiB: one core scans ~6 GB/s, and a GPU produces
	 * a 2048^3 volume (34 GB) faster than that (5 s of 10 on an H100). */
#pragma omp parallel for reduction(+ : c) schedule(static) if (n > ((size_t)1 << 20))
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, p + i, 4);
		c += (u & 0x7f800000u) == 0x7f800000u;
	}
	return c;
}

static int
row_done(const struct tomo_output *o, int64_t r)
{
	return o->rows[r >> 3] >> (r & 7) & 1;
}

/* Note box b (inside the region) as written. */
static int
mark(struct tomo_output *o, const struct tomo_box *b)
{
	const struct tomo_box *g = &o->region;

	if (b->x0 != g->x0 || b->nx != g->nx) {
		/* Rows written in pieces: checked at close. */
		if (o->npartial == o->partial_cap) {
			int64_t cap = o->partial_cap ? 2 * o->partial_cap : 16;
			struct tomo_box *p = realloc(o->partial, (size_t)cap * sizeof *p);
			if (!p)
				return tomo_error(TOMO_ERR, "out of memory");
			o->partial = p;
			o->partial_cap = cap;
		}
		o->partial[o->npartial++] = *b;
		return TOMO_OK;
	}
	for (int64_t z = b->z0; z < b->z0 + b->nz; z++)
		for (int64_t y = b->y0; y < b->y0 + b->ny; y++) {
			int64_t r = (z - g->z0) * g->ny + (y - g->y0);
			o->rows[r >> 3] |= (unsigned char)(1 << (r & 7));
		}
	return TOMO_OK;
}

/* Write box b (checked to lie in the region) through the back-end. */
static int
write_checked(struct tomo_output *o, const struct tomo_box *b, const float *data)
{
	struct tomo_box d = *b;
	int rc;

	if (!b->nx || !b->ny || !b->nz)
		return TOMO_OK;
	o->nonfinite += count_nonfinite(data, (size_t)(b->nx * b->ny * b->nz));
	d.x0 -= o->origin[0];
	d.y0 -= o->origin[1];
	d.z0 -= o->origin[2];
	if ((rc = o->ops->write(o, &d, data)) || (rc = mark(o, b)))
		return rc;
	if (b->z0 + b->nz > o->next_z)
		o->next_z = b->z0 + b->nz;
	return TOMO_OK;
}

int
tomo_output_write(struct tomo_output *o, int64_t z0, int64_t nz, const float *planes)
{
	const struct tomo_box *g = &o->region;
	const struct tomo_box b = {g->x0, g->nx, g->y0, g->ny, z0, nz};

	if (z0 < g->z0 || nz < 0 || z0 + nz > g->z0 + g->nz)
		return tomo_error(TOMO_ERR, "%s: planes %lld..%lld are outside %lld..%lld",
		                  tomo_output_name(o), (long long)z0, (long long)(z0 + nz),
		                  (long long)g->z0, (long long)(g->z0 + g->nz));
	if (o->sequential && z0 != o->next_z)
		return tomo_error(TOMO_ERR, "%s: plane %lld written out of order (expected %lld)",
		                  tomo_output_name(o), (long long)z0, (long long)o->next_z);
	return write_checked(o, &b, planes);
}

int
tomo_output_write_box(struct tomo_output *o, const struct tomo_box *b, const float *data)
{
	const struct tomo_box *g = &o->region;

	if (!box_inside(b, g))
		return box_error(tomo_output_name(o), "box", b, "the output's part", g);
	if (o->sequential && b->nx && b->ny && b->nz &&
	    (b->x0 != g->x0 || b->nx != g->nx || b->y0 != g->y0 || b->ny != g->ny ||
	     b->z0 != o->next_z))
		return tomo_error(TOMO_ERR,
		                  "%s: box x %lld+%lld y %lld+%lld z %lld+%lld written out of order "
		                  "(this output takes whole planes in order, plane %lld next)",
		                  tomo_output_name(o), (long long)b->x0, (long long)b->nx,
		                  (long long)b->y0, (long long)b->ny, (long long)b->z0,
		                  (long long)b->nz, (long long)o->next_z);
	return write_checked(o, b, data);
}

int64_t
tomo_output_nonfinite(const struct tomo_output *o)
{
	return o->nonfinite;
}

static int
cmp_x0(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* 1 when the boxes written in pieces cover row (z, y) of the region. */
static int
pieces_cover(const struct tomo_output *o, int64_t z, int64_t y, int64_t (*span)[2])
{
	const struct tomo_box *g = &o->region;
	int64_t n = 0, end = g->x0;

	for (int64_t i = 0; i < o->npartial; i++) {
		const struct tomo_box *p = &o->partial[i];
		if (z >= p->z0 && z < p->z0 + p->nz && y >= p->y0 && y < p->y0 + p->ny) {
			span[n][0] = p->x0;
			span[n++][1] = p->x0 + p->nx;
		}
	}
	qsort(span, (size_t)n, sizeof *span, cmp_x0);
	for (int64_t i = 0; i < n && span[i][0] <= end; i++)
		if (span[i][1] > end)
			end = span[i][1];
	return end >= g->x0 + g->nx;
}

/* TOMO_OK when every sample of the region was written, else an error
 * naming the first plane (or row) missing. */
static int
check_written(const struct tomo_output *o)
{
	const struct tomo_box *g = &o->region;
	int64_t (*span)[2] = NULL;
	int rc = TOMO_OK;

	if (!g->nx || !g->ny || !g->nz)
		return TOMO_OK;
	if (o->npartial && !(span = malloc((size_t)o->npartial * sizeof *span)))
		return tomo_error(TOMO_ERR, "out of memory");
	for (int64_t z = 0; z < g->nz && rc == TOMO_OK; z++) {
		int64_t missing = -1, first = -1;
		for (int64_t y = 0; y < g->ny; y++)
			if (!row_done(o, z * g->ny + y) &&
			    !(span && pieces_cover(o, g->z0 + z, g->y0 + y, span))) {
				missing++;
				if (first < 0)
					first = y;
			}
		if (missing + 1 == g->ny)
			rc = tomo_error(TOMO_ERR, "%s: plane %lld of %lld was never written",
			                tomo_output_name(o), (long long)(g->z0 + z),
			                (long long)o->whole[2]);
		else if (first >= 0)
			rc = tomo_error(TOMO_ERR, "%s: row %lld of plane %lld was never written",
			                tomo_output_name(o), (long long)(g->y0 + first),
			                (long long)(g->z0 + z));
	}
	free(span);
	return rc;
}

int
tomo_output_close(struct tomo_output *o)
{
	int rc = check_written(o);

	if (rc == TOMO_OK)
		rc = o->ops->commit(o);
	else
		o->ops->abort(o);
	release(o);
	return rc;
}

void
tomo_output_abort(struct tomo_output *o)
{
	if (!o)
		return;
	o->ops->abort(o);
	release(o);
}

int
tomo_output_check(const char *spec, unsigned flags)
{
	const int images = flags & TOMO_OUTPUT_IMAGES;
	const struct tomo_format *f;
	char *file = NULL, *dataset = NULL, *dir;
	struct stat st;
	int rc = TOMO_OK;

	if (!spec || !strcmp(spec, "-"))
		return isatty(1) ? tomo_error(TOMO_EUSAGE, terminal_msg) : TOMO_OK;
	if ((rc = classify(spec, images, &file, &dataset, &f)))
		goto out;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = tomo_error(TOMO_ERR, "'%s' is a directory", file);
		goto out;
	}
	if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device or FIFO, written in place whatever its name. */
		if (access(file, W_OK))
			rc = tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", file);
		goto out;
	}
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	const char *dot = strrchr(base, '.');
	if (dot && dot != base && !tomo_format_by_ext(base)) {
		char list[256], more[64] = "";
		tomo_format_list(list, sizeof list, TOMO_FORMATS_WRITTEN, TOMO_FORMAT_HINT, ", ");
		if (images) {
			strcpy(more, ", ");
			tomo_format_list(more + 2, sizeof more - 2, TOMO_FORMATS_IMAGES,
			                 TOMO_FORMAT_EXT, " or ");
		}
		rc = tomo_error(TOMO_EUSAGE, "'%s': '%s' is not a format tomo writes; use %s%s", spec,
		                dot, list, more);
		goto out;
	}
	/* The file is written beside its name and renamed into place. */
	dir = strdup(file);
	if (!dir) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto out;
	}
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = 0;
	if (access(slash ? dir : ".", W_OK | X_OK))
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot create '%s'", file);
	free(dir);
out:
	free(file);
	free(dataset);
	return rc;
}
