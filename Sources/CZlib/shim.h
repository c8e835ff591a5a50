// zlib (Debian: zlib1g-dev, pkg-config "zlib"): gzip reading (Datasets) and CRC-32 (Export).
#include <zlib.h>
