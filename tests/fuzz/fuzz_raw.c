/*
 * fuzz_raw: a .raw file of float32 samples with a --shape: the first line
 * of the bytes is the shape as given on the command line ("XxYxZ"), the
 * rest the file; read as a file and as a stream on standard input.
 */
#include <string.h>

#include "fuzz.h"

FUZZ_TARGET(raw)
{
	const uint8_t *nl = memchr(data, '\n', size < 64 ? size : 64);
	char shape[65];
	size_t n = nl ? (size_t)(nl - data) : 0;
	const char *path;

	memcpy(shape, data, n);
	shape[n] = 0;
	path = fuzz_write("in.raw", nl ? nl + 1 : data, nl ? size - n - 1 : size);
	fuzz_input(path, &(struct tomo_input_opts){.shape = shape});
	fuzz_input_stdin(path, shape);
	return 0;
}
