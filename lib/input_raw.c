/*
 * input_raw: inputs whose samples are a raw array: .raw files with a given
 * shape, the samples after a NRRD header (input_nrrd.c) or a .npy header
 * (input_npy.c), and the same on a pipe. Files are memory-mapped, read
 * with pread where a box's rows are whole, and converted on the way out;
 * pipes are read forward only, plane by plane.
 */
#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "io_impl.h"
#include "tomo/err.h"

/* Mappings bigger than this give back pages after each read, so that
 * scanning a huge file keeps the resident set near the caller's buffers. */
#define RELEASE_THRESHOLD ((size_t)256 << 20)
/* Bytes of a box asked for ahead of the conversion (MADV_WILLNEED). */
#define LOOKAHEAD ((int64_t)64 << 20)
/* Linux maps up to this many bytes of cached pages around a fault
 * (fault_around_bytes, 64 KiB by default). */
#define FAULT_AROUND ((uintptr_t)64 << 10)

struct rawsrc {
	int fd;
	enum tomo_dtype type;
	int swap;
	/* file */
	unsigned char *map;
	size_t map_len;
	int64_t offset;       /* of the first sample */
	int prefetch;         /* ask for reads ahead (large, not in memory) */
	/* stream */
	unsigned char *pre;   /* bytes read past the header, used first */
	size_t pre_len, pre_pos;
	unsigned char *plane; /* STREAM_PIECE bytes of scratch */
};

static int
host_big_endian(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 0;
}

static void
rawsrc_free(struct rawsrc *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->fd > 2)
		close(r->fd);
	free(r->pre);
	free(r->plane);
	free(r);
}

static void
raw_close(struct tomo_input *in)
{
	rawsrc_free(in->impl);
}

/* The bytes of plane z of box b in the mapping: from its first sample to
 * the end of its last. */
static void
plane_span(const struct tomo_input *in, const struct rawsrc *r,
           const struct tomo_box *b, int64_t z, const unsigned char **p0,
           const unsigned char **p1)
{
	const int64_t X = in->hdr.size[0], Y = in->hdr.size[1];
	const int64_t ts = (int64_t)tomo_dtype_size(r->type);
	const int64_t first = ((b->z0 + z) * Y + b->y0) * X + b->x0;
	const int64_t last = ((b->z0 + z) * Y + b->y0 + b->ny - 1) * X + b->x0 + b->nx;

	*p0 = r->map + r->offset + first * ts;
	*p1 = r->map + r->offset + last * ts;
}

/* Unmap [p0, p1) widened to the kernel's fault-around blocks, which map
 * cached neighbours of every faulting page and would otherwise stay in
 * the resident set. The data stay in the page cache. */
static void
release_span(const struct rawsrc *r, const unsigned char *p0,
             const unsigned char *p1)
{
	const uintptr_t block = FAULT_AROUND - 1;
	uintptr_t a = (uintptr_t)p0 & ~block, e = ((uintptr_t)p1 + block) & ~block;
	uintptr_t m0 = ((uintptr_t)r->map + 4095) & ~(uintptr_t)4095;
	uintptr_t m1 = ((uintptr_t)r->map + r->map_len) & ~(uintptr_t)4095;

	a = a < m0 ? m0 : a;
	e = e > m1 ? m1 : e;
	if (e > a)
		madvise((void *)a, e - a, MADV_DONTNEED);
}

/* Start reading [p0, p1) of a mapping in the background. Linux reads at
 * most max(read_ahead_kb, max_sectors_kb) per MADV_WILLNEED call and leaves
 * the rest to synchronous faults, so ask in pieces no larger than the
 * smallest usual read-ahead (128 KiB). */
static void
prefetch(const unsigned char *p0, const unsigned char *p1)
{
	const uintptr_t piece = (uintptr_t)128 << 10;
	uintptr_t a = (uintptr_t)p0 & ~(uintptr_t)4095, e = (uintptr_t)p1;

	for (; a < e; a += piece)
		madvise((void *)a, e - a < piece ? e - a : piece, MADV_WILLNEED);
}

