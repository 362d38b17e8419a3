/*
 * hdf5_common: HDF5 glue shared by the HDF5 reader and writer: a silent
 * error stack whose message we can quote, the file access settings, and the
 * stream header stored as attributes of a dataset. Internal to libtomo.
 */
#ifndef TOMO_HDF5_COMMON_H
#define TOMO_HDF5_COMMON_H

#include <hdf5.h>
#include <stdint.h>

#include "tomo/header.h"
#include "tomo/scan.h"

/* Stop HDF5 printing its error stack on this thread. In a thread-safe
 * libhdf5 the setting is per thread, so every entry point calls it. */
void tomo_hdf5_quiet(void);

/* 1 when this libhdf5 may be called from several threads (it then
 * serialises the calls); 0 when only one thread may call it at a time. */
int tomo_hdf5_threadsafe(void);

/* The innermost description on this thread's HDF5 error stack ("unknown
 * HDF5 error" if empty). HDF5 clears the stack at each API call: take it
 * right after the call that failed. */
const char *tomo_hdf5_msg(void);

/* A file access property list: file locking where the file system
 * supports it, ignored where it does not; when writing, objects in the 1.8
 * format (attributes larger than 64 KiB, such as long angle lists, and
 * readable by HDF5 1.8 and later). Caller closes; negative on failure. */
hid_t tomo_hdf5_fapl(int writing);

/* Move count[] samples at start[] (rank values each, C order) between
 * dataset ds and the float32 array buf: read, or write when writing.
 * HDF5 converts the type. Negative on failure (HDF5's stack has why). */
herr_t tomo_hdf5_slab(hid_t ds, int rank, const hsize_t *start, const hsize_t *count, float *buf,
                      int writing);
/* The same with samples of memory type memtype (e.g. H5T_NATIVE_UINT16 to
 * read a uint16 dataset unconverted). */
herr_t tomo_hdf5_slab_typed(hid_t ds, int rank, const hsize_t *start, const hsize_t *count,
                            hid_t memtype, void *buf, int writing);
/* The same into (or from) a part of a larger array: buf holds mdims
 * samples, the block of count at moff of them moves (moff NULL: mdims is
 * count, the whole of buf). */
herr_t tomo_hdf5_slab_in(hid_t ds, int rank, const hsize_t *start, const hsize_t *count,
                         const hsize_t *mdims, const hsize_t *moff, hid_t memtype, void *buf,
                         int writing);

/* Chunked datasets (compressed or not) decode to at most this many times
 * the bytes their chunks store (deflate's limit is 1032:1). */
#define TOMO_HDF5_MAX_RATIO 4096

/* TOMO_OK when dataset ds can hold count samples of its type:
 * contiguous samples lie in its file (or its external files), compact ones
 * in its header; the written chunks of a chunked dataset store at least
 * 1/TOMO_HDF5_MAX_RATIO of their bytes (none written: refused); a virtual
 * dataset's count must only not overflow. Else TOMO_ERR naming where (the
 * dataset and file) and the sizes: so that no count a damaged or
 * hand-made file claims is allocated or read before it is checked. */
int tomo_hdf5_check_stored(hid_t ds, int64_t count, const char *where);

/* The value of obj's scalar string attribute key, malloc'd; NULL when it
 * is absent, not a string, or unreadable. */
char *tomo_hdf5_string_attr(hid_t obj, const char *key);

/* Give obj a scalar string attribute (variable-length UTF-8, what h5py
 * reads as a str). Negative on failure (HDF5's stack has why). */
int tomo_hdf5_put_string(hid_t obj, const char *key, const char *value);

/* Attribute names of the header: tomo_kind, tomo_quantity (strings),
 * tomo_angles (float64 array, degrees), tomo_pixel_size, tomo_energy,
 * tomo_distance, tomo_center (float64 scalars), tomo_spacings (float64[3],
 * x y z), and one string attribute per carried key/value. */

