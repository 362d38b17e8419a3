/*
 * hdf5_common: the quiet error stack, file access settings and header
 * attributes shared by input_hdf5.c and output_hdf5.c, and the existence and
 * string helpers the scan readers use (hdf5_common.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdf5_common.h"
#include "tomo/err.h"

static const char *const real_keys[] = {
	"tomo_pixel_size",
	"tomo_energy",
	"tomo_distance",
	"tomo_center",
};

static double *
real_field(struct tomo_header *h, int i)
{
	double *f[] = {&h->pixel_size, &h->energy, &h->distance, &h->center};
	return f[i];
}

void
tomo_hdf5_quiet(void)
{
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

int
tomo_hdf5_threadsafe(void)
{
	hbool_t yes = 0;
	return H5is_library_threadsafe(&yes) >= 0 && yes;
}

static herr_t
innermost(unsigned n, const H5E_error2_t *e, void *data)
{
	(void)n;
	if (e->desc && *e->desc)
		snprintf(data, 512, "%s", e->desc);
	return 0;
}

const char *
tomo_hdf5_msg(void)
{
	static _Thread_local char msg[512];

	msg[0] = 0;
	H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, innermost, msg);
	return msg[0] ? msg : "unknown HDF5 error";
}

hid_t
tomo_hdf5_fapl(int writing)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);

	if (fapl < 0)
		return fapl;
#if H5_VERSION_GE(1, 10, 7)
	/* Network and parallel file systems often have no locks: the default
	 * would refuse every file there. */
	H5Pset_file_locking(fapl, 1, 1);
#endif
	/* Neither older nor newer than 1.8's format, so HDF5 1.8 reads our
	 * files. Only when writing: when reading, the bounds would refuse
	 * files in newer formats. */
	if (writing && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0) {
		H5Pclose(fapl);
		return -1;
	}
	return fapl;
}

herr_t
tomo_hdf5_slab(hid_t ds, int rank, const hsize_t *start, const hsize_t *count, float *buf,
               int writing)
{
	return tomo_hdf5_slab_typed(ds, rank, start, count, H5T_NATIVE_FLOAT, buf, writing);
}

herr_t
tomo_hdf5_slab_typed(hid_t ds, int rank, const hsize_t *start, const hsize_t *count,
                     hid_t memtype, void *buf, int writing)
{
	hid_t fs = H5Dget_space(ds), ms = -1;
	herr_t e = -1;

	if (fs >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
	    (ms = H5Screate_simple(rank, count, NULL)) >= 0)
		e = writing ? H5Dwrite(ds, memtype, ms, fs, H5P_DEFAULT, buf)
		            : H5Dread(ds, memtype, ms, fs, H5P_DEFAULT, buf);
	/* Every API call clears the error stack: keep the caller's reason
	 * across the closes. */
	hid_t why = e < 0 ? H5Eget_current_stack() : -1;
	if (ms >= 0)
		H5Sclose(ms);
	if (fs >= 0)
		H5Sclose(fs);
	if (why >= 0)
		H5Eset_current_stack(why);
	return e;
}

/* Write one attribute: file type ftype, memory type mtype. */
static int
put(hid_t ds, const char *key, hid_t ftype, hid_t mtype, hid_t space, const void *buf)
{
	hid_t a;
	herr_t e;

	if (space < 0)
		return -1;
	a = H5Acreate2(ds, key, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
	H5Sclose(space);
	if (a < 0)
		return -1;
	e = H5Awrite(a, mtype, buf);
	return H5Aclose(a) < 0 || e < 0 ? -1 : 0;
}

int
tomo_hdf5_put_string(hid_t ds, const char *key, const char *value)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	int rc;

	if (t < 0)
		return -1;
	if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
		H5Tclose(t);
		return -1;
	}
	rc = put(ds, key, t, t, H5Screate(H5S_SCALAR), &value);
	H5Tclose(t);
	return rc;
}

static int
put_reals(hid_t ds, const char *key, const double *v, hsize_t n, int scalar)
{
	return put(ds, key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
	           scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL), v);
}

