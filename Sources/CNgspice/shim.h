// libngspice's shared-library interface (Debian: libngspice0-dev puts it in /usr/include/ngspice).
// Only the declarations are used: the library itself is opened at run time with dlopen, so a
// missing libngspice gives a clear message instead of a failed program start, and eqprop's
// other commands run without it. sharedspice.h uses `bool` without including <stdbool.h>.
#include <stdbool.h>
#include <ngspice/sharedspice.h>
