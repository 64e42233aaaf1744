// Dynamic batching: batches close by size, by token budget (read from the prepared
// items), or by time; texts of similar length go together; rerank pairs are batched
// through the same queue but never with classify texts; a full queue rejects at once;
// deadlines give DeadlineError and skip the work; stop() drains.
#include <rubrika/serve/batcher.hpp>
#include <rubrika/serve/serve_errors.hpp>
#include "fake_backends.hpp"

#include <gtest/gtest.h>

#include <future>

namespace rubrika::serve {
namespace {

using testing::FakeBackend;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Clock::time_point in(int64_t ms) { return Clock::now() + milliseconds(ms); }

// Prepared as FakeBackend::prepare does: the text itself, words + 2 tokens.
PreparedText prepared(const std::string& text) {
  PreparedText out;
  out.normalized = text;
  out.token_count = FakeBackend::words(text) + 2;
  return out;
}

// A shared_ptr to a test's own backend that owns nothing: the test outlives its batcher.
std::shared_ptr<InferenceBackend> unowned(FakeBackend& backend) {
  return std::shared_ptr<InferenceBackend>(std::shared_ptr<void>(), &backend);
}

std::vector<Prediction> run(Batcher& batcher, FakeBackend& backend,
                            const std::vector<std::string>& texts, PredictOptions options = {},
                            int64_t deadline_ms = 5000) {
  std::vector<PreparedText> items;
  for (const auto& text : texts) items.push_back(prepared(text));
  return batcher.classify(unowned(backend), std::move(items), options, in(deadline_ms));
}

std::vector<double> rerank(Batcher& batcher, FakeBackend& backend, const std::string& text,
                           std::vector<std::string> candidates, int64_t deadline_ms = 5000) {
  return batcher.rerank(unowned(backend), prepared(text), std::move(candidates), in(deadline_ms));
}

TEST(BatchPolicy, ClosesAtMaxTexts) {
  BatchChoice choice = choose_batch(std::vector<int64_t>(10, 5), {4, 1000});
  EXPECT_EQ(choice.picked.size(), 4u);
  EXPECT_TRUE(choice.full);
}

TEST(BatchPolicy, ClosesAtPaddedTokenBudget) {
  // 30 tokens each: 3 texts pad to 90 ≤ 100, a 4th would make 120.
  BatchChoice choice = choose_batch(std::vector<int64_t>(10, 30), {100, 100});
  EXPECT_EQ(choice.picked.size(), 3u);
  EXPECT_EQ(choice.padded_tokens, 90);
  EXPECT_TRUE(choice.full);
}

TEST(BatchPolicy, PrefersTextsNearTheOldestInLength) {
  // Oldest has 10 tokens: 11 and 12 join it before 100.
  BatchChoice choice = choose_batch({10, 100, 12, 11}, {3, 10000});
  EXPECT_EQ(choice.picked, (std::vector<size_t>{0, 3, 2}));
  EXPECT_EQ(choice.padded_tokens, 36);
}

TEST(BatchPolicy, SkipsALongTextButKeepsFillingWithShorterOnes) {
  BatchChoice choice = choose_batch({10, 50, 10, 10}, {10, 40});
  EXPECT_EQ(choice.picked, (std::vector<size_t>{0, 2, 3}));
  EXPECT_TRUE(choice.full);  // the 50-token text waits for the next batch
}

TEST(BatchPolicy, OldestTextGoesAloneEvenAboveTheBudget) {
  BatchChoice choice = choose_batch({500, 10}, {8, 100});
  EXPECT_EQ(choice.picked, (std::vector<size_t>{0}));
  EXPECT_TRUE(choice.full);
}

TEST(BatchPolicy, FullWhenNoFurtherTextCouldFitTheBudget) {
  EXPECT_TRUE(choose_batch({5, 5}, {32, 10}).full);   // a third text would pad to ≥ 15
  EXPECT_FALSE(choose_batch({5, 5}, {32, 15}).full);  // a third 5-token text still fits
}

TEST(BatchPolicy, NotFullWhenEverythingFits) {
  BatchChoice choice = choose_batch({5, 5}, {8, 100});
  EXPECT_EQ(choice.picked.size(), 2u);
  EXPECT_FALSE(choice.full);
  EXPECT_TRUE(choose_batch({}, {8, 100}).picked.empty());
}

TEST(Batcher, BatchClosesBySizeWithoutWaitingForTheTimer) {
  FakeBackend backend;
  Batcher batcher({/*max_batch_size=*/4, 8192, /*max_wait_ms=*/10000, 1024, 1});
  const auto start = Clock::now();
  auto predictions = run(batcher, backend, std::vector<std::string>(8, "одно слово"));
  EXPECT_LT(Clock::now() - start, milliseconds(3000));  // far below max_wait_ms
  EXPECT_EQ(predictions.size(), 8u);
  auto batches = backend.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].texts.size(), 4u);
  EXPECT_EQ(batches[1].texts.size(), 4u);
}

