/*
 * fbp: the driver of filtered back-projection (tomo/fbp.h): host tables
 * (filter response, angle weights, trigonometry), the choice of slabs
 * within the memory budget, reading each slab's rows for all angles,
 * handing them to the CPU path (lib/fbp_cpu.c) or the GPU back-end
 * (kernels/fbp.cu), and writing each slab's slices.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fbp_gpu.h"
#include "fbp_impl.h"
#include "fbp_math.h"
#include "tomo/err.h"
#include "tomo/fft.h"

const char *const tomo_fbp_filter_names[] = {
	"ramp", "shepp-logan", "cosine", "hamming", "hann", "parzen", NULL,
};

const char *const tomo_fbp_method_names[] = {"fbp", "fourier", NULL};

int64_t
tomo_fbp_padded_length(int64_t ncols)
{
	/* Even, so that the Nyquist bin exists and both methods treat it
	 * alike (4 ncols is even and 7-smooth whenever ncols is). */
	return tomo_fbp_even_size(2 * ncols < 64 ? 64 : 2 * ncols);
}

int64_t
tomo_fbp_even_size(int64_t n)
{
	int64_t m = tomo_fft_good_size(n);
	while (m % 2)
		m = tomo_fft_good_size(m + 1);
	return m;
}

void
tomo_fbp_filter_table(enum tomo_fbp_filter f, double cutoff, int64_t P, double gain, double *resp)
{
	const double pi = 3.14159265358979323846;

	/* H[k] = sum over n of h[n] cos(2 pi k n / P), h zero where the
	 * circular distance min(n, P - n) is even and not 0: for an even P
	 * that is every even n, so the sum runs over odd n, whose cosines
	 * follow cos((n + 2) t) = 2 cos(2t) cos(n t) - cos((n - 2) t); an odd
	 * P (no padded length is, but the function takes any) sums over all
	 * n with cos((n + 1) t) = 2 cos(t) cos(n t) - cos((n - 1) t). */
	const int64_t step = P % 2 ? 1 : 2;
	for (int64_t k = 0; k <= P / 2; k++) {
		double t = 2.0 * pi * (double)k / (double)P;
		double c2 = 2.0 * cos((double)step * t), prev = cos((1.0 - (double)step) * t);
		double cur = cos(t);
		double sum = fbp_ramlak(0, P);
		for (int64_t n = 1; n < P; n += step) {
			sum += fbp_ramlak(n, P) * cur;
			double next = c2 * cur - prev;
			prev = cur;
			cur = next;
		}
		double r = (double)k / (double)P / (0.5 * cutoff);
		resp[k] = gain * sum * fbp_window((int)f, r);
	}
}

struct folded {
	double a; /* degrees in [0, 180) */
	int64_t i;
};

static int
cmp_folded(const void *x, const void *y)
{
	const struct folded *a = x, *b = y;
	return a->a < b->a ? -1 : a->a > b->a ? 1 : (a->i > b->i) - (a->i < b->i);
}

