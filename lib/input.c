/*
 * input: open any supported input by name and read float32 boxes from it.
 * This file chooses the format (through the table of lib/format.c) and
 * checks every request; the back-ends (input_nrrd.c, input_raw.c,
 * input_npy.c, input_tiff.c, input_hdf5.c) only move samples. It also
 * turns a pipe into a random-access input on demand (tomo_input_buffer)
 * and says which part of a whole an input holds (tomo_input_region).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "io_impl.h"
#include "tomo/err.h"

static int
regular_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
tomo_input_split_hdf5(const char *path, char **file, const char **dataset)
{
	for (const char *p = strstr(path, ":/"); p; p = strstr(p + 1, ":/")) {
		char *f = strndup(path, (size_t)(p - path));
		if (!f)
			return -1;
		if (regular_file(f)) {
			*file = f;
			*dataset = p + 1;
			return 1;
		}
		free(f);
	}
	return 0;
}

int
tomo_path_is_hdf5(const char *path)
{
	const struct tomo_format *f;

	if (!regular_file(path))
		return 0;
	/* The magic bytes win over the name. */
	if (!(f = tomo_format_sniff(path)))
		f = tomo_format_by_ext(path);
	return f && !strcmp(f->name, "hdf5");
}

/* The format that reads "file:/object" names. */
static const struct tomo_format *
dataset_format(void)
{
	return tomo_format_with(TOMO_FMT_DATASET);
}

static int
open_by_name(struct tomo_input *in, const char *path, const struct tomo_input_opts *o)
{
	const char *dataset = o && o->dataset ? o->dataset : NULL;
	const struct tomo_format *f;
	char *file = NULL;
	struct stat st;
	int rc;

	if (!regular_file(path)) {
		int s = tomo_input_split_hdf5(path, &file, &dataset);
		if (s < 0)
			return tomo_error(TOMO_ERR, "out of memory");
		if (s > 0) {
			rc = dataset_format()->open_input(in, file, dataset, o);
			free(file);
			return rc;
		}
	}
	if (stat(path, &st) != 0) {
		int e = errno;
		const char *sep = strstr(path, ":/");
		if (e == ENOENT && strpbrk(path, "*?["))
			return tomo_format_with(TOMO_FMT_STACK)->open_input(in, path, NULL, o);
		/* "scan.h5:/data" without scan.h5: the reader names the file. */
		if (e == ENOENT && sep) {
			if (!(file = strndup(path, (size_t)(sep - path))))
				return tomo_error(TOMO_ERR, "out of memory");
			f = tomo_format_by_ext(file);
			rc = f && (f->flags & TOMO_FMT_DATASET) ? f->open_input(in, file, sep + 1, o)
			                                       : -1;
			free(file);
			if (rc >= 0)
				return rc;
		}
		return tomo_error_sys(TOMO_ERR, e, "cannot open '%s'", path);
	}
	if (S_ISDIR(st.st_mode))
		return tomo_format_with(TOMO_FMT_STACK)->open_input(in, path, NULL, o);
	if ((f = tomo_format_by_ext(path)) && f->open_input)
		return f->open_input(in, path, dataset, o);
	if (o && o->shape)
		return tomo_format_with(TOMO_FMT_HEADERLESS)->open_input(in, path, NULL, o);
	if ((f = tomo_format_sniff(path)) && f->open_input)
		return f->open_input(in, path, dataset, o);
	char formats[256];
	tomo_format_list(formats, sizeof formats, TOMO_FORMATS_READ, TOMO_FORMAT_LABEL, " or ");
	return tomo_error(TOMO_ERR, "cannot tell the format of '%s' (expected %s)", path,
	                  formats);
}

int
tomo_input_open_stream(struct tomo_input *in, int fd, const char *shape)
{
	const struct tomo_input_opts o = {.shape = shape};
	const struct tomo_format *f =
	        tomo_format_with(shape ? TOMO_FMT_HEADERLESS : TOMO_FMT_DEFAULT);

	return f->open_stream(in, fd, &o);
}

