#pragma once
// `tandem describe config`: the config keys as a plain-text table generated from the schema, so the
// documentation cannot drift from what the parser accepts.
#include <string>

namespace tandem {

std::string describe_config();

} // namespace tandem
