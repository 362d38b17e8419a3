/*
 * phantom_scan: a simulated scan of a phantom (counts with flats, darks,
 * Poisson noise, hot pixels, zingers) written as a DXchange or an NXtomo
 * HDF5 file through the HDF5 C API, frame slab by frame slab, into a
 * temporary file renamed into place at the end. The noise of every pixel of
 * every frame comes from its own counter-based stream, so the file does not
 * depend on the thread count. HDF5 is called from one thread only. Its
 * names are tomo_sim_* (tomo/phantom.h); a real scan is read by lib/scan.c.
 */
#include <hdf5.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdf5_common.h"
#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/phantom.h"

/* Streams of the generator: one per frame kind and per fixed pattern. */
enum { S_PROJ = 1, S_FLAT, S_DARK, S_HOT, S_DARKLEVEL };

/* NXtomo's image_key values. */
enum { KEY_PROJ = 0, KEY_FLAT = 1, KEY_DARK = 2 };

/* Hot pixels: about one per 50000 pixels (at least one), 20000..60000
 * counts above the dark level in every frame. Zingers add 2000..20000. */
#define HOT_EVERY   50000
#define HOT_MIN     20000.0
#define HOT_SPAN    40000.0
#define ZINGER_MIN  2000.0
#define ZINGER_SPAN 18000.0

double
tomo_sim_beam(int64_t col, int64_t row, int64_t ncols, int64_t nrows)
{
	/* A broad bump, off-centre horizontally (like a bending-magnet or
	 * undulator beam after optics), with faint horizontal stripes from
	 * the monochromator: 0.68..0.99 of the peak. */
	double u = 2.0 * ((double)col + 0.5) / (double)ncols - 1.0;
	double w = 2.0 * ((double)row + 0.5) / (double)nrows - 1.0;
	double g = exp(-(u - 0.1) * (u - 0.1) / 1.2 - w * w / 2.0);
	return 0.6 + 0.38 * g * (1.0 + 0.02 * sin(2.0 * M_PI * 5.0 * w));
}

double
tomo_sim_dark_level(const struct tomo_sim_scan *s, int64_t col, int64_t row, int64_t ncols)
{
	struct tomo_rng r;
	tomo_rng_seed(&r, s->seed, S_DARKLEVEL, (uint64_t)(row * ncols + col));
	return s->dark * (0.95 + 0.1 * tomo_rng_uniform(&r));
}

struct sim {
	const struct tomo_phantom *p;
	const struct tomo_detector *d;
	const struct tomo_sim_scan *s;
	const double *deg;
	int64_t na, plane, slab;
	double *pb;       /* P b per pixel */
	double *dark;     /* D per pixel */
	float *hot;       /* the hot pixels' extra counts, else 0 */
	float *li;        /* line integrals of a slab of projections */
	uint16_t *buf;    /* a slab of frames */
	const char *path; /* for messages */
	const struct tomo_progress_cb *progress;
	int64_t done, total; /* frames written, of all */
};

static int
sim_init(struct sim *c)
{
	const int64_t nc = c->d->ncols, nr = c->d->nrows;
	const int64_t nhot = c->plane / HOT_EVERY > 0 ? c->plane / HOT_EVERY : 1;

	c->pb = malloc((size_t)c->plane * sizeof *c->pb);
	c->dark = malloc((size_t)c->plane * sizeof *c->dark);
	c->hot = calloc((size_t)c->plane, sizeof *c->hot);
	c->li = malloc((size_t)(c->slab * c->plane) * sizeof *c->li);
	c->buf = malloc((size_t)(c->slab * c->plane) * sizeof *c->buf);
	if (!c->pb || !c->dark || !c->hot || !c->li || !c->buf)
		return tomo_error(TOMO_ERR, "out of memory for a slab of %lld frames",
		                  (long long)c->slab);
#pragma omp parallel for schedule(static)
	for (int64_t px = 0; px < c->plane; px++) {
		c->pb[px] = c->s->photons * tomo_sim_beam(px % nc, px / nc, nc, nr);
		c->dark[px] = tomo_sim_dark_level(c->s, px % nc, px / nc, nc);
	}
	for (int64_t j = 0; j < nhot; j++) {
		struct tomo_rng r;
		tomo_rng_seed(&r, c->s->seed, S_HOT, (uint64_t)j);
		int64_t px = (int64_t)(tomo_rng_next(&r) % (uint64_t)c->plane);
		c->hot[px] = (float)(HOT_MIN + HOT_SPAN * tomo_rng_uniform(&r));
	}
	return TOMO_OK;
}