/* Where the input lies in a whole: its tomo_region key, else all of it. */
static int
read_region(struct tomo_input *in)
{
	const int64_t *s = in->hdr.size;
	const char *v = tomo_header_get_kv(&in->hdr, TOMO_REGION_KEY);
	long long x0, y0, z0, nx, ny, nz;
	int end = -1;

	in->region = (struct tomo_box){0, s[0], 0, s[1], 0, s[2]};
	memcpy(in->whole, s, sizeof in->whole);
	if (!v)
		return TOMO_OK;
	if (sscanf(v, "%lld %lld %lld %lld %lld %lld %n", &x0, &y0, &z0, &nx, &ny, &nz, &end) != 6 ||
	    end < 0 || v[end] || x0 < 0 || y0 < 0 || z0 < 0 || x0 > nx - s[0] ||
	    y0 > ny - s[1] || z0 > nz - s[2])
		return tomo_error(TOMO_ERR,
		                  "%s: %s '%s' is not X0 Y0 Z0 NX NY NZ placing its %lld x %lld x "
		                  "%lld samples inside a whole of NX x NY x NZ",
		                  in->name, TOMO_REGION_KEY, v, (long long)s[0], (long long)s[1],
		                  (long long)s[2]);
	in->region = (struct tomo_box){x0, s[0], y0, s[1], z0, s[2]};
	in->whole[0] = nx;
	in->whole[1] = ny;
	in->whole[2] = nz;
	return TOMO_OK;
}

void
tomo_input_region(const struct tomo_input *in, struct tomo_box *box, int64_t whole[3])
{
	*box = in->region;
	memcpy(whole, in->whole, sizeof in->whole);
}

int
tomo_input_open(const char *path, const struct tomo_input_opts *o,
                struct tomo_input **out)
{
	struct tomo_input *in = calloc(1, sizeof *in);
	int stdin_ = !path || !strcmp(path, "-");
	int rc;

	if (!in)
		return tomo_error(TOMO_ERR, "out of memory");
	tomo_header_init(&in->hdr);
	in->chunk_cache = o ? o->chunk_cache : 0;
	in->name = strdup(stdin_ ? "<stdin>" : path);
	if (!in->name) {
		free(in);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	if (stdin_) {
		tomo_pipe_enlarge(0);
		rc = tomo_input_open_stream(in, 0, o ? o->shape : NULL);
	} else {
		rc = open_by_name(in, path, o);
	}
	if (rc == TOMO_OK && (rc = read_region(in))) {
		tomo_input_close(in);
		return rc;
	}
	if (rc) {
		free(in->name);
		tomo_header_free(&in->hdr);
		free(in);
		return rc;
	}
	*out = in;
	return TOMO_OK;
}

void
tomo_input_close(struct tomo_input *in)
{
	if (!in)
		return;
	if (in->ops && in->ops->close)
		in->ops->close(in);
	tomo_header_free(&in->hdr);
	free(in->scan_dataset);
	free(in->name);
	free(in);
}

const struct tomo_header *
tomo_input_header(const struct tomo_input *in)
{
	return &in->hdr;
}

const char *
tomo_input_name(const struct tomo_input *in)
{
	return in->name;
}

const char *
tomo_input_format(const struct tomo_input *in)
{
	return in->format;
}

enum tomo_dtype
tomo_input_dtype(const struct tomo_input *in)
{
	return in->dtype;
}

const struct tomo_input_scan *
tomo_input_scan_info(const struct tomo_input *in)
{
	return in->scan.layout ? &in->scan : NULL;
}

/* name as a shell word: as it is when it has nothing special, else in
 * single quotes. malloc'd; NULL when out of memory. */
static char *
shell_word(const char *name)
{
	size_t n = strlen(name), q = 0;
	char *w, *p;

	if (*name && strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                          "0123456789_./:+-=@,%") == n)
		return strdup(name);
	for (const char *c = name; *c; c++)
		q += *c == '\'';
	if (!(w = p = malloc(n + 3 * q + 3)))
		return NULL;
	*p++ = '\'';
	for (const char *c = name; *c; c++) {
		if (*c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *c;
		}
	}
	*p++ = '\'';
	*p = 0;
	return w;
}

int
tomo_input_refuse_raw_scan(const struct tomo_input *in, const char *tool)
{
	const struct tomo_input_scan *sc = tomo_input_scan_info(in);
	char *word;
	int rc;

	if (!sc || !sc->raw)
		return TOMO_OK;
	if (!(word = shell_word(in->name)))
		return tomo_error(TOMO_ERR, "out of memory");
	rc = tomo_error(TOMO_ERR,
	                "%s is a raw scan (detector counts with %s); run tomo-flat first: "
	                "tomo-flat %s | %s ...",
	                in->name,
	                sc->flats && sc->darks ? "flat and dark fields"
	                : sc->flats            ? "flat fields"
	                                       : "dark fields",
	                word, tool);
	free(word);
	return rc;
}

