/* Unit tests of filtered back-projection's arithmetic and CPU path: the
 * filter response and windows, the angle weights, the pixel grid and
 * detector coordinates, one voxel's back-projection, and the fast CPU
 * filter and back-projection against direct evaluations
 * (kernels/fbp_math.h, lib/fbp.c, lib/fbp_cpu.c). */
#include "fbp_impl.h"
#include "fbp_math.h"
#include "tomo/err.h"
#include "tomo/fbp.h"
#include "unit.h"

static const double pi = 3.14159265358979323846;

static void
test_ramlak_kernel(void)
{
	CHECK_NEAR(fbp_ramlak(0, 64), 0.25, 0);
	CHECK_NEAR(fbp_ramlak(1, 64), -1 / (pi * pi), 1e-15);
	CHECK_NEAR(fbp_ramlak(2, 64), 0, 0);
	CHECK_NEAR(fbp_ramlak(3, 64), -1 / (9 * pi * pi), 1e-15);
	/* circular distance: sample P - 1 is one away from 0 */
	CHECK_NEAR(fbp_ramlak(63, 64), -1 / (pi * pi), 1e-15);
	CHECK_NEAR(fbp_ramlak(61, 64), -1 / (9 * pi * pi), 1e-15);
	CHECK_NEAR(fbp_ramlak(32, 64), 0, 0);
}

/* The table against a direct DFT of the kernel (cos() for every term,
 * not the recurrence of the library), and against |f|. */
static void
test_ramp_response(void)
{
	const int64_t P = 256;
	double resp[P / 2 + 1];

	tomo_fbp_filter_table(TOMO_FBP_RAMP, 1, P, 1, resp);
	for (int64_t k = 0; k <= P / 2; k++) {
		double direct = 0;
		for (int64_t n = 0; n < P; n++)
			direct += fbp_ramlak(n, P) * cos(2 * pi * (double)(k * n) / (double)P);
		CHECK_NEAR(resp[k], direct, 1e-12);
		/* the discrete Ram-Lak approximates |f| (cycles per pixel) */
		CHECK_NEAR(resp[k], (double)k / (double)P, 1.0 / (double)P);
	}
	/* no DC bias to speak of, Nyquist at 1/2 */
	CHECK(resp[0] > 0 && resp[0] < 1.0 / P, "DC %g", resp[0]);
	CHECK_NEAR(resp[P / 2], 0.5, 1.0 / P);
	/* gain multiplies */
	double g[P / 2 + 1];
	tomo_fbp_filter_table(TOMO_FBP_RAMP, 1, P, 2.5, g);
	CHECK_NEAR(g[17], 2.5 * resp[17], 1e-15);
}

/* Any P, odd ones too (where the kernel is non-zero at even n, whose
 * circular distance P - n is odd), against a direct DFT; and the padded
 * lengths are even (121 columns: 242 would round up to the odd 243). */
static void
test_odd_length_response(void)
{
	for (int64_t P = 63; P <= 65; P++) {
		double resp[40];
		tomo_fbp_filter_table(TOMO_FBP_RAMP, 1, P, 1, resp);
		for (int64_t k = 0; k <= P / 2; k++) {
			double direct = 0;
			for (int64_t n = 0; n < P; n++)
				direct += fbp_ramlak(n, P) *
				          cos(2 * pi * (double)(k * n) / (double)P);
			CHECK_NEAR(resp[k], direct, 1e-12);
		}
		CHECK(fabs(resp[0]) < 1.0 / P, "P %lld: DC %g", (long long)P, resp[0]);
	}
	for (int64_t C = 1; C < 3000; C++) {
		int64_t P = tomo_fbp_padded_length(C);
		CHECK(P % 2 == 0 && P >= 2 * C && P >= 64, "C %lld: P %lld", (long long)C,
		      (long long)P);
	}
	CHECK(tomo_fbp_padded_length(121) == 250, "%lld", (long long)tomo_fbp_padded_length(121));
}

