#include "scheduler/model/flat_map.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace nbsched {
namespace {

using Map = FlatMap<std::string>;

std::vector<std::string> Keys(const Map& m) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  return keys;
}

TEST_CASE("FlatMap keeps keys sorted and unique like std::map", "[model][flat_map]") {
  Map m;
  CHECK(m.emplace("b", "2").second);
  CHECK(m.emplace("a", "1").second);        // before the end: inserted in order
  CHECK(m.emplace("c", "3").second);        // the append fast path
  CHECK_FALSE(m.emplace("a", "x").second);  // present: unchanged, as std::map::emplace
  CHECK(Keys(m) == std::vector<std::string>{"a", "b", "c"});
  CHECK(m.at("a") == "1");
  CHECK(m.find("zz") == m.end());
  CHECK(m.contains("b"));
  m["b"] = "two";
  m.insert_or_assign("d", "4");
  CHECK(m.at("b") == "two");
  CHECK(m.size() == 4);
  CHECK(m.erase("c") == 1);
  CHECK(m.erase("c") == 0);
  CHECK(Keys(m) == std::vector<std::string>{"a", "b", "d"});
  CHECK_THROWS_AS(m.at("c"), std::out_of_range);
  CHECK(Map{{"x", "1"}, {"x", "2"}}.at("x") == "1");  // initializer list: first wins
}

TEST_CASE("FlatMap::FromUnsorted sorts once and keeps the last of repeated keys",
          "[model][flat_map]") {
  const Map m = Map::FromUnsorted({{"z", "1"}, {"a", "2"}, {"m", "3"}, {"a", "4"}, {"z", "5"}});
  CHECK(Keys(m) == std::vector<std::string>{"a", "m", "z"});
  CHECK(m.at("a") == "4");
  CHECK(m.at("z") == "5");
  CHECK(Map::FromUnsorted({}).empty());
  // Already sorted input (what the API server sends) is taken as is.
  CHECK(Map::FromUnsorted({{"a", "1"}, {"b", "2"}}) == Map{{"a", "1"}, {"b", "2"}});
  // Many keys in reverse order: one sort, not one shift per insert.
  std::vector<Map::value_type> many;
  for (int i = 5000; i > 0; --i) many.emplace_back("k" + std::to_string(i), "v");
  const Map big = Map::FromUnsorted(std::move(many));
  CHECK(big.size() == 5000);
  CHECK(big.begin()->first == "k1");
}

}  // namespace
}  // namespace nbsched
