// paratrain report: reads a results file (JSON lines from sweep or bench) and
// writes DIR/report.md with gnuplot figures; the work is in src/report/.
#include "cli/report_command.h"

#include <cstdio>
#include <filesystem>
#include <string>

#include "report/report.h"

namespace paratrain {

namespace {

class ReportCommand : public LocalCommand {
 public:
  explicit ReportCommand(CLI::App& sub) {
    sub.add_option("results", results_, "results file, one JSON record per line")->required();
    sub.add_option("--out", out_dir_, "folder for report.md, the PNGs and their gnuplot scripts")
        ->required();
  }

  int run() override {
    const int exit_code = write_report(results_, out_dir_);
    std::printf("report: %s\n", (std::filesystem::path(out_dir_) / "report.md").c_str());
    return exit_code;
  }

 private:
  std::string results_;
  std::string out_dir_;
};

}  // namespace

void register_report_command(CLI::App& app, std::unique_ptr<LocalCommand>& chosen) {
  CLI::App* sub = app.add_subcommand("report", "turn a results file into report.md and graphs");
  auto command =
      std::make_shared<std::unique_ptr<LocalCommand>>(std::make_unique<ReportCommand>(*sub));
  sub->callback([command, &chosen] { chosen = std::move(*command); });
}

}  // namespace paratrain
