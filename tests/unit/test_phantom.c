/* Unit tests of the phantom module (lib/phantom.c, lib/phantom_scan.c):
 * chord lengths against hand-computed values, the closed-form Radon
 * transform of an ellipse, mass conservation, volume sampling, the random
 * phantoms, the generator and the scan model. */
#include <math.h>
#include <stdint.h>

#include "tomo/err.h"
#include "tomo/phantom.h"
#include "unit.h"

static void
test_sphere_chord(void)
{
	struct tomo_ellipsoid e = {.value = 1, .axes = {10, 10, 10}, .center = {1, 2, 3}};
	/* theta = 30: the centre projects at s_c = cos30 + 2 sin30. */
	double sc = cos(M_PI / 6) + 2 * sin(M_PI / 6);

	CHECK_NEAR(tomo_ellipsoid_chord(&e, 30, sc, 3), 20, 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 30, sc + 6, 3), 16, 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 30, sc - 3, 3 + 4), 2 * sqrt(75), 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 30, sc + 8, 3 - 6), 0, 0);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 30, sc + 10.5, 3), 0, 0);
	/* Every angle sees a sphere alike. */
	for (int a = 0; a < 360; a += 17) {
		double s = cos(a * M_PI / 180) + 2 * sin(a * M_PI / 180) - 5;
		CHECK_NEAR(tomo_ellipsoid_chord(&e, a, s, 3), 2 * sqrt(75), 1e-11);
	}
}

static void
test_rotated_chord(void)
{
	/* Semi-axes 4, 2, 1 at the origin. */
	struct tomo_ellipsoid e = {.value = 1, .axes = {4, 2, 1}};

	/* Unrotated, the ray theta = 0 runs along y at x = s. */
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 0, 0, 0), 4, 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 0, 2, 0), 4 * sqrt(0.75), 1e-12);
	/* 2 b sqrt(1 - (x/a)^2 - (z/c)^2) = 4 sqrt(1 - 1/4 - 1/4) */
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 0, 2, 0.5), 4 * sqrt(0.5), 1e-12);
	/* theta = 90: direction (-1, 0, 0), along the 4 axis. */
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 90, 0, 0), 8, 1e-12);

	/* phi = 90 turns the a axis onto y. */
	e.phi = 90;
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 0, 0, 0), 8, 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 90, 0, 0), 4, 1e-12);
	/* phi = 45, a ray along x through the centre: the radius r in the
	 * direction 45 degrees off the a axis has 1/r^2 = (1/2)/16 + (1/2)/4. */
	e.phi = 45;
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 90, 0, 0), 2 / sqrt(0.5 / 16 + 0.5 / 4), 1e-12);
	/* and along the a axis itself (direction (-sin t, cos t) at t = -45). */
	CHECK_NEAR(tomo_ellipsoid_chord(&e, -45, 0, 0), 8, 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 45, 0, 0), 4, 1e-12);

	/* tilt = 90 about x: the body's y axis goes to z, its z axis to -y:
	 * extents 4 along x, 1 along y, 2 along z. */
	e.phi = 0;
	e.tilt = 90;
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 0, 0, 0), 2, 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 90, 0, 0), 8, 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 90, 0, 1), 8 * sqrt(0.75), 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 90, 0, 2.01), 0, 0);
	/* tilt 90 then phi 90: the a axis along y, z extent still 2. */
	e.phi = 90;
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 0, 0, 1), 8 * sqrt(0.75), 1e-12);
	CHECK_NEAR(tomo_ellipsoid_chord(&e, 0, 0.5, 0), 8 * sqrt(0.75), 1e-12);
}

/* The Radon transform of an ellipse (value rho, semi-axes a along x' and b,
 * centre (x0, y0), turned by phi), e.g. Kak & Slaney eq. 3.8-3.11. */
static double
ellipse_radon(double rho, double a, double b, double x0, double y0, double phi, double theta,
              double s)
{
	double t = theta - phi;
	double a2 = a * a * cos(t) * cos(t) + b * b * sin(t) * sin(t);
	double sp = s - (x0 * cos(theta) + y0 * sin(theta));
	return sp * sp < a2 ? 2 * rho * a * b * sqrt(a2 - sp * sp) / a2 : 0;
}

