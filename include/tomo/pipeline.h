/*
 * pipeline: the one slab driver under every stage. A stage (flat-field
 * correction, phase retrieval, reconstruction, a phantom, ...) is an
 * algorithm with no I/O of its own: it declares how its work is cut
 * (the output axis slabs run along, the alignment of slab and part
 * boundaries, its memory, the input box an output box needs: margins)
 * and processes one slab at a time. tomo_pipeline_run plans slabs within
 * a memory budget, keeps several slots in flight (one thread reads slab
 * k+1 while the calling thread computes slab k and another writes slab
 * k-1), serialises HDF5 calls where libhdf5 is not thread-safe, and
 * reports progress through one callback. Parts (--part I/N) restrict the
 * output region along the part axis; tomo_part_range says where part I
 * lies.
 */
#ifndef TOMO_PIPELINE_H
#define TOMO_PIPELINE_H

#include <stdint.h>

#include "tomo/api.h"
#include "tomo/io.h"
#include "tomo/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One slab in flight: the box of the output it makes and the box of the
 * input it reads (whole-array coordinates), and their samples. */
struct tomo_slab {
	struct tomo_box out, in;
	void *in_data;   /* the stage's input buffer (floats unless its read hook says) */
	float *out_data; /* [out.nz][out.ny][out.nx]; in_data for in-place stages */
	int slot;        /* 0 .. slots - 1 */
	int64_t index;   /* 0, 1, ... in output order */
};

struct tomo_stage {
	const char *name; /* for messages: "phase retrieval" */
	void *impl;       /* the stage's state, passed to every hook */

	/* The plan, filled by the stage's create function. */
	int axis;           /* the output axis slabs run along: 2 planes (z), 1 rows (y) */
	int64_t multiple;   /* slabs and parts start at multiples of this from the
	                       region's start along axis (1: anywhere) */
	int64_t granule;    /* slabs larger than this are cut to a multiple of it
	                       (whole groups of GPU lanes; 0: no preference) */
	int64_t max_units;  /* at most this many units per slab (0: any) */
	int slots;          /* slabs in flight (0: 3) */
	int in_place;       /* the output is written over the input buffer */
	int64_t work_bytes; /* the stage's own memory, whatever the slab */
	int64_t unit_bytes; /* the stage's own memory per unit of slab */

	/* Called once the slab size is planned, before any buffer is made:
	 * set up for slabs of at most *units units (FFT plans, device
	 * buffers). It may lower *units (keeping a multiple of multiple), for
	 * example to what a GPU's memory holds. NULL: nothing to do. */
	int (*prepare)(void *impl, int64_t *units);
	/* The input box that output box out needs (margins, axes mapped);
	 * NULL: the same box. Not called when the pipeline has no input. */
	void (*input_box)(void *impl, const struct tomo_box *out, struct tomo_box *in);
	/* Bytes of input buffer for a slab whose input box is in; NULL:
	 * floats of the box. */
	int64_t (*input_bytes)(void *impl, const struct tomo_box *in);
	/* Read the slab's input (reader thread); NULL: tomo_input_read of
	 * slab->in into slab->in_data. */
	int (*read)(void *impl, struct tomo_input *in, struct tomo_slab *s);
	/* Compute slab s (the calling thread; may use OpenMP); report its
	 * own progress through cb in any units (NULL allowed). */
	int (*process)(void *impl, struct tomo_slab *s, const struct tomo_progress_cb *cb);
	/* The stage's own buffers for slot k (a GPU back-end's pinned
	 * slots), not freed by the pipeline; NULL: alloc below. */
	int (*buffers)(void *impl, int slot, void **in, float **out);
	/* Slot buffers (pinned memory for a GPU); NULL: aligned malloc. */
	void *(*alloc)(void *impl, int64_t bytes);
	void (*release)(void *impl, void *p);
	/* Free the stage (called by whoever created it, not by the pipeline). */
	void (*destroy)(void *impl);
};

struct tomo_pipeline {
	struct tomo_input *in;     /* NULL: the stage makes its output from nothing */
	struct tomo_output *out;   /* written box by box */
	struct tomo_stage *stage;
	struct tomo_box region;    /* the output box to make: the whole output, or a part */
	int64_t memory;            /* bytes for the slot buffers and the stage */
	int64_t max_slab_bytes;    /* cap on one output slab (0: 1 GiB), so that a
	                              reader downstream gets data early */
	struct tomo_progress_cb progress; /* done of total, in units along axis x 1024 */
	/* Filled by tomo_pipeline_run: */
	int64_t slab_units; /* units per slab */
	int64_t slabs;      /* slabs made */
	double read_s, process_s, write_s; /* seconds in each step (reader and
	                                      writer overlap the computing) */
};

/* Make p->region of p->out from p->in through p->stage. Errors (a stage's,
 * a read's, a write's) stop all threads; the first one's code and message
 * are returned. */
TOMO_API int tomo_pipeline_run(struct tomo_pipeline *p);

/* Units per slab for p (without running): what tomo_pipeline_run uses. */
TOMO_API int64_t tomo_pipeline_plan(const struct tomo_pipeline *p);

/* Part i (0-based) of n of an extent of units cut at multiples of
 * multiple: [*a, *b), as even as the alignment allows, in order; parts
 * past the units (n larger than the blocks) are empty (*a == *b). */
TOMO_API void tomo_part_range(int64_t extent, int64_t multiple, int i, int n, int64_t *a,
                              int64_t *b);

/* Parse "I/N" (0 <= I < N <= 1e6): TOMO_EUSAGE with a message otherwise. */
TOMO_API int tomo_part_parse(const char *s, int *i, int *n);

#ifdef __cplusplus
}
#endif

#endif
