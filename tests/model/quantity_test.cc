#include "scheduler/model/quantity.h"

#include <catch2/catch.hpp>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace nbsched {
namespace {

TEST_CASE("Quantity parses the upstream worked examples", "[model][quantity]") {
  struct Row {
    std::string input;
    int64_t milli;
    int64_t value;
  };
  // kubernetes-semantics.md §1.5 plus edge rows; MilliValue/Value round away from zero.
  const std::vector<Row> rows = {
      {"100m", 100, 1},                       // Value rounds up
      {"1.5", 1500, 2},                       //
      {"1500m", 1500, 2},                     //
      {"0.0005", 1, 1},                       // milli rounds up
      {"1234567u", 1235, 2},                  //
      {"3.001n", 1, 1},                       // rounded up to 4n at parse
      {"1e3", 1000000, 1000},                 // exponent
      {"2.5e-3", 3, 1},                       //
      {"1.5k", 1500000, 1500},                //
      {"4000m", 4000, 4},                     //
      {"500M", 500000000000, 500000000},      // mega, not milli
      {"2Gi", 2147483648000, 2147483648},     //
      {"1.5Gi", 1610612736000, 1610612736},   //
      {"0.5Mi", 524288000, 524288},           //
      {"1024Mi", 1073741824000, 1073741824},  //
      {"-1.5", -1500, -2},                    // away from zero
      {"0.1", 100, 1},                        //
      {"1", 1000, 1},                         //
      {"0", 0, 0},                            //
      {"+5", 5000, 5},                        // leading plus
      {"1.", 1000, 1},                        // trailing dot
      {".5", 500, 1},                         // leading dot
      {"00100m", 100, 1},                     // leading zeros
      {"1E", 0, 1000000000000000000},         // exa; MilliValue saturates (checked below)
      {"5E-4", 1, 1},                         // 0.0005
      {"1.3E+6", 1300000000, 1300000},        //
      {"1Ki", 1024000, 1024},                 //
      {"1.5Ki", 1536000, 1536},               //
      {"8Ei", std::numeric_limits<int64_t>::max(),
       std::numeric_limits<int64_t>::max()},  // 2^63 > int64: rejected below
      {"0.000000001", 1, 1},                  // one nano
      {"0.0000000001", 1, 1},                 // finer than nano: rounds up to 1n
      {"2n", 1, 1},                           //
      {"100u", 1, 1},                         //
  };
  for (const Row& row : rows) {
    if (row.input == "8Ei") continue;  // covered by the rejection table
    DYNAMIC_SECTION(row.input) {
      auto q = Quantity::Parse(row.input);
      REQUIRE(q.ok());
      if (row.input == "1E") {
        CHECK(q->Value() == 1000000000000000000);
        CHECK(q->MilliValue() == std::numeric_limits<int64_t>::max());  // 10^21 saturates
      } else {
        CHECK(q->MilliValue() == row.milli);
        CHECK(q->Value() == row.value);
      }
    }
  }
}

TEST_CASE("Quantity rejects bad input with the upstream message", "[model][quantity]") {
  struct Row {
    std::string input;
    std::string message_part;
  };
  const std::vector<Row> rows = {
      {"1K", "unable to parse quantity's suffix"},
      {"1.5ki", "unable to parse quantity's suffix"},
      {"1e", "unable to parse quantity's suffix"},
      {"5i", "unable to parse quantity's suffix"},
      {" 1", "quantities must match the regular expression"},
      {"1 ", "quantities must match the regular expression"},
      {"1Mb", "quantities must match the regular expression"},
      {"1.2.3", "quantities must match the regular expression"},
      {"", "quantities must match the regular expression"},
      {"abc", "quantities must match the regular expression"},
      {".", "no digits"},  // upstream reads 0; nbsched rejects (interfaces.md §5)
      {"+", "no digits"},
      {"-", "no digits"},
      {"k", "no digits"},
      {"Mi", "no digits"},
      {"-.", "no digits"},
      {"8Ei", "exceeds the int64 range"},  // 2^63
      {"1e400", "exceeds the int64 range"},
      {"99999999999999999999", "exceeds the int64 range"},
      {std::string(300, '1'), "too long"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION("'" << row.input.substr(0, 20) << "'") {
      auto q = Quantity::Parse(row.input);
      REQUIRE_FALSE(q.ok());
      CHECK_THAT(std::string(q.status().message()), Catch::Contains(row.message_part));
    }
  }
}

TEST_CASE("Quantity keeps exact sums and the largest int64", "[model][quantity]") {
  // Three containers of 0.0005 CPU: exact total 0.0015 → 2 millicores, not 3.
  Quantity sum;
  for (int i = 0; i < 3; ++i) sum += *Quantity::Parse("0.0005");
  CHECK(sum.MilliValue() == 2);
  auto max = Quantity::Parse("9223372036854775807");
  REQUIRE(max.ok());
  CHECK(max->Value() == std::numeric_limits<int64_t>::max());
  CHECK(Quantity::Parse("1500m")->ToString() == "1500m");
  CHECK(Quantity::Parse("2")->ToString() == "2");
}

// Parse tries a fast path for plain forms ("31850m", "126529216Ki") before the general parser: the
// two must agree, value and error text alike, on every input, plain or not.
TEST_CASE("Quantity's fast path agrees with the general parser", "[model][quantity]") {
  const std::vector<std::string> suffixes = {
      "",   "n",  "u",  "m", "k",  "M",  "G",  "T",  "P",   "E",  "Ki", "Mi", "Gi",
      "Ti", "Pi", "Ei", "K", "i",  "e",  "e3", "E2", "e-3", "mm", "ki", "KI", "Kii",
      "iK", " ",  "m ", "x", "Gb", "EE", "e+", "n1", "+",   "-",  "."};
  const std::vector<std::string> numbers = {"0",
                                            "00",
                                            "1",
                                            "7",
                                            "8",
                                            "9",
                                            "10",
                                            "000000000000000001",
                                            "1000000000000000000",
                                            "9223372036854775807",
                                            "9223372036854775808",
                                            "922337203685477580",
                                            "99999999999999999",
                                            "999999999999999999",
                                            "9999999999999999999",
                                            "18446744073709551616",
                                            "31850",
                                            "126529216",
                                            "187136925387",
                                            "110",
                                            "1.5",
                                            ".5",
                                            "5.",
                                            "-1",
                                            "+1",
                                            "-0",
                                            ""};
  size_t compared = 0;
  const auto same = [&](const std::string& text) {
    INFO("input \"" << text << "\"");
    const absl::StatusOr<Quantity> fast = Quantity::Parse(text);
    const absl::StatusOr<Quantity> general = Quantity::ParseGeneral(text);
    REQUIRE(fast.ok() == general.ok());
    if (fast.ok()) {
      REQUIRE(fast->nanos() == general->nanos());
    } else {
      REQUIRE(fast.status() == general.status());
    }
    ++compared;
  };
  for (const std::string& number : numbers) {
    for (const std::string& suffix : suffixes) same(number + suffix);
  }
  // Every digit count around the 18-digit limit and the int64 boundary, with every suffix.
  for (size_t digits = 1; digits <= 30; ++digits) {
    for (char d : {'1', '8', '9'}) {
      for (const std::string& suffix : suffixes) same(std::string(digits, d) + suffix);
    }
  }
  // Seeded random strings over the quantity alphabet, mostly plain-looking.
  std::mt19937_64 rng(20250301);
  const std::string alphabet = "0123456789.+-eEinumkKMGTP x";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const size_t digits = rng() % 22;
    for (size_t j = 0; j < digits; ++j) text += static_cast<char>('0' + rng() % 10);
    if (rng() % 4 == 0) {
      const size_t extra = rng() % 4;
      for (size_t j = 0; j < extra; ++j) text += alphabet[rng() % alphabet.size()];
    } else {
      text += suffixes[rng() % suffixes.size()];
    }
    same(text);
  }
  CHECK(compared > 20000);
}

}  // namespace
}  // namespace nbsched
