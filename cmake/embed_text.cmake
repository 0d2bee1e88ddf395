# cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=name -P embed_text.cmake
# Writes a .cpp defining `std::string_view strike::SYMBOL() noexcept` with the file's text.
file(READ "${INPUT}" text)
file(WRITE "${OUTPUT}" "#include <string_view>\nnamespace strike {\nstd::string_view ${SYMBOL}() noexcept {\n  static constexpr std::string_view kText = R\"strike_embed(${text})strike_embed\";\n  return kText;\n}\n}  // namespace strike\n")
