/*
 * err: status codes and the library's thread-local error message.
 * The library never prints and never exits: a failing call stores a one-line
 * message (no program name, no trailing newline) and returns a status code.
 * Tools turn that into "tomo-NAME: error: MESSAGE" and an exit code (tool.h).
 */
#ifndef TOMO_ERR_H
#define TOMO_ERR_H

#include "tomo/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes double as the tools' exit codes. */
enum tomo_status {
	TOMO_OK = 0,
	TOMO_ERR = 1,    /* runtime failure: I/O, bad data, CUDA error */
	TOMO_EUSAGE = 2, /* bad option or argument */
	TOMO_ENODEV = 3, /* a GPU was demanded but none is usable */
};

/* Store a printf-formatted message for this thread and return code. */
TOMO_API int tomo_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like tomo_error, with ": strerror(errnum)" appended. */
TOMO_API int tomo_error_sys(int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The last message stored by this thread ("" if none). Valid until the
 * next tomo_error* call on the same thread. */
TOMO_API const char *tomo_errmsg(void);

/* Prefix the current message with "CONTEXT: " (e.g. a file name). */
TOMO_API void tomo_error_context(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif

#endif
