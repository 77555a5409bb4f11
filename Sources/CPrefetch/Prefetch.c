// Prefetch.h is header-only; this file gives the target a source to compile.
#include "Prefetch.h"
