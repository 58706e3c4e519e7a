#include "core/address.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "core/url.h"

using airlock::core::AddressClass;
using airlock::core::addressClassName;
using airlock::core::classifyAddress;
using airlock::core::embeddedIPv4OrSelf;
using airlock::core::fromSockaddr;
using airlock::core::HostKind;
using airlock::core::IpAddress;
using airlock::core::parseIpAddress;
using airlock::core::parseUrl;

using namespace std::string_view_literals;

namespace {

using C = AddressClass;

struct ClassRow {
  std::string_view text;
  AddressClass cls;
};

void checkClasses(const ClassRow* rows, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    const auto& r = rows[k];
    std::string in(r.text);
    auto a = parseIpAddress(r.text);
    ASSERT_TRUE(a.ok()) << in << ": " << a.error().message;
    EXPECT_EQ(addressClassName(classifyAddress(*a)), addressClassName(r.cls)) << in;
  }
}

// Every range: its first and last address, and the first address on either side of it.
TEST(AddressClassify, IPv4RangeBoundaries) {
  const ClassRow rows[] = {
      {"0.0.0.0", C::kUnspecified},
      {"0.0.0.1", C::kReserved},
      {"0.255.255.255", C::kReserved},
      {"1.0.0.0", C::kPublic},
      {"9.255.255.255", C::kPublic},
      {"10.0.0.0", C::kPrivate},
      {"10.255.255.255", C::kPrivate},
      {"11.0.0.0", C::kPublic},
      {"100.63.255.255", C::kPublic},
      {"100.64.0.0", C::kSharedCgnat},
      {"100.127.255.255", C::kSharedCgnat},
      {"100.128.0.0", C::kPublic},
      {"126.255.255.255", C::kPublic},
      {"127.0.0.0", C::kLoopback},
      {"127.0.0.1", C::kLoopback},
      {"127.255.255.255", C::kLoopback},
      {"128.0.0.0", C::kPublic},
      {"169.253.255.255", C::kPublic},
      {"169.254.0.0", C::kLinkLocal},
      {"169.254.255.255", C::kLinkLocal},
      {"169.255.0.0", C::kPublic},
      {"172.15.255.255", C::kPublic},
      {"172.16.0.0", C::kPrivate},
      {"172.31.255.255", C::kPrivate},
      {"172.32.0.0", C::kPublic},
      {"191.255.255.255", C::kPublic},
      {"192.0.0.0", C::kReserved},
      {"192.0.0.255", C::kReserved},
      {"192.0.1.0", C::kPublic},
      {"192.0.1.255", C::kPublic},
      {"192.0.2.0", C::kDocumentation},
      {"192.0.2.255", C::kDocumentation},
      {"192.0.3.0", C::kPublic},
      {"192.88.98.255", C::kPublic},
      {"192.88.99.0", C::kReserved},
      {"192.88.99.255", C::kReserved},
      {"192.88.100.0", C::kPublic},
      {"192.167.255.255", C::kPublic},
      {"192.168.0.0", C::kPrivate},
      {"192.168.255.255", C::kPrivate},
      {"192.169.0.0", C::kPublic},
      {"198.17.255.255", C::kPublic},
      {"198.18.0.0", C::kBenchmarking},
      {"198.19.255.255", C::kBenchmarking},
      {"198.20.0.0", C::kPublic},
      {"198.51.99.255", C::kPublic},
      {"198.51.100.0", C::kDocumentation},
      {"198.51.100.255", C::kDocumentation},
      {"198.51.101.0", C::kPublic},
      {"203.0.112.255", C::kPublic},
      {"203.0.113.0", C::kDocumentation},
      {"203.0.113.255", C::kDocumentation},
      {"203.0.114.0", C::kPublic},
      {"223.255.255.255", C::kPublic},
      {"224.0.0.0", C::kMulticast},
      {"239.255.255.255", C::kMulticast},
      {"240.0.0.0", C::kReserved},
      {"255.255.255.254", C::kReserved},
      {"255.255.255.255", C::kBroadcast},
      {"8.8.8.8", C::kPublic},
      {"1.1.1.1", C::kPublic},
  };
  checkClasses(rows, std::size(rows));
}

