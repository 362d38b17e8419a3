/*
 * slice: selections of parallel slices, the boxes that hold them and the
 * header of their stack (tomo/slice.h). Reading is either one box per slice
 * straight into the destination, or a sweep over the input planes that
 * reads a box of each plane and scatters (or bins) it into the images.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/err.h"
#include "tomo/slice.h"

static const char axis_name[] = "xyz";

/* The volume axes of an image's columns and rows. */
static int
col_axis(int axis)
{
	return axis == TOMO_AXIS_X ? TOMO_AXIS_Y : TOMO_AXIS_X;
}

static int
row_axis(int axis)
{
	return axis == TOMO_AXIS_Z ? TOMO_AXIS_Y : TOMO_AXIS_Z;
}

void
tomo_slice_image_dims(const int64_t s[3], int axis, int64_t *width, int64_t *height)
{
	*width = s[col_axis(axis)];
	*height = s[row_axis(axis)];
}

int
tomo_slice_resolve(const struct tomo_header *h, struct tomo_slice_sel *s)
{
	const int64_t N = s->bin;
	int64_t n, w, ht, last;

	if (s->axis < 0 || s->axis > 2)
		return tomo_error(TOMO_EUSAGE, "axis %d is not x, y or z", s->axis);
	if (N < 1)
		return tomo_error(TOMO_EUSAGE, "bin %lld is not positive", (long long)N);
	for (int i = 0; i < 3; i++) {
		s->size[i] = h->size[i] / N;
		if (!s->size[i])
			return tomo_error(TOMO_EUSAGE,
			                  "bin %lld is larger than the %lld samples along "
			                  "%c",
			                  (long long)N, (long long)h->size[i], axis_name[i]);
	}
	n = s->size[s->axis];
	if (s->step < 1)
		s->step = 1;
	if (s->first < 0 || s->first >= n)
		return tomo_error(TOMO_EUSAGE, "slice %lld is outside 0..%lld along %c%s",
		                  (long long)s->first, (long long)n - 1, axis_name[s->axis],
		                  N > 1 ? " after binning" : "");
	if (s->count < 0)
		s->count = (n - s->first + s->step - 1) / s->step;
	if (s->count < 1)
		return tomo_error(TOMO_EUSAGE, "no slice selected");
	last = s->first + (s->count - 1) * s->step;
	if (last >= n)
		return tomo_error(TOMO_EUSAGE,
		                  "slices %lld..%lld (step %lld) go past the last "
		                  "slice, %lld, along %c%s",
		                  (long long)s->first, (long long)last, (long long)s->step,
		                  (long long)n - 1, axis_name[s->axis],
		                  N > 1 ? " after binning" : "");
	tomo_slice_image_dims(s->size, s->axis, &w, &ht);
	if (!s->crop) {
		s->col0 = s->row0 = 0;
		s->col1 = w;
		s->row1 = ht;
	}
	const int64_t lo[2] = {s->col0, s->row0}, hi[2] = {s->col1, s->row1};
	const int64_t dim[2] = {w, ht};
	for (int i = 0; i < 2; i++)
		if (lo[i] < 0 || hi[i] > dim[i] || lo[i] >= hi[i])
			return tomo_error(TOMO_EUSAGE,
			                  "crop %s %lld:%lld are not inside the image's "
			                  "0:%lld (axis %c%s)",
			                  i ? "rows" : "columns", (long long)lo[i],
			                  (long long)hi[i], (long long)dim[i], axis_name[s->axis],
			                  N > 1 ? ", after binning" : "");
	s->width = s->col1 - s->col0;
	s->height = s->row1 - s->row0;
	return TOMO_OK;
}

/* One request as the sweep sees it: binned coordinates throughout. */
struct plan {
	const struct tomo_slice_sel *s;
	int axis;
	int64_t N, W, H, c0, r0, step;
	int64_t k0, nk;
	int64_t sa, sb;   /* first and last slice of the request */
	int64_t zlo, zhi; /* input planes needed */
	float *dst;
	double *acc; /* N > 1: sums */
};

/* A rectangle of an input plane. */
struct rect {
	int64_t x0, nx, y0, ny;
};

static void
plan_init(struct plan *p, const struct tomo_slice_req *r)
{
	const struct tomo_slice_sel *s = r->sel;

	memset(p, 0, sizeof *p);
	p->s = s;
	p->axis = s->axis;
	p->N = s->bin;
	p->W = s->width;
	p->H = s->height;
	p->c0 = s->col0;
	p->r0 = s->row0;
	p->step = s->step;
	p->k0 = r->k0;
	p->nk = r->nk;
	p->sa = s->first + r->k0 * s->step;
	p->sb = s->first + (r->k0 + r->nk - 1) * s->step;
	p->dst = r->dst;
	if (p->axis == TOMO_AXIS_Z) {
		p->zlo = p->sa * p->N;
		p->zhi = (p->sb + 1) * p->N;
	} else {
		p->zlo = p->r0 * p->N;
		p->zhi = (p->r0 + p->H) * p->N;
	}
}

