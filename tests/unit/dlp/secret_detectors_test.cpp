// Credential detector tables: for every detector, values it must find (in code, JSON, prose and
// log lines) and near misses it must not (bad checksums, wrong lengths, placeholders, decoys).
// Token bodies are generated here from a fixed seed and start with FAKE where the alphabet
// allows; none of them is, or was, a real credential. Prefixes are split ("gh" "p_") so that the
// repository itself does not look like it leaks secrets.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dlp/detector.h"
#include "dlp/validators.h"
#include "unit/dlp/dlp_test_util.h"

namespace airlock::dlp {
namespace {

using testing::valuesFound;
using testing::Case;
using testing::expectCases;
using testing::expectNone;
using testing::Values;

// ------------------------------------------------------------------------------ helpers

constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kDigits = "0123456789";
const std::string kB62 = std::string(kUpper) + std::string(kLower) + std::string(kDigits);
const std::string kB64Url = kB62 + "-_";
const std::string kB64 = kB62 + "+/";
const std::string kB32 = std::string(kUpper) + "234567";
const std::string kHex = "0123456789abcdef";
const std::string kLetters = std::string(kUpper) + std::string(kLower);

// `n` characters of `alphabet` from a fixed generator; starts with FAKE (or fake) when the
// alphabet has those letters, so every test token says what it is.
std::string fake(std::string_view alphabet, std::size_t n, std::uint32_t seed = 1) {
  std::string out;
  auto has = [alphabet](std::string_view w) {
    for (char c : w)
      if (alphabet.find(c) == std::string_view::npos) return false;
    return true;
  };
  if (n >= 12 && has("FAKE")) out = "FAKE";
  else if (n >= 12 && has("fake")) out = "fake";
  std::uint32_t x = seed * 2654435761u + 12345u;
  while (out.size() < n) {
    x = x * 1664525u + 1013904223u;
    out.push_back(alphabet[(x >> 16) % alphabet.size()]);
  }
  return out;
}

std::string b64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64Url[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kB64Url[(acc << (6 - bits)) & 63]);
  return out;
}

// The base62 CRC-32 checksum GitHub and npm append to a token body.
std::string withCrc(std::string_view body30) {
  static constexpr std::string_view kAlpha =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uint32_t crc = crc32(body30);
  char enc[6];
  for (int i = 5; i >= 0; --i) {
    enc[i] = kAlpha[crc % 62];
    crc /= 62;
  }
  return std::string(body30) + std::string(enc, 6);
}

// `value` in code, JSON, prose, log and URL lines; the detector finds exactly it in each.
void expectFoundInContexts(std::string_view id, const std::string& value) {
  const std::vector<std::string> texts = {
      "CREDENTIAL = \"" + value + "\"\n",
      "{\"credential\": \"" + value + "\", \"n\": 1}",
      "Please rotate " + value + " before Friday.",
      "2026-01-05T10:00:00Z WARN leaked value=" + value + " user=42",
      "https://api.example.com/v1?x=1&credential=" + value + "&y=2",
      value,
  };
  for (const auto& t : texts) {
    SCOPED_TRACE(std::string(id) + " over: " + t);
    EXPECT_EQ(valuesFound(id, t), Values{value});
  }
}


struct Seen {
  std::string value;
  Confidence confidence;
  std::string reason;
};

std::vector<Seen> seen(std::string_view id, std::string_view text) {
  ScanOptions opts;
  opts.only = {std::string(id)};
  auto scanner = Scanner::build(opts);
  if (!scanner) return {};
  auto found = (*scanner)->scan(text);
  if (!found) return {};
  std::vector<Seen> out;
  for (const auto& f : *found)
    out.push_back({std::string(text.substr(f.start, f.end - f.start)), f.confidence,
                   std::string(f.reason)});
  return out;
}

void expectConfidence(std::string_view id, std::string_view text, Confidence want,
                      std::string_view reason = {}) {
  SCOPED_TRACE(std::string(id) + " over: " + std::string(text));
  auto s = seen(id, text);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].confidence, want);
  if (!reason.empty()) EXPECT_EQ(s[0].reason, reason);
}

// Ordinary lines of the benchmark corpus and its decoys: no credential detector may fire.
const std::vector<std::string>& ordinaryLines() {
  static const std::vector<std::string> kLines = {
      "    user_id = compute_offset(token, 17)",
      "session: token",
      "  \"timeout\": 1200,",
      "if (retries > 3) { return cursor; }",
      "2026-01-14T08:15:00Z INFO token session=4211",
      "for b in batch: total += b.items",
      "// TODO(raj): Build the token cache before the worker queue update.",
      "def deploy_handler(context):",
      "The agent model reads the token from the cache before each request.",
      "order id 4111111111111112 shipped",
      "request_id=3f2b8c1e-9d4a-4e7b-8c2d-1a2b3c4d5e6f",
      "\"id\": \"3f2b8c1e-9d4a-4e7b-8c2d-1a2b3c4d5e6f\"",
      "commit 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
      "sha256: 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
      "version 1.2.30.4 released",
      "build 10.0.19041.1",
      "data: " + fake(kB64, 60, 99) + "==",
  };
  return kLines;
}

// ------------------------------------------------------------------------------ the table

