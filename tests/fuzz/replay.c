/*
 * replay: every input that ever crashed or hung a fuzz harness, kept in
 * tests/fuzz/regressions/TARGET/, run through the same harness compiled
 * without libFuzzer (the normal and the sanitizer builds run it as a unit
 * test), each in a child process of its own. Each must fail cleanly: a
 * library call returned an error with a message, nothing crashed (the
 * sanitizers' exit codes included), and it took less than a minute (an
 * alarm ends a hang). Inputs that are valid once fixed end in ".ok" and
 * only must not crash. As under libFuzzer (tests/fuzz/run), an allocation of more than
 * 2 GiB by libtomo is a failure too (the link wraps malloc, calloc and
 * realloc): a size a file claims must be checked before it is allocated.
 * TAP output; run from the repository's root.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define TARGETS(X) X(nrrd) X(nhdr) X(raw) X(npy) X(tiff) X(hdf5) X(scan)

#define DECLARE(name) int fuzz_target_##name(const uint8_t *data, size_t size);
TARGETS(DECLARE)

static const struct {
	const char *name;
	int (*run)(const uint8_t *, size_t);
} targets[] = {
#define ROW(name) {#name, fuzz_target_##name},
	TARGETS(ROW)
};

#define MALLOC_LIMIT ((size_t)2 << 30)

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static void
limit(size_t n)
{
	if (n > MALLOC_LIMIT) {
		fprintf(stderr, "replay: an allocation of %zu bytes, beyond the limit\n", n);
		abort();
	}
}

void *
__wrap_malloc(size_t n)
{
	limit(n);
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	limit(size && n > MALLOC_LIMIT / size ? MALLOC_LIMIT + 1 : n * size);
	return __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	limit(n);
	return __real_realloc(p, n);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
regular(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static unsigned char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len + 1)) && fread(buf, 1, (size_t)len, f) == (size_t)len)
		*n = (size_t)len;
	else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int
main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "tests/fuzz/regressions";
	int test = 0, bad = 0;

	fuzz_dir(); /* one directory for every child, removed at the end */

	for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
		char dir[4096];
		struct dirent **ents;
		int n;

		snprintf(dir, sizeof dir, "%s/%s", root, targets[t].name);
		if ((n = scandir(dir, &ents, regular, by_name)) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			char path[8192];
			const char *name = ents[i]->d_name;
			size_t len = 0, nl = strlen(name);
			int ok_expected = nl > 3 && !strcmp(name + nl - 3, ".ok");
			unsigned char *data;

			snprintf(path, sizeof path, "%s/%s", dir, name);
			if (!(data = slurp(path, &len))) {
				printf("not ok %d - %s/%s: cannot read it\n", ++test, targets[t].name, name);
				bad = 1;
				free(ents[i]);
				continue;
			}
			fflush(stdout);
			pid_t pid = fork();
			if (pid == 0) {
				alarm(60);
				targets[t].run(data, len);
				exit(ok_expected || fuzz_errors ? 0 : 3);
			}
			int st = 0;
			free(data);
			if (pid < 0 || waitpid(pid, &st, 0) != pid)
				st = -1;
			const char *why = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? NULL
			                  : WIFEXITED(st) && WEXITSTATUS(st) == 3 ? "no call failed"
			                  : WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM
			                          ? "hung (no end after 60 s)"
			                          : "crashed";
			if (why) {
				printf("not ok %d - %s/%s: %s (status %d)\n", ++test, targets[t].name, name,
				       why, st);
				bad = 1;
			} else {
				printf("ok %d - %s/%s\n", ++test, targets[t].name, name);
			}
			fflush(stdout);
			free(ents[i]);
		}
		free(ents);
	}
	printf("1..%d\n", test);
	return bad;
}
