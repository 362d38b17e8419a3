/*
 * input_nrrd: NRRD files (attached header, or a detached .nhdr naming its
 * data file with line and byte skips) and NRRD streams on a pipe. This
 * file reads and parses the header; the samples, raw-encoded, are read by
 * the raw reader (input_raw.c: mapped and pread from a file, forward from
 * a pipe). Compressed encodings are refused by the parser (nrrd.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/nrrd.h"

/* Read the attached header of fd into a malloc'd buffer, up to and
 * including the blank line. Bytes read past it go to *rest. */
static int
read_header(int fd, const char *name, char **text, size_t *len, unsigned char **rest,
            size_t *rest_len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return tomo_error(TOMO_ERR, "out of memory");
	for (;;) {
		/* Look for the blank line in what we have. */
		for (size_t i = n > 0 ? 1 : 0; i < n; i++) {
			size_t end = 0;
			if (buf[i] == '\n' && buf[i - 1] == '\n')
				end = i + 1;
			else if (buf[i] == '\n' && i >= 3 && buf[i - 1] == '\r' && buf[i - 2] == '\n')
				end = i + 1;
			if (end) {
				*rest_len = n - end;
				*rest = malloc(*rest_len ? *rest_len : 1);
				if (!*rest) {
					free(buf);
					return tomo_error(TOMO_ERR, "out of memory");
				}
				memcpy(*rest, buf + end, *rest_len);
				*text = buf;
				*len = end;
				return TOMO_OK;
			}
		}
		if (n == cap) {
			if (cap >= TOMO_NRRD_HEADER_MAX) {
				free(buf);
				return tomo_error(TOMO_ERR,
				                  "%s: no end of NRRD header in the first "
				                  "%d MiB",
				                  name, TOMO_NRRD_HEADER_MAX >> 20);
			}
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return tomo_error(TOMO_ERR, "out of memory");
			}
			buf = p;
			cap *= 2;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(buf);
			return tomo_error_sys(TOMO_ERR, e, "cannot read %s", name);
		}
		if (got == 0) {
			int empty = n == 0;
			int nrrd = n >= 4 && !memcmp(buf, "NRRD", 4);
			free(buf);
			if (empty)
				return tomo_error(TOMO_ERR, "%s is empty", name);
			if (!nrrd)
				return tomo_error(TOMO_ERR,
				                  "%s is not a NRRD stream "
				                  "(no NRRD magic)",
				                  name);
			return tomo_error(TOMO_ERR,
			                  "%s: NRRD header ends before its blank line "
			                  "(truncated?)",
			                  name);
		}
		/* Fail early on garbage: a NRRD stream starts with its magic. */
		if (n < 4 && n + (size_t)got >= 4 && memcmp(buf, "NRRD", 4)) {
			free(buf);
			return tomo_error(TOMO_ERR,
			                  "%s is not a NRRD stream "
			                  "(no NRRD magic)",
			                  name);
		}
		n += (size_t)got;
	}
}

