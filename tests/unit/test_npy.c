/* Unit tests of the .npy header parser and writer (lib/input_npy.c,
 * lib/output_npy.c): versions, dtypes and byte orders, shapes, the dict's
 * spellings, and every refusal in one line. */
#include <stdint.h>

#include "io_impl.h"
#include "tomo/err.h"
#include "unit.h"

/* A file's first bytes: magic, version major.0, the dict padded with
 * spaces and a newline to a multiple of 64 bytes (as NumPy writes it), or
 * with declared set to a length other than the dict's when it is >= 0. */
static size_t
npy_bytes(unsigned char *out, int major, const char *dict, long declared)
{
	size_t start = major == 1 ? 10 : 12, n = strlen(dict);
	size_t total = (start + n + 1 + 63) / 64 * 64, len = total - start;

	memcpy(out, "\x93NUMPY", 6);
	out[6] = (unsigned char)major;
	out[7] = 0;
	if (declared >= 0)
		len = (size_t)declared;
	for (size_t i = 0; i < start - 8; i++)
		out[8 + i] = (unsigned char)(len >> (8 * i));
	memcpy(out + start, dict, n);
	memset(out + start + n, ' ', total - start - n - 1);
	out[total - 1] = '\n';
	return total;
}

static int
parses(int major, const char *dict, struct tomo_npy *h)
{
	unsigned char buf[1024];
	size_t n = npy_bytes(buf, major, dict, -1);
	int rc = tomo_npy_parse(buf, n, h);

	CHECK(rc == TOMO_OK, "%s: %s", dict, tomo_errmsg());
	CHECK(rc || h->data_offset == (int64_t)n, "%s: offset %lld, not %zu", dict,
	      (long long)h->data_offset, n);
	return rc == TOMO_OK;
}

/* The parse fails in one line holding w1 and w2. */
static void
refused(const void *buf, size_t n, const char *w1, const char *w2)
{
	struct tomo_npy h;
	int rc = tomo_npy_parse(buf, n, &h);

	CHECK(rc == TOMO_ERR, "parsed: expected '%s'", w1);
	CHECK(strstr(tomo_errmsg(), w1), "'%s' not in: %s", w1, tomo_errmsg());
	CHECK(!w2 || strstr(tomo_errmsg(), w2), "'%s' not in: %s", w2, tomo_errmsg());
	CHECK(!strchr(tomo_errmsg(), '\n'), "one line: %s", tomo_errmsg());
}

static void
refused_dict(const char *dict, const char *w1, const char *w2)
{
	unsigned char buf[1024];
	size_t n = npy_bytes(buf, 1, dict, -1);

	refused(buf, n, w1, w2);
}

static void
versions_and_spellings(void)
{
	struct tomo_npy h;

	for (int major = 1; major <= 3; major++)
		if (parses(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }",
		           &h)) {
			CHECK(h.type == TOMO_F32 && !h.big_endian && h.rank == 3 && h.shape[0] == 2 &&
			              h.shape[1] == 3 && h.shape[2] == 4,
			      "version %d", major);
			CHECK(h.data_offset % 64 == 0, "aligned");
		}
	/* Keys in another order, double quotes, no trailing comma, Python 2's
	 * long sizes, spaces anywhere, a key NumPy does not write. */
	if (parses(1, "{ \"shape\" : ( 5L , 7L ) , \"fortran_order\":False,"
	              "'descr':'>i2','extra': [1, ('a', 'b'), {'c': None}]}",
	           &h))
		CHECK(h.type == TOMO_I16 && h.big_endian && h.rank == 2 && h.shape[0] == 5 &&
		              h.shape[1] == 7,
		      "spellings");
	if (parses(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (9,), }", &h))
		CHECK(h.type == TOMO_U8 && h.rank == 1 && h.shape[0] == 9 && !strcmp(h.descr, "|u1"),
		      "one dimension");
}