static int
plan_needs(const struct plan *p, int64_t z)
{
	if (z < p->zlo || z >= p->zhi)
		return 0;
	if (p->axis != TOMO_AXIS_Z)
		return 1;
	return (z / p->N - p->sa) % p->step == 0;
}

/* The rectangle of a plane that slices ja..jb-1 of the request need. */
static struct rect
plan_rect(const struct plan *p, int64_t ja, int64_t jb)
{
	const int64_t N = p->N;
	const int64_t s0 = p->sa + ja * p->step, s1 = p->sa + (jb - 1) * p->step;
	struct rect r = {p->c0 * N, p->W * N, p->r0 * N, p->H * N};

	if (p->axis == TOMO_AXIS_Y) {
		r.y0 = s0 * N;
		r.ny = (s1 - s0 + 1) * N;
	} else if (p->axis == TOMO_AXIS_X) {
		r = (struct rect){s0 * N, (s1 - s0 + 1) * N, p->c0 * N, p->W * N};
	}
	return r;
}

static struct rect
rect_union(struct rect a, struct rect b)
{
	int64_t x1 = a.x0 + a.nx > b.x0 + b.nx ? a.x0 + a.nx : b.x0 + b.nx;
	int64_t y1 = a.y0 + a.ny > b.y0 + b.ny ? a.y0 + a.ny : b.y0 + b.ny;
	struct rect r;

	r.x0 = a.x0 < b.x0 ? a.x0 : b.x0;
	r.y0 = a.y0 < b.y0 ? a.y0 : b.y0;
	r.nx = x1 - r.x0;
	r.ny = y1 - r.y0;
	return r;
}

/* Sum of the N x N block of buf (rows of stride nx) at (x, y). */
static double
block_sum(const float *buf, int64_t nx, int64_t x, int64_t y, int64_t N)
{
	double sum = 0;

	for (int64_t b = 0; b < N; b++)
		for (int64_t a = 0; a < N; a++)
			sum += buf[(y + b) * nx + x + a];
	return sum;
}

/*
 * Put plane z, of which buf holds rectangle r, into slices ja..jb-1 of the
 * request (for axis z: the one slice plane z belongs to). Without binning
 * the samples are copied; with it, block sums are added to the sums.
 */
static void
scatter(const struct plan *p, int64_t z, const float *buf, struct rect r, int64_t ja, int64_t jb)
{
	const int64_t N = p->N, W = p->W, H = p->H, bz = z / N;
	const int64_t area = W * H;

	if (p->axis == TOMO_AXIS_Z) {
		const int64_t j = (bz - p->sa) / p->step;
		for (int64_t i = 0; i < H; i++) {
			const int64_t y = (p->r0 + i) * N - r.y0, x = p->c0 * N - r.x0;
			if (N == 1) {
				memcpy(p->dst + j * area + i * W, buf + y * r.nx + x,
				       (size_t)W * sizeof *buf);
				continue;
			}
			double *acc = p->acc + j * area + i * W;
			for (int64_t c = 0; c < W; c++)
				acc[c] += block_sum(buf, r.nx, x + c * N, y, N);
		}
		return;
	}
	const int64_t i = bz - p->r0; /* the image row this plane feeds */
	for (int64_t j = ja; j < jb; j++) {
		const int64_t s = (p->sa + j * p->step) * N;
		float *d = p->dst + j * area + i * W;
		double *acc = p->acc ? p->acc + j * area + i * W : NULL;
		if (p->axis == TOMO_AXIS_Y) {
			const float *row = buf + (s - r.y0) * r.nx + p->c0 * N - r.x0;
			if (N == 1)
				memcpy(d, row, (size_t)W * sizeof *buf);
			else
				for (int64_t c = 0; c < W; c++)
					acc[c] += block_sum(row, r.nx, c * N, 0, N);
		} else {
			const float *col = buf + (p->c0 * N - r.y0) * r.nx + s - r.x0;
			if (N == 1)
				for (int64_t c = 0; c < W; c++)
					d[c] = col[c * r.nx];
			else
				for (int64_t c = 0; c < W; c++)
					acc[c] += block_sum(col, r.nx, 0, c * N, N);
		}
	}
}

