#include "scheduler/model/selectors.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace nbsched {
namespace {

bool Contains(const std::vector<std::string>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

bool ParseInt64(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  const char* begin = s.data();
  if (*begin == '+') ++begin;  // strconv.ParseInt accepts a leading '+'
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Returns false for invalid requirements as well as for non-matching ones.
bool RequirementMatches(SelectorOp op, const std::vector<std::string>& values,
                        std::optional<std::string_view> label) {
  switch (op) {
    case SelectorOp::kIn:
      return !values.empty() && label.has_value() && Contains(values, *label);
    case SelectorOp::kNotIn:
      if (values.empty()) return false;  // invalid
      return !label.has_value() || !Contains(values, *label);
    case SelectorOp::kExists:
      return values.empty() && label.has_value();
    case SelectorOp::kDoesNotExist:
      return values.empty() && !label.has_value();
    case SelectorOp::kGt:
    case SelectorOp::kLt: {
      int64_t want = 0;
      int64_t have = 0;
      if (values.size() != 1 || !ParseInt64(values[0], want)) return false;
      if (!label.has_value() || !ParseInt64(*label, have)) return false;
      return op == SelectorOp::kGt ? have > want : have < want;
    }
    case SelectorOp::kInvalid:
      return false;
  }
  return false;
}

// apimachinery validation: a qualified name's name part and a label value share the format
// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] and the 63-character limit.
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsQualifiedNamePart(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// IsValidLabelValue: empty, or a qualified name part.
bool IsLabelValue(std::string_view s) { return s.empty() || IsQualifiedNamePart(s); }

// IsDNS1123Subdomain: at most 253 characters, dot-separated labels of [a-z0-9-] that start and
// end with [a-z0-9].
bool IsDns1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string_view label =
        s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty()) return false;
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(),
                     [&](char c) { return lower_alnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// IsQualifiedName: `name` or `prefix/name`, the prefix a DNS-1123 subdomain.
bool IsQualifiedName(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return IsQualifiedNamePart(key);
  const std::string_view name = key.substr(slash + 1);
  if (name.find('/') != std::string_view::npos) return false;
  return IsDns1123Subdomain(key.substr(0, slash)) && IsQualifiedNamePart(name);
}

std::optional<std::string_view> Find(const Labels& labels, std::string_view key) {
  auto it = labels.find(key);
  if (it == labels.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace

SelectorOp ParseSelectorOp(std::string_view op) {
  if (op == "In") return SelectorOp::kIn;
  if (op == "NotIn") return SelectorOp::kNotIn;
  if (op == "Exists") return SelectorOp::kExists;
  if (op == "DoesNotExist") return SelectorOp::kDoesNotExist;
  if (op == "Gt") return SelectorOp::kGt;
  if (op == "Lt") return SelectorOp::kLt;
  return SelectorOp::kInvalid;
}

bool NodeSelectorRequirementParses(const NodeSelectorRequirement& req) {
  if (!IsQualifiedName(req.key)) return false;
  switch (req.op) {
    case SelectorOp::kIn:
    case SelectorOp::kNotIn:
      if (req.values.empty()) return false;
      break;
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist:
      if (!req.values.empty()) return false;
      break;
    case SelectorOp::kGt:
    case SelectorOp::kLt: {
      int64_t unused = 0;
      if (req.values.size() != 1 || !ParseInt64(req.values[0], unused)) return false;
      break;
    }
    case SelectorOp::kInvalid:
      return false;
  }
  return std::all_of(req.values.begin(), req.values.end(), IsLabelValue);
}

bool NodeSelectorFieldRequirementParses(const NodeSelectorRequirement& req) {
  return req.key == "metadata.name" && req.values.size() == 1 &&
         (req.op == SelectorOp::kIn || req.op == SelectorOp::kNotIn);
}

bool NodeSelectorTermParses(const NodeSelectorTerm& term) {
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  return std::all_of(term.match_expressions.begin(), term.match_expressions.end(),
                     NodeSelectorRequirementParses) &&
         std::all_of(term.match_fields.begin(), term.match_fields.end(),
                     NodeSelectorFieldRequirementParses);
}

bool ParsedNodeSelectorTermMatches(const NodeSelectorTerm& term, const Labels& node_labels,
                                   std::string_view node_name) {
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  for (const auto& req : term.match_expressions) {
    if (!RequirementMatches(req.op, req.values, Find(node_labels, req.key))) return false;
  }
  for (const auto& req : term.match_fields) {
    if (req.values.size() != 1) return false;
    if (!RequirementMatches(req.op, req.values, node_name)) return false;
  }
  return true;
}

bool NodeSelectorTermMatches(const NodeSelectorTerm& term, const Labels& node_labels,
                             std::string_view node_name) {
  // Matching first: validating only the terms that would match keeps the common miss cheap.
  return ParsedNodeSelectorTermMatches(term, node_labels, node_name) &&
         NodeSelectorTermParses(term);
}

bool NodeSelectorTermsMatch(const std::vector<NodeSelectorTerm>& terms, const Labels& node_labels,
                            std::string_view node_name) {
  for (const auto& term : terms) {
    if (NodeSelectorTermMatches(term, node_labels, node_name)) return true;
  }
  return false;
}

bool LabelSelectorMatches(const LabelSelector& selector, const Labels& labels) {
  if (selector.nothing) return false;
  if (!MapSelectorMatches(selector.match_labels, labels)) return false;
  for (const auto& req : selector.match_expressions) {
    if (req.op == SelectorOp::kGt || req.op == SelectorOp::kLt) return false;  // invalid here
    if (!RequirementMatches(req.op, req.values, Find(labels, req.key))) return false;
  }
  return true;
}

bool MapSelectorMatches(const Labels& selector, const Labels& labels) {
  for (const auto& [key, value] : selector) {
    const auto have = Find(labels, key);
    if (!have.has_value() || *have != value) return false;
  }
  return true;
}

bool ToleratesTaint(const Toleration& toleration, const Taint& taint) {
  if (!toleration.effect.empty() && toleration.effect != taint.effect) return false;
  if (!toleration.key.empty() && toleration.key != taint.key) return false;
  if (toleration.op == "Exists") return true;
  if (toleration.op.empty() || toleration.op == "Equal") return toleration.value == taint.value;
  return false;
}

bool AnyToleratesTaint(const std::vector<Toleration>& tolerations, const Taint& taint) {
  return std::any_of(tolerations.begin(), tolerations.end(),
                     [&](const Toleration& t) { return ToleratesTaint(t, taint); });
}

}  // namespace nbsched
