/* output_tiff: placeholder until the TIFF back-end lands (issue 2). */
#include "io_impl.h"
#include "tomo/err.h"

int
tomo_output_open_tiff(struct tomo_output *o)
{
	return tomo_error(TOMO_ERR, "'%s': TIFF output is not available yet",
	                  tomo_output_name(o));
}
