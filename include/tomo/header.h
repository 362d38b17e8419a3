/*
 * header: what a stream holds besides its samples: sizes, the tomo_* keys of
 * the NRRD stream (kind, quantity, angles, pixel size, energy, distance,
 * centre) and any other key/value pairs, which tools carry through unchanged.
 * Every format's reader fills one of these; every writer takes one. Also
 * the angle lists that tools read from text files (--angles).
 */
#ifndef TOMO_HEADER_H
#define TOMO_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "tomo/api.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tomo_kind {
	TOMO_KIND_UNKNOWN = 0,
	TOMO_KIND_PROJECTIONS, /* x column, y row, z angle */
	TOMO_KIND_SINOGRAMS,   /* x column, y angle, z row */
	TOMO_KIND_VOLUME,      /* x, y, z slice (z follows detector rows) */
};

enum tomo_quantity {
	TOMO_QUANTITY_UNKNOWN = 0,
	TOMO_QUANTITY_COUNTS,        /* raw detector counts */
	TOMO_QUANTITY_TRANSMISSION,  /* I / I0 after flat/dark correction */
	TOMO_QUANTITY_LINE_INTEGRAL, /* -ln(transmission), per pixel length */
	TOMO_QUANTITY_ATTENUATION,   /* reconstructed mu */
};

struct tomo_kv {
	char *key;
	char *value;
};

struct tomo_header {
	int64_t size[3];             /* x (fastest), y, z; each >= 1 */
	enum tomo_kind kind;
	enum tomo_quantity quantity;
	double *angles;              /* degrees, nangles values; owned; NULL if absent */
	int64_t nangles;
	double pixel_size;           /* metres; NAN if absent */
	double energy;               /* keV; NAN if absent */
	double distance;             /* metres, sample to detector; NAN if absent */
	double center;               /* rotation axis, TomoPy convention; NAN if absent */
	double spacing[3];           /* NRRD "spacings" per axis; NAN if absent */
	struct tomo_kv *kv;          /* other key/value pairs, in input order; owned */
	int nkv;
};

/* An empty header: sizes 1, unknown kind and quantity, no angles, NAN reals. */
TOMO_API void tomo_header_init(struct tomo_header *h);
TOMO_API void tomo_header_free(struct tomo_header *h);

/* Deep copy; dst must not be initialised or must have been freed. */
TOMO_API int tomo_header_copy(struct tomo_header *dst, const struct tomo_header *src);

/* Replace the angle list (copied). n == 0 removes it. */
TOMO_API int tomo_header_set_angles(struct tomo_header *h, const double *deg, int64_t n);

/* The angle list that --angles names: SPEC is a text file of angles in
 * degrees, one per line (blank lines and '#' comments skipped), or
 * FILE:FIRST:END[:STEP] for the angles FIRST, FIRST+STEP, ... before END
 * of it, counted from 0 over the lines that hold a number, as a Python
 * slice: a negative bound counts from the end, an empty one is the start
 * or the end; but a bound past the end is an error, not clamped. *deg
 * (malloc'd) gets the *n angles selected, *total those of the file.
 * TOMO_EUSAGE for a step below 1 or no file name; TOMO_ERR for a file that
 * cannot be read, a line that is not a number, no angles, a bound out of
 * range or an empty selection. */
TOMO_API int tomo_angles_read(const char *spec, double **deg, int64_t *n, int64_t *total);

/* TOMO_OK when the n angles read from spec (total in its file) are one
 * per projection of input (its name in messages), which has want of them;
 * else TOMO_ERR with a message naming both counts and, for a whole file,
 * how to select lines of it. */
TOMO_API int tomo_angles_match(const char *spec, int64_t n, int64_t total, int64_t want,
                               const char *input);

/* Where a tool's projection angles come from, first given first: an
 * angle file (--angles, read with tomo_angles_read), an even range
 * (--range START:STOP), the stream's tomo_angles, else 0:180 evenly. */
struct tomo_angle_source {
	const char *file;       /* --angles SPEC, or NULL */
	const double *file_deg; /* its selected angles */
	int64_t file_n, file_total;
	int have_range;
	double range[2];        /* START, STOP (excluded), degrees */
};

/* Projections a tool reconstructs at most (tomo_angles_choose). */
#define TOMO_ANGLES_MAX ((int64_t)1 << 24)

/* The nproj angles of input (named in messages) with header h from s, in
 * *deg (malloc'd). TOMO_ERR naming both counts when a file's or the
 * stream's list does not hold nproj angles (tomo_angles_match's message
 * for a file), and, before anything is allocated, when nproj is more than
 * TOMO_ANGLES_MAX (a stream's header can claim any count). */
TOMO_API int tomo_angles_choose(const struct tomo_angle_source *s, const struct tomo_header *h,
                                const char *input, int64_t nproj, double **deg);

/* Bit sets of kinds and quantities (1 << TOMO_KIND_*, 1 << TOMO_QUANTITY_*). */
#define TOMO_KINDS(k) (1u << (k))
#define TOMO_QUANTITIES(q) (1u << (q))

/* The stream contract of a stage: TOMO_OK when h's kind is in kinds and
 * its quantity in quantities (an unknown kind or quantity is taken as
 * the stage takes it); else TOMO_ERR with one message in one wording for
 * every tool: "INPUT holds WHAT; TOOL takes WHAT IT TAKES", with the way
 * out where there is one (raw counts: run tomo-flat first). */
TOMO_API int tomo_stream_accept(const struct tomo_header *h, const char *input, const char *tool,
                                unsigned kinds, unsigned quantities);

/* Set (add or replace) a carried key; value NULL removes it. Keys must not
 * contain ":=" nor newlines; the tomo_* keys above are rejected here. */
TOMO_API int tomo_header_set_kv(struct tomo_header *h, const char *key, const char *value);
TOMO_API const char *tomo_header_get_kv(const struct tomo_header *h, const char *key);

/* Number of samples x*y*z; fails (TOMO_ERR) on overflow past INT64_MAX/8. */
TOMO_API int tomo_header_count(const struct tomo_header *h, int64_t *count);

/* Names used in the stream ("projections", "line-integral", ...). */
TOMO_API const char *tomo_kind_name(enum tomo_kind k);
TOMO_API const char *tomo_quantity_name(enum tomo_quantity q);
/* Parse a name; returns -1 if unknown. */
TOMO_API int tomo_kind_parse(const char *s);
TOMO_API int tomo_quantity_parse(const char *s);

/* Sample types of the formats we read. Every reader converts to float32. */
enum tomo_dtype {
	TOMO_DTYPE_INVALID = 0,
	TOMO_U8, TOMO_I8, TOMO_U16, TOMO_I16, TOMO_U32, TOMO_I32,
	TOMO_U64, TOMO_I64, TOMO_F32, TOMO_F64,
};
TOMO_API size_t tomo_dtype_size(enum tomo_dtype t);
TOMO_API const char *tomo_dtype_name(enum tomo_dtype t);

/* Convert n samples of type t (byte-swapped first when swap) to float. */
TOMO_API void tomo_convert_to_float(const void *src, enum tomo_dtype t, int swap,
                                    float *dst, size_t n);

#ifdef __cplusplus
}
#endif

#endif
