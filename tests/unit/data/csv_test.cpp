#include <rubrika/data/csv.hpp>

#include "test_util.hpp"

namespace rubrika {
namespace {

using test::caught;
using test::contains;

TEST(Csv, ReadsQuotesDoubledQuotesQuotedNewlinesBomAndCrlf) {
  const RecordTable table = read_csv(test::data_dir() / "edge_cases.csv");
  ASSERT_EQ(table.columns, (std::vector<std::string>{"title", "description", "category"}));
  ASSERT_EQ(table.rows.size(), 3u);  // the empty line is skipped
  EXPECT_EQ(table.rows[0].fields[0].text, "Диван, угловой");
  EXPECT_EQ(table.rows[0].fields[1].text, "Большой \"Лофт\"\r\nдиван");
  EXPECT_EQ(table.rows[0].fields[2].text, "Мебель");
  EXPECT_EQ(table.rows[1].fields[2].text, "Обувь");  // no trailing \r
  EXPECT_EQ(table.rows[2].fields[0].text, "");
  // Rows remember where they start: the quoted newline moves row 2 to line 4.
  EXPECT_EQ(table.rows[0].line, 2u);
  EXPECT_EQ(table.rows[1].line, 4u);
  EXPECT_EQ(table.rows[2].line, 6u);
  EXPECT_EQ(table.rows[2].row, 3u);
}

TEST(Csv, KeepsAQuoteInsideAnUnquotedField) {
  const RecordTable table = parse_csv("title\nМонитор 27\"\n", "inline");
  EXPECT_EQ(table.rows.at(0).fields[0].text, "Монитор 27\"");
}

TEST(Csv, UnterminatedQuoteNamesLineColumnAndRow) {
  auto error = caught<InputError>([] { read_csv(test::data_dir() / "unterminated_quote.csv"); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "unterminated")) << error->what();
  EXPECT_TRUE(contains(error->where(), "unterminated_quote.csv:3:6 (row 2)")) << error->what();
}

TEST(Csv, WrongFieldCountNamesRowAndLine) {
  auto error = caught<InputError>([] { read_csv(test::data_dir() / "wrong_field_count.csv"); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "has 4 fields, the header has 3")) << error->what();
  EXPECT_TRUE(contains(error->where(), "wrong_field_count.csv:3 (row 2)")) << error->what();
}

TEST(Csv, TextAfterClosingQuoteIsAnError) {
  auto error = caught<InputError>([] { read_csv(test::data_dir() / "text_after_quote.csv"); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->where(), "text_after_quote.csv:2:16")) << error->what();
}

TEST(Csv, InvalidUtf8NamesTheByteOffset) {
  auto error = caught<InputError>([] { read_csv(test::data_dir() / "invalid_utf8.csv"); });
  ASSERT_TRUE(error);
  // "title,description,category\n" is 27 bytes, "Диван,Хоро" 19 more.
  EXPECT_TRUE(contains(error->problem(), "byte offset 46")) << error->what();
  EXPECT_TRUE(contains(error->where(), "invalid_utf8.csv:2")) << error->what();
}

TEST(Csv, HeaderProblemsAreErrors) {
  EXPECT_TRUE(caught<InputError>([] { parse_csv("", "empty.csv"); }));
  auto duplicate = caught<InputError>([] { parse_csv("a,b,a\n1,2,3\n", "dup.csv"); });
  ASSERT_TRUE(duplicate);
  EXPECT_TRUE(contains(duplicate->problem(), "duplicate column 'a'"));
  EXPECT_TRUE(caught<InputError>([] { parse_csv("a,,c\n", "blank.csv"); }));
}

TEST(Csv, MissingColumnListsTheColumns) {
  const RecordTable table = parse_csv("title,category\nx,y\n", "ads.csv");
  auto error = caught<InputError>([&] { table.require_column("description"); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "missing column 'description'"));
  EXPECT_EQ(error->where(), "ads.csv");
  EXPECT_TRUE(contains(error->hint(), "'title', 'category'"));
}

TEST(Csv, WriterQuotesWhatNeedsQuotingAndRoundTrips) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  test::TempDir dir;
  const std::vector<std::vector<std::string>> rows = {
      {"Диван, угловой", "27\" экран", "строка\nвторая"}, {"", " пробел ", "x"}};
  write_csv(dir / "out.csv", {"a", "b", "c"}, rows);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ("out.csv.tmp." + std::to_string(::getpid()))));
  const RecordTable table = read_csv(dir / "out.csv");
  ASSERT_EQ(table.rows.size(), 2u);
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ(table.rows[r].fields[c].text, rows[r][c]);
}

TEST(Csv, MissingFileIsAnIoError) {
  auto error = caught<IoError>([] { read_csv("/nonexistent/ads.csv"); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->where(), "/nonexistent/ads.csv");
}

}  // namespace
}  // namespace rubrika
