#include "pricing/price_csv.hpp"

#include <array>
#include <charconv>
#include <istream>
#include <optional>
#include <ostream>

#include <fmt/format.h>

#include "pricing/deribit.hpp"
#include "pricing/implied_vol.hpp"

namespace strike::pricing {

bool split_csv_record(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return !quoted;
}

namespace {

enum Column : std::size_t { kType, kUnderlying, kStrike, kExpiry, kRate, kDividend, kVol, kPrice, kColumns };

// Parses a whole field as a finite or non-finite double ("nan" parses, and is then reported
// by the pricing checks as pricing_nan_input). Surrounding spaces are allowed.
std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

struct Row {
  Greeks g;
  double vol = 0;
};

Result<Row, Errc> evaluate_row(const std::vector<std::string>& f, const std::array<std::ptrdiff_t, kColumns>& col,
                               const PriceCsvOptions& opt) {
  auto number = [&](Column c, double fallback) -> std::optional<double> {
    if (col[c] < 0) return fallback;
    const std::string& s = f[static_cast<std::size_t>(col[c])];
    if (s.empty() && (c == kRate || c == kDividend)) return fallback;  // optional columns may be blank
    return parse_number(s);
  };
  OptionSpec o;
  o.model = opt.model;
  const std::string& type = f[static_cast<std::size_t>(col[kType])];
  if (type == "call" || type == "C" || type == "c")
    o.type = OptionType::call;
  else if (type == "put" || type == "P" || type == "p")
    o.type = OptionType::put;
  else
    return fail(Errc::pricing_csv_field);
  const auto u = number(kUnderlying, 0), k = number(kStrike, 0), t = number(kExpiry, 0), r = number(kRate, 0),
             q = number(kDividend, 0);
  if (!u || !k || !t || !r || !q) return fail(Errc::pricing_csv_field);
  o.underlying = *u;
  o.strike = *k;
  o.expiry = *t;
  o.rate = *r;
  o.dividend = opt.model == Model::bsm ? *q : 0.0;
  const bool has_vol = col[kVol] >= 0 && !f[static_cast<std::size_t>(col[kVol])].empty();
  if (has_vol) {
    const auto v = number(kVol, 0);
    if (!v) return fail(Errc::pricing_csv_field);
    o.vol = *v;
  } else {
    if (col[kPrice] < 0 || f[static_cast<std::size_t>(col[kPrice])].empty()) return fail(Errc::pricing_csv_field);
    const auto p = number(kPrice, 0);
    if (!p) return fail(Errc::pricing_csv_field);
    double usd = *p;
    if (opt.inverse) {
      if (const Errc e = validate({o.model, o.type, o.underlying, o.strike, o.expiry, 1.0, o.rate, o.dividend});
          e != Errc::ok)
        return fail(e);
      usd *= forward_of(o);
    }
    const auto iv = implied_vol(o, usd);
    if (!iv) return fail(iv.error());
    o.vol = iv.value();
  }
  auto g = evaluate(o);
  if (!g) return fail(g.error());
  Row row{g.value(), o.vol};
  if (opt.inverse) row.g.price /= forward_of(o);
  if (opt.units == Units::deribit) {
    row.g.vega = deribit::vega(row.g.vega);
    row.g.theta = deribit::theta(row.g.theta);
  }
  return row;
}

void write_fields(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    const std::string& s = fields[i];
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
      out += s;
    } else {  // re-quote so the output stays a valid CSV
      out += '"';
      for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
  }
}

}  // namespace

Status<Error> price_csv(std::istream& in, std::ostream& out, const PriceCsvOptions& opt) {
  std::string line;
  std::vector<std::string> header;
  if (!std::getline(in, line) || !split_csv_record(line, header))
    return fail(Errc::pricing_csv_header, "no header line");
  static constexpr std::string_view kNames[kColumns] = {"type", "", "strike", "expiry", "rate", "dividend", "vol", "price"};
  const std::string_view underlying = opt.model == Model::bsm ? "spot" : "forward";
  std::array<std::ptrdiff_t, kColumns> col;
  col.fill(-1);
  for (std::size_t i = 0; i < header.size(); ++i) {
    for (std::size_t c = 0; c < kColumns; ++c) {
      const std::string_view name = c == kUnderlying ? underlying : kNames[c];
      if (header[i] != name) continue;
      if (col[c] >= 0) return fail(Errc::pricing_csv_header, fmt::format("column '{}' appears twice", name));
      col[c] = static_cast<std::ptrdiff_t>(i);
    }
  }
  for (Column c : {kType, kUnderlying, kStrike, kExpiry})
    if (col[c] < 0)
      return fail(Errc::pricing_csv_header,
                  fmt::format("missing column '{}'", c == kUnderlying ? underlying : kNames[c]));
  if (col[kVol] < 0 && col[kPrice] < 0) return fail(Errc::pricing_csv_header, "need a 'vol' or a 'price' column");

  std::string text;
  write_fields(text, header);
  text += ",price,delta,gamma,vega,theta,rho,vanna,volga,iv,error\n";
  out << text;
  std::vector<std::string> fields;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    text.clear();
    const bool well_formed = split_csv_record(line, fields);
    write_fields(text, fields);
    Result<Row, Errc> row = fail(Errc::pricing_csv_columns);
    if (well_formed && fields.size() == header.size()) row = evaluate_row(fields, col, opt);
    if (row) {
      const Greeks& g = row->g;
      fmt::format_to(std::back_inserter(text), ",{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},\n",
                     g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.vanna, g.volga, row->vol);
    } else {
      text += ",,,,,,,,,,";
      text += name(row.error());
      text += '\n';
    }
    out << text;
  }
  return {};
}

}  // namespace strike::pricing
