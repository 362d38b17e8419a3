/*
 * fuzz_npy: a NumPy .npy file (its header parsed, its samples mapped).
 */
#include "fuzz.h"

FUZZ_TARGET(npy)
{
	fuzz_input(fuzz_write("in.npy", data, size), NULL);
	return 0;
}
