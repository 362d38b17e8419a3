/*
 * print: tomo-bench's report as a table for people (one line per
 * row, aligned columns, a header) or as one JSON document for programs
 * (the schema is in tomo-bench(1)). Numbers that do not exist (no ceiling,
 * a stage that did not run) are "-" in the table and null in JSON; stages
 * skipped on a device are not rows but one JSON entry (the tool says so on
 * stderr).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const char *const status_names[] = {"ok", "unavailable", "failed"};

/* Three significant digits, without exponents for large values. */
static void
cell_number(char *out, size_t n, double v, const char *unit)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else if (fabs(v) >= 1000)
		snprintf(out, n, "%.0f%s%s", v, unit[0] ? " " : "", unit);
	else
		snprintf(out, n, "%.3g%s%s", v, unit[0] ? " " : "", unit);
}

static void
cell_time(char *out, size_t n, double s)
{
	if (s >= 1)
		cell_number(out, n, s, "s");
	else if (s >= 1e-3)
		cell_number(out, n, s * 1e3, "ms");
	else
		cell_number(out, n, s * 1e6, "us");
}

void
tomo_bench_print_table(FILE *f, const struct tomo_bench_report *r)
{
	fprintf(f, "%-18s %-6s %-22s %-9s %-24s %-28s %s\n", "stage", "device", "size", "median",
	        "throughput", "ceiling", "fraction");
	for (int i = 0; i < r->nrows; i++) {
		const struct tomo_bench_row *w = &r->rows[i];
		char med[32], thr[48], ceil[96], frac[32];
		fprintf(f, "%-18s %-6s %-22s ", w->stage, w->device, w->size);
		if (w->status != TOMO_BENCH_OK) {
			fprintf(f, "%-9s %s: %s\n", "-",
			        w->status == TOMO_BENCH_FAILED ? "FAILED" : "unavailable",
			        w->reason);
			continue;
		}
		cell_time(med, sizeof med, w->median);
		cell_number(thr, sizeof thr, w->value, w->unit);
		if (isnan(w->ceiling)) {
			snprintf(ceil, sizeof ceil, "-");
		} else {
			char v[48];
			cell_number(v, sizeof v, w->ceiling, "");
			snprintf(ceil, sizeof ceil, "%s (%s)", v, w->ceiling_name);
		}
		if (isnan(w->fraction))
			snprintf(frac, sizeof frac, "-");
		else
			snprintf(frac, sizeof frac, "%.2f", w->fraction);
		fprintf(f, "%-9s %-24s %-28s %s\n", med, thr, ceil, frac);
	}
}

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void
json_number(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.9g", v);
	else
		fputs("null", f);
}

static void
json_string_or_null(FILE *f, const char *s)
{
	if (s && *s)
		json_string(f, s);
	else
		fputs("null", f);
}

static void
print_machine(FILE *f, const struct tomo_bench_machine *m)
{
	fputs("  \"machine\": {\"cpu\": ", f);
	json_string(f, m->cpu);
	fprintf(f, ", \"cores\": %d, \"threads\": %d, \"cuda_built\": %s, \"gpu\": ", m->cores,
	        m->threads, m->cuda_built ? "true" : "false");
	json_string_or_null(f, m->gpu_usable ? m->gpu : NULL);
	fprintf(f, ", \"gpu_usable\": %s, \"gpu_reason\": ", m->gpu_usable ? "true" : "false");
	json_string_or_null(f, m->gpu_usable ? NULL : m->gpu_reason);
	fputs(", \"date\": ", f);
	json_string(f, m->date);
	fputs(", \"load_average\": [", f);
	for (int k = 0; k < 3; k++) {
		fputs(k ? ", " : "", f);
		json_number(f, m->load[k]);
	}
	fputs("], \"kernel\": ", f);
	json_string(f, m->kernel);
	fputs("},\n", f);
}

/* The names of the stages in mask, as a JSON array. */
static void
json_stages(FILE *f, unsigned mask)
{
	fputc('[', f);
	for (int s = 0, n = 0; s < TOMO_BENCH_NSTAGES; s++)
		if ((mask >> s) & 1u) {
			fputs(n++ ? ", " : "", f);
			json_string(f, tomo_bench_stage_names[s]);
		}
	fputc(']', f);
}

