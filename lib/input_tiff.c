/*
 * input_tiff: TIFF inputs: one multi-page file (page = plane), a directory
 * of single-page files or a glob (file = plane, names in natural order).
 * Every page is checked at open (one sample of 8..64 bits, same size and
 * type); reads decode only the strips or tiles that cover the box asked for.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tiffio.h>

#include "io_impl.h"
#include "tiff_common.h"
#include "tomo/err.h"

struct layout {
	uint32_t width, height;
	enum tomo_dtype dtype;
};

struct tiffsrc {
	char **files; /* one per plane (directory, glob); NULL: multi-page */
	int64_t nfiles;
	uint64_t *dir_off; /* multi-page: each plane's directory offset */
	TIFF *tif;         /* the open file */
	int64_t cur;       /* the plane whose directory (or file) is current */
	struct layout lay; /* of the first page; every page matches it */
	unsigned char *buf;
	size_t buf_len;
};

/* Compare names with digit runs taken as numbers: raw_2 < raw_10. */
static int
natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t na = 0, nb = 0;
			while (isdigit((unsigned char)a[na]))
				na++;
			while (isdigit((unsigned char)b[nb]))
				nb++;
			if (na != nb)
				return na < nb ? -1 : 1;
			int c = strncmp(a, b, na);
			if (c)
				return c;
			a += na;
			b += nb;
		} else {
			if (*a != *b)
				return (unsigned char)*a - (unsigned char)*b;
			a++;
			b++;
		}
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int
natcmp_sort(const void *pa, const void *pb)
{
	const char *a = *(char *const *)pa, *b = *(char *const *)pb;
	int c = natcmp(a, b);
	return c ? c : strcmp(a, b); /* raw_01 and raw_1: still a fixed order */
}

static void
free_files(char **files, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

static int
tiff_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	/* Hidden files are skipped, as a shell's *.tif would. */
	return d->d_name[0] != '.' && ((n > 4 && !strcasecmp(d->d_name + n - 4, ".tif")) ||
	                               (n > 5 && !strcasecmp(d->d_name + n - 5, ".tiff")));
}

static int
list_dir(const char *dir, char ***files, int64_t *n)
{
	struct dirent **ents;
	int k = scandir(dir, &ents, tiff_name, NULL);
	size_t dl = strlen(dir);
	int rc = TOMO_OK;

	if (k < 0)
		return tomo_error_sys(TOMO_ERR, errno, "cannot read directory '%s'", dir);
	if (k == 0) {
		free(ents);
		return tomo_error(TOMO_ERR, "no .tif or .tiff files in directory '%s'", dir);
	}
	*files = calloc((size_t)k, sizeof **files);
	for (int i = 0; i < k; i++) {
		if (*files && rc == TOMO_OK &&
		    asprintf(&(*files)[i], "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
		             ents[i]->d_name) < 0) {
			(*files)[i] = NULL;
			rc = TOMO_ERR;
		}
		free(ents[i]);
	}
	free(ents);
	if (!*files || rc) {
		if (*files)
			free_files(*files, k);
		return tomo_error(TOMO_ERR, "out of memory listing '%s'", dir);
	}
	qsort(*files, (size_t)k, sizeof **files, natcmp_sort);
	*n = k;
	return TOMO_OK;
}

static int
list_glob(const char *pattern, char ***files, int64_t *n)
{
	glob_t g;
	int e = glob(pattern, 0, NULL, &g);

	if (e == GLOB_NOMATCH)
		return tomo_error(TOMO_ERR, "no files match '%s'", pattern);
	if (e) {
		globfree(&g);
		return tomo_error(TOMO_ERR, "cannot expand '%s'%s", pattern,
		                  e == GLOB_NOSPACE ? ": out of memory"
		                                    : ": a directory is unreadable");
	}
	*files = calloc(g.gl_pathc, sizeof **files);
	for (size_t i = 0; *files && i < g.gl_pathc; i++)
		if (!((*files)[i] = strdup(g.gl_pathv[i]))) {
			free_files(*files, (int64_t)i);
			*files = NULL;
		}
	*n = (int64_t)g.gl_pathc;
	globfree(&g);
	if (!*files)
		return tomo_error(TOMO_ERR, "out of memory expanding '%s'", pattern);
	qsort(*files, (size_t)*n, sizeof **files, natcmp_sort);
	return TOMO_OK;
}

/* "'f.tif' page 3" for a multi-page file, "'dir/f.tif'" for a file of a
 * directory or glob. */
