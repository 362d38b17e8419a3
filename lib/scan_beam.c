/*
 * scan_beam: the X-ray energy, sample-detector distance and pixel size at
 * the sample that a DXchange or NXtomo file records (lib/scan_beam.h).
 * Looks at a fixed list of places per layout, honours a units attribute,
 * assumes the documented unit without one, and refuses rather than guesses:
 * nothing found or nothing usable leaves the value out.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdf5_common.h"
#include "scan_beam.h"
#include "scan_impl.h"

/* Values outside these are unit mistakes (an energy in eV read as keV, a
 * pixel in um read as m), not beamlines: refused with a warning. */
#define ENERGY_MIN 0.1    /* keV */
#define ENERGY_MAX 1000.0 /* keV */
#define PIXEL_MIN  1e-9   /* m */
#define PIXEL_MAX  1e-2   /* m */
#define DIST_MAX   1000.0 /* m */

/* A per-frame dataset is accepted when all its values agree this well. */
#define SAME_REL 1e-9

struct unit {
	const char *name;
	int exact; /* compare with case */
	double factor;
};

/* Words also match with a plural s (microns, metres, joules). */
static const struct unit energy_units[] = {
	{"keV", 0, 1},
	{"kiloelectronvolt", 0, 1},
	{"eV", 0, 1e-3},
	{"electronvolt", 0, 1e-3},
	{"MeV", 1, 1e3},
	{"meV", 1, 1e-6},
	{"J", 0, 1 / 1.602176634e-16},
	{"joule", 0, 1 / 1.602176634e-16},
};

static const struct unit length_units[] = {
	{"m", 1, 1},
	{"metre", 0, 1},
	{"meter", 0, 1},
	{"cm", 0, 1e-2},
	{"mm", 1, 1e-3},
	{"millimetre", 0, 1e-3},
	{"millimeter", 0, 1e-3},
	{"um", 0, 1e-6},
	{"\xc2\xb5m", 0, 1e-6}, /* micro sign */
	{"\xce\xbcm", 0, 1e-6}, /* Greek mu */
	{"micron", 0, 1e-6},
	{"micrometre", 0, 1e-6},
	{"micrometer", 0, 1e-6},
	{"nm", 0, 1e-9},
	{"nanometre", 0, 1e-9},
	{"nanometer", 0, 1e-9},
};

static int
same_unit(const char *u, size_t len, const struct unit *t)
{
	size_t n = strlen(t->name);

	/* The plural of a word (not of a symbol such as m or mm). */
	if (len == n + 1 && n > 2 && (u[n] == 's' || u[n] == 'S'))
		len = n;
	return len == n && !(t->exact ? strncmp(u, t->name, n) : strncasecmp(u, t->name, n));
}

double
tomo_scan_beam_unit(const char *u, enum tomo_scan_beam_dim dim)
{
	const struct unit *t = dim == TOMO_SCAN_BEAM_ENERGY ? energy_units : length_units;
	size_t n = dim == TOMO_SCAN_BEAM_ENERGY ? sizeof energy_units / sizeof *energy_units
	                                        : sizeof length_units / sizeof *length_units;
	size_t len;

	if (!u)
		return 0;
	while (isspace((unsigned char)*u))
		u++;
	len = strlen(u);
	while (len && isspace((unsigned char)u[len - 1]))
		len--;
	for (size_t i = 0; i < n; i++)
		if (same_unit(u, len, &t[i]))
			return t[i].factor;
	return 0;
}

/* ---- messages */

static char *vfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *
vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

struct ctx {
	struct tomo_scan_input *s;
	hid_t file;
	const char *fname;
};