TEST(Batcher, BatchClosesByTokenBudget) {
  FakeBackend backend;
  // Each text: 3 words + 2 = 5 tokens; a budget of 10 fits two.
  Batcher batcher({32, /*max_batch_tokens=*/10, /*max_wait_ms=*/10000, 1024, 1});
  auto predictions = run(batcher, backend, std::vector<std::string>(6, "три слова тут"));
  EXPECT_EQ(predictions.size(), 6u);
  for (const auto& batch : backend.batches()) EXPECT_EQ(batch.texts.size(), 2u);
  EXPECT_EQ(backend.batches().size(), 3u);
}

TEST(Batcher, BatchClosesByTimeAndCollectsRequestsArrivingMeanwhile) {
  FakeBackend backend;
  Batcher batcher({32, 8192, /*max_wait_ms=*/300, 1024, 1});
  const auto start = Clock::now();
  auto first = std::async(std::launch::async, [&] { return run(batcher, backend, {"первый"}); });
  std::this_thread::sleep_for(milliseconds(50));
  auto second = std::async(std::launch::async, [&] { return run(batcher, backend, {"второй"}); });
  EXPECT_EQ(first.get().size(), 1u);
  EXPECT_EQ(second.get().size(), 1u);
  EXPECT_GE(Clock::now() - start, milliseconds(280));  // held for max_wait_ms
  auto batches = backend.batches();
  ASSERT_EQ(batches.size(), 1u);  // both requests in one batch
  EXPECT_EQ(batches[0].texts.size(), 2u);
}

TEST(Batcher, PredictionsComeBackInRequestOrderWhileTheBackendSeesThemSortedByLength) {
  FakeBackend backend;
  Batcher batcher({32, 8192, 0, 1024, 1});
  const std::vector<std::string> texts = {"a b c d e", "a", "a b c"};
  auto predictions = run(batcher, backend, texts, {3, RerankMode::automatic, true});
  auto batches = backend.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].texts, (std::vector<std::string>{"a", "a b c", "a b c d e"}));
  // FakeBackend: label = labels[words % 3] → 5 words: "Работа", 1: "Недвижимость", 3: "Авто".
  EXPECT_EQ(predictions[0].label, "Работа");
  EXPECT_EQ(predictions[1].label, "Недвижимость");
  EXPECT_EQ(predictions[2].label, "Авто");
  for (const auto& p : predictions) EXPECT_TRUE(p.timings_ms.count("queue"));
}

TEST(Batcher, EachRequestGetsItsOwnTopK) {
  FakeBackend backend;
  Batcher batcher({32, 8192, 200, 1024, 1});
  auto one = std::async(std::launch::async, [&] {
    return run(batcher, backend, {"x"}, {1, RerankMode::automatic, false});
  });
  auto three = std::async(std::launch::async, [&] {
    return run(batcher, backend, {"y"}, {3, RerankMode::automatic, false});
  });
  EXPECT_EQ(one.get()[0].top_k.size(), 1u);
  EXPECT_EQ(three.get()[0].top_k.size(), 3u);
}

