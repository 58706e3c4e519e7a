// Path and text globs: tables pinning what glob.h documents (`*` within one segment, `**`
// across segments and including none, `dir/**` matches dir itself, `?`, braces, literal dots,
// case sensitivity), plus wildcardMatch/expandBraces/splitPath directly.
#include "policy/glob.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

using airlock::policy::expandBraces;
using airlock::policy::PathGlob;
using airlock::policy::splitPath;
using airlock::policy::TextGlob;
using airlock::policy::wildcardMatch;

namespace {

struct PathCase {
  const char* pattern;
  const char* path;
  bool match;
};

const PathCase kPath[] = {
    // `*` stays within one segment.
    {"/a/*", "/a/b", true},
    {"/a/*", "/a/b/c", false},
    {"/a/*", "/a", false},
    {"/a/*", "/a/.hidden", true},  // no dotfile special case
    {"/a/*.txt", "/a/notes.txt", true},
    {"/a/*.txt", "/a/notes.txt.bak", false},
    {"/a/*.txt", "/a/dir/notes.txt", false},
    {"/a/*/c", "/a/b/c", true},
    {"/a/*/c", "/a/b/x/c", false},
    {"/a/b*", "/a/b", true},  // `*` may match nothing
    // `**` spans any number of segments, including none.
    {"/a/**", "/a/b", true},
    {"/a/**", "/a/b/c/d", true},
    {"/a/**", "/a", true},  // glob.h: "`dir/**` matches `dir` and everything below it"
    {"/a/**", "/ab", false},
    {"/a/**", "/b/a", false},
    {"/a/**", "/", false},
    {"/a/**/z", "/a/z", true},
    {"/a/**/z", "/a/b/z", true},
    {"/a/**/z", "/a/b/c/z", true},
    {"/a/**/z", "/a/b/c/zz", false},
    {"/a/**/z/**", "/a/x/z", true},
    {"/a/**/b/**/c", "/a/b/c", true},
    {"/a/**/b/**/c", "/a/x/b/y/b/z/c", true},
    {"/a/**/b/**/c", "/a/x/c/b", false},
    {"**/.env", "/.env", true},
    {"**/.env", "/srv/app/.env", true},
    {"**/.env", "/srv/app/.envrc", false},
    {"**/.env", "/srv/app/x.env", false},
    {"/**", "/", true},
    {"/**", "/any/thing/at/all", true},
    {"**", "/x", true},
    // `**` inside a segment means `*`.
    {"/x/a**b", "/x/aZZb", true},
    {"/x/a**b", "/x/a/b", false},
    // `?` is exactly one character of a segment.
    {"/a/?.txt", "/a/b.txt", true},
    {"/a/?.txt", "/a/bc.txt", false},
    {"/a/?.txt", "/a/.txt", false},
    {"/a?b", "/a/b", false},
    // Braces: alternatives, nested, with wildcards.
    {"/a/{b,c}/d", "/a/b/d", true},
    {"/a/{b,c}/d", "/a/c/d", true},
    {"/a/{b,c}/d", "/a/e/d", false},
    {"/a/{b,c{1,2}}", "/a/c2", true},
    {"/a/{b,c{1,2}}", "/a/c", false},
    {"/a/{b,c{1,2}}", "/a/b", true},
    {"/{etc,home/*}/x", "/home/u/x", true},
    {"/{etc,home/*}/x", "/etc/x", true},
    {"/{etc,home/*}/x", "/home/x", false},
    {"{/a,**/b}/c", "/q/b/c", true},
    // Literal dots and case sensitivity.
    {"/a/b.c", "/a/b.c", true},
    {"/a/b.c", "/a/bxc", false},
    {"/A/b", "/a/b", false},
    {"/a/*.TXT", "/a/x.txt", false},
    // Repeated separators collapse, in the pattern and in the path.
    {"/a//b", "/a/b", true},
    {"/a/b", "/a//b/", true},
    {"/a/b/", "/a/b", true},
};

TEST(PathGlob, Table) {
  for (const auto& c : kPath) {
    auto g = PathGlob::compile(c.pattern);
    ASSERT_TRUE(g.ok()) << c.pattern << ": " << g.error().message;
    EXPECT_EQ(g->matches(std::string_view(c.path)), c.match) << c.pattern << " vs " << c.path;
    // The span overload agrees with the string overload.
    std::array<std::string_view, 32> segs;
    int n = splitPath(c.path, segs);
    ASSERT_GE(n, 0);
    EXPECT_EQ(g->matches(std::span<const std::string_view>(segs.data(), static_cast<std::size_t>(n))), c.match)
        << c.pattern << " vs " << c.path;
  }
}

TEST(PathGlob, DeepPathsAreNotTruncated) {
  std::string deep;
  for (int i = 0; i < 400; ++i) deep += "/d";
  auto all = PathGlob::compile("/d/**/leaf");
  ASSERT_TRUE(all.ok());
  EXPECT_FALSE(all->matches(std::string_view(deep)));
  EXPECT_TRUE(all->matches(std::string_view(deep + "/leaf")));
  auto star = PathGlob::compile("/**");
  ASSERT_TRUE(star.ok());
  EXPECT_TRUE(star->matches(std::string_view(deep)));
}

TEST(PathGlob, Alternatives) {
  auto g = PathGlob::compile("/home/u/{Documents,Finance/*}/**");
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->pattern(), "/home/u/{Documents,Finance/*}/**");
  ASSERT_EQ(g->alternatives().size(), 2u);
  const auto& a = g->alternatives()[0];
  EXPECT_EQ(a.segments, (std::vector<std::string>{"home", "u", "Documents", "**"}));
  EXPECT_EQ(a.literalPrefix, 3u);
  const auto& b = g->alternatives()[1];
  EXPECT_EQ(b.segments, (std::vector<std::string>{"home", "u", "Finance", "*", "**"}));
  EXPECT_EQ(b.literalPrefix, 3u);
  auto any = PathGlob::compile("**/.env");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->alternatives().at(0).literalPrefix, 0u);
  auto q = PathGlob::compile("/a/b?/c");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->alternatives().at(0).literalPrefix, 1u);
}

