#include <crypt.h>
#include <stddef.h>

/* Bytes crypt_rn needs for its work area; Swift does not import struct crypt_data itself
   (a 30 KB char array becomes an unwieldy tuple). */
static inline size_t ember_crypt_data_size(void) { return sizeof(struct crypt_data); }
