/*
 * header: the in-memory description of a stream (tomo/header.h), the
 * conversion of every sample type we read into float32, and the angle
 * lists that tools read from text files (--angles FILE[:FIRST:END[:STEP]]).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/err.h"
#include "tomo/header.h"

static const char *const kind_names[] = {
	[TOMO_KIND_UNKNOWN] = "unknown",
	[TOMO_KIND_PROJECTIONS] = "projections",
	[TOMO_KIND_SINOGRAMS] = "sinograms",
	[TOMO_KIND_VOLUME] = "volume",
};

static const char *const quantity_names[] = {
	[TOMO_QUANTITY_UNKNOWN] = "unknown",
	[TOMO_QUANTITY_COUNTS] = "counts",
	[TOMO_QUANTITY_TRANSMISSION] = "transmission",
	[TOMO_QUANTITY_LINE_INTEGRAL] = "line-integral",
	[TOMO_QUANTITY_ATTENUATION] = "attenuation",
};

void
tomo_header_init(struct tomo_header *h)
{
	memset(h, 0, sizeof *h);
	h->size[0] = h->size[1] = h->size[2] = 1;
	h->pixel_size = h->energy = h->distance = h->center = NAN;
	h->spacing[0] = h->spacing[1] = h->spacing[2] = NAN;
}

void
tomo_header_free(struct tomo_header *h)
{
	for (int i = 0; i < h->nkv; i++) {
		free(h->kv[i].key);
		free(h->kv[i].value);
	}
	free(h->kv);
	free(h->angles);
	tomo_header_init(h);
}

int
tomo_header_copy(struct tomo_header *dst, const struct tomo_header *src)
{
	*dst = *src;
	dst->angles = NULL;
	dst->nangles = 0;
	dst->kv = NULL;
	dst->nkv = 0;
	if (tomo_header_set_angles(dst, src->angles, src->nangles))
		goto fail;
	for (int i = 0; i < src->nkv; i++)
		if (tomo_header_set_kv(dst, src->kv[i].key, src->kv[i].value))
			goto fail;
	return TOMO_OK;
fail:
	tomo_header_free(dst);
	return TOMO_ERR;
}

int
tomo_header_set_angles(struct tomo_header *h, const double *deg, int64_t n)
{
	double *a = NULL;

	if (n > 0) {
		a = malloc((size_t)n * sizeof *a);
		if (!a)
			return tomo_error(TOMO_ERR, "out of memory for %lld angles",
			                  (long long)n);
		memcpy(a, deg, (size_t)n * sizeof *a);
	}
	free(h->angles);
	h->angles = a;
	h->nangles = n > 0 ? n : 0;
	return TOMO_OK;
}

/* One bound or step of a selection: an optional '-' and digits, or
 * nothing (*given 0). Returns 0 when s[0..len) is that. */
static int
parse_bound(const char *s, size_t len, int64_t *v, int *given)
{
	size_t i = s[0] == '-' && len > 1;

	*given = len > 0;
	*v = 0;
	if (!len)
		return 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || *v > (INT64_MAX - 9) / 10)
			return -1;
		*v = 10 * *v + (s[i] - '0');
	}
	if (s[0] == '-')
		*v = -*v;
	return 0;
}

/* Split "FILE:FIRST:END[:STEP]": the file name's length, or strlen(spec)
 * when neither the last three nor the last two colon-separated fields are
 * bounds. */
static size_t
parse_selection(const char *spec, int64_t v[3], int given[3])
{
	const size_t n = strlen(spec);
	const char *colon[3] = {NULL, NULL, NULL}; /* the last colon first */
	int ncolons = 0;

	for (const char *p = spec + n; p > spec && ncolons < 3;)
		if (*--p == ':')
			colon[ncolons++] = p;
	given[0] = given[1] = given[2] = 0;
	v[0] = v[1] = v[2] = 0;
	for (int fields = ncolons; fields >= 2; fields--) {
		int ok = 1;
		for (int k = 0; k < fields && ok; k++) {
			const char *p = colon[fields - 1 - k] + 1;
			const char *e = k < fields - 1 ? colon[fields - 2 - k] : spec + n;
			ok = !parse_bound(p, (size_t)(e - p), &v[k], &given[k]);
		}
		if (ok)
			return (size_t)(colon[fields - 1] - spec);
		given[0] = given[1] = given[2] = 0;
		v[0] = v[1] = v[2] = 0;
	}
	return n;
}

