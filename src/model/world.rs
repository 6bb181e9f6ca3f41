//! The state of one replicate: organisations, dyad memory, projects, and index sets.

use super::orgs::{OrgState, Orgs};
use crate::data::{Dataset, Kind};
use crate::huge_pages::HugeVec;
use crate::model::params::{BudgetSplit, Params};
use crate::network::{Memory, NodeAttrs, Origin, SnapTie, Snapshot, prefetch};
use std::sync::Arc;

/// A project while the run goes on.
#[derive(Debug, PartialEq)]
pub struct ProjectState {
    /// Territory index.
    pub territory: u32,
    /// Lead organisation.
    pub lead: u32,
    /// Budget in EUR (after `funding.budget_split`).
    pub budget: f64,
    /// Partners listed in the data (joined at programme start).
    pub listed: Vec<u32>,
    /// Current members, lead included.
    pub members: Vec<u32>,
    /// Open (funded) now.
    pub open: bool,
    /// Step at which it closes (programme end, or later with follow-on funding).
    pub closes_at: u32,
    /// Kept open by follow-on funding.
    pub follow_on: bool,
}

clone_reusing!(ProjectState {
    territory,
    lead,
    budget,
    listed,
    members,
    open,
    closes_at,
    follow_on,
});

/// A set of organisation indices with O(1) insert and remove; iteration order is
/// deterministic (insertion order perturbed by swap-removes).
#[derive(Debug, Default)]
pub struct IndexSet {
    items: HugeVec<u32>,
    pos: HugeVec<u32>,
}

clone_reusing!(IndexSet { items, pos });

impl IndexSet {
    /// Empty set over `n` possible members.
    pub fn new(n: usize) -> Self {
        IndexSet {
            items: HugeVec::default(),
            pos: HugeVec::filled(u32::MAX, n),
        }
    }

    /// Adds `i` (no-op if present).
    pub fn insert(&mut self, i: u32) {
        if self.pos[i as usize] == u32::MAX {
            self.pos[i as usize] = self.items.len() as u32;
            self.items.reserve_advised(1);
            self.items.push(i);
        }
    }

    /// Removes `i` (no-op if absent).
    pub fn remove(&mut self, i: u32) {
        let p = self.pos[i as usize];
        if p != u32::MAX {
            self.items.swap_remove(p as usize);
            if let Some(&moved) = self.items.get(p as usize) {
                self.pos[moved as usize] = p;
            }
            self.pos[i as usize] = u32::MAX;
        }
    }

    /// Is `i` a member?
    #[inline]
    pub fn contains(&self, i: u32) -> bool {
        self.pos[i as usize] != u32::MAX
    }

    /// Where `i` stands in [`IndexSet::items`] (`u32::MAX` when absent).
    #[inline]
    pub fn position(&self, i: u32) -> u32 {
        self.pos[i as usize]
    }

