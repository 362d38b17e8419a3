/*
 * output_tiff: write a multi-page float32 TIFF, one page per plane in
 * order, uncompressed, in strips of about 64 KiB (BigTIFF past 2 GiB).
 * Page 0's ImageDescription holds the stream header (tiff_common.h), so
 * the metadata survives a trip through TIFF.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "io_impl.h"
#include "tiff_common.h"
#include "tomo/err.h"

#define STRIP_BYTES (64 << 10)

struct tiffout {
	TIFF *tif;
	char *desc;    /* page 0's ImageDescription */
	uint32_t rows; /* per strip */
	float *strip;  /* a copy: libtiff may byte-swap what it writes */
};

static int
fail(struct tomo_output *o, const char *what, long long z)
{
	return tomo_error(TOMO_ERR, "cannot write '%s' (%s of plane %lld): %s", tomo_output_name(o),
	                  what, z, tomo_tiff_msg());
}

/* Whole planes, in order (the front checks). */
static int
tiff_write(struct tomo_output *o, const struct tomo_box *b, const float *planes)
{
	struct tiffout *t = o->impl;
	const uint32_t X = (uint32_t)o->hdr.size[0], Y = (uint32_t)o->hdr.size[1];
	const int64_t z0 = b->z0, nz = b->nz;

	for (int64_t z = z0; z < z0 + nz; z++) {
		const float *p = planes + (size_t)(z - z0) * X * Y;
		TIFF *tif = t->tif;
		tomo_tiff_clear();
		if (!TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) ||
		    !TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, X) ||
		    !TIFFSetField(tif, TIFFTAG_IMAGELENGTH, Y) ||
		    !TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1) ||
		    !TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 32) ||
		    !TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP) ||
		    !TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK) ||
		    !TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) ||
		    !TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE) ||
		    !TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, t->rows) ||
		    !TIFFSetField(tif, TIFFTAG_PAGENUMBER, (uint16_t)(z < 65535 ? z : 65535),
		                  (uint16_t)(o->hdr.size[2] < 65535 ? o->hdr.size[2] : 65535)) ||
		    (z == 0 && !TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, t->desc)))
			return fail(o, "tags", z);
		for (uint32_t y = 0, s = 0; y < Y; y += t->rows, s++) {
			uint32_t n = Y - y < t->rows ? Y - y : t->rows;
			memcpy(t->strip, p + (size_t)y * X, (size_t)n * X * sizeof *p);
			if (TIFFWriteEncodedStrip(tif, s, t->strip, (tmsize_t)n * X * sizeof *p) <
			    0)
				return fail(o, "a strip", z);
		}
		if (!TIFFWriteDirectory(tif))
			return fail(o, "the directory", z);
	}
	return TOMO_OK;
}

static void
tiffout_free(struct tiffout *t)
{
	if (t->tif)
		TIFFClose(t->tif);
	free(t->desc);
	free(t->strip);
	free(t);
}

static int
tiff_commit(struct tomo_output *o)
{
	struct tiffout *t = o->impl;
	int rc = TOMO_OK;

	/* Every directory is written already; a flush failure here is what is
	 * left to catch. TIFFClose itself reports nothing, and closes only our
	 * duplicate of o->fd (closing o->fd is checked with the rename). */
	tomo_tiff_clear();
	if (!TIFFFlush(t->tif))
		rc = tomo_error(TOMO_ERR, "cannot write '%s': %s", tomo_output_name(o),
		                tomo_tiff_msg());
	tiffout_free(t);
	o->impl = NULL;
	if (rc) {
		tomo_output_file_abort(o);
		return rc;
	}
	return tomo_output_file_commit(o);
}

static void
tiff_abort(struct tomo_output *o)
{
	if (o->impl)
		tiffout_free(o->impl);
	o->impl = NULL;
	tomo_output_file_abort(o);
}

static const struct tomo_output_ops tiff_ops = {tiff_write, tiff_commit, tiff_abort};

static int
open_tiff(struct tomo_output *o)
{
	const int64_t X = o->hdr.size[0], Y = o->hdr.size[1], Z = o->hdr.size[2];
	struct tiffout *t;
	int fd, rc;

	if (X > UINT32_MAX || Y > UINT32_MAX)
		return tomo_error(TOMO_ERR,
		                  "'%s': planes of %lld x %lld are too large "
		                  "for TIFF",
		                  tomo_output_name(o), (long long)X, (long long)Y);
	if ((rc = tomo_output_file_open(o)))
		return rc;
	/* libtiff seeks back to link each page's directory. */
	if (lseek(o->fd, 0, SEEK_CUR) < 0)
		return tomo_error(TOMO_ERR,
		                  "'%s': TIFF needs a seekable file, not a "
		                  "pipe or FIFO",
		                  tomo_output_name(o));
	if (!(t = calloc(1, sizeof *t)))
		return tomo_error(TOMO_ERR, "out of memory");
	t->rows = (uint32_t)(STRIP_BYTES / (X * 4));
	if (t->rows < 1)
		t->rows = 1;
	if (t->rows > Y)
		t->rows = (uint32_t)Y;
	t->strip = malloc((size_t)t->rows * (size_t)X * sizeof *t->strip);
	if (!t->strip || tomo_tiff_desc_format(&o->hdr, &t->desc)) {
		tiffout_free(t);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	tomo_tiff_init();
	tomo_tiff_clear();
	/* TIFFFdOpen takes the descriptor over: give it a copy. Classic TIFF
	 * offsets are 32-bit; past 2 GiB of samples use BigTIFF. */
	fd = dup(o->fd);
	if (fd < 0) {
		int e = errno;
		tiffout_free(t);
		return tomo_error_sys(TOMO_ERR, e, "cannot write '%s'", tomo_output_name(o));
	}
	t->tif = TIFFFdOpen(fd, tomo_output_name(o),
	                    X * Y * Z * 4 > ((int64_t)2 << 30) ? "w8" : "w");
	if (!t->tif) {
		close(fd);
		tiffout_free(t);
		return tomo_error(TOMO_ERR, "cannot create '%s': %s", tomo_output_name(o),
		                  tomo_tiff_msg());
	}
	o->impl = t;
	o->ops = &tiff_ops;
	o->sequential = 1;
	return TOMO_OK;
}

int
tomo_output_open_tiff(struct tomo_output *o)
{
	int rc = open_tiff(o);

	if (rc)
		tomo_output_file_abort(o);
	return rc;
}
