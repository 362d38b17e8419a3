/*
 * bench.cu: tomo-bench's GPU measurements (bench_gpu.h): copies
 * between host memory of each kind and the device, device-to-device
 * copies, copies and a kernel in chunks on one or two streams, cuFFT alone,
 * and the back-projection's arithmetic peak. Timed with CUDA events; every
 * CUDA and cuFFT call is checked, and everything allocated is freed on
 * every path.
 */
#include <cuda_runtime.h>
#include <cufft.h>
#include <stdlib.h>
#include <string.h>

#include "bench_gpu.h"
#include "fbp_math.h"
#include "tomo/err.h"
#include "tomo/fbp.h"

/* Record the first failure and leave through the function's cleanup. */
#define CK(call)                                                                                  \
	do {                                                                                      \
		cudaError_t e_ = (call);                                                          \
		if (e_ != cudaSuccess) {                                                          \
			cudaGetLastError();                                                       \
			rc = tomo_error(TOMO_ERR, "CUDA: %s: %s", #call, cudaGetErrorString(e_)); \
			goto done;                                                                \
		}                                                                                 \
	} while (0)
#define CKFFT(call)                                                                               \
	do {                                                                                      \
		cufftResult r_ = (call);                                                          \
		if (r_ != CUFFT_SUCCESS) {                                                        \
			rc = tomo_error(TOMO_ERR, "cuFFT: %s failed (error %d)", #call, (int)r_); \
			goto done;                                                                \
		}                                                                                 \
	} while (0)

/* Events around one run on the legacy default stream, which waits for
 * (and is waited for by) every blocking stream: the interval covers all
 * the run's work. */
struct timer {
	cudaEvent_t a, b;
};

static int
timer_init(struct timer *tm)
{
	int rc = TOMO_OK;

	tm->a = tm->b = NULL;
	CK(cudaEventCreate(&tm->a));
	CK(cudaEventCreate(&tm->b));
done:
	return rc;
}

static void
timer_free(struct timer *tm)
{
	if (tm->a)
		cudaEventDestroy(tm->a);
	if (tm->b)
		cudaEventDestroy(tm->b);
}

/* Seconds between the two events, once the second has happened. */
static int
timer_read(struct timer *tm, double *s)
{
	int rc = TOMO_OK;
	float ms = 0;

	CK(cudaEventSynchronize(tm->b));
	CK(cudaEventElapsedTime(&ms, tm->a, tm->b));
	*s = 1e-3 * (double)ms;
done:
	return rc;
}

/* The first failure inside a timed run: its message, out of the run. */
#define CKR(call)                                                          \
	do {                                                               \
		cudaError_t e_ = (call);                                   \
		if (e_ != cudaSuccess) {                                   \
			cudaGetLastError();                                \
			return tomo_error(TOMO_ERR, "CUDA: %s: %s", #call, \
			                  cudaGetErrorString(e_));         \
		}                                                          \
	} while (0)

/* warmup + repeat runs of run() (queued on the legacy stream or blocking
 * streams), each between two events; t gets the timed ones' seconds. */
template <class F>
static int
timed(F run, int warmup, int repeat, double *t)
{
	struct timer tm = {NULL, NULL};
	int rc = timer_init(&tm);

	for (int i = 0; !rc && i < warmup + repeat; i++) {
		double s = 0;
		cudaError_t e = cudaEventRecord(tm.a, 0);
		if (e != cudaSuccess) {
			cudaGetLastError();
			rc = tomo_error(TOMO_ERR, "CUDA: recording an event: %s",
			                cudaGetErrorString(e));
			break;
		}
		if ((rc = run()))
			break;
		if ((e = cudaEventRecord(tm.b, 0)) != cudaSuccess) {
			cudaGetLastError();
			rc = tomo_error(TOMO_ERR, "CUDA: recording an event: %s",
			                cudaGetErrorString(e));
			break;
		}
		if (!(rc = timer_read(&tm, &s)) && i >= warmup)
			t[i - warmup] = s;
	}
	timer_free(&tm);
	return rc;
}

static int
grid_for(int64_t n)
{
	int64_t g = (n + 255) / 256;
	return (int)(g < 1 ? 1 : g > 65535 ? 65535 : g);
}

/* Zero-copy transfer: a grid-stride copy where one side is host memory
 * mapped into the device's address space. */
__global__ void
copy_kernel(const float4 *__restrict__ src, float4 *__restrict__ dst, int64_t n)
{
	for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x)
		dst[i] = src[i];
}

extern "C" int
tomo_bench_gpu_copy(int device, int mem, int to_device, size_t bytes, int warmup, int repeat,
                    double *t)
{
	const int64_t n4 = (int64_t)(bytes / sizeof(float4));
	const size_t nbytes = (size_t)n4 * sizeof(float4);
	void *h = NULL, *hdev = NULL, *d = NULL;
	int rc = TOMO_OK;

	if (n4 < 1)
		return tomo_error(TOMO_ERR, "a copy of %zu bytes is too small", bytes);
	CK(cudaSetDevice(device));
	if (mem == TOMO_BENCH_PAGEABLE) {
		if (!(h = malloc(nbytes))) {
			rc = tomo_error(TOMO_ERR, "out of memory for %zu bytes", nbytes);
			goto done;
		}
		memset(h, 1, nbytes); /* touch every page before timing */
	} else {
		CK(cudaHostAlloc(&h, nbytes,
		                 mem == TOMO_BENCH_MAPPED ? cudaHostAllocMapped
		                                          : cudaHostAllocDefault));
		memset(h, 1, nbytes);
		if (mem == TOMO_BENCH_MAPPED)
			CK(cudaHostGetDevicePointer(&hdev, h, 0));
	}
	CK(cudaMalloc(&d, nbytes));
	CK(cudaMemset(d, 0, nbytes));
	rc = timed(
		[&]() -> int {
			if (mem == TOMO_BENCH_MAPPED) {
				const float4 *src = (const float4 *)(to_device ? hdev : d);
				float4 *dst = (float4 *)(to_device ? d : hdev);
				copy_kernel<<<grid_for(n4), 256>>>(src, dst, n4);
				CKR(cudaGetLastError());
			} else {
				CKR(cudaMemcpy(to_device ? d : h, to_device ? h : d, nbytes,
			                       to_device ? cudaMemcpyHostToDevice
			                                 : cudaMemcpyDeviceToHost));
			}
			return TOMO_OK;
		},
		warmup, repeat, t);
done:
	cudaFree(d);
	if (mem == TOMO_BENCH_PAGEABLE)
		free(h);
	else if (h)
		cudaFreeHost(h);
	return rc;
}

extern "C" int
tomo_bench_gpu_d2d(int device, size_t bytes, int warmup, int repeat, double *t)
{
	void *a = NULL, *b = NULL;
	int rc = TOMO_OK;

	CK(cudaSetDevice(device));
	CK(cudaMalloc(&a, bytes));
	CK(cudaMalloc(&b, bytes));
	CK(cudaMemset(a, 1, bytes));
	CK(cudaMemset(b, 0, bytes));
	rc = timed(
		[&]() -> int {
			CKR(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice));
			return TOMO_OK;
		},
		warmup, repeat, t);
done:
	cudaFree(a);
	cudaFree(b);
	return rc;
}