    /// Members.
    pub fn items(&self) -> &[u32] {
        &self.items
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Disjoint sets of organisations, one per part (territory), in one flat buffer: each part
/// owns a fixed range of it, as long as the most members it can have, and the parts share one
/// position index, so the memory is O(organisations + parts) however many parts there are and
/// a part's members lie together.
#[derive(Debug, Default)]
pub struct PartitionedSet {
    items: HugeVec<u32>,
    /// Per part: first slot in `items` and number of members.
    parts: Vec<(u32, u32)>,
    pos: HugeVec<u32>,
}

clone_reusing!(PartitionedSet { items, parts, pos });

impl PartitionedSet {
    /// Empty parts over `n` possible members, part `k` holding at most `capacity[k]`.
    pub fn new(n: usize, capacity: &[usize]) -> Self {
        let mut parts = Vec::with_capacity(capacity.len());
        let mut start = 0u32;
        for &c in capacity {
            parts.push((start, 0));
            start += u32::try_from(c).expect("fewer than 2^32 members");
        }
        PartitionedSet {
            items: HugeVec::filled(u32::MAX, start as usize),
            parts,
            pos: HugeVec::filled(u32::MAX, n),
        }
    }

    /// Adds `i` to `part` (no-op if present; `i` must be in no other part, and the part must
    /// have room).
    pub fn insert(&mut self, part: usize, i: u32) {
        if self.pos[i as usize] == u32::MAX {
            let (start, len) = &mut self.parts[part];
            self.items[(*start + *len) as usize] = i;
            self.pos[i as usize] = *len;
            *len += 1;
        }
    }

    /// Removes `i` from `part` (no-op if absent); the last member takes its place.
    pub fn remove(&mut self, part: usize, i: u32) {
        let p = self.pos[i as usize];
        if p != u32::MAX {
            let (start, len) = &mut self.parts[part];
            *len -= 1;
            let last = self.items[(*start + *len) as usize];
            self.items[(*start + p) as usize] = last;
            if last != i {
                self.pos[last as usize] = p;
            }
            self.pos[i as usize] = u32::MAX;
        }
    }

    /// The number of parts.
    pub fn parts(&self) -> usize {
        self.parts.len()
    }

    /// Members of one part.
    #[inline]
    pub fn part(&self, part: usize) -> &[u32] {
        let (start, len) = self.parts[part];
        &self.items[start as usize..(start + len) as usize]
    }

    /// Hints the processor to load the bounds of `part` (no effect on results).
    #[inline(always)]
    pub fn prefetch(&self, part: usize) {
        prefetch(&self.parts, part);
    }
}

/// From this many organisations on, the processes hint the processor to load what they will
/// read a few organisations or ties ahead: below it the state fits in the processor's caches
/// and the hints would only cost instructions.
pub const LOAD_AHEAD_FROM: usize = 50_000;

/// The complete state of one replicate. `clone_from` reuses the target's buffers.
#[derive(Debug)]
pub struct World {
    /// Static attributes (ids, kinds, territories).
    pub nodes: Arc<NodeAttrs>,
    /// ln(capacity) of each organisation.
    pub ln_capacity: Arc<HugeVec<f64>>,
    /// Covariate of each organisation (NaN when the data give none).
    pub covariate: Arc<HugeVec<f64>>,
    /// 1 / (range of the covariate over the organisations that have one); 0 when fewer than
    /// two distinct values exist, which makes every similarity 0.
    pub covariate_inv_range: f64,
    /// All organisations of each territory (static).
    pub territory_orgs: Arc<Vec<Vec<u32>>>,
    /// Was active once and exited.
    pub exited: Vec<bool>,
    /// Took part in a post-programme initiative.
    pub initiative: Vec<bool>,
    /// Has been a member of a project.
    pub project_member: Vec<bool>,
    /// Consecutive steps without an active tie.
    pub isolated_for: Vec<u32>,
    /// The dyad memory. Its slab headers live in the organisations' records ([`World::orgs`]),
    /// so a trial that reaches an organisation at random reads its state and finds its
    /// partners in one cache line.
    pub memory: Memory<Orgs>,
    /// Projects.
    pub projects: Vec<ProjectState>,
    /// Mean budget over projects (EUR), the unit of the recruitment rate.
    pub mean_budget: f64,
    /// Active organisations.
    pub active_set: IndexSet,
    /// Active organisations per territory.
    pub active_by_territory: PartitionedSet,
    /// Inactive organisations that recruitment may draw, per kind.
    pub pool_by_kind: Vec<IndexSet>,
    /// From how many organisations on [`World::loads_ahead`] answers yes:
    /// [`LOAD_AHEAD_FROM`], or another number to compare the two paths (hints change no
    /// result).
    pub loads_ahead_from: usize,
}

clone_reusing!(World {
    nodes,
    ln_capacity,
    covariate,
    covariate_inv_range,
    territory_orgs,
    exited,
    initiative,
    project_member,
    isolated_for,
    memory,
    projects,
    mean_budget,
    active_set,
    active_by_territory,
    pool_by_kind,
    loads_ahead_from,
});

impl World {
    /// Builds the state at step 0 from a data set. Ties without trust get the scenario's
    /// `trust.baseline` (baseline) or `trust.history` (history); both get origin `baseline`
    /// and age `rules.baseline_age`.
    pub fn new(ds: &Dataset, p: &Params) -> World {
        let n = ds.organisations.len();
        let (nodes, territory_orgs) = node_attrs(ds);
        let (projects, mean_budget) = initial_projects(ds, p, &nodes.territory_names);
        let active: Vec<bool> = ds.organisations.iter().map(|o| o.active).collect();
        let (active_set, active_by_territory, pool_by_kind) =
            index_sets(&active, &nodes, &territory_orgs);
        let (covariate, covariate_inv_range) = covariates(ds);
        let orgs = Orgs::from_states(
            (0..n)
                .map(|i| OrgState::new(nodes.kind[i], nodes.territory[i], active[i]))
                .collect(),
        );
        World {
            ln_capacity: Arc::new(ds.organisations.iter().map(|o| o.capacity.ln()).collect()),
            covariate: Arc::new(HugeVec::from(covariate)),
            covariate_inv_range,
            nodes: Arc::new(nodes),
            territory_orgs: Arc::new(territory_orgs),
            exited: vec![false; n],
            initiative: vec![false; n],
            project_member: vec![false; n],
            isolated_for: vec![0; n],
            memory: initial_memory(ds, p, orgs),
            projects,
            mean_budget,
            active_set,
            active_by_territory,
            pool_by_kind,
            loads_ahead_from: LOAD_AHEAD_FROM,
        }
    }

    /// What the trials read of each organisation (activity, adoption, kind, territory, open
    /// projects, partner slab header), one record each.
    #[inline(always)]
    pub fn orgs(&self) -> &Orgs {
        self.memory.headers()
    }

    /// The organisations' records, to change their state (the slab headers stay the dyad
    /// memory's).
    #[inline(always)]
    pub fn orgs_mut(&mut self) -> &mut Orgs {
        self.memory.headers_mut()
    }

    /// The largest active degree of an active organisation (0 when none is active), kept up
    /// to date by the dyad memory; in debug builds checked against a pass over the active set.
    #[inline]
    pub fn most_active_degree(&self) -> usize {
        let most = self.memory.most_counted_degree();
        debug_assert_eq!(most, self.most_active_degree_by_pass());
        most
    }

    /// [`World::most_active_degree`] by a pass over the active organisations.
    pub fn most_active_degree_by_pass(&self) -> usize {
        self.active_set
            .items()
            .iter()
            .map(|&i| self.memory.degree(i))
            .max()
            .unwrap_or(0)
    }

    /// Is the state large enough that the processes should load what they will read ahead of
    /// time ([`World::loads_ahead_from`], by default [`LOAD_AHEAD_FROM`])?
    #[inline]
    pub fn loads_ahead(&self) -> bool {
        self.len() >= self.loads_ahead_from
    }

    /// Number of organisations.
    pub fn len(&self) -> usize {
        self.orgs().len()
    }

    /// True when there are no organisations.
    pub fn is_empty(&self) -> bool {
        self.orgs().is_empty()
    }

    /// Is organisation `i` taking part in the field now?
    #[inline]
    pub fn is_active(&self, i: u32) -> bool {
        self.orgs().flags().active(i)
    }

    /// Has organisation `i` adopted the innovative practice?
    #[inline]
    pub fn has_adopted(&self, i: u32) -> bool {
        self.orgs().flags().adopted(i)
    }

    /// Records that organisation `i` adopted the innovative practice.
    pub fn adopt(&mut self, i: u32) {
        self.orgs_mut().set_adopted(i);
    }

    /// Kind of organisation `i`.
    #[inline]
    pub fn kind(&self, i: u32) -> Kind {
        self.orgs().flags().kind(i)
    }

    /// Territory of organisation `i`.
    #[inline]
    pub fn territory(&self, i: u32) -> u32 {
        self.orgs().get(i).territory
    }

    /// ln(capacity) of organisation `i`.
    #[inline]
    pub fn ln_capacity(&self, i: u32) -> f64 {
        self.ln_capacity[i as usize]
    }

    /// Do `i` and `j` share an open project?
    #[inline]
    pub fn share_open_project(&self, i: u32, j: u32) -> bool {
        self.orgs().share(i, j)
    }

    /// An open project `i` and `j` share (the first found), if any.
    #[inline]
    pub fn shared_open_project(&self, i: u32, j: u32) -> Option<u32> {
        self.orgs().shared(i, j)
    }

    /// Covariate similarity of `i` and `j`, `1 - |x_i - x_j| / range` (RSiena's `simX`
    /// before centring), in [0, 1]; 0 when either has no covariate or the covariate is
    /// constant.
    #[inline]
    pub fn covariate_similarity(&self, i: u32, j: u32) -> f64 {
        let d = (self.covariate[i as usize] - self.covariate[j as usize]).abs();
        if d.is_finite() && self.covariate_inv_range > 0.0 {
            1.0 - d * self.covariate_inv_range
        } else {
            0.0
        }
    }

    /// Does one of `i` and `j` lead an open project of which the other is a member? The
    /// common answers (neither is a member of an open project, or each of at most one, whose
    /// lead is read directly) are inlined into the callers' loops; the search is not.
    #[inline(always)]
    pub fn lead_and_partner(&self, i: u32, j: u32) -> bool {
        if !self.orgs().flags().either_open(i, j) {
            return false;
        }
        let (fi, ci) = self.orgs().head(i);
        let (fj, cj) = self.orgs().head(j);
        if ci == 0 && cj == 0 {
            return false;
        }
        if ci <= 1 && cj <= 1 {
            let leads = |first: u32, count: usize, b: u32| {
                count == 1 && self.projects[first as usize].lead == b
            };
            return leads(fi, ci, j) || leads(fj, cj, i);
        }
        self.lead_and_partner_search(i, j)
    }

    /// Hints the processor to load what a formation trial reads of candidate `j` (no effect
    /// on results): its record (partner slab header included), capacity and covariate, all at
    /// once rather than one after the other as the trial reaches them.
    #[inline(always)]
    pub fn prefetch_candidate(&self, j: u32) {
        self.orgs().prefetch(j as usize);
        prefetch(&self.ln_capacity, j as usize);
        prefetch(&self.covariate, j as usize);
    }

    /// Hints the processor to load what a trial on the tie of `a` and `b` reads of its two
    /// ends, a few trials ahead (no effect on results): their flag bytes (kinds, and whether
    /// in open projects), and their records when either is in an open project.
    #[inline(always)]
    pub fn prefetch_ends(&self, a: u32, b: u32) {
        let flags = self.orgs().flags();
        if flags.either_open(a, b) {
            self.orgs().prefetch(a as usize);
            self.orgs().prefetch(b as usize);
        }
    }

    #[inline(never)]
    fn lead_and_partner_search(&self, i: u32, j: u32) -> bool {
        let leads = |a: u32, b: u32| {
            self.orgs()
                .of(a)
                .any(|p| self.projects[p as usize].lead == b)
        };
        leads(i, j) || leads(j, i)
    }

    /// Is `i` a member of an open project?
    #[inline]
    pub fn in_open_project(&self, i: u32) -> bool {
        self.orgs().flags().open(i)
    }

    /// Makes an inactive organisation active.
    pub fn activate_org(&mut self, i: u32) {
        if !self.is_active(i) {
            self.memory.update_header(i, |o| o.set_active(i, true));
            self.isolated_for[i as usize] = 0;
            self.active_set.insert(i);
            let t = self.territory(i) as usize;
            self.active_by_territory.insert(t, i);
            let k = self.kind(i).index();
            self.pool_by_kind[k].remove(i);
        }
    }

    /// Makes an active organisation inactive; it enters the pool when `recruitable`.
    pub fn deactivate_org(&mut self, i: u32, recruitable: bool) {
        if self.is_active(i) {
            self.memory.update_header(i, |o| o.set_active(i, false));
            self.exited[i as usize] = true;
            self.active_set.remove(i);
            let t = self.territory(i) as usize;
            self.active_by_territory.remove(t, i);
            if recruitable {
                let k = self.kind(i).index();
                self.pool_by_kind[k].insert(i);
            }
        }
    }

    /// Adds `i` to project `p` (activating it), recording membership.
    pub fn join_project(&mut self, i: u32, p: u32) {
        self.activate_org(i);
        let pr = &mut self.projects[p as usize];
        if !pr.members.contains(&i) {
            pr.members.push(i);
        }
        self.project_member[i as usize] = true;
        if pr.open {
            self.orgs_mut().insert(i, p);
        }
    }

    /// The active ties ordered by their ends `(a, b)`, `a < b`: each organisation's partners
    /// above it, sorted, organisation by organisation. The partner lists are short, so this
    /// reads every organisation's slab header once and sorts only within them, in fewer
    /// instructions than sorting all the ties at once.
    fn sorted_ties(&self) -> Vec<SnapTie> {
        let mut ties = Vec::with_capacity(self.memory.active_count());
        for a in 0..self.len() as u32 {
            let first = ties.len();
            for &(b, d) in self.memory.active_partners(a) {
                if b > a {
                    let dy = self.memory.dyad(d);
                    ties.push(SnapTie {
                        a,
                        b,
                        trust: dy.trust,
                        origin: dy.origin,
                    });
                }
            }
            ties[first..].sort_unstable_by_key(|t| t.b);
        }
        ties
    }

    /// The observed network now, taken at the end of `step`.
    pub fn snapshot(&self, step: u32) -> Snapshot {
        let ties = self.sorted_ties();
        Snapshot {
            step,
            nodes: self.nodes.clone(),
            active: self.orgs().states().map(|o| o.active).collect(),
            adopted: self.orgs().states().map(|o| o.adopted).collect(),
            initiative: self.initiative.clone(),
            project_member: self.project_member.clone(),
            ties,
        }
    }
}

/// The organisations' static attributes, and the organisations of each territory.
fn node_attrs(ds: &Dataset) -> (NodeAttrs, Vec<Vec<u32>>) {
    let (territory_names, territory) = ds.territory_index();
    let mut territory_orgs = vec![Vec::new(); territory_names.len()];
    for (i, &t) in territory.iter().enumerate() {
        territory_orgs[t as usize].push(i as u32);
    }
    let nodes = NodeAttrs {
        ids: ds.organisations.iter().map(|o| o.id.clone()).collect(),
        kind: ds.organisations.iter().map(|o| o.kind).collect(),
        territory,
        territory_names,
    };
    (nodes, territory_orgs)
}

/// The dyad memory at step 0, its slab headers in the organisations' records `orgs`: the
/// baseline ties active, the history dormant, every organisation's partners laid out side by
/// side with room to grow.
fn initial_memory(ds: &Dataset, p: &Params, orgs: Orgs) -> Memory<Orgs> {
    let born = -(p.rules.baseline_age as i32);
    let mut memory = Memory::with_headers(orgs);
    for t in &ds.ties {
        let trust = t.trust.unwrap_or(p.trust.baseline);
        memory.insert_active(t.a as u32, t.b as u32, trust, Origin::Baseline, born);
    }
    for t in &ds.history {
        let trust = t.trust.unwrap_or(p.trust.history);
        memory.insert_dormant(t.a as u32, t.b as u32, trust, Origin::Baseline, born);
    }
    memory.compact();
    memory
}

/// The projects, not yet open, and their mean budget (1 without projects).
fn initial_projects(
    ds: &Dataset,
    p: &Params,
    territory_names: &[String],
) -> (Vec<ProjectState>, f64) {
    let territory: std::collections::HashMap<&str, u32> = territory_names
        .iter()
        .enumerate()
        .map(|(k, t)| (t.as_str(), k as u32))
        .collect();
    let budgets = split_budgets(ds, p.funding.budget_split);
    let mean_budget = if budgets.is_empty() {
        1.0
    } else {
        budgets.iter().sum::<f64>() / budgets.len() as f64
    };
    let projects = ds
        .projects
        .iter()
        .zip(budgets)
        .map(|(pr, budget)| ProjectState {
            territory: territory[pr.territory.as_str()],
            lead: pr.lead as u32,
            budget,
            listed: pr.partners.iter().map(|&x| x as u32).collect(),
            members: Vec::new(),
            open: false,
            closes_at: p.timeline.programme_end(),
            follow_on: false,
        })
        .collect();
    (projects, mean_budget)
}

/// The active organisations, the active ones by territory, and the inactive ones (the
/// recruitment pool) by kind.
fn index_sets(
    active: &[bool],
    nodes: &NodeAttrs,
    territory_orgs: &[Vec<u32>],
) -> (IndexSet, PartitionedSet, Vec<IndexSet>) {
    let n = active.len();
    let mut active_set = IndexSet::new(n);
    let sizes: Vec<usize> = territory_orgs.iter().map(Vec::len).collect();
    let mut by_territory = PartitionedSet::new(n, &sizes);
    let mut pool_by_kind = vec![IndexSet::new(n); Kind::COUNT];
    for (i, &on) in active.iter().enumerate() {
        if on {
            active_set.insert(i as u32);
            by_territory.insert(nodes.territory[i] as usize, i as u32);
        } else {
            pool_by_kind[nodes.kind[i].index()].insert(i as u32);
        }
    }
    (active_set, by_territory, pool_by_kind)
}

/// Each organisation's covariate (NaN when the data give none) and 1 / (range of the given
/// ones), 0 when fewer than two distinct values exist.
fn covariates(ds: &Dataset) -> (Vec<f64>, f64) {
    let covariate: Vec<f64> = ds
        .organisations
        .iter()
        .map(|o| o.covariate.unwrap_or(f64::NAN))
        .collect();
    let (lo, hi) = covariate
        .iter()
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
            (l.min(x), h.max(x))
        });
    let inv_range = if hi > lo { 1.0 / (hi - lo) } else { 0.0 };
    (covariate, inv_range)
}