static void
test_ellipse_radon(void)
{
	/* An ellipsoid cut at its equator is the ellipse; project a
	 * detector of 64 columns with the axis off-centre. */
	struct tomo_ellipsoid e = {
		.value = 0.7, .axes = {20, 9, 5}, .center = {3.5, -4.25, 0}, .phi = 27};
	struct tomo_phantom *p;
	struct tomo_detector d = {64, 1, 30.7};
	double deg[7] = {0, 13, 45, 90, 117.5, 180, 301};
	float out[7][64];
	double worst = 0;

	CHECK(tomo_phantom_new(&e, 1, &p) == TOMO_OK, "%s", tomo_errmsg());
	/* The one row sits at z = 0.5 - 1/2 = 0. */
	CHECK(tomo_phantom_project(p, &d, deg, 7, &out[0][0]) == TOMO_OK, "%s", tomo_errmsg());
	for (int a = 0; a < 7; a++)
		for (int k = 0; k < 64; k++) {
			double s = k + 0.5 - d.center;
			double ref = ellipse_radon(0.7, 20, 9, 3.5, -4.25, 27 * M_PI / 180,
			                           deg[a] * M_PI / 180, s);
			worst = fmax(worst, fabs(out[a][k] - ref));
			CHECK_NEAR(tomo_phantom_ray(p, deg[a], s, 0), ref, 1e-10);
		}
	/* float32 output: a few ulps of values up to 2 rho a = 28. */
	CHECK(worst < 1e-5, "worst difference %g", worst);
	tomo_phantom_free(p);
}

/*
 * Mass: for every angle, the projection summed over the detector is the
 * slice's integral (sum of value * pi * a' * b' over the cut ellipses).
 * The sum over unit-spaced columns samples each ellipse's chord profile
 * K sqrt(w^2 - s^2), smooth but for its square-root edges, where the
 * generalised Euler-Maclaurin formula leaves an error of |zeta(-1/2, f)|
 * K sqrt(2w) <= 0.21 K sqrt(2w) per edge: we allow 0.3. The voxel sum
 * counts lattice points, off by O(perimeter^(2/3)) per ellipse (van der
 * Corput): we allow 2 sqrt(perimeter), loose but far below a wrong scale.
 */
static void
test_mass_conservation(void)
{
	enum { N = 128, R = 9, A = 24 };
	struct tomo_phantom *p;
	struct tomo_detector d = {N, R, N / 2.0};
	static float proj[A][R][N], vol[R][N][N];
	double deg[A];
	const struct tomo_ellipsoid *e;
	int ne;

	for (int a = 0; a < A; a++)
		deg[a] = 180.0 * a / A;
	CHECK(tomo_phantom_shepp_logan(N, R, &p) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_phantom_project(p, &d, deg, A, &proj[0][0][0]) == TOMO_OK, "x");
	CHECK(tomo_phantom_sample(p, N, R, 0, R, &vol[0][0][0]) == TOMO_OK, "x");
	e = tomo_phantom_ellipsoids(p, &ne);
	for (int r = 0; r < R; r++) {
		double z = r + 0.5 - R / 2.0, exact = 0, vbound = 0, vsum = 0;
		for (int i = 0; i < ne; i++) {
			double t = (z - e[i].center[2]) / e[i].axes[2];
			if (t * t >= 1)
				continue;
			double a = e[i].axes[0] * sqrt(1 - t * t);
			double b = e[i].axes[1] * sqrt(1 - t * t);
			double perim = M_PI * (3 * (a + b) - sqrt((3 * a + b) * (a + 3 * b)));
			exact += e[i].value * M_PI * a * b;
			vbound += fabs(e[i].value) * 2 * sqrt(perim);
		}
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++)
				vsum += vol[r][i][j];
		/* The outer slices miss the head (|z| > 0.81 R/2). */
		CHECK(r == 0 || r == R - 1 || exact > 1000, "slice %d: mass %g", r, exact);
		CHECK(fabs(vsum - exact) <= vbound,
		      "slice %d: voxels %g, exact %g, "
		      "bound %g",
		      r, vsum, exact, vbound);
		for (int a = 0; a < A; a++) {
			double th = deg[a] * M_PI / 180, psum = 0, pbound = 0;
			for (int k = 0; k < N; k++)
				psum += proj[a][r][k];
			for (int i = 0; i < ne; i++) {
				double t = (z - e[i].center[2]) / e[i].axes[2];
				if (t * t >= 1)
					continue;
				double a2 = (1 - t * t) * e[i].axes[0] * e[i].axes[0];
				double b2 = (1 - t * t) * e[i].axes[1] * e[i].axes[1];
				double c = cos(th - e[i].phi * M_PI / 180);
				double w = sqrt(a2 * c * c + b2 * (1 - c * c));
				double k = 2 * fabs(e[i].value) * sqrt(a2 * b2) / (w * w);
				pbound += 2 * 0.3 * k * sqrt(2 * w);
			}
			CHECK(fabs(psum - exact) <= pbound,
			      "row %d angle %g: projection "
			      "%g, exact %g, bound %g",
			      r, deg[a], psum, exact, pbound);
			CHECK(fabs(psum - vsum) <= pbound + vbound,
			      "row %d angle %g: "
			      "projection %g, voxels %g",
			      r, deg[a], psum, vsum);
		}
	}
	tomo_phantom_free(p);
}

