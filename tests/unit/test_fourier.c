/* Unit tests of the Fourier method's arithmetic (kernels/fourier_math.h,
 * lib/fbp_fourier.c): the kernel and its transform, the tap polynomials,
 * the placement of a sample's taps, the rows a band must take samples
 * from, and the host tables (grid size, deapodisation). The whole method
 * is checked against the exact sum it approximates in
 * tests/fbp-fourier.bats. */
#include "fbp_impl.h"
#include "fourier_math.h"
#include "tomo/err.h"
#include "tomo/fbp.h"
#include "unit.h"

static const double pi = 3.14159265358979323846;

/* The kernel: 1 at the centre, 0 at and past the edges, even; its
 * transform against a numerical integral (Simpson, 4000 intervals). */
static void
test_kernel_and_transform(void)
{
	for (int W = 3; W <= FOURIER_MAX_W; W++) {
		double beta = fourier_kb_beta(W, 2.0);
		CHECK_NEAR(fourier_kb(0, W, beta), 1, 1e-15);
		CHECK_NEAR(fourier_kb(0.5 * W, W, beta), 0, 1e-15);
		CHECK_NEAR(fourier_kb(0.5 * W + 0.1, W, beta), 0, 0);
		CHECK_NEAR(fourier_kb(0.3 * W, W, beta), fourier_kb(-0.3 * W, W, beta), 1e-15);
		for (double xi = 0; xi <= 0.5; xi += 0.0625) {
			const int n = 4000;
			double h = (double)W / n, sum = 0;
			for (int k = 0; k <= n; k++) {
				double x = -0.5 * W + k * h;
				double f = fourier_kb(x, W, beta) * cos(2 * pi * x * xi);
				sum += f * (k == 0 || k == n ? 1 : k % 2 ? 4 : 2);
			}
			sum *= h / 3;
			CHECK(fabs(fourier_kb_hat(xi, W, beta) - sum) <= 1e-9 * fabs(sum) + 1e-12,
			      "W %d xi %g: %.12g vs %.12g", W, xi, fourier_kb_hat(xi, W, beta),
			      sum);
		}
	}
	/* Beatty's shape for width 4 on a 2x grid */
	CHECK_NEAR(fourier_kb_beta(4, 2.0), pi * sqrt(8.2), 1e-12);
}

/* The polynomial weights match the kernel to 1e-5 of its peak at every
 * width, and the taps sit where fourier_first says. */
static void
test_tap_polynomials(void)
{
	float coef[(FOURIER_MAX_DEG + 1) * FOURIER_MAX_W];

	for (int W = 3; W <= FOURIER_MAX_W; W++) {
		const double beta = fourier_kb_beta(W, 2.0);
		const int deg = fourier_degree(W);
		double worst = 0;
		CHECK(deg <= FOURIER_MAX_DEG, "degree %d", deg);
		fbp_fourier_fit(W, deg, beta, coef);
		for (int k = 0; k <= 1000; k++) {
			/* a sample at g: taps i0..i0+W-1 */
			float g = 100.0f + (float)k / 1000.0f * 1.37f, z;
			long i0 = fourier_first(g, W, &z);
			CHECK(z > -1 && z <= 1, "z %g", z);
			CHECK(i0 - g > -0.5f * W - 1e-4f && i0 - g <= -0.5f * W + 1 + 1e-4f,
			      "i0 %ld for g %g", i0, g);
			for (int t = 0; t < W; t++) {
				double e = fabs(fourier_weight(coef, W, deg, t, z) -
				                fourier_kb((double)(i0 + t) - g, W, beta));
				worst = e > worst ? e : worst;
			}
		}
		CHECK(worst < 1e-5, "W %d: worst weight error %g", W, worst);
	}
}

/* Every sample whose taps meet the rows lo..hi-1 lies in the range that
 * fourier_jrange gives (checked by brute force over all samples). */
static void
test_jrange(void)
{
	const long M = 96, J2 = 70;
	const int W = 5;
	for (int a = 0; a < 181; a++) {
		float rs = (float)(M / (2.0 * J2) * sin(a * pi / 180));
		if (a == 90)
			rs = 0;
		for (long lo = -8; lo < M + 8; lo += 13) {
			long hi = lo + 13, j0, j1;
			fourier_jrange(rs, M, W, lo, hi, J2, &j0, &j1);
			for (long jj = -J2; jj <= J2; jj++) {
				float z;
				long i0 = fourier_first(fourier_pos(jj, rs, M), W, &z);
				int meets = i0 <= hi - 1 && i0 + W - 1 >= lo;
				CHECK(!meets || (jj >= j0 && jj <= j1),
				      "angle %d rows %ld..%ld: sample %ld (row %ld) outside %ld..%ld",
				      a, lo, hi, jj, i0, j0, j1);
			}
		}
	}
}

/* The gather's windows: every tap of every sample, on the grid or on a
 * periodic image past its edges, lies in the window of angles and the run
 * of samples that its cell's fourier_cell_window and fourier_cell_jrange
 * give (brute force over all samples), for angles evenly spread over 180
 * and 360 degrees, in random order, a single one and ones on the axes. */
