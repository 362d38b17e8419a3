/*
 * fuzz: the harnesses' shared part (tests/fuzz/fuzz.h): the private
 * directory, and opening and reading an input or a scan as a tool does,
 * checking what the library promises (sizes that count, frames inside
 * their input, errors with a message) and aborting where it breaks one.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "tomo/err.h"

long fuzz_errors, fuzz_successes;

static char dir[4096];
static pid_t owner;

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
remove_dir(void)
{
	/* Not in a child of replay.c: the directory is its parent's. */
	if (dir[0] && getpid() == owner)
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_dir(void)
{
	if (!dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/tomo-fuzz.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(dir)) {
			perror("fuzz: mkdtemp");
			abort();
		}
		owner = getpid();
		atexit(remove_dir);
		/* Spill files of buffered streams go there too. */
		setenv("TMPDIR", dir, 1);
	}
	return dir;
}

const char *
fuzz_path(const char *name)
{
	static char path[8192];

	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
	return path;
}

const char *
fuzz_write(const char *name, const void *data, size_t n)
{
	const char *path = fuzz_path(name);
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (n && write(fd, data, n) != (ssize_t)n) || close(fd)) {
		perror("fuzz: write");
		abort();
	}
	return path;
}

static void
failed(const char *what)
{
	fprintf(stderr, "fuzz: %s\n", what);
	abort();
}

/* A call's outcome: failures must say why. */
static int
outcome(int rc, const char *call)
{
	if (rc == TOMO_OK) {
		fuzz_successes++;
		return rc;
	}
	fuzz_errors++;
	if (!*tomo_errmsg())
		failed("a call failed without a message");
	return rc;
}

