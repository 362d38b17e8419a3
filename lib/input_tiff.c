/* input_tiff: placeholder until the TIFF back-end lands (issue 2). */
#include "io_impl.h"
#include "tomo/err.h"

int
tomo_input_open_tiff(struct tomo_input *in, const char *path)
{
	(void)in;
	return tomo_error(TOMO_ERR, "'%s': TIFF input is not available yet", path);
}
