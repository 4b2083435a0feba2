// tandem: the command-line front end. Exit codes (design.md contract): 0 ok, 2 bad input, 1
// failure.
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Tandem: a simulator and testbed for DNN inference offloading schedulers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tandem 0.1.0");
  tandem::cli::add_inspect_command(app);
  tandem::cli::add_describe_command(app);
  tandem::cli::add_run_command(app);
  tandem::cli::add_plan_command(app);
  tandem::cli::add_trace_command(app);
  tandem::cli::add_bench_command(app);
  tandem::cli::add_profile_command(app);
  tandem::cli::add_serve_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const tandem::cli::ExitCode& e) {
    return e.code;
  } catch (const tandem::InputError& e) {
    std::cerr << "tandem: error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tandem: failed: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