struct BadGlob {
  const char* pattern;
  const char* error;
};

TEST(PathGlob, CompileErrors) {
  const BadGlob bad[] = {
      {"", "empty path pattern"},
      {"relative/x", "path pattern 'relative/x' must be absolute, start with '~/' or with '**'"},
      // `~` is expanded by the policy loader (with the home directory), never by the glob.
      {"~/x", "path pattern '~/x' must be absolute, start with '~/' or with '**'"},
      {"*/x", "path pattern '*/x' must be absolute, start with '~/' or with '**'"},
      {"/a/{b,c", "unbalanced '{' in '/a/{b,c'"},
      {"/a/b}", "unbalanced '}' in '/a/b}'"},
      {"/a/../b", "path pattern '/a/../b' contains '..'"},
      {"/a/./b", "path pattern '/a/./b' contains '.'"},
      {"{/a,b}", "path pattern 'b' must be absolute, start with '~/' or with '**'"},
      {"/{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", "more than 64 alternatives after expanding braces"},
  };
  for (const auto& c : bad) {
    auto g = PathGlob::compile(c.pattern);
    ASSERT_FALSE(g.ok()) << c.pattern;
    EXPECT_EQ(g.error().message, c.error) << c.pattern;
  }
  // Exactly 64 alternatives is allowed.
  EXPECT_TRUE(PathGlob::compile("/{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}").ok());
}

struct TextCase {
  const char* pattern;
  const char* text;
  bool match;
};

