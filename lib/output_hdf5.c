/* output_hdf5: placeholder until the HDF5 back-end lands (issue 2). */
#include "io_impl.h"
#include "tomo/err.h"

int
tomo_output_open_hdf5(struct tomo_output *o)
{
	return tomo_error(TOMO_ERR, "'%s': HDF5 output is not available yet",
	                  tomo_output_name(o));
}
