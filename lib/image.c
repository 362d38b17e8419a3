/*
 * image: greyscale image writers (PNG through libpng, binary PGM, TIFF
 * through libtiff) and the intensity window (tomo/image.h). The format of a
 * name is the format table's (lib/format.c). Each file is written under a
 * temporary name from output_file.c (tomo_output_temp_create) and renamed
 * into place by tomo_image_close, so a failure leaves nothing behind.
 */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

#include "format.h"
#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/image.h"

struct tomo_image_writer {
	enum tomo_image_format format;
	int bits;
	int64_t width, height, pages, added;
	char *path, *tmp;
	int fd;                       /* owned here until handed to fp or tif */
	FILE *fp;                     /* PNG */
	TIFF *tif;                    /* TIFF */
	char *desc;                   /* "key: value" lines for TIFF */
	struct tomo_image_text *text; /* copies, for PNG */
	int ntext;
	char libmsg[512]; /* the last libpng/libtiff complaint */
};

enum tomo_image_format
tomo_image_format_of(const char *path)
{
	const struct tomo_format *f = tomo_format_by_ext(path);

	return f ? f->image : TOMO_IMAGE_NONE;
}

static size_t
row_bytes(const struct tomo_image_writer *w)
{
	return (size_t)w->width * (size_t)(w->bits / 8);
}

static void
free_writer(struct tomo_image_writer *w)
{
	for (int i = 0; i < w->ntext; i++) {
		free((char *)w->text[i].key);
		free((char *)w->text[i].value);
	}
	free(w->text);
	free(w->desc);
	free(w->path);
	free(w);
}

/* One "key: value" line per entry, newlines in values made spaces. */
static char *
text_lines(const struct tomo_image_text *t, int n, const char *prefix)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < n; i++)
		len += strlen(prefix) + strlen(t[i].key) + strlen(t[i].value) + 3;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*s = 0;
	for (int i = 0; i < n; i++) {
		p += sprintf(p, "%s%s: ", prefix, t[i].key);
		for (const char *v = t[i].value; *v; v++)
			*p++ = *v == '\n' || *v == '\r' ? ' ' : *v;
		*p++ = '\n';
		*p = 0;
	}
	return s;
}

/* ---- PNG ---- */

static void
png_on_error(png_structp png, png_const_charp msg)
{
	struct tomo_image_writer *w = png_get_error_ptr(png);
	snprintf(w->libmsg, sizeof w->libmsg, "%s", msg);
	png_longjmp(png, 1);
}

static void
png_on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s > 126 || ((unsigned char)*s < 32 && *s != '\n'))
			return 0;
	return 1;
}

/* The whole PNG in one go (it holds one page). Locals that live across
 * setjmp are not modified after it. */
static int
png_write_page(struct tomo_image_writer *w, const void *pixels)
{
	png_structp png;
	png_infop info = NULL;
	png_text *txt = calloc((size_t)(w->ntext ? w->ntext : 1), sizeof *txt);
	const size_t rb = row_bytes(w);

	if (!txt)
		return tomo_error(TOMO_ERR, "out of memory");
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, w, png_on_error, png_on_warning);
	if (png)
		info = png_create_info_struct(png);
	if (!png || !info) {
		png_destroy_write_struct(&png, NULL);
		free(txt);
		return tomo_error(TOMO_ERR, "'%s': out of memory in libpng", w->path);
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(txt);
		if (ferror(w->fp))
			return tomo_error_sys(TOMO_ERR, errno, "cannot write '%s'", w->path);
		return tomo_error(TOMO_ERR, "cannot write '%s': %s", w->path, w->libmsg);
	}
	png_init_io(png, w->fp);
	png_set_compression_level(png, 4);
	png_set_IHDR(png, info, (png_uint_32)w->width, (png_uint_32)w->height, w->bits,
	             PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	             PNG_FILTER_TYPE_DEFAULT);
	for (int i = 0; i < w->ntext; i++) {
		txt[i].key = (char *)w->text[i].key;
		txt[i].text = (char *)w->text[i].value;
		/* tEXt is Latin-1; UTF-8 names go into iTXt. */
		txt[i].compression = is_ascii(w->text[i].value) ? PNG_TEXT_COMPRESSION_NONE
		                                                : PNG_ITXT_COMPRESSION_NONE;
	}
	png_set_text(png, info, txt, w->ntext);
	png_write_info(png, info);
	if (w->bits == 16) {
		const uint16_t one = 1;
		if (*(const unsigned char *)&one == 1)
			png_set_swap(png); /* PNG is big-endian */
	}
	for (int64_t y = 0; y < w->height; y++)
		png_write_row(png, (png_const_bytep)pixels + (size_t)y * rb);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(txt);
	return TOMO_OK;
}

/* ---- PGM ---- */