/* Store h's metadata as attributes of dataset ds (sizes are the dataset's
 * own). name is the file, for messages. */
int tomo_hdf5_write_header(hid_t ds, const struct tomo_header *h, const char *name);

/* Read those attributes of ds into h (what is absent is left as it is);
 * other string attributes become carried key/values, other attributes are
 * ignored. name is the file and dataset, for messages. */
int tomo_hdf5_read_header(hid_t ds, struct tomo_header *h, const char *name);

/* 1 when path names an object of file: every link on the way exists and
 * external links reach their files (H5Oexists_by_name alone fails on a
 * missing intermediate link). */
int tomo_hdf5_resolves(hid_t file, const char *path);

/* The strings held by a dataset (attr 0) or an attribute (attr 1): one or
 * an array, fixed or variable length, at most max of them, malloc'd into
 * out; returns how many (0 when obj holds no strings). */
int tomo_hdf5_strings(hid_t obj, int attr, char **out, int max);

/* A scalar string dataset's value, malloc'd; NULL when path is not one. */
char *tomo_hdf5_string_dataset(hid_t file, const char *path);

/* Open the dataset at path when it resolves and has rank 1 to 3, with its
 * rank and dimensions; negative otherwise. Caller closes. */
hid_t tomo_hdf5_open_dims(hid_t file, const char *path, int *rank, hsize_t dims[3]);

/* Frames of a stack at path: its first dimension when 3-D, 1 for a 2-D
 * image, 0 when absent or empty, -1 when 1-D. */
int64_t tomo_hdf5_frames(hid_t file, const char *path);

/* 1 when the dataset holds numbers (integers or floats). */
int tomo_hdf5_numeric(hid_t ds);

/* s equals word, trimmed, case-insensitively (NeXus class names). */
int tomo_hdf5_same_word(const char *s, const char *word);

/* The last component of a link path; the parent of a link name relative
 * to the root as an absolute path ("/a" for "a/b", "" for "b"), malloc'd. */
const char *tomo_hdf5_basename(const char *path);
char *tomo_hdf5_parent(const char *name);

/*
 * The one choice of the dataset a reader takes from an HDF5 file (every
 * tool's input and tomo-flat's scans go through it; lib/hdf5_scan.c).
 */
struct tomo_hdf5_pick {
	enum tomo_scan_layout layout;
	char *dataset;  /* the samples to read */
	char *stack;    /* NXtomo: the group holding data and image_key */
	char *entry;    /* NXtomo: the entry of the stack ("" the root) */
	int64_t frames; /* DXchange, NXtomo: frames of the dataset */
	int64_t projections, flats, darks; /* frames of each in the scan */
};

/* Choose the dataset of file (fname in messages). named: the dataset the
 * user named, or NULL. Without one: a DXchange file's /exchange/data, else
 * the data of an NXtomo stack (a group holding a 3-D "data" and an
 * "image_key" of as many frames, inside an entry whose definition is
 * NXtomo by preference), else the file's only dataset of 2 or 3 numeric
 * dimensions, else the only one of those with tomo_* attributes, else
 * /data; several candidates are an error listing them (TOMO_ERR). A named
 * dataset is a scan's projections when it is /exchange/data of a DXchange
 * file or sits beside an image_key. Fills p (free with tomo_hdf5_pick_free;
 * nothing to free on failure). */
int tomo_hdf5_pick(hid_t file, const char *fname, const char *named, struct tomo_hdf5_pick *p);
void tomo_hdf5_pick_free(struct tomo_hdf5_pick *p);

/* "; datasets of 2 or 3 dimensions there: /a (2x3), /b (4x5x6)" for the
 * numeric datasets under group, or "" when none: for messages saying that
 * the dataset asked for is not there. Per thread; valid until the next
 * call. */
const char *tomo_hdf5_list_datasets(hid_t file, const char *group);

#endif
