/*
 * move: data movement as the tools meet it. A pipe between two
 * processes (1 MiB pipe buffer, 1 MiB writes, as lib/io does), a
 * memory-mapped file read through with the page cache warm, and on a GPU
 * (bench.cu) copies from pageable, pinned and mapped host memory,
 * device-to-device copies, and copies overlapped with a kernel on streams.
 */
#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_gpu.h"
#include "internal.h"
#include "tomo/err.h"

#define MIB (1 << 20)

static volatile float sink;

/* ---- a pipe between two processes */

struct pipe_job {
	int64_t bytes;
	char *wbuf, *rbuf; /* MIB each */
	int pipe_size;     /* what F_GETPIPE_SZ said */
};

/* The writer: bytes in writes of 1 MiB (the last one shorter). */
static void
pipe_writer(int fd, const char *buf, int64_t bytes)
{
	for (int64_t done = 0; done < bytes;) {
		size_t n = bytes - done < MIB ? (size_t)(bytes - done) : MIB;
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);
		done += w;
	}
	_exit(0);
}

static int
pipe_run(void *ctx)
{
	struct pipe_job *j = ctx;
	int fd[2], st = 0;
	int64_t got = 0;
	pid_t pid;

	if (pipe(fd))
		return tomo_error_sys(TOMO_ERR, errno, "pipe");
	/* Both ends, as the tools do; refused beyond pipe-max-size. */
	fcntl(fd[1], F_SETPIPE_SZ, MIB);
	fcntl(fd[0], F_SETPIPE_SZ, MIB);
	j->pipe_size = fcntl(fd[0], F_GETPIPE_SZ);
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return tomo_error_sys(TOMO_ERR, errno, "fork");
	}
	if (pid == 0) {
		close(fd[0]);
		pipe_writer(fd[1], j->wbuf, j->bytes);
	}
	close(fd[1]);
	for (;;) {
		ssize_t n = read(fd[0], j->rbuf, MIB);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return tomo_error_sys(TOMO_ERR, errno, "waitpid");
	if (got != j->bytes || !WIFEXITED(st) || WEXITSTATUS(st))
		return tomo_error(TOMO_ERR, "pipe: %lld of %lld bytes arrived", (long long)got,
		                  (long long)j->bytes);
	sink = (float)j->rbuf[0];
	return TOMO_OK;
}

void
bench_pipe(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	struct tomo_bench_row *r = bench_row(b, TOMO_BENCH_PIPE, "pipe", 0);
	struct pipe_job j = {.bytes = c->move_bytes};
	double t[TOMO_BENCH_MAX_REPEAT];
	int rc;

	snprintf(r->size, sizeof r->size, "%.0f MiB", (double)c->move_bytes / MIB);
	j.wbuf = malloc(MIB);
	j.rbuf = malloc(MIB);
	if (!j.wbuf || !j.rbuf) {
		rc = tomo_error(TOMO_ERR, "out of memory");
	} else {
		memset(j.wbuf, 7, MIB);
		memset(j.rbuf, 0, MIB);
		bench_say(b, "pipe: %lld bytes", (long long)j.bytes);
		rc = tomo_bench_time(pipe_run, NULL, &j, c->warmup, c->repeat, t);
	}
	if (rc) {
		bench_fail(r, rc);
	} else {
		bench_param(r, "bytes", (double)j.bytes);
		bench_param(r, "write_bytes", MIB);
		bench_param(r, "pipe_buffer", j.pipe_size);
		bench_done(r, t, c->repeat, bench_bytes_gb((double)j.bytes), "GB/s");
		bench_memory(b);
		bench_ceiling(r, "memory-copy", b->mem_copy);
	}
	free(j.wbuf);
	free(j.rbuf);
}

/* ---- a memory-mapped file */

struct mmap_job {
	const char *path;
	int64_t bytes;
};