static void
test_windows(void)
{
	/* r = 0: all pass */
	for (int f = TOMO_FBP_RAMP; f <= TOMO_FBP_PARZEN; f++)
		CHECK_NEAR(fbp_window(f, 0), 1, 1e-15);
	/* r = 1/2 and 1 by the formulas of tomo-fbp(1) */
	CHECK_NEAR(fbp_window(TOMO_FBP_RAMP, 0.5), 1, 0);
	CHECK_NEAR(fbp_window(TOMO_FBP_SHEPP_LOGAN, 0.5), sin(pi / 4) / (pi / 4), 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_SHEPP_LOGAN, 1), 2 / pi, 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_COSINE, 0.5), sqrt(0.5), 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_COSINE, 1), 0, 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_HAMMING, 0.5), 0.54, 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_HAMMING, 1), 0.08, 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_HANN, 0.5), 0.5, 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_HANN, 1), 0, 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_PARZEN, 0.25), 1 - 6 * 0.0625 * 0.75, 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_PARZEN, 0.5), 0.25, 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_PARZEN, 0.75), 2 * 0.25 * 0.25 * 0.25, 1e-15);
	CHECK_NEAR(fbp_window(TOMO_FBP_PARZEN, 1), 0, 1e-15);
	/* past the cutoff: nothing */
	for (int f = TOMO_FBP_RAMP; f <= TOMO_FBP_PARZEN; f++)
		CHECK_NEAR(fbp_window(f, 1.0001), 0, 0);
}

/* The table is ramp x window at (k/P)/(cutoff/2): check a few bins of
 * each filter with a cutoff of 1/2. */
static void
test_filter_table(void)
{
	const int64_t P = 128;
	double ramp[P / 2 + 1], t[P / 2 + 1];

	tomo_fbp_filter_table(TOMO_FBP_RAMP, 1, P, 1, ramp);
	for (int f = TOMO_FBP_RAMP; f <= TOMO_FBP_PARZEN; f++) {
		tomo_fbp_filter_table(f, 0.5, P, 1, t);
		CHECK_NEAR(t[0], ramp[0], 1e-15);
		/* bin P/8 is half of the cutoff frequency 1/4 */
		CHECK_NEAR(t[P / 8], ramp[P / 8] * fbp_window(f, 0.5), 1e-15);
		CHECK_NEAR(t[P / 4], ramp[P / 4] * fbp_window(f, 1), 1e-15);
		for (int64_t k = P / 4 + 1; k <= P / 2; k++)
			CHECK(t[k] == 0, "filter %d bin %lld: %g past the cutoff", f, (long long)k,
			      t[k]);
	}
}

static void
check_weights(const double *deg, int64_t n, const double *expect_deg)
{
	double w[64], sum = 0;
	CHECK(tomo_fbp_angle_weights(deg, n, w) == TOMO_OK, "%s", tomo_errmsg());
	for (int64_t i = 0; i < n; i++) {
		CHECK_NEAR(w[i], expect_deg[i] * pi / 180, 1e-12);
		sum += w[i];
	}
	CHECK_NEAR(sum, pi, 1e-12);
}

static void
test_angle_weights(void)
{
	double a[64], e[64];

	/* 180 degrees, evenly: pi / n each */
	for (int i = 0; i < 12; i++)
		a[i] = 15.0 * i, e[i] = 15;
	check_weights(a, 12, e);
	/* 360 degrees, evenly: every direction twice, pi / n each */
	for (int i = 0; i < 12; i++)
		a[i] = 30.0 * i, e[i] = 15;
	check_weights(a, 12, e);
	/* unevenly spaced: half the gaps to the neighbours, around the circle */
	double u[] = {0, 10, 30, 100}, ue[] = {45, 15, 45, 75};
	check_weights(u, 4, ue);
	/* the same, shuffled, shifted by 180 and negative */
	double s[] = {280, -170, 180, 30}, se[] = {75, 15, 45, 45};
	check_weights(s, 4, se);
	/* duplicates share their direction's weight */
	double d[] = {0, 0, 90}, de[] = {45, 45, 90};
	check_weights(d, 3, de);
	double d3[] = {0, 0, 0, 90}, d3e[] = {30, 30, 30, 90};
	check_weights(d3, 4, d3e);
	/* 0..180 inclusive: the ends are one direction */
	double incl[] = {0, 45, 90, 135, 180}, incle[] = {22.5, 45, 45, 45, 22.5};
	check_weights(incl, 5, incle);
	/* one angle carries everything */
	double one[] = {33}, onee[] = {180};
	check_weights(one, 1, onee);
	double bad[] = {0, NAN};
	double w[2];
	CHECK(tomo_fbp_angle_weights(bad, 2, w) == TOMO_ERR, "NaN accepted");
}

