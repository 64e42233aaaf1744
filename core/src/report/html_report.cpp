#include <rubrika/error.hpp>
#include <rubrika/io/atomic_file.hpp>
#include <rubrika/report/html_report.hpp>

#include "svg.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace rubrika {
namespace {

using nlohmann::json;
using report::escape;
using report::number;

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1a202c;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #e2e8f0;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #e2e8f0;padding:3px 8px;text-align:right}
th{background:#f7fafc}td:first-child,th:first-child{text-align:left}.empty{color:#a0aec0;font-style:italic}
.axis{stroke:#4a5568}.tick{font-size:10px;fill:#4a5568}.label{font-size:11px;fill:#2d3748}
.series{fill:none;stroke-width:2}.threshold{stroke:#000;stroke-dasharray:4 3;stroke-width:1.5}
.grid{display:flex;flex-wrap:wrap;gap:16px}.scroll{max-height:420px;overflow:auto}code{background:#edf2f7;padding:1px 4px}
)";

double num(const json& j, const char* key, double fallback = 0) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

std::string not_run(const char* what) { return std::string("<p class='empty'>") + what + " did not run.</p>"; }

std::string summary(const json& m) {
  std::ostringstream s;
  const json run = m.value("run", json::object());
  s << "<table><tr><th>run</th><td>" << escape(run.value("name", "?")) << "</td></tr><tr><th>recipe</th><td>"
    << escape(run.value("recipe", "?")) << "</td></tr><tr><th>device</th><td>" << escape(run.value("device", "?"))
    << "</td></tr><tr><th>started / finished</th><td>" << escape(run.value("started", "")) << " / "
    << escape(run.value("finished", "")) << "</td></tr></table>";
  if (m.contains("data")) {
    const json c = m["data"].value("counts", json::object());  // a named copy: items() refers to it
    s << "<table><tr><th>split</th><th>texts</th></tr>";
    for (const auto& [k, v] : c.items()) s << "<tr><td>" << escape(k) << "</td><td>" << v.dump() << "</td></tr>";
    s << "<tr><td>skipped (empty)</td><td>" << m["data"].value("skipped_empty", 0) << "</td></tr></table>";
  }
  if (m.contains("timings_s")) {
    s << "<table><tr><th>stage</th><th>seconds</th></tr>";
    for (const auto& [k, v] : m["timings_s"].items())
      s << "<tr><td>" << escape(k) << "</td><td>" << number(v.get<double>(), 4) << "</td></tr>";
    s << "</table>";
  }
  return s.str();
}

std::string classifier(const json& m) {
  if (!m.contains("classifier")) return not_run("The classifier stage");
  const json& c = m["classifier"];
  std::ostringstream s;
  report::Series loss{"training loss", "#2b6cb0", {}};
  const json history = c.value("history", json::array()), evaluations = c.value("evaluations", json::array());
  for (const auto& h : history) loss.points.emplace_back(num(h, "step"), num(h, "loss"));
  report::Series f1{"validation macro-F1", "#2f855a", {}}, acc{"validation accuracy", "#c05621", {}};
  for (const auto& e : evaluations) {
    f1.points.emplace_back(num(e, "step"), num(e, "macro_f1"));
    acc.points.emplace_back(num(e, "step"), num(e, "accuracy"));
  }
  s << "<div class='grid'><div><h3>Training loss</h3>" << report::line_chart({loss}, "step", "loss")
    << "</div><div><h3>Validation</h3>" << report::line_chart({f1, acc}, "step", "score") << "</div></div>";
  if (!c.contains("test")) return s.str();
  const json& t = c["test"];
  s << "<p>Test accuracy <b>" << number(num(t, "accuracy")) << "</b>, macro-F1 <b>" << number(num(t, "macro_f1"))
    << "</b> on " << t.value("n", 0) << " texts.</p>";
  s << "<h3>Per class</h3><div class='scroll'><table><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>";
  const json per_class = t.value("per_class", json::object());  // named: items() must not outlive it
  for (const auto& [label, v] : per_class.items())
    s << "<tr><td>" << escape(label) << "</td><td>" << number(num(v, "precision"), 3) << "</td><td>"
      << number(num(v, "recall"), 3) << "</td><td>" << number(num(v, "f1"), 3) << "</td><td>" << v.value("support", 0)
      << "</td></tr>";
  s << "</table></div>";
  if (t.contains("confusion")) {
    auto labels = t["confusion"]["labels"].get<std::vector<std::string>>();
    auto matrix = t["confusion"]["matrix"].get<std::vector<std::vector<double>>>();
    std::vector<std::tuple<double, std::string, std::string>> confusions;
    for (size_t r = 0; r < matrix.size(); ++r)
      for (size_t k = 0; k < matrix[r].size(); ++k)
        if (r != k && matrix[r][k] > 0) confusions.emplace_back(matrix[r][k], labels[r], labels[k]);
    std::sort(confusions.rbegin(), confusions.rend());
    s << "<h3>Confusion matrix (rows: true label; hover for names)</h3><div class='grid'><div>"
      << report::heatmap(labels, matrix) << "</div><div><table><tr><th>true → predicted</th><th>texts</th></tr>";
    for (size_t i = 0; i < confusions.size() && i < 12; ++i)
      s << "<tr><td>" << escape(std::get<1>(confusions[i])) << " → " << escape(std::get<2>(confusions[i]))
        << "</td><td>" << std::get<0>(confusions[i]) << "</td></tr>";
    s << "</table></div></div>";
  }
  return s.str();
}

std::string calibration(const json& m) {
  if (!m.contains("calibration")) return not_run("Calibration");
  const json& c = m["calibration"];
  std::ostringstream s;
  s << "<p>Temperature <b>" << number(num(c, "temperature", 1.0)) << "</b> (fitted on validation, measured on "
    << escape(c.value("evaluated_on", "test")) << ").</p><table><tr><th></th><th>NLL</th><th>ECE</th><th>MCE</th><th>Brier</th></tr>";
  for (const char* when : {"before", "after"}) {
    const json r = c.value(when, json::object());
    s << "<tr><td>" << when << "</td><td>" << number(num(r, "nll")) << "</td><td>" << number(num(r, "ece")) << "</td><td>"
      << number(num(r, "mce")) << "</td><td>" << number(num(r, "brier")) << "</td></tr>";
  }
  s << "</table>";
  std::vector<std::string> bins;
  report::Series ideal{"ideal", "#a0aec0", {}}, before{"accuracy before", "#c53030", {}}, after{"accuracy after", "#2f855a", {}};
  const json b = c.value("before", json::object()).value("bins", json::array());
  const json a = c.value("after", json::object()).value("bins", json::array());
  for (size_t i = 0; i < b.size(); ++i) {
    bins.push_back(number(num(b[i], "lower"), 2) + "–" + number(num(b[i], "upper"), 2));
    ideal.points.emplace_back(i, (num(b[i], "lower") + num(b[i], "upper")) / 2);
    before.points.emplace_back(i, num(b[i], "count") > 0 ? num(b[i], "accuracy") : 0);
    after.points.emplace_back(i, i < a.size() && num(a[i], "count") > 0 ? num(a[i], "accuracy") : 0);
  }
  s << "<h3>Reliability diagram (accuracy per confidence bin)</h3>" << report::bar_chart(bins, {ideal, before, after}, 1.0, "accuracy");
  return s.str();
}

std::string ood(const json& m) {
  if (!m.contains("ood")) return not_run("The OOD stage");
  const json& o = m["ood"];
  std::ostringstream s;
  s << "<p>Primary scorer: <b>" << escape(o.value("primary", "")) << "</b>.</p><table><tr><th>scorer</th><th>AUROC</th>"
    << "<th>AUPR-in</th><th>AUPR-out</th><th>FPR@95%TPR</th><th>threshold</th><th>in-domain accepted</th><th>OOD rejected</th></tr>";
  const json scorers = o.value("scorers", json::object());
  for (const auto& [name, r] : scorers.items())
    s << "<tr><td>" << escape(name) << "</td><td>" << number(num(r, "auroc")) << "</td><td>" << number(num(r, "aupr_in"))
      << "</td><td>" << number(num(r, "aupr_out")) << "</td><td>" << number(num(r, "fpr_at_95_tpr")) << "</td><td>"
      << number(num(r, "threshold")) << "</td><td>" << number(num(r, "in_domain_acceptance")) << "</td><td>"
      << number(num(r, "ood_rejection")) << "</td></tr>";
  s << "</table><div class='grid'>";
  for (const auto& [name, r] : scorers.items()) {
    if (!r.contains("histogram")) continue;
    const json& h = r["histogram"];
    s << "<div><h3>" << escape(name) << "</h3>"
      << report::histogram_chart(h["edges"].get<std::vector<double>>(), h["in_domain"].get<std::vector<double>>(),
                                 h["ood"].get<std::vector<double>>(), num(r, "threshold", NAN))
      << "</div>";
  }
  s << "</div>";
  return s.str();
}

std::string reranker(const json& m) {
  if (!m.contains("reranker")) return not_run("The reranker stage");
  const json& r = m["reranker"];
  std::ostringstream s;
  const json pairs = r.value("pairs", json::object());
  s << "<p>Pair accuracy " << number(num(pairs, "accuracy")) << ", pair F1 " << number(num(pairs, "f1"))
    << " (validation).</p><table><tr><th>subset</th><th>texts</th><th>MRR</th><th>nDCG</th><th>top-1 before</th><th>top-1 after</th></tr>";
  const json ranking = r.value("ranking", json::object());
  for (const char* subset : {"all", "low_margin"}) {
    const json x = ranking.value(subset, json::object());
    s << "<tr><td>" << subset << "</td><td>" << x.value("n", 0) << "</td><td>" << number(num(x, "mrr")) << "</td><td>"
      << number(num(x, "ndcg")) << "</td><td>" << number(num(x, "top1_before")) << "</td><td>" << number(num(x, "top1_after"))
      << "</td></tr>";
  }
  const json c = r.value("cascade", json::object());
  s << "</table><p>Cascade: rerank when the top-2 margin &lt; τ = " << number(num(c, "tau")) << " (fusion weight "
    << number(num(c, "weight")) << "); trigger rate <b>" << number(num(c, "trigger_rate")) << "</b> (budget "
    << number(num(c, "budget")) << "); test accuracy " << number(num(c, "accuracy_without")) << " → <b>"
    << number(num(c, "accuracy_with")) << "</b>; added latency " << number(num(c, "added_latency_ms"), 3)
    << " ms per reranked text.</p>";
  return s.str();
}

std::string baseline(const json& m) {
  if (!m.contains("baseline")) return not_run("The baseline");
  const json& b = m["baseline"];
  const json main_test = m.value("classifier", json::object()).value("test", json::object());
  std::ostringstream s;
  s << "<table><tr><th>model</th><th>accuracy</th><th>macro-F1</th></tr><tr><td>" << escape(b.value("name", "baseline"))
    << "</td><td>" << number(num(b["test"], "accuracy")) << "</td><td>" << number(num(b["test"], "macro_f1"))
    << "</td></tr><tr><td>this run</td><td>" << number(num(main_test, "accuracy")) << "</td><td>"
    << number(num(main_test, "macro_f1")) << "</td></tr></table>";
  return s.str();
}

std::string serving(const json& m) {
  const json sv = m.value("serving", json::object());
  std::ostringstream s;
  s << "<p><code>" << escape(sv.value("command", "rubrika serve RUN_DIR")) << "</code></p><p><code>curl -s "
    << escape(sv.value("url", "http://127.0.0.1:8080/v1/classify"))
    << " -H 'Content-Type: application/json' -d '{\"texts\": [\"Продаю диван\"]}'</code></p>";
  return s.str();
}

}  // namespace

std::string render_html_report(const std::string& metrics_json_text) {
  json m = json::parse(metrics_json_text, nullptr, false);
  if (m.is_discarded() || !m.is_object()) throw InputError("metrics are not a JSON object", "metrics.json");
  std::ostringstream page;
  page << "<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'><title>rubrika report: "
       << escape(m.value("run", json::object()).value("name", "run")) << "</title><style>" << kStyle
       << "</style></head><body><h1>rubrika run: " << escape(m.value("run", json::object()).value("name", "run")) << "</h1>"
       << "<h2>Summary</h2>" << summary(m) << "<h2>Classifier</h2>" << classifier(m) << "<h2>Calibration</h2>"
       << calibration(m) << "<h2>Out-of-domain detection</h2>" << ood(m) << "<h2>Reranker and cascade</h2>"
       << reranker(m) << "<h2>Baseline</h2>" << baseline(m) << "<h2>Serving</h2>" << serving(m) << "</body></html>\n";
  return page.str();
}

void write_html_report(const std::filesystem::path& metrics_json, const std::filesystem::path& out_html) {
  std::ifstream in(metrics_json);
  if (!in) throw IoError("cannot read metrics", metrics_json.string());
  std::stringstream text;
  text << in.rdbuf();
  AtomicFileWriter out(out_html);
  out.stream() << render_html_report(text.str());
  out.commit();
}

}  // namespace rubrika
