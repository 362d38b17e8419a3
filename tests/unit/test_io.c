/* Unit tests of the io layer: NRRD/raw files and streams, boxes, mapping,
 * buffering, atomic outputs (lib/input*.c, lib/output*.c). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/io.h"
#include "unit.h"

#define X 5
#define Y 4
#define Z 6

static float ref[Z][Y][X];

static void
fill_ref(void)
{
	for (int z = 0; z < Z; z++)
		for (int y = 0; y < Y; y++)
			for (int x = 0; x < X; x++)
				ref[z][y][x] = (float)(100 * z + 10 * y + x) + 0.25f;
}

static void
header(struct tomo_header *h)
{
	double a[Z] = {0, 30, 60, 90, 120, 150};
	tomo_header_init(h);
	h->size[0] = X, h->size[1] = Y, h->size[2] = Z;
	h->kind = TOMO_KIND_PROJECTIONS;
	tomo_header_set_angles(h, a, Z);
	tomo_header_set_kv(h, "origin", "unit test");
}

#define path unit_path

static int
write_file(const char *name, int reverse)
{
	struct tomo_header h;
	struct tomo_output *o;
	header(&h);
	int rc = tomo_output_open(name, &h, &o);
	tomo_header_free(&h);
	if (rc)
		return rc;
	for (int i = 0; i < Z / 2; i++) {
		int z = reverse ? Z - 2 - 2 * i : 2 * i;
		if ((rc = tomo_output_write(o, z, 2, &ref[z][0][0]))) {
			tomo_output_abort(o);
			return rc;
		}
	}
	return tomo_output_close(o);
}

static void
nrrd_file_round_trip_in_any_order(void)
{
	const char *p = path("a.nrrd");
	struct tomo_input *in;
	float got[Z][Y][X];
	struct stat st;

	fill_ref();
	CHECK(write_file(p, 1) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(stat(p, &st) == 0 && st.st_size == 4096 + (off_t)sizeof ref,
	      "size %lld", (long long)st.st_size);
	CHECK(tomo_input_open(p, NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	if (!in)
		return;
	const struct tomo_header *h = tomo_input_header(in);
	CHECK(h->nangles == Z && h->angles[5] == 150, "angles");
	CHECK(!strcmp(tomo_header_get_kv(h, "origin"), "unit test"), "kv");
	CHECK(tomo_input_mapped(in) != NULL, "float32 LE data is mapped in place");
	CHECK(tomo_input_read_planes(in, 0, Z, &got[0][0][0]) == TOMO_OK, "read");
	CHECK(!memcmp(got, ref, sizeof ref), "bit-exact");
	/* A box: columns 1..3, rows 2..3, planes 3..4. */
	struct tomo_box b = {1, 3, 2, 2, 3, 2};
	float box[2][2][3];
	CHECK(tomo_input_read(in, &b, &box[0][0][0]) == TOMO_OK, "box");
	CHECK(box[1][1][2] == ref[4][3][3] && box[0][0][0] == ref[3][2][1], "box values");
	struct tomo_box out = {0, 1, 0, 1, 5, 2};
	CHECK(tomo_input_read(in, &out, &box[0][0][0]) == TOMO_ERR, "box outside");
	tomo_input_close(in);
}

static void
failed_output_leaves_nothing(void)
{
	const char *p = path("partial.nrrd");
	struct tomo_header h;
	struct tomo_output *o;
	header(&h);
	CHECK(tomo_output_open(p, &h, &o) == TOMO_OK, "%s", tomo_errmsg());
	tomo_output_write(o, 0, 1, &ref[0][0][0]);
	CHECK(tomo_output_close(o) == TOMO_ERR && strstr(tomo_errmsg(), "never written"),
	      "%s", tomo_errmsg());
	CHECK(access(p, F_OK) != 0, "no file left");
	CHECK(tomo_output_open(p, &h, &o) == TOMO_OK, "%s", tomo_errmsg());
	tomo_output_abort(o);
	CHECK(access(p, F_OK) != 0, "no file left after abort");
	char cmd[600];
	snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q tmp", unit_tmpdir());
	CHECK(system(cmd) != 0, "no temporary file left");
	tomo_header_free(&h);
}

