/*
 * image: 8- and 16-bit greyscale images for people to look at: PNG (with
 * tEXt chunks), binary PGM and (multi-page) TIFF, each written atomically
 * (a temporary file renamed into place on success); and the intensity
 * window that maps float samples to grey levels. Float32 images are not
 * written here: they are streams (tomo/io.h).
 */
#ifndef TOMO_IMAGE_H
#define TOMO_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "tomo/api.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tomo_image_format {
	TOMO_IMAGE_NONE = 0, /* not an image name */
	TOMO_IMAGE_PNG,      /* .png */
	TOMO_IMAGE_PGM,      /* .pgm */
	TOMO_IMAGE_TIFF,     /* .tif, .tiff */
	TOMO_IMAGE_REFUSED,  /* .jpg, .jpeg, .gif, .bmp: lossy or paletted, not written */
};

/* The format named by path's extension (case-insensitive). */
TOMO_API enum tomo_image_format tomo_image_format_of(const char *path);

/* A key and value stored with the image: PNG tEXt chunks (Latin-1 keys of
 * 1-79 characters), PGM "# key: value" comment lines, and the TIFF
 * ImageDescription as "key: value" lines. */
struct tomo_image_text {
	const char *key;
	const char *value;
};

struct tomo_image_writer;

/* Create path for pages images of width x height pixels at bits (8 or 16)
 * per sample. PNG and PGM hold one page; TIFF any number (BigTIFF beyond
 * 4 GB). The file appears under its name only after tomo_image_close
 * succeeds. Errors name the file. */
TOMO_API int tomo_image_open(const char *path, enum tomo_image_format f, int bits, int64_t width,
                             int64_t height, int64_t pages, const struct tomo_image_text *text,
                             int ntext, struct tomo_image_writer **w);

/* Add the next page: height rows of width samples, row 0 at the top,
 * uint8_t or uint16_t (host order) as bits says. */
TOMO_API int tomo_image_add(struct tomo_image_writer *w, const void *pixels);

/* Finish: check every page came, flush, close, rename into place. On
 * failure nothing is left under the name. Frees w in every case. */
TOMO_API int tomo_image_close(struct tomo_image_writer *w);

/* Give up: remove the temporary file, free w (NULL is a no-op). */
TOMO_API void tomo_image_abort(struct tomo_image_writer *w);

/* Map n samples to grey levels through the window [lo, hi] (lo < hi):
 * g = floor((v - lo) / (hi - lo) * G + 0.5) clamped to 0..G, G = 2^bits - 1,
 * so lo and below give 0, hi and above give G (also -Inf and +Inf). NaN
 * gives 0. dst is uint8_t or uint16_t as bits (8 or 16) says. Returns the
 * number of NaN samples. Multi-threaded (OpenMP). */
TOMO_API int64_t tomo_window_apply(const float *src, size_t n, double lo, double hi, int bits,
                                   void *dst);

#ifdef __cplusplus
}
#endif

#endif
