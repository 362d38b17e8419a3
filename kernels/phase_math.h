/*
 * phase_math: the arithmetic of phase retrieval that the CPU path
 * (lib/phase.c) and the CUDA kernels (kernels/phase.cu) share: the
 * wavelength, the filter value of one FFT bin for each method, where a
 * padded sample comes from, and the clamping of transmission before the
 * FFT and of the filtered result before the logarithm. No loops here.
 */
#ifndef TOMO_KERNELS_PHASE_MATH_H
#define TOMO_KERNELS_PHASE_MATH_H

#include <math.h>
#include <stdint.h>

#include "hd.h"
#include "tomo/phase.h"

/* What the per-sample functions need, passed by value to the kernels. */
struct tomo_phase_geom {
	int64_t nx, ny;   /* projection sizes */
	int64_t px, py;   /* FFT sizes */
	int64_t lx, ly;   /* left and top padding */
	int mode;         /* enum tomo_pad_mode */
	int from_log;     /* input is -ln T */
	int no_log;       /* output T, not -ln T */
};

/* What the filter of one bin depends on (SI units). */
struct tomo_phase_fpar {
	int method;        /* enum tomo_phase_method */
	int64_t px, py;    /* FFT sizes */
	double lambda;     /* metres */
	double distance;   /* metres */
	double pixel;      /* metres */
	double delta_beta; /* PAGANIN, GPAGANIN */
	double alpha;      /* TOMOPY */
};

/* lambda = h c / E; h c = 1.23984198e-6 eV m = 1.23984198e-9 keV m. */
static inline TOMO_HD double
tomo_phase_wavelength(double kev)
{
	return 1.23984198e-9 / kev;
}

/* FFT bin k of length n as a signed frequency index (numpy's fftfreq
 * order: 0, 1, ..., then the negative ones; n/2 is negative for even n). */
static inline TOMO_HD int64_t
tomo_phase_signed_bin(int64_t k, int64_t n)
{
	return k < (n + 1) / 2 ? k : k - n;
}

/* TomoPy's frequency for bin k of length n with pixel size d. TomoPy
 * builds the symmetric grid c_j = (2 j - (n-1)) * 0.5/((n-1) d), j = 0..n-1,
 * and applies numpy's fftshift (a roll by n/2 rounded down), so bin k
 * takes c_j with j = (k - n/2) mod n. For even n that is (k' + 1/2)/((n-1) d)
 * (k' the signed bin): half a bin off. For odd n it is (k'' + 1)/((n-1) d)
 * with bins 0..(n-3)/2 positive: a whole bin off, zero frequency at bin
 * n-1 (fftshift where ifftshift was meant). Both are reproduced. */
static inline TOMO_HD double
tomo_phase_tomopy_freq(int64_t k, int64_t n, double d)
{
	if (n < 2)
		return 0;
	int64_t j = ((k - n / 2) % n + n) % n;
	return (double)(2 * j - (n - 1)) * 0.5 / ((double)(n - 1) * d);
}

/* The lowest frequency on TomoPy's grid: 1/2 bin for even n, 0 for odd. */
static inline TOMO_HD double
tomo_phase_tomopy_fmin(int64_t n, double d)
{
	return n >= 2 && n % 2 == 0 ? 0.5 / ((double)(n - 1) * d) : 0.0;
}

/* TomoPy's filter at bin (kx, ky), normalised to 1 at its lowest
 * frequency as TomoPy divides by the maximum: (c |fmin|^2 + alpha) /
 * (c |f|^2 + alpha) with c = lambda z / (4 pi). */
static inline TOMO_HD double
tomo_phase_tomopy_raw(const struct tomo_phase_fpar *f, int64_t kx, int64_t ky)
{
	double c = f->lambda * f->distance / (4 * M_PI);
	double fx = tomo_phase_tomopy_freq(kx, f->px, f->pixel);
	double fy = tomo_phase_tomopy_freq(ky, f->py, f->pixel);
	double fx0 = tomo_phase_tomopy_fmin(f->px, f->pixel);
	double fy0 = tomo_phase_tomopy_fmin(f->py, f->pixel);
	return (c * (fx0 * fx0 + fy0 * fy0) + f->alpha) /
	       (c * (fx * fx + fy * fy) + f->alpha);
}

