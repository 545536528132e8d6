#include "scheduler/model/quantity.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>

#include "absl/status/status.h"

namespace nbsched {
namespace {

// Upstream error texts (k8s.io/apimachinery/pkg/api/resource/quantity.go).
constexpr std::string_view kFormatWrong =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kSuffixWrong = "unable to parse quantity's suffix";
constexpr std::string_view kNumericWrong = "unable to parse numeric part of quantity";
// Far beyond any real request, and keeps every intermediate inside int128.
constexpr size_t kMaxLength = 256;

constexpr Int128 kMaxNanos = Int128{std::numeric_limits<int64_t>::max()} * Quantity::kNanoPerUnit;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::Status Error(std::string_view what, std::string_view text) {
  return absl::InvalidArgumentError(std::string(what) + " (got \"" + std::string(text) + "\")");
}

struct Suffix {
  int base = 10;     // 10 or 2
  int exponent = 0;  // power of base
};

// quantitySuffixer.interpret: "" and the SI letters, the binary Ki..Ei, or e/E + signed integer.
bool InterpretSuffix(std::string_view s, Suffix& out) {
  static constexpr std::pair<std::string_view, int> kDecimal[] = {
      {"", 0},  {"n", -9}, {"u", -6}, {"m", -3}, {"k", 3},
      {"M", 6}, {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int> kBinary[] = {
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (const auto& [name, exp] : kDecimal) {
    if (s == name) {
      out = {10, exp};
      return true;
    }
  }
  for (const auto& [name, exp] : kBinary) {
    if (s == name) {
      out = {2, exp};
      return true;
    }
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view rest = s.substr(1);
    bool negative = false;
    if (rest[0] == '+' || rest[0] == '-') {
      negative = rest[0] == '-';
      rest.remove_prefix(1);
    }
    if (rest.empty() || rest.size() > 9) return false;  // also keeps the exponent in int range
    int exp = 0;
    for (char c : rest) {
      if (!IsDigit(c)) return false;
      exp = exp * 10 + (c - '0');
    }
    out = {10, negative ? -exp : exp};
    return true;
  }
  return false;
}

// Multiplies a decimal digit string by 2 in place.
void DoubleDigits(std::string& digits) {
  int carry = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = (*it - '0') * 2 + carry;
    *it = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  if (carry) digits.insert(digits.begin(), static_cast<char>('0' + carry));
}

// Powers of ten up to 10^27, the largest a one-letter decimal suffix needs in nano-units (E).
constexpr std::array<Int128, 28> kPow10 = [] {
  std::array<Int128, 28> out{};
  Int128 v = 1;
  for (Int128& p : out) {
    p = v;
    v *= 10;
  }
  return out;
}();

// For each ASCII letter: the power of ten, in nano-units, of it as a one-letter decimal suffix
// ("m" → 10^6 nano-units), and the power of two of "<letter>i" ("Ki" → 2^10); -1 if it is none.
struct SuffixExponents {
  int8_t decimal;
  int8_t binary;
};
constexpr std::array<SuffixExponents, 128> kSuffixExponents = [] {
  std::array<SuffixExponents, 128> out{};
  out.fill({-1, -1});
  for (const auto& [letter, exp] : {std::pair{'n', 0},
                                    {'u', 3},
                                    {'m', 6},
                                    {'k', 12},
                                    {'M', 15},
                                    {'G', 18},
                                    {'T', 21},
                                    {'P', 24},
                                    {'E', 27}}) {
    out[static_cast<unsigned char>(letter)].decimal = static_cast<int8_t>(exp);
  }
  for (const auto& [letter, exp] :
       {std::pair{'K', 10}, {'M', 20}, {'G', 30}, {'T', 40}, {'P', 50}, {'E', 60}}) {
    out[static_cast<unsigned char>(letter)].binary = static_cast<int8_t>(exp);
  }
  return out;
}();

// The plain forms the API server writes ("31850m", "126529216Ki", "110", "187136925387"): up to
// 18 digits and a one- or two-letter suffix, no sign, fraction or exponent. Anything else, and any
// value that does not fit comfortably, is left to ParseGeneral, so both give the same result.
// A node's allocatable parses ~6 quantities, and the general parser costs ~100 ns each.
bool ParsePlain(std::string_view text, Int128& nanos) {
  constexpr size_t kMaxDigits = 18;  // < 10^18: 60 bits, so the checks below cannot overflow
  size_t pos = 0;
  uint64_t v = 0;
  while (pos < text.size() && pos <= kMaxDigits && IsDigit(text[pos])) {
    v = v * 10 + static_cast<uint64_t>(text[pos] - '0');
    ++pos;
  }
  if (pos == 0 || pos > kMaxDigits) return false;
  const std::string_view suffix = text.substr(pos);
  int exp10 = 9;  // no suffix: units
  int exp2 = 0;
  if (suffix.size() == 1) {
    const auto c = static_cast<unsigned char>(suffix[0]);
    if (c >= kSuffixExponents.size() || kSuffixExponents[c].decimal < 0) return false;
    exp10 = kSuffixExponents[c].decimal;
  } else if (suffix.size() == 2) {
    const auto c = static_cast<unsigned char>(suffix[0]);
    if (c >= kSuffixExponents.size() || kSuffixExponents[c].binary < 0 || suffix[1] != 'i') {
      return false;
    }
    exp2 = kSuffixExponents[c].binary;
  } else if (!suffix.empty()) {
    return false;
  }
  // Larger values are beyond kMaxNanos anyway; the guards keep the products inside int128:
  // v < 10^pos, so v * 10^exp10 < 10^38; v < 2^bit_width(v) and 10^9 < 2^30.
  if (pos + static_cast<size_t>(exp10) > 38) return false;
  if (exp2 != 0 && std::bit_width(v) + 30 + exp2 > 126) return false;
  nanos = static_cast<Int128>(v) * kPow10[exp10];
  nanos <<= exp2;
  return nanos <= kMaxNanos;  // beyond: the general parser reports the error
}

}  // namespace

absl::StatusOr<Quantity> Quantity::Parse(std::string_view text) {
  Int128 nanos = 0;
  if (ParsePlain(text, nanos)) return Quantity(nanos);
  return ParseGeneral(text);
}

absl::StatusOr<Quantity> Quantity::ParseGeneral(std::string_view text) {
  if (text.empty() || text.size() > kMaxLength) {
    return Error(text.empty() ? kFormatWrong : "quantity is too long", text);
  }
  // Mirrors parseQuantityString: sign, integer digits, optional '.' and fraction digits, then
  // suffix letters, an optional sign and exponent digits.
  size_t pos = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    ++pos;
  }
  const size_t int_begin = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  std::string_view int_digits = text.substr(int_begin, pos - int_begin);
  std::string_view frac_digits;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t frac_begin = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    frac_digits = text.substr(frac_begin, pos - frac_begin);
  }
  const size_t suffix_begin = pos;
  while (pos < text.size() &&
         std::string_view("eEinumkKMGTP").find(text[pos]) != std::string_view::npos) {
    ++pos;
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  if (pos != text.size()) return Error(kFormatWrong, text);
  Suffix suffix;
  if (!InterpretSuffix(text.substr(suffix_begin), suffix)) return Error(kSuffixWrong, text);
  if (int_digits.empty() && frac_digits.empty()) {
    return Error("quantity has no digits (a typo must not become a zero request)", text);
  }

  // value = digits * 10^exp10 * 2^exp2, then expressed in nano-units.
  std::string digits(int_digits);
  digits.append(frac_digits);
  int64_t exp10 = -static_cast<int64_t>(frac_digits.size()) + 9;
  if (suffix.base == 10) {
    exp10 += suffix.exponent;
  } else {
    for (int i = 0; i < suffix.exponent; ++i) DoubleDigits(digits);
  }
  const size_t first_nonzero = digits.find_first_not_of('0');
  if (first_nonzero == std::string::npos) return Quantity();
  digits.erase(0, first_nonzero);

  Int128 nanos = 0;
  if (exp10 >= 0) {
    // Integer part has len(digits) + exp10 digits; more than 29 cannot fit under kMaxNanos.
    if (static_cast<int64_t>(digits.size()) + exp10 > 29)
      return Error("quantity exceeds the int64 range", text);
    for (char c : digits) nanos = nanos * 10 + (c - '0');
    for (int64_t i = 0; i < exp10; ++i) nanos *= 10;
  } else {
    // Drop the digits finer than a nano-unit; any non-zero among them rounds away from zero.
    const int64_t drop = -exp10;
    const int64_t keep = static_cast<int64_t>(digits.size()) - drop;
    bool round_up = false;
    if (keep <= 0) {
      round_up = true;  // digits is non-zero here
    } else {
      if (keep > 29) return Error("quantity exceeds the int64 range", text);
      for (int64_t i = 0; i < keep; ++i) nanos = nanos * 10 + (digits[i] - '0');
      round_up = digits.find_first_not_of('0', keep) != std::string::npos;
    }
    if (round_up) ++nanos;
  }
  if (nanos > kMaxNanos) return Error("quantity exceeds the int64 range", text);
  return Quantity(negative ? -nanos : nanos);
}

namespace {
int64_t CeilDivAwayFromZero(Int128 value, Int128 divisor) {
  Int128 q = value / divisor;
  if (value % divisor != 0) q += value > 0 ? 1 : -1;
  if (q > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (q < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(q);
}
}  // namespace

int64_t Quantity::MilliValue() const { return CeilDivAwayFromZero(nanos_, 1'000'000); }
int64_t Quantity::Value() const { return CeilDivAwayFromZero(nanos_, kNanoPerUnit); }

std::string Quantity::ToString() const {
  Int128 v = nanos_ < 0 ? -nanos_ : nanos_;
  const char* suffix = "n";
  if (v % kNanoPerUnit == 0) {
    v /= kNanoPerUnit;
    suffix = "";
  } else if (v % 1'000'000 == 0) {
    v /= 1'000'000;
    suffix = "m";
  } else if (v % 1'000 == 0) {
    v /= 1'000;
    suffix = "u";
  }
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  if (nanos_ < 0) out.insert(out.begin(), '-');
  return out + suffix;
}

}  // namespace nbsched
