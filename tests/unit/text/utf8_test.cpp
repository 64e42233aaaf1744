// The core UTF-8 codec: validation with the offset of the first bad byte, strict and
// replacing decoding, encoding, counting.
#include <rubrika/error.hpp>
#include <rubrika/text/utf8.hpp>

#include <gtest/gtest.h>

namespace rubrika {
namespace {

TEST(Utf8, ValidTextRoundTrips) {
  const std::string text = "Диван ё, a€😀";  // 1-, 2-, 3- and 4-byte sequences
  EXPECT_EQ(utf8::first_invalid(text), std::nullopt);
  const std::u32string cps = utf8::decode(text);
  EXPECT_EQ(cps, U"Диван ё, a€😀");
  EXPECT_EQ(utf8::encode(cps), text);
  EXPECT_EQ(utf8::length(text), cps.size());
  EXPECT_EQ(utf8::first_invalid(""), std::nullopt);
  // The edges of the code space.
  const std::string edges =
      "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80"
      "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
  EXPECT_EQ(utf8::first_invalid(edges), std::nullopt);
  EXPECT_EQ(utf8::decode(edges),
            (std::u32string{0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0x10000, 0x10FFFF}));
  EXPECT_EQ(utf8::encode(utf8::decode(edges)), edges);
}

TEST(Utf8, InvalidBytesAreFoundAtTheirOffset) {
  EXPECT_EQ(utf8::first_invalid("ab\xFF"), 2u);            // never a UTF-8 byte
  EXPECT_EQ(utf8::first_invalid("ok \x80 bad"), 3u);       // stray continuation byte
  EXPECT_EQ(utf8::first_invalid("x\xC3\x28"), 2u);         // lead not continued: the bad byte
  EXPECT_EQ(utf8::first_invalid("\xED\xA0\x80"), 0u);      // surrogate U+D800
  EXPECT_EQ(utf8::first_invalid("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
}

TEST(Utf8, TruncatedSequenceIsInvalidAtItsLead) {
  EXPECT_EQ(utf8::first_invalid("ok\xC3"), 2u);
  EXPECT_EQ(utf8::first_invalid("ok\xE2\x82"), 2u);
  EXPECT_EQ(utf8::first_invalid("\xF0\x9F\x98"), 0u);
}

TEST(Utf8, OverlongFormsAreInvalid) {
  EXPECT_EQ(utf8::first_invalid("a\xC0\xAF"), 1u);  // '/' in two bytes
  EXPECT_EQ(utf8::first_invalid("\xC1\xBF"), 0u);
  EXPECT_EQ(utf8::first_invalid("ab\xE0\x80\xAF"), 2u);    // '/' in three bytes
  EXPECT_EQ(utf8::first_invalid("\xF0\x80\x80\xAF"), 0u);  // '/' in four bytes
}

TEST(Utf8, StrictDecodingNamesTheByteOffset) {
  try {
    utf8::decode("Шкаф\xC3\x28");
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 9"), std::string::npos) << e.what();
  }
  EXPECT_THROW(utf8::decode("\xC0\xAF", InvalidUtf8::error), InputError);
}

TEST(Utf8, ReplacingDecodingGivesOneReplacementPerBadByte) {
  EXPECT_EQ(utf8::decode("a\xFF"
                         "b",
                         InvalidUtf8::replace),
            U"a\uFFFDb");
  EXPECT_EQ(utf8::decode("\xC3\x28", InvalidUtf8::replace), U"\uFFFD(");
  EXPECT_EQ(utf8::decode("\xC0\xAF", InvalidUtf8::replace), U"\uFFFD\uFFFD");
  EXPECT_EQ(utf8::decode("ok\xE2\x82", InvalidUtf8::replace), U"ok\uFFFD\uFFFD");
  std::vector<int64_t> offsets;
  EXPECT_EQ(utf8::decode("я\xFFz", InvalidUtf8::replace, &offsets), U"я\uFFFDz");
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 2, 3, 4}));
}

TEST(Utf8, PrefixNeverSplitsACharacter) {
  EXPECT_EQ(utf8::prefix("Диван", 2), "Ди");
  EXPECT_EQ(utf8::prefix("ab", 5), "ab");
  EXPECT_EQ(utf8::prefix("😀x", 1), "😀");
}

// Error messages quote client input through clip: short text whole, long text cut at a
// character boundary and marked, whatever the bytes.
TEST(Utf8, ClipKeepsShortTextAndCutsLongTextAtACharacterBoundary) {
  EXPECT_EQ(utf8::clip("abc", 3), "abc");
  EXPECT_EQ(utf8::clip("abcd", 3), "abc…");
  EXPECT_EQ(utf8::clip("аб", 3), "а…") << "never half of the two-byte б";
  EXPECT_EQ(utf8::clip("a😀", 4), "a…");
  const std::string megabyte(1 << 20, 'x');
  EXPECT_EQ(utf8::clip(megabyte, 200).size(), 200 + std::string("…").size());
  EXPECT_EQ(utf8::clip("\x80\x80\x80\x80\x80z", 4), "\x80…") << "bad bytes: at most 3 back";
}

TEST(Utf8, OnInvalidNamesAreTheNormalizerOption) {
  EXPECT_STREQ(enum_name(kInvalidUtf8Names, InvalidUtf8::replace), "replace");
  EXPECT_EQ(enum_value(kInvalidUtf8Names, "error"), InvalidUtf8::error);
}

}  // namespace
}  // namespace rubrika