/* Map the file, read every float on every thread, unmap. */
static int
mmap_run(void *ctx)
{
	struct mmap_job *j = ctx;
	int fd = open(j->path, O_RDONLY);
	void *p;

	if (fd < 0)
		return tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", j->path);
	p = mmap(NULL, (size_t)j->bytes, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return tomo_error_sys(TOMO_ERR, errno, "cannot map '%s'", j->path);
	madvise(p, (size_t)j->bytes, MADV_SEQUENTIAL);
	sink = bench_sum(p, j->bytes);
	munmap(p, (size_t)j->bytes);
	return TOMO_OK;
}

void
bench_mmap(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	struct tomo_bench_row *r = bench_row(b, TOMO_BENCH_MMAP, "mmap-read", 0);
	const int64_t bytes = c->move_bytes / MIB * MIB;
	char path[4200];
	struct mmap_job j = {path, bytes};
	double t[TOMO_BENCH_MAX_REPEAT];
	float *buf = malloc(MIB);
	int fd = -1, made = 0, rc = TOMO_OK;

	snprintf(r->size, sizeof r->size, "%.0f MiB", (double)bytes / MIB);
	snprintf(path, sizeof path, "%s/tomo-bench-mmap.XXXXXX", c->tmpdir);
	if (!buf) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto done;
	}
	if ((fd = mkstemp(path)) < 0) {
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot create a file in %s", c->tmpdir);
		goto done;
	}
	made = 1;
	for (int i = 0; i < MIB / 4; i++)
		buf[i] = (float)(i % 1000) * 1e-3f;
	bench_say(b, "mmap: writing %lld bytes to %s", (long long)bytes, path);
	for (int64_t done = 0; done < bytes;) {
		ssize_t w = write(fd, buf, MIB);
		if (w < 0 && errno == EINTR)
			continue;
		if (w != MIB) {
			rc = tomo_error_sys(TOMO_ERR, w < 0 ? errno : ENOSPC, "cannot write '%s'",
			                    path);
			goto done;
		}
		done += w;
	}
	if (close(fd)) {
		fd = -1;
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot write '%s'", path);
		goto done;
	}
	fd = -1;
	/* The warm-up run (at least one) brings any page not cached back in. */
	rc = tomo_bench_time(mmap_run, NULL, &j, c->warmup > 0 ? c->warmup : 1, c->repeat, t);
	if (!rc) {
		bench_param(r, "bytes", (double)bytes);
		bench_done(r, t, c->repeat, bench_bytes_gb((double)bytes), "GB/s");
		bench_memory(b);
		bench_ceiling(r, "memory-read", b->mem_read);
	}
done:
	if (rc)
		bench_fail(r, rc);
	if (fd >= 0)
		close(fd);
	/* Not by the name's last letter: mkstemp may end it with an X too. */
	if (made)
		unlink(path);
	free(buf);
}

/* ---- GPU copies */

static const char *const mem_names[] = {"pageable", "pinned", "mapped"};

void
bench_pinned(struct bench *b)
{
	const struct tomo_bench_config *c = b->c;
	double t[TOMO_BENCH_MAX_REPEAT], gb = bench_bytes_gb((double)c->move_bytes);

	if (!isnan(b->h2d_pinned))
		return;
	b->h2d_pinned = b->d2h_pinned = 0;
	if (!b->gpu_ok)
		return;
	bench_say(b, "pinned copies: %lld bytes", (long long)c->move_bytes);
	if (!tomo_bench_gpu_copy(c->device, TOMO_BENCH_PINNED, 1, (size_t)c->move_bytes, c->warmup,
	                         c->repeat, t))
		b->h2d_pinned = gb / tomo_bench_median(t, c->repeat);
	if (!tomo_bench_gpu_copy(c->device, TOMO_BENCH_PINNED, 0, (size_t)c->move_bytes, c->warmup,
	                         c->repeat, t))
		b->d2h_pinned = gb / tomo_bench_median(t, c->repeat);
}

void
bench_copy(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	const double gb = bench_bytes_gb((double)c->move_bytes);
	struct tomo_bench_row *rows[6];
	double t[TOMO_BENCH_MAX_REPEAT];
	char name[40];
	int rc;

	for (int dir = 0; dir < 2; dir++) {
		for (int m = 0; m < 3; m++) {
			snprintf(name, sizeof name, "copy-%s-%s", dir ? "d2h" : "h2d",
			         mem_names[m]);
			struct tomo_bench_row *r = rows[dir * 3 + m] =
				bench_row(b, TOMO_BENCH_COPY, name, 1);
			snprintf(r->size, sizeof r->size, "%.0f MiB", (double)c->move_bytes / MIB);
			bench_say(b, "%s", name);
			rc = tomo_bench_gpu_copy(c->device, m, !dir, (size_t)c->move_bytes,
			                         c->warmup, c->repeat, t);
			if (rc) {
				bench_fail(r, rc);
				continue;
			}
			bench_param(r, "bytes", (double)c->move_bytes);
			bench_done(r, t, c->repeat, gb, "GB/s");
		}
		/* The pinned copy is the ceiling of its direction. */
		struct tomo_bench_row *pinned = rows[dir * 3 + TOMO_BENCH_PINNED];
		double ceil = pinned->status == TOMO_BENCH_OK ? pinned->value : NAN;
		if (!isnan(ceil))
			*(dir ? &b->d2h_pinned : &b->h2d_pinned) = ceil;
		bench_ceiling(rows[dir * 3 + TOMO_BENCH_PAGEABLE], "pinned", ceil);
		bench_ceiling(rows[dir * 3 + TOMO_BENCH_MAPPED], "pinned", ceil);
	}
	struct tomo_bench_row *r = bench_row(b, TOMO_BENCH_COPY, "copy-d2d", 1);
	snprintf(r->size, sizeof r->size, "%.0f MiB", (double)c->move_bytes / MIB);
	bench_say(b, "copy-d2d");
	if ((rc = tomo_bench_gpu_d2d(c->device, (size_t)c->move_bytes, c->warmup, c->repeat, t))) {
		bench_fail(r, rc);
		return;
	}
	bench_param(r, "bytes", (double)c->move_bytes);
	bench_param(r, "bytes_moved", 2.0 * (double)c->move_bytes);
	bench_done(r, t, c->repeat, 2.0 * gb, "GB/s");
}

