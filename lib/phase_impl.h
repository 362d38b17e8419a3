/*
 * phase_impl: what lib/phase.c (parameters, filter, slab pipeline) shares
 * with lib/phase_cpu.c (the FFTW path). Not installed.
 */
#ifndef TOMO_PHASE_IMPL_H
#define TOMO_PHASE_IMPL_H

#include <stdint.h>

#include "phase_math.h"

struct phase_cpu;

/* Plans and per-thread buffers for projections of g; filter (py rows of
 * px/2+1, scaled by 1/(px py)) is borrowed and must outlive the result. */
int phase_cpu_create(const struct tomo_phase_geom *g, const float *filter,
                     int64_t max_planes, struct phase_cpu **c);

/* Filter n projections in place on the OpenMP threads; adds the clamped
 * sample counts. */
int phase_cpu_apply(struct phase_cpu *c, float *planes, int64_t n,
                    int64_t *clamped_in, int64_t *clamped_out);

void phase_cpu_free(struct phase_cpu *c);

#endif
