//! The simulation core (docs/ODD.md, sections 2-7): state, processes and one replicate's run.
//! Free of I/O: it takes a [`Dataset`] and [`Params`] and returns wave [`Snapshot`]s.
//!
//! ```
//! use wecare::data::{Dataset, Kind, Organisation, Tie};
//! use wecare::model::{Model, Params};
//! let org = |id: &str| Organisation { id: id.into(), kind: Kind::ThirdSector,
//!     territory: "T".into(), capacity: 1.0, active: true, covariate: None };
//! let ds = Dataset { organisations: vec![org("a"), org("b"), org("c")],
//!     ties: vec![Tie { a: 0, b: 1, trust: None }], ..Default::default() };
//! let model = Model::new(&ds, &Params::default()).unwrap();
//! let waves = model.run(42, 0);
//! assert_eq!(waves.len(), 3);
//! assert_eq!(waves, model.run(42, 0));
//! ```

pub mod effect;
mod org_flags;
mod orgs;
pub mod process;
pub mod rng;
mod world;

pub use crate::scenario::params;
pub use org_flags::OrgFlags;
pub use orgs::{OrgState, Orgs};
pub use params::{Params, Phase};
pub use world::{IndexSet, PartitionedSet, ProjectState, World};

use crate::data::Dataset;
use crate::network::Snapshot;
use process::{Ctx, Scratch};
use rng::Streams;

/// Why a data set and parameters cannot be simulated together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A wave step lies outside the timeline or waves are not increasing.
    #[error("timeline.waves: {0}")]
    Waves(String),
    /// A tie or project refers to an organisation index that does not exist.
    #[error("data: {0}")]
    Data(String),
}

/// A model ready to run: the effective parameters (switched-off feedback channels zeroed) and
/// the initial state, shared by all replicates.
#[derive(Debug, Clone)]
pub struct Model {
    params: Params,
    tables: process::Tables,
    initial: World,
    pre: std::sync::Arc<Snapshot>,
}

impl Model {
    /// Prepares a model; checks that waves fit the timeline and indices are in range.
    pub fn new(ds: &Dataset, params: &Params) -> Result<Model, ModelError> {
        let t = &params.timeline;
        if let Some(w) = t.waves.iter().find(|&&w| w >= t.steps()) {
            return Err(ModelError::Waves(format!(
                "wave at step {w} is outside the timeline of {} steps (0..{})",
                t.steps(),
                t.steps()
            )));
        }
        if t.waves.windows(2).any(|p| p[0] >= p[1]) {
            return Err(ModelError::Waves(
                "waves must be strictly increasing".into(),
            ));
        }
        let n = ds.organisations.len();
        let bad = |i: usize| i >= n;
        if ds
            .ties
            .iter()
            .chain(&ds.history)
            .any(|t| bad(t.a) || bad(t.b) || t.a == t.b)
        {
            return Err(ModelError::Data(
                "a tie refers to a missing organisation or is a self-loop".into(),
            ));
        }
        if ds
            .projects
            .iter()
            .any(|p| bad(p.lead) || p.partners.iter().any(|&x| bad(x)))
        {
            return Err(ModelError::Data(
                "a project refers to a missing organisation".into(),
            ));
        }
        let params = effective(params);
        let initial = World::new(ds, &params);
        let mut tables = process::Tables::new(initial.len(), &params);
        tables.bounds_hold &= initial
            .memory
            .dyads()
            .iter()
            .all(|d| (0.0..=1.0).contains(&d.trust));
        let pre = std::sync::Arc::new(initial.snapshot(0));
        Ok(Model {
            params,
            tables,
            initial,
            pre,
        })
    }

    /// The effective parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The precomputed tables (compiled predictors, logistic, logarithms).
    pub fn tables(&self) -> &process::Tables {
        &self.tables
    }

    /// The state at step 0.
    pub fn initial(&self) -> &World {
        &self.initial
    }

    /// The pre-programme network: the state at step 0, before the burn-in (the data set's
    /// organisations and baseline ties), observed as a wave. The statistics that compare a wave
    /// with the past use it (docs/statistics.md, "Patterns").
    pub fn pre_programme(&self) -> &Snapshot {
        &self.pre
    }

    /// [`Model::pre_programme`], shared.
    pub fn pre_programme_shared(&self) -> std::sync::Arc<Snapshot> {
        self.pre.clone()
    }