static void
stream_reads_forward_and_buffers(void)
{
	const char *p = path("s.nrrd");
	struct tomo_input *in = calloc(1, sizeof *in);
	float got[Z][Y][X];

	fill_ref();
	CHECK(write_file(p, 0) == TOMO_OK, "%s", tomo_errmsg());
	int fd = open(p, O_RDONLY);
	tomo_header_init(&in->hdr);
	in->name = strdup("<test stream>");
	CHECK(tomo_input_open_stream(in, fd, NULL) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_input_sequential(in), "sequential");
	struct tomo_box b = {0, X, 1, 2, 1, 1};
	CHECK(tomo_input_read(in, &b, &got[0][0][0]) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(got[0][0][0] == ref[1][1][0] && got[0][1][4] == ref[1][2][4], "rows of plane 1");
	CHECK(tomo_input_read_planes(in, 0, 1, &got[0][0][0]) == TOMO_ERR,
	      "backwards refused");
	/* Spill the rest (planes 2..5) to a temporary file: budget 1 byte. */
	CHECK(tomo_input_buffer(in, 1) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(!tomo_input_sequential(in), "random access now");
	CHECK(tomo_input_read_planes(in, 5, 1, &got[0][0][0]) == TOMO_OK &&
	              tomo_input_read_planes(in, 2, 1, &got[1][0][0]) == TOMO_OK,
	      "%s", tomo_errmsg());
	CHECK(!memcmp(got[0], ref[5], sizeof ref[5]) && !memcmp(got[1], ref[2], sizeof ref[2]),
	      "buffered values");
	CHECK(tomo_input_read_planes(in, 1, 1, &got[0][0][0]) == TOMO_ERR,
	      "consumed plane refused");
	tomo_input_close(in);
	close(fd);
}

static void
truncated_inputs_fail_clearly(void)
{
	const char *p = path("t.nrrd");
	struct tomo_input *in = NULL;

	fill_ref();
	CHECK(write_file(p, 0) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(truncate(p, 4096 + sizeof ref - 4) == 0, "truncate");
	CHECK(tomo_input_open(p, NULL, &in) == TOMO_ERR, "accepted a truncated file");
	CHECK(strstr(tomo_errmsg(), "truncated"), "%s", tomo_errmsg());

	/* As a stream it fails at the short plane. */
	in = calloc(1, sizeof *in);
	tomo_header_init(&in->hdr);
	in->name = strdup("<stdin>");
	int fd = open(p, O_RDONLY);
	float got[Z][Y][X];
	CHECK(tomo_input_open_stream(in, fd, NULL) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_input_read_planes(in, 0, Z, &got[0][0][0]) == TOMO_ERR, "short read");
	CHECK(strstr(tomo_errmsg(), "plane 5"), "%s", tomo_errmsg());
	tomo_input_close(in);
	close(fd);

	/* A file that shrinks once open: whole rows (read with pread) fail
	 * at the missing plane, the planes before it still read. */
	CHECK(write_file(p, 0) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_input_open(p, NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(truncate(p, 4096 + sizeof ref / 2) == 0, "truncate");
	struct tomo_box rows = {0, X, 1, 2, 0, Z};
	CHECK(tomo_input_read(in, &rows, &got[0][0][0]) == TOMO_ERR, "read past the end");
	CHECK(strstr(tomo_errmsg(), "plane 3") && strstr(tomo_errmsg(), "shrank"), "%s",
	      tomo_errmsg());
	rows.nz = 2;
	CHECK(tomo_input_read(in, &rows, &got[0][0][0]) == TOMO_OK, "%s", tomo_errmsg());
	CHECK((&got[0][0][0])[(1 * 2 + 1) * X + 4] == ref[1][2][4], "plane 1 row 2");
	tomo_input_close(in);
}

static void
detached_header_big_endian_and_skips(void)
{
	const char *data = path("d.bin"), *nhdr = path("d.nhdr");
	uint16_t be[2][3];
	FILE *f = fopen(data, "wb");
	fputs("junk line\n", f);
	fputs("XY", f); /* byte skip 2 */
	for (int i = 0; i < 6; i++) {
		uint16_t v = (uint16_t)(1000 + i);
		be[i / 3][i % 3] = __builtin_bswap16(v);
	}
	fwrite(be, sizeof be, 1, f);
	fclose(f);
	f = fopen(nhdr, "w");
	fprintf(f, "NRRD0004\ntype: ushort\ndimension: 2\nsizes: 3 2\nendian: big\n"
	           "encoding: raw\nline skip: 1\nbyte skip: 2\ndata file: d.bin\n");
	fclose(f);
	struct tomo_input *in;
	float got[6];
	CHECK(tomo_input_open(nhdr, NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	if (!in)
		return;
	CHECK(tomo_input_dtype(in) == TOMO_U16, "dtype");
	CHECK(tomo_input_read_planes(in, 0, 1, got) == TOMO_OK, "%s", tomo_errmsg());
	for (int i = 0; i < 6; i++)
		CHECK(got[i] == 1000 + i, "sample %d = %g", i, got[i]);
	tomo_input_close(in);
}

static void
raw_needs_and_uses_a_shape(void)
{
	const char *p = path("r.raw");
	struct tomo_input *in;
	FILE *f = fopen(p, "wb");

	fill_ref();
	fwrite(ref, sizeof ref, 1, f);
	fclose(f);
	CHECK(tomo_input_open(p, NULL, &in) == TOMO_EUSAGE, "raw without shape");
	struct tomo_input_opts o = {.shape = "5x4x6"};
	CHECK(tomo_input_open(p, &o, &in) == TOMO_OK, "%s", tomo_errmsg());
	float got[Z][Y][X];
	CHECK(tomo_input_read_planes(in, 0, Z, &got[0][0][0]) == TOMO_OK &&
	              !memcmp(got, ref, sizeof ref), "raw values");
	tomo_input_close(in);
	o.shape = "5x4x7";
	CHECK(tomo_input_open(p, &o, &in) == TOMO_ERR, "too short for shape");
	/* And the .raw writer writes exactly the samples. */
	const char *q = path("w.raw");
	CHECK(write_file(q, 0) == TOMO_OK, "%s", tomo_errmsg());
	struct stat st;
	CHECK(stat(q, &st) == 0 && st.st_size == (off_t)sizeof ref, "raw size");
}

static void
parses_shapes_and_slabs(void)
{
	int64_t s[3];
	CHECK(tomo_parse_shape("2048x2048x1800", s) == 0 && s[2] == 1800, "xyz");
	CHECK(tomo_parse_shape("7x3", s) == 0 && s[2] == 1, "xy");
	CHECK(tomo_parse_shape("7x0x3", s) == TOMO_EUSAGE, "zero");
	CHECK(tomo_parse_shape("7x3x", s) == TOMO_EUSAGE, "trailing");
	CHECK(tomo_parse_shape("100000000x100000000x100000000", s) == TOMO_EUSAGE,
	      "overflow");
	CHECK(tomo_slab_planes(1000, 10500, 100) == 10, "budget");
	CHECK(tomo_slab_planes(1000, 10, 100) == 1, "at least one");
	CHECK(tomo_slab_planes(1, 1 << 30, 7) == 7, "at most total");
}

UNIT_MAIN(T(nrrd_file_round_trip_in_any_order), T(failed_output_leaves_nothing),
          T(stream_reads_forward_and_buffers), T(truncated_inputs_fail_clearly),
          T(detached_header_big_endian_and_skips), T(raw_needs_and_uses_a_shape),
          T(parses_shapes_and_slabs))
