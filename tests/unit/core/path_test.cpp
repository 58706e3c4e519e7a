#include "core/path.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using airlock::core::canonicalPath;
using airlock::core::normalizeLexically;
using airlock::core::PathContext;

namespace {

struct Row {
  const char* input;
  const char* expected;  // nullptr: an error whose message contains `error`
  const char* error = nullptr;
};

TEST(CanonicalPath, LexicalTable) {
  PathContext ctx{"/home/alice", "/work/project"};
  // None of these exist on the test machine, so they are normalised purely lexically.
  const Row rows[] = {
      {"~", "/home/alice"},
      {"~/", "/home/alice"},
      {"~/Finance/q3.csv", "/home/alice/Finance/q3.csv"},
      {"~/Documents/../Finance/q3.csv", "/home/alice/Finance/q3.csv"},
      {"~//Finance///q3.csv", "/home/alice/Finance/q3.csv"},
      {"~/./Finance/./q3.csv", "/home/alice/Finance/q3.csv"},
      {"notes.txt", "/work/project/notes.txt"},
      {"./notes.txt", "/work/project/notes.txt"},
      {"../../home/alice/.ssh/id_rsa", "/home/alice/.ssh/id_rsa"},
      {"/../../../home/alice/.ssh/id_rsa", "/home/alice/.ssh/id_rsa"},
      {"/a/b/c/../../d", "/a/d"},
      {"/a/b/./../", "/a"},
      {"/", "/"},
      {"//", "/"},
      {"/..", "/"},
      {"/a/.../b", "/a/.../b"},  // "..." is an ordinary name
      {"/a/..b/c", "/a/..b/c"},
      {"~alice/x", nullptr, "'~user' paths are not supported"},
      {"", nullptr, "empty path"},
  };
  for (const auto& r : rows) {
    auto got = canonicalPath(r.input, ctx);
    if (r.expected) {
      ASSERT_TRUE(got.ok()) << r.input << ": " << got.error().message;
      EXPECT_EQ(*got, r.expected) << r.input;
    } else {
      ASSERT_FALSE(got.ok()) << r.input << " gave " << *got;
      EXPECT_NE(got.error().message.find(r.error), std::string::npos) << got.error().message;
    }
  }
}

TEST(CanonicalPath, RejectsNulAndOverlongAndRelativeWithoutCwd) {
  PathContext ctx{"/home/alice", "/work"};
  std::string nul("/etc/passwd\0.txt", 16);
  auto r = canonicalPath(nul, ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "path contains a NUL byte");
  auto longPath = canonicalPath("/" + std::string(5000, 'a'), ctx);
  ASSERT_FALSE(longPath.ok());
  EXPECT_EQ(longPath.error().message, "path longer than 4096 bytes");
  auto rel = canonicalPath("x", PathContext{"/home/alice", ""});
  ASSERT_FALSE(rel.ok());
  EXPECT_EQ(rel.error().message, "relative path 'x' but no absolute working directory");
  EXPECT_EQ(normalizeLexically("/a//b/./c/../d"), "/a/b/d");
}

class SymlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/airlock-path-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = std::filesystem::canonical(tmpl);  // /tmp itself could be a link
    std::filesystem::create_directories(root_ / "home/.ssh");
    std::filesystem::create_directories(root_ / "home/Documents");
    std::ofstream(root_ / "home/.ssh/id_rsa") << "key";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(SymlinkTest, ResolvesLinksPlacedInAllowedFolders) {
  PathContext ctx{(root_ / "home").string(), (root_ / "home/Documents").string()};
  // A link in Documents that points at the key: the canonical path is the key.
  std::filesystem::create_symlink(root_ / "home/.ssh/id_rsa", root_ / "home/Documents/notes.txt");
  auto r = canonicalPath("~/Documents/notes.txt", ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (root_ / "home/.ssh/id_rsa").string());
  // A relative directory link, then `..` applied after the link (as the kernel does).
  std::filesystem::create_directories(root_ / "home/a/b");
  std::filesystem::create_directory_symlink("../.ssh", root_ / "home/Documents/keys");
  auto viaDir = canonicalPath("keys/id_rsa", ctx);
  ASSERT_TRUE(viaDir.ok());
  EXPECT_EQ(*viaDir, (root_ / "home/.ssh/id_rsa").string());
  std::filesystem::create_directory_symlink(root_ / "home/a/b", root_ / "home/Documents/deep");
  auto dotdot = canonicalPath("deep/../../.ssh/id_rsa", ctx);
  ASSERT_TRUE(dotdot.ok());
  EXPECT_EQ(*dotdot, (root_ / "home/.ssh/id_rsa").string());
  // A link to a file that does not exist yet: the tail is normalised lexically after the link.
  std::filesystem::create_symlink(root_ / "home/.ssh/new_key", root_ / "home/Documents/later.txt");
  auto dangling = canonicalPath("~/Documents/later.txt", ctx);
  ASSERT_TRUE(dangling.ok());
  EXPECT_EQ(*dangling, (root_ / "home/.ssh/new_key").string());
}

TEST_F(SymlinkTest, DetectsLoops) {
  PathContext ctx{(root_ / "home").string(), root_.string()};
  std::filesystem::create_symlink(root_ / "loop2", root_ / "loop1");
  std::filesystem::create_symlink(root_ / "loop1", root_ / "loop2");
  auto r = canonicalPath("loop1/x", ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("too many symbolic links"), std::string::npos);
}

}  // namespace

TEST(PathWithin, DirectoryBoundaries) {
  using airlock::core::pathWithin;
  EXPECT_TRUE(pathWithin("/a/b", "/a/b"));
  EXPECT_TRUE(pathWithin("/a/b", "/a/b/c"));
  EXPECT_FALSE(pathWithin("/a/b", "/a/bc"));
  EXPECT_FALSE(pathWithin("/a/b", "/a"));
  EXPECT_TRUE(pathWithin("/", "/anything"));
  EXPECT_FALSE(pathWithin("/", "relative"));
}