static int
pgm_header(struct tomo_image_writer *w, const struct tomo_image_text *t, int n)
{
	char *comments = text_lines(t, n, "# ");
	char *head = NULL;
	int rc;

	if (!comments || asprintf(&head, "P5\n%s%lld %lld\n%d\n", comments, (long long)w->width,
	                          (long long)w->height, w->bits == 16 ? 65535 : 255) < 0) {
		free(comments);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	free(comments);
	rc = tomo_write_full(w->fd, head, strlen(head), -1, w->path);
	free(head);
	return rc;
}

static int
pgm_write_page(struct tomo_image_writer *w, const void *pixels)
{
	const size_t rb = row_bytes(w), total = rb * (size_t)w->height;

	if (w->bits == 8)
		return tomo_write_full(w->fd, pixels, total, -1, w->path);
	/* 16-bit PGM is big-endian: swap in blocks of rows. */
	const size_t block = (size_t)1 << 20;
	unsigned char *buf = malloc(block < total ? block : total);
	const unsigned char *src = pixels;
	int rc = TOMO_OK;

	if (!buf)
		return tomo_error(TOMO_ERR, "out of memory");
	for (size_t off = 0; off < total && rc == TOMO_OK; off += block) {
		size_t n = total - off < block ? total - off : block;
		for (size_t i = 0; i < n; i += 2) {
			uint16_t v;
			memcpy(&v, src + off + i, 2);
			buf[i] = (unsigned char)(v >> 8);
			buf[i + 1] = (unsigned char)v;
		}
		rc = tomo_write_full(w->fd, buf, n, -1, w->path);
	}
	free(buf);
	return rc;
}

/* ---- TIFF ---- */

static int
tiff_on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	struct tomo_image_writer *w = user;
	(void)tif;
	(void)module;
	vsnprintf(w->libmsg, sizeof w->libmsg, fmt, ap);
	return 1;
}

static int
tiff_on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	(void)tif;
	(void)user;
	(void)module;
	(void)fmt;
	(void)ap;
	return 1;
}

static int
tiff_open(struct tomo_image_writer *w)
{
	const double bytes = (double)row_bytes(w) * (double)w->height * (double)w->pages;
	TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();

	if (!opts)
		return tomo_error(TOMO_ERR, "out of memory");
	TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, w);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, w);
	/* Classic TIFF offsets are 32-bit: leave room for the directories. */
	w->tif = TIFFFdOpenExt(w->fd, w->path, bytes > 4.0e9 ? "w8" : "w", opts);
	TIFFOpenOptionsFree(opts);
	if (!w->tif)
		return tomo_error(TOMO_ERR, "cannot write '%s': %s", w->path,
		                  w->libmsg[0] ? w->libmsg : "libtiff failed");
	w->fd = -1; /* TIFFClose closes it */
	return TOMO_OK;
}

static int
tiff_write_page(struct tomo_image_writer *w, const void *pixels)
{
	TIFF *t = w->tif;
	const size_t rb = row_bytes(w);
	/* Strips of about 64 KiB, the usual choice of readers and writers. */
	uint32_t rps = (uint32_t)((65536 + rb - 1) / rb);
	int ok;

	if (rps < 1)
		rps = 1;
	if ((int64_t)rps > w->height)
		rps = (uint32_t)w->height;
	ok = TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)w->width) &&
	     TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)w->height) &&
	     TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, (uint16_t)w->bits) &&
	     TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)1) &&
	     TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT) &&
	     TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK) &&
	     TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
	     TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE) &&
	     TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rps) &&
	     (!w->desc[0] || TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, w->desc));
	if (ok && w->pages > 1)
		ok = TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) &&
		     (w->pages > UINT16_MAX ||
		      TIFFSetField(t, TIFFTAG_PAGENUMBER, (uint16_t)w->added, (uint16_t)w->pages));
	for (int64_t y = 0; ok && y < w->height; y += rps) {
		int64_t n = w->height - y < rps ? w->height - y : rps;
		ok = TIFFWriteEncodedStrip(t, (uint32_t)(y / rps),
		                           (unsigned char *)pixels + (size_t)y * rb,
		                           (tmsize_t)((size_t)n * rb)) >= 0;
	}
	if (ok)
		ok = TIFFWriteDirectory(t);
	if (!ok)
		return tomo_error(TOMO_ERR, "cannot write '%s' (page %lld): %s", w->path,
		                  (long long)w->added + 1,
		                  w->libmsg[0] ? w->libmsg : "libtiff failed");
	return TOMO_OK;
}

/* ---- front ---- */

int
tomo_image_open(const char *path, enum tomo_image_format f, int bits, int64_t width, int64_t height,
                int64_t pages, const struct tomo_image_text *text, int ntext,
                struct tomo_image_writer **out)
{
	struct tomo_image_writer *w;
	int rc;

