/*
 * fft: the one place that sets FFTW up (threads, planning effort), so every
 * module plans the same way. Plans are made with the flags from
 * tomo_fft_flags() under tomo_fft_lock(): FFTW's planner is not
 * thread-safe, its execute functions are.
 */
#ifndef TOMO_FFT_H
#define TOMO_FFT_H

#include "tomo/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Initialise FFTW's threads once (threads <= 0: OpenMP's count). */
TOMO_API void tomo_fft_init(int threads);

/* FFTW planner flags: FFTW_ESTIMATE unless TOMO_FFTW=measure|patient. */
TOMO_API unsigned tomo_fft_flags(void);

/* Serialise plan creation and destruction. */
TOMO_API void tomo_fft_lock(void);
TOMO_API void tomo_fft_unlock(void);

/* A size >= n that FFTW and cuFFT transform fast: 2^a 3^b 5^c 7^d. */
TOMO_API long tomo_fft_good_size(long n);

#ifdef __cplusplus
}
#endif

#endif
