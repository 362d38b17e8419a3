/*
 * hdf5_common: HDF5 glue shared by the HDF5 reader and writer: a silent
 * error stack whose message we can quote, the file access settings, and the
 * stream header stored as attributes of a dataset. Internal to libtomo.
 */
#ifndef TOMO_HDF5_COMMON_H
#define TOMO_HDF5_COMMON_H

#include <hdf5.h>

#include "tomo/header.h"

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

#endif
