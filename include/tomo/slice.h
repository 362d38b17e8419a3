/*
 * slice: cut stacks of parallel 2-D slices out of a volume, optionally
 * binned first, reading only the boxes that hold them (a column or a row
 * of each plane, not whole planes) from a random-access input, and each
 * plane once, forward, from a stream. Does not window or write images
 * (tomo/image.h) nor choose outputs (tools/tomo-slice.c).
 */
#ifndef TOMO_SLICE_H
#define TOMO_SLICE_H

#include <stdint.h>

#include "tomo/api.h"
#include "tomo/header.h"
#include "tomo/io.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TOMO_AXIS_X = 0, TOMO_AXIS_Y = 1, TOMO_AXIS_Z = 2 };

/*
 * A selection. The volume is first binned: with bin N, voxel (i, j, k) of
 * the binned volume, of sizes floor(X/N) x floor(Y/N) x floor(Z/N), is the
 * mean of the N x N x N input voxels (Ni + a, Nj + b, Nk + c), a, b, c in
 * 0..N-1; the last X mod N columns (rows, planes) are left out. Then slice
 * s along an axis is the binned plane normal to it at index s, seen as an
 * image with, in the binned volume's own order:
 *   axis z: rows = y, columns = x;
 *   axis y: rows = z, columns = x;
 *   axis x: rows = z, columns = y.
 * The slices are first + k * step for k in 0..count-1; the crop keeps
 * image columns col0..col1-1 and rows row0..row1-1. All indices are binned.
 */
struct tomo_slice_sel {
	int axis;                       /* TOMO_AXIS_* */
	int64_t bin;                    /* N >= 1 */
	int64_t first, step, count;     /* count < 0: up to the last slice */
	int crop;                       /* 0: whole images */
	int64_t col0, col1, row0, row1; /* with crop */
	/* Set by tomo_slice_resolve: */
	int64_t size[3];       /* binned volume sizes x, y, z */
	int64_t width, height; /* of each image, after the crop */
};

/* Image width and height of a slice along axis of a volume of sizes s. */
TOMO_API void tomo_slice_image_dims(const int64_t s[3], int axis, int64_t *width, int64_t *height);

/* Check s against a volume of sizes h->size; fill in count (when < 0),
 * the crop (when none: the whole image), size, width and height. A
 * selection that does not fit is TOMO_EUSAGE with a message naming the
 * index or range and the sizes. */
TOMO_API int tomo_slice_resolve(const struct tomo_header *h, struct tomo_slice_sel *s);

/* Slices k0..k0+nk-1 of a resolved selection, as nk images of
 * sel->height x sel->width floats in dst. */
struct tomo_slice_req {
	const struct tomo_slice_sel *sel;
	int64_t k0, nk;
	float *dst;
};

/* Called after each input plane is done: planes done, planes in all. */
typedef void (*tomo_slice_progress_fn)(void *ctx, int64_t done, int64_t total);

/*
 * Fill every request from in. A random-access input is read by boxes: with
 * no binning one box per slice straight into dst (a plane, a row of each
 * plane or a column of each plane), else plane by plane, each plane's box
 * covering only the rows or columns of the slices. A sequential input is
 * read once, forward, plane by plane, each plane's box the union of what
 * the requests need there; so all slices wanted from one stream must be in
 * one call, and successive calls must ask for later planes. Values are
 * copied unchanged without binning (NaN payloads and -0 included); binned
 * means are summed in double. Memory besides dst: one plane's box, and
 * with bin > 1 a double per destination sample. progress may be NULL.
 */
TOMO_API int tomo_slice_read(struct tomo_input *in, const struct tomo_slice_req *reqs, int nreq,
                             tomo_slice_progress_fn progress, void *ctx);

/*
 * The header of slices k0..k0+nk-1 written as a stream: sizes width x
 * height x nk and the input's metadata carried over, adjusted: spacings
 * follow their axes (times bin and, for the slice axis, step), the pixel
 * size is multiplied by bin, the kind follows the axes (projections sliced
 * along y are sinograms and back; a volume stays a volume only along z;
 * otherwise unknown), angles follow the angle axis (their mean over each
 * bin) and are dropped where it becomes no axis of a known kind, and the
 * centre stays in detector columns where x stays the columns (divided by
 * bin, less the crop's first column), else it is dropped. out must not be
 * initialised.
 */
TOMO_API int tomo_slice_header(const struct tomo_header *in, const struct tomo_slice_sel *s,
                               int64_t k0, int64_t nk, struct tomo_header *out);

#ifdef __cplusplus
}
#endif

#endif
