#include "segpipe/core/internal/sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace segpipe {
namespace {

std::string Hex(std::string_view text) {
  return Sha256Hex({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

// FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf") and lengths around the padding boundary.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, PaddingBoundaries) {
  // 55 bytes fit the length in one block, 56 need a second; both must differ from neighbours.
  EXPECT_NE(Hex(std::string(55, 'x')), Hex(std::string(56, 'x')));
  EXPECT_NE(Hex(std::string(63, 'x')), Hex(std::string(64, 'x')));
  EXPECT_EQ(Hex(std::string(64, 'x')).size(), 64u);
}

}  // namespace
}  // namespace segpipe
