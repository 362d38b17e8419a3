/* Unit tests of the slab driver (lib/pipeline.c): every unit of the region
 * made once and right, with margins and alignment, in tight and loose
 * memory, from files and from nothing; errors carried back with their
 * message; progress that ends at the total; part ranges and their parsing. */
#include "tomo/err.h"
#include "tomo/pipeline.h"
#include "unit.h"

#define X 7
#define Y 9
#define Z 11

/* A volume whose sample is a known function of its place. */
static float
value(int64_t x, int64_t y, int64_t z)
{
	return (float)(1000 * z + 10 * y + x) + 0.5f;
}

static void
header(struct tomo_header *h, int64_t nx, int64_t ny, int64_t nz)
{
	tomo_header_init(h);
	h->size[0] = nx, h->size[1] = ny, h->size[2] = nz;
}

static const char *
make_input(void)
{
	static float v[Z][Y][X];
	const char *p = unit_path("in.nrrd");
	struct tomo_header h;
	struct tomo_output *o;

	for (int z = 0; z < Z; z++)
		for (int y = 0; y < Y; y++)
			for (int x = 0; x < X; x++)
				v[z][y][x] = value(x, y, z);
	header(&h, X, Y, Z);
	CHECK(tomo_output_open(p, &h, &o) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_output_write(o, 0, Z, &v[0][0][0]) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_output_close(o) == TOMO_OK, "%s", tomo_errmsg());
	tomo_header_free(&h);
	return p;
}

/* A stage whose output sample at (x, y, z) is the sum of the input's
 * samples at rows y - m .. y + m of the same x, z that exist: it needs a
 * margin of m rows; slabs run along its axis. */
struct toy {
	int axis;
	int64_t m;
	int64_t calls, units_seen, max_seen;
	int fail_at; /* slab index whose process fails, or -1 */
	int64_t prepared;
};

static void
toy_box(void *impl, const struct tomo_box *out, struct tomo_box *in)
{
	const struct toy *t = impl;
	int64_t y0 = out->y0 - t->m, y1 = out->y0 + out->ny + t->m;
	*in = *out;
	in->y0 = y0 < 0 ? 0 : y0;
	in->ny = (y1 > Y ? Y : y1) - in->y0;
}

static int
toy_prepare(void *impl, int64_t *units)
{
	struct toy *t = impl;
	t->prepared = *units;
	return TOMO_OK;
}

static int
toy_process(void *impl, struct tomo_slab *s, const struct tomo_progress_cb *cb)
{
	struct toy *t = impl;
	const float *in = s->in_data;
	const struct tomo_box *o = &s->out, *i = &s->in;

	if (s->index == t->fail_at)
		return tomo_error(TOMO_ERR, "toy failure in slab %lld", (long long)s->index);
	t->calls++;
	const int64_t n = t->axis == 2 ? o->nz : o->ny;
	t->units_seen += n;
	t->max_seen = n > t->max_seen ? n : t->max_seen;
	for (int64_t z = 0; z < o->nz; z++)
		for (int64_t y = 0; y < o->ny; y++)
			for (int64_t x = 0; x < o->nx; x++) {
				const int64_t gy = o->y0 + y;
				float sum = 0;
				for (int64_t q = gy - t->m; q <= gy + t->m; q++)
					if (q >= i->y0 && q < i->y0 + i->ny)
						sum += in[((o->z0 + z - i->z0) * i->ny + q - i->y0) *
						                  i->nx +
						          o->x0 + x - i->x0];
				s->out_data[(z * o->ny + y) * o->nx + x] = sum;
			}
	tomo_progress_report(cb, 1, 2);
	return TOMO_OK;
}

struct seen {
	int64_t last, total, calls, backwards;
};

static void
on_progress(void *ctx, int64_t done, int64_t total)
{
	struct seen *s = ctx;
	s->backwards += done < s->last;
	s->last = done;
	s->total = total;
	s->calls++;
}

/* Run the toy over regions of the input (in turn, into one whole-size
 * output, as parts do; the last one's checks are reported) and compare
 * every sample of their union with the direct sum. */
