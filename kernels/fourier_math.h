/*
 * fourier_math: the arithmetic of Fourier (gridding) reconstruction that
 * the CPU path (lib/fbp_fourier.c) and the GPU path (kernels/fourier.cu)
 * share: where the radial samples of a projection's spectrum fall on the
 * Cartesian grid, the Kaiser-Bessel kernel's weights there (a polynomial
 * per tap, coefficients computed once on the host), which samples of an
 * angle reach a band of grid rows, and the kernel's Fourier transform for
 * the deapodisation (host only).
 */
#ifndef TOMO_KERNELS_FOURIER_MATH_H
#define TOMO_KERNELS_FOURIER_MATH_H

#include <math.h>

#include "hd.h"

/* The widest kernel (grid cells) and the highest degree of the
 * polynomials that give its weights. */
#define FOURIER_MAX_W   8
#define FOURIER_MAX_DEG (FOURIER_MAX_W + 4)

/* The degree used for width W: the fit's error is below 1e-5 of the
 * kernel's peak (tests/unit/test_fourier.c), under the gridding's own
 * error for that width. */
static inline TOMO_HD int
fourier_degree(int W)
{
	return W < 4 ? W + 4 : W + 2;
}

/*
 * Sample jj (-P/2 <= jj <= P/2) of an angle with cosine c and sine s lies
 * at frequency (jj / P)(c, s) cycles per pixel; on the M x M grid, stored
 * in natural order (zero frequency at M/2), that is row M/2 + jj r s and
 * column M/2 + jj r c with r = M / P. Rows are the y frequency.
 */
static inline TOMO_HD float
fourier_pos(long jj, float r_dir, long M)
{
	return 0.5f * (float)M + (float)jj * r_dir;
}

/* The first grid index of a sample at g for a kernel of width W, and the
 * fraction z in (-1, 1] the tap polynomials are evaluated at: tap t sits
 * at i0 + t, kernel argument i0 + t - g = t - W/2 + (z + 1)/2. */
static inline TOMO_HD long
fourier_first(float g, int W, float *z)
{
	float a = g - 0.5f * (float)W;
	float i0 = floorf(a) + 1.0f;
	*z = 2.0f * (i0 - a) - 1.0f;
	return (long)i0;
}

/* The weight of tap t of a sample: the polynomial sum over d <= deg of
 * coef[d * W + t] z^d (coefficients from fbp_fourier_fit), by Horner's
 * rule with fused multiply-adds (the CPU path evaluates the same
 * polynomials for 16 samples at once). */
static inline TOMO_HD float
fourier_weight(const float *coef, int W, int deg, int t, float z)
{
	float w = coef[deg * W + t];
	for (int d = deg - 1; d >= 0; d--)
		w = fmaf(w, z, coef[d * W + t]);
	return w;
}

/*
 * The samples jj of an angle (row step r_s = r sin) whose footprint rows
 * i0 .. i0 + W - 1 can meet the grid rows lo .. hi - 1 (unwrapped rows,
 * which may lie past 0 or M for the periodic images): row position
 * M/2 + jj r_s in [lo - W/2 - 1, hi - 1 + W/2). A superset by one sample on
 * each side, within -J2 .. J2 (J2 = P/2); *j0 > *j1 when none.
 */
static inline TOMO_HD void
fourier_jrange(float r_s, long M, int W, long lo, long hi, long J2, long *j0, long *j1)
{
	double a = (double)lo - 0.5 * W - 1.0 - 0.5 * (double)M;
	double b = (double)(hi - 1) + 0.5 * W - 0.5 * (double)M;

	if (fabs((double)r_s) < 1e-12) {
		/* every sample sits on row M/2 */
		int in = a < 0 && b >= 0;
		*j0 = in ? -J2 : 1;
		*j1 = in ? J2 : 0;
		return;
	}
	double x = a / r_s, y = b / r_s;
	double mn = x < y ? x : y, mx = x < y ? y : x;
	if (mn < (double)-J2 - 1)
		mn = (double)-J2 - 1;
	if (mx > (double)J2 + 1)
		mx = (double)J2 + 1;
	long s = (long)floor(mn) - 1, e = (long)ceil(mx) + 1;
	*j0 = s < -J2 ? -J2 : s;
	*j1 = e > J2 ? J2 : e;
}

/*
 * The gather (kernels/fourier.cu) turns the spreading around: each grid
 * cell sums the samples whose taps reach it. Those samples lie on the
 * lines that pass within W / sqrt 2 of the cell (a tap reaches W/2 cells
 * along each axis, give or take rounding), a window of angles around the
 * cell's own polar angle, found by bisection in the angles sorted modulo
 * 180 degrees, and along each such line they form a run of jj. Both are
 * supersets, tight up to the rounding: the exact taps come
 * from fourier_first, as when spreading, so that gather and spreading
 * give the same weights.
 */