int
tomo_fbp_angle_weights(const double *deg, int64_t n, double *w)
{
	const double pi = 3.14159265358979323846, tol = 1e-6;
	struct folded *f;
	int64_t *first;

	for (int64_t i = 0; i < n; i++)
		if (!isfinite(deg[i]))
			return tomo_error(TOMO_ERR, "angle %lld is not a finite number",
			                  (long long)i);
	f = malloc(sizeof *f * (size_t)n);
	first = malloc(sizeof *first * (size_t)(n + 1));
	if (!f || !first) {
		free(f);
		free(first);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	for (int64_t i = 0; i < n; i++) {
		double a = fmod(deg[i], 180.0);
		if (a < 0)
			a += 180.0;
		if (a >= 180.0 - tol) /* 179.9999999 is the direction of 0 */
			a = 0.0;
		f[i].a = a;
		f[i].i = i;
	}
	qsort(f, (size_t)n, sizeof *f, cmp_folded);
	/* Groups of equal directions: first[g] .. first[g + 1] - 1. */
	int64_t ng = 0;
	for (int64_t i = 0; i < n; i++)
		if (i == 0 || f[i].a - f[i - 1].a > tol)
			first[ng++] = i;
	first[ng] = n;
	for (int64_t g = 0; g < ng; g++) {
		double prev = g > 0 ? f[first[g - 1]].a : f[first[ng - 1]].a - 180.0;
		double next = g + 1 < ng ? f[first[g + 1]].a : f[first[0]].a + 180.0;
		double share = ng == 1 ? 180.0 : 0.5 * (next - prev);
		int64_t members = first[g + 1] - first[g];
		for (int64_t m = first[g]; m < first[g + 1]; m++)
			w[f[m].i] = share / (double)members * pi / 180.0;
	}
	free(f);
	free(first);
	return TOMO_OK;
}

int
tomo_fbp_check(const struct tomo_input *in, const struct tomo_fbp_params *p)
{
	const struct tomo_header *h = tomo_input_header(in);
	const int64_t C = h->size[0];
	const int64_t A = p->sinograms ? h->size[1] : h->size[2];
	const int64_t R = p->sinograms ? h->size[2] : h->size[1];
	const char *name = tomo_input_name(in);

	if (p->nangles != A)
		return tomo_error(TOMO_ERR, "%s holds %lld projections but %lld angles were given",
		                  name, (long long)A, (long long)p->nangles);
	if (!(p->center >= 0 && p->center <= (double)C))
		return tomo_error(TOMO_ERR, "center %g is outside the detector (0 to %lld columns)",
		                  p->center, (long long)C);
	if (p->row0 < 0 || p->row1 > R || p->row0 >= p->row1)
		return tomo_error(TOMO_ERR,
		                  "slices %lld:%lld are outside the detector's rows 0:%lld",
		                  (long long)p->row0, (long long)p->row1, (long long)R);
	if (p->size < 1 || p->size > (1 << 20))
		return tomo_error(TOMO_ERR, "size %lld is out of range", (long long)p->size);
	if (!(p->cutoff > 0 && p->cutoff <= 1))
		return tomo_error(TOMO_ERR, "cutoff %g is not in (0, 1]", p->cutoff);
	if (p->method == TOMO_FBP_FOURIER &&
	    (p->oversample != 0 && !(p->oversample >= 1.25 && p->oversample <= 4)))
		return tomo_error(TOMO_ERR, "Fourier grid oversampling %g is not in [1.25, 4]",
		                  p->oversample);
	if (p->method == TOMO_FBP_FOURIER &&
	    (p->kernel_width != 0 && (p->kernel_width < 3 || p->kernel_width > 8)))
		return tomo_error(TOMO_ERR, "Fourier kernel width %d is not in 3..8",
		                  p->kernel_width);
	if (C > (1 << 22) || A > (1 << 24))
		return tomo_error(TOMO_ERR, "%s: %lld columns x %lld angles is too large", name,
		                  (long long)C, (long long)A);
	return TOMO_OK;
}

void
fbp_geom_free(struct fbp_geom *g)
{
	free(g->filter);
	free(g->cosv);
	free(g->sinv);
	free(g->weight);
	free(g->coef);
	free(g->shift);
	free(g->deap_x);
	free(g->deap_y);
}

int
fbp_geom_init(struct fbp_geom *g, int64_t ncols, const struct tomo_fbp_params *p)
{
	const double pi = 3.14159265358979323846;
	double *resp, *w;
	int rc = TOMO_OK;

	memset(g, 0, sizeof *g);
	g->C = ncols;
	g->A = p->nangles;
	g->N = p->size;
	g->P = tomo_fbp_padded_length(g->C);
	g->nbins = g->P / 2 + 1;
	g->cs = g->C + FBP_GUARD_COLS;
	g->off = (float)(p->center - 0.5 + FBP_GUARD_LEFT);
	g->hi = (float)(g->C + FBP_GUARD_LEFT);
	g->transmission = p->transmission;
	g->pad_zero = p->pad == TOMO_FBP_PAD_ZERO;
	g->filter = malloc(sizeof(float) * (size_t)g->nbins);
	g->cosv = malloc(sizeof(float) * (size_t)g->A);
	g->sinv = malloc(sizeof(float) * (size_t)g->A);
	g->weight = malloc(sizeof(float) * (size_t)g->A);
	resp = malloc(sizeof(double) * (size_t)g->nbins);
	w = malloc(sizeof(double) * (size_t)g->A);
	if (!g->filter || !g->cosv || !g->sinv || !g->weight || !resp || !w) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto done;
	}
	/* The FFT round trip multiplies by P; the result by the scale. */
	tomo_fbp_filter_table(p->filter, p->cutoff, g->P, p->scale / (double)g->P, resp);
	for (int64_t k = 0; k < g->nbins; k++)
		g->filter[k] = (float)resp[k];
	if ((rc = tomo_fbp_angle_weights(p->angles, g->A, w)))
		goto done;
	for (int64_t a = 0; a < g->A; a++) {
		double t = p->angles[a] * pi / 180.0;
		g->cosv[a] = (float)cos(t);
		g->sinv[a] = (float)sin(t);
		g->weight[a] = (float)w[a];
	}
done:
	free(resp);
	free(w);
	if (rc)
		fbp_geom_free(g);
	return rc;
}

