/*
 * scan: a tomography scan opened as frames of detector images: which frames
 * of which input are projections, flats (grouped by when they were taken)
 * and darks, where each projection lies in the scan, and its angle. Knows
 * DXchange files, NeXus NXtomo files (the entry is searched for, not
 * expected at a fixed path), and any input with flats and darks given as
 * inputs of their own. Reads only metadata; the frames are read by the
 * caller (lib/flat.c) through the io layer.
 */
#ifndef TOMO_SCAN_H
#define TOMO_SCAN_H

#include <stdint.h>

#include "tomo/api.h"
#include "tomo/header.h"
#include "tomo/io.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tomo_scan_layout {
	TOMO_SCAN_PLAIN,    /* one input of projections; flats, darks separate */
	TOMO_SCAN_DXCHANGE, /* /exchange/data, data_white[_pre|_post], data_dark */
	TOMO_SCAN_NXTOMO,   /* one stack split by image_key */
};

/* Frames (planes) of one input. */
struct tomo_frames {
	struct tomo_input *in; /* owned by the scan */
	int64_t *frame;        /* plane indices into in, increasing */
	int64_t n;
	/* Flats: the scan position (a projection's pos, below) at which this
	 * group holds as it is; between two groups the flat is interpolated. */
	double anchor;
	char *name; /* for messages: "flats after the projections: ..." */
};

/* Read-only for callers. */
struct tomo_scan_input {
	enum tomo_scan_layout layout;
	char *where;             /* the entry or datasets used, for -v */
	int64_t ncols, nrows;    /* detector size */
	struct tomo_frames proj; /* the projections, in scan order */
	/* proj.n positions in the scan: the frame number in the NXtomo stack,
	 * else the plane number in the projections' input. */
	double *pos;
	struct tomo_frames *flats; /* groups by increasing anchor; nflats >= 1 */
	int nflats;
	struct tomo_frames *darks; /* pooled; ndarks == 0: no darks (dark 0) */
	int ndarks;
	double *angles;         /* proj.n angles in degrees, or NULL */
	/* The projections' metadata (no angles), with the energy, distance
	 * and pixel size the file records where the projections carry none. */
	struct tomo_header hdr;
	char *notes[16]; /* things the user should hear (tools warn) */
	int nnotes;
	char *info[16]; /* what was read from where (tools say it with -v) */
	int ninfo;
	struct tomo_input *inputs[8];
	int ninputs;
};

struct tomo_scan_opts {
	const char *shape;       /* --shape for raw input, or NULL */
	const char *flats;       /* flats (taken before the projections), or NULL */
	const char *flats_after; /* flats taken after, or NULL */
	const char *darks;       /* darks, or NULL */
	/* Describe only (tomo-info): a scan without flat fields is no error. */
	int describe;
};

/* Open the scan at path ("-" or NULL: a stream on stdin). An HDF5 file
 * without a dataset named is a DXchange file when it has /exchange/data,
 * else an NXtomo file when a group holding a 3-D "data" and an
 * "image_key" of as many frames is found (inside an entry whose
 * definition is NXtomo by preference): the choice tomo_input_open makes
 * for every tool (tomo_input_scan_info). Anything else is plain input
 * whose every plane is a projection. Flats and darks given in o replace the
 * file's. The X-ray energy, sample-detector distance and pixel size at the
 * sample that a DXchange or NXtomo file records (tomo-flat(1) lists the
 * places and units) go into hdr, in keV and metres, where the projections'
 * own tomo_* keys do not give them. Errors (TOMO_ERR, message set): no projections, no flats, sizes
 * that differ, unreadable or missing datasets, bad image_key values. */
TOMO_API int tomo_scan_open(const char *path, const struct tomo_scan_opts *o,
                            struct tomo_scan_input **s);
TOMO_API void tomo_scan_close(struct tomo_scan_input *s);

TOMO_API const char *tomo_scan_layout_name(enum tomo_scan_layout l);

#ifdef __cplusplus
}
#endif

#endif
