/* A driver for the C code of `eqprop export --format c`, used by scripts/check_exports.py.
 *
 *   cc -O2 -std=c99 -DEQPROP_HEADER='"model.h"' -I DIR scripts/export_driver.c DIR/model.c -lm -o driver
 *   ./driver IMAGES COUNT
 *
 * IMAGES holds COUNT images of EQPROP_INPUTS bytes each (raw pixel bytes, as in the body of an
 * MNIST IDX file). Each image is scaled to [0, 1] (byte / 255, as eqprop does) and scored by
 * eqprop_predict and eqprop_predict_int8. One line per image on standard output:
 *
 *   <class float> <class int8> <EQPROP_CLASSES float scores> <EQPROP_CLASSES int8 scores>
 *
 * scores printed with 9 significant digits (they read back as the same float). */
#include <stdio.h>
#include <stdlib.h>

#ifndef EQPROP_HEADER
#error "compile with -DEQPROP_HEADER='\"FILE.h\"' naming the exported header"
#endif
#include EQPROP_HEADER

int main(int argc, char **argv) {
    unsigned char bytes[EQPROP_INPUTS];
    float pixels[EQPROP_INPUTS], scores[EQPROP_CLASSES], scores_int8[EQPROP_CLASSES];
    long count, n;
    int i, k;
    FILE *f;
    if (argc != 3) {
        fprintf(stderr, "usage: %s IMAGES COUNT\n", argv[0]);
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    count = strtol(argv[2], NULL, 10);
    for (n = 0; n < count; n++) {
        int predicted, predicted_int8;
        if (fread(bytes, 1, sizeof bytes, f) != sizeof bytes) {
            fprintf(stderr, "%s: image %ld is missing or short\n", argv[1], n);
            fclose(f);
            return 1;
        }
        for (i = 0; i < EQPROP_INPUTS; i++) pixels[i] = (float)bytes[i] / 255.0f;
        predicted = eqprop_predict(pixels, scores);
        predicted_int8 = eqprop_predict_int8(pixels, scores_int8);
        printf("%d %d", predicted, predicted_int8);
        for (k = 0; k < EQPROP_CLASSES; k++) printf(" %.9g", scores[k]);
        for (k = 0; k < EQPROP_CLASSES; k++) printf(" %.9g", scores_int8[k]);
        printf("\n");
    }
    fclose(f);
    return 0;
}
