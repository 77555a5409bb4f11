// O_DIRECT is only declared with _GNU_SOURCE, which must come before any header.
#define _GNU_SOURCE
#include "DirectIO.h"

#include <errno.h>
#include <fcntl.h>

int ol_set_direct_io(int fd, int on) {
#if defined(O_DIRECT)
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -1;
  return fcntl(fd, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT));
#elif defined(F_NOCACHE)
  return fcntl(fd, F_NOCACHE, on ? 1 : 0);
#else
  (void)fd;
  (void)on;
  errno = ENOTSUP;
  return -1;
#endif
}
