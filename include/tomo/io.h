/*
 * io: every bulk input and output of the tools. An input is opened by name
 * (NRRD/.nhdr, .raw with a shape, .npy, TIFF file/directory/glob, HDF5
 * file.h5:/dataset, or "-" for stdin) and read as float32 boxes; an output is
 * opened by name (-o extension, or stdout) with a header and written box by
 * box, each at its own offset, so slabs can be written in any order and the
 * parts of one output (tomo_output_open_region) by several processes.
 * Regular files are memory-mapped where the format allows; pipes are read
 * and written in slabs.
 */
#ifndef TOMO_IO_H
#define TOMO_IO_H

#include <stdint.h>

#include "tomo/api.h"
#include "tomo/header.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A box of samples: columns x0..x0+nx, rows y0..y0+ny, planes z0..z0+nz.
 * Read into memory as [nz][ny][nx] floats. */
struct tomo_box {
	int64_t x0, nx, y0, ny, z0, nz;
};

struct tomo_input_opts {
	const char *shape;   /* "XxYxZ" for .raw files and raw stdin, else NULL */
	/* HDF5 dataset when the path names none. NULL: a DXchange file's
	 * /exchange/data, an NXtomo file's stack (searched for), else the
	 * file's only dataset of 2 or 3 dimensions, the only one with tomo_*
	 * attributes, or /data (tomo's output default); tomo(7) says more. */
	const char *dataset;
	/* HDF5: the most bytes of chunk cache to keep. 0: enough for the
	 * chunks of one plane (up to 1 GiB), so reading plane after plane
	 * decodes each chunk once; a reader that touches each chunk once (one
	 * slice) gives a small value and keeps its resident set small. */
	int64_t chunk_cache;
};

struct tomo_input;

/* What tomo_input_open found when the input is the projections of a scan
 * file (an HDF5 DXchange file's /exchange/data, or an NXtomo file's stack
 * of projections, flats and darks): its layout ("DXchange" or "NXtomo"),
 * the dataset read, how many of the scan's frames are projections, flats
 * and darks (those of an NXtomo stack are frames of the input), and
 * whether it is raw: detector counts with flat or dark fields, which
 * tomo-flat corrects (the input's quantity is then counts). The details
 * (flat groups, angles, beam) come from tomo_scan_open. */
struct tomo_input_scan {
	const char *layout;
	const char *dataset;
	int64_t frames, projections, flats, darks;
	int raw;
};

/* Open path ("-" or NULL: stdin). Errors name the file and what is wrong. */
TOMO_API int tomo_input_open(const char *path, const struct tomo_input_opts *o,
                             struct tomo_input **in);
TOMO_API void tomo_input_close(struct tomo_input *in);

TOMO_API const struct tomo_header *tomo_input_header(const struct tomo_input *in);
/* The name to use in messages: the path, or "<stdin>". */
TOMO_API const char *tomo_input_name(const struct tomo_input *in);
/* "nrrd", "raw", "tiff" or "hdf5". */
TOMO_API const char *tomo_input_format(const struct tomo_input *in);
/* The sample type as stored (before conversion to float32). */
TOMO_API enum tomo_dtype tomo_input_dtype(const struct tomo_input *in);

/* The scan the input belongs to, or NULL when it is no scan file's
 * projections. Valid until tomo_input_close. */
TOMO_API const struct tomo_input_scan *tomo_input_scan_info(const struct tomo_input *in);

/* TOMO_ERR (message set) when in is a raw scan, which the program tool
 * (its name, e.g. "tomo-fbp") can only read after tomo-flat: the message
 * names the file and the pipeline to run. TOMO_OK otherwise. */
TOMO_API int tomo_input_refuse_raw_scan(const struct tomo_input *in, const char *tool);

/* 1 when planes can only be read in increasing z order (a pipe). */
TOMO_API int tomo_input_sequential(const struct tomo_input *in);

