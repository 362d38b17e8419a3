/*
 * fuzz: what the harnesses of tests/fuzz/ share. Each harness (fuzz_*.c)
 * turns the fuzzer's bytes into files in a private temporary directory and
 * opens them through libtomo's public entry points (tomo_input_open and
 * reads of a few boxes, tomo_scan_open), as a tool would with a small
 * --memory. Built two ways: with libFuzzer (clang, `make fuzz`), each
 * harness is a fuzz target of its own; without (FUZZ_REPLAY, the normal and
 * the sanitizer builds), the harnesses are functions that
 * tests/fuzz/replay.c runs on every file of tests/fuzz/regressions/.
 */
#ifndef TOMO_FUZZ_H
#define TOMO_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "tomo/io.h"
#include "tomo/scan.h"

#ifdef FUZZ_REPLAY
#define FUZZ_TARGET(name) int fuzz_target_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* The most samples one read asks for (64 MiB of floats), as a tool under
 * a small --memory would: a header claiming more is read in boxes. */
#define FUZZ_MAX_SAMPLES ((int64_t)1 << 24)

/* Calls into libtomo that failed (with a message) and that succeeded,
 * since the start: replay.c checks that a regression input fails. */
extern long fuzz_errors, fuzz_successes;

/* The harness's private directory (made on first use, removed at exit)
 * and a file name in it ("DIR/name", valid until the next call). */
const char *fuzz_dir(void);
const char *fuzz_path(const char *name);

/* Replace the file name (in fuzz_dir) by n bytes of data; its path. */
const char *fuzz_write(const char *name, const void *data, size_t n);

/* Open path as a tool's input (o may be NULL), check its header, read a
 * few boxes (first plane, a middle box, the last corner; converted and,
 * where the reader can, unconverted), close. */
void fuzz_input(const char *path, const struct tomo_input_opts *o);

/* The same with the file on standard input (a stream). */
void fuzz_input_stdin(const char *path, const char *shape);

/* Open path as a scan (tomo_scan_open), look at every set of frames it
 * gives (their inputs, indices, angles), read a frame of each, close. */
void fuzz_scan(const char *path, const struct tomo_scan_opts *o);

/* Abort when an HDF5 object is still open: every opener must close what it
 * opened, on every error path. */
void fuzz_hdf5_none_open(void);

/* Bytes of fuzzer input taken in order (libFuzzer's FuzzedDataProvider in
 * C): past the end every value is 0. */
struct fuzz_bytes {
	const uint8_t *p;
	size_t n;
};
unsigned fuzz_u8(struct fuzz_bytes *b);
unsigned fuzz_u16(struct fuzz_bytes *b);
uint32_t fuzz_u32(struct fuzz_bytes *b);
/* A value in lo..hi. */
int64_t fuzz_range(struct fuzz_bytes *b, int64_t lo, int64_t hi);

#endif
