/*
 * progress: the clock of include/tomo/progress.h. Reports themselves are
 * an inline call; drawing them is the tools' (lib/tool.c).
 */
#include <time.h>

#include "tomo/progress.h"

double
tomo_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
