#ifndef OPENLEDGER_CZLIB_SHIM_H
#define OPENLEDGER_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 for gzip streams only (window bits 15, plus 16 for the gzip wrapper, whose
/// trailer zlib checks): a macro in zlib.h, which Swift cannot call.
static inline int ol_inflate_init_gzip(z_streamp stream) {
  return inflateInit2(stream, 15 + 16);
}
#endif