static void
test_geometry(void)
{
	/* GUIDE.md: pixel (i, j) of N x N at x = j + 0.5 - N/2, y = N/2 - i - 0.5 */
	CHECK_NEAR(fbp_pixel_x(0, 4), -1.5, 0);
	CHECK_NEAR(fbp_pixel_x(3, 4), 1.5, 0);
	CHECK_NEAR(fbp_pixel_y(0, 4), 1.5, 0);
	CHECK_NEAR(fbp_pixel_y(3, 4), -1.5, 0);
	CHECK_NEAR(fbp_pixel_x(2, 5), 0, 0);
	CHECK_NEAR(fbp_pixel_y(2, 5), 0, 0);
	/* stored column = s + center - 0.5 + FBP_GUARD_LEFT */
	float off = 2.0f - 0.5f + FBP_GUARD_LEFT;           /* 4 columns, center 2 */
	float x = fbp_pixel_x(2, 4), y = fbp_pixel_y(1, 4); /* (0.5, 0.5) */
	CHECK_NEAR(fbp_u(x, y, 1, 0, off), 0.5 + 1.5 + FBP_GUARD_LEFT, 1e-6);
	CHECK_NEAR(fbp_u(x, y, 0, 1, off), 0.5 + 1.5 + FBP_GUARD_LEFT, 1e-6);
	CHECK_NEAR(fbp_u(x, y, -1, 0, off), -0.5 + 1.5 + FBP_GUARD_LEFT, 1e-6);
	CHECK_NEAR(fbp_u(x, y, (float)sqrt(0.5), (float)sqrt(0.5), off),
	           sqrt(0.5) + 1.5 + FBP_GUARD_LEFT, 1e-6);
	/* a fractional center shifts the column by as much */
	CHECK_NEAR(fbp_u(x, y, 1, 0, 2.3f - 0.5f + FBP_GUARD_LEFT), 0.5 + 1.8 + FBP_GUARD_LEFT,
	           1e-6);
	/* clamping keeps reads inside [0, C + 2] */
	CHECK_NEAR(fbp_clamp_u(-7, 5), 0, 0);
	CHECK_NEAR(fbp_clamp_u(9, 5), 5, 0);
	CHECK_NEAR(fbp_clamp_u(2.25f, 5), 2.25, 0);
}

/* A constant filtered line (1 on every detector column, guards zero) seen
 * at total weight pi gives pi at any voxel whose ray hits the detector
 * away from its edges; an edge pixel gets the linear fade to zero. */
static void
test_voxel_constant(void)
{
	enum { C = 8, A = 6, CS = C + FBP_GUARD_COLS };
	float lines[A][CS], cs[A], sn[A];
	for (int a = 0; a < A; a++) {
		double t = pi * a / A;
		cs[a] = (float)cos(t), sn[a] = (float)sin(t);
		for (int q = 0; q < CS; q++)
			lines[a][q] =
				q >= FBP_GUARD_LEFT && q < C + FBP_GUARD_LEFT ? (float)(pi / A) : 0;
	}
	float off = 4.0f - 0.5f + FBP_GUARD_LEFT, hi = C + FBP_GUARD_LEFT;
	CHECK_NEAR(fbp_voxel(&lines[0][0], CS, 1, cs, sn, A, 0.5f, -1.5f, off, hi), pi, 1e-5);
	/* s = 3.75 at theta = 0 lands on column 7.25: between the last column
	 * and the zero guard, a quarter of the way */
	float row[CS] = {0};
	for (int q = FBP_GUARD_LEFT; q < C + FBP_GUARD_LEFT; q++)
		row[q] = 1;
	CHECK_NEAR(fbp_sample(row, 1, fbp_u(3.75f, 0, 1, 0, off), hi), 0.75, 1e-6);
	CHECK_NEAR(fbp_sample(row, 1, fbp_u(-4.0f, 0, 1, 0, off), hi), 0.5, 1e-6);
	CHECK_NEAR(fbp_sample(row, 1, fbp_u(-40.0f, 0, 1, 0, off), hi), 0, 0);
	CHECK_NEAR(fbp_sample(row, 1, fbp_u(40.0f, 0, 1, 0, off), hi), 0, 0);
	/* interpolation between two columns */
	row[3] = 2, row[4] = 6;
	CHECK_NEAR(fbp_sample(row, 1, 3.25f, hi), 3, 1e-6);
}

