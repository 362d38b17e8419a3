/* Unit tests of the NRRD header parser and writer (lib/nrrd.c). */
#include "tomo/err.h"
#include "tomo/nrrd.h"
#include "unit.h"

static int
parse(const char *text, struct tomo_nrrd *n)
{
	return tomo_nrrd_parse(text, strlen(text), n);
}

static void
parses_stream_header(void)
{
	struct tomo_nrrd n;
	const char *t = "NRRD0005\n# c\ntype: float\ndimension: 3\nsizes: 4 3 2\n"
	                "endian: little\nencoding: raw\ntomo_kind:=sinograms\n"
	                "tomo_quantity:=line-integral\ntomo_angles:=0 0.5 1\n"
	                "tomo_center:=1.75\ntomo_pixel_size:=6.5e-06\n"
	                "note:=a\\nb \\\\ c\n\n";
	CHECK(parse(t, &n) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(n.hdr.size[0] == 4 && n.hdr.size[1] == 3 && n.hdr.size[2] == 2, "sizes");
	CHECK(n.type == TOMO_F32 && !n.big_endian, "type");
	CHECK(n.hdr.kind == TOMO_KIND_SINOGRAMS, "kind");
	CHECK(n.hdr.quantity == TOMO_QUANTITY_LINE_INTEGRAL, "quantity");
	CHECK(n.hdr.nangles == 3 && n.hdr.angles[2] == 1.0, "angles");
	CHECK(n.hdr.center == 1.75 && n.hdr.pixel_size == 6.5e-6, "reals");
	CHECK(isnan(n.hdr.energy), "absent energy is NAN");
	const char *note = tomo_header_get_kv(&n.hdr, "note");
	CHECK(note && !strcmp(note, "a\nb \\ c"), "unescaped '%s'", note ? note : "");
	tomo_nrrd_free(&n);
}

static void
accepts_teem_types_and_lower_dimensions(void)
{
	struct tomo_nrrd n;
	CHECK(parse("NRRD0004\ntype: unsigned short\ndimension: 2\nsizes: 5 7\n"
	            "endian: big\nencoding: raw\nspacings: 0.5 nan\n"
	            "space directions: none none\n\n", &n) == TOMO_OK, "%s",
	      tomo_errmsg());
	CHECK(n.type == TOMO_U16 && n.big_endian, "ushort big");
	CHECK(n.hdr.size[0] == 5 && n.hdr.size[1] == 7 && n.hdr.size[2] == 1, "2D -> z = 1");
	CHECK(n.hdr.spacing[0] == 0.5 && isnan(n.hdr.spacing[1]), "spacings");
	tomo_nrrd_free(&n);
	CHECK(parse("NRRD0001\ntype: uchar\ndimension: 1\nsizes: 9\nencoding: raw\n\n",
	            &n) == TOMO_OK, "uchar needs no endian: %s", tomo_errmsg());
	tomo_nrrd_free(&n);
}

static void
refuses_what_it_cannot_read(void)
{
	struct {
		const char *text, *expect;
	} bad[] = {
		{"NRRD0005\ntype: float\ndimension: 3\nsizes: 1 1 1\nendian: little\n"
		 "encoding: gzip\n\n", "encoding 'gzip'"},
		{"NRRD0005\ntype: float\ndimension: 4\nsizes: 1 1 1 1\nendian: little\n"
		 "encoding: raw\n\n", "dimension 4"},
		{"NRRD0005\ntype: float\ndimension: 3\nsizes: 2 2\nendian: little\n"
		 "encoding: raw\n\n", "sizes give 2"},
		{"NRRD0005\ntype: float\ndimension: 3\nsizes: 2 -2 2\nendian: little\n"
		 "encoding: raw\n\n", "not a positive"},
		{"NRRD0005\ntype: float\ndimension: 3\nsizes: 3037000500 3037000500 "
		 "3037000500\nendian: little\nencoding: raw\n\n", "too large"},
		{"NRRD0005\ntype: float\ndimension: 3\nsizes: 1 1 1\nencoding: raw\n\n",
		 "no endian"},
		{"NRRD0005\ntype: complex\ndimension: 1\nsizes: 1\nencoding: raw\n\n",
		 "unknown type"},
		{"NRRD0005\ntype: float\ngarbage line\n\n", "line 3"},
		{"NRRD0005\ntype: float\nbogus field: 3\n\n", "unknown NRRD field"},
		{"PNG\n\n", "not a NRRD"},
		{"NRRD0005\ntype: float\ndimension: 1\nsizes: 2\nendian: little\n"
		 "encoding: raw\ntomo_angles:=0 x 2\n\n", "tomo_angles"},
		{"NRRD0005\ntype: float\ndimension: 1\nsizes: 2\nendian: little\n"
		 "encoding: raw\ntomo_kind:=pictures\n\n", "tomo_kind"},
		{"NRRD0005\ntype: float\ndimension: 1\nsizes: 2\nendian: little\n"
		 "encoding: raw\ndata file: LIST\n\n", "single data file"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct tomo_nrrd n;
		int rc = parse(bad[i].text, &n);
		CHECK(rc == TOMO_ERR, "case %zu accepted", i);
		CHECK(strstr(tomo_errmsg(), bad[i].expect), "case %zu: '%s' lacks '%s'",
		      i, tomo_errmsg(), bad[i].expect);
	}
}

static void
writes_aligned_header_that_reads_back(void)
{
	struct tomo_header h;
	struct tomo_nrrd n;
	double ang[3] = {0, 0.1, 179.9};
	char *text;
	size_t len;

	tomo_header_init(&h);
	h.size[0] = 7, h.size[1] = 5, h.size[2] = 3;
	h.kind = TOMO_KIND_PROJECTIONS;
	h.quantity = TOMO_QUANTITY_TRANSMISSION;
	h.center = 3.25;
	h.energy = 25;
	tomo_header_set_angles(&h, ang, 3);
	tomo_header_set_kv(&h, "beamline", "TOMCAT\nX02DA");
	CHECK(tomo_nrrd_format(&h, &text, &len) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(len % 4096 == 0 && len == strlen(text), "len %zu", len);
	CHECK(!strncmp(text + len - 2, "\n\n", 2), "ends with blank line");
	CHECK(strstr(text, "tomo_angles:=0 0.1 179.9\n"), "shortest angles");
	CHECK(parse(text, &n) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(n.hdr.nangles == 3 && n.hdr.angles[1] == 0.1, "angles back");
	CHECK(n.hdr.center == 3.25 && n.hdr.energy == 25, "reals back");
	CHECK(n.hdr.kind == TOMO_KIND_PROJECTIONS, "kind back");
	const char *v = tomo_header_get_kv(&n.hdr, "beamline");
	CHECK(v && !strcmp(v, "TOMCAT\nX02DA"), "escaped kv back");
	tomo_nrrd_free(&n);
	free(text);

	/* Many angles push the header past one page: still aligned. */
	double many[2000];
	for (int i = 0; i < 2000; i++)
		many[i] = i * 0.09;
	tomo_header_set_angles(&h, many, 2000);
	CHECK(tomo_nrrd_format(&h, &text, &len) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(len % 4096 == 0 && len > 4096, "len %zu", len);
	CHECK(parse(text, &n) == TOMO_OK && n.hdr.nangles == 2000 &&
	              n.hdr.angles[1999] == 1999 * 0.09, "2000 angles back");
	tomo_nrrd_free(&n);
	free(text);
	tomo_header_free(&h);
}

static void
header_kv_rules(void)
{
	struct tomo_header h, c;
	tomo_header_init(&h);
	CHECK(tomo_header_set_kv(&h, "a", "1") == 0, "add");
	CHECK(tomo_header_set_kv(&h, "a", "2") == 0 && h.nkv == 1, "replace");
	CHECK(tomo_header_set_kv(&h, "tomo_center", "2") == TOMO_ERR, "reserved");
	CHECK(tomo_header_set_kv(&h, "x:=y", "2") == TOMO_ERR, "bad key");
	CHECK(tomo_header_copy(&c, &h) == 0 && !strcmp(tomo_header_get_kv(&c, "a"), "2"),
	      "copy");
	CHECK(tomo_header_set_kv(&h, "a", NULL) == 0 && h.nkv == 0, "remove");
	tomo_header_free(&h);
	tomo_header_free(&c);
}

static void
converts_every_type(void)
{
	unsigned char be16[4] = {0x01, 0x02, 0xff, 0xfe};
	float out[2];
	tomo_convert_to_float(be16, TOMO_U16, 1, out, 2);
	CHECK(out[0] == 258 && out[1] == 65534, "u16 big endian %g %g", out[0], out[1]);
	tomo_convert_to_float(be16, TOMO_I16, 1, out, 2);
	CHECK(out[0] == 258 && out[1] == -2, "i16 big endian %g %g", out[0], out[1]);
	int32_t i32[2] = {-7, 1 << 20};
	tomo_convert_to_float(i32, TOMO_I32, 0, out, 2);
	CHECK(out[0] == -7 && out[1] == 1 << 20, "i32");
	double f64[2] = {0.25, -3.5};
	tomo_convert_to_float(f64, TOMO_F64, 0, out, 2);
	CHECK(out[0] == 0.25f && out[1] == -3.5f, "f64");
	uint64_t u64[2] = {0, 12345678901ULL};
	tomo_convert_to_float(u64, TOMO_U64, 0, out, 2);
	CHECK(out[1] == 12345678901.0f, "u64");
	/* Unaligned source. */
	unsigned char raw[9];
	float v = 1.5f;
	memcpy(raw + 1, &v, 4);
	tomo_convert_to_float(raw + 1, TOMO_F32, 0, out, 1);
	CHECK(out[0] == 1.5f, "unaligned f32");
}

UNIT_MAIN(T(parses_stream_header), T(accepts_teem_types_and_lower_dimensions),
          T(refuses_what_it_cannot_read), T(writes_aligned_header_that_reads_back),
          T(header_kv_rules), T(converts_every_type))