/// Project budgets after `funding.budget_split`, keeping the total.
fn split_budgets(ds: &Dataset, split: BudgetSplit) -> Vec<f64> {
    let given: Vec<f64> = ds.projects.iter().map(|p| p.budget).collect();
    let total: f64 = given.iter().sum();
    match split {
        BudgetSplit::AsGiven => given,
        BudgetSplit::Equal => vec![total / given.len().max(1) as f64; given.len()],
        BudgetSplit::Proportional => {
            let sizes: Vec<f64> = ds
                .projects
                .iter()
                .map(|p| 1.0 + p.partners.len() as f64)
                .collect();
            let s: f64 = sizes.iter().sum();
            sizes.iter().map(|x| total * x / s).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Inserts and removes give every part the members, in the order, that one vector per
        /// part with `push` and `swap_remove` gives: the order random draws from a part see.
        #[test]
        fn partitioned_set_matches_vectors(ops in proptest::collection::vec((0u32..12, proptest::bool::ANY), 0..200)) {
            let part_of = |i: u32| (i % 3) as usize;
            let mut set = PartitionedSet::new(12, &[4, 4, 4]);
            let mut parts: Vec<Vec<u32>> = vec![Vec::new(); 3];
            for (i, add) in ops {
                let p = part_of(i);
                let at = parts[p].iter().position(|&x| x == i);
                if add {
                    set.insert(p, i);
                    if at.is_none() {
                        parts[p].push(i);
                    }
                } else {
                    set.remove(p, i);
                    if let Some(k) = at {
                        parts[p].swap_remove(k);
                    }
                }
                for (k, want) in parts.iter().enumerate() {
                    proptest::prop_assert_eq!(set.part(k), want.as_slice());
                }
            }
        }
    }
}
