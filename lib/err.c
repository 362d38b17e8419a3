/*
 * err: the thread-local error message behind tomo_error().
 * Messages are truncated to a fixed size; nothing here allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tomo/err.h"

#define MSG_MAX 1024

static _Thread_local char msg[MSG_MAX];

int
tomo_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return code;
}

int
tomo_error_sys(int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, sizeof msg - n, ": %s", strerror(errnum));
	return code;
}

const char *
tomo_errmsg(void)
{
	return msg;
}

void
tomo_error_context(const char *fmt, ...)
{
	char old[MSG_MAX];
	va_list ap;
	size_t n;

	memcpy(old, msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n = strlen(msg);
	/* A message cut at MSG_MAX is fine; using the count tells GCC so
	 * (-Wformat-truncation fires at -O1, the sanitizer build). */
	if (snprintf(msg + n, sizeof msg - n, ": %s", old) < 0)
		msg[n] = 0;
}
