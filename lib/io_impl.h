/*
 * io_impl: what the format back-ends (input_*.c, output_*.c) share with the
 * io fronts (input.c, output.c, image.c). Layers, each calling only those
 * below it: the fronts; the format table (format.c); the back-ends; the
 * helpers both use (io_common.c, output_file.c). Not installed; tools use
 * tomo/io.h.
 */
#ifndef TOMO_IO_IMPL_H
#define TOMO_IO_IMPL_H

#include <stdint.h>

#include "tomo/header.h"
#include "tomo/io.h"

struct tomo_input_ops {
	/* Read box b (already checked against the sizes, and for sequential
	 * inputs against in->next_z) into dst. */
	int (*read)(struct tomo_input *in, const struct tomo_box *b, float *dst);
	void (*close)(struct tomo_input *in);
};

struct tomo_input {
	struct tomo_header hdr;
	const struct tomo_input_ops *ops;
	void *impl;
	char *name;           /* for messages */
	const char *format;   /* "nrrd", "raw", "tiff", "hdf5" */
	enum tomo_dtype dtype;
	int sequential;       /* forward-only (pipe) */
	int64_t next_z;       /* sequential: the first plane not yet consumed */
	const float *mapped;  /* float32 LE samples in place, or NULL */
	int64_t chunk_cache;  /* tomo_input_opts.chunk_cache */
	/* Read box b (checked) in the stored type, native byte order, or NULL
	 * when the back-end cannot (tomo_input_read_native). */
	int (*read_native)(struct tomo_input *in, const struct tomo_box *b, void *dst);
	struct tomo_input_scan scan; /* layout NULL: no scan file */
	char *scan_dataset;          /* scan.dataset's storage */
	/* The box of a whole that the input holds (a part's stream: its
	 * tomo_region key), and the whole's sizes (tomo_input_region). */
	struct tomo_box region;
	int64_t whole[3];
};

/* Back-end constructors (the rows of lib/format.c): fill in (hdr, ops,
 * impl, format, dtype, ...); in->name is already set. path is the file,
 * dataset the object named inside it (or NULL), o the caller's options (or
 * NULL). On failure they leave nothing allocated. */
int tomo_input_open_nrrd(struct tomo_input *in, const char *path, const char *dataset,
                         const struct tomo_input_opts *o);
/* .raw: needs o->shape. */
int tomo_input_open_raw(struct tomo_input *in, const char *path, const char *dataset,
                        const struct tomo_input_opts *o);
/* A NumPy .npy file (input_npy.c). */
int tomo_input_open_npy(struct tomo_input *in, const char *path, const char *dataset,
                        const struct tomo_input_opts *o);
/* path: a multi-page TIFF, a directory of single-page TIFFs or a glob. */
int tomo_input_open_tiff(struct tomo_input *in, const char *path, const char *dataset,
                         const struct tomo_input_opts *o);
/* dataset NULL: the one tomo_hdf5_pick chooses; fills in->scan. */
int tomo_input_open_hdf5(struct tomo_input *in, const char *path, const char *dataset,
                         const struct tomo_input_opts *o);
/* Streams on fd (a pipe or a file positioned at the start): a NRRD header
 * and its samples (input_nrrd.c), or float32 samples of o->shape. */
int tomo_input_open_nrrd_stream(struct tomo_input *in, int fd, const struct tomo_input_opts *o);
int tomo_input_open_raw_stream(struct tomo_input *in, int fd, const struct tomo_input_opts *o);

/* A file whose samples are a C-order array of in->hdr.size (set by the
 * caller) of type, big endian or not, offset bytes in: mapped and read as
 * .raw files are (input_raw.c). Sets all but in->format. */
int tomo_input_open_array(struct tomo_input *in, const char *path, enum tomo_dtype type,
                          int big_endian, int64_t offset);
/* The same on a stream fd, read forward: pre (pre_len bytes, malloc'd,
 * taken over, even on failure) are its first bytes, read already. */
int tomo_input_open_array_stream(struct tomo_input *in, int fd, enum tomo_dtype type,
                                 int big_endian, unsigned char *pre, size_t pre_len);

