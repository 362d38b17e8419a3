/*
 * output_raw: the stream format (NRRD float32 LE raw, header padded to 4096),
 * headerless .raw, and the samples after another header (.npy) or inside
 * another file (HDF5's contiguous dataset): a float32 array at an offset.
 * Into a file, each box goes to its own offsets (pwrite), so slabs may come
 * in any order, and the parts of one output from several processes; into
 * a pipe, whole planes in order.
 */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/nrrd.h"

/* Writes into a file past this size are split among the threads: one
 * pwrite copies into the page cache at ~2-3 GB/s, far below what a GPU
 * or the filters produce. */
#define PARALLEL_BYTES ((int64_t)64 << 20)

struct arrayout {
	int64_t data_offset;
};

/* n bytes at p to offset at of the file, by all threads past
 * PARALLEL_BYTES. */
static int
write_at(struct tomo_output *o, const char *p, int64_t n, int64_t at)
{
	int rc = TOMO_OK;
	char msg[512];

	if (n < PARALLEL_BYTES)
		return tomo_write_full(o->fd, p, (size_t)n, at, tomo_output_name(o));
#pragma omp parallel
	{
		int64_t t = omp_get_thread_num(), k = omp_get_num_threads();
		int64_t a = (n * t / k) & ~(int64_t)4095;
		int64_t e = t + 1 == k ? n : (n * (t + 1) / k) & ~(int64_t)4095;
		int mine = e > a ? tomo_write_full(o->fd, p + a, (size_t)(e - a), at + a,
		                                   tomo_output_name(o))
		                 : TOMO_OK;
		/* tomo_error's message is per thread: keep the first failure's.
		 * Unnamed: a named critical section's lock is a global symbol
		 * that libtomo.so would export. */
		if (mine) {
#pragma omp critical
			if (rc == TOMO_OK) {
				rc = mine;
				snprintf(msg, sizeof msg, "%s", tomo_errmsg());
			}
		}
	}
	return rc ? tomo_error(rc, "%s", msg) : TOMO_OK;
}

/* Box b at its offsets: one write per run of contiguous samples (whole
 * planes, whole rows of a plane, or rows). A stream takes whole planes in
 * order (the front checks). */
static int
array_write(struct tomo_output *o, const struct tomo_box *b, const float *data)
{
	const struct arrayout *r = o->impl;
	const int64_t X = o->hdr.size[0], Y = o->hdr.size[1];
	const int64_t row = b->nx * (int64_t)sizeof(float);
	const char *p = (const char *)data;
	int rc = TOMO_OK;

	if (o->sequential)
		return tomo_write_full(o->fd, data, (size_t)(row * b->ny * b->nz), -1,
		                       tomo_output_name(o));
	if (b->nx == X && b->ny == Y)
		return write_at(o, p, row * Y * b->nz, r->data_offset + b->z0 * X * Y * 4);
	for (int64_t z = b->z0; z < b->z0 + b->nz && rc == TOMO_OK; z++) {
		const int64_t at = r->data_offset + (z * Y + b->y0) * X * 4;
		if (b->nx == X) {
			rc = write_at(o, p, row * b->ny, at);
			p += row * b->ny;
			continue;
		}
		for (int64_t y = 0; y < b->ny && rc == TOMO_OK; y++, p += row)
			rc = tomo_write_full(o->fd, p, (size_t)row, at + (y * X + b->x0) * 4,
			                     tomo_output_name(o));
	}
	return rc;
}

static int
array_commit(struct tomo_output *o)
{
	free(o->impl);
	o->impl = NULL;
	return tomo_output_file_commit(o);
}

static void
array_abort(struct tomo_output *o)
{
	free(o->impl);
	o->impl = NULL;
	tomo_output_file_abort(o);
}

static const struct tomo_output_ops array_ops = {array_write, array_commit, array_abort};

int
tomo_output_use_array(struct tomo_output *o, int64_t data_offset)
{
	struct arrayout *r = malloc(sizeof *r);

	if (!r)
		return tomo_error(TOMO_ERR, "out of memory");
	r->data_offset = data_offset;
	o->impl = r;
	o->ops = &array_ops;
	return TOMO_OK;
}

/* The bytes of a header, for the skeleton callbacks. */
struct head {
	const char *text;
	size_t len;
};

/* The header, and the file sized now: boxes may then arrive in any order,
 * and readers of a half-done file see its final size. */
static int
head_make(struct tomo_output *o, void *ctx, int fd, const char *tmp, int64_t *data_offset)
{
	const struct head *h = ctx;
	int64_t count;
	int rc;

	(void)tmp;
	tomo_header_count(&o->hdr, &count);
	*data_offset = (int64_t)h->len;
	rc = h->len ? tomo_write_full(fd, h->text, h->len, 0, tomo_output_name(o)) : TOMO_OK;
	if (rc == TOMO_OK && ftruncate(fd, (off_t)(*data_offset + count * 4)))
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot size '%s'", tomo_output_name(o));
	return rc;
}

/* The existing file holds this header and is of this size. */
static int
head_check(struct tomo_output *o, void *ctx, int fd, int64_t *data_offset)
{
	const struct head *h = ctx;
	char *have = malloc(h->len ? h->len : 1);
	int64_t count, got;
	struct stat st;
	int rc = TOMO_OK;

	if (!have)
		return tomo_error(TOMO_ERR, "out of memory");
	tomo_header_count(&o->hdr, &count);
	*data_offset = (int64_t)h->len;
	if ((got = tomo_read_full(fd, have, h->len, 0)) < 0 || fstat(fd, &st))
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot read '%s'", o->path);
	else if ((size_t)got != h->len || (h->len && memcmp(have, h->text, h->len)))
		rc = tomo_output_header_differs(o, h->text, h->len, have, (size_t)got);
	else if (st.st_size != *data_offset + count * 4)
		rc = tomo_error(TOMO_ERR,
		                "'%s' exists and holds %lld bytes, not the %lld of this output "
		                "(remove it to start anew)",
		                o->path, (long long)st.st_size, (long long)(*data_offset + count * 4));
	free(have);
	return rc;
}

int
tomo_output_open_array(struct tomo_output *o, const char *head, size_t len)
{
	struct head h = {head, len};
	const struct tomo_output_skeleton sk = {head_make, head_check, &h};
	int64_t offset = (int64_t)len;
	int rc;

	if (o->in_place)
		rc = tomo_output_file_shared(o, &sk, &offset);
	else if ((rc = tomo_output_file_open(o)) == TOMO_OK)
		rc = o->sequential ? len ? tomo_write_full(o->fd, head, len, -1, tomo_output_name(o))
		                         : TOMO_OK
		                   : head_make(o, &h, o->fd, o->tmp, &offset);
	if (rc == TOMO_OK)
		rc = tomo_output_use_array(o, offset);
	if (rc)
		tomo_output_file_abort(o);
	return rc;
}

int
tomo_output_open_nrrd(struct tomo_output *o)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if ((rc = tomo_nrrd_format(&o->hdr, &text, &len)))
		return rc;
	rc = tomo_output_open_array(o, text, len);
	free(text);
	return rc;
}

int
tomo_output_open_raw(struct tomo_output *o)
{
	return tomo_output_open_array(o, NULL, 0);
}
