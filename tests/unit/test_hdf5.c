/* Unit tests of the HDF5 back-ends (lib/input_hdf5.c, lib/output_hdf5.c)
 * and of the chain NRRD -> TIFF -> HDF5 -> NRRD: files made here with the
 * HDF5 API (every sample type, both byte orders, chunked and compressed,
 * ranks 1-3, DXchange angles, external links) and every refusal. */
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "tomo/err.h"
#include "tomo/io.h"
#include "tomo/nrrd.h"
#include "unit.h"

#define path unit_path

static char *
spec(const char *file, const char *dataset)
{
	static char s[4][700];
	static int i;
	i = (i + 1) % 4;
	snprintf(s[i], sizeof s[i], "%s:%s", path(file), dataset);
	return s[i];
}

/* A value per sample that another width, sign or byte order would change. */
static double
value(int t, int64_t k)
{
	switch (t) {
	case 0: return (double)(k % 251);               /* u8 */
	case 1: return (double)(k % 251 - 125);         /* i8 */
	case 2: return (double)(k * 7 % 65521);         /* u16 */
	case 3: return (double)(k * 7 % 65521 - 32760); /* i16 */
	case 4: return 3000000000.0 + (double)k;        /* u32 */
	case 5: return -2000000000.0 + 3.0 * (double)k; /* i32 */
	case 6: return 1e19 + 4096.0 * (double)k;       /* u64 */
	case 7: return -1e15 + (double)k;               /* i64 */
	case 8: return (double)k * 0.25 - 1000.5;       /* f32 */
	default: return (double)k * 1e-3 - 7.123456789; /* f64 */
	}
}

/* File types (little endian, then big endian) and our names for them. */
static hid_t
file_type(int t, int be)
{
	static const hid_t *le[] = {&H5T_STD_U8LE_g,  &H5T_STD_I8LE_g,  &H5T_STD_U16LE_g,
	                            &H5T_STD_I16LE_g, &H5T_STD_U32LE_g, &H5T_STD_I32LE_g,
	                            &H5T_STD_U64LE_g, &H5T_STD_I64LE_g, &H5T_IEEE_F32LE_g,
	                            &H5T_IEEE_F64LE_g};
	static const hid_t *bes[] = {&H5T_STD_U8BE_g,  &H5T_STD_I8BE_g,  &H5T_STD_U16BE_g,
	                             &H5T_STD_I16BE_g, &H5T_STD_U32BE_g, &H5T_STD_I32BE_g,
	                             &H5T_STD_U64BE_g, &H5T_STD_I64BE_g, &H5T_IEEE_F32BE_g,
	                             &H5T_IEEE_F64BE_g};
	H5open();
	return be ? *bes[t] : *le[t];
}

static const enum tomo_dtype our_type[] = {TOMO_U8,  TOMO_I8,  TOMO_U16, TOMO_I16, TOMO_U32,
                                           TOMO_I32, TOMO_U64, TOMO_I64, TOMO_F32, TOMO_F64};

/* A dataset of rank r and dims d (C order) holding value(t, k) as type t;
 * chunk (rank r) compresses it with deflate when given. */
static void
make_dataset(hid_t f, const char *name, int t, int be, int r, const hsize_t *d,
             const hsize_t *chunk)
{
	hsize_t n = 1;
	for (int i = 0; i < r; i++)
		n *= d[i];
	double *v = malloc(n * sizeof *v);
	for (hsize_t k = 0; k < n; k++)
		v[k] = value(t, (int64_t)k);
	hid_t sp = H5Screate_simple(r, d, NULL);
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_create_intermediate_group(lcpl, 1);
	if (chunk) {
		H5Pset_chunk(dcpl, r, chunk);
		H5Pset_deflate(dcpl, 4);
	}
	hid_t ds = H5Dcreate2(f, name, file_type(t, be), sp, lcpl, dcpl, H5P_DEFAULT);
	/* Our conversion from double, exact for every value above. */
	CHECK(ds >= 0 && H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0,
	      "write %s", name);
	H5Dclose(ds);
	H5Pclose(dcpl);
	H5Pclose(lcpl);
	H5Sclose(sp);
	free(v);
}

