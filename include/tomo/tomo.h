/*
 * tomo: libtomo in one include. See tomo(7) for the stream and the
 * geometry, and each header for its module's contract.
 */
#ifndef TOMO_TOMO_H
#define TOMO_TOMO_H

#include "tomo/dev.h"
#include "tomo/err.h"
#include "tomo/header.h"
#include "tomo/io.h"
#include "tomo/nrrd.h"
#include "tomo/pipeline.h"
#include "tomo/tool.h"

#endif