/* The numbers of a file, one per line; blank lines and '#' comments
 * skipped. */
static int
read_numbers(FILE *f, const char *path, double **out, int64_t *n)
{
	char *line = NULL;
	size_t cap = 0;
	double *a = NULL;
	int64_t room = 0, lineno = 0;
	int rc = TOMO_OK;

	*n = 0;
	while (getline(&line, &cap, f) >= 0) {
		char *p = line, *end;
		lineno++;
		p += strspn(p, " \t");
		if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
			continue;
		errno = 0;
		double v = strtod(p, &end);
		int bad = end == p || errno || !isfinite(v);
		end += strspn(end, " \t\r\n");
		if (bad || *end) {
			p[strcspn(p, "\r\n")] = 0;
			rc = tomo_error(TOMO_ERR, "%s:%lld: '%.80s' is not an angle in degrees", path,
			                (long long)lineno, p);
			break;
		}
		if (*n == room) {
			double *b = realloc(a, sizeof *a * (size_t)(room = room ? 2 * room : 1024));
			if (!b) {
				rc = tomo_error(TOMO_ERR, "out of memory reading '%s'", path);
				break;
			}
			a = b;
		}
		a[(*n)++] = v;
	}
	if (rc == TOMO_OK && ferror(f))
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot read '%s'", path);
	free(line);
	if (rc)
		free(a);
	else
		*out = a;
	return rc;
}

/* A bound of a selection of total angles, as Python takes it: negative
 * counts from the end, absent is def. */
static int64_t
resolve_bound(int64_t v, int given, int64_t def, int64_t total)
{
	return !given ? def : v < 0 ? v + total : v;
}

int
tomo_angles_read(const char *spec, double **deg, int64_t *n, int64_t *total)
{
	int64_t v[3];
	int given[3];
	const size_t len = parse_selection(spec, v, given);
	const int selection = len < strlen(spec);
	char *path = strndup(spec, len);
	double *all = NULL;
	int rc;

	*deg = NULL;
	*n = *total = 0;
	if (!path)
		return tomo_error(TOMO_ERR, "out of memory");
	if (!*path) {
		free(path);
		return tomo_error(TOMO_EUSAGE, "'%s': no file name before the selection", spec);
	}
	if (given[2] && v[2] < 1) {
		free(path);
		return tomo_error(TOMO_EUSAGE,
		                  "'%s': the step must be 1 or more (lines FIRST, FIRST+STEP, ...)",
		                  spec);
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		rc = tomo_error_sys(TOMO_ERR, errno, "cannot open '%s'%s", path,
		                    !selection && strchr(path, ':')
		                            ? " (a selection of lines is FILE:FIRST:END[:STEP])"
		                            : "");
		free(path);
		return rc;
	}
	rc = read_numbers(f, path, &all, total);
	fclose(f);
	if (rc == TOMO_OK && *total == 0)
		rc = tomo_error(TOMO_ERR, "'%s' holds no angles", path);
	if (rc) {
		free(path);
		return rc;
	}
	const int64_t first = resolve_bound(v[0], given[0], 0, *total);
	const int64_t end = resolve_bound(v[1], given[1], *total, *total);
	const int64_t step = given[2] ? v[2] : 1;
	if (first < 0 || first > *total || end < 0 || end > *total)
		rc = tomo_error(TOMO_ERR, "'%s': %s %lld is out of range: '%s' holds %lld angles",
		                spec, first < 0 || first > *total ? "FIRST" : "END",
		                (long long)(first < 0 || first > *total ? v[0] : v[1]), path,
		                (long long)*total);
	else if (end <= first)
		rc = tomo_error(TOMO_ERR, "'%s' selects no angles (FIRST %lld, END %lld)", spec,
		                (long long)first, (long long)end);
	free(path);
	if (rc) {
		free(all);
		return rc;
	}
	*n = (end - first + step - 1) / step;
	for (int64_t i = 0; i < *n; i++)
		all[i] = all[first + i * step];
	*deg = all;
	return TOMO_OK;
}

