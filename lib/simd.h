/*
 * simd: the CPU vector width libtomo's kernels are written for, chosen
 * per build target (gcc vector extensions, so the code is the same on
 * every target): 16 floats where AVX-512 is on, 8 with AVX/AVX2, 4
 * elsewhere (SSE2, NEON). A vector of more floats than the target's
 * registers hold is split by gcc into several and spills in tight loops;
 * a vector of the register's width never does. Not installed.
 */
#ifndef TOMO_LIB_SIMD_H
#define TOMO_LIB_SIMD_H

#if defined(__AVX512F__)
#include <immintrin.h>
#define TOMO_VLEN 16
#elif defined(__AVX__)
#include <immintrin.h>
#define TOMO_VLEN 8
#else
#define TOMO_VLEN 4
#endif

typedef float tomo_vf __attribute__((vector_size(TOMO_VLEN * sizeof(float))));
typedef int tomo_vi __attribute__((vector_size(TOMO_VLEN * sizeof(int))));

/* 0, 1, ..., TOMO_VLEN - 1 */
static inline tomo_vf
tomo_vf_iota(void)
{
	tomo_vf v;
	for (int l = 0; l < TOMO_VLEN; l++)
		v[l] = (float)l;
	return v;
}

/* fbp_clamp_u lane by lane: u > 0 ? u : 0, then u < hi ? u : hi (the
 * max and min instructions are exactly these selections, -0 and NaN
 * included). */
static inline __attribute__((always_inline)) tomo_vf
tomo_vf_clamp(tomo_vf u, tomo_vf hi)
{
#if defined(__AVX512F__)
	u = (tomo_vf)_mm512_max_ps((__m512)u, _mm512_setzero_ps());
	return (tomo_vf)_mm512_min_ps((__m512)u, (__m512)hi);
#elif defined(__AVX__)
	u = (tomo_vf)_mm256_max_ps((__m256)u, _mm256_setzero_ps());
	return (tomo_vf)_mm256_min_ps((__m256)u, (__m256)hi);
#else
	const tomo_vf zero = {0};
	const tomo_vi in = u < hi;
	u = (tomo_vf)((tomo_vi)u & (u > zero));
	return (tomo_vf)(((tomo_vi)u & in) | ((tomo_vi)hi & ~in));
#endif
}

/* An unaligned load of TOMO_VLEN floats. */
static inline tomo_vf
tomo_vf_load(const float *p)
{
	tomo_vf v;
	__builtin_memcpy(&v, p, sizeof v);
	return v;
}

/*
 * Pixels of a block of rows can share one window of a filtered line: a
 * window of 2 TOMO_VLEN floats (lo: the first TOMO_VLEN, hi: the next)
 * serves lanes whose columns lie within 2 TOMO_VLEN - 1 of its start,
 * picked by one two-source permute (AVX-512). Elsewhere each row reads
 * its own window (tomo_vf_pick2): with AVX2, two one-source permutes and
 * a blend per pick were measured slower than that (Zen 4, x86-64-v3
 * build, 1 to 4 slices: 0.31 CPU-s per 1024^2 x 1024 slice against 0.24
 * to 0.32).
 */
#if defined(__AVX512F__)
#define TOMO_VF_SHARED_WINDOW 1

/* The lanes k (0..2 TOMO_VLEN - 1) of the window lo, hi. */
static inline __attribute__((always_inline)) tomo_vf
tomo_vf_pick_window(tomo_vf lo, tomo_vf hi, tomo_vi k)
{
	return (tomo_vf)_mm512_permutex2var_ps((__m512)lo, (__m512i)k, (__m512)hi);
}
#else
#define TOMO_VF_SHARED_WINDOW 0
#endif

/* For u >= 0 (below 2^23): *q = (int)u and the fraction u - (float)(int)u,
 * exactly (AVX512DQ's vreduceps takes the fraction in one instruction). */
static inline __attribute__((always_inline)) tomo_vf
tomo_vf_split(tomo_vf u, tomo_vi *q)
{
	*q = __builtin_convertvector(u, tomo_vi);
#if defined(__AVX512DQ__)
	return (tomo_vf)_mm512_reduce_ps((__m512)u, 0x03); /* u - trunc(u) */
#else
	return u - __builtin_convertvector(*q, tomo_vf);
#endif
}

/* tomo_vf_pick2 lane by lane (and its rare case on AVX2), kept out of
 * line so that the fast path's vectors stay in registers. */
static __attribute__((noinline, unused)) void
tomo_vf_pick2_lanes(const float *base, tomo_vi k, tomo_vf *a, tomo_vf *b)
{
	for (int l = 0; l < TOMO_VLEN; l++) {
		(*a)[l] = base[k[l]];
		(*b)[l] = base[k[l] + 1];
	}
}

/*
 * The samples at base[k[l]] and base[k[l] + 1] for every lane l, where all
 * k[l] lie in 0..TOMO_VLEN: a window of 2 TOMO_VLEN floats from base is
 * read (so base must have that many readable floats), and permutes pick
 * the lanes (AVX-512: two-source permutes of the window; AVX2: one source
 * each, from the window and the window one float later, valid while
 * k < TOMO_VLEN, else lane by lane; elsewhere lane by lane).
 */
static inline __attribute__((always_inline)) void
tomo_vf_pick2(const float *base, tomo_vi k, tomo_vf *a, tomo_vf *b)
{
#if defined(__AVX512F__)
	const __m512 lo = _mm512_loadu_ps(base), hi = _mm512_loadu_ps(base + 16);
	*a = (tomo_vf)_mm512_permutex2var_ps(lo, (__m512i)k, hi);
	*b = (tomo_vf)_mm512_permutex2var_ps(lo, (__m512i)(k + 1), hi);
#elif defined(__AVX2__)
	if (__builtin_expect(!_mm256_movemask_ps((__m256)(k > TOMO_VLEN - 1)), 1)) {
		*a = (tomo_vf)_mm256_permutevar8x32_ps(_mm256_loadu_ps(base), (__m256i)k);
		*b = (tomo_vf)_mm256_permutevar8x32_ps(_mm256_loadu_ps(base + 1), (__m256i)k);
	} else {
		tomo_vf_pick2_lanes(base, k, a, b);
	}
#else
	tomo_vf_pick2_lanes(base, k, a, b);
#endif
}

#endif
