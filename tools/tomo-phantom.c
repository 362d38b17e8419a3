/*
 * tomo-phantom: test data with a known answer. Exact parallel-beam line
 * integrals of the 3D modified Shepp-Logan head or of random ellipsoids, the
 * ground-truth volume, or a simulated scan (counts, flats, darks, noise) as
 * DXchange or NXtomo HDF5. The work is in lib/phantom.c and phantom_scan.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tomo/phantom.h"
#include "tomo/tomo.h"
#include "tomo/tool.h"

enum {
	OPT_SIZE = 256,
	OPT_ROWS,
	OPT_ANGLES,
	OPT_RANGE,
	OPT_CENTER,
	OPT_RANDOM,
	OPT_VOLUME,
	OPT_FLATS,
	OPT_DARKS,
	OPT_PHOTONS,
	OPT_NEXUS,
	OPT_SEED,
	OPT_MU,
	OPT_ZINGERS,
};

static const struct tomo_opt opts[] = {
	{"size", 0, "N", "detector columns and volume width N (default 256)", OPT_SIZE},
	{"rows", 0, "R", "detector rows and volume slices (default N)", OPT_ROWS},
	{"angles", 0, "A", "projections (default ceil(pi/2 N))", OPT_ANGLES},
	{"range", 0, "START:STOP", "angles in degrees, STOP excluded (default 0:180)", OPT_RANGE},
	{"center", 0, "C", "rotation axis in detector columns (default N/2)", OPT_CENTER},
	{"random", 0, "SEED", "random ellipsoids for SEED instead of Shepp-Logan", OPT_RANDOM},
	{"volume", 0, "PATH", "also write the ground-truth N x N x R volume to PATH", OPT_VOLUME},
	{"flats", 0, "K", "simulated scan: K flat fields (default 10)", OPT_FLATS},
	{"darks", 0, "K", "simulated scan: K dark fields (default 10)", OPT_DARKS},
	{"photons", 0, "P", "simulated scan: photons per pixel at the beam's peak (default 10000)",
         OPT_PHOTONS},
	{"nexus", 0, NULL, "simulated scan as NXtomo instead of DXchange", OPT_NEXUS},
	{"seed", 0, "S", "simulated scan: noise seed (default the --random seed, else 1)",
         OPT_SEED},
	{"mu", 0, "MU", "simulated scan: attenuation per phantom unit and pixel (default 8/N)",
         OPT_MU},
	{"zingers", 0, "RATE", "simulated scan: zinger probability per pixel and frame (default 0)",
         OPT_ZINGERS},
	{NULL, 0, NULL, NULL, 0},
};

static const struct tomo_tool tool = {
	"tomo-phantom",
	"[options]",
	"Make test data: exact projections of a 3D phantom, its volume, or a "
	"simulated scan.",
	TOMO_COMMON_OUTPUT | TOMO_COMMON_THREADS | TOMO_COMMON_MEMORY | TOMO_COMMON_PROGRESS |
		TOMO_COMMON_PART,
	opts,
	0,
};

struct args {
	int64_t size, rows, angles;
	double start, stop, center;
	int random;
	uint64_t random_seed;
	const char *volume;
	int scan, nexus, seed_set;
	struct tomo_sim_scan s;
	int mu_set, zingers_set;
};

static void
handle(void *ctx, int key, const char *arg)
{
	struct args *a = ctx;

	switch (key) {
	case OPT_SIZE: a->size = tomo_arg_int("--size", arg, 1, 65536); break;
	case OPT_ROWS: a->rows = tomo_arg_int("--rows", arg, 1, 65536); break;
	case OPT_ANGLES: a->angles = tomo_arg_int("--angles", arg, 1, 1000000); break;
	case OPT_RANGE:
		if (tomo_arg_real_range("--range", arg, &a->start, &a->stop) == 0 &&
		    !(a->start < a->stop))
			tomo_usage_error("--range: '%s' needs START < STOP", arg);
		break;
	case OPT_CENTER: a->center = tomo_arg_double("--center", arg); break;
	case OPT_RANDOM:
		a->random = 1;
		a->random_seed = (uint64_t)tomo_arg_int("--random", arg, 0, INT64_MAX);
		break;
	case OPT_VOLUME:
		if (!*arg)
			tomo_usage_error("--volume: empty path");
		a->volume = arg;
		break;
	case OPT_FLATS:
		a->s.flats = tomo_arg_int("--flats", arg, 0, 100000);
		a->scan = 1;
		break;
	case OPT_DARKS:
		a->s.darks = tomo_arg_int("--darks", arg, 0, 100000);
		a->scan = 1;
		break;
	case OPT_PHOTONS:
		a->s.photons = tomo_arg_positive("--photons", arg, 0);
		a->scan = 1;
		break;
	case OPT_NEXUS: a->nexus = a->scan = 1; break;
	case OPT_SEED:
		a->s.seed = (uint64_t)tomo_arg_int("--seed", arg, 0, INT64_MAX);
		a->seed_set = 1;
		break;
	case OPT_MU:
		a->s.mu = tomo_arg_positive("--mu", arg, 1);
		a->mu_set = 1;
		break;
	case OPT_ZINGERS:
		a->s.zingers = tomo_arg_positive("--zingers", arg, 1);
		if (a->s.zingers > 1)
			tomo_usage_error("--zingers: %s is not a probability (0..1)", arg);
		a->zingers_set = 1;
		break;
	}
}

static int
is_hdf5_name(const char *path)
{
	static const char *const ext[] = {".h5", ".hdf5", ".hdf", ".nxs"};
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
		size_t e = strlen(ext[i]);
		if (n > e && !strcasecmp(path + n - e, ext[i]))
			return 1;
	}
	return 0;
}

static int
is_stdout(const char *path)
{
	return !path || !strcmp(path, "-");
}

/* Cross-option checks after parsing, all reported at once. */
static void
check(struct args *a, const struct tomo_common *c)
{
	if (a->scan && (!c->output || !is_hdf5_name(c->output)))
		tomo_usage_error("a simulated scan (--flats, --darks, --photons, "
		                 "--nexus) is written as HDF5: use -o FILE.h5, or "
		                 "--nexus -o FILE.nxs");
	if (!a->scan && (a->seed_set || a->mu_set || a->zingers_set))
		tomo_usage_error("--seed, --mu and --zingers apply to a simulated "
		                 "scan only (--flats, --darks, --photons, --nexus)");
	if (a->scan && c->nparts > 1)
		tomo_usage_error("--part makes parts of projections and volumes, not of a "
		                 "simulated scan (one HDF5 file with its flats and darks)");
	if (a->volume && is_stdout(a->volume) && is_stdout(c->output) && !a->scan)
		tomo_usage_error("--volume and the projections cannot both go to "
		                 "stdout: give -o PATH or a --volume PATH");
	if (a->volume && c->output && !strcmp(a->volume, c->output))
		tomo_usage_error("--volume and -o name the same file '%s'", a->volume);
	tomo_usage_done();
	/* Both outputs, before any computing. */
	int rc = tomo_output_check(c->output, 0);
	if (rc || (a->volume && (rc = tomo_output_check(a->volume, 0))))
		tomo_die_lib(rc);
}

