/*
 * output: create any supported output by name and take planes in. This file
 * owns the temporary-file-and-rename discipline, the plane bookkeeping and
 * the non-finite count; the back-ends (output_raw.c, output_tiff.c,
 * output_hdf5.c) only encode.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_impl.h"
#include "tomo/err.h"

/* Partial files to remove if the process dies: fixed storage, so that a
 * signal handler can walk it without allocating. */
#define MAX_PENDING 16
static char pending[MAX_PENDING][PATH_MAX];

static void
pending_add(const char *path)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (!pending[i][0]) {
			snprintf(pending[i], PATH_MAX, "%s", path);
			return;
		}
}

static void
pending_remove(const char *path)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (!strcmp(pending[i], path))
			pending[i][0] = 0;
}

void
tomo_output_abort_all_files(void)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending[i][0]) {
			unlink(pending[i]);
			pending[i][0] = 0;
		}
}

static int
has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);
	return n > e && !strcasecmp(path + n - e, ext);
}

const char *
tomo_output_name(const struct tomo_output *o)
{
	return o->path ? o->path : "<stdout>";
}

enum format { F_NRRD, F_RAW, F_TIFF, F_HDF5, F_NPY };

/* Split "out.h5:/group/data" into the file name and the dataset. */
static int
classify(const char *spec, char **file, char **dataset, enum format *f)
{
	const char *colon = strstr(spec, ":/");
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);

	*file = strndup(spec, n);
	if (!*file)
		return tomo_error(TOMO_ERR, "out of memory");
	*dataset = strdup(colon ? colon + 1 : "/data");
	if (!*dataset)
		return tomo_error(TOMO_ERR, "out of memory");
	if (has_ext(*file, ".h5") || has_ext(*file, ".hdf5") ||
	    has_ext(*file, ".hdf") || has_ext(*file, ".nxs")) {
		*f = F_HDF5;
		return TOMO_OK;
	}
	if (colon) {
		free(*file);
		*file = strdup(spec);
		if (!*file)
			return tomo_error(TOMO_ERR, "out of memory");
	}
	if (has_ext(*file, ".raw"))
		*f = F_RAW;
	else if (has_ext(*file, ".npy"))
		*f = F_NPY;
	else if (has_ext(*file, ".tif") || has_ext(*file, ".tiff"))
		*f = F_TIFF;
	else if (has_ext(*file, ".nhdr"))
		return tomo_error(TOMO_EUSAGE,
		                  "'%s': detached NRRD headers are not written; "
		                  "use .nrrd", *file);
	else if (has_ext(*file, ".png") || has_ext(*file, ".pgm") ||
	         has_ext(*file, ".jpg"))
		return tomo_error(TOMO_EUSAGE,
		                  "'%s': images are written by tomo-slice; use .nrrd, "
		                  ".raw, .tif, .npy or .h5", *file);
	else
		*f = F_NRRD;
	return TOMO_OK;
}

int
tomo_output_temp_create(const char *path, char **tmp, int *fd)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
	mode_t mask;

	if (asprintf(tmp, "%.*s.%s.tmp-XXXXXX", (int)dirlen, path,
	             path + dirlen) < 0) {
		*tmp = NULL;
		return tomo_error(TOMO_ERR, "out of memory");
	}
	*fd = mkstemp(*tmp);
	if (*fd < 0) {
		int e = errno;
		free(*tmp);
		*tmp = NULL;
		return tomo_error_sys(TOMO_ERR, e, "cannot create '%s'", path);
	}
	pending_add(*tmp);
	/* mkstemp makes 0600; give the file the mode a plain create would. */
	mask = umask(0);
	umask(mask);
	fchmod(*fd, 0666 & ~mask);
	return TOMO_OK;
}

int
tomo_output_temp_commit(char *tmp, const char *path)
{
	if (rename(tmp, path)) {
		/* The message first: discard frees tmp. */
		int rc = tomo_error_sys(TOMO_ERR, errno, "cannot rename '%s' to '%s'",
		                        tmp, path);
		tomo_output_temp_discard(tmp);
		return rc;
	}
	pending_remove(tmp);
	free(tmp);
	return TOMO_OK;
}

void
tomo_output_temp_discard(char *tmp)
{
	if (!tmp)
		return;
	unlink(tmp);
	pending_remove(tmp);
	free(tmp);
}

static int
make_temp(struct tomo_output *o)
{
	return tomo_output_temp_create(o->path, &o->tmp, &o->fd);
}

