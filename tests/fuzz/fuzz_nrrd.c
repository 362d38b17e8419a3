/*
 * fuzz_nrrd: a NRRD file with its header attached, read as a file (mapped,
 * pread) and as a stream on standard input (read forward, then buffered).
 */
#include "fuzz.h"

FUZZ_TARGET(nrrd)
{
	const char *path = fuzz_write("in.nrrd", data, size);

	fuzz_input(path, NULL);
	fuzz_input_stdin(path, NULL);
	return 0;
}