// The exact metadata endpoints win over the range around them; their neighbours do not.
TEST(AddressClassify, MetadataEndpoints) {
  const ClassRow rows[] = {
      {"169.254.169.254", C::kMetadata},
      {"169.254.169.253", C::kLinkLocal},
      {"169.254.169.255", C::kLinkLocal},
      {"169.254.170.2", C::kMetadata},
      {"169.254.170.23", C::kMetadata},
      {"169.254.170.3", C::kLinkLocal},
      {"100.100.100.200", C::kMetadata},
      {"100.100.100.199", C::kSharedCgnat},
      {"100.100.100.201", C::kSharedCgnat},
      {"192.0.0.192", C::kMetadata},
      {"192.0.0.193", C::kReserved},
      {"fd00:ec2::254", C::kMetadata},
      {"FD00:0EC2:0:0:0:0:0:0254", C::kMetadata},
      {"fd00:ec2::253", C::kUniqueLocal},
      {"fd00:ec2::255", C::kUniqueLocal},
      {"fd00:ec2::23", C::kMetadata},
      {"fd00:ec2::1:254", C::kUniqueLocal},
  };
  checkClasses(rows, std::size(rows));
}

TEST(AddressClassify, IPv6RangeBoundaries) {
  const ClassRow rows[] = {
      {"::", C::kUnspecified},
      {"::1", C::kLoopback},
      {"::2", C::kReserved},                                      // IPv4-compatible 0.0.0.2
      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},  // outside 2000::/3
      {"fe80::", C::kLinkLocal},
      {"fe80::1", C::kLinkLocal},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kLinkLocal},
      {"fec0::", C::kPrivate},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPrivate},
      {"ff00::", C::kMulticast},
      {"ff02::1", C::kMulticast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kMulticast},
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"fc00::", C::kUniqueLocal},
      {"fd00::", C::kUniqueLocal},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kUniqueLocal},
      {"fe00::", C::kReserved},
      {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"2000::", C::kPublic},
      {"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},  // last of 2000::/3
      {"4000::", C::kReserved},
      {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"2001:db8::", C::kDocumentation},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", C::kDocumentation},
      {"2001:db9::", C::kPublic},
      {"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"2001::", C::kReserved},  // IETF protocol assignments 2001::/23, Teredo 2001::/32
      {"2001:1:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"2001:2::", C::kBenchmarking},
      {"2001:2:0:ffff:ffff:ffff:ffff:ffff", C::kBenchmarking},
      {"2001:2:1::", C::kReserved},
      {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", C::kReserved},
      {"2001:200::", C::kPublic},
      {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C::kPublic},
      {"3fff::", C::kDocumentation},
      {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", C::kDocumentation},
      {"3fff:1000::", C::kPublic},
      {"100::", C::kReserved},  // discard-only
      {"100::ffff:ffff:ffff:ffff", C::kReserved},
      {"64:ff9b:1::", C::kReserved},  // local-use NAT64: not folded, not global
      {"5f00::1", C::kReserved},      // SRv6 SIDs
      {"2606:4700:4700::1111", C::kPublic},
      {"2001:4860:4860::8888", C::kPublic},
  };
  checkClasses(rows, std::size(rows));
}

// IPv6 forms that embed 127.0.0.1, 169.254.169.254 or 10.0.0.1 are what they embed.
TEST(AddressClassify, EmbeddedIPv4IsFolded) {
  const ClassRow rows[] = {
      {"::ffff:127.0.0.1", C::kLoopback},
      {"::ffff:7f00:1", C::kLoopback},
      {"::FFFF:7F00:0001", C::kLoopback},
      {"::ffff:169.254.169.254", C::kMetadata},
      {"::ffff:a9fe:a9fe", C::kMetadata},
      {"::ffff:10.0.0.1", C::kPrivate},
      {"::ffff:0.0.0.0", C::kUnspecified},
      {"::ffff:255.255.255.255", C::kBroadcast},
      {"::ffff:8.8.8.8", C::kPublic},
      {"::127.0.0.1", C::kLoopback},
      {"::7f00:1", C::kLoopback},
      {"::169.254.169.254", C::kMetadata},
      {"::10.0.0.1", C::kPrivate},
      {"::8.8.8.8", C::kPublic},
      {"64:ff9b::127.0.0.1", C::kLoopback},
      {"64:ff9b::7f00:1", C::kLoopback},
      {"64:FF9B::A9FE:A9FE", C::kMetadata},
      {"64:ff9b::8.8.8.8", C::kPublic},
      {"2002:7f00:1::", C::kLoopback},
      {"2002:7f00:1:ffff:ffff:ffff:ffff:ffff", C::kLoopback},
      {"2002:a9fe:a9fe::1", C::kMetadata},
      {"2002:c0a8:101::", C::kPrivate},
      {"2002::", C::kUnspecified},
      {"2002:808:808::1", C::kPublic},
      // Teredo is never folded: reserved whatever it embeds (RFC 4380 example address).
      {"2001:0:4136:e378:8000:63bf:3fff:fdd2", C::kReserved},
      {"2001:0:7f00:1:0:0:80ff:fffe", C::kReserved},
      // Near misses are not embeddings.
      {"::fffe:7f00:1", C::kReserved},
      {"1::ffff:7f00:1", C::kReserved},
      {"64:ff9b:0:0:0:1:7f00:1", C::kReserved},
      {"2003:7f00:1::", C::kPublic},
  };
  checkClasses(rows, std::size(rows));
}

IpAddress mustParse(std::string_view text) {
  auto a = parseIpAddress(text);
  EXPECT_TRUE(a.ok()) << text << ": " << a.error().message;
  return a.ok() ? *a : IpAddress{};
}

TEST(AddressEmbedded, FoldsToTheEmbeddedAddress) {
  const struct {
    const char* in;
    const char* out;
  } rows[] = {
      {"::ffff:1.2.3.4", "1.2.3.4"},
      {"::1.2.3.4", "1.2.3.4"},
      {"::2", "0.0.0.2"},
      {"64:ff9b::1.2.3.4", "1.2.3.4"},
      {"2002:102:304:5:6:7:8:9", "1.2.3.4"},
      {"1.2.3.4", "1.2.3.4"},
      // Not embeddings: returned unchanged.
      {"::", "::"},
      {"::1", "::1"},
      {"2001:0:102:304::", "2001:0:102:304::"},
      {"2001:db8::1.2.3.4", "2001:db8::102:304"},
      {"fe80::ffff:1.2.3.4", "fe80::ffff:102:304"},
  };
  for (const auto& r : rows) {
    IpAddress folded = embeddedIPv4OrSelf(mustParse(r.in));
    EXPECT_EQ(folded.toString(), r.out) << r.in;
    EXPECT_EQ(folded, mustParse(r.out)) << r.in;
  }
}

// A reference check of the folding: for any IPv4 address a, every IPv6 spelling that embeds a
// has a's class (deterministic pseudo-random sample plus every range boundary above).
TEST(AddressEmbedded, EverySpellingHasTheIPv4Class) {
  std::mt19937 rng(20240605);
  auto check = [](std::uint32_t v) {
    std::uint8_t a = v >> 24, b = (v >> 16) & 255, c = (v >> 8) & 255, d = v & 255;
    IpAddress v4;
    v4.bytes = {a, b, c, d};
    AddressClass want = classifyAddress(v4);
    IpAddress mapped, compat, nat64, sixToFour;
    mapped.v6 = compat.v6 = nat64.v6 = sixToFour.v6 = true;
    mapped.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
    compat.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a, b, c, d};
    nat64.bytes = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, a, b, c, d};
    sixToFour.bytes = {0x20, 0x02, a, b, c, d, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 1};
    std::string s = v4.toString();
    EXPECT_EQ(classifyAddress(mapped), want) << s;
    EXPECT_EQ(classifyAddress(nat64), want) << s;
    EXPECT_EQ(classifyAddress(sixToFour), want) << s;
    if (v > 1) {
      EXPECT_EQ(classifyAddress(compat), want) << s;  // ::0.0.0.0 is ::, ::0.0.0.1 is ::1
    }
  };
  for (int k = 0; k < 20000; ++k) check(static_cast<std::uint32_t>(rng()));
  for (std::uint32_t v : {0U, 1U, 2U, 0x7f000001U, 0xa9fea9feU, 0x646464c8U, 0xffffffffU}) check(v);
}

// parseUrl canonicalizes every IPv4 notation and the mapped IPv6 form; its host then parses
// and classifies. This is the path the proxy takes for a literal in a request.
TEST(AddressClassify, ThroughParseUrl) {
  const struct {
    const char* url;
    const char* host;
    AddressClass cls;
  } rows[] = {
      {"http://127.0.0.1/", "127.0.0.1", C::kLoopback},
      {"http://2130706433/", "127.0.0.1", C::kLoopback},
      {"http://0177.0.0.1/", "127.0.0.1", C::kLoopback},
      {"http://0x7f000001/", "127.0.0.1", C::kLoopback},
      {"http://127.1/", "127.0.0.1", C::kLoopback},
      {"http://0x7f.1/", "127.0.0.1", C::kLoopback},
      {"http://0X7F.0.0.01/", "127.0.0.1", C::kLoopback},
      {"http://%31%32%37.0.0.1/", "127.0.0.1", C::kLoopback},
      {"http://[::ffff:127.0.0.1]/", "127.0.0.1", C::kLoopback},
      {"http://[::FFFF:7F00:1]/", "127.0.0.1", C::kLoopback},
      {"http://[::127.0.0.1]/", "::127.0.0.1", C::kLoopback},
      {"http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1", C::kLoopback},
      {"http://[2002:7f00:1::]/", "2002:7f00:1::", C::kLoopback},
      {"http://[::1]:8080/", "::1", C::kLoopback},
      {"http://[0:0:0:0:0:0:0:1]/", "::1", C::kLoopback},
      {"http://169.254.169.254/latest/meta-data/", "169.254.169.254", C::kMetadata},
      {"http://2852039166/", "169.254.169.254", C::kMetadata},
      {"http://0xa9fea9fe/", "169.254.169.254", C::kMetadata},
      {"http://0251.0376.0251.0376/", "169.254.169.254", C::kMetadata},
      {"http://169.254.43518/", "169.254.169.254", C::kMetadata},
      {"http://[::ffff:169.254.169.254]/", "169.254.169.254", C::kMetadata},
      {"http://[::ffff:a9fe:a9fe]/", "169.254.169.254", C::kMetadata},
      {"http://[::169.254.169.254]/", "::169.254.169.254", C::kMetadata},
      {"http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe", C::kMetadata},
      {"http://[2002:a9fe:a9fe::]/", "2002:a9fe:a9fe::", C::kMetadata},
      {"http://[FD00:EC2::254]/", "fd00:ec2::254", C::kMetadata},
      {"http://0x64.0x64.0x64.0xc8/", "100.100.100.200", C::kMetadata},
      {"http://[fe80::1%25eth0]/", "fe80::1", C::kLinkLocal},
      {"http://[FE80::A%eth0]:8080/", "fe80::a", C::kLinkLocal},
      {"http://0/", "0.0.0.0", C::kUnspecified},
      {"http://[::]/", "::", C::kUnspecified},
      {"http://4294967295/", "255.255.255.255", C::kBroadcast},
      {"http://10.1/", "10.0.0.1", C::kPrivate},
      {"http://[::ffff:192.168.1.1]/", "192.168.1.1", C::kPrivate},
      {"http://8.8.8.8/", "8.8.8.8", C::kPublic},
      {"http://134744072/", "8.8.8.8", C::kPublic},
      {"http://[2606:4700:4700::1111]/", "2606:4700:4700::1111", C::kPublic},
  };
  for (const auto& r : rows) {
    auto u = parseUrl(r.url);
    ASSERT_TRUE(u.ok()) << r.url << ": " << u.error().message;
    ASSERT_NE(u->hostKind, HostKind::kName) << r.url;
    EXPECT_EQ(u->host, r.host) << r.url;
    auto a = parseIpAddress(u->host);
    ASSERT_TRUE(a.ok()) << r.url << ": " << a.error().message;
    EXPECT_EQ(a->v6, u->hostKind == HostKind::kIPv6) << r.url;
    EXPECT_EQ(a->toString(), u->host) << r.url;  // one spelling in both
    EXPECT_EQ(addressClassName(classifyAddress(*a)), addressClassName(r.cls)) << r.url;
  }
}

TEST(AddressParse, Accepted) {
  const struct {
    std::string_view in;
    const char* canonical;
    bool v6;
  } rows[] = {
      {"127.0.0.1", "127.0.0.1", false},
      {"0.0.0.0", "0.0.0.0", false},
      {"255.255.255.255", "255.255.255.255", false},
      {"10.20.30.40", "10.20.30.40", false},
      {"::1", "::1", true},
      {"::", "::", true},
      {"0:0:0:0:0:0:0:1", "::1", true},
      {"2001:DB8::ABCD", "2001:db8::abcd", true},
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", true},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", true},
      {"::FFFF:127.0.0.1", "::ffff:127.0.0.1", true},
      {"::ffff:7f00:1", "::ffff:127.0.0.1", true},
      {"fe80::1%eth0", "fe80::1", true},
      {"FE80::1%25", "fe80::1", true},  // "25" is a zone id here: no percent-decoding without a URL
      {"fe80::1%2", "fe80::1", true},
      {"fe80::1%my_if.0-a", "fe80::1", true},
      {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", true},
  };
  for (const auto& r : rows) {
    std::string in(r.in);
    auto a = parseIpAddress(r.in);
    ASSERT_TRUE(a.ok()) << in << ": " << a.error().message;
    EXPECT_EQ(a->v6, r.v6) << in;
    EXPECT_EQ(a->toString(), r.canonical) << in;
    auto again = parseIpAddress(a->toString());
    ASSERT_TRUE(again.ok()) << in;
    EXPECT_EQ(*again, *a) << in;
  }
  auto v4 = parseIpAddress("1.2.3.4");
  ASSERT_TRUE(v4.ok());
  const IpAddress want{false, {1, 2, 3, 4}};
  EXPECT_EQ(*v4, want);
}

TEST(AddressParse, RejectedWithExactMessages) {
  const std::string longZone = "fe80::1%" + std::string(65, 'a');
  const std::string longText(200, '1');
  const std::string kNotQuad =
      " is not a dotted-quad IPv4 address (four decimal parts 0-255, no leading zeros)";
  const struct {
    std::string_view in;
    std::string message;
  } rows[] = {
      {"", "empty IP address"},
      // Other IPv4 notations must go through parseUrl first.
      {"127.1", "'127.1'" + kNotQuad},
      {"2130706433", "'2130706433'" + kNotQuad},
      {"0x7f000001", "'0x7f000001'" + kNotQuad},
      {"0177.0.0.1", "'0177.0.0.1'" + kNotQuad},
      {"127.0.0.01", "'127.0.0.01'" + kNotQuad},
      {"0x7f.0.0.1", "'0x7f.0.0.1'" + kNotQuad},
      {"256.0.0.1", "'256.0.0.1'" + kNotQuad},
      {"1.2.3.256", "'1.2.3.256'" + kNotQuad},
      {"1234.1.1.1", "'1234.1.1.1'" + kNotQuad},
      {"1.2.3", "'1.2.3'" + kNotQuad},
      {"1.2.3.4.", "'1.2.3.4.'" + kNotQuad},
      {"1.2.3.4.5", "'1.2.3.4.5'" + kNotQuad},
      {"1..2.3", "'1..2.3'" + kNotQuad},
      {"-1.0.0.0", "'-1.0.0.0'" + kNotQuad},
      {"+1.0.0.0", "'+1.0.0.0'" + kNotQuad},
      {" 1.2.3.4", "' 1.2.3.4'" + kNotQuad},
      {"1.2.3.4 ", "'1.2.3.4 '" + kNotQuad},
      {"1.2.3.4/8", "'1.2.3.4/8'" + kNotQuad},
      {"localhost", "'localhost'" + kNotQuad},
      {"127.0.0.1\0"sv, "'127.0.0.1\\x00'" + kNotQuad},
      {"\xef\xbc\x91.0.0.1", "'\\xef\\xbc\\x91.0.0.1'" + kNotQuad},
      // IPv6.
      {"[::1]", "IP address '[::1]' in brackets (give it without [ ])"},
      {"::g", "invalid IPv6 address '::g'"},
      {"1:2:3:4:5:6:7:8:9", "invalid IPv6 address '1:2:3:4:5:6:7:8:9'"},
      {"1::2::3", "invalid IPv6 address '1::2::3'"},
      {"12345::", "invalid IPv6 address '12345::'"},
      {":::", "invalid IPv6 address ':::'"},
      {"::ffff:127.1", "invalid IPv6 address '::ffff:127.1'"},
      {"::1\0junk"sv, "invalid IPv6 address '::1\\x00junk'"},
      {"::1 ", "invalid IPv6 address '::1 '"},
      {"::1%", "empty zone id in IPv6 address '::1%'"},
      {"fe80::1%eth 0", "invalid zone id in IPv6 address 'fe80::1%eth 0'"},
      {"fe80::1%eth0%1", "invalid zone id in IPv6 address 'fe80::1%eth0%1'"},
      {"fe80::1%'x", "invalid zone id in IPv6 address 'fe80::1%\\x27x'"},
      {"fe80::1%\n", "invalid zone id in IPv6 address 'fe80::1%\\x0a'"},
      {longZone, "zone id longer than 64 characters"},
      {longText, "IP address longer than 111 characters"},
  };
  for (const auto& r : rows) {
    std::string in(r.in);
    auto a = parseIpAddress(r.in);
    ASSERT_FALSE(a.ok()) << in << " was accepted as " << a->toString();
    EXPECT_EQ(a.error().code, airlock::core::Code::kInvalidArgument) << in;
    EXPECT_EQ(a.error().message, r.message) << in;
  }
}

// An error message never carries more than 64 characters of the input.
TEST(AddressParse, MessagesAreBounded) {
  std::string junk = "1.2.3.4" + std::string(100, 'x');
  auto a = parseIpAddress(junk);
  ASSERT_FALSE(a.ok());
  EXPECT_LT(a.error().message.size(), 160u) << a.error().message;
  EXPECT_EQ(a.error().message.find(std::string(65, 'x')), std::string::npos);
}

TEST(AddressToString, RoundTripsEveryPattern) {
  std::mt19937 rng(7);
  for (int k = 0; k < 20000; ++k) {
    IpAddress a;
    a.v6 = (k & 1) != 0;
    std::size_t n = a.v6 ? 16 : 4;
    // Mostly-zero patterns exercise "::" placement and the embedded-IPv4 spellings.
    for (std::size_t i = 0; i < n; ++i)
      a.bytes[i] = (rng() % 3 == 0) ? static_cast<std::uint8_t>(rng()) : 0;
    if (a.v6 && k % 5 == 0) a.bytes[10] = a.bytes[11] = 0xff;
    auto back = parseIpAddress(a.toString());
    ASSERT_TRUE(back.ok()) << a.toString() << ": " << back.error().message;
    EXPECT_EQ(*back, a) << a.toString();
  }
}

TEST(AddressFromSockaddr, GetaddrinfoResults) {
  const struct {
    const char* host;
    const char* text;
    AddressClass cls;
  } rows[] = {
      {"127.0.0.1", "127.0.0.1", C::kLoopback},
      {"::1", "::1", C::kLoopback},
      {"169.254.169.254", "169.254.169.254", C::kMetadata},
      {"::ffff:10.0.0.1", "::ffff:10.0.0.1", C::kPrivate},
      {"fe80::1%lo", "fe80::1", C::kLinkLocal},
      {"2606:4700:4700::1111", "2606:4700:4700::1111", C::kPublic},
  };
  for (const auto& r : rows) {
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(r.host, "443", &hints, &res);
    ASSERT_EQ(rc, 0) << r.host << ": " << gai_strerror(rc);
    ASSERT_NE(res, nullptr);
    auto a = fromSockaddr(res->ai_addr);
    freeaddrinfo(res);
    ASSERT_TRUE(a.ok()) << r.host << ": " << a.error().message;
    EXPECT_EQ(a->toString(), r.text) << r.host;
    EXPECT_EQ(*a, mustParse(r.text)) << r.host;
    EXPECT_EQ(classifyAddress(*a), r.cls) << r.host;
  }
}

TEST(AddressFromSockaddr, HandBuiltAndRejected) {
  sockaddr_in in4{};
  in4.sin_family = AF_INET;
  in4.sin_port = htons(80);
  in4.sin_addr.s_addr = htonl(0x0a000001);
  auto a = fromSockaddr(reinterpret_cast<const sockaddr*>(&in4));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->toString(), "10.0.0.1");
  EXPECT_FALSE(a->v6);
  EXPECT_EQ(classifyAddress(*a), C::kPrivate);

  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_addr.s6_addr[0] = 0xfd;
  in6.sin6_addr.s6_addr[15] = 1;
  auto b = fromSockaddr(reinterpret_cast<const sockaddr*>(&in6));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->toString(), "fd00::1");
  EXPECT_EQ(classifyAddress(*b), C::kUniqueLocal);

  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  auto c = fromSockaddr(reinterpret_cast<const sockaddr*>(&un));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "socket address family 1 is neither IPv4 nor IPv6");

  auto d = fromSockaddr(nullptr);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "no socket address");
}

TEST(AddressClassName, StableAndDistinct) {
  const struct {
    AddressClass cls;
    const char* name;
  } rows[] = {
      {C::kPublic, "public"},
      {C::kLoopback, "loopback"},
      {C::kPrivate, "private"},
      {C::kLinkLocal, "link_local"},
      {C::kMetadata, "metadata"},
      {C::kUniqueLocal, "unique_local"},
      {C::kMulticast, "multicast"},
      {C::kUnspecified, "unspecified"},
      {C::kBroadcast, "broadcast"},
      {C::kReserved, "reserved"},
      {C::kSharedCgnat, "shared_cgnat"},
      {C::kDocumentation, "documentation"},
      {C::kBenchmarking, "benchmarking"},
  };
  std::set<std::string_view> seen;
  for (const auto& r : rows) {
    EXPECT_EQ(addressClassName(r.cls), r.name);
    seen.insert(addressClassName(r.cls));
  }
  EXPECT_EQ(seen.size(), std::size(rows));
  // An out-of-range value (memory corruption, a bad cast) never reads as public.
  EXPECT_EQ(addressClassName(static_cast<AddressClass>(200)), "reserved");
}

}  // namespace