static void
check_header(const struct tomo_header *h)
{
	int64_t count;
	volatile size_t sink = 0;

	for (int i = 0; i < 3; i++)
		if (h->size[i] < 1)
			failed("an opened input has a size below 1");
	if (tomo_header_count(h, &count))
		failed("an opened input's sizes overflow");
	if (h->nangles < 0 || (h->nangles > 0 && !h->angles))
		failed("an opened input's angle list is broken");
	for (int64_t i = 0; i < h->nangles; i++)
		sink += h->angles[i] > 0;
	for (int i = 0; i < h->nkv; i++)
		sink += strlen(h->kv[i].key) + strlen(h->kv[i].value);
	(void)sink;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Read box b (converted, and unconverted where the reader can). */
static void
read_box(struct tomo_input *in, struct tomo_box b)
{
	const int64_t n = b.nx * b.ny * b.nz;
	float *f = NULL;

	if (n > FUZZ_MAX_SAMPLES || !(f = malloc((size_t)(n ? n : 1) * sizeof *f)))
		failed("a box larger than the harness reads");
	if (outcome(tomo_input_read(in, &b, f), "tomo_input_read") == TOMO_OK) {
		volatile float s = 0;
		for (int64_t i = 0; i < n; i++)
			s += f[i];
		(void)s;
	}
	free(f);
	if (tomo_input_has_native(in) && !tomo_input_sequential(in)) {
		size_t ts = tomo_dtype_size(tomo_input_dtype(in));
		void *p = malloc((size_t)(n ? n : 1) * (ts ? ts : 8));
		if (!p)
			failed("out of memory");
		outcome(tomo_input_read_native(in, &b, p), "tomo_input_read_native");
		free(p);
	}
}

/* The boxes a tool would read, in increasing z: the first plane (whole
 * when small), a box in the middle, the last corner. */
static void
read_boxes(struct tomo_input *in)
{
	const int64_t *s = tomo_input_header(in)->size;
	const int64_t X = s[0], Y = s[1], Z = s[2];
	struct tomo_box box[3];
	int64_t next = 0;

	if (X * Y <= ((int64_t)1 << 20))
		box[0] = (struct tomo_box){0, X, 0, Y, 0, 1};
	else
		box[0] = (struct tomo_box){0, min64(X, 256), 0, min64(Y, 256), 0, 1};
	box[1].nx = min64(X, 64);
	box[1].x0 = (X - box[1].nx) / 2;
	box[1].y0 = Y / 3;
	box[1].ny = min64(Y - box[1].y0, 16);
	box[1].z0 = Z / 2;
	box[1].nz = min64(Z - box[1].z0, 3);
	box[2] = (struct tomo_box){X - min64(X, 7), min64(X, 7), Y - min64(Y, 5), min64(Y, 5),
	                           Z - 1, 1};
	for (int i = 0; i < 3; i++) {
		if (tomo_input_sequential(in) && box[i].z0 < next)
			continue;
		read_box(in, box[i]);
		next = box[i].z0 + box[i].nz;
	}
	/* Outside the sizes: an error, never a read. */
	struct tomo_box out = {X, 1, 0, 1, Z - 1, 1};
	float f;
	if (!tomo_input_sequential(in) && tomo_input_read(in, &out, &f) == TOMO_OK)
		failed("a box outside the sizes was read");
}

static void
look(struct tomo_input *in)
{
	const struct tomo_input_scan *sc = tomo_input_scan_info(in);
	struct tomo_box region;
	int64_t whole[3];

	check_header(tomo_input_header(in));
	if (!tomo_input_name(in) || !tomo_input_format(in))
		failed("an input without a name or format");
	tomo_input_region(in, &region, whole);
	if (sc && (sc->projections < 0 || sc->flats < 0 || sc->darks < 0 || !sc->layout ||
	           !sc->dataset))
		failed("scan counts out of range");
	if (tomo_input_refuse_raw_scan(in, "tomo-fbp"))
		fuzz_errors++;
}

void
fuzz_input(const char *path, const struct tomo_input_opts *o)
{
	struct tomo_input *in;

	if (outcome(tomo_input_open(path, o, &in), "tomo_input_open"))
		return;
	look(in);
	read_boxes(in);
	tomo_input_close(in);
	fuzz_hdf5_none_open();
}

void
fuzz_input_stdin(const char *path, const char *shape)
{
	const struct tomo_input_opts o = {.shape = shape};
	struct tomo_input *in;
	int saved = dup(0), fd = open(path, O_RDONLY | O_CLOEXEC);
	int64_t count;

	if (saved < 0 || fd < 0 || dup2(fd, 0) < 0)
		failed("cannot put the input on stdin");
	close(fd);
	if (outcome(tomo_input_open("-", &o, &in), "tomo_input_open") == TOMO_OK) {
		look(in);
		/* A small stream is buffered as tomo-fbp would (in memory up to
		 * 64 KiB, else spilled to a file); a large one read forward. */
		tomo_header_count(tomo_input_header(in), &count);
		if (count <= ((int64_t)1 << 20) &&
		    outcome(tomo_input_buffer(in, 1 << 16), "tomo_input_buffer"))
			count = -1;
		if (count >= 0)
			read_boxes(in);
		tomo_input_close(in);
	}
	dup2(saved, 0);
	close(saved);
}

static void
check_frames(const struct tomo_frames *f, const char *what)
{
	int64_t Z;

	if (!f->in || f->n < 0 || (f->n > 0 && !f->frame) || !f->name)
		failed(what);
	Z = tomo_input_header(f->in)->size[2];
	for (int64_t i = 0; i < f->n; i++)
		if (f->frame[i] < 0 || f->frame[i] >= Z || (i && f->frame[i] <= f->frame[i - 1]))
			failed(what);
	if (f->n > 0) {
		const int64_t *s = tomo_input_header(f->in)->size;
		struct tomo_box b = {0, min64(s[0], 512), 0, min64(s[1], 512), f->frame[0], 1};
		if (!tomo_input_sequential(f->in))
			read_box(f->in, b);
	}
}

void
fuzz_scan(const char *path, const struct tomo_scan_opts *o)
{
	struct tomo_scan_input *s;
	volatile double sink = 0;

	if (outcome(tomo_scan_open(path, o, &s), "tomo_scan_open") == TOMO_OK) {
		check_header(&s->hdr);
		if (s->proj.n < 1 || !s->pos)
			failed("a scan without projections");
		check_frames(&s->proj, "projection frames out of range");
		for (int64_t i = 0; i < s->proj.n; i++)
			sink += s->pos[i] + (s->angles ? s->angles[i] : 0);
		if ((!o || !o->describe) && s->nflats < 1)
			failed("a scan without flats");
		for (int i = 0; i < s->nflats; i++)
			check_frames(&s->flats[i], "flat frames out of range");
		for (int i = 0; i < s->ndarks; i++)
			check_frames(&s->darks[i], "dark frames out of range");
		for (int i = 0; i < s->nnotes; i++)
			sink += (double)strlen(s->notes[i]);
		for (int i = 0; i < s->ninfo; i++)
			sink += (double)strlen(s->info[i]);
		sink += (double)strlen(s->where ? s->where : "");
		tomo_scan_close(s);
	}
	(void)sink;
	fuzz_hdf5_none_open();
}

void
fuzz_hdf5_none_open(void)
{
	ssize_t n = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);

	if (n != 0) {
		fprintf(stderr, "fuzz: %zd HDF5 objects left open\n", n);
		abort();
	}
}

unsigned
fuzz_u8(struct fuzz_bytes *b)
{
	if (!b->n)
		return 0;
	b->n--;
	return *b->p++;
}

unsigned
fuzz_u16(struct fuzz_bytes *b)
{
	unsigned v = fuzz_u8(b);
	return v | fuzz_u8(b) << 8;
}

uint32_t
fuzz_u32(struct fuzz_bytes *b)
{
	uint32_t v = fuzz_u16(b);
	return v | (uint32_t)fuzz_u16(b) << 16;
}

int64_t
fuzz_range(struct fuzz_bytes *b, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1, v = fuzz_u32(b);

	if (span > 0xffffffffu)
		v = v << 32 | fuzz_u32(b);
	return lo + (int64_t)(span ? v % span : v);
}