/* The box of a whole that in holds, and the whole's sizes: a part's
 * stream (tomo_output_open_region to stdout) says where its samples lie in
 * the whole with its tomo_region key (the key stays among the header's
 * key/values); an input without the key holds all of itself (box: its
 * sizes at 0, whole: its sizes). A key that does not parse, or places the
 * input outside the whole, fails tomo_input_open. */
TOMO_API void tomo_input_region(const struct tomo_input *in, struct tomo_box *box,
                                int64_t whole[3]);

/* Read box b into dst ([nz][ny][nx] floats). A sequential input needs
 * b->z0 at or after the end of the previous read. A short or failing
 * source is an error naming the plane. Not thread-safe per input. */
TOMO_API int tomo_input_read(struct tomo_input *in, const struct tomo_box *b, float *dst);

/* Read box b without converting: samples of tomo_input_dtype(in) in the
 * host's byte order, [nz][ny][nx] of them, into dst. For callers that
 * convert while computing (a uint16 scan corrected in one pass). Only
 * inputs with tomo_input_has_native(in) support it (HDF5 datasets); the
 * others fail with TOMO_ERR. Same checks and order rule as tomo_input_read. */
TOMO_API int tomo_input_read_native(struct tomo_input *in, const struct tomo_box *b, void *dst);
TOMO_API int tomo_input_has_native(const struct tomo_input *in);

/* Shorthand: planes z0..z0+nz, whole. */
TOMO_API int tomo_input_read_planes(struct tomo_input *in, int64_t z0, int64_t nz,
                                    float *dst);

/* The samples in place (float32, little endian, memory-mapped) or NULL when
 * the input is not stored that way. Valid until tomo_input_close. */
TOMO_API const float *tomo_input_mapped(const struct tomo_input *in);

/* Make a sequential input random-access: the planes not yet read are
 * buffered in memory when they fit in memory_bytes, else in an unlinked
 * temporary file in $TMPDIR (or /tmp), which is then memory-mapped. */
TOMO_API int tomo_input_buffer(struct tomo_input *in, int64_t memory_bytes);

/* Scratch space for n floats: malloc'd when n floats fit in memory_bytes,
 * else a shared mapping of an unlinked temporary file in $TMPDIR (or /tmp),
 * with its blocks reserved up front. tomo_scratch_release gives finished
 * pages of such a mapping back to the file (no-op for malloc'd space), so
 * that filling or scanning it keeps the resident set small. */
struct tomo_scratch {
	float *data;
	size_t bytes;
	int mapped;
};
TOMO_API int tomo_scratch_alloc(struct tomo_scratch *s, int64_t n, int64_t memory_bytes);
TOMO_API void tomo_scratch_release(const struct tomo_scratch *s, const float *p, size_t n);
TOMO_API void tomo_scratch_free(struct tomo_scratch *s);

struct tomo_output;

/* Create the output named path ("-" or NULL: stdout) for samples described
 * by h (sizes, metadata). The format follows the extension: .nrrd (also
 * the default and stdout), .nhdr is refused, .raw, .npy, .tif/.tiff
 * (float32), .h5 (.hdf5, .hdf, .nxs, .nx5, .cxi) with ":/dataset" (default
 * /data; a contiguous dataset, and the same output gives the same bytes).
 * A regular file is written to a temporary name beside it and renamed by
 * tomo_output_close, so a failed run leaves nothing behind. Refuses a
 * terminal on stdout (TOMO_EUSAGE). */
TOMO_API int tomo_output_open(const char *path, const struct tomo_header *h,
                              struct tomo_output **out);

