/* The GPU back-ends of filtered back-projection (kernels/fbp.cu, and
 * kernels/fourier.cu for --method fourier) against the CPU paths, with the
 * .cu files compiled for the CPU by tests/unit/cuda_emu (kernels as loops,
 * cuFFT as FFTW): their index arithmetic, layouts, chunks of angles and
 * slabs, checked without a GPU. The real GPU is checked against the CPU by
 * tests/tomo-fbp.bats (run_gpu). */
#include <math.h>
#include <string.h>

#include "fbp_gpu.h"
#include "fbp_impl.h"
#include "tomo/err.h"
#include "tomo/fbp.h"
#include "tomo/io.h"
#include "unit.h"

/* The emulated GPU's memory (cuda_emu/cuda_runtime.h). */
size_t cuda_emu_free_bytes = (size_t)1 << 30;

struct problem {
	int64_t C, A, R; /* columns, angles, rows */
	int sinograms, transmission;
	double center;
	enum tomo_fbp_filter filter;
	double cutoff;
	enum tomo_fbp_pad pad;
	int64_t size, row0, row1;
	int64_t memory;
	enum tomo_fbp_method method;
	double oversample;
	int kernel_width;
	double span; /* degrees the angles cover (0: 180) */
	int shuffle; /* the angles out of order */
};

static double angles[4096];

/* Smooth projections of a few off-centre blobs (values up to ~3), as
 * line integrals or transmission (with a few zeros to clamp). */
static void
make_input(const struct problem *q, const char *path)
{
	struct tomo_header h;
	struct tomo_output *o;
	int64_t nz = q->sinograms ? q->R : q->A, ny = q->sinograms ? q->A : q->R;
	float *plane = malloc(sizeof(float) * (size_t)(q->C * ny));

	for (int64_t a = 0; a < q->A; a++) {
		/* a stride of 7 visits every angle when A is not a multiple of 7 */
		int64_t i = q->shuffle ? a * 7 % q->A : a;
		angles[a] = (q->span > 0 ? q->span : 180.0) * (double)i / (double)q->A +
		            0.7 * (double)(i % 5 == 2);
	}
	tomo_header_init(&h);
	h.size[0] = q->C, h.size[1] = ny, h.size[2] = nz;
	h.kind = q->sinograms ? TOMO_KIND_SINOGRAMS : TOMO_KIND_PROJECTIONS;
	h.quantity = q->transmission ? TOMO_QUANTITY_TRANSMISSION : TOMO_QUANTITY_LINE_INTEGRAL;
	tomo_header_set_angles(&h, angles, q->A);
	CHECK(tomo_output_open(path, &h, &o) == TOMO_OK, "%s", tomo_errmsg());
	for (int64_t z = 0; z < nz; z++) {
		for (int64_t y = 0; y < ny; y++) {
			int64_t a = q->sinograms ? y : z, r = q->sinograms ? z : y;
			double t = angles[a] * M_PI / 180;
			for (int64_t x = 0; x < q->C; x++) {
				double s = (double)x + 0.5 - q->center, v = 0;
				double s1 = 0.2 * q->C * cos(t) - 0.1 * q->C * sin(t);
				double s2 = -0.15 * q->C * cos(t + 0.3 * (double)r);
				v += 2.0 * exp(-(s - s1) * (s - s1) / (0.01 * q->C * q->C));
				v += 1.0 * exp(-(s - s2) * (s - s2) / (0.003 * q->C * q->C));
				v += 0.1 * (double)(r % 3);
				float f = (float)v;
				if (q->transmission)
					f = (x * 7 + a * 3 + r) % 97 == 0 ? 0.0f : (float)exp(-v);
				plane[y * q->C + x] = f;
			}
		}
		CHECK(tomo_output_write(o, z, 1, plane) == TOMO_OK, "%s", tomo_errmsg());
	}
	CHECK(tomo_output_close(o) == TOMO_OK, "%s", tomo_errmsg());
	tomo_header_free(&h);
	free(plane);
}

