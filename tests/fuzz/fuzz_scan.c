/*
 * fuzz_scan: a structure-aware generator of scan files. The bytes choose a
 * layout (DXchange, NXtomo, or one dataset of tomo's own), the sizes, types
 * and storage (contiguous, chunked, compressed, compact, never written) of
 * every dataset, the image_key values, the angles, the beamline's fields
 * and the attributes (strings fixed or variable, numbers, arrays); the file
 * is made with the HDF5 API in memory, then some of its bytes are
 * corrupted, and it is opened as a scan (tomo_scan_open) and as a tool's
 * input. So the fuzzer reaches the scan readers' logic at once, and the
 * corruptions reach libhdf5's parsers behind them.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAX_WRITE 4096 /* samples written per dataset, at most */

struct gen {
	struct fuzz_bytes b;
	hid_t file;
};

static unsigned
u8(struct gen *g)
{
	return fuzz_u8(&g->b);
}

/* A sample type: mostly numbers, sometimes what a reader must refuse. */
static hid_t
pick_type(struct gen *g, int *owned)
{
	unsigned k = u8(g);

	*owned = 0;
	if (k < 240) {
		switch (k % 12) {
		case 0: return H5T_NATIVE_UINT8;
		case 1: return H5T_NATIVE_UINT16;
		case 2: return H5T_NATIVE_INT16;
		case 3: return H5T_NATIVE_INT32;
		case 4: return H5T_NATIVE_UINT32;
		case 5: return H5T_NATIVE_INT64;
		case 6: return H5T_NATIVE_FLOAT;
		case 7: return H5T_NATIVE_DOUBLE;
		case 8: return H5T_STD_U16BE;
		case 9: return H5T_IEEE_F32BE;
		case 10: return H5T_IEEE_F64BE;
		default: return H5T_NATIVE_INT8;
		}
	}
	*owned = 1;
	if (k < 245) {
		hid_t t = H5Tcopy(H5T_C_S1);
		H5Tset_size(t, 1 + u8(g) % 8);
		return t;
	}
	if (k < 250) {
		hid_t t = H5Tcreate(H5T_COMPOUND, 8);
		H5Tinsert(t, "a", 0, H5T_NATIVE_FLOAT);
		H5Tinsert(t, "b", 4, H5T_NATIVE_FLOAT);
		return t;
	}
	if (k < 253) {
		hid_t t = H5Tcopy(H5T_NATIVE_FLOAT);
		H5Tset_fields(t, 15, 10, 5, 0, 10); /* a half float */
		H5Tset_size(t, 2);
		H5Tset_ebias(t, 15);
		return t;
	}
	return H5Tvlen_create(H5T_NATIVE_INT);
}

/* A short text from the bytes, or one of the words the readers look for. */
static void
text(struct gen *g, char *s, size_t size, const char *const *words, int nwords)
{
	unsigned k = u8(g);
	size_t n;

	if (words && k < 200) {
		snprintf(s, size, "%s", words[k % nwords]);
		return;
	}
	n = u8(g) % (size - 1);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)(u8(g) | 1);
	s[n] = 0;
}

static void
attr_string(struct gen *g, hid_t obj, const char *key, const char *value)
{
	hid_t t = H5Tcopy(H5T_C_S1), sp, a;
	unsigned k = u8(g);
	const char *vals[3] = {value, value, value};

	if (k & 1) {
		H5Tset_size(t, H5T_VARIABLE);
	} else {
		H5Tset_size(t, strlen(value) + 1 + (k >> 4) % 3);
		H5Tset_strpad(t, k & 2 ? H5T_STR_NULLPAD : H5T_STR_NULLTERM);
	}
	if (k & 4)
		H5Tset_cset(t, H5T_CSET_UTF8);
	if (k & 8) {
		hsize_t n = 1 + (k >> 4) % 3;
		sp = H5Screate_simple(1, &n, NULL);
	} else {
		sp = H5Screate(H5S_SCALAR);
	}
	a = H5Acreate2(obj, key, t, sp, H5P_DEFAULT, H5P_DEFAULT);
	if (a >= 0) {
		if (k & 1) {
			H5Awrite(a, t, vals);
		} else {
			size_t len = H5Tget_size(t);
			char *buf = calloc(3, len);
			for (int i = 0; buf && i < 3; i++)
				memcpy(buf + (size_t)i * len, value, strlen(value) < len ? strlen(value) : len);
			if (buf)
				H5Awrite(a, t, buf);
			free(buf);
		}
		H5Aclose(a);
	}
	H5Sclose(sp);
	H5Tclose(t);
}

