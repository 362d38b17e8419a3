/*
 * pipeline: the slab driver of tomo/pipeline.h. Slabs of the output region
 * along the stage's axis, planned within the memory budget; slots cycle
 * FREE -> READ (the reader thread) -> DONE (the calling thread, computing)
 * -> FREE (the writer thread), so that reading, computing and writing
 * overlap. The first error stops every thread; its message (thread-local
 * in err.c) is carried back to the caller. Nothing else in lib/ starts
 * threads for I/O.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdf5_common.h"
#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/pipeline.h"

enum { SLOT_FREE, SLOT_READ, SLOT_DONE };
#define MAX_SLOTS 4

struct run {
	struct tomo_pipeline *p;
	struct tomo_stage *st;
	int axis, nslots, serialize;
	int64_t a0, a1, units, nslabs;
	struct tomo_slab slab[MAX_SLOTS];
	int state[MAX_SLOTS];
	pthread_mutex_t mu, io;
	pthread_cond_t cv;
	int stop, rc;
	char msg[1024];
};

static int64_t *
axis_start(struct tomo_box *b, int axis)
{
	return axis == 2 ? &b->z0 : axis == 1 ? &b->y0 : &b->x0;
}

static int64_t *
axis_count(struct tomo_box *b, int axis)
{
	return axis == 2 ? &b->nz : axis == 1 ? &b->ny : &b->nx;
}

static int64_t
box_floats(const struct tomo_box *b)
{
	return b->nx * b->ny * b->nz;
}

/* The output box of units a..a+n along the axis, the rest of the region. */
static struct tomo_box
out_box(const struct tomo_pipeline *p, int axis, int64_t a, int64_t n)
{
	struct tomo_box b = p->region;
	*axis_start(&b, axis) = a;
	*axis_count(&b, axis) = n;
	return b;
}

static void
in_box(const struct tomo_pipeline *p, const struct tomo_box *out, struct tomo_box *in)
{
	if (p->stage->input_box)
		p->stage->input_box(p->stage->impl, out, in);
	else
		*in = *out;
}

static int64_t
in_bytes(const struct tomo_pipeline *p, const struct tomo_box *in)
{
	if (!p->in)
		return 0;
	return p->stage->input_bytes ? p->stage->input_bytes(p->stage->impl, in)
	                             : box_floats(in) * (int64_t)sizeof(float);
}

/* The most input bytes a slab of n units needs: its margins reach past
 * the region's edges at the ends, not in the middle. */
static int64_t
slab_in_bytes(const struct tomo_pipeline *p, int axis, int64_t a0, int64_t a1, int64_t n)
{
	struct tomo_box o = out_box(p, axis, a0, n), i;
	in_box(p, &o, &i);
	int64_t most = in_bytes(p, &i);
	if (a1 - a0 > n) {
		o = out_box(p, axis, a0 + (a1 - a0 - n) / 2, n);
		in_box(p, &o, &i);
		int64_t b = in_bytes(p, &i);
		most = b > most ? b : most;
	}
	return most;
}

static int64_t
slab_out_bytes(const struct tomo_pipeline *p, int axis, int64_t n)
{
	struct tomo_box o = out_box(p, axis, 0, n);
	return box_floats(&o) * (int64_t)sizeof(float);
}

static int
nslots(const struct tomo_stage *st)
{
	return st->slots > 0 && st->slots <= MAX_SLOTS ? st->slots : 3;
}

int64_t
tomo_pipeline_plan(const struct tomo_pipeline *p)
{
	const struct tomo_stage *st = p->stage;
	const int axis = st->axis;
	struct tomo_box r = p->region;
	const int64_t a0 = *axis_start(&r, axis), extent = *axis_count(&r, axis);
	const int64_t m = st->multiple > 1 ? st->multiple : 1;
	const int64_t cap = p->max_slab_bytes > 0 ? p->max_slab_bytes : (int64_t)1 << 30;
	/* A memory-mapped input's pages stay resident while a slab is read
	 * from them: count one more slab of input (a stage with buffers of
	 * its own, pinned for a GPU, sizes them as it needs). */
	const int slots = nslots(st) + (p->in && tomo_input_mapped(p->in) && !st->buffers);
	int64_t best = 0;

	if (extent <= 0)
		return 0;
	/* The largest multiple of m (or the whole extent) whose slots and
	 * stage memory fit; at least one multiple of m whatever the budget. */
	for (int64_t n = m < extent ? m : extent;; n = n + m < extent ? n + m : extent) {
		const int64_t ib = slab_in_bytes(p, axis, a0, a0 + extent, n);
		const int64_t ob = st->in_place ? 0 : slab_out_bytes(p, axis, n);
		const int64_t need = st->work_bytes + n * st->unit_bytes + slots * (ib + ob);
		if (best && (need > p->memory || slab_out_bytes(p, axis, n) > cap ||
		             (st->max_units > 0 && n > st->max_units)))
			break;
		best = n;
		if (n == extent)
			break;
	}
	if (st->granule > 1 && best > st->granule && best < extent)
		best -= best % st->granule;
	return best;
}

