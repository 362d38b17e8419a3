/*
 * tiff_common: libtiff glue shared by the TIFF reader and writer: quiet
 * handlers that keep libtiff's last error for our messages, and the text
 * form of a stream header that our writer puts in page 0's ImageDescription.
 * Internal to libtomo.
 */
#ifndef TOMO_TIFF_COMMON_H
#define TOMO_TIFF_COMMON_H

#include "tomo/header.h"

/* Route libtiff's warnings to nowhere and its errors to a per-thread buffer
 * instead of stderr. Process-wide (libtiff's handlers are global) and
 * idempotent; call before any libtiff call. */
void tomo_tiff_init(void);

/* libtiff's last error on this thread, or "" when none since the last
 * tomo_tiff_clear. For messages: "cannot read strip 3: %s". */
const char *tomo_tiff_msg(void);
void tomo_tiff_clear(void);

/* The ImageDescription text for h: the NRRD stream header (tomo/nrrd.h)
 * without its padding, so its "# tomo stream" line marks it as ours.
 * *out is malloc'd and NUL-terminated. */
int tomo_tiff_desc_format(const struct tomo_header *h, char **out);

/* When desc is in that form, replace h's metadata (kind, quantity, angles,
 * pixel size, energy, distance, centre, spacings, key/values; not sizes)
 * by its own; any other text is ignored. Returns TOMO_OK, or TOMO_ERR when
 * a text in our form does not parse (the NRRD parser's message). */
int tomo_tiff_desc_parse(const char *desc, struct tomo_header *h);

#endif
