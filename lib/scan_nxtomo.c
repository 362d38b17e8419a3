/*
 * scan_nxtomo: a NeXus NXtomo stack (found by lib/hdf5_scan.c's search)
 * split by its image_key into projections, flat groups and darks, and the
 * rotation angles searched for in its entry: a rotation_angle, else the
 * angle axis of an NXdata group showing the stack (external links
 * followed). Metadata only; the beamline's parameters are lib/scan_beam.c's.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdf5_common.h"
#include "scan_impl.h"
#include "tomo/err.h"

/* Links looked at when searching an entry for angles, at most. */
#define MAX_VISIT 200000

static int
oom(void)
{
	return tomo_error(TOMO_ERR, "out of memory");
}

/* ---- the angle search */

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
		char *sp = tomo_scan_fmt("%s/%s", group, nsig ? sig[0] : "data");
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
		char *p = names.name[i] ? tomo_scan_fmt("%s/%s", group, names.name[i]) : NULL;
		hid_t ds = -1;
		hsize_t d[3];
		int r;
		if (p && per_frame(x->file, p, x->n) &&
		    (ds = tomo_hdf5_open_dims(x->file, p, &r, d)) >= 0 && angle_like(ds, p))
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
	char *path = tomo_scan_fmt("%s/%s", x->root, name);

	(void)g;
	if (!path || ++x->visited > MAX_VISIT) {
		free(path);
		return 1;
	}
	if (!strcmp(tomo_hdf5_basename(name), "rotation_angle")) {
		char *parent = tomo_hdf5_parent(name);
		char *full = parent ? tomo_scan_fmt("%s%s", x->root, parent) : NULL;
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
	char where[4200];
	snprintf(where, sizeof where, "the angles '%s' in '%s'", path, fname);
	double *v;
	char *units;
	int rad;

	if (ds >= 0 && tomo_hdf5_check_stored(ds, n, where)) {
		H5Dclose(ds);
		return TOMO_ERR;
	}
	v = malloc((size_t)n * sizeof *v);
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

int
tomo_scan_open_nxtomo(struct tomo_scan_input *s, hid_t file, const char *fname, const char *stack,
                      const char *entry, const char *shape)
{
	char *dpath = tomo_scan_fmt("%s/data", stack),
	     *kpath = tomo_scan_fmt("%s/image_key", stack);
	char *spec = dpath ? tomo_scan_fmt("%s:%s", fname, dpath) : NULL;
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
	if ((rc = tomo_scan_add_input(s, spec, shape, &in)))
		goto out;
	n = tomo_input_header(in)->size[2];
	if ((rc = tomo_scan_check_frames(in, n)))
		goto out;
	k = H5Dopen2(file, kpath, H5P_DEFAULT);
	char where[4200];
	snprintf(where, sizeof where, "'%s' in '%s'", kpath, fname);
	if (k >= 0 && (rc = tomo_hdf5_check_stored(k, n, where))) {
		H5Dclose(k);
		goto out;
	}
	key = malloc((size_t)n * sizeof *key);
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
	s->where = tomo_scan_fmt("NXtomo stack '%s' (%lld frames) with image_key '%s'%s%s", dpath,
	                         (long long)n, kpath, *entry ? " in entry " : "", entry);
	s->proj.in = in;
	s->proj.n = np;
	s->proj.frame = malloc((size_t)np * sizeof *s->proj.frame);
	s->proj.name = tomo_scan_fmt("projections: %lld frames of '%s'", (long long)np, spec);
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
		struct tomo_frames *f = tomo_scan_frames_add(&s->flats, &s->nflats);
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
		f->name = tomo_scan_fmt("flats %s: %lld frame%s (%lld..%lld) of '%s'",
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
		struct tomo_frames *d = tomo_scan_frames_add(&s->darks, &s->ndarks);
		if (!d || !(d->frame = malloc((size_t)nd * sizeof *d->frame))) {
			rc = oom();
			goto out;
		}
		d->in = in;
		for (int64_t i = 0; i < n; i++)
			if (key[i] == 2)
				d->frame[d->n++] = i;
		if (!(d->name = tomo_scan_fmt("darks: %lld frame%s of '%s'", (long long)nd,
		                              nd == 1 ? "" : "s", spec))) {
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
		char *w = tomo_scan_fmt("%s, angles '%s'", s->where, apath);
		if (w) {
			free(s->where);
			s->where = w;
		}
	} else {
		tomo_scan_note(
			s, tomo_scan_fmt("'%s': no rotation angles found for the NXtomo stack '%s'",
		                         fname, dpath));
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