static const char *
where(const struct tiffsrc *t, const char *file, int64_t page)
{
	static _Thread_local char buf[4200];
	if (t->files)
		snprintf(buf, sizeof buf, "'%s'", file);
	else
		snprintf(buf, sizeof buf, "'%s' page %lld", file, (long long)page);
	return buf;
}

/* The sample type of the current directory, or an error saying why it is
 * not one we read. */
static int
page_layout(TIFF *tif, const char *w, struct layout *l)
{
	uint16_t spp, bits, fmt, photo;
	uint32_t depth;

	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &l->width) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &l->height) || !l->width || !l->height)
		return tomo_error(TOMO_ERR, "%s has no image size", w);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
	TIFFGetFieldDefaulted(tif, TIFFTAG_IMAGEDEPTH, &depth);
	if (spp != 1)
		return tomo_error(TOMO_ERR,
		                  "%s has %u samples per pixel (RGB or "
		                  "multi-channel); only one is supported",
		                  w, spp);
	if (TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo) && photo == PHOTOMETRIC_PALETTE)
		return tomo_error(TOMO_ERR,
		                  "%s is a palette (colour-mapped) image; only "
		                  "greyscale is supported",
		                  w);
	if (TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo) && photo != PHOTOMETRIC_MINISBLACK &&
	    photo != PHOTOMETRIC_MINISWHITE)
		return tomo_error(TOMO_ERR,
		                  "%s has photometric interpretation %u; only "
		                  "greyscale is supported",
		                  w, photo);
	if (depth != 1)
		return tomo_error(TOMO_ERR,
		                  "%s is a volume (image depth %u); "
		                  "only 2-D pages are supported",
		                  w, depth);
	if (fmt == SAMPLEFORMAT_COMPLEXINT || fmt == SAMPLEFORMAT_COMPLEXIEEEFP)
		return tomo_error(TOMO_ERR,
		                  "%s holds complex samples; only real "
		                  "ones are supported",
		                  w);
	if (bits == 1)
		return tomo_error(TOMO_ERR,
		                  "%s is a 1-bit (bilevel) image; 8, 16, "
		                  "32 or 64-bit samples are supported",
		                  w);
	l->dtype = TOMO_DTYPE_INVALID;
	if (fmt == SAMPLEFORMAT_IEEEFP) {
		if (bits == 32)
			l->dtype = TOMO_F32;
		else if (bits == 64)
			l->dtype = TOMO_F64;
		else
			return tomo_error(TOMO_ERR,
			                  "%s holds %u-bit floats; 32 and "
			                  "64-bit floats are supported",
			                  w, bits);
	} else if (fmt == SAMPLEFORMAT_UINT || fmt == SAMPLEFORMAT_INT ||
	           fmt == SAMPLEFORMAT_VOID) {
		int s = fmt == SAMPLEFORMAT_INT;
		if (bits == 8)
			l->dtype = s ? TOMO_I8 : TOMO_U8;
		else if (bits == 16)
			l->dtype = s ? TOMO_I16 : TOMO_U16;
		else if (bits == 32)
			l->dtype = s ? TOMO_I32 : TOMO_U32;
		else if (bits == 64)
			l->dtype = s ? TOMO_I64 : TOMO_U64;
		else
			return tomo_error(TOMO_ERR,
			                  "%s holds %u-bit samples; 8, 16, 32 "
			                  "or 64-bit samples are supported",
			                  w, bits);
	} else {
		return tomo_error(TOMO_ERR, "%s has unknown sample format %u", w, fmt);
	}
	return TOMO_OK;
}

/* Tiles of a page: at most TILE_FREE on a side, or no larger than the
 * image padded to the multiple of 16 that tiles are made of, so that a
 * tile's buffer is bounded by the image's size. */
#define TILE_FREE 1024

static int
check_tiles(TIFF *tif, const char *w, const struct layout *l)
{
	uint32_t tw = 0, th = 0;

	if (!TIFFIsTiled(tif))
		return TOMO_OK;
	TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
	TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
	if (!tw || !th)
		return tomo_error(TOMO_ERR, "%s has empty tiles", w);
	if ((tw > TILE_FREE && tw > ((uint64_t)l->width + 15) / 16 * 16) ||
	    (th > TILE_FREE && th > ((uint64_t)l->height + 15) / 16 * 16))
		return tomo_error(TOMO_ERR, "%s has tiles of %ux%u, larger than its image of %ux%u", w,
		                  tw, th, l->width, l->height);
	return TOMO_OK;
}