int
tomo_angles_match(const char *spec, int64_t n, int64_t total, int64_t want, const char *input)
{
	int64_t v[3];
	int given[3];
	const size_t len = parse_selection(spec, v, given);

	if (n == want)
		return TOMO_OK;
	if (len < strlen(spec))
		return tomo_error(TOMO_ERR,
		                  "%s selects %lld of its %lld angles but %s has %lld projections",
		                  spec, (long long)n, (long long)total, input, (long long)want);
	if (total > want && (total - want) % 2 == 0)
		return tomo_error(TOMO_ERR,
		                  "%s holds %lld angles but %s has %lld projections; select lines "
		                  "with --angles %s:FIRST:END (zero-based, END excluded; the middle "
		                  "%lld are %s:%lld:%lld)",
		                  spec, (long long)total, input, (long long)want, spec,
		                  (long long)want, spec, (long long)((total - want) / 2),
		                  (long long)((total + want) / 2));
	return tomo_error(TOMO_ERR,
	                  "%s holds %lld angles but %s has %lld projections%s%s%s", spec,
	                  (long long)total, input, (long long)want,
	                  total > want ? "; select lines with --angles " : "",
	                  total > want ? spec : "",
	                  total > want ? ":FIRST:END (zero-based, END excluded)" : "");
}

int
tomo_angles_choose(const struct tomo_angle_source *s, const struct tomo_header *h,
                   const char *input, int64_t nproj, double **deg)
{
	int rc;

	/* Before the list is made: a stream's header can claim any count. */
	*deg = NULL;
	if (nproj > TOMO_ANGLES_MAX)
		return tomo_error(TOMO_ERR, "%s claims %lld projections; at most %lld are read",
		                  input, (long long)nproj, (long long)TOMO_ANGLES_MAX);
	*deg = malloc(sizeof **deg * (size_t)(nproj > 0 ? nproj : 1));
	if (!*deg)
		return tomo_error(TOMO_ERR, "out of memory for %lld angles", (long long)nproj);
	if (s->file) {
		if ((rc = tomo_angles_match(s->file, s->file_n, s->file_total, nproj, input))) {
			free(*deg);
			*deg = NULL;
			return rc;
		}
		memcpy(*deg, s->file_deg, sizeof **deg * (size_t)nproj);
		return TOMO_OK;
	}
	if (!s->have_range && h->nangles > 0) {
		if (h->nangles != nproj) {
			free(*deg);
			*deg = NULL;
			return tomo_error(TOMO_ERR,
			                  "%s lists %lld angles (tomo_angles) for %lld projections",
			                  input, (long long)h->nangles, (long long)nproj);
		}
		memcpy(*deg, h->angles, sizeof **deg * (size_t)nproj);
		return TOMO_OK;
	}
	const double start = s->have_range ? s->range[0] : 0, stop = s->have_range ? s->range[1] : 180;
	for (int64_t i = 0; i < nproj; i++)
		(*deg)[i] = start + (stop - start) * (double)i / (double)nproj;
	return TOMO_OK;
}

/* "projections or sinograms" */
static void
list_names(char *buf, size_t n, unsigned set, int kinds)
{
	int first = 1, count = 0, seen = 0;

	for (int k = 1; k < 8; k++)
		count += !!(set & (1u << k));
	buf[0] = 0;
	for (int k = 1; k < 8; k++) {
		if (!(set & (1u << k)))
			continue;
		const char *name = kinds ? tomo_kind_name(k) : tomo_quantity_name(k);
		size_t len = strlen(buf);
		snprintf(buf + len, n - len, "%s%s", first ? "" : ++seen == count - 1 ? " or " : ", ",
		         name);
		first = 0;
	}
}

