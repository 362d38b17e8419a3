/*
 * tool: initialisation, diagnostics and exits of the tools (tomo/tool.h).
 * The rest of libtomo never prints; this file is where messages meet stderr.
 */
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tomo/err.h"
#include "tomo/io.h"
#include "tomo/tool.h"

static const char *progname = "tomo";
static int verbose_flag, quiet_flag;

void tomo_tool_set_verbosity(int verbose, int quiet);

/* Called by tomo_opt_parse: -v turns information on, -q warnings off. */
void
tomo_tool_set_verbosity(int verbose, int quiet)
{
	verbose_flag = verbose;
	quiet_flag = quiet;
}

static void
on_fatal_signal(int sig)
{
	tomo_output_abort_all_files();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
tomo_tool_init(const char *name)
{
	progname = name;
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C"); /* "0.5", never "0,5", in and out */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);
}

const char *
tomo_progname(void)
{
	return progname;
}

static void
vmessage(const char *kind, const char *fmt, va_list ap)
{
	char buf[2048];
	vsnprintf(buf, sizeof buf, fmt, ap);
	/* One line per diagnostic, whatever the message holds. */
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	fprintf(stderr, "%s: %s%s\n", progname, kind, buf);
}

void
tomo_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error: ", fmt, ap);
	va_end(ap);
	tomo_output_abort_all_files();
	exit(code);
}

void
tomo_die_lib(int code)
{
	tomo_die(code ? code : TOMO_ERR, "%s", tomo_errmsg());
}

void
tomo_warn(const char *fmt, ...)
{
	va_list ap;

	if (quiet_flag)
		return;
	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

void
tomo_note(const char *fmt, ...)
{
	va_list ap;

	if (quiet_flag)
		return;
	va_start(ap, fmt);
	vmessage("note: ", fmt, ap);
	va_end(ap);
}

void
tomo_verbose(const char *fmt, ...)
{
	va_list ap;

	if (!verbose_flag)
		return;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

int
tomo_is_verbose(void)
{
	return verbose_flag;
}

int
tomo_tool_use_gpu(const struct tomo_common *c)
{
	int gpu = 0;
	char why[256];

	if (tomo_device_select(c->device, c->device_index, &gpu))
		tomo_die_lib(TOMO_ENODEV);
	if (c->device == TOMO_DEVICE_AUTO && !gpu && tomo_built_with_cuda()) {
		tomo_gpu_usable(c->device_index, why, sizeof why);
		tomo_verbose("no usable GPU (%s): using the CPU", why);
	}
	if (gpu)
		tomo_verbose("using GPU %d, %s", c->device_index, tomo_gpu_name());
	return gpu;
}

static void progress_draw(struct tomo_progress *p, int pct, double now);

void
tomo_progress_start(struct tomo_progress *p, const struct tomo_common *c, const char *label,
                    const char *unit, int64_t total)
{
	memset(p, 0, sizeof *p);
	p->on = c && c->progress && total > 0;
	p->tty = isatty(2);
	p->total = total;
	p->label = label;
	p->unit = unit;
	p->part_n = total;
	p->start = tomo_now();
	p->drawn = -1;
	p->last_pct = -1;
	/* On a terminal the bar shows at once, before the first report. */
	if (p->on && p->tty)
		progress_draw(p, 0, p->start);
}

/* "12 s", "4:05", "1:02:03" */
static void
format_seconds(char *buf, size_t n, double s)
{
	long t = (long)(s + 0.5);
	if (s < 9.95)
		snprintf(buf, n, "%.1f s", s);
	else if (t < 60)
		snprintf(buf, n, "%ld s", t);
	else if (t < 3600)
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
	else
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static void
progress_draw(struct tomo_progress *p, int pct, double now)
{
	const double el = now - p->start;
	char rate[64] = "", left[32] = "";

	if (p->unit && el > 0 && p->done > 0)
		snprintf(rate, sizeof rate, "%.3g %s/s", (double)p->done / el, p->unit);
	if (p->done > 0 && p->done < p->total)
		format_seconds(left, sizeof left,
		               el * (double)(p->total - p->done) / (double)p->done);
	if (p->tty) {
		char bar[31];
		int fill = pct * 30 / 100;
		for (int i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = 0;
		fprintf(stderr, "\r%s: %s [%s] %3d%%%s%s%s%s%s\033[K", progname, p->label, bar, pct,
		        *rate ? " " : "", rate, *left ? ", " : "", left, *left ? " left" : "");
	} else {
		fprintf(stderr, "%s: %s %d%%%s%s%s%s%s\n", progname, p->label, pct,
		        *rate || *left ? " (" : "", rate, *rate && *left ? ", " : "", left,
		        *left ? " left)" : *rate ? ")" : "");
	}
	fflush(stderr);
	p->drawn = now;
	p->last_pct = pct;
}

void
tomo_progress_set(struct tomo_progress *p, int64_t done)
{
	p->done = done < p->total ? done : p->total;
	if (!p->on)
		return;
	const int pct = (int)(100 * p->done / p->total);
	if (pct == p->last_pct && p->drawn >= 0 && !p->tty)
		return;
	const double now = tomo_now();
	/* A terminal: a new percentage at most 10 times a second, the rate
	 * and time left at least once a second. A file: each tenth. */
	if (p->tty ? (now - p->drawn >= 1.0 || (pct != p->last_pct && now - p->drawn >= 0.1))
	           : pct / 10 != p->last_pct / 10 || p->drawn < 0)
		progress_draw(p, pct, now);
}

void
tomo_progress_add(struct tomo_progress *p, int64_t n)
{
	tomo_progress_set(p, p->done + n);
}

static void
progress_report(void *ctx, int64_t done, int64_t total)
{
	struct tomo_progress *p = ctx;
	if (total > 0)
		tomo_progress_set(p, p->part0 + (int64_t)((double)p->part_n * (double)done /
		                                          (double)total));
}

void
tomo_progress_part(struct tomo_progress *p, int64_t first, int64_t n)
{
	p->part0 = first;
	p->part_n = n;
}

struct tomo_progress_cb
tomo_progress_cb_of(struct tomo_progress *p)
{
	return (struct tomo_progress_cb){progress_report, p};
}

void
tomo_progress_end(struct tomo_progress *p)
{
	if (p->on) {
		char took[32];
		format_seconds(took, sizeof took, tomo_now() - p->start);
		fprintf(stderr, "%s%s: %s done in %s%s\n", p->tty ? "\r" : "", progname, p->label,
		        took, p->tty ? "\033[K" : "");
		p->on = 0;
	}
}
