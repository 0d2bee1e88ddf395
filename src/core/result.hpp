// Result<T, E>: a value or an error, [[nodiscard]] so a failure cannot be ignored silently.
// E defaults to Error (code + context string, control plane); hot paths use Result<T, Errc>,
// which is two machine words and never allocates.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "core/assert.hpp"
#include "core/error.hpp"

namespace strike {

template <class E>
struct Failure {
  E error;
};

// fail(Errc::overflow) or fail(Errc::config_bad_value, "file: entry: field")
constexpr Failure<Errc> fail(Errc code) noexcept { return {code}; }
inline Failure<Error> fail(Errc code, std::string detail) { return {Error{code, std::move(detail)}}; }
inline Failure<Error> fail(Error error) { return {std::move(error)}; }

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  constexpr Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  template <class E2>
    requires std::is_constructible_v<E, E2>
  constexpr Result(Failure<E2> f) : v_(std::in_place_index<1>, E(std::move(f.error))) {}  // NOLINT

  constexpr bool ok() const noexcept { return v_.index() == 0; }
  constexpr explicit operator bool() const noexcept { return ok(); }

  constexpr T& value() & {
    STRIKE_ASSERT(ok(), "value() of a failed Result");
    return *std::get_if<0>(&v_);
  }
  constexpr const T& value() const& {
    STRIKE_ASSERT(ok(), "value() of a failed Result");
    return *std::get_if<0>(&v_);
  }
  constexpr T&& value() && {
    STRIKE_ASSERT(ok(), "value() of a failed Result");
    return std::move(*std::get_if<0>(&v_));
  }
  constexpr T value_or(T fallback) const { return ok() ? *std::get_if<0>(&v_) : fallback; }

  constexpr const E& error() const& {
    STRIKE_ASSERT(!ok(), "error() of a successful Result");
    return *std::get_if<1>(&v_);
  }
  constexpr E&& error() && {
    STRIKE_ASSERT(!ok(), "error() of a successful Result");
    return std::move(*std::get_if<1>(&v_));
  }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

// The hot-path form: a trivially copyable value with a bare error code is a plain (value,
// code) pair instead of a variant, so Result<int64_t, Errc> lives in two registers and
// checking it is one compare. Same interface as the general form.
template <class T>
  requires std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>
class [[nodiscard]] Result<T, Errc> {
 public:
  using value_type = T;
  using error_type = Errc;

  constexpr Result(T value) noexcept : value_(value) {}  // NOLINT: implicit by design
  constexpr Result(Failure<Errc> f) noexcept : error_(f.error) {  // NOLINT
    STRIKE_ASSERT(f.error != Errc::ok, "fail(Errc::ok)");
  }

  constexpr bool ok() const noexcept { return error_ == Errc::ok; }
  constexpr explicit operator bool() const noexcept { return ok(); }
  constexpr const T& value() const {
    STRIKE_ASSERT(ok(), "value() of a failed Result");
    return value_;
  }
  constexpr T& value() {
    STRIKE_ASSERT(ok(), "value() of a failed Result");
    return value_;
  }
  constexpr T value_or(T fallback) const noexcept { return ok() ? value_ : fallback; }
  constexpr Errc error() const {
    STRIKE_ASSERT(!ok(), "error() of a successful Result");
    return error_;
  }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const { return value(); }
  T& operator*() { return value(); }

 private:
  T value_{};
  Errc error_ = Errc::ok;
};

// Status: success or an error, for functions that return nothing.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  template <class E2>
    requires std::is_constructible_v<E, E2>
  Result(Failure<E2> f) : error_(E(std::move(f.error))), failed_(true) {}  // NOLINT

  bool ok() const noexcept { return !failed_; }
  constexpr explicit operator bool() const noexcept { return ok(); }
  const E& error() const& {
    STRIKE_ASSERT(failed_, "error() of a successful Status");
    return error_;
  }

 private:
  E error_{};
  bool failed_ = false;
};

template <class E = Error>
using Status = Result<void, E>;

}  // namespace strike
