//! Scenario files: one TOML file describes a whole run (data, timeline, effects, funding
//! design, Monte Carlo settings, outputs). Every field has a default; `wecare defaults` prints
//! them all with their units ([`DEFAULTS_TOML`]).

pub mod calibration;
mod dataset;
pub mod effect;
mod load;
pub mod outcome;
pub mod parameters;
pub mod params;
pub mod pattern;
pub mod prior;
pub mod sweep;
mod validate;

pub use calibration::CalibrationSpec;
pub use dataset::DatasetError;
pub use load::{Problem, ScenarioError};
pub use params::{
    Adoption, Dissolution, Exit, Feedback, Formation, Funding, Initiative, Params, Rules, Timeline,
    Trust,
};
pub use pattern::Pattern;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
pub use sweep::Sweep;

/// The complete, commented default scenario (what `wecare defaults` prints).
pub const DEFAULTS_TOML: &str = include_str!("defaults.toml");

/// The shipped default data set's directory in the source tree the engine was built from.
const DEFAULT_DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/data");

/// The default scenario as `wecare defaults` prints it: [`DEFAULTS_TOML`] with the default data
/// set's paths made absolute when the source tree is still there, so the printed scenario
/// validates wherever it is saved. Returns the text and whether the paths were made absolute.
pub fn printable_defaults() -> (String, bool) {
    let dir = Path::new(DEFAULT_DATA_DIR);
    if !dir.join("wecare-measure1/organisations.csv").is_file() {
        return (DEFAULTS_TOML.to_string(), false);
    }
    let data = format!("\"{}/", dir.display());
    let text = DEFAULTS_TOML
        .lines()
        .map(|l| {
            // Only the four `[data]` keys name the default data set, at the start of the line.
            if l.contains("= \"data/wecare-measure1/") && !l.starts_with('#') {
                l.replacen("\"data/", &data, 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.replace(
        "# Paths are relative to this file.",
        "# Relative paths are relative to this file.",
    );
    (text + "\n", true)
}

/// Name and description of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Meta {
    /// Short name, used for the results directory (default `wecare-measure1`).
    pub name: String,
    /// Free text.
    pub description: String,
}

impl Default for Meta {
    fn default() -> Self {
        Meta {
            name: "wecare-measure1".into(),
            description: String::new(),
        }
    }
}

/// Input files, relative to the scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DataSpec {
    /// Organisations CSV (`id,kind,territory[,capacity][,active]`).
    pub organisations: Option<PathBuf>,
    /// Baseline ties CSV (`from,to[,trust]`).
    pub ties: Option<PathBuf>,
    /// Remembered past (dormant) ties CSV (`from,to[,trust]`).
    pub history: Option<PathBuf>,
    /// Projects CSV (`id,territory,lead,budget,partners`).
    pub projects: Option<PathBuf>,
    /// A GraphML file with organisations, baseline ties (`status=active`) and history ties
    /// (`status=dormant`), instead of the organisations, ties and history CSV files.
    pub graphml: Option<PathBuf>,
}

/// A project given inline in the scenario instead of a projects file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlineProject {
    /// Project id.
    pub id: String,
    /// Territory name.
    pub territory: String,
    /// Lead organisation id.
    pub lead: String,
    /// Budget in EUR (> 0).
    pub budget: f64,
    /// Partner organisation ids.
    #[serde(default)]
    pub partners: Vec<String>,
}

/// An observed value of a wave statistic, with its standard error: shown beside the
/// simulated values in reports, and matched by calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Statistic name, as in `replicates.csv` (e.g. `initiative_share`).
    pub statistic: String,
    /// Wave number, 1-based.
    pub wave: usize,
    /// Scope (default `network`).
    #[serde(default = "network_scope")]
    pub scope: String,
    /// Observed value.
    pub value: f64,
    /// Standard error of the observed value (> 0).
    pub se: f64,
}

fn network_scope() -> String {
    "network".into()
}

/// What is observed at each wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Observation {
    /// Also compute every statistic per territory (default false): summarised per territory
    /// in `summary.csv`, and per replicate in `replicates.csv` with
    /// `output.territory_replicates`. Adds about 30% to the run time of the default scenario.
    pub per_territory: bool,
    /// Degree centralization at or above which a partnership is `*_centred` (default 0.5).
    pub archetype_threshold: f64,
    /// The statistics observed (default: every statistic): names, prefixes ending in `*`
    /// (`"sc_*"`), and entries starting with `!` that leave statistics out
    /// (`["*", "!betweenness_centralization"]`). The others are not computed where they can be left out (docs/statistics.md,
    /// "Declared statistics"). Targets and patterns must name observed statistics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<Vec<String>>,
}

