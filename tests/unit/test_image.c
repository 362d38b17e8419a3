/* Unit tests of the image writers, the window and the percentiles
 * (lib/image.c, lib/percentile.c): files read back with libpng, libtiff
 * and by hand, values checked against hand-computed ones. */
#include <png.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <unistd.h>

#include "tomo/err.h"
#include "tomo/image.h"
#include "tomo/percentile.h"
#include "unit.h"

static int
exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* No temporary ".NAME.tmp-*" left in the test directory. */
static int
no_temporaries(void)
{
	char cmd[700];
	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q '\\.tmp-'", unit_tmpdir());
	return system(cmd) != 0;
}

static void
window_maps_as_documented(void)
{
	const float v[] = {-1, 0, 0.5f, 1, 2, NAN, INFINITY, -INFINITY, 0.25f, 0.749f};
	uint8_t g8[10];
	uint16_t g16[10];

	CHECK(tomo_window_apply(v, 10, 0, 1, 8, g8) == 1, "one NaN");
	/* floor(t * 255 + 0.5): 0.5 -> 128, 0.25 -> 64 (63.75 + 0.5), 0.749 -> 191 */
	const uint8_t want8[] = {0, 0, 128, 255, 255, 0, 255, 0, 64, 191};
	for (int i = 0; i < 10; i++)
		CHECK(g8[i] == want8[i], "8-bit %d: %d vs %d", i, g8[i], want8[i]);
	CHECK(tomo_window_apply(v, 10, -1, 3, 16, g16) == 1, "one NaN");
	/* t = (v + 1) / 4: 0 -> 16384 (16383.75 + 0.5), 0.5 -> 24576 (24575.6) */
	const uint16_t want16[] = {0, 16384, 24576, 32768, 49151, 0, 65535, 0, 20480, 28655};
	for (int i = 0; i < 10; i++)
		CHECK(g16[i] == want16[i], "16-bit %d: %d vs %d", i, g16[i], want16[i]);
}

