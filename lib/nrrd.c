/*
 * nrrd: parse and write NRRD headers (tomo/nrrd.h). This file only turns
 * text into a struct tomo_nrrd and back; opening files, mapping and reading
 * samples is the input/output modules' business.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomo/err.h"
#include "tomo/nrrd.h"

static const struct {
	const char *name;
	enum tomo_dtype type;
} type_names[] = {
	{"signed char", TOMO_I8}, {"int8", TOMO_I8}, {"int8_t", TOMO_I8},
	{"uchar", TOMO_U8}, {"unsigned char", TOMO_U8}, {"uint8", TOMO_U8},
	{"uint8_t", TOMO_U8},
	{"short", TOMO_I16}, {"short int", TOMO_I16}, {"signed short", TOMO_I16},
	{"signed short int", TOMO_I16}, {"int16", TOMO_I16}, {"int16_t", TOMO_I16},
	{"ushort", TOMO_U16}, {"unsigned short", TOMO_U16},
	{"unsigned short int", TOMO_U16}, {"uint16", TOMO_U16},
	{"uint16_t", TOMO_U16},
	{"int", TOMO_I32}, {"signed int", TOMO_I32}, {"int32", TOMO_I32},
	{"int32_t", TOMO_I32},
	{"uint", TOMO_U32}, {"unsigned int", TOMO_U32}, {"uint32", TOMO_U32},
	{"uint32_t", TOMO_U32},
	{"longlong", TOMO_I64}, {"long long", TOMO_I64},
	{"long long int", TOMO_I64}, {"signed long long", TOMO_I64},
	{"signed long long int", TOMO_I64}, {"int64", TOMO_I64},
	{"int64_t", TOMO_I64},
	{"ulonglong", TOMO_U64}, {"unsigned long long", TOMO_U64},
	{"unsigned long long int", TOMO_U64}, {"uint64", TOMO_U64},
	{"uint64_t", TOMO_U64},
	{"float", TOMO_F32}, {"double", TOMO_F64},
};

/* Fields of the NRRD format we accept and ignore (they describe axes or
 * provenance that our tools do not use). */
static const char *const ignored_fields[] = {
	"content", "min", "max", "old min", "oldmin", "old max", "oldmax",
	"thicknesses", "axis mins", "axismins", "axis maxs", "axismaxs",
	"centers", "centerings", "labels", "units", "kinds", "space",
	"space dimension", "space units", "space origin", "space directions",
	"measurement frame", "sample units", "sampleunits", "number",
};

void
tomo_nrrd_free(struct tomo_nrrd *n)
{
	tomo_header_free(&n->hdr);
	free(n->data_file);
	n->data_file = NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static int
parse_real(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -1 : 0;
}

/* Parse up to max whitespace-separated reals; returns the count or -1. */
static int64_t
parse_reals(const char *s, double *v, int64_t max)
{
	int64_t n = 0;
	char *end;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			return n;
		if (n == max)
			return -1;
		errno = 0;
		v[n] = strtod(s, &end);
		if (end == s || errno == ERANGE ||
		    (*end && !isspace((unsigned char)*end)))
			return -1;
		n++;
		s = end;
	}
}

static int
parse_type(const char *s, enum tomo_dtype *t)
{
	for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
		if (!strcmp(s, type_names[i].name)) {
			*t = type_names[i].type;
			return 0;
		}
	return -1;
}

/* Undo the escapes NRRD allows in key/value values: \n and \\. */
static void
unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1] == 'n') {
			*d++ = '\n';
			s++;
		} else if (*s == '\\' && s[1] == '\\') {
			*d++ = '\\';
			s++;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
}

