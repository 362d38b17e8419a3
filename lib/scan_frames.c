/*
 * scan_frames: the building blocks of a struct tomo_scan_input that the
 * scan front and its format back-ends share (lib/scan_impl.h): sets of
 * frames, the inputs they come from, notes and info lines. Knows no
 * format; calls only the io layer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_impl.h"
#include "tomo/err.h"

char *
tomo_scan_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Append text to list (*n entries of max), or free it. */
static void
keep(char **list, int *n, int max, char *text)
{
	if (text && *n < max)
		list[(*n)++] = text;
	else
		free(text);
}

void
tomo_scan_note(struct tomo_scan_input *s, char *text)
{
	keep(s->notes, &s->nnotes, (int)(sizeof s->notes / sizeof *s->notes), text);
}

void
tomo_scan_info(struct tomo_scan_input *s, char *text)
{
	keep(s->info, &s->ninfo, (int)(sizeof s->info / sizeof *s->info), text);
}

static int
oom(void)
{
	return tomo_error(TOMO_ERR, "out of memory");
}

int
tomo_scan_add_input(struct tomo_scan_input *s, const char *spec, const char *shape,
                    struct tomo_input **in)
{
	struct tomo_input_opts io = {.shape = shape};
	int rc;

	if (s->ninputs == (int)(sizeof s->inputs / sizeof *s->inputs))
		return tomo_error(TOMO_ERR, "too many inputs for one scan");
	if ((rc = tomo_input_open(spec, &io, in)))
		return rc == TOMO_EUSAGE ? TOMO_ERR : rc;
	s->inputs[s->ninputs++] = *in;
	return TOMO_OK;
}

int
tomo_scan_check_frames(const struct tomo_input *in, int64_t n)
{
	if (n > TOMO_SCAN_MAX_FRAMES)
		return tomo_error(TOMO_ERR, "%s holds %lld frames; a scan of at most %lld is read",
		                  tomo_input_name(in), (long long)n, (long long)TOMO_SCAN_MAX_FRAMES);
	return TOMO_OK;
}

int
tomo_scan_frames_range(struct tomo_frames *f, struct tomo_input *in, int64_t first, int64_t n,
                       char *name)
{
	f->in = in;
	f->n = 0;
	f->name = name;
	if (tomo_scan_check_frames(in, n))
		return TOMO_ERR;
	f->n = n;
	f->frame = malloc((size_t)(n > 0 ? n : 1) * sizeof *f->frame);
	if (!f->frame || !name)
		return oom();
	for (int64_t i = 0; i < n; i++)
		f->frame[i] = first + i;
	return TOMO_OK;
}

struct tomo_frames *
tomo_scan_frames_add(struct tomo_frames **list, int *n)
{
	struct tomo_frames *p = realloc(*list, (size_t)(*n + 1) * sizeof *p);

	if (!p)
		return NULL;
	*list = p;
	memset(&p[*n], 0, sizeof *p);
	return &p[(*n)++];
}

int
tomo_scan_side_input(struct tomo_scan_input *s, const char *spec, const char *shape,
                     const char *what, double anchor, struct tomo_frames *f)
{
	struct tomo_input *in;
	int rc;

	if (!f)
		return oom();
	f->anchor = anchor;
	if ((rc = tomo_scan_add_input(s, spec, shape, &in)))
		return rc;
	return tomo_scan_frames_range(
		f, in, 0, tomo_input_header(in)->size[2],
		tomo_scan_fmt("%s: '%s' (%lld frame%s)", what, tomo_input_name(in),
	                      (long long)tomo_input_header(in)->size[2],
	                      tomo_input_header(in)->size[2] == 1 ? "" : "s"));
}