/* A .npy header (NumPy's format, versions 1.0, 2.0 and 3.0). */
struct tomo_npy {
	enum tomo_dtype type;
	int big_endian;
	int rank;            /* 1 to 3 */
	int64_t shape[3];    /* NumPy's order: the last is the fastest (x) */
	int64_t data_offset; /* bytes before the samples */
	char descr[16];      /* the dtype as written, for messages */
};

/* Parse the first n bytes of a .npy file into h. TOMO_ERR with a message
 * that does not name the file (callers add it) when the header is cut
 * short, malformed, Fortran-ordered, of an unsupported dtype (named), or
 * of a shape other than 1 to 3 positive sizes. */
int tomo_npy_parse(const void *buf, size_t n, struct tomo_npy *h);

/* The .npy header (version 1.0) of a float32 little-endian C-order array
 * of sizes (x fastest), shape (z, y, x), padded with spaces so that the
 * samples start at a multiple of 64 bytes. malloc'd (*len bytes, no NUL
 * counted); NULL when out of memory. */
char *tomo_npy_format(const int64_t size[3], size_t *len);

/* fd: a pipe or file positioned at a NRRD header (shape NULL) or at raw
 * float32 samples (shape given): the stream reader of the format table's
 * default or headerless format (input.c). */
int tomo_input_open_stream(struct tomo_input *in, int fd, const char *shape);

/* The key of a part's stream saying where it lies in the whole:
 * "X0 Y0 Z0 NX NY NZ" (tomo_output_open_region, tomo_input_region). */
#define TOMO_REGION_KEY "tomo_region"

/* Where an output goes (set by the front before the back-end opens). */
enum tomo_output_target {
	TOMO_TARGET_FILE,   /* a name: a new file (or directory store), or a part's file */
	TOMO_TARGET_STDOUT, /* a pipe or file on stdout, written in order */
	TOMO_TARGET_DEVICE, /* an existing device or FIFO, written in place, in order */
};

struct tomo_output_ops {
	/* Write box b, in o->hdr's coordinates and inside its sizes, of
	 * [nz][ny][nx] floats. The front has checked it and, on a sequential
	 * output, that it holds whole planes following those written. */
	int (*write)(struct tomo_output *o, const struct tomo_box *b, const float *data);
	/* Every sample was written: flush, close, and make the output appear
	 * whole under its name (a file: rename of its temporary file; a part:
	 * nothing to rename; a directory store: its metadata last). On
	 * failure, remove what abort would. Releases the back-end's resources
	 * in every case. */
	int (*commit)(struct tomo_output *o);
	/* Give up: release everything and remove what was written under a
	 * temporary name (a part leaves the file it shares). */
	void (*abort)(struct tomo_output *o);
};

struct tomo_output {
	/* What the back-end writes: the whole output, or, into a stream, the
	 * part alone (its sizes, and its place in a tomo_region key). */
	struct tomo_header hdr;
	const struct tomo_format *format;
	const struct tomo_output_ops *ops;
	void *impl;
	enum tomo_output_target target;
	/* A part of a regular file: written at its offsets in the one file
	 * all parts share, which tomo_output_file_shared creates or checks;
	 * no temporary name, no rename. */
	int in_place;
	int fd;               /* the file (temporary or in place) or stdout */
	char *path;           /* final name; NULL for stdout */
	char *tmp;            /* temporary name being written, NULL if none */
	char *dataset;        /* HDF5 dataset path, or NULL */
	int sequential;       /* planes must come in order (stdout, TIFF, devices) */
	/* The front's bookkeeping, in the whole output's coordinates. */
	int64_t whole[3];
	struct tomo_box region;  /* what this output writes of the whole */
	int64_t origin[3];       /* subtracted from boxes handed to the back-end */
	int64_t next_z;
	unsigned char *rows;     /* a bit per (z, y) row of the region written whole */
	struct tomo_box *partial; /* boxes written that do not span the region's x */
	int64_t npartial, partial_cap;
	int64_t nonfinite;
};

/* The name of the output for messages. */
static inline const char *
tomo_output_name(const struct tomo_output *o)
{
	return o->path ? o->path : "<stdout>";
}

