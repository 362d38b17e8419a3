/*
 * api: what libtomo's public API is. libtomo is built with
 * -fvisibility=hidden: a function of the shared library is exported only
 * when a public header (include/tomo/, the ones installed; tool.h is the
 * tools' own) declares it with TOMO_API, and every such declaration is
 * exported (tests/check-exports). Everything else is internal, whatever
 * its name: the headers in lib/ and kernels/, and tool.h.
 */
#ifndef TOMO_API_H
#define TOMO_API_H

#if defined(__GNUC__) || defined(__clang__)
#define TOMO_API __attribute__((visibility("default")))
#else
#define TOMO_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH" (the tools' --version). */
TOMO_API const char *tomo_version(void);

#ifdef __cplusplus
}
#endif

#endif