/* Offset of the data in a detached data file after line_skip lines. */
static int
skip_lines(int fd, const char *path, int64_t lines, int64_t *offset)
{
	unsigned char buf[65536];
	int64_t pos = 0;

	while (lines > 0) {
		ssize_t n = pread(fd, buf, sizeof buf, pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return tomo_error(TOMO_ERR, "'%s' ends before its line skip", path);
		for (ssize_t i = 0; i < n && lines > 0; i++)
			if (buf[i] == '\n') {
				lines--;
				*offset = pos + i + 1;
			}
		pos += n;
	}
	return TOMO_OK;
}

/* The header text of the file fd: attached (up to its blank line), else
 * the whole file (a detached .nhdr). */
static int
file_header(int fd, const char *path, char **text, size_t *len)
{
	unsigned char *rest = NULL;
	size_t rest_len;
	char name[4200];
	struct stat st;
	int rc;

	snprintf(name, sizeof name, "'%s'", path);
	rc = read_header(fd, name, text, len, &rest, &rest_len);
	free(rest);
	if (rc != TOMO_ERR || !strstr(tomo_errmsg(), "before its blank line"))
		return rc;
	/* A detached .nhdr: the whole file is the header. */
	if (fstat(fd, &st) || st.st_size > TOMO_NRRD_HEADER_MAX)
		return tomo_error(TOMO_ERR, "'%s': NRRD header is too long", path);
	*text = malloc((size_t)st.st_size + 1);
	*len = *text ? (size_t)pread(fd, *text, (size_t)st.st_size, 0) : 0;
	if (*text && *len == (size_t)st.st_size)
		return TOMO_OK;
	free(*text);
	*text = NULL;
	return tomo_error(TOMO_ERR, "cannot read '%s'", path);
}

/* Where the samples of n are: the file (malloc'd: path, or its detached
 * data file relative to the header's directory) and the offset in it. */
static int
data_place(const char *path, const struct tomo_nrrd *n, int64_t header_len, char **data_path,
           int64_t *offset)
{
	int64_t count, bytes;
	struct stat st;
	int fd, rc = TOMO_OK;

	*offset = header_len;
	if (!n->data_file) {
		*data_path = strdup(path);
	} else {
		char *dir = strdup(path);
		if (!dir || asprintf(data_path, "%s/%s", n->data_file[0] == '/' ? "" : dirname(dir),
		                     n->data_file) < 0)
			*data_path = NULL;
		free(dir);
		*offset = 0;
	}
	if (!*data_path)
		return tomo_error(TOMO_ERR, "out of memory");
	if (!n->data_file && n->byte_skip != -1) {
		*offset += n->byte_skip;
		return TOMO_OK;
	}
	fd = open(*data_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tomo_error_sys(TOMO_ERR, errno, "'%s': cannot open its data file '%s'", path,
		                      *data_path);
	if (n->data_file && n->line_skip)
		rc = skip_lines(fd, *data_path, n->line_skip, offset);
	if (rc == TOMO_OK && n->byte_skip == -1) {
		tomo_header_count(&n->hdr, &count);
		bytes = count * (int64_t)tomo_dtype_size(n->type);
		if (fstat(fd, &st) || st.st_size < bytes)
			rc = tomo_error(TOMO_ERR, "'%s' is too short for its sizes", *data_path);
		else
			*offset = st.st_size - bytes;
	} else if (rc == TOMO_OK) {
		*offset += n->byte_skip;
	}
	close(fd);
	return rc;
}

int
tomo_input_open_nrrd(struct tomo_input *in, const char *path, const char *dataset,
                     const struct tomo_input_opts *o)
{
	struct tomo_nrrd n;
	char *text = NULL, *data_path = NULL;
	size_t len;
	int64_t offset;
	int rc, fd;

	(void)dataset;
	(void)o;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", path);
	rc = file_header(fd, path, &text, &len);
	close(fd);
	if (rc)
		return rc;
	rc = tomo_nrrd_parse(text, len, &n);
	free(text);
	if (rc) {
		tomo_error_context("'%s'", path);
		return rc;
	}
	in->hdr = n.hdr;
	tomo_header_init(&n.hdr);
	/* n.hdr's sizes stay: data_place counts the samples. */
	memcpy(n.hdr.size, in->hdr.size, sizeof n.hdr.size);
	rc = data_place(path, &n, (int64_t)len, &data_path, &offset);
	if (rc == TOMO_OK)
		rc = tomo_input_open_array(in, data_path, n.type, n.big_endian, offset);
	free(data_path);
	tomo_nrrd_free(&n);
	if (rc)
		return rc;
	in->format = "nrrd";
	return TOMO_OK;
}

int
tomo_input_open_nrrd_stream(struct tomo_input *in, int fd, const struct tomo_input_opts *o)
{
	struct tomo_nrrd n;
	unsigned char *pre;
	size_t len, pre_len;
	char *text;
	int rc;

	(void)o;
	if ((rc = read_header(fd, in->name, &text, &len, &pre, &pre_len)))
		return rc;
	rc = tomo_nrrd_parse(text, len, &n);
	free(text);
	if (rc) {
		tomo_error_context("%s", in->name);
		free(pre);
		return rc;
	}
	if (n.data_file || n.line_skip || n.byte_skip) {
		tomo_nrrd_free(&n);
		free(pre);
		return tomo_error(TOMO_ERR,
		                  "%s: a NRRD stream must carry its data after "
		                  "the header (no data file or skips)",
		                  in->name);
	}
	in->hdr = n.hdr;
	tomo_header_init(&n.hdr);
	rc = tomo_input_open_array_stream(in, fd, n.type, n.big_endian, pre, pre_len);
	tomo_nrrd_free(&n);
	if (rc)
		return rc;
	in->format = "nrrd";
	return TOMO_OK;
}
