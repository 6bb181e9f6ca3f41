//! The report of one run: plots in `plots/` and `report.html`, made from the run directory's
//! files only (`manifest.json`, `summary.csv`, `targets.csv`, `networks/`), so that
//! `wecare report RUN_DIR` rebuilds exactly what the run wrote.

use super::figures::{
    ARCHETYPE_COLOURS, ARCHETYPES, MAIN_STATISTICS, RunView, archetype_series, kind_series,
    one_panel, origin_series, per_statistic_grid, trajectory_statistics,
};
use super::files::{read_columns, replace_atomically};
use super::fmt::{sig, thousands};
use super::html::{esc, figure, interval_cell, page, table};
use super::manifest::Manifest;
use super::networks::read_replicate_networks;
use super::patterns::{PatternRow, read_patterns_csv};
use super::plot::network::NetworkFigure;
use super::plot::{Figure, render};
use super::summary::Summary;
use super::targets::{TargetRow, read_targets_csv};
use crate::error::{Error, Result};
use crate::stats::interval::half_width;
use std::path::{Path, PathBuf};

/// What a report is made from: a run directory's files.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The run directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Its `summary.csv`.
    pub summary: Summary,
    /// Its `targets.csv` (empty when the file is missing).
    pub targets: Vec<TargetRow>,
    /// Its `patterns.csv` (empty when the file is missing).
    pub patterns: Vec<PatternRow>,
    /// The scenario as run, as a TOML table.
    pub scenario: toml::Table,
}

impl RunData {
    /// The ids of the funded projects' leads: the scenario's inline `[[projects]]` and the
    /// `lead` column of its projects file (empty when neither can be read: the drawings then
    /// label no one).
    pub fn leads(&self) -> std::collections::HashSet<String> {
        let mut out = std::collections::HashSet::new();
        if let Some(list) = self.scenario.get("projects").and_then(|p| p.as_array()) {
            for p in list {
                if let Some(l) = p.get("lead").and_then(|l| l.as_str()) {
                    out.insert(l.to_string());
                }
            }
        }
        let file = self
            .scenario
            .get("data")
            .and_then(|d| d.get("projects"))
            .and_then(|p| p.as_str());
        if let Some(rows) = file.and_then(|f| read_columns(Path::new(f), &["lead"]).ok()) {
            out.extend(rows.into_iter().filter_map(|mut r| r.pop()));
        }
        out
    }

    /// Reads a run directory (the manifest from `manifest`, the rest from files).
    pub fn load(dir: &Path, manifest: Manifest) -> Result<RunData> {
        let summary = Summary::read(&dir.join("summary.csv"))?;
        let tp = dir.join("targets.csv");
        let targets = if tp.exists() {
            read_targets_csv(&tp)?
        } else {
            Vec::new()
        };
        let pp = dir.join("patterns.csv");
        let patterns = if pp.exists() {
            read_patterns_csv(&pp)?
        } else {
            Vec::new()
        };
        let scenario = manifest
            .scenario
            .toml
            .parse::<toml::Table>()
            .map_err(|e| Error::Other(format!("{}: scenario: {e}", dir.display())))?;
        Ok(RunData {
            dir: dir.to_path_buf(),
            manifest,
            summary,
            targets,
            patterns,
            scenario,
        })
    }

    /// Reads a run directory, its manifest included.
    pub fn read(dir: &Path) -> Result<RunData> {
        let (m, _) = Manifest::read_run(dir)?;
        RunData::load(dir, m)
    }

    /// A value of the scenario by dotted key, as text (`–` when absent).
    pub fn setting(&self, key: &str) -> String {
        setting(&self.scenario, key)
    }

