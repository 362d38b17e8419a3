/*
 * phantom: analytic test objects made of ellipsoids (the 3D modified
 * Shepp-Logan head, or reproducible random sets), their exact parallel-beam
 * line integrals (closed-form chord lengths, never a discrete projector),
 * their values sampled on the reconstruction grid, and a simulated scan
 * (counts with flats, darks, noise) written as DXchange or NXtomo HDF5.
 */
#ifndef TOMO_PHANTOM_H
#define TOMO_PHANTOM_H

#include <stdint.h>

#include "tomo/api.h"
#include "tomo/io.h"
#include "tomo/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One ellipsoid, in pixel units of the tomo geometry (tomo(7)): x to the
 * right, y up, z along the rotation axis (detector rows), origin on the
 * rotation axis at the middle of the detector's height. A point p is inside
 * when |D^-1 R^T (p - center)| <= 1, D = diag(axes), R = Rz(phi) Rx(tilt):
 * the body is first tilted about x, then turned about z counter-clockwise
 * (from +x towards +y) by phi. Inside, value is added to the phantom.
 */
struct tomo_ellipsoid {
	double value;     /* per pixel length */
	double axes[3];   /* semi-axes along the body's x, y, z; > 0 */
	double center[3]; /* x, y, z */
	double phi;       /* degrees, about z */
	double tilt;      /* degrees, about x, applied before phi */
};

/* A phantom: the ellipsoids and their precomputed quadratic forms.
 * Read-only after creation, so any number of threads may use one. */
struct tomo_phantom;

/* Build a phantom from n ellipsoids (copied). Fails on axes <= 0 or
 * non-finite numbers. */
TOMO_API int tomo_phantom_new(const struct tomo_ellipsoid *e, int n, struct tomo_phantom **p);

/* The 3D modified Shepp-Logan head (Kak & Slaney's / Toft's values, the 3D
 * table of Schabel's phantom3d), its unit cube [-1,1]^3 scaled by n/2 in x
 * and y and by rows/2 in z. Values 0..1 after the overlaps add. */
TOMO_API int tomo_phantom_shepp_logan(int64_t n, int64_t rows, struct tomo_phantom **p);

/* A reproducible random set of ellipsoids for seed, the same on every
 * machine: inside the cylinder of radius n/2 and within 90% of the height
 * rows, positive values, overlaps summing to at most about 2. */
TOMO_API int tomo_phantom_random(int64_t n, int64_t rows, uint64_t seed, struct tomo_phantom **p);

TOMO_API void tomo_phantom_free(struct tomo_phantom *p);

/* The ellipsoids (count in *n), valid while p lives. */
TOMO_API const struct tomo_ellipsoid *tomo_phantom_ellipsoids(const struct tomo_phantom *p, int *n);

/* Exact length of the chord that the ray {x cos(theta) + y sin(theta) = s,
 * z = z} (direction (-sin, cos, 0), theta in degrees) cuts through e. */
TOMO_API double tomo_ellipsoid_chord(const struct tomo_ellipsoid *e, double theta_deg, double s,
                                     double z);

/* The phantom's line integral along that ray, and its value at a point
 * (a point on an ellipsoid's surface counts as inside). */
TOMO_API double tomo_phantom_ray(const struct tomo_phantom *p, double theta_deg, double s,
                                 double z);
TOMO_API double tomo_phantom_value(const struct tomo_phantom *p, double x, double y, double z);

/* The detector: ncols columns, column k centred at s = k + 0.5 - center
 * (TomoPy's convention); nrows rows, row r integrating the slice at height
 * z = r + 0.5 - nrows/2. */
struct tomo_detector {
	int64_t ncols, nrows;
	double center;
};

/* Line integrals for na angles (degrees) into out, [na][nrows][ncols]
 * floats. Multi-threaded (OpenMP over rays); na == 0 does nothing. */
TOMO_API int tomo_phantom_project(const struct tomo_phantom *p, const struct tomo_detector *d,
                                  const double *deg, int64_t na, float *out);

/* Slices z0..z0+nz of the n x n x rows volume into out ([nz][n][n]):
 * voxel (row i, column j, slice k) holds the value at its centre
 * x = j + 0.5 - n/2, y = n/2 - i - 0.5, z = k + 0.5 - rows/2. */
TOMO_API int tomo_phantom_sample(const struct tomo_phantom *p, int64_t n, int64_t rows, int64_t z0,
                                 int64_t nz, float *out);

/* Line integrals of detector rows row0..row0+nr-1 (of d's nrows) for na
 * angles into out, [na][nr][ncols]: the same numbers as those rows of
 * tomo_phantom_project's. */
