#include "ccrossbar.h"

#pragma clang fp contract(off)

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// ---------------------------------------------------------------------------------------------
// Portable loops: eight explicit lanes, the reference for the order of every addition.

static double reduce8(const double a[8]) {
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

/// *o ← alpha·s + beta·*o, not reading *o when beta = 0.
static inline void store(double *o, double s, double alpha, double beta) {
    *o = beta == 0 ? alpha * s : alpha * s + beta * *o;
}

static void transposed_portable(const double *v, const double *g, double *out, long batch, long rows, long n,
                                long i0, long i1, double alpha, double beta) {
    long body = n & ~7L;
    for (long i = i0; i < i1; i++) {
        const double *gi = g + i * n;
        for (long b = 0; b < batch; b++) {
            const double *vb = v + b * n;
            double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (long j = 0; j < body; j += 8)
                for (int k = 0; k < 8; k++) a[k] = a[k] + vb[j + k] * gi[j + k];
            double s = reduce8(a);
            for (long j = body; j < n; j++) s = s + vb[j] * gi[j];
            store(out + b * rows + i, s, alpha, beta);
        }
    }
}

static void accumulate_portable(const double *u, const double *g, double *out, long batch, long rows, long n,
                                long i0, long i1, long j0, long j1) {
    for (long i = i0; i < i1; i++) {
        const double *gi = g + i * n;
        for (long b = 0; b < batch; b++) {
            double w = u[b * rows + i];
            if (w == 0) continue;
            double *ob = out + b * n;
            for (long j = j0; j < j1; j++) ob[j] = ob[j] + w * gi[j];
        }
    }
}

static void update_accumulate_portable(double *acc, const double *const *y, const double *w, long count, long width) {
    long k = 0;
    for (; k + 4 <= count; k += 4) {
        const double *y0 = y[k], *y1 = y[k + 1], *y2 = y[k + 2], *y3 = y[k + 3];
        double w0 = w[k], w1 = w[k + 1], w2 = w[k + 2], w3 = w[k + 3];
        for (long j = 0; j < width; j++) acc[j] = (((acc[j] + w0 * y0[j]) + w1 * y1[j]) + w2 * y2[j]) + w3 * y3[j];
    }
    for (; k < count; k++)
        for (long j = 0; j < width; j++) acc[j] = acc[j] + w[k] * y[k][j];
}

static void update_apply_clipped_portable(double *g, const double *acc, double *s, long width, double scale, double lo, double hi) {
    for (long j = 0; j < width; j++) {
        double v = g[j] + scale * acc[j];
        double c = v < lo ? lo : (v > hi ? hi : v);
        g[j] = c;
        s[j] = s[j] + c;
    }
}

// ---------------------------------------------------------------------------------------------
// AVX2: four doubles per register; lanes 0–3 and 4–7 of the portable loop in two registers.

#if defined(__x86_64__)
__attribute__((target("avx2")))
static double reduce8_avx(__m256d lo, __m256d hi) {
    double a[8];
    _mm256_storeu_pd(a, lo);
    _mm256_storeu_pd(a + 4, hi);
    return reduce8(a);
}

__attribute__((target("avx2")))
static void transposed_avx2(const double *v, const double *g, double *out, long batch, long rows, long n,
                            long i0, long i1, double alpha, double beta) {
    long body = n & ~7L;
    for (long i = i0; i < i1; i++) {
        const double *gi = g + i * n;
        long b = 0;
        // Four samples share each load of g.
        for (; b + 4 <= batch; b += 4) {
            const double *v0 = v + b * n, *v1 = v0 + n, *v2 = v1 + n, *v3 = v2 + n;
            __m256d l0 = _mm256_setzero_pd(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
            for (long j = 0; j < body; j += 8) {
                __m256d gl = _mm256_loadu_pd(gi + j), gh = _mm256_loadu_pd(gi + j + 4);
                l0 = _mm256_add_pd(l0, _mm256_mul_pd(_mm256_loadu_pd(v0 + j), gl));
                h0 = _mm256_add_pd(h0, _mm256_mul_pd(_mm256_loadu_pd(v0 + j + 4), gh));
                l1 = _mm256_add_pd(l1, _mm256_mul_pd(_mm256_loadu_pd(v1 + j), gl));
                h1 = _mm256_add_pd(h1, _mm256_mul_pd(_mm256_loadu_pd(v1 + j + 4), gh));
                l2 = _mm256_add_pd(l2, _mm256_mul_pd(_mm256_loadu_pd(v2 + j), gl));
                h2 = _mm256_add_pd(h2, _mm256_mul_pd(_mm256_loadu_pd(v2 + j + 4), gh));
                l3 = _mm256_add_pd(l3, _mm256_mul_pd(_mm256_loadu_pd(v3 + j), gl));
                h3 = _mm256_add_pd(h3, _mm256_mul_pd(_mm256_loadu_pd(v3 + j + 4), gh));
            }
            double s[4] = {reduce8_avx(l0, h0), reduce8_avx(l1, h1), reduce8_avx(l2, h2), reduce8_avx(l3, h3)};
            for (int k = 0; k < 4; k++) {
                const double *vk = v + (b + k) * n;
                for (long j = body; j < n; j++) s[k] = s[k] + vk[j] * gi[j];
                store(out + (b + k) * rows + i, s[k], alpha, beta);
            }
        }
        for (; b < batch; b++) {
            const double *vb = v + b * n;
            __m256d lo = _mm256_setzero_pd(), hi = lo;
            for (long j = 0; j < body; j += 8) {
                lo = _mm256_add_pd(lo, _mm256_mul_pd(_mm256_loadu_pd(vb + j), _mm256_loadu_pd(gi + j)));
                hi = _mm256_add_pd(hi, _mm256_mul_pd(_mm256_loadu_pd(vb + j + 4), _mm256_loadu_pd(gi + j + 4)));
            }
            double s = reduce8_avx(lo, hi);
            for (long j = body; j < n; j++) s = s + vb[j] * gi[j];
            store(out + b * rows + i, s, alpha, beta);
        }
    }
}

/// acc[j] += Σ_k w[k]·y[k][j], the portable loop's additions: a row of the learning step, and a
/// sample's output row in the accumulate products.
__attribute__((target("avx2")))
static void update_accumulate_avx2(double *acc, const double *const *y, const double *w, long count, long width) {
    long k = 0;
    for (; k + 4 <= count; k += 4) {
        const double *y0 = y[k], *y1 = y[k + 1], *y2 = y[k + 2], *y3 = y[k + 3];
        double w0 = w[k], w1 = w[k + 1], w2 = w[k + 2], w3 = w[k + 3];
        __m256d v0 = _mm256_set1_pd(w0), v1 = _mm256_set1_pd(w1), v2 = _mm256_set1_pd(w2), v3 = _mm256_set1_pd(w3);
        long j = 0;
        for (; j + 4 <= width; j += 4) {
            __m256d a = _mm256_loadu_pd(acc + j);
            a = _mm256_add_pd(a, _mm256_mul_pd(v0, _mm256_loadu_pd(y0 + j)));
            a = _mm256_add_pd(a, _mm256_mul_pd(v1, _mm256_loadu_pd(y1 + j)));
            a = _mm256_add_pd(a, _mm256_mul_pd(v2, _mm256_loadu_pd(y2 + j)));
            a = _mm256_add_pd(a, _mm256_mul_pd(v3, _mm256_loadu_pd(y3 + j)));
            _mm256_storeu_pd(acc + j, a);
        }
        for (; j < width; j++) acc[j] = (((acc[j] + w0 * y0[j]) + w1 * y1[j]) + w2 * y2[j]) + w3 * y3[j];
    }
    for (; k < count; k++) {
        const double *yk = y[k];
        double wk = w[k];
        __m256d v = _mm256_set1_pd(wk);
        long j = 0;
        for (; j + 4 <= width; j += 4)
            _mm256_storeu_pd(acc + j, _mm256_add_pd(_mm256_loadu_pd(acc + j), _mm256_mul_pd(v, _mm256_loadu_pd(yk + j))));
        for (; j < width; j++) acc[j] = acc[j] + wk * yk[j];
    }
}

/// Rows are taken in blocks of up to 64: per sample, the block's rows with u ≠ 0 in increasing
/// order, four at a time (`update_accumulate_avx2`), so that each output vector is loaded and
/// stored once per four rows. Its additions are the portable loop's, in the same order: only the
/// stores in between go.
__attribute__((target("avx2")))
static void accumulate_avx2(const double *u, const double *g, double *out, long batch, long rows, long n,
                            long i0, long i1, long j0, long j1) {
    const double *ys[64];
    double ws[64];
    for (long start = i0; start < i1; start += 64) {
        long end = start + 64 < i1 ? start + 64 : i1;
        for (long b = 0; b < batch; b++) {
            long count = 0;
            for (long i = start; i < end; i++) {
                double w = u[b * rows + i];
                if (w != 0) { ys[count] = g + i * n + j0; ws[count] = w; count++; }
            }
            update_accumulate_avx2(out + b * n + j0, ys, ws, count, j1 - j0);
        }
    }
}

/// The portable loop's clamp with two compares and two blends: v < lo picks lo, else v > hi
/// picks hi, else v (a NaN fails both compares and passes through).
__attribute__((target("avx2")))
static void update_apply_clipped_avx2(double *g, const double *acc, double *s, long width, double scale, double lo, double hi) {
    __m256d sc = _mm256_set1_pd(scale), l = _mm256_set1_pd(lo), h = _mm256_set1_pd(hi);
    long j = 0;
    for (; j + 4 <= width; j += 4) {
        __m256d v = _mm256_add_pd(_mm256_loadu_pd(g + j), _mm256_mul_pd(sc, _mm256_loadu_pd(acc + j)));
        __m256d c = _mm256_blendv_pd(v, h, _mm256_cmp_pd(v, h, _CMP_GT_OQ));
        c = _mm256_blendv_pd(c, l, _mm256_cmp_pd(v, l, _CMP_LT_OQ));
        _mm256_storeu_pd(g + j, c);
        _mm256_storeu_pd(s + j, _mm256_add_pd(_mm256_loadu_pd(s + j), c));
    }
    update_apply_clipped_portable(g + j, acc + j, s + j, width - j, scale, lo, hi);
}

static int has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
#else
static int has_avx2(void) { return 0; }
#endif

// ---------------------------------------------------------------------------------------------

// `available` is set once, before main; `allowed` may change while kernels run on other
// threads (a test switches paths), so it is read and written atomically.
static int allowed = 1, available = 0;

__attribute__((constructor)) static void detect(void) { available = has_avx2(); }

static int vector_unit(void) { return __atomic_load_n(&allowed, __ATOMIC_RELAXED) && available; }

int eqp_use_vector_unit(int allow) {
    __atomic_store_n(&allowed, allow != 0, __ATOMIC_RELAXED);
    return vector_unit();
}

void eqp_product_transposed(const double *v, const double *g, double *out, long batch, long rows, long n,
                            long i0, long i1, double alpha, double beta) {
#if defined(__x86_64__)
    if (vector_unit()) { transposed_avx2(v, g, out, batch, rows, n, i0, i1, alpha, beta); return; }
#endif
    transposed_portable(v, g, out, batch, rows, n, i0, i1, alpha, beta);
}

void eqp_product_accumulate(const double *u, const double *g, double *out, long batch, long rows, long n,
                            long j0, long j1) {
    eqp_product_accumulate_rows(u, g, out, batch, rows, n, 0, rows, j0, j1);
}

void eqp_product_accumulate_rows(const double *u, const double *g, double *out, long batch, long rows, long n,
                                 long i0, long i1, long j0, long j1) {
#if defined(__x86_64__)
    if (vector_unit()) { accumulate_avx2(u, g, out, batch, rows, n, i0, i1, j0, j1); return; }
#endif
    accumulate_portable(u, g, out, batch, rows, n, i0, i1, j0, j1);
}

void eqp_update_accumulate(double *acc, const double *const *y, const double *w, long count, long width) {
#if defined(__x86_64__)
    if (vector_unit()) { update_accumulate_avx2(acc, y, w, count, width); return; }
#endif
    update_accumulate_portable(acc, y, w, count, width);
}

void eqp_update_apply_clipped(double *g, const double *acc, double *s, long width, double scale, double lo, double hi) {
#if defined(__x86_64__)
    if (vector_unit()) { update_apply_clipped_avx2(g, acc, s, width, scale, lo, hi); return; }
#endif
    update_apply_clipped_portable(g, acc, s, width, scale, lo, hi);
}
