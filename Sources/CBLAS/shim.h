// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, pkg-config "openblas").
#include <cblas.h>

// LAPACK routines that OpenBLAS ships (Fortran calling convention, column-major, 32-bit
// integers as OpenBLAS's default build has them).
// LU factorization with partial pivoting and solve: dense linear systems (DenseSolve.swift).
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb, int *info);
