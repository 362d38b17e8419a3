/* Unit tests of the parts of one output (tomo_output_open_region,
 * tomo_output_write_box, tomo_input_region; lib/output.c, output_file.c):
 * parts written one after the other or by processes at once give the file
 * one process writes, bit for bit, in every format that is written in
 * place; a file of another header is refused in one line; TIFF is refused;
 * a part's stream carries its place. With arguments, the same writer as a
 * program for tests/parts-io.bats:
 *   test_region whole OUT         the whole output in one go
 *   test_region part OUT AXIS I N part I of N along AXIS (z or y)
 *   test_region region [IN]       print the tomo_input_region of IN (stdin) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tomo/err.h"
#include "tomo/io.h"
#include "unit.h"

/* Sizes with fewer rows and planes than the largest part count, so that
 * some parts hold nothing. */
#define X 9
#define Y 5
#define Z 6

static float ref[Z][Y][X];

static void
fill_ref(void)
{
	for (int z = 0; z < Z; z++)
		for (int y = 0; y < Y; y++)
			for (int x = 0; x < X; x++)
				ref[z][y][x] = (float)(1000 * z + 100 * y + x) + 0.25f;
	ref[1][2][3] = NAN;
}

static void
header(struct tomo_header *h, int64_t z)
{
	double a[Z + 4];
	for (int i = 0; i < Z + 4; i++)
		a[i] = 1.5 * i;
	tomo_header_init(h);
	h->size[0] = X, h->size[1] = Y, h->size[2] = z;
	h->kind = TOMO_KIND_PROJECTIONS;
	h->pixel_size = 6.5e-6;
	tomo_header_set_angles(h, a, z);
	tomo_header_set_kv(h, "origin", "parts");
}

/* Part i of n along axis (2: z, 1: y) of the whole. */
static struct tomo_box
part_box(int axis, int i, int n)
{
	struct tomo_box b = {0, X, 0, Y, 0, Z};
	int64_t len = axis == 2 ? Z : Y, a = len * i / n, e = len * (i + 1) / n;
	if (axis == 2)
		b.z0 = a, b.nz = e - a;
	else
		b.y0 = a, b.ny = e - a;
	return b;
}

/* The samples of box b of ref, [nz][ny][nx]. */
static float *
cut(const struct tomo_box *b)
{
	float *d = malloc((size_t)(b->nx * b->ny * b->nz + 1) * sizeof *d);
	float *p = d;
	for (int64_t z = b->z0; z < b->z0 + b->nz; z++)
		for (int64_t y = b->y0; y < b->y0 + b->ny; y++)
			for (int64_t x = b->x0; x < b->x0 + b->nx; x++)
				*p++ = ref[z][y][x];
	return d;
}

static int
put(struct tomo_output *o, const struct tomo_box *b)
{
	float *d = cut(b);
	int rc = tomo_output_write_box(o, b, d);
	free(d);
	return rc;
}

/* Write region r of the whole into path: planes backwards, each plane's
 * rows in two boxes, odd planes' rows in two halves of x as well; into a
 * stream ("-"), whole planes of the part in order. */
static int
write_part(const char *path, const struct tomo_box *r)
{
	struct tomo_header h;
	struct tomo_output *o;
	int rc;

	header(&h, Z);
	rc = tomo_output_open_region(path, &h, r, &o);
	tomo_header_free(&h);
	if (rc)
		return rc;
	for (int64_t z = r->z0; !strcmp(path, "-") && z < r->z0 + r->nz && !rc; z++) {
		struct tomo_box plane = *r;
		plane.z0 = z, plane.nz = 1;
		rc = put(o, &plane);
	}
	for (int64_t z = r->z0 + r->nz - 1; strcmp(path, "-") && z >= r->z0 && !rc; z--) {
		int64_t half = r->ny / 2;
		struct tomo_box top = {0, X, r->y0, half, z, 1};
		struct tomo_box bottom = {0, X, r->y0 + half, r->ny - half, z, 1};
		rc = put(o, &bottom);
		if (!rc && z % 2) {
			struct tomo_box left = top, right = top;
			left.nx = 4;
			right.x0 = 4, right.nx = X - 4;
			rc = put(o, &right);
			if (!rc)
				rc = put(o, &left);
		} else if (!rc) {
			rc = put(o, &top);
		}
	}
	if (rc) {
		tomo_output_abort(o);
		return rc;
	}
	return tomo_output_close(o);
}

