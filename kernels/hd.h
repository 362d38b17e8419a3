/*
 * hd: the one macro that lets arithmetic headers under kernels/ compile
 * with gcc (CPU path) and nvcc (GPU path) alike. Functions marked TOMO_HD
 * are static inline, take plain scalars and pointers, and use sinf/cosf/
 * expf rather than intrinsics, so both paths compute the same thing.
 */
#ifndef TOMO_KERNELS_HD_H
#define TOMO_KERNELS_HD_H

#ifdef __CUDACC__
#define TOMO_HD __host__ __device__
#else
#define TOMO_HD
#endif

#endif