/* A temporary file beside path (".NAME.tmp-XXXXXX"), created empty with
 * the mode a plain create would give, open on *fd and registered so that
 * fatal exits remove it; for writers that are not tomo_output back-ends
 * (the phantom's HDF5 scans, the image writers of image.c). The caller
 * closes fd, then commit renames the file to path (removing it if that
 * fails) or discard removes it (NULL: no-op); both free tmp. At most 16
 * files are pending at a time; more are still made, not removed on signals.
 * (output_file.c, as the rest of this group.) */
int tomo_output_temp_create(const char *path, char **tmp, int *fd);
int tomo_output_temp_commit(char *tmp, const char *path);
void tomo_output_temp_discard(char *tmp);

/* The file of a file back-end, by o->target: stdout, a device or FIFO
 * opened in place (both sequential), or a temporary file beside o->path
 * (o->tmp; a directory there is an error). commit closes it and renames
 * the temporary file into place (a close or rename that fails removes
 * it); abort closes and removes it. */
int tomo_output_file_open(struct tomo_output *o);
int tomo_output_file_commit(struct tomo_output *o);
void tomo_output_file_abort(struct tomo_output *o);

/* How a format makes the whole file that the parts of an output share,
 * and recognises it. */
struct tomo_output_skeleton {
	/* Write the whole file into the new, empty file fd (named tmp): its
	 * header, at its full size, samples not written; *data_offset: where
	 * the samples start. */
	int (*make)(struct tomo_output *o, void *ctx, int fd, const char *tmp,
	            int64_t *data_offset);
	/* TOMO_OK when the existing file fd (o->path) is what make would
	 * make, with *data_offset; else TOMO_ERR naming the difference. */
	int (*check)(struct tomo_output *o, void *ctx, int fd, int64_t *data_offset);
	void *ctx;
};
/* A part's file: o->path made whole once (by the first opener, under a
 * temporary name linked into place, so that concurrent openers never see
 * it half made) or checked; then open read-write on o->fd. */
int tomo_output_file_shared(struct tomo_output *o, const struct tomo_output_skeleton *s,
                            int64_t *data_offset);
/* TOMO_ERR saying that the existing o->path has the header have (hlen
 * bytes) where want was expected, quoting the first line that differs. */
int tomo_output_header_differs(const struct tomo_output *o, const char *want, size_t wlen,
                               const char *have, size_t hlen);

/* The samples of o->hdr as float32 little endian, C order, data_offset
 * bytes into o->fd (output_raw.c): boxes written at their offsets (pwrite)
 * into a file, in order into a stream; commit and abort are those of the
 * file. Sets o->ops and o->impl. */
int tomo_output_use_array(struct tomo_output *o, int64_t data_offset);

/* Back-end constructors (the rows of lib/format.c). */
int tomo_output_open_nrrd(struct tomo_output *o);
int tomo_output_open_raw(struct tomo_output *o);
int tomo_output_open_npy(struct tomo_output *o);
int tomo_output_open_tiff(struct tomo_output *o);
int tomo_output_open_hdf5(struct tomo_output *o);
/* The samples after head (len bytes): a file made whole (or shared by
 * parts) or a stream (output_raw.c; .npy's writer uses it). */
int tomo_output_open_array(struct tomo_output *o, const char *head, size_t len);

/* input.c: */
/* Split "file.h5:/path/in/file" when the part before a ":/" is a regular
 * file: 1 with *file malloc'd and *dataset pointing into path; 0 when it
 * is not; -1 out of memory. */
int tomo_input_split_hdf5(const char *path, char **file, const char **dataset);

/* 1 when path is a regular file in HDF5 format (by magic bytes, or an
 * HDF5 extension such as .h5 or .nxs). */
int tomo_path_is_hdf5(const char *path);

/* io_common.c: */
/* Write all of buf at offset (or at the current position when offset < 0),
 * retrying short writes and EINTR. */
int tomo_write_full(int fd, const void *buf, size_t n, int64_t offset,
                    const char *name);
/* Read exactly n bytes unless EOF comes first, at offset (pread) or, if
 * offset < 0, at the file position; returns bytes read or -1. */
int64_t tomo_read_full(int fd, void *buf, size_t n, int64_t offset);

/* Drop the whole pages inside [p, p+n) of a file mapping from our
 * resident set (they stay in the page cache). */
void tomo_release_pages(const void *p, size_t n);

/* Enlarge a pipe's buffer to 1 MiB (no-op for other files). */
void tomo_pipe_enlarge(int fd);

#endif