    /// Waves and steps as `14, 40, 78`.
    pub fn steps_text(&self) -> String {
        self.summary
            .waves()
            .iter()
            .map(|w| w.1.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A value of a TOML table by dotted key, as text (`–` when absent).
pub fn setting(t: &toml::Table, key: &str) -> String {
    let key = crate::scenario::effect::scenario_key(key);
    let mut parts = key.split('.');
    let Some(first) = parts.next() else {
        return "–".into();
    };
    let mut cur = t.get(first);
    for p in parts {
        cur = cur.and_then(|v| v.get(p));
    }
    match cur {
        Some(toml::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => "–".into(),
    }
}

/// Short form of a commit hash (12 characters, `-dirty` kept).
pub fn short_commit(c: &str) -> String {
    match c.split_once('-') {
        Some((h, rest)) if h.len() > 12 => format!("{}-{rest}", &h[..12]),
        _ if c.len() > 12 && c.chars().all(|x| x.is_ascii_hexdigit()) => c[..12].to_string(),
        _ => c.to_string(),
    }
}

/// Statistics of the summary table, in order: the main ones, then composition, change and
/// archetypes.
fn table_statistics() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = MAIN_STATISTICS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    for (stat, label, _) in kind_series() {
        v.push((stat, format!("Organisations: {label}")));
    }
    for (stat, label, _) in origin_series().into_iter().skip(1) {
        v.push((stat, format!("Ties of {label} origin (share)")));
    }
    for (stat, label) in [
        (
            "tie_persistence",
            "Ties kept from the previous wave (share)",
        ),
        (
            "tie_jaccard",
            "Tie-set similarity to the previous wave (Jaccard)",
        ),
        (
            "organisation_retention",
            "Organisations kept from the previous wave (share)",
        ),
        ("entrants", "Entrants since the previous wave"),
        ("entrants.third_sector", "Entrants: third sector"),
        ("entrants.firm", "Entrants: firm"),
    ] {
        v.push((stat.into(), label.into()));
    }
    for (a, label) in ARCHETYPES {
        v.push((
            format!("archetype_count.{a}"),
            format!("Partnerships {label}"),
        ));
    }
    v
}

/// A table of statistics by wave: mean, interval and Monte Carlo error per cell.
pub fn wave_table(s: &Summary, scope: &str, stats: &[(String, String)]) -> String {
    let waves = s.waves();
    let mut head = vec!["statistic".to_string()];
    head.extend(
        waves
            .iter()
            .map(|(w, st)| format!("wave {w}<br><span class=\"se\">step {st}</span>")),
    );
    let rows: Vec<Vec<String>> = stats
        .iter()
        .filter(|(stat, _)| waves.iter().any(|&(w, _)| s.get(scope, stat, w).is_some()))
        .map(|(stat, label)| {
            let mut r = vec![format!(
                "{}<br><code class=\"se\">{}</code>",
                esc(label),
                esc(stat)
            )];
            for &(w, _) in &waves {
                r.push(match s.get(scope, stat, w) {
                    Some(row) => interval_cell(&row.d),
                    None => "<span class=\"na\">–</span>".into(),
                });
            }
            r
        })
        .collect();
    table(&head, &rows, 1)
}

/// The pattern targets: met or not, with the share of replicates meeting each.
pub fn patterns_table(patterns: &[PatternRow]) -> String {
    let head: Vec<String> = [
        "pattern",
        "target",
        "replicates meeting it (± MC se)",
        "needed",
        "met",
        "value: mean (2.5–97.5%)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = patterns
        .iter()
        .map(|p| {
            let d = &p.value;
            let name = if p.says.is_empty() {
                esc(&p.name)
            } else {
                format!(
                    "{}<br><span class=\"ci\">{}</span>",
                    esc(&p.name),
                    esc(&p.says)
                )
            };
            let scope = if p.scope == "network" {
                String::new()
            } else {
                format!(" <span class=\"ci\">({})</span>", esc(&p.scope))
            };
            vec![
                name,
                format!("<code>{}</code>{scope}", esc(&p.formula)),
                format!(
                    "{}% <span class=\"ci\">± {}</span>",
                    sig(100.0 * p.share_met, 3),
                    sig(100.0 * p.share_met_mcse, 2)
                ),
                format!("{}%", sig(100.0 * p.required_share, 3)),
                if p.met {
                    "<span class=\"good\">met</span>".to_string()
                } else {
                    "<span class=\"warn\">not met</span>".to_string()
                },
                format!(
                    "{} <span class=\"ci\">[{}, {}]</span>",
                    sig(d.mean, 3),
                    sig(d.p2_5, 3),
                    sig(d.p97_5, 3)
                ),
            ]
        })
        .collect();
    table(&head, &rows, 1)
}

/// The observed targets beside the simulated values.
pub fn targets_table(targets: &[TargetRow]) -> String {
    let head: Vec<String> = [
        "statistic",
        "wave",
        "scope",
        "observed (95% interval)",
        "simulated mean (2.5–97.5%)",
        "replicates below observed",
        "z",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = targets
        .iter()
        .map(|t| {
            let d = &t.simulated;
            // An observed value's standard error comes without degrees of freedom.
            let observed_half = half_width(t.observed_se, f64::INFINITY);
            let sim = if d.n == 0 {
                "<span class=\"warn\">not in this run</span>".to_string()
            } else {
                format!(
                    "{} <span class=\"ci\">[{}, {}]</span>",
                    sig(d.mean, 3),
                    sig(d.p2_5, 3),
                    sig(d.p97_5, 3)
                )
            };
            let inside = d.n > 0 && t.observed >= d.p2_5 && t.observed <= d.p97_5;
            let below = if t.share_below.is_nan() {
                "–".to_string()
            } else {
                let cls = if inside { "good" } else { "warn" };
                format!(
                    "<span class=\"{cls}\">{}%</span>",
                    sig(100.0 * t.share_below, 3)
                )
            };
            vec![
                format!("<code>{}</code>", esc(&t.statistic)),
                t.wave.to_string(),
                esc(&t.scope),
                format!(
                    "{} <span class=\"ci\">[{}, {}]</span>",
                    sig(t.observed, 3),
                    sig(t.observed - observed_half, 3),
                    sig(t.observed + observed_half, 3)
                ),
                sim,
                below,
                sig(t.z, 2),
            ]
        })
        .collect();
    table(&head, &rows, 3)
}

/// Short archetype labels for the territory table, in [`ARCHETYPES`] order.
const SHORT: [&str; 5] = [
    "ente gestore",
    "third sector",
    "other kind",
    "polycentric",
    "undetermined",
];

/// Per territory and wave: the most frequent archetype and its share of replicates.
fn territory_archetypes(s: &Summary) -> Option<String> {
    let scopes: Vec<&str> = s
        .scopes()
        .into_iter()
        .filter(|x| x.starts_with("territory:"))
        .collect();
    if scopes.is_empty() {
        return None;
    }
    let waves = s.waves();
    let mut head = vec!["territory".to_string()];
    head.extend(waves.iter().map(|(w, _)| format!("wave {w}")));
    let rows: Vec<Vec<String>> = scopes
        .iter()
        .map(|scope| {
            let mut r = vec![esc(scope.trim_start_matches("territory:"))];
            for &(w, _) in &waves {
                let best = ARCHETYPES
                    .iter()
                    .zip(SHORT)
                    .zip(ARCHETYPE_COLOURS)
                    .filter_map(|((&(a, _), label), c)| {
                        s.get(scope, &format!("archetype.{a}"), w)
                            .filter(|row| row.d.n > 0)
                            .map(|row| (row.d.mean, label, c))
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                r.push(match best {
                    Some((share, label, c)) => format!(
                        "<span style=\"white-space:nowrap\"><span style=\"color:rgb({},{},{})\">■</span> \
                         {label} <span class=\"ci\">{}%</span></span>",
                        c.0,
                        c.1,
                        c.2,
                        sig(100.0 * share, 3)
                    ),
                    None => "–".into(),
                });
            }
            r
        })
        .collect();
    Some(table(&head, &rows, 1).replace("class=\"num\"", ""))
}

fn facts(items: &[(&str, String)]) -> String {
    let mut h = String::from("<dl class=\"facts\">\n");
    for (k, v) in items {
        h.push_str(&format!("<div><dt>{}</dt><dd>{v}</dd></div>\n", esc(k)));
    }
    h.push_str("</dl>\n");
    h
}

fn files_table(m: &Manifest) -> String {
    let head: Vec<String> = ["file", "what", "bytes", "sha256"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let rows: Vec<Vec<String>> = m
        .inputs
        .iter()
        .map(|f| (f, "input: "))
        .chain(m.files.iter().map(|f| (f, "")))
        .map(|(f, what)| {
            vec![
                format!("<code>{}</code>", esc(&f.path)),
                format!("{what}{}", esc(&f.role.replace('_', " "))),
                thousands(f.bytes),
                format!(
                    "<code title=\"{}\">{}…</code>",
                    esc(&f.sha256),
                    esc(&f.sha256[..f.sha256.len().min(16)])
                ),
            ]
        })
        .collect();
    table(&head, &rows, 2)
}

/// A citation line for a run.
pub fn citation(m: &Manifest) -> String {
    format!(
        "wecare {} (commit {}), scenario “{}” (scenario.toml sha256 {}…), {}, \
         master seed {}; run {} started {}.",
        m.engine.version,
        short_commit(&m.engine.git_commit),
        m.scenario.name,
        &m.scenario.sha256[..m.scenario.sha256.len().min(12)],
        crate::report::fmt::count(m.replicates, "replicate"),
        m.master_seed,
        m.run_id,
        m.started_utc
    )
}

/// Writes `plots/` and `report.html` of the run directory `dir` from its files; returns the
/// paths written, relative to `dir`.
pub fn build_report(dir: &Path, manifest: &Manifest) -> Result<Vec<String>> {
    draw_report(dir, manifest)?.finish(manifest)
}

/// A run report with its figures drawn, waiting for the complete manifest (the report lists
/// every recorded file with its checksum).
pub struct ReportDraft {
    run: RunData,
    reps: String,
    figures: RunFigures,
    network_html: String,
    plots: Plots,
}

/// Draws the figures of the report of the run directory `dir` (`plots/`), from
/// `summary.csv`, `targets.csv`, `patterns.csv`, `networks/` and `manifest`, of which only
/// the scenario and settings are read: the recorded files may still be incomplete.
pub fn draw_report(dir: &Path, manifest: &Manifest) -> Result<ReportDraft> {
    let run = RunData::load(dir, manifest.clone())?;
    let mut plots = Plots {
        dir: dir.join("plots"),
        written: Vec::new(),
    };
    let reps = crate::report::fmt::count(run.manifest.replicates, "replicate");
    // The network drawings do not depend on the figures across waves: drawn at the same time,
    // their files listed after the figures' as when drawn one after the other.
    let mut network_plots = Plots {
        dir: plots.dir.clone(),
        written: Vec::new(),
    };
    let (figures, network_html) = std::thread::scope(|sc| {
        let network = sc.spawn(|| network_sections(&run, &mut network_plots));
        let figures = RunFigures::render(&run, &reps, &mut plots);
        (figures, super::run::joined(network))
    });
    let (figures, network_html) = (figures?, network_html?);
    plots.written.append(&mut network_plots.written);
    Ok(ReportDraft {
        run,
        reps,
        figures,
        network_html,
        plots,
    })
}

impl ReportDraft {
    /// Writes `report.html` with the complete `manifest` and returns the report's files,
    /// relative to the run directory.
    pub fn finish(mut self, manifest: &Manifest) -> Result<Vec<String>> {
        self.run.manifest = manifest.clone();
        let ReportDraft {
            run,
            reps,
            figures,
            network_html,
            plots,
        } = self;
        let m = &run.manifest;
        let mut b = String::new();
        b.push_str(&format!(
            "<header>\n<p class=\"kicker\">wecare run report</p>\n<h1>{}</h1>\n<p class=\"lead\">{}</p>\n</header>\n",
            esc(&m.scenario.name),
            esc(&m.scenario.description)
        ));
        b.push_str(&run_facts(&run, &reps));
        b.push_str(&targets_section(&run.targets));
        b.push_str(&patterns_section(&run.patterns));
        b.push_str(&figures.section(&run.summary, &reps));
        b.push_str(&network_html);
        b.push_str(&summary_section(&run.summary));
        b.push_str(&reproduce_section(m));
        let html = page(
            &format!("{} · wecare run {}", m.scenario.name, m.run_id),
            &b,
        );
        replace_atomically(&run.dir.join("report.html"), html.as_bytes())?;
        let mut written = plots.written;
        written.push("report.html".into());
        Ok(written)
    }
}

/// The `plots/` directory of a report and the files written into it.
struct Plots {
    dir: PathBuf,
    /// Paths relative to the run directory.
    written: Vec<String>,
}

impl Plots {
    /// Writes `plots/<stem>.svg` and `.png`; returns the SVG text.
    fn save(&mut self, fig: &impl Figure, stem: &str) -> Result<String> {
        let svg = render(fig, &self.dir, stem)?;
        self.record(stem);
        Ok(svg)
    }

    /// Lists `plots/<stem>.svg` and `.png` as written.
    fn record(&mut self, stem: &str) {
        self.written.push(format!("plots/{stem}.svg"));
        self.written.push(format!("plots/{stem}.png"));
    }
}

/// The report's figures across waves, as SVG text for inlining.
struct RunFigures {
    trajectories: String,
    kinds: String,
    origins: String,
    archetypes: String,
}

impl RunFigures {
    fn render(run: &RunData, reps: &str, plots: &mut Plots) -> Result<RunFigures> {
        let name = &run.manifest.scenario.name;
        let view = RunView {
            label: name.clone(),
            summary: &run.summary,
            targets: &run.targets,
            step_unit: run.setting("timeline.step_unit"),
        };
        let steps = run.steps_text();
        let band_note = format!(
            "{reps} · line: mean; band: 2.5–97.5 percentiles across replicates · waves at steps {steps} ({}s)",
            view.step_unit
        );
        let bars_note = format!(
            "{reps} · line: mean; bands: 2.5–97.5 percentiles across replicates (dashed edges) · waves at steps {steps} ({}s)",
            view.step_unit
        );
        let traj = per_statistic_grid(
            std::slice::from_ref(&view),
            &trajectory_statistics(&[&run.targets]),
            4,
            format!("{name}: the network across waves"),
            band_note,
        );
        let panel = |series: &[(String, String, plotters::style::RGBColor)],
                     panel_title: &str,
                     title: &str,
                     stem: &str| {
            let fig = one_panel(&view, series, panel_title, title.into(), bars_note.clone());
            render(&fig, &plots.dir, stem)
        };
        // The grid of trajectories costs about as much as the three panels together: it is
        // drawn on a thread of its own while they are drawn here.
        let (trajectories, panels) = std::thread::scope(|sc| {
            let trajectories = sc.spawn(|| render(&traj, &plots.dir, "trajectories"));
            let panels = [
                (
                    kind_series(),
                    "Active organisations by kind",
                    "Organisations by kind",
                    "kinds",
                ),
                (
                    origin_series(),
                    "Share of ties by origin",
                    "Tie origins: the return to the past",
                    "origins",
                ),
                (
                    archetype_series(&[&run.summary]),
                    "Territories by partnership archetype",
                    "Partnership archetypes",
                    "archetypes",
                ),
            ]
            .map(|(series, panel_title, title, stem)| panel(&series, panel_title, title, stem));
            (super::run::joined(trajectories), panels)
        });
        let [kinds, origins, archetypes] = panels;
        let figures = RunFigures {
            trajectories: trajectories?,
            kinds: kinds?,
            origins: origins?,
            archetypes: archetypes?,
        };
        for stem in ["trajectories", "kinds", "origins", "archetypes"] {
            plots.record(stem);
        }
        Ok(figures)
    }

    /// The "Across waves" section with the archetypes per territory beside their figure.
    fn section(&self, summary: &Summary, reps: &str) -> String {
        let mut b = String::from("<h2>Across waves</h2>\n");
        b.push_str(&figure(
            "trajectories",
            &self.trajectories,
            &format!(
                "Main statistics of the whole network at each wave: the line joins the means over {reps}, \
                 the band spans their 2.5 and 97.5 percentiles (what one replicate, i.e. one possible history, may show); \
                 black squares are observed targets with their 95% interval."
            ),
        ));
        b.push_str("<div class=\"two\">\n");
        b.push_str(&figure(
            "kinds",
            &self.kinds,
            "Active organisations of each kind: widening toward the third sector and firms during the programme shows as their lines rising at wave 2.",
        ));
        b.push_str(&figure(
            "origins",
            &self.origins,
            "Share of active ties by origin. A “return to the past” shows as the baseline share rising again after the programme.",
        ));
        b.push_str("</div>\n<div class=\"two\">\n");
        b.push_str(&figure(
            "archetypes",
            &self.archetypes,
            "Number of territories whose partnership is centred on an ente gestore, on a third-sector organisation, or polycentric (archetypes never seen are left out).",
        ));
        b.push_str("<div>\n");
        match territory_archetypes(summary) {
            Some(t) => {
                b.push_str("<h3>Most frequent archetype per territory</h3>\n<p class=\"note\">The archetype the territory's partnership has in most replicates (centred on an ente gestore, on a third-sector organisation or on another kind, or polycentric), and the share of replicates in which it has it.</p>\n");
                b.push_str(&t);
            }
            None => b.push_str(
                "<h3>Per territory</h3>\n<p class=\"note\">This run computed network-wide statistics only. Run with \
                 <code>--per-territory</code> (or <code>observation.per_territory = true</code>) to get every \
                 statistic per territory in <code>summary.csv</code> and the archetype of each territory here.</p>\n",
            ),
        }
        b.push_str("</div>\n</div>\n");
        b
    }
}

/// One section per drawn replicate network (`output.network_drawings` of the kept ones).
fn network_sections(run: &RunData, plots: &mut Plots) -> Result<String> {
    let m = &run.manifest;
    let mut html = String::new();
    let drawings = run
        .scenario
        .get("output")
        .and_then(|o| o.get("network_drawings"))
        .and_then(|v| v.as_integer())
        .unwrap_or(1)
        .max(0) as usize;
    for &r in m.networks.iter().take(drawings) {
        let waves = read_replicate_networks(&run.dir, r)?;
        let fig = NetworkFigure::new(
            format!("{}: replicate {r}, wave by wave", m.scenario.name),
            "one layout for every wave (territories as clusters, in name order) · \
             organisations by kind, sized by degree · ties by origin · faint dots: not active at that wave"
                .into(),
            &waves,
            &run.summary.waves(),
            &run.leads(),
        );
        match fig {
            Some(fig) => {
                let stem = format!("network-replicate-{r}");
                let svg = plots.save(&fig, &stem)?;
                html.push_str(&format!(
                    "<h2>The network of replicate {r}</h2>\n{}",
                    figure(
                        &stem,
                        &svg,
                        &format!(
                            "The wave networks of replicate {r} (files in <code>networks/replicate-{r}/</code>). \
                             Grey ties existed before the programme, red ones formed during it, violet ones after it; ties across territories are drawn fainter."
                        )
                    )
                ));
            }
            None => html.push_str(&format!(
                "<h2>The network of replicate {r}</h2>\n<p class=\"note\">Not drawn: no organisations, \
                 or more than {} (open <code>networks/replicate-{r}/*.graphml</code> in Gephi).</p>\n",
                super::plot::network::MAX_DRAWN
            )),
        }
    }
    Ok(html)
}

/// The facts of a run: when, how many replicates, which engine, timeline and design.
fn run_facts(run: &RunData, reps: &str) -> String {
    let m = &run.manifest;
    let off: Vec<String> = [
        "trust_to_formation",
        "trust_to_persistence",
        "social_capital_to_adoption",
        "adoption_to_social_capital",
    ]
    .iter()
    .filter(|k| run.setting(&format!("feedback.{k}")) == "false")
    .map(|k| k.replace('_', " "))
    .collect();
    facts(&[
        ("run", format!("<code>{}</code>", esc(&m.run_id))),
        ("started (UTC)", esc(&m.started_utc)),
        ("replicates", reps.to_string()),
        ("master seed", m.master_seed.to_string()),
        (
            "simulation time",
            format!("{} s on {} threads", sig(m.wall_seconds, 3), m.threads),
        ),
        (
            "engine",
            format!(
                "wecare {} <code>{}</code>",
                esc(&m.engine.version),
                esc(&short_commit(&m.engine.git_commit))
            ),
        ),
        (
            "timeline",
            format!(
                "{} pre + {} programme + {} post ({}s)",
                run.setting("timeline.pre"),
                run.setting("timeline.programme"),
                run.setting("timeline.post"),
                esc(&run.setting("timeline.step_unit"))
            ),
        ),
        ("waves at steps", esc(&run.steps_text())),
        (
            "recruitment area",
            esc(&run.setting("funding.recruit_area")),
        ),
        (
            "follow-on funding",
            format!("{} steps", run.setting("funding.follow_on")),
        ),
        (
            "feedback channels off",
            if off.is_empty() {
                "none".into()
            } else {
                esc(&off.join(", "))
            },
        ),
        (
            "scenario file",
            format!("<code>{}</code>", esc(&m.scenario.source)),
        ),
    ])
}

/// The "Observed and simulated" section (empty without targets).
fn targets_section(targets: &[TargetRow]) -> String {
    if targets.is_empty() {
        return String::new();
    }
    format!(
        "<h2>Observed and simulated</h2>\n<p class=\"note\">Each target statistic of the scenario \
         beside the ensemble's distribution of the same statistic. <em>Replicates below observed</em> is the \
         share of replicates whose value lies below the observation (green when the observation lies inside \
         the simulated 2.5–97.5% interval); <em>z</em> is (simulated mean − observed) / observed SE.</p>\n{}",
        targets_table(targets)
    )
}

/// The "Observed patterns" section (empty without pattern targets).
fn patterns_section(patterns: &[PatternRow]) -> String {
    if patterns.is_empty() {
        return String::new();
    }
    let met = patterns.iter().filter(|p| p.met).count();
    format!(
        "<h2>Observed patterns</h2>\n<p class=\"note\">{met} of {} pattern targets met. Each \
         pattern of the scenario is a range or an ordering of wave statistics; a replicate meets \
         it when its value lies in the range, and the run meets it when at least the needed share \
         of replicates do. ± is the Monte Carlo standard error of the share, √(p(1−p)/n). For an \
         ordering the value is the difference between the larger side and the largest of the \
         other side.</p>\n{}",
        patterns.len(),
        patterns_table(patterns)
    )
}

/// The "Summary by wave" section: the main statistics, and every network statistic folded.
fn summary_section(summary: &Summary) -> String {
    let mut b = String::from(
        "<h2>Summary by wave</h2>\n<p class=\"note\">Mean over replicates, [2.5, 97.5] percentiles, and ± the \
        Monte Carlo standard error of the mean (sd/√n). Every statistic and scope is in <code>summary.csv</code>; \
        definitions in <code>docs/statistics.md</code>.</p>\n",
    );
    b.push_str(&wave_table(summary, "network", &table_statistics()));
    let mut seen: Vec<String> = Vec::new();
    for r in summary.rows.iter().filter(|r| r.scope == "network") {
        if !seen.contains(&r.statistic) {
            seen.push(r.statistic.clone());
        }
    }
    let all: Vec<(String, String)> = seen.into_iter().map(|s| (s.clone(), s)).collect();
    b.push_str(&format!(
        "<details><summary>Every network statistic ({})</summary>\n{}</details>\n",
        all.len(),
        wave_table(summary, "network", &all)
    ));
    b
}

/// The "Reproduce and cite" section: the re-run command, the files, the scenario as run.
fn reproduce_section(m: &Manifest) -> String {
    let mut b = String::from("<h2>Reproduce and cite</h2>\n");
    b.push_str(&format!(
        "<p>Re-run bit for bit (same <code>replicates.csv</code>) with</p>\n<pre>{}</pre>\n\
         <p>Rebuild this report from the files with</p>\n<pre>wecare report {}</pre>\n\
         <p class=\"cite\">{}</p>\n",
        esc(&m.rerun),
        esc(&m.directory),
        esc(&citation(m))
    ));
    b.push_str("<h3>Files</h3>\n");
    b.push_str(&files_table(m));
    b.push_str(&format!(
        "<details><summary>The scenario as run (<code>scenario.toml</code>, every default filled in)</summary>\n<pre>{}</pre>\n</details>\n",
        esc(&m.scenario.toml)
    ));
    b.push_str(&format!(
        "<footer>Written by wecare {} from the files of this run directory; every number above is in \
         <code>summary.csv</code> or <code>targets.csv</code>. Column definitions: <code>docs/results.md</code>.</footer>\n",
        esc(&m.engine.version)
    ));
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_and_short_commits() {
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(
            short_commit("0123456789abcdef0123-dirty"),
            "0123456789ab-dirty"
        );
        assert_eq!(short_commit("unknown"), "unknown");
    }
}
