/*
 * output_raw: the stream format (NRRD float32 LE raw, header padded to 4096),
 * headerless .raw, and the samples after another header (.npy). Into a
 * file, each plane goes to its own offset (pwrite), so slabs may come in
 * any order; into a pipe, in order.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/nrrd.h"

struct rawout {
	int64_t data_offset;
};

/* Writes into a file past this size are split among the threads: one
 * pwrite copies into the page cache at ~2-3 GB/s, far below what a GPU
 * or the filters produce. */
#define PARALLEL_BYTES ((int64_t)64 << 20)

static int
raw_write(struct tomo_output *o, int64_t z0, int64_t nz, const float *planes)
{
	struct rawout *r = o->impl;
	const int64_t plane = o->hdr.size[0] * o->hdr.size[1] * (int64_t)sizeof(float);
	const int64_t bytes = nz * plane, at = r->data_offset + z0 * plane;
	int rc = TOMO_OK;
	char msg[512];

	if (o->sequential || bytes < PARALLEL_BYTES)
		return tomo_write_full(o->fd, planes, (size_t)bytes, o->sequential ? -1 : at,
		                       tomo_output_name(o));
#pragma omp parallel
	{
		int64_t t = omp_get_thread_num(), n = omp_get_num_threads();
		int64_t a = (bytes * t / n) & ~(int64_t)4095;
		int64_t e = t + 1 == n ? bytes : (bytes * (t + 1) / n) & ~(int64_t)4095;
		int mine = e > a ? tomo_write_full(o->fd, (const char *)planes + a, (size_t)(e - a),
		                                   at + a, tomo_output_name(o))
		                 : TOMO_OK;
		/* tomo_error's message is per thread: keep the first failure's. */
		if (mine) {
#pragma omp critical(tomo_raw_write)
			if (rc == TOMO_OK) {
				rc = mine;
				snprintf(msg, sizeof msg, "%s", tomo_errmsg());
			}
		}
	}
	return rc ? tomo_error(rc, "%s", msg) : TOMO_OK;
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
tomo_output_open_array(struct tomo_output *o, const char *head, size_t len)
{
	struct rawout *r = calloc(1, sizeof *r);
	int64_t count;
	int rc;

	if (!r)
		return tomo_error(TOMO_ERR, "out of memory");
	tomo_header_count(&o->hdr, &count);
	r->data_offset = (int64_t)len;
	rc = len ? tomo_write_full(o->fd, head, len, o->sequential ? -1 : 0,
	                           tomo_output_name(o))
	         : TOMO_OK;
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

int
tomo_output_open_nrrd(struct tomo_output *o, int raw)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!raw && (rc = tomo_nrrd_format(&o->hdr, &text, &len)))
		return rc;
	rc = tomo_output_open_array(o, text, len);
	free(text);
	return rc;
}
