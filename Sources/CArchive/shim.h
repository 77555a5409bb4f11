#ifndef OPENLEDGER_CARCHIVE_SHIM_H
#define OPENLEDGER_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