int
tomo_stream_accept(const struct tomo_header *h, const char *input, const char *tool,
                   unsigned kinds, unsigned quantities)
{
	char takes[128];

	if (h->kind != TOMO_KIND_UNKNOWN && !(kinds & TOMO_KINDS(h->kind))) {
		list_names(takes, sizeof takes, kinds, 1);
		return tomo_error(TOMO_ERR, "%s holds %s (tomo_kind %s); %s takes %s", input,
		                  h->kind == TOMO_KIND_VOLUME ? "a volume" : tomo_kind_name(h->kind),
		                  tomo_kind_name(h->kind), tool, takes);
	}
	if (h->quantity == TOMO_QUANTITY_UNKNOWN || (quantities & TOMO_QUANTITIES(h->quantity)))
		return TOMO_OK;
	list_names(takes, sizeof takes, quantities, 0);
	if (h->quantity == TOMO_QUANTITY_COUNTS)
		return tomo_error(TOMO_ERR, "%s holds raw detector counts (tomo_quantity counts); "
		                            "run tomo-flat first (flat and dark correction, --log for "
		                            "line integrals): %s takes %s",
		                  input, tool, takes);
	return tomo_error(TOMO_ERR, "%s holds %s (tomo_quantity %s); %s takes %s", input,
	                  h->quantity == TOMO_QUANTITY_ATTENUATION
	                          ? "attenuation, a reconstruction"
	                          : tomo_quantity_name(h->quantity),
	                  tomo_quantity_name(h->quantity), tool, takes);
}