static void
test_preprocess(void)
{
	int cl = 0;
	CHECK_NEAR(fbp_preprocess(0.5f, 1, &cl), log(2.0), 1e-6);
	CHECK(cl == 0, "clamped a positive value");
	CHECK_NEAR(fbp_preprocess(0.0f, 1, &cl), -log(TOMO_FBP_MIN_TRANSMISSION), 1e-4);
	CHECK(cl == 1, "zero not counted");
	cl = 0;
	CHECK_NEAR(fbp_preprocess(-3.0f, 1, &cl), -log(TOMO_FBP_MIN_TRANSMISSION), 1e-4);
	CHECK(cl == 1, "negative not counted");
	cl = 0;
	CHECK_NEAR(fbp_preprocess(NAN, 1, &cl), -log(TOMO_FBP_MIN_TRANSMISSION), 1e-4);
	CHECK(cl == 1, "NaN not counted");
	cl = 0;
	CHECK_NEAR(fbp_preprocess(-3.0f, 0, &cl), -3, 0);
	CHECK(cl == 0, "line integrals are not clamped");
	/* edge padding: first half after the data repeats the last column */
	CHECK(fbp_pad_source(10, 10, 32) == 9, "pad 10");
	CHECK(fbp_pad_source(20, 10, 32) == 9, "pad 20");
	CHECK(fbp_pad_source(21, 10, 32) == 0, "pad 21");
	CHECK(fbp_pad_source(31, 10, 32) == 0, "pad 31");
}

/* Tables for C columns, A angles over 180 degrees (jittered, so that the
 * weights differ), an N x N slice. */
static void
make_geom(struct fbp_geom *g, int64_t C, int64_t A, int64_t N, double center, int pad_zero)
{
	static double ang[64];
	struct tomo_fbp_params p = {
		.angles = ang,
		.nangles = A,
		.center = center,
		.cutoff = 1,
		.pad = pad_zero ? TOMO_FBP_PAD_ZERO : TOMO_FBP_PAD_EDGE,
		.size = N,
		.scale = 1,
	};

	for (int64_t a = 0; a < A; a++)
		ang[a] = 180.0 * (double)a / (double)A + 0.3 * (double)(a % 3);
	CHECK(fbp_geom_init(g, C, &p) == TOMO_OK, "%s", tomo_errmsg());
}

/* fbp_cpu_filter with zero padding is the linear convolution with the
 * discrete Ram-Lak kernel (exact, since P >= 2C), times the weight. */
