/*
 * nrrd: the NRRD header of the stream, parsed and written. Parsing accepts
 * what teem writes (NRRD0001..5, any integer or float type, either endian,
 * attached or detached data, byte and line skips, spacings); it refuses
 * compressed or text encodings and more than three dimensions. Writing
 * always produces the stream form: float32, little endian, raw, header
 * padded with a comment so that the data starts at a multiple of 4096.
 */
#ifndef TOMO_NRRD_H
#define TOMO_NRRD_H

#include "tomo/api.h"
#include "tomo/header.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TOMO_NRRD_ALIGN 4096
/* A header longer than this is refused (a guard against garbage input). */
#define TOMO_NRRD_HEADER_MAX (64 << 20)

struct tomo_nrrd {
	struct tomo_header hdr;
	enum tomo_dtype type;
	int big_endian;
	char *data_file;     /* detached data file as written, NULL if attached */
	int64_t line_skip;   /* lines to skip in the data file before the data */
	int64_t byte_skip;   /* bytes to skip after the lines; -1: data ends the file */
};

/* Parse header text (everything up to and including the blank line, or a
 * whole detached .nhdr). On error the message names the line. */
TOMO_API int tomo_nrrd_parse(const char *text, size_t len, struct tomo_nrrd *n);
TOMO_API void tomo_nrrd_free(struct tomo_nrrd *n);

/* Format the stream header for h (float32, little endian, raw). *out is
 * malloc'd, *len is a multiple of TOMO_NRRD_ALIGN and the text ends with the
 * blank line that separates it from the data. */
TOMO_API int tomo_nrrd_format(const struct tomo_header *h, char **out, size_t *len);

/* Shortest text that reads back as exactly v ("nan" for NAN). */
TOMO_API void tomo_format_double(char *buf, size_t n, double v);

#ifdef __cplusplus
}
#endif

#endif