static void
run_toy_regions(int axis, int64_t m, int64_t memory, const struct tomo_box *regions, int nreg,
                int fail_at)
{
	const struct tomo_box *region = &regions[nreg - 1];
	const char *in_path = make_input(), *out_path = unit_path("out.nrrd");
	struct tomo_input *in;
	struct tomo_output *out;
	struct tomo_header h;
	struct toy t = {.axis = axis, .m = m, .fail_at = fail_at};
	struct tomo_stage st = {
		.name = "toy",
		.impl = &t,
		.axis = axis,
		.multiple = 2,
		.prepare = toy_prepare,
		.input_box = toy_box,
		.process = toy_process,
	};
	struct seen seen = {0};
	struct tomo_pipeline p = {
		.stage = &st,
		.region = *region,
		.memory = memory,
		.progress = {on_progress, &seen},
	};

	CHECK(tomo_input_open(in_path, NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	header(&h, X, Y, Z);
	CHECK(tomo_output_open(out_path, &h, &out) == TOMO_OK, "%s", tomo_errmsg());
	tomo_header_free(&h);
	p.in = in;
	p.out = out;
	int rc = TOMO_OK;
	for (int k = 0; k < nreg && !rc; k++) {
		memset(&t, 0, sizeof t);
		t = (struct toy){.axis = axis, .m = m, .fail_at = fail_at};
		memset(&seen, 0, sizeof seen);
		p.region = regions[k];
		rc = tomo_pipeline_run(&p);
	}
	if (fail_at >= 0) {
		CHECK(rc == TOMO_ERR, "a failing stage gave %d", rc);
		CHECK(strstr(tomo_errmsg(), "toy failure in slab") != NULL, "message: %s",
		      tomo_errmsg());
		tomo_output_abort(out);
		tomo_input_close(in);
		return;
	}
	CHECK(rc == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_output_close(out) == TOMO_OK, "%s", tomo_errmsg());
	tomo_input_close(in);

	const int64_t extent = axis == 2 ? region->nz : region->ny;
	CHECK(t.units_seen == extent, "%lld units made of %lld", (long long)t.units_seen,
	      (long long)extent);
	CHECK(t.max_seen <= p.slab_units && p.slab_units == t.prepared,
	      "slabs of %lld, planned %lld, prepared %lld", (long long)t.max_seen,
	      (long long)p.slab_units, (long long)t.prepared);
	CHECK(p.slab_units % 2 == 0 || p.slab_units == extent, "slab %lld not aligned",
	      (long long)p.slab_units);
	CHECK(seen.backwards == 0 && seen.total == extent * 1024 && seen.last == seen.total,
	      "progress %lld of %lld, %lld steps back", (long long)seen.last,
	      (long long)seen.total, (long long)seen.backwards);

	CHECK(tomo_input_open(out_path, NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	static float got[Z][Y][X];
	CHECK(tomo_input_read_planes(in, 0, Z, &got[0][0][0]) == TOMO_OK, "%s", tomo_errmsg());
	tomo_input_close(in);
	int64_t bad = 0;
	for (int64_t z = 0; z < Z; z++)
		for (int64_t y = 0; y < Y; y++)
			for (int64_t x = 0; x < X; x++) {
				float sum = 0;
				for (int64_t q = y - m; q <= y + m; q++)
					if (q >= 0 && q < Y)
						sum += value(x, q, z);
				bad += got[z][y][x] != sum;
			}
	CHECK(bad == 0, "%lld samples wrong (axis %d, margin %lld, memory %lld)", (long long)bad,
	      axis, (long long)m, (long long)memory);
}

static void
run_toy(int axis, int64_t m, int64_t memory, const struct tomo_box *region, int fail_at)
{
	run_toy_regions(axis, m, memory, region, 1, fail_at);
}

static void
test_whole_and_margins(void)
{
	const struct tomo_box whole = {0, X, 0, Y, 0, Z};
	for (int64_t m = 0; m <= 2; m++) {
		run_toy(2, m, 1 << 20, &whole, -1);     /* one slab */
		run_toy(2, m, 3 * 4 * X * Y, &whole, -1); /* the least: slabs of 2 planes */
	}
}

static void
test_regions(void)
{
	/* planes 0..3 then 4..10 into one output, as two parts would */
	const struct tomo_box parts[] = {{0, X, 0, Y, 0, 4}, {0, X, 0, Y, 4, 7}};
	run_toy_regions(2, 2, 1 << 20, parts, 2, -1);
	run_toy_regions(2, 1, 3 * 4 * X * Y, parts, 2, -1);
}

static void
test_errors(void)
{
	const struct tomo_box whole = {0, X, 0, Y, 0, Z};
	run_toy(2, 1, 3 * 4 * X * Y * 2, &whole, 2);
	run_toy(2, 0, 1 << 20, &whole, 0);
}

static void
test_part_range(void)
{
	const int64_t extents[] = {0, 1, 5, 17, 100};
	const int counts[] = {1, 2, 3, 7, 40};
	for (size_t e = 0; e < sizeof extents / sizeof *extents; e++)
		for (int mult = 1; mult <= 4; mult++)
			for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
				const int n = counts[c];
				int64_t next = 0, empty = 0, a, b;
				for (int i = 0; i < n; i++) {
					tomo_part_range(extents[e], mult, i, n, &a, &b);
					CHECK(a == next && b >= a, "part %d/%d of %lld: %lld..%lld", i,
					      n, (long long)extents[e], (long long)a, (long long)b);
					CHECK(a % mult == 0 || a == extents[e], "part start %lld", (long long)a);
					empty += a == b;
					next = b;
				}
				CHECK(next == extents[e], "parts end at %lld of %lld", (long long)next,
				      (long long)extents[e]);
				const int64_t blocks = (extents[e] + mult - 1) / mult;
				CHECK(empty == (n > blocks ? n - blocks : 0), "%lld empty parts of %d",
				      (long long)empty, n);
			}
}

static void
test_part_parse(void)
{
	int i, n;
	CHECK(tomo_part_parse("0/1", &i, &n) == TOMO_OK && i == 0 && n == 1, "0/1");
	CHECK(tomo_part_parse("6/7", &i, &n) == TOMO_OK && i == 6 && n == 7, "6/7");
	const char *bad[] = {"", "3/2", "2/2", "x", "1", "1/", "/2", "-1/2", "1/0", "1/2x", "a/b"};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
		CHECK(tomo_part_parse(bad[k], &i, &n) == TOMO_EUSAGE, "'%s' accepted", bad[k]);
	CHECK(tomo_part_parse("3/2", &i, &n) == TOMO_EUSAGE &&
	              strstr(tomo_errmsg(), "0 to 1") != NULL,
	      "message: %s", tomo_errmsg());
}

UNIT_MAIN(T(test_whole_and_margins), T(test_regions), T(test_errors), T(test_part_range),
          T(test_part_parse))