/* Planes z0..z1-1 of box b (indices into the box) into dst. */
static void
read_planes(struct tomo_input *in, const struct tomo_box *b, int64_t z0, int64_t z1,
            float *dst)
{
	struct rawsrc *r = in->impl;
	const int64_t X = in->hdr.size[0], Y = in->hdr.size[1];
	const size_t ts = tomo_dtype_size(r->type);
	const int large = r->map_len > RELEASE_THRESHOLD;
	const unsigned char *p0, *p1;
	int64_t ahead = z0, in_flight = 0;

	for (int64_t z = z0; z < z1; z++) {
		/* Large mappings are MADV_RANDOM (map_data): ask for exactly the
		 * bytes each plane of the box spans, LOOKAHEAD bytes ahead, so the
		 * reads overlap, and a row of each plane costs its own pages, not
		 * the read-around of every fault. */
		while (large && ahead < z1 && (ahead == z || in_flight < LOOKAHEAD)) {
			plane_span(in, r, b, ahead++, &p0, &p1);
			prefetch(p0, p1);
			in_flight += p1 - p0;
		}
		for (int64_t y = 0; y < b->ny; y++) {
			int64_t idx = ((b->z0 + z) * Y + b->y0 + y) * X + b->x0;
			tomo_convert_to_float(r->map + r->offset + idx * (int64_t)ts,
			                      r->type, r->swap,
			                      dst + (z * b->ny + y) * b->nx, (size_t)b->nx);
		}
		if (large) {
			plane_span(in, r, b, z, &p0, &p1);
			release_span(r, p0, p1);
			in_flight -= p1 - p0;
		}
	}
}

/*
 * Planes z0..z1-1 of a box of whole rows (x0 0, nx the width), whose rows
 * in each plane are one run of bytes: read with pread, straight into dst
 * when the samples are native floats, else through a buffer of one plane's
 * run and converted. No page is faulted in or left mapped, which reads a
 * slab of rows from every projection (tomo-fbp's reads) about twice as
 * fast as copying it out of the mapping (BENCHMARKS.md, bench/slab-read);
 * large files on a disk are asked for LOOKAHEAD bytes ahead
 * (POSIX_FADV_WILLNEED) so that the reads overlap.
 */
static int
pread_planes(struct tomo_input *in, const struct tomo_box *b, int64_t z0, int64_t z1,
             float *dst)
{
	struct rawsrc *r = in->impl;
	const int64_t X = in->hdr.size[0], Y = in->hdr.size[1];
	const int64_t ts = (int64_t)tomo_dtype_size(r->type);
	const int64_t run = b->ny * X * ts;
	const int direct = r->type == TOMO_F32 && !r->swap;
	unsigned char *buf = direct ? NULL : malloc((size_t)run);
	int64_t ahead = z0;
	int rc = TOMO_OK;

	if (!direct && !buf)
		return tomo_error(TOMO_ERR, "out of memory for a plane of %lld bytes",
		                  (long long)run);
	for (int64_t z = z0; z < z1 && !rc; z++) {
		for (; r->prefetch && ahead < z1 && (ahead - z) * run < LOOKAHEAD; ahead++)
			posix_fadvise(r->fd, r->offset + ((b->z0 + ahead) * Y + b->y0) * X * ts, run,
			              POSIX_FADV_WILLNEED);
		const int64_t off = r->offset + ((b->z0 + z) * Y + b->y0) * X * ts;
		unsigned char *to = direct ? (unsigned char *)(dst + z * b->ny * X) : buf;
		const int64_t got = tomo_read_full(r->fd, to, (size_t)run, off);
		if (got < 0)
			rc = tomo_error_sys(TOMO_ERR, errno, "cannot read plane %lld of the input",
			                    (long long)(b->z0 + z));
		else if (got < run)
			rc = tomo_error(TOMO_ERR,
			                "the input ends in plane %lld: the file shrank after it was "
			                "opened",
			                (long long)(b->z0 + z));
		if (!rc && !direct)
			tomo_convert_to_float(buf, r->type, r->swap, dst + z * b->ny * X,
			                      (size_t)(b->ny * X));
	}
	free(buf);
	return rc;
}

/* Planes z0..z1-1 of box b into dst, by pread when its rows are whole. */
static int
read_box_planes(struct tomo_input *in, const struct tomo_box *b, int64_t z0, int64_t z1,
                float *dst)
{
	if (b->x0 == 0 && b->nx == in->hdr.size[0])
		return pread_planes(in, b, z0, z1, dst);
	read_planes(in, b, z0, z1, dst);
	return TOMO_OK;
}

/* Boxes past this many samples are copied by all threads, each taking a
 * contiguous run of planes: one thread cannot keep up with a GPU or with
 * the page cache (a 512 MB gather took ~0.3 s alone). */
#define PARALLEL_SAMPLES ((int64_t)1 << 22)

