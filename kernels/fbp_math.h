/*
 * fbp_math: the arithmetic of filtered back-projection that the CPU path
 * (lib/fbp.c, lib/fbp_cpu.c) and the GPU path (kernels/fbp.cu) share:
 * filter windows and the discrete Ram-Lak kernel, the pre-processing of a
 * sample, padding, the pixel grid, the detector coordinate of a pixel and
 * the linear interpolation of one voxel. Tables built from these are
 * computed once on the host; the per-voxel parts run on both devices.
 */
#ifndef TOMO_KERNELS_FBP_MATH_H
#define TOMO_KERNELS_FBP_MATH_H

#include <math.h>

#include "hd.h"
#include "tomo/fbp.h"

/*
 * Products and sums of the back-projection round the same way on both
 * devices: nvcc would fuse a*b+c into one FMA where gcc (ISO C mode,
 * -ffp-contract=off) does not, so the device side spells the rounding out.
 * The macros also work on gcc vector types (lib/fbp_cpu.c).
 */
#ifdef __CUDA_ARCH__
#define FBP_MUL(a, b) __fmul_rn((a), (b))
#define FBP_ADD(a, b) __fadd_rn((a), (b))
#define FBP_SUB(a, b) __fsub_rn((a), (b))
#else
#define FBP_MUL(a, b) ((a) * (b))
#define FBP_ADD(a, b) ((a) + (b))
#define FBP_SUB(a, b) ((a) - (b))
#endif

/* Linear interpolation between samples a (at q) and b (at q + 1). */
#define FBP_LERP(a, b, f) FBP_ADD((a), FBP_MUL((f), FBP_SUB((b), (a))))

/*
 * Stored filtered lines have guard columns so that the interpolation needs
 * no bounds test: stored column 0 is detector column -1 (zero), 1..C are
 * the detector columns 0..C-1, C+1 and C+2 are zero. A detector
 * coordinate is clamped to [0, C + 1] in stored columns, so coordinates
 * off the detector read zeros and the edge columns fade linearly to zero
 * over one pixel (the hat basis of linear interpolation).
 */
#define FBP_GUARD_LEFT 1
#define FBP_GUARD_COLS 3

/* Centre of output pixel column j (x, to the right) and row i (y, up) of
 * an n x n slice. Exact in float for n < 2^23. */
static inline TOMO_HD float
fbp_pixel_x(long j, long n)
{
	return ((float)j + 0.5f) - 0.5f * (float)n;
}

static inline TOMO_HD float
fbp_pixel_y(long i, long n)
{
	return (0.5f * (float)n - (float)i) - 0.5f;
}

/* The stored-column coordinate of the point (x, y) at an angle with
 * cosine c and sine s: s = x c + y s is the detector coordinate, column
 * s + center - 0.5, plus FBP_GUARD_LEFT (off = center - 0.5 + guard). The
 * CPU path computes y*s once per row; the result is the same. */
static inline TOMO_HD float
fbp_u(float x, float y, float c, float s, float off)
{
	return FBP_ADD(FBP_ADD(FBP_MUL(x, c), FBP_MUL(y, s)), off);
}

/* Clamp a stored-column coordinate into [0, hi], hi = C + 1. */
static inline TOMO_HD float
fbp_clamp_u(float u, float hi)
{
	u = u > 0.0f ? u : 0.0f;
	return u < hi ? u : hi;
}

/* One voxel's contribution from one angle: the stored line (one lane,
 * samples stride floats apart) interpolated at stored column u. */
static inline TOMO_HD float
fbp_sample(const float *line, long stride, float u, float hi)
{
	float v = fbp_clamp_u(u, hi);
	int q = (int)v;
	float f = FBP_SUB(v, (float)q);
	return FBP_LERP(line[q * stride], line[(q + 1) * stride], f);
}

/* The back-projection of one voxel at (x, y) over n angles: lines[a] is
 * angle a's stored line of this lane (already filtered and weighted),
 * cs/sn the angle tables. The reference the fast paths are tested
 * against; they sum in the same order. */
static inline TOMO_HD float
fbp_voxel(const float *lines, long line_stride, long stride, const float *cs, const float *sn,
          long n, float x, float y, float off, float hi)
{
	float acc = 0.0f;
	for (long a = 0; a < n; a++)
		acc = FBP_ADD(acc, fbp_sample(lines + a * line_stride, stride,
		                              fbp_u(x, y, cs[a], sn[a], off), hi));
	return acc;
}

/* A raw sample as it enters the filter: -ln of transmission (values at or
 * below zero, and NaN, clamped to TOMO_FBP_MIN_TRANSMISSION; *clamped set
 * to 1 then), or the line integral as is. */
static inline TOMO_HD float
fbp_preprocess(float v, int transmission, int *clamped)
{
	if (!transmission)
		return v;
	if (!(v > 0.0f)) {
		*clamped = 1;
		v = TOMO_FBP_MIN_TRANSMISSION;
	}
	return -logf(v);
}

/* The detector column that padded position k (C <= k < P) copies with edge
 * padding: the padding wraps around circularly, so its first half
 * continues the last column and its second half leads into column 0. */
static inline TOMO_HD long
fbp_pad_source(long k, long C, long P)
{
	return k < C + (P - C) / 2 ? C - 1 : 0;
}

/* The discrete Ram-Lak kernel at circular distance n on P samples. */
static inline TOMO_HD double
fbp_ramlak(long n, long P)
{
	const double pi = 3.14159265358979323846;
	long d = n < P - n ? n : P - n;

	if (d == 0)
		return 0.25;
	if (d % 2 == 0)
		return 0.0;
	return -1.0 / ((pi * (double)d) * (pi * (double)d));
}

/* The window of a filter at r = frequency / (cutoff x Nyquist), r >= 0;
 * zero for r > 1. */
static inline TOMO_HD double
fbp_window(int filter, double r)
{
	const double pi = 3.14159265358979323846;

	if (r > 1.0)
		return 0.0;
	switch (filter) {
	case TOMO_FBP_SHEPP_LOGAN: return r == 0.0 ? 1.0 : sin(0.5 * pi * r) / (0.5 * pi * r);
	case TOMO_FBP_COSINE: return cos(0.5 * pi * r);
	case TOMO_FBP_HAMMING: return 0.54 + 0.46 * cos(pi * r);
	case TOMO_FBP_HANN: return 0.5 + 0.5 * cos(pi * r);
	case TOMO_FBP_PARZEN:
		return r <= 0.5 ? 1.0 - 6.0 * r * r * (1.0 - r)
		                : 2.0 * (1.0 - r) * (1.0 - r) * (1.0 - r);
	default: return 1.0;
	}
}

#endif