TOMO_API int tomo_phantom_project_rows(const struct tomo_phantom *p, const struct tomo_detector *d,
                                       const double *deg, int64_t na, int64_t row0, int64_t nr,
                                       float *out);

/* Stream the projections (header sizes ncols x nrows x nangles, angles in
 * the header) or the volume (n x n x rows) into an open output, a slab of
 * planes at a time within memory bytes, through the pipeline. region: the
 * box of the output to make (a part: rows of the projections, slices of
 * the volume), or NULL for all of it. progress may be NULL. */
TOMO_API int tomo_phantom_write_projections(const struct tomo_phantom *p,
                                            const struct tomo_detector *d, const double *deg,
                                            int64_t na, struct tomo_output *out,
                                            const struct tomo_box *region, int64_t memory,
                                            const struct tomo_progress_cb *progress);
TOMO_API int tomo_phantom_write_volume(const struct tomo_phantom *p, int64_t n, int64_t rows,
                                       struct tomo_output *out, const struct tomo_box *region,
                                       int64_t memory, const struct tomo_progress_cb *progress);

/* Default attenuation scale of a simulated scan of width ncols, 8/ncols:
 * the thickest Shepp-Logan path (0.54 ncols/2 pixels of value 1) then
 * transmits 11%, the median ray through the head about 30%. */
TOMO_API double tomo_phantom_default_mu(int64_t ncols);

/* A simulated scan (lib/phantom_scan.c; tomo_sim_*, where tomo_scan_* in
 * tomo/scan.h reads a real one). Counts per pixel, P the photons,
 * b(col,row) in 0.6..1 the beam profile, D(col,row) the dark level:
 *   projection = Poisson(P b exp(-mu L)) + Poisson(D) (+ hot pixels, zingers)
 *   flat       = Poisson(P b) + Poisson(D) (+ hot pixels, zingers)
 *   dark       = Poisson(D) (+ hot pixels)
 * clipped to 0..65535. The noise comes from a counter-based generator keyed
 * by (seed, frame, pixel): the same file for any thread count or machine. */
struct tomo_sim_scan {
	int64_t flats, darks; /* frames, >= 0 */
	double photons;       /* P, > 0 */
	double mu;            /* attenuation scale, >= 0 */
	double dark;          /* mean dark level D (counts) */
	double zingers;       /* probability per pixel of a projection or flat */
	uint64_t seed;
	int nexus;           /* 0: DXchange, 1: NXtomo */
	const char *phantom; /* a name recorded in the file */
};

/* Write the scan of p for angles deg[na] into the HDF5 file path, via a
 * temporary file renamed into place at the end (nothing is left behind on
 * failure or on a fatal signal). DXchange: /exchange/data, data_white,
 * data_dark (uint16 [frames][rows][cols]), /exchange/theta (degrees).
 * NXtomo: /entry/instrument/detector/data and image_key, darks, half the
 * flats, projections, the other half of the flats; linked from /entry/data. */
TOMO_API int tomo_sim_scan_write(const struct tomo_phantom *p, const struct tomo_detector *d,
                                 const double *deg, int64_t na, const struct tomo_sim_scan *s,
                                 const char *path, int64_t memory,
                                 const struct tomo_progress_cb *progress);

/* The scan model's pieces, for tests: beam profile and dark level of a
 * pixel, and the counter-based generator. */
TOMO_API double tomo_sim_beam(int64_t col, int64_t row, int64_t ncols, int64_t nrows);
TOMO_API double tomo_sim_dark_level(const struct tomo_sim_scan *s, int64_t col, int64_t row,
                                    int64_t ncols);

/* A portable generator (splitmix64): the same sequence everywhere. */
struct tomo_rng {
	uint64_t state;
	double spare; /* the second normal of the last pair */
	int has_spare;
};
/* A stream keyed by up to three numbers (e.g. seed, frame, pixel). */
TOMO_API void tomo_rng_seed(struct tomo_rng *r, uint64_t a, uint64_t b, uint64_t c);
TOMO_API uint64_t tomo_rng_next(struct tomo_rng *r);
/* Uniform in [0, 1), 53 random bits. */
TOMO_API double tomo_rng_uniform(struct tomo_rng *r);
/* Standard normal (Marsaglia's polar method, in pairs). */
TOMO_API double tomo_rng_normal(struct tomo_rng *r);
/* Poisson(mean): exact by inversion below mean 50, above that the nearest
 * integer to a normal of the same mean and variance (at least 0). */
TOMO_API double tomo_rng_poisson(struct tomo_rng *r, double mean);

#ifdef __cplusplus
}
#endif

#endif
