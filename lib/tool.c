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

	if (tomo_device_select(c->device, &gpu))
		tomo_die_lib(TOMO_ENODEV);
	if (c->device == TOMO_DEVICE_AUTO && !gpu && tomo_built_with_cuda()) {
		tomo_gpu_usable(why, sizeof why);
		tomo_verbose("no usable GPU (%s): using the CPU", why);
	}
	if (gpu)
		tomo_verbose("using the GPU %s", tomo_gpu_name());
	return gpu;
}

double
tomo_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
tomo_progress_start(struct tomo_progress *p, const struct tomo_common *c,
                    const char *label, int64_t total)
{
	memset(p, 0, sizeof *p);
	p->on = c && c->progress && total > 0;
	p->total = total;
	p->label = label;
	p->start = tomo_now();
	p->last_pct = -1;
}

void
tomo_progress_add(struct tomo_progress *p, int64_t n)
{
	p->done += n;
	if (!p->on)
		return;
	int pct = (int)(100 * p->done / p->total);
	if (pct == p->last_pct)
		return;
	p->last_pct = pct;
	double el = tomo_now() - p->start;
	double eta = p->done ? el * (double)(p->total - p->done) / (double)p->done : 0;
	char bar[31];
	int fill = pct * 30 / 100;
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = 0;
	fprintf(stderr, "\r%s: %s [%s] %3d%% %.0fs left ", progname, p->label, bar,
	        pct, eta);
	fflush(stderr);
}

void
tomo_progress_end(struct tomo_progress *p)
{
	if (p->on) {
		fprintf(stderr, "\r%s: %s done in %.1fs%*s\n", progname, p->label,
		        tomo_now() - p->start, 40, "");
		p->on = 0;
	}
}