static void
defaults(struct args *a)
{
	if (!a->rows)
		a->rows = a->size;
	if (!a->angles)
		a->angles = (int64_t)ceil(M_PI / 2 * (double)a->size);
	if (isnan(a->center))
		a->center = (double)a->size / 2;
	if (!a->mu_set)
		a->s.mu = tomo_phantom_default_mu(a->size);
	if (!a->seed_set)
		a->s.seed = a->random ? a->random_seed : 1;
	a->s.nexus = a->nexus;
}

static void
provenance(const struct args *a, char *name, size_t n)
{
	if (a->random)
		snprintf(name, n, "random %llu", (unsigned long long)a->random_seed);
	else
		snprintf(name, n, "shepp-logan");
}

static void
set_kv(struct tomo_header *h, const char *key, const char *value)
{
	if (tomo_header_set_kv(h, key, value))
		tomo_die_lib(TOMO_ERR);
}

int
main(int argc, char **argv)
{
	struct tomo_common c;
	struct args a = {
		.size = 256,
		.start = 0,
		.stop = 180,
		.center = NAN,
		.s = {.flats = 10, .darks = 10, .photons = 10000, .dark = 100},
	};
	struct tomo_detector det;
	struct tomo_phantom *p;
	struct tomo_header ph, vh;
	struct tomo_output *pout = NULL, *vout = NULL;
	struct tomo_progress pr;
	double *deg;
	char name[64], num[64];
	int rc;

	tomo_tool_init("tomo-phantom");
	tomo_opt_parse(&tool, argc, argv, &c, handle, &a);
	check(&a, &c);
	defaults(&a);
	provenance(&a, name, sizeof name);
	a.s.phantom = name;

	rc = a.random ? tomo_phantom_random(a.size, a.rows, a.random_seed, &p)
	              : tomo_phantom_shepp_logan(a.size, a.rows, &p);
	if (rc)
		tomo_die_lib(rc);
	deg = malloc((size_t)a.angles * sizeof *deg);
	if (!deg)
		tomo_die(TOMO_ERR, "out of memory for %lld angles", (long long)a.angles);
	for (int64_t i = 0; i < a.angles; i++)
		deg[i] = a.start + (a.stop - a.start) * (double)i / (double)a.angles;
	det = (struct tomo_detector){a.size, a.rows, a.center};

	tomo_header_init(&ph);
	ph.size[0] = a.size, ph.size[1] = a.rows, ph.size[2] = a.angles;
	ph.kind = TOMO_KIND_PROJECTIONS;
	ph.quantity = TOMO_QUANTITY_LINE_INTEGRAL;
	ph.center = a.center;
	if (tomo_header_set_angles(&ph, deg, a.angles))
		tomo_die_lib(TOMO_ERR);
	set_kv(&ph, "tomo_phantom", name);

	tomo_header_init(&vh);
	vh.size[0] = vh.size[1] = a.size, vh.size[2] = a.rows;
	vh.kind = TOMO_KIND_VOLUME;
	vh.quantity = TOMO_QUANTITY_ATTENUATION;
	set_kv(&vh, "tomo_phantom", name);
	if (a.scan) {
		tomo_format_double(num, sizeof num, a.s.mu);
		set_kv(&vh, "tomo_phantom_mu", num);
	}

	/* --part: its rows of the projections and its slices of the volume,
	 * written at their place. Open everything first: a refused output
	 * costs no computing. */
	int64_t r0, r1, z0, z1;
	tomo_part_range(a.rows, 1, c.part, c.nparts, &r0, &r1);
	tomo_part_range(a.rows, 1, c.part, c.nparts, &z0, &z1);
	const struct tomo_box preg = {0, a.size, r0, r1 - r0, 0, a.angles};
	const struct tomo_box vreg = {0, a.size, 0, a.size, z0, z1 - z0};
	if (!a.scan && (rc = tomo_output_open_region(c.output, &ph, &preg, &pout)))
		tomo_die_lib(rc);
	if (a.volume && (rc = tomo_output_open_region(a.volume, &vh, &vreg, &vout)))
		tomo_die_lib(rc);

	tomo_verbose("%s phantom, %lld x %lld detector, %lld angles %g..%g "
	             "degrees, center %g",
	             name, (long long)a.size, (long long)a.rows, (long long)a.angles, a.start,
	             a.stop, a.center);
	const int64_t frames = a.angles + (a.scan ? a.s.flats + a.s.darks : 0);
	tomo_progress_start(&pr, &c, "phantom", "planes", frames + (a.volume ? a.rows : 0));
	struct tomo_progress_cb cb = tomo_progress_cb_of(&pr);
	tomo_progress_part(&pr, 0, frames);
	if (a.scan) {
		tomo_verbose("simulated %s scan: %lld flats, %lld darks, %g photons, "
		             "mu %g, seed %llu",
		             a.nexus ? "NXtomo" : "DXchange", (long long)a.s.flats,
		             (long long)a.s.darks, a.s.photons, a.s.mu,
		             (unsigned long long)a.s.seed);
		rc = tomo_sim_scan_write(p, &det, deg, a.angles, &a.s, c.output, c.memory, &cb);
	} else {
		rc = tomo_phantom_write_projections(p, &det, deg, a.angles, pout, &preg, c.memory,
		                                    &cb);
	}
	if (rc)
		tomo_die_lib(rc);
	tomo_progress_part(&pr, frames, a.rows);
	if (vout && (rc = tomo_phantom_write_volume(p, a.size, a.rows, vout, &vreg, c.memory, &cb)))
		tomo_die_lib(rc);
	tomo_progress_end(&pr);
	if (vout && (rc = tomo_output_close(vout)))
		tomo_die_lib(rc);
	if (pout && (rc = tomo_output_close(pout)))
		tomo_die_lib(rc);
	tomo_header_free(&ph);
	tomo_header_free(&vh);
	tomo_phantom_free(p);
	free(deg);
	if (fflush(stdout) || ferror(stdout))
		tomo_die(TOMO_ERR, "cannot write to stdout");
	return 0;
}
