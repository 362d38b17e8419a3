/* Unit tests of lib/scan_beam.c's unit table: every spelling a beamline
 * writes converts by the factor worked out by hand, case matters only for
 * MeV/meV and m/mm (M, Mm are not ours), plurals of words (not of
 * symbols), and what is not a unit of the kind asked is 0. Reading files is
 * tested end to end in tests/tomo-flat-meta.bats. */
#include "scan_beam.h"
#include "unit.h"

static void
energies(void)
{
	const double j = 1 / 1.602176634e-16; /* keV per joule */

	CHECK(tomo_scan_beam_unit("keV", TOMO_SCAN_BEAM_ENERGY) == 1, "keV");
	CHECK(tomo_scan_beam_unit(" KeV ", TOMO_SCAN_BEAM_ENERGY) == 1, "KeV with spaces");
	CHECK(tomo_scan_beam_unit("kev", TOMO_SCAN_BEAM_ENERGY) == 1, "kev");
	CHECK(tomo_scan_beam_unit("eV", TOMO_SCAN_BEAM_ENERGY) == 1e-3, "eV");
	CHECK(tomo_scan_beam_unit("electronvolts", TOMO_SCAN_BEAM_ENERGY) == 1e-3, "plural");
	CHECK(tomo_scan_beam_unit("MeV", TOMO_SCAN_BEAM_ENERGY) == 1e3, "MeV");
	CHECK(tomo_scan_beam_unit("meV", TOMO_SCAN_BEAM_ENERGY) == 1e-6, "meV");
	CHECK(tomo_scan_beam_unit("MEV", TOMO_SCAN_BEAM_ENERGY) == 0, "MEV is ambiguous");
	CHECK(tomo_scan_beam_unit("J", TOMO_SCAN_BEAM_ENERGY) == j, "J");
	CHECK(tomo_scan_beam_unit("joules", TOMO_SCAN_BEAM_ENERGY) == j, "joules");
	/* 10 keV in joules, DXfile's example. */
	CHECK_NEAR(1.602176634e-15 * tomo_scan_beam_unit("J", TOMO_SCAN_BEAM_ENERGY), 10, 1e-12);
	CHECK(tomo_scan_beam_unit("mm", TOMO_SCAN_BEAM_ENERGY) == 0, "a length is no energy");
	CHECK(tomo_scan_beam_unit("", TOMO_SCAN_BEAM_ENERGY) == 0, "empty");
	CHECK(tomo_scan_beam_unit(NULL, TOMO_SCAN_BEAM_ENERGY) == 0, "NULL");
}

static void
lengths(void)
{
	CHECK(tomo_scan_beam_unit("m", TOMO_SCAN_BEAM_LENGTH) == 1, "m");
	CHECK(tomo_scan_beam_unit("M", TOMO_SCAN_BEAM_LENGTH) == 0, "M");
	CHECK(tomo_scan_beam_unit("metres", TOMO_SCAN_BEAM_LENGTH) == 1, "metres");
	CHECK(tomo_scan_beam_unit("Meter", TOMO_SCAN_BEAM_LENGTH) == 1, "Meter");
	CHECK(tomo_scan_beam_unit("cm", TOMO_SCAN_BEAM_LENGTH) == 1e-2, "cm");
	CHECK(tomo_scan_beam_unit("mm", TOMO_SCAN_BEAM_LENGTH) == 1e-3, "mm");
	CHECK(tomo_scan_beam_unit("Mm", TOMO_SCAN_BEAM_LENGTH) == 0, "Mm");
	CHECK(tomo_scan_beam_unit("mms", TOMO_SCAN_BEAM_LENGTH) == 0, "no plural of a symbol");
	CHECK(tomo_scan_beam_unit("um", TOMO_SCAN_BEAM_LENGTH) == 1e-6, "um");
	CHECK(tomo_scan_beam_unit("\xc2\xb5m", TOMO_SCAN_BEAM_LENGTH) == 1e-6, "micro sign");
	CHECK(tomo_scan_beam_unit("\xce\xbcm", TOMO_SCAN_BEAM_LENGTH) == 1e-6, "Greek mu");
	CHECK(tomo_scan_beam_unit("micron", TOMO_SCAN_BEAM_LENGTH) == 1e-6, "micron");
	CHECK(tomo_scan_beam_unit("microns", TOMO_SCAN_BEAM_LENGTH) == 1e-6, "microns");
	CHECK(tomo_scan_beam_unit("micrometres", TOMO_SCAN_BEAM_LENGTH) == 1e-6, "micrometres");
	CHECK(tomo_scan_beam_unit("nm", TOMO_SCAN_BEAM_LENGTH) == 1e-9, "nm");
	CHECK(tomo_scan_beam_unit("nanometers", TOMO_SCAN_BEAM_LENGTH) == 1e-9, "nanometers");
	CHECK(tomo_scan_beam_unit("pixel", TOMO_SCAN_BEAM_LENGTH) == 0, "pixel");
	CHECK(tomo_scan_beam_unit("keV", TOMO_SCAN_BEAM_LENGTH) == 0, "an energy is no length");
	CHECK(tomo_scan_beam_unit("m m", TOMO_SCAN_BEAM_LENGTH) == 0, "m m");
}

UNIT_MAIN(T(energies), T(lengths))