/* What a reader must return for sample k of type t. */
static float
expect(int t, int64_t k)
{
	union {
		uint8_t u8;
		int8_t i8;
		uint16_t u16;
		int16_t i16;
		uint32_t u32;
		int32_t i32;
		uint64_t u64;
		int64_t i64;
		float f;
		double d;
	} u;
	double v = value(t, k);
	switch (t) {
	case 0: u.u8 = (uint8_t)v; return (float)u.u8;
	case 1: u.i8 = (int8_t)v; return (float)u.i8;
	case 2: u.u16 = (uint16_t)v; return (float)u.u16;
	case 3: u.i16 = (int16_t)v; return (float)u.i16;
	case 4: u.u32 = (uint32_t)v; return (float)u.u32;
	case 5: u.i32 = (int32_t)v; return (float)u.i32;
	case 6: u.u64 = (uint64_t)v; return (float)u.u64;
	case 7: u.i64 = (int64_t)v; return (float)u.i64;
	case 8: return (float)v;
	default: return (float)v;
	}
}

static void
every_type_byte_order_and_chunking(void)
{
	const hsize_t d[3] = {5, 37, 41}, c[3] = {2, 16, 16};
	/* The newest file format here (the other tests use the oldest): a
	 * reader must not refuse what newer HDF5 versions write. */
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
	hid_t f = H5Fcreate(path("types.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	H5Pclose(fapl);

	for (int t = 0; t < 10; t++)
		for (int v = 0; v < 3; v++) {
			char name[64];
			snprintf(name, sizeof name, "/g/t%d_%d", t, v);
			make_dataset(f, name, t, v == 1, 3, d, v == 2 ? c : NULL);
		}
	H5Fclose(f);
	for (int t = 0; t < 10; t++)
		for (int v = 0; v < 3; v++) {
			char name[64];
			struct tomo_input *in = NULL;
			static float got[5 * 37 * 41];
			int bad = 0;
			snprintf(name, sizeof name, "/g/t%d_%d", t, v);
			CHECK(tomo_input_open(spec("types.h5", name), NULL, &in) == TOMO_OK,
			      "%s: %s", name, tomo_errmsg());
			if (!in)
				continue;
			const struct tomo_header *h = tomo_input_header(in);
			CHECK(h->size[0] == 41 && h->size[1] == 37 && h->size[2] == 5, "%s: sizes",
			      name);
			CHECK(tomo_input_dtype(in) == our_type[t], "%s: %s", name,
			      tomo_dtype_name(tomo_input_dtype(in)));
			CHECK(!strcmp(tomo_input_format(in), "hdf5"), "format");
			/* Plane by plane, backwards. */
			for (int z = 4; z >= 0; z--)
				CHECK(tomo_input_read_planes(in, z, 1, got + z * 37 * 41) ==
				              TOMO_OK,
				      "%s", tomo_errmsg());
			for (int k = 0; k < 5 * 37 * 41; k++)
				bad += got[k] != expect(t, k);
			CHECK(!bad, "%s: %d samples differ", name, bad);
			/* A box across chunk edges. */
			struct tomo_box b = {7, 20, 13, 9, 1, 3};
			CHECK(tomo_input_read(in, &b, got) == TOMO_OK, "%s", tomo_errmsg());
			for (int z = 0; z < 3; z++)
				for (int y = 0; y < 9; y++)
					for (int x = 0; x < 20; x++)
						bad += got[(z * 9 + y) * 20 + x] !=
						       expect(t,
						              ((1 + z) * 37 + 13 + y) * 41 + 7 + x);
			CHECK(!bad, "%s: %d box samples differ", name, bad);
			tomo_input_close(in);
		}
}

static void
rank_two_and_one(void)
{
	const hsize_t d2[2] = {6, 9}, d1[1] = {11};
	hid_t f = H5Fcreate(path("ranks.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	struct tomo_input *in = NULL;
	float got[64];

	make_dataset(f, "/image", 3, 0, 2, d2, NULL);
	make_dataset(f, "/line", 9, 0, 1, d1, NULL);
	H5Fclose(f);
	CHECK(tomo_input_open(spec("ranks.h5", "/image"), NULL, &in) == TOMO_OK, "%s",
	      tomo_errmsg());
	if (in) {
		const int64_t *s = tomo_input_header(in)->size;
		CHECK(s[0] == 9 && s[1] == 6 && s[2] == 1, "rank 2: one 9x6 plane");
		struct tomo_box b = {2, 3, 1, 4, 0, 1};
		CHECK(tomo_input_read(in, &b, got) == TOMO_OK, "%s", tomo_errmsg());
		CHECK(got[11] == expect(3, 4 * 9 + 4), "rank-2 box");
		tomo_input_close(in);
	}
	CHECK(tomo_input_open(spec("ranks.h5", "/line"), NULL, &in) == TOMO_OK, "%s",
	      tomo_errmsg());
	if (in) {
		const int64_t *s = tomo_input_header(in)->size;
		CHECK(s[0] == 11 && s[1] == 1 && s[2] == 1, "rank 1: one row");
		CHECK(tomo_input_read_planes(in, 0, 1, got) == TOMO_OK && got[10] == expect(9, 10),
		      "%s", tomo_errmsg());
		tomo_input_close(in);
	}
}

static void
put_string_attr(hid_t obj, const char *key, const char *value, int fixed)
{
	hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
	H5Tset_size(t, fixed ? strlen(value) : H5T_VARIABLE);
	hid_t a = H5Acreate2(obj, key, t, sp, H5P_DEFAULT, H5P_DEFAULT);
	CHECK(H5Awrite(a, t, fixed ? (const void *)value : (const void *)&value) >= 0,
	      "attribute %s", key);
	H5Aclose(a);
	H5Sclose(sp);
	H5Tclose(t);
}

/* DXchange: /exchange/theta gives the angles (radians converted), kind
 * projections; others' attributes: strings carried, numbers ignored. */
static void
dxchange_angles_and_attributes(void)
{
	const hsize_t d[3] = {4, 2, 3}, n = 4;
	const double deg[4] = {0, 45, 90, 135.5};
	double rad[4];
	for (int i = 0; i < 4; i++)
		rad[i] = deg[i] * M_PI / 180;
	for (int r = 0; r < 2; r++) {
		const char *name = r ? "dx-rad.h5" : "dx-deg.h5";
		hid_t f = H5Fcreate(path(name), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
		make_dataset(f, "/exchange/data", 2, 0, 3, d, NULL);
		hid_t sp = H5Screate_simple(1, &n, NULL);
		hid_t th = H5Dcreate2(f, "/exchange/theta", H5T_IEEE_F32LE, sp, H5P_DEFAULT,
		                      H5P_DEFAULT, H5P_DEFAULT);
		H5Dwrite(th, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, r ? rad : deg);
		put_string_attr(th, "units", r ? "rad" : "degrees", r);
		H5Dclose(th);
		hid_t ds = H5Dopen2(f, "/exchange/data", H5P_DEFAULT);
		put_string_attr(ds, "axes", "theta:y:x", 0);
		put_string_attr(ds, "description", "fixed length", 1);
		hid_t a = H5Acreate2(ds, "signal", H5T_STD_I32LE, H5Screate(H5S_SCALAR),
		                     H5P_DEFAULT, H5P_DEFAULT);
		int one = 1;
		H5Awrite(a, H5T_NATIVE_INT, &one);
		H5Aclose(a);
		H5Dclose(ds);
		H5Sclose(sp);
		H5Fclose(f);

		struct tomo_input *in = NULL;
		CHECK(tomo_input_open(path(name), NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
		if (!in)
			continue;
		const struct tomo_header *h = tomo_input_header(in);
		CHECK(h->kind == TOMO_KIND_PROJECTIONS, "%s: projections", name);
		CHECK(h->nangles == 4, "%s: %lld angles", name, (long long)h->nangles);
		for (int i = 0; i < 4 && h->nangles == 4; i++)
			CHECK_NEAR(h->angles[i], deg[i], 1e-4);
		const char *axes = tomo_header_get_kv(h, "axes");
		const char *desc = tomo_header_get_kv(h, "description");
		CHECK(axes && !strcmp(axes, "theta:y:x"), "axes carried");
		CHECK(desc && !strcmp(desc, "fixed length"), "fixed-length string carried");
		CHECK(!tomo_header_get_kv(h, "signal"), "numeric attribute not carried");
		tomo_input_close(in);
	}
}

/* Write a header and samples to out (planes in reverse order). */
static int
write_all(const char *out, const struct tomo_header *h, const float *data)
{
	struct tomo_output *o;
	const int64_t plane = h->size[0] * h->size[1];
	int rc = tomo_output_open(out, h, &o);
	if (rc)
		return rc;
	int seq = !strstr(out, ".h5");
	for (int64_t i = 0; i < h->size[2] && !rc; i++) {
		int64_t z = seq ? i : h->size[2] - 1 - i;
		rc = tomo_output_write(o, z, 1, data + z * plane);
	}
	if (rc) {
		tomo_output_abort(o);
		return rc;
	}
	return tomo_output_close(o);
}

static int
read_all(const char *in_name, struct tomo_header *h, float **data)
{
	struct tomo_input *in;
	int rc = tomo_input_open(in_name, NULL, &in);
	if (rc)
		return rc;
	const struct tomo_header *ih = tomo_input_header(in);
	*data = malloc(sizeof(float) * (size_t)(ih->size[0] * ih->size[1] * ih->size[2]));
	rc = tomo_input_read_planes(in, 0, ih->size[2], *data);
	tomo_header_copy(h, ih);
	tomo_input_close(in);
	return rc;
}

/* NRRD -> TIFF -> HDF5 -> NRRD through the library: the samples bit for
 * bit, the header as NRRD text, the attributes as h5py would see them. */
static void
chain_nrrd_tiff_hdf5_nrrd_is_exact(void)
{
	enum { W = 77, H = 300, Z = 5 };
	static float ref[Z][H][W];
	struct tomo_header h, h1, h2, h3;
	float *d1 = NULL, *d2 = NULL, *d3 = NULL;
	const double a[Z] = {-88.2, -86.2, 0.1, 1e-9, 91.7999};

	for (int i = 0; i < Z * H * W; i++)
		(&ref[0][0][0])[i] = sinf((float)i) * 3e4f;
	ref[0][0][1] = NAN;
	ref[4][299][76] = -INFINITY;
	tomo_header_init(&h);
	h.size[0] = W, h.size[1] = H, h.size[2] = Z;
	h.kind = TOMO_KIND_SINOGRAMS;
	h.quantity = TOMO_QUANTITY_LINE_INTEGRAL;
	tomo_header_set_angles(&h, a, Z);
	h.pixel_size = 1.3e-6, h.energy = 53.5, h.distance = 0.15, h.center = 38.75;
	h.spacing[1] = 0.25;
	tomo_header_set_kv(&h, "zeta", "last key first");
	tomo_header_set_kv(&h, "alpha", "a\\b\nc");
	tomo_header_set_kv(&h, "unicode",
	                   "\xce\xbc"
	                   "m");
	CHECK(write_all(path("c0.nrrd"), &h, &ref[0][0][0]) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(read_all(path("c0.nrrd"), &h1, &d1) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(write_all(path("c1.tif"), &h1, d1) == TOMO_OK, "%s", tomo_errmsg());
	free(d1);
	tomo_header_free(&h1);
	CHECK(read_all(path("c1.tif"), &h1, &d1) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(write_all(spec("c2.h5", "/entry/recon/data"), &h1, d1) == TOMO_OK, "%s",
	      tomo_errmsg());
	CHECK(read_all(spec("c2.h5", "/entry/recon/data"), &h2, &d2) == TOMO_OK, "%s",
	      tomo_errmsg());
	CHECK(write_all(path("c3.nrrd"), &h2, d2) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(read_all(path("c3.nrrd"), &h3, &d3) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(d1 && !memcmp(d1, ref, sizeof ref), "TIFF samples");
	CHECK(d2 && !memcmp(d2, ref, sizeof ref), "HDF5 samples");
	CHECK(d3 && !memcmp(d3, ref, sizeof ref), "NRRD samples at the end");
	char *t0, *t3;
	size_t n0, n3;
	tomo_nrrd_format(&h, &t0, &n0);
	tomo_nrrd_format(&h3, &t3, &n3);
	CHECK(n0 == n3 && !memcmp(t0, t3, n0), "header:\n%s\nvs\n%s", t0, t3);
	free(t0);
	free(t3);
	/* The file as another program sees it. */
	char cmd[2000];
	snprintf(cmd, sizeof cmd,
	         "/usr/bin/python3 -c \"import h5py, numpy as np, sys; "
	         "d = h5py.File('%s')['/entry/recon/data']; "
	         "ok = (d.dtype == np.float32 and d.shape == (5, 300, 77) and "
	         "d.chunks is None and d.attrs['tomo_kind'] == 'sinograms' "
	         "and list(d.attrs['tomo_angles']) == [-88.2, -86.2, 0.1, 1e-9, 91.7999] "
	         "and d.attrs['tomo_center'] == 38.75 and d.attrs['unicode'] == '\\u03bcm' "
	         "and list(d.attrs)[-3:] == ['zeta', 'alpha', 'unicode']); "
	         "sys.exit(0 if ok else 1)\"",
	         path("c2.h5"));
	CHECK(system(cmd) == 0, "h5py's view of the attributes");
	free(d1);
	free(d2);
	free(d3);
	tomo_header_free(&h);
	tomo_header_free(&h1);
	tomo_header_free(&h2);
	tomo_header_free(&h3);
}

/* Our writer's default dataset and DXchange layout read back by default;
 * long angle lists fit (dense attribute storage). */
static void
defaults_and_long_angle_lists(void)
{
	enum { N = 20000 };
	struct tomo_header h, g;
	static double a[N];
	static float data[N * 2];
	float *back = NULL;

	for (int i = 0; i < N; i++)
		a[i] = 180.0 * i / N, data[2 * i] = (float)i, data[2 * i + 1] = -(float)i;
	tomo_header_init(&h);
	h.size[0] = 2, h.size[1] = 1, h.size[2] = N;
	h.kind = TOMO_KIND_PROJECTIONS;
	tomo_header_set_angles(&h, a, N);
	CHECK(write_all(path("plain.h5"), &h, data) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(read_all(path("plain.h5"), &g, &back) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(g.nangles == N && !memcmp(g.angles, a, sizeof a), "20000 angles back");
	CHECK(back && !memcmp(back, data, sizeof data), "samples from /data");
	free(back);
	tomo_header_free(&g);
	CHECK(write_all(spec("dx.h5", "/exchange/data"), &h, data) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(read_all(path("dx.h5"), &g, &back) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(g.nangles == N && g.angles[N - 1] == a[N - 1], "angles");
	free(back);
	tomo_header_free(&g);
	/* /exchange/theta, for TomoPy and dxchange. */
	char cmd[1000];
	snprintf(cmd, sizeof cmd,
	         "/usr/bin/python3 -c \"import h5py, sys; t = h5py.File('%s')"
	         "['/exchange/theta']; sys.exit(0 if t.shape == (20000,) and "
	         "t[19999] == 180.0 * 19999 / 20000 and t.attrs['units'] == "
	         "'degrees' else 1)\"",
	         path("dx.h5"));
	CHECK(system(cmd) == 0, "/exchange/theta");
	tomo_header_free(&h);
}

/* /entry/data -> sub/target.h5:/frames, resolved beside the file. */
static void
external_links_are_followed(void)
{
	const hsize_t d[3] = {3, 4, 5};
	char sub[600];
	struct tomo_input *in = NULL;
	float got[60];

	snprintf(sub, sizeof sub, "%s", path("sub"));
	mkdir(sub, 0777);
	hid_t f = H5Fcreate(path("sub/target.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	make_dataset(f, "/frames", 2, 0, 3, d, NULL);
	H5Fclose(f);
	f = H5Fcreate(path("links.nxs"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	H5Gclose(H5Gcreate2(f, "/entry", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
	H5Lcreate_external("sub/target.h5", "/frames", f, "/entry/data", H5P_DEFAULT, H5P_DEFAULT);
	H5Lcreate_external("sub/absent.h5", "/frames", f, "/entry/gone", H5P_DEFAULT, H5P_DEFAULT);
	H5Fclose(f);
	CHECK(tomo_input_open(spec("links.nxs", "/entry/data"), NULL, &in) == TOMO_OK, "%s",
	      tomo_errmsg());
	if (in) {
		CHECK(tomo_input_read_planes(in, 0, 3, got) == TOMO_OK && got[59] == expect(2, 59),
		      "%s", tomo_errmsg());
		tomo_input_close(in);
	}
	CHECK(tomo_input_open(spec("links.nxs", "/entry/gone"), NULL, &in) == TOMO_ERR &&
	              strstr(tomo_errmsg(), "/entry/gone") && strstr(tomo_errmsg(), "links.nxs") &&
	              strstr(tomo_errmsg(), "missing"),
	      "%s", tomo_errmsg());
}

/* Open must fail with TOMO_ERR and one line holding file, w1 and w2. */
static void
refused(const char *input, const char *file, const char *w1, const char *w2)
{
	struct tomo_input *in = NULL;
	int rc = tomo_input_open(input, NULL, &in);
	CHECK(rc == TOMO_ERR, "'%s' opened (rc %d)", input, rc);
	if (in)
		tomo_input_close(in);
	CHECK(strstr(tomo_errmsg(), file), "message names '%s': %s", file, tomo_errmsg());
	CHECK(!w1 || strstr(tomo_errmsg(), w1), "'%s' not in: %s", w1, tomo_errmsg());
	CHECK(!w2 || strstr(tomo_errmsg(), w2), "'%s' not in: %s", w2, tomo_errmsg());
	CHECK(!strchr(tomo_errmsg(), '\n'), "one line: %s", tomo_errmsg());
}

static void
bad_inputs_are_refused_in_one_line(void)
{
	const hsize_t d3[3] = {2, 3, 4}, d4[4] = {2, 2, 2, 2}, n = 3;
	hid_t f = H5Fcreate(path("bad.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	make_dataset(f, "/entry/data", 8, 0, 3, d3, NULL);
	make_dataset(f, "/four", 8, 0, 4, d4, NULL);
	hid_t sp = H5Screate(H5S_SCALAR);
	H5Dclose(H5Dcreate2(f, "/scalar", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT,
	                    H5P_DEFAULT));
	H5Sclose(sp);
	sp = H5Screate_simple(1, &n, NULL);
	hid_t ct = H5Tcreate(H5T_COMPOUND, 8);
	H5Tinsert(ct, "a", 0, H5T_NATIVE_FLOAT);
	H5Tinsert(ct, "b", 4, H5T_NATIVE_FLOAT);
	H5Dclose(H5Dcreate2(f, "/compound", ct, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
	H5Tclose(ct);
	hid_t st = H5Tcopy(H5T_C_S1);
	H5Tset_size(st, 8);
	H5Dclose(H5Dcreate2(f, "/string", st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
	H5Tclose(st);
	hid_t et = H5Tenum_create(H5T_NATIVE_INT);
	int zero = 0;
	H5Tenum_insert(et, "zero", &zero);
	H5Dclose(H5Dcreate2(f, "/enum", et, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
	H5Tclose(et);
	hid_t vt = H5Tvlen_create(H5T_NATIVE_FLOAT);
	H5Dclose(H5Dcreate2(f, "/vlen", vt, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
	H5Tclose(vt);
	H5Dclose(H5Dcreate2(f, "/bits", H5T_STD_B8LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
	hid_t ot = H5Tcreate(H5T_OPAQUE, 4);
	H5Dclose(H5Dcreate2(f, "/opaque", ot, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
	H5Tclose(ot);
	H5Sclose(sp);
	H5Fclose(f);

	refused(path("nope.h5"), "nope.h5", "No such file", NULL);
	refused(spec("nope.h5", "/entry/data"), "nope.h5'", "No such file", NULL);
	refused(spec("bad.h5", "/exchange/data"), "bad.h5", "no dataset '/exchange/data'",
	        "/entry/data (2x3x4)");
	refused(spec("bad.h5", "/entry/missing"), "bad.h5", "no dataset '/entry/missing'", NULL);
	refused(spec("bad.h5", "/entry"), "bad.h5", "is a group", "/entry/data");
	refused(spec("bad.h5", "/four"), "bad.h5", "4 dimensions", NULL);
	refused(spec("bad.h5", "/scalar"), "bad.h5", "scalar", NULL);
	refused(spec("bad.h5", "/compound"), "bad.h5", "compound", NULL);
	refused(spec("bad.h5", "/string"), "bad.h5", "string", NULL);
	refused(spec("bad.h5", "/enum"), "bad.h5", "enum", NULL);
	refused(spec("bad.h5", "/vlen"), "bad.h5", "variable-length", NULL);
	refused(spec("bad.h5", "/bits"), "bad.h5", "bitfield", NULL);
	refused(spec("bad.h5", "/opaque"), "bad.h5", "opaque", NULL);

	/* Not HDF5; HDF5 cut short. */
	FILE *j = fopen(path("junk.h5"), "w");
	fputs("this is not HDF5\n", j);
	fclose(j);
	refused(path("junk.h5"), "junk.h5", "not an HDF5 file", NULL);
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "head -c 1500 '%s' > '%s'", path("bad.h5"), path("cut.h5"));
	CHECK(system(cmd) == 0, "%s", cmd);
	refused(spec("cut.h5", "/entry/data"), "cut.h5", "truncated", NULL);
}

/* A damaged compressed chunk: open works, reading that plane fails with
 * a message naming the file and the planes; the others still read. */
/* A file named alone opens (at the dataset whose first size is x). */
static int
picked(const char *file, int64_t x)
{
	struct tomo_input *in = NULL;
	int ok = tomo_input_open(path(file), NULL, &in) == TOMO_OK &&
	         tomo_input_header(in)->size[0] == x && !tomo_input_scan_info(in);

	if (!ok)
		printf("# %s: %s\n", file, in ? "wrong dataset" : tomo_errmsg());
	tomo_input_close(in);
	return ok;
}

/* The dataset of a file named alone (tomo_hdf5_pick): its only one of 2 or
 * 3 dimensions, else the only one with tomo_* attributes, else /data;
 * several are an error listing them. */
static void
the_only_dataset_is_taken(void)
{
	const hsize_t d1[1] = {7}, d2[2] = {3, 4}, d3[3] = {2, 3, 5}, d4[3] = {2, 3, 6};
	hid_t f = H5Fcreate(path("one.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	make_dataset(f, "/deep/vol", 8, 0, 3, d3, NULL);
	make_dataset(f, "/line", 8, 0, 1, d1, NULL);
	/* A second link to the same dataset is not a second candidate. */
	H5Lcreate_soft("/deep/vol", f, "/alias", H5P_DEFAULT, H5P_DEFAULT);
	H5Fclose(f);
	CHECK(picked("one.h5", 5), "the only dataset of 2-3 dimensions");

	f = H5Fcreate(path("ours.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	make_dataset(f, "/mask", 0, 0, 2, d2, NULL);
	make_dataset(f, "/vol", 8, 0, 3, d4, NULL);
	hid_t ds = H5Dopen2(f, "/vol", H5P_DEFAULT);
	put_string_attr(ds, "tomo_kind", "volume", 0);
	H5Dclose(ds);
	H5Fclose(f);
	CHECK(picked("ours.h5", 6), "the only dataset with tomo_* attributes");

	f = H5Fcreate(path("data.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	make_dataset(f, "/a", 0, 0, 2, d2, NULL);
	make_dataset(f, "/data", 8, 0, 3, d3, NULL);
	H5Fclose(f);
	CHECK(picked("data.h5", 5), "/data among several");

	f = H5Fcreate(path("two.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	make_dataset(f, "/entry/a", 0, 0, 2, d2, NULL);
	make_dataset(f, "/entry/b", 8, 0, 3, d3, NULL);
	H5Fclose(f);
	refused(path("two.h5"), "two.h5", "/entry/a (3x4), /entry/b (2x3x5)", "two.h5:/PATH");

	f = H5Fcreate(path("none.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	make_dataset(f, "/line", 8, 0, 1, d1, NULL);
	H5Fclose(f);
	refused(path("none.h5"), "none.h5", "no dataset of 2 or 3 dimensions", NULL);
}

/* An NXtomo stack (data beside an image_key) found anywhere, named or not:
 * the input is the stack, its counts and layout known, raw when it holds
 * flats or darks. */
static void
nxtomo_stack_is_found(void)
{
	const hsize_t d3[3] = {6, 3, 4}, dk = 6, d2[2] = {3, 4};
	const int32_t key[6] = {2, 1, 0, 0, 0, 1};
	hid_t f = H5Fcreate(path("nx.nxs"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	make_dataset(f, "/other/img", 0, 0, 2, d2, NULL);
	make_dataset(f, "/e/instrument/det/data", 2, 0, 3, d3, NULL);
	hid_t sp = H5Screate_simple(1, &dk, NULL);
	hid_t k = H5Dcreate2(f, "/e/instrument/det/image_key", H5T_STD_I32LE, sp, H5P_DEFAULT,
	                     H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(k, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, key);
	H5Dclose(k);
	H5Sclose(sp);
	H5Fclose(f);
	for (int named = 0; named < 2; named++) {
		struct tomo_input *in = NULL;
		CHECK(tomo_input_open(named ? spec("nx.nxs", "/e/instrument/det/data") : path("nx.nxs"),
		                      NULL, &in) == TOMO_OK,
		      "%s", tomo_errmsg());
		const struct tomo_input_scan *sc = in ? tomo_input_scan_info(in) : NULL;
		CHECK(sc && !strcmp(sc->layout, "NXtomo") &&
		              !strcmp(sc->dataset, "/e/instrument/det/data") && sc->frames == 6 &&
		              sc->projections == 3 && sc->flats == 2 && sc->darks == 1 && sc->raw,
		      "scan info (named %d)", named);
		CHECK(in && tomo_input_header(in)->quantity == TOMO_QUANTITY_COUNTS, "counts");
		CHECK(in && tomo_input_refuse_raw_scan(in, "tomo-fbp") == TOMO_ERR &&
		              strstr(tomo_errmsg(), "raw scan") &&
		              strstr(tomo_errmsg(), "tomo-flat ") &&
		              strstr(tomo_errmsg(), "| tomo-fbp ..."),
		      "%s", tomo_errmsg());
		tomo_input_close(in);
	}
	struct tomo_input *in = NULL;
	CHECK(tomo_input_open(spec("nx.nxs", "/other/img"), NULL, &in) == TOMO_OK &&
	              !tomo_input_scan_info(in) && tomo_input_refuse_raw_scan(in, "x") == TOMO_OK,
	      "another dataset of the file is no scan");
	tomo_input_close(in);
}

static void
damaged_chunk_fails_at_read(void)
{
	const hsize_t d[3] = {8, 64, 64}, c[3] = {1, 64, 64};
	hid_t f = H5Fcreate(path("dmg.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	haddr_t addr = 0;
	hsize_t size = 0;

	make_dataset(f, "/d", 9, 0, 3, d, c);
	hid_t ds = H5Dopen2(f, "/d", H5P_DEFAULT), sp = H5Dget_space(ds);
	unsigned mask;
	hsize_t off[3];
	CHECK(H5Dget_chunk_info(ds, sp, 3, off, &mask, &addr, &size) >= 0 && off[0] == 3,
	      "chunk 3's address");
	H5Sclose(sp);
	H5Dclose(ds);
	H5Fclose(f);
	FILE *fp = fopen(path("dmg.h5"), "r+b");
	static const char junk[64] = "this is not deflate data; this is not deflate data";
	CHECK(fp && fseek(fp, (long)addr + 8, SEEK_SET) == 0 &&
	              fwrite(junk, sizeof junk, 1, fp) == 1 && fclose(fp) == 0,
	      "damage");
	struct tomo_input *in = NULL;
	static float buf[8 * 64 * 64];
	CHECK(tomo_input_open(spec("dmg.h5", "/d"), NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	if (!in)
		return;
	CHECK(tomo_input_read_planes(in, 0, 3, buf) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(buf[3 * 64 * 64 - 1] == expect(9, 3 * 64 * 64 - 1), "planes before");
	CHECK(tomo_input_read_planes(in, 2, 3, buf) == TOMO_ERR &&
	              strstr(tomo_errmsg(), "dmg.h5") && strstr(tomo_errmsg(), "planes 2..4") &&
	              !strstr(tomo_errmsg(), "unknown HDF5 error"),
	      "%s", tomo_errmsg());
	CHECK(tomo_input_read_planes(in, 4, 4, buf) == TOMO_OK, "%s", tomo_errmsg());
	tomo_input_close(in);
}

static void
output_needs_a_regular_file(void)
{
	struct tomo_header h;
	struct tomo_output *o = NULL;
	char link[600];

	tomo_header_init(&h);
	h.size[0] = 4, h.size[1] = 4, h.size[2] = 2;
	snprintf(link, sizeof link, "%s", path("dev.h5"));
	CHECK(symlink("/dev/null", link) == 0, "symlink");
	CHECK(tomo_output_open(link, &h, &o) == TOMO_ERR && strstr(tomo_errmsg(), "dev.h5") &&
	              strstr(tomo_errmsg(), "regular file"),
	      "%s", tomo_errmsg());
	/* A dataset path HDF5 refuses: the message names file and dataset. */
	CHECK(tomo_output_open(spec("odd.h5", "/"), &h, &o) == TOMO_ERR &&
	              strstr(tomo_errmsg(), "odd.h5"),
	      "%s", tomo_errmsg());
	CHECK(access(path("odd.h5"), F_OK) != 0, "nothing left behind");
	tomo_header_free(&h);
}

UNIT_MAIN(T(every_type_byte_order_and_chunking), T(rank_two_and_one),
          T(dxchange_angles_and_attributes), T(chain_nrrd_tiff_hdf5_nrrd_is_exact),
          T(defaults_and_long_angle_lists), T(external_links_are_followed),
          T(bad_inputs_are_refused_in_one_line), T(the_only_dataset_is_taken),
          T(nxtomo_stack_is_found), T(damaged_chunk_fails_at_read),
          T(output_needs_a_regular_file))
