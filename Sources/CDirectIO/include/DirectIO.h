// Writing a file around the kernel's file cache.
//
// A large file written once and synced at once gains nothing from the cache: writing through it
// costs a copy of every byte and a fresh cache page for every 4 KiB, which on a virtual machine
// is often the larger part of writing. Linux's O_DIRECT (macOS's F_NOCACHE) skips the cache, but
// Swift's Glibc module does not import O_DIRECT, which needs _GNU_SOURCE; hence this shim, whose
// source defines it.

#ifndef OPENLEDGER_DIRECT_IO_H
#define OPENLEDGER_DIRECT_IO_H

/// Turns writing around the cache on (`on` nonzero) or off for the open file `fd`. Returns 0, or
/// -1 with errno set where the platform or file system cannot.
int ol_set_direct_io(int fd, int on);

#endif