static int
file_read(struct tomo_input *in, const struct tomo_box *b, float *dst)
{
	int rc = TOMO_OK;

	if (b->nz < 2 || b->nx * b->ny * b->nz < PARALLEL_SAMPLES)
		return read_box_planes(in, b, 0, b->nz, dst);
#pragma omp parallel reduction(| : rc)
	{
		int64_t t = omp_get_thread_num(), n = omp_get_num_threads();
		rc |= read_box_planes(in, b, b->nz * t / n, b->nz * (t + 1) / n, dst);
	}
	return rc ? TOMO_ERR : TOMO_OK;
}

/* Map the data of a file: offset bytes in, count samples of r->type. */
static int
map_data(struct tomo_input *in, struct rawsrc *r, const char *path,
         int64_t offset, int64_t count)
{
	struct stat st;
	int64_t need;

	if (fstat(r->fd, &st))
		return tomo_error_sys(TOMO_ERR, errno, "cannot stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return tomo_error(TOMO_ERR, "'%s' is not a regular file", path);
	if (__builtin_mul_overflow(count, (int64_t)tomo_dtype_size(r->type), &need) ||
	    __builtin_add_overflow(need, offset, &need))
		return tomo_error(TOMO_ERR, "'%s': sizes are too large", path);
	if (st.st_size < need)
		return tomo_error(TOMO_ERR,
		                  "'%s' is truncated: it holds %lld bytes, its sizes "
		                  "%lld x %lld x %lld of %s need %lld", path,
		                  (long long)st.st_size, (long long)in->hdr.size[0],
		                  (long long)in->hdr.size[1], (long long)in->hdr.size[2],
		                  tomo_dtype_name(r->type), (long long)need);
	r->map_len = (size_t)need;
	r->map = mmap(NULL, r->map_len, PROT_READ, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return tomo_error_sys(TOMO_ERR, errno, "cannot map '%s'", path);
	}
	/* No read-around on faults: file_read says what it needs. */
	if (r->map_len > RELEASE_THRESHOLD)
		madvise(r->map, r->map_len, MADV_RANDOM);
	/* Files in memory (tmpfs, ramfs) have nothing to read ahead, and
	 * asking costs a few percent of a slab read there. */
	struct statfs fs;
	r->prefetch = r->map_len > RELEASE_THRESHOLD &&
	              !(fstatfs(r->fd, &fs) == 0 &&
	                (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC));
	r->offset = offset;
	in->sequential = 0;
	if (r->type == TOMO_F32 && !r->swap && offset % 4 == 0)
		in->mapped = (const float *)(r->map + offset);
	return TOMO_OK;
}

static const struct tomo_input_ops file_ops = {file_read, raw_close};

static int
set_layout(struct tomo_input *in, struct rawsrc *r, enum tomo_dtype type,
           int big_endian)
{
	r->type = type;
	r->swap = tomo_dtype_size(type) > 1 && big_endian != host_big_endian();
	in->dtype = type;
	return TOMO_OK;
}

int
tomo_input_open_array(struct tomo_input *in, const char *path, enum tomo_dtype type,
                      int big_endian, int64_t offset)
{
	struct rawsrc *r = calloc(1, sizeof *r);
	int64_t count;
	int rc;

	if (!r)
		return tomo_error(TOMO_ERR, "out of memory");
	if ((rc = tomo_header_count(&in->hdr, &count))) {
		free(r);
		return rc;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		free(r);
		return tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", path);
	}
	set_layout(in, r, type, big_endian);
	if ((rc = map_data(in, r, path, offset, count))) {
		rawsrc_free(r);
		return rc;
	}
	in->impl = r;
	in->ops = &file_ops;
	return TOMO_OK;
}

int
tomo_input_open_raw(struct tomo_input *in, const char *path, const char *dataset,
                    const struct tomo_input_opts *o)
{
	int rc;

	(void)dataset;
	if (!o || !o->shape)
		return tomo_error(TOMO_EUSAGE, "'%s': a .raw file needs --shape XxYxZ", path);
	if (tomo_parse_shape(o->shape, in->hdr.size))
		return TOMO_EUSAGE;
	if ((rc = tomo_input_open_array(in, path, TOMO_F32, 0, 0)))
		return rc;
	in->format = "raw";
	return TOMO_OK;
}

/* Fill buf with n bytes of the stream: leftover header bytes first. */
static int
stream_bytes(struct tomo_input *in, struct rawsrc *r, void *buf, size_t n,
             int64_t plane)
{
	unsigned char *d = buf;
	size_t have = r->pre_len - r->pre_pos;

	if (have) {
		size_t k = have < n ? have : n;
		memcpy(d, r->pre + r->pre_pos, k);
		r->pre_pos += k;
		d += k;
		n -= k;
	}
	if (!n)
		return TOMO_OK;
	int64_t got = tomo_read_full(r->fd, d, n, -1);
	if (got < 0)
		return tomo_error_sys(TOMO_ERR, errno, "cannot read %s", in->name);
	if ((size_t)got < n)
		return tomo_error(TOMO_ERR,
		                  "%s ends early: plane %lld of %lld is incomplete "
		                  "(truncated stream)", in->name, (long long)plane,
		                  (long long)in->hdr.size[2]);
	return TOMO_OK;
}

/* The stream's scratch: skipped bytes and samples to convert pass through
 * it in pieces, so that a header claiming huge planes costs no memory
 * before the samples come (a box's own samples go to the caller's dst). */
#define STREAM_PIECE ((int64_t)1 << 20)

/* Consume n bytes of plane (for messages) of the stream into nothing. */
static int
stream_skip(struct tomo_input *in, struct rawsrc *r, int64_t n, int64_t plane)
{
	int rc;

	for (int64_t k; n > 0; n -= k) {
		k = n < STREAM_PIECE ? n : STREAM_PIECE;
		if ((rc = stream_bytes(in, r, r->plane, (size_t)k, plane)))
			return rc;
	}
	return TOMO_OK;
}

static int
stream_read(struct tomo_input *in, const struct tomo_box *b, float *dst)
{
	struct rawsrc *r = in->impl;
	const int64_t X = in->hdr.size[0], Y = in->hdr.size[1];
	const int64_t ts = (int64_t)tomo_dtype_size(r->type), plane_bytes = X * Y * ts;
	/* Whole rows: the box's samples in a plane are one run. */
	const int rows = b->x0 == 0 && b->nx == X;
	const int direct = r->type == TOMO_F32 && !r->swap;
	int rc;

	if (!r->plane && !(r->plane = malloc((size_t)STREAM_PIECE)))
		return tomo_error(TOMO_ERR, "out of memory");
	for (int64_t z = in->next_z; z < b->z0; z++)
		if ((rc = stream_skip(in, r, plane_bytes, z)))
			return rc;
	for (int64_t z = 0; z < b->nz; z++) {
		float *d = dst + z * b->ny * b->nx;
		const int64_t runs = rows ? 1 : b->ny, len = rows ? b->ny * X : b->nx;
		int64_t pos = 0;
		for (int64_t y = 0; y < runs; y++) {
			const int64_t at = ((b->y0 + y) * X + b->x0) * ts;
			float *to = d + y * b->nx;
			if ((rc = stream_skip(in, r, at - pos, b->z0 + z)))
				return rc;
			if (direct && (rc = stream_bytes(in, r, to, (size_t)(len * 4), b->z0 + z)))
				return rc;
			for (int64_t x = 0, k; !direct && x < len; x += k) {
				k = len - x < STREAM_PIECE / ts ? len - x : STREAM_PIECE / ts;
				if ((rc = stream_bytes(in, r, r->plane, (size_t)(k * ts), b->z0 + z)))
					return rc;
				tomo_convert_to_float(r->plane, r->type, r->swap, to + x, (size_t)k);
			}
			pos = at + len * ts;
		}
		if ((rc = stream_skip(in, r, plane_bytes - pos, b->z0 + z)))
			return rc;
	}
	return TOMO_OK;
}

static const struct tomo_input_ops stream_ops = {stream_read, raw_close};

int
tomo_input_open_array_stream(struct tomo_input *in, int fd, enum tomo_dtype type, int big_endian,
                             unsigned char *pre, size_t pre_len)
{
	struct rawsrc *r = calloc(1, sizeof *r);

	if (!r) {
		free(pre);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	r->fd = fd;
	r->pre = pre;
	r->pre_len = pre_len;
	set_layout(in, r, type, big_endian);
	in->impl = r;
	in->ops = &stream_ops;
	in->sequential = 1;
	return TOMO_OK;
}

int
tomo_input_open_raw_stream(struct tomo_input *in, int fd, const struct tomo_input_opts *o)
{
	int rc;

	if ((rc = tomo_parse_shape(o->shape, in->hdr.size)))
		return rc;
	if ((rc = tomo_input_open_array_stream(in, fd, TOMO_F32, 0, NULL, 0)))
		return rc;
	in->format = "raw";
	return TOMO_OK;
}