static void say(struct ctx *c, int warn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* warn: a warning (s->notes); else a -v line (s->info). */
static void
say(struct ctx *c, int warn, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = vfmt(fmt, ap);
	va_end(ap);
	if (warn)
		tomo_scan_note(c->s, text);
	else
		tomo_scan_info(c->s, text);
}

/* ---- reading one field */

enum { ABSENT = 0, GOT = 1, BAD = -1 };

/* A number read from the file: its value, the unit it was given in (the
 * units or unit attribute, or a unit written after the number in a
 * string), and "path = 6.5 um" for messages. */
struct field {
	double v;
	char *units;
	char text[600];
};

/* The numbers of a numeric dataset: one, or several that agree. */
static int
read_numbers(hid_t ds, hssize_t n, struct field *f, char *why, size_t whylen)
{
	double *v = n >= 1 && n <= (1 << 20) ? malloc((size_t)n * sizeof *v) : NULL;
	int rc = GOT;

	if (!v || H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
		snprintf(why, whylen, n < 1 ? "it is empty" : "it cannot be read: %s",
		         tomo_hdf5_msg());
		free(v);
		return BAD;
	}
	for (hssize_t i = 0; i < n && rc == GOT; i++)
		if (!isfinite(v[i]) || fabs(v[i] - v[0]) > SAME_REL * fabs(v[0])) {
			snprintf(why, whylen,
			         isfinite(v[i]) ? "its %lld values differ (%g at 0, %g at %lld)"
			                        : "its %lld values include %g (at 0), %g (at %lld)",
			         (long long)n, v[0], v[i], (long long)i);
			rc = BAD;
		}
	f->v = v[0];
	free(v);
	return rc;
}

/* A number in a string: "25", "6.5 um", "5x" (a magnification). */
static int
parse_string(const char *s, struct field *f, char *why, size_t whylen)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !isfinite(v)) {
		snprintf(why, whylen, "'%.80s' is not a number", s);
		return BAD;
	}
	while (isspace((unsigned char)*end))
		end++;
	f->v = v;
	if (*end && strcmp(end, "x") && strcmp(end, "X"))
		f->units = strdup(end);
	return GOT;
}

/* The field at path: GOT (f set), ABSENT, or BAD (why says why). */
static int
read_field(hid_t file, const char *path, struct field *f, char *why, size_t whylen)
{
	hid_t ds, t, sp;
	H5T_class_t cls;
	hssize_t n;
	int rc;

	memset(f, 0, sizeof *f);
	if (!tomo_hdf5_resolves(file, path))
		return ABSENT;
	if ((ds = H5Dopen2(file, path, H5P_DEFAULT)) < 0) {
		snprintf(why, whylen, "it is not a dataset");
		return BAD;
	}
	t = H5Dget_type(ds);
	sp = H5Dget_space(ds);
	cls = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
	n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
	if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
		rc = read_numbers(ds, n, f, why, whylen);
	} else if (cls == H5T_STRING) {
		char *s = tomo_hdf5_string_dataset(file, path);
		if (s) {
			rc = parse_string(s, f, why, whylen);
		} else {
			snprintf(why, whylen, "it holds %lld strings, not one", (long long)n);
			rc = BAD;
		}
		free(s);
	} else {
		snprintf(why, whylen, "it holds neither a number nor a string");
		rc = BAD;
	}
	if (rc == GOT) {
		char *u = tomo_hdf5_string_attr(ds, "units");
		/* ESRF's nxtomo writes "unit". */
		if (!u)
			u = tomo_hdf5_string_attr(ds, "unit");
		if (u) {
			free(f->units);
			f->units = u;
		}
		snprintf(f->text, sizeof f->text, "'%s' = %g%s%s", path, f->v, f->units ? " " : "",
		         f->units ? f->units : "");
	}
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	H5Dclose(ds);
	return rc;
}

/* ---- quantities */

/* One place a quantity may be: path, and the unit assumed without one. */
struct place {
	char *path;
	const char *unit;
};

static const char *
dim_name(enum tomo_scan_beam_dim d)
{
	return d == TOMO_SCAN_BEAM_ENERGY ? "an energy" : "a length";
}

/* The quantity at p in keV or metres: GOT (*out, and a description in
 * how), ABSENT, or BAD (said: a -v line when unreadable, a warning when a
 * value is there but unusable). what names the key for messages. */
static int
quantity(struct ctx *c, const struct place *p, enum tomo_scan_beam_dim dim, const char *what,
         double *out, char *how, size_t howlen)
{
	struct field f;
	char why[300];
	double k;
	int rc = read_field(c->file, p->path, &f, why, sizeof why);

	if (rc == ABSENT)
		return ABSENT;
	if (rc == BAD) {
		say(c, 0, "%s: '%s' in '%s' not used: %s", what, p->path, c->fname, why);
		free(f.units);
		return BAD;
	}
	k = tomo_scan_beam_unit(f.units ? f.units : p->unit, dim);
	if (!k) {
		say(c, 1, "%s: '%s' in '%s' ignored: units '%s' are not %s", what, p->path,
		    c->fname, f.units, dim_name(dim));
		free(f.units);
		return BAD;
	}
	*out = f.v * k;
	snprintf(how, howlen, "%s%s%s", f.text,
	         f.units ? "" : " (no units: ", f.units ? "" : p->unit);
	if (!f.units)
		snprintf(how + strlen(how), howlen - strlen(how), " assumed)");
	free(f.units);
	if (!(f.v > 0)) {
		say(c, 1, "%s: ignored %s in '%s': not positive", what, how, c->fname);
		return BAD;
	}
	return GOT;
}

