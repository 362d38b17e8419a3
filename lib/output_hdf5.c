/*
 * output_hdf5: one float32 dataset (z, y, x) of a new HDF5 file. HDF5 makes
 * the file's skeleton: the dataset contiguous and allocated at once (its
 * samples not written), the header in its attributes (hdf5_common.h), and,
 * for a dataset named /exchange/data, DXchange's /exchange/theta so that
 * TomoPy and dxchange read the angles; no object records a time, so the
 * same output makes the same bytes. The samples are then written at the
 * dataset's offset by output_raw.c's array writer (pwrite), which lets the
 * parts of one output be written by several processes at once without
 * opening the file through HDF5 (which allows one writer).
 */
#include <stdlib.h>
#include <string.h>

#include "hdf5_common.h"
#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/nrrd.h"

static int
fail(struct tomo_output *o, const char *what)
{
	return tomo_error(TOMO_ERR, "cannot write '%s' (%s): %s", tomo_output_name(o), what,
	                  tomo_hdf5_msg());
}

/* DXchange readers find the angles of /exchange/data in /exchange/theta. */
static int
write_theta(struct tomo_output *o, hid_t file, hid_t dcpl)
{
	const char *p = o->dataset;
	hsize_t n = (hsize_t)o->hdr.nangles;
	hid_t sp, t;
	herr_t e;

	while (*p == '/')
		p++;
	if (strcmp(p, "exchange/data") || !n)
		return TOMO_OK;
	if ((sp = H5Screate_simple(1, &n, NULL)) < 0)
		return fail(o, "/exchange/theta");
	t = H5Dcreate2(file, "/exchange/theta", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	H5Sclose(sp);
	if (t < 0)
		return fail(o, "/exchange/theta");
	e = H5Dwrite(t, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, o->hdr.angles);
	/* Units as an attribute, as DXchange has them. */
	if (e >= 0 && tomo_hdf5_put_string(t, "units", "degrees"))
		e = -1;
	if (H5Dclose(t) < 0 || e < 0)
		return fail(o, "/exchange/theta");
	return TOMO_OK;
}

/* The groups above the dataset, made here rather than as HDF5's
 * intermediate groups, which would record their creation time. */
static int
make_groups(struct tomo_output *o, hid_t file, hid_t gcpl)
{
	char *p = strdup(o->dataset);
	int rc = TOMO_OK;

	if (!p)
		return tomo_error(TOMO_ERR, "out of memory");
	for (char *s = strchr(p + 1, '/'); s && rc == TOMO_OK; s = strchr(s + 1, '/')) {
		*s = 0;
		htri_t e = H5Lexists(file, p, H5P_DEFAULT);
		hid_t g = e == 0 ? H5Gcreate2(file, p, H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
		if (e < 0 || (e == 0 && g < 0))
			rc = tomo_error(TOMO_ERR, "cannot create group '%s' in '%s': %s", p,
			                tomo_output_name(o), tomo_hdf5_msg());
		if (g >= 0)
			H5Gclose(g);
		*s = '/';
	}
	free(p);
	return rc;
}

/* The dataset's creation properties: contiguous, its space allocated at
 * creation and never filled (every sample gets written), no times, the
 * attributes in the order of the key/values. */
static hid_t
make_dcpl(void)
{
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);

	if (dcpl < 0 || H5Pset_layout(dcpl, H5D_CONTIGUOUS) < 0 ||
	    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0 ||
	    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 || H5Pset_obj_track_times(dcpl, 0) < 0 ||
	    H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
		if (dcpl >= 0)
			H5Pclose(dcpl);
		return -1;
	}
	return dcpl;
}

/* The dataset and its metadata in file; *offset: where its samples go. */
static int
make_dataset(struct tomo_output *o, hid_t file, int64_t *offset)
{
	const hsize_t dims[3] = {(hsize_t)o->hdr.size[2], (hsize_t)o->hdr.size[1],
	                         (hsize_t)o->hdr.size[0]};
	hid_t gcpl = -1, dcpl = -1, sp = -1, ds = -1;
	int rc = TOMO_OK;

	if ((gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
	    (dcpl = make_dcpl()) < 0)
		rc = fail(o, "properties");
	if (rc == TOMO_OK)
		rc = make_groups(o, file, gcpl);
	if (rc == TOMO_OK && ((sp = H5Screate_simple(3, dims, NULL)) < 0 ||
	                      (ds = H5Dcreate2(file, o->dataset, H5T_IEEE_F32LE, sp, H5P_DEFAULT,
	                                       dcpl, H5P_DEFAULT)) < 0))
		rc = tomo_error(TOMO_ERR, "cannot create dataset '%s' in '%s': %s", o->dataset,
		                tomo_output_name(o), tomo_hdf5_msg());
	if (rc == TOMO_OK)
		rc = tomo_hdf5_write_header(ds, &o->hdr, tomo_output_name(o));
	if (rc == TOMO_OK)
		rc = write_theta(o, file, dcpl);
	if (rc == TOMO_OK) {
		haddr_t a = H5Dget_offset(ds);
		if (a == HADDR_UNDEF)
			rc = fail(o, "the dataset's place");
		*offset = (int64_t)a;
	}
	if (ds >= 0 && H5Dclose(ds) < 0 && rc == TOMO_OK)
		rc = fail(o, "closing the dataset");
	if (sp >= 0)
		H5Sclose(sp);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (gcpl >= 0)
		H5Pclose(gcpl);
	return rc;
}

/* The whole file but its samples, into the new file tmp (fd, which HDF5
 * truncates and writes by name: the same file). */
static int
h5_make(struct tomo_output *o, void *ctx, int fd, const char *tmp, int64_t *data_offset)
{
	hid_t fapl, fcpl, file;
	int rc;

	(void)ctx;
	(void)fd;
	tomo_hdf5_quiet();
	fapl = tomo_hdf5_fapl(1);
	fcpl = H5Pcreate(H5P_FILE_CREATE);
	/* The root group records no time either. */
	if (fapl < 0 || fcpl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0) {
		rc = fail(o, "file access");
		file = -1;
	} else if ((file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl)) < 0) {
		rc = fail(o, "creating the file");
	} else {
		rc = make_dataset(o, file, data_offset);
	}
	if (fcpl >= 0)
		H5Pclose(fcpl);
	if (fapl >= 0)
		H5Pclose(fapl);
	/* Closing the file writes the metadata: a full disk shows here. */
	if (file >= 0 && H5Fclose(file) < 0 && rc == TOMO_OK)
		rc = fail(o, "closing the file");
	return rc;
}

/* The existing file holds this dataset, float32, contiguous, allocated,
 * with this header. */
static int
check_dataset(struct tomo_output *o, hid_t file, int64_t *data_offset)
{
	const int64_t *s = o->hdr.size;
	struct tomo_header h;
	hsize_t dims[3] = {0};
	hid_t ds = -1, type = -1, dcpl = -1;
	int rank = 0, rc = TOMO_OK;
	char where[4200];

	tomo_header_init(&h);
	if (!tomo_hdf5_resolves(file, o->dataset) ||
	    (ds = H5Dopen2(file, o->dataset, H5P_DEFAULT)) < 0) {
		rc = tomo_error(TOMO_ERR,
		                "'%s' exists without a dataset '%s' (remove it to start anew)",
		                o->path, o->dataset);
		goto out;
	}
	hid_t sp = H5Dget_space(ds);
	rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
	if (rank == 3)
		H5Sget_simple_extent_dims(sp, dims, NULL);
	if (sp >= 0)
		H5Sclose(sp);
	if (rank != 3 || dims[0] != (hsize_t)s[2] || dims[1] != (hsize_t)s[1] ||
	    dims[2] != (hsize_t)s[0]) {
		rc = tomo_error(TOMO_ERR,
		                "'%s' exists and its dataset '%s' is %lld x %lld x %lld (z, y, x), "
		                "not %lld x %lld x %lld (remove it to start anew)",
		                o->path, o->dataset, (long long)dims[0], (long long)dims[1],
		                (long long)dims[2], (long long)s[2], (long long)s[1], (long long)s[0]);
		goto out;
	}
	type = H5Dget_type(ds);
	dcpl = H5Dget_create_plist(ds);
	haddr_t a = H5Dget_offset(ds);
	if (type < 0 || H5Tequal(type, H5T_IEEE_F32LE) <= 0 || dcpl < 0 ||
	    H5Pget_layout(dcpl) != H5D_CONTIGUOUS || a == HADDR_UNDEF) {
		rc = tomo_error(TOMO_ERR,
		                "'%s' exists and its dataset '%s' is not a float32 one that tomo "
		                "writes in parts (remove it to start anew)",
		                o->path, o->dataset);
		goto out;
	}
	*data_offset = (int64_t)a;
	/* The header as the attributes hold it, against ours, as NRRD text. */
	memcpy(h.size, s, sizeof h.size);
	snprintf(where, sizeof where, "'%s' in '%s'", o->dataset, o->path);
	char *want = NULL, *have = NULL;
	size_t wlen, hlen;
	if ((rc = tomo_hdf5_read_header(ds, &h, where)) == TOMO_OK &&
	    (rc = tomo_nrrd_format(&o->hdr, &want, &wlen)) == TOMO_OK &&
	    (rc = tomo_nrrd_format(&h, &have, &hlen)) == TOMO_OK &&
	    (wlen != hlen || memcmp(want, have, wlen)))
		rc = tomo_output_header_differs(o, want, wlen, have, hlen);
	free(want);
	free(have);
out:
	tomo_header_free(&h);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (type >= 0)
		H5Tclose(type);
	if (ds >= 0)
		H5Dclose(ds);
	return rc;
}

static int
h5_check(struct tomo_output *o, void *ctx, int fd, int64_t *data_offset)
{
	hid_t fapl, file;
	int rc;

	(void)ctx;
	(void)fd;
	tomo_hdf5_quiet();
	if ((fapl = tomo_hdf5_fapl(0)) < 0)
		return fail(o, "file access");
	file = H5Fopen(o->path, H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	if (file < 0)
		return tomo_error(TOMO_ERR,
		                  "'%s' exists and is not an HDF5 file that HDF5 opens (%s); remove "
		                  "it to start anew",
		                  o->path, tomo_hdf5_msg());
	rc = check_dataset(o, file, data_offset);
	H5Fclose(file);
	return rc;
}

int
tomo_output_open_hdf5(struct tomo_output *o)
{
	const struct tomo_output_skeleton sk = {h5_make, h5_check, NULL};
	int64_t offset = 0;
	int rc;

	/* HDF5 writes its file by name, with seeks: it needs a regular file. */
	if (o->target != TOMO_TARGET_FILE)
		return tomo_error(TOMO_ERR,
		                  "'%s': HDF5 output needs a regular file, "
		                  "not a device or FIFO",
		                  tomo_output_name(o));
	if (o->in_place)
		rc = tomo_output_file_shared(o, &sk, &offset);
	else if ((rc = tomo_output_file_open(o)) == TOMO_OK)
		rc = h5_make(o, NULL, o->fd, o->tmp, &offset);
	if (rc == TOMO_OK)
		rc = tomo_output_use_array(o, offset);
	if (rc)
		tomo_output_file_abort(o);
	return rc;
}
