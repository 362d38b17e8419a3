/* input_hdf5: placeholder until the HDF5 back-end lands (issue 2). */
#include "io_impl.h"
#include "tomo/err.h"

int
tomo_input_open_hdf5(struct tomo_input *in, const char *file, const char *dataset)
{
	(void)in;
	(void)dataset;
	return tomo_error(TOMO_ERR, "'%s': HDF5 input is not available yet", file);
}