    /// Runs replicate `replicate` with streams from `master_seed`; returns the wave snapshots.
    ///
    /// The state buffers of the previous replicate run on the same thread are reused, so an
    /// ensemble allocates the state once per thread rather than once per replicate.
    pub fn run(&self, master_seed: u64, replicate: u64) -> Vec<Snapshot> {
        let reused = ARENA.with(|a| a.borrow_mut().take());
        let mut sim = match reused {
            Some((mut world, mut scratch)) => {
                world.clone_from(&self.initial);
                scratch.reset(self.initial.len());
                self.simulation_in(master_seed, replicate, world, scratch)
            }
            None => self.simulation(master_seed, replicate),
        };
        let waves = sim.run_to_end();
        // Large states are not kept: their allocation costs little next to their run, and
        // keeping them would hold their memory while the statistics are computed.
        if self.initial.len() <= ARENA_MAX_ORGS {
            ARENA.with(|a| *a.borrow_mut() = Some((sim.world, sim.scratch)));
        }
        waves
    }

    /// A replicate to drive step by step.
    pub fn simulation(&self, master_seed: u64, replicate: u64) -> Simulation<'_> {
        let world = self.initial.clone();
        let scratch = Scratch::new(self.initial.len());
        self.simulation_in(master_seed, replicate, world, scratch)
    }

    /// A replicate on a state already equal to the initial one.
    fn simulation_in(
        &self,
        master_seed: u64,
        replicate: u64,
        world: World,
        scratch: Scratch,
    ) -> Simulation<'_> {
        Simulation {
            model: self,
            world,
            streams: Streams::new(master_seed, replicate),
            scratch,
            step: 0,
            next_wave: 0,
        }
    }
}

/// Largest number of organisations whose state buffers a thread keeps for its next replicate.
const ARENA_MAX_ORGS: usize = 20_000;

thread_local! {
    /// The state buffers of the last replicate this thread finished.
    static ARENA: std::cell::RefCell<Option<(World, Scratch)>> =
        const { std::cell::RefCell::new(None) };
}

/// Parameters with switched-off feedback channels zeroed (docs/ODD.md, section 4; the choice for
/// `trust_to_formation` also makes the dormant-partner draw uniform, see docs/ODD.md).
fn effective(p: &Params) -> Params {
    let mut e = p.clone();
    for effect in effect::EFFECTS {
        if effect.channel.is_some_and(|c| !c.on(&p.feedback)) {
            e.effects_mut(effect.process).set(effect.name, 0.0);
        }
    }
    e
}

/// One replicate in progress.
#[derive(Debug, Clone)]
pub struct Simulation<'m> {
    model: &'m Model,
    world: World,
    streams: Streams,
    scratch: Scratch,
    step: u32,
    next_wave: usize,
}

impl Simulation<'_> {
    /// The current state.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Mutable state, for setting up experiments by hand.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// Runs the remaining steps; returns the snapshots of the waves observed on the way. The
    /// final state stays readable through [`Simulation::world`].
    pub fn run_to_end(&mut self) -> Vec<Snapshot> {
        let mut waves = Vec::with_capacity(self.model.params.timeline.waves.len());
        while let Some(snap) = self.step() {
            if let Some(s) = snap {
                waves.push(s);
            }
        }
        waves
    }

    /// The next step to run.
    pub fn current_step(&self) -> u32 {
        self.step
    }

    /// Runs one step (docs/ODD.md, section 3, in order). Returns `None` when the timeline is over,
    /// `Some(Some(snapshot))` when the step ended with a wave, `Some(None)` otherwise.
    pub fn step(&mut self) -> Option<Option<Snapshot>> {
        let p = &self.model.params;
        if self.step >= p.timeline.steps() {
            return None;
        }
        let ctx = Ctx {
            p,
            t: &self.model.tables,
            step: self.step,
            phase: p.timeline.phase(self.step),
        };
        let (w, s, r) = (&mut self.world, &mut self.scratch, &mut self.streams);
        process::phase::run(&ctx, w, &mut r.recruit);
        process::recruitment::run(&ctx, w, &mut r.recruit);
        process::formation::run(&ctx, w, &mut r.formation, s);
        process::dissolution::run(&ctx, w, &mut r.dissolution, s);
        process::trust::run(&ctx, w);
        process::adoption::run(&ctx, w, &mut r.adoption, s);
        process::initiative::run(&ctx, w, &mut r.initiative, s);
        process::exit::run(&ctx, w, s);
        let waves = &p.timeline.waves;
        let snap = if waves.get(self.next_wave) == Some(&self.step) {
            self.next_wave += 1;
            Some(w.snapshot(self.step))
        } else {
            None
        };
        self.step += 1;
        Some(snap)
    }
}
