/*
 * format: the table of formats (lib/format.h): one row per format with its
 * extensions, magic bytes, reader, writer and abilities, and the look-ups
 * the fronts choose by. Nothing here reads or writes samples.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "format.h"
#include "io_impl.h"

static int
probe_nrrd(const unsigned char *m, size_t n)
{
	return n >= 7 && !memcmp(m, "NRRD000", 7);
}

static int
probe_tiff(const unsigned char *m, size_t n)
{
	return n >= 4 && (!memcmp(m, "II*\0", 4) || !memcmp(m, "MM\0*", 4) ||
	                  !memcmp(m, "II+\0", 4) || !memcmp(m, "MM\0+", 4));
}

static int
probe_hdf5(const unsigned char *m, size_t n)
{
	return n >= 8 && !memcmp(m, "\211HDF\r\n\032\n", 8);
}

static int
probe_npy(const unsigned char *m, size_t n)
{
	return n >= 6 && !memcmp(m, "\223NUMPY", 6);
}

#define EXTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The order is that of messages listing formats; extensions are unique. */
static const struct tomo_format formats[] = {
	{
		.name = "nrrd",
		.label = "NRRD",
		.exts = EXTS(".nrrd"),
		.hint = ".nrrd (or no extension)",
		.probe = probe_nrrd,
		.open_input = tomo_input_open_nrrd,
		.open_stream = tomo_input_open_nrrd_stream,
		.open_output = tomo_output_open_nrrd,
		.flags = TOMO_FMT_IN_PLACE | TOMO_FMT_DEFAULT,
	},
	{
		.name = "nhdr",
		.label = "detached NRRD",
		.exts = EXTS(".nhdr"),
		.open_input = tomo_input_open_nrrd,
		.refusal = "detached NRRD headers are not written; use .nrrd",
	},
	{
		.name = "raw",
		.label = ".raw with --shape",
		.exts = EXTS(".raw"),
		.hint = ".raw",
		.open_input = tomo_input_open_raw,
		.open_stream = tomo_input_open_raw_stream,
		.open_output = tomo_output_open_raw,
		.flags = TOMO_FMT_IN_PLACE | TOMO_FMT_HEADERLESS,
	},
	{
		.name = "tiff",
		.label = "TIFF",
		.exts = EXTS(".tif", ".tiff"),
		.hint = ".tif",
		.probe = probe_tiff,
		.open_input = tomo_input_open_tiff,
		.open_output = tomo_output_open_tiff,
		.image = TOMO_IMAGE_TIFF,
		.flags = TOMO_FMT_SEQUENTIAL | TOMO_FMT_STACK,
	},
	{
		.name = "npy",
		.label = "NumPy .npy",
		.exts = EXTS(".npy"),
		.hint = ".npy",
		.probe = probe_npy,
		.open_input = tomo_input_open_npy,
		.open_output = tomo_output_open_npy,
		.flags = TOMO_FMT_IN_PLACE,
	},
	{
		.name = "hdf5",
		.label = "HDF5",
		.exts = EXTS(".h5", ".hdf5", ".hdf", ".nxs", ".nx5", ".cxi"),
		.hint = ".h5:/dataset",
		.probe = probe_hdf5,
		.open_input = tomo_input_open_hdf5,
		.open_output = tomo_output_open_hdf5,
		.flags = TOMO_FMT_IN_PLACE | TOMO_FMT_DATASET,
	},
	{.name = "png", .label = "PNG", .exts = EXTS(".png"), .image = TOMO_IMAGE_PNG},
	{.name = "pgm", .label = "PGM", .exts = EXTS(".pgm"), .image = TOMO_IMAGE_PGM},
	{.name = "jpeg", .label = "JPEG", .exts = EXTS(".jpg", ".jpeg"), .image = TOMO_IMAGE_REFUSED},
	{.name = "gif", .label = "GIF", .exts = EXTS(".gif"), .image = TOMO_IMAGE_REFUSED},
	{.name = "bmp", .label = "BMP", .exts = EXTS(".bmp"), .image = TOMO_IMAGE_REFUSED},
};
#define NFORMATS (sizeof formats / sizeof *formats)

int
tomo_path_has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);
	return n > e && !strcasecmp(path + n - e, ext);
}

const struct tomo_format *
tomo_format_by_ext(const char *path)
{
	for (size_t i = 0; i < NFORMATS; i++)
		for (const char *const *e = formats[i].exts; *e; e++)
			if (tomo_path_has_ext(path, *e))
				return &formats[i];
	return NULL;
}

const struct tomo_format *
tomo_format_by_magic(const unsigned char *head, size_t n)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i].probe && formats[i].probe(head, n))
			return &formats[i];
	return NULL;
}

const struct tomo_format *
tomo_format_sniff(const char *path)
{
	unsigned char m[16] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int64_t n;

	if (fd < 0)
		return NULL;
	n = tomo_read_full(fd, m, sizeof m, 0);
	close(fd);
	return n > 0 ? tomo_format_by_magic(m, (size_t)n) : NULL;
}

const struct tomo_format *
tomo_format_with(unsigned flags)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if ((formats[i].flags & flags) == flags)
			return &formats[i];
	return NULL;
}

static int
in_set(const struct tomo_format *f, enum tomo_format_set set)
{
	switch (set) {
	case TOMO_FORMATS_READ:
		/* A reader under several names is one format (NRRD). */
		for (const struct tomo_format *g = formats; g < f; g++)
			if (g->open_input == f->open_input)
				return 0;
		return f->open_input != NULL;
	case TOMO_FORMATS_WRITTEN: return f->open_output != NULL;
	case TOMO_FORMATS_IN_PLACE: return f->open_output && (f->flags & TOMO_FMT_IN_PLACE);
	case TOMO_FORMATS_IMAGES:
		return !f->open_output &&
		       (f->image == TOMO_IMAGE_PNG || f->image == TOMO_IMAGE_PGM);
	}
	return 0;
}

void
tomo_format_list(char *buf, size_t size, enum tomo_format_set set, enum tomo_format_word word,
                 const char *last_sep)
{
	size_t n = 0, len = 0, k = 0;

	for (size_t i = 0; i < NFORMATS; i++)
		n += in_set(&formats[i], set);
	buf[0] = 0;
	for (size_t i = 0; i < NFORMATS && len < size; i++) {
		const struct tomo_format *f = &formats[i];
		if (!in_set(f, set))
			continue;
		const char *w = word == TOMO_FORMAT_LABEL ? f->label
		                : word == TOMO_FORMAT_HINT && f->hint ? f->hint
		                                                      : f->exts[0];
		int r = snprintf(buf + len, size - len, "%s%s", k == 0 ? "" : k + 1 == n ? last_sep : ", ",
		                 w);
		if (r < 0)
			break;
		len += (size_t)r;
		k++;
	}
}