TEST(TextGlob, Table) {
  const TextCase cases[] = {
      {"rm -rf *", "rm -rf /", true},
      {"rm -rf *", "rm -rf /home/u/x", true},  // no separator: `*` crosses '/'
      {"rm -rf *", "rm -r /", false},
      {"slack/post_*", "slack/post_message", true},
      {"slack/post_*", "slack/read", false},
      {"slack/*", "slack/a/b", true},
      {"*", "", true},
      {"*", "anything at all", true},
      {"**", "a/b/c", true},
      {"a?c", "a/c", true},
      {"a?c", "ac", false},
      {"{git,hg} status", "hg status", true},
      {"{git,hg} status", "svn status", false},
      {"git {push,pull}*", "git push --force", true},
      {"curl *", "CURL x", false},  // case-sensitive
      {"*.sh", "deploy.sh", true},
      {"*.sh", "deploy.shx", false},
      {"exact", "exact", true},
      {"exact", "exactly", false},
  };
  for (const auto& c : cases) {
    auto g = TextGlob::compile(c.pattern);
    ASSERT_TRUE(g.ok()) << c.pattern << ": " << g.error().message;
    EXPECT_EQ(g->matches(c.text), c.match) << c.pattern << " vs " << c.text;
    EXPECT_EQ(g->pattern(), c.pattern);
  }
  EXPECT_FALSE(TextGlob::compile("").ok());
  EXPECT_FALSE(TextGlob::compile("a{b").ok());
}

struct WildCase {
  const char* pattern;
  const char* text;
  char sep;
  bool match;
};

TEST(WildcardMatch, Table) {
  const WildCase cases[] = {
      {"", "", '/', true},
      {"", "a", '/', false},
      {"a", "", '/', false},
      {"*", "", '/', true},
      {"*", "abc", '/', true},
      {"*", "a/b", '/', false},
      {"*", "a/b", 0, true},
      {"a*", "a/b", '/', false},
      {"a*", "a/b", 0, true},
      {"*b", "ab", '/', true},
      {"*b", "a/b", '/', false},
      {"a*b*c", "aXbYc", '/', true},
      {"a*b*c", "aXbY", '/', false},
      {"a*b", "abab", '/', true},
      {"**", "abc", '/', true},
      {"?", "/", '/', false},
      {"?", "/", 0, true},
      {"?", "x", '/', true},
      {"??", "x", '/', false},
      {"a?c", "abc", '/', true},
      {"*.*", "a.b", '/', true},
      {"*.*", "ab", '/', false},
      {"*x*", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(wildcardMatch(c.pattern, c.text, c.sep), c.match)
        << "'" << c.pattern << "' vs '" << c.text << "' sep " << int(c.sep);
}

TEST(ExpandBraces, Table) {
  struct C {
    const char* pattern;
    std::vector<std::string> out;
  };
  const C cases[] = {
      {"plain", {"plain"}},
      {"a{b,c}d", {"abd", "acd"}},
      {"{a,b}{c,d}", {"ac", "ad", "bc", "bd"}},
      {"x{a,b{c,d}}", {"xa", "xbc", "xbd"}},
      {"{a,{b,{c,d}}}", {"a", "b", "c", "d"}},
      {"a{}b", {"ab"}},
      {"{a,}", {"a", ""}},
      {"{single}", {"single"}},
      {"*.{jpg,png}", {"*.jpg", "*.png"}},
  };
  for (const auto& c : cases) {
    auto r = expandBraces(c.pattern);
    ASSERT_TRUE(r.ok()) << c.pattern << ": " << r.error().message;
    EXPECT_EQ(*r, c.out) << c.pattern;
  }
  for (const char* bad : {"{a", "a}", "{a,b", "}{", "{{a}"}) EXPECT_FALSE(expandBraces(bad).ok()) << bad;
  auto many = expandBraces("{0,1}{0,1}{0,1}{0,1}{0,1}{0,1}{0,1}");
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().message, "more than 64 alternatives after expanding braces");
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "{a,";
  deep += "b";
  for (int i = 0; i < 20; ++i) deep += "}";
  EXPECT_FALSE(expandBraces(deep).ok());
}

TEST(SplitPath, Segments) {
  std::array<std::string_view, 4> out;
  EXPECT_EQ(splitPath("/", out), 0);
  EXPECT_EQ(splitPath("", out), 0);
  ASSERT_EQ(splitPath("//a///b/", out), 2);
  EXPECT_EQ(out[0], "a");
  EXPECT_EQ(out[1], "b");
  EXPECT_EQ(splitPath("/a/b/c/d", out), 4);
  EXPECT_EQ(splitPath("/a/b/c/d/e", out), -1);
}

}  // namespace
