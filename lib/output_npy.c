/*
 * output_npy: -o out.npy, NumPy's format (version 1.0): a header holding
 * the shape (z, y, x) of float32 little-endian samples in C order, padded
 * so that they start at a multiple of 64 bytes, then the samples, written
 * plane by plane by output_raw.c (any order into a file). The stream's
 * metadata (angles, kind, ...) are not kept: .npy has no place for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_impl.h"
#include "tomo/err.h"

char *
tomo_npy_format(const int64_t size[3], size_t *len)
{
	char dict[200];
	int n = snprintf(dict, sizeof dict,
	                 "{'descr': '<f4', 'fortran_order': False, 'shape': (%lld, %lld, %lld), }",
	                 (long long)size[2], (long long)size[1], (long long)size[0]);
	/* magic, version 1.0, the dict's length (2 bytes), dict, spaces, '\n' */
	size_t total = (10 + (size_t)n + 1 + 63) / 64 * 64, hlen = total - 10;
	char *h = malloc(total);

	if (!h)
		return NULL;
	memcpy(h, "\x93NUMPY\x01\x00", 8);
	h[8] = (char)(hlen & 0xff);
	h[9] = (char)(hlen >> 8);
	memcpy(h + 10, dict, (size_t)n);
	memset(h + 10 + n, ' ', total - 10 - (size_t)n - 1);
	h[total - 1] = '\n';
	*len = total;
	return h;
}

int
tomo_output_open_npy(struct tomo_output *o)
{
	size_t len;
	char *head = tomo_npy_format(o->hdr.size, &len);
	int rc;

	if (!head)
		return tomo_error(TOMO_ERR, "out of memory");
	rc = tomo_output_open_array(o, head, len);
	free(head);
	return rc;
}