impl Default for Observation {
    fn default() -> Self {
        Observation {
            per_territory: false,
            archetype_threshold: 0.5,
            statistics: None,
        }
    }
}

/// Monte Carlo settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonteCarlo {
    /// Number of replicates (default 100).
    pub replicates: u64,
    /// Master seed; replicate r uses streams derived from (seed, r) (default 20170101).
    pub seed: u64,
    /// Worker threads; 0 means one per core (default 0). Results do not depend on it.
    pub threads: usize,
}

impl Default for MonteCarlo {
    fn default() -> Self {
        MonteCarlo {
            replicates: 100,
            seed: 20170101,
            threads: 0,
        }
    }
}

/// Where and what a run writes (`docs/results.md` lists every file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Output {
    /// Results root, relative to the working directory (default `results`); each run writes a
    /// new directory `<dir>/<scenario name>/<run id>/`.
    pub dir: PathBuf,
    /// Replicates whose wave networks are written to `networks/` as GraphML and CSV
    /// (default `[0]`; empty for none).
    pub networks: Vec<u64>,
    /// How many of those replicates get a drawing of their networks in `plots/` (default 1:
    /// the first listed).
    pub network_drawings: usize,
    /// Write the plots (`plots/`, SVG and PNG) and `report.html` (default true).
    pub report: bool,
    /// With `observation.per_territory`, also write every replicate's per-territory values to
    /// `replicates.csv` (default false: they are summarised in `summary.csv` only; about 340 MB
    /// for 1,000 replicates of the default scenario).
    pub territory_replicates: bool,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            dir: PathBuf::from("results"),
            networks: vec![0],
            network_drawings: 1,
            report: true,
            territory_replicates: false,
        }
    }
}

impl Output {
    /// What is wrong with `networks` for an ensemble of `replicates`, if anything: every
    /// index must name a replicate, once.
    pub fn networks_problem(&self, replicates: u64) -> Option<String> {
        for (k, &r) in self.networks.iter().enumerate() {
            if r >= replicates {
                return Some(format!(
                    "replicate {r} does not exist (replicates are numbered 0..{replicates})"
                ));
            }
            if self.networks[..k].contains(&r) {
                return Some(format!("replicate {r} is listed twice"));
            }
        }
        None
    }
}

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Name and description.
    pub scenario: Meta,
    /// Input files.
    pub data: DataSpec,
    /// Projects given inline (instead of `data.projects`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<InlineProject>,
    /// Observed target statistics (`[[targets]]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    /// Pattern targets (`[[patterns]]`): ranges and orderings of wave statistics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patterns: Vec<Pattern>,
    /// Phases and waves.
    pub timeline: Timeline,
    /// Tie formation.
    pub formation: Formation,
    /// Tie dissolution.
    pub dissolution: Dissolution,
    /// Trust.
    pub trust: Trust,
    /// Adoption of the innovative practice.
    pub adoption: Adoption,
    /// Post-programme initiatives.
    pub initiative: Initiative,
    /// Exit from the field.
    pub exit: Exit,
    /// Feedback channels.
    pub feedback: Feedback,
    /// Funding design.
    pub funding: Funding,
    /// Modelling choices the original model outline left open (docs/ODD.md, section 10).
    pub rules: Rules,
    /// Observation settings.
    pub observation: Observation,
    /// Monte Carlo settings.
    pub montecarlo: MonteCarlo,
    /// Outputs.
    pub output: Output,
    /// Parameter sweep and sensitivity settings (`[sweep]`; see `wecare sweep`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
    /// Calibration against observed waves (`[calibration]`, see docs/calibration.md).
    pub calibration: CalibrationSpec,
    /// Directory of the scenario file (relative data paths resolve against it).
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The file's name and text, to locate problems found after parsing.
    #[serde(skip)]
    source: Source,
}

/// Name and text of the file a scenario came from; never part of equality.
#[derive(Debug, Clone, Default)]
struct Source(Option<std::sync::Arc<(String, String)>>);

impl PartialEq for Source {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Scenario {
    /// Reads, parses and validates a scenario file (not its data).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        load::load(path)
    }

    /// Parses and validates scenario text; `file` names it in errors, `base_dir` resolves data
    /// paths.
    pub fn parse(text: &str, file: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
        load::parse(text, file, base_dir)
    }