static int
write_whole(const char *path)
{
	struct tomo_header h;
	struct tomo_output *o;
	int rc;

	header(&h, Z);
	rc = tomo_output_open(path, &h, &o);
	tomo_header_free(&h);
	if (rc)
		return rc;
	if ((rc = tomo_output_write(o, 0, Z, &ref[0][0][0]))) {
		tomo_output_abort(o);
		return rc;
	}
	return tomo_output_close(o);
}

/* The file part of an output name ("v.h5:/x" -> "v.h5"), in buf. */
static const char *
file_of(const char *spec, char *buf, size_t n)
{
	const char *c = strstr(spec, ":/");
	snprintf(buf, n, "%.*s", c ? (int)(c - spec) : (int)strlen(spec), spec);
	return buf;
}

/* The bytes of a file, malloc'd (*n of them); NULL when unreadable. */
static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *d = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (d = malloc((size_t)len + 1)))
		*n = fread(d, 1, (size_t)len, f);
	fclose(f);
	return d;
}

static int
same_files(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	char *da = slurp(a, &na), *db = slurp(b, &nb);
	int same = da && db && na == nb && !memcmp(da, db, na);
	free(da);
	free(db);
	return same;
}

/* Parts of n written by n processes started together (a pipe they all
 * wait on is closed once all are forked). 0 when every one succeeded. */