static float *
reconstruct(const struct problem *q, const char *in_path, int gpu, int64_t *clamped,
            int64_t *slab_rows)
{
	const char *dir = unit_tmpdir();
	char out_path[512];
	struct tomo_input *in;
	struct tomo_output *out;
	struct tomo_header h;
	struct tomo_fbp_params p = {
		.sinograms = q->sinograms,
		.transmission = q->transmission,
		.angles = angles,
		.nangles = q->A,
		.center = q->center,
		.filter = q->filter,
		.cutoff = q->cutoff,
		.pad = q->pad,
		.size = q->size,
		.row0 = q->row0,
		.row1 = q->row1,
		.scale = 1,
		.use_gpu = gpu,
		.memory = q->memory,
		.method = q->method,
		.oversample = q->oversample,
		.kernel_width = q->kernel_width,
	};
	struct tomo_fbp_stats st;
	int64_t n = (q->row1 - q->row0) * q->size * q->size;
	float *v = malloc(sizeof(float) * (size_t)n);

	snprintf(out_path, sizeof out_path, "%s/out%d.nrrd", dir, gpu);
	CHECK(tomo_input_open(in_path, NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	tomo_header_init(&h);
	h.size[0] = h.size[1] = q->size, h.size[2] = q->row1 - q->row0;
	h.kind = TOMO_KIND_VOLUME;
	CHECK(tomo_output_open(out_path, &h, &out) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_fbp_run(in, &p, out, &st) == TOMO_OK, "%s: %s", gpu ? "GPU" : "CPU",
	      tomo_errmsg());
	CHECK(tomo_output_close(out) == TOMO_OK, "%s", tomo_errmsg());
	tomo_input_close(in);
	tomo_header_free(&h);
	*clamped = st.clamped;
	*slab_rows = st.slab_rows;
	CHECK(tomo_input_open(out_path, NULL, &in) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(tomo_input_read_planes(in, 0, q->row1 - q->row0, v) == TOMO_OK, "%s", tomo_errmsg());
	tomo_input_close(in);
	return v;
}

/* CPU and emulated GPU agree to 1e-6 relative L2 (the same arithmetic and
 * FFT library: only the order of the batches differs), 1e-5 for the
 * Fourier method (the GPU sums each grid cell's samples in another order,
 * by tiles, computes the centre's phase ramp directly where the CPU uses
 * a recurrence, and rounds the weights' polynomials otherwise; the
 * deapodisation amplifies that near the slices' edges when the grid is
 * little oversampled: 2e-6 at 1.3), and they clamp the same samples. */
static void
compare(const struct problem *q, int64_t expect_gpu_slab)
{
	char in_path[512];
	int64_t cc, cg, sc, sg, n = (q->row1 - q->row0) * q->size * q->size;
	double d = 0, r = 0;

	snprintf(in_path, sizeof in_path, "%s/in.nrrd", unit_tmpdir());
	make_input(q, in_path);
	float *cpu = reconstruct(q, in_path, 0, &cc, &sc);
	float *gpu = reconstruct(q, in_path, 1, &cg, &sg);
	for (int64_t i = 0; i < n; i++) {
		d += ((double)cpu[i] - gpu[i]) * ((double)cpu[i] - gpu[i]);
		r += (double)cpu[i] * cpu[i];
	}
	const double tol = q->method == TOMO_FBP_FOURIER ? 1e-5 : 1e-6;
	CHECK(r > 0 && sqrt(d / r) <= tol, "relative L2 %g (CPU norm %g)", sqrt(d / r), sqrt(r));
	if (q->method == TOMO_FBP_FOURIER)
		printf("# Fourier: CPU-GPU relative L2 %.2g\n", sqrt(d / r));
	CHECK(cc == cg, "clamped: CPU %lld, GPU %lld", (long long)cc, (long long)cg);
	if (expect_gpu_slab)
		CHECK(sg == expect_gpu_slab, "GPU slabs of %lld rows, expected %lld", (long long)sg,
		      (long long)expect_gpu_slab);
	free(cpu);
	free(gpu);
}

static const struct problem base = {
	.C = 24,
	.A = 30,
	.R = 20,
	.center = 11.3,
	.cutoff = 1,
	.size = 24,
	.row0 = 0,
	.row1 = 20,
	.memory = 1 << 28,
};

static void
test_projections(void)
{
	compare(&base, 20);
}

static void
test_sinograms_transmission(void)
{
	struct problem q = base;
	q.sinograms = 1, q.transmission = 1;
	compare(&q, 0);
}

static void
test_filter_pad_size_slices(void)
{
	struct problem q = base;
	q.filter = TOMO_FBP_HANN, q.cutoff = 0.6, q.pad = TOMO_FBP_PAD_ZERO;
	q.size = 31, q.row0 = 3, q.row1 = 18, q.center = 13.9;
	compare(&q, 0);
}

/* Host memory for 3 rows per slab: slabs of 3, 3, ... 2 rows, two slots
 * alternating. */
static void
test_many_slabs(void)
{
	struct problem q = base;
	q.sinograms = 1;
	q.memory = 2 * 4 * 3 * (q.A * q.C + q.size * q.size);
	compare(&q, 3);
}

/* More angles than a constant-memory bank holds (2048) and several FFT
 * batches (256 angles), the last ones partial. */
static void
test_many_angles(void)
{
	struct problem q = base;
	q.A = 2100, q.C = 12, q.size = 10, q.center = 6.2, q.R = 5, q.row1 = 5;
	compare(&q, 5);
}

/* A GPU too small for the slab the host asked for: rows are halved until
 * two slots fit. */
static void
test_small_gpu(void)
{
	struct problem q = base;
	q.R = 40, q.row1 = 40;
	cuda_emu_free_bytes = 3u << 19; /* 1.5 MB: two slots of 16 rows fit */
	compare(&q, 16);
	cuda_emu_free_bytes = (size_t)1 << 30;
}

/* The Fourier method: pairs of rows (an odd count leaves one alone),
 * sinograms, transmission, filters, padding, sizes, slices, knobs. */
static void
test_fourier(void)
{
	struct problem q = base;
	q.method = TOMO_FBP_FOURIER;
	compare(&q, 20);
	q.sinograms = 1, q.transmission = 1, q.row0 = 3, q.row1 = 18;
	compare(&q, 0);
	q = base;
	q.method = TOMO_FBP_FOURIER;
	q.filter = TOMO_FBP_HANN, q.cutoff = 0.6, q.pad = TOMO_FBP_PAD_ZERO;
	q.size = 31, q.center = 13.9, q.oversample = 1.5, q.kernel_width = 6;
	compare(&q, 0);
	q.C = 25, q.size = 20, q.kernel_width = 3, q.oversample = 2.5;
	compare(&q, 0);
}

/* Many slabs of a few rows (host memory for 3: pairs, so 2), odd rows
 * (a slice on its own in each slab), and a small GPU. */
static void
test_fourier_slabs(void)
{
	struct problem q = base;
	q.method = TOMO_FBP_FOURIER;
	q.memory = 2 * 4 * 3 * (q.A * q.C + q.size * q.size);
	compare(&q, 2);
	q.row0 = 1, q.row1 = 18;
	compare(&q, 2);
	q.memory = base.memory;
	q.row0 = 0, q.R = 40, q.row1 = 40;
	cuda_emu_free_bytes = 3u << 18; /* 768 KB: slabs of 4 rows */
	compare(&q, 4);
	cuda_emu_free_bytes = (size_t)1 << 30;
}

/* The problem of the submit_parts tests: A angles, R rows, N x N. */
static struct tomo_fbp_params
parts_params(int64_t A, int64_t R, int64_t N, enum tomo_fbp_method method)
{
	return (struct tomo_fbp_params){
		.angles = angles,
		.nangles = A,
		.center = 11.3,
		.filter = TOMO_FBP_RAMP,
		.cutoff = 1,
		.size = N,
		.row0 = 0,
		.row1 = R,
		.scale = 1,
		.memory = 1 << 26,
		.method = method,
	};
}

/* A back-end's submit_parts (tomo-bench times the steps apart), for
 * method (the Fourier method's gathering, or its spreading with scatter):
 * the steps one submission at a time give what one whole submission
 * gives, a step left out is not done (no copy out: the host slices stay),
 * and the back-projection again on the filtered lines left on the device
 * gives the same slices (it overwrites, it does not add). */
static void
check_submit_parts(enum tomo_fbp_method method, int scatter)
{
	const int64_t C = 24, A = 30, R = 5, N = 20;
	const struct tomo_fbp_gpu_ops *ops =
		method == TOMO_FBP_FOURIER ? &tomo_fbp_gpu_fourier : &tomo_fbp_gpu_direct;
	struct tomo_fbp_params p = parts_params(A, R, N, method);
	float *whole = malloc(sizeof(float) * (size_t)(R * N * N));
	struct tomo_fbp_gpu_desc d;
	struct fbp_geom g;
	void *gpu = NULL;
	int64_t clamped = 0, differ = 0;
	double norm = 0;

	for (int64_t a = 0; a < A; a++)
		angles[a] = 180.0 * (double)a / (double)A;
	CHECK(fbp_geom_init(&g, C, &p) == TOMO_OK &&
	              (method != TOMO_FBP_FOURIER || fbp_fourier_init(&g, &p) == TOMO_OK),
	      "%s", tomo_errmsg());
	/* Slabs of 6 rows: for the Fourier method's pairs, 5 rows are a
	 * partial slab. TOMO_FOURIER_SPREAD is read by create. */
	fbp_gpu_desc(&d, &g, &p, R + 1);
	if (scatter)
		setenv("TOMO_FOURIER_SPREAD", "scatter", 1);
	CHECK(ops->create(&d, &gpu) == TOMO_OK, "%s: %s", ops->name, tomo_errmsg());
	unsetenv("TOMO_FOURIER_SPREAD");
	float *in = ops->input(gpu, 0);
	float *out = (float *)ops->output(gpu, 0);
	for (int64_t i = 0; i < A * R * C; i++)
		in[i] = (float)(1.0 + sin(0.37 * (double)i) * 0.5);
	CHECK(ops->submit(gpu, 0, R) == TOMO_OK && ops->wait(gpu, 0, &clamped) == TOMO_OK, "%s",
	      tomo_errmsg());
	memcpy(whole, out, sizeof(float) * (size_t)(R * N * N));
	for (int64_t i = 0; i < R * N * N; i++)
		norm += fabs(whole[i]);
	CHECK(norm > 0, "%s: the whole submission gave zeros", ops->name);

	/* Zero the slices, then step by step, the copy out last; then the
	 * back-projection again. */
	memset(out, 0, sizeof(float) * (size_t)(R * N * N));
	static const unsigned steps[] = {TOMO_FBP_GPU_COPY_IN, TOMO_FBP_GPU_FILTER,
	                                 TOMO_FBP_GPU_BACKPROJECT, TOMO_FBP_GPU_COPY_OUT,
	                                 TOMO_FBP_GPU_BACKPROJECT | TOMO_FBP_GPU_COPY_OUT};
	for (int k = 0; k < 5; k++) {
		CHECK(ops->submit_parts(gpu, 0, R, steps[k]) == TOMO_OK &&
		              ops->wait(gpu, 0, &clamped) == TOMO_OK,
		      "%s", tomo_errmsg());
		int64_t nonzero = 0;
		for (int64_t i = 0; i < R * N * N; i++)
			nonzero += out[i] != 0;
		CHECK(k > 2 || nonzero == 0, "%s: slices copied out at step %d", ops->name, k);
		for (int64_t i = 0; k > 2 && i < R * N * N; i++)
			differ += out[i] != whole[i];
	}
	CHECK(differ == 0, "%s%s: %lld samples differ between the steps and the whole", ops->name,
	      scatter ? " (scatter)" : "", (long long)differ);
	ops->destroy(gpu);
	fbp_geom_free(&g);
	free(whole);
}

static void
test_submit_parts(void)
{
	check_submit_parts(TOMO_FBP_DIRECT, 0);
}

static void
test_fourier_submit_parts(void)
{
	check_submit_parts(TOMO_FBP_FOURIER, 0);
	check_submit_parts(TOMO_FBP_FOURIER, 1);
}

/* Larger grids: samples whose taps wrap around the grid's edges, more
 * gather blocks than one, the last ones partial. */
static void
test_fourier_tiles(void)
{
	struct problem q = base;
	q.method = TOMO_FBP_FOURIER;
	q.C = 50, q.A = 40, q.R = 4, q.row1 = 4, q.center = 23.7, q.size = 100; /* M 200 */
	compare(&q, 4);
	q.kernel_width = 7, q.oversample = 1.3, q.size = 57; /* M 76 */
	compare(&q, 4);
}

/* Angles over 360 degrees and out of order (the gather sorts the lines by
 * angle), and the spreading kernel kept for measurements on a GPU
 * (TOMO_FOURIER_SPREAD=scatter) on the same cases. */
static void
test_fourier_angles(void)
{
	for (int scatter = 0; scatter < 2; scatter++) {
		struct problem q = base;
		if (scatter)
			setenv("TOMO_FOURIER_SPREAD", "scatter", 1);
		q.method = TOMO_FBP_FOURIER;
		q.span = 360, q.A = 41, q.center = 12.6;
		compare(&q, 20);
		q.shuffle = 1, q.span = 180;
		compare(&q, 20);
		q.C = 50, q.A = 40, q.R = 4, q.row1 = 4, q.center = 23.7, q.size = 100;
		q.kernel_width = 7, q.oversample = 1.3, q.span = 360;
		compare(&q, 4);
		/* the other widths: every template instance */
		q.kernel_width = 5, q.size = 41, q.oversample = 2;
		compare(&q, 4);
		q.kernel_width = 8, q.size = 36, q.oversample = 3;
		compare(&q, 4);
		/* as dense as a real scan: as many angles as columns */
		q.C = 256, q.A = 256, q.R = 2, q.row1 = 2, q.center = 130.2, q.size = 256;
		q.kernel_width = 0, q.oversample = 0, q.span = 180, q.shuffle = 0;
		compare(&q, 2);
		unsetenv("TOMO_FOURIER_SPREAD");
	}
}

/* The GPU is chosen by its index, which fbp_gpu_desc hands down from the
 * parameters: the emulator has one GPU, number 0, so that either
 * back-end's create on GPU 1 fails naming the CUDA call (tomo_fbp_run
 * then fails, exit 1 in a tool). */
static void
test_device_index(void)
{
	for (int m = 0; m < 2; m++) {
		const int64_t C = 24, A = 30, R = 4, N = 20;
		struct tomo_fbp_params p =
			parts_params(A, R, N, m ? TOMO_FBP_FOURIER : TOMO_FBP_DIRECT);
		struct fbp_geom g;
		struct tomo_fbp_gpu_desc d;
		void *gpu = NULL;

		for (int64_t a = 0; a < A; a++)
			angles[a] = 180.0 * (double)a / (double)A;
		CHECK(fbp_geom_init(&g, C, &p) == TOMO_OK &&
		              (!m || fbp_fourier_init(&g, &p) == TOMO_OK),
		      "%s", tomo_errmsg());
		p.device = 1;
		fbp_gpu_desc(&d, &g, &p, R);
		CHECK(d.device == 1, "the description's device: %d", d.device);
		const struct tomo_fbp_gpu_ops *ops =
			m ? &tomo_fbp_gpu_fourier : &tomo_fbp_gpu_direct;
		CHECK(ops->create(&d, &gpu) == TOMO_ERR && !gpu &&
		              strstr(tomo_errmsg(), "cudaSetDevice") &&
		              strstr(tomo_errmsg(), "invalid device ordinal"),
		      "%s on GPU 1: '%s'", ops->name, tomo_errmsg());
		d.device = 0;
		CHECK(ops->create(&d, &gpu) == TOMO_OK && gpu, "%s", tomo_errmsg());
		ops->destroy(gpu);
		fbp_geom_free(&g);
	}
}

UNIT_MAIN(T(test_projections), T(test_sinograms_transmission), T(test_filter_pad_size_slices),
          T(test_many_slabs), T(test_many_angles), T(test_small_gpu), T(test_submit_parts),
          T(test_fourier), T(test_fourier_slabs), T(test_fourier_tiles), T(test_fourier_angles),
          T(test_fourier_submit_parts), T(test_device_index))
