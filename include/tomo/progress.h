/*
 * progress: the one time source and the one way libtomo reports how far a
 * long computation has got. A library function that takes a
 * struct tomo_progress_cb calls it with the work done so far out of the
 * total, in units of its choosing (documented where it is taken), from the
 * thread that called the function, whenever a piece of work is done: often
 * (many times a second while work advances), so whoever draws it
 * throttles. The library never prints; a tool turns reports into its
 * progress bar (tool.h).
 */
#ifndef TOMO_PROGRESS_H
#define TOMO_PROGRESS_H

#include <stdint.h>

#include "tomo/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Seconds on a monotonic clock. */
TOMO_API double tomo_now(void);

struct tomo_progress_cb {
	void (*fn)(void *ctx, int64_t done, int64_t total); /* NULL: no reports */
	void *ctx;
};

/* Report done of total through cb (which may be NULL or hold no fn). */
static inline void
tomo_progress_report(const struct tomo_progress_cb *cb, int64_t done, int64_t total)
{
	if (cb && cb->fn)
		cb->fn(cb->ctx, done, total);
}

#ifdef __cplusplus
}
#endif

#endif