/* ---- copies overlapped with a kernel */

void
bench_overlap(struct bench *b, int gpu)
{
	const struct tomo_bench_config *c = b->c;
	const size_t bytes = (size_t)c->move_bytes;
	const double gb = bench_bytes_gb((double)bytes);
	struct tomo_bench_row *r1 = bench_row(b, TOMO_BENCH_OVERLAP, "overlap-1-stream", 1);
	struct tomo_bench_row *r2 = bench_row(b, TOMO_BENCH_OVERLAP, "overlap-2-streams", 1);
	double t[TOMO_BENCH_MAX_REPEAT], tin, tout, tk;
	int rc, flops = 64;

	snprintf(r1->size, sizeof r1->size, "%.0f MiB in, out", (double)bytes / MIB);
	snprintf(r2->size, sizeof r2->size, "%.0f MiB in, out", (double)bytes / MIB);
	bench_say(b, "overlap: parts alone");
	/* Each part alone; the kernel's work set so that it takes about as
	 * long as the copy in, where overlapping matters most. */
	if ((rc = tomo_bench_gpu_streams(c->device, bytes, 1, TOMO_BENCH_GPU_IN, 0, c->warmup,
	                                 c->repeat, t)))
		goto fail;
	tin = tomo_bench_median(t, c->repeat);
	if ((rc = tomo_bench_gpu_streams(c->device, bytes, 1, TOMO_BENCH_GPU_OUT, 0, c->warmup,
	                                 c->repeat, t)))
		goto fail;
	tout = tomo_bench_median(t, c->repeat);
	if ((rc = tomo_bench_gpu_streams(c->device, bytes, 1, TOMO_BENCH_GPU_KERNEL, flops,
	                                 c->warmup, c->repeat, t)))
		goto fail;
	tk = tomo_bench_median(t, c->repeat);
	if (tk > 0) {
		double f = (double)flops * tin / tk;
		flops = f < 1 ? 1 : f > 1e5 ? 100000 : (int)f;
	}
	if ((rc = tomo_bench_gpu_streams(c->device, bytes, 1, TOMO_BENCH_GPU_KERNEL, flops,
	                                 c->warmup, c->repeat, t)))
		goto fail;
	tk = tomo_bench_median(t, c->repeat);
	const double ideal = 2.0 * gb / fmax(tin, fmax(tk, tout));
	struct tomo_bench_row *rows[2] = {r1, r2};
	for (int s = 1; s <= 2; s++) {
		struct tomo_bench_row *r = rows[s - 1];
		bench_say(b, "%s", r->stage);
		rc = tomo_bench_gpu_streams(c->device, bytes, s,
		                            TOMO_BENCH_GPU_IN | TOMO_BENCH_GPU_KERNEL |
		                                    TOMO_BENCH_GPU_OUT,
		                            flops, c->warmup, c->repeat, t);
		if (rc) {
			bench_fail(r, rc);
			continue;
		}
		bench_param(r, "bytes", (double)bytes);
		bench_param(r, "streams", s);
		bench_param(r, "chunks", 16);
		bench_param(r, "flops_per_float", flops);
		bench_param(r, "in_s", tin);
		bench_param(r, "kernel_s", tk);
		bench_param(r, "out_s", tout);
		bench_done(r, t, c->repeat, 2.0 * gb, "GB/s");
		bench_ceiling(r, "max(in,kernel,out)", ideal);
	}
	return;
fail:
	bench_fail(r1, rc);
	bench_fail(r2, rc);
}