/* No binning, random access: each slice is one box, read into place. */
static int
read_direct(struct tomo_input *in, const struct plan *p, tomo_slice_progress_fn progress, void *ctx,
            int64_t *done, int64_t total)
{
	for (int64_t j = 0; j < p->nk; j++) {
		const int64_t s = p->sa + j * p->step;
		struct tomo_box b;
		switch (p->axis) {
		case TOMO_AXIS_Z: b = (struct tomo_box){p->c0, p->W, p->r0, p->H, s, 1}; break;
		case TOMO_AXIS_Y: b = (struct tomo_box){p->c0, p->W, s, 1, p->r0, p->H}; break;
		default: b = (struct tomo_box){s, 1, p->c0, p->W, p->r0, p->H}; break;
		}
		if (tomo_input_read(in, &b, p->dst + j * p->W * p->H))
			return TOMO_ERR;
		*done += p->axis == TOMO_AXIS_Z ? 1 : p->H;
		if (progress)
			progress(ctx, *done, total);
	}
	return TOMO_OK;
}

/* Whether a request can skip the sweep: one box per slice, no binning.
 * Several x slices are swept instead: a column of every row touches every
 * page of the volume, so the planes are visited once, not once per slice. */
static int
direct(const struct tomo_input *in, const struct plan *p)
{
	return !tomo_input_sequential(in) && p->N == 1 && (p->axis != TOMO_AXIS_X || p->nk == 1);
}

static int
read_box(struct tomo_input *in, struct rect r, int64_t z, float *buf)
{
	struct tomo_box b = {r.x0, r.nx, r.y0, r.ny, z, 1};
	return tomo_input_read(in, &b, buf);
}

/* One plane of the sweep, for the requests in need[] that need it. */
static int
sweep_plane(struct tomo_input *in, struct plan *p, const int *need, int n, int64_t z, float *buf)
{
	if (tomo_input_sequential(in)) {
		/* One read of the plane, the union of every request's rectangle. */
		struct rect u = {0, 0, 0, 0};
		int any = 0;
		for (int i = 0; i < n; i++)
			if (need[i]) {
				struct rect r = plan_rect(&p[i], 0, p[i].nk);
				u = any ? rect_union(u, r) : r;
				any = 1;
			}
		if (read_box(in, u, z, buf))
			return TOMO_ERR;
		for (int i = 0; i < n; i++)
			if (need[i])
				scatter(&p[i], z, buf, u, 0, p[i].nk);
		return TOMO_OK;
	}
	for (int i = 0; i < n; i++) {
		if (!need[i])
			continue;
		/* Adjacent slices are one box, and so are x slices, whose columns
		 * share their pages; stepped y slices are one box each, so that
		 * the rows between them are not read. */
		int64_t per = p[i].axis != TOMO_AXIS_Y || p[i].step == 1 ? p[i].nk : 1;
		for (int64_t j = 0; j < p[i].nk; j += per) {
			struct rect r = plan_rect(&p[i], j, j + per);
			if (read_box(in, r, z, buf))
				return TOMO_ERR;
			scatter(&p[i], z, buf, r, j, j + per);
		}
	}
	return TOMO_OK;
}

int
tomo_slice_read(struct tomo_input *in, const struct tomo_slice_req *reqs, int nreq,
                tomo_slice_progress_fn progress, void *ctx)
{
	struct plan *p = calloc((size_t)(nreq ? nreq : 1), sizeof *p);
	int *need = calloc((size_t)(nreq ? nreq : 1), sizeof *need);
	int *now = calloc((size_t)(nreq ? nreq : 1), sizeof *now);
	int64_t zlo = INT64_MAX, zhi = 0, total = 0, done = 0, area = 0;
	float *buf = NULL;
	int rc = TOMO_ERR, sweep = 0;

	if (!p || !need || !now) {
		tomo_error(TOMO_ERR, "out of memory");
		goto out;
	}
	for (int i = 0; i < nreq; i++) {
		plan_init(&p[i], &reqs[i]);
		if (direct(in, &p[i])) {
			total += p[i].axis == TOMO_AXIS_Z ? p[i].nk : p[i].nk * p[i].H;
			continue;
		}
		need[i] = 1;
		sweep = 1;
		struct rect r = plan_rect(&p[i], 0, p[i].nk);
		area = area > r.nx * r.ny ? area : r.nx * r.ny;
		zlo = p[i].zlo < zlo ? p[i].zlo : zlo;
		zhi = p[i].zhi > zhi ? p[i].zhi : zhi;
		if (p[i].N > 1) {
			size_t n = (size_t)(p[i].nk * p[i].W * p[i].H);
			p[i].acc = calloc(n ? n : 1, sizeof *p[i].acc);
			if (!p[i].acc) {
				tomo_error(TOMO_ERR,
				           "out of memory for the sums of %zu "
				           "binned samples",
				           n);
				goto out;
			}
		}
	}
	if (sweep) {
		/* The sequential case reads the union of all rectangles. */
		const struct tomo_header *h = tomo_input_header(in);
		if (tomo_input_sequential(in))
			area = h->size[0] * h->size[1];
		buf = malloc((size_t)(area ? area : 1) * sizeof *buf);
		if (!buf) {
			tomo_error(TOMO_ERR, "out of memory for a plane of %lld samples",
			           (long long)area);
			goto out;
		}
		for (int64_t z = zlo; z < zhi; z++)
			for (int i = 0; i < nreq; i++)
				if (need[i] && plan_needs(&p[i], z)) {
					total++;
					break;
				}
	}
	for (int i = 0; i < nreq; i++)
		if (!need[i] && read_direct(in, &p[i], progress, ctx, &done, total))
			goto out;
	for (int64_t z = zlo; sweep && z < zhi; z++) {
		int any = 0;
		for (int i = 0; i < nreq; i++)
			any |= now[i] = need[i] && plan_needs(&p[i], z);
		if (!any)
			continue;
		if (sweep_plane(in, p, now, nreq, z, buf))
			goto out;
		if (progress)
			progress(ctx, ++done, total);
	}
	/* Binned: sums to means. */
	for (int i = 0; i < nreq; i++) {
		if (!p[i].acc)
			continue;
		const double n3 = (double)(p[i].N * p[i].N * p[i].N);
		const int64_t n = p[i].nk * p[i].W * p[i].H;
		for (int64_t k = 0; k < n; k++)
			p[i].dst[k] = (float)(p[i].acc[k] / n3);
	}
	rc = TOMO_OK;
out:
	for (int i = 0; p && i < nreq; i++)
		free(p[i].acc);
	free(p);
	free(need);
	free(now);
	free(buf);
	return rc;
}

