#pragma once

/// Kubernetes `resource.Quantity`, exact: the value is held as an integer number of nano-units
/// (10^-9), which is the finest precision upstream keeps (it rounds finer digits away from zero at
/// parse time). Values whose magnitude exceeds 2^63-1 units are rejected, as are strings without a
/// digit (upstream reads those as 0; nbsched treats them as typos). Thread-compatible value type.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace nbsched {

__extension__ using Int128 = __int128;

class Quantity {
 public:
  constexpr Quantity() = default;

  /// Parses the upstream syntax (`1.5`, `1500m`, `2Gi`, `1e3`, `500M`, `3.001n`). Errors carry the
  /// upstream message (`quantities must match the regular expression ...`, `unable to parse
  /// quantity's suffix`, `unable to parse numeric part of quantity`) or nbsched's own for values
  /// without digits and values beyond int64.
  [[nodiscard]] static absl::StatusOr<Quantity> Parse(std::string_view text);
  /// The general parser behind Parse, which first tries a fast path for the plain forms the API
  /// server writes (`31850m`, `126529216Ki`, `110`); same result and error for every input.
  /// Public so that tests can compare the two.
  [[nodiscard]] static absl::StatusOr<Quantity> ParseGeneral(std::string_view text);

  static constexpr Quantity FromNanos(Int128 nanos) { return Quantity(nanos); }
  static constexpr Quantity FromUnits(int64_t units) {
    return Quantity(Int128{units} * kNanoPerUnit);
  }
  static constexpr Quantity FromMilli(int64_t milli) { return Quantity(Int128{milli} * 1'000'000); }

  constexpr Int128 nanos() const { return nanos_; }
  constexpr bool IsZero() const { return nanos_ == 0; }
  constexpr bool IsNegative() const { return nanos_ < 0; }

  /// ceil(value * 1000), rounding away from zero; saturates at the int64 range.
  int64_t MilliValue() const;
  /// ceil(value), rounding away from zero; saturates at the int64 range.
  int64_t Value() const;

  /// Plain decimal rendering with a unit suffix chosen for exactness (`1500m`, `2`, `3n`); meant
  /// for messages and debugging, not upstream's canonical form.
  std::string ToString() const;

  constexpr Quantity& operator+=(Quantity other) {
    nanos_ += other.nanos_;
    return *this;
  }
  friend constexpr Quantity operator+(Quantity a, Quantity b) {
    return Quantity(a.nanos_ + b.nanos_);
  }
  friend constexpr auto operator<=>(Quantity a, Quantity b) = default;

  static constexpr Int128 kNanoPerUnit = 1'000'000'000;

 private:
  constexpr explicit Quantity(Int128 nanos) : nanos_(nanos) {}
  Int128 nanos_ = 0;
};

}  // namespace nbsched