TEST(Batcher, DifferentRerankModesAreNotMixedInOneBatch) {
  FakeBackend backend;
  Batcher batcher({32, 8192, 200, 1024, 1});
  auto a = std::async(std::launch::async, [&] {
    return run(batcher, backend, {"x"}, {5, RerankMode::never, false});
  });
  auto b = std::async(std::launch::async, [&] {
    return run(batcher, backend, {"y"}, {5, RerankMode::always, false});
  });
  a.get();
  EXPECT_TRUE(b.get()[0].reranked);
  auto batches = backend.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_NE(batches[0].options.rerank, batches[1].options.rerank);
}

TEST(Batcher, TextsOfTwoBackendsNeverShareABatchAndEachIsComputedByItsOwn) {
  FakeBackend old_backend, new_backend;
  // A long max_wait: without the backend rule, all four requests would share one batch.
  Batcher batcher({32, 8192, /*max_wait_ms=*/300, 1024, 1});
  std::vector<std::future<std::vector<Prediction>>> calls;
  for (int i = 0; i < 4; ++i) {
    FakeBackend& backend = i % 2 == 0 ? old_backend : new_backend;
    const std::string text = i % 2 == 0 ? "старый" : "новый";
    calls.push_back(std::async(
        std::launch::async, [&batcher, &backend, text] { return run(batcher, backend, {text}); }));
  }
  for (auto& call : calls) EXPECT_EQ(call.get().size(), 1u);
  ASSERT_EQ(old_backend.batches().size(), 1u);
  ASSERT_EQ(new_backend.batches().size(), 1u);
  EXPECT_EQ(old_backend.batches()[0].texts, (std::vector<std::string>{"старый", "старый"}));
  EXPECT_EQ(new_backend.batches()[0].texts, (std::vector<std::string>{"новый", "новый"}));
}

TEST(Batcher, TokenBudgetReadsThePreparedTokenCounts) {
  FakeBackend backend;
  Batcher batcher({32, /*max_batch_tokens=*/100, /*max_wait_ms=*/10000, 1024, 1});
  std::vector<PreparedText> items(4, prepared("одно"));
  for (auto& item : items) item.token_count = 50;  // the words say 3; the item says 50
  EXPECT_EQ(batcher.classify(unowned(backend), std::move(items), {}, in(5000)).size(), 4u);
  auto batches = backend.batches();
  ASSERT_EQ(batches.size(), 2u);  // 2 × 50 fits the budget of 100, 3 × 50 does not
  EXPECT_EQ(batches[0].texts.size(), 2u);
}

TEST(Batcher, RerankPairsOfSeveralRequestsShareOneBatchAndComeBackInCandidateOrder) {
  FakeBackend backend;
  Batcher batcher({32, 8192, /*max_wait_ms=*/300, 1024, 1});
  auto first = std::async(std::launch::async, [&] {
    return rerank(batcher, backend, "абв", {"Работа", "Авто"});
  });
  std::this_thread::sleep_for(milliseconds(50));
  auto second =
      std::async(std::launch::async, [&] { return rerank(batcher, backend, "x", {"Авто"}); });
  const std::vector<double> a = first.get(), b = second.get();
  // FakeBackend: score = bytes of the label + bytes of the text / 1000.
  ASSERT_EQ(a.size(), 2u);
  EXPECT_DOUBLE_EQ(a[0], 12.006);
  EXPECT_DOUBLE_EQ(a[1], 8.006);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_DOUBLE_EQ(b[0], 8.001);
  auto reranks = backend.reranks();
  ASSERT_EQ(reranks.size(), 1u);  // three pairs, one backend call
  EXPECT_EQ(reranks[0].candidates.size(), 3u);
  EXPECT_TRUE(backend.batches().empty());
}