TEST(SecretDetectorTable, AtLeast60CredentialDetectorsWithUniqueIdsAndStems) {
  auto secrets = secretDetectors();
  EXPECT_GE(secrets.size(), 60u);
  std::set<std::string_view> ids;
  for (const auto& d : secrets) {
    SCOPED_TRACE(std::string(d.id));
    EXPECT_EQ(d.category, Category::kCredentials);
    EXPECT_TRUE(ids.insert(d.id).second) << "duplicate id";
    EXPECT_FALSE(d.description.empty());
    EXPECT_FALSE(d.placeholder.empty());
    for (char c : d.id) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  EXPECT_TRUE(ids.count("aws_access_key_id"));
}

ScanOptions allSecrets() {
  ScanOptions opts;
  for (const auto& d : secretDetectors()) opts.only.emplace_back(d.id);
  return opts;
}

TEST(SecretDetectorTable, AllCompileTogetherInBothEngines) {
  auto scanner = Scanner::build(allSecrets());
  ASSERT_TRUE(scanner.has_value()) << scanner.error().toString();
}

TEST(SecretDetectorTable, OrdinaryCodeProseAndDecoysFireNothing) {
  auto scanner = Scanner::build(allSecrets());
  ASSERT_TRUE(scanner.has_value());
  for (const auto& line : ordinaryLines()) {
    auto found = (*scanner)->scan(line);
    ASSERT_TRUE(found.has_value());
    for (const auto& f : *found)
      ADD_FAILURE() << (*scanner)->detector(f.detector).id << " fired on: " << line;
  }
}

// ------------------------------------------------------------------------------ AWS

TEST(SecretAwsAccessKeyId, FindsEveryPrefixInEveryContext) {
  for (std::string prefix : {"AK" "IA", "AS" "IA", "AB" "IA", "AC" "CA"})
    expectFoundInContexts("aws_access_key_id", prefix + fake(kB32, 16, 2));
  std::string key = "AK" "IA" + fake(kB32, 16, 3);
  expectCases("aws_access_key_id", {{"aws_access_key_id = " + key, {key}},
                                    {"\"AccessKeyId\": \"" + key + "\",", {key}}});
}

TEST(SecretAwsAccessKeyId, IgnoresWrongShapesAndTheDocumentationKey) {
  std::string body = fake(kB32, 16, 4);
  expectNone("aws_access_key_id",
             {"AK" "IA" + body.substr(0, 15), "AK" "IA" + body + "Q", "X" "AK" "IA" + body,
              "AK" "IA" + fake(kLower, 16, 4), "AK" "IA" + body.substr(0, 8) + "01" + body.substr(10),
              "AKIB" + body});
  // The documentation key is still reported (a scan must not hide it), at low confidence.
  expectConfidence("aws_access_key_id", "AK" "IA" "IOSFODNN7" "EXAMPLE", Confidence::kLow);
}

TEST(SecretAwsSecretAccessKey, FindsTheValueAfterSecretKeyNames) {
  std::string v = fake(kB62 + "/+", 40, 5);
  expectCases("aws_secret_access_key",
              {{"aws_secret_access_key = " + v, {v}},
               {"AWS_SECRET_ACCESS_KEY=\"" + v + "\"", {v}},
               {"\"SecretAccessKey\": \"" + v + "\",", {v}},
               {"export AWS_SECRET_KEY='" + v + "'", {v}},
               {"the aws secret access key: " + v, {v}},
               {"aws_secret_access_key := " + v + "\nnext", {v}}});
  expectConfidence("aws_secret_access_key", "aws_secret_access_key = " + v, Confidence::kHigh);
}

TEST(SecretAwsSecretAccessKey, NeedsTheNameAndExactly40Chars) {
  std::string v = fake(kB62 + "/+", 40, 6);
  expectNone("aws_secret_access_key",
             {"data: " + v, "secret = " + v, "aws_secret_access_key = " + v.substr(0, 39),
              "aws_secret_access_key = " + v + "A",
              "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY" "EXAMPLEKEY",
              "aws_secret_access_key = " + std::string(40, 'a'),
              "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY_FROM_THE_VAULT_XYZ}"});
}

TEST(SecretAwsSessionToken, FindsLongTokensAfterSessionTokenNames) {
  std::string v = "IQoJb3JpZ2luX2Vj" + fake(kB64, 300, 7) + "==";
  expectCases("aws_session_token", {{"aws_session_token = " + v, {v}},
                                    {"X-Amz-Security-Token: " + v, {v}},
                                    {"\"SessionToken\": \"" + v + "\"", {v}}});
  expectConfidence("aws_session_token", "aws_session_token = " + v, Confidence::kHigh);
  std::string other = fake(kB64, 200, 8);
  expectConfidence("aws_session_token", "AWS_SESSION_TOKEN=" + other, Confidence::kMedium);
}

TEST(SecretAwsSessionToken, IgnoresShortOrUnnamedValues) {
  expectNone("aws_session_token", {"aws_session_token = " + fake(kB64, 60, 9),
                                   "token: " + fake(kB64, 300, 9),
                                   "aws_session_token = " + std::string(200, 'A')});
}

// ------------------------------------------------------------------------------ Google Cloud

std::string pemBody(std::string_view head, std::size_t lines, std::uint32_t seed,
                    std::string_view sep = "\n", std::size_t width = 64) {
  std::string body = std::string(head) + fake(kB64, width * lines - head.size(), seed);
  std::string out;
  for (std::size_t i = 0; i < body.size(); i += width) {
    out += body.substr(i, width);
    out += sep;
  }
  return out;
}

TEST(SecretGcpServiceAccount, FindsThePrivateKeyOfAServiceAccountFile) {
  std::string key = "-----BEGIN PRIVATE KEY-----\\n" + pemBody("MIIE", 8, 10, "\\n") +
                    "-----END PRIVATE KEY-----\\n";
  std::string json = "{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo-123\",\n"
                     "  \"private_key_id\": \"" + fake(kHex, 40, 10) + "\",\n"
                     "  \"private_key\": \"" + key + "\",\n"
                     "  \"client_email\": \"svc@demo-123.iam.gserviceaccount.com\"\n}";
  expectCases("gcp_service_account", {{json, {key}}});
}

TEST(SecretGcpServiceAccount, NeedsTheTypeAndAPrivateKey) {
  expectNone("gcp_service_account",
             {"{\"type\": \"authorized_user\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n"
              "MIIE\\n-----END PRIVATE KEY-----\\n\"}",
              "{\"type\": \"service_account\", \"client_email\": \"a@b.iam.gserviceaccount.com\"}",
              "kind: service_account"});
}

TEST(SecretGcpApiKey, FindsKeysInEveryContext) {
  expectFoundInContexts("gcp_api_key", "AI" "za" + fake(kB64Url, 35, 11));
  std::string dash = "AI" "za" + fake(kB64Url, 34, 12) + "-";
  expectCases("gcp_api_key", {{"key=" + dash + "&q=maps", {dash}}});
}

TEST(SecretGcpApiKey, IgnoresWrongLengthsAndFillers) {
  std::string body = fake(kB64Url, 35, 13);
  expectNone("gcp_api_key", {"AI" "za" + body.substr(0, 34), "AI" "za" + body + "x",
                             "AI" "za" + std::string(35, 'A'), "xAI" "za" + body});
}

TEST(SecretGcpOauthClientSecret, FindsAndRejects) {
  expectFoundInContexts("gcp_oauth_client_secret", "GOC" "SPX-" + fake(kB64Url, 28, 14));
  expectNone("gcp_oauth_client_secret",
             {"GOC" "SPX-" + fake(kB64Url, 27, 14), "GOC" "SPX-" + fake(kB64Url, 29, 14)});
}

TEST(SecretGcpOauthAccessToken, FindsAndRejects) {
  expectFoundInContexts("gcp_oauth_access_token", "ya" "29." + fake(kB64Url, 120, 15));
  expectNone("gcp_oauth_access_token",
             {"ya" "29.short", "ya" "29." + std::string(40, 'a'), "version ya29.1 released"});
}

// ------------------------------------------------------------------------------ Azure

TEST(SecretAzureStorageKey, FindsAccountKeys) {
  std::string key = fake(kB64, 86, 16) + "==";
  expectCases("azure_storage_key",
              {{"AccountKey=" + key, {key}},
               {"...;AccountKey=" + key + ";EndpointSuffix=core.windows.net", {key}}});
  expectNone("azure_storage_key", {"AccountKey=" + fake(kB64, 84, 16) + "==",
                                   "AccountKey=" + std::string(86, 'A') + "==", "key=" + key});
}

TEST(SecretAzureConnectionString, FindsStorageAndServiceBusStrings) {
  std::string storage = "DefaultEndpointsProtocol=https;AccountName=demoacct;AccountKey=" +
                        fake(kB64, 86, 17) + "==;EndpointSuffix=core.windows.net";
  std::string bus = "Endpoint=sb://demo.servicebus.windows.net/;SharedAccessKeyName="
                    "RootManageSharedAccessKey;SharedAccessKey=" + fake(kB64, 43, 18) + "=";
  expectCases("azure_connection_string",
              {{"conn = \"" + storage + "\"", {storage}}, {"SB=" + bus + "\n", {bus}}});
  expectNone("azure_connection_string",
             {"DefaultEndpointsProtocol=https;AccountName=demoacct;AccountKey=short==",
              "Endpoint=sb://demo.servicebus.windows.net/;SharedAccessKeyName=x"});
}

TEST(SecretAzureSasToken, FindsSignedQueries) {
  std::string sas = "sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-01-01T00:00:00Z&st=2025-01-01T00:"
                    "00:00Z&spr=https&sig=" + fake(kB64, 43, 19) + "%3D";
  expectCases("azure_sas_token",
              {{"https://demo.blob.core.windows.net/c/f.txt?" + sas, {sas}},
               {"SAS_TOKEN=\"" + sas + "\"", {sas}}});
  std::string unordered = "sp=racwdl&st=2025-01-01T00:00:00Z&se=2026-01-01T00:00:00Z&spr=https&"
                          "sv=2022-11-02&sr=c&sig=" + fake(kB64, 43, 20) + "%3D";
  expectCases("azure_sas_token", {{"url?" + unordered, {unordered}}});
}

TEST(SecretAzureSasToken, NeedsVersionAndAProperSignature) {
  expectNone("azure_sas_token", {"?a=1&sig=" + fake(kB64, 43, 21),
                                 "sv=2022-11-02&sp=r&sig=short",
                                 "page=2&sort=asc&sig=" + fake(kB64, 43, 21)});
}

TEST(SecretAzureAdClientSecret, FindsQTildeSecretsWithContextConfidence) {
  std::string v = "Fk8" "7Q~" + fake(kB62 + "_~.-", 34, 22);
  expectCases("azure_ad_client_secret", {{"AZURE_CLIENT_SECRET=" + v, {v}},
                                         {"\"clientSecret\": \"" + v + "\"", {v}},
                                         {"value " + v + " end", {v}}});
  expectConfidence("azure_ad_client_secret", "client_secret: " + v, Confidence::kHigh);
  expectConfidence("azure_ad_client_secret", "the value " + v, Confidence::kMedium);
  expectNone("azure_ad_client_secret", {"A Q~ in text", "abc7Q~short",
                                        "abc7Q~" + std::string(34, 'a')});
}

// ------------------------------------------------------------------------------ GitHub

TEST(SecretGithubPat, FindsTokensInEveryContext) {
  std::string t = "gh" "p_" + fake(kB62, 36, 23);
  expectFoundInContexts("github_pat", t);
  expectCases("github_pat", {{"git clone https://" + t + "@github.com/org/repo.git", {t}},
                             {"GITHUB_TOKEN=" + t, {t}},
                             {"token: " + t, {t}}});
}

TEST(SecretGithubPat, ChecksumDecidesConfidence) {
  std::string valid = "gh" "p_" + withCrc("FakeAirlockTestBody0123456789a");
  EXPECT_EQ(valid.substr(4), "FakeAirlockTestBody0123456789a491ene");  // zlib.crc32 + base62
  expectConfidence("github_pat", "t=" + valid, Confidence::kHigh, "checksum verified");
  expectConfidence("github_pat", "t=gh" "p_" + fake(kB62, 36, 24), Confidence::kMedium,
                   "format match; checksum does not verify");
}

TEST(SecretGithubPat, IgnoresWrongLengthsAndFillers) {
  std::string body = fake(kB62, 36, 25);
  expectNone("github_pat", {"gh" "p_" + body.substr(0, 35), "gh" "p_" + body + "a",
                            "xgh" "p_" + body, "gh" "p_" + std::string(36, 'x'),
                            "gh" "p_" + body.substr(0, 20) + "-" + body.substr(21)});
}

TEST(SecretGithubOtherTokens, FindEachPrefixWithChecksumConfidence) {
  const std::pair<std::string, std::string> kinds[] = {{"github_oauth", "gh" "o_"},
                                                       {"github_user_to_server", "gh" "u_"},
                                                       {"github_server_to_server", "gh" "s_"},
                                                       {"github_refresh", "gh" "r_"}};
  for (const auto& [id, prefix] : kinds) {
    expectFoundInContexts(id, prefix + fake(kB62, 36, 26));
    expectConfidence(id, "x " + prefix + withCrc(fake(kB62, 30, 27)), Confidence::kHigh);
    expectNone(id, {prefix + fake(kB62, 30, 28), "gh" "x_" + fake(kB62, 36, 28)});
  }
  expectFoundInContexts("github_refresh", "gh" "r_" + fake(kB62, 76, 29));
}

TEST(SecretGithubFineGrainedPat, FindsAndRejects) {
  std::string t = "github_" "pat_" + fake(kB62, 22, 30) + "_" + fake(kB62, 59, 31);
  expectFoundInContexts("github_fine_grained_pat", t);
  expectNone("github_fine_grained_pat",
             {"github_" "pat_" + fake(kB62, 22, 30) + "_" + fake(kB62, 58, 31),
              "github_" "pat_" + fake(kB62, 22, 30) + fake(kB62, 60, 31)});
}

// ------------------------------------------------------------------------------ GitLab

TEST(SecretGitlabPat, FindsClassicAndRoutableTokens) {
  expectFoundInContexts("gitlab_pat", "gl" "pat-" + fake(kB64Url, 20, 32));
  expectFoundInContexts("gitlab_pat", "gl" "pat-" + fake(kB64Url, 27, 33) + ".01.0f1e2d3c4");
  expectNone("gitlab_pat", {"gl" "pat-" + fake(kB64Url, 19, 34), "gl" "pat-" + std::string(20, 'x')});
}

TEST(SecretGitlabOtherTokens, FindPipelineRunnerAndDeployTokens) {
  expectFoundInContexts("gitlab_pipeline_trigger", "gl" "ptt-" + fake(kHex, 40, 35));
  expectFoundInContexts("gitlab_runner_token", "gl" "rt-" + fake(kB64Url, 20, 36));
  expectFoundInContexts("gitlab_deploy_token", "gl" "dt-" + fake(kB64Url, 24, 37));
  expectNone("gitlab_pipeline_trigger", {"gl" "ptt-short"});
  expectNone("gitlab_runner_token", {"gl" "rt-" + fake(kB64Url, 10, 38)});
  expectNone("gitlab_deploy_token", {"gl" "dt-" + std::string(24, '0')});
}

// ------------------------------------------------------------------------------ Slack

TEST(SecretSlackBotToken, FindsAndRejects) {
  std::string t = "xo" "xb-" + fake(kDigits, 12, 39) + "-" + fake(kDigits, 13, 40) + "-" +
                  fake(kB62, 24, 41);
  expectFoundInContexts("slack_bot_token", t);
  expectCases("slack_bot_token", {{"SLACK_BOT_TOKEN=" + t, {t}}, {"slack_token = \"" + t + "\"", {t}}});
  expectNone("slack_bot_token", {"xo" "xb-123-456-abc", "xo" "xb-" + fake(kDigits, 12, 39) + "-" +
                                                            fake(kDigits, 13, 40) + "-short"});
}

TEST(SecretSlackUserToken, FindsAndRejects) {
  std::string t = "xo" "xp-" + fake(kDigits, 12, 42) + "-" + fake(kDigits, 12, 43) + "-" +
                  fake(kDigits, 12, 44) + "-" + fake(kHex, 32, 45);
  expectFoundInContexts("slack_user_token", t);
  expectNone("slack_user_token", {"xo" "xp-1-2-3-4", "xo" "xq-" + t.substr(5)});
}

TEST(SecretSlackAppToken, FindsAndRejects) {
  std::string t = "xa" "pp-1-A0123FAKE9-" + fake(kDigits, 13, 46) + "-" + fake(kHex, 64, 47);
  expectFoundInContexts("slack_app_token", t);
  expectNone("slack_app_token", {"xa" "pp-1-A0123FAKE9-" + fake(kDigits, 13, 46) + "-abc"});
}

TEST(SecretSlackConfigToken, FindsAccessAndRefreshTokens) {
  expectFoundInContexts("slack_config_token", "xo" "xe.xoxp-1-" + fake(kB62, 160, 48));
  expectFoundInContexts("slack_config_token", "xo" "xe-1-" + fake(kB62, 146, 49));
  expectNone("slack_config_token", {"xo" "xe-1-" + fake(kB62, 40, 49)});
}

TEST(SecretSlackWebhook, FindsWebhookUrls) {
  std::string url = "https://hooks.slack.com/services/T0FAKE123/B0FAKE456/" + fake(kB62, 24, 50);
  expectCases("slack_webhook", {{"SLACK_WEBHOOK_URL=" + url, {url}},
                                {"curl -X POST " + url + " -d '{}'", {url}},
                                {"\"webhook\": \"" + url + "\"", {url}}});
  expectNone("slack_webhook", {"https://hooks.slack.com/services/T0FAKE123/B0FAKE456/short",
                               "https://hooks.slack.com/docs"});
}

// ------------------------------------------------------------------------------ Stripe

TEST(SecretStripeKeys, FindLiveRestrictedTestAndWebhookSecrets) {
  std::string live = "sk" "_live_" + fake(kB62, 24, 51);
  expectFoundInContexts("stripe_secret_key", live);
  expectFoundInContexts("stripe_secret_key", "sk" "_live_" + fake(kB62, 99, 52));
  expectCases("stripe_secret_key", {{"stripe.api_key = \"" + live + "\"", {live}}});
  expectFoundInContexts("stripe_restricted_key", "rk" "_live_" + fake(kB62, 24, 53));
  expectFoundInContexts("stripe_test_key", "sk" "_test_" + fake(kB62, 24, 54));
  expectConfidence("stripe_test_key", "sk" "_test_" + fake(kB62, 24, 54), Confidence::kLow);
  expectConfidence("stripe_secret_key", live, Confidence::kHigh);
  expectFoundInContexts("stripe_webhook_secret", "wh" "sec_" + fake(kB62, 32, 55));
}

TEST(SecretStripeKeys, IgnoreShortAndFillerKeys) {
  expectNone("stripe_secret_key", {"sk" "_live_" + fake(kB62, 20, 56),
                                   "sk" "_live_" + std::string(24, '0'), "ask_live_" + fake(kB62, 24, 56)});
  expectNone("stripe_restricted_key", {"rk" "_live_short"});
  expectNone("stripe_test_key", {"sk" "_test_" + std::string(30, 'x')});
  expectNone("stripe_webhook_secret", {"wh" "sec_short"});
}

// ------------------------------------------------------------------------------ AI providers

TEST(SecretAnthropicApiKey, FindsAndRejects) {
  std::string k = "sk" "-ant-api03-" + fake(kB64Url, 93, 57) + "AA";
  expectFoundInContexts("anthropic_api_key", k);
  expectCases("anthropic_api_key", {{"x-api-key: " + k, {k}}, {"ANTHROPIC_API_KEY=" + k, {k}}});
  expectNone("anthropic_api_key", {"sk" "-ant-api03-" + fake(kB64Url, 93, 57) + "AB",
                                   "sk" "-ant-api03-" + fake(kB64Url, 92, 57) + "AA",
                                   "sk" "-ant-api03-" + fake(kB64Url, 94, 57) + "AA"});
}

TEST(SecretAnthropicAdminKey, FindsAndRejects) {
  expectFoundInContexts("anthropic_admin_key", "sk" "-ant-admin01-" + fake(kB64Url, 93, 58) + "AA");
  expectNone("anthropic_admin_key", {"sk" "-ant-admin01-short"});
}

TEST(SecretOpenaiApiKey, FindsProjectServiceAccountAndLegacyKeys) {
  const std::string marker = "T3Blbk" "FJ";
  expectFoundInContexts("openai_api_key",
                        "sk" "-proj-" + fake(kB64Url, 74, 59) + marker + fake(kB64Url, 74, 60));
  expectFoundInContexts("openai_api_key",
                        "sk" "-svcacct-" + fake(kB64Url, 74, 61) + marker + fake(kB64Url, 74, 62));
  expectFoundInContexts("openai_api_key", "sk" "-" + fake(kB62, 20, 63) + marker + fake(kB62, 20, 64));
}

TEST(SecretOpenaiApiKey, NeedsTheMarker) {
  expectNone("openai_api_key", {"sk" "-proj-" + fake(kB64Url, 156, 65),
                                "sk" "-" + fake(kB62, 48, 66),
                                "sk" "-" + fake(kB62, 19, 63) + "T3Blbk" "FJ" + fake(kB62, 20, 64)});
}

TEST(SecretHuggingface, FindsUserAndOrgTokens) {
  expectFoundInContexts("huggingface_token", "hf" "_" + fake(kLetters, 34, 67));
  expectFoundInContexts("huggingface_org_token", "api" "_org_" + fake(kLetters, 34, 68));
  expectNone("huggingface_token", {"hf" "_" + fake(kLetters, 33, 67), "hf_hub_download(repo)",
                                   "hf" "_" + fake(kB62, 34, 69) + "9"});
  expectNone("huggingface_org_token", {"api" "_org_short"});
}

// ------------------------------------------------------------------------------ registries

TEST(SecretNpmToken, FindsTokensWithChecksumConfidence) {
  expectFoundInContexts("npm_token", "np" "m_" + fake(kB62, 36, 70));
  expectConfidence("npm_token", "//registry.npmjs.org/:_authToken=np" "m_" +
                                    withCrc(fake(kB62, 30, 71)),
                   Confidence::kHigh, "checksum verified");
  expectConfidence("npm_token", "np" "m_" + fake(kB62, 36, 72), Confidence::kMedium);
  expectNone("npm_token", {"np" "m_" + fake(kB62, 35, 73), "npm_install_deps"});
}

TEST(SecretPypiToken, FindsPypiAndTestPypiTokens) {
  expectFoundInContexts("pypi_token", "py" "pi-AgEIcHlwaS5vcmc" + fake(kB64Url, 150, 74));
  expectFoundInContexts("pypi_token", "py" "pi-AgENdGVzdC5weXBpLm9yZw" + fake(kB64Url, 150, 75));
  expectNone("pypi_token", {"py" "pi-AgEIcHlwaS5vcmc" + fake(kB64Url, 20, 76), "pypi-upload"});
}

TEST(SecretDockerPat, FindsAndRejects) {
  expectFoundInContexts("docker_pat", "dckr" "_pat_" + fake(kB64Url, 27, 77));
  expectNone("docker_pat", {"dckr" "_pat_short"});
}

TEST(SecretRubygemsApiKey, FindsAndRejects) {
  expectFoundInContexts("rubygems_api_key", "ruby" "gems_" + fake(kHex, 48, 78));
  expectNone("rubygems_api_key", {"ruby" "gems_" + fake(kHex, 47, 78), "rubygems_version"});
}

TEST(SecretNugetApiKey, FindsAndRejects) {
  expectFoundInContexts("nuget_api_key", "oy" "2" + fake(std::string(kLower) + "0123456789", 43, 79));
  expectNone("nuget_api_key", {"oy" "2" + fake(std::string(kLower) + "0123456789", 42, 79),
                               "oy" "2" + std::string(43, 'a')});
}

// ------------------------------------------------------------------------------ messaging

TEST(SecretTwilioApiKey, FindsSidsWithContextConfidence) {
  std::string sid = "S" "K" + fake(kHex, 32, 80);
  expectFoundInContexts("twilio_api_key", sid);
  expectConfidence("twilio_api_key", "TWILIO_API_KEY=" + sid, Confidence::kHigh);
  expectConfidence("twilio_api_key", "sid " + sid, Confidence::kMedium);
  expectNone("twilio_api_key", {"S" "K" + fake(kHex, 31, 80), "S" "K" + std::string(32, 'a'),
                                "S" "K" + std::string(32, '1'), "ASK" + fake(kHex, 32, 80)});
}

TEST(SecretTwilioAuthToken, NeedsTheName) {
  std::string t = fake(kHex, 32, 81);
  expectCases("twilio_auth_token", {{"TWILIO_AUTH_TOKEN=" + t, {t}},
                                    {"twilio_token: \"" + t + "\"", {t}},
                                    {"auth_token = '" + t + "'", {t}}});
  expectConfidence("twilio_auth_token", "TWILIO_AUTH_TOKEN=" + t, Confidence::kHigh);
  expectConfidence("twilio_auth_token", "auth_token=" + t, Confidence::kMedium);
  expectNone("twilio_auth_token", {"commit " + t, "auth_token = " + fake(kHex, 31, 81),
                                   "auth_token = " + std::string(32, 'a')});
}

TEST(SecretSendgridApiKey, FindsAndRejects) {
  expectFoundInContexts("sendgrid_api_key",
                        "S" "G." + fake(kB64Url, 22, 82) + "." + fake(kB64Url, 43, 83));
  expectNone("sendgrid_api_key", {"S" "G." + fake(kB64Url, 22, 82) + "." + fake(kB64Url, 40, 83),
                                  "S" "G.function"});
}

TEST(SecretMailgunApiKey, NeedsMailgunContext) {
  std::string k = "key" "-" + fake(kHex, 32, 84);
  std::string longForm = fake(kHex, 32, 85) + "-" + fake(kHex, 8, 86) + "-" + fake(kHex, 8, 87);
  expectCases("mailgun_api_key", {{"MAILGUN_API_KEY=" + k, {k}},
                                  {"curl -s --user 'api:" + k + "' https://api.mailgun.net", {k}},
                                  {"mailgun key: " + longForm, {longForm}}});
  expectNone("mailgun_api_key", {"cache " + k, k, "id " + longForm});
}

TEST(SecretMailchimpApiKey, FindsAndRejects) {
  std::string k = fake(kHex, 32, 88) + "-us21";
  expectFoundInContexts("mailchimp_api_key", k);
  expectNone("mailchimp_api_key", {fake(kHex, 32, 88) + "-eu21", fake(kHex, 31, 88) + "-us2",
                                   std::string(32, 'a') + "-us1"});
}

TEST(SecretTelegramBotToken, FindsTokensWithContextConfidence) {
  std::string t = "1234567" "89:AA" + fake(kB64Url, 33, 89);
  expectFoundInContexts("telegram_bot_token", t);
  expectConfidence("telegram_bot_token", "TELEGRAM_BOT_TOKEN=" + t, Confidence::kHigh);
  expectConfidence("telegram_bot_token", "value " + t, Confidence::kMedium);
  expectNone("telegram_bot_token", {"123:AA" + fake(kB64Url, 33, 89),
                                    "123456789:AB" + fake(kB64Url, 33, 89)});
}

TEST(SecretDiscordBotToken, NeedsDiscordContext) {
  std::string t = "MTIzNDU2Nzg5MDEyMzQ1Njc4" "." + fake(kB64Url, 6, 90) + "." + fake(kB64Url, 38, 91);
  expectCases("discord_bot_token", {{"DISCORD_BOT_TOKEN=" + t, {t}},
                                    {"discord token: \"" + t + "\"", {t}}});
  expectConfidence("discord_bot_token", "DISCORD_TOKEN=" + t, Confidence::kHigh);
  expectNone("discord_bot_token", {"token " + t, "discord is a chat app"});
}

TEST(SecretDiscordWebhook, FindsAndRejects) {
  std::string url = "https://discord.com/api/webhooks/123456789012345678/" + fake(kB64Url, 68, 92);
  expectCases("discord_webhook", {{"WEBHOOK=" + url, {url}}, {"post to " + url + " now", {url}}});
  expectNone("discord_webhook", {"https://discord.com/api/webhooks/123/abc",
                                 "https://example.com/api/webhooks/123456789012345678/" +
                                     fake(kB64Url, 68, 92)});
}

// ------------------------------------------------------------------------------ commerce

TEST(SecretShopifyTokens, FindEveryPrefix) {
  for (std::string id : {"shopify_access_token", "shopify_custom_app_token",
                         "shopify_private_app_token", "shopify_shared_secret"}) {
    std::string prefix = id == "shopify_access_token"       ? "shp" "at_"
                         : id == "shopify_custom_app_token" ? "shp" "ca_"
                         : id == "shopify_private_app_token" ? "shp" "pa_"
                                                             : "shp" "ss_";
    expectFoundInContexts(id, prefix + fake(kHex, 32, 93));
    expectNone(id, {prefix + fake(kHex, 31, 93), prefix + fake(kHex, 32, 93) + "f"});
  }
}

TEST(SecretSquareToken, FindsSquareTokens) {
  expectFoundInContexts("square_token", "sq0" "atp-" + fake(kB64Url, 22, 94));
  expectFoundInContexts("square_token", "sq0" "csp-" + fake(kB64Url, 43, 95));
  std::string eaaa = "EA" "AA" + fake(kB64Url, 60, 96);
  expectCases("square_token", {{"SQUARE_ACCESS_TOKEN=" + eaaa, {eaaa}}});
  expectNone("square_token", {"blob " + eaaa, "sq0" "atp-short"});
}

TEST(SecretBraintreeToken, FindsAndRejects) {
  expectFoundInContexts("braintree_token",
                        "access_token$" "production$" + fake(std::string(kLower) + "0123456789", 16, 97) +
                            "$" + fake(kHex, 32, 98));
  expectNone("braintree_token", {"access_token$" "sandbox$abc$def"});
}

TEST(SecretAtlassianApiToken, FindsAndRejects) {
  expectFoundInContexts("atlassian_api_token", "ATA" "TT3" + fake(kB64Url, 186, 99));
  expectNone("atlassian_api_token", {"ATA" "TT3" + fake(kB64Url, 100, 99)});
}

// ------------------------------------------------------------------------------ observability

TEST(SecretDatadogKeys, NeedTheDatadogName) {
  std::string api = fake(kHex, 32, 100), app = fake(kHex, 40, 101);
  expectCases("datadog_api_key", {{"DD_API_KEY=" + api, {api}},
                                  {"datadog_api_key: \"" + api + "\"", {api}},
                                  {"DD-API-KEY: " + api, {api}}});
  expectCases("datadog_app_key", {{"DD_APP_KEY=" + app, {app}},
                                  {"datadog_application_key = '" + app + "'", {app}}});
  expectNone("datadog_api_key", {"api_key=" + api, "DD_API_KEY=" + fake(kHex, 31, 100),
                                 "add_key=" + api});
  expectNone("datadog_app_key", {"app_key=" + app, "DD_APP_KEY=" + api});
}

TEST(SecretNewRelicKey, FindsAndRejects) {
  expectFoundInContexts("new_relic_key", "NR" "AK-" + fake(kB32, 27, 102));
  expectFoundInContexts("new_relic_key", "NR" "II-" + fake(kB64Url, 32, 103));
  expectNone("new_relic_key", {"NR" "AK-" + fake(kB32, 26, 102)});
}

TEST(SecretSentryAuthToken, FindsOrgAndUserTokens) {
  std::string org = "sntr" "ys_" "eyJ" + fake(kB64, 120, 104) + "_" + fake(kB64, 43, 105);
  expectFoundInContexts("sentry_auth_token", org);
  expectFoundInContexts("sentry_auth_token", "sntr" "yu_" + fake(kHex, 64, 106));
  expectNone("sentry_auth_token", {"sntr" "yu_" + fake(kHex, 60, 106)});
}

TEST(SecretGrafanaToken, FindsServiceAccountAndCloudTokens) {
  expectFoundInContexts("grafana_token", "gl" "sa_" + fake(kB62, 32, 107) + "_" + fake(kHex, 8, 108));
  std::string cloud = "gl" "c_" + b64url("{\"o\":\"123\",\"n\":\"fake-airlock-test\",\"k\":\"" +
                                         fake(kB62, 24, 109) + "\",\"m\":{\"r\":\"us\"}}");
  for (char& ch : cloud)  // standard alphabet
    if (ch == '-') ch = '+';
    else if (ch == '_' && &ch != &cloud[3]) ch = '/';
  expectCases("grafana_token", {{"GRAFANA_TOKEN=" + cloud + "\n", {cloud}}});
  expectNone("grafana_token", {"gl" "c_" + fake(kB62, 40, 110), "gl" "sa_short"});
}

// ------------------------------------------------------------------------------ infrastructure

TEST(SecretInfrastructureTokens, FindVendorPrefixes) {
  expectFoundInContexts("digitalocean_token", "do" "p_v1_" + fake(kHex, 64, 111));
  expectFoundInContexts("vault_token", "hv" "s." + fake(kB64Url, 90, 112));
  expectFoundInContexts("terraform_cloud_token",
                        fake(kB62, 14, 113) + ".atlas" "v1." + fake(kB64Url, 67, 114));
  expectFoundInContexts("databricks_token", "da" "pi" + fake(kHex, 32, 115));
  expectFoundInContexts("doppler_token", "dp" ".pt." + fake(kB62, 43, 116));
  expectFoundInContexts("pulumi_token", "pu" "l-" + fake(kHex, 40, 117));
  expectFoundInContexts("postman_api_key", "PM" "AK-" + fake(kHex, 24, 118) + "-" + fake(kHex, 34, 119));
  expectFoundInContexts("linear_api_key", "lin" "_api_" + fake(kB62, 40, 120));
  expectFoundInContexts("alibaba_access_key", "LT" "AI" + fake(kB62, 20, 121));
  expectFoundInContexts("dropbox_token", "sl" "." + fake(kB64Url, 140, 122));
  expectFoundInContexts("facebook_access_token", "EAACEd" "Eose0cBA" + fake(kB62, 100, 123));
}

TEST(SecretInfrastructureTokens, IgnoreNearMisses) {
  expectNone("digitalocean_token", {"do" "p_v1_" + fake(kHex, 63, 111)});
  expectNone("vault_token", {"hv" "s.short", "hv" "s." + std::string(40, 'a')});
  expectNone("terraform_cloud_token", {"x.atlas" "v1.y"});
  expectNone("databricks_token", {"da" "pi" + fake(kHex, 31, 115), "dapi_client"});
  expectNone("doppler_token", {"dp" ".pt.short"});
  expectNone("pulumi_token", {"pu" "l-" + fake(kHex, 39, 117)});
  expectNone("postman_api_key", {"PM" "AK-short"});
  expectNone("linear_api_key", {"lin" "_api_" + fake(kB62, 39, 120)});
  expectNone("alibaba_access_key", {"LT" "AI" "short"});
  expectNone("dropbox_token", {"ssl." + fake(kB64Url, 140, 122), "sl" "." + fake(kB64Url, 40, 122)});
  expectNone("facebook_access_token", {"EAACEd" "Eose0cBA" "short"});
}

TEST(SecretNotionToken, FindsNtnTokensAndContextualSecrets) {
  expectFoundInContexts("notion_token", "nt" "n_" + fake(kB62, 46, 124));
  std::string legacy = "sec" "ret_" + fake(kB62, 43, 125);
  expectCases("notion_token", {{"NOTION_TOKEN=" + legacy, {legacy}}});
  expectNone("notion_token", {"value " + legacy, "nt" "n_" + fake(kB62, 40, 124)});
}

TEST(SecretTwitterBearerToken, FindsAppTokens) {
  std::string t = std::string(21, 'A') + "FAKE" + fake(kB62, 40, 126) + "%3D" + fake(kB62, 40, 127);
  expectFoundInContexts("twitter_bearer_token", t);
  expectConfidence("twitter_bearer_token", "TWITTER_BEARER_TOKEN=" + t, Confidence::kHigh);
  expectNone("twitter_bearer_token", {std::string(120, 'A'), std::string(21, 'A') + "short"});
}

TEST(SecretContextTokens, OktaCloudflareHerokuNeedTheirNames) {
  std::string okta = "00" + fake(kB64Url, 40, 128);
  expectCases("okta_token", {{"OKTA_API_TOKEN=" + okta, {okta}},
                             {"okta: { token: \"" + okta + "\" }", {okta}}});
  expectNone("okta_token", {"value " + okta, "okta token 00short"});
  std::string cf = fake(kB64Url, 40, 129);
  expectCases("cloudflare_api_token", {{"CLOUDFLARE_API_TOKEN=" + cf, {cf}},
                                       {"CF_API_TOKEN: \"" + cf + "\"", {cf}}});
  expectNone("cloudflare_api_token", {"API_TOKEN=" + cf, "CLOUDFLARE_API_TOKEN=" + std::string(40, 'a')});
  std::string uuid = "3f2b8c1e-9d4a-4e7b-8c2d-1a2b3c4d5e6f";
  std::string hrku = "HR" "KU-" + fake(kB64Url, 60, 130);
  expectCases("heroku_api_key", {{"HEROKU_API_KEY=" + uuid, {uuid}},
                                 {"heroku auth token " + uuid, {uuid}},
                                 {"token " + hrku, {hrku}}});
  expectNone("heroku_api_key", {"request_id=" + uuid});
}

// ------------------------------------------------------------------------------ JWT

std::string jwt(std::string_view header, std::string_view payload, std::string_view sig) {
  return b64url(header) + "." + b64url(payload) + "." + std::string(sig);
}

TEST(SecretJwt, FindsTokensWhoseHeaderHasAlg) {
  std::string t = jwt(R"({"alg":"HS256","typ":"JWT"})",
                      R"({"sub":"1234567","name":"Fake Test User","iat":1700000000})",
                      fake(kB64Url, 43, 131));
  expectFoundInContexts("jwt", t);
  expectCases("jwt", {{"Authorization: Bearer " + t, {t}}, {"id_token=" + t + "&state=x", {t}},
                      {"The token is " + t + ".", {t}}});
  std::string rs = jwt(R"({"alg":"RS256","kid":"fake-key"})",
                       "{\"sub\":\"1\",\"groups\":\"" + fake(kB62, 1200, 132) + "\"}",
                       fake(kB64Url, 342, 133));
  expectCases("jwt", {{"jwt: " + rs, {rs}}});
  expectConfidence("jwt", "t=" + t, Confidence::kHigh);
  std::string unsignedJwt = jwt(R"({"alg":"none"})", R"({"sub":"1"})", "");
  expectConfidence("jwt", "t=" + unsignedJwt, Confidence::kMedium);
}

TEST(SecretJwt, IgnoresHeadersWithoutAlgAndOtherBase64) {
  expectNone("jwt", {jwt(R"({"typ":"JWT"})", R"({"sub":"1"})", fake(kB64Url, 43, 134)),
                     "eyJ" + fake(kB64Url, 40, 135) + "." + fake(kB64Url, 40, 136) + "." +
                         fake(kB64Url, 20, 137),
                     b64url(R"({"alg":"HS256"})") + "." + b64url(R"({"sub":"1"})"),
                     "eyJhbGciOi"});
}

// ------------------------------------------------------------------------------ key blocks

std::string block(std::string_view label, std::string_view body, std::string_view nl = "\n") {
  return "-----BEGIN " + std::string(label) + "-----" + std::string(nl) + std::string(body) +
         "-----END " + std::string(label) + "-----";
}

TEST(SecretPemPrivateKey, FindsEveryKindAndLayout) {
  for (std::string label : {"RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "PRIVATE KEY",
                            "ENCRYPTED PRIVATE KEY"}) {
    std::string k = block(label, pemBody("MIIE", 10, 138));
    expectCases("pem_private_key", {{k, {k}}, {"key:\n" + k + "\nrest", {k}}});
  }
  // last line shorter with padding, CRLF, JSON-escaped, YAML-indented, legacy encrypted
  std::string body = pemBody("MHcC", 2, 139) + fake(kB64, 40, 140) + "==\n";
  std::string shortLast = block("EC PRIVATE KEY", body);
  std::string crlf = block("RSA PRIVATE KEY", pemBody("MIIC", 6, 141, "\r\n"), "\r\n");
  std::string escaped = block("PRIVATE KEY", pemBody("MIIE", 6, 142, "\\n"), "\\n");
  std::string indented = block("RSA PRIVATE KEY", pemBody("MIIE", 6, 143, "\n    "), "\n    ");
  std::string legacy = block("RSA PRIVATE KEY",
                             "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF\n\n" +
                                 pemBody("Xk9f", 6, 144));
  expectCases("pem_private_key", {{shortLast, {shortLast}},
                                  {crlf, {crlf}},
                                  {"{\"key\": \"" + escaped + "\\n\"}", {escaped}},
                                  {"tls:\n  key: |\n    " + indented + "\n", {indented}},
                                  {legacy, {legacy}}});
  expectConfidence("pem_private_key", shortLast, Confidence::kHigh,
                   "PEM private key block; body is a DER sequence");
}

TEST(SecretPemPrivateKey, IgnoresNonDerBodiesMismatchedLabelsAndPlaceholders) {
  std::string body = pemBody("MIIE", 6, 145);
  expectNone("pem_private_key",
             {block("RSA PRIVATE KEY", pemBody("AAAA", 6, 146)),
              "-----BEGIN RSA PRIVATE KEY-----\n" + body + "-----END EC PRIVATE KEY-----",
              block("PRIVATE KEY", "...\n"), block("PRIVATE KEY", "MIIEvQIBADANBg\n"),
              block("PUBLIC KEY", body), block("CERTIFICATE", body),
              "-----BEGIN PRIVATE KEY-----\n" + body + "(truncated)",
              block("RSA PRIVATE KEY", body.substr(0, 65) + std::string(70, 'A') + "\n" +
                                           body.substr(65))});
}

TEST(SecretOpensshPrivateKey, FindsOpensshBlocks) {
  std::string k = block("OPENSSH PRIVATE KEY", pemBody("b3BlbnNzaC1rZXktdjEAAAAA", 7, 147, "\n", 70));
  expectCases("openssh_private_key", {{k, {k}}, {"cat id_ed25519\n" + k + "\n$ ", {k}}});
  expectNone("openssh_private_key",
             {block("OPENSSH PRIVATE KEY", pemBody("MIIE", 7, 148, "\n", 70)),
              block("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjE\n")});
  expectNone("pem_private_key", {k});
}

TEST(SecretPgpPrivateKey, FindsArmoredBlocks) {
  std::string k = block("PGP PRIVATE KEY BLOCK",
                        "Version: FakeTest 1.0\nComment: airlock test vector\n\n" +
                            pemBody("lQOYBF", 8, 149) + "=FAKE\n");
  expectCases("pgp_private_key", {{k, {k}}, {"export:\n" + k + "\n", {k}}});
  expectNone("pgp_private_key", {block("PGP PRIVATE KEY BLOCK", "\nabc\n"),
                                 block("PGP PUBLIC KEY BLOCK", pemBody("mQIN", 8, 150))});
}

TEST(SecretPuttyPrivateKey, FindsPpkFiles) {
  std::string k = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: fake-test\n"
                  "Public-Lines: 2\n" + pemBody("AAAAC3", 2, 151) + "Private-Lines: 1\n" +
                  pemBody("AAAAIF", 1, 152) + "Private-MAC: " + fake(kHex, 64, 153);
  expectCases("putty_private_key", {{k, {k}}, {k + "\n", {k}}});
  expectNone("putty_private_key", {"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n"
                                   "Public-Lines: 2\nAAAA\nPrivate-MAC: " + fake(kHex, 64, 153)});
}

TEST(SecretAgeSecretKey, ChecksumDecidesConfidence) {
  const std::string key = "AGE-SECRET-" "KEY-1QYPQXPQ9QCRSSZG2PVXQ6RS0ZQG3YYC5Z5TPWXQERGD3C8G7RUSQGPQYEE";
  expectFoundInContexts("age_secret_key", key);
  expectConfidence("age_secret_key", key, Confidence::kHigh, "bech32 checksum valid");
  std::string broken = key;
  broken[40] = broken[40] == 'Q' ? 'P' : 'Q';
  expectConfidence("age_secret_key", broken, Confidence::kMedium);
  expectNone("age_secret_key", {key.substr(0, 70), "AGE-SECRET-" "KEY-1" + std::string(58, 'B')});
}

// ------------------------------------------------------------------------------ URLs

TEST(SecretDatabaseConnectionString, FindsThePasswordOfEveryScheme) {
  expectCases(
      "database_connection_string",
      {{"postgres://app:Xf7#kP2@q!Lm9@db.internal:5432/prod", {"Xf7#kP2@q!Lm9"}},
       {"DATABASE_URL=postgresql://admin:S3cr%23tPass@10.0.0.5/app?sslmode=require",
        {"S3cr%23tPass"}},
       {"mysql://root:Tr0ub4dor&3x@mysql.example.com:3306/db", {"Tr0ub4dor&3x"}},
       {"mongodb+srv://svc:Fak3M0ngoPw@cluster0.example.net/db?retryWrites=true",
        {"Fak3M0ngoPw"}},
       {"MONGO=mongodb://u:pw*9Kq^2z@h1:27017,h2:27017/db", {"pw*9Kq^2z"}},
       {"redis://:r3disFakePass@cache:6379/0", {"r3disFakePass"}},
       {"url: \"amqps://bunny:Rabb1tFake$$@mq.example.org/vhost\"", {"Rabb1tFake$$"}},
       {"jdbc:sqlserver://sa:MsSqlFake99!@sql.example.com:1433", {"MsSqlFake99!"}},
       {"mariadb://app:$ecretFake42@db/x", {"$ecretFake42"}},
       {"rediss://default:%FakePw123@r.example.com", {"%FakePw123"}}});
  expectConfidence("database_connection_string", "postgres://app:Xf7kP2qLm9@db/prod",
                   Confidence::kHigh);
  expectConfidence("database_connection_string", "postgres://postgres:postgres@localhost/db",
                   Confidence::kLow);
}

TEST(SecretDatabaseConnectionString, IgnoresPlaceholdersAndUrlsWithoutPasswords) {
  expectNone("database_connection_string",
             {"postgres://user:password@localhost:5432/db", "postgres://${DB_USER}:${DB_PASS}@db/x",
              "postgres://db.internal:5432/prod", "mysql://user@host/db",
              "mongodb://user:<password>@cluster0.example.net", "redis://:xxxx@cache:6379",
              "postgres://app:****@db/prod", "postgres://u:$DB_PASSWORD@h/db",
              "postgresql://localhost/mydb?user=other"});
}

TEST(SecretBasicAuthUrl, FindsThePasswordOfHttpAndFtpUrls) {
  expectCases("basic_auth_url",
              {{"git remote add origin https://deploy:Tr0ub4dor&3@git.example.com/repo.git",
                {"Tr0ub4dor&3"}},
               {"ftp://anon:pa55word!x@ftp.example.org/pub", {"pa55word!x"}},
               {"\"url\": \"http://svc:Fake#Pw@9z@10.1.2.3:8080/api\"", {"Fake#Pw@9z"}},
               {"https://x-access-token:gh" "s_" + fake(kB62, 36, 154) + "@github.com/o/r",
                {"gh" "s_" + fake(kB62, 36, 154)}}});
}

TEST(SecretBasicAuthUrl, IgnoresPortsPlaceholdersAndPlainUrls) {
  expectNone("basic_auth_url",
             {"https://user:pass@example.com", "https://example.com:8443/path",
              "https://user:<password>@host", "http://host:8080@evil.example.com",
              "https://user@example.com/x", "see https://docs.example.com/a:b@c",
              "http://localhost:3000?email=a@b.com", "https://u:${TOKEN}@h.example.com"});
}

// ------------------------------------------------------------------------------ generic

TEST(SecretGenericPasswordAssignment, FindsPasswordsInManyLanguages) {
  const std::string pw = "Xf7kP2#q!Lm9";
  expectCases("generic_password_assignment",
              {{"password = \"" + pw + "\"", {pw}},
               {"DB_PASSWORD=" + pw, {pw}},
               {"DB_PASSWORD=$ecret&Fake*91", {"$ecret&Fake*91"}},
               {"password = \"%9kFakeTest\"", {"%9kFakeTest"}},
               {"{\"password\": \"" + pw + "\", \"user\": \"bob\"}", {pw}},
               {"spring.datasource.password: " + pw, {pw}},
               {"PGPASSWORD=" + pw + " psql -h db", {pw}},
               {"dbPassword := \"" + pw + "\"", {pw}},
               {"mysqldump --password=" + pw + " db", {pw}},
               {"$password = '" + pw + "';", {pw}},
               {"'passwd' => '" + pw + "',", {pw}},
               {"  pwd: " + pw, {pw}},
               {"smtp_pass = \"" + pw + "\"", {pw}},
               {"ADMIN_PASSWORD2=" + pw, {pw}}});
}

TEST(SecretGenericPasswordAssignment, IgnoresCodePlaceholdersAndMetadata) {
  expectNone("generic_password_assignment",
             {"password = getpass()", "password = os.environ[\"DB_PASSWORD\"]",
              "password: ${DB_PASSWORD}", "password = \"${DB_PASSWORD}\"",
              "password_hash = \"$2b$12$FakeHashValueForTests\"", "password_min_length = 12",
              "compass = \"northwest123X\"", "passenger_count = 4", "bypass = \"enabled1234\"",
              "password = None", "if password == other_password:", "password: str",
              "password = \"changeme\"", "password = \"aaaaaaaa\"", "PWD=/home/user/src",
              "password = self.password", "password = user_password",
              "password: process.env.DB_PASSWORD", "password = \"\"", "password = \"%s\"",
              "password: \"<your password>\"", "password = request.form['password']",
              "password: !vault |", "password_policy = \"strong-2024\"",
              "passport_number = \"X1234567\""});
}

TEST(SecretGenericSecretAssignment, FindsRandomValuesAfterSecretNames) {
  const std::string v = fake(kB62, 32, 155);
  expectCases("generic_secret_assignment",
              {{"client_secret = \"" + v + "\"", {v}},
               {"SECRET_KEY='" + v + "'", {v}},
               {"\"apiKey\": \"" + v + "\"", {v}},
               {"stripeApiKey: " + v, {v}},
               {"export SERVICE_TOKEN=" + v, {v}},
               {"app.credentials = " + v, {v}},
               {"AUTH_KEY => '" + v + "'", {v}},
               {"x_access_key: \"" + v + "\"", {v}}});
}

TEST(SecretGenericSecretAssignment, IgnoresMetadataLowEntropyAndCode) {
  expectNone("generic_secret_assignment",
             {"token_type = \"Bearer\"", "max_tokens = 4096", "secret_name = \"prod-db-credentials\"",
              "next_page_token = \"" + fake(kB62, 32, 156) + "\"",
              "api_key = os.getenv(\"API_KEY\")", "token = \"abc\"", "session: token",
              "    user_id = compute_offset(token, 17)", "tokenizer = \"" + fake(kB62, 32, 157) + "\"",
              "secret = \"this is not a secret at all\"", "api_key: ${API_KEY}",
              "token_url = \"https://auth.example.com/oauth/token\"", "secret = \"aaaaaaaaaaaaaaaa\"",
              "token = 12345678901234", "SECRET_KEY = settings.SECRET_KEY"});
}

TEST(SecretHighEntropyNearKeyword, FindsRandomTokensShortlyAfterKeywords) {
  const std::string v = fake(kB62, 30, 158);
  expectCases("high_entropy_near_keyword",
              {{"my secret is " + v + " keep it safe", {v}},
               {"Use the token " + v + " to log in.", {v}},
               {"credentials " + v, {v}},
               {"the api key " + v + " (rotated)", {v}}});
}

TEST(SecretHighEntropyNearKeyword, IgnoresAssignmentsHexPathsAndProse) {
  expectNone("high_entropy_near_keyword",
             {"the token bucket refills every second", "secret: " + fake(kB62, 30, 159),
              "token=" + fake(kB62, 30, 159), "key 0123456789abcdef0123456789abcdef",
              "token /usr/local/share/applications/fake", "secret " + std::string(30, 'a'),
              "key " + fake(kLetters, 30, 160), "secret AbstractSingletonProxyFactoryBean",
              "token " + b64url("{\"alg\":\"HS256\"}") + "." + fake(kB64Url, 30, 161)});
}

TEST(SecretBearerToken, FindsOpaqueTokensButNotJwts) {
  const std::string v = fake(kB64Url, 40, 162);
  expectCases("bearer_token", {{"Authorization: Bearer " + v, {v}},
                               {"-H 'authorization: bearer " + v + "'", {v}},
                               {"\"Authorization\": \"Bearer " + v + "\"", {v}}});
  std::string t = jwt(R"({"alg":"HS256"})", R"({"sub":"1"})", fake(kB64Url, 43, 163));
  expectNone("bearer_token", {"Authorization: Bearer " + t, "Authorization: Bearer <token>",
                              "Authorization: Bearer ${TOKEN}", "Bearer abcdefghijklmnopqrstu",
                              "Bearer tokens are sent in a header", "Bearer " + std::string(30, 'x')});
}

}  // namespace
}  // namespace airlock::dlp
