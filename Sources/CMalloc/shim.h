// glibc's malloc tuning (mallopt), which the Glibc module does not import. Part of libc: no link.
#if defined(__GLIBC__) || __has_include(<malloc.h>)
#include <malloc.h>
#endif