static void
fail(struct run *r, int rc)
{
	pthread_mutex_lock(&r->mu);
	if (!r->rc) {
		r->rc = rc ? rc : TOMO_ERR;
		snprintf(r->msg, sizeof r->msg, "%s", tomo_errmsg());
	}
	r->stop = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Wait until slot s is in state from; 0 when stopped meanwhile. */
static int
await(struct run *r, int s, int from)
{
	pthread_mutex_lock(&r->mu);
	while (r->state[s] != from && !r->stop)
		pthread_cond_wait(&r->cv, &r->mu);
	int go = !r->stop;
	pthread_mutex_unlock(&r->mu);
	return go;
}

static void
advance(struct run *r, int s, int to)
{
	pthread_mutex_lock(&r->mu);
	r->state[s] = to;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Slab k's boxes into its slot. */
static struct tomo_slab *
place(struct run *r, int64_t k)
{
	struct tomo_slab *s = &r->slab[k % r->nslots];
	const int64_t a = r->a0 + k * r->units;
	const int64_t n = a + r->units > r->a1 ? r->a1 - a : r->units;

	s->out = out_box(r->p, r->axis, a, n);
	if (r->p->in)
		in_box(r->p, &s->out, &s->in);
	else
		memset(&s->in, 0, sizeof s->in);
	s->index = k;
	return s;
}

static int
read_slab(struct run *r, struct tomo_slab *s)
{
	struct tomo_stage *st = r->st;
	double t0 = tomo_now();
	int rc;

	if (r->serialize)
		pthread_mutex_lock(&r->io);
	rc = st->read ? st->read(st->impl, r->p->in, s) : tomo_input_read(r->p->in, &s->in, s->in_data);
	if (r->serialize)
		pthread_mutex_unlock(&r->io);
	r->p->read_s += tomo_now() - t0;
	return rc;
}

static int
write_slab(struct run *r, const struct tomo_slab *s)
{
	double t0 = tomo_now();
	int rc;

	if (r->serialize)
		pthread_mutex_lock(&r->io);
	rc = tomo_output_write_box(r->p->out, &s->out, s->out_data);
	if (r->serialize)
		pthread_mutex_unlock(&r->io);
	r->p->write_s += tomo_now() - t0;
	return rc;
}

static void *
reader(void *arg)
{
	struct run *r = arg;

	for (int64_t k = 0; k < r->nslabs; k++) {
		int s = (int)(k % r->nslots), rc;
		if (!await(r, s, SLOT_FREE))
			break;
		if ((rc = read_slab(r, place(r, k)))) {
			fail(r, rc);
			break;
		}
		advance(r, s, SLOT_READ);
	}
	return NULL;
}

static void *
writer(void *arg)
{
	struct run *r = arg;

	for (int64_t k = 0; k < r->nslabs; k++) {
		int s = (int)(k % r->nslots), rc;
		if (!await(r, s, SLOT_DONE))
			break;
		if ((rc = write_slab(r, &r->slab[s]))) {
			fail(r, rc);
			break;
		}
		advance(r, s, SLOT_FREE);
	}
	return NULL;
}

/* A stage's own reports within slab k, as the pipeline's. */
struct sub {
	const struct tomo_progress_cb *cb;
	int64_t before, n, total;
};

static void
sub_report(void *ctx, int64_t done, int64_t total)
{
	const struct sub *u = ctx;
	if (total > 0)
		tomo_progress_report(u->cb, u->before + (int64_t)((double)u->n * (double)done /
		                                                  (double)total),
		                     u->total);
}

/* The calling thread: compute each slab as it is read. */
static void
compute(struct run *r)
{
	struct tomo_stage *st = r->st;

	for (int64_t k = 0; k < r->nslabs; k++) {
		int s = (int)(k % r->nslots), rc;
		if (!await(r, s, r->p->in ? SLOT_READ : SLOT_FREE))
			break;
		struct tomo_slab *sl = r->p->in ? &r->slab[s] : place(r, k);
		const int64_t done = (*axis_start(&sl->out, r->axis) - r->a0) * 1024;
		struct sub u = {&r->p->progress, done, *axis_count(&sl->out, r->axis) * 1024,
		                (r->a1 - r->a0) * 1024};
		const struct tomo_progress_cb cb = {sub_report, &u};
		double t0 = tomo_now();
		rc = st->process(st->impl, sl, &cb);
		r->p->process_s += tomo_now() - t0;
		if (rc) {
			fail(r, rc);
			break;
		}
		tomo_progress_report(&r->p->progress, done + u.n, u.total);
		advance(r, s, SLOT_DONE);
	}
}

static void *
alloc_buf(struct tomo_stage *st, int64_t bytes)
{
	if (st->alloc)
		return st->alloc(st->impl, bytes);
	size_t n = ((size_t)bytes + 63) & ~(size_t)63;
	return aligned_alloc(64, n ? n : 64);
}

static void
free_buf(struct tomo_stage *st, void *p)
{
	if (!p)
		return;
	if (st->release)
		st->release(st->impl, p);
	else
		free(p);
}

static int
uses_hdf5(const struct tomo_pipeline *p)
{
	return (p->in && !strcmp(tomo_input_format(p->in), "hdf5")) || p->out->dataset;
}

int
tomo_pipeline_run(struct tomo_pipeline *p)
{
	struct run r = {.p = p, .st = p->stage, .axis = p->stage->axis};
	struct tomo_box reg = p->region;
	pthread_t threads[2];
	int nthreads = 0, rc = TOMO_OK;

	p->slabs = 0;
	p->read_s = p->process_s = p->write_s = 0;
	r.a0 = *axis_start(&reg, r.axis);
	r.a1 = r.a0 + *axis_count(&reg, r.axis);
	r.units = tomo_pipeline_plan(p);
	if (r.a1 <= r.a0 || r.units <= 0 || box_floats(&reg) == 0)
		return TOMO_OK;
	if (r.st->prepare && (rc = r.st->prepare(r.st->impl, &r.units)))
		return rc;
	if (r.units < 1)
		return tomo_error(TOMO_ERR, "%s: no room for a slab", r.st->name);
	p->slab_units = r.units;
	r.nslabs = (r.a1 - r.a0 + r.units - 1) / r.units;
	r.nslots = nslots(r.st);
	if (r.nslots > r.nslabs)
		r.nslots = (int)r.nslabs;
	/* One HDF5 call at a time where the library is not thread-safe. */
	r.serialize = uses_hdf5(p) && !tomo_hdf5_threadsafe();

	const int64_t ib = slab_in_bytes(p, r.axis, r.a0, r.a1, r.units);
	const int64_t ob = slab_out_bytes(p, r.axis, r.units);
	for (int s = 0; s < r.nslots; s++) {
		struct tomo_slab *sl = &r.slab[s];
		sl->slot = s;
		if (r.st->buffers) {
			if ((rc = r.st->buffers(r.st->impl, s, &sl->in_data, &sl->out_data)))
				goto done;
			continue;
		}
		if (p->in && !(sl->in_data = alloc_buf(r.st, ib)))
			rc = tomo_error(TOMO_ERR, "out of memory for a slab of %s (%.0f MB)",
			                r.st->name, (double)ib / 1e6);
		else if (r.st->in_place && p->in)
			sl->out_data = sl->in_data;
		else if (!(sl->out_data = alloc_buf(r.st, ob)))
			rc = tomo_error(TOMO_ERR, "out of memory for a slab of %s (%.0f MB)",
			                r.st->name, (double)ob / 1e6);
		if (rc)
			goto done;
	}
	pthread_mutex_init(&r.mu, NULL);
	pthread_mutex_init(&r.io, NULL);
	pthread_cond_init(&r.cv, NULL);
	if (p->in) {
		if (pthread_create(&threads[nthreads], NULL, reader, &r))
			fail(&r, tomo_error(TOMO_ERR, "cannot start a reader thread"));
		else
			nthreads++;
	}
	if (!r.stop) {
		if (pthread_create(&threads[nthreads], NULL, writer, &r))
			fail(&r, tomo_error(TOMO_ERR, "cannot start a writer thread"));
		else
			nthreads++;
	}
	if (!r.stop)
		compute(&r);
	for (int t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);
	p->slabs = r.nslabs;
	if (r.rc)
		rc = tomo_error(r.rc, "%s", r.msg);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.io);
	pthread_mutex_destroy(&r.mu);
done:
	for (int s = 0; s < r.nslots && !r.st->buffers; s++) {
		if (r.slab[s].out_data != r.slab[s].in_data)
			free_buf(r.st, r.slab[s].out_data);
		free_buf(r.st, r.slab[s].in_data);
	}
	return rc;
}

void
tomo_part_range(int64_t extent, int64_t multiple, int i, int n, int64_t *a, int64_t *b)
{
	const int64_t m = multiple > 1 ? multiple : 1;
	const int64_t blocks = (extent + m - 1) / m;
	int64_t b0 = blocks * i / n, b1 = blocks * (i + 1) / n;

	*a = b0 * m < extent ? b0 * m : extent;
	*b = b1 * m < extent ? b1 * m : extent;
}

int
tomo_part_parse(const char *s, int *i, int *n)
{
	char *end;
	long a, b;

	if (!s || !*s)
		return tomo_error(TOMO_EUSAGE, "empty (expected I/N, e.g. 0/4)");
	a = strtol(s, &end, 10);
	if (end == s || *end != '/' || a < 0)
		return tomo_error(TOMO_EUSAGE, "'%s' is not I/N with 0 <= I < N", s);
	const char *t = end + 1;
	b = strtol(t, &end, 10);
	if (end == t || *end || b < 1 || b > 1000000)
		return tomo_error(TOMO_EUSAGE, "'%s' is not I/N with 0 <= I < N", s);
	if (a >= b)
		return tomo_error(TOMO_EUSAGE, "'%s': there is no part %ld of %ld (parts are "
		                               "numbered 0 to %ld)",
		                  s, a, b, b - 1);
	*i = (int)a;
	*n = (int)b;
	return TOMO_OK;
}