/* A magnification (a plain number, "5x" accepted): GOT, ABSENT or BAD. */
static int
magnification(struct ctx *c, const char *path, double *m, char *how, size_t howlen)
{
	struct field f;
	char why[300];
	int rc = read_field(c->file, path, &f, why, sizeof why);

	free(f.units);
	if (rc == BAD)
		say(c, 0, "tomo_pixel_size: '%s' in '%s' not used: %s", path, c->fname, why);
	if (rc != GOT)
		return rc;
	snprintf(how, howlen, "%s", f.text);
	if (!(f.v > 0)) {
		say(c, 1, "tomo_pixel_size: ignored %s in '%s': not positive", how, c->fname);
		return BAD;
	}
	*m = f.v;
	return GOT;
}

/* In range, or refused with a warning. */
static int
plausible(struct ctx *c, const char *what, double v, double lo, double hi, const char *unit,
          const char *how)
{
	if (v >= lo && v <= hi)
		return 1;
	say(c, 1, "%s: ignored %s in '%s': %g %s is outside %g..%g %s (a unit mistake?)", what, how,
	    c->fname, v, unit, lo, hi, unit);
	return 0;
}

/* The first usable of places: the value, or NAN (with a -v line saying
 * where it was looked for). */
static double
first_of(struct ctx *c, const struct place *p, int n, enum tomo_scan_beam_dim dim, const char *what,
         double lo, double hi)
{
	const char *unit = dim == TOMO_SCAN_BEAM_ENERGY ? "keV" : "m";
	char how[900], list[1200] = "";
	double v;

	for (int i = 0; i < n; i++) {
		if (!p[i].path)
			continue;
		if (quantity(c, &p[i], dim, what, &v, how, sizeof how) == GOT &&
		    plausible(c, what, v, lo, hi, unit, how)) {
			say(c, 0, "%s %g %s from %s", what, v, unit, how);
			return v;
		}
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s'%s'", i ? ", " : "",
		         p[i].path);
	}
	say(c, 0, "%s: none usable in '%s' (looked at %s)", what, c->fname, list);
	return NAN;
}

/* The pixel size at the sample: an effective size (places eff), else a
 * detector pixel (places det) divided by the magnification at mag. */
static double
pixel_size(struct ctx *c, const struct place *eff, int neff, const struct place *det, int ndet,
           const char *mag)
{
	const char *what = "tomo_pixel_size";
	char how[900], mhow[700];
	double v, m;

	for (int i = 0; i < neff; i++)
		if (eff[i].path &&
		    quantity(c, &eff[i], TOMO_SCAN_BEAM_LENGTH, what, &v, how, sizeof how) == GOT &&
		    plausible(c, what, v, PIXEL_MIN, PIXEL_MAX, "m", how)) {
			say(c, 0, "%s %g m from %s", what, v, how);
			return v;
		}
	for (int i = 0; i < ndet; i++) {
		if (!det[i].path ||
		    quantity(c, &det[i], TOMO_SCAN_BEAM_LENGTH, what, &v, how, sizeof how) != GOT)
			continue;
		int rc = mag ? magnification(c, mag, &m, mhow, sizeof mhow) : ABSENT;
		if (rc == ABSENT)
			say(c, 0,
			    "%s: %s is the detector's pixel, and '%s' has no magnification "
			    "(%s): not the pixel at the sample",
			    what, how, c->fname, mag ? mag : "none for this layout");
		if (rc != GOT)
			return NAN;
		char both[1700];
		snprintf(both, sizeof both, "%s / %s", how, mhow);
		if (!plausible(c, what, v / m, PIXEL_MIN, PIXEL_MAX, "m", both))
			return NAN;
		say(c, 0, "%s %g m from %s", what, v / m, both);
		return v / m;
	}
	say(c, 0, "%s: no pixel size at the sample in '%s'", what, c->fname);
	return NAN;
}

