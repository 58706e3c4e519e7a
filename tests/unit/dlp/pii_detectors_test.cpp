// PII detector tables: for every detector, values it must find (in prose, code, JSON and log
// lines) and near misses it must not (bad checksums, wrong ranges, decoys). Every value here is
// a published test number or made up for the test; none belongs to anyone.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dlp/detector.h"
#include "unit/dlp/dlp_test_util.h"

namespace airlock::dlp {
namespace {

using testing::valuesFound;
using testing::Case;
using testing::expectCases;
using testing::expectNone;
using testing::Values;


// Finds the value and reports the expected confidence and reason.
struct Verdicts {
  std::string text;
  Confidence confidence;
  std::string reason;
};
void expectVerdicts(std::string_view id, const std::vector<Verdicts>& cases) {
  ScanOptions opts;
  opts.only = {std::string(id)};
  auto scanner = Scanner::build(opts);
  ASSERT_TRUE(scanner.ok());
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(id) + " over: " + c.text);
    auto found = (*scanner)->scan(c.text);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ((*found)[0].confidence, c.confidence);
    EXPECT_EQ((*found)[0].reason, c.reason);
  }
}

TEST(PiiDetectorTable, AtLeast22PiiDetectorsWithUniqueIdsAndStems) {
  auto pii = piiDetectors();
  EXPECT_GE(pii.size(), 22u);
  std::set<std::string_view> ids;
  for (const auto& d : pii) {
    EXPECT_EQ(d.category, Category::kPii) << d.id;
    EXPECT_FALSE(d.description.empty()) << d.id;
    EXPECT_FALSE(d.placeholder.empty()) << d.id;
    EXPECT_TRUE(ids.insert(d.id).second) << "duplicate id " << d.id;
    EXPECT_NE(d.validate, nullptr) << d.id;
  }
}

// ------------------------------------------------------------------------------------ email

TEST(PiiEmail, FindsAddressesInProseCodeJsonAndHeaders) {
  expectCases("email",
              {
                  {"Contact j.doe12@example.com for access.", {"j.doe12@example.com"}},
                  {"reply-to: ops-team7@mail.test", {"ops-team7@mail.test"}},
                  {R"({"email": "k_lee42@uni.example.edu",})", {"k_lee42@uni.example.edu"}},
                  {"From: Jane <alice+tag@corp.example>", {"alice+tag@corp.example"}},
                  {"user = 'Bob.Smith@Example.ORG'", {"Bob.Smith@Example.ORG"}},
                  {"<a href=\"mailto:m.garcia@example.com\">", {"m.garcia@example.com"}},
                  {"a@example.com,b@example.org", {"a@example.com", "b@example.org"}},
              });
}

TEST(PiiEmail, IgnoresUrlCredentialsAssetsAndHandles) {
  expectNone("email", {
                          "git clone https://gh"
                          "p_abcdefghijklmnop@github.com/org/repo.git",
                          "postgres://app:s3cr3t@db.internal:5432/prod",
                          "background: url(icon@2x.png)",
                          "@Override public void run()",
                          "npm i @types/node@18.0.0",
                          "user@localhost",
                          "trailing..dots@example.com is not a local part",
                      });
  // a path after the authority is not userinfo: the address in it is reported
  expectCases("email",
              {{"https://api.example.com/users/alice@example.com", {"alice@example.com"}}});
}

// ------------------------------------------------------------------------------------ phone

TEST(PiiPhoneNanp, FindsUsFormats) {
  expectCases("phone_nanp", {
                                {"Call me at (555) 234-5678 tomorrow.", {"(555) 234-5678"}},
                                {"phone: 415-555-2671", {"415-555-2671"}},
                                {"tel=555.234.5678", {"555.234.5678"}},
                                {"+1 555 234 5678", {"+1 555 234 5678"}},
                                {R"({"phone": "+1-555-234-5678"})", {"+1-555-234-5678"}},
                                {"support 1-800-555-0199 (toll free)", {"1-800-555-0199"}},
                                {"sms +15552345678 now", {"+15552345678"}},
                                {"mobile 555 234 5678", {"555 234 5678"}},
                            });
}

