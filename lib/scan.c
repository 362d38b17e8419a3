/*
 * scan: open a scan as projections, flat groups and darks (tomo/scan.h).
 * Tells DXchange from NXtomo from plain input, searches NeXus files for the
 * stack and its image_key and angles (external links followed), and
 * checks that every set of frames has the projections' detector size.
 * Reads metadata only (keys, angles, shapes); samples are read elsewhere.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdf5_common.h"
#include "io_impl.h"
#include "scan_beam.h"
#include "tomo/err.h"
#include "tomo/scan.h"

/* Links looked at when searching an entry for angles, at most. */
#define MAX_VISIT 200000

const char *
tomo_scan_layout_name(enum tomo_scan_layout l)
{
	switch (l) {
	case TOMO_SCAN_DXCHANGE: return "DXchange";
	case TOMO_SCAN_NXTOMO: return "NXtomo";
	default: return "plain";
	}
}

static char *strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
strfmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static void
note(struct tomo_scan_input *s, char *text)
{
	if (text && s->nnotes < (int)(sizeof s->notes / sizeof *s->notes))
		s->notes[s->nnotes++] = text;
	else
		free(text);
}

static void
info(struct tomo_scan_input *s, char *text)
{
	if (text && s->ninfo < (int)(sizeof s->info / sizeof *s->info))
		s->info[s->ninfo++] = text;
	else
		free(text);
}

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

/* Open an input and keep it for closing. */
static int
add_input(struct tomo_scan_input *s, const char *spec, const char *shape, struct tomo_input **in)
{
	struct tomo_input_opts io = {.shape = shape};
	int rc;

	if (s->ninputs == (int)(sizeof s->inputs / sizeof *s->inputs))
		return tomo_error(TOMO_ERR, "too many inputs for one scan");
	if ((rc = tomo_input_open(spec, &io, in)))
		return rc == TOMO_EUSAGE ? TOMO_ERR : rc;
	s->inputs[s->ninputs++] = *in;
	return TOMO_OK;
}

/* Frames first..first+n-1 of in. */
static int
frames_range(struct tomo_frames *f, struct tomo_input *in, int64_t first, int64_t n, char *name)
{
	f->in = in;
	f->n = n;
	f->name = name;
	f->frame = malloc((size_t)(n > 0 ? n : 1) * sizeof *f->frame);
	if (!f->frame || !name)
		return oom();
	for (int64_t i = 0; i < n; i++)
		f->frame[i] = first + i;
	return TOMO_OK;
}

/* Append a group to an array of frame sets. */
static struct tomo_frames *
frames_add(struct tomo_frames **list, int *n)
{
	struct tomo_frames *p = realloc(*list, (size_t)(*n + 1) * sizeof *p);

	if (!p)
		return NULL;
	*list = p;
	memset(&p[*n], 0, sizeof *p);
	return &p[(*n)++];
}

/* Every frame of the input named spec as one set. */
static int
side_input(struct tomo_scan_input *s, const char *spec, const char *shape, const char *what,
           double anchor, struct tomo_frames *f)
{
	struct tomo_input *in;
	int rc;

	if (!f)
		return oom();
	f->anchor = anchor;
	if ((rc = add_input(s, spec, shape, &in)))
		return rc;
	return frames_range(f, in, 0, tomo_input_header(in)->size[2],
	                    strfmt("%s: '%s' (%lld frame%s)", what, tomo_input_name(in),
	                           (long long)tomo_input_header(in)->size[2],
	                           tomo_input_header(in)->size[2] == 1 ? "" : "s"));
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

/* ---- HDF5 helpers */

/* The strings of attribute key of obj (see tomo_hdf5_strings). */
static int
h5_string_attrs(hid_t obj, const char *key, char **out, int max)
{
	hid_t a;
	int n;

	if (H5Aexists(obj, key) <= 0 || (a = H5Aopen(obj, key, H5P_DEFAULT)) < 0)
		return 0;
	n = tomo_hdf5_strings(a, 1, out, max);
	H5Aclose(a);
	return n;
}

/* Angle-like by name or units. */
static int
angle_like(hid_t ds, const char *name)
{
	static const char *const words[] = {"angle", "theta", "rot", "omega", "phi"};
	char lower[256];
	char *units = tomo_hdf5_string_attr(ds, "units");
	int yes = units && (!strncasecmp(units, "deg", 3) || !strncasecmp(units, "rad", 3));

	free(units);
	snprintf(lower, sizeof lower, "%s", tomo_hdf5_basename(name));
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; !yes && i < sizeof words / sizeof *words; i++)
		yes = strstr(lower, words[i]) != NULL;
	return yes;
}