static void
sim_free(struct sim *c)
{
	free(c->pb);
	free(c->dark);
	free(c->hot);
	free(c->li);
	free(c->buf);
}

/* Frames index0..index0+n of one kind into c->buf (projections read their
 * line integrals from c->li). */
static void
make_frames(struct sim *c, int kind, int64_t index0, int64_t n)
{
	const struct tomo_sim_scan *s = c->s;
	const int64_t plane = c->plane;

#pragma omp parallel for schedule(static)
	for (int64_t fp = 0; fp < n * plane; fp++) {
		int64_t f = fp / plane, px = fp % plane;
		struct tomo_rng r;
		double count = 0;

		tomo_rng_seed(&r, s->seed, ((uint64_t)kind << 48) + (uint64_t)(index0 + f),
		              (uint64_t)px);
		if (kind != S_DARK) {
			double mean = c->pb[px];
			if (kind == S_PROJ)
				mean *= exp(-s->mu * (double)c->li[fp]);
			count += tomo_rng_poisson(&r, mean);
		}
		count += tomo_rng_poisson(&r, c->dark[px]);
		if (c->hot[px] > 0)
			count += tomo_rng_poisson(&r, c->hot[px]);
		if (kind != S_DARK && s->zingers > 0 && tomo_rng_uniform(&r) < s->zingers)
			count += floor(ZINGER_MIN + ZINGER_SPAN * tomo_rng_uniform(&r));
		c->buf[fp] = count > 65535 ? 65535 : (uint16_t)count;
	}
}

/* --- HDF5 helpers: each returns < 0 after setting the error message. --- */

/* Call right after the failing HDF5 call, before any other: HDF5 clears
 * its error stack at every call. */
static int
h5fail(const struct sim *c, const char *what)
{
	return -tomo_error(TOMO_ERR, "cannot write '%s': HDF5 failed to %s: %s", c->path, what,
	                   tomo_hdf5_msg());
}

static hid_t
str_type(const char *v)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	if (t >= 0 &&
	    (H5Tset_size(t, strlen(v) + 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0)) {
		H5Tclose(t);
		return -1;
	}
	return t;
}

/* String attributes as the rest of libtomo writes them (UTF-8). */
static int
attr_str(const struct sim *c, hid_t loc, const char *name, const char *v)
{
	return tomo_hdf5_put_string(loc, name, v) < 0 ? h5fail(c, "write an attribute") : 0;
}