static int
write_parts_at_once(const char *spec, int axis, int n)
{
	int gate[2], bad = 0;
	pid_t pid[16];

	if (pipe(gate))
		return -1;
	for (int i = 0; i < n; i++) {
		if ((pid[i] = fork()) == 0) {
			char c;
			close(gate[1]);
			if (read(gate[0], &c, 1) < 0)
				_exit(9);
			struct tomo_box b = part_box(axis, i, n);
			int rc = write_part(spec, &b);
			if (rc)
				fprintf(stderr, "# part %d of %d: %s\n", i, n, tomo_errmsg());
			_exit(rc);
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < n; i++) {
		int st;
		if (waitpid(pid[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	return bad;
}

static const char *const specs[] = {"v.nrrd", "v.raw", "v.npy", "v.h5:/x"};

static void
parts_give_the_whole(void)
{
	static const int counts[] = {1, 2, 3, 7};
	char whole[600], spec[600], file[600], ref_file[600];

	fill_ref();
	for (size_t f = 0; f < sizeof specs / sizeof *specs; f++) {
		snprintf(whole, sizeof whole, "%s/whole-%s", unit_tmpdir(), specs[f]);
		CHECK(write_whole(whole) == TOMO_OK, "%s: %s", whole, tomo_errmsg());
		file_of(whole, ref_file, sizeof ref_file);
		for (int axis = 1; axis <= 2; axis++)
			for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
				int n = counts[c];
				snprintf(spec, sizeof spec, "%s/%c%d-%s", unit_tmpdir(), "xyz"[axis], n,
				         specs[f]);
				file_of(spec, file, sizeof file);
				for (int i = n - 1; i >= 0; i--) {
					struct tomo_box b = part_box(axis, i, n);
					CHECK(write_part(spec, &b) == TOMO_OK, "%s part %d: %s", spec, i,
					      tomo_errmsg());
				}
				CHECK(same_files(file, ref_file), "%s one after the other", spec);
				unlink(file);
				CHECK(write_parts_at_once(spec, axis, n) == 0, "%s at once", spec);
				CHECK(same_files(file, ref_file), "%s at once", spec);
				/* Parts written again over the complete file change nothing. */
				struct tomo_box b = part_box(axis, n - 1, n);
				CHECK(write_part(spec, &b) == TOMO_OK, "%s: %s", spec, tomo_errmsg());
				CHECK(same_files(file, ref_file), "%s written again", spec);
			}
	}
}

/* The whole as a region is tomo_output_open: a new file, renamed. */
static void
whole_region_is_open(void)
{
	char a[600], b[600];
	struct tomo_box all = {0, X, 0, Y, 0, Z};

	fill_ref();
	snprintf(a, sizeof a, "%s/w1.h5:/exchange/data", unit_tmpdir());
	snprintf(b, sizeof b, "%s/w2.h5:/exchange/data", unit_tmpdir());
	CHECK(write_whole(a) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(write_part(b, &all) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(same_files(unit_path("w1.h5"), unit_path("w2.h5")), "the same file");
	/* The parts of a DXchange dataset (its groups and theta) too. */
	unlink(unit_path("w2.h5"));
	for (int i = 0; i < 3; i++) {
		struct tomo_box p = part_box(2, i, 3);
		CHECK(write_part(b, &p) == TOMO_OK, "%s", tomo_errmsg());
	}
	CHECK(same_files(unit_path("w1.h5"), unit_path("w2.h5")), "DXchange in parts");
}

/* An existing file of another header: TOMO_ERR, one line naming it. */
static void
other_header_is_refused(void)
{
	struct tomo_header h;
	struct tomo_output *o = NULL;
	struct tomo_box b = part_box(2, 0, 2);
	char spec[600], other[600];

	fill_ref();
	for (size_t f = 0; f < sizeof specs / sizeof *specs; f++) {
		snprintf(spec, sizeof spec, "%s/other-%s", unit_tmpdir(), specs[f]);
		snprintf(other, sizeof other, "%s/other2-%s", unit_tmpdir(), specs[f]);
		header(&h, Z + 3);
		CHECK(tomo_output_open(spec, &h, &o) == TOMO_OK, "%s", tomo_errmsg());
		float *zeros = calloc(X * Y * (Z + 3), sizeof *zeros);
		tomo_output_write(o, 0, Z + 3, zeros);
		free(zeros);
		CHECK(tomo_output_close(o) == TOMO_OK, "%s", tomo_errmsg());
		tomo_header_free(&h);
		int rc = write_part(spec, &b);
		CHECK(rc == TOMO_ERR && strstr(tomo_errmsg(), "exists") &&
		              !strchr(tomo_errmsg(), '\n'),
		      "%s: rc %d: %s", spec, rc, tomo_errmsg());
		printf("# %s\n", tomo_errmsg());
		/* The same sizes but another key. */
		CHECK(write_whole(other) == TOMO_OK, "%s", tomo_errmsg());
		header(&h, Z);
		h.pixel_size = 1e-6;
		rc = tomo_output_open_region(other, &h, &b, &o);
		tomo_header_free(&h);
		/* .raw and .npy keep no keys. */
		CHECK(rc == TOMO_ERR || (strcmp(specs[f], "v.nrrd") && strcmp(specs[f], "v.h5:/x") &&
		                         rc == TOMO_OK),
		      "%s: rc %d", other, rc);
		if (rc == TOMO_OK)
			tomo_output_abort(o);
		else
			CHECK(strstr(tomo_errmsg(), "tomo_pixel_size"), "%s", tomo_errmsg());
		printf("# %s\n", tomo_errmsg());
	}
}

static void
tiff_and_bad_regions_are_refused(void)
{
	struct tomo_header h;
	struct tomo_output *o = NULL;
	struct tomo_box b = part_box(2, 1, 2), out = {0, X, 0, Y, 4, Z};

	header(&h, Z);
	CHECK(tomo_output_open_region(unit_path("p.tif"), &h, &b, &o) == TOMO_EUSAGE &&
	              strstr(tomo_errmsg(), ".nrrd") && strstr(tomo_errmsg(), ".h5") &&
	              !strchr(tomo_errmsg(), '\n'),
	      "%s", tomo_errmsg());
	printf("# %s\n", tomo_errmsg());
	CHECK(access(unit_path("p.tif"), F_OK) != 0, "no TIFF made");
	CHECK(tomo_output_open_region(unit_path("p.nrrd"), &h, &out, &o) == TOMO_ERR,
	      "region outside the whole");
	/* A box outside the part, and a part not all written. */
	CHECK(tomo_output_open_region(unit_path("p.nrrd"), &h, &b, &o) == TOMO_OK, "%s",
	      tomo_errmsg());
	struct tomo_box wrong = {0, X, 0, Y, 0, 1};
	float plane[Y][X] = {{0}};
	CHECK(tomo_output_write_box(o, &wrong, &plane[0][0]) == TOMO_ERR &&
	              strstr(tomo_errmsg(), "outside"),
	      "%s", tomo_errmsg());
	struct tomo_box row = {0, X, 0, 1, b.z0, 1};
	CHECK(tomo_output_write_box(o, &row, &plane[0][0]) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_output_close(o) == TOMO_ERR && strstr(tomo_errmsg(), "row 1 of plane 3"),
	      "%s", tomo_errmsg());
	CHECK(access(unit_path("p.nrrd"), F_OK) == 0, "the shared file stays");
	tomo_header_free(&h);
}

/* A part to stdout is a stream of the part with its place; read back, it
 * has the part's sizes and angles and says where it lies. */
static void
stream_carries_the_place(void)
{
	struct tomo_box b = {2, 5, 1, 3, 2, 3};
	int p[2], saved = dup(0);
	pid_t pid;

	fill_ref();
	CHECK(pipe(p) == 0, "pipe");
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		_exit(write_part("-", &b));
	}
	close(p[1]);
	dup2(p[0], 0);
	close(p[0]);
	struct tomo_input *in = NULL;
	CHECK(tomo_input_open("-", NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	if (in) {
		const struct tomo_header *h = tomo_input_header(in);
		struct tomo_box got;
		int64_t whole[3];
		tomo_input_region(in, &got, whole);
		CHECK(h->size[0] == 5 && h->size[1] == 3 && h->size[2] == 3, "sizes %lld %lld %lld",
		      (long long)h->size[0], (long long)h->size[1], (long long)h->size[2]);
		CHECK(!memcmp(&got, &b, sizeof b) && whole[0] == X && whole[1] == Y && whole[2] == Z,
		      "region %lld+%lld %lld+%lld %lld+%lld of %lld %lld %lld", (long long)got.x0,
		      (long long)got.nx, (long long)got.y0, (long long)got.ny, (long long)got.z0,
		      (long long)got.nz, (long long)whole[0], (long long)whole[1],
		      (long long)whole[2]);
		CHECK(h->nangles == 3 && h->angles[0] == 3.0 && h->angles[2] == 6.0, "angles cut");
		float *d = calloc(5 * 3 * 3, sizeof *d), *want = cut(&b);
		CHECK(tomo_input_read_planes(in, 0, 3, d) == TOMO_OK, "%s", tomo_errmsg());
		CHECK(!memcmp(d, want, 5 * 3 * 3 * sizeof *d), "samples");
		free(d);
		free(want);
		tomo_input_close(in);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer");
	dup2(saved, 0);
	close(saved);

	/* A file without the key holds all of itself. */
	CHECK(write_whole(unit_path("all.nrrd")) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_input_open(unit_path("all.nrrd"), NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	struct tomo_box got;
	int64_t whole[3];
	tomo_input_region(in, &got, whole);
	CHECK(got.x0 == 0 && got.nx == X && got.ny == Y && got.nz == Z && whole[2] == Z, "all");
	tomo_input_close(in);

	/* A part holding nothing has no stream. */
	struct tomo_header h;
	struct tomo_box none = part_box(2, 0, 7);
	struct tomo_output *o = NULL;
	header(&h, Z);
	int out = dup(1), devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 1);
	int rc = tomo_output_open_region("-", &h, &none, &o);
	dup2(out, 1);
	close(out);
	close(devnull);
	CHECK(rc == TOMO_ERR && strstr(tomo_errmsg(), "no sample"), "%s", tomo_errmsg());
	tomo_header_free(&h);
}

#define main unit_main
UNIT_MAIN(T(parts_give_the_whole), T(whole_region_is_open), T(other_header_is_refused),
          T(tiff_and_bad_regions_are_refused), T(stream_carries_the_place))
#undef main

/* The program for tests/parts-io.bats. */
static int
tool(int argc, char **argv)
{
	int rc = TOMO_EUSAGE;

	fill_ref();
	if (!strcmp(argv[1], "whole") && argc == 3) {
		rc = write_whole(argv[2]);
	} else if (!strcmp(argv[1], "part") && argc == 6) {
		struct tomo_box b = part_box(argv[3][0] == 'y' ? 1 : 2, atoi(argv[4]), atoi(argv[5]));
		rc = write_part(argv[2], &b);
	} else if (!strcmp(argv[1], "region") && argc <= 3) {
		struct tomo_input *in;
		struct tomo_box b;
		int64_t w[3];
		if ((rc = tomo_input_open(argc == 3 ? argv[2] : "-", NULL, &in)) == TOMO_OK) {
			tomo_input_region(in, &b, w);
			printf("%lld+%lld %lld+%lld %lld+%lld of %lld %lld %lld\n", (long long)b.x0,
			       (long long)b.nx, (long long)b.y0, (long long)b.ny, (long long)b.z0,
			       (long long)b.nz, (long long)w[0], (long long)w[1], (long long)w[2]);
			tomo_input_close(in);
		}
	} else {
		fprintf(stderr, "usage: test_region [whole OUT | part OUT z|y I N | region [IN]]\n");
		return 2;
	}
	if (rc)
		fprintf(stderr, "test_region: error: %s\n", tomo_errmsg());
	return rc;
}

int
main(int argc, char **argv)
{
	return argc > 1 ? tool(argc, argv) : unit_main();
}
