// SHA-256 (FIPS 180-4), for fingerprints that bind a plan file to the model it was made for.
// Small and dependency-free; not constant-time, not for secrets.
#ifndef SEGPIPE_CORE_INTERNAL_SHA256_H_
#define SEGPIPE_CORE_INTERNAL_SHA256_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace segpipe {

std::array<uint8_t, 32> Sha256(std::span<const uint8_t> bytes);
std::string Sha256Hex(std::span<const uint8_t> bytes);  // 64 lowercase hex digits

}  // namespace segpipe

#endif  // SEGPIPE_CORE_INTERNAL_SHA256_H_
