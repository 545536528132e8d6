#include "scheduler/model/text.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

namespace nbsched {
namespace {

// One byte at a time, the rules of AppendJsonString without its fast path for plain runs.
std::string Reference(std::string_view s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // Valid UTF-8 sequences are copied; any other byte becomes U+FFFD (checked by the
      // hand-written cases below); here only the ASCII part of the rules is re-implemented.
      const std::string rest = JsonString(s.substr(i, 1));
      out += rest.substr(1, rest.size() - 2);
    }
    ++i;
  }
  return out + "\"";
}

TEST_CASE("JSON string literals: runs of plain bytes and every escape", "[model][text]") {
  CHECK(JsonString("") == R"("")");
  CHECK(JsonString("node-1") == R"("node-1")");
  CHECK(JsonString("a\"b\\c\nd\re\tf\x01g\x1f") == R"("a\"b\\c\nd\re\tf\u0001g\u001f")");
  CHECK(JsonString("caf\xc3\xa9") == "\"caf\xc3\xa9\"");  // valid UTF-8 kept
  CHECK(JsonString("bad\xff") == R"("bad\ufffd")");       // invalid byte replaced
  CHECK(JsonString("\x7f") == "\"\x7f\"");                // DEL is printable for JSON
  // Escapes at every position of a 16- and an 8-byte block and across blocks.
  for (size_t pos = 0; pos < 48; ++pos) {
    for (char special : {'"', '\\', '\n', '\x02', '\x1f', '\x80', '\xff'}) {
      std::string s(48, 'x');
      s[pos] = special;
      INFO("position " << pos << " byte " << static_cast<int>(special));
      CHECK(JsonString(s) == Reference(s));
      CHECK_FALSE(IsPlainJson(s));
      CHECK(IsPlainJson(s.substr(0, pos)));
    }
  }
  CHECK(IsPlainJson(std::string(100, '\x7f') + " ~!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}"));
  // Random ASCII (bounded, seeded): the word-at-a-time scan agrees with the byte loop.
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 127);
  std::uniform_int_distribution<int> length(0, 70);
  for (int round = 0; round < 2000; ++round) {
    std::string s(static_cast<size_t>(length(rng)), ' ');
    for (char& c : s) c = static_cast<char>(byte(rng) % 3 == 0 ? byte(rng) : 'a' + byte(rng) % 26);
    INFO(s);
    REQUIRE(JsonString(s) == Reference(s));
  }
}

}  // namespace
}  // namespace nbsched