/* A 1-D numeric dataset of n values at path. */
static int
per_frame(hid_t file, const char *path, int64_t n)
{
	hsize_t d[3];
	int r;
	hid_t ds = tomo_hdf5_open_dims(file, path, &r, d);
	int ok = ds >= 0 && r == 1 && (int64_t)d[0] == n && tomo_hdf5_numeric(ds);

	if (ds >= 0)
		H5Dclose(ds);
	return ok;
}

struct anglesearch {
	hid_t file;
	const char *root;  /* the entry searched ("" for the file) */
	const char *stack; /* the group holding the stack */
	int64_t n;
	hsize_t dims[3];   /* the stack's */
	char *rotation;    /* a rotation_angle found */
	int rotation_near; /* it is in the stack's group */
	char *axis;        /* an angle axis of an NXdata group */
	int visited;
};

/* Names NXdata group g gives to the axis of dimension 0: its "axes"
 * attribute's first name and every AXIS_indices attribute that says 0. */
struct axisnames {
	char *name[32];
	int n;
};

static herr_t
on_attr(hid_t obj, const char *key, const H5A_info_t *info, void *data)
{
	struct axisnames *a = data;
	size_t len = strlen(key);
	hid_t at, sp;
	int v[8];

	(void)info;
	if (len <= 8 || strcmp(key + len - 8, "_indices") || a->n == 32)
		return 0;
	if ((at = H5Aopen(obj, key, H5P_DEFAULT)) < 0)
		return 0;
	sp = H5Aget_space(at);
	hssize_t np = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
	if (np >= 1 && np <= 8 && H5Aread(at, H5T_NATIVE_INT, v) >= 0 && v[0] == 0)
		a->name[a->n++] = strndup(key, len - 8);
	if (sp >= 0)
		H5Sclose(sp);
	H5Aclose(at);
	return 0;
}

static void
nxdata_axis(struct anglesearch *x, const char *group)
{
	hid_t g = H5Gopen2(x->file, group, H5P_DEFAULT);
	char *cls[1], *sig[1];
	struct axisnames names = {{0}, 0};
	int ncls, nsig;

	if (g < 0)
		return;
	ncls = h5_string_attrs(g, "NX_class", cls, 1);
	if (ncls == 1 && tomo_hdf5_same_word(cls[0], "NXdata")) {
		nsig = h5_string_attrs(g, "signal", sig, 1);
		char *sp = strfmt("%s/%s", group, nsig ? sig[0] : "data");
		hsize_t d[3];
		int r;
		hid_t ds = sp ? tomo_hdf5_open_dims(x->file, sp, &r, d) : -1;
		if (ds >= 0 && r == 3 && !memcmp(d, x->dims, sizeof d)) {
			char *ax[4];
			int nax = h5_string_attrs(g, "axes", ax, 4);
			/* Old NeXus: one string "a:b:c". */
			if (nax == 1 && strpbrk(ax[0], ":,"))
				ax[0][strcspn(ax[0], ":,")] = 0;
			if (nax >= 1 && strcmp(ax[0], "."))
				names.name[names.n++] = strdup(ax[0]);
			for (int i = 0; i < nax; i++)
				free(ax[i]);
			H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, NULL, on_attr, &names);
		}
		if (ds >= 0)
			H5Dclose(ds);
		free(sp);
		if (nsig)
			free(sig[0]);
	}
	if (ncls)
		free(cls[0]);
	for (int i = 0; i < names.n && !x->axis; i++) {
		char *p = names.name[i] ? strfmt("%s/%s", group, names.name[i]) : NULL;
		hid_t ds = -1;
		hsize_t d[3];
		int r;
		if (p && per_frame(x->file, p, x->n) && (ds = tomo_hdf5_open_dims(x->file, p, &r, d)) >= 0 &&
		    angle_like(ds, p))
			x->axis = p;
		else
			free(p);
		if (ds >= 0)
			H5Dclose(ds);
	}
	for (int i = 0; i < names.n; i++)
		free(names.name[i]);
	H5Gclose(g);
}

