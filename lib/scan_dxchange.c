/*
 * scan_dxchange: the flats and darks of a DXchange file (/exchange/
 * data_white[_pre|_post], data_dark[_pre|_post]) as sets of frames of a
 * scan (lib/scan_impl.h). The projections, /exchange/data, are opened by
 * the front (lib/scan.c) as plain input; the beamline's parameters are
 * lib/scan_beam.c's.
 */
#include <stdlib.h>

#include "hdf5_common.h"
#include "scan_impl.h"
#include "tomo/err.h"

static int
oom(void)
{
	return tomo_error(TOMO_ERR, "out of memory");
}

/* A DXchange dataset's frames: 0 absent or empty; refuses non-3-D. */
static int
dx_frames(hid_t file, const char *fname, const char *path, int64_t *n)
{
	*n = tomo_hdf5_frames(file, path);
	if (*n < 0)
		return tomo_error(TOMO_ERR, "'%s' in '%s' is not a stack of frames (3-D)", path,
		                  fname);
	return TOMO_OK;
}

static int
dx_side(struct tomo_scan_input *s, const char *fname, const char *path, const char *what,
        const char *shape, double anchor, struct tomo_frames *f)
{
	char *spec = tomo_scan_fmt("%s:%s", fname, path);
	int rc = spec ? tomo_scan_side_input(s, spec, shape, what, anchor, f) : oom();

	free(spec);
	return rc;
}

int
tomo_scan_open_dxchange(struct tomo_scan_input *s, hid_t file, const char *fname,
                        const struct tomo_scan_opts *o)
{
	int64_t pre, white, post, dark, dpre, dpost;
	double first = s->pos[0], last = s->pos[s->proj.n - 1];
	int rc;

	if ((rc = dx_frames(file, fname, "/exchange/data_white_pre", &pre)) ||
	    (rc = dx_frames(file, fname, "/exchange/data_white", &white)) ||
	    (rc = dx_frames(file, fname, "/exchange/data_white_post", &post)) ||
	    (rc = dx_frames(file, fname, "/exchange/data_dark", &dark)) ||
	    (rc = dx_frames(file, fname, "/exchange/data_dark_pre", &dpre)) ||
	    (rc = dx_frames(file, fname, "/exchange/data_dark_post", &dpost)))
		return rc;
	s->where = tomo_scan_fmt("DXchange '/exchange/data' of '%s'", fname);
	if (!o->flats) {
		const char *before = pre     ? "/exchange/data_white_pre"
		                     : white ? "/exchange/data_white"
		                             : NULL;
		if (pre && white)
			tomo_scan_note(s, tomo_scan_fmt("'%s': using /exchange/data_white_pre as "
			                                "the flats before the projections, not "
			                                "/exchange/data_white",
			                                fname));
		if (before &&
		    (rc = dx_side(s, fname, before, "flats before the projections", o->shape, first,
		                  tomo_scan_frames_add(&s->flats, &s->nflats))))
			return rc;
		if (post && (rc = dx_side(s, fname, "/exchange/data_white_post",
		                          "flats after the projections", o->shape, last,
		                          tomo_scan_frames_add(&s->flats, &s->nflats))))
			return rc;
	}
	if (!o->darks) {
		const char *paths[3] = {dark ? "/exchange/data_dark" : NULL,
		                        dpre ? "/exchange/data_dark_pre" : NULL,
		                        dpost ? "/exchange/data_dark_post" : NULL};
		for (int i = 0; i < 3; i++)
			if (paths[i] && (rc = dx_side(s, fname, paths[i], "darks", o->shape, 0,
			                              tomo_scan_frames_add(&s->darks, &s->ndarks))))
				return rc;
	}
	return TOMO_OK;
}
