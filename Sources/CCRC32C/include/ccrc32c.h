#ifndef EMBER_CCRC32C_H
#define EMBER_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has a CRC-32C instruction Ember can use (x86-64 SSE4.2).
int ember_crc32c_hardware_available(void);

/// Continues a CRC-32C over `length` bytes at `bytes` with the CPU's instruction. `state` is the
/// raw register value (the bitwise complement of a finished checksum); so is the result. Call only
/// when `ember_crc32c_hardware_available()` returned non-zero.
uint32_t ember_crc32c_hardware_update(uint32_t state, const void *bytes, size_t length);

#endif
