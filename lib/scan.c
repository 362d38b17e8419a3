/*
 * scan: open a scan as projections, flat groups and darks (tomo/scan.h),
 * the front of the scan readers. Tells DXchange from NXtomo from plain
 * input by lib/hdf5_scan.c's choice, hands the file to its back-end
 * (scan_dxchange.c, scan_nxtomo.c; scan_beam.c for the beamline's
 * parameters), replaces flats and darks by those given as inputs of their
 * own, and checks that every set of frames has the projections' detector
 * size. Reads metadata only (keys, angles, shapes); samples are read
 * elsewhere.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdf5_common.h"
#include "io_impl.h"
#include "scan_beam.h"
#include "scan_impl.h"
#include "tomo/err.h"
#include "tomo/scan.h"

static void
frames_free(struct tomo_frames *f)
{
	free(f->frame);
	free(f->name);
	memset(f, 0, sizeof *f);
}

void
tomo_scan_close(struct tomo_scan_input *s)
{
	if (!s)
		return;
	frames_free(&s->proj);
	for (int i = 0; i < s->nflats; i++)
		frames_free(&s->flats[i]);
	for (int i = 0; i < s->ndarks; i++)
		frames_free(&s->darks[i]);
	free(s->flats);
	free(s->darks);
	free(s->pos);
	free(s->angles);
	free(s->where);
	for (int i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	for (int i = 0; i < s->ninfo; i++)
		free(s->info[i]);
	for (int i = 0; i < s->ninputs; i++)
		tomo_input_close(s->inputs[i]);
	tomo_header_free(&s->hdr);
	free(s);
}

static int
oom(void)
{
	return tomo_error(TOMO_ERR, "out of memory");
}

/* Flats and darks must be frames of the projections' size. */
static int
check_size(const struct tomo_scan_input *s, const struct tomo_frames *f, const char *what)
{
	const int64_t *z = tomo_input_header(f->in)->size;

	if (z[0] != s->ncols || z[1] != s->nrows)
		return tomo_error(TOMO_ERR,
		                  "%s '%s' are %lld x %lld pixels, the projections "
		                  "%lld x %lld (columns x rows)",
		                  what, tomo_input_name(f->in), (long long)z[0], (long long)z[1],
		                  (long long)s->ncols, (long long)s->nrows);
	return TOMO_OK;
}

/* The projections when every plane of in is one. */
static int
all_planes(struct tomo_scan_input *s, struct tomo_input *in)
{
	int64_t n = tomo_input_header(in)->size[2];
	int rc = tomo_scan_frames_range(&s->proj, in, 0, n,
	                                tomo_scan_fmt("projections: '%s' (%lld frames)",
	                                              tomo_input_name(in), (long long)n));

	if (rc)
		return rc;
	if (!(s->pos = malloc((size_t)n * sizeof *s->pos)))
		return oom();
	for (int64_t i = 0; i < n; i++)
		s->pos[i] = (double)i;
	return TOMO_OK;
}

/* Angles the projections' input carries (DXchange theta, our own header),
 * when there is one per projection. */
static int
header_angles(struct tomo_scan_input *s)
{
	const struct tomo_header *h = tomo_input_header(s->proj.in);

	if (h->nangles == tomo_input_header(s->proj.in)->size[2] && h->nangles == s->proj.n) {
		if (!(s->angles = malloc((size_t)s->proj.n * sizeof *s->angles)))
			return oom();
		memcpy(s->angles, h->angles, (size_t)s->proj.n * sizeof *s->angles);
	} else if (h->nangles > 0) {
		tomo_scan_note(
			s,
			tomo_scan_fmt("'%s' has %lld angles for %lld projections: angles left out",
		                      tomo_input_name(s->proj.in), (long long)h->nangles,
		                      (long long)s->proj.n));
	}
	return TOMO_OK;
}

/* Which kind of HDF5 file, by the rule every reader follows
 * (tomo_hdf5_pick, named: the dataset the path names or NULL): 0 when it
 * cannot be opened or no dataset is chosen (the io layer says why when it
 * tries), else 1 and p filled. */
static int
classify(const char *fname, const char *named, hid_t *file, struct tomo_hdf5_pick *p)
{
	hid_t fapl = tomo_hdf5_fapl(0);

	*file = fapl < 0 ? -1 : H5Fopen(fname, H5F_ACC_RDONLY, fapl);
	if (fapl >= 0)
		H5Pclose(fapl);
	return *file >= 0 && tomo_hdf5_pick(*file, fname, named, p) == TOMO_OK;
}

