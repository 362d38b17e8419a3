/*
 * output_hdf5: write one float32 dataset (z, y, x) of a new HDF5 file,
 * chunked by whole rows of a plane (about 1 MiB), planes in any order as
 * hyperslabs. The header goes into the dataset's attributes
 * (hdf5_common.h); a dataset named /exchange/data also gets DXchange's
 * /exchange/theta, so TomoPy and dxchange read the angles.
 */
#include <stdlib.h>
#include <string.h>

#include "hdf5_common.h"
#include "io_impl.h"
#include "tomo/err.h"

#define CHUNK_BYTES ((int64_t)1 << 20)

struct h5out {
	hid_t file, ds;
};

static int
fail(struct tomo_output *o, const char *what)
{
	return tomo_error(TOMO_ERR, "cannot write '%s' (%s): %s", tomo_output_name(o), what,
	                  tomo_hdf5_msg());
}

static int
h5_write(struct tomo_output *o, const struct tomo_box *b, const float *data)
{
	struct h5out *h = o->impl;
	const hsize_t start[3] = {(hsize_t)b->z0, (hsize_t)b->y0, (hsize_t)b->x0};
	const hsize_t count[3] = {(hsize_t)b->nz, (hsize_t)b->ny, (hsize_t)b->nx};

	tomo_hdf5_quiet();
	/* HDF5 only reads the buffer when writing. */
	if (tomo_hdf5_slab(h->ds, 3, start, count, (float *)data, 1) < 0)
		return fail(o, "planes");
	return TOMO_OK;
}

static int
h5_commit(struct tomo_output *o)
{
	struct h5out *h = o->impl;
	int rc = TOMO_OK;

	tomo_hdf5_quiet();
	/* Closing the file writes the metadata: a full disk shows here. */
	if (H5Dclose(h->ds) < 0)
		rc = fail(o, "closing the dataset");
	if (H5Fclose(h->file) < 0 && rc == TOMO_OK)
		rc = fail(o, "closing the file");
	free(h);
	o->impl = NULL;
	if (rc) {
		tomo_output_file_abort(o);
		return rc;
	}
	return tomo_output_file_commit(o);
}

static void
h5_abort(struct tomo_output *o)
{
	struct h5out *h = o->impl;

	if (h) {
		tomo_hdf5_quiet();
		if (h->ds >= 0)
			H5Dclose(h->ds);
		if (h->file >= 0)
			H5Fclose(h->file);
		free(h);
		o->impl = NULL;
	}
	tomo_output_file_abort(o);
}

static const struct tomo_output_ops h5_ops = {h5_write, h5_commit, h5_abort};

/* DXchange readers find the angles of /exchange/data in /exchange/theta. */
static int
write_theta(struct tomo_output *o, struct h5out *h)
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
	t = H5Dcreate2(h->file, "/exchange/theta", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
	               H5P_DEFAULT);
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

/* Chunks of whole rows of one plane, about CHUNK_BYTES (or one plane). */
static hid_t
make_dcpl(const int64_t size[3])
{
	int64_t rows = CHUNK_BYTES / (size[0] * 4);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);

	if (rows < 1)
		rows = 1;
	if (rows > size[1])
		rows = size[1];
	hsize_t chunk[3] = {1, (hsize_t)rows, (hsize_t)size[0]};
	/* Every plane gets written (the front checks): no fill values; keep the
	 * attributes' order (the key/values' order). */
	if (dcpl < 0 || H5Pset_chunk(dcpl, 3, chunk) < 0 ||
	    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 ||
	    H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
		if (dcpl >= 0)
			H5Pclose(dcpl);
		return -1;
	}
	return dcpl;
}

static int
create(struct tomo_output *o, struct h5out *h)
{
	const hsize_t dims[3] = {(hsize_t)o->hdr.size[2], (hsize_t)o->hdr.size[1],
	                         (hsize_t)o->hdr.size[0]};
	hid_t fapl = -1, lcpl = -1, dcpl = -1, dapl = -1, sp = -1;
	int rc = TOMO_OK;

	if ((fapl = tomo_hdf5_fapl(1)) < 0)
		return fail(o, "file access");
	h->file = H5Fcreate(o->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	H5Pclose(fapl);
	if (h->file < 0)
		return fail(o, "creating the file");
	/* Whole planes are written at once, so they bypass a chunk cache: none
	 * saves a copy. */
	if ((lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0 ||
	    H5Pset_create_intermediate_group(lcpl, 1) < 0 || (dcpl = make_dcpl(o->hdr.size)) < 0 ||
	    (dapl = H5Pcreate(H5P_DATASET_ACCESS)) < 0 ||
	    H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0,
	                       H5D_CHUNK_CACHE_W0_DEFAULT) < 0 ||
	    (sp = H5Screate_simple(3, dims, NULL)) < 0 ||
	    (h->ds = H5Dcreate2(h->file, o->dataset, H5T_IEEE_F32LE, sp, lcpl, dcpl, dapl)) < 0)
		rc = tomo_error(TOMO_ERR, "cannot create dataset '%s' in '%s': %s", o->dataset,
		                tomo_output_name(o), tomo_hdf5_msg());
	if (sp >= 0)
		H5Sclose(sp);
	if (dapl >= 0)
		H5Pclose(dapl);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (lcpl >= 0)
		H5Pclose(lcpl);
	if (rc == TOMO_OK)
		rc = tomo_hdf5_write_header(h->ds, &o->hdr, tomo_output_name(o));
	if (rc == TOMO_OK)
		rc = write_theta(o, h);
	return rc;
}

int
tomo_output_open_hdf5(struct tomo_output *o)
{
	struct h5out *h;
	int rc;

	/* HDF5 writes its file by name, with seeks: it needs a regular file. */
	if (o->target != TOMO_TARGET_FILE)
		return tomo_error(TOMO_ERR,
		                  "'%s': HDF5 output needs a regular file, "
		                  "not a device or FIFO",
		                  tomo_output_name(o));
	if ((rc = tomo_output_file_open(o)))
		return rc;
	if (!(h = malloc(sizeof *h))) {
		tomo_output_file_abort(o);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	h->file = h->ds = -1;
	tomo_hdf5_quiet();
	o->impl = h;
	if ((rc = create(o, h))) {
		h5_abort(o);
		return rc;
	}
	o->ops = &h5_ops;
	return TOMO_OK;
}
