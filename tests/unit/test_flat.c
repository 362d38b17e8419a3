/* Unit tests of the flat-field correction (lib/flat.c, lib/scan.c,
 * kernels/flat_math.h): the median network against sorting (all 0-1
 * inputs and random ones), the clamps, outlier removal against a brute
 * force, binning, and whole runs on files made here (NRRD side inputs,
 * flats before and after, a big-endian uint16 DXchange file read without
 * conversion) against the formula computed directly. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "flat_gpu.h"
#include "flat_math.h"
#include "tomo/dev.h"
#include "tomo/err.h"
#include "tomo/flat.h"
#include "tomo/io.h"
#include "tomo/scan.h"
#include "unit.h"

#define path unit_path

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

/* A reproducible uniform number in [0, 1). */
static double
rnd(void)
{
	static uint64_t s = 88172645463325252ULL;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (double)(s >> 11) / 9007199254740992.0;
}

static void
test_median9_network(void)
{
	float v[9], sorted[9];

	/* 0-1 principle: a network that sorts every 0-1 input to its median
	 * position finds the median of any input. */
	for (int bits = 0; bits < 512; bits++) {
		int ones = 0;
		for (int i = 0; i < 9; i++)
			ones += (v[i] = (float)((bits >> i) & 1)) > 0;
		float m = tomo_flat_median9(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
		CHECK(m == (ones >= 5 ? 1.0f : 0.0f), "bits %d: %g", bits, m);
	}
	for (int r = 0; r < 20000; r++) {
		for (int i = 0; i < 9; i++)
			v[i] = sorted[i] = (float)floor(rnd() * (r % 2 ? 5 : 1000));
		qsort(sorted, 9, sizeof *sorted, cmp_float);
		float m = tomo_flat_median9(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
		if (m != sorted[4]) {
			CHECK(m == sorted[4], "random case %d: %g vs %g", r, m, sorted[4]);
			break;
		}
	}
}

static void
test_median_numpy_convention(void)
{
	float v[101], s[101];

	for (int n = 1; n <= 101; n += (n < 10 ? 1 : 13)) {
		for (int i = 0; i < n; i++)
			v[i] = s[i] = (float)floor(rnd() * 50); /* duplicates too */
		qsort(s, (size_t)n, sizeof *s, cmp_float);
		float want = n % 2 ? s[n / 2] : (float)(((double)s[n / 2 - 1] + s[n / 2]) / 2);
		CHECK(tomo_flat_median(v, n) == want, "n %d: %g vs %g", n, tomo_flat_median(v, n),
		      want);
	}
	float two[2] = {3, 4};
	CHECK(tomo_flat_median(two, 2) == 3.5f, "%g", tomo_flat_median(two, 2));
}

static void
test_correct_clamps(void)
{
	int f;
	float t;

	t = tomo_flat_correct(110, 10, 1000 - 10, 0, &f);
	CHECK(t == 100.0f / 990.0f && f == 0, "plain %g flags %d", t, f);
	/* Dead pixel: F == D == I. TomoPy gives 0 / 1e-6 = 0. */
	t = tomo_flat_correct(0, 0, 0, 0, &f);
	CHECK(t == 0 && f == (TOMO_FLAT_CLAMP_DEN | TOMO_FLAT_CLAMP_T), "dead %g flags %d", t, f);
	t = tomo_flat_correct(5, 1, -3, 0, &f);
	CHECK(t == 4 / 1e-6f && f == TOMO_FLAT_CLAMP_DEN, "negative den %g flags %d", t, f);
	t = tomo_flat_correct(5, 1, NAN, 0, &f);
	CHECK(isfinite(t) && (f & TOMO_FLAT_CLAMP_DEN), "NaN den %g flags %d", t, f);
	/* Below the dark: negative transmission kept, clamped for the log. */
	t = tomo_flat_correct(5, 10, 100, 0, &f);
	CHECK(t == -0.05f && f == TOMO_FLAT_CLAMP_T, "%g flags %d", t, f);
	t = tomo_flat_correct(5, 10, 100, 1, &f);
	CHECK(t == -logf(1e-6f) && f == TOMO_FLAT_CLAMP_T, "%g flags %d", t, f);
	CHECK_NEAR(t, 13.815510557964274, 1e-5);
	t = tomo_flat_correct(0, 0, 0, 1, &f);
	CHECK(isfinite(t) && t == -logf(1e-6f), "dead with log %g", t);
	t = tomo_flat_correct(60, 10, 100, 1, &f);
	CHECK(t == -logf(0.5f) && f == 0, "log %g", t);
	/* Exactly at the clamps: kept. */
	t = tomo_flat_correct(1e-6f, 0, 1e-6f, 0, &f);
	CHECK(t == 1 && f == 0, "at the clamp %g flags %d", t, f);
}

static void
test_lerp_ends(void)
{
	for (int i = 0; i < 1000; i++) {
		float a = (float)(rnd() * 1e5 - 100), b = (float)(rnd() * 1e5 - 100);
		CHECK(tomo_flat_lerp(a, b, 0) == a, "w 0: %g vs %g", tomo_flat_lerp(a, b, 0), a);
		CHECK(tomo_flat_lerp(a, b, 1) == b, "w 1: %g vs %g", tomo_flat_lerp(a, b, 1), b);
		float m = tomo_flat_lerp(a, b, 0.5f);
		CHECK(fabsf(m - 0.5f * (a + b)) <= 1e-6f * (fabsf(a) + fabsf(b)), "w 0.5: %g", m);
	}
}

/* The outlier rule computed the slow way: sort 9 values, edges repeated. */
static float
brute(const float *p, int64_t nx, int64_t ny, int64_t x, int64_t y, float t, int *hit)
{
	float v[9];
	int k = 0;
	for (int dy = -1; dy <= 1; dy++)
		for (int dx = -1; dx <= 1; dx++) {
			int64_t yy = y + dy < 0 ? 0 : y + dy >= ny ? ny - 1 : y + dy;
			int64_t xx = x + dx < 0 ? 0 : x + dx >= nx ? nx - 1 : x + dx;
			v[k++] = p[yy * nx + xx];
		}
	qsort(v, 9, sizeof *v, cmp_float);
	float c = p[y * nx + x];
	*hit = fabsf(c - v[4]) > t * fabsf(v[4]);
	return *hit ? v[4] : c;
}

static void
test_outliers_vs_brute_force(void)
{
	const int64_t sizes[][3] = {{37, 23, 3}, {1, 9, 2}, {9, 1, 1}, {2, 2, 1}, {1, 1, 1}};

	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		const int64_t nx = sizes[s][0], ny = sizes[s][1], nz = sizes[s][2];
		const int64_t n = nx * ny * nz;
		float *in = malloc((size_t)n * sizeof *in), *out = malloc((size_t)n * sizeof *out);
		int64_t want = 0, bad = 0;

		for (int64_t i = 0; i < n; i++) {
			in[i] = (float)(1000 + 100 * rnd());
			if (rnd() < 0.03)
				in[i] *= rnd() < 0.5 ? 20.0f : 0.01f; /* zinger or dead */
			if (rnd() < 0.01)
				in[i] = 0;
		}
		int64_t got = tomo_flat_outliers(in, out, nx, ny, nz, 0.3f);
		for (int64_t z = 0; z < nz; z++)
			for (int64_t y = 0; y < ny; y++)
				for (int64_t x = 0; x < nx; x++) {
					int hit;
					float e = brute(in + z * nx * ny, nx, ny, x, y, 0.3f, &hit);
					want += hit;
					bad += out[(z * ny + y) * nx + x] != e;
				}
		CHECK(bad == 0, "%lldx%lldx%lld: %lld pixels differ", (long long)nx, (long long)ny,
		      (long long)nz, (long long)bad);
		CHECK(got == want, "count %lld vs %lld", (long long)got, (long long)want);
		if (s == 0)
			CHECK(want > 20, "the case replaces pixels (%lld)", (long long)want);
		free(in);
		free(out);
	}
}

static void
test_bin(void)
{
	/* 5 x 3 -> bins of 2: 2 x 1, the last column and row left out. */
	const float in[15] = {1, 2, 3, 4, 100, 5, 6, 7, 8, 100, 100, 100, 100, 100, 100};
	float out[2];

	tomo_flat_bin(in, 5, 3, 2, out);
	CHECK(out[0] == (1 + 2 + 5 + 6) / 4.0f && out[1] == (3 + 4 + 7 + 8) / 4.0f, "%g %g", out[0],
	      out[1]);
}

/* Write a float NRRD of nz planes of nx x ny. */
static void
write_nrrd(const char *p, const float *v, int64_t nx, int64_t ny, int64_t nz)
{
	struct tomo_header h;
	struct tomo_output *o;

	tomo_header_init(&h);
	h.size[0] = nx;
	h.size[1] = ny;
	h.size[2] = nz;
	CHECK(tomo_output_open(p, &h, &o) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_output_write(o, 0, nz, v) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_output_close(o) == TOMO_OK, "%s", tomo_errmsg());
	tomo_header_free(&h);
}

/* Run a scan through tomo_flat_run into a file; the samples, malloc'd. */
static float *
run_scan(const char *input, const struct tomo_scan_opts *so, struct tomo_flat_opts *fo,
         struct tomo_header *h, struct tomo_flat_counts *n)
{
	struct tomo_scan_input *s;
	struct tomo_output *o;
	struct tomo_input *in;
	float *v = NULL;
	int64_t count;

	if (tomo_scan_open(input, so, &s)) {
		CHECK(0, "open: %s", tomo_errmsg());
		return NULL;
	}
	if (!fo->memory)
		fo->memory = 1 << 20; /* small slabs: several per run */
	CHECK(tomo_flat_plan(s, fo, h) == TOMO_OK, "plan: %s", tomo_errmsg());
	CHECK(tomo_output_open(path("out.nrrd"), h, &o) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_flat_run(s, fo, o, n, NULL) == TOMO_OK, "run: %s", tomo_errmsg());
	CHECK(tomo_output_close(o) == TOMO_OK, "%s", tomo_errmsg());
	tomo_scan_close(s);
	if (tomo_input_open(path("out.nrrd"), NULL, &in)) {
		CHECK(0, "%s", tomo_errmsg());
		return NULL;
	}
	tomo_header_count(tomo_input_header(in), &count);
	v = malloc((size_t)count * sizeof *v);
	CHECK(tomo_input_read_planes(in, 0, tomo_input_header(in)->size[2], v) == TOMO_OK, "%s",
	      tomo_errmsg());
	tomo_input_close(in);
	return v;
}

/* Projections, flats before and after, darks as NRRD side inputs: every
 * output pixel against the formula, in the same float operations. */
static void
test_run_plain_interpolated(void)
{
	enum { NX = 13, NY = 5, NP = 7, NF = 3, ND = 2 };
	static float p[NP][NY][NX], f0[NF][NY][NX], f1[NF][NY][NX], d[ND][NY][NX];
	struct tomo_scan_opts so = {
		.flats = path("f0.nrrd"), .flats_after = path("f1.nrrd"), .darks = path("d.nrrd")};
	struct tomo_flat_opts fo = {.proj_step = 1};
	struct tomo_flat_counts n;
	struct tomo_header h;
	int64_t bad = 0;

	for (int y = 0; y < NY; y++)
		for (int x = 0; x < NX; x++) {
			for (int k = 0; k < NP; k++)
				p[k][y][x] = (float)(200 + 500 * rnd());
			for (int k = 0; k < NF; k++) {
				f0[k][y][x] = (float)(900 + 50 * rnd());
				f1[k][y][x] = (float)(700 + 50 * rnd());
			}
			for (int k = 0; k < ND; k++)
				d[k][y][x] = (float)(90 + 20 * rnd());
		}
	f0[0][1][1] = f0[1][1][1] = f0[2][1][1] = d[0][1][1] = d[1][1][1] = 95; /* F = D */
	write_nrrd(path("p.nrrd"), &p[0][0][0], NX, NY, NP);
	write_nrrd(path("f0.nrrd"), &f0[0][0][0], NX, NY, NF);
	write_nrrd(path("f1.nrrd"), &f1[0][0][0], NX, NY, NF);
	write_nrrd(path("d.nrrd"), &d[0][0][0], NX, NY, ND);
	float *out = run_scan(path("p.nrrd"), &so, &fo, &h, &n);
	if (!out)
		return;
	CHECK(h.size[0] == NX && h.size[1] == NY && h.size[2] == NP, "sizes");
	CHECK(h.quantity == TOMO_QUANTITY_TRANSMISSION && h.kind == TOMO_KIND_PROJECTIONS, "keys");
	for (int y = 0; y < NY; y++)
		for (int x = 0; x < NX; x++) {
			double s0 = 0, s1 = 0, sd = 0;
			for (int k = 0; k < NF; k++)
				s0 += f0[k][y][x], s1 += f1[k][y][x];
			for (int k = 0; k < ND; k++)
				sd += d[k][y][x];
			float dk = (float)(sd / ND);
			float a = (float)(s0 / NF) - dk, b = (float)(s1 / NF) - dk;
			for (int k = 0; k < NP; k++) {
				float w = (float)k / (NP - 1);
				float den = (1 - w) * a + w * b;
				float e = (p[k][y][x] - dk) / (den < 1e-6f ? 1e-6f : den);
				bad += out[(k * NY + y) * NX + x] != e;
			}
		}
	CHECK(bad == 0, "%lld pixels differ from the formula", (long long)bad);
	/* The dead pixel: clamped in the first projection (flats before) and
	 * less and less after; in the last one F = F_after. */
	CHECK(n.den_clamped == 1, "clamped %lld", (long long)n.den_clamped);
	CHECK(n.pixels == NX * NY * NP, "pixels %lld", (long long)n.pixels);
	free(out);
	tomo_header_free(&h);
}

static hid_t
h5_u16(hid_t file, const char *name, const uint16_t *v, hsize_t nz, hsize_t ny, hsize_t nx)
{
	hsize_t dims[3] = {nz, ny, nx};
	hid_t sp = H5Screate_simple(3, dims, NULL);
	hid_t ds = H5Dcreate2(file, name, H5T_STD_U16BE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	CHECK(ds >= 0 && H5Dwrite(ds, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0,
	      "writing %s", name);
	H5Sclose(sp);
	return ds;
}

/* A big-endian uint16 DXchange file: the unconverted read of the
 * projections, the float path (taken with outliers) and the formula agree;
 * angles and their subset with --proj. */
static void
test_run_dxchange_u16(void)
{
	enum { NX = 40, NY = 6, NP = 9, NF = 4, ND = 3 };
	static uint16_t p[NP][NY][NX], f[NF][NY][NX], d[ND][NY][NX];
	double theta[NP];
	const char *file = path("dx.h5");

	for (int y = 0; y < NY; y++)
		for (int x = 0; x < NX; x++) {
			for (int k = 0; k < NP; k++)
				p[k][y][x] = (uint16_t)(20000 + (k * 131 + y * 17 + x * 7) % 9000);
			for (int k = 0; k < NF; k++)
				f[k][y][x] = (uint16_t)(40000 + (k * 5 + y * 3 + x) % 700);
			for (int k = 0; k < ND; k++)
				d[k][y][x] = (uint16_t)(100 + (k + x) % 7);
		}
	for (int k = 0; k < NP; k++)
		theta[k] = k * M_PI / NP;
	hid_t h5 = H5Fcreate(file, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	hid_t g = H5Gcreate2(h5, "/exchange", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dclose(h5_u16(h5, "/exchange/data", &p[0][0][0], NP, NY, NX));
	H5Dclose(h5_u16(h5, "/exchange/data_white", &f[0][0][0], NF, NY, NX));
	H5Dclose(h5_u16(h5, "/exchange/data_dark", &d[0][0][0], ND, NY, NX));
	hsize_t n = NP;
	hid_t sp = H5Screate_simple(1, &n, NULL);
	hid_t th = H5Dcreate2(h5, "/exchange/theta", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
	                      H5P_DEFAULT);
	H5Dwrite(th, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, theta);
	hid_t st = H5Tcopy(H5T_C_S1);
	H5Tset_size(st, 7);
	hid_t as = H5Screate(H5S_SCALAR),
	      a = H5Acreate2(th, "units", st, as, H5P_DEFAULT, H5P_DEFAULT);
	H5Awrite(a, st, "radians");
	H5Aclose(a);
	H5Sclose(as);
	H5Tclose(st);
	H5Dclose(th);
	H5Sclose(sp);
	H5Gclose(g);
	H5Fclose(h5);

	/* The reader's unconverted path gives the stored numbers. */
	struct tomo_input *in;
	uint16_t raw[NX];
	CHECK(tomo_input_open(file, NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_input_has_native(in) && tomo_input_dtype(in) == TOMO_U16, "native u16");
	struct tomo_box box = {0, NX, 2, 1, 5, 1};
	CHECK(tomo_input_read_native(in, &box, raw) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(!memcmp(raw, p[5][2], sizeof raw), "native read of a big-endian uint16 row");
	tomo_input_close(in);

	struct tomo_flat_opts plain = {.proj_step = 1}, viaf = {.proj_step = 1, .outliers = 1e30};
	struct tomo_flat_counts cnt;
	struct tomo_header h1, h2;
	float *a1 = run_scan(file, NULL, &plain, &h1, &cnt);
	CHECK(cnt.outliers_proj == 0, "no outliers");
	float *a2 = run_scan(file, NULL, &viaf, &h2, &cnt);
	CHECK(cnt.outliers_proj == 0 && cnt.outliers_side == 0, "T huge: nothing replaced");
	if (!a1 || !a2)
		return;
	int64_t bad = 0, diff = 0;
	for (int k = 0; k < NP; k++)
		for (int y = 0; y < NY; y++)
			for (int x = 0; x < NX; x++) {
				double sf = 0, sd = 0;
				for (int q = 0; q < NF; q++)
					sf += f[q][y][x];
				for (int q = 0; q < ND; q++)
					sd += d[q][y][x];
				float dk = (float)(sd / ND), den = (float)(sf / NF) - dk;
				float e = ((float)p[k][y][x] - dk) / den;
				int64_t i = (k * NY + y) * NX + x;
				bad += a1[i] != e;
				diff += a1[i] != a2[i];
			}
	CHECK(bad == 0, "%lld pixels off the formula", (long long)bad);
	CHECK(diff == 0, "%lld pixels differ between the uint16 and float paths", (long long)diff);
	CHECK(h1.nangles == NP && fabs(h1.angles[3] - 60) < 1e-9, "angles in degrees: %g",
	      h1.nangles ? h1.angles[3] : -1);
	free(a1);
	free(a2);
	tomo_header_free(&h1);
	tomo_header_free(&h2);

	/* Part of it: projections 1, 4, 7; rows 2..4; columns 10..29 binned by
	 * 2 and 5 (the last rows dropped). */
	struct tomo_flat_opts part = {.proj0 = 1,
	                              .proj1 = 9,
	                              .proj_step = 3,
	                              .row0 = 2,
	                              .row1 = 6,
	                              .col0 = 10,
	                              .col1 = 30,
	                              .bin = 2};
	float *b = run_scan(file, NULL, &part, &h1, &cnt);
	CHECK(h1.size[0] == 10 && h1.size[1] == 2 && h1.size[2] == 3, "sizes %lldx%lldx%lld",
	      (long long)h1.size[0], (long long)h1.size[1], (long long)h1.size[2]);
	CHECK(h1.nangles == 3 && fabs(h1.angles[1] - 80) < 1e-9, "angles of 1, 4, 7");
	bad = 0;
	for (int k = 0; k < 3 && b; k++)
		for (int y = 0; y < 2; y++)
			for (int x = 0; x < 10; x++) {
				double sp_ = 0, sf = 0, sd = 0;
				for (int a_ = 0; a_ < 2; a_++)
					for (int b_ = 0; b_ < 2; b_++) {
						int yy = 2 + 2 * y + a_, xx = 10 + 2 * x + b_;
						sp_ += p[1 + 3 * k][yy][xx];
						for (int q = 0; q < NF; q++)
							sf += f[q][yy][xx];
						for (int q = 0; q < ND; q++)
							sd += d[q][yy][xx];
					}
				/* Binned frames (float), then averaged. */
				float dk = (float)(sd / 4 / ND), den = (float)(sf / 4 / NF) - dk;
				float e = ((float)(sp_ / 4) - dk) / den;
				float got = b[(k * 2 + y) * 10 + x];
				bad += fabsf(got - e) > 1e-6f * fabsf(e);
			}
	CHECK(b && bad == 0, "%lld binned pixels off", (long long)bad);
	free(b);
	tomo_header_free(&h1);
}

static void
test_errors(void)
{
	static float p[2 * 3 * 4], f[2 * 3 * 5];
	struct tomo_scan_input *s;
	struct tomo_scan_opts so = {.flats = path("f5.nrrd")};

	write_nrrd(path("p4.nrrd"), p, 4, 3, 2);
	write_nrrd(path("f5.nrrd"), f, 5, 3, 2);
	CHECK(tomo_scan_open(path("p4.nrrd"), &so, &s) == TOMO_ERR &&
	              strstr(tomo_errmsg(), "are 5 x 3 pixels, the projections 4 x 3"),
	      "size: %s", tomo_errmsg());
	CHECK(tomo_scan_open(path("p4.nrrd"), NULL, &s) == TOMO_ERR &&
	              strstr(tomo_errmsg(), "no flat fields"),
	      "no flats: %s", tomo_errmsg());
	so.flats = path("p4.nrrd");
	CHECK(tomo_scan_open(path("p4.nrrd"), &so, &s) == TOMO_OK, "%s", tomo_errmsg());
	struct tomo_flat_opts fo = {.row0 = 1, .row1 = 4};
	struct tomo_header h;
	CHECK(tomo_flat_plan(s, &fo, &h) == TOMO_EUSAGE && strstr(tomo_errmsg(), "rows 0:3"),
	      "rows: %s", tomo_errmsg());
	fo = (struct tomo_flat_opts){.bin = 4};
	CHECK(tomo_flat_plan(s, &fo, &h) == TOMO_EUSAGE, "bin larger than 4 x 3");
	CHECK(s->nnotes == 1 && strstr(s->notes[0], "no dark fields"), "note about darks");
	tomo_scan_close(s);
	struct tomo_input *in;
	char buf[64];
	CHECK(tomo_input_open(path("p4.nrrd"), NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	struct tomo_box b = {0, 4, 0, 1, 0, 1};
	CHECK(!tomo_input_has_native(in) && tomo_input_read_native(in, &b, buf) == TOMO_ERR,
	      "NRRD has no unconverted reads");
	tomo_input_close(in);
}

/* The GPU's kernels against the CPU's loops, where a GPU is usable. */
static void
test_gpu_matches_cpu(void)
{
	char why[256];
	if (!tomo_gpu_usable(0, why, sizeof why)) {
		printf("# skip GPU comparison: %s\n", why);
		struct tomo_flat_gpu_state *g;
		const float one = 1, *den[1] = {&one};
		const struct tomo_flat_gpu_desc d = {
			.npix = 1, .dark = &one, .den = den, .ngroups = 1};
		int rc = tomo_flat_gpu.create(&d, &g);
		CHECK(rc != TOMO_OK && *tomo_errmsg(),
		      "without a GPU the launcher fails and says why");
		return;
	}
	enum { NX = 61, NY = 17, NZ = 5 };
	static float in[NZ * NY * NX], o1[NZ * NY * NX], o2[NZ * NY * NX];
	static float dark[NY * NX], d0[NY * NX], d1[NY * NX];
	for (int i = 0; i < NZ * NY * NX; i++)
		in[i] = (float)(rnd() < 0.02 ? 60000 : 1000 + 3000 * rnd());
	for (int i = 0; i < NY * NX; i++)
		dark[i] = (float)(100 + 5 * rnd()), d0[i] = (float)(4000 * rnd()),
		d1[i] = (float)(3000 * rnd() - 10);
	int64_t h1 = tomo_flat_outliers(in, o1, NX, NY, NZ, 0.2f), h2 = -1;
	CHECK(tomo_flat_gpu.outliers(0, in, o2, NX, NY, NZ, 0.2f, &h2) == TOMO_OK, "%s",
	      tomo_errmsg());
	CHECK(h1 == h2 && !memcmp(o1, o2, sizeof o1), "outliers: %lld vs %lld", (long long)h1,
	      (long long)h2);
	struct tomo_flat_gpu_state *g;
	const float *den[2] = {d0, d1};
	int ga[NZ] = {0, 0, 0, 1, 0}, gb[NZ] = {0, 1, 1, 1, 1};
	float w[NZ] = {0, 0.25f, 0.5f, 0, 1};
	int64_t cnt[2] = {0, 0};
	const struct tomo_flat_gpu_desc d = {
		.npix = NX * NY, .dark = dark, .den = den, .ngroups = 2};
	CHECK(tomo_flat_gpu.create(&d, &g) == TOMO_OK, "%s", tomo_errmsg());
	for (int lg = 0; lg < 2; lg++) {
		CHECK(tomo_flat_gpu.correct(g, in, 0, NZ, ga, gb, w, lg, o2, cnt) == TOMO_OK, "%s",
		      tomo_errmsg());
		int64_t bad = 0;
		for (int z = 0; z < NZ; z++)
			for (int j = 0; j < NX * NY; j++) {
				int f;
				float dd = ga[z] == gb[z] ? den[ga[z]][j]
				                          : tomo_flat_lerp(den[ga[z]][j],
				                                           den[gb[z]][j], w[z]);
				float e =
					tomo_flat_correct(in[z * NX * NY + j], dark[j], dd, lg, &f);
				bad += fabsf(o2[z * NX * NY + j] - e) > 1e-6f * fabsf(e);
			}
		CHECK(bad == 0, "log %d: %lld pixels differ", lg, (long long)bad);
	}
	tomo_flat_gpu.destroy(g);
}

/* tomo_flat_correct_planes (tomo-bench's entry point) against the
 * correction written out here: uint16 and float input, with and without
 * the log, clamped pixels counted, several threads' spans. */
static void
test_correct_planes(void)
{
	enum { NPIX = 20011, NZ = 3 };
	uint16_t *u = malloc(sizeof *u * NPIX * NZ);
	float *fr = malloc(sizeof *fr * NPIX * NZ), *out = malloc(sizeof *out * NPIX * NZ);
	float *dark = malloc(sizeof *dark * NPIX), *den = malloc(sizeof *den * NPIX);
	int64_t want_den = 0, want_t[2] = {0, 0};

	for (int j = 0; j < NPIX; j++) {
		dark[j] = (float)(90 + j % 20);
		/* Every 97th pixel dead (F == D), a few below it. */
		den[j] = j % 97 == 0 ? 0.0f : j % 101 == 0 ? -3.0f : (float)(500 + j % 700);
	}
	for (int i = 0; i < NPIX * NZ; i++) {
		u[i] = (uint16_t)(rnd() * 1400.0);
		fr[i] = (float)u[i];
	}
	for (int i = 0; i < NPIX * NZ; i++) {
		int j = i % NPIX;
		double d = den[j] >= 1e-6f ? den[j] : 1e-6;
		double t = ((double)u[i] - dark[j]) / d;
		want_den += !(den[j] >= 1e-6f);
		want_t[0] += t < 1e-6;
	}
	want_t[1] = want_t[0];
	for (int lg = 0; lg < 2; lg++)
		for (int f = 0; f < 2; f++) {
			int64_t counts[2] = {0, 0}, bad = 0;
			tomo_flat_correct_planes(f ? (const void *)fr : (const void *)u, !f, NZ,
			                         NPIX, dark, den, lg, out, counts);
			for (int i = 0; i < NPIX * NZ; i++) {
				int j = i % NPIX;
				double d = den[j] >= 1e-6f ? den[j] : 1e-6;
				double t = ((double)u[i] - dark[j]) / d;
				double e = lg ? -log(t < 1e-6 ? 1e-6 : t) : t;
				bad += fabs(out[i] - e) > 1e-5 * fmax(1.0, fabs(e));
			}
			CHECK(bad == 0, "log %d float %d: %lld pixels differ", lg, f,
			      (long long)bad);
			CHECK(counts[0] == want_den, "%lld dens clamped, want %lld",
			      (long long)counts[0], (long long)want_den);
			CHECK(counts[1] == want_t[lg], "%lld low, want %lld", (long long)counts[1],
			      (long long)want_t[lg]);
		}
	CHECK(want_den > 0 && want_t[0] > 0, "the case clamps nothing");
	free(u);
	free(fr);
	free(out);
	free(dark);
	free(den);
}

UNIT_MAIN(T(test_median9_network), T(test_median_numpy_convention), T(test_correct_clamps),
          T(test_lerp_ends), T(test_outliers_vs_brute_force), T(test_bin),
          T(test_run_plain_interpolated), T(test_run_dxchange_u16), T(test_errors),
          T(test_gpu_matches_cpu), T(test_correct_planes))