/* The sampled volume is the phantom's value at each voxel centre. */
static void
test_sample_matches_value(void)
{
	enum { N = 40, R = 12 };
	static float vol[R][N][N];
	struct tomo_phantom *p;
	int bad = 0;

	CHECK(tomo_phantom_random(N, R, 7, &p) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_phantom_sample(p, N, R, 0, R, &vol[0][0][0]) == TOMO_OK, "x");
	for (int k = 0; k < R; k++)
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++) {
				double v = tomo_phantom_value(p, j + 0.5 - N / 2.0,
				                              N / 2.0 - i - 0.5, k + 0.5 - R / 2.0);
				bad += fabs(v - vol[k][i][j]) > 1e-6;
			}
	CHECK(bad == 0, "%d voxels differ", bad);
	/* A sub-range of slices is the same as those slices of the whole. */
	static float part[3][N][N];
	CHECK(tomo_phantom_sample(p, N, R, 5, 3, &part[0][0][0]) == TOMO_OK, "x");
	CHECK(!memcmp(part, vol[5], sizeof part), "slices 5..7 differ");
	tomo_phantom_free(p);
}

static void
test_shepp_logan_orientation(void)
{
	struct tomo_phantom *p;

	CHECK(tomo_phantom_shepp_logan(256, 256, &p) == TOMO_OK, "x");
	/* Skull, brain, the ventricles, the blob at the top (y > 0), and the
	 * three small ellipses at the bottom (y < 0) in the central slice. */
	CHECK_NEAR(tomo_phantom_value(p, 0, 0.9 * 128, 0), 1.0, 1e-12);
	CHECK_NEAR(tomo_phantom_value(p, 0, 0, 0), 0.2, 1e-12);
	CHECK_NEAR(tomo_phantom_value(p, 0.22 * 128, 0, 0), 0.0, 1e-12);
	CHECK_NEAR(tomo_phantom_value(p, -0.22 * 128, 0, 0), 0.0, 1e-12);
	CHECK_NEAR(tomo_phantom_value(p, 0, 0.35 * 128, 0), 0.3, 1e-12);
	CHECK_NEAR(tomo_phantom_value(p, 0, -0.35 * 128, 0), 0.2, 1e-12);
	CHECK_NEAR(tomo_phantom_value(p, 0, -0.606 * 128, 0), 0.3, 1e-12);
	CHECK_NEAR(tomo_phantom_value(p, 0, 0.606 * 128, 0), 0.2, 1e-12);
	/* The right ventricle's major axis is at 72 degrees (Kak & Slaney):
	 * its top leans outwards, its bottom inwards. 0.25 along that axis
	 * below the centre is inside; the mirror point about x = 0.22 is not. */
	CHECK_NEAR(tomo_phantom_value(p, (0.22 - 0.25 * cos(72 * M_PI / 180)) * 128,
	                              -0.25 * sin(72 * M_PI / 180) * 128, 0),
	           0.0, 1e-12);
	CHECK_NEAR(tomo_phantom_value(p, (0.22 + 0.25 * cos(72 * M_PI / 180)) * 128,
	                              -0.25 * sin(72 * M_PI / 180) * 128, 0),
	           0.2, 1e-12);
	/* Outside the head. */
	CHECK_NEAR(tomo_phantom_value(p, 0.7 * 128, 0, 0), 0, 0);
	tomo_phantom_free(p);
}

