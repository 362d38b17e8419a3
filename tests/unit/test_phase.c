/* Unit tests of phase retrieval: the wavelength, filter values at bins
 * worked out by hand for each method, gpaganin -> paganin as the pixel
 * shrinks, the padding index maps and sizes, the clamps, and the whole CPU
 * path against a direct (slow) DFT on a tiny projection
 * (kernels/phase_math.h, lib/phase.c). */
#include <complex.h>

#include "phase_math.h"
#include "tomo/err.h"
#include "tomo/phase.h"
#include "unit.h"

/* lambda = 1e-10 m exactly, z = 1 m, pixel 1e-5 m: pi lambda z |u|^2 and
 * lambda z / (2 pi D^2) come out as simple fractions. */
#define KEV_1A 12.3984198

static struct tomo_phase_fpar
fpar(int method, int64_t px, int64_t py, double pixel, double db, double alpha)
{
	return (struct tomo_phase_fpar){method, px, py, 1e-10, 1.0, pixel, db, alpha};
}

static void
wavelength(void)
{
	CHECK_NEAR(tomo_phase_wavelength(20), 6.1992099e-11, 1e-17);
	CHECK_NEAR(tomo_phase_wavelength(KEV_1A), 1e-10, 1e-19);
	CHECK_NEAR(tomo_phase_wavelength(1), 1.23984198e-9, 1e-18);
}

static void
signed_bins(void)
{
	CHECK(tomo_phase_signed_bin(0, 8) == 0, "0");
	CHECK(tomo_phase_signed_bin(3, 8) == 3, "3");
	CHECK(tomo_phase_signed_bin(4, 8) == -4, "nyquist");
	CHECK(tomo_phase_signed_bin(7, 8) == -1, "-1");
	CHECK(tomo_phase_signed_bin(4, 9) == 4, "odd 4");
	CHECK(tomo_phase_signed_bin(5, 9) == -4, "odd -4");
}

static void
paganin_values(void)
{
	/* px 8, py 4, D 1e-5: u = k'/(P D); pi lambda z R |u|^2 with R = 1. */
	struct tomo_phase_fpar f = fpar(TOMO_PHASE_PAGANIN, 8, 4, 1e-5, 1, 0);
	CHECK_NEAR(tomo_phase_filter_value(&f, 0, 0), 1.0, 1e-15);
	/* u = 2/(8e-5) = 2.5e4, u^2 = 6.25e8, times 1e-10 = 1/16. */
	CHECK_NEAR(tomo_phase_filter_value(&f, 2, 0), 1 / (1 + M_PI / 16), 1e-12);
	CHECK_NEAR(tomo_phase_filter_value(&f, 6, 0), 1 / (1 + M_PI / 16), 1e-12);
	CHECK_NEAR(tomo_phase_filter_value(&f, 4, 0), 1 / (1 + M_PI / 4), 1e-12);
	/* (1, 3): u_x = 1.25e4, u_y = -2.5e4: 1/64 + 1/16 = 5/64. */
	CHECK_NEAR(tomo_phase_filter_value(&f, 1, 3), 1 / (1 + 5 * M_PI / 64), 1e-12);
	/* delta/beta scales the denominator's term. */
	f.delta_beta = 16;
	CHECK_NEAR(tomo_phase_filter_value(&f, 2, 0), 1 / (1 + M_PI), 1e-12);
}

static void
gpaganin_values(void)
{
	/* lambda z R / (2 pi D^2) = 1e-10 / (2 pi 1e-10) = 1/(2 pi). */
	struct tomo_phase_fpar f = fpar(TOMO_PHASE_GPAGANIN, 8, 4, 1e-5, 1, 0);
	CHECK_NEAR(tomo_phase_filter_value(&f, 0, 0), 1.0, 1e-15);
	/* 2 - cos(pi/2) - cos(0) = 1 */
	CHECK_NEAR(tomo_phase_filter_value(&f, 2, 0), 1 / (1 + 1 / (2 * M_PI)), 1e-12);
	/* 2 - cos(pi) - 1 = 2 */
	CHECK_NEAR(tomo_phase_filter_value(&f, 4, 0), 1 / (1 + 1 / M_PI), 1e-12);
	/* (1, 3): 2 - cos(pi/4) - cos(-pi/2) = 2 - sqrt(2)/2 */
	CHECK_NEAR(tomo_phase_filter_value(&f, 1, 3),
	           1 / (1 + (2 - sqrt(2) / 2) / (2 * M_PI)), 1e-12);
	/* (2, 2): 2 - cos(pi/2) - cos(pi) = 3 */
	CHECK_NEAR(tomo_phase_filter_value(&f, 2, 2), 1 / (1 + 3 / (2 * M_PI)), 1e-12);
}

