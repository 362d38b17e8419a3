/*
 * tiff_common: libtiff's handlers and the header text of our TIFFs (see
 * tiff_common.h). The header form is the NRRD stream header, so there is
 * one serializer (lib/nrrd.c) for every format that stores text.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "tiff_common.h"
#include "tomo/err.h"
#include "tomo/nrrd.h"

/* What marks a description as ours: the first two lines tomo_nrrd_format
 * writes. */
#define DESC_MARK "NRRD0005\n# tomo stream\n"

static _Thread_local char last_msg[512];

static void
on_error(const char *module, const char *fmt, va_list ap)
{
	(void)module;
	vsnprintf(last_msg, sizeof last_msg, fmt, ap);
}

static void
on_warning(const char *module, const char *fmt, va_list ap)
{
	(void)module;
	(void)fmt;
	(void)ap;
}

static void
install(void)
{
	TIFFSetErrorHandler(on_error);
	TIFFSetWarningHandler(on_warning);
}

void
tomo_tiff_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, install);
}

const char *
tomo_tiff_msg(void)
{
	return last_msg[0] ? last_msg : "unknown libtiff error";
}

void
tomo_tiff_clear(void)
{
	last_msg[0] = 0;
}

int
tomo_tiff_desc_format(const struct tomo_header *h, char **out)
{
	size_t len;
	char *text, *pad;

	if (tomo_nrrd_format(h, &text, &len))
		return TOMO_ERR;
	/* The last comment line is the padding to the 4096-byte data offset:
	 * meaningless here. */
	pad = strstr(text, "\n#");
	for (char *p = pad; p; p = strstr(p + 1, "\n#"))
		pad = p;
	if (pad)
		pad[1] = 0;
	*out = text;
	return TOMO_OK;
}

int
tomo_tiff_desc_parse(const char *desc, struct tomo_header *h)
{
	struct tomo_nrrd n;
	int64_t size[3];

	if (strncmp(desc, DESC_MARK, strlen(DESC_MARK)))
		return TOMO_OK;
	if (tomo_nrrd_parse(desc, strlen(desc), &n))
		return TOMO_ERR;
	memcpy(size, h->size, sizeof size);
	tomo_header_free(h);
	*h = n.hdr;
	tomo_header_init(&n.hdr);
	memcpy(h->size, size, sizeof size);
	tomo_nrrd_free(&n);
	return TOMO_OK;
}
