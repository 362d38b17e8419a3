/*
 * format: the one table of the formats tomo reads and writes, by name,
 * extension and magic bytes, with each one's reader and writer (the
 * back-ends input_*.c and output_*.c) and what it can do. The fronts
 * (input.c, output.c, image.c) choose through it and nothing else knows
 * extensions. Adding a format is one back-end file and one row of
 * lib/format.c (HACKING.md, "Adding a format"). Internal to libtomo.
 */
#ifndef TOMO_FORMAT_H
#define TOMO_FORMAT_H

#include <stddef.h>

#include "tomo/image.h"
#include "tomo/io.h"

/* What a format can do (struct tomo_format.flags). */
enum {
	/* A regular file whose samples lie at fixed offsets, created at its
	 * full size: boxes are written in place in any order, and parts of
	 * one output (tomo_output_open_region) by several processes. */
	TOMO_FMT_IN_PLACE = 1 << 0,
	/* Written plane after plane, in order only (no parts). */
	TOMO_FMT_SEQUENTIAL = 1 << 1,
	/* A directory store: the name is a directory the writer fills and
	 * completes (its metadata last), not a file renamed into place. */
	TOMO_FMT_DIRECTORY = 1 << 2,
	/* "file:/path" names an object inside the file (HDF5 datasets). */
	TOMO_FMT_DATASET = 1 << 3,
	/* No header: read only with a shape (--shape), which makes any file
	 * of no known extension this format. */
	TOMO_FMT_HEADERLESS = 1 << 4,
	/* Also reads a directory or a glob of single-image files. */
	TOMO_FMT_STACK = 1 << 5,
	/* Written to stdout and under names of no known extension. */
	TOMO_FMT_DEFAULT = 1 << 6,
};

struct tomo_format {
	const char *name;         /* as tomo_input_format says: "nrrd", "hdf5" */
	const char *label;        /* in messages: "NRRD", "TIFF", "NumPy .npy" */
	const char *const *exts;  /* with the dot, lower case; the first is suggested */
	/* How messages name an output of this format (".h5:/dataset"); NULL
	 * when it is not written. */
	const char *hint;
	/* 1 when the first n bytes of a file are this format's; NULL: no
	 * magic bytes. */
	int (*probe)(const unsigned char *head, size_t n);
	/* Read the file path (dataset: the object named inside it, or NULL).
	 * Fills in (tomo_input_ops, header, ...; in->name is set). NULL: this
	 * format is not read. */
	int (*open_input)(struct tomo_input *in, const char *path, const char *dataset,
	                  const struct tomo_input_opts *o);
	/* Read a stream on fd (stdin). NULL: not read from a pipe. */
	int (*open_stream)(struct tomo_input *in, int fd, const struct tomo_input_opts *o);
	/* Write o (o->path, o->dataset, o->hdr, o->target, o->in_place set by
	 * the front): sets o->ops and o->impl, and opens its own file or
	 * directory. NULL: not written; refusal says why. */
	int (*open_output)(struct tomo_output *o);
	const char *refusal;
	/* The grey-level image tomo-slice writes under this name. */
	enum tomo_image_format image;
	unsigned flags;
};

/* The format whose extension ends path (case-insensitive), or NULL. */
const struct tomo_format *tomo_format_by_ext(const char *path);
/* The format whose magic bytes start head, or NULL. */
const struct tomo_format *tomo_format_by_magic(const unsigned char *head, size_t n);
/* The format of the file path by its first bytes, or NULL (also when it
 * cannot be read). */
const struct tomo_format *tomo_format_sniff(const char *path);
/* The first format with every bit of flags (e.g. TOMO_FMT_DEFAULT). */
const struct tomo_format *tomo_format_with(unsigned flags);

/* Sets of formats, for messages (tomo_format_list). */
enum tomo_format_set {
	TOMO_FORMATS_READ,     /* what inputs may be */
	TOMO_FORMATS_WRITTEN,  /* what tomo_output_open writes */
	TOMO_FORMATS_IN_PLACE, /* what parts are written into */
	TOMO_FORMATS_IMAGES,   /* written by tomo-slice only (.png, .pgm) */
};
/* How tomo_format_list names each format. */
enum tomo_format_word { TOMO_FORMAT_LABEL, TOMO_FORMAT_HINT, TOMO_FORMAT_EXT };

/* The formats of set, each named as word says, joined by ", " and the
 * last by last_sep (", " or " or "), into buf (truncated to size). */
void tomo_format_list(char *buf, size_t size, enum tomo_format_set set,
                      enum tomo_format_word word, const char *last_sep);

/* 1 when path ends with ext (case-insensitive) after at least one byte. */
int tomo_path_has_ext(const char *path, const char *ext);

#endif