/* TomoPy's grid built the way TomoPy builds it: the symmetric coordinates
 * (-(N-1), ..., N-1) * 0.5/((N-1) D), then numpy's fftshift, a roll by
 * N/2 rounded down (bin k takes element (k - N/2) mod N). */
static double
tomopy_grid(int64_t k, int64_t n, double d)
{
	int64_t j = (k - n / 2 + n) % n;
	return (double)(-(n - 1) + 2 * j) * 0.5 / ((double)(n - 1) * d);
}

static void
tomopy_values(void)
{
	const double d = 1e-5, alpha = 1e-3, c = 1e-10 / (4 * M_PI);
	const int64_t sizes[][2] = {{8, 4}, {7, 5}, {8, 5}};

	for (int s = 0; s < 3; s++) {
		int64_t px = sizes[s][0], py = sizes[s][1];
		struct tomo_phase_fpar f = fpar(TOMO_PHASE_TOMOPY, px, py, d, 0, alpha);
		double hmax = 0;
		for (int64_t ky = 0; ky < py; ky++)
			for (int64_t kx = 0; kx < px; kx++) {
				double fx = tomopy_grid(kx, px, d), fy = tomopy_grid(ky, py, d);
				double h = 1 / (c * (fx * fx + fy * fy) + alpha);
				hmax = h > hmax ? h : hmax;
			}
		for (int64_t ky = 0; ky < py; ky++)
			for (int64_t kx = 0; kx < px; kx++) {
				double fx = tomopy_grid(kx, px, d), fy = tomopy_grid(ky, py, d);
				double gx = tomopy_grid((px - kx) % px, px, d);
				double gy = tomopy_grid((py - ky) % py, py, d);
				double h = 0.5 / hmax *
				           (1 / (c * (fx * fx + fy * fy) + alpha) +
				            1 / (c * (gx * gx + gy * gy) + alpha));
				CHECK_NEAR(tomo_phase_filter_value(&f, kx, ky), h, 1e-12);
			}
	}
	/* Even sizes: the half-bin offset makes bin 1 and bin -1 differ. */
	struct tomo_phase_fpar f = fpar(TOMO_PHASE_TOMOPY, 8, 4, d, 0, alpha);
	CHECK_NEAR(tomo_phase_tomopy_freq(1, 8, d), 1.5 / (7 * d), 1e-6);
	CHECK_NEAR(tomo_phase_tomopy_freq(7, 8, d), -0.5 / (7 * d), 1e-6);
	/* Odd sizes: a whole bin off, zero frequency in the last bin. */
	CHECK_NEAR(tomo_phase_tomopy_freq(0, 5, d), 1 / (4 * d), 1e-6);
	CHECK_NEAR(tomo_phase_tomopy_freq(1, 5, d), 2 / (4 * d), 1e-6);
	CHECK_NEAR(tomo_phase_tomopy_freq(2, 5, d), -2 / (4 * d), 1e-6);
	CHECK_NEAR(tomo_phase_tomopy_freq(4, 5, d), 0, 1e-6);
	CHECK(tomo_phase_tomopy_raw(&f, 1, 0) != tomo_phase_tomopy_raw(&f, 7, 0),
	      "not symmetric");
	CHECK_NEAR(tomo_phase_tomopy_raw(&f, 0, 0), 1.0, 1e-15);
	CHECK_NEAR(tomo_phase_tomopy_raw(&f, 7, 3), 1.0, 1e-15);
}

