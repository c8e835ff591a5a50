// The inner loops of the one-pass crossbar kernels (Sources/Circuit/Network/CrossbarKernels.swift),
// in C so that they can use AVX2 where the processor has it, chosen at run time: Swift has no
// per-function target features, and building the whole package for AVX2 would stop it running
// on older x86 machines. Every path does the same additions in the same order (no fused
// multiply-add), so results are bit-identical on every machine and for every batch split.
#ifndef CCROSSBAR_H
#define CCROSSBAR_H

#include <stddef.h>

/// out[b·rows + i] ← alpha·Σ_j v[b·n + j]·g[i·n + j] + beta·out[b·rows + i] for rows i in
/// [i0, i1) and every sample b < batch. Each sum keeps eight partial sums (j ≡ k mod 8), added as
/// ((s0+s4)+(s1+s5))+((s2+s6)+(s3+s7)), then the columns past the last multiple of 8 in order.
/// With beta = 0, out is not read.
void eqp_product_transposed(const double *v, const double *g, double *out, long batch, long rows, long n,
                            long i0, long i1, double alpha, double beta);

/// out[b·n + j] += Σ_i u[b·rows + i]·g[i·n + j] for columns j in [j0, j1) and every sample b, the
/// sum over i in increasing order, skipping terms with u = 0 (a black pixel, a clamped node).
void eqp_product_accumulate(const double *u, const double *g, double *out, long batch, long rows, long n,
                            long j0, long j1);

/// The same sum over the rows i in [i0, i1) only (in increasing order), added to out: a pass over
/// a block of rows while it is in cache (`CircuitSolver`'s fused layer solve).
void eqp_product_accumulate_rows(const double *u, const double *g, double *out, long batch, long rows, long n,
                                 long i0, long i1, long j0, long j1);

/// One row of a crossbar's learning step (`CrossbarKernels.programmedUpdate`), in two parts.
/// acc[j] ← acc[j] + Σ_k w[k]·y[k][j] for j < width, the pairs k < count in order, grouped by four
/// as (((acc + w0·y0) + w1·y1) + w2·y2) + w3·y3, then the rest one at a time.
void eqp_update_accumulate(double *acc, const double *const *y, const double *w, long count, long width);

/// g[j] ← clamp(g[j] + scale·acc[j], lo, hi) and s[j] += g[j] for j < width, where clamp(v, lo,
/// hi) is v < lo ? lo : (v > hi ? hi : v) (a NaN passes through, as in the Swift loop).
void eqp_update_apply_clipped(double *g, const double *acc, double *s, long width, double scale, double lo, double hi);

/// Which code the kernels run: 1 for AVX2, 0 for the portable loops. `eqp_use_vector_unit(0)`
/// forces the portable loops (tests compare the two paths bit for bit); `eqp_use_vector_unit(1)`
/// restores the processor's best. Returns the path now in use.
int eqp_use_vector_unit(int allow);

#endif
