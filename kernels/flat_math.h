/*
 * flat_math: the per-pixel arithmetic of flat- and dark-field correction,
 * shared by the CPU loops (lib/flat.c) and the CUDA kernels (flat.cu):
 * the clamped correction and its log, the interpolation of flats taken
 * before and after, and the 3x3 median behind outlier removal. Plain
 * scalars in, scalars out; no state, no allocation.
 */
#ifndef TOMO_KERNELS_FLAT_MATH_H
#define TOMO_KERNELS_FLAT_MATH_H

#include <math.h>

#include "hd.h"

/* F - D below this is taken as this: TomoPy's normalize() does the same
 * (denominator clamped at 1e-6 from below), so its output is reproduced
 * bit for bit. A dead pixel (F == D) then gives (I - D) / 1e-6. */
#define TOMO_FLAT_DEN_MIN 1e-6f
/* With --log, a transmission below this is taken as this before -ln:
 * line integrals are at most -ln(1e-6) = 13.8155. */
#define TOMO_FLAT_T_MIN 1e-6f

/* What tomo_flat_correct had to clamp (bits of its flags). */
#define TOMO_FLAT_CLAMP_DEN 1
#define TOMO_FLAT_CLAMP_T   2

/* (1 - w) a + w b: exactly a at w = 0 and exactly b at w = 1. Under nvcc
 * the products are rounded separately (no fused multiply-add), as gcc
 * does in ISO C mode, so that the GPU gives the CPU's value. */
static inline TOMO_HD float
tomo_flat_lerp(float a, float b, float w)
{
#ifdef __CUDA_ARCH__
	return __fadd_rn(__fmul_rn(1.0f - w, a), __fmul_rn(w, b));
#else
	return (1.0f - w) * a + w * b;
#endif
}

/* One pixel: transmission (raw - dark) / den, den = F - D clamped from
 * below at TOMO_FLAT_DEN_MIN; with take_log, -ln of the transmission
 * clamped from below at TOMO_FLAT_T_MIN. *flags gets TOMO_FLAT_CLAMP_DEN
 * when den was clamped and TOMO_FLAT_CLAMP_T when the transmission was
 * below TOMO_FLAT_T_MIN (clamped only with take_log). NaN den counts as
 * clamped. Finite inputs give a finite result. */
static inline TOMO_HD float
tomo_flat_correct(float raw, float dark, float den, int take_log, int *flags)
{
	int f = 0;
	float t;

	if (!(den >= TOMO_FLAT_DEN_MIN)) {
		den = TOMO_FLAT_DEN_MIN;
		f |= TOMO_FLAT_CLAMP_DEN;
	}
	t = (raw - dark) / den;
	if (!(t >= TOMO_FLAT_T_MIN)) {
		f |= TOMO_FLAT_CLAMP_T;
		if (take_log)
			t = TOMO_FLAT_T_MIN;
	}
	*flags = f;
	return take_log ? -logf(t) : t;
}

/* Sort a pair: *a gets the smaller. Written with selects so that loops
 * over pixels vectorise (min/max instructions). */
static inline TOMO_HD void
tomo_flat_sort2(float *a, float *b)
{
	float lo = *a < *b ? *a : *b;
	float hi = *a < *b ? *b : *a;
	*a = lo;
	*b = hi;
}

/* The median of 9 values by a sorting network of 19 compare-exchanges
 * (Paeth's, as in Devillard's opt_med9). NaN-free input assumed. */
static inline TOMO_HD float
tomo_flat_median9(float p0, float p1, float p2, float p3, float p4, float p5, float p6, float p7,
                  float p8)
{
	tomo_flat_sort2(&p1, &p2);
	tomo_flat_sort2(&p4, &p5);
	tomo_flat_sort2(&p7, &p8);
	tomo_flat_sort2(&p0, &p1);
	tomo_flat_sort2(&p3, &p4);
	tomo_flat_sort2(&p6, &p7);
	tomo_flat_sort2(&p1, &p2);
	tomo_flat_sort2(&p4, &p5);
	tomo_flat_sort2(&p7, &p8);
	tomo_flat_sort2(&p0, &p3);
	tomo_flat_sort2(&p5, &p8);
	tomo_flat_sort2(&p4, &p7);
	tomo_flat_sort2(&p3, &p6);
	tomo_flat_sort2(&p1, &p4);
	tomo_flat_sort2(&p2, &p5);
	tomo_flat_sort2(&p4, &p7);
	tomo_flat_sort2(&p4, &p2);
	tomo_flat_sort2(&p6, &p4);
	tomo_flat_sort2(&p4, &p2);
	return p4;
}

/* Outlier rule: v is replaced by m, the median of its 3x3 neighbourhood,
 * when |v - m| > t |m| (t relative; so where m == 0 any v != 0 goes).
 * Returns the value to keep; *hit is 1 when replaced. */
static inline TOMO_HD float
tomo_flat_outlier(float v, float m, float t, int *hit)
{
	int h = fabsf(v - m) > t * fabsf(m);
	*hit = h;
	return h ? m : v;
}

/* The 3x3 median at column x of a row, with its rows above (up) and below
 * (dn) given (the caller replicates rows at the top and bottom edges) and
 * columns replicated at the left and right edges; nx >= 1. */
static inline TOMO_HD float
tomo_flat_median3x3(const float *up, const float *row, const float *dn, long x, long nx)
{
	long l = x > 0 ? x - 1 : 0, r = x + 1 < nx ? x + 1 : nx - 1;
	return tomo_flat_median9(up[l], up[x], up[r], row[l], row[x], row[r], dn[l], dn[x], dn[r]);
}

#endif