static void
gpaganin_tends_to_paganin(void)
{
	/* A fixed field of view L = px D and fixed bins: a fixed frequency
	 * u; the difference falls like D^2 (16x finer: 256x smaller). */
	const double L = 1e-3;
	double prev = INFINITY;
	for (int64_t px = 64; px <= 16384; px *= 16) {
		double d = L / (double)px;
		struct tomo_phase_fpar p = fpar(TOMO_PHASE_PAGANIN, px, px, d, 1e3, 0);
		struct tomo_phase_fpar g = fpar(TOMO_PHASE_GPAGANIN, px, px, d, 1e3, 0);
		double hp = tomo_phase_filter_value(&p, 3, px - 5);
		double hg = tomo_phase_filter_value(&g, 3, px - 5);
		double rel = fabs(hg - hp) / hp;
		CHECK(hp < 0.9, "a frequency where the filter acts: %g", hp);
		CHECK(rel < prev / 100, "px %lld: %g after %g", (long long)px, rel, prev);
		prev = rel;
	}
	CHECK(prev < 1e-6, "%g", prev);
}

static void
pad_maps(void)
{
	/* numpy.pad(arange(3), 2, "edge") = 0 0 0 1 2 2 2 */
	static const int64_t edge[] = {0, 0, 0, 1, 2, 2, 2};
	/* numpy.pad(arange(3), 4, "symmetric") = 2 2 1 0 0 1 2 2 1 0 0 */
	static const int64_t mirror[] = {2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0};
	/* numpy.pad(arange(2), 5, "symmetric") = 0 0 1 1 0 0 1 1 0 0 1 1 */
	static const int64_t mirror2[] = {0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1};

	for (int i = 0; i < 7; i++)
		CHECK(tomo_phase_pad_src(i, 2, 3, TOMO_PAD_EDGE) == edge[i], "edge %d", i);
	for (int i = 0; i < 11; i++)
		CHECK(tomo_phase_pad_src(i, 4, 3, TOMO_PAD_MIRROR) == mirror[i],
		      "mirror %d", i);
	for (int i = 0; i < 12; i++)
		CHECK(tomo_phase_pad_src(i, 5, 2, TOMO_PAD_MIRROR) == mirror2[i],
		      "mirror2 %d", i);
	for (int i = 0; i < 7; i++)
		CHECK(tomo_phase_pad_src(i, 2, 3, TOMO_PAD_ZERO) ==
		      (i >= 2 && i < 5 ? i - 2 : -1), "zero %d", i);
	CHECK(tomo_phase_pad_src(0, 0, 1, TOMO_PAD_MIRROR) == 0, "n 1");
	CHECK(tomo_phase_pad_src(3, 1, 1, TOMO_PAD_MIRROR) == 0, "n 1 far");
}

static void
pad_sizes(void)
{
	struct tomo_phase_opts o = {.energy = 20, .distance = 0.5, .pixel_size = 1e-6,
	                            .pad = TOMO_PHASE_PAD_AUTO};
	int64_t p, l;

	CHECK(tomo_phase_padding(&o, 48, &p, &l) == 0 && p == 96 && l == 24,
	      "auto 48: %lld %lld", (long long)p, (long long)l);
	CHECK(tomo_phase_padding(&o, 11, &p, &l) == 0 && p == 24 && l == 6,
	      "auto 11: %lld %lld", (long long)p, (long long)l);
	CHECK(tomo_phase_padding(&o, 2048, &p, &l) == 0 && p == 4096 && l == 1024,
	      "auto 2048");
	o.pad = 5; /* 58 -> 60 = 2^2 3 5 */
	CHECK(tomo_phase_padding(&o, 48, &p, &l) == 0 && p == 60 && l == 6,
	      "pad 5: %lld %lld", (long long)p, (long long)l);
	o.pad = 0; /* 11 -> 12 */
	CHECK(tomo_phase_padding(&o, 11, &p, &l) == 0 && p == 12 && l == 0,
	      "pad 0: %lld %lld", (long long)p, (long long)l);
	/* TomoPy's rule for its test data (README: rows 8 -> 60 per side,
	 * columns 48 -> 104 per side; pad_pix = ceil(pi lambda z / D^2) = 98). */
	o.pad = TOMO_PHASE_PAD_TOMOPY;
	CHECK(tomo_phase_padding(&o, 48, &p, &l) == 0 && p == 256 && l == 104,
	      "tomopy 48: %lld %lld", (long long)p, (long long)l);
	CHECK(tomo_phase_padding(&o, 8, &p, &l) == 0 && p == 128 && l == 60,
	      "tomopy 8: %lld %lld", (long long)p, (long long)l);
	/* odd n: floor((256 - 47) / 2) = 104 per side, 255 in all */
	CHECK(tomo_phase_padding(&o, 47, &p, &l) == 0 && p == 255 && l == 104,
	      "tomopy 47: %lld %lld", (long long)p, (long long)l);
}

