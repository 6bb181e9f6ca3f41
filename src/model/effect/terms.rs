//! The effects a model evaluates: for each process and phase, the non-zero terms in table
//! order, compiled once per model so that unused effects cost nothing per trial.

use super::{Coefficient, Focus, Process, Statistic};
use crate::model::params::{Params, Phase};
use crate::model::process::{Ctx, Scratch};
use crate::model::world::World;

/// One term `coefficient * statistic` of a predictor.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    /// The coefficient (1 for kind tables, whose statistic is the entry).
    pub coefficient: f64,
    /// The statistic.
    pub statistic: Statistic,
}

/// The terms of every process in every phase.
#[derive(Debug, Clone)]
pub struct Terms {
    by: [[Vec<Term>; 3]; 4],
}

fn phase_index(p: Phase) -> usize {
    match p {
        Phase::Pre => 0,
        Phase::Programme => 1,
        Phase::Post => 2,
    }
}

fn process_index(p: Process) -> usize {
    match p {
        Process::Formation => 0,
        Process::Dissolution => 1,
        Process::Adoption => 2,
        Process::Initiative => 3,
    }
}

impl Terms {
    /// The non-zero terms of `p` (switched-off feedback channels are left out; intercepts
    /// start the sum and are not terms).
    pub fn new(p: &Params) -> Terms {
        let mut by: [[Vec<Term>; 3]; 4] = Default::default();
        for process in Process::ALL {
            let values = p.effects(process);
            let table_used = p.mix(process).is_some_and(|t| {
                crate::data::Kind::ALL.iter().any(|&a| {
                    crate::data::Kind::ALL
                        .iter()
                        .any(|&b| t.get(a).get(b) != 0.0)
                })
            });
            for e in process.effects() {
                let coefficient = match e.coefficient {
                    Coefficient::Intercept => continue,
                    Coefficient::KindTable if table_used => 1.0,
                    Coefficient::KindTable => 0.0,
                    Coefficient::Scalar => values.get(e.name),
                };
                let off = e.channel.is_some_and(|c| !c.on(&p.feedback));
                if coefficient == 0.0 || off {
                    continue;
                }
                for &phase in e.phases {
                    by[process_index(process)][phase_index(phase)].push(Term {
                        coefficient,
                        statistic: super::statistic(e.statistic),
                    });
                }
            }
        }
        Terms { by }
    }

    /// The terms of `process` in `phase`.
    #[inline]
    pub fn of(&self, process: Process, phase: Phase) -> &[Term] {
        &self.by[process_index(process)][phase_index(phase)]
    }
}

/// `start + sum of coefficient * statistic` over `terms`, summed in table order.
#[inline]
pub fn predictor(
    terms: &[Term],
    start: f64,
    ctx: &Ctx,
    w: &World,
    focus: Focus,
    s: &mut Scratch,
) -> f64 {
    let mut eta = start;
    for t in terms {
        eta += t.coefficient * (t.statistic)(ctx, w, focus, s);
    }
    eta
}