static void
percentiles_match_numpy_linear(void)
{
	/* 0..9 shuffled, with NaN and Inf left out: numpy.percentile(arange(10),
	 * [0, 25, 50, 99.9, 100]) = 0, 2.25, 4.5, 8.991, 9. */
	const float v[] = {7, 2, NAN, 9, 0, 5, INFINITY, 3, 8, 1, 6, 4, -INFINITY};
	const double q[] = {0, 25, 50, 99.9, 100};
	const double want[] = {0, 2.25, 4.5, 8.991, 9};
	double out[5];
	int64_t m;

	CHECK(tomo_percentiles(v, 13, q, 5, out, &m) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(m == 10, "finite %lld", (long long)m);
	for (int i = 0; i < 5; i++)
		CHECK_NEAR(out[i], want[i], 1e-12);
	/* The input is left as it was. */
	CHECK(v[0] == 7 && v[3] == 9 && isnan(v[2]), "input changed");
	/* None finite: NAN. */
	const float nan2[] = {NAN, NAN};
	CHECK(tomo_percentiles(nan2, 2, q, 1, out, &m) == TOMO_OK && m == 0 && isnan(out[0]),
	      "all NaN");
}

/* Many equal values and a sorted run: selection stays right (and fast). */
static void
percentiles_on_large_ties_and_ramps(void)
{
	const size_t n = 1000001;
	float *v = malloc(n * sizeof *v);
	double out[2], q[2] = {0.1, 99.9};
	int64_t m;

	for (size_t i = 0; i < n; i++)
		v[i] = i < n / 2 ? 0.0f : (float)(i - n / 2);
	/* 500000 zeros then 0..500000: sorted x[k] = max(0, k - 500000). */
	CHECK(tomo_percentiles(v, n, q, 2, out, &m) == TOMO_OK, "%s", tomo_errmsg());
	CHECK_NEAR(out[0], 0, 0);
	/* h = 1e6 * 0.999 = 999000 -> x = 499000 */
	CHECK_NEAR(out[1], 499000, 1e-6);
	for (size_t i = 0; i < n; i++)
		v[i] = (float)(n - 1 - i); /* a descending ramp 1e6 .. 0 */
	CHECK(tomo_percentiles(v, n, q, 2, out, &m) == TOMO_OK, "%s", tomo_errmsg());
	CHECK_NEAR(out[0], 1000, 1e-6);
	CHECK_NEAR(out[1], 999000, 1e-6);
	free(v);
}

static void
histogram_within_one_bin(void)
{
	const size_t n = 100000;
	float *v = malloc(n * sizeof *v);
	const double q[] = {0, 0.1, 25, 50, 99.9, 100};
	double exact[6];
	int64_t m;
	struct tomo_hist h;
	float lo = INFINITY, hi = -INFINITY;
	unsigned s = 12345;

	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		v[i] = (float)((s >> 8) % 100000) * 0.001f - 30.0f;
		v[i] = v[i] * v[i] * (v[i] > 0 ? 1 : -1); /* skewed */
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	CHECK(tomo_percentiles(v, n, q, 6, exact, &m) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_hist_init(&h, lo, hi, 4096) == TOMO_OK, "%s", tomo_errmsg());
	tomo_hist_add(&h, v, n / 2);
	tomo_hist_add(&h, v + n / 2, n - n / 2);
	const double width = ((double)hi - lo) / 4096;
	for (int i = 0; i < 6; i++)
		CHECK(fabs(tomo_hist_percentile(&h, q[i]) - exact[i]) <= width,
		      "q %g: %.9g vs %.9g (bin %g)", q[i], tomo_hist_percentile(&h, q[i]), exact[i],
		      width);
	CHECK(tomo_hist_percentile(&h, 0) == lo && tomo_hist_percentile(&h, 100) == hi,
	      "ends are the exact extremes");
	tomo_hist_free(&h);
	free(v);
}

static void
png_reads_back_with_text(void)
{
	const char *p = unit_path("a.png");
	uint16_t px[3 * 2] = {0, 1000, 65535, 256, 2, 40000};
	struct tomo_image_text t[] = {
		{"Source", "vol.nrrd"}, {"Window", "0:1"}, {"Comment", "caf\xc3\xa9"}};
	struct tomo_image_writer *w;

	CHECK(tomo_image_open(p, TOMO_IMAGE_PNG, 16, 3, 2, 1, t, 3, &w) == TOMO_OK, "%s",
	      tomo_errmsg());
	CHECK(!exists(p), "visible before close");
	CHECK(tomo_image_add(w, px) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_image_close(w) == TOMO_OK, "%s", tomo_errmsg());

	FILE *f = fopen(p, "rb");
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	png_init_io(png, f);
	png_read_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
	CHECK(png_get_image_width(png, info) == 3 && png_get_image_height(png, info) == 2, "size");
	CHECK(png_get_bit_depth(png, info) == 16 &&
	              png_get_color_type(png, info) == PNG_COLOR_TYPE_GRAY,
	      "16-bit grey");
	png_bytepp rows = png_get_rows(png, info);
	for (int y = 0; y < 2; y++)
		for (int x = 0; x < 3; x++) {
			unsigned v = (unsigned)rows[y][2 * x] << 8 | rows[y][2 * x + 1];
			CHECK(v == px[y * 3 + x], "pixel %d,%d: %u", x, y, v);
		}
	png_textp text;
	int n = png_get_text(png, info, &text, NULL);
	CHECK(n == 3, "%d text chunks", n);
	for (int i = 0; i < n && i < 3; i++)
		CHECK(!strcmp(text[i].key, t[i].key) && !strcmp(text[i].text, t[i].value),
		      "text %d: %s=%s", i, text[i].key, text[i].text);
	png_destroy_read_struct(&png, &info, NULL);
	fclose(f);
	CHECK(no_temporaries(), "a temporary file is left");
}

static void
pgm_8_and_16_bit(void)
{
	const char *p = unit_path("a.pgm");
	uint8_t g8[4] = {1, 2, 3, 250};
	uint16_t g16[4] = {1, 258, 3, 65535};
	struct tomo_image_text t[] = {{"Axis", "y"}};
	struct tomo_image_writer *w;
	unsigned char buf[256];

	CHECK(tomo_image_open(p, TOMO_IMAGE_PGM, 8, 2, 2, 1, t, 1, &w) == TOMO_OK &&
	              tomo_image_add(w, g8) == TOMO_OK && tomo_image_close(w) == TOMO_OK,
	      "%s", tomo_errmsg());
	FILE *f = fopen(p, "rb");
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	const char head8[] = "P5\n# Axis: y\n2 2\n255\n";
	CHECK(n == strlen(head8) + 4 && !memcmp(buf, head8, strlen(head8)) &&
	              !memcmp(buf + strlen(head8), g8, 4),
	      "8-bit PGM bytes");

	CHECK(tomo_image_open(p, TOMO_IMAGE_PGM, 16, 2, 2, 1, NULL, 0, &w) == TOMO_OK &&
	              tomo_image_add(w, g16) == TOMO_OK && tomo_image_close(w) == TOMO_OK,
	      "%s", tomo_errmsg());
	f = fopen(p, "rb");
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	const char head16[] = "P5\n2 2\n65535\n";
	const unsigned char be[] = {0, 1, 1, 2, 0, 3, 255, 255};
	CHECK(n == strlen(head16) + 8 && !memcmp(buf, head16, strlen(head16)) &&
	              !memcmp(buf + strlen(head16), be, 8),
	      "16-bit PGM is big-endian");
}

static void
tiff_pages_read_back(void)
{
	const char *p = unit_path("a.tif");
	uint16_t pg[3][2 * 3];
	struct tomo_image_text t[] = {{"Source", "x.nrrd"}, {"Index", "0:3"}};
	struct tomo_image_writer *w;

	for (int k = 0; k < 3; k++)
		for (int i = 0; i < 6; i++)
			pg[k][i] = (uint16_t)(1000 * k + i);
	CHECK(tomo_image_open(p, TOMO_IMAGE_TIFF, 16, 2, 3, 3, t, 2, &w) == TOMO_OK, "%s",
	      tomo_errmsg());
	for (int k = 0; k < 3; k++)
		CHECK(tomo_image_add(w, pg[k]) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_image_add(w, pg[0]) != TOMO_OK, "a fourth page was accepted");
	CHECK(tomo_image_close(w) == TOMO_OK, "%s", tomo_errmsg());

	TIFF *tif = TIFFOpen(p, "r");
	CHECK(tif != NULL, "cannot open the TIFF");
	if (!tif)
		return;
	int k = 0;
	do {
		uint32_t wd = 0, ht = 0;
		uint16_t bps = 0;
		char *desc = NULL;
		uint16_t row[2];
		TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &wd);
		TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &ht);
		TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bps);
		CHECK(wd == 2 && ht == 3 && bps == 16, "page %d: %ux%u %u bits", k, wd, ht, bps);
		CHECK(TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &desc) &&
		              !strcmp(desc, "Source: x.nrrd\nIndex: 0:3\n"),
		      "description");
		for (uint32_t y = 0; y < ht && y < 3; y++) {
			TIFFReadScanline(tif, row, y, 0);
			CHECK(row[0] == pg[k][2 * y] && row[1] == pg[k][2 * y + 1],
			      "page %d row %u", k, y);
		}
		k++;
	} while (TIFFReadDirectory(tif));
	CHECK(k == 3, "%d pages", k);
	TIFFClose(tif);
}

