/*
 * flat: flat- and dark-field correction of a scan, slab by slab
 * (tomo/flat.h). Frames go through one pipeline: read the detector region
 * (with a one-pixel halo for the 3x3 median), remove outliers, bin. Flats
 * and darks are averaged once; projections are then read, corrected and
 * written a slab at a time, uint16 HDF5 input converted while correcting.
 * Per-pixel arithmetic lives in kernels/flat_math.h, shared with flat.cu.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flat_gpu.h"
#include "flat_math.h"
#include "hdf5_common.h"
#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/flat.h"
#include "tomo/pipeline.h"

/* A slab or frame buffer takes at most this much (and at most a quarter
 * of --memory): larger slabs do not read or write faster, and the peak
 * resident set stays far below the data. */
#define SLAB_MAX ((int64_t)64 << 20)
/* Pixels per parallel work item of the correction. */
#define SPAN 8192

struct ctx {
	const struct tomo_scan_input *s;
	const struct tomo_flat_opts *o;
	int64_t x0, nx, y0, ny; /* detector region behind the output */
	int64_t bin, onx, ony;  /* output plane */
	int halo;               /* 1 with outliers: the 3x3 needs neighbours */
	float t;
	int64_t budget;          /* bytes per buffer */
	int64_t slab;            /* projections per slab */
	int64_t part0;           /* the output row of the region's first */
	float *buf, *tmp;        /* read_frames' scratch */
	size_t buf_cap, tmp_cap; /* floats */
	float *dark;             /* onx * ony */
	float **den;             /* F - D per flat group */
	double *anchor;
	int ngroups;
	struct tomo_flat_gpu_state *gpu;
	struct tomo_flat_counts *c;
};