static void
test_random(void)
{
	struct tomo_phantom *a, *b, *c;
	const struct tomo_ellipsoid *ea, *eb, *ec;
	int na, nb, nc;
	const int64_t N = 100, R = 30;

	CHECK(tomo_phantom_random(N, R, 42, &a) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_phantom_random(N, R, 42, &b) == TOMO_OK, "x");
	CHECK(tomo_phantom_random(N, R, 43, &c) == TOMO_OK, "x");
	ea = tomo_phantom_ellipsoids(a, &na);
	eb = tomo_phantom_ellipsoids(b, &nb);
	ec = tomo_phantom_ellipsoids(c, &nc);
	CHECK(na >= 10 && na <= 18, "%d ellipsoids", na);
	CHECK(na == nb && !memcmp(ea, eb, (size_t)na * sizeof *ea), "seed 42 twice differs");
	CHECK(na != nc || memcmp(ea, ec, (size_t)na * sizeof *ea), "seeds 42 and 43 agree");
	for (int i = 0; i < na; i++) {
		const struct tomo_ellipsoid *e = &ea[i];
		CHECK(e->value > 0, "value %g", e->value);
		/* No ray at distance N/2 from the axis meets it, at any angle
		 * or height: it stays inside the cylinder of radius N/2. */
		for (int th = 0; th < 360; th += 3)
			for (int r = 0; r < R; r++)
				CHECK(tomo_ellipsoid_chord(e, th, N / 2.0, r + 0.5 - R / 2.0) == 0,
				      "ellipsoid %d leaves the cylinder at %d degrees", i, th);
		/* Its z extent from the chord: no ray at |z| >= R/2 meets it. */
		CHECK(tomo_ellipsoid_chord(e, 0, e->center[0], R / 2.0) == 0 &&
		              tomo_ellipsoid_chord(e, 0, e->center[0], -R / 2.0) == 0,
		      "ellipsoid %d leaves the height", i);
	}
	tomo_phantom_free(a);
	tomo_phantom_free(b);
	tomo_phantom_free(c);
}

static void
test_rng(void)
{
	struct tomo_rng r = {0}, s, t;

	/* splitmix64's published sequence from state 0. */
	CHECK(tomo_rng_next(&r) == 0xe220a8397b1dcdafULL, "first output");
	CHECK(tomo_rng_next(&r) == 0x6e789e6aa1b965f4ULL, "second output");
	tomo_rng_seed(&s, 5, 6, 7);
	tomo_rng_seed(&t, 5, 6, 7);
	CHECK(tomo_rng_next(&s) == tomo_rng_next(&t), "same key, same stream");
	tomo_rng_seed(&t, 5, 6, 8);
	CHECK(tomo_rng_next(&s) != tomo_rng_next(&t), "other key, other stream");
	for (int i = 0; i < 1000; i++) {
		double u = tomo_rng_uniform(&s);
		CHECK(u >= 0 && u < 1, "uniform %g", u);
	}
	/* Normals: mean 0, variance 1, 68.27% within one sigma, 4.55% beyond
	 * two, each within 5 standard errors for n draws. */
	enum { n = 200000 };
	double m = 0, m2 = 0, in1 = 0, out2 = 0;
	for (int i = 0; i < n; i++) {
		double z = tomo_rng_normal(&s);
		m += z, m2 += z * z, in1 += fabs(z)<1, out2 += fabs(z)> 2;
	}
	m /= n, m2 /= n, in1 /= n, out2 /= n;
	CHECK(fabs(m) < 5 / sqrt(n), "normal mean %g", m);
	CHECK(fabs(m2 - 1) < 5 * sqrt(2.0 / n), "normal variance %g", m2);
	CHECK(fabs(in1 - 0.682689) < 5 * sqrt(0.2167 / n), "P(|z| < 1) %g", in1);
	CHECK(fabs(out2 - 0.0455) < 5 * sqrt(0.0434 / n), "P(|z| > 2) %g", out2);
}

/* Sample moments of n draws: mean within 5 standard errors, variance
 * within 5 of its standard errors (Poisson: var(s^2) ~ (m + 2 m^2)/n). */
static void
poisson_moments(double mean, int n)
{
	struct tomo_rng r;
	double s = 0, s2 = 0, zeros = 0;

	tomo_rng_seed(&r, 1, 2, (uint64_t)mean);
	for (int i = 0; i < n; i++) {
		double k = tomo_rng_poisson(&r, mean);
		CHECK(k >= 0 && k == floor(k), "draw %g", k);
		s += k;
		s2 += k * k;
		zeros += k == 0;
	}
	double m = s / n, v = s2 / n - m * m;
	CHECK(fabs(m - mean) < 5 * sqrt(mean / n), "mean %g for %g", m, mean);
	CHECK(fabs(v - mean) < 5 * sqrt((mean + 2 * mean * mean) / n), "variance %g for %g", v,
	      mean);
	if (mean < 10)
		CHECK(fabs(zeros / n - exp(-mean)) < 5 * sqrt(exp(-mean) / n), "P(0) %g for %g",
		      zeros / n, mean);
}