/* A scalar number: file type ftype, memory type mtype. */
static int
attr_num(const struct sim *c, hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
	hid_t sp = H5Screate(H5S_SCALAR), a = -1;
	int rc = sp >= 0 && (a = H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
	                         H5Awrite(a, mtype, v) >= 0
	                 ? 0
	                 : h5fail(c, "write an attribute");
	if (a >= 0)
		H5Aclose(a);
	if (sp >= 0)
		H5Sclose(sp);
	return rc;
}

static int
attr_double(const struct sim *c, hid_t loc, const char *name, double v)
{
	return attr_num(c, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

static int
dset_str(const struct sim *c, hid_t loc, const char *name, const char *v)
{
	hid_t t = str_type(v), sp = H5Screate(H5S_SCALAR), ds = -1;
	int rc = t >= 0 && sp >= 0 &&
	                         (ds = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT,
	                                          H5P_DEFAULT)) >= 0 &&
	                         H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0
	                 ? 0
	                 : h5fail(c, "write a string");
	if (ds >= 0)
		H5Dclose(ds);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	return rc;
}

/* A 1D dataset of n values (file type ftype, memory type mtype). */
static hid_t
dset_1d(const struct sim *c, hid_t loc, const char *name, hid_t ftype, hid_t mtype, int64_t n,
        const void *v)
{
	hsize_t dim = (hsize_t)n;
	hid_t sp = H5Screate_simple(1, &dim, NULL), ds = -1;

	if (sp >= 0)
		ds = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (ds < 0 || (n > 0 && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)) {
		h5fail(c, "write a dataset");
		if (ds >= 0)
			H5Dclose(ds);
		ds = -1;
	}
	if (sp >= 0)
		H5Sclose(sp);
	return ds;
}

/* A uint16 [n][rows][cols] dataset chunked by frame. */
static hid_t
dset_frames(const struct sim *c, hid_t loc, const char *name, int64_t n)
{
	hsize_t dims[3] = {(hsize_t)n, (hsize_t)c->d->nrows, (hsize_t)c->d->ncols};
	/* HDF5 chunks stay below 4 GiB: a frame's rows, fewer if it is huge. */
	hsize_t rows = (hsize_t)((1LL << 30) / (2 * c->d->ncols));
	hsize_t chunk[3] = {1, dims[1] < rows ? dims[1] : rows, dims[2]};
	hid_t sp = H5Screate_simple(3, dims, NULL), pl = H5Pcreate(H5P_DATASET_CREATE);
	hid_t ds = -1;

	/* Every frame is written whole: no fill values first. */
	if (sp >= 0 && pl >= 0 &&
	    (n == 0 ||
	     (H5Pset_chunk(pl, 3, chunk) >= 0 && H5Pset_fill_time(pl, H5D_FILL_TIME_NEVER) >= 0)))
		ds = H5Dcreate2(loc, name, H5T_STD_U16LE, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
	if (ds < 0)
		h5fail(c, "create a dataset");
	if (pl >= 0)
		H5Pclose(pl);
	if (sp >= 0)
		H5Sclose(sp);
	return ds;
}

static hid_t
group(const struct sim *c, hid_t loc, const char *name, const char *nxclass)
{
	hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (g < 0) {
		h5fail(c, "create a group");
		return -1;
	}
	if (nxclass && attr_str(c, g, "NX_class", nxclass) < 0) {
		H5Gclose(g);
		return -1;
	}
	return g;
}

static int
write_slab(const struct sim *c, hid_t ds, int64_t at, int64_t n)
{
	hsize_t start[3] = {(hsize_t)at, 0, 0};
	hsize_t count[3] = {(hsize_t)n, (hsize_t)c->d->nrows, (hsize_t)c->d->ncols};
	hid_t fs = H5Dget_space(ds), ms = H5Screate_simple(3, count, NULL);
	int rc = fs >= 0 && ms >= 0 &&
	                         H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count,
	                                             NULL) >= 0 &&
	                         H5Dwrite(ds, H5T_NATIVE_UINT16, ms, fs, H5P_DEFAULT, c->buf) >= 0
	                 ? 0
	                 : h5fail(c, "write frames");
	if (ms >= 0)
		H5Sclose(ms);
	if (fs >= 0)
		H5Sclose(fs);
	return rc;
}

/* Frames index0..index0+n of a kind into ds from frame at, slab by slab. */
static int
write_frames(struct sim *c, hid_t ds, int64_t at, int kind, int64_t index0, int64_t n)
{
	for (int64_t i = 0; i < n; i += c->slab) {
		int64_t m = i + c->slab > n ? n - i : c->slab;
		if (kind == S_PROJ &&
		    tomo_phantom_project(c->p, c->d, c->deg + index0 + i, m, c->li))
			return -1;
		make_frames(c, kind, index0 + i, m);
		if (write_slab(c, ds, at + i, m) < 0)
			return -1;
		c->done += m;
		tomo_progress_report(c->progress, c->done, c->total);
	}
	return 0;
}

/* What a reader needs to compare a reconstruction with the phantom. */
static int
write_provenance(const struct sim *c, hid_t root)
{
	const struct tomo_sim_scan *s = c->s;
	if (attr_str(c, root, "tomo_phantom", s->phantom ? s->phantom : "") < 0 ||
	    attr_double(c, root, "tomo_phantom_mu", s->mu) < 0 ||
	    attr_double(c, root, "tomo_phantom_photons", s->photons) < 0 ||
	    attr_double(c, root, "tomo_phantom_dark", s->dark) < 0 ||
	    attr_num(c, root, "tomo_phantom_seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &s->seed) <
	            0 ||
	    attr_double(c, root, "tomo_center", c->d->center) < 0)
		return -1;
	return 0;
}

/* The stream's keys as libtomo's HDF5 reader takes them (counts, the
 * axis, and for projections-only datasets the angles and kind), so that
 * the tools read the scan with its metadata. */
static int
write_keys(const struct sim *c, hid_t ds, enum tomo_kind kind)
{
	struct tomo_header h;
	int rc;

	tomo_header_init(&h);
	h.kind = kind;
	h.quantity = TOMO_QUANTITY_COUNTS;
	h.center = c->d->center;
	rc = kind == TOMO_KIND_PROJECTIONS ? tomo_header_set_angles(&h, c->deg, c->na) : TOMO_OK;
	if (rc == TOMO_OK)
		rc = tomo_hdf5_write_header(ds, &h, c->path);
	tomo_header_free(&h);
	return rc ? -1 : 0;
}

static int
write_dxchange(struct sim *c, hid_t file)
{
	const struct tomo_sim_scan *s = c->s;
	hid_t ex, data = -1, white = -1, dark = -1, theta = -1;
	int rc = -1;

	if (dset_str(c, file, "implements", "exchange") < 0 || write_provenance(c, file) < 0)
		return -1;
	if ((ex = group(c, file, "exchange", NULL)) < 0)
		return -1;
	if ((data = dset_frames(c, ex, "data", c->na)) < 0 ||
	    (white = dset_frames(c, ex, "data_white", s->flats)) < 0 ||
	    (dark = dset_frames(c, ex, "data_dark", s->darks)) < 0 ||
	    (theta = dset_1d(c, ex, "theta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, c->na, c->deg)) <
	            0 ||
	    attr_str(c, theta, "units", "degrees") < 0 ||
	    write_keys(c, data, TOMO_KIND_PROJECTIONS) < 0 ||
	    attr_str(c, data, "axes", "theta:y:x") < 0 || attr_str(c, data, "units", "counts") < 0)
		goto done;
	if (write_frames(c, dark, 0, S_DARK, 0, s->darks) < 0 ||
	    write_frames(c, white, 0, S_FLAT, 0, s->flats) < 0 ||
	    write_frames(c, data, 0, S_PROJ, 0, c->na) < 0)
		goto done;
	rc = 0;
done:
	if (theta >= 0)
		H5Dclose(theta);
	if (dark >= 0)
		H5Dclose(dark);
	if (white >= 0)
		H5Dclose(white);
	if (data >= 0)
		H5Dclose(data);
	H5Gclose(ex);
	return rc;
}

/* NXtomo frames: darks, the first half of the flats, the projections, the
 * rest of the flats (flats before and after, as real scans take them). */
static int
write_nxtomo(struct sim *c, hid_t file)
{
	const struct tomo_sim_scan *s = c->s;
	const int64_t nd = s->darks, nf1 = (s->flats + 1) / 2, nf2 = s->flats - nf1;
	const int64_t na = c->na, total = nd + nf1 + na + nf2;
	hid_t g[5] = {-1, -1, -1, -1, -1}; /* entry, instrument, detector, sample, data */
	hid_t data = -1, key = -1, rot = -1;
	int32_t *keys = malloc((size_t)(total > 0 ? total : 1) * sizeof *keys);
	double *ang = malloc((size_t)(total > 0 ? total : 1) * sizeof *ang);
	int rc = -1;

	if (!keys || !ang) {
		tomo_error(TOMO_ERR, "out of memory");
		goto done;
	}
	for (int64_t i = 0; i < total; i++) {
		if (i < nd)
			keys[i] = KEY_DARK, ang[i] = c->deg[0];
		else if (i < nd + nf1)
			keys[i] = KEY_FLAT, ang[i] = c->deg[0];
		else if (i < nd + nf1 + na)
			keys[i] = KEY_PROJ, ang[i] = c->deg[i - nd - nf1];
		else
			keys[i] = KEY_FLAT, ang[i] = c->deg[na - 1];
	}
	if (attr_str(c, file, "default", "entry") < 0 || write_provenance(c, file) < 0)
		goto done;
	if ((g[0] = group(c, file, "entry", "NXentry")) < 0 ||
	    attr_str(c, g[0], "default", "data") < 0 ||
	    dset_str(c, g[0], "definition", "NXtomo") < 0 ||
	    dset_str(c, g[0], "title", "tomo-phantom simulated scan") < 0 ||
	    (g[1] = group(c, g[0], "instrument", "NXinstrument")) < 0 ||
	    (g[2] = group(c, g[1], "detector", "NXdetector")) < 0 ||
	    (g[3] = group(c, g[0], "sample", "NXsample")) < 0 ||
	    dset_str(c, g[3], "name", s->phantom ? s->phantom : "phantom") < 0 ||
	    (g[4] = group(c, g[0], "data", "NXdata")) < 0 ||
	    attr_str(c, g[4], "signal", "data") < 0)
		goto done;
	if ((data = dset_frames(c, g[2], "data", total)) < 0 ||
	    write_keys(c, data, TOMO_KIND_UNKNOWN) < 0 ||
	    attr_str(c, data, "interpretation", "image") < 0 ||
	    attr_str(c, data, "units", "counts") < 0 ||
	    (key = dset_1d(c, g[2], "image_key", H5T_STD_I32LE, H5T_NATIVE_INT32, total, keys)) <
	            0 ||
	    (rot = dset_1d(c, g[3], "rotation_angle", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, total,
	                   ang)) < 0 ||
	    attr_str(c, rot, "units", "degree") < 0)
		goto done;
	if (H5Lcreate_hard(g[2], "data", g[4], "data", H5P_DEFAULT, H5P_DEFAULT) < 0 ||
	    H5Lcreate_hard(g[2], "image_key", g[4], "image_key", H5P_DEFAULT, H5P_DEFAULT) < 0 ||
	    H5Lcreate_hard(g[3], "rotation_angle", g[4], "rotation_angle", H5P_DEFAULT,
	                   H5P_DEFAULT) < 0) {
		h5fail(c, "link into /entry/data");
		goto done;
	}
	if (write_frames(c, data, 0, S_DARK, 0, nd) < 0 ||
	    write_frames(c, data, nd, S_FLAT, 0, nf1) < 0 ||
	    write_frames(c, data, nd + nf1, S_PROJ, 0, na) < 0 ||
	    write_frames(c, data, nd + nf1 + na, S_FLAT, nf1, nf2) < 0)
		goto done;
	rc = 0;
done:
	if (rot >= 0)
		H5Dclose(rot);
	if (key >= 0)
		H5Dclose(key);
	if (data >= 0)
		H5Dclose(data);
	for (int i = 4; i >= 0; i--)
		if (g[i] >= 0)
			H5Gclose(g[i]);
	free(keys);
	free(ang);
	return rc;
}

int
tomo_sim_scan_write(const struct tomo_phantom *p, const struct tomo_detector *d, const double *deg,
                    int64_t na, const struct tomo_sim_scan *s, const char *path, int64_t memory,
                    const struct tomo_progress_cb *progress)
{
	struct sim c = {
		.p = p, .d = d, .s = s, .deg = deg, .na = na, .path = path, .progress = progress};
	char *tmp = NULL;
	int fd, rc;
	hid_t file, fapl;
	int64_t budget = memory / 2 > (64LL << 20) ? (64LL << 20) : memory / 2;

	if (na < 1)
		return tomo_error(TOMO_ERR, "a scan needs at least one angle");
	c.plane = d->ncols * d->nrows;
	c.total = na + s->flats + s->darks;
	/* The fixed per-pixel tables (P b, D, hot) come off the budget. */
	budget -= c.plane * 20;
	c.slab = tomo_slab_planes(c.plane * 6, budget, na);
	if ((rc = sim_init(&c)))
		goto out;
	if ((rc = tomo_output_temp_create(path, &tmp, &fd)))
		goto out;
	close(fd);
	/* Our messages, not HDF5's error stack on stderr. */
	tomo_hdf5_quiet();
	fapl = tomo_hdf5_fapl(1);
	file = fapl < 0 ? -1 : H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	if (file < 0) {
		rc = tomo_error(TOMO_ERR, "cannot create '%s': %s", path, tomo_hdf5_msg());
	} else {
		rc = (s->nexus ? write_nxtomo(&c, file) : write_dxchange(&c, file)) < 0 ? TOMO_ERR
		                                                                        : TOMO_OK;
		if (H5Fclose(file) < 0 && rc == TOMO_OK)
			rc = tomo_error(TOMO_ERR, "cannot write '%s': %s", path, tomo_hdf5_msg());
	}
	if (fapl >= 0)
		H5Pclose(fapl);
	if (rc == TOMO_OK)
		rc = tomo_output_temp_commit(tmp, path);
	else
		tomo_output_temp_discard(tmp);
out:
	sim_free(&c);
	return rc;
}