TEST(Batcher, ClassifyTextsAndRerankPairsNeverShareABatch) {
  FakeBackend backend;
  Batcher batcher({32, 8192, /*max_wait_ms=*/200, 1024, 1});
  auto classified = std::async(std::launch::async, [&] {
    return run(batcher, backend, {"a", "b"});
  });
  auto reranked =
      std::async(std::launch::async, [&] { return rerank(batcher, backend, "a", {"Авто"}); });
  EXPECT_EQ(classified.get().size(), 2u);
  EXPECT_EQ(reranked.get().size(), 1u);
  ASSERT_EQ(backend.batches().size(), 1u);
  EXPECT_EQ(backend.batches()[0].texts.size(), 2u);
  ASSERT_EQ(backend.reranks().size(), 1u);
  EXPECT_EQ(backend.reranks()[0].texts, (std::vector<std::string>{"a"}));
}

TEST(Batcher, RerankFailureAndDeadlineReachItsRequest) {
  FakeBackend backend;
  backend.set_throws(true);
  Batcher batcher({32, 8192, 0, 1024, 1});
  EXPECT_THROW(rerank(batcher, backend, "a", {"Авто", "Работа"}), std::runtime_error);
  backend.set_throws(false);
  backend.close_gate();
  auto busy = std::async(std::launch::async, [&] { return run(batcher, backend, {"занят"}); });
  ASSERT_TRUE(backend.wait_entered(2));
  EXPECT_THROW(rerank(batcher, backend, "опоздал", {"Авто"}, /*deadline_ms=*/100), DeadlineError);
  backend.open_gate();
  busy.get();
  batcher.stop();
  for (const auto& call : backend.reranks())
    for (const auto& text : call.texts) EXPECT_NE(text, "опоздал");
}

TEST(Batcher, FullQueueRejectsImmediately) {
  FakeBackend backend;
  backend.close_gate();
  Batcher batcher({2, 8192, 0, /*queue_capacity=*/4, 1});
  auto busy = std::async(std::launch::async, [&] { return run(batcher, backend, {"в работе"}); });
  ASSERT_TRUE(backend.wait_entered(1));  // the worker holds this one inside the backend
  auto queued = std::async(std::launch::async, [&] {
    return run(batcher, backend, std::vector<std::string>(4, "ждёт"));
  });
  for (int i = 0; i < 200 && batcher.queue_depth() < 4; ++i)
    std::this_thread::sleep_for(milliseconds(5));
  ASSERT_EQ(batcher.queue_depth(), 4);
  const auto start = Clock::now();
  EXPECT_THROW(run(batcher, backend, {"лишний"}), OverloadError);
  EXPECT_THROW(rerank(batcher, backend, "лишний", {"Авто"}), OverloadError);  // the same queue
  EXPECT_LT(Clock::now() - start, milliseconds(500));  // rejected, not queued
  backend.open_gate();
  EXPECT_EQ(busy.get().size(), 1u);
  EXPECT_EQ(queued.get().size(), 4u);
  EXPECT_EQ(batcher.queue_depth(), 0);
}

// Admission by work: after a batch has shown the speed (200 ms for a 4-token text), a
// request is refused while the work queued ahead plus its own would pass
// max_queue_wait_ms, and admitted again once the queue has drained.
TEST(Batcher, ARequestWhoseQueuedWorkWouldPassMaxQueueWaitIsRefusedAtOnce) {
  FakeBackend backend;
  backend.set_delay_ms(200);
  Batcher batcher({1, 8192, 0, 1024, 1, /*max_queue_wait_ms=*/300});
  run(batcher, backend, {"два слова"});  // measures: 4 tokens in ~200 ms
  backend.close_gate();
  auto busy = std::async(std::launch::async, [&] { return run(batcher, backend, {"в работе"}); });
  ASSERT_TRUE(backend.wait_entered(2));
  // The queue is empty: admitted whatever it costs.
  auto first = std::async(std::launch::async, [&] { return run(batcher, backend, {"ждёт тут"}); });
  for (int i = 0; i < 200 && batcher.queue_depth() < 1; ++i)
    std::this_thread::sleep_for(milliseconds(5));
  ASSERT_EQ(batcher.queue_depth(), 1);
  // ~200 ms queued + ~200 ms of its own > 300 ms.
  try {
    run(batcher, backend, {"лишний запрос"});
    ADD_FAILURE() << "admitted past max_queue_wait_ms";
  } catch (const OverloadError& error) {
    EXPECT_NE(std::string(error.what()).find("max_queue_wait_ms (300)"), std::string::npos)
        << error.what();
  }
  backend.open_gate();
  busy.get();
  first.get();
  EXPECT_EQ(run(batcher, backend, {"снова можно"}).size(), 1u);
}