/* The filter value of bin (kx, ky), 0 <= kx < px, 0 <= ky < py, with no
 * 1/(px py) scaling:
 *   PAGANIN:  1 / (1 + pi lambda z R |u|^2), u = (kx'/(px D), ky'/(py D))
 *             cycles per metre (Paganin et al. 2002, J. Microsc. 206, 33);
 *   GPAGANIN: 1 / (1 + lambda z R / (2 pi D^2) (2 - cos(2 pi kx'/px)
 *             - cos(2 pi ky'/py))) (Paganin et al. 2020, J. Opt. 22,
 *             115607), which tends to PAGANIN as D -> 0;
 *   TOMOPY:   TomoPy's filter, which is not even in k (its grid is shifted
 *             by half a bin), so it is averaged with its value at (-kx,
 *             -ky): TomoPy keeps the real part of a complex inverse FFT,
 *             which is the same as filtering with that average.
 * R = delta/beta, D the pixel size. */
static inline TOMO_HD double
tomo_phase_filter_value(const struct tomo_phase_fpar *f, int64_t kx, int64_t ky)
{
	double lz = f->lambda * f->distance;

	if (f->method == TOMO_PHASE_TOMOPY) {
		int64_t mx = (f->px - kx) % f->px, my = (f->py - ky) % f->py;
		return 0.5 * (tomo_phase_tomopy_raw(f, kx, ky) +
		              tomo_phase_tomopy_raw(f, mx, my));
	}
	double sx = (double)tomo_phase_signed_bin(kx, f->px) / (double)f->px;
	double sy = (double)tomo_phase_signed_bin(ky, f->py) / (double)f->py;
	if (f->method == TOMO_PHASE_GPAGANIN) {
		double k = lz * f->delta_beta / (2 * M_PI * f->pixel * f->pixel);
		return 1 / (1 + k * (2 - cos(2 * M_PI * sx) - cos(2 * M_PI * sy)));
	}
	double u2 = (sx * sx + sy * sy) / (f->pixel * f->pixel);
	return 1 / (1 + M_PI * lz * f->delta_beta * u2);
}

/* The source index of padded index i (0 <= i < n + pads) when the data
 * start at padded index left and have n samples; -1 for a zero.
 * EDGE repeats the end samples, MIRROR reflects about the ends repeating
 * them (period 2n, like numpy.pad's "symmetric"), ZERO gives -1. */
static inline TOMO_HD int64_t
tomo_phase_pad_src(int64_t i, int64_t left, int64_t n, int mode)
{
	int64_t j = i - left;

	if (j >= 0 && j < n)
		return j;
	if (mode == TOMO_PAD_ZERO)
		return -1;
	if (mode == TOMO_PAD_MIRROR) {
		int64_t m = j % (2 * n);
		if (m < 0)
			m += 2 * n;
		return m < n ? m : 2 * n - 1 - m;
	}
	return j < 0 ? 0 : n - 1;
}

/* A transmission sample as the FFT takes it: exp(-v) with from_log, and
 * anything below TOMO_PHASE_EPS or not finite replaced by it (*clamped
 * set to 1). */
static inline TOMO_HD float
tomo_phase_input(float v, int from_log, int *clamped)
{
	float t = from_log ? expf(-v) : v;

	if (!(t >= TOMO_PHASE_EPS && t <= 3.402823466e38f)) {
		*clamped = 1;
		return TOMO_PHASE_EPS;
	}
	*clamped = 0;
	return t;
}

/* A filtered transmission sample as it leaves: clamped like the input,
 * then -ln of it unless no_log. */
static inline TOMO_HD float
tomo_phase_output(float t, int no_log, int *clamped)
{
	if (!(t >= TOMO_PHASE_EPS && t <= 3.402823466e38f)) {
		*clamped = 1;
		t = TOMO_PHASE_EPS;
	} else {
		*clamped = 0;
	}
	return no_log ? t : -logf(t);
}

#endif
