/*
 * tool: what every tomo-NAME main() shares, and the only part of libtomo
 * that prints or exits. One declarative option table per tool feeds
 * getopt_long, --help and --list-options (completions and tests read it).
 * Usage problems are collected and reported all at once (exit 2).
 */
#ifndef TOMO_TOOL_H
#define TOMO_TOOL_H

#include <stdint.h>

#include "tomo/dev.h"
#include "tomo/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tomo_opt {
	const char *name;  /* long name without "--" */
	int short_name;    /* 0 if none */
	const char *arg;   /* metavar ("X", "ramp|hann"), NULL for a flag */
	const char *help;  /* one line */
	int key;           /* passed to the handler; use >= 256 without a short name */
};

/* Common option groups, chosen per tool. -h, -V, -v, -q and
 * --list-options are always there. */
enum {
	TOMO_COMMON_OUTPUT = 1 << 0,   /* -o, --output PATH */
	TOMO_COMMON_DEVICE = 1 << 1,   /* --device auto|cpu|gpu|gpu:N (TOMO_DEVICE) */
	TOMO_COMMON_THREADS = 1 << 2,  /* --threads N (TOMO_THREADS) */
	TOMO_COMMON_MEMORY = 1 << 3,   /* --memory SIZE (TOMO_MEMORY) */
	TOMO_COMMON_PROGRESS = 1 << 4, /* --progress, --no-progress */
	TOMO_COMMON_SHAPE = 1 << 5,    /* --shape XxYxZ for raw input */
	TOMO_COMMON_PART = 1 << 6,     /* --part I/N (TOMO_PART) */
	TOMO_COMMON_ALL = 0x7f,
};

struct tomo_tool {
	const char *name;       /* "tomo-fbp" */
	const char *usage;      /* "[options] [INPUT]" */
	const char *summary;    /* one line for --help */
	unsigned common;        /* TOMO_COMMON_* */
	const struct tomo_opt *opts; /* ends with an entry whose name is NULL */
	int max_operands;       /* operands accepted (INPUT: 1) */
};

struct tomo_common {
	const char *output;     /* NULL: stdout */
	int verbose, quiet;
	enum tomo_device device;
	int device_index;       /* N of gpu:N (CUDA's numbering); 0 otherwise */
	int threads;            /* 0: OpenMP's default */
	int64_t memory;         /* bytes */
	int progress;           /* 1 when a progress bar should be drawn */
	const char *shape;      /* NULL unless --shape */
	int part, nparts;       /* --part I/N (TOMO_PART); 0 of 1: the whole output */
	char **operands;
	int noperands;
	const char *input;      /* operands[0], or "-" */
};

typedef void (*tomo_opt_handler)(void *ctx, int key, const char *arg);

/* Beat 1: program name, locale (numbers always in C form), SIGPIPE back to
 * its default, partial outputs removed on SIGINT/SIGTERM/SIGHUP. */
void tomo_tool_init(const char *name);
const char *tomo_progname(void);

/* Beat 2: parse argv. Calls handler(ctx, key, arg) for the tool's own
 * options in order. Exits 0 after --help/--version/--list-options, and 2
 * after reporting every problem found (the handler reports through
 * tomo_usage_error). Applies --threads to OpenMP. */
void tomo_opt_parse(const struct tomo_tool *t, int argc, char **argv,
                    struct tomo_common *c, tomo_opt_handler handler, void *ctx);

/* Record a usage problem ("tomo-x: error: ..." printed at once). */
void tomo_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit 2 if any usage problem was recorded (for checks after parsing). */
void tomo_usage_done(void);

/* Value parsers for handlers: a bad value records a usage error naming the
 * option and returns the fallback 0 / -1. */
double tomo_arg_double(const char *opt, const char *arg);
/* A number > 0 (or >= 0 when allow_zero). */
double tomo_arg_positive(const char *opt, const char *arg, int allow_zero);
int64_t tomo_arg_int(const char *opt, const char *arg, int64_t min, int64_t max);
/* One of choices (NULL-terminated): its index. */
int tomo_arg_choice(const char *opt, const char *arg, const char *const *choices);
/* "A:B" reals. Returns 0 on success. */
int tomo_arg_real_range(const char *opt, const char *arg, double *a, double *b);
/* "A:B[:STEP]" integers, A < B, STEP >= 1 (1 when absent). Returns 0 on
 * success. */
int tomo_arg_int_range(const char *opt, const char *arg, int64_t *a, int64_t *b,
                       int64_t *step);
/* "512M", "4G", "1.5GiB", plain bytes. */
int64_t tomo_arg_bytes(const char *opt, const char *arg);

/* Report and exit: "tomo-x: error: MESSAGE". Removes partial outputs. */
void tomo_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* Report the library's last error (tomo_errmsg) and exit with code. */
void tomo_die_lib(int code) __attribute__((noreturn));
/* A warning, silenced by -q. */
void tomo_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "tomo-x: note: ...": something the user should know although nothing is
 * wrong (work left out, and why), silenced by -q. */
void tomo_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Information, printed only with -v. */
void tomo_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tomo_is_verbose(void);

/* Resolve --device: 1 for the GPU (c->device_index, to be handed to the
 * library as the device), 0 for the CPU. Exits 3 when the GPU was
 * demanded and is unusable; with auto, falls back to the CPU (noted with -v). */
int tomo_tool_use_gpu(const struct tomo_common *c);

/*
 * A progress bar on stderr when c->progress: on a terminal, one line
 * redrawn in place (at least once a second while the work advances) with
 * the percentage, the rate in the bar's unit and the time left; into a
 * pipe or a file (--progress), a plain line at each tenth of the work,
 * never carriage returns. unit names what total counts ("slices"), or
 * NULL for no rate.
 */
struct tomo_progress {
	int on, tty;
	int64_t total, done;
	int64_t part0, part_n; /* where reports land (tomo_progress_part) */
	double start, drawn;
	int last_pct;
	const char *label, *unit;
};
void tomo_progress_start(struct tomo_progress *p, const struct tomo_common *c,
                         const char *label, const char *unit, int64_t total);
void tomo_progress_add(struct tomo_progress *p, int64_t n);
void tomo_progress_set(struct tomo_progress *p, int64_t done);
void tomo_progress_end(struct tomo_progress *p);
/* Reports of a library function (done of total in its units) moving the
 * bar p over its current part: all of it, unless tomo_progress_part said
 * that the next reports cover n of its units from first. */
struct tomo_progress_cb tomo_progress_cb_of(struct tomo_progress *p);
void tomo_progress_part(struct tomo_progress *p, int64_t first, int64_t n);

#ifdef __cplusplus
}
#endif

#endif
