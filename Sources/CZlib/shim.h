// zlib (Debian: zlib1g-dev, pkg-config "zlib"): gzip reading (Datasets), CRC-32 and PNG compression (Reporting).
#include <zlib.h>
