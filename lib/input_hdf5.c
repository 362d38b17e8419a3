/*
 * input_hdf5: one dataset of an HDF5 file (the one named, else the one
 * tomo_hdf5_pick chooses: a DXchange or NXtomo scan's projections, the
 * file's only dataset; external links followed) of any integer or float
 * type. Shape (z, y, x) in C order; a rank-2 dataset is one plane, a rank-1
 * dataset one row. Boxes are read as hyperslabs converted by HDF5 to float.
 * Metadata: DXchange's /exchange/theta, and our own header attributes.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hdf5_common.h"
#include "io_impl.h"
#include "tomo/err.h"

/* Chunk cache: at most this much, however large a plane's chunks are, and
 * at most this many chunks (each costs HDF5 some 100 bytes besides its
 * data: a cache sized by bytes alone held millions of tiny chunks). */
#define CACHE_MAX ((size_t)1 << 30)
#define CACHE_CHUNKS 65536
/* Chunks one H5Dread touches at most: HDF5 keeps a map entry (and two
 * selections) per chunk of a read, so a box over millions of tiny chunks
 * is read in pieces of whole chunks. */
#define READ_CHUNKS 4096

struct h5src {
	hid_t file, ds;
	int rank;
	hsize_t chunk[3]; /* C order; chunk[0] == 0: not chunked */
	char *file_name, *dataset; /* for messages */
};

static void
h5src_free(struct h5src *s)
{
	if (s->ds >= 0)
		H5Dclose(s->ds);
	if (s->file >= 0)
		H5Fclose(s->file);
	free(s->file_name);
	free(s->dataset);
	free(s);
}

/* Open the dataset, saying precisely what is wrong when it cannot be. */
static hid_t
open_object(struct h5src *s, const char *path)
{
	char *p = strdup(path);
	hid_t o;
	htri_t e;

	if (!p) {
		tomo_error(TOMO_ERR, "out of memory");
		return -1;
	}
	/* Each link on the way must exist for H5Oopen to say more than
	 * "not found". */
	for (char *slash = strchr(p + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = 0;
		e = *p ? H5Lexists(s->file, p, H5P_DEFAULT) : 1;
		if (slash)
			*slash = '/';
		if (e <= 0) {
			free(p);
			tomo_error(TOMO_ERR, "no dataset '%s' in '%s'%s", path, s->file_name,
			           tomo_hdf5_list_datasets(s->file, "/"));
			return -1;
		}
		if (!slash || !slash[1])
			break;
	}
	free(p);
	e = H5Oexists_by_name(s->file, path, H5P_DEFAULT);
	if (e <= 0) {
		tomo_error(TOMO_ERR,
		           "'%s' in '%s' is a link to a missing object or "
		           "file%s%s",
		           path, s->file_name, e < 0 ? ": " : "", e < 0 ? tomo_hdf5_msg() : "");
		return -1;
	}
	if ((o = H5Oopen(s->file, path, H5P_DEFAULT)) < 0) {
		tomo_error(TOMO_ERR, "cannot open '%s' in '%s': %s", path, s->file_name,
		           tomo_hdf5_msg());
		return -1;
	}
	if (H5Iget_type(o) != H5I_DATASET) {
		int group = H5Iget_type(o) == H5I_GROUP;
		H5Oclose(o);
		tomo_error(TOMO_ERR, "'%s' in '%s' is a %s, not a dataset%s", path, s->file_name,
		           group ? "group" : "named datatype",
		           group ? tomo_hdf5_list_datasets(s->file, path) : "");
		return -1;
	}
	return o;
}

static const char *
class_name(H5T_class_t c)
{
	switch (c) {
	case H5T_COMPOUND: return "compound";
	case H5T_STRING: return "string";
	case H5T_ENUM: return "enum";
	case H5T_BITFIELD: return "bitfield";
	case H5T_OPAQUE: return "opaque";
	case H5T_VLEN: return "variable-length";
	case H5T_ARRAY: return "array";
	case H5T_REFERENCE: return "reference";
	case H5T_TIME: return "time";
	default: return "unknown";
	}
}

/* The stored type as ours; other classes refused. Floats of other widths
 * than 4 and 8 bytes (HDF5 converts them too) are reported as the nearest
 * wider type. */
static int
stored_type(struct h5src *s, enum tomo_dtype *dt, size_t *size)
{
	hid_t t = H5Dget_type(s->ds);
	H5T_class_t c = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
	int sign = c == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_2;

	*size = t < 0 ? 0 : H5Tget_size(t);
	if (t >= 0)
		H5Tclose(t);
	if (c == H5T_FLOAT) {
		*dt = *size <= 4 ? TOMO_F32 : TOMO_F64;
	} else if (c == H5T_INTEGER) {
		if (*size <= 1)
			*dt = sign ? TOMO_I8 : TOMO_U8;
		else if (*size <= 2)
			*dt = sign ? TOMO_I16 : TOMO_U16;
		else if (*size <= 4)
			*dt = sign ? TOMO_I32 : TOMO_U32;
		else
			*dt = sign ? TOMO_I64 : TOMO_U64;
	} else {
		return tomo_error(TOMO_ERR,
		                  "'%s' in '%s' holds %s samples; only "
		                  "integer and float datasets can be read",
		                  s->dataset, s->file_name, class_name(c));
	}
	return TOMO_OK;
}

static int
shape(struct h5src *s, int64_t size[3])
{
	hid_t sp = H5Dget_space(s->ds);
	hsize_t d[H5S_MAX_RANK];
	int r = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);

	if (r > 0 && r <= H5S_MAX_RANK && H5Sget_simple_extent_dims(sp, d, NULL) < 0)
		r = -1;
	if (sp >= 0)
		H5Sclose(sp);
	if (r < 0)
		return tomo_error(TOMO_ERR, "cannot read the shape of '%s' in '%s': %s", s->dataset,
		                  s->file_name, tomo_hdf5_msg());
	if (r == 0)
		return tomo_error(TOMO_ERR, "'%s' in '%s' is a scalar, not an array", s->dataset,
		                  s->file_name);
	if (r > 3)
		return tomo_error(TOMO_ERR,
		                  "'%s' in '%s' has %d dimensions; at most 3 "
		                  "(z, y, x) are supported",
		                  s->dataset, s->file_name, r);
	size[0] = size[1] = size[2] = 1;
	for (int i = 0; i < r; i++) {
		if (d[i] == 0)
			return tomo_error(TOMO_ERR,
			                  "'%s' in '%s' is empty (dimension %d "
			                  "is 0)",
			                  s->dataset, s->file_name, i);
		size[r - 1 - i] = (int64_t)d[i];
	}
	s->rank = r;
	return TOMO_OK;
}