    /// The simulation parameters of this scenario.
    pub fn params(&self) -> Params {
        Params {
            timeline: self.timeline.clone(),
            formation: self.formation.clone(),
            dissolution: self.dissolution.clone(),
            trust: self.trust.clone(),
            adoption: self.adoption.clone(),
            initiative: self.initiative.clone(),
            exit: self.exit.clone(),
            feedback: self.feedback,
            funding: self.funding.clone(),
            rules: self.rules.clone(),
        }
    }

    /// Writes simulation parameters back into the scenario's sections.
    pub(crate) fn set_params(&mut self, p: Params) {
        self.timeline = p.timeline;
        self.formation = p.formation;
        self.dissolution = p.dissolution;
        self.trust = p.trust;
        self.adoption = p.adoption;
        self.initiative = p.initiative;
        self.exit = p.exit;
        self.feedback = p.feedback;
        self.funding = p.funding;
        self.rules = p.rules;
    }

    /// A data path resolved against the scenario's directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// The scenario with its data paths made absolute, so it can be re-run from anywhere.
    pub fn with_resolved_paths(&self) -> Scenario {
        let mut s = self.clone();
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(x) = p {
                let r = self.resolve(x);
                *x = std::fs::canonicalize(&r).unwrap_or(r);
            }
        };
        fix(&mut s.data.organisations);
        fix(&mut s.data.ties);
        fix(&mut s.data.history);
        fix(&mut s.data.projects);
        fix(&mut s.data.graphml);
        for p in &mut s.calibration.observed {
            let r = self.resolve(p);
            *p = std::fs::canonicalize(&r).unwrap_or(r);
        }
        s
    }

    /// The scenario as TOML with every value filled in.
    pub fn to_toml(&self) -> String {
        // Serialising plain data to TOML cannot fail for these types.
        toml::to_string(self).unwrap_or_default()
    }

    /// Reads a numeric parameter by its dotted key path (e.g. `formation.rate.post`); effects
    /// also by qualified name (`formation.closure` for `formation.effects.closure`).
    pub fn get_number(&self, key: &str) -> Option<f64> {
        let key = &effect::scenario_key(key);
        let v = toml::Value::try_from(self).ok()?;
        let mut cur = &v;
        for part in key.split('.') {
            cur = cur.get(part)?;
        }
        cur.as_float()
            .or_else(|| cur.as_integer().map(|i| i as f64))
    }

    /// Sets a numeric parameter by its dotted key path and re-validates the scenario; an
    /// integer parameter takes only whole values. Errors name this scenario's file.
    pub fn set_number(&self, key: &str, value: f64) -> Result<Scenario, ScenarioError> {
        self.with_numbers(&[(key.to_string(), value)], "", Integers::Exact)
    }

    /// Sets numeric parameters by their dotted key paths (effects also by qualified name) and
    /// re-validates the scenario. `origin` is the key path of the section that asked for the
    /// values (`sweep` for a sweep point, empty for none): an error is reported in this
    /// scenario's file, located at `origin`, and names the values that were set, never a
    /// generated text.
    pub fn with_numbers(
        &self,
        values: &[(String, f64)],
        origin: &str,
        integers: Integers,
    ) -> Result<Scenario, ScenarioError> {
        let label = values
            .iter()
            .map(|(k, x)| format!("{k} = {x}"))
            .collect::<Vec<_>>()
            .join(", ");
        let located = |problems: Vec<(String, String)>| {
            self.located(
                problems
                    .into_iter()
                    .map(|(key, m)| {
                        let m = if key.is_empty() {
                            m
                        } else {
                            format!("`{key}`: {m}")
                        };
                        (origin.to_string(), format!("with {label}: {m}"))
                    })
                    .collect(),
            )
        };
        let fail = |key: &str, m: String| located(vec![(key.to_string(), m)]);
        let mut v = toml::Value::try_from(self).map_err(|e| fail("", e.to_string()))?;
        for (name, value) in values {
            let key = &effect::scenario_key(name);
            let parts: Vec<&str> = key.split('.').collect();
            let mut cur = &mut v;
            for part in &parts[..parts.len() - 1] {
                cur = cur
                    .get_mut(*part)
                    .ok_or_else(|| fail(name, "no such parameter".into()))?;
            }
            let slot = cur
                .as_table_mut()
                .and_then(|t| t.get_mut(parts[parts.len() - 1]))
                .ok_or_else(|| fail(name, "no such parameter".into()))?;
            *slot = match (&*slot, integers) {
                (toml::Value::Integer(_), Integers::Round) if value.is_finite() => {
                    toml::Value::Integer(value.round() as i64)
                }
                (toml::Value::Integer(_), Integers::Exact)
                    if value.is_finite() && value.fract() == 0.0 =>
                {
                    toml::Value::Integer(*value as i64)
                }
                (toml::Value::Integer(_), _) => {
                    return Err(fail(
                        name,
                        "an integer parameter needs a whole value".into(),
                    ));
                }
                (toml::Value::Float(_), _) => toml::Value::Float(*value),
                _ => return Err(fail(name, "not a number parameter".into())),
            };
        }
        let text = toml::to_string(&v).map_err(|e| fail("", e.to_string()))?;
        let mut s = load::parse(&text, &self.file_label(), &self.base_dir)
            .map_err(|e| located(e.problems.into_iter().map(|p| (p.key, p.message)).collect()))?;
        s.base_dir = self.base_dir.clone();
        Ok(s)
    }

    /// The scenario file's name as given (or `<scenario>` when built in code).
    pub fn file_label(&self) -> String {
        self.source
            .0
            .as_ref()
            .map(|s| s.0.clone())
            .unwrap_or_else(|| "<scenario>".into())
    }

    /// A [`ScenarioError`] for problems (key path, message) found after parsing, located in
    /// the scenario file.
    pub fn located(&self, problems: Vec<(String, String)>) -> ScenarioError {
        match &self.source.0 {
            Some(src) => load::locate_problems(&src.1, &src.0, problems),
            None => ScenarioError {
                file: self.file_label(),
                problems: problems
                    .into_iter()
                    .map(|(key, message)| Problem {
                        line: None,
                        column: None,
                        key,
                        message,
                    })
                    .collect(),
            },
        }
    }
}