static void
test_cpu_filter(void)
{
	enum { C = 23, A = 5, R = 19 };
	struct fbp_geom g;
	struct fbp_cpu *cpu;
	static float raw[R][A][C]; /* sinogram layout: row, angle, column */

	make_geom(&g, C, A, 9, C / 2.0, 1);
	for (int r = 0; r < R; r++)
		for (int a = 0; a < A; a++)
			for (int x = 0; x < C; x++)
				raw[r][a][x] = (float)sin(0.37 * x + 1.3 * a + 0.11 * r * r);
	float *F = aligned_alloc(64, sizeof(float) * (size_t)fbp_slab_floats(&g, R));
	CHECK(fbp_cpu_create(&g, &cpu) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(fbp_cpu_filter(cpu, &raw[0][0][0], A * C, C, R, 0, A, F) == 0,
	      "clamped line integrals");
	double worst = 0;
	for (int r = 0; r < R; r++)
		for (int a = 0; a < A; a++) {
			int64_t step;
			const float *o = fbp_cpu_line(&g, F, R, r, a, &step);
			for (int q = 0; q < g.cs; q++) {
				int x = q - FBP_GUARD_LEFT;
				double expect = 0;
				if (x >= 0 && x < C)
					for (int m = 0; m < C; m++)
						expect += raw[r][a][m] *
						          fbp_ramlak(labs(x - m), 1 << 20);
				expect *= g.weight[a];
				worst = fmax(worst, fabs(o[q * step] - expect));
			}
		}
	CHECK(worst < 2e-6, "filter differs by %g", worst);
	/* the same lines in projection layout, read in two angle chunks */
	static float proj[A][R][C];
	for (int r = 0; r < R; r++)
		for (int a = 0; a < A; a++)
			memcpy(proj[a][r], raw[r][a], sizeof proj[a][r]);
	float *F2 = aligned_alloc(64, sizeof(float) * (size_t)fbp_slab_floats(&g, R));
	fbp_cpu_filter(cpu, &proj[0][0][0], C, R * C, R, 0, 2, F2);
	fbp_cpu_filter(cpu, &proj[2][0][0], C, R * C, R, 2, 3, F2);
	CHECK(!memcmp(F, F2, sizeof(float) * (size_t)fbp_slab_floats(&g, R)),
	      "layouts or chunks change the filtered lines");
	fbp_cpu_destroy(cpu);
	free(F);
	free(F2);
	fbp_geom_free(&g);
}

/* Both back-projection kernels against fbp_voxel, rounding for rounding,
 * for slabs of leftover rows only, whole groups of lanes and both, a size
 * that is not a multiple of the vector width, a fractional off-centre
 * axis and angles that include 0, 90 and 180 degrees (where the pixels of
 * a vector span the most detector columns, or none); on a detector wider
 * than the slice too, where pixel blocks near the axis skip the clamp. */
static void
check_backproject(const int C, const int N, double center)
{
	enum { A = 13 };
	struct fbp_geom g;

	make_geom(&g, C, A, N, center, 0);
	/* angles 0, 90 and 180 exactly, and one just short of 90 */
	g.cosv[0] = 1, g.sinv[0] = 0;
	g.cosv[4] = 0, g.sinv[4] = 1;
	g.cosv[5] = (float)cos(89.9999 * M_PI / 180), g.sinv[5] = (float)sin(89.9999 * M_PI / 180);
	g.cosv[12] = -1, g.sinv[12] = 0;
	const int Rs[] = {1, 2, 3, 4, 5, 7, TOMO_VLEN, TOMO_VLEN + 5, 2 * TOMO_VLEN + 3};
	for (size_t n = 0; n < sizeof Rs / sizeof *Rs; n++) {
		const int R = Rs[n];
		int64_t nf = fbp_slab_floats(&g, R), step;
		float *F = aligned_alloc(64, sizeof(float) * (size_t)((nf + 15) / 16 * 16));
		float *out = malloc(sizeof(float) * (size_t)(R * N * N));
		float *line = malloc(sizeof(float) * (size_t)(A * g.cs));
		memset(F, 0, sizeof(float) * (size_t)nf);
		for (int r = 0; r < R; r++)
			for (int a = 0; a < A; a++) {
				float *o = fbp_cpu_line(&g, F, R, r, a, &step);
				for (int x = 0; x < C; x++)
					o[(x + FBP_GUARD_LEFT) * step] =
						(float)cos(0.37 * x + 0.1 * a + 1.7 * r);
			}
		fbp_cpu_backproject(&g, F, R, out, NULL);
		int64_t differ = 0;
		for (int r = 0; r < R; r++) {
			for (int a = 0; a < A; a++) {
				const float *o = fbp_cpu_line(&g, F, R, r, a, &step);
				for (int q = 0; q < g.cs; q++)
					line[a * g.cs + q] = o[q * step];
			}
			for (int i = 0; i < N; i++)
				for (int j = 0; j < N; j++) {
					float v = fbp_voxel(line, g.cs, 1, g.cosv, g.sinv, A,
					                    fbp_pixel_x(j, N), fbp_pixel_y(i, N),
					                    g.off, g.hi);
					differ += out[((int64_t)r * N + i) * N + j] != v;
				}
		}
		CHECK(differ == 0, "%d columns, %d rows: %lld voxels differ from fbp_voxel", C,
		      R, (long long)differ);
		free(F);
		free(out);
		free(line);
	}
	fbp_geom_free(&g);
}

static void
test_cpu_backproject(void)
{
	check_backproject(29, 37, 13.7);
	check_backproject(160, 70, 80.3);
}

UNIT_MAIN(T(test_ramlak_kernel), T(test_ramp_response), T(test_odd_length_response),
          T(test_windows), T(test_filter_table), T(test_angle_weights), T(test_geometry),
          T(test_voxel_constant), T(test_preprocess), T(test_cpu_filter), T(test_cpu_backproject))