/* How many of the n ascending values t are below v (or <= v if le). */
static inline TOMO_HD long
fourier_count_below(const float *t, long n, float v, int le)
{
	long lo = 0, hi = n;

	while (lo < hi) {
		const long mid = (lo + hi) / 2;
		if (t[mid] < v || (le && t[mid] == v))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* How far along an axis a sample's taps reach, in cells, as the gather
 * must count it: W/2, and the float rounding of the sample's position on
 * a grid of M cells (fourier_pos, fourier_first: under 2e-7 M), with room
 * to spare. */
static inline TOMO_HD float
fourier_half_reach(int W, long M)
{
	return 0.5f * (float)W + 4e-7f * (float)M + 1e-3f;
}

/* The lines that can reach a cell (y, x) cells from the grid's centre
 * (rows the y axis) with taps that reach h cells (fourier_half_reach):
 * the *count angles from index *k0 of theta (the n line angles modulo pi,
 * ascending), wrapping past the last; *count is 0 beyond the samples'
 * reach (radius rmax plus the taps'), n when the cell is within the taps'
 * reach of the centre. */
static inline TOMO_HD void
fourier_cell_window(const float *theta, long n, float y, float x, float h, float rmax, long *k0,
                    long *count)
{
	const float pi = 3.14159265358979f;
	const float reach = 1.41421356f * h + 1e-3f; /* the corner of the taps' square */
	const float rho = sqrtf(x * x + y * y);

	*k0 = 0;
	*count = 0;
	if (rho > rmax + reach)
		return;
	if (rho <= reach * 1.01f) {
		*count = n;
		return;
	}
	/* The distance of the cell from the line at angle t is
	 * rho |sin(t - phi)|; a margin of 1e-4 radians covers the rounding of
	 * phi and of the table. */
	const float d = asinf(fminf(1.0f, reach / rho)) + 1e-4f;
	float phi = atan2f(y, x);
	phi = phi < 0.0f ? phi + pi : phi >= pi ? phi - pi : phi;
	const float lo = phi - d, hi = phi + d;
	if (hi - lo >= pi) {
		*count = n;
		return;
	}
	long c;
	if (lo < 0.0f) {
		*k0 = fourier_count_below(theta, n, lo + pi, 0);
		c = n - *k0 + fourier_count_below(theta, n, hi, 1);
	} else if (hi >= pi) {
		*k0 = fourier_count_below(theta, n, lo, 0);
		c = n - *k0 + fourier_count_below(theta, n, hi - pi, 1);
	} else {
		*k0 = fourier_count_below(theta, n, lo, 0);
		c = fourier_count_below(theta, n, hi, 1) - *k0;
	}
	if (*k0 >= n)
		*k0 -= n;
	*count = c > n ? n : c;
}

/* The reciprocal fourier_cell_jrange takes: 0 for a line along the other
 * axis. */
static inline TOMO_HD float
fourier_inv(float rd)
{
	return fabsf(rd) < 1e-6f ? 0.0f : 1.0f / rd;
}

/* The samples jj (within -J2 .. J2) whose taps can reach the cell y cells
 * from the grid's centre along an axis where the line advances rd = r cos
 * or r sin cells per sample (inv its reciprocal, 0 for rd below 1e-6) and
 * the taps reach h cells (fourier_half_reach): y - h <= jj rd <= y + h.
 * The ends are widened by the rounding of the product and the
 * reciprocal; *j0 > *j1 when none. */
static inline TOMO_HD void
fourier_cell_jrange(float y, float inv, float h, long J2, long *j0, long *j1)
{
	if (inv == 0.0f) {
		/* jj rd is below J2 1e-6 */
		const int in = fabsf(y) <= h + 0.5f;
		*j0 = in ? -J2 : 1;
		*j1 = in ? J2 : 0;
		return;
	}
	const float a = (y - h) * inv, b = (y + h) * inv;
	const float lim = (float)J2 + 2.0f;
	float lo = fmaxf(fminf(a, b), -lim), hi = fminf(fmaxf(a, b), lim);
	lo -= 0.02f + 3e-7f * fabsf(lo);
	hi += 0.02f + 3e-7f * fabsf(hi);
	const long s = (long)ceilf(lo), e = (long)floorf(hi);
	*j0 = s < -J2 ? -J2 : s;
	*j1 = e > J2 ? J2 : e;
}

/* Host only: the modified Bessel function I0 (power series, x <= 50). */
static inline double
fourier_i0(double x)
{
	double term = 1.0, sum = 1.0, q = 0.25 * x * x;

	for (int k = 1; k < 200 && term > 1e-17 * sum; k++) {
		term *= q / ((double)k * (double)k);
		sum += term;
	}
	return sum;
}

/* Host only: the Kaiser-Bessel kernel of width W (cells) and shape beta
 * at x cells from its centre, less its pedestal, so that it is 1 at x = 0
 * and falls to 0 at the edges x = W/2: a sample on a grid line then gives
 * the same weights whichever W cells are taken, and the spectra of two
 * rows travelling as one complex line do not leak into each other. */
static inline double
fourier_kb(double x, int W, double beta)
{
	double t = 1.0 - (2.0 * x / W) * (2.0 * x / W);
	return t < 0 ? 0.0 : (fourier_i0(beta * sqrt(t)) - 1.0) / (fourier_i0(beta) - 1.0);
}

/* Host only: its Fourier transform at xi cycles per cell, the integral of
 * fourier_kb(x) exp(2 pi i x xi) dx: the Kaiser-Bessel transform less the
 * pedestal's (a box's, sin(pi W xi) / (pi xi)). */
static inline double
fourier_kb_hat(double xi, int W, double beta)
{
	const double pi = 3.14159265358979323846;
	double a = beta * beta - (pi * W * xi) * (pi * W * xi);
	double r = sqrt(fabs(a));
	double kb = r < 1e-8 ? W : W * (a > 0 ? sinh(r) / r : sin(r) / r);
	double box = fabs(xi) < 1e-12 ? W : sin(pi * W * xi) / (pi * xi);

	return (kb - box) / (fourier_i0(beta) - 1.0);
}

/* Host only: Beatty, Nishimura and Pauly's (2005) shape for a kernel of
 * width W on a grid oversampled by sigma. */
static inline double
fourier_kb_beta(int W, double sigma)
{
	const double pi = 3.14159265358979323846;
	double q = (W / sigma) * (sigma - 0.5);
	return pi * sqrt(q * q - 0.8);
}

#endif