static char *
join(const char *group, const char *rel)
{
	char *s = NULL;
	return asprintf(&s, "%s/%s", group, rel) < 0 ? NULL : s;
}

static void
read_dxchange(struct ctx *c, struct tomo_header *h)
{
	/* The DXfile reference (dxfile.readthedocs.io, xraytomo) and the
	 * APS 2-BM/32-ID areaDetector layouts, which write units; without
	 * them, what those layouts use (the reference says joules for the
	 * energy, which no beamline writes: refused as implausible). */
	static const struct place energy[] = {
		{"/measurement/instrument/monochromator/energy", "keV"},
	};
	static const struct place dist[] = {
		{"/measurement/instrument/detector_motor_stack/setup/z", "mm"},
		{"/measurement/instrument/detector/distance", "mm"},
		{"/measurement/instrument/sample_motor_stack/detector_distance", "mm"},
	};
	static const struct place eff[] = {
		{"/measurement/instrument/detection_system/objective/resolution", "um"},
		{"/measurement/instrument/detector/actual_pixel_size_x", "m"},
	};
	static const struct place det[] = {
		{"/measurement/instrument/detector/pixel_size_x", "m"},
		{"/measurement/instrument/detector/pixel_size", "um"},
	};

	h->energy = first_of(c, energy, 1, TOMO_SCAN_BEAM_ENERGY, "tomo_energy", ENERGY_MIN,
	                     ENERGY_MAX);
	h->distance = first_of(c, dist, 3, TOMO_SCAN_BEAM_LENGTH, "tomo_distance", 0, DIST_MAX);
	h->pixel_size =
		pixel_size(c, eff, 2, det, 2,
	                   "/measurement/instrument/detection_system/objective/magnification");
}

/* NXtomo (NeXus application definition): detector x_pixel_size and
 * distance; the energy is not part of it, so where NXbeam and
 * NXmonochromator keep it (ESRF's nxtomo writes instrument/beam). NXsource
 * energy is the storage ring's, not the X-rays': not read. */
static void
read_nxtomo(struct ctx *c, struct tomo_header *h, const char *entry, const char *stack)
{
	struct place energy[3] = {
		{join(entry, "instrument/beam/incident_energy"), "keV"},
		{join(entry, "beam/incident_energy"), "keV"},
		{join(entry, "instrument/monochromator/energy"), "keV"},
	};
	struct place dist[2] = {
		{join(stack, "distance"), "m"},
		{join(entry, "instrument/detector/distance"), "m"},
	};
	struct place eff[3] = {
		{join(entry, "sample/x_pixel_size"), "m"},
		{join(stack, "x_pixel_size"), "m"},
		{join(entry, "instrument/detector/x_pixel_size"), "m"},
	};

	/* The stack is usually entry/instrument/detector: look once. */
	if (dist[0].path && dist[1].path && !strcmp(dist[0].path, dist[1].path)) {
		free(dist[1].path);
		dist[1].path = NULL;
	}
	if (eff[1].path && eff[2].path && !strcmp(eff[1].path, eff[2].path)) {
		free(eff[2].path);
		eff[2].path = NULL;
	}
	h->energy = first_of(c, energy, 3, TOMO_SCAN_BEAM_ENERGY, "tomo_energy", ENERGY_MIN,
	                     ENERGY_MAX);
	h->distance = first_of(c, dist, 2, TOMO_SCAN_BEAM_LENGTH, "tomo_distance", 0, DIST_MAX);
	h->pixel_size = pixel_size(c, eff, 3, NULL, 0, NULL);
	for (int i = 0; i < 3; i++) {
		free(energy[i].path);
		free(eff[i].path);
	}
	free(dist[0].path);
	free(dist[1].path);
}

void
tomo_scan_beam_read(struct tomo_scan_input *s, hid_t file, const char *fname, const char *entry,
                    const char *stack)
{
	struct ctx c = {s, file, fname};

	if (s->layout == TOMO_SCAN_DXCHANGE)
		read_dxchange(&c, &s->hdr);
	else if (s->layout == TOMO_SCAN_NXTOMO)
		read_nxtomo(&c, &s->hdr, entry ? entry : "", stack ? stack : "");
}