int
tomo_hdf5_write_header(hid_t ds, const struct tomo_header *h, const char *name)
{
	const double reals[4] = {h->pixel_size, h->energy, h->distance, h->center};
	const char *failed = NULL;

	if (h->kind && tomo_hdf5_put_string(ds, "tomo_kind", tomo_kind_name(h->kind)))
		failed = "tomo_kind";
	if (!failed && h->quantity &&
	    tomo_hdf5_put_string(ds, "tomo_quantity", tomo_quantity_name(h->quantity)))
		failed = "tomo_quantity";
	if (!failed && h->nangles > 0 &&
	    put_reals(ds, "tomo_angles", h->angles, (hsize_t)h->nangles, 0))
		failed = "tomo_angles";
	for (int i = 0; !failed && i < 4; i++)
		if (!isnan(reals[i]) && put_reals(ds, real_keys[i], &reals[i], 1, 1))
			failed = real_keys[i];
	if (!failed && (!isnan(h->spacing[0]) || !isnan(h->spacing[1]) || !isnan(h->spacing[2])) &&
	    put_reals(ds, "tomo_spacings", h->spacing, 3, 0))
		failed = "tomo_spacings";
	for (int i = 0; !failed && i < h->nkv; i++)
		if (tomo_hdf5_put_string(ds, h->kv[i].key, h->kv[i].value))
			failed = h->kv[i].key;
	if (failed)
		return tomo_error(TOMO_ERR, "cannot write attribute '%s' in '%s': %s", failed, name,
		                  tomo_hdf5_msg());
	return TOMO_OK;
}

/* A string attribute's value, malloc'd; NULL (message set) on failure. */
static char *
get_string(hid_t a, hid_t ftype, const char *key, const char *name)
{
	char *s = NULL;
	hid_t m = H5Tcopy(H5T_C_S1);

	/* HDF5 converts no character sets: read UTF-8 as UTF-8. */
	if (m < 0 || H5Tset_cset(m, H5Tget_cset(ftype)) < 0)
		goto fail;
	if (H5Tis_variable_str(ftype) > 0) {
		char *v = NULL;
		if (H5Tset_size(m, H5T_VARIABLE) < 0 || H5Aread(a, m, &v) < 0)
			goto fail;
		s = strdup(v ? v : "");
		H5free_memory(v);
	} else {
		size_t n = H5Tget_size(ftype);
		if (!n || H5Tset_size(m, n + 1) < 0 || H5Tset_strpad(m, H5T_STR_NULLTERM) < 0 ||
		    !(s = calloc(n + 1, 1)))
			goto fail;
		if (H5Aread(a, m, s) < 0) {
			free(s);
			s = NULL;
			goto fail;
		}
	}
	H5Tclose(m);
	if (!s)
		tomo_error(TOMO_ERR, "out of memory");
	return s;
fail:
	tomo_error(TOMO_ERR, "cannot read attribute '%s' of %s: %s", key, name, tomo_hdf5_msg());
	if (m >= 0)
		H5Tclose(m);
	return NULL;
}

char *
tomo_hdf5_string_attr(hid_t obj, const char *key)
{
	hid_t a = H5Aexists(obj, key) > 0 ? H5Aopen(obj, key, H5P_DEFAULT) : -1;
	hid_t t = a < 0 ? -1 : H5Aget_type(a);
	hid_t sp = a < 0 ? -1 : H5Aget_space(a);
	char *s = NULL;

	if (t >= 0 && sp >= 0 && H5Tget_class(t) == H5T_STRING &&
	    H5Sget_simple_extent_npoints(sp) == 1)
		s = get_string(a, t, key, "");
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	if (a >= 0)
		H5Aclose(a);
	return s;
}

struct attr_ctx {
	struct tomo_header *h;
	const char *name;
	int rc;
};

/* The attribute's values as doubles; *n of them. */
static double *
get_reals(hid_t a, hssize_t *n, const char *key, const char *name)
{
	hid_t sp = H5Aget_space(a);
	double *v = NULL;

	*n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
	if (sp >= 0)
		H5Sclose(sp);
	if (*n < 0 || !(v = malloc((size_t)(*n ? *n : 1) * sizeof *v))) {
		tomo_error(TOMO_ERR, "cannot read attribute '%s' of %s", key, name);
		return NULL;
	}
	if (H5Aread(a, H5T_NATIVE_DOUBLE, v) < 0) {
		tomo_error(TOMO_ERR, "cannot read attribute '%s' of %s: %s", key, name,
		           tomo_hdf5_msg());
		free(v);
		return NULL;
	}
	return v;
}

