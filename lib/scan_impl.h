/*
 * scan_impl: what the scan front (lib/scan.c: tomo_scan_open, plain input
 * with side inputs) shares with its format back-ends (scan_dxchange.c,
 * scan_nxtomo.c): the back-ends' entry points, and the building blocks of
 * a struct tomo_scan_input they all use (lib/scan_frames.c). Calls go from
 * the front to the back-ends to scan_frames.c, never back. Internal to
 * libtomo.
 */
#ifndef TOMO_SCAN_IMPL_H
#define TOMO_SCAN_IMPL_H

#include <hdf5.h>
#include <stdint.h>

#include "tomo/io.h"
#include "tomo/scan.h"

/* ---- lib/scan_frames.c */

/* A malloc'd string as printf formats it; NULL when out of memory. */
char *tomo_scan_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Keep text (malloc'd, or NULL: nothing) as a note (a warning the tool
 * prints) or an info line (printed with -v); freed when the list is full. */
void tomo_scan_note(struct tomo_scan_input *s, char *text);
void tomo_scan_info(struct tomo_scan_input *s, char *text);

/* Open the input spec (shape: --shape for raw input, or NULL) and keep it
 * in s for tomo_scan_close. A usage error of the io layer is TOMO_ERR. */
int tomo_scan_add_input(struct tomo_scan_input *s, const char *spec, const char *shape,
                        struct tomo_input **in);

/* Frames of one scan at most: the scan keeps 16 bytes per frame before a
 * sample is read, so a count a damaged header claims is refused first
 * (tomo-fbp reconstructs at most as many angles). */
#define TOMO_SCAN_MAX_FRAMES ((int64_t)1 << 24)

/* TOMO_ERR (naming in) when in's n frames are more than a scan reads. */
int tomo_scan_check_frames(const struct tomo_input *in, int64_t n);

/* Fill f with frames first..first+n-1 of in, named name (malloc'd, taken
 * over; NULL is out of memory); more than TOMO_SCAN_MAX_FRAMES refused. */
int tomo_scan_frames_range(struct tomo_frames *f, struct tomo_input *in, int64_t first, int64_t n,
                           char *name);

/* Append a zeroed set to an array of *n sets; NULL when out of memory. */
struct tomo_frames *tomo_scan_frames_add(struct tomo_frames **list, int *n);

/* Every frame of the input spec as the set f (NULL: out of memory) with
 * anchor; what names the set in messages ("darks"). */
int tomo_scan_side_input(struct tomo_scan_input *s, const char *spec, const char *shape,
                         const char *what, double anchor, struct tomo_frames *f);

/* ---- the back-ends */

/* The flats and darks of a DXchange file (lib/scan_dxchange.c), the
 * projections (s->proj, s->pos) being opened already; those that o gives
 * are left for the front. */
int tomo_scan_open_dxchange(struct tomo_scan_input *s, hid_t file, const char *fname,
                            const struct tomo_scan_opts *o);

/* Split the NXtomo stack of group stack (in entry, "" the root) by its
 * image_key into projections, flat groups and darks, with the angles the
 * entry records when they are found (lib/scan_nxtomo.c). */
int tomo_scan_open_nxtomo(struct tomo_scan_input *s, hid_t file, const char *fname,
                          const char *stack, const char *entry, const char *shape);

#endif
