//! Reading the data a scenario names, and the checks that need both scenario and data.

use super::params::LeadChoice;
use super::{Scenario, ScenarioError};
use crate::data::csv::{CsvPaths, read_dataset};
use crate::data::graphml::read_dataset_graphml;
use crate::data::{DataError, Dataset, Project, Warning};

/// Why the data a scenario names could not be read: the scenario or a data file is wrong.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The scenario file is wrong (a missing path, an inline project naming no organisation).
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// A data file is wrong, or does not fit the funding design.
    #[error("{0}")]
    Data(#[from] DataError),
}

type Result<T> = std::result::Result<T, DatasetError>;

impl Scenario {
    /// Reads the scenario's data set (CSV or GraphML files, inline projects) and checks it
    /// against the funding design (lead eligibility). Returns the warnings found.
    pub fn load_dataset(&self) -> Result<(Dataset, Vec<Warning>)> {
        let d = &self.data;
        let (mut ds, warnings) = if let Some(g) = &d.graphml {
            let (mut ds, mut w) = read_dataset_graphml(&self.resolve(g))?;
            if let Some(p) = &d.projects {
                let (projects, pw) = crate::data::csv::read_projects_for(&self.resolve(p), &ds)?;
                ds.projects = projects;
                w.extend(pw);
            }
            (ds, w)
        } else {
            let orgs = d.organisations.as_ref().ok_or_else(|| {
                ScenarioError::single(&self.file_label(), "data.organisations", "missing")
            })?;
            read_dataset(&CsvPaths {
                organisations: self.resolve(orgs),
                ties: d.ties.as_ref().map(|p| self.resolve(p)),
                history: d.history.as_ref().map(|p| self.resolve(p)),
                projects: d.projects.as_ref().map(|p| self.resolve(p)),
            })?
        };
        if !self.projects.is_empty() {
            ds.projects = self.inline_projects(&ds)?;
        }
        self.check_leads(&ds)?;
        Ok((ds, warnings))
    }

    fn inline_projects(&self, ds: &Dataset) -> Result<Vec<Project>> {
        let index = ds.index_by_id();
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for (k, p) in self.projects.iter().enumerate() {
            let find = |id: &str, key: String, problems: &mut Vec<(String, String)>| {
                let found = index.get(id).copied();
                if found.is_none() {
                    problems.push((
                        key,
                        format!("`{id}` is not an organisation of the data set"),
                    ));
                }
                found
            };
            let lead = find(&p.lead, format!("projects[{k}].lead"), &mut problems);
            let partners: Vec<Option<usize>> = p
                .partners
                .iter()
                .enumerate()
                .map(|(j, id)| find(id, format!("projects[{k}].partners[{j}]"), &mut problems))
                .collect();
            if let (Some(lead), true) = (lead, partners.iter().all(Option::is_some)) {
                out.push(Project {
                    id: p.id.clone(),
                    territory: p.territory.clone(),
                    lead,
                    budget: p.budget,
                    partners: partners.into_iter().flatten().collect(),
                });
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(self.located(problems).into())
        }
    }

    fn check_leads(&self, ds: &Dataset) -> Result<()> {
        let eligible = &self.funding.lead_eligible;
        let file = self
            .data
            .projects
            .as_ref()
            .map(|p| self.resolve(p).display().to_string())
            .unwrap_or_else(|| self.file_label());
        for p in &ds.projects {
            let lead = &ds.organisations[p.lead];
            if self.funding.lead_choice == LeadChoice::MostCentral {
                // The lead is chosen among the members at programme start: one must be eligible.
                let any = std::iter::once(p.lead)
                    .chain(p.partners.iter().copied())
                    .any(|i| eligible.contains(&ds.organisations[i].kind));
                if !any {
                    let names: Vec<&str> = eligible.iter().map(|k| k.name()).collect();
                    return Err(DatasetError::Data(DataError::file(
                        &file,
                        format!(
                            "project `{}` has no member of a kind allowed to lead ({}, funding.lead_eligible in {}), so funding.lead_choice = \"most_central\" cannot choose a lead",
                            p.id,
                            names.join(", "),
                            self.file_label(),
                        ),
                    )));
                }
                continue;
            }
            if !eligible.contains(&lead.kind) {
                let names: Vec<&str> = eligible.iter().map(|k| k.name()).collect();
                return Err(DatasetError::Data(DataError::file(
                    &file,
                    format!(
                        "project `{}` is led by `{}`, of kind {}, but funding.lead_eligible in {} allows only {}",
                        p.id,
                        lead.id,
                        lead.kind,
                        self.file_label(),
                        names.join(", ")
                    ),
                )));
            }
        }
        Ok(())
    }
}
