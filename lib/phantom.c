/*
 * phantom: ellipsoid phantoms (modified Shepp-Logan, random sets), their
 * exact parallel-beam line integrals and their sampled volume, streamed
 * slab by slab into an output (tomo/phantom.h). Each ellipsoid is kept as a
 * quadratic form, so a ray's chord is the root spread of a quadratic and,
 * per angle and detector row, a polynomial in the column index.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/err.h"
#include "tomo/phantom.h"
#include "tomo/pipeline.h"

#define DEG (M_PI / 180.0)

/* One ellipsoid ready for computing: inside when (p-c)^T M (p-c) <= 1. */
struct quad {
	double m[3][3];
	double c[3];
	double value;
	double zhalf; /* half its extent along z */
};

struct tomo_phantom {
	int n;
	struct tomo_ellipsoid *e;
	struct quad *q;
};

static int
prepare(const struct tomo_ellipsoid *e, struct quad *q)
{
	double cp = cos(e->phi * DEG), sp = sin(e->phi * DEG);
	double ct = cos(e->tilt * DEG), st = sin(e->tilt * DEG);
	/* R = Rz(phi) Rx(tilt): its columns are the body axes in space. */
	double r[3][3] = {{cp, -sp * ct, sp * st}, {sp, cp * ct, -cp * st}, {0, st, ct}};
	double z2 = 0;

	for (int i = 0; i < 3; i++)
		if (!(e->axes[i] > 0) || !isfinite(e->axes[i]) || !isfinite(e->center[i]))
			return tomo_error(TOMO_ERR, "ellipsoid: semi-axes must be "
			                            "positive and the centre finite");
	if (!isfinite(e->value) || !isfinite(e->phi) || !isfinite(e->tilt))
		return tomo_error(TOMO_ERR, "ellipsoid: value and angles must be "
		                            "finite");
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double s = 0;
			for (int k = 0; k < 3; k++)
				s += r[i][k] * r[j][k] / (e->axes[k] * e->axes[k]);
			q->m[i][j] = s;
		}
	for (int k = 0; k < 3; k++)
		z2 += r[2][k] * r[2][k] * e->axes[k] * e->axes[k];
	q->zhalf = sqrt(z2);
	memcpy(q->c, e->center, sizeof q->c);
	q->value = e->value;
	return TOMO_OK;
}

int
tomo_phantom_new(const struct tomo_ellipsoid *e, int n, struct tomo_phantom **out)
{
	struct tomo_phantom *p = calloc(1, sizeof *p);

	*out = NULL;
	if (!p || n < 0)
		goto oom;
	p->n = n;
	p->e = malloc((size_t)(n > 0 ? n : 1) * sizeof *p->e);
	p->q = malloc((size_t)(n > 0 ? n : 1) * sizeof *p->q);
	if (!p->e || !p->q)
		goto oom;
	for (int i = 0; i < n; i++) {
		p->e[i] = e[i];
		if (prepare(&e[i], &p->q[i])) {
			tomo_phantom_free(p);
			return TOMO_ERR;
		}
	}
	*out = p;
	return TOMO_OK;
oom:
	tomo_phantom_free(p);
	return tomo_error(TOMO_ERR, "out of memory for a phantom");
}

void
tomo_phantom_free(struct tomo_phantom *p)
{
	if (!p)
		return;
	free(p->e);
	free(p->q);
	free(p);
}

const struct tomo_ellipsoid *
tomo_phantom_ellipsoids(const struct tomo_phantom *p, int *n)
{
	*n = p->n;
	return p->e;
}

/*
 * The 3D modified Shepp-Logan head in the unit cube: value, semi-axes
 * a, b, c, centre x0, y0, z0, rotation phi about z (degrees). Values from
 * Toft (1996, pp. 199-200), who raised the contrast of Kak & Slaney's
 * table; the 3D semi-axes c and z0 are those of Schabel's phantom3d.
 * phantom3d also gives the two ventricles (rows 3 and 4) psi = 10, but
 * with theta = 0 its psi merely adds to phi, and phantom3d subtracts the
 * centre after rotating: both quirks would move the ventricles away from
 * the published 2D head, so the central slice here is exactly the 2D
 * modified Shepp-Logan (phi = -18 and 18: major axes at 72 and 108
 * degrees, as in Kak & Slaney's Table 3.1).
 */
