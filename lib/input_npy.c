/*
 * input_npy: NumPy's .npy files (format versions 1.0, 2.0 and 3.0). This
 * file parses the header (a Python dict literal holding descr,
 * fortran_order and shape) and checks it against the file's length; the
 * samples, a C-order array of 1 to 3 dimensions of an integer or float
 * type in either byte order, are read by the raw reader (mapped, pread).
 * Fortran order and other dtypes (objects, strings, complex, records,
 * booleans, half floats) are refused. No .npy on a pipe.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_impl.h"
#include "tomo/err.h"
#include "tomo/nrrd.h"

static const char magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* A cursor over the header's dict literal. */
struct cursor {
	const char *p, *start, *end;
};

static void
skip_space(struct cursor *c)
{
	while (c->p < c->end && isspace((unsigned char)*c->p))
		c->p++;
}

static int
malformed(const struct cursor *c, const char *expected)
{
	return tomo_error(TOMO_ERR, "malformed .npy header at byte %lld: expected %s",
	                  (long long)(c->p - c->start), expected);
}

/* Take ch (after spaces) if it is next. */
static int
take(struct cursor *c, char ch)
{
	skip_space(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

/* A quoted string into out (at most size - 1 bytes, else an error), or
 * skipped when out is NULL. */
static int
string(struct cursor *c, char *out, size_t size)
{
	size_t n = 0;
	char q;

	skip_space(c);
	if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
		return malformed(c, "a quoted string");
	q = *c->p++;
	while (c->p < c->end && *c->p != q) {
		if (*c->p == '\\' && c->p + 1 < c->end)
			c->p++;
		if (out && n + 1 < size)
			out[n] = *c->p;
		n++;
		c->p++;
	}
	if (c->p >= c->end)
		return malformed(c, "the end of a string");
	c->p++;
	if (!out)
		return TOMO_OK;
	out[n < size ? n : size - 1] = 0;
	if (n >= size)
		return tomo_error(TOMO_ERR, "malformed .npy header: the string '%s...' is too long",
		                  out);
	return TOMO_OK;
}

/* A word made of letters, digits, '.', '-', '+' (True, None, 12L, 1e3). */
static size_t
word(struct cursor *c)
{
	const char *w;

	skip_space(c);
	w = c->p;
	while (c->p < c->end &&
	       (isalnum((unsigned char)*c->p) || strchr(".-+_", *c->p)))
		c->p++;
	return (size_t)(c->p - w);
}

/* Any value, skipped: a string, a word, a tuple, list or dict of values. */
static int
skip_value(struct cursor *c, int depth)
{
	char close;

	skip_space(c);
	if (depth > 32)
		return malformed(c, "less nesting");
	if (c->p < c->end && (*c->p == '\'' || *c->p == '"'))
		return string(c, NULL, 0);
	if (c->p >= c->end || !strchr("([{", *c->p))
		return word(c) ? TOMO_OK : malformed(c, "a value");
	close = *c->p == '(' ? ')' : *c->p == '[' ? ']' : '}';
	c->p++;
	while (!take(c, close)) {
		if (skip_value(c, depth + 1))
			return TOMO_ERR;
		if (take(c, ':') && skip_value(c, depth + 1))
			return TOMO_ERR;
		if (!take(c, ',') && !(skip_space(c), c->p < c->end && *c->p == close))
			return malformed(c, "',' or the end of a sequence");
	}
	return TOMO_OK;
}

/* "(2, 3, 4)": up to 8 sizes (more are refused later). */
static int
shape(struct cursor *c, int64_t *dims, int *rank)
{
	*rank = 0;
	if (!take(c, '('))
		return malformed(c, "a shape tuple");
	while (!take(c, ')')) {
		char num[32], *end;
		const char *w = (skip_space(c), c->p);
		size_t n = word(c);
		if (!n)
			return malformed(c, "a size");
		/* The header is not NUL-terminated: convert a copy of the word. */
		if (n >= sizeof num)
			return malformed(c, "an integer size");
		memcpy(num, w, n);
		num[n] = 0;
		errno = 0;
		long long v = strtoll(num, &end, 10);
		if (end < num + n && (*end == 'L' || *end == 'l')) /* Python 2's long */
			end++;
		if (end != num + n || errno || *w == '+')
			return malformed(c, "an integer size");
		if (v < 0)
			return tomo_error(TOMO_ERR, ".npy header: negative size %lld in its shape", v);
		if (*rank == 8)
			return tomo_error(TOMO_ERR, ".npy header: a shape of more than 8 dimensions");
		dims[(*rank)++] = v;
		if (!take(c, ',') && !(skip_space(c), c->p < c->end && *c->p == ')'))
			return malformed(c, "',' or ')' in the shape");
	}
	return TOMO_OK;
}

static int
host_big_endian(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 0;
}

/* What a dtype of kind k and size n holds, for refusals. */
static const char *
kind_name(char k)
{
	switch (k) {
	case 'O': return "Python objects";
	case 'U': return "Unicode strings";
	case 'S':
	case 'a': return "byte strings";
	case 'c': return "complex numbers";
	case 'b':
	case '?': return "booleans";
	case 'V': return "raw records";
	case 'M': return "dates";
	case 'm': return "time spans";
	case 'f': return "floats of that size";
	case 'i':
	case 'u': return "integers of that size";
	default: return "an unknown type";
	}
}

static int
descr(const char *d, struct tomo_npy *h)
{
	static const struct {
		char kind;
		long size;
		enum tomo_dtype type;
	} known[] = {
		{'u', 1, TOMO_U8},  {'i', 1, TOMO_I8},  {'u', 2, TOMO_U16}, {'i', 2, TOMO_I16},
		{'u', 4, TOMO_U32}, {'i', 4, TOMO_I32}, {'u', 8, TOMO_U64}, {'i', 8, TOMO_I64},
		{'f', 4, TOMO_F32}, {'f', 8, TOMO_F64},
	};
	const char *t = strchr("<>|=", d[0]) && d[0] ? d + 1 : d;
	char *end;
	long size = t[0] ? strtol(t + 1, &end, 10) : 0;

	for (size_t i = 0; t[0] && !*end && i < sizeof known / sizeof *known; i++)
		if (known[i].kind == t[0] && known[i].size == size) {
			h->type = known[i].type;
			h->big_endian = d[0] == '>' || (d[0] == '=' && host_big_endian());
			return TOMO_OK;
		}
	return tomo_error(TOMO_ERR,
	                  "dtype '%s' (%s) is not supported: .npy arrays of int8 to int64, "
	                  "uint8 to uint64, float32 or float64 are read",
	                  d, kind_name(t[0]));
}

/* "(2, 3, 4)" for messages. */
static const char *
shape_text(const int64_t *dims, int rank)
{
	static _Thread_local char s[200];
	size_t n = 0;

	s[n++] = '(';
	for (int i = 0; i < rank && n < sizeof s - 40; i++)
		n += (size_t)snprintf(s + n, sizeof s - n, "%s%lld", i ? ", " : "", (long long)dims[i]);
	snprintf(s + n, sizeof s - n, "%s)", rank == 1 ? "," : "");
	return s;
}

/* The dict: descr, fortran_order and shape, in any order. */
static int
parse_dict(struct cursor *c, struct tomo_npy *h)
{
	int have_descr = 0, have_order = 0, have_shape = 0, fortran = 0, rank = 0, rc;
	int64_t dims[8];
	char key[64];

	if (!take(c, '{'))
		return malformed(c, "'{'");
	while (!take(c, '}')) {
		if ((rc = string(c, key, sizeof key)))
			return rc;
		if (!take(c, ':'))
			return malformed(c, "':'");
		if (!strcmp(key, "descr")) {
			skip_space(c);
			if (c->p < c->end && *c->p == '[')
				return tomo_error(TOMO_ERR,
				                  "dtype is a structured (record) type: only arrays of "
				                  "plain numbers are read");
			if ((rc = string(c, h->descr, sizeof h->descr)))
				return rc;
			have_descr = 1;
		} else if (!strcmp(key, "fortran_order")) {
			const char *w = (skip_space(c), c->p);
			size_t n = word(c);
			if ((n != 4 || strncmp(w, "True", 4)) && (n != 5 || strncmp(w, "False", 5)))
				return malformed(c, "True or False");
			fortran = n == 4;
			have_order = 1;
		} else if (!strcmp(key, "shape")) {
			if ((rc = shape(c, dims, &rank)))
				return rc;
			have_shape = 1;
		} else if ((rc = skip_value(c, 0))) {
			return rc;
		}
		if (!take(c, ',') && !(skip_space(c), c->p < c->end && *c->p == '}'))
			return malformed(c, "',' or '}'");
	}
	if (!have_descr || !have_order || !have_shape)
		return tomo_error(TOMO_ERR, ".npy header without '%s'",
		                  !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
	if ((rc = descr(h->descr, h)))
		return rc;
	if (fortran)
		return tomo_error(TOMO_ERR,
		                  "a Fortran-ordered array (fortran_order True): only C order is "
		                  "read; save np.ascontiguousarray(a) instead");
	if (rank == 0)
		return tomo_error(TOMO_ERR, "shape () is a scalar, not an array");
	if (rank > 3)
		return tomo_error(TOMO_ERR,
		                  "shape %s has %d dimensions; at most 3 (z, y, x) are read",
		                  shape_text(dims, rank), rank);
	for (int i = 0; i < rank; i++)
		if (!dims[i])
			return tomo_error(TOMO_ERR, "shape %s is empty", shape_text(dims, rank));
	h->rank = rank;
	memcpy(h->shape, dims, (size_t)rank * sizeof *dims);
	return TOMO_OK;
}

/* Where the dict starts, from the first n bytes of a file: 10 (version 1)
 * or 12, with its length in *len; 0 when they do not tell (tomo_npy_parse
 * says why). */
static size_t
dict_start(const unsigned char *b, size_t n, size_t *len)
{
	if (n < 10 || memcmp(b, magic, sizeof magic) || b[6] < 1 || b[6] > 3 ||
	    (b[6] > 1 && n < 12))
		return 0;
	if (b[6] == 1) {
		*len = (size_t)b[8] | (size_t)b[9] << 8;
		return 10;
	}
	*len = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
	return 12;
}

int
tomo_npy_parse(const void *buf, size_t n, struct tomo_npy *h)
{
	const unsigned char *b = buf;
	size_t len, start = dict_start(b, n, &len);

	memset(h, 0, sizeof *h);
	if (n < sizeof magic || memcmp(b, magic, sizeof magic))
		return tomo_error(TOMO_ERR, "not a .npy file (no \\x93NUMPY magic)");
	if (n >= 8 && (b[6] < 1 || b[6] > 3))
		return tomo_error(TOMO_ERR,
		                  ".npy format version %d.%d: versions 1.0, 2.0 and 3.0 are read",
		                  b[6], b[7]);
	if (!start)
		return tomo_error(TOMO_ERR, ".npy header cut short: %zu bytes", n);
	if (len > TOMO_NRRD_HEADER_MAX)
		return tomo_error(TOMO_ERR, ".npy header of %zu bytes: longer than %d MiB", len,
		                  TOMO_NRRD_HEADER_MAX >> 20);
	if (n < start + len)
		return tomo_error(TOMO_ERR,
		                  ".npy header cut short: it says %zu bytes, %zu are there", len,
		                  n - start);
	struct cursor c = {(const char *)b + start, (const char *)b + start,
	                   (const char *)b + start + len};
	int rc = parse_dict(&c, h);
	if (rc)
		return rc;
	h->data_offset = (int64_t)(start + len);
	return TOMO_OK;
}

/* The header's bytes: the fixed part, then as many as it says (or the
 * file holds). */
static int
read_header(int fd, const char *path, int64_t file_size, unsigned char **buf, size_t *n)
{
	unsigned char fixed[12];
	size_t len, start, want = file_size < 12 ? (size_t)file_size : 12;
	int64_t got = tomo_read_full(fd, fixed, want, 0);

	*buf = NULL;
	*n = 0;
	if (got < 0)
		return tomo_error_sys(TOMO_ERR, errno, "cannot read '%s'", path);
	if ((start = dict_start(fixed, (size_t)got, &len)))
		want = len > TOMO_NRRD_HEADER_MAX ? start : start + len;
	if ((int64_t)want > file_size)
		want = (size_t)file_size;
	if (!(*buf = malloc(want ? want : 1)))
		return tomo_error(TOMO_ERR, "out of memory");
	if ((got = tomo_read_full(fd, *buf, want, 0)) < 0) {
		int e = errno;
		free(*buf);
		*buf = NULL;
		return tomo_error_sys(TOMO_ERR, e, "cannot read '%s'", path);
	}
	*n = (size_t)got;
	return TOMO_OK;
}

int
tomo_input_open_npy(struct tomo_input *in, const char *path, const char *dataset,
                    const struct tomo_input_opts *o)
{
	struct tomo_npy h;
	struct stat st;
	unsigned char *buf;
	size_t n = 0;
	int64_t count, need;
	int rc, fd = open(path, O_RDONLY | O_CLOEXEC);

	(void)dataset;
	(void)o;
	if (fd < 0)
		return tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'", path);
	if (fstat(fd, &st)) {
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot stat '%s'", path);
		close(fd);
		return rc;
	}
	rc = read_header(fd, path, (int64_t)st.st_size, &buf, &n);
	close(fd);
	if (rc)
		return rc;
	rc = tomo_npy_parse(buf, n, &h);
	free(buf);
	if (rc) {
		tomo_error_context("'%s'", path);
		return rc;
	}
	in->hdr.size[0] = h.shape[h.rank - 1];
	in->hdr.size[1] = h.rank > 1 ? h.shape[h.rank - 2] : 1;
	in->hdr.size[2] = h.rank > 2 ? h.shape[0] : 1;
	if ((rc = tomo_header_count(&in->hdr, &count))) {
		tomo_error_context("'%s'", path);
		return rc;
	}
	if (__builtin_mul_overflow(count, (int64_t)tomo_dtype_size(h.type), &need) ||
	    __builtin_add_overflow(need, h.data_offset, &need))
		return tomo_error(TOMO_ERR, "'%s': shape %s is too large", path,
		                  shape_text(h.shape, h.rank));
	if ((int64_t)st.st_size != need)
		return tomo_error(TOMO_ERR,
		                  "'%s' %s: it holds %lld bytes, its header and shape %s of '%s' "
		                  "make %lld",
		                  path, (int64_t)st.st_size < need ? "is truncated" : "is too long",
		                  (long long)st.st_size, shape_text(h.shape, h.rank), h.descr,
		                  (long long)need);
	if ((rc = tomo_input_open_array(in, path, h.type, h.big_endian, h.data_offset)))
		return rc;
	in->format = "npy";
	return TOMO_OK;
}
