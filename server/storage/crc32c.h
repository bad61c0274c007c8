// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78), the checksum of
// every WAL record and snapshot file.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run time) and a
// slicing-by-8 table otherwise; both give identical results. Pure functions, thread-safe.
#ifndef RAFTLAB_SERVER_STORAGE_CRC32C_H_
#define RAFTLAB_SERVER_STORAGE_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace raftlab::storage {

// Extends `crc` (the CRC-32C of some prefix; 0 for none) over data[0, n).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }
inline uint32_t Crc32c(std::string_view s) { return Crc32cExtend(0, s.data(), s.size()); }

// The two implementations, exposed so tests can check each against known vectors.
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n);
// Requires Crc32cHardwareAvailable().
uint32_t Crc32cExtendHardware(uint32_t crc, const void* data, size_t n);
bool Crc32cHardwareAvailable();

}  // namespace raftlab::storage

#endif  // RAFTLAB_SERVER_STORAGE_CRC32C_H_