static void
print_config(FILE *f, const struct tomo_bench_config *c)
{
	fprintf(f,
	        "  \"config\": {\"size\": %lld, \"angles\": %lld, \"rows\": %lld, "
	        "\"projections\": %lld, \"move_bytes\": %lld, \"stream_bytes\": %lld, "
	        "\"warmup\": %d, \"repeat\": %d, \"devices\": [",
	        (long long)c->size, (long long)c->angles, (long long)c->rows,
	        (long long)c->projections, (long long)c->move_bytes, (long long)c->stream_bytes,
	        c->warmup, c->repeat);
	fprintf(f, "%s%s%s], \"stages\": ", c->cpu ? "\"cpu\"" : "", c->cpu && c->gpu ? ", " : "",
	        c->gpu ? "\"gpu\"" : "");
	json_stages(f, c->stages);
	fputs("},\n", f);
}

/* Stages not run on a device, listed once with the reason instead of a
 * row each: the GPU's when there is none. */
static void
print_skipped(FILE *f, const struct tomo_bench_report *r)
{
	fputs("  \"skipped\": [", f);
	if (r->gpu_skipped) {
		fputs("{\"device\": \"gpu\", \"reason\": ", f);
		json_string(f, r->machine.gpu_reason);
		fputs(", \"stages\": ", f);
		json_stages(f, r->gpu_skipped);
		fputc('}', f);
	}
	fputs("],\n", f);
}

static void
print_row(FILE *f, const struct tomo_bench_row *w)
{
	const int ok = w->status == TOMO_BENCH_OK;

	fputs("    {\"stage\": ", f);
	json_string(f, w->stage);
	fputs(", \"group\": ", f);
	json_string(f, tomo_bench_stage_names[w->group]);
	fputs(", \"device\": ", f);
	json_string(f, w->device);
	fputs(", \"size\": ", f);
	json_string(f, w->size);
	fputs(", \"params\": {", f);
	for (int k = 0; k < w->nparam; k++) {
		fputs(k ? ", " : "", f);
		json_string(f, w->param[k].key);
		fputs(": ", f);
		json_number(f, w->param[k].value);
	}
	fprintf(f, "}, \"status\": \"%s\", \"reason\": ", status_names[w->status]);
	json_string_or_null(f, ok ? NULL : w->reason);
	fputs(", \"median_s\": ", f);
	json_number(f, ok ? w->median : NAN);
	fputs(", \"times_s\": [", f);
	for (int k = 0; ok && k < w->nt; k++) {
		fputs(k ? ", " : "", f);
		json_number(f, w->t[k]);
	}
	fputs("], \"throughput\": ", f);
	json_number(f, ok ? w->value : NAN);
	fputs(", \"throughput_unit\": ", f);
	json_string_or_null(f, ok ? w->unit : NULL);
	fputs(", \"ceiling\": ", f);
	json_number(f, w->ceiling);
	fputs(", \"ceiling_unit\": ", f);
	json_string_or_null(f, isnan(w->ceiling) ? NULL : w->unit);
	fputs(", \"ceiling_name\": ", f);
	json_string_or_null(f, isnan(w->ceiling) ? NULL : w->ceiling_name);
	fputs(", \"fraction\": ", f);
	json_number(f, w->fraction);
	fputs("}", f);
}

void
tomo_bench_print_json(FILE *f, const struct tomo_bench_config *c, const struct tomo_bench_report *r)
{
	fputs("{\n  \"tool\": \"tomo-bench\",\n  \"version\": ", f);
	json_string(f, TOMO_VERSION);
	fputs(",\n", f);
	print_machine(f, &r->machine);
	print_config(f, c);
	print_skipped(f, r);
	fputs("  \"rows\": [\n", f);
	for (int i = 0; i < r->nrows; i++) {
		print_row(f, &r->rows[i]);
		fputs(i + 1 < r->nrows ? ",\n" : "\n", f);
	}
	fputs("  ]\n}\n", f);
}