/* Failures name the file and leave nothing behind. */
static void
failures_leave_nothing(void)
{
	struct tomo_image_writer *w;
	uint8_t px[4] = {0};
	const char *p = unit_path("b.png");

	CHECK(tomo_image_open("/nonexistent-dir/x.png", TOMO_IMAGE_PNG, 8, 2, 2, 1, NULL, 0, &w) ==
	              TOMO_ERR,
	      "opened");
	CHECK(strstr(tomo_errmsg(), "/nonexistent-dir/x.png") != NULL, "%s", tomo_errmsg());
	/* Closing before every page came is an error and removes the file. */
	CHECK(tomo_image_open(p, TOMO_IMAGE_TIFF, 8, 2, 2, 2, NULL, 0, &w) == TOMO_OK, "%s",
	      tomo_errmsg());
	CHECK(tomo_image_add(w, px) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_image_close(w) == TOMO_ERR && strstr(tomo_errmsg(), "1 of 2"), "%s",
	      tomo_errmsg());
	CHECK(!exists(p), "half a file left");
	CHECK(tomo_image_open(p, TOMO_IMAGE_PNG, 8, 2, 2, 1, NULL, 0, &w) == TOMO_OK, "%s",
	      tomo_errmsg());
	tomo_image_abort(w);
	CHECK(!exists(p) && no_temporaries(), "abort left a file");
	CHECK(tomo_image_open(p, TOMO_IMAGE_PNG, 12, 2, 2, 1, NULL, 0, &w) == TOMO_EUSAGE,
	      "12 bits accepted");
	CHECK(tomo_image_open(p, TOMO_IMAGE_PNG, 8, 2, 2, 2, NULL, 0, &w) == TOMO_ERR,
	      "two pages in a PNG accepted");
	CHECK(tomo_image_format_of("a/b.PNG") == TOMO_IMAGE_PNG &&
	              tomo_image_format_of("x.tiff") == TOMO_IMAGE_TIFF &&
	              tomo_image_format_of("x.pgm") == TOMO_IMAGE_PGM &&
	              tomo_image_format_of("x.nrrd") == TOMO_IMAGE_NONE,
	      "formats");
}

UNIT_MAIN(T(window_maps_as_documented), T(percentiles_match_numpy_linear),
          T(percentiles_on_large_ties_and_ramps), T(histogram_within_one_bin),
          T(png_reads_back_with_text), T(pgm_8_and_16_bit), T(tiff_pages_read_back),
          T(failures_leave_nothing))
