/*
 * output_raw: the stream format (NRRD float32 LE raw, header padded to 4096)
 * and headerless .raw. Into a file, each plane goes to its own offset
 * (pwrite), so slabs may come in any order; into a pipe, in order.
 */
#include <stdlib.h>
#include <unistd.h>

#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/nrrd.h"

struct rawout {
	int64_t data_offset;
};

static int
raw_write(struct tomo_output *o, int64_t z0, int64_t nz, const float *planes)
{
	struct rawout *r = o->impl;
	const int64_t plane = o->hdr.size[0] * o->hdr.size[1] * (int64_t)sizeof(float);

	return tomo_write_full(o->fd, planes, (size_t)(nz * plane),
	                       o->sequential ? -1 : r->data_offset + z0 * plane,
	                       tomo_output_name(o));
}

static int
raw_finish(struct tomo_output *o)
{
	free(o->impl);
	o->impl = NULL;
	return TOMO_OK;
}

static void
raw_discard(struct tomo_output *o)
{
	free(o->impl);
	o->impl = NULL;
}

static const struct tomo_output_ops raw_ops = {raw_write, raw_finish, raw_discard};

int
tomo_output_open_nrrd(struct tomo_output *o, int raw)
{
	struct rawout *r = calloc(1, sizeof *r);
	char *text = NULL;
	size_t len = 0;
	int64_t count;
	int rc;

	if (!r)
		return tomo_error(TOMO_ERR, "out of memory");
	if (!raw && (rc = tomo_nrrd_format(&o->hdr, &text, &len))) {
		free(r);
		return rc;
	}
	tomo_header_count(&o->hdr, &count);
	r->data_offset = (int64_t)len;
	rc = len ? tomo_write_full(o->fd, text, len, o->sequential ? -1 : 0,
	                           tomo_output_name(o))
	         : TOMO_OK;
	free(text);
	/* Size the file now: planes may then arrive in any order, and readers
	 * of a half-done file see its final size. */
	if (rc == TOMO_OK && !o->sequential &&
	    ftruncate(o->fd, (off_t)(r->data_offset + count * 4)))
		rc = tomo_error(TOMO_ERR, "cannot size '%s'", tomo_output_name(o));
	if (rc) {
		free(r);
		return rc;
	}
	o->impl = r;
	o->ops = &raw_ops;
	return TOMO_OK;
}
