// SHA-256 against the FIPS 180-2 example vectors, incremental hashing in odd pieces, and files
// hashed in chunks giving the digest of their bytes.
#include <rubrika/error.hpp>
#include <rubrika/io/sha256.hpp>

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

TEST(Sha256, MatchesTheFips180Vectors) {
  EXPECT_EQ(rubrika::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(rubrika::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(rubrika::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(rubrika::sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesOfAnySizeGiveTheDigestOfTheWhole) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += static_cast<char>(i * 37 % 251);
  const std::string whole = rubrika::sha256_hex(text);
  for (size_t piece : {size_t{1}, size_t{55}, size_t{63}, size_t{64}, size_t{65}, size_t{200}}) {
    rubrika::Sha256 hash;
    for (size_t at = 0; at < text.size(); at += piece) hash.update(text.substr(at, piece));
    EXPECT_EQ(hash.hex_digest(), whole) << piece;
  }
}

TEST(Sha256, AFileHashesToTheDigestOfItsBytes) {
  const fs::path file =
      fs::temp_directory_path() / ("rubrika_sha256_" + std::to_string(::getpid()) + ".bin");
  const std::string bytes = std::string(3 << 20, 'a') + "tail";  // more than one 1 MiB chunk
  std::ofstream(file, std::ios::binary) << bytes;
  EXPECT_EQ(rubrika::sha256_file_hex(file), rubrika::sha256_hex(bytes));
  fs::remove(file);
  EXPECT_THROW(rubrika::sha256_file_hex(file), rubrika::IoError);
}

}  // namespace
