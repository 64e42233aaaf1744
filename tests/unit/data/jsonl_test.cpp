#include <rubrika/data/jsonl.hpp>

#include "test_util.hpp"

namespace rubrika {
namespace {

using test::caught;
using test::contains;

TEST(Jsonl, ReadsObjectsListsAndSkipsBlankLines) {
  const RecordTable table = read_jsonl(test::data_dir() / "multilabel.jsonl");
  ASSERT_EQ(table.rows.size(), 4u);
  const size_t labels = table.require_column("labels");
  const size_t text = table.require_column("text");
  EXPECT_EQ(table.rows[0].fields[text].text, "Сборная России выиграла матч");
  EXPECT_TRUE(table.rows[1].fields[labels].is_list);
  EXPECT_EQ(table.rows[1].fields[labels].list, (std::vector<std::string>{"спорт", "экономика"}));
  EXPECT_EQ(table.rows[2].line, 4u);  // line 3 is blank
  EXPECT_EQ(table.rows[2].row, 3u);
}

TEST(Jsonl, NumbersBooleansNullAndMissingKeys) {
  const RecordTable table =
      parse_jsonl("{\"a\": 1, \"b\": true, \"c\": null}\n{\"a\": 0.5, \"d\": \"x\"}\n", "in.jsonl");
  const size_t a = *table.column("a"), b = *table.column("b"), c = *table.column("c"),
               d = *table.column("d");
  EXPECT_EQ(table.rows[0].fields[a].text, "1");
  EXPECT_EQ(table.rows[0].fields[b].text, "true");
  EXPECT_FALSE(table.rows[0].fields[c].present);
  EXPECT_FALSE(table.rows[0].fields[d].present);
  EXPECT_EQ(table.rows[1].fields[a].text, "0.5");
  EXPECT_FALSE(table.rows[1].fields[b].present);
}

TEST(Jsonl, SyntaxErrorNamesTheLine) {
  auto error = caught<InputError>([] { read_jsonl(test::data_dir() / "bad_syntax.jsonl"); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->where(), "bad_syntax.jsonl:2")) << error->what();
  EXPECT_TRUE(contains(error->problem(), "invalid JSON"));
}

TEST(Jsonl, NonObjectLineIsAnError) {
  auto error = caught<InputError>([] { read_jsonl(test::data_dir() / "not_object.jsonl"); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->where(), "not_object.jsonl:2"));
  EXPECT_TRUE(contains(error->problem(), "expected a JSON object, got an array"));
}

TEST(Jsonl, NestedObjectFieldIsAWrongType) {
  auto error = caught<InputError>([] { read_jsonl(test::data_dir() / "nested_object.jsonl"); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "field 'title' is an object"));
  EXPECT_TRUE(contains(error->where(), "nested_object.jsonl:1"));
  auto in_list = caught<InputError>([] { parse_jsonl("{\"labels\": [\"a\", [1]]}\n", "x.jsonl"); });
  ASSERT_TRUE(in_list);
  EXPECT_TRUE(contains(in_list->problem(), "item 2 is an array"));
}

TEST(Jsonl, InvalidUtf8NamesTheByteOffset) {
  auto error = caught<InputError>(
      [] { parse_jsonl("{\"a\": \"ok\"}\n{\"a\": \"\xC3\x28\"}\n", "u.jsonl"); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->problem(), "byte offset 20")) << error->what();
  EXPECT_EQ(error->where(), "u.jsonl:2");
}

}  // namespace
}  // namespace rubrika