int
tomo_input_sequential(const struct tomo_input *in)
{
	return in->sequential;
}

const float *
tomo_input_mapped(const struct tomo_input *in)
{
	return in->mapped;
}

/* The checks every read makes: inside the sizes, and forward on a stream.
 * *empty is set when the box holds no sample (nothing to read). */
static int
check_box(const struct tomo_input *in, const struct tomo_box *b, int *empty)
{
	const int64_t *s = in->hdr.size;

	*empty = 0;
	if (b->nx < 0 || b->ny < 0 || b->nz < 0 || b->x0 < 0 || b->y0 < 0 ||
	    b->z0 < 0 || b->x0 + b->nx > s[0] || b->y0 + b->ny > s[1] ||
	    b->z0 + b->nz > s[2])
		return tomo_error(TOMO_ERR,
		                  "%s: box x %lld+%lld y %lld+%lld z %lld+%lld is "
		                  "outside sizes %lld x %lld x %lld", in->name,
		                  (long long)b->x0, (long long)b->nx,
		                  (long long)b->y0, (long long)b->ny,
		                  (long long)b->z0, (long long)b->nz, (long long)s[0],
		                  (long long)s[1], (long long)s[2]);
	if (!b->nx || !b->ny || !b->nz) {
		*empty = 1;
		return TOMO_OK;
	}
	if (in->sequential && b->z0 < in->next_z)
		return tomo_error(TOMO_ERR,
		                  "%s: plane %lld was requested after plane %lld of "
		                  "a stream that can only be read forward", in->name,
		                  (long long)b->z0, (long long)in->next_z - 1);
	return TOMO_OK;
}

int
tomo_input_read(struct tomo_input *in, const struct tomo_box *b, float *dst)
{
	int rc, empty;

	if ((rc = check_box(in, b, &empty)) || empty)
		return rc;
	rc = in->ops->read(in, b, dst);
	if (rc == TOMO_OK && in->sequential)
		in->next_z = b->z0 + b->nz;
	return rc;
}

int
tomo_input_has_native(const struct tomo_input *in)
{
	return in->read_native != NULL;
}

int
tomo_input_read_native(struct tomo_input *in, const struct tomo_box *b, void *dst)
{
	int rc, empty;

	if (!in->read_native)
		return tomo_error(TOMO_ERR, "%s: the %s reader cannot read samples "
		                  "unconverted", in->name, in->format);
	if ((rc = check_box(in, b, &empty)) || empty)
		return rc;
	rc = in->read_native(in, b, dst);
	if (rc == TOMO_OK && in->sequential)
		in->next_z = b->z0 + b->nz;
	return rc;
}

int
tomo_input_read_planes(struct tomo_input *in, int64_t z0, int64_t nz, float *dst)
{
	struct tomo_box b = {0, in->hdr.size[0], 0, in->hdr.size[1], z0, nz};
	return tomo_input_read(in, &b, dst);
}

/*
 * Scratch space: malloc'd when it fits the budget, else a shared mapping of
 * an unlinked temporary file, so that data larger than memory still has a
 * random-access home (tomo_input_buffer, tomo-slice's stacks).
 */
static int
spill_file(size_t bytes, int *fd_out)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof path, "%s/tomo-buffer.XXXXXX",
	         dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return tomo_error_sys(TOMO_ERR, errno,
		                      "cannot create a temporary file in '%s'",
		                      dir && *dir ? dir : "/tmp");
	unlink(path);
	/* Reserve the blocks now so a full disk fails here, not on a page fault. */
	int e = posix_fallocate(fd, 0, (off_t)bytes);
	if (e && e != EOPNOTSUPP && e != EINVAL) {
		close(fd);
		return tomo_error_sys(TOMO_ERR, e,
		                      "cannot reserve %zu bytes in a temporary file "
		                      "in '%s'", bytes, dir && *dir ? dir : "/tmp");
	}
	if (e && ftruncate(fd, (off_t)bytes)) {
		e = errno;
		close(fd);
		return tomo_error_sys(TOMO_ERR, e, "cannot size a temporary file");
	}
	*fd_out = fd;
	return TOMO_OK;
}