static void
attr_numbers(struct gen *g, hid_t obj, const char *key, int64_t n)
{
	int owned;
	hid_t t = pick_type(g, &owned);
	hsize_t d = (hsize_t)(n > 0 ? n < MAX_WRITE ? n : MAX_WRITE : 1);
	hid_t sp = n < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &d, NULL);
	hid_t a = H5Acreate2(obj, key, t, sp, H5P_DEFAULT, H5P_DEFAULT);

	if (a >= 0) {
		double *v = calloc(d, sizeof *v);
		for (hsize_t i = 0; v && i < d; i++)
			v[i] = (double)(int)(u8(g) - 64) * (i + 1) / 4.0;
		if (v && H5Tget_class(t) != H5T_STRING && H5Tget_class(t) != H5T_COMPOUND &&
		    H5Tget_class(t) != H5T_VLEN)
			H5Awrite(a, H5T_NATIVE_DOUBLE, v);
		free(v);
		H5Aclose(a);
	}
	H5Sclose(sp);
	if (owned)
		H5Tclose(t);
}

/* A size: mostly small, sometimes a claim the file cannot back. */
static hsize_t
size_of(struct gen *g, int *huge)
{
	unsigned k = u8(g);

	if (k >= 248) {
		*huge = 1;
		return (hsize_t)1 << (8 + u8(g) % 24);
	}
	return 1 + k % 7;
}

/* Make dataset name under loc of rank dims and a type from the bytes,
 * stored as they say, written with values from them (not when huge). */
static hid_t
dataset(struct gen *g, hid_t loc, const char *name, int rank, const hsize_t *dims, hid_t type)
{
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), sp, ds;
	unsigned layout = u8(g) % 8, k = u8(g);
	hsize_t total = 1, chunk[3];
	int owned = 0;

	for (int i = 0; i < rank; i++)
		total *= dims[i];
	if (type < 0)
		type = pick_type(g, &owned);
	if (k & 1)
		H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
	if (layout >= 4 || total > MAX_WRITE) {
		for (int i = 0; i < rank; i++) {
			chunk[i] = 1 + u8(g) % 4;
			if (chunk[i] > dims[i] && dims[i] < 1024)
				chunk[i] = dims[i];
		}
		H5Pset_chunk(dcpl, rank, chunk);
		if (layout >= 6)
			H5Pset_deflate(dcpl, 1);
		if (layout == 7)
			H5Pset_shuffle(dcpl);
	} else if (layout == 3 && total * H5Tget_size(type) < 1024) {
		H5Pset_layout(dcpl, H5D_COMPACT);
	}
	sp = H5Screate_simple(rank, dims, NULL);
	ds = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	if (ds >= 0 && total <= MAX_WRITE && !(k & 2) && H5Tget_class(type) != H5T_VLEN &&
	    H5Tget_class(type) != H5T_COMPOUND && H5Tget_class(type) != H5T_STRING) {
		double *v = malloc(total * sizeof *v);
		unsigned step = u8(g);
		for (hsize_t i = 0; v && i < total; i++)
			v[i] = (double)((i * step) % 251) / 8.0;
		if (v)
			H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
		free(v);
	}
	H5Sclose(sp);
	H5Pclose(dcpl);
	if (owned)
		H5Tclose(type);
	return ds;
}