/* Arithmetic on data in device memory: flops multiply-adds per float. */
__global__ void
work_kernel(float *__restrict__ v, int64_t n, int flops)
{
	for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
	     i += (int64_t)gridDim.x * blockDim.x) {
		float x = v[i];
		for (int k = 0; k < flops; k++)
			x = x * 0.999f + 0.001f;
		v[i] = x;
	}
}

#define CHUNKS 16

extern "C" int
tomo_bench_gpu_streams(int device, size_t bytes, int nstreams, unsigned what, int flops_per_float,
                       int warmup, int repeat, double *t)
{
	const int64_t chunk = (int64_t)(bytes / sizeof(float) / CHUNKS);
	const size_t cbytes = (size_t)chunk * sizeof(float);
	float *h = NULL, *d = NULL;
	cudaStream_t st[2] = {NULL, NULL};
	int rc = TOMO_OK;

	if (chunk < 1 || nstreams < 1 || nstreams > 2)
		return tomo_error(TOMO_ERR, "streams: %zu bytes on %d streams", bytes, nstreams);
	CK(cudaSetDevice(device));
	CK(cudaHostAlloc((void **)&h, cbytes * CHUNKS, cudaHostAllocDefault));
	memset(h, 0, cbytes * CHUNKS);
	CK(cudaMalloc((void **)&d, cbytes * CHUNKS));
	CK(cudaMemset(d, 0, cbytes * CHUNKS));
	for (int k = 0; k < nstreams; k++)
		CK(cudaStreamCreate(&st[k])); /* blocking: ordered with stream 0 */
	rc = timed(
		[&]() -> int {
			for (int c = 0; c < CHUNKS; c++) {
				cudaStream_t s = st[c % nstreams];
				float *hc = h + (int64_t)c * chunk, *dc = d + (int64_t)c * chunk;
				if (what & TOMO_BENCH_GPU_IN)
					CKR(cudaMemcpyAsync(dc, hc, cbytes, cudaMemcpyHostToDevice,
				                            s));
				if (what & TOMO_BENCH_GPU_KERNEL) {
					work_kernel<<<grid_for(chunk), 256, 0, s>>>(
						dc, chunk, flops_per_float);
					CKR(cudaGetLastError());
				}
				if (what & TOMO_BENCH_GPU_OUT)
					CKR(cudaMemcpyAsync(hc, dc, cbytes, cudaMemcpyDeviceToHost,
				                            s));
			}
			return TOMO_OK;
		},
		warmup, repeat, t);
done:
	for (int k = 0; k < 2; k++)
		if (st[k])
			cudaStreamDestroy(st[k]);
	cudaFree(d);
	if (h)
		cudaFreeHost(h);
	return rc;
}

