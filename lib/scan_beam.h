/*
 * scan_beam: the beamline parameters a scan file records (X-ray energy,
 * sample-detector distance, pixel size at the sample), read from the
 * places DXchange and NXtomo files keep them and converted to the stream's
 * units. Internal to libtomo: lib/scan.c calls it while the file is open.
 * (A simulated scan's beam profile is another thing: tomo_sim_beam.)
 */
#ifndef TOMO_SCAN_BEAM_H
#define TOMO_SCAN_BEAM_H

#include <hdf5.h>

#include "tomo/scan.h"

enum tomo_scan_beam_dim {
	TOMO_SCAN_BEAM_ENERGY, /* to keV */
	TOMO_SCAN_BEAM_LENGTH, /* to metres */
};

/* The factor taking a value in units u to keV (energy) or metres (length);
 * 0 when u is not a unit of that kind. Spaces around u are ignored; case is
 * ignored except where it makes the difference (MeV, meV); micrometres are
 * um, µm (U+00B5 or U+03BC), micron(s) or micrometre(s). */
double tomo_scan_beam_unit(const char *u, enum tomo_scan_beam_dim dim);

/* Read the energy (keV), distance and pixel size (metres) that the
 * DXchange (s->layout) or NXtomo file recorded into s->hdr's energy,
 * distance and pixel_size; a value not found or refused stays NAN. entry
 * and stack are the NXtomo entry and stack groups ("" the root; unused for
 * DXchange). What was read from where goes to s->info (for -v), a value
 * found but refused (not positive, implausible, unknown unit) to s->notes
 * (warnings). Never fails: a scan without these is still a scan. */
void tomo_scan_beam_read(struct tomo_scan_input *s, hid_t file, const char *fname,
                         const char *entry, const char *stack);

#endif