static int
parse_keyvalue(struct tomo_nrrd *n, char *key, char *val, int line)
{
	struct tomo_header *h = &n->hdr;
	double v;

	unescape(val);
	if (!strcmp(key, "tomo_kind")) {
		int k = tomo_kind_parse(val);
		if (k < 0)
			return tomo_error(TOMO_ERR,
			                  "line %d: tomo_kind '%s' is not projections, "
			                  "sinograms or volume", line, val);
		h->kind = k;
	} else if (!strcmp(key, "tomo_quantity")) {
		int q = tomo_quantity_parse(val);
		if (q < 0)
			return tomo_error(TOMO_ERR, "line %d: unknown tomo_quantity '%s'",
			                  line, val);
		h->quantity = q;
	} else if (!strcmp(key, "tomo_angles")) {
		/* Count the words first: the list may hold many thousands. */
		int64_t words = 0;
		for (const char *p = val; *p;) {
			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			words++;
			while (*p && !isspace((unsigned char)*p))
				p++;
		}
		double *a = malloc((size_t)(words ? words : 1) * sizeof *a);
		if (!a)
			return tomo_error(TOMO_ERR, "out of memory");
		if (parse_reals(val, a, words) != words) {
			free(a);
			return tomo_error(TOMO_ERR,
			                  "line %d: tomo_angles holds a value that is "
			                  "not a number", line);
		}
		for (int64_t i = 0; i < words; i++)
			if (!isfinite(a[i])) {
				free(a);
				return tomo_error(TOMO_ERR,
				                  "line %d: tomo_angles value %lld is "
				                  "not finite", line, (long long)i);
			}
		free(h->angles);
		h->angles = a;
		h->nangles = words;
	} else if (!strcmp(key, "tomo_pixel_size") || !strcmp(key, "tomo_energy") ||
	           !strcmp(key, "tomo_distance") || !strcmp(key, "tomo_center")) {
		if (parse_real(val, &v) || !isfinite(v))
			return tomo_error(TOMO_ERR, "line %d: %s '%s' is not a number",
			                  line, key, val);
		if (!strcmp(key, "tomo_pixel_size"))
			h->pixel_size = v;
		else if (!strcmp(key, "tomo_energy"))
			h->energy = v;
		else if (!strcmp(key, "tomo_distance"))
			h->distance = v;
		else
			h->center = v;
	} else {
		return tomo_header_set_kv(h, key, val);
	}
	return TOMO_OK;
}

static int
parse_field(struct tomo_nrrd *n, const char *field, char *val, int line,
            int *dim, int64_t *sizes, int *nsizes, int *have_type,
            int *have_endian, int *have_encoding)
{
	struct tomo_header *h = &n->hdr;

	if (!strcmp(field, "dimension")) {
		double d;
		if (parse_real(val, &d) || d != floor(d) || d < 1)
			return tomo_error(TOMO_ERR, "line %d: bad dimension '%s'", line, val);
		if (d > 3)
			return tomo_error(TOMO_ERR,
			                  "line %d: dimension %g is not supported "
			                  "(at most 3)", line, d);
		*dim = (int)d;
	} else if (!strcmp(field, "type")) {
		if (parse_type(val, &n->type)) {
			if (!strcmp(val, "block"))
				return tomo_error(TOMO_ERR,
				                  "line %d: type 'block' is not supported",
				                  line);
			return tomo_error(TOMO_ERR, "line %d: unknown type '%s'", line, val);
		}
		*have_type = 1;
	} else if (!strcmp(field, "sizes")) {
		char *p = val, *end;
		*nsizes = 0;
		while (*p) {
			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			if (*nsizes == 3)
				return tomo_error(TOMO_ERR,
				                  "line %d: more than 3 sizes", line);
			errno = 0;
			long long s = strtoll(p, &end, 10);
			if (end == p || errno || s < 1 ||
			    (*end && !isspace((unsigned char)*end)))
				return tomo_error(TOMO_ERR,
				                  "line %d: size '%.*s' is not a positive "
				                  "integer", line, (int)strcspn(p, " \t"), p);
			sizes[(*nsizes)++] = s;
			p = end;
		}
	} else if (!strcmp(field, "endian")) {
		if (!strcmp(val, "little"))
			n->big_endian = 0;
		else if (!strcmp(val, "big"))
			n->big_endian = 1;
		else
			return tomo_error(TOMO_ERR, "line %d: unknown endian '%s'", line, val);
		*have_endian = 1;
	} else if (!strcmp(field, "encoding")) {
		if (strcmp(val, "raw"))
			return tomo_error(TOMO_ERR,
			                  "line %d: NRRD encoding '%s' is not supported "
			                  "(only raw; convert with 'unu save -e raw')",
			                  line, val);
		*have_encoding = 1;
	} else if (!strcmp(field, "data file") || !strcmp(field, "datafile")) {
		if (!strncmp(val, "LIST", 4) || strchr(val, '%') || strchr(val, ' '))
			return tomo_error(TOMO_ERR,
			                  "line %d: data file '%s': only a single data "
			                  "file is supported", line, val);
		free(n->data_file);
		n->data_file = strdup(val);
		if (!n->data_file)
			return tomo_error(TOMO_ERR, "out of memory");
	} else if (!strcmp(field, "line skip") || !strcmp(field, "lineskip") ||
	           !strcmp(field, "byte skip") || !strcmp(field, "byteskip")) {
		double d;
		int bytes = field[0] == 'b';
		if (parse_real(val, &d) || d != floor(d) || d < (bytes ? -1 : 0) ||
		    d > 1e15)
			return tomo_error(TOMO_ERR, "line %d: bad %s '%s'", line, field, val);
		if (bytes)
			n->byte_skip = (int64_t)d;
		else
			n->line_skip = (int64_t)d;
	} else if (!strcmp(field, "spacings")) {
		double s[3] = {NAN, NAN, NAN};
		char *p = val;
		int i = 0;
		/* "nan" is how NRRD writes an unknown spacing; strtod reads it. */
		while (i < 3 && *p) {
			char *end;
			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			s[i] = strtod(p, &end);
			if (end == p)
				return tomo_error(TOMO_ERR, "line %d: bad spacings '%s'",
				                  line, val);
			p = end;
			i++;
		}
		memcpy(h->spacing, s, sizeof s);
	} else {
		for (size_t i = 0; i < sizeof ignored_fields / sizeof *ignored_fields; i++)
			if (!strcmp(field, ignored_fields[i]))
				return TOMO_OK;
		return tomo_error(TOMO_ERR, "line %d: unknown NRRD field '%s'", line,
		                  field);
	}
	return TOMO_OK;
}