static int
reserved_key(const char *key)
{
	static const char *const keys[] = {
		"tomo_kind", "tomo_quantity", "tomo_angles", "tomo_pixel_size",
		"tomo_energy", "tomo_distance", "tomo_center",
	};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

int
tomo_header_set_kv(struct tomo_header *h, const char *key, const char *value)
{
	int i;

	if (!*key || strstr(key, ":=") || strpbrk(key, "\n\r"))
		return tomo_error(TOMO_ERR, "invalid key '%s'", key);
	if (reserved_key(key))
		return tomo_error(TOMO_ERR, "key '%s' is a header field", key);
	for (i = 0; i < h->nkv; i++)
		if (!strcmp(h->kv[i].key, key))
			break;
	if (!value) {
		if (i < h->nkv) {
			free(h->kv[i].key);
			free(h->kv[i].value);
			memmove(h->kv + i, h->kv + i + 1,
			        (size_t)(h->nkv - i - 1) * sizeof *h->kv);
			h->nkv--;
		}
		return TOMO_OK;
	}
	char *v = strdup(value);
	if (!v)
		return tomo_error(TOMO_ERR, "out of memory");
	if (i < h->nkv) {
		free(h->kv[i].value);
		h->kv[i].value = v;
		return TOMO_OK;
	}
	struct tomo_kv *kv = realloc(h->kv, (size_t)(h->nkv + 1) * sizeof *kv);
	char *k = strdup(key);
	if (!kv || !k) {
		if (kv)
			h->kv = kv;
		free(k);
		free(v);
		return tomo_error(TOMO_ERR, "out of memory");
	}
	h->kv = kv;
	h->kv[h->nkv].key = k;
	h->kv[h->nkv].value = v;
	h->nkv++;
	return TOMO_OK;
}

const char *
tomo_header_get_kv(const struct tomo_header *h, const char *key)
{
	for (int i = 0; i < h->nkv; i++)
		if (!strcmp(h->kv[i].key, key))
			return h->kv[i].value;
	return NULL;
}

int
tomo_header_count(const struct tomo_header *h, int64_t *count)
{
	int64_t n = 1;

	for (int i = 0; i < 3; i++) {
		if (h->size[i] < 1)
			return tomo_error(TOMO_ERR, "size %lld of axis %d is not positive",
			                  (long long)h->size[i], i);
		if (__builtin_mul_overflow(n, h->size[i], &n) || n > INT64_MAX / 8)
			return tomo_error(TOMO_ERR,
			                  "sizes %lld x %lld x %lld are too large",
			                  (long long)h->size[0], (long long)h->size[1],
			                  (long long)h->size[2]);
	}
	*count = n;
	return TOMO_OK;
}

const char *
tomo_kind_name(enum tomo_kind k)
{
	return (unsigned)k < sizeof kind_names / sizeof *kind_names ? kind_names[k]
	                                                          : "unknown";
}

const char *
tomo_quantity_name(enum tomo_quantity q)
{
	return (unsigned)q < sizeof quantity_names / sizeof *quantity_names
	               ? quantity_names[q]
	               : "unknown";
}

int
tomo_kind_parse(const char *s)
{
	for (size_t i = 0; i < sizeof kind_names / sizeof *kind_names; i++)
		if (!strcmp(s, kind_names[i]))
			return (int)i;
	return -1;
}

int
tomo_quantity_parse(const char *s)
{
	for (size_t i = 0; i < sizeof quantity_names / sizeof *quantity_names; i++)
		if (!strcmp(s, quantity_names[i]))
			return (int)i;
	return -1;
}

size_t
tomo_dtype_size(enum tomo_dtype t)
{
	switch (t) {
	case TOMO_U8: case TOMO_I8: return 1;
	case TOMO_U16: case TOMO_I16: return 2;
	case TOMO_U32: case TOMO_I32: case TOMO_F32: return 4;
	case TOMO_U64: case TOMO_I64: case TOMO_F64: return 8;
	default: return 0;
	}
}

const char *
tomo_dtype_name(enum tomo_dtype t)
{
	switch (t) {
	case TOMO_U8: return "uint8";
	case TOMO_I8: return "int8";
	case TOMO_U16: return "uint16";
	case TOMO_I16: return "int16";
	case TOMO_U32: return "uint32";
	case TOMO_I32: return "int32";
	case TOMO_U64: return "uint64";
	case TOMO_I64: return "int64";
	case TOMO_F32: return "float32";
	case TOMO_F64: return "float64";
	default: return "invalid";
	}
}

/* One loop per type so that gcc vectorises each conversion; memcpy loads
 * keep unaligned sources (byte skips, odd offsets) well defined. */
#define CONVERT(T, BSWAP)                                                     \
	do {                                                                  \
		const unsigned char *s = src;                                 \
		if (!swap) {                                                  \
			for (size_t i = 0; i < n; i++) {                      \
				T v;                                          \
				memcpy(&v, s + i * sizeof v, sizeof v);       \
				dst[i] = (float)v;                            \
			}                                                     \
		} else {                                                      \
			for (size_t i = 0; i < n; i++) {                      \
				T v;                                          \
				memcpy(&v, s + i * sizeof v, sizeof v);       \
				v = BSWAP(v);                                 \
				dst[i] = (float)v;                            \
			}                                                     \
		}                                                             \
	} while (0)

#define NOSWAP(v) (v)

static inline float
bswap_f32(float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	u = __builtin_bswap32(u);
	memcpy(&v, &u, 4);
	return v;
}

static inline double
bswap_f64(double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	u = __builtin_bswap64(u);
	memcpy(&v, &u, 8);
	return v;
}

void
tomo_convert_to_float(const void *src, enum tomo_dtype t, int swap, float *dst,
                      size_t n)
{
	switch (t) {
	case TOMO_U8: CONVERT(uint8_t, NOSWAP); break;
	case TOMO_I8: CONVERT(int8_t, NOSWAP); break;
	case TOMO_U16: CONVERT(uint16_t, __builtin_bswap16); break;
	case TOMO_I16: CONVERT(int16_t, (int16_t)__builtin_bswap16); break;
	case TOMO_U32: CONVERT(uint32_t, __builtin_bswap32); break;
	case TOMO_I32: CONVERT(int32_t, (int32_t)__builtin_bswap32); break;
	case TOMO_U64: CONVERT(uint64_t, __builtin_bswap64); break;
	case TOMO_I64: CONVERT(int64_t, (int64_t)__builtin_bswap64); break;
	case TOMO_F32:
		if (!swap)
			memcpy(dst, src, n * sizeof *dst);
		else
			CONVERT(float, bswap_f32);
		break;
	case TOMO_F64: CONVERT(double, bswap_f64); break;
	default: break;
	}
}
