// libngspice's shared-library interface (Debian: libngspice0-dev, pkg-config "ngspice").
// sharedspice.h uses `bool` without including <stdbool.h> itself.
#include <stdbool.h>
#include <ngspice/sharedspice.h>
