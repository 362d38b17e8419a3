/* Unit tests of tomo_output_check (lib/output.c): the formats written are
 * accepted and others refused by name, a missing directory or a directory
 * named as the output is found, devices are taken whatever their name, and
 * nothing is created. */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tomo/err.h"
#include "tomo/io.h"
#include "unit.h"

/* path (relative to the test directory unless absolute) checked with flags
 * gives rc, and a message holding part when it fails. */
static void
expect(const char *path, unsigned flags, int rc, const char *part)
{
	char full[600];

	if (path[0] == '/')
		snprintf(full, sizeof full, "%s", path);
	else
		snprintf(full, sizeof full, "%s/%s", unit_tmpdir(), path);
	int got = tomo_output_check(full, flags);
	CHECK(got == rc, "%s: rc %d, not %d (%s)", path, got, rc, got ? tomo_errmsg() : "");
	if (got && part)
		CHECK(strstr(tomo_errmsg(), part), "%s: '%s' lacks '%s'", path, tomo_errmsg(),
		      part);
}

static void
test_formats_written(void)
{
	static const char *const ok[] = {"v.nrrd", "v.NRRD", "v.raw", "v.tif", "v.tiff",
	                                 "v.npy", "v.h5", "v.h5:/exchange/data", "v.hdf5:/d",
	                                 "v.hdf", "v.nxs:/entry/data", "v", ".v", "a.b/v"};
	mkdir(unit_path("a.b"), 0777);
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		expect(ok[i], 0, TOMO_OK, NULL);
	/* tomo-slice's images only with the flag; everything else still. */
	expect("s.png", TOMO_OUTPUT_IMAGES, TOMO_OK, NULL);
	expect("s_0001.pgm", TOMO_OUTPUT_IMAGES, TOMO_OK, NULL);
	expect("s.tif", TOMO_OUTPUT_IMAGES, TOMO_OK, NULL);
	expect("s.nrrd", TOMO_OUTPUT_IMAGES, TOMO_OK, NULL);
}

static void
test_formats_refused(void)
{
	expect("v.nrd", 0, TOMO_EUSAGE, "'.nrd' is not a format tomo writes; use .nrrd");
	expect("v.tfi", TOMO_OUTPUT_IMAGES, TOMO_EUSAGE, ".h5:/dataset, .png or .pgm");
	expect("v.nhdr", 0, TOMO_EUSAGE, "detached NRRD headers are not written");
	expect("v.png", 0, TOMO_EUSAGE, "images are written by tomo-slice");
	expect("v.jpg", TOMO_OUTPUT_IMAGES, TOMO_EUSAGE, NULL);
	expect("v.h5.bak", 0, TOMO_EUSAGE, "'.bak' is not a format");
}

static void
test_places(void)
{
	expect("missing/v.nrrd", 0, TOMO_ERR, "v.nrrd': No such file or directory");
	expect("missing/v.h5:/data", 0, TOMO_ERR, "missing/v.h5': No such file");
	expect("missing/s_%04d.png", TOMO_OUTPUT_IMAGES, TOMO_ERR, "No such file");
	mkdir(unit_path("dir.nrrd"), 0777);
	expect("dir.nrrd", 0, TOMO_ERR, "is a directory");
	/* A device is written in place, whatever its name. */
	expect("/dev/null", 0, TOMO_OK, NULL);
	/* A directory that cannot be written into (root may write anywhere). */
	if (geteuid() != 0) {
		mkdir(unit_path("ro"), 0555);
		expect("ro/v.nrrd", 0, TOMO_ERR, "Permission denied");
	}
	/* Nothing was created but the directories made here. */
	DIR *d = opendir(unit_tmpdir());
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "a.b") && strcmp(e->d_name, "dir.nrrd") &&
		    strcmp(e->d_name, "ro")) {
			CHECK(0, "created '%s'", e->d_name);
			n++;
		}
	if (d)
		closedir(d);
	CHECK(n == 0, "%d files created", n);
}

UNIT_MAIN(T(test_formats_written), T(test_formats_refused), T(test_places))
