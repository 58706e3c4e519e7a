#include "flow/session.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

using airlock::core::Label;
using airlock::flow::SessionState;
using airlock::flow::SessionStore;

namespace {

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/airlock-session-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string db() const { return dir_ + "/state/sessions.db"; }
  std::string dir_;
  airlock::core::ManualClock clock_{1'700'000'000'000'000};
};

TEST_F(SessionTest, UnknownSessionIsFreshAndNotPersisted) {
  auto s = SessionStore::open(db(), clock_);
  ASSERT_TRUE(s.ok()) << s.error().toString();
  auto st = (*s)->load("nope");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->label, Label{});
  EXPECT_FALSE(st->untrusted);
  EXPECT_EQ(st->createdMicros, 0);
  struct stat info {};
  ASSERT_EQ(stat(db().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(SessionTest, LabelOnlyGoesUpAndSurvivesReopen) {
  {
    auto s = SessionStore::open(db(), clock_);
    ASSERT_TRUE(s.ok());
    auto r = (*s)->update("a", [](SessionState& st) {
      st.raise(Label{2, 0b10}, false);
      st.counters["lim"].files += 3;
      st.counters["lim"].bytes += 42;
      return airlock::core::Status{};
    });
    ASSERT_TRUE(r.ok());
    r = (*s)->update("a", [](SessionState& st) {
      st.raise(Label{1, 0b01}, true);  // lower level: join keeps level 2, adds the category
      return airlock::core::Status{};
    });
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->label, (Label{2, 0b11}));
  }
  auto s = SessionStore::open(db(), clock_);
  ASSERT_TRUE(s.ok());
  auto st = (*s)->load("a");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->label, (Label{2, 0b11}));
  EXPECT_TRUE(st->untrusted);
  EXPECT_EQ(st->counters["lim"].files, 3);
  EXPECT_EQ(st->counters["lim"].bytes, 42);
  EXPECT_EQ(st->createdMicros, 1'700'000'000'000'000);
}

TEST_F(SessionTest, FailedUpdateWritesNothing) {
  auto s = SessionStore::open(db(), clock_);
  ASSERT_TRUE(s.ok());
  auto r = (*s)->update("a", [](SessionState& st) {
    st.raise(Label{3, 0}, true);
    return airlock::core::Status(airlock::core::makeError(airlock::core::Code::kInternal, "no"));
  });
  EXPECT_FALSE(r.ok());
  auto st = (*s)->load("a");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->label, Label{});
}

TEST_F(SessionTest, ConcurrentWritersLoseNothing) {
  // 4 processes × 50 updates, each raising its own category bit and incrementing a counter.
  std::vector<pid_t> kids;
  for (int p = 0; p < 4; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      airlock::core::ManualClock clock(1);
      auto s = SessionStore::open(db(), clock);
      if (!s.ok()) {
        std::fprintf(stderr, "child open: %s\n", s.error().toString().c_str());
        _exit(2);
      }
      for (int i = 0; i < 50; ++i) {
        auto r = (*s)->update("shared", [p](SessionState& st) {
          st.raise(Label{static_cast<std::uint8_t>(p % 4), 1ULL << p}, false);
          st.counters["n"].files += 1;
          return airlock::core::Status{};
        });
        if (!r.ok()) _exit(1);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int st = 0;
    waitpid(k, &st, 0);
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
  }
  auto s = SessionStore::open(db(), clock_);
  ASSERT_TRUE(s.ok());
  auto st = (*s)->load("shared");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->label, (Label{3, 0b1111}));
  EXPECT_EQ(st->counters["n"].files, 200);
}

TEST_F(SessionTest, UnopenableStoreIsAnError) {
  std::filesystem::create_directories(dir_ + "/state/sessions.db");  // a directory, not a db
  auto s = SessionStore::open(db(), clock_);
  EXPECT_FALSE(s.ok());
  if (!s.ok()) {
    EXPECT_EQ(s.error().code, airlock::core::Code::kUnavailable);
  }
}

}  // namespace