static void
every_dtype_and_byte_order(void)
{
	static const struct {
		const char *descr;
		enum tomo_dtype type;
		int big;
	} cases[] = {
		{"<f4", TOMO_F32, 0}, {">f4", TOMO_F32, 1}, {"<f8", TOMO_F64, 0},
		{">f8", TOMO_F64, 1}, {"|u1", TOMO_U8, 0},  {"|i1", TOMO_I8, 0},
		{"<u2", TOMO_U16, 0}, {">u2", TOMO_U16, 1}, {"<i2", TOMO_I16, 0},
		{">i2", TOMO_I16, 1}, {"<u4", TOMO_U32, 0}, {">i4", TOMO_I32, 1},
		{"<i8", TOMO_I64, 0}, {">u8", TOMO_U64, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char dict[128];
		struct tomo_npy h;
		snprintf(dict, sizeof dict,
		         "{'descr': '%s', 'fortran_order': False, 'shape': (1, 2), }",
		         cases[i].descr);
		if (parses(1, dict, &h))
			CHECK(h.type == cases[i].type && h.big_endian == cases[i].big, "%s",
			      cases[i].descr);
	}
}

static void
refusals_in_one_line(void)
{
	static const struct {
		const char *dict, *w1, *w2;
	} bad[] = {
		{"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", "Fortran", NULL},
		{"{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", "'|O'",
		 "Python objects"},
		{"{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", "'<c8'", "complex"},
		{"{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", "'<f2'", NULL},
		{"{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", "'<U3'", "Unicode"},
		{"{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", "'|b1'", "booleans"},
		{"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
		 "structured", NULL},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (), }", "scalar", NULL},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4), }",
		 "(1, 2, 3, 4)", "4 dimensions"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0), }", "empty", NULL},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3, -1), }", "negative", NULL},
		{"{'descr': '<f4', 'fortran_order': False}", "without 'shape'", NULL},
		{"{'descr': '<f4', 'shape': (3,)}", "without 'fortran_order'", NULL},
		{"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3,)}", "True or False", NULL},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3, x)}", "integer", NULL},
		{"{'descr': '<f4' 'fortran_order': False, 'shape': (3,)}", "malformed", NULL},
		{"['descr', '<f4']", "malformed", "'{'"},
		{"{'descr': '<f4, 'fortran_order': False, 'shape': (3,)}", "malformed", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		refused_dict(bad[i].dict, bad[i].w1, bad[i].w2);

	unsigned char buf[1024];
	const char *ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
	size_t n = npy_bytes(buf, 1, ok, -1);
	/* Cut anywhere in the header: not a crash, one line. */
	for (size_t cut = 0; cut < n; cut++) {
		struct tomo_npy h;
		CHECK(tomo_npy_parse(buf, cut, &h) == TOMO_ERR && !strchr(tomo_errmsg(), '\n'),
		      "cut at %zu: %s", cut, tomo_errmsg());
	}
	refused(buf, 40, "cut short", "it says");
	refused("NRRD0005\n", 9, "not a .npy file", NULL);
	n = npy_bytes(buf, 4, ok, -1);
	refused(buf, n, "version 4.0", NULL);
	n = npy_bytes(buf, 2, ok, 1 << 30);
	refused(buf, n, "longer than", NULL);
}

/* What tomo_npy_format writes is what NumPy writes for the shape, and
 * parses back. */
static void
format_round_trip(void)
{
	const int64_t size[3] = {2048, 7, 123456};
	size_t len;
	char *h = tomo_npy_format(size, &len);
	struct tomo_npy p;

	CHECK(h && len % 64 == 0 && h[len - 1] == '\n', "padded to 64 with a newline");
	if (!h)
		return;
	CHECK(!memcmp(h, "\x93NUMPY\x01\x00", 8) && (size_t)(h[8] & 0xff) + 10 == len &&
	              h[9] == 0,
	      "magic, version 1.0, length");
	const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (123456, 7, 2048), }";
	CHECK(!memcmp(h + 10, dict, strlen(dict)), "dict: %.80s", h + 10);
	CHECK(tomo_npy_parse(h, len, &p) == TOMO_OK && p.type == TOMO_F32 && !p.big_endian &&
	              p.rank == 3 && p.shape[0] == 123456 && p.shape[1] == 7 &&
	              p.shape[2] == 2048 && p.data_offset == (int64_t)len,
	      "%s", tomo_errmsg());
	free(h);
}

UNIT_MAIN(T(versions_and_spellings), T(every_dtype_and_byte_order), T(refusals_in_one_line),
          T(format_round_trip))
