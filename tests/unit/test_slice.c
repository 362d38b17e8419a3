/* Unit tests of lib/slice.c: selections checked against the sizes, the
 * header of a stack of slices (kind, angles, centre, spacings), and slices
 * read from a file and from a pipe against values computed here. */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tomo/err.h"
#include "tomo/io.h"
#include "tomo/slice.h"
#include "unit.h"

#define X 6
#define Y 5
#define Z 4

static float vol[Z][Y][X];

static void
projections(struct tomo_header *h)
{
	double a[Z] = {0, 10, 20, 30};
	tomo_header_init(h);
	h->size[0] = X, h->size[1] = Y, h->size[2] = Z;
	h->kind = TOMO_KIND_PROJECTIONS;
	h->center = 3.5;
	h->pixel_size = 1e-6;
	h->spacing[0] = 1, h->spacing[1] = 2, h->spacing[2] = 3;
	tomo_header_set_angles(h, a, Z);
}

static void
resolve_checks_sizes(void)
{
	struct tomo_header h;
	struct tomo_slice_sel s = {
		.axis = TOMO_AXIS_Y, .bin = 1, .first = 2, .step = 1, .count = -1};

	projections(&h);
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_OK, "%s", tomo_errmsg());
	/* y slices: rows = z, columns = x; count up to the last */
	CHECK(s.count == 3 && s.width == X && s.height == Z, "%lld %lld %lld", (long long)s.count,
	      (long long)s.width, (long long)s.height);
	s = (struct tomo_slice_sel){
		.axis = TOMO_AXIS_X, .bin = 1, .first = 0, .step = 2, .count = -1};
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_OK && s.count == 3 && s.width == Y &&
	              s.height == Z,
	      "x slices");
	s = (struct tomo_slice_sel){.axis = TOMO_AXIS_Z, .bin = 1, .first = 4, .count = 1};
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_EUSAGE && strstr(tomo_errmsg(), "0..3"), "%s",
	      tomo_errmsg());
	s = (struct tomo_slice_sel){
		.axis = TOMO_AXIS_Z, .bin = 2, .first = 0, .step = 1, .count = 3};
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_EUSAGE, "3 slices of 2 binned");
	s = (struct tomo_slice_sel){.axis = TOMO_AXIS_Z, .bin = 5, .count = 1};
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_EUSAGE && strstr(tomo_errmsg(), "along z"), "%s",
	      tomo_errmsg());
	s = (struct tomo_slice_sel){.axis = TOMO_AXIS_Z,
	                            .bin = 1,
	                            .count = 1,
	                            .crop = 1,
	                            .col0 = 1,
	                            .col1 = 7,
	                            .row0 = 0,
	                            .row1 = 2};
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_EUSAGE &&
	              strstr(tomo_errmsg(), "crop columns 1:7"),
	      "%s", tomo_errmsg());
	tomo_header_free(&h);
}