/* The output axis (0 columns, 1 rows, 2 slices) of each input axis. */
static void
axis_map(int axis, int out_of[3], int in_of[3])
{
	in_of[0] = col_axis(axis);
	in_of[1] = row_axis(axis);
	in_of[2] = axis;
	for (int o = 0; o < 3; o++)
		out_of[in_of[o]] = o;
}

int
tomo_slice_header(const struct tomo_header *in, const struct tomo_slice_sel *s, int64_t k0,
                  int64_t nk, struct tomo_header *out)
{
	const int64_t N = s->bin;
	int out_of[3], in_of[3];
	/* Binned index of output sample i along output axis o: off + step i. */
	const int64_t off[3] = {s->col0, s->row0, s->first + k0 * s->step};
	const int64_t stp[3] = {1, 1, s->step};
	int angle_axis = -1;
	enum tomo_kind kind = TOMO_KIND_UNKNOWN;

	if (tomo_header_copy(out, in))
		return TOMO_ERR;
	axis_map(s->axis, out_of, in_of);
	out->size[0] = s->width;
	out->size[1] = s->height;
	out->size[2] = nk;
	for (int o = 0; o < 3; o++)
		out->spacing[o] = in->spacing[in_of[o]] * (double)(N * stp[o]);
	if (!isnan(in->pixel_size))
		out->pixel_size = in->pixel_size * (double)N;

	if (in->kind == TOMO_KIND_PROJECTIONS)
		angle_axis = TOMO_AXIS_Z;
	else if (in->kind == TOMO_KIND_SINOGRAMS)
		angle_axis = TOMO_AXIS_Y;
	if (angle_axis >= 0 && in_of[0] == TOMO_AXIS_X) {
		if (out_of[angle_axis] == 2)
			kind = TOMO_KIND_PROJECTIONS;
		else if (out_of[angle_axis] == 1)
			kind = TOMO_KIND_SINOGRAMS;
	} else if (in->kind == TOMO_KIND_VOLUME && s->axis == TOMO_AXIS_Z) {
		kind = TOMO_KIND_VOLUME;
	}
	out->kind = kind;

	tomo_header_set_angles(out, NULL, 0);
	if (kind != TOMO_KIND_UNKNOWN && kind != TOMO_KIND_VOLUME &&
	    in->nangles == in->size[angle_axis]) {
		const int o = out_of[angle_axis];
		double *a = malloc((size_t)out->size[o] * sizeof *a);
		if (!a) {
			tomo_header_free(out);
			return tomo_error(TOMO_ERR, "out of memory");
		}
		for (int64_t i = 0; i < out->size[o]; i++) {
			double sum = 0;
			for (int64_t b = 0; b < N; b++)
				sum += in->angles[(off[o] + stp[o] * i) * N + b];
			a[i] = sum / (double)N;
		}
		int rc = tomo_header_set_angles(out, a, out->size[o]);
		free(a);
		if (rc) {
			tomo_header_free(out);
			return rc;
		}
	}
	if (in_of[0] == TOMO_AXIS_X && !isnan(in->center))
		out->center = in->center / (double)N - (double)s->col0;
	else
		out->center = NAN;
	return TOMO_OK;
}
