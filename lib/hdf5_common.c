/*
 * hdf5_common: the quiet error stack, file access settings and header
 * attributes shared by input_hdf5.c and output_hdf5.c, and the existence and
 * string helpers the scan readers use (hdf5_common.h).
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
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

/*
 * The file driver of the files we read: HDF5's sec2 driver with one check
 * added to its reads. libhdf5 1.10 loops forever decoding a global heap
 * collection (where variable-length strings live) whose free-space object
 * has size 0, and reads past the collection when an object's size runs
 * beyond it: such a collection fails its read here instead, with a message.
 * The check walks the objects as libhdf5 does, with the file's size of
 * lengths, which its superblock says as it is read.
 */
static H5FD_class_t sec2_cls;
static const H5FD_class_t *sec2;
static hid_t checked_driver = -1;

/* The size of lengths of the files opened last, as their superblocks say
 * (8 for a file not among them). */
static struct {
	const H5FD_t *file;
	unsigned lengths;
} sizes[16];
static unsigned nsizes;

static uint64_t
decode_length(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static unsigned
lengths_of(const H5FD_t *file)
{
	for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++)
		if (sizes[i].file == file)
			return sizes[i].lengths;
	return 8;
}

/* The superblock: remember the file's size of lengths. */
static void
note_superblock(const H5FD_t *file, const unsigned char *b, size_t n)
{
	static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
	unsigned lengths;

	if (n < 16 || memcmp(b, sig, sizeof sig))
		return;
	lengths = b[8] <= 1 ? b[14] : b[10];
	for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++)
		if (sizes[i].file == file) {
			sizes[i].lengths = lengths;
			return;
		}
	nsizes = (nsizes + 1) % (sizeof sizes / sizeof *sizes);
	sizes[nsizes].file = file;
	sizes[nsizes].lengths = lengths;
}

/* 1 when the n bytes read can be decoded by libhdf5 without looping or
 * leaving them, if they are a global heap collection (read as raw data:
 * HDF5 reads collections as such): every object's extent is positive and
 * inside the collection. A read is one when it starts with the
 * collection's signature and version and is 4096 bytes (HDF5's first
 * look) or the collection's size: no sample read matches that by chance. */
static int
heap_ok(const unsigned char *b, size_t n, unsigned len)
{
	const uint64_t hdr = 8 + len, objhdr = 8 + len;
	uint64_t size, p;

	if (len < 2 || len > 8 || n < hdr || memcmp(b, "GCOL\1\0\0\0", 8))
		return 1;
	size = decode_length(b + 8, len);
	if (n != 4096 && n != size)
		return 1;
	if (size < 4096)
		return 0;
	for (p = hdr; p + objhdr <= size && p + objhdr <= n;) {
		unsigned idx = b[p] | b[p + 1] << 8;
		uint64_t osize = decode_length(b + p + 8, len);
		uint64_t need = idx ? objhdr + ((osize + 7) & ~(uint64_t)7) : osize;
		if (osize > size || need == 0 || need > size - p)
			return 0;
		p += need;
	}
	return 1;
}

static herr_t
checked_read(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, void *buf)
{
	herr_t e = sec2->read(file, type, dxpl, addr, size, buf);

	if (e < 0)
		return e;
	if (type == H5FD_MEM_SUPER)
		note_superblock(file, buf, size);
	else if ((type == H5FD_MEM_GHEAP || type == H5FD_MEM_DRAW) &&
	         !heap_ok(buf, size, lengths_of(file))) {
		H5Epush2(H5E_DEFAULT, __FILE__, __func__, __LINE__, H5E_ERR_CLS, H5E_HEAP,
		         H5E_CANTLOAD, "damaged global heap collection at byte %llu",
		         (unsigned long long)addr);
		return -1;
	}
	return e;
}

static void
register_checked(void)
{
	static H5FD_class_t cls;
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5FD_t *f = NULL;

	/* HDF5 hands out a driver's class only through a file it opened. */
	if (fapl >= 0 && H5Pset_fapl_sec2(fapl) >= 0)
		f = H5FDopen("/dev/null", H5F_ACC_RDONLY, fapl, HADDR_UNDEF);
	if (fapl >= 0)
		H5Pclose(fapl);
	if (!f)
		return;
	cls = *f->cls;
	H5FDclose(f);
	if (!cls.read || strcmp(cls.name, "sec2"))
		return;
	sec2 = &sec2_cls;
	sec2_cls = cls;
	cls.name = "tomo_sec2";
#if H5_VERSION_GE(1, 13, 0)
	cls.value = 600; /* a user driver's value, not sec2's */
#endif
	cls.read = checked_read;
	checked_driver = H5FDregister(&cls);
}

hid_t
tomo_hdf5_fapl(int writing)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);

	if (fapl < 0)
		return fapl;
	/* Reading: the checked driver (where it could be made). */
	pthread_once(&once, register_checked);
	if (!writing && checked_driver >= 0)
		H5Pset_driver(fapl, checked_driver, NULL);
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
	return tomo_hdf5_slab_in(ds, rank, start, count, count, NULL, memtype, buf, writing);
}