extern "C" int
tomo_bench_gpu_fft(int device, int rank, int64_t nx, int64_t ny, int64_t batch, int warmup,
                   int repeat, double *t)
{
	const int64_t rows = rank == 2 ? ny : 1, nb = nx / 2 + 1;
	int n[2] = {(int)(rank == 2 ? ny : nx), (int)nx};
	float *dr = NULL;
	cufftComplex *ds = NULL;
	cufftHandle fwd = 0, inv = 0;
	int have_fwd = 0, have_inv = 0;
	int rc = TOMO_OK;

	if (rank < 1 || rank > 2 || nx < 2 || rows < 1 || batch < 1)
		return tomo_error(TOMO_ERR, "FFT of rank %d, %lld x %lld, batch %lld", rank,
		                  (long long)nx, (long long)ny, (long long)batch);
	CK(cudaSetDevice(device));
	CK(cudaMalloc((void **)&dr, sizeof(float) * (size_t)(batch * rows * nx)));
	CK(cudaMalloc((void **)&ds, sizeof(cufftComplex) * (size_t)(batch * rows * nb)));
	CK(cudaMemset(dr, 0, sizeof(float) * (size_t)(batch * rows * nx)));
	/* Basic layout (no embedding): contiguous transforms one after another. */
	CKFFT(cufftPlanMany(&fwd, rank, rank == 2 ? n : n + 1, NULL, 1, 0, NULL, 1, 0, CUFFT_R2C,
	                    (int)batch));
	have_fwd = 1;
	CKFFT(cufftPlanMany(&inv, rank, rank == 2 ? n : n + 1, NULL, 1, 0, NULL, 1, 0, CUFFT_C2R,
	                    (int)batch));
	have_inv = 1;
	rc = timed(
		[&]() -> int {
			cufftResult r = cufftExecR2C(fwd, dr, ds);
			if (r == CUFFT_SUCCESS)
				r = cufftExecC2R(inv, ds, dr);
			if (r != CUFFT_SUCCESS)
				return tomo_error(TOMO_ERR, "cuFFT: a transform failed (error %d)",
			                          (int)r);
			return TOMO_OK;
		},
		warmup, repeat, t);
done:
	if (have_fwd)
		cufftDestroy(fwd);
	if (have_inv)
		cufftDestroy(inv);
	cudaFree(dr);
	cudaFree(ds);
	return rc;
}