	if (bits != 8 && bits != 16)
		return tomo_error(TOMO_EUSAGE,
		                  "'%s': %d bits per sample (8 or 16 "
		                  "are written)",
		                  path, bits);
	if (width < 1 || height < 1 || width > INT32_MAX || height > INT32_MAX || pages < 1 ||
	    (f != TOMO_IMAGE_TIFF && pages != 1))
		return tomo_error(TOMO_ERR,
		                  "'%s': cannot hold %lld image(s) of %lld "
		                  "x %lld pixels",
		                  path, (long long)pages, (long long)width, (long long)height);
	if (f != TOMO_IMAGE_PNG && f != TOMO_IMAGE_PGM && f != TOMO_IMAGE_TIFF)
		return tomo_error(TOMO_EUSAGE, "'%s' is not a .png, .pgm or .tif name", path);
	w = calloc(1, sizeof *w);
	if (!w || !(w->path = strdup(path)) ||
	    !(w->text = calloc((size_t)(ntext ? ntext : 1), sizeof *w->text))) {
		if (w)
			free(w->path);
		free(w);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	w->format = f;
	w->bits = bits;
	w->width = width;
	w->height = height;
	w->pages = pages;
	w->fd = -1;
	for (int i = 0; i < ntext; i++) {
		w->text[i].key = strdup(text[i].key);
		w->text[i].value = strdup(text[i].value);
		w->ntext++;
		if (!w->text[i].key || !w->text[i].value) {
			free_writer(w);
			return tomo_error(TOMO_ERR, "out of memory");
		}
	}
	if (!(w->desc = text_lines(text, ntext, ""))) {
		free_writer(w);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	if ((rc = tomo_output_temp_create(path, &w->tmp, &w->fd))) {
		free_writer(w);
		return rc;
	}
	switch (f) {
	case TOMO_IMAGE_PNG:
		w->fp = fdopen(w->fd, "wb");
		if (!w->fp)
			rc = tomo_error_sys(TOMO_ERR, errno, "cannot write '%s'", path);
		else
			w->fd = -1;
		break;
	case TOMO_IMAGE_PGM: rc = pgm_header(w, text, ntext); break;
	case TOMO_IMAGE_TIFF: rc = tiff_open(w); break;
	default: break;
	}
	if (rc) {
		tomo_image_abort(w);
		return rc;
	}
	*out = w;
	return TOMO_OK;
}

int
tomo_image_add(struct tomo_image_writer *w, const void *pixels)
{
	int rc = TOMO_OK;

	if (w->added >= w->pages)
		return tomo_error(TOMO_ERR,
		                  "'%s': more than the %lld page(s) "
		                  "announced",
		                  w->path, (long long)w->pages);
	switch (w->format) {
	case TOMO_IMAGE_PNG: rc = png_write_page(w, pixels); break;
	case TOMO_IMAGE_PGM: rc = pgm_write_page(w, pixels); break;
	case TOMO_IMAGE_TIFF: rc = tiff_write_page(w, pixels); break;
	default: break;
	}
	if (rc == TOMO_OK)
		w->added++;
	return rc;
}

/* Close whatever holds the file; the first error wins. */
static int
close_file(struct tomo_image_writer *w, int rc)
{
	if (w->fp) {
		if ((fflush(w->fp) || ferror(w->fp)) && rc == TOMO_OK)
			rc = tomo_error_sys(TOMO_ERR, errno, "cannot write '%s'", w->path);
		if (fclose(w->fp) && rc == TOMO_OK)
			rc = tomo_error_sys(TOMO_ERR, errno, "cannot close '%s'", w->path);
		w->fp = NULL;
	}
	if (w->tif) {
		if (!TIFFFlush(w->tif) && rc == TOMO_OK)
			rc = tomo_error(TOMO_ERR, "cannot write '%s': %s", w->path,
			                w->libmsg[0] ? w->libmsg : "libtiff failed");
		TIFFClose(w->tif);
		w->tif = NULL;
	}
	if (w->fd >= 0) {
		if (close(w->fd) && rc == TOMO_OK)
			rc = tomo_error_sys(TOMO_ERR, errno, "cannot close '%s'", w->path);
		w->fd = -1;
	}
	return rc;
}

int
tomo_image_close(struct tomo_image_writer *w)
{
	int rc = TOMO_OK;

	if (w->added != w->pages)
		rc = tomo_error(TOMO_ERR, "'%s': %lld of %lld page(s) written", w->path,
		                (long long)w->added, (long long)w->pages);
	rc = close_file(w, rc);
	if (rc == TOMO_OK)
		rc = tomo_output_temp_commit(w->tmp, w->path);
	else
		tomo_output_temp_discard(w->tmp);
	free_writer(w);
	return rc;
}

void
tomo_image_abort(struct tomo_image_writer *w)
{
	if (!w)
		return;
	close_file(w, TOMO_ERR);
	tomo_output_temp_discard(w->tmp);
	free_writer(w);
}

int64_t
tomo_window_apply(const float *src, size_t n, double lo, double hi, int bits, void *dst)
{
	const double top = bits == 16 ? 65535.0 : 255.0, span = hi - lo;
	uint8_t *d8 = dst;
	uint16_t *d16 = dst;
	int64_t nan = 0;

#pragma omp parallel for reduction(+ : nan) schedule(static) if (n > 65536)
	for (size_t i = 0; i < n; i++) {
		double v = src[i], g;
		if (v != v) {
			nan++;
			g = 0;
		} else {
			double t = (v - lo) / span;
			g = t > 0 ? (t < 1 ? floor(t * top + 0.5) : top) : 0;
		}
		if (bits == 16)
			d16[i] = (uint16_t)g;
		else
			d8[i] = (uint8_t)g;
	}
	return nan;
}