int
tomo_nrrd_parse(const char *text, size_t len, struct tomo_nrrd *n)
{
	int dim = 0, nsizes = 0, have_type = 0, have_endian = 0, have_enc = 0;
	int64_t sizes[3] = {1, 1, 1};
	int line = 0, rc = TOMO_OK;
	char *buf, *p, *end;

	memset(n, 0, sizeof *n);
	tomo_header_init(&n->hdr);
	if (len < 8 || memcmp(text, "NRRD000", 7) || text[7] < '1' || text[7] > '5')
		return tomo_error(TOMO_ERR,
		                  "not a NRRD header (expected NRRD0001..NRRD0005 "
		                  "on line 1)");
	buf = malloc(len + 1);
	if (!buf)
		return tomo_error(TOMO_ERR, "out of memory");
	memcpy(buf, text, len);
	buf[len] = 0;
	if (strlen(buf) != len) {
		free(buf);
		return tomo_error(TOMO_ERR, "NRRD header holds a NUL byte");
	}
	for (p = buf; p && *p && rc == TOMO_OK; p = end) {
		end = strchr(p, '\n');
		if (end)
			*end++ = 0;
		line++;
		if (line == 1)
			continue;
		char *l = trim(p);
		if (!*l)
			break; /* the blank line: data follows */
		if (*l == '#')
			continue;
		char *kv = strstr(l, ":=");
		char *colon = strstr(l, ": ");
		if (kv && (!colon || kv < colon)) {
			*kv = 0;
			rc = parse_keyvalue(n, l, kv + 2, line);
		} else if (colon) {
			*colon = 0;
			rc = parse_field(n, l, trim(colon + 2), line, &dim, sizes, &nsizes,
			                 &have_type, &have_endian, &have_enc);
		} else {
			rc = tomo_error(TOMO_ERR,
			                "line %d: expected 'field: value' or "
			                "'key:=value', got '%.40s'", line, l);
		}
	}
	free(buf);
	if (rc)
		goto fail;
	if (!dim) {
		rc = tomo_error(TOMO_ERR, "NRRD header has no dimension field");
		goto fail;
	}
	if (!have_type) {
		rc = tomo_error(TOMO_ERR, "NRRD header has no type field");
		goto fail;
	}
	if (nsizes != dim) {
		rc = tomo_error(TOMO_ERR, "NRRD sizes give %d values for dimension %d",
		                nsizes, dim);
		goto fail;
	}
	if (!have_enc) {
		rc = tomo_error(TOMO_ERR, "NRRD header has no encoding field");
		goto fail;
	}
	if (!have_endian && tomo_dtype_size(n->type) > 1) {
		rc = tomo_error(TOMO_ERR, "NRRD header has no endian field");
		goto fail;
	}
	for (int i = 0; i < 3; i++)
		n->hdr.size[i] = sizes[i];
	int64_t count;
	if ((rc = tomo_header_count(&n->hdr, &count)))
		goto fail;
	return TOMO_OK;
fail:
	tomo_nrrd_free(n);
	return rc;
}