static int
oom(void)
{
	return tomo_error(TOMO_ERR, "out of memory");
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Grow *p to hold n floats. */
static int
ensure(float **p, size_t *cap, size_t n)
{
	if (*cap >= n)
		return TOMO_OK;
	free(*p);
	*p = malloc(n * sizeof **p);
	*cap = *p ? n : 0;
	return *p ? TOMO_OK : oom();
}

/* ---- pieces */

int64_t
tomo_flat_outliers(const float *in, float *out, int64_t nx, int64_t ny, int64_t nz, float t)
{
	int64_t hits = 0;

#pragma omp parallel for reduction(+ : hits) schedule(static)
	for (int64_t zy = 0; zy < nz * ny; zy++) {
		int64_t y = zy % ny;
		const float *row = in + zy * nx;
		const float *up = y > 0 ? row - nx : row, *dn = y + 1 < ny ? row + nx : row;
		float *o = out + zy * nx;
		int64_t h = 0;
		int hit;

		/* Edges through the replicating helper, the inside straight
		 * (it vectorises). */
		o[0] = tomo_flat_outlier(row[0], tomo_flat_median3x3(up, row, dn, 0, (long)nx), t,
		                         &hit);
		h += hit;
		for (int64_t x = 1; x < nx - 1; x++) {
			float m = tomo_flat_median9(up[x - 1], up[x], up[x + 1], row[x - 1], row[x],
			                            row[x + 1], dn[x - 1], dn[x], dn[x + 1]);
			o[x] = tomo_flat_outlier(row[x], m, t, &hit);
			h += hit;
		}
		if (nx > 1) {
			o[nx - 1] = tomo_flat_outlier(
				row[nx - 1],
				tomo_flat_median3x3(up, row, dn, (long)(nx - 1), (long)nx), t,
				&hit);
			h += hit;
		}
		hits += h;
	}
	return hits;
}

/* Crop and bin: onx x ony bins of n x n from a plane of row stride
 * stride, starting at its first sample. n == 1 is a copy. */
static void
bin_strided(const float *in, int64_t stride, int64_t onx, int64_t ony, int64_t n, float *out)
{
	const double scale = 1.0 / (double)(n * n);

	for (int64_t y = 0; y < ony; y++) {
		const float *r = in + y * n * stride;
		float *o = out + y * onx;
		if (n == 1) {
			memcpy(o, r, (size_t)onx * sizeof *o);
			continue;
		}
		for (int64_t x = 0; x < onx; x++) {
			double sum = 0;
			for (int64_t a = 0; a < n; a++)
				for (int64_t b = 0; b < n; b++)
					sum += r[a * stride + x * n + b];
			o[x] = (float)(sum * scale);
		}
	}
}

void
tomo_flat_bin(const float *in, int64_t nx, int64_t ny, int64_t n, float *out)
{
	bin_strided(in, nx, nx / n, ny / n, n, out);
}

/* Quickselect: v[k] becomes the k-th smallest, smaller ones before it. */
static void
select_kth(float *v, int64_t n, int64_t k)
{
	int64_t lo = 0, hi = n - 1;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		/* Median of three as the pivot. */
		float a = v[lo], b = v[mid], c = v[hi];
		float p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		while (i <= j) {
			while (v[i] < p)
				i++;
			while (p < v[j])
				j--;
			if (i <= j) {
				float tmp = v[i];
				v[i++] = v[j];
				v[j--] = tmp;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

float
tomo_flat_median(float *v, int64_t n)
{
	int64_t k = (n - 1) / 2;
	float lo, hi;

	select_kth(v, n, k);
	lo = v[k];
	if (n % 2)
		return lo;
	hi = v[k + 1];
	for (int64_t i = k + 2; i < n; i++)
		if (v[i] < hi)
			hi = v[i];
	return (float)(((double)lo + hi) / 2);
}

/* ---- reading frames through outliers and binning */

static int
outliers(struct ctx *c, const float *in, float *out, int64_t nx, int64_t ny, int64_t nz,
         int64_t *hits)
{
	if (c->o->use_gpu) {
		int64_t h;
		int rc = tomo_flat_gpu.outliers(c->o->device, in, out, nx, ny, nz, c->t, &h);
		*hits += h;
		return rc;
	}
	*hits += tomo_flat_outliers(in, out, nx, ny, nz, c->t);
	return TOMO_OK;
}

/* Output rows orow0..orow0+onrows of frames frame[0..n) of in, each
 * through outlier removal and binning, into dst ([n][onrows][onx]).
 * Consecutive frames are read together; frames must increase (streams). */
static int
read_frames(struct ctx *c, struct tomo_input *in, const int64_t *frame, int64_t n, int64_t orow0,
            int64_t onrows, float *dst, int64_t *hits)
{
	const int64_t B = c->bin, r0 = c->y0 + orow0 * B, nr = onrows * B;
	const int64_t hr0 = c->halo ? max64(r0 - 1, 0) : r0;
	const int64_t hr1 = c->halo ? min64(r0 + nr + 1, c->s->nrows) : r0 + nr;
	const int64_t hc0 = c->halo ? max64(c->x0 - 1, 0) : c->x0;
	const int64_t hc1 = c->halo ? min64(c->x0 + c->nx + 1, c->s->ncols) : c->x0 + c->nx;
	const int64_t hnx = hc1 - hc0, hny = hr1 - hr0, pin = hnx * hny, pout = c->onx * onrows;
	const int direct = !c->halo && B == 1;
	const int64_t kmax = max64(1, c->budget / (pin * (int64_t)sizeof(float)));
	int rc;

	for (int64_t i = 0; i < n;) {
		int64_t j = i + 1;
		while (j < n && frame[j] == frame[j - 1] + 1 && j - i < kmax)
			j++;
		const int64_t k = j - i;
		struct tomo_box box = {hc0, hnx, hr0, hny, frame[i], k};
		if (direct) {
			if ((rc = tomo_input_read(in, &box, dst + i * pout)))
				return rc;
			i = j;
			continue;
		}
		if ((rc = ensure(&c->buf, &c->buf_cap, (size_t)(k * pin))) ||
		    (rc = tomo_input_read(in, &box, c->buf)))
			return rc;
		const float *src = c->buf;
		if (c->halo) {
			if ((rc = ensure(&c->tmp, &c->tmp_cap, (size_t)(k * pin))) ||
			    (rc = outliers(c, c->buf, c->tmp, hnx, hny, k, hits)))
				return rc;
			src = c->tmp;
		}
#pragma omp parallel for schedule(static) if (k > 1)
		for (int64_t q = 0; q < k; q++)
			bin_strided(src + q * pin + (r0 - hr0) * hnx + (c->x0 - hc0), hnx, c->onx,
			            onrows, B, dst + (i + q) * pout);
		i = j;
	}
	return TOMO_OK;
}

/* ---- averages */

static int
average_mean(struct ctx *c, const struct tomo_frames *sets, int nsets, float *out, int64_t *hits)
{
	const int64_t plane = c->onx * c->ony;
	const int64_t chunk = max64(1, c->budget / (plane * (int64_t)sizeof(float)));
	double *sum = calloc((size_t)plane, sizeof *sum);
	float *frames = NULL;
	int64_t total = 0;
	int rc = TOMO_OK;

	if (!sum)
		return oom();
	for (int i = 0; i < nsets; i++)
		total += sets[i].n;
	if (!(frames = malloc((size_t)(min64(chunk, total) * plane) * sizeof *frames))) {
		free(sum);
		return oom();
	}
	for (int i = 0; i < nsets && !rc; i++)
		for (int64_t f = 0; f < sets[i].n && !rc; f += chunk) {
			const int64_t k = min64(chunk, sets[i].n - f);
			if ((rc = read_frames(c, sets[i].in, sets[i].frame + f, k, 0, c->ony,
			                      frames, hits)))
				break;
#pragma omp parallel for schedule(static)
			for (int64_t p = 0; p < plane; p++)
				for (int64_t q = 0; q < k; q++)
					sum[p] += frames[q * plane + p];
		}
	if (!rc)
		for (int64_t p = 0; p < plane; p++)
			out[p] = (float)(sum[p] / (double)total);
	free(frames);
	free(sum);
	return rc;
}

/* The median needs every frame of a pixel at once: bands of rows. */
static int
average_median(struct ctx *c, const struct tomo_frames *sets, int nsets, float *out, int64_t *hits)
{
	int64_t total = 0, band, rowbytes = c->onx * (int64_t)sizeof(float);
	float *frames;
	int rc = TOMO_OK;

	for (int i = 0; i < nsets; i++) {
		total += sets[i].n;
		/* Read band after band: a stream must become random-access. */
		if (tomo_input_sequential(sets[i].in) &&
		    (rc = tomo_input_buffer(sets[i].in, c->o->memory / 2)))
			return rc;
	}
	band = min64(c->ony, max64(1, 4 * c->budget / (total * rowbytes)));
	if (!(frames = malloc((size_t)(total * band * c->onx) * sizeof *frames)))
		return oom();
	for (int64_t r = 0; r < c->ony && !rc; r += band) {
		const int64_t nb = min64(band, c->ony - r), pb = nb * c->onx;
		int64_t off = 0;
		for (int i = 0; i < nsets && !rc; i++) {
			rc = read_frames(c, sets[i].in, sets[i].frame, sets[i].n, r, nb,
			                 frames + off * pb, hits);
			off += sets[i].n;
		}
		if (rc)
			break;
#pragma omp parallel
		{
			float *v = malloc((size_t)total * sizeof *v);
#pragma omp for schedule(static)
			for (int64_t p = 0; p < pb; p++) {
				if (!v)
					continue;
				for (int64_t q = 0; q < total; q++)
					v[q] = frames[q * pb + p];
				out[r * c->onx + p] = tomo_flat_median(v, total);
			}
			if (!v) {
#pragma omp atomic write
				rc = TOMO_ERR;
			}
			free(v);
		}
		if (rc)
			rc = oom();
	}
	free(frames);
	return rc;
}

static int
average(struct ctx *c, const struct tomo_frames *sets, int nsets, enum tomo_flat_average how,
        float *out)
{
	return how == TOMO_FLAT_MEDIAN ? average_median(c, sets, nsets, out, &c->c->outliers_side)
	                               : average_mean(c, sets, nsets, out, &c->c->outliers_side);
}

/* Dark and F - D of every flat group. A group nowhere above the darks (a
 * placeholder of zeros, say) is left out when another group is usable. */
static int
prepare_tables(struct ctx *c)
{
	const struct tomo_scan_input *s = c->s;
	const int64_t plane = c->onx * c->ony;
	float *flat = malloc((size_t)plane * sizeof *flat);
	int *usable = calloc((size_t)s->nflats, sizeof *usable);
	int rc = TOMO_OK, any = 0, n = 0;

	c->dark = calloc((size_t)plane, sizeof *c->dark);
	c->den = calloc((size_t)s->nflats, sizeof *c->den);
	c->anchor = calloc((size_t)s->nflats, sizeof *c->anchor);
	if (!flat || !usable || !c->dark || !c->den || !c->anchor)
		rc = oom();
	if (!rc && s->ndarks)
		rc = average(c, s->darks, s->ndarks, c->o->dark_average, c->dark);
	if (!rc)
		for (int64_t p = 0; p < plane; p++)
			c->c->dark_mean += c->dark[p] / (double)plane;
	for (int g = 0; g < s->nflats && !rc; g++) {
		float *den = malloc((size_t)plane * sizeof *den);
		if (!den) {
			rc = oom();
			break;
		}
		c->den[c->ngroups] = den;
		c->anchor[c->ngroups++] = s->flats[g].anchor;
		if ((rc = average(c, &s->flats[g], 1, c->o->flat_average, flat)))
			break;
		double sum = 0;
		for (int64_t p = 0; p < plane; p++) {
			den[p] = flat[p] - c->dark[p];
			usable[g] |= den[p] >= TOMO_FLAT_DEN_MIN;
			sum += flat[p];
		}
		if (g < 16)
			c->c->flat_mean[g] = sum / (double)plane;
		any |= usable[g];
	}
	for (int g = 0; g < c->ngroups && !rc; g++) {
		if (usable[g] || !any) {
			c->den[n] = c->den[g];
			c->anchor[n++] = c->anchor[g];
			continue;
		}
		size_t len = strlen(c->c->dropped);
		snprintf(c->c->dropped + len, sizeof c->c->dropped - len, "%s%s", len ? "; " : "",
		         s->flats[g].name);
		free(c->den[g]);
	}
	if (!rc)
		c->ngroups = n;
	free(usable);
	free(flat);
	return rc;
}

/* The groups and weight of the flat at scan position pos. */
static void
interpolation(const struct ctx *c, double pos, int *ga, int *gb, float *w)
{
	int n = c->ngroups, i = 0;

	*ga = *gb = 0;
	*w = 0;
	if (n == 1 || pos <= c->anchor[0])
		return;
	if (pos >= c->anchor[n - 1]) {
		*ga = *gb = n - 1;
		return;
	}
	while (i + 1 < n && c->anchor[i + 1] <= pos)
		i++;
	*ga = i;
	*gb = i + 1;
	*w = (float)((pos - c->anchor[i]) / (c->anchor[i + 1] - c->anchor[i]));
	if (*w == 0)
		*gb = i; /* on an anchor: that group exactly */
}

/* ---- correction on the CPU */

/* One span of pixels [j0, j1) of a plane. Inlined with constant flags,
 * so each combination becomes its own vectorised loop. */
static inline __attribute__((always_inline)) void
correct_span(const void *raw, int u16, float *o, const float *dark, const float *d0,
             const float *d1, float w, int interp, int take_log, int64_t j0, int64_t j1,
             int64_t *nden, int64_t *nt)
{
	int64_t a = 0, b = 0;

	for (int64_t j = j0; j < j1; j++) {
		float r = u16 ? (float)((const uint16_t *)raw)[j] : ((const float *)raw)[j];
		float den = interp ? tomo_flat_lerp(d0[j], d1[j], w) : d0[j];
		int f;
		o[j] = tomo_flat_correct(r, dark[j], den, take_log, &f);
		a += f & TOMO_FLAT_CLAMP_DEN;
		b += (f & TOMO_FLAT_CLAMP_T) >> 1;
	}
	*nden += a;
	*nt += b;
}

#define SPAN_CASE(U16, INTERP, LOG) \
	correct_span(r, U16, o, dark, d0, d1, wz, INTERP, LOG, j0, j1, &nden, &nt)

/* nz planes of npix: plane z with den[ga[z]] and den[gb[z]] mixed by
 * w[z], or den[0] alone when ga is NULL. counts as tomo_flat_correct_planes. */
static void
correct_planes(const void *raw, int u16, float *out, int64_t nz, int64_t npix, const float *dark,
               float *const *den, const int *ga, const int *gb, const float *w, int take_log,
               int64_t counts[2])
{
	const int64_t nspan = (npix + SPAN - 1) / SPAN;
	int64_t nden = 0, nt = 0;

	/* Span after span, every plane of the slab in turn: the span's dark
	 * and flats stay in cache while the planes stream by. */
#pragma omp parallel for reduction(+ : nden, nt) schedule(static)
	for (int64_t i = 0; i < nz * nspan; i++) {
		const int64_t z = i % nz, j0 = (i / nz) * SPAN, j1 = min64(j0 + SPAN, npix);
		const float *d0 = den[ga ? ga[z] : 0], *d1 = den[ga ? gb[z] : 0];
		const int interp = ga && ga[z] != gb[z];
		const float wz = ga ? w[z] : 0.0f;
		float *o = out + z * npix;
		const void *r = u16 ? (const void *)((const uint16_t *)raw + z * npix)
		                    : (const void *)((const float *)raw + z * npix);
		if (u16) {
			if (interp)
				take_log ? SPAN_CASE(1, 1, 1) : SPAN_CASE(1, 1, 0);
			else
				take_log ? SPAN_CASE(1, 0, 1) : SPAN_CASE(1, 0, 0);
		} else {
			if (interp)
				take_log ? SPAN_CASE(0, 1, 1) : SPAN_CASE(0, 1, 0);
			else
				take_log ? SPAN_CASE(0, 0, 1) : SPAN_CASE(0, 0, 0);
		}
	}
	counts[0] += nden;
	counts[1] += nt;
}

static void
correct_cpu(struct ctx *c, const void *raw, int u16, float *out, int64_t nz, const int *ga,
            const int *gb, const float *w)
{
	int64_t n[2] = {0, 0};

	correct_planes(raw, u16, out, nz, c->onx * c->ony, c->dark, c->den, ga, gb, w,
	               c->o->take_log, n);
	c->c->den_clamped += n[0];
	c->c->t_low += n[1];
}

void
tomo_flat_correct_planes(const void *raw, int raw_u16, int64_t nz, int64_t npix, const float *dark,
                         const float *den, int take_log, float *out, int64_t counts[2])
{
	float *const dens[1] = {(float *)den};

	correct_planes(raw, raw_u16, out, nz, npix, dark, dens, NULL, NULL, NULL, take_log, counts);
}

/* ---- the run */

/* The selected projections: indices into s->proj. */
static int64_t
selection(const struct tomo_scan_input *s, const struct tomo_flat_opts *o, int64_t *first,
          int64_t *step)
{
	int64_t end = o->proj1 ? o->proj1 : s->proj.n;
	*first = o->proj0;
	*step = o->proj_step > 0 ? o->proj_step : 1;
	return end > *first ? (end - *first + *step - 1) / *step : 0;
}

int
tomo_flat_plan(const struct tomo_scan_input *s, const struct tomo_flat_opts *o,
               struct tomo_header *h)
{
	const int64_t row1 = o->row1 ? o->row1 : s->nrows, col1 = o->col1 ? o->col1 : s->ncols;
	const int64_t bin = o->bin > 0 ? o->bin : 1;
	int64_t first, step, n;
	int rc;

	if (o->row0 < 0 || row1 > s->nrows || o->row0 >= row1)
		return tomo_error(TOMO_EUSAGE, "--rows %lld:%lld: the detector has rows 0:%lld",
		                  (long long)o->row0, (long long)row1, (long long)s->nrows);
	if (o->col0 < 0 || col1 > s->ncols || o->col0 >= col1)
		return tomo_error(TOMO_EUSAGE, "--crop %lld:%lld: the detector has columns 0:%lld",
		                  (long long)o->col0, (long long)col1, (long long)s->ncols);
	if (o->proj0 < 0 || (o->proj1 ? o->proj1 : s->proj.n) > s->proj.n ||
	    o->proj0 >= (o->proj1 ? o->proj1 : s->proj.n))
		return tomo_error(TOMO_EUSAGE, "--proj %lld:%lld: the scan has projections 0:%lld",
		                  (long long)o->proj0, (long long)(o->proj1 ? o->proj1 : s->proj.n),
		                  (long long)s->proj.n);
	if ((row1 - o->row0) < bin || (col1 - o->col0) < bin)
		return tomo_error(
			TOMO_EUSAGE, "--bin %lld: larger than the %lld x %lld pixels chosen",
			(long long)bin, (long long)(col1 - o->col0), (long long)(row1 - o->row0));
	n = selection(s, o, &first, &step);
	if ((rc = tomo_header_copy(h, &s->hdr)))
		return rc;
	/* DXchange's units attribute ("counts") no longer holds. */
	tomo_header_set_kv(h, "units", NULL);
	h->size[0] = (col1 - o->col0) / bin;
	h->size[1] = (row1 - o->row0) / bin;
	h->size[2] = n;
	h->kind = TOMO_KIND_PROJECTIONS;
	h->quantity = o->take_log ? TOMO_QUANTITY_LINE_INTEGRAL : TOMO_QUANTITY_TRANSMISSION;
	/* The axis and pixel follow the crop and the bins. */
	h->center = (h->center - (double)o->col0) / (double)bin;
	h->pixel_size *= (double)bin;
	h->spacing[0] *= (double)bin;
	h->spacing[1] *= (double)bin;
	if (s->angles) {
		double *a = malloc((size_t)n * sizeof *a);
		if (!a) {
			tomo_header_free(h);
			return oom();
		}
		for (int64_t i = 0; i < n; i++)
			a[i] = s->angles[first + i * step];
		rc = tomo_header_set_angles(h, a, n);
		free(a);
		if (rc) {
			tomo_header_free(h);
			return rc;
		}
	}
	return TOMO_OK;
}

static void
ctx_free(struct ctx *c)
{
	free(c->buf);
	free(c->tmp);
	free(c->dark);
	for (int g = 0; g < c->ngroups; g++)
		free(c->den[g]);
	free(c->den);
	free(c->anchor);
	tomo_flat_gpu.destroy(c->gpu);
}

/* Read the raw samples of frames frame[0..n) unconverted (uint16). */
static int
read_native(struct ctx *c, struct tomo_input *in, const int64_t *frame, int64_t n, uint16_t *dst)
{
	const int64_t plane = c->nx * c->ny;
	int rc;

	for (int64_t i = 0; i < n;) {
		int64_t j = i + 1;
		while (j < n && frame[j] == frame[j - 1] + 1)
			j++;
		struct tomo_box box = {c->x0, c->nx, c->y0, c->ny, frame[i], j - i};
		if ((rc = tomo_input_read_native(in, &box, dst + i * plane)))
			return rc;
		i = j;
	}
	return TOMO_OK;
}

/*
 * The projections as a stage of the pipeline (lib/pipeline.c): slabs of
 * selected projections, read (the reader thread: uint16 unconverted where
 * nothing else is done to them, else through read_frames' outlier removal
 * and binning), corrected (the calling thread: CPU or GPU) and written.
 */
struct flat_stage {
	struct ctx *c;
	int native;          /* slabs read as uint16 and converted while corrected */
	int64_t first, step; /* the selection */
	int64_t *fr;         /* per slab: frames, flat groups, weights */
	int *ga, *gb;
	float *w;
};

static int64_t
flat_input_bytes(void *impl, const struct tomo_box *in)
{
	const struct flat_stage *f = impl;
	return in->nx * in->ny * in->nz * (int64_t)(f->native ? sizeof(uint16_t) : sizeof(float));
}

/* The frames of slab planes z0..z0+nz. */
static void
flat_frames(const struct flat_stage *f, int64_t z0, int64_t nz, int64_t *fr)
{
	for (int64_t q = 0; q < nz; q++)
		fr[q] = f->c->s->proj.frame[f->first + (z0 + q) * f->step];
}

static int
flat_read(void *impl, struct tomo_input *in, struct tomo_slab *sl)
{
	struct flat_stage *f = impl;
	struct ctx *c = f->c;
	const int64_t nz = sl->out.nz;
	int64_t *fr = f->fr + sl->slot * c->slab;

	flat_frames(f, sl->out.z0, nz, fr);
	if (f->native)
		return read_native(c, in, fr, nz, sl->in_data);
	return read_frames(c, in, fr, nz, 0, c->ony, sl->in_data, &c->c->outliers_proj);
}

static int
flat_process(void *impl, struct tomo_slab *sl, const struct tomo_progress_cb *cb)
{
	struct flat_stage *f = impl;
	struct ctx *c = f->c;
	const int64_t nz = sl->out.nz, k = sl->slot * c->slab;
	int *ga = f->ga + k, *gb = f->gb + k;
	float *w = f->w + k;
	int rc = TOMO_OK;

	for (int64_t q = 0; q < nz; q++)
		interpolation(c, c->s->pos[f->first + (sl->out.z0 + q) * f->step], &ga[q], &gb[q],
		              &w[q]);
	if (c->gpu) {
		int64_t cnt[2] = {0, 0};
		rc = tomo_flat_gpu.correct(c->gpu, sl->in_data, f->native, nz, ga, gb, w,
		                           c->o->take_log, sl->out_data, cnt);
		c->c->den_clamped += cnt[0];
		c->c->t_low += cnt[1];
	} else {
		correct_cpu(c, sl->in_data, f->native, sl->out_data, nz, ga, gb, w);
	}
	c->c->pixels += nz * c->onx * c->ony;
	return rc;
}

static int
flat_prepare(void *impl, int64_t *units)
{
	struct flat_stage *f = impl;
	const size_t n = (size_t)(*units * 3);

	f->c->slab = *units;
	f->fr = malloc(n * sizeof *f->fr);
	f->ga = malloc(n * sizeof *f->ga);
	f->gb = malloc(n * sizeof *f->gb);
	f->w = malloc(n * sizeof *f->w);
	return f->fr && f->ga && f->gb && f->w ? TOMO_OK : oom();
}

static int
run_projections(struct ctx *c, struct tomo_output *out, const struct tomo_progress_cb *pr)
{
	const struct tomo_scan_input *s = c->s;
	const int64_t plane = c->onx * c->ony;
	struct tomo_input *in = s->proj.in;
	struct flat_stage f = {.c = c};
	const int64_t n = selection(s, c->o, &f.first, &f.step);
	/* uint16 read unconverted where nothing is done before the
	 * correction: no outliers (their halo), no bins */
	f.native = !c->halo && c->bin == 1 && tomo_input_dtype(in) == TOMO_U16 &&
	           tomo_input_has_native(in);
	struct tomo_stage st = {
		.name = "flat-field correction",
		.impl = &f,
		.axis = 2,
		.slots = 3,
		.in_place = !f.native,
		.max_units = max64(1, c->budget / (plane * (int64_t)sizeof(float))),
		.input_bytes = flat_input_bytes,
		.read = flat_read,
		.prepare = flat_prepare,
		.process = flat_process,
	};
	struct tomo_pipeline p = {
		.in = in,
		.out = out,
		.stage = &st,
		.region = {0, c->onx, c->part0, c->ony, 0, n},
		.memory = 4 * c->budget,
		.progress = pr ? *pr : (struct tomo_progress_cb){0},
	};
	int rc = tomo_pipeline_run(&p);

	free(f.fr);
	free(f.ga);
	free(f.gb);
	free(f.w);
	return rc;
}

int
tomo_flat_run(const struct tomo_scan_input *s, const struct tomo_flat_opts *o,
              struct tomo_output *out, struct tomo_flat_counts *counts,
              const struct tomo_progress_cb *progress)
{
	struct tomo_flat_counts local;
	struct ctx c = {.s = s, .o = o, .c = counts ? counts : &local};
	int rc;

	memset(c.c, 0, sizeof *c.c);
	c.bin = o->bin > 0 ? o->bin : 1;
	c.x0 = o->col0;
	c.y0 = o->row0;
	c.onx = ((o->col1 ? o->col1 : s->ncols) - c.x0) / c.bin;
	c.ony = ((o->row1 ? o->row1 : s->nrows) - c.y0) / c.bin;
	c.nx = c.onx * c.bin;
	c.ny = c.ony * c.bin;
	/* A part is the detector region of its rows: tables, reads and
	 * correction cover them alone; the output box says where they go. */
	const int64_t part0 = o->part ? o->part_row0 : 0;
	const int64_t part1 = o->part ? o->part_row1 : c.ony;
	if (part1 <= part0)
		return TOMO_OK;
	c.y0 += part0 * c.bin;
	c.ony = part1 - part0;
	c.ny = c.ony * c.bin;
	c.part0 = part0;
	c.halo = o->outliers > 0;
	c.t = (float)o->outliers;
	c.budget = min64(SLAB_MAX, max64(o->memory / 4, 1 << 20));
	if ((rc = prepare_tables(&c)))
		goto out;
	if (o->use_gpu) {
		const struct tomo_flat_gpu_desc gd = {
			.npix = c.onx * c.ony,
			.dark = c.dark,
			.den = (const float *const *)c.den,
			.ngroups = c.ngroups,
			.device = o->device,
		};
		if ((rc = tomo_flat_gpu.create(&gd, &c.gpu)))
			goto out;
	}
	rc = run_projections(&c, out, progress);
out:
	ctx_free(&c);
	return rc;
}
