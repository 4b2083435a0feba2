#pragma once
// The error hierarchy. Errors are exceptions, never aborts. The CLI maps InputError to exit code 2
// and every other Error to exit code 1.
#include <stdexcept>
#include <string>

namespace tandem {

class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Where a bad input was found. line/column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// Bad user input: a config, a model file, a trace, a command-line value. The message is one line:
// "FILE:LINE:COLUMN: FIELD: expected EXPECTED, found FOUND".
class InputError : public Error {
public:
  InputError(SourceLocation where, std::string field, std::string expected, std::string found);
  // For errors that are not a field/expected/found triple (e.g. "cannot open file").
  InputError(SourceLocation where, std::string message);

  const SourceLocation& where() const { return where_; }
  const std::string& field() const { return field_; }

private:
  SourceLocation where_;
  std::string field_;
};

// A scheduler answered with an invalid decision.
class PlanError : public Error {
public:
  PlanError(std::string scheduler, std::string layer, std::string problem);
  const std::string& scheduler() const { return scheduler_; }
  const std::string& layer() const { return layer_; }

private:
  std::string scheduler_;
  std::string layer_;
};

// A backend failed while carrying out a valid plan (server gone, simulation deadlock, ...).
class BackendError : public Error {
public:
  using Error::Error;
};

std::string format_location(const SourceLocation& where);

} // namespace tandem