/* The current directory's layout must be the first page's. */
static int
check_page(struct tiffsrc *t, const char *file, int64_t page, int first)
{
	const char *w = where(t, file, page);
	struct layout l;

	if (page_layout(t->tif, w, &l) || check_tiles(t->tif, w, &l))
		return TOMO_ERR;
	if (first) {
		t->lay = l;
		return TOMO_OK;
	}
	if (l.width != t->lay.width || l.height != t->lay.height)
		return tomo_error(TOMO_ERR, "%s is %ux%u, the first page is %ux%u", w, l.width,
		                  l.height, t->lay.width, t->lay.height);
	if (l.dtype != t->lay.dtype)
		return tomo_error(TOMO_ERR, "%s holds %s samples, the first page %s", w,
		                  tomo_dtype_name(l.dtype), tomo_dtype_name(t->lay.dtype));
	return TOMO_OK;
}

static TIFF *
open_file(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	TIFF *tif;

	if (fd < 0) {
		tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", file);
		return NULL;
	}
	tomo_tiff_clear();
	/* "m": read(), not mmap(): a file truncated under us is then an error,
	 * not a SIGBUS. */
	tif = TIFFFdOpen(fd, file, "rm");
	if (!tif) {
		close(fd);
		tomo_error(TOMO_ERR,
		           "'%s' is not a readable TIFF file (damaged or "
		           "truncated?): %s",
		           file, tomo_tiff_msg());
	}
	return tif;
}

/* Page 0's description in our header form gives the metadata. */
static int
read_description(struct tomo_input *in, TIFF *tif, const char *file)
{
	const char *desc;

	if (!TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &desc))
		return TOMO_OK;
	if (tomo_tiff_desc_parse(desc, &in->hdr)) {
		tomo_error_context("'%s': the tomo header in ImageDescription", file);
		return TOMO_ERR;
	}
	return TOMO_OK;
}

static int
open_multipage(struct tomo_input *in, struct tiffsrc *t, const char *path)
{
	int64_t n = 0, cap = 0;

	if (!(t->tif = open_file(path)))
		return TOMO_ERR;
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			uint64_t *o = realloc(t->dir_off, (size_t)cap * sizeof *o);
			if (!o)
				return tomo_error(TOMO_ERR,
				                  "out of memory for the pages "
				                  "of '%s'",
				                  path);
			t->dir_off = o;
		}
		t->dir_off[n] = TIFFCurrentDirOffset(t->tif);
		if (check_page(t, path, n, n == 0))
			return TOMO_ERR;
		if (n == 0 && read_description(in, t->tif, path))
			return TOMO_ERR;
		n++;
		if (TIFFLastDirectory(t->tif))
			break;
		tomo_tiff_clear();
		if (!TIFFReadDirectory(t->tif))
			return tomo_error(TOMO_ERR,
			                  "'%s' page %lld: cannot read its "
			                  "directory (damaged or truncated file?): %s",
			                  path, (long long)n, tomo_tiff_msg());
	}
	t->cur = n - 1;
	in->hdr.size[2] = n;
	return TOMO_OK;
}

static int
open_files(struct tomo_input *in, struct tiffsrc *t)
{
	for (int64_t i = 0; i < t->nfiles; i++) {
		if (!(t->tif = open_file(t->files[i])))
			return TOMO_ERR;
		if (check_page(t, t->files[i], 0, i == 0))
			return TOMO_ERR;
		if (!TIFFLastDirectory(t->tif))
			return tomo_error(TOMO_ERR,
			                  "'%s' has several pages; a directory or glob "
			                  "takes single-page files",
			                  t->files[i]);
		if (i == 0 && read_description(in, t->tif, t->files[i]))
			return TOMO_ERR;
		if (i + 1 < t->nfiles) {
			TIFFClose(t->tif);
			t->tif = NULL;
		}
	}
	t->cur = t->nfiles - 1;
	in->hdr.size[2] = t->nfiles;
	return TOMO_OK;
}

/* Make plane z's directory current: one seek for a multi-page file (the
 * offsets were recorded at open), one open for a directory or glob. */
