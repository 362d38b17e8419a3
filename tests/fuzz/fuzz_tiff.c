/*
 * fuzz_tiff: a TIFF file, single or multi-page (page = plane), and the same
 * bytes as the two files of a directory of single-page TIFFs (file =
 * plane), each read through libtiff and our checks of every page.
 */
#include <sys/stat.h>

#include "fuzz.h"

FUZZ_TARGET(tiff)
{
	fuzz_input(fuzz_write("in.tif", data, size), NULL);
	mkdir(fuzz_path("stack"), 0700);
	fuzz_write("stack/a0.tif", data, size);
	fuzz_write("stack/a1.tif", data, size);
	fuzz_input(fuzz_path("stack"), NULL);
	return 0;
}
