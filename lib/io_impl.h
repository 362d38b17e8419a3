/*
 * io_impl: what the format back-ends (input_*.c, output_*.c) share with the
 * io front (input.c, output.c). Not installed; tools use tomo/io.h.
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
};

/* Back-end constructors: fill in (hdr, ops, impl, format, dtype, ...);
 * in->name is already set. On failure they leave nothing allocated. */
int tomo_input_open_nrrd(struct tomo_input *in, const char *path);
int tomo_input_open_raw(struct tomo_input *in, const char *path,
                        const int64_t size[3]);
/* A file whose samples are a C-order array of in->hdr.size (set by the
 * caller) of type, big endian or not, offset bytes in: mapped and read as
 * .raw files are. Sets all but in->format. */
int tomo_input_open_array(struct tomo_input *in, const char *path, enum tomo_dtype type,
                          int big_endian, int64_t offset);
/* A NumPy .npy file (input_npy.c). */
int tomo_input_open_npy(struct tomo_input *in, const char *path);

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
 * float32 samples (shape given). */
int tomo_input_open_stream(struct tomo_input *in, int fd, const char *shape);
/* path: a multi-page TIFF, a directory of single-page TIFFs or a glob. */
int tomo_input_open_tiff(struct tomo_input *in, const char *path);
/* dataset NULL: the one tomo_hdf5_pick chooses; fills in->scan. */
int tomo_input_open_hdf5(struct tomo_input *in, const char *file,
                         const char *dataset);

struct tomo_output_ops {
	int (*write)(struct tomo_output *o, int64_t z0, int64_t nz,
	             const float *planes);
	/* Flush everything into the file (not closing o->fd, which the front
	 * closes). */
	int (*finish)(struct tomo_output *o);
	/* Release the back-end's resources without caring about errors. */
	void (*discard)(struct tomo_output *o);
};

struct tomo_output {
	struct tomo_header hdr;
	const struct tomo_output_ops *ops;
	void *impl;
	int fd;               /* the file (temporary or in place) or stdout */
	char *path;           /* final name; NULL for stdout */
	char *tmp;            /* temporary name being written, NULL if none */
	char *dataset;        /* HDF5 dataset path, or NULL */
	int sequential;       /* planes must come in order (stdout, TIFF, devices) */
	int64_t next_z;
	unsigned char *done;  /* one flag per plane */
	int64_t nonfinite;
};

/* The name of the output for messages. */
const char *tomo_output_name(const struct tomo_output *o);

/* A temporary file beside path (".NAME.tmp-XXXXXX"), created empty with
 * the mode a plain create would give, open on *fd and registered so that
 * fatal exits remove it; for writers that are not tomo_output back-ends
 * (the phantom's HDF5 scans, the image writers of image.c). The caller
 * closes fd, then commit renames the file to path (removing it if that
 * fails) or discard removes it (NULL: no-op); both free tmp. At most 16
 * files are pending at a time; more are still made, not removed on signals. */
int tomo_output_temp_create(const char *path, char **tmp, int *fd);
int tomo_output_temp_commit(char *tmp, const char *path);
void tomo_output_temp_discard(char *tmp);

int tomo_output_open_nrrd(struct tomo_output *o, int raw);
/* The samples as float32 little endian after head (len bytes): written at
 * their planes' offsets in a file, in order on a pipe (output_raw.c). */
int tomo_output_open_array(struct tomo_output *o, const char *head, size_t len);
int tomo_output_open_npy(struct tomo_output *o);
int tomo_output_open_tiff(struct tomo_output *o);
int tomo_output_open_hdf5(struct tomo_output *o);

/* Split "file.h5:/path/in/file" when the part before a ":/" is a regular
 * file: 1 with *file malloc'd and *dataset pointing into path; 0 when it
 * is not; -1 out of memory. */
int tomo_input_split_hdf5(const char *path, char **file, const char **dataset);

/* 1 when path is a regular file in HDF5 format (by magic bytes, or an
 * HDF5 extension such as .h5 or .nxs). */
int tomo_path_is_hdf5(const char *path);

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