/* The sizes must count, and the file must hold the samples they claim. */
static int
held(struct h5src *s, const struct tomo_header *h, const char *where)
{
	int64_t count;

	if (tomo_header_count(h, &count))
		return tomo_error(TOMO_ERR, "%s: sizes %lld x %lld x %lld are too large", where,
		                  (long long)h->size[0], (long long)h->size[1],
		                  (long long)h->size[2]);
	return tomo_hdf5_check_stored(s->ds, count, where);
}

/* The smallest prime >= n: HDF5 wants a prime number of cache slots. */
static size_t
prime_at_least(size_t n)
{
	for (;; n++) {
		size_t d = 2;
		while (d * d <= n && n % d)
			d++;
		if (n > 1 && d * d > n)
			return n;
	}
}

/* Reopen the dataset with a chunk cache that holds the chunks of one plane,
 * so reading plane after plane decodes each chunk once; at most max bytes
 * when max > 0 (tomo_input_opts.chunk_cache). */
static int
set_chunk_cache(struct h5src *s, const int64_t size[3], size_t tsize, int64_t max)
{
	hid_t dcpl = H5Dget_create_plist(s->ds);
	hsize_t c[3];
	size_t nchunks = 1, bytes;
	int chunked = dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED &&
	              H5Pget_chunk(dcpl, s->rank, c) == s->rank;

	if (dcpl >= 0)
		H5Pclose(dcpl);
	for (int i = 0; chunked && i < s->rank; i++)
		chunked = c[i] > 0;
	if (!chunked)
		return TOMO_OK;
	memcpy(s->chunk, c, sizeof c);
	bytes = tsize;
	for (int i = 0; i < s->rank; i++) {
		int64_t n = size[s->rank - 1 - i]; /* that axis's length */
		bytes *= c[i];
		if (s->rank - i <= 2) /* y and x: a plane's chunks */
			nchunks *= (size_t)((n + (int64_t)c[i] - 1) / (int64_t)c[i]);
	}
	size_t cache = bytes * nchunks > CACHE_MAX ? CACHE_MAX : bytes * nchunks;
	if (max > 0 && cache > (size_t)max)
		cache = (size_t)max;
	if (cache / bytes > CACHE_CHUNKS)
		cache = bytes * CACHE_CHUNKS;
	if (cache <= ((size_t)1 << 20))
		return TOMO_OK; /* HDF5's default 1 MiB already holds them */
	size_t slots = 10 * (cache / bytes + 1);
	hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
	if (dapl < 0 || H5Pset_chunk_cache(dapl, prime_at_least(slots > 1000003 ? 1000003 : slots),
	                                   cache + bytes, H5D_CHUNK_CACHE_W0_DEFAULT) < 0) {
		if (dapl >= 0)
			H5Pclose(dapl);
		return TOMO_OK; /* only slower */
	}
	/* Handles of one dataset share one cache, made at the first open: close
	 * ours before opening again with the new size. */
	H5Dclose(s->ds);
	s->ds = H5Dopen2(s->file, s->dataset, dapl);
	H5Pclose(dapl);
	if (s->ds < 0)
		s->ds = H5Dopen2(s->file, s->dataset, H5P_DEFAULT);
	if (s->ds < 0)
		return tomo_error(TOMO_ERR, "cannot open '%s' in '%s' again: %s", s->dataset,
		                  s->file_name, tomo_hdf5_msg());
	return TOMO_OK;
}