/* Open path to write the box *region of a whole output described by h
 * (h->size: the whole's sizes). A regular file (.nrrd, .raw, .npy, .h5):
 * the whole file exists once: the first opener creates it at its full size
 * (built under a temporary name, then link(2)ed into place so that
 * concurrent openers never see it half made); a later opener checks that
 * its header matches (else TOMO_ERR naming the difference) and reuses it.
 * This output writes only inside *region, in place (pwrite at the box's
 * offsets; no temporary file, no rename), and tomo_output_close checks
 * that all of the region was written; tomo_output_abort leaves the file
 * (the other parts' samples are in it). Processes writing disjoint regions
 * of one path, at once or one after the other, leave the file that one
 * process writing the whole (tomo_output_open) leaves, bit for bit.
 * Standard output (a pipe) or a device: a stream of the region alone, its
 * header giving the region's sizes plus the key tomo_region:=X0 Y0 Z0 NX
 * NY NZ (the box's place in the whole and the whole's sizes; the angles
 * of projections or sinograms cut to the region's); a region holding no
 * sample cannot be streamed (TOMO_ERR). A tomo_region key that h carries
 * (from its input) is dropped from a file, replaced in a stream. A format that cannot write in place
 * (TIFF): TOMO_EUSAGE, one line saying which formats can. A region equal
 * to the whole: exactly tomo_output_open's behaviour (a tomo_region key
 * in h included). A region outside the whole: TOMO_ERR. One thread at a
 * time writes an output. */
TOMO_API int tomo_output_open_region(const char *path, const struct tomo_header *h,
                                     const struct tomo_box *region, struct tomo_output **out);

/* Flags of tomo_output_check. */
enum {
	TOMO_OUTPUT_IMAGES = 1 << 0, /* .png and .pgm too (tomo-slice's images) */
};

/* Say, before any work, whether path can be created as tomo_output_open
 * (or, with TOMO_OUTPUT_IMAGES, tomo-slice's image writer) would: stdout
 * not a terminal; else an extension written here (.nrrd or none, .raw,
 * .tif/.tiff, .npy, .h5/.hdf5/.hdf/.nxs/.nx5/.cxi with ":/dataset"), not a
 * directory, and a directory that exists and can be written into (a
 * device or FIFO is written in place: it must be writable). Creates nothing. TOMO_EUSAGE
 * for a terminal or a name of a format not written, TOMO_ERR for a missing
 * or unwritable directory. Tools call it before opening their input. */
TOMO_API int tomo_output_check(const char *path, unsigned flags);

/* Write planes z0..z0+nz ([nz][ny][nx] floats): whole planes of the
 * output's region (of the whole output for tomo_output_open). Files take
 * planes in any order; stdout and TIFF need increasing z without gaps. */
TOMO_API int tomo_output_write(struct tomo_output *o, int64_t z0, int64_t nz,
                               const float *planes);

/* Write the box b ([nz][ny][nx] floats, whole-output coordinates, inside
 * the output's region). Files take any box in any order; a stream (and
 * TIFF) takes boxes spanning the region's x and y, in increasing z without
 * gaps. Writing a sample twice writes it again. */
TOMO_API int tomo_output_write_box(struct tomo_output *o, const struct tomo_box *b,
                                   const float *data);

/* Non-finite samples (NaN, Inf) written so far: tools warn about them. */
TOMO_API int64_t tomo_output_nonfinite(const struct tomo_output *o);

/* Finish: check every sample of the region was written, flush, close,
 * rename into place (a part: nothing to rename). On failure the partial
 * file is removed (a part's shared file stays). Frees o in every case. */
TOMO_API int tomo_output_close(struct tomo_output *o);

/* Give up: remove the partial file (a part's shared file stays), free o. */
TOMO_API void tomo_output_abort(struct tomo_output *o);

/* Remove every partial output file still open (for signal handlers and
 * fatal exits; async-signal-safe). */
TOMO_API void tomo_output_abort_all_files(void);

/* Planes per slab: as many as fit in budget bytes at bytes_per_plane each
 * (at least 1, at most total). */
TOMO_API int64_t tomo_slab_planes(int64_t bytes_per_plane, int64_t budget, int64_t total);

/* Parse "XxYxZ" (also "XxY"), each >= 1. */
TOMO_API int tomo_parse_shape(const char *s, int64_t size[3]);

#ifdef __cplusplus
}
#endif

#endif