static int
select_plane(struct tomo_input *in, struct tiffsrc *t, int64_t z)
{
	if (z == t->cur && t->tif)
		return TOMO_OK;
	if (t->files) {
		if (t->tif)
			TIFFClose(t->tif);
		t->cur = -1;
		if (!(t->tif = open_file(t->files[z])))
			return TOMO_ERR;
		/* The file may have changed since open: the buffers are sized
		 * from the first page's layout. */
		if (check_page(t, t->files[z], 0, 0))
			return TOMO_ERR;
	} else {
		t->cur = -1;
		tomo_tiff_clear();
		if (!TIFFSetSubDirectory(t->tif, t->dir_off[z]))
			return tomo_error(TOMO_ERR, "%s: cannot read its directory: %s",
			                  where(t, in->name, z), tomo_tiff_msg());
		if (check_page(t, in->name, z, 0))
			return TOMO_ERR;
	}
	t->cur = z;
	return TOMO_OK;
}

static int
grow_buf(struct tiffsrc *t, uint64_t n)
{
	if (n <= t->buf_len)
		return TOMO_OK;
	unsigned char *p = realloc(t->buf, (size_t)n);
	if (!p)
		return tomo_error(TOMO_ERR, "out of memory for a %llu-byte TIFF strip",
		                  (unsigned long long)n);
	t->buf = p;
	t->buf_len = (size_t)n;
	return TOMO_OK;
}

/* Compressed strips and tiles decode to at most this many times their
 * stored bytes (deflate's limit is 1032, LZW's about 2730). */
#define MAX_RATIO 4096

/* need bytes from strip or tile i (what names it in messages) must be
 * what its stored bytes can hold: as many uncompressed, MAX_RATIO times
 * as many compressed. Checked before the buffer is made, so that a
 * damaged count or size costs no memory. */
static int
check_stored(struct tiffsrc *t, const char *w, const char *what, uint32_t i, uint64_t need)
{
	uint16_t comp = COMPRESSION_NONE;
	uint64_t stored = TIFFGetStrileByteCount(t->tif, i);
	struct stat st;

	/* A damaged count can say more than the file holds. */
	if (fstat(TIFFFileno(t->tif), &st) == 0 && stored > (uint64_t)st.st_size)
		stored = (uint64_t)st.st_size;
	TIFFGetFieldDefaulted(t->tif, TIFFTAG_COMPRESSION, &comp);
	if (comp == COMPRESSION_NONE ? need <= stored : need / MAX_RATIO < stored)
		return TOMO_OK;
	return tomo_error(TOMO_ERR, "%s: %s %u stores %llu bytes%s, too few for the %llu its rows need",
	                  w, what, i, (unsigned long long)stored,
	                  comp == COMPRESSION_NONE ? "" : " compressed", (unsigned long long)need);
}

/* Rows y0..y0+ny, columns x0..x0+nx of the current page into dst. */
static int
read_tiles(struct tiffsrc *t, const char *w, const struct tomo_box *b, float *dst)
{
	const size_t ts = tomo_dtype_size(t->lay.dtype);
	uint32_t tw = 0, th = 0;

	TIFFGetField(t->tif, TIFFTAG_TILEWIDTH, &tw);
	TIFFGetField(t->tif, TIFFTAG_TILELENGTH, &th);
	if (!tw || !th) /* check_page refused these */
		return tomo_error(TOMO_ERR, "%s has empty tiles", w);
	const uint64_t size = TIFFTileSize64(t->tif);
	if (size < (uint64_t)tw * th * ts)
		return tomo_error(TOMO_ERR, "%s: bad tile size", w);
	for (int64_t ty = b->y0 / th * th; ty < b->y0 + b->ny; ty += th)
		for (int64_t tx = b->x0 / tw * tw; tx < b->x0 + b->nx; tx += tw) {
			uint32_t tile = TIFFComputeTile(t->tif, (uint32_t)tx, (uint32_t)ty, 0, 0);
			if (check_stored(t, w, "tile", tile, size) || grow_buf(t, size))
				return TOMO_ERR;
			tomo_tiff_clear();
			if (TIFFReadEncodedTile(t->tif, tile, t->buf, (tmsize_t)t->buf_len) < 0)
				return tomo_error(TOMO_ERR, "%s: cannot read tile %u: %s", w, tile,
				                  tomo_tiff_msg());
			int64_t r0 = ty > b->y0 ? ty : b->y0;
			int64_t r1 = ty + th < b->y0 + b->ny ? ty + th : b->y0 + b->ny;
			int64_t c0 = tx > b->x0 ? tx : b->x0;
			int64_t c1 = tx + tw < b->x0 + b->nx ? tx + tw : b->x0 + b->nx;
			for (int64_t r = r0; r < r1; r++)
				tomo_convert_to_float(
					t->buf + ((size_t)(r - ty) * tw + (size_t)(c0 - tx)) * ts,
					t->lay.dtype, 0, dst + (r - b->y0) * b->nx + (c0 - b->x0),
					(size_t)(c1 - c0));
		}
	return TOMO_OK;
}

