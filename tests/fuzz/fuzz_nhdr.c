/*
 * fuzz_nhdr: a detached NRRD header (.nhdr) and its data file. The bytes
 * up to the first NUL are the header, those after it the file "data.raw"
 * beside it; the directory also holds what a header must not reach: a
 * FIFO ("fifo"), a directory ("sub", with a copy of the data), a symbolic
 * link to a file outside ("link").
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

FUZZ_TARGET(nhdr)
{
	static int made;
	const uint8_t *nul = memchr(data, 0, size);
	size_t hlen = nul ? (size_t)(nul - data) : size;

	/* Made once per directory (they may be there already: replay.c's
	 * children share their parent's). */
	if (!made) {
		mkfifo(fuzz_path("fifo"), 0600);
		mkdir(fuzz_path("sub"), 0700);
		(void)!symlink("/etc/hostname", fuzz_path("link"));
		made = 1;
	}
	fuzz_write("data.raw", nul ? nul + 1 : data, nul ? size - hlen - 1 : 0);
	fuzz_write("sub/data.raw", nul ? nul + 1 : data, nul ? size - hlen - 1 : 0);
	fuzz_input(fuzz_write("in.nhdr", data, hlen), NULL);
	return 0;
}