static void
clamps(void)
{
	int c = 0;

	CHECK(tomo_phase_input(0.5f, 0, &c) == 0.5f && !c, "plain");
	CHECK(tomo_phase_input(0.0f, 0, &c) == TOMO_PHASE_EPS && c, "zero");
	c = 0;
	CHECK(tomo_phase_input(-2.0f, 0, &c) == TOMO_PHASE_EPS && c, "negative");
	c = 0;
	CHECK(tomo_phase_input(NAN, 0, &c) == TOMO_PHASE_EPS && c, "nan");
	c = 0;
	CHECK(tomo_phase_input(INFINITY, 0, &c) == TOMO_PHASE_EPS && c, "inf");
	CHECK_NEAR(tomo_phase_input(-logf(0.25f), 1, &c), 0.25, 1e-7);
	CHECK(!c, "from log");
	CHECK(tomo_phase_input(INFINITY, 1, &c) == TOMO_PHASE_EPS && c, "log inf");
	CHECK_NEAR(tomo_phase_output(0.5f, 0, &c), log(2.0), 1e-7);
	CHECK(!c, "log");
	CHECK(tomo_phase_output(0.5f, 1, &c) == 0.5f && !c, "no log");
	CHECK_NEAR(tomo_phase_output(-0.1f, 0, &c), -log(1e-6), 1e-5);
	CHECK(c, "clamped out");
	CHECK(isfinite(tomo_phase_output(NAN, 0, &c)) && c, "nan out");
}

/* The whole CPU path on a 6 x 5 projection against a direct DFT of the
 * padded projection (edge padding written out here), the filter from
 * tomo_phase_filter_value: checks padding, half-spectrum layout, scaling,
 * crop and log. */
static void
cpu_path_matches_direct_dft(void)
{
	enum { NX = 6, NY = 5 };
	for (int method = 0; method < 3; method++) {
		struct tomo_phase_opts o = {
			.method = method, .energy = KEV_1A, .distance = 1, .pixel_size = 1e-5,
			.delta_beta = 5, .alpha = 1e-2, .pad = 3, .pad_mode = TOMO_PAD_EDGE,
			.memory = 1 << 20,
		};
		struct tomo_phase *p;
		float proj[2][NY][NX];
		int64_t px, lx, py, ly;
		int rc = tomo_phase_create(&o, NX, NY, 2, &p);
		CHECK(rc == 0, "%s", tomo_errmsg());
		if (rc)
			continue;
		tomo_phase_padding(&o, NX, &px, &lx);
		tomo_phase_padding(&o, NY, &py, &ly);
		CHECK(px == 12 && py == 12 && lx == 3 && ly == 3, "sizes");
		for (int z = 0; z < 2; z++)
			for (int y = 0; y < NY; y++)
				for (int x = 0; x < NX; x++)
					proj[z][y][x] = 0.5f + 0.3f * (float)sin(1.3 * x + 0.7 * y + z);
		float in[NY][NX];
		memcpy(in, proj[1], sizeof in);
		CHECK(tomo_phase_apply(p, &proj[0][0][0], 2) == 0, "%s", tomo_errmsg());
		/* Direct: pad, DFT, filter, inverse DFT, crop, -ln. */
		double complex a[12][12], s[12][12];
		struct tomo_phase_fpar f = {method, px, py, tomo_phase_wavelength(KEV_1A),
		                            1, 1e-5, 5, 1e-2};
		for (int y = 0; y < py; y++)
			for (int x = 0; x < px; x++) {
				int sx = x - 3 < 0 ? 0 : x - 3 >= NX ? NX - 1 : x - 3;
				int sy = y - 3 < 0 ? 0 : y - 3 >= NY ? NY - 1 : y - 3;
				a[y][x] = in[sy][sx];
			}
		for (int ky = 0; ky < py; ky++)
			for (int kx = 0; kx < px; kx++) {
				double complex acc = 0;
				for (int y = 0; y < py; y++)
					for (int x = 0; x < px; x++)
						acc += a[y][x] * cexp(-2 * M_PI * I *
						                      ((double)kx * x / px + (double)ky * y / py));
				s[ky][kx] = acc * tomo_phase_filter_value(&f, kx, ky);
			}
		double worst = 0;
		for (int y = 0; y < NY; y++)
			for (int x = 0; x < NX; x++) {
				double complex acc = 0;
				for (int ky = 0; ky < py; ky++)
					for (int kx = 0; kx < px; kx++)
						acc += s[ky][kx] * cexp(2 * M_PI * I *
						                        ((double)kx * (x + 3) / px +
						                         (double)ky * (y + 3) / py));
				double want = -log(creal(acc) / (double)(px * py));
				double d = fabs(proj[1][y][x] - want);
				worst = d > worst ? d : worst;
			}
		CHECK(worst < 2e-6, "method %d: worst %g", method, worst);
		int64_t ci, co;
		tomo_phase_counts(p, &ci, &co);
		CHECK(ci == 0 && co == 0, "no clamps");
		tomo_phase_free(p);
	}
}

