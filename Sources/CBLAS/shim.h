// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, pkg-config "openblas").
#include <cblas.h>

// LAPACK's Cholesky factorization and inverse (OpenBLAS ships LAPACK; Fortran calling
// convention, column-major). Used by the crossbar mesh reduction.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