TEST(PiiPhoneNanp, IgnoresTimestampsDatesCardsAndBadRanges) {
  expectNone("phone_nanp", {
                               "2026-01-05T12:34:56Z INFO deploy user_id=1234",
                               "2026-01-05 10:20:30.123",
                               "card 4111-1111-1111-1111",
                               "SSN 123-45-6789",
                               "version 1.2.3.4",
                               "555-123-4567",          // exchange starts with 1
                               "155-234-5678",          // area starts with 1
                               "(055) 234-5678",        // area starts with 0
                               "555-234.5678",          // mixed separators
                               "555 234 5678",          // spaces only, no context
                               "id 12-555-234-5678-9",  // piece of a longer number
                               "192.168.100.200",
                           });
}

TEST(PiiPhoneNanp, ConfidenceDependsOnContext) {
  expectVerdicts(
      "phone_nanp",
      {{"phone: 415-555-2671", Confidence::kHigh, "NANP number; valid area and exchange"},
       {"see 415-555-2671", Confidence::kMedium, "NANP number shape; valid area and exchange"}});
}

TEST(PiiPhoneE164, FindsInternationalNumbers) {
  expectCases("phone_e164", {
                                {"Call +44 20 7946 0958 today", {"+44 20 7946 0958"}},
                                {"tel=+442079460958", {"+442079460958"}},
                                {R"("phone": "+49-30-1234567")", {"+49-30-1234567"}},
                                {"+33 1 23 45 67 89", {"+33 1 23 45 67 89"}},
                                {"+44 (0)20 7946 0958", {"+44 (0)20 7946 0958"}},
                            });
}

TEST(PiiPhoneE164, LeavesNanpAndNonNumbers) {
  expectNone("phone_e164", {
                               "+1 555 234 5678",  // phone_nanp reports it
                               "+15552345678",
                               "x = a+12345678",       // arithmetic
                               "12:00:00+0530",        // a timezone offset
                               "+2026-01-05",          // a signed ISO date
                               "+44 20 79",            // too short
                               "+123456789012345678",  // too long
                           });
}

TEST(PiiPhoneNational, FindsTrunkPrefixedNumbersAfterContextWords) {
  expectCases("phone_national", {
                                    {"phone: 020 7946 0958", {"020 7946 0958"}},
                                    {"Tel. 01 23 45 67 89", {"01 23 45 67 89"}},
                                    {"mobile_number = '07700 900123'", {"07700 900123"}},
                                    {"Call me on (020) 7946 0958", {"(020) 7946 0958"}},
                                    {"telephone 030-12345678", {"030-12345678"}},
                                });
}

TEST(PiiPhoneNational, NeedsTheContextWordAndEnoughDigits) {
  expectNone("phone_national", {
                                   "020 7946 0958",              // no context word
                                   "hotel 020 7946 0958",        // "tel" inside a word
                                   "phone: 01.02.2003",          // a date: too few digits
                                   "Call me at (555) 234-5678",  // NANP, no trunk prefix
                                   "phone: +44 20 7946 0958",    // international: phone_e164
                               });
}

// -------------------------------------------------------------------------------- cards

TEST(PiiCreditCard, FindsEveryBrandInEveryLayout) {
  expectCases("credit_card", {
                                 {"card number 4111111111111111 exp 04/29", {"4111111111111111"}},
                                 {R"("pan": "4111 1111 1111 1111",)", {"4111 1111 1111 1111"}},
                                 {"Paid with 5555-5555-5555-4444.", {"5555-5555-5555-4444"}},
                                 {"mc2 2223003122003222", {"2223003122003222"}},
                                 {"amex 378282246310005", {"378282246310005"}},
                                 {"amex 3782 822463 10005", {"3782 822463 10005"}},
                                 {"discover 6011111111111117", {"6011111111111117"}},
                                 {"jcb=3530111333300000", {"3530111333300000"}},
                                 {"diners 30569309025904", {"30569309025904"}},
                                 {"unionpay 6212345678901208", {"6212345678901208"}},
                                 {"visa13 4222222222222", {"4222222222222"}},
                                 {"visa19 4000123456789000009", {"4000123456789000009"}},
                                 {"card 4111 1111 1111 1111 cvv 123", {"4111 1111 1111 1111"}},
                             });
}