herr_t
tomo_hdf5_slab_in(hid_t ds, int rank, const hsize_t *start, const hsize_t *count,
                  const hsize_t *mdims, const hsize_t *moff, hid_t memtype, void *buf, int writing)
{
	hid_t fs = H5Dget_space(ds), ms = -1;
	herr_t e = -1;

	if (fs >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
	    (ms = H5Screate_simple(rank, mdims, NULL)) >= 0 &&
	    (!moff || H5Sselect_hyperslab(ms, H5S_SELECT_SET, moff, NULL, count, NULL) >= 0))
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

/* The size of the file that holds object obj (external links lead to
 * others); -1 when unknown. */
static int64_t
file_size_of(hid_t obj)
{
	hid_t f = H5Iget_file_id(obj);
	hsize_t n = 0;
	herr_t e = f < 0 ? -1 : H5Fget_filesize(f, &n);

	if (f >= 0)
		H5Fclose(f);
	return e < 0 ? -1 : (int64_t)n;
}

/* The bytes a contiguous dataset's external files hold (H5F_UNLIMITED
 * when one is unlimited); -1 when it has none. */
static int64_t
external_bytes(hid_t dcpl)
{
	int n = H5Pget_external_count(dcpl);
	int64_t sum = 0;

	if (n <= 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char name[8];
		off_t off;
		hsize_t size;
		if (H5Pget_external(dcpl, (unsigned)i, sizeof name, name, &off, &size) < 0)
			return -1;
		if (size == H5F_UNLIMITED || __builtin_add_overflow(sum, (int64_t)size, &sum))
			return INT64_MAX;
	}
	return sum;
}

int
tomo_hdf5_check_stored(hid_t ds, int64_t count, const char *where)
{
	hid_t t = H5Dget_type(ds);
	size_t tsize = t < 0 ? 0 : H5Tget_size(t);
	hid_t dcpl = H5Dget_create_plist(ds);
	H5D_layout_t layout = dcpl < 0 ? H5D_LAYOUT_ERROR : H5Pget_layout(dcpl);
	int64_t bytes, have = -1, ext = dcpl < 0 ? -1 : external_bytes(dcpl);
	const char *in = "its file";

	if (t >= 0)
		H5Tclose(t);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (!tsize)
		return tomo_error(TOMO_ERR, "%s: cannot read its type: %s", where, tomo_hdf5_msg());
	if (count < 0 || __builtin_mul_overflow(count, (int64_t)tsize, &bytes))
		return tomo_error(TOMO_ERR, "%s: %lld samples of %zu bytes are more than can be read",
		                  where, (long long)count, tsize);
	if (layout == H5D_CONTIGUOUS && ext >= 0) {
		have = ext;
		in = "its external files";
	} else if (layout == H5D_CONTIGUOUS) {
		have = file_size_of(ds);
	} else if (layout == H5D_COMPACT) {
		have = (int64_t)H5Dget_storage_size(ds);
		in = "its header";
	} else if (layout == H5D_CHUNKED) {
		int64_t stored = (int64_t)H5Dget_storage_size(ds);
		if (bytes && !stored)
			return tomo_error(TOMO_ERR,
			                  "%s: none of its chunks is written (%lld samples claimed)",
			                  where, (long long)count);
		if (bytes / TOMO_HDF5_MAX_RATIO > stored)
			return tomo_error(TOMO_ERR,
			                  "%s: %lld samples of %zu bytes claimed, but its chunks store "
			                  "%lld bytes (more than %d times less: damaged, or mostly "
			                  "never written)",
			                  where, (long long)count, tsize, (long long)stored,
			                  TOMO_HDF5_MAX_RATIO);
		return TOMO_OK;
	} else if (layout != H5D_VIRTUAL) {
		return tomo_error(TOMO_ERR, "%s: unknown storage layout", where);
	}
	if (have >= 0 && bytes > have)
		return tomo_error(TOMO_ERR,
		                  "%s: %lld samples of %zu bytes (%lld bytes) claimed, more than %s "
		                  "holds (%lld bytes): damaged or cut short",
		                  where, (long long)count, tsize, (long long)bytes, in,
		                  (long long)have);
	return TOMO_OK;
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

/* Attribute values read at most: a longer string, or more numbers, is
 * refused before HDF5 is asked for them. */
#define ATTR_MAX_BYTES ((size_t)1 << 24)

/* 1 when attribute a stores n values of elem bytes each, and they are not
 * too many to read: a damaged dataspace or type can claim any size. */
static int
attr_fits(hid_t a, hssize_t n, size_t elem)
{
	hsize_t stored = H5Aget_storage_size(a);

	return n >= 0 && elem > 0 && (size_t)n <= ATTR_MAX_BYTES / elem &&
	       (hsize_t)n * elem <= stored;
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
		if (!n || !attr_fits(a, 1, n) || H5Tset_size(m, n + 1) < 0 ||
		    H5Tset_strpad(m, H5T_STR_NULLTERM) < 0 || !(s = calloc(n + 1, 1)))
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

	hid_t t = H5Aget_type(a);
	size_t elem = t < 0 ? 0 : H5Tget_size(t);

	if (t >= 0)
		H5Tclose(t);
	*n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
	if (sp >= 0)
		H5Sclose(sp);
	if (*n < 0 || !attr_fits(a, *n, elem) || (size_t)*n > ATTR_MAX_BYTES / sizeof *v ||
	    !(v = malloc((size_t)(*n ? *n : 1) * sizeof *v))) {
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
		char *buf = len && len < ATTR_MAX_BYTES / (size_t)n &&
		                    (attr ? attr_fits(obj, n, len)
		                          : !tomo_hdf5_check_stored(obj, n, "a string dataset"))
		                    ? calloc((size_t)n, len + 1)
		                    : NULL;
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