static int
numeric_attr(struct attr_ctx *c, hid_t a, const char *key)
{
	struct tomo_header *h = c->h;
	hssize_t n;
	double *v = get_reals(a, &n, key, c->name);
	int rc = TOMO_OK;

	if (!v)
		return TOMO_ERR;
	if (!strcmp(key, "tomo_angles")) {
		for (hssize_t i = 0; i < n && !rc; i++)
			if (!isfinite(v[i]))
				rc = tomo_error(TOMO_ERR,
				                "attribute tomo_angles of %s: value "
				                "%lld is not finite",
				                c->name, (long long)i);
		if (!rc)
			rc = tomo_header_set_angles(h, v, n);
	} else if (!strcmp(key, "tomo_spacings")) {
		if (n != 3)
			rc = tomo_error(TOMO_ERR,
			                "attribute tomo_spacings of %s holds "
			                "%lld values, not 3",
			                c->name, (long long)n);
		else
			memcpy(h->spacing, v, sizeof h->spacing);
	} else {
		for (int i = 0; i < 4; i++)
			if (!strcmp(key, real_keys[i])) {
				if (n != 1)
					rc = tomo_error(TOMO_ERR,
					                "attribute %s of %s holds %lld "
					                "values, not 1",
					                key, c->name, (long long)n);
				else
					*real_field(h, i) = v[0];
			}
	}
	free(v);
	return rc;
}

static int
string_attr(struct attr_ctx *c, hid_t a, hid_t ftype, const char *key)
{
	hid_t sp = H5Aget_space(a);
	hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
	char *s;
	int rc = TOMO_OK;

	if (sp >= 0)
		H5Sclose(sp);
	if (n != 1)
		return TOMO_OK; /* lists of strings: not a key/value */
	if (!(s = get_string(a, ftype, key, c->name)))
		return TOMO_ERR;
	if (!strcmp(key, "tomo_kind")) {
		int k = tomo_kind_parse(s);
		if (k < 0)
			rc = tomo_error(TOMO_ERR,
			                "attribute tomo_kind of %s: '%s' is not "
			                "projections, sinograms or volume",
			                c->name, s);
		else
			c->h->kind = k;
	} else if (!strcmp(key, "tomo_quantity")) {
		int q = tomo_quantity_parse(s);
		if (q < 0)
			rc = tomo_error(TOMO_ERR,
			                "attribute tomo_quantity of %s: unknown "
			                "quantity '%s'",
			                c->name, s);
		else
			c->h->quantity = q;
	} else {
		/* Keys a NRRD header cannot hold (":=", newlines) stay behind. */
		for (int i = 0; i < 4; i++)
			if (!strcmp(key, real_keys[i]))
				rc = tomo_error(TOMO_ERR,
				                "attribute %s of %s is a string, "
				                "not a number",
				                key, c->name);
		if (!rc && !strstr(key, ":=") && !strpbrk(key, "\r\n") && *key &&
		    strcmp(key, "tomo_angles") && strcmp(key, "tomo_spacings"))
			rc = tomo_header_set_kv(c->h, key, s);
	}
	free(s);
	return rc;
}

static herr_t
on_attr(hid_t loc, const char *key, const H5A_info_t *info, void *data)
{
	struct attr_ctx *c = data;
	hid_t a = H5Aopen(loc, key, H5P_DEFAULT);
	hid_t t = a < 0 ? -1 : H5Aget_type(a);
	H5T_class_t cls = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);

	(void)info;
	if (a < 0 || t < 0)
		c->rc = tomo_error(TOMO_ERR, "cannot read attribute '%s' of %s: %s", key, c->name,
		                   tomo_hdf5_msg());
	else if (cls == H5T_STRING)
		c->rc = string_attr(c, a, t, key);
	else if ((cls == H5T_INTEGER || cls == H5T_FLOAT) &&
	         (!strcmp(key, "tomo_angles") || !strcmp(key, "tomo_spacings") ||
	          !strcmp(key, "tomo_pixel_size") || !strcmp(key, "tomo_energy") ||
	          !strcmp(key, "tomo_distance") || !strcmp(key, "tomo_center")))
		c->rc = numeric_attr(c, a, key);
	if (t >= 0)
		H5Tclose(t);
	if (a >= 0)
		H5Aclose(a);
	return c->rc ? -1 : 0;
}

int
tomo_hdf5_read_header(hid_t ds, struct tomo_header *h, const char *name)
{
	struct attr_ctx c = {h, name, TOMO_OK};
	hid_t dcpl = H5Dget_create_plist(ds);
	unsigned order = 0;

	/* Creation order (ours track it) keeps key/values in their order. */
	if (dcpl >= 0) {
		H5Pget_attr_creation_order(dcpl, &order);
		H5Pclose(dcpl);
	}
	if (H5Aiterate2(ds, order & H5P_CRT_ORDER_INDEXED ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME,
	                H5_ITER_INC, NULL, on_attr, &c) < 0 &&
	    !c.rc)
		return tomo_error(TOMO_ERR, "cannot list the attributes of %s: %s", name,
		                  tomo_hdf5_msg());
	return c.rc;
}

/* 1 when path resolves to an object (every link on the way exists and
 * external links reach their files). */