TEST(Batcher, ATextNoBatchCanHoldIs413NamingMaxBatchTokens) {
  FakeBackend backend;
  Batcher batcher({8, /*max_batch_tokens=*/5, 0, 1024, 1});
  try {
    run(batcher, backend, {"раз два", "раз два три четыре пять"});  // 4 and 7 tokens
    ADD_FAILURE() << "a 7-token text was queued under a 5-token budget";
  } catch (const PayloadTooLargeError& error) {
    EXPECT_NE(std::string(error.what()).find("max_batch_tokens"), std::string::npos);
  }
  EXPECT_EQ(batcher.queue_depth(), 0);  // nothing of the request was queued
  EXPECT_TRUE(backend.batches().empty());
}

TEST(Batcher, RequestPastItsDeadlineGetsDeadlineErrorAndIsNotComputed) {
  FakeBackend backend;
  backend.close_gate();
  Batcher batcher({1, 8192, 0, 1024, 1});
  auto busy = std::async(std::launch::async, [&] { return run(batcher, backend, {"занят"}); });
  ASSERT_TRUE(backend.wait_entered(1));
  const auto start = Clock::now();
  EXPECT_THROW(run(batcher, backend, {"опоздал"}, {}, /*deadline_ms=*/100), DeadlineError);
  EXPECT_GE(Clock::now() - start, milliseconds(90));
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  backend.open_gate();
  busy.get();
  batcher.stop();
  for (const auto& batch : backend.batches())
    for (const auto& text : batch.texts) EXPECT_NE(text, "опоздал");
}

TEST(Batcher, BackendFailureReachesEveryRequestOfTheBatch) {
  FakeBackend backend;
  backend.set_throws(true);
  Batcher batcher({32, 8192, 0, 1024, 1});
  EXPECT_THROW(run(batcher, backend, {"a", "b"}), std::runtime_error);
  backend.set_throws(false);
  EXPECT_EQ(run(batcher, backend, {"a"}).size(), 1u);  // the worker survived
}

TEST(Batcher, StopFinishesQueuedWorkThenRejects) {
  FakeBackend backend;
  backend.set_delay_ms(50);
  Batcher batcher({1, 8192, 0, 1024, 1});
  auto pending = std::async(std::launch::async, [&] {
    return run(batcher, backend, {"a", "b", "c"});
  });
  ASSERT_TRUE(backend.wait_entered(1));
  batcher.stop();
  EXPECT_EQ(pending.get().size(), 3u);
  EXPECT_THROW(run(batcher, backend, {"d"}), OverloadError);
  EXPECT_THROW(rerank(batcher, backend, "d", {"Авто"}), OverloadError);
}

TEST(Batcher, SeveralWorkersShareTheQueue) {
  FakeBackend backend;
  backend.set_delay_ms(20);
  Batcher batcher({2, 8192, 0, 1024, /*workers=*/3});
  std::vector<std::future<std::vector<Prediction>>> requests;
  for (int i = 0; i < 6; ++i)
    requests.push_back(std::async(std::launch::async, [&] {
      return run(batcher, backend, {"a b", "c d"});
    }));
  for (auto& r : requests) EXPECT_EQ(r.get().size(), 2u);
  size_t texts = 0;
  for (const auto& batch : backend.batches()) texts += batch.texts.size();
  EXPECT_EQ(texts, 12u);
}

}  // namespace
}  // namespace rubrika::serve