static void
test_poisson(void)
{
	poisson_moments(0.5, 200000);
	poisson_moments(3, 200000);
	poisson_moments(40, 200000);
	poisson_moments(1000, 200000);
	poisson_moments(1e4, 100000);
	struct tomo_rng r;
	tomo_rng_seed(&r, 0, 0, 0);
	CHECK(tomo_rng_poisson(&r, 0) == 0, "mean 0");
}

static void
test_scan_model(void)
{
	struct tomo_sim_scan s = {.dark = 100, .seed = 3};
	double lo = 1, hi = 0, dlo = 1e9, dhi = 0;

	for (int r = 0; r < 50; r++)
		for (int k = 0; k < 70; k++) {
			double b = tomo_sim_beam(k, r, 70, 50);
			double d = tomo_sim_dark_level(&s, k, r, 70);
			lo = fmin(lo, b), hi = fmax(hi, b);
			dlo = fmin(dlo, d), dhi = fmax(dhi, d);
		}
	CHECK(lo >= 0.6 && hi <= 1.0 && hi - lo > 0.2, "beam %g..%g", lo, hi);
	CHECK(dlo >= 95 && dhi <= 105 && dhi - dlo > 5, "dark %g..%g", dlo, dhi);
	/* Varies in both directions. */
	CHECK(fabs(tomo_sim_beam(0, 25, 70, 50) - tomo_sim_beam(35, 25, 70, 50)) > 0.05,
	      "flat along columns");
	CHECK(fabs(tomo_sim_beam(35, 0, 70, 50) - tomo_sim_beam(35, 25, 70, 50)) > 0.05,
	      "flat along rows");
}

static void
test_bad_ellipsoid(void)
{
	struct tomo_ellipsoid e = {.value = 1, .axes = {1, 0, 1}};
	struct tomo_phantom *p = (void *)1;

	CHECK(tomo_phantom_new(&e, 1, &p) == TOMO_ERR && p == NULL, "zero axis accepted");
	CHECK(strstr(tomo_errmsg(), "semi-axes") != NULL, "%s", tomo_errmsg());
	e.axes[1] = 1;
	e.center[0] = NAN;
	CHECK(tomo_phantom_new(&e, 1, &p) == TOMO_ERR, "NaN centre accepted");
}

/* Rows row0..row0+nr-1 alone (what a part of the detector projects) are
 * those rows of the whole detector's projections, bit for bit. */
static void
test_project_rows(void)
{
	enum { N = 48, R = 11, A = 7 };
	struct tomo_phantom *p;
	struct tomo_detector d = {N, R, N / 2.0 + 0.3};
	static float all[A][R][N], part[A][R][N];
	double deg[A];

	for (int a = 0; a < A; a++)
		deg[a] = 180.0 * a / A + 1.7;
	CHECK(tomo_phantom_shepp_logan(N, R, &p) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_phantom_project(p, &d, deg, A, &all[0][0][0]) == TOMO_OK, "%s", tomo_errmsg());
	for (int r0 = 0; r0 < R; r0 += 4) {
		const int nr = r0 + 4 <= R ? 4 : R - r0;
		CHECK(tomo_phantom_project_rows(p, &d, deg, A, r0, nr, &part[0][0][0]) == TOMO_OK,
		      "%s", tomo_errmsg());
		for (int a = 0; a < A; a++)
			CHECK(!memcmp(&part[0][0][0] + (a * nr) * N, all[a][r0],
			              sizeof(float) * (size_t)(nr * N)),
			      "rows %d..%d, angle %d differ", r0, r0 + nr - 1, a);
	}
	tomo_phantom_free(p);
}

UNIT_MAIN(T(test_sphere_chord), T(test_rotated_chord), T(test_ellipse_radon),
          T(test_mass_conservation), T(test_sample_matches_value), T(test_shepp_logan_orientation),
          T(test_random), T(test_rng), T(test_poisson), T(test_scan_model), T(test_bad_ellipsoid),
          T(test_project_rows))
