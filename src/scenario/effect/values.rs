//! The coefficients a scenario gives its effects, by name (`[formation.effects]`).

use super::{Coefficient, Process};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// Coefficients of one process's scalar effects, by name. Starts from the table's defaults;
/// a scenario's `[<process>.effects]` overrides some of them. Names the table does not know
/// are kept so that validation can report them where they are written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Effects(BTreeMap<String, f64>);

impl Effects {
    /// Every scalar effect of `process` at its default coefficient.
    pub fn defaults(process: Process) -> Effects {
        Effects(
            process
                .effects()
                .filter(|e| e.coefficient == Coefficient::Scalar)
                .map(|e| (e.name.to_string(), e.default))
                .collect(),
        )
    }

    /// The defaults of `process` with `given` written over them.
    pub fn with(process: Process, given: impl IntoIterator<Item = (String, f64)>) -> Effects {
        let mut e = Effects::defaults(process);
        e.0.extend(given);
        e
    }

    /// The coefficient of effect `name` (0 for a name the table does not know).
    pub fn get(&self, name: &str) -> f64 {
        self.0.get(name).copied().unwrap_or(0.0)
    }

    /// The coefficient of effect `name`, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut f64> {
        self.0.get_mut(name)
    }

    /// Sets the coefficient of effect `name`.
    pub fn set(&mut self, name: &str, value: f64) {
        self.0.insert(name.to_string(), value);
    }

    /// Every (name, coefficient), by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(k, &v)| (k.as_str(), v))
    }
}

/// Deserialises `[<process>.effects]` over the defaults of `process`.
fn overlay<'de, D: Deserializer<'de>>(d: D, process: Process) -> Result<Effects, D::Error> {
    let given = BTreeMap::<String, f64>::deserialize(d)?;
    Ok(Effects::with(process, given))
}

/// `deserialize_with` for `[formation.effects]`.
pub fn formation<'de, D: Deserializer<'de>>(d: D) -> Result<Effects, D::Error> {
    overlay(d, Process::Formation)
}

/// `deserialize_with` for `[dissolution.effects]`.
pub fn dissolution<'de, D: Deserializer<'de>>(d: D) -> Result<Effects, D::Error> {
    overlay(d, Process::Dissolution)
}

/// `deserialize_with` for `[adoption.effects]`.
pub fn adoption<'de, D: Deserializer<'de>>(d: D) -> Result<Effects, D::Error> {
    overlay(d, Process::Adoption)
}

/// `deserialize_with` for `[initiative.effects]`.
pub fn initiative<'de, D: Deserializer<'de>>(d: D) -> Result<Effects, D::Error> {
    overlay(d, Process::Initiative)
}
