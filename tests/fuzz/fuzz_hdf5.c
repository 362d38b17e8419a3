/*
 * fuzz_hdf5: an HDF5 file (the seeds: plain datasets, tomo's outputs with
 * their header attributes, DXchange and NXtomo scans), opened as a tool's
 * input with the dataset tomo_hdf5_pick chooses and with /data named, and
 * as a scan described (tomo-info) without flats required.
 */
#include "fuzz.h"

FUZZ_TARGET(hdf5)
{
	const char *path = fuzz_write("in.h5", data, size);

	fuzz_input(path, NULL);
	fuzz_input(fuzz_path("in.h5:/data"), NULL);
	fuzz_scan(fuzz_path("in.h5"), &(struct tomo_scan_opts){.describe = 1});
	return 0;
}
