/*
 * output_file: the file under a file back-end (output_raw.c, output_hdf5.c,
 * output_tiff.c) and under the image writers: a temporary file beside the
 * name, registered so that fatal signals remove it, renamed into place by
 * the back-end's commit; stdout or a device written in place; and for a
 * part of an output (tomo_output_open_region), the one file all parts
 * share, created whole once and reused. Directory stores do not use it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int
tomo_output_temp_create(const char *path, char **tmp, int *fd)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
	mode_t mask;

	if (asprintf(tmp, "%.*s.%s.tmp-XXXXXX", (int)dirlen, path, path + dirlen) < 0) {
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
		int rc = tomo_error_sys(TOMO_ERR, errno, "cannot rename '%s' to '%s'", tmp, path);
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

int
tomo_output_file_open(struct tomo_output *o)
{
	struct stat st;

	switch (o->target) {
	case TOMO_TARGET_STDOUT:
		o->fd = 1;
		o->sequential = 1;
		tomo_pipe_enlarge(1);
		return TOMO_OK;
	case TOMO_TARGET_DEVICE:
		/* A device or FIFO: write into it directly, in order. */
		o->fd = open(o->path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0)
			return tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", o->path);
		o->sequential = 1;
		return TOMO_OK;
	case TOMO_TARGET_FILE: break;
	}
	if (stat(o->path, &st) == 0 && S_ISDIR(st.st_mode))
		return tomo_error(TOMO_ERR, "'%s' is a directory", o->path);
	return tomo_output_temp_create(o->path, &o->tmp, &o->fd);
}

int
tomo_output_file_commit(struct tomo_output *o)
{
	int rc = TOMO_OK;

	if (o->fd > 2 && close(o->fd))
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot close '%s'", tomo_output_name(o));
	o->fd = -1;
	if (o->tmp) {
		if (rc == TOMO_OK)
			rc = tomo_output_temp_commit(o->tmp, o->path);
		else
			tomo_output_temp_discard(o->tmp);
		o->tmp = NULL;
	}
	return rc;
}

void
tomo_output_file_abort(struct tomo_output *o)
{
	if (o->fd > 2)
		close(o->fd);
	o->fd = -1;
	tomo_output_temp_discard(o->tmp);
	o->tmp = NULL;
}

/* Text for a message: up to 60 bytes of the line at p (up to end) from
 * the first difference at diff, or from the line's start when that is
 * near, with bytes that are not printable as '?'. */
static void
quote_line(const char *p, const char *diff, const char *end, char out[72])
{
	size_t n = 0;

	if (diff - p > 40) {
		p = diff - 20;
		memcpy(out, "...", 3);
		n = 3;
	}
	for (; p < end && *p != '\n' && n < 63; p++)
		out[n++] = *p >= 32 && *p < 127 ? *p : '?';
	while (n > 3 && out[n - 1] == ' ')
		n--;
	out[n] = 0;
}

int
tomo_output_header_differs(const struct tomo_output *o, const char *want, size_t wlen,
                           const char *have, size_t hlen)
{
	size_t i = 0, line = 0, n = wlen < hlen ? wlen : hlen;
	char a[72], b[72];

	for (; i < n && want[i] == have[i]; i++)
		if (want[i] == '\n')
			line = i + 1;
	quote_line(want + line, want + i, want + wlen, a);
	quote_line(have + line, have + i, have + hlen, b);
	return tomo_error(TOMO_ERR,
	                  "'%s' exists with another header: '%s' where this output has '%s' "
	                  "(remove it to start anew)",
	                  o->path, b, a);
}

/* Make the whole file under a temporary name and link it into place, unless
 * another process did first (*made 0). */
static int
make_shared(struct tomo_output *o, const struct tomo_output_skeleton *s, int64_t *data_offset,
            int *made)
{
	char *tmp;
	int fd, rc;

	if ((rc = tomo_output_temp_create(o->path, &tmp, &fd)))
		return rc;
	rc = s->make(o, s->ctx, fd, tmp, data_offset);
	if (close(fd) && rc == TOMO_OK)
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot close '%s'", tmp);
	if (rc) {
		tomo_output_temp_discard(tmp);
		return rc;
	}
	/* link(2) fails when the name exists: processes that start together
	 * make one file each and all but one throw theirs away, and none sees
	 * a file half made. Without hard links, a rename that refuses to
	 * replace does the same. */
	if (link(tmp, o->path) == 0 ||
	    ((errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS) &&
	     renameat2(AT_FDCWD, tmp, AT_FDCWD, o->path, RENAME_NOREPLACE) == 0)) {
		*made = 1;
		tomo_output_temp_discard(tmp);
		return TOMO_OK;
	}
	rc = errno == EEXIST ? TOMO_OK
	                     : tomo_error_sys(TOMO_ERR, errno, "cannot create '%s'", o->path);
	tomo_output_temp_discard(tmp);
	return rc;
}

int
tomo_output_file_shared(struct tomo_output *o, const struct tomo_output_skeleton *s,
                        int64_t *data_offset)
{
	struct stat st;
	int made = 0, rc;

	if (stat(o->path, &st) != 0) {
		if (errno != ENOENT)
			return tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", o->path);
		if ((rc = make_shared(o, s, data_offset, &made)))
			return rc;
	} else if (S_ISDIR(st.st_mode)) {
		return tomo_error(TOMO_ERR, "'%s' is a directory", o->path);
	}
	o->fd = open(o->path, O_RDWR | O_CLOEXEC);
	if (o->fd < 0)
		return tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", o->path);
	if (!made && (rc = s->check(o, s->ctx, o->fd, data_offset))) {
		close(o->fd);
		o->fd = -1;
		return rc;
	}
	return TOMO_OK;
}
