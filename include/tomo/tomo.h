/*
 * tomo: libtomo in one include: every public header (the ones installed),
 * whose TOMO_API declarations are the library's API (tomo/api.h). See
 * tomo(7) for the stream and the geometry, and each header for its
 * module's contract. tomo/tool.h (options, diagnostics, the progress bar)
 * is the tools' own, not the library's: tools include it themselves.
 */
#ifndef TOMO_TOMO_H
#define TOMO_TOMO_H

#include "tomo/api.h"
#include "tomo/dev.h"
#include "tomo/err.h"
#include "tomo/fbp.h"
#include "tomo/fft.h"
#include "tomo/flat.h"
#include "tomo/header.h"
#include "tomo/image.h"
#include "tomo/io.h"
#include "tomo/nrrd.h"
#include "tomo/percentile.h"
#include "tomo/phantom.h"
#include "tomo/phase.h"
#include "tomo/pipeline.h"
#include "tomo/progress.h"
#include "tomo/scan.h"
#include "tomo/slice.h"
#include "tomo/stats.h"

#endif