int
tomo_hdf5_resolves(hid_t file, const char *path)
{
	char *p = strdup(path);
	int ok = p != NULL;

	/* H5Oexists_by_name wants every intermediate link to exist. */
	for (char *q = p ? strchr(p + 1, '/') : NULL; ok && q; q = strchr(q + 1, '/')) {
		*q = 0;
		ok = H5Lexists(file, p, H5P_DEFAULT) > 0;
		*q = '/';
	}
	free(p);
	return ok && H5Lexists(file, path, H5P_DEFAULT) > 0 &&
	       H5Oexists_by_name(file, path, H5P_DEFAULT) > 0;
}

/* The strings held by a dataset or an attribute (one, or an array; fixed
 * or variable length), at most max of them, malloc'd into out; returns
 * how many. Not a string: 0. */
int
tomo_hdf5_strings(hid_t obj, int attr, char **out, int max)
{
	hid_t t = attr ? H5Aget_type(obj) : H5Dget_type(obj), m = -1;
	hid_t sp = attr ? H5Aget_space(obj) : H5Dget_space(obj);
	hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
	int got = 0;

	if (t < 0 || n < 1 || n > 64 || H5Tget_class(t) != H5T_STRING ||
	    (m = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_cset(m, H5Tget_cset(t)) < 0)
		goto out;
	if (H5Tis_variable_str(t) > 0) {
		char *v[64] = {0};
		if (H5Tset_size(m, H5T_VARIABLE) >= 0 &&
		    (attr ? H5Aread(obj, m, v)
		          : H5Dread(obj, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, v)) >= 0)
			for (hssize_t i = 0; i < n; i++) {
				if (got < max && (out[got] = strdup(v[i] ? v[i] : "")))
					got++;
				H5free_memory(v[i]);
			}
	} else {
		size_t len = H5Tget_size(t);
		char *buf = len ? calloc((size_t)n, len + 1) : NULL;
		if (buf && H5Tset_size(m, len + 1) >= 0 &&
		    H5Tset_strpad(m, H5T_STR_NULLTERM) >= 0 &&
		    (attr ? H5Aread(obj, m, buf)
		          : H5Dread(obj, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)) >= 0)
			for (hssize_t i = 0; i < n && got < max; i++)
				if ((out[got] = strdup(buf + (size_t)i * (len + 1))))
					got++;
		free(buf);
	}
out:
	if (m >= 0)
		H5Tclose(m);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	return got;
}

/* A scalar string dataset's value, malloc'd; NULL if not one. */
char *
tomo_hdf5_string_dataset(hid_t file, const char *path)
{
	hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
	char *s[2] = {NULL, NULL};
	int n = ds < 0 ? 0 : tomo_hdf5_strings(ds, 0, s, 2);

	if (ds >= 0)
		H5Dclose(ds);
	if (n == 1)
		return s[0];
	for (int i = 0; i < n; i++)
		free(s[i]);
	return NULL;
}

hid_t
tomo_hdf5_open_dims(hid_t file, const char *path, int *rank, hsize_t dims[3])
{
	hid_t ds, sp;
	int r;

	if (!tomo_hdf5_resolves(file, path))
		return -1;
	if ((ds = H5Dopen2(file, path, H5P_DEFAULT)) < 0)
		return -1;
	sp = H5Dget_space(ds);
	r = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
	if (r < 1 || r > 3 || H5Sget_simple_extent_dims(sp, dims, NULL) != r) {
		if (sp >= 0)
			H5Sclose(sp);
		H5Dclose(ds);
		return -1;
	}
	H5Sclose(sp);
	*rank = r;
	return ds;
}

int64_t
tomo_hdf5_frames(hid_t file, const char *path)
{
	hsize_t d[3];
	int r;
	hid_t ds = tomo_hdf5_open_dims(file, path, &r, d);

	if (ds < 0)
		return 0;
	H5Dclose(ds);
	if (r == 2)
		return 1;
	return r == 3 ? (int64_t)d[0] : -1;
}

int
tomo_hdf5_numeric(hid_t ds)
{
	hid_t t = H5Dget_type(ds);
	H5T_class_t c = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);

	if (t >= 0)
		H5Tclose(t);
	return c == H5T_INTEGER || c == H5T_FLOAT;
}

int
tomo_hdf5_same_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, word, n))
		return 0;
	for (s += n; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

const char *
tomo_hdf5_basename(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

char *
tomo_hdf5_parent(const char *name)
{
	const char *b = strrchr(name, '/');
	char *s = NULL;

	if (!b)
		return strdup("");
	return asprintf(&s, "/%.*s", (int)(b - name), name) < 0 ? NULL : s;
}