static void
release(struct tomo_output *o)
{
	if (o->fd > 2)
		close(o->fd);
	tomo_output_temp_discard(o->tmp);
	tomo_header_free(&o->hdr);
	free(o->path);
	free(o->dataset);
	free(o->done);
	free(o);
}

int
tomo_output_open(const char *spec, const struct tomo_header *h,
                 struct tomo_output **out)
{
	struct tomo_output *o = calloc(1, sizeof *o);
	enum format f = F_NRRD;
	int rc;

	if (!o)
		return tomo_error(TOMO_ERR, "out of memory");
	o->fd = -1;
	tomo_header_init(&o->hdr);
	if (tomo_header_copy(&o->hdr, h)) {
		free(o);
		return TOMO_ERR;
	}
	int64_t count;
	if ((rc = tomo_header_count(&o->hdr, &count)))
		goto fail;
	o->done = calloc((size_t)o->hdr.size[2], 1);
	if (!o->done) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto fail;
	}
	if (!spec || !strcmp(spec, "-")) {
		if (isatty(1)) {
			rc = tomo_error(TOMO_EUSAGE,
			                "refusing to write binary data to a terminal "
			                "(use -o FILE or a pipe)");
			goto fail;
		}
		o->fd = 1;
		o->sequential = 1;
		tomo_pipe_enlarge(1);
	} else {
		struct stat st;
		if ((rc = classify(spec, &o->path, &o->dataset, &f)))
			goto fail;
		if (stat(o->path, &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = tomo_error(TOMO_ERR, "'%s' is a directory", o->path);
			goto fail;
		}
		if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
			/* A device or FIFO: write into it directly, in order. */
			o->fd = open(o->path, O_WRONLY | O_CLOEXEC);
			if (o->fd < 0) {
				rc = tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'",
				                    o->path);
				goto fail;
			}
			o->sequential = 1;
		} else if ((rc = make_temp(o))) {
			goto fail;
		}
	}
	switch (f) {
	case F_NRRD: rc = tomo_output_open_nrrd(o, 0); break;
	case F_RAW: rc = tomo_output_open_nrrd(o, 1); break;
	case F_TIFF: rc = tomo_output_open_tiff(o); break;
	case F_HDF5: rc = tomo_output_open_hdf5(o); break;
	case F_NPY: rc = tomo_output_open_npy(o); break;
	}
	if (rc)
		goto fail;
	*out = o;
	return TOMO_OK;
fail:
	release(o);
	return rc;
}

/* Count NaN and Inf by their exponent bits: vectorises, unlike isfinite. */
static int64_t
count_nonfinite(const float *p, size_t n)
{
	int64_t c = 0;

	/* Threads past a few MiB: one core scans ~6 GB/s, and a GPU produces
	 * a 2048^3 volume (34 GB) faster than that (5 s of 10 on an H100). */
#pragma omp parallel for reduction(+ : c) schedule(static) if (n > ((size_t)1 << 20))
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, p + i, 4);
		c += (u & 0x7f800000u) == 0x7f800000u;
	}
	return c;
}

int
tomo_output_write(struct tomo_output *o, int64_t z0, int64_t nz,
                  const float *planes)
{
	const int64_t Z = o->hdr.size[2];
	int rc;

	if (z0 < 0 || nz < 0 || z0 + nz > Z)
		return tomo_error(TOMO_ERR, "%s: planes %lld..%lld are outside 0..%lld",
		                  tomo_output_name(o), (long long)z0,
		                  (long long)(z0 + nz), (long long)Z);
	if (o->sequential && z0 != o->next_z)
		return tomo_error(TOMO_ERR,
		                  "%s: plane %lld written out of order (expected "
		                  "%lld)", tomo_output_name(o), (long long)z0,
		                  (long long)o->next_z);
	if (!nz)
		return TOMO_OK;
	o->nonfinite += count_nonfinite(planes, (size_t)(nz * o->hdr.size[0] *
	                                                 o->hdr.size[1]));
	if ((rc = o->ops->write(o, z0, nz, planes)))
		return rc;
	memset(o->done + z0, 1, (size_t)nz);
	if (z0 + nz > o->next_z)
		o->next_z = z0 + nz;
	return TOMO_OK;
}

int64_t
tomo_output_nonfinite(const struct tomo_output *o)
{
	return o->nonfinite;
}