int
tomo_scratch_alloc(struct tomo_scratch *s, int64_t n, int64_t memory_bytes)
{
	const size_t bytes = (size_t)n * sizeof(float);
	int fd, rc;

	memset(s, 0, sizeof *s);
	s->bytes = bytes ? bytes : 1;
	if ((int64_t)bytes <= memory_bytes)
		s->data = malloc(s->bytes);
	if (s->data)
		return TOMO_OK;
	if ((rc = spill_file(s->bytes, &fd)))
		return rc;
	s->data = mmap(NULL, s->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s->data == MAP_FAILED) {
		s->data = NULL;
		return tomo_error_sys(TOMO_ERR, errno, "cannot map a temporary file");
	}
	s->mapped = 1;
	return TOMO_OK;
}

void
tomo_scratch_release(const struct tomo_scratch *s, const float *p, size_t n)
{
	if (s->mapped)
		tomo_release_pages(p, n * sizeof *p);
}

void
tomo_scratch_free(struct tomo_scratch *s)
{
	if (s->mapped)
		munmap(s->data, s->bytes);
	else
		free(s->data);
	s->data = NULL;
}

/*
 * Buffered input: what tomo_input_buffer turns a stream into. The planes
 * live in scratch space; planes read before buffering are gone (reads of
 * them fail).
 */
struct membuf {
	struct tomo_scratch s;
	int64_t first_z; /* plane s.data[0] holds */
};

static int
membuf_read(struct tomo_input *in, const struct tomo_box *b, float *dst)
{
	struct membuf *m = in->impl;
	const int64_t X = in->hdr.size[0], Y = in->hdr.size[1];

	if (b->z0 < m->first_z)
		return tomo_error(TOMO_ERR,
		                  "%s: plane %lld was consumed before buffering",
		                  in->name, (long long)b->z0);
	for (int64_t z = 0; z < b->nz; z++) {
		const float *plane = m->s.data + (b->z0 - m->first_z + z) * X * Y;
		for (int64_t y = 0; y < b->ny; y++)
			memcpy(dst + (z * b->ny + y) * b->nx, plane + (b->y0 + y) * X + b->x0,
			       (size_t)b->nx * sizeof *dst);
		/* Pages read from a spilled buffer go back to the page cache, so
		 * that slab-by-slab readers stay within their memory budget. */
		if (b->ny)
			tomo_scratch_release(&m->s, plane + b->y0 * X, (size_t)(b->ny * X));
	}
	return TOMO_OK;
}

static void
membuf_free(struct membuf *m)
{
	tomo_scratch_free(&m->s);
	free(m);
}

static void
membuf_close(struct tomo_input *in)
{
	membuf_free(in->impl);
}

static const struct tomo_input_ops membuf_ops = {membuf_read, membuf_close};

int
tomo_input_buffer(struct tomo_input *in, int64_t memory_bytes)
{
	const int64_t X = in->hdr.size[0], Y = in->hdr.size[1];
	const int64_t first = in->next_z, nz = in->hdr.size[2] - first;
	struct membuf *m;
	int rc;

	if (!in->sequential)
		return TOMO_OK;
	m = calloc(1, sizeof *m);
	if (!m)
		return tomo_error(TOMO_ERR, "out of memory");
	m->first_z = first;
	if ((rc = tomo_scratch_alloc(&m->s, nz * X * Y, memory_bytes))) {
		free(m);
		return rc;
	}
	/* Copy in slabs of about 64 MiB (less with a small budget: a spilled
	 * slab stays resident until released) through the stream back-end. */
	int64_t chunk = memory_bytes / 4 < (64 << 20) ? memory_bytes / 4 : (64 << 20);
	int64_t step = chunk / (X * Y * (int64_t)sizeof(float));
	if (step < 1)
		step = 1;
	for (int64_t z = first; z < first + nz; z += step) {
		int64_t n = z + step > first + nz ? first + nz - z : step;
		float *d = m->s.data + (z - first) * X * Y;
		if ((rc = tomo_input_read_planes(in, z, n, d))) {
			membuf_free(m);
			return rc;
		}
		/* written pages go to the file, not our RSS */
		tomo_scratch_release(&m->s, d, (size_t)(n * X * Y));
	}
	in->ops->close(in);
	in->ops = &membuf_ops;
	in->impl = m;
	in->sequential = 0;
	in->mapped = m->first_z == 0 ? m->s.data : NULL;
	return TOMO_OK;
}

int64_t
tomo_slab_planes(int64_t bytes_per_plane, int64_t budget, int64_t total)
{
	int64_t n = bytes_per_plane > 0 ? budget / bytes_per_plane : total;

	if (n > total)
		n = total;
	return n < 1 ? 1 : n;
}
