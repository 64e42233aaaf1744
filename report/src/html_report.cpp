// report.html: the page frame (inline CSS, section order) around the sections.
#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/report/html_report.hpp>

#include "sections.hpp"
#include "svg.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace rubrika {
namespace {

using nlohmann::json;

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:24px auto;max-width:1240px;color:#1a202c;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;border-bottom:1px solid #e2e8f0;padding-bottom:4px;margin-top:32px}
h3{font-size:14px;margin:12px 0 4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #e2e8f0;padding:3px 8px;text-align:right}
th{background:#f7fafc}td:first-child,th:first-child{text-align:left}.empty{color:#a0aec0;font-style:italic}
tr.weak td{background:#fff5f5}tr.primary td{font-weight:600}
.axis{stroke:#4a5568}.tick{font-size:10px;fill:#4a5568}.label{font-size:11px;fill:#2d3748}.legend{font-size:11px;font-weight:600}
.series{fill:none;stroke-width:2}.threshold{stroke:#000;stroke-dasharray:4 3;stroke-width:1.5}
.grid{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.scroll{max-height:420px;overflow:auto}
.wide{overflow-x:auto;max-width:100%}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.card{border:1px solid #e2e8f0;border-radius:6px;padding:8px 14px;min-width:130px}
.card-title{font-size:12px;color:#4a5568}.card-value{font-size:22px;font-weight:600}.card-note{font-size:11px;color:#718096}
.bar{display:inline-block;height:10px;background:#90cdf4}
pre{background:#edf2f7;padding:8px 12px;border-radius:4px;overflow-x:auto}code{background:#edf2f7;padding:1px 4px}
nav a{margin-right:12px}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
.warning{border-left:4px solid #dd6b20;background:#fffaf0;padding:6px 10px}
.note{border-left:4px solid #3182ce;background:#ebf8ff;padding:6px 10px}
@media print{.scroll,.wide{max-height:none;overflow:visible}nav{display:none}
svg{max-width:100%;height:auto}tr{break-inside:avoid}h2,h3{break-after:avoid}}
)";

struct Section {
  const char* id;
  const char* title;
  std::string (*render)(const json&);
  bool (*shown)(const json&) = nullptr;  // null: every run; else only where it says so
};

constexpr Section kSections[] = {
    {"summary", "Run summary", report::summary_section},
    {"lineage", "Lineage and extension", report::lineage_section, report::is_extended_run},
    {"pretrain", "Pretraining", report::pretrain_section, report::is_pretrained_run},
    {"classifier", "Classifier", report::classifier_section},
    {"multilabel", "Multi-label decisions", report::multilabel_section, report::is_multi_label_run},
    {"cooccurrence", "Label co-occurrence", report::cooccurrence_section,
     report::is_multi_label_run},
    {"confusion", "Confusion matrix", report::confusion_section},
    {"calibration", "Calibration", report::calibration_section},
    {"ood", "Out-of-domain detection", report::ood_section},
    {"reranker", "Reranker and cascade", report::reranker_section},
    {"baseline", "Baseline comparison", report::baseline_section},
    {"serving", "Serving", report::serving_section},
};

}  // namespace

std::string render_html_report(const std::string& metrics_json_text) {
  const json m = json::parse(metrics_json_text, nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded() || !m.is_object())
    throw InputError("metrics are not a JSON object", "metrics.json", "see docs/metrics_schema.md");
  const std::string name = report::escape(report::text_at(report::child(m, "run"), "name", "run"));
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang='ru'><head><meta charset='utf-8'>"
       << "<meta name='viewport' content='width=device-width, initial-scale=1'><title>rubrika "
          "report: "
       << name << "</title><style>" << kStyle << "</style></head><body><h1>rubrika run: " << name
       << "</h1><nav>";
  auto shown = [&](const Section& section) { return !section.shown || section.shown(m); };
  for (const auto& section : kSections)
    if (shown(section)) page << "<a href='#" << section.id << "'>" << section.title << "</a>";
  page << "</nav>" << report::headline_section(m);
  for (const auto& section : kSections) {
    if (!shown(section)) continue;
    page << "<h2 id='" << section.id << "'>" << section.title << "</h2>";
    try {
      page << section.render(m);
    } catch (...) {
      rethrow_with_context(std::string("report section '") + section.id + "'");
    }
  }
  page << "</body></html>\n";
  return page.str();
}

void write_html_report(const std::filesystem::path& metrics_json,
                       const std::filesystem::path& out_html) {
  std::ifstream in(metrics_json, std::ios::binary);
  if (!in)
    throw IoError("cannot read metrics", metrics_json.string(),
                  "run `rubrika train` to create them");
  std::stringstream text;
  text << in.rdbuf();
  std::string html;
  try {
    html = render_html_report(text.str());
  } catch (...) {
    rethrow_with_context("rendering " + metrics_json.string());
  }
  AtomicFileWriter out(out_html);
  out.stream() << html;
  out.commit();
}

}  // namespace rubrika