int
fbp_read_chunk(struct tomo_input *in, const struct tomo_fbp_params *p, int64_t C, int64_t r0,
               int64_t nr, int64_t a0, int64_t na, float *buf, int64_t *rs, int64_t *as)
{
	struct tomo_box b = {0, C, 0, 0, 0, 0};

	if (p->sinograms) {
		b.y0 = a0, b.ny = na, b.z0 = r0, b.nz = nr;
		*rs = na * C, *as = C;
	} else {
		b.y0 = r0, b.ny = nr, b.z0 = a0, b.nz = na;
		*rs = C, *as = nr * C;
	}
	return tomo_input_read(in, &b, buf);
}

static int
write_slab(struct tomo_output *out, const struct tomo_fbp_params *p, int64_t r0, int64_t nr,
           const float *slices)
{
	return tomo_output_write(out, r0 - p->row0, nr, slices);
}

void *
fbp_alloc_floats(int64_t n)
{
	const size_t huge = (size_t)2 << 20;
	size_t bytes = ((size_t)n * sizeof(float) + 63) & ~(size_t)63;

	if (bytes < 4 * huge)
		return aligned_alloc(64, bytes ? bytes : 64);
	/* Large tables are read at strides of a few KiB (a filtered line per
	 * angle): in 4 KiB pages each line is a TLB miss. Ask for huge pages
	 * (a hint: where transparent huge pages are off, nothing changes). */
	bytes = (bytes + huge - 1) & ~(huge - 1);
	void *p = aligned_alloc(huge, bytes);
	if (p)
		madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

/* Rows per slab and angles per read for the CPU path within the budget:
 * the filtered slab, the slices and a raw chunk of at most an eighth of
 * the budget (all angles for a forward-only input, which cannot be read
 * twice). Slabs stay under about 1 GiB even with a larger budget, so that
 * a reader downstream gets the first slices early: more slabs cost
 * nothing but their reads. */
static void
cpu_plan(const struct fbp_geom *g, const struct tomo_fbp_params *p, int sequential, int64_t *rows,
         int64_t *angles, int64_t *bytes)
{
	const int64_t total = p->row1 - p->row0;
	const int64_t row = g->A * fbp_cpu_line_floats(g) * 4, slice = g->N * g->N * 4;
	const int64_t raw_row = g->A * g->C * 4;
	const int64_t cap = ((int64_t)8 << 30) / 7;
	const int64_t budget = p->memory < cap ? p->memory : cap;
	const int64_t reserve = sequential ? 0 : budget / 8;
	int64_t best = 1;

	for (int64_t r = 1; r <= total; r++) {
		int64_t need = r * (row + slice + (sequential ? raw_row : 0)) + reserve;
		if (need > p->memory || (need > budget && r > 1))
			break;
		best = r;
	}
	*rows = best;
	if (sequential) {
		*angles = g->A;
	} else {
		int64_t na = reserve / (best * g->C * 4);
		*angles = na < 1 ? 1 : na > g->A ? g->A : na;
	}
	*bytes = best * (row + slice) + best * *angles * g->C * 4;
}

static int
run_cpu(struct tomo_input *in, const struct tomo_fbp_params *p, const struct fbp_geom *g,
        struct tomo_output *out, struct tomo_fbp_stats *st, struct fbp_report *rep)
{
	const int sequential = tomo_input_sequential(in);
	int64_t R, Ac, bytes;
	struct fbp_cpu *cpu = NULL;
	float *F = NULL, *slices = NULL, *raw = NULL;
	int rc;

	cpu_plan(g, p, sequential, &R, &Ac, &bytes);
	st->slab_rows = R;
	if ((rc = fbp_cpu_create(g, &cpu)))
		return rc;
	F = fbp_alloc_floats(fbp_slab_floats(g, R));
	slices = fbp_alloc_floats(R * g->N * g->N);
	raw = fbp_alloc_floats(R * Ac * g->C);
	if (!F || !slices || !raw) {
		rc = tomo_error(TOMO_ERR, "out of memory for a slab of %lld rows (%.0f MB)",
		                (long long)R, (double)bytes / 1e6);
		goto done;
	}
	for (int64_t r0 = p->row0; r0 < p->row1; r0 += R) {
		int64_t nr = r0 + R > p->row1 ? p->row1 - r0 : R;
		for (int64_t a0 = 0; a0 < g->A; a0 += Ac) {
			int64_t na = a0 + Ac > g->A ? g->A - a0 : Ac, rs, as;
			if ((rc = fbp_read_chunk(in, p, g->C, r0, nr, a0, na, raw, &rs, &as)))
				goto done;
			st->clamped += fbp_cpu_filter(cpu, raw, rs, as, nr, a0, na, F);
		}
		fbp_cpu_backproject(g, F, nr, slices, rep);
		if ((rc = write_slab(out, p, r0, nr, slices)))
			goto done;
		st->slabs++;
	}
done:
	free(F);
	free(slices);
	free(raw);
	fbp_cpu_destroy(cpu);
	return rc;
}

/* The GPU back-ends behind one set of calls (kernels/fbp_gpu.h). */
struct gpu_ops {
	int (*create)(const struct tomo_fbp_gpu_desc *d, void **h);
	int64_t (*slab_rows)(const void *h);
	float *(*input)(void *h, int k);
	const float *(*output)(void *h, int k);
	int (*submit)(void *h, int k, int64_t rows);
	int (*wait)(void *h, int k, int64_t *clamped);
	void (*destroy)(void *h);
};

static int
direct_create(const struct tomo_fbp_gpu_desc *d, void **h)
{
	return tomo_fbp_gpu_create(d, (struct tomo_fbp_gpu **)h);
}
static int64_t
direct_slab_rows(const void *h)
{
	return tomo_fbp_gpu_slab_rows(h);
}
static float *
direct_input(void *h, int k)
{
	return tomo_fbp_gpu_input(h, k);
}
static const float *
direct_output(void *h, int k)
{
	return tomo_fbp_gpu_output(h, k);
}
static int
direct_submit(void *h, int k, int64_t rows)
{
	return tomo_fbp_gpu_submit(h, k, rows);
}
static int
direct_wait(void *h, int k, int64_t *clamped)
{
	return tomo_fbp_gpu_wait(h, k, clamped);
}
static void
direct_destroy(void *h)
{
	tomo_fbp_gpu_destroy(h);
}

static int
fourier_create(const struct tomo_fbp_gpu_desc *d, void **h)
{
	return tomo_fourier_gpu_create(d, (struct tomo_fourier_gpu **)h);
}
static int64_t
fourier_slab_rows(const void *h)
{
	return tomo_fourier_gpu_slab_rows(h);
}
static float *
fourier_input(void *h, int k)
{
	return tomo_fourier_gpu_input(h, k);
}
static const float *
fourier_output(void *h, int k)
{
	return tomo_fourier_gpu_output(h, k);
}
static int
fourier_submit(void *h, int k, int64_t rows)
{
	return tomo_fourier_gpu_submit(h, k, rows);
}
static int
fourier_wait(void *h, int k, int64_t *clamped)
{
	return tomo_fourier_gpu_wait(h, k, clamped);
}
static void
fourier_destroy(void *h)
{
	tomo_fourier_gpu_destroy(h);
}

static const struct gpu_ops direct_ops = {
	direct_create, direct_slab_rows, direct_input,   direct_output,
	direct_submit, direct_wait,      direct_destroy,
};
static const struct gpu_ops fourier_ops = {
	fourier_create, fourier_slab_rows, fourier_input,   fourier_output,
	fourier_submit, fourier_wait,      fourier_destroy,
};

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

/* The GPU path: two slots alternate, so that while the GPU works on slab
 * k the host writes slab k-1's slices and reads slab k+1's rows. */
static int
run_gpu(struct tomo_input *in, const struct tomo_fbp_params *p, const struct fbp_geom *g,
        struct tomo_output *out, struct tomo_fbp_stats *st, struct fbp_report *rep)
{
	const struct gpu_ops *ops = g->M ? &fourier_ops : &direct_ops;
	struct tomo_fbp_gpu_desc d;
	void *gpu;
	int64_t pending_r0[2] = {-1, -1}, pending_nr[2] = {0, 0};
	int64_t R, s = 0;
	int rc;

	/* Rows per slab: two slots of pinned input and output in the budget,
	 * and at most about 1 GiB each (pinning more only costs time), in
	 * whole groups of lanes. */
	const int64_t row_bytes = 4 * (g->A * g->C + g->N * g->N);
	R = p->memory / (2 * row_bytes);
	if (R > ((int64_t)1 << 30) / row_bytes)
		R = ((int64_t)1 << 30) / row_bytes;
	if (R > TOMO_FBP_LANES)
		R -= R % TOMO_FBP_LANES;
	else if (R < TOMO_FBP_LANES && p->memory >= 2 * TOMO_FBP_LANES * row_bytes)
		R = TOMO_FBP_LANES;
	if (R < 1)
		R = 1;
	if (R > p->row1 - p->row0)
		R = p->row1 - p->row0;
	fbp_gpu_desc(&d, g, p, R);
	double t0 = tomo_now();
	if ((rc = ops->create(&d, &gpu)))
		return rc == TOMO_ENODEV ? TOMO_ERR : rc;
	st->setup_s = tomo_now() - t0;
	R = ops->slab_rows(gpu);
	st->slab_rows = R;
	for (int64_t r0 = p->row0;; r0 += R, s++) {
		int k = (int)(s % 2);
		/* Finish the slab that used this slot two steps ago. */
		if (pending_r0[k] >= 0) {
			double t = tomo_now();
			if ((rc = ops->wait(gpu, k, &st->clamped)))
				goto done;
			st->wait_s += tomo_now() - t;
			t = tomo_now();
			if ((rc = write_slab(out, p, pending_r0[k], pending_nr[k],
			                     ops->output(gpu, k))))
				goto done;
			st->write_s += tomo_now() - t;
			st->slabs++;
			rep->done += pending_nr[k] * g->A * g->N * g->N;
			tomo_progress_report(rep->cb, rep->done, rep->total);
			pending_r0[k] = -1;
		}
		if (r0 >= p->row1) {
			if (pending_r0[!k] < 0)
				break;
			continue; /* drain the other slot */
		}
		int64_t nr = r0 + R > p->row1 ? p->row1 - r0 : R, rs, as;
		double t = tomo_now();
		if ((rc = fbp_read_chunk(in, p, g->C, r0, nr, 0, g->A, ops->input(gpu, k), &rs,
		                         &as)))
			goto done;
		st->read_s += tomo_now() - t;
		if ((rc = ops->submit(gpu, k, nr)))
			goto done;
		pending_r0[k] = r0;
		pending_nr[k] = nr;
	}
done:
	ops->destroy(gpu);
	return rc;
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
	struct fbp_report rep = {&p->progress, 0, g.A * g.N * g.N * (p->row1 - p->row0)};
	if (p->method == TOMO_FBP_FOURIER) {
		if ((rc = fbp_fourier_init(&g, p))) {
			fbp_geom_free(&g);
			return rc;
		}
		stats->padded = g.P;
		stats->grid = g.M;
		rc = p->use_gpu ? run_gpu(in, p, &g, out, stats, &rep)
		                : fbp_fourier_run_cpu(in, p, &g, out, stats, &rep);
	} else {
		stats->padded = g.P;
		rc = p->use_gpu ? run_gpu(in, p, &g, out, stats, &rep)
		                : run_cpu(in, p, &g, out, stats, &rep);
	}
	stats->updates = (double)g.A * (double)(g.N * g.N) * (double)(p->row1 - p->row0);
	stats->seconds = tomo_now() - t0;
	fbp_geom_free(&g);
	return rc;
}