static int
by_theta(const void *a, const void *b)
{
	const float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static void
check_windows(const double *deg, long A, long M, long P, int W)
{
	const long J2 = P / 2;
	const float r = (float)M / (float)P, rmax = (float)J2 * r, h = fourier_half_reach(W, M);
	float *theta = malloc(sizeof(float) * (size_t)A);
	float *sorted = malloc(sizeof(float) * (size_t)A);
	long misses = 0;

	for (long a = 0; a < A; a++) {
		double t = fmod(deg[a] * pi / 180.0, pi);
		theta[a] = sorted[a] = (float)(t < 0 ? t + pi : t);
	}
	qsort(sorted, (size_t)A, sizeof(float), by_theta);
	for (long a = 0; a < A; a++) {
		const float s = (float)sin(deg[a] * pi / 180.0), c = (float)cos(deg[a] * pi / 180.0);
		const float rs = r * s, rc = r * c;
		/* this angle's place in the sorted table (ties: any of them) */
		const long k = fourier_count_below(sorted, A, theta[a], 0);
		for (long jj = -J2; jj <= J2; jj++) {
			float zu, zv;
			const long iu = fourier_first(fourier_pos(jj, rs, M), W, &zu);
			const long iv = fourier_first(fourier_pos(jj, rc, M), W, &zv);
			for (int tu = 0; tu < W; tu++)
				for (int tv = 0; tv < W; tv++) {
					const float y = (float)(iu + tu - M / 2);
					const float x = (float)(iv + tv - M / 2);
					long k0, n, j0, j1, j2, j3;
					fourier_cell_window(sorted, A, y, x, h, rmax, &k0, &n);
					long off = (k - k0 + A) % A;
					int in = off < n;
					/* equal angles sort next to each other */
					for (long e = k; !in && e < A && sorted[e] == theta[a]; e++)
						in = (e - k0 + A) % A < n;
					fourier_cell_jrange(y, fourier_inv(rs), h, J2, &j0, &j1);
					fourier_cell_jrange(x, fourier_inv(rc), h, J2, &j2, &j3);
					in = in && jj >= j0 && jj <= j1 && jj >= j2 && jj <= j3;
					if (!in && misses++ < 5)
						fprintf(stderr,
						        "# angle %g sample %ld tap (%ld, %ld): "
						        "window %ld+%ld, runs %ld..%ld, %ld..%ld\n",
						        deg[a], jj, iu + tu, iv + tv, k0, n, j0, j1, j2,
						        j3);
				}
		}
	}
	CHECK(misses == 0, "%ld taps outside their cell's windows (M %ld, P %ld, W %d)", misses, M,
	      P, W);
	free(theta);
	free(sorted);
}

static void
test_gather_windows(void)
{
	double deg[181];

	for (int a = 0; a < 90; a++)
		deg[a] = 2.0 * a;
	check_windows(deg, 90, 64, 64, 4);
	check_windows(deg, 90, 96, 70, 5);
	for (int a = 0; a < 181; a++)
		deg[a] = 360.0 * a / 181;
	check_windows(deg, 181, 80, 50, 7);
	srand(7);
	for (int a = 0; a < 50; a++)
		deg[a] = 400.0 * rand() / RAND_MAX - 20;
	check_windows(deg, 50, 64, 47, 3);
	deg[0] = 33;
	check_windows(deg, 1, 48, 48, 8);
	deg[0] = 0, deg[1] = 90, deg[2] = 180, deg[3] = 270, deg[4] = 45;
	check_windows(deg, 5, 64, 64, 4);
}

/* The host tables: an even fast grid size of at least oversample x N, the
 * deapodisation 1 / transform at each output pixel's offset, alternating
 * in sign, the shifts with the half pixel of an even size. */
static void
test_tables(void)
{
	double angles[3] = {0, 30, 90};
	struct tomo_fbp_params p = {
		.angles = angles,
		.nangles = 3,
		.center = 20.3,
		.cutoff = 1,
		.size = 50,
		.scale = 1,
		.method = TOMO_FBP_FOURIER,
		.oversample = 1.5,
		.kernel_width = 6,
	};
	struct fbp_geom g;

	CHECK(fbp_geom_init(&g, 41, &p) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(fbp_fourier_init(&g, &p) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(g.M == 75 + 1 || g.M == 80, "M %lld", (long long)g.M); /* 75 is odd: 80 */
	CHECK(g.M % 2 == 0 && g.M >= 75, "M %lld", (long long)g.M);
	CHECK(g.W == 6 && g.deg == fourier_degree(6), "W %d deg %d", g.W, g.deg);
	CHECK_NEAR(g.r, (double)g.M / (double)g.P, 1e-6);
	for (int64_t x = 0; x < 50; x++) {
		int64_t m = x - 25;
		double want = ((m % 2) ? -1 : 1) / fourier_kb_hat((double)m / g.M, 6, g.beta);
		CHECK_NEAR(g.deap_x[x], want, 1e-6 * fabs(want));
		CHECK_NEAR(g.deap_y[49 - x], g.deap_x[x], 0);
	}
	CHECK_NEAR(g.shift[0], 20.3 - 0.5 + 0.5 * (1 + 0), 1e-12);
	CHECK_NEAR(g.shift[1], 20.3 - 0.5 + 0.5 * (cos(pi / 6) + 0.5), 1e-12);
	CHECK_NEAR(g.shift[2], 20.3 - 0.5 + 0.5 * (cos(pi / 2) + 1), 1e-12);
	fbp_geom_free(&g);
	/* odd size: no half pixel */
	p.size = 51;
	CHECK(fbp_geom_init(&g, 41, &p) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(fbp_fourier_init(&g, &p) == TOMO_OK, "%s", tomo_errmsg());
	CHECK_NEAR(g.shift[1], 20.3 - 0.5, 1e-12);
	fbp_geom_free(&g);
}

UNIT_MAIN(T(test_kernel_and_transform), T(test_tap_polynomials), T(test_jrange),
          T(test_gather_windows), T(test_tables))
