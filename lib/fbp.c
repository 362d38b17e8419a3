/*
 * fbp: filtered back-projection as a stage of the slab pipeline
 * (tomo/fbp.h, lib/pipeline.c). A slab is a run of output slices (planes
 * of the volume), read as the detector rows they come from for all
 * angles; the CPU path filters and back-projects them (lib/fbp_cpu.c, or
 * the Fourier method's lib/fbp_fourier.c), the GPU back-ends
 * (kernels/fbp.cu, kernels/fourier.cu) do both in their own pinned slot
 * buffers. The tables are lib/fbp_geom.c's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fbp_gpu.h"
#include "fbp_impl.h"
#include "tomo/err.h"
#include "tomo/pipeline.h"

void
fbp_gpu_desc(struct tomo_fbp_gpu_desc *d, const struct fbp_geom *g,
             const struct tomo_fbp_params *p, int64_t slab_rows)
{
	*d = (struct tomo_fbp_gpu_desc){
		.ncols = g->C,
		.nangles = g->A,
		.size = g->N,
		.padded = g->P,
		.slab_rows = slab_rows,
		.sinograms = p->sinograms,
		.transmission = g->transmission,
		.pad_zero = g->pad_zero,
		.off = g->off,
		.hi = g->hi,
		.filter = g->filter,
		.cosv = g->cosv,
		.sinv = g->sinv,
		.weight = g->weight,
		.memory = p->memory,
		.device = p->device,
		.grid = g->M,
		.kernel_width = g->W,
		.degree = g->deg,
		.r = g->r,
		.coef = g->coef,
		.shift = g->shift,
		.deap_x = g->deap_x,
		.deap_y = g->deap_y,
	};
}

struct fbp_stage {
	const struct tomo_fbp_params *p;
	const struct fbp_geom *g;
	struct tomo_fbp_stats *st;
	struct fbp_report rep;
	struct fbp_cpu *cpu;     /* direct, CPU */
	float *F;                /* its filtered slab */
	struct fourier_cpu *fc;  /* Fourier, CPU */
	const struct tomo_fbp_gpu_ops *ops; /* GPU */
	void *gpu;
};

/* Output planes z0.. are detector rows row0 + z0..: all angles of them. */
static void
fbp_input_box(void *impl, const struct tomo_box *out, struct tomo_box *in)
{
	const struct fbp_stage *s = impl;
	const int64_t r0 = s->p->row0 + out->z0;

	if (s->p->sinograms)
		*in = (struct tomo_box){0, s->g->C, 0, s->g->A, r0, out->nz};
	else
		*in = (struct tomo_box){0, s->g->C, r0, out->nz, 0, s->g->A};
}

/* The strides of a line in a slab's raw input (row r, angle a at
 * raw + r rs + a as). */
static void
raw_strides(const struct fbp_stage *s, int64_t rows, int64_t *rs, int64_t *as)
{
	if (s->p->sinograms)
		*rs = s->g->A * s->g->C, *as = s->g->C;
	else
		*rs = s->g->C, *as = rows * s->g->C;
}

static int
cpu_prepare(void *impl, int64_t *units)
{
	struct fbp_stage *s = impl;
	int rc;

	if (s->g->M)
		return fbp_fourier_cpu_create(s->g, &s->fc);
	if ((rc = fbp_cpu_create(s->g, &s->cpu)))
		return rc;
	if (!(s->F = fbp_alloc_floats(fbp_slab_floats(s->g, *units))))
		return tomo_error(TOMO_ERR, "out of memory for a slab of %lld rows",
		                  (long long)*units);
	return TOMO_OK;
}

static int
cpu_process(void *impl, struct tomo_slab *sl, const struct tomo_progress_cb *cb)
{
	struct fbp_stage *s = impl;
	const int64_t nr = sl->out.nz;
	int64_t rs, as;

	raw_strides(s, nr, &rs, &as);
	if (s->fc) {
		s->st->clamped += fbp_fourier_cpu_slab(s->fc, sl->in_data, rs, as, nr, sl->out_data,
		                                       &s->rep);
	} else {
		s->st->clamped += fbp_cpu_filter(s->cpu, sl->in_data, rs, as, nr, 0, s->g->A, s->F);
		fbp_cpu_backproject(s->g, s->F, nr, sl->out_data, &s->rep);
	}
	return TOMO_OK;
}

static int
gpu_prepare(void *impl, int64_t *units)
{
	struct fbp_stage *s = impl;
	struct tomo_fbp_gpu_desc d;
	double t0 = tomo_now();
	int rc;

	fbp_gpu_desc(&d, s->g, s->p, *units);
	if ((rc = s->ops->create(&d, &s->gpu)))
		return rc == TOMO_ENODEV ? TOMO_ERR : rc;
	s->st->setup_s = tomo_now() - t0;
	*units = s->ops->slab_rows(s->gpu);
	return TOMO_OK;
}

/* The pipeline's slots are the back-end's two, in its pinned memory. */
static int
gpu_buffers(void *impl, int slot, void **in, float **out)
{
	struct fbp_stage *s = impl;
	*in = s->ops->input(s->gpu, slot);
	*out = (float *)s->ops->output(s->gpu, slot);
	return TOMO_OK;
}