/*
 * The lerp peak: bp_kernel's inner loop (kernels/fbp.cu) for 4 pixels down
 * a column x 4 slices per thread, four threads per 16-slice column, eight
 * neighbouring pixels per warp, with the filtered lines (16 KiB) in L1 and
 * each pixel's column and fraction made by a few integer operations rather
 * than by fbp_u and its clamp (fewer operations: an upper bound).
 */
#define LP_COLS   64
#define LP_LINES  4
#define LP_ANGLES 2048
#define LP_ROWS   4
#define LANES     TOMO_FBP_LANES

__global__ void __launch_bounds__(256)
	lerp_peak_kernel(const float *__restrict__ F, float *__restrict__ out)
{
	const int tid = threadIdx.y * blockDim.x + threadIdx.x;
	const int quad = threadIdx.x % 4, pix = threadIdx.x / 4;
	float acc[LP_ROWS][4];
#pragma unroll
	for (int r = 0; r < LP_ROWS; r++)
		acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = 0.0f;
	const float *Fq = F + 4 * quad;
	for (int t = 0; t < LP_ANGLES; t++) {
		const float *Ft = Fq + (t % LP_LINES) * LP_COLS * LANES;
		const int tq = t * 7, tf = t * 13;
#pragma unroll
		for (int r = 0; r < LP_ROWS; r++) {
			/* Columns 0..39 (+ 8 pixels + 1): inside the 64 stored. */
			const int q = ((tq + 3 * r) & 31) + pix;
			const float f = (float)((tf + r) & 31) * (1.0f / 32.0f);
			const float4 a = __ldg((const float4 *)(Ft + q * LANES));
			const float4 b = __ldg((const float4 *)(Ft + (q + 1) * LANES));
			acc[r][0] = FBP_ADD(acc[r][0], FBP_LERP(a.x, b.x, f));
			acc[r][1] = FBP_ADD(acc[r][1], FBP_LERP(a.y, b.y, f));
			acc[r][2] = FBP_ADD(acc[r][2], FBP_LERP(a.z, b.z, f));
			acc[r][3] = FBP_ADD(acc[r][3], FBP_LERP(a.w, b.w, f));
		}
	}
	float s = 0.0f;
#pragma unroll
	for (int r = 0; r < LP_ROWS; r++)
		s += acc[r][0] + acc[r][1] + acc[r][2] + acc[r][3];
	out[(int64_t)blockIdx.x * blockDim.x * blockDim.y + tid] = s;
}

extern "C" int
tomo_bench_gpu_lerp_peak(int device, int warmup, int repeat, double *t, double *updates)
{
	const size_t fbytes = sizeof(float) * LP_LINES * LP_COLS * LANES;
	float *F = NULL, *out = NULL, *h = NULL;
	int rc = TOMO_OK, sms = 0, blocks;
	const dim3 block(32, 8);

	CK(cudaSetDevice(device));
	CK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
	blocks = 8 * (sms > 0 ? sms : 1);
	if (!(h = (float *)malloc(fbytes))) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < fbytes / sizeof(float); i++)
		h[i] = (float)(i % 97) * 0.01f;
	CK(cudaMalloc((void **)&F, fbytes));
	CK(cudaMemcpy(F, h, fbytes, cudaMemcpyHostToDevice));
	CK(cudaMalloc((void **)&out, sizeof(float) * (size_t)blocks * 256));
	*updates = (double)blocks * 256 * LP_ANGLES * LP_ROWS * 4;
	rc = timed(
		[&]() -> int {
			lerp_peak_kernel<<<blocks, block>>>(F, out);
			CKR(cudaGetLastError());
			return TOMO_OK;
		},
		warmup, repeat, t);
done:
	cudaFree(F);
	cudaFree(out);
	free(h);
	return rc;
}
