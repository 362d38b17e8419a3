/*
 * fft: FFTW set-up shared by every module (tomo/fft.h).
 */
#include <fftw3.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/fft.h"

static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;
static int initialised;

void
tomo_fft_init(int threads)
{
	pthread_mutex_lock(&plan_lock);
	if (!initialised) {
		fftwf_init_threads();
		initialised = 1;
	}
	fftwf_plan_with_nthreads(threads > 0 ? threads : omp_get_max_threads());
	pthread_mutex_unlock(&plan_lock);
}

unsigned
tomo_fft_flags(void)
{
	const char *e = getenv("TOMO_FFTW");

	if (e && !strcmp(e, "measure"))
		return FFTW_MEASURE;
	if (e && !strcmp(e, "patient"))
		return FFTW_PATIENT;
	return FFTW_ESTIMATE;
}

void
tomo_fft_lock(void)
{
	pthread_mutex_lock(&plan_lock);
}

void
tomo_fft_unlock(void)
{
	pthread_mutex_unlock(&plan_lock);
}

long
tomo_fft_good_size(long n)
{
	for (long m = n < 1 ? 1 : n;; m++) {
		long r = m;
		static const int primes[] = {2, 3, 5, 7};
		for (int i = 0; i < 4; i++)
			while (r % primes[i] == 0)
				r /= primes[i];
		if (r == 1)
			return m;
	}
}
