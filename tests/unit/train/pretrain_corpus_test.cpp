// Unlabelled corpus files for [pretrain]: every format read in pieces, and the errors that
// name the file and line.
#include <rubrika/error.hpp>
#include <rubrika/train/pretrain_corpus.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

namespace rubrika {
namespace {
namespace fs = std::filesystem;

fs::path write(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("rubrika_corpus_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

// Every text of `file`, with the sizes of the pieces it came in.
std::pair<std::vector<std::string>, std::vector<size_t>> read_all(const fs::path& file,
                                                                  size_t piece) {
  std::vector<std::string> texts;
  std::vector<size_t> pieces;
  stream_corpus_file(file, "text", piece, [&](std::vector<std::string> got) {
    pieces.push_back(got.size());
    texts.insert(texts.end(), got.begin(), got.end());
  });
  return {texts, pieces};
}

TEST(PretrainCorpus, PlainLinesComeInPiecesWithoutEmptyLines) {
  const auto [texts, pieces] = read_all(write("a.txt", "один\r\n\nдва\nтри\nчетыре\nпять"), 2);
  EXPECT_EQ(texts, (std::vector<std::string>{"один", "два", "три", "четыре", "пять"}));
  EXPECT_EQ(pieces, (std::vector<size_t>{2, 2, 1}));
}

TEST(PretrainCorpus, JsonLinesReadTheTextField) {
  const auto [texts, pieces] =
      read_all(write("b.jsonl",
                     "{\"text\": \"первый\", \"id\": 1}\n\n{\"id\": 2}\n{\"text\": \"второй\"}\n"),
               10);
  EXPECT_EQ(texts, (std::vector<std::string>{"первый", "второй"}));
}

TEST(PretrainCorpus, CsvRecordsMayHoldQuotedNewlines) {
  const auto [texts, pieces] = read_all(
      write("c.csv", "id,text\n1,\"две\nстроки\"\n2,\"с \"\"кавычками\"\"\"\n3,15\" экран\n"), 10);
  EXPECT_EQ(texts, (std::vector<std::string>{"две\nстроки", "с \"кавычками\"", "15\" экран"}));
}

// Pieces of one record: a boundary after every record, the literal quote of 15" before a
// quoted field that spans lines included.
TEST(PretrainCorpus, CsvPiecesEndOnlyBetweenRecords) {
  const auto [texts, pieces] = read_all(
      write("d.csv", "id,text\n1,15\" экран\n2,\"строка\nещё, \"\"да\"\"\"\r\n3,конец"), 1);
  EXPECT_EQ(texts, (std::vector<std::string>{"15\" экран", "строка\nещё, \"да\"", "конец"}));
  EXPECT_EQ(pieces, (std::vector<size_t>{1, 1, 1}));
}

TEST(PretrainCorpus, ErrorsNameTheFileAndLine) {
  try {
    read_all(write("bad.txt", "хорошо\nплохо \xff\n"), 10);
    FAIL() << "invalid UTF-8 accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
  }
  try {
    read_all(write("bad.jsonl", "{\"text\": \"ок\"}\n{\"text\": \n"), 10);
    FAIL() << "broken JSON accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  try {
    read_all(write("nocol.csv", "id,body\n1,текст\n"), 10);
    FAIL() << "missing column accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("text"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_all("/nonexistent/corpus.txt", 10), IoError);
}

}  // namespace
}  // namespace rubrika