TEST(PiiCreditCard, ReasonNamesTheBrand) {
  expectVerdicts(
      "credit_card",
      {{"4111111111111111", Confidence::kHigh, "Luhn checksum valid; Visa range"},
       {"5555555555554444", Confidence::kHigh, "Luhn checksum valid; Mastercard range"},
       {"378282246310005", Confidence::kHigh, "Luhn checksum valid; American Express range"},
       {"6011111111111117", Confidence::kHigh, "Luhn checksum valid; Discover range"},
       {"3530111333300000", Confidence::kHigh, "Luhn checksum valid; JCB range"},
       {"30569309025904", Confidence::kHigh, "Luhn checksum valid; Diners Club range"},
       {"6212345678901208", Confidence::kHigh, "Luhn checksum valid; UnionPay range"}});
}

TEST(PiiCreditCard, IgnoresBadLuhnUnknownIssuersAndLongerNumbers) {
  expectNone("credit_card", {
                                "order id 4111111111111112 shipped",  // Luhn fails
                                "ts 1700000000000",                   // no issuer starts with 1
                                "9999999999999995",                   // Luhn ok, no issuer
                                "4111-1111 1111-1111",                // mixed separators
                                "1234 4111 1111 1111 1111",           // a group before
                                "4111 1111 1111 1111 2222",           // a group after
                                "id 41111111111111110000",            // 22 digits
                                "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                            });
  // the Amex is valid; the 19-digit Visa-looking number fails Luhn
  EXPECT_EQ(valuesFound("credit_card", "378282246310005 is 15 digits but 4111111111111111111"),
            Values{"378282246310005"});
}

// ------------------------------------------------------------------------------- US ids

TEST(PiiUsSsn, FindsFormattedNumbers) {
  expectCases("us_ssn", {
                            {"SSN: 123-45-6789", {"123-45-6789"}},
                            {"social security number 078-12-3456 on file", {"078-12-3456"}},
                            {"ssn=899-01-0001", {"899-01-0001"}},
                            {R"({"id": "212-09-9999"})", {"212-09-9999"}},
                        });
}

TEST(PiiUsSsn, ValidatesAreaGroupSerialAndShape) {
  expectNone("us_ssn", {
                           "000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456",
                           "123-00-4567", "123-45-0000",
                           "2026-01-05",     // a date
                           "555-234-5678",   // a phone number
                           "1123-45-6789",   // longer first group
                           "123-45-67890",   // longer last group
                           "123-45-6789-1",  // continues
                           "9-123-45-6789",  // continues before
                       });
}

TEST(PiiUsSsn, ConfidenceIsHighOnlyWithContext) {
  expectVerdicts(
      "us_ssn",
      {{"SSN: 123-45-6789", Confidence::kHigh, "valid SSN area, group and serial; context word"},
       {"ref 123-45-6789", Confidence::kMedium, "valid SSN area, group and serial"}});
}

TEST(PiiUsSsnBare, NeedsTheContextWord) {
  expectCases("us_ssn_bare", {
                                 {"SSN: 123456789", {"123456789"}},
                                 {"social security no. 078123456", {"078123456"}},
                                 {"user_ssn=212099999", {"212099999"}},
                             });
  expectNone("us_ssn_bare", {
                                "id 123456789",
                                "SSN: 000123456",
                                "SSN: 666123456",
                                "SSN: 912345678",
                                "SSN: 123-45-6789",  // formatted: us_ssn reports it
                                "classname 123456789",
                                "SSN: 1234567890",
                            });
}

TEST(PiiUsItin, FindsTheTaxpayerRanges) {
  expectCases("us_itin", {
                             {"ITIN: 912-70-1234", {"912-70-1234"}},
                             {"id 900-50-0001 and 999-99-9999", {"900-50-0001", "999-99-9999"}},
                             {R"("tin": "955-88-4321")", {"955-88-4321"}},
                         });
  expectNone("us_itin", {"912-49-1234", "912-66-1234", "912-89-1234", "912-93-1234", "912-70-0000",
                         "812-70-1234"});
  expectVerdicts("us_itin", {{"ITIN 912-70-1234", Confidence::kHigh, "ITIN ranges; context word"}});
}

TEST(PiiUsPassport, NeedsTheWordPassport) {
  expectCases("us_passport", {
                                 {"Passport No: 123456789", {"123456789"}},
                                 {"passport_number=A12345678", {"A12345678"}},
                                 {"US passport #987654321 expires", {"987654321"}},
                             });
  expectNone("us_passport", {"id 123456789", "passport 12345678", "passport 000000000",
                             "passport a12345678", "passport 1234567890"});
}

TEST(PiiUsBankRouting, ChecksumAndContext) {
  expectCases("us_bank_routing", {
                                     {"routing number: 011000015", {"011000015"}},
                                     {"ABA 322271232", {"322271232"}},
                                     {R"({"rtn": "121000358"})", {"121000358"}},
                                 });
  expectNone("us_bank_routing", {
                                    "routing number: 011000016",  // checksum fails
                                    "routing 991000017",          // no Federal Reserve prefix
                                    "id 011000015",               // no context
                                    "kabab 011000015",            // "aba" inside a word
                                });
}

TEST(PiiUsEin, PrefixAndContext) {
  expectCases("us_ein", {
                            {"EIN: 12-3456789", {"12-3456789"}},
                            {"tax_id=953456789", {"953456789"}},
                            {"Employer Identification Number 04-1234567", {"04-1234567"}},
                        });
  expectNone("us_ein", {"12-3456789", "EIN: 07-3456789", "EIN: 00-1234567", "EIN 123-45-6789"});
}

// ------------------------------------------------------------------------- UK, CA, IN, ES

TEST(PiiUkNhsNumber, Mod11AndContext) {
  expectCases("uk_nhs_number", {
                                   {"NHS number: 943 476 5919", {"943 476 5919"}},
                                   {"nhs_no=9434765919", {"9434765919"}},
                                   {"NHS 401-023-2137", {"401-023-2137"}},
                               });
  expectNone("uk_nhs_number", {"NHS number: 943 476 5918", "943 476 5919", "NHS 943-476 5919"});
}

TEST(PiiUkNino, PrefixRules) {
  expectCases("uk_nino", {
                             {"NI number: AB123456C", {"AB123456C"}},
                             {"nino = 'JG 10 37 95 D'", {"JG 10 37 95 D"}},
                             {"ref CE123456A.", {"CE123456A"}},
                         });
  expectNone("uk_nino", {
                            "DA123456C",  "FA123456C", "IA123456C", "QA123456C", "UA123456C",
                            "VA123456C",                             // bad first letter
                            "AD123456C",  "AO123456C", "AV123456C",  // bad second letter
                            "BG123456C",  "GB123456C", "NK123456C", "KN123456C", "TN123456C",
                            "NT123456C",  "ZZ123456C",  // reserved prefixes
                            "AB123456E",                // suffix past D
                            "AB 123456C",               // spaced unevenly
                            "XAB123456C",
                        });
  expectVerdicts("uk_nino", {{"National Insurance: AB123456C", Confidence::kHigh,
                              "NINO prefix rules; context word"},
                             {"ref AB123456C", Confidence::kMedium, "NINO prefix rules"}});
}

TEST(PiiUkSortCode, NeedsContext) {
  expectCases("uk_sort_code", {{"sort code: 12-34-56", {"12-34-56"}},
                               {"sort_code=123456", {"123456"}},
                               {"Sort Code 20 00 00", {"20 00 00"}}});
  expectNone("uk_sort_code", {"12-34-56", "sort code 12-34 56", "sort code 1234567"});
}

TEST(PiiCaSin, LuhnAndContext) {
  expectCases("ca_sin", {{"SIN: 130 692 544", {"130 692 544"}},
                         {"social insurance number 130-692-544", {"130-692-544"}},
                         {"sin_no=130692544", {"130692544"}}});
  expectNone("ca_sin", {"SIN: 130 692 545",  // Luhn fails
                        "130 692 544",       // no context
                        "SIN: 046 454 286",  // the published sample: 0 is never issued
                        "using 130 692 544", "SIN 130-692 544"});
}

TEST(PiiInAadhaar, VerhoeffAndContext) {
  expectCases("in_aadhaar", {{"Aadhaar: 2345 6789 0124", {"2345 6789 0124"}},
                             {"aadhar_no=491827364506", {"491827364506"}}});
  expectNone("in_aadhaar",
             {"Aadhaar: 2345 6789 0125", "2345 6789 0124", "Aadhaar: 1345 6789 0124"});
}

TEST(PiiEsDni, CheckLetterAndContext) {
  expectCases("es_dni", {{"DNI: 12345678Z", {"12345678Z"}},
                         {"nif=87654321-X", {"87654321-X"}},
                         {"NIE X1234567L", {"X1234567L"}}});
  expectNone("es_dni", {"DNI: 12345678A", "12345678Z", "NIE X1234567A", "uni 12345678Z"});
}

TEST(PiiNationalId, LowConfidenceAfterTheContextWord) {
  expectCases("national_id", {{"National ID: 1987-0512-3344", {"1987-0512-3344"}},
                              {"identity card no. AB1234567", {"AB1234567"}},
                              {"citizen_id=7501011234", {"7501011234"}}});
  expectNone("national_id",
             {"id 1987-0512-3344", "national id: 1234", "valid card 4111111111111111"});
  expectVerdicts("national_id", {{"national id: 7501011234", Confidence::kLow,
                                  "identifier after a national-id context word"}});
}

// ------------------------------------------------------------------------------------ dates

TEST(PiiDateOfBirth, FormatsAfterContextWords) {
  expectCases("date_of_birth", {
                                   {"DOB: 1985-03-12", {"1985-03-12"}},
                                   {"date of birth 12/03/1985", {"12/03/1985"}},
                                   {"born on 12 March 1985", {"12 March 1985"}},
                                   {"Birthday: March 12, 1985", {"March 12, 1985"}},
                                   {R"({"birth_date": "1985-3-12"})", {"1985-3-12"}},
                                   {"d.o.b. 03/31/1985", {"03/31/1985"}},
                                   {"born 29 Feb 2000", {"29 Feb 2000"}},
                                   {"birthdate 12th March 1985", {"12th March 1985"}},
                               });
}

TEST(PiiDateOfBirth, ValidatesTheDateAndNeedsTheWord) {
  expectNone("date_of_birth", {
                                  "created 1985-03-12",  // no context
                                  "DOB: 1985-13-12",     // month 13
                                  "DOB: 31/31/1985",     // neither dd/mm nor mm/dd
                                  "born 29 Feb 2001",    // not a leap year
                                  "DOB: 1985-03/12",     // mixed separators
                                  "adobe 1985-03-12",    // "dob" inside a word
                                  "DOB: 1700-01-01",     // out of range
                              });
}

// --------------------------------------------------------------------------------- network

TEST(PiiIban, CompactGroupedAndLowercase) {
  expectCases("iban",
              {
                  {"IBAN DE89370400440532013000", {"DE89370400440532013000"}},
                  {"wire to DE89 3704 0044 0532 0130 00 today", {"DE89 3704 0044 0532 0130 00"}},
                  {R"("iban": "GB82 WEST 1234 5698 7654 32")", {"GB82 WEST 1234 5698 7654 32"}},
                  {"FR14 2004 1010 0505 0001 3M02 606", {"FR14 2004 1010 0505 0001 3M02 606"}},
                  {"NL91ABNA0417164300.", {"NL91ABNA0417164300"}},
                  {"NO93 8601 1117 947 EUR", {"NO93 8601 1117 947"}},
                  {"iban=gb82west12345698765432", {"gb82west12345698765432"}},
              });
}

TEST(PiiIban, RejectsBadChecksumsLengthsAndCountries) {
  expectNone("iban", {
                         "DE89370400440532013001",         // mod-97 fails
                         "DE8937040044053201300",          // wrong length for DE
                         "XX89370400440532013000",         // not an IBAN country
                         "Gb82WEST12345698765432",         // mixed case
                         "DE89 3704 0044 0532 0130 0012",  // a 4-digit last group: too long
                     });
}

TEST(PiiIpv4, FindsAddresses) {
  expectCases("ipv4", {
                          {"connect from 96.16.159.164 port 443", {"96.16.159.164"}},
                          {"host=10.0.0.1", {"10.0.0.1"}},
                          {"upstream 192.168.1.254:8080;", {"192.168.1.254"}},
                          {R"({"ip": "255.255.255.254"})", {"255.255.255.254"}},
                          {"a 1.2.3.4, b 5.6.7.8", {"1.2.3.4", "5.6.7.8"}},
                      });
}

TEST(PiiIpv4, IgnoresVersionsOidsAndBadOctets) {
  expectNone("ipv4", {
                         "version 1.2.3.4 released", "build 10.0.19041.1", "Version: 2.0.1.3",
                         "app_version=\"1.22.3.4\"", "oid 1.3.6.1.4.1.311", "1.2.3.4.5",
                         "256.1.1.1", "1.2.3",
                         "192.168.01.1",  // leading zero
                         "v1.2.3.4",
                         "::ffff:10.0.0.1",  // ipv6 reports it
                     });
}

TEST(PiiIpv4, ConfidenceByContext) {
  expectVerdicts("ipv4",
                 {{"host=10.1.2.3", Confidence::kHigh, "IPv4 octets in range; network context"},
                  {"saw 10.1.2.3", Confidence::kMedium, "IPv4 octets in range"},
                  {"bind 127.0.0.1", Confidence::kLow, "IPv4 loopback, unspecified or netmask"}});
}

TEST(PiiIpv6, FullCompressedAndMapped) {
  expectCases("ipv6", {
                          {"client [2001:db8:85a3:0:0:8a2e:370:7334] connected",
                           {"2001:db8:85a3:0:0:8a2e:370:7334"}},
                          {"addr=fe80:0:0:0:202:b3ff:fe1e:8329", {"fe80:0:0:0:202:b3ff:fe1e:8329"}},
                          {"route 2001:db8::1 via", {"2001:db8::1"}},
                          {"peer fe80::1:2", {"fe80::1:2"}},
                          {"mapped ::ffff:192.0.2.128 ok", {"::ffff:192.0.2.128"}},
                          {"ADDR 2001:DB8:0:0:8:800:200C:417A", {"2001:DB8:0:0:8:800:200C:417A"}},
                      });
}

TEST(PiiIpv6, IgnoresTimesMacsCppAndTooShortForms) {
  expectNone("ipv6", {
                         "at 12:34:56 today", "12:34:56:78", "mac aa:bb:cc:dd:ee:ff",
                         "std::vector<int>::iterator it;", "a::b::c", "dead:beef::cafe",
                         "listen [::1]:8080", "fe80::1", "2001:db8:::1", "1:2:3:4:5:6:7:8:9",
                         "aa:bb:cc:dd:ee:ff:00:11",  // EUI-64
                     });
}

TEST(PiiMacAddress, ColonDashAndCisco) {
  expectCases("mac_address", {
                                 {"link/ether 00:1a:2b:3c:4d:5e brd", {"00:1a:2b:3c:4d:5e"}},
                                 {"MAC 00-1A-2B-3C-4D-5E", {"00-1A-2B-3C-4D-5E"}},
                                 {"mac address 001a.2b3c.4d5e", {"001a.2b3c.4d5e"}},
                                 {"seen 0a1b.2c3d.4e5f", {"0a1b.2c3d.4e5f"}},
                             });
  expectNone("mac_address",
             {"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "00:1a:2b:3c:4d", "00:1a:2b:3c:4d:5e:6f",
              "00:1a-2b:3c:4d:5e", "build 1234.5678.9012", "12:34:56"});
}

// ---------------------------------------------------------------------------------- crypto

TEST(PiiBitcoinAddress, Base58Check) {
  expectCases("bitcoin_address", {{"send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 please",
                                   {"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}},
                                  {R"({"btc": "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"})",
                                   {"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"}}});
  expectNone("bitcoin_address",
             {"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",  // checksum
              "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2x", "data: QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="});
}

TEST(PiiBitcoinBech32, Bech32AndBech32m) {
  expectCases("bitcoin_bech32",
              {{"bc1qqypqxpq9qcrsszg2pvxq6rs0zqg3yyc5fcj4z3",
                {"bc1qqypqxpq9qcrsszg2pvxq6rs0zqg3yyc5fcj4z3"}},
               {"to: BC1QQYPQXPQ9QCRSSZG2PVXQ6RS0ZQG3YYC5FCJ4Z3.",
                {"BC1QQYPQXPQ9QCRSSZG2PVXQ6RS0ZQG3YYC5FCJ4Z3"}},
               {"taproot bc1pquyqjzstpsxsurcszyfpx9q4zct3sxg6rvwp68slyqsjygeyy5nqvxwz5j",
                {"bc1pquyqjzstpsxsurcszyfpx9q4zct3sxg6rvwp68slyqsjygeyy5nqvxwz5j"}}});
  expectNone("bitcoin_bech32", {"bc1qqypqxpq9qcrsszg2pvxq6rs0zqg3yyc5fcj4z4",
                                "abc1qqypqxpq9qcrsszg2pvxq6rs0zqg3yyc5fcj4z3",
                                "bc1qqypqxpq9qcrsszg2pvxq6rs0zqg3yyc5fcj4Z3"});
}

TEST(PiiEthereumAddress, MixedCaseOrContext) {
  expectCases("ethereum_address", {{"wallet: 0x52908400098527886e0f7030069857d2e4169ee7",
                                    {"0x52908400098527886e0f7030069857d2e4169ee7"}},
                                   {"to 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                                    {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}}});
  expectNone("ethereum_address",
             {"hash 0x52908400098527886e0f7030069857d2e4169ee7",
              "wallet 0x52908400098527886e0f7030069857d2e4169ee7ab", "wallet 0x5290840009852788"});
}

// ------------------------------------------------------------------------------- decoys

// The benchmark corpus decoys: none of them is PII.
TEST(PiiDecoys, NoPiiDetectorFiresOnCorpusDecoys) {
  const std::vector<std::string> decoys = {
      "order id 4111111111111112 shipped",
      "request_id=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      R"("id": "9b2c1d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d")",
      "commit 3f786850e387550fdab836ed7e6dc881de23001b",
      "sha256: 89e6c98d92887913cadf06b2adb97f26cde4849b",
      "version 1.2.3.4 released",
      "build 10.20.30.4",
      "data: QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU2Nzg5YWJjZGVmZ2hp",
      "2026-01-05T12:34:56Z INFO deploy user_id=1234",
      "    retries = compute_timeout(offset, 731)",
      "if (count > 57) { return items; }",
  };
  for (const auto& d : piiDetectors()) {
    for (const auto& t : decoys) {
      SCOPED_TRACE(std::string(d.id) + " over: " + t);
      EXPECT_EQ(valuesFound(d.id, t), Values{});
    }
  }
}

}  // namespace
}  // namespace airlock::dlp