static int
gpu_process(void *impl, struct tomo_slab *sl, const struct tomo_progress_cb *cb)
{
	struct fbp_stage *s = impl;
	int rc;

	if ((rc = s->ops->submit(s->gpu, sl->slot, sl->out.nz)) ||
	    (rc = s->ops->wait(s->gpu, sl->slot, &s->st->clamped)))
		return rc;
	s->rep.done += sl->out.nz * s->g->A * s->g->N * s->g->N;
	tomo_progress_report(s->rep.cb, s->rep.done, s->rep.total);
	return TOMO_OK;
}

/* The stage for p on g: CPU or GPU, direct or Fourier. The CPU path keeps
 * the filtered slab (a row's lines, fbp_slab_floats) besides the slots;
 * the Fourier method's work buffers are per thread; slabs hold pairs of
 * rows for it (two rows travel as one complex line) and whole groups of
 * lanes on the GPU; a GPU slab in and out stays under about 1 GiB. */
static void
fbp_stage_init(struct fbp_stage *s, struct tomo_stage *st)
{
	const struct fbp_geom *g = s->g;
	const int64_t row_bytes = 4 * (g->A * g->C + g->N * g->N);

	*st = (struct tomo_stage){
		.name = "reconstruction",
		.impl = s,
		.axis = 2,
		.multiple = g->M ? 2 : 1,
		.input_box = fbp_input_box,
	};
	if (s->p->use_gpu) {
		s->ops = g->M ? &tomo_fbp_gpu_fourier : &tomo_fbp_gpu_direct;
		st->slots = 2;
		st->granule = g->M ? 0 : TOMO_FBP_LANES;
		st->max_units = ((int64_t)1 << 30) / row_bytes;
		st->prepare = gpu_prepare;
		st->buffers = gpu_buffers;
		st->process = gpu_process;
		return;
	}
	st->prepare = cpu_prepare;
	st->process = cpu_process;
	if (g->M) {
		/* the per-thread work buffers, sized as fbp_fourier_cpu_create
		 * will make them */
		struct fourier_cpu *fc;
		if (!fbp_fourier_cpu_create(g, &fc)) {
			st->work_bytes = fbp_fourier_cpu_bytes(fc);
			fbp_fourier_cpu_destroy(fc);
		}
	} else {
		st->unit_bytes = g->A * fbp_cpu_line_floats(g) * 4;
	}
}

static void
fbp_stage_free(struct fbp_stage *s)
{
	if (s->gpu)
		s->ops->destroy(s->gpu);
	fbp_cpu_destroy(s->cpu);
	fbp_fourier_cpu_destroy(s->fc);
	free(s->F);
}

int
tomo_fbp_output_header(const struct tomo_header *in, const struct tomo_fbp_params *p,
                       double pixel_size, struct tomo_header *out)
{
	int rc;

	if ((rc = tomo_header_copy(out, in)))
		return rc;
	out->kind = TOMO_KIND_VOLUME;
	out->quantity = TOMO_QUANTITY_ATTENUATION;
	out->size[0] = out->size[1] = p->size;
	out->size[2] = p->row1 - p->row0;
	tomo_header_set_angles(out, NULL, 0);
	out->center = NAN;
	out->spacing[0] = out->spacing[1] = out->spacing[2] = NAN;
	if (!isnan(pixel_size))
		out->pixel_size = pixel_size;
	return TOMO_OK;
}

int64_t
tomo_fbp_part_multiple(const struct tomo_fbp_params *p)
{
	return p->method == TOMO_FBP_FOURIER ? 2 : 1;
}

int
tomo_fbp_run(struct tomo_input *in, const struct tomo_fbp_params *p, struct tomo_output *out,
             struct tomo_fbp_stats *stats)
{
	struct tomo_fbp_stats local;
	struct fbp_geom g;
	double t0 = tomo_now();
	int rc;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	if ((rc = tomo_fbp_check(in, p)) ||
	    (rc = fbp_geom_init(&g, tomo_input_header(in)->size[0], p)))
		return rc;
	if (p->method == TOMO_FBP_FOURIER && (rc = fbp_fourier_init(&g, p))) {
		fbp_geom_free(&g);
		return rc;
	}
	stats->padded = g.P;
	stats->grid = g.M;
	const int64_t z0 = p->part ? p->z0 : 0, z1 = p->part ? p->z1 : p->row1 - p->row0;
	const int64_t rows = z1 > z0 ? z1 - z0 : 0;
	struct fbp_stage s = {
		.p = p, .g = &g, .st = stats, .rep = {&p->progress, 0, g.A * g.N * g.N * rows}};
	struct tomo_stage st;
	fbp_stage_init(&s, &st);
	struct tomo_pipeline pl = {
		.in = in,
		.out = out,
		.stage = &st,
		.region = {0, g.N, 0, g.N, z0, rows},
		.memory = p->memory,
	};
	rc = tomo_pipeline_run(&pl);
	fbp_stage_free(&s);
	stats->slabs = pl.slabs;
	stats->slab_rows = pl.slab_units;
	stats->read_s = pl.read_s;
	stats->write_s = pl.write_s;
	stats->wait_s = pl.process_s;
	stats->updates = (double)g.A * (double)(g.N * g.N) * (double)rows;
	stats->seconds = tomo_now() - t0;
	fbp_geom_free(&g);
	return rc;
}