/* clang-format off */
static const double shepp_logan[10][8] = {
	/* value  a       b      c      x0     y0       z0     phi */
	{ 1.0,  0.6900, 0.920, 0.810,  0.00,  0.0000,  0.00,   0},
	{-0.8,  0.6624, 0.874, 0.780,  0.00, -0.0184,  0.00,   0},
	{-0.2,  0.1100, 0.310, 0.220,  0.22,  0.0000,  0.00, -18},
	{-0.2,  0.1600, 0.410, 0.280, -0.22,  0.0000,  0.00,  18},
	{ 0.1,  0.2100, 0.250, 0.410,  0.00,  0.3500, -0.15,   0},
	{ 0.1,  0.0460, 0.046, 0.050,  0.00,  0.1000,  0.25,   0},
	{ 0.1,  0.0460, 0.046, 0.050,  0.00, -0.1000,  0.25,   0},
	{ 0.1,  0.0460, 0.023, 0.050, -0.08, -0.6050,  0.00,   0},
	{ 0.1,  0.0230, 0.023, 0.020,  0.00, -0.6060,  0.00,   0},
	{ 0.1,  0.0230, 0.046, 0.020,  0.06, -0.6050,  0.00,   0},
};
/* clang-format on */

int
tomo_phantom_shepp_logan(int64_t n, int64_t rows, struct tomo_phantom **p)
{
	struct tomo_ellipsoid e[10];
	double hx = (double)n / 2, hz = (double)rows / 2;

	for (int i = 0; i < 10; i++) {
		const double *t = shepp_logan[i];
		e[i] = (struct tomo_ellipsoid){
			.value = t[0],
			.axes = {t[1] * hx, t[2] * hx, t[3] * hz},
			.center = {t[4] * hx, t[5] * hx, t[6] * hz},
			.phi = t[7],
			.tilt = 0,
		};
	}
	return tomo_phantom_new(e, 10, p);
}

/* splitmix64 (Steele, Lea & Flood 2014): tiny, portable, well mixed. */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define GOLDEN 0x9e3779b97f4a7c15ULL

void
tomo_rng_seed(struct tomo_rng *r, uint64_t a, uint64_t b, uint64_t c)
{
	r->state = mix64(mix64(mix64(a + GOLDEN) + b + GOLDEN) + c + GOLDEN);
	r->has_spare = 0;
}

uint64_t
tomo_rng_next(struct tomo_rng *r)
{
	r->state += GOLDEN;
	return mix64(r->state);
}

double
tomo_rng_uniform(struct tomo_rng *r)
{
	return (double)(tomo_rng_next(r) >> 11) * 0x1p-53;
}

