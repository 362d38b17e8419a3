/*
 * io_common: what the io fronts (input.c, output.c, image.c) and the format
 * back-ends (input_*.c, output_*.c) both use: whole reads and writes of a
 * descriptor, giving mapped pages back, enlarging pipes, and the XxYxZ
 * shape parser. It calls nothing of theirs, so that no back-end calls back
 * into its front.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_impl.h"
#include "tomo/err.h"

int
tomo_write_full(int fd, const void *buf, size_t n, int64_t offset, const char *name)
{
	const char *p = buf;

	while (n) {
		size_t chunk = n > ((size_t)1 << 30) ? (size_t)1 << 30 : n;
		ssize_t w = offset < 0 ? write(fd, p, chunk) : pwrite(fd, p, chunk, (off_t)offset);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return tomo_error_sys(TOMO_ERR, errno, "cannot write '%s'", name);
		if (w == 0)
			return tomo_error(TOMO_ERR, "cannot write '%s': no progress", name);
		p += w;
		n -= (size_t)w;
		if (offset >= 0)
			offset += w;
	}
	return TOMO_OK;
}

int64_t
tomo_read_full(int fd, void *buf, size_t n, int64_t offset)
{
	char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = offset < 0 ? read(fd, p + got, n - got)
		                       : pread(fd, p + got, n - got, (off_t)(offset + (int64_t)got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (int64_t)got;
}

void
tomo_release_pages(const void *p, size_t n)
{
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)4095;

	if (e > a)
		madvise((void *)a, e - a, MADV_DONTNEED);
}

void
tomo_pipe_enlarge(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		fcntl(fd, F_SETPIPE_SZ, 1 << 20); /* may fail past the user limit */
#else
	(void)fd;
#endif
}

int
tomo_parse_shape(const char *s, int64_t size[3])
{
	const char *p = s;
	int n = 0, dangling = 0;

	size[0] = size[1] = size[2] = 1;
	while (n < 3) {
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno || v < 1 || *p == '-' || *p == '+')
			break;
		size[n++] = v;
		p = end;
		dangling = 0;
		if (*p != 'x' && *p != 'X')
			break;
		p++;
		dangling = 1;
	}
	if (n < 2 || *p || dangling)
		return tomo_error(TOMO_EUSAGE, "shape '%s' is not XxYxZ with positive integers", s);
	struct tomo_header h;
	tomo_header_init(&h);
	memcpy(h.size, size, sizeof h.size);
	int64_t count;
	if (tomo_header_count(&h, &count))
		return TOMO_EUSAGE;
	return TOMO_OK;
}