void
tomo_format_double(char *buf, size_t n, double v)
{
	if (isnan(v)) {
		snprintf(buf, n, "nan");
		return;
	}
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* A growable string for the header text. */
struct sbuf {
	char *s;
	size_t len, cap;
	int failed;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_real(struct sbuf *b, double v)
{
	char num[40];
	tomo_format_double(num, sizeof num, v);
	sb_str(b, num);
}

static void
sb_keyreal(struct sbuf *b, const char *key, double v)
{
	if (isnan(v))
		return;
	sb_str(b, key);
	sb_str(b, ":=");
	sb_real(b, v);
	sb_str(b, "\n");
}

int
tomo_nrrd_format(const struct tomo_header *h, char **out, size_t *len)
{
	struct sbuf b = {0};
	char line[128];
	int64_t count;

	if (tomo_header_count(h, &count))
		return TOMO_ERR;
	sb_str(&b, "NRRD0005\n# tomo stream\ntype: float\ndimension: 3\n");
	snprintf(line, sizeof line, "sizes: %lld %lld %lld\n",
	         (long long)h->size[0], (long long)h->size[1], (long long)h->size[2]);
	sb_str(&b, line);
	sb_str(&b, "endian: little\nencoding: raw\n");
	if (!isnan(h->spacing[0]) || !isnan(h->spacing[1]) || !isnan(h->spacing[2])) {
		sb_str(&b, "spacings:");
		for (int i = 0; i < 3; i++) {
			sb_str(&b, " ");
			sb_real(&b, h->spacing[i]);
		}
		sb_str(&b, "\n");
	}
	if (h->kind) {
		sb_str(&b, "tomo_kind:=");
		sb_str(&b, tomo_kind_name(h->kind));
		sb_str(&b, "\n");
	}
	if (h->quantity) {
		sb_str(&b, "tomo_quantity:=");
		sb_str(&b, tomo_quantity_name(h->quantity));
		sb_str(&b, "\n");
	}
	if (h->nangles > 0) {
		sb_str(&b, "tomo_angles:=");
		for (int64_t i = 0; i < h->nangles; i++) {
			if (i)
				sb_str(&b, " ");
			sb_real(&b, h->angles[i]);
		}
		sb_str(&b, "\n");
	}
	sb_keyreal(&b, "tomo_pixel_size", h->pixel_size);
	sb_keyreal(&b, "tomo_energy", h->energy);
	sb_keyreal(&b, "tomo_distance", h->distance);
	sb_keyreal(&b, "tomo_center", h->center);
	for (int i = 0; i < h->nkv; i++) {
		sb_str(&b, h->kv[i].key);
		sb_str(&b, ":=");
		for (const char *v = h->kv[i].value; *v; v++) {
			if (*v == '\n')
				sb_str(&b, "\\n");
			else if (*v == '\\')
				sb_str(&b, "\\\\");
			else if (*v != '\r')
				sb_add(&b, v, 1);
		}
		sb_str(&b, "\n");
	}
	/* "#" + fill + "\n" + "\n" brings the length to a multiple of 4096. */
	size_t total = (b.len + 3 + TOMO_NRRD_ALIGN - 1) / TOMO_NRRD_ALIGN *
	               TOMO_NRRD_ALIGN;
	size_t fill = total - b.len - 3;
	sb_str(&b, "#");
	for (size_t i = 0; i < fill; i++)
		sb_str(&b, i == 0 ? " " : ".");
	sb_str(&b, "\n\n");
	if (b.failed) {
		free(b.s);
		return tomo_error(TOMO_ERR, "out of memory formatting a NRRD header");
	}
	*out = b.s;
	*len = b.len;
	return TOMO_OK;
}