/// How [`Scenario::with_numbers`] sets an integer parameter from a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integers {
    /// Only whole values are accepted (set by hand or by a calibration).
    Exact,
    /// The value is rounded to the nearest integer (points of a sweep or design).
    Round,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_file_is_the_default_scenario() {
        let s = Scenario::parse(DEFAULTS_TOML, "defaults.toml", Path::new(".")).unwrap();
        let f = |n: &str| Some(PathBuf::from(format!("data/wecare-measure1/{n}.csv")));
        let d = Scenario {
            base_dir: PathBuf::from("."),
            data: DataSpec {
                organisations: f("organisations"),
                ties: f("ties"),
                history: f("history"),
                projects: f("projects"),
                graphml: None,
            },
            ..Scenario::default()
        };
        assert_eq!(s, d);
    }

    /// `wecare defaults` prints every setting: each key a default calibration section
    /// serialises to (and `hold`, left out of written scenarios at its default) is a key of
    /// the defaults file's section.
    #[test]
    fn defaults_file_lists_every_calibration_setting() {
        let file: toml::Table = toml::from_str(DEFAULTS_TOML).unwrap();
        let spec = CalibrationSpec::default();
        for (name, value) in [
            ("abc", serde_json::to_value(&spec.abc).unwrap()),
            ("smm", serde_json::to_value(&spec.smm).unwrap()),
        ] {
            let section = file["calibration"][name].as_table().unwrap();
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            if name == "smm" {
                keys.push("hold".into());
            }
            for k in keys {
                assert!(
                    section.contains_key(&k),
                    "defaults.toml [calibration.{name}] lacks `{k}`"
                );
            }
        }
    }

    #[test]
    fn printed_defaults_name_the_data_set_by_absolute_path() {
        let (text, absolute) = printable_defaults();
        assert!(absolute, "the source tree's data set is present in tests");
        let s = Scenario::parse(&text, "defaults.toml", Path::new("/nonexistent")).unwrap();
        let orgs = s.data.organisations.clone().unwrap();
        assert!(orgs.is_absolute(), "{}", orgs.display());
        assert!(orgs.is_file(), "{}", orgs.display());
        // Everything but the data paths is the default scenario.
        let d = Scenario::parse(DEFAULTS_TOML, "defaults.toml", Path::new("/nonexistent")).unwrap();
        assert_eq!(s.montecarlo, d.montecarlo);
        assert_eq!(s.params(), d.params());
    }

    #[test]
    fn get_and_set_by_key() {
        let s = Scenario::parse(DEFAULTS_TOML, "defaults.toml", Path::new(".")).unwrap();
        assert_eq!(
            s.get_number("formation.effects.closure"),
            Some(s.formation.effects.get("closure"))
        );
        let t = s.set_number("formation.rate.post", 0.9).unwrap();
        assert_eq!(t.formation.rate.post, 0.9);
        let e = s.set_number("trust.decay", 2.0).unwrap_err();
        assert!(e.to_string().contains("trust.decay"), "{e}");
        assert!(s.set_number("formation.nope", 1.0).is_err());
    }
}