/* A per-frame dataset of n values (or another count) at path. */
static void
per_frame(struct gen *g, hid_t loc, const char *name, hsize_t n, const char *units)
{
	hsize_t d = u8(g) < 220 ? n : n + 1 + u8(g) % 3;
	hid_t ds = dataset(g, loc, name, 1, &d, u8(g) < 200 ? H5T_NATIVE_DOUBLE : -1);

	if (ds >= 0 && units)
		attr_string(g, ds, "units", units);
	if (ds >= 0)
		H5Dclose(ds);
}

/* A beamline field: a number (with units) or a string such as "6.5 um". */
static void
field(struct gen *g, hid_t file, const char *path)
{
	static const char *const units[] = {"keV", "eV", "mm", "um", "m", "micron", "J", "x"};
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp, ds, t;
	char u[24];
	unsigned k = u8(g);

	H5Pset_create_intermediate_group(lcpl, 1);
	if (k & 1) {
		char s[40];
		text(g, s, sizeof s, (const char *const[]){"25", "6.5 um", "5x", "0.3 m", "1e3 eV"},
		     5);
		t = H5Tcopy(H5T_C_S1);
		H5Tset_size(t, k & 2 ? H5T_VARIABLE : strlen(s) + 1);
		sp = H5Screate(H5S_SCALAR);
		ds = H5Dcreate2(file, path, t, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
		if (ds >= 0) {
			const char *p = s;
			H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, k & 2 ? (const void *)&p : s);
			H5Dclose(ds);
		}
		H5Tclose(t);
		H5Sclose(sp);
	} else {
		hsize_t n = 1 + (k >> 2) % 3;
		double v[3] = {(double)u8(g) / 4, (double)u8(g) / 4, (double)u8(g) / 4};
		sp = k & 4 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
		ds = H5Dcreate2(file, path, H5T_NATIVE_DOUBLE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
		if (ds >= 0) {
			H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
			if (k & 8) {
				text(g, u, sizeof u, units, 8);
				attr_string(g, ds, k & 16 ? "unit" : "units", u);
			}
			H5Dclose(ds);
		}
		H5Sclose(sp);
	}
	H5Pclose(lcpl);
}

/* tomo's header attributes and others on a dataset. */
static void
header_attrs(struct gen *g, hid_t ds, hsize_t frames)
{
	static const char *const kinds[] = {"projections", "sinograms", "volume", "x"};
	static const char *const quantities[] = {"counts", "transmission", "line-integral",
	                                         "attenuation"};
	static const char *const keys[] = {"tomo_kind",       "tomo_quantity", "tomo_angles",
	                                   "tomo_pixel_size", "tomo_energy",   "tomo_distance",
	                                   "tomo_center",     "tomo_spacings", "axes",
	                                   "description",     "units",         "a:=b"};
	unsigned n = u8(g) % 8;
	char v[40];

	for (unsigned i = 0; i < n; i++) {
		unsigned k = u8(g) % (sizeof keys / sizeof *keys);
		if (H5Aexists(ds, keys[k]) > 0)
			continue;
		if (k == 0 || k == 1) {
			text(g, v, sizeof v, k ? quantities : kinds, 4);
			attr_string(g, ds, keys[k], v);
		} else if (k >= 8) {
			text(g, v, sizeof v, NULL, 0);
			attr_string(g, ds, keys[k], v);
		} else {
			unsigned m = u8(g);
			int64_t count = k == 2   ? (m < 200 ? (int64_t)frames : (int64_t)(m % 9))
			                : k == 7 ? 3 + (m > 220)
			                         : (m < 200 ? -1 : (int64_t)(m % 3));
			attr_numbers(g, ds, keys[k], count);
		}
	}
}

static hid_t
group(hid_t file, const char *path)
{
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), gr;

	H5Pset_create_intermediate_group(lcpl, 1);
	gr = H5Gcreate2(file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
	H5Pclose(lcpl);
	return gr;
}

static void
dxchange(struct gen *g, const hsize_t d[3])
{
	static const char *const sides[] = {"data_white", "data_white_pre", "data_white_post",
	                                    "data_dark",  "data_dark_pre",  "data_dark_post"};
	static const char *const fields[] = {
		"/measurement/instrument/monochromator/energy",
		"/measurement/instrument/detector/distance",
		"/measurement/instrument/detector_motor_stack/setup/z",
		"/measurement/instrument/detection_system/objective/resolution",
		"/measurement/instrument/detector/actual_pixel_size_x",
		"/measurement/instrument/detector/pixel_size_x",
		"/measurement/instrument/detection_system/objective/magnification",
	};
	hid_t ex = group(g->file, "/exchange"), ds;
	unsigned k = u8(g);

	if (ex < 0)
		return;
	if ((ds = dataset(g, ex, "data", 3, d, -1)) >= 0) {
		header_attrs(g, ds, d[0]);
		H5Dclose(ds);
	}
	for (int i = 0; i < 6; i++)
		if (k & 1u << i) {
			int huge = 0;
			hsize_t s[3] = {size_of(g, &huge), u8(g) < 240 ? d[1] : d[1] + 1, d[2]};
			int rank = u8(g) < 240 ? 3 : 2;
			if ((ds = dataset(g, ex, sides[i], rank, s + 3 - rank, -1)) >= 0)
				H5Dclose(ds);
		}
	if (k & 64)
		per_frame(g, ex, "theta", d[0], u8(g) & 1 ? "rad" : "deg");
	H5Gclose(ex);
	for (unsigned i = 0, n = u8(g) % 4; i < n; i++)
		field(g, g->file, fields[u8(g) % 7]);
}

static void
nxtomo(struct gen *g, const hsize_t d[3])
{
	static const char *const fields[] = {
		"/entry/instrument/beam/incident_energy", "/entry/beam/incident_energy",
		"/entry/instrument/monochromator/energy", "/entry/instrument/detector/distance",
		"/entry/sample/x_pixel_size",             "/entry/instrument/detector/x_pixel_size",
	};
	hid_t e = group(g->file, "/entry"), det, ds;
	unsigned k = u8(g);
	char v[40];

	if (e < 0)
		return;
	attr_string(g, e, "NX_class", "NXentry");
	if (k & 1) {
		hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
		text(g, v, sizeof v, (const char *const[]){"NXtomo", " nxtomo ", "NXother"}, 3);
		H5Tset_size(t, k & 2 ? H5T_VARIABLE : strlen(v) + 1);
		if ((ds = H5Dcreate2(e, "definition", t, sp, H5P_DEFAULT, H5P_DEFAULT,
		                     H5P_DEFAULT)) >= 0) {
			const char *p = v;
			H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, k & 2 ? (const void *)&p : v);
			H5Dclose(ds);
		}
		H5Tclose(t);
		H5Sclose(sp);
	}
	det = group(g->file, "/entry/instrument/detector");
	if (det >= 0) {
		if ((ds = dataset(g, det, "data", 3, d, -1)) >= 0) {
			header_attrs(g, ds, d[0]);
			H5Dclose(ds);
		}
		/* image_key: one per frame (or not), values from the bytes. */
		hsize_t n = u8(g) < 230 ? d[0] : d[0] + 1;
		int32_t *key = n <= MAX_WRITE ? malloc(n * sizeof *key) : NULL;
		hid_t sp = H5Screate_simple(1, &n, NULL);
		int owned = 0;
		hid_t t = u8(g) < 230 ? H5T_NATIVE_INT32 : pick_type(g, &owned);
		if ((ds = H5Dcreate2(det, "image_key", t, sp, H5P_DEFAULT, H5P_DEFAULT,
		                     H5P_DEFAULT)) >= 0) {
			for (hsize_t i = 0; key && i < n; i++) {
				unsigned b = u8(g);
				key[i] = b < 240 ? (int32_t)(b % 4 == 3 ? 0 : b % 4) : (int32_t)b - 245;
			}
			if (key && H5Tget_class(t) == H5T_INTEGER)
				H5Dwrite(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, key);
			H5Dclose(ds);
		}
		if (owned)
			H5Tclose(t);
		H5Sclose(sp);
		free(key);
		H5Gclose(det);
	}
	if (k & 4) {
		hid_t s = group(g->file, "/entry/sample");
		if (s >= 0) {
			per_frame(g, s, "rotation_angle", d[0], u8(g) & 1 ? "degree" : "rad");
			H5Gclose(s);
		}
	}
	if (k & 8) {
		/* An NXdata group showing the stack, its angle axis named. */
		hid_t nd = group(g->file, "/entry/data");
		if (nd >= 0) {
			attr_string(g, nd, "NX_class", "NXdata");
			attr_string(g, nd, "signal", "data");
			text(g, v, sizeof v, (const char *const[]){"omega", "rotation_angle:.:.", "."},
			     3);
			attr_string(g, nd, "axes", v);
			attr_numbers(g, nd, "omega_indices", u8(g) % 3);
			H5Lcreate_hard(g->file, "/entry/instrument/detector/data", nd, "data",
			               H5P_DEFAULT, H5P_DEFAULT);
			per_frame(g, nd, "omega", d[0], "deg");
			H5Gclose(nd);
		}
	}
	H5Gclose(e);
	for (unsigned i = 0, n = u8(g) % 4; i < n; i++)
		field(g, g->file, fields[u8(g) % 6]);
}

