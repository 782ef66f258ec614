/*
 * common/fdio: writing whole buffers to file descriptors and files, so that a short write
 * or an EINTR never silently truncates a key, a certificate, a report or a configuration.
 */
#ifndef HASHI_COMMON_FDIO_H
#define HASHI_COMMON_FDIO_H

#include <stddef.h>

/* Writes all LEN bytes of DATA to FD, again after EINTR and short writes. Returns 0, or -1
 * with errno set (some bytes may have been written). */
int fdio_write_all(int fd, const void *data, size_t len);

/* Writes DATA/LEN to PATH, created 0600 or truncated (O_NOFOLLOW: a symbolic link at PATH
 * is refused, not followed). Not atomic: a reader may see a partial file while it is
 * written. Returns 0, or -1 with errno set. */
int fdio_write_file(const char *path, const void *data, size_t len);

#endif