static int
open_layout(struct tomo_scan_input *s, const char *path, const struct tomo_scan_opts *o)
{
	struct tomo_hdf5_pick p = {.layout = TOMO_SCAN_PLAIN};
	struct tomo_input *in;
	const char *named = NULL;
	char *fname = NULL;
	hid_t file = -1;
	int h5 = 0, rc;

	/* The file alone, or "file.h5:/dataset" naming a scan's projections. */
	if (path && strcmp(path, "-") && !tomo_path_is_hdf5(path) &&
	    tomo_input_split_hdf5(path, &fname, &named) < 0)
		return oom();
	if (fname && !tomo_path_is_hdf5(fname)) {
		free(fname);
		fname = NULL;
	}
	if (!fname && path && strcmp(path, "-") && tomo_path_is_hdf5(path) &&
	    !(fname = strdup(path)))
		return oom();
	if (fname) {
		tomo_hdf5_quiet();
		h5 = classify(fname, named, &file, &p);
	}
	s->layout = p.layout;
	if (p.layout == TOMO_SCAN_NXTOMO) {
		rc = tomo_scan_open_nxtomo(s, file, fname, p.stack, p.entry, o->shape);
	} else {
		char *spec = h5 ? tomo_scan_fmt("%s:%s", fname, p.dataset) : NULL;
		if (h5 && !spec)
			rc = oom();
		else if (!(rc = tomo_scan_add_input(s, spec ? spec : path, o->shape, &in)) &&
		         !(rc = all_planes(s, in)) && !(rc = header_angles(s)) &&
		         p.layout == TOMO_SCAN_DXCHANGE)
			rc = tomo_scan_open_dxchange(s, file, fname, o);
		free(spec);
		if (!rc && !s->where)
			s->where = tomo_scan_fmt("projections '%s'", tomo_input_name(in));
	}
	/* Into s->hdr for now: tomo_scan_open merges it with the
	 * projections' own keys. */
	if (!rc && p.layout != TOMO_SCAN_PLAIN)
		tomo_scan_beam_read(s, file, fname, p.entry, p.stack);
	if (file >= 0)
		H5Fclose(file);
	if (h5)
		tomo_hdf5_pick_free(&p);
	free(fname);
	return rc;
}

int
tomo_scan_open(const char *path, const struct tomo_scan_opts *o, struct tomo_scan_input **out)
{
	static const struct tomo_scan_opts none = {0};
	struct tomo_scan_input *s = calloc(1, sizeof *s);
	const struct tomo_header *h;
	int rc;

	if (!s)
		return oom();
	if (!o)
		o = &none;
	tomo_header_init(&s->hdr);
	if ((rc = open_layout(s, path, o)))
		goto fail;
	h = tomo_input_header(s->proj.in);
	s->ncols = h->size[0];
	s->nrows = h->size[1];
	/* Flats or darks given replace the file's. --flats stands for the
	 * first projection, --flats-after for the last. */
	if (o->flats || o->flats_after) {
		for (int i = 0; i < s->nflats; i++)
			frames_free(&s->flats[i]);
		s->nflats = 0;
	}
	if (o->flats &&
	    (rc = tomo_scan_side_input(s, o->flats, o->shape, "flats before the projections",
	                               s->pos[0], tomo_scan_frames_add(&s->flats, &s->nflats))))
		goto fail;
	if (o->flats_after &&
	    (rc = tomo_scan_side_input(s, o->flats_after, o->shape, "flats after the projections",
	                               s->pos[s->proj.n - 1],
	                               tomo_scan_frames_add(&s->flats, &s->nflats))))
		goto fail;
	if (o->darks) {
		for (int i = 0; i < s->ndarks; i++)
			frames_free(&s->darks[i]);
		s->ndarks = 0;
		if ((rc = tomo_scan_side_input(s, o->darks, o->shape, "darks", 0,
		                               tomo_scan_frames_add(&s->darks, &s->ndarks))))
			goto fail;
	}
	if (!s->nflats && !o->describe) {
		rc = tomo_error(TOMO_ERR, "no flat fields for '%s'%s: give --flats PATH",
		                path && strcmp(path, "-") ? path : "<stdin>",
		                s->layout == TOMO_SCAN_DXCHANGE
		                        ? " (no /exchange/data_white, _pre or _post)"
		                : s->layout == TOMO_SCAN_NXTOMO ? " (no frame with image_key 1)"
		                                                : "");
		goto fail;
	}
	for (int i = 0; i < s->nflats; i++)
		if ((rc = check_size(s, &s->flats[i], "flats")))
			goto fail;
	for (int i = 0; i < s->ndarks; i++)
		if ((rc = check_size(s, &s->darks[i], "darks")))
			goto fail;
	if (!s->ndarks)
		tomo_scan_note(
			s, tomo_scan_fmt("no dark fields for '%s': the dark current is taken as 0",
		                         path && strcmp(path, "-") ? path : "<stdin>"));
	/* What the projections carry besides samples and angles; the
	 * beamline's parameters where they carry none (a tomo_* attribute of
	 * the dataset was written for it, so it wins). */
	double beam[3] = {s->hdr.energy, s->hdr.distance, s->hdr.pixel_size};
	tomo_header_free(&s->hdr);
	if ((rc = tomo_header_copy(&s->hdr, h)) || (rc = tomo_header_set_angles(&s->hdr, NULL, 0)))
		goto fail;
	double *mine[3] = {&s->hdr.energy, &s->hdr.distance, &s->hdr.pixel_size};
	static const char *const keys[3] = {"tomo_energy", "tomo_distance", "tomo_pixel_size"};
	for (int i = 0; i < 3; i++) {
		if (isnan(*mine[i]))
			*mine[i] = beam[i];
		else if (!isnan(beam[i]) && *mine[i] != beam[i])
			tomo_scan_info(
				s,
				tomo_scan_fmt("%s %g of the projections' attributes kept, not the "
			                      "instrument's %g",
			                      keys[i], *mine[i], beam[i]));
	}
	*out = s;
	return TOMO_OK;
fail:
	tomo_scan_close(s);
	return rc;
}
