// zlib (Debian: zlib1g-dev, pkg-config "zlib"): gzip reading and CRC-32.
#include <zlib.h>