double
tomo_rng_normal(struct tomo_rng *r)
{
	double u, v, s, f;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	/* Marsaglia's polar method: a pair for one log and one sqrt, no
	 * trigonometry (Box-Muller's cos and log cost 4x more here). */
	do {
		u = 2 * tomo_rng_uniform(r) - 1;
		v = 2 * tomo_rng_uniform(r) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	f = sqrt(-2 * log(s) / s);
	r->spare = v * f;
	r->has_spare = 1;
	return u * f;
}

double
tomo_rng_poisson(struct tomo_rng *r, double mean)
{
	if (!(mean > 0))
		return 0;
	if (mean < 50) {
		/* Inversion: one uniform, about mean steps. */
		double u = tomo_rng_uniform(r), p = exp(-mean), f = p;
		int k = 0;
		while (u > f && k < 1000) {
			k++;
			p *= mean / k;
			f += p;
		}
		return k;
	}
	double k = floor(mean + sqrt(mean) * tomo_rng_normal(r) + 0.5);
	return k > 0 ? k : 0;
}

static double
uniform_in(struct tomo_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * tomo_rng_uniform(r);
}

/* How far an ellipsoid centred at the origin reaches from the z axis: its
 * shadow on the xy plane is the ellipse of the upper-left 2x2 block S of
 * R diag(axes^2) R^T, whose longest semi-axis is sqrt(max eigenvalue). */
static double
xy_reach(const struct tomo_ellipsoid *e)
{
	double cp = cos(e->phi * DEG), sp = sin(e->phi * DEG);
	double ct = cos(e->tilt * DEG), st = sin(e->tilt * DEG);
	double r[2][3] = {{cp, -sp * ct, sp * st}, {sp, cp * ct, -cp * st}};
	double s[2][2] = {{0, 0}, {0, 0}}, h, d;

	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			for (int k = 0; k < 3; k++)
				s[i][j] += r[i][k] * r[j][k] * e->axes[k] * e->axes[k];
	h = (s[0][0] + s[1][1]) / 2;
	d = (s[0][0] - s[1][1]) / 2;
	return sqrt(h + sqrt(d * d + s[0][1] * s[0][1]));
}

/* Draw one ellipsoid for the random phantom; big: the enclosing body. */
static int
random_ellipsoid(struct tomo_rng *r, double hx, double hz, int big, struct tomo_ellipsoid *e)
{
	double reach, room_xy, room_z, rho, ang;
	struct quad q;

	if (big) {
		e->axes[0] = hx * uniform_in(r, 0.55, 0.85);
		e->axes[1] = hx * uniform_in(r, 0.55, 0.85);
		e->axes[2] = hz * uniform_in(r, 0.60, 0.85);
		e->tilt = 0;
		e->value = uniform_in(r, 0.1, 0.3);
	} else {
		e->axes[0] = hx * uniform_in(r, 0.04, 0.30);
		e->axes[1] = hx * uniform_in(r, 0.04, 0.30);
		e->axes[2] = hz * uniform_in(r, 0.05, 0.40);
		e->tilt = uniform_in(r, -30, 30);
		e->value = uniform_in(r, 0.05, 0.5);
	}
	e->phi = uniform_in(r, 0, 180);
	e->center[0] = e->center[1] = e->center[2] = 0;
	prepare(e, &q);
	reach = xy_reach(e);
	room_xy = 0.92 * hx - reach;
	room_z = 0.9 * hz - q.zhalf;
	if (room_xy < 0 || room_z < 0)
		return -1;
	rho = room_xy * sqrt(tomo_rng_uniform(r)) * (big ? 0.1 : 1);
	ang = uniform_in(r, 0, 2 * M_PI);
	e->center[0] = rho * cos(ang);
	e->center[1] = rho * sin(ang);
	e->center[2] = uniform_in(r, -room_z, room_z) * (big ? 0.1 : 1);
	return 0;
}

int
tomo_phantom_random(int64_t n, int64_t rows, uint64_t seed, struct tomo_phantom **p)
{
	struct tomo_ellipsoid e[24];
	struct tomo_phantom *cur = NULL;
	struct tomo_rng r;
	double hx = (double)n / 2, hz = (double)rows / 2;
	int want, have = 0;

	tomo_rng_seed(&r, seed, 0x7068616e746f6dULL, 0);
	want = 10 + (int)(tomo_rng_next(&r) % 9);
	for (int tries = 0; have < want && tries < 10000; tries++) {
		struct tomo_ellipsoid c;
		if (random_ellipsoid(&r, hx, hz, have == 0, &c))
			continue;
		/* Keep overlaps moderate: what lies at the new body's centre
		 * and along its axes, plus its own value, stays under 2. */
		if (cur) {
			double worst = 0;
			for (int k = -1; k < 6; k++) {
				double pt[3];
				memcpy(pt, c.center, sizeof pt);
				if (k >= 0)
					pt[k / 2] += (k % 2 ? -0.7 : 0.7) * c.axes[k / 2];
				worst = fmax(worst, tomo_phantom_value(cur, pt[0], pt[1], pt[2]));
			}
			if (worst + c.value > 2.0)
				continue;
		}
		e[have++] = c;
		tomo_phantom_free(cur);
		if (tomo_phantom_new(e, have, &cur))
			return TOMO_ERR;
	}
	if (!cur)
		return tomo_error(TOMO_ERR,
		                  "no random ellipsoid fits a %lld x %lld "
		                  "x %lld volume",
		                  (long long)n, (long long)n, (long long)rows);
	*p = cur;
	return TOMO_OK;
}

/* Per angle and ellipsoid: the ray's direction d = (-sin, cos, 0) and its
 * offset direction e = (cos, sin, 0) through the quadratic form. */
struct ang_coef {
	double a;     /* d^T M d */
	double dme;   /* d^T M e */
	double gamma; /* (d^T M e)^2 - a e^T M e: the s^2 term, < 0 */
	double md[3]; /* M d */
	double me[3]; /* M e */
	double k;     /* 2 value / a */
};

static void
angle_coef(const struct quad *q, double theta_deg, struct ang_coef *c)
{
	double cs = cos(theta_deg * DEG), sn = sin(theta_deg * DEG);
	double d[3] = {-sn, cs, 0}, e[3] = {cs, sn, 0}, eme = 0;

	c->a = c->dme = 0;
	for (int i = 0; i < 3; i++) {
		c->md[i] = q->m[i][0] * d[0] + q->m[i][1] * d[1];
		c->me[i] = q->m[i][0] * e[0] + q->m[i][1] * e[1];
		c->a += d[i] * c->md[i];
		c->dme += d[i] * c->me[i];
		eme += e[i] * c->me[i];
	}
	c->gamma = c->dme * c->dme - c->a * eme;
	c->k = 2 * q->value / c->a;
}

/*
 * For the ray at offset s and height z the chord is 2 sqrt(disc(s)) / a with
 * disc(s) = alpha + beta s + gamma s^2 (the quadratic's discriminant along
 * the ray). Returns 0 when the plane z or the line misses the ellipsoid,
 * else the coefficients and the interval [s1, s2] where disc > 0.
 */
static int
row_poly(const struct quad *q, const struct ang_coef *c, double z, double *alpha, double *beta,
         double *s1, double *s2)
{
	double w[3] = {-q->c[0], -q->c[1], z - q->c[2]};
	double dmw, emw, wmw = 0, disc, root;

	if (fabs(w[2]) >= q->zhalf)
		return 0;
	dmw = c->md[0] * w[0] + c->md[1] * w[1] + c->md[2] * w[2];
	emw = c->me[0] * w[0] + c->me[1] * w[1] + c->me[2] * w[2];
	for (int i = 0; i < 3; i++)
		wmw += w[i] * (q->m[i][0] * w[0] + q->m[i][1] * w[1] + q->m[i][2] * w[2]);
	*alpha = dmw * dmw - c->a * (wmw - 1);
	*beta = 2 * (c->dme * dmw - c->a * emw);
	disc = *beta * *beta - 4 * c->gamma * *alpha;
	if (!(disc > 0) || !(c->gamma < 0))
		return 0;
	root = sqrt(disc);
	*s1 = (-*beta + root) / (2 * c->gamma);
	*s2 = (-*beta - root) / (2 * c->gamma);
	return 1;
}

double
tomo_ellipsoid_chord(const struct tomo_ellipsoid *e, double theta_deg, double s, double z)
{
	struct quad q;
	struct ang_coef c;
	double alpha, beta, s1, s2, t;

	if (prepare(e, &q))
		return NAN;
	angle_coef(&q, theta_deg, &c);
	if (!row_poly(&q, &c, z, &alpha, &beta, &s1, &s2))
		return 0;
	t = alpha + s * (beta + c.gamma * s);
	return t > 0 ? 2 * sqrt(t) / c.a : 0;
}

double
tomo_phantom_ray(const struct tomo_phantom *p, double theta_deg, double s, double z)
{
	double sum = 0;

	for (int i = 0; i < p->n; i++) {
		struct ang_coef c;
		double alpha, beta, s1, s2, t;
		angle_coef(&p->q[i], theta_deg, &c);
		if (!row_poly(&p->q[i], &c, z, &alpha, &beta, &s1, &s2))
			continue;
		t = alpha + s * (beta + c.gamma * s);
		if (t > 0)
			sum += c.k * sqrt(t);
	}
	return sum;
}

double
tomo_phantom_value(const struct tomo_phantom *p, double x, double y, double z)
{
	double sum = 0;

	for (int i = 0; i < p->n; i++) {
		const struct quad *q = &p->q[i];
		double v[3] = {x - q->c[0], y - q->c[1], z - q->c[2]}, f = 0;
		for (int a = 0; a < 3; a++)
			f += v[a] * (q->m[a][0] * v[0] + q->m[a][1] * v[1] + q->m[a][2] * v[2]);
		if (f <= 1)
			sum += q->value;
	}
	return sum;
}

/* Add one ellipsoid's chords to a detector row: acc[k] for column k at
 * s = k + s0. Only the columns inside [s1, s2] are visited. */
static void
add_chords(double *restrict acc, int64_t ncols, double s0, double kval, double alpha, double beta,
           double gamma, double s1, double s2)
{
	double lo = ceil(s1 - s0), hi = floor(s2 - s0);
	int64_t k0 = lo < 0 ? 0 : (int64_t)lo;
	int64_t k1 = hi > (double)(ncols - 1) ? ncols - 1 : (int64_t)hi;

	for (int64_t k = k0; k <= k1; k++) {
		double s = (double)k + s0;
		double t = alpha + s * (beta + gamma * s);
		acc[k] += kval * sqrt(t > 0 ? t : 0);
	}
}

int
tomo_phantom_project(const struct tomo_phantom *p, const struct tomo_detector *d, const double *deg,
                     int64_t na, float *out)
{
	return tomo_phantom_project_rows(p, d, deg, na, 0, d->nrows, out);
}

int
tomo_phantom_project_rows(const struct tomo_phantom *p, const struct tomo_detector *d,
                          const double *deg, int64_t na, int64_t row0, int64_t nr, float *out)
{
	const int64_t nc = d->ncols, ne = p->n;
	const double s0 = 0.5 - d->center;
	struct ang_coef *coef;
	int fail = 0;

	if (na <= 0)
		return TOMO_OK;
	coef = malloc((size_t)(na * (ne > 0 ? ne : 1)) * sizeof *coef);
	if (!coef)
		return tomo_error(TOMO_ERR, "out of memory for %lld angles", (long long)na);
	for (int64_t a = 0; a < na; a++)
		for (int64_t i = 0; i < ne; i++)
			angle_coef(&p->q[i], deg[a], &coef[a * ne + i]);
#pragma omp parallel
	{
		double *acc = malloc((size_t)nc * sizeof *acc);
		if (!acc) {
#pragma omp atomic write
			fail = 1;
		}
#pragma omp for schedule(dynamic, 4)
		for (int64_t ar = 0; ar < na * nr; ar++) {
			int64_t a = ar / nr, r = row0 + ar % nr;
			double z = (double)r + 0.5 - (double)d->nrows / 2;
			float *o = out + ar * nc;
			if (!acc)
				continue;
			memset(acc, 0, (size_t)nc * sizeof *acc);
			for (int64_t i = 0; i < ne; i++) {
				const struct ang_coef *c = &coef[a * ne + i];
				double alpha, beta, s1, s2;
				if (row_poly(&p->q[i], c, z, &alpha, &beta, &s1, &s2))
					add_chords(acc, nc, s0, c->k, alpha, beta, c->gamma, s1,
					           s2);
			}
			for (int64_t k = 0; k < nc; k++)
				o[k] = (float)acc[k];
		}
		free(acc);
	}
	free(coef);
	if (fail)
		return tomo_error(TOMO_ERR, "out of memory for a detector row");
	return TOMO_OK;
}

/* Add one ellipsoid to a row of the volume: the voxel centres x_j =
 * j + 0.5 - n/2 where (x, y, z) is inside. The roots bound the columns;
 * the form itself decides the ones at the edge. */
static void
sample_row(const struct quad *q, int64_t n, double y, double z, double *restrict acc)
{
	double w[3] = {-q->c[0], y - q->c[1], z - q->c[2]};
	double a = q->m[0][0], b = 0, c = 0, disc, root, x1, x2, lo, hi, half;
	int64_t j0, j1;

	if (fabs(w[2]) > q->zhalf)
		return;
	for (int i = 0; i < 3; i++) {
		double mw = q->m[i][0] * w[0] + q->m[i][1] * w[1] + q->m[i][2] * w[2];
		c += w[i] * mw;
		if (i == 0)
			b = mw;
	}
	/* a x^2 + 2 b x + c <= 1 */
	disc = b * b - a * (c - 1);
	if (disc < 0)
		return;
	root = sqrt(disc);
	x1 = (-b - root) / a;
	x2 = (-b + root) / a;
	half = (double)n / 2;
	lo = ceil(x1 - 0.5 + half) - 1;
	hi = floor(x2 - 0.5 + half) + 1;
	j0 = lo < 0 ? 0 : (int64_t)lo;
	j1 = hi > (double)(n - 1) ? n - 1 : (int64_t)hi;
	for (int64_t j = j0; j <= j1; j++) {
		double x = (double)j + 0.5 - half;
		if (a * x * x + 2 * b * x + c <= 1)
			acc[j] += q->value;
	}
}

int
tomo_phantom_sample(const struct tomo_phantom *p, int64_t n, int64_t rows, int64_t z0, int64_t nz,
                    float *out)
{
	int fail = 0;

	if (nz <= 0)
		return TOMO_OK;
#pragma omp parallel
	{
		double *acc = malloc((size_t)n * sizeof *acc);
		if (!acc) {
#pragma omp atomic write
			fail = 1;
		}
#pragma omp for schedule(dynamic, 8)
		for (int64_t zi = 0; zi < nz * n; zi++) {
			int64_t k = z0 + zi / n, i = zi % n;
			double z = (double)k + 0.5 - (double)rows / 2;
			double y = (double)n / 2 - (double)i - 0.5;
			float *o = out + zi * n;
			if (!acc)
				continue;
			memset(acc, 0, (size_t)n * sizeof *acc);
			for (int e = 0; e < p->n; e++)
				sample_row(&p->q[e], n, y, z, acc);
			/* Overlaps such as 1 - 0.8 - 0.2 leave rounding dust. */
			for (int64_t j = 0; j < n; j++)
				o[j] = fabs(acc[j]) < 1e-12 ? 0.0f : (float)acc[j];
		}
		free(acc);
	}
	if (fail)
		return tomo_error(TOMO_ERR, "out of memory for a volume row");
	return TOMO_OK;
}

/*
 * The projections and the volume as stages of the pipeline
 * (lib/pipeline.c), with no input: slabs of planes (angles, or slices)
 * made on the calling thread while the writer thread writes the one
 * before. A slab stays under 64 MiB, so that a pipe reader starts soon.
 */
struct phantom_stage {
	const struct tomo_phantom *p;
	const struct tomo_detector *d;
	const double *deg;
	int64_t n, rows; /* the volume */
};

static int
project_slab(void *impl, struct tomo_slab *sl, const struct tomo_progress_cb *cb)
{
	const struct phantom_stage *s = impl;
	return tomo_phantom_project_rows(s->p, s->d, s->deg + sl->out.z0, sl->out.nz, sl->out.y0,
	                                 sl->out.ny, sl->out_data);
}

static int
sample_slab(void *impl, struct tomo_slab *sl, const struct tomo_progress_cb *cb)
{
	const struct phantom_stage *s = impl;
	return tomo_phantom_sample(s->p, s->n, s->rows, sl->out.z0, sl->out.nz, sl->out_data);
}

static int
stream_planes(struct phantom_stage *s, int (*make)(void *, struct tomo_slab *,
                                                   const struct tomo_progress_cb *),
              const struct tomo_box *region, struct tomo_output *out, int64_t memory,
              const struct tomo_progress_cb *progress)
{
	struct tomo_stage st = {.name = "phantom", .impl = s, .axis = 2, .process = make};
	struct tomo_pipeline pl = {
		.out = out,
		.stage = &st,
		.region = *region,
		.memory = memory,
		.max_slab_bytes = (int64_t)64 << 20,
		.progress = progress ? *progress : (struct tomo_progress_cb){0},
	};
	return tomo_pipeline_run(&pl);
}

int
tomo_phantom_write_projections(const struct tomo_phantom *p, const struct tomo_detector *d,
                               const double *deg, int64_t na, struct tomo_output *out,
                               const struct tomo_box *region, int64_t memory,
                               const struct tomo_progress_cb *progress)
{
	struct phantom_stage s = {.p = p, .d = d, .deg = deg};
	const struct tomo_box whole = {0, d->ncols, 0, d->nrows, 0, na};
	return stream_planes(&s, project_slab, region ? region : &whole, out, memory, progress);
}

int
tomo_phantom_write_volume(const struct tomo_phantom *p, int64_t n, int64_t rows,
                          struct tomo_output *out, const struct tomo_box *region, int64_t memory,
                          const struct tomo_progress_cb *progress)
{
	struct phantom_stage s = {.p = p, .n = n, .rows = rows};
	const struct tomo_box whole = {0, n, 0, n, 0, rows};
	return stream_planes(&s, sample_slab, region ? region : &whole, out, memory, progress);
}

double
tomo_phantom_default_mu(int64_t ncols)
{
	return 8.0 / (double)ncols;
}