/* The file's bytes, made by the generator; NULL when HDF5 made nothing. */
static unsigned char *
make(struct gen *g, size_t *len, int *layout)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	unsigned k = u8(g);
	int huge = 0;
	hsize_t d[3];
	unsigned char *img = NULL;
	ssize_t n;

	H5Pset_fapl_core(fapl, 1 << 16, 0);
	if (k & 4)
		H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
	g->file = H5Fcreate("gen.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	H5Pclose(fapl);
	if (g->file < 0)
		return NULL;
	d[0] = size_of(g, &huge);
	d[1] = size_of(g, &huge);
	d[2] = size_of(g, &huge);
	*layout = k % 3;
	if (*layout == 0) {
		dxchange(g, d);
	} else if (*layout == 1) {
		nxtomo(g, d);
	} else {
		hid_t ds = dataset(g, g->file, "data", 1 + (int)(u8(g) % 3), d, -1);
		if (ds >= 0) {
			header_attrs(g, ds, d[0]);
			H5Dclose(ds);
		}
	}
	H5Fflush(g->file, H5F_SCOPE_GLOBAL);
	n = H5Fget_file_image(g->file, NULL, 0);
	if (n > 0 && (img = malloc((size_t)n)) &&
	    H5Fget_file_image(g->file, img, (size_t)n) != n) {
		free(img);
		img = NULL;
	}
	H5Fclose(g->file);
	*len = n > 0 ? (size_t)n : 0;
	return img;
}

FUZZ_TARGET(scan)
{
	struct gen g = {{data, size}, -1};
	static const char *const named[] = {"/exchange/data", "/entry/instrument/detector/data",
	                                    "/data"};
	unsigned corrupt = fuzz_u8(&g.b);
	size_t len = 0;
	int layout = 0;
	unsigned char *img;
	char spec[64];

	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	if (!(img = make(&g, &len, &layout)))
		return 0;
	/* Corrupt some bytes, or cut the file short. */
	for (unsigned i = 0; i < corrupt % 8 && len; i++)
		img[fuzz_u32(&g.b) % len] = (unsigned char)fuzz_u8(&g.b);
	if (corrupt >= 248 && len)
		len = fuzz_u32(&g.b) % len;
	const char *path = fuzz_write("scan.h5", img, len);
	free(img);
	fuzz_scan(path, &(struct tomo_scan_opts){.describe = (int)(corrupt >> 3 & 1)});
	fuzz_input(path, NULL);
	snprintf(spec, sizeof spec, "scan.h5:%s", named[layout]);
	fuzz_input(fuzz_path(spec), NULL);
	return 0;
}