int
tomo_output_close(struct tomo_output *o)
{
	int rc = TOMO_OK;

	for (int64_t z = 0; z < o->hdr.size[2]; z++)
		if (!o->done[z]) {
			rc = tomo_error(TOMO_ERR, "%s: plane %lld of %lld was never "
			                "written", tomo_output_name(o), (long long)z,
			                (long long)o->hdr.size[2]);
			break;
		}
	if (rc == TOMO_OK)
		rc = o->ops->finish(o);
	else
		o->ops->discard(o);
	if (o->fd > 2) {
		if (close(o->fd) && rc == TOMO_OK)
			rc = tomo_error_sys(TOMO_ERR, errno, "cannot close '%s'",
			                    tomo_output_name(o));
		o->fd = -1;
	}
	if (rc == TOMO_OK && o->tmp) {
		rc = tomo_output_temp_commit(o->tmp, o->path);
		o->tmp = NULL;
	}
	release(o);
	return rc;
}

void
tomo_output_abort(struct tomo_output *o)
{
	if (!o)
		return;
	o->ops->discard(o);
	release(o);
}

int
tomo_write_full(int fd, const void *buf, size_t n, int64_t offset,
                const char *name)
{
	const char *p = buf;

	while (n) {
		size_t chunk = n > ((size_t)1 << 30) ? (size_t)1 << 30 : n;
		ssize_t w = offset < 0 ? write(fd, p, chunk)
		                       : pwrite(fd, p, chunk, (off_t)offset);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return tomo_error_sys(TOMO_ERR, errno, "cannot write '%s'", name);
		if (w == 0)
			return tomo_error(TOMO_ERR, "cannot write '%s': no progress", name);
		p += w;
		n -= (size_t)w;
		if (offset >= 0)
			offset += w;
	}
	return TOMO_OK;
}

int64_t
tomo_read_full(int fd, void *buf, size_t n, int64_t offset)
{
	char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = offset < 0 ? read(fd, p + got, n - got)
		                       : pread(fd, p + got, n - got, (off_t)(offset + (int64_t)got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (int64_t)got;
}

void
tomo_pipe_enlarge(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		fcntl(fd, F_SETPIPE_SZ, 1 << 20); /* may fail past the user limit */
#else
	(void)fd;
#endif
}

/* The extensions of the formats tomo_output_open writes (io.h), and of
 * tomo-slice's images. */
static const char *const stream_exts[] = {".nrrd", ".raw", ".tif", ".tiff", ".h5",
                                          ".hdf5", ".hdf", ".nxs", ".npy", NULL};
static const char *const image_exts[] = {".png", ".pgm", NULL};

static int
has_any_ext(const char *path, const char *const *exts)
{
	for (; *exts; exts++)
		if (has_ext(path, *exts))
			return 1;
	return 0;
}

int
tomo_output_check(const char *spec, unsigned flags)
{
	const int images = flags & TOMO_OUTPUT_IMAGES;
	char *file = NULL, *dataset = NULL, *dir;
	enum format f;
	struct stat st;
	int rc = TOMO_OK;

	if (!spec || !strcmp(spec, "-"))
		return isatty(1) ? tomo_error(TOMO_EUSAGE, "refusing to write binary data to a "
		                                           "terminal (use -o FILE or a pipe)")
		                 : TOMO_OK;
	if (images && has_any_ext(spec, image_exts))
		file = strdup(spec);
	else if ((rc = classify(spec, &file, &dataset, &f)))
		goto out;
	if (!file) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto out;
	}
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = tomo_error(TOMO_ERR, "'%s' is a directory", file);
		goto out;
	}
	if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device or FIFO, written in place whatever its name. */
		if (access(file, W_OK))
			rc = tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", file);
		goto out;
	}
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	const char *dot = strrchr(base, '.');
	if (dot && dot != base && !has_any_ext(base, stream_exts) &&
	    !(images && has_any_ext(base, image_exts))) {
		rc = tomo_error(TOMO_EUSAGE,
		                "'%s': '%s' is not a format tomo writes; use .nrrd (or no "
		                "extension), .raw, .tif, .npy, .h5:/dataset%s",
		                spec, dot, images ? ", .png or .pgm" : "");
		goto out;
	}
	/* The file is written beside its name and renamed into place. */
	dir = strdup(file);
	if (!dir) {
		rc = tomo_error(TOMO_ERR, "out of memory");
		goto out;
	}
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = 0;
	if (access(slash ? dir : ".", W_OK | X_OK))
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot create '%s'", file);
	free(dir);
out:
	free(file);
	free(dataset);
	return rc;
}
