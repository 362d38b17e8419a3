/*
 * fbp_geom: the host tables of filtered back-projection (tomo/fbp.h,
 * lib/fbp_impl.h): padded lengths, the filter response, angle weights,
 * the checks of a problem, the geometry both methods and both devices
 * use, and aligned buffers. No I/O: lib/fbp.c drives the slabs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
	if (p->part && (p->z0 < 0 || p->z0 > p->z1 || p->z1 > p->row1 - p->row0))
		return tomo_error(TOMO_ERR, "part slices %lld:%lld are outside the %lld slices",
		                  (long long)p->z0, (long long)p->z1, (long long)(p->row1 - p->row0));
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