/* DXchange keeps the angles of /exchange/data in /exchange/theta, degrees
 * unless its "units" attribute says radians. */
static int
read_theta(struct h5src *s, struct tomo_header *h)
{
	const char *p = s->dataset;
	hid_t t, sp;
	hssize_t n;
	double *v;
	int rad = 0;

	while (*p == '/')
		p++;
	if (strcmp(p, "exchange/data") || H5Lexists(s->file, "/exchange", H5P_DEFAULT) <= 0 ||
	    H5Lexists(s->file, "/exchange/theta", H5P_DEFAULT) <= 0)
		return TOMO_OK;
	if ((t = H5Dopen2(s->file, "/exchange/theta", H5P_DEFAULT)) < 0)
		return tomo_error(TOMO_ERR, "cannot open '/exchange/theta' in '%s': %s",
		                  s->file_name, tomo_hdf5_msg());
	sp = H5Dget_space(t);
	n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
	if (sp >= 0)
		H5Sclose(sp);
	char where[4200];
	snprintf(where, sizeof where, "'/exchange/theta' in '%s'", s->file_name);
	if (n > 0 && tomo_hdf5_check_stored(t, n, where)) {
		H5Dclose(t);
		return TOMO_ERR;
	}
	v = n > 0 ? malloc((size_t)n * sizeof *v) : NULL;
	if (!v || H5Dread(t, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
		int rc = tomo_error(TOMO_ERR, "cannot read '/exchange/theta' in '%s'%s%s",
		                    s->file_name, v ? ": " : "", v ? tomo_hdf5_msg() : "");
		free(v);
		H5Dclose(t);
		return rc;
	}
	char *units = tomo_hdf5_string_attr(t, "units");
	rad = units && !strncasecmp(units, "rad", 3);
	free(units);
	H5Dclose(t);
	for (hssize_t i = 0; i < n; i++) {
		if (rad)
			v[i] *= 180 / M_PI;
		if (!isfinite(v[i])) {
			free(v);
			return tomo_error(TOMO_ERR,
			                  "'/exchange/theta' in '%s': value "
			                  "%lld is not finite",
			                  s->file_name, (long long)i);
		}
	}
	int rc = tomo_header_set_angles(h, v, n);
	free(v);
	if (rc == TOMO_OK)
		h->kind = TOMO_KIND_PROJECTIONS;
	return rc;
}

/* Chunks of s the block of count samples at start touches (rank values
 * each, C order). */
static int64_t
touched(const struct h5src *s, const hsize_t *start, const hsize_t *count)
{
	int64_t n = 1;

	for (int i = 0; i < s->rank; i++) {
		int64_t k = (int64_t)((start[i] + count[i] - 1) / s->chunk[i] - start[i] / s->chunk[i]) + 1;
		if (n > INT64_MAX / k)
			return INT64_MAX;
		n *= k;
	}
	return n;
}

/* Read the block at start of count samples, inside the box at bstart of
 * bcount samples that dst holds, in pieces of at most READ_CHUNKS whole
 * chunks: split in two at a chunk boundary until they are that small. */
static herr_t
read_chunks(const struct h5src *s, hid_t memtype, void *dst, const hsize_t *bstart,
            const hsize_t *bcount, const hsize_t *start, const hsize_t *count)
{
	hsize_t st[3], ct[3], moff[3];

	for (int i = 0; i < s->rank && touched(s, start, count) > READ_CHUNKS; i++) {
		hsize_t c = s->chunk[i], first = start[i] / c, last = (start[i] + count[i] - 1) / c;
		if (first == last)
			continue;
		hsize_t cut = (first + (last - first + 1) / 2) * c;
		memcpy(st, start, sizeof st);
		memcpy(ct, count, sizeof ct);
		ct[i] = cut - start[i];
		if (read_chunks(s, memtype, dst, bstart, bcount, st, ct) < 0)
			return -1;
		st[i] = cut;
		ct[i] = start[i] + count[i] - cut;
		return read_chunks(s, memtype, dst, bstart, bcount, st, ct);
	}
	for (int i = 0; i < s->rank; i++)
		moff[i] = start[i] - bstart[i];
	return tomo_hdf5_slab_in(s->ds, s->rank, start, count, bcount, moff, memtype, dst, 0);
}

/* A box as a hyperslab, converted by HDF5 to memtype. A dataset of rank
 * < 3 takes the last rank values (y, x or x). */
static int
h5_read_as(struct tomo_input *in, const struct tomo_box *b, hid_t memtype, void *dst)
{
	struct h5src *s = in->impl;
	const hsize_t start[3] = {(hsize_t)b->z0, (hsize_t)b->y0, (hsize_t)b->x0};
	const hsize_t count[3] = {(hsize_t)b->nz, (hsize_t)b->ny, (hsize_t)b->nx};
	const hsize_t *st = start + 3 - s->rank, *ct = count + 3 - s->rank;

	tomo_hdf5_quiet();
	if ((s->chunk[0] && touched(s, st, ct) > READ_CHUNKS
	             ? read_chunks(s, memtype, dst, st, ct, st, ct)
	             : tomo_hdf5_slab_typed(s->ds, s->rank, st, ct, memtype, dst, 0)) < 0)
		return tomo_error(TOMO_ERR,
		                  "cannot read planes %lld..%lld of '%s' in "
		                  "'%s': %s",
		                  (long long)b->z0, (long long)(b->z0 + b->nz - 1), s->dataset,
		                  s->file_name, tomo_hdf5_msg());
	return TOMO_OK;
}

static int
h5_read(struct tomo_input *in, const struct tomo_box *b, float *dst)
{
	return h5_read_as(in, b, H5T_NATIVE_FLOAT, dst);
}

/* The native memory type of our sample type. */
static hid_t
native_type(enum tomo_dtype t)
{
	switch (t) {
	case TOMO_U8: return H5T_NATIVE_UINT8;
	case TOMO_I8: return H5T_NATIVE_INT8;
	case TOMO_U16: return H5T_NATIVE_UINT16;
	case TOMO_I16: return H5T_NATIVE_INT16;
	case TOMO_U32: return H5T_NATIVE_UINT32;
	case TOMO_I32: return H5T_NATIVE_INT32;
	case TOMO_U64: return H5T_NATIVE_UINT64;
	case TOMO_I64: return H5T_NATIVE_INT64;
	case TOMO_F64: return H5T_NATIVE_DOUBLE;
	default: return H5T_NATIVE_FLOAT;
	}
}

/* The stored type: no conversion pass in HDF5 when the file's byte order
 * is the host's (what makes uint16 scans fast). */
static int
h5_read_native(struct tomo_input *in, const struct tomo_box *b, void *dst)
{
	return h5_read_as(in, b, native_type(in->dtype), dst);
}

static void
h5_close(struct tomo_input *in)
{
	tomo_hdf5_quiet();
	h5src_free(in->impl);
}

static const struct tomo_input_ops h5_ops = {h5_read, h5_close};

static int
open_file(struct h5src *s)
{
	struct stat st;
	htri_t is;
	hid_t fapl;
	int fd;

	if ((fd = open(s->file_name, O_RDONLY | O_CLOEXEC)) < 0)
		return tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", s->file_name);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return tomo_error(TOMO_ERR, "'%s' is a directory", s->file_name);
	}
	close(fd);
	if ((fapl = tomo_hdf5_fapl(0)) < 0)
		return tomo_error(TOMO_ERR, "cannot set up HDF5: %s", tomo_hdf5_msg());
#if H5_VERSION_GE(1, 12, 0)
	is = H5Fis_accessible(s->file_name, fapl);
#else
	is = H5Fis_hdf5(s->file_name);
#endif
	if (is == 0) {
		H5Pclose(fapl);
		return tomo_error(TOMO_ERR, "'%s' is not an HDF5 file", s->file_name);
	}
	s->file = H5Fopen(s->file_name, H5F_ACC_RDONLY, fapl);
	if (s->file < 0) {
		int rc = tomo_error(TOMO_ERR,
		                    "cannot open '%s' as HDF5 (damaged or "
		                    "truncated?): %s",
		                    s->file_name, tomo_hdf5_msg());
		H5Pclose(fapl);
		return rc;
	}
	H5Pclose(fapl);
	return TOMO_OK;
}

