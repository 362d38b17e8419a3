/*
 * version: the library's version (tomo/api.h), from the VERSION file
 * through the build's -DTOMO_VERSION.
 */
#include "tomo/api.h"

#ifndef TOMO_VERSION
#define TOMO_VERSION "unknown"
#endif

const char *
tomo_version(void)
{
	return TOMO_VERSION;
}