static int
read_strips(struct tiffsrc *t, const char *w, const struct tomo_box *b, float *dst)
{
	const size_t ts = tomo_dtype_size(t->lay.dtype);
	const uint64_t line = TIFFScanlineSize64(t->tif);
	uint32_t rps;

	/* Strip chopping (libtiff's default) gives big uncompressed strips
	 * small virtual ones, so this reads about the rows asked for. */
	TIFFGetFieldDefaulted(t->tif, TIFFTAG_ROWSPERSTRIP, &rps);
	if (rps == 0 || rps > t->lay.height)
		rps = t->lay.height;
	if (line < (uint64_t)t->lay.width * ts)
		return tomo_error(TOMO_ERR, "%s: bad scanline size", w);
	for (int64_t y = b->y0; y < b->y0 + b->ny;) {
		uint32_t strip = (uint32_t)(y / rps);
		int64_t first = (int64_t)strip * rps;
		int64_t end = first + rps < b->y0 + b->ny ? first + rps : b->y0 + b->ny;
		/* Decode only up to the last row needed. */
		uint64_t need = (uint64_t)(end - first) * line;
		if (check_stored(t, w, "strip", strip, need) || grow_buf(t, need))
			return TOMO_ERR;
		tomo_tiff_clear();
		tmsize_t got = TIFFReadEncodedStrip(t->tif, strip, t->buf, (tmsize_t)need);
		if (got < 0 || (uint64_t)got < need)
			return tomo_error(TOMO_ERR, "%s: cannot read strip %u: %s", w, strip,
			                  got < 0 ? tomo_tiff_msg() : "short strip");
		for (; y < end; y++)
			tomo_convert_to_float(
				t->buf + (size_t)(y - first) * line + (size_t)b->x0 * ts,
				t->lay.dtype, 0, dst + (y - b->y0) * b->nx, (size_t)b->nx);
	}
	return TOMO_OK;
}

static int
tiff_read(struct tomo_input *in, const struct tomo_box *b, float *dst)
{
	struct tiffsrc *t = in->impl;

	for (int64_t z = b->z0; z < b->z0 + b->nz; z++) {
		float *d = dst + (z - b->z0) * b->ny * b->nx;
		const char *file = t->files ? t->files[z] : in->name;
		int rc;
		if (select_plane(in, t, z))
			return TOMO_ERR;
		if (TIFFIsTiled(t->tif))
			rc = read_tiles(t, where(t, file, z), b, d);
		else
			rc = read_strips(t, where(t, file, z), b, d);
		if (rc)
			return rc;
	}
	return TOMO_OK;
}

static void
tiffsrc_free(struct tiffsrc *t)
{
	if (t->tif)
		TIFFClose(t->tif);
	free_files(t->files, t->nfiles);
	free(t->dir_off);
	free(t->buf);
	free(t);
}

static void
tiff_close(struct tomo_input *in)
{
	tiffsrc_free(in->impl);
}

static const struct tomo_input_ops tiff_ops = {tiff_read, tiff_close};

int
tomo_input_open_tiff(struct tomo_input *in, const char *path, const char *dataset,
                     const struct tomo_input_opts *o)
{
	struct tiffsrc *t = calloc(1, sizeof *t);
	struct stat st;
	int rc;

	(void)dataset;
	(void)o;
	if (!t)
		return tomo_error(TOMO_ERR, "out of memory");
	tomo_tiff_init();
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		rc = list_dir(path, &t->files, &t->nfiles);
	else if (stat(path, &st) != 0 && errno == ENOENT && strpbrk(path, "*?["))
		rc = list_glob(path, &t->files, &t->nfiles);
	else
		rc = TOMO_OK;
	if (rc == TOMO_OK)
		rc = t->files ? open_files(in, t) : open_multipage(in, t, path);
	if (rc == TOMO_OK) {
		int64_t count;
		in->hdr.size[0] = t->lay.width;
		in->hdr.size[1] = t->lay.height;
		rc = tomo_header_count(&in->hdr, &count);
	}
	if (rc) {
		tiffsrc_free(t);
		/* The description may have filled the header already. */
		tomo_header_free(&in->hdr);
		return rc;
	}
	in->impl = t;
	in->ops = &tiff_ops;
	in->format = "tiff";
	in->dtype = t->lay.dtype;
	return TOMO_OK;
}