static void
constant_stays_constant(void)
{
	/* Unit gain at zero frequency: a uniform transmission comes out as
	 * -ln of itself, for every method and pad mode but zero (TomoPy's
	 * grid only for even padded sizes: 32 + 2 * 16, 18 + 2 * 23). */
	enum { NX = 32, NY = 18 };
	static float buf[3][NY][NX];
	for (int method = 0; method < 3; method++)
		for (int mode = 0; mode < 2; mode++) {
			struct tomo_phase_opts o = {
				.method = method, .energy = 30, .distance = 0.2,
				.pixel_size = 1e-6, .delta_beta = 300, .alpha = 1e-3,
				.pad = method == TOMO_PHASE_TOMOPY ? TOMO_PHASE_PAD_TOMOPY
				                                   : TOMO_PHASE_PAD_AUTO,
				.pad_mode = mode, .memory = 1 << 24,
			};
			struct tomo_phase *p;
			for (size_t i = 0; i < sizeof buf / sizeof(float); i++)
				(&buf[0][0][0])[i] = 0.37f;
			CHECK(tomo_phase_create(&o, NX, NY, 3, &p) == 0, "%s", tomo_errmsg());
			CHECK(tomo_phase_apply(p, &buf[0][0][0], 3) == 0, "%s", tomo_errmsg());
			double worst = 0;
			for (size_t i = 0; i < sizeof buf / sizeof(float); i++)
				worst = fmax(worst, fabs((&buf[0][0][0])[i] + log(0.37)));
			CHECK(worst < 1e-5, "method %d mode %d: %g", method, mode, worst);
			tomo_phase_free(p);
		}
}

static void
bad_parameters(void)
{
	struct tomo_phase_opts o = {.energy = 20, .distance = 0.5, .pixel_size = 1e-6,
	                            .delta_beta = 100, .pad = TOMO_PHASE_PAD_AUTO};
	CHECK(tomo_phase_check(&o) == 0, "good");
	o.energy = 0;
	CHECK(tomo_phase_check(&o) == TOMO_EUSAGE, "energy 0");
	o.energy = 20;
	o.distance = -1;
	CHECK(tomo_phase_check(&o) == TOMO_EUSAGE, "distance");
	o.distance = 0.5;
	o.pixel_size = NAN;
	CHECK(tomo_phase_check(&o) == TOMO_EUSAGE, "pixel");
	o.pixel_size = 1e-6;
	o.method = TOMO_PHASE_TOMOPY;
	CHECK(tomo_phase_check(&o) == TOMO_EUSAGE, "alpha 0");
	o.alpha = 1e-3;
	CHECK(tomo_phase_check(&o) == 0, "alpha");
}

UNIT_MAIN(T(wavelength), T(signed_bins), T(paganin_values), T(gpaganin_values),
          T(tomopy_values), T(gpaganin_tends_to_paganin), T(pad_maps), T(pad_sizes),
          T(clamps), T(cpu_path_matches_direct_dft), T(constant_stays_constant),
          T(bad_parameters))
