/*
 * slab_read: read a file of projections whole, in slabs of ROWS detector
 * rows from every projection, through tomo_input_read (tomo-fbp's reads:
 * a box of whole rows spanning every plane); print the seconds of each
 * pass and the rate. Built and run by bench/slab-read.
 * Usage: slab_read FILE ROWS PASSES
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tomo/err.h"
#include "tomo/io.h"

static double
now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct tomo_input *in;

	if (argc != 4)
		return fprintf(stderr, "usage: slab_read FILE ROWS PASSES\n"), 2;
	if (tomo_input_open(argv[1], NULL, &in))
		return fprintf(stderr, "slab_read: %s\n", tomo_errmsg()), 1;
	const struct tomo_header *h = tomo_input_header(in);
	const long X = h->size[0], Y = h->size[1], Z = h->size[2], R = atol(argv[2]);
	float *buf = malloc(sizeof(float) * (size_t)(X * R * Z));
	if (!buf || R < 1)
		return fprintf(stderr, "slab_read: no memory or bad ROWS\n"), 1;
	for (int pass = 0; pass < atoi(argv[3]); pass++) {
		double t = now();
		for (long r0 = 0; r0 < Y; r0 += R) {
			struct tomo_box b = {0, X, r0, r0 + R > Y ? Y - r0 : R, 0, Z};
			if (tomo_input_read(in, &b, buf))
				return fprintf(stderr, "slab_read: %s\n", tomo_errmsg()), 1;
		}
		t = now() - t;
		printf("%.3f s %.2f GB/s\n", t, 4.0 * (double)(X * Y * Z) / 1e9 / t);
	}
	tomo_input_close(in);
	free(buf);
	return 0;
}