/* What the pick says about a scan file, for tomo_input_scan: a raw scan's
 * frames are detector counts unless its attributes say otherwise. */
static int
note_scan(struct tomo_input *in, const struct tomo_hdf5_pick *p, const char *dataset)
{
	struct tomo_input_scan *sc = &in->scan;

	if (p->layout == TOMO_SCAN_PLAIN)
		return TOMO_OK;
	if (!(in->scan_dataset = strdup(dataset)))
		return tomo_error(TOMO_ERR, "out of memory");
	sc->layout = tomo_scan_layout_name(p->layout);
	sc->dataset = in->scan_dataset;
	sc->frames = p->frames;
	sc->projections = p->projections;
	sc->flats = p->flats;
	sc->darks = p->darks;
	if (in->hdr.kind == TOMO_KIND_UNKNOWN)
		in->hdr.kind = TOMO_KIND_PROJECTIONS;
	if ((p->flats || p->darks) && (in->hdr.quantity == TOMO_QUANTITY_UNKNOWN ||
	                               in->hdr.quantity == TOMO_QUANTITY_COUNTS)) {
		in->hdr.quantity = TOMO_QUANTITY_COUNTS;
		sc->raw = 1;
	}
	return TOMO_OK;
}

int
tomo_input_open_hdf5(struct tomo_input *in, const char *file, const char *dataset,
                     const struct tomo_input_opts *o)
{
	struct h5src *s = calloc(1, sizeof *s);
	struct tomo_hdf5_pick pick = {0};
	size_t tsize;
	int rc;

	(void)o;
	if (!s)
		return tomo_error(TOMO_ERR, "out of memory");
	s->file = s->ds = -1;
	if (!(s->file_name = strdup(file))) {
		h5src_free(s);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	tomo_hdf5_quiet();
	if ((rc = open_file(s)) ||
	    (rc = tomo_hdf5_pick(s->file, file, dataset && *dataset ? dataset : NULL, &pick)))
		goto fail;
	s->dataset = pick.dataset;
	pick.dataset = NULL;
	if ((s->ds = open_object(s, s->dataset)) < 0) {
		rc = TOMO_ERR;
		goto fail;
	}
	char where[4200];
	snprintf(where, sizeof where, "'%s' in '%s'", s->dataset, s->file_name);
	if ((rc = stored_type(s, &in->dtype, &tsize)) || (rc = shape(s, in->hdr.size)) ||
	    (rc = held(s, &in->hdr, where)) ||
	    (rc = set_chunk_cache(s, in->hdr.size, tsize, in->chunk_cache)) ||
	    (rc = read_theta(s, &in->hdr)))
		goto fail;
	if ((rc = tomo_hdf5_read_header(s->ds, &in->hdr, where)) || (rc = note_scan(in, &pick, s->dataset)))
		goto fail;
	tomo_hdf5_pick_free(&pick);
	in->impl = s;
	in->ops = &h5_ops;
	in->read_native = h5_read_native;
	in->format = "hdf5";
	return TOMO_OK;
fail:
	tomo_hdf5_pick_free(&pick);
	h5src_free(s);
	tomo_header_free(&in->hdr);
	free(in->scan_dataset);
	in->scan_dataset = NULL;
	memset(&in->scan, 0, sizeof in->scan);
	return rc;
}