static void
header_follows_the_axes(void)
{
	struct tomo_header h, o;
	struct tomo_slice_sel s = {.axis = TOMO_AXIS_Z,
	                           .bin = 1,
	                           .first = 1,
	                           .step = 2,
	                           .count = -1,
	                           .crop = 1,
	                           .col0 = 2,
	                           .col1 = 5,
	                           .row0 = 1,
	                           .row1 = 3};

	projections(&h);
	/* z of projections: projections, angles 10 and 30, centre 3.5 - 2 */
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_slice_header(&h, &s, 0, s.count, &o) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(o.kind == TOMO_KIND_PROJECTIONS && o.size[0] == 3 && o.size[1] == 2 && o.size[2] == 2,
	      "kind %d sizes", o.kind);
	CHECK(o.nangles == 2 && o.angles[0] == 10 && o.angles[1] == 30, "angles");
	CHECK_NEAR(o.center, 1.5, 0);
	CHECK(o.spacing[0] == 1 && o.spacing[1] == 2 && o.spacing[2] == 6, "spacings");
	tomo_header_free(&o);

	/* y of projections: sinograms, angles along rows (crop rows 1..2) */
	s = (struct tomo_slice_sel){.axis = TOMO_AXIS_Y,
	                            .bin = 1,
	                            .first = 0,
	                            .step = 1,
	                            .count = -1,
	                            .crop = 1,
	                            .col0 = 0,
	                            .col1 = 6,
	                            .row0 = 1,
	                            .row1 = 3};
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_slice_header(&h, &s, 1, 2, &o) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(o.kind == TOMO_KIND_SINOGRAMS && o.size[2] == 2 && o.nangles == 2 &&
	              o.angles[0] == 10 && o.angles[1] == 20,
	      "sinograms");
	CHECK(o.spacing[1] == 3 && o.spacing[2] == 2, "spacings follow");
	tomo_header_free(&o);

	/* x: no known kind, no angles, no centre */
	s = (struct tomo_slice_sel){
		.axis = TOMO_AXIS_X, .bin = 1, .first = 0, .step = 1, .count = 1};
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_slice_header(&h, &s, 0, 1, &o) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(o.kind == TOMO_KIND_UNKNOWN && o.nangles == 0 && isnan(o.center), "unknown");
	tomo_header_free(&o);

	/* bin 2 along z: mean angles, centre halved, pixel doubled */
	s = (struct tomo_slice_sel){
		.axis = TOMO_AXIS_Z, .bin = 2, .first = 0, .step = 1, .count = -1};
	CHECK(tomo_slice_resolve(&h, &s) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_slice_header(&h, &s, 0, s.count, &o) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(o.size[0] == 3 && o.size[1] == 2 && o.size[2] == 2 && o.nangles == 2 &&
	              o.angles[0] == 5 && o.angles[1] == 25,
	      "binned angles");
	CHECK_NEAR(o.center, 1.75, 0);
	CHECK_NEAR(o.pixel_size, 2e-6, 1e-20);
	CHECK(o.spacing[2] == 6, "binned spacing");
	tomo_header_free(&o);
	tomo_header_free(&h);
}

static const char *
write_volume(void)
{
	const char *p = unit_path("v.nrrd");
	struct tomo_header h;
	struct tomo_output *o;

	for (int z = 0; z < Z; z++)
		for (int y = 0; y < Y; y++)
			for (int x = 0; x < X; x++)
				vol[z][y][x] = (float)(100 * z + 10 * y + x);
	vol[1][1][0] = -0.0f; /* in y slice 1, outside the x bin */
	projections(&h);
	CHECK(tomo_output_open(p, &h, &o) == TOMO_OK &&
	              tomo_output_write(o, 0, Z, &vol[0][0][0]) == TOMO_OK &&
	              tomo_output_close(o) == TOMO_OK,
	      "%s", tomo_errmsg());
	tomo_header_free(&h);
	return p;
}

/* An input on a pipe fed by a child process with the file's bytes. */
static struct tomo_input *
open_piped(const char *p)
{
	int fds[2], saved = dup(0);
	struct tomo_input *in = NULL;

	if (pipe(fds))
		return NULL;
	if (fork() == 0) {
		char buf[65536];
		int fd = open(p, O_RDONLY);
		ssize_t n;
		close(fds[0]);
		while ((n = read(fd, buf, sizeof buf)) > 0)
			if (write(fds[1], buf, (size_t)n) != n)
				break;
		_exit(0);
	}
	close(fds[1]);
	dup2(fds[0], 0);
	close(fds[0]);
	tomo_input_open("-", NULL, &in);
	dup2(saved, 0);
	close(saved);
	return in;
}

static void
reads_from_file_and_pipe(void)
{
	const char *p = write_volume();

	for (int piped = 0; piped < 2; piped++) {
		struct tomo_input *in = NULL;
		if (piped)
			in = open_piped(p);
		else
			tomo_input_open(p, NULL, &in);
		CHECK(in != NULL, "%s", tomo_errmsg());
		if (!in)
			return;
		/* Three requests in one call (one sweep of a pipe): z 1 and 3
		 * cropped, y 1..3 step 2, x 3 with bin 2 (x 1 binned). */
		struct tomo_slice_sel sz = {.axis = TOMO_AXIS_Z,
		                            .bin = 1,
		                            .first = 1,
		                            .step = 2,
		                            .count = 2,
		                            .crop = 1,
		                            .col0 = 1,
		                            .col1 = 4,
		                            .row0 = 2,
		                            .row1 = 4};
		struct tomo_slice_sel sy = {
			.axis = TOMO_AXIS_Y, .bin = 1, .first = 1, .step = 2, .count = 2};
		struct tomo_slice_sel sx = {
			.axis = TOMO_AXIS_X, .bin = 2, .first = 1, .step = 1, .count = 1};
		const struct tomo_header *h = tomo_input_header(in);
		CHECK(!tomo_slice_resolve(h, &sz) && !tomo_slice_resolve(h, &sy) &&
		              !tomo_slice_resolve(h, &sx),
		      "%s", tomo_errmsg());
		float dz[2][2][3], dy[2][Z][X], dx[2][2];
		struct tomo_slice_req r[3] = {{&sz, 0, 2, &dz[0][0][0]},
		                              {&sy, 0, 2, &dy[0][0][0]},
		                              {&sx, 0, 1, &dx[0][0]}};
		CHECK(tomo_slice_read(in, r, 3, NULL, NULL) == TOMO_OK, "%s", tomo_errmsg());
		for (int k = 0; k < 2; k++)
			for (int i = 0; i < 2; i++)
				for (int j = 0; j < 3; j++)
					CHECK(dz[k][i][j] == vol[1 + 2 * k][2 + i][1 + j],
					      "z %d %d %d", k, i, j);
		for (int k = 0; k < 2; k++)
			for (int i = 0; i < Z; i++)
				for (int j = 0; j < X; j++)
					CHECK(dy[k][i][j] == vol[i][1 + 2 * k][j], "y %d %d %d", k,
					      i, j);
		/* -0 comes through as -0. */
		CHECK(signbit(dy[0][1][0]), "sign of zero lost");
		/* x slice binned: rows = z/2, columns = y/2; the block mean of
		 * 100 z + 10 y + x over z 2i..2i+1, y 2j..2j+1, x 2..3. */
		for (int i = 0; i < 2; i++)
			for (int j = 0; j < 2; j++)
				CHECK_NEAR(dx[i][j], 100 * (2 * i + 0.5) + 10 * (2 * j + 0.5) + 2.5,
				           1e-4);
		tomo_input_close(in);
		if (piped)
			wait(NULL);
	}
}

UNIT_MAIN(T(resolve_checks_sizes), T(header_follows_the_axes), T(reads_from_file_and_pipe))