static herr_t
angle_visit(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
	struct anglesearch *x = data;
	char *path = strfmt("%s/%s", x->root, name);

	(void)g;
	if (!path || ++x->visited > MAX_VISIT) {
		free(path);
		return 1;
	}
	if (!strcmp(tomo_hdf5_basename(name), "rotation_angle")) {
		char *parent = tomo_hdf5_parent(name);
		char *full = parent ? strfmt("%s%s", x->root, parent) : NULL;
		int near = full && !strcmp(full, x->stack);
		if ((!x->rotation || (near && !x->rotation_near)) &&
		    per_frame(x->file, path, x->n)) {
			free(x->rotation);
			x->rotation = path;
			x->rotation_near = near;
			path = NULL;
		}
		free(parent);
		free(full);
	} else if (info->type == H5L_TYPE_HARD && !x->axis) {
		H5O_info_t oi;
#if H5_VERSION_GE(1, 12, 0)
		if (H5Oget_info_by_name3(x->file, path, &oi, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 &&
		    oi.type == H5O_TYPE_GROUP)
#else
		if (H5Oget_info_by_name(x->file, path, &oi, H5P_DEFAULT) >= 0 &&
		    oi.type == H5O_TYPE_GROUP)
#endif
			nxdata_axis(x, path);
	}
	free(path);
	return 0;
}

/* Read n per-frame values of dataset path as degrees. */
static int
read_angles(hid_t file, const char *path, int64_t n, double **out, const char *fname)
{
	hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
	double *v = malloc((size_t)n * sizeof *v);
	char *units;
	int rad;

	if (ds < 0 || !v || H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
		int rc = tomo_error(TOMO_ERR, "cannot read the angles '%s' in '%s': %s", path,
		                    fname, tomo_hdf5_msg());
		if (ds >= 0)
			H5Dclose(ds);
		free(v);
		return rc;
	}
	units = tomo_hdf5_string_attr(ds, "units");
	rad = units && !strncasecmp(units, "rad", 3);
	free(units);
	H5Dclose(ds);
	for (int64_t i = 0; i < n; i++)
		if (rad)
			v[i] *= 180 / M_PI;
	*out = v;
	return TOMO_OK;
}

/* Split the stack of group by its image_key into projections, flat groups
 * and darks; angles from the entry when found. */
static int
open_nxtomo(struct tomo_scan_input *s, hid_t file, const char *fname, const char *stack,
            const char *entry, const char *shape)
{
	char *dpath = strfmt("%s/data", stack), *kpath = strfmt("%s/image_key", stack);
	char *spec = dpath ? strfmt("%s:%s", fname, dpath) : NULL;
	struct tomo_input *in;
	int32_t *key = NULL;
	double *deg = NULL;
	int64_t n, np = 0, nd = 0, first = -1, last = -1;
	int rc;
	hid_t k;

	if (!dpath || !kpath || !spec) {
		rc = oom();
		goto out;
	}
	if ((rc = add_input(s, spec, shape, &in)))
		goto out;
	n = tomo_input_header(in)->size[2];
	key = malloc((size_t)n * sizeof *key);
	k = H5Dopen2(file, kpath, H5P_DEFAULT);
	if (!key || k < 0 || H5Dread(k, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, key) < 0) {
		rc = tomo_error(TOMO_ERR, "cannot read '%s' in '%s': %s", kpath, fname,
		                tomo_hdf5_msg());
		if (k >= 0)
			H5Dclose(k);
		goto out;
	}
	H5Dclose(k);
	for (int64_t i = 0; i < n; i++) {
		if (key[i] < 0 || key[i] > 3) {
			rc = tomo_error(TOMO_ERR,
			                "'%s' in '%s': value %d at frame %lld is none of 0 "
			                "(projection), 1 (flat), 2 (dark), 3 (invalid)",
			                kpath, fname, (int)key[i], (long long)i);
			goto out;
		}
		if (key[i] == 0) {
			if (first < 0)
				first = i;
			last = i;
			np++;
		}
		nd += key[i] == 2;
	}
	if (!np) {
		rc = tomo_error(TOMO_ERR,
		                "'%s' in '%s' marks no frame as a projection (image_key 0)", kpath,
		                fname);
		goto out;
	}
	s->where = strfmt("NXtomo stack '%s' (%lld frames) with image_key '%s'%s%s", dpath,
	                  (long long)n, kpath, *entry ? " in entry " : "", entry);
	s->proj.in = in;
	s->proj.n = np;
	s->proj.frame = malloc((size_t)np * sizeof *s->proj.frame);
	s->proj.name = strfmt("projections: %lld frames of '%s'", (long long)np, spec);
	s->pos = malloc((size_t)np * sizeof *s->pos);
	if (!s->proj.frame || !s->proj.name || !s->pos) {
		rc = oom();
		goto out;
	}
	np = 0;
	for (int64_t i = 0; i < n; i++)
		if (key[i] == 0) {
			s->proj.frame[np] = i;
			s->pos[np++] = (double)i;
		}
	/* Flats: runs of key 1 not interrupted by a projection. */
	for (int64_t i = 0; i < n;) {
		if (key[i] != 1) {
			i++;
			continue;
		}
		int64_t j = i, cnt = 0;
		double sum = 0;
		while (j < n && key[j] != 0) {
			if (key[j] == 1)
				cnt++, sum += (double)j;
			j++;
		}
		struct tomo_frames *f = frames_add(&s->flats, &s->nflats);
		if (!f || !(f->frame = malloc((size_t)cnt * sizeof *f->frame))) {
			rc = oom();
			goto out;
		}
		f->in = in;
		for (int64_t q = i; q < j; q++)
			if (key[q] == 1)
				f->frame[f->n++] = q;
		/* Before the projections: as at the first; after: as at the
		 * last; in between: at its own middle. */
		f->anchor = j <= first  ? (double)first
		            : i >= last ? (double)last
		                        : sum / (double)cnt;
		f->name = strfmt("flats %s: %lld frame%s (%lld..%lld) of '%s'",
		                 j <= first  ? "before the projections"
		                 : i >= last ? "after the projections"
		                             : "during the scan",
		                 (long long)cnt, cnt == 1 ? "" : "s", (long long)f->frame[0],
		                 (long long)f->frame[cnt - 1], spec);
		if (!f->name) {
			rc = oom();
			goto out;
		}
		i = j;
	}
	if (nd) {
		struct tomo_frames *d = frames_add(&s->darks, &s->ndarks);
		if (!d || !(d->frame = malloc((size_t)nd * sizeof *d->frame))) {
			rc = oom();
			goto out;
		}
		d->in = in;
		for (int64_t i = 0; i < n; i++)
			if (key[i] == 2)
				d->frame[d->n++] = i;
		if (!(d->name = strfmt("darks: %lld frame%s of '%s'", (long long)nd, nd == 1 ? "" : "s",
		                       spec))) {
			rc = oom();
			goto out;
		}
	}
	/* Angles: a rotation_angle of the entry (the stack's own first), else
	 * the angle axis of dimension 0 of an NXdata group showing the same
	 * stack (Diamond's files name it after the motor). */
	struct anglesearch x = {.file = file, .root = entry, .stack = stack, .n = n};
	hsize_t dd[3];
	int r;
	hid_t ds = tomo_hdf5_open_dims(file, dpath, &r, dd);
	if (ds >= 0) {
		memcpy(x.dims, dd, sizeof dd);
		H5Dclose(ds);
	}
	hid_t eg = H5Gopen2(file, *entry ? entry : "/", H5P_DEFAULT);
	if (eg >= 0) {
		H5Lvisit(eg, H5_INDEX_NAME, H5_ITER_INC, angle_visit, &x);
		H5Gclose(eg);
	}
	const char *apath = x.rotation ? x.rotation : x.axis;
	if (apath) {
		if ((rc = read_angles(file, apath, n, &deg, fname))) {
			free(x.rotation);
			free(x.axis);
			goto out;
		}
		if (!(s->angles = malloc((size_t)s->proj.n * sizeof *s->angles))) {
			free(x.rotation);
			free(x.axis);
			rc = oom();
			goto out;
		}
		for (int64_t i = 0; i < s->proj.n; i++)
			s->angles[i] = deg[s->proj.frame[i]];
		char *w = strfmt("%s, angles '%s'", s->where, apath);
		if (w) {
			free(s->where);
			s->where = w;
		}
	} else {
		note(s, strfmt("'%s': no rotation angles found for the NXtomo stack '%s'", fname,
		               dpath));
	}
	free(x.rotation);
	free(x.axis);
	rc = TOMO_OK;
out:
	free(deg);
	free(key);
	free(spec);
	free(dpath);
	free(kpath);
	return rc;
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
	char *spec = strfmt("%s:%s", fname, path);
	int rc = spec ? side_input(s, spec, shape, what, anchor, f) : oom();

	free(spec);
	return rc;
}

static int
open_dxchange(struct tomo_scan_input *s, hid_t file, const char *fname,
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
	s->where = strfmt("DXchange '/exchange/data' of '%s'", fname);
	if (!o->flats) {
		const char *before = pre     ? "/exchange/data_white_pre"
		                     : white ? "/exchange/data_white"
		                             : NULL;
		if (pre && white)
			note(s,
			     strfmt("'%s': using /exchange/data_white_pre as the flats before the "
			            "projections, not /exchange/data_white",
			            fname));
		if (before && (rc = dx_side(s, fname, before, "flats before the projections",
		                            o->shape, first, frames_add(&s->flats, &s->nflats))))
			return rc;
		if (post && (rc = dx_side(s, fname, "/exchange/data_white_post",
		                          "flats after the projections", o->shape, last,
		                          frames_add(&s->flats, &s->nflats))))
			return rc;
	}
	if (!o->darks) {
		const char *paths[3] = {dark ? "/exchange/data_dark" : NULL,
		                        dpre ? "/exchange/data_dark_pre" : NULL,
		                        dpost ? "/exchange/data_dark_post" : NULL};
		for (int i = 0; i < 3; i++)
			if (paths[i] && (rc = dx_side(s, fname, paths[i], "darks", o->shape, 0,
			                              frames_add(&s->darks, &s->ndarks))))
				return rc;
	}
	return TOMO_OK;
}

/* The projections when every plane of in is one. */
static int
all_planes(struct tomo_scan_input *s, struct tomo_input *in)
{
	int64_t n = tomo_input_header(in)->size[2];
	int rc = frames_range(
		&s->proj, in, 0, n,
		strfmt("projections: '%s' (%lld frames)", tomo_input_name(in), (long long)n));

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
		note(s, strfmt("'%s' has %lld angles for %lld projections: angles left out",
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
		rc = open_nxtomo(s, file, fname, p.stack, p.entry, o->shape);
	} else {
		char *spec = h5 ? strfmt("%s:%s", fname, p.dataset) : NULL;
		if (h5 && !spec)
			rc = oom();
		else if (!(rc = add_input(s, spec ? spec : path, o->shape, &in)) &&
		         !(rc = all_planes(s, in)) && !(rc = header_angles(s)) &&
		         p.layout == TOMO_SCAN_DXCHANGE)
			rc = open_dxchange(s, file, fname, o);
		free(spec);
		if (!rc && !s->where)
			s->where = strfmt("projections '%s'", tomo_input_name(in));
	}
	/* Into s->hdr for now: tomo_scan_open merges it with the
	 * projections' own keys. */
	if (!rc && p.layout != TOMO_SCAN_PLAIN)
		tomo_scan_read_beam(s, file, fname, p.entry, p.stack);
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
	if (o->flats && (rc = side_input(s, o->flats, o->shape, "flats before the projections",
	                                 s->pos[0], frames_add(&s->flats, &s->nflats))))
		goto fail;
	if (o->flats_after &&
	    (rc = side_input(s, o->flats_after, o->shape, "flats after the projections",
	                     s->pos[s->proj.n - 1], frames_add(&s->flats, &s->nflats))))
		goto fail;
	if (o->darks) {
		for (int i = 0; i < s->ndarks; i++)
			frames_free(&s->darks[i]);
		s->ndarks = 0;
		if ((rc = side_input(s, o->darks, o->shape, "darks", 0,
		                     frames_add(&s->darks, &s->ndarks))))
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
		note(s, strfmt("no dark fields for '%s': the dark current is taken as 0",
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
			info(s, strfmt("%s %g of the projections' attributes kept, not the "
			               "instrument's %g",
			               keys[i], *mine[i], beam[i]));
	}
	*out = s;
	return TOMO_OK;
fail:
	tomo_scan_close(s);
	return rc;
}
