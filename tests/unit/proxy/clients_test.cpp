// Proxy client identities from Proxy-Authorization: the clients file, Basic and Bearer, and
// every way a header can fail (missing, malformed, unknown, another user's token).
#include "adapters/proxy/clients.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "core/digest.h"

namespace airlock::proxy {
namespace {

std::string basic(const std::string& userPass) {
  std::string out(4 * ((userPass.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(userPass.data()),
                          static_cast<int>(userPass.size()));
  out.resize(static_cast<std::size_t>(n));
  return "Basic " + out;
}

ClientTable table() {
  const std::string text = "# clients\n" + core::sha256Hex("tok-alice") + "  alice  cowork  s-alice\n" +
                           core::sha256Hex("tok-bob") + " bob\n\n" + core::sha256Hex("tok-carol") + " carol - s9 # note\n";
  auto t = ClientTable::parse(text, "clients.txt");
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().toString());
  return t.ok() ? *t : ClientTable{};
}

TEST(ProxyClients, BasicAndBearerPickTheLineOfTheToken) {
  auto t = table();
  ASSERT_EQ(t.size(), 3u);
  auto a = t.identify(basic("alice:tok-alice"));
  ASSERT_TRUE(a.ok()) << a.error().toString();
  EXPECT_EQ(a->user, "alice");
  EXPECT_EQ(a->agent, "cowork");
  EXPECT_EQ(a->session, "s-alice");
  auto b = t.identify("Bearer tok-bob");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->user, "bob");
  EXPECT_TRUE(b->agent.empty());
  auto c = t.identify("  bAsIc " + basic("carol:tok-carol").substr(6));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->session, "s9");
  EXPECT_TRUE(c->agent.empty());
  EXPECT_TRUE(t.identify(basic("alice:tok:with:colons")).error().message.find("unknown") != std::string::npos);
}

TEST(ProxyClients, EveryFailureIsADenialThatNeverShowsTheToken) {
  auto t = table();
  for (const std::string& bad : {std::string(""), std::string("Digest x"), std::string("Basic !!!!"),
                                 std::string("Basic YWxpY2U="), basic("alice:wrong"), basic("bob:tok-alice"),
                                 std::string("Bearer "), basic("alice:")}) {
    auto r = t.identify(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, core::Code::kPermissionDenied) << bad;
    EXPECT_EQ(r.error().message.find("tok-alice"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("wrong"), std::string::npos) << r.error().message;
  }
  EXPECT_NE(t.identify(basic("bob:tok-alice")).error().message.find("another user"), std::string::npos);
}

TEST(ProxyClients, FileErrorsNameTheLine) {
  auto bad = ClientTable::parse("\n" + core::sha256Hex("x") + "\nnothex alice\n", "c.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "c.txt:2");
  auto notHex = ClientTable::parse("nothex alice\n", "c.txt");
  ASSERT_FALSE(notHex.ok());
  EXPECT_EQ(notHex.error().where, "c.txt:1");
  auto twice = ClientTable::parse(core::sha256Hex("x") + " a\n" + core::sha256Hex("x") + " b\n", "c.txt");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().where, "c.txt:2");
  EXPECT_FALSE(ClientTable::load("/nonexistent/clients.txt").ok());
}

}  // namespace
}  // namespace airlock::proxy
